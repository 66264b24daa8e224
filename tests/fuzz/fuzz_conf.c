/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arbitrary bytes as a config file: parse (every include request fails), then show, check
 * support, finalize and show again; the shown text is parsed once more. Nothing is written.
 */
#include "conf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int no_files(void *ctx, const char *path, uint8_t **out, size_t *len, char *id, size_t idlen,
                    char *err, size_t errlen)
{
    (void)ctx;
    (void)out;
    (void)len;
    (void)id;
    (void)idlen;
    snprintf(err, errlen, "cannot read '%s': not in the fuzzer", path);
    return -1;
}

static void no_warn(void *ctx, const char *msg)
{
    size_t *n = ctx;
    *n += strlen(msg);
}

struct text {
    char buf[1 << 16];
    size_t len;
};

static void collect(void *ctx, const char *line)
{
    struct text *t = ctx;
    size_t n = strlen(line);
    if (t->len + n + 1 < sizeof(t->buf)) {
        memcpy(t->buf + t->len, line, n);
        t->buf[t->len + n] = '\n';
        t->len += n + 1;
    }
}

static void reparse(const struct text *t, const struct conf_loader *ld)
{
    struct conf *d = conf_new();
    struct conf_err err;
    if (d)
        (void)conf_parse_text(d, "shown.conf", (const uint8_t *)t->buf, t->len, ld, &err);
    conf_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct text shown;
    size_t warned = 0;
    struct conf_loader ld = { no_files, no_warn, &warned };
    struct conf_err err;
    struct conf *c = conf_new();

    if (!c)
        return 0;
    if (conf_parse_text(c, "fuzz.conf", data, size, &ld, &err) == 0) {
        shown.len = 0;
        conf_show(c, collect, &shown);
        reparse(&shown, &ld);
        (void)conf_check_supported(c, &err);
        if (conf_finalize(c, &err) == 0) {
            shown.len = 0;
            conf_show(c, collect, &shown);
            reparse(&shown, &ld);
        }
    }
    conf_free(c);
    return 0;
}
