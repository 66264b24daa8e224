/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Token bucket for events that an attacker or a broken peer can repeat at line rate: handshake
 * attempts, per-packet drop log lines. Pure: the caller passes a monotonic time in milliseconds.
 *
 * The bucket holds at most `burst` tokens and gains `rate_per_sec` tokens per second (fractions
 * of a token accumulate, so a rate of 1/s with 300 ms calls still passes one event per second).
 * It starts full. Each allowed event takes one token. Refused events are counted so the caller
 * can report "(N similar messages suppressed)" when it logs again.
 *
 * Time is trusted only as far as it is sane: a time earlier than the previous call adds no
 * tokens (the bucket just takes the new time as its reference), and any gap long enough to fill
 * the bucket simply fills it, so no arithmetic can overflow whatever the values.
 *
 * The struct is embedded by its user; its fields are private to ratelimit.c.
 */
#ifndef SLUICE_RATELIMIT_H
#define SLUICE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Tokens are kept in thousandths so that millisecond steps lose nothing to rounding. */
#define RATELIMIT_SCALE 1000u

struct ratelimit {
    uint64_t tokens;     /* thousandths of a token, <= cap */
    uint64_t cap;        /* burst * RATELIMIT_SCALE */
    uint64_t last_ms;    /* time of the previous call, valid when started */
    uint64_t suppressed; /* refusals not yet taken by ratelimit_take_suppressed() */
    uint32_t rate;       /* tokens per second; 0 = unlimited */
    bool started;
};

/*
 * rate_per_sec 0 means "no limit": every event is allowed. burst 0 is treated as 1, since a
 * bucket that can never hold a token would refuse everything forever.
 */
void ratelimit_init(struct ratelimit *rl, uint32_t rate_per_sec, uint32_t burst);

/* Refills for the time since the previous call, then takes a token if there is one. */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms);

/* Refusals since the counter was last taken (saturates at UINT64_MAX). */
uint64_t ratelimit_suppressed(const struct ratelimit *rl);

/* Returns the refusal counter and resets it to 0: call it right after an allowed event. */
uint64_t ratelimit_take_suppressed(struct ratelimit *rl);

#endif
