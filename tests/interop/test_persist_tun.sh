#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# persist-tun on a Sluice client (openvpn server): a restart (SIGUSR1) keeps the tun device —
# the same interface index, its address and the pushed route stay while the client reconnects,
# and pings work again afterwards. Without persist-tun the device goes away on the restart and
# comes back as a new interface.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

netns_setup
pki_make "$IL_DIR/pki"
{ conf_server tls-crypt; echo 'push "route 100.64.20.0 255.255.255.0"'; } >"$IL_DIR/s.conf"
run_vpn server openvpn "$IL_DIR/s.conf" "$IL_DIR/s.log"
assert_log "$IL_DIR/s.log" 'Initialization Sequence Completed' 5 "server start"

ifindex() { ip -n "$IL_NS_C" -o link show dev tun0 2>/dev/null | cut -d: -f1; }

# restart_case NAME PERSIST(0|1)
restart_case() {
    local c=$IL_DIR/$1-client pid before after i
    { conf_client tls-crypt; [ "$2" = 1 ] && echo 'persist-tun'; } >"$c.conf"
    run_vpn client "$SLUICE_BIN" "$c.conf" "$c.log"
    pid=$IL_LAST_PID
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$1: client up"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$1: no ping"
    before=$(ifindex)
    kill -USR1 "$pid"
    assert_log "$c.log" 'SIGUSR1\[hard,\] received, process restarting' 2 "$1: restart"
    if [ "$2" = 1 ]; then
        [ "$(ifindex)" = "$before" ] || fail "$1: tun0 went away during the restart"
        ip -n "$IL_NS_C" route show 100.64.20.0/24 | grep -q tun0 ||
            fail "$1: the pushed route went away during the restart"
    fi
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'Initialization Sequence Completed' "$c.log")" -ge 2 ] && break
        sleep 0.1
    done
    [ "$(grep -c 'Initialization Sequence Completed' "$c.log")" -ge 2 ] || fail "$1: no reconnect"
    tun_ping client "$IL_TUN_SRV" 5 || fail "$1: no ping after the restart"
    after=$(ifindex)
    if [ "$2" = 1 ]; then
        [ "$after" = "$before" ] || fail "$1: tun0 was re-created ($before -> $after)"
        [ "$(grep -c 'TUN/TAP device .* opened' "$c.log")" -eq 1 ] || fail "$1: tun opened twice"
    else
        [ "$after" != "$before" ] || fail "$1: without persist-tun the device was kept"
    fi
    stop_pid "$pid"
    il_log "$1 ok (ifindex $before -> $after)"
}

restart_case persist 1
restart_case nopersist 0
stop_all
