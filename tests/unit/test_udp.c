/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktbuf.h"
#include "udp.h"

/* All traffic stays on the loopback interface (127.0.0.1 and ::1). */

#define BUFSIZE  2048
#define HEADROOM 64

struct batch {
    uint8_t mem[PKTBUF_BATCH_MAX + 1][BUFSIZE];
    struct pktbuf bufs[PKTBUF_BATCH_MAX + 1];
    struct pktbuf *ptrs[PKTBUF_BATCH_MAX + 1];
    struct udp_meta meta[PKTBUF_BATCH_MAX + 1];
};

static struct batch *batch_new(size_t cap)
{
    struct batch *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    for (size_t i = 0; i <= PKTBUF_BATCH_MAX; i++) {
        pktbuf_init(&b->bufs[i], b->mem[i], cap, HEADROOM);
        b->ptrs[i] = &b->bufs[i];
    }
    return b;
}

static struct udp *open_or_fail(enum udp_proto proto, const char *local, uint16_t port)
{
    char err[256];
    struct udp_params p = { .proto = proto, .local = local, .port = port };
    struct udp *u = udp_open(&p, err, sizeof(err));
    if (!u)
        fail_msg("udp_open: %s", err);
    return u;
}

static bool have_ipv6_loopback(void)
{
    char err[256];
    struct udp_params p = { .proto = UDP_PROTO_UDP6, .local = "::1" };
    struct udp *u = udp_open(&p, err, sizeof(err));
    udp_close(u);
    return u != NULL;
}

static void wait_readable(const struct udp *u)
{
    struct pollfd pfd = { .fd = udp_fd(u), .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 2000), 1);
}

static struct peertab_addr v4(const char *ip, uint16_t port)
{
    struct peertab_addr a = { .family = AF_INET, .port = port };
    assert_int_equal(inet_pton(AF_INET, ip, a.ip), 1);
    return a;
}

static struct peertab_addr v6(const char *ip, uint16_t port)
{
    struct peertab_addr a = { .family = AF_INET6, .port = port };
    assert_int_equal(inet_pton(AF_INET6, ip, a.ip), 1);
    return a;
}

static void fill(struct pktbuf *p, size_t len, uint8_t seed)
{
    pktbuf_reset(p, HEADROOM);
    uint8_t *d = pktbuf_put(p, len);
    assert_non_null(d);
    for (size_t i = 0; i < len; i++)
        d[i] = (uint8_t)(seed + i);
}

static void check_fill(const struct pktbuf *p, size_t len, uint8_t seed)
{
    assert_int_equal(pktbuf_len(p), len);
    const uint8_t *d = pktbuf_data(p);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(d[i], (uint8_t)(seed + i));
}

static void reset_all(struct batch *b)
{
    for (size_t i = 0; i <= PKTBUF_BATCH_MAX; i++)
        pktbuf_reset(b->ptrs[i], HEADROOM);
}

/* ---- opening ---- */

static void open_udp4_on_loopback(void **state)
{
    (void)state;
    struct udp *u = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    assert_true(udp_fd(u) >= 0);
    assert_int_equal(udp_family(u), AF_INET);
    assert_false(udp_dual_stack(u));
    const struct peertab_addr *b = udp_bound(u);
    struct peertab_addr want = v4("127.0.0.1", b->port);
    assert_true(b->port != 0);
    assert_true(peertab_addr_equal(b, &want));
    udp_close(u);
    udp_close(NULL);
}

static void open_dual_stack_wildcard(void **state)
{
    (void)state;
    struct udp *u = open_or_fail(UDP_PROTO_UDP, NULL, 0);
    if (udp_family(u) == AF_INET6) {
        assert_true(udp_dual_stack(u));
        assert_int_equal(udp_bound(u)->family, AF_INET6);
    } else {
        assert_false(udp_dual_stack(u));
    }
    udp_close(u);
    u = open_or_fail(UDP_PROTO_UDP, "127.0.0.1", 0);
    assert_int_equal(udp_family(u), AF_INET);
    assert_false(udp_dual_stack(u));
    udp_close(u);
}

static void open_reports_errors(void **state)
{
    (void)state;
    char err[256];
    static const char bad_msg[] = ": not a numeric IPv4/IPv6 address of the socket's family";
    /* Names are never looked up here: no DNS traffic from this module or this test. */
    static const struct {
        enum udp_proto proto;
        const char *local;
    } bad[] = {
        { UDP_PROTO_UDP4, "localhost" }, { UDP_PROTO_UDP4, "300.1.1.1" },
        { UDP_PROTO_UDP4, "::1" },       { UDP_PROTO_UDP6, "127.0.0.1" },
        { UDP_PROTO_UDP, "1.2.3.4.5" },  { UDP_PROTO_UDP, "fe80::1::2" },
        { UDP_PROTO_UDP, " 127.0.0.1" },
    };
    struct udp_params p = { .proto = UDP_PROTO_UDP4 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[128];
        p.proto = bad[i].proto;
        p.local = bad[i].local;
        snprintf(want, sizeof(want), "bad local address '%s'%s", bad[i].local, bad_msg);
        assert_null(udp_open(&p, err, sizeof(err)));
        assert_string_equal(err, want);
    }
    /* An address this host does not have (nothing is sent). */
    p.proto = UDP_PROTO_UDP;
    p.local = "198.18.0.77";
    p.port = 1194;
    assert_null(udp_open(&p, err, sizeof(err)));
    assert_string_equal(err, "cannot bind UDP socket to [AF_INET]198.18.0.77:1194: "
                             "Cannot assign requested address");
    p.local = "127.0.0.1";
    p.port = 0;
    /* A port in use. */
    struct udp *u = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    p.proto = UDP_PROTO_UDP4;
    p.port = udp_bound(u)->port;
    char want[128];
    snprintf(want, sizeof(want),
             "cannot bind UDP socket to [AF_INET]127.0.0.1:%u: Address already in use",
             (unsigned)p.port);
    assert_null(udp_open(&p, err, sizeof(err)));
    assert_string_equal(err, want);
    /* A tiny or absent error buffer is fine. */
    assert_null(udp_open(&p, err, 1));
    assert_string_equal(err, "");
    assert_null(udp_open(&p, NULL, 0));
    udp_close(u);
}

static void socket_buffers(void **state)
{
    (void)state;
    char err[256], text[128];
    struct udp_params p = { .proto = UDP_PROTO_UDP4, .local = "127.0.0.1" };
    p.rcvbuf = 65536;
    p.sndbuf = 32768;
    struct udp *u = udp_open(&p, err, sizeof(err));
    assert_non_null(u);
    const struct udp_bufinfo *bi = udp_buffers(u);
    /* The kernel doubles what it is given (bookkeeping overhead) and reports that. */
    assert_int_equal(bi->rcv_after, 2 * 65536);
    assert_int_equal(bi->snd_after, 2 * 32768);
    assert_true(bi->rcv_before > 0 && bi->snd_before > 0);
    assert_int_equal(udp_buffers_format(u, text, sizeof(text)), 0);
    char want[128];
    snprintf(want, sizeof(want), "Socket Buffers: R=[%d->131072] S=[%d->65536]", bi->rcv_before,
             bi->snd_before);
    assert_string_equal(text, want);
    assert_int_equal(udp_buffers_format(u, text, 10), -1);
    assert_string_equal(text, "");
    assert_int_equal(udp_buffers_format(u, text, 0), -1);
    udp_close(u);

    p.rcvbuf = p.sndbuf = UDP_BUF_OS_DEFAULT;
    u = udp_open(&p, err, sizeof(err));
    assert_non_null(u);
    assert_int_equal(udp_buffers(u)->rcv_after, udp_buffers(u)->rcv_before);
    assert_int_equal(udp_buffers(u)->snd_after, udp_buffers(u)->snd_before);
    udp_close(u);

    /* The default asks for UDP_BUF_DEFAULT: forced as root, else capped at rmem_max. */
    p.rcvbuf = p.sndbuf = 0;
    u = udp_open(&p, err, sizeof(err));
    assert_non_null(u);
    assert_true(udp_buffers(u)->rcv_after >= udp_buffers(u)->rcv_before);
    if (geteuid() == 0)
        assert_int_equal(udp_buffers(u)->rcv_after, 2 * UDP_BUF_DEFAULT);
    udp_close(u);
}

/* ---- batches ---- */

static void batch_of_64_to_self(void **state)
{
    (void)state;
    struct udp *srv = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(BUFSIZE);
    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++) {
        fill(tx->ptrs[i], 100 + i * 7, (uint8_t)i);
        tx->meta[i].peer = *udp_bound(srv);
        struct peertab_addr lo = v4("127.0.0.1", 0);
        udp_local_from_addr(&tx->meta[i].local, &lo);
    }
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, PKTBUF_BATCH_MAX), PKTBUF_BATCH_MAX);
    assert_int_equal(udp_stats(cli)->tx_calls, 1);
    assert_int_equal(udp_stats(cli)->tx_packets, PKTBUF_BATCH_MAX);
    assert_int_equal(udp_stats(cli)->tx_dropped, 0);
    wait_readable(srv);
    int got = udp_recv_batch(srv, rx->ptrs, rx->meta, PKTBUF_BATCH_MAX);
    assert_int_equal(got, PKTBUF_BATCH_MAX);
    assert_int_equal(udp_stats(srv)->rx_calls, 1);
    assert_int_equal(udp_stats(srv)->rx_packets, PKTBUF_BATCH_MAX);
    unsigned lo_index = if_nametoindex("lo");
    uint64_t bytes = 0;
    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++) {
        check_fill(rx->ptrs[i], 100 + i * 7, (uint8_t)i);
        assert_int_equal(pktbuf_headroom(rx->ptrs[i]), HEADROOM);
        assert_true(peertab_addr_equal(&rx->meta[i].peer, udp_bound(cli)));
        assert_int_equal(rx->meta[i].local.family, AF_INET);
        assert_memory_equal(rx->meta[i].local.ip, "\x7f\x00\x00\x01", 4);
        assert_int_equal(rx->meta[i].local.ifindex, lo_index);
        bytes += 100 + i * 7;
    }
    assert_int_equal(udp_stats(srv)->rx_bytes, bytes);
    assert_int_equal(udp_stats(cli)->tx_bytes, bytes);
    /* Nothing more waiting. */
    reset_all(rx);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, PKTBUF_BATCH_MAX), 0);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, 0), 0);
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

/* More than a batch is sent in several calls; a receive takes at most a batch. */
static void more_than_a_batch(void **state)
{
    (void)state;
    struct udp *srv = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(BUFSIZE);
    size_t n = PKTBUF_BATCH_MAX + 1;
    for (size_t i = 0; i < n; i++) {
        fill(tx->ptrs[i], 10, (uint8_t)i);
        tx->meta[i].peer = *udp_bound(srv);
    }
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, n), n);
    assert_int_equal(udp_stats(cli)->tx_calls, 2);
    wait_readable(srv);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, n), PKTBUF_BATCH_MAX);
    check_fill(rx->ptrs[0], 10, 0);
    reset_all(rx);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, n), 1);
    check_fill(rx->ptrs[0], 10, (uint8_t)PKTBUF_BATCH_MAX);
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

/* A datagram longer than the buffer is dropped; the good one comes first and no buffer is lost. */
static void truncated_datagram_dropped(void **state)
{
    (void)state;
    struct udp *srv = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(HEADROOM + 10);
    fill(tx->ptrs[0], 11, 1);
    fill(tx->ptrs[1], 10, 2);
    fill(tx->ptrs[2], 3, 3);
    for (size_t i = 0; i < 3; i++)
        tx->meta[i].peer = *udp_bound(srv);
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, 3), 3);
    wait_readable(srv);
    struct pktbuf *before[3] = { rx->ptrs[0], rx->ptrs[1], rx->ptrs[2] };
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, 3), 2);
    assert_int_equal(udp_stats(srv)->rx_truncated, 1);
    assert_int_equal(udp_stats(srv)->rx_packets, 2);
    check_fill(rx->ptrs[0], 10, 2);
    check_fill(rx->ptrs[1], 3, 3);
    assert_true(peertab_addr_equal(&rx->meta[1].peer, udp_bound(cli)));
    /* The same three buffers, reordered. */
    for (size_t i = 0; i < 3; i++) {
        bool found = false;
        for (size_t j = 0; j < 3; j++)
            found |= rx->ptrs[j] == before[i];
        assert_true(found);
    }
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

/* Data already in the buffer stays; the datagram is appended behind it. */
static void receive_appends_to_data(void **state)
{
    (void)state;
    struct udp *srv = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(BUFSIZE);
    fill(tx->ptrs[0], 5, 50);
    tx->meta[0].peer = *udp_bound(srv);
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, 1), 1);
    wait_readable(srv);
    uint8_t *pre = pktbuf_put(rx->ptrs[0], 2);
    pre[0] = 0xAA;
    pre[1] = 0xBB;
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, 1), 1);
    assert_int_equal(pktbuf_len(rx->ptrs[0]), 7);
    assert_memory_equal(pktbuf_data(rx->ptrs[0]), "\xAA\xBB\x32\x33\x34\x35\x36", 7);
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

/* A dual-stack server sees an IPv4 client as plain AF_INET and answers it from the same address. */
static void dual_stack_normalises_and_replies(void **state)
{
    (void)state;
    struct udp *srv = open_or_fail(UDP_PROTO_UDP, NULL, 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(BUFSIZE);
    fill(tx->ptrs[0], 20, 7);
    tx->meta[0].peer = v4("127.0.0.1", udp_bound(srv)->port);
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, 1), 1);
    wait_readable(srv);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, 1), 1);
    check_fill(rx->ptrs[0], 20, 7);
    assert_int_equal(rx->meta[0].peer.family, AF_INET);
    assert_true(peertab_addr_equal(&rx->meta[0].peer, udp_bound(cli)));
    assert_int_equal(rx->meta[0].local.family, AF_INET);
    assert_memory_equal(rx->meta[0].local.ip, "\x7f\x00\x00\x01\x00\x00\x00\x00", 8);
    char text[64];
    assert_int_equal(peertab_addr_format(&rx->meta[0].peer, text, sizeof(text)), 0);
    assert_int_equal(strncmp(text, "[AF_INET]127.0.0.1:", 19), 0);

    /* The reply goes back with the metadata as received. */
    fill(tx->ptrs[1], 30, 9);
    tx->meta[1] = rx->meta[0];
    assert_int_equal(udp_send_batch(srv, &tx->ptrs[1], &tx->meta[1], 1), 1);
    assert_int_equal(udp_stats(srv)->tx_dropped, 0);
    wait_readable(cli);
    reset_all(rx);
    assert_int_equal(udp_recv_batch(cli, rx->ptrs, rx->meta, 1), 1);
    check_fill(rx->ptrs[0], 30, 9);
    struct peertab_addr want = v4("127.0.0.1", udp_bound(srv)->port);
    assert_true(peertab_addr_equal(&rx->meta[0].peer, &want));
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

static void ipv6_loopback(void **state)
{
    (void)state;
    if (!have_ipv6_loopback())
        skip();
    struct udp *srv = open_or_fail(UDP_PROTO_UDP, NULL, 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP6, "::1", 0);
    assert_int_equal(udp_family(cli), AF_INET6);
    assert_false(udp_dual_stack(cli));
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(BUFSIZE);
    fill(tx->ptrs[0], 40, 4);
    tx->meta[0].peer = v6("::1", udp_bound(srv)->port);
    struct peertab_addr lo6 = v6("::1", 0);
    udp_local_from_addr(&tx->meta[0].local, &lo6);
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, 1), 1);
    wait_readable(srv);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, 1), 1);
    check_fill(rx->ptrs[0], 40, 4);
    assert_true(peertab_addr_equal(&rx->meta[0].peer, udp_bound(cli)));
    assert_int_equal(rx->meta[0].local.family, AF_INET6);
    assert_memory_equal(rx->meta[0].local.ip, lo6.ip, 16);
    assert_int_equal(rx->meta[0].local.ifindex, if_nametoindex("lo"));
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

/* Datagrams that cannot be sent are dropped one by one; the rest of the batch still goes. */
static void unsendable_addresses_dropped(void **state)
{
    (void)state;
    struct udp *srv = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct udp *cli = open_or_fail(UDP_PROTO_UDP4, "127.0.0.1", 0);
    struct batch *tx = batch_new(BUFSIZE), *rx = batch_new(BUFSIZE);
    for (size_t i = 0; i < 5; i++) {
        fill(tx->ptrs[i], 8, (uint8_t)i);
        tx->meta[i].peer = *udp_bound(srv);
    }
    tx->meta[1].peer = v6("::1", 9);   /* IPv6 through an IPv4 socket */
    tx->meta[2].peer.family = 0;       /* no address at all */
    tx->meta[4].peer.family = AF_UNIX; /* a family the module does not know */
    assert_int_equal(udp_send_batch(cli, tx->ptrs, tx->meta, 5), 5);
    assert_int_equal(udp_stats(cli)->tx_dropped, 3);
    assert_int_equal(udp_stats(cli)->tx_last_errno, EAFNOSUPPORT);
    assert_int_equal(udp_stats(cli)->tx_packets, 2);
    wait_readable(srv);
    assert_int_equal(udp_recv_batch(srv, rx->ptrs, rx->meta, 5), 2);
    check_fill(rx->ptrs[0], 8, 0);
    check_fill(rx->ptrs[1], 8, 3);
    /* A datagram the kernel refuses (larger than UDP allows) is dropped with its errno. */
    uint8_t *big = malloc(70000);
    assert_non_null(big);
    struct pktbuf bp;
    pktbuf_init(&bp, big, 70000, 0);
    assert_non_null(pktbuf_put(&bp, 70000));
    struct pktbuf *bpp[2] = { &bp, tx->ptrs[0] };
    struct udp_meta bm[2] = { tx->meta[0], tx->meta[0] };
    assert_int_equal(udp_send_batch(cli, bpp, bm, 2), 2);
    assert_int_equal(udp_stats(cli)->tx_dropped, 4);
    assert_int_equal(udp_stats(cli)->tx_last_errno, EMSGSIZE);
    assert_int_equal(udp_stats(cli)->tx_packets, 3);
    assert_int_equal(udp_send_batch(cli, bpp, bm, 0), 0);
    free(big);
    free(tx);
    free(rx);
    udp_close(srv);
    udp_close(cli);
}

static void local_from_addr(void **state)
{
    (void)state;
    struct udp_local l;
    struct peertab_addr a = v4("198.18.0.1", 1194);
    udp_local_from_addr(&l, &a);
    assert_int_equal(l.family, AF_INET);
    assert_memory_equal(l.ip, a.ip, 16);
    assert_int_equal(l.ifindex, 0);
    a.family = 0;
    udp_local_from_addr(&l, &a);
    assert_int_equal(l.family, 0);
    uint8_t zero[16] = { 0 };
    assert_memory_equal(l.ip, zero, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_udp4_on_loopback),
        cmocka_unit_test(open_dual_stack_wildcard),
        cmocka_unit_test(open_reports_errors),
        cmocka_unit_test(socket_buffers),
        cmocka_unit_test(batch_of_64_to_self),
        cmocka_unit_test(more_than_a_batch),
        cmocka_unit_test(truncated_datagram_dropped),
        cmocka_unit_test(receive_appends_to_data),
        cmocka_unit_test(dual_stack_normalises_and_replies),
        cmocka_unit_test(ipv6_loopback),
        cmocka_unit_test(unsendable_addresses_dropped),
        cmocka_unit_test(local_from_addr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
