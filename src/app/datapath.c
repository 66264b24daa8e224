/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data channel, batch by batch; section numbers refer to shared/docs/protocol-data.md.
 *
 * Per packet the work is constant: the peer is one array index (P_DATA_V2) or one hash probe
 * (P_DATA_V1, tun side), the key one of DP_KEY_SLOTS, and every transformation happens inside
 * the caller's buffer. The only memory touched besides the buffers is the LZ4 scratch area.
 */
#include "datapath.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "inband.h"
#include "secret.h"
#include "wire.h"

/* LZ4 output of a whole UDP payload fits; comp bounds every use by this length. */
#define DP_SCRATCH_LEN DCIPHER_PACKET_MAX

_Static_assert(DP_COMP_REASONS == 1 - COMP_DROP_CORRUPT, "one counter per comp drop reason");
_Static_assert(DP_DROP_REASONS <= 255, "reasons fit the uint8_t verdict arrays");
_Static_assert(WIRE_DATA_V2_HDR_LEN + DCIPHER_MAC_MAX + DCIPHER_BLOCK_MAX + DCIPHER_PID_LEN +
                       COMP_MAX_OVERHEAD <=
                   DP_HEADROOM,
               "DP_HEADROOM covers the largest sealed header and framing");
_Static_assert(DCIPHER_BLOCK_MAX + COMP_MAX_OVERHEAD <= DP_TAILROOM,
               "DP_TAILROOM covers CBC padding and swap framing");

struct datapath {
    struct dp_params p;
    struct peertab *peers;
    const struct vaddr *routes;
    uint8_t *scratch;
    uint64_t batch; /* number of the current decrypt batch (one float event per peer each) */
    struct dp_stats stats;
};

const char *dp_drop_name(int reason)
{
    static const char *const names[] = {
        [DP_DROP_NONE] = "none",
        [DP_DROP_TRUNCATED] = "truncated",
        [DP_DROP_BAD_OPCODE] = "bad opcode",
        [DP_DROP_UNKNOWN_PEER] = "unknown peer",
        [DP_DROP_WRONG_SOURCE] = "wrong source address",
        [DP_DROP_NO_KEY] = "no key",
        [DP_DROP_AUTH] = "authentication failed",
        [DP_DROP_DECRYPT] = "decryption error",
        [DP_DROP_REPLAY] = "replay",
        [DP_DROP_COMP] = "decompression error",
        [DP_DROP_BAD_OCC] = "bad OCC message",
        [DP_DROP_EMPTY] = "empty payload",
        [DP_DROP_NOT_IP] = "not an IP packet",
        [DP_DROP_TOO_BIG] = "too big",
        [DP_DROP_BAD_SOURCE] = "bad source address",
        [DP_DROP_LINK_LOCAL] = "link-local source",
        [DP_DROP_NO_ROUTE] = "no route",
        [DP_DROP_MULTICAST] = "multicast",
        [DP_DROP_PID_EXHAUSTED] = "packet-id exhausted",
        [DP_DROP_NO_ROOM] = "no buffer room",
        [DP_DROP_SEAL] = "seal failed",
    };

    if (reason < 0 || reason >= DP_DROP_REASONS)
        return "unknown";
    return names[reason];
}

/* ---- set-up ---- */

void dp_params_init(struct dp_params *p)
{
    memset(p, 0, sizeof(*p));
    p->role = DP_CLIENT;
    p->tun_mtu_max = DP_TUN_MTU_MIN;
    p->replay_window = REPLAY_WINDOW_DEFAULT;
    p->replay_time = REPLAY_TIME_DEFAULT;
    p->mss = (struct mss_config){ MSS_DEFAULT, MSS_MODE_MTU, MSS_UDP4, false };
}

static bool params_ok(const struct dp_params *p, const struct peertab *peers,
                      const struct vaddr *routes)
{
    if (p->role != DP_CLIENT && p->role != DP_SERVER)
        return false;
    if (p->role == DP_SERVER && (peers == NULL || routes == NULL))
        return false;
    return p->tun_mtu_max <= DCIPHER_PACKET_MAX && p->replay_window <= REPLAY_WINDOW_MAX &&
           p->replay_time <= REPLAY_TIME_MAX;
}

int dp_new(const struct dp_params *p, struct peertab *peers, const struct vaddr *routes,
           struct datapath **out)
{
    struct datapath *dp;

    *out = NULL;
    if (p == NULL || !params_ok(p, peers, routes))
        return DP_ERR_PARAM;
    dp = calloc(1, sizeof(*dp));
    if (dp == NULL)
        return DP_ERR_NOMEM;
    dp->scratch = malloc(DP_SCRATCH_LEN);
    if (dp->scratch == NULL) {
        free(dp);
        return DP_ERR_NOMEM;
    }
    dp->p = *p;
    if (dp->p.tun_mtu_max == 0)
        dp->p.tun_mtu_max = DP_TUN_MTU_MIN;
    dp->peers = peers;
    dp->routes = routes;
    *out = dp;
    return DP_OK;
}

void dp_free(struct datapath *dp)
{
    if (dp == NULL)
        return;
    /* The scratch area held decrypted and decompressed plaintext. */
    secret_free(dp->scratch, DP_SCRATCH_LEN);
    free(dp);
}

uint64_t dp_drops_total(const struct datapath *dp)
{
    uint64_t n = 0;

    if (!dp)
        return 0;
    for (size_t i = 0; i < DP_DROP_REASONS; i++)
        n += dp->stats.drops[i];
    return n;
}

const struct dp_stats *dp_stats(const struct datapath *dp)
{
    return &dp->stats;
}

const struct dp_params *dp_params(const struct datapath *dp)
{
    return &dp->p;
}

/* ---- peers ---- */

int dp_peer_init(struct dp_peer *p, const struct datapath *dp, uint64_t now)
{
    memset(p, 0, sizeof(*p));
    p->dp = dp;
    p->peer_id = PEERTAB_ID_UNSET;
    p->send_slot = -1;
    p->last_rx = now;
    p->last_tx = now;
    for (size_t i = 0; i < DP_KEY_SLOTS; i++) {
        if (replay_init(&p->slots[i].replay, dp->p.replay_window, dp->p.replay_time, false) !=
            REPLAY_OK) {
            dp_peer_cleanup(p);
            return DP_ERR_NOMEM;
        }
    }
    return DP_OK;
}

static void slot_clear_key(struct dp_key_slot *k)
{
    dcipher_key_cleanup(&k->enc);
    dcipher_key_cleanup(&k->dec);
    k->used = false;
}

void dp_peer_cleanup(struct dp_peer *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < DP_KEY_SLOTS; i++) {
        slot_clear_key(&p->slots[i]);
        replay_cleanup(&p->slots[i].replay);
    }
    secret_wipe(p, sizeof(*p));
}

static struct dp_key_slot *send_slot(struct dp_peer *p)
{
    return p->send_slot >= 0 ? &p->slots[p->send_slot] : NULL;
}

static bool comp_v1(const struct comp *c)
{
    return c->algo == COMP_ALGO_LZO_STUB || c->algo == COMP_ALGO_LZO || c->algo == COMP_ALGO_STUB ||
           c->algo == COMP_ALGO_LZ4;
}

/* §11.2: the MSS follows the cipher sent with, the header format and the framing. */
static void update_mss(struct dp_peer *p)
{
    const struct dcipher_suite *s = NULL;
    size_t hdr = p->data_v2 ? WIRE_DATA_V2_HDR_LEN : WIRE_DATA_V1_HDR_LEN;

    for (size_t i = 0; s == NULL && i < DP_KEY_SLOTS; i++) {
        if (p->slots[i].used)
            s = &p->slots[i].enc.suite;
    }
    if (send_slot(p) != NULL)
        s = &send_slot(p)->enc.suite;
    p->mss = mss_compute(&p->dp->p.mss, s, hdr, comp_v1(&p->comp) ? 1 : 0);
}

void dp_peer_set_remote(struct dp_peer *p, const struct udp_meta *remote)
{
    p->remote = *remote;
}

void dp_peer_set_peer_id(struct dp_peer *p, bool data_v2, uint32_t id)
{
    p->data_v2 = data_v2;
    /* A pushed peer-id is masked to 24 bits, so -1 becomes 0xFFFFFF (§1.2). */
    p->peer_id = id & WIRE_PEER_ID_MAX;
    update_mss(p);
}

void dp_peer_set_comp(struct dp_peer *p, const struct comp *c)
{
    p->comp = *c;
    update_mss(p);
}

void dp_peer_set_keepalive(struct dp_peer *p, unsigned ping_s, unsigned restart_s)
{
    p->ping_ms = (uint64_t)ping_s * 1000u;
    p->restart_ms = (uint64_t)restart_s * 1000u;
}

void dp_peer_touch_tx(struct dp_peer *p, uint64_t now)
{
    p->last_tx = now;
}

void dp_peer_touch_rx(struct dp_peer *p, uint64_t now)
{
    p->last_rx = now;
}

/* ---- keys ---- */

static int slot_find(const struct dp_peer *p, uint8_t key_id)
{
    for (size_t i = 0; i < DP_KEY_SLOTS; i++) {
        if (p->slots[i].used && p->slots[i].key_id == key_id)
            return (int)i;
    }
    return -1;
}

/* The same key_id, else a free slot, else the oldest that is not sending. */
static size_t slot_choose(const struct dp_peer *p, uint8_t key_id)
{
    int same = slot_find(p, key_id);
    size_t best = DP_KEY_SLOTS;

    if (same >= 0)
        return (size_t)same;
    for (size_t i = 0; i < DP_KEY_SLOTS; i++) {
        if (!p->slots[i].used)
            return i;
    }
    for (size_t i = 0; i < DP_KEY_SLOTS; i++) {
        if ((int)i == p->send_slot)
            continue;
        if (best == DP_KEY_SLOTS || p->slots[i].installed < p->slots[best].installed)
            best = i;
    }
    return best;
}

static int keys_init(struct dcipher_key *enc, struct dcipher_key *dec,
                     const struct dcipher_suite *s, const struct keyex_keys *keys)
{
    const struct keyex_dir_keys *e = &keys->encrypt, *d = &keys->decrypt;

    if (dcipher_key_init(enc, s, DCIPHER_ENCRYPT, e->cipher, e->cipher_len, e->hmac, e->hmac_len) !=
        DCIPHER_OK)
        return DP_ERR_KEY;
    if (dcipher_key_init(dec, s, DCIPHER_DECRYPT, d->cipher, d->cipher_len, d->hmac, d->hmac_len) !=
        DCIPHER_OK) {
        dcipher_key_cleanup(enc);
        return DP_ERR_KEY;
    }
    return DP_OK;
}

int dp_key_install(struct dp_peer *p, uint8_t key_id, const char *cipher, const char *auth,
                   const struct keyex_keys *keys, uint64_t now)
{
    struct dcipher_suite suite;
    struct dcipher_key enc, dec;
    struct dp_key_slot *k;
    int rc;

    if (key_id > WIRE_KEY_ID_MAX || keys == NULL ||
        dcipher_suite_lookup(cipher, auth, &suite) != DCIPHER_OK)
        return DP_ERR_PARAM;
    rc = keys_init(&enc, &dec, &suite, keys);
    if (rc != DP_OK)
        return rc;
    k = &p->slots[slot_choose(p, key_id)];
    slot_clear_key(k);
    k->enc = enc;
    k->dec = dec;
    secret_wipe(&enc, sizeof(enc));
    secret_wipe(&dec, sizeof(dec));
    replay_reset(&k->replay);
    k->used = true;
    k->key_id = key_id;
    k->tx_last_pid = 0;
    k->reneg_reported = false;
    k->installed = now;
    k->rx_packets = k->rx_bytes = k->tx_packets = k->tx_bytes = 0;
    update_mss(p);
    return DP_OK;
}

int dp_set_send_key(struct dp_peer *p, uint8_t key_id)
{
    int i = slot_find(p, key_id);

    if (i < 0)
        return DP_ERR_NO_KEY;
    p->send_slot = i;
    update_mss(p);
    return DP_OK;
}

int dp_key_retire(struct dp_peer *p, uint8_t key_id)
{
    int i = slot_find(p, key_id);

    if (i < 0)
        return DP_ERR_NO_KEY;
    slot_clear_key(&p->slots[i]);
    replay_reset(&p->slots[i].replay);
    if (p->send_slot == i)
        p->send_slot = -1;
    return DP_OK;
}

int dp_send_key_id(const struct dp_peer *p)
{
    return p->send_slot >= 0 ? p->slots[p->send_slot].key_id : -1;
}

const struct dp_key_slot *dp_key_slot(const struct dp_peer *p, uint8_t key_id)
{
    int i = slot_find(p, key_id);

    return i >= 0 ? &p->slots[i] : NULL;
}

bool dp_peer_wants_renegotiation(const struct dp_peer *p)
{
    return p->send_slot >= 0 && dcipher_packet_id_renegotiate(p->slots[p->send_slot].tx_last_pid);
}

/* ---- keepalive ---- */

uint64_t dp_ping_deadline(const struct dp_peer *p)
{
    return p->ping_ms ? p->last_tx + p->ping_ms : UINT64_MAX;
}

bool dp_ping_due(const struct dp_peer *p, uint64_t now)
{
    return now >= dp_ping_deadline(p);
}

uint64_t dp_restart_deadline(const struct dp_peer *p)
{
    return p->restart_ms ? p->last_rx + p->restart_ms : UINT64_MAX;
}

bool dp_restart_due(const struct dp_peer *p, uint64_t now)
{
    return now >= dp_restart_deadline(p);
}

uint64_t dp_keepalive_deadline(const struct dp_peer *p)
{
    uint64_t ping = dp_ping_deadline(p), rec = dp_restart_deadline(p);

    return ping < rec ? ping : rec;
}

/* ---- events and counting ---- */

struct evq {
    struct dp_event *ev;
    size_t *n;
};

static struct dp_event *ev_push(struct datapath *dp, struct evq *q, enum dp_event_type t,
                                struct dp_peer *p)
{
    struct dp_event *e;

    if (*q->n >= DP_EVENTS_MAX) {
        dp->stats.events_lost++;
        return NULL;
    }
    e = &q->ev[(*q->n)++];
    memset(e, 0, sizeof(*e));
    e->type = t;
    e->peer = p;
    return e;
}

/* Counts a drop (and against the peer, once it is known); returns the reason. */
static int drop(struct datapath *dp, struct dp_peer *p, int reason)
{
    dp->stats.drops[reason]++;
    if (p != NULL)
        p->stats.drops++;
    return reason;
}

/* ---- sealing (§3, §4, §6.1 send order) ---- */

static bool draw_random(const struct datapath *dp, uint8_t *out, size_t len)
{
    if (dp->p.rand != NULL)
        return dp->p.rand(dp->p.rand_ctx, out, len);
    return RAND_bytes(out, (int)len) == 1;
}

/* §5.1: ask once per key for a soft reset (when there is a queue to ask through). */
static void want_renegotiation(struct datapath *dp, struct dp_peer *p, struct dp_key_slot *k,
                               struct evq *q)
{
    struct dp_event *e;

    if (k->reneg_reported || q == NULL)
        return;
    e = ev_push(dp, q, DP_EV_RENEGOTIATE, p);
    if (e == NULL)
        return;
    e->key_id = k->key_id;
    k->reneg_reported = true;
}

static int seal_error(int rc)
{
    if (rc == DCIPHER_ERR_NO_ROOM)
        return DP_DROP_NO_ROOM;
    if (rc == DCIPHER_ERR_TOO_BIG)
        return DP_DROP_TOO_BIG;
    return DP_DROP_SEAL;
}

/* Frames and seals the plaintext in b with p's send key and next packet-id. */
static int seal(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, uint64_t now,
                struct evq *q)
{
    struct dp_key_slot *k = send_slot(p);
    uint8_t hdr[WIRE_DATA_V2_HDR_LEN], iv[DCIPHER_BLOCK_MAX];
    struct buf_writer w;
    uint32_t pid;
    int rc;

    if (k == NULL)
        return DP_DROP_NO_KEY;
    if (dcipher_packet_id_exhausted(k->tx_last_pid)) {
        want_renegotiation(dp, p, k, q);
        return DP_DROP_PID_EXHAUSTED;
    }
    buf_writer_init(&w, hdr, sizeof(hdr));
    if (wire_data_hdr_build(&w, p->data_v2 ? WIRE_P_DATA_V2 : WIRE_P_DATA_V1, k->key_id,
                            p->peer_id) != WIRE_OK)
        return DP_DROP_SEAL;
    if (comp_frame(&p->comp, b, dp->scratch, DP_SCRATCH_LEN) != COMP_OK)
        return DP_DROP_NO_ROOM;
    if (k->enc.suite.iv_len > 0 && !draw_random(dp, iv, k->enc.suite.iv_len))
        return DP_DROP_SEAL;
    if (dcipher_packet_id_next(&k->tx_last_pid, &pid) != DCIPHER_OK)
        return DP_DROP_PID_EXHAUSTED;
    if (dcipher_packet_id_renegotiate(k->tx_last_pid))
        want_renegotiation(dp, p, k, q);
    rc = dcipher_seal(&k->enc, b, pid, hdr, buf_writer_len(&w), iv, k->enc.suite.iv_len);
    if (rc != DCIPHER_OK)
        return seal_error(rc);
    k->tx_packets++;
    k->tx_bytes += pktbuf_len(b);
    p->stats.tx_link_bytes += pktbuf_len(b);
    p->last_tx = now;
    dp->stats.tx_data++;
    return DP_DROP_NONE;
}

/* An in-band message (§6): the ping, or OCC message m, built in place and sealed like data. */
static int build_inband(struct datapath *dp, struct dp_peer *p, struct pktbuf *b,
                        struct udp_meta *meta, uint64_t now, const struct inband_occ *m)
{
    struct buf_writer w = pktbuf_tail_writer(b);
    int rc;

    if (pktbuf_len(b) != 0)
        return drop(dp, p, DP_DROP_NO_ROOM);
    rc = m != NULL ? inband_occ_build(&w, m) : inband_ping_build(&w);
    if (rc != INBAND_OK || !pktbuf_commit(b, &w))
        return drop(dp, p, DP_DROP_NO_ROOM);
    rc = seal(dp, p, b, now, NULL);
    if (rc != DP_DROP_NONE)
        return drop(dp, p, rc);
    *meta = p->remote;
    return DP_DROP_NONE;
}

int dp_build_ping(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, struct udp_meta *meta,
                  uint64_t now)
{
    int rc = build_inband(dp, p, b, meta, now, NULL);

    if (rc == DP_DROP_NONE)
        dp->stats.tx_ping++;
    return rc;
}

int dp_build_occ(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, struct udp_meta *meta,
                 uint64_t now, const struct inband_occ *m)
{
    return build_inband(dp, p, b, meta, now, m);
}

int dp_build_exit(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, struct udp_meta *meta,
                  uint64_t now)
{
    const struct inband_occ m = { .type = INBAND_OCC_EXIT };

    return build_inband(dp, p, b, meta, now, &m);
}

/* ---- tun -> network ---- */

static struct dp_peer *peer_by_id(const struct datapath *dp, uint32_t id)
{
    void *stored;

    if (dp->peers == NULL)
        return NULL;
    stored = peertab_by_id(dp->peers, id);
    if (stored == NULL)
        return NULL;
    return dp->p.peer_of ? dp->p.peer_of(stored) : stored;
}

/* Server: the client owning the destination (§9.4). */
static int tx_route(const struct datapath *dp, const struct pktbuf *b, struct dp_peer **out)
{
    struct vaddr_ip dst;

    if (dp->routes == NULL)
        return DP_DROP_NO_ROUTE;
    switch (vaddr_packet_dst(pktbuf_data(b), pktbuf_len(b), &dst)) {
    case VADDR_PKT_INVALID:
        return DP_DROP_NOT_IP;
    case VADDR_PKT_MULTICAST:
        return DP_DROP_MULTICAST;
    case VADDR_PKT_UNICAST:
        break;
    }
    *out = peer_by_id(dp, vaddr_lookup(dp->routes, &dst));
    return *out != NULL ? DP_DROP_NONE : DP_DROP_NO_ROUTE;
}

/* §6.1: mssfix, then framing and encryption. */
static int tx_one(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, uint64_t now,
                  struct evq *q)
{
    size_t len = pktbuf_len(b);
    int rc;

    if (p->mss != 0 && mss_clamp(pktbuf_data(b), len, p->mss) == MSS_CLAMPED)
        dp->stats.mss_clamped++;
    rc = seal(dp, p, b, now, q);
    if (rc != DP_DROP_NONE)
        return rc;
    p->stats.tx_packets++;
    p->stats.tx_bytes += len;
    return DP_DROP_NONE;
}

size_t dp_encrypt_batch(struct datapath *dp, struct dp_peer *peer, struct pktbuf *const *bufs,
                        size_t n, uint64_t now, struct dp_tx_out *out)
{
    struct evq q = { out->ev, &out->n_ev };

    out->n_send = 0;
    out->n_ev = 0;
    if (n > PKTBUF_BATCH_MAX)
        n = PKTBUF_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        struct dp_peer *p = peer;
        int rc = p != NULL ? DP_DROP_NONE : tx_route(dp, bufs[i], &p);

        if (rc == DP_DROP_NONE)
            rc = tx_one(dp, p, bufs[i], now, &q);
        out->reason[i] = (uint8_t)rc;
        if (rc != DP_DROP_NONE) {
            out->verdict[i] = DP_V_FREE;
            drop(dp, p, rc);
            continue;
        }
        out->verdict[i] = DP_V_SEND;
        out->send[out->n_send] = bufs[i];
        out->peer[out->n_send] = p;
        out->key_id[out->n_send] = p->slots[p->send_slot].key_id;
        out->meta[out->n_send++] = p->remote;
    }
    return n;
}

/* ---- network -> tun ---- */

/* One received packet on its way through rx_one(). */
struct rx {
    struct datapath *dp;
    struct pktbuf *b;
    const struct udp_meta *m;
    size_t index;
    struct dp_rx_out *out;
    struct evq q;
    uint64_t now;
    struct dp_peer *p;
    struct dp_key_slot *k;
    bool moved; /* the source address is not the peer's: a float candidate */
};

/* §9.1 on the server; the one peer and its address rule (§9.2 `float`) on a client. */
static int rx_find_peer(struct rx *x, struct dp_peer *fixed, const struct wire_data *wd)
{
    void *stored;

    if (fixed != NULL) {
        x->p = fixed;
        x->moved = !peertab_addr_equal(&x->m->peer, &fixed->remote.peer);
        return x->moved && !x->dp->p.float_ok ? DP_DROP_WRONG_SOURCE : DP_DROP_NONE;
    }
    if (x->dp->peers == NULL)
        return DP_DROP_UNKNOWN_PEER;
    /* A V2 peer-id that names an empty slot is not retried by address (§9.1, [OBS]). */
    if (wd->opcode == WIRE_P_DATA_V2 && wd->peer_id != WIRE_PEER_ID_UNSET) {
        x->p = peer_by_id(x->dp, wd->peer_id);
        x->moved = x->p != NULL && !peertab_addr_equal(&x->m->peer, &x->p->remote.peer);
        return x->p != NULL ? DP_DROP_NONE : DP_DROP_UNKNOWN_PEER;
    }
    stored = peertab_by_addr(x->dp->peers, &x->m->peer, NULL);
    if (stored != NULL)
        x->p = x->dp->p.peer_of ? x->dp->p.peer_of(stored) : stored;
    return x->p != NULL ? DP_DROP_NONE : DP_DROP_UNKNOWN_PEER;
}

static int open_error(struct datapath *dp, int rc)
{
    if ((size_t)-rc < DCIPHER_DROP_REASONS)
        dp->stats.cipher[-rc]++;
    if (rc == DCIPHER_ERR_TRUNCATED)
        return DP_DROP_TRUNCATED;
    if (rc == DCIPHER_ERR_BAD_TAG || rc == DCIPHER_ERR_BAD_HMAC)
        return DP_DROP_AUTH;
    if (rc == DCIPHER_ERR_NO_KEY || rc == DCIPHER_ERR_DIRECTION)
        return DP_DROP_NO_KEY;
    return DP_DROP_DECRYPT;
}

/* §3.4 receive order: authenticate and decrypt, then the replay window, then nothing else. */
static int rx_open(struct rx *x, uint8_t key_id)
{
    int i = slot_find(x->p, key_id), rc;
    uint32_t pid = 0;

    if (i < 0)
        return DP_DROP_NO_KEY;
    x->k = &x->p->slots[i];
    rc = dcipher_open(&x->k->dec, x->b, &pid);
    if (rc != DCIPHER_OK)
        return open_error(x->dp, rc);
    rc = replay_commit(&x->k->replay, pid, 0, x->now);
    if (rc != REPLAY_OK) {
        if ((size_t)-rc < REPLAY_DROP_REASONS)
            x->dp->stats.replay[-rc]++;
        return DP_DROP_REPLAY;
    }
    return DP_DROP_NONE;
}

/* The packet authenticated: keepalive, counters, and the float report (§6.2, §9.2). */
static void rx_authenticated(struct rx *x, size_t link_len)
{
    struct dp_peer *p = x->p;
    struct dp_event *e;

    p->last_rx = x->now;
    p->stats.rx_link_bytes += link_len;
    x->k->rx_packets++;
    x->k->rx_bytes += link_len;
    x->dp->stats.rx_data++;
    x->out->peer[x->index] = p;
    x->out->key_id[x->index] = x->k->key_id;
    if (!x->moved || p->float_batch == x->dp->batch)
        return;
    e = ev_push(x->dp, &x->q, DP_EV_FLOAT, p);
    if (e == NULL)
        return;
    e->key_id = x->k->key_id;
    e->from = *x->m;
    p->float_batch = x->dp->batch;
    x->dp->stats.floats++;
}

/* An OCC message: the app acts on it (§6.3, §6.4); the buffer keeps it for the event. */
static int rx_occ(struct rx *x)
{
    struct inband_occ m;
    struct dp_event *e;

    if (inband_occ_parse(pktbuf_data(x->b), pktbuf_len(x->b), &m) != INBAND_OK)
        return DP_DROP_BAD_OCC;
    x->dp->stats.rx_occ++;
    e = ev_push(x->dp, &x->q, m.type == INBAND_OCC_EXIT ? DP_EV_EXIT : DP_EV_OCC, x->p);
    if (e != NULL) {
        e->key_id = x->k->key_id;
        e->index = x->index;
    }
    return DP_DROP_NONE;
}

/* §9.4: a client may only send from its own addresses; IPv6 link-local is dropped quietly. */
static int rx_source_check(const struct rx *x, const struct vaddr_ip *src)
{
    if (x->dp->p.role != DP_SERVER)
        return DP_DROP_NONE;
    if (vaddr_ip_link_local(src))
        return DP_DROP_LINK_LOCAL;
    if (vaddr_lookup(x->dp->routes, src) != x->p->peer_id)
        return DP_DROP_BAD_SOURCE;
    return DP_DROP_NONE;
}

/* Forwarded packets are sealed again in this buffer: give them the headroom sealing needs. */
static void regain_headroom(struct pktbuf *b)
{
    size_t len = pktbuf_len(b);
    const uint8_t *src = pktbuf_data(b);

    if (pktbuf_headroom(b) >= DP_HEADROOM || b->cap < DP_HEADROOM + len + DP_TAILROOM)
        return;
    /* Same storage: reset only moves the start, the bytes stay where src points. */
    pktbuf_reset(b, DP_HEADROOM);
    memmove(pktbuf_put(b, len), src, len);
}

/* Server with client-to-client: is the destination another client (§9.4)? */
static bool rx_for_other_client(const struct rx *x)
{
    struct vaddr_ip dst;
    uint32_t owner;

    if (x->dp->p.role != DP_SERVER || !x->dp->p.client_to_client)
        return false;
    if (vaddr_packet_dst(pktbuf_data(x->b), pktbuf_len(x->b), &dst) != VADDR_PKT_UNICAST)
        return false;
    owner = vaddr_lookup(x->dp->routes, &dst);
    return owner != VADDR_NO_PEER && owner != x->p->peer_id;
}

/* A user packet: checks, mssfix on the way in, then tun or another client. */
static int rx_deliver(struct rx *x)
{
    struct dp_rx_out *out = x->out;
    size_t len = pktbuf_len(x->b);
    struct vaddr_ip src;
    int rc;

    if (len == 0)
        return DP_DROP_EMPTY;
    if (len > x->dp->p.tun_mtu_max)
        return DP_DROP_TOO_BIG;
    if (!vaddr_packet_src(pktbuf_data(x->b), len, &src))
        return DP_DROP_NOT_IP;
    rc = rx_source_check(x, &src);
    if (rc != DP_DROP_NONE)
        return rc;
    if (x->p->mss != 0 && mss_clamp(pktbuf_data(x->b), len, x->p->mss) == MSS_CLAMPED)
        x->dp->stats.mss_clamped++;
    x->p->stats.rx_packets++;
    x->p->stats.rx_bytes += len;
    if (rx_for_other_client(x)) {
        regain_headroom(x->b);
        out->verdict[x->index] = DP_V_PEER;
        out->fwd[out->n_fwd++] = x->b;
        return DP_DROP_NONE;
    }
    out->verdict[x->index] = DP_V_TUN;
    out->tun[out->n_tun++] = x->b;
    return DP_DROP_NONE;
}

/* After authentication: unframe, then keepalive / OCC / user data (§6.1 receive order). */
static int rx_payload(struct rx *x)
{
    int rc = comp_unframe(&x->p->comp, x->b, x->dp->scratch, x->dp->p.tun_mtu_max);

    if (rc != COMP_OK) {
        if ((size_t)-rc < DP_COMP_REASONS)
            x->dp->stats.comp[-rc]++;
        return DP_DROP_COMP;
    }
    switch (inband_classify(pktbuf_data(x->b), pktbuf_len(x->b))) {
    case INBAND_PING:
        x->dp->stats.rx_ping++;
        return DP_DROP_NONE;
    case INBAND_OCC:
        return rx_occ(x);
    case INBAND_DATA:
        break;
    }
    return rx_deliver(x);
}

/* A data packet: header, peer, key, open + replay, then the payload. */
static int rx_data(struct rx *x, struct dp_peer *fixed)
{
    struct wire_data wd;
    size_t link_len = pktbuf_len(x->b);
    int rc;

    if (wire_data_parse(pktbuf_data(x->b), link_len, &wd) != WIRE_OK)
        return DP_DROP_TRUNCATED;
    rc = rx_find_peer(x, fixed, &wd);
    if (rc == DP_DROP_NONE)
        rc = rx_open(x, wd.key_id);
    if (rc != DP_DROP_NONE)
        return rc;
    rx_authenticated(x, link_len);
    return rx_payload(x);
}

static void rx_one(struct rx *x, struct dp_peer *fixed)
{
    struct dp_rx_out *out = x->out;
    struct buf_reader r = pktbuf_reader(x->b);
    uint8_t first = 0, op;
    int rc;

    out->verdict[x->index] = DP_V_FREE;
    out->peer[x->index] = NULL;
    out->key_id[x->index] = 0;
    op = buf_peek_u8(&r, &first) ? wire_opcode_of(first) : 0;
    if (pktbuf_len(x->b) == 0) {
        rc = DP_DROP_TRUNCATED;
    } else if (wire_op_is_control(op)) {
        /* Control packets go back untouched; the session layer owns them. */
        out->verdict[x->index] = DP_V_CONTROL;
        out->control[out->n_control++] = x->index;
        x->dp->stats.rx_control++;
        rc = DP_DROP_NONE;
    } else if (!wire_op_is_data(op)) {
        rc = DP_DROP_BAD_OPCODE;
    } else {
        rc = rx_data(x, fixed);
    }
    out->reason[x->index] = (uint8_t)rc;
    if (rc != DP_DROP_NONE) {
        out->verdict[x->index] = DP_V_FREE;
        drop(x->dp, x->p, rc);
    }
}

size_t dp_decrypt_batch(struct datapath *dp, struct dp_peer *peer, struct pktbuf *const *bufs,
                        const struct udp_meta *meta, size_t n, uint64_t now, struct dp_rx_out *out)
{
    out->n_tun = 0;
    out->n_fwd = 0;
    out->n_control = 0;
    out->n_ev = 0;
    dp->batch++;
    if (n > PKTBUF_BATCH_MAX)
        n = PKTBUF_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        struct rx x = {
            .dp = dp,
            .b = bufs[i],
            .m = &meta[i],
            .index = i,
            .out = out,
            .q = { out->ev, &out->n_ev },
            .now = now,
        };

        rx_one(&x, peer);
    }
    return n;
}
