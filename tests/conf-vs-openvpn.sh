#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Ground truth for the configuration macros: for several server and client command lines, the
# values Sluice derives (--show-config) must equal what openvpn 2.6 derives from the same options
# (its option dump at --verb 4): tun addresses, pool, local route-gateway, the ordered push list,
# and the keepalive timers. Needs the openvpn binary; exits 77 (skipped) without it.
set -u
bin=${SLUICE_BIN:-./src/sluice}
command -v openvpn >/dev/null || { echo "openvpn not installed"; exit 77; }
failures=0
cases=0

# openvpn's dump, reduced to "key value" lines Sluice can be compared with.
openvpn_view() {
    timeout 10 openvpn "$@" --ca /dev/null --cert /dev/null --key /dev/null --dh none --verb 4 2>&1 |
        sed -n 's/^.* us=[0-9]* *//p' | awk -F" = " '
        $1 == "ifconfig_local" || $1 == "ifconfig_remote_netmask" { gsub(/\x27/, "", $2); ifc[$1] = $2 }
        $1 == "ifconfig_pool_start" { ps = $2 } $1 == "ifconfig_pool_end" { pe = $2 }
        $1 == "route_default_gateway" { gsub(/\x27/, "", $2); if ($2 != "[UNDEF]") print "route-gateway " $2 }
        $1 == "push_entry" { gsub(/^\x27|\x27$/, "", $2); print "push " $2 }
        $1 == "ping_send_timeout" && $2 != 0 { print "ping " $2 }
        $1 == "ping_rec_timeout" && $2 != 0 { print "ping-restart " $2 }
        END { print "ifconfig " ifc["ifconfig_local"] " " ifc["ifconfig_remote_netmask"];
              if (ps != "" && ps != "0.0.0.0") print "pool " ps " " pe }' | sort
}

# The same facts from Sluice's effective configuration.
sluice_view() {
    "$bin" "$@" --ca /dev/null --cert /dev/null --key /dev/null --dh none --show-config 2>&1 |
        awk '
        /^ifconfig / { print }
        /^ifconfig-pool / { print "pool " $2 " " $3 }
        /^route-gateway / { print }
        /^push / { sub(/^push "/, "push "); sub(/"$/, ""); print }
        /^ping / || /^ping-restart / { print }' | sort
}

# The push list's ORDER matters to clients; compare it separately from the sorted view.
push_order() { grep -E "$1" | sed -n 's/^.*push_entry = .\(.*\).$/\1/p; s/^push "\(.*\)"$/\1/p; s/^push \([^"].*\)$/\1/p'; }

check() {
    cases=$((cases + 1))
    local want got
    want=$(openvpn_view "$@")
    got=$(sluice_view "$@")
    if [ "$want" != "$got" ]; then
        echo "FAIL: $*"
        diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
        failures=$((failures + 1))
        return
    fi
    want=$(timeout 10 openvpn "$@" --ca /dev/null --cert /dev/null --key /dev/null --dh none \
        --verb 4 2>&1 | push_order 'push_entry')
    got=$("$bin" "$@" --ca /dev/null --cert /dev/null --key /dev/null --dh none --show-config \
        2>&1 | push_order '^push ')
    if [ "$want" != "$got" ]; then
        echo "FAIL (push order): $*"
        diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

net="--dev tun --server 100.64.10.0 255.255.255.0"
check $net
check $net --topology subnet
check $net --topology p2p
check $net --topology subnet --keepalive 10 60
check $net --keepalive 5 30 --push "route 100.64.20.0 255.255.255.0"
check $net --topology subnet --client-to-client --push "dhcp-option DNS 100.64.10.1"
check --dev tun --server 100.64.0.0 255.255.0.0 --topology subnet
check --dev tun --server 100.64.10.0 255.255.255.248
check --dev tun --server 100.64.10.0 255.255.255.248 --topology subnet
check $net --topology subnet --server-ipv6 fd00:6464::/64
check $net nopool --topology subnet
echo "$cases configurations compared with openvpn, $failures differ"
[ "$failures" -eq 0 ]
