/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "clock.h"
#include "timerq.h"

/* Deterministic xorshift so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Every slot's entry knows its slot, and no child comes before its parent. */
static void assert_heap_valid(const struct timerq *q)
{
    for (size_t i = 0; i < q->len; i++) {
        assert_true(q->heap[i]->index == i);
        if (i == 0)
            continue;
        const struct timerq_entry *p = q->heap[(i - 1) / 2], *c = q->heap[i];
        assert_true(p->deadline < c->deadline || (p->deadline == c->deadline && p->seq < c->seq));
    }
}

static void schedule_ok(struct timerq *q, struct timerq_entry *e, uint64_t deadline)
{
    assert_int_equal(timerq_schedule(q, e, deadline), 0);
}

static void empty_queue(void **state)
{
    (void)state;
    struct timerq q;
    timerq_init(&q);
    assert_true(timerq_next_deadline(&q) == TIMERQ_NEVER);
    assert_null(timerq_pop_expired(&q, UINT64_MAX));
    assert_null(timerq_peek(&q));
    assert_int_equal(timerq_len(&q), 0);
    assert_int_equal(timerq_timeout_ms(&q, 5, TIMERQ_INFINITE), TIMERQ_INFINITE);
    assert_int_equal(timerq_timeout_ms(&q, 5, -7), TIMERQ_INFINITE);
    assert_int_equal(timerq_timeout_ms(&q, 5, 250), 250);
    assert_int_equal(timerq_timeout_ms(&q, 5, 0), 0);
    timerq_cleanup(&q);
}

static void entry_keeps_owner_and_kind(void **state)
{
    (void)state;
    struct timerq q;
    int owner;
    struct timerq_entry e;
    timerq_init(&q);
    timerq_entry_init(&e, &owner, 7);
    assert_false(timerq_entry_pending(&e));
    schedule_ok(&q, &e, 100);
    assert_true(timerq_entry_pending(&e));
    assert_ptr_equal(timerq_peek(&q), &e);
    assert_null(timerq_pop_expired(&q, 99));
    struct timerq_entry *got = timerq_pop_expired(&q, 100); /* deadline == now has expired */
    assert_ptr_equal(got, &e);
    assert_ptr_equal(got->owner, &owner);
    assert_int_equal(got->kind, 7);
    assert_false(timerq_entry_pending(&e));
    assert_null(timerq_pop_expired(&q, 100));
    timerq_cleanup(&q);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void random_deadlines_come_out_sorted(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct timerq q;
    struct timerq_entry *e = calloc(N, sizeof(*e));
    uint64_t *sorted = calloc(N, sizeof(*sorted));
    assert_non_null(e);
    assert_non_null(sorted);
    timerq_init(&q);
    for (size_t i = 0; i < N; i++) {
        sorted[i] = rng() % 500; /* many duplicates */
        timerq_entry_init(&e[i], NULL, (int)i);
        schedule_ok(&q, &e[i], sorted[i]);
    }
    assert_heap_valid(&q);
    qsort(sorted, N, sizeof(*sorted), cmp_u64);
    int last_kind_at_deadline = -1;
    uint64_t last_deadline = UINT64_MAX;
    for (size_t i = 0; i < N; i++) {
        assert_true(timerq_next_deadline(&q) == sorted[i]);
        struct timerq_entry *got = timerq_pop_expired(&q, UINT64_MAX - 1);
        assert_non_null(got);
        assert_true(got->deadline == sorted[i]);
        /* Equal deadlines: in scheduling order, here the order of kind. */
        if (got->deadline == last_deadline)
            assert_true(got->kind > last_kind_at_deadline);
        last_deadline = got->deadline;
        last_kind_at_deadline = got->kind;
    }
    assert_null(timerq_pop_expired(&q, UINT64_MAX));
    timerq_cleanup(&q);
    free(e);
    free(sorted);
}

static void reschedule_earlier_and_later(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry e[5];
    timerq_init(&q);
    for (int i = 0; i < 5; i++) {
        timerq_entry_init(&e[i], NULL, i);
        schedule_ok(&q, &e[i], 100 + 10 * (uint64_t)i);
    }
    size_t cap = q.cap;
    schedule_ok(&q, &e[4], 5); /* last to first */
    assert_ptr_equal(timerq_peek(&q), &e[4]);
    schedule_ok(&q, &e[4], 1000); /* first to last */
    schedule_ok(&q, &e[0], 125);  /* between e[2] and e[3] */
    assert_heap_valid(&q);
    assert_int_equal(q.cap, cap); /* moving never grows the heap */
    assert_int_equal(timerq_len(&q), 5);
    const int order[5] = { 1, 2, 0, 3, 4 };
    for (int i = 0; i < 5; i++)
        assert_ptr_equal(timerq_pop_expired(&q, 2000), &e[order[i]]);
    timerq_cleanup(&q);
}

static void cancel_middle_twice_and_foreign(void **state)
{
    (void)state;
    struct timerq q, other;
    struct timerq_entry e[7], stranger;
    timerq_init(&q);
    timerq_init(&other);
    for (int i = 0; i < 7; i++) {
        timerq_entry_init(&e[i], NULL, i);
        schedule_ok(&q, &e[i], 10 * (uint64_t)(7 - i));
    }
    assert_true(timerq_cancel(&q, &e[3]));
    assert_false(timerq_entry_pending(&e[3]));
    assert_heap_valid(&q);
    assert_false(timerq_cancel(&q, &e[3])); /* twice: no-op */
    assert_int_equal(timerq_len(&q), 6);
    /* An entry of another queue is not ours, even when its index is in range. */
    timerq_entry_init(&stranger, NULL, 99);
    schedule_ok(&other, &stranger, 1);
    assert_false(timerq_cancel(&q, &stranger));
    assert_true(timerq_entry_pending(&stranger));
    assert_int_equal(timerq_len(&q), 6);
    /* Never-scheduled entry. */
    struct timerq_entry idle;
    timerq_entry_init(&idle, NULL, 0);
    assert_false(timerq_cancel(&q, &idle));
    const int order[6] = { 6, 5, 4, 2, 1, 0 };
    for (int i = 0; i < 6; i++)
        assert_ptr_equal(timerq_pop_expired(&q, 1000), &e[order[i]]);
    assert_false(timerq_cancel(&q, &e[0])); /* popped: no longer queued */
    timerq_cleanup(&q);
    timerq_cleanup(&other);
}

static void cancel_last_and_only(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry a, b;
    timerq_init(&q);
    timerq_entry_init(&a, NULL, 0);
    timerq_entry_init(&b, NULL, 1);
    schedule_ok(&q, &a, 5);
    assert_true(timerq_cancel(&q, &a));
    assert_int_equal(timerq_len(&q), 0);
    assert_true(timerq_next_deadline(&q) == TIMERQ_NEVER);
    schedule_ok(&q, &a, 5);
    schedule_ok(&q, &b, 6);
    assert_true(timerq_cancel(&q, &b)); /* the last slot */
    assert_ptr_equal(timerq_peek(&q), &a);
    assert_heap_valid(&q);
    timerq_cleanup(&q);
}

static void equal_deadlines_pop_fifo(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry e[4];
    timerq_init(&q);
    for (int i = 0; i < 4; i++) {
        timerq_entry_init(&e[i], NULL, i);
        schedule_ok(&q, &e[i], 50);
    }
    /* Rescheduling to the same deadline counts as scheduling again: it goes last. */
    schedule_ok(&q, &e[0], 50);
    const int order[4] = { 1, 2, 3, 0 };
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(timerq_pop_expired(&q, 50), &e[order[i]]);
    timerq_cleanup(&q);
}

static void handler_may_reschedule_during_pop_loop(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry e;
    timerq_init(&q);
    timerq_entry_init(&e, NULL, 0);
    schedule_ok(&q, &e, 10);
    int fired = 0;
    struct timerq_entry *got;
    while ((got = timerq_pop_expired(&q, 20)) != NULL) {
        fired++;
        /* Twice due again now, then in the future. */
        schedule_ok(&q, got, fired < 3 ? 20 : 30);
    }
    assert_int_equal(fired, 3);
    assert_true(timerq_next_deadline(&q) == 30);
    timerq_cleanup(&q);
}

static void timeout_is_clamped(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry e;
    timerq_init(&q);
    timerq_entry_init(&e, NULL, 0);
    schedule_ok(&q, &e, 1000);
    assert_int_equal(timerq_timeout_ms(&q, 400, TIMERQ_INFINITE), 600);
    assert_int_equal(timerq_timeout_ms(&q, 400, 100), 100);
    assert_int_equal(timerq_timeout_ms(&q, 400, 600), 600);
    assert_int_equal(timerq_timeout_ms(&q, 400, 0), 0);
    assert_int_equal(timerq_timeout_ms(&q, 999, 5000), 1);
    assert_int_equal(timerq_timeout_ms(&q, 1000, 5000), 0); /* due */
    assert_int_equal(timerq_timeout_ms(&q, 5000, 5000), 0); /* overdue */
    schedule_ok(&q, &e, UINT64_MAX - 1);
    assert_int_equal(timerq_timeout_ms(&q, 0, TIMERQ_INFINITE), INT32_MAX);
    assert_int_equal(timerq_timeout_ms(&q, 0, 30000), 30000);
    timerq_cleanup(&q);
}

static void reserve_then_no_growth(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry e[40];
    timerq_init(&q);
    assert_int_equal(timerq_reserve(&q, 40), 0);
    struct timerq_entry **heap = q.heap;
    for (int i = 0; i < 40; i++) {
        timerq_entry_init(&e[i], NULL, i);
        schedule_ok(&q, &e[i], (uint64_t)(i * 7 % 13));
    }
    assert_ptr_equal(q.heap, heap);
    assert_int_equal(q.cap, 40);
    assert_int_equal(timerq_reserve(&q, 10), 0); /* never shrinks */
    assert_int_equal(q.cap, 40);
    assert_int_equal(timerq_reserve(&q, SIZE_MAX), TIMERQ_ERR_NOMEM);
    assert_int_equal(q.cap, 40);
    timerq_cleanup(&q);
}

static void cancel_after_cleanup_is_safe(void **state)
{
    (void)state;
    struct timerq q;
    struct timerq_entry e;
    timerq_init(&q);
    timerq_entry_init(&e, NULL, 0);
    schedule_ok(&q, &e, 1);
    timerq_cleanup(&q);
    assert_false(timerq_cancel(&q, &e));
    assert_int_equal(timerq_len(&q), 0);
    timerq_entry_init(&e, NULL, 0); /* reusable after re-init */
    schedule_ok(&q, &e, 2);
    assert_ptr_equal(timerq_pop_expired(&q, 2), &e);
    timerq_cleanup(&q);
}

static void hundred_thousand_entries(void **state)
{
    (void)state;
    enum { N = 100000 };
    struct timerq q;
    struct timerq_entry *e = calloc(N, sizeof(*e));
    assert_non_null(e);
    timerq_init(&q);
    for (size_t i = 0; i < N; i++) {
        timerq_entry_init(&e[i], NULL, (int)i);
        schedule_ok(&q, &e[i], rng() % 1000000);
    }
    for (size_t i = 0; i < N; i += 2)
        schedule_ok(&q, &e[i], rng() % 1000000);
    size_t cancelled = 0;
    for (size_t i = 1; i < N; i += 4)
        cancelled += timerq_cancel(&q, &e[i]);
    assert_int_equal(cancelled, N / 4);
    assert_heap_valid(&q);
    uint64_t prev = 0;
    size_t popped = 0;
    struct timerq_entry *got;
    while ((got = timerq_pop_expired(&q, UINT64_MAX)) != NULL) {
        assert_true(got->deadline >= prev);
        assert_true(got->kind % 4 != 1);
        prev = got->deadline;
        popped++;
    }
    assert_int_equal(popped, N - N / 4);
    timerq_cleanup(&q);
    free(e);
}

static void clock_is_monotonic(void **state)
{
    (void)state;
    uint64_t ms = clock_now_ms(), us = clock_now_us();
    for (int i = 0; i < 1000; i++) {
        uint64_t ms2 = clock_now_ms(), us2 = clock_now_us();
        assert_true(ms2 >= ms);
        assert_true(us2 >= us);
        ms = ms2;
        us = us2;
    }
    /* Same clock: the microsecond reading is within a second of the millisecond one. */
    uint64_t a = clock_now_ms(), b = clock_now_us() / 1000;
    assert_true(b >= a && b - a < 1000);
    assert_true(clock_wall_s() > 1577836800); /* after 2020-01-01 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_queue),
        cmocka_unit_test(entry_keeps_owner_and_kind),
        cmocka_unit_test(random_deadlines_come_out_sorted),
        cmocka_unit_test(reschedule_earlier_and_later),
        cmocka_unit_test(cancel_middle_twice_and_foreign),
        cmocka_unit_test(cancel_last_and_only),
        cmocka_unit_test(equal_deadlines_pop_fifo),
        cmocka_unit_test(handler_may_reschedule_during_pop_loop),
        cmocka_unit_test(timeout_is_clamped),
        cmocka_unit_test(reserve_then_no_growth),
        cmocka_unit_test(cancel_after_cleanup_is_safe),
        cmocka_unit_test(hundred_thousand_entries),
        cmocka_unit_test(clock_is_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
