#!/usr/bin/env bash
# Interop with SIPp (Debian sip-tester) over IPv6 loopback ([::1]), with SIPp's built-in
# scenarios (sipp -sn), as an outside checker would run them, over UDP and over TCP:
#
#  SIPp's uac -> parley listen --answer auto --bind udp:[::1]:P --bind tcp:[::1]:P
#    the call completes (SIPp exits 0); parley's lines: incoming from sip:sipp@[::1]:SP, a media
#    line with "remote_addr":"::1", connected, terminated by BYE; on the wire (parley's trace)
#    the 200's SDP says o=... IN IP6 ::1 and c=IN IP6 ::1 (no brackets), its Contact [::1]:P
#  SIPp's uac -> parley listen bound to 127.0.0.1 first, then [::1]
#    the same call; the 200's SDP still says IN IP6 ::1 (the call's family, not the first bind's)
#  parley call sip:sipp@[::1]:SP -> SIPp's uas
#    exit 0; early (SIPp's Contact), connected, media "remote_addr":"::1", the BYE's 200 last;
#    on the wire Via and Contact name [::1], the offer says IN IP6 ::1; SIPp exits 0 (over TCP
#    parley call keeps the connection until SIPp closes it after the 4 s timewait that ends the
#    scenario: SIPp fails a call whose connection closes under it)
#  parley send sip:sipp@[::1]:SP -> scenarios/uas_message.xml (SIPp checks the custom header)
#    exit 0, "SIP/2.0 200 OK"
#
# Skips (exit 77) without SIPp or when ::1 is not configured on lo. Ports come from lib.sh (random,
# checked free); every wait is bounded (SIPp -timeout, read -t on FIFOs, timeout(1)); processes
# are stopped by PID.
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# ::1 on lo: /proc/net/if_inet6 lists it (no line at all on a host without IPv6)
if ! grep -qs '^0\{31\}1 .* lo$' /proc/net/if_inet6; then
    echo "SKIP: ::1 is not configured on lo (no IPv6 loopback address here)"
    exit 77
fi
interop_init sipp-ipv6
interop_address ::1

# The trace's lines of the first message sent that starts like the pattern (a grep -E regexp on
# its first line), CRs removed.
sent_msg() { # trace-file first-line-regexp
    awk -v re="$2" '/^--- / { if (m) exit; s = / sent /; next }
        s && !m && $0 ~ re { m = 1 } m { sub(/\r$/, ""); print }' "$1"
}
has_line() { # message-text line-regexp what: the message has a line matching the regexp
    grep -E -q -e "$2" <<<"$1" || fail "$3: no line like $2 in:
$1"
}

# SIPp's built-in uac calls parley listen (on LP) over [::1] and hangs up: the media line names
# ::1, and listen's 200 (left in ANSWER) has a Contact on [::1] and an SDP IN IP6 ::1.
uac_call_ip6() { # label u1|t1
    sipp_uac "$1" sn:uac "$2"
    incoming "$1" true
    wait_disconnected
    saw_once "$(p_event media ',"streams":\[{"media":"audio","dir":"sendrecv","remote_addr":"::1","remote_port":'"$MP"',*')"
    ANSWER=$(sent_msg "$SD/listen-$LP.err" '^SIP/2.0 200 OK')
    has_line "$ANSWER" "^Contact: <sip:\[::1\]:$LP(;transport=tcp)?>" "listen's 200"
    has_line "$ANSWER" '^o=parley [0-9]+ [0-9]+ IN IP6 ::1$' "listen's 200"
    has_line "$ANSWER" '^c=IN IP6 ::1$' "listen's 200"
}

# ======================= the sections =======================
# SIPp's built-in uac -> parley listen --answer auto
listen_auto() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    start_listen "$LP" --answer auto --trace
    flow "uac-$T" "SIPp's uac -> listen over $T on [::1]: the call completes"
    uac_call_ip6 "uac-$T" "$t"
    saw "$(p_state connected connecting None)"
    saw "$(p_event terminated ',"by":"BYE"}')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    has_line "$ANSWER" '^CSeq: 1 INVITE$' "listen's 200"
    ok
    stop_listen
}

# SIPp's built-in uac over [::1] -> parley listen bound to 127.0.0.1 first, then [::1]: the
# answer names the call's family (::1), not the first bind's
listen_both() { # u1|t1
    local t=$1 T
    T=$(tname "$t")
    interop_address 127.0.0.1 # start_listen binds 127.0.0.1 (and checks it), then [::1]
    start_listen "$LP" --bind "udp:[::1]:$LP" --bind "tcp:[::1]:$LP" --answer auto --trace
    interop_address ::1
    flow "both-$T" "SIPp's uac -> listen on 127.0.0.1 and [::1], over $T on [::1]: SDP IN IP6 ::1"
    uac_call_ip6 "both-$T" "$t"
    ok
    stop_listen
}

# parley call -> SIPp's built-in uas
call_uas() { # u1|t1
    local t=$1 T msg
    T=$(tname "$t")
    flow "uas-$T" "parley call -> SIPp's uas over $T on [::1]: exit 0"
    sipp_uas_start sn:uas "$t"
    parley_call "$T" --hangup-after 0.3 --trace
    call_exit 0
    saw "$(p_state connecting idle None)"
    saw "$(p_event early ',"to_tag":"*","status":180,"contact":"sip:\[::1\]:'"$SP"';transport='"${T^^}"'",*')"
    saw "$(p_state connected alerted None 200)"
    saw_once "$(p_event media ',"streams":\[{"media":"audio","dir":"sendrecv","remote_addr":"::1","remote_port":'"$MP"',*')"
    saw "$(p_result call 200 OK true)"
    last_is "$(p_result bye 200 OK true)"
    msg=$(sent_msg "$RUN/call.err" '^INVITE ')
    has_line "$msg" "^INVITE sip:sipp@\[::1\]:$SP;transport=$T SIP/2.0$" "parley's INVITE"
    has_line "$msg" "^Via: SIP/2.0/${T^^} \[::1\]:[0-9]+;" "parley's INVITE"
    has_line "$msg" '^Contact: <sip:\[::1\]:[0-9]+(;transport=tcp)?>' "parley's INVITE"
    has_line "$msg" '^o=parley [0-9]+ [0-9]+ IN IP6 ::1$' "parley's INVITE"
    has_line "$msg" '^c=IN IP6 ::1$' "parley's INVITE"
    sipp_wait # over TCP too: parley call waits for SIPp to close after its timewait
    ok
}

# parley send -> SIPp UAS (scenarios/uas_message.xml)
send_uas() { # u1|t1
    local t=$1 T out rc
    T=$(tname "$t")
    flow "send-$T" "parley send -> SIPp UAS over $T on [::1]: 200, exit 0"
    sipp_uas_start uas_message "$t"
    out=$(timeout 30 "$PARLEY" send "sip:sipp@$IPU:$SP" "hi over IPv6" --transport "$T" \
        --header "X-From-Parley: parley" 2>"$RUN/send.err")
    rc=$?
    [ "$rc" -eq 0 ] || fail "parley send exit $rc: $out $(cat "$RUN/send.err")"
    [ "$out" = "SIP/2.0 200 OK" ] || fail "parley send printed '$out'"
    sipp_wait
    ok
}

# Each section in a subshell (lib.sh's section): a failed check ends its section only.
k=0
for s in "listen_auto u1" "listen_auto t1" "listen_both u1" "listen_both t1" "call_uas u1" \
    "call_uas t1" "send_uas u1" "send_uas t1"; do
    # shellcheck disable=SC2086 # the section's name and its argument
    (section $k $s)
    k=$((k + 1))
done

summary
