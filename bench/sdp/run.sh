#!/bin/sh
# bench/sdp: descriptions parsed per second, parley against Sofia-SIP, on tests/data/sdp.
# Usage: bench/sdp/run.sh BUILD_DIR [bench_sdp options: --rounds N --passes N name...]
# Informative only: nothing here fails on a slow result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build-bench}
[ $# -gt 0 ] && shift
if [ ! -d "$build" ] && [ -d "$root/$build" ]; then
    build=$root/$build
fi
bin=$build/bench/sdp/bench_sdp
if [ ! -x "$bin" ]; then
    echo "bench/sdp: $bin not found: configure with -DPARLEY_BENCH=ON and build" >&2
    exit 1
fi
exec "$bin" --dir "$root/tests/data/sdp" "$@"
