#!/usr/bin/env bash
# Interop with SIPp (Debian sip-tester) on loopback: signaling sessions, both directions, each
# flow over UDP and over TCP.
#
#  SIPp (UAC) -> parley listen                    scenarios/uac_call_*.xml
#    basic call with SDP, SIPp hangs up                                uac_call_basic
#    null offer (offer in parley's 200, answer in SIPp's ACK)          uac_call_null_offer
#    re-INVITE from SIPp (hold: parley answers recvonly)               uac_call_reinvite
#    MESSAGE and INFO from SIPp with a custom header                   uac_call_message_info
#    CANCEL while parley rings (--answer ring:5): 200 + 487            uac_call_cancel
#    486 (--answer reject:486)                                         uac_call_486
#    BYE from parley (`bye` on its standard input)                     uac_call_parley_bye
#    re-INVITE, MESSAGE and INFO from parley (`reinvite`, `header`, `message`, `info`)
#                                                                      uac_call_parley_requests
#    a hold refused at once (`hold` while SIPp's re-INVITE waits for its ACK: "try again")
#    changes nothing: the next answer is sendrecv                      uac_call_hold_refused
#    a hold SIPp refuses (488) changes nothing either                  uac_call_hold_rejected
#    BYEs that cross (RFC 5407): parley hangs up on SIPp's MESSAGE, SIPp's BYE crosses it:
#    200 both ways                                                     uac_call_bye_cross
#    an offer that is not SDP (RFC 4475 invut): 415 with Accept      uac_call_unsupported_type
#    a SIP-T INVITE (multipart: SDP and optional ISUP): answered       uac_call_sipt
#  parley call -> SIPp (UAS)                      scenarios/uas_call_*.xml
#    basic call, parley hangs up (--hangup-after)                      uas_call_basic
#    null offer (--no-offer: SIPp's 200 offers, parley's ACK answers)  uas_call_null_offer
#    re-INVITE from parley (--reinvite)                                uas_call_reinvite_in
#    re-INVITE from SIPp (hold)                                        uas_call_reinvite_out
#    MESSAGE and INFO, --header on every request                       uas_call_message_info
#    486: parley call exits 1, its last line holds the status          uas_call_486
#    CANCEL while SIPp rings (--hangup-after runs out, or SIGTERM)     uas_call_cancel
#    SIPp's 200 crosses the CANCEL: ACKed and BYEd, exit 1           uas_call_cancel_crossed
#    BYE from SIPp: parley call reports it and exits 0 at once         uas_call_bye_in
#    BYEs that cross (RFC 5407): SIPp's BYE crosses parley's, 200 both ways, exit 0
#                                                                      uas_call_bye_cross
#  Over TCP, the Contact of parley call's INVITE must name a TCP port it listens on.
#
# SIPp checks the wire (ereg/strcmp/test with check_it: SDP where it must be and nowhere else,
# tags, CSeq numbers, Request-URIs, o= lines, custom headers); this script checks parley's JSON
# lines and exit codes. Every wait is bounded (SIPp -timeout and -recv_timeout, read -t on
# FIFOs, timeout(1) around SIPp and parley call); processes are stopped by PID; ports are
# random and checked free: base+k, SIPp's ports and parley listen's move on when another run on
# this host holds them (lib.sh, shared with test_sipp_ext.sh).
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_init sipp-session

# A BYE that reaches the application with an empty method is a library bug (over TCP the 200
# terminates the BYE's server transaction and frees the BYE before on_remote_end runs, in
# src/session/indialog.c on_bye): say so when it shows.
terminated_by_bye() {
    case "$FLOW" in *'"event":"terminated","call_id":"'"$CID"'","by":""'*)
        wrong "on_remote_end got a BYE without method (library: the BYE is freed with its server transaction by the 200 sent over TCP before on_remote_end reads it)"
        return ;;
    esac
    saw "$(p_event terminated ',"by":"BYE"}')"
}

# Waits (5 s at most) until parley call printed a line matching the pattern.
call_printed() { # pattern
    local l
    for _ in $(seq 100); do
        if [ -f "$RUN/call.out" ]; then
            while IFS= read -r l; do
                case "$l" in $1) return 0 ;; esac
            done <"$RUN/call.out"
        fi
        sleep 0.05
    done
    fail "parley call printed nothing like $1 within 5 s: $(cat "$RUN/call.out")"
}

# ======================= the sections =======================
# SIPp -> parley listen (answers at once)
listen_auto() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP"
    flow "basic-$T" "SIPp -> listen over $T: basic call (180, 200 with SDP answer, ACK, BYE from SIPp)"
    sipp_uac "basic-$T" uac_call_basic "$t"
    incoming "basic-$T" true
    wait_disconnected
    saw "$(p_state connecting incoming None)"
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    terminated_by_bye
    ok

    flow "nulloffer-$T" "SIPp -> listen over $T: null offer (SDP offer in the 200, answer in the ACK)"
    sipp_uac "nulloffer-$T" uac_call_null_offer "$t"
    incoming "nulloffer-$T" false
    wait_disconnected
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok

    flow "reinvite-$T" "SIPp -> listen over $T: re-INVITE from SIPp (hold, answered recvonly)"
    sipp_uac "reinvite-$T" uac_call_reinvite "$t"
    incoming "reinvite-$T" true
    wait_disconnected
    saw "$(p_event reinvite ',"held":true,*')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok

    flow "msginfo-$T" "SIPp -> listen over $T: MESSAGE and INFO in the call, custom headers reported"
    sipp_uac "msginfo-$T" uac_call_message_info "$t"
    incoming "msginfo-$T" true
    wait_disconnected
    saw "$(p_event message ',"type":"MESSAGE","content_type":"text/plain","body":"hello in session*,"headers":{"X-Interop":"sipp-message"}}')"
    saw "$(p_event message ',"type":"INFO","content_type":"text/plain","body":"info from sipp*,"headers":{"X-Interop":"sipp-info"}}')"
    ok

    flow "invut-$T" "SIPp -> listen over $T: an offer that is not SDP gets 415 with Accept: application/sdp, ACKed"
    sipp_uac "invut-$T" uac_call_unsupported_type "$t"
    incoming "invut-$T" true
    wait_disconnected
    case "$line" in $(p_state disconnected incoming NotAcceptableMedia)) ;; *) fail "$line" ;; esac
    ok

    flow "sipt-$T" "SIPp -> listen over $T: a SIP-T INVITE (multipart/mixed: SDP, ISUP handling=optional) is answered from its SDP part"
    sipp_uac "sipt-$T" uac_call_sipt "$t"
    incoming "sipt-$T" true
    wait_disconnected
    saw "$(p_event media ',"streams":[{"media":"audio","dir":"sendrecv","remote_addr":"127.0.0.1"*')"
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    ok

    flow "pbye-$T" "SIPp -> listen over $T: BYE from parley (stdin: bye)"
    sipp_uac_start "pbye-$T" uac_call_parley_bye "$t"
    incoming "pbye-$T" true
    wait_for "$(p_state connected connecting None)"
    say bye
    wait_for '*"event":"result","op":"bye"*'
    case "$line" in $(p_result bye 200 OK true)) ;; *) fail "$line" ;; esac
    saw "$(p_state disconnected connected TerminatedLocally)"
    sipp_wait
    ok

    flow "preq-$T" "SIPp -> listen over $T: re-INVITE, MESSAGE and INFO from parley (stdin), each with its header"
    sipp_uac_start "preq-$T" uac_call_parley_requests "$t"
    incoming "preq-$T" true
    wait_for "$(p_state connected connecting None)"
    say reinvite
    wait_for '*"event":"result","op":"reinvite"*'
    case "$line" in $(p_result reinvite 200 OK true)) ;; *) fail "$line" ;; esac
    say "header X-Parley: message-header"
    say "message hello sipp"
    wait_for '*"event":"result","op":"message"*'
    case "$line" in $(p_result message 200 OK true)) ;; *) fail "$line" ;; esac
    say "header X-Parley: info-header"
    say "info info for sipp"
    wait_for '*"event":"result","op":"info"*'
    case "$line" in $(p_result info 200 OK true)) ;; *) fail "$line" ;; esac
    wait_disconnected
    saw "$(p_state disconnected connected TerminatedRemotely)"
    terminated_by_bye
    sipp_wait
    ok

    flow "holdrefused-$T" "SIPp -> listen over $T: a hold refused at once (SIPp's re-INVITE waits for its ACK) changes nothing"
    sipp_uac_start "holdrefused-$T" uac_call_hold_refused "$t"
    incoming "holdrefused-$T" true
    wait_for "$(p_event message ',"type":"MESSAGE",*"body":"hold now*')"
    say hold
    wait_for '*"event":"result","op":"hold"*'
    case "$line" in *'"error":"try again","ok":false}') ;; *) fail "$line" ;; esac
    wait_disconnected
    never "$(p_event reinvite ',"held":*,"holding":true}')"
    sipp_wait
    ok

    flow "holdrejected-$T" "SIPp -> listen over $T: a hold SIPp refuses (488) changes nothing"
    sipp_uac_start "holdrejected-$T" uac_call_hold_rejected "$t"
    incoming "holdrejected-$T" true
    wait_for "$(p_state connected connecting None)"
    say hold
    wait_for '*"event":"result","op":"hold"*'
    case "$line" in $(p_result hold 488 'Not Acceptable Here' false)) ;; *) fail "$line" ;; esac
    wait_disconnected
    never "$(p_event reinvite ',"held":*,"holding":true}')"
    sipp_wait
    ok

    flow "byecross-$T" "SIPp -> listen over $T: BYEs that cross (parley hangs up on a MESSAGE, SIPp's BYE crosses it: 200 both ways)"
    sipp_uac_start "byecross-$T" uac_call_bye_cross "$t"
    incoming "byecross-$T" true
    wait_for "$(p_event message ',"type":"MESSAGE",*')"
    say bye
    wait_for '*"event":"result","op":"bye"*'
    case "$line" in $(p_result bye 200 OK true)) ;; *) fail "$line" ;; esac
    saw "$(p_state disconnected connected TerminatedLocally)"
    [ "$(grep -c '"event":"terminated"' <<<"$FLOW")" -eq 1 ] || fail "not one terminated line: $FLOW"
    sipp_wait
    ok
    stop_listen
}

# SIPp -> parley listen --answer ring:5
listen_ring() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --answer ring:5
    flow "cancel-$T" "SIPp -> listen over $T: CANCEL while parley rings (200 for the CANCEL, 487, ACK)"
    sipp_uac "cancel-$T" uac_call_cancel "$t"
    incoming "cancel-$T" true
    wait_disconnected
    case "$line" in $(p_state disconnected incoming Canceled)) ;; *) fail "$line" ;; esac
    saw "$(p_event terminated ',"by":"CANCEL"}')"
    never "$(p_event state ',"state":"connect*')"
    ok
    stop_listen
}

# SIPp -> parley listen --answer reject:486
listen_busy() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --answer reject:486
    flow "busy-$T" "SIPp -> listen over $T: 486 Busy Here (--answer reject:486), ACKed"
    sipp_uac "busy-$T" uac_call_486 "$t"
    incoming "busy-$T" true
    wait_disconnected
    case "$line" in $(p_state disconnected incoming Declined)) ;; *) fail "$line" ;; esac
    ok
    stop_listen
}

# parley call -> SIPp
calls() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    flow "call-basic-$T" "parley call -> SIPp over $T: basic call (SDP offer, 180, 200, ACK, BYE from parley)"
    sipp_uas_start uas_call_basic "$t"
    parley_call_start "$T" --hangup-after 0.5
    if [ "$T" = tcp ]; then # the INVITE's Contact names a TCP port parley call listens on
        call_printed '*"state":"connected"*'
        port=$(sed -n 's/^Contact: <sip:127\.0\.0\.1:\([0-9]*\);transport=tcp>.*/\1/p' \
            "$RUN"/*_messages.log | head -n 1)
        [ -n "$port" ] || fail "no Contact with transport=tcp in the INVITE"
        listening "$port" tcp || fail "the INVITE's Contact names TCP port $port: nothing listens there"
    fi
    parley_call_end
    call_exit 0
    saw "$(p_state connecting idle None)"
    saw "$(p_event provisional ',"status":180,"reason":"Ringing"}')"
    saw "$(p_state alerted connecting ProvisionResponseReceived 180)"
    saw "$(p_state connected alerted None 200)"
    saw "$(p_result call 200 OK true)"
    saw "$(p_state disconnected connected TerminatedLocally)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-nulloffer-$T" "parley call -> SIPp over $T: null offer (--no-offer: offer in SIPp's 200, answer in parley's ACK)"
    sipp_uas_start uas_call_null_offer "$t"
    parley_call "$T" --no-offer --hangup-after 0.2
    call_exit 0
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-reinvite-$T" "parley call -> SIPp over $T: re-INVITE from parley (--reinvite)"
    sipp_uas_start uas_call_reinvite_in "$t"
    parley_call "$T" --reinvite
    call_exit 0
    saw "$(p_result reinvite 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-sippreinvite-$T" "parley call -> SIPp over $T: re-INVITE from SIPp (hold, answered recvonly)"
    sipp_uas_start uas_call_reinvite_out "$t"
    parley_call "$T" --hangup-after 1
    call_exit 0
    saw "$(p_event reinvite ',"held":true,*')"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-msginfo-$T" "parley call -> SIPp over $T: MESSAGE and INFO, --header on INVITE, ACK, MESSAGE, INFO and BYE"
    sipp_uas_start uas_call_message_info "$t"
    parley_call "$T" --header "X-Parley: on-every-request" --message "hello sipp" --info "info for sipp"
    call_exit 0
    saw "$(p_result message 200 OK true)"
    saw "$(p_result info 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok

    flow "call-busy-$T" "parley call -> SIPp over $T: 486 (ACKed in the INVITE transaction, exit 1, status in the last line)"
    sipp_uas_start uas_call_486 "$t"
    parley_call "$T"
    call_exit 1
    saw "$(p_state disconnected connecting Busy 486)"
    last_is "$(p_result call 486 "Busy Here" false)"
    sipp_wait
    ok

    flow "call-cancel-$T" "parley call -> SIPp over $T: CANCEL when --hangup-after ends the ringing (200, 487 ACKed, exit 1)"
    sipp_uas_start uas_call_cancel "$t"
    parley_call "$T" --hangup-after 0.3
    call_exit 1
    saw "$(p_event provisional ',"status":180,"reason":"Ringing"}')"
    saw "$(p_state disconnected alerted TerminatedLocally 487)"
    last_is "$(p_result call 487 "Request Terminated" false)"
    sipp_wait
    ok

    flow "call-cancel-crossed-$T" "parley call -> SIPp over $T: SIPp's 200 crosses the CANCEL (ACK, BYE, exit 1 as after a 487)"
    sipp_uas_start uas_call_cancel_crossed "$t"
    parley_call "$T" --hangup-after 0.3
    call_exit 1
    saw "$(p_event provisional ',"status":180,"reason":"Ringing"}')"
    saw "$(p_state disconnected alerted TerminatedLocally 200)"
    last_is '*"event":"result","op":"call","call_id":"'"$CID"'","status":200,"reason":"OK","error":"terminated","ok":false}'
    sipp_wait
    ok

    flow "call-sigterm-$T" "parley call -> SIPp over $T: CANCEL on SIGTERM while ringing (exit 1)"
    sipp_uas_start uas_call_cancel "$t"
    parley_call_start "$T"
    call_printed '*"event":"provisional"*'
    kill -TERM "$CALL_PID"
    parley_call_end
    call_exit 1
    saw "$(p_state disconnected alerted TerminatedLocally 487)"
    last_is "$(p_result call 487 "Request Terminated" false)"
    sipp_wait
    ok

    flow "call-byein-$T" "parley call -> SIPp over $T: BYE from SIPp (terminated line, exit 0 at once)"
    sipp_uas_start uas_call_bye_in "$t"
    t0=$(date +%s)
    parley_call "$T" --hangup-after 15
    t1=$(date +%s)
    call_exit 0
    [ $((t1 - t0)) -lt 5 ] || fail "parley call took $((t1 - t0)) s: it waited for --hangup-after"
    terminated_by_bye
    saw "$(p_state disconnected connected TerminatedRemotely)"
    never '*"op":"bye"*'
    sipp_wait
    ok

    flow "call-byecross-$T" "parley call -> SIPp over $T: BYEs that cross (SIPp's BYE crosses parley's: 200 both ways, exit 0)"
    sipp_uas_start uas_call_bye_cross "$t"
    parley_call "$T" --hangup-after 0.3
    call_exit 0
    saw "$(p_event terminated ',"by":"local"}')"
    [ "$(grep -c '"event":"terminated"' <<<"$FLOW")" -eq 1 ] || fail "not one terminated line: $FLOW"
    saw "$(p_state disconnected connected TerminatedLocally)"
    last_is "$(p_result bye 200 OK true)"
    sipp_wait
    ok
}

# Each section in a subshell (lib.sh's section): a failed check ends its section only.
k=0
for s in "listen_auto u1" "listen_auto t1" "listen_ring u1" "listen_ring t1" \
    "listen_busy u1" "listen_busy t1" "calls u1" "calls t1"; do
    # shellcheck disable=SC2086 # the section's name and its argument
    (section $k $s)
    k=$((k + 1))
done

summary
