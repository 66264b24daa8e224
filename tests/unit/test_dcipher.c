/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dcipher.h"
#include "wire.h"

/*
 * Keys: the cipher and HMAC slots of one direction (protocol-data.md §2). The same patterns
 * built the Python vectors below, so keep them in sync.
 */
static uint8_t cslot[DCIPHER_SLOT_LEN];
static uint8_t hslot[DCIPHER_SLOT_LEN];
static const uint8_t test_iv[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                     0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };

static const uint8_t hdr_v1[1] = { 0x30 };                    /* P_DATA_V1, key id 0 */
static const uint8_t hdr_v2[4] = { 0x48, 0x00, 0x00, 0x01 };  /* P_DATA_V2, peer-id 1 */
static const uint8_t hdr_v2k[4] = { 0x4b, 0x12, 0x34, 0x56 }; /* key id 3, peer-id 0x123456 */

struct suite_case {
    const char *cipher;
    const char *auth;
};

/* Every supported cipher, CBC with several digests, and the explicitly selected none. */
static const struct suite_case cases[] = {
    { "AES-128-GCM", NULL },       { "AES-192-GCM", NULL },     { "AES-256-GCM", NULL },
    { "CHACHA20-POLY1305", NULL }, { "AES-128-CBC", "SHA1" },   { "AES-128-CBC", "SHA256" },
    { "AES-128-CBC", "SHA512" },   { "AES-192-CBC", "SHA1" },   { "AES-192-CBC", "SHA256" },
    { "AES-192-CBC", "SHA512" },   { "AES-256-CBC", "SHA1" },   { "AES-256-CBC", "SHA256" },
    { "AES-256-CBC", "SHA512" },   { "AES-256-CBC", "SHA384" }, { "AES-128-CBC", "SHA224" },
    { "AES-128-CBC", "none" },     { "none", "SHA1" },          { "none", "SHA256" },
    { "none", "SHA512" },          { "none", "none" },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const size_t lengths[] = { 0, 1, 15, 16, 17, 1400 };
#define NLENGTHS (sizeof(lengths) / sizeof(lengths[0]))

#define MEM_LEN  2048
#define HEADROOM 256

static uint8_t plain[MEM_LEN];

static int setup_patterns(void **state)
{
    (void)state;
    for (size_t i = 0; i < DCIPHER_SLOT_LEN; i++) {
        cslot[i] = (uint8_t)(i * 7 + 3);
        hslot[i] = (uint8_t)(i * 13 + 5);
    }
    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)(i * 31 + 17);
    return 0;
}

static void lookup(const struct suite_case *c, struct dcipher_suite *s)
{
    assert_int_equal(dcipher_suite_lookup(c->cipher, c->auth, s), DCIPHER_OK);
}

static void key_pair(const struct dcipher_suite *s, struct dcipher_key *enc,
                     struct dcipher_key *dec)
{
    assert_int_equal(
        dcipher_key_init(enc, s, DCIPHER_ENCRYPT, cslot, sizeof(cslot), hslot, sizeof(hslot)),
        DCIPHER_OK);
    assert_int_equal(
        dcipher_key_init(dec, s, DCIPHER_DECRYPT, cslot, sizeof(cslot), hslot, sizeof(hslot)),
        DCIPHER_OK);
}

static void load(struct pktbuf *p, uint8_t *mem, const uint8_t *data, size_t len)
{
    pktbuf_init(p, mem, MEM_LEN, HEADROOM);
    memcpy(pktbuf_put(p, len), data, len);
}

/* Seals plain[0..len) and copies the packet out; returns its length. */
static size_t seal_to(const struct dcipher_key *k, uint32_t pid, const uint8_t *hdr, size_t hdr_len,
                      size_t len, uint8_t *out)
{
    uint8_t mem[MEM_LEN];
    struct pktbuf p;

    load(&p, mem, plain, len);
    assert_int_equal(dcipher_seal(k, &p, pid, hdr, hdr_len, test_iv, k->suite.iv_len), DCIPHER_OK);
    assert_int_equal(pktbuf_len(&p), dcipher_sealed_len(&k->suite, hdr_len, len));
    memcpy(out, pktbuf_data(&p), pktbuf_len(&p));
    return pktbuf_len(&p);
}

/* Opens a copy of pkt; on success checks nothing, returns the result and the plaintext view. */
static int open_copy(const struct dcipher_key *k, const uint8_t *pkt, size_t len, uint8_t *mem,
                     struct pktbuf *p, uint32_t *pid)
{
    load(p, mem, pkt, len);
    return dcipher_open(k, p, pid);
}

/* ---- an independent reference: one-shot EVP calls with separate buffers ---- */

static void ref_aead(const struct dcipher_suite *s, const uint8_t *hdr, size_t hdr_len,
                     uint32_t pid, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
    const EVP_CIPHER *cipher = EVP_get_cipherbyname(s->evp_name);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t pidb[4] = { (uint8_t)(pid >> 24), (uint8_t)(pid >> 16), (uint8_t)(pid >> 8),
                        (uint8_t)pid };
    uint8_t nonce[12], aad[8], tag[16];
    uint8_t *ct = malloc(len + 16);
    int n = 0, f = 0;
    size_t aad_len = 0;

    assert_non_null(cipher);
    assert_non_null(ctx);
    memcpy(nonce, pidb, 4);
    memcpy(nonce + 4, hslot, 8);
    if (hdr_len == 4) {
        memcpy(aad, hdr, 4);
        aad_len = 4;
    }
    memcpy(aad + aad_len, pidb, 4);
    aad_len += 4;
    assert_true(EVP_EncryptInit_ex(ctx, cipher, NULL, cslot, nonce));
    assert_true(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len));
    assert_true(EVP_EncryptUpdate(ctx, ct, &n, in, (int)len));
    assert_true(EVP_EncryptFinal_ex(ctx, ct + n, &f));
    assert_int_equal((size_t)(n + f), len);
    assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag));
    memcpy(out, hdr, hdr_len);
    memcpy(out + hdr_len, pidb, 4);
    memcpy(out + hdr_len + 4, tag, 16);
    memcpy(out + hdr_len + 20, ct, len);
    *out_len = hdr_len + 20 + len;
    EVP_CIPHER_CTX_free(ctx);
    free(ct);
}

static size_t ref_hmac(const struct dcipher_suite *s, const uint8_t *data, size_t len, uint8_t *mac)
{
    unsigned int mac_len = 0;

    if (strcmp(s->auth, "none") == 0)
        return 0;
    assert_non_null(
        HMAC(EVP_get_digestbyname(s->auth), hslot, (int)s->mac_len, data, len, mac, &mac_len));
    assert_int_equal(mac_len, s->mac_len);
    return mac_len;
}

/*
 * body = packet-id || payload; CBC encrypts it with OpenSSL's own PKCS#7 padding (pad = true)
 * or as given (pad = false, for hand-made bad padding).
 */
static void ref_cbc_body(const struct dcipher_suite *s, const uint8_t *hdr, size_t hdr_len,
                         const uint8_t *body, size_t body_len, bool pad, uint8_t *out,
                         size_t *out_len)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t *ivct = malloc(16 + body_len + 16);
    uint8_t mac[64];
    int n = 0, f = 0;
    size_t mac_len, ivct_len;

    assert_non_null(ctx);
    memcpy(ivct, test_iv, 16);
    assert_true(EVP_EncryptInit_ex(ctx, EVP_get_cipherbyname(s->evp_name), NULL, cslot, test_iv));
    assert_true(EVP_CIPHER_CTX_set_padding(ctx, pad));
    assert_true(EVP_EncryptUpdate(ctx, ivct + 16, &n, body, (int)body_len));
    assert_true(EVP_EncryptFinal_ex(ctx, ivct + 16 + n, &f));
    ivct_len = 16 + (size_t)(n + f);
    mac_len = ref_hmac(s, ivct, ivct_len, mac);
    memcpy(out, hdr, hdr_len);
    memcpy(out + hdr_len, mac, mac_len);
    memcpy(out + hdr_len + mac_len, ivct, ivct_len);
    *out_len = hdr_len + mac_len + ivct_len;
    EVP_CIPHER_CTX_free(ctx);
    free(ivct);
}

static void ref_seal(const struct dcipher_suite *s, const uint8_t *hdr, size_t hdr_len,
                     uint32_t pid, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
    uint8_t *body = malloc(4 + len);
    uint8_t mac[64];
    size_t mac_len;

    body[0] = (uint8_t)(pid >> 24);
    body[1] = (uint8_t)(pid >> 16);
    body[2] = (uint8_t)(pid >> 8);
    body[3] = (uint8_t)pid;
    memcpy(body + 4, in, len);
    if (s->mode == DCIPHER_MODE_AEAD) {
        ref_aead(s, hdr, hdr_len, pid, in, len, out, out_len);
    } else if (s->mode == DCIPHER_MODE_CBC) {
        ref_cbc_body(s, hdr, hdr_len, body, 4 + len, true, out, out_len);
    } else {
        mac_len = ref_hmac(s, body, 4 + len, mac);
        memcpy(out, hdr, hdr_len);
        memcpy(out + hdr_len, mac, mac_len);
        memcpy(out + hdr_len + mac_len, body, 4 + len);
        *out_len = hdr_len + mac_len + 4 + len;
    }
    free(body);
}

/*
 * ---- fixed vectors, made outside OpenSSL's EVP layer ----
 * Python `cryptography` 48 with the slot patterns above, following protocol-data.md §13.4:
 * AEAD: AESGCM/ChaCha20Poly1305(key).encrypt(pid || hslot[:8], plain, aad) split into tag and
 * ciphertext; CBC: AES-CBC(test_iv) of pid || plain || PKCS#7, hmac.new(hslot[:L], iv || ct);
 * none: hmac.new(hslot[:L], pid || plain).
 */

struct py_vector {
    const char *cipher;
    const char *auth;
    size_t hdr_len;
    uint32_t pid;
    size_t iv_len;    /* the IV is test_iv */
    size_t plain_len; /* the plaintext is py_plain[0..plain_len) */
    const uint8_t *pkt;
    size_t pkt_len;
};

/* A 20-byte IPv4 header (127.0.0.1 -> 127.0.0.1) and "xyz". */
static const uint8_t py_plain[23] = { 0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
                                      0x40, 0x01, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x01,
                                      0x7f, 0x00, 0x00, 0x01, 'x',  'y',  'z' };

static const uint8_t py0_pkt[44] = { 0x48, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x68,
                                     0x10, 0x20, 0x8b, 0x88, 0x11, 0xba, 0x58, 0xa7, 0x0a,
                                     0x02, 0xa4, 0x58, 0x2f, 0x56, 0xc7, 0x86, 0x9e, 0x0f,
                                     0x41, 0x2f, 0x5f, 0x90, 0xd4, 0x54, 0xcf, 0x2c, 0x94,
                                     0xc2, 0x96, 0xda, 0xeb, 0x94, 0xa2, 0xc1, 0xc8 };
static const uint8_t py1_pkt[41] = { 0x31, 0x01, 0x02, 0x03, 0x04, 0xcd, 0x25, 0xdd, 0x0b,
                                     0xf0, 0x4a, 0xbb, 0x62, 0x76, 0x58, 0x67, 0x3d, 0x2f,
                                     0x78, 0x0b, 0x0a, 0xfb, 0x27, 0x62, 0xdf, 0x01, 0xb9,
                                     0xec, 0x1b, 0x9f, 0x99, 0x44, 0x1e, 0x76, 0x80, 0xdc,
                                     0x12, 0x51, 0xf0, 0xb2, 0xe9 };
static const uint8_t py2_pkt[24] = { 0x4a, 0x12, 0x34, 0x56, 0xff, 0xff, 0xff, 0xfe,
                                     0x04, 0x87, 0x59, 0xcf, 0xfc, 0x6d, 0x1e, 0x2d,
                                     0x00, 0xe9, 0x1e, 0xd5, 0xd5, 0x8d, 0x58, 0xcc };
static const uint8_t py3_pkt[26] = { 0x30, 0x00, 0x00, 0x00, 0x07, 0x88, 0x7f, 0x69, 0xe0,
                                     0xe4, 0x54, 0xbc, 0x71, 0xb6, 0x78, 0xa1, 0xba, 0xad,
                                     0x07, 0xfd, 0x78, 0x77, 0x9b, 0xbe, 0xfa, 0x5e };
static const uint8_t py4_pkt[84] = {
    0x49, 0x00, 0x00, 0x07, 0x3f, 0xe5, 0xbc, 0x1f, 0xe6, 0xfc, 0xe1, 0xd4, 0xce, 0x8e,
    0xcf, 0x9c, 0xf0, 0xb1, 0xd2, 0xb9, 0x81, 0x57, 0x79, 0x84, 0x72, 0xed, 0x3b, 0x71,
    0x18, 0x5c, 0xcd, 0x72, 0x58, 0x56, 0x5c, 0x96, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xf9, 0x2b, 0x6d, 0xbc,
    0x10, 0x8f, 0x7f, 0x79, 0x50, 0xde, 0xa6, 0x19, 0xf5, 0x52, 0x20, 0x4b, 0x49, 0x0a,
    0xc9, 0x51, 0x52, 0xd7, 0xe7, 0x85, 0xa6, 0x80, 0xa0, 0x80, 0xef, 0x24, 0x0d, 0xfa
};
static const uint8_t py5_pkt[113] = {
    0x30, 0x10, 0xf1, 0x41, 0xf9, 0x76, 0x6b, 0x81, 0x00, 0x2a, 0xab, 0x00, 0x2e, 0xde, 0xa7,
    0xde, 0xb0, 0x55, 0x7a, 0x22, 0xb3, 0x1e, 0x32, 0xb7, 0xe3, 0x2b, 0xce, 0x58, 0xd8, 0x42,
    0xdb, 0x1f, 0x16, 0x23, 0x1b, 0x08, 0xc8, 0x6b, 0x2e, 0x6d, 0xdb, 0xd7, 0xaf, 0x6e, 0x54,
    0xd1, 0x8a, 0x49, 0x63, 0x3d, 0xaf, 0xc1, 0xbc, 0x34, 0x1c, 0xd7, 0x90, 0x9f, 0xd8, 0x70,
    0x3a, 0x3c, 0x6e, 0x66, 0x21, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
    0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0x57, 0x87, 0x20, 0x23, 0x23, 0xdc, 0x34, 0xf4, 0xf1,
    0xed, 0x6e, 0x9c, 0xbf, 0x36, 0x45, 0x86, 0x15, 0xe3, 0xd0, 0xb6, 0x65, 0x0c, 0x4e, 0x2d,
    0x52, 0x15, 0x81, 0x90, 0x47, 0x75, 0x4a, 0x03
};
static const uint8_t py6_pkt[72] = {
    0x48, 0x00, 0x00, 0x00, 0xde, 0xb2, 0x57, 0x1e, 0xd1, 0xaa, 0x41, 0x49, 0xd8, 0xc0, 0x3a,
    0x5f, 0x17, 0x9e, 0x14, 0xff, 0xa2, 0x4d, 0xf2, 0x72, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0x56, 0xa4, 0xb7, 0x6f, 0xfc,
    0xb7, 0x04, 0xce, 0x8c, 0xf0, 0xfe, 0x0e, 0x78, 0xbb, 0xb4, 0xc6, 0x4c, 0x8c, 0xe3, 0xa3,
    0xe1, 0xdf, 0xa8, 0xb9, 0x2b, 0x8f, 0x82, 0xff, 0x9f, 0xbc, 0x48, 0xa2
};
static const uint8_t py7_pkt[38] = { 0x48, 0x00, 0x00, 0x01, 0x4e, 0x23, 0xde, 0x8a, 0x45, 0xe6,
                                     0x22, 0x0a, 0xbd, 0x31, 0xce, 0x49, 0x20, 0x66, 0xd3, 0x6a,
                                     0xd3, 0x5d, 0xe1, 0x13, 0x00, 0x00, 0x00, 0x03, 0x45, 0x00,
                                     0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01 };
static const uint8_t py8_pkt[11] = { 0x30, 0x00, 0x00, 0x00, 0x04, 0x45,
                                     0x00, 0x00, 0x14, 0x00, 0x00 };
static const struct py_vector py_vectors[] = {
    { "AES-256-GCM", NULL, 4, 0x00000001u, 0, 20, py0_pkt, sizeof(py0_pkt) },
    { "CHACHA20-POLY1305", NULL, 1, 0x01020304u, 0, 20, py1_pkt, sizeof(py1_pkt) },
    { "AES-128-GCM", NULL, 4, 0xfffffffeu, 0, 0, py2_pkt, sizeof(py2_pkt) },
    { "AES-192-GCM", NULL, 1, 0x00000007u, 0, 5, py3_pkt, sizeof(py3_pkt) },
    { "AES-256-CBC", "SHA256", 4, 0x00000005u, 16, 23, py4_pkt, sizeof(py4_pkt) },
    { "AES-192-CBC", "SHA512", 1, 0x00000009u, 16, 20, py5_pkt, sizeof(py5_pkt) },
    { "AES-128-CBC", "SHA1", 4, 0x00000002u, 16, 12, py6_pkt, sizeof(py6_pkt) },
    { "none", "SHA1", 4, 0x00000003u, 0, 10, py7_pkt, sizeof(py7_pkt) },
    { "none", "none", 1, 0x00000004u, 0, 6, py8_pkt, sizeof(py8_pkt) },
};

/* ---- lookup and sizes ---- */

static void test_lookup(void **state)
{
    struct dcipher_suite s;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("aes-256-gcm", "garbage", &s), DCIPHER_OK);
    assert_string_equal(s.cipher, "AES-256-GCM");
    assert_int_equal(s.mode, DCIPHER_MODE_AEAD);
    assert_int_equal(s.key_len, 32);
    assert_int_equal(s.hmac_key_len, 8); /* the implicit IV */
    assert_int_equal(s.mac_len, 16);
    assert_int_equal(s.iv_len, 0);
    assert_string_equal(s.auth, ""); /* --auth is ignored for AEAD */

    assert_int_equal(dcipher_suite_lookup("ChaCha20-Poly1305", NULL, &s), DCIPHER_OK);
    assert_string_equal(s.cipher, "CHACHA20-POLY1305");
    assert_int_equal(s.key_len, 32);
    assert_int_equal(dcipher_suite_lookup("AES-192-GCM", NULL, &s), DCIPHER_OK);
    assert_int_equal(s.key_len, 24);

    assert_int_equal(dcipher_suite_lookup("Aes-128-Cbc", NULL, &s), DCIPHER_OK);
    assert_int_equal(s.mode, DCIPHER_MODE_CBC);
    assert_string_equal(s.auth, "SHA1"); /* the default --auth */
    assert_int_equal(s.mac_len, 20);
    assert_int_equal(s.hmac_key_len, 20);
    assert_int_equal(s.iv_len, 16);
    assert_int_equal(s.block_len, 16);
    assert_int_equal(s.key_len, 16);

    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "sha512", &s), DCIPHER_OK);
    assert_int_equal(s.mac_len, 64);
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "NONE", &s), DCIPHER_OK);
    assert_int_equal(s.mac_len, 0);
    assert_string_equal(s.auth, "none");

    assert_int_equal(dcipher_suite_lookup("NONE", "SHA256", &s), DCIPHER_OK);
    assert_string_equal(s.cipher, "none");
    assert_int_equal(s.mode, DCIPHER_MODE_NONE);
    assert_int_equal(s.key_len, 0);
    assert_int_equal(s.mac_len, 32);
}

static void test_lookup_bad(void **state)
{
    struct dcipher_suite s;
    char longname[64];

    (void)state;
    assert_int_equal(dcipher_suite_lookup(NULL, NULL, &s), DCIPHER_ERR_UNKNOWN_CIPHER);
    assert_int_equal(dcipher_suite_lookup("", NULL, &s), DCIPHER_ERR_UNKNOWN_CIPHER);
    assert_int_equal(dcipher_suite_lookup("BF-CBC", NULL, &s), DCIPHER_ERR_UNKNOWN_CIPHER);
    assert_int_equal(dcipher_suite_lookup("AES-256-GCM ", NULL, &s), DCIPHER_ERR_UNKNOWN_CIPHER);
    assert_int_equal(dcipher_suite_lookup("AES-256-CFB", NULL, &s), DCIPHER_ERR_UNKNOWN_CIPHER);
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "SHA999", &s), DCIPHER_ERR_UNKNOWN_AUTH);
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "", &s), DCIPHER_ERR_UNKNOWN_AUTH);
    /* An XOF has no fixed length to key an HMAC with. */
    assert_int_equal(dcipher_suite_lookup("none", "SHAKE256", &s), DCIPHER_ERR_UNKNOWN_AUTH);
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(dcipher_suite_lookup("none", longname, &s), DCIPHER_ERR_UNKNOWN_AUTH);

    assert_string_equal(dcipher_cipher_canonical("aes-128-gcm"), "AES-128-GCM");
    assert_string_equal(dcipher_cipher_canonical("None"), "none");
    assert_null(dcipher_cipher_canonical("AES-128"));
    assert_null(dcipher_cipher_canonical(NULL));
}

struct overhead_row {
    const char *cipher;
    const char *auth;
    size_t v2_min, v2_max, v1_max;
};

/* protocol-data.md §4.6. */
static const struct overhead_row overhead_rows[] = {
    { "AES-128-GCM", NULL, 24, 24, 21 },
    { "AES-256-GCM", NULL, 24, 24, 21 },
    { "CHACHA20-POLY1305", NULL, 24, 24, 21 },
    { "AES-256-CBC", "SHA1", 45, 60, 57 },
    { "AES-128-CBC", "SHA256", 57, 72, 69 },
    { "AES-192-CBC", "SHA512", 89, 104, 101 },
    { "none", "SHA1", 28, 28, 25 },
    { "none", "none", 8, 8, 5 },
};

static void test_overhead_table(void **state)
{
    struct dcipher_suite s;

    (void)state;
    for (size_t i = 0; i < sizeof(overhead_rows) / sizeof(overhead_rows[0]); i++) {
        const struct overhead_row *r = &overhead_rows[i];
        size_t min = SIZE_MAX;

        assert_int_equal(dcipher_suite_lookup(r->cipher, r->auth, &s), DCIPHER_OK);
        assert_int_equal(dcipher_overhead_max(&s, 4), r->v2_max);
        assert_int_equal(dcipher_overhead_max(&s, 1), r->v1_max);
        for (size_t len = 0; len < 64; len++) {
            size_t o = dcipher_sealed_len(&s, 4, len) - len;

            assert_true(o <= r->v2_max);
            min = o < min ? o : min;
        }
        assert_int_equal(min, r->v2_min);
    }
}

/* §3.5 and §4.1/§4.2 [OBS] datagram sizes. */
static void test_observed_sizes(void **state)
{
    struct dcipher_suite s;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("AES-256-GCM", NULL, &s), DCIPHER_OK);
    assert_int_equal(dcipher_sealed_len(&s, 4, 228), 252);
    assert_int_equal(dcipher_sealed_len(&s, 4, 84), 108);
    assert_int_equal(dcipher_sealed_len(&s, 4, 16), 40);
    assert_int_equal(dcipher_suite_lookup("CHACHA20-POLY1305", NULL, &s), DCIPHER_OK);
    assert_int_equal(dcipher_sealed_len(&s, 4, 228), 252);
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "SHA256", &s), DCIPHER_OK);
    assert_int_equal(dcipher_sealed_len(&s, 4, 228), 292);
    assert_int_equal(dcipher_suite_lookup("none", "SHA1", &s), DCIPHER_OK);
    assert_int_equal(dcipher_sealed_len(&s, 4, 48), 76);
}

/* §11.2: MSS = plain_max(1492 - 28) - compression framing - 40, as observed. */
static void test_mss_from_plain_max(void **state)
{
    struct dcipher_suite s;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("AES-256-GCM", NULL, &s), DCIPHER_OK);
    assert_int_equal(dcipher_plain_max(&s, 4, 1464) - 40, 1400);
    assert_int_equal(dcipher_plain_max(&s, 4, 1464) - 1 - 40, 1399);
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "SHA1", &s), DCIPHER_OK);
    assert_int_equal(dcipher_plain_max(&s, 4, 1464) - 40, 1379);
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "SHA256", &s), DCIPHER_OK);
    assert_int_equal(dcipher_plain_max(&s, 4, 1464) - 40, 1363);
    assert_int_equal(dcipher_suite_lookup("none", "SHA1", &s), DCIPHER_OK);
    assert_int_equal(dcipher_plain_max(&s, 4, 1464) - 40, 1396);

    /* plain_max is exact: one more byte no longer fits, for every suite and many sizes. */
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        assert_int_equal(dcipher_plain_max(&s, 4, dcipher_head_len(&s, 4)), 0);
        for (size_t pkt = 60; pkt < 200; pkt++) {
            size_t m = dcipher_plain_max(&s, 4, pkt);

            if (m == 0)
                continue;
            assert_true(dcipher_sealed_len(&s, 4, m) <= pkt);
            assert_true(dcipher_sealed_len(&s, 4, m + 1) > pkt);
        }
    }
}

/* ---- known answers ---- */

/* Every suite, both headers, every length: byte-exact against the one-shot EVP reference. */
static void test_seal_matches_reference(void **state)
{
    static uint8_t got[MEM_LEN], want[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (size_t j = 0; j < NLENGTHS; j++) {
            for (int v = 0; v < 2; v++) {
                const uint8_t *hdr = v ? hdr_v2k : hdr_v1;
                size_t hdr_len = v ? 4 : 1, want_len;
                uint32_t pid = (uint32_t)(0x01000000u * j + 0x10001u * (uint32_t)i + 1u);
                size_t got_len = seal_to(&enc, pid, hdr, hdr_len, lengths[j], got);

                ref_seal(&s, hdr, hdr_len, pid, plain, lengths[j], want, &want_len);
                assert_int_equal(got_len, want_len);
                assert_memory_equal(got, want, want_len);
            }
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

/* Packets built by the reference open to the original plaintext and packet-id. */
static void test_open_reference_packets(void **state)
{
    static uint8_t want[MEM_LEN], mem[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;
    size_t want_len;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (size_t j = 0; j < NLENGTHS; j++) {
            ref_seal(&s, hdr_v2, 4, 0xfedcba98u, plain, lengths[j], want, &want_len);
            assert_int_equal(open_copy(&dec, want, want_len, mem, &p, &pid), DCIPHER_OK);
            assert_int_equal(pid, 0xfedcba98u);
            assert_int_equal(pktbuf_len(&p), lengths[j]);
            assert_memory_equal(pktbuf_data(&p), plain, lengths[j]);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

static void test_python_vectors(void **state)
{
    uint8_t mem[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;

    (void)state;
    for (size_t i = 0; i < sizeof(py_vectors) / sizeof(py_vectors[0]); i++) {
        const struct py_vector *v = &py_vectors[i];

        assert_int_equal(dcipher_suite_lookup(v->cipher, v->auth, &s), DCIPHER_OK);
        key_pair(&s, &enc, &dec);
        load(&p, mem, py_plain, v->plain_len);
        assert_int_equal(dcipher_seal(&enc, &p, v->pid, v->pkt, v->hdr_len, test_iv, v->iv_len),
                         DCIPHER_OK);
        assert_int_equal(pktbuf_len(&p), v->pkt_len);
        assert_memory_equal(pktbuf_data(&p), v->pkt, v->pkt_len);

        assert_int_equal(open_copy(&dec, v->pkt, v->pkt_len, mem, &p, &pid), DCIPHER_OK);
        assert_int_equal(pid, v->pid);
        assert_int_equal(pktbuf_len(&p), v->plain_len);
        assert_memory_equal(pktbuf_data(&p), py_plain, v->plain_len);
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

/* ---- round trips ---- */

/* cipher none + auth none, or CBC + auth none: nothing detects a change. */
static bool unauthenticated_suite(const struct dcipher_suite *s)
{
    return s->mode != DCIPHER_MODE_AEAD && s->mac_len == 0;
}

/* For those: a changed packet is dropped, or opens to something other than the original. */
static void expect_changed_or_dropped(int rc, const struct pktbuf *p, uint32_t pid,
                                      uint32_t want_pid, size_t plain_len)
{
    if (rc != DCIPHER_OK) {
        assert_true(rc < 0 && rc > -DCIPHER_DROP_REASONS);
        return;
    }
    assert_true(pid != want_pid || pktbuf_len(p) != plain_len ||
                memcmp(pktbuf_data(p), plain, plain_len) != 0);
}

static void test_round_trip(void **state)
{
    static uint8_t mem[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (size_t len = 0; len <= 1400; len += (len < 40 ? 1 : 97)) {
            load(&p, mem, plain, len);
            assert_int_equal(
                dcipher_seal(&enc, &p, (uint32_t)len + 1, hdr_v2, 4, test_iv, s.iv_len),
                DCIPHER_OK);
            assert_int_equal(pktbuf_headroom(&p), HEADROOM - dcipher_head_len(&s, 4));
            assert_memory_equal(pktbuf_data(&p), hdr_v2, 4);
            assert_int_equal(dcipher_open(&dec, &p, &pid), DCIPHER_OK);
            assert_int_equal(pid, (uint32_t)len + 1);
            /* The plaintext is back where it was: nothing was copied around. */
            assert_int_equal(pktbuf_headroom(&p), HEADROOM);
            assert_int_equal(pktbuf_len(&p), len);
            assert_memory_equal(pktbuf_data(&p), plain, len);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

/* The same key, many packets, out of order, with failed opens in between: no state leaks. */
static void test_key_reuse_and_failures(void **state)
{
    static uint8_t pkts[4][MEM_LEN], mem[MEM_LEN];
    size_t lens[4];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;
    int rc;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (uint32_t n = 0; n < 4; n++)
            lens[n] = seal_to(&enc, n + 1, hdr_v1, 1, 100 + n, pkts[n]);
        for (int n = 3; n >= 0; n--) {
            pkts[n][lens[n] - 1] ^= 1;
            rc = open_copy(&dec, pkts[n], lens[n], mem, &p, &pid);
            if (unauthenticated_suite(&s))
                expect_changed_or_dropped(rc, &p, pid, (uint32_t)n + 1, 100 + (size_t)n);
            else
                assert_true(rc < 0 && rc > -DCIPHER_DROP_REASONS);
            pkts[n][lens[n] - 1] ^= 1;
            assert_int_equal(open_copy(&dec, pkts[n], lens[n], mem, &p, &pid), DCIPHER_OK);
            assert_int_equal(pid, (uint32_t)n + 1);
            assert_int_equal(pktbuf_len(&p), 100 + (size_t)n);
            assert_memory_equal(pktbuf_data(&p), plain, 100 + (size_t)n);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

/* ---- tampering ---- */

/*
 * Which header bits may change without detection: AEAD covers the V2 header but not the V1
 * opcode byte, CBC and none cover no header (§1.5). Opcode bits always break the header parse.
 */
static bool header_bit_unauthenticated(const struct dcipher_suite *s, size_t hdr_len, size_t byte,
                                       unsigned bit)
{
    if (byte == 0 && bit >= 3)
        return false;
    return !(s->mode == DCIPHER_MODE_AEAD && hdr_len == 4);
}

static void flip_every_bit(const struct dcipher_key *dec, const uint8_t *pkt, size_t len,
                           size_t hdr_len, uint32_t want_pid, size_t plain_len)
{
    static uint8_t copy[MEM_LEN], mem[MEM_LEN];
    const struct dcipher_suite *s = &dec->suite;
    struct pktbuf p;
    uint32_t pid;

    for (size_t byte = 0; byte < len; byte++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            int rc;

            memcpy(copy, pkt, len);
            copy[byte] ^= (uint8_t)(1u << bit);
            rc = open_copy(dec, copy, len, mem, &p, &pid);
            if (byte < hdr_len && header_bit_unauthenticated(s, hdr_len, byte, bit)) {
                assert_int_equal(rc, DCIPHER_OK);
                assert_memory_equal(pktbuf_data(&p), plain, plain_len);
            } else if (byte >= hdr_len && unauthenticated_suite(s)) {
                expect_changed_or_dropped(rc, &p, pid, want_pid, plain_len);
            } else {
                assert_true(rc < 0 && rc > -DCIPHER_DROP_REASONS);
            }
        }
    }
}

static void test_every_bit_flip_rejected(void **state)
{
    static uint8_t pkt[MEM_LEN];
    static const size_t flip_lengths[] = { 0, 17 };
    struct dcipher_suite s;
    struct dcipher_key enc, dec;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (size_t j = 0; j < 2; j++) {
            size_t len = seal_to(&enc, 77, hdr_v2, 4, flip_lengths[j], pkt);

            flip_every_bit(&dec, pkt, len, 4, 77, flip_lengths[j]);
            len = seal_to(&enc, 78, hdr_v1, 1, flip_lengths[j], pkt);
            flip_every_bit(&dec, pkt, len, 1, 78, flip_lengths[j]);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

static void test_every_truncation_rejected(void **state)
{
    static uint8_t pkt[MEM_LEN], mem[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (size_t j = 0; j < NLENGTHS; j++) {
            size_t len = seal_to(&enc, 5, hdr_v2, 4, lengths[j], pkt);

            for (size_t cut = 0; cut < len; cut++) {
                int rc = open_copy(&dec, pkt, cut, mem, &p, &pid);

                if (unauthenticated_suite(&s))
                    expect_changed_or_dropped(rc, &p, pid, 5, lengths[j]);
                else
                    assert_true(rc < 0 && rc > -DCIPHER_DROP_REASONS);
            }
            /* The short end: exact reasons. */
            assert_int_equal(open_copy(&dec, pkt, 0, mem, &p, &pid), DCIPHER_ERR_TRUNCATED);
            assert_int_equal(open_copy(&dec, pkt, 3, mem, &p, &pid), DCIPHER_ERR_TRUNCATED);
            assert_int_equal(open_copy(&dec, pkt, dcipher_head_len(&s, 4) - 1, mem, &p, &pid),
                             DCIPHER_ERR_TRUNCATED);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

static void test_wrong_key_rejected(void **state)
{
    static uint8_t pkt[MEM_LEN], mem[MEM_LEN];
    uint8_t other_c[DCIPHER_SLOT_LEN], other_h[DCIPHER_SLOT_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec, wrong;
    struct pktbuf p;
    uint32_t pid;

    (void)state;
    memcpy(other_c, cslot, sizeof(other_c));
    memcpy(other_h, hslot, sizeof(other_h));
    other_c[5] ^= 0x40;
    other_h[7] ^= 0x01; /* inside the implicit IV and inside every HMAC key */
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        if (unauthenticated_suite(&s))
            continue;
        key_pair(&s, &enc, &dec);
        size_t len = seal_to(&enc, 9, hdr_v2, 4, 40, pkt);
        int want = s.mode == DCIPHER_MODE_AEAD ? DCIPHER_ERR_BAD_TAG : DCIPHER_ERR_BAD_HMAC;

        /* Another HMAC key (or implicit IV). */
        assert_int_equal(dcipher_key_init(&wrong, &s, DCIPHER_DECRYPT, cslot, sizeof(cslot),
                                          other_h, sizeof(other_h)),
                         DCIPHER_OK);
        assert_int_equal(open_copy(&wrong, pkt, len, mem, &p, &pid), want);
        dcipher_key_cleanup(&wrong);
        /* Another cipher key: AEAD fails the tag; CBC authenticates but cannot recover it. */
        if (s.mode != DCIPHER_MODE_NONE) {
            assert_int_equal(dcipher_key_init(&wrong, &s, DCIPHER_DECRYPT, other_c, sizeof(other_c),
                                              hslot, sizeof(hslot)),
                             DCIPHER_OK);
            int rc = open_copy(&wrong, pkt, len, mem, &p, &pid);
            if (s.mode == DCIPHER_MODE_AEAD)
                assert_int_equal(rc, DCIPHER_ERR_BAD_TAG);
            else
                assert_true(rc != DCIPHER_OK || pid != 9 ||
                            memcmp(pktbuf_data(&p), plain, 40) != 0);
            dcipher_key_cleanup(&wrong);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

/* §1.5 / §3.3: the V2 header is in the AAD, the V1 opcode byte is not. */
static void test_aead_header_authentication(void **state)
{
    static uint8_t pkt[MEM_LEN], mem[MEM_LEN], v1[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        if (s.mode != DCIPHER_MODE_AEAD)
            continue;
        key_pair(&s, &enc, &dec);
        size_t len = seal_to(&enc, 3, hdr_v2k, 4, 33, pkt);

        pkt[3] ^= 0x01; /* peer-id 0x123457 */
        assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_TAG);
        pkt[3] ^= 0x01;
        pkt[0] = 0x4a; /* key id 2 */
        assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_TAG);
        pkt[0] = 0x4b;
        assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_OK);
        /* The same body re-framed as P_DATA_V1 loses the header from the AAD. */
        v1[0] = 0x33;
        memcpy(v1 + 1, pkt + 4, len - 4);
        assert_int_equal(open_copy(&dec, v1, len - 3, mem, &p, &pid), DCIPHER_ERR_BAD_TAG);

        /* V1: a different key id in the opcode byte is not authenticated. */
        len = seal_to(&enc, 4, hdr_v1, 1, 33, pkt);
        pkt[0] = 0x35;
        assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_OK);
        assert_int_equal(pid, 4);
        assert_memory_equal(pktbuf_data(&p), plain, 33);
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

/* CBC packets with a valid HMAC around broken plaintext structure. */
static void test_cbc_bad_padding(void **state)
{
    static uint8_t pkt[MEM_LEN], mem[MEM_LEN];
    uint8_t body[32];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;
    size_t len;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("AES-256-CBC", "SHA256", &s), DCIPHER_OK);
    key_pair(&s, &enc, &dec);
    memset(body, 0x07, sizeof(body)); /* pid 0x07070707, payload, padding bytes to vary */

    body[15] = 0x00; /* pad length 0 */
    ref_cbc_body(&s, hdr_v2, 4, body, 16, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_PADDING);
    body[15] = 0x11; /* pad length 17 > block */
    ref_cbc_body(&s, hdr_v2, 4, body, 16, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_PADDING);
    body[15] = 0x03; /* says 3, but the byte before the last two is 0x07 */
    body[14] = 0x03;
    ref_cbc_body(&s, hdr_v2, 4, body, 16, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_PADDING);
    body[13] = 0x03; /* now consistent: 13 bytes = pid + 9 payload bytes */
    ref_cbc_body(&s, hdr_v2, 4, body, 16, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_OK);
    assert_int_equal(pid, 0x07070707u);
    assert_int_equal(pktbuf_len(&p), 9);
    memset(body + 16, 0x10, 16); /* a whole block of padding after a full first block */
    ref_cbc_body(&s, hdr_v2, 4, body, 32, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_OK);
    assert_int_equal(pktbuf_len(&p), 12);

    /* Authentic, but no room for the packet-id: all padding, or 2 bytes before the padding. */
    memset(body, 0x10, 16);
    ref_cbc_body(&s, hdr_v2, 4, body, 16, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_LENGTH);
    memset(body + 2, 0x0e, 14);
    ref_cbc_body(&s, hdr_v2, 4, body, 16, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_BAD_LENGTH);

    /* Ciphertext not whole blocks: refused on the length alone, before the HMAC. */
    memset(body, 0x01, 32);
    ref_cbc_body(&s, hdr_v2, 4, body, 32, false, pkt, &len);
    assert_int_equal(open_copy(&dec, pkt, len - 1, mem, &p, &pid), DCIPHER_ERR_BAD_LENGTH);
    assert_int_equal(open_copy(&dec, pkt, len + 5, mem, &p, &pid), DCIPHER_ERR_BAD_LENGTH);
    dcipher_key_cleanup(&enc);
    dcipher_key_cleanup(&dec);
}

/* ---- parameters and room ---- */

static void expect_unchanged(const struct pktbuf *p, const uint8_t *mem, const uint8_t *before,
                             size_t head, size_t len)
{
    assert_int_equal(pktbuf_headroom(p), head);
    assert_int_equal(pktbuf_len(p), len);
    assert_memory_equal(mem, before, p->cap);
}

static void test_room_checks(void **state)
{
    static uint8_t mem[MEM_LEN], before[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;

    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        lookup(&cases[i], &s);
        key_pair(&s, &enc, &dec);
        for (size_t len = 0; len < 40; len += 13) {
            size_t head = dcipher_head_len(&s, 4);
            size_t pad = dcipher_sealed_len(&s, 4, len) - head - len;

            /* Headroom one short. */
            pktbuf_init(&p, mem, head - 1 + len + pad, head - 1);
            memcpy(pktbuf_put(&p, len), plain, len);
            memcpy(before, mem, p.cap);
            assert_int_equal(dcipher_seal(&enc, &p, 1, hdr_v2, 4, test_iv, s.iv_len),
                             DCIPHER_ERR_NO_ROOM);
            expect_unchanged(&p, mem, before, head - 1, len);
            /* Tailroom one short (only CBC appends). */
            if (pad > 0) {
                pktbuf_init(&p, mem, head + len + pad - 1, head);
                memcpy(pktbuf_put(&p, len), plain, len);
                memcpy(before, mem, p.cap);
                assert_int_equal(dcipher_seal(&enc, &p, 1, hdr_v2, 4, test_iv, s.iv_len),
                                 DCIPHER_ERR_NO_ROOM);
                expect_unchanged(&p, mem, before, head, len);
            }
            /* Exactly enough. */
            pktbuf_init(&p, mem, head + len + pad, head);
            memcpy(pktbuf_put(&p, len), plain, len);
            assert_int_equal(dcipher_seal(&enc, &p, 1, hdr_v2, 4, test_iv, s.iv_len), DCIPHER_OK);
            assert_int_equal(pktbuf_headroom(&p), 0);
            assert_int_equal(pktbuf_tailroom(&p), 0);
        }
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

static void test_seal_bad_params(void **state)
{
    static uint8_t mem[MEM_LEN], before[MEM_LEN];
    static const uint8_t control_hdr[1] = { 0x20 }; /* P_CONTROL_V1 */
    static const uint8_t v2_long[5] = { 0x48, 0, 0, 1, 0 };
    static const uint8_t v1_long[4] = { 0x30, 0, 0, 1 };
    struct dcipher_suite s, cbc;
    struct dcipher_key enc, dec, cenc, cdec, zero;
    struct pktbuf p;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("AES-128-GCM", NULL, &s), DCIPHER_OK);
    assert_int_equal(dcipher_suite_lookup("AES-128-CBC", "SHA1", &cbc), DCIPHER_OK);
    key_pair(&s, &enc, &dec);
    key_pair(&cbc, &cenc, &cdec);
    memset(&zero, 0, sizeof(zero));
    load(&p, mem, plain, 10);
    memcpy(before, mem, MEM_LEN);

    assert_int_equal(dcipher_seal(&zero, &p, 1, hdr_v2, 4, NULL, 0), DCIPHER_ERR_NO_KEY);
    assert_int_equal(dcipher_seal(&dec, &p, 1, hdr_v2, 4, NULL, 0), DCIPHER_ERR_DIRECTION);
    assert_int_equal(dcipher_seal(&enc, &p, 0, hdr_v2, 4, NULL, 0), DCIPHER_ERR_PACKET_ID);
    assert_int_equal(dcipher_seal(&enc, &p, 1, NULL, 0, NULL, 0), DCIPHER_ERR_BAD_HDR);
    assert_int_equal(dcipher_seal(&enc, &p, 1, hdr_v2, 0, NULL, 0), DCIPHER_ERR_BAD_HDR);
    assert_int_equal(dcipher_seal(&enc, &p, 1, hdr_v2, 3, NULL, 0), DCIPHER_ERR_BAD_HDR);
    assert_int_equal(dcipher_seal(&enc, &p, 1, v1_long, 4, NULL, 0), DCIPHER_ERR_BAD_HDR);
    assert_int_equal(dcipher_seal(&enc, &p, 1, v2_long, 5, NULL, 0), DCIPHER_ERR_BAD_HDR);
    assert_int_equal(dcipher_seal(&enc, &p, 1, control_hdr, 1, NULL, 0), DCIPHER_ERR_BAD_HDR);
    assert_int_equal(dcipher_seal(&cenc, &p, 1, hdr_v2, 4, NULL, 16), DCIPHER_ERR_BAD_IV);
    assert_int_equal(dcipher_seal(&cenc, &p, 1, hdr_v2, 4, test_iv, 15), DCIPHER_ERR_BAD_IV);
    assert_int_equal(dcipher_seal(&cenc, &p, 1, hdr_v2, 4, test_iv, 8), DCIPHER_ERR_BAD_IV);
    expect_unchanged(&p, mem, before, HEADROOM, 10);

    /* Too big: the sealed packet would exceed one UDP payload. */
    {
        static uint8_t big[DCIPHER_PACKET_MAX + 512];
        struct pktbuf b;
        size_t max = dcipher_plain_max(&s, 4, DCIPHER_PACKET_MAX);

        pktbuf_init(&b, big, sizeof(big), 64);
        assert_non_null(pktbuf_put(&b, max + 1));
        assert_int_equal(dcipher_seal(&enc, &b, 1, hdr_v2, 4, NULL, 0), DCIPHER_ERR_TOO_BIG);
        assert_true(pktbuf_trim(&b, 1));
        assert_int_equal(dcipher_seal(&enc, &b, 1, hdr_v2, 4, NULL, 0), DCIPHER_OK);
        assert_int_equal(pktbuf_len(&b), DCIPHER_PACKET_MAX);
        pktbuf_init(&b, big, sizeof(big), 0);
        assert_non_null(pktbuf_put(&b, DCIPHER_PACKET_MAX + 1));
        uint32_t pid;
        assert_int_equal(dcipher_open(&dec, &b, &pid), DCIPHER_ERR_TOO_BIG);
    }
    dcipher_key_cleanup(&enc);
    dcipher_key_cleanup(&dec);
    dcipher_key_cleanup(&cenc);
    dcipher_key_cleanup(&cdec);
}

static void test_open_bad_params(void **state)
{
    static uint8_t pkt[MEM_LEN], mem[MEM_LEN];
    struct dcipher_suite s;
    struct dcipher_key enc, dec, zero;
    struct pktbuf p;
    uint32_t pid;
    size_t len;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("CHACHA20-POLY1305", NULL, &s), DCIPHER_OK);
    key_pair(&s, &enc, &dec);
    memset(&zero, 0, sizeof(zero));
    len = seal_to(&enc, 1, hdr_v2, 4, 10, pkt);
    assert_int_equal(open_copy(&zero, pkt, len, mem, &p, &pid), DCIPHER_ERR_NO_KEY);
    assert_int_equal(open_copy(&enc, pkt, len, mem, &p, &pid), DCIPHER_ERR_DIRECTION);
    pkt[0] = 0x20; /* P_CONTROL_V1 */
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_NOT_DATA);
    pkt[0] = 0x08; /* key-method 1 */
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_NOT_DATA);
    pkt[0] = 0xf8; /* opcode 31 */
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_NOT_DATA);
    dcipher_key_cleanup(&enc);
    dcipher_key_cleanup(&dec);
    /* A cleaned-up key is refused, and cleaning up again is harmless. */
    assert_int_equal(open_copy(&dec, pkt, len, mem, &p, &pid), DCIPHER_ERR_NO_KEY);
    dcipher_key_cleanup(&dec);
    dcipher_key_cleanup(NULL);
}

static void test_key_init_errors(void **state)
{
    static const uint8_t zeros[DCIPHER_SLOT_LEN];
    struct dcipher_suite s;
    struct dcipher_key k;

    (void)state;
    assert_int_equal(dcipher_suite_lookup("AES-256-GCM", NULL, &s), DCIPHER_OK);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, cslot, 31, hslot, 8),
                     DCIPHER_ERR_KEY_LEN);
    assert_false(k.ready);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, cslot, 32, hslot, 7),
                     DCIPHER_ERR_KEY_LEN);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, NULL, 32, hslot, 8),
                     DCIPHER_ERR_KEY_LEN);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, zeros, 64, hslot, 8),
                     DCIPHER_ERR_WEAK_KEY);
    assert_null(k.cipher);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, cslot, 32, hslot, 8), DCIPHER_OK);
    assert_true(k.ready);
    assert_memory_equal(k.implicit_iv, hslot, 8);
    dcipher_key_cleanup(&k);
    assert_false(k.ready);
    assert_null(k.cipher);
    assert_memory_equal(k.implicit_iv, zeros, 8); /* wiped */

    assert_int_equal(dcipher_suite_lookup("AES-128-CBC", "SHA512", &s), DCIPHER_OK);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_DECRYPT, cslot, 16, hslot, 63),
                     DCIPHER_ERR_KEY_LEN);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_DECRYPT, cslot, 16, hslot, 64), DCIPHER_OK);
    dcipher_key_cleanup(&k);

    /* cipher none needs no cipher key at all; an all-zero HMAC key is openvpn's business. */
    assert_int_equal(dcipher_suite_lookup("none", "SHA1", &s), DCIPHER_OK);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, NULL, 0, hslot, 20), DCIPHER_OK);
    assert_null(k.cipher);
    assert_non_null(k.mac);
    dcipher_key_cleanup(&k);
    assert_int_equal(dcipher_suite_lookup("none", "none", &s), DCIPHER_OK);
    assert_int_equal(dcipher_key_init(&k, &s, DCIPHER_ENCRYPT, NULL, 0, NULL, 0), DCIPHER_OK);
    assert_null(k.mac);
    dcipher_key_cleanup(&k);
}

static void test_packet_id(void **state)
{
    uint32_t last = 0, next = 0;

    (void)state;
    assert_int_equal(dcipher_packet_id_next(&last, &next), DCIPHER_OK);
    assert_int_equal(next, 1); /* the first packet of a key carries id 1 */
    assert_int_equal(last, 1);
    assert_false(dcipher_packet_id_renegotiate(last));
    assert_false(dcipher_packet_id_renegotiate(0xFEFFFFFFu));
    assert_true(dcipher_packet_id_renegotiate(0xFF000000u));
    assert_false(dcipher_packet_id_exhausted(0xFFFFFFFEu));
    last = 0xFFFFFFFEu;
    assert_int_equal(dcipher_packet_id_next(&last, &next), DCIPHER_OK);
    assert_int_equal(next, 0xFFFFFFFFu);
    assert_true(dcipher_packet_id_exhausted(last));
    assert_int_equal(dcipher_packet_id_next(&last, &next), DCIPHER_ERR_PACKET_ID);
    assert_int_equal(last, 0xFFFFFFFFu);
    assert_int_equal(next, 0xFFFFFFFFu);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(dcipher_strerror(DCIPHER_OK), "ok");
    assert_string_equal(dcipher_strerror(DCIPHER_ERR_BAD_TAG), "AEAD tag mismatch");
    assert_string_equal(dcipher_strerror(DCIPHER_ERR_WEAK_KEY), "all-zero cipher key");
    for (int e = 0; e >= DCIPHER_ERR_WEAK_KEY; e--)
        assert_string_not_equal(dcipher_strerror(e), "unknown error");
    assert_string_equal(dcipher_strerror(DCIPHER_ERR_WEAK_KEY - 1), "unknown error");
    assert_string_equal(dcipher_strerror(1), "unknown error");
    assert_string_equal(dcipher_strerror(-2147483647 - 1), "unknown error");
}

/* ---- the hot path does not allocate (AEAD, and none without HMAC) ---- */

static bool mem_hooked;
static unsigned long allocations;

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    allocations++;
    return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    allocations++;
    return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

static void test_no_allocation_per_packet(void **state)
{
    static uint8_t mem[MEM_LEN];
    static const struct suite_case alloc_free[] = { { "AES-256-GCM", NULL },
                                                    { "CHACHA20-POLY1305", NULL },
                                                    { "none", "none" } };
    struct dcipher_suite s;
    struct dcipher_key enc, dec;
    struct pktbuf p;
    uint32_t pid;

    (void)state;
    if (!mem_hooked)
        skip();
    for (size_t i = 0; i < 3; i++) {
        lookup(&alloc_free[i], &s);
        key_pair(&s, &enc, &dec);
        allocations = 0;
        for (uint32_t n = 1; n <= 50; n++) {
            load(&p, mem, plain, 1000);
            assert_int_equal(dcipher_seal(&enc, &p, n, hdr_v2, 4, NULL, 0), DCIPHER_OK);
            if (n % 5 == 0)
                pktbuf_data(&p)[30] ^= 1; /* failed opens must not allocate either */
            (void)!dcipher_open(&dec, &p, &pid);
        }
        assert_int_equal(allocations, 0);
        dcipher_key_cleanup(&enc);
        dcipher_key_cleanup(&dec);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_lookup_bad),
        cmocka_unit_test(test_overhead_table),
        cmocka_unit_test(test_observed_sizes),
        cmocka_unit_test(test_mss_from_plain_max),
        cmocka_unit_test(test_seal_matches_reference),
        cmocka_unit_test(test_open_reference_packets),
        cmocka_unit_test(test_python_vectors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_key_reuse_and_failures),
        cmocka_unit_test(test_every_bit_flip_rejected),
        cmocka_unit_test(test_every_truncation_rejected),
        cmocka_unit_test(test_wrong_key_rejected),
        cmocka_unit_test(test_aead_header_authentication),
        cmocka_unit_test(test_cbc_bad_padding),
        cmocka_unit_test(test_room_checks),
        cmocka_unit_test(test_seal_bad_params),
        cmocka_unit_test(test_open_bad_params),
        cmocka_unit_test(test_key_init_errors),
        cmocka_unit_test(test_packet_id),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_no_allocation_per_packet),
    };

    /* Must come before OpenSSL's first allocation to take effect. */
    mem_hooked = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
    return cmocka_run_group_tests(tests, setup_patterns, NULL);
}
