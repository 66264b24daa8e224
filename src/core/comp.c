/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compression framing, shared/docs/protocol-data.md §7. The rules per framing are in the table of
 * §7.2; the send/receive policy in §7.4; the LZ4 calls in §7.3.
 */
#include "comp.h"

#include <limits.h>
#include <string.h>

#include <lz4.h>

#include "buf.h"

const char *comp_strerror(int err)
{
    switch (err) {
    case COMP_OK:
        return "ok";
    case COMP_ERR_BAD_SETTING:
        return "unknown compression setting";
    case COMP_ERR_POLICY:
        return "compression is not allowed since allow-compression is set to 'no'";
    case COMP_ERR_NO_ROOM:
        return "no room for the compression framing";
    case COMP_DROP_TRUNCATED:
        return "truncated compression header";
    case COMP_DROP_BAD_FLAG:
        return "bad compression header byte";
    case COMP_DROP_NOT_ALLOWED:
        return "compressed packet where only stub framing is allowed";
    case COMP_DROP_UNKNOWN_ALGO:
        return "unknown COMPRESS_V2 algorithm";
    case COMP_DROP_LZO_UNSUPPORTED:
        return "LZO-compressed packet (LZO is not supported)";
    case COMP_DROP_TOO_BIG:
        return "decompressed packet too big";
    case COMP_DROP_CORRUPT:
        return "corrupt LZ4 block";
    default:
        return "unknown error";
    }
}

bool comp_algo_compresses(enum comp_algo algo)
{
    return algo == COMP_ALGO_LZO || algo == COMP_ALGO_LZ4 || algo == COMP_ALGO_LZ4_V2;
}

static bool algo_valid(enum comp_algo algo)
{
    return algo >= COMP_ALGO_NONE && algo <= COMP_ALGO_LZ4_V2;
}

enum comp_allow comp_allow_effective(const struct comp_settings *s)
{
    if (s->allow != COMP_ALLOW_UNSET)
        return s->allow;
    /* 2.6 turns a configured algorithm into "decompress only" ("Compression for receiving
     * enabled") rather than refusing it; stubs carry no compression, so nothing to allow. */
    return comp_algo_compresses(s->algo) ? COMP_ALLOW_ASYM : COMP_ALLOW_NO;
}

bool comp_push_acceptable(const struct comp_settings *local, enum comp_algo pushed)
{
    if (!algo_valid(pushed))
        return false;
    return !comp_algo_compresses(pushed) || comp_allow_effective(local) != COMP_ALLOW_NO;
}

int comp_init(struct comp *c, const struct comp_settings *s)
{
    c->algo = COMP_ALGO_NONE;
    c->send_compressed = false;
    c->recv_compressed = false;
    if (!algo_valid(s->algo) || s->allow < COMP_ALLOW_UNSET || s->allow > COMP_ALLOW_YES)
        return COMP_ERR_BAD_SETTING;
    enum comp_allow allow = comp_allow_effective(s);
    bool real = comp_algo_compresses(s->algo);
    if (real && allow == COMP_ALLOW_NO)
        return COMP_ERR_POLICY;
    c->algo = s->algo;
    c->recv_compressed = real;
    /* Only LZ4 is ever compressed on send: without liblzo, LZO framing always sends 0xFA. */
    c->send_compressed =
        allow == COMP_ALLOW_YES && (s->algo == COMP_ALGO_LZ4 || s->algo == COMP_ALGO_LZ4_V2);
    return COMP_OK;
}

bool comp_has_framing(const struct comp *c)
{
    return c->algo != COMP_ALGO_NONE;
}

size_t comp_headroom(const struct comp *c)
{
    switch (c->algo) {
    case COMP_ALGO_LZO_STUB:
    case COMP_ALGO_LZO:
        return 1;
    case COMP_ALGO_STUB_V2:
    case COMP_ALGO_LZ4_V2:
        return 2;
    default:
        return 0;
    }
}

size_t comp_tailroom(const struct comp *c)
{
    return c->algo == COMP_ALGO_STUB || c->algo == COMP_ALGO_LZ4 ? 1 : 0;
}

/* ---- send ---- */

/*
 * LZ4-compresses the payload of p (at least COMP_THRESHOLD bytes) into scratch, accepting the
 * result only if it is at most `most` bytes. Returns the compressed length, or 0 when compression
 * does not pay or cannot be tried.
 */
static size_t lz4_try(const struct pktbuf *p, uint8_t *scratch, size_t scratch_len, size_t most)
{
    size_t len = pktbuf_len(p);
    if (scratch == NULL || len > (size_t)LZ4_MAX_INPUT_SIZE)
        return 0;
    size_t room = scratch_len < most ? scratch_len : most;
    if (room > (size_t)INT_MAX)
        room = INT_MAX;
    /* A destination smaller than the worst case makes LZ4 give up (0) as soon as it overflows. */
    int n =
        LZ4_compress_default((const char *)pktbuf_data(p), (char *)scratch, (int)len, (int)room);
    return n > 0 ? (size_t)n : 0;
}

/* Rewrites p in place as `flag C1..Cm C0`, the v1 swap layout of the block C = scratch[0..m). */
static void put_swapped(struct pktbuf *p, uint8_t flag, const uint8_t *blk, size_t m)
{
    struct buf_reader r;
    struct buf_writer w;
    buf_reader_init(&r, blk, m);
    uint8_t first = buf_read_u8(&r);
    buf_writer_init(&w, pktbuf_data(p), m + 1);
    buf_write_u8(&w, flag);
    buf_write_bytes(&w, buf_rest(&r), buf_remaining(&r));
    buf_write_u8(&w, first);
    (void)pktbuf_set_len(p, m + 1);
}

/* v1 swap: `FB P1..Pn P0`. The first byte moves to the tailroom; nothing else is copied. */
static int frame_swap_plain(struct pktbuf *p)
{
    size_t len = pktbuf_len(p);
    uint8_t *tail = pktbuf_put(p, 1);
    if (tail == NULL)
        return COMP_ERR_NO_ROOM;
    uint8_t *d = pktbuf_data(p);
    /* An empty payload becomes the lone flag byte, which unframes back to empty. */
    *tail = len > 0 ? d[0] : COMP_NO_COMPRESS_SWAP;
    d[0] = COMP_NO_COMPRESS_SWAP;
    return COMP_OK;
}

static int frame_swap(const struct comp *c, struct pktbuf *p, uint8_t *scratch, size_t slen)
{
    size_t len = pktbuf_len(p);
    if (c->send_compressed && len >= COMP_THRESHOLD) {
        /* v1: used only when strictly smaller; the flag byte costs the same either way. */
        size_t m = lz4_try(p, scratch, slen, len - 1);
        if (m > 0) {
            put_swapped(p, COMP_LZ4_BYTE, scratch, m);
            return COMP_OK;
        }
    }
    return frame_swap_plain(p);
}

static int frame_v2(const struct comp *c, struct pktbuf *p, uint8_t *scratch, size_t slen)
{
    size_t len = pktbuf_len(p);
    if (c->send_compressed && len >= COMP_THRESHOLD) {
        /* v2: compressed + 2 header bytes must stay below the original length. */
        size_t m = lz4_try(p, scratch, slen, len - 3);
        if (m > 0) {
            struct buf_writer w;
            buf_writer_init(&w, pktbuf_data(p), len);
            buf_write_u8(&w, COMP_V2_INDICATOR);
            buf_write_u8(&w, COMP_V2_ALG_LZ4);
            buf_write_bytes(&w, scratch, m);
            (void)pktbuf_set_len(p, buf_writer_len(&w));
            return COMP_OK;
        }
    }
    /* Only a payload that itself starts with the escape byte needs escaping. */
    if (len == 0 || pktbuf_data(p)[0] != COMP_V2_INDICATOR)
        return COMP_OK;
    uint8_t *h = pktbuf_push(p, 2);
    if (h == NULL)
        return COMP_ERR_NO_ROOM;
    h[0] = COMP_V2_INDICATOR;
    h[1] = COMP_V2_ALG_NONE;
    return COMP_OK;
}

static int frame_lzo(struct pktbuf *p)
{
    uint8_t *h = pktbuf_push(p, 1);
    if (h == NULL)
        return COMP_ERR_NO_ROOM;
    *h = COMP_NO_COMPRESS_BYTE;
    return COMP_OK;
}

int comp_frame(const struct comp *c, struct pktbuf *p, uint8_t *scratch, size_t scratch_len)
{
    switch (c->algo) {
    case COMP_ALGO_LZO_STUB:
    case COMP_ALGO_LZO:
        return frame_lzo(p);
    case COMP_ALGO_STUB:
    case COMP_ALGO_LZ4:
        return frame_swap(c, p, scratch, scratch_len);
    case COMP_ALGO_STUB_V2:
    case COMP_ALGO_LZ4_V2:
        return frame_v2(c, p, scratch, scratch_len);
    default:
        return COMP_OK;
    }
}

/* ---- receive ---- */

/*
 * Adds an LZ4 length field to *n: the 4-bit value from the token, and when it is 15, extension
 * bytes that each add 0..255 and continue while they are 255. Returns COMP_DROP_TOO_BIG as soon
 * as *n passes `room` (which also keeps the sum from overflowing), COMP_DROP_CORRUPT when the
 * block ends inside the field.
 */
static int lz4_len(struct buf_reader *r, unsigned nibble, size_t room, size_t *n)
{
    *n = nibble;
    uint8_t b = nibble == 15 ? 255 : 0;
    while (b == 255 && *n <= room) {
        b = buf_read_u8(r);
        if (!buf_reader_ok(r))
            return COMP_DROP_CORRUPT;
        *n += b;
    }
    return *n > room ? COMP_DROP_TOO_BIG : COMP_OK;
}

/* Reads the 2-byte little-endian match offset; it must point inside the output so far. */
static int lz4_offset(struct buf_reader *r, size_t produced)
{
    size_t lo = buf_read_u8(r);
    size_t hi = buf_read_u8(r);
    size_t off = lo | (hi << 8);
    if (!buf_reader_ok(r) || off == 0 || off > produced)
        return COMP_DROP_CORRUPT;
    return COMP_OK;
}

/*
 * Walks the sequences of an LZ4 block (token, literal length, literals, offset, match length;
 * the last sequence has literals only) to learn its decoded size without decoding it, so a block
 * claiming more than `limit` bytes is refused before LZ4 writes anything.
 */
static int lz4_scan(const uint8_t *src, size_t len, size_t limit, size_t *out)
{
    struct buf_reader r;
    size_t total = 0, n;
    buf_reader_init(&r, src, len);
    for (;;) {
        uint8_t token = buf_read_u8(&r);
        if (!buf_reader_ok(&r))
            return COMP_DROP_CORRUPT;
        int e = lz4_len(&r, token >> 4, limit - total, &n);
        if (e != COMP_OK)
            return e;
        total += n;
        buf_skip(&r, n);
        if (!buf_reader_ok(&r))
            return COMP_DROP_CORRUPT;
        if (buf_remaining(&r) == 0)
            break;
        if ((e = lz4_offset(&r, total)) != COMP_OK)
            return e;
        /* A match copies at least 4 bytes; its field counts the bytes beyond those. */
        if (limit - total < 4)
            return COMP_DROP_TOO_BIG;
        if ((e = lz4_len(&r, token & 15u, limit - total - 4, &n)) != COMP_OK)
            return e;
        total += n + 4;
    }
    *out = total;
    return COMP_OK;
}

/* Decompresses the LZ4 block that is the current data of p, then puts the result back into p. */
static int lz4_unframe(struct pktbuf *p, uint8_t *scratch, size_t cap)
{
    size_t room = pktbuf_len(p) + pktbuf_tailroom(p);
    size_t limit = scratch == NULL ? 0 : (cap < room ? cap : room);
    size_t len = pktbuf_len(p), want = 0;
    if (limit > (size_t)INT_MAX)
        limit = INT_MAX;
    if (len > (size_t)INT_MAX)
        return COMP_DROP_CORRUPT;
    int e = lz4_scan(pktbuf_data(p), len, limit, &want);
    if (e != COMP_OK)
        return e;
    if (want == 0) {
        (void)pktbuf_set_len(p, 0);
        return COMP_OK;
    }
    int n =
        LZ4_decompress_safe((const char *)pktbuf_data(p), (char *)scratch, (int)len, (int)limit);
    /* The scan and LZ4 must agree; a block breaking LZ4's end-of-block rules fails here. */
    if (n < 0 || (size_t)n != want)
        return COMP_DROP_CORRUPT;
    (void)pktbuf_set_len(p, want);
    memcpy(pktbuf_data(p), scratch, want);
    return COMP_OK;
}

/* v1 flag byte of the LZO family: 0xFA, or 0x66 which we cannot decompress. */
static int unframe_lzo(const struct comp *c, struct pktbuf *p)
{
    const uint8_t *flag = pktbuf_pull(p, 1);
    if (flag == NULL)
        return COMP_DROP_TRUNCATED;
    if (*flag == COMP_NO_COMPRESS_BYTE)
        return COMP_OK;
    if (*flag != COMP_LZO_BYTE)
        return COMP_DROP_BAD_FLAG;
    return c->recv_compressed ? COMP_DROP_LZO_UNSUPPORTED : COMP_DROP_NOT_ALLOWED;
}

/* v1 swap: byte 0 is the flag, the last byte goes back to position 0, one byte shorter. */
static int unframe_swap(const struct comp *c, struct pktbuf *p, uint8_t *scratch, size_t cap)
{
    size_t len = pktbuf_len(p);
    if (len == 0)
        return COMP_DROP_TRUNCATED;
    uint8_t *d = pktbuf_data(p);
    uint8_t flag = d[0];
    if (flag != COMP_NO_COMPRESS_SWAP && flag != COMP_LZ4_BYTE)
        return COMP_DROP_BAD_FLAG;
    if (flag == COMP_LZ4_BYTE && !c->recv_compressed)
        return COMP_DROP_NOT_ALLOWED;
    d[0] = d[len - 1];
    (void)pktbuf_trim(p, 1);
    return flag == COMP_LZ4_BYTE ? lz4_unframe(p, scratch, cap) : COMP_OK;
}

static int unframe_v2(const struct comp *c, struct pktbuf *p, uint8_t *scratch, size_t cap)
{
    struct buf_reader r = pktbuf_reader(p);
    uint8_t b0 = 0;
    if (!buf_peek_u8(&r, &b0) || b0 != COMP_V2_INDICATOR)
        return COMP_OK;
    buf_skip(&r, 1);
    uint8_t alg = buf_read_u8(&r);
    if (!buf_reader_ok(&r))
        return COMP_DROP_TRUNCATED;
    if (alg != COMP_V2_ALG_NONE && alg != COMP_V2_ALG_LZ4)
        return COMP_DROP_UNKNOWN_ALGO;
    if (alg == COMP_V2_ALG_LZ4 && !c->recv_compressed)
        return COMP_DROP_NOT_ALLOWED;
    (void)pktbuf_pull(p, 2);
    return alg == COMP_V2_ALG_LZ4 ? lz4_unframe(p, scratch, cap) : COMP_OK;
}

int comp_unframe(const struct comp *c, struct pktbuf *p, uint8_t *scratch, size_t cap)
{
    switch (c->algo) {
    case COMP_ALGO_LZO_STUB:
    case COMP_ALGO_LZO:
        return unframe_lzo(c, p);
    case COMP_ALGO_STUB:
    case COMP_ALGO_LZ4:
        return unframe_swap(c, p, scratch, cap);
    case COMP_ALGO_STUB_V2:
    case COMP_ALGO_LZ4_V2:
        return unframe_v2(c, p, scratch, cap);
    default:
        return COMP_OK;
    }
}
