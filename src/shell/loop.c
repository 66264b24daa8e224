/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"

_Static_assert(LOOP_IN == EPOLLIN && LOOP_OUT == EPOLLOUT && LOOP_ERR == EPOLLERR &&
                   LOOP_HUP == EPOLLHUP && LOOP_RDHUP == EPOLLRDHUP,
               "LOOP_* event bits are the epoll bits");

#define LOOP_EVENT_BITS (LOOP_IN | LOOP_OUT | LOOP_ERR | LOOP_HUP | LOOP_RDHUP)

/* Events fetched per epoll_wait(): enough for every fd of a busy server in one wake-up. */
#define LOOP_EVENTS_PER_WAIT 64

/* epoll data of the signalfd: a slot number no registration can have. */
#define LOOP_SIGNAL_SLOT UINT32_MAX

/*
 * A registration. `gen` changes whenever the slot is freed, and epoll data carries slot and gen,
 * so an event fetched before its fd was removed (or the slot reused) is recognised as stale.
 */
struct loop_slot {
    int fd; /* -1: free */
    uint32_t gen;
    uint32_t events;
    unsigned flags;
    loop_fd_fn fn;
    void *ctx;
};

struct loop_timer_handler {
    loop_timer_fn fn;
    void *ctx;
};

struct loop {
    int epfd;
    int sigfd;
    sigset_t old_mask;
    struct loop_slot *slots;
    size_t nslots;
    struct timerq timers;
    struct loop_timer_handler timer_handlers[LOOP_TIMER_KINDS];
    loop_signal_fn signal_fn;
    void *signal_ctx;
    uint64_t now;
    bool stop;
    struct loop_stats stats;
};

static void loop_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
    sigaddset(set, SIGUSR2);
}

static uint64_t slot_data(uint32_t slot, uint32_t gen)
{
    return ((uint64_t)gen << 32) | slot;
}

/* Blocks the signals and opens the signalfd; on failure the mask is as it was. */
static int open_signals(struct loop *l)
{
    sigset_t set;
    loop_signal_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, &l->old_mask) != 0)
        return -errno;
    l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (l->sigfd < 0) {
        int err = -errno;
        sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
        return err;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = slot_data(LOOP_SIGNAL_SLOT, 0) };
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) != 0) {
        int err = -errno;
        close(l->sigfd);
        l->sigfd = -1;
        sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
        return err;
    }
    return 0;
}

struct loop *loop_new(size_t max_fds)
{
    if (max_fds == 0 || max_fds > LOOP_FDS_MAX) {
        errno = EINVAL;
        return NULL;
    }
    struct loop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->sigfd = -1;
    l->slots = calloc(max_fds, sizeof(*l->slots));
    l->epfd = l->slots ? epoll_create1(EPOLL_CLOEXEC) : -1;
    int err = l->epfd < 0 ? -errno : open_signals(l);
    if (err != 0) {
        if (l->epfd >= 0)
            close(l->epfd);
        free(l->slots);
        free(l);
        errno = -err;
        return NULL;
    }
    l->nslots = max_fds;
    for (size_t i = 0; i < max_fds; i++)
        l->slots[i].fd = -1;
    timerq_init(&l->timers);
    l->now = clock_now_ms();
    return l;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    close(l->sigfd);
    close(l->epfd);
    sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
    timerq_cleanup(&l->timers);
    free(l->slots);
    free(l);
}

static struct loop_slot *find_slot(struct loop *l, int fd)
{
    for (size_t i = 0; i < l->nslots; i++) {
        if (l->slots[i].fd == fd)
            return &l->slots[i];
    }
    return NULL;
}

static uint32_t epoll_bits(uint32_t events, unsigned flags)
{
    return events | ((flags & LOOP_EDGE) ? EPOLLET : 0u);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, unsigned flags, loop_fd_fn fn, void *ctx)
{
    if (fd < 0 || !fn || (events & ~LOOP_EVENT_BITS) || (flags & ~LOOP_EDGE))
        return -EINVAL;
    if (find_slot(l, fd))
        return -EEXIST;
    struct loop_slot *s = find_slot(l, -1);
    if (!s)
        return -ENOSPC;
    uint32_t index = (uint32_t)(s - l->slots);
    struct epoll_event ev = { .events = epoll_bits(events, flags),
                              .data.u64 = slot_data(index, s->gen) };
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return -errno;
    s->fd = fd;
    s->events = events;
    s->flags = flags;
    s->fn = fn;
    s->ctx = ctx;
    return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
    if (events & ~LOOP_EVENT_BITS)
        return -EINVAL;
    struct loop_slot *s = fd >= 0 ? find_slot(l, fd) : NULL;
    if (!s)
        return -ENOENT;
    if (s->events == events)
        return 0;
    uint32_t index = (uint32_t)(s - l->slots);
    struct epoll_event ev = { .events = epoll_bits(events, s->flags),
                              .data.u64 = slot_data(index, s->gen) };
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
        return -errno;
    s->events = events;
    return 0;
}

int loop_del_fd(struct loop *l, int fd)
{
    struct loop_slot *s = fd >= 0 ? find_slot(l, fd) : NULL;
    if (!s)
        return -ENOENT;
    /* Fails only if fd was closed already, which removed it from the set anyway. */
    (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    s->fd = -1;
    s->gen++;
    s->fn = NULL;
    s->ctx = NULL;
    return 0;
}

void loop_on_signal(struct loop *l, loop_signal_fn fn, void *ctx)
{
    l->signal_fn = fn;
    l->signal_ctx = ctx;
}

int loop_on_timer(struct loop *l, int kind, loop_timer_fn fn, void *ctx)
{
    if (kind < 0 || kind >= LOOP_TIMER_KINDS)
        return -EINVAL;
    l->timer_handlers[kind].fn = fn;
    l->timer_handlers[kind].ctx = ctx;
    return 0;
}

struct timerq *loop_timerq(struct loop *l)
{
    return &l->timers;
}

uint64_t loop_now(const struct loop *l)
{
    return l->now;
}

uint64_t loop_update_now(struct loop *l)
{
    l->now = clock_now_ms();
    return l->now;
}

/* Reads every queued signal: the signalfd is drained each time, so it never stays ready. */
static void read_signals(struct loop *l)
{
    struct signalfd_siginfo info[8];
    for (;;) {
        ssize_t n = read(l->sigfd, info, sizeof(info));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < (ssize_t)sizeof(info[0]))
            return;
        size_t count = (size_t)n / sizeof(info[0]);
        for (size_t i = 0; i < count; i++) {
            l->stats.signals++;
            if (l->signal_fn)
                l->signal_fn(l, (int)info[i].ssi_signo, l->signal_ctx);
        }
    }
}

static void dispatch_event(struct loop *l, const struct epoll_event *ev)
{
    uint32_t index = (uint32_t)ev->data.u64;
    uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
    if (index == LOOP_SIGNAL_SLOT) {
        read_signals(l);
        return;
    }
    struct loop_slot *s = index < l->nslots ? &l->slots[index] : NULL;
    if (!s || s->fd < 0 || s->gen != gen) {
        l->stats.stale_events++;
        return;
    }
    l->stats.fd_events++;
    s->fn(l, s->fd, ev->events & LOOP_EVENT_BITS, s->ctx);
}

static void run_timers(struct loop *l)
{
    for (unsigned budget = LOOP_TIMER_BUDGET; budget > 0; budget--) {
        struct timerq_entry *e = timerq_pop_expired(&l->timers, l->now);
        if (!e)
            return;
        const struct loop_timer_handler *h = NULL;
        if (e->kind >= 0 && e->kind < LOOP_TIMER_KINDS)
            h = &l->timer_handlers[e->kind];
        if (!h || !h->fn) {
            l->stats.timers_unhandled++;
            continue;
        }
        l->stats.timers++;
        h->fn(l, e, e->owner, h->ctx);
    }
}

int loop_run_once(struct loop *l, int max_ms)
{
    struct epoll_event events[LOOP_EVENTS_PER_WAIT];
    int timeout = timerq_timeout_ms(&l->timers, clock_now_ms(), max_ms);
    l->stats.iterations++;
    int n = epoll_wait(l->epfd, events, LOOP_EVENTS_PER_WAIT, timeout);
    if (n < 0 && errno != EINTR)
        return -errno;
    l->now = clock_now_ms();
    for (int i = 0; i < n; i++)
        dispatch_event(l, &events[i]);
    run_timers(l);
    return 0;
}

int loop_run(struct loop *l)
{
    int err = 0;
    while (!l->stop && err == 0)
        err = loop_run_once(l, TIMERQ_INFINITE);
    l->stop = false;
    return err;
}

void loop_stop(struct loop *l)
{
    l->stop = true;
}

bool loop_stopping(const struct loop *l)
{
    return l->stop;
}

const struct loop_stats *loop_stats(const struct loop *l)
{
    return &l->stats;
}
