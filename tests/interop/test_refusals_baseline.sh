#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Reference behaviour, openvpn on both ends: the refusal cases a server (or client) must enforce.
# Each case asserts the refusing side logs its openvpn 2.6 reason line and the client does not reach
# "Initialization Sequence Completed". A positive control proves the CRL and the EKU check let a
# good client through. The exact lines are documented in README.md; later Sluice replaces one end.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

HOLD=1.5   # after the refusal is logged, how long the client gets to (wrongly) come up

# refusal NAME WHO PATTERN: SERVER_CONF and CLIENT_CONF are already written; WHO (server|client)
# is the side that must log PATTERN (extended regex).
refusal() {
    local name=$1 who=$2 pattern=$3 slog=$IL_DIR/$1-server.log clog=$IL_DIR/$1-client.log
    il_log "case $name"
    run_vpn server openvpn "$IL_DIR/$name-server.conf" "$slog"
    assert_log "$slog" 'Initialization Sequence Completed' 5 "$name: server start"
    run_vpn client openvpn "$IL_DIR/$name-client.conf" "$clog"
    assert_log "$IL_DIR/$name-$who.log" "$pattern" 8 "$name: $who refusal"
    if wait_log "$clog" 'Initialization Sequence Completed' "$HOLD"; then
        fail "$name: the client came up although it must be refused"
    fi
    refute_log "$slog" 'Peer Connection Initiated' "$name: server accepted the peer"
    stop_all
}

# case NAME MODE CERT WHO PATTERN [SERVER_EXTRA [CLIENT_SED [CLIENT_EXTRA]]]
case_() {
    local name=$1 mode=$2 cert=$3 who=$4 pattern=$5
    { conf_server "$mode"; printf '%s\n' "${6:-}"; } >"$IL_DIR/$name-server.conf"
    { conf_client "$mode" "$cert" | sed -e "${7:-}"; printf '%s\n' "${8:-}"; } \
        >"$IL_DIR/$name-client.conf"
    refusal "$name" "$who" "$pattern"
}

netns_setup
pki_make "$IL_DIR/pki"
P=$IL_PKI
PEER='\[AF_INET\]198\.18\.50\.2:[0-9]+'

case_ wrong-tls-auth tls-auth client1 server \
    "TLS Error: incoming packet authentication failed from $PEER" \
    '' 's#/ta\.key 1$#/ta-wrong.key 1#'
case_ wrong-tls-crypt tls-crypt client1 server \
    "TLS Error: tls-crypt unwrapping failed from $PEER" \
    '' 's#/tc\.key$#/tc-wrong.key#'
case_ wrong-tls-crypt-v2 tls-crypt-v2 client1 server \
    "TLS Error: can not extract tls-crypt-v2 client key from $PEER" \
    '' 's#/v2cli\.key$#/v2cli-wrong.key#'
case_ other-ca plain foreign server \
    'VERIFY ERROR: depth=0, error=unable to get local issuer certificate: CN=client1'
case_ expired plain expired server \
    'VERIFY ERROR: depth=0, error=certificate has expired: CN=expired'
case_ revoked plain client2 server \
    'VERIFY ERROR: depth=0, error=certificate revoked: CN=client2' \
    "crl-verify $P/crl.pem"
case_ server-x509-name plain client1 server \
    'VERIFY X509NAME ERROR: CN=client1, must be client9' \
    'verify-x509-name client9 name'
case_ client-x509-name plain client1 client \
    'VERIFY X509NAME ERROR: CN=server, must be wrongserver' \
    '' '' 'verify-x509-name wrongserver name'
case_ no-client-eku plain noeku server \
    'Certificate does not have extended key usage extension' \
    "remote-cert-tls client"
# The server-side TLS failure line must accompany each certificate refusal above.
for name in other-ca expired revoked server-x509-name no-client-eku; do
    grep -q 'TLS Error: TLS handshake failed' "$IL_DIR/$name-server.log" ||
        fail "$name: server did not log 'TLS Error: TLS handshake failed'"
done
grep -q 'VERIFY EKU ERROR' "$IL_DIR/no-client-eku-server.log" ||
    fail "no-client-eku: no 'VERIFY EKU ERROR'"

# Positive control: the same CRL and EKU checks admit client1.
il_log "control: client1 with crl-verify + remote-cert-tls client"
{ conf_server plain; echo "crl-verify $P/crl.pem"; echo "remote-cert-tls client"; } \
    >"$IL_DIR/control-server.conf"
conf_client plain client1 >"$IL_DIR/control-client.conf"
run_vpn server openvpn "$IL_DIR/control-server.conf" "$IL_DIR/control-server.log"
assert_log "$IL_DIR/control-server.log" 'Initialization Sequence Completed' 5 "control: server"
run_vpn client openvpn "$IL_DIR/control-client.conf" "$IL_DIR/control-client.log"
assert_log "$IL_DIR/control-client.log" 'Initialization Sequence Completed' 10 "control: client"
assert_log "$IL_DIR/control-server.log" 'VERIFY EKU OK' 2 "control: EKU check ran"
stop_all
il_log "all refusal cases ok"
