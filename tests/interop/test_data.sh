#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The data channel against the real openvpn 2.6: every data-channel suite × every pairing ×
# every compression setting (6 × 3 × 3 = 54 cells). In each cell both ends come up and then
#   - both ends logged the negotiated suite: "Data Channel: cipher 'X', peer-id: N" (AEAD) or
#     "Data Channel: cipher 'X', auth 'D', peer-id: N" (CBC), followed by
#     ", compression: 'lz4v2'" / ", compression: 'stubv2'" exactly when compression is on
#     (openvpn's verb-3 wording; the end of the line is matched, so "no compression" is checked
#     too); an openvpn end also "Outgoing/Incoming Data Channel: Cipher 'X' initialized with N
#     bit key" and, for CBC, "... Using N bit message hash 'D' for HMAC authentication";
#   - the client received the suite (and the compress line) in its PUSH_REPLY;
#   - ICMP echo through the tunnel to the server's tunnel address over IPv4 (100.64.10.1) and
#     IPv6 (server-ipv6, fd00:6c75:6963::1), small and 1200-byte zero-filled packets (those are
#     the ones lz4 really compresses: openvpn leaves packets under 100 bytes alone);
#   - on the underlay (tcpdump in the server namespace) the zero-filled IPv4 echo request and
#     reply travel as P_DATA_V2 packets under 400 bytes with lz4-v2 (openvpn: 83) and over 1200
#     bytes otherwise, so both ends really compress, and decompress what the other sent;
#   - a 10-second iperf3 TCP run client -> server through the tunnel (server bound to
#     100.64.10.1, repeating payload so lz4 has work) exits 0 and the receiver counted more
#     than MIN_BYTES (1 MB).
# Suites: AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305 and AES-128-CBC/SHA1,
# AES-256-CBC/SHA256, AES-256-CBC/SHA512, forced with `data-ciphers X` (+ `auth D`) on both ends.
# Compression: none; lz4-v2; stub-v2. A compressing cell has `allow-compression yes` on both
# ends and `compress C` + `push "compress C"` on the server (openvpn 2.6.14: `compress` alone is
# not pushed and `push` alone leaves the server uncompressed; either way the ends disagree).
# Pairings: Sluice server + openvpn client, openvpn server + Sluice client, Sluice on both ends;
# the three run in parallel (a child process and a pair of namespaces each), the cells of one
# pairing one after the other. Control channel: tls-crypt. A failing cell is reported with the
# tail of its logs and the pairing carries on with the next cell.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
command -v iperf3 >/dev/null || fail "iperf3 is not installed"
command -v ping >/dev/null || fail "ping (iputils-ping) is not installed"

IPERF_SECS=${IPERF_SECS:-10}
MIN_BYTES=${MIN_BYTES:-1000000}
IPERF_PORT=5201
SUITES=("AES-128-GCM" "AES-256-GCM" "CHACHA20-POLY1305"
    "AES-128-CBC SHA1" "AES-256-CBC SHA256" "AES-256-CBC SHA512")
COMPS=(none lz4-v2 stub-v2)
CHILD_LIMIT=${CHILD_LIMIT:-$((${#SUITES[@]} * ${#COMPS[@]} * (IPERF_SECS + 25) + 30))}

# key_bits CIPHER / hmac_bits DIGEST: the sizes openvpn prints.
key_bits() { case $1 in AES-128-*) echo 128 ;; *) echo 256 ;; esac; }
hmac_bits() { case $1 in SHA1) echo 160 ;; SHA256) echo 256 ;; SHA512) echo 512 ;; esac; }

# dc_line CIPHER DIGEST COMP: the regex of openvpn's "Data Channel:" summary line, to line end.
dc_line() {
    local re="Data Channel: cipher '$1'"
    [ -n "$2" ] && re+=", auth '$2'"
    re+=", peer-id: [0-9]+"
    case $3 in
    lz4-v2) re+=", compression: 'lz4v2'" ;;
    stub-v2) re+=", compression: 'stubv2'" ;;
    esac
    echo "$re\$"
}

# ovpn_suite_lines WHAT LOG CIPHER DIGEST: what only the real openvpn prints about the keys.
ovpn_suite_lines() {
    local dir bits
    bits=$(key_bits "$3")
    for dir in Outgoing Incoming; do
        assert_log "$2" "$dir Data Channel: Cipher '$3' initialized with $bits bit key" 1 \
            "$1: $dir cipher"
        [ -z "$4" ] || assert_log "$2" \
            "$dir Data Channel: Using $(hmac_bits "$4") bit message hash '$4' for HMAC authentication" \
            1 "$1: $dir HMAC"
    done
}

# write_confs BASE CIPHER DIGEST COMP: BASE-server.conf and BASE-client.conf.
write_confs() {
    local base=$1 cipher=$2 digest=$3 comp=$4
    {
        conf_server tls-crypt
        echo "server-ipv6 $IL_TUN6_NET"
        echo "data-ciphers $cipher"
        [ -z "$digest" ] || echo "auth $digest"
        if [ "$comp" != none ]; then
            echo "allow-compression yes"
            echo "compress $comp"
            echo "push \"compress $comp\""
        fi
    } >"$base-server.conf"
    {
        conf_client tls-crypt
        echo "data-ciphers $cipher"
        [ -z "$digest" ] || echo "auth $digest"
        [ "$comp" = none ] || echo "allow-compression yes"
    } >"$base-client.conf"
}

# iperf_through WHAT BASE: a IPERF_SECS-second TCP run client -> server through the tunnel;
# leaves the rate in IPERF_MBIT (no command substitution: the iperf3 server's PID must be
# recorded in this shell for stop_all).
iperf_through() {
    local what=$1 base=$2 rc bytes
    run_in server "$base-iperf-server.log" iperf3 -s -1 -B "$IL_TUN_SRV" -p "$IPERF_PORT"
    wait_tcp_listen server "$IPERF_PORT" 5 || fail "$what: iperf3 server not listening"
    timeout -k 5 $((IPERF_SECS + 20)) ip netns exec "$IL_NS_C" iperf3 -c "$IL_TUN_SRV" \
        -p "$IPERF_PORT" -t "$IPERF_SECS" --repeating-payload --connect-timeout 5000 --json \
        >"$base-iperf.json" 2>&1
    rc=$?
    IL_LOGS+=("$base-iperf.json")
    [ "$rc" -eq 0 ] || fail "$what: iperf3 client exit status $rc"
    bytes=$(iperf_received_bytes "$base-iperf.json")
    [ -n "$bytes" ] || fail "$what: no receiver byte count in the iperf3 report"
    [ "$bytes" -gt "$MIN_BYTES" ] || fail "$what: iperf3 receiver got $bytes bytes, want > $MIN_BYTES"
    IPERF_MBIT=$((bytes * 8 / IPERF_SECS / 1000000))
}

# wire_sizes WHAT BASE COMP: zero-filled 1200-byte echo requests through the tunnel while the
# underlay is captured; lz4 must shrink the data packets on the wire in both directions (openvpn:
# 1228-byte ICMP -> 83-byte UDP payload), every other setting leaves them above 1200 bytes.
wire_sizes() {
    local what=$1 base=$2 comp=$3 cap dir max
    capture_start server "$base.pcap" udp port "$IL_PORT" || fail "$what: tcpdump did not start"
    cap=$IL_LAST_PID
    ip netns exec "$IL_NS_C" ping -n -q -c 3 -i 0.2 -w 4 -s 1200 -p 00 "$IL_TUN_SRV" >/dev/null 2>&1 ||
        fail "$what: 1200-byte zero-filled IPv4 pings not answered"
    stop_pid "$cap"
    for dir in c2s s2c; do
        max=$(pcap_ovpn "$base.pcap" "$IL_PORT" | awk -v d=$dir '$2 == d && $4 == 9 && $7 > m { m = $7 }
            END { print m + 0 }')
        if [ "$comp" = lz4-v2 ]; then
            [ "$max" -gt 0 ] && [ "$max" -lt 400 ] ||
                fail "$what: $dir largest data packet $max bytes on the wire, want 1..399 (lz4)"
        else
            [ "$max" -gt 1200 ] || fail "$what: $dir largest data packet $max bytes, want > 1200"
        fi
    done
}

# run_cell PAIRING SERVER_IMPL CLIENT_IMPL CIPHER DIGEST COMP: one cell, in a subshell of the
# child (its own stop_all on exit; `fail` ends the cell only).
run_cell() {
    local simpl=$2 cimpl=$3 cipher=$4 digest=$5 comp=$6 side
    local what="$1 $4${5:+/$5} comp=$6" base=$IL_DIR/$1-$4-${5:-aead}-$6
    local s=$base-server.log c=$base-client.log
    write_confs "$base" "$cipher" "$digest" "$comp"
    run_vpn server "$simpl" "$base-server.conf" "$s"
    assert_log "$s" 'Initialization Sequence Completed' 5 "$what: server start"
    run_vpn client "$cimpl" "$base-client.conf" "$c"
    assert_log "$c" 'Initialization Sequence Completed' 10 "$what: client up"
    assert_log "$c" "PUSH: Received control message: '.*cipher ${cipher}[,']" 1 "$what: pushed cipher"
    [ "$comp" = none ] || assert_log "$c" "PUSH: Received control message: '.*compress ${comp}[,']" 1 \
        "$what: pushed compress"
    assert_log "$c" "$(dc_line "$cipher" "$digest" "$comp")" 1 "$what: client data channel"
    assert_log "$s" "client1/[0-9.]+:[0-9]+ $(dc_line "$cipher" "$digest" "$comp")" 5 \
        "$what: server data channel"
    for side in "$simpl:$s" "$cimpl:$c"; do
        [ "${side%%:*}" = openvpn ] && ovpn_suite_lines "$what" "${side#*:}" "$cipher" "$digest"
    done
    tun_ping_opts client "$IL_TUN_SRV" 5 || fail "$what: no IPv4 ping reply"
    tun_ping_opts client "$IL_TUN6_SRV" 5 || fail "$what: no IPv6 ping reply"
    wire_sizes "$what" "$base" "$comp"
    tun_ping_opts client "$IL_TUN6_SRV" 3 -s 1200 -p 00 || fail "$what: no 1200-byte IPv6 ping reply"
    iperf_through "$what" "$base"
    stop_all
    il_log "$what ok (iperf3 $IPERF_MBIT Mbit/s)"
}

# run_pairing NAME SERVER_IMPL CLIENT_IMPL: one child's whole job, every cell of the pairing.
run_pairing() {
    local suite comp bad=()
    netns_setup
    pki_make "$IL_DIR/pki"
    for suite in "${SUITES[@]}"; do
        for comp in "${COMPS[@]}"; do
            # shellcheck disable=SC2086 # suite = cipher [digest]
            set -- "$1" "$2" "$3" $suite
            (
                trap 'rc=$?; trap - EXIT; stop_all; exit $rc' EXIT
                run_cell "$1" "$2" "$3" "$4" "${5:-}" "$comp"
            ) || bad+=("$4${5:+/$5} comp=$comp")
        done
    done
    [ ${#bad[@]} -eq 0 ] || { echo "$1: failed cells: ${bad[*]}" >&2; exit 1; }
    il_log "$1: all ${#SUITES[@]}x${#COMPS[@]} cells ok"
}

il_case_main run_pairing "$@"

# The parent: one child per pairing, each bounded, reported in order.
PAIRINGS=("sluice-server $SLUICE_BIN openvpn"
    "sluice-client openvpn $SLUICE_BIN"
    "sluice-both $SLUICE_BIN $SLUICE_BIN")
il_run_cases "$CHILD_LIMIT" --pairing "${PAIRINGS[@]}" || exit 1
il_log "all ${#PAIRINGS[@]} pairings x ${#SUITES[@]} suites x ${#COMPS[@]} compression settings ok"
