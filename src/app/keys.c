/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration -> control-channel material, once per (re)start. See include/keys.h.
 */
#include "config.h"

#include "keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <limits.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "base64.h"
#include "conf_file.h"
#include "log.h"
#include "pem.h"
#include "secret.h"

/* A file-valued option in memory: the inline block (borrowed) or the file (owned). */
struct keys_file {
    const char *opt;  /* option name for messages */
    const char *name; /* path, or "[inline]" */
    uint8_t *data;
    size_t len;
    bool owned;
};

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    if (errlen == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool blob_set(const struct conf_blob *b)
{
    return b->is_inline || b->path;
}

static int file_load(struct keys_file *f, const char *opt, const struct conf_blob *b, char *err,
                     size_t errlen)
{
    char id[128], why[512];

    memset(f, 0, sizeof(*f));
    f->opt = opt;
    if (b->is_inline) {
        f->name = "[inline]";
        f->data = b->data;
        f->len = b->len;
        return 0;
    }
    f->name = b->path;
    if (conf_file_read(NULL, b->path, &f->data, &f->len, id, sizeof(id), why, sizeof(why)) < 0)
        return fail(err, errlen, "%s: %s", opt, why);
    f->owned = true;
    return 0;
}

/* Every file may hold key material (the key, key files); wiping the others costs nothing. */
static void file_release(struct keys_file *f)
{
    if (f->owned)
        secret_free(f->data, f->len);
    memset(f, 0, sizeof(*f));
}

void keys_rand(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    if (len > 0 && RAND_bytes(out, (int)len) != 1) {
        /* A session cannot run on predictable session ids and randoms: stop here. */
        log_msg(LOG_L_FATAL, "RAND_bytes failed: the random number generator is unusable");
        abort();
    }
}

/* ---- TLS context ---- */

static int tls_version(enum conf_tls_ver v)
{
    switch (v) {
    case CONF_TLS_VER_1_0:
        return TLSMEM_TLS1_0;
    case CONF_TLS_VER_1_1:
        return TLSMEM_TLS1_1;
    case CONF_TLS_VER_1_2:
        return TLSMEM_TLS1_2;
    case CONF_TLS_VER_1_3:
        return TLSMEM_TLS1_3;
    default:
        return 0;
    }
}

static int tls_profile(const struct conf *c, enum tlsmem_profile *out, char *err, size_t errlen)
{
    switch (c->tls.cert_profile) {
    case CONF_CERT_PROFILE_PREFERRED:
        *out = TLSMEM_PROFILE_PREFERRED;
        return 0;
    case CONF_CERT_PROFILE_SUITEB:
        *out = TLSMEM_PROFILE_SUITEB;
        return 0;
    case CONF_CERT_PROFILE_INSECURE:
        return fail(err, errlen,
                    "tls-cert-profile insecure is not supported by Sluice (use legacy or "
                    "stronger)");
    default:
        *out = TLSMEM_PROFILE_LEGACY;
        return 0;
    }
}

static void tls_names(const struct conf *c, struct tlsmem_config *t)
{
    static const enum tlsmem_name_type types[] = {
        [CONF_X509_SUBJECT] = TLSMEM_NAME_SUBJECT,
        [CONF_X509_NAME] = TLSMEM_NAME_NAME,
        [CONF_X509_NAME_PREFIX] = TLSMEM_NAME_PREFIX,
    };
    if (c->tls.verify_x509_name) {
        t->name_type = types[c->tls.verify_x509_type];
        t->verify_name = c->tls.verify_x509_name;
    }
    t->remote_cert = c->tls.remote_cert_tls == CONF_REMOTE_CERT_SERVER   ? TLSMEM_REMOTE_SERVER
                     : c->tls.remote_cert_tls == CONF_REMOTE_CERT_CLIENT ? TLSMEM_REMOTE_CLIENT
                                                                         : TLSMEM_REMOTE_ANY;
    t->client_cert = c->auth.verify_client_cert == CONF_CLIENT_CERT_NONE ? TLSMEM_CLIENT_CERT_NONE
                     : c->auth.verify_client_cert == CONF_CLIENT_CERT_OPTIONAL
                         ? TLSMEM_CLIENT_CERT_OPTIONAL
                         : TLSMEM_CLIENT_CERT_REQUIRE;
}

/* cert followed by extra-certs: the chain tlsmem expects in one PEM text. */
static int cert_chain(struct keys_file *cert, const struct conf *c, char *err, size_t errlen)
{
    struct keys_file extra;
    uint8_t *both;

    if (!blob_set(&c->tls.extra_certs))
        return 0;
    if (file_load(&extra, "extra-certs", &c->tls.extra_certs, err, errlen) < 0)
        return -1;
    both = malloc(cert->len + 1 + extra.len);
    if (!both) {
        file_release(&extra);
        return fail(err, errlen, "extra-certs: out of memory");
    }
    memcpy(both, cert->data, cert->len);
    both[cert->len] = '\n';
    memcpy(both + cert->len + 1, extra.data, extra.len);
    file_release(cert);
    cert->data = both;
    cert->len += 1 + extra.len;
    cert->owned = true;
    file_release(&extra);
    return 0;
}

struct keys_tls_files {
    struct keys_file ca, cert, key, crl;
};

static void tls_files_release(struct keys_tls_files *f)
{
    file_release(&f->ca);
    file_release(&f->cert);
    file_release(&f->key);
    file_release(&f->crl);
}

/* ---- pkcs12 ---- */

/* What a PKCS#12 file yields; p12_free() releases it (OpenSSL clears a private key it frees). */
struct keys_p12 {
    const char *name; /* path or "[inline]", for messages */
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) * ca; /* NULL or empty when the file carries no CA certificate */
};

static void p12_free(struct keys_p12 *p)
{
    EVP_PKEY_free(p->key);
    X509_free(p->cert);
    sk_X509_pop_free(p->ca, X509_free);
    memset(p, 0, sizeof(*p));
}

/* DER bytes to a PKCS12 object; NULL when they are not one. */
static PKCS12 *p12_from_der(const uint8_t *der, size_t len)
{
    const unsigned char *in = der;

    if (len == 0 || len > (size_t)LONG_MAX)
        return NULL;
    return d2i_PKCS12(NULL, &in, (long)len);
}

/* An inline <pkcs12> block is base64 of the DER file, as openvpn reads it. */
static int p12_decode_inline(const struct keys_file *raw, PKCS12 **out, char *err, size_t errlen)
{
    size_t cap = base64_decoded_max(raw->len), len = 0;
    uint8_t *der = malloc(cap ? cap : 1);
    int rc;

    if (!der)
        return fail(err, errlen, "pkcs12 '[inline]': out of memory");
    rc = base64_decode((const char *)raw->data, raw->len, der, cap, &len);
    *out = rc == 0 ? p12_from_der(der, len) : NULL;
    secret_free(der, cap); /* the PKCS#12 bag holds the private key */
    if (rc != 0)
        return fail(err, errlen, "pkcs12 '[inline]': not base64: %s", base64_strerror(rc));
    return 0;
}

static int p12_decode(const struct keys_file *raw, bool is_inline, PKCS12 **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    if (is_inline && p12_decode_inline(raw, out, err, errlen) < 0)
        return -1;
    if (!is_inline)
        *out = p12_from_der(raw->data, raw->len);
    if (!*out)
        return fail(err, errlen, "pkcs12 '%s': not a PKCS#12 file", raw->name);
    return 0;
}

/* openvpn tries the empty password first and prompts only when that fails; Sluice cannot
 * prompt, so a file that needs a password is refused before anything else is tried. */
static bool p12_needs_password(PKCS12 *p12)
{
    return PKCS12_mac_present(p12) && PKCS12_verify_mac(p12, "", 0) != 1 &&
           PKCS12_verify_mac(p12, NULL, 0) != 1;
}

/* OpenSSL's reason for the last failure, never NULL. */
static const char *p12_reason(void)
{
    const char *r = ERR_reason_error_string(ERR_peek_last_error());
    return r ? r : "unknown error";
}

static int p12_parse(PKCS12 *p12, struct keys_p12 *p, char *err, size_t errlen)
{
    if (p12_needs_password(p12))
        return fail(err, errlen,
                    "pkcs12 '%s': the file is protected by a password and Sluice cannot ask "
                    "for one: export it without a password (openssl pkcs12 -export -passout "
                    "pass:) or use 'ca', 'cert' and 'key'",
                    p->name);
    if (PKCS12_parse(p12, "", &p->key, &p->cert, &p->ca) != 1)
        return fail(err, errlen,
                    "pkcs12 '%s': cannot decode the file: %s (a password on the contents, or "
                    "an encryption OpenSSL 3 offers only through its legacy provider, such as "
                    "RC2)",
                    p->name, p12_reason());
    if (!p->key || !p->cert)
        return fail(err, errlen, "pkcs12 '%s': holds no private key with its certificate", p->name);
    return 0;
}

static int p12_load(struct keys_p12 *p, const struct conf_blob *b, char *err, size_t errlen)
{
    struct keys_file raw;
    PKCS12 *p12 = NULL;
    int rc;

    memset(p, 0, sizeof(*p));
    p->name = b->is_inline ? "[inline]" : b->path;
    if (file_load(&raw, "pkcs12", b, err, errlen) < 0)
        return -1;
    rc = p12_decode(&raw, b->is_inline, &p12, err, errlen);
    file_release(&raw);
    if (rc == 0)
        rc = p12_parse(p12, p, err, errlen);
    PKCS12_free(p12);
    ERR_clear_error();
    if (rc < 0)
        p12_free(p);
    return rc;
}

/* Moves what was written to the memory BIO b into f (owned, wiped on release) and wipes b's
 * copy: the text may be the private key. */
static int bio_take(BIO *b, struct keys_file *f, const char *opt, const char *name)
{
    char *text = NULL;
    long n = BIO_get_mem_data(b, &text);

    if (n <= 0 || !text || !(f->data = malloc((size_t)n + 1))) {
        if (n > 0 && text)
            secret_wipe(text, (size_t)n);
        return -1;
    }
    memcpy(f->data, text, (size_t)n);
    f->data[n] = '\0';
    secret_wipe(text, (size_t)n);
    f->len = (size_t)n;
    f->owned = true;
    f->opt = opt;
    f->name = name;
    return 0;
}

/* leaf (may be NULL) then the certificates of more (may be NULL) as one PEM text in f. */
static int pem_certs(struct keys_file *f, const char *opt, const char *name, X509 *leaf,
                     STACK_OF(X509) * more)
{
    BIO *b = BIO_new(BIO_s_mem());
    bool ok = b != NULL && (!leaf || PEM_write_bio_X509(b, leaf) == 1);

    for (int i = 0; ok && i < sk_X509_num(more); i++)
        ok = PEM_write_bio_X509(b, sk_X509_value(more, i)) == 1;
    ok = ok && bio_take(b, f, opt, name) == 0;
    BIO_free(b);
    return ok ? 0 : -1;
}

static int pem_key(struct keys_file *f, const char *name, EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    bool ok = b != NULL && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1 &&
              bio_take(b, f, "key", name) == 0;

    BIO_free(b);
    return ok ? 0 : -1;
}

/*
 * The parsed file as the PEM texts tlsmem takes. As in openvpn 2.6, the file's CA certificates
 * are the trusted CAs only when no 'ca' is given; with 'ca' they are sent as the chain after the
 * leaf and 'ca' alone is trusted.
 */
static int p12_to_pem(struct keys_tls_files *f, const struct keys_p12 *p, bool has_ca, char *err,
                      size_t errlen)
{
    if (pem_certs(&f->cert, "cert", p->name, p->cert, has_ca ? p->ca : NULL) < 0 ||
        pem_key(&f->key, p->name, p->key) < 0)
        return fail(err, errlen, "pkcs12 '%s': cannot convert the certificate or key", p->name);
    if (has_ca)
        return 0;
    if (sk_X509_num(p->ca) <= 0)
        return fail(err, errlen, "pkcs12 '%s': holds no CA certificate: add 'ca FILE'", p->name);
    if (pem_certs(&f->ca, "ca", p->name, NULL, p->ca) < 0)
        return fail(err, errlen, "pkcs12 '%s': cannot convert the CA certificates", p->name);
    return 0;
}

static int p12_files_load(struct keys_tls_files *f, const struct conf *c, char *err, size_t errlen)
{
    const struct conf_tls *t = &c->tls;
    bool has_ca = blob_set(&t->ca);
    struct keys_p12 p;
    int rc;

    if (p12_load(&p, &t->pkcs12, err, errlen) < 0)
        return -1;
    rc = p12_to_pem(f, &p, has_ca, err, errlen);
    p12_free(&p);
    if (rc < 0 || cert_chain(&f->cert, c, err, errlen) < 0)
        return -1;
    return has_ca ? file_load(&f->ca, "ca", &t->ca, err, errlen) : 0;
}

static int pem_files_load(struct keys_tls_files *f, const struct conf *c, char *err, size_t errlen)
{
    const struct conf_tls *t = &c->tls;

    if (!blob_set(&t->ca) || !blob_set(&t->cert) || !blob_set(&t->key))
        return fail(err, errlen, "'ca', 'cert' and 'key' (or 'pkcs12') are required");
    if (file_load(&f->ca, "ca", &t->ca, err, errlen) < 0 ||
        file_load(&f->cert, "cert", &t->cert, err, errlen) < 0 ||
        cert_chain(&f->cert, c, err, errlen) < 0 ||
        file_load(&f->key, "key", &t->key, err, errlen) < 0)
        return -1;
    return 0;
}

static int tls_files_load(struct keys_tls_files *f, const struct conf *c, char *err, size_t errlen)
{
    const struct conf_tls *t = &c->tls;
    int rc;

    memset(f, 0, sizeof(*f));
    if (t->capath)
        return fail(err, errlen, "capath is not supported yet: use 'ca'");
    if (blob_set(&t->crl_verify) && t->crl_dir)
        return fail(err, errlen, "crl-verify DIR dir is not supported yet: use a CRL file");
    rc = blob_set(&t->pkcs12) ? p12_files_load(f, c, err, errlen)
                              : pem_files_load(f, c, err, errlen);
    if (rc == 0 && blob_set(&t->crl_verify))
        rc = file_load(&f->crl, "crl-verify", &t->crl_verify, err, errlen);
    if (rc < 0)
        tls_files_release(f);
    return rc;
}

/* ---- crl-verify re-read ---- */

struct keys_crl {
    char *path;
    bool have_stat; /* false: the last stat failed, reload on the next success */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

static bool crl_stat_same(const struct keys_crl *w, const struct stat *st)
{
    return w->have_stat && w->dev == st->st_dev && w->ino == st->st_ino && w->size == st->st_size &&
           w->mtime.tv_sec == st->st_mtim.tv_sec && w->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void crl_stat_keep(struct keys_crl *w, const struct stat *st)
{
    w->have_stat = true;
    w->dev = st->st_dev;
    w->ino = st->st_ino;
    w->size = st->st_size;
    w->mtime = st->st_mtim;
}

/* Reads the changed file into the context; an unusable file fails closed (tlsmem.h). */
static void crl_reload(struct keys_crl *w, struct tlsmem_ctx *ctx)
{
    uint8_t *data = NULL;
    size_t len = 0, n = 0;
    char id[128], why[512];
    int rc;

    if (conf_file_read(NULL, w->path, &data, &len, id, sizeof(id), why, sizeof(why)) < 0) {
        log_msg(LOG_L_ERROR,
                "CRL: cannot read CRL from file %s: %s: every peer is refused "
                "until it is readable",
                w->path, why);
        (void)tlsmem_ctx_set_crl(ctx, NULL, 0, NULL); /* fails closed */
    } else {
        rc = tlsmem_ctx_set_crl(ctx, data, len, &n);
        if (rc == TLSMEM_OK)
            log_msg(LOG_L_INFO, "CRL: loaded %zu CRLs from file %s", n, w->path);
        else
            log_msg(LOG_L_ERROR,
                    "CRL: cannot read CRL from file %s: %s: every peer is refused "
                    "until it holds a valid CRL",
                    w->path,
                    rc == TLSMEM_ERR_INVALID ? "no readable CRL in it" : tlsmem_strerror(rc));
    }
    free(data);
}

static void crl_refresh(void *arg, struct tlsmem_ctx *ctx)
{
    struct keys_crl *w = arg;
    struct stat st;

    if (stat(w->path, &st) < 0) {
        if (w->have_stat)
            log_msg(LOG_L_WARN, "WARNING: Failed to stat CRL file %s, not reloading CRL.", w->path);
        w->have_stat = false;
        return;
    }
    if (crl_stat_same(w, &st))
        return;
    /* stat before read: a write racing the read shows as another change next time */
    crl_stat_keep(w, &st);
    crl_reload(w, ctx);
}

static void crl_free(struct keys_crl *w)
{
    if (!w)
        return;
    free(w->path);
    free(w);
}

/* Starts watching crl-verify FILE; the first load was done by tlsmem_ctx_new. */
static int crl_watch(struct keys *k, const struct conf *c, const struct stat *st, char *err,
                     size_t errlen)
{
    const struct conf_blob *b = &c->tls.crl_verify;
    struct keys_crl *w;

    if (!b->path || b->is_inline)
        return 0;
    w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(b->path))) {
        crl_free(w);
        return fail(err, errlen, "crl-verify: out of memory");
    }
    if (st)
        crl_stat_keep(w, st);
    k->crl = w;
    tlsmem_ctx_set_refresh(k->tls, crl_refresh, w);
    return 0;
}

static void tls_config_fill(struct tlsmem_config *t, const struct keys_tls_files *f,
                            const struct conf *c, const struct keys *k)
{
    t->server = k->role == SESSION_SERVER;
    t->ca = f->ca.data;
    t->ca_len = f->ca.len;
    t->cert = f->cert.data;
    t->cert_len = f->cert.len;
    t->key = f->key.data;
    t->key_len = f->key.len;
    t->crl = f->crl.data;
    t->crl_len = f->crl.len;
    t->version_min = tls_version(c->tls.version_min);
    t->version_max = tls_version(c->tls.version_max);
    t->cipher_list = c->tls.tls_cipher;
    t->ciphersuites = c->tls.tls_ciphersuites;
    t->groups = c->tls.tls_groups ? c->tls.tls_groups : c->tls.ecdh_curve;
    tls_names(c, t);
}

/* openvpn's start-up line; setting the same text again only yields the count. */
static void crl_log_loaded(struct tlsmem_ctx *ctx, const struct keys_file *crl)
{
    size_t n = 0;

    if (crl->len && tlsmem_ctx_set_crl(ctx, crl->data, crl->len, &n) == TLSMEM_OK)
        log_msg(LOG_L_INFO, "CRL: loaded %zu CRLs from file %s", n, crl->name);
}

static const char *blob_name(const struct conf_blob *b)
{
    return b->is_inline ? "[inline]" : b->path ? b->path : "";
}

/* The files a TLS set-up error can come from, e.g. "ca 'A', cert 'B', key 'C', crl-verify 'D'"
 * or "pkcs12 'P', ca 'A'". */
static void tls_sources(const struct conf *c, char *out, size_t cap)
{
    const struct conf_tls *t = &c->tls;
    static const char *const opts[] = { "pkcs12", "ca", "cert", "key", "crl-verify" };
    const struct conf_blob *blobs[] = { &t->pkcs12, &t->ca, &t->cert, &t->key, &t->crl_verify };
    size_t used = 0;
    int n;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (!blob_set(blobs[i]))
            continue;
        n = snprintf(out + used, cap - used, "%s%s '%s'", used ? ", " : "", opts[i],
                     blob_name(blobs[i]));
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

static int build_tls(struct keys *k, const struct conf *c, char *err, size_t errlen)
{
    const struct conf_blob *crl = &c->tls.crl_verify;
    struct keys_tls_files f;
    struct tlsmem_config t;
    struct stat st;
    bool crl_st;
    char why[512], from[512];

    memset(&t, 0, sizeof(t));
    /* stat before the read, as every later check does */
    crl_st = crl->path && !crl->is_inline && stat(crl->path, &st) == 0;
    if (tls_profile(c, &t.profile, err, errlen) < 0 || tls_files_load(&f, c, err, errlen) < 0)
        return -1;
    tls_config_fill(&t, &f, c, k);
    k->tls = tlsmem_ctx_new(&t, why, sizeof(why));
    if (k->tls)
        crl_log_loaded(k->tls, &f.crl);
    tls_files_release(&f);
    if (!k->tls) {
        tls_sources(c, from, sizeof(from));
        return fail(err, errlen, "cannot set up TLS from %s: %s", from, why);
    }
    return crl_watch(k, c, crl_st ? &st : NULL, err, errlen);
}

/* ---- control-channel wrapping ---- */

static int static_key(struct keys *k, const char *opt, const struct conf_blob *b, char *err,
                      size_t errlen)
{
    struct keys_file f;
    struct pem_error pe;
    char why[256];
    int rc;

    if (file_load(&f, opt, b, err, errlen) < 0)
        return -1;
    rc = pem_static_key_parse((const char *)f.data, f.len, k->wrap_key, &pe);
    if (rc != 0) {
        pem_error_format(&pe, why, sizeof(why));
        fail(err, errlen, "%s '%s': %s", opt, f.name, why);
    }
    file_release(&f);
    return rc == 0 ? 0 : -1;
}

static int v2_key_error(int rc, const struct pem_error *pe, const struct keys_file *f, char *err,
                        size_t errlen)
{
    char why[256];

    if (rc == CTLWRAP_ERR_KEY_FILE)
        pem_error_format(pe, why, sizeof(why));
    else
        snprintf(why, sizeof(why), "%s", ctlwrap_strerror(rc));
    return fail(err, errlen, "tls-crypt-v2 '%s': %s", f->name, why);
}

static int v2_key(struct keys *k, const struct conf *c, char *err, size_t errlen)
{
    struct keys_file f;
    struct pem_error pe;
    int rc;

    memset(&pe, 0, sizeof(pe));
    if (file_load(&f, "tls-crypt-v2", &c->tls.tls_crypt_v2, err, errlen) < 0)
        return -1;
    if (k->role == SESSION_SERVER)
        rc = ctlwrap_v2_server_key_decode((const char *)f.data, f.len, k->v2_server_key, &pe);
    else
        rc = ctlwrap_v2_client_key_decode((const char *)f.data, f.len, k->wrap_key, k->wkc,
                                          &k->wkc_len, &pe);
    if (rc != 0)
        v2_key_error(rc, &pe, &f, err, errlen);
    file_release(&f);
    return rc == 0 ? 0 : -1;
}

static int load_wrap(struct keys *k, const struct conf *c, char *err, size_t errlen)
{
    const struct conf_tls *t = &c->tls;
    struct session_wrap *w = &k->sp.wrap;

    if (blob_set(&t->tls_crypt_v2)) {
        if (blob_set(&t->tls_auth) || blob_set(&t->tls_crypt))
            return fail(err, errlen,
                        "a tls-crypt-v2 server that also accepts tls-auth or tls-crypt clients "
                        "is not supported yet");
        w->mode = CTLWRAP_TLS_CRYPT_V2;
        if (v2_key(k, c, err, errlen) < 0)
            return -1;
        w->key = k->role == SESSION_CLIENT ? k->wrap_key : NULL;
        w->wkc = k->role == SESSION_CLIENT ? k->wkc : NULL;
        w->wkc_len = k->role == SESSION_CLIENT ? k->wkc_len : 0;
        return 0;
    }
    if (blob_set(&t->tls_crypt)) {
        w->mode = CTLWRAP_TLS_CRYPT;
        w->key = k->wrap_key;
        return static_key(k, "tls-crypt", &t->tls_crypt, err, errlen);
    }
    if (blob_set(&t->tls_auth)) {
        w->mode = CTLWRAP_TLS_AUTH;
        w->key = k->wrap_key;
        w->key_direction = t->key_direction < 0 ? CTLWRAP_KEY_DIR_BIDI : t->key_direction;
        w->digest = k->digest;
        return static_key(k, "tls-auth", &t->tls_auth, err, errlen);
    }
    w->mode = CTLWRAP_NONE;
    return 0;
}

/* ---- OCC and peer-info ---- */

/* HMAC bytes of --auth for the legacy link-mtu; 0 for "none" or an unknown name. */
static unsigned digest_len(const char *name)
{
    const EVP_MD *md = strcmp(name, "none") == 0 ? NULL : EVP_get_digestbyname(name);
    int n = md ? EVP_MD_get_size(md) : 0;
    return n > 0 ? (unsigned)n : 0;
}

static bool compression_configured(const struct conf *c)
{
    return c->tls.compress != CONF_COMPRESS_UNSET || c->tls.comp_lzo != CONF_COMP_LZO_UNSET;
}

/*
 * The OCC string of §9.3. link-mtu is openvpn's legacy value for its BF-CBC placeholder:
 * tun-mtu + opcode 1 + packet-id 4 + HMAC + IV 8 + padding 8 (+1 for a compression byte),
 * e.g. 1541 with SHA1 and 1553 with SHA256, as openvpn 2.6.14 sends it.
 */
static int build_occ(struct keys *k, const struct conf *c, char *err, size_t errlen)
{
    struct keyex_occ_params o;
    size_t len;
    unsigned comp = compression_configured(c) ? 1u : 0u;

    memset(&o, 0, sizeof(o));
    o.tun_mtu = (unsigned)c->ce.tun_mtu;
    o.link_mtu = o.tun_mtu + 1u + 4u + digest_len(c->tls.auth) + 16u + comp;
    o.proto = KEYEX_OCC_UDP;
    o.comp_lzo = comp != 0;
    o.tls_auth = k->sp.wrap.mode == CTLWRAP_TLS_AUTH;
    o.keydir = o.tls_auth ? c->tls.key_direction : -1;
    o.auth = c->tls.auth;
    o.keysize = 128;
    o.role = k->role == SESSION_SERVER ? KEYEX_SERVER : KEYEX_CLIENT;
    if (keyex_occ_build(k->occ, sizeof(k->occ), &o, false, &len) != KEYEX_OK)
        return fail(err, errlen, "cannot build the options string (auth '%s', tun-mtu %d)",
                    c->tls.auth, c->ce.tun_mtu);
    return 0;
}

/* setenv IV_GUI_VER / IV_SSO are passed on to the server, as openvpn does. */
static void extra_peer_info(struct keys *k, const struct conf *c)
{
    size_t n = 0;

    for (size_t i = 0; i < c->n_env && n < KEYS_EXTRA_IV; i++) {
        const struct conf_setenv *e = &c->env[i];
        if (strcmp(e->name, "IV_GUI_VER") != 0 && strcmp(e->name, "IV_SSO") != 0)
            continue;
        k->extra[n].name = e->name;
        k->extra[n].name_len = strlen(e->name);
        k->extra[n].value = e->value;
        k->extra[n].value_len = strlen(e->value);
        n++;
    }
    k->sp.peer_info.extra = k->extra;
    k->sp.peer_info.n_extra = n;
}

/* ---- session and listener parameters ---- */

static uint64_t positive(long long v)
{
    return v > 0 ? (uint64_t)v : 0;
}

static void session_timing(struct session_params *sp, const struct conf *c)
{
    const struct conf_tls *t = &c->tls;

    sp->reneg_sec = (uint32_t)positive(t->reneg_sec);
    sp->reneg_sec_min = (uint32_t)positive(t->reneg_sec_min);
    sp->reneg_bytes = positive(t->reneg_bytes);
    sp->reneg_pkts = positive(t->reneg_pkts);
    sp->hand_window_s = (uint32_t)t->hand_window;
    sp->tran_window_s = (uint32_t)t->tran_window;
    sp->tls_timeout_ms = (uint32_t)t->tls_timeout * 1000u;
    sp->replay_window = (unsigned)t->replay_window;
    sp->replay_time = (unsigned)t->replay_time;
}

static void session_base(struct keys *k, const struct conf *c)
{
    struct session_params *sp = &k->sp;

    sp->role = k->role;
    sp->tls = k->tls;
    sp->data_ciphers = c->tls.data_ciphers;
    sp->data_ciphers_fallback = c->tls.data_ciphers_fallback;
    sp->auth = c->tls.auth;
    session_timing(sp, c);
    sp->peer_info.version = KEYS_VERSION_STR;
    sp->peer_info.proto |= KEYS_IV_PROTO;
    sp->occ = k->occ;
    sp->rand = keys_rand;
    sp->rand_ctx = NULL;
    extra_peer_info(k, c);
}

static void listener_base(struct keys *k, const struct conf *c)
{
    struct session_listener_params *lp = &k->lp;

    session_listener_params_init(lp);
    lp->wrap = k->sp.wrap;
    lp->v2_server_key = k->sp.wrap.mode == CTLWRAP_TLS_CRYPT_V2 ? k->v2_server_key : NULL;
    keys_rand(NULL, k->cookie_secret, sizeof(k->cookie_secret));
    lp->cookie_secret = k->cookie_secret;
    lp->hand_window_s = (uint32_t)c->tls.hand_window;
}

int keys_init(struct keys *k, const struct conf *c, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    session_params_init(&k->sp);
    k->role = c->tls.server ? SESSION_SERVER : SESSION_CLIENT;
    snprintf(k->digest, sizeof(k->digest), "%s", c->tls.auth);
    if (load_wrap(k, c, err, errlen) < 0 || build_tls(k, c, err, errlen) < 0 ||
        build_occ(k, c, err, errlen) < 0) {
        keys_cleanup(k);
        return -1;
    }
    session_base(k, c);
    if (k->role == SESSION_SERVER)
        listener_base(k, c);
    return 0;
}

void keys_cleanup(struct keys *k)
{
    tlsmem_ctx_free(k->tls);
    crl_free(k->crl);
    secret_wipe(k, sizeof(*k));
}
