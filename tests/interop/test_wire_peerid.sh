#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The peer-id on the wire. openvpn 2.6 sends its data packets as P_DATA_V2: first byte
# 0x48 | key_id (opcode 9), then the 3-byte peer-id the server pushed (`peer-id N` in the
# PUSH_REPLY), then the packet id and the ciphertext. Observed with 2.6.14 on both ends: in BOTH
# directions (the server's packets to a client carry that client's peer-id too), from the
# client's first data packet on; no P_DATA_V1 at all. (The openvpn server's own log line
# "client1/... Data Channel: cipher '...', peer-id: 0" says 0 even for the client it pushed
# `peer-id 1` to, so the wire and the client's PUSH line are what count.)
# This test reads the underlay off the wire (tcpdump on ul0 in the server namespace) and checks,
# in BOTH directions, that every data packet of the client under test is a P_DATA_V2 carrying
# exactly the peer-id that client was pushed, for:
#   sluice-server   Sluice server + openvpn client
#   sluice-client   openvpn server + Sluice client
# To make the peer-id non-zero a first client (openvpn, certificate client2) connects first and
# takes peer-id 0; the client under test (client1) must then be pushed `peer-id 1`, read from its
# "PUSH: Received control message: '...'" line (verb 3+). The UDP ports (ss, by PID) tell the two
# clients' packets apart. Traffic: PINGS echo requests through the tunnel of the client under
# test and 3 through the first client's (which runs with ifconfig-noexec/route-noexec and gets
# a /32 from the script, so the two tun devices do not compete for the subnet route). Also
# checked: the first client's data packets carry peer-id 0 both ways, no P_DATA_V1 (opcode 6)
# appears, and all data packets use key_id 0. The counts per direction are printed.
# The two cases run in parallel, each in its own child process and pair of namespaces.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
command -v tcpdump >/dev/null || fail "tcpdump is not installed"
command -v ping >/dev/null || fail "ping (iputils-ping) is not installed"

PINGS=10
CASE_LIMIT=60

# flow_summary PCAP PORT: "DIR data_v2=N data_v1=N other=N peer_ids=A,B key_ids=K" per direction
# for the client on UDP PORT.
flow_summary() {
    pcap_ovpn "$1" "$IL_PORT" | awk -v port="$2" '
        $3 == port {
            if ($4 == 9) { v2[$2]++; pid[$2, $6] = 1; kid[$2, $5] = 1 }
            else if ($4 == 6) v1[$2]++
            else other[$2]++
        }
        function keys(arr, d,   k, s, parts) {
            s = ""
            for (k in arr) {
                split(k, parts, SUBSEP)
                if (parts[1] == d) s = s (s == "" ? "" : ",") parts[2]
            }
            return s == "" ? "none" : s
        }
        END {
            for (i = 1; i <= 2; i++) {
                d = i == 1 ? "c2s" : "s2c"
                printf "%s data_v2=%d data_v1=%d other=%d peer_ids=%s key_ids=%s\n", d, v2[d] + 0,
                    v1[d] + 0, other[d] + 0, keys(pid, d), keys(kid, d)
            }
        }'
}

# check_flow WHAT SUMMARY DIR PEER_ID MIN: the direction's line shows only P_DATA_V2 with PEER_ID.
check_flow() {
    local line n
    line=$(grep "^$3 " <<<"$2")
    n=$(sed -E 's/.* data_v2=([0-9]+) .*/\1/' <<<"$line")
    [ "$n" -ge "$5" ] || fail "$1: $3: $n P_DATA_V2 packets, want >= $5 ($line)"
    grep -q " data_v1=0 " <<<"$line" || fail "$1: $3: P_DATA_V1 on the wire ($line)"
    grep -q " peer_ids=$4 " <<<"$line" || fail "$1: $3: peer-id on the wire is not (only) $4 ($line)"
    grep -q " key_ids=0$" <<<"$line" || fail "$1: $3: key_id other than 0 ($line)"
}

# first_client_addr WHAT LOG: the first client runs with ifconfig-noexec/route-noexec, so the
# script gives its tun device the pushed address as a /32 (no subnet route that would compete
# with the client under test) and leaves the device name in FIRST_DEV. Its pings go out with
# `ping -I DEV` (bound to the device, so no route is needed); strict reverse-path filtering
# would drop the replies (the subnet route points at the other tun), so it is off in the
# client namespace.
first_client_addr() {
    local addr
    FIRST_DEV=$(grep -E -o 'TUN/TAP device [^ ]+ opened' "$2" | head -n 1 | awk '{ print $3 }')
    addr=$(grep -E -o "PUSH: Received control message: '.*,ifconfig [0-9.]+ " "$2" |
        grep -E -o 'ifconfig [0-9.]+' | awk '{ print $2 }')
    [ -n "$FIRST_DEV" ] && [ -n "$addr" ] || fail "$1: first client's tun device / address not found"
    ip netns exec "$IL_NS_C" sysctl -q -w net.ipv4.conf.all.rp_filter=0 \
        "net.ipv4.conf.$FIRST_DEV.rp_filter=0" &&
        ip -n "$IL_NS_C" addr add "$addr/32" dev "$FIRST_DEV" &&
        ip -n "$IL_NS_C" link set "$FIRST_DEV" up || fail "$1: cannot configure $FIRST_DEV"
}

# run_case NAME SERVER_IMPL CLIENT_IMPL
run_case() {
    local what=$1 simpl=$2 cimpl=$3 d=$IL_DIR/$1 cap port first_port peer_id sum first_sum
    netns_setup
    pki_make "$IL_DIR/pki"
    conf_server tls-crypt >"$d-server.conf"
    { conf_client tls-crypt client2; echo 'ifconfig-noexec'; echo 'route-noexec'; } >"$d-first.conf"
    conf_client tls-crypt >"$d-client.conf"
    run_vpn server "$simpl" "$d-server.conf" "$d-server.log"
    assert_log "$d-server.log" 'Initialization Sequence Completed' 5 "$what: server start"
    capture_start server "$d.pcap" udp port "$IL_PORT" || fail "$what: tcpdump did not start"
    cap=$IL_LAST_PID
    run_vpn client openvpn "$d-first.conf" "$d-first.log"
    assert_log "$d-first.log" 'Initialization Sequence Completed' 10 "$what: first client"
    assert_log "$d-first.log" "PUSH: Received control message: '.*,peer-id 0[,']" 1 \
        "$what: first client peer-id"
    first_port=$(udp_port_of client "$IL_LAST_PID")
    first_client_addr "$what" "$d-first.log"
    run_vpn client "$cimpl" "$d-client.conf" "$d-client.log"
    assert_log "$d-client.log" 'Initialization Sequence Completed' 10 "$what: client under test"
    port=$(udp_port_of client "$IL_LAST_PID")
    [ -n "$port" ] && [ -n "$first_port" ] && [ "$port" != "$first_port" ] ||
        fail "$what: client UDP ports not found (first '$first_port', under test '$port')"
    peer_id=$(grep -E -o "PUSH: Received control message: '.*'" "$d-client.log" |
        grep -E -o ',peer-id [0-9]+' | head -n 1 | grep -E -o '[0-9]+$')
    [ "$peer_id" = 1 ] || fail "$what: client under test was pushed peer-id '$peer_id', want 1"
    ip netns exec "$IL_NS_C" ping -n -q -c "$PINGS" -i 0.2 -w 10 "$IL_TUN_SRV" >/dev/null 2>&1 ||
        fail "$what: pings through the tunnel of the client under test not answered"
    ip netns exec "$IL_NS_C" ping -n -q -I "$FIRST_DEV" -c 3 -i 0.2 -w 5 "$IL_TUN_SRV" \
        >/dev/null 2>&1 || fail "$what: pings through the first client's tunnel not answered"
    stop_pid "$cap"
    sum=$(flow_summary "$d.pcap" "$port")
    first_sum=$(flow_summary "$d.pcap" "$first_port")
    il_log "$what: client under test (UDP port $port, pushed peer-id $peer_id):"
    sed 's/^/    /' <<<"$sum"
    il_log "$what: first client (UDP port $first_port, pushed peer-id 0):"
    sed 's/^/    /' <<<"$first_sum"
    check_flow "$what (under test)" "$sum" c2s "$peer_id" "$PINGS"
    check_flow "$what (under test)" "$sum" s2c "$peer_id" "$PINGS"
    check_flow "$what (first client)" "$first_sum" c2s 0 3
    check_flow "$what (first client)" "$first_sum" s2c 0 3
    stop_all
    il_log "$what ok"
}

il_case_main run_case "$@"

# The parent: one child per case, bounded, reported in order.
CASES=("sluice-server $SLUICE_BIN openvpn" "sluice-client openvpn $SLUICE_BIN")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "peer-id on the wire ok in both cases"
