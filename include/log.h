/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process-wide logger: OpenVPN-compatible verbosity (`verb`), `mute`, line layouts
 * (ops-interfaces.md section 8), a rate-limited variant for per-packet messages, and pluggable
 * sinks. One logger per process, so its state is module-owned.
 *
 * Purity: this module formats text and never touches a file, the clock or the time zone.
 *  - Time comes from a clock callback installed by the shell (logsink.h), called at most once per
 *    emitted line and only when some sink shows a timestamp. The callback returns
 *    the time ALREADY BROKEN DOWN into local-time fields, because converting to local time
 *    (localtime_r) reads the zone files; the core only prints the fields. Tests install a fake
 *    clock. Without a clock, lines carry no timestamp (as with suppress-timestamps) and the
 *    machine-readable layout shows 0.000000.
 *  - Output goes to up to LOG_MAX_SINKS sinks (file, stderr, syslog, later management). With no
 *    sink a message is formatted and dropped; nothing fails.
 *
 * Formatting is bounded: the message text (peer prefix, message, rate-limit note) is cut to
 * LOG_TEXT_MAX - 1 bytes, the cut marked with "..."; nothing is allocated. Control characters
 * (a peer-chosen common name can hold a newline) become '?', so one call is always one line; a
 * trailing newline in the format is dropped.
 *
 * Not re-entrant: a message logged from inside a sink's write() is dropped, which stops a sink
 * that logs its own failures from recursing. errno is preserved across every call.
 *
 * Severity never changes control flow: LOG_F_FATAL marks the line; exiting is the caller's job.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"

/*
 * A message's flags word. The bit layout is OpenVPN's (error.h), so the hex flags in the
 * machine-readable layout read the same: bits 0-3 verbosity level, bits 4-23 flags,
 * bits 24-31 mute category. None of these names collide with <syslog.h>.
 */
#define LOG_LEVEL_MASK   0x0Fu
#define LOG_VERB_MAX     11u /* highest `verb`; levels above it are never shown */
#define LOG_VERB_DEFAULT 1u
#define LOG_F_FATAL      (1u << 4)  /* management F, syslog ERR */
#define LOG_F_ERROR      (1u << 5)  /* non-fatal error: management N, syslog ERR */
#define LOG_F_WARN       (1u << 6)  /* management W, syslog WARNING */
#define LOG_F_DEBUG      (1u << 7)  /* management D */
#define LOG_F_NOMUTE     (1u << 11) /* never counted or muted by `mute` */
#define LOG_MUTE_SHIFT   24
#define LOG_MUTE_MAX     0xFFu

/* Verbosity level n (0..15) in a flags word. */
#define LOG_LEVEL(n) (LOG_LEVEL_MASK & (unsigned)(n))
/* Mute category c (1..255; 0 = never muted) in a flags word. */
#define LOG_MUTE(c) ((LOG_MUTE_MAX & (unsigned)(c)) << LOG_MUTE_SHIFT)

/*
 * Ready-made flag words. Fatal, error and warning sit at level 0 as in OpenVPN, so they show at
 * every `verb`. Combine with LOG_MUTE(c) to make a message mutable: LOG_L_VERB(3) | LOG_MUTE(7).
 */
#define LOG_L_FATAL    LOG_F_FATAL
#define LOG_L_ERROR    LOG_F_ERROR
#define LOG_L_WARN     LOG_F_WARN
#define LOG_L_INFO     LOG_LEVEL(1)
#define LOG_L_VERB(n)  LOG_LEVEL(n)
#define LOG_L_DEBUG(n) (LOG_LEVEL(n) | LOG_F_DEBUG)

/* Bytes of message text including the NUL; longer text is cut and ends in "...". */
#define LOG_TEXT_MAX 2048u
/* Bytes of the longest line a sink receives, including the NUL (timestamp + text). */
#define LOG_LINE_MAX  (LOG_TEXT_MAX + 64u)
#define LOG_MAX_SINKS 4u

enum log_layout {
    LOG_LAYOUT_DEFAULT, /* "YYYY-MM-DD HH:MM:SS msg"; at verb >= 4 "... HH:MM:SS us=NNNNNN msg" */
    LOG_LAYOUT_NO_TIME, /* suppress-timestamps: "msg" */
    LOG_LAYOUT_MACHINE, /* machine-readable-output: "<unix_sec>.<usec6> <flags hex> msg" */
};

/* One instant as the shell's clock reports it. The broken-down fields are LOCAL time. */
struct log_time {
    int64_t unix_sec; /* seconds since the epoch, for the machine-readable layout */
    uint32_t usec;    /* 0..999999; larger values are printed as 999999 */
    int year;         /* e.g. 2026 */
    int month;        /* 1..12 */
    int day;          /* 1..31 */
    int hour;         /* 0..23 */
    int minute;       /* 0..59 */
    int second;       /* 0..60 */
};

/* Fills *out (zeroed before the call) with the current time. Never called for filtered messages. */
typedef void (*log_clock_fn)(void *ctx, struct log_time *out);

/*
 * A destination. write() receives one line without a trailing newline; line[len] is NUL and
 * len < LOG_LINE_MAX. flags is the message's flags word (for syslog priority, management
 * letter). A "bare" sink gets "[prefix ]msg" with no timestamp whatever the layout: syslog and
 * the management interface add their own time.
 */
struct log_sink {
    void (*write)(void *ctx, unsigned flags, const char *line, size_t len);
    void *ctx;
    bool bare;
};

struct log_params {
    unsigned verb; /* 0..LOG_VERB_MAX */
    unsigned mute; /* 0 = off; else at most this many consecutive same-category lines */
    enum log_layout layout;
};

/* Back to the start-up state: verb 1, mute off, default layout, no clock, no sinks. */
void log_reset(void);

/* Applies the configuration; false (nothing changed) for verb > LOG_VERB_MAX or a bad layout. */
bool log_configure(const struct log_params *p);

/* The management `verb` / `mute` commands. set_verb returns false for n > LOG_VERB_MAX. */
bool log_set_verb(unsigned n);
unsigned log_verb(void);
void log_set_mute(unsigned n);
unsigned log_mute(void);

/* fn NULL removes the clock. ctx is passed back to fn. */
void log_set_clock(log_clock_fn fn, void *ctx);

/*
 * Adds a copy of *sink (write must be non-NULL). Returns 0, or -1 when LOG_MAX_SINKS are in use
 * or write is NULL. Adding the same write+ctx pair twice adds it once.
 */
int log_add_sink(const struct log_sink *sink);

/* Removes the sink with this write function and ctx; false when there was none. */
bool log_remove_sink(void (*write)(void *ctx, unsigned flags, const char *line, size_t len),
                     void *ctx);

/* True when a message with these flags passes the verbosity filter (mute is not considered). */
bool log_enabled(unsigned flags);

/* Logs fmt at the given flags word. */
void log_msg(unsigned flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * As log_msg, with "prefix " put before the message (e.g. a peer's "CN/IP:port", or "IP:port"
 * before authentication). A NULL or empty prefix adds nothing.
 */
void log_peer_msg(unsigned flags, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void log_vmsg(unsigned flags, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * For per-packet messages: logs only when the message passes the verbosity filter AND rl allows
 * it at now_ms (a filtered message does not touch rl). After refusals, the next logged line ends
 * in " (N similar messages suppressed)". The peer variant adds a prefix as log_peer_msg().
 */
void log_ratelimited(struct ratelimit *rl, uint64_t now_ms, unsigned flags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void log_peer_ratelimited(struct ratelimit *rl, uint64_t now_ms, unsigned flags, const char *prefix,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * The `>LOG` flags field of the management interface for a message: "F" fatal, "N" non-fatal
 * error, "W" warning, "D" debug, "I" plain info at level 0 or 1, and "" otherwise (OpenVPN
 * leaves it empty for plain messages above level 1). The result is a static string.
 */
const char *log_mgmt_flags(unsigned flags);

/*
 * The syslog priority for a message, as OpenVPN maps it: LOG_ERR (3) for fatal and non-fatal
 * errors, LOG_WARNING (4) for warnings, LOG_NOTICE (5) for everything else, debug included.
 */
int log_syslog_priority(unsigned flags);

#endif
