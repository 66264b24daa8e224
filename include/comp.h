/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compression framing inside the encrypted data-channel payload (shared/docs/protocol-data.md §7).
 *
 * A `struct comp` is set up once from typed settings (what `comp-lzo`, `compress` and
 * `allow-compression` translate to) and then only read on the packet path, so one instance may be
 * shared by every peer that uses the same framing.
 *
 * Send: comp_frame() turns a plaintext payload into the framed payload that gets encrypted.
 * Receive: comp_unframe() turns a decrypted payload back into the plaintext, or returns the
 * reason to drop it. Neither allocates: the caller passes a scratch buffer for the LZ4 output.
 *
 * Supported: no framing, the LZO stub (0xFA), the swap stub (0xFB), LZ4 with swap (0x69),
 * COMPRESS_V2 (0x50 escape, LZ4 algorithm byte 0x01). LZO itself is not: Sluice never compresses
 * with LZO (every LZO-framed packet goes out as 0xFA + payload, which an LZO peer always accepts,
 * exactly like its own adaptive mode does when compression does not pay) and drops received
 * LZO-compressed packets (0x66) with COMP_DROP_LZO_UNSUPPORTED, because liblzo is not a
 * dependency. Peers should therefore not be told we can decompress LZO.
 */
#ifndef SLUICE_COMP_H
#define SLUICE_COMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktbuf.h"

/* Wire constants, §7.1. */
#define COMP_LZO_BYTE         0x66u /* v1: LZO-compressed payload follows */
#define COMP_LZ4_BYTE         0x69u /* v1 swap: LZ4 block follows */
#define COMP_NO_COMPRESS_BYTE 0xFAu /* v1: uncompressed payload follows */
#define COMP_NO_COMPRESS_SWAP 0xFBu /* v1 swap variant: uncompressed */
#define COMP_V2_INDICATOR     0x50u /* v2 escape byte */
#define COMP_V2_ALG_NONE      0x00u /* v2: escaped, uncompressed payload follows */
#define COMP_V2_ALG_LZ4       0x01u /* v2: LZ4 block follows */
#define COMP_V2_ALG_LZO       0x02u /* v2: reserved, never implemented by OpenVPN */
#define COMP_V2_ALG_SNAPPY    0x03u /* v2: reserved, never implemented by OpenVPN */
/* Payloads shorter than this are never compressed. */
#define COMP_THRESHOLD 100u
/* The most bytes framing adds in front (v2 escape) or at the end (swap) of a payload. */
#define COMP_MAX_OVERHEAD 2u

/* The framing a configuration selects (§7.2). */
enum comp_algo {
    COMP_ALGO_NONE = 0, /* no compression option (2.6 default): no framing at all */
    COMP_ALGO_LZO_STUB, /* comp-lzo no: FA P; receives only FA */
    COMP_ALGO_LZO, /* comp-lzo [yes|adaptive], compress lzo: sends FA P, receives FA (66 dropped) */
    COMP_ALGO_STUB,    /* compress, compress stub: FB P1..Pn P0; receives only FB */
    COMP_ALGO_LZ4,     /* compress lz4: 69 C1..Cm C0 or FB P1..Pn P0 */
    COMP_ALGO_STUB_V2, /* compress stub-v2: P, or 50 00 P when P0 == 0x50 */
    COMP_ALGO_LZ4_V2,  /* compress lz4-v2: 50 01 C, or P / 50 00 P */
};

/* `allow-compression` (§7.4). UNSET means the option was not given. */
enum comp_allow {
    COMP_ALLOW_UNSET = 0,
    COMP_ALLOW_NO,   /* stub framings only */
    COMP_ALLOW_ASYM, /* decompress what arrives, never compress */
    COMP_ALLOW_YES,  /* compress too (payloads >= COMP_THRESHOLD that shrink) */
};

struct comp_settings {
    enum comp_algo algo;
    enum comp_allow allow;
};

/* Fill with comp_init(); read-only afterwards. */
struct comp {
    enum comp_algo algo;
    bool send_compressed; /* LZ4 compression of outgoing payloads is enabled */
    bool recv_compressed; /* compressed payloads are decompressed, not dropped */
};

/* Results. Init and frame errors come first; the COMP_DROP_* codes are per-packet drop reasons. */
enum comp_err {
    COMP_OK = 0,
    COMP_ERR_BAD_SETTING = -1,      /* init: an algorithm or policy value outside its enum */
    COMP_ERR_POLICY = -2,           /* init: compression configured with `allow-compression no` */
    COMP_ERR_NO_ROOM = -3,          /* frame: not enough headroom/tailroom for the framing */
    COMP_DROP_TRUNCATED = -4,       /* the framing header itself is missing or cut short */
    COMP_DROP_BAD_FLAG = -5,        /* a v1 flag byte this framing never uses */
    COMP_DROP_NOT_ALLOWED = -6,     /* a compressed payload where only stub framing is allowed */
    COMP_DROP_UNKNOWN_ALGO = -7,    /* COMPRESS_V2 with an algorithm byte other than 00/01 */
    COMP_DROP_LZO_UNSUPPORTED = -8, /* an LZO-compressed payload (0x66): no LZO in Sluice */
    COMP_DROP_TOO_BIG = -9,         /* an LZ4 block that would expand past the output room */
    COMP_DROP_CORRUPT = -10,        /* an LZ4 block that does not decode */
};

/* Static, never NULL; "unknown error" for values outside enum comp_err. */
const char *comp_strerror(int err);

/*
 * The policy in force for a configuration (§7.4): an explicit `allow-compression` wins; without
 * it, a real algorithm in the configuration means ASYM (receive, never send), stubs mean NO.
 */
enum comp_allow comp_allow_effective(const struct comp_settings *s);

/* True for the framings that carry a compressed payload (LZO, LZ4, LZ4_V2), false for stubs. */
bool comp_algo_compresses(enum comp_algo algo);

/*
 * Whether a pushed `compress`/`comp-lzo` may be accepted by a client whose own configuration is
 * `local` (§7.4): stub framings always; compressing ones unless the effective policy is NO.
 * After accepting, configure the new framing with { pushed, comp_allow_effective(local) }.
 */
bool comp_push_acceptable(const struct comp_settings *local, enum comp_algo pushed);

/*
 * Configures c. Returns 0, COMP_ERR_BAD_SETTING, or COMP_ERR_POLICY when a compressing algorithm
 * meets an explicit `allow-compression no` (2.6 refuses that configuration). On error c is set to
 * no framing so that it is still safe to use.
 */
__attribute__((warn_unused_result)) int comp_init(struct comp *c, const struct comp_settings *s);

/* True when any framing is configured (the OCC options string then gains ",comp-lzo", §7.4). */
bool comp_has_framing(const struct comp *c);

/* Bytes comp_frame() may need in front of the payload (headroom) and after it (tailroom). */
size_t comp_headroom(const struct comp *c);
size_t comp_tailroom(const struct comp *c);

/*
 * Frames the payload in p for sending. Compresses with LZ4 into scratch when the framing and
 * policy allow it, the payload is at least COMP_THRESHOLD bytes and the result is smaller
 * (v1: compressed < original; v2: compressed + 2 < original); the compressed frame then replaces
 * the payload in place (it is never longer). Otherwise only the framing bytes are added, in the
 * headroom (0xFA, 50 00) or by moving the first byte to the tailroom (swap), without copying the
 * payload. scratch may be NULL (never compress); its size bounds the compressed block; it must not
 * overlap the storage of p.
 * An empty payload is framed too (FA, FB, or nothing). Returns 0 or COMP_ERR_NO_ROOM, in which
 * case p is unchanged.
 */
__attribute__((warn_unused_result)) int comp_frame(const struct comp *c, struct pktbuf *p,
                                                   uint8_t *scratch, size_t scratch_len);

/*
 * Removes the framing from a decrypted payload in p and decompresses it if needed. LZ4 output
 * goes to scratch, limited to min(cap, room of p from its data start), and is then copied back
 * into p (scratch must not overlap the storage of p); a block that would decode to more than that
 * is dropped (COMP_DROP_TOO_BIG) before any output is written. Returns 0 (p holds the plaintext,
 * possibly empty) or a COMP_DROP_* reason; after a drop the contents of p are unspecified (the
 * caller discards the packet).
 */
__attribute__((warn_unused_result)) int comp_unframe(const struct comp *c, struct pktbuf *p,
                                                     uint8_t *scratch, size_t cap);

#endif
