/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O side of logging (log.h is the pure side): the wall clock, and the stderr, file and
 * syslog sinks behind the `log`, `log-append`, `syslog` and `daemon` directives
 * (ops-interfaces.md sections 1.5.3 and 8). One set per process, so the state is module-owned.
 *
 * Which destinations to open is the caller's decision (e.g. `daemon` without `log` means
 * syslog); opening a file or syslog stops logging to stderr, as OpenVPN does. Note that OpenVPN
 * writes its console log to stdout; Sluice writes it to stderr.
 *
 * Sink writes never fail visibly: a line that cannot be written is dropped (there is nowhere
 * left to report it).
 */
#ifndef SLUICE_LOGSINK_H
#define SLUICE_LOGSINK_H

#include <stdbool.h>
#include <stddef.h>

/* syslog ident when `syslog` / `daemon` name none. */
#define LOGSINK_DEFAULT_IDENT "sluice"

/*
 * Installs the wall clock into the logger: CLOCK_REALTIME, broken down with localtime_r. Also
 * loads the time zone now (tzset), so timestamps stay local after chroot hides /etc/localtime.
 */
void logsink_install_clock(void);

/* Adds the stderr sink (timestamped per the layout). Returns 0, or -1 when no sink slot is free. */
int logsink_use_stderr(void);

/*
 * `log FILE` (append false: truncate) / `log-append FILE` (append true). Opens the file
 * write-only, created with mode 0600, close-on-exec, then replaces the stderr sink with a file
 * sink; a file opened earlier is closed. Returns 0, or -1 with
 * "cannot open log file 'PATH': <strerror>" in err (always NUL-terminated when errlen > 0),
 * leaving the current sinks as they were.
 */
int logsink_open_file(const char *path, bool append, char *err, size_t errlen);

/*
 * `syslog [progname]` / `daemon [progname]`: opens syslog with ident progname (NULL or empty:
 * LOGSINK_DEFAULT_IDENT, longer than 63 bytes: cut), facility LOG_DAEMON, and the PID in each
 * record, then replaces the stderr sink with a syslog sink. Priorities come from
 * log_syslog_priority(). Returns 0, or -1 when no sink slot is free.
 */
int logsink_open_syslog(const char *progname);

/*
 * For SIGHUP: re-opens the log file by its path so that a rotated (renamed) file is let go and a
 * new one created. Always appends: whatever is at the path now is kept. Returns 0 (also when no
 * file is in use), or -1 with the same message as logsink_open_file() in err, in which case the
 * old file stays in use.
 */
int logsink_reopen(char *err, size_t errlen);

/* Removes every sink this module added, closes the file and syslog. The clock stays. */
void logsink_close(void);

#endif
