#!/usr/bin/env bash
# bench/hold: memory per established session. One SIPp (bench/calls/uac.xml with a pause longer
# than the run) sets up N calls at --rate against each UAS (parley listen --answer auto --quiet,
# and the Sofia-SIP and libre UAS of bench/calls) and holds them open. The UAS's VmRSS is read
# before the first call, when SIPp has sent the ACK of the N-th call ("up": the INVITE server
# transactions of the last 32 s are still alive, RFC 6026 Timer L), and --settle seconds later
# ("held": only sessions and dialogs are left, but RSS only falls if the allocator gives the
# transactions' memory back to the system, which glibc mostly does not: read "held" as an upper
# bound). RSS per session = growth / N. A UAS that falls behind (SIPp's calls fail) is shown
# with the number of sessions it reached.
# UDP needs one socket per side whatever N, so the file limit is not what bounds N here; the
# script raises it to the hard limit anyway and prints both.
#
# With --probe "100 1000", once the sessions are held, a second SIPp runs short calls (the
# bench/calls scenario, hold 200 ms, 10 s of calls) at each of those rates against the same UAS
# and its CPU time per call is printed: whether a call costs the same with 10 and with 100,000
# sessions alive (issue 11: cost flat with load). CPU is user + system of all its threads
# (/proc/PID/stat, clock ticks) over the probe, divided by the probe's calls.
# Usage: bench/hold/run.sh BUILD_DIR [--sessions "10000 100000"] [--rate 2000] [--settle 40]
#          [--uas "parley sofia libre"] [--probe "RATE..."] [--keep DIR]
# Environment: UAS_CORE, SIPP_CORE (default: the machine's last two cores).
# Informative only: nothing here fails on a large result; it fails when a run cannot be made.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../calls/lib.sh
. "$here/../calls/lib.sh"

bench_help "$@"
build=${1:-build-bench}
[ $# -gt 0 ] && shift
sessions="10000 100000"
rate=2000
settle=40
uas_list="parley sofia libre"
probe=
keep=
while [ $# -gt 0 ]; do
    case "$1" in
    --sessions) sessions=$2; shift ;;
    --rate) rate=$2; shift ;;
    --settle) settle=$2; shift ;;
    --uas) uas_list=$2; shift ;;
    --probe) probe=$2; shift ;;
    --keep) keep=$2; shift ;;
    *) bench_usage >&2; exit 2 ;;
    esac
    shift
done
bench_init "$build" || exit 1

soft=$(ulimit -Sn)
ulimit -n "$(ulimit -Hn)" 2>/dev/null
echo "bench/hold: open files: soft limit $soft raised to $(ulimit -n) (hard limit $(ulimit -Hn)); memory: $(awk '/MemAvailable/ { printf "%d MiB available", $2 / 1024 }' /proc/meminfo)" >&2

bench_workdir hold "$keep" || exit 1

# acks_sent DIR: how many ACKs SIPp has sent (its counts file, rewritten every second)
acks_sent() {
    local f
    f=$(ls "$1"/*_counts.csv 2>/dev/null | head -n 1)
    [ -n "$f" ] || { echo 0; return; }
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /_ACK_Sent$/) c = i; next }
        { v = $c } END { print v + 0 }' "$f"
}

# hold_one UAS N: writes "before_kb up_kb held_kb failed" to $work/UAS-N/result (or fails)
hold_one() {
    local name=$1 n=$2 dir=$work/$1-$2 port sport mport before up held i limit failed
    mkdir -p "$dir"
    port=$(free_port) || return 1
    uas_start "$name" "$port" "$dir" || return 1
    before=$(proc_kb "$UAS_PID" VmRSS)
    sport=$(free_port) && mport=$(free_port) || return 1
    # the calls stay up for the whole run: the pause outlasts set-up and settling
    local pause_ms=$(((n / rate + settle + 600) * 1000))
    (cd "$dir" && exec taskset -c "$SIPP_CORE" sipp "127.0.0.1:$port" -sf "$SCENARIO_DIR/uac.xml" \
        -i 127.0.0.1 -p "$sport" -mp "$mport" -m "$n" -r "$rate" -rp 1000 -d "$pause_ms" -l "$n" \
        -nostdin -trace_stat -stf stat.csv -fd 1 -trace_counts >sipp.screen 2>sipp.err) &
    SIPP_PID=$!
    limit=$((n / rate + 60))
    for ((i = 0; i < limit * 4; i++)); do
        [ "$(acks_sent "$dir")" -ge "$n" ] && break
        kill -0 "$SIPP_PID" 2>/dev/null || break
        sleep 0.25
    done
    failed=$(sipp_stat "$dir" "FailedCall(C)")
    if [ "$(acks_sent "$dir")" -lt "$n" ]; then
        echo "bench/hold: $name: only $(acks_sent "$dir") of $n calls up after $limit s ($failed failed)" >&2
        echo "$(acks_sent "$dir") $failed" >"$dir/reached"
        tail -n 3 "$dir/sipp.err" >&2
        uas_stop "$SIPP_PID" 10
        SIPP_PID=
        uas_stop "$UAS_PID" 60
        UAS_PID=
        return 1
    fi
    up=$(proc_kb "$UAS_PID" VmRSS)
    sleep "$settle" # Timer L (32 s) ends the INVITE transactions of the last calls
    held=$(proc_kb "$UAS_PID" VmRSS)
    local r pdir c0 c1
    for r in $probe; do # short calls while the sessions stay up
        pdir=$dir/probe-$r
        mkdir -p "$pdir"
        c0=$(proc_cpu "$UAS_PID")
        sipp_run "$pdir" "$port" "$r" "$((r * 10))" 200
        c1=$(proc_cpu "$UAS_PID")
        echo "$c0 $c1 $((r * 10)) $(sipp_stat "$pdir" "FailedCall(C)")" |
            awk -v t="$CLK_TCK" '{ printf "%.1f %s\n", ($3 + $4 - $1 - $2) / t * 1e6 / $5, $6 }' \
                >"$pdir/result"
    done
    failed=$(sipp_stat "$dir" "FailedCall(C)")
    uas_stop "$SIPP_PID" 10
    SIPP_PID=
    uas_stop "$UAS_PID" 120 || echo "bench/hold: $name exited $? on SIGTERM" >&2
    UAS_PID=
    echo "$before $up $held $failed" >"$dir/result"
}

printf 'bench/hold: sessions set up at %s calls/s by one SIPp and held; KiB of VmRSS per session\n' "$rate"
printf '(up: when the last ACK is sent; held: %s s later, transactions gone)\n' "$settle"
printf '%-10s' sessions
for name in $uas_list; do printf '%28s' "$name up/held"; done
case " $uas_list " in *" parley "*) case " $uas_list " in *" sofia "*) printf '%16s' "parley/sofia" ;; esac ;; esac
echo
for n in $sessions; do
    declare -A per=()
    line=$(printf '%-10s' "$n")
    for name in $uas_list; do
        echo "  $name: $n sessions..." >&2
        if hold_one "$name" "$n"; then
            set -- $(cat "$work/$name-$n/result")
            per[$name]=$(awk -v b="$1" -v h="$3" -v n="$n" 'BEGIN { printf "%.2f", (h - b) / n }')
            cell=$(awk -v b="$1" -v u="$2" -v h="$3" -v n="$n" -v f="$4" \
                'BEGIN { printf("%.2f / %.2f%s", (u - b) / n, (h - b) / n, (f > 0 ? " (" f " failed)" : "")) }')
        elif [ -s "$work/$name-$n/reached" ]; then
            set -- $(cat "$work/$name-$n/reached")
            cell="only $1 up ($2 failed)"
        else
            cell="no run"
        fi
        line="$line$(printf '%28s' "$cell")"
    done
    if [ -n "${per[parley]:-}" ] && [ -n "${per[sofia]:-}" ]; then
        line="$line$(printf '%16s' "$(awk -v a="${per[parley]}" -v b="${per[sofia]}" 'BEGIN { printf "%.2fx", a / b }')")"
    fi
    echo "$line"
done
if [ -n "$probe" ]; then
    printf '\nUAS CPU us per call of short calls run while the sessions are held (failed calls in brackets)\n'
    printf '%-10s%-10s' sessions "rate/s"
    for name in $uas_list; do printf '%16s' "$name"; done
    echo
    for n in $sessions; do
        for r in $probe; do
            line=$(printf '%-10s%-10s' "$n" "$r")
            for name in $uas_list; do
                f=$work/$name-$n/probe-$r/result
                if [ -s "$f" ]; then
                    set -- $(cat "$f")
                    cell=$1
                    [ "$2" != 0 ] && cell="$1 ($2)"
                else
                    cell="no run"
                fi
                line="$line$(printf '%16s' "$cell")"
            done
            echo "$line"
        done
    done
fi
[ -n "$keep" ] && echo "runs kept in $work"
exit 0
