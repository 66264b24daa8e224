/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the configuration module (not for other modules): the option table, the parse context
 * its handlers receive, the value parsers they share and the line builder used by conf_show().
 *
 * The table is split by topic: conf_opts_net.c (device, transport, MTU, timers), conf_opts_addr.c
 * (addresses, routes, server mode), conf_opts_tls.c (TLS, keys, ciphers), conf_opts_auth.c
 * (compression, user authentication), conf_opts_proc.c (process, logging, management, scripts,
 * environment, command line) and conf_opts.c (options Sluice refuses). conf_show() prints
 * options in table order.
 */
#ifndef SLUICE_CONF_OPTS_H
#define SLUICE_CONF_OPTS_H

#include "conf.h"
#include "conf_lex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_ID_LEN 128 /* loader file identity */

enum conf_status {
    CONF_READY,   /* behaviour built */
    CONF_PLANNED, /* parsed and validated; conf_check_supported() reports it */
    CONF_WONT,    /* refused while parsing: "not supported by Sluice (why)" */
    CONF_REMOVED, /* removed from OpenVPN: refused with the hint in why */
};

#define CONF_F_CE     0x01 /* off is inside struct conf_conn; allowed in <connection> */
#define CONF_F_CONN   0x02 /* allowed in <connection> although stored globally */
#define CONF_F_INLINE 0x04 /* may be given as an inline <tag> block */
#define CONF_F_CLI    0x08 /* command line only */

struct conf_ctx {
    struct conf *c;
    struct conf_conn *ce; /* where per-connection options go: &c->ce or a <connection> entry */
    const struct conf_loader *ld;
    struct conf_err *err;
    const char *file; /* interned name of the file being read; NULL on the command line */
    unsigned line;
    const uint8_t *inline_data; /* the directive came from an inline block */
    size_t inline_len;
    bool in_connection;
    bool optional; /* "setenv opt": an unknown option is only a warning */
    int depth;     /* files being read */
    const char *chain[CONF_MAX_DEPTH];
    char chain_id[CONF_MAX_DEPTH][CONF_ID_LEN];
    char dn[CONF_MAX_TOKEN + 8]; /* the current option as messages quote it: 'port' / '--port' */
};

/* A growing text of '\n'-terminated lines. */
struct conf_sb {
    char *buf;
    size_t len, cap;
    bool oom;
};

struct conf_opt;
typedef int (*conf_parse_fn)(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv);
typedef void (*conf_show_fn)(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb);

struct conf_opt {
    const char *name;
    int8_t min_args, max_args; /* arguments after the name; max -1 = no limit */
    uint8_t status;            /* enum conf_status */
    uint8_t flags;             /* CONF_F_* */
    conf_parse_fn parse;       /* argv[0] is the name, argv[1..argc) the arguments */
    conf_show_fn show;         /* NULL: shown through another entry, or never */
    size_t off;                /* field of the generic handlers */
    long long lo, hi;          /* bounds of conf_opt_int */
    const char *const *words;  /* words of conf_opt_enum, NULL-terminated */
    const char *why;           /* WONT: reason; REMOVED: hint */
};

struct conf_opt_group {
    const struct conf_opt *opts;
    size_t n;
};

extern const struct conf_opt conf_opts_net[];
extern const size_t conf_opts_net_count;
extern const struct conf_opt conf_opts_addr[];
extern const size_t conf_opts_addr_count;
extern const struct conf_opt conf_opts_tls[];
extern const size_t conf_opts_tls_count;
extern const struct conf_opt conf_opts_auth[];
extern const size_t conf_opts_auth_count;
extern const struct conf_opt conf_opts_proc[];
extern const size_t conf_opts_proc_count;
extern const struct conf_opt conf_opts_refused[];
extern const size_t conf_opts_refused_count;

/* Every option, by group in show order; conf_opts_total() entries in all. */
size_t conf_opts_total(void);
const struct conf_opt *conf_opts_at(size_t i);
const struct conf_opt *conf_opts_find(const char *name, size_t *index);

/* ---- engine (conf.c) ---- */

/* Applies one directive (argv[0] = name without "--"). 0 or -1 with x->err filled. */
int conf_apply(struct conf_ctx *x, int argc, const char *const *argv);
int conf_include(struct conf_ctx *x, const char *path);
int conf_parse_connection(struct conf_ctx *x, const uint8_t *data, size_t len);
/* Deep copy / release of the strings of a connection entry. */
int conf_conn_copy(struct conf_conn *dst, const struct conf_conn *src);
void conf_conn_clear(struct conf_conn *ce);
/* First place the option was given, or NULL. */
const struct conf_place *conf_seen(const struct conf *c, const char *name);
/* "FILE:LINE" or "command line" into buf. */
const char *conf_place_text(const struct conf_place *p, char *buf, size_t len);

/* ---- messages and values (conf_opts.c) ---- */

/* Writes "PLACE: message" to x->err; returns -1. */
int conf_fail(struct conf_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends "PLACE: message" to the loader's warn callback. */
void conf_warn(struct conf_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int conf_oom(struct conf_ctx *x);
/* "'NAME VALUE' is not supported by Sluice (why)": a value Sluice refuses (proto tcp, dev tap). */
int conf_refuse(struct conf_ctx *x, const struct conf_opt *o, const char *value, const char *why);

int conf_num(struct conf_ctx *x, const char *s, long long lo, long long hi, long long *out);
int conf_int(struct conf_ctx *x, const char *s, long long lo, long long hi, int *out);
int conf_port(struct conf_ctx *x, const char *s, bool zero_ok, int *out);
int conf_ipv4(struct conf_ctx *x, const char *s, const char *what, uint32_t *out);
int conf_netmask(struct conf_ctx *x, const char *s, uint32_t *out);
int conf_ipv6(struct conf_ctx *x, const char *s, uint8_t out[16]);
/* ADDR/BITS with bits in lo..hi; without "/BITS" bits is 128 unless required. */
int conf_ip6_prefix(struct conf_ctx *x, const char *s, int lo, int hi, bool required,
                    struct conf_ip6 *out);
int conf_host(struct conf_ctx *x, const char *s, const char *what);
/* Index of s in the NULL-terminated words, or an error listing them. */
int conf_word(struct conf_ctx *x, const char *s, const char *const *words, int *out);
int conf_setstr(struct conf_ctx *x, char **dst, const char *s);
/* Appends a zeroed element of size bytes to *arr (of *n); NULL after an error. */
void *conf_grow(struct conf_ctx *x, void *arr, size_t *n, size_t size);
int conf_strlist_add(struct conf_ctx *x, struct conf_strlist *l, const char *s);
int conf_arglist_add(struct conf_ctx *x, struct conf_arglist *l, int argc, const char *const *argv);
/* The directive came from an inline block: store it in b. Or store argv[1] as a path. */
int conf_set_blob(struct conf_ctx *x, struct conf_blob *b, const char *arg);

void conf_strlist_clear(struct conf_strlist *l);
void conf_arglist_clear(struct conf_arglist *l);
void conf_blob_clear(struct conf_blob *b);
int conf_strlist_copy(struct conf_strlist *dst, const struct conf_strlist *src);
bool conf_contiguous(uint32_t mask, int *bits);
const char *conf_fmt_ipv4(uint32_t a, char *buf, size_t len);
const char *conf_fmt_ipv6(const uint8_t a[16], char *buf, size_t len);

/* Generic handlers: the field at o->off in struct conf (struct conf_conn with CONF_F_CE). */
int conf_opt_flag(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv);
int conf_opt_int(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv);
int conf_opt_str(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv);
int conf_opt_blob(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv);
int conf_opt_enum(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv);
int conf_opt_ignore(struct conf_ctx *x, const struct conf_opt *o, int argc,
                    const char *const *argv);

void conf_show_flag(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb);
void conf_show_int(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                   struct conf_sb *sb);
void conf_show_str(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                   struct conf_sb *sb);
void conf_show_blob(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb);
void conf_show_enum(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb);

/* Field address for the generic handlers. */
void *conf_field(struct conf *c, struct conf_conn *ce, const struct conf_opt *o);
const void *conf_cfield(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o);

/* ---- lines for conf_show() (conf_show.c) ---- */

void conf_sb_begin(struct conf_sb *sb, const char *name);
void conf_sb_arg(struct conf_sb *sb, const char *arg); /* quoted when needed */
void conf_sb_argf(struct conf_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void conf_sb_end(struct conf_sb *sb);
void conf_sb_raw(struct conf_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line with the name and one argument per element of args. */
void conf_sb_args(struct conf_sb *sb, const char *name, int argc, char *const *args);
void conf_sb_blob(struct conf_sb *sb, const char *name, const struct conf_blob *b,
                  const char *extra);

/* ---- table entry shorthands ---- */

#define CONF_OFF(field) offsetof(struct conf, field)
#define CONF_CE(field)  offsetof(struct conf_conn, field)

#define OPT_FLAG(n, field, st)                                                                     \
    {                                                                                              \
        .name = n, .min_args = 0, .max_args = 0, .status = st, .parse = conf_opt_flag,             \
        .show = conf_show_flag, .off = CONF_OFF(field)                                             \
    }
#define OPT_INT(n, field, l, h, st)                                                                \
    {                                                                                              \
        .name = n, .min_args = 1, .max_args = 1, .status = st, .parse = conf_opt_int,              \
        .show = conf_show_int, .off = CONF_OFF(field), .lo = l, .hi = h                            \
    }
#define OPT_STR(n, field, st)                                                                      \
    {                                                                                              \
        .name = n, .min_args = 1, .max_args = 1, .status = st, .parse = conf_opt_str,              \
        .show = conf_show_str, .off = CONF_OFF(field)                                              \
    }
#define OPT_BLOB(n, field, st)                                                                     \
    {                                                                                              \
        .name = n, .min_args = 1, .max_args = 1, .status = st, .flags = CONF_F_INLINE,             \
        .parse = conf_opt_blob, .show = conf_show_blob, .off = CONF_OFF(field)                     \
    }
#define OPT_ENUM(n, field, w, st)                                                                  \
    {                                                                                              \
        .name = n, .min_args = 1, .max_args = 1, .status = st, .parse = conf_opt_enum,             \
        .show = conf_show_enum, .off = CONF_OFF(field), .words = w                                 \
    }
#define OPT_CE_FLAG(n, field)                                                                      \
    {                                                                                              \
        .name = n, .min_args = 0, .max_args = 0, .status = CONF_PLANNED, .flags = CONF_F_CE,       \
        .parse = conf_opt_flag, .show = conf_show_flag, .off = CONF_CE(field)                      \
    }
#define OPT_CE_INT(n, field, l, h)                                                                 \
    {                                                                                              \
        .name = n, .min_args = 1, .max_args = 1, .status = CONF_PLANNED, .flags = CONF_F_CE,       \
        .parse = conf_opt_int, .show = conf_show_int, .off = CONF_CE(field), .lo = l, .hi = h      \
    }
#define OPT_FN(n, mn, mx, st, fl, p, s)                                                            \
    {                                                                                              \
        .name = n, .min_args = mn, .max_args = mx, .status = st, .flags = fl, .parse = p,          \
        .show = s                                                                                  \
    }
#define OPT_WONT(n, reason)                                                                        \
    {                                                                                              \
        .name = n, .min_args = 0, .max_args = -1, .status = CONF_WONT, .why = reason               \
    }
#define OPT_REMOVED(n, hint)                                                                       \
    {                                                                                              \
        .name = n, .min_args = 0, .max_args = -1, .status = CONF_REMOVED, .why = hint              \
    }

#endif
