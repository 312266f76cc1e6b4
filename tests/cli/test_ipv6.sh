#!/usr/bin/env bash
# parley listen, call and send over IPv6 loopback ([::1]) next to IPv4, on real sockets: what a
# bind of each family, or a wildcard bind, makes of the addresses on the wire.
#  - listen bound to 127.0.0.1 and [::1]: a call over ::1 is answered with o= and c= IN IP6 ::1,
#    one over 127.0.0.1 with IN IP4 127.0.0.1 (the SDP's address is the call's family's bind)
#  - a wildcard bind (0.0.0.0, [::]): the SDP names the address the call reaches us on, never
#    0.0.0.0 or ::
# Skips (77) when ::1 is not configured on lo. Every wait is bounded; processes are stopped by PID.
set -u
PARLEY=$1
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
grep -qs '^0\{31\}1 .* lo$' /proc/net/if_inet6 || skip "::1 is not configured on lo"
work=$(mktemp -d /tmp/parley-ipv6-cli-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
base=$(free_ports 4) || die "no free ports"

# The SDP of the first message of the trace that has one, as "o=ADDRTYPE ADDR c=ADDRTYPE ADDR"
# (the message the trace's first line names: sent or recv).
sdp_addrs() { # trace-file sent|recv
    tr -d '\r' <"$1" | awk -v dir="$2" '
        /^--- / { if (done) exit; take = ($3 == dir); next }
        take && /^o=/ { o = $5 " " $6 }
        take && /^c=/ { print "o=" o " c=" $2 " " $3; done = 1 }'
}
# call URI TRACE ARGS...: parley call hanging up at once; its trace in TRACE, its lines in TRACE.out
call() {
    local uri=$1 trace=$2
    shift 2
    timeout 20 "$PARLEY" call "$uri" --hangup-after 0.1 --trace "$@" >"$trace.out" 2>"$trace"
    local rc=$?
    [ $rc -eq 0 ] || fail "parley call $uri exit $rc: $(tail -n 3 "$trace.out")"
}
expect_sdp() { # trace sent|recv want what
    local got
    got=$(sdp_addrs "$1" "$2")
    [ "$got" = "$3" ] || fail "$4: the SDP says '$got', not '$3'"
}

# ---- 1: a bind of each family: the call's family decides the SDP's address ----
P=$base
start_listen "$work/both.out" --bind "udp:127.0.0.1:$P" --bind "udp:[::1]:$P" --answer auto
f0=$failures
call "sip:bob@[::1]:$P" "$work/both6"
expect_sdp "$work/both6" recv "o=IP6 ::1 c=IP6 ::1" "listen's answer to a call over ::1"
grep -q '"event":"media",.*"remote_addr":"::1"' "$work/both6.out" ||
    fail "the caller's media line: $(grep -m 1 '"media"' "$work/both6.out")"
call "sip:bob@127.0.0.1:$P" "$work/both4"
expect_sdp "$work/both4" recv "o=IP4 127.0.0.1 c=IP4 127.0.0.1" \
    "listen's answer to a call over 127.0.0.1"
call "sip:bob@[::1]:$P" "$work/both6b" # and IPv6 again after IPv4
expect_sdp "$work/both6b" recv "o=IP6 ::1 c=IP6 ::1" "listen's answer to a second call over ::1"
stop_listen
[ $failures -eq $f0 ] && echo "ok - listen on 127.0.0.1 and [::1]: each call's SDP names its family's address"

# ---- 2: wildcard binds: the SDP names the address the call came to ----
f0=$failures
start_listen "$work/any4.out" --bind "udp:0.0.0.0:$((P + 1))" --answer auto
call "sip:bob@127.0.0.1:$((P + 1))" "$work/any4"
expect_sdp "$work/any4" recv "o=IP4 127.0.0.1 c=IP4 127.0.0.1" "listen on 0.0.0.0"
stop_listen
start_listen "$work/any6.out" --bind "udp:[::]:$((P + 2))" --answer auto
call "sip:bob@[::1]:$((P + 2))" "$work/any6" --bind "udp:[::]:0"
expect_sdp "$work/any6" sent "o=IP6 ::1 c=IP6 ::1" "the offer of call --bind udp:[::]:0"
expect_sdp "$work/any6" recv "o=IP6 ::1 c=IP6 ::1" "listen on [::]"
stop_listen
[ $failures -eq $f0 ] && echo "ok - wildcard binds (0.0.0.0, [::]): the SDP names 127.0.0.1 or ::1"

[ $failures -eq 0 ] || exit 1
echo "all IPv6 CLI checks passed"
