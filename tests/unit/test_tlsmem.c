/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsmem.h"

/* Every certificate is judged at this instant (2027-01-15), never at the real time. */
#define NOW ((int64_t)1800000000)
#define DAY ((int64_t)86400)

#define EKM_LABEL "EXPORTER-OpenVPN-datakeys"

struct blob {
    uint8_t *p;
    size_t n;
};

/* A throwaway PKI, built in memory once for the whole file. */
static struct {
    struct blob ca, ca2, crl, crl_empty; /* crl revokes serials 7 and 11 */
    struct blob srv_key, cli_key, enc_key;
    struct blob srv, cli;                                /* good leaf certificates */
    struct blob srv_expired, srv_future, srv_other_ca;   /* bad time / wrong CA */
    struct blob srv_revoked, srv_no_eku, srv_client_eku; /* revoked / usage problems */
    struct blob srv_no_ku, srv_other_name, cli_revoked;  /* no KU / other CN / revoked */
} pki;

enum {
    EXT_CA = 1,
    EXT_SERVER = 2,
    EXT_CLIENT = 4,
    EXT_NO_KU = 8,
};

static EVP_PKEY *gen_key(void)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    EVP_PKEY *k = NULL;

    assert_non_null(pc);
    assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
    assert_int_equal(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(pc, NID_X9_62_prime256v1), 1);
    assert_int_equal(EVP_PKEY_keygen(pc, &k), 1);
    EVP_PKEY_CTX_free(pc);
    return k;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, v3, nid, value);

    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, int64_t not_before, int64_t not_after, unsigned flags)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_get_subject_name(x);
    X509V3_CTX v3;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after));
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Sluice Test", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    add_ext(x, &v3, NID_basic_constraints, flags & EXT_CA ? "critical,CA:TRUE" : "CA:FALSE");
    if (flags & EXT_CA)
        add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
    else if (!(flags & EXT_NO_KU))
        add_ext(x, &v3, NID_key_usage, "critical,digitalSignature");
    if (flags & EXT_SERVER)
        add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
    if (flags & EXT_CLIENT)
        add_ext(x, &v3, NID_ext_key_usage, "clientAuth");
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return x;
}

static X509_CRL *make_crl(X509 *ca, EVP_PKEY *ca_key, const long *revoked, size_t n)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();

    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
    ASN1_TIME_set(t, (time_t)(NOW - 3600));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, (time_t)(NOW + 7 * DAY));
    X509_CRL_set1_nextUpdate(crl, t);
    for (size_t i = 0; i < n; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        ASN1_INTEGER_set(sn, revoked[i]);
        X509_REVOKED_set_serialNumber(r, sn);
        ASN1_TIME_set(t, (time_t)(NOW - 3600));
        X509_REVOKED_set_revocationDate(r, t);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(sn);
    }
    X509_CRL_sort(crl);
    assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
    ASN1_TIME_free(t);
    return crl;
}

static struct blob take_bio(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    struct blob out = { malloc((size_t)n), (size_t)n };

    assert_true(n > 0);
    memcpy(out.p, data, (size_t)n);
    BIO_free(b);
    return out;
}

static struct blob cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    return take_bio(b);
}

static struct blob key_pem(EVP_PKEY *k, const char *pass)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, pass ? EVP_aes_128_cbc() : NULL,
                                              (unsigned char *)pass, pass ? (int)strlen(pass) : 0,
                                              NULL, NULL),
                     1);
    return take_bio(b);
}

static struct blob crl_pem(X509_CRL *c)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509_CRL(b, c), 1);
    return take_bio(b);
}

/* A leaf certificate as PEM, freeing the X509. */
static struct blob leaf(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, long serial,
                        int64_t nb, int64_t na, unsigned flags)
{
    X509 *x = make_cert(cn, key, ca, ca_key, serial, nb, na, flags);
    struct blob b = cert_pem(x);

    X509_free(x);
    return b;
}

static int build_pki(void **state)
{
    EVP_PKEY *ca_key = gen_key(), *ca2_key = gen_key(), *srv = gen_key(), *cli = gen_key();
    X509 *ca = make_cert("Sluice Test CA", ca_key, NULL, NULL, 1, NOW - 30 * DAY, NOW + 3650 * DAY,
                         EXT_CA);
    X509 *ca2 =
        make_cert("Other CA", ca2_key, NULL, NULL, 1, NOW - 30 * DAY, NOW + 3650 * DAY, EXT_CA);
    static const long revoked[] = { 7, 11 };
    X509_CRL *crl = make_crl(ca, ca_key, revoked, 2), *crl_empty = make_crl(ca, ca_key, NULL, 0);
    int64_t nb = NOW - DAY, na = NOW + 365 * DAY;

    (void)state;
    pki.ca = cert_pem(ca);
    pki.ca2 = cert_pem(ca2);
    pki.crl = crl_pem(crl);
    pki.crl_empty = crl_pem(crl_empty);
    pki.srv_key = key_pem(srv, NULL);
    pki.cli_key = key_pem(cli, NULL);
    pki.enc_key = key_pem(srv, "hunter2");
    pki.srv = leaf("server", srv, ca, ca_key, 2, nb, na, EXT_SERVER);
    pki.cli = leaf("client1", cli, ca, ca_key, 3, nb, na, EXT_CLIENT);
    pki.srv_expired = leaf("server", srv, ca, ca_key, 4, NOW - 10 * DAY, NOW - DAY, EXT_SERVER);
    pki.srv_future = leaf("server", srv, ca, ca_key, 5, NOW + DAY, NOW + 10 * DAY, EXT_SERVER);
    pki.srv_other_ca = leaf("server", srv, ca2, ca2_key, 6, nb, na, EXT_SERVER);
    pki.srv_revoked = leaf("server", srv, ca, ca_key, 7, nb, na, EXT_SERVER);
    pki.srv_no_eku = leaf("server", srv, ca, ca_key, 8, nb, na, 0);
    pki.srv_client_eku = leaf("server", srv, ca, ca_key, 9, nb, na, EXT_CLIENT);
    pki.srv_no_ku = leaf("server", srv, ca, ca_key, 10, nb, na, EXT_SERVER | EXT_NO_KU);
    pki.srv_other_name = leaf("server2", srv, ca, ca_key, 12, nb, na, EXT_SERVER);
    pki.cli_revoked = leaf("client2", cli, ca, ca_key, 11, nb, na, EXT_CLIENT);
    X509_free(ca);
    X509_free(ca2);
    X509_CRL_free(crl);
    X509_CRL_free(crl_empty);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(ca2_key);
    EVP_PKEY_free(srv);
    EVP_PKEY_free(cli);
    return 0;
}

static int free_pki(void **state)
{
    struct blob *all = (struct blob *)&pki;

    (void)state;
    for (size_t i = 0; i < sizeof(pki) / sizeof(struct blob); i++)
        free(all[i].p);
    return 0;
}

/* ---- configurations ---- */

static struct tlsmem_config server_cfg(const struct blob *cert)
{
    struct tlsmem_config c = {
        .server = true,
        .ca = pki.ca.p,
        .ca_len = pki.ca.n,
        .cert = cert->p,
        .cert_len = cert->n,
        .key = pki.srv_key.p,
        .key_len = pki.srv_key.n,
        .remote_cert = TLSMEM_REMOTE_CLIENT,
    };
    return c;
}

static struct tlsmem_config client_cfg(const struct blob *cert)
{
    struct tlsmem_config c = {
        .ca = pki.ca.p,
        .ca_len = pki.ca.n,
        .cert = cert->p,
        .cert_len = cert->n,
        .key = pki.cli_key.p,
        .key_len = pki.cli_key.n,
        .remote_cert = TLSMEM_REMOTE_SERVER,
        .name_type = TLSMEM_NAME_NAME,
        .verify_name = "server",
    };
    return c;
}

struct pair {
    struct tlsmem_ctx *cctx, *sctx;
    struct tlsmem *c, *s;
    int rc, rs; /* last tlsmem_step results */
};

static void pair_open(struct pair *p, const struct tlsmem_config *cc,
                      const struct tlsmem_config *sc)
{
    char err[256];

    p->cctx = tlsmem_ctx_new(cc, err, sizeof(err));
    if (!p->cctx)
        fail_msg("client ctx: %s", err);
    p->sctx = tlsmem_ctx_new(sc, err, sizeof(err));
    if (!p->sctx)
        fail_msg("server ctx: %s", err);
    p->c = tlsmem_new(p->cctx, NOW);
    p->s = tlsmem_new(p->sctx, NOW);
    assert_non_null(p->c);
    assert_non_null(p->s);
}

static bool move(struct tlsmem *from, struct tlsmem *to)
{
    uint8_t buf[1000]; /* smaller than a flight: exercises partial takes */
    size_t n;
    bool moved = false;

    while ((n = tlsmem_out_take(from, buf, sizeof(buf))) > 0) {
        (void)tlsmem_feed(to, buf, n);
        moved = true;
    }
    return moved;
}

/* Steps both sides and carries bytes until neither moves. */
static void pump(struct pair *p)
{
    for (int round = 0; round < 30; round++) {
        bool moved;

        p->rc = tlsmem_step(p->c);
        p->rs = tlsmem_step(p->s);
        moved = move(p->c, p->s);
        moved = move(p->s, p->c) || moved;
        if (!moved && round > 0)
            break;
    }
}

static void pair_close(struct pair *p)
{
    tlsmem_free(p->c);
    tlsmem_free(p->s);
    tlsmem_ctx_free(p->cctx);
    tlsmem_ctx_free(p->sctx);
}

/* ---- successful sessions ---- */

static void test_handshake_tls13(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli), sc = server_cfg(&pki.srv);
    struct pair p;
    uint8_t ekm_c[256], ekm_s[256], other[256];
    char line[512];
    const struct tlsmem_verify *v;

    (void)state;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rc, 1);
    assert_int_equal(p.rs, 1);
    assert_true(tlsmem_established(p.c));
    assert_true(tlsmem_established(p.s));

    assert_int_equal(tlsmem_export(p.c, EKM_LABEL, ekm_c, sizeof(ekm_c)), TLSMEM_OK);
    assert_int_equal(tlsmem_export(p.s, EKM_LABEL, ekm_s, sizeof(ekm_s)), TLSMEM_OK);
    assert_memory_equal(ekm_c, ekm_s, sizeof(ekm_c));
    assert_int_equal(tlsmem_export(p.s, "EXPORTER-OpenVPN-p2p-peerid", other, 256), TLSMEM_OK);
    assert_memory_not_equal(other, ekm_s, 256);

    assert_int_equal(tlsmem_describe(p.c, line, sizeof(line)), TLSMEM_OK);
    assert_string_equal(line, "Control Channel: TLSv1.3, cipher TLSv1.3 TLS_AES_256_GCM_SHA384, "
                              "peer certificate: 256 bits ECprime256v1, signature: "
                              "ecdsa-with-SHA256, peer temporary key: 253 bits X25519");
    assert_int_equal(tlsmem_describe(p.s, line, 40), TLSMEM_OK);
    assert_int_equal(strlen(line), 39);

    v = tlsmem_verify_result(p.c);
    assert_int_equal(v->reason, TLSMEM_VERIFY_OK);
    assert_int_equal(v->depth, -1);
    assert_int_equal(v->n_ok, 2);
    assert_int_equal(v->ok_depth[0], 1);
    assert_string_equal(v->ok_subject[0], "O=Sluice Test, CN=Sluice Test CA");
    assert_int_equal(v->ok_depth[1], 0);
    assert_string_equal(v->ok_subject[1], "O=Sluice Test, CN=server");
    assert_int_equal(tlsmem_verify_result(p.s)->n_ok, 2);
    assert_string_equal(tlsmem_error(p.c), "");
    pair_close(&p);
}

static void test_plaintext_records(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli), sc = server_cfg(&pki.srv);
    struct pair p;
    uint8_t km2[399], buf[TLSMEM_RECORD_MAX];
    static uint8_t big[TLSMEM_RECORD_MAX + 1];
    size_t len;

    (void)state;
    pair_open(&p, &cc, &sc);
    pump(&p);
    for (size_t i = 0; i < sizeof(km2); i++)
        km2[i] = (uint8_t)i;
    assert_int_equal(tlsmem_write(p.c, km2, sizeof(km2)), TLSMEM_OK);
    assert_int_equal(tlsmem_read(p.s, buf, sizeof(buf), &len), 0); /* nothing carried yet */
    move(p.c, p.s);
    assert_int_equal(tlsmem_read(p.s, buf, sizeof(buf), &len), 1);
    assert_int_equal(len, sizeof(km2));
    assert_memory_equal(buf, km2, sizeof(km2));
    assert_int_equal(tlsmem_read(p.s, buf, sizeof(buf), &len), 0);

    /* two writes are two records, read one at a time */
    assert_int_equal(tlsmem_write(p.s, "PUSH_REPLY,ping 10", 19), TLSMEM_OK);
    assert_int_equal(tlsmem_write(p.s, "EXIT", 5), TLSMEM_OK);
    move(p.s, p.c);
    assert_int_equal(tlsmem_read(p.c, buf, sizeof(buf), &len), 1);
    assert_int_equal(len, 19);
    assert_string_equal((char *)buf, "PUSH_REPLY,ping 10");
    assert_int_equal(tlsmem_read(p.c, buf, sizeof(buf), &len), 1);
    assert_int_equal(len, 5);
    assert_string_equal((char *)buf, "EXIT");

    assert_int_equal(tlsmem_write(p.c, big, sizeof(big)), TLSMEM_ERR_NO_ROOM);
    assert_int_equal(tlsmem_write(p.c, big, sizeof(big) - 1), TLSMEM_OK);
    assert_int_equal(tlsmem_write(p.c, big, 0), TLSMEM_ERR_INVALID);
    assert_int_equal(tlsmem_read(p.c, buf, 0, &len), TLSMEM_ERR_INVALID);
    pair_close(&p);
}

static void test_handshake_tls12(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli), sc = server_cfg(&pki.srv);
    struct pair p;
    uint8_t ekm_c[256], ekm_s[256];
    char line[512];

    (void)state;
    cc.version_max = TLSMEM_TLS1_2;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rc, 1);
    assert_int_equal(p.rs, 1);
    assert_int_equal(tlsmem_export(p.c, EKM_LABEL, ekm_c, 256), TLSMEM_OK);
    assert_int_equal(tlsmem_export(p.s, EKM_LABEL, ekm_s, 256), TLSMEM_OK);
    assert_memory_equal(ekm_c, ekm_s, 256);
    assert_int_equal(tlsmem_describe(p.c, line, sizeof(line)), TLSMEM_OK);
    assert_non_null(strstr(line, "Control Channel: TLSv1.2, cipher TLSv1.2 "
                                 "ECDHE-ECDSA-AES256-GCM-SHA384, peer certificate: 256 bits "
                                 "ECprime256v1"));
    pair_close(&p);
}

static void test_peer_cert_info(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli), sc = server_cfg(&pki.srv);
    struct pair p;
    struct tlsmem_cert_info info;

    (void)state;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(tlsmem_peer_cert(p.c, &info), TLSMEM_OK);
    assert_string_equal(info.subject, "O=Sluice Test, CN=server");
    assert_string_equal(info.common_name, "server");
    assert_string_equal(info.issuer, "O=Sluice Test, CN=Sluice Test CA");
    assert_string_equal(info.serial_dec, "2");
    assert_string_equal(info.serial_hex, "02");
    assert_int_equal(strlen(info.sha256), 32 * 3 - 1);
    assert_int_equal(tlsmem_peer_cert(p.s, &info), TLSMEM_OK);
    assert_string_equal(info.common_name, "client1");
    assert_string_equal(info.serial_dec, "3");
    pair_close(&p);
}

/* verify-x509-name variants that match, and the ciphersuite name with dashes. */
static void test_name_variants_accepted(void **state)
{
    static const struct {
        enum tlsmem_name_type type;
        const char *name;
    } ok[] = {
        { TLSMEM_NAME_SUBJECT, "O=Sluice Test, CN=server" },
        { TLSMEM_NAME_PREFIX, "serv" },
        { TLSMEM_NAME_NONE, NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct tlsmem_config cc = client_cfg(&pki.cli), sc = server_cfg(&pki.srv);
        struct pair p;

        cc.name_type = ok[i].type;
        cc.verify_name = ok[i].name;
        cc.ciphersuites = "TLS-CHACHA20-POLY1305-SHA256";
        pair_open(&p, &cc, &sc);
        pump(&p);
        assert_int_equal(p.rc, 1);
        assert_int_equal(p.rs, 1);
        pair_close(&p);
    }
}

/* ---- refusals ---- */

/* The client checks the server's certificate and must refuse it for `want`. */
/* want_text: what tlsmem_verify_describe must say (openvpn's wording). */
static void expect_client_refuses(const struct blob *srv_cert, struct tlsmem_config cc,
                                  enum tlsmem_verify_reason want, const char *want_text)
{
    char text[600];

    struct tlsmem_config sc = server_cfg(srv_cert);
    struct pair p;
    const struct tlsmem_verify *v;
    uint8_t buf[64];

    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rc, TLSMEM_ERR_FAILED);
    assert_int_not_equal(p.rs, 1);
    v = tlsmem_verify_result(p.c);
    if (v->reason != want)
        fail_msg("reason %s (%s), wanted %s", tlsmem_verify_reason_str(v->reason), v->detail,
                 tlsmem_verify_reason_str(want));
    assert_int_equal(v->depth, 0);
    assert_non_null(strstr(v->subject, "O=Sluice Test, CN=server"));
    assert_int_equal(tlsmem_verify_describe(p.c, text, sizeof(text)), 0);
    assert_string_equal(text, want_text);
    assert_int_equal(tlsmem_verify_describe(p.c, text, 12), 0); /* truncated, terminated */
    assert_int_equal(strlen(text), 11);
    assert_int_equal(tlsmem_verify_describe(p.c, NULL, 10), TLSMEM_ERR_INVALID);
    assert_int_equal(tlsmem_verify_describe(p.c, text, 0), TLSMEM_ERR_INVALID);
    assert_string_not_equal(tlsmem_error(p.c), "");
    assert_false(tlsmem_established(p.c));
    assert_int_equal(tlsmem_step(p.c), TLSMEM_ERR_FAILED);
    assert_int_equal(tlsmem_feed(p.c, buf, 1), TLSMEM_ERR_STATE);
    assert_int_equal(tlsmem_export(p.c, EKM_LABEL, buf, 32), TLSMEM_ERR_STATE);
    pair_close(&p);
}

static void test_refuse_unknown_ca(void **state)
{
    (void)state;
    expect_client_refuses(&pki.srv_other_ca, client_cfg(&pki.cli), TLSMEM_VERIFY_UNKNOWN_CA,
                          "VERIFY ERROR: depth=0, error=unable to get local issuer certificate: "
                          "O=Sluice Test, CN=server, serial=6");
}

static void test_refuse_expired(void **state)
{
    (void)state;
    expect_client_refuses(
        &pki.srv_expired, client_cfg(&pki.cli), TLSMEM_VERIFY_EXPIRED,
        "VERIFY ERROR: depth=0, error=certificate has expired: O=Sluice Test, CN=server, "
        "serial=4");
}

static void test_refuse_not_yet_valid(void **state)
{
    (void)state;
    expect_client_refuses(
        &pki.srv_future, client_cfg(&pki.cli), TLSMEM_VERIFY_NOT_YET_VALID,
        "VERIFY ERROR: depth=0, error=certificate is not yet valid: O=Sluice Test, CN=server, "
        "serial=5");
}

static void test_refuse_revoked(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli);

    (void)state;
    cc.crl = pki.crl.p;
    cc.crl_len = pki.crl.n;
    expect_client_refuses(
        &pki.srv_revoked, cc, TLSMEM_VERIFY_REVOKED,
        "VERIFY ERROR: depth=0, error=certificate revoked: O=Sluice Test, CN=server, serial=7");
}

static void test_refuse_name(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli);

    (void)state;
    expect_client_refuses(&pki.srv_other_name, cc, TLSMEM_VERIFY_NAME_MISMATCH,
                          "VERIFY X509NAME ERROR: O=Sluice Test, CN=server2, must be server");
    cc.name_type = TLSMEM_NAME_SUBJECT;
    cc.verify_name = "CN=server";
    expect_client_refuses(&pki.srv, cc, TLSMEM_VERIFY_NAME_MISMATCH,
                          "VERIFY X509NAME ERROR: O=Sluice Test, CN=server, must be CN=server");
    cc.name_type = TLSMEM_NAME_PREFIX;
    cc.verify_name = "server-";
    expect_client_refuses(&pki.srv, cc, TLSMEM_VERIFY_NAME_MISMATCH,
                          "VERIFY X509NAME ERROR: O=Sluice Test, CN=server, must be server-");
}

static void test_refuse_key_usage(void **state)
{
    (void)state;
    /* no EKU: OpenSSL's purpose check passes, remote-cert-tls server does not */
    expect_client_refuses(&pki.srv_no_eku, client_cfg(&pki.cli), TLSMEM_VERIFY_KEY_USAGE,
                          "VERIFY EKU ERROR: Certificate does not have extended key usage "
                          "extension: O=Sluice Test, CN=server");
    /* clientAuth only: OpenSSL's own purpose check refuses it */
    expect_client_refuses(&pki.srv_client_eku, client_cfg(&pki.cli), TLSMEM_VERIFY_KEY_USAGE,
                          "VERIFY ERROR: depth=0, error=unsuitable certificate purpose: "
                          "O=Sluice Test, CN=server, serial=9");
    /* no keyUsage extension at all */
    expect_client_refuses(&pki.srv_no_ku, client_cfg(&pki.cli), TLSMEM_VERIFY_KEY_USAGE,
                          "VERIFY KU ERROR: Certificate does not have key usage extension: "
                          "O=Sluice Test, CN=server");
}

/* The server checks the client: revoked, and no certificate at all. */
static void test_server_refuses_client(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli_revoked), sc = server_cfg(&pki.srv);
    struct pair p;
    uint8_t buf[64];
    size_t len;

    (void)state;
    cc.key = pki.cli_key.p;
    sc.crl = pki.crl.p;
    sc.crl_len = pki.crl.n;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rs, TLSMEM_ERR_FAILED);
    assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_REVOKED);
    assert_non_null(strstr(tlsmem_verify_result(p.s)->subject, "CN=client2"));
    /* TLS 1.3: the client finished first and learns of the refusal from the alert */
    assert_int_equal(tlsmem_read(p.c, buf, sizeof(buf), &len), TLSMEM_ERR_FAILED);
    assert_non_null(strstr(tlsmem_error(p.c), "revoked"));
    pair_close(&p);

    cc = client_cfg(&pki.cli);
    cc.cert_len = 0;
    cc.key_len = 0;
    sc = server_cfg(&pki.srv);
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rs, TLSMEM_ERR_FAILED);
    assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_NO_PEER_CERT);
    pair_close(&p);

    /* the same without a certificate is fine when the server does not insist */
    sc.client_cert = TLSMEM_CLIENT_CERT_OPTIONAL;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rs, 1);
    assert_int_equal(tlsmem_peer_cert(p.s, &(struct tlsmem_cert_info){ 0 }), TLSMEM_ERR_STATE);
    pair_close(&p);
}

/* A CRL from another CA leaves this CA's certificates without a CRL: OpenSSL refuses. */
static void test_refuse_crl_missing(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli);
    X509_CRL *crl;
    EVP_PKEY *k = gen_key();
    X509 *other = make_cert("Other CA", k, NULL, NULL, 1, NOW - DAY, NOW + DAY, EXT_CA);
    struct blob b;

    (void)state;
    crl = make_crl(other, k, NULL, 0);
    b = crl_pem(crl);
    cc.crl = b.p;
    cc.crl_len = b.n;
    expect_client_refuses(&pki.srv, cc, TLSMEM_VERIFY_CRL,
                          "VERIFY ERROR: depth=0, error=unable to get certificate CRL: "
                          "O=Sluice Test, CN=server, serial=2");
    free(b.p);
    X509_CRL_free(crl);
    X509_free(other);
    EVP_PKEY_free(k);
}

/* ---- replacing the CRL set ---- */

/* A fresh pair of sessions on p's contexts; the server's step result. */
static int rerun(struct pair *p)
{
    tlsmem_free(p->c);
    tlsmem_free(p->s);
    p->c = tlsmem_new(p->cctx, NOW);
    p->s = tlsmem_new(p->sctx, NOW);
    assert_non_null(p->c);
    assert_non_null(p->s);
    pump(p);
    return p->rs;
}

static void set_crl(struct pair *p, const struct blob *b, int want_rc, size_t want_n)
{
    size_t n = 99;

    assert_int_equal(tlsmem_ctx_set_crl(p->sctx, b ? b->p : NULL, b ? b->n : 0, &n), want_rc);
    assert_int_equal(n, want_n);
}

/* An admin's revoke: the same context refuses client2 once the new CRL is set, and lets it in
 * again when the CRL no longer lists it. */
static void test_crl_replace(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli_revoked), sc = server_cfg(&pki.srv);
    struct pair p;
    char text[300];

    (void)state;
    sc.crl = pki.crl_empty.p;
    sc.crl_len = pki.crl_empty.n;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rs, 1);
    assert_int_equal(tlsmem_verify_describe(p.s, text, sizeof(text)), TLSMEM_ERR_STATE);
    assert_string_equal(text, "");

    set_crl(&p, &pki.crl, 0, 1);
    assert_int_equal(rerun(&p), TLSMEM_ERR_FAILED);
    assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_REVOKED);
    assert_int_equal(tlsmem_verify_describe(p.s, text, sizeof(text)), 0);
    assert_string_equal(text, "VERIFY ERROR: depth=0, error=certificate revoked: O=Sluice Test, "
                              "CN=client2, serial=11");

    set_crl(&p, &pki.crl_empty, 0, 1);
    assert_int_equal(rerun(&p), 1);
    pair_close(&p);
}

/* Every CRL of the text counts, and text around them (a certificate) is skipped. */
static void test_crl_replace_two(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli_revoked), sc = server_cfg(&pki.srv);
    struct blob both;
    struct pair p;

    (void)state;
    both.n = pki.crl.n + pki.ca.n + pki.crl.n;
    both.p = malloc(both.n);
    assert_non_null(both.p);
    memcpy(both.p, pki.crl.p, pki.crl.n);
    memcpy(both.p + pki.crl.n, pki.ca.p, pki.ca.n);
    memcpy(both.p + pki.crl.n + pki.ca.n, pki.crl.p, pki.crl.n);
    sc.crl = pki.crl_empty.p;
    sc.crl_len = pki.crl_empty.n;
    pair_open(&p, &cc, &sc);
    set_crl(&p, &both, 0, 2);
    assert_int_equal(rerun(&p), TLSMEM_ERR_FAILED);
    assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_REVOKED);
    free(both.p);
    pair_close(&p);
}

/* A damaged or empty CRL text fails closed: even a good client is refused ("CRL problem"),
 * until a good CRL is set again. */
static void test_crl_replace_bad(void **state)
{
    static const uint8_t junk[] = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
    struct blob j = { (uint8_t *)junk, sizeof(junk) - 1 };
    struct blob cut = { pki.crl.p, pki.crl.n / 2 };
    struct tlsmem_config cc = client_cfg(&pki.cli), sc = server_cfg(&pki.srv);
    const struct blob *bad[] = { &j, &cut, &pki.ca, NULL };
    struct pair p;

    (void)state;
    sc.crl = pki.crl.p;
    sc.crl_len = pki.crl.n;
    pair_open(&p, &cc, &sc);
    pump(&p);
    assert_int_equal(p.rs, 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_crl(&p, bad[i], TLSMEM_ERR_INVALID, 0);
        assert_int_equal(rerun(&p), TLSMEM_ERR_FAILED);
        assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_CRL);
    }
    set_crl(&p, &pki.crl, 0, 1);
    assert_int_equal(rerun(&p), 1);
    assert_int_equal(tlsmem_ctx_set_crl(p.sctx, NULL, 5, NULL), TLSMEM_ERR_INVALID);
    assert_int_equal(tlsmem_ctx_set_crl(NULL, pki.crl.p, pki.crl.n, NULL), TLSMEM_ERR_INVALID);
    assert_int_equal(rerun(&p), 1); /* argument errors change nothing */
    pair_close(&p);
}

/* CRLs that came with the ca text stay when the crl-verify set is replaced. */
static void test_crl_in_ca_kept(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli_revoked), sc = server_cfg(&pki.srv);
    struct blob cacrl;
    struct pair p;

    (void)state;
    cacrl.n = pki.ca.n + pki.crl.n;
    cacrl.p = malloc(cacrl.n);
    assert_non_null(cacrl.p);
    memcpy(cacrl.p, pki.ca.p, pki.ca.n);
    memcpy(cacrl.p + pki.ca.n, pki.crl.p, pki.crl.n);
    sc.ca = cacrl.p;
    sc.ca_len = cacrl.n;
    pair_open(&p, &cc, &sc);
    set_crl(&p, &pki.crl_empty, 0, 1);
    assert_int_equal(rerun(&p), TLSMEM_ERR_FAILED);
    assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_REVOKED);
    free(cacrl.p);
    pair_close(&p);
}

struct refresh_probe {
    int calls;
    struct tlsmem_ctx *seen;
    const struct blob *crl; /* set before the session when not NULL */
};

static void probe_refresh(void *arg, struct tlsmem_ctx *ctx)
{
    struct refresh_probe *r = arg;

    r->calls++;
    r->seen = ctx;
    if (r->crl)
        assert_int_equal(tlsmem_ctx_set_crl(ctx, r->crl->p, r->crl->n, NULL), 0);
}

/* The refresh hook runs before every new session and can swap the CRL in time for it. */
static void test_refresh_hook(void **state)
{
    struct tlsmem_config cc = client_cfg(&pki.cli_revoked), sc = server_cfg(&pki.srv);
    struct refresh_probe r = { 0, NULL, NULL };
    struct pair p;

    (void)state;
    pair_open(&p, &cc, &sc);
    tlsmem_ctx_set_refresh(p.sctx, probe_refresh, &r);
    assert_int_equal(rerun(&p), 1);
    assert_int_equal(r.calls, 1);
    assert_ptr_equal(r.seen, p.sctx);
    r.crl = &pki.crl;
    assert_int_equal(rerun(&p), TLSMEM_ERR_FAILED);
    assert_int_equal(r.calls, 2);
    assert_int_equal(tlsmem_verify_result(p.s)->reason, TLSMEM_VERIFY_REVOKED);
    tlsmem_ctx_set_refresh(p.sctx, NULL, NULL);
    r.crl = &pki.crl_empty;
    assert_int_equal(rerun(&p), TLSMEM_ERR_FAILED); /* hook off: still the revoking CRL */
    assert_int_equal(r.calls, 2);
    pair_close(&p);
}

/* ---- configuration errors ---- */

static void expect_ctx_error(const struct tlsmem_config *cfg, const char *needle)
{
    char err[256];
    struct tlsmem_ctx *ctx = tlsmem_ctx_new(cfg, err, sizeof(err));

    if (ctx) {
        tlsmem_ctx_free(ctx);
        fail_msg("configuration accepted, expected an error about '%s'", needle);
    }
    if (!strstr(err, needle))
        fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_config_errors(void **state)
{
    struct tlsmem_config c = server_cfg(&pki.srv);
    static const uint8_t junk[] = "hello";

    (void)state;
    c.ca_len = 0;
    expect_ctx_error(&c, "ca");
    c = server_cfg(&pki.srv);
    c.ca = junk;
    c.ca_len = sizeof(junk) - 1;
    expect_ctx_error(&c, "ca");
    c = server_cfg(&pki.srv);
    c.key = pki.cli_key.p;
    c.key_len = pki.cli_key.n;
    expect_ctx_error(&c, "does not match");
    c = server_cfg(&pki.srv);
    c.cert_len = 0;
    c.key_len = 0;
    expect_ctx_error(&c, "needs cert");
    c = server_cfg(&pki.srv);
    c.cert = junk;
    c.cert_len = 5;
    expect_ctx_error(&c, "cert");
    c = server_cfg(&pki.srv);
    c.key = pki.enc_key.p;
    c.key_len = pki.enc_key.n;
    expect_ctx_error(&c, "key");
    c.key_pass = "wrong";
    expect_ctx_error(&c, "key");
    c.key_pass = "hunter2";
    {
        struct tlsmem_ctx *ok = tlsmem_ctx_new(&c, NULL, 0);
        assert_non_null(ok);
        tlsmem_ctx_free(ok);
    }
    c = server_cfg(&pki.srv);
    c.cipher_list = "NOPE-CIPHER";
    expect_ctx_error(&c, "tls-cipher");
    c = server_cfg(&pki.srv);
    c.ciphersuites = "TLS_BOGUS";
    expect_ctx_error(&c, "tls-ciphersuites");
    c = server_cfg(&pki.srv);
    c.groups = "curve-of-nowhere";
    expect_ctx_error(&c, "tls-groups");
    c = server_cfg(&pki.srv);
    c.version_min = TLSMEM_TLS1_3;
    c.version_max = TLSMEM_TLS1_2;
    expect_ctx_error(&c, "tls-version");
    c.version_min = 0x0305;
    c.version_max = 0;
    expect_ctx_error(&c, "tls-version");
    c = server_cfg(&pki.srv);
    c.name_type = TLSMEM_NAME_NAME;
    expect_ctx_error(&c, "verify-x509-name");
    c = server_cfg(&pki.srv);
    c.crl = junk;
    c.crl_len = 5;
    expect_ctx_error(&c, "crl-verify");
    c.crl = pki.ca.p; /* PEM, but no CRL in it */
    c.crl_len = pki.ca.n;
    expect_ctx_error(&c, "no CRL");
    c = server_cfg(&pki.srv);
    c.remote_cert = (enum tlsmem_remote_cert)9;
    expect_ctx_error(&c, "invalid");
}

/* Calls that need an established session, and input limits. */
static void test_state_rules(void **state)
{
    struct tlsmem_config sc = server_cfg(&pki.srv);
    struct tlsmem_ctx *ctx = tlsmem_ctx_new(&sc, NULL, 0);
    struct tlsmem *s = tlsmem_new(ctx, NOW);
    static uint8_t big[TLSMEM_IN_MAX + 1];
    uint8_t buf[32];
    size_t len;
    char line[64];

    (void)state;
    assert_non_null(s);
    assert_int_equal(tlsmem_step(s), 0); /* a server waits for the ClientHello */
    assert_int_equal(tlsmem_out_pending(s), 0);
    assert_int_equal(tlsmem_write(s, "x", 1), TLSMEM_ERR_STATE);
    assert_int_equal(tlsmem_read(s, buf, sizeof(buf), &len), TLSMEM_ERR_STATE);
    assert_int_equal(tlsmem_export(s, EKM_LABEL, buf, sizeof(buf)), TLSMEM_ERR_STATE);
    assert_int_equal(tlsmem_describe(s, line, sizeof(line)), TLSMEM_ERR_STATE);
    assert_int_equal(tlsmem_feed(s, big, sizeof(big)), TLSMEM_ERR_NO_ROOM);
    assert_int_equal(tlsmem_feed(s, big, TLSMEM_IN_MAX), TLSMEM_OK);
    assert_int_equal(tlsmem_feed(s, big, 1), TLSMEM_ERR_NO_ROOM);
    assert_int_equal(tlsmem_feed(s, NULL, 0), TLSMEM_OK);
    /* a megabyte of zeros is not a ClientHello */
    assert_int_equal(tlsmem_step(s), TLSMEM_ERR_FAILED);
    assert_string_not_equal(tlsmem_error(s), "");
    assert_int_equal(tlsmem_verify_result(s)->reason, TLSMEM_VERIFY_OK);
    tlsmem_free(s);
    tlsmem_ctx_free(ctx);
    tlsmem_free(NULL);
    tlsmem_ctx_free(NULL);
}

static void test_strings(void **state)
{
    (void)state;
    assert_string_equal(tlsmem_verify_reason_str(TLSMEM_VERIFY_REVOKED), "certificate revoked");
    assert_string_equal(tlsmem_verify_reason_str((enum tlsmem_verify_reason)99), "unknown reason");
    for (int e = 0; e >= -6; e--)
        assert_string_not_equal(tlsmem_strerror(e), "unknown error");
    assert_string_equal(tlsmem_strerror(-7), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_tls13),
        cmocka_unit_test(test_plaintext_records),
        cmocka_unit_test(test_handshake_tls12),
        cmocka_unit_test(test_peer_cert_info),
        cmocka_unit_test(test_name_variants_accepted),
        cmocka_unit_test(test_refuse_unknown_ca),
        cmocka_unit_test(test_refuse_expired),
        cmocka_unit_test(test_refuse_not_yet_valid),
        cmocka_unit_test(test_refuse_revoked),
        cmocka_unit_test(test_refuse_name),
        cmocka_unit_test(test_refuse_key_usage),
        cmocka_unit_test(test_server_refuses_client),
        cmocka_unit_test(test_refuse_crl_missing),
        cmocka_unit_test(test_crl_replace),
        cmocka_unit_test(test_crl_replace_two),
        cmocka_unit_test(test_crl_replace_bad),
        cmocka_unit_test(test_crl_in_ca_kept),
        cmocka_unit_test(test_refresh_hook),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_state_rules),
        cmocka_unit_test(test_strings),
    };

    return cmocka_run_group_tests(tests, build_pki, free_pki);
}
