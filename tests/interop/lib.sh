# SPDX-License-Identifier: GPL-2.0-or-later
# Interop test harness: network namespaces, a throwaway PKI, openvpn-syntax configurations and
# daemon control, for tests that put Sluice and the real openvpn 2.6 on either end of a tunnel.
# Source it from a tests/interop/test_*.sh script (run as root); do not run it.
#
# Network safety: all traffic stays inside two namespaces created here (underlay 198.18.0.0/15,
# tunnel 100.64.0.0/10). The host's own interfaces and routes are never touched: the veth pair is
# created inside the server namespace with its peer end created directly in the client namespace.
# Every wait is bounded; only processes started through run_in are stopped, by PID.
#
# Typical use:
#   source "$(dirname "$0")/lib.sh"
#   netns_setup
#   pki_make "$IL_DIR/pki"
#   conf_server tls-crypt >"$IL_DIR/s.conf"; conf_client tls-crypt >"$IL_DIR/c.conf"
#   run_vpn server openvpn "$IL_DIR/s.conf" "$IL_DIR/s.log"
#   run_vpn client "$SLUICE_BIN" "$IL_DIR/c.conf" "$IL_DIR/c.log"
#   wait_log "$IL_DIR/c.log" 'Initialization Sequence Completed' 10 || fail "client not up"
#   tun_ping client 100.64.10.1 || fail "no ping through the tunnel"
#   stop_all
#
# shellcheck disable=SC2034,SC2016  # variables are for the sourcing tests; the Perl is single-quoted

IL_PORT=${IL_PORT:-1194}
IL_UNDERLAY=${IL_UNDERLAY:-198.18.50}   # /24: server .1, client .2
IL_SRV_IP=$IL_UNDERLAY.1
IL_CLI_IP=$IL_UNDERLAY.2
IL_TUN_NET=100.64.10.0
IL_TUN_MASK=255.255.255.0
IL_TUN_SRV=100.64.10.1
IL_NS_S=sl-srv-$$
IL_NS_C=sl-cli-$$
IL_PKI=
IL_NETNS_MADE=0
IL_PIDS=()     # PIDs started by run_in, in start order
IL_NAMES=()    # matching labels (NS:basename of log)
IL_LOGS=()     # every log file run_in wrote, for the failure report
IL_STARTED=$(date +%s)
IL_MAIN_PID=$BASHPID   # cleanup runs only in the test's own shell, never in a subshell

# A scratch directory for configs and logs; removed at exit unless IL_KEEP=1.
IL_DIR=$(mktemp -d /tmp/sluice-interop.XXXXXX) || exit 1

il_log() { printf '[%3ss] %s\n' "$(($(date +%s) - IL_STARTED))" "$*"; }

# stop_all: SIGTERM every recorded daemon still running, wait up to 5 s each, then SIGKILL.
stop_all() {
    local pid i n
    for pid in "${IL_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    done
    for n in "${!IL_PIDS[@]}"; do
        pid=${IL_PIDS[n]}
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            il_log "${IL_NAMES[n]} (pid $pid) ignored SIGTERM for 5 s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    IL_PIDS=()
    IL_NAMES=()
}

il_cleanup() {
    local rc=$?
    [ "$BASHPID" = "$IL_MAIN_PID" ] || exit "$rc"
    trap - EXIT
    stop_all
    if [ "$IL_NETNS_MADE" = 1 ]; then
        ip netns del "$IL_NS_C" 2>/dev/null
        ip netns del "$IL_NS_S" 2>/dev/null
    fi
    if [ "${IL_KEEP:-0}" = 1 ]; then
        echo "kept: $IL_DIR"
    else
        rm -rf "$IL_DIR"
    fi
    exit "$rc"
}
trap il_cleanup EXIT
trap 'exit 130' INT TERM HUP

# fail MESSAGE: report, show the last 40 lines of every daemon log of this test, exit 1.
fail() {
    local log
    echo "FAIL: $*" >&2
    for log in "${IL_LOGS[@]}"; do
        [ -f "$log" ] || continue
        echo "---- last 40 lines of $log" >&2
        tail -n 40 "$log" >&2
    done
    exit 1
}

# il_ns NAME: "server"/"client" map to this run's namespaces; anything else is taken literally.
il_ns() {
    case $1 in
    server) echo "$IL_NS_S" ;;
    client) echo "$IL_NS_C" ;;
    *) echo "$1" ;;
    esac
}

# netns_setup: two namespaces joined by a veth pair; server $IL_SRV_IP/24, client $IL_CLI_IP/24.
netns_setup() {
    [ "$(id -u)" -eq 0 ] || fail "interop tests need root (network namespaces)"
    command -v openvpn >/dev/null || fail "openvpn is not installed"
    ip netns add "$IL_NS_S" || fail "ip netns add $IL_NS_S"
    IL_NETNS_MADE=1
    ip netns add "$IL_NS_C" || fail "ip netns add $IL_NS_C"
    # Both ends are born inside the namespaces, so the host namespace never sees them.
    ip -n "$IL_NS_S" link add ul0 type veth peer name ul0 netns "$IL_NS_C" ||
        fail "cannot create the veth pair"
    ip -n "$IL_NS_S" addr add "$IL_SRV_IP/24" dev ul0 &&
        ip -n "$IL_NS_C" addr add "$IL_CLI_IP/24" dev ul0 &&
        ip -n "$IL_NS_S" link set lo up && ip -n "$IL_NS_C" link set lo up &&
        ip -n "$IL_NS_S" link set ul0 up && ip -n "$IL_NS_C" link set ul0 up ||
        fail "cannot configure the underlay"
}

# pki_ca DIR NAME CN: a self-signed EC P-256 CA with an `openssl ca` database in DIR/NAME.
pki_ca() {
    local d=$1/$2
    mkdir -p "$d/new" && : >"$d/index.txt" && echo 1000 >"$d/serial" && echo 1000 >"$d/crlnumber"
    cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = il_ca
[ il_ca ]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = il_policy
unique_subject = no
copy_extensions = none
[ il_policy ]
commonName = supplied
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ noeku_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$d/ca.key" -out "$d/ca.crt" -subj "/CN=$3" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# pki_issue DIR CA NAME CN EXT [openssl-ca date options...]: DIR/NAME.key + DIR/NAME.crt.
pki_issue() {
    local dir=$1 ca=$2 name=$3 cn=$4 ext=$5
    shift 5
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$dir/$name.key" -out "$dir/$ca/$name.csr" -subj "/CN=$cn" 2>/dev/null &&
        openssl ca -batch -notext -config "$dir/$ca/ca.cnf" -extensions "$ext" \
            -in "$dir/$ca/$name.csr" -out "$dir/$name.crt" "$@" 2>/dev/null
}

# pki_make DIR: the whole throwaway PKI and the control-channel keys (see README.md for files).
# Sets IL_PKI=DIR for conf_server / conf_client.
pki_make() {
    local dir=$1
    mkdir -p "$dir" || return 1
    pki_ca "$dir" ca "Sluice Test CA" && cp "$dir/ca/ca.crt" "$dir/ca.crt" &&
        pki_ca "$dir" otherca "Other Test CA" && cp "$dir/otherca/ca.crt" "$dir/otherca.crt" &&
        pki_issue "$dir" ca server server server_ext &&
        pki_issue "$dir" ca client1 client1 client_ext &&
        pki_issue "$dir" ca client2 client2 client_ext &&
        pki_issue "$dir" ca expired expired client_ext \
            -startdate 20200101000000Z -enddate 20200201000000Z &&
        pki_issue "$dir" ca noeku noeku noeku_ext &&
        pki_issue "$dir" otherca foreign client1 client_ext &&
        openssl ca -batch -config "$dir/ca/ca.cnf" -revoke "$dir/client2.crt" 2>/dev/null &&
        openssl ca -batch -config "$dir/ca/ca.cnf" -gencrl -out "$dir/crl.pem" 2>/dev/null ||
        fail "pki_make: openssl failed"
    openvpn --genkey secret "$dir/ta.key" >/dev/null &&
        openvpn --genkey secret "$dir/ta-wrong.key" >/dev/null &&
        openvpn --genkey tls-crypt "$dir/tc.key" >/dev/null &&
        openvpn --genkey tls-crypt "$dir/tc-wrong.key" >/dev/null &&
        openvpn --genkey tls-crypt-v2-server "$dir/v2srv.key" >/dev/null &&
        openvpn --genkey tls-crypt-v2-server "$dir/v2srv-other.key" >/dev/null &&
        openvpn --tls-crypt-v2 "$dir/v2srv.key" --genkey tls-crypt-v2-client \
            "$dir/v2cli.key" >/dev/null &&
        openvpn --tls-crypt-v2 "$dir/v2srv-other.key" --genkey tls-crypt-v2-client \
            "$dir/v2cli-wrong.key" >/dev/null ||
        fail "pki_make: openvpn --genkey failed"
    chmod 600 "$dir"/*.key
    IL_PKI=$dir
}

# il_mode_lines ROLE MODE: the control-channel protection lines for ROLE (server|client).
il_mode_lines() {
    case $2 in
    plain) ;;
    tls-auth) [ "$1" = server ] && echo "tls-auth $IL_PKI/ta.key 0" || echo "tls-auth $IL_PKI/ta.key 1" ;;
    tls-crypt) echo "tls-crypt $IL_PKI/tc.key" ;;
    tls-crypt-v2) [ "$1" = server ] && echo "tls-crypt-v2 $IL_PKI/v2srv.key" ||
        echo "tls-crypt-v2 $IL_PKI/v2cli.key" ;;
    *) fail "unknown mode '$2' (plain, tls-auth, tls-crypt, tls-crypt-v2)" ;;
    esac
}

# conf_server MODE: a server configuration on stdout; append extra lines after it as needed
# (a later line wins for scalar options).
conf_server() {
    [ -n "$IL_PKI" ] || fail "conf_server: run pki_make first"
    cat <<EOF
# interop server, mode $1
local $IL_SRV_IP
port $IL_PORT
proto udp
dev tun
topology subnet
server $IL_TUN_NET $IL_TUN_MASK
ca $IL_PKI/ca.crt
cert $IL_PKI/server.crt
key $IL_PKI/server.key
dh none
keepalive 10 60
verb 4
EOF
    il_mode_lines server "$1"
}

# conf_client MODE [CERT]: a client configuration on stdout; CERT is a base name in the PKI
# (client1 by default; client2, expired, noeku, foreign).
conf_client() {
    [ -n "$IL_PKI" ] || fail "conf_client: run pki_make first"
    local cert=${2:-client1}
    cat <<EOF
# interop client, mode $1, certificate $cert
client
remote $IL_SRV_IP $IL_PORT
proto udp
dev tun
nobind
ca $IL_PKI/ca.crt
cert $IL_PKI/$cert.crt
key $IL_PKI/$cert.key
remote-cert-tls server
connect-retry 1 1
verb 4
EOF
    il_mode_lines client "$1"
}

# run_in NS LOGFILE CMD...: start CMD in namespace NS (server, client or a literal name) in the
# background, stdout+stderr to LOGFILE; its PID is recorded for stop_all and left in IL_LAST_PID.
# `ip netns exec` execs CMD, so the PID is the daemon's own.
run_in() {
    local ns log=$2
    ns=$(il_ns "$1")
    shift 2
    ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
    IL_LAST_PID=$!
    IL_PIDS+=("$IL_LAST_PID")
    IL_NAMES+=("$ns:$(basename "$log")")
    IL_LOGS+=("$log")
}

# run_vpn NS IMPL CONF LOGFILE: IMPL is "openvpn" or a path to the sluice binary.
run_vpn() {
    run_in "$1" "$4" "$2" --config "$3"
}

# wait_log FILE PATTERN TIMEOUT: poll (every 0.1 s) until FILE matches the extended regex
# PATTERN; returns 1 after TIMEOUT seconds (fractions allowed).
wait_log() {
    local file=$1 pattern=$2 tries i
    tries=$(awk -v t="$3" 'BEGIN { printf "%d", t * 10 }')
    for ((i = 0; i <= tries; i++)); do
        grep -E -q -- "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# assert_log FILE PATTERN TIMEOUT WHAT / refute_log FILE PATTERN WHAT: fail with the logs shown.
assert_log() {
    wait_log "$1" "$2" "$3" || fail "$4: no line matching '$2' in $(basename "$1") within $3 s"
}
refute_log() {
    ! grep -E -q -- "$2" "$1" 2>/dev/null || fail "$3: unexpected line matching '$2' in $(basename "$1")"
}

# tun_ping NS ADDR [COUNT]: ICMP echo from namespace NS; succeeds on the first reply (up to COUNT
# tries, 1 s each, default 5). Uses ping(8) when installed, else a raw-socket Perl fallback
# (perl-base is always present on Debian, iputils-ping is not).
tun_ping() {
    local ns count=${3:-5}
    ns=$(il_ns "$1")
    if command -v ping >/dev/null; then
        ip netns exec "$ns" ping -n -q -c 1 -w "$count" "$2" >/dev/null 2>&1
        return
    fi
    ip netns exec "$ns" perl -e '
        use strict; use Socket;
        my ($dst, $count) = @ARGV;
        socket(my $s, PF_INET, SOCK_RAW, 1) or die "raw socket: $!";
        my $addr = sockaddr_in(0, inet_aton($dst) // die "bad address");
        my $id = $$ & 0xffff;
        sub cksum { my $sum = 0; $sum += $_ for unpack("n*", $_[0] . (length($_[0]) % 2 ? "\0" : ""));
                    $sum = ($sum >> 16) + ($sum & 0xffff) while $sum >> 16; return ~$sum & 0xffff; }
        for my $seq (1 .. $count) {
            my $body = pack("nnnn", 0x0800, 0, $id, $seq) . "sluice-interop";
            my $pkt = pack("nnnn", 0x0800, cksum($body), $id, $seq) . "sluice-interop";
            send($s, $pkt, 0, $addr) or die "send: $!";
            my $end = time + 2;   # whole seconds: waits 1-2 s
            while ((my $left = $end - time) > 0) {
                my $rin = ""; vec($rin, fileno($s), 1) = 1;
                last unless select(my $rout = $rin, undef, undef, $left);
                recv($s, my $buf, 1500, 0) // last;
                my $ihl = (unpack("C", $buf) & 0x0f) * 4;
                next if length($buf) < $ihl + 8;
                my ($type, $code, $ck, $rid, $rseq) = unpack("CCnnn", substr($buf, $ihl, 8));
                exit 0 if $type == 0 && $rid == $id && $rseq == $seq;
            }
        }
        exit 1;' "$2" "$count"
}

# ovpn_master_keys FILE: from an openvpn log written at verb >= 7, one line per data-channel key
# set in log order: "CIPHER ENCRYPT_HEX DECRYPT_HEX", where ENCRYPT is the client-to-server cipher
# key and DECRYPT the server-to-client one on BOTH sides (openvpn names the key2 slots, not the
# role). Compare these with the keys Sluice derived to prove both ends agree (README.md, fact 1).
ovpn_master_keys() {
    awk '
        /Master Encrypt \(cipher, / { c = $0; sub(/.*\(cipher, /, "", c); sub(/,.*/, "", c)
                                      e = $0; sub(/.*bits\): /, "", e); gsub(/ /, "", e) }
        /Master Decrypt \(cipher, / { d = $0; sub(/.*bits\): /, "", d); gsub(/ /, "", d)
                                      print c, e, d }' "$1"
}

# key_sets LOG N TIMEOUT: wait (bounded) until LOG holds at least N "Master" key sets.
key_sets() {
    local i
    for ((i = 0; i <= $3 * 10; i++)); do
        [ "$(ovpn_master_keys "$1" | wc -l)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# ---- data path helpers (test_data.sh, test_wire_peerid.sh, test_reneg_load.sh) ----

IL_TUN6_NET=fd00:6c75:6963::/64   # ULA for `server-ipv6`; lives only inside the namespaces
IL_TUN6_SRV=fd00:6c75:6963::1     # the server's tunnel IPv6 address in that network

# tun_ping_opts NS ADDR COUNT [PING_OPTION...]: like tun_ping, for IPv4 or IPv6 and with extra
# ping(8) options (e.g. -s 1200 -p 00); needs iputils-ping (no Perl fallback). Succeeds on the
# first reply within COUNT seconds.
tun_ping_opts() {
    local ns addr=$2 count=$3
    ns=$(il_ns "$1")
    shift 3
    command -v ping >/dev/null || fail "tun_ping_opts needs ping (iputils-ping)"
    ip netns exec "$ns" ping -n -q -c 1 -w "$count" "$@" "$addr" >/dev/null 2>&1
}

# stop_pid PID: stop one process started by run_in (SIGTERM, 5 s grace, SIGKILL), reap it and
# drop it from the list stop_all works on. Other PIDs are left alone.
stop_pid() {
    local pid=$1 i n keep_p=() keep_n=()
    for n in "${!IL_PIDS[@]}"; do
        if [ "${IL_PIDS[n]}" = "$pid" ]; then
            kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
            for ((i = 0; i < 50; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        else
            keep_p+=("${IL_PIDS[n]}")
            keep_n+=("${IL_NAMES[n]}")
        fi
    done
    IL_PIDS=("${keep_p[@]}")
    IL_NAMES=("${keep_n[@]}")
}

# wait_pid_exit PID TIMEOUT: wait (bounded, whole seconds) for a run_in process to end by itself.
wait_pid_exit() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# wait_tcp_listen NS PORT TIMEOUT: poll until something listens on TCP PORT in namespace NS.
wait_tcp_listen() {
    local ns i
    ns=$(il_ns "$1")
    for ((i = 0; i <= $3 * 10; i++)); do
        [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$2" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    return 1
}

# udp_port_of NS PID: the local port of the (first) UDP socket process PID holds in namespace NS.
udp_port_of() {
    local ns
    ns=$(il_ns "$1")
    ip netns exec "$ns" ss -Huanp 2>/dev/null |
        awk -v p="pid=$2," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }'
}

# iperf_received_bytes FILE: end.sum_received.bytes of an `iperf3 --json` report (TCP), or
# nothing when the report has none. Plain Perl regexes: perl-base has no JSON module.
iperf_received_bytes() {
    perl -0777 -ne 'print "$1\n" if /"sum_received"\s*:\s*\{[^{}]*?"bytes"\s*:\s*(\d+)/' "$1"
}

# iperf_intervals FILE: "START END BYTES" per reporting interval of an `iperf3 --json` report
# (the interval totals, "sum", in order).
iperf_intervals() {
    perl -0777 -ne '
        my ($iv) = /"intervals"\s*:\s*\[(.*?)\]\s*,\s*"end"/s or exit;
        while ($iv =~ /"sum"\s*:\s*\{([^{}]*)\}/g) {
            my $s = $1;
            my ($a) = $s =~ /"start"\s*:\s*([-0-9.eE+]+)/;
            my ($b) = $s =~ /"end"\s*:\s*([-0-9.eE+]+)/;
            my ($n) = $s =~ /"bytes"\s*:\s*(\d+)/;
            print "$a $b $n\n" if defined $n;
        }' "$1"
}

# pcap_ovpn PCAP PORT: decode an Ethernet/IPv4 pcap (tcpdump -w, snap length >= 46) of OpenVPN
# over UDP with the server on PORT. One line per OpenVPN packet:
#   EPOCH_SECONDS DIR CLIENT_PORT OPCODE KEY_ID PEER_ID LENGTH
# DIR is c2s (to PORT) or s2c (from PORT); OPCODE is the top 5 bits of the first payload byte,
# KEY_ID the low 3; PEER_ID is the next 3 bytes as a number for P_DATA_V2 (opcode 9), else "-";
# LENGTH is the UDP payload length from the UDP header (the whole packet, not the snapped part).
pcap_ovpn() {
    perl -e '
        use strict;
        my ($file, $port) = @ARGV;
        open(my $fh, "<:raw", $file) or die "$file: $!";
        read($fh, my $gh, 24) == 24 or exit 0;
        my $magic = unpack("V", $gh);
        my $e = $magic == 0xa1b2c3d4 || $magic == 0xa1b23c4d ? "V" : "N";
        my $nano = $magic == 0xa1b23c4d || $magic == 0x4d3cb2a1;
        my $link = unpack($e, substr($gh, 20, 4));
        die "link type $link is not Ethernet\n" unless $link == 1;
        while (read($fh, my $rh, 16) == 16) {
            my ($sec, $frac, $cap) = unpack("${e}3", $rh);
            read($fh, my $p, $cap) == $cap or last;
            next if length($p) < 14 + 20 || unpack("n", substr($p, 12, 2)) != 0x0800;
            my $ihl = (unpack("C", substr($p, 14, 1)) & 0x0f) * 4;
            next if unpack("C", substr($p, 23, 1)) != 17 || length($p) < 14 + $ihl + 9;
            my ($sp, $dp, $ulen) = unpack("nnn", substr($p, 14 + $ihl, 6));
            my $pl = substr($p, 14 + $ihl + 8);
            my $b0 = unpack("C", $pl);
            my ($op, $kid) = ($b0 >> 3, $b0 & 7);
            my $pid = "-";
            $pid = unpack("N", "\0" . substr($pl, 1, 3)) if $op == 9 && length($pl) >= 4;
            my ($dir, $cp) = $dp == $port ? ("c2s", $sp) : $sp == $port ? ("s2c", $dp) : next;
            printf("%d.%06d %s %d %d %d %s %d\n", $sec, $nano ? $frac / 1000 : $frac,
                   $dir, $cp, $op, $kid, $pid, $ulen - 8);
        }' "$1" "$2"
}

# data_key_sets LOG: how many data-channel key sets LOG shows, whichever implementation wrote it:
# openvpn prints "Outgoing Data Channel: Cipher '...' initialized" once per key set (verb >= 2),
# Sluice "Data Channel: key_id N installed" for N >= 1. Key set count = renegotiations + 1.
data_key_sets() {
    local ovpn sluice
    ovpn=$(grep -c "Outgoing Data Channel: Cipher '" "$1" 2>/dev/null)
    sluice=$(grep -E -o 'Data Channel: key_id [0-9]+ installed' "$1" 2>/dev/null |
        awk '{ if ($4 + 1 > m) m = $4 + 1 } END { print m + 0 }')
    [ "${ovpn:-0}" -gt "$sluice" ] && echo "${ovpn:-0}" || echo "$sluice"
}

# capture_start NS PCAP FILTER...: tcpdump on ul0 in namespace NS into PCAP (immediate mode and
# packet-buffered, so SIGTERM loses nothing; 96-byte snap length). The PID is recorded like
# run_in's and left in IL_LAST_PID, the log is PCAP.log. Returns once tcpdump says it listens,
# 1 if it does not within 5 s. Stop it with stop_pid.
capture_start() {
    local ns=$1 pcap=$2
    shift 2
    run_in "$ns" "$pcap.log" tcpdump -i ul0 -nn -U --immediate-mode -s 96 -Z root -w "$pcap" "$@"
    wait_log "$pcap.log" 'listening on ul0' 5
}

# udp_rcvbuf_errors NS: the namespace's UDP RcvbufErrors counter (datagrams dropped because a
# socket's receive buffer was full), from /proc/net/snmp as seen inside NS.
udp_rcvbuf_errors() {
    local ns
    ns=$(il_ns "$1")
    ip netns exec "$ns" awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
        $1 == "Udp:" { print $(c["RcvbufErrors"]); exit }' /proc/net/snmp
}

# il_run_cases LIMIT FLAG CASE...: runs `bash "$0" FLAG WORDS-OF-CASE` for every CASE at once
# (each child builds its own namespaces), output in $IL_DIR/caseN.out. The children started
# together, so one deadline LIMIT seconds from now bounds them all; a child still running then
# gets SIGTERM. INT/TERM/HUP on this shell are passed on to the children (their own traps stop
# their daemons and delete their namespaces). Prints each child's output in order and returns 1
# when any child failed.
il_run_cases() {
    local limit=$1 flag=$2 i rc failed=0 deadline
    shift 2
    local cases=("$@")
    deadline=$(($(date +%s) + limit))
    IL_CASE_PIDS=()
    trap '[ ${#IL_CASE_PIDS[@]} -eq 0 ] || kill -TERM "${IL_CASE_PIDS[@]}" 2>/dev/null; exit 130' \
        INT TERM HUP
    for i in "${!cases[@]}"; do
        # shellcheck disable=SC2086 # a case is several words
        bash "$0" "$flag" ${cases[i]} >"$IL_DIR/case$i.out" 2>&1 &
        IL_CASE_PIDS+=("$!")
    done
    for i in "${!cases[@]}"; do
        while kill -0 "${IL_CASE_PIDS[i]}" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
            sleep 0.2
        done
        if kill -0 "${IL_CASE_PIDS[i]}" 2>/dev/null; then
            echo "case '${cases[i]%% *}' still running after $limit s: stopping it" >&2
            kill -TERM "${IL_CASE_PIDS[i]}" 2>/dev/null
        fi
        wait "${IL_CASE_PIDS[i]}"
        rc=$?
        cat "$IL_DIR/case$i.out"
        [ "$rc" -eq 0 ] || { echo "case '${cases[i]%% *}' failed (exit $rc)" >&2; failed=1; }
    done
    trap 'exit 130' INT TERM HUP
    IL_CASE_PIDS=()
    return "$failed"
}

# il_case_main FN "$@": in a child started by il_run_cases (first word --case or --pairing),
# run FN with the rest of the words and exit with its status; otherwise return at once (the
# script goes on as the parent).
il_case_main() {
    local fn=$1
    shift
    case ${1:-} in
    --case | --pairing)
        shift
        "$fn" "$@"
        exit $?
        ;;
    esac
}

# il_up_pair WHAT SIMPL CIMPL BASE: start a server (BASE-server.conf, log BASE-server.log) and
# then a client (BASE-client.*) with the given implementations; fail unless both log
# "Initialization Sequence Completed" (server within 5 s, client within 10 s). The PIDs are left
# in IL_SERVER_PID and IL_CLIENT_PID.
il_up_pair() {
    run_vpn server "$2" "$4-server.conf" "$4-server.log"
    IL_SERVER_PID=$IL_LAST_PID
    assert_log "$4-server.log" 'Initialization Sequence Completed' 5 "$1: server start"
    run_vpn client "$3" "$4-client.conf" "$4-client.log"
    IL_CLIENT_PID=$IL_LAST_PID
    assert_log "$4-client.log" 'Initialization Sequence Completed' 10 "$1: client up"
}
