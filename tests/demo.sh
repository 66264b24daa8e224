#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# README quick start, the main job. Installs what is missing, builds Sluice, makes a throwaway PKI
# and runs a Sluice server and a Sluice client in two network namespaces of their own (underlay
# 198.18.50.0/24, tunnel 100.64.10.0/24 and fd00:6c75:6963::/64): the TLS handshake, the pushed
# options, both ends deriving the same data-channel keys, then traffic through the tunnel (ping
# over IPv4 and IPv6, a 5-second iperf3 TCP run) and the server's status (SIGUSR2).
# Needs root (network namespaces). Everything it starts is stopped, and the namespaces removed.
set -eu
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_TOP"

sluice_install_deps
build=$SLUICE_TOP/_build/demo
if [ ! -x "$build/src/sluice" ] || [ -n "$(find src include -newer "$build/src/sluice" -print -quit)" ]; then
    echo "== building Sluice"
    [ -f configure ] || autoreconf -fi >/dev/null
    mkdir -p "$build"
    (cd "$build" && "$SLUICE_TOP/configure" -q && make -s -j"$(nproc)") >/dev/null
fi
export SLUICE_BIN=$build/src/sluice
"$SLUICE_BIN" --version | head -n 1

set +e
source tests/interop/lib.sh
echo "== network namespaces $IL_NS_S and $IL_NS_C, throwaway PKI, tls-crypt key"
netns_setup
pki_make "$IL_DIR/pki" >/dev/null
{ conf_server tls-crypt | sed 's/^verb .*/verb 7/'; echo 'server-ipv6 fd00:6c75:6963::/64'; } >"$IL_DIR/server.conf"
conf_client tls-crypt | sed 's/^verb .*/verb 7/' >"$IL_DIR/client.conf"

echo "== sluice --config server.conf --show-config (the effective server configuration)"
(cd "$IL_DIR" && "$SLUICE_BIN" --config server.conf --show-config | grep -v '^#')

echo "== starting the Sluice server and client"
run_vpn server "$SLUICE_BIN" "$IL_DIR/server.conf" "$IL_DIR/server.log"
run_vpn client "$SLUICE_BIN" "$IL_DIR/client.conf" "$IL_DIR/client.log"
wait_log "$IL_DIR/client.log" 'Initialization Sequence Completed' 20 ||
    fail "the client did not complete its initialization"

show() { grep -E "$2" "$1" | sed -E 's/^[0-9-]+ [0-9:]+ (us=[0-9]+ )?/    /'; }
echo "== server log (selected lines)"
show "$IL_DIR/server.log" 'Control Channel|Peer Connection Initiated|MULTI: primary|SENT CONTROL|Data Channel: cipher'
echo "== client log (selected lines)"
show "$IL_DIR/client.log" 'Control Channel|Peer Connection Initiated|OPTIONS IMPORT|Data Channel: cipher|Initialization Sequence'
echo "== data-channel keys derived by each side (printed at verb 7 only)"
skeys=$(ovpn_master_keys "$IL_DIR/server.log")
ckeys=$(ovpn_master_keys "$IL_DIR/client.log")
echo "    server: ${skeys:0:60}..."
echo "    client: ${ckeys:0:60}..."
[ -n "$skeys" ] && [ "$skeys" = "$ckeys" ] || fail "the two sides derived different keys"
echo "    identical: the control channel works end to end"

echo "== traffic through the tunnel"
ip netns exec "$IL_NS_C" ping -n -c 3 -i 0.2 100.64.10.1 | sed 's/^/    /' | tail -n 2 ||
    fail "no IPv4 ping through the tunnel"
ip netns exec "$IL_NS_C" ping -6 -n -c 3 -i 0.2 fd00:6c75:6963::1 | sed 's/^/    /' | tail -n 2 ||
    fail "no IPv6 ping through the tunnel"
run_in server "$IL_DIR/iperf3-server.log" iperf3 -s -1 -B 100.64.10.1
sleep 0.5
echo "    iperf3, 5 s of TCP from the client namespace to the server's tunnel address:"
ip netns exec "$IL_NS_C" timeout 20 iperf3 -c 100.64.10.1 -t 5 -f m | grep -E 'sender|receiver' |
    sed 's/^/    /' || fail "iperf3 through the tunnel failed"
echo "== server status (SIGUSR2, printed to its log as openvpn does)"
kill -USR2 "${IL_PIDS[0]}"
wait_log "$IL_DIR/server.log" '^.*END$' 5 || fail "no status output from the server"
sed -n '/OpenVPN CLIENT LIST/,/END$/p' "$IL_DIR/server.log" | sed -E 's/^[0-9-]+ [0-9:]+ (us=[0-9]+ )?/    /'
stop_all
