/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The PID file to remove at exit: kept here because it outlives the configuration struct. */
static char pidfile_path[PATH_MAX];

int sys_chdir(const char *dir, char *err, size_t errlen)
{
    if (chdir(dir) == 0)
        return 0;
    snprintf(err, errlen, "cannot change directory to '%s': %s", dir, strerror(errno));
    return -1;
}

/* An absolute path, so that removal at exit still works after a later chdir. */
static void remember_pidfile(const char *path)
{
    char cwd[PATH_MAX];
    int n;
    if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
        n = snprintf(pidfile_path, sizeof(pidfile_path), "%s/%s", cwd, path);
    else
        n = snprintf(pidfile_path, sizeof(pidfile_path), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(pidfile_path))
        pidfile_path[0] = '\0'; /* too long to remember: the file stays */
}

int sys_write_pidfile(const char *path, char *err, size_t errlen)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) {
        snprintf(err, errlen, "cannot write PID file '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    remember_pidfile(path);
    return 0;
}

int sys_write_file(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t done = 0;

    while (fd >= 0 && done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (fd < 0 || done < len) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void sys_remove_pidfile(void)
{
    if (pidfile_path[0])
        unlink(pidfile_path);
    pidfile_path[0] = '\0';
}
