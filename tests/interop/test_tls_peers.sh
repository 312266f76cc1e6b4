#!/usr/bin/env bash
# parley over TLS against real peers on loopback, with a CA and a certificate for 127.0.0.1
# (subjectAltName IP) made here by the openssl CLI:
#
#  Kamailio (Debian kamailio-tls-modules; tests/interop/kamailio/tls.cfg: registrar.cfg over TLS)
#    parley listen registers over TLS (--registrar sips:, verifying Kamailio with --ca): a sips
#      Contact with ;transport=tls; Kamailio keeps an alias of that connection (force_tcp_alias)
#    parley call sips:bob@kamailio --proxy sips:kamailio: Via SIP/2.0/TLS, Kamailio's
#      Record-Route is sips with ;transport=tls, the INVITE reaches the listen over the listen's
#      own connection (the one its REGISTER left on), listen answers with the sips form of its
#      GRUU (RFC 3261 §12.1.1); ACK and BYE follow the route set over TLS
#    parley send sips:bob@kamailio --proxy ...: 200, the text in listen's output
#    a client trusting another CA: exit 2, "TLS failure: certificate of 127.0.0.1 refused: ..."
#      (parley send; parley call's result line has it as "detail"), no request goes out
#    SIGTERM: the listen unregisters over its connection and exits 0
#    mutual TLS (tls.cfg with WITH_MTLS: verify_certificate, require_certificate): parley send
#      --client-cert/--client-key with a certificate of our CA gets Kamailio's answer; without
#      one, or with another CA's, exit 2 with Kamailio's alert as the reason
#  linphonec 5.1 (Debian linphone-cli; verify_server_certs and verify_server_cn with root_ca)
#    linphonec calls sip:parley@...;transport=tls -> parley listen --bind tls: (answers): a sip
#      Contact with ;transport=tls; linphonec's media up; linphonec hangs up (BYE over TLS)
#    not the other way: linphonec's TLS listening point drops every incoming connection
#      (belle-sip: "New connection arriving on TLS, not handled"), so a call to it, and parley's
#      own BYE to its Contact, cannot connect (RFC 5923 lets parley reuse linphonec's
#      connection only for an alias it authenticated: it has no client certificate)
#  baresip 1.0 (Debian baresip-core; its TLS listener is its sip_listen port + 1, with
#    sip_certificate and sip_cafile)
#    parley call sip:bob@...;transport=tls -> baresip (answers at once): every message over TLS,
#      baresip's Contact named for the BYE; parley call sips:... the same
#    baresip /dial sip:parley@...;transport=tls -> parley listen --bind tls: --verify-client
#      (answers; baresip presents its sip_certificate, which chains to our CA): parley's
#      200 has a sip Contact with ;transport=tls (a sips one made baresip drop the call: libre
#      before 2.0 sends to sip URIs only); baresip hangs up (BYE over TLS)
#
# What parley sees of its peers is checked in its JSON lines and --trace; baresip's side in its
# and linphonec's logs. Every wait is bounded (a
# poll with a bound, timeout(1)); processes are stopped by PID in the EXIT trap; ports from
# free_ports; only 127.0.0.1.
set -u
PARLEY=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" # listening, free_ports, gone_within

KMODS=/usr/lib/x86_64-linux-gnu/kamailio/modules
have_all() {
    PATH=$PATH:/usr/sbin command -v kamailio >/dev/null 2>&1 && [ -f "$KMODS/tls.so" ] &&
        command -v baresip >/dev/null 2>&1 && command -v linphonec >/dev/null 2>&1 &&
        command -v openssl >/dev/null 2>&1
}
# kamailio-tls-modules and baresip-core are in the test profile of scripts/deps.sh
have_all || "$root/scripts/deps.sh" test >/dev/null 2>&1
if ! have_all; then
    echo "SKIP: kamailio with $KMODS/tls.so, baresip, linphonec or openssl missing and not" \
        "installable (Debian kamailio, kamailio-tls-modules, baresip-core, linphone-cli," \
        "openssl; scripts/deps.sh test)"
    exit 77
fi
PATH=$PATH:/usr/sbin
BMODS=/usr/lib/baresip/modules

started=$(date +%s%N)
work=$(mktemp -d /tmp/parley-tls-peers-XXXXXX)
PIDS=() # everything started in the background
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local p
    exec 5>&- 2>/dev/null
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        gone_within "$p" 5 || kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=0
PASSED=0
WHAT=
ok() {
    echo "ok - $WHAT${1:+: $1}"
    PASSED=$((PASSED + 1))
}
bad() {
    echo "not ok - $WHAT: $*"
    FAILED=$((FAILED + 1))
}
dump() { # files...
    local f
    for f in "$@"; do
        [ -s "$f" ] && { echo "--- $(basename "$f"):"; tr -d '\r' <"$f" | tail -n 30; }
    done
}
# Waits (at most secs) until file has a line matching the extended regexp. tail -F: the file
# may not be there yet (a process started in the background makes it when it runs; tail -f
# would give up at once)
wait_line() { # file regexp secs
    grep -E -q -m1 -e "$2" < <(timeout "$3" tail -n +1 -F "$1" 2>/dev/null)
}
# The header line matching header-regexp (CR removed) of the first traced message whose first
# line matches start-regexp and whose CSeq names the method (any method when none is given).
traced_header() { # trace start-regexp header-regexp [method]
    tr -d '\r' <"$1" | awk -v s="$2" -v h="$3" -v meth="${4:-}" '
        function out() {
            if (!done && m && got != "" && (meth == "" || cm == meth)) { print got; done = 1; exit }
        }
        /^--- /{ out(); m = 0; first = 1; got = ""; cm = ""; next }
        first { m = ($0 ~ s); first = 0; next }
        /^CSeq:/ { cm = $3 }
        m && got == "" && $0 ~ h { got = $0 }
        END { out() }'
}
# The trace line (--- ... sent|recv TLS A -> B ...) of the first message whose first line matches.
trace_line() { # trace start-regexp
    tr -d '\r' <"$1" | awk -v s="$2" '/^--- /{t = $0; first = 1; next}
        first { first = 0; if ($0 ~ s) { print t; exit } }'
}
# The transports of every traced message, sorted and unique ("TLS " when all went over TLS).
transports() { # trace
    tr -d '\r' <"$1" | awk '/^--- /{print $4}' | sort -u | tr '\n' ' '
}

P=$(free_ports 17) || { echo "FAIL: no free ports"; exit 1; }
K=$P              # Kamailio over TLS
L1=$((P + 2))     # parley listen registered at Kamailio
B=$((P + 4))      # baresip: UDP and TCP here, TLS on B+1
L2=$((P + 6))     # parley listen that baresip calls
LIN=$((P + 7))    # linphonec's TLS listening point (it accepts no connection there)
L3=$((P + 8))     # parley listen that linphonec calls
K2=$((P + 9))     # Kamailio over mutual TLS
RTP=$(((P + 11) / 2 * 2)) # linphonec's RTP ports (RTP..RTP+5: even, P+10 or P+11 on, in the run)

# ---- certificates: a CA, another CA, one certificate for 127.0.0.1 (every TLS server) and
# one for parley as a TLS client ----
# RSA: Kamailio 5.6's tls module fails EC keys ("no suitable signature algorithm"). The name
# 127.0.0.1 is an IP address entry (what parley checks, RFC 5922 §7.1) and a DNS one too:
# linphonec's TLS (mbedtls) compares its cname with DNS entries only ("CN-mismatch")
(
    cd "$work" &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=parley interop CA" \
            -keyout ca.key -out ca.pem &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=someone else CA" \
            -keyout other.key -out other.pem &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key \
            -out server.csr &&
        echo "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1" >ext.cnf &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile ext.cnf -out server.pem &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=parley client" -keyout client.key \
            -out client.csr &&
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -out client.pem &&
        cat server.pem server.key >baresip.pem
) >"$work/openssl.log" 2>&1 || { echo "FAIL: openssl"; cat "$work/openssl.log"; exit 1; }
CA=$work/ca.pem
TLSOPT=(--cert "$work/server.pem" --key "$work/server.key" --ca "$CA")

# ======================= Kamailio over TLS =======================
WHAT="Kamailio starts with a TLS listener"
mkdir -p "$work/krun"
kamailio -f "$here/kamailio/tls.cfg" -l "tls:127.0.0.1:$K" -DD -E -m 32 -M 4 \
    -A "TLS_CERT=\"$work/server.pem\"" -A "TLS_KEY=\"$work/server.key\"" -A "TLS_CA=\"$CA\"" \
    -Y "$work/krun" -w "$work" -P "$work/kamailio.pid" >"$work/kamailio.log" 2>&1 &
KPID=$!
PIDS+=("$KPID")
kup=
for _ in $(seq 200); do # 10 s at most
    if listening "$K" tcp; then kup=1; break; fi
    kill -0 "$KPID" 2>/dev/null || break
    sleep 0.05
done
if [ -n "$kup" ]; then ok; else bad "not listening on $K"; dump "$work/kamailio.log"; fi

PROXY="sips:127.0.0.1:$K"
REGD='"event":"registration","state":"registered"'
WHAT="parley listen registers over TLS (sips registrar, Kamailio's certificate checked with --ca)"
"$PARLEY" listen --bind "tls:127.0.0.1:$L1" "${TLSOPT[@]}" --registrar "$PROXY" --user bob \
    --answer auto --trace >"$work/bob.out" 2>"$work/bob.err" &
BOB=$!
PIDS+=("$BOB")
if wait_line "$work/bob.out" "$REGD" 10 &&
    grep -q "$REGD"',"aor":"sip:bob@127.0.0.1","contact":"sips:bob@127.0.0.1:'"$L1"';transport=tls"' \
        "$work/bob.out"; then
    ok
else
    bad "no registration"
    dump "$work/bob.out" "$work/bob.err" "$work/kamailio.log"
fi
# the port the REGISTER left from: Kamailio's alias makes it the path of the INVITE too
regport=$(trace_line "$work/bob.err" '^REGISTER ' | sed -n 's/.* sent TLS 127\.0\.0\.1:\([0-9]*\) .*/\1/p')

WHAT="parley call through Kamailio over TLS: sips Record-Route, the listen's own connection, sips GRUU Contact"
(exec timeout 20 "$PARLEY" call "sips:bob@127.0.0.1:$K" --proxy "$PROXY" --ca "$CA" \
    --hangup-after 1 --trace >"$work/call1.out" 2>"$work/call1.err") &
CALL1=$!
PIDS+=("$CALL1")
if wait_line "$work/call1.out" '"op":"bye".*"ok":true' 15; then
    rr=$(traced_header "$work/call1.err" '^SIP/2.0 200 ' '^Record-Route:' INVITE)
    via=$(traced_header "$work/call1.err" '^INVITE ' '^Via:')
    inv=$(trace_line "$work/bob.err" '^INVITE ')
    ct=$(traced_header "$work/bob.err" '^SIP/2.0 200 ' '^Contact:' INVITE)
    acks=$(trace_line "$work/bob.err" '^ACK ')
    if ! grep -q '"event":"incoming"' "$work/bob.out"; then
        bad "listen saw no call"
    elif ! [[ $rr =~ \<sips:127\.0\.0\.1:$K\;transport=tls\;lr ]]; then
        bad "Record-Route: '$rr'"
    elif ! [[ $via == "Via: SIP/2.0/TLS "* ]]; then
        bad "Via: '$via'"
    elif [ -z "$regport" ] || ! [[ $inv == *" recv TLS 127.0.0.1:$K -> 127.0.0.1:$regport "* ]]; then
        bad "the INVITE came as '$inv', not on the REGISTER's connection (port '$regport')"
    elif ! [[ $ct == "Contact: <sips:bob@127.0.0.1;gr=urn:uuid:"* ]]; then
        bad "listen's 200: '$ct' (a sips dialog: a sips Contact, RFC 3261 §12.1.1)"
    elif [ -z "$acks" ] || ! grep -q '"by":"BYE"' "$work/bob.out"; then
        bad "no ACK or BYE at the listen"
    elif [ "$(transports "$work/call1.err")$(transports "$work/bob.err")" != "TLS TLS " ]; then
        bad "messages not over TLS: $(transports "$work/call1.err") $(transports "$work/bob.err")"
    else
        ok "$rr"
    fi
else
    bad "the call did not end with a bye line"
fi
[ "$FAILED" = 0 ] || dump "$work/call1.out" "$work/call1.err" "$work/bob.out" "$work/bob.err"
# over TCP and TLS parley call waits up to 5 s for its peer to close the connection (a UAS may
# be in its end-of-call wait), but not for an outbound proxy's (Kamailio keeps it 120 s)
WHAT="parley call through the proxy exits 0 at once after its BYE"
if gone_within "$CALL1" 2; then
    rc=0
    wait "$CALL1" || rc=$?
    if [ "$rc" = 0 ]; then ok; else bad "exit $rc"; fi
else
    bad "still running 2 s after its BYE's 200"
fi

WHAT="parley send (MESSAGE) through Kamailio over TLS"
text="over tls $RANDOM"
(exec timeout 20 "$PARLEY" send "sips:bob@127.0.0.1:$K" "$text" --proxy "$PROXY" --ca "$CA" \
    >"$work/send.out" 2>"$work/send.err") &
SEND=$!
PIDS+=("$SEND")
if wait_line "$work/send.out" '^SIP/2.0 200 ' 10 &&
    wait_line "$work/bob.out" '"event":"message".*"body":"'"$text"'"' 5; then
    ok
else
    bad "no 200 or no message at the listen"
    dump "$work/send.out" "$work/send.err" "$work/bob.out"
fi

WHAT="a client trusting another CA: exit 2, the TLS error says why, nothing sent"
timeout 10 "$PARLEY" send "sips:bob@127.0.0.1:$K" nope --proxy "$PROXY" --ca "$work/other.pem" \
    --trace >"$work/wrong.out" 2>"$work/wrong.err"
rc=$?
if [ "$rc" = 2 ] && grep -q "^parley send: TLS failure: certificate of 127.0.0.1 refused: " \
    "$work/wrong.err" && ! grep -q '^--- .* sent ' "$work/wrong.err"; then
    ok "$(grep -m1 '^parley send: TLS' "$work/wrong.err")"
else
    bad "exit $rc"
    dump "$work/wrong.out" "$work/wrong.err"
fi
WHAT="... and parley call the same"
timeout 10 "$PARLEY" call "sips:bob@127.0.0.1:$K" --proxy "$PROXY" --ca "$work/other.pem" \
    >"$work/wrongc.out" 2>"$work/wrongc.err"
rc=$?
if [ "$rc" = 2 ] && grep -q '"op":"call".*"error":"TLS failure","detail":"certificate of 127.0.0.1 refused: [^"]*","ok":false' \
    "$work/wrongc.out"; then
    ok
else
    bad "exit $rc"
    dump "$work/wrongc.out" "$work/wrongc.err"
fi

WHAT="SIGTERM: the listen unregisters over TLS and exits 0"
kill -TERM "$BOB"
if gone_within "$BOB" 10; then
    wait "$BOB"
    rc=$?
    if [ "$rc" = 0 ] && grep -q '"state":"unregistered"' "$work/bob.out"; then ok; else
        bad "exit $rc"
        dump "$work/bob.out"
    fi
else
    bad "still running 10 s after SIGTERM"
fi

# ---- mutual TLS: Kamailio requiring a client certificate (tls.cfg with WITH_MTLS) ----
WHAT="Kamailio requiring client certificates starts"
mkdir -p "$work/krun2"
kamailio -f "$here/kamailio/tls.cfg" -l "tls:127.0.0.1:$K2" -DD -E -m 32 -M 4 -A WITH_MTLS \
    -A "TLS_CERT=\"$work/server.pem\"" -A "TLS_KEY=\"$work/server.key\"" -A "TLS_CA=\"$CA\"" \
    -Y "$work/krun2" -w "$work" -P "$work/kamailio2.pid" >"$work/kamailio2.log" 2>&1 &
K2PID=$!
PIDS+=("$K2PID")
kup=
for _ in $(seq 200); do
    if listening "$K2" tcp; then kup=1; break; fi
    kill -0 "$K2PID" 2>/dev/null || break
    sleep 0.05
done
if [ -n "$kup" ]; then ok; else bad "not listening on $K2"; dump "$work/kamailio2.log"; fi
msend() { # name, then options: parley send to Kamailio's mutual TLS port (exit code in rc)
    local name=$1
    shift
    timeout 10 "$PARLEY" send "sips:bob@127.0.0.1:$K2" hi --ca "$CA" "$@" \
        >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
}
WHAT="mutual TLS: --client-cert (our CA's) is taken: Kamailio answers (404, no bob there)"
msend mtls --client-cert "$work/client.pem" --client-key "$work/client.key"
if [ "$rc" = 1 ] && grep -q '^SIP/2.0 404 ' "$work/mtls.out"; then ok; else
    bad "exit $rc"
    dump "$work/mtls.out" "$work/mtls.err"
fi
WHAT="mutual TLS: without a client certificate, exit 2 and Kamailio's alert"
msend nocert
if [ "$rc" = 2 ] && grep -q '^parley send: TLS failure: .*certificate required' "$work/nocert.err"; then
    ok "$(cat "$work/nocert.err")"
else
    bad "exit $rc"
    dump "$work/nocert.out" "$work/nocert.err"
fi
WHAT="mutual TLS: a certificate of another CA, exit 2 and Kamailio's alert"
msend othercert --client-cert "$work/other.pem" --client-key "$work/other.key"
if [ "$rc" = 2 ] && grep -q '^parley send: TLS failure: .*unknown ca' "$work/othercert.err"; then
    ok "$(cat "$work/othercert.err")"
else
    bad "exit $rc"
    dump "$work/othercert.out" "$work/othercert.err"
fi

# ======================= baresip over TLS =======================
BLOG=$work/baresip.log
bsaw() { # string [n] [secs]: baresip's log holds the fixed string n times (polled)
    local n=${2:-1} c=0
    for _ in $(seq $((${3:-10} * 20))); do
        c=$(grep -a -o -F -- "$1" "$BLOG" | wc -l)
        [ "$c" -ge "$n" ] && return 0
        sleep 0.05
    done
    return 1
}
mkdir -p "$work/baresip/home"
cat >"$work/baresip/config" <<EOF
poll_method	epoll
sip_listen	127.0.0.1:$B
sip_certificate	$work/baresip.pem
sip_cafile	$CA
net_interface	127.0.0.1
audio_player	aubridge,nil
audio_source	aubridge,nil
audio_alert	aubridge,nil
module_path	$BMODS
module	g711.so
module	aubridge.so
module	stdio.so
module_app	account.so
module_app	contact.so
module_app	menu.so
EOF
echo '<sip:bob@127.0.0.1>;regint=0;answermode=auto' >"$work/baresip/accounts"
: >"$work/baresip/contacts"
mkfifo "$work/bin"
HOME=$work/baresip/home stdbuf -oL -eL baresip -f "$work/baresip" <"$work/bin" >"$BLOG" 2>&1 &
BPID=$!
PIDS+=("$BPID")
exec 5>"$work/bin"
bsay() { echo "$1" >&5; }
WHAT="baresip starts with its TLS listener"
bup=
for _ in $(seq 200); do
    if grep -a -q "baresip is ready" "$BLOG" && listening $((B + 1)) tcp; then bup=1; break; fi
    kill -0 "$BPID" 2>/dev/null || break
    sleep 0.05
done
if [ -n "$bup" ]; then ok; else bad "no TLS listener on $((B + 1))"; dump "$BLOG"; fi

bcall() { # n uri: parley call to baresip over TLS, hung up by parley after 1 s
    WHAT="parley call $2 -> baresip: answered, every message over TLS, parley's BYE"
    local est
    est=$(grep -a -c -F "Call established" "$BLOG")
    timeout 20 "$PARLEY" call "$2" --ca "$CA" --hangup-after 1 --trace \
        >"$work/bcall$1.out" 2>"$work/bcall$1.err"
    local rc=$?
    if [ "$rc" = 0 ] && grep -q '"op":"bye".*"status":200' "$work/bcall$1.out" &&
        [ "$(transports "$work/bcall$1.err")" = "TLS " ] &&
        grep -a -q '^BYE sip:bob-[^ ]*;transport=tls SIP/2.0' "$work/bcall$1.err" &&
        bsaw "Call established" $((est + 1)); then
        ok
    else
        bad "exit $rc, transports $(transports "$work/bcall$1.err")"
        dump "$work/bcall$1.out" "$work/bcall$1.err" "$BLOG"
    fi
}
bcall 1 "sip:bob@127.0.0.1:$((B + 1));transport=tls"
bcall 2 "sips:bob@127.0.0.1:$((B + 1))"

WHAT="baresip -> parley listen --verify-client over TLS (baresip's certificate checked): a sip Contact with ;transport=tls, baresip's BYE"
"$PARLEY" listen --bind "tls:127.0.0.1:$L2" "${TLSOPT[@]}" --verify-client --answer auto --trace \
    >"$work/l2.out" 2>"$work/l2.err" &
L2PID=$!
PIDS+=("$L2PID")
if wait_line "$work/l2.out" '"event":"listening"' 10; then
    bsay "/dial sip:parley@127.0.0.1:$L2;transport=tls"
    if wait_line "$work/l2.out" '"state":"connected"' 10 &&
        bsaw "Call established: sip:parley@127.0.0.1:$L2;transport=tls"; then
        bsay /hangup
        ct=$(traced_header "$work/l2.err" '^SIP/2.0 200 ' '^Contact:' INVITE)
        if wait_line "$work/l2.out" '"by":"BYE"' 10 &&
            [[ $ct == "Contact: <sip:127.0.0.1:$L2;transport=tls>"* ]] &&
            [ "$(transports "$work/l2.err")" = "TLS " ]; then
            ok "$ct"
        else
            bad "Contact '$ct', transports $(transports "$work/l2.err")"
            dump "$work/l2.out" "$work/l2.err" "$BLOG"
        fi
    else
        bad "the call was not established"
        dump "$work/l2.out" "$work/l2.err" "$BLOG"
    fi
else
    bad "parley listen did not start"
    dump "$work/l2.err"
fi
bsay /quit
exec 5>&-

# ======================= linphonec over TLS =======================
LD=$work/linphone
mkdir -p "$LD/home/.local/share/linphone"
# TLS only (sip_port and sip_tcp_port 0); the server's certificate checked against our CA and
# for the name of the URI (verify_server_cn); RTP on loopback; no video, no sound system
cat >"$LD/rc" <<EOF
[sip]
sip_port=0
sip_tcp_port=0
sip_tls_port=$LIN
bind_address=127.0.0.1
use_ipv6=0
guess_hostname=0
contact="Linphone" <sip:linphone@127.0.0.1>
default_proxy=0
root_ca=$CA
verify_server_certs=1
verify_server_cn=1
[rtp]
bind_address=127.0.0.1
audio_rtp_port=$RTP
video_rtp_port=$((RTP + 2))
text_rtp_port=$((RTP + 4))
[video]
enabled=0
capture=0
display=0
EOF
: >"$LD/asound.conf"
mkfifo "$LD/in"
HOME=$LD/home XDG_CONFIG_HOME=$LD/home XDG_DATA_HOME=$LD/home/.local/share \
    XDG_RUNTIME_DIR=$LD/home ALSA_CONFIG_PATH=$LD/asound.conf \
    PULSE_SERVER=unix:$LD/no-pulse-server \
    linphonec -c "$LD/rc" -d 6 -l "$LD/log" <"$LD/in" >"$LD/out" 2>"$LD/err" &
LINPID=$!
PIDS+=("$LINPID")
exec 5>"$LD/in"
lsay() { echo "$1" >&5; }
lsaw() { # extended regexp: linphonec printed such a line (10 s at most, polled)
    for _ in $(seq 200); do
        grep -a -q -E -e "$1" "$LD/out" && return 0
        sleep 0.05
    done
    return 1
}
WHAT="linphonec starts with TLS only"
lup=
for _ in $(seq 200); do
    if listening "$LIN" tcp; then lup=1; break; fi
    kill -0 "$LINPID" 2>/dev/null || break
    sleep 0.05
done
if [ -n "$lup" ]; then
    lsay "soundcard use files"
    if lsaw 'Using wav files instead of soundcard'; then ok; else
        bad "linphonec kept its sound card"
        lup=
    fi
else
    bad "not listening on $LIN"
    dump "$LD/err"
fi

WHAT="linphonec -> parley listen over TLS (parley's certificate verified): a sip Contact with ;transport=tls, linphonec's BYE"
"$PARLEY" listen --bind "tls:127.0.0.1:$L3" "${TLSOPT[@]}" --answer auto --trace \
    >"$work/l3.out" 2>"$work/l3.err" &
L3PID=$!
PIDS+=("$L3PID")
if [ -n "$lup" ] && wait_line "$work/l3.out" '"event":"listening"' 10; then
    target="sip:parley@127.0.0.1:$L3;transport=tls"
    lsay "call $target"
    if wait_line "$work/l3.out" '"state":"connected"' 10 &&
        lsaw "Media streams established with <$target>"; then
        lsay terminate
        ct=$(traced_header "$work/l3.err" '^SIP/2.0 200 ' '^Contact:' INVITE)
        if wait_line "$work/l3.out" '"by":"BYE"' 10 && lsaw "Call 1 with <$target> ended" &&
            [[ $ct == "Contact: <sip:127.0.0.1:$L3;transport=tls>"* ]] &&
            [ "$(transports "$work/l3.err")" = "TLS " ] &&
            grep -a -q 'SSL handshake finished' "$LD/log"; then
            ok "$ct"
        else
            bad "Contact '$ct', transports $(transports "$work/l3.err")"
            dump "$work/l3.out" "$work/l3.err" "$LD/out"
        fi
    else
        bad "the call was not established"
        dump "$work/l3.out" "$work/l3.err" "$LD/out"
        grep -a -E 'belle-sip-error|SSL' "$LD/log" | tail -n 5
    fi
else
    bad "parley listen or linphonec did not start"
    dump "$work/l3.err"
fi
lsay quit
exec 5>&-

WHAT="parley send through Kamailio exits 0"
rc=0
wait "$SEND" || rc=$?
if [ "$rc" = 0 ]; then ok; else bad "exit $rc"; fi

ms=$((($(date +%s%N) - started) / 1000000))
took="$((ms / 1000)).$(printf %03d $((ms % 1000))) s"
if [ "$FAILED" != 0 ]; then
    echo "FAIL: $FAILED check(s) failed, $PASSED passed, in $took"
    exit 1
fi
echo "all $PASSED checks passed in $took"
exit 0
