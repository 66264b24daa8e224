/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's clocks (shell: the only place that reads time). Core modules get `now` from here
 * through their callers and never read a clock themselves.
 *
 * Timers use CLOCK_BOOTTIME: like CLOCK_MONOTONIC it never jumps when the wall clock is set, but
 * it keeps counting while the machine is suspended. A VPN cares about elapsed real time: after a
 * laptop resumes from a long sleep, keepalive (--ping-restart), --reneg-sec and hand-window
 * deadlines must be seen as passed so the tunnel is re-established at once, not after another
 * full timeout. If the kernel lacks CLOCK_BOOTTIME (before Linux 2.6.39) CLOCK_MONOTONIC is used.
 */
#ifndef SLUICE_CLOCK_H
#define SLUICE_CLOCK_H

#include <stdint.h>

/* Milliseconds since an arbitrary fixed point (boot); never decreases. For timerq deadlines. */
uint64_t clock_now_ms(void);

/* Microseconds on the same clock as clock_now_ms(). */
uint64_t clock_now_us(void);

/* Wall-clock time in seconds since the Unix epoch (for status files and log stamps only). */
int64_t clock_wall_s(void);

/* Seconds to add to UTC for local time at Unix time t (the zone's offset, DST included). */
int clock_utc_offset_s(int64_t t);

#endif
