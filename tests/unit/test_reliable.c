/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "reliable.h"

/* Payload room of a plain-mode control packet with one ack pending (§7.4 table). */
#define BUDGET 1196

static struct reliable *mk_with(uint64_t cap_ms, uint64_t ack_delay_ms)
{
    struct reliable_params p;
    reliable_params_default(&p);
    p.max_timeout_ms = cap_ms;
    p.ack_delay_ms = ack_delay_ms;
    struct reliable *r = reliable_new(&p);
    assert_non_null(r);
    return r;
}

static struct reliable *mk(void)
{
    return mk_with(0, 0);
}

static void fill_pattern(uint8_t *b, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

/* Queues exactly one control message of len bytes and checks it was taken whole. */
static void queue_one(struct reliable *r, const uint8_t *data, size_t len)
{
    size_t acc = 99;
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, data, len, BUDGET, &acc), 0);
    assert_int_equal(acc, len);
}

static void send_all(struct reliable *r, uint64_t now, size_t expect)
{
    struct reliable_packet pkt;
    size_t n = 0;
    while (reliable_next_to_send(r, now, &pkt))
        n++;
    assert_int_equal(n, expect);
}

/* ---- parameters and lifecycle ---- */

static void params_are_validated(void **state)
{
    (void)state;
    struct reliable_params d, p;
    reliable_params_default(&d);
    assert_int_equal(d.initial_timeout_ms, 2000);
    assert_int_equal(d.piggyback_acks_max, 4);
    assert_null(reliable_new(NULL));

    p = d, p.send_payload_max = 0;
    assert_null(reliable_new(&p));
    p = d, p.send_payload_max = RELIABLE_PAYLOAD_LIMIT + 1;
    assert_null(reliable_new(&p));
    p = d, p.recv_payload_max = 0;
    assert_null(reliable_new(&p));
    p = d, p.recv_payload_max = RELIABLE_PAYLOAD_LIMIT + 1;
    assert_null(reliable_new(&p));
    p = d, p.initial_timeout_ms = 0;
    assert_null(reliable_new(&p));
    p = d, p.max_timeout_ms = 1999;
    assert_null(reliable_new(&p));
    p = d, p.piggyback_acks_max = RELIABLE_ACKS_MAX + 1;
    assert_null(reliable_new(&p));

    p = d, p.send_payload_max = p.recv_payload_max = RELIABLE_PAYLOAD_LIMIT;
    p.max_timeout_ms = 2000;
    p.piggyback_acks_max = RELIABLE_ACKS_MAX;
    struct reliable *r = reliable_new(&p);
    assert_non_null(r);
    reliable_free(r);
    reliable_free(NULL);
}

static void fresh_instance_is_idle(void **state)
{
    (void)state;
    struct reliable *r = mk();
    struct reliable_packet pkt;
    uint8_t b[4];
    assert_false(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    assert_int_equal(reliable_ack_deadline(r), UINT64_MAX);
    assert_int_equal(reliable_unacked(r), 0);
    assert_int_equal(reliable_readable(r), 0);
    assert_int_equal(reliable_read(r, b, sizeof(b)), 0);
    assert_int_equal(reliable_take_acks(r, (uint32_t[8]){ 0 }, 8), 0);
    assert_false(reliable_is_acked(r, 0));
    assert_int_equal(reliable_send_room(r, BUDGET), 6 * BUDGET);
    reliable_free(r);
}

/* ---- send side ---- */

static void reset_takes_id_zero_once(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t tlv[6] = { 0, 1, 0, 2, 0, 1 };
    uint8_t big[1251] = { 0 };
    assert_int_equal(reliable_queue_reset(r, NULL, 1), RELIABLE_ERR_PARAM);
    assert_int_equal(reliable_queue_reset(r, big, sizeof(big)), RELIABLE_ERR_TOOBIG);
    assert_int_equal(reliable_queue_reset(r, tlv, sizeof(tlv)), 0);
    assert_int_equal(reliable_queue_reset(r, NULL, 0), RELIABLE_ERR_STATE);
    assert_int_equal(reliable_skip_resets(r), RELIABLE_ERR_STATE);

    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.kind, RELIABLE_KIND_RESET);
    assert_int_equal(pkt.msg_id, 0);
    assert_int_equal(pkt.len, sizeof(tlv));
    assert_memory_equal(pkt.payload, tlv, sizeof(tlv));
    assert_int_equal(pkt.n_acks, 0);
    assert_false(pkt.retransmit);
    assert_false(reliable_next_to_send(r, 0, &pkt));

    uint8_t d[3] = { 1, 2, 3 };
    queue_one(r, d, sizeof(d));
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.kind, RELIABLE_KIND_CONTROL);
    assert_int_equal(pkt.msg_id, 1);
    assert_int_equal(reliable_unacked(r), 2);
    reliable_free(r);
}

static void empty_reset_is_one_message(void **state)
{
    (void)state;
    struct reliable *r = mk();
    struct reliable_packet pkt;
    assert_int_equal(reliable_queue_reset(r, NULL, 0), 0);
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.len, 0);
    assert_int_equal(pkt.msg_id, 0);
    assert_false(reliable_is_acked(r, 0));
    assert_true(reliable_ack_received(r, 0));
    assert_true(reliable_is_acked(r, 0));
    assert_int_equal(reliable_unacked(r), 0);
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    reliable_free(r);
}

static void queue_rejects_bad_arguments(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[10] = { 0 };
    size_t acc = 77;
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_RESET, d, 10, BUDGET, &acc),
                     RELIABLE_ERR_PARAM);
    assert_int_equal(acc, 0);
    assert_int_equal(reliable_queue(r, (enum reliable_kind)42, d, 10, BUDGET, &acc),
                     RELIABLE_ERR_PARAM);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, NULL, 10, BUDGET, &acc),
                     RELIABLE_ERR_PARAM);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, 10, 0, &acc), RELIABLE_ERR_PARAM);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, 10, 1251, &acc),
                     RELIABLE_ERR_PARAM);
    assert_int_equal(reliable_send_room(r, 0), 0);
    assert_int_equal(reliable_send_room(r, 1251), 0);
    assert_int_equal(reliable_unacked(r), 0);

    /* An empty stream queues nothing. */
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, NULL, 0, BUDGET, &acc), 0);
    assert_int_equal(acc, 0);
    assert_int_equal(reliable_unacked(r), 0);
    /* The whole budget range is usable. */
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, 10, 1, &acc), 0);
    assert_int_equal(acc, 6);
    reliable_free(r);
}

static void flight_of_5000_bytes_is_fragmented_to_the_budget(void **state)
{
    (void)state;
    struct reliable *r = mk();
    static uint8_t flight[5000], got[5000];
    fill_pattern(flight, sizeof(flight), 5);
    assert_int_equal(reliable_queue_reset(r, NULL, 0), 0);
    size_t acc = 0;
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, flight, sizeof(flight), BUDGET, &acc),
                     0);
    assert_int_equal(acc, sizeof(flight)); /* 5 messages + the reset fill the window exactly */
    assert_int_equal(reliable_unacked(r), 6);

    struct reliable_packet pkt;
    size_t at = 0;
    const size_t sizes[] = { 0, BUDGET, BUDGET, BUDGET, BUDGET, 5000 - 4 * BUDGET };
    for (uint32_t id = 0; id < 6; id++) {
        assert_true(reliable_next_to_send(r, 0, &pkt));
        assert_int_equal(pkt.msg_id, id);
        assert_int_equal(pkt.len, sizes[id]);
        assert_true(pkt.len <= BUDGET);
        if (id > 0) {
            memcpy(got + at, pkt.payload, pkt.len);
            at += pkt.len;
        }
    }
    assert_false(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(at, sizeof(flight));
    assert_memory_equal(got, flight, sizeof(flight));
    reliable_free(r);
}

/* A small budget needs more messages than the window holds: the rest waits for acks. */
static void small_budget_flight_waits_for_acks(void **state)
{
    (void)state;
    struct reliable *r = mk();
    static uint8_t flight[5000], got[5000];
    fill_pattern(flight, sizeof(flight), 9);
    size_t off = 0, at = 0, acc;
    uint32_t expect_id = 0;
    struct reliable_packet pkt;
    while (at < sizeof(flight)) {
        assert_int_equal(
            reliable_queue(r, RELIABLE_KIND_CONTROL, flight + off, sizeof(flight) - off, 300, &acc),
            0);
        off += acc;
        assert_true(reliable_unacked(r) <= RELIABLE_SEND_WINDOW);
        while (reliable_next_to_send(r, 0, &pkt)) {
            assert_int_equal(pkt.msg_id, expect_id++);
            assert_true(pkt.len <= 300 && pkt.len > 0);
            memcpy(got + at, pkt.payload, pkt.len);
            at += pkt.len;
            assert_true(reliable_ack_received(r, pkt.msg_id));
        }
    }
    assert_int_equal(expect_id, 17); /* ceil(5000 / 300) */
    assert_memory_equal(got, flight, sizeof(flight));
    reliable_free(r);
}

static void full_window_refuses_until_the_lowest_is_acked(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[BUDGET * 7];
    fill_pattern(d, sizeof(d), 1);
    size_t acc;
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, sizeof(d), BUDGET, &acc), 0);
    assert_int_equal(acc, 6 * BUDGET);
    assert_int_equal(reliable_send_room(r, BUDGET), 0);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, 10, BUDGET, &acc), 0);
    assert_int_equal(acc, 0);
    send_all(r, 0, 6);

    /* Acks for higher ids free nothing: a new id must stay below lowest unacked + 6. */
    assert_true(reliable_ack_received(r, 3));
    assert_true(reliable_ack_received(r, 5));
    assert_true(reliable_is_acked(r, 3));
    assert_int_equal(reliable_unacked(r), 4);
    assert_int_equal(reliable_send_room(r, BUDGET), 0);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, 10, BUDGET, &acc), 0);
    assert_int_equal(acc, 0);

    assert_true(reliable_ack_received(r, 0));
    assert_int_equal(reliable_send_room(r, 100), 100);
    assert_true(reliable_ack_received(r, 1));
    assert_true(reliable_ack_received(r, 2));
    /* The window moved past 3 as well, acked earlier, and stops at 4: ids 6..9 are free. */
    assert_int_equal(reliable_send_room(r, 100), 400);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d, 1000, 100, &acc), 0);
    assert_int_equal(acc, 400);
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.msg_id, 6);
    reliable_free(r);
}

static void bad_acks_are_ignored_and_counted(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[10] = { 0 };
    assert_false(reliable_ack_received(r, 0)); /* nothing queued at all */
    assert_false(reliable_ack_received(r, UINT32_MAX));
    queue_one(r, d, sizeof(d));
    queue_one(r, d, sizeof(d));
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_false(reliable_ack_received(r, 1)); /* queued but never sent */
    assert_false(reliable_ack_received(r, 2)); /* never queued */
    assert_true(reliable_ack_received(r, 0));
    assert_false(reliable_ack_received(r, 0)); /* repeated ack, below the window now */
    const struct reliable_stats *st = reliable_stats(r);
    assert_int_equal(st->acks_unknown, 4);
    assert_int_equal(st->acks_duplicate, 1);
    assert_int_equal(st->acks_fresh, 1);

    /* A duplicate inside the window (an acked id above an unacked one). */
    assert_true(reliable_next_to_send(r, 0, &pkt));
    queue_one(r, d, sizeof(d));
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_true(reliable_ack_received(r, 2));
    assert_false(reliable_ack_received(r, 2));
    assert_int_equal(st->acks_duplicate, 2);
    assert_int_equal(reliable_unacked(r), 1);
    reliable_free(r);
}

/* ---- retransmission timing ---- */

static uint64_t resend_times(struct reliable *r, uint64_t start, uint64_t *at, size_t n)
{
    struct reliable_packet pkt;
    uint64_t now = start;
    assert_true(reliable_next_to_send(r, now, &pkt));
    assert_false(pkt.retransmit);
    for (size_t i = 0; i < n; i++) {
        uint64_t due = reliable_next_deadline(r);
        assert_false(reliable_next_to_send(r, due - 1, &pkt));
        assert_true(reliable_next_to_send(r, due, &pkt));
        assert_true(pkt.retransmit);
        assert_int_equal(pkt.msg_id, 0);
        at[i] = due;
        now = due;
    }
    return now;
}

static void retransmit_deadlines_double(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint64_t at[5];
    assert_int_equal(reliable_queue_reset(r, NULL, 0), 0);
    assert_int_equal(reliable_next_deadline(r), 0); /* queued: due at once */
    resend_times(r, 1000, at, 5);
    assert_int_equal(at[0], 3000);
    assert_int_equal(at[1], 7000);
    assert_int_equal(at[2], 15000);
    assert_int_equal(at[3], 31000);
    assert_int_equal(at[4], 63000);
    assert_int_equal(reliable_next_deadline(r), 63000 + 64000);
    assert_int_equal(reliable_stats(r)->tx_retransmits, 5);
    assert_int_equal(reliable_stats(r)->tx_messages, 1);

    /* Once acked, nothing is scheduled any more. */
    assert_true(reliable_ack_received(r, 0));
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    reliable_free(r);
}

static void retransmit_timeout_respects_the_cap(void **state)
{
    (void)state;
    struct reliable *r = mk_with(5000, 0);
    uint64_t at[5];
    assert_int_equal(reliable_queue_reset(r, NULL, 0), 0);
    resend_times(r, 0, at, 5);
    assert_int_equal(at[0], 2000);
    assert_int_equal(at[1], 6000);
    assert_int_equal(at[2], 11000);
    assert_int_equal(at[3], 16000);
    assert_int_equal(at[4], 21000);
    reliable_free(r);
}

static void deadlines_saturate_near_the_end_of_time(void **state)
{
    (void)state;
    struct reliable *r = mk();
    struct reliable_packet pkt;
    assert_int_equal(reliable_queue_reset(r, NULL, 0), 0);
    assert_true(reliable_next_to_send(r, UINT64_MAX - 1000, &pkt));
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    assert_true(reliable_next_to_send(r, UINT64_MAX, &pkt));
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    reliable_free(r);
}

static void each_message_has_its_own_timer(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[10] = { 0 };
    struct reliable_packet pkt;
    queue_one(r, d, 10);
    assert_true(reliable_next_to_send(r, 100, &pkt));
    queue_one(r, d, 10);
    assert_true(reliable_next_to_send(r, 600, &pkt));
    assert_int_equal(reliable_next_deadline(r), 2100);
    assert_true(reliable_next_to_send(r, 2100, &pkt));
    assert_int_equal(pkt.msg_id, 0);
    assert_int_equal(reliable_next_deadline(r), 2600);
    assert_true(reliable_ack_received(r, 1));
    assert_int_equal(reliable_next_deadline(r), 6100);
    reliable_free(r);
}

static void acks_for_three_higher_ids_trigger_a_fast_resend(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[10] = { 0 };
    for (int i = 0; i < 5; i++)
        queue_one(r, d, sizeof(d));
    send_all(r, 0, 5);
    assert_true(reliable_ack_received(r, 2));
    assert_true(reliable_ack_received(r, 3));
    assert_int_equal(reliable_next_deadline(r), 2000);
    assert_false(reliable_ack_received(r, 3)); /* repeats do not count */
    assert_int_equal(reliable_next_deadline(r), 2000);
    assert_true(reliable_ack_received(r, 4));
    assert_int_equal(reliable_next_deadline(r), 0);

    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 500, &pkt));
    assert_int_equal(pkt.msg_id, 0);
    assert_true(pkt.retransmit);
    assert_true(reliable_next_to_send(r, 500, &pkt));
    assert_int_equal(pkt.msg_id, 1);
    assert_false(reliable_next_to_send(r, 500, &pkt));
    assert_int_equal(reliable_stats(r)->tx_fast_retransmits, 2);
    assert_int_equal(reliable_stats(r)->tx_retransmits, 0);
    /* The fast resend doubled the timeout like any send did. */
    assert_int_equal(reliable_next_deadline(r), 500 + 4000);
    reliable_free(r);
}

static void kind_survives_retransmission(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[BUDGET + 5];
    fill_pattern(d, sizeof(d), 3);
    size_t acc;
    assert_int_equal(reliable_skip_resets(r), 0);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL_WKC, d, 500, 500, &acc), 0);
    assert_int_equal(acc, 500);
    assert_int_equal(reliable_queue(r, RELIABLE_KIND_CONTROL, d + 500, 700, BUDGET, &acc), 0);
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.kind, RELIABLE_KIND_CONTROL_WKC);
    assert_int_equal(pkt.msg_id, 1);
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.kind, RELIABLE_KIND_CONTROL);
    assert_true(reliable_next_to_send(r, 2000, &pkt));
    assert_int_equal(pkt.kind, RELIABLE_KIND_CONTROL_WKC);
    assert_int_equal(pkt.len, 500);
    assert_memory_equal(pkt.payload, d, 500);
    reliable_free(r);
}

/* ---- receive side ---- */

static void recv_msg(struct reliable *r, uint32_t id, uint8_t fill, size_t len,
                     enum reliable_rx expect)
{
    uint8_t b[64];
    assert_true(len <= sizeof(b));
    memset(b, fill, len);
    assert_int_equal(reliable_receive(r, id, b, len, 0), expect);
}

static void in_order_delivery(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t out[64];
    recv_msg(r, 0, 'a', 3, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 1, 'b', 2, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_readable(r), 5);
    assert_int_equal(reliable_read(r, out, sizeof(out)), 5);
    assert_memory_equal(out, "aaabb", 5);
    recv_msg(r, 2, 'c', 1, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_read(r, out, sizeof(out)), 1);
    assert_int_equal(out[0], 'c');
    assert_int_equal(reliable_readable(r), 0);
    assert_int_equal(reliable_stats(r)->rx_accepted, 3);
    reliable_free(r);
}

static void out_of_order_delivery_waits_for_the_gap(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t out[64];
    recv_msg(r, 2, 'c', 2, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 1, 'b', 2, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 3, 'd', 2, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_readable(r), 0);
    assert_int_equal(reliable_read(r, out, sizeof(out)), 0);
    recv_msg(r, 0, 'a', 2, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_readable(r), 8);
    assert_int_equal(reliable_read(r, out, sizeof(out)), 8);
    assert_memory_equal(out, "aabbccdd", 8);

    uint32_t ids[8];
    assert_int_equal(reliable_take_acks(r, ids, 8), 4);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 1);
    assert_int_equal(ids[2], 3);
    assert_int_equal(ids[3], 0);
    reliable_free(r);
}

static void partial_reads_keep_the_stream(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t out[8];
    recv_msg(r, 0, 'a', 5, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 1, 'b', 0, RELIABLE_RX_ACCEPTED); /* an empty message adds nothing */
    recv_msg(r, 2, 'c', 5, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_read(r, out, 0), 0);
    assert_int_equal(reliable_read(r, out, 3), 3);
    assert_memory_equal(out, "aaa", 3);
    assert_int_equal(reliable_readable(r), 7);
    assert_int_equal(reliable_read(r, out, 4), 4);
    assert_memory_equal(out, "aacc", 4);
    assert_int_equal(reliable_read(r, out, 8), 3);
    assert_memory_equal(out, "ccc", 3);
    reliable_free(r);
}

static void duplicates_are_acked_again_but_delivered_once(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t out[64];
    uint32_t ids[8];
    recv_msg(r, 0, 'a', 2, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 2, 'c', 2, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 0, 'X', 2, RELIABLE_RX_DUPLICATE); /* delivered, unread */
    recv_msg(r, 2, 'Y', 2, RELIABLE_RX_DUPLICATE); /* buffered out of order */
    assert_int_equal(reliable_pending_acks(r), 2); /* each id pending once */
    assert_int_equal(reliable_take_acks(r, ids, 8), 2);

    recv_msg(r, 1, 'b', 2, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_read(r, out, sizeof(out)), 6);
    assert_memory_equal(out, "aabbcc", 6);
    recv_msg(r, 1, 'Z', 2, RELIABLE_RX_DUPLICATE); /* delivered and read */
    recv_msg(r, 0, 'Z', 2, RELIABLE_RX_DUPLICATE);
    assert_int_equal(reliable_readable(r), 0);

    /* The re-acked ids come first, then the recently sent ones. */
    assert_int_equal(reliable_take_acks(r, ids, 8), 3);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 0);
    assert_int_equal(ids[2], 2);
    assert_int_equal(reliable_stats(r)->rx_duplicates, 4);
    assert_int_equal(reliable_stats(r)->rx_accepted, 3);
    reliable_free(r);
}

static void ids_beyond_the_window_are_dropped_unacked(void **state)
{
    (void)state;
    struct reliable *r = mk();
    recv_msg(r, RELIABLE_RECV_WINDOW, 'x', 1, RELIABLE_RX_OUT_OF_WINDOW);
    recv_msg(r, UINT32_MAX, 'x', 1, RELIABLE_RX_OUT_OF_WINDOW);
    recv_msg(r, UINT32_MAX - 11, 'x', 1, RELIABLE_RX_OUT_OF_WINDOW);
    assert_int_equal(reliable_pending_acks(r), 0);
    recv_msg(r, RELIABLE_RECV_WINDOW - 1, 'x', 1, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_pending_acks(r), 1);
    recv_msg(r, 0, 'y', 1, RELIABLE_RX_ACCEPTED);
    uint8_t out[4];
    assert_int_equal(reliable_read(r, out, sizeof(out)), 1);
    /* The window follows the next expected id: 1 is missing, so 13 is still outside. */
    recv_msg(r, 13, 'x', 1, RELIABLE_RX_OUT_OF_WINDOW);
    recv_msg(r, 12, 'x', 1, RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_stats(r)->rx_out_of_window, 4);
    reliable_free(r);
}

static void unread_bytes_hold_the_window(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t out[8];
    for (uint32_t id = 0; id < RELIABLE_RECV_WINDOW; id++)
        recv_msg(r, id, (uint8_t)('a' + id), 2, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 12, 'm', 2, RELIABLE_RX_NO_ROOM);
    assert_int_equal(reliable_pending_acks(r), 8);
    assert_int_equal(reliable_stats(r)->acks_overflow, 4);
    assert_int_equal(reliable_stats(r)->rx_no_room, 1);

    assert_int_equal(reliable_read(r, out, 1), 1); /* half a message frees nothing */
    recv_msg(r, 12, 'm', 2, RELIABLE_RX_NO_ROOM);
    assert_int_equal(reliable_read(r, out, 1), 1);
    recv_msg(r, 12, 'm', 2, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 13, 'n', 2, RELIABLE_RX_NO_ROOM);
    reliable_free(r);
}

static void oversize_or_null_payload_is_refused(void **state)
{
    (void)state;
    struct reliable *r = mk();
    static uint8_t big[2049];
    assert_int_equal(reliable_receive(r, 0, big, sizeof(big), 0), RELIABLE_RX_TOO_BIG);
    assert_int_equal(reliable_receive(r, 0, NULL, 1, 0), RELIABLE_RX_TOO_BIG);
    assert_int_equal(reliable_pending_acks(r), 0);
    assert_int_equal(reliable_stats(r)->rx_too_big, 2);
    assert_int_equal(reliable_receive(r, 0, big, sizeof(big) - 1, 0), RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_receive(r, 1, NULL, 0, 0), RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_readable(r), 2048);
    reliable_free(r);
}

/* ---- acknowledgements ---- */

static void acks_piggyback_new_first_then_recent(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint32_t ids[8];
    for (uint32_t id = 0; id < 6; id++)
        recv_msg(r, id, 'a', 1, RELIABLE_RX_ACCEPTED);
    uint8_t d[4] = { 0 };
    queue_one(r, d, sizeof(d));
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.n_acks, 4);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(pkt.acks[i], i);
    assert_int_equal(reliable_pending_acks(r), 2);

    assert_int_equal(reliable_take_acks(r, ids, 8), 6);
    const uint32_t expect[6] = { 4, 5, 3, 2, 1, 0 };
    assert_memory_equal(ids, expect, sizeof(expect));
    assert_int_equal(reliable_pending_acks(r), 0);

    /* Nothing new: a later packet still repeats the most recent ids, newest first. */
    assert_true(reliable_next_to_send(r, 2000, &pkt));
    assert_int_equal(pkt.n_acks, 4);
    const uint32_t repeat[4] = { 5, 4, 3, 2 };
    assert_memory_equal(pkt.acks, repeat, sizeof(repeat));
    assert_int_equal(reliable_take_acks(r, ids, 2), 2);
    assert_int_equal(reliable_take_acks(r, ids, 0), 0);
    assert_int_equal(reliable_take_acks(r, ids, 100), 6); /* clamped to 8, 6 known */
    reliable_free(r);
}

static void recent_list_keeps_the_newest_eight(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t out[32];
    uint32_t ids[8];
    for (uint32_t id = 0; id < 11; id++) {
        recv_msg(r, id, 'a', 1, RELIABLE_RX_ACCEPTED);
        assert_int_equal(reliable_read(r, out, sizeof(out)), 1);
        assert_true(reliable_take_acks(r, ids, 1) == 1 && ids[0] == id);
    }
    assert_int_equal(reliable_take_acks(r, ids, 8), 8);
    const uint32_t expect[8] = { 10, 9, 8, 7, 6, 5, 4, 3 };
    assert_memory_equal(ids, expect, sizeof(expect));
    /* A re-ack of an id still in the list moves it to the front. */
    recv_msg(r, 5, 'a', 1, RELIABLE_RX_DUPLICATE);
    assert_int_equal(reliable_take_acks(r, ids, 8), 8);
    const uint32_t moved[8] = { 5, 10, 9, 8, 7, 6, 4, 3 };
    assert_memory_equal(ids, moved, sizeof(moved));
    reliable_free(r);
}

static void ack_deadline_follows_the_oldest_pending(void **state)
{
    (void)state;
    struct reliable *r = mk_with(0, 100);
    uint8_t b[1] = { 0 };
    uint32_t ids[8];
    assert_int_equal(reliable_receive(r, 0, b, 1, 500), RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_receive(r, 1, b, 1, 700), RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_ack_deadline(r), 600);
    assert_int_equal(reliable_next_deadline(r), 600);
    assert_int_equal(reliable_take_acks(r, ids, 1), 1);
    assert_int_equal(reliable_ack_deadline(r), 600); /* one still waits */
    assert_int_equal(reliable_take_acks(r, ids, 8), 2);
    assert_int_equal(reliable_ack_deadline(r), UINT64_MAX);
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    /* Out-of-window and oversize packets schedule nothing. */
    assert_int_equal(reliable_receive(r, 99, b, 1, 800), RELIABLE_RX_OUT_OF_WINDOW);
    assert_int_equal(reliable_ack_deadline(r), UINT64_MAX);
    assert_int_equal(reliable_receive(r, 0, b, 1, 900), RELIABLE_RX_DUPLICATE);
    assert_int_equal(reliable_ack_deadline(r), 1000);
    reliable_free(r);

    r = mk();
    assert_int_equal(reliable_receive(r, 0, b, 1, 500), RELIABLE_RX_ACCEPTED);
    assert_int_equal(reliable_ack_deadline(r), 500);
    uint8_t d[2] = { 0 };
    queue_one(r, d, sizeof(d));
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 500, &pkt));
    assert_int_equal(pkt.n_acks, 1);
    assert_int_equal(reliable_ack_deadline(r), UINT64_MAX);
    assert_int_equal(reliable_next_deadline(r), 2500);
    reliable_free(r);
}

static void no_piggyback_when_configured_off(void **state)
{
    (void)state;
    struct reliable_params p;
    reliable_params_default(&p);
    p.piggyback_acks_max = 0;
    struct reliable *r = reliable_new(&p);
    assert_non_null(r);
    recv_msg(r, 0, 'a', 1, RELIABLE_RX_ACCEPTED);
    uint8_t d[2] = { 0 };
    queue_one(r, d, sizeof(d));
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.n_acks, 0);
    assert_int_equal(reliable_pending_acks(r), 1);
    reliable_free(r);
}

/* ---- session helpers ---- */

static void stateless_server_starts_at_one(void **state)
{
    (void)state;
    struct reliable *r = mk();
    assert_int_equal(reliable_skip_resets(r), 0);
    assert_int_equal(reliable_skip_resets(r), RELIABLE_ERR_STATE);
    assert_true(reliable_is_acked(r, 0));
    assert_int_equal(reliable_queue_reset(r, NULL, 0), RELIABLE_ERR_STATE);
    recv_msg(r, 0, 'r', 0, RELIABLE_RX_DUPLICATE); /* a late client reset is re-acked */
    recv_msg(r, 1, 'h', 3, RELIABLE_RX_ACCEPTED);
    uint8_t d[2] = { 0 };
    queue_one(r, d, sizeof(d));
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.msg_id, 1);
    assert_int_equal(pkt.n_acks, 2);
    assert_false(reliable_ack_received(r, 0)); /* below the window: a repeat */
    assert_int_equal(reliable_stats(r)->acks_duplicate, 1);
    reliable_free(r);
}

static void reset_restarts_both_sequences(void **state)
{
    (void)state;
    struct reliable *r = mk();
    uint8_t d[2] = { 0 };
    recv_msg(r, 0, 'a', 1, RELIABLE_RX_ACCEPTED);
    recv_msg(r, 3, 'a', 1, RELIABLE_RX_ACCEPTED);
    queue_one(r, d, sizeof(d));
    send_all(r, 0, 1);
    reliable_reset(r);
    assert_int_equal(reliable_unacked(r), 0);
    assert_int_equal(reliable_pending_acks(r), 0);
    assert_int_equal(reliable_readable(r), 0);
    assert_int_equal(reliable_next_deadline(r), UINT64_MAX);
    assert_int_equal(reliable_take_acks(r, (uint32_t[8]){ 0 }, 8), 0);
    assert_int_equal(reliable_stats(r)->rx_accepted, 2); /* counters survive */
    recv_msg(r, 3, 'a', 1, RELIABLE_RX_ACCEPTED);        /* not a duplicate any more */
    assert_int_equal(reliable_queue_reset(r, NULL, 0), 0);
    struct reliable_packet pkt;
    assert_true(reliable_next_to_send(r, 0, &pkt));
    assert_int_equal(pkt.msg_id, 0);
    assert_int_equal(pkt.kind, RELIABLE_KIND_RESET);
    reliable_free(r);
}

static void rx_names(void **state)
{
    (void)state;
    assert_string_equal(reliable_rx_name(RELIABLE_RX_ACCEPTED), "accepted");
    assert_string_equal(reliable_rx_name(RELIABLE_RX_DUPLICATE), "duplicate");
    assert_string_equal(reliable_rx_name(RELIABLE_RX_OUT_OF_WINDOW), "out of window");
    assert_string_equal(reliable_rx_name(RELIABLE_RX_NO_ROOM), "no room");
    assert_string_equal(reliable_rx_name(RELIABLE_RX_TOO_BIG), "too big");
    assert_string_equal(reliable_rx_name((enum reliable_rx)99), "unknown");
}

/* ---- two peers over a lossy, reordering, duplicating link ---- */

#define LINK_SLOTS 1024
#define STREAM_LEN (64 * 1024)
#define SIM_LIMIT  (600 * 1000) /* simulated ms */
#define DROP_PCT   30
#define DUP_PCT    5

struct wire_pkt {
    uint64_t at;
    int to;
    bool used;
    bool ack_only;
    uint32_t msg_id;
    size_t len;
    uint8_t payload[BUDGET];
    uint32_t acks[RELIABLE_ACKS_MAX];
    size_t n_acks;
};

struct sim_peer {
    struct reliable *r;
    uint8_t src[STREAM_LEN];
    size_t queued;
    size_t got;
    bool stream_ok;
};

struct sim {
    uint64_t rng;
    uint64_t now;
    struct wire_pkt link[LINK_SLOTS];
    struct sim_peer peer[2];
    uint64_t sent, dropped;
};

static uint32_t sim_rand(struct sim *s)
{
    /* xorshift64*: deterministic for a given seed. */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (uint32_t)((s->rng * 2685821657736338717ULL) >> 32);
}

static void link_put(struct sim *s, const struct wire_pkt *p)
{
    for (size_t i = 0; i < LINK_SLOTS; i++) {
        if (!s->link[i].used) {
            s->link[i] = *p;
            s->link[i].used = true;
            s->link[i].at = s->now + 5 + sim_rand(s) % 150; /* reorders */
            return;
        }
    }
    fail_msg("link overflow");
}

static void link_send(struct sim *s, const struct wire_pkt *p)
{
    s->sent++;
    if (sim_rand(s) % 100 < DROP_PCT) {
        s->dropped++;
        return;
    }
    link_put(s, p);
    if (sim_rand(s) % 100 < DUP_PCT)
        link_put(s, p);
}

static void peer_deliver(struct sim *s, struct sim_peer *me, const struct wire_pkt *p)
{
    for (size_t i = 0; i < p->n_acks; i++)
        reliable_ack_received(me->r, p->acks[i]);
    if (!p->ack_only)
        (void)reliable_receive(me->r, p->msg_id, p->payload, p->len, s->now);
}

/* Reads what arrived, checking it against the other peer's source stream. */
static void peer_read(struct sim_peer *me, const struct sim_peer *other)
{
    uint8_t buf[700];
    size_t n;
    while ((n = reliable_read(me->r, buf, sizeof(buf))) > 0) {
        if (me->got + n > STREAM_LEN || memcmp(buf, other->src + me->got, n) != 0)
            me->stream_ok = false;
        me->got += n;
    }
}

static void peer_transmit(struct sim *s, int idx)
{
    struct sim_peer *me = &s->peer[idx];
    size_t acc = 0;
    assert_int_equal(reliable_queue(me->r, RELIABLE_KIND_CONTROL, me->src + me->queued,
                                    STREAM_LEN - me->queued, BUDGET, &acc),
                     0);
    me->queued += acc;
    struct reliable_packet pkt;
    static struct wire_pkt w;
    while (reliable_next_to_send(me->r, s->now, &pkt)) {
        memset(&w, 0, sizeof(w));
        w.to = 1 - idx;
        w.msg_id = pkt.msg_id;
        assert_true(pkt.len <= BUDGET);
        memcpy(w.payload, pkt.payload, pkt.len);
        w.len = pkt.len;
        memcpy(w.acks, pkt.acks, sizeof(w.acks));
        w.n_acks = pkt.n_acks;
        link_send(s, &w);
    }
    if (reliable_ack_deadline(me->r) <= s->now) {
        memset(&w, 0, sizeof(w));
        w.to = 1 - idx;
        w.ack_only = true;
        w.n_acks = reliable_take_acks(me->r, w.acks, RELIABLE_ACKS_MAX);
        link_send(s, &w);
    }
}

static uint64_t sim_next_event(const struct sim *s)
{
    uint64_t t = UINT64_MAX;
    for (size_t i = 0; i < LINK_SLOTS; i++) {
        if (s->link[i].used && s->link[i].at < t)
            t = s->link[i].at;
    }
    for (int i = 0; i < 2; i++) {
        uint64_t d = reliable_next_deadline(s->peer[i].r);
        t = d < t ? d : t;
    }
    return t;
}

static bool sim_done(const struct sim *s)
{
    return s->peer[0].got == STREAM_LEN && s->peer[1].got == STREAM_LEN;
}

static void sim_step(struct sim *s)
{
    for (size_t i = 0; i < LINK_SLOTS; i++) {
        struct wire_pkt *p = &s->link[i];
        if (p->used && p->at <= s->now) {
            p->used = false;
            peer_deliver(s, &s->peer[p->to], p);
        }
    }
    for (int i = 0; i < 2; i++) {
        peer_read(&s->peer[i], &s->peer[1 - i]);
        peer_transmit(s, i);
    }
}

static uint64_t run_sim(uint64_t seed)
{
    static struct sim s;
    memset(&s, 0, sizeof(s));
    s.rng = seed;
    for (int i = 0; i < 2; i++) {
        s.peer[i].r = mk();
        s.peer[i].stream_ok = true;
        fill_pattern(s.peer[i].src, STREAM_LEN, (uint32_t)(seed + (uint64_t)i * 77));
        assert_int_equal(reliable_queue_reset(s.peer[i].r, NULL, 0), 0);
        /* The peer's reset (empty) occupies its id 0 of our stream too. */
    }
    while (!sim_done(&s)) {
        sim_step(&s);
        uint64_t next = sim_next_event(&s);
        assert_true(next != UINT64_MAX);
        s.now = next > s.now ? next : s.now + 1;
        assert_true(s.now < SIM_LIMIT);
    }
    for (int i = 0; i < 2; i++) {
        assert_true(s.peer[i].stream_ok);
        assert_int_equal(reliable_stats(s.peer[i].r)->acks_unknown, 0);
        assert_true(reliable_stats(s.peer[i].r)->rx_duplicates > 0);
        assert_true(reliable_stats(s.peer[i].r)->tx_retransmits > 0);
        reliable_free(s.peer[i].r);
    }
    assert_true(s.dropped * 100 > s.sent * (DROP_PCT - 5));
    return s.now;
}

static void two_peers_survive_a_lossy_link(void **state)
{
    (void)state;
    const uint64_t seeds[] = { 1, 0x9e3779b97f4a7c15ULL, 42, 2024, 77777 };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        uint64_t t = run_sim(seeds[i]);
        print_message("seed %zu: 64 KiB each way in %llu simulated ms\n", i, (unsigned long long)t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_are_validated),
        cmocka_unit_test(fresh_instance_is_idle),
        cmocka_unit_test(reset_takes_id_zero_once),
        cmocka_unit_test(empty_reset_is_one_message),
        cmocka_unit_test(queue_rejects_bad_arguments),
        cmocka_unit_test(flight_of_5000_bytes_is_fragmented_to_the_budget),
        cmocka_unit_test(small_budget_flight_waits_for_acks),
        cmocka_unit_test(full_window_refuses_until_the_lowest_is_acked),
        cmocka_unit_test(bad_acks_are_ignored_and_counted),
        cmocka_unit_test(retransmit_deadlines_double),
        cmocka_unit_test(retransmit_timeout_respects_the_cap),
        cmocka_unit_test(deadlines_saturate_near_the_end_of_time),
        cmocka_unit_test(each_message_has_its_own_timer),
        cmocka_unit_test(acks_for_three_higher_ids_trigger_a_fast_resend),
        cmocka_unit_test(kind_survives_retransmission),
        cmocka_unit_test(in_order_delivery),
        cmocka_unit_test(out_of_order_delivery_waits_for_the_gap),
        cmocka_unit_test(partial_reads_keep_the_stream),
        cmocka_unit_test(duplicates_are_acked_again_but_delivered_once),
        cmocka_unit_test(ids_beyond_the_window_are_dropped_unacked),
        cmocka_unit_test(unread_bytes_hold_the_window),
        cmocka_unit_test(oversize_or_null_payload_is_refused),
        cmocka_unit_test(acks_piggyback_new_first_then_recent),
        cmocka_unit_test(recent_list_keeps_the_newest_eight),
        cmocka_unit_test(ack_deadline_follows_the_oldest_pending),
        cmocka_unit_test(no_piggyback_when_configured_off),
        cmocka_unit_test(stateless_server_starts_at_one),
        cmocka_unit_test(reset_restarts_both_sequences),
        cmocka_unit_test(rx_names),
        cmocka_unit_test(two_peers_survive_a_lossy_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
