# Helpers for the CLI tests that drive several processes (sourced by bash scripts).
# Every wait is bounded; processes are stopped by their PID.

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
die() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIP: $*"
    exit 77
}

# need COMMAND PACKAGE: the command, installed with the test profile when missing (as root,
# through scripts/deps.sh, which waits for other apt runs); skips when it cannot be had.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ -n "${PARLEY_SOURCE_DIR:-}" ] && [ "$(id -u)" -eq 0 ]; then
        echo "$1 missing: installing the test profile (scripts/deps.sh test)"
        "$PARLEY_SOURCE_DIR/scripts/deps.sh" test >/dev/null 2>&1
    fi
    command -v "$1" >/dev/null 2>&1 ||
        skip "$1 is not installed and could not be (Debian package $2; make test installs it)"
}

# tshark ARGS...: quiet about running as root; no profile, no network lookups. Heuristic
# dissectors (SIP's among them) are tried before the port tables: a kernel-chosen source port
# that the tables give another protocol (44818 is EtherNet/IP, 57000 IRC) made a TCP exchange
# vanish from the SIP view (cli_test_pcap failed so once: send_tcp6 dissected as nothing)
tshark_q() {
    tshark -n -o "gui.console_open:NEVER" -o tcp.try_heuristic_first:TRUE \
        -o udp.try_heuristic_first:TRUE "$@" 2>/dev/null
}

# free_ports N (tests/ports.sh): a run of N ports nothing on this host holds
# shellcheck source=../ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ports.sh"

# start_listen OUT_FILE ARGS...: starts `parley listen ARGS`, waits (at most 10 s) for its
# "listening" line, then copies its further JSON lines to OUT_FILE. Sets LPID.
start_listen() {
    local out=$1 fifo
    shift
    fifo=$(mktemp -u "$out.fifo.XXXXXX")
    mkfifo "$fifo" || die "mkfifo"
    "$PARLEY" listen "$@" >"$fifo" 2>"$out.err" &
    LPID=$!
    exec 3<"$fifo"
    rm -f "$fifo"
    local line
    read -t 10 -r line <&3 || die "parley listen did not start: $(cat "$out.err")"
    case "$line" in *'"event":"listening"'*) ;; *) die "parley listen said: $line" ;; esac
    echo "$line" >"$out"
    cat <&3 >>"$out" &
    exec 3<&-
}

# stop_listen: SIGTERM, then wait (at most 10 s) for it to write its files and exit 0.
stop_listen() {
    [ -n "${LPID:-}" ] || return 0
    kill -TERM "$LPID" 2>/dev/null
    timeout 10 tail --pid="$LPID" -f /dev/null
    if kill -0 "$LPID" 2>/dev/null; then
        kill -KILL "$LPID"
        die "parley listen did not end within 10 s of SIGTERM"
    fi
    wait "$LPID"
    local rc=$?
    LPID=
    [ $rc -eq 0 ] || fail "parley listen exited $rc"
}

# trace_summary TRACE_FILE: one line per message a --trace output shows, "REQ METHOD" or
# "RSP CODE CSEQ-METHOD", sorted.
trace_summary() {
    tr -d '\r' <"$1" |
        awk '/^--- [0-9:.]+ (sent|recv) / { start = 1; want_cseq = 0; next }
         start && /^SIP\/2\.0 / { code = $2; want_cseq = 1; start = 0; next }
         start { print "REQ " $1; start = 0; next }
         want_cseq && tolower($1) == "cseq:" { print "RSP " code " " $3; want_cseq = 0 }' |
        sort
}

# pcap_summary PCAP: the same for the SIP messages tshark dissects in a capture.
pcap_summary() {
    tshark_q -r "$1" -Y sip -T fields -E separator=' ' -e sip.Method -e sip.Status-Code \
        -e sip.CSeq.method |
        awk 'NF == 0 { next }
             $1 ~ /^[0-9]+$/ { print "RSP " $1 " " $2; next }
             { print "REQ " $1 }' | sort
}

# check_pcap PCAP TRACE WHAT: the capture holds exactly the messages the trace shows, dissected
# as SIP, and tshark's expert finds nothing malformed and no broken TCP sequence.
check_pcap() {
    local pcap=$1 trace=$2 what=$3
    [ -s "$pcap" ] || { fail "$what: no capture written"; return; }
    local want got before=$failures
    want=$(trace_summary "$trace")
    got=$(pcap_summary "$pcap")
    [ -n "$want" ] || fail "$what: the trace shows no message"
    [ "$want" = "$got" ] || fail "$what: the capture's SIP messages differ from the trace
  trace:   $(echo "$want" | tr '\n' ',')
  capture: $(echo "$got" | tr '\n' ',')"
    local expert
    expert=$(tshark_q -r "$pcap" -q -z expert)
    if echo "$expert" | grep -qi 'malformed'; then
        fail "$what: tshark finds malformed packets: $expert"
    fi
    # lost segments, unseen ACKs, out-of-order: what a wrong seq/ack reconstruction shows
    if echo "$expert" | grep -Eqi 'not captured|wasn.t captured|out-of-order|retransmission'; then
        fail "$what: tshark finds a broken TCP stream: $expert"
    fi
    [ $failures -eq $before ] && echo "ok - $what: $(echo "$got" | wc -l) SIP messages, as traced"
}
