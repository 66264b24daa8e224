/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls-crypt-v2 (protocol-control.md §5): the server key, the wrapped client key
 *   WKc = T || AES-256-CTR(Ke, IV = T[0..16), Kc || metadata) || len
 *   T   = HMAC-SHA256(Ka, len || Kc || metadata),  len = |WKc| as a big-endian u16
 * metadata, key files and key generation.
 */
#include "ctlwrap_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "secret.h"

#define V2_SERVER_HMAC_OFFSET 64u /* Ka = bytes 64..95 of the server key, Ke = 0..31 */
#define WKC_PLAIN_MAX         (CTLWRAP_KEY_LEN + CTLWRAP_MD_MAX_LEN)

struct ctlwrap_v2_server {
    struct ctlwrap_mac mac;
    struct ctlwrap_ctr ctr;
};

/* ---- metadata ---- */

void ctlwrap_metadata_set_timestamp(struct ctlwrap_metadata *md, int64_t unix_time)
{
    struct buf_writer w;

    buf_writer_init(&w, md->data, sizeof(md->data));
    buf_write_u8(&w, CTLWRAP_MD_TIMESTAMP);
    buf_write_u64(&w, (uint64_t)unix_time);
    md->len = buf_writer_len(&w);
}

int ctlwrap_metadata_set_user(struct ctlwrap_metadata *md, const uint8_t *data, size_t len)
{
    struct buf_writer w;

    md->len = 0;
    if (len > CTLWRAP_MD_MAX_LEN - 1 || (len && !data))
        return CTLWRAP_ERR_PARAM;
    buf_writer_init(&w, md->data, sizeof(md->data));
    buf_write_u8(&w, CTLWRAP_MD_USER);
    buf_write_bytes(&w, data, len);
    md->len = buf_writer_len(&w);
    return CTLWRAP_OK;
}

int ctlwrap_metadata_set_user_base64(struct ctlwrap_metadata *md, const char *text, size_t len)
{
    uint8_t user[CTLWRAP_MD_MAX_LEN - 1];
    size_t n = 0;
    int rc;

    md->len = 0;
    if (len && !text)
        return CTLWRAP_ERR_PARAM;
    if (base64_decode(text, len, user, sizeof(user), &n) != 0)
        return CTLWRAP_ERR_PARAM;
    rc = ctlwrap_metadata_set_user(md, user, n);
    secret_wipe(user, sizeof(user));
    return rc;
}

int ctlwrap_metadata_type(const struct ctlwrap_metadata *md)
{
    return md->len ? md->data[0] : -1;
}

bool ctlwrap_metadata_get_timestamp(const struct ctlwrap_metadata *md, int64_t *unix_time)
{
    struct buf_reader r;

    if (md->len != 9 || md->data[0] != CTLWRAP_MD_TIMESTAMP)
        return false;
    buf_reader_init(&r, md->data, md->len);
    buf_skip(&r, 1);
    *unix_time = (int64_t)buf_read_u64(&r);
    return true;
}

/* ---- server key ---- */

int ctlwrap_v2_server_new(const uint8_t *key, struct ctlwrap_v2_server **out)
{
    struct ctlwrap_v2_server *s;
    struct buf_reader r;
    int rc;

    *out = NULL;
    if (!key)
        return CTLWRAP_ERR_PARAM;
    s = calloc(1, sizeof(*s));
    if (!s)
        return CTLWRAP_ERR_CRYPTO;
    buf_reader_init(&r, key, CTLWRAP_V2_SERVER_KEY_LEN);
    buf_skip(&r, V2_SERVER_HMAC_OFFSET);
    rc = ctlwrap_mac_new(&s->mac, "SHA256");
    if (rc == CTLWRAP_OK)
        rc = ctlwrap_mac_key(&s->mac, buf_read_view(&r, CTLWRAP_TAG_LEN));
    if (rc == CTLWRAP_OK)
        rc = ctlwrap_ctr_new(&s->ctr);
    if (rc == CTLWRAP_OK)
        rc = ctlwrap_ctr_key(&s->ctr, key);
    if (rc) {
        ctlwrap_v2_server_free(s);
        return rc;
    }
    *out = s;
    return CTLWRAP_OK;
}

void ctlwrap_v2_server_free(struct ctlwrap_v2_server *s)
{
    if (!s)
        return;
    ctlwrap_mac_free(&s->mac);
    ctlwrap_ctr_free(&s->ctr);
    free(s);
}

/* ---- WKc ---- */

size_t ctlwrap_wkc_len(const struct ctlwrap_metadata *md)
{
    return WIRE_WKC_MIN_LEN + md->len;
}

static bool wkc_tag(struct ctlwrap_v2_server *s, const uint8_t *lenb, const uint8_t *plain,
                    size_t n, uint8_t *tag)
{
    return ctlwrap_mac_begin(&s->mac) && ctlwrap_mac_add(&s->mac, lenb, 2) &&
           ctlwrap_mac_add(&s->mac, plain, n) && ctlwrap_mac_end(&s->mac, tag);
}

/* Writes Kc || metadata to plain (room for WKC_PLAIN_MAX); returns the length. */
static size_t join_plain(const uint8_t *kc, const struct ctlwrap_metadata *md, uint8_t *plain)
{
    struct buf_writer w;

    buf_writer_init(&w, plain, WKC_PLAIN_MAX);
    buf_write_bytes(&w, kc, CTLWRAP_KEY_LEN);
    buf_write_bytes(&w, md->data, md->len);
    return buf_writer_len(&w);
}

static int wkc_seal(struct ctlwrap_v2_server *s, const uint8_t *plain, size_t n,
                    struct buf_writer *out)
{
    uint8_t lenb[2], tag[CTLWRAP_HMAC_MAX], *dst, *ct;
    size_t total = n + CTLWRAP_TAG_LEN + 2;
    struct buf_writer w;

    buf_writer_init(&w, lenb, sizeof(lenb));
    buf_write_u16(&w, (uint16_t)total);
    if (!wkc_tag(s, lenb, plain, n, tag))
        return CTLWRAP_ERR_CRYPTO;
    dst = buf_write_reserve(out, total);
    if (!dst)
        return CTLWRAP_ERR_NO_ROOM;
    buf_writer_init(&w, dst, total);
    buf_write_bytes(&w, tag, CTLWRAP_TAG_LEN);
    ct = buf_write_reserve(&w, n);
    buf_write_bytes(&w, lenb, sizeof(lenb));
    if (!ctlwrap_ctr_run(&s->ctr, tag, plain, ct, n)) {
        secret_wipe(dst, total);
        return CTLWRAP_ERR_CRYPTO;
    }
    return CTLWRAP_OK;
}

int ctlwrap_wkc_wrap(struct ctlwrap_v2_server *s, const uint8_t *kc,
                     const struct ctlwrap_metadata *md, struct buf_writer *out)
{
    uint8_t plain[WKC_PLAIN_MAX];
    size_t n;
    int rc;

    if (!kc || md->len > CTLWRAP_MD_MAX_LEN)
        return CTLWRAP_ERR_PARAM;
    n = join_plain(kc, md, plain);
    rc = wkc_seal(s, plain, n, out);
    secret_wipe(plain, sizeof(plain));
    return rc;
}

static void split_plain(const uint8_t *plain, size_t n, uint8_t *kc, struct ctlwrap_metadata *md)
{
    struct buf_reader r;

    buf_reader_init(&r, plain, n);
    buf_read_bytes(&r, kc, CTLWRAP_KEY_LEN);
    md->len = buf_remaining(&r);
    buf_read_bytes(&r, md->data, md->len);
}

int ctlwrap_wkc_unwrap(struct ctlwrap_v2_server *s, const uint8_t *wkc, size_t len, uint8_t *kc,
                       struct ctlwrap_metadata *md)
{
    uint8_t plain[WKC_PLAIN_MAX], calc[CTLWRAP_HMAC_MAX];
    const uint8_t *tag, *ct, *lenb;
    struct buf_reader r;
    size_t n;
    int rc;

    md->len = 0;
    secret_wipe(kc, CTLWRAP_KEY_LEN);
    if (!wkc || len < WIRE_WKC_MIN_LEN || len > WIRE_WKC_MAX_LEN)
        return CTLWRAP_ERR_WKC_LEN;
    n = len - CTLWRAP_TAG_LEN - 2;
    buf_reader_init(&r, wkc, len);
    tag = buf_read_view(&r, CTLWRAP_TAG_LEN);
    ct = buf_read_view(&r, n);
    lenb = buf_read_view(&r, 2);
    buf_reader_init(&r, lenb, 2);
    if (buf_read_u16(&r) != len)
        return CTLWRAP_ERR_WKC_LEN;
    if (!ctlwrap_ctr_run(&s->ctr, tag, ct, plain, n) || !wkc_tag(s, lenb, plain, n, calc))
        rc = CTLWRAP_ERR_CRYPTO;
    else if (!secret_equal(calc, tag, CTLWRAP_TAG_LEN))
        rc = CTLWRAP_ERR_WKC_AUTH;
    else
        rc = CTLWRAP_OK;
    if (rc == CTLWRAP_OK)
        split_plain(plain, n, kc, md);
    secret_wipe(plain, sizeof(plain));
    return rc;
}

/* ---- key files ---- */

int ctlwrap_v2_server_key_decode(const char *text, size_t len, uint8_t *key, struct pem_error *err)
{
    size_t n = 0;
    int rc = pem_decode_block(text, len, PEM_TLS_CRYPT_V2_SERVER, key, CTLWRAP_V2_SERVER_KEY_LEN,
                              &n, err);

    if (rc == PEM_ERR_SPACE || (rc == 0 && n != CTLWRAP_V2_SERVER_KEY_LEN)) {
        secret_wipe(key, CTLWRAP_V2_SERVER_KEY_LEN);
        return CTLWRAP_ERR_KEY_LEN;
    }
    return rc ? CTLWRAP_ERR_KEY_FILE : CTLWRAP_OK;
}

/* Splits Kc || WKc; the WKc must carry its own length at the end. */
static int split_client_key(const uint8_t *data, size_t n, uint8_t *kc, uint8_t *wkc,
                            size_t *wkc_len)
{
    struct buf_reader r;

    if (n < CTLWRAP_KEY_LEN + WIRE_WKC_MIN_LEN)
        return CTLWRAP_ERR_KEY_LEN;
    *wkc_len = n - CTLWRAP_KEY_LEN;
    buf_reader_init(&r, data, n);
    buf_skip(&r, n - 2);
    if (buf_read_u16(&r) != *wkc_len)
        return CTLWRAP_ERR_WKC_LEN;
    buf_reader_init(&r, data, n);
    buf_read_bytes(&r, kc, CTLWRAP_KEY_LEN);
    buf_read_bytes(&r, wkc, *wkc_len);
    return CTLWRAP_OK;
}

int ctlwrap_v2_client_key_decode(const char *text, size_t len, uint8_t *kc, uint8_t *wkc,
                                 size_t *wkc_len, struct pem_error *err)
{
    uint8_t data[CTLWRAP_KEY_LEN + WIRE_WKC_MAX_LEN];
    size_t n = 0;
    int rc = pem_decode_block(text, len, PEM_TLS_CRYPT_V2_CLIENT, data, sizeof(data), &n, err);

    *wkc_len = 0;
    if (rc == PEM_ERR_SPACE)
        rc = CTLWRAP_ERR_KEY_LEN;
    else if (rc)
        rc = CTLWRAP_ERR_KEY_FILE;
    else
        rc = split_client_key(data, n, kc, wkc, wkc_len);
    secret_wipe(data, sizeof(data));
    if (rc) {
        secret_wipe(kc, CTLWRAP_KEY_LEN);
        secret_wipe(wkc, WIRE_WKC_MAX_LEN);
        *wkc_len = 0;
    }
    return rc;
}

/* ---- key generation ---- */

static int from_pem(int rc)
{
    if (rc == 0)
        return CTLWRAP_OK;
    return rc == PEM_ERR_SPACE ? CTLWRAP_ERR_NO_ROOM : CTLWRAP_ERR_PARAM;
}

int ctlwrap_genkey_static(const uint8_t *random, char *out, size_t cap, size_t *outlen)
{
    if (!random)
        return CTLWRAP_ERR_PARAM;
    return from_pem(pem_static_key_write(random, out, cap, outlen));
}

int ctlwrap_genkey_v2_server(const uint8_t *random, char *out, size_t cap, size_t *outlen)
{
    if (!random)
        return CTLWRAP_ERR_PARAM;
    return from_pem(pem_write_block(PEM_TLS_CRYPT_V2_SERVER, random, CTLWRAP_V2_SERVER_KEY_LEN, out,
                                    cap, outlen));
}

int ctlwrap_genkey_v2_client(struct ctlwrap_v2_server *s, const uint8_t *random,
                             const struct ctlwrap_metadata *md, char *out, size_t cap,
                             size_t *outlen)
{
    uint8_t data[CTLWRAP_KEY_LEN + WIRE_WKC_MAX_LEN];
    struct buf_writer w;
    int rc;

    if (!random)
        return CTLWRAP_ERR_PARAM;
    buf_writer_init(&w, data, sizeof(data));
    buf_write_bytes(&w, random, CTLWRAP_KEY_LEN);
    rc = ctlwrap_wkc_wrap(s, random, md, &w);
    if (rc == CTLWRAP_OK)
        rc = from_pem(
            pem_write_block(PEM_TLS_CRYPT_V2_CLIENT, data, buf_writer_len(&w), out, cap, outlen));
    secret_wipe(data, sizeof(data));
    if (rc && cap > 0)
        out[0] = '\0';
    return rc;
}
