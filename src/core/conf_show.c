/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The effective configuration as directive lines that conf_parse_text() reads back. Every table
 * entry renders its own lines; an entry the user did not give whose text equals that of a fresh
 * conf_new() is printed as a comment, so the output shows defaults without making them explicit
 * on a re-read. Inline key material is replaced by a comment with its size.
 */
#include "conf.h"

#include "conf_opts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_INDENT "  "

/* ---- line buffer ---- */

static void sb_put(struct conf_sb *sb, const char *s, size_t n)
{
    if (sb->oom)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *p = realloc(sb->buf, cap);
        if (!p) {
            sb->oom = true;
            return;
        }
        sb->buf = p;
        sb->cap = cap;
    }
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

static void sb_puts(struct conf_sb *sb, const char *s)
{
    sb_put(sb, s, strlen(s));
}

__attribute__((format(printf, 2, 0))) static void sb_vputf(struct conf_sb *sb, const char *fmt,
                                                           va_list ap)
{
    char tmp[CONF_MAX_TOKEN * 2];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    if (n > 0)
        sb_put(sb, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void conf_sb_begin(struct conf_sb *sb, const char *name)
{
    sb_puts(sb, name);
}

static bool needs_quotes(const char *s)
{
    if (s[0] == '\0' || s[0] == '#' || s[0] == ';' || s[0] == '\'')
        return true;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' || ch == '"' || ch == '\\' || ch == 0x7f)
            return true;
    }
    return false;
}

/* Double quotes with \" and \\ are the lexer's only escapes; control bytes become '?'. */
void conf_sb_arg(struct conf_sb *sb, const char *arg)
{
    sb_put(sb, " ", 1);
    if (!needs_quotes(arg)) {
        sb_puts(sb, arg);
        return;
    }
    sb_put(sb, "\"", 1);
    for (const char *p = arg; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\')
            sb_put(sb, "\\", 1);
        if ((ch < ' ' && ch != '\t') || ch == 0x7f)
            sb_put(sb, "?", 1);
        else
            sb_put(sb, p, 1);
    }
    sb_put(sb, "\"", 1);
}

void conf_sb_argf(struct conf_sb *sb, const char *fmt, ...)
{
    va_list ap;
    sb_put(sb, " ", 1);
    va_start(ap, fmt);
    sb_vputf(sb, fmt, ap);
    va_end(ap);
}

void conf_sb_end(struct conf_sb *sb)
{
    sb_put(sb, "\n", 1);
}

void conf_sb_raw(struct conf_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vputf(sb, fmt, ap);
    va_end(ap);
    sb_put(sb, "\n", 1);
}

void conf_sb_args(struct conf_sb *sb, const char *name, int argc, char *const *args)
{
    conf_sb_begin(sb, name);
    for (int i = 0; i < argc; i++)
        conf_sb_arg(sb, args[i]);
    conf_sb_end(sb);
}

void conf_sb_blob(struct conf_sb *sb, const char *name, const struct conf_blob *b,
                  const char *extra)
{
    if (b->is_inline) {
        conf_sb_raw(sb, "# %s %s  (inline, %zu bytes, not shown)", name, CONF_INLINE_MARK, b->len);
    } else if (b->path) {
        conf_sb_begin(sb, name);
        conf_sb_arg(sb, b->path);
        if (extra)
            conf_sb_arg(sb, extra);
        conf_sb_end(sb);
    }
}

static void sb_reset(struct conf_sb *sb)
{
    sb->len = 0;
    sb->oom = false;
    if (sb->buf)
        sb->buf[0] = '\0';
}

/* ---- the driver ---- */

static void emit_lines(const struct conf_sb *sb, const char *prefix, const char *suffix,
                       void (*emit)(void *ctx, const char *line), void *ctx)
{
    const char *p = sb->buf;
    size_t extra = strlen(prefix) + strlen(suffix) + 1;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = malloc(n + extra);
        if (!line)
            return;
        snprintf(line, n + extra, "%s%.*s%s", prefix, (int)n, p, suffix);
        emit(ctx, line);
        free(line);
        p += n + (nl ? 1 : 0);
    }
}

static bool same_text(const struct conf_sb *a, const struct conf_sb *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

static void show_global(const struct conf *c, const struct conf *d,
                        void (*emit)(void *ctx, const char *line), void *ctx)
{
    struct conf_sb a = { 0 }, b = { 0 };
    size_t total = conf_opts_total();

    for (size_t i = 0; i < total; i++) {
        const struct conf_opt *o = conf_opts_at(i);
        if (!o->show)
            continue;
        sb_reset(&a);
        o->show(c, &c->ce, o, &a);
        if (a.len == 0 || a.oom)
            continue;
        bool is_default = false;
        if (d && !c->seen[i].global) {
            sb_reset(&b);
            o->show(d, &d->ce, o, &b);
            is_default = same_text(&a, &b);
        }
        if (is_default)
            emit_lines(&a, "# ", "  (default)", emit, ctx);
        else
            emit_lines(&a, "", "", emit, ctx);
    }
    free(a.buf);
    free(b.buf);
}

/* A block starts from the global connection options, so it shows only what differs. */
static void show_block(const struct conf *c, const struct conf_conn *ce,
                       void (*emit)(void *ctx, const char *line), void *ctx)
{
    struct conf_sb a = { 0 }, b = { 0 };
    size_t total = conf_opts_total();

    emit(ctx, "<connection>");
    for (size_t i = 0; i < total; i++) {
        const struct conf_opt *o = conf_opts_at(i);
        if (!o->show || !(o->flags & (CONF_F_CE | CONF_F_CONN)))
            continue;
        sb_reset(&a);
        sb_reset(&b);
        o->show(c, ce, o, &a);
        o->show(c, &c->ce, o, &b);
        if (!a.oom && !same_text(&a, &b))
            emit_lines(&a, SHOW_INDENT, "", emit, ctx);
    }
    emit(ctx, "</connection>");
    free(a.buf);
    free(b.buf);
}

void conf_show(const struct conf *c, void (*emit)(void *ctx, const char *line), void *ctx)
{
    struct conf *d = conf_new();
    show_global(c, d, emit, ctx);
    for (size_t i = 0; i < c->n_conns; i++)
        show_block(c, &c->conns[i], emit, ctx);
    conf_free(d);
}
