/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feeds the same bytes to every text control-message parser, then treats them as a push list
 * (comma-separated options): whatever the builder accepts must come out as PUSH_REPLY messages
 * that the client parser reads without a framing error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"

#define MAX_OPTS 64

static struct push_settings settings;
static char text[PUSH_MSG_MAX * 2];
static char opt_store[PUSH_MSG_MAX * 2];

static void require(int cond)
{
    if (!cond)
        abort();
}

static void check_settings(const struct push_settings *s)
{
    require(s->n_routes <= PUSH_MAX_ROUTES && s->n_routes6 <= PUSH_MAX_ROUTES6);
    require(s->n_dhcp <= PUSH_MAX_DHCP && s->peer_id <= 0xFFFFFF);
    require(memchr(s->cipher, '\0', sizeof(s->cipher)) != NULL);
    require(memchr(s->err, '\0', sizeof(s->err)) != NULL);
}

static void check_text(const uint8_t *data, size_t size)
{
    struct push_text_iter it;
    struct push_msg m;
    const char *msg;
    size_t len;
    int rc;

    push_text_iter_init(&it, data, size);
    while ((rc = push_text_next(&it, &msg, &len)) != 0) {
        if (rc < 0)
            continue;
        require(len > 0 && msg >= (const char *)data && msg + len <= (const char *)data + size);
        require(push_msg_parse(msg, len, &m) == PUSH_OK);
        require(m.arg_len <= len && m.text_len <= len && m.temp_msg_len <= len);
    }
    push_settings_init(&settings);
    rc = push_reply_parse((const char *)data, size, &settings);
    require(rc >= PUSH_ERR_LIMIT && rc <= 1);
    check_settings(&settings);
    push_settings_wipe(&settings);
}

/* Splits data at commas into options (stored NUL-terminated in opt_store). */
static size_t split_opts(const uint8_t *data, size_t size, const char **opts)
{
    size_t n = 0, at = 0, start = 0;

    if (size >= sizeof(opt_store))
        return 0;
    memcpy(opt_store, data, size);
    opt_store[size] = '\0';
    for (; at <= size && n < MAX_OPTS; at++) {
        if (at < size && opt_store[at] != ',')
            continue;
        opt_store[at] = '\0';
        opts[n++] = opt_store + start;
        start = at + 1;
    }
    return n;
}

static void check_builder(const uint8_t *data, size_t size)
{
    const char *opts[MAX_OPTS];
    struct push_reply_iter it;
    size_t n = split_opts(data, size, opts), len, msgs = 0;
    int rc;

    if (push_reply_iter_init(&it, opts, n, NULL) != PUSH_OK)
        return;
    push_settings_init(&settings);
    while ((rc = push_reply_next(&it, text, sizeof(text), &len)) == 1) {
        require(len == strlen(text) && len < PUSH_BUNDLE_SIZE);
        require(memcmp(text, "PUSH_REPLY", 10) == 0);
        rc = push_reply_parse(text, len, &settings);
        require(rc == 0 || rc == 1 || rc == PUSH_ERR_OPTION || rc == PUSH_ERR_LIMIT);
        require(++msgs <= n + 1);
    }
    require(rc == 0 && msgs >= 1);
    check_settings(&settings);
    push_settings_wipe(&settings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PUSH_MSG_MAX * 2)
        return 0;
    check_text(data, size);
    check_builder(data, size);
    return 0;
}
