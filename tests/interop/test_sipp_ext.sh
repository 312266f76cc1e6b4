#!/usr/bin/env bash
# Interop with SIPp (Debian sip-tester) on loopback: the session extensions, both directions.
# Reliable provisional responses with PRACK (RFC 3262), UPDATE (RFC 3311) and session timers
# (RFC 4028). The short flows run over UDP and over TCP; the long ones run over UDP only, all
# seven at once in the background from the start: the six timer flows (a 90 s interval, the
# smallest RFC 4028 allows: refreshes at 45 s, the expiry BYE at 60 s) and the 32 s of a
# reliable 183 that is never PRACKed. So the whole script takes about a minute.
#
#  SIPp (UAC) -> parley listen                         scenarios/ext_uac_*.xml
#    offer in the INVITE, answer in a reliable 183 (again at T1, same RSeq),
#    481 for a PRACK with a wrong RAck, PRACK, 200 without SDP              ext_uac_100rel
#    offer in a reliable 183 (INVITE without SDP), answer in the PRACK        ext_uac_offer183
#    UPDATE in the early dialog, from SIPp and from parley (`update`)         ext_uac_update_early
#    UPDATE in the confirmed dialog, from SIPp and from parley (`update`);
#    491 for SIPp's UPDATE crossing parley's                                  ext_uac_update
#    SIPp refreshes (re-INVITE, then UPDATE); parley answers Session-Expires  ext_uac_timer_refresh
#    422 with parley's Min-SE (--min-se 120), SIPp's retry taken              ext_uac_422
#    --100rel required: 421 to a caller without 100rel                        ext_uac_421
#    --100rel none: 420 to an INVITE requiring 100rel                         ext_uac_420
#    no PRACK ever: the 183 sent 7 times (T1, doubling), 504 after 64*T1      ext_uac_100rel_noprack
#    parley refreshes at 45 s by re-INVITE, SDP unchanged (no UPDATE allowed) ext_uac_timer_reinvite
#    parley refreshes at 45 s by UPDATE (SIPp allows it)                      ext_uac_timer_update
#    SIPp never refreshes: parley's BYE at 60 s, SessionTimerExpired          ext_uac_timer_expire
#  parley call -> SIPp (UAS)                           scenarios/ext_uas_*.xml
#    reliable 183 with the answer and a reliable 180, each PRACKed once; a
#    repeated 183 and a 180 with an RSeq out of order are not                 ext_uas_100rel
#    offer in a reliable 183 (--no-offer), answer in the PRACK                ext_uas_offer183
#    UPDATE from SIPp in the early dialog                                     ext_uas_update_early
#    --update --reinvite: an UPDATE from parley (491, sent again 2.1-4 s
#    later), then one from SIPp                                               ext_uas_update
#    SIPp refreshes (UPDATE, then re-INVITE with its SDP unchanged)           ext_uas_timer_refresh
#    422 with Min-SE: 120: one retry, new CSeq, Session-Expires: 120          ext_uas_422
#    a second 422: no second retry, the call fails with 422                   ext_uas_422_twice
#    --100rel required: Require: 100rel, SIPp's 420 ends the call (exit 1)    ext_uas_420
#    parley refreshes at 45 s by UPDATE (SIPp allows it)                      ext_uas_timer_update
#    parley refreshes at 45 s by re-INVITE, SDP unchanged (no UPDATE allowed) ext_uas_timer_reinvite
#    SIPp never refreshes: parley's BYE at 60 s, SessionTimerExpired          ext_uas_timer_expire
#
# SIPp checks the wire (ereg/strcmp/test with check_it: Require and RSeq, RAck, where SDP must be
# and where not, o= versions, Session-Expires and its refresher, Min-SE, CSeq numbers, tags; the
# timing of a refresh or an expiry by a pause before the recv that waits for it: a request during
# the pause is unexpected and fails the scenario); this script checks parley's JSON lines and
# exit codes. Every wait is bounded (SIPp -timeout and recv timeouts, read -t on FIFOs,
# timeout(1) around SIPp and parley call); processes are stopped by PID; ports are random and
# checked free (lib.sh, shared with test_sipp_session.sh).
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_init sipp-ext

# The RSeq of the reliable provisional response parley sent, as SIPp received it.
wire_rseq() {
    sed -n 's/^RSeq: *\([0-9]*\).*/\1/p' "$RUN"/*_messages.log | head -n 1
}
# Reads the lines parley listen printed so far (each within 0.5 s of the one before) into FLOW,
# for a flow that must leave no line behind.
drain() {
    while read -t 0.5 -r line <&3; do
        FLOW="$FLOW$line
"
    done
}

# ======================= the sections =======================
# SIPp -> parley listen --answer early:0 (183 with the answer or the offer, 200 at once: it must
# wait for the PRACK)
listen_100rel() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --answer early:0
    flow "rel-$T" "SIPp -> listen over $T: 100rel, answer in a reliable 183 (sent again at T1), 481 for a wrong RAck, PRACK, then the 200 without SDP"
    # -nr: SIPp takes the 183's retransmission as a message of the scenario, not one to absorb
    sipp_uac "rel-$T" ext_uac_100rel "$t" -nr
    incoming "rel-$T" true
    wait_disconnected
    saw_once "$(p_event prack ',"rseq":'"$(wire_rseq)"'}')"
    before "$(p_event prack '*')" "$(p_state connecting incoming None)"
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok

    flow "offer183-$T" "SIPp -> listen over $T: 100rel, offer in a reliable 183 (INVITE without SDP), answer in the PRACK"
    sipp_uac "offer183-$T" ext_uac_offer183 "$t"
    incoming "offer183-$T" false
    wait_disconnected
    saw_once "$(p_event prack ',"rseq":'"$(wire_rseq)"'}')"
    before "$(p_event prack '*')" "$(p_state connecting incoming None)"
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok
    stop_listen
}

# SIPp -> parley listen --answer early:4: UPDATEs while the dialog is early
listen_early_update() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --answer early:4
    flow "early-update-$T" "SIPp -> listen over $T: UPDATE in the early dialog, from SIPp, then from parley (stdin: update)"
    sipp_uac_start "early-update-$T" ext_uac_update_early "$t"
    incoming "early-update-$T" true
    wait_for "$(p_event prack '*')"
    wait_for "$(p_event update ',"offer":true}')"
    say update
    wait_for '*"event":"result","op":"update"*'
    case "$line" in $(p_result update 200 OK true)) ;; *) fail "$line" ;; esac
    wait_disconnected
    sipp_wait
    # both UPDATEs went while the dialog was early: before the 200 (connecting)
    before "$(p_result update 200 OK true)" "$(p_state connecting incoming None)"
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok
    stop_listen
}

# SIPp -> parley listen (answers at once, no session timer of its own)
listen_auto() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP"
    flow "update-$T" "SIPp -> listen over $T: UPDATE in the confirmed dialog, from SIPp, then from parley (stdin: update), 491 for SIPp's crossing it"
    sipp_uac_start "update-$T" ext_uac_update "$t"
    incoming "update-$T" true
    wait_for "$(p_state connected connecting None)"
    wait_for "$(p_event update ',"offer":true}')"
    say update
    wait_for '*"event":"result","op":"update"*'
    case "$line" in $(p_result update 200 OK true)) ;; *) fail "$line" ;; esac
    wait_disconnected
    sipp_wait
    saw "$(p_state disconnected connected TerminatedRemotely)"
    # SIPp's second UPDATE crossed parley's: refused with 491, not reported as an update
    saw_once "$(p_event update '*')"
    never "$(p_event reinvite '*')"
    ok

    flow "st-refresh-$T" "SIPp -> listen over $T: session timer, SIPp refreshes (re-INVITE, then UPDATE), parley answers Session-Expires"
    sipp_uac "st-refresh-$T" ext_uac_timer_refresh "$t"
    incoming "st-refresh-$T" true
    wait_disconnected
    saw_once "$(p_event refresh ',"method":"INVITE","by":"remote"}')"
    saw_once "$(p_event refresh ',"method":"UPDATE","by":"remote"}')"
    saw "$(p_event update ',"offer":false}')"
    # a refresh is no renegotiation: no reinvite line for it
    never "$(p_event reinvite '*')"
    never "$(p_event refresh ',*"by":"local"}')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok
    stop_listen
}

# SIPp -> parley listen --min-se 120
listen_min_se() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --min-se 120
    flow "st-422-$T" "SIPp -> listen over $T: Session-Expires 90 under parley's Min-SE 120: 422 with Min-SE, SIPp's retry answered"
    sipp_uac "st-422-$T" ext_uac_422 "$t"
    incoming "st-422-$T" true
    wait_disconnected
    saw_once '*"event":"incoming"*'
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok
    stop_listen
}

# SIPp -> parley listen --100rel required, then --100rel none
listen_policy() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --100rel required
    flow "rel421-$T" "SIPp -> listen --100rel required over $T: 421 (Require: 100rel) to a caller without 100rel, no session"
    sipp_uac "rel421-$T" ext_uac_421 "$t"
    drain
    never '*"event":"incoming"*'
    ok
    stop_listen
    start_listen "$LP" --100rel none
    flow "rel420-$T" "SIPp -> listen --100rel none over $T: 420 (Unsupported: 100rel) to an INVITE requiring 100rel, no session"
    sipp_uac "rel420-$T" ext_uac_420 "$t"
    drain
    never '*"event":"incoming"*'
    ok
    stop_listen
}

# parley call -> SIPp
calls() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    flow "call-rel-$T" "parley call -> SIPp over $T: reliable 183 with the answer and reliable 180s; one PRACK each, none for a repeated or out-of-order RSeq"
    sipp_uas_start ext_uas_100rel "$t"
    parley_call "$T" --hangup-after 0.3
    call_exit 0
    saw_once "$(p_event early_media ',"to_tag":"*","status":183,"reliable":true}')"
    saw_once "$(p_event provisional ',"status":183,*')"
    saw_once "$(p_event provisional ',"status":180,*')"
    saw "$(p_state connected alerted None 200)"
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-offer183-$T" "parley call -> SIPp over $T: --no-offer, offer in a reliable 183, answer in the PRACK"
    sipp_uas_start ext_uas_offer183 "$t"
    parley_call "$T" --no-offer --hangup-after 0.3
    call_exit 0
    saw_once "$(p_event early_media ',"to_tag":"*","status":183,"reliable":true}')"
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-early-update-$T" "parley call -> SIPp over $T: UPDATE from SIPp in the early dialog, answered in parley's 200"
    sipp_uas_start ext_uas_update_early "$t"
    parley_call "$T" --hangup-after 0.3
    call_exit 0
    saw_once "$(p_event update ',"offer":true}')"
    before "$(p_event update '*')" "$(p_state connected alerted None 200)"
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-update-$T" "parley call -> SIPp over $T: --update --reinvite renegotiates by UPDATE (sent again 2.1-4 s after a 491), then SIPp's UPDATE is answered"
    sipp_uas_start ext_uas_update "$t"
    CALL_LIMIT=25
    parley_call "$T" --update --reinvite --wait 1
    CALL_LIMIT=20
    call_exit 0
    saw "$(p_result reinvite 200 OK true)"
    saw_once "$(p_event update ',"offer":true}')"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-st-refresh-$T" "parley call -> SIPp over $T: session timer, SIPp refreshes (UPDATE, then re-INVITE), parley answers Session-Expires"
    sipp_uas_start ext_uas_timer_refresh "$t"
    parley_call "$T" --session-timer 90 --hangup-after 1.5
    call_exit 0
    saw_once "$(p_event refresh ',"method":"UPDATE","by":"remote"}')"
    saw_once "$(p_event refresh ',"method":"INVITE","by":"remote"}')"
    never "$(p_event reinvite '*')"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-420-$T" "parley call -> SIPp over $T: --100rel required puts Require: 100rel on the INVITE; SIPp's 420 ends it (exit 1)"
    sipp_uas_start ext_uas_420 "$t"
    parley_call "$T" --100rel required
    call_exit 1
    saw "$(p_state disconnected connecting None 420)"
    last_is "$(p_result call 420 "Bad Extension" false)"
    sipp_wait
    ok

    flow "call-st-422twice-$T" "parley call -> SIPp over $T: 422, the retry, 422 again: no second retry, the call fails with 422"
    sipp_uas_start ext_uas_422_twice "$t"
    parley_call "$T" --session-timer 90
    call_exit 1
    saw_once "$(p_state connecting idle None)"
    saw "$(p_state disconnected connecting None 422)"
    last_is "$(p_result call 422 "Session Interval Too Small" false)"
    sipp_wait
    ok

    flow "call-st-422-$T" "parley call -> SIPp over $T: 422 with Min-SE 120, one retry with Session-Expires 120"
    sipp_uas_start ext_uas_422 "$t"
    parley_call "$T" --session-timer 90 --hangup-after 0.3
    call_exit 0
    saw_once "$(p_state connecting idle None)"
    never "$(p_state disconnected connecting '*')"
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok
}

# ---- the timer flows: long, each a section of its own, run in the background ----
SIPP_LONG=80 # SIPp -timeout for them (the expiry comes at 60 s)
listen_noprack() {
    start_listen "$LP" --answer early:0
    SIPP_LIMIT=$SIPP_LONG
    flow "rel-noprack-udp" "SIPp -> listen over udp: a reliable 183 never PRACKed: sent 7 times (T1, doubling), then 504 after 64*T1"
    sipp_uac_start "rel-noprack-udp" ext_uac_100rel_noprack u1
    incoming "rel-noprack-udp" true
    sipp_wait
    wait_disconnected
    case "$line" in $(p_state disconnected incoming Timeout)) ;; *) fail "$line" ;; esac
    never "$(p_event prack '*')"
    local n
    n=$(grep -c '^SIP/2.0 183 ' "$RUN"/*_messages.log)
    [ "$n" -eq 7 ] || fail "SIPp received the 183 $n times, not 7 (at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s)"
    ok
    stop_listen
}
listen_timer_reinvite() {
    start_listen "$LP"
    SIPP_LIMIT=$SIPP_LONG
    flow "st-reinvite-udp" "SIPp -> listen over udp: parley is refresher, refreshes at 45 s by re-INVITE with its SDP unchanged (no UPDATE allowed)"
    sipp_uac_start "st-reinvite-udp" ext_uac_timer_reinvite u1
    incoming "st-reinvite-udp" true
    wait_for "$(p_state connected connecting None)"
    sipp_wait # (its lines wait in the FIFO meanwhile)
    wait_disconnected
    saw_once "$(p_event refresh ',"method":"INVITE","by":"local"}')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok
    stop_listen
}
listen_timer_update() {
    start_listen "$LP"
    SIPP_LIMIT=$SIPP_LONG
    flow "st-update-udp" "SIPp -> listen over udp: parley is refresher, refreshes at 45 s by UPDATE (SIPp allows it)"
    sipp_uac_start "st-update-udp" ext_uac_timer_update u1
    incoming "st-update-udp" true
    wait_for "$(p_state connected connecting None)"
    sipp_wait
    wait_disconnected
    saw_once "$(p_event refresh ',"method":"UPDATE","by":"local"}')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok
    stop_listen
}
listen_timer_expire() {
    start_listen "$LP"
    SIPP_LIMIT=$SIPP_LONG
    flow "st-expire-udp" "SIPp -> listen over udp: SIPp is refresher and never refreshes: parley's BYE at 60 s, SessionTimerExpired"
    sipp_uac_start "st-expire-udp" ext_uac_timer_expire u1
    incoming "st-expire-udp" true
    wait_for "$(p_state connected connecting None)"
    sipp_wait
    wait_disconnected
    case "$line" in $(p_state disconnected connected SessionTimerExpired)) ;; *) fail "$line" ;; esac
    never "$(p_event refresh '*')"
    ok
    stop_listen
}
call_timer_update() {
    SIPP_LIMIT=$SIPP_LONG
    CALL_LIMIT=$SIPP_LONG
    flow "call-st-update-udp" "parley call -> SIPp over udp: parley is refresher, refreshes at 45 s by UPDATE (SIPp allows it)"
    sipp_uas_start ext_uas_timer_update u1
    parley_call udp --session-timer 90 --hangup-after 75
    call_exit 0
    saw_once "$(p_event refresh ',"method":"UPDATE","by":"local"}')"
    saw "$(p_event terminated ',"by":"BYE"}')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    never '*"op":"bye"*'
    sipp_wait
    ok
}
call_timer_reinvite() {
    SIPP_LIMIT=$SIPP_LONG
    CALL_LIMIT=$SIPP_LONG
    flow "call-st-reinvite-udp" "parley call -> SIPp over udp: parley is refresher, refreshes at 45 s by re-INVITE with its SDP unchanged (no UPDATE allowed)"
    sipp_uas_start ext_uas_timer_reinvite u1
    parley_call udp --session-timer 90 --hangup-after 75
    call_exit 0
    saw_once "$(p_event refresh ',"method":"INVITE","by":"local"}')"
    never "$(p_event reinvite '*')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    never '*"op":"bye"*'
    sipp_wait
    ok
}
call_timer_expire() {
    SIPP_LIMIT=$SIPP_LONG
    CALL_LIMIT=$SIPP_LONG
    flow "call-st-expire-udp" "parley call -> SIPp over udp: SIPp is refresher and never refreshes: parley's BYE at 60 s, SessionTimerExpired"
    sipp_uas_start ext_uas_timer_expire u1
    parley_call udp --session-timer 90 --hangup-after 75
    call_exit 0
    saw "$(p_state disconnected connected SessionTimerExpired)"
    never "$(p_event refresh '*')"
    never '*"op":"bye"*'
    sipp_wait
    ok
}

# Each section in a subshell (lib.sh's section): a failed check ends its section only.
k=0
LONG_PIDS=
for s in listen_timer_reinvite listen_timer_update listen_timer_expire call_timer_update \
    call_timer_reinvite call_timer_expire listen_noprack; do
    (section $k $s) >"$work/long-$k.out" 2>&1 &
    LONG_PIDS="$LONG_PIDS $!"
    k=$((k + 1))
done
stop_long() {
    for p in $LONG_PIDS; do kill -TERM "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap stop_long EXIT
for s in "listen_100rel u1" "listen_100rel t1" "listen_early_update u1" \
    "listen_early_update t1" "listen_auto u1" "listen_auto t1" "listen_min_se u1" \
    "listen_min_se t1" "listen_policy u1" "listen_policy t1" "calls u1" "calls t1"; do
    # shellcheck disable=SC2086 # the section's name and its argument
    (section $k $s)
    k=$((k + 1))
done
# The long flows end by themselves within SIPp's -timeout plus timeout(1)'s margin.
for p in $LONG_PIDS; do wait "$p"; done
LONG_PIDS=
cat "$work"/long-*.out

summary
