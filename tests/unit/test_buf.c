/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"

static const uint8_t sample[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

static void reads_big_endian_integers(void **state)
{
    (void)state;
    struct buf_reader r;
    buf_reader_init(&r, sample, sizeof(sample));
    assert_int_equal(buf_read_u8(&r), 0x01);
    assert_int_equal(buf_read_u16(&r), 0x0203);
    assert_int_equal(buf_read_u24(&r), 0x040506);
    assert_int_equal(buf_read_u32(&r), 0x0708090a);
    assert_int_equal(buf_remaining(&r), 6);
    assert_true(buf_reader_ok(&r));
    buf_reader_init(&r, sample, sizeof(sample));
    assert_true(buf_read_u64(&r) == 0x0102030405060708ull);
}

static void short_read_sets_sticky_error(void **state)
{
    (void)state;
    struct buf_reader r;
    buf_reader_init(&r, sample, 3);
    assert_int_equal(buf_read_u16(&r), 0x0102);
    assert_int_equal(buf_read_u16(&r), 0); /* only one byte left */
    assert_false(buf_reader_ok(&r));
    assert_int_equal(buf_remaining(&r), 0);
    /* Sticky: even a read that would fit now fails. */
    assert_int_equal(buf_read_u8(&r), 0);
    assert_false(buf_reader_ok(&r));
}

static void every_width_fails_at_every_shorter_length(void **state)
{
    (void)state;
    const size_t widths[] = { 1, 2, 3, 4, 8 };
    for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
        for (size_t len = 0; len < widths[w]; len++) {
            struct buf_reader r;
            buf_reader_init(&r, sample, len);
            switch (widths[w]) {
            case 1:
                assert_int_equal(buf_read_u8(&r), 0);
                break;
            case 2:
                assert_int_equal(buf_read_u16(&r), 0);
                break;
            case 3:
                assert_int_equal(buf_read_u24(&r), 0);
                break;
            case 4:
                assert_int_equal(buf_read_u32(&r), 0);
                break;
            default:
                assert_true(buf_read_u64(&r) == 0);
                break;
            }
            assert_false(buf_reader_ok(&r));
        }
    }
}

static void bytes_and_views(void **state)
{
    (void)state;
    struct buf_reader r;
    uint8_t out[4];
    buf_reader_init(&r, sample, sizeof(sample));
    assert_true(buf_read_bytes(&r, out, 4));
    assert_memory_equal(out, sample, 4);
    const uint8_t *v = buf_read_view(&r, 2);
    assert_non_null(v);
    assert_int_equal(v[0], 0x05);
    buf_skip(&r, 9);
    assert_int_equal(buf_remaining(&r), 1);
    uint8_t next = 0;
    assert_true(buf_peek_u8(&r, &next));
    assert_int_equal(next, 0x10);
    assert_int_equal(buf_remaining(&r), 1);
    assert_false(buf_read_bytes(&r, out, 2));
    assert_memory_equal(out, "\0\0", 2);
    assert_null(buf_read_view(&r, 1));
    assert_false(buf_peek_u8(&r, &next));
}

static void huge_lengths_do_not_wrap(void **state)
{
    (void)state;
    struct buf_reader r;
    buf_reader_init(&r, sample, sizeof(sample));
    buf_skip(&r, 4);
    assert_null(buf_read_view(&r, SIZE_MAX));
    assert_false(buf_reader_ok(&r));
    buf_reader_init(&r, sample, sizeof(sample));
    struct buf_reader sub = buf_read_sub(&r, SIZE_MAX - 1);
    assert_false(buf_reader_ok(&sub));
    assert_int_equal(buf_remaining(&sub), 0);
}

static void sub_readers_and_u16_blocks(void **state)
{
    (void)state;
    const uint8_t msg[] = { 0x00, 0x03, 'a', 'b', 'c', 0xff };
    struct buf_reader r;
    buf_reader_init(&r, msg, sizeof(msg));
    struct buf_reader blk = buf_read_u16_block(&r);
    assert_true(buf_reader_ok(&blk));
    assert_int_equal(buf_remaining(&blk), 3);
    assert_int_equal(buf_read_u8(&blk), 'a');
    assert_int_equal(buf_read_u8(&r), 0xff);
    assert_true(buf_reader_ok(&r));

    const uint8_t bad[] = { 0x00, 0x09, 'a' };
    buf_reader_init(&r, bad, sizeof(bad));
    blk = buf_read_u16_block(&r);
    assert_false(buf_reader_ok(&blk));
    assert_false(buf_reader_ok(&r));
}

static void rest_views_unconsumed_bytes(void **state)
{
    (void)state;
    struct buf_reader r;
    buf_reader_init(&r, sample, 2);
    assert_ptr_equal(buf_rest(&r), sample);
    buf_skip(&r, 2);
    assert_null(buf_rest(&r));
    buf_reader_init(&r, NULL, 5);
    assert_int_equal(buf_remaining(&r), 0);
    assert_int_equal(buf_read_u8(&r), 0);
    assert_false(buf_reader_ok(&r));
}

static void writer_round_trip(void **state)
{
    (void)state;
    uint8_t mem[32];
    struct buf_writer w;
    buf_writer_init(&w, mem, sizeof(mem));
    buf_write_u8(&w, 0x01);
    buf_write_u16(&w, 0x0203);
    buf_write_u24(&w, 0x040506);
    buf_write_u32(&w, 0x0708090a);
    buf_write_u64(&w, 0x0b0c0d0e0f101112ull);
    buf_write_u16_block(&w, "xy", 2);
    assert_true(buf_writer_ok(&w));
    assert_int_equal(buf_writer_len(&w), 1 + 2 + 3 + 4 + 8 + 4);

    struct buf_reader r;
    buf_reader_init(&r, mem, buf_writer_len(&w));
    assert_int_equal(buf_read_u8(&r), 0x01);
    assert_int_equal(buf_read_u16(&r), 0x0203);
    assert_int_equal(buf_read_u24(&r), 0x040506);
    assert_int_equal(buf_read_u32(&r), 0x0708090a);
    assert_true(buf_read_u64(&r) == 0x0b0c0d0e0f101112ull);
    struct buf_reader blk = buf_read_u16_block(&r);
    assert_int_equal(buf_remaining(&blk), 2);
    assert_int_equal(buf_remaining(&r), 0);
    assert_true(buf_reader_ok(&r));
}

static void writer_overflow_is_sticky_and_writes_nothing(void **state)
{
    (void)state;
    uint8_t mem[8];
    memset(mem, 0xee, sizeof(mem));
    struct buf_writer w;
    buf_writer_init(&w, mem, 3);
    buf_write_u16(&w, 0x1122);
    buf_write_u16(&w, 0x3344); /* needs 2, only 1 left */
    assert_false(buf_writer_ok(&w));
    assert_int_equal(buf_writer_len(&w), 2);
    assert_int_equal(mem[2], 0xee);
    buf_write_u8(&w, 0x55); /* would fit, but the error is sticky */
    assert_int_equal(mem[2], 0xee);
    assert_int_equal(buf_writer_room(&w), 0);
    assert_null(buf_write_reserve(&w, 0));
}

static void writer_rejects_values_that_do_not_fit_their_field(void **state)
{
    (void)state;
    uint8_t mem[8];
    struct buf_writer w;
    buf_writer_init(&w, mem, sizeof(mem));
    buf_write_u24(&w, 0x1000000);
    assert_false(buf_writer_ok(&w));

    static uint8_t big[0x10000];
    uint8_t out[0x10010];
    buf_writer_init(&w, out, sizeof(out));
    buf_write_u16_block(&w, big, sizeof(big));
    assert_false(buf_writer_ok(&w));
}

static void reserve_gives_room_to_fill(void **state)
{
    (void)state;
    uint8_t mem[4];
    struct buf_writer w;
    buf_writer_init(&w, mem, sizeof(mem));
    uint8_t *p = buf_write_reserve(&w, 3);
    assert_ptr_equal(p, mem);
    assert_int_equal(buf_writer_room(&w), 1);
    assert_null(buf_write_reserve(&w, 2));
    assert_false(buf_writer_ok(&w));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_big_endian_integers),
        cmocka_unit_test(short_read_sets_sticky_error),
        cmocka_unit_test(every_width_fails_at_every_shorter_length),
        cmocka_unit_test(bytes_and_views),
        cmocka_unit_test(huge_lengths_do_not_wrap),
        cmocka_unit_test(sub_readers_and_u16_blocks),
        cmocka_unit_test(rest_views_unconsumed_bytes),
        cmocka_unit_test(writer_round_trip),
        cmocka_unit_test(writer_overflow_is_sticky_and_writes_nothing),
        cmocka_unit_test(writer_rejects_values_that_do_not_fit_their_field),
        cmocka_unit_test(reserve_gives_room_to_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
