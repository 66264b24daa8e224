/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
/* log.h must live next to <syslog.h>: none of its names may collide with syslog's LOG_*. */
#include <syslog.h>

#include "log.h"

#define CAP_LINES 16

struct capture {
    char lines[CAP_LINES][LOG_LINE_MAX];
    size_t lens[CAP_LINES];
    unsigned flags[CAP_LINES];
    size_t n;
    size_t dropped;
};

static struct capture cap, bare_cap;

static void capture_write(void *ctx, unsigned flags, const char *line, size_t len)
{
    struct capture *c = ctx;
    assert_true(len < LOG_LINE_MAX);
    assert_int_equal(line[len], '\0');
    assert_int_equal(strlen(line), len);
    if (c->n >= CAP_LINES) {
        c->dropped++;
        return;
    }
    memcpy(c->lines[c->n], line, len + 1);
    c->lens[c->n] = len;
    c->flags[c->n] = flags;
    c->n++;
}

static struct log_time clock_value;
static unsigned clock_calls;

static void fake_clock(void *ctx, struct log_time *out)
{
    assert_ptr_equal(ctx, &clock_value);
    clock_calls++;
    *out = clock_value;
}

static void set_time(int64_t unix_sec, uint32_t usec, int y, int mo, int d, int h, int mi, int s)
{
    clock_value = (struct log_time){ .unix_sec = unix_sec,
                                     .usec = usec,
                                     .year = y,
                                     .month = mo,
                                     .day = d,
                                     .hour = h,
                                     .minute = mi,
                                     .second = s };
}

/* Every test starts with a fresh logger, one capture sink and no clock. */
static int setup(void **state)
{
    (void)state;
    log_reset();
    memset(&cap, 0, sizeof(cap));
    memset(&bare_cap, 0, sizeof(bare_cap));
    clock_calls = 0;
    const struct log_sink sink = { .write = capture_write, .ctx = &cap, .bare = false };
    assert_int_equal(log_add_sink(&sink), 0);
    return 0;
}

static void use_clock(void)
{
    set_time(1795419144, 525474, 2026, 11, 23, 7, 26, 50);
    log_set_clock(fake_clock, &clock_value);
}

static void verbosity_filters(void **state)
{
    (void)state;
    assert_int_equal(log_verb(), 1);
    log_msg(LOG_L_INFO, "info %d", 1);
    log_msg(LOG_L_VERB(2), "hidden");
    log_msg(LOG_L_DEBUG(7), "hidden");
    assert_int_equal(cap.n, 1);
    assert_string_equal(cap.lines[0], "info 1");
    assert_int_equal(cap.flags[0], LOG_L_INFO);

    assert_true(log_set_verb(0));
    log_msg(LOG_L_INFO, "hidden");
    log_msg(LOG_L_FATAL, "fatal");
    log_msg(LOG_L_ERROR, "error");
    log_msg(LOG_L_WARN, "warn");
    assert_int_equal(cap.n, 4);
    assert_string_equal(cap.lines[3], "warn");

    assert_true(log_set_verb(11));
    assert_true(log_enabled(LOG_L_DEBUG(11)));
    assert_false(log_enabled(LOG_LEVEL(12)));
    assert_false(log_enabled(LOG_LEVEL(15)));
    log_msg(LOG_L_DEBUG(11), "eleven");
    log_msg(LOG_LEVEL(12), "never");
    assert_int_equal(cap.n, 5);
    assert_string_equal(cap.lines[4], "eleven");

    assert_false(log_set_verb(12));
    assert_false(log_set_verb(UINT32_MAX));
    assert_int_equal(log_verb(), 11);
}

static void configure_validates(void **state)
{
    (void)state;
    struct log_params p = { .verb = 4, .mute = 3, .layout = LOG_LAYOUT_MACHINE };
    assert_true(log_configure(&p));
    assert_int_equal(log_verb(), 4);
    assert_int_equal(log_mute(), 3);

    struct log_params bad = { .verb = 12, .mute = 0, .layout = LOG_LAYOUT_DEFAULT };
    assert_false(log_configure(&bad));
    bad = (struct log_params){ .verb = 1, .mute = 0, .layout = (enum log_layout)3 };
    assert_false(log_configure(&bad));
    assert_int_equal(log_verb(), 4);
    assert_int_equal(log_mute(), 3);
}

static void layout_default(void **state)
{
    (void)state;
    use_clock();
    log_msg(LOG_L_INFO, "TLS: Initial packet");
    assert_string_equal(cap.lines[0], "2026-11-23 07:26:50 TLS: Initial packet");
    assert_int_equal(clock_calls, 1);

    assert_true(log_set_verb(4));
    set_time(1795419135, 822534, 2026, 11, 23, 7, 26, 41);
    log_msg(LOG_L_INFO, "Initialization Sequence Completed");
    assert_string_equal(cap.lines[1],
                        "2026-11-23 07:26:41 us=822534 Initialization Sequence Completed");
    set_time(0, 7, 999, 1, 2, 3, 4, 5);
    log_msg(LOG_L_INFO, "x");
    assert_string_equal(cap.lines[2], "0999-01-02 03:04:05 us=000007 x");
}

static void layout_no_time(void **state)
{
    (void)state;
    use_clock();
    struct log_params p = { .verb = 4, .mute = 0, .layout = LOG_LAYOUT_NO_TIME };
    assert_true(log_configure(&p));
    log_msg(LOG_L_INFO, "plain");
    assert_string_equal(cap.lines[0], "plain");
    assert_int_equal(clock_calls, 0);
}

static void layout_machine(void **state)
{
    (void)state;
    use_clock();
    struct log_params p = { .verb = 4, .mute = 0, .layout = LOG_LAYOUT_MACHINE };
    assert_true(log_configure(&p));
    log_msg(LOG_L_INFO, "OpenVPN 2.6.14");
    log_msg(LOG_L_VERB(4) | LOG_MUTE(50), "Current Parameter Settings:");
    log_msg(LOG_L_WARN, "w");
    assert_string_equal(cap.lines[0], "1795419144.525474 1 OpenVPN 2.6.14");
    assert_string_equal(cap.lines[1], "1795419144.525474 32000004 Current Parameter Settings:");
    assert_string_equal(cap.lines[2], "1795419144.525474 40 w");
}

static void without_clock(void **state)
{
    (void)state;
    log_msg(LOG_L_INFO, "no clock");
    assert_string_equal(cap.lines[0], "no clock");
    assert_true(log_set_verb(4));
    log_msg(LOG_L_INFO, "still none");
    assert_string_equal(cap.lines[1], "still none");
    struct log_params p = { .verb = 1, .mute = 0, .layout = LOG_LAYOUT_MACHINE };
    assert_true(log_configure(&p));
    log_msg(LOG_L_INFO, "m");
    assert_string_equal(cap.lines[2], "0.000000 1 m");

    use_clock();
    log_set_clock(NULL, &clock_value);
    log_msg(LOG_L_INFO, "removed");
    assert_string_equal(cap.lines[3], "0.000000 1 removed");
    assert_int_equal(clock_calls, 0);
}

static void broken_clock_is_clamped(void **state)
{
    (void)state;
    log_set_clock(fake_clock, &clock_value);
    assert_true(log_set_verb(4));
    set_time(-1, 5000000, -5, 200, -1, 1000, 60, 61);
    log_msg(LOG_L_INFO, "x");
    assert_string_equal(cap.lines[0], "0000-99-00 99:60:61 us=999999 x");
    set_time(0, 0, 123456, 12, 31, 23, 59, 59);
    log_msg(LOG_L_INFO, "y");
    assert_string_equal(cap.lines[1], "9999-12-31 23:59:59 us=000000 y");

    struct log_params p = { .verb = 1, .mute = 0, .layout = LOG_LAYOUT_MACHINE };
    assert_true(log_configure(&p));
    set_time(INT64_MIN, UINT32_MAX, 0, 0, 0, 0, 0, 0);
    log_msg(LOG_L_FATAL | LOG_MUTE(255) | LOG_LEVEL(0), "z");
    assert_string_equal(cap.lines[2], "-9223372036854775808.999999 ff000010 z");
}

static void bare_sink_has_no_timestamp(void **state)
{
    (void)state;
    use_clock();
    const struct log_sink bare = { .write = capture_write, .ctx = &bare_cap, .bare = true };
    assert_int_equal(log_add_sink(&bare), 0);
    log_peer_msg(LOG_L_WARN, "1.2.3.4:5", "hello");
    assert_string_equal(cap.lines[0], "2026-11-23 07:26:50 1.2.3.4:5 hello");
    assert_string_equal(bare_cap.lines[0], "1.2.3.4:5 hello");
    assert_int_equal(bare_cap.flags[0], LOG_L_WARN);

    /* Only bare sinks: the clock is not even read. */
    assert_true(log_remove_sink(capture_write, &cap));
    log_msg(LOG_L_INFO, "again");
    assert_int_equal(clock_calls, 1);
    assert_string_equal(bare_cap.lines[1], "again");
}

static void peer_prefix(void **state)
{
    (void)state;
    log_peer_msg(LOG_L_INFO, "client1/198.18.50.2:39938", "MULTI: Learn: %s -> %s", "100.64.10.2",
                 "client1/198.18.50.2:39938");
    log_peer_msg(LOG_L_INFO, NULL, "no prefix");
    log_peer_msg(LOG_L_INFO, "", "empty prefix");
    log_peer_msg(LOG_L_INFO, "100%s", "odd %s", "prefix");
    assert_string_equal(cap.lines[0], "client1/198.18.50.2:39938 MULTI: Learn: 100.64.10.2 -> "
                                      "client1/198.18.50.2:39938");
    assert_string_equal(cap.lines[1], "no prefix");
    assert_string_equal(cap.lines[2], "empty prefix");
    assert_string_equal(cap.lines[3], "100%s odd prefix");
}

static void mute_suppresses_and_summarizes(void **state)
{
    (void)state;
    log_set_mute(2);
    for (int i = 1; i <= 5; i++)
        log_msg(LOG_L_INFO | LOG_MUTE(5), "same %d", i);
    assert_int_equal(cap.n, 3);
    assert_string_equal(cap.lines[0], "same 1");
    assert_string_equal(cap.lines[1], "same 2");
    assert_string_equal(cap.lines[2], "NOTE: --mute triggered...");
    assert_int_equal(cap.flags[2], LOG_L_INFO | LOG_F_NOMUTE);

    log_msg(LOG_L_INFO | LOG_MUTE(6), "other");
    assert_int_equal(cap.n, 5);
    assert_string_equal(cap.lines[3],
                        "3 variation(s) on previous 2 message(s) suppressed by --mute");
    assert_string_equal(cap.lines[4], "other");

    /* Back to category 5: a fresh run, no summary for a run that was not cut. */
    log_msg(LOG_L_INFO | LOG_MUTE(5), "five again");
    assert_int_equal(cap.n, 6);
    assert_string_equal(cap.lines[5], "five again");
}

static void mute_exemptions(void **state)
{
    (void)state;
    log_set_mute(1);
    for (int i = 0; i < 4; i++)
        log_msg(LOG_L_INFO, "category zero %d", i);
    assert_int_equal(cap.n, 4);

    log_msg(LOG_L_INFO | LOG_MUTE(9), "a");
    log_msg(LOG_L_INFO | LOG_MUTE(9), "b");
    log_msg(LOG_L_INFO | LOG_MUTE(9), "c");
    assert_int_equal(cap.n, 6); /* "a" and the note */
    log_msg(LOG_L_INFO | LOG_MUTE(9) | LOG_F_NOMUTE, "nomute");
    assert_string_equal(cap.lines[6], "nomute");
    /* Filtered by verbosity: not counted, no summary, no run broken. */
    log_msg(LOG_L_VERB(5) | LOG_MUTE(3), "filtered");
    assert_int_equal(cap.n, 7);
    log_msg(LOG_L_INFO | LOG_MUTE(9), "d");
    assert_int_equal(cap.n, 7);

    /* Turning mute off lets everything through. */
    log_set_mute(0);
    log_msg(LOG_L_INFO | LOG_MUTE(9), "e");
    log_msg(LOG_L_INFO | LOG_MUTE(9), "f");
    assert_int_equal(cap.n, 9);
}

static void ratelimited_messages(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 2);
    for (int i = 0; i < 5; i++)
        log_ratelimited(&rl, 0, LOG_L_INFO, "drop %d", i);
    assert_int_equal(cap.n, 2);
    assert_string_equal(cap.lines[1], "drop 1");

    /* Filtered by verbosity: the bucket is not touched. */
    log_ratelimited(&rl, 0, LOG_L_VERB(3), "quiet");
    assert_int_equal(ratelimit_suppressed(&rl), 3);

    log_ratelimited(&rl, 1000, LOG_L_INFO, "drop %d", 5);
    assert_string_equal(cap.lines[2], "drop 5 (3 similar messages suppressed)");
    assert_int_equal(ratelimit_suppressed(&rl), 0);
    log_peer_ratelimited(&rl, 2000, LOG_L_INFO, "p:1", "drop %d", 6);
    assert_string_equal(cap.lines[3], "p:1 drop 6");
    assert_int_equal(cap.n, 4);
}

static void fill(char *s, size_t n, char c)
{
    memset(s, c, n);
    s[n] = '\0';
}

static void long_message_is_cut(void **state)
{
    (void)state;
    static char big[5000];
    fill(big, sizeof(big) - 1, 'a');
    log_msg(LOG_L_INFO, "%s", big);
    assert_int_equal(cap.lens[0], LOG_TEXT_MAX - 1);
    assert_string_equal(cap.lines[0] + LOG_TEXT_MAX - 5, "a...");

    use_clock();
    assert_true(log_set_verb(4));
    log_peer_msg(LOG_L_INFO, "peer", "%s", big);
    const char *hdr = "2026-11-23 07:26:50 us=525474 ";
    assert_int_equal(cap.lens[1], strlen(hdr) + LOG_TEXT_MAX - 1);
    assert_memory_equal(cap.lines[1], hdr, strlen(hdr));
    assert_memory_equal(cap.lines[1] + strlen(hdr), "peer aaa", 8);
    assert_string_equal(cap.lines[1] + cap.lens[1] - 4, "a...");
}

static void cut_boundary(void **state)
{
    (void)state;
    static char s[LOG_TEXT_MAX + 1];
    fill(s, LOG_TEXT_MAX - 1, 'b');
    log_msg(LOG_L_INFO, "%s", s);
    assert_int_equal(cap.lens[0], LOG_TEXT_MAX - 1);
    assert_int_equal(cap.lines[0][LOG_TEXT_MAX - 2], 'b');

    fill(s, LOG_TEXT_MAX, 'b');
    log_msg(LOG_L_INFO, "%s", s);
    assert_int_equal(cap.lens[1], LOG_TEXT_MAX - 1);
    assert_string_equal(cap.lines[1] + LOG_TEXT_MAX - 4, "...");

    /* A prefix alone longer than the buffer. */
    static char p[LOG_TEXT_MAX * 2];
    fill(p, sizeof(p) - 1, 'p');
    log_peer_msg(LOG_L_INFO, p, "message");
    assert_int_equal(cap.lens[2], LOG_TEXT_MAX - 1);
    assert_string_equal(cap.lines[2] + LOG_TEXT_MAX - 5, "p...");
}

static void cut_keeps_suppressed_note(void **state)
{
    (void)state;
    static char big[4000];
    fill(big, sizeof(big) - 1, 'c');
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
    log_ratelimited(&rl, 0, LOG_L_INFO, "%s", big);
    log_ratelimited(&rl, 0, LOG_L_INFO, "%s", big);
    log_ratelimited(&rl, 1000, LOG_L_INFO, "%s", big);
    assert_int_equal(cap.n, 2);
    const char *tail = "c... (1 similar messages suppressed)";
    assert_int_equal(cap.lens[1], LOG_TEXT_MAX - 1);
    assert_string_equal(cap.lines[1] + cap.lens[1] - strlen(tail), tail);
}

static void control_chars_are_replaced(void **state)
{
    (void)state;
    log_peer_msg(LOG_L_INFO, "evil\nCN",
                 "a\nb\rc%cd\x7f"
                 "e\tf",
                 1);
    log_msg(LOG_L_INFO, "trailing newline\n");
    log_msg(LOG_L_INFO, "two\r\n\n");
    log_msg(LOG_L_INFO, "nul %c inside", 0);
    log_msg(LOG_L_INFO, "%s", "");
    assert_string_equal(cap.lines[0], "evil?CN a?b?c?d?e\tf");
    assert_string_equal(cap.lines[1], "trailing newline");
    assert_string_equal(cap.lines[2], "two");
    assert_string_equal(cap.lines[3], "nul ? inside");
    assert_int_equal(cap.lens[4], 0);
}

static void no_sink_is_harmless(void **state)
{
    (void)state;
    use_clock();
    assert_true(log_remove_sink(capture_write, &cap));
    assert_false(log_remove_sink(capture_write, &cap));
    log_set_mute(1);
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
    for (int i = 0; i < 3; i++) {
        log_msg(LOG_L_INFO | LOG_MUTE(1), "nobody hears %d", i);
        log_ratelimited(&rl, 0, LOG_L_ERROR, "nor %d", i);
    }
    assert_int_equal(cap.n, 0);
    assert_int_equal(clock_calls, 0);
}

static void sink_table(void **state)
{
    (void)state;
    struct capture extra[LOG_MAX_SINKS];
    struct log_sink s = { .write = capture_write, .ctx = &cap, .bare = false };
    assert_int_equal(log_add_sink(&s), 0); /* same pair again: still one sink */
    for (size_t i = 0; i + 1 < LOG_MAX_SINKS; i++) {
        memset(&extra[i], 0, sizeof(extra[i]));
        s.ctx = &extra[i];
        assert_int_equal(log_add_sink(&s), 0);
    }
    s.ctx = &extra[LOG_MAX_SINKS - 1];
    assert_int_equal(log_add_sink(&s), -1);
    s.write = NULL;
    assert_int_equal(log_add_sink(&s), -1);
    assert_int_equal(log_add_sink(NULL), -1);

    log_msg(LOG_L_INFO, "to all");
    assert_int_equal(cap.n, 1);
    for (size_t i = 0; i + 1 < LOG_MAX_SINKS; i++)
        assert_string_equal(extra[i].lines[0], "to all");

    assert_true(log_remove_sink(capture_write, &extra[0]));
    log_msg(LOG_L_INFO, "fewer");
    assert_int_equal(extra[0].n, 1);
    assert_int_equal(extra[1].n, 2);
    assert_int_equal(cap.n, 2);
}

static void reentrant_write(void *ctx, unsigned flags, const char *line, size_t len)
{
    capture_write(ctx, flags, line, len);
    log_msg(LOG_L_INFO, "from inside the sink");
    errno = EIO;
}

static void sink_that_logs_is_not_recursed(void **state)
{
    (void)state;
    const struct log_sink s = { .write = reentrant_write, .ctx = &bare_cap, .bare = false };
    assert_int_equal(log_add_sink(&s), 0);
    errno = ENOENT;
    log_msg(LOG_L_INFO, "outer");
    assert_int_equal(errno, ENOENT);
    assert_int_equal(bare_cap.n, 1);
    assert_int_equal(cap.n, 1);
    assert_string_equal(bare_cap.lines[0], "outer");
    log_msg(LOG_L_INFO, "next");
    assert_int_equal(cap.n, 2);
}

static void null_format_is_ignored(void **state)
{
    (void)state;
    const char *volatile fmt = NULL;
    struct ratelimit rl;
    ratelimit_init(&rl, 1, 1);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    log_msg(LOG_L_INFO, fmt);
    log_ratelimited(&rl, 0, LOG_L_INFO, fmt);
#pragma GCC diagnostic pop
    assert_int_equal(cap.n, 0);
    assert_int_equal(ratelimit_suppressed(&rl), 0);
}

static void management_flags(void **state)
{
    (void)state;
    assert_string_equal(log_mgmt_flags(LOG_L_FATAL), "F");
    assert_string_equal(log_mgmt_flags(LOG_L_ERROR), "N");
    assert_string_equal(log_mgmt_flags(LOG_L_WARN | LOG_MUTE(3)), "W");
    assert_string_equal(log_mgmt_flags(LOG_L_DEBUG(3)), "D");
    assert_string_equal(log_mgmt_flags(LOG_L_INFO), "I");
    assert_string_equal(log_mgmt_flags(LOG_LEVEL(0)), "I");
    assert_string_equal(log_mgmt_flags(LOG_L_VERB(3)), "");
    assert_string_equal(log_mgmt_flags(LOG_F_FATAL | LOG_F_DEBUG), "F");
}

static void syslog_priorities(void **state)
{
    (void)state;
    assert_int_equal(log_syslog_priority(LOG_L_FATAL), LOG_ERR);
    assert_int_equal(log_syslog_priority(LOG_L_ERROR), LOG_ERR);
    assert_int_equal(log_syslog_priority(LOG_L_WARN), LOG_WARNING);
    assert_int_equal(log_syslog_priority(LOG_L_INFO), LOG_NOTICE);
    assert_int_equal(log_syslog_priority(LOG_L_DEBUG(9)), LOG_NOTICE);
    assert_int_equal(log_syslog_priority(LOG_L_VERB(4)), LOG_NOTICE);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(verbosity_filters),
        T(configure_validates),
        T(layout_default),
        T(layout_no_time),
        T(layout_machine),
        T(without_clock),
        T(broken_clock_is_clamped),
        T(bare_sink_has_no_timestamp),
        T(peer_prefix),
        T(mute_suppresses_and_summarizes),
        T(mute_exemptions),
        T(ratelimited_messages),
        T(long_message_is_cut),
        T(cut_boundary),
        T(cut_keeps_suppressed_note),
        T(control_chars_are_replaced),
        T(no_sink_is_harmless),
        T(sink_table),
        T(sink_that_logs_is_not_recursed),
        T(null_format_is_ignored),
        T(management_flags),
        T(syslog_priorities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
