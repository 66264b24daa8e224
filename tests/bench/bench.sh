#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Data-path benchmark: Sluice <-> Sluice against openvpn <-> openvpn (and openvpn tuned by hand:
# fast-io, 4 MB socket buffers) over AES-256-GCM and CHACHA20-POLY1305, inside two network
# namespaces built by tests/interop/lib.sh. Measures iperf3 TCP throughput (1 and 4 streams), the
# loss-free UDP packet rate for 64- and 1400-byte payloads, the tunnel RTT and the CPU seconds per
# GB of each daemon process, then prints one side-by-side table. Not a test: nothing runs it
# automatically. See tests/bench/README.md.
#
# Usage: bash tests/bench/bench.sh [--quick] [--impl sluice|openvpn|both]   (as root)
# Environment: SLUICE_BIN (default _build/werror/src/sluice), IL_KEEP=1 keeps the logs.
#
# Network safety: as in tests/interop (lib.sh): traffic only inside the two namespaces created
# here (underlay 198.18.50.0/24, tunnel 100.64.10.0/24), every wait bounded, only PIDs started
# here are stopped, namespaces and scratch directory removed at exit.
set -u

BENCH_HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_TOP=$(cd "$BENCH_HERE/../.." && pwd)

usage() {
    echo "usage: bash tests/bench/bench.sh [--quick] [--impl sluice|openvpn|both]" >&2
    exit 2
}

QUICK=0
IMPL=both
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --impl)
        [ $# -ge 2 ] || usage
        IMPL=$2
        shift
        ;;
    --impl=*) IMPL=${1#--impl=} ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
    shift
done
case $IMPL in sluice | openvpn | both) ;; *) usage ;; esac
[ "$(id -u)" -eq 0 ] || {
    echo "bench.sh needs root (network namespaces)" >&2
    exit 2
}
for tool in ip openssl openvpn iperf3 jq ping awk; do
    command -v "$tool" >/dev/null || {
        echo "bench.sh needs $tool" >&2
        exit 2
    }
done
SLUICE_BIN=${SLUICE_BIN:-$BENCH_TOP/_build/werror/src/sluice}

if [ "$QUICK" = 1 ]; then
    TCP_SECS=3 UDP_SECS=1 UDP_PROBES=5
else
    TCP_SECS=10 UDP_SECS=2 UDP_PROBES=6
fi
LOSS_MAX=0.1         # percent: a UDP rate counts as loss-free below this
PING_COUNT=20
CIPHERS=(AES-256-GCM CHACHA20-POLY1305)
CLK_TCK=$(getconf CLK_TCK)
IPERF_PORT=5201

# shellcheck source-path=SCRIPTDIR source=../interop/lib.sh
source "$BENCH_TOP/tests/interop/lib.sh"

declare -A RES     # RES[column|metric|cipher] = value (column: ovpn tuned sluice)
declare -A NOTE    # NOTE[column] = why a column has no numbers
BENCH_SRV_PID=
BENCH_CLI_PID=

# cpu_ticks PID: utime+stime of PID in clock ticks (fields 14 and 15 of /proc/PID/stat; the
# command name may hold spaces, so count from the closing parenthesis).
cpu_ticks() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
        echo 0
        return
    }
    rest=${stat##*) }
    awk '{ print $12 + $13 }' <<<"$rest"
}

# in_client CMD...: run CMD in the client namespace in the foreground, bounded by timeout(1).
in_client() {
    local limit=$1
    shift
    timeout "$limit" ip netns exec "$IL_NS_C" "$@"
}

# tcp_run STREAMS: iperf3 client -> server through the tunnel; prints "BYTES BITS_PER_SECOND
# SRV_TICKS CLI_TICKS" (received payload, and the CPU ticks both daemons spent meanwhile).
tcp_run() {
    local s0 c0 s1 c1 json
    s0=$(cpu_ticks "$BENCH_SRV_PID") c0=$(cpu_ticks "$BENCH_CLI_PID")
    json=$(in_client $((TCP_SECS + 20)) iperf3 -c "$IL_TUN_SRV" -p "$IPERF_PORT" -P "$1" \
        -t "$TCP_SECS" --connect-timeout 3000 -J 2>/dev/null)
    s1=$(cpu_ticks "$BENCH_SRV_PID") c1=$(cpu_ticks "$BENCH_CLI_PID")
    jq -r --arg s $((s1 - s0)) --arg c $((c1 - c0)) \
        '"\(.end.sum_received.bytes // 0) \(.end.sum_received.bits_per_second // 0) \($s) \($c)"' \
        <<<"$json" 2>/dev/null || echo "0 0 0 0"
}

# udp_probe SIZE PPS: UDP payloads of SIZE bytes offered at PPS packets/s (0 = as fast as iperf3
# can); prints "SENT_PPS RECEIVED_PPS LOSS_PERCENT" ("0 0 100" when iperf3 failed).
udp_probe() {
    local json bps=$(($2 * $1 * 8))
    json=$(in_client $((UDP_SECS + 20)) iperf3 -c "$IL_TUN_SRV" -p "$IPERF_PORT" -u -l "$1" \
        -b "$bps" -t "$UDP_SECS" --connect-timeout 3000 -J 2>/dev/null)
    jq -r '.end.sum as $s | if ($s.packets // 0) > 0 and ($s.seconds // 0) > 0
             then "\($s.packets / $s.seconds | floor) \(($s.packets - $s.lost_packets) / $s.seconds
                   | floor) \($s.lost_percent)"
             else "0 0 100" end' <<<"$json" 2>/dev/null || echo "0 0 100"
}

# udp_probe_logged SIZE PPS: udp_probe, with the probe kept in $IL_DIR/udp-probes.log.
udp_probe_logged() {
    local out
    out=$(udp_probe "$1" "$2")
    echo "size $1 offered ${2} pps -> sent/received pps, loss %: $out" >>"$IL_DIR/udp-probes.log"
    echo "$out"
}

# udp_lossfree SIZE: the highest received packet rate (packets/s) with loss below LOSS_MAX, by a
# bounded search. An unlimited probe gives the ceiling (what the sender can offer); an overloaded
# daemon delivers less than it can carry loss-free, so the next probe offers the rate that got
# through, then x1.5 steps up while probes pass, then bisection between the best pass and the
# lowest failure. Prints the rate (0 if no probe was loss-free).
udp_lossfree() {
    local size=$1 sent recv loss lo=0 hi ceiling best=0 rate i
    read -r sent recv loss <<<"$(udp_probe_logged "$size" 0)"
    if loss_ok "$loss" && [ "$recv" -gt 0 ]; then
        echo "$recv"
        return
    fi
    ceiling=$sent hi=0 rate=$recv
    for ((i = 1; i < UDP_PROBES && rate > 0; i++)); do
        read -r sent recv loss <<<"$(udp_probe_logged "$size" "$rate")"
        if loss_ok "$loss" && [ "$recv" -gt 0 ]; then
            lo=$rate
            ((recv > best)) && best=$recv
        else
            hi=$rate
        fi
        if ((hi == 0)); then
            rate=$((lo * 3 / 2))
            ((rate < ceiling)) || rate=$ceiling
        else
            rate=$(((lo + hi) / 2))
        fi
        ((rate > lo && (hi == 0 || rate < hi))) || break
    done
    echo "$best"
}

# loss_ok PERCENT: true when PERCENT is below LOSS_MAX.
loss_ok() {
    awk -v l="$1" -v m="$LOSS_MAX" 'BEGIN { exit !(l < m) }'
}

# rtt_avg: average ping RTT (ms) from the client through the tunnel, empty on failure.
rtt_avg() {
    in_client 15 ping -n -q -c "$PING_COUNT" -i 0.05 -w 10 "$IL_TUN_SRV" 2>/dev/null |
        awk -F/ '/^(rtt|round-trip)/ { print $5 }'
}

# bench_confs COL CIPHER: write $IL_DIR/COL-CIPHER.{s,c}.conf (Sluice reads the same syntax).
bench_confs() {
    local col=$1 cipher=$2 base=$IL_DIR/$1-$2 extra
    # Userspace against userspace: openvpn would otherwise use the kernel's DCO module if loaded.
    extra=$(printf 'data-ciphers %s\ndisable-dco\n' "$cipher")
    [ "$col" = tuned ] && extra+=$(printf '\nfast-io\nsndbuf 4194304\nrcvbuf 4194304\n')
    { conf_server plain && echo "$extra"; } >"$base.s.conf"
    { conf_client plain && echo "$extra"; } >"$base.c.conf"
}

# bench_up COL IMPL CIPHER: start server + client and check that the tunnel carries a ping.
bench_up() {
    local base=$IL_DIR/$1-$3 i
    run_vpn server "$2" "$base.s.conf" "$base.s.log"
    BENCH_SRV_PID=$IL_LAST_PID
    wait_log "$base.s.log" 'Initialization Sequence Completed' 10 || return 1
    run_vpn client "$2" "$base.c.conf" "$base.c.log"
    BENCH_CLI_PID=$IL_LAST_PID
    wait_log "$base.c.log" 'Initialization Sequence Completed' 15 || return 1
    # Until the tun device and its route exist ping fails at once, so retry for a few seconds.
    for ((i = 0; i < 5; i++)); do
        tun_ping client "$IL_TUN_SRV" 1 && return 0
        sleep 0.5
    done
    return 1
}

# bench_pair COL IMPL CIPHER: every metric for one implementation pair and cipher into RES.
bench_pair() {
    local col=$1 impl=$2 cipher=$3 b1 b4 r1 r4 s1 s4 c1 c4 bytes v
    bench_confs "$col" "$cipher"
    il_log "$col $cipher: starting $(basename "$impl") server and client"
    if ! bench_up "$col" "$impl" "$cipher"; then
        il_log "$col $cipher: no traffic through the tunnel"
        stop_all
        return 1
    fi
    run_in server "$IL_DIR/$col-$cipher.iperf.log" iperf3 -s -B "$IL_TUN_SRV" -p "$IPERF_PORT" \
        --forceflush
    wait_log "$IL_DIR/$col-$cipher.iperf.log" 'Server listening' 5 || fail "iperf3 server"
    read -r b1 r1 s1 c1 <<<"$(tcp_run 1)"
    put tcp1 "$(awk -v r="$r1" 'BEGIN { if (r > 0) printf "%.0f", r / 1e6 }')"
    read -r b4 r4 s4 c4 <<<"$(tcp_run 4)"
    put tcp4 "$(awk -v r="$r4" 'BEGIN { if (r > 0) printf "%.0f", r / 1e6 }')"
    bytes=$((b1 + b4))
    for v in srv:$((s1 + s4)) cli:$((c1 + c4)); do
        put "cpu_${v%%:*}" "$(awk -v t="${v#*:}" -v hz="$CLK_TCK" -v b="$bytes" \
            'BEGIN { if (b > 0) printf "%.2f", t / hz / (b / 1e9) }')"
    done
    echo "== $col $cipher" >>"$IL_DIR/udp-probes.log"
    put udp64 "$(udp_lossfree 64 | awk '{ if ($1 > 0) printf "%.1f", $1 / 1e3 }')"
    put udp1400 "$(udp_lossfree 1400 | awk '{ if ($1 > 0) printf "%.1f", $1 / 1e3 }')"
    put rtt "$(rtt_avg)"
    [ "$col" = tuned ] && grep -E -o 'Socket Buffers: .*' "$IL_DIR/$col-$cipher.c.log" |
        head -n 1 | sed "s/^/tuned client, $cipher: /" >>"$IL_DIR/facts"
    stop_all
}

# put METRIC VALUE: store a result of the calling bench_pair (its col and cipher) and log it.
put() {
    # shellcheck disable=SC2154  # col and cipher are bench_pair's locals (dynamic scope)
    RES[$col|$1|$cipher]=$2
    il_log "$col $cipher: $1 = ${2:--}"
}

bench_column() {
    local col=$1 impl=$2 cipher
    for cipher in "${CIPHERS[@]}"; do
        bench_pair "$col" "$impl" "$cipher" || {
            NOTE[$col]="n/a (tunnel did not come up)"
            return
        }
    done
}

# cell COL METRIC CIPHER: the value, or the column's note, or "-" for a failed measurement.
cell() {
    local v=${RES[$1|$2|$3]-}
    if [ -n "${NOTE[$1]-}" ]; then echo "${NOTE[$1]}"; elif [ -n "$v" ]; then echo "$v"; else echo "-"; fi
}

ratio() {
    local s=${RES[sluice|$1|$2]-} o=${RES[ovpn|$1|$2]-}
    if [ -n "${NOTE[sluice]-}" ] || [ -n "${NOTE[ovpn]-}" ] || [ -z "$s" ] || [ -z "$o" ]; then
        echo "n/a"
    else
        awk -v s="$s" -v o="$o" 'BEGIN { if (o > 0) printf "%.2f", s / o; else print "n/a" }'
    fi
}

print_facts() {
    local model
    model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "== machine"
    echo "nproc:   $(nproc)"
    echo "CPU:     ${model:-unknown}"
    echo "kernel:  $(uname -r)"
    echo "openvpn: $(openvpn --version 2>/dev/null | head -n 1)"
    echo "iperf3:  $(iperf3 --version 2>/dev/null | head -n 1)"
    echo "sluice:  $SLUICE_BIN"
    echo "mode:    $([ "$QUICK" = 1 ] && echo quick || echo full): TCP ${TCP_SECS} s per run," \
        "UDP search ${UDP_PROBES} probes x ${UDP_SECS} s, loss-free = loss < ${LOSS_MAX}%," \
        "ping ${PING_COUNT} x 0.05 s"
    [ -s "$IL_DIR/facts" ] && cat "$IL_DIR/facts"
}

print_table() {
    local metrics=(tcp1 tcp4 udp64 udp1400 rtt cpu_srv cpu_cli) m cipher
    declare -A label=(
        [tcp1]="TCP 1 stream (Mbit/s)" [tcp4]="TCP 4 streams (Mbit/s)"
        [udp64]="UDP 64 B loss-free (kpps)" [udp1400]="UDP 1400 B loss-free (kpps)"
        [rtt]="RTT avg (ms)" [cpu_srv]="CPU server (s/GB)" [cpu_cli]="CPU client (s/GB)")
    echo
    echo "== results (higher is better for Mbit/s and kpps, lower for ms and s/GB)"
    printf '%-28s %-18s %-18s %-18s %-18s %s\n' metric cipher openvpn "openvpn tuned" Sluice \
        "Sluice/openvpn"
    for m in "${metrics[@]}"; do
        for cipher in "${CIPHERS[@]}"; do
            printf '%-28s %-18s %-18s %-18s %-18s %s\n' "${label[$m]}" "$cipher" \
                "$(cell ovpn "$m" "$cipher")" "$(cell tuned "$m" "$cipher")" \
                "$(cell sluice "$m" "$cipher")" "$(ratio "$m" "$cipher")"
        done
    done
}

netns_setup
pki_make "$IL_DIR/pki"
: >"$IL_DIR/facts"
if [ "$IMPL" = sluice ]; then
    NOTE[ovpn]="not run" NOTE[tuned]="not run"
else
    bench_column ovpn openvpn
    bench_column tuned openvpn
fi
if [ "$IMPL" = openvpn ]; then
    NOTE[sluice]="not run"
elif [ ! -x "$SLUICE_BIN" ]; then
    il_log "no Sluice binary at $SLUICE_BIN"
    NOTE[sluice]="n/a (not built)"
else
    bench_column sluice "$SLUICE_BIN"
fi
print_facts
print_table
