#!/bin/sh
# bench/parse: parley's SIP parser against Sofia-SIP's and libre's on tests/data/msg/*.sip.
# Usage: bench/parse/run.sh BUILD_DIR [bench_parse options, e.g. --rounds 9 --passes 4000]
# Prints the table and summary line of bench_parse, then instructions per message measured with
# perf stat (when the machine counts instructions) or callgrind. Informative only: nothing here
# fails on a slow result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build-bench}
[ $# -gt 0 ] && shift
if [ ! -d "$build" ] && [ -d "$root/$build" ]; then
    build=$root/$build
fi
bin=$build/bench/parse/bench_parse
if [ ! -x "$bin" ]; then
    echo "bench/parse: $bin not found: configure with -DPARLEY_BENCH=ON and build" >&2
    exit 1
fi
corpus=$root/tests/data/msg

"$bin" --corpus "$corpus" "$@"

# ---- instructions per message ----
passes=${BENCH_PARSE_INSTR_PASSES:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

perf_counts() {
    command -v perf >/dev/null 2>&1 || return 1
    perf stat -x, -e instructions:u true 2>"$tmp/probe" >/dev/null || return 1
    grep -q '^[0-9]' "$tmp/probe"
}

# instr_perf PARSER: instructions of N passes minus those of 0 passes (set-up), per message.
instr_perf() {
    perf stat -x, -e instructions:u -o "$tmp/n" \
        "$bin" --corpus "$corpus" --instr "$1" --passes "$passes" >"$tmp/out"
    perf stat -x, -e instructions:u -o "$tmp/z" \
        "$bin" --corpus "$corpus" --instr "$1" --passes 0 >/dev/null
    msgs=$(sed -n 's/^instr-messages: //p' "$tmp/out")
    n=$(grep -v "^#" "$tmp/n" | grep instructions | cut -d, -f1)
    z=$(grep -v "^#" "$tmp/z" | grep instructions | cut -d, -f1)
    echo $(((n - z) / msgs))
}

# instr_callgrind PARSER: callgrind collects only around the measured passes.
instr_callgrind() {
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
        "$bin" --corpus "$corpus" --instr "$1" --passes "$passes" >"$tmp/out" 2>/dev/null
    msgs=$(sed -n 's/^instr-messages: //p' "$tmp/out")
    total=$(sed -n 's/^totals: *//p' "$tmp/cg")
    echo $((total / msgs))
}

if perf_counts; then
    tool=perf
elif command -v valgrind >/dev/null 2>&1; then
    tool=callgrind
else
    echo "instructions/msg: n/a (no perf instruction counter and no valgrind)"
    exit 0
fi
line=""
for p in parley sofia libre; do
    line="$line${line:+, }$p $(instr_$tool $p)"
done
echo "instructions/msg ($tool, $passes passes): $line"
