/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "wire.h"

/* Real captures, protocol-control.md §2.2 (plain mode). */
static const uint8_t reset_client[14] = { 0x38, 0xc3, 0x9d, 0x76, 0x2d, 0x09, 0xb9,
                                          0xe2, 0xcf, 0x00, 0x00, 0x00, 0x00, 0x00 };

static const uint8_t reset_server[26] = { 0x40, 0x9e, 0x1a, 0xb7, 0x15, 0xb5, 0x07, 0xd8, 0x50,
                                          0x01, 0x00, 0x00, 0x00, 0x00, 0xc3, 0x9d, 0x76, 0x2d,
                                          0x09, 0xb9, 0xe2, 0xcf, 0x00, 0x00, 0x00, 0x00 };

/* P_CONTROL_V1 header plus the first 6 bytes of the ClientHello (the capture is 303 bytes). */
static const uint8_t control_v1[28] = { 0x20, 0xc3, 0x9d, 0x76, 0x2d, 0x09, 0xb9, 0xe2, 0xcf, 0x01,
                                        0x00, 0x00, 0x00, 0x00, 0x9e, 0x1a, 0xb7, 0x15, 0xb5, 0x07,
                                        0xd8, 0x50, 0x00, 0x00, 0x00, 0x01, 0x16, 0x03 };
static const uint8_t hello_start[2] = { 0x16, 0x03 };

static const uint8_t ack_v1[26] = { 0x28, 0xc3, 0x9d, 0x76, 0x2d, 0x09, 0xb9, 0xe2, 0xcf,
                                    0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                    0x9e, 0x1a, 0xb7, 0x15, 0xb5, 0x07, 0xd8, 0x50 };

static const struct wire_sid client_sid = { { 0xc3, 0x9d, 0x76, 0x2d, 0x09, 0xb9, 0xe2, 0xcf } };
static const struct wire_sid server_sid = { { 0x9e, 0x1a, 0xb7, 0x15, 0xb5, 0x07, 0xd8, 0x50 } };

/* tls-auth test vector, §3.4: op | sid | HMAC-SHA1 | replay id | time | n=0 | msg-id 0. */
static const uint8_t tls_auth_reset[42] = { 0x38, 0xef, 0xdd, 0x43, 0x4f, 0x3a, 0x49, 0x45, 0x21,
                                            0x1c, 0x31, 0x0e, 0x8e, 0xc1, 0x8d, 0xe2, 0x2d, 0xd5,
                                            0x56, 0xd8, 0xdd, 0x90, 0x9f, 0x86, 0x90, 0xdf, 0x77,
                                            0x05, 0x1a, 0x00, 0x00, 0x00, 0x01, 0x6b, 0x03, 0x3a,
                                            0xff, 0x00, 0x00, 0x00, 0x00, 0x00 };

static void expect_sid(const struct wire_sid *got, const struct wire_sid *want)
{
    assert_memory_equal(got->bytes, want->bytes, WIRE_SID_LEN);
}

/* Builds c into a buffer exactly as long as want and compares byte for byte. */
static void expect_build(const struct wire_control *c, const uint8_t *want, size_t len)
{
    uint8_t out[64];
    struct buf_writer w;

    assert_true(len <= sizeof(out));
    assert_int_equal(wire_control_size(c), len);
    buf_writer_init(&w, out, len);
    assert_int_equal(wire_control_build(&w, c), WIRE_OK);
    assert_int_equal(buf_writer_len(&w), len);
    assert_memory_equal(out, want, len);
}

/* ---- first byte ---- */

static void test_op_byte_split_join(void **state)
{
    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        uint8_t op = wire_opcode_of((uint8_t)b), key = wire_key_id_of((uint8_t)b);
        assert_int_equal(op, b >> 3);
        assert_int_equal(key, b & 7);
        assert_int_equal(wire_op_byte(op, key), b);
    }
    assert_int_equal(wire_op_byte(WIRE_P_CONTROL_HARD_RESET_CLIENT_V2, 0), 0x38);
    assert_int_equal(wire_op_byte(WIRE_P_DATA_V2, 1), 0x49);
    assert_int_equal(wire_op_byte(WIRE_P_CONTROL_WKC_V1, 0), 0x58);
}

static void test_classification(void **state)
{
    (void)state;
    for (unsigned op = 0; op <= WIRE_OPCODE_MAX; op++) {
        bool ctl = op == 3 || op == 4 || op == 5 || op == 7 || op == 8 || op == 10 || op == 11;
        bool data = op == 6 || op == 9;
        assert_int_equal(wire_op_is_control((uint8_t)op), ctl);
        assert_int_equal(wire_op_is_data((uint8_t)op), data);
        assert_int_equal(wire_op_valid_for_server((uint8_t)op), (ctl || data) && op != 8);
        assert_int_equal(wire_op_valid_for_client((uint8_t)op),
                         (ctl || data) && op != 7 && op != 10 && op != 11);
        int want = ctl                    ? WIRE_OK
                   : data                 ? WIRE_ERR_NOT_CONTROL
                   : (op == 1 || op == 2) ? WIRE_ERR_KEY_METHOD_1
                                          : WIRE_ERR_BAD_OPCODE;
        assert_int_equal(wire_op_check_control((uint8_t)op), want);
    }
}

static void test_first_byte(void **state)
{
    uint8_t op = 0xAA, key = 0xAA, b;
    (void)state;

    assert_int_equal(wire_first_byte(NULL, 0, &op, &key), WIRE_ERR_TRUNCATED);
    b = 0x4f;
    assert_int_equal(wire_first_byte(&b, 1, &op, &key), WIRE_OK);
    assert_int_equal(op, WIRE_P_DATA_V2);
    assert_int_equal(key, 7);
    b = 0x08;
    assert_int_equal(wire_first_byte(&b, 1, &op, &key), WIRE_ERR_KEY_METHOD_1);
    b = 0x10;
    assert_int_equal(wire_first_byte(&b, 1, &op, &key), WIRE_ERR_KEY_METHOD_1);
    b = 0x07;
    assert_int_equal(wire_first_byte(&b, 1, &op, &key), WIRE_ERR_BAD_OPCODE);
    b = 12 << 3;
    assert_int_equal(wire_first_byte(&b, 1, &op, &key), WIRE_ERR_BAD_OPCODE);
    b = 0xff;
    assert_int_equal(wire_first_byte(&b, 1, &op, &key), WIRE_ERR_BAD_OPCODE);
}

static void test_key_id_next(void **state)
{
    static const uint8_t want[8] = { 1, 2, 3, 4, 5, 6, 7, 1 };
    uint8_t k = 1;
    (void)state;

    for (uint8_t i = 0; i < 8; i++)
        assert_int_equal(wire_key_id_next(i), want[i]);
    /* [W] observed 1 -> 7 -> 1 -> 2; 0 never comes back. */
    for (int i = 0; i < 20; i++) {
        k = wire_key_id_next(k);
        assert_true(k >= 1 && k <= 7);
    }
}

/* ---- the four real packets ---- */

static void test_real_reset_client(void **state)
{
    struct wire_control c;
    (void)state;

    assert_int_equal(wire_control_parse(reset_client, sizeof(reset_client), &c), WIRE_OK);
    assert_int_equal(c.opcode, WIRE_P_CONTROL_HARD_RESET_CLIENT_V2);
    assert_int_equal(c.key_id, 0);
    expect_sid(&c.sid, &client_sid);
    assert_int_equal(c.ack.n, 0);
    assert_int_equal(c.msg_id, 0);
    assert_int_equal(c.payload_len, 0);
    expect_build(&c, reset_client, sizeof(reset_client));
}

static void test_real_reset_server(void **state)
{
    struct wire_control c;
    (void)state;

    assert_int_equal(wire_control_parse(reset_server, sizeof(reset_server), &c), WIRE_OK);
    assert_int_equal(c.opcode, WIRE_P_CONTROL_HARD_RESET_SERVER_V2);
    assert_int_equal(c.key_id, 0);
    expect_sid(&c.sid, &server_sid);
    assert_int_equal(c.ack.n, 1);
    assert_int_equal(c.ack.ids[0], 0);
    expect_sid(&c.ack.remote_sid, &client_sid);
    assert_int_equal(c.msg_id, 0);
    assert_int_equal(c.payload_len, 0);
    expect_build(&c, reset_server, sizeof(reset_server));
}

static void test_real_control_v1(void **state)
{
    struct wire_control c;
    (void)state;

    assert_int_equal(wire_control_parse(control_v1, sizeof(control_v1), &c), WIRE_OK);
    assert_int_equal(c.opcode, WIRE_P_CONTROL_V1);
    expect_sid(&c.sid, &client_sid);
    assert_int_equal(c.ack.n, 1);
    assert_int_equal(c.ack.ids[0], 0);
    expect_sid(&c.ack.remote_sid, &server_sid);
    assert_int_equal(c.msg_id, 1);
    assert_int_equal(c.payload_len, 2);
    assert_memory_equal(c.payload, hello_start, 2);
    expect_build(&c, control_v1, sizeof(control_v1));

    /* Built from scratch, not from the parse result. */
    struct wire_control b = { .opcode = WIRE_P_CONTROL_V1,
                              .sid = client_sid,
                              .ack = { .n = 1, .ids = { 0 }, .remote_sid = server_sid },
                              .msg_id = 1,
                              .payload = hello_start,
                              .payload_len = sizeof(hello_start) };
    expect_build(&b, control_v1, sizeof(control_v1));
}

static void test_real_ack(void **state)
{
    struct wire_control c;
    (void)state;

    assert_int_equal(wire_control_parse(ack_v1, sizeof(ack_v1), &c), WIRE_OK);
    assert_int_equal(c.opcode, WIRE_P_ACK_V1);
    expect_sid(&c.sid, &client_sid);
    assert_int_equal(c.ack.n, 2);
    assert_int_equal(c.ack.ids[0], 1);
    assert_int_equal(c.ack.ids[1], 0);
    expect_sid(&c.ack.remote_sid, &server_sid);
    assert_int_equal(c.payload_len, 0);

    struct wire_control b = { .opcode = WIRE_P_ACK_V1,
                              .sid = client_sid,
                              .ack = { .n = 2, .ids = { 1, 0 }, .remote_sid = server_sid },
                              .msg_id = 0xdeadbeef /* absent on the wire, must be ignored */ };
    expect_build(&b, ack_v1, sizeof(ack_v1));
}

/* ---- truncation at every field boundary ---- */

/*
 * Every prefix shorter than the fixed part (head, ack block, msg-id) must be TRUNCATED; every
 * longer one is the same packet with a shorter payload, which the format allows.
 */
static void check_prefixes(const uint8_t *pkt, size_t len)
{
    struct wire_control full, c;

    assert_int_equal(wire_control_parse(pkt, len, &full), WIRE_OK);
    size_t fixed = len - full.payload_len;
    for (size_t p = 0; p <= len; p++) {
        int rc = wire_control_parse(pkt, p, &c);
        if (p < fixed) {
            assert_int_equal(rc, WIRE_ERR_TRUNCATED);
            continue;
        }
        assert_int_equal(rc, WIRE_OK);
        assert_int_equal(c.payload_len, p - fixed);
        assert_int_equal(c.ack.n, full.ack.n);
        assert_int_equal(c.msg_id, full.msg_id);
    }
}

static void test_truncation_every_prefix(void **state)
{
    (void)state;
    check_prefixes(reset_client, sizeof(reset_client));
    check_prefixes(reset_server, sizeof(reset_server));
    check_prefixes(control_v1, sizeof(control_v1));
    check_prefixes(ack_v1, sizeof(ack_v1));
}

static void test_truncation_fixed_sizes(void **state)
{
    static const uint8_t ack0[10] = { 0x28, 1, 2, 3, 4, 5, 6, 7, 8, 0 };
    struct wire_control c;
    (void)state;

    /* n = 0 and no payload: 14 bytes for a control packet, 10 for P_ACK_V1. */
    assert_int_equal(wire_control_parse(reset_client, 13, &c), WIRE_ERR_TRUNCATED);
    assert_int_equal(wire_control_parse(reset_client, 14, &c), WIRE_OK);
    assert_int_equal(wire_control_parse(ack0, 9, &c), WIRE_ERR_TRUNCATED);
    assert_int_equal(wire_control_parse(ack0, 10, &c), WIRE_OK);
    assert_int_equal(c.ack.n, 0);
    assert_int_equal(c.payload_len, 0);
    check_prefixes(ack0, sizeof(ack0));
    /* n = 8 needs 1 + 8 + 1 + 32 + 8 (+ 4) bytes. */
    uint8_t big[64] = { 0x20, 1, 1, 1, 1, 1, 1, 1, 1, 8 };
    memset(big + 42, 0x77, 8);
    assert_int_equal(wire_control_parse(big, 54, &c), WIRE_OK);
    assert_int_equal(c.ack.n, 8);
    check_prefixes(big, sizeof(big));
    big[0] = 0x28;
    assert_int_equal(wire_control_parse(big, 50, &c), WIRE_OK);
    assert_int_equal(wire_control_parse(big, 49, &c), WIRE_ERR_TRUNCATED);
}

/* ---- bad input ---- */

static void test_ack_count_rejected(void **state)
{
    uint8_t pkt[80];
    struct wire_control c;
    (void)state;

    memset(pkt, 0x11, sizeof(pkt));
    pkt[0] = 0x20;
    for (unsigned n = 9; n <= 255; n++) {
        pkt[9] = (uint8_t)n;
        assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_ACK_COUNT);
        /* The count is refused before the missing ids are noticed. */
        assert_int_equal(wire_control_parse(pkt, 10, &c), WIRE_ERR_ACK_COUNT);
    }
    pkt[9] = 8;
    assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_OK);
}

static void test_zero_sid(void **state)
{
    uint8_t pkt[26];
    struct wire_control c;
    (void)state;

    memcpy(pkt, reset_server, sizeof(pkt));
    memset(pkt + 1, 0, 8);
    assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_ZERO_SID);
    memcpy(pkt, reset_server, sizeof(pkt));
    memset(pkt + 14, 0, 8); /* remote session id */
    assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_ZERO_SID);
    /* One non-zero byte anywhere is enough. */
    pkt[21] = 1;
    assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_OK);
}

static void test_bad_opcodes(void **state)
{
    uint8_t pkt[26];
    struct wire_control c;
    (void)state;

    memcpy(pkt, reset_server, sizeof(pkt));
    for (unsigned key = 0; key < 8; key++) {
        pkt[0] = (uint8_t)key;
        assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_BAD_OPCODE);
        for (unsigned op = 12; op <= 31; op++) {
            pkt[0] = (uint8_t)(op << 3 | key);
            assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_BAD_OPCODE);
        }
        pkt[0] = (uint8_t)(1 << 3 | key);
        assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_KEY_METHOD_1);
        pkt[0] = (uint8_t)(2 << 3 | key);
        assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_KEY_METHOD_1);
        pkt[0] = (uint8_t)(6 << 3 | key);
        assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_NOT_CONTROL);
        pkt[0] = (uint8_t)(9 << 3 | key);
        assert_int_equal(wire_control_parse(pkt, sizeof(pkt), &c), WIRE_ERR_NOT_CONTROL);
    }
    /* Opcode is checked on the first byte alone. */
    pkt[0] = 0x08;
    assert_int_equal(wire_control_parse(pkt, 1, &c), WIRE_ERR_KEY_METHOD_1);
    pkt[0] = 0x20;
    assert_int_equal(wire_control_parse(pkt, 1, &c), WIRE_ERR_TRUNCATED);
}

/* ---- builders ---- */

static void check_no_room(const uint8_t *pkt, size_t len)
{
    struct wire_control c;
    uint8_t out[64];
    struct buf_writer w;

    assert_int_equal(wire_control_parse(pkt, len, &c), WIRE_OK);
    for (size_t cap = 0; cap < len; cap++) {
        memset(out, 0xEE, sizeof(out));
        buf_writer_init(&w, out, cap);
        assert_int_equal(wire_control_build(&w, &c), WIRE_ERR_NO_ROOM);
        assert_false(buf_writer_ok(&w));
        assert_int_equal(buf_writer_len(&w), 0);
        assert_int_equal(out[0], 0xEE); /* nothing written */
    }
    /* A writer that already holds bytes: the packet must fit in what is left. */
    buf_writer_init(&w, out, len + 3);
    buf_write_u32(&w, 0);
    assert_int_equal(wire_control_build(&w, &c), WIRE_ERR_NO_ROOM);
    buf_writer_init(&w, out, len + 3);
    buf_write_u8(&w, 0);
    buf_write_u16(&w, 0);
    assert_int_equal(wire_control_build(&w, &c), WIRE_OK);
    assert_memory_equal(out + 3, pkt, len);
}

static void test_build_no_room(void **state)
{
    struct buf_writer w;
    uint8_t out[8];
    struct wire_control c;
    (void)state;

    check_no_room(reset_client, sizeof(reset_client));
    check_no_room(reset_server, sizeof(reset_server));
    check_no_room(control_v1, sizeof(control_v1));
    check_no_room(ack_v1, sizeof(ack_v1));
    /* A writer that already failed stays failed. */
    assert_int_equal(wire_control_parse(reset_client, sizeof(reset_client), &c), WIRE_OK);
    buf_writer_init(&w, out, sizeof(out));
    buf_write_bytes(&w, out, 9);
    assert_int_equal(wire_control_head_build(&w, &c), WIRE_ERR_NO_ROOM);
}

static void test_build_invalid(void **state)
{
    uint8_t out[64];
    struct buf_writer w;
    struct wire_control c;
    (void)state;

    assert_int_equal(wire_control_parse(reset_server, sizeof(reset_server), &c), WIRE_OK);
    buf_writer_init(&w, out, sizeof(out));

    struct wire_control bad = c;
    bad.key_id = 8;
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_RANGE);
    bad = c;
    bad.opcode = 1;
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_KEY_METHOD_1);
    bad.opcode = 12;
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_BAD_OPCODE);
    bad.opcode = WIRE_P_DATA_V2;
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_NOT_CONTROL);
    bad = c;
    bad.ack.n = 9;
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_ACK_COUNT);
    bad.ack.n = 255;
    assert_int_equal(wire_control_rest_build(&w, &bad), WIRE_ERR_ACK_COUNT);
    bad = c;
    memset(&bad.sid, 0, sizeof(bad.sid));
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_ZERO_SID);
    bad = c;
    memset(&bad.ack.remote_sid, 0, sizeof(bad.ack.remote_sid));
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_ZERO_SID);
    bad.ack.n = 0; /* remote sid is not sent, so not checked */
    assert_int_equal(wire_control_build(&w, &bad), WIRE_OK);
    assert_int_equal(buf_writer_len(&w), 14);
    bad = c;
    bad.payload = NULL;
    bad.payload_len = 3;
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_RANGE);
    bad.payload_len = SIZE_MAX;
    bad.payload = out;
    assert_int_equal(wire_control_size(&bad), SIZE_MAX);
    assert_int_equal(wire_control_build(&w, &bad), WIRE_ERR_NO_ROOM);
    /* Validation failures before that wrote nothing. */
    assert_int_equal(buf_writer_len(&w), 14);
}

/* ---- the split API the wrappers use ---- */

static void test_tls_auth_layout(void **state)
{
    struct buf_reader r;
    struct wire_control c;
    struct wire_replay_id rid;
    const uint8_t *hmac;
    uint8_t out[64];
    struct buf_writer w;
    (void)state;

    buf_reader_init(&r, tls_auth_reset, sizeof(tls_auth_reset));
    assert_int_equal(wire_control_head_parse(&r, &c), WIRE_OK);
    assert_int_equal(c.opcode, WIRE_P_CONTROL_HARD_RESET_CLIENT_V2);
    hmac = buf_read_view(&r, 20);
    assert_non_null(hmac);
    assert_int_equal(wire_replay_id_parse(&r, &rid), WIRE_OK);
    assert_int_equal(rid.id, 1);
    assert_int_equal(rid.time, 0x6b033aff);
    assert_int_equal(wire_control_rest_parse(&r, &c), WIRE_OK);
    assert_int_equal(c.ack.n, 0);
    assert_int_equal(c.msg_id, 0);
    assert_int_equal(c.payload_len, 0);
    assert_int_equal(wire_control_rest_size(&c), 5);

    buf_writer_init(&w, out, sizeof(tls_auth_reset));
    assert_int_equal(wire_control_head_build(&w, &c), WIRE_OK);
    buf_write_bytes(&w, hmac, 20);
    assert_int_equal(wire_replay_id_build(&w, &rid), WIRE_OK);
    assert_int_equal(wire_control_rest_build(&w, &c), WIRE_OK);
    assert_int_equal(buf_writer_len(&w), sizeof(tls_auth_reset));
    assert_memory_equal(out, tls_auth_reset, sizeof(tls_auth_reset));
    assert_int_equal(wire_replay_id_build(&w, &rid), WIRE_ERR_NO_ROOM);
}

/* tls-crypt test vector, §4.2: 17-byte clear header, 32-byte tag, 5 bytes ciphertext. */
static void test_tls_crypt_layout(void **state)
{
    static const uint8_t pkt[54] = { 0x38, 0x82, 0x61, 0xfd, 0xcd, 0x76, 0x77, 0x49, 0xbd,
                                     0x00, 0x00, 0x00, 0x01, 0x6b, 0x03, 0x3b, 0x28, 0xee,
                                     0xad, 0xbc, 0x5c, 0x71, 0x92, 0x04, 0x09, 0xa6, 0xb8,
                                     0x86, 0x54, 0x2b, 0xfa, 0x50, 0x61, 0xc4, 0x97, 0x7a,
                                     0x4a, 0x43, 0xa6, 0x7b, 0x3a, 0x01, 0xb0, 0x61, 0x14,
                                     0x90, 0xe5, 0x91, 0x74, 0x70, 0x03, 0x21, 0xb4, 0x2b };
    static const struct wire_sid sid = { { 0x82, 0x61, 0xfd, 0xcd, 0x76, 0x77, 0x49, 0xbd } };
    struct buf_reader r;
    struct wire_control c;
    struct wire_replay_id rid;
    (void)state;

    buf_reader_init(&r, pkt, sizeof(pkt));
    assert_int_equal(wire_control_head_parse(&r, &c), WIRE_OK);
    assert_int_equal(c.opcode, WIRE_P_CONTROL_HARD_RESET_CLIENT_V2);
    expect_sid(&c.sid, &sid);
    assert_int_equal(wire_replay_id_parse(&r, &rid), WIRE_OK);
    assert_int_equal(rid.id, 1);
    assert_int_equal(rid.time, 0x6b033b28);
    assert_non_null(buf_read_view(&r, 32));
    assert_int_equal(buf_remaining(&r), 5);
}

static void test_head_rest_errors(void **state)
{
    static const uint8_t short_rid[7] = { 0 };
    struct buf_reader r;
    struct wire_control c = { .opcode = WIRE_P_CONTROL_HARD_RESET_CLIENT_V2 };
    struct wire_replay_id rid;
    static const uint8_t tls_crypt_plain[5] = { 0, 0, 0, 0, 0 };
    (void)state;

    /* tls-crypt plaintext of §4.2 (ack block n=0 || msg-id 0), cut at every length. */
    for (size_t p = 0; p < sizeof(tls_crypt_plain); p++) {
        buf_reader_init(&r, tls_crypt_plain, p);
        assert_int_equal(wire_control_rest_parse(&r, &c), WIRE_ERR_TRUNCATED);
    }
    buf_reader_init(&r, tls_crypt_plain, sizeof(tls_crypt_plain));
    assert_int_equal(wire_control_rest_parse(&r, &c), WIRE_OK);
    assert_int_equal(c.payload_len, 0);
    /* The same bytes as a P_ACK_V1 rest: no msg-id, four trailing bytes. */
    c.opcode = WIRE_P_ACK_V1;
    buf_reader_init(&r, tls_crypt_plain, sizeof(tls_crypt_plain));
    assert_int_equal(wire_control_rest_parse(&r, &c), WIRE_OK);
    assert_int_equal(c.payload_len, 4);
    buf_reader_init(&r, short_rid, sizeof(short_rid));
    assert_int_equal(wire_replay_id_parse(&r, &rid), WIRE_ERR_TRUNCATED);
    for (size_t p = 0; p < WIRE_CONTROL_HEAD_LEN; p++) {
        buf_reader_init(&r, reset_client, p);
        assert_int_equal(wire_control_head_parse(&r, &c), WIRE_ERR_TRUNCATED);
    }
}

static void test_ack_block(void **state)
{
    static const uint8_t blk[17] = { 2, 0, 0, 0, 5, 0, 0, 0, 4, 1, 2, 3, 4, 5, 6, 7, 8 };
    struct wire_ack a;
    struct buf_reader r;
    uint8_t out[17];
    struct buf_writer w;
    (void)state;

    assert_int_equal(wire_ack_size(0), 1);
    assert_int_equal(wire_ack_size(1), 13);
    assert_int_equal(wire_ack_size(4), 25);
    assert_int_equal(wire_ack_size(8), 41);
    buf_reader_init(&r, blk, sizeof(blk));
    assert_int_equal(wire_ack_parse(&r, &a), WIRE_OK);
    assert_int_equal(buf_remaining(&r), 0);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.ids[0], 5);
    assert_int_equal(a.ids[1], 4);
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(wire_ack_build(&w, &a), WIRE_OK);
    assert_memory_equal(out, blk, sizeof(blk));
    for (size_t p = 0; p < sizeof(blk); p++) {
        buf_reader_init(&r, blk, p);
        assert_int_equal(wire_ack_parse(&r, &a), WIRE_ERR_TRUNCATED);
        buf_writer_init(&w, out, p);
        assert_int_equal(wire_ack_build(&w, &(struct wire_ack){ .n = 2, .remote_sid = client_sid }),
                         WIRE_ERR_NO_ROOM);
    }
}

static void test_sid(void **state)
{
    struct wire_sid a = client_sid, z = { { 0 } };
    uint8_t out[8];
    struct buf_writer w;
    (void)state;

    assert_true(wire_sid_equal(&a, &client_sid));
    assert_false(wire_sid_equal(&a, &server_sid));
    a.bytes[7] ^= 1;
    assert_false(wire_sid_equal(&a, &client_sid));
    assert_true(wire_sid_is_zero(&z));
    assert_false(wire_sid_is_zero(&client_sid));
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(wire_sid_build(&w, &z), WIRE_ERR_ZERO_SID);
    assert_int_equal(wire_sid_build(&w, &client_sid), WIRE_OK);
    assert_memory_equal(out, client_sid.bytes, 8);
    assert_int_equal(wire_sid_build(&w, &client_sid), WIRE_ERR_NO_ROOM);
}

static void test_replay_id(void **state)
{
    (void)state;
    assert_true(wire_replay_id_has_early_neg(0x0F000001));
    assert_true(wire_replay_id_has_early_neg(0x0F00FFFF));
    assert_true(wire_replay_id_has_early_neg(0xFF000000));
    assert_false(wire_replay_id_has_early_neg(0x0E000001));
    assert_false(wire_replay_id_has_early_neg(0x00000001));
    assert_false(wire_replay_id_has_early_neg(0x07000000));
}

/* ---- WKc ---- */

/* A V3 reset: 54-byte tls-crypt packet (§4.2 vector) followed by a 299-byte WKc. */
static size_t make_v3(uint8_t *pkt, size_t cap, uint16_t wkc_len, uint16_t len_field)
{
    struct buf_writer w;

    buf_writer_init(&w, pkt, cap);
    buf_write_u8(&w, 0x50);
    for (int i = 1; i < 54; i++)
        buf_write_u8(&w, (uint8_t)i);
    for (int i = 0; i < wkc_len - 2; i++)
        buf_write_u8(&w, 0xA5);
    buf_write_u16(&w, len_field);
    assert_true(buf_writer_ok(&w));
    return buf_writer_len(&w);
}

static void test_wkc_split(void **state)
{
    uint8_t pkt[54 + 1100];
    struct wire_wkc_split s;
    size_t len;
    (void)state;

    len = make_v3(pkt, sizeof(pkt), 299, 299);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_OK);
    assert_int_equal(s.packet_len, 54);
    assert_ptr_equal(s.packet, pkt);
    assert_int_equal(s.wkc_len, 299);
    assert_ptr_equal(s.wkc, pkt + 54);
    pkt[0] = 0x58; /* P_CONTROL_WKC_V1 */
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_OK);

    len = make_v3(pkt, sizeof(pkt), 1024, 1024);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_OK);
    assert_int_equal(s.wkc_len, 1024);
    len = make_v3(pkt, sizeof(pkt), 290, 290);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_OK);
    /* Length field claims the whole datagram except the op byte: still allowed. */
    len = make_v3(pkt, sizeof(pkt), 299, 299 + 53);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_OK);
    assert_int_equal(s.packet_len, 1);
    len = make_v3(pkt, sizeof(pkt), 299, 299 + 54);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_WKC_LEN);
    len = make_v3(pkt, sizeof(pkt), 299, 0xFFFF);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_WKC_LEN);
    len = make_v3(pkt, sizeof(pkt), 1025, 1025);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_WKC_LEN);
    len = make_v3(pkt, sizeof(pkt), 289, 289);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_WKC_LEN);
    len = make_v3(pkt, sizeof(pkt), 299, 0);
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_WKC_LEN);

    len = make_v3(pkt, sizeof(pkt), 299, 299);
    for (size_t p = 0; p < 3; p++)
        assert_int_equal(wire_wkc_split(pkt, p, &s), WIRE_ERR_TRUNCATED);
    pkt[0] = 0x20; /* P_CONTROL_V1 carries no WKc */
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_BAD_OPCODE);
    pkt[0] = 0x48;
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_NOT_CONTROL);
    pkt[0] = 0x08;
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_KEY_METHOD_1);
    pkt[0] = 0xF8;
    assert_int_equal(wire_wkc_split(pkt, len, &s), WIRE_ERR_BAD_OPCODE);
}

/* ---- early-negotiation TLVs ---- */

static void test_early_neg_real(void **state)
{
    static const uint8_t real[6] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0x01 };
    struct wire_early_neg en = { .has_flags = true, .flags = 0xFFFF };
    uint8_t out[6];
    struct buf_writer w;
    (void)state;

    assert_int_equal(wire_early_neg_parse(NULL, 0, &en), WIRE_OK);
    assert_false(en.has_flags);
    assert_int_equal(en.flags, 0);
    assert_int_equal(wire_early_neg_parse(real, sizeof(real), &en), WIRE_OK);
    assert_true(en.has_flags);
    assert_int_equal(en.flags, WIRE_EARLY_NEG_FLAG_RESEND_WKC);
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(wire_early_neg_build(&w, WIRE_EARLY_NEG_FLAG_RESEND_WKC), WIRE_OK);
    assert_memory_equal(out, real, sizeof(real));
    for (size_t cap = 0; cap < sizeof(out); cap++) {
        buf_writer_init(&w, out, cap);
        assert_int_equal(wire_early_neg_build(&w, 1), WIRE_ERR_NO_ROOM);
        assert_int_equal(buf_writer_len(&w), 0);
    }
    for (size_t p = 1; p < sizeof(real); p++)
        assert_int_equal(wire_early_neg_parse(real, p, &en), WIRE_ERR_TRUNCATED);
}

/* unknown(0x7777, 3 bytes) | flags 0x0004 | unknown(0xFFFF, empty) | flags 0x0001 */
static const uint8_t tlvs[] = { 0x77, 0x77, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00,
                                0x01, 0x00, 0x02, 0x00, 0x04, 0xff, 0xff, 0x00,
                                0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01 };

static void test_tlv_iter(void **state)
{
    struct wire_tlv_iter it;
    struct wire_tlv t;
    struct wire_early_neg en;
    (void)state;

    wire_tlv_iter_init(&it, tlvs, sizeof(tlvs));
    assert_int_equal(wire_tlv_next(&it, &t), 1);
    assert_int_equal(t.type, 0x7777);
    assert_int_equal(t.len, 3);
    assert_int_equal(t.value[2], 0xcc);
    assert_int_equal(wire_tlv_next(&it, &t), 1);
    assert_int_equal(t.type, WIRE_TLV_EARLY_NEG_FLAGS);
    assert_int_equal(wire_tlv_next(&it, &t), 1);
    assert_int_equal(t.type, 0xFFFF);
    assert_int_equal(t.len, 0);
    assert_int_equal(wire_tlv_next(&it, &t), 1);
    assert_int_equal(wire_tlv_next(&it, &t), 0);
    assert_int_equal(wire_tlv_next(&it, &t), 0);

    assert_int_equal(wire_early_neg_parse(tlvs, sizeof(tlvs), &en), WIRE_OK);
    assert_true(en.has_flags);
    assert_int_equal(en.flags, 0x0005);

    /* Prefixes ending exactly on a TLV boundary are complete payloads; the rest are cut. */
    for (size_t p = 0; p <= sizeof(tlvs); p++) {
        bool boundary = p == 0 || p == 7 || p == 13 || p == 17 || p == sizeof(tlvs);
        assert_int_equal(wire_early_neg_parse(tlvs, p, &en),
                         boundary ? WIRE_OK : WIRE_ERR_TRUNCATED);
    }
    /* A failed iterator stays failed. */
    wire_tlv_iter_init(&it, tlvs, 5);
    assert_int_equal(wire_tlv_next(&it, &t), WIRE_ERR_TRUNCATED);
    assert_int_equal(wire_tlv_next(&it, &t), WIRE_ERR_TRUNCATED);
}

static void test_tlv_bad(void **state)
{
    static const uint8_t flags_len1[5] = { 0x00, 0x01, 0x00, 0x01, 0x01 };
    static const uint8_t flags_len3[7] = { 0x00, 0x01, 0x00, 0x03, 0x00, 0x01, 0x00 };
    static const uint8_t flags_len0[4] = { 0x00, 0x01, 0x00, 0x00 };
    static const uint8_t huge[6] = { 0x12, 0x34, 0xff, 0xff, 0x00, 0x00 };
    struct wire_early_neg en;
    uint8_t out[16];
    struct buf_writer w;
    (void)state;

    assert_int_equal(wire_early_neg_parse(flags_len1, 5, &en), WIRE_ERR_TLV);
    assert_int_equal(wire_early_neg_parse(flags_len3, 7, &en), WIRE_ERR_TLV);
    assert_int_equal(wire_early_neg_parse(flags_len0, 4, &en), WIRE_ERR_TLV);
    assert_int_equal(wire_early_neg_parse(huge, 6, &en), WIRE_ERR_TRUNCATED);

    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(wire_tlv_build(&w, 0x7777, "\xaa\xbb\xcc", 3), WIRE_OK);
    assert_memory_equal(out, tlvs, 7);
    assert_int_equal(wire_tlv_build(&w, 0xFFFF, NULL, 0), WIRE_OK);
    assert_int_equal(buf_writer_len(&w), 11);
    assert_int_equal(wire_tlv_build(&w, 1, NULL, 2), WIRE_ERR_RANGE);
    assert_int_equal(wire_tlv_build(&w, 1, out, 0x10000), WIRE_ERR_RANGE);
    assert_int_equal(wire_tlv_build(&w, 1, out, 2), WIRE_ERR_NO_ROOM);
    assert_int_equal(buf_writer_len(&w), 11);
}

/* ---- data header ---- */

static void test_data_v2(void **state)
{
    static const uint8_t to_client[8] = { 0x48, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02 };
    static const uint8_t p2p[5] = { 0x48, 0x9a, 0x0c, 0x01, 0x99 };
    static const uint8_t unset[4] = { 0x4f, 0xff, 0xff, 0xff };
    struct wire_data d;
    (void)state;

    assert_int_equal(wire_data_parse(to_client, sizeof(to_client), &d), WIRE_OK);
    assert_int_equal(d.opcode, WIRE_P_DATA_V2);
    assert_int_equal(d.key_id, 0);
    assert_int_equal(d.peer_id, 1);
    assert_int_equal(d.hdr_len, 4);
    assert_ptr_equal(d.hdr, to_client);
    assert_int_equal(d.body_len, 4);
    assert_ptr_equal(d.body, to_client + 4);

    assert_int_equal(wire_data_parse(p2p, sizeof(p2p), &d), WIRE_OK);
    assert_int_equal(d.peer_id, 10095617); /* as logged by openvpn */

    assert_int_equal(wire_data_parse(unset, sizeof(unset), &d), WIRE_OK);
    assert_int_equal(d.key_id, 7);
    assert_int_equal(d.peer_id, WIRE_PEER_ID_UNSET);
    assert_int_equal(d.body_len, 0);

    for (size_t p = 0; p < 4; p++)
        assert_int_equal(wire_data_parse(unset, p, &d), WIRE_ERR_TRUNCATED);
}

static void test_data_v1_and_bad(void **state)
{
    uint8_t pkt[3] = { 0x31, 0xaa, 0xbb };
    struct wire_data d;
    (void)state;

    assert_int_equal(wire_data_parse(pkt, sizeof(pkt), &d), WIRE_OK);
    assert_int_equal(d.opcode, WIRE_P_DATA_V1);
    assert_int_equal(d.key_id, 1);
    assert_int_equal(d.peer_id, WIRE_PEER_ID_UNSET);
    assert_int_equal(d.hdr_len, 1);
    assert_int_equal(d.body_len, 2);
    assert_int_equal(wire_data_parse(pkt, 1, &d), WIRE_OK);
    assert_int_equal(d.body_len, 0);
    assert_int_equal(wire_data_parse(pkt, 0, &d), WIRE_ERR_TRUNCATED);
    pkt[0] = 0x20;
    assert_int_equal(wire_data_parse(pkt, sizeof(pkt), &d), WIRE_ERR_NOT_DATA);
    pkt[0] = 0x10;
    assert_int_equal(wire_data_parse(pkt, sizeof(pkt), &d), WIRE_ERR_KEY_METHOD_1);
    pkt[0] = 0x60;
    assert_int_equal(wire_data_parse(pkt, sizeof(pkt), &d), WIRE_ERR_BAD_OPCODE);
}

static void test_data_build(void **state)
{
    static const uint8_t want[5] = { 0x49, 0x9a, 0x0c, 0x01, 0x35 };
    uint8_t out[5];
    struct buf_writer w;
    (void)state;

    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V2, 1, 0x9a0c01), WIRE_OK);
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V1, 5, 0xFFFFFFFF), WIRE_OK);
    assert_memory_equal(out, want, sizeof(want));
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V1, 0, 0), WIRE_ERR_NO_ROOM);

    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V2, 0, 0x1000000), WIRE_ERR_RANGE);
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V2, 8, 0), WIRE_ERR_RANGE);
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_CONTROL_V1, 0, 0), WIRE_ERR_NOT_DATA);
    assert_int_equal(wire_data_hdr_build(&w, 2, 0, 0), WIRE_ERR_KEY_METHOD_1);
    assert_int_equal(wire_data_hdr_build(&w, 0, 0, 0), WIRE_ERR_BAD_OPCODE);
    assert_int_equal(buf_writer_len(&w), 0);
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V2, 0, WIRE_PEER_ID_UNSET), WIRE_OK);
    assert_memory_equal(out, "\x48\xff\xff\xff", 4);
    buf_writer_init(&w, out, 3);
    assert_int_equal(wire_data_hdr_build(&w, WIRE_P_DATA_V2, 0, 1), WIRE_ERR_NO_ROOM);
    assert_int_equal(buf_writer_len(&w), 0);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = WIRE_ERR_RANGE; e <= WIRE_OK; e++) {
        const char *s = wire_strerror(e);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown error");
        for (int f = WIRE_ERR_RANGE; f < e; f++)
            assert_string_not_equal(s, wire_strerror(f));
    }
    assert_string_equal(wire_strerror(WIRE_ERR_RANGE - 1), "unknown error");
    assert_string_equal(wire_strerror(1), "unknown error");
    assert_string_equal(wire_strerror(WIRE_ERR_TRUNCATED), "truncated packet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_byte_split_join),
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_first_byte),
        cmocka_unit_test(test_key_id_next),
        cmocka_unit_test(test_real_reset_client),
        cmocka_unit_test(test_real_reset_server),
        cmocka_unit_test(test_real_control_v1),
        cmocka_unit_test(test_real_ack),
        cmocka_unit_test(test_truncation_every_prefix),
        cmocka_unit_test(test_truncation_fixed_sizes),
        cmocka_unit_test(test_ack_count_rejected),
        cmocka_unit_test(test_zero_sid),
        cmocka_unit_test(test_bad_opcodes),
        cmocka_unit_test(test_build_no_room),
        cmocka_unit_test(test_build_invalid),
        cmocka_unit_test(test_tls_auth_layout),
        cmocka_unit_test(test_tls_crypt_layout),
        cmocka_unit_test(test_head_rest_errors),
        cmocka_unit_test(test_ack_block),
        cmocka_unit_test(test_sid),
        cmocka_unit_test(test_replay_id),
        cmocka_unit_test(test_wkc_split),
        cmocka_unit_test(test_early_neg_real),
        cmocka_unit_test(test_tlv_iter),
        cmocka_unit_test(test_tlv_bad),
        cmocka_unit_test(test_data_v2),
        cmocka_unit_test(test_data_v1_and_bad),
        cmocka_unit_test(test_data_build),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
