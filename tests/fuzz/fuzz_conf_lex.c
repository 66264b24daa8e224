/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs the config lexer over arbitrary text to its end or first error, re-lexes <connection>
 * bodies as the conf layer does, and tokenizes the same bytes with conf_lex_split. Every
 * directive handed out must respect the header's limits; a violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf_lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_argv(const struct conf_line *l, int min_argc)
{
    if (l->argc < min_argc || l->argc > CONF_MAX_ARGS)
        abort();
    for (int i = 0; i < CONF_MAX_ARGS; i++) {
        if ((i < l->argc) != (l->argv[i] != NULL))
            abort();
        if (i < l->argc && strlen(l->argv[i]) >= CONF_MAX_TOKEN)
            abort();
    }
}

/* An inline block's body must be a view inside data[0..size). */
static void check_block(const struct conf_line *l, const uint8_t *data, size_t size)
{
    uintptr_t lo = (uintptr_t)data;
    uintptr_t at = (uintptr_t)l->inline_data;
    if (l->argc != 2 || !conf_lex_is_inline_tag(l->argv[0]) ||
        strcmp(l->argv[1], CONF_INLINE_MARK) != 0)
        abort();
    if (at < lo || l->inline_len > CONF_MAX_INLINE || l->inline_len > size ||
        at - lo > size - l->inline_len)
        abort();
}

static void lex_all(const uint8_t *data, size_t size, unsigned first_line, int depth)
{
    struct conf_lex *lx = conf_lex_new_at("fuzz.conf", data, size, first_line);
    struct conf_line l;
    unsigned last = 0;
    int rc;
    if (!lx)
        return;
    while ((rc = conf_lex_next(lx, &l)) == 1) {
        check_argv(&l, 1);
        if (l.lineno < first_line || l.lineno <= last)
            abort();
        last = l.lineno;
        if (l.inline_data) {
            check_block(&l, data, size);
            if (depth < 3 && strcmp(l.argv[0], "connection") == 0)
                lex_all(l.inline_data, l.inline_len, l.lineno + 1, depth + 1);
        }
    }
    if (rc < 0 && (conf_lex_error(lx)[0] == '\0' || conf_lex_next(lx, &l) != -1))
        abort();
    if (rc == 0 && conf_lex_error(lx)[0] != '\0')
        abort();
    conf_lex_free(lx);
}

static void split(const uint8_t *data, size_t size, char *store, size_t cap)
{
    struct conf_line l;
    char err[160];
    if (conf_lex_split((const char *)data, size, &l, store, cap, err, sizeof(err)) == 0) {
        check_argv(&l, 0);
    } else if (err[0] == '\0' || l.argc != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char store[CONF_LEX_SPLIT_STORAGE];
    char small[24];
    lex_all(data, size, 1, 0);
    split(data, size, store, sizeof(store));
    split(data, size, small, sizeof(small));
    return 0;
}
