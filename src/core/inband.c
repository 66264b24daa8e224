/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ping and OCC messages, shared/docs/protocol-data.md §6.2-§6.4. */
#include "inband.h"

#include <string.h>

const uint8_t inband_ping_magic[INBAND_MAGIC_LEN] = {
    0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, 0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48,
};

const uint8_t inband_occ_magic[INBAND_MAGIC_LEN] = {
    0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c,
};

const char *inband_strerror(int err)
{
    switch (err) {
    case INBAND_OK:
        return "ok";
    case INBAND_ERR_NOT_OCC:
        return "not an OCC message";
    case INBAND_ERR_TRUNCATED:
        return "truncated OCC message";
    case INBAND_ERR_TYPE:
        return "unknown OCC message type";
    case INBAND_ERR_STRING:
        return "bad OCC options string";
    case INBAND_ERR_NO_ROOM:
        return "output buffer too small";
    default:
        return "unknown error";
    }
}

/* True when the reader's next 16 bytes are `magic`; consumes them either way. */
static bool read_magic(struct buf_reader *r, const uint8_t *magic)
{
    const uint8_t *v = buf_read_view(r, INBAND_MAGIC_LEN);
    return v != NULL && memcmp(v, magic, INBAND_MAGIC_LEN) == 0;
}

enum inband_kind inband_classify(const uint8_t *data, size_t len)
{
    struct buf_reader r;
    /* A ping must match in length too: 16 ping bytes followed by more are user data. */
    buf_reader_init(&r, data, len);
    if (len == INBAND_MAGIC_LEN && read_magic(&r, inband_ping_magic))
        return INBAND_PING;
    buf_reader_init(&r, data, len);
    if (read_magic(&r, inband_occ_magic))
        return INBAND_OCC;
    return INBAND_DATA;
}

/* REPLY: the options string runs to its NUL, which must be there. */
static int parse_reply(struct buf_reader *r, struct inband_occ *out)
{
    struct buf_reader scan = *r;
    size_t n = 0;
    while (buf_read_u8(&scan) != 0)
        n++;
    if (!buf_reader_ok(&scan))
        return INBAND_ERR_STRING;
    out->options_len = n;
    out->options = (const char *)buf_read_view(r, n);
    return INBAND_OK;
}

static int parse_args(struct buf_reader *r, struct inband_occ *out)
{
    switch (out->type) {
    case INBAND_OCC_REPLY:
        return parse_reply(r, out);
    case INBAND_OCC_MTU_LOAD_REQUEST:
        out->load_size = buf_read_u16(r);
        break;
    case INBAND_OCC_MTU_LOAD:
        out->filler_len = buf_remaining(r);
        out->filler = buf_rest(r);
        break;
    case INBAND_OCC_MTU_REPLY:
        out->mtu_recv_max = buf_read_u16(r);
        out->mtu_sent_max = buf_read_u16(r);
        break;
    default:
        break;
    }
    return buf_reader_ok(r) ? INBAND_OK : INBAND_ERR_TRUNCATED;
}

int inband_occ_parse(const uint8_t *data, size_t len, struct inband_occ *out)
{
    struct buf_reader r;
    memset(out, 0, sizeof(*out));
    buf_reader_init(&r, data, len);
    if (!read_magic(&r, inband_occ_magic))
        return INBAND_ERR_NOT_OCC;
    uint8_t type = buf_read_u8(&r);
    if (!buf_reader_ok(&r))
        return INBAND_ERR_TRUNCATED;
    if (type > INBAND_OCC_EXIT)
        return INBAND_ERR_TYPE;
    out->type = (enum inband_occ_type)type;
    return parse_args(&r, out);
}

static size_t args_size(const struct inband_occ *m)
{
    switch (m->type) {
    case INBAND_OCC_REPLY:
        return m->options_len + 1;
    case INBAND_OCC_MTU_LOAD_REQUEST:
        return 2;
    case INBAND_OCC_MTU_LOAD:
        return m->filler_len;
    case INBAND_OCC_MTU_REPLY:
        return 4;
    default:
        return 0;
    }
}

static bool type_valid(enum inband_occ_type t)
{
    return t >= INBAND_OCC_REQUEST && t <= INBAND_OCC_EXIT;
}

/* Argument lengths beyond what any packet can carry are refused, which keeps sizes small. */
static bool lengths_ok(const struct inband_occ *m)
{
    if (m->type == INBAND_OCC_REPLY)
        return m->options_len < INBAND_ARG_MAX;
    if (m->type == INBAND_OCC_MTU_LOAD)
        return m->filler_len <= INBAND_ARG_MAX;
    return true;
}

size_t inband_occ_size(const struct inband_occ *m)
{
    if (!type_valid(m->type) || !lengths_ok(m))
        return 0;
    return INBAND_MAGIC_LEN + 1 + args_size(m);
}

static bool reply_string_ok(const struct inband_occ *m)
{
    if (m->options_len == 0)
        return true;
    return m->options != NULL && memchr(m->options, 0, m->options_len) == NULL;
}

static void write_args(struct buf_writer *w, const struct inband_occ *m)
{
    switch (m->type) {
    case INBAND_OCC_REPLY:
        buf_write_bytes(w, m->options, m->options_len);
        buf_write_u8(w, 0);
        break;
    case INBAND_OCC_MTU_LOAD_REQUEST:
        buf_write_u16(w, m->load_size);
        break;
    case INBAND_OCC_MTU_LOAD:
        buf_write_bytes(w, m->filler, m->filler_len);
        break;
    case INBAND_OCC_MTU_REPLY:
        buf_write_u16(w, m->mtu_recv_max);
        buf_write_u16(w, m->mtu_sent_max);
        break;
    default:
        break;
    }
}

int inband_occ_build(struct buf_writer *w, const struct inband_occ *m)
{
    if (!type_valid(m->type))
        return INBAND_ERR_TYPE;
    if (!lengths_ok(m))
        return INBAND_ERR_NO_ROOM;
    if (m->type == INBAND_OCC_REPLY && !reply_string_ok(m))
        return INBAND_ERR_STRING;
    if (m->type == INBAND_OCC_MTU_LOAD && m->filler_len > 0 && m->filler == NULL)
        return INBAND_ERR_TRUNCATED;
    if (!buf_writer_ok(w) || buf_writer_room(w) < inband_occ_size(m))
        return INBAND_ERR_NO_ROOM;
    buf_write_bytes(w, inband_occ_magic, INBAND_MAGIC_LEN);
    buf_write_u8(w, (uint8_t)m->type);
    write_args(w, m);
    return INBAND_OK;
}

int inband_ping_build(struct buf_writer *w)
{
    if (!buf_writer_ok(w) || buf_writer_room(w) < INBAND_MAGIC_LEN)
        return INBAND_ERR_NO_ROOM;
    buf_write_bytes(w, inband_ping_magic, INBAND_MAGIC_LEN);
    return INBAND_OK;
}

int inband_exit_build(struct buf_writer *w)
{
    struct inband_occ m = { .type = INBAND_OCC_EXIT };
    return inband_occ_build(w, &m);
}
