/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* Where the `mute` wording and counting follow OpenVPN 2.6 (error.c, strings of the binary). */
#define MUTE_NOTE    "NOTE: --mute triggered..."
#define MUTE_SUMMARY "%u variation(s) on previous %u message(s) suppressed by --mute"
#define USEC_VERB    4u /* OpenVPN adds "us=" from this verbosity on */
#define HEADER_MAX   64u

typedef void (*sink_write_fn)(void *ctx, unsigned flags, const char *line, size_t len);

static struct {
    unsigned verb;
    unsigned mute_cutoff;
    unsigned mute_category;
    unsigned mute_count;
    enum log_layout layout;
    log_clock_fn clock;
    void *clock_ctx;
    struct log_sink sinks[LOG_MAX_SINKS];
    size_t nsinks;
    bool busy; /* inside a sink's write(): further messages are dropped */
} g = { .verb = LOG_VERB_DEFAULT };

void log_reset(void)
{
    memset(&g, 0, sizeof(g));
    g.verb = LOG_VERB_DEFAULT;
    g.layout = LOG_LAYOUT_DEFAULT;
}

bool log_configure(const struct log_params *p)
{
    if (p->verb > LOG_VERB_MAX || p->layout > LOG_LAYOUT_MACHINE)
        return false;
    g.verb = p->verb;
    g.layout = p->layout;
    log_set_mute(p->mute);
    return true;
}

bool log_set_verb(unsigned n)
{
    if (n > LOG_VERB_MAX)
        return false;
    g.verb = n;
    return true;
}

unsigned log_verb(void)
{
    return g.verb;
}

/* A new cutoff starts a fresh count: a stale one could otherwise report a bogus summary. */
void log_set_mute(unsigned n)
{
    g.mute_cutoff = n;
    g.mute_count = 0;
    g.mute_category = 0;
}

unsigned log_mute(void)
{
    return g.mute_cutoff;
}

void log_set_clock(log_clock_fn fn, void *ctx)
{
    g.clock = fn;
    g.clock_ctx = fn ? ctx : NULL;
}

static struct log_sink *find_sink(sink_write_fn write, void *ctx)
{
    for (size_t i = 0; i < g.nsinks; i++) {
        if (g.sinks[i].write == write && g.sinks[i].ctx == ctx)
            return &g.sinks[i];
    }
    return NULL;
}

int log_add_sink(const struct log_sink *sink)
{
    if (!sink || !sink->write)
        return -1;
    struct log_sink *same = find_sink(sink->write, sink->ctx);
    if (same) {
        *same = *sink;
        return 0;
    }
    if (g.nsinks >= LOG_MAX_SINKS)
        return -1;
    g.sinks[g.nsinks++] = *sink;
    return 0;
}

bool log_remove_sink(sink_write_fn write, void *ctx)
{
    struct log_sink *s = find_sink(write, ctx);
    if (!s)
        return false;
    size_t i = (size_t)(s - g.sinks);
    memmove(&g.sinks[i], &g.sinks[i + 1], (g.nsinks - i - 1) * sizeof(g.sinks[0]));
    g.nsinks--;
    return true;
}

bool log_enabled(unsigned flags)
{
    return (flags & LOG_LEVEL_MASK) <= g.verb;
}

const char *log_mgmt_flags(unsigned flags)
{
    if (flags & LOG_F_FATAL)
        return "F";
    if (flags & LOG_F_ERROR)
        return "N";
    if (flags & LOG_F_WARN)
        return "W";
    if (flags & LOG_F_DEBUG)
        return "D";
    return (flags & LOG_LEVEL_MASK) <= 1 ? "I" : "";
}

int log_syslog_priority(unsigned flags)
{
    if (flags & (LOG_F_FATAL | LOG_F_ERROR))
        return LOG_ERR;
    if (flags & LOG_F_WARN)
        return LOG_WARNING;
    return LOG_NOTICE;
}

/* ---- formatting ---- */

/* Text being built in a fixed buffer; cap counts the NUL. Once cut, appends do nothing. */
struct text {
    char *buf;
    size_t cap;
    size_t len;
    bool cut;
};

/* Prototypes only to carry the format checks. */
static void text_vappend(struct text *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void text_append(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void format_and_emit(unsigned flags, const char *prefix, uint64_t suppressed,
                            const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_vratelimited(struct ratelimit *rl, uint64_t now_ms, unsigned flags,
                             const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void text_vappend(struct text *t, const char *fmt, va_list ap)
{
    if (t->cut)
        return;
    size_t room = t->cap - t->len;
    int n = vsnprintf(t->buf + t->len, room, fmt, ap);
    if (n < 0) {
        t->buf[t->len] = '\0'; /* an encoding error drops just this piece */
        return;
    }
    if ((size_t)n >= room) {
        t->len = t->cap - 1;
        t->cut = true;
        return;
    }
    t->len += (size_t)n;
}

static void text_append(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vappend(t, fmt, ap);
    va_end(ap);
}

/* A cut is marked in the text itself; otherwise a trailing newline (printf habit) is dropped. */
static void text_finish_message(struct text *t)
{
    if (t->cut && t->len >= 3) {
        memcpy(t->buf + t->len - 3, "...", 3);
        return;
    }
    while (t->len > 0 && (t->buf[t->len - 1] == '\n' || t->buf[t->len - 1] == '\r'))
        t->buf[--t->len] = '\0';
}

/* One call, one line: a newline from a peer-chosen name must not forge a second log line. */
static void sanitize(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            s[i] = '?';
    }
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Field ranges are clamped so that a broken clock cannot overflow the header. */
static int format_local_time(char *out, size_t cap, const struct log_time *t)
{
    int n = snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d ", clamp(t->year, 0, 9999),
                     clamp(t->month, 0, 99), clamp(t->day, 0, 99), clamp(t->hour, 0, 99),
                     clamp(t->minute, 0, 99), clamp(t->second, 0, 99));
    if (n < 0 || (size_t)n >= cap || g.verb < USEC_VERB)
        return n;
    int m = snprintf(out + n, cap - (size_t)n, "us=%06" PRIu32 " ", t->usec);
    return m < 0 ? m : n + m;
}

/* Writes the layout's timestamp part into out; t is NULL without a clock. Returns its length. */
static size_t format_header(char *out, size_t cap, unsigned flags, const struct log_time *t)
{
    int n = 0;
    out[0] = '\0';
    if (g.layout == LOG_LAYOUT_MACHINE) {
        n = snprintf(out, cap, "%" PRId64 ".%06" PRIu32 " %x ", t ? t->unix_sec : 0,
                     t ? t->usec : 0, flags);
    } else if (g.layout == LOG_LAYOUT_DEFAULT && t) {
        n = format_local_time(out, cap, t);
    }
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

/* ---- output ---- */

static bool wants_time(void)
{
    if (!g.clock || g.layout == LOG_LAYOUT_NO_TIME)
        return false;
    for (size_t i = 0; i < g.nsinks; i++) {
        if (!g.sinks[i].bare)
            return true;
    }
    return false;
}

static bool read_clock(struct log_time *t)
{
    if (!wants_time())
        return false;
    memset(t, 0, sizeof(*t));
    g.clock(g.clock_ctx, t);
    if (t->usec > 999999)
        t->usec = 999999;
    return true;
}

static void emit(unsigned flags, const char *text, size_t text_len)
{
    struct log_time t;
    bool have_time = read_clock(&t);
    char line[LOG_LINE_MAX];
    size_t hlen = format_header(line, HEADER_MAX, flags, have_time ? &t : NULL);
    memcpy(line + hlen, text, text_len + 1);

    g.busy = true;
    for (size_t i = 0; i < g.nsinks; i++) {
        const struct log_sink *s = &g.sinks[i];
        if (s->bare)
            s->write(s->ctx, flags, text, text_len);
        else
            s->write(s->ctx, flags, line, hlen + text_len);
    }
    g.busy = false;
}

/*
 * Builds "[prefix ]message[ (N similar messages suppressed)]". Room for the suffix is kept
 * back while the message is formatted, so a cut message still reports its suppressed count.
 */
static void format_and_emit(unsigned flags, const char *prefix, uint64_t suppressed,
                            const char *fmt, va_list ap)
{
    char suffix[64] = "";
    if (suppressed > 0)
        snprintf(suffix, sizeof(suffix), " (%" PRIu64 " similar messages suppressed)", suppressed);

    char buf[LOG_TEXT_MAX];
    struct text t = { .buf = buf, .cap = sizeof(buf) - strlen(suffix), .len = 0, .cut = false };
    buf[0] = '\0';
    if (prefix && prefix[0])
        text_append(&t, "%s ", prefix);
    text_vappend(&t, fmt, ap);
    text_finish_message(&t);
    t.cap = sizeof(buf);
    t.cut = false;
    text_append(&t, "%s", suffix);
    sanitize(buf, t.len);
    emit(flags, buf, t.len);
}

static void log_note(const char *fmt, ...)
{
    const unsigned flags = LOG_L_INFO | LOG_F_NOMUTE;
    if (!log_enabled(flags) || g.nsinks == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    format_and_emit(flags, NULL, 0, fmt, ap);
    va_end(ap);
}

/*
 * OpenVPN's `mute`: up to mute_cutoff consecutive messages of one category pass; the rest are
 * counted, and the count is reported when a message of another category arrives. As in OpenVPN,
 * a category-0 message passes and ends the run; a LOG_F_NOMUTE one passes and leaves it alone.
 */
static bool mute_pass(unsigned flags)
{
    if (g.mute_cutoff == 0 || (flags & LOG_F_NOMUTE))
        return true;
    unsigned cat = (flags >> LOG_MUTE_SHIFT) & LOG_MUTE_MAX;
    if (cat != 0 && cat == g.mute_category) {
        if (g.mute_count == g.mute_cutoff)
            log_note(MUTE_NOTE);
        if (g.mute_count < UINT_MAX)
            g.mute_count++;
        return g.mute_count <= g.mute_cutoff;
    }
    if (g.mute_count > g.mute_cutoff)
        log_note(MUTE_SUMMARY, g.mute_count - g.mute_cutoff, g.mute_cutoff);
    g.mute_count = 1;
    g.mute_category = cat;
    return true;
}

void log_vmsg(unsigned flags, const char *prefix, const char *fmt, va_list ap)
{
    if (!fmt || g.busy || !log_enabled(flags))
        return;
    int saved_errno = errno;
    if (mute_pass(flags) && g.nsinks > 0)
        format_and_emit(flags, prefix, 0, fmt, ap);
    errno = saved_errno;
}

void log_msg(unsigned flags, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(flags, NULL, fmt, ap);
    va_end(ap);
}

void log_peer_msg(unsigned flags, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(flags, prefix, fmt, ap);
    va_end(ap);
}

static void log_vratelimited(struct ratelimit *rl, uint64_t now_ms, unsigned flags,
                             const char *prefix, const char *fmt, va_list ap)
{
    if (!fmt || g.busy || !log_enabled(flags))
        return;
    int saved_errno = errno;
    if (ratelimit_allow(rl, now_ms)) {
        uint64_t suppressed = ratelimit_take_suppressed(rl);
        if (mute_pass(flags) && g.nsinks > 0)
            format_and_emit(flags, prefix, suppressed, fmt, ap);
    }
    errno = saved_errno;
}

void log_ratelimited(struct ratelimit *rl, uint64_t now_ms, unsigned flags, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vratelimited(rl, now_ms, flags, NULL, fmt, ap);
    va_end(ap);
}

void log_peer_ratelimited(struct ratelimit *rl, uint64_t now_ms, unsigned flags, const char *prefix,
                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vratelimited(rl, now_ms, flags, prefix, fmt, ap);
    va_end(ap);
}
