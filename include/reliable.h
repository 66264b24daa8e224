/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reliability layer of the OpenVPN control channel (../shared/docs/protocol-control.md §7).
 *
 * One `struct reliable` serves one key_id in both directions: message packet-ids are independent
 * per direction and per key_id and start at 0 with the hard or soft reset (§7.2, §11.2), so a new
 * key (a renegotiation) gets a fresh instance, or reliable_reset() on a reused one. This module
 * never parses packets: the wire codec hands it logical values (message packet-ids, payload
 * bytes, acknowledged ids) and takes back the same to build packets.
 *
 * Send side. TLS ciphertext is a byte stream (§7.4): reliable_queue() cuts it into messages of at
 * most `budget` bytes and numbers them consecutively. At most RELIABLE_SEND_WINDOW messages are
 * unacknowledged at once, counted from the lowest unacknowledged id (a message id may only be
 * created when id < lowest_unacked + 6), so queueing accepts fewer bytes than offered when the
 * window is full: the caller keeps the rest (in the TLS engine's output BIO) and offers it again
 * after acknowledgements arrive. reliable_next_to_send() hands out new messages and those due for
 * retransmission, lowest id first, each with acknowledgements piggy-backed. A message is resent
 * after `initial_timeout_ms` (--tls-timeout, 2 s), and the timeout doubles after every send
 * (§7.1: 2, 4, 8, 16 s ...; OpenVPN 2.6 has no cap, `max_timeout_ms` may add one). A message is
 * also resent at once, a single time per send, when acknowledgements for 3 higher ids have
 * arrived since it was last sent (fast retransmit, §7.1).
 *
 * Receive side. Messages are stored out of order within RELIABLE_RECV_WINDOW ids of the next
 * expected one and handed to the reader strictly in id order, as one byte stream
 * (reliable_read()). Ids below the next expected one are duplicates: not stored, acknowledged
 * again. Ids at or beyond next_expected + 12 are dropped without acknowledgement, and so are ids
 * whose receive slot still holds bytes the reader has not consumed (the caller's backpressure).
 *
 * Acknowledgements (§7.3). Every received message, duplicates included, is queued for ACK (at
 * most RELIABLE_ACKS_MAX pending; more are counted and left for the peer to retransmit). Ack
 * blocks carry the pending ids first, oldest first, and are then filled up with recently sent
 * ids (a most-recently-acked list of 8, newest first), as OpenVPN does, so that one lost ACK
 * is repaired by the next packet. Ack ids are not cumulative.
 *
 * Message-id wrap. Ids are u32 and never wrap in practice: each key starts again at 0 and carries
 * a TLS handshake plus a few text messages before the next renegotiation. Ids are therefore
 * compared as plain integers in 64-bit arithmetic; hostile ids near UINT32_MAX are classified
 * (out of window, duplicate) without overflow, and the send side refuses to create an id above
 * UINT32_MAX (RELIABLE_ERR_EXHAUSTED).
 *
 * Memory. reliable_new() allocates once: RELIABLE_SEND_WINDOW send slots of send_payload_max
 * bytes and RELIABLE_RECV_WINDOW receive slots of recv_payload_max bytes. Nothing allocates
 * afterwards. Time is an explicit `now` in milliseconds from any monotonic origin.
 */
#ifndef SLUICE_RELIABLE_H
#define SLUICE_RELIABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unacknowledged messages in flight (TLS_RELIABLE_N_SEND_BUFFERS). */
#define RELIABLE_SEND_WINDOW 6
/* Reorder window of the receiver (TLS_RELIABLE_N_REC_BUFFERS). */
#define RELIABLE_RECV_WINDOW 12
/* Most ack ids in one packet (parse limit and P_ACK_V1 maximum); also the pending-ack list. */
#define RELIABLE_ACKS_MAX 8
/* Most ack ids OpenVPN piggy-backs on P_CONTROL / reset packets. */
#define RELIABLE_PIGGYBACK_ACKS 4
/* Acks for this many higher ids trigger an early resend. */
#define RELIABLE_FAST_RETRANSMIT_ACKS 3
/* --tls-timeout default. */
#define RELIABLE_DEFAULT_TIMEOUT_MS 2000
/* Largest payload slot reliable_new() accepts; control packets are at most 2048 bytes (§7.4). */
#define RELIABLE_PAYLOAD_LIMIT 16384

enum reliable_err {
    RELIABLE_OK = 0,
    RELIABLE_ERR_PARAM = -1,     /* bad argument: NULL data with a length, budget 0 or too big */
    RELIABLE_ERR_STATE = -2,     /* a reset queued when message id 0 is already used */
    RELIABLE_ERR_TOOBIG = -3,    /* a single message larger than send_payload_max */
    RELIABLE_ERR_EXHAUSTED = -4, /* the next message id would exceed UINT32_MAX */
};

/* What a message is; the session maps it to an opcode (hard reset V2/V3, soft reset, ...). */
enum reliable_kind {
    RELIABLE_KIND_RESET,       /* message id 0: HARD_RESET_* or SOFT_RESET_V1 */
    RELIABLE_KIND_CONTROL,     /* P_CONTROL_V1 */
    RELIABLE_KIND_CONTROL_WKC, /* P_CONTROL_WKC_V1 (tls-crypt-v2 client, §5.4) */
};

/* Result of reliable_receive(). Only ACCEPTED and DUPLICATE queue an acknowledgement. */
enum reliable_rx {
    RELIABLE_RX_ACCEPTED,      /* new message stored */
    RELIABLE_RX_DUPLICATE,     /* already received (stored or delivered); acknowledged again */
    RELIABLE_RX_OUT_OF_WINDOW, /* id >= next expected + RELIABLE_RECV_WINDOW; dropped */
    RELIABLE_RX_NO_ROOM,       /* its slot still holds unread bytes; dropped */
    RELIABLE_RX_TOO_BIG,       /* payload longer than recv_payload_max (or NULL); dropped */
};

struct reliable_params {
    size_t send_payload_max;     /* largest outgoing payload; 1..RELIABLE_PAYLOAD_LIMIT */
    size_t recv_payload_max;     /* largest incoming payload; 1..RELIABLE_PAYLOAD_LIMIT */
    uint64_t initial_timeout_ms; /* first retransmit timeout, > 0 (--tls-timeout) */
    uint64_t max_timeout_ms;     /* cap of the doubled timeout; 0 = none, as OpenVPN 2.6 */
    uint64_t ack_delay_ms;       /* how long a pending ack may wait for a piggy-back ride */
    size_t piggyback_acks_max;   /* ack ids put on each outgoing message, 0..RELIABLE_ACKS_MAX */
};

/* Counters for the app's status output; the module never logs. */
struct reliable_stats {
    uint64_t tx_messages;         /* messages sent for the first time */
    uint64_t tx_retransmits;      /* resends after their timeout */
    uint64_t tx_fast_retransmits; /* resends triggered by acks for higher ids */
    uint64_t rx_accepted;
    uint64_t rx_duplicates;
    uint64_t rx_out_of_window;
    uint64_t rx_no_room;
    uint64_t rx_too_big;
    uint64_t acks_fresh;     /* acks that released a message */
    uint64_t acks_duplicate; /* acks for messages already acknowledged (normal: acks repeat) */
    uint64_t acks_unknown;   /* acks for ids never sent: a broken or hostile peer */
    uint64_t acks_overflow;  /* received ids not acknowledged because the pending list was full */
};

/* One message to put on the wire; filled by reliable_next_to_send(). */
struct reliable_packet {
    enum reliable_kind kind;
    uint32_t msg_id;
    const uint8_t *payload; /* inside the reliable; valid until the next call that changes it */
    size_t len;
    uint32_t acks[RELIABLE_ACKS_MAX];
    size_t n_acks;
    bool retransmit; /* true when this message was sent before */
};

struct reliable;

/*
 * Defaults: payloads of 1250 bytes out (the default tls-mtu is an upper bound of any payload) and
 * 2048 in (the largest tls-mtu; §7.4 asks to accept packets of at least 1600 bytes), 2 s timeout,
 * no cap, acks at once, 4 piggy-backed ack ids.
 */
void reliable_params_default(struct reliable_params *p);

/* Returns NULL on invalid params (see the ranges above) or out of memory. */
struct reliable *reliable_new(const struct reliable_params *p);

/* Accepts NULL. The payloads are TLS ciphertext, nothing secret, so nothing is wiped. */
void reliable_free(struct reliable *r);

/* Forgets every message, ack and deadline (a new key in a reused slot); keeps params and stats. */
void reliable_reset(struct reliable *r);

/*
 * For the stateless server (§6.1): after the client's third packet proved the cookie, the new
 * instance behaves as if its own reset (id 0) was sent and acknowledged and the client's reset
 * (id 0) was received and read, so both directions continue at id 1. Only on a fresh instance:
 * RELIABLE_ERR_STATE otherwise.
 */
int reliable_skip_resets(struct reliable *r) __attribute__((warn_unused_result));

/*
 * Queues the reset as message id 0 with the given payload (empty for client resets and soft
 * resets, early-negotiation TLVs in a server reset, §6.3). payload may be NULL when len is 0.
 * Errors: RELIABLE_ERR_STATE when id 0 is already used, RELIABLE_ERR_TOOBIG, RELIABLE_ERR_PARAM.
 */
int reliable_queue_reset(struct reliable *r, const uint8_t *payload, size_t len)
    __attribute__((warn_unused_result));

/*
 * Cuts data[0..len) into messages of kind (CONTROL or CONTROL_WKC) of at most `budget` bytes and
 * queues as many as the send window allows. *accepted receives the number of bytes taken (a
 * prefix of data; 0 when the window is full); the caller offers the rest again later. The
 * budget is the payload room of one control packet (§7.4); compute it with the ack block of
 * piggyback_acks_max ids so that every resend fits whatever acks ride on it. To send one WKC
 * message with a smaller payload, pass len <= budget.
 * Errors (nothing queued): RELIABLE_ERR_PARAM for a RESET kind, data NULL with len > 0, budget 0
 * or above send_payload_max; RELIABLE_ERR_EXHAUSTED when no message id is left.
 */
int reliable_queue(struct reliable *r, enum reliable_kind kind, const uint8_t *data, size_t len,
                   size_t budget, size_t *accepted) __attribute__((warn_unused_result));

/* Bytes reliable_queue() would accept now with this budget. */
size_t reliable_send_room(const struct reliable *r, size_t budget);

/* Messages queued and not yet acknowledged (0 when everything sent was acknowledged). */
size_t reliable_unacked(const struct reliable *r);

/* True when message id was queued and has been acknowledged (e.g. the client's reset, §8.1). */
bool reliable_is_acked(const struct reliable *r, uint32_t id);

/*
 * Next message to transmit at `now`: a new one or one due for a resend, lowest id first, with up
 * to piggyback_acks_max ack ids taken as by reliable_take_acks(). Arms the message's retransmit
 * deadline and doubles its timeout. Returns false when nothing is due (out is then untouched).
 * Call it until it returns false.
 */
bool reliable_next_to_send(struct reliable *r, uint64_t now, struct reliable_packet *out);

/* Processes one id of a received ack block. Returns true when it released a message. */
bool reliable_ack_received(struct reliable *r, uint32_t id);

/*
 * Classifies and, if new, stores a received reliable message (any opcode but P_ACK_V1, which is
 * never acknowledged). payload may be NULL when len is 0. A hard reset's payload is
 * early-negotiation TLVs, not TLS: the session parses it itself and passes len 0 here.
 */
enum reliable_rx reliable_receive(struct reliable *r, uint32_t msg_id, const uint8_t *payload,
                                  size_t len, uint64_t now);

/* Bytes of in-order messages ready for reliable_read(). */
size_t reliable_readable(const struct reliable *r);

/* Copies up to cap bytes of the in-order stream into out; returns how many. */
size_t reliable_read(struct reliable *r, uint8_t *out, size_t cap);

/*
 * Fills ids[0..max) with ack ids (max is clamped to RELIABLE_ACKS_MAX): pending ones first, which
 * then count as sent, then recently sent ones. Returns the number written. Use it for a
 * standalone P_ACK_V1 (max 8; 4 for the SoftEther quirk of §7.3).
 */
size_t reliable_take_acks(struct reliable *r, uint32_t *ids, size_t max);

/* Acks not yet sent. */
size_t reliable_pending_acks(const struct reliable *r);

/*
 * When a standalone P_ACK_V1 must go out if no message carried the pending acks by then:
 * arrival of the oldest pending ack + ack_delay_ms. UINT64_MAX when none is pending.
 */
uint64_t reliable_ack_deadline(const struct reliable *r);

/*
 * Earliest of: a message to send (0: due already), a retransmit deadline, the ack deadline.
 * UINT64_MAX when nothing is scheduled. A value <= now means there is work now.
 */
uint64_t reliable_next_deadline(const struct reliable *r);

const struct reliable_stats *reliable_stats(const struct reliable *r);

/* Short name of a receive result for logs ("accepted", "duplicate", ...). */
const char *reliable_rx_name(enum reliable_rx res);

#endif
