/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hexdump.h"

#include "secret.h"

static const char lower_digits[16] = "0123456789abcdef";
static const char upper_digits[16] = "0123456789ABCDEF";

int hexdump_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

const char *hexdump_strerror(int err)
{
    switch (err) {
    case 0:
        return "no error";
    case HEXDUMP_ERR_SPACE:
        return "output does not fit";
    case HEXDUMP_ERR_CHAR:
        return "not a hex digit or separator";
    case HEXDUMP_ERR_LENGTH:
        return "odd number of hex digits";
    default:
        return "unknown hex error";
    }
}

size_t hexdump_encoded_len(size_t n, unsigned flags)
{
    size_t per_byte = (flags & HEXDUMP_COLON) ? 3 : 2;
    if (n == 0)
        return 0;
    if (n > SIZE_MAX / per_byte)
        return SIZE_MAX;
    /* The colon form has one separator fewer than bytes. */
    return n * per_byte - (per_byte - 2);
}

static void put_hex_byte(struct buf_writer *w, uint8_t b, const char *digits)
{
    buf_write_u8(w, (uint8_t)digits[b >> 4]);
    buf_write_u8(w, (uint8_t)digits[b & 0xf]);
}

void hexdump_encode_to(struct buf_writer *w, const uint8_t *in, size_t n, unsigned flags)
{
    const char *digits = (flags & HEXDUMP_UPPER) ? upper_digits : lower_digits;
    struct buf_reader r;
    buf_reader_init(&r, in, n);
    for (size_t i = 0; i < n && buf_writer_ok(w); i++) {
        if (i > 0 && (flags & HEXDUMP_COLON))
            buf_write_u8(w, ':');
        put_hex_byte(w, buf_read_u8(&r), digits);
    }
}

/* Adds the terminating NUL; on overflow leaves "" behind so a caller never sees half a string. */
static int finish_string(struct buf_writer *w, char *out, size_t cap, size_t *outlen)
{
    buf_write_u8(w, 0);
    if (!buf_writer_ok(w)) {
        /* The input may be key material: leave no partial encoding behind. */
        secret_wipe(out, buf_writer_len(w));
        if (cap > 0)
            out[0] = '\0';
        return HEXDUMP_ERR_SPACE;
    }
    if (outlen)
        *outlen = buf_writer_len(w) - 1;
    return 0;
}

int hexdump_encode(const uint8_t *in, size_t n, unsigned flags, char *out, size_t cap,
                   size_t *outlen)
{
    struct buf_writer w;
    buf_writer_init(&w, out, cap);
    hexdump_encode_to(&w, in, n, flags);
    return finish_string(&w, out, cap, outlen);
}

/* Two digits from r into w. */
static int decode_byte(struct buf_reader *r, struct buf_writer *w)
{
    if (buf_remaining(r) < 2)
        return HEXDUMP_ERR_LENGTH;
    int hi = hexdump_nibble((char)buf_read_u8(r));
    int lo = hexdump_nibble((char)buf_read_u8(r));
    if (hi < 0 || lo < 0)
        return HEXDUMP_ERR_CHAR;
    buf_write_u8(w, (uint8_t)(hi << 4 | lo));
    return buf_writer_ok(w) ? 0 : HEXDUMP_ERR_SPACE;
}

static int decode_all(struct buf_reader *r, struct buf_writer *w, unsigned flags)
{
    bool colon = flags & HEXDUMP_COLON;
    if (!colon && buf_remaining(r) % 2 != 0)
        return HEXDUMP_ERR_LENGTH;
    for (bool first = true; buf_remaining(r) > 0; first = false) {
        if (colon && !first && buf_read_u8(r) != ':')
            return HEXDUMP_ERR_CHAR;
        int rc = decode_byte(r, w);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int hexdump_decode(const char *in, size_t n, unsigned flags, uint8_t *out, size_t cap,
                   size_t *outlen)
{
    struct buf_reader r;
    struct buf_writer w;
    buf_reader_init(&r, in, n);
    buf_writer_init(&w, out, cap);
    int rc = decode_all(&r, &w, flags);
    if (rc != 0)
        secret_wipe(out, buf_writer_len(&w));
    *outlen = rc == 0 ? buf_writer_len(&w) : 0;
    return rc;
}

/* Offsets have at least 8 digits, more only when they need them. */
static size_t offset_digits(uint64_t offset)
{
    size_t d = 8;
    while (d < 16 && (offset >> (4 * d)) != 0)
        d++;
    return d;
}

/* Offset, two spaces, 16 slots of 3, a middle space, " |", the ASCII column, "|". */
static size_t line_len(uint64_t offset, size_t n)
{
    return offset_digits(offset) + 2 + HEXDUMP_LINE_BYTES * 3 + 1 + 2 + n + 1;
}

static void dump_line_to(struct buf_writer *w, const uint8_t *data, size_t n, uint64_t offset)
{
    struct buf_reader r;
    buf_reader_init(&r, data, n);
    for (size_t d = offset_digits(offset); d > 0; d--)
        buf_write_u8(w, (uint8_t)lower_digits[(offset >> (4 * (d - 1))) & 0xf]);
    buf_write_bytes(w, "  ", 2);
    for (size_t i = 0; i < HEXDUMP_LINE_BYTES; i++) {
        if (i < n)
            put_hex_byte(w, buf_read_u8(&r), lower_digits);
        else
            buf_write_bytes(w, "  ", 2);
        buf_write_u8(w, ' ');
        if (i == HEXDUMP_LINE_BYTES / 2 - 1)
            buf_write_u8(w, ' ');
    }
    buf_write_bytes(w, " |", 2);
    buf_reader_init(&r, data, n);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf_read_u8(&r);
        buf_write_u8(w, c >= 0x20 && c < 0x7f ? c : '.');
    }
    buf_write_u8(w, '|');
}

int hexdump_line(const uint8_t *data, size_t n, size_t offset, char *out, size_t cap)
{
    struct buf_writer w;
    buf_writer_init(&w, out, cap);
    if (n > HEXDUMP_LINE_BYTES)
        n = HEXDUMP_LINE_BYTES;
    dump_line_to(&w, data, n, offset);
    return finish_string(&w, out, cap, NULL);
}

size_t hexdump_format(const uint8_t *data, size_t n, char *out, size_t cap)
{
    struct buf_reader r;
    struct buf_writer w;
    buf_reader_init(&r, data, n);
    buf_writer_init(&w, out, cap);
    size_t done = 0;
    while (buf_remaining(&r) > 0) {
        size_t k = buf_remaining(&r) < HEXDUMP_LINE_BYTES ? buf_remaining(&r) : HEXDUMP_LINE_BYTES;
        /* Whole lines only: the line, its newline and the NUL must all still fit. */
        if (line_len(done, k) + 2 > buf_writer_room(&w))
            break;
        dump_line_to(&w, buf_read_view(&r, k), k, done);
        buf_write_u8(&w, '\n');
        done += k;
    }
    buf_write_u8(&w, 0);
    if (!buf_writer_ok(&w) && cap > 0)
        out[0] = '\0';
    return done;
}
