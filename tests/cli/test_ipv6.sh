#!/usr/bin/env bash
# parley listen, call and send over IPv6 loopback ([::1]) next to IPv4, on real sockets: what a
# bind of each family, or a wildcard bind, makes of the addresses on the wire.
#  - listen bound to 127.0.0.1 and [::1]: a call over ::1 is answered with o= and c= IN IP6 ::1,
#    one over 127.0.0.1 with IN IP4 127.0.0.1 (the SDP's address is the call's family's bind)
#  - a wildcard bind (0.0.0.0, [::]): the SDP names the address the call reaches us on, never
#    0.0.0.0 or ::
#  - without --bind, call and send bind the family of their first hop (--proxy sip:[::1]:P with
#    a target that is a name or an IPv4 address; a target name with IPv6 addresses only, from an
#    /etc/hosts bind-mounted in a mount namespace, root only), listen that of its --registrar
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
# a target by name: the offer names where the name leads, not the wildcard
call "sip:bob@localhost:$((P + 1))" "$work/any4name" --bind "udp:0.0.0.0:0"
expect_sdp "$work/any4name" sent "o=IP4 127.0.0.1 c=IP4 127.0.0.1" \
    "the offer of call sip:bob@localhost --bind udp:0.0.0.0:0"
stop_listen
start_listen "$work/any6.out" --bind "udp:[::]:$((P + 2))" --answer auto
call "sip:bob@[::1]:$((P + 2))" "$work/any6" --bind "udp:[::]:0"
expect_sdp "$work/any6" sent "o=IP6 ::1 c=IP6 ::1" "the offer of call --bind udp:[::]:0"
expect_sdp "$work/any6" recv "o=IP6 ::1 c=IP6 ::1" "listen on [::]"
stop_listen
[ $failures -eq $f0 ] && echo "ok - wildcard binds (0.0.0.0, [::]): the SDP names 127.0.0.1 or ::1"

# ---- 3: no --bind: the first hop's family (--proxy, else the target; listen's registrar) ----
f0=$failures
R=$((P + 3))
start_listen "$work/hop.out" --bind "udp:[::1]:$R" --answer auto
out=$(timeout 20 "$PARLEY" send sip:bob@example.com "via the proxy" --proxy "sip:[::1]:$R" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "SIP/2.0 200 OK" ] ||
    fail "send to a name through --proxy sip:[::1]: exit $rc: $out"
out=$(timeout 20 "$PARLEY" send sip:bob@127.0.0.1 "via the proxy" --proxy "sip:[::1]:$R" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "SIP/2.0 200 OK" ] ||
    fail "send to 127.0.0.1 through --proxy sip:[::1]: exit $rc: $out"
timeout 20 "$PARLEY" call sip:bob@example.com --proxy "sip:[::1]:$R" --hangup-after 0.1 \
    >"$work/hop-call.out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "call through --proxy sip:[::1]: exit $rc: $(tail -n 2 "$work/hop-call.out")"
# listen's default bind (port 5070, when free) with a registrar on [::1]: this one answers 405,
# which reaches it only over IPv6
if listening 5070 udp; then
    echo "# port 5070 is taken here: listen's default bind with --registrar not checked"
else
    timeout 20 "$PARLEY" listen --registrar "sip:[::1]:$R" --user bob >"$work/reg.out" 2>&1
    grep -q '"addresses":\["udp:\[::1\]:5070"\]' "$work/reg.out" &&
        grep -q '"state":"failed","status":405,' "$work/reg.out" ||
        fail "listen --registrar sip:[::1]:$R without --bind: $(cat "$work/reg.out")"
fi
stop_listen
[ $failures -eq $f0 ] && echo "ok - no --bind: call, send and listen bind [::1] for a --proxy or --registrar on [::1]"

# ---- 4: no --bind, a target name with IPv6 addresses only: [::1] ----
# The name needs an /etc/hosts of its own: bind-mounted in a mount namespace of this test's
# (root only; the system's file is not touched).
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
    echo "# not root: a name with IPv6 addresses only not checked (it needs a mount namespace)"
else
    f0=$failures
    printf '::1 parley-v6only.test\n' >"$work/hosts"
    start_listen "$work/v6name.out" --bind "udp:[::1]:$R" --answer auto
    # send, then call, inside one namespace: sh's $1 hosts, $2 parley, $3 the port
    out=$(timeout 40 unshare --mount sh -c 'mount --bind "$1" /etc/hosts || exit 9
        "$2" send "sip:bob@parley-v6only.test:$3" "by name" || exit $?
        exec "$2" call "sip:bob@parley-v6only.test:$3" --hangup-after 0.1 --quiet' \
        sh "$work/hosts" "$PARLEY" "$R" 2>&1)
    rc=$?
    [ $rc -eq 0 ] && [ "$out" = "SIP/2.0 200 OK" ] ||
        fail "send and call to sip:bob@parley-v6only.test (::1 only) without --bind: exit $rc: $out"
    stop_listen
    [ $failures -eq $f0 ] && echo "ok - no --bind: send and call to a name with IPv6 addresses only bind [::1]"
fi

[ $failures -eq 0 ] || exit 1
echo "all IPv6 CLI checks passed"
