/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config tokenizer. The rules are listed in include/conf_lex.h; they follow the behaviour of
 * OpenVPN 2.6's option parser as described in ops-interfaces.md 1.2/1.3.
 *
 * Input is walked byte by byte through buf_reader views: a line is a sub-reader of the file, and
 * every token is written through a buf_writer into storage the caller (or the lexer) owns.
 */
#include "conf_lex.h"

#include "buf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_LEX_ERR_LEN  1024
#define CONF_LEX_SHOW_MAX 48 /* bytes of a bad tag quoted in a message */

struct conf_lex {
    const char *name;
    struct buf_reader in;
    unsigned lineno; /* number of the line consumed last */
    bool failed;
    char store[CONF_LEX_SPLIT_STORAGE];
    char tag[CONF_MAX_TOKEN];
    char err[CONF_LEX_ERR_LEN];
};

static const char *const inline_tags[] = {
    "ca",
    "cert",
    "key",
    "pkcs12",
    "dh",
    "extra-certs",
    "crl-verify",
    "tls-auth",
    "tls-crypt",
    "tls-crypt-v2",
    "secret",
    "auth-user-pass",
    "http-proxy-user-pass",
    "peer-fingerprint",
    "connection",
};

enum lex_rc {
    LEX_OK = 0,
    LEX_NO_DQUOTE,
    LEX_NO_SQUOTE,
    LEX_BAD_BACKSLASH,
    LEX_END_BACKSLASH,
    LEX_TOO_LONG,
    LEX_TOO_MANY,
    LEX_NUL,
    LEX_NO_ROOM,
};

/* Where the tokens of one line go. */
struct tok_sink {
    struct conf_line *line;
    char *store;
    struct buf_writer w;
    size_t tok_start; /* offset of the current token in store */
    size_t tok_len;
};

int conf_lex_is_inline_tag(const char *tag)
{
    if (!tag)
        return 0;
    for (size_t i = 0; i < sizeof(inline_tags) / sizeof(inline_tags[0]); i++) {
        if (strcmp(tag, inline_tags[i]) == 0)
            return 1;
    }
    return 0;
}

/* ---- bytes ---- */

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_comment(uint8_t c)
{
    return c == '#' || c == ';';
}

static void skip_spaces(struct buf_reader *r)
{
    uint8_t c;
    while (buf_peek_u8(r, &c) && is_space(c))
        buf_skip(r, 1);
}

/* The byte after the next one, without consuming anything. */
static bool peek_second(const struct buf_reader *r, uint8_t *out)
{
    struct buf_reader ahead = *r;
    buf_skip(&ahead, 1);
    return buf_peek_u8(&ahead, out);
}

static bool has_nul(struct buf_reader r)
{
    while (buf_remaining(&r) > 0) {
        if (buf_read_u8(&r) == 0)
            return true;
    }
    return false;
}

/* r without its last byte when that byte is `c`. */
static struct buf_reader drop_last(struct buf_reader r, uint8_t c)
{
    size_t n = buf_remaining(&r);
    struct buf_reader last = r;
    uint8_t b;
    if (n == 0)
        return r;
    buf_skip(&last, n - 1);
    if (!buf_peek_u8(&last, &b) || b != c)
        return r;
    return buf_read_sub(&r, n - 1);
}

/* ---- tokens ---- */

static enum lex_rc sink_begin(struct tok_sink *s)
{
    if (s->line->argc >= CONF_MAX_ARGS)
        return LEX_TOO_MANY;
    s->tok_start = buf_writer_len(&s->w);
    s->tok_len = 0;
    return LEX_OK;
}

static enum lex_rc sink_put(struct tok_sink *s, uint8_t c)
{
    if (s->tok_len >= CONF_MAX_TOKEN - 1)
        return LEX_TOO_LONG;
    buf_write_u8(&s->w, c);
    s->tok_len++;
    return buf_writer_ok(&s->w) ? LEX_OK : LEX_NO_ROOM;
}

static enum lex_rc sink_end(struct tok_sink *s)
{
    buf_write_u8(&s->w, 0);
    if (!buf_writer_ok(&s->w))
        return LEX_NO_ROOM;
    s->line->argv[s->line->argc++] = &s->store[s->tok_start];
    return LEX_OK;
}

/* At a backslash outside single quotes: only \\, \" and backslash-whitespace are escapes. */
static enum lex_rc read_escape(struct buf_reader *in, struct tok_sink *s, bool quoted)
{
    uint8_t c;
    buf_skip(in, 1);
    if (!buf_peek_u8(in, &c))
        return quoted ? LEX_NO_DQUOTE : LEX_END_BACKSLASH;
    if (c != '\\' && c != '"' && !is_space(c))
        return LEX_BAD_BACKSLASH;
    buf_skip(in, 1);
    return sink_put(s, c);
}

static enum lex_rc read_plain(struct buf_reader *in, struct tok_sink *s)
{
    uint8_t c;
    enum lex_rc rc = LEX_OK;
    while (rc == LEX_OK && buf_peek_u8(in, &c) && !is_space(c)) {
        if (c == '\\') {
            rc = read_escape(in, s, false);
        } else {
            buf_skip(in, 1);
            rc = sink_put(s, c);
        }
    }
    return rc;
}

static enum lex_rc read_dquoted(struct buf_reader *in, struct tok_sink *s)
{
    uint8_t c;
    enum lex_rc rc = LEX_OK;
    buf_skip(in, 1);
    while (rc == LEX_OK) {
        if (!buf_peek_u8(in, &c))
            return LEX_NO_DQUOTE;
        if (c == '"') {
            buf_skip(in, 1);
            return LEX_OK;
        }
        if (c == '\\') {
            rc = read_escape(in, s, true);
        } else {
            buf_skip(in, 1);
            rc = sink_put(s, c);
        }
    }
    return rc;
}

static enum lex_rc read_squoted(struct buf_reader *in, struct tok_sink *s)
{
    uint8_t c;
    enum lex_rc rc = LEX_OK;
    buf_skip(in, 1);
    while (rc == LEX_OK) {
        if (!buf_peek_u8(in, &c))
            return LEX_NO_SQUOTE;
        buf_skip(in, 1);
        if (c == '\'')
            return LEX_OK;
        rc = sink_put(s, c);
    }
    return rc;
}

static enum lex_rc read_token(struct buf_reader *in, struct tok_sink *s, uint8_t first)
{
    enum lex_rc rc = sink_begin(s);
    if (rc != LEX_OK)
        return rc;
    if (first == '"')
        rc = read_dquoted(in, s);
    else if (first == '\'')
        rc = read_squoted(in, s);
    else
        rc = read_plain(in, s);
    return rc != LEX_OK ? rc : sink_end(s);
}

enum lead { LEAD_TOKEN, LEAD_DROP, LEAD_COMMENT };

/*
 * OpenVPN looks at the byte after a backslash before deciding that a token starts: whitespace
 * (or the line end) makes the backslash vanish, and '#'/';' still starts a comment.
 */
static enum lead leading_backslash(const struct buf_reader *in)
{
    uint8_t next;
    if (!peek_second(in, &next) || is_space(next))
        return LEAD_DROP;
    return is_comment(next) ? LEAD_COMMENT : LEAD_TOKEN;
}

static enum lex_rc tokenize(struct buf_reader *in, struct tok_sink *s)
{
    uint8_t c;
    for (;;) {
        skip_spaces(in);
        if (!buf_peek_u8(in, &c) || is_comment(c))
            return LEX_OK;
        enum lead lead = c == '\\' ? leading_backslash(in) : LEAD_TOKEN;
        if (lead == LEAD_COMMENT)
            return LEX_OK;
        if (lead == LEAD_DROP) {
            buf_skip(in, 1);
            continue;
        }
        enum lex_rc rc = read_token(in, s, c);
        if (rc != LEX_OK)
            return rc;
    }
}

static void sink_init(struct tok_sink *s, struct conf_line *line, char *store, size_t cap)
{
    memset(line, 0, sizeof(*line));
    s->line = line;
    s->store = store;
    buf_writer_init(&s->w, store, cap);
    s->tok_start = 0;
    s->tok_len = 0;
}

static const char *rc_text(enum lex_rc rc)
{
    switch (rc) {
    case LEX_OK:
        return "no error";
    case LEX_NO_DQUOTE:
        return "no closing quotation (\") on this line";
    case LEX_NO_SQUOTE:
        return "no closing single quotation (') on this line";
    case LEX_BAD_BACKSLASH:
        return "bad backslash ('\\') usage: outside single quotes only \\\\, \\\" and \"\\ \" are "
               "escapes (write C:\\dir as \"C:\\\\dir\" or 'C:\\dir')";
    case LEX_END_BACKSLASH:
        return "bad backslash ('\\') at the end of the line: lines cannot be continued";
    case LEX_TOO_LONG:
        return "parameter is too long (255 bytes max)";
    case LEX_TOO_MANY:
        return "too many parameters on one line (16 max)";
    case LEX_NUL:
        return "line contains a NUL byte";
    case LEX_NO_ROOM:
        return "parameters do not fit in the token storage";
    }
    return "unknown tokenizer error";
}

/* The numbers in rc_text() are written out so that the strings stay constant. */
_Static_assert(CONF_MAX_TOKEN == 256 && CONF_MAX_ARGS == 16, "update rc_text()");

/* ---- one line ---- */

int conf_lex_split(const char *text, size_t len, struct conf_line *out, char *storage, size_t cap,
                   char *err, size_t errlen)
{
    struct buf_reader in;
    struct tok_sink s;

    if (err && errlen > 0)
        err[0] = '\0';
    sink_init(&s, out, storage, cap);
    buf_reader_init(&in, text, len);
    in = drop_last(drop_last(in, '\n'), '\r');
    enum lex_rc rc = has_nul(in) ? LEX_NUL : tokenize(&in, &s);
    if (rc == LEX_OK)
        return 0;
    memset(out, 0, sizeof(*out));
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", rc_text(rc));
    return -1;
}

/* ---- the file lexer ---- */

struct conf_lex *conf_lex_new_at(const char *name, const uint8_t *data, size_t len,
                                 unsigned first_line)
{
    static const uint8_t bom[3] = { 0xEF, 0xBB, 0xBF };
    struct conf_lex *lx = calloc(1, sizeof(*lx));
    if (!lx)
        return NULL;
    lx->name = name ? name : "(config)";
    buf_reader_init(&lx->in, data, data ? len : 0);
    lx->lineno = first_line > 0 ? first_line - 1 : 0;
    if (lx->lineno == 0) {
        struct buf_reader head = lx->in;
        const uint8_t *v = buf_read_view(&head, sizeof(bom));
        if (v && memcmp(v, bom, sizeof(bom)) == 0)
            buf_skip(&lx->in, sizeof(bom));
    }
    return lx;
}

struct conf_lex *conf_lex_new(const char *name, const uint8_t *data, size_t len)
{
    return conf_lex_new_at(name, data, len, 1);
}

void conf_lex_free(struct conf_lex *lx)
{
    free(lx);
}

const char *conf_lex_error(const struct conf_lex *lx)
{
    return lx && lx->failed ? lx->err : "";
}

__attribute__((format(printf, 3, 4))) static int fail(struct conf_lex *lx, unsigned lineno,
                                                      const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(lx->err, sizeof(lx->err), "%s:%u: ", lx->name, lineno);
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used < sizeof(lx->err)) {
        va_start(ap, fmt);
        vsnprintf(&lx->err[used], sizeof(lx->err) - used, fmt, ap);
        va_end(ap);
    }
    lx->failed = true;
    return -1;
}

/* Consumes the next line (up to and without its LF) and returns it. */
static struct buf_reader take_line(struct conf_lex *lx)
{
    struct buf_reader scan = lx->in;
    size_t n = 0;
    uint8_t c;
    while (buf_peek_u8(&scan, &c) && c != '\n') {
        buf_skip(&scan, 1);
        n++;
    }
    struct buf_reader line = buf_read_sub(&lx->in, n);
    if (buf_remaining(&lx->in) > 0)
        buf_skip(&lx->in, 1);
    if (lx->lineno < UINT_MAX)
        lx->lineno++;
    return line;
}

/* Printable-ASCII rendering of untrusted bytes for a message. */
static void show(char *dst, size_t cap, const char *src, size_t n)
{
    struct buf_writer w;
    char hex[5];
    buf_writer_init(&w, dst, cap > 0 ? cap - 1 : 0);
    for (size_t i = 0; i < n && i < CONF_LEX_SHOW_MAX; i++) {
        uint8_t c = (uint8_t)src[i];
        if (c > 0x20 && c < 0x7f) {
            buf_write_u8(&w, c);
        } else {
            snprintf(hex, sizeof(hex), "\\x%02x", c);
            buf_write_bytes(&w, hex, 4);
        }
    }
    if (n > CONF_LEX_SHOW_MAX)
        buf_write_bytes(&w, "...", 3);
    if (cap > 0)
        dst[buf_writer_ok(&w) ? buf_writer_len(&w) : 0] = '\0';
}

static void known_tags(char *dst, size_t cap)
{
    size_t used = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < sizeof(inline_tags) / sizeof(inline_tags[0]) && used < cap; i++) {
        int n = snprintf(&dst[used], cap - used, "%s%s", i ? ", " : "", inline_tags[i]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

enum close_kind { CLOSE_NO, CLOSE_YES, CLOSE_JUNK };

/* Whether `line` is the closing "</name>" line of a block, with optional spaces and comment. */
static enum close_kind closing_line(struct buf_reader line, const char *name)
{
    uint8_t c;
    skip_spaces(&line);
    if (buf_read_u8(&line) != '<' || buf_read_u8(&line) != '/')
        return CLOSE_NO;
    for (size_t i = 0; name[i] != '\0'; i++) {
        if (buf_read_u8(&line) != (uint8_t)name[i])
            return CLOSE_NO;
    }
    if (buf_read_u8(&line) != '>' || !buf_reader_ok(&line))
        return CLOSE_NO;
    skip_spaces(&line);
    if (!buf_peek_u8(&line, &c) || is_comment(c))
        return CLOSE_YES;
    return CLOSE_JUNK;
}

/* Reads the body of the block opened on the current line, whose name is in lx->tag. */
static int read_block(struct conf_lex *lx, struct conf_line *out)
{
    const unsigned open_line = lx->lineno;
    const uint8_t *start = buf_rest(&lx->in);
    const size_t total = buf_remaining(&lx->in);

    for (;;) {
        size_t left = buf_remaining(&lx->in);
        if (left == 0)
            return fail(lx, open_line, "<%s> block is not closed (expected </%s>)", lx->tag,
                        lx->tag);
        struct buf_reader line = take_line(lx);
        if (has_nul(line))
            return fail(lx, lx->lineno, "%s", rc_text(LEX_NUL));
        enum close_kind k = closing_line(line, lx->tag);
        if (k == CLOSE_JUNK)
            return fail(lx, lx->lineno, "unexpected text after </%s> (only a comment may follow)",
                        lx->tag);
        if (k == CLOSE_YES) {
            out->inline_data = start;
            out->inline_len = total - left;
            return 1;
        }
        if (total - buf_remaining(&lx->in) > CONF_MAX_INLINE)
            return fail(lx, open_line, "<%s> block is larger than %d bytes", lx->tag,
                        CONF_MAX_INLINE);
    }
}

/* A line holding the single token "<...>" or "</...>": start a block or report why not. */
static int open_block(struct conf_lex *lx, struct conf_line *out)
{
    const char *tok = out->argv[0];
    size_t n = strlen(tok);
    char shown[CONF_LEX_SHOW_MAX * 4 + 8];
    char known[256];

    if (tok[1] == '/') {
        show(shown, sizeof(shown), &tok[2], n - 3);
        return fail(lx, lx->lineno, "</%s> without an opening <%s> before it", shown, shown);
    }
    snprintf(lx->tag, sizeof(lx->tag), "%.*s", (int)(n - 2), &tok[1]);
    if (!conf_lex_is_inline_tag(lx->tag)) {
        show(shown, sizeof(shown), lx->tag, n - 2);
        known_tags(known, sizeof(known));
        return fail(lx, lx->lineno, "<%s> is not a known inline block (known: %s)", shown, known);
    }
    out->argv[0] = lx->tag;
    out->argv[1] = CONF_INLINE_MARK;
    out->argc = 2;
    return read_block(lx, out);
}

static bool is_tag_line(const struct conf_line *out)
{
    if (out->argc != 1)
        return false;
    size_t n = strlen(out->argv[0]);
    return n >= 2 && out->argv[0][0] == '<' && out->argv[0][n - 1] == '>';
}

/* Tokenizes the next line into *out; 1 with tokens, 0 for a line without any, -1 on error. */
static int lex_line(struct conf_lex *lx, struct conf_line *out)
{
    struct tok_sink s;
    struct buf_reader line = drop_last(take_line(lx), '\r');

    sink_init(&s, out, lx->store, sizeof(lx->store));
    out->lineno = lx->lineno;
    if (has_nul(line))
        return fail(lx, lx->lineno, "%s", rc_text(LEX_NUL));
    if (buf_remaining(&line) > CONF_MAX_LINE)
        return fail(lx, lx->lineno, "line is too long (%d bytes max)", CONF_MAX_LINE);
    enum lex_rc rc = tokenize(&line, &s);
    if (rc != LEX_OK)
        return fail(lx, lx->lineno, "%s", rc_text(rc));
    return out->argc > 0 ? 1 : 0;
}

int conf_lex_next(struct conf_lex *lx, struct conf_line *line)
{
    if (!lx || !line)
        return -1;
    while (!lx->failed && buf_remaining(&lx->in) > 0) {
        int rc = lex_line(lx, line);
        if (rc > 0 && is_tag_line(line))
            rc = open_block(lx, line);
        if (rc > 0)
            return 1;
    }
    memset(line, 0, sizeof(*line));
    return lx->failed ? -1 : 0;
}
