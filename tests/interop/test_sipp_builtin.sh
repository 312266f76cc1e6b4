#!/usr/bin/env bash
# Interop with SIPp's built-in scenarios (`sipp -sn NAME`, not our files: what an outside
# checker runs first) and its common options, on loopback, both directions, UDP and TCP.
#
#  SIPp (UAC) -> parley listen --answer auto
#    uac, 3 calls (-nr: no retransmissions) over u1 / t1              listen_auto
#    regexp (SIPp checks parley's 200: an address, Contact, o= fields), with -rsa
#    uac with a socket (-t un) or a connection (-t tn) per call
#    uac -aa: parley's `info` is auto-answered 200; its `update` gets SIPp's bare 200, which
#      does not answer the offer: the result line says so ("error":"unusable message")
#    a rate run: 200 calls at 100/s held 1 s (-d 1000; over TCP a connection per call, about
#      100 open at once), every call's lines checked, parley's peak memory bounded
#  SIPp (UAC) -> parley listen --answer ring:2 (uac, -l 10 calls at once; one thread rings
#    them all)                                                         listen_ring
#  3PCC: SIPp's controllers 3pcc-C-A and 3pcc-C-B (-3pcc twin socket) join two parley listens:
#    A gets an INVITE without offer (offers in its 200, gets B's answer in the ACK), B gets
#    A's offer and answers it                                          threepcc
#  parley call -> SIPp (UAS)
#    uas -aa, 3 calls: a basic one, one with --info (auto-answered), one with --update --hold
#      (SIPp's bare 200 to the UPDATE: the hold fails, exit 1, the call hangs up)  calls_udp
#    3pcc-A and 3pcc-B as plain UASes (200 without 180), uas -t un
#    over TCP (t1, tn; uas and 3pcc-A): the calls succeed (exit 0) and SIPp exits 0: parley
#      call keeps its connection until SIPp closes it after the scenario's final timewait
#      (4 s, 2 s), which fails a call whose connection closes under it       calls_tcp
#  Left out: branchc/branchs (a REGISTER first: parley is no registrar, 405), uac_pcap (8 s of
#  RTP per call; it passes), --answer reject/redirect/null-offer (uac expects a 200).
#
# Every parley listen ends on SIGTERM with exit 0 (stop_listen). Every wait is bounded (SIPp
# -timeout and -recv_timeout, read -t on FIFOs, timeout(1)); processes are stopped by PID;
# ports are random and checked free (lib.sh).
# The patterns are globs on purpose (lib.sh's p_* give * wildcards).
# shellcheck disable=SC2254
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_init sipp-builtin

# ---- SIPp with a built-in scenario ----
SN_TRACE=(-trace_err -trace_msg -trace_stat -fd 1)
# SIPp's -sn scenario in the foreground of the calling subshell (its directory: RUN).
sn_run() { # scenario transport [options and remote]
    cd "$RUN" && exec timeout $((SIPP_LIMIT + 10)) sipp -sn "$1" -t "$2" -p "$SP" -mp "$MP" \
        -i 127.0.0.1 -nostdin -timeout_error -recv_timeout 5000 -timeout "${SIPP_LIMIT}s" \
        -max_socket 400 "${SN_TRACE[@]}" "${@:3}" </dev/null >sipp.out 2>&1
}
sn_uac() { # label scenario transport, then more SIPp options: towards parley listen, exit 0
    (sn_run "$2" "$3" -cid_str "$1-%u-%p@%s" "${@:4}" "127.0.0.1:$LP") || fail "SIPp exit $?"
}
sn_uac_start() { # the same in the background (sipp_wait ends it)
    (sn_run "$2" "$3" -cid_str "$1-%u-%p@%s" "${@:4}" "127.0.0.1:$LP") &
    SIPP_PID=$!
    BGPIDS="$BGPIDS $SIPP_PID"
}
sn_uas_start() { # scenario transport, then options: SIPp as UAS, once its socket is bound
    (sn_run "$@") &
    SIPP_PID=$!
    BGPIDS="$BGPIDS $SIPP_PID"
    sipp_bound "$(tname "${2:0:1}1")"
}
# ---- parley listen's lines for every call of a flow (call ids label-N-PID@127.0.0.1) ----
ended() { # label n: reads lines up to the n-th disconnected session of the flow
    local i
    for ((i = 0; i < $2; i++)); do
        wait_for '*"event":"state","call_id":"'"$1"'-*","state":"disconnected"*'
    done
}
n_of() { # n pattern: exactly n lines of the flow match
    local c
    c=$(count "$2")
    [ "$c" -eq "$1" ] || fail "$c lines like $2 ($1 expected) in:
$(tail -n 20 <<<"$FLOW")"
}
# Each of n calls from SIPp's uac: offered PCMU, connected, ended by SIPp's BYE.
uac_calls_ok() { # label n [offer(true|false)]
    local c='"call_id":"'$1'-*"'
    n_of "$2" '*"event":"incoming",'"$c"',"from":"sip:sipp@127.0.0.1:*","offer":'"${3:-true}"',*'
    n_of "$2" '*"event":"media",'"$c"',"streams":?{"media":"audio","dir":"sendrecv","remote_addr":"127.0.0.1",*"codecs":?"PCM*'
    n_of "$2" '*"event":"state",'"$c"',"state":"connected","previous":"connecting","reason":"None"}'
    n_of "$2" '*"event":"terminated",'"$c"',"by":"BYE"}'
    n_of "$2" '*"event":"state",'"$c"',"state":"disconnected","previous":"connected","reason":"TerminatedRemotely"}'
    never '*"ok":false*'
}
threads() { # parley listen's threads now
    awk '/^Threads:/ { print $2 }' "/proc/$LPID/status"
}
peak_below() { # kB: parley listen's peak resident memory
    local hwm
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$LPID/status")
    if [ -z "$hwm" ] || [ "$hwm" -ge "$1" ]; then
        fail "parley listen's peak memory is ${hwm:-?} kB (under $1 expected)"
    fi
}

# ======================= the sections =======================
listen_auto() { # u1|t1
    local t=$1 T n
    T=$(tname "$t")
    n=${t:0:1}n # un|tn
    start_listen "$LP"
    flow "uac-$T" "SIPp uac -> listen over $T: 3 calls, no retransmissions (-nr)"
    sn_uac "uac-$T" uac "$t" -m 3 -nr
    ended "uac-$T" 3
    uac_calls_ok "uac-$T" 3
    ok

    flow "regexp-$T" "SIPp regexp -> listen over $T: SIPp's regexps match parley's 200 (-rsa)"
    sn_uac "regexp-$T" regexp "$t" -m 1 -rsa "127.0.0.1:$LP"
    ended "regexp-$T" 1
    uac_calls_ok "regexp-$T" 1
    ok

    flow "uac-$n-$T" "SIPp uac -t $n -> listen over $T: a $( [ "$T" = udp ] && echo socket || echo connection) per call"
    sn_uac "uac-$n-$T" uac "$n" -m 3
    ended "uac-$n-$T" 3
    uac_calls_ok "uac-$n-$T" 3
    ok

    flow "uac-aa-$T" "SIPp uac -aa -> listen over $T: parley's INFO answered 200; its UPDATE's bare 200 is no answer"
    sn_uac_start "uac-aa-$T" uac "$t" -m 1 -d 1500 -aa
    wait_for '*"event":"state","call_id":"uac-aa-'"$T"'-*","state":"connected"*'
    CID=${line#*\"call_id\":\"}
    CID=${CID%%\"*}
    say "info ping"
    wait_for '*"event":"result","op":"info",*'
    case "$line" in $(p_result info 200 OK true)) ;; *) fail "info: $line" ;; esac
    say "update"
    wait_for '*"event":"result","op":"update",*'
    case "$line" in
    *'"op":"update","call_id":"'"$CID"'","status":200,"reason":"OK","error":"unusable message","ok":false}') ;;
    *) fail "update: $line" ;;
    esac
    wait_disconnected
    sipp_wait
    saw "$(p_event terminated ',"by":"BYE"}')"
    ok

    flow "rate-$T" "SIPp uac -t $( [ "$T" = udp ] && echo u1 || echo tn) -> listen over $T: 200 calls at 100/s, each held 1 s"
    SN_TRACE=(-trace_err)
    # in the background: parley listen's 1200 lines are read while the calls run
    sn_uac_start "rate-$T" uac "$( [ "$T" = udp ] && echo u1 || echo tn)" -m 200 -r 100 -d 1000
    SN_TRACE=(-trace_err -trace_msg -trace_stat -fd 1)
    ended "rate-$T" 200
    sipp_wait
    uac_calls_ok "rate-$T" 200
    peak_below 65536
    ok
    stop_listen
}

listen_ring() { # u1|t1
    local t=$1 T threads0 i
    T=$(tname "$t")
    start_listen "$LP" --answer ring:2
    flow "ring-$T" "SIPp uac -> listen --answer ring:2 over $T: 10 calls at once (-l 10), answered after 2 s by one ringer thread"
    threads0=$(threads)
    sn_uac_start "ring-$T" uac "$t" -m 10 -l 10 -r 100
    for ((i = 0; i < 10; i++)); do
        wait_for '*"event":"incoming","call_id":"ring-'"$T"'-*'
    done
    # all ten ring now (none is answered before 2 s): one thread more than before the first
    [ "$(threads)" -le $((threads0 + 1)) ] ||
        fail "parley listen has $(threads) threads with 10 calls ringing ($threads0 before)"
    ended "ring-$T" 10
    sipp_wait
    uac_calls_ok "ring-$T" 10
    ok
    stop_listen
}

threepcc() { # u1|t1
    local t=$1 T lb tw bpid spa mpa
    T=$(tname "$t")
    start_listen "$LP" # A
    lb=$(free_ports 1) || fail "no free port for the second parley listen"
    "$PARLEY" listen --bind "udp:127.0.0.1:$lb" --bind "tcp:127.0.0.1:$lb" \
        >"$SD/b.out" 2>"$SD/listen-$lb.err" </dev/null &
    bpid=$!
    BGPIDS="$BGPIDS $bpid"
    for _ in $(seq 100); do
        grep -q '"event":"listening"' "$SD/b.out" 2>/dev/null && break
        sleep 0.05
    done
    grep -q '"event":"listening"' "$SD/b.out" || fail "the second parley listen did not start"

    flow "3pcc-$T" "SIPp 3pcc-C-A and 3pcc-C-B over $T: A offers in its 200, B answers, A gets it in the ACK"
    spa=$SP
    mpa=$MP
    alloc_ports # C-B's
    tw=$(free_ports 1) || fail "no free port for the 3pcc twin socket"
    mkdir -p "$RUN/b"
    (RUN=$RUN/b sn_run 3pcc-C-B "$t" -m 2 -3pcc "127.0.0.1:$tw" "127.0.0.1:$lb") &
    SIPP_PID=$!
    BGPIDS="$BGPIDS $SIPP_PID"
    sipp_bound tcp "$tw" # C-B's twin socket, which C-A connects to
    SP=$spa MP=$mpa sn_uac "3pcc-$T" 3pcc-C-A "$t" -m 2 -3pcc "127.0.0.1:$tw"
    sipp_wait
    ended "3pcc-$T" 2
    uac_calls_ok "3pcc-$T" 2 false
    # B: the same calls (C-B takes C-A's call ids), with A's offer
    kill -TERM "$bpid"
    exits_within "$bpid" 5 SIGTERM || fail "the second parley listen: exit $? on SIGTERM"
    FLOW=$(cat "$SD/b.out")
    uac_calls_ok "3pcc-$T" 2 true
    ok
    stop_listen
}

calls_udp() {
    flow "call-uas-UDP" "parley call -> SIPp uas -aa over UDP: a call, --info (auto-answered), --update --hold (a bare 200: exit 1)"
    sn_uas_start uas u1 -m 3 -aa
    parley_call udp --hangup-after 0.2
    call_exit 0
    saw "$(p_state alerted connecting ProvisionResponseReceived 180)"
    saw "$(p_event media ',"streams":?{"media":"audio","dir":"sendrecv","remote_addr":"127.0.0.1",*"codecs":?"PCMU/8000"?}?}')"
    saw "$(p_result call 200 OK true)"
    saw "$(p_state disconnected connected TerminatedLocally)"
    last_is "$(p_result bye 200 OK true)"
    parley_call udp --info ping --hangup-after 0.2
    call_exit 0
    saw "$(p_result info 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    parley_call udp --update --hold
    call_exit 1
    saw "$(p_result bye 200 OK true)"
    last_is '*"event":"result","op":"hold","call_id":"'"$CID"'","status":200,"reason":"OK","error":"unusable message","ok":false}'
    sipp_wait
    ok

    local s
    for s in 3pcc-A 3pcc-B; do
        flow "call-$s-UDP" "parley call -> SIPp $s over UDP (a 200 without 180)"
        sn_uas_start "$s" u1 -m 1
        parley_call udp --hangup-after 0.2
        call_exit 0
        saw "$(p_state connected connecting None 200)"
        last_is "$(p_result bye 200 OK true)"
        sipp_wait
        ok
    done

    flow "call-uas-un-UDP" "parley call -> SIPp uas -t un"
    sn_uas_start uas un -m 1
    parley_call udp --hangup-after 0.2
    call_exit 0
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok
}

calls_tcp() {
    local s t
    for s in "uas t1" "uas tn" "3pcc-A t1"; do
        t=${s#* }
        s=${s% *}
        flow "call-$s-$t" "parley call -> SIPp $s -t $t -aa over TCP (--info; parley call keeps the connection through SIPp's timewait)"
        sn_uas_start "$s" "$t" -m 1 -aa
        parley_call tcp --info ping --hangup-after 0.2
        call_exit 0
        saw "$(p_result call 200 OK true)"
        saw "$(p_result info 200 OK true)"
        last_is "$(p_result bye 200 OK true)"
        sipp_wait
        ok
    done
}

k=0
for s in "listen_auto u1" "listen_auto t1" "listen_ring u1" "listen_ring t1" "threepcc u1" \
    "threepcc t1" calls_udp calls_tcp; do
    # shellcheck disable=SC2086 # the section's name and its argument
    (section $k $s)
    k=$((k + 1))
done

summary
