#!/bin/bash
# The deployment options from outside (no proxy needed; tests/interop/test_kamailio_proxy.sh
# runs them against Kamailio, test_sipp_auth.sh runs --require-auth against SIPp): option
# errors exit 2; parley listen --require-auth challenges a MESSAGE (401, exit 1), takes
# --password (200, exit 0) and refuses a wrong one (exit 1), and never prints the credentials;
# --registrar at something that is no registrar prints a "failed" registration line with the
# status and exits 1.
set -u
PARLEY=$1
tmp=$(mktemp -d /tmp/parley-deploy-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

# ---- option errors: usage, exit 2 ----
expect_usage() { # args...
    timeout 10 "$PARLEY" "$@" >/dev/null 2>"$tmp/usage.err" </dev/null
    rc=$?
    [ $rc -eq 2 ] || fail "parley $*: exit $rc (want 2)"
}
expect_usage listen --realm example.com
expect_usage listen --auth-algorithms MD5
expect_usage listen --require-auth x --auth-algorithms SHA-1
expect_usage listen --require-auth x --auth-algorithms ""
expect_usage call sip:bob@127.0.0.1 --auth-algorithms MD5
expect_usage listen --expires 60
expect_usage listen --registrar sip:127.0.0.1 --expires 0
for bad in foo "urn:" "urn:a b" 'urn:"x"' "urn:<x>"; do
    expect_usage listen --registrar sip:127.0.0.1 --instance "$bad"
    grep -q "bad --instance" "$tmp/usage.err" || fail "--instance '$bad': $(cat "$tmp/usage.err")"
done
expect_usage listen --registrar
# mutual TLS: the client certificate and its key go together; --verify-client needs --cert
for c in send call listen; do
    args=(sip:bob@127.0.0.1 hi)
    [ $c = call ] && args=(sip:bob@127.0.0.1)
    [ $c = listen ] && args=()
    expect_usage $c "${args[@]}" --client-cert /dev/null
    grep -q -- "--client-cert and --client-key go together" "$tmp/usage.err" ||
        fail "$c --client-cert alone: $(cat "$tmp/usage.err")"
    expect_usage $c "${args[@]}" --client-key /dev/null
done
expect_usage listen --verify-client
grep -q -- "--verify-client needs --cert and --key" "$tmp/usage.err" ||
    fail "listen --verify-client: $(cat "$tmp/usage.err")"
expect_usage send sip:bob@127.0.0.1 hi --verify-client
expect_usage send sip:bob@127.0.0.1 hi --auth-user bob
expect_usage send sip:bob@127.0.0.1 hi --registrar sip:127.0.0.1
expect_usage call sip:bob@127.0.0.1 --password ""
expect_usage call sip:bob@127.0.0.1 --require-auth x
timeout 10 "$PARLEY" send sip:bob@127.0.0.1 hi --proxy "tel:+123" >/dev/null 2>&1
[ $? -eq 2 ] || fail "send --proxy tel:...: not refused"

# ---- a listener that challenges ----
start_listen() { # args...
    # the files exist before tail follows them (the background job's redirections may come later)
    : >"$tmp/listen.out"
    : >"$tmp/listen.err"
    "$PARLEY" listen "$@" </dev/null >"$tmp/listen.out" 2>"$tmp/listen.err" &
    pid=$!
    # bounded wait for the first line
    grep -q -m1 '"event":"listening"' < <(timeout 10 tail -n +1 -f "$tmp/listen.out") ||
        fail "listen did not start: $(cat "$tmp/listen.err")"
}
addr_of() { sed -n 's/.*"addresses":\["udp:\([^"]*\)".*/\1/p' "$tmp/listen.out"; }

start_listen --bind udp:127.0.0.1:0 --require-auth s3cret --realm test.example
hp=$(addr_of)
[ -n "$hp" ] || fail "no address in $(cat "$tmp/listen.out")"
out=$(timeout 30 "$PARLEY" send "sip:bob@$hp" hello)
rc=$?
[ $rc -eq 1 ] && [ "$out" = "SIP/2.0 401 Unauthorized" ] || fail "no credentials: exit $rc, '$out'"
out=$(timeout 30 "$PARLEY" send "sip:bob@$hp" hello --auth-user anyone --password s3cret)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "SIP/2.0 200 OK" ] || fail "right password: exit $rc, '$out'"
out=$(timeout 30 "$PARLEY" send "sip:bob@$hp" hello --password wrong)
rc=$?
[ $rc -eq 1 ] && [ "$out" = "SIP/2.0 401 Unauthorized" ] || fail "wrong password: exit $rc, '$out'"
timeout 30 "$PARLEY" call "sip:bob@$hp" --password s3cret --hangup-after 1 --quiet \
    >"$tmp/call.out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "call with the password: exit $rc: $(cat "$tmp/call.out")"
# the credentials are the stack's business: never among the application's headers
grep -q '"event":"message".*"body":"hello","headers":{}}$' "$tmp/listen.out" ||
    fail "message line: $(grep '"event":"message"' "$tmp/listen.out")"
grep -q '"event":"incoming".*"headers":{}}$' "$tmp/listen.out" ||
    fail "incoming line: $(grep '"event":"incoming"' "$tmp/listen.out")"
! grep -q -i 'authorization' "$tmp/listen.out" || fail "credentials printed: $(cat "$tmp/listen.out")"
timeout 30 "$PARLEY" call "sip:bob@$hp" --hangup-after 1 >"$tmp/call.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '"op":"call".*"status":401' "$tmp/call.out" ||
    fail "call without the password: exit $rc: $(cat "$tmp/call.out")"

# ---- registering at something that is no registrar (a parley listen answers 405) ----
timeout 30 "$PARLEY" listen --bind udp:127.0.0.1:0 --user carol --registrar "sip:$hp" \
    </dev/null >"$tmp/reg.out" 2>"$tmp/reg.err"
rc=$?
kill "$pid"
wait "$pid"
pid=
[ $rc -eq 1 ] || fail "registration refused: exit $rc: $(cat "$tmp/reg.out" "$tmp/reg.err")"
host=${hp%:*}
grep -qxF "{\"event\":\"registration\",\"state\":\"failed\",\"status\":405,\"aor\":\"sip:carol@$host\",\"contact\":\"$(sed -n 's/.*"addresses":\["udp:\([^"]*\)".*/sip:carol@\1/p' "$tmp/reg.out")\",\"error\":\"PARLEY_E_FAILURE_RESPONSE\"}" \
    "$tmp/reg.out" || fail "registration line: $(cat "$tmp/reg.out")"

# ---- a registrar that never answers: the second SIGTERM/SIGINT ends listen at once ----
# (the first hangs up and waits for the pending REGISTER's end, up to 32 s; RFC 3261 §10.2
# allows no new REGISTER before it)
mkfifo "$tmp/silent.fifo" "$tmp/listen.fifo"
timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    s.recv(65535)
' >"$tmp/silent.fifo" &
silent=$!
exec 4<"$tmp/silent.fifo"
read -r -t 10 -u 4 sport || fail "the silent registrar did not start"
timeout 30 "$PARLEY" listen --bind udp:127.0.0.1:0 --user dave --registrar "sip:127.0.0.1:$sport" \
    </dev/null >"$tmp/listen.fifo" 2>"$tmp/silent.err" &
pid=$!
exec 5<"$tmp/listen.fifo"
read -r -t 10 -u 5 line || fail "listen did not start: $(cat "$tmp/silent.err")"
case "$line" in *'"event":"listening"'*) ;; *) fail "first line: $line" ;; esac
kill -TERM "$pid"
kill -INT "$pid"
start=$SECONDS
wait "$pid"
rc=$?
pid=
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null
[ $((SECONDS - start)) -le 5 ] || fail "listen took $((SECONDS - start)) s after the second signal"
[ $rc -ne 124 ] || fail "listen did not end"
echo "ok - deployment options: usage errors, --require-auth and --password, a failed registration, a second signal"
