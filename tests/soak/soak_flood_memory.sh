#!/usr/bin/env bash
# make soak, part 2: the INVITE flood of issue 12 (20,000 distinct INVITEs at 1000/s from SIPp,
# never ACKed) against `parley listen --stats 5` with its default limits, on loopback. Checked:
# the flood is refused with 503s beyond the limits, the sessions all end by their timers (the
# half-open ones 64*T1 after their 2xx, then their BYE), and the resident memory comes back
# to within 4 MiB of where it started (within 15 s of the last session's end). About two
# minutes.
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
scen=$here/../interop/scenarios
command -v sipp >/dev/null 2>&1 || { echo "SKIP: sipp not found"; exit 77; }
work=$(mktemp -d /tmp/parley-soakflood-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    tail -n 3 "$work/listen.out"
    exit 1
}
# shellcheck source=../ports.sh
. "$(dirname "$0")/../ports.sh"
base=$(free_ports 8) || fail "no free ports" # parley listen on base, SIPp on base+7
mkfifo "$work/out"
"$PARLEY" listen --bind "udp:127.0.0.1:$base" --quiet --stats 5 >"$work/out" 2>"$work/listen.err" &
LPID=$!
exec 3<"$work/out"
read -t 10 -r line <&3 || fail "parley listen did not start"
echo "$line" >"$work/listen.out"
rss() { echo "$1" | grep -o '"rss_kb":[0-9]*' | cut -d: -f2; }
start_rss=$(rss "$line")

(cd "$work" && timeout 120 sipp -sf "$scen/uac_invite_flood.xml" -i 127.0.0.1 -p $((base + 7)) \
    -t u1 -m 20000 -r 1000 -nostdin -timeout 100s "127.0.0.1:$base" >sipp.out 2>&1)
peak=0
for _ in $(seq 40); do # 5 s apart: at most 200 s
    read -t 10 -r line <&3 || fail "no stats line within 10 s"
    echo "$line" >>"$work/listen.out"
    r=$(rss "$line")
    [ "$r" -gt "$peak" ] && peak=$r
    case "$line" in *'"sessions":0,'*'"transactions":0,'*) break ;; esac
done
case "$line" in *'"sessions":0,'*'"transactions":0,'*) ;; *) fail "sessions left after the flood" ;; esac
refused=$(echo "$line" | grep -o '"rejected_503":[0-9]*' | cut -d: -f2)
end_rss=$(rss "$line")
# the endpoint trims its heap on a 5 s check once the load fell (src/endpoint/memory.c): the
# first stats line without load may come just before it, so up to three more lines are read
for _ in 1 2 3; do
    [ "$end_rss" -le $((start_rss + 4096)) ] && break
    read -t 10 -r line <&3 || fail "no stats line within 10 s"
    echo "$line" >>"$work/listen.out"
    end_rss=$(rss "$line")
done
echo "flood: rejected_503 $refused, rss at start $start_rss KiB, peak $peak KiB, after $end_rss KiB"
[ "$refused" -ge 10000 ] || fail "only $refused INVITEs refused"
[ "$end_rss" -le $((start_rss + 4096)) ] || fail "memory did not come back: $end_rss KiB"
echo "ok - the INVITE flood is bounded by the limits and its memory comes back"
