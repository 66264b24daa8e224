#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The older compression framings against the real openvpn, both roles (test_data.sh covers
# lz4-v2 and stub-v2 with every suite): `compress lz4` (v1 swap framing with LZ4),
# `compress stub` (v1 swap, never compressed) and `comp-lzo no` (0xFA byte, what old clients
# still configure; openvpn 2.6.14 calls it 'stub' in its log). Each framing x {Sluice server + openvpn client, openvpn server + Sluice
# client}, all six in parallel: the client gets the framing pushed, both ends print it in their
# "Data Channel:" line, and small and 1200-byte zero-filled pings cross the tunnel.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
CASE_LIMIT=40

run_case() {
    local what=$1 simpl=$2 cimpl=$3 item="$4${5:+ $5}" name=$6
    local s=$IL_DIR/$what-server c=$IL_DIR/$what-client
    netns_setup
    pki_make "$IL_DIR/pki"
    {
        conf_server tls-crypt | sed 's/^verb .*/verb 4/'
        echo "$item"
        echo "push \"$item\""
        echo 'allow-compression yes'
    } >"$s.conf"
    { conf_client tls-crypt | sed 's/^verb .*/verb 4/'; echo 'allow-compression yes'; } >"$c.conf"
    il_up_pair "$what" "$simpl" "$cimpl" "${s%-server}"
    assert_log "$c.log" "PUSH: Received control message: '.*$item" 1 "$what: pushed framing"
    assert_log "$c.log" "Data Channel: cipher 'AES-256-GCM', peer-id: [0-9]+, compression: '$name'\$" \
        2 "$what: client framing"
    assert_log "$s.log" "Data Channel: cipher 'AES-256-GCM', peer-id: [0-9]+, compression: '$name'\$" \
        2 "$what: server framing"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$what: no ping"
    ip netns exec "$IL_NS_C" ping -n -q -c 3 -i 0.2 -s 1200 -p 00 -w 5 "$IL_TUN_SRV" >/dev/null ||
        fail "$what: no 1200-byte ping"
    stop_all
    il_log "$what ok"
}

il_case_main run_case "$@"

CASES=()
for f in "lz4 compress lz4 lz4" "stub compress stub stub" "lzono comp-lzo no stub"; do
    read -r tag opt arg name <<<"$f"
    CASES+=("$tag-sluice-server $SLUICE_BIN openvpn $opt $arg $name"
        "$tag-sluice-client openvpn $SLUICE_BIN $opt $arg $name")
done
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "lz4, stub and comp-lzo no framings ok in both roles"
