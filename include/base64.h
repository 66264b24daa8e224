/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Base64 (RFC 4648 section 4: standard alphabet, '=' padding), for PEM bodies such as the
 * tls-crypt-v2 key files (protocol-control.md section 5.1).
 *
 * The decoder is strict about everything except layout: whitespace (space, tab, CR, LF, VT, FF)
 * anywhere is skipped, so a PEM body wrapped at any width decodes as is. Rejected: any other
 * character outside the alphabet, a final group of fewer than 4 characters (missing padding),
 * '=' anywhere but the end of the last group, data after the padding, and non-zero bits in the
 * unused low bits of the last character (so every accepted input has exactly one encoding).
 */
#ifndef SLUICE_BASE64_H
#define SLUICE_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define BASE64_ERR_SPACE (-1) /* the output buffer is too small */
#define BASE64_ERR_CHAR  (-2) /* a character outside the alphabet, not whitespace */
#define BASE64_ERR_PAD   (-3) /* bad or missing padding, data after it, or non-zero spare bits */

/* Characters (without a NUL) that encoding n bytes produces; SIZE_MAX if that overflows. */
size_t base64_encoded_len(size_t n);

/* The most bytes that n characters of input can decode to (whitespace makes it less). */
size_t base64_decoded_max(size_t n);

/* The 6-bit value of an alphabet character, or -1 (for '=', whitespace and anything else). */
int base64_char_value(char c);

/* A short English description of a BASE64_ERR_* code. */
const char *base64_strerror(int err);

/*
 * Appends the encoding of in[0..n) to w (no NUL). When it does not fit, w's sticky error flag is
 * set; what was written so far is then incomplete.
 */
void base64_encode_to(struct buf_writer *w, const uint8_t *in, size_t n);

/*
 * Encodes in[0..n) into out as a NUL-terminated string; *outlen (may be NULL) gets its length
 * without the NUL. Needs cap >= base64_encoded_len(n) + 1. Returns 0, or BASE64_ERR_SPACE with
 * what was written wiped (out is "" when cap > 0).
 */
__attribute__((warn_unused_result)) int base64_encode(const uint8_t *in, size_t n, char *out,
                                                      size_t cap, size_t *outlen);

/*
 * Decodes in[0..n) into out[0..cap) and sets *outlen to the number of bytes. Returns 0 or a
 * BASE64_ERR_* code; on an error *outlen is 0 and whatever was written to out has been wiped
 * (decoded data is often key material). cap >= base64_decoded_max(n) always suffices.
 */
__attribute__((warn_unused_result)) int base64_decode(const char *in, size_t n, uint8_t *out,
                                                      size_t cap, size_t *outlen);

#endif
