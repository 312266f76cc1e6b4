#!/usr/bin/env bash
# make soak, part 1: 1000 calls over a lossy link (issue 12). Two network namespaces made here,
# joined by a veth pair with 20% loss in each direction (netem, or nftables random drop where
# the kernel lacks netem, as tests/interop/test_netns_loss.sh does). soak_calls in the first
# places 1000 calls (50 at a time) to `parley listen` in the second; each call, once up, sends
# one MESSAGE and hangs up. Checked: every call completes or fails by its timer (soak_calls
# gets every completion and on_released), every MESSAGE answered 2xx was delivered exactly
# once and none twice, and no session or transaction is left on either side.
# Skips (77) without root, namespaces or a loss mechanism.
set -u
PARLEY=$1
CALLS_BIN=$2
N=${SOAK_CALLS:-1000}
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
command -v tc >/dev/null || skip "tc (iproute2) not installed"

id=$$
A=parley-sa-$id
B=parley-sb-$id
VA=psa$((id % 100000))
VB=psb$((id % 100000))
work=$(mktemp -d /tmp/parley-soak-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    [ -n "${SOAK_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$A" 2>/dev/null || skip "cannot create network namespaces here"
ip netns add "$B" || skip "cannot create network namespaces here"
ip link add "$VA" type veth peer name "$VB" || skip "cannot create a veth pair here"
ip link set "$VA" netns "$A" && ip link set "$VB" netns "$B" || fail "moving veth ends"
ip -n "$A" addr add 10.78.0.1/24 dev "$VA" && ip -n "$A" link set "$VA" up && ip -n "$A" link set lo up
ip -n "$B" addr add 10.78.0.2/24 dev "$VB" && ip -n "$B" link set "$VB" up && ip -n "$B" link set lo up
nft_loss() {
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

: >"$work/events"
ip netns exec "$B" "$PARLEY" listen --bind udp:10.78.0.2:5060 --stats 5 >>"$work/events" \
    2>"$work/listen.err" &
LPID=$!
for _ in $(seq 100); do
    grep -q '"event":"listening"' "$work/events" && break
    read -t 0.1 -r _ < <(sleep 1) || true # a bounded wait for the first line
done
grep -q '"event":"listening"' "$work/events" || fail "parley listen did not start"

start=$(date +%s)
ip netns exec "$A" timeout 1900 "$CALLS_BIN" udp:10.78.0.1:5060 sip:bob@10.78.0.2:5060 "$N" 50 1000 \
    >"$work/calls.out" 2>"$work/calls.err"
rc=$?
summary=$(tail -n 1 "$work/calls.out")
echo "soak_calls ($(($(date +%s) - start)) s): $summary"
[ "$rc" -eq 0 ] || fail "soak_calls exit $rc: $(tail -n 3 "$work/calls.err")"

# parley listen: every session gone (its half-open ones end 64*T1 after their 2xx)
for _ in $(seq 30); do
    last=$(grep '"event":"stats"' "$work/events" | tail -n 1)
    case "$last" in *'"sessions":0,'*'"transactions":0,'*) break ;; esac
    read -t 5 -r _ < <(sleep 6) || true
done
case "$last" in *'"sessions":0,'*'"transactions":0,'*) ;; *) fail "left on the listening side: $last" ;; esac

dups=$(grep -o '"body":"call-[0-9]*"' "$work/events" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups MESSAGEs delivered more than once"
missing=0
while read -r _ i; do
    grep -q "\"body\":\"call-$i\"" "$work/events" || missing=$((missing + 1))
done < <(grep '^msg-ok ' "$work/calls.out")
[ "$missing" -eq 0 ] || fail "$missing MESSAGEs answered 2xx but never delivered"
delivered=$(grep -c '"body":"call-' "$work/events")
echo "ok - $N calls over a 20% lossy link: $summary; $delivered MESSAGEs delivered, none twice; nothing left on either side"
