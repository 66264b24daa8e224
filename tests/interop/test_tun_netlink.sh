#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The I/O shell against the real kernel: tun devices, rtnetlink configuration, multi-homed UDP.
# Runs tests/interop/tun_probe (built by `make check`) inside a network namespace of its own,
# checks with `ip` what the probe configured, sends ICMP/ICMPv6 echo requests into the tun with
# the probe's own ping mode and expects the probe's replies. Needs root. Nothing outside the
# namespace is touched: the trap removes the namespace and stops only the probe it started.
#
# Environment: SLUICE_BIN (the built daemon); the probe is found next to it, in
# $(dirname "$SLUICE_BIN")/../tests/interop/tun_probe. TUN_PROBE overrides that path.
set -u

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces)"
if [ -n "${TUN_PROBE:-}" ]; then
    PROBE=$TUN_PROBE
else
    [ -n "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set"
    PROBE=$(dirname "$SLUICE_BIN")/../tests/interop/tun_probe
fi
[ -x "$PROBE" ] || fail "no probe at $PROBE (run make check first)"
[ -c /dev/net/tun ] || fail "/dev/net/tun is missing"

NS=sluice-tn-$$
TMP=$(mktemp -d /tmp/sluice-tn.XXXXXX)
PROBE_PID=

cleanup() {
    if [ -n "$PROBE_PID" ] && kill -0 "$PROBE_PID" 2>/dev/null; then
        kill -TERM "$PROBE_PID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$PROBE_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$PROBE_PID" 2>/dev/null
    fi
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || fail "cannot create namespace $NS"
in_ns() { ip netns exec "$NS" "$@"; }

# expect_in TEXT PATTERN WHAT: PATTERN (a fixed string) must occur in TEXT.
expect_in() {
    if printf '%s\n' "$1" | grep -qF -- "$2"; then
        echo "ok: $3"
    else
        echo "--- got:" >&2
        printf '%s\n' "$1" >&2
        fail "$3: '$2' not found"
    fi
}

echo "== devices: names, errors, persist, too long packets"
in_ns "$PROBE" devices || fail "tun_probe devices"
out=$(ip -n "$NS" link show)
if printf '%s\n' "$out" | grep -q slpersist0; then fail "slpersist0 left behind"; fi
echo "ok: no persistent device left"

echo "== multi-homed UDP"
in_ns "$PROBE" udp || fail "tun_probe udp"

echo "== tun configured through netlink"
# ip netns exec execs the probe, so $! is the probe itself.
ip netns exec "$NS" "$PROBE" tun >"$TMP/out" 2>"$TMP/err" &
PROBE_PID=$!
for _ in $(seq 1 50); do
    grep -q '^READY' "$TMP/out" && break
    kill -0 "$PROBE_PID" 2>/dev/null || break
    sleep 0.1
done
cat "$TMP/out"
if ! grep -q '^READY' "$TMP/out"; then
    cat "$TMP/err" >&2
    fail "the probe did not get ready"
fi
read -r _ DEV P2P < <(grep '^DEVICES' "$TMP/out")
[ -n "${DEV:-}" ] && [ -n "${P2P:-}" ] || fail "no device names from the probe"

link=$(ip -n "$NS" link show dev "$DEV")
expect_in "$link" "mtu 1400" "$DEV mtu 1400"
expect_in "$link" "qlen 777" "$DEV txqueuelen 777"
expect_in "$link" ",UP," "$DEV is up"
addr4=$(ip -n "$NS" -4 addr show dev "$DEV")
expect_in "$addr4" "inet 100.64.10.1/24 brd 100.64.10.255" "subnet address with broadcast"
addr6=$(ip -n "$NS" -6 addr show dev "$DEV")
expect_in "$addr6" "inet6 fd00:64::1/64" "IPv6 address"
route4=$(ip -n "$NS" -4 route show)
expect_in "$route4" "100.64.20.0/24 via 100.64.10.2 dev $DEV metric 5" "route via gateway, metric"
expect_in "$route4" "100.64.30.0/24 dev $DEV scope link" "route on the link"
if printf '%s\n' "$route4" | grep -q "100.64.21.0"; then fail "deleted route still there"; fi
route6=$(ip -n "$NS" -6 route show)
expect_in "$route6" "fd00:65::/64 via fd00:64::2 dev $DEV metric 7" "IPv6 route via gateway"
expect_in "$route6" "fd00:66::/64 dev $DEV metric 1024" "IPv6 route on the link"
p2p=$(ip -n "$NS" -4 addr show dev "$P2P")
expect_in "$p2p" "inet 100.64.40.1 peer 100.64.40.2/32" "net30/p2p address with peer"

echo "== echo requests into the tun, replies from the probe"
in_ns "$PROBE" ping 100.64.10.2 3 || fail "ping 100.64.10.2 through $DEV"
in_ns "$PROBE" ping 100.64.20.7 2 || fail "ping 100.64.20.7 (routed via 100.64.10.2)"
in_ns "$PROBE" ping fd00:64::2 3 || fail "ping fd00:64::2 through $DEV"
in_ns "$PROBE" ping fd00:65::9 2 || fail "ping fd00:65::9 (routed via fd00:64::2)"

echo "== SIGTERM stops the responder cleanly"
kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
PROBE_PID=
tail -n 2 "$TMP/out"
if [ $rc -ne 0 ]; then
    cat "$TMP/err" >&2
    fail "the responder exited with $rc"
fi
grep -q '^stopped by signal 15: 5 ICMP and 5 ICMPv6 echo replies' "$TMP/out" ||
    fail "the responder did not count 5 + 5 replies"
echo "ok: responder answered 5 + 5 echo requests and stopped on SIGTERM"

echo "PASS: tun, netlink and UDP shell modules"
