#!/bin/sh
# Runs the benchmarks: bench/<name>/run.sh BUILD_DIR [ARGS], every one in name order, or only
# those named. Figures are ratios against baselines measured in the same run, never asserted.
# Usage: scripts/bench.sh BUILD_DIR [NAME...]   (e.g. scripts/bench.sh build-bench calls hold)
# BENCH_ARGS: options passed to each run.sh run (e.g. BENCH_ARGS="--rates 1000" with calls).
set -eu
build=${1:-build-bench}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
    set -- $(for run in "$root"/bench/*/run.sh; do basename "$(dirname "$run")"; done)
fi
for name in "$@"; do
    run=$root/bench/$name/run.sh
    if [ ! -x "$run" ]; then
        echo "bench: no benchmark '$name' (bench/*/run.sh:" \
            "$(cd "$root/bench" && echo */run.sh | sed 's|/run.sh||g'))" >&2
        exit 2
    fi
    echo "== bench $name"
    # shellcheck disable=SC2086
    "$run" "$build" ${BENCH_ARGS:-}
done
