#!/bin/sh
# The install contract: `make install PREFIX=DIR` (cmake --install BUILD --prefix DIR) puts the
# shared and static libraries, the headers, the CLI and a correct parley.pc under DIR, and a
# program builds and runs against them exactly as README.md says (the README's marked block is
# run as written, with $HOME/parley standing for DIR). Also: a build without the tests
# (-DPARLEY_TESTS=OFF) configures without cmocka.
# Usage: test_install.sh PATH_TO_PARLEY  (PARLEY_BUILD_DIR, PARLEY_SOURCE_DIR from ctest)
set -u
parley=${1:?usage: test_install.sh PATH_TO_PARLEY}
build=${PARLEY_BUILD_DIR:-$(dirname "$parley")}
src=${PARLEY_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in cc pkg-config cmake; do
    command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is needed"; exit 77; }
done
if grep -q '^PARLEY_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: a sanitizer build's library cannot link into a plain program"
    exit 77
fi

tmp=$(mktemp -d /tmp/parley-install-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }

for f in lib/libparley.so lib/libparley.a include/parley/parley.h include/parley/session.h \
    bin/parley lib/pkgconfig/parley.pc; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
soname=$(readelf -d "$prefix/lib/libparley.so" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ -n "$soname" ] && [ -e "$prefix/lib/$soname" ] || fail "SONAME '$soname' not installed"

# parley.pc: its paths are the prefix's wherever it was installed; the version is the CLI's
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pc_version=$(pkg-config --modversion parley) || fail "pkg-config does not find parley.pc"
cli_version=$("$prefix/bin/parley" --version)
[ "$cli_version" = "parley $pc_version" ] ||
    fail "parley --version says '$cli_version', parley.pc '$pc_version'"
incdir=$(cd "$(pkg-config --variable=includedir parley)" 2>/dev/null && pwd -P)
libdir=$(cd "$(pkg-config --variable=libdir parley)" 2>/dev/null && pwd -P)
[ "$incdir" = "$(cd "$prefix/include" && pwd -P)" ] || fail "includedir is '$incdir'"
[ "$libdir" = "$(cd "$prefix/lib" && pwd -P)" ] || fail "libdir is '$libdir'"
static=$(pkg-config --static --libs parley)
for lib in -luv -lssl -lcrypto -lcares; do
    case " $static " in *" $lib "*) ;; *) fail "pkg-config --static --libs lacks $lib: $static" ;; esac
done
case " $(pkg-config --libs parley) " in
*" -luv "*) fail "pkg-config --libs (shared) names libuv: the .so already depends on it" ;;
esac

# the README's block, as written, from a copy of the source tree's examples
awk '/<!-- test_install.sh: build-against-install -->/ { armed = 1; next }
     armed && /^```sh/ { inblock = 1; next }
     inblock && /^```/ { exit }
     inblock { print }' "$src/README.md" >"$tmp/readme.sh"
[ -s "$tmp/readme.sh" ] || fail "README.md has no block marked build-against-install"
mkdir -p "$tmp/work/examples"
cp "$src/examples/hello_session.c" "$tmp/work/examples/"
if (cd "$tmp/work" && HOME=$tmp/home && mkdir -p "$HOME" && ln -s "$prefix" "$HOME/parley" &&
    export HOME && unset LD_LIBRARY_PATH && timeout 120 sh -ex "$tmp/readme.sh") \
    >"$tmp/readme.log" 2>&1; then
    runs=$(grep -c '^alice call: success' "$tmp/readme.log")
    [ "$runs" -eq 3 ] || fail "the README block ran hello $runs times successfully, expected 3"
else
    fail "the README's build-against-install block failed: $(cat "$tmp/readme.log")"
fi

# the rpath build really loads the installed library (not one from the build tree)
(cd "$tmp/work" && cc -o hello examples/hello_session.c $(pkg-config --cflags --libs parley) \
    -Wl,-rpath,"$libdir") || fail "rpath build"
loaded=$(env -u LD_LIBRARY_PATH ldd "$tmp/work/hello" | awk '/libparley/ { print $3 }')
case "$loaded" in "$libdir"/*) ;; *) fail "hello loads libparley from '$loaded'" ;; esac

# -DPARLEY_TESTS=OFF needs no cmocka: configure with only the build dependencies' .pc files
pcdir="$tmp/pc"
mkdir -p "$pcdir"
for m in libuv libssl libcrypto libcares; do
    f=$(pkg-config --variable=pcfiledir $m)/$m.pc
    ln -s "$f" "$pcdir/$m.pc"
done
PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_PATH= cmake -S "$src" -B "$tmp/notests" -DPARLEY_TESTS=OFF \
    >"$tmp/notests.log" 2>&1 || fail "-DPARLEY_TESTS=OFF without cmocka: $(cat "$tmp/notests.log")"
! grep -qi cmocka "$tmp/notests/CMakeCache.txt" || fail "the PARLEY_TESTS=OFF build looked for cmocka"

[ $failures -eq 0 ] || exit 1
echo "ok - install, pkg-config, the README's build lines, PARLEY_TESTS=OFF without cmocka"
