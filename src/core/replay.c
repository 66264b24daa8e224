/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay window, protocol-data.md §5.2 and protocol-control.md §3.5.
 *
 * openvpn keeps the arrival time of each of the last n ids and, every 5 s, walks them from the
 * newest down: from the first accepted id that arrived more than t seconds ago, it and every
 * older slot become "expired". Arrival times of ids that raised H grow with the id, and an id
 * accepted late always arrived after the id that first raised H past it. So the oldest arrival
 * among accepted ids above x is the arrival of the first id that raised H past x, and "x is
 * expired" is exactly "H moved past x more than t seconds ago". That one time per slot is what
 * `passed` stores; the check is then O(1) and needs no periodic reaping.
 */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

static uint32_t seconds(uint64_t now_ms)
{
    return (uint32_t)(now_ms / 1000u);
}

static size_t bitmap_words(uint32_t window)
{
    return ((size_t)window + 63u) / 64u;
}

int replay_init(struct replay *r, unsigned window, unsigned backtrack, bool long_form)
{
    memset(r, 0, sizeof(*r));
    if (window > REPLAY_WINDOW_MAX || backtrack > REPLAY_TIME_MAX)
        return REPLAY_ERR_PARAM;
    r->window = window;
    r->backtrack = backtrack;
    r->long_form = long_form;
    if (window == 0)
        return REPLAY_OK;
    r->seen = calloc(bitmap_words(window), sizeof(*r->seen));
    r->passed = calloc(window, sizeof(*r->passed));
    if (!r->seen || !r->passed) {
        replay_cleanup(r);
        return REPLAY_ERR_NOMEM;
    }
    return REPLAY_OK;
}

void replay_cleanup(struct replay *r)
{
    if (!r)
        return;
    free(r->seen);
    free(r->passed);
    r->seen = NULL;
    r->passed = NULL;
    r->window = 0;
    r->high = 0;
}

void replay_reset(struct replay *r)
{
    r->time = 0;
    r->high = 0;
    if (r->seen)
        memset(r->seen, 0, bitmap_words(r->window) * sizeof(*r->seen));
    if (r->passed)
        memset(r->passed, 0, (size_t)r->window * sizeof(*r->passed));
}

uint32_t replay_high(const struct replay *r)
{
    return r->high;
}

uint32_t replay_time(const struct replay *r)
{
    return r->time;
}

/* ---- slots ---- */

static bool slot_seen(const struct replay *r, uint32_t id)
{
    uint32_t s = id % r->window;

    return (r->seen[s / 64u] >> (s % 64u)) & 1u;
}

static void slot_mark(struct replay *r, uint32_t id, uint32_t now_s)
{
    uint32_t s = id % r->window;

    r->seen[s / 64u] |= (uint64_t)1 << (s % 64u);
    r->passed[s] = now_s;
}

/* id becomes a gap below the new H: not seen, passed now. */
static void slot_clear(struct replay *r, uint32_t id, uint32_t now_s)
{
    uint32_t s = id % r->window;

    r->seen[s / 64u] &= ~((uint64_t)1 << (s % 64u));
    r->passed[s] = now_s;
}

static void slots_clear_all(struct replay *r, uint32_t now_s)
{
    memset(r->seen, 0, bitmap_words(r->window) * sizeof(*r->seen));
    for (uint32_t i = 0; i < r->window; i++)
        r->passed[i] = now_s;
}

/* ---- check ---- */

static int check_strict(const struct replay *r, uint32_t id, bool new_sequence)
{
    if (new_sequence)
        return id == 1 ? REPLAY_OK : REPLAY_ERR_GAP;
    return (r->high == 0 || id == r->high + 1) ? REPLAY_OK : REPLAY_ERR_GAP;
}

static bool too_late(const struct replay *r, uint32_t id, uint32_t now_s)
{
    uint32_t passed = r->passed[id % r->window];

    /* A clock that went backwards never expires anything. */
    return r->backtrack != 0 && now_s > passed && now_s - passed > r->backtrack;
}

static int check_window(const struct replay *r, uint32_t id, uint32_t now_s)
{
    if (id > r->high)
        return REPLAY_OK;
    if (r->high - id >= r->window)
        return REPLAY_ERR_TOO_OLD;
    if (slot_seen(r, id))
        return REPLAY_ERR_DUPLICATE;
    return too_late(r, id, now_s) ? REPLAY_ERR_EXPIRED : REPLAY_OK;
}

int replay_check(const struct replay *r, uint32_t id, uint32_t time, uint64_t now_ms)
{
    bool new_sequence = false;

    if (id == 0)
        return REPLAY_ERR_ZERO_ID;
    if (r->long_form && time != r->time) {
        if (time < r->time)
            return REPLAY_ERR_TIME_BACK;
        new_sequence = true;
    }
    if (r->window == 0)
        return check_strict(r, id, new_sequence);
    if (new_sequence)
        return REPLAY_OK;
    return check_window(r, id, seconds(now_ms));
}

/* ---- commit ---- */

static void advance(struct replay *r, uint32_t id, uint32_t now_s)
{
    uint32_t gap = id - r->high;

    if (gap >= r->window) {
        slots_clear_all(r, now_s);
    } else {
        for (uint32_t y = r->high + 1; y != id; y++)
            slot_clear(r, y, now_s);
    }
    r->high = id;
}

int replay_commit(struct replay *r, uint32_t id, uint32_t time, uint64_t now_ms)
{
    int rc = replay_check(r, id, time, now_ms);
    uint32_t now_s = seconds(now_ms);

    if (rc)
        return rc;
    if (r->long_form && time != r->time) {
        replay_reset(r);
        r->time = time;
    }
    if (r->window == 0) {
        r->high = id;
        return REPLAY_OK;
    }
    if (id > r->high)
        advance(r, id, now_s);
    slot_mark(r, id, now_s);
    return REPLAY_OK;
}

const char *replay_strerror(int err)
{
    switch (err) {
    case REPLAY_OK:
        return "ok";
    case REPLAY_ERR_ZERO_ID:
        return "packet-id 0";
    case REPLAY_ERR_TIME_BACK:
        return "packet-id time went backwards";
    case REPLAY_ERR_DUPLICATE:
        return "replayed packet-id";
    case REPLAY_ERR_TOO_OLD:
        return "packet-id below the replay window";
    case REPLAY_ERR_EXPIRED:
        return "packet-id older than the replay time window";
    case REPLAY_ERR_GAP:
        return "packet-id out of sequence";
    case REPLAY_ERR_PARAM:
        return "bad replay-window parameters";
    case REPLAY_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown";
    }
}
