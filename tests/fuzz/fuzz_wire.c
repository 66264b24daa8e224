/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feeds the same bytes to every wire parser. Whatever parses must rebuild to exactly the bytes it
 * came from: the layouts are canonical, so any difference is a codec bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define MAX_INPUT 65536u

static uint8_t out[MAX_INPUT];

static void require(int cond)
{
    if (!cond)
        abort();
}

static void check_control(const uint8_t *data, size_t size)
{
    struct wire_control c;
    struct buf_writer w;

    if (wire_control_parse(data, size, &c) != WIRE_OK)
        return;
    require(wire_op_is_control(c.opcode));
    require(c.ack.n <= WIRE_ACK_MAX);
    require(wire_control_size(&c) == size);
    buf_writer_init(&w, out, size);
    require(wire_control_build(&w, &c) == WIRE_OK);
    require(buf_writer_len(&w) == size);
    require(memcmp(out, data, size) == 0);
    /* One byte short must be refused without writing. */
    buf_writer_init(&w, out, size - 1);
    require(wire_control_build(&w, &c) == WIRE_ERR_NO_ROOM);
    require(buf_writer_len(&w) == 0);
}

/* The tls-auth (SHA1) layout: head | 20-byte HMAC | replay id | rest, split and rebuilt. */
static void check_tls_auth_layout(const uint8_t *data, size_t size)
{
    struct buf_reader r;
    struct buf_writer w;
    struct wire_control c;
    struct wire_replay_id rid;
    const uint8_t *hmac;

    buf_reader_init(&r, data, size);
    if (wire_control_head_parse(&r, &c) != WIRE_OK)
        return;
    hmac = buf_read_view(&r, 20);
    if (!hmac || wire_replay_id_parse(&r, &rid) != WIRE_OK ||
        wire_control_rest_parse(&r, &c) != WIRE_OK)
        return;
    buf_writer_init(&w, out, size);
    require(wire_control_head_build(&w, &c) == WIRE_OK);
    buf_write_bytes(&w, hmac, 20);
    require(wire_replay_id_build(&w, &rid) == WIRE_OK);
    require(wire_control_rest_build(&w, &c) == WIRE_OK);
    require(buf_writer_len(&w) == size);
    require(memcmp(out, data, size) == 0);
    (void)wire_replay_id_has_early_neg(rid.id);
}

static void check_ack(const uint8_t *data, size_t size)
{
    struct buf_reader r;
    struct buf_writer w;
    struct wire_ack a;
    size_t used;

    buf_reader_init(&r, data, size);
    if (wire_ack_parse(&r, &a) != WIRE_OK)
        return;
    used = size - buf_remaining(&r);
    require(used == wire_ack_size(a.n));
    buf_writer_init(&w, out, used);
    require(wire_ack_build(&w, &a) == WIRE_OK);
    require(memcmp(out, data, used) == 0);
}

static void check_wkc(const uint8_t *data, size_t size)
{
    struct wire_wkc_split s;
    struct wire_control c;

    if (wire_wkc_split(data, size, &s) != WIRE_OK)
        return;
    require(s.packet_len >= 1 && s.packet_len + s.wkc_len == size);
    require(s.wkc_len >= WIRE_WKC_MIN_LEN && s.wkc_len <= WIRE_WKC_MAX_LEN);
    require(memcmp(s.packet, data, s.packet_len) == 0);
    require(memcmp(s.wkc, data + s.packet_len, s.wkc_len) == 0);
    (void)wire_control_parse(s.packet, s.packet_len, &c);
}

static void check_tlvs(const uint8_t *data, size_t size)
{
    struct wire_tlv_iter it;
    struct wire_tlv t;
    struct wire_early_neg en;
    struct buf_writer w;
    int rc;

    buf_writer_init(&w, out, size);
    wire_tlv_iter_init(&it, data, size);
    while ((rc = wire_tlv_next(&it, &t)) == 1)
        require(wire_tlv_build(&w, t.type, t.value, t.len) == WIRE_OK);
    require(rc == 0 || rc == WIRE_ERR_TRUNCATED);
    require(memcmp(out, data, buf_writer_len(&w)) == 0);
    if (rc == 0)
        require(buf_writer_len(&w) == size);
    rc = wire_early_neg_parse(data, size, &en);
    require(rc == WIRE_OK || rc == WIRE_ERR_TRUNCATED || rc == WIRE_ERR_TLV);
    if (rc == WIRE_OK && en.has_flags) {
        buf_writer_init(&w, out, WIRE_TLV_HDR_LEN + 2);
        require(wire_early_neg_build(&w, en.flags) == WIRE_OK);
    }
}

static void check_data(const uint8_t *data, size_t size)
{
    struct wire_data d;
    struct buf_writer w;
    uint8_t op = 0, key = 0;
    int first = wire_first_byte(data, size, &op, &key);

    if (wire_data_parse(data, size, &d) != WIRE_OK) {
        require(first != WIRE_OK || !wire_op_is_data(op) || size < WIRE_DATA_V2_HDR_LEN);
        return;
    }
    require(first == WIRE_OK && wire_op_is_data(op) && d.key_id == key);
    require(d.hdr_len + d.body_len == size && d.peer_id <= WIRE_PEER_ID_MAX);
    buf_writer_init(&w, out, d.hdr_len);
    require(wire_data_hdr_build(&w, d.opcode, d.key_id, d.peer_id) == WIRE_OK);
    require(memcmp(out, d.hdr, d.hdr_len) == 0);
    require(wire_op_valid_for_server(op) && wire_op_valid_for_client(op));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    check_control(data, size);
    check_tls_auth_layout(data, size);
    check_ack(data, size);
    check_wkc(data, size);
    check_tlvs(data, size);
    check_data(data, size);
    (void)wire_strerror(size ? -(int)data[0] : 0);
    return 0;
}
