/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between the ctlwrap*.c files only: the wrapper struct and thin libcrypto helpers
 * (HMAC via EVP_MAC, AES-256-CTR via EVP_CIPHER), each context keyed once and reused.
 */
#ifndef SLUICE_CTLWRAP_PRIV_H
#define SLUICE_CTLWRAP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "ctlwrap.h"
#include "replay.h"
#include "wire.h"

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "ctlwrap needs OpenSSL 3.0 or later (EVP_MAC)"
#endif

#define CTLWRAP_AES_KEY_LEN 32u /* AES-256 */
#define CTLWRAP_IV_LEN      16u /* the CTR block taken from the tag */

/* One HMAC key: the context holds the key; each message restarts it. */
struct ctlwrap_mac {
    EVP_MAC_CTX *ctx;
    size_t len; /* output bytes = key bytes used */
};

int ctlwrap_mac_new(struct ctlwrap_mac *m, const char *digest);
int ctlwrap_mac_key(struct ctlwrap_mac *m, const uint8_t *key);
bool ctlwrap_mac_begin(struct ctlwrap_mac *m);
bool ctlwrap_mac_add(struct ctlwrap_mac *m, const uint8_t *p, size_t n);
/* Writes m->len bytes to out (which has room for CTLWRAP_HMAC_MAX). */
bool ctlwrap_mac_end(struct ctlwrap_mac *m, uint8_t *out);
void ctlwrap_mac_free(struct ctlwrap_mac *m);

struct ctlwrap_ctr {
    EVP_CIPHER_CTX *ctx;
};

int ctlwrap_ctr_new(struct ctlwrap_ctr *c);
int ctlwrap_ctr_key(struct ctlwrap_ctr *c, const uint8_t *key);
/* Starts a message at counter block iv[0..16); updates continue the key stream. */
bool ctlwrap_ctr_start(struct ctlwrap_ctr *c, const uint8_t *iv);
/* out[0..n) = in[0..n) XOR the next n key-stream bytes; in and out do not overlap. */
bool ctlwrap_ctr_update(struct ctlwrap_ctr *c, const uint8_t *in, uint8_t *out, size_t n);
/* start + update: out = AES-256-CTR(key, iv, in). */
bool ctlwrap_ctr_run(struct ctlwrap_ctr *c, const uint8_t *iv, const uint8_t *in, uint8_t *out,
                     size_t n);
void ctlwrap_ctr_free(struct ctlwrap_ctr *c);

/* One direction's keys. tls-auth uses only mac. */
struct ctlwrap_dir {
    struct ctlwrap_mac mac;
    struct ctlwrap_ctr ctr;
};

struct ctlwrap {
    enum ctlwrap_mode mode;
    enum ctlwrap_role role;
    int key_direction;
    struct ctlwrap_dir tx, rx;
    uint32_t tx_id;    /* last sent packet-id */
    uint32_t tx_start; /* tx_id after new / rekey */
    uint32_t tx_time;
    uint8_t wkc[WIRE_WKC_MAX_LEN]; /* v2 client */
    size_t wkc_len;
    struct replay replay;
};

/* A plain packet split for wrapping: head = op/key + session id, rest = everything after. */
struct ctlwrap_plain {
    uint8_t opcode;
    const uint8_t *head; /* WIRE_CONTROL_HEAD_LEN bytes */
    const uint8_t *rest;
    size_t rest_len;
};

/* A verified received packet, not yet written out. */
struct ctlwrap_opened {
    const uint8_t *head;
    const uint8_t *rest; /* tls-crypt: still encrypted */
    size_t rest_len;
    const uint8_t *tag; /* tls-crypt: the IV source */
    struct wire_replay_id rid;
};

/* HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1, the opcodes followed by a WKc (§5.3). */
bool ctlwrap_carries_wkc(uint8_t opcode);

/* Maps a wire_control_head_parse() error. */
int ctlwrap_from_wire(int wire_err);
/*
 * Parses the head (op/key, session id) at the reader's position without consuming it; *opcode is
 * the packet's opcode on success.
 */
int ctlwrap_check_head(const struct buf_reader *r, uint8_t *opcode);

/* tls-auth, ctlwrap_auth.c */
int ctlwrap_auth_seal(struct ctlwrap *cw, const struct ctlwrap_plain *p,
                      const struct wire_replay_id *rid, struct buf_writer *out);
int ctlwrap_auth_verify(struct ctlwrap *cw, const uint8_t *pkt, size_t len,
                        struct ctlwrap_opened *o);

/* tls-crypt and v2, ctlwrap_crypt.c */
int ctlwrap_crypt_seal(struct ctlwrap *cw, const struct ctlwrap_plain *p,
                       const struct wire_replay_id *rid, struct buf_writer *out);
int ctlwrap_crypt_verify(struct ctlwrap *cw, const uint8_t *pkt, size_t len,
                         struct ctlwrap_opened *o);
int ctlwrap_crypt_emit(struct ctlwrap *cw, const struct ctlwrap_opened *o, struct buf_writer *out);

#endif
