#!/bin/sh
# bench/parse/difffuzz: the message parser of this tree against REV's, under libFuzzer.
# Usage: bench/parse/difffuzz/run.sh REV [SECONDS] [CORPUS_DIR]
# Builds REV's src/sip and src/core (git archive) and this tree's with clang, ASan, UBSan and
# libFuzzer, renames every global symbol of REV's objects to old_*, and fuzzes diff_fuzz.c over
# the test messages, the RFC 4475/5118 torture messages (when ../shared is there) and the fuzz
# seeds: any difference in return code, fault (code, offset, status, what, reason), or in any
# field of the parsed message or of a URI parsed alone aborts with the field named. For
# optimising the parser: a rewrite must keep every result. REV's sip_msg must have this tree's
# layout (the harness reads both through this tree's sip/msg.h). Not a test: ctest runs none.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
rev=${1:?usage: run.sh REV [SECONDS] [CORPUS_DIR]}
seconds=${2:-60}
work=${TMPDIR:-/tmp}/parley-difffuzz-$(git -C "$root" rev-parse --short "$rev^{commit}")
corpus=${3:-$work/corpus}
cflags="-O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all \
-D_GNU_SOURCE -std=c11 -w"
libs=$(pkg-config --libs libssl libcrypto)

# compile TREE OUT: the parser's sources (all of src/sip and src/core but the event loop)
compile() {
    mkdir -p "$2"
    for f in "$1"/src/sip/*.c "$1"/src/core/*.c; do
        case $f in */core/loop.c) continue ;; esac
        o=$2/$(basename "$(dirname "$f")")_$(basename "$f" .c).o
        # shellcheck disable=SC2086
        clang $cflags -I"$1/include" -I"$1/src" -c "$f" -o "$o"
    done
}

rm -rf "$work/old" "$work/new" "$work/src"
mkdir -p "$work/src" "$corpus" "$work/seeds"
git -C "$root" archive "$rev" | tar -x -C "$work/src"
compile "$work/src" "$work/old"
ld -r -o "$work/old_all.o" "$work"/old/*.o
nm --defined-only -g "$work/old_all.o" | awk '{print $3 " old_" $3}' >"$work/syms"
objcopy --redefine-syms="$work/syms" "$work/old_all.o" "$work/old_renamed.o"
compile "$root" "$work/new"
# shellcheck disable=SC2086
clang $cflags -fsanitize=fuzzer -I"$root/include" -I"$root/src" "$here/diff_fuzz.c" \
    "$work"/new/*.o "$work/old_renamed.o" $libs -o "$work/diff_fuzz"

# seeds: each message with each of the four flag/limit selectors of diff_fuzz.c's first byte
i=0
for f in "$root"/tests/data/msg/*.sip "$root"/bench/parse/sipp/*.sip \
    "$root"/../shared/conformance/sip-torture/*.dat "$root"/tests/fuzz/corpus/msg/*; do
    [ -f "$f" ] || continue
    for s in 0 2 4 6; do
        i=$((i + 1))
        { printf "\\$(printf %o "$s")"; cat "$f"; } >"$work/seeds/s$i"
    done
done
echo "difffuzz: $i seeds, $seconds s, this tree against $rev" >&2
"$work/diff_fuzz" -max_total_time="$seconds" -print_final_stats=1 "$corpus" "$work/seeds"
