/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "mss.h"

/*
 * Packets are built by hand here; their TCP checksums are computed from scratch by
 * full_checksum() below (pseudo header + whole segment, RFC 793 / RFC 8200 §8.1), independently
 * of the incremental update inside mss.c, and every clamped packet must verify again.
 */

#define PKT_MAX 256

struct pkt {
    uint8_t b[PKT_MAX];
    size_t len;
    size_t tcp; /* offset of the TCP header */
    bool v6;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t sum_bytes(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += get16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)s;
}

/* One's complement sum over pseudo header and segment (checksum field included as it is). */
static uint16_t full_sum(const struct pkt *k)
{
    size_t seg = k->len - k->tcp;
    uint32_t s = 0;

    if (k->v6) {
        s = sum_bytes(s, k->b + 8, 32);
        s += (uint32_t)(seg >> 16) + (uint32_t)(seg & 0xFFFF) + 6;
    } else {
        s = sum_bytes(s, k->b + 12, 8);
        s += 6 + (uint32_t)seg;
    }
    return fold(sum_bytes(s, k->b + k->tcp, seg));
}

static void fill_checksum(struct pkt *k)
{
    put16(k->b + k->tcp + 16, 0);
    put16(k->b + k->tcp + 16, (uint16_t)~full_sum(k));
}

static bool checksum_ok(const struct pkt *k)
{
    return full_sum(k) == 0xFFFF;
}

/* TCP header with the given flags and options (a multiple of 4 bytes), some payload after. */
static void tcp_hdr(struct pkt *k, uint8_t flags, const uint8_t *opts, size_t olen, size_t payload)
{
    uint8_t *t = k->b + k->tcp;

    memset(t, 0, 20);
    put16(t, 40000);
    put16(t + 2, 443);
    put16(t + 4, 0x1234);
    put16(t + 6, 0x5678);
    t[12] = (uint8_t)(((20 + olen) / 4) << 4);
    t[13] = flags;
    put16(t + 14, 64240);
    if (olen > 0)
        memcpy(t + 20, opts, olen);
    for (size_t i = 0; i < payload; i++)
        t[20 + olen + i] = (uint8_t)(i * 7 + 1);
    k->len = k->tcp + 20 + olen + payload;
}

static void ipv4(struct pkt *k, uint8_t flags, const uint8_t *opts, size_t olen,
                 const uint8_t *ipopts, size_t ipolen, uint8_t proto)
{
    memset(k, 0, sizeof(*k));
    k->b[0] = (uint8_t)(0x40 | ((20 + ipolen) / 4));
    k->b[8] = 64;
    k->b[9] = proto;
    memcpy(k->b + 12, (const uint8_t[]){ 10, 8, 0, 2 }, 4);
    memcpy(k->b + 16, (const uint8_t[]){ 192, 0, 2, 77 }, 4);
    if (ipolen > 0)
        memcpy(k->b + 20, ipopts, ipolen);
    k->tcp = 20 + ipolen;
    tcp_hdr(k, flags, opts, olen, 3);
    put16(k->b + 2, (uint16_t)k->len);
    fill_checksum(k);
}

/* IPv6 with optional extension headers (ext: raw bytes, first header type first_next). */
static void ipv6(struct pkt *k, uint8_t flags, const uint8_t *opts, size_t olen, uint8_t first_next,
                 const uint8_t *ext, size_t elen)
{
    memset(k, 0, sizeof(*k));
    k->v6 = true;
    k->b[0] = 0x60;
    k->b[6] = first_next;
    k->b[7] = 64;
    k->b[8] = 0xfd;
    k->b[23] = 2;
    k->b[24] = 0x20;
    k->b[25] = 0x01;
    k->b[39] = 0x99;
    if (elen > 0)
        memcpy(k->b + 40, ext, elen);
    k->tcp = 40 + elen;
    tcp_hdr(k, flags, opts, olen, 5);
    put16(k->b + 4, (uint16_t)(k->len - 40));
    fill_checksum(k);
}

static const uint8_t opt_mss1460[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
static const uint8_t opt_mss1440[] = { 2, 4, 0x05, 0xa0, 4, 2, 8, 10, 0, 0,
                                       0, 1, 0,    0,    0, 0, 1, 3,  3, 7 };
#define SYN    0x02
#define ACK    0x10
#define SYNACK (SYN | ACK)

static uint16_t mss_at(const struct pkt *k, size_t opt_off)
{
    return get16(k->b + k->tcp + 20 + opt_off + 2);
}

/* ---- mss_compute: protocol-data.md §11.2 ---- */

static uint16_t compute(const char *cipher, const char *auth, enum mss_transport t, size_t hdr,
                        size_t framing)
{
    struct dcipher_suite s;
    struct mss_config c = { MSS_DEFAULT, MSS_MODE_MTU, t, false };

    assert_int_equal(dcipher_suite_lookup(cipher, auth, &s), DCIPHER_OK);
    return mss_compute(&c, &s, hdr, framing);
}

static void test_compute_observed(void **state)
{
    (void)state;
    assert_int_equal(compute("AES-256-GCM", NULL, MSS_UDP4, 4, 0), 1400);
    assert_int_equal(compute("AES-128-GCM", NULL, MSS_UDP4, 4, 0), 1400);
    assert_int_equal(compute("CHACHA20-POLY1305", NULL, MSS_UDP4, 4, 0), 1400);
    assert_int_equal(compute("AES-256-GCM", NULL, MSS_UDP4, 4, 1), 1399); /* comp-lzo no */
    assert_int_equal(compute("AES-256-CBC", "SHA1", MSS_UDP4, 4, 0), 1379);
    assert_int_equal(compute("AES-256-CBC", "SHA256", MSS_UDP4, 4, 0), 1363);
    assert_int_equal(compute("none", "SHA1", MSS_UDP4, 4, 0), 1396);
    assert_int_equal(compute("AES-256-GCM", NULL, MSS_TCP4, 4, 0), 1386);
}

static void test_compute_derived(void **state)
{
    struct dcipher_suite s;
    struct mss_config c = { 1450, MSS_MODE_LEGACY, MSS_UDP4, false };

    (void)state;
    /* Same formula, other inputs: V1 header, IPv6 outer, no encapsulation, fragment. */
    assert_int_equal(compute("AES-256-GCM", NULL, MSS_UDP4, 1, 0), 1403);
    assert_int_equal(compute("AES-256-GCM", NULL, MSS_UDP6, 4, 0), 1380);
    assert_int_equal(compute("AES-256-GCM", NULL, MSS_TCP6, 4, 0), 1366);
    assert_int_equal(compute("none", "none", MSS_UDP4, 4, 0), 1416);
    assert_int_equal(dcipher_suite_lookup("AES-256-GCM", NULL, &s), DCIPHER_OK);
    assert_int_equal(mss_compute(&c, &s, 4, 0), 1450 - 24 - 40);
    c.fragment = true;
    assert_int_equal(mss_compute(&c, &s, 4, 0), 1450 - 24 - 4 - 40);
    /* fixed: tun-mtu 1400 without mssfix gives MSS 1360, whatever the cipher. */
    c = (struct mss_config){ 1400, MSS_MODE_FIXED, MSS_UDP4, false };
    assert_int_equal(mss_compute(&c, NULL, 4, 0), 1360);
}

static void test_compute_off_and_limits(void **state)
{
    struct dcipher_suite s;
    struct mss_config c = { 0, MSS_MODE_MTU, MSS_UDP4, false };

    (void)state;
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "SHA512", &s), DCIPHER_OK);
    assert_int_equal(mss_compute(&c, &s, 4, 0), 0);
    c.value = 1492;
    c.mode = MSS_MODE_OFF;
    assert_int_equal(mss_compute(&c, &s, 4, 0), 0);
    c.mode = MSS_MODE_MTU;
    assert_int_equal(mss_compute(&c, NULL, 4, 0), 0);
    c.transport = (enum mss_transport)9;
    assert_int_equal(mss_compute(&c, &s, 4, 0), 0);
    c.transport = MSS_UDP4;
    for (unsigned v = 1; v <= 200; v++) {
        c.value = v;
        assert_true(mss_compute(&c, &s, 4, 0) <= v);
    }
    c.value = 28; /* only the outer header */
    assert_int_equal(mss_compute(&c, &s, 4, 0), 0);
    c.value = 100;
    assert_int_equal(mss_compute(&c, &s, 4, 0), 0);
    c = (struct mss_config){ 40, MSS_MODE_FIXED, MSS_UDP4, false };
    assert_int_equal(mss_compute(&c, NULL, 4, 0), 0);
    c.value = 200000;
    assert_int_equal(mss_compute(&c, NULL, 4, 0), 65535);
    c.mode = (enum mss_mode)7;
    assert_int_equal(mss_compute(&c, &s, 4, 0), 0);
}

/* ---- clamping IPv4 ---- */

static void expect_clamped(struct pkt *k, uint16_t max, size_t opt_off, uint16_t want)
{
    struct pkt before = *k;

    assert_true(checksum_ok(k));
    assert_int_equal(mss_clamp(k->b, k->len, max), MSS_CLAMPED);
    assert_int_equal(mss_at(k, opt_off), want);
    assert_true(checksum_ok(k));
    /* Only the MSS value and the checksum changed. */
    for (size_t i = 0; i < k->len; i++) {
        size_t rel = i - k->tcp;
        bool mss = i >= k->tcp && (rel == 20 + opt_off + 2 || rel == 20 + opt_off + 3);
        bool csum = i >= k->tcp && (rel == 16 || rel == 17);
        if (!mss && !csum)
            assert_int_equal(k->b[i], before.b[i]);
    }
    /* A second pass finds nothing left to do. */
    assert_int_equal(mss_clamp(k->b, k->len, max), MSS_KEPT);
}

static void expect_untouched(struct pkt *k, uint16_t max, enum mss_result want)
{
    uint8_t copy[PKT_MAX];

    memcpy(copy, k->b, sizeof(copy));
    assert_int_equal(mss_clamp(k->b, k->len, max), want);
    assert_memory_equal(copy, k->b, sizeof(copy));
}

static void test_ipv4_syn(void **state)
{
    struct pkt k;

    (void)state;
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    expect_clamped(&k, 1400, 0, 1400);
    ipv4(&k, SYNACK, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    expect_clamped(&k, 1379, 0, 1379);
    ipv4(&k, SYN, opt_mss1440, sizeof(opt_mss1440), NULL, 0, 6);
    expect_clamped(&k, 1, 0, 1);
}

static void test_ipv4_kept(void **state)
{
    struct pkt k;
    static const uint8_t no_mss[] = { 1, 1, 4, 2 };

    (void)state;
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    expect_untouched(&k, 1460, MSS_KEPT);
    expect_untouched(&k, 1500, MSS_KEPT);
    ipv4(&k, SYN, no_mss, sizeof(no_mss), NULL, 0, 6);
    expect_untouched(&k, 500, MSS_KEPT);
    ipv4(&k, SYN, NULL, 0, NULL, 0, 6); /* no options at all */
    expect_untouched(&k, 500, MSS_KEPT);
}

static void test_ipv4_ignored(void **state)
{
    struct pkt k;

    (void)state;
    ipv4(&k, ACK, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    expect_untouched(&k, 1000, MSS_IGNORED);
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 17);
    expect_untouched(&k, 1000, MSS_IGNORED);
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    expect_untouched(&k, 0, MSS_IGNORED);
    assert_int_equal(mss_clamp(NULL, 0, 1000), MSS_IGNORED);
    k.b[0] = 0x55; /* version 5 */
    expect_untouched(&k, 1000, MSS_IGNORED);
}

static void test_ipv4_options(void **state)
{
    struct pkt k;
    static const uint8_t ipopts[] = { 0x94, 4, 0, 0, 1, 1, 1, 0 }; /* router alert, NOPs, EOL */

    (void)state;
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), ipopts, sizeof(ipopts), 6);
    assert_int_equal(k.tcp, 28);
    expect_clamped(&k, 1300, 0, 1300);
}

/* MSS option after a NOP: its value sits at an odd offset of the TCP header. */
static void test_odd_offset(void **state)
{
    struct pkt k;
    static const uint8_t opts[] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 };

    (void)state;
    ipv4(&k, SYN, opts, sizeof(opts), NULL, 0, 6);
    expect_clamped(&k, 1357, 1, 1357);
    ipv6(&k, SYN, opts, sizeof(opts), 6, NULL, 0);
    expect_clamped(&k, 1357, 1, 1337);
}

static void test_two_mss_options(void **state)
{
    struct pkt k;
    static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 2, 4, 0x05, 0xa0, 0, 0, 0 };

    (void)state;
    ipv4(&k, SYN, opts, sizeof(opts), NULL, 0, 6);
    assert_int_equal(mss_clamp(k.b, k.len, 1200), MSS_CLAMPED);
    assert_int_equal(mss_at(&k, 0), 1200);
    assert_int_equal(mss_at(&k, 5), 1200);
    assert_true(checksum_ok(&k));
}

static void test_ipv4_fragments(void **state)
{
    struct pkt k;

    (void)state;
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    k.b[6] = 0x20; /* more fragments */
    expect_untouched(&k, 1000, MSS_FRAGMENT);
    k.b[6] = 0x00;
    k.b[7] = 0x01; /* offset 8 */
    expect_untouched(&k, 1000, MSS_FRAGMENT);
    k.b[6] = 0x40; /* DF alone is fine */
    k.b[7] = 0x00;
    fill_checksum(&k);
    expect_clamped(&k, 1000, 0, 1000);
}

static void test_ipv4_malformed(void **state)
{
    struct pkt k, good;
    static const uint8_t bad_len0[] = { 2, 4, 0x05, 0xb4, 8, 0, 0, 0 };
    static const uint8_t bad_len1[] = { 2, 4, 0x05, 0xb4, 8, 1, 0, 0 };
    static const uint8_t bad_long[] = { 2, 4, 0x05, 0xb4, 8, 10, 0, 0 };
    static const uint8_t mss_cut[] = { 1, 1, 1, 1, 1, 2, 4, 0x05 };

    (void)state;
    ipv4(&good, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    /* Every truncation: the IP total length no longer fits. */
    for (size_t n = 0; n < good.len; n++) {
        k = good;
        k.len = n;
        assert_int_not_equal(mss_clamp(k.b, n, 1000), MSS_CLAMPED);
        assert_memory_equal(k.b, good.b, PKT_MAX);
    }
    k = good;
    k.b[0] = 0x44; /* IHL 16 bytes */
    expect_untouched(&k, 1000, MSS_MALFORMED);
    k = good;
    put16(k.b + 2, 19); /* total below the header */
    expect_untouched(&k, 1000, MSS_MALFORMED);
    k = good;
    put16(k.b + 2, 30); /* segment shorter than a TCP header */
    expect_untouched(&k, 1000, MSS_MALFORMED);
    k = good;
    k.b[k.tcp + 12] = 0x40; /* data offset 16 */
    expect_untouched(&k, 1000, MSS_MALFORMED);
    k = good;
    k.b[k.tcp + 12] = 0xF0; /* data offset 60 > segment */
    expect_untouched(&k, 1000, MSS_MALFORMED);
    ipv4(&k, SYN, bad_len0, sizeof(bad_len0), NULL, 0, 6);
    expect_untouched(&k, 1000, MSS_MALFORMED);
    ipv4(&k, SYN, bad_len1, sizeof(bad_len1), NULL, 0, 6);
    expect_untouched(&k, 1000, MSS_MALFORMED);
    ipv4(&k, SYN, bad_long, sizeof(bad_long), NULL, 0, 6);
    expect_untouched(&k, 1000, MSS_MALFORMED);
    ipv4(&k, SYN, mss_cut, sizeof(mss_cut), NULL, 0, 6);
    expect_untouched(&k, 1000, MSS_MALFORMED);
}

/* Trailing bytes after the IP total length are not part of the packet. */
static void test_ipv4_trailer(void **state)
{
    struct pkt k;

    (void)state;
    ipv4(&k, SYN, opt_mss1460, sizeof(opt_mss1460), NULL, 0, 6);
    k.b[k.len] = 0xEE;
    k.b[k.len + 1] = 0xEE;
    assert_int_equal(mss_clamp(k.b, k.len + 2, 1000), MSS_CLAMPED);
    assert_true(checksum_ok(&k));
    assert_int_equal(k.b[k.len], 0xEE);
}

/* ---- clamping IPv6 ---- */

static void test_ipv6_plain(void **state)
{
    struct pkt k;

    (void)state;
    ipv6(&k, SYN, opt_mss1440, sizeof(opt_mss1440), 6, NULL, 0);
    expect_clamped(&k, 1400, 0, 1380);
    ipv6(&k, SYNACK, opt_mss1460, sizeof(opt_mss1460), 6, NULL, 0);
    expect_untouched(&k, 1480, MSS_KEPT);
    expect_untouched(&k, 20, MSS_IGNORED);
    expect_clamped(&k, 21, 0, 1);
}

static void test_ipv6_ext_headers(void **state)
{
    struct pkt k;
    /* hop-by-hop (8 bytes: PadN) -> destination options (16 bytes) -> TCP */
    static const uint8_t ext[] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 1, 1, 12,
                                   0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t frag[] = { 6, 0, 0, 0, 0, 0, 0, 1 };
    static const uint8_t routing[] = { 6, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t too_long[] = { 6, 9, 0, 0, 0, 0, 0, 0 };

    (void)state;
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 0, ext, sizeof(ext));
    expect_clamped(&k, 1300, 0, 1280);
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 43, routing, sizeof(routing));
    expect_clamped(&k, 1300, 0, 1280);
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 44, frag, sizeof(frag));
    expect_untouched(&k, 1300, MSS_FRAGMENT);
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 50, routing, sizeof(routing)); /* ESP */
    expect_untouched(&k, 1300, MSS_UNSUPPORTED);
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 17, NULL, 0); /* UDP */
    expect_untouched(&k, 1300, MSS_IGNORED);
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 0, too_long, sizeof(too_long));
    expect_untouched(&k, 1300, MSS_MALFORMED);
}

static void test_ipv6_ext_chain_limit(void **state)
{
    struct pkt k;
    uint8_t ext[8 * (MSS_IPV6_EXT_MAX + 1)];

    (void)state;
    /* A chain of destination-options headers one longer than the walker follows. */
    memset(ext, 0, sizeof(ext));
    for (size_t i = 0; i < MSS_IPV6_EXT_MAX + 1; i++)
        ext[i * 8] = i == MSS_IPV6_EXT_MAX ? 6 : 60;
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 60, ext, sizeof(ext));
    expect_untouched(&k, 1300, MSS_UNSUPPORTED);
    /* Exactly the limit is still walked. */
    ipv6(&k, SYN, opt_mss1460, sizeof(opt_mss1460), 60, ext + 8, sizeof(ext) - 8);
    expect_clamped(&k, 1300, 0, 1280);
}

static void test_ipv6_malformed(void **state)
{
    struct pkt k, good;

    (void)state;
    ipv6(&good, SYN, opt_mss1460, sizeof(opt_mss1460), 6, NULL, 0);
    for (size_t n = 0; n < good.len; n++) {
        k = good;
        assert_int_not_equal(mss_clamp(k.b, n, 1000), MSS_CLAMPED);
        assert_memory_equal(k.b, good.b, PKT_MAX);
    }
    k = good;
    put16(k.b + 4, 0); /* jumbogram */
    expect_untouched(&k, 1000, MSS_MALFORMED);
    k = good;
    put16(k.b + 4, 10); /* shorter than a TCP header */
    expect_untouched(&k, 1000, MSS_MALFORMED);
}

/* Many packets with pseudo-random contents, MSS values and limits: the checksum always holds. */
static void test_checksum_property(void **state)
{
    uint32_t x = 12345;

    (void)state;
    for (int i = 0; i < 20000; i++) {
        struct pkt k;
        uint8_t opts[12];
        size_t lead;
        uint16_t mss, max;

        x = x * 1103515245u + 12345u;
        lead = (x >> 8) % 4;
        mss = (uint16_t)(x >> 16);
        x = x * 1103515245u + 12345u;
        max = (uint16_t)((x >> 16) | 1);
        memset(opts, 1, sizeof(opts)); /* NOPs around the MSS option, EOL last */
        opts[11] = 0;
        opts[lead] = 2;
        opts[lead + 1] = 4;
        put16(opts + lead + 2, mss);
        if (i & 1)
            ipv4(&k, SYN, opts, sizeof(opts), NULL, 0, 6);
        else
            ipv6(&k, SYN, opts, sizeof(opts), 6, NULL, 0);
        k.b[k.tcp + 4] = (uint8_t)x; /* vary the sequence number, hence the checksum */
        k.b[k.tcp + 5] = (uint8_t)(x >> 24);
        fill_checksum(&k);
        enum mss_result r = mss_clamp(k.b, k.len, max);
        uint16_t lim = k.v6 ? (max > 20 ? (uint16_t)(max - 20) : 0) : max;
        if (lim == 0)
            assert_int_equal(r, MSS_IGNORED);
        else
            assert_int_equal(r, mss > lim ? MSS_CLAMPED : MSS_KEPT);
        assert_true(checksum_ok(&k));
        if (lim != 0)
            assert_int_equal(mss_at(&k, lead), mss > lim ? lim : mss);
    }
}

static void test_result_names(void **state)
{
    (void)state;
    assert_string_equal(mss_result_name(MSS_CLAMPED), "clamped");
    assert_string_equal(mss_result_name(MSS_MALFORMED), "malformed");
    assert_string_equal(mss_result_name(-1), "unknown");
    assert_string_equal(mss_result_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute_observed),
        cmocka_unit_test(test_compute_derived),
        cmocka_unit_test(test_compute_off_and_limits),
        cmocka_unit_test(test_ipv4_syn),
        cmocka_unit_test(test_ipv4_kept),
        cmocka_unit_test(test_ipv4_ignored),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_odd_offset),
        cmocka_unit_test(test_two_mss_options),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_ipv4_trailer),
        cmocka_unit_test(test_ipv6_plain),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv6_ext_chain_limit),
        cmocka_unit_test(test_ipv6_malformed),
        cmocka_unit_test(test_checksum_property),
        cmocka_unit_test(test_result_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
