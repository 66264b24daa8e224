#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The tunnel over an IPv6 underlay against the real openvpn, both roles: the veth pair gets
# fd00:5c:1::1/64 (server) and ::2 (client) besides the IPv4 underlay. The Sluice server listens
# dual-stack (`proto udp`, no `local`), so the same socket takes the openvpn client over IPv6
# and a second client over IPv4; the Sluice client connects with `proto udp6` to an openvpn
# server on `proto udp6`. Each must pass IPv4 and IPv6 pings through the tunnel, and the
# server log must show the client's IPv6 address.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

UL6_SRV=fd00:5c:1::1
UL6_CLI=fd00:5c:1::2
TUN6=fd00:6c75:6963::

netns_setup
ip -n "$IL_NS_S" addr add "$UL6_SRV/64" dev ul0 nodad &&
    ip -n "$IL_NS_C" addr add "$UL6_CLI/64" dev ul0 nodad ||
    fail "cannot add the IPv6 underlay"
pki_make "$IL_DIR/pki"

# server_conf: listen on every address of both families; IPv6 inside as well.
server_conf() {
    conf_server tls-crypt | grep -v '^local \|^proto '
    echo "proto udp"
    echo "server-ipv6 ${TUN6}/64"
}

# client_conf: connect to the server's IPv6 underlay address.
client_conf() {
    conf_client tls-crypt | grep -v '^remote \|^proto '
    echo "remote $UL6_SRV $IL_PORT"
    echo "proto udp6"
}

pings() {
    tun_ping client "$IL_TUN_SRV" 5 || fail "$1: no IPv4 ping through the tunnel"
    ip netns exec "$IL_NS_C" ping -6 -n -q -c 1 -w 5 "${TUN6}1" >/dev/null 2>&1 ||
        fail "$1: no IPv6 ping through the tunnel"
}

# 1. Sluice server (dual stack) + openvpn client over IPv6.
server_conf >"$IL_DIR/s1.conf"
client_conf >"$IL_DIR/c1.conf"
run_vpn server "$SLUICE_BIN" "$IL_DIR/s1.conf" "$IL_DIR/s1.log"
assert_log "$IL_DIR/s1.log" 'Initialization Sequence Completed' 5 "Sluice server start"
assert_log "$IL_DIR/s1.log" 'UDPv6 link local \(bound\): \[AF_INET6\]' 1 "dual-stack socket"
run_vpn client openvpn "$IL_DIR/c1.conf" "$IL_DIR/c1.log"
assert_log "$IL_DIR/c1.log" 'Initialization Sequence Completed' 10 "openvpn client over IPv6"
assert_log "$IL_DIR/s1.log" "\[client1\] Peer Connection Initiated with \[AF_INET6\]$UL6_CLI" 2 \
    "Sluice server sees the IPv6 peer"
pings "Sluice server, IPv6 underlay"
# A second client over IPv4 on the same socket.
conf_client tls-crypt client2 >"$IL_DIR/c1b.conf"
run_in client "$IL_DIR/c1b.log" openvpn --config "$IL_DIR/c1b.conf" --dev tun9
assert_log "$IL_DIR/c1b.log" 'Initialization Sequence Completed' 10 "openvpn client over IPv4"
assert_log "$IL_DIR/s1.log" "\[client2\] Peer Connection Initiated with \[AF_INET\]$IL_CLI_IP" 2 \
    "Sluice server sees the IPv4 peer on the same socket"
stop_all
il_log "Sluice server over IPv6 ok"

# 2. openvpn server + Sluice client over IPv6.
{ server_conf | grep -v '^proto '; echo "proto udp6"; } >"$IL_DIR/s2.conf"
client_conf >"$IL_DIR/c2.conf"
run_vpn server openvpn "$IL_DIR/s2.conf" "$IL_DIR/s2.log"
assert_log "$IL_DIR/s2.log" 'Initialization Sequence Completed' 5 "openvpn server start"
run_vpn client "$SLUICE_BIN" "$IL_DIR/c2.conf" "$IL_DIR/c2.log"
assert_log "$IL_DIR/c2.log" 'Initialization Sequence Completed' 10 "Sluice client over IPv6"
assert_log "$IL_DIR/c2.log" "UDPv6 link remote: \[AF_INET6\]$UL6_SRV" 1 "Sluice client remote"
pings "Sluice client, IPv6 underlay"
stop_all
il_log "Sluice client over IPv6 ok"
