/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between the session*.c files only: the session struct, its key slots and the helpers
 * each file offers the others. session.c owns the state machines (their one transition function
 * each), packet input and output; session_key.c the per-key work (TLS, key-method 2, key
 * derivation, renegotiation); session_text.c the text control messages; session_accept.c the
 * stateless listener.
 */
#ifndef SLUICE_SESSION_PRIV_H
#define SLUICE_SESSION_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctlwrap.h"
#include "keyex.h"
#include "push.h"
#include "reliable.h"
#include "session.h"
#include "tlsmem.h"
#include "wire.h"

#define SESSION_NEVER UINT64_MAX

/* Life of one key (one key_id), protocol-control.md §6, §9, §11. */
enum session_key_state {
    SESSION_KS_NONE,      /* empty slot */
    SESSION_KS_PRE_START, /* our reset is queued; waiting for the peer's (and, as TLS client,
                           * for the ack of ours) */
    SESSION_KS_START,     /* TLS handshake, then (server) waiting for the client's key-method 2 */
    SESSION_KS_SENT_KM,   /* client: our key-method 2 is sent, waiting for the server's */
    SESSION_KS_WAIT_PUSH, /* client, key_id 0: keys wait for the pushed cipher and flags */
    SESSION_KS_ACTIVE,    /* data keys derived and handed out */
    SESSION_KS_LAME,      /* previous key: still decrypts until the end of tran-window */
    SESSION_KS_COUNT
};

#define SESSION_KS_BIT(st) (1u << (st))

struct session_key {
    enum session_key_state state;
    uint8_t key_id;
    bool local;      /* we sent the first reset of this key */
    bool peer_reset; /* the peer's reset (message id 0) arrived */
    bool km_sent;    /* our key-method-2 message went out: text may follow it */
    uint64_t start;  /* reset sent or received: hand-window and §11.3 start here */
    uint64_t reneg_at;
    uint64_t expire_at; /* lame duck: end of tran-window */
    uint64_t bytes, packets;
    struct keyex_random own_rnd; /* legacy PRF inputs, wiped once the keys exist */
    struct keyex_random peer_rnd;
};

#define SESSION_PRIMARY 0
#define SESSION_LAME    1

struct session {
    struct session_params p;
    enum session_state state;
    uint64_t created;

    struct wire_sid own_sid, peer_sid;
    bool peer_sid_known;

    struct ctlwrap *cw;  /* the configured wrapping (key_id 0, and all keys without dyn) */
    struct ctlwrap *dyn; /* dynamic tls-crypt for key_id > 0 (§11.4), once negotiated */
    uint8_t orig_key[CTLWRAP_KEY_LEN]; /* static key or Kc: XORed into the dynamic key */
    bool has_orig_key;

    struct reliable *rel; /* the primary key's; reset for each new key */
    struct tlsmem *tls;   /* the primary key's */
    struct session_key key[2];
    bool wkc_pending;   /* v2 client: the next control message goes as P_CONTROL_WKC_V1 */
    size_t payload_max; /* control payload budget with the configured wrapping */

    char data_ciphers[SESSION_DATA_CIPHERS_MAX]; /* normalised colon list */
    char peer_info[SESSION_PEER_INFO_MAX];
    size_t peer_info_len;
    struct session_negotiated neg;

    /* The peer's last key-method-2 message; the event views point in here. */
    uint8_t peer_km[KEYEX_MSG_MAX];
    size_t peer_km_len;
    struct keyex_msg peer_msg;
    struct keyex_peer_info peer_pi;
    struct tlsmem_cert_info cert;
    bool has_cert;
    char tls_desc[SESSION_TLS_DESC_MAX];

    /* Client: PUSH_REQUEST timer and the settings being assembled. */
    struct push_settings *push;
    bool push_partial;
    uint64_t push_req_at;
    uint64_t auth_pending_until; /* AUTH_PENDING's timeout replaces hand-window; 0: none */
    /* Server: last PUSH_REPLY sent (PUSH_REQUESTs are ignored for a while after it). */
    bool pushed;
    uint64_t pushed_at;

    bool reneg_requested;
    int send_key;           /* key_id of the last SEND_KEY event, -1 none */
    uint64_t send_key_next; /* when the §11.3 choice may change */

    uint64_t close_at;
    enum session_fail fail_reason;
    char fail_text[SESSION_FAIL_TEXT_MAX];

    /* Texts the app sent while the primary key was not ready, NUL-separated. */
    char text_queue[SESSION_TEXT_QUEUE];
    size_t text_queued;

    struct session_event ev[SESSION_EVENTS_MAX];
    size_t ev_head, ev_count;
    char arena[SESSION_TEXT_ARENA];
    size_t arena_used;

    struct session_stats stats;
    uint8_t rec[TLSMEM_RECORD_MAX]; /* one TLS record of plaintext */
};

/* ---- session.c ---- */

bool session_set_state(struct session *s, enum session_state to);
bool session_key_set_state(struct session *s, struct session_key *k, enum session_key_state to);
/* Ends the session at once with an event (only the first reason counts). */
void session_fail(struct session *s, enum session_fail why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A new event slot, zeroed, or NULL (counted) when the queue is full. */
struct session_event *session_ev_push(struct session *s, enum session_event_type type,
                                      uint8_t key_id);
/* Copies text into the event arena; NULL when it is full. */
const char *session_ev_text(struct session *s, const char *text, size_t len);
/* Unix seconds at `now` (certificate checks of a new TLS object). */
int64_t session_wall_now(const struct session *s, uint64_t now);
void session_random(struct session *s, void *out, size_t len);

/* ---- session_key.c ---- */

/* Fills s->data_ciphers from p (canonical names, '?' and unknown entries dropped). */
int session_ciphers_normalise(const char *list, char *out, size_t cap);
/* Builds the client's peer-info text. */
int session_peer_info_build(struct session *s);
/* TLS in and out, key-method 2, text records, on the primary key. */
void session_tls_pump(struct session *s, uint64_t now);
/* Moves as much TLS output into the reliability layer as its window takes. */
void session_tls_flush(struct session *s);
/* PRE_START -> START once the resets are exchanged (and, as TLS client, ours acknowledged). */
void session_key_check_start(struct session *s, uint64_t now);
/* Soft reset (§11.2): primary becomes lame duck, a new primary starts. false: failed session. */
bool session_key_renegotiate(struct session *s, uint64_t now, bool local);
void session_key_retire_lame(struct session *s);
/* Derives and emits the primary key's data keys; false (and a failed session) on error. */
bool session_key_derive(struct session *s, uint64_t now);
/* The client's negotiation from the push; false when it fails (the session has failed). */
bool session_client_negotiate(struct session *s);
/* §11.3: which key the data channel sends with; emits SEND_KEY on a change. */
void session_select_send_key(struct session *s, uint64_t now);
/* Dynamic tls-crypt from the key_id 0 TLS session; false (failed session) on error. */
bool session_dyn_setup(struct session *s);

/* ---- session_text.c ---- */

/* One plaintext record on an active key: NUL-separated text messages. */
void session_text_record(struct session *s, const uint8_t *rec, size_t len, uint64_t now);
/* Writes text + NUL as one TLS record on the primary key (no state checks). */
int session_text_write(struct session *s, const char *text, size_t len);
bool session_text_valid(const char *text, size_t len);
/* Sends the texts that waited for the primary key, once its key exchange is done. */
void session_text_flush_queue(struct session *s);
/* Client: sends PUSH_REQUEST when it is due. */
void session_push_request_timer(struct session *s, uint64_t now);

#endif
