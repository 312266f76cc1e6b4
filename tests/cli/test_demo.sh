#!/bin/sh
# `parley demo` (what `make demo` runs): Alice, Bob and Carol play every step of the session
# model over loopback, Digest authentication included; each step says "ok", what is left out
# is listed (and is not something the demo does), the first session's call flow and the HTML
# page follow, and it exits 0; 2 when the page cannot be written.
set -u
PARLEY=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$(TMPDIR=$work timeout 120 "$PARLEY" demo 2>&1)
rc=$?
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
[ $rc -eq 0 ] || fail "parley demo exited $rc"
for want in "Alice invites Bob with an SDP offer" "MESSAGE with X-Demo" "INFO with X-Demo both ways" \
    "Bob holds" "renegotiation glare" "by UPDATE" "Alice refers Bob to Carol" "null-offer session" \
    "early media" "rejected session" "redirected session" "cancelled session" \
    "Digest: Carol challenges a MESSAGE (401); Alice's password passes" \
    "Alice hangs up the first session" "The first session's call flow" "demo: done"; do
    line=$(printf '%s\n' "$out" | grep -F -- "$want" | head -n 1)
    [ -n "$line" ] || fail "missing '$want'"
    case "$line" in *FAILED*) fail "step failed: $line" ;; esac
done
printf '%s\n' "$out" | grep -q "FAILED" && fail "a step failed"
steps=$(printf '%s\n' "$out" | grep -cE '^ +[0-9]+\. .* ok$')
[ "$steps" -ge 15 ] || fail "only $steps steps said ok"
# what the demo leaves out is listed, and Digest is no longer among it
left_out=$(printf '%s\n' "$out" | sed -n '/Not in this demo/,/^$/p')
[ -n "$left_out" ] || fail "no list of what the demo leaves out"
printf '%s\n' "$left_out" | grep -qi digest && fail "Digest is listed as left out: $left_out"
[ -s "$work/parley-demo.html" ] || fail "no HTML page in \$TMPDIR"
# the challenges are on the wire: the page shows them (Alice's once, Bob's twice)
n401=$(grep -o '>401 Unauthorized<' "$work/parley-demo.html" | wc -l)
[ "$n401" -ge 3 ] || fail "the page shows $n401 arrows labelled 401 Unauthorized, want 3"
printf '%s\n' "$out" | grep -q "NOTIFY progress: 100, 180, 200" || fail "no NOTIFY progress"
echo "ok - parley demo plays every step ($steps), prints the call flow and writes the page"
# a page it cannot write is a local error (exit 2, like call and send), not a failed step
out=$(timeout 120 "$PARLEY" demo --ladder "$work/no/such/dir/demo.html" 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "demo with an unwritable --ladder exited $rc, want 2"
printf '%s\n' "$out" | grep -q "some steps did not behave" &&
    fail "an unwritable page is reported as a step that did not behave"
printf '%s\n' "$out" | grep -q "no/such/dir/demo.html" || fail "the error does not name the page"
echo "ok - parley demo: exit 2 when its page cannot be written"
