/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hex text: debug dumps for logs (offset, hex bytes, ASCII, in the layout of `hexdump -C`), and
 * strict hex encoding/decoding of byte strings, plain ("d529fa") or colon-separated as
 * certificate fingerprints are written ("d5:29:fa").
 */
#ifndef SLUICE_HEXDUMP_H
#define SLUICE_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HEXDUMP_ERR_SPACE  (-1) /* the output buffer is too small */
#define HEXDUMP_ERR_CHAR   (-2) /* a character that is not a hex digit (or not the ':' expected) */
#define HEXDUMP_ERR_LENGTH (-3) /* odd number of digits, or a truncated last byte */

/* Flags for hexdump_encode*() and hexdump_decode(). */
#define HEXDUMP_COLON 0x1u /* bytes separated by ':' ("d5:29:fa") */
#define HEXDUMP_UPPER 0x2u /* encode with A-F instead of a-f (decoding accepts both cases) */

/* Bytes of input shown on one dump line. */
#define HEXDUMP_LINE_BYTES 16
/* Room for any dump line from hexdump_line(), NUL included (offsets up to 16 hex digits). */
#define HEXDUMP_LINE_SIZE 96

/* The value of a hex digit (either case), or -1. */
int hexdump_nibble(char c);

/* A short English description of a HEXDUMP_ERR_* code. */
const char *hexdump_strerror(int err);

/* Characters (without a NUL) that hexdump_encode() makes of n bytes; SIZE_MAX on overflow. */
size_t hexdump_encoded_len(size_t n, unsigned flags);

/* Appends the hex of in[0..n) to w (no NUL); a too small writer gets its sticky error set. */
void hexdump_encode_to(struct buf_writer *w, const uint8_t *in, size_t n, unsigned flags);

/*
 * Writes the hex of in[0..n) to out as a NUL-terminated string, *outlen (may be NULL) = its
 * length. Needs cap >= hexdump_encoded_len(n, flags) + 1. Returns 0 or HEXDUMP_ERR_SPACE (out is
 * then wiped to "" when cap > 0).
 */
__attribute__((warn_unused_result)) int hexdump_encode(const uint8_t *in, size_t n, unsigned flags,
                                                       char *out, size_t cap, size_t *outlen);

/*
 * Strict decoding of in[0..n) into out[0..cap), *outlen = bytes written. Without HEXDUMP_COLON
 * the input must be an even number of hex digits and nothing else; with it, exactly two digits
 * per byte separated by single ':' (no leading, trailing or doubled ':'). Empty input gives 0
 * bytes. No whitespace is accepted. Returns 0 or a HEXDUMP_ERR_* code; on an error *outlen is 0
 * and what was written to out has been wiped.
 */
__attribute__((warn_unused_result)) int hexdump_decode(const char *in, size_t n, unsigned flags,
                                                       uint8_t *out, size_t cap, size_t *outlen);

/*
 * One dump line for up to 16 bytes data[0..n) (more are ignored) that start at `offset` in the
 * dumped buffer, without a newline, NUL-terminated, e.g.
 * "00000010  66 6f 78 20 6a 75 6d 70  73 20 6f 76 65 72 20 74  |fox jumps over t|".
 * Returns 0, or HEXDUMP_ERR_SPACE (out is then "" when cap > 0); cap >= HEXDUMP_LINE_SIZE always
 * suffices.
 */
__attribute__((warn_unused_result)) int hexdump_line(const uint8_t *data, size_t n, size_t offset,
                                                     char *out, size_t cap);

/*
 * Dumps data[0..n) as lines of 16 bytes, each ending in '\n', like `hexdump -C` without its final
 * length line. Writes as many whole lines as fit in out[0..cap) (always NUL-terminated when
 * cap > 0) and returns how many input bytes they cover, so a caller can tell a truncated dump.
 */
size_t hexdump_format(const uint8_t *data, size_t n, char *out, size_t cap);

#endif
