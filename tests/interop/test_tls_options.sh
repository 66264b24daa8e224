#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TLS options and pkcs12 on the Sluice end against the real openvpn 2.6, in both roles ("srv":
# Sluice server + openvpn client, "cli": openvpn server + Sluice client). tls-crypt, verb 4.
# Each positive case brings the tunnel up, pings the server's tunnel address and checks the
# "Control Channel: ..." line of BOTH ends (openvpn 2.6.14 wording; the server side of a TLS 1.2
# session has no "peer temporary key" part, the client side has it):
#   v12-*     tls-version-max 1.2: "Control Channel: TLSv1.2, cipher TLSv1.2
#             ECDHE-ECDSA-AES256-GCM-SHA384, peer certificate: 256 bits ECprime256v1, signature:
#             ecdsa-with-SHA256" (server) / "..., peer temporary key: 253 bits X25519" (client)
#   suite-*   tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256: "TLSv1.3, cipher TLSv1.3
#             TLS_CHACHA20_POLY1305_SHA256"
#   cipher-*  tls-version-max 1.2 + tls-cipher ECDHE-ECDSA-AES128-GCM-SHA256 (not the default
#             choice, which is ...-AES256-GCM-SHA384): "TLSv1.2, cipher TLSv1.2
#             ECDHE-ECDSA-AES128-GCM-SHA256"
#   groups-*  tls-groups secp384r1 (the client's default key share is X25519, so the Sluice
#             server case goes through a HelloRetryRequest): "peer temporary key: 384 bits
#             ECsecp384r1" on both ends
#   p12-cli   Sluice client with `pkcs12 FILE` (exported with an empty password, CA inside, no
#             `ca` line); the openvpn server sees CN client1
#   p12-srv   Sluice server with `pkcs12 FILE`, no `ca` line: the file's CA verifies client1
#   p12-inl   Sluice server with an inline <pkcs12> block (base64) whose CA is "Other Test CA",
#             plus `ca` = the test CA: the explicit `ca` is what is trusted (as in openvpn), so
#             client1 is accepted
# Refusals:
#   vmin-srv  Sluice server tls-version-min 1.3, openvpn client tls-version-max 1.2: Sluice logs
#             "TLS Error: TLS handshake failed: error:0A000102:SSL routines::unsupported
#             protocol"; no tunnel on either end
#   vmin-cli  openvpn server tls-version-max 1.2, Sluice client tls-version-min 1.3 (hand-window
#             3): the SERVER refuses the ClientHello (openvpn: "TLS error: Unsupported protocol.
#             This typically indicates ...") and its alert never reaches the client (README.md
#             fact 2), so the Sluice client only sees "TLS Error: TLS key negotiation failed to
#             occur within 3 seconds" and "TLS Error: TLS handshake failed"; no tunnel
#   p12-bad   pkcs12 files Sluice must refuse at start (exit status not 0, one line naming the
#             file): protected by a password (Sluice cannot prompt; openvpn would), and a file
#             without CA certificates and no `ca` line
# The cases run in parallel, each in its own child process with its own pair of namespaces.
# ~7 s.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

CASE_LIMIT=60 # seconds; a child still running then is stopped (SIGTERM)
CC_12="Control Channel: TLSv1.2, cipher TLSv1.2"
CC_13="Control Channel: TLSv1.3, cipher TLSv1.3"
CC_CERT="peer certificate: 256 bits ECprime256v1, signature: ecdsa-with-SHA256"
X25519=", peer temporary key: 253 bits X25519"

# ere TEXT: TEXT as an extended regex matching it literally.
ere() {
    printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}

# conf_end ROLE LINES: the harness config for ROLE (server|client) plus LINES; with a pkcs12
# line among them the harness's ca/cert/key lines are left out (pkcs12 excludes cert and key;
# LINES may bring their own ca).
conf_end() {
    if printf '%s\n' "$2" | grep -E -q '^(pkcs12 |<pkcs12>)'; then
        "conf_$1" tls-crypt | sed -E '/^(ca|cert|key) /d'
    else
        "conf_$1" tls-crypt
    fi
    printf '%s\n' "$2"
}

# start_pair WHAT ROLE SLUICE_LINES OVPN_LINES: configs with the extra lines (newline-separated)
# for the Sluice end and the openvpn end; ROLE srv = Sluice server, cli = Sluice client. Starts
# the server (waits until it is up) and the client. Sets S and C (log paths without ".log").
start_pair() {
    local what=$1 simpl=openvpn cimpl=openvpn slines=$4 clines=$3
    S=$IL_DIR/$what-server
    C=$IL_DIR/$what-client
    if [ "$2" = srv ]; then
        simpl=$SLUICE_BIN slines=$3 clines=$4
    else
        cimpl=$SLUICE_BIN
    fi
    conf_end server "$slines" >"$S.conf"
    conf_end client "$clines" >"$C.conf"
    run_vpn server "$simpl" "$S.conf" "$S.log"
    assert_log "$S.log" 'Initialization Sequence Completed' 10 "$what: server start"
    run_vpn client "$cimpl" "$C.conf" "$C.log"
}

# up WHAT: the client came up, the server saw client1, ping through the tunnel.
up() {
    assert_log "$C.log" 'Initialization Sequence Completed' 10 "$1: client up"
    assert_log "$S.log" 'client1/198\.18\.50\.2:[0-9]+ MULTI: primary virtual IP' 2 \
        "$1: server saw client1"
    tun_ping client "$IL_TUN_SRV" || fail "$1: no ping through the tunnel"
}

# cc_lines WHAT SERVER_TEXT CLIENT_TEXT: each end's whole "Control Channel:" line (after the
# timestamp and the server's peer prefix) is exactly the given text.
cc_lines() {
    assert_log "$S.log" "198\\.18\\.50\\.2:[0-9]+ $(ere "$2")\$" 2 "$1: server Control Channel line"
    assert_log "$C.log" "us=[0-9]+ $(ere "$3")\$" 2 "$1: client Control Channel line"
}

# no_tunnel WHAT: neither end brought a tunnel up.
no_tunnel() {
    refute_log "$C.log" 'Initialization Sequence Completed' "$1: client"
    refute_log "$C.log" 'Peer Connection Initiated' "$1: client"
    refute_log "$S.log" 'Peer Connection Initiated' "$1: server"
    refute_log "$S.log" 'MULTI: primary virtual IP' "$1: server"
}

case_v12() {
    start_pair "v12-$1" "$1" 'tls-version-max 1.2' ''
    up "v12-$1"
    cc_lines "v12-$1" "$CC_12 ECDHE-ECDSA-AES256-GCM-SHA384, $CC_CERT" \
        "$CC_12 ECDHE-ECDSA-AES256-GCM-SHA384, $CC_CERT$X25519"
}

case_suite() {
    start_pair "suite-$1" "$1" 'tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256' ''
    up "suite-$1"
    cc_lines "suite-$1" "$CC_13 TLS_CHACHA20_POLY1305_SHA256, $CC_CERT$X25519" \
        "$CC_13 TLS_CHACHA20_POLY1305_SHA256, $CC_CERT$X25519"
}

case_cipher() {
    start_pair "cipher-$1" "$1" $'tls-version-max 1.2\ntls-cipher ECDHE-ECDSA-AES128-GCM-SHA256' ''
    up "cipher-$1"
    cc_lines "cipher-$1" "$CC_12 ECDHE-ECDSA-AES128-GCM-SHA256, $CC_CERT" \
        "$CC_12 ECDHE-ECDSA-AES128-GCM-SHA256, $CC_CERT$X25519"
}

case_groups() {
    local p384=", peer temporary key: 384 bits ECsecp384r1"
    start_pair "groups-$1" "$1" 'tls-groups secp384r1' ''
    up "groups-$1"
    cc_lines "groups-$1" "$CC_13 TLS_AES_256_GCM_SHA384, $CC_CERT$p384" \
        "$CC_13 TLS_AES_256_GCM_SHA384, $CC_CERT$p384"
}

case_vmin() {
    local what=vmin-$1
    if [ "$1" = srv ]; then
        start_pair "$what" srv 'tls-version-min 1.3' 'tls-version-max 1.2'
        assert_log "$S.log" \
            '198\.18\.50\.2:[0-9]+ TLS Error: TLS handshake failed: error:0A000102:SSL routines::unsupported protocol' \
            5 "$what: Sluice refuses TLS 1.2"
    else
        start_pair "$what" cli $'tls-version-min 1.3\nhand-window 3' 'tls-version-max 1.2'
        assert_log "$S.log" 'TLS error: Unsupported protocol\. This typically indicates' 5 \
            "$what: openvpn refuses the TLS 1.3-only ClientHello"
        assert_log "$C.log" \
            'TLS Error: TLS key negotiation failed to occur within 3 seconds' 6 \
            "$what: Sluice client gives up"
        assert_log "$C.log" 'TLS Error: TLS handshake failed' 1 "$what: Sluice client"
    fi
    sleep 1 # a late success would show now
    no_tunnel "$what"
    refute_log "$C.log" 'Control Channel: TLS' "$what: client"
    refute_log "$S.log" 'Control Channel: TLS' "$what: server"
}

# p12_make NAME CERT CA_FILE [PASSWORD]: $IL_DIR/NAME.p12 from the PKI's CERT.crt/.key with
# CA_FILE's certificates inside ("" for none).
p12_make() {
    local ca=()
    [ -n "$3" ] && ca=(-certfile "$3")
    openssl pkcs12 -export -in "$IL_PKI/$2.crt" -inkey "$IL_PKI/$2.key" "${ca[@]}" \
        -passout "pass:${4:-}" -out "$IL_DIR/$1.p12" 2>/dev/null || fail "openssl pkcs12 $1"
}

case_p12() {
    local what=p12-$1 lines
    case $1 in
    cli)
        p12_make c1 client1 "$IL_PKI/ca.crt"
        start_pair "$what" cli "pkcs12 $IL_DIR/c1.p12" ''
        ;;
    srv)
        p12_make srv server "$IL_PKI/ca.crt"
        start_pair "$what" srv "pkcs12 $IL_DIR/srv.p12" ''
        ;;
    inl)
        p12_make srv server "$IL_PKI/otherca.crt"
        lines=$(printf 'ca %s\n<pkcs12>\n' "$IL_PKI/ca.crt"
            base64 -w 64 "$IL_DIR/srv.p12"
            printf '</pkcs12>')
        start_pair "$what" srv "$lines" ''
        ;;
    esac
    up "$what"
    cc_lines "$what" "$CC_13 TLS_AES_256_GCM_SHA384, $CC_CERT$X25519" \
        "$CC_13 TLS_AES_256_GCM_SHA384, $CC_CERT$X25519"
}

# p12_refused WHAT CONF PATTERN: Sluice with CONF exits by itself, status not 0, logging PATTERN.
p12_refused() {
    local pid rc
    run_vpn client "$SLUICE_BIN" "$2" "$IL_DIR/$1.log"
    pid=$IL_LAST_PID
    wait_pid_exit "$pid" 5 || fail "$1: Sluice still running 5 s after start"
    wait "$pid"
    rc=$?
    [ "$rc" -ne 0 ] || fail "$1: exit status 0"
    assert_log "$IL_DIR/$1.log" "$3" 0 "$1: the reason"
    refute_log "$IL_DIR/$1.log" 'UDPv4 link remote' "$1: started networking"
    il_log "$1 refused (exit status $rc)"
}

case_p12bad() {
    local f
    p12_make pw client1 "$IL_PKI/ca.crt" 'not-empty'
    p12_make noca client1 ''
    for f in pw noca; do
        conf_end client "pkcs12 $IL_DIR/$f.p12" >"$IL_DIR/$f.conf"
    done
    p12_refused p12-password "$IL_DIR/pw.conf" \
        "pkcs12 '$(ere "$IL_DIR/pw.p12")': the file is protected by a password and Sluice cannot ask for one"
    p12_refused p12-noca "$IL_DIR/noca.conf" \
        "pkcs12 '$(ere "$IL_DIR/noca.p12")': holds no CA certificate: add 'ca FILE'"
}

# run_case NAME ROLE: one child's whole job.
run_case() {
    netns_setup
    pki_make "$IL_DIR/pki"
    "case_$1" "$2"
    stop_all
    il_log "$1 $2 ok"
}

il_case_main run_case "$@"

CASES=("v12 srv" "v12 cli" "suite srv" "suite cli" "cipher srv" "cipher cli" "groups srv"
    "groups cli" "vmin srv" "vmin cli" "p12 cli" "p12 srv" "p12 inl" "p12bad -")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "all TLS option cases ok"
