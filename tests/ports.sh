# shellcheck shell=bash
# Ports for the test scripts that start servers on loopback. Sourced by tests/cli/lib.sh,
# tests/interop/lib.sh (test_sipp_session.sh, test_sipp_ext.sh), tests/interop/test_sipp_{page,
# auth,flood}.sh, test_kamailio_{proxy,dispatcher}.sh and tests/soak/soak_flood_memory.sh.
#
# free_ports N: prints a port P such that nothing on this host holds P..P+N-1 (a UDP or TCP
# socket, IPv4 or IPv6), drawn at random below the kernel's ephemeral range (32768 on Debian,
# where the system picks the ports of outgoing connections), so that tests running at once on
# one host rarely meet; says so on standard error and returns 1 after 50 tries.
free_ports() {
    local n=$1 p i k held
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 12000))
        held=
        for ((k = 0; k < n; k++)); do
            # one stream: awk exits 2 when a file it is given is missing (no IPv6 here)
            if cat /proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6 2>/dev/null |
                awk -v h=":$(printf '%04X' $((p + k)))" \
                    '$1 ~ /^[0-9]+:$/ && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }'; then
                held=1
                break
            fi
        done
        [ -z "$held" ] && { echo "$p"; return 0; }
    done
    echo "free_ports: no $n free ports in a row found in 50 tries" >&2
    return 1
}

# True when a socket of this host is bound to the port (IPv4 or IPv6; TCP: listening).
listening() { # port udp|tcp
    local hex
    hex=$(printf '%04X' "$1")
    # IPv6 sockets too (one bound to [::]:P takes 127.0.0.1:P as well), as one stream: awk exits
    # 2 when a file it is given is missing (a host without IPv6)
    if [ "$2" = udp ]; then
        cat /proc/net/udp /proc/net/udp6 2>/dev/null |
            awk -v p=":$hex" '$1 ~ /^[0-9]+:$/ && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
    else
        cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
            awk -v p=":$hex" '$1 ~ /^[0-9]+:$/ && substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 }
                END { exit !f }'
    fi
}
