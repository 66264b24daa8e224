/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_lex.h"

/* ---- helpers ---- */

static struct conf_lex *lex_of(const char *text)
{
    struct conf_lex *lx = conf_lex_new("t.conf", (const uint8_t *)text, strlen(text));
    assert_non_null(lx);
    return lx;
}

/* Lexer over bytes that may contain NUL. */
static struct conf_lex *lex_bytes(const void *data, size_t len)
{
    struct conf_lex *lx = conf_lex_new("t.conf", data, len);
    assert_non_null(lx);
    return lx;
}

/* argv must equal the NULL-terminated list `want`. */
static void check_argv(const struct conf_line *l, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(l->argc, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(l->argv[i], want[i]);
    for (int i = n; i < CONF_MAX_ARGS; i++)
        assert_null(l->argv[i]);
}

/* The next directive must be an ordinary line at `lineno` holding `want`. */
static void next_is(struct conf_lex *lx, unsigned lineno, const char *const *want)
{
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), 1);
    assert_int_equal(l.lineno, lineno);
    assert_null(l.inline_data);
    assert_int_equal(l.inline_len, 0);
    check_argv(&l, want);
}

static void next_is_end(struct conf_lex *lx)
{
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), 0);
    assert_int_equal(l.argc, 0);
    assert_null(l.inline_data);
    assert_string_equal(conf_lex_error(lx), "");
}

/* The next call must fail with exactly `msg`. */
static void next_fails(struct conf_lex *lx, const char *msg)
{
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), -1);
    assert_int_equal(l.argc, 0);
    assert_string_equal(conf_lex_error(lx), msg);
}

/* A whole text must be exactly one line (line 1) of tokens `want`. */
static void one_line(const char *text, const char *const *want)
{
    struct conf_lex *lx = lex_of(text);
    next_is(lx, 1, want);
    next_is_end(lx);
    conf_lex_free(lx);
}

/* A whole text must fail on its first directive with `msg`. */
static void fails_with(const char *text, const char *msg)
{
    struct conf_lex *lx = lex_of(text);
    next_fails(lx, msg);
    conf_lex_free(lx);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- whitespace, blank lines, comments ---- */

static void whitespace_separates_tokens(void **state)
{
    (void)state;
    one_line("  verb   4\t\tx  \n", L("verb", "4", "x"));
    one_line("\tproto udp", L("proto", "udp"));
    /* VT and FF are whitespace too (C isspace, as OpenVPN). */
    one_line("a\vb\fc\n", L("a", "b", "c"));
    /* A CR in the middle of a line is whitespace. */
    one_line("a\rb\n", L("a", "b"));
}

static void blank_lines_are_skipped_with_correct_numbers(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("\n\n  \t\nverb 3\n\n\r\nport 1194\n   # only a comment\n\n");
    next_is(lx, 4, L("verb", "3"));
    next_is(lx, 7, L("port", "1194"));
    next_is_end(lx);
    next_is_end(lx); /* the end is sticky too */
    conf_lex_free(lx);

    lx = lex_of("");
    next_is_end(lx);
    conf_lex_free(lx);
    lx = lex_bytes(NULL, 0);
    next_is_end(lx);
    conf_lex_free(lx);
}

static void comment_only_at_token_start(void **state)
{
    (void)state;
    struct conf_lex *lx =
        lex_of("verb 4 # note\n# full line\n; semicolon\n   ;x y\nopt a#b c;d #e\nx ;y\n#");
    next_is(lx, 1, L("verb", "4"));
    next_is(lx, 5, L("opt", "a#b", "c;d"));
    next_is(lx, 6, L("x"));
    next_is_end(lx);
    conf_lex_free(lx);
    /* A comment right after a quoted token starts a new token, hence a comment. */
    one_line("a \"b\"#c d", L("a", "b"));
    /* Quoted # is text. */
    one_line("a \"#b\" '#c'", L("a", "#b", "#c"));
}

static void crlf_lines(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("verb 4\r\n\r\nport 1\r\nremote \"a b\"\r\nlast");
    next_is(lx, 1, L("verb", "4"));
    next_is(lx, 3, L("port", "1"));
    next_is(lx, 4, L("remote", "a b"));
    next_is(lx, 5, L("last"));
    next_is_end(lx);
    conf_lex_free(lx);
}

static void byte_order_mark_skipped_at_file_start_only(void **state)
{
    (void)state;
    one_line("\xEF\xBB\xBFverb 3\n", L("verb", "3"));
    /* Later in the file it is an ordinary part of a token. */
    struct conf_lex *lx = lex_of("a\n\xEF\xBB\xBFverb 3\n");
    next_is(lx, 1, L("a"));
    next_is(lx, 2, L("\xEF\xBB\xBFverb", "3"));
    conf_lex_free(lx);
    /* A lexer that starts further into a file does not skip it. */
    const char *t = "\xEF\xBB\xBFx\n";
    lx = conf_lex_new_at("t.conf", (const uint8_t *)t, strlen(t), 9);
    assert_non_null(lx);
    next_is(lx, 9, L("\xEF\xBB\xBFx"));
    conf_lex_free(lx);
}

static void control_and_high_bytes_are_accepted(void **state)
{
    (void)state;
    one_line("x a\x01"
             "b \x7f \xff\xfe\n",
             L("x",
               "a\x01"
               "b",
               "\x7f", "\xff\xfe"));
    one_line("p '\x1b[0m'", L("p", "\x1b[0m"));
}

/* ---- quotes and backslashes ---- */

static void double_quotes(void **state)
{
    (void)state;
    one_line("x \"a \\\" b\"", L("x", "a \" b"));
    one_line("x \"C:\\\\dir\\\\f\"", L("x", "C:\\dir\\f"));
    one_line("x \"a  b\"  c", L("x", "a  b", "c"));
    one_line("x \"a\\ b\"", L("x", "a b"));
    one_line("x \"\"", L("x", ""));
    one_line("x \"\" \"\"", L("x", "", ""));
    one_line("x \"it's\"", L("x", "it's"));
    one_line("x \"a;b #c\"", L("x", "a;b #c"));
}

static void single_quotes(void **state)
{
    (void)state;
    one_line("x 'a\\b'", L("x", "a\\b"));
    one_line("x 'a \"b\" c'", L("x", "a \"b\" c"));
    one_line("x 'a\\'", L("x", "a\\"));
    one_line("x ''", L("x", ""));
    one_line("x 'C:\\Program Files\\x'", L("x", "C:\\Program Files\\x"));
}

static void backslash_outside_quotes(void **state)
{
    (void)state;
    one_line("x a\\\\b", L("x", "a\\b"));
    one_line("x a\\\"b", L("x", "a\"b"));
    one_line("x a\\ b", L("x", "a b"));
    one_line("x a\\\tb", L("x", "a\tb"));
    one_line("x \\\"q", L("x", "\"q"));
    one_line("x \\\\", L("x", "\\"));
}

static void quote_only_special_at_token_start(void **state)
{
    (void)state;
    one_line("\"x\"y", L("x", "y"));
    one_line("x\"y\"", L("x\"y\""));
    one_line("x'y'", L("x'y'"));
    one_line("'a''b'", L("a", "b"));
    one_line("\"a\"'b'c", L("a", "b", "c"));
}

/* OpenVPN quirks kept for compatibility: a backslash where a token would start. */
static void leading_backslash_quirks(void **state)
{
    (void)state;
    one_line("a \\ b", L("a", "b"));
    one_line("a \\#b c", L("a"));
    one_line("a \\;b", L("a"));
    one_line("a \\", L("a"));
    one_line("a \\\r\n", L("a"));
}

/* ---- limits ---- */

static void args_limit(void **state)
{
    (void)state;
    char text[128];
    const char *want[CONF_MAX_ARGS + 1];
    char names[CONF_MAX_ARGS][4];
    size_t used = 0;
    for (int i = 0; i < CONF_MAX_ARGS; i++) {
        snprintf(names[i], sizeof(names[i]), "t%d", i);
        want[i] = names[i];
        used += (size_t)snprintf(&text[used], sizeof(text) - used, "%s ", names[i]);
    }
    want[CONF_MAX_ARGS] = NULL;
    one_line(text, want);
    /* 16 tokens and a comment are still fine. */
    snprintf(&text[used], sizeof(text) - used, "# more words here");
    one_line(text, want);
    snprintf(&text[used], sizeof(text) - used, "t16");
    fails_with(text, "t.conf:1: too many parameters on one line (16 max)");
    snprintf(&text[used], sizeof(text) - used, "\"\"");
    fails_with(text, "t.conf:1: too many parameters on one line (16 max)");
}

static void token_length_limit(void **state)
{
    (void)state;
    char text[CONF_MAX_TOKEN + 16];
    char tok[CONF_MAX_TOKEN + 1];
    memset(tok, 'k', CONF_MAX_TOKEN - 1);
    tok[CONF_MAX_TOKEN - 1] = '\0';
    snprintf(text, sizeof(text), "x %s", tok);
    one_line(text, L("x", tok));
    snprintf(text, sizeof(text), "x \"%s\"", tok);
    one_line(text, L("x", tok));
    snprintf(text, sizeof(text), "x '%s'", tok);
    one_line(text, L("x", tok));

    memset(tok, 'k', CONF_MAX_TOKEN);
    tok[CONF_MAX_TOKEN] = '\0';
    snprintf(text, sizeof(text), "x %s", tok);
    fails_with(text, "t.conf:1: parameter is too long (255 bytes max)");
    snprintf(text, sizeof(text), "x \"%s\"", tok);
    fails_with(text, "t.conf:1: parameter is too long (255 bytes max)");
    snprintf(text, sizeof(text), "x '%s'", tok);
    fails_with(text, "t.conf:1: parameter is too long (255 bytes max)");
    /* Escapes count the bytes they produce: 254 'k' + "\\" = 255 bytes is fine. */
    memset(tok, 'k', CONF_MAX_TOKEN - 2);
    tok[CONF_MAX_TOKEN - 2] = '\0';
    snprintf(text, sizeof(text), "%s\\\\", tok);
    tok[CONF_MAX_TOKEN - 2] = '\\';
    tok[CONF_MAX_TOKEN - 1] = '\0';
    one_line(text, L(tok));
}

static void line_length_limit(void **state)
{
    (void)state;
    char *text = malloc(CONF_MAX_LINE + 8);
    assert_non_null(text);
    /* Exactly CONF_MAX_LINE bytes, all spaces but one token; plus CRLF. */
    memset(text, ' ', CONF_MAX_LINE);
    text[CONF_MAX_LINE - 1] = 'z';
    memcpy(&text[CONF_MAX_LINE], "\r\nb\n", 5);
    struct conf_lex *lx = lex_of(text);
    next_is(lx, 1, L("z"));
    next_is(lx, 2, L("b"));
    next_is_end(lx);
    conf_lex_free(lx);
    /* One more byte on line 2. */
    memcpy(text, "a\n", 2);
    memset(&text[2], ' ', CONF_MAX_LINE + 1);
    text[CONF_MAX_LINE + 3] = '\0';
    lx = lex_of(text);
    next_is(lx, 1, L("a"));
    next_fails(lx, "t.conf:2: line is too long (4096 bytes max)");
    conf_lex_free(lx);
    free(text);
}

/* ---- bad input: quotes, backslashes, NUL ---- */

static void unterminated_quotes(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("verb 3\nca \"abc\nport 1\n");
    next_is(lx, 1, L("verb", "3"));
    next_fails(lx, "t.conf:2: no closing quotation (\") on this line");
    conf_lex_free(lx);
    fails_with("x \"abc\\", "t.conf:1: no closing quotation (\") on this line");
    fails_with("x \"abc\\\"", "t.conf:1: no closing quotation (\") on this line");
    fails_with("x 'abc\n'", "t.conf:1: no closing single quotation (') on this line");
    fails_with("x '", "t.conf:1: no closing single quotation (') on this line");
}

static void bad_backslashes(void **state)
{
    (void)state;
    static const char bad[] = "t.conf:1: bad backslash ('\\') usage: outside single quotes only "
                              "\\\\, \\\" and \"\\ \" are escapes (write C:\\dir as \"C:\\\\dir\" "
                              "or 'C:\\dir')";
    static const char end[] =
        "t.conf:1: bad backslash ('\\') at the end of the line: lines cannot be continued";
    fails_with("ca C:\\dir\\ca.crt", bad);
    fails_with("x \"a\\n\"", bad);
    fails_with("x \\'a'", bad);
    fails_with("x a\\'", bad);
    fails_with("x \\a", bad);
    fails_with("x a\\#b", bad);
    fails_with("x a\\", end);
    fails_with("x a\\\n", end);
    fails_with("x a\\\r\n", end);
}

static void nul_byte_is_an_error(void **state)
{
    (void)state;
    static const char text[] = "verb 3\nport 1\0 9\nx\n";
    struct conf_lex *lx = lex_bytes(text, sizeof(text) - 1);
    next_is(lx, 1, L("verb", "3"));
    next_fails(lx, "t.conf:2: line contains a NUL byte");
    conf_lex_free(lx);
    /* Also inside a comment, and inside an inline block. */
    static const char t2[] = "# a\0b\n";
    lx = lex_bytes(t2, sizeof(t2) - 1);
    next_fails(lx, "t.conf:1: line contains a NUL byte");
    conf_lex_free(lx);
    static const char t3[] = "<ca>\nAA\nB\0B\n</ca>\n";
    lx = lex_bytes(t3, sizeof(t3) - 1);
    next_fails(lx, "t.conf:3: line contains a NUL byte");
    conf_lex_free(lx);
}

static void error_is_sticky(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("a\nb \"x\nc\nd\n");
    next_is(lx, 1, L("a"));
    next_fails(lx, "t.conf:2: no closing quotation (\") on this line");
    next_fails(lx, "t.conf:2: no closing quotation (\") on this line");
    next_fails(lx, "t.conf:2: no closing quotation (\") on this line");
    conf_lex_free(lx);
    assert_int_equal(conf_lex_next(NULL, NULL), -1);
    assert_string_equal(conf_lex_error(NULL), "");
    conf_lex_free(NULL);
}

/* ---- inline blocks ---- */

static void next_is_block(struct conf_lex *lx, unsigned lineno, const char *tag, const char *body)
{
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), 1);
    assert_int_equal(l.lineno, lineno);
    check_argv(&l, L(tag, CONF_INLINE_MARK));
    assert_non_null(l.inline_data);
    assert_int_equal(l.inline_len, strlen(body));
    assert_memory_equal(l.inline_data, body, l.inline_len);
}

static void inline_block_basic(void **state)
{
    (void)state;
    static const char text[] = "verb 3\n<ca>\n-----BEGIN CERTIFICATE-----\nMIIB\n"
                               "-----END CERTIFICATE-----\n</ca>\nport 1194\n";
    struct conf_lex *lx = lex_of(text);
    next_is(lx, 1, L("verb", "3"));
    next_is_block(lx, 2, "ca", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    next_is(lx, 7, L("port", "1194"));
    next_is_end(lx);
    conf_lex_free(lx);
}

static void inline_block_data_points_into_input(void **state)
{
    (void)state;
    static const char text[] = "<key>\nK\n</key>\n";
    struct conf_lex *lx = lex_of(text);
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), 1);
    assert_ptr_equal(l.inline_data, (const uint8_t *)&text[6]);
    assert_int_equal(l.inline_len, 2);
    conf_lex_free(lx);
}

static void inline_block_whitespace_comments_crlf(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("a\r\n  <tls-crypt>  # static key\r\nK1\r\n  K2\r\n"
                                 "\t</tls-crypt>\t# end\r\n\r\nb \"c d\"\r\n");
    next_is(lx, 1, L("a"));
    next_is_block(lx, 2, "tls-crypt", "K1\r\n  K2\r\n");
    next_is(lx, 7, L("b", "c d"));
    next_is_end(lx);
    conf_lex_free(lx);
    /* The opening tag may be quoted (it is tokenized first), the closing one may be followed by
     * a comment with no space. */
    lx = lex_of("\"<dh>\"\nD\n</dh>;x\n");
    next_is_block(lx, 1, "dh", "D\n");
    next_is_end(lx);
    conf_lex_free(lx);
}

static void inline_block_content_is_verbatim(void **state)
{
    (void)state;
    static const char body[] = "  # not a comment\n\"unterminated\n\\bad \\x\n<ca>\n</cax>\n"
                               "</ca\n x </ca>\n\n";
    char text[256];
    snprintf(text, sizeof(text), "<ca>\n%s</ca>\nz\n", body);
    struct conf_lex *lx = lex_of(text);
    next_is_block(lx, 1, "ca", body);
    next_is(lx, 11, L("z"));
    next_is_end(lx);
    conf_lex_free(lx);
}

static void inline_block_empty_and_at_eof(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("<cert>\n</cert>");
    next_is_block(lx, 1, "cert", "");
    next_is_end(lx);
    conf_lex_free(lx);
    lx = lex_of("<secret>\nS\n</secret>");
    next_is_block(lx, 1, "secret", "S\n");
    next_is_end(lx);
    conf_lex_free(lx);
}

static void inline_block_every_known_tag(void **state)
{
    (void)state;
    static const char *const tags[] = { "ca",
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
                                        "connection" };
    char text[128];
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        assert_true(conf_lex_is_inline_tag(tags[i]));
        snprintf(text, sizeof(text), "<%s>\nX\n</%s>\n", tags[i], tags[i]);
        struct conf_lex *lx = lex_of(text);
        next_is_block(lx, 1, tags[i], "X\n");
        next_is_end(lx);
        conf_lex_free(lx);
    }
    assert_false(conf_lex_is_inline_tag("CA"));
    assert_false(conf_lex_is_inline_tag("ca "));
    assert_false(conf_lex_is_inline_tag(""));
    assert_false(conf_lex_is_inline_tag("key-direction"));
    assert_false(conf_lex_is_inline_tag(NULL));
}

static void tag_with_other_tokens_is_an_ordinary_line(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("<ca> file.crt\n<ca\nca>\n");
    next_is(lx, 1, L("<ca>", "file.crt"));
    next_is(lx, 2, L("<ca"));
    next_is(lx, 3, L("ca>"));
    next_is_end(lx);
    conf_lex_free(lx);
}

static void connection_block_relexed_with_real_line_numbers(void **state)
{
    (void)state;
    static const char text[] = "client\n<connection>\nremote 198.18.50.1 1194 # main\n\n"
                               "proto \"udp\"\n</connection>\nverb 3\n";
    struct conf_lex *lx = lex_of(text);
    struct conf_line l;
    next_is(lx, 1, L("client"));
    assert_int_equal(conf_lex_next(lx, &l), 1);
    check_argv(&l, L("connection", CONF_INLINE_MARK));
    assert_int_equal(l.lineno, 2);

    struct conf_lex *inner = conf_lex_new_at("t.conf", l.inline_data, l.inline_len, l.lineno + 1);
    assert_non_null(inner);
    next_is(inner, 3, L("remote", "198.18.50.1", "1194"));
    next_is(inner, 5, L("proto", "udp"));
    next_is_end(inner);
    conf_lex_free(inner);

    next_is(lx, 7, L("verb", "3"));
    next_is_end(lx);
    conf_lex_free(lx);

    static const char bad[] = "a\nb \"x\n";
    inner = conf_lex_new_at("t.conf", (const uint8_t *)bad, strlen(bad), 40);
    assert_non_null(inner);
    next_is(inner, 40, L("a"));
    next_fails(inner, "t.conf:41: no closing quotation (\") on this line");
    conf_lex_free(inner);
}

static void inline_block_size_limit(void **state)
{
    (void)state;
    const size_t head = 5; /* "<ca>\n" */
    const size_t tail = 6; /* "</ca>\n" */
    char *text = malloc(head + CONF_MAX_INLINE + 1 + tail + 1);
    assert_non_null(text);
    /* Content of exactly CONF_MAX_INLINE bytes: lines of 63 'A' and an LF. */
    memcpy(text, "<ca>\n", head);
    for (size_t i = 0; i < CONF_MAX_INLINE; i++)
        text[head + i] = (i % 64 == 63) ? '\n' : 'A';
    memcpy(&text[head + CONF_MAX_INLINE], "</ca>\n", tail + 1);
    struct conf_lex *lx = lex_of(text);
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), 1);
    assert_int_equal(l.inline_len, CONF_MAX_INLINE);
    next_is_end(lx);
    conf_lex_free(lx);
    /* One byte more: the last line gets an extra 'A'. */
    text[head + CONF_MAX_INLINE - 1] = 'A';
    text[head + CONF_MAX_INLINE] = '\n';
    memcpy(&text[head + CONF_MAX_INLINE + 1], "</ca>\n", tail + 1);
    lx = lex_of(text);
    next_fails(lx, "t.conf:1: <ca> block is larger than 1048576 bytes");
    conf_lex_free(lx);
    free(text);
}

/* ---- bad input: inline blocks ---- */

static void inline_block_not_closed(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("verb 3\n<ca>\nAAA\n</cert>\n</ca >\n");
    next_is(lx, 1, L("verb", "3"));
    next_fails(lx, "t.conf:2: <ca> block is not closed (expected </ca>)");
    next_fails(lx, "t.conf:2: <ca> block is not closed (expected </ca>)");
    conf_lex_free(lx);
    fails_with("<key>", "t.conf:1: <key> block is not closed (expected </key>)");
    fails_with("<key>\n", "t.conf:1: <key> block is not closed (expected </key>)");
}

static void inline_block_unknown_tag(void **state)
{
    (void)state;
    fails_with("<foo>\nx\n</foo>\n",
               "t.conf:1: <foo> is not a known inline block (known: ca, cert, key, pkcs12, dh, "
               "extra-certs, crl-verify, tls-auth, tls-crypt, tls-crypt-v2, secret, "
               "auth-user-pass, http-proxy-user-pass, peer-fingerprint, connection)");
    struct conf_lex *lx = lex_of("a\n\n<CA>\n");
    next_is(lx, 1, L("a"));
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), -1);
    assert_non_null(strstr(conf_lex_error(lx), "t.conf:3: <CA> is not a known inline block"));
    conf_lex_free(lx);
    /* Untrusted bytes in the tag are escaped in the message; an empty tag is unknown. */
    lx = lex_of("'<a\x1b\xff>'\n");
    assert_int_equal(conf_lex_next(lx, &l), -1);
    assert_non_null(strstr(conf_lex_error(lx), "t.conf:1: <a\\x1b\\xff> is not a known"));
    conf_lex_free(lx);
    lx = lex_of("<>\n");
    assert_int_equal(conf_lex_next(lx, &l), -1);
    assert_non_null(strstr(conf_lex_error(lx), "t.conf:1: <> is not a known inline block"));
    conf_lex_free(lx);
}

static void inline_block_stray_closing_tag(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("<ca>\nA\n</ca>\n</ca>\n");
    next_is_block(lx, 1, "ca", "A\n");
    next_fails(lx, "t.conf:4: </ca> without an opening <ca> before it");
    conf_lex_free(lx);
    fails_with("  </tls-auth> # x\n", "t.conf:1: </tls-auth> without an opening <tls-auth> "
                                      "before it");
}

static void inline_block_text_after_closing_tag(void **state)
{
    (void)state;
    fails_with("<ca>\nA\n</ca> junk\n",
               "t.conf:3: unexpected text after </ca> (only a comment may follow)");
    fails_with("<ca>\nA\n</ca>>\n",
               "t.conf:3: unexpected text after </ca> (only a comment may follow)");
}

static void line_numbers_after_blocks_and_crlf(void **state)
{
    (void)state;
    struct conf_lex *lx = lex_of("a\r\n<ca>\r\nX\r\nY\r\n</ca>\r\n\r\n<key>\nK\n</key>\n"
                                 "b\r\nc 'unterminated\r\n");
    next_is(lx, 1, L("a"));
    next_is_block(lx, 2, "ca", "X\r\nY\r\n");
    next_is_block(lx, 7, "key", "K\n");
    next_is(lx, 10, L("b"));
    next_fails(lx, "t.conf:11: no closing single quotation (') on this line");
    conf_lex_free(lx);
}

static void name_appears_in_messages(void **state)
{
    (void)state;
    static const char text[] = "x\n\n\n\n\n\nca C:\\bad\n";
    struct conf_lex *lx = conf_lex_new("server.conf", (const uint8_t *)text, strlen(text));
    assert_non_null(lx);
    next_is(lx, 1, L("x"));
    struct conf_line l;
    assert_int_equal(conf_lex_next(lx, &l), -1);
    assert_non_null(strstr(conf_lex_error(lx), "server.conf:7: bad backslash"));
    assert_ptr_equal(strstr(conf_lex_error(lx), "server.conf:7: "), conf_lex_error(lx));
    conf_lex_free(lx);
}

/* ---- conf_lex_split ---- */

static void split_basic(void **state)
{
    (void)state;
    char store[CONF_LEX_SPLIT_STORAGE];
    char err[128];
    struct conf_line l;
    static const char t[] = "route 10.0.0.0 \"255.0.0.0\" 'net_gateway'\r\n";
    assert_int_equal(conf_lex_split(t, strlen(t), &l, store, sizeof(store), err, sizeof(err)), 0);
    check_argv(&l, L("route", "10.0.0.0", "255.0.0.0", "net_gateway"));
    assert_int_equal(l.lineno, 0);
    assert_null(l.inline_data);
    assert_string_equal(err, "");

    /* Only len bytes are read. */
    assert_int_equal(conf_lex_split("ping 10 junk", 7, &l, store, sizeof(store), err, 128), 0);
    check_argv(&l, L("ping", "10"));
    /* Comments apply, as in OpenVPN's management and push parsing. */
    static const char c[] = "password \"Auth\" #secret";
    assert_int_equal(conf_lex_split(c, strlen(c), &l, store, sizeof(store), err, 128), 0);
    check_argv(&l, L("password", "Auth"));
    /* No inline blocks: a tag is an ordinary token. An inner LF is whitespace. */
    static const char k[] = "<ca>\nx";
    assert_int_equal(conf_lex_split(k, strlen(k), &l, store, sizeof(store), err, 128), 0);
    check_argv(&l, L("<ca>", "x"));
    /* Empty text, also with no storage at all. */
    assert_int_equal(conf_lex_split("", 0, &l, NULL, 0, NULL, 0), 0);
    assert_int_equal(l.argc, 0);
    assert_int_equal(conf_lex_split(NULL, 0, &l, NULL, 0, NULL, 0), 0);
    assert_int_equal(l.argc, 0);
    assert_int_equal(conf_lex_split("  # x\n", 6, &l, NULL, 0, NULL, 0), 0);
    assert_int_equal(l.argc, 0);
}

static void split_same_rules_as_file(void **state)
{
    (void)state;
    char store[CONF_LEX_SPLIT_STORAGE];
    char err[256];
    struct conf_line l;
    static const char t[] = "x \"a \\\" b\" 'a\\b' c\\ d \"e\"f a#b \\ \\#";
    assert_int_equal(conf_lex_split(t, strlen(t), &l, store, sizeof(store), err, sizeof(err)), 0);
    check_argv(&l, L("x", "a \" b", "a\\b", "c d", "e", "f", "a#b"));
}

static void split_errors(void **state)
{
    (void)state;
    char store[CONF_LEX_SPLIT_STORAGE];
    char err[256];
    struct conf_line l;
    static const struct {
        const char *text;
        size_t len;
        const char *msg;
    } cases[] = {
        { "a \"b", 4, "no closing quotation (\") on this line" },
        { "a 'b", 4, "no closing single quotation (') on this line" },
        { "a \\q", 4,
          "bad backslash ('\\') usage: outside single quotes only \\\\, \\\" and "
          "\"\\ \" are escapes (write C:\\dir as \"C:\\\\dir\" or 'C:\\dir')" },
        { "a b\\\r\n", 6,
          "bad backslash ('\\') at the end of the line: lines cannot be continued" },
        { "a\0b", 3, "line contains a NUL byte" },
        { "0 1 2 3 4 5 6 7 8 9 a b c d e f g", 33, "too many parameters on one line (16 max)" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(
            conf_lex_split(cases[i].text, cases[i].len, &l, store, sizeof(store), err, 256), -1);
        assert_string_equal(err, cases[i].msg);
        assert_int_equal(l.argc, 0);
        assert_null(l.argv[0]);
    }
    char longtok[CONF_MAX_TOKEN + 1];
    memset(longtok, 'q', CONF_MAX_TOKEN);
    assert_int_equal(conf_lex_split(longtok, CONF_MAX_TOKEN, &l, store, sizeof(store), err, 256),
                     -1);
    assert_string_equal(err, "parameter is too long (255 bytes max)");
    assert_int_equal(
        conf_lex_split(longtok, CONF_MAX_TOKEN - 1, &l, store, sizeof(store), err, 256), 0);
    assert_int_equal(strlen(l.argv[0]), CONF_MAX_TOKEN - 1);
    /* Too little storage: "ab cd" needs 6 bytes. A short err buffer truncates safely. */
    assert_int_equal(conf_lex_split("ab cd", 5, &l, store, 6, err, 256), 0);
    check_argv(&l, L("ab", "cd"));
    assert_int_equal(conf_lex_split("ab cd", 5, &l, store, 5, err, 8), -1);
    assert_string_equal(err, "paramet");
    assert_int_equal(l.argc, 0);
    assert_int_equal(conf_lex_split("ab", 2, &l, NULL, 0, NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whitespace_separates_tokens),
        cmocka_unit_test(blank_lines_are_skipped_with_correct_numbers),
        cmocka_unit_test(comment_only_at_token_start),
        cmocka_unit_test(crlf_lines),
        cmocka_unit_test(byte_order_mark_skipped_at_file_start_only),
        cmocka_unit_test(control_and_high_bytes_are_accepted),
        cmocka_unit_test(double_quotes),
        cmocka_unit_test(single_quotes),
        cmocka_unit_test(backslash_outside_quotes),
        cmocka_unit_test(quote_only_special_at_token_start),
        cmocka_unit_test(leading_backslash_quirks),
        cmocka_unit_test(args_limit),
        cmocka_unit_test(token_length_limit),
        cmocka_unit_test(line_length_limit),
        cmocka_unit_test(unterminated_quotes),
        cmocka_unit_test(bad_backslashes),
        cmocka_unit_test(nul_byte_is_an_error),
        cmocka_unit_test(error_is_sticky),
        cmocka_unit_test(inline_block_basic),
        cmocka_unit_test(inline_block_data_points_into_input),
        cmocka_unit_test(inline_block_whitespace_comments_crlf),
        cmocka_unit_test(inline_block_content_is_verbatim),
        cmocka_unit_test(inline_block_empty_and_at_eof),
        cmocka_unit_test(inline_block_every_known_tag),
        cmocka_unit_test(tag_with_other_tokens_is_an_ordinary_line),
        cmocka_unit_test(connection_block_relexed_with_real_line_numbers),
        cmocka_unit_test(inline_block_size_limit),
        cmocka_unit_test(inline_block_not_closed),
        cmocka_unit_test(inline_block_unknown_tag),
        cmocka_unit_test(inline_block_stray_closing_tag),
        cmocka_unit_test(inline_block_text_after_closing_tag),
        cmocka_unit_test(line_numbers_after_blocks_and_crlf),
        cmocka_unit_test(name_appears_in_messages),
        cmocka_unit_test(split_basic),
        cmocka_unit_test(split_same_rules_as_file),
        cmocka_unit_test(split_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
