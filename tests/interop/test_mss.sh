#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mssfix: the MSS a TCP SYN carries once it crossed the tunnel (captured on the server's tun0)
# must be the value openvpn 2.6 computes for the same cipher and framing. Each setting runs once
# openvpn <-> openvpn and once Sluice <-> Sluice (all cases in parallel, own namespaces each);
# the two MSS values must be equal and below the 1460 the client's stack offers on a 1500-byte
# tun. Settings: AES-256-GCM (default mssfix 1492 mtu), AES-256-CBC/SHA256, AES-256-GCM with
# the v1 framing `compress lz4` (one byte more), and `mssfix 1300`.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
CASE_LIMIT=40

# setting_lines NAME: the lines both ends get.
setting_lines() {
    case $1 in
    gcm) echo 'data-ciphers AES-256-GCM' ;;
    cbc) printf 'data-ciphers AES-256-CBC\nauth SHA256\n' ;;
    lz4) printf 'data-ciphers AES-256-GCM\ncompress lz4\nallow-compression yes\n' ;;
    m1300) printf 'data-ciphers AES-256-GCM\nmssfix 1300\n' ;;
    esac
}

run_case() {
    local what=$1 impl=$2 setting=$3 out=$4 s=$IL_DIR/$1-server c=$IL_DIR/$1-client mss
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt; setting_lines "$setting"; } >"$s.conf"
    [ "$setting" = lz4 ] && echo 'push "compress lz4"' >>"$s.conf"
    { conf_client tls-crypt; setting_lines "$setting"; } >"$c.conf"
    il_up_pair "$what" "$impl" "$impl" "${s%-server}"
    run_in server "$IL_DIR/syn.txt" tcpdump -i tun0 -nn -l -v -c 1 \
        'tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0'
    run_in server "$IL_DIR/iperf-s.log" iperf3 -s -1 -B "$IL_TUN_SRV"
    wait_tcp_listen server 5201 5 || fail "$what: iperf3 server did not start"
    sleep 0.5 # tcpdump attaches
    ip netns exec "$IL_NS_C" timeout 10 iperf3 -c "$IL_TUN_SRV" -t 1 >/dev/null 2>&1 ||
        fail "$what: iperf3 through the tunnel failed"
    wait_log "$IL_DIR/syn.txt" 'mss [0-9]+' 3 || fail "$what: no SYN captured on tun0"
    mss=$(grep -o -m1 -E 'mss [0-9]+' "$IL_DIR/syn.txt" | cut -d' ' -f2)
    echo "$mss" >"$out"
    stop_all
    il_log "$what: MSS $mss"
}

il_case_main run_case "$@"

CASES=()
for setting in gcm cbc lz4 m1300; do
    CASES+=("ovpn-$setting openvpn $setting $IL_DIR/mss-ovpn-$setting"
        "sluice-$setting $SLUICE_BIN $setting $IL_DIR/mss-sluice-$setting")
done
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
for setting in gcm cbc lz4 m1300; do
    o=$(cat "$IL_DIR/mss-ovpn-$setting") s=$(cat "$IL_DIR/mss-sluice-$setting")
    [ -n "$o" ] && [ "$o" = "$s" ] || fail "$setting: Sluice clamps the MSS to '$s', openvpn to '$o'"
    [ "$s" -lt 1460 ] || fail "$setting: MSS $s was not clamped"
    il_log "$setting: MSS $s on both implementations"
done
