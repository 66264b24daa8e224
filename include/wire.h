/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure codec for the OpenVPN 2.6 UDP packet layouts (shared/docs/protocol-control.md §1, §2,
 * §3.5, §5.3-5.4, §6.3; protocol-data.md §1). No cryptography: the tls-auth / tls-crypt wrappers
 * (ctlwrap) reuse the pieces below (head = op/key + own session id, rest = ack block + message
 * packet-id + payload, replay id) and put their HMAC / tag between head and rest.
 *
 * Conventions for every function here:
 * - Parsers read through a buf_reader (or a pointer + length they wrap in one). They return 0 or a
 *   negative enum wire_err; on failure the output struct holds no meaningful data.
 * - Payload and header "views" point into the caller's input bytes and live as long as they do.
 *   A view of length 0 may be NULL.
 * - Builders validate everything first, then reserve the exact size in the writer and fill it,
 *   so on any failure nothing is written. WIRE_ERR_NO_ROOM also sets the writer's error flag
 *   (as any overflowing buf_write does); other failures leave the writer untouched.
 */
#ifndef SLUICE_WIRE_H
#define SLUICE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* ---- first byte: opcode (5 bits) | key id (3 bits), protocol-control.md §1 ---- */

enum wire_opcode {
    WIRE_P_CONTROL_HARD_RESET_CLIENT_V1 = 1, /* key-method 1: always rejected */
    WIRE_P_CONTROL_HARD_RESET_SERVER_V1 = 2, /* key-method 1: always rejected */
    WIRE_P_CONTROL_SOFT_RESET_V1 = 3,
    WIRE_P_CONTROL_V1 = 4,
    WIRE_P_ACK_V1 = 5,
    WIRE_P_DATA_V1 = 6,
    WIRE_P_CONTROL_HARD_RESET_CLIENT_V2 = 7,
    WIRE_P_CONTROL_HARD_RESET_SERVER_V2 = 8,
    WIRE_P_DATA_V2 = 9,
    WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 = 10,
    WIRE_P_CONTROL_WKC_V1 = 11,
};

#define WIRE_OPCODE_MAX 31u /* 5-bit field */
#define WIRE_KEY_ID_MAX 7u  /* 3-bit field */

/* Drop reasons. Every parser and builder returns 0 or one of these. */
enum wire_err {
    WIRE_OK = 0,
    WIRE_ERR_TRUNCATED = -1,    /* input ends inside a field */
    WIRE_ERR_BAD_OPCODE = -2,   /* opcode 0 or 12..31 */
    WIRE_ERR_KEY_METHOD_1 = -3, /* opcode 1 or 2 ("unsupported key-method 1") */
    WIRE_ERR_NOT_CONTROL = -4,  /* a data opcode where a control packet was expected */
    WIRE_ERR_NOT_DATA = -5,     /* a control opcode where a data packet was expected */
    WIRE_ERR_ACK_COUNT = -6,    /* more than WIRE_ACK_MAX ack ids */
    WIRE_ERR_ZERO_SID = -7,     /* an all-zero own or remote session id */
    WIRE_ERR_WKC_LEN = -8,      /* trailing WKc length outside bounds or beyond the packet */
    WIRE_ERR_TLV = -9,          /* a known TLV with the wrong length */
    WIRE_ERR_NO_ROOM = -10,     /* builder: the writer is too small (or already failed) */
    WIRE_ERR_RANGE = -11,       /* builder: a field value the format cannot carry */
};

/* Static, never NULL; "unknown error" for values outside enum wire_err. */
const char *wire_strerror(int err);

uint8_t wire_op_byte(uint8_t opcode, uint8_t key_id); /* both masked to their field width */
uint8_t wire_opcode_of(uint8_t op_byte);
uint8_t wire_key_id_of(uint8_t op_byte);

/* Classification of an opcode (not a whole byte). Opcodes 1, 2 and >11 are neither. */
bool wire_op_is_control(uint8_t opcode); /* 3, 4, 5, 7, 8, 10, 11 */
bool wire_op_is_data(uint8_t opcode);    /* 6, 9 */
/*
 * Direction rules (§1): a server never accepts HARD_RESET_SERVER_V2; a client never accepts the
 * client resets (V2, V3) nor P_CONTROL_WKC_V1 (client-to-server only, §1 table, §5.3). Both
 * return false for key-method-1 and unknown opcodes, true for data opcodes.
 */
bool wire_op_valid_for_server(uint8_t opcode);
bool wire_op_valid_for_client(uint8_t opcode);

/* 0 if opcode is a valid control opcode, else BAD_OPCODE / KEY_METHOD_1 / NOT_CONTROL. */
int wire_op_check_control(uint8_t opcode);

/*
 * Reads the first byte of a datagram without consuming anything else. Returns 0 for any opcode
 * 3..11, WIRE_ERR_TRUNCATED for an empty packet, KEY_METHOD_1 or BAD_OPCODE otherwise.
 */
int wire_first_byte(const uint8_t *pkt, size_t len, uint8_t *opcode, uint8_t *key_id);

/* Key id after a renegotiation of key_id: 1..7 in turn, 7 wraps to 1; 0 is never produced. */
uint8_t wire_key_id_next(uint8_t key_id);

/* ---- session ids and ack block, §2.1 / §2.3 ---- */

#define WIRE_SID_LEN 8u
#define WIRE_ACK_MAX 8u /* receive limit; P_ACK_V1 carries up to 8 */

struct wire_sid {
    uint8_t bytes[WIRE_SID_LEN];
};

bool wire_sid_is_zero(const struct wire_sid *sid);
/*
 * Constant time: a server's own session id is a cookie (a MAC over the client's address, §6.2),
 * so comparing a received remote session id with the expected one is a MAC check.
 */
bool wire_sid_equal(const struct wire_sid *a, const struct wire_sid *b);

/* Reads 8 bytes; WIRE_ERR_TRUNCATED or WIRE_ERR_ZERO_SID. */
int wire_sid_parse(struct buf_reader *r, struct wire_sid *out);
/* WIRE_ERR_ZERO_SID or WIRE_ERR_NO_ROOM. */
int wire_sid_build(struct buf_writer *w, const struct wire_sid *sid);

struct wire_ack {
    uint8_t n;                  /* 0..WIRE_ACK_MAX */
    uint32_t ids[WIRE_ACK_MAX]; /* ids[0..n) in wire order */
    struct wire_sid remote_sid; /* meaningful iff n >= 1 (then never all-zero) */
};

/* ACK_SIZE(n) of §2.1: 1 + (n ? 8 : 0) + 4n. */
size_t wire_ack_size(unsigned n);

/*
 * Ack block: count byte, n big-endian u32 ids, remote session id iff n >= 1.
 * Errors: TRUNCATED, ACK_COUNT (n > 8), ZERO_SID (remote session id all-zero).
 * The caller still has to compare remote_sid with its own session id (§2.3).
 */
int wire_ack_parse(struct buf_reader *r, struct wire_ack *out);
/* Errors: ACK_COUNT, ZERO_SID (n >= 1 and remote_sid zero), NO_ROOM. */
int wire_ack_build(struct buf_writer *w, const struct wire_ack *ack);

/* ---- control packets, §2 ---- */

struct wire_control {
    uint8_t opcode; /* a control opcode (wire_op_is_control) */
    uint8_t key_id; /* 0..7 */
    struct wire_sid sid;
    struct wire_ack ack;
    uint32_t msg_id; /* message packet-id; absent on the wire (and ignored) for P_ACK_V1 */
    /*
     * Everything after msg_id (after the ack block for P_ACK_V1). OpenVPN ignores bytes after
     * a P_ACK_V1's ack block; they are exposed here (and rebuilt by the builder) only so the
     * codec round-trips, callers should ignore them too.
     */
    const uint8_t *payload;
    size_t payload_len;
};

/*
 * Whole unwrapped control packet (no tls-auth / tls-crypt). Accepts every control opcode,
 * including 10 and 11: which opcodes a wrap mode allows is ctlwrap's policy. Minimum sizes:
 * P_ACK_V1 10 bytes, others 14 bytes (n = 0, empty payload).
 */
int wire_control_parse(const uint8_t *pkt, size_t len, struct wire_control *out);
int wire_control_build(struct buf_writer *w, const struct wire_control *c);
size_t wire_control_size(const struct wire_control *c); /* bytes wire_control_build writes */

/*
 * The two halves used by the wrappers (§3.4: op|sid|HMAC|pid|time|rest; §4.2: op|sid|pid|time|
 * tag|encrypted rest).
 * head = op/key byte + own session id (WIRE_CONTROL_HEAD_LEN bytes); parse fills opcode, key_id,
 * sid and fails with TRUNCATED, BAD_OPCODE, KEY_METHOD_1, NOT_CONTROL or ZERO_SID.
 * rest = ack block + msg_id (unless c->opcode is P_ACK_V1) + payload (everything the reader has
 * left); rest_parse reads c->opcode, so call it after head_parse (or set opcode yourself).
 */
#define WIRE_CONTROL_HEAD_LEN (1u + WIRE_SID_LEN)
int wire_control_head_parse(struct buf_reader *r, struct wire_control *out);
int wire_control_rest_parse(struct buf_reader *r, struct wire_control *c);
/* Errors: BAD_OPCODE / KEY_METHOD_1 / NOT_CONTROL, RANGE (key_id > 7), ZERO_SID, NO_ROOM. */
int wire_control_head_build(struct buf_writer *w, const struct wire_control *c);
/* Errors: ACK_COUNT, ZERO_SID, NO_ROOM. payload may be NULL only when payload_len is 0. */
int wire_control_rest_build(struct buf_writer *w, const struct wire_control *c);
size_t wire_control_rest_size(const struct wire_control *c);

/* ---- replay packet-id, long form (§3.5), and the early-negotiation marker (§5.4) ---- */

#define WIRE_REPLAY_ID_LEN           8u
#define WIRE_EARLY_NEG_REPLAY_MARKER 0x0F000000u

struct wire_replay_id {
    uint32_t id; /* 0 is invalid on receive; that check belongs to the replay module */
    uint32_t time;
};

int wire_replay_id_parse(struct buf_reader *r, struct wire_replay_id *out);      /* TRUNCATED */
int wire_replay_id_build(struct buf_writer *w, const struct wire_replay_id *id); /* NO_ROOM */
/* (id & 0x0F000000) == 0x0F000000: a 2.6 tls-crypt-v2 client that supports early negotiation. */
bool wire_replay_id_has_early_neg(uint32_t id);

/* ---- trailing wrapped client key of HARD_RESET_CLIENT_V3 / P_CONTROL_WKC_V1, §5.2-5.3 ---- */

/* WKc = tag(32) || Kc(256) and metadata, encrypted || len(2); len counts the whole WKc. */
#define WIRE_WKC_MIN_LEN (32u + 256u + 2u)
#define WIRE_WKC_MAX_LEN 1024u

struct wire_wkc_split {
    const uint8_t *packet; /* the tls-crypt wrapped control packet, starting at the op byte */
    size_t packet_len;
    const uint8_t *wkc; /* the whole WKc including its trailing length field */
    size_t wkc_len;
};

/*
 * Splits off the WKc: its length is the big-endian u16 in the last two bytes of the datagram.
 * Checks only framing: opcode 10 or 11 (else BAD_OPCODE / KEY_METHOD_1 / NOT_CONTROL), the
 * length within WIRE_WKC_MIN_LEN..WIRE_WKC_MAX_LEN and leaving at least the op byte in front
 * (else WKC_LEN), TRUNCATED for fewer than 3 bytes. Authenticity is ctlwrap's job.
 */
int wire_wkc_split(const uint8_t *pkt, size_t len, struct wire_wkc_split *out);

/* ---- early-negotiation TLVs in the msg-id-0 payload of hard resets, §6.3 ---- */

#define WIRE_TLV_HDR_LEN               4u
#define WIRE_TLV_EARLY_NEG_FLAGS       0x0001u
#define WIRE_EARLY_NEG_FLAG_RESEND_WKC 0x0001u

struct wire_tlv {
    uint16_t type;
    uint16_t len;
    const uint8_t *value; /* view, len bytes */
};

struct wire_tlv_iter {
    struct buf_reader r;
};

/* The iterator only views payload; it must outlive neither payload nor its views. */
void wire_tlv_iter_init(struct wire_tlv_iter *it, const uint8_t *payload, size_t len);
/*
 * 1 and *out filled when a TLV was read, 0 at the clean end of the payload, WIRE_ERR_TRUNCATED
 * when the header or value is cut short (the iterator then stays failed).
 */
int wire_tlv_next(struct wire_tlv_iter *it, struct wire_tlv *out);
/* Errors: RANGE (len > 0xFFFF), NO_ROOM. value may be NULL only when len is 0. */
int wire_tlv_build(struct buf_writer *w, uint16_t type, const void *value, size_t len);

struct wire_early_neg {
    bool has_flags;
    uint16_t flags; /* OR of every EARLY_NEG_FLAGS TLV; WIRE_EARLY_NEG_FLAG_* bits */
};

/*
 * Parses a whole reset payload (may be empty). Unknown types are skipped; a truncated TLV gives
 * TRUNCATED, an EARLY_NEG_FLAGS TLV whose length is not 2 gives WIRE_ERR_TLV.
 */
int wire_early_neg_parse(const uint8_t *payload, size_t len, struct wire_early_neg *out);
/* Writes one EARLY_NEG_FLAGS TLV (6 bytes); NO_ROOM. */
int wire_early_neg_build(struct buf_writer *w, uint16_t flags);

/* ---- data packet header, protocol-data.md §1 ---- */

#define WIRE_DATA_V1_HDR_LEN 1u
#define WIRE_DATA_V2_HDR_LEN 4u
#define WIRE_PEER_ID_UNSET   0xFFFFFFu /* "no peer-id": look the sender up by address */
#define WIRE_PEER_ID_MAX     0xFFFFFFu

struct wire_data {
    uint8_t opcode; /* WIRE_P_DATA_V1 or WIRE_P_DATA_V2 */
    uint8_t key_id;
    uint32_t peer_id; /* V2: 24-bit value from the wire; V1: WIRE_PEER_ID_UNSET */
    /*
     * The header bytes (1 for V1, 4 for V2). For AEAD suites the V2 header is part of the
     * additional data and the V1 opcode byte is not (protocol-data.md §1.5).
     */
    const uint8_t *hdr;
    size_t hdr_len;
    const uint8_t *body; /* everything after the header; the cipher checks its own minimum */
    size_t body_len;
};

/* Errors: TRUNCATED, NOT_DATA (control opcode), KEY_METHOD_1, BAD_OPCODE. */
int wire_data_parse(const uint8_t *pkt, size_t len, struct wire_data *out);
/*
 * Writes the header only (the body follows from the cipher). peer_id is ignored for V1.
 * Errors: NOT_DATA / KEY_METHOD_1 / BAD_OPCODE, RANGE (key_id > 7, peer_id > 0xFFFFFF), NO_ROOM.
 */
int wire_data_hdr_build(struct buf_writer *w, uint8_t opcode, uint8_t key_id, uint32_t peer_id);

#endif
