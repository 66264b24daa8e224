/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-peer control channel of OpenVPN 2.6 (shared/docs/protocol-control.md, protocol-data.md
 * §2 and §8): one TLS session in the protocol's sense, made of the pure building blocks wire,
 * ctlwrap, reliable, tlsmem, keyex and push.
 *
 * Pure: bytes and a monotonic `now` (milliseconds) in; packets ready for the socket, events and
 * one deadline out. Nothing here reads a clock, a socket or a file, and nothing logs: what the
 * app may want to log comes out as events and counters with names.
 *
 * Two objects:
 *  - struct session_listener answers a server's first packets without keeping any state (§6):
 *    session_accept_check() replies to a client's hard reset with the stateless reset and
 *    recognises the client's third packet by its cookie. Only then does the app create a
 *    struct session (session_new_accepted()) and hand it the same packet.
 *  - struct session is one peer: its session ids, the control-packet wrapping, the key slots
 *    (primary and lame duck, key_id 0, 1..7, 1..), per key the reliability layer and a TLS session,
 *    the key-method-2 exchange, data-key derivation, cipher negotiation, renegotiation, the text
 *    control messages, and the client's PUSH_REQUEST / PUSH_REPLY cycle.
 *
 * Driving a session (the app's loop):
 *   session_receive()      every control packet that belongs to it (the app matched address and
 *                          session id; data packets never come here)
 *   session_timeout()      when now >= session_next_deadline()
 *   session_next_packet()  until it returns 0, after each of the calls above and after
 *                          session_send_text() / session_renegotiate() / session_close()
 *   session_next_event()   until it returns false, likewise
 * Views in an event (text, certificate info, pushed settings, peer-info) point into the session
 * and stay valid until the next call of any session function other than session_next_event().
 *
 * Memory: session_new_*() allocates everything the session needs; later allocations happen only
 * for a renegotiation (a new TLS object). Unauthenticated packets never allocate and never change
 * state (in mode none "authenticated" means: the session ids match, as in openvpn).
 *
 * Not covered: TCP framing, p2p (non-pull) TLS mode, key-method 1, pre-2.6 tls-crypt-v2 clients
 * without the early-negotiation marker (their resets are dropped: the server always uses the
 * cookie), a tls-crypt-v2 server that also accepts tls-auth / tls-crypt clients, deferred
 * authentication (the app closes a session whose authentication failed with session_close()).
 */
#ifndef SLUICE_SESSION_H
#define SLUICE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctlwrap.h"
#include "keyex.h"
#include "push.h"
#include "reliable.h"
#include "tlsmem.h"
#include "wire.h"

/* Largest datagram looked at (control packets are at most 2048 bytes plus a 1024-byte WKc), and
 * the room session_next_packet() and session_accept_check() need in their output. */
#define SESSION_PACKET_MAX 4096u

/* --max-packet-size (tls-mtu, §7.4): default and clamp range; it counts IP and UDP headers. */
#define SESSION_TLS_MTU_DEFAULT 1250u
#define SESSION_TLS_MTU_MIN     154u
#define SESSION_TLS_MTU_MAX     2048u
#define SESSION_IPV4_OVERHEAD   28u /* IPv4 + UDP header */
#define SESSION_IPV6_OVERHEAD   48u /* IPv6 + UDP header */

/* Timing defaults of openvpn 2.6 (§11.1, §12.1). */
#define SESSION_RENEG_SEC_DEFAULT        3600u
#define SESSION_HAND_WINDOW_DEFAULT      60u
#define SESSION_TRAN_WINDOW_DEFAULT      3600u
#define SESSION_PUSH_REQUEST_DELAY_MS    1000u  /* first PUSH_REQUEST after the key exchange */
#define SESSION_PUSH_REQUEST_INTERVAL_MS 5000u  /* repeated until a PUSH_REPLY arrives */
#define SESSION_PUSH_HOLDOFF_MS          30000u /* server: PUSH_REQUESTs ignored after a reply */
#define SESSION_CLOSE_LINGER_MS          5000u  /* session_close(): time to deliver the text */

/* The stateless reply rate, --connect-freq-initial 100 10 (§6.1). */
#define SESSION_CONNECT_RATE  10u
#define SESSION_CONNECT_BURST 100u

/*
 * Amplification of the stateless reply (§6.1): the reply carries one ack id and the client's
 * session id that the client's reset (n = 0) has not, so it is this many bytes longer than the
 * smallest reset in modes none, tls-auth and tls-crypt (plain 14 -> 26 bytes, factor 1.86;
 * tls-auth SHA1 42 -> 54, 1.29; tls-crypt 54 -> 66, 1.22). tls-crypt-v2 replies (72 bytes) are
 * always shorter than the request, which carries a WKc of at least 290 bytes. The listener
 * never sends more than request + SESSION_REPLY_EXTRA bytes, replies only to resets that
 * authenticate (every mode but none needs the key) and at most at the connect rate above.
 */
#define SESSION_REPLY_EXTRA 12u

#define SESSION_NAME_MAX         64u /* cipher and digest names, NUL included */
#define SESSION_EVENTS_MAX       16u /* queued events; later ones are counted as lost */
#define SESSION_TEXT_ARENA       4096u
#define SESSION_TEXT_QUEUE       4096u /* texts waiting for a key, NULs included */
#define SESSION_FAIL_TEXT_MAX    192u
#define SESSION_TLS_DESC_MAX     256u
#define SESSION_PEER_INFO_MAX    1024u /* peer-info text this client sends, NUL included */
#define SESSION_DATA_CIPHERS_MAX 128u  /* normalised data-ciphers list, NUL included */

/* ---- results ---- */

/* Set-up and API errors. */
enum session_err {
    SESSION_OK = 0,
    SESSION_ERR_PARAM = -1,   /* a parameter is missing, out of range or does not fit */
    SESSION_ERR_NOMEM = -2,   /* allocation or a libcrypto object failed */
    SESSION_ERR_STATE = -3,   /* not possible in this state (e.g. text before the key exchange) */
    SESSION_ERR_NO_ROOM = -4, /* the output writer is too small */
    SESSION_ERR_CRYPTO = -5,  /* wrapping a packet failed inside libcrypto */
};

/* Static, never NULL. */
const char *session_strerror(int err);

/*
 * Why a received packet was dropped (session_receive(), session_accept_check()). Small negatives
 * so that `-reason` indexes the drop counters; SESSION_RX_OK is a packet that was used (a
 * duplicate that was only acknowledged again counts as used).
 */
enum session_rx {
    SESSION_RX_OK = 0,
    SESSION_RX_TRUNCATED = -1,  /* shorter than its headers */
    SESSION_RX_TOO_BIG = -2,    /* over SESSION_PACKET_MAX */
    SESSION_RX_OPCODE = -3,     /* data, key-method 1, unknown, or wrong direction for the role */
    SESSION_RX_UNWRAP = -4,     /* tls-auth / tls-crypt / WKc authentication or framing failed */
    SESSION_RX_REPLAY = -5,     /* the wrapping's replay window refused the packet-id */
    SESSION_RX_MALFORMED = -6,  /* control packet or reset TLVs do not parse, bad message id */
    SESSION_RX_SID = -7,        /* the sender's session id is not the peer's */
    SESSION_RX_REMOTE_SID = -8, /* the ack block names another session id ("bad session-id") */
    SESSION_RX_KEY_ID = -9,     /* key IDs out of sync */
    SESSION_RX_STATE = -10,     /* opcode not allowed in the current state */
    SESSION_RX_RELIABLE = -11,  /* outside the receive window, no room, too big */
    SESSION_RX_RATE = -12,      /* listener: stateless reply refused by the rate limit */
    SESSION_RX_COOKIE = -13,    /* listener: invalid or missing cookie session id */
    SESSION_RX_NO_EARLY_NEG = -14, /* listener: tls-crypt-v2 reset without the 0x0F marker */
    SESSION_RX_CLOSED = -15,       /* the session has failed or was closed */
};

#define SESSION_RX_REASONS 16

/* "truncated", "bad session id", ...: static, never NULL. */
const char *session_rx_name(int reason);

/* Why a session ended (SESSION_EV_FAILED). */
enum session_fail {
    SESSION_FAIL_NONE = 0,
    SESSION_FAIL_HANDSHAKE_TIMEOUT, /* no key within hand-window */
    SESSION_FAIL_PUSH_TIMEOUT,      /* client: no PUSH_REPLY within hand-window */
    SESSION_FAIL_TLS,               /* TLS handshake or certificate verification failed */
    SESSION_FAIL_TLS_CLOSED,        /* the peer closed the TLS session */
    SESSION_FAIL_KEYEX,             /* malformed key-method-2 message */
    SESSION_FAIL_NCP,               /* no data-channel cipher in common */
    SESSION_FAIL_PUSH,              /* client: malformed PUSH_REPLY */
    SESSION_FAIL_KEYS,              /* data keys could not be derived */
    SESSION_FAIL_INTERNAL,          /* allocation or libcrypto failure */
    SESSION_FAIL_LOCAL_CLOSE,       /* session_close() finished */
};

/* Static, never NULL. */
const char *session_fail_name(enum session_fail f);

/* ---- parameters, translated once from the configuration by the app ---- */

enum session_role {
    SESSION_CLIENT,
    SESSION_SERVER,
};

/* Fills out[0..len) with cryptographically strong random bytes (the shell's RAND_bytes). */
typedef void (*session_rand_fn)(void *ctx, uint8_t *out, size_t len);

/* Control-channel wrapping of the initial key (§3-§5). */
struct session_wrap {
    enum ctlwrap_mode mode;
    /*
     * CTLWRAP_KEY_LEN bytes: the tls-auth / tls-crypt key file, or a tls-crypt-v2 client's Kc.
     * Unused for NONE and on a tls-crypt-v2 server (its Kc arrives with each client). Copied.
     */
    const uint8_t *key;
    int key_direction;  /* tls-auth: 0, 1 or CTLWRAP_KEY_DIR_BIDI */
    const char *digest; /* tls-auth --auth digest; NULL: SHA1 */
    const uint8_t *wkc; /* tls-crypt-v2 client: the WKc of its key file */
    size_t wkc_len;
};

struct session_params {
    enum session_role role;
    struct session_wrap wrap;
    struct tlsmem_ctx *tls; /* shared, built from the configuration; outlives the session */
    /* --data-ciphers (colon list, '?' marks optional entries); NULL: the 2.6 default. */
    const char *data_ciphers;
    const char *data_ciphers_fallback; /* NULL: none */
    const char *auth;                  /* --auth digest for CBC data ciphers; NULL: SHA1 */
    uint32_t reneg_sec;                /* 0: no time trigger */
    uint32_t reneg_sec_min;            /* server: random start in [min, reneg_sec]; 0: 90 % */
    uint64_t reneg_bytes;              /* 0: no byte trigger */
    uint64_t reneg_pkts;               /* 0: no packet trigger */
    uint32_t hand_window_s;
    uint32_t tran_window_s;
    uint32_t tls_timeout_ms; /* first retransmit timeout */
    /*
     * Client: peer-info to send. ciphers NULL means data_ciphers; the session adds to proto the
     * IV_PROTO bits it implements itself (REQUEST_PUSH, and TLS_KEY_EXPORT / DYN_TLS_CRYPT when
     * allowed below); the app sets the others (DATA_V2, CC_EXIT_NOTIFY, ...). Ignored by servers.
     */
    struct keyex_peer_info_params peer_info;
    const char *username; /* client, optional (--auth-user-pass); NULL: none */
    const char *password;
    const char *occ;    /* OCC options string (keyex_occ_build()), required */
    bool ekm;           /* allow tls-ekm key derivation (2.6 default: yes) */
    bool dyn_tls_crypt; /* allow dynamic tls-crypt for renegotiations (yes) */
    /* Unix time at session_new_*(): replay-id time and certificate checks. */
    uint32_t wall_time_s;
    size_t tls_mtu;            /* SESSION_TLS_MTU_MIN..MAX */
    size_t transport_overhead; /* SESSION_IPV4_OVERHEAD or SESSION_IPV6_OVERHEAD */
    unsigned replay_window;    /* control-channel --replay-window */
    unsigned replay_time;
    session_rand_fn rand;
    void *rand_ctx;
};

/* Defaults of openvpn 2.6 for everything but role, tls, occ, rand and wall time. */
void session_params_init(struct session_params *p);

/* ---- events ---- */

enum session_event_type {
    SESSION_EV_TLS_VERIFIED,  /* u.tls: the TLS handshake of key_id completed */
    SESSION_EV_PEER_INFO,     /* u.peer: the peer's key-method-2 message for key_id */
    SESSION_EV_KEYS,          /* u.keys: data-channel keys of key_id, install them */
    SESSION_EV_SEND_KEY,      /* the data channel should now send with key_id (§11.3) */
    SESSION_EV_KEY_RETIRED,   /* key_id's data keys must be removed */
    SESSION_EV_RENEGOTIATING, /* u.reneg: a soft reset for key_id started */
    SESSION_EV_TEXT,          /* u.text: a control message received (see below) */
    SESSION_EV_PUSH_REQUEST,  /* server: a PUSH_REPLY is due now (asked for or IV_PROTO bit 2) */
    SESSION_EV_PUSH_REPLY,    /* client: u.push, the complete pushed settings */
    SESSION_EV_ESTABLISHED,   /* the first key is usable (client: after the push) */
    SESSION_EV_FAILED,        /* u.fail: the session is over; free it */
};

/*
 * SESSION_EV_TEXT carries every text control message the peer sent except a server's
 * PUSH_REQUEST (that is SESSION_EV_PUSH_REQUEST). On a client each part of a PUSH_REPLY comes
 * raw as a TEXT event of type PUSH_MSG_PUSH_REPLY, for the log only and in arrival order, before
 * the SESSION_EV_PUSH_REPLY that follows the last part; the text may hold an auth-token, so the
 * app must not log it verbatim at low verbosity. A text that finds the event arena full is
 * counted in events_lost and the push itself still applies.
 */

/* "TLS_VERIFIED", ...: static, never NULL. */
const char *session_event_name(enum session_event_type t);

/* Everything dcipher_suite_lookup() and dcipher_key_init() need (protocol-data.md §2). */
struct session_keys {
    uint8_t key_id;                /* the event's key_id, so the keys can be logged alone */
    char cipher[SESSION_NAME_MAX]; /* canonical ("AES-256-GCM") */
    char auth[SESSION_NAME_MAX];   /* digest for CBC / none suites; "" for AEAD */
    bool ekm;                      /* derived with the TLS exporter, else the legacy PRF */
    struct keyex_keys keys;        /* encrypt = this side's sending key; secret */
};

struct session_event {
    enum session_event_type type;
    uint8_t key_id;
    union {
        struct {
            const struct tlsmem_cert_info *cert; /* NULL when the peer sent no certificate */
            const char *description;             /* tlsmem_describe() */
        } tls;
        struct {
            const struct keyex_peer_info *info; /* parsed IV_ variables */
            struct keyex_str options;           /* the peer's OCC string */
            struct keyex_str username;          /* server: the client's credentials (secret) */
            struct keyex_str password;
        } peer;
        struct session_keys keys;
        struct {
            bool local; /* this side started it */
        } reneg;
        struct {
            enum push_msg_type type;
            const char *text; /* without its NUL; not NUL-terminated */
            size_t len;
        } text;
        const struct push_settings *push;
        struct {
            enum session_fail reason;
            const char *text; /* NUL-terminated detail for the log */
        } fail;
    } u;
};

/* Wipes the key material of an event the app has copied out. */
void session_event_wipe(struct session_event *ev);

/* ---- what was negotiated (for the server's PUSH_REPLY and the app's data channel) ---- */

struct session_negotiated {
    char cipher[SESSION_NAME_MAX]; /* "" until known */
    char auth[SESSION_NAME_MAX];
    bool ekm;
    bool dyn_tls_crypt;
    /* Server: from the client's peer-info (push_client_params is built from these). */
    uint32_t peer_proto; /* IV_PROTO */
    bool peer_ncp;       /* IV_CIPHERS or IV_NCP >= 2: push `cipher` */
    bool cc_exit;        /* IV_PROTO CC_EXIT_NOTIFY (client: pushed protocol-flags cc-exit) */
    bool request_push;   /* IV_PROTO REQUEST_PUSH */
    unsigned peer_mtu;   /* IV_MTU, 0 if absent */
};

/* ---- counters ---- */

struct session_stats {
    uint64_t rx_packets; /* accepted */
    uint64_t tx_packets;
    uint64_t drops[SESSION_RX_REASONS]; /* indexed by -enum session_rx */
    uint64_t illegal_transitions;       /* refused state changes: a bug or a hostile peer */
    uint64_t renegotiations;
    uint64_t push_requests_sent;
    uint64_t text_dropped;    /* control messages with bytes that are not printable */
    uint64_t records_ignored; /* TLS records that arrived when none was expected */
    uint64_t events_lost;     /* events that found the queue full */
};

/* ---- the stateless server side (§6) ---- */

struct session_listener_params {
    struct session_wrap wrap;     /* mode, and the key for tls-auth / tls-crypt */
    const uint8_t *v2_server_key; /* tls-crypt-v2: CTLWRAP_V2_SERVER_KEY_LEN bytes */
    const uint8_t *cookie_secret; /* CTLWRAP_COOKIE_SECRET_LEN random bytes */
    uint32_t hand_window_s;       /* cookie lifetime follows from it */
    uint32_t wall_time_s;         /* replay-id time of the stateless replies */
    uint32_t rate_per_sec;        /* stateless replies; 0: unlimited */
    uint32_t burst;
};

/* SESSION_CONNECT_RATE / _BURST and the default hand-window; the rest zero. */
void session_listener_params_init(struct session_listener_params *p);

struct session_listener;

/* Copies the keys. SESSION_ERR_PARAM (a key or the secret missing) or SESSION_ERR_NOMEM. */
int session_listener_new(const struct session_listener_params *p, struct session_listener **out)
    __attribute__((warn_unused_result));
void session_listener_free(struct session_listener *l); /* NULL is fine; wipes keys */

enum session_verdict {
    SESSION_VERDICT_DROP,   /* nothing to do; accept->drop says why */
    SESSION_VERDICT_REPLY,  /* send the bytes written to `reply` back to the sender */
    SESSION_VERDICT_CREATE, /* create the session from *accept, then session_receive() pkt */
};

/* What session_new_accepted() needs; holds the tls-crypt-v2 client key: session_accept_wipe(). */
struct session_accept {
    enum session_rx drop;
    struct wire_sid client_sid;
    struct wire_sid server_sid; /* the cookie: the server's own session id */
    bool has_kc;
    uint8_t kc[CTLWRAP_KEY_LEN]; /* tls-crypt-v2 */
    struct ctlwrap_metadata md;  /* tls-crypt-v2 metadata (for a verify hook) */
};

void session_accept_wipe(struct session_accept *a);

/*
 * Looks at a datagram from an address that has no session yet. addr is the sender's transport
 * address in any fixed encoding (family, port, IP), the same for every call. Returns the verdict:
 *  - a client's hard reset (V2; V3 with WKc and the early-negotiation marker in tls-crypt-v2
 *    mode), key_id 0, message id 0, that authenticates: the stateless HARD_RESET_SERVER_V2 is
 *    appended to reply (at most request + SESSION_REPLY_EXTRA bytes; RESEND_WKC TLV for V3),
 *    if the rate limit allows;
 *  - the client's next packet (P_CONTROL_V1, P_ACK_V1 or for v2 P_CONTROL_WKC_V1; key_id 0)
 *    whose ack block echoes a valid cookie: CREATE with *accept filled;
 *  - anything else: DROP.
 * Nothing is allocated and no state changes but counters and the rate limit. reply needs room
 * for SESSION_PACKET_MAX bytes.
 */
enum session_verdict session_accept_check(struct session_listener *l, const uint8_t *pkt,
                                          size_t len, const uint8_t *addr, size_t addr_len,
                                          uint64_t now, struct buf_writer *reply,
                                          struct session_accept *accept);

struct session_listener_stats {
    uint64_t replies;
    uint64_t creates;
    uint64_t drops[SESSION_RX_REASONS];
};

const struct session_listener_stats *session_listener_stats(const struct session_listener *l);

/* ---- one session ---- */

struct session;

enum session_state {
    SESSION_HANDSHAKE, /* the first key is being negotiated */
    SESSION_ACTIVE,    /* a data key exists (renegotiations happen in this state) */
    SESSION_CLOSING,   /* session_close(): delivering the last text */
    SESSION_FAILED,    /* over: free it */
};

/*
 * A client session: sends HARD_RESET_CLIENT_V2 (V3 with tls-crypt-v2). p and the strings and
 * the TLS context it points to must outlive the session; key bytes are copied. Returns 0,
 * SESSION_ERR_PARAM or SESSION_ERR_NOMEM (*out NULL).
 */
int session_new_client(const struct session_params *p, uint64_t now, struct session **out)
    __attribute__((warn_unused_result));

/* A server session for a CREATE verdict; then pass it the packet that produced the verdict. */
int session_new_accepted(const struct session_params *p, const struct session_accept *accept,
                         uint64_t now, struct session **out) __attribute__((warn_unused_result));

/* NULL is fine; wipes every secret. */
void session_free(struct session *s);

/* One received control packet. Returns SESSION_RX_OK or a drop reason (also counted). */
int session_receive(struct session *s, const uint8_t *pkt, size_t len, uint64_t now);

/* Timers: hand-window, PUSH_REQUEST repeats, renegotiation, lame-duck expiry, key switch. */
void session_timeout(struct session *s, uint64_t now);

/* When session_timeout() or session_next_packet() has work; UINT64_MAX: none; <= now: at once. */
uint64_t session_next_deadline(const struct session *s);

/*
 * Writes the next packet due (new, retransmitted or a standalone ACK) to out, wrapped and ready
 * for the socket. Returns 1 when a packet was written, 0 when nothing is due,
 * SESSION_ERR_NO_ROOM (out needs SESSION_PACKET_MAX bytes) or SESSION_ERR_CRYPTO.
 */
int session_next_packet(struct session *s, uint64_t now, struct buf_writer *out);

/* Takes the oldest queued event; false when there is none. */
bool session_next_event(struct session *s, struct session_event *ev);

/*
 * Sends a text control message (PUSH_REPLY,..., AUTH_FAILED, RESTART, EXIT, ...) as one TLS
 * record with its NUL on the primary key. While that key is still being negotiated (the first
 * one, or a renegotiation) the text waits, in order, until the key exchange is done, as in
 * openvpn (up to SESSION_TEXT_QUEUE bytes). text[0..len) must be printable ASCII and
 * len + 1 <= PUSH_MSG_MAX. SESSION_ERR_PARAM, SESSION_ERR_NO_ROOM (queue full) or
 * SESSION_ERR_STATE (closing or failed).
 */
int session_send_text(struct session *s, const char *text, size_t len, uint64_t now);

/* Data-channel traffic on key_id, for --reneg-bytes / --reneg-pkts. */
void session_count_data(struct session *s, uint8_t key_id, uint64_t bytes, uint64_t packets);

/* Starts a soft reset now (e.g. the data-channel packet-id reached DCIPHER_PACKET_ID_RENEG).
 * SESSION_ERR_STATE unless the primary key is active and no renegotiation is running. */
int session_renegotiate(struct session *s, uint64_t now);

/*
 * Client: the server sent AUTH_PENDING (with `timeout N`): the PUSH_REPLY may now take until
 * now + timeout_s instead of hand-window (openvpn 2.6 replaces the window, it may also shorten
 * it). SESSION_ERR_STATE unless the session is a client waiting for its PUSH_REPLY.
 */
int session_auth_pending(struct session *s, uint32_t timeout_s, uint64_t now);

/*
 * Ends the session: sends text (NULL: none) if the primary key can carry it and keeps delivering
 * it until the peer acknowledged it, at most SESSION_CLOSE_LINGER_MS; then (at once when no text
 * went out) the session fails with SESSION_FAIL_LOCAL_CLOSE (or the reason it already had).
 * SESSION_ERR_PARAM for text that is not printable ASCII, SESSION_ERR_STATE once failed.
 */
int session_close(struct session *s, const char *text, uint64_t now);

enum session_state session_state(const struct session *s);
const struct session_stats *session_stats(const struct session *s);
/* The primary key's reliability counters. */
const struct reliable_stats *session_reliable_stats(const struct session *s);
const struct session_negotiated *session_negotiated(const struct session *s);
/* The data key the app should send with, as the last SESSION_EV_SEND_KEY said; -1: none. */
int session_send_key_id(const struct session *s);
const struct wire_sid *session_own_sid(const struct session *s);
const struct wire_sid *session_peer_sid(const struct session *s);

#endif
