#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Renegotiation with `reneg-sec 10` against the real openvpn 2.6, in both roles and with each
# end as the initiator (the `reneg-sec 10` line goes to the initiating side only; the other
# keeps the default 3600 s):
#   sluice-srv-init   Sluice server (reneg-sec 10) + openvpn client
#   ovpn-cli-init     Sluice server + openvpn client (reneg-sec 10)
#   ovpn-srv-init     openvpn server (reneg-sec 10) + Sluice client
#   sluice-cli-init   openvpn server + Sluice client (reneg-sec 10)
# In each case two renegotiations (key_id 1 at ~10 s, key_id 2 at ~20 s) must complete within
# RENEG_WAIT seconds (default 30) of the client coming up, and then:
#   - the initiator logged "TLS: soft reset sec=N/10 " twice (openvpn's wording on both);
#   - openvpn (verb 7, which includes the verb-6 packet lines) logged the soft resets of
#     key_id 1 and 2: "P_CONTROL_SOFT_RESET_V1 kid=1" / "kid=2";
#   - Sluice logged "Data Channel: key_id 1 installed" and "... key_id 2 installed" (its own
#     line, verb 3, so visible at a normal verbosity);
#   - both ends printed the same "Master Encrypt/Decrypt" keys for key_id 0, 1 and 2 (README.md
#     fact 1), compared key set by key set.
# Mode tls-crypt, so key_id 1 and 2 run under dynamic tls-crypt.
#
# The four cases run in parallel, each in its own child process with its own pair of
# namespaces (lib.sh names them after the PID), which keeps the whole test at ~25 s.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

RENEG_WAIT=${RENEG_WAIT:-30}
CASE_LIMIT=$((RENEG_WAIT + 40)) # a child that is still running then is stopped (SIGTERM)
KEY_SETS=3                      # key_id 0, 1, 2

# same_keys_per_id WHAT SERVER_LOG CLIENT_LOG: key sets 0..KEY_SETS-1 agree one by one.
same_keys_per_id() {
    local i skeys ckeys
    for ((i = 1; i <= KEY_SETS; i++)); do
        skeys=$(ovpn_master_keys "$2" | sed -n "${i}p")
        ckeys=$(ovpn_master_keys "$3" | sed -n "${i}p")
        if [ -z "$skeys" ] || [ "$skeys" != "$ckeys" ]; then
            fail "$1: key_id $((i - 1)) keys differ: server '$skeys' client '$ckeys'"
        fi
    done
}

# key_ids_logged WHAT IMPL LOG: the side's own record of key_id 1 and 2.
key_ids_logged() {
    local id
    for id in 1 2; do
        if [ "$2" = openvpn ]; then
            assert_log "$3" "P_CONTROL_SOFT_RESET_V1 kid=$id " 1 "$1: openvpn soft reset kid=$id"
        else
            assert_log "$3" "Data Channel: key_id $id installed, cipher 'AES-256-GCM'" 1 \
                "$1: Sluice key_id $id"
        fi
    done
}

# run_case NAME SERVER_IMPL CLIENT_IMPL INITIATOR(server|client): one child's whole job.
run_case() {
    local simpl=$2 cimpl=$3 init=$4 what="$1 renegotiation"
    local s=$IL_DIR/$1-server c=$IL_DIR/$1-client ilog n
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt; echo 'verb 7'; [ "$init" = server ] && echo 'reneg-sec 10'; } >"$s.conf"
    { conf_client tls-crypt; echo 'verb 7'; [ "$init" = client ] && echo 'reneg-sec 10'; } >"$c.conf"
    il_up_pair "$what" "$simpl" "$cimpl" "${s%-server}"
    il_log "$what: client up"
    key_sets "$s.log" "$KEY_SETS" "$RENEG_WAIT" || fail "$what: no key_id 2 on the server"
    key_sets "$c.log" "$KEY_SETS" 2 || fail "$what: no key_id 2 on the client"
    [ "$init" = server ] && ilog=$s.log || ilog=$c.log
    n=$(grep -E -c 'TLS: soft reset sec=[0-9]+/10 ' "$ilog")
    [ "$n" -ge 2 ] || fail "$what: $n 'TLS: soft reset sec=N/10' lines by the $init, want 2"
    key_ids_logged "$what (server)" "$simpl" "$s.log"
    key_ids_logged "$what (client)" "$cimpl" "$c.log"
    same_keys_per_id "$what" "$s.log" "$c.log"
    stop_all
    il_log "$what ok"
}

il_case_main run_case "$@"

# The parent: one child per case, each bounded, reported in order.
CASES=("sluice-srv-init $SLUICE_BIN openvpn server"
    "ovpn-cli-init $SLUICE_BIN openvpn client"
    "ovpn-srv-init openvpn $SLUICE_BIN server"
    "sluice-cli-init openvpn $SLUICE_BIN client")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "all renegotiation cases ok"
