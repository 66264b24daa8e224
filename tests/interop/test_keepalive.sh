#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Keepalive on the data channel against the real openvpn, both roles (each case in its own
# namespace pair, run in parallel):
#  - with `keepalive 1 4` (pushed: ping 1, ping-restart 4; the server itself restarts after 8 s)
#    an idle tunnel stays up for 10 s: neither end logs an inactivity timeout, so each end's
#    pings reach the other and are accepted;
#  - the peer is frozen (SIGSTOP): the Sluice end logs openvpn's "Inactivity timeout
#    (--ping-restart), restarting" within the timeout (+ slack). A Sluice client restarts and
#    reconnects once the server is thawed (SIGCONT); a Sluice server frees the client instance
#    (its status then lists no client) and takes the client back when it comes again.
#  - `inactive 3` pushed by an openvpn server (keepalive 1 4 pings keep flowing): the Sluice
#    client stays while pings through the tunnel run, then exits 3-5 s after the last one
#    with openvpn's "Inactivity timeout (--inactive), exiting".
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"
CASE_LIMIT=60

# status_clients LOG: the client rows of the last status block printed on SIGUSR2.
status_clients() {
    awk '/OpenVPN CLIENT LIST/ { n = 0; inlist = 1; next }
         inlist && /Common Name,Real Address/ { next }
         inlist && /ROUTING TABLE/ { inlist = 0; last = n; next }
         inlist && /Updated,/ { next }
         inlist { n++ }
         END { print last + 0 }' "$1"
}

inactive_case() {
    local what=$1 s=$IL_DIR/$1-server c=$IL_DIR/$1-client cpid t0 t1
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt | grep -v '^keepalive'; echo 'keepalive 1 4'; echo 'push "inactive 3"'; } >"$s.conf"
    conf_client tls-crypt >"$c.conf"
    run_vpn server openvpn "$s.conf" "$s.log"
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "$what: server start"
    run_vpn client "$SLUICE_BIN" "$c.conf" "$c.log"
    cpid=$IL_LAST_PID
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$what: client"
    # Traffic for 5 s (longer than the limit): the client must stay.
    ip netns exec "$IL_NS_C" ping -n -q -c 25 -i 0.2 "$IL_TUN_SRV" >/dev/null 2>&1 ||
        fail "$what: pings through the tunnel failed"
    refute_log "$c.log" 'Inactivity timeout \(--inactive\)' "$what: busy tunnel"
    t0=$(date +%s)
    assert_log "$c.log" 'Inactivity timeout \(--inactive\), exiting' 7 "$what: idle client exits"
    t1=$(date +%s)
    [ $((t1 - t0)) -ge 2 ] || fail "$what: exited after $((t1 - t0)) s of idleness, want about 3"
    assert_log "$c.log" 'SIGTERM\[soft,inactive\] received, process exiting' 1 "$what: exit line"
    for ((i = 0; i < 30; i++)); do
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    ! kill -0 "$cpid" 2>/dev/null || fail "$what: the client process did not exit"
    stop_all
    il_log "$what ok"
}

run_case() {
    local what=$1 simpl=$2 cimpl=$3
    local s=$IL_DIR/$1-server c=$IL_DIR/$1-client frozen spid cpid
    netns_setup
    pki_make "$IL_DIR/pki"
    { conf_server tls-crypt | grep -v '^keepalive'; echo 'keepalive 1 4'; } >"$s.conf"
    conf_client tls-crypt >"$c.conf"
    il_up_pair "$what" "$simpl" "$cimpl" "${s%-server}"
    spid=$IL_SERVER_PID
    cpid=$IL_CLIENT_PID
    tun_ping client "$IL_TUN_SRV" 5 || fail "$what: no ping through the tunnel"
    il_log "$what: up; idle for 10 s"
    sleep 10
    refute_log "$s.log" 'Inactivity timeout' "$what: idle tunnel (server)"
    refute_log "$c.log" 'Inactivity timeout' "$what: idle tunnel (client)"
    if [ "$simpl" = openvpn ]; then
        frozen=$spid
        kill -STOP "$frozen"
        assert_log "$c.log" 'Inactivity timeout \(--ping-restart\), restarting' 7 \
            "$what: Sluice client notices the frozen server"
        assert_log "$c.log" 'SIGUSR1\[soft,ping-restart\] received, process restarting' 1 \
            "$what: client restart"
        kill -CONT "$frozen"
        for ((i = 0; i < 150; i++)); do
            [ "$(grep -c 'Initialization Sequence Completed' "$c.log")" -ge 2 ] && break
            sleep 0.1
        done
        [ "$(grep -c 'Initialization Sequence Completed' "$c.log")" -ge 2 ] ||
            fail "$what: the Sluice client did not reconnect after the server was thawed"
    else
        frozen=$cpid
        kill -STOP "$frozen"
        assert_log "$s.log" 'client1/[0-9.]+:[0-9]+ \[client1\] Inactivity timeout \(--ping-restart\), restarting' 11 \
            "$what: Sluice server notices the frozen client"
        kill -USR2 "$spid"
        assert_log "$s.log" 'END$' 3 "$what: server status"
        [ "$(status_clients "$s.log")" -eq 0 ] || fail "$what: the instance was not freed"
        kill -CONT "$frozen"
        for ((i = 0; i < 200; i++)); do
            [ "$(grep -c 'Peer Connection Initiated' "$s.log")" -ge 2 ] && break
            sleep 0.1
        done
        [ "$(grep -c 'Peer Connection Initiated' "$s.log")" -ge 2 ] ||
            fail "$what: the client did not come back to the Sluice server"
    fi
    tun_ping client "$IL_TUN_SRV" 10 || fail "$what: no ping after the reconnection"
    stop_all
    il_log "$what ok"
}

one_case() { if [ "$1" = inactive ]; then inactive_case "$@"; else run_case "$@"; fi; }
il_case_main one_case "$@"

CASES=("sluice-server $SLUICE_BIN openvpn" "sluice-client openvpn $SLUICE_BIN" "inactive")
il_run_cases "$CASE_LIMIT" --case "${CASES[@]}" || exit 1
il_log "all keepalive cases ok"
