/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two peers in memory for the session tests and the session fuzzer: a client session, a server
 * listener and the server session it accepts, connected by a simulated link with a deterministic
 * PRNG for loss, duplication and reordering, under a fake monotonic clock. The harness plays the
 * apps' part: it routes packets (listener until the server session exists), drains packets and
 * events after every call, records what the events said, and lets the server push a PUSH_REPLY
 * built with push.h when asked. Free of cmocka: functions report failure by return value.
 */
#ifndef SLUICE_TESTS_SESSION_HARNESS_H
#define SLUICE_TESTS_SESSION_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pki_helpers.h"
#include "session.h"

#define HS_QUEUE     256
#define HS_TEXTS     16
#define HS_LOG       512
#define HS_EV_TYPES  (SESSION_EV_FAILED + 1)
#define HS_WALL_TIME 1800000000u /* 2027-01-15: certificates are judged at this time */

struct hs_pkt {
    uint8_t data[SESSION_PACKET_MAX];
    size_t len;
    uint64_t at; /* delivery time */
};

/* One direction of the link. */
struct hs_link {
    struct hs_pkt *q;
    size_t n;
    unsigned loss, dup, reorder; /* percent */
    bool blocked;                /* drop everything */
    uint64_t sent, lost;
    /* The first bytes (op/key) and lengths of every packet put on the link, in order. */
    uint8_t op[HS_LOG];
    size_t len[HS_LOG];
    size_t n_log;
};

/* What one side's events said. */
struct hs_side {
    struct session *s;
    unsigned count[HS_EV_TYPES];
    bool have_keys[8];
    struct session_keys keys[8]; /* latest KEYS per key_id */
    int send_key;
    uint8_t retired[64];
    size_t n_retired;
    uint8_t reneg[64];
    bool reneg_local[64];
    size_t n_reneg;
    enum session_fail fail;
    char fail_text[SESSION_FAIL_TEXT_MAX];
    char texts[HS_TEXTS][256]; /* TEXT events but the client's raw PUSH_REPLY parts */
    size_t n_texts;
    char push_texts[HS_TEXTS][256]; /* client: the raw PUSH_REPLY parts (TEXT events) */
    size_t n_push_texts;
    unsigned push_texts_before_reply; /* of those, how many came before the PUSH_REPLY event */
    char username[64], password[64];
    bool had_peer_info;
    uint32_t peer_proto;
    char push_cipher[64];
    uint32_t push_peer_id;
    unsigned push_have;
    char cert_cn[TLSMEM_NAME_LEN];
    int last_rx; /* result of the last session_receive() */
    uint64_t rx_drops;
};

struct harness {
    uint64_t now;
    uint64_t rng;
    struct tlsmem_ctx *cctx, *sctx;
    struct session_params cp, sp;
    struct session_listener_params lp;
    struct session_listener *l;
    struct hs_side c, s;
    struct hs_link c2s, s2c;
    uint8_t addr[6];
    uint8_t static_key[256];
    uint8_t v2_server_key[128];
    uint8_t kc[256];
    uint8_t wkc[1024];
    size_t wkc_len;
    uint8_t cookie_secret[32];
    uint64_t latency;   /* ms per packet */
    bool auto_push;     /* the server answers PUSH_REQUEST events */
    unsigned push_skip; /* PUSH_REQUEST events to ignore first */
    uint64_t replies, max_reply_len, creates;
    uint64_t iterations;
};

/* Sets up keys, contexts and default parameters for a wrapping mode; then tweak h->cp / h->sp /
 * h->lp and call hs_start(). The pki must outlive the harness. 0 or -1. */
int hs_init(struct harness *h, const struct pki *pki, enum ctlwrap_mode mode);
/* Creates the listener and the client session. 0 or -1. */
int hs_start(struct harness *h);
/* Frees sessions and listener and empties links and records, keeping keys, contexts and
 * parameters, and restores the initial clock and random streams: hs_start() can follow. */
void hs_reset(struct harness *h);
void hs_free(struct harness *h);

/* Runs the two peers until `until` (absolute ms) or until stop(h) is true; returns stop's value
 * (false when stop is NULL). */
bool hs_run(struct harness *h, uint64_t until, bool (*stop)(const struct harness *h));

/* Conditions for hs_run. */
bool hs_both_established(const struct harness *h);
bool hs_any_failed(const struct harness *h);

/* Delivers one datagram to the client or to the server side now (listener if no session). */
void hs_to_client(struct harness *h, const uint8_t *pkt, size_t len);
void hs_to_server(struct harness *h, const uint8_t *pkt, size_t len);
/* Drains packets (onto the links) and events of both sessions. */
void hs_drain(struct harness *h);

/* The server's PUSH_REPLY, as an app would build it from session_negotiated(). 0 or -1. */
int hs_server_push(struct harness *h);

/* True when the client's send key of key_id equals the server's receive key and vice versa. */
bool hs_keys_match(const struct harness *h, uint8_t key_id);

/* Deterministic bytes (also the sessions' random source). */
void hs_rand(void *ctx, uint8_t *out, size_t len);

#endif
