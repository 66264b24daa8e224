/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base64.h"

#include "secret.h"

static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
    size_t groups = n / 3 + (n % 3 != 0);
    if (groups > SIZE_MAX / 4)
        return SIZE_MAX;
    return groups * 4;
}

size_t base64_decoded_max(size_t n)
{
    return n / 4 * 3;
}

/* Arithmetic on the character rather than a 256-entry table keeps the mapping easy to review. */
int base64_char_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

const char *base64_strerror(int err)
{
    switch (err) {
    case 0:
        return "no error";
    case BASE64_ERR_SPACE:
        return "decoded data does not fit";
    case BASE64_ERR_CHAR:
        return "character outside the base64 alphabet";
    case BASE64_ERR_PAD:
        return "bad padding, truncated data or data after the padding";
    default:
        return "unknown base64 error";
    }
}

static void put_char(struct buf_writer *w, unsigned sextet)
{
    buf_write_u8(w, (uint8_t)alphabet[sextet & 0x3f]);
}

/* One group: 1 to 3 bytes in, 4 characters out, '=' standing in for missing bytes. */
static void encode_group(struct buf_writer *w, const uint8_t *b, size_t n)
{
    uint32_t v = (uint32_t)b[0] << 16;
    if (n > 1)
        v |= (uint32_t)b[1] << 8;
    if (n > 2)
        v |= b[2];
    put_char(w, v >> 18);
    put_char(w, v >> 12);
    if (n > 1)
        put_char(w, v >> 6);
    else
        buf_write_u8(w, '=');
    if (n > 2)
        put_char(w, v);
    else
        buf_write_u8(w, '=');
}

void base64_encode_to(struct buf_writer *w, const uint8_t *in, size_t n)
{
    struct buf_reader r;
    buf_reader_init(&r, in, n);
    while (buf_remaining(&r) > 0 && buf_writer_ok(w)) {
        size_t take = buf_remaining(&r) < 3 ? buf_remaining(&r) : 3;
        encode_group(w, buf_read_view(&r, take), take);
    }
}

int base64_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *outlen)
{
    struct buf_writer w;
    buf_writer_init(&w, out, cap);
    base64_encode_to(&w, in, n);
    buf_write_u8(&w, 0);
    if (!buf_writer_ok(&w)) {
        /* The input may be key material: leave no partial encoding behind. */
        secret_wipe(out, buf_writer_len(&w));
        if (cap > 0)
            out[0] = '\0';
        return BASE64_ERR_SPACE;
    }
    if (outlen)
        *outlen = buf_writer_len(&w) - 1;
    return 0;
}

struct decoder {
    uint8_t quad[4]; /* sextets of the current group */
    size_t qn;       /* characters of the current group seen, '=' included */
    size_t pad;      /* '=' seen in the current group */
    bool done;       /* a padded group ended the data */
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Emits a complete group; the spare low bits of a padded group must be zero (canonical form). */
static int flush_group(struct decoder *d, struct buf_writer *w)
{
    uint32_t v = (uint32_t)d->quad[0] << 18 | (uint32_t)d->quad[1] << 12 |
                 (uint32_t)d->quad[2] << 6 | d->quad[3];
    size_t nbytes = 3 - d->pad;
    if ((d->pad == 2 && (v & 0xffff) != 0) || (d->pad == 1 && (v & 0xff) != 0))
        return BASE64_ERR_PAD;
    buf_write_u8(w, (uint8_t)(v >> 16));
    if (nbytes > 1)
        buf_write_u8(w, (uint8_t)(v >> 8));
    if (nbytes > 2)
        buf_write_u8(w, (uint8_t)v);
    d->qn = 0;
    d->done = d->pad > 0;
    return buf_writer_ok(w) ? 0 : BASE64_ERR_SPACE;
}

static int decode_char(struct decoder *d, struct buf_writer *w, char c)
{
    if (is_space(c))
        return 0;
    if (d->done)
        return BASE64_ERR_PAD;
    if (c == '=') {
        /* Padding may fill only the third and fourth place of a group. */
        if (d->qn < 2)
            return BASE64_ERR_PAD;
        d->quad[d->qn++] = 0;
        d->pad++;
    } else {
        int v = base64_char_value(c);
        if (v < 0)
            return BASE64_ERR_CHAR;
        if (d->pad > 0)
            return BASE64_ERR_PAD;
        d->quad[d->qn++] = (uint8_t)v;
    }
    return d->qn == 4 ? flush_group(d, w) : 0;
}

int base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    struct decoder d = { { 0, 0, 0, 0 }, 0, 0, false };
    struct buf_reader r;
    struct buf_writer w;
    int rc = 0;
    buf_reader_init(&r, in, n);
    buf_writer_init(&w, out, cap);
    while (rc == 0 && buf_remaining(&r) > 0)
        rc = decode_char(&d, &w, (char)buf_read_u8(&r));
    if (rc == 0 && d.qn != 0)
        rc = BASE64_ERR_PAD;
    secret_wipe(&d, sizeof(d));
    *outlen = rc == 0 ? buf_writer_len(&w) : 0;
    if (rc != 0)
        secret_wipe(out, buf_writer_len(&w));
    return rc;
}
