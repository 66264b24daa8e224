/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <lz4.h>

#include "comp.h"

#define HEAD   16u
#define MEMSZ  2048u
#define BIGLEN 1028u

static uint8_t mem[MEMSZ];
static uint8_t scratch[MEMSZ];
static uint8_t payload[MEMSZ];

static struct comp make(enum comp_algo algo, enum comp_allow allow)
{
    struct comp c;
    struct comp_settings s = { .algo = algo, .allow = allow };
    assert_int_equal(comp_init(&c, &s), COMP_OK);
    return c;
}

static void load(struct pktbuf *p, size_t headroom, const void *src, size_t n)
{
    pktbuf_init(p, mem, sizeof(mem), headroom);
    uint8_t *d = pktbuf_put(p, n);
    assert_non_null(d);
    if (n > 0)
        memcpy(d, src, n);
}

static void assert_data(const struct pktbuf *p, const void *want, size_t n)
{
    assert_int_equal(pktbuf_len(p), n);
    if (n > 0)
        assert_memory_equal(pktbuf_data(p), want, n);
}

/* An IPv4-looking packet of n bytes: very compressible. */
static const uint8_t *ip_packet(size_t n)
{
    memset(payload, 0, sizeof(payload));
    payload[0] = 0x45;
    payload[2] = (uint8_t)(n >> 8);
    payload[3] = (uint8_t)n;
    for (size_t i = 20; i < n; i++)
        payload[i] = (uint8_t)("abcdefgh"[i % 8]);
    return payload;
}

/* Deterministic noise that LZ4 cannot shrink. */
static const uint8_t *noise(size_t n)
{
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload[i] = (uint8_t)x;
    }
    return payload;
}

static int unframe_bytes(const struct comp *c, struct pktbuf *p, const void *frame, size_t n)
{
    load(p, HEAD, frame, n);
    return comp_unframe(c, p, scratch, sizeof(scratch));
}

/* ---- settings and policy, §7.4 ---- */

static void policy_follows_allow_compression(void **state)
{
    (void)state;
    struct comp_settings s = { COMP_ALGO_NONE, COMP_ALLOW_UNSET };
    assert_int_equal(comp_allow_effective(&s), COMP_ALLOW_NO);
    s.algo = COMP_ALGO_STUB_V2;
    assert_int_equal(comp_allow_effective(&s), COMP_ALLOW_NO);
    s.algo = COMP_ALGO_LZ4_V2;
    assert_int_equal(comp_allow_effective(&s), COMP_ALLOW_ASYM);
    s.algo = COMP_ALGO_LZO;
    assert_int_equal(comp_allow_effective(&s), COMP_ALLOW_ASYM);
    s.allow = COMP_ALLOW_YES;
    assert_int_equal(comp_allow_effective(&s), COMP_ALLOW_YES);
    s.allow = COMP_ALLOW_NO;
    assert_int_equal(comp_allow_effective(&s), COMP_ALLOW_NO);
}

static void push_acceptance(void **state)
{
    (void)state;
    struct comp_settings dflt = { COMP_ALGO_NONE, COMP_ALLOW_UNSET };
    /* Default client: stubs accepted, real compression rejected. */
    assert_true(comp_push_acceptable(&dflt, COMP_ALGO_LZO_STUB));
    assert_true(comp_push_acceptable(&dflt, COMP_ALGO_STUB));
    assert_true(comp_push_acceptable(&dflt, COMP_ALGO_STUB_V2));
    assert_true(comp_push_acceptable(&dflt, COMP_ALGO_NONE));
    assert_false(comp_push_acceptable(&dflt, COMP_ALGO_LZ4_V2));
    assert_false(comp_push_acceptable(&dflt, COMP_ALGO_LZ4));
    assert_false(comp_push_acceptable(&dflt, COMP_ALGO_LZO));
    /* An algorithm in the own config (no allow-compression) accepts pushed compression. */
    struct comp_settings own = { COMP_ALGO_LZ4_V2, COMP_ALLOW_UNSET };
    assert_true(comp_push_acceptable(&own, COMP_ALGO_LZ4));
    struct comp_settings asym = { COMP_ALGO_NONE, COMP_ALLOW_ASYM };
    assert_true(comp_push_acceptable(&asym, COMP_ALGO_LZ4_V2));
    struct comp_settings no = { COMP_ALGO_STUB_V2, COMP_ALLOW_NO };
    assert_false(comp_push_acceptable(&no, COMP_ALGO_LZ4_V2));
    assert_false(comp_push_acceptable(&asym, (enum comp_algo)42));
}

static void init_rejects_bad_settings(void **state)
{
    (void)state;
    struct comp c;
    struct comp_settings s = { (enum comp_algo)99, COMP_ALLOW_UNSET };
    assert_int_equal(comp_init(&c, &s), COMP_ERR_BAD_SETTING);
    assert_int_equal(c.algo, COMP_ALGO_NONE);
    s = (struct comp_settings){ COMP_ALGO_LZ4, (enum comp_allow)7 };
    assert_int_equal(comp_init(&c, &s), COMP_ERR_BAD_SETTING);
    s = (struct comp_settings){ COMP_ALGO_LZ4_V2, COMP_ALLOW_NO };
    assert_int_equal(comp_init(&c, &s), COMP_ERR_POLICY);
    assert_false(c.recv_compressed);
    s = (struct comp_settings){ COMP_ALGO_STUB_V2, COMP_ALLOW_NO };
    assert_int_equal(comp_init(&c, &s), COMP_OK);
}

static void init_sets_directions(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_UNSET);
    assert_true(c.recv_compressed);
    assert_false(c.send_compressed);
    c = make(COMP_ALGO_LZ4, COMP_ALLOW_ASYM);
    assert_true(c.recv_compressed);
    assert_false(c.send_compressed);
    c = make(COMP_ALGO_LZ4, COMP_ALLOW_YES);
    assert_true(c.send_compressed);
    c = make(COMP_ALGO_LZO, COMP_ALLOW_YES);
    assert_true(c.recv_compressed);
    assert_false(c.send_compressed); /* never LZO */
    c = make(COMP_ALGO_STUB, COMP_ALLOW_YES);
    assert_false(c.recv_compressed);
    assert_false(c.send_compressed);
    assert_true(comp_has_framing(&c));
    c = make(COMP_ALGO_NONE, COMP_ALLOW_UNSET);
    assert_false(comp_has_framing(&c));
}

static void room_needs(void **state)
{
    (void)state;
    static const struct {
        enum comp_algo a;
        size_t head, tail;
    } t[] = {
        { COMP_ALGO_NONE, 0, 0 },   { COMP_ALGO_LZO_STUB, 1, 0 }, { COMP_ALGO_LZO, 1, 0 },
        { COMP_ALGO_STUB, 0, 1 },   { COMP_ALGO_LZ4, 0, 1 },      { COMP_ALGO_STUB_V2, 2, 0 },
        { COMP_ALGO_LZ4_V2, 2, 0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct comp c = make(t[i].a, COMP_ALLOW_UNSET);
        assert_int_equal(comp_headroom(&c), t[i].head);
        assert_int_equal(comp_tailroom(&c), t[i].tail);
        assert_true(comp_headroom(&c) + comp_tailroom(&c) <= COMP_MAX_OVERHEAD);
    }
}

static void strerror_covers_every_code(void **state)
{
    (void)state;
    for (int e = COMP_OK; e >= COMP_DROP_CORRUPT; e--)
        assert_string_not_equal(comp_strerror(e), "unknown error");
    assert_string_equal(comp_strerror(1), "unknown error");
    assert_string_equal(comp_strerror(-100), "unknown error");
}

/* ---- no framing ---- */

static void none_is_transparent(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_NONE, COMP_ALLOW_UNSET);
    struct pktbuf p;
    const uint8_t pkt[] = { 0x50, 0x01, 0xFA, 0x66 };
    load(&p, 0, pkt, sizeof(pkt));
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, pkt, sizeof(pkt));
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, pkt, sizeof(pkt));
    assert_int_equal(unframe_bytes(&c, &p, NULL, 0), COMP_OK);
    assert_int_equal(pktbuf_len(&p), 0);
}

/* ---- LZO family: FA / 66 ---- */

static void lzo_stub_frames_with_fa(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_LZO_STUB, COMP_ALLOW_UNSET);
    struct pktbuf p;
    const uint8_t pkt[] = { 0x45, 0x00, 0x00, 0x54 };
    const uint8_t framed[] = { 0xFA, 0x45, 0x00, 0x00, 0x54 };
    load(&p, HEAD, pkt, sizeof(pkt));
    uint8_t *before = pktbuf_data(&p);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, framed, sizeof(framed));
    assert_ptr_equal(pktbuf_data(&p), before - 1); /* prepended in the headroom, no copy */
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, pkt, sizeof(pkt));
    /* An empty payload is framed as the flag alone and comes back empty. */
    load(&p, HEAD, NULL, 0);
    assert_int_equal(comp_frame(&c, &p, NULL, 0), COMP_OK);
    assert_data(&p, "\xFA", 1);
    assert_int_equal(comp_unframe(&c, &p, NULL, 0), COMP_OK);
    assert_int_equal(pktbuf_len(&p), 0);
}

static void lzo_stub_refuses_other_flags(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_LZO_STUB, COMP_ALLOW_UNSET);
    struct pktbuf p;
    assert_int_equal(unframe_bytes(&c, &p, "\x66\x01\x02", 3), COMP_DROP_NOT_ALLOWED);
    assert_int_equal(unframe_bytes(&c, &p, "\xFB\x01\x02", 3), COMP_DROP_BAD_FLAG);
    assert_int_equal(unframe_bytes(&c, &p, "\x69\x01\x02", 3), COMP_DROP_BAD_FLAG);
    assert_int_equal(unframe_bytes(&c, &p, "\x45\x00", 2), COMP_DROP_BAD_FLAG);
    assert_int_equal(unframe_bytes(&c, &p, NULL, 0), COMP_DROP_TRUNCATED);
}

static void lzo_never_compresses_and_drops_lzo(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_LZO, COMP_ALLOW_YES);
    struct pktbuf p;
    load(&p, HEAD, ip_packet(BIGLEN), BIGLEN);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_len(&p), BIGLEN + 1);
    assert_int_equal(pktbuf_data(&p)[0], 0xFA);
    assert_memory_equal(pktbuf_data(&p) + 1, ip_packet(BIGLEN), BIGLEN);
    assert_int_equal(unframe_bytes(&c, &p, "\x66\x01\x02", 3), COMP_DROP_LZO_UNSUPPORTED);
    assert_int_equal(unframe_bytes(&c, &p, "\xFA\x01\x02", 3), COMP_OK);
    assert_data(&p, "\x01\x02", 2);
}

static void lzo_frame_without_headroom(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_LZO_STUB, COMP_ALLOW_UNSET);
    struct pktbuf p;
    load(&p, 0, "\x45\x00", 2);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_ERR_NO_ROOM);
    assert_data(&p, "\x45\x00", 2);
}

/* ---- v1 swap: FB / 69 ---- */

static void stub_swaps_first_byte_to_the_end(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_STUB, COMP_ALLOW_UNSET);
    struct pktbuf p;
    const uint8_t pkt[] = { 0x45, 0x00, 0x04, 0x04, 0x11 };
    const uint8_t framed[] = { 0xFB, 0x00, 0x04, 0x04, 0x11, 0x45 };
    load(&p, HEAD, pkt, sizeof(pkt));
    uint8_t *before = pktbuf_data(&p);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, framed, sizeof(framed));
    assert_ptr_equal(pktbuf_data(&p), before);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, pkt, sizeof(pkt));
    /* One byte: FB X. */
    load(&p, HEAD, "\x7e", 1);
    assert_int_equal(comp_frame(&c, &p, NULL, 0), COMP_OK);
    assert_data(&p, "\xFB\x7e", 2);
    assert_int_equal(comp_unframe(&c, &p, NULL, 0), COMP_OK);
    assert_data(&p, "\x7e", 1);
    /* Empty: the flag alone, back to empty. */
    load(&p, HEAD, NULL, 0);
    assert_int_equal(comp_frame(&c, &p, NULL, 0), COMP_OK);
    assert_data(&p, "\xFB", 1);
    assert_int_equal(comp_unframe(&c, &p, NULL, 0), COMP_OK);
    assert_int_equal(pktbuf_len(&p), 0);
}

static void stub_swap_needs_tailroom(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_STUB, COMP_ALLOW_UNSET);
    struct pktbuf p;
    pktbuf_init(&p, mem, 4, 0);
    memcpy(pktbuf_put(&p, 4), "\x45\x01\x02\x03", 4);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_ERR_NO_ROOM);
    assert_data(&p, "\x45\x01\x02\x03", 4);
    pktbuf_init(&p, mem, 0, 0);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_ERR_NO_ROOM);
}

static void stub_refuses_other_flags(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_STUB, COMP_ALLOW_UNSET);
    struct pktbuf p;
    assert_int_equal(unframe_bytes(&c, &p, "\x69\x01\x02", 3), COMP_DROP_NOT_ALLOWED);
    assert_int_equal(unframe_bytes(&c, &p, "\xFA\x01\x02", 3), COMP_DROP_BAD_FLAG);
    assert_int_equal(unframe_bytes(&c, &p, "\x66\x01\x02", 3), COMP_DROP_BAD_FLAG);
    assert_int_equal(unframe_bytes(&c, &p, NULL, 0), COMP_DROP_TRUNCATED);
}

/* Undoes the v1 swap by hand and checks the block is plain LZ4 of the original. */
static void assert_swapped_lz4_of(const struct pktbuf *p, const uint8_t *orig, size_t n)
{
    static uint8_t blk[MEMSZ], out[MEMSZ];
    size_t m = pktbuf_len(p) - 1;
    const uint8_t *d = pktbuf_data(p);
    assert_int_equal(d[0], 0x69);
    blk[0] = d[m];
    memcpy(blk + 1, d + 1, m - 1);
    assert_int_equal(LZ4_decompress_safe((const char *)blk, (char *)out, (int)m, sizeof(out)),
                     (int)n);
    assert_memory_equal(out, orig, n);
}

static void lz4_v1_round_trip(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4, COMP_ALLOW_YES);
    struct pktbuf p;
    memcpy(orig, ip_packet(BIGLEN), BIGLEN);
    load(&p, HEAD, orig, BIGLEN);
    uint8_t *before = pktbuf_data(&p);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_true(pktbuf_len(&p) < BIGLEN);
    assert_ptr_equal(pktbuf_data(&p), before);
    assert_swapped_lz4_of(&p, orig, BIGLEN);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
}

static void lz4_v1_incompressible_goes_as_stub(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4, COMP_ALLOW_YES);
    struct pktbuf p;
    memcpy(orig, noise(BIGLEN), BIGLEN);
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_len(&p), BIGLEN + 1);
    assert_int_equal(pktbuf_data(&p)[0], 0xFB);
    assert_memory_equal(pktbuf_data(&p) + 1, orig + 1, BIGLEN - 1);
    assert_int_equal(pktbuf_data(&p)[BIGLEN], orig[0]);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
}

static void lz4_v1_asym_sends_plain_receives_compressed(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ];
    struct comp yes = make(COMP_ALGO_LZ4, COMP_ALLOW_YES);
    struct comp asym = make(COMP_ALGO_LZ4, COMP_ALLOW_UNSET);
    struct pktbuf p;
    memcpy(orig, ip_packet(BIGLEN), BIGLEN);
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&asym, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[0], 0xFB);
    assert_int_equal(pktbuf_len(&p), BIGLEN + 1);
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&yes, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[0], 0x69);
    assert_int_equal(comp_unframe(&asym, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
    /* ...but a stub receiver refuses the same frame. */
    struct comp stub = make(COMP_ALGO_STUB, COMP_ALLOW_UNSET);
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&yes, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(comp_unframe(&stub, &p, scratch, sizeof(scratch)), COMP_DROP_NOT_ALLOWED);
}

static void lz4_threshold_and_missing_scratch(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4, COMP_ALLOW_YES);
    struct pktbuf p;
    memcpy(orig, ip_packet(COMP_THRESHOLD), COMP_THRESHOLD);
    load(&p, HEAD, orig, COMP_THRESHOLD - 1);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[0], 0xFB); /* 99 bytes: never compressed */
    load(&p, HEAD, orig, COMP_THRESHOLD);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[0], 0x69);
    load(&p, HEAD, orig, COMP_THRESHOLD);
    assert_int_equal(comp_frame(&c, &p, NULL, 0), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[0], 0xFB);
    /* A scratch too small for the block: sent uncompressed, not an error. */
    load(&p, HEAD, orig, COMP_THRESHOLD);
    assert_int_equal(comp_frame(&c, &p, scratch, 8), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[0], 0xFB);
}

/* ---- COMPRESS_V2: 50 xx ---- */

static void stub_v2_escapes_only_0x50(void **state)
{
    (void)state;
    struct comp c = make(COMP_ALGO_STUB_V2, COMP_ALLOW_UNSET);
    struct pktbuf p;
    load(&p, HEAD, "\x45\x00\x50", 3);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, "\x45\x00\x50", 3);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, "\x45\x00\x50", 3);

    load(&p, HEAD, "\x50\x01\x02", 3);
    uint8_t *before = pktbuf_data(&p);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, "\x50\x00\x50\x01\x02", 5);
    assert_ptr_equal(pktbuf_data(&p), before - 2);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, "\x50\x01\x02", 3);

    load(&p, 1, "\x50", 1);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_ERR_NO_ROOM);
    assert_data(&p, "\x50", 1);
    load(&p, HEAD, NULL, 0);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_len(&p), 0);
}

static void v2_receive_rules(void **state)
{
    (void)state;
    struct comp stub = make(COMP_ALGO_STUB_V2, COMP_ALLOW_UNSET);
    struct comp lz4 = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_UNSET);
    struct pktbuf p;
    assert_int_equal(unframe_bytes(&stub, &p, "\x50\x01\x10", 3), COMP_DROP_NOT_ALLOWED);
    for (unsigned alg = 2; alg <= 0xFF; alg++) {
        uint8_t f[3] = { 0x50, (uint8_t)alg, 0x00 };
        assert_int_equal(unframe_bytes(&stub, &p, f, 3), COMP_DROP_UNKNOWN_ALGO);
        assert_int_equal(unframe_bytes(&lz4, &p, f, 3), COMP_DROP_UNKNOWN_ALGO);
    }
    assert_int_equal(unframe_bytes(&stub, &p, "\x50", 1), COMP_DROP_TRUNCATED);
    assert_int_equal(unframe_bytes(&lz4, &p, "\x50", 1), COMP_DROP_TRUNCATED);
    assert_int_equal(unframe_bytes(&stub, &p, "\x50\x00", 2), COMP_OK);
    assert_int_equal(pktbuf_len(&p), 0);
    /* 50 01 with nothing after it is an empty LZ4 block: corrupt. */
    assert_int_equal(unframe_bytes(&lz4, &p, "\x50\x01", 2), COMP_DROP_CORRUPT);
    /* 50 01 00: the one-token block of an empty input. */
    assert_int_equal(unframe_bytes(&lz4, &p, "\x50\x01\x00", 3), COMP_OK);
    assert_int_equal(pktbuf_len(&p), 0);
    assert_int_equal(unframe_bytes(&lz4, &p, NULL, 0), COMP_OK);
    assert_int_equal(unframe_bytes(&lz4, &p, "\xFA\x45", 2), COMP_OK);
    assert_data(&p, "\xFA\x45", 2);
}

static void lz4_v2_round_trip(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ], out[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_YES);
    struct pktbuf p;
    memcpy(orig, ip_packet(BIGLEN), BIGLEN);
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    size_t n = pktbuf_len(&p);
    assert_true(n + 1 < BIGLEN);
    assert_int_equal(pktbuf_data(&p)[0], 0x50);
    assert_int_equal(pktbuf_data(&p)[1], 0x01);
    assert_int_equal(LZ4_decompress_safe((const char *)pktbuf_data(&p) + 2, (char *)out, (int)n - 2,
                                         sizeof(out)),
                     BIGLEN);
    assert_memory_equal(out, orig, BIGLEN);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
}

static void lz4_v2_incompressible_and_escaped(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_YES);
    struct pktbuf p;
    memcpy(orig, noise(BIGLEN), BIGLEN);
    orig[0] = 0x45;
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
    orig[0] = 0x50;
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_len(&p), BIGLEN + 2);
    assert_int_equal(pktbuf_data(&p)[0], 0x50);
    assert_int_equal(pktbuf_data(&p)[1], 0x00);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
    /* A compressible packet that starts with 0x50 is compressed, not escaped. */
    memcpy(orig, ip_packet(BIGLEN), BIGLEN);
    orig[0] = 0x50;
    load(&p, HEAD, orig, BIGLEN);
    assert_int_equal(comp_frame(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_int_equal(pktbuf_data(&p)[1], 0x01);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, orig, BIGLEN);
}

/* Noise of n bytes with `zeros` zero bytes at offset 50: LZ4 saves a byte or two at most. */
static size_t nearly_noise(uint8_t *out, size_t n, size_t zeros)
{
    static uint8_t blk[MEMSZ];
    memcpy(out, noise(n), n);
    out[0] = 0x45;
    memset(out + 50, 0, zeros);
    int m = LZ4_compress_default((const char *)out, (char *)blk, (int)n, sizeof(blk));
    assert_true(m > 0);
    return (size_t)m;
}

/* v1 compresses when compressed < original; v2 only when compressed + 2 < original. */
static void compression_must_pay_for_its_header(void **state)
{
    (void)state;
    static uint8_t orig[MEMSZ];
    struct comp v1 = make(COMP_ALGO_LZ4, COMP_ALLOW_YES);
    struct comp v2 = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_YES);
    struct pktbuf p;
    for (size_t zeros = 4; zeros < 40; zeros++) {
        size_t m = nearly_noise(orig, 200, zeros);
        load(&p, HEAD, orig, 200);
        assert_int_equal(comp_frame(&v1, &p, scratch, sizeof(scratch)), COMP_OK);
        assert_int_equal(pktbuf_data(&p)[0], m < 200 ? 0x69 : 0xFB);
        assert_int_equal(pktbuf_len(&p), m < 200 ? m + 1 : 201);
        assert_int_equal(comp_unframe(&v1, &p, scratch, sizeof(scratch)), COMP_OK);
        assert_data(&p, orig, 200);
        load(&p, HEAD, orig, 200);
        assert_int_equal(comp_frame(&v2, &p, scratch, sizeof(scratch)), COMP_OK);
        assert_int_equal(pktbuf_len(&p), m + 2 < 200 ? m + 2 : 200);
        assert_int_equal(pktbuf_data(&p)[0], m + 2 < 200 ? 0x50 : 0x45);
        assert_int_equal(comp_unframe(&v2, &p, scratch, sizeof(scratch)), COMP_OK);
        assert_data(&p, orig, 200);
    }
    /* The loop must have met both boundary cases (savings of 1 and 2 bytes). */
    assert_int_equal(nearly_noise(orig, 200, 8), 199);
    assert_int_equal(nearly_noise(orig, 200, 9), 198);
}

/* ---- hostile LZ4 blocks ---- */

/*
 * One literal 'A', then a match of offset 1 whose length is 4 + 15 + 255*k + last, then the
 * five closing literals LZ4 requires: decodes to 1 + 19 + 255*k + last + 5 bytes of 'A'.
 */
static size_t rle_block(uint8_t *out, size_t k, uint8_t last)
{
    size_t n = 0;
    out[n++] = 0x1F;
    out[n++] = 'A';
    out[n++] = 0x01;
    out[n++] = 0x00;
    for (size_t i = 0; i < k; i++)
        out[n++] = 0xFF;
    out[n++] = last;
    out[n++] = 0x50;
    memcpy(out + n, "AAAAA", 5);
    return n + 5;
}

static int unframe_v2_block(struct pktbuf *p, const uint8_t *blk, size_t n, size_t cap)
{
    static uint8_t frame[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_UNSET);
    frame[0] = 0x50;
    frame[1] = 0x01;
    memcpy(frame + 2, blk, n);
    load(p, HEAD, frame, n + 2);
    return comp_unframe(&c, p, scratch, cap);
}

static void lz4_bomb_is_dropped(void **state)
{
    (void)state;
    static uint8_t blk[MEMSZ], want[MEMSZ];
    struct pktbuf p;
    /* 8 extension bytes: 1 + 19 + 2040 + 0 + 5 = 2065 bytes > the 2030 bytes of room. */
    size_t n = rle_block(blk, 8, 0);
    memset(scratch, 0x77, sizeof(scratch));
    assert_int_equal(unframe_v2_block(&p, blk, n, sizeof(scratch)), COMP_DROP_TOO_BIG);
    assert_int_equal(scratch[0], 0x77); /* refused before anything was written */
    /* A real LZ4 block of 64 KiB of zeros. */
    static uint8_t zeros[65536];
    int m = LZ4_compress_default((const char *)zeros, (char *)blk, sizeof(zeros), sizeof(blk));
    assert_true(m > 0 && m < 400);
    assert_int_equal(unframe_v2_block(&p, blk, (size_t)m, sizeof(scratch)), COMP_DROP_TOO_BIG);
    /* The same small block decodes when it fits. */
    n = rle_block(blk, 3, 7);
    size_t size = 1 + 19 + 3 * 255 + 7 + 5;
    memset(want, 'A', size);
    assert_int_equal(unframe_v2_block(&p, blk, n, sizeof(scratch)), COMP_OK);
    assert_data(&p, want, size);
}

static void lz4_output_limit_is_exact(void **state)
{
    (void)state;
    static uint8_t blk[MEMSZ], want[MEMSZ];
    struct pktbuf p;
    size_t n = rle_block(blk, 2, 10);
    size_t size = 1 + 19 + 2 * 255 + 10 + 5;
    memset(want, 'A', size);
    assert_int_equal(unframe_v2_block(&p, blk, n, size), COMP_OK);
    assert_data(&p, want, size);
    assert_int_equal(unframe_v2_block(&p, blk, n, size - 1), COMP_DROP_TOO_BIG);
    assert_int_equal(unframe_v2_block(&p, blk, n, 0), COMP_DROP_TOO_BIG);
    /* The packet buffer's room is a limit too, whatever the scratch size. */
    static uint8_t frame[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4_V2, COMP_ALLOW_UNSET);
    frame[0] = 0x50;
    frame[1] = 0x01;
    memcpy(frame + 2, blk, n);
    pktbuf_init(&p, mem, HEAD + size + 1, HEAD); /* room after the header: size - 1 */
    memcpy(pktbuf_put(&p, n + 2), frame, n + 2);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_DROP_TOO_BIG);
    pktbuf_init(&p, mem, HEAD + size + 2, HEAD);
    memcpy(pktbuf_put(&p, n + 2), frame, n + 2);
    assert_int_equal(comp_unframe(&c, &p, scratch, sizeof(scratch)), COMP_OK);
    assert_data(&p, want, size);
    /* No scratch at all: every compressed packet is too big. */
    load(&p, HEAD, frame, n + 2);
    assert_int_equal(comp_unframe(&c, &p, NULL, 0), COMP_DROP_TOO_BIG);
}

static void lz4_corrupt_blocks(void **state)
{
    (void)state;
    static uint8_t blk[MEMSZ];
    struct pktbuf p;
    size_t n = rle_block(blk, 1, 0);
    /* offset 0 */
    blk[2] = 0x00;
    assert_int_equal(unframe_v2_block(&p, blk, n, sizeof(scratch)), COMP_DROP_CORRUPT);
    /* offset behind the start of the output */
    blk[2] = 0x02;
    assert_int_equal(unframe_v2_block(&p, blk, n, sizeof(scratch)), COMP_DROP_CORRUPT);
    blk[2] = 0x01;
    /* cut inside the closing literals, the offset, and the first literal */
    assert_int_equal(unframe_v2_block(&p, blk, n - 1, sizeof(scratch)), COMP_DROP_CORRUPT);
    assert_int_equal(unframe_v2_block(&p, blk, 3, sizeof(scratch)), COMP_DROP_CORRUPT);
    assert_int_equal(unframe_v2_block(&p, blk, 1, sizeof(scratch)), COMP_DROP_CORRUPT);
    /* cut inside the match-length extension bytes */
    n = rle_block(blk, 4, 0);
    assert_int_equal(unframe_v2_block(&p, blk, 6, sizeof(scratch)), COMP_DROP_CORRUPT);
    /* a literal length running past the end */
    assert_int_equal(unframe_v2_block(&p, (const uint8_t *)"\x30\x41", 2, sizeof(scratch)),
                     COMP_DROP_CORRUPT);
    /* a block ending with a match violates LZ4's end rules: caught by LZ4 itself */
    const uint8_t short_end[] = { 0x10, 'A', 0x01, 0x00, 0x00 };
    assert_int_equal(unframe_v2_block(&p, short_end, sizeof(short_end), sizeof(scratch)),
                     COMP_DROP_CORRUPT);
}

static void lz4_v1_corrupt_and_bomb(void **state)
{
    (void)state;
    static uint8_t blk[MEMSZ], frame[MEMSZ];
    struct comp c = make(COMP_ALGO_LZ4, COMP_ALLOW_UNSET);
    struct pktbuf p;
    size_t n = rle_block(blk, 9, 0);
    frame[0] = 0x69;
    memcpy(frame + 1, blk + 1, n - 1);
    frame[n] = blk[0];
    assert_int_equal(unframe_bytes(&c, &p, frame, n + 1), COMP_DROP_TOO_BIG);
    assert_int_equal(unframe_bytes(&c, &p, "\x69", 1), COMP_DROP_CORRUPT);
    assert_int_equal(unframe_bytes(&c, &p, "\x69\x41\x30", 3), COMP_DROP_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_follows_allow_compression),
        cmocka_unit_test(push_acceptance),
        cmocka_unit_test(init_rejects_bad_settings),
        cmocka_unit_test(init_sets_directions),
        cmocka_unit_test(room_needs),
        cmocka_unit_test(strerror_covers_every_code),
        cmocka_unit_test(none_is_transparent),
        cmocka_unit_test(lzo_stub_frames_with_fa),
        cmocka_unit_test(lzo_stub_refuses_other_flags),
        cmocka_unit_test(lzo_never_compresses_and_drops_lzo),
        cmocka_unit_test(lzo_frame_without_headroom),
        cmocka_unit_test(stub_swaps_first_byte_to_the_end),
        cmocka_unit_test(stub_swap_needs_tailroom),
        cmocka_unit_test(stub_refuses_other_flags),
        cmocka_unit_test(lz4_v1_round_trip),
        cmocka_unit_test(lz4_v1_incompressible_goes_as_stub),
        cmocka_unit_test(lz4_v1_asym_sends_plain_receives_compressed),
        cmocka_unit_test(lz4_threshold_and_missing_scratch),
        cmocka_unit_test(stub_v2_escapes_only_0x50),
        cmocka_unit_test(v2_receive_rules),
        cmocka_unit_test(lz4_v2_round_trip),
        cmocka_unit_test(lz4_v2_incompressible_and_escaped),
        cmocka_unit_test(compression_must_pay_for_its_header),
        cmocka_unit_test(lz4_bomb_is_dropped),
        cmocka_unit_test(lz4_output_limit_is_exact),
        cmocka_unit_test(lz4_corrupt_blocks),
        cmocka_unit_test(lz4_v1_corrupt_and_bomb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
