#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A client whose address changes in the middle of a session (a NAT rebinding or a laptop
# changing networks): the client namespace's underlay address moves from 198.18.50.2 to .3 while
# the tunnel is up. The server must follow the client to the new address once an authenticated
# data packet arrives from there (protocol-data.md §9.2), without a new handshake.
#  1. Sluice server + openvpn client: the server logs "Float: peer-id 0 moved from
#     [AF_INET]198.18.50.2:P to [AF_INET]198.18.50.3:P", pings keep working, no second
#     "Peer Connection Initiated".
#  2. openvpn server + Sluice client: the same move; openvpn floats the client (its status lists
#     client1 at 198.18.50.3:P), the tunnel keeps working.
# Bad packets never move a peer: unit tests (test_datapath, test_peertab) and the datapath fuzzer
# cover that; here a burst of forged P_DATA_V2 packets with the client's peer-id from a third
# address (198.18.50.4) must leave the Sluice server's peer where it is.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

NEW_IP=$IL_UNDERLAY.3
FORGER_IP=$IL_UNDERLAY.4

netns_setup
pki_make "$IL_DIR/pki"
ip netns exec "$IL_NS_C" sysctl -q -w net.ipv4.conf.ul0.promote_secondaries=1 ||
    fail "cannot set promote_secondaries"

# move_client: the client's underlay address becomes $NEW_IP (the old one disappears).
move_client() {
    ip -n "$IL_NS_C" addr add "$NEW_IP/24" dev ul0 &&
        ip -n "$IL_NS_C" addr del "$IL_CLI_IP/24" dev ul0 ||
        fail "cannot move the client's address"
}

# restore_client: back to the original address for the next case.
restore_client() {
    ip -n "$IL_NS_C" addr add "$IL_CLI_IP/24" dev ul0 &&
        ip -n "$IL_NS_C" addr del "$NEW_IP/24" dev ul0 ||
        fail "cannot restore the client's address"
}

# forge N: N datagrams from $FORGER_IP that look like P_DATA_V2 of peer-id 0, key_id 0
# (opcode 9: 0x48, peer-id 00 00 00, packet-id, random "ciphertext" and tag).
forge() {
    ip -n "$IL_NS_C" addr add "$FORGER_IP/24" dev ul0 || fail "cannot add the forger address"
    ip netns exec "$IL_NS_C" perl -e '
        use strict; use Socket;
        my ($src, $dst, $port, $n) = @ARGV;
        socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
        bind($s, sockaddr_in(0, inet_aton($src))) or die "bind: $!";
        my $to = sockaddr_in($port, inet_aton($dst));
        for my $i (1 .. $n) {
            my $body = join("", map { chr(int(rand(256))) } 1 .. 80);
            send($s, pack("CCCCN", 0x48, 0, 0, 0, 1000 + $i) . $body, 0, $to);
        }' "$FORGER_IP" "$IL_SRV_IP" "$IL_PORT" 200 || fail "cannot send forged packets"
    ip -n "$IL_NS_C" addr del "$FORGER_IP/24" dev ul0
}

# 1. Sluice server + openvpn client.
{ conf_server tls-crypt; echo 'verb 3'; } >"$IL_DIR/s1.conf"
conf_client tls-crypt >"$IL_DIR/c1.conf"
run_vpn server "$SLUICE_BIN" "$IL_DIR/s1.conf" "$IL_DIR/s1.log"
assert_log "$IL_DIR/s1.log" 'Initialization Sequence Completed' 5 "case 1: server start"
run_vpn client openvpn "$IL_DIR/c1.conf" "$IL_DIR/c1.log"
assert_log "$IL_DIR/c1.log" 'Initialization Sequence Completed' 10 "case 1: client up"
tun_ping client "$IL_TUN_SRV" 5 || fail "case 1: no ping before the move"
forge
tun_ping client "$IL_TUN_SRV" 5 || fail "case 1: no ping after the forged packets"
refute_log "$IL_DIR/s1.log" 'Float: ' "case 1: forged packets moved the peer"
move_client
tun_ping client "$IL_TUN_SRV" 5 || fail "case 1: no ping after the address change"
assert_log "$IL_DIR/s1.log" \
    "Float: peer-id 0 moved from \[AF_INET\]$IL_CLI_IP:[0-9]+ to \[AF_INET\]$NEW_IP:[0-9]+" 2 \
    "case 1: Sluice server followed the client"
[ "$(grep -c 'Peer Connection Initiated' "$IL_DIR/s1.log")" -eq 1 ] ||
    fail "case 1: the client had to reconnect instead of floating"
stop_all
restore_client
il_log "case 1 (Sluice server) ok"

# 2. openvpn server + Sluice client.
{ conf_server tls-crypt; echo 'verb 3'; } >"$IL_DIR/s2.conf"
conf_client tls-crypt >"$IL_DIR/c2.conf"
run_vpn server openvpn "$IL_DIR/s2.conf" "$IL_DIR/s2.log"
IL_SERVER_PID=$IL_LAST_PID
assert_log "$IL_DIR/s2.log" 'Initialization Sequence Completed' 5 "case 2: server start"
run_vpn client "$SLUICE_BIN" "$IL_DIR/c2.conf" "$IL_DIR/c2.log"
assert_log "$IL_DIR/c2.log" 'Initialization Sequence Completed' 10 "case 2: client up"
tun_ping client "$IL_TUN_SRV" 5 || fail "case 2: no ping before the move"
move_client
tun_ping client "$IL_TUN_SRV" 5 || fail "case 2: no ping after the address change"
# The old address is gone, so the replies prove openvpn sends to the new one; its status
# (SIGUSR2, printed to its log) names the client's new real address. openvpn logs no float line.
tun_ping client "$IL_TUN_SRV" 5 || fail "case 2: no second ping after the address change"
kill -USR2 "$IL_SERVER_PID"
assert_log "$IL_DIR/s2.log" "client1,$NEW_IP:[0-9]+," 3 \
    "case 2: openvpn server's status shows the Sluice client at its new address"
[ "$(grep -c 'Peer Connection Initiated' "$IL_DIR/s2.log")" -eq 1 ] ||
    fail "case 2: the Sluice client had to reconnect instead of floating"
[ "$(grep -c 'Initialization Sequence Completed' "$IL_DIR/c2.log")" -eq 1 ] ||
    fail "case 2: the Sluice client had to reconnect"
stop_all
il_log "case 2 (Sluice client) ok"
