#!/usr/bin/env bash
# The INVITE flood of issue 12 with SIPp on loopback, bounded to a few seconds: 3000 distinct
# INVITEs at 1000/s that are never ACKed, against `parley listen --max-sessions 200 --stats 1`.
# parley must admit at most 200 sessions and refuse the rest with 503 + Retry-After (SIPp
# checks the header on every 503 it gets), its stats lines must say so, and its resident
# memory stay bounded. Every wait is bounded; processes are stopped by PID.
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
scen=$here/scenarios
if ! command -v sipp >/dev/null 2>&1; then
    echo "SKIP: sipp not found (Debian package sip-tester; make test installs it)"
    exit 77
fi

work=$(mktemp -d /tmp/parley-flood-XXXXXX)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$work/sipp.out" ] && tail -n 30 "$work/sipp.out"
    [ -f "$work/listen.out" ] && tail -n 5 "$work/listen.out"
    exit 1
}

# shellcheck source=../ports.sh
. "$(dirname "$0")/../ports.sh"
base=$(free_ports 8) || fail "no free ports"
LP=$base
SP=$((base + 7))

mkfifo "$work/out"
"$PARLEY" listen --bind "udp:127.0.0.1:$LP" --quiet --max-sessions 200 --stats 1 \
    >"$work/out" 2>"$work/listen.err" &
LPID=$!
exec 3<"$work/out"
# --quiet prints no event lines, only the stats lines: the first says it runs
read -t 10 -r line <&3 || fail "parley listen did not start: $(cat "$work/listen.err")"
case "$line" in *'"event":"stats"'*) ;; *) fail "unexpected first line: $line" ;; esac

(cd "$work" && timeout 60 sipp -sf "$scen/uac_invite_flood.xml" -i 127.0.0.1 -p "$SP" -t u1 \
    -m 3000 -r 1000 -nostdin -timeout 30s -recv_timeout 5000 -trace_logs \
    "127.0.0.1:$LP" >sipp.out 2>&1)
rc=$?
# SIPp's exit is 0 when every call passed, 1 when some failed (a 200 it waited for that never
# came is a failure: the scenario only accepts 200 or 503)
[ "$rc" -eq 0 ] || fail "sipp exit $rc"
refused=$(cat "$work"/*_logs.log 2>/dev/null | grep -c '^refused ')
[ "$refused" -ge 2000 ] || fail "only $refused INVITEs got a 503 (want at least 2000 of 3000)"
echo "ok - $refused of 3000 INVITEs refused with 503 and a Retry-After"

# a stats line that has counted every refusal (one a second; bounded)
last=
for _ in $(seq 10); do
    read -t 5 -r line <&3 || fail "no stats line from parley listen within 5 s"
    echo "$line" >>"$work/listen.out"
    last=$line
    case "$line" in *"\"rejected_503\":$refused,"*) break ;; esac
done
val() { echo "$last" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
for k in sessions transactions connections rejected_503 malformed_dropped rss_kb; do
    [ -n "$(val $k)" ] || fail "stats line without $k: $last"
done
[ "$(val sessions)" -le 200 ] || fail "more than 200 sessions: $last"
[ "$(val rejected_503)" -eq "$refused" ] || fail "rejected_503 $(val rejected_503) != $refused"
[ "$(val rejected_sessions)" -ge 1 ] || fail "no INVITE refused by --max-sessions: $last"
[ "$(val rss_kb)" -lt 102400 ] || fail "resident memory $(val rss_kb) KiB"
echo "ok - stats: $(val sessions) sessions, rejected_503 $(val rejected_503), rss $(val rss_kb) KiB"

kill -TERM "$LPID"
while read -t 10 -r _ <&3; do :; done
wait "$LPID"
rc=$?
LPID=
[ "$rc" -eq 0 ] || fail "parley listen exited $rc on SIGTERM"
echo "ok - listen exits 0 after the flood"
