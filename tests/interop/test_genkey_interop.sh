#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Keys made by either program work in the other, and inline key material works in Sluice:
#
#  1. openvpn server + openvpn client running on keys written by `sluice --genkey`: tls-auth
#     (`secret`), tls-crypt, and tls-crypt-v2 (Sluice server key, Sluice client key wrapped with
#     it). Proves Sluice's files are read by openvpn and that its client key is wrapped the way
#     openvpn's server unwraps it.
#  2. Sluice server + openvpn client on an openvpn-made tls-crypt-v2 server key and a client key
#     that Sluice wrapped with it.
#  3. Sluice client whose config carries <ca>, <cert>, <key> and <tls-crypt> inline (the PKI files'
#     contents) against an openvpn server.
#  4. Sluice server whose config carries the tls-crypt-v2 server key inline (<tls-crypt-v2>)
#     against an openvpn client.
#
# Every case: the client logs "Initialization Sequence Completed", and both ends run at verb 7
# and print the same "Master Encrypt/Decrypt" data-channel keys (README.md fact 1).
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

netns_setup
pki_make "$IL_DIR/pki"
K=$IL_DIR/sluice-keys
mkdir -p "$K" || fail "mkdir $K"

# same_keys WHAT SERVER_LOG CLIENT_LOG: both ends logged the same non-empty key sets.
same_keys() {
    local skeys ckeys
    skeys=$(ovpn_master_keys "$2")
    ckeys=$(ovpn_master_keys "$3")
    [ -n "$skeys" ] || fail "$1: no 'Master Encrypt/Decrypt' key lines in $(basename "$2")"
    [ -n "$ckeys" ] || fail "$1: no 'Master Encrypt/Decrypt' key lines in $(basename "$3")"
    [ "$skeys" = "$ckeys" ] || fail "$1: data keys differ: server '$skeys' client '$ckeys'"
}

# sluice_genkey ARGS...: run `sluice --genkey ARGS`, which must succeed silently.
sluice_genkey() {
    local out
    out=$("$SLUICE_BIN" --genkey "$@" 2>&1) || fail "sluice --genkey $*: failed: $out"
    [ -z "$out" ] || fail "sluice --genkey $*: unexpected output: $out"
}

# key_file_ok FILE BEGIN_LINE: a key file with openvpn's armour lines and mode 0600.
key_file_ok() {
    [ "$(stat -c %a "$1")" = 600 ] || fail "$(basename "$1"): mode $(stat -c %a "$1"), not 600"
    grep -q -x -- "-----BEGIN $2-----" "$1" || fail "$(basename "$1"): no BEGIN $2 line"
    grep -q -x -- "-----END $2-----" "$1" || fail "$(basename "$1"): no END $2 line"
}

# run_case NAME SERVER_IMPL SERVER_CONF CLIENT_IMPL CLIENT_CONF: start both (verb 7 already in
# the configs), wait for the client to complete, compare the data keys, stop both.
run_case() {
    local what=$1 s=$IL_DIR/$1-server c=$IL_DIR/$1-client
    run_vpn server "$2" "$3" "$s.log"
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "$what: server start"
    run_vpn client "$4" "$5" "$c.log"
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$what: client"
    assert_log "$s.log" 'client1/198\.18\.50\.2:[0-9]+ Data Channel: cipher' 5 \
        "$what: server data channel"
    key_sets "$s.log" 1 5 || fail "$what: no key set on the server"
    key_sets "$c.log" 1 5 || fail "$what: no key set on the client"
    same_keys "$what" "$s.log" "$c.log"
    stop_all
    il_log "$what ok"
}

# conf_with ROLE LINE...: the harness config for ROLE in plain mode plus LINE... and verb 7.
conf_with() {
    local role=$1
    shift
    "conf_$role" plain
    printf '%s\n' "$@" 'verb 7'
}

# inline TAG FILE: FILE's contents as an inline block <TAG>...</TAG>.
inline() {
    printf '<%s>\n' "$1"
    cat "$2"
    printf '</%s>\n' "$1"
}

# ---- Sluice writes the keys ----
sluice_genkey secret "$K/ta.key"
sluice_genkey tls-crypt "$K/tc.key"
sluice_genkey tls-crypt-v2-server "$K/v2srv.key"
sluice_genkey tls-crypt-v2-client "$K/v2cli.key" --tls-crypt-v2 "$K/v2srv.key"
sluice_genkey tls-crypt-v2-client "$K/v2cli-ovsrv.key" --tls-crypt-v2 "$IL_PKI/v2srv.key"
key_file_ok "$K/ta.key" 'OpenVPN Static key V1'
key_file_ok "$K/tc.key" 'OpenVPN Static key V1'
key_file_ok "$K/v2srv.key" 'OpenVPN tls-crypt-v2 server key'
key_file_ok "$K/v2cli.key" 'OpenVPN tls-crypt-v2 client key'
key_file_ok "$K/v2cli-ovsrv.key" 'OpenVPN tls-crypt-v2 client key'
cmp -s "$K/ta.key" "$K/tc.key" && fail "two sluice --genkey runs wrote the same key"
il_log "sluice --genkey wrote 5 keys"

# ---- 1. openvpn on both ends, Sluice-made keys ----
conf_with server "tls-auth $K/ta.key 0" >"$IL_DIR/ov-ta-s.conf"
conf_with client "tls-auth $K/ta.key 1" >"$IL_DIR/ov-ta-c.conf"
run_case ovpn-sluicekey-tls-auth openvpn "$IL_DIR/ov-ta-s.conf" openvpn "$IL_DIR/ov-ta-c.conf"

conf_with server "tls-crypt $K/tc.key" >"$IL_DIR/ov-tc-s.conf"
conf_with client "tls-crypt $K/tc.key" >"$IL_DIR/ov-tc-c.conf"
run_case ovpn-sluicekey-tls-crypt openvpn "$IL_DIR/ov-tc-s.conf" openvpn "$IL_DIR/ov-tc-c.conf"

conf_with server "tls-crypt-v2 $K/v2srv.key" >"$IL_DIR/ov-v2-s.conf"
conf_with client "tls-crypt-v2 $K/v2cli.key" >"$IL_DIR/ov-v2-c.conf"
run_case ovpn-sluicekey-tls-crypt-v2 openvpn "$IL_DIR/ov-v2-s.conf" openvpn "$IL_DIR/ov-v2-c.conf"
assert_log "$IL_DIR/ovpn-sluicekey-tls-crypt-v2-server.log" 'Control Channel: using tls-crypt-v2 key' \
    1 "ovpn-sluicekey-tls-crypt-v2: server unwrapped the Sluice client key"

# ---- 2. openvpn server key, Sluice-wrapped client key: Sluice server + openvpn client ----
conf_with server "tls-crypt-v2 $IL_PKI/v2srv.key" >"$IL_DIR/sl-v2-s.conf"
conf_with client "tls-crypt-v2 $K/v2cli-ovsrv.key" >"$IL_DIR/sl-v2-c.conf"
run_case sluice-server-ovpnsrvkey-tls-crypt-v2 "$SLUICE_BIN" "$IL_DIR/sl-v2-s.conf" \
    openvpn "$IL_DIR/sl-v2-c.conf"

# ---- 3. Sluice client, everything inline, openvpn server ----
conf_with server "tls-crypt $IL_PKI/tc.key" >"$IL_DIR/in-cli-s.conf"
{
    conf_client plain | grep -E -v '^(ca|cert|key) '
    inline ca "$IL_PKI/ca.crt"
    inline cert "$IL_PKI/client1.crt"
    inline key "$IL_PKI/client1.key"
    inline tls-crypt "$IL_PKI/tc.key"
    echo 'verb 7'
} >"$IL_DIR/in-cli-c.conf"
grep -E -q '^(ca|cert|key|tls-crypt) ' "$IL_DIR/in-cli-c.conf" &&
    fail "inline client config still names a file"
run_case sluice-client-inline openvpn "$IL_DIR/in-cli-s.conf" \
    "$SLUICE_BIN" "$IL_DIR/in-cli-c.conf"

# ---- 4. Sluice server, inline tls-crypt-v2 server key, openvpn client ----
{
    conf_server plain
    inline tls-crypt-v2 "$IL_PKI/v2srv.key"
    echo 'verb 7'
} >"$IL_DIR/in-srv-s.conf"
conf_with client "tls-crypt-v2 $IL_PKI/v2cli.key" >"$IL_DIR/in-srv-c.conf"
run_case sluice-server-inline-tls-crypt-v2 "$SLUICE_BIN" "$IL_DIR/in-srv-s.conf" \
    openvpn "$IL_DIR/in-srv-c.conf"

il_log "keys of either program work in the other; inline key material works"
