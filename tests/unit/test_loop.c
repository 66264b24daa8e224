/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

/* ---- timers ---- */

struct fired {
    int order[8];
    uint64_t at[8];
    size_t n;
    size_t stop_after;
};

static void record_timer(struct loop *l, struct timerq_entry *e, void *owner, void *ctx)
{
    struct fired *f = ctx;
    (void)e;
    assert_true(f->n < 8);
    f->order[f->n] = *(int *)owner;
    f->at[f->n] = loop_now(l);
    f->n++;
    if (f->n == f->stop_after)
        loop_stop(l);
}

static void timers_fire_in_order(void **state)
{
    (void)state;
    struct loop *l = loop_new(4);
    assert_non_null(l);
    struct fired f = { .stop_after = 3 };
    assert_int_equal(loop_on_timer(l, 3, record_timer, &f), 0);
    int ids[3] = { 30, 10, 20 };
    struct timerq_entry e[3];
    uint64_t start = loop_update_now(l);
    for (int i = 0; i < 3; i++) {
        timerq_entry_init(&e[i], &ids[i], 3);
        assert_int_equal(timerq_schedule(loop_timerq(l), &e[i], start + (uint64_t)ids[i]), 0);
    }
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.order[0], 10);
    assert_int_equal(f.order[1], 20);
    assert_int_equal(f.order[2], 30);
    for (size_t i = 0; i < 3; i++)
        assert_true(f.at[i] >= start + (uint64_t)f.order[i]);
    assert_true(clock_now_ms() - start >= 30);
    assert_int_equal(loop_stats(l)->timers, 3);
    assert_false(loop_stopping(l));
    loop_free(l);
}

static void timer_without_handler_is_dropped(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    struct timerq_entry e;
    timerq_entry_init(&e, NULL, 5);
    assert_int_equal(timerq_schedule(loop_timerq(l), &e, loop_now(l)), 0);
    struct timerq_entry odd;
    timerq_entry_init(&odd, NULL, -7);
    assert_int_equal(timerq_schedule(loop_timerq(l), &odd, loop_now(l)), 0);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(loop_stats(l)->timers_unhandled, 2);
    assert_int_equal(loop_stats(l)->timers, 0);
    assert_false(timerq_entry_pending(&e));
    loop_free(l);
}

static void reschedule_now(struct loop *l, struct timerq_entry *e, void *owner, void *ctx)
{
    (void)owner;
    (*(unsigned *)ctx)++;
    assert_int_equal(timerq_schedule(loop_timerq(l), e, loop_now(l)), 0);
}

/* A handler that keeps its timer due cannot hold the loop: the budget ends the iteration. */
static void timer_budget_bounds_an_iteration(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    unsigned calls = 0;
    assert_int_equal(loop_on_timer(l, 0, reschedule_now, &calls), 0);
    struct timerq_entry e;
    timerq_entry_init(&e, NULL, 0);
    assert_int_equal(timerq_schedule(loop_timerq(l), &e, loop_now(l)), 0);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(calls, LOOP_TIMER_BUDGET);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(calls, 2 * LOOP_TIMER_BUDGET);
    assert_true(timerq_cancel(loop_timerq(l), &e));
    loop_free(l);
}

static void timer_kind_bounds(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    assert_int_equal(loop_on_timer(l, -1, reschedule_now, NULL), -EINVAL);
    assert_int_equal(loop_on_timer(l, LOOP_TIMER_KINDS, reschedule_now, NULL), -EINVAL);
    assert_int_equal(loop_on_timer(l, LOOP_TIMER_KINDS - 1, reschedule_now, NULL), 0);
    assert_int_equal(loop_on_timer(l, LOOP_TIMER_KINDS - 1, NULL, NULL), 0);
    loop_free(l);
}

/* With nothing to do, run_once sleeps for max_ms and returns. */
static void idle_wait_honours_max_ms(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    uint64_t start = clock_now_ms();
    assert_int_equal(loop_run_once(l, 25), 0);
    uint64_t waited = clock_now_ms() - start;
    assert_true(waited >= 24 && waited < 1000);
    assert_true(loop_now(l) >= start + 24);
    loop_free(l);
}

/* ---- signals ---- */

struct sigrec {
    int signo[8];
    size_t n;
};

static void record_signal(struct loop *l, int signo, void *ctx)
{
    struct sigrec *r = ctx;
    (void)l;
    assert_true(r->n < 8);
    r->signo[r->n++] = signo;
}

static bool is_blocked(int signo)
{
    sigset_t cur;
    assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    return sigismember(&cur, signo) == 1;
}

static void signals_arrive_as_events(void **state)
{
    (void)state;
    assert_false(is_blocked(SIGUSR1));
    struct loop *l = loop_new(1);
    assert_non_null(l);
    assert_true(is_blocked(SIGUSR1));
    assert_true(is_blocked(SIGTERM));
    struct sigrec r = { .n = 0 };
    loop_on_signal(l, record_signal, &r);
    assert_int_equal(raise(SIGUSR1), 0);
    assert_int_equal(loop_run_once(l, 2000), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.signo[0], SIGUSR1);
    assert_int_equal(raise(SIGHUP), 0);
    assert_int_equal(raise(SIGTERM), 0);
    assert_int_equal(loop_run_once(l, 2000), 0);
    assert_int_equal(r.n, 3);
    /* Both were pending together; the signalfd hands them out lowest number first. */
    assert_int_equal(r.signo[1], SIGHUP);
    assert_int_equal(r.signo[2], SIGTERM);
    assert_int_equal(loop_stats(l)->signals, 3);
    loop_on_signal(l, NULL, NULL);
    assert_int_equal(raise(SIGUSR2), 0);
    assert_int_equal(loop_run_once(l, 2000), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(loop_stats(l)->signals, 4);
    loop_free(l);
    assert_false(is_blocked(SIGUSR1));
    assert_false(is_blocked(SIGTERM));
}

/* ---- fds ---- */

struct fdrec {
    int fd[8];
    uint32_t events[8];
    size_t n;
    bool drain;
    struct loop *del_loop; /* when set, the callback removes del_fd */
    int del_fd;
};

static void record_fd(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct fdrec *r = ctx;
    (void)l;
    assert_true(r->n < 8);
    r->fd[r->n] = fd;
    r->events[r->n] = events;
    r->n++;
    if (r->drain) {
        char buf[64];
        while (read(fd, buf, sizeof(buf)) > 0)
            continue;
    }
    if (r->del_loop) {
        assert_int_equal(loop_del_fd(r->del_loop, r->del_fd), 0);
        r->del_loop = NULL;
    }
}

static void make_pipe(int p[2])
{
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static void pipe_callback_level_triggered(void **state)
{
    (void)state;
    struct loop *l = loop_new(4);
    assert_non_null(l);
    int p[2];
    make_pipe(p);
    struct fdrec r = { .n = 0 };
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, 0, record_fd, &r), 0);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(write(p[1], "xy", 2), 2);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.fd[0], p[0]);
    assert_int_equal(r.events[0], LOOP_IN);
    /* Not read: level-triggered reports it again. */
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 2);
    r.drain = true;
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(r.n, 3);
    /* The write end closed: HUP is reported without being asked for. */
    close(p[1]);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 4);
    assert_true(r.events[3] & LOOP_HUP);
    assert_int_equal(loop_del_fd(l, p[0]), 0);
    close(p[0]);
    assert_int_equal(loop_stats(l)->fd_events, 4);
    loop_free(l);
}

static void pipe_callback_edge_triggered(void **state)
{
    (void)state;
    struct loop *l = loop_new(4);
    assert_non_null(l);
    int p[2];
    make_pipe(p);
    struct fdrec r = { .n = 0 };
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, LOOP_EDGE, record_fd, &r), 0);
    assert_int_equal(write(p[1], "a", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 1);
    /* Data left unread, no new edge: no second call. */
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(write(p[1], "b", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(loop_del_fd(l, p[0]), 0);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

static void mod_fd_switches_to_writable(void **state)
{
    (void)state;
    struct loop *l = loop_new(4);
    assert_non_null(l);
    int p[2];
    make_pipe(p);
    struct fdrec r = { .n = 0 };
    assert_int_equal(loop_add_fd(l, p[1], 0, 0, record_fd, &r), 0);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(loop_mod_fd(l, p[1], LOOP_OUT), 0);
    assert_int_equal(loop_mod_fd(l, p[1], LOOP_OUT), 0);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.events[0], LOOP_OUT);
    assert_int_equal(loop_mod_fd(l, p[1], 0), 0);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(loop_del_fd(l, p[1]), 0);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

/* A callback removes another fd whose event waits in the same batch: that event is skipped. */
static void delete_from_callback_skips_stale_event(void **state)
{
    (void)state;
    struct loop *l = loop_new(4);
    assert_non_null(l);
    int a[2], b[2];
    make_pipe(a);
    make_pipe(b);
    struct fdrec ra = { .n = 0 }, rb = { .n = 0 };
    ra.del_loop = l;
    ra.del_fd = b[0];
    rb.del_loop = l;
    rb.del_fd = a[0];
    assert_int_equal(loop_add_fd(l, a[0], LOOP_IN, 0, record_fd, &ra), 0);
    assert_int_equal(loop_add_fd(l, b[0], LOOP_IN, 0, record_fd, &rb), 0);
    assert_int_equal(write(a[1], "a", 1), 1);
    assert_int_equal(write(b[1], "b", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    /* Exactly one of them ran, and it removed the other before its turn. */
    assert_int_equal(ra.n + rb.n, 1);
    assert_int_equal(loop_stats(l)->stale_events, 1);
    assert_int_equal(loop_stats(l)->fd_events, 1);
    int survivor = ra.n ? a[0] : b[0];
    int removed = ra.n ? b[0] : a[0];
    assert_int_equal(loop_del_fd(l, removed), -ENOENT);
    assert_int_equal(loop_del_fd(l, survivor), 0);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    loop_free(l);
}

static void self_delete_and_reuse_slot(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    int p[2];
    make_pipe(p);
    struct fdrec r = { .n = 0 };
    r.del_loop = l;
    r.del_fd = p[0];
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, 0, record_fd, &r), 0);
    assert_int_equal(write(p[1], "a", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 1);
    /* The only slot is free again. */
    assert_int_equal(loop_add_fd(l, p[1], LOOP_OUT, 0, record_fd, &r), 0);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.fd[1], p[1]);
    assert_int_equal(loop_del_fd(l, p[1]), 0);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

static void add_fd_rejects_bad_input(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    int p[2];
    make_pipe(p);
    struct fdrec r = { .n = 0 };
    assert_int_equal(loop_add_fd(l, -1, LOOP_IN, 0, record_fd, &r), -EINVAL);
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, 0, NULL, &r), -EINVAL);
    assert_int_equal(loop_add_fd(l, p[0], 0x40000000u, 0, record_fd, &r), -EINVAL);
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, 0x2u, record_fd, &r), -EINVAL);
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, 0, record_fd, &r), 0);
    assert_int_equal(loop_add_fd(l, p[0], LOOP_IN, 0, record_fd, &r), -EEXIST);
    assert_int_equal(loop_add_fd(l, p[1], LOOP_OUT, 0, record_fd, &r), -ENOSPC);
    assert_int_equal(loop_mod_fd(l, p[1], LOOP_OUT), -ENOENT);
    assert_int_equal(loop_mod_fd(l, -1, LOOP_OUT), -ENOENT);
    assert_int_equal(loop_mod_fd(l, p[0], 0x40000000u), -EINVAL);
    assert_int_equal(loop_del_fd(l, p[1]), -ENOENT);
    assert_int_equal(loop_del_fd(l, -1), -ENOENT);
    assert_int_equal(loop_del_fd(l, p[0]), 0);
    assert_int_equal(loop_del_fd(l, p[0]), -ENOENT);
    /* epoll refuses regular files; the error comes back and the slot stays free. */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(loop_add_fd(l, fileno(f), LOOP_IN, 0, record_fd, &r), -EPERM);
    fclose(f);
    assert_int_equal(loop_add_fd(l, 1000000, LOOP_IN, 0, record_fd, &r), -EBADF);
    assert_int_equal(loop_add_fd(l, p[1], LOOP_OUT, 0, record_fd, &r), 0);
    assert_int_equal(loop_del_fd(l, p[1]), 0);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

static void new_rejects_bad_sizes(void **state)
{
    (void)state;
    errno = 0;
    assert_null(loop_new(0));
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_null(loop_new(LOOP_FDS_MAX + 1));
    assert_int_equal(errno, EINVAL);
    struct loop *l = loop_new(LOOP_FDS_MAX);
    assert_non_null(l);
    loop_free(l);
    loop_free(NULL);
}

static void stop_before_run_returns_at_once(void **state)
{
    (void)state;
    struct loop *l = loop_new(1);
    assert_non_null(l);
    loop_stop(l);
    assert_true(loop_stopping(l));
    assert_int_equal(loop_run(l), 0);
    assert_false(loop_stopping(l));
    assert_int_equal(loop_stats(l)->iterations, 0);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timers_fire_in_order),
        cmocka_unit_test(timer_without_handler_is_dropped),
        cmocka_unit_test(timer_budget_bounds_an_iteration),
        cmocka_unit_test(timer_kind_bounds),
        cmocka_unit_test(idle_wait_honours_max_ms),
        cmocka_unit_test(signals_arrive_as_events),
        cmocka_unit_test(pipe_callback_level_triggered),
        cmocka_unit_test(pipe_callback_edge_triggered),
        cmocka_unit_test(mod_fd_switches_to_writable),
        cmocka_unit_test(delete_from_callback_skips_stale_event),
        cmocka_unit_test(self_delete_and_reuse_slot),
        cmocka_unit_test(add_fd_rejects_bad_input),
        cmocka_unit_test(new_rejects_bad_sizes),
        cmocka_unit_test(stop_before_run_returns_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
