/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads configuration files from disk for the configuration core (include/conf.h): the
 * read_file half of a struct conf_loader.
 */
#ifndef SLUICE_CONF_FILE_H
#define SLUICE_CONF_FILE_H

#include "conf.h"

#include <stddef.h>
#include <stdint.h>

#define CONF_FILE_MAX (4u * 1024u * 1024u) /* bytes: a config file is never this large */

/*
 * struct conf_loader read_file: reads the whole of path (relative paths are relative to the
 * working directory). On success returns 0, *data is malloc'd with *len bytes plus a NUL (the
 * caller frees it) and id receives "DEV:INODE". On failure returns -1 and writes e.g. "cannot
 * read 'x.conf': No such file or directory" to err; files over CONF_FILE_MAX bytes fail too.
 * ctx is unused.
 */
int conf_file_read(void *ctx, const char *path, uint8_t **data, size_t *len, char *id, size_t idlen,
                   char *err, size_t errlen);

/* Fills ld with conf_file_read and the given warning sink (which may be NULL). */
void conf_file_loader(struct conf_loader *ld, void (*warn)(void *ctx, const char *msg), void *ctx);

#endif
