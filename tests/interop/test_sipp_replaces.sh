#!/usr/bin/env bash
# Interop with SIPp (Debian sip-tester) on loopback: parley listen as the target of an attended
# transfer (RFC 3891 Replaces), over UDP and over TCP.
#
#  SIPp -> parley listen --answer ring:1                scenarios/uac_replaces_*.xml
#    call 1: answered after its second of ringing; SIPp keeps parley's To tag    uac_replaces_call
#    an INVITE whose Replaces names call 1 with a wrong to-tag: 481, call 1 stays
#                                                                                uac_replaces_wrong
#    an INVITE on a new Call-ID with Replaces: call 1;to-tag=parley's;from-tag=SIPp's and
#    Require: replaces: 200 at once (no 180: --answer ring:S does not apply), then parley's
#    BYE on call 1; its incoming line says "replaces":"<call 1's call_id>"       uac_replaces_new
#
# Two SIPp runs for the two dialogs (SIPp ties a call to one Call-ID): the first logs parley's
# To tag (-trace_logs), which the script hands to the second with -set. Every wait is bounded,
# processes are stopped by PID (lib.sh).
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_init sipp-replaces
SIPP_COMMON+=(-trace_logs)

# parley's To tag in call 1, as uac_replaces_call.xml logged it (5 s at most).
logged_to_tag() { # run directory
    local f tag
    for _ in $(seq 100); do
        for f in "$1"/*_logs.log; do
            [ -f "$f" ] || continue
            tag=$(sed -n 's/.*totag=\([^ ]*\) end.*/\1/p' "$f" | head -n 1)
            [ -n "$tag" ] && { echo "$tag"; return 0; }
        done
        sleep 0.05
    done
    return 1
}

transfer_target() { # u1|t1
    local t=$1 T old totag p1
    T=$(tname "$t")
    start_listen "$LP" --answer ring:1
    flow "call1-$T" "SIPp -> listen over $T: call 1 (Supported lists replaces)"
    sipp_uac_start "call1-$T" uac_replaces_call "$t"
    p1=$SIPP_PID
    incoming "call1-$T" true
    old=$CID
    wait_for "$(p_state connected connecting None)"
    never '*"replaces":*'
    totag=$(logged_to_tag "$RUN") || fail "SIPp logged no To tag of call 1"
    ok

    flow "wrong-$T" "SIPp -> listen over $T: Replaces naming call 1 with another to-tag: 481, call 1 stays"
    sipp_uac "wrong-$T" uac_replaces_wrong "$t" -key oldcid "$old" -key totag "$totag"
    ok

    flow "replace-$T" "SIPp -> listen over $T: Replaces naming call 1: 200 at once, no 180, BYE on call 1"
    sipp_uac "replace-$T" uac_replaces_new "$t" -key oldcid "$old" -key totag "$totag"
    incoming "replace-$T" true
    case "$line" in *',"replaces":"'"$old"'",'*) ;; *) fail "incoming line without replaces: $line" ;; esac
    wait_for '*"event":"state","call_id":"'"$old"'","state":"disconnected"*'
    case "$line" in *'"previous":"connected","reason":"TerminatedLocally"}') ;;
    *) fail "call 1 ended so: $line" ;;
    esac
    saw '*"event":"terminated","call_id":"'"$old"'","by":"local"}'
    wait_disconnected
    saw "$(p_state connected connecting None)"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    SIPP_PID=$p1
    sipp_wait # call 1's SIPp got its BYE in its dialog and answered it
    ok
    stop_listen
}

k=0
for s in "transfer_target u1" "transfer_target t1"; do
    # shellcheck disable=SC2086 # the section's name and its argument
    (section $k $s)
    k=$((k + 1))
done

summary
