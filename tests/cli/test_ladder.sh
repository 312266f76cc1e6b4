#!/usr/bin/env bash
# Call-flow ladders:
#  - `parley ladder FILE.pcap` reads a capture parley did not make: tshark records a SIPp UAC
#    calling a SIPp UAS on loopback; the text ladder has one arrow per SIP message and the HTML
#    page (-o) one arrow element per message in Chromium's DOM, as many as tshark dissects;
#  - `parley demo --pcap --ladder` and `parley call --pcap --ladder`: the page has one arrow per
#    message of the capture written alongside; the demo prints the first session's ladder; the
#    demo's capture is all SIP to tshark, nothing malformed, its Digest exchange included;
#  - the pages render in headless Chromium (Debian chromium) to a screenshot that is not blank,
#    with nothing fetched from the network;
#  - SIP over UDP in IP fragments (IPv4 out of order, IPv6; a datagram missing a fragment is not
#    drawn): as many arrows as tshark reassembles;
#  - the exit codes: 2 for a file that cannot be read or is no capture, 1 for a capture without
#    SIP (and then no page is written), 0 when it drew (standard input too).
# Usage: test_ladder.sh PATH_TO_PARLEY
set -u
PARLEY=${1:?usage: test_ladder.sh PATH_TO_PARLEY}
here=$(cd "$(dirname "$0")" && pwd)
export PARLEY_SOURCE_DIR=${PARLEY_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
. "$here/lib.sh"

work=$(mktemp -d /tmp/parley-ladder-XXXXXX)
failures=0
trap 'rm -rf "$work"' EXIT

# ---- exit codes (nothing but the binary needed) ----
# ladder_rc WANT WHAT ARGS...: parley ladder ARGS exits WANT and, unless 0, says why on stderr
ladder_rc() {
    local want=$1 what=$2
    shift 2
    "$PARLEY" ladder "$@" >"$work/rc.out" 2>"$work/rc.err" </dev/null
    local rc=$?
    [ $rc -eq "$want" ] || fail "$what: exit $rc, want $want ($(cat "$work/rc.err"))"
    [ "$want" -eq 0 ] || [ -s "$work/rc.err" ] || fail "$what: nothing on standard error"
}
ladder_rc 2 "a file that does not exist" "$work/none.pcap"
grep -q "$work/none.pcap" "$work/rc.err" || fail "the error does not name the file"
echo "INVITE sip:bob@example.com SIP/2.0" >"$work/text.pcap"
ladder_rc 2 "a text file" "$work/text.pcap"
# a classic pcap header (little-endian, LINKTYPE_RAW) and nothing else: no SIP
hdr='\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x65\x00\x00\x00'
printf "$hdr" >"$work/empty.pcap"
ladder_rc 1 "a capture without packets" "$work/empty.pcap"
# one UDP datagram 127.0.0.1:5000 -> :5001 that is not SIP
rec='\x00\x00\x00\x00\x00\x00\x00\x00\x21\x00\x00\x00\x21\x00\x00\x00'
ip='\x45\x00\x00\x21\x00\x00\x00\x00\x40\x11\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01'
udp='\x13\x88\x13\x89\x00\x0d\x00\x00hello'
printf "$hdr$rec$ip$udp" >"$work/nosip.pcap"
ladder_rc 1 "a capture without SIP" "$work/nosip.pcap"
grep -q "no SIP message" "$work/rc.err" || fail "no SIP: says '$(cat "$work/rc.err")'"
ladder_rc 1 "a capture without SIP, -o" "$work/nosip.pcap" -o "$work/nosip.html"
[ -e "$work/nosip.html" ] && fail "a page was written for a capture without SIP"
[ $failures -eq 0 ] && echo "ok - parley ladder's exit codes: 2 unreadable, 1 no SIP"

need tshark tshark
need chromium chromium
need sipp sip-tester
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to read the screenshots"

LPID= TPID= UPID=
cleanup() {
    for p in $LPID $TPID $UPID; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

# ---- SIP over UDP in IP fragments (a message larger than a 1500-byte MTU, IPv4 and IPv6) ----
python3 "$here/frag_pcap.py" "$work/frag.pcap" || die "frag_pcap.py failed"
frag_sip=$(tshark_q -r "$work/frag.pcap" -Y sip | wc -l)
[ "$frag_sip" -eq 4 ] || die "tshark reassembles $frag_sip SIP messages from frag.pcap, want 4"
"$PARLEY" ladder "$work/frag.pcap" >"$work/frag.txt" 2>"$work/err" ||
    fail "parley ladder frag.pcap exited $?: $(cat "$work/err")"
n=$(grep -cE -- '->\||\|<-' "$work/frag.txt")
[ "$n" -eq "$frag_sip" ] || fail "ladder of fragmented UDP: $n arrows for $frag_sip messages"
nmsg=$(grep -c -- "--MESSAGE" "$work/frag.txt")
[ "$nmsg" -eq 2 ] || fail "ladder of fragmented UDP: $nmsg MESSAGE arrows, want 2 (not the lost one)"
grep -q "2001:db8::1" "$work/frag.txt" || fail "ladder of fragmented UDP: no IPv6 column"
[ $failures -eq 0 ] && echo "ok - parley ladder: SIP over UDP in IPv4 and IPv6 fragments"

# ---- a SIPp run captured by tshark on loopback ----
port=$(free_ports 2) || exit 1
mkfifo "$work/tshark.out"
tshark -n -l -i lo -f "udp port $port" -w "$work/sipp.pcapng" -P >"$work/tshark.out" \
    2>"$work/tshark.err" &
TPID=$!
exec 3<"$work/tshark.out"
# mark SEQ: a datagram tshark shows as "Len=SEQ-length" (not SIP: the ladder must skip it);
# waits (bounded) until tshark has shown it, so that everything sent before is in the file
mark() {
    local text="parley-capture-mark-$1" line
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$TPID" 2>/dev/null ||
            skip "tshark cannot capture on lo here (root or the wireshark group is needed): $(
                grep -v '^Running as' "$work/tshark.err" | head -2)"
        echo -n "$text" >/dev/udp/127.0.0.1/$port
        while read -t 1 -r line <&3; do
            case "$line" in *"Len=${#text}"*) return 0 ;; esac
        done
    done
    die "tshark did not capture on lo within 10 s: $(cat "$work/tshark.err")"
}
mark start # capturing from here on
sipp -sn uas -i 127.0.0.1 -p "$port" -m 3 -nostdin >"$work/uas.out" 2>&1 </dev/null &
UPID=$!
timeout 60 sipp -sn uac -i 127.0.0.1 -p $((port + 1)) -m 3 -r 10 -nostdin -timeout 30s \
    -timeout_error "127.0.0.1:$port" >"$work/uac.out" 2>&1 </dev/null ||
    die "SIPp UAC failed: $(grep -a 'Last Error\|Failed' "$work/uac.out" | tail -2)"
timeout 30 tail --pid="$UPID" -f /dev/null # the UAS ends after its 3 calls
UPID=
mark end # the last SIPp packet is in the file
kill -INT "$TPID"
timeout 10 tail --pid="$TPID" -f /dev/null
TPID=
exec 3<&-

sip=$(tshark_q -r "$work/sipp.pcapng" -Y sip | wc -l)
calls=$(tshark_q -r "$work/sipp.pcapng" -Y sip -T fields -e sip.Call-ID | sort -u | wc -l)
[ "$sip" -ge 18 ] || die "the capture holds $sip SIP messages, expected 3 calls of 6 or more"
[ "$calls" -eq 3 ] || fail "the capture holds $calls calls, expected 3"

"$PARLEY" ladder "$work/sipp.pcapng" >"$work/sipp.txt" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] || fail "parley ladder (text) exited $rc: $(cat "$work/err")"
arrows=$(grep -cE -- '->\||\|<-|\(to itself\)' "$work/sipp.txt")
[ "$arrows" -eq "$sip" ] || fail "text ladder: $arrows arrows for $sip SIP messages"
grep -q "call 3: Call-ID" "$work/sipp.txt" || fail "text ladder: no legend for 3 calls"
invites=$(grep -c -- "--INVITE" "$work/sipp.txt")
[ "$invites" -eq 3 ] || fail "text ladder: $invites INVITE arrows, expected 3"
echo "ok - parley ladder: text of a SIPp capture ($sip messages, $calls calls)"
"$PARLEY" ladder - <"$work/sipp.pcapng" >"$work/stdin.txt" || fail "parley ladder - exited $?"
cmp -s "$work/sipp.txt" "$work/stdin.txt" || fail "parley ladder - draws another ladder"

"$PARLEY" ladder "$work/sipp.pcapng" -o "$work/sipp.html" || fail "parley ladder -o exited $?"

# ---- parley's own captures: the demo and a call over TCP ----
"$PARLEY" demo --pcap "$work/demo.pcap" --ladder "$work/demo.html" >"$work/demo.out" 2>&1 ||
    fail "parley demo exited $?: $(tail -5 "$work/demo.out")"
grep -q "The first session's call flow" "$work/demo.out" || fail "demo: no terminal ladder"
grep -q "$work/demo.html" "$work/demo.out" || fail "demo: does not print the HTML path"
demo_text=$(sed -n "/The first session's call flow/,/Call-flow diagram/p" "$work/demo.out" |
    grep -cE -- '->\||\|<-')
[ "$demo_text" -gt 5 ] || fail "demo: the terminal ladder shows $demo_text arrows"
# the demo's --pcap (issue 13: like listen, call and send's in test_pcap.sh): every packet is a
# SIP message tshark dissects, nothing malformed, the Digest exchange there as sent
frames=$(tshark_q -r "$work/demo.pcap" | wc -l)
demo_sip=$(tshark_q -r "$work/demo.pcap" -Y sip | wc -l)
[ "$demo_sip" -gt 50 ] && [ "$frames" -eq "$demo_sip" ] ||
    fail "demo.pcap: $demo_sip of $frames packets dissected as SIP"
tshark_q -r "$work/demo.pcap" -q -z expert | grep -qi malformed &&
    fail "demo.pcap: tshark finds malformed packets"
n401=$(tshark_q -r "$work/demo.pcap" -Y 'sip.Status-Code == 401 && sip.WWW-Authenticate' | wc -l)
nauth=$(tshark_q -r "$work/demo.pcap" -Y 'sip.Method == "MESSAGE" && sip.Authorization' | wc -l)
[ "$n401" -eq 3 ] && [ "$nauth" -eq 2 ] ||
    fail "demo.pcap: $n401 challenges and $nauth answers, want 3 and 2"

start_listen "$work/listen.json" --bind "udp:127.0.0.1:$port" --bind "tcp:127.0.0.1:$port" \
    --answer auto
timeout 60 "$PARLEY" call "sip:bob@127.0.0.1:$port" --transport tcp --message hi --reinvite \
    --pcap "$work/call.pcap" --ladder "$work/call.html" >"$work/call.json" 2>&1 ||
    fail "parley call exited $?: $(tail -3 "$work/call.json")"
stop_listen
# the ladder read back from parley's TCP capture has every message too
call_sip=$(tshark_q -r "$work/call.pcap" -Y sip | wc -l)
"$PARLEY" ladder "$work/call.pcap" >"$work/call.txt" || fail "parley ladder call.pcap exited $?"
n=$(grep -cE -- '->\||\|<-' "$work/call.txt")
[ "$n" -eq "$call_sip" ] || fail "ladder of a TCP capture: $n arrows for $call_sip messages"

# ---- the pages in headless Chromium ----
chrome() { # OUT_KIND OUT_FILE PAGE
    local profile
    profile=$(mktemp -d "$work/chrome-XXXXXX")
    local args=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --disable-extensions --user-data-dir="$profile" --window-size=1000,700)
    if [ "$1" = dom ]; then
        timeout 60 chromium "${args[@]}" --dump-dom "file://$3" >"$2" 2>>"$work/chrome.err"
    else
        timeout 60 chromium "${args[@]}" --screenshot="$2" "file://$3" >>"$work/chrome.err" 2>&1
    fi
}
for page in sipp:sipp.pcapng demo:demo.pcap call:call.pcap; do
    name=${page%%:*}
    pcap=$work/${page#*:}
    want=$(tshark_q -r "$pcap" -Y sip | wc -l)
    chrome dom "$work/$name.dom" "$work/$name.html" || fail "$name: chromium --dump-dom failed"
    got=$(grep -o 'class="arrow"' "$work/$name.dom" | wc -l)
    [ "$got" -eq "$want" ] || fail "$name.html: $got arrows in the DOM, $want SIP messages in $pcap"
    grep -q 'class="msg sel"' "$work/$name.dom" || fail "$name.html: the script did not run"
    chrome png "$work/$name.png" "$work/$name.html" || fail "$name: chromium --screenshot failed"
    [ -s "$work/$name.png" ] || { fail "$name: no screenshot"; continue; }
    colours=$(python3 "$here/png_check.py" "$work/$name.png") || fail "$name: unreadable PNG"
    [ "${colours:-0}" -ge 8 ] || fail "$name: the screenshot looks blank ($colours colours)"
    echo "ok - $name.html: $got arrows for $want SIP messages, rendered ($colours colours)"
done
if grep -Eqi 'ERR_(NAME|CONNECTION|INTERNET)|net::ERR' "$work/chrome.err"; then
    fail "a page tried the network: $(grep -Ei 'net::ERR' "$work/chrome.err" | head -3)"
fi

[ $failures -eq 0 ] || exit 1
echo "ok - ladders: text and HTML, from parley's captures and a SIPp capture"
