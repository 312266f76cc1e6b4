#!/bin/sh
# bench/sdp: the SDP share of a call in instructions (callgrind), then descriptions parsed per
# second, parley against Sofia-SIP, on tests/data/sdp.
# Usage: bench/sdp/run.sh BUILD_DIR [--baseline REV] [bench_sdp options: --rounds N --passes N name...]
#
# Instructions: one callgrind run per case of `bench_sdp --list` (cases.c: neg_create, answer,
# parse_offer, call), collecting only the measured calls, divided by the number of calls.
# --baseline REV also builds libparley at git revision REV (with this bench/sdp, which uses public
# API only; cached in BUILD_DIR/sdp-baseline/<commit>) and prints both counts and their ratio.
# BENCH_SDP_INSTR=0 skips callgrind; BENCH_SDP_TIMED=0 skips the timed rounds. Informative only:
# nothing here fails on a slow result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build-bench}
[ $# -gt 0 ] && shift
if [ ! -d "$build" ] && [ -d "$root/$build" ]; then
    build=$root/$build
fi
build=$(cd "$build" && pwd)
bin=$build/bench/sdp/bench_sdp
if [ ! -x "$bin" ]; then
    echo "bench/sdp: $bin not found: configure with -DPARLEY_BENCH=ON and build" >&2
    exit 1
fi
baseline=
if [ "${1:-}" = --baseline ]; then
    [ $# -ge 2 ] || { echo "bench/sdp: --baseline needs a revision" >&2; exit 2; }
    baseline=$2
    shift 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# build_baseline REV: prints the path of a bench_sdp linked against libparley at REV.
build_baseline() {
    sha=$(git -C "$root" rev-parse --verify "$1^{commit}")
    cache=$build/sdp-baseline/$sha
    if [ ! -x "$cache/build/bench/sdp/bench_sdp" ]; then
        echo "bench/sdp: building the baseline $sha..." >&2
        rm -rf "$cache"
        mkdir -p "$cache/src"
        git -C "$root" archive "$sha" | tar -x -C "$cache/src"
        rm -rf "$cache/src/bench/sdp"
        cp -r "$here" "$cache/src/bench/sdp"
        type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
        cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
        if ! { cmake -S "$cache/src" -B "$cache/build" -DCMAKE_BUILD_TYPE="${type:-Release}" \
            -DCMAKE_C_COMPILER="$cc" -DPARLEY_BENCH=ON -DPARLEY_TESTS=OFF &&
            cmake --build "$cache/build" --target bench_sdp -j2; } >"$tmp/baseline.log" 2>&1; then
            echo "bench/sdp: the baseline build failed:" >&2
            tail -20 "$tmp/baseline.log" >&2
            return 1
        fi
    fi
    echo "$cache/build/bench/sdp/bench_sdp"
}

# instr BIN CASE: instructions per measured call.
instr() {
    if ! valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
        "$1" --instr "$2" >"$tmp/out" 2>"$tmp/err"; then
        echo "bench/sdp: callgrind run of $2 failed:" >&2
        grep -v '^==' "$tmp/err" >&2 || true
        return 1
    fi
    ops=$(sed -n 's/^instr-ops: //p' "$tmp/out")
    total=$(sed -n 's/^totals: *//p' "$tmp/cg")
    awk -v t="$total" -v n="$ops" 'BEGIN { printf "%.0f\n", t / n }'
}

if [ "${BENCH_SDP_INSTR:-1}" != 0 ]; then
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "bench/sdp: no valgrind: instructions left out" >&2
    elif [ -n "$baseline" ]; then
        base=$(build_baseline "$baseline")
        printf '%-12s %12s %12s %7s   (instructions per call, baseline %s)\n' case baseline now \
            ratio "$(git -C "$root" rev-parse --short "$baseline")"
        for c in $("$bin" --list); do
            b=$(instr "$base" "$c")
            n=$(instr "$bin" "$c")
            awk -v c="$c" -v b="$b" -v n="$n" \
                'BEGIN { printf "%-12s %12d %12d %6.3fx\n", c, b, n, n / b }'
        done
    else
        printf '%-12s %12s   (instructions per call)\n' case now
        for c in $("$bin" --list); do
            printf '%-12s %12d\n' "$c" "$(instr "$bin" "$c")"
        done
    fi
fi
if [ "${BENCH_SDP_TIMED:-1}" != 0 ]; then
    "$bin" --dir "$root/tests/data/sdp" "$@"
fi
