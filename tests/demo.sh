#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# README quick start, the main job. At this stage of Sluice (foundation only: no control channel or
# data path yet) it installs what is missing, builds, and shows what the daemon already does: it
# reads the sample OpenVPN-style server and client configurations, validates them and prints the
# effective configuration (macros such as `server` and `keepalive` expanded), and refuses a broken
# configuration with the file, the line and what was expected.
set -eu
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_TOP"

sluice_install_deps
build=$SLUICE_TOP/_build/demo
if [ ! -x "$build/src/sluice" ]; then
    echo "== building Sluice"
    autoreconf -fi >/dev/null
    mkdir -p "$build"
    (cd "$build" && "$SLUICE_TOP/configure" -q && make -s -j"$(nproc)") >/dev/null
fi
sluice=$build/src/sluice

echo "== sluice --version"
"$sluice" --version
echo
echo "== sluice --config sample-config/server.conf --show-config"
"$sluice" --config sample-config/server.conf --show-config
echo
echo "== sluice --config sample-config/client.conf --show-config"
"$sluice" --config sample-config/client.conf --show-config
echo
echo "== a broken configuration is refused with its place and what was expected"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'dev tun\nport 99999\n' >"$tmp/broken.conf"
rc=0
"$sluice" --config "$tmp/broken.conf" --show-config || rc=$?
if [ "$rc" -eq 0 ]; then
    echo "unexpected: the broken configuration was accepted" >&2
    exit 1
fi
echo "(refused with exit status $rc, as expected)"
