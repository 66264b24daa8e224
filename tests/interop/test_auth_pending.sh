#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# AUTH_PENDING and INFO_PRE from a real openvpn 2.6 server to a Sluice client. The server defers
# the credential check (auth-user-pass-verify script exiting 2, openvpn 2.6's deferred script
# auth): the script writes auth_pending_file ("TIMEOUT\nopenurl\nOPEN_URL:..."), so the server
# sends "AUTH_PENDING,timeout N" (the Sluice client announces IV_PROTO bit 4 and IV_SSO=openurl)
# and "INFO_PRE,OPEN_URL:...". Cases, run one after the other:
#  1. approved after 2 s (the script writes 1 to auth_control_file): the client logs openvpn's
#     "AUTH_PENDING received, extending handshake timeout from 60s to 30s", shows the INFO_PRE
#     text, keeps asking for the push and comes up; ping through the tunnel;
#  2. never approved, timeout 3: the client gives up after about 3 s (not hand-window's 60 s)
#     with a push failure and restarts.
# An openvpn client is run first in case 1 as the reference for the log line.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

netns_setup
pki_make "$IL_DIR/pki"
printf 'alice\ns3cret\n' >"$IL_DIR/creds.txt"
chmod 600 "$IL_DIR/creds.txt"

# verify script: TIMEOUT and APPROVE_AFTER (seconds, or "never") are baked in per case.
make_script() {
    cat >"$IL_DIR/verify-$1.sh" <<EOF
#!/bin/sh
printf '$2\nopenurl\nOPEN_URL:https://auth.example.invalid/login\n' >"\$auth_pending_file"
[ "$3" = never ] || ( sleep $3; echo 1 >"\$auth_control_file" ) >/dev/null 2>&1 &
exit 2
EOF
    chmod 700 "$IL_DIR/verify-$1.sh"
}

start_server() {
    {
        conf_server tls-crypt
        echo 'script-security 2'
        echo "auth-user-pass-verify $IL_DIR/verify-$1.sh via-file"
        echo "tmp-dir $IL_DIR"
    } >"$IL_DIR/$1-server.conf"
    run_vpn server openvpn "$IL_DIR/$1-server.conf" "$IL_DIR/$1-server.log"
    assert_log "$IL_DIR/$1-server.log" 'Initialization Sequence Completed' 5 "$1: server start"
}

client_conf() {
    conf_client tls-crypt
    echo "auth-user-pass $IL_DIR/creds.txt"
    echo 'setenv IV_SSO openurl'
}

PENDING_LINE='AUTH_PENDING received, extending handshake timeout from 60s to 30s'

# 1. approved after 2 s.
make_script approve 30 2
start_server approve
client_conf >"$IL_DIR/c.conf"
run_vpn client openvpn "$IL_DIR/c.conf" "$IL_DIR/ref-client.log"
assert_log "$IL_DIR/ref-client.log" 'Initialization Sequence Completed' 20 "reference openvpn client"
assert_log "$IL_DIR/ref-client.log" "$PENDING_LINE" 1 "reference client's AUTH_PENDING line"
stop_all
start_server approve
run_vpn client "$SLUICE_BIN" "$IL_DIR/c.conf" "$IL_DIR/approve-client.log"
assert_log "$IL_DIR/approve-client.log" "$PENDING_LINE" 10 "Sluice client AUTH_PENDING"
assert_log "$IL_DIR/approve-client.log" 'INFO_PRE,OPEN_URL:https://auth.example.invalid/login' 5 \
    "Sluice client shows INFO_PRE"
assert_log "$IL_DIR/approve-client.log" 'Initialization Sequence Completed' 20 \
    "Sluice client up after the deferred approval"
tun_ping client "$IL_TUN_SRV" 5 || fail "no ping through the tunnel after AUTH_PENDING"
stop_all
il_log "approved after AUTH_PENDING ok"

# 2. never approved, timeout 3.
make_script never 3 never
start_server never
run_vpn client "$SLUICE_BIN" "$IL_DIR/c.conf" "$IL_DIR/never-client.log"
assert_log "$IL_DIR/never-client.log" \
    'AUTH_PENDING received, extending handshake timeout from 60s to 3s' 10 "AUTH_PENDING timeout 3"
t0=$(date +%s)
assert_log "$IL_DIR/never-client.log" 'SIGUSR1\[soft,push-failure\] received, process restarting' 8 \
    "Sluice client gives up after the AUTH_PENDING timeout"
t1=$(date +%s)
[ $((t1 - t0)) -le 6 ] || fail "gave up after $((t1 - t0)) s, want about 3"
refute_log "$IL_DIR/never-client.log" 'Initialization Sequence Completed' "unapproved client"
stop_all
il_log "AUTH_PENDING timeout ok"
