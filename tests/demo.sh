#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# README quick start, the main job. Installs what is missing, builds Sluice, makes a throwaway PKI
# and runs a Sluice server and a Sluice client in two network namespaces of their own (underlay
# 198.18.50.0/24, tunnel 100.64.10.0/24). At this stage Sluice runs the OpenVPN 2.6 control
# channel only: the demo shows the TLS handshake, the pushed options and both ends deriving the
# same data-channel keys. The data path (tun, traffic through the tunnel) is not built yet.
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
conf_server tls-crypt | sed 's/^verb .*/verb 7/' >"$IL_DIR/server.conf"
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
echo "== not yet: the data path (tun device, traffic through the tunnel) is the next milestone"
stop_all
