#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Manual exploration (not a test; tests/all.sh runs only test_*.sh): one openvpn server and one
# client in fresh namespaces with the harness configs plus extra lines, run for a while, then the
# configs and logs are copied to OUTDIR. README.md cites its runs. As root:
#   tests/interop/explore.sh [-m MODE] [-c CERT] [-s LINE]... [-C LINE]... [-e SED] [-t SECONDS] OUTDIR
#   -m plain|tls-auth|tls-crypt|tls-crypt-v2 (default plain)   -c client certificate (client1)
#   -s / -C  extra server / client config line; "@PKI" is replaced by the PKI directory
#   -e       sed expression applied to the client config    -t  seconds to run (default 5)
#   -S IMPL / -I IMPL  server / client program (default openvpn; e.g. "$SLUICE_BIN")
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

mode=plain cert=client1 sedexp='' secs=5 simpl=openvpn cimpl=openvpn
sextra=() cextra=()
while getopts 'm:c:s:C:e:t:S:I:' opt; do
    case $opt in
    m) mode=$OPTARG ;;
    c) cert=$OPTARG ;;
    s) sextra+=("$OPTARG") ;;
    C) cextra+=("$OPTARG") ;;
    e) sedexp=$OPTARG ;;
    t) secs=$OPTARG ;;
    S) simpl=$OPTARG ;;
    I) cimpl=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '7,11p' "$0" >&2; exit 2; }
out=$1

netns_setup
pki_make "$IL_DIR/pki"
{ conf_server "$mode"; printf '%s\n' "${sextra[@]}"; } | sed "s#@PKI#$IL_PKI#g" >"$IL_DIR/server.conf"
{ conf_client "$mode" "$cert" | sed -e "$sedexp"; printf '%s\n' "${cextra[@]}"; } |
    sed "s#@PKI#$IL_PKI#g" >"$IL_DIR/client.conf"
run_vpn server "$simpl" "$IL_DIR/server.conf" "$IL_DIR/server.log"
wait_log "$IL_DIR/server.log" 'Initialization Sequence Completed' 5 || il_log "server not up"
run_vpn client "$cimpl" "$IL_DIR/client.conf" "$IL_DIR/client.log"
if wait_log "$IL_DIR/client.log" 'Initialization Sequence Completed' "$secs"; then
    il_log "client up"
    sleep "$secs"
else
    il_log "client not up within $secs s"
fi
stop_all
mkdir -p "$out" && cp -r "$IL_DIR/." "$out/" && il_log "configs, logs and PKI in $out"
