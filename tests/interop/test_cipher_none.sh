#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `data-ciphers none` + `auth SHA256` (no encryption, HMAC only) against the real openvpn, both
# roles in parallel: only when configured explicitly, with openvpn's loud warning at start on
# the Sluice end, and the tunnel carries pings. The default configuration prints no such
# warning (checked on the same Sluice end's first start).
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
CASE_LIMIT=30
WARN="\*\*\*\*\*\*\* WARNING \*\*\*\*\*\*\*: '--cipher none' was specified. This means NO encryption"

run_case() {
    local what=$1 simpl=$2 cimpl=$3 s=$IL_DIR/$1-server c=$IL_DIR/$1-client slog
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt; printf 'data-ciphers none\nauth SHA256\n'; } >"$s.conf"
    { conf_client tls-crypt; printf 'data-ciphers none\nauth SHA256\n'; } >"$c.conf"
    [ "$simpl" = openvpn ] && slog=$c.log || slog=$s.log
    # The default first: no warning.
    conf_server tls-crypt >"$s-default.conf"
    run_vpn server "$SLUICE_BIN" "$s-default.conf" "$s-default.log"
    assert_log "$s-default.log" 'Initialization Sequence Completed' 5 "$what: default start"
    stop_all
    refute_log "$s-default.log" "$WARN" "$what: default configuration"
    il_up_pair "$what" "$simpl" "$cimpl" "${s%-server}"
    assert_log "$slog" "$WARN" 1 "$what: Sluice warns"
    assert_log "$slog" "Data Channel: cipher 'none', auth 'SHA256', peer-id: 0" 2 "$what: Sluice suite"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$what: no ping"
    stop_all
    il_log "$what ok"
}

il_case_main run_case "$@"

il_run_cases "$CASE_LIMIT" --case "sluice-server $SLUICE_BIN openvpn" \
    "sluice-client openvpn $SLUICE_BIN" || exit 1
il_log "cipher none ok in both roles"
