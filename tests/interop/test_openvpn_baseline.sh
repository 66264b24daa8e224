#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Reference behaviour, openvpn on both ends: for each control-channel mode (plain, tls-auth,
# tls-crypt, tls-crypt-v2) an openvpn 2.6 server and client reach "Initialization Sequence
# Completed" and the client pings the server's tunnel address. This proves the harness (namespaces,
# PKI, configurations) before Sluice replaces either end. In plain mode both ends run at verb 7 and
# the data-channel keys each one logged must be identical (the key check later tests use).
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

netns_setup
pki_make "$IL_DIR/pki"

for mode in plain tls-auth tls-crypt tls-crypt-v2; do
    il_log "mode $mode"
    extra=
    [ "$mode" = plain ] && extra='verb 7'
    { conf_server "$mode"; echo "$extra"; } >"$IL_DIR/server-$mode.conf"
    { conf_client "$mode"; echo "$extra"; } >"$IL_DIR/client-$mode.conf"
    run_vpn server openvpn "$IL_DIR/server-$mode.conf" "$IL_DIR/server-$mode.log"
    assert_log "$IL_DIR/server-$mode.log" 'Initialization Sequence Completed' 5 "$mode: server start"
    run_vpn client openvpn "$IL_DIR/client-$mode.conf" "$IL_DIR/client-$mode.log"
    assert_log "$IL_DIR/client-$mode.log" 'Initialization Sequence Completed' 10 "$mode: client"
    assert_log "$IL_DIR/server-$mode.log" \
        'client1/[0-9.]+:[0-9]+ MULTI: primary virtual IP for client1/' 5 "$mode: server side"
    assert_log "$IL_DIR/server-$mode.log" 'Data Channel: cipher .AES-256-GCM.' 5 "$mode: cipher"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$mode: no ping reply from $IL_TUN_SRV via the tunnel"
    if [ "$mode" = plain ]; then
        skeys=$(ovpn_master_keys "$IL_DIR/server-$mode.log")
        ckeys=$(ovpn_master_keys "$IL_DIR/client-$mode.log")
        [ -n "$skeys" ] || fail "$mode: no 'Master Encrypt/Decrypt' key lines at verb 7"
        [ "$skeys" = "$ckeys" ] || fail "$mode: data keys differ: server '$skeys' client '$ckeys'"
    fi
    stop_all
    il_log "mode $mode ok"
done
il_log "all modes ok"
