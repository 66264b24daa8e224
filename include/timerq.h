/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One deadline queue for every peer and module (architecture.md, "Time and timers are data").
 *
 * A binary min-heap of caller-owned entries. Callers embed a struct timerq_entry in their own
 * structs, so scheduling a timer never allocates; only the heap's pointer array grows
 * (geometrically) when an entry that is not yet queued is added. Each entry remembers its slot,
 * so moving or cancelling it costs O(log n). Time is plain data: monotonic milliseconds that the
 * caller passes in; the queue never reads a clock.
 *
 * Ties: entries with equal deadlines come out in the order they were (last) scheduled. Moving an
 * entry with timerq_schedule() counts as scheduling it again, even when the deadline is unchanged.
 */
#ifndef SLUICE_TIMERQ_H
#define SLUICE_TIMERQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deadline of an empty queue: "never". */
#define TIMERQ_NEVER UINT64_MAX

/* timerq_timeout_ms() result (and max_ms argument) meaning "no limit", as epoll_wait()'s -1. */
#define TIMERQ_INFINITE (-1)

/* Returned by timerq_schedule() / timerq_reserve() when the heap array cannot grow. */
#define TIMERQ_ERR_NOMEM (-1)

/* Marks an entry that is in no queue. */
#define TIMERQ_NOT_QUEUED SIZE_MAX

struct timerq_entry {
    uint64_t deadline; /* read-only for callers; valid while queued */
    uint64_t seq;      /* scheduling order, breaks ties between equal deadlines */
    size_t index;      /* heap slot, or TIMERQ_NOT_QUEUED */
    void *owner;       /* opaque to the queue: the struct this entry is embedded in */
    int kind;          /* opaque to the queue: which of the owner's timers this is */
};

struct timerq {
    struct timerq_entry **heap; /* heap[0] is the earliest */
    size_t len;
    size_t cap;
    uint64_t next_seq;
};

/* An empty queue that owns no memory yet. */
void timerq_init(struct timerq *q);

/*
 * Frees the heap array. Entries still queued are not touched (their owners may already be gone):
 * re-initialize them with timerq_entry_init() before using them with another queue. After
 * cleanup the queue is empty and may be used again.
 */
void timerq_cleanup(struct timerq *q);

/* Preallocates room for n queued entries so that later timerq_schedule() calls cannot fail. */
__attribute__((warn_unused_result)) int timerq_reserve(struct timerq *q, size_t n);

/* Prepares an entry (not queued). owner and kind are returned untouched with the entry. */
void timerq_entry_init(struct timerq_entry *e, void *owner, int kind);

/* True while e is queued (scheduled and neither cancelled nor popped). */
bool timerq_entry_pending(const struct timerq_entry *e);

/*
 * Queues e to expire at `deadline`, or moves it there if it is already queued in q. Moving never
 * allocates and cannot fail; adding a new entry may grow the heap and returns TIMERQ_ERR_NOMEM
 * (e stays unqueued) when that fails. Returns 0 on success. e must have been set up with
 * timerq_entry_init() and must not be queued in another queue.
 */
__attribute__((warn_unused_result)) int timerq_schedule(struct timerq *q, struct timerq_entry *e,
                                                        uint64_t deadline);

/*
 * Removes e from q. Returns true when it was queued there; false (nothing changed) when it was
 * not queued, e.g. cancelled twice, already popped, or queued in another queue.
 */
bool timerq_cancel(struct timerq *q, struct timerq_entry *e);

/* Number of queued entries. */
size_t timerq_len(const struct timerq *q);

/* The earliest queued entry without removing it, or NULL when the queue is empty. */
struct timerq_entry *timerq_peek(const struct timerq *q);

/* The earliest deadline, or TIMERQ_NEVER when the queue is empty. */
uint64_t timerq_next_deadline(const struct timerq *q);

/*
 * Removes and returns one entry whose deadline is <= now (the earliest one), or NULL when none
 * has expired. Call it in a loop until NULL; a handler may reschedule its entry meanwhile (a new
 * deadline <= now makes it come out again in the same loop).
 */
struct timerq_entry *timerq_pop_expired(struct timerq *q, uint64_t now);

/*
 * The epoll_wait() timeout for a loop that sleeps until the earliest deadline:
 *  - 0 when the earliest deadline is <= now (overdue);
 *  - otherwise deadline - now, limited to max_ms when max_ms >= 0, and to INT32_MAX;
 *  - for an empty queue, max_ms itself (so TIMERQ_INFINITE stays infinite).
 * A negative max_ms means "no limit" (any negative value is treated as TIMERQ_INFINITE).
 */
int timerq_timeout_ms(const struct timerq *q, uint64_t now, int max_ms);

#endif
