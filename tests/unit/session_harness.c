/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "session_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "push.h"
#include "secret.h"

/* ---- deterministic randomness ---- */

static uint64_t next_rand(uint64_t *x)
{
    /* xorshift64*: good enough to decide losses and to fill test randoms */
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 2685821657736338717ull;
}

void hs_rand(void *ctx, uint8_t *out, size_t len)
{
    uint64_t *x = ctx;

    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(next_rand(x) >> 32);
}

static unsigned percent(struct harness *h)
{
    return (unsigned)(next_rand(&h->rng) % 100u);
}

static uint64_t client_rng = 0x1234567887654321ull, server_rng = 0x0badc0ffee15600dull;

/* ---- set-up ---- */

static struct tlsmem_ctx *make_ctx(const struct pki *pki, bool server)
{
    struct tlsmem_config c;
    char err[256];

    memset(&c, 0, sizeof(c));
    c.server = server;
    c.ca = pki->ca.p;
    c.ca_len = pki->ca.n;
    c.cert = server ? pki->srv_cert.p : pki->cli_cert.p;
    c.cert_len = server ? pki->srv_cert.n : pki->cli_cert.n;
    c.key = server ? pki->srv_key.p : pki->cli_key.p;
    c.key_len = server ? pki->srv_key.n : pki->cli_key.n;
    c.remote_cert = server ? TLSMEM_REMOTE_CLIENT : TLSMEM_REMOTE_SERVER;
    return tlsmem_ctx_new(&c, err, sizeof(err));
}

static int make_v2_keys(struct harness *h)
{
    struct ctlwrap_v2_server *srv;
    struct ctlwrap_metadata md;
    struct buf_writer w;
    int rc;

    if (ctlwrap_v2_server_new(h->v2_server_key, &srv) != CTLWRAP_OK)
        return -1;
    ctlwrap_metadata_set_timestamp(&md, 1700000000);
    buf_writer_init(&w, h->wkc, sizeof(h->wkc));
    rc = ctlwrap_wkc_wrap(srv, h->kc, &md, &w);
    ctlwrap_v2_server_free(srv);
    h->wkc_len = buf_writer_len(&w);
    return rc == CTLWRAP_OK ? 0 : -1;
}

static void common_params(struct harness *h, struct session_params *p, enum session_role role,
                          enum ctlwrap_mode mode)
{
    session_params_init(p);
    p->role = role;
    p->tls = role == SESSION_CLIENT ? h->cctx : h->sctx;
    p->occ = role == SESSION_CLIENT ? "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,"
                                      "auth SHA1,keysize 128,key-method 2,tls-client"
                                    : "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,"
                                      "auth SHA1,keysize 128,key-method 2,tls-server";
    p->rand = hs_rand;
    p->rand_ctx = role == SESSION_CLIENT ? &client_rng : &server_rng;
    p->wall_time_s = HS_WALL_TIME;
    p->wrap.mode = mode;
    if (mode == CTLWRAP_TLS_CRYPT_V2) {
        p->wrap.key = role == SESSION_CLIENT ? h->kc : NULL;
        p->wrap.wkc = role == SESSION_CLIENT ? h->wkc : NULL;
        p->wrap.wkc_len = role == SESSION_CLIENT ? h->wkc_len : 0;
    } else if (mode != CTLWRAP_NONE) {
        p->wrap.key = h->static_key;
    }
    if (mode == CTLWRAP_TLS_AUTH)
        p->wrap.key_direction = role == SESSION_CLIENT ? 1 : 0;
    /* What a 2.6.14 client announces besides the bits the session sets itself. */
    p->peer_info.proto = KEYEX_IV_PROTO_DATA_V2 | KEYEX_IV_PROTO_AUTH_PENDING_KW |
                         KEYEX_IV_PROTO_DNS_OPTION | KEYEX_IV_PROTO_CC_EXIT_NOTIFY |
                         KEYEX_IV_PROTO_AUTH_FAIL_TEMP;
}

static void initial_state(struct harness *h)
{
    client_rng = 0x1234567887654321ull;
    server_rng = 0x0badc0ffee15600dull;
    h->rng = 0x5eed5eed5eed5eedull;
    h->now = 1000000; /* an arbitrary monotonic origin */
    memset(&h->c, 0, sizeof(h->c));
    memset(&h->s, 0, sizeof(h->s));
    h->c.send_key = h->s.send_key = -1;
    h->replies = h->max_reply_len = h->creates = h->iterations = 0;
}

int hs_init(struct harness *h, const struct pki *pki, enum ctlwrap_mode mode)
{
    memset(h, 0, sizeof(*h));
    initial_state(h);
    h->latency = 10;
    h->auto_push = true;
    hs_rand(&h->rng, h->static_key, sizeof(h->static_key));
    hs_rand(&h->rng, h->v2_server_key, sizeof(h->v2_server_key));
    hs_rand(&h->rng, h->kc, sizeof(h->kc));
    hs_rand(&h->rng, h->cookie_secret, sizeof(h->cookie_secret));
    memcpy(h->addr, "\x0a\x00\x00\x02\x04\xd2", 6);
    h->c2s.q = calloc(HS_QUEUE, sizeof(struct hs_pkt));
    h->s2c.q = calloc(HS_QUEUE, sizeof(struct hs_pkt));
    h->cctx = make_ctx(pki, false);
    h->sctx = make_ctx(pki, true);
    if (!h->c2s.q || !h->s2c.q || !h->cctx || !h->sctx)
        return -1;
    if (mode == CTLWRAP_TLS_CRYPT_V2 && make_v2_keys(h) != 0)
        return -1;
    common_params(h, &h->cp, SESSION_CLIENT, mode);
    common_params(h, &h->sp, SESSION_SERVER, mode);
    session_listener_params_init(&h->lp);
    h->lp.wrap = h->sp.wrap;
    h->lp.v2_server_key = h->v2_server_key;
    h->lp.cookie_secret = h->cookie_secret;
    h->lp.wall_time_s = HS_WALL_TIME;
    return 0;
}

int hs_start(struct harness *h)
{
    if (session_listener_new(&h->lp, &h->l) != SESSION_OK)
        return -1;
    return session_new_client(&h->cp, h->now, &h->c.s) == SESSION_OK ? 0 : -1;
}

static void link_clear(struct hs_link *l)
{
    l->n = 0;
    l->n_log = 0;
    l->sent = l->lost = 0;
}

void hs_reset(struct harness *h)
{
    session_free(h->c.s);
    session_free(h->s.s);
    session_listener_free(h->l);
    h->l = NULL;
    secret_wipe(h->c.keys, sizeof(h->c.keys));
    secret_wipe(h->s.keys, sizeof(h->s.keys));
    link_clear(&h->c2s);
    link_clear(&h->s2c);
    initial_state(h);
}

void hs_free(struct harness *h)
{
    session_free(h->c.s);
    session_free(h->s.s);
    session_listener_free(h->l);
    tlsmem_ctx_free(h->cctx);
    tlsmem_ctx_free(h->sctx);
    free(h->c2s.q);
    free(h->s2c.q);
    secret_wipe(h->c.keys, sizeof(h->c.keys));
    secret_wipe(h->s.keys, sizeof(h->s.keys));
    memset(h, 0, sizeof(*h));
}

/* ---- the link ---- */

static void link_put(struct harness *h, struct hs_link *l, const uint8_t *pkt, size_t len)
{
    if (l->n_log < HS_LOG) {
        l->op[l->n_log] = len ? pkt[0] : 0;
        l->len[l->n_log++] = len;
    }
    l->sent++;
    if (l->blocked || (l->loss && percent(h) < l->loss) || l->n == HS_QUEUE ||
        len > SESSION_PACKET_MAX) {
        l->lost++;
        return;
    }
    memcpy(l->q[l->n].data, pkt, len);
    l->q[l->n].len = len;
    l->q[l->n].at = h->now + h->latency + (l->reorder && percent(h) < l->reorder ? 40u : 0u);
    l->n++;
    if (l->dup && percent(h) < l->dup && l->n < HS_QUEUE) {
        l->q[l->n] = l->q[l->n - 1];
        l->q[l->n].at += 5;
        l->n++;
    }
}

/* Takes the earliest due packet; false when none is due. */
static bool link_take(struct harness *h, struct hs_link *l, struct hs_pkt *out)
{
    size_t best = l->n;

    for (size_t i = 0; i < l->n; i++)
        if (l->q[i].at <= h->now && (best == l->n || l->q[i].at < l->q[best].at))
            best = i;
    if (best == l->n)
        return false;
    *out = l->q[best];
    memmove(&l->q[best], &l->q[best + 1], (l->n - best - 1) * sizeof(l->q[0]));
    l->n--;
    return true;
}

static uint64_t link_next(const struct hs_link *l)
{
    uint64_t t = UINT64_MAX;

    for (size_t i = 0; i < l->n; i++)
        t = l->q[i].at < t ? l->q[i].at : t;
    return t;
}

/* ---- events ---- */

static void on_text(struct hs_side *side, const struct session_event *ev)
{
    char(*to)[256] = side->texts;
    size_t *n = &side->n_texts;

    if (ev->u.text.type == PUSH_MSG_PUSH_REPLY) {
        to = side->push_texts;
        n = &side->n_push_texts;
        if (side->count[SESSION_EV_PUSH_REPLY] == 0)
            side->push_texts_before_reply++;
    }
    if (*n < HS_TEXTS)
        snprintf(to[(*n)++], sizeof(to[0]), "%.*s", (int)ev->u.text.len, ev->u.text.text);
}

static void on_peer_info(struct hs_side *side, const struct session_event *ev)
{
    const struct keyex_str *u = &ev->u.peer.username, *p = &ev->u.peer.password;

    side->had_peer_info = true;
    side->peer_proto = ev->u.peer.info->has_proto ? ev->u.peer.info->proto : 0;
    snprintf(side->username, sizeof(side->username), "%.*s", u->s ? (int)u->len : 0,
             u->s ? u->s : "");
    snprintf(side->password, sizeof(side->password), "%.*s", p->s ? (int)p->len : 0,
             p->s ? p->s : "");
}

static void on_push(struct hs_side *side, const struct session_event *ev)
{
    snprintf(side->push_cipher, sizeof(side->push_cipher), "%s", ev->u.push->cipher);
    side->push_peer_id = ev->u.push->peer_id;
    side->push_have = ev->u.push->have;
}

static void on_event(struct harness *h, struct hs_side *side, const struct session_event *ev)
{
    side->count[ev->type]++;
    switch (ev->type) {
    case SESSION_EV_TLS_VERIFIED:
        snprintf(side->cert_cn, sizeof(side->cert_cn), "%s",
                 ev->u.tls.cert ? ev->u.tls.cert->common_name : "");
        break;
    case SESSION_EV_KEYS:
        side->keys[ev->key_id & 7] = ev->u.keys;
        side->have_keys[ev->key_id & 7] = true;
        break;
    case SESSION_EV_SEND_KEY:
        side->send_key = ev->key_id;
        break;
    case SESSION_EV_KEY_RETIRED:
        if (side->n_retired < sizeof(side->retired))
            side->retired[side->n_retired++] = ev->key_id;
        side->have_keys[ev->key_id & 7] = false;
        break;
    case SESSION_EV_RENEGOTIATING:
        if (side->n_reneg < sizeof(side->reneg)) {
            side->reneg_local[side->n_reneg] = ev->u.reneg.local;
            side->reneg[side->n_reneg++] = ev->key_id;
        }
        break;
    case SESSION_EV_TEXT:
        on_text(side, ev);
        break;
    case SESSION_EV_PEER_INFO:
        on_peer_info(side, ev);
        break;
    case SESSION_EV_PUSH_REPLY:
        on_push(side, ev);
        break;
    case SESSION_EV_PUSH_REQUEST:
        if (h->push_skip)
            h->push_skip--;
        else if (h->auto_push && side == &h->s)
            hs_server_push(h);
        break;
    case SESSION_EV_FAILED:
        side->fail = ev->u.fail.reason;
        snprintf(side->fail_text, sizeof(side->fail_text), "%s", ev->u.fail.text);
        break;
    default:
        break;
    }
}

static void drain_side(struct harness *h, struct hs_side *side, struct hs_link *out)
{
    uint8_t buf[SESSION_PACKET_MAX];
    struct session_event ev;
    struct buf_writer w;

    if (!side->s)
        return;
    for (;;) {
        buf_writer_init(&w, buf, sizeof(buf));
        if (session_next_packet(side->s, h->now, &w) != 1)
            break;
        link_put(h, out, buf, buf_writer_len(&w));
    }
    while (session_next_event(side->s, &ev)) {
        on_event(h, side, &ev);
        session_event_wipe(&ev);
    }
}

void hs_drain(struct harness *h)
{
    /* Events may make the server send (a push), so drain it last and then once more. */
    drain_side(h, &h->c, &h->c2s);
    drain_side(h, &h->s, &h->s2c);
    drain_side(h, &h->s, &h->s2c);
}

int hs_server_push(struct harness *h)
{
    const struct session_negotiated *n = session_negotiated(h->s.s);
    struct push_client_params pp;
    struct push_client_items items;
    const char *opts[2 + PUSH_CLIENT_ITEMS_MAX];
    struct push_reply_iter it;
    char msg[PUSH_BUNDLE_SIZE];
    size_t nopt = 0, bad, len;

    memset(&pp, 0, sizeof(pp));
    pp.has_ifconfig = true;
    pp.ifconfig_local = 0x0a080002;
    pp.ifconfig_remote = 0xffffff00;
    pp.has_peer_id = true;
    pp.peer_id = 7;
    pp.cipher = n->peer_ncp ? n->cipher : NULL;
    pp.ekm = n->ekm;
    pp.cc_exit = n->cc_exit;
    pp.dyn_tls_crypt = n->dyn_tls_crypt;
    pp.tun_mtu = n->peer_mtu ? 1500 : 0;
    if (push_client_items_build(&pp, &items) != PUSH_OK)
        return -1;
    opts[nopt++] = "route-gateway 10.8.0.1";
    opts[nopt++] = "topology subnet";
    for (size_t i = 0; i < items.n; i++)
        opts[nopt++] = items.items[i];
    if (push_reply_iter_init(&it, opts, nopt, &bad) != PUSH_OK)
        return -1;
    while (push_reply_next(&it, msg, sizeof(msg), &len) == 1)
        if (session_send_text(h->s.s, msg, len, h->now) != SESSION_OK)
            return -1;
    return 0;
}

/* ---- routing ---- */

void hs_to_client(struct harness *h, const uint8_t *pkt, size_t len)
{
    if (!h->c.s)
        return;
    h->c.last_rx = session_receive(h->c.s, pkt, len, h->now);
    h->c.rx_drops += h->c.last_rx != SESSION_RX_OK;
}

static void accept_first(struct harness *h, const uint8_t *pkt, size_t len)
{
    uint8_t reply[SESSION_PACKET_MAX];
    struct session_accept acc;
    struct buf_writer w;
    enum session_verdict v;

    buf_writer_init(&w, reply, sizeof(reply));
    v = session_accept_check(h->l, pkt, len, h->addr, sizeof(h->addr), h->now, &w, &acc);
    if (v == SESSION_VERDICT_REPLY) {
        h->replies++;
        if (buf_writer_len(&w) > h->max_reply_len)
            h->max_reply_len = buf_writer_len(&w);
        link_put(h, &h->s2c, reply, buf_writer_len(&w));
    } else if (v == SESSION_VERDICT_CREATE &&
               session_new_accepted(&h->sp, &acc, h->now, &h->s.s) == SESSION_OK) {
        h->creates++;
        h->s.last_rx = session_receive(h->s.s, pkt, len, h->now);
    }
    session_accept_wipe(&acc);
}

void hs_to_server(struct harness *h, const uint8_t *pkt, size_t len)
{
    if (!h->s.s) {
        accept_first(h, pkt, len);
        return;
    }
    h->s.last_rx = session_receive(h->s.s, pkt, len, h->now);
    h->s.rx_drops += h->s.last_rx != SESSION_RX_OK;
}

/* ---- the loop ---- */

static bool deliver(struct harness *h)
{
    struct hs_pkt p;
    bool any = false;

    while (link_take(h, &h->c2s, &p)) {
        hs_to_server(h, p.data, p.len);
        any = true;
    }
    while (link_take(h, &h->s2c, &p)) {
        hs_to_client(h, p.data, p.len);
        any = true;
    }
    return any;
}

static void timers(struct harness *h)
{
    if (h->c.s && session_next_deadline(h->c.s) <= h->now)
        session_timeout(h->c.s, h->now);
    if (h->s.s && session_next_deadline(h->s.s) <= h->now)
        session_timeout(h->s.s, h->now);
}

static uint64_t next_time(const struct harness *h)
{
    uint64_t t = link_next(&h->c2s), u = link_next(&h->s2c);

    t = u < t ? u : t;
    if (h->c.s && session_state(h->c.s) != SESSION_FAILED) {
        u = session_next_deadline(h->c.s);
        t = u < t ? u : t;
    }
    if (h->s.s && session_state(h->s.s) != SESSION_FAILED) {
        u = session_next_deadline(h->s.s);
        t = u < t ? u : t;
    }
    return t;
}

bool hs_run(struct harness *h, uint64_t until, bool (*stop)(const struct harness *h))
{
    for (;;) {
        uint64_t t;

        h->iterations++;
        timers(h);
        hs_drain(h);
        if (deliver(h))
            hs_drain(h);
        if (stop && stop(h))
            return true;
        t = next_time(h);
        /* Work due at once that produced nothing must not spin: time moves on. */
        t = t <= h->now ? h->now + 1 : t;
        if (t > until) {
            h->now = until > h->now ? until : h->now;
            return false;
        }
        h->now = t;
    }
}

bool hs_both_established(const struct harness *h)
{
    return h->c.count[SESSION_EV_ESTABLISHED] > 0 && h->s.count[SESSION_EV_ESTABLISHED] > 0;
}

bool hs_any_failed(const struct harness *h)
{
    return h->c.count[SESSION_EV_FAILED] > 0 || h->s.count[SESSION_EV_FAILED] > 0;
}

static bool dir_equal(const struct keyex_dir_keys *a, const struct keyex_dir_keys *b)
{
    return a->cipher_len == b->cipher_len && a->hmac_len == b->hmac_len &&
           secret_equal(a->cipher, b->cipher, a->cipher_len) &&
           secret_equal(a->hmac, b->hmac, a->hmac_len);
}

bool hs_keys_match(const struct harness *h, uint8_t key_id)
{
    const struct session_keys *c = &h->c.keys[key_id & 7], *s = &h->s.keys[key_id & 7];

    if (!h->c.have_keys[key_id & 7] || !h->s.have_keys[key_id & 7])
        return false;
    return dir_equal(&c->keys.encrypt, &s->keys.decrypt) &&
           dir_equal(&c->keys.decrypt, &s->keys.encrypt) && strcmp(c->cipher, s->cipher) == 0 &&
           strcmp(c->auth, s->auth) == 0 && c->ekm == s->ekm;
}
