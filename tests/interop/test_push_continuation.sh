#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A PUSH_REPLY too long for one control message, against the real openvpn 2.6, both roles:
#   ovpn-srv    openvpn server + Sluice client
#   sluice-srv  Sluice server + openvpn client
# The server pushes N_ROUTES (80) `route 100.65.X.0 255.255.255.0` (X = 1..80) besides its own
# options. openvpn 2.6.14 splits that into three messages (README.md "push-continuation"):
# routes 1-29 then ",push-continuation 2", routes 30-58 then ",push-continuation 2", routes
# 59-80 + the per-client options then ",push-continuation 1" (each message < 1024 bytes).
# In each case:
#   - the server's "SENT CONTROL [client1]: 'PUSH_REPLY,...' (status=1)" lines (verb 3+) are
#     3 messages, the first two ending in ",push-continuation 2", the last in
#     ",push-continuation 1";
#   - the client's "PUSH: Received control message: '...'" lines are exactly those messages;
#   - every one of the 80 routes is in the client namespace's table via the tun device
#     (`ip route`: "100.65.X.0/24 via 100.64.10.1 dev tun0");
#   - ping through the tunnel to the server's tunnel address and to 100.65.42.1 (an address on
#     the server namespace's lo, reached over a pushed route).
# Then the parent checks that the Sluice server sent the very same three messages as the openvpn
# server (same configuration, same client). The two cases run in parallel, each with its own
# pair of namespaces. ~2 s.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

N_ROUTES=80
CASE_LIMIT=40 # seconds; a child still running then is stopped (SIGTERM)
FAR_ADDR=100.65.42.1

# sent_msgs LOG: the server's pushed messages, one per line, in order.
sent_msgs() {
    sed -n "s/.* SENT CONTROL \[client1\]: '\(PUSH_REPLY.*\)' (status=[0-9]*)\$/\1/p" "$1"
}

# received_msgs LOG: the client's received PUSH_REPLY messages, one per line, in order.
received_msgs() {
    sed -n "s/.*PUSH: Received control message: '\(PUSH_REPLY.*\)'\$/\1/p" "$1"
}

# check_markers WHAT FILE: 3 messages, continuation 2, 2, 1; all routes in them, once each.
check_markers() {
    local n routes
    n=$(wc -l <"$2")
    [ "$n" -eq 3 ] || fail "$1: $n PUSH_REPLY messages, want 3"
    sed -n '1p;2p' "$2" | grep -c ',push-continuation 2$' | grep -qx 2 ||
        fail "$1: messages 1 and 2 do not end in ',push-continuation 2'"
    sed -n '3p' "$2" | grep -q ',push-continuation 1$' ||
        fail "$1: message 3 does not end in ',push-continuation 1'"
    routes=$(tr ',' '\n' <"$2" | grep -E -c '^route 100\.65\.[0-9]+\.0 255\.255\.255\.0$')
    [ "$routes" -eq "$N_ROUTES" ] || fail "$1: $routes routes in the messages, want $N_ROUTES"
    [ "$(tr ',' '\n' <"$2" | grep -E '^route 100\.65\.' | sort -u | wc -l)" -eq "$N_ROUTES" ] ||
        fail "$1: a route is repeated"
    awk '{ if (length($0) >= 1024) exit 1 }' "$2" || fail "$1: a message of 1024 bytes or more"
}

# check_routes WHAT: all N_ROUTES routes in the client namespace, via the server over tun0.
check_routes() {
    local table missing=() i
    table=$(ip -n "$IL_NS_C" -4 route show)
    for ((i = 1; i <= N_ROUTES; i++)); do
        grep -E -q "^100\\.65\\.$i\\.0/24 via $IL_TUN_SRV dev tun0( |\$)" <<<"$table" ||
            missing+=("100.65.$i.0/24")
    done
    [ "${#missing[@]}" -eq 0 ] ||
        fail "$1: ${#missing[@]} routes missing from the client's table (${missing[*]:0:5} ...):
$table"
}

# run_case NAME SERVER_IMPL CLIENT_IMPL OUT: one child's whole job; the server's messages are
# copied to OUT for the parent's comparison.
run_case() {
    local what=$1 s=$IL_DIR/$1-server c=$IL_DIR/$1-client i
    netns_setup
    pki_make "$IL_DIR/pki"
    # the far address the pushed routes lead to, on the server's lo
    ip -n "$IL_NS_S" addr add "$FAR_ADDR/32" dev lo || fail "$what: address on lo"
    {
        conf_server tls-crypt
        for ((i = 1; i <= N_ROUTES; i++)); do
            echo "push \"route 100.65.$i.0 255.255.255.0\""
        done
    } >"$s.conf"
    conf_client tls-crypt >"$c.conf"
    run_vpn server "$2" "$s.conf" "$s.log"
    assert_log "$s.log" 'Initialization Sequence Completed' 10 "$what: server start"
    run_vpn client "$3" "$c.conf" "$c.log"
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$what: client up"
    sent_msgs "$s.log" >"$IL_DIR/sent"
    received_msgs "$c.log" >"$IL_DIR/received"
    check_markers "$what (server sent)" "$IL_DIR/sent"
    cmp -s "$IL_DIR/sent" "$IL_DIR/received" ||
        fail "$what: the client's received messages differ from the server's:
$(diff "$IL_DIR/sent" "$IL_DIR/received" | cut -c1-200)"
    check_routes "$what"
    tun_ping client "$IL_TUN_SRV" || fail "$what: no ping to $IL_TUN_SRV"
    tun_ping client "$FAR_ADDR" || fail "$what: no ping to $FAR_ADDR over a pushed route"
    cp "$IL_DIR/sent" "$4"
    stop_all
    il_log "$what ok: 3 messages, $N_ROUTES routes installed, ping"
}

il_case_main run_case "$@"

CASES=("ovpn-srv openvpn $SLUICE_BIN $IL_DIR/sent0" "sluice-srv $SLUICE_BIN openvpn $IL_DIR/sent1")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
cmp -s "$IL_DIR/sent0" "$IL_DIR/sent1" ||
    fail "the Sluice server split the push differently from the openvpn server:
$(diff "$IL_DIR/sent0" "$IL_DIR/sent1" | cut -c1-200)"
il_log "Sluice and openvpn servers sent the same 3 messages; all push-continuation cases ok"
