/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-key work of a session: the TLS session over the reliability layer (§7.4, §8), the
 * key-method-2 exchange (§9), cipher negotiation (protocol-data.md §8.3), data-key derivation
 * (§10), renegotiation and the lame duck (§11), dynamic tls-crypt (§11.4). Sections refer to
 * shared/docs/protocol-control.md.
 */
#include "session_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dcipher.h"
#include "secret.h"

#define DEFAULT_DATA_CIPHERS "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"
#define LEGACY_NCP_CIPHERS   "AES-256-GCM:AES-128-GCM" /* what IV_NCP=2 stands for */
#define DEFAULT_AUTH         "SHA1"
#define BUDGET_FLOOR         64u /* a payload room so small would only come from odd settings */

/* ---- colon lists of cipher names ---- */

/* Next non-empty ':'-separated item of the reader's text. */
static bool list_next(struct buf_reader *r, const char **item, size_t *len)
{
    while (buf_remaining(r) > 0) {
        const char *start = (const char *)buf_rest(r);
        size_t n = 0;
        uint8_t ch;

        while (buf_peek_u8(r, &ch) && ch != ':') {
            buf_skip(r, 1);
            n++;
        }
        buf_skip(r, buf_remaining(r) > 0 ? 1 : 0);
        if (n > 0) {
            *item = start;
            *len = n;
            return true;
        }
    }
    return false;
}

static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static bool list_has(const char *list, size_t list_len, const char *name, size_t name_len)
{
    struct buf_reader r;
    const char *item;
    size_t len;

    buf_reader_init(&r, list, list_len);
    while (list_next(&r, &item, &len))
        if (same_name(item, len, name, name_len))
            return true;
    return false;
}

/* The canonical spelling of a cipher name given as a view, or NULL when dcipher lacks it. */
static const char *canonical_of(const char *name, size_t len)
{
    char buf[SESSION_NAME_MAX];

    if (len == 0 || len >= sizeof(buf))
        return NULL;
    memcpy(buf, name, len);
    buf[len] = '\0';
    return dcipher_cipher_canonical(buf);
}

static bool append_name(char *out, size_t cap, size_t *used, const char *name)
{
    int n = snprintf(out + *used, cap - *used, "%s%s", *used ? ":" : "", name);

    if (n < 0 || (size_t)n >= cap - *used)
        return false;
    *used += (size_t)n;
    return true;
}

int session_ciphers_normalise(const char *list, char *out, size_t cap)
{
    struct buf_reader r;
    const char *item, *canon;
    size_t len, used = 0;

    if (!list)
        list = DEFAULT_DATA_CIPHERS;
    out[0] = '\0';
    buf_reader_init(&r, list, strlen(list));
    while (list_next(&r, &item, &len)) {
        bool optional = item[0] == '?';

        canon = optional ? canonical_of(item + 1, len - 1) : canonical_of(item, len);
        if (!canon && optional)
            continue; /* '?': dropped when this build cannot do it */
        if (!canon)
            return SESSION_ERR_PARAM;
        if (list_has(out, used, canon, strlen(canon)))
            continue;
        if (!append_name(out, cap, &used, canon))
            return SESSION_ERR_PARAM;
    }
    return used > 0 ? SESSION_OK : SESSION_ERR_PARAM;
}

int session_peer_info_build(struct session *s)
{
    struct keyex_peer_info_params pi = s->p.peer_info;

    pi.p2p = false;
    if (!pi.ciphers)
        pi.ciphers = s->data_ciphers;
    /* The bits this module implements itself; the app sets the rest. */
    pi.proto |= KEYEX_IV_PROTO_REQUEST_PUSH;
    if (s->p.ekm)
        pi.proto |= KEYEX_IV_PROTO_TLS_KEY_EXPORT;
    if (s->p.dyn_tls_crypt)
        pi.proto |= KEYEX_IV_PROTO_DYN_TLS_CRYPT;
    if (keyex_peer_info_build(s->peer_info, sizeof(s->peer_info), &pi, &s->peer_info_len) !=
        KEYEX_OK)
        return SESSION_ERR_PARAM;
    return SESSION_OK;
}

/* ---- cipher negotiation, protocol-data.md §8.3 ---- */

static void copy_name(char *out, const char *name, size_t len)
{
    snprintf(out, SESSION_NAME_MAX, "%.*s", (int)(len < SESSION_NAME_MAX ? len : 0), name);
}

/* The OCC `cipher` of the peer's options string (the legacy hint). */
static bool peer_occ_cipher(const struct session *s, const char **v, size_t *vlen)
{
    const struct keyex_str *o = &s->peer_msg.options;

    return o->s && keyex_occ_find(o->s, o->len, "cipher", v, vlen) && *vlen > 0;
}

static bool server_pick_cipher(struct session *s)
{
    const struct keyex_peer_info *pi = &s->peer_pi;
    const char *list = NULL, *occ = NULL, *item, *fb;
    size_t list_len = 0, occ_len = 0, len;
    bool has_list = keyex_peer_info_get(pi, "IV_CIPHERS", &list, &list_len);
    bool has_occ = !has_list && peer_occ_cipher(s, &occ, &occ_len);
    struct buf_reader r;

    if (!has_list && pi->ncp >= 2) {
        list = LEGACY_NCP_CIPHERS;
        list_len = strlen(list);
    }
    buf_reader_init(&r, s->data_ciphers, strlen(s->data_ciphers));
    while (list_next(&r, &item, &len)) {
        if ((list && list_has(list, list_len, item, len)) ||
            (has_occ && same_name(item, len, occ, occ_len))) {
            copy_name(s->neg.cipher, item, len);
            return true;
        }
    }
    fb = s->p.data_ciphers_fallback ? dcipher_cipher_canonical(s->p.data_ciphers_fallback) : NULL;
    if (!has_list && pi->ncp < 2 && !has_occ && fb) {
        copy_name(s->neg.cipher, fb, strlen(fb));
        return true;
    }
    return false;
}

/* The server's choices, from the client's key-method-2 message of key_id 0 (§9.5). */
static bool server_negotiate(struct session *s)
{
    const struct keyex_peer_info *pi = &s->peer_pi;
    uint32_t proto = pi->has_proto ? pi->proto : 0;

    s->neg.peer_proto = proto;
    s->neg.request_push = (proto & KEYEX_IV_PROTO_REQUEST_PUSH) != 0;
    s->neg.cc_exit = (proto & KEYEX_IV_PROTO_CC_EXIT_NOTIFY) != 0;
    s->neg.peer_mtu = pi->mtu;
    s->neg.peer_ncp = keyex_peer_info_get(pi, "IV_CIPHERS", NULL, NULL) || pi->ncp >= 2;
    s->neg.ekm = s->p.ekm && (proto & KEYEX_IV_PROTO_TLS_KEY_EXPORT);
    s->neg.dyn_tls_crypt = s->p.dyn_tls_crypt && (proto & KEYEX_IV_PROTO_DYN_TLS_CRYPT);
    snprintf(s->neg.auth, sizeof(s->neg.auth), "%s", s->p.auth ? s->p.auth : DEFAULT_AUTH);
    return server_pick_cipher(s);
}

static bool client_pick_cipher(struct session *s)
{
    const struct push_settings *ps = s->push;
    const char *fb = s->p.data_ciphers_fallback, *occ, *canon = NULL;
    size_t dlen = strlen(s->data_ciphers), occ_len;

    if (ps->have & PUSH_HAVE_CIPHER) {
        if (list_has(s->data_ciphers, dlen, ps->cipher, strlen(ps->cipher)) ||
            (fb && strcasecmp(fb, ps->cipher) == 0))
            canon = dcipher_cipher_canonical(ps->cipher);
    } else if (peer_occ_cipher(s, &occ, &occ_len) &&
               list_has(s->data_ciphers, dlen, occ, occ_len)) {
        canon = canonical_of(occ, occ_len);
    } else if (fb) {
        canon = dcipher_cipher_canonical(fb);
    }
    if (!canon)
        return false;
    copy_name(s->neg.cipher, canon, strlen(canon));
    return true;
}

bool session_client_negotiate(struct session *s)
{
    const struct push_settings *ps = s->push;
    unsigned flags = (ps->have & PUSH_HAVE_PROTOCOL_FLAGS) ? ps->protocol_flags : 0;

    s->neg.ekm = s->p.ekm && (flags & PUSH_PF_TLS_EKM);
    s->neg.dyn_tls_crypt = s->p.dyn_tls_crypt && (flags & PUSH_PF_DYN_TLS_CRYPT);
    s->neg.cc_exit = (flags & PUSH_PF_CC_EXIT) != 0;
    snprintf(s->neg.auth, sizeof(s->neg.auth), "%s",
             (ps->have & PUSH_HAVE_AUTH) ? ps->auth : (s->p.auth ? s->p.auth : DEFAULT_AUTH));
    if (client_pick_cipher(s))
        return true;
    session_fail(s, SESSION_FAIL_NCP, "failed to negotiate a data cipher with the server (%s)",
                 (ps->have & PUSH_HAVE_CIPHER) ? ps->cipher : "none pushed");
    return false;
}

/* ---- key derivation, §10 ---- */

static uint64_t reneg_deadline(struct session *s, uint64_t now)
{
    uint32_t sec = s->p.reneg_sec, lo, r;

    if (sec == 0)
        return SESSION_NEVER;
    /* §11.1: a server spreads its renegotiations over [0.9 max, max] unless a min is given. */
    lo = s->p.reneg_sec_min ? s->p.reneg_sec_min
                            : (s->p.role == SESSION_SERVER ? sec - sec / 10u : sec);
    if (lo < sec) {
        session_random(s, &r, sizeof(r));
        sec = lo + r % (sec - lo + 1u);
    }
    return now + (uint64_t)sec * 1000u;
}

static bool derive_key2(struct session *s, struct session_key *k, uint8_t *key2)
{
    bool client = s->p.role == SESSION_CLIENT;
    const struct wire_sid *csid = client ? &s->own_sid : &s->peer_sid;
    const struct wire_sid *ssid = client ? &s->peer_sid : &s->own_sid;

    if (s->neg.ekm)
        return tlsmem_export(s->tls, KEYEX_EKM_LABEL, key2, KEYEX_KEY2_LEN) == TLSMEM_OK;
    return keyex_derive_legacy(client ? &k->own_rnd : &k->peer_rnd,
                               client ? &k->peer_rnd : &k->own_rnd, csid->bytes, ssid->bytes,
                               key2) == KEYEX_OK;
}

/* The keys as the KEYS event carries them; false when they cannot be made. */
static bool make_keys(struct session *s, struct session_key *k, struct session_keys *out)
{
    struct dcipher_suite suite;
    uint8_t key2[KEYEX_KEY2_LEN];
    enum keyex_role role = s->p.role == SESSION_CLIENT ? KEYEX_CLIENT : KEYEX_SERVER;
    bool ok;

    memset(out, 0, sizeof(*out));
    if (dcipher_suite_lookup(s->neg.cipher, s->neg.auth, &suite) != DCIPHER_OK)
        return false;
    ok =
        derive_key2(s, k, key2) &&
        keyex_keys_from_key2(key2, role, suite.key_len, suite.hmac_key_len, &out->keys) == KEYEX_OK;
    secret_wipe(key2, sizeof(key2));
    secret_wipe(&k->own_rnd, sizeof(k->own_rnd));
    secret_wipe(&k->peer_rnd, sizeof(k->peer_rnd));
    snprintf(out->cipher, sizeof(out->cipher), "%s", suite.cipher);
    snprintf(out->auth, sizeof(out->auth), "%s", suite.auth);
    out->ekm = s->neg.ekm;
    return ok;
}

/* The first key is usable: the session is up (server: a push may be due at once, §12.1). */
static bool first_key_done(struct session *s, uint64_t now)
{
    if (s->neg.dyn_tls_crypt && !session_dyn_setup(s))
        return false;
    session_set_state(s, SESSION_ACTIVE);
    session_select_send_key(s, now);
    session_ev_push(s, SESSION_EV_ESTABLISHED, 0);
    if (s->p.role == SESSION_SERVER && s->neg.request_push)
        session_ev_push(s, SESSION_EV_PUSH_REQUEST, 0);
    return true;
}

bool session_key_derive(struct session *s, uint64_t now)
{
    struct session_key *k = &s->key[SESSION_PRIMARY];
    struct session_keys keys;
    struct session_event *ev;

    if (!make_keys(s, k, &keys)) {
        secret_wipe(&keys, sizeof(keys));
        session_fail(s, SESSION_FAIL_KEYS, "cannot derive data keys for %s / %s (key_id %u)",
                     s->neg.cipher, s->neg.auth, k->key_id);
        return false;
    }
    keys.key_id = k->key_id;
    ev = session_ev_push(s, SESSION_EV_KEYS, k->key_id);
    if (ev)
        ev->u.keys = keys;
    secret_wipe(&keys, sizeof(keys));
    if (!ev) {
        session_fail(s, SESSION_FAIL_INTERNAL, "event queue full, keys of key_id %u lost",
                     k->key_id);
        return false;
    }
    session_key_set_state(s, k, SESSION_KS_ACTIVE);
    k->reneg_at = reneg_deadline(s, now);
    session_text_flush_queue(s);
    if (s->state == SESSION_HANDSHAKE)
        return first_key_done(s, now);
    session_select_send_key(s, now);
    return true;
}

bool session_dyn_setup(struct session *s)
{
    uint8_t key[CTLWRAP_KEY_LEN];
    struct ctlwrap_params cp;
    int rc;

    if (tlsmem_export(s->tls, KEYEX_DYN_TLS_CRYPT_LABEL, key, sizeof(key)) != TLSMEM_OK) {
        session_fail(s, SESSION_FAIL_KEYS, "cannot export the dynamic tls-crypt key");
        return false;
    }
    /* §11.4: keyed wrappings mix their static key (or Kc) in. */
    for (size_t i = 0; s->has_orig_key && i < sizeof(key); i++)
        key[i] ^= s->orig_key[i];
    ctlwrap_params_init(&cp);
    cp.mode = CTLWRAP_TLS_CRYPT;
    cp.role = s->p.role == SESSION_CLIENT ? CTLWRAP_CLIENT : CTLWRAP_SERVER;
    cp.key = key;
    cp.send_time = s->p.wall_time_s;
    cp.replay_window = s->p.replay_window;
    cp.replay_time = s->p.replay_time;
    rc = ctlwrap_new(&cp, &s->dyn);
    secret_wipe(key, sizeof(key));
    if (rc != CTLWRAP_OK) {
        session_fail(s, SESSION_FAIL_INTERNAL, "dynamic tls-crypt: %s", ctlwrap_strerror(rc));
        return false;
    }
    return true;
}

/* ---- which key the data channel sends with, §11.3 ---- */

void session_select_send_key(struct session *s, uint64_t now)
{
    uint64_t w = s->p.hand_window_s, next = SESSION_NEVER;
    int chosen = -1;
    struct session_event *ev;

    if (s->p.reneg_sec && s->p.reneg_sec / 2u < w)
        w = s->p.reneg_sec / 2u;
    w *= 1000u;
    for (size_t i = 0; i < 2; i++) {
        const struct session_key *k = &s->key[i];
        uint64_t due = k->start + w;

        if (k->state != SESSION_KS_ACTIVE && k->state != SESSION_KS_LAME)
            continue;
        if (chosen < 0)
            chosen = (int)i;
        if (now >= due) {
            chosen = (int)i;
            break;
        }
        next = next < due ? next : due;
    }
    s->send_key_next = next;
    if (chosen < 0 || s->key[chosen].key_id == s->send_key)
        return;
    ev = session_ev_push(s, SESSION_EV_SEND_KEY, s->key[chosen].key_id);
    if (ev)
        s->send_key = s->key[chosen].key_id;
}

/* ---- renegotiation, §11 ---- */

void session_key_retire_lame(struct session *s)
{
    struct session_key *lame = &s->key[SESSION_LAME];
    uint8_t id = lame->key_id;

    if (!session_key_set_state(s, lame, SESSION_KS_NONE))
        return;
    secret_wipe(lame, sizeof(*lame));
    if (s->send_key == id)
        s->send_key = -1;
    session_ev_push(s, SESSION_EV_KEY_RETIRED, id);
}

bool session_key_renegotiate(struct session *s, uint64_t now, bool local)
{
    struct session_key *k = &s->key[SESSION_PRIMARY], *lame = &s->key[SESSION_LAME];
    uint8_t next = wire_key_id_next(k->key_id);
    struct tlsmem *tls = tlsmem_new(s->p.tls, session_wall_now(s, now));
    struct session_event *ev;

    if (!tls) {
        session_fail(s, SESSION_FAIL_INTERNAL, "out of memory starting key_id %u", next);
        return false;
    }
    if (lame->state == SESSION_KS_LAME)
        session_key_retire_lame(s);
    *lame = *k; /* the slot moves; the key's own move follows */
    session_key_set_state(s, lame, SESSION_KS_LAME);
    lame->expire_at = now + (uint64_t)s->p.tran_window_s * 1000u;
    memset(k, 0, sizeof(*k));
    k->key_id = next;
    k->local = local;
    k->start = now;
    k->reneg_at = SESSION_NEVER;
    session_key_set_state(s, k, SESSION_KS_PRE_START);
    tlsmem_free(s->tls);
    s->tls = tls;
    reliable_reset(s->rel);
    s->wkc_pending = false;
    s->reneg_requested = false;
    s->stats.renegotiations++;
    if (reliable_queue_reset(s->rel, NULL, 0) != RELIABLE_OK) {
        session_fail(s, SESSION_FAIL_INTERNAL, "cannot queue the soft reset of key_id %u", next);
        return false;
    }
    ev = session_ev_push(s, SESSION_EV_RENEGOTIATING, next);
    if (ev)
        ev->u.reneg.local = local;
    session_select_send_key(s, now);
    return true;
}

void session_key_check_start(struct session *s, uint64_t now)
{
    struct session_key *k = &s->key[SESSION_PRIMARY];

    (void)now;
    if (k->state != SESSION_KS_PRE_START || !k->peer_reset)
        return;
    /* §8.1: the TLS client starts only once its own reset was acknowledged. */
    if (s->p.role == SESSION_CLIENT && !reliable_is_acked(s->rel, 0))
        return;
    session_key_set_state(s, k, SESSION_KS_START);
}

/* ---- key-method 2, §9 ---- */

static void credentials(const struct session *s, const struct session_key *k, struct keyex_msg *m)
{
    const char *pass = s->p.password ? s->p.password : "";

    if (!s->p.username)
        return;
    /* After a pushed auth-token, renegotiations send the token as the password (§9.2). */
    if (k->key_id > 0 && s->push && (s->push->have & PUSH_HAVE_AUTH_TOKEN))
        pass = s->push->auth_token;
    m->username.s = s->p.username;
    m->username.len = strlen(s->p.username);
    m->password.s = pass;
    m->password.len = strlen(pass);
}

static bool send_km(struct session *s, struct session_key *k)
{
    enum keyex_role role = s->p.role == SESSION_CLIENT ? KEYEX_CLIENT : KEYEX_SERVER;
    struct keyex_msg m;
    struct buf_writer w;
    int rc;

    memset(&m, 0, sizeof(m));
    session_random(s, &k->own_rnd, sizeof(k->own_rnd));
    if (role == KEYEX_SERVER)
        secret_wipe(k->own_rnd.pre_master, sizeof(k->own_rnd.pre_master));
    m.rnd = k->own_rnd;
    m.options.s = s->p.occ;
    m.options.len = strlen(s->p.occ);
    if (role == KEYEX_CLIENT) {
        credentials(s, k, &m);
        m.peer_info.s = s->peer_info;
        m.peer_info.len = s->peer_info_len;
    }
    buf_writer_init(&w, s->rec, sizeof(s->rec));
    rc = keyex_msg_build(&w, role, &m);
    if (rc == KEYEX_OK)
        rc = tlsmem_write(s->tls, s->rec, buf_writer_len(&w)) == TLSMEM_OK ? KEYEX_OK
                                                                           : KEYEX_ERR_CRYPTO;
    secret_wipe(s->rec, buf_writer_len(&w));
    keyex_msg_wipe(&m);
    k->km_sent = rc == KEYEX_OK;
    if (rc != KEYEX_OK)
        session_fail(s, SESSION_FAIL_KEYEX, "cannot send key-method-2 message: %s",
                     keyex_strerror(rc));
    return rc == KEYEX_OK;
}

/* Keeps the peer's message (the events view it) and parses it. */
static bool store_peer_km(struct session *s, size_t len, enum keyex_role sender)
{
    keyex_msg_wipe(&s->peer_msg);
    secret_wipe(s->peer_km, sizeof(s->peer_km));
    memset(&s->peer_pi, 0, sizeof(s->peer_pi));
    s->peer_km_len = 0;
    if (len > sizeof(s->peer_km))
        return false;
    memcpy(s->peer_km, s->rec, len);
    secret_wipe(s->rec, len);
    s->peer_km_len = len;
    if (keyex_msg_parse(s->peer_km, len, sender, &s->peer_msg) != KEYEX_OK)
        return false;
    if (s->peer_msg.peer_info.s)
        keyex_peer_info_parse(s->peer_msg.peer_info.s, s->peer_msg.peer_info.len, &s->peer_pi);
    return true;
}

static void emit_peer_info(struct session *s, const struct session_key *k)
{
    struct session_event *ev = session_ev_push(s, SESSION_EV_PEER_INFO, k->key_id);

    if (!ev)
        return;
    ev->u.peer.info = &s->peer_pi;
    ev->u.peer.options = s->peer_msg.options;
    ev->u.peer.username = s->peer_msg.username;
    ev->u.peer.password = s->peer_msg.password;
}

#define NCP_FAILED_TEXT "AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)"

static void server_got_km(struct session *s, struct session_key *k, size_t len, uint64_t now)
{
    bool ncp_ok;

    if (!store_peer_km(s, len, KEYEX_CLIENT)) {
        session_fail(s, SESSION_FAIL_KEYEX, "malformed key-method-2 message (key_id %u)",
                     k->key_id);
        return;
    }
    k->peer_rnd = s->peer_msg.rnd;
    emit_peer_info(s, k);
    ncp_ok = k->key_id != 0 || server_negotiate(s);
    /* Our message goes out either way: the client expects it before any text (§9.1). */
    if (!send_km(s, k))
        return;
    if (ncp_ok) {
        session_key_derive(s, now);
        return;
    }
    s->fail_reason = SESSION_FAIL_NCP;
    snprintf(s->fail_text, sizeof(s->fail_text), "no shared data cipher with the client");
    session_close(s, NCP_FAILED_TEXT, now);
}

static void client_got_km(struct session *s, struct session_key *k, size_t len, uint64_t now)
{
    if (!store_peer_km(s, len, KEYEX_SERVER)) {
        session_fail(s, SESSION_FAIL_KEYEX, "malformed key-method-2 message (key_id %u)",
                     k->key_id);
        return;
    }
    k->peer_rnd = s->peer_msg.rnd;
    emit_peer_info(s, k);
    if (k->key_id == 0) {
        /* The push decides cipher and derivation (§10.3); keys wait for it. */
        session_key_set_state(s, k, SESSION_KS_WAIT_PUSH);
        s->push_req_at = now + SESSION_PUSH_REQUEST_DELAY_MS;
        session_text_flush_queue(s);
        return;
    }
    session_key_derive(s, now);
}

static void on_record(struct session *s, size_t len, uint64_t now)
{
    struct session_key *k = &s->key[SESSION_PRIMARY];

    if (k->state == SESSION_KS_START && s->p.role == SESSION_SERVER)
        server_got_km(s, k, len, now);
    else if (k->state == SESSION_KS_SENT_KM)
        client_got_km(s, k, len, now);
    else if (k->state == SESSION_KS_WAIT_PUSH || k->state == SESSION_KS_ACTIVE)
        session_text_record(s, s->rec, len, now);
    else
        s->stats.records_ignored++;
}

/* ---- TLS over the reliability layer, §7.4, §8 ---- */

static size_t key_budget(const struct session *s)
{
    const struct ctlwrap *cw = s->key[SESSION_PRIMARY].key_id > 0 && s->dyn ? s->dyn : s->cw;
    size_t fixed = 1u + WIRE_SID_LEN + wire_ack_size(RELIABLE_PIGGYBACK_ACKS) + 4u +
                   s->p.transport_overhead + ctlwrap_overhead(cw, WIRE_P_CONTROL_V1);
    size_t b = s->p.tls_mtu > fixed ? s->p.tls_mtu - fixed : 0;

    if (b < BUDGET_FLOOR)
        b = BUDGET_FLOOR;
    return b < s->payload_max ? b : s->payload_max;
}

void session_tls_flush(struct session *s)
{
    uint8_t chunk[SESSION_TLS_MTU_MAX];
    size_t budget = key_budget(s), wkc = s->p.wrap.wkc_len;

    if (s->state == SESSION_FAILED || s->key[SESSION_PRIMARY].state == SESSION_KS_NONE)
        return;
    while (tlsmem_out_pending(s->tls) > 0) {
        /* §5.4: the first message after a RESEND_WKC reset carries the WKc, so less TLS. */
        bool wkc_msg = s->wkc_pending;
        size_t b = wkc_msg ? (budget > wkc ? budget - wkc : 1u) : budget, n, taken;

        if (reliable_send_room(s->rel, b) == 0)
            return; /* the rest waits in the TLS engine for acknowledgements */
        n = tlsmem_out_take(s->tls, chunk, b < sizeof(chunk) ? b : sizeof(chunk));
        if (n == 0)
            return;
        if (reliable_queue(s->rel, wkc_msg ? RELIABLE_KIND_CONTROL_WKC : RELIABLE_KIND_CONTROL,
                           chunk, n, b, &taken) != RELIABLE_OK ||
            taken != n) {
            session_fail(s, SESSION_FAIL_INTERNAL, "reliability layer refused TLS output");
            return;
        }
        s->wkc_pending = false;
    }
}

static bool tls_feed(struct session *s)
{
    while (reliable_readable(s->rel) > 0) {
        size_t n = reliable_read(s->rel, s->rec, sizeof(s->rec));
        int rc = tlsmem_feed(s->tls, s->rec, n);

        if (rc != TLSMEM_OK) {
            session_fail(s, SESSION_FAIL_TLS, "TLS input refused: %s", tlsmem_strerror(rc));
            return false;
        }
    }
    return true;
}

static void fail_tls(struct session *s)
{
    const struct tlsmem_verify *v = tlsmem_verify_result(s->tls);

    char line[SESSION_FAIL_TEXT_MAX];

    /* openvpn's own wording ("VERIFY ERROR: depth=0, error=...: CN=..., serial=N"): admins grep
     * for it, and the app logs such a text without a prefix. */
    if (v->reason != TLSMEM_VERIFY_OK && tlsmem_verify_describe(s->tls, line, sizeof(line)) >= 0)
        session_fail(s, SESSION_FAIL_TLS, "%s", line);
    else if (v->reason != TLSMEM_VERIFY_OK)
        session_fail(s, SESSION_FAIL_TLS, "certificate verification failed: %s, depth=%d, %s%s%s",
                     tlsmem_verify_reason_str(v->reason), v->depth, v->subject,
                     v->detail[0] ? ": " : "", v->detail);
    else
        session_fail(s, SESSION_FAIL_TLS, "TLS handshake failed: %s", tlsmem_error(s->tls));
}

static void on_established(struct session *s, uint64_t now)
{
    struct session_key *k = &s->key[SESSION_PRIMARY];
    struct session_event *ev;

    (void)now;
    s->has_cert = tlsmem_peer_cert(s->tls, &s->cert) == TLSMEM_OK;
    if (tlsmem_describe(s->tls, s->tls_desc, sizeof(s->tls_desc)) != TLSMEM_OK)
        s->tls_desc[0] = '\0';
    ev = session_ev_push(s, SESSION_EV_TLS_VERIFIED, k->key_id);
    if (ev) {
        ev->u.tls.cert = s->has_cert ? &s->cert : NULL;
        ev->u.tls.description = s->tls_desc;
    }
    /* §9.1: the client speaks first. */
    if (s->p.role == SESSION_CLIENT && send_km(s, k))
        session_key_set_state(s, k, SESSION_KS_SENT_KM);
}

static void tls_read_records(struct session *s, uint64_t now)
{
    while (s->state == SESSION_HANDSHAKE || s->state == SESSION_ACTIVE) {
        size_t len = 0;
        int rc = tlsmem_read(s->tls, s->rec, sizeof(s->rec), &len);

        if (rc == 0)
            return;
        if (rc == TLSMEM_ERR_CLOSED) {
            session_fail(s, SESSION_FAIL_TLS_CLOSED, "peer closed the TLS session");
            return;
        }
        if (rc < 0) {
            session_fail(s, SESSION_FAIL_TLS, "TLS read failed: %s", tlsmem_error(s->tls));
            return;
        }
        on_record(s, len, now);
    }
}

void session_tls_pump(struct session *s, uint64_t now)
{
    const struct session_key *k = &s->key[SESSION_PRIMARY];
    int rc;

    if (s->state != SESSION_HANDSHAKE && s->state != SESSION_ACTIVE)
        return;
    if (k->state < SESSION_KS_START || k->state > SESSION_KS_ACTIVE)
        return;
    if (!tls_feed(s))
        return;
    if (!tlsmem_established(s->tls)) {
        rc = tlsmem_step(s->tls);
        if (rc < 0) {
            fail_tls(s);
            return;
        }
        if (rc == 1)
            on_established(s, now);
    }
    if (tlsmem_established(s->tls))
        tls_read_records(s, now);
    session_tls_flush(s);
}
