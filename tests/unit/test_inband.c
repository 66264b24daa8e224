/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "inband.h"

static const uint8_t ping[16] = { 0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
                                  0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48 };
static const uint8_t occ[16] = { 0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
                                 0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c };

static size_t occ_msg(uint8_t *out, uint8_t type, const void *args, size_t n)
{
    memcpy(out, occ, 16);
    out[16] = type;
    if (n > 0)
        memcpy(out + 17, args, n);
    return 17 + n;
}

static void magics_match_the_doc(void **state)
{
    (void)state;
    assert_memory_equal(inband_ping_magic, ping, 16);
    assert_memory_equal(inband_occ_magic, occ, 16);
}

static void classify_ping_needs_exact_length(void **state)
{
    (void)state;
    uint8_t b[32];
    memcpy(b, ping, 16);
    assert_int_equal(inband_classify(b, 16), INBAND_PING);
    b[16] = 0;
    assert_int_equal(inband_classify(b, 17), INBAND_DATA);
    assert_int_equal(inband_classify(b, 15), INBAND_DATA);
    b[15] ^= 1;
    assert_int_equal(inband_classify(b, 16), INBAND_DATA);
    assert_int_equal(inband_classify(NULL, 0), INBAND_DATA);
    assert_int_equal(inband_classify((const uint8_t *)"\x45", 1), INBAND_DATA);
}

static void classify_occ_by_prefix(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = occ_msg(b, INBAND_OCC_EXIT, NULL, 0);
    assert_int_equal(inband_classify(b, n), INBAND_OCC);
    assert_int_equal(inband_classify(b, 16), INBAND_OCC); /* magic alone: still OCC (dropped) */
    assert_int_equal(inband_classify(b, 15), INBAND_DATA);
    memset(b + 17, 0xAA, 40);
    assert_int_equal(inband_classify(b, 57), INBAND_OCC);
    b[0] ^= 0x80;
    assert_int_equal(inband_classify(b, 57), INBAND_DATA);
}

static void parse_exit_and_request(void **state)
{
    (void)state;
    uint8_t b[64];
    struct inband_occ m;
    size_t n = occ_msg(b, 6, NULL, 0);
    assert_int_equal(n, 17);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.type, INBAND_OCC_EXIT);
    n = occ_msg(b, 0, NULL, 0);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.type, INBAND_OCC_REQUEST);
    n = occ_msg(b, 4, "xyz", 3); /* trailing bytes are ignored */
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.type, INBAND_OCC_MTU_REQUEST);
}

static void parse_reply_string(void **state)
{
    (void)state;
    uint8_t b[128];
    struct inband_occ m;
    const char opts[] = "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4";
    size_t n = occ_msg(b, 1, opts, sizeof(opts)); /* with the NUL */
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.type, INBAND_OCC_REPLY);
    assert_int_equal(m.options_len, strlen(opts));
    assert_memory_equal(m.options, opts, strlen(opts));
    assert_int_equal(inband_occ_parse(b, n - 1, &m), INBAND_ERR_STRING); /* NUL missing */
    n = occ_msg(b, 1, "", 1);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.options_len, 0);
    n = occ_msg(b, 1, "ab\0cd", 5); /* stops at the first NUL */
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.options_len, 2);
    assert_int_equal(inband_occ_parse(b, 17, &m), INBAND_ERR_STRING);
}

static void parse_mtu_messages(void **state)
{
    (void)state;
    uint8_t b[64];
    struct inband_occ m;
    size_t n = occ_msg(b, 2, "\x05\xdc", 2);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.load_size, 1500);
    assert_int_equal(inband_occ_parse(b, n - 1, &m), INBAND_ERR_TRUNCATED);
    n = occ_msg(b, 5, "\x05\xdc\x05\x78", 4);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.mtu_recv_max, 1500);
    assert_int_equal(m.mtu_sent_max, 1400);
    assert_int_equal(inband_occ_parse(b, n - 1, &m), INBAND_ERR_TRUNCATED);
    n = occ_msg(b, 3, "filler", 6);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_OK);
    assert_int_equal(m.filler_len, 6);
    assert_memory_equal(m.filler, "filler", 6);
}

static void parse_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t b[64];
    struct inband_occ m;
    size_t n = occ_msg(b, 7, NULL, 0);
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_ERR_TYPE);
    b[16] = 0xFF;
    assert_int_equal(inband_occ_parse(b, n, &m), INBAND_ERR_TYPE);
    assert_int_equal(inband_occ_parse(b, 16, &m), INBAND_ERR_TRUNCATED);
    assert_int_equal(inband_occ_parse(b, 15, &m), INBAND_ERR_NOT_OCC);
    assert_int_equal(inband_occ_parse(NULL, 0, &m), INBAND_ERR_NOT_OCC);
    assert_int_equal(inband_occ_parse(ping, 16, &m), INBAND_ERR_NOT_OCC);
}

static void build_ping_and_exit(void **state)
{
    (void)state;
    uint8_t out[32], want[32];
    struct buf_writer w;
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(inband_ping_build(&w), INBAND_OK);
    assert_int_equal(buf_writer_len(&w), 16);
    assert_memory_equal(out, ping, 16);
    assert_int_equal(inband_classify(out, 16), INBAND_PING);

    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(inband_exit_build(&w), INBAND_OK);
    assert_int_equal(buf_writer_len(&w), 17);
    occ_msg(want, 6, NULL, 0);
    assert_memory_equal(out, want, 17);

    buf_writer_init(&w, out, 16);
    assert_int_equal(inband_exit_build(&w), INBAND_ERR_NO_ROOM);
    assert_int_equal(buf_writer_len(&w), 0);
    buf_writer_init(&w, out, 15);
    assert_int_equal(inband_ping_build(&w), INBAND_ERR_NO_ROOM);
    assert_int_equal(buf_writer_len(&w), 0);
}

static void build_round_trips(void **state)
{
    (void)state;
    uint8_t out[128];
    struct buf_writer w;
    struct inband_occ in[] = {
        { .type = INBAND_OCC_REQUEST },
        { .type = INBAND_OCC_REPLY, .options = "V4,tls-server", .options_len = 13 },
        { .type = INBAND_OCC_REPLY, .options = NULL, .options_len = 0 },
        { .type = INBAND_OCC_MTU_LOAD_REQUEST, .load_size = 0x1234 },
        { .type = INBAND_OCC_MTU_LOAD, .filler = (const uint8_t *)"zzzz", .filler_len = 4 },
        { .type = INBAND_OCC_MTU_REQUEST },
        { .type = INBAND_OCC_MTU_REPLY, .mtu_recv_max = 1500, .mtu_sent_max = 1300 },
        { .type = INBAND_OCC_EXIT },
    };
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        struct inband_occ m;
        buf_writer_init(&w, out, sizeof(out));
        assert_int_equal(inband_occ_build(&w, &in[i]), INBAND_OK);
        assert_int_equal(buf_writer_len(&w), inband_occ_size(&in[i]));
        assert_int_equal(inband_occ_parse(out, buf_writer_len(&w), &m), INBAND_OK);
        assert_int_equal(m.type, in[i].type);
        assert_int_equal(m.options_len, in[i].options_len);
        assert_int_equal(m.load_size, in[i].load_size);
        assert_int_equal(m.filler_len, in[i].filler_len);
        assert_int_equal(m.mtu_recv_max, in[i].mtu_recv_max);
        assert_int_equal(m.mtu_sent_max, in[i].mtu_sent_max);
        /* One byte short: refused, nothing written. */
        buf_writer_init(&w, out, inband_occ_size(&in[i]) - 1);
        assert_int_equal(inband_occ_build(&w, &in[i]), INBAND_ERR_NO_ROOM);
        assert_int_equal(buf_writer_len(&w), 0);
    }
}

static void build_rejects_bad_messages(void **state)
{
    (void)state;
    uint8_t out[64];
    struct buf_writer w;
    buf_writer_init(&w, out, sizeof(out));
    struct inband_occ m = { .type = (enum inband_occ_type)7 };
    assert_int_equal(inband_occ_build(&w, &m), INBAND_ERR_TYPE);
    assert_int_equal(inband_occ_size(&m), 0);
    m = (struct inband_occ){ .type = INBAND_OCC_REPLY, .options = "a\0b", .options_len = 3 };
    assert_int_equal(inband_occ_build(&w, &m), INBAND_ERR_STRING);
    m = (struct inband_occ){ .type = INBAND_OCC_REPLY, .options = NULL, .options_len = 3 };
    assert_int_equal(inband_occ_build(&w, &m), INBAND_ERR_STRING);
    m = (struct inband_occ){ .type = INBAND_OCC_REPLY, .options = "x", .options_len = SIZE_MAX };
    assert_int_equal(inband_occ_build(&w, &m), INBAND_ERR_NO_ROOM);
    assert_int_equal(inband_occ_size(&m), 0);
    m = (struct inband_occ){ .type = INBAND_OCC_MTU_LOAD, .filler = NULL, .filler_len = 2 };
    assert_int_equal(inband_occ_build(&w, &m), INBAND_ERR_TRUNCATED);
    assert_int_equal(buf_writer_len(&w), 0);
    /* A writer that already failed stays untouched. */
    buf_writer_init(&w, out, 1);
    buf_write_u16(&w, 1);
    assert_int_equal(inband_exit_build(&w), INBAND_ERR_NO_ROOM);
    assert_int_equal(inband_ping_build(&w), INBAND_ERR_NO_ROOM);
}

static void strerror_covers_every_code(void **state)
{
    (void)state;
    for (int e = INBAND_OK; e >= INBAND_ERR_NO_ROOM; e--)
        assert_string_not_equal(inband_strerror(e), "unknown error");
    assert_string_equal(inband_strerror(-99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(magics_match_the_doc),
        cmocka_unit_test(classify_ping_needs_exact_length),
        cmocka_unit_test(classify_occ_by_prefix),
        cmocka_unit_test(parse_exit_and_request),
        cmocka_unit_test(parse_reply_string),
        cmocka_unit_test(parse_mtu_messages),
        cmocka_unit_test(parse_rejects_bad_input),
        cmocka_unit_test(build_ping_and_exit),
        cmocka_unit_test(build_round_trips),
        cmocka_unit_test(build_rejects_bad_messages),
        cmocka_unit_test(strerror_covers_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
