#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Renegotiation under load against the real openvpn 2.6: `reneg-sec 10` while a 30-second iperf3
# TCP run (client -> server, paced at IPERF_RATE, 0.2 s reporting intervals) goes through the
# tunnel. Cases, run in parallel (a child process and a pair of namespaces each):
#   sluice-server        Sluice server (reneg-sec 10) + openvpn client
#   sluice-client        openvpn server + Sluice client (reneg-sec 10)
#   sluice-server-both   Sluice server + openvpn client, reneg-sec 10 on both ends
#   sluice-client-both   openvpn server + Sluice client, reneg-sec 10 on both ends
# Each case asserts:
#   - iperf3 exits 0 and the receiver counted more than MIN_BYTES;
#   - no stall: in the receiver's (iperf3 server's) intervals, no run of consecutive intervals
#     below 1/100 of the median rate lasts longer than STALL_MAX (1.0 s);
#   - at least two renegotiations during the run: each end's log shows one key set when the run
#     starts and at least three (key_id 0, 1, 2) when it ends. Counted with data_key_sets, which
#     reads openvpn's "Outgoing Data Channel: Cipher '...' initialized" (one per key set) and
#     Sluice's "Data Channel: key_id N installed", so either implementation's log works;
#   - on the wire (tcpdump in the server namespace: all control packets plus data packets whose
#     packet-id ends in 0x00, i.e. 1 in 256 — the default cipher is AES-256-GCM, whose packet id
#     is in clear): P_CONTROL_SOFT_RESET_V1 with key_id 1 and 2 between the start and the end of
#     the run, and P_DATA_V2 packets with key_id 1 and 2 in both directions in that window, so
#     both ends switched their outgoing data to each new key under load.
# The key-id timeline per direction is printed. Control channel: tls-crypt; both ends at verb 4
# (per-packet logging at verb >= 5 would slow the data path).
#
# Why iperf3 is paced at IPERF_RATE (100 Mbit/s, about a third of what one tunnel carries here)
# rather than run flat out: with openvpn on both ends and the tunnel saturated, 2 of ~44 runs
# stalled for 3.0-3.2 s. openvpn's responder sends on the new key as soon as its side of the
# handshake is done; the initiator (an openvpn server in the case seen) had not got the ACK of
# its last control packet (on the wire, but lost in its full UDP receive buffer), so it dropped
# the new-key data ("Key [AF_INET]... [1] not initialized (yet), dropping packet.", 272 lines)
# until it retransmitted that packet 2.85 s later, got the ACK and initialised the key. That is
# openvpn's behaviour under packet loss, not a key-switch bug; paced at 100 Mbit/s, 32 runs of
# the four cases saw no stall at all.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
command -v iperf3 >/dev/null || fail "iperf3 is not installed"
command -v tcpdump >/dev/null || fail "tcpdump is not installed"

IPERF_SECS=${IPERF_SECS:-30}
IPERF_RATE=${IPERF_RATE:-100M} # per run; 0 = as fast as it goes (see the note above)
IPERF_INTERVAL=0.2
IPERF_PORT=5201
MIN_BYTES=${MIN_BYTES:-1000000}
STALL_MAX=${STALL_MAX:-1.0}
CASE_LIMIT=$((IPERF_SECS + 60))

# longest_stall JSON: "SECONDS START MEDIAN_RATE" for the longest run of consecutive intervals whose
# rate is below 1/100 of the median interval rate (bytes/s), from an iperf3 --json report.
longest_stall() {
    iperf_intervals "$1" | awk '
        { s[NR] = $1; e[NR] = $2; r[NR] = ($2 > $1) ? $3 / ($2 - $1) : 0; sorted[NR] = r[NR] }
        END {
            n = NR
            if (n == 0) { print "-1 0 0"; exit }
            for (i = 2; i <= n; i++) {      # insertion sort, n is ~150
                v = sorted[i]
                for (j = i - 1; j >= 1 && sorted[j] > v; j--) sorted[j + 1] = sorted[j]
                sorted[j + 1] = v
            }
            med = sorted[int((n + 1) / 2)]
            best = 0; bstart = 0; run = 0
            for (i = 1; i <= n; i++) {
                if (r[i] < med / 100) {
                    if (run == 0) rstart = s[i]
                    run += e[i] - s[i]
                    if (run > best) { best = run; bstart = rstart }
                } else run = 0
            }
            printf "%.2f %.2f %.0f\n", best, bstart, med
        }'
}

# kid_timeline PCAP T0 T1: per direction and key_id, the data packets seen (sampled) and the
# first/last time relative to T0; and the soft resets per key_id. Only packets in [T0, T1].
kid_timeline() {
    pcap_ovpn "$1" "$IL_PORT" | awk -v t0="$2" -v t1="$3" '
        $1 < t0 || $1 > t1 { next }
        $4 == 9 || $4 == 3 {
            k = $2 ($4 == 9 ? " data" : " soft_reset") " key_id " $5
            n[k]++
            if (!(k in f)) f[k] = $1 - t0
            l[k] = $1 - t0
        }
        END { for (k in n) printf "%s: %d packets, +%.1f s .. +%.1f s\n", k, n[k], f[k], l[k] }' |
        sort
}

# run_case NAME SERVER_IMPL CLIENT_IMPL RENEG_ON(server|client|both)
run_case() {
    local what=$1 simpl=$2 cimpl=$3 on=$4 d=$IL_DIR/$1 cap isrv t0 t1 rc bytes stall at median sets
    local timeline dir kid side
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt; [ "$on" = client ] || echo 'reneg-sec 10'; } >"$d-server.conf"
    { conf_client tls-crypt; [ "$on" = server ] || echo 'reneg-sec 10'; } >"$d-client.conf"
    run_vpn server "$simpl" "$d-server.conf" "$d-server.log"
    assert_log "$d-server.log" 'Initialization Sequence Completed' 5 "$what: server start"
    # All control packets, and the data packets whose AEAD packet id ends in 0x00.
    capture_start server "$d.pcap" "udp port $IL_PORT and ((udp[8] & 0xf8) != 0x48 or udp[15] = 0)" ||
        fail "$what: tcpdump did not start"
    cap=$IL_LAST_PID
    run_vpn client "$cimpl" "$d-client.conf" "$d-client.log"
    assert_log "$d-client.log" 'Initialization Sequence Completed' 10 "$what: client up"
    run_in server "$d-iperf-server.json" iperf3 -s -1 -B "$IL_TUN_SRV" -p "$IPERF_PORT" \
        -i "$IPERF_INTERVAL" --json
    isrv=$IL_LAST_PID
    wait_tcp_listen server "$IPERF_PORT" 5 || fail "$what: iperf3 server not listening"
    for side in server client; do
        sets=$(data_key_sets "$d-$side.log")
        [ "$sets" -eq 1 ] || fail "$what: $side shows $sets data key sets before the run, want 1"
    done
    t0=$(date +%s.%N)
    timeout -k 5 $((IPERF_SECS + 20)) ip netns exec "$IL_NS_C" iperf3 -c "$IL_TUN_SRV" \
        -p "$IPERF_PORT" -t "$IPERF_SECS" -i "$IPERF_INTERVAL" -b "$IPERF_RATE" \
        --connect-timeout 5000 --json \
        >"$d-iperf-client.json" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    IL_LOGS+=("$d-iperf-client.json")
    [ "$rc" -eq 0 ] || fail "$what: iperf3 client exit status $rc"
    wait_pid_exit "$isrv" 10 || fail "$what: iperf3 server did not finish"
    stop_pid "$cap"
    bytes=$(iperf_received_bytes "$d-iperf-client.json")
    [ -n "$bytes" ] && [ "$bytes" -gt "$MIN_BYTES" ] ||
        fail "$what: iperf3 receiver got '$bytes' bytes, want > $MIN_BYTES"
    read -r stall at median <<<"$(longest_stall "$d-iperf-server.json")"
    il_log "$what: $((bytes * 8 / IPERF_SECS / 1000000)) Mbit/s, median interval \
$((${median:-0} * 8 / 1000000)) Mbit/s; longest stall $stall s (at +$at s); UDP datagrams \
dropped on full receive buffers: server $(udp_rcvbuf_errors server), client $(udp_rcvbuf_errors client)"
    awk -v s="$stall" -v m="$STALL_MAX" 'BEGIN { exit !(s >= 0 && s <= m) }' ||
        fail "$what: receiver stalled for $stall s (max $STALL_MAX s, -1 = no intervals)"
    for side in server client; do
        sets=$(data_key_sets "$d-$side.log")
        [ "$sets" -ge 3 ] || fail "$what: $side shows $sets data key sets after the run, want >= 3"
    done
    timeline=$(kid_timeline "$d.pcap" "$t0" "$t1")
    il_log "$what: key ids on the wire during the run:"
    sed 's/^/    /' <<<"$timeline"
    for kid in 1 2; do
        grep -E -q "^(c2s|s2c) soft_reset key_id $kid:" <<<"$timeline" ||
            fail "$what: no P_CONTROL_SOFT_RESET_V1 with key_id $kid during the run"
        for dir in c2s s2c; do
            grep -q "^$dir data key_id $kid:" <<<"$timeline" ||
                fail "$what: no $dir P_DATA_V2 with key_id $kid during the run"
        done
    done
    stop_all
    il_log "$what ok"
}

il_case_main run_case "$@"

# The parent: one child per case, bounded, reported in order.
CASES=("sluice-server $SLUICE_BIN openvpn server"
    "sluice-client openvpn $SLUICE_BIN client"
    "sluice-server-both $SLUICE_BIN openvpn both"
    "sluice-client-both openvpn $SLUICE_BIN both")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "renegotiation under load ok in all ${#CASES[@]} cases"
