#!/bin/sh
# Runs every libFuzzer target of a build over its committed seed corpus.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS_IN_ALL [keep]
# With "keep", new interesting inputs are kept in BUILD_DIR/fuzz-corpus/<target>/.
set -eu
build=$1
total=${2:-60}
keep=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=$(find "$build/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
[ -n "$targets" ] || { echo "fuzz: no targets in $build (configure with -DPARLEY_FUZZ=ON)" >&2; exit 1; }
n=$(echo "$targets" | wc -l)
each=$(( total / n ))
[ "$each" -ge 5 ] || each=5
for t in $targets; do
    name=$(basename "$t" | sed 's/^fuzz_//')
    seeds="$root/tests/fuzz/corpus/$name"
    work="$build/fuzz-corpus/$name"
    [ -n "$keep" ] || { rm -rf "$work"; }
    mkdir -p "$work"
    echo "fuzz: $name for ${each}s"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
        "$t" -max_total_time="$each" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$build/" "$work" "$seeds" \
        >"$build/fuzz-$name.log" 2>&1 || {
        echo "fuzz: $name FAILED; see $build/fuzz-$name.log" >&2
        tail -n 40 "$build/fuzz-$name.log" >&2
        exit 1
    }
    grep -E 'stat::number_of_executed_units' "$build/fuzz-$name.log" | sed "s/^/fuzz: $name /"
done
