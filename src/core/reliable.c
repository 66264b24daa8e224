/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control-channel reliability (../shared/docs/protocol-control.md §7). Both windows are rings
 * indexed by message id modulo their size: the send ring covers [tx_base, tx_base + 6) and the
 * receive ring [rx_base, rx_base + 12), so an id in the window always owns exactly one slot and no
 * search or allocation happens per packet. Ids are kept in 64-bit counters so that window ends
 * computed from hostile u32 ids never wrap.
 */
#include "reliable.h"

#include <stdlib.h>
#include <string.h>

enum tx_state {
    TX_FREE,
    TX_QUEUED, /* numbered, never sent */
    TX_SENT,   /* sent, waiting for its ack */
    TX_ACKED,  /* acknowledged, but a lower id is not yet: the window cannot move past it */
};

struct tx_slot {
    uint8_t *buf;
    size_t len;
    enum reliable_kind kind;
    enum tx_state state;
    uint64_t next_try;
    uint64_t timeout; /* wait after the next send */
    unsigned higher_acks;
};

struct rx_slot {
    uint8_t *buf;
    size_t len;
    size_t off; /* bytes already read */
    bool full;
};

struct reliable {
    struct reliable_params p;
    struct reliable_stats st;
    struct tx_slot tx[RELIABLE_SEND_WINDOW];
    uint64_t tx_base; /* lowest unacknowledged id (== tx_next when none) */
    uint64_t tx_next; /* id of the next message queued */
    struct rx_slot rx[RELIABLE_RECV_WINDOW];
    uint64_t rx_base; /* lowest id not yet fully read */
    uint64_t rx_next; /* lowest id not yet received */
    uint32_t pending[RELIABLE_ACKS_MAX];
    size_t n_pending;
    uint64_t pending_since;
    uint32_t mru[RELIABLE_ACKS_MAX]; /* recently sent ack ids, newest first */
    size_t n_mru;
    uint8_t mem[];
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

void reliable_params_default(struct reliable_params *p)
{
    memset(p, 0, sizeof(*p));
    p->send_payload_max = 1250;
    p->recv_payload_max = 2048;
    p->initial_timeout_ms = RELIABLE_DEFAULT_TIMEOUT_MS;
    p->max_timeout_ms = 0;
    p->ack_delay_ms = 0;
    p->piggyback_acks_max = RELIABLE_PIGGYBACK_ACKS;
}

static bool params_valid(const struct reliable_params *p)
{
    if (p->send_payload_max == 0 || p->send_payload_max > RELIABLE_PAYLOAD_LIMIT)
        return false;
    if (p->recv_payload_max == 0 || p->recv_payload_max > RELIABLE_PAYLOAD_LIMIT)
        return false;
    if (p->initial_timeout_ms == 0)
        return false;
    if (p->max_timeout_ms != 0 && p->max_timeout_ms < p->initial_timeout_ms)
        return false;
    return p->piggyback_acks_max <= RELIABLE_ACKS_MAX;
}

/* Clears all protocol state; slot buffers stay where they are. */
static void clear_state(struct reliable *r)
{
    for (size_t i = 0; i < RELIABLE_SEND_WINDOW; i++) {
        uint8_t *buf = r->tx[i].buf;
        memset(&r->tx[i], 0, sizeof(r->tx[i]));
        r->tx[i].buf = buf;
    }
    for (size_t i = 0; i < RELIABLE_RECV_WINDOW; i++) {
        uint8_t *buf = r->rx[i].buf;
        memset(&r->rx[i], 0, sizeof(r->rx[i]));
        r->rx[i].buf = buf;
    }
    r->tx_base = r->tx_next = 0;
    r->rx_base = r->rx_next = 0;
    r->n_pending = 0;
    r->pending_since = 0;
    r->n_mru = 0;
}

struct reliable *reliable_new(const struct reliable_params *p)
{
    if (!p || !params_valid(p))
        return NULL;
    /* Bounded by the params check: at most 18 * RELIABLE_PAYLOAD_LIMIT bytes. */
    size_t tx_bytes = RELIABLE_SEND_WINDOW * p->send_payload_max;
    size_t rx_bytes = RELIABLE_RECV_WINDOW * p->recv_payload_max;
    struct reliable *r = calloc(1, sizeof(*r) + tx_bytes + rx_bytes);
    if (!r)
        return NULL;
    r->p = *p;
    for (size_t i = 0; i < RELIABLE_SEND_WINDOW; i++)
        r->tx[i].buf = r->mem + i * p->send_payload_max;
    for (size_t i = 0; i < RELIABLE_RECV_WINDOW; i++)
        r->rx[i].buf = r->mem + tx_bytes + i * p->recv_payload_max;
    clear_state(r);
    return r;
}

void reliable_free(struct reliable *r)
{
    free(r);
}

void reliable_reset(struct reliable *r)
{
    clear_state(r);
}

int reliable_skip_resets(struct reliable *r)
{
    if (r->tx_next != 0 || r->rx_next != 0 || r->n_pending != 0)
        return RELIABLE_ERR_STATE;
    r->tx_base = r->tx_next = 1;
    r->rx_base = r->rx_next = 1;
    return RELIABLE_OK;
}

/* ---- send side ---- */

static struct tx_slot *tx_slot(struct reliable *r, uint64_t id)
{
    return &r->tx[id % RELIABLE_SEND_WINDOW];
}

static const struct tx_slot *tx_slot_c(const struct reliable *r, uint64_t id)
{
    return &r->tx[id % RELIABLE_SEND_WINDOW];
}

/* Messages that may still be created: the window from tx_base, and the u32 id space. */
static uint64_t tx_free_ids(const struct reliable *r)
{
    uint64_t window = r->tx_base + RELIABLE_SEND_WINDOW - r->tx_next;
    uint64_t id_space = (uint64_t)UINT32_MAX + 1 - r->tx_next;
    return min_u64(window, id_space);
}

static void tx_push(struct reliable *r, enum reliable_kind kind, const uint8_t *data, size_t len)
{
    struct tx_slot *s = tx_slot(r, r->tx_next);
    if (len)
        memcpy(s->buf, data, len);
    s->len = len;
    s->kind = kind;
    s->state = TX_QUEUED;
    s->next_try = 0;
    s->timeout = r->p.initial_timeout_ms;
    s->higher_acks = 0;
    r->tx_next++;
}

int reliable_queue_reset(struct reliable *r, const uint8_t *payload, size_t len)
{
    if (len && !payload)
        return RELIABLE_ERR_PARAM;
    if (r->tx_next != 0)
        return RELIABLE_ERR_STATE;
    if (len > r->p.send_payload_max)
        return RELIABLE_ERR_TOOBIG;
    tx_push(r, RELIABLE_KIND_RESET, payload, len);
    return RELIABLE_OK;
}

int reliable_queue(struct reliable *r, enum reliable_kind kind, const uint8_t *data, size_t len,
                   size_t budget, size_t *accepted)
{
    *accepted = 0;
    if (kind != RELIABLE_KIND_CONTROL && kind != RELIABLE_KIND_CONTROL_WKC)
        return RELIABLE_ERR_PARAM;
    if ((len && !data) || budget == 0 || budget > r->p.send_payload_max)
        return RELIABLE_ERR_PARAM;
    if (len && r->tx_next > UINT32_MAX)
        return RELIABLE_ERR_EXHAUSTED;
    size_t done = 0;
    while (done < len && tx_free_ids(r) > 0) {
        size_t n = min_size(len - done, budget);
        tx_push(r, kind, data + done, n);
        done += n;
    }
    *accepted = done;
    return RELIABLE_OK;
}

size_t reliable_send_room(const struct reliable *r, size_t budget)
{
    if (budget == 0 || budget > r->p.send_payload_max)
        return 0;
    /* At most 6 * RELIABLE_PAYLOAD_LIMIT: no overflow. */
    return (size_t)tx_free_ids(r) * budget;
}

size_t reliable_unacked(const struct reliable *r)
{
    size_t n = 0;
    for (uint64_t id = r->tx_base; id < r->tx_next; id++)
        n += tx_slot_c(r, id)->state != TX_ACKED;
    return n;
}

bool reliable_is_acked(const struct reliable *r, uint32_t id)
{
    if (id < r->tx_base)
        return true;
    return id < r->tx_next && tx_slot_c(r, id)->state == TX_ACKED;
}

static bool tx_due(const struct tx_slot *s, uint64_t now)
{
    if (s->state == TX_QUEUED)
        return true;
    if (s->state != TX_SENT)
        return false;
    return s->next_try <= now || s->higher_acks >= RELIABLE_FAST_RETRANSMIT_ACKS;
}

static uint64_t next_timeout(const struct reliable *r, uint64_t t)
{
    uint64_t d = add_sat(t, t);
    if (r->p.max_timeout_ms != 0 && d > r->p.max_timeout_ms)
        d = r->p.max_timeout_ms;
    return d;
}

static void tx_mark_sent(struct reliable *r, struct tx_slot *s, uint64_t now)
{
    if (s->state == TX_QUEUED)
        r->st.tx_messages++;
    else if (s->next_try > now)
        r->st.tx_fast_retransmits++;
    else
        r->st.tx_retransmits++;
    s->state = TX_SENT;
    s->next_try = add_sat(now, s->timeout);
    s->timeout = next_timeout(r, s->timeout);
    s->higher_acks = 0;
}

bool reliable_next_to_send(struct reliable *r, uint64_t now, struct reliable_packet *out)
{
    for (uint64_t id = r->tx_base; id < r->tx_next; id++) {
        struct tx_slot *s = tx_slot(r, id);
        if (!tx_due(s, now))
            continue;
        out->retransmit = s->state == TX_SENT;
        tx_mark_sent(r, s, now);
        out->kind = s->kind;
        out->msg_id = (uint32_t)id;
        out->payload = s->buf;
        out->len = s->len;
        out->n_acks = reliable_take_acks(r, out->acks, r->p.piggyback_acks_max);
        return true;
    }
    return false;
}

/* A fresh ack for `acked` counts towards the fast retransmit of every lower id still in flight. */
static void tx_count_higher_ack(struct reliable *r, uint64_t acked)
{
    for (uint64_t id = r->tx_base; id < acked; id++) {
        struct tx_slot *s = tx_slot(r, id);
        if (s->state == TX_SENT && s->higher_acks < RELIABLE_FAST_RETRANSMIT_ACKS)
            s->higher_acks++;
    }
}

bool reliable_ack_received(struct reliable *r, uint32_t id)
{
    if (id >= r->tx_next) {
        r->st.acks_unknown++;
        return false;
    }
    struct tx_slot *s = tx_slot(r, id);
    if (id < r->tx_base || s->state == TX_ACKED) {
        r->st.acks_duplicate++;
        return false;
    }
    if (s->state != TX_SENT) {
        r->st.acks_unknown++;
        return false;
    }
    s->state = TX_ACKED;
    r->st.acks_fresh++;
    tx_count_higher_ack(r, id);
    while (r->tx_base < r->tx_next && tx_slot(r, r->tx_base)->state == TX_ACKED) {
        tx_slot(r, r->tx_base)->state = TX_FREE;
        r->tx_base++;
    }
    return true;
}

/* ---- acknowledgements ---- */

static bool ids_contain(const uint32_t *ids, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id)
            return true;
    }
    return false;
}

static void ack_queue(struct reliable *r, uint32_t id, uint64_t now)
{
    if (ids_contain(r->pending, r->n_pending, id))
        return;
    if (r->n_pending == RELIABLE_ACKS_MAX) {
        r->st.acks_overflow++;
        return;
    }
    if (r->n_pending == 0)
        r->pending_since = now;
    r->pending[r->n_pending++] = id;
}

/* Moves id to the front of the most-recently-acked list. */
static void mru_push(struct reliable *r, uint32_t id)
{
    size_t i = 0;
    while (i < r->n_mru && r->mru[i] != id)
        i++;
    if (i == r->n_mru && r->n_mru < RELIABLE_ACKS_MAX)
        r->n_mru++;
    if (i == r->n_mru)
        i--;
    memmove(&r->mru[1], &r->mru[0], i * sizeof(r->mru[0]));
    r->mru[0] = id;
}

size_t reliable_take_acks(struct reliable *r, uint32_t *ids, size_t max)
{
    max = min_size(max, RELIABLE_ACKS_MAX);
    size_t n = min_size(r->n_pending, max);
    for (size_t i = 0; i < n; i++) {
        ids[i] = r->pending[i];
        mru_push(r, ids[i]);
    }
    r->n_pending -= n;
    memmove(&r->pending[0], &r->pending[n], r->n_pending * sizeof(r->pending[0]));
    for (size_t i = 0; i < r->n_mru && n < max; i++) {
        if (!ids_contain(ids, n, r->mru[i]))
            ids[n++] = r->mru[i];
    }
    return n;
}

size_t reliable_pending_acks(const struct reliable *r)
{
    return r->n_pending;
}

uint64_t reliable_ack_deadline(const struct reliable *r)
{
    if (r->n_pending == 0)
        return UINT64_MAX;
    return add_sat(r->pending_since, r->p.ack_delay_ms);
}

uint64_t reliable_next_deadline(const struct reliable *r)
{
    uint64_t d = reliable_ack_deadline(r);
    for (uint64_t id = r->tx_base; id < r->tx_next; id++) {
        const struct tx_slot *s = tx_slot_c(r, id);
        if (s->state == TX_QUEUED)
            return 0;
        if (s->state != TX_SENT)
            continue;
        if (s->higher_acks >= RELIABLE_FAST_RETRANSMIT_ACKS)
            return 0;
        d = min_u64(d, s->next_try);
    }
    return d;
}

/* ---- receive side ---- */

static struct rx_slot *rx_slot(struct reliable *r, uint64_t id)
{
    return &r->rx[id % RELIABLE_RECV_WINDOW];
}

static const struct rx_slot *rx_slot_c(const struct reliable *r, uint64_t id)
{
    return &r->rx[id % RELIABLE_RECV_WINDOW];
}

/* Frees delivered messages that were read completely (or were empty) and moves the window. */
static void rx_release(struct reliable *r)
{
    while (r->rx_base < r->rx_next) {
        struct rx_slot *s = rx_slot(r, r->rx_base);
        if (s->off < s->len)
            return;
        s->full = false;
        s->len = s->off = 0;
        r->rx_base++;
    }
}

static void rx_store(struct reliable *r, uint64_t id, const uint8_t *payload, size_t len)
{
    struct rx_slot *s = rx_slot(r, id);
    if (len)
        memcpy(s->buf, payload, len);
    s->len = len;
    s->off = 0;
    s->full = true;
    while (r->rx_next < r->rx_base + RELIABLE_RECV_WINDOW && rx_slot(r, r->rx_next)->full)
        r->rx_next++;
    rx_release(r);
}

static enum reliable_rx rx_classify(const struct reliable *r, uint64_t id, size_t len,
                                    const uint8_t *payload)
{
    if (len > r->p.recv_payload_max || (len && !payload))
        return RELIABLE_RX_TOO_BIG;
    if (id < r->rx_next)
        return RELIABLE_RX_DUPLICATE;
    if (id >= r->rx_next + RELIABLE_RECV_WINDOW)
        return RELIABLE_RX_OUT_OF_WINDOW;
    if (id >= r->rx_base + RELIABLE_RECV_WINDOW)
        return RELIABLE_RX_NO_ROOM;
    return rx_slot_c(r, id)->full ? RELIABLE_RX_DUPLICATE : RELIABLE_RX_ACCEPTED;
}

enum reliable_rx reliable_receive(struct reliable *r, uint32_t msg_id, const uint8_t *payload,
                                  size_t len, uint64_t now)
{
    enum reliable_rx res = rx_classify(r, msg_id, len, payload);
    switch (res) {
    case RELIABLE_RX_ACCEPTED:
        r->st.rx_accepted++;
        rx_store(r, msg_id, payload, len);
        ack_queue(r, msg_id, now);
        break;
    case RELIABLE_RX_DUPLICATE:
        r->st.rx_duplicates++;
        ack_queue(r, msg_id, now);
        break;
    case RELIABLE_RX_OUT_OF_WINDOW:
        r->st.rx_out_of_window++;
        break;
    case RELIABLE_RX_NO_ROOM:
        r->st.rx_no_room++;
        break;
    case RELIABLE_RX_TOO_BIG:
        r->st.rx_too_big++;
        break;
    }
    return res;
}

size_t reliable_readable(const struct reliable *r)
{
    size_t n = 0;
    for (uint64_t id = r->rx_base; id < r->rx_next; id++) {
        const struct rx_slot *s = rx_slot_c(r, id);
        n += s->len - s->off;
    }
    return n;
}

size_t reliable_read(struct reliable *r, uint8_t *out, size_t cap)
{
    size_t n = 0;
    rx_release(r);
    while (n < cap && r->rx_base < r->rx_next) {
        struct rx_slot *s = rx_slot(r, r->rx_base);
        size_t take = min_size(s->len - s->off, cap - n);
        memcpy(out + n, s->buf + s->off, take);
        s->off += take;
        n += take;
        rx_release(r);
    }
    return n;
}

const struct reliable_stats *reliable_stats(const struct reliable *r)
{
    return &r->st;
}

const char *reliable_rx_name(enum reliable_rx res)
{
    switch (res) {
    case RELIABLE_RX_ACCEPTED:
        return "accepted";
    case RELIABLE_RX_DUPLICATE:
        return "duplicate";
    case RELIABLE_RX_OUT_OF_WINDOW:
        return "out of window";
    case RELIABLE_RX_NO_ROOM:
        return "no room";
    case RELIABLE_RX_TOO_BIG:
        return "too big";
    }
    return "unknown";
}
