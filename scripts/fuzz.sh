#!/bin/sh
# Runs every libFuzzer target of a build over its committed seed corpus.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS_IN_ALL [keep]
# The seconds are shared by weight: the whole-endpoint target explores the most state and is
# the slowest per input, so it gets the largest share. With "keep", new interesting inputs are
# kept in BUILD_DIR/fuzz-corpus/<target>/. Each target but pcap is given the dictionary of its
# protocol's tokens (tests/fuzz/*.dict), so that mutations insert whole names and parameters.
set -eu
build=$1
total=${2:-60}
keep=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=$(find "$build/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
[ -n "$targets" ] || { echo "fuzz: no targets in $build (configure with -DPARLEY_FUZZ=ON)" >&2; exit 1; }

weight() {
    case $1 in
    endpoint) echo 3 ;;
    msg | sdp) echo 2 ;;
    *) echo 1 ;;
    esac
}
max_len() {
    case $1 in
    endpoint) echo 16384 ;; # room for records past the 8 KiB line limit
    *) echo 8192 ;;
    esac
}
dict() {
    case $1 in
    pcap) ;;
    sdp) echo "-dict=$root/tests/fuzz/sdp.dict" ;;
    *) echo "-dict=$root/tests/fuzz/sip.dict" ;;
    esac
}

shares=0
for t in $targets; do
    shares=$((shares + $(weight "$(basename "$t" | sed 's/^fuzz_//')")))
done
for t in $targets; do
    name=$(basename "$t" | sed 's/^fuzz_//')
    each=$((total * $(weight "$name") / shares))
    [ "$each" -ge 5 ] || each=5
    seeds="$root/tests/fuzz/corpus/$name"
    work="$build/fuzz-corpus/$name"
    [ -n "$keep" ] || { rm -rf "$work"; }
    mkdir -p "$work"
    dict=$(dict "$name")
    echo "fuzz: $name for ${each}s"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
        "$t" -max_total_time="$each" -max_len="$(max_len "$name")" -timeout=10 \
        -rss_limit_mb=1024 -print_final_stats=1 ${dict:+"$dict"} -artifact_prefix="$build/" \
        "$work" "$seeds" \
        >"$build/fuzz-$name.log" 2>&1 || {
        echo "fuzz: $name FAILED; see $build/fuzz-$name.log" >&2
        tail -n 40 "$build/fuzz-$name.log" >&2
        exit 1
    }
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$name.log")
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$build/fuzz-$name.log" | tail -n 1)
    echo "fuzz: $name: $runs executions, $cov"
done
