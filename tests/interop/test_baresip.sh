#!/usr/bin/env bash
# Interop with a real softphone: baresip (Debian baresip-core) on loopback against the parley
# CLI, each section over UDP and over TCP (baresip over TLS is test_tls_peers.sh's).
#
#  1, 2  baresip -> parley listen --answer auto
#        baresip's offer (PCMU, PCMA, telephone-event) answered with the common codecs, and
#        baresip sends PCMU (its log); baresip holds (sendonly: parley's "held" line, its
#        answer recvonly), then parley too (listen's hold: baresip answers inactive), baresip
#        resumes (parley answers sendonly: "held" false, "holding" true), then parley;
#        MESSAGE both ways (baresip's /message to parley, parley's in-session message to
#        baresip: the text in the receiver's output); baresip's BYE ends the call; a second
#        call ended by parley's BYE; baresip transfers a third (REFER, --refer accept) to
#        itself: parley calls it, NOTIFYs the outcome, baresip ends the first call; a last call,
#        parley ringing (--answer ring:30), that baresip CANCELs (487)
#  3, 4  parley call -> baresip (answermode=auto)
#        --hold --resume --message: re-INVITEs offering sendonly (baresip answers recvonly)
#        then sendrecv, an in-session MESSAGE, parley's BYE; parley send (out of dialog
#        MESSAGE); an offer with no codec baresip has: 488, parley call exits 1; a call
#        baresip hangs up: parley call reports the BYE and exits 0 at once; --refer to carol
#        (a parley listen): baresip calls her, NOTIFYs 200, parley call exits 0; then baresip
#        rings (answermode manual): parley CANCELs (487), baresip rejects (486), accepts
#
# parley's side is checked in its JSON lines and on the wire (--trace: which transport every
# message took, the codecs and the direction attribute of every offer and answer); baresip's
# in its log (what it negotiated, the messages it printed, the calls it saw end). baresip runs
# headless: its stdio module reads commands from a FIFO, aubridge is its audio device (no
# sound card), its config and home are in the section's temporary directory, never ~. Every
# wait is bounded (read -t on FIFOs, polls with a bound, timeout(1)); processes are stopped by
# PID; ports from free_ports.
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" # fail, ok, summary, start_listen, wait_for, p_*, section...

BARESIP=$(command -v baresip || true)
if [ -z "$BARESIP" ]; then
    echo "SKIP: baresip not found (Debian package baresip-core; scripts/deps.sh test installs it)"
    exit 77
fi
MODS=/usr/lib/baresip/modules
# the binary runs here at all (its libraries are there): otherwise a skip, not a failure
if ! "$BARESIP" -h 2>&1 | grep -q "^baresip v"; then
    echo "SKIP: $BARESIP does not run here:"
    "$BARESIP" -h 2>&1 | head -n 3
    exit 77
fi
for m in g711 aubridge stdio account contact menu; do
    if [ ! -f "$MODS/$m.so" ]; then
        echo "SKIP: baresip has no $m module in $MODS (Debian baresip-core ships them)"
        exit 77
    fi
done
# interop_init without its SIPp check: the clock and the work directory
started=$(date +%s%N)
work=$(mktemp -d /tmp/parley-baresip-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
# section k (1-4): baresip on P+3(k-1) (UDP and TCP, and TLS on the next port: baresip 1.0
# always opens its TLS listener there), parley listen (carol in 3 and 4) on P+3(k-1)+2
P=$(free_ports 12) || { echo "FAIL: no free ports"; exit 1; }

# A failed check also shows what parley call and baresip printed last (baresip's status lines
# and the echo of its commands left out), then ends the section as lib.sh's fail does (its
# SIPp part left out: RUN is emptied).
eval "lib_$(declare -f fail)"
fail() {
    if [ -n "$RUN" ]; then
        echo "--- parley call ($(basename "$RUN")):"
        tail -n 5 "$RUN/call.out" "$RUN/call.err" 2>/dev/null
        RUN=
    fi
    if [ -n "$BLOG" ] && [ -f "$BLOG" ]; then
        echo "--- baresip (last lines):"
        tr '\r' '\n' <"$BLOG" | grep -a -v -e '^\[0:' -e '^//' -e '^  /' -e '^ *$' | tail -n 25
    fi
    lib_fail "$@"
}

# ---- baresip: started per section, commands on its standard input (fd 5) ----
B=     # baresip's SIP port (UDP and TCP)
BPID=  # baresip
BLOG=  # its standard output and error
bstart() { # the contact its /message goes to
    local d=$SD/baresip
    mkdir -p "$d/home"
    cat >"$d/config" <<EOF
poll_method	epoll
sip_listen	127.0.0.1:$B
net_interface	127.0.0.1
audio_player	aubridge,nil
audio_source	aubridge,nil
audio_alert	aubridge,nil
module_path	$MODS
module	g711.so
module	aubridge.so
module	stdio.so
module_app	account.so
module_app	contact.so
module_app	menu.so
EOF
    # regint=0: no registrar; answermode=auto: calls to it are answered at once
    echo '<sip:bob@127.0.0.1>;regint=0;answermode=auto' >"$d/accounts"
    echo "\"parley\" <$1>" >"$d/contacts"
    BLOG=$SD/baresip.log
    rm -f "$SD/bin"
    mkfifo "$SD/bin"
    # line-buffered: its log is read while it runs
    HOME=$d/home stdbuf -oL -eL "$BARESIP" -f "$d" <"$SD/bin" >"$BLOG" 2>&1 &
    BPID=$!
    BGPIDS="$BGPIDS $BPID"
    exec 5>"$SD/bin"
    WHAT="baresip starts on port $B"
    for _ in $(seq 200); do
        if grep -a -q "baresip is ready" "$BLOG" && listening "$B" udp && listening "$B" tcp; then
            return 0
        fi
        kill -0 "$BPID" 2>/dev/null || break
        sleep 0.05
    done
    fail "not ready with UDP and TCP on port $B within 10 s"
}
bsay() { # a baresip command
    echo "$1" >&5
}
# Waits (10 s at most) until baresip's log holds the fixed string N times (default once).
bsaw() { # string [n]
    local n=${2:-1} c
    for _ in $(seq 200); do
        c=$(grep -a -o -F -- "$1" "$BLOG" | wc -l)
        [ "$c" -ge "$n" ] && return 0
        sleep 0.05
    done
    fail "baresip printed '$1' $c times, not $n, within 10 s"
}
bstop() { # /quit ends it (5 s at most), exit 0
    WHAT="baresip quits"
    bsay /quit
    exec 5>&-
    exits_within "$BPID" 5 /quit
    local rc=$?
    BPID=
    [ "$rc" -eq 0 ] || fail "exit $rc"
}

# What baresip says when a BYE ends its call (libre reports it as ECONNRESET).
CLOSED="session closed: Connection reset by peer"

# ---- parley's trace (--trace on its standard error) ----
# The transports of every traced message, sorted and unique: "UDP " or "TCP " alone. With
# udp-message, a MESSAGE transaction over UDP is left out (baresip 1.0's /message sends to the
# contact's address over UDP: it drops the URI's parameters, ;transport=tcp with them).
transports() { # trace file [udp-message]
    tr -d '\r' <"$1" | awk -v skip="${2:-}" '
        function out() { if (p != "" && !(skip && p == "UDP" && cm == "MESSAGE")) print p; p = "" }
        /^--- / { out(); p = $4; cm = ""; next }
        /^CSeq:/ { cm = $3 }
        END { out() }' | sort -u | tr '\n' ' '
}
# The messages not over the transport: their trace line and first line.
not_over() { # trace file transport
    tr -d '\r' <"$1" | awk -v t="${2^^}" '/^--- /{h = ($4 != t) ? $0 : ""; next}
        h {print h; print "  " $0; h = ""}'
}
# The offers and answers, in order: for each message with SDP "sent|recv METHOD|STATUS DIR"
# (DIR: its direction attribute, sendrecv when absent, RFC 4566 §6), joined by ", "; a message
# seen twice in a row (a retransmission) counts once.
sdp_flow() { # trace file
    tr -d '\r' <"$1" | awk '
        function out() { if (m) print dir " " (first ~ /^SIP/ ? code : meth) " " (d ? d : "sendrecv") }
        /^--- / { out(); dir = $3; first = ""; m = 0; d = ""; next }
        first == "" { first = $0; split($0, f, " "); meth = f[1]; code = f[2]; next }
        /^m=/ { m = 1 }
        /^a=(sendrecv|sendonly|recvonly|inactive)$/ { d = substr($0, 3) }
        END { out() }' | uniq | paste -s -d, - | sed 's/,/, /g'
}
# The m= lines of the messages with SDP, one per line, in order (retransmissions once).
m_lines() { # trace file
    tr -d '\r' <"$1" | awk '/^--- /{if (m) print m; m = ""} /^m=/{m = $0} END {if (m) print m}' |
        uniq
}
# Checks a flow's trace: every message over the transport, this sequence of offers and answers.
wire() { # trace transport(udp|tcp) expected-sdp-flow [udp-message]
    local t got
    t=$(transports "$1" "${4:-}")
    [ "$t" = "${2^^} " ] || fail "messages over $t, not only ${2^^}: $(not_over "$1" "$2")"
    got=$(sdp_flow "$1")
    [ "$got" = "$3" ] || fail "offers and answers on the wire:
  $got
not
  $3"
}

# ---- the calls: baresip -> parley listen ----
# Reads listen lines up to the next incoming session (from baresip's account, with an offer).
b_incoming() {
    wait_for '*"event":"incoming"*'
    CID=${line#*\"call_id\":\"}
    CID=${CID%%\"*}
    case "$line" in *'"from":"sip:bob@127.0.0.1","offer":true'*) ;;
    *) fail "incoming line: $line" ;;
    esac
}
inbound() { # k transport(udp|tcp)
    local T=$2 tp='' t1 t2 tr
    [ "$T" = tcp ] && tp=";transport=tcp"
    B=$((P + 3 * ($1 - 1)))
    start_listen $((B + 2)) --answer auto --refer accept --trace
    tr=$SD/listen-$LP.err
    local target="sip:parley@127.0.0.1:$LP$tp"
    bstart "$target"

    WHAT="baresip -> parley over $T: offer answered (PCMU), both hold (inactive) and resume, MESSAGE both ways, baresip's BYE"
    FLOW=
    bsay "/dial $target"
    b_incoming
    wait_for "$(p_state connected connecting None)"
    bsaw "Call established: $target"
    # baresip offered PCMU, PCMA and telephone-event; parley answered what they have in common,
    # PCMU first: baresip sends PCMU
    bsaw "audio: Set audio encoder: PCMU 8000Hz"
    # both hold, one after the other; parley's reinvite line comes once it has the ACK
    bsay /hold
    wait_for "$(p_event reinvite ',"held":true,"holding":false}')"
    say hold
    wait_for "$(p_result hold 200 OK true)"
    # an in-session MESSAGE from parley: once baresip printed it, it has read the ACK that
    # went before it on the same path, and may send its next re-INVITE
    t2="parley to baresip over $T $RANDOM"
    say "message $t2"
    wait_for "$(p_result message 200 OK true)"
    bsaw ": \"$t2\""
    bsay /resume
    wait_for "$(p_event reinvite ',"held":false,"holding":true}')"
    say resume
    wait_for "$(p_result resume 200 OK true)"
    t1="baresip to parley over $T $RANDOM"
    bsay "/message $t1"
    wait_for '*"event":"message","type":"MESSAGE","from":"sip:bob@127.0.0.1","content_type":"text/plain","body":"'"$t1"'"*'
    bsay /hangup
    wait_for "$(p_event terminated ',"by":"BYE"}')"
    wait_disconnected
    last_is "$(p_state disconnected connected TerminatedRemotely)"
    bsaw "call: terminate call '$CID'"
    # the wire: baresip holds (sendonly, parley answers recvonly), parley holds too (inactive:
    # the line was recvonly, RFC 3264 §8.4; baresip answers inactive), baresip resumes (parley
    # answers sendonly: it still holds), parley resumes; all over the transport
    wire "$tr" "$T" "recv INVITE sendrecv, sent 200 sendrecv, recv INVITE sendonly, sent 200 recvonly, sent INVITE inactive, recv 200 inactive, recv INVITE sendrecv, sent 200 sendonly, sent INVITE sendrecv, recv 200 sendrecv" udp-message
    local m
    m=$(m_lines "$tr" | head -n 2 | sed 's/^m=audio [0-9]* //' | paste -s -d'|' -)
    [ "$m" = "RTP/AVP 0 8 101|RTP/AVP 0 8 101" ] || fail "the first offer and answer: $m"
    ok

    WHAT="baresip -> parley over $T: a second call, ended by parley's BYE"
    FLOW=
    local size
    size=$(stat -c %s "$tr") # the second call's messages: those traced after it
    bsay "/dial $target"
    b_incoming
    wait_for "$(p_state connected connecting None)"
    bsaw "Call established: $target" 2
    say bye
    wait_for "$(p_result bye 200 OK true)"
    saw_once "$(p_event terminated ',"by":"local"}')"
    saw "$(p_state disconnected connected TerminatedLocally)"
    bsaw "$CLOSED"
    tail -c +$((size + 1)) "$tr" >"$SD/second.trace"
    grep -a -q '^BYE sip:bob' "$SD/second.trace" || fail "parley sent no BYE to baresip's Contact"
    t1=$(transports "$SD/second.trace")
    [ "$t1" = "${T^^} " ] || fail "messages over $t1"
    ok

    WHAT="baresip -> parley over $T: baresip transfers the call (REFER) to itself, parley calls it"
    FLOW=
    bsay "/dial $target"
    b_incoming
    local first=$CID second
    wait_for "$(p_state connected connecting None)"
    bsaw "Call established: $target" 3
    # no ;transport= in the Refer-To: baresip 1.0 writes it without angle brackets, which makes
    # a URI parameter a header parameter (RFC 3261 §20), so the new call goes over UDP
    bsay "/transfer sip:bob@127.0.0.1:$B"
    wait_for "$(p_event refer ',"target":"sip:bob@127.0.0.1:'"$B"'","accepted":true}')"
    wait_for '*"event":"state","call_id":"*","state":"connected","previous":"alerted"*'
    second=${line#*\"call_id\":\"}
    second=${second%%\"*}
    [ "$second" != "$first" ] || fail "no new call for the transfer"
    bsaw "transferring call to sip:bob@127.0.0.1:$B"
    # told of the transfer's success (NOTIFY with a 200 sipfrag), baresip ends the first call
    CID=$first
    wait_for "$(p_event terminated ',"by":"BYE"}')"
    grep -a -q '^Subscription-State: terminated' "$tr" || fail "no final NOTIFY in the trace"
    bsay /hangup # the transferred call, baresip's current line
    CID=$second
    wait_for "$(p_event terminated ',"by":"BYE"}')"
    wait_disconnected
    ok

    # parley rings now: baresip gives up
    stop_listen
    local n
    n=$(grep -a -c -F "SIP Progress: 180 Ringing" "$BLOG")
    start_listen "$LP" --answer ring:30 --trace
    tr=$SD/listen-$LP.err
    WHAT="baresip -> parley over $T, parley ringing (--answer ring:30): baresip CANCELs"
    FLOW=
    bsay "/dial $target"
    b_incoming
    bsaw "SIP Progress: 180 Ringing" $((n + 1))
    bsay /hangup
    wait_for "$(p_event terminated ',"by":"CANCEL"}')"
    wait_disconnected
    last_is "$(p_state disconnected incoming Canceled)"
    bsaw "call: terminate call '$CID'"
    grep -a -q '^CANCEL sip:parley@' "$tr" || fail "no CANCEL from baresip in the trace"
    grep -a -q '^SIP/2.0 487 ' "$tr" || fail "no 487 from parley in the trace"
    t1=$(transports "$tr")
    [ "$t1" = "${T^^} " ] || fail "messages over $t1"
    ok
    bstop
    stop_listen
}

# ---- the calls: parley call -> baresip ----
bflow() { # label what
    WHAT=$2
    FLOW=
    FLOW_BAD=
    CID=
    RUN=$SD/$1
    mkdir -p "$RUN"
}
bcall_start() { # transport, then call options: in the background (lib.sh's parley_call_end)
    CALL_TARGET="sip:bob@127.0.0.1:$B" parley_call_start "$@"
}
outbound() { # k transport(udp|tcp)
    local T=$2 t1 t2 from
    B=$((P + 3 * ($1 - 1)))
    bstart "sip:nobody@127.0.0.1:$((B + 2))"

    bflow call "parley call -> baresip over $T: answered (PCMU), --hold --resume --message, parley's BYE"
    t1="in session over $T $RANDOM"
    bcall_start "$T" --hold --resume --message "$t1" --trace
    parley_call_end
    call_exit 0
    saw_once "$(p_state connected alerted None 200)"
    saw_once "$(p_result hold 200 OK true)"
    saw_once "$(p_result resume 200 OK true)"
    saw_once "$(p_result message 200 OK true)"
    saw_once "$(p_event terminated ',"by":"local"}')"
    last_is "$(p_result bye 200 OK true)"
    from="sip:parley@127.0.0.1:"
    bsaw "call: answering call on line 1 from $from"
    bsaw "audio: Set audio encoder: PCMU 8000Hz"
    bsaw "call: got re-INVITE (SDP Offer)" 2
    bsaw "\"$t1\""
    bsaw "$CLOSED"
    wire "$RUN/call.err" "$T" "sent INVITE sendrecv, recv 200 sendrecv, sent INVITE sendonly, recv 200 recvonly, sent INVITE sendrecv, recv 200 sendrecv"
    local m
    m=$(m_lines "$RUN/call.err" | head -n 2 | sed 's/^m=audio [0-9]* //' | paste -s -d'|' -)
    [ "$m" = "RTP/AVP 0 8 101|RTP/AVP 0 8 101" ] || fail "the first offer and answer: $m"
    ok

    bflow send "parley send -> baresip over $T: a MESSAGE out of dialog"
    t2="out of dialog over $T $RANDOM"
    local out
    out=$(timeout 20 "$PARLEY" send "sip:bob@127.0.0.1:$B;transport=$T" "$t2" 2>"$RUN/send.err")
    [ "$out" = "SIP/2.0 200 OK" ] || fail "parley send printed '$out': $(cat "$RUN/send.err")"
    bsaw ": \"$t2\""
    ok

    bflow nocodec "parley call -> baresip over $T: an offer with no codec baresip has (G722): 488"
    printf 'v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %s RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n' \
        $((20000 + 2 * (RANDOM % 5000))) >"$RUN/g722.sdp"
    bcall_start "$T" --sdp "$RUN/g722.sdp"
    parley_call_end
    call_exit 1
    saw_once "$(p_state disconnected connecting NotAcceptableMedia 488)"
    last_is "$(p_result call 488 'Not Acceptable Here' false)"
    bsaw "no common audio codecs - rejected"
    ok

    bflow byein "parley call -> baresip over $T: baresip hangs up, parley call exits 0 at once"
    local n
    n=$(grep -a -c -F "Call established" "$BLOG")
    bcall_start "$T" --wait 15
    bsaw "Call established" $((n + 1))
    bsay /hangup
    parley_call_end # long before --wait 15 runs out: timeout(1) is 20 s, the whole test 60
    call_exit 0
    saw_once "$(p_event terminated ',"by":"BYE"}')"
    saw "$(p_state disconnected connected TerminatedRemotely)"
    never '*"op":"bye"*'
    ok

    # carol: a parley listen that baresip is transferred to
    local carol=$((B + 2)) cid
    start_listen "$carol" --answer auto
    bflow refer "parley call -> baresip over $T: --refer to carol (parley listen): baresip calls her, parley call exits 0 on the NOTIFY of its 200"
    bcall_start "$T" --refer "sip:carol@127.0.0.1:$carol"
    parley_call_end
    call_exit 0
    saw_once "$(p_result refer 202 Accepted true)"
    saw_once "$(p_event refer_progress ',"status":200,"final":true}')"
    bsaw "to '<sip:carol@127.0.0.1:$carol>'" # its "menu: transferring call ID to '<URI>'"
    cid=$CID
    wait_for '*"event":"incoming"*"from":"sip:bob@127.0.0.1:'"$B"'*","offer":true*'
    CID=${line#*\"call_id\":\"}
    CID=${CID%%\"*}
    [ "$CID" != "$cid" ] || fail "carol got the first call"
    wait_for "$(p_state connected connecting None)"
    bsay /hangup # the transferred call
    wait_for "$(p_event terminated ',"by":"BYE"}')"
    wait_disconnected
    ok
    stop_listen

    # baresip rings from now on: /accept and /hangup answer
    bsay "/answermode manual"
    bsaw "Answer mode changed to: manual"
    local rang=0
    bflow cancel "parley call -> baresip over $T, ringing: parley CANCELs (--hangup-after 1), 487"
    bcall_start "$T" --hangup-after 1 --trace
    parley_call_end
    call_exit 1
    saw_once "$(p_state alerted connecting ProvisionResponseReceived 180)"
    last_is "$(p_result call 487 'Request Terminated' false)"
    rang=$((rang + 1))
    bsaw "Incoming call from:  sip:parley@127.0.0.1:" $rang
    grep -a -q "^CANCEL sip:bob@127.0.0.1:$B" "$RUN/call.err" || fail "no CANCEL in the trace"
    [ "$(transports "$RUN/call.err")" = "${T^^} " ] || fail "messages over $(transports "$RUN/call.err")"
    ok

    bflow reject "parley call -> baresip over $T, ringing: baresip rejects (/hangup), 486"
    bcall_start "$T"
    rang=$((rang + 1))
    bsaw "Incoming call from:  sip:parley@127.0.0.1:" $rang
    bsay /hangup
    parley_call_end
    call_exit 1
    saw_once "$(p_state disconnected alerted Busy 486)"
    last_is "$(p_result call 486 Rejected false)"
    bsaw "call: rejecting incoming call from sip:parley@127.0.0.1:"
    ok

    bflow accept "parley call -> baresip over $T, ringing: baresip answers (/accept), parley's BYE"
    bcall_start "$T"
    rang=$((rang + 1))
    bsaw "Incoming call from:  sip:parley@127.0.0.1:" $rang
    bsay /accept
    parley_call_end
    call_exit 0
    saw_once "$(p_state connected alerted None 200)"
    last_is "$(p_result bye 200 OK true)"
    bsaw "Answering incoming call"
    ok
    bstop
}

(section 1 inbound 1 udp)
(section 2 inbound 2 tcp)
(section 3 outbound 3 udp)
(section 4 outbound 4 tcp)
summary
