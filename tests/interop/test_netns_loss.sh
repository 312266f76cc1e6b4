#!/usr/bin/env bash
# 200 page-mode MESSAGEs over a lossy link: two network namespaces made by this test, joined
# by a veth pair with netem dropping 20% of the packets in each direction. Every message must
# reach the application exactly once. Where the kernel lacks netem (sch_netem), the same 20%
# random loss is made with nftables (numgen random) in each namespace instead; the test says
# which. Skips (exit 77) where namespaces cannot be made (not root, no veth) or neither loss
# mechanism works. Namespaces are removed on exit.
set -u
PARLEY=$1
SENDER=$2
N=200
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
command -v tc >/dev/null || skip "tc (iproute2) not installed"

id=$$
A=parley-a-$id
B=parley-b-$id
VA=pva$((id % 100000))
VB=pvb$((id % 100000))
work=$(mktemp -d /tmp/parley-netns-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$A" 2>/dev/null || skip "cannot create network namespaces here"
ip netns add "$B" || skip "cannot create network namespaces here"
ip link add "$VA" type veth peer name "$VB" || skip "cannot create a veth pair here"
ip link set "$VA" netns "$A" && ip link set "$VB" netns "$B" || fail "moving veth ends"
ip -n "$A" addr add 10.77.0.1/24 dev "$VA" && ip -n "$A" link set "$VA" up && ip -n "$A" link set lo up
ip -n "$B" addr add 10.77.0.2/24 dev "$VB" && ip -n "$B" link set "$VB" up && ip -n "$B" link set lo up
nft_loss() { # namespace: drop 20% of the UDP packets arriving there (on input, as a lossy
    # link would: a drop on output would make the sender's own send fail instead)
    ip netns exec "$1" nft add table inet parley_loss &&
        ip netns exec "$1" nft 'add chain inet parley_loss in { type filter hook input priority 0; }' &&
        ip netns exec "$1" nft 'add rule inet parley_loss in meta l4proto udp numgen random mod 5 0 drop'
}
if ip netns exec "$A" tc qdisc add dev "$VA" root netem loss 20% 2>/dev/null; then
    ip netns exec "$B" tc qdisc add dev "$VB" root netem loss 20% || fail "netem on the second end"
    echo "loss: netem 20% on each veth end"
elif command -v nft >/dev/null && nft_loss "$A" 2>/dev/null && nft_loss "$B"; then
    echo "loss: this kernel has no netem; nftables drops 20% of UDP in each direction"
else
    skip "neither netem (sch_netem) nor nftables random drop is available"
fi

mkfifo "$work/out"
ip netns exec "$B" "$PARLEY" listen --bind udp:10.77.0.2:5060 >"$work/out" 2>"$work/listen.err" &
LPID=$!
exec 3<"$work/out"
read -t 10 -r line <&3 || fail "parley listen did not start: $(cat "$work/listen.err")"

# T2 of 1 s keeps retransmitting every second until Timer F: with 20% loss on each leg a
# transaction then fails with a probability below 1e-14.
res=$(timeout 120 ip netns exec "$A" "$SENDER" udp:10.77.0.1:5060 sip:bob@10.77.0.2:5060 $N 1000)
rc=$?
echo "sender: $res"
kill -TERM "$LPID"
: >"$work/events"
while read -t 10 -r line <&3; do echo "$line" >>"$work/events"; done
wait "$LPID"
LPID=
[ $rc -eq 0 ] || fail "not every MESSAGE got its 200 ($res)"
total=$(grep -c '"event":"message"' "$work/events")
unique=$(grep -o '"body":"msg-[0-9]*"' "$work/events" | sort -u | wc -l)
[ "$total" -eq $N ] || fail "$total deliveries for $N messages"
[ "$unique" -eq $N ] || fail "$unique distinct messages delivered out of $N"
echo "ok - $N messages over a 20% lossy link, each delivered exactly once"
