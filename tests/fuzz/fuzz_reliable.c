/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives one reliable instance with a sequence of operations decoded from the fuzz input
 * (received messages with arbitrary ids and payloads, ack blocks, reads, sends, clock jumps) and
 * checks it against a shadow model: every byte read is the next byte of the accepted payloads in
 * id order, each id is accepted once, acks only name received ids, sent payloads are the queued
 * bytes, and deadlines announce every send.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "reliable.h"

#define PAYLOAD_MAX 64
#define SHADOW_IDS  4096

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

struct shadow {
    /* receive side */
    bool have[SHADOW_IDS];
    uint8_t len[SHADOW_IDS];
    uint8_t salt[SHADOW_IDS];
    uint32_t frontier; /* lowest id not yet accepted */
    uint32_t read_id;  /* read cursor: message and offset */
    size_t read_off;
    uint64_t rx_calls;
    /* send side */
    uint32_t tx_ids;   /* messages queued */
    size_t tx_bytes;   /* stream bytes queued */
    bool reset_queued; /* id 0 holds the (empty) reset */
    size_t tx_off[SHADOW_IDS];
    uint8_t tx_len[SHADOW_IDS];
    size_t piggyback;
    uint64_t now;
};

static uint8_t rx_byte(uint32_t id, uint8_t salt, size_t i)
{
    return (uint8_t)(salt ^ (id * 31u) ^ (i * 7u));
}

static uint8_t tx_byte(size_t off)
{
    return (uint8_t)((off * 13u) ^ (off >> 7));
}

/* Ids near the window edges most of the time, anything at all otherwise. */
static uint32_t pick_id(struct buf_reader *in, const struct shadow *s)
{
    uint8_t mode = buf_read_u8(in);
    if (mode < 200) {
        int64_t id = (int64_t)s->frontier + (mode % 40) - 14;
        return id < 0 ? 0 : (uint32_t)id;
    }
    return buf_read_u32(in);
}

static void check_ack_ids(const struct shadow *s, const uint32_t *ids, size_t n, size_t max)
{
    CHECK(n <= max && n <= RELIABLE_ACKS_MAX);
    for (size_t i = 0; i < n; i++) {
        CHECK(ids[i] < SHADOW_IDS && s->have[ids[i]]);
        for (size_t j = 0; j < i; j++)
            CHECK(ids[i] != ids[j]);
    }
}

/* Moves the shadow cursor over messages consumed entirely (or empty). */
static void shadow_skip_done(struct shadow *s)
{
    while (s->read_id < s->frontier && s->read_off == s->len[s->read_id]) {
        s->read_id++;
        s->read_off = 0;
    }
}

static void op_receive(struct reliable *r, struct shadow *s, struct buf_reader *in)
{
    uint8_t payload[PAYLOAD_MAX + 16];
    uint32_t id = pick_id(in, s);
    size_t len = buf_read_u8(in) % sizeof(payload);
    uint8_t salt = buf_read_u8(in);
    for (size_t i = 0; i < len; i++)
        payload[i] = rx_byte(id, salt, i);
    bool had = id < SHADOW_IDS && s->have[id];
    enum reliable_rx res = reliable_receive(r, id, payload, len, s->now);
    s->rx_calls++;
    switch (res) {
    case RELIABLE_RX_ACCEPTED:
        CHECK(!had && id < SHADOW_IDS && len <= PAYLOAD_MAX);
        CHECK((uint64_t)id < (uint64_t)s->frontier + RELIABLE_RECV_WINDOW);
        s->have[id] = true;
        s->len[id] = (uint8_t)len;
        s->salt[id] = salt;
        CHECK((uint64_t)id < (uint64_t)s->read_id + RELIABLE_RECV_WINDOW);
        while (s->frontier < SHADOW_IDS && s->have[s->frontier])
            s->frontier++;
        shadow_skip_done(s);
        break;
    case RELIABLE_RX_DUPLICATE:
        CHECK(had);
        break;
    case RELIABLE_RX_OUT_OF_WINDOW:
        CHECK((uint64_t)id >= (uint64_t)s->frontier + RELIABLE_RECV_WINDOW);
        break;
    case RELIABLE_RX_NO_ROOM:
        CHECK(!had && (uint64_t)id >= (uint64_t)s->read_id + RELIABLE_RECV_WINDOW);
        CHECK((uint64_t)id < (uint64_t)s->frontier + RELIABLE_RECV_WINDOW);
        break;
    case RELIABLE_RX_TOO_BIG:
        CHECK(len > PAYLOAD_MAX);
        break;
    }
}

static void op_read(struct reliable *r, struct shadow *s, struct buf_reader *in)
{
    uint8_t out[256];
    size_t cap = buf_read_u8(in);
    size_t avail = reliable_readable(r);
    size_t n = reliable_read(r, out, cap);
    CHECK(n <= cap && n == (avail < cap ? avail : cap));
    for (size_t i = 0; i < n; i++) {
        shadow_skip_done(s);
        CHECK(s->read_id < s->frontier);
        CHECK(out[i] == rx_byte(s->read_id, s->salt[s->read_id], s->read_off));
        s->read_off++;
    }
    shadow_skip_done(s);
}

static void op_acks(struct reliable *r, struct shadow *s, struct buf_reader *in)
{
    size_t n = buf_read_u8(in) % (RELIABLE_ACKS_MAX + 1);
    for (size_t i = 0; i < n && buf_reader_ok(in); i++) {
        uint8_t mode = buf_read_u8(in);
        uint32_t id = mode < 200 ? (uint32_t)(s->tx_ids > 0 ? (s->tx_ids - 1 - mode % 8) : mode)
                                 : buf_read_u32(in);
        bool freed = reliable_ack_received(r, id);
        CHECK(!freed || id < s->tx_ids);
    }
}

static void op_take_acks(struct reliable *r, const struct shadow *s, struct buf_reader *in)
{
    uint32_t ids[RELIABLE_ACKS_MAX];
    size_t max = buf_read_u8(in) % 12;
    size_t n = reliable_take_acks(r, ids, max);
    check_ack_ids(s, ids, n, max);
}

static void op_queue(struct reliable *r, struct shadow *s, struct buf_reader *in)
{
    static uint8_t data[2048];
    size_t len = buf_read_u16(in) % sizeof(data);
    size_t budget = buf_read_u8(in) % (PAYLOAD_MAX + 2);
    for (size_t i = 0; i < len; i++)
        data[i] = tx_byte(s->tx_bytes + i);
    size_t acc = 0, room = reliable_send_room(r, budget);
    int rc = reliable_queue(r, RELIABLE_KIND_CONTROL, data, len, budget, &acc);
    if (budget == 0 || budget > PAYLOAD_MAX) {
        CHECK(rc == RELIABLE_ERR_PARAM && acc == 0 && room == 0);
        return;
    }
    CHECK(rc == 0 && acc <= len && acc == (room < len ? room : len));
    for (size_t done = 0; done < acc && s->tx_ids < SHADOW_IDS; s->tx_ids++) {
        size_t n = acc - done < budget ? acc - done : budget;
        s->tx_off[s->tx_ids] = s->tx_bytes + done;
        s->tx_len[s->tx_ids] = (uint8_t)n;
        done += n;
    }
    s->tx_bytes += acc;
}

static void check_packet(const struct shadow *s, const struct reliable_packet *p)
{
    CHECK(p->msg_id < s->tx_ids);
    check_ack_ids(s, p->acks, p->n_acks, s->piggyback);
    if (p->msg_id == 0 && s->reset_queued) {
        CHECK(p->kind == RELIABLE_KIND_RESET && p->len == 0);
        return;
    }
    CHECK(p->kind == RELIABLE_KIND_CONTROL && p->len == s->tx_len[p->msg_id]);
    for (size_t i = 0; i < p->len; i++)
        CHECK(p->payload[i] == tx_byte(s->tx_off[p->msg_id] + i));
}

static void op_send(struct reliable *r, struct shadow *s, struct buf_reader *in)
{
    s->now += buf_read_u16(in);
    struct reliable_packet pkt;
    uint64_t due = reliable_next_deadline(r);
    bool any = false;
    while (reliable_next_to_send(r, s->now, &pkt)) {
        check_packet(s, &pkt);
        any = true;
    }
    CHECK(!any || due <= s->now);
    CHECK(reliable_next_deadline(r) > s->now || reliable_ack_deadline(r) <= s->now);
}

static void op_lifecycle(struct reliable *r, struct shadow *s, struct buf_reader *in)
{
    uint8_t what = buf_read_u8(in) % 3;
    bool fresh = s->tx_ids == 0 && s->frontier == 0 && reliable_pending_acks(r) == 0;
    if (what == 0) {
        CHECK((reliable_queue_reset(r, NULL, 0) == 0) == (s->tx_ids == 0));
        if (s->tx_ids == 0) {
            s->reset_queued = true;
            s->tx_ids = 1;
        }
    } else if (what == 1) {
        CHECK((reliable_skip_resets(r) == 0) == fresh);
        if (fresh) {
            s->have[0] = true;
            s->frontier = s->read_id = 1;
            s->tx_ids = 1;
        }
    } else {
        reliable_reset(r);
        uint64_t now = s->now, rx_calls = s->rx_calls;
        size_t piggyback = s->piggyback;
        memset(s, 0, sizeof(*s));
        s->now = now;
        s->rx_calls = rx_calls;
        s->piggyback = piggyback;
    }
}

static struct reliable *make(struct buf_reader *in, struct shadow *s)
{
    struct reliable_params p;
    reliable_params_default(&p);
    p.send_payload_max = p.recv_payload_max = PAYLOAD_MAX;
    p.initial_timeout_ms = 1 + buf_read_u8(in) * 16u;
    p.max_timeout_ms = buf_read_u8(in) & 1 ? p.initial_timeout_ms * 8 : 0;
    p.ack_delay_ms = buf_read_u8(in);
    p.piggyback_acks_max = buf_read_u8(in) % (RELIABLE_ACKS_MAX + 1);
    s->piggyback = p.piggyback_acks_max;
    return reliable_new(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct shadow s;
    memset(&s, 0, sizeof(s));
    struct buf_reader in;
    buf_reader_init(&in, data, size);
    struct reliable *r = make(&in, &s);
    CHECK(r != NULL);
    while (buf_remaining(&in) > 0 && s.frontier < SHADOW_IDS - 64 && s.tx_ids < SHADOW_IDS - 64) {
        switch (buf_read_u8(&in) % 7) {
        case 0:
        case 1:
            op_receive(r, &s, &in);
            break;
        case 2:
            op_read(r, &s, &in);
            break;
        case 3:
            op_acks(r, &s, &in);
            break;
        case 4:
            op_take_acks(r, &s, &in);
            break;
        case 5:
            op_queue(r, &s, &in);
            op_send(r, &s, &in);
            break;
        default:
            if (buf_read_u8(&in) < 16)
                op_lifecycle(r, &s, &in);
            else
                op_send(r, &s, &in);
            break;
        }
    }
    const struct reliable_stats *st = reliable_stats(r);
    CHECK(st->rx_accepted + st->rx_duplicates + st->rx_out_of_window + st->rx_no_room +
              st->rx_too_big ==
          s.rx_calls);
    reliable_free(r);
    return 0;
}
