#!/bin/sh
# Installs the Debian packages parley needs, only those missing. Runs apt-get as root, or
# through sudo. Usage: scripts/deps.sh [build|test|bench|all]  (default: test)
set -eu

profile=${1:-test}
build="gcc make cmake pkg-config libuv1-dev libssl-dev libc-ares-dev"
test="$build clang libclang-rt-14-dev llvm libcmocka-dev sip-tester openssl dnsmasq-base iproute2 nftables kamailio"
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
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing
