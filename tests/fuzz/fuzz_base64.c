/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text in: whatever base64_decode() accepts must re-encode to the same characters (whitespace
 * aside, since the decoder accepts only canonical input) and decode again to the same bytes.
 * The strict hex decoder gets the same input and the same round-trip check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "hexdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The input without whitespace must equal the fresh encoding. */
static void same_without_space(const char *in, size_t n, const char *enc, size_t elen)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space(in[i]))
            continue;
        check(j < elen && in[i] == enc[j]);
        j++;
    }
    check(j == elen);
}

static void base64_round_trip(const char *in, size_t n)
{
    size_t cap = base64_decoded_max(n), len, elen, len2;
    uint8_t *out = malloc(cap + 1), *back = malloc(cap + 1);
    char *enc = NULL;
    check(out && back);
    if (base64_decode(in, n, out, cap, &len) != 0)
        goto done;
    check(len <= cap);
    enc = malloc(base64_encoded_len(len) + 1);
    check(enc != NULL);
    check(base64_encode(out, len, enc, base64_encoded_len(len) + 1, &elen) == 0);
    check(elen == base64_encoded_len(len) && strlen(enc) == elen);
    same_without_space(in, n, enc, elen);
    check(base64_decode(enc, elen, back, cap, &len2) == 0);
    check(len2 == len && memcmp(out, back, len) == 0);
done:
    free(enc);
    free(out);
    free(back);
}

static void hex_round_trip(const char *in, size_t n, unsigned flags)
{
    uint8_t *out = malloc(n / 2 + 1);
    char *enc = malloc(n + 1);
    size_t len, elen;
    check(out && enc);
    if (hexdump_decode(in, n, flags, out, n / 2 + 1, &len) == 0) {
        check(hexdump_encode(out, len, flags, enc, n + 1, &elen) == 0);
        check(elen == n);
        for (size_t i = 0; i < n; i++)
            check(hexdump_nibble(in[i]) == hexdump_nibble(enc[i]));
    }
    free(out);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char dump[512];
    base64_round_trip(in, size);
    hex_round_trip(in, size, 0);
    hex_round_trip(in, size, HEXDUMP_COLON);
    check(hexdump_format(data, size, dump, sizeof(dump)) <= size);
    return 0;
}
