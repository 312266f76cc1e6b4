#!/usr/bin/env bash
# Digest authentication of incoming requests against SIPp's own client ([authentication], MD5
# with qop=auth), issue 9: `parley listen --require-auth SECRET --auth-algorithms MD5` (SIPp
# knows only MD5 and reads only the first challenge, so the default SHA-256-first list would
# stop it):
#  - a MESSAGE over UDP and TCP: 401, SIPp's credentials, 200; the application sees it once,
#    without the credentials among its headers;
#  - a wrong password: a fresh 401, never 200, nothing delivered;
#  - an INVITE: 401, ACK, the INVITE with credentials, 180, 200, ACK, BYE (not challenged).
# Every wait is bounded; parley listen is stopped by PID.
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
scen=$here/scenarios
if ! command -v sipp >/dev/null 2>&1; then
    echo "SKIP: sipp not found (Debian package sip-tester; make test installs it)"
    exit 77
fi

work=$(mktemp -d /tmp/parley-sipp-auth-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$work/sipp.out" ] && tail -n 30 "$work/sipp.out"
    for f in "$work"/*errors.log; do [ -f "$f" ] && tail -n 20 "$f"; done
    exit 1
}

# shellcheck source=../ports.sh
. "$(dirname "$0")/../ports.sh"
base=$(free_ports 8) || fail "no free ports"
LP=$base         # parley listen (UDP and TCP)
SP=$((base + 7)) # SIPp

# ---- parley listen, its output read through a FIFO with bounded reads ----
mkfifo "$work/out"
"$PARLEY" listen --bind "udp:127.0.0.1:$LP" --bind "tcp:127.0.0.1:$LP" \
    --require-auth s3cret --realm sipp.test --auth-algorithms MD5 \
    >"$work/out" 2>"$work/listen.err" </dev/null &
LPID=$!
exec 3<"$work/out"
read -t 10 -r line <&3 || fail "parley listen did not start: $(cat "$work/listen.err")"
case "$line" in *'"event":"listening"'*) ;; *) fail "unexpected first line: $line" ;; esac

next_line() {
    read -t 10 -r line <&3 || fail "no event from parley listen within 10 s"
}

sipp_uac() { # scenario transport password
    (cd "$work" && timeout 30 sipp -sf "$scen/$1" -i 127.0.0.1 -p "$SP" -t "$2" -m 1 -nostdin \
        -au sipp -ap "$3" -timeout 20s -timeout_error -recv_timeout 5000 -trace_err \
        "127.0.0.1:$LP" >sipp.out 2>&1)
}

for t in u1 t1; do
    T=$([ $t = u1 ] && echo UDP || echo TCP)
    sipp_uac uac_auth_message.xml $t s3cret || fail "authenticated MESSAGE over $T: sipp exit $?"
    next_line
    case "$line" in
    *'"event":"message"'*'"body":"authenticated by sipp'*'"headers":{}}') ;;
    *) fail "authenticated MESSAGE over $T not reported as expected: $line" ;;
    esac
    echo "ok - SIPp's Digest answer to a 401 for MESSAGE over $T"
done

sipp_uac uac_auth_wrong.xml u1 wrong || fail "wrong password: sipp exit $? (want a second 401)"
echo "ok - a wrong password gets a fresh 401"

sipp_uac uac_auth_invite.xml u1 s3cret || fail "authenticated INVITE: sipp exit $?"
next_line
case "$line" in
*'"event":"incoming"'*'"from":"sip:sipp@127.0.0.1:'*'"headers":{}}') ;;
*) fail "authenticated INVITE: $line" ;;
esac
ended=0
for _ in 1 2 3 4 5 6; do
    next_line
    case "$line" in *'"event":"terminated"'*'"by":"BYE"'*) ended=1 && break ;; esac
done
[ "$ended" = 1 ] || fail "the authenticated call did not end by SIPp's BYE: $line"
echo "ok - SIPp's Digest answer to a 401 for INVITE (ACK, retry, 200, BYE)"

# the wrong password delivered nothing: after SIGTERM only the authenticated call's lines remain
kill -TERM "$LPID"
while read -t 10 -r line <&3; do
    case "$line" in *'never delivered'*) fail "a wrongly authenticated MESSAGE was delivered" ;; esac
done
wait "$LPID"
rc=$?
LPID=
[ "$rc" -eq 0 ] || fail "parley listen exited $rc on SIGTERM"
echo "ok - nothing delivered without the right password; listen exits 0"
