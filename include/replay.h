/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Receive-side packet-id replay window (`--replay-window n [t]`), shared by the control-channel
 * wrappers (long form: id + time, protocol-control.md §3.5) and the data channel (short form: id
 * only, protocol-data.md §5.2).
 *
 * Rules for an id x (H = highest id accepted so far in the current sequence, 0 at the start):
 *  1. x == 0 is always rejected.
 *  2. Long form: a time smaller than the current sequence's time is rejected; a larger time is
 *     accepted and starts a new sequence (the window is reset when it is committed).
 *  3. x > H is accepted.
 *  4. x <= H: rejected if H - x >= n (below the window) or if x was already seen; otherwise it is
 *     accepted unless the time backtrack t expired it: x is too late once more than t seconds
 *     have passed since H first moved past x. (This is the effect of openvpn's 5-second reaping of
 *     its arrival-time ring, computed exactly instead of in 5-second steps.) t == 0 means no time
 *     limit, as in openvpn.
 *  5. n == 0 (strict mode, openvpn's TCP-style mode): inside a sequence only x == H + 1 (or any
 *     x when nothing was accepted yet); a new long-form sequence must start at x == 1.
 *
 * Check and commit are separate so that a packet-id is only recorded after the packet carrying
 * it authenticated: replay_check() never changes state; replay_commit() re-checks and records.
 *
 * Time: `now_ms` is a monotonic clock in milliseconds (the same clock as timerq / reliable); the
 * window keeps whole seconds. Memory: two arrays of n entries (one bit and one u32 each),
 * allocated once by replay_init(); nothing is allocated afterwards.
 */
#ifndef SLUICE_REPLAY_H
#define SLUICE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_WINDOW_DEFAULT 64u    /* n */
#define REPLAY_TIME_DEFAULT   15u    /* t, seconds */
#define REPLAY_WINDOW_MAX     65536u /* limits of --replay-window, protocol-data.md §5.2 */
#define REPLAY_TIME_MAX       600u

/* Reasons. Drop reasons are -1..-6, so `-err` indexes an array of REPLAY_DROP_REASONS counters. */
enum replay_err {
    REPLAY_OK = 0,
    REPLAY_ERR_ZERO_ID = -1,   /* id 0 is never valid */
    REPLAY_ERR_TIME_BACK = -2, /* long form: time older than the current sequence */
    REPLAY_ERR_DUPLICATE = -3, /* id already accepted */
    REPLAY_ERR_TOO_OLD = -4,   /* id at or below H - n */
    REPLAY_ERR_EXPIRED = -5,   /* inside the window but later than the time backtrack allows */
    REPLAY_ERR_GAP = -6,       /* strict mode (n == 0): not the next id */
    REPLAY_ERR_PARAM = -7,     /* replay_init: n or t out of range */
    REPLAY_ERR_NOMEM = -8,     /* replay_init: allocation failed */
};

#define REPLAY_DROP_REASONS 7 /* array size for counters indexed by -err (index 0 unused) */

struct replay {
    uint32_t window;    /* n */
    uint32_t backtrack; /* t, seconds */
    bool long_form;
    uint32_t time; /* long form: time of the current sequence */
    uint32_t high; /* H; 0 = nothing accepted in this sequence */
    /* Slot of id y: y % n. Bit set = y accepted. */
    uint64_t *seen;
    /* Per slot, for ids not accepted: second (now_ms / 1000) at which H first moved past them. */
    uint32_t *passed;
};

/*
 * window 0..REPLAY_WINDOW_MAX, backtrack 0..REPLAY_TIME_MAX seconds. Returns 0, REPLAY_ERR_PARAM
 * or REPLAY_ERR_NOMEM (r is then safe to pass to replay_cleanup()).
 */
int replay_init(struct replay *r, unsigned window, unsigned backtrack, bool long_form)
    __attribute__((warn_unused_result));

/* Frees the arrays; r may be NULL; calling it twice is harmless. */
void replay_cleanup(struct replay *r);

/* Forgets every id (as after init), keeping the parameters and the memory. */
void replay_reset(struct replay *r);

/* 0 if (id, time) would be accepted now, else a drop reason. time is ignored in short form. */
int replay_check(const struct replay *r, uint32_t id, uint32_t time, uint64_t now_ms);

/*
 * Records an authenticated (id, time): runs replay_check() and records only when it returns 0.
 * Returns that result.
 */
int replay_commit(struct replay *r, uint32_t id, uint32_t time, uint64_t now_ms);

/* Highest id accepted in the current sequence (0 if none) and that sequence's time. */
uint32_t replay_high(const struct replay *r);
uint32_t replay_time(const struct replay *r);

/* Static, never NULL; "unknown" for values outside enum replay_err. */
const char *replay_strerror(int err);

#endif
