/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mssfix: lowering the MSS option of TCP SYN and SYN-ACK segments that cross the tunnel, so
 * that the TCP connections inside it choose segments whose encrypted packets fit the outer path
 * (shared/docs/protocol-data.md §11.2).
 *
 * Two parts:
 *  - mss_compute() turns the `mssfix` setting, the outer transport and the negotiated data
 *    cipher into the largest MSS for IPv4 inner packets, reproducing openvpn 2.6's values
 *    (AES-GCM 1400, with `comp-lzo no` 1399, AES-256-CBC+SHA1 1379, +SHA256 1363, none+SHA1 1396,
 *    AES-GCM over TCP/IPv4 1386). IPv6 segments get that value minus 20, as openvpn does.
 *  - mss_clamp() rewrites one IPv4 or IPv6 packet in place: the MSS option is only ever lowered,
 *    and the TCP checksum is updated incrementally (RFC 1624, eqn. 3) instead of recomputed.
 *
 * Robustness: every read goes through a bounded reader. A packet that is not a TCP SYN, is an
 * IP fragment, carries IPv6 extension headers this module does not walk, or is malformed in any
 * way (lengths that disagree, a TCP data offset beyond the segment, an option running past the
 * header) is left byte-for-byte unchanged. IPv6 hop-by-hop, routing and destination-options
 * headers are walked (up to MSS_IPV6_EXT_MAX of them); a fragment header or any other next
 * header leaves the packet alone.
 */
#ifndef SLUICE_MSS_H
#define SLUICE_MSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcipher.h"

#define MSS_TCPIP4_OVERHEAD 40u   /* IPv4 header + TCP header without options */
#define MSS_IPV6_DELTA      20u   /* an IPv6 header is 20 bytes longer than an IPv4 header */
#define MSS_DEFAULT         1492u /* openvpn's default: `mssfix 1492 mtu` with tun-mtu 1500 */
#define MSS_FRAGMENT_HDR    4u    /* --fragment header inside the encryption */
#define MSS_IPV6_EXT_MAX    8u    /* extension headers walked before giving up */

/* How the `mssfix N [mtu|fixed]` number is meant (§11.2). */
enum mss_mode {
    MSS_MODE_OFF = 0, /* mssfix 0: no clamping */
    MSS_MODE_MTU,     /* mssfix N mtu: N is the whole outer IP packet, IP/UDP headers included */
    MSS_MODE_LEGACY,  /* mssfix N: N excludes the outer IP/UDP (or IP/TCP) header */
    MSS_MODE_FIXED,   /* mssfix N fixed: MSS = N - 40, whatever the cipher */
};

/* The outer transport, for its header size: IPv4/UDP 28, IPv6/UDP 48, IPv4/TCP 40, IPv6/TCP 60.
 * TCP adds the 2-byte packet length of the stream framing as well. */
enum mss_transport {
    MSS_UDP4 = 0,
    MSS_UDP6,
    MSS_TCP4,
    MSS_TCP6,
};

struct mss_config {
    unsigned value; /* the N of mssfix; 0 means off whatever the mode */
    enum mss_mode mode;
    enum mss_transport transport;
    bool fragment; /* --fragment in use: its 4-byte header rides inside the encryption */
};

/*
 * The largest MSS of an IPv4 TCP segment inside the tunnel, or 0 for "do not clamp" (mode OFF,
 * value 0, an unknown mode or transport, or a value too small to leave any room). s and hdr_len
 * (1 for P_DATA_V1, 4 for P_DATA_V2) describe the data packets sent; framing is the number of
 * compression-framing bytes in front of every payload (1 for the v1 framings: comp-lzo,
 * compress, compress lz4; 0 for none and the v2 framings, whose escape bytes openvpn ignores
 * here). s may be NULL only in MSS_MODE_FIXED. The result is at most 65535.
 */
uint16_t mss_compute(const struct mss_config *c, const struct dcipher_suite *s, size_t hdr_len,
                     size_t framing);

/* What mss_clamp() did. Every value but MSS_CLAMPED means "pkt was not modified". */
enum mss_result {
    MSS_IGNORED = 0, /* clamping off, not IPv4/IPv6, not TCP, or not a SYN */
    MSS_KEPT,        /* a SYN whose MSS is already small enough, or without an MSS option */
    MSS_CLAMPED,     /* the MSS option was lowered and the checksum adjusted */
    MSS_FRAGMENT,    /* an IPv4 fragment or an IPv6 packet with a fragment header */
    MSS_UNSUPPORTED, /* IPv6: an extension header this module does not walk, or too many */
    MSS_MALFORMED,   /* inconsistent IP or TCP header: left untouched */
};

/* Static, never NULL; "unknown" for other values. */
const char *mss_result_name(int r);

/*
 * Clamps the MSS option of pkt[0..len) (one IP packet, IPv4 or IPv6 by its version nibble) to
 * max_mss for IPv4 and max_mss - 20 for IPv6 (a max_mss of 20 or less leaves IPv6 alone).
 * max_mss 0 turns clamping off. The IP total / payload length must fit in len (bytes after it
 * are ignored). Only the MSS value and the TCP checksum are written, and only for MSS_CLAMPED.
 */
enum mss_result mss_clamp(uint8_t *pkt, size_t len, uint16_t max_mss);

#endif
