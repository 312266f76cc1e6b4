# shellcheck shell=bash disable=SC2034  # sourced: the variables it sets are read by its callers
# bench/calls/lib.sh: what bench/calls and bench/hold share (sourced by bash scripts): the three
# UAS under test, started pinned to a core and stopped by PID, free loopback ports, SIPp runs
# pinned to another core, and the figures read from /proc and from SIPp's statistics files.
# Every wait is bounded.

# The calling script's usage: its header comment, from line 2 to `set -u`.
bench_usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
# bench_help "$@": prints the usage and exits 0 when the first argument asks for it.
bench_help() {
    case "${1:-}" in -h | --help) bench_usage; exit 0 ;; esac
}

# bench_init BUILD_DIR: finds the binaries; fails with a message when one is missing.
bench_init() {
    local build=$1 root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    if [ ! -d "$build" ] && [ -d "$root/$build" ]; then
        build=$root/$build
    fi
    BENCH_ROOT=$root
    SCENARIO_DIR=$root/bench/calls
    PARLEY=$build/parley
    UAS_SOFIA=$build/bench/calls/uas_sofia
    UAS_LIBRE=$build/bench/calls/uas_libre
    local b
    for b in "$PARLEY" "$UAS_SOFIA" "$UAS_LIBRE"; do
        if [ ! -x "$b" ]; then
            echo "bench: $b not found: configure with -DPARLEY_BENCH=ON and build" >&2
            return 1
        fi
    done
    for b in sipp taskset; do
        if ! command -v "$b" >/dev/null 2>&1; then
            echo "bench: $b not found (scripts/deps.sh bench installs it)" >&2
            return 1
        fi
    done
    CLK_TCK=$(getconf CLK_TCK)
    # The UAS and SIPp each get a core of their own (the last two the machine has, by default).
    local n
    n=$(nproc)
    UAS_CORE=${UAS_CORE:-$((n > 1 ? n - 2 : 0))}
    SIPP_CORE=${SIPP_CORE:-$((n - 1))}
}

# bench_workdir NAME KEEP: $work is KEEP (made if needed) or a new /tmp/parley-bench-NAME-XXXXXX;
# at exit, or on INT/TERM, the processes UAS_PID, SIPP_PID and PERF_PID name are killed and a
# temporary $work is removed. Call it in the script's own shell (not in $(...)).
bench_workdir() {
    BENCH_KEEP=$2
    if [ -n "$BENCH_KEEP" ]; then
        mkdir -p "$BENCH_KEEP" && work=$(cd "$BENCH_KEEP" && pwd) || return 1
    else
        work=$(mktemp -d "/tmp/parley-bench-$1-XXXXXX") || return 1
    fi
    UAS_PID=
    SIPP_PID=
    PERF_PID=
    trap bench_cleanup EXIT
    trap 'exit 1' INT TERM
}
bench_cleanup() {
    local p
    for p in "$PERF_PID" "$SIPP_PID" "$UAS_PID"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    [ -z "$BENCH_KEEP" ] && rm -rf "$work"
}

# ---- ports: below the kernel's ephemeral range, not bound by anyone now ----
port_bound() { # port: a UDP or TCP socket of this host is bound to it
    local hex
    hex=$(printf ':%04X' "$1")
    # one stream: awk exits 2 when a file it is given is missing (a host without IPv6)
    cat /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p="$hex" '$1 ~ /^[0-9]+:$/ && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}
free_port() { # prints a port in 20000-31999 that nothing is bound to
    local p i
    for i in $(seq 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        port_bound "$p" || { echo "$p"; return 0; }
    done
    echo "bench: no free port found" >&2
    return 1
}

# ---- the UAS under test ----
# uas_start NAME PORT DIR [WRAPPER...]: starts NAME (parley, sofia or libre) on udp
# 127.0.0.1:PORT pinned to UAS_CORE, optionally under a wrapper (valgrind ...), its output in
# DIR/uas.out; sets UAS_PID and returns once the port is bound (at most UAS_START_SECONDS).
uas_start() {
    local name=$1 port=$2 dir=$3
    shift 3
    local -a cmd
    case "$name" in
    parley) cmd=("$PARLEY" listen --bind "udp:127.0.0.1:$port" --answer auto --quiet --max-sessions 1000000
        --max-transactions 10000000) ;; # capacity, not the deployment defaults
    sofia) cmd=("$UAS_SOFIA" "$port") ;;
    libre) cmd=("$UAS_LIBRE" "$port") ;;
    *) echo "bench: unknown UAS '$name' (parley, sofia, libre)" >&2; return 1 ;;
    esac
    taskset -c "$UAS_CORE" "$@" "${cmd[@]}" </dev/null >"$dir/uas.out" 2>&1 &
    UAS_PID=$!
    local limit=$((${UAS_START_SECONDS:-20} * 20)) i
    for ((i = 0; i < limit; i++)); do
        port_bound "$port" && return 0
        if ! kill -0 "$UAS_PID" 2>/dev/null; then
            echo "bench: $name did not start:" >&2
            tail -n 5 "$dir/uas.out" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "bench: $name did not bind udp 127.0.0.1:$port in ${UAS_START_SECONDS:-20} s" >&2
    kill -KILL "$UAS_PID" 2>/dev/null
    return 1
}

# uas_stop PID [SECONDS]: SIGTERM, then SIGKILL if it is still there after SECONDS (default 10).
# Returns its exit status.
uas_stop() {
    local pid=$1 limit=$((${2:-10} * 20)) i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < limit; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "bench: pid $pid still running ${2:-10} s after SIGTERM: killed" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null # a grandchild (the UAS under strace) is not ours to wait for
}

# ---- /proc ----
proc_cpu() { # pid: "user system" CPU time of every thread, in clock ticks
    # the command name (field 2) may hold spaces: count fields after its closing parenthesis
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}
proc_wait() { # pid: ns its threads spent runnable but waiting for a CPU (schedstat), summed
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ w += $2 } END { printf "%.0f\n", w }'
}
proc_kb() { # pid field (VmHWM, VmRSS): the value in kB
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

udp_drops() { # datagrams the kernel dropped for a full receive buffer, host-wide (RcvbufErrors)
    awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 }
        else print $c }' /proc/net/snmp
}

socket_drops() { # port: drops counted on the UDP socket bound to 127.0.0.1:PORT
    local hex
    hex=$(printf '0100007F:%04X' "$1")
    awk -v a="$hex" '$2 == a { d += $NF } END { print d + 0 }' /proc/net/udp
}

# ---- user and kernel shares: sampled with perf ----
# The kernel here splits a process's CPU time into user and system by the timer tick it was
# in at (tick accounting): a process woken by timers or packets that line up with the tick is
# charged as all system time. The total is exact (scaled to the scheduler's runtime); for the
# split, perf samples the process with the cpu-clock software event at 997 Hz (no hardware
# counter needed, not in step with the tick). perf runs on SIPp's core, not the UAS's.
perf_start() { # pid file: sets PERF_PID ("" when perf cannot sample here)
    PERF_PID=
    command -v perf >/dev/null 2>&1 || return 0
    taskset -c "$SIPP_CORE" perf record -q -e cpu-clock -F 997 -p "$1" -o "$2" \
        >/dev/null 2>"$2.err" &
    PERF_PID=$!
}
perf_stop() { # prints the user share of the samples (0..1), or nothing
    [ -n "$PERF_PID" ] || return 0
    local f=$1 i
    kill -INT "$PERF_PID" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
        kill -0 "$PERF_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null
    PERF_PID=
    perf script -i "$f" -F ip 2>/dev/null |
        awk '{ if ($1 ~ /^ffff/ && length($1) == 16) k++; else u++ }
             END { if (u + k >= 50) printf "%.4f\n", u / (u + k) }'
}

# ---- SIPp ----
# sipp_run DIR PORT RATE CALLS HOLD_MS [SCENARIO [extra SIPp options]]: runs one SIPp UAC
# against udp 127.0.0.1:PORT from DIR, pinned to SIPP_CORE, until every call ended (at most
# CALLS/RATE + 60 s). Sets SIPP_WALL_MS and SIPP_CPU_MS (its user+system CPU time).
# SIPp's socket buffers are as large as the host allows (SIPP_BUFF, capped by net.core.rmem_max):
# on a shared machine SIPp's core is sometimes taken for tens of milliseconds, and with the
# default buffer the responses that arrive meanwhile are dropped and retransmitted, which
# would be charged to the UAS.
sipp_run() {
    local dir=$1 port=$2 rate=$3 calls=$4 hold=$5 scen=${6:-$SCENARIO_DIR/uac.xml}
    shift 6 2>/dev/null || shift $#
    local sport mport t0 t1 c0 c1
    sport=$(free_port) || return 1
    mport=$(free_port) || return 1
    # `times` in a pipeline or $(...) would run in a subshell, whose children are not SIPp
    times >"$dir/times0"
    t0=$(date +%s%N)
    (cd "$dir" && exec taskset -c "$SIPP_CORE" sipp "127.0.0.1:$port" -sf "$scen" \
        -i 127.0.0.1 -p "$sport" -mp "$mport" -m "$calls" -r "$rate" -rp 1000 -d "$hold" \
        -l "$calls" -buff_size "${SIPP_BUFF:-4194304}" -nostdin -trace_stat -stf stat.csv -fd 1 -trace_counts \
        -timeout "$((calls / rate + hold / 1000 + 60))s" -timeout_error "$@" \
        >sipp.screen 2>sipp.err)
    SIPP_RC=$?
    t1=$(date +%s%N)
    times >"$dir/times1"
    c0=$(tail -n 1 "$dir/times0")
    c1=$(tail -n 1 "$dir/times1")
    SIPP_WALL_MS=$(((t1 - t0) / 1000000))
    SIPP_CPU_MS=$(awk -v a="$c0" -v b="$c1" 'function ms(s, m) {
            split(s, m, /[ms]/); return (m[1] * 60 + m[2]) * 1000 }
        BEGIN { split(a, x, " "); split(b, y, " ");
                printf "%d\n", ms(y[1]) + ms(y[2]) - ms(x[1]) - ms(x[2]) }')
}

# sipp_stat DIR NAME: a cumulative figure (SuccessfulCall(C), FailedCall(C), Retransmissions(C),
# ...) from the last line of SIPp's statistics file.
sipp_stat() {
    awk -F';' -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next }
        { v = $c } END { print (c && v != "") ? v + 0 : "NA" }' "$1/stat.csv" 2>/dev/null ||
        echo NA
}

# sipp_counts DIR: "RESPONSES UAS_RETRANS SIPP_RETRANS" from SIPp's message counts file:
# responses received (100, 180, 200s; retransmissions apart), responses the UAS retransmitted,
# requests SIPp retransmitted.
sipp_counts() {
    local f
    f=$(ls "$1"/*_counts.csv 2>/dev/null | head -n 1)
    [ -n "$f" ] || { echo "NA NA NA"; return; }
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next } { for (i = 1; i <= NF; i++) v[i] = $i }
        END {
            for (i in h) {
                if (h[i] ~ /^[0-9]+_[0-9][0-9][0-9]_Recv$/) resp += v[i]
                else if (h[i] ~ /^[0-9]+_[0-9][0-9][0-9]_Retrans$/) uas += v[i]
                else if (h[i] ~ /^[0-9]+_[A-Z]+_Retrans$/) sipp += v[i]
            }
            print resp + 0, uas + 0, sipp + 0
        }' "$f"
}
