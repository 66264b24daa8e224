/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The option registry, the value parsers every handler shares (numbers, ports, addresses, words,
 * files) with their exact messages, the generic handlers of the table, and the options Sluice
 * refuses (ops-interfaces.md 1.5.5 and options OpenVPN itself removed).
 */
#include "conf_opts.h"

#include "secret.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- registry ---- */

size_t conf_opts_total(void)
{
    return conf_opts_net_count + conf_opts_addr_count + conf_opts_tls_count + conf_opts_auth_count +
           conf_opts_proc_count + conf_opts_refused_count;
}

const struct conf_opt *conf_opts_at(size_t i)
{
    const struct conf_opt_group groups[] = {
        { conf_opts_net, conf_opts_net_count },   { conf_opts_addr, conf_opts_addr_count },
        { conf_opts_tls, conf_opts_tls_count },   { conf_opts_auth, conf_opts_auth_count },
        { conf_opts_proc, conf_opts_proc_count }, { conf_opts_refused, conf_opts_refused_count },
    };
    for (size_t k = 0; k < sizeof(groups) / sizeof(groups[0]); k++) {
        if (i < groups[k].n)
            return &groups[k].opts[i];
        i -= groups[k].n;
    }
    return NULL;
}

const struct conf_opt *conf_opts_find(const char *name, size_t *index)
{
    size_t total = conf_opts_total();
    for (size_t i = 0; i < total; i++) {
        const struct conf_opt *o = conf_opts_at(i);
        if (strcmp(o->name, name) == 0) {
            if (index)
                *index = i;
            return o;
        }
    }
    return NULL;
}

/* ---- messages ---- */

/* Messages end up in logs and terminals: control bytes from the input are shown as '?'. */
static void scrub(char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f)
            *s = '?';
    }
}

static size_t place_prefix(const struct conf_ctx *x, char *buf, size_t len)
{
    int n = x->file ? snprintf(buf, len, "%s:%u: ", x->file, x->line)
                    : snprintf(buf, len, "command line: ");
    return n < 0 ? 0 : ((size_t)n < len ? (size_t)n : len - 1);
}

int conf_fail(struct conf_ctx *x, const char *fmt, ...)
{
    char *m = x->err->msg;
    size_t used = place_prefix(x, m, sizeof(x->err->msg));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m + used, sizeof(x->err->msg) - used, fmt, ap);
    va_end(ap);
    scrub(m);
    return -1;
}

void conf_warn(struct conf_ctx *x, const char *fmt, ...)
{
    char m[CONF_ERR_LEN];
    if (!x->ld || !x->ld->warn)
        return;
    size_t used = place_prefix(x, m, sizeof(m));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m + used, sizeof(m) - used, fmt, ap);
    va_end(ap);
    scrub(m);
    x->ld->warn(x->ld->ctx, m);
}

int conf_oom(struct conf_ctx *x)
{
    return conf_fail(x, "out of memory while reading %s", x->dn);
}

int conf_refuse(struct conf_ctx *x, const struct conf_opt *o, const char *value, const char *why)
{
    return conf_fail(x, "'%s%s %s' is not supported by Sluice (%s)", x->file ? "" : "--", o->name,
                     value, why);
}

/* ---- numbers ---- */

static void range_text(long long lo, long long hi, char *buf, size_t len)
{
    if (hi >= INT_MAX)
        snprintf(buf, len, "a number %lld or more", lo);
    else if (lo < 0)
        snprintf(buf, len, "a number %lld to %lld", lo, hi);
    else
        snprintf(buf, len, "a number %lld-%lld", lo, hi);
}

static int num_fail(struct conf_ctx *x, const char *s, long long lo, long long hi, const char *why)
{
    char range[64];
    range_text(lo, hi, range, sizeof(range));
    return conf_fail(x, "%s expects %s, got '%s'%s", x->dn, range, s, why);
}

int conf_num(struct conf_ctx *x, const char *s, long long lo, long long hi, long long *out)
{
    const char *p = s;
    bool neg = *p == '-';
    unsigned long long v = 0;
    bool over = false;

    if (neg)
        p++;
    if (!isdigit((unsigned char)*p))
        return num_fail(x, s, lo, hi, "");
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    if (*p) {
        char why[CONF_MAX_TOKEN + 48];
        snprintf(why, sizeof(why), " (unexpected '%s' after the number)", p);
        return num_fail(x, s, lo, hi, why);
    }
    if (over || v > (unsigned long long)LLONG_MAX)
        return num_fail(x, s, lo, hi, neg ? " (too small)" : " (too large)");
    long long val = neg ? -(long long)v : (long long)v;
    if (val < lo || val > hi)
        return num_fail(x, s, lo, hi, "");
    *out = val;
    return 0;
}

int conf_int(struct conf_ctx *x, const char *s, long long lo, long long hi, int *out)
{
    long long v;
    if (lo < INT_MIN)
        lo = INT_MIN;
    if (hi > INT_MAX)
        hi = INT_MAX;
    if (conf_num(x, s, lo, hi, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int conf_port(struct conf_ctx *x, const char *s, bool zero_ok, int *out)
{
    return conf_int(x, s, zero_ok ? 0 : 1, 65535, out);
}

/* ---- addresses ---- */

int conf_ipv4(struct conf_ctx *x, const char *s, const char *what, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return conf_fail(x, "%s expects %s, got '%s'", x->dn, what, s);
    *out = ntohl(a.s_addr);
    return 0;
}

bool conf_contiguous(uint32_t mask, int *bits)
{
    uint32_t inv = ~mask;
    if ((inv & (inv + 1)) != 0)
        return false;
    int n = 0;
    for (uint32_t m = mask; m & 0x80000000u; m <<= 1)
        n++;
    if (bits)
        *bits = n;
    return true;
}

int conf_netmask(struct conf_ctx *x, const char *s, uint32_t *out)
{
    uint32_t m = 0;
    if (conf_ipv4(x, s, "a netmask such as 255.255.255.0", &m) < 0)
        return -1;
    if (!conf_contiguous(m, NULL))
        return conf_fail(x, "%s expects a contiguous netmask such as 255.255.255.0, got '%s'",
                         x->dn, s);
    *out = m;
    return 0;
}

int conf_ipv6(struct conf_ctx *x, const char *s, uint8_t out[16])
{
    if (inet_pton(AF_INET6, s, out) != 1)
        return conf_fail(x, "%s expects an IPv6 address, got '%s'", x->dn, s);
    return 0;
}

int conf_ip6_prefix(struct conf_ctx *x, const char *s, int lo, int hi, bool required,
                    struct conf_ip6 *out)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    long long bits = 128;

    if (alen >= sizeof(addr) || (!slash && required))
        return conf_fail(x, "%s expects an IPv6 network such as 2001:db8::/64, got '%s'", x->dn, s);
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET6, addr, out->addr) != 1)
        return conf_fail(x, "%s expects an IPv6 address%s, got '%s'", x->dn,
                         required ? " with /BITS" : "", s);
    if (slash) {
        const char *b = slash + 1;
        bool digits = *b != '\0' && strlen(b) <= 3;
        for (const char *p = b; *p; p++)
            digits = digits && isdigit((unsigned char)*p);
        bits = digits ? atoi(b) : -1;
    }
    if (bits < lo || bits > hi)
        return conf_fail(x, "%s expects a prefix length %d-%d, got '%s'", x->dn, lo, hi,
                         slash ? slash : s);
    out->bits = (int)bits;
    return 0;
}

int conf_host(struct conf_ctx *x, const char *s, const char *what)
{
    size_t n = strlen(s);
    bool ok = n > 0 && n <= 253;
    for (const char *p = s; ok && *p; p++) {
        unsigned char ch = (unsigned char)*p;
        ok = isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':' || ch == '%';
    }
    if (!ok)
        return conf_fail(x, "%s expects %s, got '%s'", x->dn, what, s);
    return 0;
}

const char *conf_fmt_ipv4(uint32_t a, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", (a >> 24) & 0xff, (a >> 16) & 0xff, (a >> 8) & 0xff,
             a & 0xff);
    return buf;
}

const char *conf_fmt_ipv6(const uint8_t a[16], char *buf, size_t len)
{
    if (!inet_ntop(AF_INET6, a, buf, (socklen_t)len))
        snprintf(buf, len, "::");
    return buf;
}

/* ---- words and strings ---- */

int conf_word(struct conf_ctx *x, const char *s, const char *const *words, int *out)
{
    char list[512];
    size_t used = 0, n = 0;

    for (; words[n]; n++) {
        if (strcmp(s, words[n]) == 0) {
            *out = (int)n;
            return 0;
        }
    }
    list[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof(list); i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        int w = snprintf(list + used, sizeof(list) - used, "%s'%s'", sep, words[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return conf_fail(x, "%s expects %s, got '%s'", x->dn, list, s);
}

int conf_setstr(struct conf_ctx *x, char **dst, const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        return conf_oom(x);
    free(*dst);
    *dst = copy;
    return 0;
}

void *conf_grow(struct conf_ctx *x, void *arr, size_t *n, size_t size)
{
    void **slot = arr;
    if (*n >= SIZE_MAX / size - 1) {
        conf_oom(x);
        return NULL;
    }
    char *p = realloc(*slot, (*n + 1) * size);
    if (!p) {
        conf_oom(x);
        return NULL;
    }
    *slot = p;
    memset(p + *n * size, 0, size);
    return p + (*n)++ * size;
}

int conf_strlist_add(struct conf_ctx *x, struct conf_strlist *l, const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        return conf_oom(x);
    char **slot = conf_grow(x, &l->v, &l->n, sizeof(*l->v));
    if (!slot) {
        free(copy);
        return -1;
    }
    *slot = copy;
    return 0;
}

void conf_strlist_clear(struct conf_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int conf_strlist_copy(struct conf_strlist *dst, const struct conf_strlist *src)
{
    dst->v = src->n ? calloc(src->n, sizeof(*dst->v)) : NULL;
    dst->n = 0;
    if (src->n && !dst->v)
        return -1;
    for (; dst->n < src->n; dst->n++) {
        dst->v[dst->n] = strdup(src->v[dst->n]);
        if (!dst->v[dst->n])
            return -1;
    }
    return 0;
}

static void args_clear(struct conf_args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    a->argv = NULL;
    a->argc = 0;
}

int conf_arglist_add(struct conf_ctx *x, struct conf_arglist *l, int argc, const char *const *argv)
{
    struct conf_args a = { 0, calloc((size_t)argc + 1, sizeof(char *)) };
    if (!a.argv)
        return conf_oom(x);
    for (; a.argc < argc; a.argc++) {
        a.argv[a.argc] = strdup(argv[a.argc]);
        if (!a.argv[a.argc]) {
            args_clear(&a);
            return conf_oom(x);
        }
    }
    struct conf_args *slot = conf_grow(x, &l->v, &l->n, sizeof(*l->v));
    if (!slot) {
        args_clear(&a);
        return -1;
    }
    *slot = a;
    return 0;
}

void conf_arglist_clear(struct conf_arglist *l)
{
    for (size_t i = 0; i < l->n; i++)
        args_clear(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* ---- files and inline blocks ---- */

void conf_blob_clear(struct conf_blob *b)
{
    free(b->path);
    if (b->data)
        secret_free(b->data, b->len + 1);
    memset(b, 0, sizeof(*b));
}

static int inline_misuse(struct conf_ctx *x)
{
    if (!x->file)
        return conf_fail(x, "%s: inline blocks are not allowed on the command line", x->dn);
    return conf_fail(x, "%s %s is a placeholder: give the content as an inline block", x->dn,
                     CONF_INLINE_MARK);
}

int conf_set_blob(struct conf_ctx *x, struct conf_blob *b, const char *arg)
{
    if (x->inline_data) {
        uint8_t *copy = malloc(x->inline_len + 1);
        if (!copy)
            return conf_oom(x);
        memcpy(copy, x->inline_data, x->inline_len);
        copy[x->inline_len] = 0;
        conf_blob_clear(b);
        b->data = copy;
        b->len = x->inline_len;
        b->is_inline = true;
        return 0;
    }
    if (strcmp(arg, CONF_INLINE_MARK) == 0)
        return inline_misuse(x);
    char *path = strdup(arg);
    if (!path)
        return conf_oom(x);
    conf_blob_clear(b);
    b->path = path;
    return 0;
}

/* ---- generic handlers ---- */

void *conf_field(struct conf *c, struct conf_conn *ce, const struct conf_opt *o)
{
    char *base = (o->flags & CONF_F_CE) ? (char *)ce : (char *)c;
    return base + o->off;
}

const void *conf_cfield(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o)
{
    const char *base = (o->flags & CONF_F_CE) ? (const char *)ce : (const char *)c;
    return base + o->off;
}

int conf_opt_flag(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)argc;
    (void)argv;
    bool *f = conf_field(x->c, x->ce, o);
    *f = true;
    return 0;
}

int conf_opt_int(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)argc;
    return conf_int(x, argv[1], o->lo, o->hi, conf_field(x->c, x->ce, o));
}

int conf_opt_str(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a non-empty argument", x->dn);
    return conf_setstr(x, conf_field(x->c, x->ce, o), argv[1]);
}

int conf_opt_blob(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a file name", x->dn);
    return conf_set_blob(x, conf_field(x->c, x->ce, o), argv[1]);
}

/* Enum fields are int-sized (checked below); memcpy keeps the store free of aliasing casts. */
_Static_assert(sizeof(enum conf_topology) == sizeof(int), "enum fields must be int-sized");

int conf_opt_enum(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    int v;
    (void)argc;
    if (conf_word(x, argv[1], o->words, &v) < 0)
        return -1;
    memcpy(conf_field(x->c, x->ce, o), &v, sizeof(v));
    return 0;
}

int conf_opt_ignore(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)x;
    (void)o;
    (void)argc;
    (void)argv;
    return 0;
}

void conf_show_flag(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb)
{
    const bool *f = conf_cfield(c, ce, o);
    if (*f) {
        conf_sb_begin(sb, o->name);
        conf_sb_end(sb);
    }
}

void conf_show_int(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                   struct conf_sb *sb)
{
    const int *v = conf_cfield(c, ce, o);
    if (*v < o->lo)
        return; /* 0 below the range means "not set" (link-mtu, tun-mtu-max, ...) */
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", *v);
    conf_sb_end(sb);
}

void conf_show_str(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                   struct conf_sb *sb)
{
    char *const *s = conf_cfield(c, ce, o);
    if (*s) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, *s);
        conf_sb_end(sb);
    }
}

void conf_show_blob(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb)
{
    conf_sb_blob(sb, o->name, conf_cfield(c, ce, o), NULL);
}

void conf_show_enum(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb)
{
    int v;
    memcpy(&v, conf_cfield(c, ce, o), sizeof(v));
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, o->words[v]);
    conf_sb_end(sb);
}

/* ---- options Sluice refuses ---- */

#define TCP     "TCP transport"
#define TAP     "TAP / bridging"
#define PLUGIN  "plugins are a C ABI of OpenVPN"
#define TOKEN   "smartcards and external keys"
#define WINDOWS "Windows / macOS only"

const struct conf_opt conf_opts_refused[] = {
    OPT_WONT("tcp-nodelay", TCP),
    OPT_WONT("port-share", TCP),
    OPT_WONT("socks-proxy", TCP),
    OPT_WONT("socks-proxy-retry", TCP),
    OPT_WONT("http-proxy", TCP),
    OPT_WONT("http-proxy-option", TCP),
    OPT_WONT("http-proxy-user-pass", TCP),
    OPT_WONT("http-proxy-retry", TCP),
    OPT_WONT("http-proxy-timeout", TCP),
    OPT_WONT("http-proxy-override", TCP),
    OPT_WONT("inetd", "TCP transport / inetd"),
    OPT_WONT("server-bridge", TAP),
    OPT_WONT("lladdr", TAP),
    OPT_WONT("vlan-tagging", TAP),
    OPT_WONT("vlan-accept", TAP),
    OPT_WONT("vlan-pvid", TAP),
    OPT_WONT("plugin", PLUGIN),
    OPT_WONT("pkcs11-providers", TOKEN),
    OPT_WONT("pkcs11-protected-authentication", TOKEN),
    OPT_WONT("pkcs11-private-mode", TOKEN),
    OPT_WONT("pkcs11-cert-private", TOKEN),
    OPT_WONT("pkcs11-pin-cache", TOKEN),
    OPT_WONT("pkcs11-id", TOKEN),
    OPT_WONT("pkcs11-id-management", TOKEN),
    OPT_WONT("show-pkcs11-ids", TOKEN),
    OPT_WONT("cryptoapicert", TOKEN),
    OPT_WONT("engine", TOKEN),
    OPT_WONT("providers", TOKEN),
    OPT_WONT("management-external-key", TOKEN),
    OPT_WONT("management-external-cert", TOKEN),
    OPT_WONT("secret", "static-key mode, deprecated in OpenVPN 2.6; use TLS"),
    OPT_WONT("no-replay", "replay protection cannot be turned off"),
    OPT_WONT("ns-cert-type", "nsCertType checks; use 'remote-cert-tls'"),
    OPT_WONT("mtu-test", "MTU test mode"),
    OPT_WONT("route-method", WINDOWS),
    OPT_WONT("ip-win32", WINDOWS),
    OPT_WONT("tap-sleep", WINDOWS),
    OPT_WONT("dhcp-renew", WINDOWS),
    OPT_WONT("dhcp-release", WINDOWS),
    OPT_WONT("dhcp-pre-release", WINDOWS),
    OPT_WONT("register-dns", WINDOWS),
    OPT_WONT("block-outside-dns", WINDOWS),
    OPT_WONT("windows-driver", WINDOWS),
    OPT_WONT("service", WINDOWS),
    OPT_WONT("show-adapters", WINDOWS),
    OPT_WONT("allow-nonadmin", WINDOWS),
    OPT_WONT("win-sys", WINDOWS),
    OPT_WONT("show-net", WINDOWS),
    OPT_WONT("show-net-up", WINDOWS),
    OPT_WONT("show-valid-subnets", WINDOWS),
    OPT_WONT("pause-exit", WINDOWS),
    OPT_REMOVED("ncp-disable",
                "was removed in OpenVPN 2.6 (ciphers are always negotiated; choose them with "
                "'data-ciphers')"),
    OPT_REMOVED("keysize", "was removed in OpenVPN 2.6 (choose a cipher with the key size)"),
    OPT_REMOVED("no-iv", "was removed in OpenVPN 2.5"),
    OPT_REMOVED("key-method", "was removed in OpenVPN 2.5 (key-method 2 is always used)"),
    OPT_REMOVED("compat-names", "was removed in OpenVPN 2.5, update your configuration"),
    OPT_REMOVED("no-name-remapping", "was removed in OpenVPN 2.5, update your configuration"),
    OPT_REMOVED("client-cert-not-required",
                "was removed in OpenVPN 2.5 (use 'verify-client-cert none' instead)"),
    OPT_REMOVED("ifconfig-pool-linear", "was removed in OpenVPN 2.5 (use 'topology p2p' instead)"),
    OPT_REMOVED("management-client-pf", "was removed in OpenVPN 2.6 (packet filtering is gone)"),
    OPT_REMOVED("tls-remote", "was removed in OpenVPN 2.4 (use 'verify-x509-name' instead)"),
    OPT_REMOVED("mtu-dynamic", "was replaced by 'fragment'"),
};

const size_t conf_opts_refused_count = sizeof(conf_opts_refused) / sizeof(conf_opts_refused[0]);
