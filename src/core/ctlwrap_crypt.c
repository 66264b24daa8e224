/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls-crypt, protocol-control.md §4.2 (also tls-crypt-v2 with Kc, §5.3, and the dynamic
 * tls-crypt of §11.4):
 *   op/key | sid | replay id | tag | AES-256-CTR(Ke, IV = tag[0..16), rest)
 *   tag = HMAC-SHA256(Ka, op/key | sid | replay id | rest)
 * A v2 client appends its WKc to V3 / WKC_V1; the tag does not cover it.
 */
#include "ctlwrap_priv.h"

#include "secret.h"

#define CRYPT_CLEAR_LEN (WIRE_CONTROL_HEAD_LEN + WIRE_REPLAY_ID_LEN) /* authenticated, clear */
#define CHUNK           256u                                         /* decrypt-for-verify step */

int ctlwrap_crypt_seal(struct ctlwrap *cw, const struct ctlwrap_plain *p,
                       const struct wire_replay_id *rid, struct buf_writer *out)
{
    uint8_t clear[CRYPT_CLEAR_LEN], tag[CTLWRAP_HMAC_MAX], *dst, *ct;
    size_t wkc = ctlwrap_carries_wkc(p->opcode) ? cw->wkc_len : 0;
    size_t n = CTLWRAP_TLS_CRYPT_HDR_LEN + p->rest_len + wkc;
    struct ctlwrap_mac *m = &cw->tx.mac;
    struct buf_writer w;

    buf_writer_init(&w, clear, sizeof(clear));
    buf_write_bytes(&w, p->head, WIRE_CONTROL_HEAD_LEN);
    if (wire_replay_id_build(&w, rid) != WIRE_OK)
        return CTLWRAP_ERR_PARAM;
    if (!ctlwrap_mac_begin(m) || !ctlwrap_mac_add(m, clear, sizeof(clear)) ||
        !ctlwrap_mac_add(m, p->rest, p->rest_len) || !ctlwrap_mac_end(m, tag))
        return CTLWRAP_ERR_CRYPTO;
    dst = buf_write_reserve(out, n);
    if (!dst)
        return CTLWRAP_ERR_NO_ROOM;
    buf_writer_init(&w, dst, n);
    buf_write_bytes(&w, clear, sizeof(clear));
    buf_write_bytes(&w, tag, CTLWRAP_TAG_LEN);
    ct = buf_write_reserve(&w, p->rest_len);
    buf_write_bytes(&w, cw->wkc, wkc);
    if (!ctlwrap_ctr_run(&cw->tx.ctr, tag, p->rest, ct, p->rest_len))
        return CTLWRAP_ERR_CRYPTO;
    return CTLWRAP_OK;
}

/*
 * Decrypts in small steps only to feed the HMAC, so that nothing is written anywhere before the
 * tag has been checked; ctlwrap_crypt_emit() decrypts a second time into the output.
 */
static bool tag_of_ciphertext(struct ctlwrap *cw, const uint8_t *clear, const uint8_t *iv,
                              const uint8_t *ct, size_t len, uint8_t *calc)
{
    struct ctlwrap_mac *m = &cw->rx.mac;
    uint8_t pt[CHUNK];
    struct buf_reader r;
    bool ok = ctlwrap_mac_begin(m) && ctlwrap_mac_add(m, clear, CRYPT_CLEAR_LEN) &&
              ctlwrap_ctr_start(&cw->rx.ctr, iv);

    buf_reader_init(&r, ct, len);
    while (ok && buf_remaining(&r) > 0) {
        size_t k = buf_remaining(&r) < CHUNK ? buf_remaining(&r) : CHUNK;
        ok = ctlwrap_ctr_update(&cw->rx.ctr, buf_read_view(&r, k), pt, k) &&
             ctlwrap_mac_add(m, pt, k);
    }
    secret_wipe(pt, sizeof(pt));
    return ok && ctlwrap_mac_end(m, calc);
}

int ctlwrap_crypt_verify(struct ctlwrap *cw, const uint8_t *pkt, size_t len,
                         struct ctlwrap_opened *o)
{
    uint8_t calc[CTLWRAP_HMAC_MAX], opcode;
    const uint8_t *clear;
    struct buf_reader r;
    int rc;

    buf_reader_init(&r, pkt, len);
    rc = ctlwrap_check_head(&r, &opcode);
    if (rc)
        return rc;
    clear = buf_read_view(&r, CRYPT_CLEAR_LEN);
    o->tag = buf_read_view(&r, CTLWRAP_TAG_LEN);
    if (!buf_reader_ok(&r))
        return CTLWRAP_ERR_TRUNCATED;
    o->head = clear;
    o->rest_len = buf_remaining(&r);
    o->rest = buf_read_view(&r, o->rest_len);
    if (!tag_of_ciphertext(cw, clear, o->tag, o->rest, o->rest_len, calc))
        return CTLWRAP_ERR_CRYPTO;
    if (!secret_equal(calc, o->tag, CTLWRAP_TAG_LEN))
        return CTLWRAP_ERR_AUTH;
    buf_reader_init(&r, clear, CRYPT_CLEAR_LEN);
    buf_skip(&r, WIRE_CONTROL_HEAD_LEN);
    return ctlwrap_from_wire(wire_replay_id_parse(&r, &o->rid));
}

int ctlwrap_crypt_emit(struct ctlwrap *cw, const struct ctlwrap_opened *o, struct buf_writer *out)
{
    size_t n = WIRE_CONTROL_HEAD_LEN + o->rest_len;
    uint8_t *dst = buf_write_reserve(out, n), *pt;
    struct buf_writer w;

    if (!dst)
        return CTLWRAP_ERR_NO_ROOM;
    buf_writer_init(&w, dst, n);
    buf_write_bytes(&w, o->head, WIRE_CONTROL_HEAD_LEN);
    pt = buf_write_reserve(&w, o->rest_len);
    if (!ctlwrap_ctr_run(&cw->rx.ctr, o->tag, o->rest, pt, o->rest_len)) {
        secret_wipe(dst, n);
        return CTLWRAP_ERR_CRYPTO;
    }
    return CTLWRAP_OK;
}
