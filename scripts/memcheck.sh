#!/bin/sh
# valgrind memcheck over the protocol tests (tests/proto: every layer from transport to session
# on the virtual network) and the unit tests of the limits: zero errors and zero definitely
# lost bytes, or it fails. Two tests run at a time.
# Usage: scripts/memcheck.sh BUILD_DIR (a normal, non-sanitizer build)
set -u
build=$1
command -v valgrind >/dev/null 2>&1 || { echo "memcheck: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
tests=$(find "$build/tests" -maxdepth 1 -type f -perm -u+x \( -name 'proto_test_*' -o -name 'unit_test_deadline' -o -name 'unit_test_hash' \) | sort)
[ -n "$tests" ] || { echo "memcheck: no tests in $build" >&2; exit 1; }
logs=$build/memcheck
rm -rf "$logs"
mkdir -p "$logs"
run() {
    name=$(basename "$1")
    valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --track-origins=no --log-file="$logs/$name.log" \
        "$1" >"$logs/$name.out" 2>&1
    rc=$?
    errs=$(grep -o 'ERROR SUMMARY: [0-9]*' "$logs/$name.log" | tail -n 1 | cut -d' ' -f3)
    lost=$(grep -o 'definitely lost: [0-9,]* bytes' "$logs/$name.log" | tail -n 1 | cut -d' ' -f3)
    echo "memcheck: $name exit $rc, ${errs:-?} errors, ${lost:-0} bytes definitely lost"
    [ "$rc" -eq 0 ]
}
fail=0
set -- $tests
while [ $# -gt 0 ]; do
    a=$1; shift
    b=${1:-}; [ $# -gt 0 ] && shift
    run "$a" & pa=$!
    pb=
    [ -n "$b" ] && { run "$b" & pb=$!; }
    wait $pa || fail=1
    [ -n "$pb" ] && { wait $pb || fail=1; }
done
if [ $fail -ne 0 ]; then
    echo "memcheck: FAILED (logs in $logs)" >&2
    exit 1
fi
echo "memcheck: all clean"
