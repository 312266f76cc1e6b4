#!/bin/sh
# --insecure on send, call and listen prints one warning line on standard error; without it
# there is none, and a TLS target with an untrusted certificate fails (exit 2).
set -u
PARLEY=$1
WARN="parley: warning: TLS certificate verification is off (--insecure)"
tmp=$(mktemp -d /tmp/parley-insecure-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v openssl >/dev/null || { echo "SKIP: no openssl command"; exit 77; }

# a TCP port nobody listens on: the commands fail fast, after printing what they print first
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null) || port=1

timeout 30 "$PARLEY" send "sips:bob@127.0.0.1:$port" hi --insecure >/dev/null 2>"$tmp/send.err"
grep -qxF "$WARN" "$tmp/send.err" || fail "send --insecure: no warning: $(cat "$tmp/send.err")"
[ "$(grep -cF "$WARN" "$tmp/send.err")" -eq 1 ] || fail "send: the warning is printed once"

timeout 30 "$PARLEY" send "sips:bob@127.0.0.1:$port" hi >/dev/null 2>"$tmp/plain.err"
! grep -qF "warning" "$tmp/plain.err" || fail "send without --insecure warns"

timeout 30 "$PARLEY" call "sips:bob@127.0.0.1:$port" --insecure --hangup-after 1 --quiet \
    >/dev/null 2>"$tmp/call.err"
grep -qxF "$WARN" "$tmp/call.err" || fail "call --insecure: no warning: $(cat "$tmp/call.err")"

# listen runs until a signal: read its first line of standard error through a FIFO (bounded)
mkfifo "$tmp/err"
"$PARLEY" listen --bind udp:127.0.0.1:0 --insecure --quiet </dev/null >/dev/null 2>"$tmp/err" &
pid=$!
line=$(timeout 10 head -n 1 "$tmp/err")
[ "$line" = "$WARN" ] || fail "listen --insecure: first line '$line'"
kill "$pid"
wait "$pid"
pid=

# a listener with a self-signed certificate: refused without --insecure, accepted with it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tmp/k.pem" -out "$tmp/c.pem" >/dev/null 2>&1 || fail "openssl"
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') ||
    { echo "SKIP: no python3 to pick a port"; exit 77; }
mkfifo "$tmp/out"
"$PARLEY" listen --bind "tls:127.0.0.1:$tport" --cert "$tmp/c.pem" --key "$tmp/k.pem" \
    </dev/null >"$tmp/out" 2>/dev/null &
pid=$!
exec 3<"$tmp/out"
ready=$(timeout 10 head -n 1 <&3)
case "$ready" in *listening*) ;; *) fail "listen did not start: '$ready'" ;; esac
timeout 30 "$PARLEY" send "sips:bob@127.0.0.1:$tport" refused >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || fail "send to a self-signed server without --insecure exited $rc (want 2)"
timeout 30 "$PARLEY" send "sips:bob@127.0.0.1:$tport" accepted --insecure >"$tmp/ok.out" 2>/dev/null
rc=$?
[ $rc -eq 0 ] || fail "send --insecure exited $rc: $(cat "$tmp/ok.out")"
grep -q "200" "$tmp/ok.out" || fail "send --insecure: $(cat "$tmp/ok.out")"
exec 3<&-
echo "ok - --insecure warns on send, call and listen; verification is on without it"
