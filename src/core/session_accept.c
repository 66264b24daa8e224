/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stateless server side of the 3-way handshake (shared/docs/protocol-control.md §6): a
 * client's reset gets a reply whose session id is a cookie (a MAC over the client's address and
 * session id, ctlwrap_cookie_*), and nothing is remembered; the client's next packet must echo
 * the cookie in its ack block, and only that packet leads to a session. For tls-crypt-v2 each
 * packet carries the client's wrapped key (WKc), which is unwrapped into a scratch wrapper that
 * every client shares, so no per-client object exists before the cookie check either.
 *
 * Memory: everything is allocated by session_listener_new(); session_accept_check() allocates
 * nothing (libcrypto may use scratch memory internally, freed before it returns).
 */
#include "session_priv.h"

#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "secret.h"

struct session_listener {
    enum ctlwrap_mode mode;
    struct ctlwrap *cw; /* the shared wrapper; for v2 re-keyed with each packet's Kc */
    struct ctlwrap_v2_server *v2;
    struct ctlwrap_cookie *cookie;
    struct ratelimit rl;
    uint32_t wall_time_s;
    struct session_listener_stats stats;
};

/* A reply is a few bytes of plain packet plus the wrapping; this is ample. */
#define REPLY_PLAIN_MAX 64u
#define REPLY_WRAP_MAX  (REPLY_PLAIN_MAX + CTLWRAP_HMAC_MAX + 64u)

void session_listener_params_init(struct session_listener_params *p)
{
    memset(p, 0, sizeof(*p));
    p->wrap.mode = CTLWRAP_NONE;
    p->wrap.key_direction = CTLWRAP_KEY_DIR_BIDI;
    p->hand_window_s = SESSION_HAND_WINDOW_DEFAULT;
    p->rate_per_sec = SESSION_CONNECT_RATE;
    p->burst = SESSION_CONNECT_BURST;
}

static bool listener_params_ok(const struct session_listener_params *p)
{
    if (!p || !p->cookie_secret || p->wrap.mode > CTLWRAP_TLS_CRYPT_V2)
        return false;
    if (p->wrap.mode == CTLWRAP_TLS_CRYPT_V2)
        return p->v2_server_key != NULL;
    return p->wrap.mode == CTLWRAP_NONE || p->wrap.key != NULL;
}

static int listener_wrap(struct session_listener *l, const struct session_listener_params *p)
{
    static const uint8_t placeholder[CTLWRAP_KEY_LEN]; /* v2: replaced by each client's Kc */
    struct ctlwrap_params cp;

    ctlwrap_params_init(&cp);
    cp.mode = p->wrap.mode;
    cp.role = CTLWRAP_SERVER;
    cp.key_direction = p->wrap.key_direction;
    if (p->wrap.digest)
        cp.digest = p->wrap.digest;
    cp.key = p->wrap.mode == CTLWRAP_TLS_CRYPT_V2 ? placeholder : p->wrap.key;
    cp.send_time = p->wall_time_s;
    if (ctlwrap_new(&cp, &l->cw) != CTLWRAP_OK)
        return SESSION_ERR_PARAM;
    if (p->wrap.mode == CTLWRAP_TLS_CRYPT_V2 &&
        ctlwrap_v2_server_new(p->v2_server_key, &l->v2) != CTLWRAP_OK)
        return SESSION_ERR_NOMEM;
    return SESSION_OK;
}

int session_listener_new(const struct session_listener_params *p, struct session_listener **out)
{
    struct session_listener *l;
    int rc;

    if (!out)
        return SESSION_ERR_PARAM;
    *out = NULL;
    if (!listener_params_ok(p))
        return SESSION_ERR_PARAM;
    l = calloc(1, sizeof(*l));
    if (!l)
        return SESSION_ERR_NOMEM;
    l->mode = p->wrap.mode;
    l->wall_time_s = p->wall_time_s;
    ratelimit_init(&l->rl, p->rate_per_sec, p->burst);
    rc = listener_wrap(l, p);
    if (rc == SESSION_OK &&
        ctlwrap_cookie_new(p->cookie_secret, p->hand_window_s, &l->cookie) != CTLWRAP_OK)
        rc = SESSION_ERR_NOMEM;
    if (rc != SESSION_OK) {
        session_listener_free(l);
        return rc;
    }
    *out = l;
    return SESSION_OK;
}

void session_listener_free(struct session_listener *l)
{
    if (!l)
        return;
    ctlwrap_free(l->cw);
    ctlwrap_v2_server_free(l->v2);
    ctlwrap_cookie_free(l->cookie);
    secret_free(l, sizeof(*l));
}

const struct session_listener_stats *session_listener_stats(const struct session_listener *l)
{
    return &l->stats;
}

void session_accept_wipe(struct session_accept *a)
{
    if (a)
        secret_wipe(a, sizeof(*a));
}

/* The first packets a server takes from an unknown address (§6.1), by wrapping mode. */
static bool first_opcode_ok(enum ctlwrap_mode mode, uint8_t opcode)
{
    if (mode == CTLWRAP_TLS_CRYPT_V2)
        return opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 || opcode == WIRE_P_CONTROL_WKC_V1;
    return opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V2 || opcode == WIRE_P_CONTROL_V1 ||
           opcode == WIRE_P_ACK_V1;
}

/* v2: unwrap the trailing WKc and key the scratch wrapper with the client's Kc (§5.2). */
static int load_client_key(struct session_listener *l, const uint8_t *pkt, size_t len,
                           struct session_accept *acc)
{
    struct wire_wkc_split sp;

    if (wire_wkc_split(pkt, len, &sp) != WIRE_OK)
        return SESSION_RX_UNWRAP;
    if (ctlwrap_wkc_unwrap(l->v2, sp.wkc, sp.wkc_len, acc->kc, &acc->md) != CTLWRAP_OK)
        return SESSION_RX_UNWRAP;
    if (ctlwrap_rekey(l->cw, acc->kc) != CTLWRAP_OK)
        return SESSION_RX_UNWRAP;
    acc->has_kc = true;
    return SESSION_RX_OK;
}

static int open_first(struct session_listener *l, const uint8_t *pkt, size_t len,
                      struct buf_writer *plain, struct wire_control *c, struct wire_replay_id *rid,
                      struct session_accept *acc)
{
    uint8_t opcode, key_id;
    int rc;

    if (len > SESSION_PACKET_MAX)
        return SESSION_RX_TOO_BIG;
    rc = wire_first_byte(pkt, len, &opcode, &key_id);
    if (rc == WIRE_ERR_TRUNCATED)
        return SESSION_RX_TRUNCATED;
    if (rc != WIRE_OK || !first_opcode_ok(l->mode, opcode))
        return SESSION_RX_OPCODE;
    if (key_id != 0)
        return SESSION_RX_KEY_ID;
    if (l->mode == CTLWRAP_TLS_CRYPT_V2 && (rc = load_client_key(l, pkt, len, acc)) != 0)
        return rc;
    rc = ctlwrap_open(l->cw, pkt, len, plain, rid);
    if (rc == CTLWRAP_ERR_TRUNCATED)
        return SESSION_RX_TRUNCATED;
    if (rc != CTLWRAP_OK)
        return SESSION_RX_UNWRAP;
    rc = wire_control_parse(plain->data, buf_writer_len(plain), c);
    if (rc == WIRE_ERR_TRUNCATED)
        return SESSION_RX_TRUNCATED;
    return rc == WIRE_OK ? SESSION_RX_OK : SESSION_RX_MALFORMED;
}

/* HARD_RESET_SERVER_V2: cookie as our session id, ack of the client's message 0 (§6.1). */
static int build_reply(struct session_listener *l, const struct wire_control *req,
                       const struct wire_sid *cookie, bool v3, struct buf_writer *wrapped)
{
    uint8_t plain[REPLY_PLAIN_MAX], tlv[WIRE_TLV_HDR_LEN + 2];
    struct wire_replay_id rid = { 1, l->wall_time_s }; /* §3.5: the stateless reply is id 1 */
    struct wire_control r;
    struct buf_writer w;

    memset(&r, 0, sizeof(r));
    r.opcode = WIRE_P_CONTROL_HARD_RESET_SERVER_V2;
    r.sid = *cookie;
    r.ack.n = 1;
    r.ack.ids[0] = 0;
    r.ack.remote_sid = req->sid;
    if (v3) { /* §5.4: ask the client to send its WKc again with the next packet */
        buf_writer_init(&w, tlv, sizeof(tlv));
        if (wire_early_neg_build(&w, WIRE_EARLY_NEG_FLAG_RESEND_WKC) != WIRE_OK)
            return SESSION_RX_MALFORMED;
        r.payload = tlv;
        r.payload_len = buf_writer_len(&w);
    }
    buf_writer_init(&w, plain, sizeof(plain));
    if (wire_control_build(&w, &r) != WIRE_OK)
        return SESSION_RX_MALFORMED;
    if (ctlwrap_wrap_id(l->cw, plain, buf_writer_len(&w), &rid, wrapped) != CTLWRAP_OK)
        return SESSION_RX_UNWRAP;
    return SESSION_RX_OK;
}

static int on_reset(struct session_listener *l, const struct wire_control *c,
                    const struct wire_replay_id *rid, size_t req_len, const uint8_t *addr,
                    size_t addr_len, uint64_t now, struct buf_writer *reply)
{
    bool v3 = c->opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3;
    uint8_t out[REPLY_WRAP_MAX];
    struct buf_writer w;
    struct wire_sid cookie;
    int rc;

    if (c->msg_id != 0)
        return SESSION_RX_MALFORMED;
    /* Pre-2.6 v2 clients would need state from their first packet: not offered (§5.4). */
    if (v3 && !wire_replay_id_has_early_neg(rid->id))
        return SESSION_RX_NO_EARLY_NEG;
    if (!ratelimit_allow(&l->rl, now))
        return SESSION_RX_RATE;
    if (ctlwrap_cookie_make(l->cookie, addr, addr_len, &c->sid, now, &cookie) != CTLWRAP_OK)
        return SESSION_RX_UNWRAP;
    buf_writer_init(&w, out, sizeof(out));
    rc = build_reply(l, c, &cookie, v3, &w);
    if (rc != SESSION_RX_OK)
        return rc;
    /* The reply may exceed the request only by the ack it adds (SESSION_REPLY_EXTRA). */
    if (buf_writer_len(&w) > req_len + SESSION_REPLY_EXTRA ||
        buf_writer_room(reply) < buf_writer_len(&w))
        return SESSION_RX_TOO_BIG;
    buf_write_bytes(reply, out, buf_writer_len(&w));
    return SESSION_RX_OK;
}

/* The client's third packet: it must ack our reset under the cookie we gave it. */
static int on_third(struct session_listener *l, const struct wire_control *c, const uint8_t *addr,
                    size_t addr_len, uint64_t now, struct session_accept *acc)
{
    if (c->opcode != WIRE_P_ACK_V1 && c->msg_id != 1)
        return SESSION_RX_MALFORMED;
    if (c->ack.n == 0 ||
        !ctlwrap_cookie_check(l->cookie, addr, addr_len, &c->sid, &c->ack.remote_sid, now))
        return SESSION_RX_COOKIE;
    acc->client_sid = c->sid;
    acc->server_sid = c->ack.remote_sid;
    return SESSION_RX_OK;
}

enum session_verdict session_accept_check(struct session_listener *l, const uint8_t *pkt,
                                          size_t len, const uint8_t *addr, size_t addr_len,
                                          uint64_t now, struct buf_writer *reply,
                                          struct session_accept *acc)
{
    uint8_t plain[SESSION_PACKET_MAX];
    struct wire_control c;
    struct wire_replay_id rid;
    struct buf_writer w;
    bool reset;
    int rc;

    secret_wipe(acc, sizeof(*acc));
    buf_writer_init(&w, plain, sizeof(plain));
    rc = open_first(l, pkt, len, &w, &c, &rid, acc);
    reset = rc == SESSION_RX_OK && (c.opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V2 ||
                                    c.opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3);
    if (rc == SESSION_RX_OK && reset)
        rc = on_reset(l, &c, &rid, len, addr, addr_len, now, reply);
    else if (rc == SESSION_RX_OK)
        rc = on_third(l, &c, addr, addr_len, now, acc);
    secret_wipe(plain, buf_writer_len(&w));
    if (rc != SESSION_RX_OK) {
        secret_wipe(acc, sizeof(*acc));
        acc->drop = (enum session_rx)rc;
        l->stats.drops[-rc]++;
        return SESSION_VERDICT_DROP;
    }
    if (reset) {
        secret_wipe(acc, sizeof(*acc));
        l->stats.replies++;
        return SESSION_VERDICT_REPLY;
    }
    l->stats.creates++;
    return SESSION_VERDICT_CREATE;
}
