/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "logsink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
    int fd;              /* the log file, or -1 */
    char path[PATH_MAX]; /* kept for logsink_reopen() */
    char ident[64];      /* openlog() keeps the pointer, so the string must outlive it */
    bool syslog_open;
} state = { .fd = -1 };

static void wall_clock(void *ctx, struct log_time *out)
{
    (void)ctx;
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return;
    time_t sec = ts.tv_sec;
    out->unix_sec = (int64_t)ts.tv_sec;
    out->usec = (uint32_t)(ts.tv_nsec / 1000);
    if (!localtime_r(&sec, &tm))
        return;
    out->year = tm.tm_year + 1900;
    out->month = tm.tm_mon + 1;
    out->day = tm.tm_mday;
    out->hour = tm.tm_hour;
    out->minute = tm.tm_min;
    out->second = tm.tm_sec;
}

void logsink_install_clock(void)
{
    tzset();
    log_set_clock(wall_clock, NULL);
}

/* One write() per line, so lines from concurrent writers to an O_APPEND file never interleave. */
static void write_line(int fd, const char *line, size_t len)
{
    char buf[LOG_LINE_MAX + 1];
    if (len >= LOG_LINE_MAX)
        len = LOG_LINE_MAX - 1;
    memcpy(buf, line, len);
    buf[len++] = '\n';
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

static void stderr_write(void *ctx, unsigned flags, const char *line, size_t len)
{
    (void)ctx;
    (void)flags;
    write_line(STDERR_FILENO, line, len);
}

static void file_write(void *ctx, unsigned flags, const char *line, size_t len)
{
    (void)ctx;
    (void)flags;
    if (state.fd >= 0)
        write_line(state.fd, line, len);
}

static void syslog_write(void *ctx, unsigned flags, const char *line, size_t len)
{
    (void)ctx;
    (void)len;
    syslog(log_syslog_priority(flags), "%s", line);
}

int logsink_use_stderr(void)
{
    const struct log_sink sink = { .write = stderr_write, .ctx = NULL, .bare = false };
    return log_add_sink(&sink);
}

static int open_log(const char *path, bool append, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
    if (fd < 0 && errlen > 0)
        snprintf(err, errlen, "cannot open log file '%s': %s", path, strerror(errno));
    return fd;
}

int logsink_open_file(const char *path, bool append, char *err, size_t errlen)
{
    if (strlen(path) >= sizeof(state.path)) {
        if (errlen > 0)
            snprintf(err, errlen, "cannot open log file '%s': %s", path, strerror(ENAMETOOLONG));
        return -1;
    }
    int fd = open_log(path, append, err, errlen);
    if (fd < 0)
        return -1;
    const struct log_sink sink = { .write = file_write, .ctx = NULL, .bare = false };
    if (state.fd < 0 && log_add_sink(&sink) != 0) {
        close(fd);
        if (errlen > 0)
            snprintf(err, errlen, "cannot open log file '%s': too many log sinks", path);
        return -1;
    }
    if (state.fd >= 0)
        close(state.fd);
    state.fd = fd;
    snprintf(state.path, sizeof(state.path), "%s", path);
    log_remove_sink(stderr_write, NULL);
    return 0;
}

int logsink_open_syslog(const char *progname)
{
    const struct log_sink sink = { .write = syslog_write, .ctx = NULL, .bare = true };
    if (state.syslog_open)
        closelog();
    snprintf(state.ident, sizeof(state.ident), "%s",
             progname && progname[0] ? progname : LOGSINK_DEFAULT_IDENT);
    openlog(state.ident, LOG_PID, LOG_DAEMON);
    state.syslog_open = true;
    if (log_add_sink(&sink) != 0) {
        closelog();
        state.syslog_open = false;
        return -1;
    }
    log_remove_sink(stderr_write, NULL);
    return 0;
}

int logsink_reopen(char *err, size_t errlen)
{
    if (state.fd < 0)
        return 0;
    int fd = open_log(state.path, true, err, errlen);
    if (fd < 0)
        return -1;
    close(state.fd);
    state.fd = fd;
    return 0;
}

void logsink_close(void)
{
    log_remove_sink(stderr_write, NULL);
    log_remove_sink(file_write, NULL);
    log_remove_sink(syslog_write, NULL);
    if (state.fd >= 0)
        close(state.fd);
    state.fd = -1;
    state.path[0] = '\0';
    if (state.syslog_open)
        closelog();
    state.syslog_open = false;
}
