#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Control-channel messages that end or restart a connection, Sluice against the real openvpn
# 2.6 in both roles (tls-crypt, harness configs at verb 4):
#   1. Sluice client with explicit-exit-notify gets SIGTERM: it logs
#          SIGTERM received, sending exit notification to peer
#          SIGTERM[soft,exit-with-notification] received, process exiting
#      and the openvpn server logs, per client (prefix client1/198.18.50.2:PORT),
#          CC-EEN exit message received by peer
#          Delayed exit in 5 seconds
#          SIGTERM[soft,delayed-exit] received, client-instance exiting
#      i.e. the instance is gone ~5 s later instead of after ping-restart (120 s on the server);
#   2. Sluice server with `explicit-exit-notify 1` gets SIGTERM: it logs
#      `SENT CONTROL [client1]: 'RESTART' (status=1)`, and the openvpn client logs
#          Connection reset command was pushed by server ('')
#          SIGUSR1[soft,server-pushed-connection-reset] received, process restarting
#          Restart pause, 1 second(s)
#      and keeps trying to reconnect (the server is gone by then);
#   3. openvpn server with a management unix socket: `client-kill CID HALT` makes the Sluice
#      client log `Halt command was pushed by server ('')` and
#      `SIGTERM[soft,server-pushed-halt] received, process exiting` and exit on its own;
#      `client-kill CID` (RESTART) makes it log `Connection reset command was pushed by server
#      ('')` and `SIGUSR1[soft,server-pushed-connection-reset] received, process restarting`
#      and come up again (Initialization Sequence Completed twice);
#   4. openvpn client with explicit-exit-notify gets SIGTERM: the Sluice server logs the same
#      three per-client lines as openvpn in case 1, and its SIGUSR2 status line then counts
#      clients=0.
# The management commands go through a small Perl IO::Socket::UNIX client (perl-base), or socat
# when installed. The data channel is covered by test_data.sh, so nothing is pinged. ~15 s.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

netns_setup
pki_make "$IL_DIR/pki"

PFX='client1/198\.18\.50\.2:[0-9]+ '
UP='Initialization Sequence Completed'
MGMT=$IL_DIR/mgmt.sock

# wait_gone PID TIMEOUT: the process ended within TIMEOUT s (reaped; status in GONE_RC).
wait_gone() {
    local i
    for ((i = 0; i <= $2 * 10; i++)); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1" 2>/dev/null
            GONE_RC=$?
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# count LOG ERE: how many lines of LOG match.
count() { grep -E -c -- "$2" "$1" 2>/dev/null; }

# mgmt CMD: one command on the openvpn server's management socket; the reply line on stdout.
mgmt() {
    if command -v socat >/dev/null; then
        printf '%s\nquit\n' "$1" | timeout 5 socat - "UNIX-CONNECT:$MGMT" | grep -E '^(SUCCESS|ERROR):'
        return
    fi
    # shellcheck disable=SC2016  # Perl code, expanded by perl
    timeout 5 perl -MIO::Socket::UNIX -e '
        my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
        print $s "$ARGV[1]\n";
        while (my $l = <$s>) {
            if ($l =~ /^(SUCCESS|ERROR):/) { print $l; print $s "quit\n"; exit 0; }
        }
        exit 1;' "$MGMT" "$1"
}

# ovpn_server NAME [LINES...]: an openvpn server with the extra lines, up; log $IL_DIR/NAME-s.log.
ovpn_server() {
    local s=$IL_DIR/$1-s
    shift
    { conf_server tls-crypt; printf '%s\n' "$@"; } >"$s.conf"
    run_vpn server openvpn "$s.conf" "$s.log"
    assert_log "$s.log" "$UP" 5 "$(basename "$s"): openvpn server start"
}

# sluice_server NAME [LINES...]: the same with Sluice.
sluice_server() {
    local s=$IL_DIR/$1-s
    shift
    { conf_server tls-crypt; printf '%s\n' "$@"; } >"$s.conf"
    run_vpn server "$SLUICE_BIN" "$s.conf" "$s.log"
    assert_log "$s.log" "$UP" 5 "$(basename "$s"): Sluice server start"
    SRV_PID=$IL_LAST_PID
}

# client IMPL NAME [LINES...]: a client with the extra lines, up; PID in CLI_PID.
client() {
    local impl=$1 c=$IL_DIR/$2-c
    shift 2
    { conf_client tls-crypt; printf '%s\n' "$@"; } >"$c.conf"
    run_vpn client "$impl" "$c.conf" "$c.log"
    CLI_PID=$IL_LAST_PID
    assert_log "$c.log" "$UP" 10 "$(basename "$c"): client up"
}

# ---- 1. Sluice client, explicit-exit-notify, SIGTERM -> openvpn server frees the instance ----
il_log "1: Sluice client exits with notification"
ovpn_server een
client "$SLUICE_BIN" een 'explicit-exit-notify 1'
assert_log "$IL_DIR/een-s.log" "${PFX}MULTI: primary virtual IP" 5 "1: server took the client"
kill -TERM "$CLI_PID"
assert_log "$IL_DIR/een-c.log" 'SIGTERM received, sending exit notification to peer' 2 \
    "1: client notifies"
assert_log "$IL_DIR/een-s.log" "${PFX}CC-EEN exit message received by peer" 3 "1: server hears it"
assert_log "$IL_DIR/een-s.log" "${PFX}Delayed exit in 5 seconds" 1 "1: server schedules removal"
wait_gone "$CLI_PID" 4 || fail "1: Sluice client still running 4 s after SIGTERM"
[ "$GONE_RC" -eq 0 ] || fail "1: Sluice client exit status $GONE_RC"
assert_log "$IL_DIR/een-c.log" 'SIGTERM\[soft,exit-with-notification\] received, process exiting' \
    0 "1: client exit line"
assert_log "$IL_DIR/een-s.log" "${PFX}SIGTERM\[soft,delayed-exit\] received, client-instance exiting" \
    8 "1: server frees the instance"
refute_log "$IL_DIR/een-s.log" 'Inactivity timeout' "1: instance left to ping-restart"
stop_all

# ---- 2. Sluice server, explicit-exit-notify 1, SIGTERM -> openvpn client restarts ----
il_log "2: Sluice server exits, tells the openvpn client to reconnect"
sluice_server srvexit 'explicit-exit-notify 1'
client openvpn srvexit
assert_log "$IL_DIR/srvexit-s.log" "${PFX}.*Peer Connection Initiated|${PFX}MULTI: primary" 5 \
    "2: server took the client"
kill -TERM "$SRV_PID"
assert_log "$IL_DIR/srvexit-s.log" "SENT CONTROL \[client1\]: 'RESTART' \(status=1\)" 2 \
    "2: server sends RESTART"
assert_log "$IL_DIR/srvexit-c.log" "Connection reset command was pushed by server \(''\)" 3 \
    "2: openvpn client gets RESTART"
assert_log "$IL_DIR/srvexit-c.log" \
    'SIGUSR1\[soft,server-pushed-connection-reset\] received, process restarting' 1 \
    "2: openvpn client restarts"
assert_log "$IL_DIR/srvexit-c.log" 'Restart pause, [0-9]+ second' 2 "2: openvpn client pauses"
wait_gone "$SRV_PID" 4 || fail "2: Sluice server still running 4 s after SIGTERM"
[ "$GONE_RC" -eq 0 ] || fail "2: Sluice server exit status $GONE_RC"
assert_log "$IL_DIR/srvexit-s.log" 'SIGTERM\[hard,\] received, process exiting' 0 \
    "2: server exit line"
# Reconnecting: a second connection attempt (the first one came up) after the pause.
LINK='UDPv4 link remote: \[AF_INET\]198\.18\.50\.1:1194'
for ((i = 0; i < 40; i++)); do
    [ "$(count "$IL_DIR/srvexit-c.log" "$LINK")" -ge 2 ] && break
    sleep 0.1
done
[ "$(count "$IL_DIR/srvexit-c.log" "$LINK")" -ge 2 ] ||
    fail "2: openvpn client did not start a new connection after the RESTART"
stop_all

# ---- 3. openvpn server management: client-kill HALT, then client-kill (RESTART) ----
il_log "3: client-kill HALT / RESTART on the openvpn server"
ovpn_server kill "management $MGMT unix"
client "$SLUICE_BIN" halt
reply=$(mgmt 'client-kill 0 HALT') || fail "3: no management reply to client-kill 0 HALT"
[[ $reply == SUCCESS:* ]] || fail "3: client-kill 0 HALT: '$reply'"
assert_log "$IL_DIR/halt-c.log" "Halt command was pushed by server \(''\)" 3 "3: client gets HALT"
wait_gone "$CLI_PID" 3 || fail "3: Sluice client still running 3 s after HALT"
[ "$GONE_RC" -eq 0 ] || fail "3: Sluice client exit status $GONE_RC after HALT"
assert_log "$IL_DIR/halt-c.log" 'SIGTERM\[soft,server-pushed-halt\] received, process exiting' 0 \
    "3: client HALT exit line"
[ "$(count "$IL_DIR/halt-c.log" "$UP")" -eq 1 ] || fail "3: client came up again after HALT"
# The server numbers client instances from 0; the halted one was 0, the next is 1.
client "$SLUICE_BIN" restart
reply=$(mgmt 'client-kill 1') || fail "3: no management reply to client-kill 1"
[[ $reply == SUCCESS:* ]] || fail "3: client-kill 1: '$reply'"
assert_log "$IL_DIR/restart-c.log" "Connection reset command was pushed by server \(''\)" 3 \
    "3: client gets RESTART"
assert_log "$IL_DIR/restart-c.log" \
    'SIGUSR1\[soft,server-pushed-connection-reset\] received, process restarting' 0 \
    "3: client restart line"
for ((i = 0; i < 100; i++)); do
    [ "$(count "$IL_DIR/restart-c.log" "$UP")" -ge 2 ] && break
    sleep 0.1
done
[ "$(count "$IL_DIR/restart-c.log" "$UP")" -ge 2 ] ||
    fail "3: Sluice client not up again within 10 s of the RESTART"
kill -0 "$CLI_PID" 2>/dev/null || fail "3: Sluice client exited after RESTART"
# (openvpn 2.6.14 prints this line without the client prefix once a client-kill has run.)
[ "$(count "$IL_DIR/kill-s.log" 'MULTI: primary virtual IP for client1/')" -ge 3 ] ||
    fail "3: openvpn server did not take the reconnected client"
stop_all

# ---- 4. openvpn client, explicit-exit-notify, SIGTERM -> Sluice server frees the instance ----
il_log "4: openvpn client exits with notification"
sluice_server cliexit
client openvpn cliexit 'explicit-exit-notify 1'
kill -USR2 "$SRV_PID"
assert_log "$IL_DIR/cliexit-s.log" 'SIGUSR2 status: clients=1,' 2 "4: server counts the client"
kill -TERM "$CLI_PID"
assert_log "$IL_DIR/cliexit-s.log" "${PFX}CC-EEN exit message received by peer" 3 \
    "4: server hears the exit"
assert_log "$IL_DIR/cliexit-s.log" "${PFX}Delayed exit in 5 seconds" 1 "4: server schedules removal"
wait_gone "$CLI_PID" 5 || fail "4: openvpn client still running 5 s after SIGTERM"
[ "$GONE_RC" -eq 0 ] || fail "4: openvpn client exit status $GONE_RC"
assert_log "$IL_DIR/cliexit-c.log" 'SIGTERM\[soft,exit-with-notification\] received, process exiting' \
    0 "4: openvpn client exit line"
assert_log "$IL_DIR/cliexit-s.log" \
    "${PFX}SIGTERM\[soft,delayed-exit\] received, client-instance exiting" 8 \
    "4: server frees the instance"
kill -USR2 "$SRV_PID"
assert_log "$IL_DIR/cliexit-s.log" 'SIGUSR2 status: clients=0,' 2 "4: instance freed"
stop_all

il_log "PASS"
