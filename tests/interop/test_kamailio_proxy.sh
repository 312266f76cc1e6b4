#!/usr/bin/env bash
# Behind a real proxy: parley against Kamailio (Debian kamailio) on loopback, with the configs
# in tests/interop/kamailio/ (registrar.cfg: in-memory usrloc, record-route, parallel forking,
# GRUUs; auth.cfg: the same with Digest for REGISTER (401) and INVITE/MESSAGE (407)).
#
#  registrar.cfg
#    parley listen registers (--registrar): 423 answered with Min-Expires, then refreshed
#    two parley endpoints and a SIPp UAS registered as one user (bob); a call to bob through the
#      proxy (--proxy) rings all three (one "early" line each); one answers, the others see the
#      CANCEL with its Reason (SIP;cause=200;text="Call completed elsewhere")
#    two more endpoints that answer at once: the later 2xx is ACKed and BYEd (checked in the
#      caller's trace) and reported as "fork_ignored"
#    a call to one endpoint id (--target-epid) and one to a GRUU reach that endpoint only
#    SIGTERM: every listen unregisters ("unregistered", exit 0); bob is then unknown (404)
#  auth.cfg
#    a wrong password: "failed" with status 401, exit 1
#    authenticated REGISTER, INVITE and MESSAGE (--auth-user/--password); without: 407, exit 1
#    the REGISTER's refreshes carry credentials at once (nc=00000002...): one 401 in all
#
# Kamailio starts on a free loopback port, is ready when it answers OPTIONS (a bounded poll of
# SIPp probes) and is stopped by PID (trap). Every wait is bounded; ports are random.
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
scen=$here/scenarios
cfgdir=$here/kamailio
KAMAILIO=$(command -v kamailio || echo /usr/sbin/kamailio)
if [ ! -x "$KAMAILIO" ]; then
    echo "SKIP: kamailio not found (Debian package kamailio; scripts/deps.sh test installs it)"
    exit 77
fi
if ! command -v sipp >/dev/null 2>&1; then
    echo "SKIP: sipp not found (Debian package sip-tester)"
    exit 77
fi
started=$(date +%s)
work=$(mktemp -d /tmp/parley-kamailio-XXXXXX)
PIDS=() # parley listen and SIPp processes in the background
KPID=
cleanup() {
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    [ -n "$KPID" ] && kill "$KPID" 2>/dev/null
    for p in "${PIDS[@]}" $KPID; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=0
WHAT=
ok() { echo "ok - $WHAT${1:+: $1}"; }
bad() {
    echo "not ok - $WHAT: $*"
    FAILED=1
}
dump() { # files...
    for f in "$@"; do
        [ -s "$f" ] && { echo "--- $(basename "$f"):"; tail -n 30 "$f"; }
    done
}

# shellcheck source=../ports.sh
. "$(dirname "$0")/../ports.sh"
base=$(free_ports 93) || { echo "FAIL: no free ports"; exit 1; } # base .. base+92: see port()
K1=$base       # Kamailio, registrar.cfg
K2=$((base + 1)) # Kamailio, auth.cfg
port() { echo $((base + 2 + $1)); }

# ---- Kamailio ----
start_kamailio() { # cfg port
    mkdir -p "$work/run-$2"
    "$KAMAILIO" -f "$cfgdir/$1" -l "udp:127.0.0.1:$2" -l "tcp:127.0.0.1:$2" -DD -E -m 32 -M 4 \
        -Y "$work/run-$2" -w "$work" -P "$work/kamailio-$2.pid" >"$work/kamailio-$2.log" 2>&1 &
    KPID=$!
    # ready when it answers OPTIONS: at most 40 probes, each bounded by SIPp's own timeout
    local i
    for i in $(seq 1 40); do
        if timeout 5 sipp -sf "$scen/kam_options.xml" "127.0.0.1:$2" -i 127.0.0.1 \
            -p "$(port 90)" -m 1 -timeout 1s -timeout_error -recv_timeout 300 \
            -nostdin -trace_err -error_file "$work/probe.err" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$KPID" 2>/dev/null || break
    done
    echo "Kamailio ($1) did not answer OPTIONS"
    dump "$work/kamailio-$2.log"
    return 1
}
stop_kamailio() {
    kill "$KPID" 2>/dev/null
    wait "$KPID" 2>/dev/null
    KPID=
}

# ---- lines ----
# Waits (at most secs) until file has a line matching the extended regexp. tail -F: a listen
# started in the background may not have made its output file yet (tail -f would give up).
wait_line() { # file regexp secs
    grep -E -q -m1 -e "$2" < <(timeout "$3" tail -n +1 -F "$1" 2>/dev/null)
}
# Waits (at most secs) until file has n lines matching the extended regexp.
wait_count() { # file regexp n secs
    awk -v re="$2" -v n="$3" '$0 ~ re { if (++c >= n) exit } END { exit c < n }' \
        < <(timeout "$4" tail -n +1 -F "$1" 2>/dev/null)
}
count() { # file regexp
    grep -E -c -e "$2" "$1" 2>/dev/null || true
}

LISTEN_PID=
start_listen() { # name args...
    local name=$1
    shift
    "$PARLEY" listen "$@" >"$work/$name.out" 2>"$work/$name.err" &
    LISTEN_PID=$!
    PIDS+=("$LISTEN_PID")
    eval "PID_$name=$LISTEN_PID"
}

REGD='"event":"registration","state":"registered"'

# ======================= registrar.cfg =======================
start_kamailio registrar.cfg "$K1" || exit 1
PROXY="sip:127.0.0.1:$K1"
REG=(--registrar "$PROXY" --user bob)

WHAT="registration: 423 answered with Min-Expires, then refreshed"
start_listen desk --bind "udp:127.0.0.1:$(port 1)" "${REG[@]}" --expires 5 --endpoint-id desk \
    --answer ring:1 --trace
if wait_line "$work/desk.out" "$REGD"'.*"expires":10' 10 &&
    grep -q "SIP/2.0 423" "$work/desk.err" && grep -q "^Min-Expires: 10" "$work/desk.err"; then
    ok
else
    bad "no registration after a 423"
    dump "$work/desk.out" "$work/desk.err"
fi

start_listen mobile --bind "udp:127.0.0.1:$(port 2)" "${REG[@]}" --endpoint-id mobile \
    --answer ring:30
wait_line "$work/mobile.out" "$REGD" 10 || bad "mobile did not register"

WHAT="SIPp UAS registered as bob"
UAS=$(port 3)
timeout 40 sipp -sf "$scen/kam_uas_cancelled.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s \
    -timeout_error -nostdin -trace_err -error_file "$work/uas.err" -trace_msg \
    -message_file "$work/uas.msg" >"$work/uas.out" 2>&1 &
SIPP_UAS=$!
PIDS+=("$SIPP_UAS")
sipp_register() { # expires cseq
    timeout 10 sipp -sf "$scen/kam_register.xml" "127.0.0.1:$K1" -i 127.0.0.1 -p "$(port 4)" \
        -key uas_port "$UAS" -key expires "$1" -key reg_cseq "$2" -cid_str "sipp-bob-$UAS" \
        -m 1 -timeout 5s \
        -timeout_error -nostdin -trace_err -error_file "$work/reg.err" >/dev/null 2>&1
}
if sipp_register 60 1; then ok; else bad "REGISTER failed" && dump "$work/reg.err"; fi

WHAT="a call to bob rings all three; one answers, the others see the CANCEL's Reason"
timeout 30 "$PARLEY" call "sip:bob@127.0.0.1:$K1" --proxy "$PROXY" \
    --bind "udp:127.0.0.1:$(port 10)" --hangup-after 4 >"$work/call1.out" 2>"$work/call1.err"
rc=$?
early=$(grep '"event":"early"' "$work/call1.out" | grep -o '"to_tag":"[^"]*"' | sort -u | wc -l)
wait "$SIPP_UAS"
uas_rc=$?
if [ "$rc" = 0 ] && [ "$early" = 3 ] && [ "$uas_rc" = 0 ] &&
    wait_line "$work/mobile.out" '"by":"CANCEL"' 5 &&
    grep -q '"sip_reason":{"protocol":"SIP","cause":200,"text":"Call completed elsewhere"}' \
        "$work/mobile.out" &&
    grep -q '"event":"incoming".*"forked":true' "$work/desk.out" &&
    wait_line "$work/desk.out" '"by":"BYE"' 5; then
    ok
else
    bad "call exit $rc, $early early dialogs, SIPp UAS exit $uas_rc"
    dump "$work/call1.out" "$work/mobile.out" "$work/uas.err" "$work/uas.out"
fi
WHAT="SIPp unregisters"
if sipp_register 0 2; then ok; else bad "REGISTER expires 0 failed"; fi

WHAT="refresh: the binding is registered again before it expires"
if wait_line "$work/desk.out" '"state":"refreshing"' 10 &&
    wait_count "$work/desk.out" "$REGD" 2 5; then
    ok "$(count "$work/desk.out" "$REGD") registered lines"
else
    bad "no refresh"
    dump "$work/desk.out"
fi

WHAT="two answering at once: the later 2xx is ACKed and BYEd"
start_listen fast1 --bind "udp:127.0.0.1:$(port 5)" "${REG[@]}" --endpoint-id fast1
start_listen fast2 --bind "udp:127.0.0.1:$(port 6)" "${REG[@]}" --endpoint-id fast2
wait_line "$work/fast1.out" "$REGD" 10 && wait_line "$work/fast2.out" "$REGD" 10 ||
    bad "fast1/fast2 did not register"
timeout 30 "$PARLEY" call "sip:bob@127.0.0.1:$K1" --proxy "$PROXY" \
    --bind "udp:127.0.0.1:$(port 11)" --hangup-after 2 --trace >"$work/call2.out" \
    2>"$work/call2.err"
rc=$?
ignored=$(grep '"event":"fork_ignored"' "$work/call2.out" | head -n 1 |
    sed -n 's/.*"to_tag":"\([^"]*\)".*/\1/p')
# on the wire (the caller's trace): an ACK and then a BYE sent with that To tag
wire=$(awk -v tag="tag=$ignored" '
    /^--- / { sent = / sent /; m = ""; next }
    sent && /^(ACK|BYE) / { m = $1 }
    m != "" && /^To:/ && index($0, tag) { print m; m = "" }' "$work/call2.err" | tr '\n' ' ')
if [ "$rc" = 0 ] && [ -n "$ignored" ] && [ "$wire" = "ACK BYE " ]; then
    ok "fork $ignored: $wire"
else
    bad "call exit $rc, fork_ignored '$ignored', wire '$wire'"
    dump "$work/call2.out" "$work/fast1.out" "$work/fast2.out"
fi

WHAT="a call to one endpoint id reaches that endpoint only"
before=$(cat "$work"/{desk,mobile,fast1}.out | grep -c '"event":"incoming"')
timeout 30 "$PARLEY" call "sip:bob@127.0.0.1:$K1" --proxy "$PROXY" --target-epid fast2 \
    --bind "udp:127.0.0.1:$(port 12)" --hangup-after 1 >"$work/call3.out" 2>"$work/call3.err"
rc=$?
after=$(cat "$work"/{desk,mobile,fast1}.out | grep -c '"event":"incoming"')
if [ "$rc" = 0 ] && [ "$before" = "$after" ] &&
    [ "$(count "$work/fast2.out" '"event":"incoming"')" = 2 ]; then
    ok
else
    bad "call exit $rc; incoming elsewhere $before -> $after"
    dump "$work/call3.out" "$work/call3.err"
fi

WHAT="a call to a GRUU reaches that endpoint only"
gruu=$(grep "$REGD" "$work/fast1.out" | head -n 1 | sed -n 's/.*"gruu":"\([^"]*\)".*/\1/p')
before=$(cat "$work"/{desk,mobile,fast2}.out | grep -c '"event":"incoming"')
timeout 30 "$PARLEY" call "$gruu" --proxy "$PROXY" --bind "udp:127.0.0.1:$(port 13)" \
    --hangup-after 1 >"$work/call4.out" 2>"$work/call4.err"
rc=$?
after=$(cat "$work"/{desk,mobile,fast2}.out | grep -c '"event":"incoming"')
if [ -n "$gruu" ] && [ "$rc" = 0 ] && [ "$before" = "$after" ] &&
    [ "$(count "$work/fast1.out" '"event":"incoming"')" = 2 ]; then
    ok "$gruu"
else
    bad "gruu '$gruu', call exit $rc; incoming elsewhere $before -> $after"
    dump "$work/call4.out" "$work/call4.err"
fi

WHAT="SIGTERM: every listen unregisters and exits 0"
all=1
for n in desk mobile fast1 fast2; do
    eval "p=\$PID_$n"
    kill -TERM "$p"
    timeout 45 tail --pid="$p" -f /dev/null
    wait "$p"
    rc=$?
    if [ "$rc" != 0 ] || ! grep -q '"state":"unregistered","aor":"sip:bob@127.0.0.1","contact":"[^"]*"}$' \
        "$work/$n.out"; then
        all=0
        bad "$n: exit $rc"
        dump "$work/$n.out"
    fi
done
timeout 30 "$PARLEY" call "sip:bob@127.0.0.1:$K1" --proxy "$PROXY" \
    --bind "udp:127.0.0.1:$(port 14)" >"$work/call5.out" 2>&1
rc=$?
if [ "$all" = 1 ] && [ "$rc" = 1 ] && grep -q '"op":"call".*"status":404' "$work/call5.out"; then
    ok "then 404"
else
    bad "after unregistering, a call to bob: exit $rc"
    dump "$work/call5.out"
fi
stop_kamailio

# ======================= auth.cfg =======================
start_kamailio auth.cfg "$K2" || exit 1
PROXY="sip:127.0.0.1:$K2"

WHAT="a wrong password: registration failed with 401, exit 1"
timeout 30 "$PARLEY" listen --bind "udp:127.0.0.1:$(port 20)" --registrar "$PROXY" --user bob \
    --password wrong >"$work/wrong.out" 2>"$work/wrong.err"
rc=$?
if [ "$rc" = 1 ] && grep -q '"state":"failed","status":401,"aor":"sip:bob@127.0.0.1",' \
    "$work/wrong.out"; then
    ok
else
    bad "exit $rc"
    dump "$work/wrong.out" "$work/wrong.err"
fi

WHAT="authenticated REGISTER"
start_listen secure --bind "udp:127.0.0.1:$(port 21)" --registrar "$PROXY" --user bob \
    --auth-user bob --password s3cret --expires 10 --trace
if wait_line "$work/secure.out" "$REGD" 10 && grep -q "^SIP/2.0 401" "$work/secure.err" &&
    grep -q '^Authorization: Digest username="bob"' "$work/secure.err"; then
    ok
else
    bad "no registration"
    dump "$work/secure.out" "$work/secure.err"
fi

WHAT="authenticated INVITE (407, then credentials; the ACK repeats them)"
timeout 30 "$PARLEY" call "sip:bob@127.0.0.1:$K2" --from sip:alice@127.0.0.1 --proxy "$PROXY" \
    --password s3cret --bind "udp:127.0.0.1:$(port 22)" --hangup-after 1 --trace \
    >"$work/acall.out" 2>"$work/acall.err"
rc=$?
acks=$(awk '/^--- / { s = / sent /; a = 0; next }
    s && /^ACK / { a = 1 }
    s && a && /^Proxy-Authorization: Digest username="alice"/ { n++; a = 0 }
    END { print n + 0 }' "$work/acall.err")
if [ "$rc" = 0 ] && grep -q "^SIP/2.0 407" "$work/acall.err" && [ "$acks" -ge 1 ] &&
    grep -q '"event":"incoming"' "$work/secure.out"; then
    ok
else
    bad "call exit $rc, $acks ACKs with credentials"
    dump "$work/acall.out" "$work/acall.err"
fi

WHAT="authenticated MESSAGE; without credentials 407 and exit 1"
timeout 30 "$PARLEY" send "sip:bob@127.0.0.1:$K2" hello --from sip:alice@127.0.0.1 \
    --proxy "$PROXY" --password s3cret --bind "udp:127.0.0.1:$(port 23)" >"$work/msg.out" 2>&1
rc1=$?
timeout 30 "$PARLEY" send "sip:bob@127.0.0.1:$K2" hello --from sip:alice@127.0.0.1 \
    --proxy "$PROXY" --bind "udp:127.0.0.1:$(port 24)" >"$work/msg2.out" 2>&1
rc2=$?
if [ "$rc1" = 0 ] && [ "$rc2" = 1 ] && grep -q "^SIP/2.0 407" "$work/msg2.out" &&
    wait_line "$work/secure.out" '"event":"message".*"body":"hello"' 5; then
    ok
else
    bad "send exits $rc1 and $rc2"
    dump "$work/msg.out" "$work/msg2.out"
fi

WHAT="refreshes carry credentials at once (the nonce counted on): one 401 in all"
if wait_count "$work/secure.out" "$REGD" 2 15 &&
    [ "$(count "$work/secure.err" '^SIP/2.0 401')" = 1 ] &&
    grep -q '^Authorization: Digest .*nc=00000002' "$work/secure.err"; then
    ok "$(count "$work/secure.out" "$REGD") registered lines"
else
    bad "$(count "$work/secure.err" '^SIP/2.0 401') 401s, $(count "$work/secure.out" "$REGD") registered lines"
    dump "$work/secure.out" "$work/secure.err"
fi

WHAT="unregistering through the authenticating registrar"
kill -TERM "$PID_secure"
timeout 45 tail --pid="$PID_secure" -f /dev/null
wait "$PID_secure"
rc=$?
if [ "$rc" = 0 ] && grep -q '"state":"unregistered","aor":"sip:bob@127.0.0.1","contact":"[^"]*"}$' \
    "$work/secure.out"; then
    ok
else
    bad "exit $rc"
    dump "$work/secure.out"
fi
stop_kamailio

echo "# $(($(date +%s) - started)) s"
exit $FAILED
