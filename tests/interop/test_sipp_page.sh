#!/usr/bin/env bash
# Interop with SIPp (Debian sip-tester) on loopback, page mode:
#  - SIPp sends MESSAGE and OPTIONS to `parley listen` over UDP and TCP;
#  - SIPp retransmits a MESSAGE: parley answers both copies, the application sees it once;
#  - `parley send` reaches a SIPp UAS over UDP and TCP (200 -> exit 0, 486 -> exit 1).
# Every wait is bounded; processes are stopped by PID.
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
scen=$here/scenarios
if ! command -v sipp >/dev/null 2>&1; then
    echo "SKIP: sipp not found (Debian package sip-tester; make test installs it)"
    exit 77
fi

work=$(mktemp -d /tmp/parley-sipp-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$work/sipp.out" ] && tail -n 30 "$work/sipp.out"
    exit 1
}

# shellcheck source=../ports.sh
. "$(dirname "$0")/../ports.sh"
base=$(free_ports 10) || fail "no free ports" # LP = base, SIPp base+7 .. base+9
LP=$base        # parley listen (UDP and TCP)
SP=$((base + 7)) # SIPp

# ---- parley listen, its output read through a FIFO with bounded reads ----
mkfifo "$work/out"
"$PARLEY" listen --bind "udp:127.0.0.1:$LP" --bind "tcp:127.0.0.1:$LP" >"$work/out" 2>"$work/listen.err" &
LPID=$!
exec 3<"$work/out"
read -t 10 -r line <&3 || fail "parley listen did not start: $(cat "$work/listen.err")"
case "$line" in *'"event":"listening"'*) ;; *) fail "unexpected first line: $line" ;; esac

next_line() {
    read -t 10 -r line <&3 || fail "no event from parley listen within 10 s"
}

sipp_uac() { # scenario transport
    (cd "$work" && timeout 30 sipp -sf "$scen/$1" -i 127.0.0.1 -p "$SP" -t "$2" -m 1 -nostdin \
        -timeout 20s -timeout_error -recv_timeout 5000 "127.0.0.1:$LP" >sipp.out 2>&1)
}

for t in u1 t1; do
    T=$([ $t = u1 ] && echo UDP || echo TCP)
    sipp_uac uac_message.xml $t || fail "SIPp MESSAGE over $T: sipp exit $?"
    next_line
    case "$line" in
    *'"event":"message"'*'"body":"hello from sipp'*'"X-Interop":"sipp-'$T'"'*) ;;
    *) fail "MESSAGE over $T not reported as expected: $line" ;;
    esac
    sipp_uac uac_options.xml $t || fail "SIPp OPTIONS over $T: sipp exit $?"
    echo "ok - SIPp MESSAGE and OPTIONS over $T"
done

sipp_uac uac_message_retrans.xml u1 || fail "retransmitted MESSAGE: sipp exit $?"
next_line
case "$line" in *'"body":"only once'*) ;; *) fail "retransmitted MESSAGE: $line" ;; esac

# stop listen; whatever else it printed must not be a second copy
kill -TERM "$LPID"
extra=0
while read -t 10 -r line <&3; do
    case "$line" in *'"event":"message"'*) extra=$((extra + 1)) ;; esac
done
wait "$LPID"
rc=$?
LPID=
[ "$extra" -eq 0 ] || fail "the retransmitted MESSAGE reached the application $((extra + 1)) times"
[ "$rc" -eq 0 ] || fail "parley listen exited $rc on SIGTERM"
echo "ok - retransmitted MESSAGE delivered once; listen exits 0 on SIGTERM"

# ---- parley send to a SIPp UAS ----
sipp_uas() { # scenario transport: in the background once its socket is bound (-bg)
    (cd "$work" && sipp -sf "$scen/$1" -i 127.0.0.1 -p "$SP" -t "$2" -m 1 -nostdin -bg \
        -timeout 20s -timeout_error >sipp.out 2>&1)
    grep -q "Background mode - PID" "$work/sipp.out" || fail "SIPp UAS did not start"
}

for t in u1 t1; do
    tr=$([ $t = u1 ] && echo udp || echo tcp)
    sipp_uas uas_message.xml $t
    out=$(timeout 30 "$PARLEY" send "sip:sipp@127.0.0.1:$SP" "hi sipp" --transport $tr \
        --header "X-From-Parley: parley")
    rc=$?
    [ $rc -eq 0 ] || fail "parley send over $tr exit $rc ($out)"
    [ "$out" = "SIP/2.0 200 OK" ] || fail "parley send over $tr printed '$out'"
    echo "ok - parley send reaches SIPp over $tr"
    SP=$((SP + 1))
done

sipp_uas uas_message_486.xml u1
out=$(timeout 30 "$PARLEY" send "sip:sipp@127.0.0.1:$SP" "busy?")
rc=$?
[ $rc -eq 1 ] || fail "parley send to a 486 exited $rc"
[ "$out" = "SIP/2.0 486 Busy Here" ] || fail "parley send printed '$out'"
echo "ok - a 486 makes parley send exit 1"
exit 0
