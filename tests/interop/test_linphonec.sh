#!/usr/bin/env bash
# Interop with a real softphone: Linphone's console client linphonec (Debian linphone-cli) on
# loopback against the parley CLI, over UDP, then over TCP (one linphonec per transport, which
# listens on that transport only, so that nothing can fall back to the other):
#
#  linphonec -> parley listen --answer auto
#    a call: linphonec's offer and parley's answer on the wire (the codecs both have: PCMU,
#      PCMA; 127.0.0.1) and in parley's media line, linphonec's media streams up with PCMU; two digits typed on linphonec
#      reach parley as INFO (application/dtmf-relay); linphonec's BYE ends it
#    a second call: linphonec puts it on hold and resumes it (parley's reinvite lines say held,
#      then not; parley answered recvonly), parley sends a MESSAGE in it (200; linphonec's log
#      has it delivered, its console does not print it, see below), then parley's BYE ends it
#      (linphonec says ended)
#  parley call -> linphonec (auto-answer, -a)
#    established, then --hold (parley's re-INVITE says sendonly, linphonec answers recvonly and
#    says it was paused), --resume (sendrecv both ways), an in-session MESSAGE (linphonec
#    prints its text), then parley's BYE
#    the same hold and resume by UPDATE (--update)
#    linphonec rings (autoanswer disabled): --hangup-after CANCELs it, 487, exit 1
#  linphonec -> parley listen --answer ring: linphonec hangs up while parley rings (CANCEL)
#  MESSAGE both ways, page mode
#    parley send -> linphonec: 200, linphonec prints the text
#    linphonec's chat command -> parley listen: the text in parley's message line. linphonec
#      drops the port of a chat URI (its chat rooms are keyed by user@host), so its chat goes
#      through a proxy entry of its configuration that names parley listen (no REGISTER)
#
# linphonec runs headless: its own HOME and configuration in the work directory (never the
# user's ~), SIP and RTP bound to 127.0.0.1 on ports from free_ports, video off, and
# `soundcard use files` so that its audio streams read and write files instead of a sound card,
# and no sound system (an empty ALSA configuration, no PulseAudio server). It is driven through
# a FIFO on its standard input; what it prints (line by line as it goes), what it logs, and
# parley's JSON lines and --trace are what the checks read. Every wait is a bounded poll of an observable condition; processes are stopped by PID.
# The patterns of parley's lines are globs on purpose (case "$line" in $(p_result ...)).
# shellcheck disable=SC2254
set -u
PARLEY=$1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" # bookkeeping, parley listen through FIFOs, checks on its lines
interop_init linphonec linphonec linphone-cli
VERSION=$(linphonec --version 2>&1 | sed -n 's/^version: //p')
if [ -z "$VERSION" ]; then
    echo "SKIP: linphonec does not run here: $(linphonec --version 2>&1 | tail -n 1)"
    exit 77
fi

# ---- linphonec ----
LD=     # the current linphonec's directory: rc (its configuration), home, out, log
LINPID= # its PID
LIN=    # its SIP port (on the section's transport only)
RTP=    # its first RTP port (audio RTP and RTCP, video and text after)
LMARK=0 # the lines of its output already looked at (lp_wait looks after them)
LLINE=  # the line lp_wait found

# Shows what linphonec printed and logged (fail() calls it through FAIL_HOOK).
# shellcheck disable=SC2317 # called indirectly
lp_dump() {
    [ -n "$LD" ] || return 0
    echo "--- linphonec's output:"
    tail -n 30 "$LD/out" 2>/dev/null
    echo "--- linphonec's log (errors and SIP start lines):"
    grep -a -E -e '-error-' -e '^(INVITE|ACK|BYE|MESSAGE|SIP/2\.0) ' "$LD/log" 2>/dev/null |
        grep -v 'alsa error\|soundcard' | tail -n 20
}
FAIL_HOOK=lp_dump

lp_start() { # udp|tcp: linphonec listening on LIN over that transport, auto-answering
    local t=$1
    LD=$SD/linphone
    mkdir -p "$LD/home/.local/share/linphone" # its databases (chat rooms, call logs) go there
    local udp=0 tcp=0
    if [ "$t" = udp ]; then udp=$LIN; else tcp=$LIN; fi
    # sip_port/sip_tcp_port 0: that transport is off. use_info: DTMF as SIP INFO
    # (application/dtmf-relay), not RTP events. [rtp] bind_address: RTP bound to and
    # advertised as 127.0.0.1 (else the address of the default route). The proxy entry only
    # routes the chat command's MESSAGEs to parley listen (reg_sendregister=0: no REGISTER).
    cat >"$LD/rc" <<EOF
[sip]
sip_port=$udp
sip_tcp_port=$tcp
sip_tls_port=0
bind_address=127.0.0.1
use_ipv6=0
guess_hostname=0
contact="Linphone" <sip:linphone@127.0.0.1>
default_proxy=0
use_info=1
use_rfc2833=0
[rtp]
bind_address=127.0.0.1
audio_rtp_port=$RTP
video_rtp_port=$((RTP + 2))
text_rtp_port=$((RTP + 4))
[video]
enabled=0
capture=0
display=0
[proxy_0]
reg_proxy=<sip:127.0.0.1:$LP;transport=$t>
reg_identity="Linphone" <sip:linphone@127.0.0.1>
reg_sendregister=0
publish=0
EOF
    rm -f "$LD/in"
    mkfifo "$LD/in"
    # no sound system either on a desk with one: ALSA with an empty configuration (no device
    # at all) and a PulseAudio server that does not exist, so that nothing rings aloud
    : >"$LD/asound.conf"
    HOME=$LD/home XDG_CONFIG_HOME=$LD/home XDG_DATA_HOME=$LD/home/.local/share \
        XDG_RUNTIME_DIR=$LD/home ALSA_CONFIG_PATH=$LD/asound.conf \
        PULSE_SERVER=unix:$LD/no-pulse-server \
        linphonec -c "$LD/rc" -a -d 6 -l "$LD/log" <"$LD/in" >"$LD/out" 2>"$LD/err" &
    LINPID=$!
    BGPIDS="$BGPIDS $LINPID" # section_cleanup stops it if the section fails
    exec 5>"$LD/in"
    WHAT="linphonec $VERSION over $t"
    for _ in $(seq 200); do # 10 s at most
        listening "$LIN" "$t" && break
        kill -0 "$LINPID" 2>/dev/null || fail "linphonec exited: $(tail -n 5 "$LD/err")"
        sleep 0.05
    done
    listening "$LIN" "$t" || fail "linphonec did not bind $t port $LIN within 10 s"
    lp_say "soundcard use files"
    lp_wait 'Using wav files instead of soundcard' || fail "linphonec kept its sound card"
}
lp_say() { # a command on linphonec's standard input
    echo "$1" >&5
}
lp_mark() { # later lp_wait calls look at the lines printed from now on
    LMARK=$(wc -l <"$LD/out")
}
# Waits (10 s at most) until linphonec printed a line matching the extended regexp after the
# mark; that line in LLINE. Returns 1 when none came.
lp_wait() { # regexp
    for _ in $(seq 200); do
        LLINE=$(tail -n +"$((LMARK + 1))" "$LD/out" | grep -a -E -m 1 -e "$1") && return 0
        sleep 0.05
    done
    return 1
}
lcall() { # call options: parley call to linphonec over $T, in the foreground (lib.sh's
    # parley_call: FLOW, CID and CALL_RC; its trace in $RUN/call.err)
    RUN=$SD/call
    mkdir -p "$RUN"
    CALL_TARGET="sip:linphone@127.0.0.1:$LIN" parley_call "$T" "$@"
}
wire_dirs() { # METHOD: "who direction," for each METHOD request in $WIRE and each 200 to one
    grep -E "($1 sip:|SIP/2\.0 200 .*\| [0-9]+ $1 )" <<<"$WIRE" |
        awk -F' [|] ' '{ printf "%s %s,", $1 ~ /^sent/ ? "parley" : "linphonec", $5 }'
}
lp_saw() { # regexp message: linphonec printed such a line after the mark, or the check fails
    lp_wait "$1" || fail "$2: linphonec printed no line like /$1/ within 10 s"
}
lp_stop() { # quit must end it within 5 s
    WHAT="linphonec quits"
    lp_say quit
    exec 5>&-
    exits_within "$LINPID" 5 quit
    LINPID=
}

# ---- the wire, from parley's --trace ----
# One line per SIP message of a trace: sent|recv, transport, start line, CSeq, m= line, c= line
# and direction attribute (sendrecv when the SDP has none; "-" without SDP), separated by " | ".
wire() { # trace file
    awk 'function put() {
            if (start != "") print dir " " proto " " start " | " cseq " | " m " | " c " | " a
         }
         { sub(/\r$/, "") }
         /^--- [0-9:.]+ (sent|recv) / { put(); dir = $3; proto = $4; start = ""; cseq = "";
                                        m = "-"; c = "-"; a = "-"; next }
         start == "" { start = $0; next }
         /^CSeq:/ { cseq = $2 " " $3 }
         /^v=0$/ { a = "sendrecv" }
         /^m=/ { m = $0 }
         /^c=/ { c = $0 }
         /^a=(sendrecv|sendonly|recvonly|inactive)$/ { a = substr($0, 3) }
         END { put() }' "$1"
}
# Waits (5 s at most: the trace of a message can follow the line it caused) until one message
# of the trace matches the extended regexp.
on_wire() { # trace regexp what
    for _ in $(seq 100); do
        wire "$1" | grep -q -E -e "$2" && return 0
        sleep 0.05
    done
    fail "$3: no message like /$2/ on the wire:
$(wire "$1")"
}

# Reads parley listen's lines up to its next incoming session, from linphonec; sets CID.
incoming_from_linphone() {
    wait_for '*"event":"incoming"*'
    CID=${line#*\"call_id\":\"}
    CID=${CID%%\"*}
    case "$line" in *'"from":"sip:linphone@127.0.0.1","display":"Linphone","offer":true'*) ;;
    *) fail "incoming line: $line" ;;
    esac
}
# Pattern of parley's media line for the call (CID): one audio stream, its direction seen from
# parley, linphonec's RTP address, the codecs negotiated (a glob: * for what may follow).
p_media() { # dir codecs(JSON strings, glob)
    p_event media ',"streams":\[{"media":"audio","dir":"'"$1"'","remote_addr":"127.0.0.1","remote_port":'"$RTP"',"codecs":\['"$2"'\]}\]}'
}
LOGMARK=0 # the lines of linphonec's log written before the current flow
newflow() { # what
    WHAT=$1
    FLOW=
    FLOW_BAD=
    CID=
    lp_mark
    LOGMARK=$(wc -l <"$LD/log")
}

# ======================= one section per transport =======================
both_ways() { # udp|tcp
    local T=$1 P=${1^^} # udp, UDP
    start_listen "$LP" --answer auto --trace
    local trace=$SD/listen-$LP.err
    lp_start "$T"

    # -- linphonec calls parley: offer/answer, linphonec's BYE --
    newflow "linphonec -> listen over $T: offer/answer (PCMU), DTMF by INFO, BYE from linphonec"
    lp_say "call sip:bob@127.0.0.1:$LP;transport=$T"
    lp_saw 'assigned id [0-9]+' "the call"
    local id=${LLINE##*assigned id }
    incoming_from_linphone
    wait_for "$(p_state connected connecting None)"
    # the media parley negotiated, as it reports it: PCMU and PCMA, both ways, to linphonec's port
    saw_once "$(p_media sendrecv '"PCMU/8000","PCMA/8000"')"
    lp_saw "Call $id with .* connected" "the call"
    lp_saw "Media streams established with .* for call $id" "the call"
    # linphonec offers its codecs, PCMU and PCMA among them (no telephone-event: its DTMF go
    # by INFO), from 127.0.0.1; parley answers with the ones it has, in the offer's order (RFC
    # 3264 6.1): PCMU, PCMA
    on_wire "$trace" "^recv $P INVITE sip:bob@127\.0\.0\.1:$LP;transport=$T SIP/2\.0 \| [0-9]+ INVITE \| m=audio $RTP RTP/AVP ([0-9]+ )*0 8( [0-9]+)* \| c=IN IP4 127\.0\.0\.1 \| sendrecv$" "linphonec's offer"
    on_wire "$trace" "^sent $P SIP/2\.0 200 OK \| [0-9]+ INVITE \| m=audio [0-9]+ RTP/AVP 0 8 \| c=IN IP4 127\.0\.0\.1 \| sendrecv$" "parley's answer"
    # linphonec's audio stream: the first codec of the answer (PCMU: its u-law encoder and
    # decoder), between its file player and recorder (no sound card)
    local pat
    for pat in 'MSFilePlayer:[^ ]*-->MSUlawEnc:' 'MSUlawDec:[^ ]*-->MSFileRec:'; do
        tail -n +"$((LOGMARK + 1))" "$LD/log" | grep -a -q "$pat" ||
            fail "linphonec's log shows no PCMU stream between files ($pat): $(grep -a -m 4 'configuring MS' "$LD/log")"
    done
    # DTMF: a digit typed on linphonec's console goes out as an INFO in the call
    lp_say 4
    wait_for "$(p_event message ',"type":"INFO","content_type":"application/dtmf-relay","body":"Signal=4\\r\\nDuration=250\\r\\n",*')"
    lp_say "#"
    wait_for "$(p_event message ',"type":"INFO","content_type":"application/dtmf-relay","body":"Signal=#\\r\\nDuration=250\\r\\n",*')"
    lp_say "terminate $id"
    wait_disconnected
    saw "$(p_state disconnected connected TerminatedRemotely)"
    saw "$(p_event terminated ',"by":"BYE"}')"
    lp_saw "Call $id with .* ended" "the BYE"
    on_wire "$trace" "^recv $P BYE .* \| [0-9]+ BYE \|" "linphonec's BYE"
    ok

    # -- linphonec calls, holds and resumes; parley hangs up --
    newflow "linphonec -> listen over $T: hold and resume from linphonec (answered recvonly), MESSAGE and BYE from parley"
    lp_say "call sip:bob@127.0.0.1:$LP;transport=$T"
    lp_saw 'assigned id [0-9]+' "the call"
    id=${LLINE##*assigned id }
    incoming_from_linphone
    wait_for "$(p_state connected connecting None)"
    lp_saw "Media streams established with .* for call $id" "the call"
    lp_say "pause $id"
    wait_for "$(p_event reinvite ',"held":true,"holding":false}')"
    saw "$(p_media recvonly '"PCMU/8000","PCMA/8000"')"
    lp_saw "Call $id with .* is now paused" "the hold"
    lp_mark
    lp_say "resume $id"
    FLOW=
    wait_for "$(p_event reinvite ',"held":false,"holding":false}')"
    saw "$(p_media sendrecv '"PCMU/8000","PCMA/8000"')"
    lp_saw "Media streams established with .* for call $id" "the resume"
    on_wire "$trace" "^recv $P INVITE .* \| [0-9]+ INVITE \| m=audio $RTP .* \| (sendonly|inactive)$" "linphonec's hold"
    on_wire "$trace" "^sent $P SIP/2\.0 200 OK \| [0-9]+ INVITE \| m=audio [0-9]+ RTP/AVP 0 8 \| .* \| (recvonly|inactive)$" "parley's answer to the hold"
    lp_mark
    say "message in the session over $T"
    wait_for '*"event":"result","op":"message"*'
    case "$line" in $(p_result message 200 '*' true)) ;; *) fail "$line" ;; esac
    # linphonec takes it (its log: the message delivered) but files a MESSAGE in a call it
    # placed under a chat room with itself as the peer and the callee as the local address
    # (the INVITE's From and To, not the MESSAGE's), which no account of its own matches: its
    # console prints nothing. The From on the wire is parley's, checked below.
    tail -n +"$((LOGMARK + 1))" "$LD/log" | grep -a -q 'Chat message .* moving from Idle to Delivered' ||
        fail "linphonec's log shows no message delivered"
    # to linphonec's Contact: over TCP it names the port of its connection, not LIN
    on_wire "$trace" "^sent $P MESSAGE sip:127\.0\.0\.1:[0-9]+;transport=$T SIP/2\.0 \| 1 MESSAGE \|" "the MESSAGE"
    grep -a -q -E "^From: sip:bob@127\.0\.0\.1;tag=" "$trace" || fail "parley's MESSAGE is not from bob"
    lp_mark
    say bye
    wait_for '*"event":"result","op":"bye"*'
    case "$line" in $(p_result bye 200 '*' true)) ;; *) fail "$line" ;; esac
    saw "$(p_state disconnected connected TerminatedLocally)"
    lp_saw "Call $id with .* ended" "parley's BYE"
    ok

    # -- parley calls linphonec: hold, resume, a MESSAGE in the session, BYE --
    newflow "parley call -> linphonec over $T: hold (sendonly, answered recvonly), resume, MESSAGE, BYE"
    lcall --hold --resume --message "hello linphone over $T" --trace
    call_exit 0
    saw "$(p_state connected '*' None 200)"
    saw "$(p_result hold 200 '*' true)"
    saw "$(p_result resume 200 '*' true)"
    saw "$(p_result message 200 '*' true)"
    # parley's media lines: linphonec's answer keeps PCMU and PCMA first; sendrecv, then sendonly
    # (hold), then sendrecv again
    local dirs
    dirs=$(grep '"event":"media"' <<<"$FLOW" | sed 's/.*"dir":"\([a-z]*\)".*/\1/' | tr '\n' ' ')
    [ "$dirs" = "sendrecv sendonly sendrecv " ] || fail "parley's media lines say $dirs"
    saw "$(p_media sendonly '"PCMU/8000","PCMA/8000"*')"
    last_is "$(p_result bye 200 '*' true)"
    WIRE=$(wire "$RUN/call.err") # complete: parley call has exited
    # the offer, linphonec's answer (PCMU and PCMA of parley's offer, first), then the hold and
    # the resume: each a re-INVITE of parley and linphonec's 200
    dirs=$(wire_dirs INVITE)
    [ "$dirs" = "parley sendrecv,linphonec sendrecv,parley sendonly,linphonec recvonly,parley sendrecv,linphonec sendrecv," ] ||
        fail "the offers and answers on the wire say: $dirs"
    on_wire "$RUN/call.err" "^recv $P SIP/2\.0 200 .* \| 1 INVITE \| m=audio $RTP RTP/AVP 0 8( [0-9]+)* \| c=IN IP4 127\.0\.0\.1 \|" "linphonec's answer"
    on_wire "$RUN/call.err" "^sent $P MESSAGE sip:127\.0\.0\.1:$LIN.* \| [0-9]+ MESSAGE \|" "the MESSAGE"
    lp_saw "Receiving new incoming call from .*, assigned id [0-9]+" "the call"
    id=${LLINE##*assigned id }
    lp_saw "Call $id has been paused by sip:parley@127\.0\.0\.1" "the hold"
    lp_saw "Message received from .*: hello linphone over $T" "the MESSAGE"
    lp_saw "Call $id with .* ended" "parley's BYE"
    ok

    # -- parley calls linphonec: hold and resume by UPDATE (RFC 3311) --
    newflow "parley call -> linphonec over $T: hold and resume by UPDATE (sendonly answered recvonly)"
    lcall --update --hold --resume --trace
    call_exit 0
    saw "$(p_result hold 200 '*' true)"
    saw "$(p_result resume 200 '*' true)"
    WIRE=$(wire "$RUN/call.err") # complete: parley call has exited
    dirs=$(wire_dirs UPDATE)
    [ "$dirs" = "parley sendonly,linphonec recvonly,parley sendrecv,linphonec sendrecv," ] ||
        fail "the UPDATEs and their answers on the wire say: $dirs"
    lp_saw "Receiving new incoming call from .*, assigned id [0-9]+" "the call"
    id=${LLINE##*assigned id }
    lp_saw "Call $id has been paused by sip:parley@127\.0\.0\.1" "the hold"
    lp_saw "Call $id with .* ended" "parley's BYE"
    ok

    # -- parley calls linphonec, which rings: CANCEL --
    newflow "parley call -> linphonec over $T: CANCEL while linphonec rings (487, exit 1)"
    lp_say "autoanswer disable"
    lp_saw "Auto answer disabled" "autoanswer disable"
    lcall --hangup-after 0.5 --trace
    call_exit 1 # a CANCELled call
    saw "$(p_state alerted connecting ProvisionResponseReceived 180)"
    saw "$(p_state disconnected alerted TerminatedLocally 487)"
    last_is "$(p_result call 487 '*' false)"
    on_wire "$RUN/call.err" "^sent $P CANCEL sip:linphone@127\.0\.0\.1:$LIN.* \| 1 CANCEL \|" "the CANCEL"
    on_wire "$RUN/call.err" "^recv $P SIP/2\.0 200 .* \| 1 CANCEL \|" "linphonec's 200 to the CANCEL"
    on_wire "$RUN/call.err" "^sent $P ACK .* \| 1 ACK \|" "the ACK of the 487"
    lp_saw "Receiving new incoming call from .*, assigned id [0-9]+" "the call"
    id=${LLINE##*assigned id }
    lp_saw "Call $id with .* ended \(Not answered\)" "the CANCEL"
    lp_say "autoanswer enable"
    lp_saw "Auto answer enabled" "autoanswer enable"
    ok

    # -- page mode both ways --
    newflow "parley send -> linphonec over $T: 200, linphonec prints the text"
    local out rc
    out=$(timeout 30 "$PARLEY" send "sip:linphone@127.0.0.1:$LIN" "page for linphone over $T" \
        --transport "$T" 2>"$SD/send.err")
    rc=$?
    [ "$rc" -eq 0 ] || fail "parley send exit $rc: $out $(cat "$SD/send.err")"
    case "$out" in "SIP/2.0 200 "*) ;; *) fail "parley send printed $out" ;; esac
    lp_saw "Message received from sip:parley@127\.0\.0\.1.*: page for linphone over $T" "the MESSAGE"
    ok

    # -- linphonec calls parley listen --answer ring, then hangs up: CANCEL --
    stop_listen
    start_listen "$LP" --answer ring:20 --trace
    newflow "linphonec -> listen --answer ring over $T: CANCEL while parley rings"
    lp_say "call sip:bob@127.0.0.1:$LP;transport=$T"
    lp_saw 'assigned id [0-9]+' "the call"
    id=${LLINE##*assigned id }
    incoming_from_linphone
    lp_saw "Call $id to .* ringing" "the 180"
    lp_say "terminate $id"
    wait_disconnected
    case "$line" in $(p_state disconnected incoming Canceled)) ;; *) fail "$line" ;; esac
    saw "$(p_event terminated ',"by":"CANCEL"}')"
    never "$(p_event state ',"state":"connect*')"
    lp_saw "Call $id with .* ended" "the CANCEL"
    on_wire "$trace" "^recv $P CANCEL .* \| [0-9]+ CANCEL \|" "linphonec's CANCEL"
    on_wire "$trace" "^sent $P SIP/2\.0 487 .* \| [0-9]+ INVITE \|" "parley's 487"
    on_wire "$trace" "^recv $P ACK .* \| [0-9]+ ACK \|" "linphonec's ACK of the 487"
    ok

    newflow "linphonec chat -> listen over $T: the text in parley's message line"
    lp_say "chat sip:bob@127.0.0.1 chat for parley over $T"
    wait_for '*"event":"message"*'
    case "$line" in *'"type":"MESSAGE","from":"sip:linphone@127.0.0.1","content_type":"text/plain","body":"chat for parley over '"$T"'"'*) ;;
    *) fail "message line: $line" ;;
    esac
    on_wire "$trace" "^recv $P MESSAGE sip:bob@127\.0\.0\.1 SIP/2\.0 \| [0-9]+ MESSAGE \|" "linphonec's MESSAGE"
    on_wire "$trace" "^sent $P SIP/2\.0 200 OK \| [0-9]+ MESSAGE \|" "parley's 200"
    ok

    lp_stop
    stop_listen
}

base=$(free_ports 9) || {
    echo "FAIL: no free ports"
    exit 1
}
k=0
for t in udp tcp; do
    # parley listen on base (UDP and TCP), linphonec's SIP on base+1, its RTP 6 ports from base+2 or 3
    # (each section has the ports to itself: the previous one's processes are gone)
    (
        trap section_cleanup EXIT
        trap 'exit 1' INT TERM
        SD=$work/section-$k
        mkdir -p "$SD"
        LP=$base
        LIN=$((base + 1))
        RTP=$(((base + 3) / 2 * 2)) # even (RTP), RTCP the odd one above
        both_ways $t
    )
    k=$((k + 1))
done

echo "linphonec $VERSION"
summary
