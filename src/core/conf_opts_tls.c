/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options of ops-interfaces.md 1.5.2 and 1.5.4 for TLS, keys and data channel crypto: table
 * entries, handlers and show functions. Cipher and digest names are checked against what
 * Sluice's data channel will implement. Compression and user authentication are in
 * conf_opts_auth.c.
 */
#include "conf_opts.h"

#include "secret.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INT_MAX_         2147483647LL
#define CIPHER_LIST_MAX  127 /* bytes, as OpenVPN's MAX_NCP_CIPHERS_LENGTH */
#define EKM_LABEL_PREFIX "EXPORTER"

static const char *const data_ciphers[] = { "AES-128-GCM",       "AES-192-GCM", "AES-256-GCM",
                                            "CHACHA20-POLY1305", "AES-128-CBC", "AES-192-CBC",
                                            "AES-256-CBC",       "none",        NULL };
static const char *const digests[] = {
    "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "none", NULL
};
static const char *const tls_versions[] = { "1.0", "1.1", "1.2", "1.3", NULL };
static const char *const profiles[] = { "insecure", "legacy", "preferred", "suiteb", NULL };
static const char *const remote_cert_words[] = { "server", "client", NULL };
static const char *const x509_words[] = { "subject", "name", "name-prefix", NULL };
static const char *const tc2_words[] = { "allow-noncookie", "force-cookie", NULL };

/* ---- names ---- */

static const char *canonical(const char *s, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        if (strcasecmp(s, names[i]) == 0)
            return names[i];
    }
    return NULL;
}

static void name_list(const char *const *names, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

static int unsupported(struct conf_ctx *x, const char *what, const char *name,
                       const char *const *names)
{
    char list[256];
    name_list(names, list, sizeof(list));
    return conf_fail(x, "%s: %s '%s' is not supported by Sluice (supported: %s)", x->dn, what, name,
                     list);
}

bool conf_list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* "?NAME" marks a cipher that may be missing: it is skipped instead of refused (OpenVPN 2.6). */
static int add_cipher(struct conf_ctx *x, const char *tok, char *out, size_t cap)
{
    bool optional = tok[0] == '?';
    const char *name = canonical(tok + optional, data_ciphers);
    if (tok[optional] == '\0')
        return conf_fail(x, "%s has an empty cipher name", x->dn);
    if (!name)
        return optional ? 0 : unsupported(x, "cipher", tok, data_ciphers);
    if (conf_list_has(out, name))
        return 0;
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%s", used ? ":" : "", name);
    return 0;
}

static int opt_data_ciphers(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    char out[CIPHER_LIST_MAX * 2] = "", tok[CONF_MAX_TOKEN];
    const char *p = argv[1];
    (void)o;
    (void)argc;
    if (strlen(p) > CIPHER_LIST_MAX)
        return conf_fail(x, "%s list is too long (%d bytes max)", x->dn, CIPHER_LIST_MAX);
    while (p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        snprintf(tok, sizeof(tok), "%.*s", (int)len, p);
        if (add_cipher(x, tok, out, sizeof(out)) < 0)
            return -1;
        p = end ? end + 1 : NULL;
    }
    if (!out[0])
        return conf_fail(x, "%s names no cipher that Sluice supports", x->dn);
    return conf_setstr(x, &x->c->tls.data_ciphers, out);
}

static int opt_cipher(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    const char *name = canonical(argv[1], data_ciphers);
    (void)argc;
    if (!name)
        return unsupported(x, "cipher", argv[1], data_ciphers);
    char **dst =
        strcmp(o->name, "cipher") == 0 ? &x->c->tls.cipher : &x->c->tls.data_ciphers_fallback;
    return conf_setstr(x, dst, name);
}

static int opt_auth(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    const char *name = canonical(argv[1], digests);
    (void)o;
    (void)argc;
    if (!name)
        return unsupported(x, "digest", argv[1], digests);
    return conf_setstr(x, &x->c->tls.auth, name);
}

/* ---- files ---- */

static int opt_dh(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    struct conf_tls *t = &x->c->tls;
    (void)o;
    (void)argc;
    if (!x->inline_data && strcmp(argv[1], "none") == 0) {
        conf_blob_clear(&t->dh);
        t->dh_none = true;
        return 0;
    }
    t->dh_none = false;
    return conf_set_blob(x, &t->dh, argv[1]);
}

static void show_dh(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                    struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.dh_none) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, "none");
        conf_sb_end(sb);
    }
    conf_sb_blob(sb, o->name, &c->tls.dh, NULL);
}

static int key_direction(struct conf_ctx *x, const char *s, int *out)
{
    if (strcmp(s, "0") == 0 || strcmp(s, "normal") == 0)
        *out = 0;
    else if (strcmp(s, "1") == 0 || strcmp(s, "inverse") == 0)
        *out = 1;
    else if (strcmp(s, "bidirectional") == 0 || strcmp(s, "bi") == 0)
        *out = -1;
    else
        return conf_fail(x, "%s expects a key direction 0 or 1, got '%s'", x->dn, s);
    return 0;
}

static int opt_tls_auth(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    int dir = x->c->tls.key_direction;
    (void)o;
    if (argc > 2 && x->inline_data)
        return conf_fail(x, "%s inline takes its direction from 'key-direction'", x->dn);
    if (argc > 2 && key_direction(x, argv[2], &dir) < 0)
        return -1;
    if (conf_set_blob(x, &x->c->tls.tls_auth, argv[1]) < 0)
        return -1;
    x->c->tls.key_direction = dir;
    return 0;
}

static int opt_key_direction(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv)
{
    (void)o;
    (void)argc;
    return key_direction(x, argv[1], &x->c->tls.key_direction);
}

static void show_key_direction(const struct conf *c, const struct conf_conn *ce,
                               const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.key_direction >= 0) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", c->tls.key_direction);
        conf_sb_end(sb);
    }
}

static int opt_tls_crypt_v2(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    int mode = CONF_TC2_ALLOW_NONCOOKIE;
    (void)o;
    if (argc > 2 && conf_word(x, argv[2], tc2_words, &mode) < 0)
        return -1;
    if (conf_set_blob(x, &x->c->tls.tls_crypt_v2, argv[1]) < 0)
        return -1;
    x->c->tls.tls_crypt_v2_mode = (enum conf_tc2_mode)mode;
    return 0;
}

static void show_tls_crypt_v2(const struct conf *c, const struct conf_conn *ce,
                              const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    bool force = c->tls.tls_crypt_v2_mode == CONF_TC2_FORCE_COOKIE;
    conf_sb_blob(sb, o->name, &c->tls.tls_crypt_v2, force ? "force-cookie" : NULL);
}

static int opt_crl_verify(struct conf_ctx *x, const struct conf_opt *o, int argc,
                          const char *const *argv)
{
    (void)o;
    if (argc > 2 && (x->inline_data || strcmp(argv[2], "dir") != 0))
        return conf_fail(x, "%s expects 'dir' after a directory name, got '%s'", x->dn, argv[2]);
    if (conf_set_blob(x, &x->c->tls.crl_verify, argv[1]) < 0)
        return -1;
    x->c->tls.crl_dir = argc > 2;
    return 0;
}

static void show_crl_verify(const struct conf *c, const struct conf_conn *ce,
                            const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_blob(sb, o->name, &c->tls.crl_verify, c->tls.crl_dir ? "dir" : NULL);
}

/* ---- TLS parameters ---- */

static int opt_tls_version(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    struct conf_tls *t = &x->c->tls;
    int v;
    bool min = strcmp(o->name, "tls-version-min") == 0;
    if (conf_word(x, argv[1], tls_versions, &v) < 0)
        return -1;
    if (argc > 2 && strcmp(argv[2], "or-highest") != 0)
        return conf_fail(x, "%s expects 'or-highest' after the version, got '%s'", x->dn, argv[2]);
    if (min) {
        t->version_min = (enum conf_tls_ver)(v + 1);
        t->version_min_set = true;
        t->version_min_or_highest = argc > 2;
    } else {
        t->version_max = (enum conf_tls_ver)(v + 1);
    }
    return 0;
}

static void show_tls_version(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    bool min = strcmp(o->name, "tls-version-min") == 0;
    enum conf_tls_ver v = min ? c->tls.version_min : c->tls.version_max;
    (void)ce;
    if (v == CONF_TLS_VER_UNSET)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, tls_versions[v - 1]);
    if (min && c->tls.version_min_or_highest)
        conf_sb_arg(sb, "or-highest");
    conf_sb_end(sb);
}

static int opt_cert_profile(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    int v;
    (void)o;
    (void)argc;
    if (conf_word(x, argv[1], profiles, &v) < 0)
        return -1;
    x->c->tls.cert_profile = (enum conf_cert_profile)(v + 1);
    return 0;
}

static void show_cert_profile(const struct conf *c, const struct conf_conn *ce,
                              const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.cert_profile != CONF_CERT_PROFILE_UNSET) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, profiles[c->tls.cert_profile - 1]);
        conf_sb_end(sb);
    }
}

static int opt_reneg_sec(struct conf_ctx *x, const struct conf_opt *o, int argc,
                         const char *const *argv)
{
    int max, min = -1;
    (void)o;
    if (conf_int(x, argv[1], 0, INT_MAX_, &max) < 0 ||
        (argc > 2 && conf_int(x, argv[2], 0, INT_MAX_, &min) < 0))
        return -1;
    if (min > max && max > 0)
        return conf_fail(x, "%s minimum %d is above the maximum %d", x->dn, min, max);
    x->c->tls.reneg_sec = max;
    x->c->tls.reneg_sec_min = min;
    return 0;
}

static void show_reneg_sec(const struct conf *c, const struct conf_conn *ce,
                           const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", c->tls.reneg_sec);
    if (c->tls.reneg_sec_min >= 0)
        conf_sb_argf(sb, "%d", c->tls.reneg_sec_min);
    conf_sb_end(sb);
}

static int opt_reneg_count(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    (void)argc;
    bool bytes = strcmp(o->name, "reneg-bytes") == 0;
    return conf_num(x, argv[1], 0, INT64_MAX,
                    bytes ? &x->c->tls.reneg_bytes : &x->c->tls.reneg_pkts);
}

static void show_reneg_count(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    long long v = strcmp(o->name, "reneg-bytes") == 0 ? c->tls.reneg_bytes : c->tls.reneg_pkts;
    if (v >= 0) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%lld", v);
        conf_sb_end(sb);
    }
}

static int opt_replay_window(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv)
{
    int n, t = x->c->tls.replay_time;
    (void)o;
    if (conf_int(x, argv[1], 0, 65536, &n) < 0 ||
        (argc > 2 && conf_int(x, argv[2], 0, 600, &t) < 0))
        return -1;
    x->c->tls.replay_window = n;
    x->c->tls.replay_time = t;
    return 0;
}

static void show_replay_window(const struct conf *c, const struct conf_conn *ce,
                               const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", c->tls.replay_window);
    conf_sb_argf(sb, "%d", c->tls.replay_time);
    conf_sb_end(sb);
}

/* ---- peer verification ---- */

static int opt_remote_cert_tls(struct conf_ctx *x, const struct conf_opt *o, int argc,
                               const char *const *argv)
{
    int v;
    (void)o;
    (void)argc;
    if (conf_word(x, argv[1], remote_cert_words, &v) < 0)
        return -1;
    x->c->tls.remote_cert_tls = (enum conf_remote_cert)(v + 1);
    return 0;
}

static void show_remote_cert_tls(const struct conf *c, const struct conf_conn *ce,
                                 const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.remote_cert_tls != CONF_REMOTE_CERT_NONE) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, remote_cert_words[c->tls.remote_cert_tls - 1]);
        conf_sb_end(sb);
    }
}

static int opt_remote_cert_ku(struct conf_ctx *x, const struct conf_opt *o, int argc,
                              const char *const *argv)
{
    struct conf_tls *t = &x->c->tls;
    unsigned v[16];
    (void)o;
    for (int i = 1; i < argc; i++) {
        char *end;
        size_t n = strlen(argv[i]);
        unsigned long u = strtoul(argv[i], &end, 16);
        if (n == 0 || n > 4 || *end || !isxdigit((unsigned char)argv[i][0]))
            return conf_fail(x, "%s expects hex key usage values such as a0 or 88, got '%s'", x->dn,
                             argv[i]);
        v[i - 1] = (unsigned)u;
    }
    memcpy(t->remote_cert_ku, v, sizeof(unsigned) * (size_t)(argc - 1));
    t->n_remote_cert_ku = argc - 1;
    return 0;
}

static void show_remote_cert_ku(const struct conf *c, const struct conf_conn *ce,
                                const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.n_remote_cert_ku == 0)
        return;
    conf_sb_begin(sb, o->name);
    for (int i = 0; i < c->tls.n_remote_cert_ku; i++)
        conf_sb_argf(sb, "%x", c->tls.remote_cert_ku[i]);
    conf_sb_end(sb);
}

static int opt_verify_x509(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    int type = CONF_X509_SUBJECT;
    (void)o;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a name", x->dn);
    if (argc > 2 && conf_word(x, argv[2], x509_words, &type) < 0)
        return -1;
    if (conf_setstr(x, &x->c->tls.verify_x509_name, argv[1]) < 0)
        return -1;
    x->c->tls.verify_x509_type = (enum conf_x509_type)type;
    return 0;
}

static void show_verify_x509(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (!c->tls.verify_x509_name)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, c->tls.verify_x509_name);
    conf_sb_arg(sb, x509_words[c->tls.verify_x509_type]);
    conf_sb_end(sb);
}

/* "AB:CD:..." of n bytes (colons optional between pairs). */
static bool parse_hash(const char *s, size_t len, uint8_t *out, size_t n)
{
    size_t got = 0, i = 0;
    while (i < len && got < n) {
        if (i + 1 >= len || !isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
            return false;
        char pair[3] = { s[i], s[i + 1], 0 };
        out[got++] = (uint8_t)strtoul(pair, NULL, 16);
        i += 2;
        if (i < len && s[i] == ':')
            i++;
    }
    return got == n && i == len && s[len - 1] != ':';
}

static int add_fingerprint(struct conf_ctx *x, const char *s, size_t len)
{
    struct conf_tls *t = &x->c->tls;
    uint8_t fp[32];
    if (!parse_hash(s, len, fp, sizeof(fp)))
        return conf_fail(x, "%s expects a SHA256 fingerprint (32 hex bytes AB:CD:...), got '%.*s'",
                         x->dn, (int)(len > 100 ? 100 : len), s);
    uint8_t(*slot)[32] = conf_grow(x, &t->fingerprints, &t->n_fingerprints, sizeof(fp));
    if (!slot)
        return -1;
    memcpy(*slot, fp, sizeof(fp));
    return 0;
}

/* An inline block holds one fingerprint per line; '#' and ';' start comments. */
static int fingerprints_inline(struct conf_ctx *x)
{
    const char *p = (const char *)x->inline_data;
    const char *end = p + x->inline_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        const char *q = stop;
        while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
            q--;
        if (q > p && *p != '#' && *p != ';' && add_fingerprint(x, p, (size_t)(q - p)) < 0)
            return -1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

static int opt_peer_fingerprint(struct conf_ctx *x, const struct conf_opt *o, int argc,
                                const char *const *argv)
{
    (void)o;
    (void)argc;
    if (x->inline_data)
        return fingerprints_inline(x);
    return add_fingerprint(x, argv[1], strlen(argv[1]));
}

static void sb_hex(struct conf_sb *sb, const uint8_t *v, size_t n)
{
    char buf[3 * 64 + 1];
    size_t used = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%02X", i ? ":" : "", v[i]);
    conf_sb_arg(sb, buf);
}

static void show_peer_fingerprint(const struct conf *c, const struct conf_conn *ce,
                                  const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    for (size_t i = 0; i < c->tls.n_fingerprints; i++) {
        conf_sb_begin(sb, o->name);
        sb_hex(sb, c->tls.fingerprints[i], 32);
        conf_sb_end(sb);
    }
}

static int opt_verify_hash(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    uint8_t h[32];
    bool sha1 = argc < 3 || strcmp(argv[2], "SHA1") == 0;
    (void)o;
    if (argc > 2 && !sha1 && strcmp(argv[2], "SHA256") != 0)
        return conf_fail(x, "%s expects 'SHA1' or 'SHA256', got '%s'", x->dn, argv[2]);
    if (!parse_hash(argv[1], strlen(argv[1]), h, sha1 ? 20 : 32))
        return conf_fail(x, "%s expects a %s hash (%d hex bytes AB:CD:...), got '%s'", x->dn,
                         sha1 ? "SHA1" : "SHA256", sha1 ? 20 : 32, argv[1]);
    conf_warn(x, "%s is deprecated, use 'peer-fingerprint'", x->dn);
    if (conf_setstr(x, &x->c->tls.verify_hash, argv[1]) < 0)
        return -1;
    for (char *p = x->c->tls.verify_hash; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    x->c->tls.verify_hash_bits = sha1 ? 1 : 256;
    return 0;
}

static void show_verify_hash(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (!c->tls.verify_hash)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, c->tls.verify_hash);
    conf_sb_arg(sb, c->tls.verify_hash_bits == 1 ? "SHA1" : "SHA256");
    conf_sb_end(sb);
}

static int opt_x509_username(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv)
{
    struct conf_strlist fresh = { 0 };
    (void)o;
    for (int i = 1; i < argc; i++) {
        if (conf_strlist_add(x, &fresh, argv[i]) < 0) {
            conf_strlist_clear(&fresh);
            return -1;
        }
    }
    conf_strlist_clear(&x->c->tls.x509_username_field);
    x->c->tls.x509_username_field = fresh;
    return 0;
}

static void show_x509_username(const struct conf *c, const struct conf_conn *ce,
                               const struct conf_opt *o, struct conf_sb *sb)
{
    const struct conf_strlist *l = &c->tls.x509_username_field;
    (void)ce;
    conf_sb_args(sb, o->name, (int)l->n, l->v);
}

static int opt_x509_track(struct conf_ctx *x, const struct conf_opt *o, int argc,
                          const char *const *argv)
{
    (void)o;
    (void)argc;
    return conf_strlist_add(x, &x->c->tls.x509_track, argv[1]);
}

static void show_x509_track(const struct conf *c, const struct conf_conn *ce,
                            const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    for (size_t i = 0; i < c->tls.x509_track.n; i++) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, c->tls.x509_track.v[i]);
        conf_sb_end(sb);
    }
}

static int opt_ekm(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    int len;
    (void)o;
    (void)argc;
    if (strncmp(argv[1], EKM_LABEL_PREFIX, strlen(EKM_LABEL_PREFIX)) != 0)
        return conf_fail(x, "%s label must begin with '%s', got '%s'", x->dn, EKM_LABEL_PREFIX,
                         argv[1]);
    if (strcmp(argv[1], "EXPORTER-OpenVPN-datakeys") == 0)
        return conf_fail(x, "%s label 'EXPORTER-OpenVPN-datakeys' is reserved", x->dn);
    if (conf_int(x, argv[2], 16, 4095, &len) < 0 ||
        conf_setstr(x, &x->c->tls.ekm_label, argv[1]) < 0)
        return -1;
    x->c->tls.ekm_len = len;
    return 0;
}

static void show_ekm(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                     struct conf_sb *sb)
{
    (void)ce;
    if (!c->tls.ekm_label)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, c->tls.ekm_label);
    conf_sb_argf(sb, "%d", c->tls.ekm_len);
    conf_sb_end(sb);
}

static int opt_askpass(struct conf_ctx *x, const struct conf_opt *o, int argc,
                       const char *const *argv)
{
    (void)o;
    return conf_setstr(x, &x->c->tls.askpass, argc > 1 ? argv[1] : "stdin");
}

static int opt_prng(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    conf_warn(x, "%s is ignored (the TLS library's PRNG is used)", x->dn);
    return 0;
}

#define P                   CONF_PLANNED
#define R                   CONF_READY
#define FN(n, mn, mx, p, s) OPT_FN(n, mn, mx, P, 0, p, s)

const struct conf_opt conf_opts_tls[] = {
    OPT_FLAG("tls-server", tls.server, R),
    OPT_FLAG("tls-client", tls.client, R),
    OPT_BLOB("ca", tls.ca, R),
    OPT_STR("capath", tls.capath, P),
    OPT_BLOB("cert", tls.cert, R),
    OPT_BLOB("key", tls.key, R),
    OPT_BLOB("pkcs12", tls.pkcs12, R),
    OPT_BLOB("extra-certs", tls.extra_certs, R),
    { .name = "askpass",
      .min_args = 0,
      .max_args = 1,
      .status = P,
      .parse = opt_askpass,
      .show = conf_show_str,
      .off = CONF_OFF(tls.askpass) },
    OPT_FN("dh", 1, 1, R, CONF_F_INLINE, opt_dh, show_dh),
    { .name = "tls-auth",
      .min_args = 1,
      .max_args = 2,
      .status = R,
      .flags = CONF_F_INLINE,
      .parse = opt_tls_auth,
      .show = conf_show_blob,
      .off = CONF_OFF(tls.tls_auth) },
    OPT_BLOB("tls-crypt", tls.tls_crypt, R),
    OPT_FN("tls-crypt-v2", 1, 2, R, CONF_F_INLINE, opt_tls_crypt_v2, show_tls_crypt_v2),
    OPT_STR("tls-crypt-v2-verify", script.tls_crypt_v2_verify, P),
    OPT_FN("key-direction", 1, 1, R, 0, opt_key_direction, show_key_direction),
    OPT_FN("crl-verify", 1, 2, R, CONF_F_INLINE, opt_crl_verify, show_crl_verify),
    { .name = "data-ciphers",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .parse = opt_data_ciphers,
      .show = conf_show_str,
      .off = CONF_OFF(tls.data_ciphers) },
    OPT_FN("ncp-ciphers", 1, 1, R, 0, opt_data_ciphers, NULL),
    { .name = "data-ciphers-fallback",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .parse = opt_cipher,
      .show = conf_show_str,
      .off = CONF_OFF(tls.data_ciphers_fallback) },
    { .name = "cipher",
      .min_args = 1,
      .max_args = 1,
      .status = P,
      .parse = opt_cipher,
      .show = conf_show_str,
      .off = CONF_OFF(tls.cipher) },
    { .name = "auth",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .parse = opt_auth,
      .show = conf_show_str,
      .off = CONF_OFF(tls.auth) },
    OPT_FN("tls-version-min", 1, 2, R, 0, opt_tls_version, show_tls_version),
    OPT_FN("tls-version-max", 1, 1, R, 0, opt_tls_version, show_tls_version),
    OPT_STR("tls-cipher", tls.tls_cipher, R),
    OPT_STR("tls-ciphersuites", tls.tls_ciphersuites, R),
    OPT_STR("tls-groups", tls.tls_groups, R),
    OPT_STR("ecdh-curve", tls.ecdh_curve, R),
    OPT_FN("tls-cert-profile", 1, 1, R, 0, opt_cert_profile, show_cert_profile),
    OPT_FN("reneg-sec", 1, 2, R, 0, opt_reneg_sec, show_reneg_sec),
    OPT_FN("reneg-bytes", 1, 1, R, 0, opt_reneg_count, show_reneg_count),
    OPT_FN("reneg-pkts", 1, 1, R, 0, opt_reneg_count, show_reneg_count),
    OPT_INT("hand-window", tls.hand_window, 1, INT_MAX_, R),
    OPT_INT("tran-window", tls.tran_window, 1, INT_MAX_, R),
    OPT_INT("tls-timeout", tls.tls_timeout, 1, INT_MAX_, R),
    OPT_FN("replay-window", 1, 2, R, 0, opt_replay_window, show_replay_window),
    OPT_FLAG("mute-replay-warnings", tls.mute_replay_warnings, P),
    OPT_FN("remote-cert-tls", 1, 1, R, 0, opt_remote_cert_tls, show_remote_cert_tls),
    OPT_STR("remote-cert-eku", tls.remote_cert_eku, P),
    FN("remote-cert-ku", 1, 16, opt_remote_cert_ku, show_remote_cert_ku),
    OPT_FN("verify-x509-name", 1, 2, R, 0, opt_verify_x509, show_verify_x509),
    OPT_FN("peer-fingerprint", 1, 1, P, CONF_F_INLINE, opt_peer_fingerprint, show_peer_fingerprint),
    FN("verify-hash", 1, 2, opt_verify_hash, show_verify_hash),
    FN("x509-username-field", 1, -1, opt_x509_username, show_x509_username),
    FN("x509-track", 1, 1, opt_x509_track, show_x509_track),
    OPT_STR("tls-export-cert", tls.tls_export_cert, P),
    FN("keying-material-exporter", 2, 2, opt_ekm, show_ekm),
    OPT_FLAG("tls-exit", tls.tls_exit, P),
    OPT_FLAG("single-session", tls.single_session, P),
    OPT_FLAG("push-peer-info", tls.push_peer_info, P),
    OPT_FLAG("persist-key", tls.persist_key, R),
    OPT_FN("prng", 1, 2, R, 0, opt_prng, NULL),
};

const size_t conf_opts_tls_count = sizeof(conf_opts_tls) / sizeof(conf_opts_tls[0]);
