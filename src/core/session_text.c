/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text control messages of a session (shared/docs/protocol-control.md §8.4, §12): each one a TLS
 * record of ASCII plus NUL on the primary key; the client's PUSH_REQUEST repeats and the
 * assembly of a (multi-part) PUSH_REPLY into settings; the server's PUSH_REQUEST handling.
 */
#include "session_priv.h"

#include <string.h>

#include "secret.h"

bool session_text_valid(const char *text, size_t len)
{
    if (!text || len == 0 || len + 1 > PUSH_MSG_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return true;
}

int session_text_write(struct session *s, const char *text, size_t len)
{
    uint8_t msg[PUSH_MSG_MAX];
    int rc;

    if (len + 1 > sizeof(msg))
        return SESSION_ERR_PARAM;
    memcpy(msg, text, len);
    msg[len] = '\0';
    rc = tlsmem_write(s->tls, msg, len + 1);
    secret_wipe(msg, len + 1); /* a PUSH_REPLY may carry an auth-token */
    if (rc != TLSMEM_OK) {
        session_fail(s, SESSION_FAIL_TLS, "TLS write failed: %s", tlsmem_strerror(rc));
        return SESSION_ERR_STATE;
    }
    return SESSION_OK;
}

static bool text_ready(const struct session *s)
{
    enum session_key_state st = s->key[SESSION_PRIMARY].state;

    if (s->state != SESSION_HANDSHAKE && s->state != SESSION_ACTIVE)
        return false;
    return st == SESSION_KS_ACTIVE || (s->p.role == SESSION_CLIENT && st == SESSION_KS_WAIT_PUSH);
}

/* openvpn keeps a text for a key that is not ready yet and sends it once it is. */
static int text_enqueue(struct session *s, const char *text, size_t len)
{
    if (len + 1 > sizeof(s->text_queue) - s->text_queued)
        return SESSION_ERR_NO_ROOM;
    memcpy(s->text_queue + s->text_queued, text, len);
    s->text_queue[s->text_queued + len] = '\0';
    s->text_queued += len + 1;
    return SESSION_OK;
}

void session_text_flush_queue(struct session *s)
{
    size_t pos = 0;

    while (pos < s->text_queued && text_ready(s)) {
        size_t len = strnlen(s->text_queue + pos, s->text_queued - pos);

        if (session_text_write(s, s->text_queue + pos, len) != SESSION_OK)
            break;
        pos += len + 1;
    }
    secret_wipe(s->text_queue, s->text_queued);
    s->text_queued = 0;
    session_tls_flush(s);
}

int session_send_text(struct session *s, const char *text, size_t len, uint64_t now)
{
    static const char reply[] = "PUSH_REPLY";
    int rc;

    if (!session_text_valid(text, len))
        return SESSION_ERR_PARAM;
    if (s->state != SESSION_HANDSHAKE && s->state != SESSION_ACTIVE)
        return SESSION_ERR_STATE;
    if (text_ready(s)) {
        session_text_flush_queue(s);
        rc = session_text_write(s, text, len);
        session_tls_flush(s);
    } else {
        rc = text_enqueue(s, text, len);
    }
    if (rc != SESSION_OK)
        return rc;
    if (s->p.role == SESSION_SERVER && len >= sizeof(reply) - 1 &&
        strncmp(text, reply, sizeof(reply) - 1) == 0) {
        s->pushed = true;
        s->pushed_at = now;
    }
    return SESSION_OK;
}

void session_push_request_timer(struct session *s, uint64_t now)
{
    if (s->p.role != SESSION_CLIENT || s->key[SESSION_PRIMARY].state != SESSION_KS_WAIT_PUSH ||
        now < s->push_req_at)
        return;
    if (session_text_write(s, PUSH_REQUEST_TEXT, strlen(PUSH_REQUEST_TEXT)) != SESSION_OK)
        return;
    session_tls_flush(s);
    s->stats.push_requests_sent++;
    s->push_req_at = now + SESSION_PUSH_REQUEST_INTERVAL_MS;
}

/* Client: one part of a PUSH_REPLY; the last part completes the key exchange of key_id 0. */
static void client_push_reply(struct session *s, const char *msg, size_t len, uint64_t now)
{
    struct session_event *ev;
    int rc;

    if (!s->push_partial) {
        push_settings_wipe(s->push);
        push_settings_init(s->push);
    }
    rc = push_reply_parse(msg, len, s->push);
    if (rc < 0) {
        session_fail(s, SESSION_FAIL_PUSH, "bad PUSH_REPLY: %s%s%s", push_strerror(rc),
                     s->push->err[0] ? ": " : "", s->push->err);
        return;
    }
    s->push_partial = rc == 1;
    if (s->push_partial)
        return;
    ev = session_ev_push(s, SESSION_EV_PUSH_REPLY, s->key[SESSION_PRIMARY].key_id);
    if (ev)
        ev->u.push = s->push;
    if (s->key[SESSION_PRIMARY].state == SESSION_KS_WAIT_PUSH && session_client_negotiate(s))
        session_key_derive(s, now);
}

/* Server: §12.1, PUSH_REQUESTs are ignored for a while after a reply. */
static void server_push_request(struct session *s, uint64_t now)
{
    if (s->pushed && now < s->pushed_at + SESSION_PUSH_HOLDOFF_MS)
        return;
    session_ev_push(s, SESSION_EV_PUSH_REQUEST, s->key[SESSION_PRIMARY].key_id);
}

static void text_event(struct session *s, const struct push_msg *m, const char *msg, size_t len)
{
    const char *copy = session_ev_text(s, msg, len);
    struct session_event *ev;

    if (!copy) {
        s->stats.events_lost++;
        return;
    }
    ev = session_ev_push(s, SESSION_EV_TEXT, s->key[SESSION_PRIMARY].key_id);
    if (!ev)
        return;
    ev->u.text.type = m->type;
    ev->u.text.text = copy;
    ev->u.text.len = len;
}

static void text_message(struct session *s, const char *msg, size_t len, uint64_t now)
{
    struct push_msg m;

    if (push_msg_parse(msg, len, &m) != PUSH_OK) {
        s->stats.text_dropped++;
        return;
    }
    if (s->p.role == SESSION_CLIENT && m.type == PUSH_MSG_PUSH_REPLY) {
        /* The app logs each part as received (openvpn's "PUSH: Received control message"),
         * before the settings it carries take effect. */
        text_event(s, &m, msg, len);
        client_push_reply(s, msg, len, now);
    } else if (s->p.role == SESSION_SERVER && m.type == PUSH_MSG_PUSH_REQUEST) {
        server_push_request(s, now);
    } else {
        text_event(s, &m, msg, len);
    }
}

void session_text_record(struct session *s, const uint8_t *rec, size_t len, uint64_t now)
{
    struct push_text_iter it;
    const char *msg;
    size_t mlen;
    int rc;

    push_text_iter_init(&it, rec, len);
    while (s->state == SESSION_HANDSHAKE || s->state == SESSION_ACTIVE) {
        rc = push_text_next(&it, &msg, &mlen);
        if (rc == 0)
            break;
        if (rc < 0)
            s->stats.text_dropped++;
        else
            text_message(s, msg, mlen, now);
    }
}
