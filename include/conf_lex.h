/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tokenizer for OpenVPN-style configuration text (ops-interfaces.md section 1.2 and 1.3).
 *
 * Pure: works on bytes the caller read; it never opens files. One lexer walks one file's text
 * and hands out one directive at a time: its tokens, its line number and, for an inline block
 * such as <ca>...</ca>, the block's content.
 *
 * Rules (the same as OpenVPN 2.6, except where marked "stricter"):
 * - Lines end at LF; a CR before it is ignored, so CRLF files work. Tokens are separated by runs
 *   of space, tab, CR, LF, VT or FF (C isspace). Blank lines are skipped. A UTF-8 byte order mark
 *   at the very start of a file is skipped.
 * - A token that starts with '#' or ';' ends the line; "a#b" is one token.
 * - "..." groups one token in which \" and \\ (and "\ ") are escapes; '...' groups one token with
 *   no escape processing. A quote is special only at the start of a token: x"y" is one token
 *   x"y", and "x"y is two tokens x and y. "" is an empty token.
 * - Outside single quotes a backslash escapes only \, " and whitespace: \\ -> \, \" -> ",
 *   "\ " -> space (also inside "..."). Any other \x is an error. As in OpenVPN, where a token
 *   would start, a backslash followed by whitespace or the line end is dropped, and one followed
 *   by '#' or ';' starts a comment. Stricter: a backslash inside a token at the end of the line
 *   ("a\") is an error (OpenVPN put the line end into the token).
 * - Bytes other than NUL are taken as they are: control characters and invalid UTF-8 may appear
 *   in tokens, as OpenVPN allows (a consumer that prints a token must escape it). A NUL byte
 *   anywhere is an error (stricter: OpenVPN silently cut the line there).
 * - At most CONF_MAX_ARGS tokens per line (stricter: OpenVPN silently dropped the rest) and at
 *   most CONF_MAX_TOKEN - 1 bytes per token, so every token fits in char[CONF_MAX_TOKEN]
 *   (stricter by one byte than OpenVPN's 256). At most CONF_MAX_LINE bytes per line, not counting
 *   the line end; lines inside an inline block have no limit of their own.
 * - Inline blocks: a line whose only token is "<tag>" (conf_lex_is_inline_tag) opens a block that
 *   runs to the first line holding "</tag>", optionally surrounded by whitespace and followed by
 *   a comment. Stricter: other text after "</tag>" on that line is an error (OpenVPN ignored it).
 *   Unknown tags and a "</tag>" line outside a block are errors.
 */
#ifndef SLUICE_CONF_LEX_H
#define SLUICE_CONF_LEX_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_ARGS    16            /* tokens on one line, as OpenVPN's MAX_PARMS */
#define CONF_MAX_TOKEN   256           /* bytes in one token + its NUL (OPTION_PARM_SIZE) */
#define CONF_MAX_LINE    4096          /* bytes in one line, before tokenizing */
#define CONF_MAX_INLINE  (1024 * 1024) /* bytes in one inline block */
#define CONF_INLINE_MARK "[[INLINE]]"

/* storage size with which conf_lex_split() never runs out of room */
#define CONF_LEX_SPLIT_STORAGE (CONF_MAX_ARGS * CONF_MAX_TOKEN)

struct conf_line {
    unsigned lineno; /* 1-based; for an inline block, the line of its opening tag */
    int argc;
    /*
     * NUL-terminated tokens, each shorter than CONF_MAX_TOKEN, valid until the next
     * conf_lex_next() or conf_lex_free(). Entries from argc on are NULL.
     */
    const char *argv[CONF_MAX_ARGS];
    /*
     * For an inline block "<tag>" ... "</tag>": argv = { "tag", CONF_INLINE_MARK }, and this is
     * the verbatim text between the two tag lines (a view into the lexer's input, not
     * NUL-terminated, never NULL for a block; inline_len may be 0). NULL for an ordinary line.
     */
    const uint8_t *inline_data;
    size_t inline_len;
};

struct conf_lex;

/*
 * A lexer over data[0..len) named `name` in messages ("server.conf:12: ..."). Neither name nor
 * data is copied: both must outlive the lexer. Returns NULL only when out of memory. This is the
 * only allocation a lexer makes.
 */
struct conf_lex *conf_lex_new(const char *name, const uint8_t *data, size_t len);

/*
 * As conf_lex_new(), for text whose first line is line `first_line` of file `name`: used to lex
 * the content of a <connection> block again so that messages name the real line (pass the
 * block's lineno + 1). A byte order mark is skipped only when first_line is 1.
 */
struct conf_lex *conf_lex_new_at(const char *name, const uint8_t *data, size_t len,
                                 unsigned first_line);

/* NULL is ignored. */
void conf_lex_free(struct conf_lex *lx);

/*
 * Next directive. Returns 1 and fills *line, 0 at the end of the text, -1 on an error; after an
 * error conf_lex_error() holds "NAME:LINE: what is wrong, what was expected" and every later call
 * returns -1 again. On 0 and -1 *line is cleared (argc 0, inline_data NULL). Lines with no tokens
 * (blank or comment only) are skipped.
 */
int conf_lex_next(struct conf_lex *lx, struct conf_line *line);

/* The message of the error that stopped the lexer, or "" when there was none. */
const char *conf_lex_error(const struct conf_lex *lx);

/*
 * Tokenizes one line of text with the same rules (used for pushed options and management
 * commands). Tokens are written NUL-terminated into storage[0..cap) and pointed to by out->argv.
 * Returns 0, or -1 with a message (without a place prefix) in err[0..errlen).
 *
 * As in OpenVPN (whose management and push parsing share the file tokenizer), a token starting
 * with '#' or ';' ends the text. A final LF or CRLF is ignored; any other LF is whitespace. There
 * are no inline blocks ("<ca>" is an ordinary token) and no line length limit; the token limits
 * apply, and the text fails when the tokens do not fit in storage (CONF_LEX_SPLIT_STORAGE always
 * suffices). out->lineno is 0 and out->inline_data NULL. err may be NULL when errlen is 0.
 */
int conf_lex_split(const char *text, size_t len, struct conf_line *out, char *storage, size_t cap,
                   char *err, size_t errlen);

/* True when `tag` may be given as an inline block (<ca>, <tls-crypt>, <connection>, ...). */
int conf_lex_is_inline_tag(const char *tag);

#endif
