#!/usr/bin/env bash
# bench/hold, the calling side: memory per established session that parley placed. uac_hold
# (bench/hold/uac_hold.c, the public API) sets up N calls at --rate towards SIPp's built-in uas
# scenario, which holds them until their BYE, and reads its own heap in use (mallinfo2) and
# RSS before the first call, when the N-th call is up, and --settle seconds later (default 36:
# past the 32 s for which the INVITE is kept, 64*T1 after its ACK). Two ways of offering SDP:
# `use` (parley_session_use_sdp, a negotiator per session) and `clone` (one prototype cloned per
# session with parley_sdp_neg_clone, as the CLI does). Prints KiB per session (heap and RSS
# growth / N). RSS only falls if glibc gives pages back, which it mostly does not: the heap
# figure is what the sessions hold.
# Usage: bench/hold/uac.sh BUILD_DIR [--sessions "10000"] [--rate 1000] [--settle 36]
#          [--sdp "clone use"] [--keep DIR]
# Environment: UAS_CORE (for uac_hold), SIPP_CORE.
# Informative only: nothing here fails on a large result; it fails when a run cannot be made.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../calls/lib.sh
. "$here/../calls/lib.sh"

bench_help "$@"
build=${1:-build-bench}
[ $# -gt 0 ] && shift
sessions="10000"
rate=1000
settle=36
modes="clone use"
keep=
while [ $# -gt 0 ]; do
    case "$1" in
    --sessions) sessions=$2; shift ;;
    --rate) rate=$2; shift ;;
    --settle) settle=$2; shift ;;
    --sdp) modes=$2; shift ;;
    --keep) keep=$2; shift ;;
    *) bench_usage >&2; exit 2 ;;
    esac
    shift
done
bench_init "$build" || exit 1
uac=$(dirname "$PARLEY")/bench/hold/uac_hold
[ -x "$uac" ] || { echo "bench/hold: $uac not found: build with -DPARLEY_BENCH=ON" >&2; exit 1; }
bench_workdir hold-uac "$keep" || exit 1

printf '%-8s %-6s %14s %14s %8s\n' sessions sdp "heap KiB up/held" "RSS KiB up/held" failed
for n in $sessions; do
    for mode in $modes; do
        dir=$work/$mode-$n
        mkdir -p "$dir"
        port=$(free_port) || exit 1
        mport=$(free_port) || exit 1
        (cd "$dir" && exec taskset -c "$SIPP_CORE" sipp -sn uas -i 127.0.0.1 -p "$port" \
            -mp "$mport" -nostdin >sipp.screen 2>sipp.err) &
        SIPP_PID=$!
        for ((i = 0; i < 100; i++)); do
            port_bound "$port" && break
            sleep 0.05
        done
        line=$(timeout $((n / rate + settle + 120)) taskset -c "$UAS_CORE" "$uac" "127.0.0.1:$port" \
            "$n" "$rate" "$settle" "$mode" 2>"$dir/uac.err")
        kill -TERM "$SIPP_PID" 2>/dev/null
        wait "$SIPP_PID" 2>/dev/null
        SIPP_PID=
        if [ -z "$line" ]; then
            echo "bench/hold: uac_hold gave nothing for $n ($mode): $(tail -n 3 "$dir/uac.err")" >&2
            continue
        fi
        # sessions N up_kb U held_kb H heap_up_kb HU heap_held_kb HH failed F
        echo "$line" | awk -v m="$mode" '{ n = $2; if (n == 0) n = 1
            printf "%-8d %-6s %7.2f/%-6.2f %7.2f/%-6.2f %8d\n", $2, m, $8 / n, $10 / n,
                $4 / n, $6 / n, $12 }'
    done
done
