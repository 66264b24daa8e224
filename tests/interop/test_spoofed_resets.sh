#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Spoofed hard resets: 10,000 P_CONTROL_HARD_RESET_CLIENT_V2 packets, each from a new source
# port, must leave the Sluice server's memory unchanged and get at most one reply each, with the
# replies in total no larger than the requests.
#
# What is sent (from the client namespace, through a raw socket so that every packet carries its
# own source port without a socket behind it, as a spoofing attacker's would):
#   plain          the 14-byte reset 0x38 | random 8-byte session id | 0x00 (no acks) | msg id 0
#   tls-auth       42 random bytes behind the 0x38 opcode (the SHA1 tls-auth reset's length)
#   tls-crypt      54 random bytes likewise (the tls-crypt reset's length)
#   tls-crypt-v2   353 random bytes behind 0x50 (P_CONTROL_HARD_RESET_CLIENT_V3, the only reset
#                  this mode takes): the tls-crypt reset + the harness client's 299-byte WKc
# Random bytes cannot authenticate, so in the three keyed modes the server must not answer at
# all; in plain mode it answers with its stateless cookie reply, at most at the connect rate.
#
# Why "no larger" is asserted on the totals, not per packet: the HARD_RESET_SERVER_V2 reply
# carries an ack block (1 + 4 + 8 bytes) that the client's first reset has not, so it is 12 bytes
# longer (plain 14 -> 26 bytes; include/session.h SESSION_REPLY_EXTRA). openvpn 2.6.14's own
# server does exactly the same; the test measures that too, against the same 10,000 resets. What
# holds and is asserted here:
#   * at most one reply per request (per source port), every reply a 26-byte reply to a port
#     that sent a reset, no reply at all in the keyed modes;
#   * replies <= SESSION_CONNECT_BURST + SESSION_CONNECT_RATE * (elapsed s + 1), so the total
#     reply bytes stay far below the total request bytes (printed as a ratio);
#   * the server got every request (no UDP receive-buffer drops in its namespace) and still has
#     no client instance afterwards;
#   * memory: the server's SIGUSR2 status line (glibc mallinfo2) shows the same heap bytes in
#     use before and after, exactly, and no client instance; VmData from /proc/PID/status is
#     unchanged, RssAnon (heap + stack pages actually resident) grows by at most
#     SP_ANON_SLACK_KB (16 KiB) and VmRSS by at most SP_RSS_SLACK_KB (64 KiB, which adds code
#     pages of the binary and libraries executed for the first time: shared, not per client).
#     Measured on the development host (3 runs): heap in use, VmData, RssFile identical before
#     and after in every mode; RssAnon and VmRSS identical too, except +4 KiB (one page) in a
#     few tls-crypt-v2 runs. Replies in plain mode: 119 of 10,000 (26 bytes each, 3,094 reply
#     bytes for 140,000 request bytes, ratio 0.022); openvpn 2.6.14: 100, 26 bytes each.
#     The heap check was seen to fail on a server built to leak 64 bytes per stateless reply
#     (heap in use +9,520 bytes for the 119 replies), which RSS alone would have missed.
#     The "before" figures are taken after a warm-up (warm_up below), so that one-time costs are
#     not counted as growth: the first cookie and the first log lines, and above all the 64
#     receive buffers of 8 KiB that the daemon allocates at start-up but the kernel pages in
#     only when a recvmmsg() first fills them (without the warm-up RssAnon grew ~180 KiB under
#     the 10,000 resets, VmData and the heap in use not at all).
# Each mode prints its numbers: requests, replies, bytes each way, heap and VmRSS/VmData.
# Runtime ~26 s (4 Sluice modes at ~6 s, the openvpn reference ~3 s).
set -u -o pipefail
source "$(dirname "$0")/lib.sh"

[ -x "${SLUICE_BIN:-}" ] || fail "SLUICE_BIN is not set to the built daemon"

SP_COUNT=${SP_COUNT:-10000}
SP_ANON_SLACK_KB=${SP_ANON_SLACK_KB:-16} # 4 pages: stack depth of a path the warm-up missed
SP_RSS_SLACK_KB=${SP_RSS_SLACK_KB:-64}   # + code pages faulted in for the first time
SP_BURST=100 # include/session.h SESSION_CONNECT_BURST
SP_RATE=10   # SESSION_CONNECT_RATE, per second

netns_setup
pki_make "$IL_DIR/pki"

# The sender (perl-base only): spoof.pl DST_IP DST_PORT COUNT LEN FIRST_PORT WAIT_S. Sends COUNT
# resets of LEN bytes (14 = the plain reset, otherwise random bytes behind the 0x38 opcode) from
# COUNT distinct source ports in a shuffled order, at most 5000 per second, then listens WAIT_S
# more seconds. A raw UDP socket sees every reply to any port; it is drained while sending.
# Prints one line: "requests N req_bytes B replies R reply_bytes RB max_per_port M
# stray S sizes LEN:COUNT,... elapsed_ms T".
cat >"$IL_DIR/spoof.pl" <<'EOF'
use strict;
use warnings;
use Socket;   # IPPROTO_UDP (17) is not among its default exports
use Time::HiRes qw(time sleep);
my ($dst, $dport, $count, $len, $first, $wait, $op) = @ARGV;
$op = defined($op) ? hex($op) : 0x38;
socket(my $tx, PF_INET, SOCK_RAW, 17) or die "raw send socket: $!";
socket(my $rx, PF_INET, SOCK_RAW, 17) or die "raw receive socket: $!";
setsockopt($rx, SOL_SOCKET, SO_RCVBUF, 4 << 20) or die "SO_RCVBUF: $!";
my $to = sockaddr_in(0, inet_aton($dst));
my $dst_packed = inet_aton($dst);
die "at most 60000 ports" if $count > 60000;
my @ports = map { 1024 + ($first + $_) % 64000 } 0 .. $count - 1;
for (my $i = $#ports; $i > 0; $i--) {
    my $j = int(rand($i + 1));
    @ports[$i, $j] = @ports[$j, $i];
}
my %sent;
my ($replies, $reply_bytes, $stray, $max) = (0, 0, 0, 0);
my (%per_port, %sizes);
sub drain {
    my ($timeout) = @_;
    my $rin = "";
    vec($rin, fileno($rx), 1) = 1;
    while (select(my $rout = $rin, undef, undef, $timeout)) {
        $timeout = 0;
        defined(recv($rx, my $pkt, 65536, 0)) or last;
        my $ihl = (unpack("C", $pkt) & 0x0f) * 4;
        next if length($pkt) < $ihl + 8 || substr($pkt, 12, 4) ne $dst_packed;
        my ($sport, $dp, $ulen) = unpack("nnn", substr($pkt, $ihl, 6));
        next if $sport != $dport;
        my $n = $ulen - 8;
        if (!$sent{$dp}) { $stray++; next; }
        $replies++;
        $reply_bytes += $n;
        $sizes{$n}++;
        $per_port{$dp}++;
        $max = $per_port{$dp} if $per_port{$dp} > $max;
    }
}
my $start = time;
my $req_bytes = 0;
for my $k (0 .. $#ports) {
    my $p = $ports[$k];
    my $body = $len == 14 && $op == 0x38
        ? pack("C", $op) . pack("C8", map { int(rand(256)) } 1 .. 8) . pack("CN", 0, 0)
        : pack("C", $op) . pack("C*", map { int(rand(256)) } 2 .. $len);
    my $udp = pack("nnnn", $p, $dport, 8 + length($body), 0) . $body;  # checksum 0: none (IPv4)
    $sent{$p} = 1;
    send($tx, $udp, 0, $to) or die "send: $!";
    $req_bytes += length($body);
    if ($k % 100 == 99) {
        drain(0);
        my $ahead = ($k + 1) / 5000 - (time - $start);
        sleep($ahead) if $ahead > 0;
    }
}
my $end = time + $wait;
drain($end - time) while time < $end;
printf "requests %d req_bytes %d replies %d reply_bytes %d max_per_port %d stray %d sizes %s elapsed_ms %d\n",
    scalar(@ports), $req_bytes, $replies, $reply_bytes, $max, $stray,
    join(",", map { "$_:$sizes{$_}" } sort { $a <=> $b } keys %sizes) || "-",
    int((time - $start) * 1000);
EOF

# udp_errs: "RcvbufErrors InDatagrams" of the server namespace's UDP counters.
# shellcheck disable=SC2016 # awk program
udp_errs() {
    ip netns exec "$IL_NS_S" awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 }
        else print $c["RcvbufErrors"], $c["InDatagrams"] }' /proc/net/snmp
}

# proc_kb PID FIELD: VmRSS / VmData in kB.
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# heap_status LOG PID: send SIGUSR2, wait for the new status line, print "CLIENTS HEAP_IN_USE"
# from it (runs in a command substitution: it counts the lines already there, keeps no state).
heap_status() {
    local n line i
    n=$(grep -c 'SIGUSR2 status: ' "$1")
    kill -USR2 "$2" || fail "SIGUSR2 to $2"
    for ((i = 0; i < 50; i++)); do
        line=$(grep 'SIGUSR2 status: ' "$1" | sed -n "$((n + 1))p")
        [ -n "$line" ] && break
        sleep 0.1
    done
    [ -n "$line" ] || fail "no new SIGUSR2 status line in $(basename "$1") within 5 s"
    sed -E 's/.*clients=([0-9]+), heap in use=([0-9]+) bytes.*/\1 \2/' <<<"$line"
}

# send_resets LEN FIRST_PORT COUNT WAIT [OPCODE_BYTE_HEX]: run the sender in the client
# namespace; prints its line.
send_resets() {
    ip netns exec "$IL_NS_C" perl "$IL_DIR/spoof.pl" "$IL_SRV_IP" "$IL_PORT" "$3" "$1" "$2" "$4" \
        "${5:-38}" || fail "the sender failed"
}

# warm_up PID LEN OPCODE_BYTE: the one-time costs before the "before" figures. 20 resets of the test's kind
# (reply path, first cookie, first drop log line); then, with the server stopped, 200 P_CONTROL_V1
# datagrams (opcode byte 0x20, random rest: dropped, no reply) so that the next recvmmsg() fills
# every one of the 64 preallocated receive buffers (runtime.h RUNTIME_RX_BUF, 512 KiB, malloc'ed
# at start-up but only paged in on first use). Then 2 s: the reply budget is back at its burst.
warm_up() {
    send_resets "$2" 0 20 0.3 "$3" >/dev/null || exit 1
    kill -STOP "$1" || fail "SIGSTOP to the server"
    send_resets 14 20 200 0 20 >/dev/null || exit 1
    kill -CONT "$1" || fail "SIGCONT to the server"
    sleep 2
}

field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$1"; }

# check_replies WHAT LINE KEYED: the reply assertions on a sender line.
check_replies() {
    local what=$1 line=$2 keyed=$3 req rb rep repb max stray ms limit
    req=$(field "$line" requests) rb=$(field "$line" req_bytes) rep=$(field "$line" replies)
    repb=$(field "$line" reply_bytes) max=$(field "$line" max_per_port) stray=$(field "$line" stray)
    ms=$(field "$line" elapsed_ms)
    [ "$req" = "$SP_COUNT" ] || fail "$what: sent $req of $SP_COUNT"
    [ "$stray" = 0 ] || fail "$what: $stray replies to ports that sent nothing"
    [ "$max" -le 1 ] || fail "$what: a source port got $max replies"
    if [ "$keyed" = 1 ]; then
        [ "$rep" = 0 ] || fail "$what: $rep replies to unauthenticated resets"
    else
        limit=$((SP_BURST + SP_RATE * (ms / 1000 + 1)))
        [ "$rep" -ge "$SP_BURST" ] || fail "$what: only $rep replies, the burst is $SP_BURST"
        [ "$rep" -le "$limit" ] || fail "$what: $rep replies, rate limit allows $limit"
        [ "$(field "$line" sizes)" = "26:$rep" ] || fail "$what: reply sizes $(field "$line" sizes)"
    fi
    [ "$repb" -le "$rb" ] || fail "$what: $repb reply bytes > $rb request bytes"
    il_log "$what: $req requests ($rb bytes) in $ms ms -> $rep replies ($repb bytes)," \
        "at most $max per port, sizes $(field "$line" sizes), bytes out/in" \
        "$(awk -v a="$repb" -v b="$rb" 'BEGIN { printf "%.4f", a / b }')," \
        "per reply $(awk -v n="$rep" -v a="$repb" -v b="$req" -v c="$rb" \
            'BEGIN { if (n) printf "%.3f", (a / n) / (c / b); else print "-" }')"
}

# run_mode MODE LEN OPCODE_BYTE: one Sluice server, warm-up, 10,000 resets, measurements.
run_mode() {
    local mode=$1 len=$2 op=$3 what="sluice $1" s=$IL_DIR/sluice-$1 pid keyed=1 line
    local h0 h1 rss0 rss1 data0 data1 anon0 anon1 file0 file1 e0 e1
    [ "$mode" = plain ] && keyed=0
    conf_server "$mode" >"$s.conf"
    # glibc's per-thread cache keeps freed small chunks that mallinfo2 still counts as in use,
    # so whichever code path happened to free one last moved the figure by a chunk (+112 bytes
    # seen once in tls-auth mode, with no leak). Without the cache the figure is exact.
    run_in server "$s.log" env GLIBC_TUNABLES=glibc.malloc.tcache_count=0 "$SLUICE_BIN" \
        --config "$s.conf"
    pid=$IL_LAST_PID
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "$what: server start"
    warm_up "$pid" "$len" "$op"
    h0=$(heap_status "$s.log" "$pid") rss0=$(proc_kb "$pid" VmRSS) data0=$(proc_kb "$pid" VmData)
    anon0=$(proc_kb "$pid" RssAnon) file0=$(proc_kb "$pid" RssFile)
    e0=$(udp_errs)
    line=$(send_resets "$len" 300 "$SP_COUNT" 1 "$op") || exit 1
    e1=$(udp_errs)
    h1=$(heap_status "$s.log" "$pid") rss1=$(proc_kb "$pid" VmRSS) data1=$(proc_kb "$pid" VmData)
    anon1=$(proc_kb "$pid" RssAnon) file1=$(proc_kb "$pid" RssFile)
    il_log "$what: clients/heap before '$h0' after '$h1'; VmRSS ${rss0} -> ${rss1} kB;" \
        "VmData ${data0} -> ${data1} kB; RssAnon $anon0 -> $anon1 kB; RssFile $file0 -> $file1 kB; server UDP RcvbufErrors/InDatagrams $e0 -> $e1"
    [ "${e1% *}" = "${e0% *}" ] || fail "$what: the server's socket dropped requests ($e0 -> $e1)"
    [ $((${e1#* } - ${e0#* })) -ge "$SP_COUNT" ] || fail "$what: the server got only $((${e1#* } - ${e0#* })) datagrams"
    check_replies "$what" "$line" "$keyed"
    [ "${h0% *}" = 0 ] || fail "$what: ${h0% *} client instances before"
    [ "${h1% *}" = 0 ] || fail "$what: ${h1% *} client instances after"
    [ "${h1#* }" = "${h0#* }" ] || fail "$what: heap in use ${h0#* } -> ${h1#* } bytes"
    [ "$data1" = "$data0" ] || fail "$what: VmData $data0 -> $data1 kB"
    [ $((anon1 - anon0)) -le "$SP_ANON_SLACK_KB" ] || fail "$what: RssAnon grew $((anon1 - anon0)) kB"
    [ $((rss1 - rss0)) -le "$SP_RSS_SLACK_KB" ] || fail "$what: VmRSS grew $((rss1 - rss0)) kB"
    [ "$keyed" = 0 ] || assert_log "$s.log" 'unwrap|authentication failed|Can not unwrap' 1 \
        "$what: the server's refusal of the random resets"
    kill -0 "$pid" 2>/dev/null || fail "$what: the server died"
    stop_all
}

# The reference: openvpn 2.6's own server against the same plain resets (reply count and sizes
# only; its memory is printed, not judged).
run_openvpn_plain() {
    local s=$IL_DIR/openvpn-plain pid line rss0 rss1
    conf_server plain >"$s.conf"
    run_vpn server openvpn "$s.conf" "$s.log"
    pid=$IL_LAST_PID
    assert_log "$s.log" 'Initialization Sequence Completed' 5 "openvpn plain: server start"
    rss0=$(proc_kb "$pid" VmRSS)
    line=$(send_resets 14 300 "$SP_COUNT" 1) || exit 1
    rss1=$(proc_kb "$pid" VmRSS)
    il_log "openvpn plain (reference): $line; VmRSS $rss0 -> $rss1 kB"
    [ "$(field "$line" max_per_port)" -le 1 ] || fail "openvpn plain: more than one reply per port"
    case $(field "$line" sizes) in
    26:* | -) ;;
    *) fail "openvpn plain: reply sizes $(field "$line" sizes), expected 26 bytes" ;;
    esac
    stop_all
}

run_mode plain 14 38
run_mode tls-auth 42 38
run_mode tls-crypt 54 38
run_mode tls-crypt-v2 353 50
run_openvpn_plain
il_log "spoofed resets ok"
