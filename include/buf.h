/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded reader and writer over caller-owned bytes.
 *
 * Every read and write is checked against the bounds. The first failure sets a sticky error flag:
 * later calls do nothing and return zeros, so a parser may read a whole header and check
 * buf_reader_ok() once at the end instead of after every field. Multi-byte integers are big-endian
 * (network order), as everywhere in the OpenVPN wire protocol.
 */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    bool err;
};

struct buf_writer {
    uint8_t *data;
    size_t cap;
    size_t len;
    bool err;
};

/* ---- reader ---- */

/* data may be NULL only when len is 0. The reader does not copy or own the bytes. */
void buf_reader_init(struct buf_reader *r, const void *data, size_t len);

/* True while no read has failed. */
bool buf_reader_ok(const struct buf_reader *r);

/* Bytes not yet consumed (0 after an error). */
size_t buf_remaining(const struct buf_reader *r);

/* Fixed-width big-endian reads. On a short read: return 0, set the error flag. */
uint8_t buf_read_u8(struct buf_reader *r);
uint16_t buf_read_u16(struct buf_reader *r);
uint32_t buf_read_u24(struct buf_reader *r);
uint32_t buf_read_u32(struct buf_reader *r);
uint64_t buf_read_u64(struct buf_reader *r);

/* Copies n bytes to out. On a short read nothing is copied, out is zeroed, the flag is set. */
bool buf_read_bytes(struct buf_reader *r, void *out, size_t n);

/*
 * Returns a pointer to the next n bytes inside the reader's data and consumes them, or NULL
 * (and sets the flag) when fewer than n remain. The view lives as long as the reader's data.
 */
const uint8_t *buf_read_view(struct buf_reader *r, size_t n);

/* Consumes and returns a sub-reader over the next n bytes; a failed one has its error set. */
struct buf_reader buf_read_sub(struct buf_reader *r, size_t n);

/* A block prefixed by its u16 length, as a sub-reader. */
struct buf_reader buf_read_u16_block(struct buf_reader *r);

/* Consumes n bytes without reading them. */
void buf_skip(struct buf_reader *r, size_t n);

/* Next byte without consuming it; false (no error set) when none remains. */
bool buf_peek_u8(const struct buf_reader *r, uint8_t *out);

/* Everything not yet consumed, as a view (may be NULL when empty); consumes nothing. */
const uint8_t *buf_rest(const struct buf_reader *r);

/* ---- writer ---- */

/* Writes go to data[0..cap). */
void buf_writer_init(struct buf_writer *w, void *data, size_t cap);
bool buf_writer_ok(const struct buf_writer *w);
size_t buf_writer_len(const struct buf_writer *w);
size_t buf_writer_room(const struct buf_writer *w);

void buf_write_u8(struct buf_writer *w, uint8_t v);
void buf_write_u16(struct buf_writer *w, uint16_t v);
/* Values above 0xFFFFFF set the error flag: a u24 field cannot hold them. */
void buf_write_u24(struct buf_writer *w, uint32_t v);
void buf_write_u32(struct buf_writer *w, uint32_t v);
void buf_write_u64(struct buf_writer *w, uint64_t v);
void buf_write_bytes(struct buf_writer *w, const void *src, size_t n);

/* A u16 length prefix then the bytes; n over 0xFFFF sets the flag. */
void buf_write_u16_block(struct buf_writer *w, const void *src, size_t n);

/*
 * Reserves n bytes for the caller to fill (e.g. an encryption output) and returns where they
 * start, or NULL (flag set) when they do not fit.
 */
uint8_t *buf_write_reserve(struct buf_writer *w, size_t n);

#endif
