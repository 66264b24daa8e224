/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process-level chores of the daemon (shell): the working directory (`cd`) and the PID file
 * (`writepid`). Later: daemonizing, privileges, sd_notify.
 */
#ifndef SLUICE_SYS_H
#define SLUICE_SYS_H

#include <stddef.h>

/* chdir(dir); on failure -1 with "cannot change directory to 'DIR': <strerror>" in err. */
int sys_chdir(const char *dir, char *err, size_t errlen);

/*
 * Writes this process's PID and a newline to path (mode 0644, replacing the file) and remembers
 * the path for sys_remove_pidfile(). -1 with "cannot write PID file 'PATH': <strerror>" in err.
 */
int sys_write_pidfile(const char *path, char *err, size_t errlen);

/*
 * Replaces the content of path with data[0..len) (created with mode 0600 if missing: a status
 * file names clients and their addresses). -1 with "cannot write 'PATH': <strerror>" in err.
 */
int sys_write_file(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* Removes the PID file written by sys_write_pidfile(), if any; OpenVPN removes it at exit too. */
void sys_remove_pidfile(void);

#endif
