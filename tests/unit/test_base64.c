/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base64.h"

struct vector {
    const char *plain;
    const char *encoded;
};

/* RFC 4648 section 10. */
static const struct vector rfc_vectors[] = {
    { "", "" },
    { "f", "Zg==" },
    { "fo", "Zm8=" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" },
    { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
};

#define NVEC (sizeof(rfc_vectors) / sizeof(rfc_vectors[0]))

static void rfc4648_encode(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        char out[16];
        size_t len = 99;
        size_t n = strlen(rfc_vectors[i].plain);
        assert_int_equal(
            base64_encode((const uint8_t *)rfc_vectors[i].plain, n, out, sizeof(out), &len), 0);
        assert_string_equal(out, rfc_vectors[i].encoded);
        assert_int_equal(len, strlen(rfc_vectors[i].encoded));
        assert_int_equal(base64_encoded_len(n), len);
    }
}

static void rfc4648_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        uint8_t out[16];
        size_t len = 99;
        const char *in = rfc_vectors[i].encoded;
        assert_int_equal(base64_decode(in, strlen(in), out, sizeof(out), &len), 0);
        assert_int_equal(len, strlen(rfc_vectors[i].plain));
        assert_memory_equal(out, rfc_vectors[i].plain, len);
        assert_true(len <= base64_decoded_max(strlen(in)));
    }
}

static void all_alphabet_characters(void **state)
{
    (void)state;
    const char *in = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t out[48], expect[48];
    size_t len;
    /* Sextets 0..63 in order: the bytes are the bit string 000000 000001 ... 111111. */
    for (size_t i = 0; i < 16; i++) {
        uint32_t v = (uint32_t)(4 * i) << 18 | (uint32_t)(4 * i + 1) << 12 |
                     (uint32_t)(4 * i + 2) << 6 | (uint32_t)(4 * i + 3);
        expect[3 * i] = (uint8_t)(v >> 16);
        expect[3 * i + 1] = (uint8_t)(v >> 8);
        expect[3 * i + 2] = (uint8_t)v;
    }
    assert_int_equal(base64_decode(in, strlen(in), out, sizeof(out), &len), 0);
    assert_int_equal(len, 48);
    assert_memory_equal(out, expect, 48);
    assert_int_equal(base64_char_value('A'), 0);
    assert_int_equal(base64_char_value('/'), 63);
    assert_int_equal(base64_char_value('='), -1);
    assert_int_equal(base64_char_value('-'), -1);
    assert_int_equal(base64_char_value('_'), -1);
}

static void whitespace_is_skipped(void **state)
{
    (void)state;
    const char *in = " Zm9v\r\nYm\tFy \n\v\f";
    uint8_t out[8];
    size_t len;
    assert_int_equal(base64_decode(in, strlen(in), out, sizeof(out), &len), 0);
    assert_int_equal(len, 6);
    assert_memory_equal(out, "foobar", 6);
    const char *padded = "Zm8\n=\n";
    assert_int_equal(base64_decode(padded, strlen(padded), out, sizeof(out), &len), 0);
    assert_int_equal(len, 2);
    const char *only_space = " \n\r\t";
    assert_int_equal(base64_decode(only_space, strlen(only_space), out, sizeof(out), &len), 0);
    assert_int_equal(len, 0);
}

static void expect_decode_error(const char *in, size_t n, int err)
{
    uint8_t out[64];
    size_t len = 77;
    memset(out, 0xaa, sizeof(out));
    assert_int_equal(base64_decode(in, n, out, sizeof(out), &len), err);
    assert_int_equal(len, 0);
    /* Partial output was wiped: nothing decoded survives. */
    for (size_t i = 0; i < sizeof(out); i++)
        assert_true(out[i] == 0 || out[i] == 0xaa);
}

static void bad_characters(void **state)
{
    (void)state;
    const char *bad[] = { "Zm9v!",     "Zm-v", "Zm_v", "Zm9v\x80YmFy", "Zm9vYmFy.",
                          "Zm9vYmF\"", "@@@@", "Zm:v", "Z\x7fm9" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_decode_error(bad[i], strlen(bad[i]), BASE64_ERR_CHAR);
    expect_decode_error("Zm\0v", 4, BASE64_ERR_CHAR); /* an embedded NUL is not whitespace */
}

static void bad_padding(void **state)
{
    (void)state;
    const char *bad[] = {
        "Z",        "Zm",       "Zm9",     "Zm9vY", /* incomplete last group */
        "=",        "====",     "Z===",    "Zg=",   /* padding in the wrong place */
        "Zg==Zg==", "Zm8=Zm9v", "Zg==\nA", "Zg===", /* data after padding */
        "Zg=a",     "Zm=v",     "Zh==",    "Zm9=",  /* '=' then data; spare bits set */
        "QR==",     "Zm9vYmF=", "=Zm9",    "Zm8=\n=",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_decode_error(bad[i], strlen(bad[i]), BASE64_ERR_PAD);
    /* Canonical neighbours of the spare-bit cases are accepted. */
    uint8_t out[4];
    size_t len;
    assert_int_equal(base64_decode("Zg==", 4, out, sizeof(out), &len), 0);
    assert_int_equal(base64_decode("Zm8=", 4, out, sizeof(out), &len), 0);
    assert_int_equal(base64_decode("QQ==", 4, out, sizeof(out), &len), 0);
    assert_int_equal(out[0], 'A');
}

static void decode_output_space(void **state)
{
    (void)state;
    uint8_t out[6];
    size_t len;
    for (size_t cap = 0; cap < 6; cap++) {
        memset(out, 0x55, sizeof(out));
        assert_int_equal(base64_decode("Zm9vYmFy", 8, out, cap, &len), BASE64_ERR_SPACE);
        assert_int_equal(len, 0);
        for (size_t i = 0; i < cap; i++)
            assert_int_equal(out[i], 0); /* wiped */
        for (size_t i = cap; i < sizeof(out); i++)
            assert_int_equal(out[i], 0x55); /* never written past cap */
    }
    assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 6, &len), 0);
    assert_int_equal(base64_decode("Zm9vYg==", 8, out, 4, &len), 0);
    assert_int_equal(len, 4);
    assert_int_equal(base64_decode("Zm9vYg==", 8, out, 3, &len), BASE64_ERR_SPACE);
    assert_int_equal(base64_decode(NULL, 0, NULL, 0, &len), 0);
    assert_int_equal(len, 0);
}

static void encode_output_space(void **state)
{
    (void)state;
    char out[10];
    size_t len = 42;
    /* "foobar" needs 8 characters and a NUL. */
    for (size_t cap = 0; cap < 9; cap++) {
        memset(out, 'x', sizeof(out));
        assert_int_equal(base64_encode((const uint8_t *)"foobar", 6, out, cap, &len),
                         BASE64_ERR_SPACE);
        for (size_t i = 0; i < cap; i++)
            assert_int_equal(out[i], '\0'); /* partial encoding wiped */
        for (size_t i = cap; i < sizeof(out); i++)
            assert_int_equal(out[i], 'x'); /* never written past cap */
    }
    assert_int_equal(len, 42);
    assert_int_equal(base64_encode((const uint8_t *)"foobar", 6, out, 9, NULL), 0);
    assert_string_equal(out, "Zm9vYmFy");
    assert_int_equal(base64_encode(NULL, 0, out, 1, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
}

static void size_helpers(void **state)
{
    (void)state;
    assert_int_equal(base64_encoded_len(0), 0);
    assert_int_equal(base64_encoded_len(1), 4);
    assert_int_equal(base64_encoded_len(3), 4);
    assert_int_equal(base64_encoded_len(4), 8);
    assert_int_equal(base64_encoded_len(555), 740);
    assert_true(base64_encoded_len(SIZE_MAX) == SIZE_MAX);
    assert_true(base64_encoded_len(SIZE_MAX / 4 * 3) < SIZE_MAX);
    assert_int_equal(base64_decoded_max(0), 0);
    assert_int_equal(base64_decoded_max(3), 0);
    assert_int_equal(base64_decoded_max(4), 3);
    assert_int_equal(base64_decoded_max(740), 555);
    assert_string_equal(base64_strerror(BASE64_ERR_PAD),
                        "bad padding, truncated data or data after the padding");
    assert_string_equal(base64_strerror(12345), "unknown base64 error");
}

static void encode_to_writer_appends(void **state)
{
    (void)state;
    uint8_t mem[12];
    struct buf_writer w;
    buf_writer_init(&w, mem, sizeof(mem));
    buf_write_u8(&w, '[');
    base64_encode_to(&w, (const uint8_t *)"fo", 2);
    buf_write_u8(&w, ']');
    assert_true(buf_writer_ok(&w));
    assert_int_equal(buf_writer_len(&w), 6);
    assert_memory_equal(mem, "[Zm8=]", 6);
    base64_encode_to(&w, (const uint8_t *)"foobar", 6); /* needs 8, 6 left */
    assert_false(buf_writer_ok(&w));
}

static uint32_t rng_state = 0x12345678u;

static uint8_t rng_byte(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (uint8_t)(rng_state >> 16);
}

static void random_round_trip(void **state)
{
    (void)state;
    uint8_t in[300], back[300];
    char text[404];
    for (size_t n = 0; n <= sizeof(in); n++) {
        size_t tlen, blen;
        for (size_t i = 0; i < n; i++)
            in[i] = rng_byte();
        assert_int_equal(base64_encode(in, n, text, sizeof(text), &tlen), 0);
        assert_int_equal(tlen, base64_encoded_len(n));
        assert_int_equal(base64_decode(text, tlen, back, sizeof(back), &blen), 0);
        assert_int_equal(blen, n);
        assert_memory_equal(back, in, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_encode),
        cmocka_unit_test(rfc4648_decode),
        cmocka_unit_test(all_alphabet_characters),
        cmocka_unit_test(whitespace_is_skipped),
        cmocka_unit_test(bad_characters),
        cmocka_unit_test(bad_padding),
        cmocka_unit_test(decode_output_space),
        cmocka_unit_test(encode_output_space),
        cmocka_unit_test(size_helpers),
        cmocka_unit_test(encode_to_writer_appends),
        cmocka_unit_test(random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
