#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Renegotiation triggered by data volume against the real openvpn, both roles in parallel:
#  - Sluice server with `reneg-pkts 3000` + openvpn client,
#  - openvpn server + Sluice client with `reneg-bytes 4000000`,
# while a 4-second iperf3 run moves far more than that through the tunnel. The Sluice end must
# start the soft reset itself (it logs openvpn's "TLS: soft reset sec=..." line), both ends
# install key_id 1 and 2 (reneg-sec stays at its 3600 s default, so time cannot be the
# trigger), and the transfer succeeds.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
CASE_LIMIT=60

run_case() {
    local what=$1 simpl=$2 cimpl=$3 line=$4 s=$IL_DIR/$1-server c=$IL_DIR/$1-client slog
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt; [ "$simpl" != openvpn ] && echo "$line"; } >"$s.conf"
    { conf_client tls-crypt; [ "$cimpl" != openvpn ] && echo "$line"; } >"$c.conf"
    il_up_pair "$what" "$simpl" "$cimpl" "${s%-server}"
    [ "$simpl" != openvpn ] && slog=$s.log || slog=$c.log
    run_in server "$IL_DIR/$what-iperf-s.log" iperf3 -s -1 -B "$IL_TUN_SRV"
    wait_tcp_listen server 5201 5 || fail "$what: iperf3 server did not start"
    ip netns exec "$IL_NS_C" timeout 20 iperf3 -c "$IL_TUN_SRV" -t 4 -b 200M \
        >"$IL_DIR/$what-iperf-c.log" 2>&1 || fail "$what: iperf3 through the tunnel failed"
    assert_log "$slog" 'TLS: soft reset sec=[0-9]+/[0-9]+ ' 5 "$what: Sluice started a soft reset"
    assert_log "$slog" "Data Channel: key_id 2 installed" 10 "$what: Sluice key_id 2"
    [ "$(data_key_sets "$s.log")" -ge 3 ] || fail "$what: server has fewer than 3 key sets"
    [ "$(data_key_sets "$c.log")" -ge 3 ] || fail "$what: client has fewer than 3 key sets"
    stop_all
    il_log "$what ok: $(grep -c 'TLS: soft reset' "$slog") soft resets started by Sluice"
}

one_case() { run_case "$1" "$2" "$3" "$4 $5"; }
il_case_main one_case "$@"

CASES=("pkts-server $SLUICE_BIN openvpn reneg-pkts 3000"
    "bytes-client openvpn $SLUICE_BIN reneg-bytes 4000000")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "renegotiation by data volume ok in both roles"
