#!/bin/sh
# `parley demo` (what `make demo` runs) completes a whole session over loopback and exits 0.
set -u
PARLEY=$1
out=$(timeout 60 "$PARLEY" demo 2>&1)
rc=$?
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
[ $rc -eq 0 ] || fail "parley demo exited $rc"
for want in "INVITE sip:bob@" "SIP/2.0 180 Ringing" "ACK sip:bob@" "MESSAGE sip:bob@" \
    "MESSAGE sip:alice@" "INFO sip:bob@" "re-INVITE: Alice put me on hold" \
    "re-INVITE: media flowing both ways" "BYE sip:bob@" "state Disconnected (TerminatedRemotely)" \
    "demo: done"; do
    case "$out" in *"$want"*) ;; *) fail "missing '$want'" ;; esac
done
echo "ok - parley demo runs a whole session"
