/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mssfix: MSS computation and TCP SYN clamping; shared/docs/protocol-data.md §11.2. */
#include "mss.h"

#include "buf.h"

#define IPV4_HDR_MIN    20u
#define IPV6_HDR_LEN    40u
#define TCP_HDR_MIN     20u
#define IPPROTO_NUM_TCP 6u
#define TCP_FLAG_SYN    0x02u
#define TCP_CSUM_OFF    16u /* checksum field inside the TCP header */
#define TCP_OPT_EOL     0u
#define TCP_OPT_NOP     1u
#define TCP_OPT_MSS     2u
#define TCP_OPT_MSS_LEN 4u
#define IPV4_FRAG_MASK  0x3FFFu /* MF flag and fragment offset */

/* IPv6 next-header values of the extension headers walked, and of the fragment header. */
#define IPV6_EXT_HOPOPTS 0u
#define IPV6_EXT_ROUTING 43u
#define IPV6_EXT_FRAG    44u
#define IPV6_EXT_DSTOPTS 60u

/* ---- computation ---- */

static uint16_t cap16(size_t v)
{
    return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* Outer header bytes of the transport: IP + UDP, or IP + TCP. */
static size_t encap_len(enum mss_transport t)
{
    switch (t) {
    case MSS_UDP4:
        return 28;
    case MSS_UDP6:
        return 48;
    case MSS_TCP4:
        return 40;
    case MSS_TCP6:
        return 60;
    }
    return 0;
}

static bool transport_tcp(enum mss_transport t)
{
    return t == MSS_TCP4 || t == MSS_TCP6;
}

/*
 * openvpn subtracts the protocol overhead from N, rounds CBC payloads down to whole blocks minus
 * the pad byte, then subtracts what rides inside the payload (framing, fragment header, the CBC
 * packet-id) and 40 for the inner IPv4 + TCP headers. dcipher_plain_max() does the middle part,
 * packet-id included, so only framing and fragment header remain here.
 */
uint16_t mss_compute(const struct mss_config *c, const struct dcipher_suite *s, size_t hdr_len,
                     size_t framing)
{
    size_t overhead, plain, inner;

    if (c->value == 0)
        return 0;
    if (c->mode == MSS_MODE_FIXED)
        return c->value > MSS_TCPIP4_OVERHEAD ? cap16(c->value - MSS_TCPIP4_OVERHEAD) : 0;
    if ((c->mode != MSS_MODE_MTU && c->mode != MSS_MODE_LEGACY) || s == NULL ||
        encap_len(c->transport) == 0)
        return 0;
    /* The stream's 2-byte length counts whether or not N includes the outer headers. */
    overhead = transport_tcp(c->transport) ? 2 : 0;
    if (c->mode == MSS_MODE_MTU)
        overhead += encap_len(c->transport);
    if (c->value <= overhead)
        return 0;
    plain = dcipher_plain_max(s, hdr_len, c->value - overhead);
    inner = framing + (c->fragment ? MSS_FRAGMENT_HDR : 0) + MSS_TCPIP4_OVERHEAD;
    return plain > inner ? cap16(plain - inner) : 0;
}

const char *mss_result_name(int r)
{
    static const char *const names[] = {
        [MSS_IGNORED] = "ignored",         [MSS_KEPT] = "kept",
        [MSS_CLAMPED] = "clamped",         [MSS_FRAGMENT] = "fragment",
        [MSS_UNSUPPORTED] = "unsupported", [MSS_MALFORMED] = "malformed",
    };

    if (r < 0 || (size_t)r >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[r];
}

/* ---- locating the TCP segment ---- */

/* The TCP segment inside the packet: pkt[off .. off + len). */
struct tcp_seg {
    size_t off;
    size_t len;
};

static enum mss_result ipv4_segment(const uint8_t *pkt, size_t len, struct tcp_seg *seg)
{
    struct buf_reader r;
    uint8_t vihl, proto;
    uint16_t total, frag;
    size_t ihl;

    buf_reader_init(&r, pkt, len);
    vihl = buf_read_u8(&r);
    buf_skip(&r, 1); /* TOS */
    total = buf_read_u16(&r);
    buf_skip(&r, 2); /* identification */
    frag = buf_read_u16(&r);
    buf_skip(&r, 1); /* TTL */
    proto = buf_read_u8(&r);
    ihl = (size_t)(vihl & 0x0Fu) * 4u;
    if (!buf_reader_ok(&r) || ihl < IPV4_HDR_MIN || total < ihl || total > len)
        return MSS_MALFORMED;
    if (proto != IPPROTO_NUM_TCP)
        return MSS_IGNORED;
    if (frag & IPV4_FRAG_MASK)
        return MSS_FRAGMENT;
    seg->off = ihl;
    seg->len = (size_t)total - ihl;
    return MSS_KEPT;
}

/* Upper layers that are certainly not TCP: UDP, ICMPv6, "no next header". */
static bool ipv6_upper_known(uint8_t next)
{
    return next == 17u || next == 58u || next == 59u;
}

static bool ipv6_ext_walked(uint8_t next)
{
    return next == IPV6_EXT_HOPOPTS || next == IPV6_EXT_ROUTING || next == IPV6_EXT_DSTOPTS;
}

/* Follows the chain of next headers from `next` at offset *off, up to `end`. */
static enum mss_result ipv6_walk(const uint8_t *pkt, size_t end, uint8_t next, size_t *off)
{
    for (unsigned i = 0; i <= MSS_IPV6_EXT_MAX; i++) {
        struct buf_reader r;
        size_t ext_len;

        if (next == IPPROTO_NUM_TCP)
            return MSS_KEPT;
        if (next == IPV6_EXT_FRAG)
            return MSS_FRAGMENT;
        if (!ipv6_ext_walked(next))
            return ipv6_upper_known(next) ? MSS_IGNORED : MSS_UNSUPPORTED;
        if (i == MSS_IPV6_EXT_MAX)
            break;
        buf_reader_init(&r, pkt, end);
        buf_skip(&r, *off);
        next = buf_read_u8(&r);
        ext_len = ((size_t)buf_read_u8(&r) + 1u) * 8u;
        if (!buf_reader_ok(&r) || ext_len > end - *off)
            return MSS_MALFORMED;
        *off += ext_len;
    }
    return MSS_UNSUPPORTED;
}

static enum mss_result ipv6_segment(const uint8_t *pkt, size_t len, struct tcp_seg *seg)
{
    struct buf_reader r;
    uint16_t payload;
    uint8_t next;
    size_t off = IPV6_HDR_LEN, end;
    enum mss_result res;

    buf_reader_init(&r, pkt, len);
    buf_skip(&r, 4); /* version, traffic class, flow label */
    payload = buf_read_u16(&r);
    next = buf_read_u8(&r);
    buf_skip(&r, 1 + 32); /* hop limit, addresses */
    /* Payload length 0 announces a jumbogram, which a tun MTU never carries. */
    if (!buf_reader_ok(&r) || payload == 0 || payload > len - IPV6_HDR_LEN)
        return MSS_MALFORMED;
    end = IPV6_HDR_LEN + payload;
    res = ipv6_walk(pkt, end, next, &off);
    if (res != MSS_KEPT)
        return res;
    seg->off = off;
    seg->len = end - off;
    return MSS_KEPT;
}

/* ---- the TCP header ---- */

/* One's complement 16-bit addition with end-around carry. */
static uint32_t csum_add(uint32_t a, uint32_t b)
{
    uint32_t s = a + b;

    return (s & 0xFFFFu) + (s >> 16);
}

static uint16_t swap16(uint16_t v)
{
    return (uint16_t)((v << 8) | (v >> 8));
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). The checksum sums 16-bit words aligned to the start
 * of the TCP header; a value at an odd offset straddles two words with its bytes swapped, and
 * since one's complement sums commute with byte swapping, swapping m and m' handles it.
 */
static uint16_t csum_update(uint16_t hc, uint16_t old, uint16_t new_val, bool odd)
{
    uint32_t s;

    if (odd) {
        old = swap16(old);
        new_val = swap16(new_val);
    }
    s = csum_add((uint16_t)~hc, (uint16_t)~old);
    s = csum_add(s, new_val);
    s = csum_add(s, 0); /* a second carry can remain after two additions */
    return (uint16_t)~s;
}

/* Writes a big-endian u16 at pkt[off], bounded by len. */
static void put_u16_at(uint8_t *pkt, size_t len, size_t off, uint16_t v)
{
    struct buf_writer w;

    buf_writer_init(&w, pkt, len);
    (void)buf_write_reserve(&w, off);
    buf_write_u16(&w, v);
}

/* Lowers the MSS value at option offset mss_off (within pkt) to max, fixing the checksum. */
static void rewrite_mss(uint8_t *pkt, size_t len, const struct tcp_seg *seg, size_t mss_off,
                        uint16_t old, uint16_t max)
{
    struct buf_reader r;
    uint16_t hc;

    buf_reader_init(&r, pkt, len);
    buf_skip(&r, seg->off + TCP_CSUM_OFF);
    hc = buf_read_u16(&r);
    put_u16_at(pkt, len, mss_off, max);
    put_u16_at(pkt, len, seg->off + TCP_CSUM_OFF,
               csum_update(hc, old, max, ((mss_off - seg->off) & 1u) != 0));
}

/*
 * Walks the options of a SYN. Every MSS option is checked (a peer could send two); any option
 * that does not fit the header makes the whole segment malformed and nothing is written, so
 * the options are first validated in one pass and only then rewritten in a second.
 */
static enum mss_result tcp_options(uint8_t *pkt, size_t len, const struct tcp_seg *seg,
                                   size_t hdr_len, uint16_t max, bool write)
{
    enum mss_result res = MSS_KEPT;
    struct buf_reader r;

    buf_reader_init(&r, pkt, seg->off + hdr_len);
    buf_skip(&r, seg->off + TCP_HDR_MIN);
    while (buf_remaining(&r) > 0) {
        uint8_t kind = buf_read_u8(&r), olen;

        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP)
            continue;
        olen = buf_read_u8(&r);
        if (!buf_reader_ok(&r) || olen < 2 || (size_t)olen - 2 > buf_remaining(&r))
            return MSS_MALFORMED;
        if (kind == TCP_OPT_MSS && olen == TCP_OPT_MSS_LEN) {
            size_t at = r.pos;
            uint16_t mss = buf_read_u16(&r);

            if (mss > max) {
                res = MSS_CLAMPED;
                if (write)
                    rewrite_mss(pkt, len, seg, at, mss, max);
            }
            continue;
        }
        buf_skip(&r, (size_t)olen - 2);
    }
    return res;
}

static enum mss_result tcp_clamp(uint8_t *pkt, size_t len, const struct tcp_seg *seg, uint16_t max)
{
    struct buf_reader r;
    uint8_t doff, flags;
    size_t hdr_len;
    enum mss_result res;

    buf_reader_init(&r, pkt, seg->off + seg->len);
    buf_skip(&r, seg->off + 12);
    doff = buf_read_u8(&r);
    flags = buf_read_u8(&r);
    hdr_len = (size_t)(doff >> 4) * 4u;
    if (!buf_reader_ok(&r) || hdr_len < TCP_HDR_MIN || hdr_len > seg->len)
        return MSS_MALFORMED;
    if (!(flags & TCP_FLAG_SYN))
        return MSS_IGNORED;
    res = tcp_options(pkt, len, seg, hdr_len, max, false);
    if (res == MSS_CLAMPED)
        (void)tcp_options(pkt, len, seg, hdr_len, max, true);
    return res;
}

enum mss_result mss_clamp(uint8_t *pkt, size_t len, uint16_t max_mss)
{
    struct buf_reader r;
    struct tcp_seg seg;
    enum mss_result res;
    uint8_t version;

    buf_reader_init(&r, pkt, len);
    if (max_mss == 0 || !buf_peek_u8(&r, &version))
        return MSS_IGNORED;
    switch (version >> 4) {
    case 4:
        res = ipv4_segment(pkt, len, &seg);
        break;
    case 6:
        if (max_mss <= MSS_IPV6_DELTA)
            return MSS_IGNORED;
        max_mss = (uint16_t)(max_mss - MSS_IPV6_DELTA);
        res = ipv6_segment(pkt, len, &seg);
        break;
    default:
        return MSS_IGNORED;
    }
    return res == MSS_KEPT ? tcp_clamp(pkt, len, &seg, max_mss) : res;
}
