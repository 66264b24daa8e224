/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key file text in: the static key parser and the generic block finder + base64 decoder must
 * reject or accept without crashing, and whatever they accept must survive a write/read round
 * trip unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pem.h"
#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char text[4096];
static uint8_t decoded[4096], again[4096];

static void check(int ok)
{
    if (!ok)
        abort();
}

static void static_key(const char *in, size_t n)
{
    uint8_t key[PEM_STATIC_KEY_LEN], back[PEM_STATIC_KEY_LEN];
    struct pem_error err;
    size_t len;
    char msg[256];
    if (pem_static_key_parse(in, n, key, &err) != 0) {
        check(err.code != 0);
        check(pem_error_format(&err, msg, sizeof(msg)) > 0);
        return;
    }
    check(pem_static_key_write(key, text, sizeof(text), &len) == 0);
    check(len == PEM_STATIC_KEY_TEXT_LEN);
    check(pem_static_key_parse(text, len, back, NULL) == 0);
    check(memcmp(key, back, sizeof(key)) == 0);
    secret_wipe(key, sizeof(key));
    secret_wipe(back, sizeof(back));
}

static void block(const char *in, size_t n, const char *label, size_t cap)
{
    struct pem_view body;
    struct pem_error err;
    size_t len, tlen, len2;
    if (pem_find_block(in, n, label, &body, &err) == 0)
        check(body.len <= n &&
              (body.len == 0 || (body.data >= in && body.data + body.len <= in + n)));
    if (pem_decode_block(in, n, label, decoded, cap, &len, &err) != 0) {
        check(len == 0);
        return;
    }
    check(len <= cap);
    if (pem_write_block(label, decoded, len, text, sizeof(text), &tlen) != 0) {
        check(pem_block_text_len(label, len) + 1 > sizeof(text));
        return;
    }
    check(tlen == pem_block_text_len(label, len));
    check(pem_decode_block(text, tlen, label, again, sizeof(again), &len2, NULL) == 0);
    check(len2 == len && memcmp(decoded, again, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    static_key(in, size);
    block(in, size, PEM_TLS_CRYPT_V2_CLIENT, sizeof(decoded));
    block(in, size, PEM_TLS_CRYPT_V2_SERVER, 128);
    block(in, size, "K", 16);
    return 0;
}
