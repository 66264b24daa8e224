/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS over memory BIOs for the control channel (shared/docs/protocol-control.md §8).
 * Everything comes in as bytes: no file, no system store, no clock (verification time is the
 * caller's `now`).
 */
#include "tlsmem.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#include <openssl/ec.h>
#endif

#include "secret.h"

/* openvpn 2.6's --tls-cipher default (protocol-control.md §8.2). */
#define DEFAULT_CIPHER_LIST "DEFAULT:!EXP:!LOW:!MEDIUM:!kDH:!kECDH:!DSS:!PSK:!SRP:!kRSA"

#define NAME_FLAGS                                                                                 \
    (XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL)

struct tlsmem_ctx {
    SSL_CTX *ssl_ctx;
    bool server;
    enum tlsmem_name_type name_type;
    char *verify_name;
    enum tlsmem_remote_cert remote_cert;
    enum tlsmem_client_cert client_cert;
    /* The ca text's certificates and CRLs, kept to rebuild the store when the crl-verify set is
     * replaced (OpenSSL has no call that removes a CRL from a store). */
    STACK_OF(X509) * ca_certs;
    STACK_OF(X509_CRL) * ca_crls;
    tlsmem_refresh_fn refresh;
    void *refresh_arg;
};

struct tlsmem {
    struct tlsmem_ctx *ctx;
    SSL *ssl;
    BIO *in;  /* owned by ssl */
    BIO *out; /* owned by ssl */
    bool established;
    bool failed;
    struct tlsmem_verify verify;
    char err[160];
};

const char *tlsmem_strerror(int err)
{
    switch (err) {
    case TLSMEM_OK:
        return "ok";
    case TLSMEM_ERR_FAILED:
        return "TLS session failed";
    case TLSMEM_ERR_STATE:
        return "not possible in this TLS state";
    case TLSMEM_ERR_NO_ROOM:
        return "too much TLS data";
    case TLSMEM_ERR_INVALID:
        return "invalid argument";
    case TLSMEM_ERR_CLOSED:
        return "TLS session closed by the peer";
    case TLSMEM_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}

const char *tlsmem_verify_reason_str(enum tlsmem_verify_reason r)
{
    static const char *const names[] = {
        [TLSMEM_VERIFY_OK] = "ok",
        [TLSMEM_VERIFY_UNKNOWN_CA] = "unknown CA",
        [TLSMEM_VERIFY_EXPIRED] = "certificate expired",
        [TLSMEM_VERIFY_NOT_YET_VALID] = "certificate not yet valid",
        [TLSMEM_VERIFY_REVOKED] = "certificate revoked",
        [TLSMEM_VERIFY_CRL] = "CRL problem",
        [TLSMEM_VERIFY_NAME_MISMATCH] = "name mismatch (verify-x509-name)",
        [TLSMEM_VERIFY_KEY_USAGE] = "wrong key usage",
        [TLSMEM_VERIFY_NO_PEER_CERT] = "peer sent no certificate",
        [TLSMEM_VERIFY_OTHER] = "certificate verification failed",
    };

    if ((unsigned)r >= sizeof(names) / sizeof(names[0]))
        return "unknown reason";
    return names[r];
}

/* ---- small helpers ---- */

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    unsigned long e = ERR_peek_last_error();
    char ossl[128] = "";
    char what[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (e)
        ERR_error_string_n(e, ossl, sizeof(ossl));
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", ossl);
    ERR_clear_error();
}

/* Password callback that never prompts: an encrypted key needs key_pass. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pass = u;
    size_t n = pass ? strlen(pass) : 0;

    (void)rwflag;
    if (!pass || size <= 0 || n > (size_t)size)
        return 0;
    memcpy(buf, pass, n);
    return (int)n;
}

static BIO *mem_bio(const uint8_t *data, size_t len)
{
    if (!data || len == 0 || len > INT_MAX)
        return NULL;
    return BIO_new_mem_buf(data, (int)len);
}

/* Prints a name as openvpn logs it ("C=DE, O=x, CN=y"); false when it did not fit. */
static bool name_str(const X509_NAME *name, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n;
    bool fits;

    out[0] = '\0';
    if (!b || X509_NAME_print_ex(b, name, 0, NAME_FLAGS) < 0) {
        BIO_free(b);
        return false;
    }
    fits = BIO_ctrl_pending(b) < cap;
    n = BIO_read(b, out, (int)(cap - 1));
    out[n > 0 ? n : 0] = '\0';
    BIO_free(b);
    return fits;
}

/* The last CN of the subject (openvpn's x509-username-field default); false when absent,
 * too long or holding a NUL. */
static bool common_name(X509 *cert, char *out, size_t cap)
{
    const X509_NAME *name = X509_get_subject_name(cert);
    int idx = -1, last = -1;
    unsigned char *utf8 = NULL;
    int n;
    bool ok;

    out[0] = '\0';
    while ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, idx)) >= 0)
        last = idx;
    if (last < 0)
        return false;
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)));
    ok = n >= 0 && (size_t)n < cap && memchr(utf8, '\0', (size_t)n) == NULL;
    if (ok) {
        memcpy(out, utf8, (size_t)n);
        out[n] = '\0';
    }
    OPENSSL_free(utf8);
    return ok;
}

static void hex_colon(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t at = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && at + 3 < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%02x", i ? ":" : "", p[i]);
}

static X509 *peer_cert_ref(const SSL *ssl)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    return SSL_get1_peer_certificate(ssl);
#else
    return SSL_get_peer_certificate(ssl);
#endif
}

/* ---- verification ---- */

static enum tlsmem_verify_reason reason_of(int x509_err)
{
    switch (x509_err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return TLSMEM_VERIFY_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return TLSMEM_VERIFY_NOT_YET_VALID;
    case X509_V_ERR_CERT_REVOKED:
        return TLSMEM_VERIFY_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        return TLSMEM_VERIFY_CRL;
    case X509_V_ERR_INVALID_PURPOSE:
        return TLSMEM_VERIFY_KEY_USAGE;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return TLSMEM_VERIFY_UNKNOWN_CA;
    default:
        return TLSMEM_VERIFY_OTHER;
    }
}

static void serial_dec_of(X509 *cert, char *out, size_t cap)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *dec = bn ? BN_bn2dec(bn) : NULL;

    snprintf(out, cap, "%s", dec ? dec : "");
    OPENSSL_free(dec);
    BN_free(bn);
}

/* Keeps the first failure only: it is the one that stopped the handshake. */
static void note_fail(struct tlsmem *s, enum tlsmem_verify_reason reason, int depth, int x509_err,
                      X509 *cert, const char *detail)
{
    struct tlsmem_verify *v = &s->verify;

    if (v->reason != TLSMEM_VERIFY_OK)
        return;
    v->reason = reason;
    v->depth = depth;
    v->x509_error = x509_err;
    if (cert) {
        (void)name_str(X509_get_subject_name(cert), v->subject, sizeof(v->subject));
        serial_dec_of(cert, v->serial_dec, sizeof(v->serial_dec));
    }
    snprintf(v->detail, sizeof(v->detail), "%s", detail);
}

static void note_ok(struct tlsmem *s, int depth, X509 *cert)
{
    struct tlsmem_verify *v = &s->verify;

    if (v->n_ok == TLSMEM_CHAIN_MAX)
        return;
    v->ok_depth[v->n_ok] = depth;
    (void)name_str(X509_get_subject_name(cert), v->ok_subject[v->n_ok], TLSMEM_NAME_LEN);
    v->n_ok++;
}

/* remote-cert-tls: keyUsage must be present (its bits are checked by OpenSSL's purpose check),
 * extendedKeyUsage must name the peer's role. */
static const char *remote_cert_problem(enum tlsmem_remote_cert want, X509 *cert)
{
    uint32_t flags = X509_get_extension_flags(cert);
    uint32_t need = want == TLSMEM_REMOTE_SERVER ? XKU_SSL_SERVER : XKU_SSL_CLIENT;

    if (want == TLSMEM_REMOTE_ANY)
        return NULL;
    /* openvpn's wording, so that logs grep the same (remote-cert-tls) */
    if (!(flags & EXFLAG_KUSAGE))
        return "VERIFY KU ERROR: Certificate does not have key usage extension";
    if (!(flags & EXFLAG_XKUSAGE))
        return "VERIFY EKU ERROR: Certificate does not have extended key usage extension";
    if (!(X509_get_extended_key_usage(cert) & need))
        return want == TLSMEM_REMOTE_SERVER
                   ? "VERIFY EKU ERROR: no extended key usage TLS Web Server Authentication"
                   : "VERIFY EKU ERROR: no extended key usage TLS Web Client Authentication";
    return NULL;
}

static bool name_matches(const struct tlsmem_ctx *ctx, X509 *cert)
{
    char buf[1024];

    switch (ctx->name_type) {
    case TLSMEM_NAME_NONE:
        return true;
    case TLSMEM_NAME_SUBJECT:
        return name_str(X509_get_subject_name(cert), buf, sizeof(buf)) &&
               strcmp(buf, ctx->verify_name) == 0;
    case TLSMEM_NAME_NAME:
        return common_name(cert, buf, sizeof(buf)) && strcmp(buf, ctx->verify_name) == 0;
    case TLSMEM_NAME_PREFIX:
        return common_name(cert, buf, sizeof(buf)) &&
               strncmp(buf, ctx->verify_name, strlen(ctx->verify_name)) == 0;
    }
    return false;
}

static int check_leaf(struct tlsmem *s, X509 *cert)
{
    const char *problem = remote_cert_problem(s->ctx->remote_cert, cert);

    if (problem) {
        note_fail(s, TLSMEM_VERIFY_KEY_USAGE, 0, 0, cert, problem);
        return 0;
    }
    if (!name_matches(s->ctx, cert)) {
        char subject[TLSMEM_NAME_LEN], detail[sizeof(s->verify.detail)];

        (void)name_str(X509_get_subject_name(cert), subject, sizeof(subject));
        snprintf(detail, sizeof(detail), "VERIFY X509NAME ERROR: %s, must be %s", subject,
                 s->ctx->verify_name);
        note_fail(s, TLSMEM_VERIFY_NAME_MISMATCH, 0, 0, cert, detail);
        return 0;
    }
    return 1;
}

static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tlsmem *s = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *cert = X509_STORE_CTX_get_current_cert(sctx);
    int depth = X509_STORE_CTX_get_error_depth(sctx);
    int err = X509_STORE_CTX_get_error(sctx);

    if (!s)
        return 0;
    if (!ok) {
        note_fail(s, reason_of(err), depth, err, cert, X509_verify_cert_error_string(err));
        return 0;
    }
    if (!cert)
        return 0;
    if (depth == 0 && !check_leaf(s, cert)) {
        X509_STORE_CTX_set_error(sctx, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    note_ok(s, depth, cert);
    return 1;
}

/* ---- context ---- */

/* Pushes a new reference; the stack's entries are freed with it. */
static bool keep_cert(STACK_OF(X509) * st, X509 *x)
{
    if (!X509_up_ref(x))
        return false;
    if (sk_X509_push(st, x) > 0)
        return true;
    X509_free(x);
    return false;
}

static bool keep_crl(STACK_OF(X509_CRL) * st, X509_CRL *x)
{
    if (!X509_CRL_up_ref(x))
        return false;
    if (sk_X509_CRL_push(st, x) > 0)
        return true;
    X509_CRL_free(x);
    return false;
}

static bool keep_ca_item(struct tlsmem_ctx *c, X509_INFO *info)
{
    return (!info->x509 || keep_cert(c->ca_certs, info->x509)) &&
           (!info->crl || keep_crl(c->ca_crls, info->crl));
}

static bool load_ca(struct tlsmem_ctx *c, const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    BIO *b = mem_bio(cfg->ca, cfg->ca_len);
    STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, pass_cb, NULL) : NULL;
    bool ok = infos != NULL;

    for (int i = 0; ok && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        ok = keep_ca_item(c, info);
        if (ok && info->x509 && cfg->server)
            ok = SSL_CTX_add_client_CA(c->ssl_ctx, info->x509) == 1;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(b);
    if (!ok || sk_X509_num(c->ca_certs) == 0) {
        set_err(err, errlen, "ca: %s", ok ? "no certificate found" : "cannot load");
        return false;
    }
    ERR_clear_error();
    return true;
}

/* The CRLs of a PEM text into *out (never NULL on TLSMEM_OK; at least one CRL). */
static int parse_crls(const uint8_t *pem, size_t len, STACK_OF(X509_CRL) * *out)
{
    BIO *b = len ? mem_bio(pem, len) : NULL;
    STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, pass_cb, NULL) : NULL;
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    bool ok = infos && crls;

    for (int i = 0; ok && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        if (info->crl)
            ok = keep_crl(crls, info->crl);
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(b);
    ERR_clear_error();
    if (!ok || sk_X509_CRL_num(crls) == 0) {
        sk_X509_CRL_pop_free(crls, X509_CRL_free);
        return TLSMEM_ERR_INVALID;
    }
    *out = crls;
    return TLSMEM_OK;
}

static bool store_add_crls(X509_STORE *st, STACK_OF(X509_CRL) * crls)
{
    for (int i = 0; i < sk_X509_CRL_num(crls); i++)
        if (X509_STORE_add_crl(st, sk_X509_CRL_value(crls, i)) != 1)
            return false;
    return true;
}

/* A store of the ca text plus crls (may be NULL); CRL checking on when check is set. */
static X509_STORE *new_store(const struct tlsmem_ctx *c, STACK_OF(X509_CRL) * crls, bool check)
{
    X509_STORE *st = X509_STORE_new();
    bool ok = st != NULL;

    for (int i = 0; ok && i < sk_X509_num(c->ca_certs); i++)
        ok = X509_STORE_add_cert(st, sk_X509_value(c->ca_certs, i)) == 1;
    ok = ok && store_add_crls(st, c->ca_crls) && (!crls || store_add_crls(st, crls));
    if (ok && check)
        ok = X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) == 1;
    if (!ok) {
        X509_STORE_free(st);
        ERR_clear_error();
        return NULL;
    }
    return st;
}

/* The store: the ca text and the crl-verify text, CRL checking on when there is any CRL. */
static bool load_store(struct tlsmem_ctx *c, const struct tlsmem_config *cfg, char *err,
                       size_t errlen)
{
    STACK_OF(X509_CRL) *crls = NULL;
    X509_STORE *st;

    if (cfg->crl_len && parse_crls(cfg->crl, cfg->crl_len, &crls) != TLSMEM_OK) {
        set_err(err, errlen, "crl-verify: no CRL found or cannot load");
        return false;
    }
    st = new_store(c, crls, crls || sk_X509_CRL_num(c->ca_crls) > 0);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    if (!st) {
        set_err(err, errlen, "ca: cannot build the certificate store");
        return false;
    }
    SSL_CTX_set_cert_store(c->ssl_ctx, st);
    return true;
}

int tlsmem_ctx_set_crl(struct tlsmem_ctx *ctx, const uint8_t *crl, size_t len, size_t *n_loaded)
{
    STACK_OF(X509_CRL) *crls = NULL;
    X509_STORE *st;
    int rc;

    if (!ctx || (!crl && len))
        return TLSMEM_ERR_INVALID;
    if (n_loaded)
        *n_loaded = 0;
    rc = parse_crls(crl, len, &crls);
    /* An unusable text leaves no crl-verify CRL but checking on: every peer is refused. */
    st = new_store(ctx, crls, true);
    if (n_loaded && crls)
        *n_loaded = (size_t)sk_X509_CRL_num(crls);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    if (!st)
        return TLSMEM_ERR_NOMEM;
    SSL_CTX_set_cert_store(ctx->ssl_ctx, st);
    return rc;
}

void tlsmem_ctx_set_refresh(struct tlsmem_ctx *ctx, tlsmem_refresh_fn fn, void *arg)
{
    ctx->refresh = fn;
    ctx->refresh_arg = arg;
}

static bool load_chain(SSL_CTX *ctx, const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    BIO *b = mem_bio(cfg->cert, cfg->cert_len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, pass_cb, NULL) : NULL;
    bool ok = x && SSL_CTX_use_certificate(ctx, x) == 1;

    X509_free(x);
    /* Intermediates follow the leaf; the loop ends at the end of the text. */
    while (ok && (x = PEM_read_bio_X509(b, NULL, pass_cb, NULL)) != NULL) {
        ok = SSL_CTX_add0_chain_cert(ctx, x) == 1;
        if (!ok)
            X509_free(x);
    }
    BIO_free(b);
    if (!ok) {
        set_err(err, errlen, "cert: cannot load certificate");
        return false;
    }
    ERR_clear_error();
    return true;
}

static bool load_key(SSL_CTX *ctx, const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    BIO *b = mem_bio(cfg->key, cfg->key_len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, pass_cb, (void *)cfg->key_pass) : NULL;
    bool loaded = k != NULL;
    bool used = loaded && SSL_CTX_use_PrivateKey(ctx, k) == 1;

    EVP_PKEY_free(k);
    BIO_free(b);
    if (!loaded) {
        set_err(err, errlen, "key: cannot read the private key (not PEM, or wrong key_pass)");
        return false;
    }
    /* OpenSSL refuses a key whose public half differs from the certificate's. */
    if (!used || SSL_CTX_check_private_key(ctx) != 1) {
        set_err(err, errlen, "key: does not match the certificate");
        return false;
    }
    return true;
}

static bool load_identity(SSL_CTX *ctx, const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    if (cfg->cert_len == 0 && cfg->key_len == 0) {
        if (!cfg->server)
            return true; /* a client may authenticate with username/password only */
        set_err(err, errlen, "a TLS server needs cert and key");
        return false;
    }
    return load_chain(ctx, cfg, err, errlen) && load_key(ctx, cfg, err, errlen);
}

static bool version_ok(int v)
{
    return v == 0 || (v >= TLSMEM_TLS1_0 && v <= TLSMEM_TLS1_3);
}

static bool set_versions(SSL_CTX *ctx, const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    int min = cfg->version_min ? cfg->version_min : TLSMEM_TLS1_2;

    if (!version_ok(cfg->version_min) || !version_ok(cfg->version_max) ||
        (cfg->version_max && cfg->version_max < min)) {
        set_err(err, errlen, "tls-version-min/max: unsupported or inverted range");
        return false;
    }
    if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, cfg->version_max) != 1) {
        set_err(err, errlen, "tls-version-min/max: rejected by the TLS library");
        return false;
    }
    return true;
}

/* openvpn accepts TLS 1.3 suite names with '-' as well as '_'. */
static bool set_ciphersuites(SSL_CTX *ctx, const char *list)
{
    char buf[512];
    size_t n = strlen(list);

    if (n >= sizeof(buf))
        return false;
    for (size_t i = 0; i <= n; i++)
        buf[i] = list[i] == '-' ? '_' : list[i];
    return SSL_CTX_set_ciphersuites(ctx, buf) == 1;
}

static bool set_algorithms(SSL_CTX *ctx, const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    static const int levels[] = { 1, 2, 3 };
    const char *list = cfg->cipher_list;

    if ((unsigned)cfg->profile > TLSMEM_PROFILE_SUITEB) {
        set_err(err, errlen, "tls-cert-profile: unknown profile");
        return false;
    }
    SSL_CTX_set_security_level(ctx, levels[cfg->profile]);
    if (!list)
        list = cfg->profile == TLSMEM_PROFILE_SUITEB ? "SUITEB128" : DEFAULT_CIPHER_LIST;
    if (SSL_CTX_set_cipher_list(ctx, list) != 1) {
        set_err(err, errlen, "tls-cipher: no usable cipher in '%.60s'", list);
        return false;
    }
    if (cfg->ciphersuites && !set_ciphersuites(ctx, cfg->ciphersuites)) {
        set_err(err, errlen, "tls-ciphersuites: no usable suite in '%.60s'", cfg->ciphersuites);
        return false;
    }
    if (cfg->groups && SSL_CTX_set1_groups_list(ctx, cfg->groups) != 1) {
        set_err(err, errlen, "tls-groups: unknown group in '%.60s'", cfg->groups);
        return false;
    }
    return true;
}

static int verify_mode(const struct tlsmem_config *cfg)
{
    if (!cfg->server)
        return SSL_VERIFY_PEER;
    switch (cfg->client_cert) {
    case TLSMEM_CLIENT_CERT_OPTIONAL:
        return SSL_VERIFY_PEER;
    case TLSMEM_CLIENT_CERT_NONE:
        return SSL_VERIFY_NONE;
    default:
        return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
}

static bool config_ok(const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    if (cfg->name_type != TLSMEM_NAME_NONE && (!cfg->verify_name || !*cfg->verify_name)) {
        set_err(err, errlen, "verify-x509-name: empty name");
        return false;
    }
    if ((unsigned)cfg->name_type > TLSMEM_NAME_PREFIX ||
        (unsigned)cfg->remote_cert > TLSMEM_REMOTE_CLIENT ||
        (unsigned)cfg->client_cert > TLSMEM_CLIENT_CERT_NONE) {
        set_err(err, errlen, "invalid TLS configuration value");
        return false;
    }
    return true;
}

static bool setup_ctx(struct tlsmem_ctx *c, const struct tlsmem_config *cfg, char *err,
                      size_t errlen)
{
    SSL_CTX_set_options(c->ssl_ctx, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
                                        SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(c->ssl_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(c->ssl_ctx, 0);
    if (!set_versions(c->ssl_ctx, cfg, err, errlen) ||
        !set_algorithms(c->ssl_ctx, cfg, err, errlen) || !load_ca(c, cfg, err, errlen) ||
        !load_store(c, cfg, err, errlen) || !load_identity(c->ssl_ctx, cfg, err, errlen))
        return false;
    SSL_CTX_set_verify(c->ssl_ctx, verify_mode(cfg), verify_cb);
    return true;
}

struct tlsmem_ctx *tlsmem_ctx_new(const struct tlsmem_config *cfg, char *err, size_t errlen)
{
    struct tlsmem_ctx *c;

    if (err && errlen)
        err[0] = '\0';
    if (!config_ok(cfg, err, errlen))
        return NULL;
    /* Never read openssl.cnf on our behalf (a no-op if the library is already initialised). */
    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    c = calloc(1, sizeof(*c));
    if (!c || !(c->ca_certs = sk_X509_new_null()) || !(c->ca_crls = sk_X509_CRL_new_null()) ||
        !(c->ssl_ctx = SSL_CTX_new(TLS_method())) ||
        (cfg->verify_name && !(c->verify_name = strdup(cfg->verify_name)))) {
        set_err(err, errlen, "out of memory");
        tlsmem_ctx_free(c);
        return NULL;
    }
    c->server = cfg->server;
    c->name_type = cfg->name_type;
    c->remote_cert = cfg->remote_cert;
    c->client_cert = cfg->client_cert;
    if (!setup_ctx(c, cfg, err, errlen)) {
        tlsmem_ctx_free(c);
        return NULL;
    }
    return c;
}

void tlsmem_ctx_free(struct tlsmem_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    sk_X509_pop_free(ctx->ca_certs, X509_free);
    sk_X509_CRL_pop_free(ctx->ca_crls, X509_CRL_free);
    free(ctx->verify_name);
    free(ctx);
}

/* ---- session ---- */

struct tlsmem *tlsmem_new(struct tlsmem_ctx *ctx, int64_t now)
{
    struct tlsmem *s;
    BIO *in, *out;

    if (ctx->refresh)
        ctx->refresh(ctx->refresh_arg, ctx);
    s = calloc(1, sizeof(*s));
    in = BIO_new(BIO_s_mem());
    out = BIO_new(BIO_s_mem());

    if (!s || !in || !out || !(s->ssl = SSL_new(ctx->ssl_ctx))) {
        BIO_free(in);
        BIO_free(out);
        free(s);
        ERR_clear_error();
        return NULL;
    }
    /* An empty memory BIO means "no data yet", not end of stream. */
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(s->ssl, in, out);
    s->in = in;
    s->out = out;
    s->ctx = ctx;
    s->verify.depth = -1;
    SSL_set_app_data(s->ssl, s);
    X509_VERIFY_PARAM_set_time(SSL_get0_param(s->ssl), (time_t)now);
    if (ctx->server)
        SSL_set_accept_state(s->ssl);
    else
        SSL_set_connect_state(s->ssl);
    return s;
}

void tlsmem_free(struct tlsmem *s)
{
    if (!s)
        return;
    SSL_free(s->ssl);
    free(s);
}

/* Records why the session failed; the state is final. */
static int fail_session(struct tlsmem *s)
{
    unsigned long e = ERR_peek_error();

    s->failed = true;
    if (e)
        ERR_error_string_n(e, s->err, sizeof(s->err));
    else if (!s->err[0])
        snprintf(s->err, sizeof(s->err), "TLS session failed");
    if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
        ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
        note_fail(s, TLSMEM_VERIFY_NO_PEER_CERT, 0, 0, NULL, "the peer did not send a certificate");
    ERR_clear_error();
    return TLSMEM_ERR_FAILED;
}

int tlsmem_feed(struct tlsmem *s, const uint8_t *data, size_t len)
{
    if (s->failed)
        return TLSMEM_ERR_STATE;
    if (len == 0)
        return TLSMEM_OK;
    if (!data)
        return TLSMEM_ERR_INVALID;
    if (len > TLSMEM_IN_MAX || BIO_ctrl_pending(s->in) > TLSMEM_IN_MAX - len)
        return TLSMEM_ERR_NO_ROOM;
    if (BIO_write(s->in, data, (int)len) != (int)len) {
        ERR_clear_error();
        return TLSMEM_ERR_NOMEM;
    }
    return TLSMEM_OK;
}

int tlsmem_step(struct tlsmem *s)
{
    int r, e;

    if (s->failed)
        return TLSMEM_ERR_FAILED;
    if (s->established)
        return 1;
    ERR_clear_error();
    r = SSL_do_handshake(s->ssl);
    if (r == 1) {
        s->established = true;
        return 1;
    }
    e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    return fail_session(s);
}

bool tlsmem_established(const struct tlsmem *s)
{
    return s->established && !s->failed;
}

size_t tlsmem_out_pending(const struct tlsmem *s)
{
    return BIO_ctrl_pending(s->out);
}

size_t tlsmem_out_take(struct tlsmem *s, uint8_t *out, size_t cap)
{
    int n;

    if (cap == 0 || !out)
        return 0;
    n = BIO_read(s->out, out, cap > INT_MAX ? INT_MAX : (int)cap);
    return n > 0 ? (size_t)n : 0;
}

int tlsmem_write(struct tlsmem *s, const void *data, size_t len)
{
    if (!tlsmem_established(s))
        return s->failed ? TLSMEM_ERR_FAILED : TLSMEM_ERR_STATE;
    if (!data || len == 0)
        return TLSMEM_ERR_INVALID;
    if (len > TLSMEM_RECORD_MAX)
        return TLSMEM_ERR_NO_ROOM;
    ERR_clear_error();
    if (SSL_write(s->ssl, data, (int)len) != (int)len)
        return fail_session(s);
    return TLSMEM_OK;
}

int tlsmem_read(struct tlsmem *s, uint8_t *out, size_t cap, size_t *len)
{
    int r, e;

    *len = 0;
    if (!tlsmem_established(s))
        return s->failed ? TLSMEM_ERR_FAILED : TLSMEM_ERR_STATE;
    if (!out || cap == 0)
        return TLSMEM_ERR_INVALID;
    ERR_clear_error();
    r = SSL_read(s->ssl, out, cap > INT_MAX ? INT_MAX : (int)cap);
    if (r > 0) {
        *len = (size_t)r;
        return 1;
    }
    e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    if (e == SSL_ERROR_ZERO_RETURN) {
        s->failed = true;
        snprintf(s->err, sizeof(s->err), "peer closed the TLS session");
        return TLSMEM_ERR_CLOSED;
    }
    return fail_session(s);
}

int tlsmem_export(struct tlsmem *s, const char *label, uint8_t *out, size_t len)
{
    if (!tlsmem_established(s))
        return TLSMEM_ERR_STATE;
    if (!label || !out || len == 0)
        return TLSMEM_ERR_INVALID;
    ERR_clear_error();
    if (SSL_export_keying_material(s->ssl, out, len, label, strlen(label), NULL, 0, 0) != 1) {
        secret_wipe(out, len);
        ERR_clear_error();
        return TLSMEM_ERR_FAILED;
    }
    return TLSMEM_OK;
}

/* ---- reporting ---- */

const struct tlsmem_verify *tlsmem_verify_result(const struct tlsmem *s)
{
    return &s->verify;
}

const char *tlsmem_error(const struct tlsmem *s)
{
    return s->err;
}

int tlsmem_verify_describe(const struct tlsmem *s, char *out, size_t cap)
{
    const struct tlsmem_verify *v = &s->verify;

    if (!out || cap == 0)
        return TLSMEM_ERR_INVALID;
    out[0] = '\0';
    if (v->reason == TLSMEM_VERIFY_OK)
        return TLSMEM_ERR_STATE;
    if (v->x509_error)
        snprintf(out, cap, "VERIFY ERROR: depth=%d, error=%s: %s, serial=%s", v->depth, v->detail,
                 v->subject, v->serial_dec);
    else if (v->reason == TLSMEM_VERIFY_NAME_MISMATCH || v->reason == TLSMEM_VERIFY_NO_PEER_CERT)
        snprintf(out, cap, "%s", v->detail);
    else
        snprintf(out, cap, "%s: %s", v->detail, v->subject);
    return TLSMEM_OK;
}

static void serial_of(X509 *cert, struct tlsmem_cert_info *info)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    unsigned char bytes[64];
    int n = bn && BN_num_bytes(bn) <= (int)sizeof(bytes) ? BN_bn2bin(bn, bytes) : -1;

    serial_dec_of(cert, info->serial_dec, sizeof(info->serial_dec));
    if (n == 0)
        snprintf(info->serial_hex, sizeof(info->serial_hex), "00");
    else if (n > 0)
        hex_colon(bytes, (size_t)n, info->serial_hex, sizeof(info->serial_hex));
    BN_free(bn);
}

int tlsmem_peer_cert(const struct tlsmem *s, struct tlsmem_cert_info *info)
{
    X509 *cert = peer_cert_ref(s->ssl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;

    memset(info, 0, sizeof(*info));
    if (!cert)
        return TLSMEM_ERR_STATE;
    (void)name_str(X509_get_subject_name(cert), info->subject, sizeof(info->subject));
    (void)name_str(X509_get_issuer_name(cert), info->issuer, sizeof(info->issuer));
    (void)common_name(cert, info->common_name, sizeof(info->common_name));
    serial_of(cert, info);
    if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1)
        hex_colon(md, md_len, info->sha256, sizeof(info->sha256));
    X509_free(cert);
    ERR_clear_error();
    return TLSMEM_OK;
}

/* "256 bits ECprime256v1", "2048 bits RSA", "253 bits X25519". */
static void pkey_desc(EVP_PKEY *pk, char *out, size_t cap)
{
    char group[64] = "";
    const char *type;

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    type = EVP_PKEY_get0_type_name(pk);
    if (EVP_PKEY_base_id(pk) == EVP_PKEY_EC &&
        !EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL))
        group[0] = '\0';
#else
    switch (EVP_PKEY_base_id(pk)) {
    case EVP_PKEY_RSA:
        type = "RSA";
        break;
    case EVP_PKEY_EC:
        type = "EC";
        snprintf(group, sizeof(group), "%s",
                 OBJ_nid2sn(EC_GROUP_get_curve_name(EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(pk)))));
        break;
    default:
        type = OBJ_nid2sn(EVP_PKEY_base_id(pk));
    }
#endif
    snprintf(out, cap, "%d bits %s%s", EVP_PKEY_bits(pk), type ? type : "(unknown type)", group);
}

int tlsmem_describe(const struct tlsmem *s, char *out, size_t cap)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
    X509 *peer;
    EVP_PKEY *tmp = NULL;
    char cert[160] = "", temp[128] = "", key[96];

    if (!tlsmem_established(s) || !c || cap == 0)
        return TLSMEM_ERR_STATE;
    peer = peer_cert_ref(s->ssl);
    if (peer) {
        int sig = X509_get_signature_nid(peer);
        pkey_desc(X509_get0_pubkey(peer), key, sizeof(key));
        snprintf(cert, sizeof(cert), ", peer certificate: %s%s%s", key,
                 sig != NID_undef ? ", signature: " : "", sig != NID_undef ? OBJ_nid2ln(sig) : "");
        X509_free(peer);
    }
    if (SSL_get_peer_tmp_key(s->ssl, &tmp) == 1 && tmp) {
        pkey_desc(tmp, key, sizeof(key));
        snprintf(temp, sizeof(temp), ", peer temporary key: %s", key);
    }
    EVP_PKEY_free(tmp);
    snprintf(out, cap, "Control Channel: %s, cipher %s %s%s%s", SSL_get_version(s->ssl),
             SSL_CIPHER_get_version(c), SSL_CIPHER_get_name(c), cert, temp);
    ERR_clear_error();
    return TLSMEM_OK;
}
