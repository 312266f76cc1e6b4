#!/bin/sh
# The `parley parse` contract: one JSON object on one line; exit 0 for a valid message, 1 for an
# invalid one, 2 for a usage or I/O error. Usage: test_parse.sh PATH_TO_PARLEY
set -u
parley=${1:?usage: test_parse.sh PATH_TO_PARLEY}
data=${PARLEY_TEST_DATA:-$(cd "$(dirname "$0")/../data" && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to check the JSON"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run NAME ARGS...: runs parley parse ARGS, keeps stdout/stderr in $tmp/NAME.{out,err}, sets rc.
run() {
    name=$1
    shift
    "$parley" parse "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}

# expect_rc NAME CODE
expect_rc() {
    [ "$rc" -eq "$2" ] || fail "$1: exit $rc, expected $2 (stderr: $(cat "$tmp/$1.err"))"
}

# expect_json NAME: stdout is exactly one line holding one valid JSON object.
expect_json() {
    lines=$(wc -l <"$tmp/$1.out")
    [ "$lines" -eq 1 ] || fail "$1: $lines lines of output, expected 1"
    python3 -c 'import json,sys
v = json.loads(sys.stdin.read())
assert isinstance(v, dict) and isinstance(v["valid"], bool)' <"$tmp/$1.out" ||
        fail "$1: output is not one JSON object: $(cat "$tmp/$1.out")"
}

# expect_exact NAME JSON
expect_exact() {
    got=$(cat "$tmp/$1.out")
    [ "$got" = "$2" ] || fail "$1: output differs
  got:  $got
  want: $2"
}

# expect_field NAME PYTHON_EXPR: the expression over the decoded object `v` is true.
expect_field() {
    python3 -c "import json,sys
v = json.loads(sys.stdin.read())
sys.exit(0 if ($2) else 1)" <"$tmp/$1.out" || fail "$1: not ($2): $(cat "$tmp/$1.out")"
}

expect_no_stdout() {
    [ ! -s "$tmp/$1.out" ] || fail "$1: unexpected output: $(cat "$tmp/$1.out")"
}

# ---- a request: the exact form of the contract ----
printf 'INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\nTo: <sip:bob@biloxi.example.com>\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.example.com>\r\nSubject: lunch\r\nContent-Type: application/sdp\r\nContent-Length: 142\r\n\r\nv=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.example.com\r\ns=Hi\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' >"$tmp/invite.sip"
run invite "$tmp/invite.sip"
expect_rc invite 0
expect_json invite
expect_exact invite '{"valid":true,"type":"request","method":"INVITE","request_uri":"sip:bob@biloxi.example.com","call_id":"a84b4c76e66710","cseq":{"number":314159,"method":"INVITE"},"from":{"display":"Alice","uri":"sip:alice@atlanta.example.com","tag":"1928301774"},"to":{"uri":"sip:bob@biloxi.example.com"},"via":[{"transport":"UDP","host":"pc33.atlanta.example.com","port":5060,"branch":"z9hG4bK776asdhds"}],"max_forwards":70,"contact":["sip:alice@pc33.atlanta.example.com"],"content_type":"application/sdp","content_length":142,"body_length":142,"header_count":10}'
[ -s "$tmp/invite.err" ] && fail "invite: unexpected stderr: $(cat "$tmp/invite.err")"

# the same from standard input, with '-'
"$parley" parse - <"$tmp/invite.sip" >"$tmp/stdin.out" 2>"$tmp/stdin.err"
rc=$?
expect_rc stdin 0
cmp -s "$tmp/stdin.out" "$tmp/invite.out" || fail "stdin: output differs from the file's"

# and as a stream: it has a Content-Length, so it is as valid
run stream --stream "$tmp/invite.sip"
expect_rc stream 0
cmp -s "$tmp/stream.out" "$tmp/invite.out" || fail "stream: output differs from the datagram's"
run stream_after "$tmp/invite.sip" --stream
expect_rc stream_after 0

# ---- a response ----
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3, SIP/2.0/TLS client.atlanta.example.com;branch=z9hG4bK2\r\nv: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK3;rport=5071\r\nTo: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\nFrom: "Alice \\"A\\" Liddell" <sip:alice@atlanta.example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContact: <sip:bob@192.0.2.4>, sip:bob@[2001:db8::4]:5062\r\nContent-Length: 0\r\n\r\n' >"$tmp/200.sip"
run ok200 "$tmp/200.sip"
expect_rc ok200 0
expect_json ok200
expect_exact ok200 '{"valid":true,"type":"response","status":200,"reason":"OK","call_id":"a84b4c76e66710","cseq":{"number":314159,"method":"INVITE"},"from":{"display":"Alice \"A\" Liddell","uri":"sip:alice@atlanta.example.com","tag":"1928301774"},"to":{"display":"Bob","uri":"sip:bob@biloxi.example.com","tag":"a6c85cf"},"via":[{"transport":"UDP","host":"server10.biloxi.example.com","port":5060,"branch":"z9hG4bKnashds8"},{"transport":"TLS","host":"client.atlanta.example.com","port":5061,"branch":"z9hG4bK2"},{"transport":"TCP","host":"[2001:db8::1]","port":5070,"branch":"z9hG4bK3"}],"contact":["sip:bob@192.0.2.4","sip:bob@[2001:db8::4]:5062"],"content_length":0,"body_length":0,"header_count":8}'

# a response without reason phrase, Contact '*', no Content-Length
printf 'SIP/2.0 100\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContact: *\r\n\r\nrest' >"$tmp/100.sip"
run trying "$tmp/100.sip"
expect_rc trying 0
expect_exact trying '{"valid":true,"type":"response","status":100,"reason":"","call_id":"c","cseq":{"number":1,"method":"REGISTER"},"from":{"uri":"sip:a@h"},"to":{"uri":"sip:b@h"},"via":[{"transport":"UDP","host":"h","port":5060}],"contact":["*"],"body_length":4,"header_count":6}'

# ---- invalid messages: exit 1, {"valid":false,"error":...,"offset":...} and what was read ----
printf 'OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1\r\nCSeq: x OPTIONS\r\n\r\n' >"$tmp/badcseq.sip"
run badcseq "$tmp/badcseq.sip"
expect_rc badcseq 1
expect_json badcseq
expect_exact badcseq '{"valid":false,"error":"CSeq: missing sequence number","offset":118,"type":"request","method":"OPTIONS","request_uri":"sip:b@h","call_id":"c1","from":{"uri":"sip:a@h","tag":"1"},"to":{"uri":"sip:b@h"},"via":[{"transport":"UDP","host":"h","port":5060,"branch":"z9hG4bK1"}],"body_length":0,"header_count":5}'
[ -s "$tmp/badcseq.err" ] && fail "badcseq: an invalid message is no error: $(cat "$tmp/badcseq.err")"

# unusable: no Call-ID (no offset)
printf 'BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n' >"$tmp/nocallid.sip"
run nocallid "$tmp/nocallid.sip"
expect_rc nocallid 1
expect_exact nocallid '{"valid":false,"error":"Call-ID: missing mandatory header field","offset":-1,"type":"request","method":"BYE","request_uri":"sip:b@h","cseq":{"number":2,"method":"BYE"},"from":{"uri":"sip:a@h","tag":"1"},"to":{"uri":"sip:b@h","tag":"2"},"via":[{"transport":"UDP","host":"h","port":5060}],"content_length":0,"body_length":0,"header_count":5}'

# a stream without Content-Length
printf 'BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n' >"$tmp/nocl.sip"
run nocl_dgram "$tmp/nocl.sip"
expect_rc nocl_dgram 0
run nocl_stream --stream "$tmp/nocl.sip"
expect_rc nocl_stream 1
expect_json nocl_stream
expect_field nocl_stream 'v["error"] == "Content-Length: required on a stream" and v["offset"] == -1'

# unsupported version: 505 material
printf 'OPTIONS sip:b@h SIP/3.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n' >"$tmp/v3.sip"
run v3 "$tmp/v3.sip"
expect_rc v3 1
expect_field v3 'v["error"] == "SIP-Version: unsupported SIP version" and v["offset"] == 16'

# nothing readable
: >"$tmp/empty.sip"
run empty "$tmp/empty.sip"
expect_rc empty 1
expect_exact empty '{"valid":false,"error":"message: no complete start line","offset":0}'
printf 'garbage without a line end' >"$tmp/garbage.sip"
run garbage "$tmp/garbage.sip"
expect_rc garbage 1
expect_json garbage
expect_field garbage 'v["offset"] == 26'
python3 -c 'import sys; sys.stdout.write("x" * 70000)' >"$tmp/huge.sip"
run huge "$tmp/huge.sip"
expect_rc huge 1
expect_exact huge '{"valid":false,"error":"message: message too large","offset":-1}'
python3 -c 'import sys; sys.stdout.write("x" * 3000000)' 2>/dev/null | "$parley" parse - >"$tmp/hugein.out" 2>"$tmp/hugein.err"
rc=$?
expect_rc hugein 1
expect_exact hugein '{"valid":false,"error":"message: message too large","offset":-1}'

# ---- any byte in a value is escaped: the output stays valid JSON ----
printf 'SIP/2.0 404 N\001t \377F\303\274nd "q" \\ \t\r\nVia: SIP/2.0/UDP h\r\nFrom: "\303\251\377\\\001" <sip:a@h>;tag=\177x\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n' >"$tmp/binary.sip"
run binary "$tmp/binary.sip"
expect_json binary
expect_field binary 'v["reason"] == "N\x01t \xffF\xfcnd \"q\" \\ \t"'
expect_rc binary 1  # the tag holds a DEL: no token, so the From is malformed
expect_field binary 'v["error"].startswith("From: ")'
# a NUL may only be the escaped octet of a quoted-pair (RFC 3261 §25.1): one in the display name
printf 'SIP/2.0 404 N\001t \377F\303\274nd "q" \\ \t\r\nVia: SIP/2.0/UDP h\r\nFrom: "\303\251\377\\\000\\\001" <sip:a@h>;tag=x\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n' >"$tmp/binary2.sip"
run binary2 "$tmp/binary2.sip"
expect_rc binary2 0
expect_json binary2
expect_field binary2 'v["from"]["display"] == "\xe9\xff\x00\x01"'
grep -q '\\u0001' "$tmp/binary2.out" || fail "binary2: control character not written as \\u0001"
grep -q '\\u0000' "$tmp/binary2.out" || fail "binary2: NUL not written as \\u0000"

# ---- usage and I/O errors: exit 2, nothing on stdout ----
run noargs
expect_rc noargs 2
expect_no_stdout noargs
grep -q 'usage' "$tmp/noargs.err" || fail "noargs: no usage message"
run badopt --bogus "$tmp/invite.sip"
expect_rc badopt 2
expect_no_stdout badopt
run badopt2 "$tmp/invite.sip" -x
expect_rc badopt2 2
expect_no_stdout badopt2
run twofiles "$tmp/invite.sip" "$tmp/200.sip"
expect_rc twofiles 2
expect_no_stdout twofiles
run missing "$tmp/does-not-exist.sip"
expect_rc missing 2
expect_no_stdout missing
grep -q 'does-not-exist.sip' "$tmp/missing.err" || fail "missing: stderr does not name the file"
run directory "$tmp"
expect_rc directory 2
expect_no_stdout directory
"$parley" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "no command: exit $rc, expected 2"
"$parley" no-such-command >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "unknown command: exit $rc, expected 2"
"$parley" --help >"$tmp/help.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "--help: exit $rc, expected 0"
grep -q 'parse' "$tmp/help.out" || fail "--help does not list parse"

# ---- every message of the test data is valid ----
count=0
for f in "$data"/msg/*.sip; do
    [ -e "$f" ] || continue
    count=$((count + 1))
    base=$(basename "$f" .sip)
    run "data-$base" "$f"
    expect_rc "data-$base" 0
    expect_json "data-$base"
    expect_field "data-$base" 'v["valid"] is True and "call_id" in v and "cseq" in v'
    run "datas-$base" --stream "$f"
    expect_rc "datas-$base" 0
done
[ "$count" -ge 12 ] || fail "only $count messages found in $data/msg"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "cli parse: all passed"
