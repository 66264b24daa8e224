/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OpenVPN 2.6 packet layouts; section numbers refer to shared/docs/protocol-control.md unless
 * protocol-data.md is named.
 */
#include "wire.h"

#include "secret.h"

/* ---- errors ---- */

const char *wire_strerror(int err)
{
    switch (err) {
    case WIRE_OK:
        return "ok";
    case WIRE_ERR_TRUNCATED:
        return "truncated packet";
    case WIRE_ERR_BAD_OPCODE:
        return "unknown opcode";
    case WIRE_ERR_KEY_METHOD_1:
        return "unsupported key-method 1 opcode";
    case WIRE_ERR_NOT_CONTROL:
        return "data opcode where a control packet was expected";
    case WIRE_ERR_NOT_DATA:
        return "control opcode where a data packet was expected";
    case WIRE_ERR_ACK_COUNT:
        return "too many ack ids";
    case WIRE_ERR_ZERO_SID:
        return "all-zero session id";
    case WIRE_ERR_WKC_LEN:
        return "bad wrapped client key length";
    case WIRE_ERR_TLV:
        return "malformed early-negotiation TLV";
    case WIRE_ERR_NO_ROOM:
        return "output buffer too small";
    case WIRE_ERR_RANGE:
        return "field value out of range";
    default:
        return "unknown error";
    }
}

/* ---- first byte, §1 ---- */

uint8_t wire_op_byte(uint8_t opcode, uint8_t key_id)
{
    return (uint8_t)(((opcode & WIRE_OPCODE_MAX) << 3) | (key_id & WIRE_KEY_ID_MAX));
}

uint8_t wire_opcode_of(uint8_t op_byte)
{
    return (uint8_t)(op_byte >> 3);
}

uint8_t wire_key_id_of(uint8_t op_byte)
{
    return (uint8_t)(op_byte & WIRE_KEY_ID_MAX);
}

bool wire_op_is_control(uint8_t opcode)
{
    switch (opcode) {
    case WIRE_P_CONTROL_SOFT_RESET_V1:
    case WIRE_P_CONTROL_V1:
    case WIRE_P_ACK_V1:
    case WIRE_P_CONTROL_HARD_RESET_CLIENT_V2:
    case WIRE_P_CONTROL_HARD_RESET_SERVER_V2:
    case WIRE_P_CONTROL_HARD_RESET_CLIENT_V3:
    case WIRE_P_CONTROL_WKC_V1:
        return true;
    default:
        return false;
    }
}

bool wire_op_is_data(uint8_t opcode)
{
    return opcode == WIRE_P_DATA_V1 || opcode == WIRE_P_DATA_V2;
}

static bool op_is_known(uint8_t opcode)
{
    return wire_op_is_control(opcode) || wire_op_is_data(opcode);
}

bool wire_op_valid_for_server(uint8_t opcode)
{
    return op_is_known(opcode) && opcode != WIRE_P_CONTROL_HARD_RESET_SERVER_V2;
}

bool wire_op_valid_for_client(uint8_t opcode)
{
    switch (opcode) {
    case WIRE_P_CONTROL_HARD_RESET_CLIENT_V2:
    case WIRE_P_CONTROL_HARD_RESET_CLIENT_V3:
    case WIRE_P_CONTROL_WKC_V1:
        return false;
    default:
        return op_is_known(opcode);
    }
}

/* Why an opcode outside both known sets is refused: key-method 1 gets its own reason (§1). */
static int unknown_op_reason(uint8_t opcode)
{
    if (opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V1 ||
        opcode == WIRE_P_CONTROL_HARD_RESET_SERVER_V1)
        return WIRE_ERR_KEY_METHOD_1;
    return WIRE_ERR_BAD_OPCODE;
}

int wire_op_check_control(uint8_t opcode)
{
    if (wire_op_is_control(opcode))
        return WIRE_OK;
    if (wire_op_is_data(opcode))
        return WIRE_ERR_NOT_CONTROL;
    return unknown_op_reason(opcode);
}

static int op_check_data(uint8_t opcode)
{
    if (wire_op_is_data(opcode))
        return WIRE_OK;
    if (wire_op_is_control(opcode))
        return WIRE_ERR_NOT_DATA;
    return unknown_op_reason(opcode);
}

int wire_first_byte(const uint8_t *pkt, size_t len, uint8_t *opcode, uint8_t *key_id)
{
    struct buf_reader r;
    uint8_t b;

    buf_reader_init(&r, pkt, len);
    if (!buf_peek_u8(&r, &b))
        return WIRE_ERR_TRUNCATED;
    *opcode = wire_opcode_of(b);
    *key_id = wire_key_id_of(b);
    return op_is_known(*opcode) ? WIRE_OK : unknown_op_reason(*opcode);
}

/* §1: 0 belongs to the first key after a hard reset only; renegotiations cycle through 1..7. */
uint8_t wire_key_id_next(uint8_t key_id)
{
    return (uint8_t)((key_id & WIRE_KEY_ID_MAX) % WIRE_KEY_ID_MAX + 1);
}

/* ---- session ids, §2.1 ---- */

bool wire_sid_is_zero(const struct wire_sid *sid)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < WIRE_SID_LEN; i++)
        acc |= sid->bytes[i];
    return acc == 0;
}

bool wire_sid_equal(const struct wire_sid *a, const struct wire_sid *b)
{
    return secret_equal(a->bytes, b->bytes, WIRE_SID_LEN);
}

int wire_sid_parse(struct buf_reader *r, struct wire_sid *out)
{
    if (!buf_read_bytes(r, out->bytes, WIRE_SID_LEN))
        return WIRE_ERR_TRUNCATED;
    return wire_sid_is_zero(out) ? WIRE_ERR_ZERO_SID : WIRE_OK;
}

/*
 * Builders reserve their exact size up front and fill a sub-writer over it: either the whole
 * field group lands in the output or nothing does.
 */
static bool reserve_sub(struct buf_writer *w, size_t n, struct buf_writer *sub)
{
    uint8_t *p = buf_write_reserve(w, n);

    if (!p)
        return false;
    buf_writer_init(sub, p, n);
    return true;
}

/* A sub-writer sized by our own size function must come out exactly full. */
static int sub_done(const struct buf_writer *sub, size_t n)
{
    return buf_writer_ok(sub) && buf_writer_len(sub) == n ? WIRE_OK : WIRE_ERR_NO_ROOM;
}

int wire_sid_build(struct buf_writer *w, const struct wire_sid *sid)
{
    if (wire_sid_is_zero(sid))
        return WIRE_ERR_ZERO_SID;
    buf_write_bytes(w, sid->bytes, WIRE_SID_LEN);
    return buf_writer_ok(w) ? WIRE_OK : WIRE_ERR_NO_ROOM;
}

/* ---- ack block, §2.1 / §2.3 ---- */

size_t wire_ack_size(unsigned n)
{
    return 1u + (n ? WIRE_SID_LEN : 0u) + 4u * (size_t)n;
}

int wire_ack_parse(struct buf_reader *r, struct wire_ack *out)
{
    uint8_t n = buf_read_u8(r);

    if (!buf_reader_ok(r))
        return WIRE_ERR_TRUNCATED;
    if (n > WIRE_ACK_MAX)
        return WIRE_ERR_ACK_COUNT;
    out->n = n;
    for (unsigned i = 0; i < n; i++)
        out->ids[i] = buf_read_u32(r);
    if (!buf_reader_ok(r))
        return WIRE_ERR_TRUNCATED;
    if (n == 0)
        return WIRE_OK;
    return wire_sid_parse(r, &out->remote_sid);
}

static int ack_check(const struct wire_ack *ack)
{
    if (ack->n > WIRE_ACK_MAX)
        return WIRE_ERR_ACK_COUNT;
    if (ack->n && wire_sid_is_zero(&ack->remote_sid))
        return WIRE_ERR_ZERO_SID;
    return WIRE_OK;
}

/* Caller has validated ack and made room; writes into w without further checks. */
static void ack_put(struct buf_writer *w, const struct wire_ack *ack)
{
    buf_write_u8(w, ack->n);
    for (unsigned i = 0; i < ack->n; i++)
        buf_write_u32(w, ack->ids[i]);
    if (ack->n)
        buf_write_bytes(w, ack->remote_sid.bytes, WIRE_SID_LEN);
}

int wire_ack_build(struct buf_writer *w, const struct wire_ack *ack)
{
    struct buf_writer sub;
    int rc = ack_check(ack);
    size_t n;

    if (rc)
        return rc;
    n = wire_ack_size(ack->n);
    if (!reserve_sub(w, n, &sub))
        return WIRE_ERR_NO_ROOM;
    ack_put(&sub, ack);
    return sub_done(&sub, n);
}

/* ---- control packets, §2.2 ---- */

int wire_control_head_parse(struct buf_reader *r, struct wire_control *out)
{
    uint8_t b = buf_read_u8(r);
    int rc;

    if (!buf_reader_ok(r))
        return WIRE_ERR_TRUNCATED;
    out->opcode = wire_opcode_of(b);
    out->key_id = wire_key_id_of(b);
    rc = wire_op_check_control(out->opcode);
    if (rc)
        return rc;
    return wire_sid_parse(r, &out->sid);
}

int wire_control_rest_parse(struct buf_reader *r, struct wire_control *c)
{
    int rc = wire_ack_parse(r, &c->ack);

    if (rc)
        return rc;
    c->msg_id = 0;
    if (c->opcode != WIRE_P_ACK_V1) {
        c->msg_id = buf_read_u32(r);
        if (!buf_reader_ok(r))
            return WIRE_ERR_TRUNCATED;
    }
    c->payload_len = buf_remaining(r);
    c->payload = buf_read_view(r, c->payload_len);
    return WIRE_OK;
}

int wire_control_parse(const uint8_t *pkt, size_t len, struct wire_control *out)
{
    struct buf_reader r;
    int rc;

    buf_reader_init(&r, pkt, len);
    rc = wire_control_head_parse(&r, out);
    if (rc)
        return rc;
    return wire_control_rest_parse(&r, out);
}

static int head_check(const struct wire_control *c)
{
    int rc = wire_op_check_control(c->opcode);

    if (rc)
        return rc;
    if (c->key_id > WIRE_KEY_ID_MAX)
        return WIRE_ERR_RANGE;
    return wire_sid_is_zero(&c->sid) ? WIRE_ERR_ZERO_SID : WIRE_OK;
}

static int rest_check(const struct wire_control *c)
{
    if (c->payload_len && !c->payload)
        return WIRE_ERR_RANGE;
    return ack_check(&c->ack);
}

static void head_put(struct buf_writer *w, const struct wire_control *c)
{
    buf_write_u8(w, wire_op_byte(c->opcode, c->key_id));
    buf_write_bytes(w, c->sid.bytes, WIRE_SID_LEN);
}

static void rest_put(struct buf_writer *w, const struct wire_control *c)
{
    ack_put(w, &c->ack);
    if (c->opcode != WIRE_P_ACK_V1)
        buf_write_u32(w, c->msg_id);
    buf_write_bytes(w, c->payload, c->payload_len);
}

/*
 * Sizes saturate instead of wrapping so an absurd payload_len becomes NO_ROOM, not a short
 * reservation. ack.n is clamped because callers may ask before the count is validated.
 */
size_t wire_control_rest_size(const struct wire_control *c)
{
    unsigned n = c->ack.n > WIRE_ACK_MAX ? WIRE_ACK_MAX : c->ack.n;
    size_t fixed = wire_ack_size(n) + (c->opcode == WIRE_P_ACK_V1 ? 0u : 4u);

    return c->payload_len > SIZE_MAX - fixed ? SIZE_MAX : fixed + c->payload_len;
}

size_t wire_control_size(const struct wire_control *c)
{
    size_t rest = wire_control_rest_size(c);

    return rest > SIZE_MAX - WIRE_CONTROL_HEAD_LEN ? SIZE_MAX : rest + WIRE_CONTROL_HEAD_LEN;
}

int wire_control_head_build(struct buf_writer *w, const struct wire_control *c)
{
    struct buf_writer sub;
    int rc = head_check(c);

    if (rc)
        return rc;
    if (!reserve_sub(w, WIRE_CONTROL_HEAD_LEN, &sub))
        return WIRE_ERR_NO_ROOM;
    head_put(&sub, c);
    return sub_done(&sub, WIRE_CONTROL_HEAD_LEN);
}

int wire_control_rest_build(struct buf_writer *w, const struct wire_control *c)
{
    struct buf_writer sub;
    int rc = rest_check(c);
    size_t n;

    if (rc)
        return rc;
    n = wire_control_rest_size(c);
    if (!reserve_sub(w, n, &sub))
        return WIRE_ERR_NO_ROOM;
    rest_put(&sub, c);
    return sub_done(&sub, n);
}

int wire_control_build(struct buf_writer *w, const struct wire_control *c)
{
    struct buf_writer sub;
    int rc = head_check(c);
    size_t n;

    if (rc == WIRE_OK)
        rc = rest_check(c);
    if (rc)
        return rc;
    n = wire_control_size(c);
    if (!reserve_sub(w, n, &sub))
        return WIRE_ERR_NO_ROOM;
    head_put(&sub, c);
    rest_put(&sub, c);
    return sub_done(&sub, n);
}

/* ---- replay packet-id, §3.5 / §5.4 ---- */

int wire_replay_id_parse(struct buf_reader *r, struct wire_replay_id *out)
{
    out->id = buf_read_u32(r);
    out->time = buf_read_u32(r);
    return buf_reader_ok(r) ? WIRE_OK : WIRE_ERR_TRUNCATED;
}

int wire_replay_id_build(struct buf_writer *w, const struct wire_replay_id *id)
{
    struct buf_writer sub;

    if (!reserve_sub(w, WIRE_REPLAY_ID_LEN, &sub))
        return WIRE_ERR_NO_ROOM;
    buf_write_u32(&sub, id->id);
    buf_write_u32(&sub, id->time);
    return sub_done(&sub, WIRE_REPLAY_ID_LEN);
}

bool wire_replay_id_has_early_neg(uint32_t id)
{
    return (id & WIRE_EARLY_NEG_REPLAY_MARKER) == WIRE_EARLY_NEG_REPLAY_MARKER;
}

/* ---- trailing WKc, §5.2-5.3 ---- */

static int wkc_opcode_check(const uint8_t *pkt, size_t len)
{
    uint8_t op, key;
    int rc = wire_first_byte(pkt, len, &op, &key);

    if (rc)
        return rc;
    if (op == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 || op == WIRE_P_CONTROL_WKC_V1)
        return WIRE_OK;
    /* Any other opcode carries no WKc. */
    return wire_op_is_data(op) ? WIRE_ERR_NOT_CONTROL : WIRE_ERR_BAD_OPCODE;
}

int wire_wkc_split(const uint8_t *pkt, size_t len, struct wire_wkc_split *out)
{
    struct buf_reader r;
    int rc = wkc_opcode_check(pkt, len);
    uint16_t wkc_len;

    if (rc)
        return rc;
    if (len < 3)
        return WIRE_ERR_TRUNCATED;
    buf_reader_init(&r, pkt, len);
    buf_skip(&r, len - 2);
    wkc_len = buf_read_u16(&r);
    /* The op byte must stay in front: a WKc may not swallow the packet it rides on. */
    if (wkc_len < WIRE_WKC_MIN_LEN || wkc_len > WIRE_WKC_MAX_LEN || wkc_len > len - 1)
        return WIRE_ERR_WKC_LEN;
    buf_reader_init(&r, pkt, len);
    out->packet_len = len - wkc_len;
    out->packet = buf_read_view(&r, out->packet_len);
    out->wkc_len = wkc_len;
    out->wkc = buf_read_view(&r, wkc_len);
    return buf_reader_ok(&r) ? WIRE_OK : WIRE_ERR_TRUNCATED;
}

/* ---- early-negotiation TLVs, §6.3 ---- */

void wire_tlv_iter_init(struct wire_tlv_iter *it, const uint8_t *payload, size_t len)
{
    buf_reader_init(&it->r, payload, len);
}

int wire_tlv_next(struct wire_tlv_iter *it, struct wire_tlv *out)
{
    if (!buf_reader_ok(&it->r))
        return WIRE_ERR_TRUNCATED;
    if (buf_remaining(&it->r) == 0)
        return 0;
    out->type = buf_read_u16(&it->r);
    out->len = buf_read_u16(&it->r);
    out->value = buf_read_view(&it->r, out->len);
    return buf_reader_ok(&it->r) ? 1 : WIRE_ERR_TRUNCATED;
}

int wire_tlv_build(struct buf_writer *w, uint16_t type, const void *value, size_t len)
{
    struct buf_writer sub;
    size_t n;

    if (len > 0xFFFFu || (len && !value))
        return WIRE_ERR_RANGE;
    n = WIRE_TLV_HDR_LEN + len;
    if (!reserve_sub(w, n, &sub))
        return WIRE_ERR_NO_ROOM;
    buf_write_u16(&sub, type);
    buf_write_u16_block(&sub, value, len);
    return sub_done(&sub, n);
}

static int early_neg_apply(const struct wire_tlv *tlv, struct wire_early_neg *out)
{
    struct buf_reader v;

    if (tlv->type != WIRE_TLV_EARLY_NEG_FLAGS)
        return WIRE_OK;
    if (tlv->len != 2)
        return WIRE_ERR_TLV;
    buf_reader_init(&v, tlv->value, tlv->len);
    out->has_flags = true;
    out->flags |= buf_read_u16(&v);
    return WIRE_OK;
}

int wire_early_neg_parse(const uint8_t *payload, size_t len, struct wire_early_neg *out)
{
    struct wire_tlv_iter it;
    struct wire_tlv tlv;
    int rc;

    out->has_flags = false;
    out->flags = 0;
    wire_tlv_iter_init(&it, payload, len);
    while ((rc = wire_tlv_next(&it, &tlv)) == 1) {
        rc = early_neg_apply(&tlv, out);
        if (rc)
            return rc;
    }
    return rc;
}

int wire_early_neg_build(struct buf_writer *w, uint16_t flags)
{
    uint8_t value[2];
    struct buf_writer vw;

    buf_writer_init(&vw, value, sizeof(value));
    buf_write_u16(&vw, flags);
    return wire_tlv_build(w, WIRE_TLV_EARLY_NEG_FLAGS, value, sizeof(value));
}

/* ---- data header, protocol-data.md §1 ---- */

int wire_data_parse(const uint8_t *pkt, size_t len, struct wire_data *out)
{
    struct buf_reader r;
    uint8_t b;
    int rc;

    buf_reader_init(&r, pkt, len);
    if (!buf_peek_u8(&r, &b))
        return WIRE_ERR_TRUNCATED;
    out->opcode = wire_opcode_of(b);
    out->key_id = wire_key_id_of(b);
    rc = op_check_data(out->opcode);
    if (rc)
        return rc;
    out->hdr_len = out->opcode == WIRE_P_DATA_V2 ? WIRE_DATA_V2_HDR_LEN : WIRE_DATA_V1_HDR_LEN;
    out->hdr = buf_read_view(&r, out->hdr_len);
    if (!out->hdr)
        return WIRE_ERR_TRUNCATED;
    out->peer_id = WIRE_PEER_ID_UNSET;
    if (out->opcode == WIRE_P_DATA_V2) {
        struct buf_reader h;

        buf_reader_init(&h, out->hdr, out->hdr_len);
        out->peer_id = buf_read_u32(&h) & WIRE_PEER_ID_MAX;
    }
    out->body_len = buf_remaining(&r);
    out->body = buf_read_view(&r, out->body_len);
    return WIRE_OK;
}

int wire_data_hdr_build(struct buf_writer *w, uint8_t opcode, uint8_t key_id, uint32_t peer_id)
{
    struct buf_writer sub;
    int rc = op_check_data(opcode);
    size_t n;

    if (rc)
        return rc;
    if (key_id > WIRE_KEY_ID_MAX || (opcode == WIRE_P_DATA_V2 && peer_id > WIRE_PEER_ID_MAX))
        return WIRE_ERR_RANGE;
    n = opcode == WIRE_P_DATA_V2 ? WIRE_DATA_V2_HDR_LEN : WIRE_DATA_V1_HDR_LEN;
    if (!reserve_sub(w, n, &sub))
        return WIRE_ERR_NO_ROOM;
    buf_write_u8(&sub, wire_op_byte(opcode, key_id));
    if (opcode == WIRE_P_DATA_V2)
        buf_write_u24(&sub, peer_id);
    return sub_done(&sub, n);
}
