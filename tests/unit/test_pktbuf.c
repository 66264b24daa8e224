/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pktbuf.h"

static void push_pull_put_trim_keep_bounds(void **state)
{
    (void)state;
    uint8_t mem[64];
    struct pktbuf p;
    pktbuf_init(&p, mem, sizeof(mem), 16);
    assert_int_equal(pktbuf_headroom(&p), 16);
    assert_int_equal(pktbuf_tailroom(&p), 48);

    uint8_t *payload = pktbuf_put(&p, 10);
    assert_ptr_equal(payload, mem + 16);
    memset(payload, 'p', 10);
    uint8_t *hdr = pktbuf_push(&p, 4);
    assert_ptr_equal(hdr, mem + 12);
    assert_int_equal(pktbuf_len(&p), 14);
    assert_null(pktbuf_push(&p, 13)); /* only 12 bytes of headroom left */
    assert_int_equal(pktbuf_len(&p), 14);

    assert_ptr_equal(pktbuf_pull(&p, 4), mem + 12);
    assert_ptr_equal(pktbuf_data(&p), payload);
    assert_null(pktbuf_pull(&p, 11));
    assert_true(pktbuf_trim(&p, 2));
    assert_false(pktbuf_trim(&p, 9));
    assert_int_equal(pktbuf_len(&p), 8);
    assert_null(pktbuf_put(&p, pktbuf_tailroom(&p) + 1));
    assert_non_null(pktbuf_put(&p, pktbuf_tailroom(&p)));
    assert_int_equal(pktbuf_tailroom(&p), 0);
}

static void headroom_is_clamped_to_capacity(void **state)
{
    (void)state;
    uint8_t mem[8];
    struct pktbuf p;
    pktbuf_init(&p, mem, sizeof(mem), 100);
    assert_int_equal(pktbuf_headroom(&p), 8);
    assert_int_equal(pktbuf_tailroom(&p), 0);
    assert_null(pktbuf_put(&p, 1));
    assert_false(pktbuf_set_len(&p, 1));
    assert_true(pktbuf_set_len(&p, 0));
}

static void reader_and_tail_writer_see_the_data(void **state)
{
    (void)state;
    uint8_t mem[32];
    struct pktbuf p;
    pktbuf_init(&p, mem, sizeof(mem), 8);
    struct buf_writer w = pktbuf_tail_writer(&p);
    buf_write_u32(&w, 0xdeadbeef);
    assert_true(pktbuf_commit(&p, &w));
    assert_int_equal(pktbuf_len(&p), 4);
    struct buf_reader r = pktbuf_reader(&p);
    assert_int_equal(buf_read_u32(&r), 0xdeadbeef);
    assert_int_equal(buf_remaining(&r), 0);

    w = pktbuf_tail_writer(&p);
    buf_write_bytes(&w, mem, 64); /* too much: the writer fails and nothing is committed */
    assert_false(pktbuf_commit(&p, &w));
    assert_int_equal(pktbuf_len(&p), 4);
}

static void set_len_after_a_read_into_the_tailroom(void **state)
{
    (void)state;
    uint8_t mem[32];
    struct pktbuf p;
    pktbuf_init(&p, mem, sizeof(mem), 8);
    assert_true(pktbuf_set_len(&p, 24));
    assert_false(pktbuf_set_len(&p, 25));
    assert_int_equal(pktbuf_len(&p), 24);
}

static void pool_hands_out_each_buffer_once(void **state)
{
    (void)state;
    struct pktpool *pool = pktpool_new(4, 256, 64);
    assert_non_null(pool);
    struct pktbuf *got[4];
    for (int i = 0; i < 4; i++) {
        got[i] = pktpool_get(pool);
        assert_non_null(got[i]);
        assert_true(pktpool_owns(pool, got[i]));
        assert_int_equal(pktbuf_headroom(got[i]), 64);
        assert_int_equal(pktbuf_tailroom(got[i]), 192);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(got[i], got[j]);
    }
    assert_null(pktpool_get(pool));
    assert_int_equal(pktpool_available(pool), 0);

    pktbuf_put(got[2], 10);
    pktpool_put(pool, got[2]);
    pktpool_put(pool, got[2]); /* a double return must not hand the buffer out twice */
    assert_int_equal(pktpool_available(pool), 1);
    struct pktbuf *again = pktpool_get(pool);
    assert_ptr_equal(again, got[2]);
    assert_int_equal(pktbuf_len(again), 0);
    assert_int_equal(pktbuf_headroom(again), 64);
    assert_null(pktpool_get(pool));

    for (int i = 0; i < 4; i++)
        pktpool_put(pool, got[i]);
    assert_int_equal(pktpool_available(pool), 4);
    pktpool_free(pool);
    pktpool_free(NULL);
}

static void pool_ignores_foreign_buffers(void **state)
{
    (void)state;
    struct pktpool *pool = pktpool_new(2, 128, 16);
    assert_non_null(pool);
    uint8_t mem[16];
    struct pktbuf stranger;
    pktbuf_init(&stranger, mem, sizeof(mem), 0);
    assert_false(pktpool_owns(pool, &stranger));
    pktpool_put(pool, &stranger);
    pktpool_put(pool, NULL);
    assert_int_equal(pktpool_available(pool), 2);
    pktpool_free(pool);
}

static void pool_rejects_bad_sizes(void **state)
{
    (void)state;
    assert_null(pktpool_new(0, 128, 16));
    assert_null(pktpool_new(4, 0, 0));
    assert_null(pktpool_new(4, 128, 128));
    assert_null(pktpool_new(SIZE_MAX / 2, 4, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_pull_put_trim_keep_bounds),
        cmocka_unit_test(headroom_is_clamped_to_capacity),
        cmocka_unit_test(reader_and_tail_writer_see_the_data),
        cmocka_unit_test(set_len_after_a_read_into_the_tailroom),
        cmocka_unit_test(pool_hands_out_each_buffer_once),
        cmocka_unit_test(pool_ignores_foreign_buffers),
        cmocka_unit_test(pool_rejects_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
