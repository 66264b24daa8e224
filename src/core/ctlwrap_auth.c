/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls-auth, protocol-control.md §3.4: op/key | sid | HMAC | replay id | rest on the wire, with
 * the HMAC computed over replay id | op/key | sid | rest (the packet "rotated" so the replay id
 * comes first).
 */
#include "ctlwrap_priv.h"

#include "secret.h"

static bool auth_mac(struct ctlwrap_mac *m, const uint8_t *rid, const uint8_t *head,
                     const uint8_t *rest, size_t rest_len, uint8_t *tag)
{
    return ctlwrap_mac_begin(m) && ctlwrap_mac_add(m, rid, WIRE_REPLAY_ID_LEN) &&
           ctlwrap_mac_add(m, head, WIRE_CONTROL_HEAD_LEN) && ctlwrap_mac_add(m, rest, rest_len) &&
           ctlwrap_mac_end(m, tag);
}

int ctlwrap_auth_seal(struct ctlwrap *cw, const struct ctlwrap_plain *p,
                      const struct wire_replay_id *rid, struct buf_writer *out)
{
    uint8_t ridb[WIRE_REPLAY_ID_LEN], tag[CTLWRAP_HMAC_MAX];
    size_t hlen = cw->tx.mac.len;
    size_t n = WIRE_CONTROL_HEAD_LEN + hlen + WIRE_REPLAY_ID_LEN + p->rest_len;
    struct buf_writer w;
    uint8_t *dst;

    buf_writer_init(&w, ridb, sizeof(ridb));
    if (wire_replay_id_build(&w, rid) != WIRE_OK)
        return CTLWRAP_ERR_PARAM;
    if (!auth_mac(&cw->tx.mac, ridb, p->head, p->rest, p->rest_len, tag))
        return CTLWRAP_ERR_CRYPTO;
    dst = buf_write_reserve(out, n);
    if (!dst)
        return CTLWRAP_ERR_NO_ROOM;
    buf_writer_init(&w, dst, n);
    buf_write_bytes(&w, p->head, WIRE_CONTROL_HEAD_LEN);
    buf_write_bytes(&w, tag, hlen);
    buf_write_bytes(&w, ridb, sizeof(ridb));
    buf_write_bytes(&w, p->rest, p->rest_len);
    return CTLWRAP_OK;
}

int ctlwrap_auth_verify(struct ctlwrap *cw, const uint8_t *pkt, size_t len,
                        struct ctlwrap_opened *o)
{
    uint8_t calc[CTLWRAP_HMAC_MAX], opcode;
    size_t hlen = cw->rx.mac.len;
    const uint8_t *tag, *ridb;
    struct buf_reader r;
    int rc;

    buf_reader_init(&r, pkt, len);
    rc = ctlwrap_check_head(&r, &opcode);
    if (rc)
        return rc;
    o->head = buf_read_view(&r, WIRE_CONTROL_HEAD_LEN);
    tag = buf_read_view(&r, hlen);
    ridb = buf_read_view(&r, WIRE_REPLAY_ID_LEN);
    if (!buf_reader_ok(&r))
        return CTLWRAP_ERR_TRUNCATED;
    o->rest_len = buf_remaining(&r);
    o->rest = buf_read_view(&r, o->rest_len);
    o->tag = NULL;
    if (!auth_mac(&cw->rx.mac, ridb, o->head, o->rest, o->rest_len, calc))
        return CTLWRAP_ERR_CRYPTO;
    if (!secret_equal(calc, tag, hlen))
        return CTLWRAP_ERR_AUTH;
    buf_reader_init(&r, ridb, WIRE_REPLAY_ID_LEN);
    return ctlwrap_from_wire(wire_replay_id_parse(&r, &o->rid));
}
