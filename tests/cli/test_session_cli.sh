#!/usr/bin/env bash
# `parley listen` and `parley call` against each other on loopback: the session lines the
# issues fix (one terminated line per ended session, local hangups included; the Reason header
# of a CANCEL in the state line; REFER progress on both commands and `call --refer`'s exit
# code), a URI's transport parameter (Via, Contact, never twice), Allow, and a hangup on a
# message (BYEs that really cross: tests/interop/test_sipp_session.sh), and listen hanging up
# its sessions when it is stopped, a sips: target from a command with no TLS listener,
# listen's --max-transactions, and call's --hold and --resume.
# Every wait is bounded (read -t on FIFOs, timeout(1)); processes are stopped by PID.
set -u
PARLEY=$1
work=$(mktemp -d /tmp/parley-session-cli-XXXXXX)
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/pause" # nobody writes it: reading it with a timeout is a bounded pause
pause() { read -t "$1" -r _ <>"$work/pause"; }
fails=0
WHAT=
fail() {
    echo "not ok - $WHAT: $*"
    fails=$((fails + 1))
}
ok() { echo "ok - $WHAT"; }

# ---- parley listen with its standard input and output on FIFOs ----
# start_listen NAME ARGS...: sets ${NAME}_PORT (UDP and TCP), ${NAME}_PID; output in $work/NAME.out
start_listen() {
    local name=$1
    shift
    mkfifo "$work/$name.in"
    "$PARLEY" listen --bind udp:127.0.0.1:0 "$@" <"$work/$name.in" >"$work/$name.out" \
        2>"$work/$name.err" &
    local pid=$!
    PIDS="$PIDS $pid"
    eval "exec {fd}>\"$work/$name.in\""
    eval "${name}_IN=$fd"
    eval "${name}_PID=$pid"
    local line=
    for _ in $(seq 100); do
        line=$(head -n 1 "$work/$name.out" 2>/dev/null)
        [ -n "$line" ] && break
        pause 0.05
    done
    case "$line" in *'"event":"listening"'*) ;; *)
        echo "listen $name did not start: $(cat "$work/$name.err")"
        exit 1
        ;;
    esac
    local port=${line##*udp:127.0.0.1:}
    port=${port%%\"*}
    eval "${name}_PORT=$port"
}
# wait_line NAME PATTERN: waits (10 s at most) until NAME's output has a line like PATTERN.
wait_line() {
    local f=$work/$1.out
    for _ in $(seq 200); do
        grep -q -- "$2" "$f" 2>/dev/null && return 0
        pause 0.05
    done
    return 1
}
say() { # NAME LINE: a command on NAME's standard input
    local fdv=${1}_IN
    echo "$2" >&"${!fdv}"
}
stop_listen() {
    local pidv=${1}_PID
    kill -TERM "${!pidv}" 2>/dev/null
    wait "${!pidv}" 2>/dev/null
}

# ---- 1: every ended session prints one terminated line; local hangups say "local" ----
WHAT="terminated lines on both sides, by BYE and by local"
start_listen b
out=$(timeout 30 "$PARLEY" call "sip:b@127.0.0.1:$b_PORT" --message hi 2>"$work/call1.err")
rc=$?
[ $rc -eq 0 ] || fail "call exit $rc: $(tail -n 3 "$work/call1.err")"
n=$(grep -c '"event":"terminated"' <<<"$out")
[ "$n" -eq 1 ] || fail "call printed $n terminated lines"
grep -q '"event":"terminated","call_id":"[^"]*","by":"local"}' <<<"$out" ||
    fail "no terminated line with by local: $out"
grep -q '"state":"disconnected","previous":"connected","reason":"TerminatedLocally"' <<<"$out" ||
    fail "no disconnected state line"
wait_line b '"by":"BYE"' || fail "listen: no terminated line by BYE"
[ "$(grep -c '"event":"terminated"' "$work/b.out")" -eq 1 ] || fail "listen: not one terminated line"
# a message without a type goes as issue 5 spells the default
grep -qF '"type":"MESSAGE","content_type":"text/plain; charset=UTF-8","body":"hi"' "$work/b.out" ||
    fail "listen: no message line with the default content type: $(cat "$work/b.out")"
# Allow is the same whatever the command: parley call's INVITE lists MESSAGE
out=$(timeout 30 "$PARLEY" call "sip:b@127.0.0.1:$b_PORT" --trace 2>&1 >/dev/null)
allow=$(awk '/^INVITE /{f=1} f && /^Allow:/{print; exit}' <<<"$out")
case "$allow" in *MESSAGE*) ;; *) fail "the INVITE's Allow: $allow" ;; esac
[ $fails -eq 0 ] && ok
stop_listen b

# ---- 2: the Reason of a CANCEL in the state line ----
WHAT="sip_reason of a CANCEL"
f0=$fails
start_listen r --answer ring:30
timeout 30 "$PARLEY" call "sip:r@127.0.0.1:$r_PORT" --hangup-after 1 \
    --header 'Reason: SIP ;cause=200 ;text="Call completed elsewhere"' >"$work/call2.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "call exit $rc (a CANCELled call ends 487: 1)"
wait_line r '"by":"CANCEL"' || fail "no terminated line by CANCEL"
want='"reason":"Canceled","sip_reason":{"protocol":"SIP","cause":200,"text":"Call completed elsewhere"}'
grep -qF "$want" "$work/r.out" || fail "no state line with $want in: $(cat "$work/r.out")"
[ $fails -eq $f0 ] && ok
stop_listen r

# ---- 3: REFER progress: parley call --refer and parley listen's refer command ----
WHAT="call --refer: refer_progress lines, exit 0 on a final 2xx"
f0=$fails
start_listen c
start_listen t --refer accept
out=$(timeout 60 "$PARLEY" call "sip:t@127.0.0.1:$t_PORT" --refer "sip:c@127.0.0.1:$c_PORT" \
    2>"$work/call3.err")
rc=$?
[ $rc -eq 0 ] || fail "exit $rc: $out"
grep -q '"event":"refer_progress","call_id":"[^"]*","status":100,"final":false}' <<<"$out" ||
    fail "no 100 progress line: $out"
grep -q '"event":"refer_progress","call_id":"[^"]*","status":200,"final":true}' <<<"$out" ||
    fail "no final 200 progress line: $out"
wait_line c '"event":"incoming"' || fail "the transfer target got no call"
[ $fails -eq $f0 ] && ok
stop_listen c

WHAT="call --refer: exit 1 when the transfer fails"
f0=$fails
start_listen x --answer reject:486
out=$(timeout 60 "$PARLEY" call "sip:t@127.0.0.1:$t_PORT" --refer "sip:x@127.0.0.1:$x_PORT" \
    2>"$work/call4.err")
rc=$?
[ $rc -eq 1 ] || fail "exit $rc: $out"
grep -q '"status":486,"final":true}' <<<"$out" || fail "no final 486 progress line: $out"
# exit 1 puts the failing status in the last line, after the hangup's lines (issue 5)
last=$(tail -n 1 <<<"$out")
case "$last" in *'"event":"result","op":"refer",'*'"status":486,"reason":"Busy Here","ok":false}') ;;
*) fail "the last line is not the transfer's 486: $last" ;; esac
[ $fails -eq $f0 ] && ok
stop_listen x

WHAT="listen --refer accept: a Refer-To naming another method (;method=BYE) is declined, not called"
f0=$fails
before=$(grep -c '"event":"incoming"' "$work/t.out")
out=$(timeout 60 "$PARLEY" call "sip:t@127.0.0.1:$t_PORT" \
    --refer "sip:z@127.0.0.1:$t_PORT;method=BYE" 2>"$work/call4b.err")
rc=$?
[ $rc -eq 1 ] || fail "exit $rc: $out"
last=$(tail -n 1 <<<"$out")
case "$last" in *'"event":"result","op":"refer",'*'"status":603,'*'"ok":false}') ;;
*) fail "the last line is not the REFER's 603: $last" ;; esac
wait_line t '"event":"refer",.*"method":"BYE","accepted":false}' ||
    fail "listen's refer line: $(grep '"event":"refer"' "$work/t.out")"
[ "$(grep -c '"event":"incoming"' "$work/t.out")" -eq $((before + 1)) ] ||
    fail "listen placed or got another call for the REFER"
[ $fails -eq $f0 ] && ok

WHAT="call: a refused step stops the steps; its status is in the last line, after the hangup"
f0=$fails
start_listen n --refer reject
out=$(timeout 60 "$PARLEY" call "sip:n@127.0.0.1:$n_PORT" --refer "sip:x@127.0.0.1:9" \
    --message "not sent" 2>"$work/call6.err")
rc=$?
[ $rc -eq 1 ] || fail "exit $rc: $out"
grep -q '"op":"bye",[^}]*"status":200' <<<"$out" || fail "no hangup: $out"
grep -q '"op":"message"' <<<"$out" && fail "a step ran after the failed one: $out"
[ "$(grep -c '"op":"refer"' <<<"$out")" -eq 1 ] || fail "not one refer result line: $out"
last=$(tail -n 1 <<<"$out")
case "$last" in *'"event":"result","op":"refer",'*'"status":603,"reason":"Decline","ok":false}') ;;
*) fail "the last line is not the REFER's 603: $last" ;; esac
[ $fails -eq $f0 ] && ok
stop_listen n

WHAT="call: the peer hangs up before a step ran: that step fails (exit 2, its line last)"
f0=$fails
start_listen e
(timeout 60 "$PARLEY" call "sip:h@127.0.0.1:$e_PORT" --wait 30 --message "too late" \
    >"$work/call7.out" 2>"$work/call7.err"
    echo "rc=$?" >>"$work/call7.out") &
cpid=$!
wait_line e '"state":"connected"' || fail "the call did not connect"
say e bye
wait $cpid
out=$(cat "$work/call7.out")
grep -q '^rc=2$' <<<"$out" || fail "exit: $out"
grep -q '"op":"bye"' <<<"$out" && fail "a BYE after the peer's: $out"
last=$(grep -v '^rc=' <<<"$out" | tail -n 1)
case "$last" in *'"event":"result","op":"message",'*'"ok":false}') ;;
*) fail "the last line is not the message's failure: $last" ;; esac
[ $fails -eq $f0 ] && ok
stop_listen e

WHAT="call: SIGTERM during a step hangs up, runs no step after it, exits 0"
f0=$fails
start_listen s
# (bounded without timeout(1), whose pid $! would be: the wait ends the call after 30 s)
"$PARLEY" call "sip:h@127.0.0.1:$s_PORT" --wait 30 --message "never sent" \
    >"$work/call7.out" 2>"$work/call7.err" &
cpid=$!
wait_line s '"state":"connected"' || fail "the call did not connect"
kill -TERM $cpid
wait $cpid
rc=$?
out=$(cat "$work/call7.out")
[ $rc -eq 0 ] || fail "exit $rc: $out"
grep -q '"event":"terminated","call_id":"[^"]*","by":"local"}' <<<"$out" ||
    fail "no local hangup after SIGTERM: $out"
grep -q '"op":"message"' <<<"$out" && fail "a step ran after SIGTERM: $out"
wait_line s '"state":"disconnected"' || fail "listen did not see the BYE"
grep -q '"event":"message"' "$work/s.out" && fail "listen got the message"
[ $fails -eq $f0 ] && ok
stop_listen s

WHAT="call: a peer gone mid-call ends the session (Unreachable), with no bye line claiming a hangup"
f0=$fails
start_listen v
"$PARLEY" call "sip:v@127.0.0.1:$v_PORT" --wait 1 --message "to nobody" \
    >"$work/call8.out" 2>"$work/call8.err" &
cpid=$!
wait_line v '"state":"connected"' || fail "the call did not connect"
kill -KILL "$v_PID" # no BYE: the process vanishes
wait "$v_PID" 2>/dev/null
wait $cpid
rc=$?
out=$(cat "$work/call8.out")
[ $rc -ne 0 ] || fail "exit 0 though the message failed: $out"
grep -q '"state":"disconnected","previous":"connected","reason":"Unreachable"' <<<"$out" ||
    fail "no Unreachable end: $out"
grep -q '"op":"bye"' <<<"$out" && fail "a bye line though no BYE was answered: $out"
tail -n 1 <<<"$out" | grep -q '"op":"message".*"ok":false' || fail "last line: $out"
[ $fails -eq $f0 ] && ok

WHAT="listen's refer command: refer_progress lines"
f0=$fails
# a call refers t (it accepts REFERs) to l: t calls l; then l, from its standard input, refers t
# to c2: t calls c2 and l sees the progress
start_listen c2
start_listen l
out=$(timeout 60 "$PARLEY" call "sip:t@127.0.0.1:$t_PORT" --refer "sip:l@127.0.0.1:$l_PORT" \
    2>"$work/call5.err")
[ $? -eq 0 ] || fail "the first transfer: $out"
wait_line l '"state":"connected"' || fail "t's call did not reach l"
say l "refer sip:c2@127.0.0.1:$c2_PORT"
wait_line l '"event":"refer_progress","call_id":"[^"]*","status":200,"final":true}' ||
    fail "no final progress line in: $(cat "$work/l.out")"
grep -q '"event":"refer_progress","call_id":"[^"]*","status":100,"final":false}' "$work/l.out" ||
    fail "no 100 progress line"
grep -q '"event":"message","call_id":"[^"]*","type":"NOTIFY"' "$work/l.out" &&
    fail "the NOTIFYs came out as messages"
wait_line c2 '"event":"incoming"' || fail "c2 got no call"
[ $fails -eq $f0 ] && ok
stop_listen l
stop_listen c2
stop_listen t

# ---- 4: a transport in the URI: Via and Contact name that transport's listener ----
WHAT="transport=tcp in the URI (with and without a UDP --bind): Via, Contact, no parameter twice, BYE back over TCP; send likewise"
f0=$fails
mkfifo "$work/u.in"
"$PARLEY" listen --bind udp:127.0.0.1:0 --bind tcp:127.0.0.1:0 --trace <"$work/u.in" \
    >"$work/u.out" 2>"$work/u.err" &
upid=$!
PIDS="$PIDS $upid"
exec {ufd}>"$work/u.in"
u_IN=$ufd
for _ in $(seq 100); do
    line=$(head -n 1 "$work/u.out" 2>/dev/null)
    [ -n "$line" ] && break
    pause 0.05
done
tport=${line##*tcp:127.0.0.1:}
tport=${tport%%\"*}
# twice: without --bind, and with a UDP --bind (the TCP listener then opens on its host)
for bindopt in "" "--bind udp:127.0.0.1:0"; do
    ustart=$(wc -l <"$work/u.err")
    before=$(grep -c '"state":"connected"' "$work/u.out")
    # shellcheck disable=SC2086
    (timeout 30 "$PARLEY" call "sip:u@127.0.0.1:$tport;transport=tcp" --transport tcp --wait 10 \
        $bindopt --trace >"$work/call6.out" 2>"$work/call6.err") &
    cpid=$!
    PIDS="$PIDS $cpid"
    for _ in $(seq 200); do
        [ "$(grep -c '"state":"connected"' "$work/u.out")" -gt "$before" ] && break
        pause 0.05
    done
    [ "$(grep -c '"state":"connected"' "$work/u.out")" -gt "$before" ] || fail "no call ($bindopt)"
    say u bye
    wait "$cpid"
    rc=$?
    [ $rc -eq 0 ] || fail "call exit $rc ($bindopt)"
    inv=$(awk '/^INVITE /{print; exit}' "$work/call6.err")
    case "$inv" in *transport=tcp*transport=tcp*) fail "a parameter twice: $inv" ;; esac
    via=$(awk '/^INVITE /{f=1} f && /^Via:/{print; exit}' "$work/call6.err")
    case "$via" in *"SIP/2.0/TCP "*) ;; *) fail "Via ($bindopt): $via" ;; esac
    contact=$(awk '/^INVITE /{f=1} f && /^Contact:/{print; exit}' "$work/call6.err")
    case "$contact" in *transport=tcp*) ;; *) fail "Contact ($bindopt): $contact" ;; esac
    byehdr=$(tail -n +$((ustart + 1)) "$work/u.err" |
        awk '/^--- /{hdr=$0; next} /^BYE /{if (hdr ~ / sent /) {print hdr; exit}}')
    case "$byehdr" in *" sent TCP "*) ;; *) fail "listen's BYE went ($bindopt): $byehdr" ;; esac
done
# parley send likewise: over TCP, the transport once, its Via naming TCP
for bindopt in "" "--bind udp:127.0.0.1:0"; do
    # shellcheck disable=SC2086
    out=$(timeout 30 "$PARLEY" send "sip:u@127.0.0.1:$tport;transport=tcp" hi $bindopt --trace \
        2>"$work/send.err")
    [ "$out" = "SIP/2.0 200 OK" ] || fail "send ($bindopt): $out"
    req=$(awk '/^MESSAGE /{print; exit}' "$work/send.err")
    case "$req" in *transport=tcp*transport=tcp*) fail "send: a parameter twice: $req" ;; esac
    via=$(awk '/^MESSAGE /{f=1} f && /^Via:/{print; exit}' "$work/send.err")
    case "$via" in *"SIP/2.0/TCP "*) ;; *) fail "send's Via ($bindopt): $via" ;; esac
    grep -q '^--- .* sent TCP ' "$work/send.err" || fail "send ($bindopt) did not use TCP"
done
[ $fails -eq $f0 ] && ok
kill -TERM "$upid" 2>/dev/null
wait "$upid" 2>/dev/null

# ---- 5: listen hangs up on a message while the call is about to: exit 0, no 481 ----
# Between two processes the BYEs seldom cross (listen's usually arrives first); BYEs that do
# cross, both directions, are played by SIPp in tests/interop/test_sipp_session.sh (byecross).
WHAT="listen hangs up on a message: parley call exits 0, no 481"
f0=$fails
start_listen y
for i in 1 2 3; do
    before=$(grep -c '"event":"message"' "$work/y.out")
    (timeout 30 "$PARLEY" call "sip:y@127.0.0.1:$y_PORT" --message "m$i" --wait 0.2 --trace \
        >"$work/call7.out" 2>"$work/call7.err") &
    cpid=$!
    PIDS="$PIDS $cpid"
    for _ in $(seq 200); do
        [ "$(grep -c '"event":"message"' "$work/y.out")" -gt "$before" ] && break
        pause 0.01
    done
    say y bye # while parley call hangs up after its --wait
    wait "$cpid"
    rc=$?
    [ $rc -eq 0 ] || fail "round $i: call exit $rc: $(tail -n 2 "$work/call7.out")"
    grep -q '^SIP/2.0 481' "$work/call7.err" && fail "round $i: a 481 on the wire"
done
[ $fails -eq $f0 ] && ok
stop_listen y

# ---- 6: SIGTERM to listen hangs up its sessions: the caller gets the BYE at once ----
WHAT="SIGTERM to listen: BYE to the caller, which exits 0 long before its --wait"
f0=$fails
start_listen z
(timeout 30 "$PARLEY" call "sip:z@127.0.0.1:$z_PORT" --wait 20 >"$work/call8.out" \
    2>"$work/call8.err") &
cpid=$!
PIDS="$PIDS $cpid"
wait_line z '"state":"connected"' || fail "no call"
t0=$(date +%s)
stop_listen z
wait "$cpid"
rc=$?
t1=$(date +%s)
[ $rc -eq 0 ] || fail "call exit $rc: $(tail -n 2 "$work/call8.out")"
[ $((t1 - t0)) -lt 10 ] || fail "the call ended $((t1 - t0)) s after listen's SIGTERM"
grep -q '"event":"terminated","call_id":"[^"]*","by":"BYE"}' "$work/call8.out" ||
    fail "the caller saw no BYE: $(cat "$work/call8.out")"
grep -q '"event":"terminated","call_id":"[^"]*","by":"local"}' "$work/z.out" ||
    fail "listen: no terminated line by local"
[ $fails -eq $f0 ] && ok

# ---- 7: a sips: target and no TLS listener of ours: the connection is named, and reused ----
WHAT="sips: target without a TLS listener: Via and sips Contact name the connection, listen's BYE comes back on it"
f0=$fails
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 ||
    fail "openssl could not make a certificate"
mkfifo "$work/tls.in"
"$PARLEY" listen --bind tls:127.0.0.1:0 --cert "$work/cert.pem" --key "$work/key.pem" \
    <"$work/tls.in" >"$work/tls.out" 2>"$work/tls.err" &
tpid=$!
PIDS="$PIDS $tpid"
exec {tfd}>"$work/tls.in"
tls_IN=$tfd
for _ in $(seq 100); do
    line=$(head -n 1 "$work/tls.out" 2>/dev/null)
    [ -n "$line" ] && break
    pause 0.05
done
tlsport=${line##*tls:127.0.0.1:}
tlsport=${tlsport%%\"*}
(timeout 30 "$PARLEY" call "sips:t@127.0.0.1:$tlsport" --ca "$work/cert.pem" --wait 10 --trace \
    >"$work/call9.out" 2>"$work/call9.err") &
cpid=$!
PIDS="$PIDS $cpid"
wait_line tls '"state":"connected"' || fail "no call"
# a re-INVITE from listen: the caller's 200 must keep naming the connection (a sips Contact),
# or listen's next requests go to a UDP port it cannot reach ("not supported")
say tls reinvite
wait_line tls '"op":"reinvite","call_id":"[^"]*","status":200' ||
    fail "listen's re-INVITE: $(grep '"op":"reinvite"' "$work/tls.out")"
say tls "message after the re-INVITE"
wait_line tls '"op":"message","call_id":"[^"]*","status":200' ||
    fail "listen's MESSAGE after the re-INVITE: $(grep '"op":"message"' "$work/tls.out")"
say tls bye
wait "$cpid"
rc=$?
[ $rc -eq 0 ] || fail "call exit $rc: $(tail -n 2 "$work/call9.err")"
via=$(awk '/^INVITE /{f=1} f && /^Via:/{print; exit}' "$work/call9.err")
contact=$(awk '/^INVITE /{f=1} f && /^Contact:/{print; exit}' "$work/call9.err")
vport=$(sed -n 's/^Via: SIP\/2.0\/TLS 127.0.0.1:\([0-9]*\);.*/\1/p' <<<"$via")
[ -n "$vport" ] || fail "Via: $via"
case "$contact" in *"<sips:"*"127.0.0.1:$vport;transport=tls>"*) ;; *) fail "Contact: $contact (Via port $vport)" ;; esac
# the ACK (built apart from other requests) names the same connection in its Via
ackvia=$(awk '/^ACK /{f=1} f && /^Via:/{print; exit}' "$work/call9.err")
case "$ackvia" in "Via: SIP/2.0/TLS 127.0.0.1:$vport;"*) ;; *) fail "ACK $ackvia (INVITE's Via port $vport)" ;; esac
# the caller's 200 to listen's re-INVITE: Contact sips, the connection
okcontact=$(awk 'function done() { if (ok && inv) print c; ok = 0; inv = 0; c = "" }
    /^--- /{done(); sent = ($0 ~ / sent /); next}
    sent && /^SIP\/2.0 200 /{ok = 1} /^CSeq: [0-9]+ INVITE/{inv = 1} /^Contact:/{c = $0}
    END{done()}' "$work/call9.err")
case "$okcontact" in *"<sips:"*"127.0.0.1:$vport;transport=tls>"*) ;; *) fail "200 to the re-INVITE: $okcontact (Via port $vport)" ;; esac
grep -q '"event":"terminated","call_id":"[^"]*","by":"BYE"}' "$work/call9.out" ||
    fail "the caller saw no BYE: $(cat "$work/call9.out")"
grep -q '"op":"bye","call_id":"[^"]*","status":200' "$work/tls.out" ||
    fail "listen's BYE: $(grep '"op":"bye"' "$work/tls.out")"
[ $fails -eq $f0 ] && ok
kill -TERM "$tpid" 2>/dev/null
wait "$tpid" 2>/dev/null

# ---- 8: listen --max-transactions: past it a new request gets 503 with Retry-After ----
WHAT="listen --max-transactions 2: the third MESSAGE within 32 s gets 503; a bad value is refused"
f0=$fails
"$PARLEY" listen --max-transactions 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--max-transactions 0 accepted"
start_listen m --max-transactions 2
for want in "SIP/2.0 200 OK" "SIP/2.0 200 OK" "SIP/2.0 503 Service Unavailable"; do
    out=$(timeout 30 "$PARLEY" send "sip:m@127.0.0.1:$m_PORT" hi 2>/dev/null)
    [ "$out" = "$want" ] || fail "got '$out', wanted '$want'"
done
[ $fails -eq $f0 ] && ok
stop_listen m

# ---- 9: parley call --hold --resume: re-offers sendonly, then sendrecv again ----
WHAT="call --hold --resume: listen sees the call held, then resumed, and answers recvonly; media lines"
f0=$fails
"$PARLEY" call sip:x@127.0.0.1:1 --hold --sdp /dev/null >/dev/null 2>&1
[ $? -eq 2 ] || fail "--hold with --sdp accepted"
start_listen h
timeout 30 "$PARLEY" call "sip:h@127.0.0.1:$h_PORT" --hold --resume --trace \
    >"$work/call10.out" 2>"$work/call10.err"
rc=$?
[ $rc -eq 0 ] || fail "call exit $rc: $(tail -n 2 "$work/call10.err")"
for op in hold resume; do
    grep -q '"op":"'$op'","call_id":"[^"]*","status":200' "$work/call10.out" ||
        fail "no 200 result for $op: $(cat "$work/call10.out")"
done
wait_line h '"held":false' || fail "listen saw no resume"
held=$(grep -o '"held":[a-z]*' "$work/h.out" | tr '\n' ' ')
[ "$held" = '"held":true "held":false ' ] || fail "listen's reinvite lines say $held"
# the direction attribute of each SDP in the trace, in order: the offer, the answer, hold (ours
# sendonly, listen's recvonly), resume (none: sendrecv)
dirs=$(awk '{sub(/\r$/, "")} /^--- /{if (sdp) print d; sdp=0; d="sendrecv"} /^v=0/{sdp=1}
    /^a=(sendonly|recvonly|inactive|sendrecv)/{d=substr($0, 3)} END{if (sdp) print d}' \
    "$work/call10.err" | tr '\n' ' ')
[ "$dirs" = "sendrecv sendrecv sendonly recvonly sendrecv sendrecv " ] ||
    fail "the SDP directions on the wire: $dirs"
# each side's media lines: one per exchange, the direction seen from that side
media_dirs() { grep '"event":"media"' "$1" | sed 's/.*"dir":"\([a-z]*\)".*/\1/' | tr '\n' ' '; }
[ "$(media_dirs "$work/call10.out")" = "sendrecv sendonly sendrecv " ] ||
    fail "call's media lines say $(media_dirs "$work/call10.out")"
[ "$(media_dirs "$work/h.out")" = "sendrecv recvonly sendrecv " ] ||
    fail "listen's media lines say $(media_dirs "$work/h.out")"
grep -q '"event":"media","call_id":"[^"]*","streams":\[{"media":"audio","dir":"sendrecv","remote_addr":"127.0.0.1","remote_port":[0-9]*,"codecs":\["PCMU/8000","PCMA/8000","telephone-event/8000"\]}\]}' \
    "$work/call10.out" || fail "call's first media line: $(grep -m 1 '"media"' "$work/call10.out")"
[ $fails -eq $f0 ] && ok
stop_listen h

# ---- 10: --header goes on the requests the library sends by itself too (the PRACK) ----
WHAT="call --header: on every request, the PRACK of listen --answer early:0's reliable 183 too"
f0=$fails
start_listen p --answer early:0
timeout 30 "$PARLEY" call "sip:p@127.0.0.1:$p_PORT" --header "X-Case: 42" --hangup-after 0.1 \
    --trace >"$work/call11.out" 2>"$work/call11.err"
rc=$?
[ $rc -eq 0 ] || fail "call exit $rc: $(tail -n 2 "$work/call11.err")"
# the requests the call sent, each with whether it carried X-Case: "INVITE:1 PRACK:1 ..."
sent=$(awk '{sub(/\r$/, "")} /^--- /{if (m != "") print m ":" x; m=""; x=0; out=($3 == "sent")}
    out && m == "" && /^[A-Z]+ sip/{m=$1} out && /^X-Case: 42$/{x=1}
    END{if (m != "") print m ":" x}' "$work/call11.err" | tr '\n' ' ')
[ "$sent" = "INVITE:1 PRACK:1 ACK:1 BYE:1 " ] || fail "the call's requests and X-Case: $sent"
[ $fails -eq $f0 ] && ok
stop_listen p

[ $fails -eq 0 ] || exit 1
echo "all session CLI checks passed"
