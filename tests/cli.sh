#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sluice binary's command line: --version, --help, --show-config on the sample configs, and
# every bad-input case of the configuration refused with its place, what was expected, and exit 1.
# Run by `make check` (SLUICE_BIN and SLUICE_SRCDIR come from Makefile.am).
set -u
bin=${SLUICE_BIN:-./src/sluice}
src=${SLUICE_SRCDIR:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failures=0
checks=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect RC PATTERN DESCRIPTION -- ARGS...: runs sluice ARGS, wants exit status RC and output
# (stdout+stderr) containing the fixed string PATTERN.
expect() {
    local rc=$1 pattern=$2 what=$3 out got
    shift 4
    checks=$((checks + 1))
    out=$("$bin" "$@" 2>&1)
    got=$?
    if [ "$got" -ne "$rc" ]; then
        fail "$what: exit $got, wanted $rc; output:"
        printf '%s\n' "$out" | sed 's/^/    /'
    elif ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
        fail "$what: output lacks '$pattern'; output:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

conf() { printf "$2" >"$1"; }

expect 0 "Sluice " "version" -- --version
expect 0 "OpenSSL" "version names OpenSSL" -- --version
expect 0 "--show-config" "help" -- --help
expect 1 "Usage: sluice" "no arguments prints usage and fails" --

# The sample configurations are valid and their macros expand as OpenVPN 2.6 expands them.
cp "$src"/sample-config/*.conf .
expect 0 "ifconfig 100.64.10.1 255.255.255.0" "server sample: server macro (subnet)" -- \
    --config server.conf --show-config
expect 0 'push "route-gateway 100.64.10.1"' "server sample: pushed route-gateway" -- \
    --config server.conf --show-config
expect 0 'push "topology subnet"' "server sample: pushed topology" -- \
    --config server.conf --show-config
expect 0 "ping-restart 120" "server sample: keepalive 10 60 gives ping-restart 120 locally" -- \
    --config server.conf --show-config
expect 0 "tls-client" "client sample: client macro" -- --config client.conf --show-config
expect 0 "port 1195" "options after --config override the file" -- \
    --config server.conf --port 1195 --show-config
expect 1 "is not supported yet" "a configuration whose behaviour is not built is refused" -- \
    --config server.conf

# Bad input: each refused with the file, the line and what was expected.
conf port.conf 'dev tun\nport 99999\n'
expect 1 "port.conf:2: 'port' expects a number 1-65535, got '99999'" "port out of range" -- \
    --config port.conf --show-config
conf garbage.conf 'verb 4x\n'
expect 1 "garbage.conf:1:" "number with trailing garbage" -- --config garbage.conf --show-config
conf unknown.conf 'dev tun\nkeepalvie 10 60\n'
expect 1 "unknown.conf:2: unknown option 'keepalvie' (did you mean 'keepalive'?)" \
    "unknown option with a suggestion" -- --config unknown.conf --show-config
conf ignored.conf 'config client.conf\nignore-unknown-option keepalvie\nkeepalvie 10 60\n'
expect 0 "ignored.conf:3: ignoring unknown option 'keepalvie'" "ignore-unknown-option: a warning" -- \
    --config ignored.conf --show-config
conf quote.conf 'dev tun\nsetenv A "unterminated\n'
expect 1 "quote.conf:2:" "unterminated quote" -- --config quote.conf --show-config
conf inline.conf 'dev tun\n<ca>\n-----BEGIN CERTIFICATE-----\n'
expect 1 "inline.conf:2:" "unterminated inline block" -- --config inline.conf --show-config
conf tag.conf 'dev tun\n<bogus>\nx\n</bogus>\n'
expect 1 "tag.conf:2:" "inline block for an unknown tag" -- --config tag.conf --show-config
conf loop-a.conf 'config loop-b.conf\n'
conf loop-b.conf 'config loop-a.conf\n'
expect 1 "loop" "include loop" -- --config loop-a.conf --show-config
head -c 5000 /dev/zero | tr '\0' 'x' >long.conf
expect 1 "long.conf:1:" "line over the maximum length" -- --config long.conf --show-config
printf 'dev tun\nverb 3\0\n' >nul.conf
expect 1 "nul.conf:2:" "NUL byte in a file" -- --config nul.conf --show-config
conf many.conf 'dev tun\nverb 3 4\n'
expect 1 "many.conf:2: 'verb'" "too many arguments" -- --config many.conf --show-config
conf few.conf 'dev tun\nport\n'
expect 1 "few.conf:2: 'port'" "too few arguments" -- --config few.conf --show-config
conf tcp.conf 'dev tun\nproto tcp-server\n'
expect 1 "tcp.conf:2:" "TCP transport is refused" -- --config tcp.conf --show-config
expect 1 "cannot read" "missing config file" -- --config does-not-exist.conf --show-config
expect 1 "command line" "bad option on the command line" -- --port 0x --show-config

# --genkey writes the formats openvpn writes; each program accepts the other's keys.
expect 0 "" "genkey secret" -- --genkey secret static.key
checks=$((checks + 1))
[ "$(stat -c %a static.key 2>/dev/null)" = 600 ] || fail "genkey: key file mode is not 0600"
checks=$((checks + 1))
[ "$(grep -c '^[0-9a-f]\{32\}$' static.key)" = 16 ] || fail "genkey: static key is not 16 hex lines"
expect 0 "-----BEGIN OpenVPN Static key V1-----" "genkey to stdout" -- --genkey tls-crypt
expect 0 "" "genkey tls-crypt-v2-server" -- --genkey tls-crypt-v2-server v2server.key
expect 0 "" "genkey tls-crypt-v2-client" -- --genkey tls-crypt-v2-client v2client.key \
    --tls-crypt-v2 v2server.key
expect 1 "needs the server key" "genkey tls-crypt-v2-client without server key" -- \
    --genkey tls-crypt-v2-client nokey.key
if command -v openvpn >/dev/null; then
    checks=$((checks + 2))
    openvpn --genkey tls-crypt-v2-client ovpn-client.key --tls-crypt-v2 v2server.key \
        >/dev/null 2>&1 || fail "openvpn refuses a tls-crypt-v2 server key made by sluice"
    openvpn --genkey tls-crypt-v2-server ovpn-server.key >/dev/null 2>&1 &&
        "$bin" --genkey tls-crypt-v2-client c3.key --tls-crypt-v2 ovpn-server.key >/dev/null ||
        fail "sluice refuses a tls-crypt-v2 server key made by openvpn"
    head -c 600 ovpn-client.key | grep -q 'BEGIN OpenVPN tls-crypt-v2 client key' ||
        fail "openvpn wrote no client key from sluice's server key"
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
