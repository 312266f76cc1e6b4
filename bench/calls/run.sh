#!/usr/bin/env bash
# bench/calls: full calls driven by SIPp on loopback against three UAS: parley (`parley listen
# --answer auto --quiet`), a minimal Sofia-SIP nua UAS and a minimal libre sipsess UAS
# (bench/calls/uas_*.c). Same scenario (uac.xml: INVITE with SDP, 200 with the SDP answer, ACK,
# hold, BYE), same call count and rate, run interleaved (parley, sofia, libre, parley, ...) with
# the UAS and SIPp pinned to different cores. Prints one table:
#   UAS CPU µs per call (user, sys: /proc/PID/stat, from the first call to the last, start-up
#   excluded), peak RSS (VmHWM), calls failed, retransmissions (SIPp's own / the UAS's, from
#   SIPp's counts), responses per call, SIPp's CPU per call, instructions per call (callgrind on
#   two small runs at a low rate: the difference cancels start-up and shutdown), and parley's
#   ratio to each peer.
# --max instead finds the highest rate one SIPp sustains here against each --uas with no failed
# call and retransmissions under 1% of calls over --max-seconds (40).
#
# Usage: bench/calls/run.sh BUILD_DIR [--rates "250 1000"] [--calls 8000] [--hold 200]
#          [--rounds 2] [--uas "parley sofia libre"] [--cg-calls "200 400"] [--cg-rate 20]
#          [--no-callgrind] [--keep DIR]
#        bench/calls/run.sh BUILD_DIR --max [--uas parley] [--max-seconds 40] [--start 1000]
# Environment: UAS_CORE, SIPP_CORE (default: the machine's last two cores).
# Informative only: nothing here fails on a slow result; it fails when a run cannot be made.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

bench_help "$@"
build=${1:-build-bench}
[ $# -gt 0 ] && shift
rates="250 1000"
calls=8000
hold=200
rounds=2
uas_list="parley sofia libre"
cg_calls="200 400"
cg_rate=20
callgrind=1
keep=
max=
max_seconds=40
start_rate=1000
uas_given=
while [ $# -gt 0 ]; do
    case "$1" in
    --rates) rates=$2; shift ;;
    --calls) calls=$2; shift ;;
    --hold) hold=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --uas) uas_list=$2; uas_given=1; shift ;;
    --cg-calls) cg_calls=$2; shift ;;
    --cg-rate) cg_rate=$2; shift ;;
    --no-callgrind) callgrind= ;;
    --keep) keep=$2; shift ;;
    --max) max=1 ;;
    --max-seconds) max_seconds=$2; shift ;;
    --start) start_rate=$2; shift ;;
    *) bench_usage >&2; exit 2 ;;
    esac
    shift
done
[ -n "$max" ] && [ -z "$uas_given" ] && uas_list=parley
bench_init "$build" || exit 1
if [ -n "$callgrind" ] && [ -z "$max" ] && ! command -v valgrind >/dev/null 2>&1; then
    echo "bench/calls: no valgrind: instructions left out" >&2
    callgrind=
fi

bench_workdir calls "$keep" || exit 1

# run_one UAS RATE CALLS DIR [WRAPPER...]: one SIPp run against a fresh UAS process. Appends to
# DIR/result: ok failed sipp_retrans uas_retrans responses cpu_ticks user_share hwm_kb wall_ms
# sipp_cpu_ms uas_drops host_drops wait_ms (the UAS socket's receive-buffer drops, and the
# host's, which include SIPp's; the time the UAS was ready to run but its core was taken by
# another process; user_share from perf samples, or from the tick split without perf; "-" under a
# wrapper). With a wrapper (callgrind) the UAS is stopped and waited for, so that the tool
# writes its output.
run_one() {
    local name=$1 rate=$2 n=$3 dir=$4
    shift 4
    mkdir -p "$dir"
    local port c0 c1 hwm ok failed counts d0 d1 udrops w0 w1
    port=$(free_port) || return 1
    uas_start "$name" "$port" "$dir" "$@" || return 1
    d0=$(udp_drops)
    c0=$(proc_cpu "$UAS_PID")
    w0=$(proc_wait "$UAS_PID")
    PERF_PID=
    [ $# -eq 0 ] && perf_start "$UAS_PID" "$dir/perf.data"
    sipp_run "$dir" "$port" "$rate" "$n" "$hold"
    if ! kill -0 "$UAS_PID" 2>/dev/null; then
        echo "bench/calls: $name died during the run:" >&2
        tail -n 5 "$dir/uas.out" >&2
        wait "$UAS_PID"
        UAS_PID=
        return 1
    fi
    c1=$(proc_cpu "$UAS_PID")
    w1=$(proc_wait "$UAS_PID")
    hwm=$(proc_kb "$UAS_PID" VmHWM)
    d1=$(udp_drops)
    udrops=$(socket_drops "$port")
    local share
    share=$(perf_stop "$dir/perf.data")
    rm -f "$dir/perf.data"
    [ $# -gt 0 ] && share=-
    uas_stop "$UAS_PID" 120 || echo "bench/calls: $name exited $? on SIGTERM" >&2
    UAS_PID=
    ok=$(sipp_stat "$dir" "SuccessfulCall(C)")
    [ "$ok" = NA ] && ok=0
    failed=$((n - ok))
    counts=$(sipp_counts "$dir")
    set -- $counts
    local resp=$1 uas_rt=$2 sipp_rt=$3
    if [ "$SIPP_RC" -ne 0 ] && [ "$failed" -eq 0 ]; then
        echo "bench/calls: SIPp exited $SIPP_RC against $name: $(tail -n 3 "$dir/sipp.err")" >&2
    fi
    echo "$ok $failed $sipp_rt $uas_rt $resp ${c0% *} ${c0#* } ${c1% *} ${c1#* } ${share:-tick} $hwm $SIPP_WALL_MS $SIPP_CPU_MS $udrops $((d1 - d0)) $(((w1 - w0) / 1000000))" |
        awk '{ u = $8 - $6; s = $9 - $7; sh = $10; if (sh == "tick") sh = (u + s) ? u / (u + s) : 0
               print $1, $2, $3, $4, $5, u + s, sh, $11, $12, $13, $14, $15, $16 }' >>"$dir/result"
}

# median of the numbers on standard input
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "NA"; else if (NR % 2) print v[(NR + 1) / 2];
        else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- --max: the highest sustained rate ----
# probe UAS RATE SECONDS: 0 when the run had no failed call, retransmissions under 1% of the
# calls and SIPp kept (within 5%) to the rate.
probe() {
    local name=$1 rate=$2 secs=$3 n dir
    n=$((rate * secs))
    dir=$work/max-$name-$rate-$secs-$RANDOM
    run_one "$name" "$rate" "$n" "$dir" || return 2
    read -r ok failed srt urt resp cpu share hwm wall scpu udrop hdrop waitms <"$dir/result"
    local achieved verdict
    achieved=$(awk -v n="$n" -v w="$wall" -v h="$hold" 'BEGIN { printf "%d", n / ((w - h) / 1000) }')
    verdict=$(awk -v f="$failed" -v r="$((srt + urt))" -v n="$n" -v a="$achieved" -v t="$rate" \
        'BEGIN { print (f == 0 && r < n / 100 && a >= 0.95 * t) ? "ok" : "no" }')
    printf '  %-6s %6d calls/s x %3d s: %s failed, retrans %s+%s, drops UAS %s host %s, %d calls/s achieved, UAS %s%% of a core (and %s%% waiting for it), SIPp %s%% -> %s\n' \
        "$name" "$rate" "$secs" "$failed" "$srt" "$urt" "$udrop" "$hdrop" "$achieved" \
        "$(awk -v c="$cpu" -v t="$CLK_TCK" -v w="$wall" 'BEGIN { printf "%.0f", c / t * 100000 / w }')" \
        "$(awk -v c="$waitms" -v w="$wall" 'BEGIN { printf "%.0f", c * 100 / w }')" \
        "$(awk -v c="$scpu" -v w="$wall" 'BEGIN { printf "%.0f", c * 100 / w }')" "$verdict" >&2
    [ "$verdict" = ok ]
}

find_max() { # UAS: short probes up (x1.5) and a bisection to 5%, then a full-length confirmation
    local name=$1 lo=0 hi=0 r=$start_rate i
    for ((i = 0; i < 20; i++)); do
        if probe "$name" "$r" 10; then
            lo=$r
            r=$((r * 3 / 2))
        else
            hi=$r
            break
        fi
    done
    if [ "$hi" -eq 0 ]; then
        echo "$name: still sustained at $lo calls/s (probes stopped)"; return
    fi
    if [ "$lo" -eq 0 ]; then # even the start rate failed: go down
        for ((i = 0; i < 10 && lo == 0; i++)); do
            r=$((r / 2))
            [ "$r" -lt 10 ] && break
            if probe "$name" "$r" 10; then lo=$r; else hi=$r; fi
        done
        [ "$lo" -eq 0 ] && { echo "$name: no rate sustained"; return; }
    fi
    while [ $((hi - lo)) -gt $((lo / 20)) ]; do
        r=$(((lo + hi) / 2))
        if probe "$name" "$r" 10; then lo=$r; else hi=$r; fi
    done
    for ((i = 0; i < 5; i++)); do
        if probe "$name" "$lo" "$max_seconds"; then
            echo "$name: $lo calls/s sustained for $max_seconds s (hold $hold ms, no failed call, retransmissions under 1%)"
            return
        fi
        lo=$((lo * 9 / 10))
    done
    echo "$name: no rate confirmed over $max_seconds s"
}

if [ -n "$max" ]; then
    echo "bench/calls --max: UAS on cpu $UAS_CORE, SIPp on cpu $SIPP_CORE, hold $hold ms, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    for name in $uas_list; do
        find_max "$name"
    done
    exit 0
fi

# ---- the table ----
load0=$(cut -d' ' -f1-3 /proc/loadavg)
total=$((rounds * $(echo $rates | wc -w) * $(echo $uas_list | wc -w)))
echo "bench/calls: $total runs of $calls calls (UAS on cpu $UAS_CORE, SIPp on cpu $SIPP_CORE)..." >&2
k=0
for ((round = 1; round <= rounds; round++)); do
    for rate in $rates; do
        for name in $uas_list; do
            k=$((k + 1))
            printf '  [%d/%d] %s at %s calls/s\n' "$k" "$total" "$name" "$rate" >&2
            run_one "$name" "$rate" "$calls" "$work/$name-$rate/round$round" || exit 1
            cat "$work/$name-$rate/round$round/result" >>"$work/$name-$rate.all"
        done
    done
done

# instructions per call: the UAS under callgrind, two runs; the difference over the difference
# in calls (start-up and shutdown cancel out)
cg_a=${cg_calls% *}
cg_b=${cg_calls#* }
declare -A instr
if [ -n "$callgrind" ]; then
    echo "bench/calls: callgrind, $cg_a and $cg_b calls at $cg_rate calls/s..." >&2
    for name in $uas_list; do
        tot=()
        for n in $cg_a $cg_b; do
            dir=$work/cg-$name-$n
            run_one "$name" "$cg_rate" "$n" "$dir" valgrind --tool=callgrind \
                --callgrind-out-file="$dir/callgrind.out" || exit 1
            read -r ok failed srt urt _ <"$dir/result"
            t=$(sed -n 's/^totals: *//p; s/^summary: *//p' "$dir/callgrind.out" | head -n 1)
            tot+=("$t")
            [ $((failed + srt + urt)) -gt 0 ] && instr[$name.note]="*"
        done
        instr[$name]=$(awk -v a="${tot[0]}" -v b="${tot[1]}" -v d=$((cg_b - cg_a)) \
            'BEGIN { printf "%.0f", (b - a) / d }')
    done
fi

# per run: µs per call (user, sys), then medians over the rounds
fig() { # UAS RATE WHAT: the figure over the rounds
    local f=$work/$1-$2.all
    case "$3" in
    cpu) awk -v t="$CLK_TCK" '{ print $6 / t * 1e6 / ($1 + $2) }' "$f" | median ;;
    user) awk -v t="$CLK_TCK" '{ print $6 * $7 / t * 1e6 / ($1 + $2) }' "$f" | median ;;
    sys) awk -v t="$CLK_TCK" '{ print $6 * (1 - $7) / t * 1e6 / ($1 + $2) }' "$f" | median ;;
    rss) awk '{ print $8 / 1024 }' "$f" | median ;;
    failed) awk '{ s += $2 } END { print s }' "$f" ;;
    retrans) awk '{ a += $3; b += $4 } END { print a "/" b }' "$f" ;;
    drops) awk '{ a += $11; b += $12 - $11 } END { print a "/" b }' "$f" ;;
    resp) awk '{ print $5 / ($1 + $2) }' "$f" | median ;;
    sipp) awk '{ print $10 * 1000 / ($1 + $2) }' "$f" | median ;;
    wait) awk '{ print $13 * 100 / $9 }' "$f" | median ;;
    esac
}

peers=()
for name in $uas_list; do [ "$name" != parley ] && peers+=("$name"); done
has_parley=
case " $uas_list " in *" parley "*) has_parley=1 ;; esac

printf '\nbench/calls: %s calls per run, hold %s ms, %s round(s) interleaved (median; failed, retransmissions, drops: sums)\n' \
    "$calls" "$hold" "$rounds"
printf 'UAS on cpu %s, SIPp on cpu %s; load average at the start %s, at the end %s\n' \
    "$UAS_CORE" "$SIPP_CORE" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s' "per call"
for name in $uas_list; do printf '%14s' "$name"; done
if [ -n "$has_parley" ]; then for p in "${peers[@]}"; do printf '%16s' "parley/$p"; done; fi
echo
row() { # label what rate format ratio(1|0)
    local label=$1 what=$2 rate=$3 fmt=$4 ratio=$5 name v
    declare -A val
    printf '%-40s' "$label"
    for name in $uas_list; do
        v=$(fig "$name" "$rate" "$what")
        val[$name]=$v
        printf "%14s" "$(printf "$fmt" "$v")"
    done
    if [ -n "$has_parley" ] && [ "$ratio" = 1 ]; then
        for p in "${peers[@]}"; do
            printf '%16s' "$(awk -v a="${val[parley]}" -v b="${val[$p]}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
        done
    fi
    echo
}
for rate in $rates; do
    row "UAS CPU us @ $rate/s" cpu "$rate" '%.1f' 1
    row "  user" user "$rate" '%.1f' 1
    row "  sys" sys "$rate" '%.1f' 1
    row "peak RSS MB @ $rate/s" rss "$rate" '%.1f' 1
    row "calls failed @ $rate/s" failed "$rate" '%s' 0
    row "retrans SIPp/UAS @ $rate/s" retrans "$rate" '%s' 0
    row "UDP drops UAS/other @ $rate/s" drops "$rate" '%s' 0
    row "responses @ $rate/s" resp "$rate" '%.2f' 0
    row "SIPp CPU us @ $rate/s" sipp "$rate" '%.1f' 0
    row "UAS waiting for its core % @ $rate/s" wait "$rate" '%.1f' 0
done
if [ -n "$callgrind" ]; then
    printf '%-40s' "instructions (callgrind, $cg_rate/s)"
    for name in $uas_list; do printf '%14s' "${instr[$name]}${instr[$name.note]:-}"; done
    if [ -n "$has_parley" ]; then
        for p in "${peers[@]}"; do
            printf '%16s' "$(awk -v a="${instr[parley]}" -v b="${instr[$p]}" 'BEGIN { printf "%.2fx", a / b }')"
        done
    fi
    echo
    for name in $uas_list; do
        [ -n "${instr[$name.note]:-}" ] &&
            echo "  * $name: a callgrind run had failed calls or retransmissions (lower --cg-rate)"
    done
fi
[ -n "$keep" ] && echo "runs kept in $work"
exit 0
