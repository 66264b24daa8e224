/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The armored text formats of OpenVPN key files (protocol-control.md sections 3.1 and 5.1):
 *
 *  - "OpenVPN Static key V1" (--secret, --tls-auth, --tls-crypt): a hex body of exactly 256 bytes
 *    between "-----BEGIN OpenVPN Static key V1-----" and "-----END OpenVPN Static key V1-----";
 *  - base64 blocks such as "OpenVPN tls-crypt-v2 server key" / "... client key".
 *
 * Parsers take the text the shell read from a file, or an inline block from the configuration,
 * as (pointer, length); the text need not be NUL-terminated. Writers produce exactly what
 * `openvpn --genkey` writes (LF line ends), so generated files are interchangeable.
 *
 * Reading rules. A BEGIN or END line is compared after stripping surrounding whitespace (CRLF
 * files work). Lines before BEGIN ('#' comments, other blocks) and after END are ignored. Inside
 * the block the first line starting with "-----" must be the matching END line. A hex body may
 * use any line length (only digit pairs count, whitespace is skipped), as openvpn allows; a
 * base64 body is decoded by base64_decode() (whitespace skipped, everything else strict).
 *
 * Secrets: decoded key bytes belong to the caller, who wipes them (secret_wipe). On every error
 * the output buffer has been wiped already. Written key text is key material too.
 */
#ifndef SLUICE_PEM_H
#define SLUICE_PEM_H

#include <stddef.h>
#include <stdint.h>

#define PEM_STATIC_KEY_LABEL    "OpenVPN Static key V1"
#define PEM_TLS_CRYPT_V2_SERVER "OpenVPN tls-crypt-v2 server key"
#define PEM_TLS_CRYPT_V2_CLIENT "OpenVPN tls-crypt-v2 client key"

/* Bytes in a static key: two key structs of 64 cipher + 64 HMAC bytes. */
#define PEM_STATIC_KEY_LEN 256
/* Characters of pem_static_key_write() output, without the NUL. */
#define PEM_STATIC_KEY_TEXT_LEN 636
/* Base64 characters per body line in written blocks. */
#define PEM_LINE_CHARS 64

#define PEM_ERR_NO_BEGIN (-1) /* no BEGIN line with the label */
#define PEM_ERR_NO_END   (-2) /* the text ends before the END line */
#define PEM_ERR_BAD_END  (-3) /* a "-----" line in the block that is not the matching END line */
#define PEM_ERR_BAD_HEX  (-4) /* a character in a hex body that is neither hex nor whitespace */
#define PEM_ERR_ODD_HEX  (-5) /* a hex digit without its pair */
#define PEM_ERR_KEY_LEN  (-6) /* a static key body that is not exactly 256 bytes */
#define PEM_ERR_BASE64   (-7) /* a base64 body that does not decode (detail = BASE64_ERR_*) */
#define PEM_ERR_SPACE    (-8) /* the decoded data or the written text does not fit */
#define PEM_ERR_LABEL    (-9) /* writers: empty label or one with a control character */

struct pem_error {
    int code;          /* PEM_ERR_*, or 0 */
    unsigned line;     /* 1-based line of the problem; 0 when no line applies */
    size_t count;      /* PEM_ERR_KEY_LEN: bytes found; PEM_ERR_SPACE: the capacity */
    int detail;        /* PEM_ERR_BASE64: the BASE64_ERR_* code */
    const char *label; /* the label that was looked for (the caller's string) */
};

/* A block body: a view into the caller's text, not NUL-terminated. */
struct pem_view {
    const char *data; /* may be NULL when len is 0 */
    size_t len;
    unsigned line; /* 1-based line number of the body's first line */
};

/*
 * Locates the first "-----BEGIN <label>-----" line in text[0..len) and its "-----END <label>-----"
 * line; *body is everything between them (the lines after BEGIN up to, not including, the END
 * line). Returns 0 or PEM_ERR_NO_BEGIN / _NO_END / _BAD_END, detailed in *err (may be NULL).
 */
__attribute__((warn_unused_result)) int pem_find_block(const char *text, size_t len,
                                                       const char *label, struct pem_view *body,
                                                       struct pem_error *err);

/*
 * pem_find_block() then base64-decodes the body into out[0..cap), *outlen = bytes. Returns 0, a
 * pem_find_block() error, PEM_ERR_BASE64 or PEM_ERR_SPACE.
 */
__attribute__((warn_unused_result)) int pem_decode_block(const char *text, size_t len,
                                                         const char *label, uint8_t *out,
                                                         size_t cap, size_t *outlen,
                                                         struct pem_error *err);

/*
 * Parses an "OpenVPN Static key V1" file or inline block into key[0..256). Returns 0 or
 * PEM_ERR_NO_BEGIN / _NO_END / _BAD_END / _BAD_HEX / _ODD_HEX / _KEY_LEN.
 */
__attribute__((warn_unused_result)) int pem_static_key_parse(const char *text, size_t len,
                                                             uint8_t key[PEM_STATIC_KEY_LEN],
                                                             struct pem_error *err);

/*
 * Writes key as openvpn --genkey secret does: a three-line '#' comment header, the BEGIN line, 16
 * lines of 32 lowercase hex digits, the END line, each line ending in '\n'. out gets
 * PEM_STATIC_KEY_TEXT_LEN characters and a NUL; *outlen (may be NULL) the length without the NUL.
 * Returns 0 or PEM_ERR_SPACE (out is then "" when cap > 0).
 */
__attribute__((warn_unused_result)) int pem_static_key_write(const uint8_t key[PEM_STATIC_KEY_LEN],
                                                             char *out, size_t cap, size_t *outlen);

/* Characters (without the NUL) pem_write_block() writes for a label and n bytes; SIZE_MAX on
 * overflow. */
size_t pem_block_text_len(const char *label, size_t n);

/*
 * Writes data[0..n) as a base64 block: "-----BEGIN <label>-----", base64 lines of 64 characters
 * (the last one shorter), "-----END <label>-----", each line ending in '\n', then a NUL. Returns 0,
 * PEM_ERR_LABEL, or PEM_ERR_SPACE (out is then "" when cap > 0).
 */
__attribute__((warn_unused_result)) int pem_write_block(const char *label, const uint8_t *data,
                                                        size_t n, char *out, size_t cap,
                                                        size_t *outlen);

/* A short English description of a PEM_ERR_* code. */
const char *pem_strerror(int code);

/*
 * Formats *err as one line for the user, e.g. "line 7: bad hex digit in OpenVPN Static key V1"
 * (without a file name; the caller prefixes that). Always NUL-terminates when cap > 0 (truncating
 * if needed). Returns the length snprintf would have produced.
 */
int pem_error_format(const struct pem_error *err, char *out, size_t cap);

#endif
