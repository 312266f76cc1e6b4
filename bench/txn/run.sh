#!/bin/sh
# bench/txn: cost per exchange of the transaction layer and per operation of the timing wheel
# against the number of live transactions (1 ... 100000) and timers (1 ... 1000000).
# Usage: bench/txn/run.sh BUILD_DIR [bench_txn options, e.g. --rounds 21 --exchanges 2000]
# First counts instructions per operation with callgrind (instrumenting only the measured rounds
# of `bench_txn --instr WORK --live N`, one run per line of `bench_txn --list`), then runs the
# timed rounds and prints one table with both. BENCH_TXN_INSTR=0 skips callgrind. Informative
# only: nothing here fails on a slow result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build-bench}
[ $# -gt 0 ] && shift
if [ ! -d "$build" ] && [ -d "$root/$build" ]; then
    build=$root/$build
fi
bin=$build/bench/txn/bench_txn
if [ ! -x "$bin" ]; then
    echo "bench/txn: $bin not found: configure with -DPARLEY_BENCH=ON and build" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# instr WORK LIVE: instructions per operation in the measured rounds.
instr() {
    if ! valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/cg" \
        "$bin" --instr "$1" --live "$2" >"$tmp/out" 2>"$tmp/err"; then
        echo "bench/txn: callgrind run of $1 at $2 live failed:" >&2
        grep -v '^==' "$tmp/err" >&2 || true
        return 1
    fi
    ops=$(sed -n 's/^instr-ops: //p' "$tmp/out")
    total=$(sed -n 's/^totals: *//p' "$tmp/cg")
    awk -v t="$total" -v n="$ops" 'BEGIN { printf "%.1f\n", t / n }'
}

set -- --instructions "$tmp/instr" "$@"
: >"$tmp/instr"
if [ "${BENCH_TXN_INSTR:-1}" = 0 ]; then
    set -- "$@"
elif command -v valgrind >/dev/null 2>&1; then
    echo "bench/txn: counting instructions with callgrind ($("$bin" --list | wc -l) runs)..." >&2
    "$bin" --list >"$tmp/list"
    while read -r work live; do
        echo "$work $live $(instr "$work" "$live")" >>"$tmp/instr"
    done <"$tmp/list"
else
    echo "bench/txn: no valgrind: instructions left out" >&2
fi
"$bin" "$@"
