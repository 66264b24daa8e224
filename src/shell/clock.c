/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "clock.h"

#include <time.h>

/*
 * Both clocks only fail for an unknown clock id, so the fallback covers old kernels; if even
 * CLOCK_MONOTONIC failed, ts stays zero and time simply stands still rather than going backwards.
 */
static struct timespec steady_now(void)
{
    struct timespec ts = { 0, 0 };
    if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

uint64_t clock_now_ms(void)
{
    struct timespec ts = steady_now();
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t clock_now_us(void)
{
    struct timespec ts = steady_now();
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int clock_utc_offset_s(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!localtime_r(&tt, &tm))
        return 0;
    return (int)tm.tm_gmtoff;
}

int64_t clock_wall_s(void)
{
    struct timespec ts = { 0, 0 };
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}
