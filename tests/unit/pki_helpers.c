/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pki_helpers.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY ((int64_t)86400)

enum {
    EXT_CA = 1,
    EXT_SERVER = 2,
    EXT_CLIENT = 4,
};

static EVP_PKEY *gen_key(void)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    EVP_PKEY *k = NULL;

    if (!pc || EVP_PKEY_keygen_init(pc) != 1 ||
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(pc, NID_X9_62_prime256v1) != 1 ||
        EVP_PKEY_keygen(pc, &k) != 1)
        k = NULL;
    EVP_PKEY_CTX_free(pc);
    return k;
}

static bool add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
    bool ok = e && X509_add_ext(x, e, -1) == 1;

    X509_EXTENSION_free(e);
    return ok;
}

static bool add_exts(X509 *x, X509 *issuer, unsigned flags)
{
    X509V3_CTX v3;
    bool ok;

    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    ok = add_ext(x, &v3, NID_basic_constraints, flags & EXT_CA ? "critical,CA:TRUE" : "CA:FALSE");
    ok = ok &&
         add_ext(x, &v3, NID_key_usage,
                 flags & EXT_CA ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (ok && (flags & EXT_SERVER))
        ok = add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
    if (ok && (flags & EXT_CLIENT))
        ok = add_ext(x, &v3, NID_ext_key_usage, "clientAuth");
    return ok;
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, int64_t now, unsigned flags)
{
    X509 *x = X509_new();
    X509_NAME *name;
    bool ok;

    if (!x)
        return NULL;
    name = X509_get_subject_name(x);
    ok = X509_set_version(x, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
         ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now - DAY)) &&
         ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(now + 365 * DAY)) &&
         X509_set_pubkey(x, key) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                    0) == 1 &&
         X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1 &&
         add_exts(x, issuer, flags) &&
         X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static bool take_bio(BIO *b, struct pki_blob *out)
{
    char *data = NULL;
    long n = b ? BIO_get_mem_data(b, &data) : 0;

    out->p = n > 0 ? malloc((size_t)n) : NULL;
    out->n = out->p ? (size_t)n : 0;
    if (out->p)
        memcpy(out->p, data, (size_t)n);
    BIO_free(b);
    return out->p != NULL;
}

static bool cert_pem(X509 *x, struct pki_blob *out)
{
    BIO *b = BIO_new(BIO_s_mem());

    if (!x || !b || PEM_write_bio_X509(b, x) != 1) {
        BIO_free(b);
        return false;
    }
    return take_bio(b, out);
}

static bool key_pem(EVP_PKEY *k, struct pki_blob *out)
{
    BIO *b = BIO_new(BIO_s_mem());

    if (!k || !b || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1) {
        BIO_free(b);
        return false;
    }
    return take_bio(b, out);
}

/* A leaf as PEM (the X509 is freed). */
static bool leaf(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, long serial,
                 int64_t now, unsigned flags, struct pki_blob *out)
{
    X509 *x = make_cert(cn, key, ca, ca_key, serial, now, flags);
    bool ok = cert_pem(x, out);

    X509_free(x);
    return ok;
}

int pki_build(struct pki *out, int64_t now)
{
    EVP_PKEY *ca_key = gen_key(), *ca2_key = gen_key(), *srv = gen_key(), *cli = gen_key();
    X509 *ca = ca_key ? make_cert("Sluice Test CA", ca_key, NULL, NULL, 1, now, EXT_CA) : NULL;
    X509 *ca2 = ca2_key ? make_cert("Other CA", ca2_key, NULL, NULL, 1, now, EXT_CA) : NULL;
    bool ok;

    memset(out, 0, sizeof(*out));
    ok = ca && ca2 && srv && cli && cert_pem(ca, &out->ca) && key_pem(srv, &out->srv_key) &&
         key_pem(cli, &out->cli_key) && key_pem(cli, &out->other_cli_key) &&
         leaf("server", srv, ca, ca_key, 2, now, EXT_SERVER, &out->srv_cert) &&
         leaf("client1", cli, ca, ca_key, 3, now, EXT_CLIENT, &out->cli_cert) &&
         leaf("client1", cli, ca2, ca2_key, 4, now, EXT_CLIENT, &out->other_cli_cert);
    X509_free(ca);
    X509_free(ca2);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(ca2_key);
    EVP_PKEY_free(srv);
    EVP_PKEY_free(cli);
    if (!ok) {
        pki_free(out);
        return -1;
    }
    return 0;
}

void pki_free(struct pki *p)
{
    struct pki_blob *all[] = { &p->ca,      &p->srv_cert,       &p->srv_key,      &p->cli_cert,
                               &p->cli_key, &p->other_cli_cert, &p->other_cli_key };

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        free(all[i]->p);
        all[i]->p = NULL;
        all[i]->n = 0;
    }
}
