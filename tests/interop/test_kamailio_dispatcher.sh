#!/usr/bin/env bash
# Scale-out behind Kamailio's dispatcher (docs/DEPLOYMENT.md), on loopback:
#
#   SIPp (UAC) -> Kamailio (dispatcher, round-robin, OPTIONS probing every second)
#                   -> parley listen A
#                   -> parley listen B
#
#  1. calls are spread across both instances (each takes at least a quarter of them), and the
#     ACK and BYE of each call reach the instance that took it (Record-Route);
#  2. B is stopped: Kamailio's OPTIONS probe finds it gone and marks it inactive (read with
#     kamcmd dispatcher.list), and every new call goes to A, at the first attempt (Kamailio's
#     log shows no INVITE relayed to B: the probing, not the failover, kept them away);
#  3. B is started again: the probe marks it active and new calls reach both again.
#
# One Kamailio worker, so that the 180 and the 200 parley sends back to back reach SIPp in that
# order (the scenario wants the 180 first). Kamailio runs unprivileged-friendly on loopback only, from tests/interop/kamailio/dispatcher.cfg
# with the free ports and a temporary runtime directory substituted; it is started here, waited
# for (it answers OPTIONS), and stopped by PID. Every wait is bounded (polls on an observable
# condition, SIPp -timeout, timeout(1)). Skips (77) only when Kamailio or SIPp cannot be installed.
# KEEP_WORK=1 keeps the temporary directory (configuration, logs, SIPp's files).
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scen=$here/scenarios
started=$(date +%s)

# Kamailio is in the test profile of scripts/deps.sh: install it when it is missing.
if ! command -v kamailio >/dev/null 2>&1 || ! command -v sipp >/dev/null 2>&1; then
    "$root/scripts/deps.sh" test >/dev/null 2>&1
fi
for tool in kamailio kamcmd sipp; do
    if ! PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found and could not be installed (Debian packages kamailio," \
            "sip-tester; scripts/deps.sh test installs them)"
        exit 77
    fi
done
PATH=$PATH:/usr/sbin

work=$(mktemp -d /tmp/parley-kamailio-XXXXXX)
KPID= # Kamailio's main process
APID= # parley listen A
BPID= # parley listen B
cleanup() {
    local p i kids
    if [ -n "$KPID" ]; then # SIGTERM: Kamailio's main process stops its workers
        kids=$(pgrep -P "$KPID")
        kill -TERM "$KPID" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            kill -0 "$KPID" 2>/dev/null || break
            sleep 0.05
        done
        for p in $KPID $kids; do kill -KILL "$p" 2>/dev/null; done
        wait "$KPID" 2>/dev/null
    fi
    for p in $APID $BPID; do kill -KILL "$p" 2>/dev/null; done
    [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "not ok - $*"
    echo "--- Kamailio (last lines):"
    tail -n 25 "$work/kamailio.log" 2>/dev/null
    local f
    for f in "$work"/listen-*.err "$work"/sipp-*/sipp.out; do
        [ -s "$f" ] && { echo "--- $f:"; tail -n 8 "$f"; }
    done
    ls "$work"/sipp-*/*_errors.log >/dev/null 2>&1 && tail -n 20 "$work"/sipp-*/*_errors.log
    exit 1
}

# ---- ports: a run nothing on this host holds (tests/ports.sh), taken for the whole test ----
# (B keeps its port while it is stopped, SIPp runs one after another on the same two)
# shellcheck source=../ports.sh
. "$here/../ports.sh"
base=$(free_ports 8) || fail "no free ports"
KP=$base              # Kamailio
AP=$((base + 1))      # parley listen A
BP=$((base + 2))      # parley listen B
SP=$((base + 3))      # SIPp's signalling
MP=$((base + 4))      # SIPp's media: it opens base+4 .. base+7

# ---- parley listen instances ----
start_listen() { # name port: sets the PID variable NAME; returns once it prints "listening"
    local name=$1 port=$2 i
    : >"$work/listen-$name.out"
    "$PARLEY" listen --bind "udp:127.0.0.1:$port" --answer auto </dev/null \
        >>"$work/listen-$name.out" 2>"$work/listen-$name.err" &
    printf -v "${name}PID" '%s' $!
    for ((i = 0; i < 100; i++)); do
        grep -q '"event":"listening"' "$work/listen-$name.out" && return 0
        sleep 0.05
    done
    fail "parley listen $name did not start on udp 127.0.0.1:$port"
}
stop_listen() { # name: SIGTERM, exit 0 within 10 s
    local var=${1}PID i rc
    local pid=${!var}
    kill -TERM "$pid"
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && fail "parley listen $1 still running 10 s after SIGTERM"
    wait "$pid"
    rc=$?
    printf -v "$var" '%s' ""
    [ "$rc" -eq 0 ] || fail "parley listen $1 exited $rc on SIGTERM"
}
incoming() { # name [call-id prefix]: how many calls the instance took
    grep -c "\"event\":\"incoming\",\"call_id\":\"${2:-}" "$work/listen-$1.out"
}

# ---- SIPp ----
nsipp=0
sipp_run() { # scenario calls rate call-id-prefix: SIPp's exit code
    nsipp=$((nsipp + 1))
    local dir=$work/sipp-$nsipp
    mkdir -p "$dir"
    (cd "$dir" && timeout 60 sipp "127.0.0.1:$KP" -sf "$scen/$1" -i 127.0.0.1 -p "$SP" -mp "$MP" \
        -m "$2" -r "$3" -l "$2" -nostdin -timeout 30s -timeout_error -recv_timeout 10000 \
        -cid_str "$4-%u-%p@%s" -trace_err </dev/null >sipp.out 2>&1)
}

# ---- Kamailio ----
start_kamailio() {
    sed -e "s|@LISTEN@|udp:127.0.0.1:$KP|; s|@RUN_DIR@|$work|g" \
        -e "s|@PING_INTERVAL@|1|; s|@FR_TIMER@|1000|; s|@CHILDREN@|1|" \
        "$here/kamailio/dispatcher.cfg" >"$work/kamailio.cfg"
    printf '1 sip:127.0.0.1:%s\n1 sip:127.0.0.1:%s\n' "$AP" "$BP" >"$work/dispatcher.list"
    # -DD: the process started here stays in the foreground (its children are the workers);
    # -E: log to stderr; no system directory is touched (-Y, -P, -w)
    kamailio -DD -E -f "$work/kamailio.cfg" -Y "$work" -P "$work/kamailio.pid" -w "$work" \
        -m 32 -M 8 -a no >"$work/kamailio.log" 2>&1 &
    KPID=$!
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$KPID" 2>/dev/null || fail "Kamailio exited at start"
        listening "$KP" udp && sipp_run uac_options_ping.xml 1 1 ping && return 0
        sleep 0.1
    done
    fail "Kamailio does not answer OPTIONS on udp 127.0.0.1:$KP"
}
stop_kamailio() {
    kill -TERM "$KPID"
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$KPID" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$KPID" 2>/dev/null && fail "Kamailio still running 10 s after SIGTERM"
    wait "$KPID"
    KPID=
}

# state PORT: the dispatcher's flags for the instance on PORT (AP active, IP inactive, TP trying;
# P: probed)
state() {
    kamcmd -s "unix:$work/kamailio_ctl" dispatcher.list 2>/dev/null |
        awk -v u="sip:127.0.0.1:$1" '$1 == "URI:" { hit = ($2 == u) } $1 == "FLAGS:" && hit { print $2; exit }'
}
wait_state() { # port flags-pattern what: polls every 0.1 s, at most 15 s
    local i s
    for ((i = 0; i < 150; i++)); do
        s=$(state "$1")
        case "$s" in $2) return 0 ;; esac
        sleep 0.1
    done
    fail "$3: the dispatcher still shows '$s' for 127.0.0.1:$1 after 15 s"
}

start_listen A "$AP"
start_listen B "$BP"
start_kamailio
wait_state "$AP" "A*" "A at start"
wait_state "$BP" "A*" "B at start"
echo "ok - Kamailio (dispatcher) answers OPTIONS and sees both parley instances active"

# 1. spread
N=20
sipp_run uac_call_basic.xml $N 20 spread || fail "SIPp: calls through Kamailio failed (exit $?)"
a=$(incoming A spread)
b=$(incoming B spread)
[ $((a + b)) -eq $N ] || fail "$N calls made, parley saw $a + $b"
[ "$a" -ge $((N / 4)) ] && [ "$b" -ge $((N / 4)) ] || fail "calls not spread: A took $a, B took $b"
echo "ok - $N calls spread across both instances (A $a, B $b), ACK and BYE through Kamailio"

# 2. B stops: the probe marks it inactive, new calls go to A only, at the first attempt
stop_listen B
wait_state "$BP" "I*" "B stopped"
echo "ok - B stopped: the OPTIONS probe marked it inactive"
N2=10
sipp_run uac_call_basic.xml $N2 20 after || fail "SIPp: calls with B stopped failed (exit $?)"
a=$(incoming A after)
[ "$a" -eq $N2 ] || fail "with B stopped, A took $a of $N2 calls"
grep -q "INVITE after-.* -> sip:127.0.0.1:$BP\$" "$work/kamailio.log" &&
    fail "Kamailio relayed a new call to the stopped instance B"
relayed=$(grep -c "INVITE after-.* -> sip:127.0.0.1:$AP\$" "$work/kamailio.log")
[ "$relayed" -eq $N2 ] || fail "Kamailio's log shows $relayed of $N2 INVITEs relayed to A"
echo "ok - with B stopped all $N2 new calls went to A at once"

# 3. B back: active again, calls reach both
start_listen B "$BP"
wait_state "$BP" "A*" "B restarted"
N3=10
sipp_run uac_call_basic.xml $N3 20 back || fail "SIPp: calls after B came back failed (exit $?)"
a=$(incoming A back)
b=$(incoming B back)
[ "$a" -ge 1 ] && [ "$b" -ge 1 ] && [ $((a + b)) -eq $N3 ] ||
    fail "after B came back: A took $a, B took $b of $N3"
echo "ok - B started again: the probe marked it active, calls reach both (A $a, B $b)"

stop_kamailio
stop_listen A
stop_listen B
echo "ok - Kamailio and both instances stopped cleanly ($(($(date +%s) - started)) s)"
exit 0
