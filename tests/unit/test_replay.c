/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define SEC 1000u /* now is in milliseconds */

static struct replay make(unsigned window, unsigned backtrack, bool long_form)
{
    struct replay r;

    assert_int_equal(replay_init(&r, window, backtrack, long_form), REPLAY_OK);
    return r;
}

static void accept_id(struct replay *r, uint32_t id, uint32_t time, uint64_t now_ms)
{
    assert_int_equal(replay_check(r, id, time, now_ms), REPLAY_OK);
    assert_int_equal(replay_commit(r, id, time, now_ms), REPLAY_OK);
}

static void refuse(struct replay *r, uint32_t id, uint32_t time, uint64_t now_ms, int why)
{
    uint32_t high = replay_high(r), t = replay_time(r);

    assert_int_equal(replay_check(r, id, time, now_ms), why);
    assert_int_equal(replay_commit(r, id, time, now_ms), why);
    assert_int_equal(replay_high(r), high);
    assert_int_equal(replay_time(r), t);
}

static void test_params(void **state)
{
    struct replay r;

    (void)state;
    assert_int_equal(replay_init(&r, REPLAY_WINDOW_MAX + 1, 15, false), REPLAY_ERR_PARAM);
    replay_cleanup(&r);
    assert_int_equal(replay_init(&r, 64, REPLAY_TIME_MAX + 1, true), REPLAY_ERR_PARAM);
    replay_cleanup(&r);
    assert_int_equal(replay_init(&r, REPLAY_WINDOW_MAX, REPLAY_TIME_MAX, true), REPLAY_OK);
    replay_cleanup(&r);
    replay_cleanup(&r); /* twice is harmless */
    replay_cleanup(NULL);
    assert_int_equal(replay_init(&r, 0, 0, false), REPLAY_OK);
    replay_cleanup(&r);
}

static void test_zero_id(void **state)
{
    struct replay s = make(64, 15, false), l = make(64, 15, true);

    (void)state;
    refuse(&s, 0, 0, 0, REPLAY_ERR_ZERO_ID);
    refuse(&l, 0, 100, 0, REPLAY_ERR_ZERO_ID);
    accept_id(&s, 1, 0, 0);
    refuse(&s, 0, 0, 0, REPLAY_ERR_ZERO_ID);
    replay_cleanup(&s);
    replay_cleanup(&l);
}

static void test_in_order_and_duplicates(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    for (uint32_t id = 1; id <= 200; id++)
        accept_id(&r, id, 0, 0);
    assert_int_equal(replay_high(&r), 200);
    for (uint32_t id = 200; id > 136; id--)
        refuse(&r, id, 0, 0, REPLAY_ERR_DUPLICATE);
    refuse(&r, 136, 0, 0, REPLAY_ERR_TOO_OLD); /* 200 - 136 = 64 = n */
    refuse(&r, 1, 0, 0, REPLAY_ERR_TOO_OLD);
    replay_cleanup(&r);
}

/* A check alone records nothing; only a commit does. */
static void test_check_does_not_record(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(replay_check(&r, 5, 0, 0), REPLAY_OK);
    assert_int_equal(replay_high(&r), 0);
    accept_id(&r, 5, 0, 0);
    refuse(&r, 5, 0, 0, REPLAY_ERR_DUPLICATE);
    /* A forged high id that is only checked must not push the window. */
    assert_int_equal(replay_check(&r, 100000, 0, 0), REPLAY_OK);
    accept_id(&r, 3, 0, 0);
    replay_cleanup(&r);
}

static void test_out_of_order(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, 10, 0, 0);
    accept_id(&r, 4, 0, 0);
    accept_id(&r, 9, 0, 0);
    accept_id(&r, 1, 0, 0);
    refuse(&r, 4, 0, 0, REPLAY_ERR_DUPLICATE);
    refuse(&r, 10, 0, 0, REPLAY_ERR_DUPLICATE);
    accept_id(&r, 74, 0, 0); /* 74 - 64 = 10: ids 11..73 stay open, 10 and below are dead */
    accept_id(&r, 11, 0, 0);
    refuse(&r, 10, 0, 0, REPLAY_ERR_TOO_OLD);
    accept_id(&r, 73, 0, 0);
    refuse(&r, 11, 0, 0, REPLAY_ERR_DUPLICATE);
    replay_cleanup(&r);
}

/* protocol-data.md §5.2 [OBS]: after an injected id 2000 the genuine #4 is dead. */
static void test_jump_kills_low_ids(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, 1, 0, 0);
    accept_id(&r, 2, 0, 0);
    accept_id(&r, 3, 0, 0);
    accept_id(&r, 2000, 0, 0);
    refuse(&r, 4, 0, 0, REPLAY_ERR_TOO_OLD);
    refuse(&r, 1936, 0, 0, REPLAY_ERR_TOO_OLD);
    accept_id(&r, 1937, 0, 0);
    accept_id(&r, 1999, 0, 0);
    refuse(&r, 1999, 0, 0, REPLAY_ERR_DUPLICATE);
    replay_cleanup(&r);
}

static void test_long_form_time(void **state)
{
    struct replay r = make(64, 15, true);
    const uint32_t t0 = 0x6b033aff;

    (void)state;
    accept_id(&r, 1, t0, 0);
    accept_id(&r, 2, t0, 0);
    accept_id(&r, 50, t0, 0);
    refuse(&r, 3, t0 - 1, 0, REPLAY_ERR_TIME_BACK);
    refuse(&r, 51, t0 - 1, 0, REPLAY_ERR_TIME_BACK);
    /* A larger time starts again: low ids are fine once more. */
    accept_id(&r, 2, t0 + 1, 0);
    assert_int_equal(replay_time(&r), t0 + 1);
    assert_int_equal(replay_high(&r), 2);
    accept_id(&r, 1, t0 + 1, 0);
    refuse(&r, 2, t0 + 1, 0, REPLAY_ERR_DUPLICATE);
    refuse(&r, 51, t0, 0, REPLAY_ERR_TIME_BACK);
    replay_cleanup(&r);
}

/* Short form ignores the time argument completely. */
static void test_short_form_ignores_time(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, 5, 1000, 0);
    refuse(&r, 5, 999, 0, REPLAY_ERR_DUPLICATE);
    accept_id(&r, 6, 1, 0);
    replay_cleanup(&r);
}

static void test_time_backtrack(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, 10, 0, 0 * SEC);  /* passes 1..9 at 0 s */
    accept_id(&r, 20, 0, 10 * SEC); /* passes 11..19 at 10 s */
    assert_int_equal(replay_check(&r, 5, 0, 15 * SEC), REPLAY_OK);
    assert_int_equal(replay_check(&r, 5, 0, 15 * SEC + 999), REPLAY_OK);
    refuse(&r, 5, 0, 16 * SEC, REPLAY_ERR_EXPIRED);
    assert_int_equal(replay_check(&r, 15, 0, 25 * SEC), REPLAY_OK);
    refuse(&r, 15, 0, 26 * SEC, REPLAY_ERR_EXPIRED);
    /* Expired but also already seen: duplicate wins (it is checked first). */
    refuse(&r, 10, 0, 100 * SEC, REPLAY_ERR_DUPLICATE);
    /* Newer ids are unaffected. */
    accept_id(&r, 21, 0, 100 * SEC);
    replay_cleanup(&r);
}

/* An id accepted late does not refresh the time of the ids below it. */
static void test_time_backtrack_late_arrival(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, 10, 0, 0);
    accept_id(&r, 8, 0, 14 * SEC);
    refuse(&r, 7, 0, 16 * SEC, REPLAY_ERR_EXPIRED);
    replay_cleanup(&r);
}

static void test_time_backtrack_zero_means_unlimited(void **state)
{
    struct replay r = make(64, 0, false);

    (void)state;
    accept_id(&r, 10, 0, 0);
    accept_id(&r, 3, 0, 3600u * 24u * SEC);
    refuse(&r, 3, 0, 3600u * 24u * SEC, REPLAY_ERR_DUPLICATE);
    replay_cleanup(&r);
}

/* A clock that stepped backwards must not expire anything. */
static void test_clock_backwards(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, 10, 0, 100 * SEC);
    accept_id(&r, 5, 0, 1 * SEC);
    replay_cleanup(&r);
}

static void test_strict_mode(void **state)
{
    struct replay s = make(0, 15, false), l = make(0, 15, true);

    (void)state;
    accept_id(&s, 7, 0, 0); /* first id: anything non-zero */
    accept_id(&s, 8, 0, 0);
    refuse(&s, 8, 0, 0, REPLAY_ERR_GAP);
    refuse(&s, 10, 0, 0, REPLAY_ERR_GAP);
    refuse(&s, 7, 0, 0, REPLAY_ERR_GAP);
    accept_id(&s, 9, 0, 0);

    refuse(&l, 2, 100, 0, REPLAY_ERR_GAP); /* a new time must start at 1 */
    accept_id(&l, 1, 100, 0);
    accept_id(&l, 2, 100, 0);
    refuse(&l, 4, 100, 0, REPLAY_ERR_GAP);
    refuse(&l, 3, 99, 0, REPLAY_ERR_TIME_BACK);
    refuse(&l, 3, 101, 0, REPLAY_ERR_GAP);
    accept_id(&l, 1, 101, 0);
    replay_cleanup(&s);
    replay_cleanup(&l);
}

static void test_window_one(void **state)
{
    struct replay r = make(1, 15, false);

    (void)state;
    accept_id(&r, 1, 0, 0);
    refuse(&r, 1, 0, 0, REPLAY_ERR_DUPLICATE);
    accept_id(&r, 3, 0, 0);
    refuse(&r, 2, 0, 0, REPLAY_ERR_TOO_OLD);
    replay_cleanup(&r);
}

static void test_window_max(void **state)
{
    struct replay r = make(REPLAY_WINDOW_MAX, 15, false);

    (void)state;
    accept_id(&r, 70000, 0, 0);
    refuse(&r, 70000 - REPLAY_WINDOW_MAX, 0, 0, REPLAY_ERR_TOO_OLD);
    accept_id(&r, 70001 - REPLAY_WINDOW_MAX, 0, 0);
    refuse(&r, 70001 - REPLAY_WINDOW_MAX, 0, 0, REPLAY_ERR_DUPLICATE);
    accept_id(&r, 69999, 0, 0);
    replay_cleanup(&r);
}

static void test_id_near_max(void **state)
{
    struct replay r = make(64, 15, false);

    (void)state;
    accept_id(&r, UINT32_MAX - 2, 0, 0);
    accept_id(&r, UINT32_MAX, 0, 0);
    accept_id(&r, UINT32_MAX - 1, 0, 0);
    refuse(&r, UINT32_MAX, 0, 0, REPLAY_ERR_DUPLICATE);
    refuse(&r, UINT32_MAX - 64, 0, 0, REPLAY_ERR_TOO_OLD);
    replay_cleanup(&r);
}

static void test_reset(void **state)
{
    struct replay r = make(64, 15, true);

    (void)state;
    accept_id(&r, 5, 50, 0);
    replay_reset(&r);
    assert_int_equal(replay_high(&r), 0);
    accept_id(&r, 5, 50, 0);
    replay_cleanup(&r);
}

/*
 * Reference: openvpn's rule applied literally over a full history. An id x <= H inside the
 * window is expired when some accepted id y in (x, H] arrived more than t seconds ago.
 */
#define MODEL_IDS 3000u

struct model {
    uint32_t n, t, high;
    bool seen[MODEL_IDS];
    uint32_t arrival[MODEL_IDS];
};

static int model_check(const struct model *m, uint32_t x, uint32_t now_s)
{
    if (x == 0)
        return REPLAY_ERR_ZERO_ID;
    if (x > m->high)
        return REPLAY_OK;
    if (m->high - x >= m->n)
        return REPLAY_ERR_TOO_OLD;
    if (m->seen[x])
        return REPLAY_ERR_DUPLICATE;
    for (uint32_t y = x + 1; m->t && y <= m->high; y++)
        if (m->seen[y] && now_s - m->arrival[y] > m->t)
            return REPLAY_ERR_EXPIRED;
    return REPLAY_OK;
}

static void test_against_model(void **state)
{
    static struct model m;
    uint32_t now_s = 0;
    unsigned seen[REPLAY_DROP_REASONS] = { 0 };
    struct replay r;

    (void)state;
    srand(12345);
    for (unsigned round = 0; round < 4; round++) {
        unsigned n = round == 0 ? 64 : round == 1 ? 7 : round == 2 ? 200 : 1;
        memset(&m, 0, sizeof(m));
        m.n = n;
        m.t = 15;
        assert_int_equal(replay_init(&r, n, 15, false), REPLAY_OK);
        for (unsigned i = 0; i < 20000; i++) {
            uint32_t base = m.high > 40 ? m.high - 40 : 0;
            uint32_t x = base + (uint32_t)(rand() % 48);
            if (x >= MODEL_IDS)
                break;
            now_s += (uint32_t)(rand() % 3 == 0) + (rand() % 50 == 0 ? 7u : 0u);
            int want = model_check(&m, x, now_s);
            assert_int_equal(replay_check(&r, x, 0, (uint64_t)now_s * SEC + 500), want);
            seen[-want]++;
            if (want == REPLAY_OK && rand() % 4 != 0) {
                assert_int_equal(replay_commit(&r, x, 0, (uint64_t)now_s * SEC), REPLAY_OK);
                m.seen[x] = true;
                m.arrival[x] = now_s;
                if (x > m.high)
                    m.high = x;
            }
        }
        replay_cleanup(&r);
    }
    /* The walk must have met every outcome of the windowed short form. */
    for (int e = REPLAY_OK; e >= REPLAY_ERR_EXPIRED; e--)
        assert_true(e == REPLAY_ERR_TIME_BACK || seen[-e] > 0);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = REPLAY_ERR_NOMEM; e <= REPLAY_OK; e++)
        assert_string_not_equal(replay_strerror(e), "unknown");
    assert_string_equal(replay_strerror(-100), "unknown");
    assert_string_equal(replay_strerror(1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_zero_id),
        cmocka_unit_test(test_in_order_and_duplicates),
        cmocka_unit_test(test_check_does_not_record),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_jump_kills_low_ids),
        cmocka_unit_test(test_long_form_time),
        cmocka_unit_test(test_short_form_ignores_time),
        cmocka_unit_test(test_time_backtrack),
        cmocka_unit_test(test_time_backtrack_late_arrival),
        cmocka_unit_test(test_time_backtrack_zero_means_unlimited),
        cmocka_unit_test(test_clock_backwards),
        cmocka_unit_test(test_strict_mode),
        cmocka_unit_test(test_window_one),
        cmocka_unit_test(test_window_max),
        cmocka_unit_test(test_id_near_max),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
