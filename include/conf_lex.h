/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tokenizer for OpenVPN-style configuration text (ops-interfaces.md section 1.2 and 1.3).
 *
 * Pure: works on bytes the caller read; it never opens files. One lexer walks one file's text
 * and hands out one directive at a time: its tokens, its line number and, for an inline block
 * such as <ca>...</ca>, the block's content.
 */
#ifndef SLUICE_CONF_LEX_H
#define SLUICE_CONF_LEX_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_ARGS    16            /* tokens on one line, as OpenVPN's MAX_PARMS */
#define CONF_MAX_TOKEN   256           /* bytes in one token, as OpenVPN's OPTION_PARM_SIZE */
#define CONF_MAX_LINE    4096          /* bytes in one line, before tokenizing */
#define CONF_MAX_INLINE  (1024 * 1024) /* bytes in one inline block */
#define CONF_INLINE_MARK "[[INLINE]]"

struct conf_line {
    unsigned lineno; /* 1-based; for an inline block, the line of its opening tag */
    int argc;
    /* NUL-terminated tokens, valid until the next conf_lex_next() or conf_lex_free(). */
    const char *argv[CONF_MAX_ARGS];
    /*
     * For an inline block "<tag>" ... "</tag>": argv = { "tag", CONF_INLINE_MARK }, and this is
     * the verbatim text between the two tag lines (a view into the lexer's input, not
     * NUL-terminated). NULL for an ordinary line.
     */
    const uint8_t *inline_data;
    size_t inline_len;
};

struct conf_lex;

/*
 * A lexer over data[0..len) named `name` in messages ("server.conf:12: ..."). Neither name nor
 * data is copied: both must outlive the lexer. Returns NULL only when out of memory.
 */
struct conf_lex *conf_lex_new(const char *name, const uint8_t *data, size_t len);
void conf_lex_free(struct conf_lex *lx);

/*
 * Next directive. Returns 1 and fills *line, 0 at the end of the text, -1 on an error; after an
 * error conf_lex_error() holds "NAME:LINE: what is wrong, what was expected" and every later call
 * returns -1 again.
 */
int conf_lex_next(struct conf_lex *lx, struct conf_line *line);
const char *conf_lex_error(const struct conf_lex *lx);

/*
 * Tokenizes one line of text with the same rules (used for pushed options and management
 * commands). Tokens are written NUL-terminated into storage[0..cap) and pointed to by out->argv.
 * Returns 0, or -1 with a message (without a place prefix) in err[0..errlen).
 */
int conf_lex_split(const char *text, size_t len, struct conf_line *out, char *storage, size_t cap,
                   char *err, size_t errlen);

/* True when `tag` may be given as an inline block (<ca>, <tls-crypt>, <connection>, ...). */
int conf_lex_is_inline_tag(const char *tag);

#endif
