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
#include <openssl/kdf.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#endif

#include "keyex.h"

static const char default_occ_client[] = "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto "
                                         "UDPv4,auth SHA1,keysize 128,key-method 2,tls-client";
static const char default_occ_server[] = "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto "
                                         "UDPv4,auth SHA1,keysize 128,key-method 2,tls-server";

/* What a 2.6.14 client sends (protocol-control.md §9.4, observed). */
static const char client_peer_info[] = "IV_VER=2.6.14\n"
                                       "IV_PLAT=linux\n"
                                       "IV_TCPNL=1\n"
                                       "IV_MTU=1600\n"
                                       "IV_NCP=2\n"
                                       "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n"
                                       "IV_PROTO=990\n"
                                       "IV_LZO_STUB=1\n"
                                       "IV_COMP_STUB=1\n"
                                       "IV_COMP_STUBv2=1\n";

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static struct keyex_str str_of(const char *s)
{
    struct keyex_str v = { s, s ? strlen(s) : 0 };
    return v;
}

/* ---- PRF against OpenSSL's own TLS 1.0 PRF ---- */

static void reference_prf(const uint8_t *secret, size_t slen, const uint8_t *seed, size_t seedlen,
                          uint8_t *out, size_t outlen)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM params[4];

    assert_non_null(kctx);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"MD5-SHA1", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedlen);
    params[3] = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_KDF_derive(kctx, out, outlen, params), 1);
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
#else
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_TLS1_PRF, NULL);

    assert_non_null(pctx);
    assert_int_equal(EVP_PKEY_derive_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_tls1_prf_md(pctx, EVP_md5_sha1()), 1);
    assert_int_equal(EVP_PKEY_CTX_set1_tls1_prf_secret(pctx, secret, (int)slen), 1);
    assert_int_equal(EVP_PKEY_CTX_add1_tls1_prf_seed(pctx, seed, (int)seedlen), 1);
    assert_int_equal(EVP_PKEY_derive(pctx, out, &outlen), 1);
    EVP_PKEY_CTX_free(pctx);
#endif
}

static void test_prf_matches_openssl(void **state)
{
    static const size_t slens[] = { 1, 2, 13, 47, 48, 49, 64, 100 };
    static const size_t seedlens[] = { 1, 85, 101, 256 };
    static const size_t outlens[] = { 1, 15, 16, 20, 48, 100, 256, 1024 };
    uint8_t secret[100], seed[256], got[1024], want[1024];

    (void)state;
    for (size_t a = 0; a < sizeof(slens) / sizeof(slens[0]); a++)
        for (size_t b = 0; b < sizeof(seedlens) / sizeof(seedlens[0]); b++)
            for (size_t c = 0; c < sizeof(outlens) / sizeof(outlens[0]); c++) {
                assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
                assert_int_equal(RAND_bytes(seed, sizeof(seed)), 1);
                reference_prf(secret, slens[a], seed, seedlens[b], want, outlens[c]);
                memset(got, 0xAA, sizeof(got));
                assert_int_equal(keyex_prf(secret, slens[a], seed, seedlens[b], got, outlens[c]),
                                 KEYEX_OK);
                assert_memory_equal(got, want, outlens[c]);
                assert_int_equal(got[outlens[c] < 1024 ? outlens[c] : 0],
                                 outlens[c] < 1024 ? 0xAA : want[0]);
            }
}

static void test_prf_rejects_bad_sizes(void **state)
{
    uint8_t secret[8] = { 1 }, seed[300] = { 0 }, out[1100];

    (void)state;
    assert_int_equal(keyex_prf(secret, 0, seed, 10, out, 10), KEYEX_ERR_INVALID);
    assert_int_equal(keyex_prf(NULL, 8, seed, 10, out, 10), KEYEX_ERR_INVALID);
    assert_int_equal(keyex_prf(secret, 8, seed, 257, out, 10), KEYEX_ERR_INVALID);
    assert_int_equal(keyex_prf(secret, 8, seed, 256, out, 1025), KEYEX_ERR_INVALID);
    assert_int_equal(keyex_prf(secret, 8, seed, 256, out, 1024), KEYEX_OK);
    assert_int_equal(keyex_prf(secret, 8, seed, 0, out, 0), KEYEX_OK);
}

/* ---- legacy derivation: vector from a real 2.6.14 server (protocol-control.md §10.2) ---- */

static void load_w_vector(struct keyex_random *c, struct keyex_random *s, uint8_t csid[8],
                          uint8_t ssid[8])
{
    memset(c, 0, sizeof(*c));
    memset(s, 0, sizeof(*s));
    unhex("1cc03de920a4fe2352fa85d309e4c96b9dfb9c8c35ed5fca1caaaca5a2c247f2"
          "86768b9cf87444a60438c9e14a0db570",
          c->pre_master, 48);
    unhex("62146ff7d057256e01117b6117270ebec5d2ee61c577483a6ab96c541d002b0a", c->random1, 32);
    unhex("3b0785d0e61bc0cd7888348e3f0f43cf7d265c0d76ccc5d5b1954eef9e4cf4c2", c->random2, 32);
    unhex("cd360841d4843d49025c78e1e77ddfc70233e8f6c35f4c8601475a26cdb0a934", s->random1, 32);
    unhex("cc7fd9482dc041c7673040ce011ba216ebb8e76d5d00b32d57bc2750fff189ad", s->random2, 32);
    unhex("4848bd80a6b9ded8", csid, 8);
    unhex("e7538ed33a36f414", ssid, 8);
}

static void test_legacy_master_vector(void **state)
{
    struct keyex_random c, s;
    uint8_t csid[8], ssid[8], seed[85], master[48], want[48];

    (void)state;
    load_w_vector(&c, &s, csid, ssid);
    memcpy(seed, "OpenVPN master secret", 21);
    memcpy(seed + 21, c.random1, 32);
    memcpy(seed + 53, s.random1, 32);
    assert_int_equal(keyex_prf(c.pre_master, 48, seed, sizeof(seed), master, 48), KEYEX_OK);
    unhex("45d7667841d903ed99002dd77ff6aa27d9bb7737ccd06c183f0b0848fbfb2acb"
          "267ecb1b2b53cb343a53efbe699a0f73",
          want, 48);
    assert_memory_equal(master, want, 48);
}

static void test_legacy_key2_vector(void **state)
{
    struct keyex_random c, s;
    uint8_t csid[8], ssid[8], key2[256], want[32];
    struct keyex_keys cli, srv;

    (void)state;
    load_w_vector(&c, &s, csid, ssid);
    memset(s.pre_master, 0x55, sizeof(s.pre_master)); /* the server's is unused */
    assert_int_equal(keyex_derive_legacy(&c, &s, csid, ssid, key2), KEYEX_OK);
    unhex("4946fd15e6ec583a64d8e2abe4708d7ab548b7570a1052fa429a74d6850e7ea0", want, 32);
    assert_memory_equal(key2, want, 32);
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_CLIENT, 32, 32, &cli), KEYEX_OK);
    assert_memory_equal(cli.encrypt.cipher, want, 32);
    unhex("a850a3bd5aad6664b0c463e68d785e2f256070b6b0ef5660ece91cdd2291b397", want, 32);
    assert_memory_equal(key2 + 128, want, 32);
    assert_memory_equal(cli.decrypt.cipher, want, 32);
    unhex("0576f58679fd7b85b8a8c87d15871c26774d7278938eb9cb1416fb633021addc", want, 32);
    assert_memory_equal(cli.encrypt.hmac, want, 32);
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_SERVER, 32, 32, &srv), KEYEX_OK);
    assert_memory_equal(srv.decrypt.hmac, want, 32);
    assert_memory_equal(&srv.encrypt, &cli.decrypt, sizeof(srv.encrypt));
    assert_memory_equal(&srv.decrypt, &cli.encrypt, sizeof(srv.decrypt));
}

/* ---- slicing ---- */

static void test_keys_slicing(void **state)
{
    uint8_t key2[256];
    struct keyex_keys k;

    (void)state;
    for (size_t i = 0; i < sizeof(key2); i++)
        key2[i] = (uint8_t)i;
    /* AES-256-GCM: 32-byte keys, 8-byte implicit IVs. */
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_SERVER, 32, 8, &k), KEYEX_OK);
    assert_int_equal(k.encrypt.cipher_len, 32);
    assert_int_equal(k.encrypt.hmac_len, 8);
    assert_int_equal(k.encrypt.cipher[0], 128);
    assert_int_equal(k.encrypt.hmac[0], 192);
    assert_int_equal(k.decrypt.cipher[31], 31);
    assert_int_equal(k.decrypt.hmac[7], 71);
    assert_int_equal(k.decrypt.hmac[8], 0); /* beyond the used prefix stays zero */
    /* Full 64-byte slots (AES-256-CBC + SHA512). */
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_CLIENT, 64, 64, &k), KEYEX_OK);
    assert_memory_equal(k.encrypt.cipher, key2, 64);
    assert_memory_equal(k.encrypt.hmac, key2 + 64, 64);
    assert_memory_equal(k.decrypt.cipher, key2 + 128, 64);
    assert_memory_equal(k.decrypt.hmac, key2 + 192, 64);
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_CLIENT, 65, 20, &k), KEYEX_ERR_INVALID);
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_CLIENT, 16, 65, &k), KEYEX_ERR_INVALID);
    assert_int_equal(keyex_keys_from_key2(key2, (enum keyex_role)7, 16, 20, &k), KEYEX_ERR_INVALID);
}

static void test_keys_weak(void **state)
{
    uint8_t key2[256];
    struct keyex_keys k;
    static const struct keyex_keys zero;

    (void)state;
    memset(key2, 0x11, sizeof(key2));
    memset(key2 + 128, 0, 16); /* server->client AES-128 key all zero */
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_CLIENT, 16, 20, &k), KEYEX_ERR_WEAK_KEY);
    assert_memory_equal(&k, &zero, sizeof(k));
    /* only the used prefix counts */
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_CLIENT, 17, 20, &k), KEYEX_OK);
    /* cipher none has no key to check */
    memset(key2, 0, sizeof(key2));
    assert_int_equal(keyex_keys_from_key2(key2, KEYEX_SERVER, 0, 20, &k), KEYEX_OK);
}

/* ---- key-method-2 messages ---- */

static void fill_msg(struct keyex_msg *m, enum keyex_role role)
{
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < 48; i++)
        m->rnd.pre_master[i] = (uint8_t)(0xA0 + i);
    for (size_t i = 0; i < 32; i++) {
        m->rnd.random1[i] = (uint8_t)(0x10 + i);
        m->rnd.random2[i] = (uint8_t)(0x40 + i);
    }
    if (role == KEYEX_SERVER)
        memset(m->rnd.pre_master, 0, 48);
    m->options = str_of(role == KEYEX_CLIENT ? default_occ_client : default_occ_server);
    m->peer_info = str_of(role == KEYEX_CLIENT ? client_peer_info : NULL);
}

static size_t build(const struct keyex_msg *m, enum keyex_role role, uint8_t *out, size_t cap)
{
    struct buf_writer w;

    buf_writer_init(&w, out, cap);
    assert_int_equal(keyex_msg_build(&w, role, m), KEYEX_OK);
    assert_int_equal(buf_writer_len(&w), keyex_msg_size(role, m));
    return buf_writer_len(&w);
}

static void expect_str(const struct keyex_str *got, const char *want)
{
    if (!want) {
        assert_null(got->s);
        assert_int_equal(got->len, 0);
        return;
    }
    assert_non_null(got->s);
    assert_int_equal(got->len, strlen(want));
    assert_memory_equal(got->s, want, got->len);
    assert_int_equal(got->s[got->len], '\0');
}

static void test_msg_client_roundtrip(void **state)
{
    struct keyex_msg m, p;
    uint8_t buf[KEYEX_MSG_MAX];
    size_t n;

    (void)state;
    fill_msg(&m, KEYEX_CLIENT);
    n = build(&m, KEYEX_CLIENT, buf, sizeof(buf));
    assert_int_equal(n, 399); /* the size a 2.6.14 client sends (§9.2) */
    assert_memory_equal(buf, "\0\0\0\0\x02", 5);
    assert_int_equal(buf[5], 0xA0);
    assert_int_equal(buf[53], 0x10);
    assert_int_equal(buf[85], 0x40);
    assert_int_equal(buf[117], 0);
    assert_int_equal(buf[118], 101);
    assert_int_equal(buf[119 + 100], 0);
    assert_memory_equal(buf + 220, "\0\0\0\0", 4); /* no username, no password */
    assert_int_equal(keyex_msg_parse(buf, n, KEYEX_CLIENT, &p), KEYEX_OK);
    assert_int_equal(p.key_method, 2);
    assert_memory_equal(&p.rnd, &m.rnd, sizeof(p.rnd));
    expect_str(&p.options, default_occ_client);
    expect_str(&p.username, NULL);
    expect_str(&p.password, NULL);
    expect_str(&p.peer_info, client_peer_info);
    keyex_msg_wipe(&p);
    assert_null(p.options.s);
}

static void test_msg_server_roundtrip(void **state)
{
    struct keyex_msg m, p;
    uint8_t buf[KEYEX_MSG_MAX];
    size_t n;

    (void)state;
    fill_msg(&m, KEYEX_SERVER);
    n = build(&m, KEYEX_SERVER, buf, sizeof(buf));
    assert_int_equal(n, 178); /* the size a 2.6.14 server sends */
    assert_int_equal(buf[5], 0x10);
    assert_int_equal(buf[37], 0x40);
    assert_memory_equal(buf + n - 6, "\0\0\0\0\0\0", 6);
    assert_int_equal(keyex_msg_parse(buf, n, KEYEX_SERVER, &p), KEYEX_OK);
    assert_memory_equal(&p.rnd, &m.rnd, sizeof(p.rnd));
    expect_str(&p.options, default_occ_server);
    expect_str(&p.peer_info, NULL);
    /* The same bytes read as a client message are too short for the pre_master layout. */
    assert_int_not_equal(keyex_msg_parse(buf, n, KEYEX_CLIENT, &p), KEYEX_OK);
}

static void test_msg_user_pass(void **state)
{
    struct keyex_msg m, p;
    uint8_t buf[KEYEX_MSG_MAX];
    size_t n;

    (void)state;
    fill_msg(&m, KEYEX_CLIENT);
    m.username = str_of("alice");
    m.password = str_of(""); /* present but empty: length 1 */
    n = build(&m, KEYEX_CLIENT, buf, sizeof(buf));
    assert_memory_equal(buf + 220,
                        "\0\x06"
                        "alice\0\0\x01\0",
                        11);
    assert_int_equal(keyex_msg_parse(buf, n, KEYEX_CLIENT, &p), KEYEX_OK);
    expect_str(&p.username, "alice");
    expect_str(&p.password, "");
}

/* Every prefix fails except those that end exactly after a complete string field. */
static void test_msg_truncated(void **state)
{
    struct keyex_msg m, p;
    uint8_t buf[KEYEX_MSG_MAX];
    size_t n, ok_at[3] = { 220, 222, 224 };

    (void)state;
    fill_msg(&m, KEYEX_CLIENT);
    n = build(&m, KEYEX_CLIENT, buf, sizeof(buf));
    for (size_t len = 0; len < n; len++) {
        int rc = keyex_msg_parse(buf, len, KEYEX_CLIENT, &p);
        bool ok = len == ok_at[0] || len == ok_at[1] || len == ok_at[2];

        if (ok) {
            assert_int_equal(rc, KEYEX_OK);
            expect_str(&p.peer_info, NULL);
        } else {
            assert_int_equal(rc, len >= 117 && len < 119 ? KEYEX_ERR_TRUNCATED : rc);
            assert_true(rc < 0);
        }
    }
    assert_int_equal(keyex_msg_parse(buf, 116, KEYEX_CLIENT, &p), KEYEX_ERR_TRUNCATED);
    assert_int_equal(keyex_msg_parse(buf, 221, KEYEX_CLIENT, &p), KEYEX_ERR_TRUNCATED);
    assert_int_equal(keyex_msg_parse(buf, n - 1, KEYEX_CLIENT, &p), KEYEX_ERR_TRUNCATED);
    assert_int_equal(keyex_msg_parse(NULL, 0, KEYEX_CLIENT, &p), KEYEX_ERR_TRUNCATED);
}

static void test_msg_bad_fields(void **state)
{
    struct keyex_msg m, p;
    uint8_t buf[KEYEX_MSG_MAX + 8], bad[KEYEX_MSG_MAX + 8];
    size_t n;

    (void)state;
    fill_msg(&m, KEYEX_CLIENT);
    n = build(&m, KEYEX_CLIENT, buf, sizeof(buf));

    memcpy(bad, buf, n);
    bad[4] = 1; /* key method 1 */
    assert_int_equal(keyex_msg_parse(bad, n, KEYEX_CLIENT, &p), KEYEX_ERR_METHOD);
    bad[4] = 0x12; /* flag bits above the method nibble are tolerated */
    assert_int_equal(keyex_msg_parse(bad, n, KEYEX_CLIENT, &p), KEYEX_OK);
    assert_int_equal(p.key_method, 0x12);
    memcpy(bad, buf, n);
    bad[0] = 0xFF; /* the leading u32 is skipped */
    assert_int_equal(keyex_msg_parse(bad, n, KEYEX_CLIENT, &p), KEYEX_OK);

    memcpy(bad, buf, n);
    bad[119 + 100] = '!'; /* options without terminator */
    assert_int_equal(keyex_msg_parse(bad, n, KEYEX_CLIENT, &p), KEYEX_ERR_NO_NUL);
    memcpy(bad, buf, n);
    bad[119 + 5] = '\0'; /* NUL inside the options */
    assert_int_equal(keyex_msg_parse(bad, n, KEYEX_CLIENT, &p), KEYEX_ERR_NUL);
    memcpy(bad, buf, n);
    bad[n - 1] = 'x'; /* peer-info without terminator */
    assert_int_equal(keyex_msg_parse(bad, n, KEYEX_CLIENT, &p), KEYEX_ERR_NO_NUL);
    assert_null(p.peer_info.s);
    memcpy(bad, buf, n);
    bad[n] = 0; /* one byte after the peer-info */
    assert_int_equal(keyex_msg_parse(bad, n + 1, KEYEX_CLIENT, &p), KEYEX_ERR_TRAILING);

    /* options absent */
    memcpy(bad, buf, 117);
    memcpy(bad + 117, "\0\0\0\0\0\0\0\0", 8);
    assert_int_equal(keyex_msg_parse(bad, 125, KEYEX_CLIENT, &p), KEYEX_ERR_NO_OPTIONS);
    /* a message over 2048 bytes */
    memset(bad, 0, sizeof(bad));
    assert_int_equal(keyex_msg_parse(bad, KEYEX_MSG_MAX + 1, KEYEX_CLIENT, &p), KEYEX_ERR_TOO_LONG);
    assert_int_equal(keyex_msg_parse(buf, n, (enum keyex_role)3, &p), KEYEX_ERR_INVALID);
}

/* Options limit: 512 bytes with the NUL is fine, 513 is too long, both ways. */
static void test_msg_options_limit(void **state)
{
    struct keyex_msg m, p;
    char opt[600];
    uint8_t buf[KEYEX_MSG_MAX];
    struct buf_writer w;
    size_t n;

    (void)state;
    fill_msg(&m, KEYEX_SERVER);
    memset(opt, 'a', sizeof(opt));
    opt[511] = '\0';
    m.options = str_of(opt);
    n = build(&m, KEYEX_SERVER, buf, sizeof(buf));
    assert_int_equal(keyex_msg_parse(buf, n, KEYEX_SERVER, &p), KEYEX_OK);
    assert_int_equal(p.options.len, 511);

    opt[511] = 'a';
    opt[512] = '\0';
    m.options = str_of(opt);
    buf_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(keyex_msg_build(&w, KEYEX_SERVER, &m), KEYEX_ERR_TOO_LONG);
    assert_int_equal(buf_writer_len(&w), 0);
    /* Hand-made: L_opt = 513 */
    memmove(buf + 71 + 1, buf + 71, n - 71);
    buf[69] = 0x02;
    buf[70] = 0x01;
    buf[71 + 511] = 'a';
    buf[71 + 512] = '\0';
    assert_int_equal(keyex_msg_parse(buf, n + 1, KEYEX_SERVER, &p), KEYEX_ERR_TOO_LONG);
}

static void test_msg_build_refusals(void **state)
{
    struct keyex_msg m;
    uint8_t buf[KEYEX_MSG_MAX];
    static char big[KEYEX_USER_PASS_MAX + 1];
    struct buf_writer w;

    (void)state;
    fill_msg(&m, KEYEX_CLIENT);
    buf_writer_init(&w, buf, 398); /* one byte short */
    assert_int_equal(keyex_msg_build(&w, KEYEX_CLIENT, &m), KEYEX_ERR_NO_ROOM);
    assert_false(buf_writer_ok(&w));
    assert_int_equal(buf_writer_len(&w), 0);

    buf_writer_init(&w, buf, sizeof(buf));
    m.options.len = 5; /* a view that stops before the NUL of the text is still fine */
    assert_int_equal(keyex_msg_build(&w, KEYEX_CLIENT, &m), KEYEX_OK);
    m.options.s = "V4\0x";
    m.options.len = 4;
    buf_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(keyex_msg_build(&w, KEYEX_CLIENT, &m), KEYEX_ERR_NUL);
    assert_int_equal(buf_writer_len(&w), 0);
    m.options.s = NULL;
    assert_int_equal(keyex_msg_build(&w, KEYEX_CLIENT, &m), KEYEX_ERR_NO_OPTIONS);

    fill_msg(&m, KEYEX_CLIENT);
    memset(big, 'u', sizeof(big) - 1);
    m.username = str_of(big); /* 4096 + NUL */
    assert_int_equal(keyex_msg_build(&w, KEYEX_CLIENT, &m), KEYEX_ERR_USER_PASS_LEN);
    big[1800] = '\0';
    m.username = str_of(big); /* within the limit, but the message would exceed 2048 */
    assert_int_equal(keyex_msg_build(&w, KEYEX_CLIENT, &m), KEYEX_ERR_TOO_LONG);
    assert_int_equal(keyex_msg_build(&w, (enum keyex_role)9, &m), KEYEX_ERR_INVALID);
    assert_int_equal(buf_writer_len(&w), 0);
}

static void test_random_generate(void **state)
{
    struct keyex_random a, b;
    static const uint8_t zero[48];

    (void)state;
    assert_int_equal(keyex_random_generate(&a, KEYEX_CLIENT), KEYEX_OK);
    assert_int_equal(keyex_random_generate(&b, KEYEX_SERVER), KEYEX_OK);
    assert_memory_not_equal(a.pre_master, zero, 48);
    assert_memory_equal(b.pre_master, zero, 48);
    assert_memory_not_equal(a.random1, b.random1, 32);
    assert_memory_not_equal(a.random1, a.random2, 32);
}

/* ---- peer-info ---- */

static struct keyex_peer_info_params client_params(void)
{
    struct keyex_peer_info_params p = {
        .version = "2.6.14",
        .platform = "linux",
        .proto = 990,
        .ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
        .mtu = 1600,
        .tcpnl = true,
        .comp = KEYEX_IV_COMP_STUBS_ONLY,
    };
    return p;
}

static void test_peer_info_build(void **state)
{
    struct keyex_peer_info_params p = client_params();
    struct keyex_kv extra[2] = {
        { "IV_GUI_VER", 10, "sluice_1.0", 10 },
        { "UV_SITE", 7, "b e", 3 },
    };
    char out[1024];
    size_t len;

    (void)state;
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_OK);
    assert_string_equal(out, client_peer_info);
    assert_int_equal(len, strlen(client_peer_info));

    p.extra = extra;
    p.n_extra = 2;
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_OK);
    assert_non_null(strstr(out, "IV_COMP_STUBv2=1\nIV_GUI_VER=sluice_1.0\nUV_SITE=b e\n"));

    p = client_params();
    p.ciphers = "AES-256-GCM:CHACHA20-POLY1305"; /* no AES-128-GCM: no IV_NCP */
    p.mtu = 0;
    p.tcpnl = false;
    p.comp = KEYEX_IV_COMP_LZ4V2;
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_OK);
    assert_string_equal(out, "IV_VER=2.6.14\nIV_PLAT=linux\nIV_CIPHERS=AES-256-GCM:CHACHA20-"
                             "POLY1305\nIV_PROTO=990\nIV_LZ4v2=1\n");

    p = client_params();
    p.p2p = true;
    p.proto = 746;
    p.version = NULL;
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_OK);
    assert_string_equal(out, "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n"
                             "IV_PROTO=746\n");
}

static void test_peer_info_build_refusals(void **state)
{
    struct keyex_peer_info_params p = client_params();
    struct keyex_kv bad[] = {
        { "XX_GUI", 6, "1", 1 },  { "IV_", 3, "1", 1 },      { "IV_A-B", 6, "1", 1 },
        { "IV_A", 4, "a\nb", 3 }, { "UV_X", 4, "tab\t", 4 }, { NULL, 0, "1", 1 },
    };
    char out[1024];
    size_t len = 99;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p.extra = &bad[i];
        p.n_extra = 1;
        assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_ERR_INVALID);
        assert_int_equal(len, 0);
    }
    p = client_params();
    p.proto |= 1u << 10; /* a 2.7 bit we do not implement */
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_ERR_INVALID);
    p = client_params();
    p.ciphers = "AES-256-GCM,x";
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_ERR_INVALID);
    p = client_params();
    p.version = NULL;
    assert_int_equal(keyex_peer_info_build(out, sizeof(out), &p, &len), KEYEX_ERR_INVALID);
    p = client_params();
    assert_int_equal(keyex_peer_info_build(out, strlen(client_peer_info), &p, &len),
                     KEYEX_ERR_NO_ROOM);
    assert_string_equal(out, "");
    assert_int_equal(keyex_peer_info_build(out, strlen(client_peer_info) + 1, &p, &len), KEYEX_OK);
}

static void test_peer_info_parse(void **state)
{
    struct keyex_peer_info pi;
    const char *v;
    size_t vl;

    (void)state;
    assert_int_equal(keyex_peer_info_parse(client_peer_info, strlen(client_peer_info), &pi), 10);
    assert_int_equal(pi.n_bad, 0);
    assert_true(pi.has_proto);
    assert_int_equal(pi.proto, 990);
    assert_int_equal(pi.ncp, 2);
    assert_int_equal(pi.mtu, 1600);
    assert_true(pi.tcpnl);
    assert_int_equal(pi.comp, KEYEX_IV_COMP_STUBS_ONLY);
    assert_true(keyex_peer_info_get(&pi, "IV_CIPHERS", &v, &vl));
    assert_int_equal(vl, strlen("AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"));
    assert_memory_equal(v, "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305", vl);
    assert_true(keyex_peer_info_get(&pi, "IV_VER", NULL, NULL));
    assert_false(keyex_peer_info_get(&pi, "IV_VE", &v, &vl));
    assert_false(keyex_peer_info_get(&pi, "IV_HWADDR", &v, &vl));
    assert_true(pi.proto & KEYEX_IV_PROTO_TLS_KEY_EXPORT);
    assert_false(pi.proto & KEYEX_IV_PROTO_NCP_P2P);
}

static void test_peer_info_parse_bad_lines(void **state)
{
    static const char text[] = "noequals\n=nameless\nBAD NAME=1\nIV_X=ctl\x01\n\n"
                               "IV_PROTO=99x\nIV_MTU=\nIV_TCPNL=2\nIV_PLAT=win\r\n"
                               "IV_PROTO=6\nIV_GUI_VER=a=b\nIV_LAST=1";
    struct keyex_peer_info pi;
    const char *v;
    size_t vl;
    char many[80 * 12];
    size_t len = 0;

    (void)state;
    assert_int_equal(keyex_peer_info_parse(text, sizeof(text) - 1, &pi), 7);
    assert_int_equal(pi.n_bad, 4);
    assert_false(pi.has_proto); /* the first IV_PROTO is not a number: no fallback to later ones */
    assert_int_equal(pi.mtu, 0);
    assert_false(pi.tcpnl);
    assert_true(keyex_peer_info_get(&pi, "IV_PLAT", &v, &vl));
    assert_int_equal(vl, 3); /* CR stripped */
    assert_true(keyex_peer_info_get(&pi, "IV_GUI_VER", &v, &vl));
    assert_int_equal(vl, 3);
    assert_memory_equal(v, "a=b", 3);
    assert_true(keyex_peer_info_get(&pi, "IV_LAST", &v, &vl));
    assert_int_equal(vl, 1);

    for (int i = 0; i < 70; i++)
        len += (size_t)snprintf(many + len, sizeof(many) - len, "IV_V%d=%d\n", i, i);
    assert_int_equal(keyex_peer_info_parse(many, len, &pi), KEYEX_PEER_INFO_MAX_VARS);
    assert_int_equal(pi.n_bad, 70 - KEYEX_PEER_INFO_MAX_VARS);
    assert_int_equal(keyex_peer_info_parse("IV_A=1\0IV_B=2", 13, &pi), 0);
    assert_int_equal(pi.n_bad, 1);
    assert_int_equal(keyex_peer_info_parse(NULL, 0, &pi), 0);
    assert_int_equal(keyex_peer_info_parse("IV_PROTO=4294967296", 19, &pi), 1);
    assert_false(pi.has_proto);
}

static void test_iv_proto_names(void **state)
{
    char out[200];

    (void)state;
    assert_int_equal(keyex_iv_proto_describe(990, out, sizeof(out)),
                     strlen("DATA_V2 REQUEST_PUSH TLS_KEY_EXPORT AUTH_PENDING_KW DNS_OPTION "
                            "CC_EXIT_NOTIFY AUTH_FAIL_TEMP DYN_TLS_CRYPT"));
    assert_string_equal(out, "DATA_V2 REQUEST_PUSH TLS_KEY_EXPORT AUTH_PENDING_KW DNS_OPTION "
                             "CC_EXIT_NOTIFY AUTH_FAIL_TEMP DYN_TLS_CRYPT");
    assert_int_equal(keyex_iv_proto_describe(1u | (1u << 11) | (1u << 5), out, sizeof(out)), 18);
    assert_string_equal(out, "bit0 NCP_P2P bit11");
    assert_int_equal(
        keyex_iv_proto_describe(746, out, 8),
        strlen("DATA_V2 TLS_KEY_EXPORT NCP_P2P DNS_OPTION CC_EXIT_NOTIFY DYN_TLS_CRYPT"));
    assert_string_equal(out, "DATA_V2");
    assert_int_equal(keyex_iv_proto_describe(0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(keyex_iv_proto_describe(2, NULL, 0), 7);
    assert_null(keyex_iv_proto_bit_name(0));
    assert_null(keyex_iv_proto_bit_name(10));
    assert_string_equal(keyex_iv_proto_bit_name(9), "DYN_TLS_CRYPT");
}

/* ---- OCC ---- */

static struct keyex_occ_params occ_default(enum keyex_role role)
{
    struct keyex_occ_params p = {
        .link_mtu = 1541,
        .tun_mtu = 1500,
        .proto = KEYEX_OCC_UDP,
        .keydir = -1,
        .auth = "SHA1",
        .keysize = 128,
        .role = role,
    };
    return p;
}

static void test_occ_build(void **state)
{
    struct keyex_occ_params p = occ_default(KEYEX_CLIENT);
    char out[KEYEX_OPTIONS_MAX];
    size_t len;

    (void)state;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_OK);
    assert_string_equal(out, default_occ_client);
    assert_int_equal(len, strlen(default_occ_client));
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, true, &len), KEYEX_OK);
    assert_string_equal(out, default_occ_server);

    p.keydir = 1;
    p.tls_auth = true;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_OK);
    assert_string_equal(out, "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,keydir 1,"
                             "auth SHA1,keysize 128,tls-auth,key-method 2,tls-client");
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, true, &len), KEYEX_OK);
    assert_string_equal(out, "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,keydir 0,"
                             "auth SHA1,keysize 128,tls-auth,key-method 2,tls-server");

    p = occ_default(KEYEX_SERVER);
    p.tap = true;
    p.proto = KEYEX_OCC_TCP_SERVER;
    p.tun_ipv6 = true;
    p.ifconfig_local = "10.1.0.1";
    p.ifconfig_remote = "10.1.0.2";
    p.ifconfig_swap = true;
    p.comp_lzo = true;
    p.mtu_dynamic = true;
    p.cipher = "AES-256-CBC";
    p.keysize = 256;
    p.no_replay = true;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, true, &len), KEYEX_OK);
    assert_string_equal(out, "V4,dev-type tap,link-mtu 1541,tun-mtu 1500,proto TCPv4_CLIENT,"
                             "tun-ipv6,ifconfig 10.1.0.2 10.1.0.1,comp-lzo,mtu-dynamic,"
                             "cipher AES-256-CBC,auth SHA1,keysize 256,no-replay,key-method 2,"
                             "tls-client");
    p.secret = true;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_OK);
    assert_non_null(strstr(out, "proto TCPv4_SERVER,"));
    assert_non_null(strstr(out, "ifconfig 10.1.0.1 10.1.0.2,"));
    assert_non_null(strstr(out, ",secret,no-replay"));
    assert_null(strstr(out, "key-method"));
}

static void test_occ_build_refusals(void **state)
{
    struct keyex_occ_params p = occ_default(KEYEX_CLIENT);
    char out[KEYEX_OPTIONS_MAX];
    char longname[600];
    size_t len;

    (void)state;
    p.auth = NULL;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_ERR_INVALID);
    p.auth = "SHA 1";
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_ERR_INVALID);
    p = occ_default(KEYEX_CLIENT);
    p.cipher = "AES,x";
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_ERR_INVALID);
    p = occ_default(KEYEX_CLIENT);
    p.keydir = 2;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_ERR_INVALID);
    p = occ_default(KEYEX_CLIENT);
    p.ifconfig_local = "10.0.0.1";
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_ERR_INVALID);
    p = occ_default(KEYEX_CLIENT);
    p.proto = (enum keyex_occ_proto)5;
    assert_int_equal(keyex_occ_build(out, sizeof(out), &p, false, &len), KEYEX_ERR_INVALID);
    p = occ_default(KEYEX_CLIENT);
    assert_int_equal(keyex_occ_build(out, 50, &p, false, &len), KEYEX_ERR_NO_ROOM);
    assert_int_equal(keyex_occ_build(out, strlen(default_occ_client), &p, false, &len),
                     KEYEX_ERR_NO_ROOM);
    memset(longname, 'A', 230);
    longname[230] = '\0';
    p.cipher = longname;
    p.auth = longname; /* 2 x 230 + the rest > 511 */
    {
        char big[2048];
        assert_int_equal(keyex_occ_build(big, sizeof(big), &p, false, &len), KEYEX_ERR_TOO_LONG);
        longname[200] = '\0'; /* 504 bytes: still fits */
        assert_int_equal(keyex_occ_build(big, sizeof(big), &p, false, &len), KEYEX_OK);
        assert_int_equal(len, 504);
    }
}

static void test_occ_compare(void **state)
{
    struct keyex_occ_report rep;
    const char *v;
    size_t vl;
    static const char peer_diff[] = "V4,dev-type tun,link-mtu 1542,tun-mtu 1500,proto TCPv4_SERVER,"
                                    "keydir 1,cipher BF-CBC,auth SHA1,keysize 128,comp-lzo,"
                                    "key-method 2,tls-server";

    (void)state;
    assert_int_equal(keyex_occ_compare(default_occ_server, strlen(default_occ_server),
                                       default_occ_server, strlen(default_occ_server), &rep),
                     0);
    assert_true(rep.compared);
    assert_int_equal(keyex_occ_compare(default_occ_server, strlen(default_occ_server), peer_diff,
                                       strlen(peer_diff), &rep),
                     2);
    assert_int_equal(rep.d[0].kind, KEYEX_OCC_DIFFERENT);
    assert_int_equal(rep.d[0].local_len, strlen("link-mtu 1541"));
    assert_memory_equal(rep.d[0].local, "link-mtu 1541", rep.d[0].local_len);
    assert_memory_equal(rep.d[0].remote, "link-mtu 1542", rep.d[0].remote_len);
    assert_int_equal(rep.d[1].kind, KEYEX_OCC_ONLY_REMOTE);
    assert_null(rep.d[1].local);
    assert_memory_equal(rep.d[1].remote, "comp-lzo", rep.d[1].remote_len);
    /* missing locally expected item */
    assert_int_equal(keyex_occ_compare(peer_diff, strlen(peer_diff), default_occ_server,
                                       strlen(default_occ_server), &rep),
                     2);
    assert_int_equal(rep.d[1].kind, KEYEX_OCC_ONLY_LOCAL);
    assert_null(rep.d[1].remote);
    /* different versions are not compared */
    assert_int_equal(keyex_occ_compare("V4,a", 4, "V5,b", 4, &rep), 0);
    assert_false(rep.compared);
    assert_int_equal(keyex_occ_compare("V", 1, "V", 1, &rep), 0);
    assert_false(rep.compared);
    /* many differences: the report keeps 16 and counts the rest */
    {
        char many[KEYEX_OPTIONS_MAX];
        size_t len = (size_t)snprintf(many, sizeof(many), "V4");
        for (int i = 0; i < 20; i++)
            len += (size_t)snprintf(many + len, sizeof(many) - len, ",x%d", i);
        assert_int_equal(keyex_occ_compare("V4", 2, many, len, &rep), 20);
        assert_int_equal(rep.n, KEYEX_OCC_MAX_DIFFS);
        assert_int_equal(rep.n_more, 4);
    }
    assert_true(keyex_occ_find(peer_diff, strlen(peer_diff), "auth", &v, &vl));
    assert_int_equal(vl, 4);
    assert_memory_equal(v, "SHA1", 4);
    assert_true(keyex_occ_find(peer_diff, strlen(peer_diff), "comp-lzo", &v, &vl));
    assert_int_equal(vl, 0);
    assert_false(keyex_occ_find(peer_diff, strlen(peer_diff), "tls-auth", &v, &vl));
    assert_false(keyex_occ_find(peer_diff, strlen(peer_diff), "key", &v, &vl));
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = 0; e >= -12; e--)
        assert_string_not_equal(keyex_strerror(e), "unknown error");
    assert_string_equal(keyex_strerror(-13), "unknown error");
    assert_string_equal(keyex_strerror(5), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prf_matches_openssl),
        cmocka_unit_test(test_prf_rejects_bad_sizes),
        cmocka_unit_test(test_legacy_master_vector),
        cmocka_unit_test(test_legacy_key2_vector),
        cmocka_unit_test(test_keys_slicing),
        cmocka_unit_test(test_keys_weak),
        cmocka_unit_test(test_msg_client_roundtrip),
        cmocka_unit_test(test_msg_server_roundtrip),
        cmocka_unit_test(test_msg_user_pass),
        cmocka_unit_test(test_msg_truncated),
        cmocka_unit_test(test_msg_bad_fields),
        cmocka_unit_test(test_msg_options_limit),
        cmocka_unit_test(test_msg_build_refusals),
        cmocka_unit_test(test_random_generate),
        cmocka_unit_test(test_peer_info_build),
        cmocka_unit_test(test_peer_info_build_refusals),
        cmocka_unit_test(test_peer_info_parse),
        cmocka_unit_test(test_peer_info_parse_bad_lines),
        cmocka_unit_test(test_iv_proto_names),
        cmocka_unit_test(test_occ_build),
        cmocka_unit_test(test_occ_build_refusals),
        cmocka_unit_test(test_occ_compare),
        cmocka_unit_test(test_strerror),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
