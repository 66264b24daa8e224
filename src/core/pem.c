/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pem.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "hexdump.h"
#include "secret.h"

/* openvpn's header, written verbatim so our files are byte-identical to `openvpn --genkey`. */
static const char static_key_header[] = "#\n# 2048 bit OpenVPN static key\n#\n";

/* Hex digits per line of a written static key: 16 bytes. */
#define STATIC_KEY_LINE_BYTES 16

static int fail(struct pem_error *err, int code, unsigned line, const char *label)
{
    if (err) {
        err->code = code;
        err->line = line;
        err->count = 0;
        err->detail = 0;
        err->label = label;
    }
    return code;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Next line of r without its '\n' (the last line may lack one). False when r is exhausted. */
static bool next_line(struct buf_reader *r, unsigned *lineno, struct pem_view *line)
{
    if (buf_remaining(r) == 0)
        return false;
    struct buf_reader scan = *r;
    size_t n = 0;
    uint8_t c;
    while (buf_peek_u8(&scan, &c) && c != '\n') {
        buf_skip(&scan, 1);
        n++;
    }
    line->data = (const char *)buf_read_view(r, n);
    line->len = n;
    line->line = ++*lineno;
    if (buf_remaining(r) > 0)
        buf_skip(r, 1);
    return true;
}

/* The line without surrounding whitespace, as a reader. */
static struct buf_reader trimmed(const struct pem_view *line)
{
    size_t start = 0, end = line->len;
    while (start < end && is_space(line->data[start]))
        start++;
    while (end > start && is_space(line->data[end - 1]))
        end--;
    struct buf_reader r;
    buf_reader_init(&r, line->data, end);
    buf_skip(&r, start);
    return r;
}

/* Consumes s from r if r continues with exactly s. */
static bool eat(struct buf_reader *r, const char *s)
{
    size_t n = strlen(s);
    if (buf_remaining(r) < n)
        return false;
    return memcmp(buf_read_view(r, n), s, n) == 0;
}

/* True for "-----<kind> <label>-----" (kind is "BEGIN" or "END"). */
static bool is_armor(const struct pem_view *line, const char *kind, const char *label)
{
    struct buf_reader r = trimmed(line);
    return eat(&r, "-----") && eat(&r, kind) && eat(&r, " ") && eat(&r, label) &&
           eat(&r, "-----") && buf_remaining(&r) == 0;
}

static bool is_dashes(const struct pem_view *line)
{
    struct buf_reader r = trimmed(line);
    return eat(&r, "-----");
}

/* Scans from after the BEGIN line to the END line; body->data and body->line are already set. */
static int find_end(struct buf_reader *r, unsigned *lineno, const char *label,
                    struct pem_view *body, struct pem_error *err)
{
    unsigned begin_line = *lineno;
    size_t body_start = r->pos;
    for (;;) {
        size_t line_start = r->pos;
        struct pem_view line;
        if (!next_line(r, lineno, &line))
            return fail(err, PEM_ERR_NO_END, begin_line, label);
        if (!is_dashes(&line))
            continue;
        if (!is_armor(&line, "END", label))
            return fail(err, PEM_ERR_BAD_END, line.line, label);
        body->len = line_start - body_start;
        return 0;
    }
}

int pem_find_block(const char *text, size_t len, const char *label, struct pem_view *body,
                   struct pem_error *err)
{
    struct buf_reader r;
    struct pem_view line;
    unsigned lineno = 0;
    buf_reader_init(&r, text, len);
    body->data = NULL;
    body->len = 0;
    body->line = 0;
    while (next_line(&r, &lineno, &line)) {
        if (!is_armor(&line, "BEGIN", label))
            continue;
        body->data = (const char *)buf_rest(&r);
        body->line = lineno + 1;
        int rc = find_end(&r, &lineno, label, body, err);
        if (rc != 0)
            body->data = NULL;
        return rc == 0 ? fail(err, 0, 0, label) : rc;
    }
    return fail(err, PEM_ERR_NO_BEGIN, 0, label);
}

/* Line of the first character in body that base64 can never accept, for the error message. */
static unsigned bad_base64_line(const struct pem_view *body)
{
    struct buf_reader r;
    unsigned line = body->line;
    buf_reader_init(&r, body->data, body->len);
    while (buf_remaining(&r) > 0) {
        char c = (char)buf_read_u8(&r);
        if (c == '\n')
            line++;
        else if (!is_space(c) && c != '=' && base64_char_value(c) < 0)
            return line;
    }
    return body->line;
}

int pem_decode_block(const char *text, size_t len, const char *label, uint8_t *out, size_t cap,
                     size_t *outlen, struct pem_error *err)
{
    struct pem_view body;
    *outlen = 0;
    int rc = pem_find_block(text, len, label, &body, err);
    if (rc != 0)
        return rc;
    rc = base64_decode(body.data, body.len, out, cap, outlen);
    if (rc == BASE64_ERR_SPACE) {
        fail(err, PEM_ERR_SPACE, body.line - 1, label);
        if (err)
            err->count = cap;
        return PEM_ERR_SPACE;
    }
    if (rc != 0) {
        unsigned line = rc == BASE64_ERR_CHAR ? bad_base64_line(&body) : body.line - 1;
        fail(err, PEM_ERR_BASE64, line, label);
        if (err)
            err->detail = rc;
        return PEM_ERR_BASE64;
    }
    return 0;
}

/* Hex digit pairs of a static key body; digits of a pair may be split by whitespace. */
struct hex_body {
    struct buf_writer w; /* the caller's key */
    size_t count;        /* pairs seen, including those beyond the key's length */
    int hi;              /* first digit of a pair, or -1 */
    unsigned hi_line;    /* where that digit was */
};

static void add_digit(struct hex_body *h, int v, unsigned line)
{
    if (h->hi < 0) {
        h->hi = v;
        h->hi_line = line;
        return;
    }
    /* Extra pairs are only counted, so the error can say how many bytes the body holds. */
    if (h->count < PEM_STATIC_KEY_LEN)
        buf_write_u8(&h->w, (uint8_t)(h->hi << 4 | v));
    h->count++;
    h->hi = -1;
}

static int scan_hex_body(const struct pem_view *body, struct hex_body *h, struct pem_error *err)
{
    struct buf_reader r;
    unsigned line = body->line;
    buf_reader_init(&r, body->data, body->len);
    while (buf_remaining(&r) > 0) {
        char c = (char)buf_read_u8(&r);
        int v = hexdump_nibble(c);
        if (c == '\n')
            line++;
        else if (v >= 0)
            add_digit(h, v, line);
        else if (!is_space(c))
            return fail(err, PEM_ERR_BAD_HEX, line, PEM_STATIC_KEY_LABEL);
    }
    if (h->hi >= 0)
        return fail(err, PEM_ERR_ODD_HEX, h->hi_line, PEM_STATIC_KEY_LABEL);
    if (h->count != PEM_STATIC_KEY_LEN) {
        fail(err, PEM_ERR_KEY_LEN, 0, PEM_STATIC_KEY_LABEL);
        if (err)
            err->count = h->count;
        return PEM_ERR_KEY_LEN;
    }
    return 0;
}

int pem_static_key_parse(const char *text, size_t len, uint8_t key[PEM_STATIC_KEY_LEN],
                         struct pem_error *err)
{
    struct pem_view body;
    struct hex_body h = { .count = 0, .hi = -1, .hi_line = 0 };
    int rc = pem_find_block(text, len, PEM_STATIC_KEY_LABEL, &body, err);
    if (rc == 0) {
        buf_writer_init(&h.w, key, PEM_STATIC_KEY_LEN);
        rc = scan_hex_body(&body, &h, err);
    }
    /* A half-read key is still key material; so is a dangling nibble. */
    if (rc != 0)
        secret_wipe(key, PEM_STATIC_KEY_LEN);
    secret_wipe(&h, sizeof(h));
    return rc == 0 ? fail(err, 0, 0, PEM_STATIC_KEY_LABEL) : rc;
}

/* Ends a written text with its NUL; on overflow leaves "" so no half key text stays behind. */
static int finish_text(struct buf_writer *w, char *out, size_t cap, size_t *outlen)
{
    buf_write_u8(w, 0);
    if (!buf_writer_ok(w)) {
        secret_wipe(out, buf_writer_len(w));
        if (cap > 0)
            out[0] = '\0';
        return PEM_ERR_SPACE;
    }
    if (outlen)
        *outlen = buf_writer_len(w) - 1;
    return 0;
}

static void put_str(struct buf_writer *w, const char *s)
{
    buf_write_bytes(w, s, strlen(s));
}

static void put_armor(struct buf_writer *w, const char *kind, const char *label)
{
    put_str(w, "-----");
    put_str(w, kind);
    put_str(w, " ");
    put_str(w, label);
    put_str(w, "-----\n");
}

int pem_static_key_write(const uint8_t key[PEM_STATIC_KEY_LEN], char *out, size_t cap,
                         size_t *outlen)
{
    struct buf_writer w;
    struct buf_reader r;
    buf_writer_init(&w, out, cap);
    buf_reader_init(&r, key, PEM_STATIC_KEY_LEN);
    put_str(&w, static_key_header);
    put_armor(&w, "BEGIN", PEM_STATIC_KEY_LABEL);
    while (buf_remaining(&r) > 0 && buf_writer_ok(&w)) {
        hexdump_encode_to(&w, buf_read_view(&r, STATIC_KEY_LINE_BYTES), STATIC_KEY_LINE_BYTES, 0);
        buf_write_u8(&w, '\n');
    }
    put_armor(&w, "END", PEM_STATIC_KEY_LABEL);
    return finish_text(&w, out, cap, outlen);
}

/* Labels end up inside one line of text: no line breaks or other control characters. */
static bool label_ok(const char *label)
{
    size_t n = strlen(label);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)label[i];
        if (c < 0x20 || c >= 0x7f)
            return false;
    }
    return n > 0;
}

size_t pem_block_text_len(const char *label, size_t n)
{
    size_t label_len = strlen(label);
    size_t chars = base64_encoded_len(n);
    size_t lines = chars / PEM_LINE_CHARS + (chars % PEM_LINE_CHARS != 0);
    if (label_len > SIZE_MAX / 4 || chars == SIZE_MAX)
        return SIZE_MAX;
    /* "-----BEGIN " label "-----\n" and "-----END " label "-----\n" */
    size_t armor = 2 * label_len + 17 + 15;
    if (chars > SIZE_MAX - lines - armor)
        return SIZE_MAX;
    return chars + lines + armor;
}

int pem_write_block(const char *label, const uint8_t *data, size_t n, char *out, size_t cap,
                    size_t *outlen)
{
    const size_t line_bytes = PEM_LINE_CHARS / 4 * 3;
    struct buf_writer w;
    struct buf_reader r;
    if (!label_ok(label))
        return PEM_ERR_LABEL;
    buf_writer_init(&w, out, cap);
    buf_reader_init(&r, data, n);
    put_armor(&w, "BEGIN", label);
    while (buf_remaining(&r) > 0 && buf_writer_ok(&w)) {
        size_t k = buf_remaining(&r) < line_bytes ? buf_remaining(&r) : line_bytes;
        base64_encode_to(&w, buf_read_view(&r, k), k);
        buf_write_u8(&w, '\n');
    }
    put_armor(&w, "END", label);
    return finish_text(&w, out, cap, outlen);
}

const char *pem_strerror(int code)
{
    switch (code) {
    case 0:
        return "no error";
    case PEM_ERR_NO_BEGIN:
        return "no BEGIN line";
    case PEM_ERR_NO_END:
        return "no END line";
    case PEM_ERR_BAD_END:
        return "unexpected armor line inside the block";
    case PEM_ERR_BAD_HEX:
        return "bad hex digit";
    case PEM_ERR_ODD_HEX:
        return "odd number of hex digits";
    case PEM_ERR_KEY_LEN:
        return "wrong number of key bytes";
    case PEM_ERR_BASE64:
        return "bad base64 data";
    case PEM_ERR_SPACE:
        return "output does not fit";
    case PEM_ERR_LABEL:
        return "bad label";
    default:
        return "unknown PEM error";
    }
}

int pem_error_format(const struct pem_error *err, char *out, size_t cap)
{
    const char *label = err->label ? err->label : "?";
    switch (err->code) {
    case PEM_ERR_NO_BEGIN:
        return snprintf(out, cap, "no -----BEGIN %s----- line found", label);
    case PEM_ERR_NO_END:
        return snprintf(out, cap, "line %u: -----BEGIN %s----- has no -----END %s----- line",
                        err->line, label, label);
    case PEM_ERR_BAD_END:
        return snprintf(out, cap, "line %u: expected -----END %s-----", err->line, label);
    case PEM_ERR_BAD_HEX:
    case PEM_ERR_ODD_HEX:
        return snprintf(out, cap, "line %u: %s in %s", err->line, pem_strerror(err->code), label);
    case PEM_ERR_KEY_LEN:
        return snprintf(out, cap, "%s has %zu bytes, expected %d", label, err->count,
                        PEM_STATIC_KEY_LEN);
    case PEM_ERR_BASE64:
        return snprintf(out, cap, "line %u: bad base64 in %s: %s", err->line, label,
                        base64_strerror(err->detail));
    case PEM_ERR_SPACE:
        return snprintf(out, cap, "%s is larger than %zu bytes", label, err->count);
    default:
        return snprintf(out, cap, "%s: %s", label, pem_strerror(err->code));
    }
}
