# shellcheck shell=bash
# What the interop scripts share (test_sipp_session.sh, test_sipp_ext.sh; test_linphonec.sh
# takes the bookkeeping, the checks and parley listen): the work directory and the bookkeeping
# of checks, ports that nothing else on this host holds, the patterns of parley's JSON lines and
# the checks on them, parley listen through FIFOs, SIPp as UAC and as UAS, parley call, the
# per-section subshell and the final summary. Not a test itself (ctest's glob takes only
# test_*.sh). A script sets PARLEY (its first argument), then
#     . "$(dirname "$0")/lib.sh"
#     interop_init sipp-NAME
# defines its sections (functions) and runs each as `(section K FUNCTION ARGS...)`, then calls
# summary. Every wait is bounded (read -t, SIPp -timeout, timeout(1)); processes are stopped by
# PID; only loopback.
#
# The patterns are globs on purpose (case "$l" in $1): they hold * wildcards.
# shellcheck disable=SC2254

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scen=$here/scenarios # the SIPp scenarios

# Skips the script (exit 77) when the peer's program (SIPp unless told) is missing; otherwise
# starts the clock and makes the work directory /tmp/parley-NAME-XXXXXX (removed on exit) that
# holds every section's files and the lists of passed and failed checks.
interop_init() { # name [program Debian-package]
    local prog=${2:-sipp} pkg=${3:-sip-tester}
    if ! command -v "$prog" >/dev/null 2>&1; then
        echo "SKIP: $prog not found (Debian package $pkg; make test installs it)"
        exit 77
    fi
    started=$(date +%s%N)
    work=$(mktemp -d "/tmp/parley-$1-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    trap 'exit 1' INT TERM
}
# The loopback address everything here listens on and sends to: 127.0.0.1 unless the script
# asks for another with interop_address before its sections (test_sipp_ipv6.sh: ::1). IP is the
# address as sockets and SIPp's -i take it, IPU as it is written in a URI or a --bind
# ("[::1]"; a pattern of the checks below holds it quoted: its brackets are not a glob's).
IP=127.0.0.1
IPU=127.0.0.1
interop_address() { # address: 127.0.0.1 or ::1
    IP=$1
    case "$1" in
    *:*) IPU="[$1]" ;;
    *) IPU=$1 ;;
    esac
    SIPP_COMMON[1]=$IP
}
SD=     # the directory of the current section (its FIFOs and parley listen's stderr)
LPID=   # parley listen
BGPIDS= # SIPp and parley call processes in the background
RUN=    # the directory of the current SIPp run (its logs)
WHAT=   # the flow under test, for messages
FAIL_HOOK= # a function fail() calls to show what a peer other than SIPp left

# shellcheck source=../ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ports.sh" # listening, free_ports

# ---- the bookkeeping: each check prints `ok - WHAT` or `not ok - WHAT: why` ----
# A failed check ends its section (each section runs in a subshell): fail() records it, shows
# what parley listen and SIPp left (their last lines) and exits the subshell.
fail() { # message (its first line goes to the summary)
    echo "not ok - $WHAT: $*"
    echo "$WHAT: ${1%%$'\n'*}" >>"$work/failed"
    if [ -n "$LPID" ] && ! kill -0 "$LPID" 2>/dev/null; then
        wait "$LPID"
        echo "--- parley listen is gone (exit status $?; 128+N is signal N)"
        LPID=
    fi
    if [ -n "$RUN" ] && [ -d "$RUN" ]; then
        echo "--- SIPp ($(basename "$RUN")):"
        grep -a "Last Error" "$RUN"/sipp.out 2>/dev/null | tail -n 1
        cat "$RUN"/*_errors.log 2>/dev/null | tail -n 20
        tail -n 40 "$RUN"/*_messages.log 2>/dev/null
        tail -n 5 "$RUN"/sipp.out "$RUN"/call.err 2>/dev/null
    fi
    for f in "$SD"/listen-*.err; do
        [ -s "$f" ] && { echo "--- $(basename "$f"):"; tail -n 10 "$f"; }
    done
    [ -n "$FAIL_HOOK" ] && $FAIL_HOOK # what the script's own peer left
    exit 1
}
# wrong() records a failed check and lets the flow go on (for a wrong line after a flow that
# went right on the wire); ok() then stays silent for the flow.
FLOW_BAD=
wrong() { # message
    echo "not ok - $WHAT: $*"
    echo "$WHAT: ${1%%$'\n'*}" >>"$work/failed"
    FLOW_BAD=1
}
ok() { # the current flow passed (unless wrong() said otherwise)
    [ -n "$FLOW_BAD" ] && return
    echo "ok - $WHAT"
    echo "$WHAT" >>"$work/passed"
}
# The last lines of a script: `all N flows passed in T s` and exit 0, or `FAIL: ...` with the
# failed checks, one a line, and exit 1.
summary() {
    local ms took passed=0
    ms=$((($(date +%s%N) - started) / 1000000))
    took="$((ms / 1000)).$(printf %03d $((ms % 1000))) s"
    [ -f "$work/passed" ] && passed=$(wc -l <"$work/passed")
    if [ -s "$work/failed" ]; then
        echo "FAIL: $(wc -l <"$work/failed") check(s) failed, $passed flows passed, in $took:"
        sed 's/^/  /' "$work/failed"
        exit 1
    fi
    echo "all $passed flows passed in $took"
    exit 0
}

# ---- ports ----
# All below the kernel's ephemeral range (32768 up): base is 20000-26999, and section k (0-20)
# has parley listen on base+k (UDP and TCP), SIP ports from base+30+20k and media ports from
# base+500+200k for its SIPp runs (20 SIP ports and 20 media port triples each, so that ports
# found taken can be skipped). A listen port found taken moves to base+5000+k+30i (i = 0-4):
# above every section's SIP and media ports. Several test runs share this host: each port is
# checked before use (test_sipp_ext.sh's checks, now test_sipp_session.sh's too).
base=$((20000 + RANDOM % 7000))
nextp=
nextm=
SP= # SIPp's SIP port in the current flow
MP= # SIPp's first media port in the current flow (it takes MP, MP+1, MP+2)
LP= # parley listen's port in the current section
section_ports() { # k: the section's first SIP and media ports
    nextp=$((base + 30 + 20 * $1))
    nextm=$((base + 500 + 200 * $1))
}
# Sets SP and MP to the section's next SIP and media ports that nothing on this host holds
# (5 tries; after that the last ones, and SIPp says what is wrong).
alloc_ports() {
    for _ in 1 2 3 4 5; do
        SP=$nextp
        MP=$nextm
        nextp=$((nextp + 1))
        nextm=$((nextm + 10))
        if ! listening "$SP" udp && ! listening "$SP" tcp && ! listening "$MP" udp &&
            ! listening $((MP + 1)) udp && ! listening $((MP + 2)) udp; then
            return 0
        fi
    done
}
# Sets LP, parley listen's port in section k: base+k, or when something of this host holds it
# already (other tests run at the same time) the first free one of base+5000+k+30i. When all
# are taken LP stays base+k, and start_listen fails saying why.
section_listen_port() { # k
    local i p
    LP=$((base + $1))
    listening "$LP" udp || listening "$LP" tcp || return 0
    for i in 0 1 2 3 4; do
        p=$((base + 5000 + $1 + 30 * i))
        if ! listening "$p" udp && ! listening "$p" tcp; then
            LP=$p
            return 0
        fi
    done
}
tname() { # u1|t1 (SIPp's transport) -> udp|tcp (parley's)
    [ "$1" = u1 ] && echo udp || echo tcp
}

# ---- the lines parley prints, and checks on the current flow's lines ----
FLOW= # the lines of the current flow, one per line
CID=  # the call id of the current flow

# Patterns for the lines about the current call (CID).
p_state() { # state previous reason [status]
    local end='}'
    [ $# -ge 4 ] && end=',"status":'$4'}'
    echo '*"event":"state","call_id":"'"$CID"'","state":"'"$1"'","previous":"'"$2"'","reason":"'"$3"'"'"$end"
}
p_event() { # event, then the rest of the line after the call id (a pattern)
    echo '*"event":"'"$1"'","call_id":"'"$CID"'"'"$2"
}
p_result() { # op status reason ok(true|false)
    echo '*"event":"result","op":"'"$1"'","call_id":"'"$CID"'","status":'"$2"',"reason":"'"$3"'",*"ok":'"$4"'}'
}

# The number of the flow's lines matching the pattern.
count() { # pattern
    local l n=0
    while IFS= read -r l; do
        case "$l" in $1) n=$((n + 1)) ;; esac
    done <<<"$FLOW"
    echo "$n"
}
saw() { # pattern: one line of the flow at least matches it
    [ "$(count "$1")" -gt 0 ] || fail "no line like $1 in:
$FLOW"
}
saw_once() { # pattern: exactly one line of the flow matches it
    local n
    n=$(count "$1")
    [ "$n" -eq 1 ] || fail "$n lines like $1 (one expected) in:
$FLOW"
}
never() { # pattern: no line of the flow matches it
    local l
    while IFS= read -r l; do
        case "$l" in $1) fail "unexpected line $l" ;; esac
    done <<<"$FLOW"
}
before() { # pattern1 pattern2: a line like pattern1 comes before the first like pattern2
    local l first=
    while IFS= read -r l; do
        case "$l" in $1) first=1 ;; esac
        case "$l" in $2)
            [ -n "$first" ] && return 0
            fail "the line $l comes before any line like $1 in:
$FLOW"
            ;;
        esac
    done <<<"$FLOW"
    fail "no line like $2 in:
$FLOW"
}
last_is() { # pattern: the flow's last line matches it
    local l=${FLOW%$'\n'}
    l=${l##*$'\n'}
    case "$l" in $1) ;; *) fail "the last line is $l, not like $1" ;; esac
}

# ---- parley listen: standard input and output through FIFOs in the section's directory ----
# Starts it on the port (UDP and TCP) and waits (10 s at most) for its "listening" line;
# its standard input is fd 4, its output fd 3, its stderr $SD/listen-PORT.err.
start_listen() { # port, then listen options
    LP=$1
    shift
    rm -f "$SD/lin" "$SD/lout"
    mkfifo "$SD/lin" "$SD/lout"
    "$PARLEY" listen --bind "udp:$IPU:$LP" --bind "tcp:$IPU:$LP" "$@" \
        <"$SD/lin" >"$SD/lout" 2>"$SD/listen-$LP.err" &
    LPID=$!
    exec 4>"$SD/lin" 3<"$SD/lout"
    WHAT="parley listen $*"
    read -t 10 -r line <&3 || fail "did not start: $(cat "$SD/listen-$LP.err")"
    case "$line" in *'"event":"listening"'*"udp:$IPU:$LP"*"tcp:$IPU:$LP"*) ;;
    *) fail "unexpected first line: $line" ;;
    esac
}
stop_listen() { # SIGTERM must end it cleanly (exit 0) within 5 s
    WHAT="parley listen on SIGTERM"
    exec 4>&-
    kill -TERM "$LPID"
    while read -t 5 -r line <&3; do :; done
    exits_within "$LPID" 5 SIGTERM
    local rc=$?
    LPID=
    exec 3<&-
    [ "$rc" -eq 0 ] || fail "exit $rc"
}
say() { # a command on parley listen's standard input
    echo "$1" >&4
}
# Reads listen lines (10 s each at most) into FLOW until one matches the pattern; that one is
# left in $line.
wait_for() { # pattern
    while :; do
        read -t 10 -r line <&3 || fail "parley listen printed nothing like $1 (in 10 s, or before its output ended); it printed:
$FLOW"
        FLOW="$FLOW$line
"
        case "$line" in $1) return 0 ;; esac
    done
}
# Reads listen lines up to the incoming session of flow label (from SIPp on SP); sets CID.
incoming() { # label offer(true|false)
    wait_for '*"event":"incoming"*'
    CID=${line#*\"call_id\":\"}
    CID=${CID%%\"*}
    case "$CID" in "$1"-*) ;; *) fail "the incoming session has call id $CID" ;; esac
    case "$line" in *'"from":"sip:sipp@'"$IPU:$SP"'"'*'"offer":'"$2"*) ;;
    *) fail "incoming line: $line" ;;
    esac
}
wait_disconnected() { # reads listen lines up to the current call's disconnected state
    wait_for '*"event":"state","call_id":"'"$CID"'","state":"disconnected"*'
}

# ---- SIPp ----
SIPP_LIMIT=20 # seconds a scenario may take (SIPp -timeout; timeout(1) gives 10 more)
SIPP_COMMON=(-i "$IP" -m 1 -nostdin -timeout_error -recv_timeout 5000 -trace_msg -trace_err)
flow() { # label what: a new flow (its FLOW, CID, SP and MP) and its SIPp run directory
    WHAT=$2
    FLOW=
    FLOW_BAD=
    CID=
    alloc_ports
    RUN=$work/$1
    mkdir -p "$RUN"
}
sipp_run() { # scenario transport [options and remote]: SIPp in the foreground of the calling subshell
    # a scenario is a file of scenarios/ (its name without .xml) or, as sn:NAME, one built into
    # SIPp (sipp -sn NAME)
    local sf=(-sf "$scen/$1.xml")
    case "$1" in sn:*) sf=(-sn "${1#sn:}") ;; esac
    cd "$RUN" && exec timeout $((SIPP_LIMIT + 10)) sipp "${sf[@]}" -t "$2" -p "$SP" \
        -mp "$MP" -timeout "${SIPP_LIMIT}s" "${SIPP_COMMON[@]}" "${@:3}" </dev/null >sipp.out 2>&1
}
reaped() { # pid: waited for, not to be stopped any more
    BGPIDS=${BGPIDS/ $1/}
}
gone_within() { # pid seconds: polls until the process has ended; false when it runs on
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    ! kill -0 "$1" 2>/dev/null
}
# Waits (SECONDS at most, polling) for a process asked to end: when it is still running it is
# killed and the check fails; else returns its exit code (it is reaped).
exits_within() { # pid seconds what-asked-it
    if ! gone_within "$1" "$2"; then
        kill -KILL "$1"
        fail "still running $2 s after $3"
    fi
    wait "$1"
    local rc=$?
    reaped "$1"
    return $rc
}

# SIPp as UAC towards parley listen, in the foreground: its exit code is the verdict.
sipp_uac() { # label scenario transport(u1|t1), then more SIPp options
    (sipp_run "$2" "$3" -cid_str "$1-%u-%p@%s" "${@:4}" "$IPU:$LP") || fail "SIPp exit $?"
}
# The same in the background, for flows driven through parley's standard input or long ones.
SIPP_PID=
sipp_uac_start() { # label scenario transport
    (sipp_run "$2" "$3" -cid_str "$1-%u-%p@%s" "$IPU:$LP") &
    SIPP_PID=$!
    BGPIDS="$BGPIDS $SIPP_PID"
}
sipp_wait() { # SIPp ends (bounded by timeout(1) and -timeout) and exits 0
    wait "$SIPP_PID"
    local rc=$?
    reaped "$SIPP_PID"
    SIPP_PID=
    [ "$rc" -eq 0 ] || fail "SIPp exit $rc"
}

# SIPp as UAS for parley call, in the background once its socket is bound (polled every 0.05 s,
# 5 s at most). Not with -bg: a SIPp in -bg mode takes one to two seconds to quit after its last
# call, and its exit code is lost; as a child of this script its exit code is the verdict, at once.
sipp_uas_start() { # scenario transport
    (sipp_run "$1" "$2") &
    SIPP_PID=$!
    BGPIDS="$BGPIDS $SIPP_PID"
    sipp_bound "$(tname "$2")"
}
# Waits (polled every 0.05 s, 5 s at most) until the SIPp of SIPP_PID listens on port (SP by
# default) over proto (udp|tcp); fails when it does not or has ended.
sipp_bound() { # proto [port]
    local port=${2:-$SP}
    for _ in $(seq 100); do
        listening "$port" "$1" && return 0
        kill -0 "$SIPP_PID" 2>/dev/null || break
        sleep 0.05
    done
    fail "SIPp did not bind $1 port $port within 5 s"
}

# ---- parley call towards the SIPp UAS (bounded by timeout(1), which passes SIGTERM on) ----
CALL_LIMIT=20 # seconds parley call may take
CALL_RC=
CALL_PID=
CALL_TARGET= # whom parley call calls: the SIPp UAS when empty
parley_call_start() { # transport(udp|tcp), then call options: in the background
    local tr=$1
    shift
    (exec timeout "$CALL_LIMIT" "$PARLEY" call "${CALL_TARGET:-sip:sipp@$IPU:$SP}" \
        --transport "$tr" "$@" \
        >"$RUN/call.out" 2>"$RUN/call.err") &
    CALL_PID=$!
    BGPIDS="$BGPIDS $CALL_PID"
}
parley_call_end() { # its lines go to FLOW, its call id to CID, its exit code to CALL_RC
    wait "$CALL_PID"
    CALL_RC=$?
    reaped "$CALL_PID"
    CALL_PID=
    FLOW="$(cat "$RUN/call.out")
"
    CID=${FLOW#*\"call_id\":\"}
    CID=${CID%%\"*}
    if [ -z "$CID" ] || [ "$CID" = "$FLOW" ]; then
        fail "parley call printed no call id: $FLOW"
    fi
}
parley_call() { # transport(udp|tcp), then call options: start it and wait for its end
    parley_call_start "$@"
    parley_call_end
}
call_exit() { # code: parley call exited with it
    [ "$CALL_RC" -eq "$1" ] || fail "parley call exit $CALL_RC, not $1: $FLOW"
}

# ---- sections ----
# Each section runs in a subshell, `(section K FUNCTION ARGS...)`: a failed check ends its
# section only. section_cleanup stops what the section left running, by PID.
section_cleanup() {
    exec 3<&- 4>&- 2>/dev/null
    local p
    for p in $LPID $BGPIDS; do kill -TERM "$p" 2>/dev/null; done
    # and reaps them (5 s each at most, then KILL): none is left a zombie
    for p in $LPID $BGPIDS; do
        gone_within "$p" 5 || kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
section() { # k (0-20), then the section's function and its arguments
    local k=$1
    shift
    trap section_cleanup EXIT
    trap 'exit 1' INT TERM
    SD=$work/section-$k
    mkdir -p "$SD"
    section_ports "$k"
    section_listen_port "$k"
    "$@"
}
