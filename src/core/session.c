/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session object: its two state machines (the session's and each key's, one transition
 * function each), packet input through an opcode table, packet output, deadlines and events.
 * Sections refer to shared/docs/protocol-control.md.
 */
#include "session_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "secret.h"

/* ---- names ---- */

const char *session_strerror(int err)
{
    switch (err) {
    case SESSION_OK:
        return "ok";
    case SESSION_ERR_PARAM:
        return "invalid parameter";
    case SESSION_ERR_NOMEM:
        return "out of memory";
    case SESSION_ERR_STATE:
        return "not possible in this state";
    case SESSION_ERR_NO_ROOM:
        return "output buffer too small";
    case SESSION_ERR_CRYPTO:
        return "crypto library failure";
    default:
        return "unknown error";
    }
}

const char *session_rx_name(int reason)
{
    static const char *const names[SESSION_RX_REASONS] = {
        "ok",
        "truncated",
        "too big",
        "bad opcode",
        "wrapping authentication failed",
        "replayed packet-id",
        "malformed control packet",
        "bad session id",
        "bad remote session id",
        "key id out of sync",
        "not allowed in this state",
        "reliability layer refused",
        "rate limited",
        "invalid or missing cookie",
        "no early-negotiation marker",
        "session closed",
    };

    if (reason > 0 || reason <= -SESSION_RX_REASONS)
        return "unknown";
    return names[-reason];
}

const char *session_fail_name(enum session_fail f)
{
    static const char *const names[] = {
        [SESSION_FAIL_NONE] = "none",
        [SESSION_FAIL_HANDSHAKE_TIMEOUT] = "handshake timeout",
        [SESSION_FAIL_PUSH_TIMEOUT] = "push timeout",
        [SESSION_FAIL_TLS] = "TLS error",
        [SESSION_FAIL_TLS_CLOSED] = "TLS closed by peer",
        [SESSION_FAIL_KEYEX] = "key exchange error",
        [SESSION_FAIL_NCP] = "cipher negotiation failed",
        [SESSION_FAIL_PUSH] = "bad push reply",
        [SESSION_FAIL_KEYS] = "key derivation failed",
        [SESSION_FAIL_INTERNAL] = "internal error",
        [SESSION_FAIL_LOCAL_CLOSE] = "closed",
    };

    if ((unsigned)f >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[f];
}

const char *session_event_name(enum session_event_type t)
{
    static const char *const names[] = {
        [SESSION_EV_TLS_VERIFIED] = "TLS_VERIFIED",
        [SESSION_EV_PEER_INFO] = "PEER_INFO",
        [SESSION_EV_KEYS] = "KEYS",
        [SESSION_EV_SEND_KEY] = "SEND_KEY",
        [SESSION_EV_KEY_RETIRED] = "KEY_RETIRED",
        [SESSION_EV_RENEGOTIATING] = "RENEGOTIATING",
        [SESSION_EV_TEXT] = "TEXT",
        [SESSION_EV_PUSH_REQUEST] = "PUSH_REQUEST",
        [SESSION_EV_PUSH_REPLY] = "PUSH_REPLY",
        [SESSION_EV_ESTABLISHED] = "ESTABLISHED",
        [SESSION_EV_FAILED] = "FAILED",
    };

    if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
        return "UNKNOWN";
    return names[t];
}

/* ---- state machines ---- */

#define STATE_BIT(st) (1u << (st))

/* Legal moves of the session: a handshake ends in ACTIVE or FAILED; CLOSING only ends. */
static const unsigned session_moves[] = {
    [SESSION_HANDSHAKE] =
        STATE_BIT(SESSION_ACTIVE) | STATE_BIT(SESSION_CLOSING) | STATE_BIT(SESSION_FAILED),
    [SESSION_ACTIVE] = STATE_BIT(SESSION_CLOSING) | STATE_BIT(SESSION_FAILED),
    [SESSION_CLOSING] = STATE_BIT(SESSION_FAILED),
    [SESSION_FAILED] = 0,
};

bool session_set_state(struct session *s, enum session_state to)
{
    if (!(session_moves[s->state] & STATE_BIT(to))) {
        s->stats.illegal_transitions++;
        return false;
    }
    s->state = to;
    return true;
}

/* Legal moves of a key (§6, §9, §11): forward only; a key leaves only as a lame duck. */
static const unsigned key_moves[SESSION_KS_COUNT] = {
    [SESSION_KS_NONE] = SESSION_KS_BIT(SESSION_KS_PRE_START) | SESSION_KS_BIT(SESSION_KS_START),
    [SESSION_KS_PRE_START] = SESSION_KS_BIT(SESSION_KS_START),
    [SESSION_KS_START] = SESSION_KS_BIT(SESSION_KS_SENT_KM) | SESSION_KS_BIT(SESSION_KS_ACTIVE),
    [SESSION_KS_SENT_KM] = SESSION_KS_BIT(SESSION_KS_WAIT_PUSH) | SESSION_KS_BIT(SESSION_KS_ACTIVE),
    [SESSION_KS_WAIT_PUSH] = SESSION_KS_BIT(SESSION_KS_ACTIVE),
    [SESSION_KS_ACTIVE] = SESSION_KS_BIT(SESSION_KS_LAME),
    [SESSION_KS_LAME] = SESSION_KS_BIT(SESSION_KS_NONE),
};

bool session_key_set_state(struct session *s, struct session_key *k, enum session_key_state to)
{
    if (k->state >= SESSION_KS_COUNT || !(key_moves[k->state] & SESSION_KS_BIT(to))) {
        s->stats.illegal_transitions++;
        return false;
    }
    k->state = to;
    return true;
}

/* Moves to FAILED with the recorded reason and tells the app. */
static void session_finish(struct session *s)
{
    struct session_event *ev;

    if (!session_set_state(s, SESSION_FAILED))
        return;
    ev = session_ev_push(s, SESSION_EV_FAILED, s->key[SESSION_PRIMARY].key_id);
    if (ev) {
        ev->u.fail.reason = s->fail_reason;
        ev->u.fail.text = s->fail_text;
    }
}

void session_fail(struct session *s, enum session_fail why, const char *fmt, ...)
{
    va_list ap;

    if (s->state == SESSION_FAILED)
        return;
    /* A session that is closing keeps the reason it closed for. */
    if (s->state != SESSION_CLOSING || s->fail_reason == SESSION_FAIL_NONE) {
        s->fail_reason = why;
        va_start(ap, fmt);
        vsnprintf(s->fail_text, sizeof(s->fail_text), fmt, ap);
        va_end(ap);
    }
    session_finish(s);
}

/* ---- events ---- */

struct session_event *session_ev_push(struct session *s, enum session_event_type type,
                                      uint8_t key_id)
{
    struct session_event *ev;

    if (s->ev_count == SESSION_EVENTS_MAX) {
        s->stats.events_lost++;
        return NULL;
    }
    ev = &s->ev[(s->ev_head + s->ev_count) % SESSION_EVENTS_MAX];
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->key_id = key_id;
    s->ev_count++;
    return ev;
}

const char *session_ev_text(struct session *s, const char *text, size_t len)
{
    char *dst;

    /* The app drained every event since the arena was last used: its views are stale anyway. */
    if (s->ev_count == 0)
        s->arena_used = 0;
    if (len >= sizeof(s->arena) - s->arena_used)
        return NULL;
    dst = s->arena + s->arena_used;
    memcpy(dst, text, len);
    dst[len] = '\0';
    s->arena_used += len + 1;
    return dst;
}

bool session_next_event(struct session *s, struct session_event *ev)
{
    struct session_event *head;

    if (s->ev_count == 0) {
        /* Drained: the next text may reuse the arena (views stay until the next other call). */
        s->arena_used = 0;
        return false;
    }
    head = &s->ev[s->ev_head];
    *ev = *head;
    secret_wipe(head, sizeof(*head)); /* KEYS events hold key material */
    s->ev_head = (s->ev_head + 1) % SESSION_EVENTS_MAX;
    s->ev_count--;
    return true;
}

void session_event_wipe(struct session_event *ev)
{
    if (ev)
        secret_wipe(ev, sizeof(*ev));
}

/* ---- small helpers ---- */

int64_t session_wall_now(const struct session *s, uint64_t now)
{
    uint64_t elapsed = now > s->created ? (now - s->created) / 1000u : 0;

    return (int64_t)s->p.wall_time_s + (int64_t)(elapsed > INT32_MAX ? INT32_MAX : elapsed);
}

void session_random(struct session *s, void *out, size_t len)
{
    s->p.rand(s->p.rand_ctx, out, len);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t add_ms(uint64_t t, uint64_t ms)
{
    return t > SESSION_NEVER - ms ? SESSION_NEVER : t + ms;
}

static bool handshaking(const struct session_key *k)
{
    return k->state >= SESSION_KS_PRE_START && k->state <= SESSION_KS_WAIT_PUSH;
}

/* ---- parameters and construction ---- */

void session_params_init(struct session_params *p)
{
    memset(p, 0, sizeof(*p));
    p->role = SESSION_CLIENT;
    p->wrap.mode = CTLWRAP_NONE;
    p->wrap.key_direction = CTLWRAP_KEY_DIR_BIDI;
    p->reneg_sec = SESSION_RENEG_SEC_DEFAULT;
    p->hand_window_s = SESSION_HAND_WINDOW_DEFAULT;
    p->tran_window_s = SESSION_TRAN_WINDOW_DEFAULT;
    p->tls_timeout_ms = RELIABLE_DEFAULT_TIMEOUT_MS;
    p->peer_info.version = "2.6.14";
    p->peer_info.platform = "linux";
    p->peer_info.proto = KEYEX_IV_PROTO_DATA_V2;
    p->peer_info.tcpnl = true;
    p->peer_info.mtu = 1600;
    p->peer_info.comp = KEYEX_IV_COMP_STUBS_ONLY;
    p->ekm = true;
    p->dyn_tls_crypt = true;
    p->tls_mtu = SESSION_TLS_MTU_DEFAULT;
    p->transport_overhead = SESSION_IPV4_OVERHEAD;
    p->replay_window = REPLAY_WINDOW_DEFAULT;
    p->replay_time = REPLAY_TIME_DEFAULT;
}

static bool params_ok(const struct session_params *p)
{
    if (!p || !p->tls || !p->occ || !p->rand || p->hand_window_s == 0 || p->tls_timeout_ms == 0)
        return false;
    if (p->role != SESSION_CLIENT && p->role != SESSION_SERVER)
        return false;
    if (p->tls_mtu < SESSION_TLS_MTU_MIN || p->tls_mtu > SESSION_TLS_MTU_MAX ||
        p->transport_overhead > SESSION_IPV6_OVERHEAD)
        return false;
    if (p->wrap.mode > CTLWRAP_TLS_CRYPT_V2)
        return false;
    /* A tls-crypt-v2 server learns Kc from each client; every other wrapping needs its key. */
    if (p->wrap.mode != CTLWRAP_NONE && !p->wrap.key &&
        !(p->wrap.mode == CTLWRAP_TLS_CRYPT_V2 && p->role == SESSION_SERVER))
        return false;
    return !(p->wrap.mode == CTLWRAP_TLS_CRYPT_V2 && p->role == SESSION_CLIENT && !p->wrap.wkc);
}

/* Payload room of one control packet with the given wrapping overhead (§7.4). */
static size_t payload_budget(const struct session_params *p, size_t wrap_overhead)
{
    size_t fixed = 1u + WIRE_SID_LEN + wire_ack_size(RELIABLE_PIGGYBACK_ACKS) + 4u +
                   p->transport_overhead + wrap_overhead;

    return p->tls_mtu > fixed ? p->tls_mtu - fixed : 0;
}

static int wrap_new(struct session *s, const uint8_t *key, struct ctlwrap **out)
{
    struct ctlwrap_params cp;

    ctlwrap_params_init(&cp);
    cp.mode = s->p.wrap.mode;
    cp.role = s->p.role == SESSION_CLIENT ? CTLWRAP_CLIENT : CTLWRAP_SERVER;
    cp.key_direction = s->p.wrap.key_direction;
    if (s->p.wrap.digest)
        cp.digest = s->p.wrap.digest;
    cp.key = key;
    cp.wkc = s->p.wrap.wkc;
    cp.wkc_len = s->p.wrap.wkc_len;
    cp.send_time = s->p.wall_time_s;
    cp.replay_window = s->p.replay_window;
    cp.replay_time = s->p.replay_time;
    return ctlwrap_new(&cp, out) == CTLWRAP_OK ? SESSION_OK : SESSION_ERR_PARAM;
}

static int alloc_parts(struct session *s, uint64_t now)
{
    struct reliable_params rp;

    reliable_params_default(&rp);
    rp.send_payload_max = s->payload_max;
    rp.initial_timeout_ms = s->p.tls_timeout_ms;
    rp.ack_delay_ms = 0;
    s->rel = reliable_new(&rp);
    s->tls = tlsmem_new(s->p.tls, session_wall_now(s, now));
    if (!s->rel || !s->tls)
        return SESSION_ERR_NOMEM;
    if (s->p.role == SESSION_CLIENT) {
        s->push = calloc(1, sizeof(*s->push));
        if (!s->push)
            return SESSION_ERR_NOMEM;
        push_settings_init(s->push);
        return session_peer_info_build(s);
    }
    return SESSION_OK;
}

/* Everything both roles share; the wrapping follows when the role's key is known. */
static int session_alloc(const struct session_params *p, uint64_t now, struct session **out)
{
    struct session *s;
    int rc;

    *out = NULL;
    if (!params_ok(p))
        return SESSION_ERR_PARAM;
    s = calloc(1, sizeof(*s));
    if (!s)
        return SESSION_ERR_NOMEM;
    s->p = *p;
    s->p.wrap.key = NULL; /* copied below where needed, never read through the caller's pointer */
    s->created = now;
    s->send_key = -1;
    s->send_key_next = SESSION_NEVER;
    s->push_req_at = SESSION_NEVER;
    s->close_at = SESSION_NEVER;
    s->payload_max = payload_budget(p, 0);
    rc = session_ciphers_normalise(p->data_ciphers, s->data_ciphers, sizeof(s->data_ciphers));
    if (rc == SESSION_OK)
        rc = alloc_parts(s, now);
    if (rc != SESSION_OK) {
        session_free(s);
        return rc;
    }
    *out = s;
    return SESSION_OK;
}

/* Keeps the configured key for the dynamic tls-crypt key of §11.4, then builds the wrapper. */
static int session_wrap_setup(struct session *s, const uint8_t *key)
{
    if (key) {
        memcpy(s->orig_key, key, CTLWRAP_KEY_LEN);
        s->has_orig_key = true;
    }
    return wrap_new(s, key, &s->cw);
}

int session_new_client(const struct session_params *p, uint64_t now, struct session **out)
{
    struct session *s;
    int rc;

    if (!p || !out || p->role != SESSION_CLIENT)
        return SESSION_ERR_PARAM;
    rc = session_alloc(p, now, &s);
    if (rc != SESSION_OK)
        return rc;
    session_random(s, s->own_sid.bytes, WIRE_SID_LEN);
    if (wire_sid_is_zero(&s->own_sid))
        s->own_sid.bytes[WIRE_SID_LEN - 1] = 1;
    rc = session_wrap_setup(s, p->wrap.mode == CTLWRAP_NONE ? NULL : p->wrap.key);
    s->p.wrap.wkc = NULL; /* the wrapper has its copy */
    if (rc == SESSION_OK && reliable_queue_reset(s->rel, NULL, 0) != RELIABLE_OK)
        rc = SESSION_ERR_NOMEM;
    if (rc != SESSION_OK) {
        session_free(s);
        return rc;
    }
    s->key[SESSION_PRIMARY].local = true;
    s->key[SESSION_PRIMARY].start = now;
    session_key_set_state(s, &s->key[SESSION_PRIMARY], SESSION_KS_PRE_START);
    *out = s;
    return SESSION_OK;
}

int session_new_accepted(const struct session_params *p, const struct session_accept *acc,
                         uint64_t now, struct session **out)
{
    const uint8_t *key;
    struct session *s;
    int rc;

    if (!p || !acc || !out || p->role != SESSION_SERVER)
        return SESSION_ERR_PARAM;
    if (p->wrap.mode == CTLWRAP_TLS_CRYPT_V2 && !acc->has_kc)
        return SESSION_ERR_PARAM;
    key = p->wrap.mode == CTLWRAP_TLS_CRYPT_V2 ? acc->kc : p->wrap.key;
    rc = session_alloc(p, now, &s);
    if (rc != SESSION_OK)
        return rc;
    s->own_sid = acc->server_sid;
    s->peer_sid = acc->client_sid;
    s->peer_sid_known = true;
    rc = session_wrap_setup(s, p->wrap.mode == CTLWRAP_NONE ? NULL : key);
    /* §6.1: as if our reset went out (replay id 1, message id 0) and both resets were acked. */
    if (rc == SESSION_OK) {
        ctlwrap_set_send_id(s->cw, 1);
        if (reliable_skip_resets(s->rel) != RELIABLE_OK)
            rc = SESSION_ERR_NOMEM;
    }
    if (rc != SESSION_OK) {
        session_free(s);
        return rc;
    }
    s->key[SESSION_PRIMARY].peer_reset = true;
    s->key[SESSION_PRIMARY].start = now;
    session_key_set_state(s, &s->key[SESSION_PRIMARY], SESSION_KS_START);
    *out = s;
    return SESSION_OK;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    ctlwrap_free(s->cw);
    ctlwrap_free(s->dyn);
    reliable_free(s->rel);
    tlsmem_free(s->tls);
    if (s->push) {
        push_settings_wipe(s->push);
        free(s->push);
    }
    secret_free(s, sizeof(*s));
}

/* ---- receiving (§2.3, §6, §7, §11.2) ---- */

/* A received packet after validation: nothing of it has touched the session yet. */
struct session_rx_pkt {
    struct wire_control c;
    struct ctlwrap *wrap;
    struct wire_replay_id rid;
    bool new_key;    /* the peer's soft reset that starts the next key */
    bool resend_wkc; /* the server's reset asks for the WKc again (§5.4) */
};

typedef int (*session_op_fn)(struct session *s, const struct session_rx_pkt *rx, uint64_t now);

struct session_op_rule {
    session_op_fn apply;
    unsigned roles;  /* ROLE_BIT(SESSION_CLIENT) ... */
    unsigned states; /* primary key states in which the opcode is taken */
    bool reset;      /* carries message id 0 of a key */
};

#define ROLE_BIT(r) (1u << (r))
#define BOTH_ROLES  (ROLE_BIT(SESSION_CLIENT) | ROLE_BIT(SESSION_SERVER))
#define LIVE_STATES                                                                                \
    (SESSION_KS_BIT(SESSION_KS_PRE_START) | SESSION_KS_BIT(SESSION_KS_START) |                     \
     SESSION_KS_BIT(SESSION_KS_SENT_KM) | SESSION_KS_BIT(SESSION_KS_WAIT_PUSH) |                   \
     SESSION_KS_BIT(SESSION_KS_ACTIVE))

static int op_reset(struct session *s, const struct session_rx_pkt *rx, uint64_t now);
static int op_control(struct session *s, const struct session_rx_pkt *rx, uint64_t now);
static int op_ack(struct session *s, const struct session_rx_pkt *rx, uint64_t now);

static const struct session_op_rule op_rules[WIRE_OPCODE_MAX + 1] = {
    [WIRE_P_CONTROL_HARD_RESET_CLIENT_V2] = { op_reset, ROLE_BIT(SESSION_SERVER), LIVE_STATES,
                                              true },
    [WIRE_P_CONTROL_HARD_RESET_CLIENT_V3] = { op_reset, ROLE_BIT(SESSION_SERVER), LIVE_STATES,
                                              true },
    [WIRE_P_CONTROL_HARD_RESET_SERVER_V2] = { op_reset, ROLE_BIT(SESSION_CLIENT), LIVE_STATES,
                                              true },
    [WIRE_P_CONTROL_SOFT_RESET_V1] = { op_reset, BOTH_ROLES, LIVE_STATES, true },
    [WIRE_P_CONTROL_V1] = { op_control, BOTH_ROLES, LIVE_STATES, false },
    [WIRE_P_CONTROL_WKC_V1] = { op_control, ROLE_BIT(SESSION_SERVER), LIVE_STATES, false },
    [WIRE_P_ACK_V1] = { op_ack, BOTH_ROLES, LIVE_STATES, false },
};

static int rx_count(struct session *s, int reason)
{
    if (reason < 0 && reason > -SESSION_RX_REASONS)
        s->stats.drops[-reason]++;
    else if (reason == SESSION_RX_OK)
        s->stats.rx_packets++;
    return reason;
}

static bool is_hard_reset(uint8_t opcode)
{
    return opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V2 ||
           opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 ||
           opcode == WIRE_P_CONTROL_HARD_RESET_SERVER_V2;
}

/* Control packets belong to the primary key only (§1), except the soft reset of the next one. */
static int rx_key(const struct session *s, struct session_rx_pkt *rx)
{
    const struct session_key *k = &s->key[SESSION_PRIMARY];

    if (rx->c.key_id == k->key_id)
        return SESSION_RX_OK;
    if (rx->c.opcode == WIRE_P_CONTROL_SOFT_RESET_V1 && k->state == SESSION_KS_ACTIVE &&
        s->state == SESSION_ACTIVE && rx->c.key_id == wire_key_id_next(k->key_id)) {
        rx->new_key = true; /* §11.2: accepted only once the current key is established */
        return SESSION_RX_OK;
    }
    return SESSION_RX_KEY_ID;
}

/* Session ids (§2.3): the sender must be our peer, and an ack block must name us. */
static int rx_sids(const struct session *s, const struct session_rx_pkt *rx)
{
    if (s->peer_sid_known && !wire_sid_equal(&rx->c.sid, &s->peer_sid))
        return SESSION_RX_SID;
    /* Before the server's reset only that reset, acking ours, may teach us the server's id. */
    if (!s->peer_sid_known &&
        (rx->c.opcode != WIRE_P_CONTROL_HARD_RESET_SERVER_V2 || rx->c.ack.n == 0))
        return SESSION_RX_STATE;
    if (rx->c.ack.n > 0 && !wire_sid_equal(&rx->c.ack.remote_sid, &s->own_sid))
        return SESSION_RX_REMOTE_SID;
    return SESSION_RX_OK;
}

/* Message-id 0 is a key's reset and nothing else; a hard reset belongs to key_id 0 only. */
static int rx_shape(const struct session_op_rule *rule, struct session_rx_pkt *rx)
{
    struct wire_early_neg en;
    uint8_t op = rx->c.opcode;

    if (op == WIRE_P_ACK_V1)
        return SESSION_RX_OK;
    if (rule->reset != (rx->c.msg_id == 0))
        return SESSION_RX_MALFORMED;
    if (is_hard_reset(op) != (rule->reset && rx->c.key_id == 0))
        return SESSION_RX_MALFORMED;
    if (op != WIRE_P_CONTROL_HARD_RESET_SERVER_V2)
        return SESSION_RX_OK;
    if (wire_early_neg_parse(rx->c.payload, rx->c.payload_len, &en) != WIRE_OK)
        return SESSION_RX_MALFORMED;
    rx->resend_wkc = (en.flags & WIRE_EARLY_NEG_FLAG_RESEND_WKC) != 0;
    return SESSION_RX_OK;
}

static int rx_unwrap(struct session *s, const uint8_t *pkt, size_t len, struct buf_writer *plain,
                     struct session_rx_pkt *rx)
{
    uint8_t opcode, key_id;
    int rc = wire_first_byte(pkt, len, &opcode, &key_id);

    if (rc == WIRE_ERR_TRUNCATED)
        return SESSION_RX_TRUNCATED;
    if (rc != WIRE_OK || !op_rules[opcode].apply || !(op_rules[opcode].roles & ROLE_BIT(s->p.role)))
        return SESSION_RX_OPCODE;
    /* §11.4: with dynamic tls-crypt every key but key_id 0 uses it. */
    rx->wrap = key_id > 0 && s->dyn ? s->dyn : s->cw;
    rc = ctlwrap_open(rx->wrap, pkt, len, plain, &rx->rid);
    if (rc == CTLWRAP_ERR_TRUNCATED)
        return SESSION_RX_TRUNCATED;
    if (rc != CTLWRAP_OK)
        return SESSION_RX_UNWRAP;
    rc = wire_control_parse(plain->data, buf_writer_len(plain), &rx->c);
    if (rc == WIRE_ERR_TRUNCATED)
        return SESSION_RX_TRUNCATED;
    return rc == WIRE_OK ? SESSION_RX_OK : SESSION_RX_MALFORMED;
}

static int rx_validate(struct session *s, const uint8_t *pkt, size_t len, uint64_t now,
                       struct buf_writer *plain, struct session_rx_pkt *rx)
{
    const struct session_op_rule *rule;
    int rc;

    if (len > SESSION_PACKET_MAX)
        return SESSION_RX_TOO_BIG;
    rc = rx_unwrap(s, pkt, len, plain, rx);
    if (rc == SESSION_RX_OK)
        rc = rx_key(s, rx);
    if (rc == SESSION_RX_OK)
        rc = rx_sids(s, rx);
    if (rc != SESSION_RX_OK)
        return rc;
    rule = &op_rules[rx->c.opcode];
    if (!rx->new_key && !(rule->states & SESSION_KS_BIT(s->key[SESSION_PRIMARY].state)))
        return SESSION_RX_STATE;
    rc = rx_shape(rule, rx);
    if (rc != SESSION_RX_OK)
        return rc;
    /* Last check, and the first change: the packet-id is recorded only for a packet we use. */
    if (ctlwrap_replay_commit(rx->wrap, &rx->rid, now) != CTLWRAP_OK)
        return SESSION_RX_REPLAY;
    return SESSION_RX_OK;
}

static void rx_acks(struct session *s, const struct session_rx_pkt *rx)
{
    for (unsigned i = 0; i < rx->c.ack.n; i++)
        reliable_ack_received(s->rel, rx->c.ack.ids[i]);
}

/* Stores the message (a reset with no TLS bytes); false when the reliability layer refused it. */
static bool rx_message(struct session *s, const struct session_rx_pkt *rx, bool reset, uint64_t now)
{
    enum reliable_rx res = reliable_receive(s->rel, rx->c.msg_id, reset ? NULL : rx->c.payload,
                                            reset ? 0 : rx->c.payload_len, now);

    return res == RELIABLE_RX_ACCEPTED || res == RELIABLE_RX_DUPLICATE;
}

static int op_reset(struct session *s, const struct session_rx_pkt *rx, uint64_t now)
{
    struct session_key *k;
    bool stored;

    if (rx->new_key && !session_key_renegotiate(s, now, false))
        return SESSION_RX_CLOSED;
    k = &s->key[SESSION_PRIMARY];
    if (!s->peer_sid_known) {
        s->peer_sid = rx->c.sid;
        s->peer_sid_known = true;
    }
    rx_acks(s, rx);
    stored = rx_message(s, rx, true, now);
    if (stored && !k->peer_reset && rx->resend_wkc && s->p.wrap.mode == CTLWRAP_TLS_CRYPT_V2)
        s->wkc_pending = true;
    k->peer_reset |= stored;
    session_key_check_start(s, now);
    session_tls_pump(s, now);
    return stored ? SESSION_RX_OK : SESSION_RX_RELIABLE;
}

static int op_control(struct session *s, const struct session_rx_pkt *rx, uint64_t now)
{
    bool stored;

    rx_acks(s, rx);
    stored = rx_message(s, rx, false, now);
    /* Even a refused message's acks may have freed send slots for waiting TLS output. */
    session_key_check_start(s, now);
    session_tls_pump(s, now);
    return stored ? SESSION_RX_OK : SESSION_RX_RELIABLE;
}

static int op_ack(struct session *s, const struct session_rx_pkt *rx, uint64_t now)
{
    rx_acks(s, rx);
    session_key_check_start(s, now);
    /* Freed send slots take the TLS output that waited for them. */
    session_tls_pump(s, now);
    return SESSION_RX_OK;
}

static void closing_check(struct session *s, uint64_t now)
{
    if (s->state == SESSION_CLOSING && (now >= s->close_at || reliable_unacked(s->rel) == 0))
        session_finish(s);
}

int session_receive(struct session *s, const uint8_t *pkt, size_t len, uint64_t now)
{
    uint8_t plain[SESSION_PACKET_MAX];
    struct session_rx_pkt rx;
    struct buf_writer w;
    int rc;

    if (s->state == SESSION_FAILED)
        return rx_count(s, SESSION_RX_CLOSED);
    memset(&rx, 0, sizeof(rx));
    buf_writer_init(&w, plain, sizeof(plain));
    rc = rx_validate(s, pkt, len, now, &w, &rx);
    if (rc == SESSION_RX_OK && s->state == SESSION_CLOSING) {
        /* Closing: only the acks of what we still deliver matter. */
        rx_acks(s, &rx);
        session_tls_flush(s);
        closing_check(s, now);
    } else if (rc == SESSION_RX_OK) {
        rc = op_rules[rx.c.opcode].apply(s, &rx, now);
    }
    secret_wipe(plain, buf_writer_len(&w)); /* may hold decrypted control payload */
    return rx_count(s, rc);
}

/* ---- sending ---- */

static uint8_t kind_opcode(const struct session *s, enum reliable_kind kind)
{
    if (kind == RELIABLE_KIND_CONTROL_WKC)
        return WIRE_P_CONTROL_WKC_V1;
    if (kind == RELIABLE_KIND_CONTROL)
        return WIRE_P_CONTROL_V1;
    if (s->key[SESSION_PRIMARY].key_id != 0)
        return WIRE_P_CONTROL_SOFT_RESET_V1;
    if (s->p.role == SESSION_SERVER)
        return WIRE_P_CONTROL_HARD_RESET_SERVER_V2; /* never queued: the listener sends it */
    return s->p.wrap.mode == CTLWRAP_TLS_CRYPT_V2 ? WIRE_P_CONTROL_HARD_RESET_CLIENT_V3
                                                  : WIRE_P_CONTROL_HARD_RESET_CLIENT_V2;
}

static int emit(struct session *s, const struct wire_control *c, struct buf_writer *out)
{
    uint8_t plain[SESSION_PACKET_MAX];
    struct ctlwrap *cw = c->key_id > 0 && s->dyn ? s->dyn : s->cw;
    struct buf_writer w;
    int rc;

    buf_writer_init(&w, plain, sizeof(plain));
    if (wire_control_build(&w, c) != WIRE_OK)
        return SESSION_ERR_PARAM;
    rc = ctlwrap_wrap(cw, plain, buf_writer_len(&w), out);
    if (rc == CTLWRAP_ERR_NO_ROOM)
        return SESSION_ERR_NO_ROOM;
    if (rc != CTLWRAP_OK)
        return SESSION_ERR_CRYPTO;
    s->stats.tx_packets++;
    return 1;
}

/* §7.3: a 2.6 client without wrapping sends at most 4 ids per ACK (SoftEther quirk). */
static size_t standalone_acks_max(const struct session *s)
{
    if (s->p.role == SESSION_CLIENT && s->p.wrap.mode == CTLWRAP_NONE)
        return RELIABLE_PIGGYBACK_ACKS;
    return RELIABLE_ACKS_MAX;
}

int session_next_packet(struct session *s, uint64_t now, struct buf_writer *out)
{
    struct wire_control c;
    struct reliable_packet rp;

    if (s->state == SESSION_FAILED || s->key[SESSION_PRIMARY].state == SESSION_KS_NONE)
        return 0;
    memset(&c, 0, sizeof(c));
    c.key_id = s->key[SESSION_PRIMARY].key_id;
    c.sid = s->own_sid;
    c.ack.remote_sid = s->peer_sid;
    if (reliable_next_to_send(s->rel, now, &rp)) {
        c.opcode = kind_opcode(s, rp.kind);
        c.msg_id = rp.msg_id;
        c.payload = rp.payload;
        c.payload_len = rp.len;
        c.ack.n = (uint8_t)rp.n_acks;
        memcpy(c.ack.ids, rp.acks, sizeof(c.ack.ids));
    } else if (s->peer_sid_known && reliable_ack_deadline(s->rel) <= now) {
        c.opcode = WIRE_P_ACK_V1;
        c.ack.n = (uint8_t)reliable_take_acks(s->rel, c.ack.ids, standalone_acks_max(s));
    } else {
        return 0;
    }
    return emit(s, &c, out);
}

/* ---- timers ---- */

static bool reneg_due(const struct session *s, const struct session_key *k, uint64_t now)
{
    if (s->reneg_requested || now >= k->reneg_at)
        return true;
    if (s->p.reneg_bytes && k->bytes >= s->p.reneg_bytes)
        return true;
    return s->p.reneg_pkts && k->packets >= s->p.reneg_pkts;
}

/* When the handshake of k must be complete: hand-window after its start, or what a server's
 * AUTH_PENDING said while the client waits for its PUSH_REPLY. */
static uint64_t hand_deadline(const struct session *s, const struct session_key *k)
{
    if (k->state == SESSION_KS_WAIT_PUSH && s->auth_pending_until)
        return s->auth_pending_until;
    return add_ms(k->start, (uint64_t)s->p.hand_window_s * 1000u);
}

uint64_t session_next_deadline(const struct session *s)
{
    const struct session_key *k = &s->key[SESSION_PRIMARY];
    uint64_t d = SESSION_NEVER;

    if (s->state == SESSION_FAILED)
        return SESSION_NEVER;
    if (k->state != SESSION_KS_NONE)
        d = reliable_next_deadline(s->rel);
    if (s->state == SESSION_CLOSING)
        return min_u64(d, s->close_at);
    if (handshaking(k))
        d = min_u64(d, hand_deadline(s, k));
    if (k->state == SESSION_KS_WAIT_PUSH)
        d = min_u64(d, s->push_req_at);
    if (k->state == SESSION_KS_ACTIVE && s->state == SESSION_ACTIVE)
        d = min_u64(d, reneg_due(s, k, 0) ? 0 : k->reneg_at);
    if (s->key[SESSION_LAME].state == SESSION_KS_LAME)
        d = min_u64(d, s->key[SESSION_LAME].expire_at);
    return min_u64(d, s->send_key_next);
}

static void handshake_timer(struct session *s, uint64_t now)
{
    struct session_key *k = &s->key[SESSION_PRIMARY];

    if (!handshaking(k) || now < hand_deadline(s, k))
        return;
    if (k->state == SESSION_KS_WAIT_PUSH && s->auth_pending_until)
        session_fail(s, SESSION_FAIL_PUSH_TIMEOUT, "no PUSH_REPLY within the AUTH_PENDING timeout");
    else if (k->state == SESSION_KS_WAIT_PUSH)
        session_fail(s, SESSION_FAIL_PUSH_TIMEOUT, "no PUSH_REPLY within %u seconds",
                     s->p.hand_window_s);
    else
        session_fail(s, SESSION_FAIL_HANDSHAKE_TIMEOUT,
                     "TLS key negotiation failed to occur within %u seconds (key_id %u)",
                     s->p.hand_window_s, k->key_id);
}

void session_timeout(struct session *s, uint64_t now)
{
    struct session_key *k = &s->key[SESSION_PRIMARY];

    if (s->state == SESSION_FAILED)
        return;
    if (s->state == SESSION_CLOSING) {
        closing_check(s, now);
        return;
    }
    handshake_timer(s, now);
    if (s->state == SESSION_FAILED)
        return;
    session_push_request_timer(s, now);
    if (k->state == SESSION_KS_ACTIVE && s->state == SESSION_ACTIVE && reneg_due(s, k, now) &&
        !session_key_renegotiate(s, now, true))
        return;
    if (s->key[SESSION_LAME].state == SESSION_KS_LAME && now >= s->key[SESSION_LAME].expire_at)
        session_key_retire_lame(s);
    session_select_send_key(s, now);
}

/* ---- app requests ---- */

void session_count_data(struct session *s, uint8_t key_id, uint64_t bytes, uint64_t packets)
{
    for (size_t i = 0; i < 2; i++) {
        struct session_key *k = &s->key[i];

        if (k->state != SESSION_KS_ACTIVE && k->state != SESSION_KS_LAME)
            continue;
        if (k->key_id != key_id)
            continue;
        k->bytes = bytes > UINT64_MAX - k->bytes ? UINT64_MAX : k->bytes + bytes;
        k->packets = packets > UINT64_MAX - k->packets ? UINT64_MAX : k->packets + packets;
    }
}

int session_auth_pending(struct session *s, uint32_t timeout_s, uint64_t now)
{
    if (s->p.role != SESSION_CLIENT || s->state == SESSION_FAILED ||
        s->key[SESSION_PRIMARY].state != SESSION_KS_WAIT_PUSH)
        return SESSION_ERR_STATE;
    s->auth_pending_until = add_ms(now, (uint64_t)timeout_s * 1000u);
    return SESSION_OK;
}

int session_renegotiate(struct session *s, uint64_t now)
{
    if (s->state != SESSION_ACTIVE || s->key[SESSION_PRIMARY].state != SESSION_KS_ACTIVE)
        return SESSION_ERR_STATE;
    return session_key_renegotiate(s, now, true) ? SESSION_OK : SESSION_ERR_NOMEM;
}

int session_close(struct session *s, const char *text, uint64_t now)
{
    bool sent;

    if (s->state == SESSION_FAILED)
        return SESSION_ERR_STATE;
    if (s->state == SESSION_CLOSING)
        return SESSION_OK;
    if (text && !session_text_valid(text, strlen(text)))
        return SESSION_ERR_PARAM;
    if (s->fail_reason == SESSION_FAIL_NONE) {
        s->fail_reason = SESSION_FAIL_LOCAL_CLOSE;
        snprintf(s->fail_text, sizeof(s->fail_text), "%s", text ? text : "closed");
    }
    /* Only after our key-method-2 message: before it the peer would read text as one. */
    sent = text && s->key[SESSION_PRIMARY].km_sent &&
           session_text_write(s, text, strlen(text)) == SESSION_OK;
    if (sent)
        session_tls_flush(s);
    session_set_state(s, SESSION_CLOSING);
    /* Nothing to deliver: over at once; else until the peer acknowledged it, or the linger. */
    s->close_at = sent ? add_ms(now, SESSION_CLOSE_LINGER_MS) : now;
    closing_check(s, now);
    return SESSION_OK;
}

/* ---- accessors ---- */

enum session_state session_state(const struct session *s)
{
    return s->state;
}

const struct session_stats *session_stats(const struct session *s)
{
    return &s->stats;
}

const struct reliable_stats *session_reliable_stats(const struct session *s)
{
    return reliable_stats(s->rel);
}

const struct session_negotiated *session_negotiated(const struct session *s)
{
    return &s->neg;
}

int session_send_key_id(const struct session *s)
{
    return s->send_key;
}

const struct wire_sid *session_own_sid(const struct session *s)
{
    return &s->own_sid;
}

const struct wire_sid *session_peer_sid(const struct session *s)
{
    return &s->peer_sid;
}
