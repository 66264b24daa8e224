/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privileged half of tests/interop/test_tun_netlink.sh: exercises tun.h, netlink.h, udp.h
 * and loop.h against the real kernel. It refuses to run outside a network namespace of its own
 * (the script starts it with `ip netns exec`), because it adds addresses and routes.
 *
 *   tun_probe tun          open tun devices, configure them through netlink.h, check the kernel's
 *                          error messages, print "READY <dev> <p2p-dev>", then answer ICMP and
 *                          ICMPv6 echo requests routed into the tun until SIGTERM (exit 0) or
 *                          RESPONDER_LIMIT_MS (exit 1)
 *   tun_probe ping ADDR N  send N echo requests to ADDR from a raw socket; exit 0 when all N
 *                          replies came back within PING_LIMIT_MS (a ping(8) of our own)
 *   tun_probe devices      tun naming rules, errors, TUNSETPERSIST, dropping too long packets
 *   tun_probe udp          a multi-homed UDP server answers from the address it was asked at
 *
 * Each check prints "ok: ..." to stdout or "FAIL: ..." to stderr; any failure exits 1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "loop.h"
#include "netlink.h"
#include "pktbuf.h"
#include "tun.h"
#include "udp.h"

#define RESPONDER_LIMIT_MS 30000
#define PING_LIMIT_MS      3000
#define PROBE_BUF          2048
#define PROBE_HEADROOM     64
#define PROBE_BATCH        8
#define PING_PAYLOAD       56

static int failures;

static bool check(bool cond, const char *what)
{
    if (cond) {
        printf("ok: %s\n", what);
    } else {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
    fflush(stdout);
    return cond;
}

static bool check_str(const char *got, const char *want, const char *what)
{
    if (strcmp(got, want) == 0)
        return check(true, what);
    fprintf(stderr, "FAIL: %s:\n  got  '%s'\n  want '%s'\n", what, got, want);
    failures++;
    return false;
}

/* True when the two /proc/PID/ns/net links name the same namespace (false if unreadable). */
static bool same_netns(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The test adds addresses and routes: only in a namespace other than its parent's (the script,
 * which runs it with `ip netns exec`) and other than PID 1's where that is readable.
 */
static bool in_private_netns(void)
{
    char parent[64];
    snprintf(parent, sizeof(parent), "/proc/%d/ns/net", (int)getppid());
    struct stat st;
    if (stat(parent, &st) != 0)
        return false;
    return !same_netns("/proc/self/ns/net", parent) &&
           !same_netns("/proc/self/ns/net", "/proc/1/ns/net");
}

static uint32_t ip4(const char *s)
{
    uint32_t a = 0;
    if (inet_pton(AF_INET, s, &a) != 1)
        abort();
    return a;
}

static const uint8_t *ip6(const char *s)
{
    static uint8_t slots[8][16];
    static unsigned next;
    uint8_t *a = slots[next++ % 8];
    if (inet_pton(AF_INET6, s, a) != 1)
        abort();
    return a;
}

/* A netlink call that must succeed. */
static bool nl_ok(struct netlink *nl, int rc, const char *what)
{
    if (rc == 0)
        return check(true, what);
    fprintf(stderr, "FAIL: %s: %s\n", what, netlink_error(nl));
    failures++;
    return false;
}

/*
 * A netlink call that must fail with want_rc and this message, optionally followed by the
 * kernel's explanation in parentheses (newer kernels give one for most errors).
 */
static void nl_fails(struct netlink *nl, int rc, int want_rc, const char *want_msg)
{
    char what[400];
    snprintf(what, sizeof(what), "error: %s", want_msg);
    const char *got = netlink_error(nl);
    size_t n = strlen(want_msg);
    bool same = strncmp(got, want_msg, n) == 0 &&
                (got[n] == '\0' || (strncmp(got + n, " (", 2) == 0 && got[strlen(got) - 1] == ')'));
    if (rc == want_rc && same)
        return (void)check(true, got);
    fprintf(stderr, "FAIL: %s:\n  returned %d, want %d\n  got '%s'\n", what, rc, want_rc, got);
    failures++;
}

/*
 * A new IPv6 address is "tentative" until the kernel's duplicate address detection work has run
 * (skipped on tun and lo, but still done asynchronously): binding to it, or sending from it,
 * fails until then. Waits (bounded) until it can be bound.
 */
static bool wait_usable6(const char *addr)
{
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
    memcpy(&sin6.sin6_addr, ip6(addr), 16);
    uint64_t end = clock_now_ms() + 3000;
    do {
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
        if (fd >= 0)
            close(fd);
        if (rc == 0)
            return true;
        usleep(20000);
    } while (clock_now_ms() < end);
    return false;
}

/* ---- ICMP echo replies, built with the bounded reader and writer ---- */

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* IPv4 echo request (no IP options) in r -> echo reply in w. */
static bool reply4(struct buf_reader *r, struct buf_writer *w)
{
    uint8_t vihl = buf_read_u8(r);
    buf_skip(r, 1);
    uint16_t total = buf_read_u16(r);
    uint16_t id = buf_read_u16(r);
    buf_skip(r, 3);
    uint8_t proto = buf_read_u8(r);
    buf_skip(r, 2);
    uint8_t src[4], dst[4];
    buf_read_bytes(r, src, 4);
    buf_read_bytes(r, dst, 4);
    if (!buf_reader_ok(r) || vihl != 0x45 || proto != 1 || total < 28 ||
        total - 20u > buf_remaining(r))
        return false;
    struct buf_reader icmp = buf_read_sub(r, total - 20u);
    uint8_t type = buf_read_u8(&icmp), code = buf_read_u8(&icmp);
    buf_skip(&icmp, 2);
    if (!buf_reader_ok(&icmp) || type != 8 || code != 0)
        return false;
    buf_write_u8(w, 0x45);
    buf_write_u8(w, 0);
    buf_write_u16(w, total);
    buf_write_u16(w, id);
    buf_write_u16(w, 0);
    buf_write_u8(w, 64);
    buf_write_u8(w, 1);
    uint8_t *ipsum = buf_write_reserve(w, 2);
    buf_write_bytes(w, dst, 4);
    buf_write_bytes(w, src, 4);
    buf_write_u8(w, 0);
    buf_write_u8(w, 0);
    uint8_t *icsum = buf_write_reserve(w, 2);
    buf_write_bytes(w, buf_rest(&icmp), buf_remaining(&icmp));
    if (!buf_writer_ok(w))
        return false;
    put16(ipsum, 0);
    put16(icsum, 0);
    put16(ipsum, fold(sum16(0, w->data, 20)));
    put16(icsum, fold(sum16(0, w->data + 20, total - 20u)));
    return true;
}

/* IPv6 echo request (no extension headers) in r -> echo reply in w. */
static bool reply6(struct buf_reader *r, struct buf_writer *w)
{
    uint32_t first = buf_read_u32(r);
    uint16_t plen = buf_read_u16(r);
    uint8_t next = buf_read_u8(r);
    buf_skip(r, 1);
    uint8_t src[16], dst[16];
    buf_read_bytes(r, src, 16);
    buf_read_bytes(r, dst, 16);
    if (!buf_reader_ok(r) || (first >> 28) != 6 || next != 58 || plen < 8 ||
        plen > buf_remaining(r))
        return false;
    struct buf_reader icmp = buf_read_sub(r, plen);
    uint8_t type = buf_read_u8(&icmp), code = buf_read_u8(&icmp);
    buf_skip(&icmp, 2);
    if (!buf_reader_ok(&icmp) || type != 128 || code != 0)
        return false;
    buf_write_u32(w, 0x60000000u);
    buf_write_u16(w, plen);
    buf_write_u8(w, 58);
    buf_write_u8(w, 64);
    buf_write_bytes(w, dst, 16);
    buf_write_bytes(w, src, 16);
    buf_write_u8(w, 129);
    buf_write_u8(w, 0);
    uint8_t *csum = buf_write_reserve(w, 2);
    buf_write_bytes(w, buf_rest(&icmp), buf_remaining(&icmp));
    if (!buf_writer_ok(w))
        return false;
    put16(csum, 0);
    /* Pseudo-header: source, destination, upper-layer length, next header. */
    uint32_t acc = sum16(0, w->data + 8, 32);
    acc += plen;
    acc += 58;
    put16(csum, fold(sum16(acc, w->data + 40, plen)));
    return true;
}

/* 4 or 6 when req was an echo request and rep now holds the reply; 0 to ignore req. */
static int make_reply(const struct pktbuf *req, struct pktbuf *rep)
{
    struct buf_reader r = pktbuf_reader(req);
    uint8_t first = 0;
    if (!buf_peek_u8(&r, &first))
        return 0;
    pktbuf_reset(rep, PROBE_HEADROOM);
    struct buf_writer w = pktbuf_tail_writer(rep);
    bool ok = (first >> 4) == 4 ? reply4(&r, &w) : (first >> 4) == 6 ? reply6(&r, &w) : false;
    if (!ok || !pktbuf_commit(rep, &w))
        return 0;
    return first >> 4;
}

/* ---- the responder (mode tun) ---- */

struct responder {
    struct tun *tun;
    uint8_t mem[2 * PROBE_BATCH][PROBE_BUF];
    struct pktbuf bufs[2 * PROBE_BATCH];
    struct pktbuf *rx[PROBE_BATCH];
    struct pktbuf *tx[PROBE_BATCH];
    unsigned replies4, replies6, ignored;
    int status;
};

static void responder_init(struct responder *r, struct tun *t)
{
    memset(r, 0, sizeof(*r));
    r->tun = t;
    r->status = 1;
    for (size_t i = 0; i < 2 * PROBE_BATCH; i++)
        pktbuf_init(&r->bufs[i], r->mem[i], PROBE_BUF, PROBE_HEADROOM);
    for (size_t i = 0; i < PROBE_BATCH; i++) {
        r->rx[i] = &r->bufs[i];
        r->tx[i] = &r->bufs[PROBE_BATCH + i];
    }
}

static void on_tun(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct responder *r = ctx;
    (void)fd;
    (void)events;
    for (size_t i = 0; i < PROBE_BATCH; i++)
        pktbuf_reset(r->rx[i], PROBE_HEADROOM);
    int n = tun_read_batch(r->tun, r->rx, PROBE_BATCH);
    if (n < 0) {
        fprintf(stderr, "FAIL: tun read: %s\n", strerror(-n));
        loop_stop(l);
        return;
    }
    size_t out = 0;
    for (int i = 0; i < n; i++) {
        int v = make_reply(r->rx[i], r->tx[out]);
        r->replies4 += v == 4;
        r->replies6 += v == 6;
        r->ignored += v == 0;
        out += v != 0;
    }
    if (tun_write_batch(r->tun, r->tx, out) != out)
        fprintf(stderr, "FAIL: tun write stopped early\n");
}

static void on_signal(struct loop *l, int signo, void *ctx)
{
    struct responder *r = ctx;
    printf("stopped by signal %d: %u ICMP and %u ICMPv6 echo replies, %u other packets\n", signo,
           r->replies4, r->replies6, r->ignored);
    if (signo == SIGTERM || signo == SIGINT)
        r->status = 0;
    loop_stop(l);
}

static void on_deadline(struct loop *l, struct timerq_entry *e, void *owner, void *ctx)
{
    (void)e;
    (void)owner;
    (void)ctx;
    fprintf(stderr, "FAIL: not stopped within %d ms\n", RESPONDER_LIMIT_MS);
    loop_stop(l);
}

static void respond(struct tun *t)
{
    static struct responder r;
    responder_init(&r, t);
    struct loop *l = loop_new(4);
    if (!check(l != NULL, "loop created"))
        return;
    struct timerq_entry deadline;
    timerq_entry_init(&deadline, NULL, 0);
    loop_on_signal(l, on_signal, &r);
    bool ok = loop_on_timer(l, 0, on_deadline, NULL) == 0 &&
              timerq_schedule(loop_timerq(l), &deadline, loop_now(l) + RESPONDER_LIMIT_MS) == 0 &&
              loop_add_fd(l, tun_fd(t), LOOP_IN, 0, on_tun, &r) == 0;
    if (check(ok, "responder registered")) {
        printf("READY\n");
        fflush(stdout);
        if (loop_run(l) != 0)
            r.status = 1;
    }
    const struct tun_stats *s = tun_stats(t);
    printf("tun stats: rx %llu packets, tx %llu packets, %llu dropped\n",
           (unsigned long long)s->rx_packets, (unsigned long long)s->tx_packets,
           (unsigned long long)s->tx_dropped);
    if (r.status != 0)
        failures++;
    loop_free(l);
}

/* ---- mode tun ---- */

static void configure_subnet(struct netlink *nl, const char *dev)
{
    nl_ok(nl, netlink_link_set_mtu(nl, dev, 1400), "set mtu 1400");
    nl_ok(nl, netlink_link_set_txqueuelen(nl, dev, 777), "set txqueuelen 777");
    nl_ok(nl, netlink_link_set_up(nl, dev, true), "link up");
    int prefix = netlink_mask_to_prefix(ip4("255.255.255.0"));
    check(prefix == 24, "255.255.255.0 is /24");
    nl_ok(nl, netlink_addr4(nl, NETLINK_ADD, dev, ip4("100.64.10.1"), (unsigned)prefix, 0),
          "add 100.64.10.1/24");
    nl_ok(nl, netlink_addr6(nl, NETLINK_ADD, dev, ip6("fd00:64::1"), 64), "add fd00:64::1/64");
    nl_ok(nl, netlink_route4(nl, NETLINK_ADD, dev, ip4("100.64.20.0"), 24, ip4("100.64.10.2"), 5),
          "route 100.64.20.0/24 via 100.64.10.2 metric 5");
    nl_ok(nl, netlink_route4(nl, NETLINK_ADD, dev, ip4("100.64.30.0"), 24, 0, NETLINK_METRIC_NONE),
          "route 100.64.30.0/24 on the link");
    nl_ok(nl, netlink_route6(nl, NETLINK_ADD, dev, ip6("fd00:65::"), 64, ip6("fd00:64::2"), 7),
          "route fd00:65::/64 via fd00:64::2 metric 7");
    nl_ok(nl, netlink_route6(nl, NETLINK_ADD, dev, ip6("fd00:66::"), 64, NULL, NETLINK_METRIC_NONE),
          "route fd00:66::/64 on the link");
}

static void configure_p2p(struct netlink *nl, const char *dev)
{
    nl_ok(nl, netlink_link_set_up(nl, dev, true), "p2p link up");
    nl_ok(nl, netlink_addr4(nl, NETLINK_ADD, dev, ip4("100.64.40.1"), 32, ip4("100.64.40.2")),
          "add 100.64.40.1 peer 100.64.40.2");
}

/* Adds, removes, and checks what the kernel says about mistakes. */
static void check_errors(struct netlink *nl, const char *dev)
{
    char want[300];
    snprintf(want, sizeof(want),
             "netlink: cannot add route 100.64.20.0/24 via 100.64.10.2 dev %s metric 5: "
             "File exists",
             dev);
    nl_fails(nl,
             netlink_route4(nl, NETLINK_ADD, dev, ip4("100.64.20.0"), 24, ip4("100.64.10.2"), 5),
             -EEXIST, want);
    snprintf(want, sizeof(want), "netlink: cannot add address 100.64.10.1/24 dev %s: File exists",
             dev);
    nl_fails(nl, netlink_addr4(nl, NETLINK_ADD, dev, ip4("100.64.10.1"), 24, 0), -EEXIST, want);
    nl_ok(nl, netlink_addr4(nl, NETLINK_ADD, dev, ip4("100.64.11.1"), 24, 0), "add 100.64.11.1/24");
    nl_ok(nl, netlink_addr4(nl, NETLINK_DEL, dev, ip4("100.64.11.1"), 24, 0), "del 100.64.11.1/24");
    snprintf(want, sizeof(want),
             "netlink: cannot delete address 100.64.11.1/24 dev %s: Cannot assign requested "
             "address",
             dev);
    nl_fails(nl, netlink_addr4(nl, NETLINK_DEL, dev, ip4("100.64.11.1"), 24, 0), -EADDRNOTAVAIL,
             want);
    nl_ok(nl, netlink_route4(nl, NETLINK_ADD, dev, ip4("100.64.21.0"), 24, 0, 9), "add route");
    nl_ok(nl, netlink_route4(nl, NETLINK_DEL, dev, ip4("100.64.21.0"), 24, 0, 9), "del route");
    snprintf(want, sizeof(want),
             "netlink: cannot delete route 100.64.21.0/24 dev %s metric 9: No such process", dev);
    nl_fails(nl, netlink_route4(nl, NETLINK_DEL, dev, ip4("100.64.21.0"), 24, 0, 9), -ESRCH, want);
    nl_ok(nl, netlink_addr6(nl, NETLINK_ADD, dev, ip6("fd00:67::1"), 64), "add fd00:67::1/64");
    nl_ok(nl, netlink_addr6(nl, NETLINK_DEL, dev, ip6("fd00:67::1"), 64), "del fd00:67::1/64");
    /* A gateway that is not on any link: the kernel explains why in an extended ack. */
    int rc = netlink_route4(nl, NETLINK_ADD, dev, ip4("100.64.50.0"), 24, ip4("198.18.99.1"),
                            NETLINK_METRIC_NONE);
    snprintf(want, sizeof(want),
             "netlink: cannot add route 100.64.50.0/24 via 198.18.99.1 dev %s: Network is "
             "unreachable",
             dev);
    check(rc == -ENETUNREACH && strncmp(netlink_error(nl), want, strlen(want)) == 0,
          "unreachable gateway refused");
    printf("  (the kernel said: %s)\n", netlink_error(nl));
    nl_fails(nl, netlink_link_set_mtu(nl, "sluice-nodev0", 1400), -ENODEV,
             "netlink: cannot set mtu 1400 on sluice-nodev0: No such device");
}

static int mode_tun(void)
{
    char err[256];
    struct tun_params p = { .dev = "tun" };
    struct tun *t = tun_open(&p, err, sizeof(err));
    struct tun_params p2 = { .dev = "sltun7", .dev_type = "tun" };
    struct tun *t2 = tun_open(&p2, err, sizeof(err));
    struct netlink *nl = netlink_open(err, sizeof(err));
    if (!check(t && t2 && nl, "open tun, sltun7 and netlink")) {
        fprintf(stderr, "  %s\n", err);
        return 1;
    }
    check(strncmp(tun_name(t), "tun", 3) == 0 && tun_ifindex(t) == if_nametoindex(tun_name(t)),
          "kernel picked a tunN name");
    check_str(tun_name(t2), "sltun7", "exact name kept");
    configure_subnet(nl, tun_name(t));
    configure_p2p(nl, tun_name(t2));
    check_errors(nl, tun_name(t));
    check(wait_usable6("fd00:64::1"), "fd00:64::1 usable");
    printf("DEVICES %s %s\n", tun_name(t), tun_name(t2));
    fflush(stdout);
    if (failures == 0)
        respond(t);
    netlink_close(nl);
    tun_close(t2);
    tun_close(t);
    return failures ? 1 : 0;
}

/* ---- mode ping ---- */

struct pinger {
    int fd;
    int family;
    uint16_t id;
    unsigned count, received, bad;
};

static size_t build_echo(const struct pinger *pg, uint16_t seq, uint8_t *out, size_t cap)
{
    struct buf_writer w;
    buf_writer_init(&w, out, cap);
    buf_write_u8(&w, pg->family == AF_INET ? 8 : 128);
    buf_write_u8(&w, 0);
    uint8_t *csum = buf_write_reserve(&w, 2);
    buf_write_u16(&w, pg->id);
    buf_write_u16(&w, seq);
    for (unsigned i = 0; i < PING_PAYLOAD; i++)
        buf_write_u8(&w, (uint8_t)(seq + i));
    if (!buf_writer_ok(&w))
        return 0;
    put16(csum, 0);
    /* The kernel fills in the ICMPv6 checksum of a raw socket itself. */
    if (pg->family == AF_INET)
        put16(csum, fold(sum16(0, out, buf_writer_len(&w))));
    return buf_writer_len(&w);
}

/* A received packet (IPv4: with its IP header) that must be one of our replies. */
static bool is_our_reply(const struct pinger *pg, const uint8_t *pkt, size_t len)
{
    struct buf_reader r;
    buf_reader_init(&r, pkt, len);
    if (pg->family == AF_INET) {
        uint8_t vihl = 0;
        if (!buf_peek_u8(&r, &vihl))
            return false;
        buf_skip(&r, (size_t)(vihl & 0x0F) * 4);
    }
    uint8_t type = buf_read_u8(&r);
    buf_skip(&r, 3);
    uint16_t id = buf_read_u16(&r);
    uint16_t seq = buf_read_u16(&r);
    bool payload_ok = buf_remaining(&r) == PING_PAYLOAD;
    for (unsigned i = 0; payload_ok && i < PING_PAYLOAD; i++)
        payload_ok = buf_read_u8(&r) == (uint8_t)(seq + i);
    uint8_t want = pg->family == AF_INET ? 0 : 129;
    return buf_reader_ok(&r) && type == want && id == pg->id && payload_ok;
}

static void on_ping_reply(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct pinger *pg = ctx;
    (void)events;
    uint8_t pkt[PROBE_BUF];
    ssize_t n;
    while ((n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT)) > 0) {
        if (is_our_reply(pg, pkt, (size_t)n))
            pg->received++;
        else
            pg->bad++;
    }
    if (pg->received >= pg->count)
        loop_stop(l);
}

static void on_ping_timeout(struct loop *l, struct timerq_entry *e, void *owner, void *ctx)
{
    (void)e;
    (void)owner;
    (void)ctx;
    loop_stop(l);
}

static bool send_echoes(struct pinger *pg, const struct sockaddr_storage *to, socklen_t tolen)
{
    for (unsigned seq = 1; seq <= pg->count; seq++) {
        uint8_t pkt[128];
        size_t len = build_echo(pg, (uint16_t)seq, pkt, sizeof(pkt));
        if (len == 0 || sendto(pg->fd, pkt, len, 0, (const struct sockaddr *)to, tolen) < 0) {
            fprintf(stderr, "FAIL: sendto: %s\n", strerror(errno));
            return false;
        }
    }
    return true;
}

static int parse_target(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        *len = sizeof(*sin);
        return AF_INET;
    }
    if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        *len = sizeof(*sin6);
        return AF_INET6;
    }
    return -1;
}

static int mode_ping(const char *addr, const char *count)
{
    struct sockaddr_storage to;
    socklen_t tolen = 0;
    struct pinger pg = { .id = (uint16_t)getpid(), .count = (unsigned)atoi(count) };
    pg.family = parse_target(addr, &to, &tolen);
    if (pg.family < 0 || pg.count == 0 || pg.count > 100) {
        fprintf(stderr, "usage: tun_probe ping IPv4-or-IPv6 COUNT(1..100)\n");
        return 2;
    }
    pg.fd = socket(pg.family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   pg.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
    struct loop *l = loop_new(2);
    struct timerq_entry timeout;
    timerq_entry_init(&timeout, NULL, 1);
    bool ok = pg.fd >= 0 && l && loop_add_fd(l, pg.fd, LOOP_IN, 0, on_ping_reply, &pg) == 0 &&
              loop_on_timer(l, 1, on_ping_timeout, NULL) == 0 &&
              timerq_schedule(loop_timerq(l), &timeout, loop_now(l) + PING_LIMIT_MS) == 0 &&
              send_echoes(&pg, &to, tolen);
    if (ok)
        ok = loop_run(l) == 0;
    char what[160];
    snprintf(what, sizeof(what), "ping %s: %u of %u echo replies (%u other packets)", addr,
             pg.received, pg.count, pg.bad);
    check(ok && pg.received == pg.count, what);
    loop_free(l);
    if (pg.fd >= 0)
        close(pg.fd);
    return failures ? 1 : 0;
}

/* ---- mode devices ---- */

static void expect_open_error(const struct tun_params *p, const char *want)
{
    char err[256], what[300];
    struct tun *t = tun_open(p, err, sizeof(err));
    snprintf(what, sizeof(what), "refused: %s", want);
    if (t) {
        check(false, what);
        tun_close(t);
        return;
    }
    check_str(err, want, what);
}

static void check_names(void)
{
    struct tun_params p = { .dev = "vpn0" };
    expect_open_error(&p, "dev 'vpn0': use dev-type tun (only tun devices are supported)");
    p.dev_type = "tap";
    expect_open_error(&p, "dev-type 'tap' is not supported: only tun devices are");
    p.dev = "tun0123456789abcdef";
    p.dev_type = NULL;
    expect_open_error(&p, "tun device name 'tun0123456789abcdef' is longer than 15 characters");
    p.dev = NULL;
    expect_open_error(&p, "no tun device name given (dev)");
    p.dev = "tun";
    p.dev_node = "/nonexistent/tun";
    expect_open_error(&p, "cannot open /nonexistent/tun: No such file or directory");

    char err[256];
    struct tun_params a = { .dev = "tun" }, b = { .dev = "tun5" };
    struct tun *ta = tun_open(&a, err, sizeof(err));
    struct tun *tb = tun_open(&b, err, sizeof(err));
    struct tun *tc = tun_open(&a, err, sizeof(err));
    check(ta && tb && tc, "three devices opened");
    if (ta && tb && tc) {
        check(strcmp(tun_name(ta), tun_name(tc)) != 0, "`dev tun` twice: two devices");
        check_str(tun_name(tb), "tun5", "dev tun5");
        expect_open_error(&b, "cannot open tun device 'tun5': Device or resource busy");
    }
    tun_close(ta);
    tun_close(tb);
    tun_close(tc);
}

static void check_persist(void)
{
    char err[256];
    struct tun_params p = { .dev = "slpersist0", .dev_type = "tun" };
    struct tun *t = tun_open(&p, err, sizeof(err));
    if (!check(t != NULL, "open slpersist0"))
        return;
    check(tun_set_persist(t, true) == 0, "TUNSETPERSIST on");
    tun_close(t);
    check(if_nametoindex("slpersist0") != 0, "persistent device outlives its fd");
    t = tun_open(&p, err, sizeof(err));
    if (!check(t != NULL, "attach to the persistent device again"))
        return;
    check(tun_set_persist(t, false) == 0, "TUNSETPERSIST off");
    tun_close(t);
    check(if_nametoindex("slpersist0") == 0, "device gone after persist off and close");
}

/* Reads (bounded in time) until the wanted counter moves; other packets (MLD, RS) are ignored. */
static int read_until(struct tun *t, struct pktbuf **bufs, size_t n, bool want_trunc)
{
    uint64_t end = clock_now_ms() + 2000;
    while (clock_now_ms() < end) {
        struct pollfd pfd = { .fd = tun_fd(t), .events = POLLIN };
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        for (size_t i = 0; i < n; i++)
            pktbuf_reset(bufs[i], PROBE_HEADROOM);
        uint64_t trunc = tun_stats(t)->rx_truncated;
        int got = tun_read_batch(t, bufs, n);
        if (want_trunc && tun_stats(t)->rx_truncated > trunc)
            return got;
        for (int i = 0; !want_trunc && i < got; i++) {
            struct buf_reader r = pktbuf_reader(bufs[i]);
            uint8_t first = 0;
            if (buf_peek_u8(&r, &first) && first == 0x45)
                return i;
        }
    }
    return -1;
}

static bool send_udp(uint16_t len)
{
    char err[256];
    struct udp_params up = { .proto = UDP_PROTO_UDP4,
                             .rcvbuf = UDP_BUF_OS_DEFAULT,
                             .sndbuf = UDP_BUF_OS_DEFAULT };
    struct udp *u = udp_open(&up, err, sizeof(err));
    if (!u)
        return false;
    static uint8_t mem[PROBE_BUF];
    struct pktbuf p;
    pktbuf_init(&p, mem, sizeof(mem), 0);
    struct pktbuf *pp = &p;
    bool ok = pktbuf_put(&p, len) != NULL;
    struct udp_meta m = { .peer = { .family = AF_INET, .port = 9 } };
    uint32_t dst = ip4("100.64.60.2");
    memcpy(m.peer.ip, &dst, 4);
    ok = ok && udp_send_batch(u, &pp, &m, 1) == 1 && udp_stats(u)->tx_packets == 1;
    udp_close(u);
    return ok;
}

/* A packet longer than the buffer is dropped, and the buffers all stay with the caller. */
static void check_truncation(struct netlink *nl)
{
    char err[256];
    struct tun_params p = { .dev = "sltrunc0", .dev_type = "tun" };
    struct tun *t = tun_open(&p, err, sizeof(err));
    if (!check(t != NULL, "open sltrunc0"))
        return;
    nl_ok(nl, netlink_link_set_up(nl, "sltrunc0", true), "sltrunc0 up");
    nl_ok(nl, netlink_addr4(nl, NETLINK_ADD, "sltrunc0", ip4("100.64.60.1"), 24, 0),
          "add 100.64.60.1/24");
    static uint8_t mem[4][PROBE_HEADROOM + 300];
    struct pktbuf bufs[4];
    struct pktbuf *ptrs[4];
    for (size_t i = 0; i < 4; i++) {
        pktbuf_init(&bufs[i], mem[i], sizeof(mem[i]), PROBE_HEADROOM);
        ptrs[i] = &bufs[i];
    }
    check(send_udp(1000), "sent a 1028-byte packet into the tun");
    read_until(t, ptrs, 4, true);
    check(tun_stats(t)->rx_truncated == 1, "too long packet dropped and counted");
    check(send_udp(10), "sent a 38-byte packet into the tun");
    int at = read_until(t, ptrs, 4, false);
    check(at >= 0 && pktbuf_len(ptrs[at]) == 38, "short packet read whole");
    bool all = true;
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (size_t j = 0; j < 4; j++)
            found |= ptrs[j] == &bufs[i];
        all &= found;
    }
    check(all, "every buffer still in the array");
    tun_close(t);
}

static int mode_devices(void)
{
    char err[256];
    struct netlink *nl = netlink_open(err, sizeof(err));
    if (!check(nl != NULL, "netlink open")) {
        fprintf(stderr, "  %s\n", err);
        return 1;
    }
    check_names();
    check_persist();
    check_truncation(nl);
    netlink_close(nl);
    return failures ? 1 : 0;
}

/* ---- mode udp ---- */

static struct peertab_addr addr_of(const char *text)
{
    struct peertab_addr a = { .family = AF_INET };
    if (inet_pton(AF_INET, text, a.ip) != 1) {
        a.family = AF_INET6;
        memcpy(a.ip, ip6(text), 16);
    }
    return a;
}

static bool wait_in(const struct udp *u)
{
    struct pollfd pfd = { .fd = udp_fd(u), .events = POLLIN };
    return poll(&pfd, 1, 2000) == 1;
}

/*
 * A client bound to `from` asks the dual-stack server at `to`; the server answers with the
 * metadata it received, and the answer must come from `to`.
 */
static void ask(struct udp *srv, const char *from, const char *to)
{
    char err[256], what[200];
    struct peertab_addr dst = addr_of(to);
    struct udp_params cp = { .proto = dst.family == AF_INET ? UDP_PROTO_UDP4 : UDP_PROTO_UDP6,
                             .local = from };
    struct udp *cli = udp_open(&cp, err, sizeof(err));
    if (!cli)
        fprintf(stderr, "  client: %s\n", err);
    static uint8_t mem[2][PROBE_BUF];
    struct pktbuf b[2];
    struct pktbuf *pb[2] = { &b[0], &b[1] };
    struct udp_meta m[2];
    memset(m, 0, sizeof(m));
    pktbuf_init(&b[0], mem[0], PROBE_BUF, PROBE_HEADROOM);
    pktbuf_init(&b[1], mem[1], PROBE_BUF, PROBE_HEADROOM);
    dst.port = udp_bound(srv)->port;
    m[0].peer = dst;
    bool ok = cli && pktbuf_put(&b[0], 4) && udp_send_batch(cli, pb, m, 1) == 1 && wait_in(srv);
    ok = ok && udp_recv_batch(srv, &pb[1], &m[1], 1) == 1;
    struct peertab_addr local = { .family = m[1].local.family };
    memcpy(local.ip, m[1].local.ip, 16);
    dst.port = 0;
    snprintf(what, sizeof(what), "server saw %s -> %s with the right addresses", from, to);
    check(ok && peertab_addr_equal(&m[1].peer, udp_bound(cli)) && peertab_addr_equal(&local, &dst),
          what);
    ok = ok && udp_send_batch(srv, &pb[1], &m[1], 1) == 1 && wait_in(cli);
    pktbuf_reset(&b[0], PROBE_HEADROOM);
    ok = ok && udp_recv_batch(cli, pb, m, 1) == 1;
    dst.port = udp_bound(srv)->port;
    snprintf(what, sizeof(what), "reply to %s came from %s", from, to);
    check(ok && peertab_addr_equal(&m[0].peer, &dst), what);
    udp_close(cli);
}

static int mode_udp(void)
{
    char err[256];
    struct netlink *nl = netlink_open(err, sizeof(err));
    if (!check(nl != NULL, "netlink open"))
        return 1;
    nl_ok(nl, netlink_link_set_up(nl, "lo", true), "lo up");
    const char *v4[2] = { "198.18.0.1", "198.18.0.2" };
    const char *v6[2] = { "fd00:18::1", "fd00:18::2" };
    for (size_t i = 0; i < 2; i++) {
        nl_ok(nl, netlink_addr4(nl, NETLINK_ADD, "lo", ip4(v4[i]), 32, 0), v4[i]);
        nl_ok(nl, netlink_addr6(nl, NETLINK_ADD, "lo", ip6(v6[i]), 128), v6[i]);
    }
    check(wait_usable6(v6[0]) && wait_usable6(v6[1]), "IPv6 addresses usable");
    struct udp_params sp = { .proto = UDP_PROTO_UDP };
    struct udp *srv = udp_open(&sp, err, sizeof(err));
    if (check(srv && udp_dual_stack(srv), "dual-stack server")) {
        ask(srv, v4[0], v4[1]);
        ask(srv, v4[1], v4[0]);
        ask(srv, v6[0], v6[1]);
        ask(srv, v6[1], v6[0]);
        char text[128];
        if (udp_buffers_format(srv, text, sizeof(text)) == 0)
            printf("  %s\n", text);
    }
    udp_close(srv);
    netlink_close(nl);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (!in_private_netns()) {
        fprintf(stderr, "tun_probe: run me in a network namespace other than my parent's "
                        "(ip netns exec NS tun_probe ...): I change interfaces\n");
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "tun") == 0)
        return mode_tun();
    if (argc == 4 && strcmp(argv[1], "ping") == 0)
        return mode_ping(argv[2], argv[3]);
    if (argc == 2 && strcmp(argv[1], "devices") == 0)
        return mode_devices();
    if (argc == 2 && strcmp(argv[1], "udp") == 0)
        return mode_udp();
    fprintf(stderr, "usage: tun_probe tun | ping ADDR COUNT | devices | udp\n");
    return 2;
}
