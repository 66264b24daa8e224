/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control-packet wrapping: the per-session object, mode dispatch, replay handling and the
 * libcrypto helpers. Sections refer to shared/docs/protocol-control.md.
 */
#include "ctlwrap_priv.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "secret.h"

/* ---- libcrypto helpers ---- */

/* Output size of a digest HMAC can use, or 0 (unknown, extendable-output, too long). */
static size_t digest_size(const char *digest)
{
    EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
    int size = md ? EVP_MD_get_size(md) : 0;
    bool xof = md && (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF);

    EVP_MD_free(md);
    /* The key is a prefix of a 64-byte hmac slot as long as the digest (§3.1). */
    if (xof || size <= 0 || (size_t)size > CTLWRAP_HMAC_MAX)
        return 0;
    return (size_t)size;
}

int ctlwrap_mac_new(struct ctlwrap_mac *m, const char *digest)
{
    EVP_MAC *mac;
    OSSL_PARAM params[2];

    m->ctx = NULL;
    m->len = digest_size(digest);
    if (m->len == 0)
        return CTLWRAP_ERR_PARAM;
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    m->ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (!m->ctx)
        return CTLWRAP_ERR_CRYPTO;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_CTX_set_params(m->ctx, params) ? CTLWRAP_OK : CTLWRAP_ERR_PARAM;
}

int ctlwrap_mac_key(struct ctlwrap_mac *m, const uint8_t *key)
{
    return EVP_MAC_init(m->ctx, key, m->len, NULL) ? CTLWRAP_OK : CTLWRAP_ERR_CRYPTO;
}

bool ctlwrap_mac_begin(struct ctlwrap_mac *m)
{
    /* A NULL key restarts the message with the key already loaded. */
    return EVP_MAC_init(m->ctx, NULL, 0, NULL) == 1;
}

bool ctlwrap_mac_add(struct ctlwrap_mac *m, const uint8_t *p, size_t n)
{
    return n == 0 || EVP_MAC_update(m->ctx, p, n) == 1;
}

bool ctlwrap_mac_end(struct ctlwrap_mac *m, uint8_t *out)
{
    size_t got = 0;

    return EVP_MAC_final(m->ctx, out, &got, CTLWRAP_HMAC_MAX) == 1 && got == m->len;
}

void ctlwrap_mac_free(struct ctlwrap_mac *m)
{
    EVP_MAC_CTX_free(m->ctx);
    m->ctx = NULL;
}

int ctlwrap_ctr_new(struct ctlwrap_ctr *c)
{
    c->ctx = EVP_CIPHER_CTX_new();
    return c->ctx ? CTLWRAP_OK : CTLWRAP_ERR_CRYPTO;
}

int ctlwrap_ctr_key(struct ctlwrap_ctr *c, const uint8_t *key)
{
    return EVP_CipherInit_ex(c->ctx, EVP_aes_256_ctr(), NULL, key, NULL, 1) ? CTLWRAP_OK
                                                                            : CTLWRAP_ERR_CRYPTO;
}

bool ctlwrap_ctr_start(struct ctlwrap_ctr *c, const uint8_t *iv)
{
    /* CTR encrypts and decrypts alike; only the IV changes per packet. */
    return EVP_CipherInit_ex(c->ctx, NULL, NULL, NULL, iv, 1) == 1;
}

bool ctlwrap_ctr_update(struct ctlwrap_ctr *c, const uint8_t *in, uint8_t *out, size_t n)
{
    int got = 0;

    if (n == 0)
        return true;
    if (n > INT_MAX)
        return false;
    return EVP_CipherUpdate(c->ctx, out, &got, in, (int)n) == 1 && (size_t)got == n;
}

bool ctlwrap_ctr_run(struct ctlwrap_ctr *c, const uint8_t *iv, const uint8_t *in, uint8_t *out,
                     size_t n)
{
    return ctlwrap_ctr_start(c, iv) && ctlwrap_ctr_update(c, in, out, n);
}

void ctlwrap_ctr_free(struct ctlwrap_ctr *c)
{
    EVP_CIPHER_CTX_free(c->ctx);
    c->ctx = NULL;
}

/* ---- errors ---- */

const char *ctlwrap_strerror(int err)
{
    static const char *const text[CTLWRAP_REASONS] = {
        "ok",
        "truncated packet",
        "opcode not carried by this wrapping",
        "all-zero session id",
        "packet authentication failed",
        "replayed or out-of-window packet-id",
        "bad wrapped client key length",
        "wrapped client key authentication failed",
        "output buffer too small",
        "send packet-id exhausted",
        "bad parameter",
        "key file does not parse",
        "key has the wrong length",
        "crypto library failure",
    };

    if (err > 0 || err <= -CTLWRAP_REASONS)
        return "unknown error";
    return text[-err];
}

int ctlwrap_from_wire(int wire_err)
{
    switch (wire_err) {
    case WIRE_OK:
        return CTLWRAP_OK;
    case WIRE_ERR_TRUNCATED:
        return CTLWRAP_ERR_TRUNCATED;
    case WIRE_ERR_ZERO_SID:
        return CTLWRAP_ERR_SID;
    case WIRE_ERR_WKC_LEN:
        return CTLWRAP_ERR_WKC_LEN;
    default:
        return CTLWRAP_ERR_OPCODE;
    }
}

int ctlwrap_check_head(const struct buf_reader *r, uint8_t *opcode)
{
    struct buf_reader copy = *r;
    struct wire_control c;
    int rc = ctlwrap_from_wire(wire_control_head_parse(&copy, &c));

    *opcode = rc == CTLWRAP_OK ? c.opcode : 0;
    return rc;
}

/* ---- construction ---- */

void ctlwrap_params_init(struct ctlwrap_params *p)
{
    memset(p, 0, sizeof(*p));
    p->mode = CTLWRAP_NONE;
    p->role = CTLWRAP_SERVER;
    p->key_direction = CTLWRAP_KEY_DIR_BIDI;
    p->digest = "SHA1";
    p->replay_window = REPLAY_WINDOW_DEFAULT;
    p->replay_time = REPLAY_TIME_DEFAULT;
}

static bool wkc_valid(const uint8_t *wkc, size_t len)
{
    struct buf_reader r;

    if (!wkc || len < WIRE_WKC_MIN_LEN || len > WIRE_WKC_MAX_LEN)
        return false;
    buf_reader_init(&r, wkc, len);
    buf_skip(&r, len - 2);
    return buf_read_u16(&r) == len;
}

static int params_check(const struct ctlwrap_params *p)
{
    if (p->mode > CTLWRAP_TLS_CRYPT_V2 || (p->role != CTLWRAP_SERVER && p->role != CTLWRAP_CLIENT))
        return CTLWRAP_ERR_PARAM;
    if (p->replay_window > REPLAY_WINDOW_MAX || p->replay_time > REPLAY_TIME_MAX)
        return CTLWRAP_ERR_PARAM;
    if (p->mode == CTLWRAP_NONE)
        return CTLWRAP_OK;
    if (!p->key)
        return CTLWRAP_ERR_PARAM;
    if (p->mode == CTLWRAP_TLS_AUTH &&
        (p->key_direction < CTLWRAP_KEY_DIR_BIDI || p->key_direction > 1 || !p->digest))
        return CTLWRAP_ERR_PARAM;
    if (p->mode == CTLWRAP_TLS_CRYPT_V2 && p->role == CTLWRAP_CLIENT &&
        !wkc_valid(p->wkc, p->wkc_len))
        return CTLWRAP_ERR_PARAM;
    return CTLWRAP_OK;
}

static int dir_new(struct ctlwrap_dir *d, enum ctlwrap_mode mode, const char *digest)
{
    int rc = ctlwrap_mac_new(&d->mac, mode == CTLWRAP_TLS_AUTH ? digest : "SHA256");

    if (rc == CTLWRAP_OK && mode != CTLWRAP_TLS_AUTH)
        rc = ctlwrap_ctr_new(&d->ctr);
    return rc;
}

/* Byte offsets into the key of a direction's cipher and hmac keys (§3.2, §4.1). */
struct key_offsets {
    size_t cipher, hmac;
};

#define KEY0_CIPHER 0u
#define KEY0_HMAC   64u
#define KEY1_CIPHER 128u
#define KEY1_HMAC   192u

static struct key_offsets offsets(const struct ctlwrap *cw, bool send)
{
    struct key_offsets k0 = { KEY0_CIPHER, KEY0_HMAC }, k1 = { KEY1_CIPHER, KEY1_HMAC };

    if (cw->mode == CTLWRAP_TLS_AUTH) {
        if (cw->key_direction == CTLWRAP_KEY_DIR_BIDI)
            return k0;
        /* Direction 0 sends with keys[0] and receives with keys[1]; 1 the other way round. */
        return (cw->key_direction == 0) == send ? k0 : k1;
    }
    /* tls-crypt: the server sends with keys[0] (opposite to the data channel). */
    return (cw->role == CTLWRAP_SERVER) == send ? k0 : k1;
}

static int dir_key(struct ctlwrap *cw, struct ctlwrap_dir *d, const uint8_t *key, bool send)
{
    struct key_offsets o = offsets(cw, send);
    struct buf_reader r;
    const uint8_t *hmac, *cipher;
    int rc;

    buf_reader_init(&r, key, CTLWRAP_KEY_LEN);
    buf_skip(&r, o.cipher);
    cipher = buf_read_view(&r, CTLWRAP_AES_KEY_LEN);
    buf_reader_init(&r, key, CTLWRAP_KEY_LEN);
    buf_skip(&r, o.hmac);
    hmac = buf_read_view(&r, d->mac.len);
    if (!cipher || !hmac)
        return CTLWRAP_ERR_PARAM;
    rc = ctlwrap_mac_key(&d->mac, hmac);
    if (rc == CTLWRAP_OK && cw->mode != CTLWRAP_TLS_AUTH)
        rc = ctlwrap_ctr_key(&d->ctr, cipher);
    return rc;
}

static int load_keys(struct ctlwrap *cw, const uint8_t *key)
{
    int rc = dir_key(cw, &cw->tx, key, true);

    return rc ? rc : dir_key(cw, &cw->rx, key, false);
}

static int setup(struct ctlwrap *cw, const struct ctlwrap_params *p)
{
    int rc;

    if (p->mode == CTLWRAP_NONE)
        return CTLWRAP_OK; /* no replay id on the wire, nothing to keep */
    if (replay_init(&cw->replay, p->replay_window, p->replay_time, true) != REPLAY_OK)
        return CTLWRAP_ERR_CRYPTO; /* parameters were checked: only allocation fails */
    rc = dir_new(&cw->tx, p->mode, p->digest);
    if (rc == CTLWRAP_OK)
        rc = dir_new(&cw->rx, p->mode, p->digest);
    if (rc == CTLWRAP_OK)
        rc = load_keys(cw, p->key);
    if (rc == CTLWRAP_OK && p->mode == CTLWRAP_TLS_CRYPT_V2 && p->role == CTLWRAP_CLIENT) {
        memcpy(cw->wkc, p->wkc, p->wkc_len);
        cw->wkc_len = p->wkc_len;
        cw->tx_start = WIRE_EARLY_NEG_REPLAY_MARKER; /* §5.4 */
    }
    return rc;
}

int ctlwrap_new(const struct ctlwrap_params *p, struct ctlwrap **out)
{
    struct ctlwrap *cw;
    int rc = params_check(p);

    *out = NULL;
    if (rc)
        return rc;
    cw = calloc(1, sizeof(*cw));
    if (!cw)
        return CTLWRAP_ERR_CRYPTO;
    cw->mode = p->mode;
    cw->role = p->role;
    cw->key_direction = p->key_direction;
    cw->tx_time = p->send_time;
    rc = setup(cw, p);
    if (rc) {
        ctlwrap_free(cw);
        return rc;
    }
    cw->tx_id = cw->tx_start;
    *out = cw;
    return CTLWRAP_OK;
}

void ctlwrap_free(struct ctlwrap *cw)
{
    if (!cw)
        return;
    ctlwrap_mac_free(&cw->tx.mac);
    ctlwrap_mac_free(&cw->rx.mac);
    ctlwrap_ctr_free(&cw->tx.ctr);
    ctlwrap_ctr_free(&cw->rx.ctr);
    replay_cleanup(&cw->replay);
    secret_free(cw, sizeof(*cw));
}

int ctlwrap_rekey(struct ctlwrap *cw, const uint8_t *key)
{
    int rc;

    if (cw->mode == CTLWRAP_NONE || !key)
        return CTLWRAP_ERR_PARAM;
    rc = load_keys(cw, key);
    replay_reset(&cw->replay);
    cw->tx_id = cw->tx_start;
    return rc;
}

enum ctlwrap_mode ctlwrap_mode_of(const struct ctlwrap *cw)
{
    return cw->mode;
}

void ctlwrap_set_send_id(struct ctlwrap *cw, uint32_t last_sent)
{
    cw->tx_id = last_sent;
}

uint32_t ctlwrap_last_send_id(const struct ctlwrap *cw)
{
    return cw->tx_id;
}

bool ctlwrap_carries_wkc(uint8_t opcode)
{
    return opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 || opcode == WIRE_P_CONTROL_WKC_V1;
}

size_t ctlwrap_overhead(const struct ctlwrap *cw, uint8_t opcode)
{
    switch (cw->mode) {
    case CTLWRAP_TLS_AUTH:
        return cw->tx.mac.len + WIRE_REPLAY_ID_LEN;
    case CTLWRAP_TLS_CRYPT:
        return CTLWRAP_TLS_CRYPT_OVERHEAD;
    case CTLWRAP_TLS_CRYPT_V2:
        return CTLWRAP_TLS_CRYPT_OVERHEAD + (ctlwrap_carries_wkc(opcode) ? cw->wkc_len : 0);
    default:
        return 0;
    }
}

/* ---- wrap ---- */

/* Only a v2 client sends the opcodes that carry a WKc. */
static bool may_send(const struct ctlwrap *cw, uint8_t opcode)
{
    return !ctlwrap_carries_wkc(opcode) || cw->wkc_len != 0;
}

static int split_plain(const struct ctlwrap *cw, const uint8_t *pkt, size_t len,
                       struct ctlwrap_plain *p)
{
    struct buf_reader r;
    int rc;

    buf_reader_init(&r, pkt, len);
    rc = ctlwrap_check_head(&r, &p->opcode);
    if (rc)
        return rc;
    if (!may_send(cw, p->opcode))
        return CTLWRAP_ERR_OPCODE;
    p->head = buf_read_view(&r, WIRE_CONTROL_HEAD_LEN);
    p->rest_len = buf_remaining(&r);
    p->rest = buf_read_view(&r, p->rest_len);
    return CTLWRAP_OK;
}

static int copy_plain(const struct ctlwrap_plain *p, struct buf_writer *out)
{
    size_t n = WIRE_CONTROL_HEAD_LEN + p->rest_len; /* rest_len < the input's length */
    uint8_t *dst = buf_write_reserve(out, n);
    struct buf_writer w;

    if (!dst)
        return CTLWRAP_ERR_NO_ROOM;
    buf_writer_init(&w, dst, n);
    buf_write_bytes(&w, p->head, WIRE_CONTROL_HEAD_LEN);
    buf_write_bytes(&w, p->rest, p->rest_len);
    return CTLWRAP_OK;
}

int ctlwrap_wrap_id(struct ctlwrap *cw, const uint8_t *plain, size_t len,
                    const struct wire_replay_id *rid, struct buf_writer *out)
{
    struct ctlwrap_plain p;
    int rc = split_plain(cw, plain, len, &p);

    if (rc)
        return rc;
    if (!rid && cw->mode != CTLWRAP_NONE)
        return CTLWRAP_ERR_PARAM;
    switch (cw->mode) {
    case CTLWRAP_TLS_AUTH:
        return ctlwrap_auth_seal(cw, &p, rid, out);
    case CTLWRAP_TLS_CRYPT:
    case CTLWRAP_TLS_CRYPT_V2:
        return ctlwrap_crypt_seal(cw, &p, rid, out);
    default:
        return copy_plain(&p, out);
    }
}

int ctlwrap_wrap(struct ctlwrap *cw, const uint8_t *plain, size_t len, struct buf_writer *out)
{
    struct wire_replay_id rid;
    int rc;

    if (cw->mode == CTLWRAP_NONE)
        return ctlwrap_wrap_id(cw, plain, len, NULL, out);
    /* The long form may only restart with a new time (§3.5); a session never gets there. */
    if (cw->tx_id == UINT32_MAX)
        return CTLWRAP_ERR_PID_WRAP;
    rid.id = cw->tx_id + 1;
    rid.time = cw->tx_time;
    rc = ctlwrap_wrap_id(cw, plain, len, &rid, out);
    if (rc == CTLWRAP_OK)
        cw->tx_id = rid.id;
    return rc;
}

/* ---- unwrap ---- */

/*
 * Opcodes 10 and 11 reach only a v2 server, which drops the trailing WKc: the session already
 * has Kc, and a first packet's WKc was unwrapped by the caller (ctlwrap_wkc_unwrap()).
 */
static int strip_wkc(const struct ctlwrap *cw, const uint8_t **pkt, size_t *len)
{
    struct wire_wkc_split s;
    uint8_t opcode, key_id;
    int rc = wire_first_byte(*pkt, *len, &opcode, &key_id);

    if (rc)
        return ctlwrap_from_wire(rc);
    if (!ctlwrap_carries_wkc(opcode))
        return CTLWRAP_OK;
    if (cw->mode != CTLWRAP_TLS_CRYPT_V2 || cw->role != CTLWRAP_SERVER)
        return CTLWRAP_ERR_OPCODE;
    rc = wire_wkc_split(*pkt, *len, &s);
    if (rc)
        return ctlwrap_from_wire(rc);
    *pkt = s.packet;
    *len = s.packet_len;
    return CTLWRAP_OK;
}

static int none_verify(const uint8_t *pkt, size_t len, struct ctlwrap_opened *o)
{
    struct buf_reader r;
    uint8_t opcode;
    int rc;

    buf_reader_init(&r, pkt, len);
    rc = ctlwrap_check_head(&r, &opcode);
    if (rc)
        return rc;
    o->head = buf_read_view(&r, WIRE_CONTROL_HEAD_LEN);
    o->rest_len = buf_remaining(&r);
    o->rest = buf_read_view(&r, o->rest_len);
    o->tag = NULL;
    o->rid.id = 0;
    o->rid.time = 0;
    return CTLWRAP_OK;
}

static int verify(struct ctlwrap *cw, const uint8_t *pkt, size_t len, struct ctlwrap_opened *o)
{
    int rc = strip_wkc(cw, &pkt, &len);

    if (rc)
        return rc;
    switch (cw->mode) {
    case CTLWRAP_TLS_AUTH:
        return ctlwrap_auth_verify(cw, pkt, len, o);
    case CTLWRAP_TLS_CRYPT:
    case CTLWRAP_TLS_CRYPT_V2:
        return ctlwrap_crypt_verify(cw, pkt, len, o);
    default:
        return none_verify(pkt, len, o);
    }
}

static int emit(struct ctlwrap *cw, const struct ctlwrap_opened *o, struct buf_writer *out)
{
    struct ctlwrap_plain p = { 0, o->head, o->rest, o->rest_len };

    if (cw->mode == CTLWRAP_TLS_CRYPT || cw->mode == CTLWRAP_TLS_CRYPT_V2)
        return ctlwrap_crypt_emit(cw, o, out);
    return copy_plain(&p, out);
}

/* The plain packet is never longer than the wrapped one, so `len` bounds the room needed. */
static bool room_for(const struct buf_writer *out, const struct ctlwrap_opened *o)
{
    return buf_writer_ok(out) && o->rest_len <= buf_writer_room(out) &&
           buf_writer_room(out) - o->rest_len >= WIRE_CONTROL_HEAD_LEN;
}

static int no_room(struct buf_writer *out)
{
    /* Reserving more than is left sets the sticky flag, as any overflow does. */
    (void)buf_write_reserve(out, buf_writer_room(out) + 1);
    return CTLWRAP_ERR_NO_ROOM;
}

int ctlwrap_open(struct ctlwrap *cw, const uint8_t *pkt, size_t len, struct buf_writer *plain_out,
                 struct wire_replay_id *rid)
{
    struct ctlwrap_opened o;
    int rc = verify(cw, pkt, len, &o);

    if (rc)
        return rc;
    if (!room_for(plain_out, &o))
        return no_room(plain_out);
    rc = emit(cw, &o, plain_out);
    if (rc == CTLWRAP_OK)
        *rid = o.rid;
    return rc;
}

int ctlwrap_replay_commit(struct ctlwrap *cw, const struct wire_replay_id *rid, uint64_t now_ms)
{
    if (cw->mode == CTLWRAP_NONE)
        return CTLWRAP_OK;
    if (replay_commit(&cw->replay, rid->id, rid->time, now_ms) != REPLAY_OK)
        return CTLWRAP_ERR_REPLAY;
    return CTLWRAP_OK;
}

int ctlwrap_unwrap(struct ctlwrap *cw, const uint8_t *pkt, size_t len, uint64_t now_ms,
                   struct buf_writer *plain_out)
{
    struct ctlwrap_opened o;
    int rc = verify(cw, pkt, len, &o);

    if (rc)
        return rc;
    if (cw->mode != CTLWRAP_NONE &&
        replay_check(&cw->replay, o.rid.id, o.rid.time, now_ms) != REPLAY_OK)
        return CTLWRAP_ERR_REPLAY;
    if (!room_for(plain_out, &o))
        return no_room(plain_out);
    rc = emit(cw, &o, plain_out);
    if (rc)
        return rc;
    return ctlwrap_replay_commit(cw, &o.rid, now_ms);
}
