#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The control channel against the real openvpn 2.6: for each mode (plain, tls-auth, tls-crypt,
# tls-crypt-v2) and each pairing (Sluice server + openvpn client, openvpn server + Sluice
# client, Sluice on both ends) the handshake completes, the PUSH_REPLY arrives, and both ends
# derived the same data-channel keys: all run at verb 7, where openvpn and Sluice print the
# "Master Encrypt/Decrypt" key lines (README.md fact 1) that ovpn_master_keys compares.
#
# Then one renegotiation (client reneg-sec 3, tls-crypt, so key_id 1 runs under dynamic
# tls-crypt) with each implementation as the initiating client: both ends must list the same two
# key sets.
#
# Every pair then pings through the tunnel (the renegotiation cases after the new key too).
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

netns_setup
pki_make "$IL_DIR/pki"

CLIENT_PREFIX='client1/198\.18\.50\.2:[0-9]+'
PUSHED="PUSH_REPLY,route-gateway 100\.64\.10\.1,topology subnet,ping 10,ping-restart 60,ifconfig \
100\.64\.10\.2 255\.255\.255\.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm \
dyn-tls-crypt,tun-mtu 1500"

# same_keys WHAT SERVER_LOG CLIENT_LOG: both ends logged the same non-empty key sets.
same_keys() {
    local skeys ckeys
    skeys=$(ovpn_master_keys "$2")
    ckeys=$(ovpn_master_keys "$3")
    [ -n "$skeys" ] || fail "$1: no 'Master Encrypt/Decrypt' key lines in $(basename "$2")"
    [ -n "$ckeys" ] || fail "$1: no 'Master Encrypt/Decrypt' key lines in $(basename "$3")"
    [ "$skeys" = "$ckeys" ] || fail "$1: data keys differ: server '$skeys' client '$ckeys'"
}

# server_side_ok WHAT LOG: what either server logs for client1 once the push went out.
server_side_ok() {
    assert_log "$2" "$CLIENT_PREFIX MULTI: primary virtual IP for $CLIENT_PREFIX: 100\.64\.10\.2" 5 \
        "$1: server pool address"
    assert_log "$2" "$CLIENT_PREFIX SENT CONTROL \[client1\]: '$PUSHED' \(status=1\)" 5 \
        "$1: server PUSH_REPLY"
    assert_log "$2" "$CLIENT_PREFIX Data Channel: cipher 'AES-256-GCM', peer-id: 0" 5 \
        "$1: server data channel"
}

# sluice_client_ok WHAT LOG: the Sluice client took the push (its settings are logged).
sluice_client_ok() {
    assert_log "$2" 'TLS: Initial packet from \[AF_INET\]198\.18\.50\.1:1194, sid=[0-9a-f]{8} [0-9a-f]{8}' \
        1 "$1: client initial packet"
    assert_log "$2" 'VERIFY OK: depth=0, CN=server' 1 "$1: client verified the server"
    assert_log "$2" '\[server\] Peer Connection Initiated with \[AF_INET\]198\.18\.50\.1:1194' 1 \
        "$1: client peer connection"
    assert_log "$2" "PUSH: Received control message: '$PUSHED'" 1 "$1: client push"
    assert_log "$2" 'OPTIONS IMPORT: --ifconfig/up options modified' 1 "$1: client import"
    assert_log "$2" "Data Channel: cipher 'AES-256-GCM', peer-id: 0" 1 "$1: client cipher"
    assert_log "$2" 'Timers: ping 10, ping-restart 60' 1 "$1: client pushed timers"
    assert_log "$2" 'Protocol options: protocol-flags cc-exit tls-ekm dyn-tls-crypt' 1 \
        "$1: client protocol flags"
}

# run_pair MODE SERVER_IMPL CLIENT_IMPL NAME
run_pair() {
    local mode=$1 simpl=$2 cimpl=$3 what="$4 $1"
    local s=$IL_DIR/$4-$1-server c=$IL_DIR/$4-$1-client
    { conf_server "$mode"; echo 'verb 7'; } >"$s.conf"
    { conf_client "$mode"; echo 'verb 7'; } >"$c.conf"
    run_vpn server "$simpl" "$s.conf" "$s.log"
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "$what: server start"
    run_vpn client "$cimpl" "$c.conf" "$c.log"
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$what: client"
    server_side_ok "$what" "$s.log"
    if [ "$cimpl" = openvpn ]; then
        assert_log "$c.log" "PUSH: Received control message: '$PUSHED'" 1 "$what: client push"
    else
        sluice_client_ok "$what" "$c.log"
    fi
    same_keys "$what" "$s.log" "$c.log"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$what: no ping through the tunnel"
    stop_all
    il_log "$what ok"
}

# run_reneg SERVER_IMPL CLIENT_IMPL NAME: the client renegotiates after 3 s.
run_reneg() {
    local what="$3 renegotiation" s=$IL_DIR/$3-reneg-server c=$IL_DIR/$3-reneg-client
    { conf_server tls-crypt; echo 'verb 7'; } >"$s.conf"
    { conf_client tls-crypt; echo 'verb 7'; echo 'reneg-sec 3'; } >"$c.conf"
    run_vpn server "$1" "$s.conf" "$s.log"
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "$what: server start"
    run_vpn client "$2" "$c.conf" "$c.log"
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$what: client"
    assert_log "$c.log" 'TLS: soft reset sec=[0-9]+/3 ' 6 "$what: client soft reset"
    key_sets "$s.log" 2 5 || fail "$what: no second key set on the server"
    key_sets "$c.log" 2 5 || fail "$what: no second key set on the client"
    same_keys "$what" "$s.log" "$c.log"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$what: no ping through the tunnel"
    stop_all
    il_log "$what ok"
}

for mode in plain tls-auth tls-crypt tls-crypt-v2; do
    run_pair "$mode" "$SLUICE_BIN" openvpn sluice-server
    run_pair "$mode" openvpn "$SLUICE_BIN" sluice-client
    run_pair "$mode" "$SLUICE_BIN" "$SLUICE_BIN" sluice-both
done
run_reneg "$SLUICE_BIN" openvpn sluice-server
run_reneg openvpn "$SLUICE_BIN" sluice-client
il_log "all modes and pairings ok"
