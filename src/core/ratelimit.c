/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ratelimit.h"

#include <string.h>

void ratelimit_init(struct ratelimit *rl, uint32_t rate_per_sec, uint32_t burst)
{
    memset(rl, 0, sizeof(*rl));
    rl->rate = rate_per_sec;
    rl->cap = (uint64_t)(burst ? burst : 1) * RATELIMIT_SCALE;
    rl->tokens = rl->cap;
}

/*
 * elapsed * rate can overflow for huge gaps, so compare against the gap that fills the bucket
 * first; below it the product is at most cap + rate, far from 2^64.
 */
static void refill(struct ratelimit *rl, uint64_t now_ms)
{
    if (!rl->started || now_ms < rl->last_ms) {
        rl->started = true;
        rl->last_ms = now_ms;
        return;
    }
    uint64_t elapsed = now_ms - rl->last_ms;
    uint64_t missing = rl->cap - rl->tokens;
    rl->last_ms = now_ms;
    if (elapsed > missing / rl->rate)
        rl->tokens = rl->cap;
    else
        rl->tokens += elapsed * rl->rate;
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms)
{
    if (rl->rate == 0)
        return true;
    refill(rl, now_ms);
    if (rl->tokens >= RATELIMIT_SCALE) {
        rl->tokens -= RATELIMIT_SCALE;
        return true;
    }
    if (rl->suppressed < UINT64_MAX)
        rl->suppressed++;
    return false;
}

uint64_t ratelimit_suppressed(const struct ratelimit *rl)
{
    return rl->suppressed;
}

uint64_t ratelimit_take_suppressed(struct ratelimit *rl)
{
    uint64_t n = rl->suppressed;
    rl->suppressed = 0;
    return n;
}
