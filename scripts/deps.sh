#!/bin/sh
# Installs the Debian packages parley needs, only those missing. Runs apt-get as root, or
# through sudo. Usage: scripts/deps.sh [build|test|bench|all]  (default: test)
set -eu

profile=${1:-test}
build="gcc make cmake pkg-config libuv1-dev libssl-dev libc-ares-dev"
# tshark dissects the CLI's pcap files and captures SIPp on loopback; chromium renders the
# HTML ladders (tests/cli/test_pcap.sh, test_ladder.sh); g++ compiles the public headers as C++
test="$build g++ clang libclang-rt-14-dev llvm libcmocka-dev sip-tester openssl dnsmasq-base iproute2 nftables valgrind kamailio"
test="$test tshark chromium"
# baresip-core: a real softphone as the peer of tests/interop/test_baresip.sh (calls, hold,
# MESSAGE over UDP and TCP); its core package only: no GUI, no audio drivers (the test loads
# no audio module), and --no-install-recommends keeps the sound daemons out
test="$test baresip-core"
# linphone-cli: Linphone's console client linphonec, the real softphone that
# tests/interop/test_linphonec.sh calls and is called by (run headless, no sound card needed)
test="$test linphone-cli"
# kamailio-tls-modules: Kamailio's tls.so, the TLS registrar/proxy of
# tests/interop/test_tls_peers.sh
test="$test kamailio-tls-modules"
bench="$build libsofia-sip-ua-dev libre-dev valgrind sip-tester linux-perf strace util-linux"

case "$profile" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
all) want="$test $bench" ;;
*) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "parley: installing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "parley: need root or sudo to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
case "$missing" in
*tshark*) # dumpcap stays root-only: no question, no setuid binary
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        $sudo debconf-set-selections ;;
esac
# other apt-get runs on the machine: wait for the dpkg lock rather than fail
lock="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086
$sudo apt-get $lock update -q
# shellcheck disable=SC2086
$sudo apt-get $lock install -y -q --no-install-recommends $missing
