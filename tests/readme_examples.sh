#!/bin/sh
# Compiles and links every ```c block of README.md against the built static library, so that
# the README's examples cannot rot. Usage: readme_examples.sh CC SOURCE_DIR LIBPARLEY.a
set -eu
cc=$1
root=$2
lib=$3
work=$(mktemp -d /tmp/parley-readme-XXXXXX)
trap 'rm -rf "$work"' EXIT
awk -v dir="$work" '
    /^```c[[:space:]]*$/ { n++; f = dir "/example" n ".c"; inblock = 1; next }
    /^```/ { inblock = 0; next }
    inblock { print > f }
' "$root/README.md"
count=$(ls "$work"/example*.c 2>/dev/null | wc -l)
[ "$count" -gt 0 ] || { echo "FAIL: no C example found in README.md"; exit 1; }
for src in "$work"/example*.c; do
    "$cc" -std=c11 -Wall -Wextra -Werror -I"$root/include" "$src" "$lib" \
        $(pkg-config --libs libuv libssl libcrypto libcares) -lpthread -o "${src%.c}" ||
        { echo "FAIL: $(basename "$src") from README.md does not build"; exit 1; }
    echo "ok - $(basename "$src") builds"
done
