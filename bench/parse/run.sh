#!/bin/sh
# bench/parse: parley's SIP parser against Sofia-SIP's and libre's on tests/data/msg/*.sip.
# Usage: bench/parse/run.sh BUILD_DIR [--base REV] [--instr-only] [bench_parse options, e.g.
#        --rounds 9 --passes 4000]
# Prints the table and summary line of bench_parse, then instructions per message measured with
# perf stat (when the machine counts instructions) or callgrind: for the whole corpus, and one by
# one for the messages of a call as SIPp sends them (bench/parse/sipp: the INVITE with SDP, ACK
# and BYE of bench/calls/uac.xml). --base REV (or BENCH_PARSE_BASE=REV) also builds REV's
# bench_parse (git archive into BUILD_DIR/bench/parse/base-REV, same build type and compiler,
# kept for the next run) and gives parley's figures against it, in the same run.
# --instr-only skips the timed rounds. Informative only: nothing here fails on a slow result.
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

# Options of this script come out of the argument list; the rest go to bench_parse.
base_rev=${BENCH_PARSE_BASE:-}
instr_only=0
n=$#
i=0
while [ "$i" -lt "$n" ]; do
    a=$1
    shift
    i=$((i + 1))
    if [ "$a" = "--base" ] && [ "$i" -lt "$n" ]; then
        base_rev=$1
        shift
        i=$((i + 1))
    elif [ "$a" = "--instr-only" ]; then
        instr_only=1
    else
        set -- "$@" "$a"
    fi
done

if [ "$instr_only" -eq 0 ]; then
    "$bin" --corpus "$corpus" "$@"
fi

# ---- the build to compare with ----
base_bin=""
if [ -n "$base_rev" ]; then
    rev=$(git -C "$root" rev-parse --short "$base_rev^{commit}")
    dir=$build/bench/parse/base-$rev
    base_bin=$dir/build/bench/parse/bench_parse
    if [ ! -x "$base_bin" ]; then
        echo "bench/parse: building $rev's bench_parse in $dir" >&2
        rm -rf "$dir"
        mkdir -p "$dir/src"
        git -C "$root" archive "$rev" | tar -x -C "$dir/src"
        type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
        cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
        flags=$(sed -n "s/^CMAKE_C_FLAGS_$(echo "${type:-Release}" | tr a-z A-Z):[A-Z]*=//p" \
            "$build/CMakeCache.txt")
        cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE="${type:-Release}" \
            ${cc:+-DCMAKE_C_COMPILER="$cc"} ${flags:+"-DCMAKE_C_FLAGS_$(echo "${type:-Release}" |
                tr a-z A-Z)=$flags"} -DPARLEY_BENCH=ON -DPARLEY_TESTS=OFF >/dev/null
        cmake --build "$dir/build" -j"${JOBS:-2}" --target bench_parse >/dev/null
    fi
fi

# ---- instructions per message ----
passes=${BENCH_PARSE_INSTR_PASSES:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

perf_counts() {
    command -v perf >/dev/null 2>&1 || return 1
    perf stat -x, -e instructions:u true 2>"$tmp/probe" >/dev/null || return 1
    grep -q '^[0-9]' "$tmp/probe"
}

# instr_perf BINARY CORPUS PARSER: instructions of N passes minus those of 0 passes (set-up),
# per message.
instr_perf() {
    perf stat -x, -e instructions:u -o "$tmp/n" \
        "$1" --corpus "$2" --instr "$3" --passes "$passes" >"$tmp/out"
    perf stat -x, -e instructions:u -o "$tmp/z" \
        "$1" --corpus "$2" --instr "$3" --passes 0 >/dev/null
    msgs=$(sed -n 's/^instr-messages: //p' "$tmp/out")
    n=$(grep -v "^#" "$tmp/n" | grep instructions | cut -d, -f1)
    z=$(grep -v "^#" "$tmp/z" | grep instructions | cut -d, -f1)
    echo $(((n - z) / msgs))
}

# instr_callgrind BINARY CORPUS PARSER: callgrind collects only around the measured passes.
instr_callgrind() {
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
        "$1" --corpus "$2" --instr "$3" --passes "$passes" >"$tmp/out" 2>/dev/null
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
    line="$line${line:+, }$p $(instr_$tool "$bin" "$corpus" $p)"
done
echo "instructions/msg ($tool, $passes passes): $line"

# ratio NOW BASE: NOW/BASE with two decimals
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", b ? a / b : 0 }'
}

# One message at a time (each alone in a corpus directory of its own), then the whole corpus.
echo
echo "instructions per message ($tool, $passes passes)${base_bin:+, parley against $rev}:"
if [ -n "$base_bin" ]; then
    printf "  %-14s %9s %9s %9s %9s %9s\n" message "parley" "$rev" "now/base" sofia libre
else
    printf "  %-14s %9s %9s %9s\n" message parley sofia libre
fi
for f in "$here"/sipp/*.sip corpus; do
    if [ "$f" = corpus ]; then
        dir=$corpus
        name="corpus ($(ls "$corpus"/*.sip | wc -l))"
    else
        name=$(basename "$f" .sip)
        dir=$tmp/one-$name
        mkdir -p "$dir"
        cp "$f" "$dir/"
    fi
    now=$(instr_$tool "$bin" "$dir" parley)
    sofia=$(instr_$tool "$bin" "$dir" sofia)
    libre=$(instr_$tool "$bin" "$dir" libre)
    if [ -n "$base_bin" ]; then
        base=$(instr_$tool "$base_bin" "$dir" parley)
        printf "  %-14s %9s %9s %9s %9s %9s\n" "$name" "$now" "$base" "$(ratio "$now" "$base")" \
            "$sofia" "$libre"
    else
        printf "  %-14s %9s %9s %9s\n" "$name" "$now" "$sofia" "$libre"
    fi
done
