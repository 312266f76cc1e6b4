#!/bin/sh
# Runs every benchmark: bench/<name>/run.sh BUILD_DIR, in name order. Figures are ratios
# against baselines measured in the same run, never asserted.
set -eu
build=${1:-build-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
for run in "$root"/bench/*/run.sh; do
    [ -x "$run" ] || continue
    echo "== bench $(basename "$(dirname "$run")")"
    "$run" "$build"
done
