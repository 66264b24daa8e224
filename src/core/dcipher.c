/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data-channel suites; section numbers refer to shared/docs/protocol-data.md.
 *
 * Every per-packet OpenSSL call reuses the contexts keyed in dcipher_key_init(): the cipher
 * context only gets a new IV (no allocation), the HMAC context is re-initialised with its stored
 * key. (OpenSSL 3.0 still duplicates a digest context internally on each HMAC re-init; there is
 * no allocation-free HMAC in its non-deprecated API.)
 */
#include "dcipher.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "buf.h"
#include "secret.h"
#include "wire.h"

/* ---- errors ---- */

const char *dcipher_strerror(int err)
{
    static const char *const msg[] = {
        [0] = "ok",
        [1] = "truncated data packet",
        [2] = "not a data packet",
        [3] = "bad ciphertext length",
        [4] = "AEAD tag mismatch",
        [5] = "HMAC mismatch",
        [6] = "bad padding",
        [7] = "packet too big",
        [8] = "key not initialised",
        [9] = "key used in the wrong direction",
        [10] = "crypto library failure",
        [11] = "no room in packet buffer",
        [12] = "bad data header",
        [13] = "bad CBC IV",
        [14] = "packet-id 0 or exhausted",
        [15] = "unknown cipher",
        [16] = "unknown or unusable auth digest",
        [17] = "key slot too short",
        [18] = "all-zero cipher key",
    };

    if (err > 0 || (size_t) - (long)err >= sizeof(msg) / sizeof(msg[0]))
        return "unknown error";
    return msg[-err];
}

/* ---- suite table ---- */

struct cipher_info {
    const char *name; /* OpenVPN spelling */
    const char *evp;  /* OpenSSL fetch name */
    enum dcipher_mode mode;
    size_t key_len;
    size_t block_len;
};

static const struct cipher_info ciphers[] = {
    { "AES-128-GCM", "AES-128-GCM", DCIPHER_MODE_AEAD, 16, 1 },
    { "AES-192-GCM", "AES-192-GCM", DCIPHER_MODE_AEAD, 24, 1 },
    { "AES-256-GCM", "AES-256-GCM", DCIPHER_MODE_AEAD, 32, 1 },
    { "CHACHA20-POLY1305", "ChaCha20-Poly1305", DCIPHER_MODE_AEAD, 32, 1 },
    { "AES-128-CBC", "AES-128-CBC", DCIPHER_MODE_CBC, 16, 16 },
    { "AES-192-CBC", "AES-192-CBC", DCIPHER_MODE_CBC, 24, 16 },
    { "AES-256-CBC", "AES-256-CBC", DCIPHER_MODE_CBC, 32, 16 },
    { "none", NULL, DCIPHER_MODE_NONE, 0, 1 },
};

static const struct cipher_info *cipher_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
        if (strcasecmp(name, ciphers[i].name) == 0)
            return &ciphers[i];
    }
    return NULL;
}

const char *dcipher_cipher_canonical(const char *cipher)
{
    const struct cipher_info *c = cipher_find(cipher);

    return c ? c->name : NULL;
}

/*
 * Asks OpenSSL rather than keeping a list, so every digest `--auth` accepts works. Digests whose
 * output exceeds a 64-byte slot or their own block size, and XOFs, cannot key an HMAC here.
 */
static int auth_resolve(const char *auth, struct dcipher_suite *s)
{
    EVP_MD *md;
    int size, block;
    bool xof;

    if (!auth)
        auth = "SHA1";
    if (strlen(auth) >= sizeof(s->auth))
        return DCIPHER_ERR_UNKNOWN_AUTH;
    if (strcasecmp(auth, "none") == 0) {
        snprintf(s->auth, sizeof(s->auth), "none");
        return DCIPHER_OK;
    }
    md = EVP_MD_fetch(NULL, auth, NULL);
    if (!md) {
        ERR_clear_error();
        return DCIPHER_ERR_UNKNOWN_AUTH;
    }
    size = EVP_MD_get_size(md);
    block = EVP_MD_get_block_size(md);
    xof = (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0;
    EVP_MD_free(md);
    if (xof || size <= 0 || (size_t)size > DCIPHER_MAC_MAX || size > block)
        return DCIPHER_ERR_UNKNOWN_AUTH;
    snprintf(s->auth, sizeof(s->auth), "%s", auth);
    s->hmac_key_len = (size_t)size;
    s->mac_len = (size_t)size;
    return DCIPHER_OK;
}

int dcipher_suite_lookup(const char *cipher, const char *auth, struct dcipher_suite *out)
{
    const struct cipher_info *c = cipher_find(cipher);

    memset(out, 0, sizeof(*out));
    if (!c)
        return DCIPHER_ERR_UNKNOWN_CIPHER;
    out->cipher = c->name;
    out->evp_name = c->evp;
    out->mode = c->mode;
    out->key_len = c->key_len;
    out->block_len = c->block_len;
    if (c->mode == DCIPHER_MODE_AEAD) {
        out->hmac_key_len = DCIPHER_IMPLICIT_IV_LEN;
        out->mac_len = DCIPHER_TAG_LEN;
        return DCIPHER_OK;
    }
    if (c->mode == DCIPHER_MODE_CBC)
        out->iv_len = c->block_len;
    return auth_resolve(auth, out);
}

/* ---- sizes ---- */

size_t dcipher_head_len(const struct dcipher_suite *s, size_t hdr_len)
{
    return hdr_len + s->mac_len + s->iv_len + DCIPHER_PID_LEN;
}

size_t dcipher_tail_max(const struct dcipher_suite *s)
{
    return s->mode == DCIPHER_MODE_CBC ? s->block_len : 0;
}

size_t dcipher_overhead_max(const struct dcipher_suite *s, size_t hdr_len)
{
    return dcipher_head_len(s, hdr_len) + dcipher_tail_max(s);
}

/* PKCS#7 always pads, 1..block bytes, so that packet-id + payload + pad fills whole blocks. */
static size_t pad_len(const struct dcipher_suite *s, size_t plain_len)
{
    if (s->mode != DCIPHER_MODE_CBC)
        return 0;
    return s->block_len - (DCIPHER_PID_LEN + plain_len) % s->block_len;
}

size_t dcipher_sealed_len(const struct dcipher_suite *s, size_t hdr_len, size_t plain_len)
{
    return dcipher_head_len(s, hdr_len) + plain_len + pad_len(s, plain_len);
}

size_t dcipher_plain_max(const struct dcipher_suite *s, size_t hdr_len, size_t packet_len)
{
    size_t fixed = dcipher_head_len(s, hdr_len);
    size_t room;

    if (packet_len <= fixed)
        return 0;
    room = packet_len - fixed;
    if (s->mode != DCIPHER_MODE_CBC)
        return room;
    /* The packet-id already counts in `fixed`; whole blocks must hold it, the payload and >= 1 pad.
     */
    room = (room + DCIPHER_PID_LEN) / s->block_len * s->block_len;
    return room > DCIPHER_PID_LEN ? room - DCIPHER_PID_LEN - 1 : 0;
}

/* ---- keys ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static int init_cipher(struct dcipher_key *k, const uint8_t *key)
{
    const struct dcipher_suite *s = &k->suite;
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, s->evp_name, NULL);
    size_t want_iv = s->mode == DCIPHER_MODE_AEAD ? DCIPHER_NONCE_LEN : s->iv_len;
    bool ok;

    if (!c)
        return DCIPHER_ERR_CRYPTO;
    ok = (size_t)EVP_CIPHER_get_key_length(c) == s->key_len &&
         (size_t)EVP_CIPHER_get_iv_length(c) == want_iv &&
         (size_t)EVP_CIPHER_get_block_size(c) == s->block_len &&
         (k->cipher = EVP_CIPHER_CTX_new()) != NULL &&
         EVP_CipherInit_ex2(k->cipher, c, key, NULL, k->dir == DCIPHER_ENCRYPT, NULL);
    /* Padding is added and checked here, so that CBC works in place on whole blocks. */
    if (ok && s->mode == DCIPHER_MODE_CBC)
        ok = EVP_CIPHER_CTX_set_padding(k->cipher, 0);
    EVP_CIPHER_free(c);
    return ok ? DCIPHER_OK : DCIPHER_ERR_CRYPTO;
}

static int init_mac(struct dcipher_key *k, const uint8_t *key)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[2];

    if (!mac)
        return DCIPHER_ERR_CRYPTO;
    k->mac = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, k->suite.auth, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!k->mac || !EVP_MAC_init(k->mac, key, k->suite.hmac_key_len, params) ||
        EVP_MAC_CTX_get_mac_size(k->mac) != k->suite.mac_len)
        return DCIPHER_ERR_CRYPTO;
    return DCIPHER_OK;
}

static int key_setup(struct dcipher_key *k, const uint8_t *cipher_key, const uint8_t *hmac_key)
{
    const struct dcipher_suite *s = &k->suite;
    int rc = DCIPHER_OK;

    if (s->mode != DCIPHER_MODE_NONE) {
        if (all_zero(cipher_key, s->key_len))
            return DCIPHER_ERR_WEAK_KEY;
        rc = init_cipher(k, cipher_key);
    }
    if (rc == DCIPHER_OK && s->mode == DCIPHER_MODE_AEAD)
        memcpy(k->implicit_iv, hmac_key, DCIPHER_IMPLICIT_IV_LEN);
    else if (rc == DCIPHER_OK && s->mac_len > 0)
        rc = init_mac(k, hmac_key);
    return rc;
}

int dcipher_key_init(struct dcipher_key *k, const struct dcipher_suite *suite, enum dcipher_dir dir,
                     const uint8_t *cipher_key, size_t cipher_key_len, const uint8_t *hmac_key,
                     size_t hmac_key_len)
{
    int rc;

    memset(k, 0, sizeof(*k));
    if (!cipher_key)
        cipher_key_len = 0;
    if (!hmac_key)
        hmac_key_len = 0;
    if (cipher_key_len < suite->key_len || hmac_key_len < suite->hmac_key_len ||
        suite->mac_len > DCIPHER_MAC_MAX || suite->iv_len > DCIPHER_BLOCK_MAX)
        return DCIPHER_ERR_KEY_LEN;
    k->suite = *suite;
    k->dir = dir;
    rc = key_setup(k, cipher_key, hmac_key);
    if (rc != DCIPHER_OK) {
        ERR_clear_error();
        dcipher_key_cleanup(k);
        return rc;
    }
    k->ready = true;
    return DCIPHER_OK;
}

void dcipher_key_cleanup(struct dcipher_key *k)
{
    if (!k)
        return;
    EVP_CIPHER_CTX_free(k->cipher); /* cleanses the key schedule */
    EVP_MAC_CTX_free(k->mac);
    secret_wipe(k, sizeof(*k));
}

/* ---- primitives shared by the suites ---- */

/* EVP lengths are int; DCIPHER_PACKET_MAX keeps every length far below INT_MAX. */
_Static_assert(DCIPHER_PACKET_MAX < INT_MAX, "EVP length");

static int hmac_compute(const struct dcipher_key *k, const uint8_t *data, size_t len, uint8_t *out)
{
    size_t outl = 0;

    if (!EVP_MAC_init(k->mac, NULL, 0, NULL) || !EVP_MAC_update(k->mac, data, len) ||
        !EVP_MAC_final(k->mac, out, &outl, k->suite.mac_len) || outl != k->suite.mac_len)
        return DCIPHER_ERR_CRYPTO;
    return DCIPHER_OK;
}

/* CBC over whole blocks, in place, in the key's direction. */
static int cbc_run(const struct dcipher_key *k, const uint8_t *iv, uint8_t *data, size_t len)
{
    uint8_t scratch[DCIPHER_BLOCK_MAX];
    int outl = 0, finl = 0;

    if (!EVP_CipherInit_ex2(k->cipher, NULL, NULL, iv, -1, NULL) ||
        !EVP_CipherUpdate(k->cipher, data, &outl, data, (int)len) ||
        !EVP_CipherFinal_ex(k->cipher, scratch, &finl) || (size_t)outl != len || finl != 0)
        return DCIPHER_ERR_CRYPTO;
    return DCIPHER_OK;
}

/* AEAD in place; encrypting writes the tag, decrypting checks it (§3.2-§3.4). */
static int aead_run(const struct dcipher_key *k, const uint8_t *nonce, const uint8_t *aad,
                    size_t aad_len, uint8_t *data, size_t len, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = k->cipher;
    uint8_t scratch[DCIPHER_BLOCK_MAX];
    int outl = 0;

    if (!EVP_CipherInit_ex2(c, NULL, NULL, nonce, -1, NULL) ||
        !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aad_len))
        return DCIPHER_ERR_CRYPTO;
    if (len > 0 && (!EVP_CipherUpdate(c, data, &outl, data, (int)len) || (size_t)outl != len))
        return DCIPHER_ERR_CRYPTO;
    if (k->dir == DCIPHER_DECRYPT) {
        if (!EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, DCIPHER_TAG_LEN, tag))
            return DCIPHER_ERR_CRYPTO;
        return EVP_CipherFinal_ex(c, scratch, &outl) > 0 ? DCIPHER_OK : DCIPHER_ERR_BAD_TAG;
    }
    if (!EVP_CipherFinal_ex(c, scratch, &outl) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, DCIPHER_TAG_LEN, tag))
        return DCIPHER_ERR_CRYPTO;
    return DCIPHER_OK;
}

/* nonce = packet-id || implicit IV; aad = V2 header || packet-id, or packet-id alone for V1. */
static size_t aead_params(const struct dcipher_key *k, const uint8_t *hdr, size_t hdr_len,
                          uint32_t pid, uint8_t nonce[DCIPHER_NONCE_LEN],
                          uint8_t aad[WIRE_DATA_V2_HDR_LEN + DCIPHER_PID_LEN])
{
    struct buf_writer w;

    buf_writer_init(&w, nonce, DCIPHER_NONCE_LEN);
    buf_write_u32(&w, pid);
    buf_write_bytes(&w, k->implicit_iv, DCIPHER_IMPLICIT_IV_LEN);
    buf_writer_init(&w, aad, WIRE_DATA_V2_HDR_LEN + DCIPHER_PID_LEN);
    if (hdr_len == WIRE_DATA_V2_HDR_LEN)
        buf_write_bytes(&w, hdr, hdr_len);
    buf_write_u32(&w, pid);
    return buf_writer_len(&w);
}

static void put_u32(uint8_t *dst, uint32_t v)
{
    struct buf_writer w;

    buf_writer_init(&w, dst, DCIPHER_PID_LEN);
    buf_write_u32(&w, v);
}

static uint32_t get_u32(const uint8_t *src)
{
    struct buf_reader r;

    buf_reader_init(&r, src, DCIPHER_PID_LEN);
    return buf_read_u32(&r);
}

/* ---- seal ---- */

static int seal_aead(const struct dcipher_key *k, struct pktbuf *p, uint32_t pid,
                     const uint8_t *hdr, size_t hdr_len)
{
    uint8_t nonce[DCIPHER_NONCE_LEN];
    uint8_t aad[WIRE_DATA_V2_HDR_LEN + DCIPHER_PID_LEN];
    size_t aad_len = aead_params(k, hdr, hdr_len, pid, nonce, aad);
    uint8_t *payload = pktbuf_data(p);
    size_t len = pktbuf_len(p);
    uint8_t *tag = pktbuf_push(p, DCIPHER_TAG_LEN);
    int rc = aead_run(k, nonce, aad, aad_len, payload, len, tag);

    if (rc == DCIPHER_OK)
        put_u32(pktbuf_push(p, DCIPHER_PID_LEN), pid);
    return rc;
}

/* Prepends HMAC(everything currently in p) when the suite has an auth digest. */
static int push_hmac(const struct dcipher_key *k, struct pktbuf *p)
{
    const uint8_t *region = pktbuf_data(p);
    size_t len = pktbuf_len(p);

    if (k->suite.mac_len == 0)
        return DCIPHER_OK;
    return hmac_compute(k, region, len, pktbuf_push(p, k->suite.mac_len));
}

static int seal_cbc(const struct dcipher_key *k, struct pktbuf *p, uint32_t pid, const uint8_t *iv)
{
    size_t pad = pad_len(&k->suite, pktbuf_len(p));
    int rc;

    put_u32(pktbuf_push(p, DCIPHER_PID_LEN), pid);
    memset(pktbuf_put(p, pad), (int)pad, pad);
    rc = cbc_run(k, iv, pktbuf_data(p), pktbuf_len(p));
    if (rc != DCIPHER_OK)
        return rc;
    memcpy(pktbuf_push(p, k->suite.iv_len), iv, k->suite.iv_len);
    return push_hmac(k, p);
}

static int seal_none(const struct dcipher_key *k, struct pktbuf *p, uint32_t pid)
{
    put_u32(pktbuf_push(p, DCIPHER_PID_LEN), pid);
    return push_hmac(k, p);
}

/* Everything that can make seal fail without touching p. */
static int seal_check(const struct dcipher_key *k, const struct pktbuf *p, uint32_t pid,
                      const uint8_t *hdr, size_t hdr_len, const uint8_t *iv, size_t iv_len)
{
    const struct dcipher_suite *s = &k->suite;
    struct wire_data wd;
    size_t len = pktbuf_len(p);

    if (!k->ready)
        return DCIPHER_ERR_NO_KEY;
    if (k->dir != DCIPHER_ENCRYPT)
        return DCIPHER_ERR_DIRECTION;
    if (pid == 0)
        return DCIPHER_ERR_PACKET_ID;
    if (!hdr || wire_data_parse(hdr, hdr_len, &wd) != WIRE_OK || wd.body_len != 0)
        return DCIPHER_ERR_BAD_HDR;
    if (s->mode == DCIPHER_MODE_CBC && (!iv || iv_len != s->iv_len))
        return DCIPHER_ERR_BAD_IV;
    if (len > DCIPHER_PACKET_MAX || dcipher_sealed_len(s, hdr_len, len) > DCIPHER_PACKET_MAX)
        return DCIPHER_ERR_TOO_BIG;
    if (pktbuf_headroom(p) < dcipher_head_len(s, hdr_len) || pktbuf_tailroom(p) < pad_len(s, len))
        return DCIPHER_ERR_NO_ROOM;
    return DCIPHER_OK;
}

int dcipher_seal(const struct dcipher_key *k, struct pktbuf *p, uint32_t packet_id,
                 const uint8_t *hdr, size_t hdr_len, const uint8_t *iv, size_t iv_len)
{
    int rc = seal_check(k, p, packet_id, hdr, hdr_len, iv, iv_len);

    if (rc != DCIPHER_OK)
        return rc;
    switch (k->suite.mode) {
    case DCIPHER_MODE_AEAD:
        rc = seal_aead(k, p, packet_id, hdr, hdr_len);
        break;
    case DCIPHER_MODE_CBC:
        rc = seal_cbc(k, p, packet_id, iv);
        break;
    case DCIPHER_MODE_NONE:
        rc = seal_none(k, p, packet_id);
        break;
    }
    if (rc == DCIPHER_OK)
        memcpy(pktbuf_push(p, hdr_len), hdr, hdr_len);
    return rc;
}

/* ---- open ---- */

static int open_aead(const struct dcipher_key *k, struct pktbuf *p, size_t hdr_len, uint32_t *pid)
{
    uint8_t nonce[DCIPHER_NONCE_LEN];
    uint8_t aad[WIRE_DATA_V2_HDR_LEN + DCIPHER_PID_LEN];
    size_t aad_len;
    const uint8_t *hdr;
    uint8_t *tag;

    if (pktbuf_len(p) < hdr_len + DCIPHER_PID_LEN + DCIPHER_TAG_LEN)
        return DCIPHER_ERR_TRUNCATED;
    hdr = pktbuf_pull(p, hdr_len);
    *pid = get_u32(pktbuf_pull(p, DCIPHER_PID_LEN));
    tag = pktbuf_pull(p, DCIPHER_TAG_LEN);
    aad_len = aead_params(k, hdr, hdr_len, *pid, nonce, aad);
    return aead_run(k, nonce, aad, aad_len, pktbuf_data(p), pktbuf_len(p), tag);
}

/* Strips HMAC (pulled from the front of p) after checking it over the rest of p. */
static int pull_check_hmac(const struct dcipher_key *k, struct pktbuf *p)
{
    uint8_t want[DCIPHER_MAC_MAX];
    const uint8_t *got;
    int rc;

    if (k->suite.mac_len == 0)
        return DCIPHER_OK;
    got = pktbuf_pull(p, k->suite.mac_len);
    rc = hmac_compute(k, pktbuf_data(p), pktbuf_len(p), want);
    if (rc == DCIPHER_OK && !secret_equal(want, got, k->suite.mac_len))
        rc = DCIPHER_ERR_BAD_HMAC;
    return rc;
}

/* PKCS#7: the last byte n is 1..block and the last n bytes all equal n. */
static int strip_padding(const struct dcipher_suite *s, struct pktbuf *p)
{
    struct buf_reader r = pktbuf_reader(p);
    size_t len = pktbuf_len(p);
    uint8_t n, bad = 0;

    buf_skip(&r, len - 1);
    n = buf_read_u8(&r);
    if (n == 0 || n > s->block_len)
        return DCIPHER_ERR_BAD_PADDING;
    r = pktbuf_reader(p);
    buf_skip(&r, len - n);
    for (uint8_t i = 0; i < n; i++)
        bad |= (uint8_t)(buf_read_u8(&r) ^ n);
    if (bad)
        return DCIPHER_ERR_BAD_PADDING;
    pktbuf_trim(p, n);
    return DCIPHER_OK;
}

static int pull_pid(struct pktbuf *p, uint32_t *pid)
{
    const uint8_t *src = pktbuf_pull(p, DCIPHER_PID_LEN);

    if (!src)
        return DCIPHER_ERR_BAD_LENGTH;
    *pid = get_u32(src);
    return DCIPHER_OK;
}

static int open_cbc(const struct dcipher_key *k, struct pktbuf *p, size_t hdr_len, uint32_t *pid)
{
    const struct dcipher_suite *s = &k->suite;
    const uint8_t *iv;
    int rc;

    if (pktbuf_len(p) < hdr_len + s->mac_len + s->iv_len + s->block_len)
        return DCIPHER_ERR_TRUNCATED;
    if ((pktbuf_len(p) - hdr_len - s->mac_len - s->iv_len) % s->block_len != 0)
        return DCIPHER_ERR_BAD_LENGTH;
    pktbuf_pull(p, hdr_len);
    rc = pull_check_hmac(k, p);
    if (rc != DCIPHER_OK)
        return rc;
    iv = pktbuf_pull(p, s->iv_len);
    rc = cbc_run(k, iv, pktbuf_data(p), pktbuf_len(p));
    if (rc == DCIPHER_OK)
        rc = strip_padding(s, p);
    return rc == DCIPHER_OK ? pull_pid(p, pid) : rc;
}

static int open_none(const struct dcipher_key *k, struct pktbuf *p, size_t hdr_len, uint32_t *pid)
{
    int rc;

    if (pktbuf_len(p) < hdr_len + k->suite.mac_len + DCIPHER_PID_LEN)
        return DCIPHER_ERR_TRUNCATED;
    pktbuf_pull(p, hdr_len);
    rc = pull_check_hmac(k, p);
    return rc == DCIPHER_OK ? pull_pid(p, pid) : rc;
}

int dcipher_open(const struct dcipher_key *k, struct pktbuf *p, uint32_t *packet_id)
{
    struct wire_data wd;
    int rc;

    if (!k->ready)
        return DCIPHER_ERR_NO_KEY;
    if (k->dir != DCIPHER_DECRYPT)
        return DCIPHER_ERR_DIRECTION;
    if (pktbuf_len(p) > DCIPHER_PACKET_MAX)
        return DCIPHER_ERR_TOO_BIG;
    rc = wire_data_parse(pktbuf_data(p), pktbuf_len(p), &wd);
    if (rc != WIRE_OK)
        return rc == WIRE_ERR_TRUNCATED ? DCIPHER_ERR_TRUNCATED : DCIPHER_ERR_NOT_DATA;
    switch (k->suite.mode) {
    case DCIPHER_MODE_AEAD:
        rc = open_aead(k, p, wd.hdr_len, packet_id);
        break;
    case DCIPHER_MODE_CBC:
        rc = open_cbc(k, p, wd.hdr_len, packet_id);
        break;
    case DCIPHER_MODE_NONE:
        rc = open_none(k, p, wd.hdr_len, packet_id);
        break;
    }
    /* A failed tag check may leave an entry on OpenSSL's error queue; keep it from piling up. */
    if (rc == DCIPHER_ERR_CRYPTO || rc == DCIPHER_ERR_BAD_TAG)
        ERR_clear_error();
    return rc;
}

/* ---- packet-id ---- */

bool dcipher_packet_id_exhausted(uint32_t last_sent)
{
    return last_sent == UINT32_MAX;
}

bool dcipher_packet_id_renegotiate(uint32_t last_sent)
{
    return last_sent >= DCIPHER_PACKET_ID_RENEG;
}

int dcipher_packet_id_next(uint32_t *last_sent, uint32_t *next)
{
    if (dcipher_packet_id_exhausted(*last_sent))
        return DCIPHER_ERR_PACKET_ID;
    *last_sent += 1;
    *next = *last_sent;
    return DCIPHER_OK;
}
