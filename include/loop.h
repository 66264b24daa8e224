/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's event loop: one epoll set, one signalfd, one timer queue, no threads.
 *
 * Each iteration: sleep in epoll_wait() until an fd is ready or the earliest timer is due
 * (timerq_timeout_ms), read the clock once (loop_now), call the callback of every ready fd, then
 * pop the expired timers and call the handler registered for each entry's `kind`.
 *
 * Fairness. Callbacks must not run until their fd is empty: a callback moves at most a budget
 * (for the data path: one or a few batches of PKTBUF_BATCH_MAX packets) and returns. Fds are
 * level-triggered by default, so whatever is left is reported again on the next iteration, after
 * the other ready fds and the due timers had their turn; a flood on the UDP socket then cannot
 * starve tun, the management socket or keepalive timers. LOOP_EDGE (edge-triggered) is only for
 * callbacks that always read until EAGAIN: one that stops at a budget would never be woken again
 * for the rest. Timer handlers are bounded too: at most LOOP_TIMER_BUDGET entries per iteration
 * (a handler that reschedules its entry at or before `now` would otherwise spin); the rest run on
 * the next iteration, which then does not sleep.
 *
 * Signals. loop_new() blocks SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 and reads them from a
 * signalfd, so they arrive as ordinary events between callbacks, never inside one; loop_free()
 * restores the previous mask. Standard signals do not queue: two SIGUSR1 sent before the loop
 * reads them are delivered once. SIGPIPE is left alone: sockets that can see a closed peer are
 * written with MSG_NOSIGNAL. Since the mask is per thread, create the loop before any thread
 * (there are none in Sluice) and before forking children that should start with these signals
 * unblocked, or unblock them in the child.
 *
 * Fds are keyed by their number. The loop keeps its own table of registrations (capacity fixed at
 * loop_new), so a callback may remove any fd, its own included, even when that fd's event is
 * still waiting in the current batch: the stale event is recognised and skipped. Dispatching an
 * event is O(1); add/mod/del scan the table, which is meant for the daemon's few fds (sockets,
 * tun, management, signalfd), not thousands.
 */
#ifndef SLUICE_LOOP_H
#define SLUICE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timerq.h"

/* Event bits for loop_add_fd / loop_mod_fd and the callbacks (the EPOLL* values). */
#define LOOP_IN    0x001u  /* EPOLLIN */
#define LOOP_OUT   0x004u  /* EPOLLOUT */
#define LOOP_ERR   0x008u  /* EPOLLERR: always reported, need not be asked for */
#define LOOP_HUP   0x010u  /* EPOLLHUP: always reported, need not be asked for */
#define LOOP_RDHUP 0x2000u /* EPOLLRDHUP: the stream peer closed its side */

/* loop_add_fd flags. */
#define LOOP_EDGE 0x1u /* edge-triggered; see the fairness note above */

/* Most entries handled per iteration by timer handlers. */
#define LOOP_TIMER_BUDGET 1024u

/* Timer kinds are small integers 0 .. LOOP_TIMER_KINDS - 1, each with one handler. */
#define LOOP_TIMER_KINDS 32

/* Most fds a loop can hold (loop_new's argument). */
#define LOOP_FDS_MAX 4096u

struct loop;

/* An fd is ready: `events` holds the LOOP_* bits the kernel reported. */
typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *ctx);

/* One of the loop's signals arrived. */
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *ctx);

/*
 * A timer entry of this kind expired and was removed from the queue (it may be scheduled again
 * from here). `owner` is the entry's owner as given to timerq_entry_init().
 */
typedef void (*loop_timer_fn)(struct loop *l, struct timerq_entry *e, void *owner, void *ctx);

/* Counters for status output and tests. */
struct loop_stats {
    uint64_t iterations;       /* epoll_wait() calls */
    uint64_t fd_events;        /* callbacks of ready fds */
    uint64_t stale_events;     /* events of fds removed earlier in the same batch */
    uint64_t signals;          /* signals read from the signalfd */
    uint64_t timers;           /* timer handlers called */
    uint64_t timers_unhandled; /* expired entries whose kind had no handler (dropped) */
};

/*
 * A loop for up to max_fds fds (1..LOOP_FDS_MAX; the signalfd is extra). Blocks the five signals
 * and creates the epoll set, the signalfd and an empty timer queue; reads the clock once.
 * Returns NULL with errno set: EINVAL for a bad max_fds, else what the failing call reported.
 */
struct loop *loop_new(size_t max_fds);

/*
 * Closes the epoll set and the signalfd (not the registered fds: they belong to their callers),
 * frees the timer queue's array and restores the signal mask loop_new() found. Accepts NULL.
 * Signals that arrived and were not yet read stay pending and are delivered on unblocking.
 */
void loop_free(struct loop *l);

/*
 * Watches fd for `events` (LOOP_IN and/or LOOP_OUT, may be 0 to watch only errors) with
 * `flags` (0 or LOOP_EDGE); fn(l, fd, events, ctx) is called when it is ready. Returns 0, or
 * -EINVAL (fd < 0, fn NULL, unknown bits), -EEXIST (fd already watched), -ENOSPC (max_fds in
 * use) or the negative errno of epoll_ctl (e.g. -EPERM for a regular file).
 */
__attribute__((warn_unused_result)) int loop_add_fd(struct loop *l, int fd, uint32_t events,
                                                    unsigned flags, loop_fd_fn fn, void *ctx);

/*
 * Changes the events watched on fd (e.g. adds LOOP_OUT while a send queue waits for room).
 * Returns 0, -EINVAL (unknown bits), -ENOENT (fd not watched) or epoll_ctl's negative errno.
 */
__attribute__((warn_unused_result)) int loop_mod_fd(struct loop *l, int fd, uint32_t events);

/*
 * Stops watching fd. Call it before closing fd. Safe from any callback; a pending event of fd
 * in the current batch is then skipped. Returns 0 or -ENOENT (fd not watched).
 */
int loop_del_fd(struct loop *l, int fd);

/* Installs the handler for the five signals (fn NULL: signals are read and ignored). */
void loop_on_signal(struct loop *l, loop_signal_fn fn, void *ctx);

/*
 * Installs the handler for expired timer entries of `kind` (fn NULL removes it). Returns 0 or
 * -EINVAL for a kind outside 0 .. LOOP_TIMER_KINDS - 1. Entries with a kind that has no handler
 * are dropped when they expire and counted in timers_unhandled.
 */
__attribute__((warn_unused_result)) int loop_on_timer(struct loop *l, int kind, loop_timer_fn fn,
                                                      void *ctx);

/* The loop's timer queue: schedule and cancel entries on it with timerq.h. */
struct timerq *loop_timerq(struct loop *l);

/*
 * The time (clock_now_ms) read right after the loop last woke up: one consistent `now` for every
 * callback of an iteration. Refreshed by loop_update_now() for long-running start-up work.
 */
uint64_t loop_now(const struct loop *l);
uint64_t loop_update_now(struct loop *l);

/*
 * One iteration: waits at most max_ms (TIMERQ_INFINITE: no limit besides the timers), then calls
 * the fd callbacks and the due timer handlers. Returns 0, or the negative errno of a failing
 * epoll_wait() (EINTR counts as an empty wake-up).
 */
int loop_run_once(struct loop *l, int max_ms);

/*
 * Iterates until loop_stop() is called (from a callback), then returns 0; or returns the
 * negative errno of a failing epoll_wait(). A stop requested before the call returns at once.
 */
int loop_run(struct loop *l);

/* Makes loop_run() return after the current iteration. loop_run() clears the request. */
void loop_stop(struct loop *l);

/* True while a stop was requested and loop_run() has not yet returned. */
bool loop_stopping(const struct loop *l);

const struct loop_stats *loop_stats(const struct loop *l);

#endif
