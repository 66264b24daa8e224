/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "buf.h"

#include <string.h>

void buf_reader_init(struct buf_reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->err = false;
}

bool buf_reader_ok(const struct buf_reader *r)
{
    return !r->err;
}

size_t buf_remaining(const struct buf_reader *r)
{
    return r->err ? 0 : r->len - r->pos;
}

/* The single place where a read claims bytes: either all n or none, with the flag set. */
static const uint8_t *take(struct buf_reader *r, size_t n)
{
    if (r->err || n > r->len - r->pos) {
        r->err = true;
        return NULL;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

static uint64_t read_be(struct buf_reader *r, size_t width)
{
    const uint8_t *p = take(r, width);
    uint64_t v = 0;
    if (!p)
        return 0;
    for (size_t i = 0; i < width; i++)
        v = (v << 8) | p[i];
    return v;
}

uint8_t buf_read_u8(struct buf_reader *r)
{
    return (uint8_t)read_be(r, 1);
}

uint16_t buf_read_u16(struct buf_reader *r)
{
    return (uint16_t)read_be(r, 2);
}

uint32_t buf_read_u24(struct buf_reader *r)
{
    return (uint32_t)read_be(r, 3);
}

uint32_t buf_read_u32(struct buf_reader *r)
{
    return (uint32_t)read_be(r, 4);
}

uint64_t buf_read_u64(struct buf_reader *r)
{
    return read_be(r, 8);
}

bool buf_read_bytes(struct buf_reader *r, void *out, size_t n)
{
    const uint8_t *p = take(r, n);
    if (!p) {
        if (n)
            memset(out, 0, n);
        return false;
    }
    if (n)
        memcpy(out, p, n);
    return true;
}

const uint8_t *buf_read_view(struct buf_reader *r, size_t n)
{
    return take(r, n);
}

struct buf_reader buf_read_sub(struct buf_reader *r, size_t n)
{
    struct buf_reader sub;
    const uint8_t *p = take(r, n);
    buf_reader_init(&sub, p, p ? n : 0);
    sub.err = (p == NULL);
    return sub;
}

struct buf_reader buf_read_u16_block(struct buf_reader *r)
{
    uint16_t n = buf_read_u16(r);
    return buf_read_sub(r, n);
}

void buf_skip(struct buf_reader *r, size_t n)
{
    (void)take(r, n);
}

bool buf_peek_u8(const struct buf_reader *r, uint8_t *out)
{
    if (r->err || r->pos >= r->len)
        return false;
    *out = r->data[r->pos];
    return true;
}

const uint8_t *buf_rest(const struct buf_reader *r)
{
    if (r->err || r->pos >= r->len)
        return NULL;
    return r->data + r->pos;
}

void buf_writer_init(struct buf_writer *w, void *data, size_t cap)
{
    w->data = data;
    w->cap = data ? cap : 0;
    w->len = 0;
    w->err = false;
}

bool buf_writer_ok(const struct buf_writer *w)
{
    return !w->err;
}

size_t buf_writer_len(const struct buf_writer *w)
{
    return w->len;
}

size_t buf_writer_room(const struct buf_writer *w)
{
    return w->err ? 0 : w->cap - w->len;
}

uint8_t *buf_write_reserve(struct buf_writer *w, size_t n)
{
    if (w->err || n > w->cap - w->len) {
        w->err = true;
        return NULL;
    }
    uint8_t *p = w->data + w->len;
    w->len += n;
    return p;
}

static void write_be(struct buf_writer *w, uint64_t v, size_t width)
{
    uint8_t *p = buf_write_reserve(w, width);
    if (!p)
        return;
    for (size_t i = width; i > 0; i--) {
        p[i - 1] = (uint8_t)v;
        v >>= 8;
    }
}

void buf_write_u8(struct buf_writer *w, uint8_t v)
{
    write_be(w, v, 1);
}

void buf_write_u16(struct buf_writer *w, uint16_t v)
{
    write_be(w, v, 2);
}

void buf_write_u24(struct buf_writer *w, uint32_t v)
{
    if (v > 0xFFFFFFu) {
        w->err = true;
        return;
    }
    write_be(w, v, 3);
}

void buf_write_u32(struct buf_writer *w, uint32_t v)
{
    write_be(w, v, 4);
}

void buf_write_u64(struct buf_writer *w, uint64_t v)
{
    write_be(w, v, 8);
}

void buf_write_bytes(struct buf_writer *w, const void *src, size_t n)
{
    uint8_t *p = buf_write_reserve(w, n);
    if (p && n)
        memcpy(p, src, n);
}

void buf_write_u16_block(struct buf_writer *w, const void *src, size_t n)
{
    if (n > 0xFFFFu) {
        w->err = true;
        return;
    }
    buf_write_u16(w, (uint16_t)n);
    buf_write_bytes(w, src, n);
}
