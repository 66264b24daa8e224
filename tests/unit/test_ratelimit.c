/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ratelimit.h"

/* Counts how many of n calls at time now are allowed. */
static unsigned allowed(struct ratelimit *rl, uint64_t now, unsigned n)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += ratelimit_allow(rl, now) ? 1 : 0;
    return ok;
}

static void starts_full_then_refuses(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 3);
    assert_int_equal(allowed(&rl, 5000, 3), 3);
    assert_int_equal(ratelimit_suppressed(&rl), 0);
    assert_false(ratelimit_allow(&rl, 5000));
    assert_false(ratelimit_allow(&rl, 5999));
    assert_int_equal(ratelimit_suppressed(&rl), 2);
}

static void refills_at_rate(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
    assert_true(ratelimit_allow(&rl, 0));
    assert_false(ratelimit_allow(&rl, 999));
    assert_true(ratelimit_allow(&rl, 1000));
    assert_false(ratelimit_allow(&rl, 1000));

    ratelimit_init(&rl, 10, 1); /* one token per 100 ms */
    assert_true(ratelimit_allow(&rl, 0));
    assert_false(ratelimit_allow(&rl, 99));
    assert_true(ratelimit_allow(&rl, 100));
}

static void fractions_accumulate(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
    assert_true(ratelimit_allow(&rl, 0));
    assert_false(ratelimit_allow(&rl, 300));
    assert_false(ratelimit_allow(&rl, 600));
    assert_false(ratelimit_allow(&rl, 900));
    /* 0.9 + 0.3 earned, but a bucket of 1 token keeps no more than 1: the 0.2 is lost. */
    assert_true(ratelimit_allow(&rl, 1200));
    assert_false(ratelimit_allow(&rl, 2199));
    assert_true(ratelimit_allow(&rl, 2200));

    /* With room in the bucket, sub-token steps add up exactly. */
    ratelimit_init(&rl, 1, 2);
    assert_int_equal(allowed(&rl, 0, 2), 2);
    for (uint64_t t = 1; t < 1000; t++)
        assert_false(ratelimit_allow(&rl, t));
    assert_true(ratelimit_allow(&rl, 1000));
    for (uint64_t t = 1001; t < 2000; t += 7)
        assert_false(ratelimit_allow(&rl, t));
    assert_true(ratelimit_allow(&rl, 2000));
}

static void idle_never_exceeds_burst(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 10, 2);
    assert_int_equal(allowed(&rl, 0, 5), 2);
    assert_int_equal(allowed(&rl, 3600u * 1000u, 5), 2);
    assert_true(rl.tokens <= rl.cap);
}

static void time_going_backwards_adds_nothing(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 2, 1);
    assert_true(ratelimit_allow(&rl, 10000));
    assert_false(ratelimit_allow(&rl, 5000));
    assert_false(ratelimit_allow(&rl, 0));
    /* The newest time is the reference again: half a second from it earns one token. */
    assert_false(ratelimit_allow(&rl, 499));
    assert_true(ratelimit_allow(&rl, 500));
    assert_int_equal(ratelimit_suppressed(&rl), 3);
}

static void huge_values_do_not_overflow(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, UINT32_MAX, 3);
    assert_int_equal(allowed(&rl, 0, 4), 3);
    assert_int_equal(allowed(&rl, UINT64_MAX, 4), 3);
    assert_int_equal(rl.tokens, 0);

    ratelimit_init(&rl, UINT32_MAX, UINT32_MAX);
    assert_int_equal(rl.cap, (uint64_t)UINT32_MAX * RATELIMIT_SCALE);
    assert_true(ratelimit_allow(&rl, UINT64_MAX));
    assert_true(ratelimit_allow(&rl, 0));
    assert_true(ratelimit_allow(&rl, UINT64_MAX));
    assert_true(rl.tokens <= rl.cap);

    ratelimit_init(&rl, 1, 1);
    assert_true(ratelimit_allow(&rl, UINT64_MAX - 1));
    assert_false(ratelimit_allow(&rl, UINT64_MAX));
}

static void rate_zero_is_unlimited(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 0, 1);
    assert_int_equal(allowed(&rl, 0, 100000), 100000);
    assert_int_equal(ratelimit_suppressed(&rl), 0);
}

static void burst_zero_means_one(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 5, 0);
    assert_int_equal(allowed(&rl, 0, 3), 1);
    assert_int_equal(allowed(&rl, 200, 3), 1);
}

static void take_suppressed_resets(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
    assert_true(ratelimit_allow(&rl, 0));
    assert_int_equal(allowed(&rl, 10, 7), 0);
    assert_int_equal(ratelimit_suppressed(&rl), 7);
    assert_true(ratelimit_allow(&rl, 1010));
    assert_int_equal(ratelimit_take_suppressed(&rl), 7);
    assert_int_equal(ratelimit_suppressed(&rl), 0);
    assert_int_equal(ratelimit_take_suppressed(&rl), 0);
}

static void suppressed_saturates(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
    assert_true(ratelimit_allow(&rl, 0));
    rl.suppressed = UINT64_MAX - 1;
    assert_false(ratelimit_allow(&rl, 0));
    assert_false(ratelimit_allow(&rl, 0));
    assert_true(ratelimit_suppressed(&rl) == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_full_then_refuses),
        cmocka_unit_test(refills_at_rate),
        cmocka_unit_test(fractions_accumulate),
        cmocka_unit_test(idle_never_exceeds_burst),
        cmocka_unit_test(time_going_backwards_adds_nothing),
        cmocka_unit_test(huge_values_do_not_overflow),
        cmocka_unit_test(rate_zero_is_unlimited),
        cmocka_unit_test(burst_zero_means_one),
        cmocka_unit_test(take_suppressed_resets),
        cmocka_unit_test(suppressed_saturates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
