/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config files from disk. Reads to EOF instead of trusting st_size, so FIFOs and files that grow
 * while being read are handled and the size cap holds in every case.
 */
#include "conf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_FILE_CHUNK 65536

static int fail(char *err, size_t errlen, const char *path, int e)
{
    snprintf(err, errlen, "cannot read '%s': %s", path, strerror(e));
    return -1;
}

static int too_big(char *err, size_t errlen, const char *path)
{
    snprintf(err, errlen, "cannot read '%s': larger than %u bytes (%u MiB), not a config file",
             path, CONF_FILE_MAX, CONF_FILE_MAX / (1024u * 1024u));
    return -1;
}

/* Reads fd to EOF into a buffer of at most CONF_FILE_MAX bytes plus a NUL. */
static int slurp(int fd, uint8_t **out, size_t *len)
{
    size_t cap = CONF_FILE_CHUNK, used = 0;
    uint8_t *buf = malloc(cap + 1);
    if (!buf)
        return ENOMEM;
    for (;;) {
        if (used == cap) {
            if (cap > CONF_FILE_MAX) {
                free(buf);
                return EFBIG;
            }
            uint8_t *p = realloc(buf, 2 * cap + 1);
            if (!p) {
                free(buf);
                return ENOMEM;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            return e;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > CONF_FILE_MAX) {
        free(buf);
        return EFBIG;
    }
    buf[used] = 0;
    *out = buf;
    *len = used;
    return 0;
}

int conf_file_read(void *ctx, const char *path, uint8_t **data, size_t *len, char *id, size_t idlen,
                   char *err, size_t errlen)
{
    struct stat st;
    (void)ctx;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(err, errlen, path, errno);
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, path, e);
    }
    if (S_ISREG(st.st_mode) && st.st_size > (off_t)CONF_FILE_MAX) {
        close(fd);
        return too_big(err, errlen, path);
    }
    int e = slurp(fd, data, len);
    close(fd);
    if (e == EFBIG)
        return too_big(err, errlen, path);
    if (e)
        return fail(err, errlen, path, e);
    snprintf(id, idlen, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    return 0;
}

void conf_file_loader(struct conf_loader *ld, void (*warn)(void *ctx, const char *msg), void *ctx)
{
    ld->read_file = conf_file_read;
    ld->warn = warn;
    ld->ctx = ctx;
}
