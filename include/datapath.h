/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data channel of Sluice (shared/docs/protocol-data.md §1-§7, §9, §11, §12), batch by batch,
 * in place in packet buffers, without allocation or per-packet work that grows with the number of
 * peers. App code (src/app): it sees wire, dcipher, replay, comp, inband, mss, peertab and vaddr
 * at once, but does no I/O itself; the event loop moves the batches between tun, socket and here.
 *
 * Objects:
 *  - struct datapath: one per process. Parameters translated once from the configuration, the
 *    server's peer table (peertab, owned by the app) and routing table (vaddr, owned by the app),
 *    the LZ4 scratch buffer and the drop counters.
 *  - struct dp_peer: the data-channel state of one peer, embedded by the app in its own per-peer
 *    struct: up to DP_KEY_SLOTS keys by key_id (each with its dcipher send / receive keys, its
 *    receive replay window and its send packet-id), the selected send key, the peer-id and header
 *    format, the compression framing, the clamped MSS, the keepalive timestamps and counters.
 *
 * Wiring the session (session.h) to a peer:
 *   SESSION_EV_KEYS         dp_key_install(peer, ev.key_id, ev.u.keys.cipher, ev.u.keys.auth,
 *                           &ev.u.keys.keys, now)
 *   SESSION_EV_SEND_KEY     dp_set_send_key(peer, ev.key_id)
 *   SESSION_EV_KEY_RETIRED  dp_key_retire(peer, ev.key_id)
 *   PUSH_REPLY / peer-info  dp_peer_set_peer_id(), dp_peer_set_comp(), dp_peer_set_keepalive()
 *   control packet in/out   dp_peer_touch_rx() (authenticated) / dp_peer_touch_tx()
 *
 * Server peer lookup: peertab stores an opaque pointer per id; the datapath turns it into the
 * struct dp_peer with dp_params.peer_of (NULL: the stored pointer IS the struct dp_peer). On the
 * server a peer's dp_peer_set_peer_id() id must be its peertab id: the routing table (vaddr)
 * names peers by that id too.
 *
 * Buffers: every buffer handed to dp_encrypt_batch() needs DP_HEADROOM bytes of headroom and
 * DP_TAILROOM of tailroom (reset tun buffers with pktbuf_reset(b, DP_HEADROOM) before reading).
 * The caller always keeps ownership of every buffer; verdicts say what each one now holds.
 *
 * Threads: none. A datapath and its peers are used from one thread.
 */
#ifndef SLUICE_DATAPATH_H
#define SLUICE_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comp.h"
#include "dcipher.h"
#include "inband.h"
#include "keyex.h"
#include "mss.h"
#include "peertab.h"
#include "pktbuf.h"
#include "replay.h"
#include "udp.h"
#include "vaddr.h"

#define DP_KEY_SLOTS 3u /* primary, lame duck, and one arriving before the oldest is retired */
/* Headroom a buffer needs to be sealed: the largest header (V2 4 + HMAC-SHA512 64 + CBC IV 16 +
 * packet-id 4 = 88) plus COMP_MAX_OVERHEAD, rounded up. */
#define DP_HEADROOM 128u
#define DP_TAILROOM 32u /* CBC padding (16) and the swap framing's moved byte */
/* openvpn accepts inner packets up to max(1600, tun-mtu) (§11.1). */
#define DP_TUN_MTU_MIN  1600u
#define DP_EVENTS_MAX   (2u * PKTBUF_BATCH_MAX) /* a float and an OCC event per packet at most */
#define DP_COMP_REASONS 11u /* counters indexed by -enum comp_err, up to COMP_DROP_CORRUPT */

/* API errors (set-up calls, not packets). */
enum dp_err {
    DP_OK = 0,
    DP_ERR_PARAM = -1,  /* bad key_id, unknown cipher / auth, missing keys, role mismatch */
    DP_ERR_NOMEM = -2,  /* allocation failed (replay windows, scratch) */
    DP_ERR_KEY = -3,    /* dcipher_key_init refused the keys (weak, too short, crypto library) */
    DP_ERR_NO_KEY = -4, /* dp_set_send_key / dp_key_retire: no key with that key_id */
};

/* Per-packet drop reasons, counted in dp_stats.drops[] and reported in the verdict arrays. */
enum dp_drop {
    DP_DROP_NONE = 0,      /* not dropped (or consumed: a keepalive ping, an OCC message) */
    DP_DROP_TRUNCATED,     /* empty datagram, or shorter than the cipher's fixed fields */
    DP_DROP_BAD_OPCODE,    /* opcode neither data nor control (0, key-method 1, 12..31) */
    DP_DROP_UNKNOWN_PEER,  /* V2 peer-id free / out of range, or no peer at the source address */
    DP_DROP_WRONG_SOURCE,  /* client: from another address than the server's, `float` off */
    DP_DROP_NO_KEY,        /* no key with the packet's key_id / no send key selected */
    DP_DROP_AUTH,          /* AEAD tag or HMAC mismatch */
    DP_DROP_DECRYPT,       /* authentic framing errors: CBC length or padding, size */
    DP_DROP_REPLAY,        /* replayed, too old, expired or zero packet-id (dp_stats.replay) */
    DP_DROP_COMP,          /* unframing / decompression failed (dp_stats.comp) */
    DP_DROP_BAD_OCC,       /* an OCC message that does not parse */
    DP_DROP_EMPTY,         /* nothing left after unframing */
    DP_DROP_NOT_IP,        /* not an IPv4 / IPv6 packet */
    DP_DROP_TOO_BIG,       /* inner packet over tun_mtu_max, or sealed packet too big */
    DP_DROP_BAD_SOURCE,    /* server: the inner source address is not the client's */
    DP_DROP_LINK_LOCAL,    /* server: IPv6 link-local inner source (openvpn drops it silently) */
    DP_DROP_NO_ROUTE,      /* server, tun side: the destination belongs to no client */
    DP_DROP_MULTICAST,     /* server, tun side: multicast / broadcast (not flooded, see below) */
    DP_DROP_PID_EXHAUSTED, /* the send key used every packet-id: wait for the new key */
    DP_DROP_NO_ROOM,       /* the buffer lacks headroom or tailroom */
    DP_DROP_SEAL,          /* random bytes or the crypto library failed while sealing */
    DP_DROP_REASONS
};

/* "truncated", "replay", ...: static, never NULL ("unknown" outside the enum). */
const char *dp_drop_name(int reason);

enum dp_role {
    DP_CLIENT, /* also TLS p2p: one peer, passed to every batch call */
    DP_SERVER, /* many peers: found through peertab (network side) and vaddr (tun side) */
};

/* Fills out[0..len) with random bytes (CBC IVs); returns false on failure. */
typedef bool (*dp_rand_fn)(void *ctx, uint8_t *out, size_t len);
/* Turns the pointer stored in peertab into the peer's data-channel state. */
typedef struct dp_peer *(*dp_peer_of_fn)(void *stored);

struct dp_params {
    enum dp_role role;
    size_t tun_mtu_max;     /* largest inner packet: max(DP_TUN_MTU_MIN, tun-mtu); 0: 1600 */
    unsigned replay_window; /* --replay-window n t (replay.h limits) */
    unsigned replay_time;
    /* Client: `float` (accept the server from a new address once a packet authenticates).
     * Server: ignored; V2 packets with a valid peer-id may always float (§9.2), V1 never. */
    bool float_ok;
    bool client_to_client; /* server: client -> client packets bypass tun (DP_V_PEER) */
    struct mss_config mss; /* mssfix; the per-peer value follows from it and the cipher */
    dp_rand_fn rand;       /* NULL: OpenSSL RAND_bytes */
    void *rand_ctx;
    dp_peer_of_fn peer_of; /* server; NULL: peertab stores struct dp_peer pointers */
};

/* Defaults: client, tun-mtu 1600, replay 64 / 15 s, no float, mssfix 1492 mtu over UDPv4. */
void dp_params_init(struct dp_params *p);

struct dp_stats {
    uint64_t drops[DP_DROP_REASONS];
    uint64_t cipher[DCIPHER_DROP_REASONS]; /* DP_DROP_TRUNCATED/AUTH/DECRYPT by -dcipher_err */
    uint64_t replay[REPLAY_DROP_REASONS];  /* DP_DROP_REPLAY by -replay_err */
    uint64_t comp[DP_COMP_REASONS];        /* DP_DROP_COMP by -comp_err */
    uint64_t rx_control;                   /* datagrams handed back as control packets */
    uint64_t rx_data;                      /* authenticated data packets (pings and OCC included) */
    uint64_t rx_ping, rx_occ;
    uint64_t tx_data; /* sealed packets (pings and OCC included) */
    uint64_t tx_ping;
    uint64_t floats; /* float events reported */
    uint64_t mss_clamped;
    uint64_t events_lost; /* events that found the output full (never with DP_EVENTS_MAX) */
};

struct datapath;

/*
 * Allocates the datapath (and its LZ4 scratch buffer). Server: peers and routes must be given
 * (they stay the app's; the datapath only reads them). Client: both NULL. Returns 0, DP_ERR_PARAM
 * or DP_ERR_NOMEM (*out NULL).
 */
int dp_new(const struct dp_params *p, struct peertab *peers, const struct vaddr *routes,
           struct datapath **out) __attribute__((warn_unused_result));
void dp_free(struct datapath *dp); /* NULL is fine */

const struct dp_stats *dp_stats(const struct datapath *dp);
/* Sum of dp_stats.drops[]: every packet dropped, whatever the reason (0 for NULL). */
uint64_t dp_drops_total(const struct datapath *dp);
const struct dp_params *dp_params(const struct datapath *dp);

/* ---- per peer ---- */

struct dp_key_slot {
    bool used;
    uint8_t key_id;
    struct dcipher_key enc, dec;
    struct replay replay; /* window of dec; allocated once by dp_peer_init() */
    uint32_t tx_last_pid; /* last packet-id sent with enc (dcipher_packet_id_next) */
    bool reneg_reported;  /* DP_EV_RENEGOTIATE already emitted for this key */
    uint64_t installed;   /* ms */
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes; /* link bytes, for --reneg-bytes */
};

struct dp_peer_stats {
    uint64_t rx_packets, rx_bytes; /* to tun (plaintext) */
    uint64_t tx_packets, tx_bytes; /* from tun (plaintext) */
    uint64_t rx_link_bytes, tx_link_bytes;
    uint64_t drops; /* packets of this peer dropped after it was identified */
};

/* Fields are the datapath's; read them through the accessors, change them through setters. */
struct dp_peer {
    void *owner; /* the app's: free for it to set and read */
    const struct datapath *dp;
    uint32_t peer_id; /* server: the peertab id; client: the pushed peer-id */
    bool data_v2;     /* send P_DATA_V2 (with peer_id) rather than P_DATA_V1 */
    struct udp_meta remote;
    struct comp comp;
    uint16_t mss;  /* IPv4 MSS clamp for this peer (0: off), from dp_params.mss and the cipher */
    int send_slot; /* index into slots, -1: none */
    struct dp_key_slot slots[DP_KEY_SLOTS];
    uint64_t ping_ms, restart_ms; /* keepalive: 0 = off */
    uint64_t last_rx, last_tx;    /* ms: authenticated receive, any send */
    uint64_t float_batch;         /* the batch that last reported a float (one per batch) */
    struct dp_peer_stats stats;
};

/*
 * Prepares p for dp (which must outlive it): no keys, V1 header, peer-id PEERTAB_ID_UNSET, no
 * framing, timestamps `now`, and the replay windows of all slots allocated. Returns 0 or
 * DP_ERR_NOMEM (p is then safe for dp_peer_cleanup()).
 */
int dp_peer_init(struct dp_peer *p, const struct datapath *dp, uint64_t now)
    __attribute__((warn_unused_result));
/* Wipes all keys and frees the windows; NULL, a zeroed struct and a second call are fine. */
void dp_peer_cleanup(struct dp_peer *p);

/* Where packets to the peer go (and, client, where its packets must come from unless float). */
void dp_peer_set_remote(struct dp_peer *p, const struct udp_meta *remote);
/* data_v2: send P_DATA_V2 carrying id (a pushed `peer-id`; server: always the peertab id). */
void dp_peer_set_peer_id(struct dp_peer *p, bool data_v2, uint32_t id);
/* Copies the framing (comp_init() result); recomputes the MSS (v1 framing costs a byte). */
void dp_peer_set_comp(struct dp_peer *p, const struct comp *c);
/* `ping` and `ping-restart` / `ping-exit` seconds in force for this peer; 0 turns one off. */
void dp_peer_set_keepalive(struct dp_peer *p, unsigned ping_s, unsigned restart_s);
/* A control packet was sent to / authenticated from the peer: both count for keepalive. */
void dp_peer_touch_tx(struct dp_peer *p, uint64_t now);
void dp_peer_touch_rx(struct dp_peer *p, uint64_t now);

/*
 * Installs the data keys of key_id (session KEYS event: cipher, auth and this side's keys).
 * Replaces a slot with the same key_id; otherwise takes a free slot, or the oldest slot that is
 * not the send key. The new key's replay window and packet-id start afresh. Does not change the
 * send key. Returns 0, DP_ERR_PARAM or DP_ERR_KEY (nothing changed then).
 */
int dp_key_install(struct dp_peer *p, uint8_t key_id, const char *cipher, const char *auth,
                   const struct keyex_keys *keys, uint64_t now) __attribute__((warn_unused_result));
/* Sends with key_id from now on (SESSION_EV_SEND_KEY). 0 or DP_ERR_NO_KEY. */
int dp_set_send_key(struct dp_peer *p, uint8_t key_id);
/* Removes key_id (SESSION_EV_KEY_RETIRED); if it was the send key, nothing is sent until the
 * next dp_set_send_key(). 0 or DP_ERR_NO_KEY. */
int dp_key_retire(struct dp_peer *p, uint8_t key_id);
/* The send key's key_id, or -1. */
int dp_send_key_id(const struct dp_peer *p);
/* The slot of key_id, or NULL: counters for --reneg-bytes / --reneg-pkts and logging. */
const struct dp_key_slot *dp_key_slot(const struct dp_peer *p, uint8_t key_id);
/* True once the send key's packet-id reached DCIPHER_PACKET_ID_RENEG: renegotiate. */
bool dp_peer_wants_renegotiation(const struct dp_peer *p);

/* ---- keepalive (§6.2, §12) ---- */

/* When a ping is due: `ping` ms after the last packet sent; UINT64_MAX when ping is off. */
uint64_t dp_ping_deadline(const struct dp_peer *p);
bool dp_ping_due(const struct dp_peer *p, uint64_t now);
/* When ping-restart / ping-exit fires: `restart` after the last authenticated packet received. */
uint64_t dp_restart_deadline(const struct dp_peer *p);
bool dp_restart_due(const struct dp_peer *p, uint64_t now);
/* The earlier of the two: when the keepalive timer must look again (UINT64_MAX: both off). */
uint64_t dp_keepalive_deadline(const struct dp_peer *p);

/*
 * Builds the 16-byte keepalive ping (or the 17-byte OCC EXIT) into b, which must be empty and
 * have DP_HEADROOM/DP_TAILROOM, through the same framing and sealing as tun packets; *meta is
 * where to send it. Returns DP_DROP_NONE (0) or the reason it could not be built (NO_KEY,
 * PID_EXHAUSTED, NO_ROOM, SEAL, ...).
 */
int dp_build_ping(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, struct udp_meta *meta,
                  uint64_t now);
int dp_build_exit(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, struct udp_meta *meta,
                  uint64_t now);
/* Any OCC message (inband.h), e.g. the REPLY a TLS-mode peer still sends to a REQUEST (§6.3).
 * An OCC message that inband_occ_build() refuses or that does not fit gives DP_DROP_NO_ROOM. */
int dp_build_occ(struct datapath *dp, struct dp_peer *p, struct pktbuf *b, struct udp_meta *meta,
                 uint64_t now, const struct inband_occ *m);

/* ---- batches ---- */

enum dp_verdict {
    DP_V_FREE = 0, /* dropped or consumed (reason says which): the buffer may be reused */
    DP_V_TUN,      /* decrypt: an IP packet for tun_write_batch() (also listed in out->tun) */
    DP_V_CONTROL,  /* decrypt: not a data packet, untouched: for the session layer */
    DP_V_PEER,     /* decrypt, server: client-to-client packet, re-encrypt (out->fwd) */
    DP_V_SEND,     /* encrypt: sealed, listed in out->send with its address */
};

enum dp_event_type {
    DP_EV_FLOAT,       /* an authenticated packet came from `from`, not from the peer's address */
    DP_EV_OCC,         /* an OCC message (not EXIT) in bufs[index]: inband_occ_parse() it */
    DP_EV_EXIT,        /* OCC EXIT: the peer is leaving (server: close it; client: restart) */
    DP_EV_RENEGOTIATE, /* key_id's send packet-id reached the threshold: session_renegotiate() */
};

struct dp_event {
    enum dp_event_type type;
    struct dp_peer *peer;
    uint8_t key_id;
    size_t index;         /* DP_EV_OCC / DP_EV_EXIT: the buffer holding the message */
    struct udp_meta from; /* DP_EV_FLOAT: the new address */
};

struct dp_rx_out {
    uint8_t verdict[PKTBUF_BATCH_MAX];      /* enum dp_verdict, per input index */
    uint8_t reason[PKTBUF_BATCH_MAX];       /* enum dp_drop for DP_V_FREE */
    struct dp_peer *peer[PKTBUF_BATCH_MAX]; /* the authenticated sender, else NULL */
    uint8_t key_id[PKTBUF_BATCH_MAX];       /* its key_id (when peer is set) */
    struct pktbuf *tun[PKTBUF_BATCH_MAX];   /* DP_V_TUN buffers in arrival order */
    size_t n_tun;
    struct pktbuf *fwd[PKTBUF_BATCH_MAX]; /* DP_V_PEER buffers in arrival order */
    size_t n_fwd;
    size_t control[PKTBUF_BATCH_MAX]; /* indices of DP_V_CONTROL datagrams, in arrival order */
    size_t n_control;
    struct dp_event ev[DP_EVENTS_MAX];
    size_t n_ev;
};

/*
 * Network -> tun. bufs[i] holds a datagram (data starting at its first byte) received from
 * meta[i].peer. Client: peer is the one peer. Server: peer is NULL and each packet's peer comes
 * from peertab: P_DATA_V2 by peer-id (0xFFFFFF: by address), P_DATA_V1 by source address.
 * For each data packet: key by key_id, dcipher_open, replay check and commit (only after it
 * authenticated), float decision, keepalive timestamp, unframing, in-band messages (pings are
 * consumed; OCC gives an event), source check (server), client-to-client routing (server), mss
 * clamp. Everything happens in place. Looks at min(n, PKTBUF_BATCH_MAX) packets; returns how many.
 * The buffers of DP_EV_OCC / DP_EV_EXIT events hold the message until the caller reuses them.
 *
 * Float: the event is reported, nothing moves here. The app calls peertab_float() (server) and,
 * when that succeeds, dp_peer_set_remote(); the packet itself is delivered either way, since it
 * authenticated. Only one float event per peer and batch.
 * Multicast from a client goes to tun only (not flooded to the other clients).
 */
size_t dp_decrypt_batch(struct datapath *dp, struct dp_peer *peer, struct pktbuf *const *bufs,
                        const struct udp_meta *meta, size_t n, uint64_t now, struct dp_rx_out *out);

struct dp_tx_out {
    uint8_t verdict[PKTBUF_BATCH_MAX]; /* DP_V_SEND or DP_V_FREE, per input index */
    uint8_t reason[PKTBUF_BATCH_MAX];
    struct pktbuf *send[PKTBUF_BATCH_MAX]; /* for udp_send_batch(), in input order */
    struct udp_meta meta[PKTBUF_BATCH_MAX];
    struct dp_peer *peer[PKTBUF_BATCH_MAX]; /* the receiver of send[i] */
    uint8_t key_id[PKTBUF_BATCH_MAX];       /* the key_id send[i] was sealed with */
    size_t n_send;
    struct dp_event ev[DP_EVENTS_MAX];
    size_t n_ev;
};

/*
 * Tun -> network. bufs[i] holds one IP packet (with DP_HEADROOM / DP_TAILROOM). Client: peer is
 * the one peer. Server: peer is NULL and each packet goes to the owner of its destination address
 * (vaddr_lookup); multicast / broadcast from tun is dropped (DP_DROP_MULTICAST: flooding every
 * client is not implemented). Per packet: mss clamp, framing (and LZ4 when allowed), next
 * packet-id of the send key, seal in place. A key whose packet-id reaches the threshold emits
 * DP_EV_RENEGOTIATE once; a key with no packet-id left drops (DP_DROP_PID_EXHAUSTED).
 * Looks at min(n, PKTBUF_BATCH_MAX) packets; returns how many.
 */
size_t dp_encrypt_batch(struct datapath *dp, struct dp_peer *peer, struct pktbuf *const *bufs,
                        size_t n, uint64_t now, struct dp_tx_out *out);

#endif
