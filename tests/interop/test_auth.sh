#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# auth-user-pass on the Sluice client against an openvpn 2.6 server that checks the credentials
# with `auth-user-pass-verify SCRIPT via-file` (script-security 2; the script accepts alice /
# s3cret only):
#   * good credentials from a file (LF or CRLF line ends) and from an inline <auth-user-pass>
#     block: the client comes up, the server logs the accepted username;
#   * a wrong password: the server sends AUTH_FAILED, and the Sluice client logs what an openvpn
#     2.6 client logs with the same server and configuration (checked here too, openvpn client
#     first) and exits on its own (auth-retry none, the default), with status 0 as openvpn.
#     openvpn 2.6.14 at verb 4, right after "[server] Peer Connection Initiated":
#         AUTH: Received control message: AUTH_FAILED
#         TCP/UDP: Closing socket
#         SIGTERM[soft,auth-failure] received, process exiting
#     (Sluice prints the first and last line); the server logs "TLS Auth Error: Auth
#     Username/Password verification failed for peer" and "SENT CONTROL [client1]: 'AUTH_FAILED'";
#   * `auth-user-pass` with no file (openvpn would prompt), an empty username, no password line
#     and a missing file: refused at start with a message, before any packet is sent.
# No data channel is needed, so nothing is pinged. ~3 s.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

netns_setup
pki_make "$IL_DIR/pki"

# via-file: $1 names a file holding the username and the password, one per line.
cat >"$IL_DIR/verify.sh" <<'EOF'
#!/bin/sh
{ IFS= read -r user && IFS= read -r pass; } <"$1" || exit 1
[ "$user" = alice ] && [ "$pass" = s3cret ]
EOF
chmod 700 "$IL_DIR/verify.sh"
printf 'alice\ns3cret\n' >"$IL_DIR/good.txt"
printf 'alice\r\ns3cret\r\n' >"$IL_DIR/crlf.txt"
printf 'alice\nwrong\n' >"$IL_DIR/bad.txt"
printf '\ns3cret\n' >"$IL_DIR/nouser.txt"
printf 'alice\n' >"$IL_DIR/nopass.txt"
chmod 600 "$IL_DIR"/*.txt

AUTH_FAILED_LINE='AUTH: Received control message: AUTH_FAILED'
AUTH_EXIT_LINE='SIGTERM\[soft,auth-failure\] received, process exiting'

# start_server NAME: the checking openvpn server, up; its log is $IL_DIR/NAME-server.log.
start_server() {
    local s=$IL_DIR/$1-server
    {
        conf_server tls-crypt
        echo 'script-security 2'
        echo "auth-user-pass-verify $IL_DIR/verify.sh via-file"
        echo "tmp-dir $IL_DIR"
    } >"$s.conf"
    run_vpn server openvpn "$s.conf" "$s.log"
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "$1: server start"
}

# wait_exit PID TIMEOUT: the process ended on its own within TIMEOUT s; its status in EXIT_RC.
wait_exit() {
    local i
    for ((i = 0; i <= $2 * 10; i++)); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"
            EXIT_RC=$?
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# good NAME LINES...: a Sluice client with the given credential lines comes up.
good() {
    local what=$1 c=$IL_DIR/$1-client
    shift
    start_server "$what"
    { conf_client tls-crypt; printf '%s\n' "$@"; } >"$c.conf"
    run_vpn client "$SLUICE_BIN" "$c.conf" "$c.log"
    assert_log "$c.log" 'Initialization Sequence Completed' 10 "$what: client"
    assert_log "$IL_DIR/$what-server.log" \
        "TLS: Username/Password authentication succeeded for username 'alice'" 1 \
        "$what: server accepted alice"
    refute_log "$c.log" 'AUTH_FAILED' "$what"
    refute_log "$c.log" 's3cret' "$what: password in the log"
    stop_all
    il_log "$what ok"
}

# bad NAME IMPL: a client with a wrong password gets AUTH_FAILED and exits by itself.
bad() {
    local what=$1 c=$IL_DIR/$1-client
    start_server "$what"
    { conf_client tls-crypt; echo "auth-user-pass $IL_DIR/bad.txt"; } >"$c.conf"
    run_vpn client "$2" "$c.conf" "$c.log"
    local pid=$IL_LAST_PID
    assert_log "$IL_DIR/$what-server.log" \
        'TLS Auth Error: Auth Username/Password verification failed for peer' 10 \
        "$what: server refused the password"
    assert_log "$c.log" "$AUTH_FAILED_LINE" 10 "$what: client AUTH_FAILED"
    assert_log "$c.log" "$AUTH_EXIT_LINE" 2 "$what: client exit line"
    wait_exit "$pid" 5 || fail "$what: client still running 5 s after AUTH_FAILED"
    [ "$EXIT_RC" = 0 ] || fail "$what: client exit status $EXIT_RC, openvpn exits with 0"
    refute_log "$c.log" 'Initialization Sequence Completed' "$what"
    refute_log "$c.log" 'Restart pause' "$what: no reconnect with auth-retry none"
    stop_all
    il_log "$what ok (exit status $EXIT_RC)"
}

good sluice-file "auth-user-pass $IL_DIR/good.txt"
good sluice-inline '<auth-user-pass>' alice s3cret '</auth-user-pass>'
good sluice-crlf "auth-user-pass $IL_DIR/crlf.txt"
bad openvpn-bad openvpn
bad sluice-bad "$SLUICE_BIN"

# refused NAME LINE MESSAGE: Sluice with LINE exits at start (non-zero) and logs MESSAGE.
refused() {
    local c=$IL_DIR/$1-client
    { conf_client tls-crypt; echo "$2"; } >"$c.conf"
    run_vpn client "$SLUICE_BIN" "$c.conf" "$c.log"
    wait_exit "$IL_LAST_PID" 5 || fail "$1: Sluice still running"
    [ "$EXIT_RC" != 0 ] || fail "$1: exit status 0"
    assert_log "$c.log" "$3" 0 "$1: message"
    refute_log "$c.log" 'link remote' "$1: a connection was attempted"
    stop_all
    il_log "$1 refused ok"
}

# No file: openvpn would ask on the terminal; Sluice refuses at start instead.
refused prompt 'auth-user-pass' "'auth-user-pass' without a file is not supported yet"
refused nouser "auth-user-pass $IL_DIR/nouser.txt" \
    "auth-user-pass '$IL_DIR/nouser.txt': the username \(first line\) is empty"
refused nopass "auth-user-pass $IL_DIR/nopass.txt" \
    "auth-user-pass '$IL_DIR/nopass.txt': no password on the second line"
refused nofile "auth-user-pass $IL_DIR/missing.txt" \
    "auth-user-pass: cannot read '$IL_DIR/missing.txt'"
il_log "auth-user-pass ok"
