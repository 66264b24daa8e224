/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "timerq.h"

#include <stdlib.h>

/* Heap order: earlier deadline first; equal deadlines by scheduling order (FIFO). */
static bool before(const struct timerq_entry *a, const struct timerq_entry *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void place(struct timerq *q, struct timerq_entry *e, size_t i)
{
    q->heap[i] = e;
    e->index = i;
}

static void sift_up(struct timerq *q, size_t i)
{
    struct timerq_entry *e = q->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(e, q->heap[parent]))
            break;
        place(q, q->heap[parent], i);
        i = parent;
    }
    place(q, e, i);
}

static void sift_down(struct timerq *q, size_t i)
{
    struct timerq_entry *e = q->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= q->len)
            break;
        if (child + 1 < q->len && before(q->heap[child + 1], q->heap[child]))
            child++;
        if (!before(q->heap[child], e))
            break;
        place(q, q->heap[child], i);
        i = child;
    }
    place(q, e, i);
}

/* After the entry at slot i changed its key: restore the heap in whichever direction it moved. */
static void fix(struct timerq *q, size_t i)
{
    if (i > 0 && before(q->heap[i], q->heap[(i - 1) / 2]))
        sift_up(q, i);
    else
        sift_down(q, i);
}

void timerq_init(struct timerq *q)
{
    q->heap = NULL;
    q->len = 0;
    q->cap = 0;
    q->next_seq = 0;
}

void timerq_cleanup(struct timerq *q)
{
    free(q->heap);
    timerq_init(q);
}

int timerq_reserve(struct timerq *q, size_t n)
{
    if (n <= q->cap)
        return 0;
    if (n > SIZE_MAX / sizeof(q->heap[0]))
        return TIMERQ_ERR_NOMEM;
    struct timerq_entry **grown = realloc(q->heap, n * sizeof(q->heap[0]));
    if (!grown)
        return TIMERQ_ERR_NOMEM;
    q->heap = grown;
    q->cap = n;
    return 0;
}

/* Doubling keeps the amortized cost of adding an entry constant. */
static int grow(struct timerq *q)
{
    if (q->len < q->cap)
        return 0;
    if (q->cap > SIZE_MAX / 2)
        return TIMERQ_ERR_NOMEM;
    return timerq_reserve(q, q->cap < 16 ? 16 : 2 * q->cap);
}

void timerq_entry_init(struct timerq_entry *e, void *owner, int kind)
{
    e->deadline = TIMERQ_NEVER;
    e->seq = 0;
    e->index = TIMERQ_NOT_QUEUED;
    e->owner = owner;
    e->kind = kind;
}

bool timerq_entry_pending(const struct timerq_entry *e)
{
    return e->index != TIMERQ_NOT_QUEUED;
}

/* Checks the slot as well as the index, so an entry of another queue is never taken for ours. */
static bool queued_in(const struct timerq *q, const struct timerq_entry *e)
{
    return e->index < q->len && q->heap[e->index] == e;
}

int timerq_schedule(struct timerq *q, struct timerq_entry *e, uint64_t deadline)
{
    if (queued_in(q, e)) {
        e->deadline = deadline;
        e->seq = q->next_seq++;
        fix(q, e->index);
        return 0;
    }
    if (grow(q) != 0)
        return TIMERQ_ERR_NOMEM;
    e->deadline = deadline;
    e->seq = q->next_seq++;
    place(q, e, q->len++);
    sift_up(q, e->index);
    return 0;
}

/* Removes the entry at slot i by moving the last entry into its place. */
static void remove_at(struct timerq *q, size_t i)
{
    struct timerq_entry *e = q->heap[i];
    struct timerq_entry *last = q->heap[--q->len];
    e->index = TIMERQ_NOT_QUEUED;
    if (last == e)
        return;
    place(q, last, i);
    fix(q, i);
}

bool timerq_cancel(struct timerq *q, struct timerq_entry *e)
{
    if (!queued_in(q, e))
        return false;
    remove_at(q, e->index);
    return true;
}

size_t timerq_len(const struct timerq *q)
{
    return q->len;
}

struct timerq_entry *timerq_peek(const struct timerq *q)
{
    return q->len ? q->heap[0] : NULL;
}

uint64_t timerq_next_deadline(const struct timerq *q)
{
    return q->len ? q->heap[0]->deadline : TIMERQ_NEVER;
}

struct timerq_entry *timerq_pop_expired(struct timerq *q, uint64_t now)
{
    if (q->len == 0 || q->heap[0]->deadline > now)
        return NULL;
    struct timerq_entry *e = q->heap[0];
    remove_at(q, 0);
    return e;
}

int timerq_timeout_ms(const struct timerq *q, uint64_t now, int max_ms)
{
    if (q->len == 0)
        return max_ms < 0 ? TIMERQ_INFINITE : max_ms;
    uint64_t deadline = q->heap[0]->deadline;
    if (deadline <= now)
        return 0;
    uint64_t wait = deadline - now;
    uint64_t limit = max_ms < 0 ? INT32_MAX : (uint64_t)max_ms;
    if (limit > INT32_MAX)
        limit = INT32_MAX;
    return (int)(wait < limit ? wait : limit);
}
