#!/usr/bin/env bash
# --pcap FILE on listen, call and send (demo: test_ladder.sh) writes every SIP message sent and
# received, and tshark (Debian tshark) dissects each as SIP: over UDP, TCP and TLS (as the
# plaintext, on TCP segments), IPv4 and IPv6, and a MESSAGE near the 64 KiB limit, which the
# capture splits into two TCP segments. For each
# capture: the SIP requests (by method) and responses (by status
# and CSeq method) tshark finds are exactly those the command's --trace shows, tshark's expert
# reports nothing malformed, and TCP streams have no missing or unseen segments.
# Usage: test_pcap.sh PATH_TO_PARLEY
set -u
PARLEY=${1:?usage: test_pcap.sh PATH_TO_PARLEY}
export PARLEY_SOURCE_DIR=${PARLEY_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.sh"
need tshark tshark
need openssl openssl

work=$(mktemp -d /tmp/parley-pcap-XXXXXX)
LPID=
failures=0
cleanup() {
    [ -n "$LPID" ] && kill -KILL "$LPID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# a certificate for the TLS listener, naming 127.0.0.1 (the calls verify it with --ca)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" \
    -out "$work/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"

port=$(free_ports 2) || exit 1
tls_port=$((port + 1))
start_listen "$work/listen.json" --bind "udp:127.0.0.1:$port" --bind "tcp:127.0.0.1:$port" \
    --bind "udp:[::1]:$port" --bind "tcp:[::1]:$port" --bind "tls:127.0.0.1:$tls_port" \
    --cert "$work/cert.pem" --key "$work/key.pem" --answer auto \
    --pcap "$work/listen.pcap" --trace

# call NAME ARGS...: parley call with --pcap and --trace; must exit 0
call() {
    local name=$1
    shift
    timeout 60 "$PARLEY" call "$@" --pcap "$work/$name.pcap" --trace >"$work/$name.json" \
        2>"$work/$name.trace"
    local rc=$?
    [ $rc -eq 0 ] || fail "$name: parley call exited $rc: $(tail -3 "$work/$name.json")"
}

# send NAME ARGS...: parley send with --pcap and --trace; must print 200 OK
send() {
    local name=$1
    shift
    timeout 60 "$PARLEY" send "$@" --pcap "$work/$name.pcap" --trace >"$work/$name.out" \
        2>"$work/$name.trace"
    local rc=$?
    [ $rc -eq 0 ] || fail "$name: parley send exited $rc: $(cat "$work/$name.out")"
}

steps=(--header "X-Case: pcap" --message hello --info ping --reinvite)
call call_udp "sip:bob@127.0.0.1:$port" "${steps[@]}"
call call_tcp "sip:bob@127.0.0.1:$port" --transport tcp "${steps[@]}"
call call_udp6 "sip:bob@[::1]:$port" "${steps[@]}"
call call_tcp6 "sip:bob@[::1]:$port" --transport tcp "${steps[@]}"
call call_tls "sip:bob@127.0.0.1:$tls_port" --transport tls --ca "$work/cert.pem" "${steps[@]}"
send send_udp "sip:bob@127.0.0.1:$port" "hello over UDP"
send send_tcp "sip:bob@127.0.0.1:$port" "hello over TCP" --transport tcp
send send_tcp6 "sip:bob@[::1]:$port" "hello over TCP and IPv6" --transport tcp
send send_tls "sip:bob@127.0.0.1:$tls_port" "hello over TLS" --transport tls --ca "$work/cert.pem"
# a 65 100-byte body: the message (about 65 500 bytes, under parley's 65 536 limit) does not
# fit one IPv4 packet's TCP payload: two segments, which tshark must reassemble
big=$(head -c 65100 /dev/zero | tr '\0' 'x')
send send_big "sip:bob@127.0.0.1:$port" "$big" --transport tcp
stop_listen

for name in call_udp call_tcp call_udp6 call_tcp6 call_tls send_udp send_tcp send_tcp6 send_tls \
    send_big; do
    check_pcap "$work/$name.pcap" "$work/$name.trace" "$name"
done
check_pcap "$work/listen.pcap" "$work/listen.json.err" "listen (all of the above)"

# the transports and address families are what was asked
tcp_conns=$(tshark_q -r "$work/listen.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' | wc -l)
[ "$tcp_conns" -eq 7 ] || fail "listen.pcap: $tcp_conns TCP connections opened, expected 7"
# TLS: the plaintext SIP on the TLS port's connections, none of it taken for TLS records
tls_sip=$(tshark_q -r "$work/listen.pcap" -Y "sip && tcp.port == $tls_port" | wc -l)
[ "$tls_sip" -eq 15 ] || fail "listen.pcap: $tls_sip SIP messages on the TLS port, expected 15"
tshark_q -r "$work/listen.pcap" -Y tls | grep -q . && fail "listen.pcap: packets taken for TLS"
v6=$(tshark_q -r "$work/listen.pcap" -Y 'ipv6 && sip' | wc -l)
[ "$v6" -gt 0 ] || fail "listen.pcap: no SIP over IPv6"
segs=$(tshark_q -r "$work/send_big.pcap" -Y 'tcp.len > 0' | wc -l)
[ "$segs" -eq 3 ] || fail "send_big: $segs TCP data segments, expected 3 (2 for the MESSAGE)"
big_seen=$(tshark_q -r "$work/send_big.pcap" -Y 'sip.Method == "MESSAGE"' -T fields \
    -e sip.Content-Length)
[ "$big_seen" = 65100 ] || fail "send_big: tshark reassembled a MESSAGE of '$big_seen' bytes"
# JSON events and capture agree for the listener too: one INVITE per call, one MESSAGE per send
calls=$(grep -c '"event":"incoming"' "$work/listen.json")
invites=$(tshark_q -r "$work/listen.pcap" -Y 'sip.Method == "INVITE" && !sip.to.tag' | wc -l)
[ "$calls" -eq "$invites" ] || fail "listen: $calls incoming sessions, $invites initial INVITEs"

# an unwritable path is a usage-time error: exit 2 before any SIP is sent
"$PARLEY" send "sip:bob@127.0.0.1:$port" x --pcap /nonexistent/dir/x.pcap >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] || fail "--pcap to an unwritable path: exit $rc, want 2"
grep -q "/nonexistent/dir/x.pcap" "$work/err" || fail "--pcap error does not name the file"

# a listener bound to the wildcard address: its trace and capture show the address the
# datagrams really used (the route's source towards the peer), never 0.0.0.0
wport=$(free_ports 1) || exit 1
start_listen "$work/wild.json" --bind "udp:0.0.0.0:$wport" --pcap "$work/wild.pcap" --trace
"$PARLEY" send "sip:bob@127.0.0.1:$wport" "to the wildcard" >/dev/null 2>&1 ||
    fail "send to the wildcard listener failed"
stop_listen
grep -q "recv UDP 127.0.0.1:[0-9]* -> 127.0.0.1:$wport " "$work/wild.json.err" ||
    fail "wildcard: trace lines $(grep -- '^---' "$work/wild.json.err")"
grep -q "0\.0\.0\.0" "$work/wild.json.err" && fail "wildcard: 0.0.0.0 in the trace"
addrs=$(tshark_q -r "$work/wild.pcap" -T fields -e ip.src -e ip.dst | sort -u | tr '\n\t' '  ')
[ "$addrs" = "127.0.0.1 127.0.0.1 " ] || fail "wildcard: capture addresses '$addrs'"

[ $failures -eq 0 ] || exit 1
echo "ok - --pcap on listen, call and send: every message dissected as SIP; a wildcard bind's real address"
