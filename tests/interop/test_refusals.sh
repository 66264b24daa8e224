#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sluice as the refusing side, the real openvpn 2.6 as the peer (the cases of
# test_refusals_baseline.sh, README.md fact 2). Each refusal asserts Sluice's reason line, that
# the peer never logs "Initialization Sequence Completed" and that the openvpn server (when it is
# the peer) never logs "Peer Connection Initiated".
#
# No per-peer state may stay on the Sluice server after a refusal. Checked from the outside:
# every Sluice server here runs with "max-clients 1", and after its refusals a good client must
# still come up and get the first pool address 100.64.10.2. A refused peer that kept an instance
# (or a pool address) until hand-window would fill the only slot.
#
# Finally the crl-verify file is re-read while the server runs: client1 gets in, the CA revokes
# it and rewrites the CRL file, and the next client1 is refused without a restart; then the file
# is damaged and every client is refused (fail closed, as openvpn).
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

HOLD=1.5 # after the refusal is logged, how long the peer gets to (wrongly) come up
PEER='\[AF_INET\]198\.18\.50\.2:[0-9]+'
PFX='198\.18\.50\.2:[0-9]+' # Sluice's per-peer prefix before the peer's CN is known
POOL_OK='MULTI: primary virtual IP for client1/198\.18\.50\.2:[0-9]+: 100\.64\.10\.2'

# verify_error ERROR SUBJECT: Sluice's line for a certificate OpenSSL refused at depth 0, in
# openvpn's own words ("VERIFY ERROR: ...", from tlsmem_verify_describe()).
verify_error() {
    printf 'VERIFY ERROR: depth=0, error=%s: %s, serial=[0-9]+' "$1" "$2"
}

# stop_pid PID: stop one daemon this script started (stop_all stops every one of them).
stop_pid() {
    local i
    kill -TERM "$1" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# sluice_server NAME MODE [EXTRA...]: a Sluice server with one client slot; its log is NAME.log.
sluice_server() {
    local name=$1 mode=$2
    shift 2
    { conf_server "$mode"; echo 'max-clients 1'; printf '%s\n' "$@"; } >"$IL_DIR/$name.conf"
    run_vpn server "$SLUICE_BIN" "$IL_DIR/$name.conf" "$IL_DIR/$name.log"
    assert_log "$IL_DIR/$name.log" 'Initialization Sequence Completed' 5 "$name: server start"
}

# refused_client SLOG NAME MODE CERT PATTERN [SED]: an openvpn client that the Sluice server
# (log SLOG) must refuse with PATTERN; it is stopped HOLD seconds after the refusal.
refused_client() {
    local slog=$1 name=$2 mode=$3 cert=$4 pattern=$5 clog=$IL_DIR/$2-client.log pid before
    il_log "case $name"
    before=$(wc -l <"$slog")
    conf_client "$mode" "$cert" | sed -e "${6:-}" >"$IL_DIR/$name-client.conf"
    run_vpn client openvpn "$IL_DIR/$name-client.conf" "$clog"
    pid=$IL_LAST_PID
    assert_log "$slog" "$pattern" 8 "$name: Sluice server refusal"
    if wait_log "$clog" 'Initialization Sequence Completed' "$HOLD"; then
        fail "$name: the openvpn client came up although it must be refused"
    fi
    tail -n "+$((before + 1))" "$slog" >"$IL_DIR/$name-server-part.log"
    refute_log "$IL_DIR/$name-server-part.log" 'Peer Connection Initiated' \
        "$name: Sluice server accepted the peer"
    stop_pid "$pid"
}

# good_client SLOG NAME MODE: client1 comes up and gets the first pool address.
good_client() {
    local slog=$1 name=$2 clog=$IL_DIR/$2-client.log
    il_log "control $name"
    conf_client "$3" client1 >"$IL_DIR/$name-client.conf"
    run_vpn client openvpn "$IL_DIR/$name-client.conf" "$clog"
    assert_log "$clog" 'Initialization Sequence Completed' 10 "$name: good client"
    assert_log "$slog" "$POOL_OK" 2 "$name: good client got 100.64.10.2 (a refused peer kept state?)"
}

# refused_by_sluice_client NAME PATTERN CLIENT_EXTRA [SERVER_CERT]: an openvpn server (with
# SERVER_CERT, default server) that the Sluice client must refuse with PATTERN.
refused_by_sluice_client() {
    local name=$1 pattern=$2 slog=$IL_DIR/$1-server.log clog=$IL_DIR/$1-client.log
    il_log "case $name"
    { conf_server plain | sed -e "s#/server\.\(crt\|key\)\$#/${4:-server}.\1#"; } \
        >"$IL_DIR/$name-server.conf"
    { conf_client plain; echo "$3"; } >"$IL_DIR/$name-client.conf"
    run_vpn server openvpn "$IL_DIR/$name-server.conf" "$slog"
    assert_log "$slog" 'Initialization Sequence Completed' 5 "$name: openvpn server start"
    run_vpn client "$SLUICE_BIN" "$IL_DIR/$name-client.conf" "$clog"
    assert_log "$clog" "$pattern" 8 "$name: Sluice client refusal"
    if wait_log "$clog" 'Initialization Sequence Completed' "$HOLD"; then
        fail "$name: the Sluice client came up although it must refuse the server"
    fi
    refute_log "$slog" 'Peer Connection Initiated' "$name: openvpn server saw a connection"
    stop_all
}

netns_setup
pki_make "$IL_DIR/pki"
P=$IL_PKI

# -- control-channel wrapping: refused before any instance exists
sluice_server s-tls-auth tls-auth
refused_client "$IL_DIR/s-tls-auth.log" wrong-tls-auth tls-auth client1 \
    "TLS Error: incoming packet authentication failed from $PEER" 's#/ta\.key 1$#/ta-wrong.key 1#'
good_client "$IL_DIR/s-tls-auth.log" tls-auth-control tls-auth
stop_all

sluice_server s-tls-crypt tls-crypt
refused_client "$IL_DIR/s-tls-crypt.log" wrong-tls-crypt tls-crypt client1 \
    "TLS Error: tls-crypt unwrapping failed from $PEER" 's#/tc\.key$#/tc-wrong.key#'
good_client "$IL_DIR/s-tls-crypt.log" tls-crypt-control tls-crypt
stop_all

# -- certificates: one server, crl-verify + remote-cert-tls client, four refusals, then client1
cp "$P/crl.pem" "$IL_DIR/watched-crl.pem"
S=$IL_DIR/s-cert.log
sluice_server s-cert plain "crl-verify $IL_DIR/watched-crl.pem" 'remote-cert-tls client'
assert_log "$S" "CRL: loaded 1 CRLs from file $IL_DIR/watched-crl.pem" 1 "CRL start-up line"
refused_client "$S" other-ca plain foreign \
    "$PFX $(verify_error 'unable to get local issuer certificate' CN=client1)"
refused_client "$S" expired plain expired \
    "$PFX $(verify_error 'certificate has expired' CN=expired)"
refused_client "$S" revoked plain client2 \
    "$PFX $(verify_error 'certificate revoked' CN=client2)"
refused_client "$S" no-client-eku plain noeku \
    "$PFX .*VERIFY EKU ERROR: Certificate does not have extended key usage extension"
grep -Eq "$PFX TLS Error: TLS handshake failed" "$S" ||
    fail "certificate refusals: no 'TLS Error: TLS handshake failed' on the Sluice server"
good_client "$S" cert-control plain
assert_log "$S" "$PFX VERIFY OK: depth=0, CN=client1" 1 \
    "cert-control: client1 verified"
stop_all

# -- the CRL file changes under a running server
S=$IL_DIR/s-crl.log
cp "$P/crl.pem" "$IL_DIR/watched-crl.pem"
{ conf_server plain; echo "crl-verify $IL_DIR/watched-crl.pem"; } >"$IL_DIR/s-crl.conf"
run_vpn server "$SLUICE_BIN" "$IL_DIR/s-crl.conf" "$S"
assert_log "$S" 'Initialization Sequence Completed' 5 "s-crl: server start"
good_client "$S" crl-before plain
stop_pid "$IL_LAST_PID"
openssl ca -batch -config "$P/ca/ca.cnf" -revoke "$P/client1.crt" 2>/dev/null &&
    openssl ca -batch -config "$P/ca/ca.cnf" -gencrl -out "$IL_DIR/watched-crl.pem" 2>/dev/null ||
    fail "cannot revoke client1"
refused_client "$S" revoked-live plain client1 \
    "$PFX $(verify_error 'certificate revoked' CN=client1)"
[ "$(grep -c "CRL: loaded 1 CRLs from file $IL_DIR/watched-crl.pem" "$S")" -ge 2 ] ||
    fail "revoked-live: the changed CRL file was not logged as re-read"
# A CRL file that no longer parses fails closed: the never-revoked noeku certificate (this
# server has no remote-cert-tls) is refused too.
echo 'not a CRL' >"$IL_DIR/watched-crl.pem"
refused_client "$S" damaged-crl plain noeku \
    "$PFX $(verify_error 'unable to get certificate CRL' CN=noeku)"
assert_log "$S" "CRL: cannot read CRL from file $IL_DIR/watched-crl.pem" 1 \
    "damaged-crl: the unreadable CRL was not logged"
stop_all

# -- Sluice as the client refusing an openvpn server
refused_by_sluice_client client-x509-name 'VERIFY X509NAME ERROR: CN=server, must be wrongserver' \
    'verify-x509-name wrongserver name'
refused_by_sluice_client client-no-server-eku \
    'VERIFY EKU ERROR: Certificate does not have extended key usage extension' \
    'remote-cert-tls server' noeku
il_log "all refusal cases ok"
