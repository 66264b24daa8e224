/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hexdump.h"

static const uint8_t fingerprint[4] = { 0xd5, 0x29, 0xfa, 0x0e };

static void encode_plain_colon_upper(void **state)
{
    (void)state;
    char out[16];
    size_t len;
    assert_int_equal(hexdump_encode(fingerprint, 4, 0, out, sizeof(out), &len), 0);
    assert_string_equal(out, "d529fa0e");
    assert_int_equal(len, 8);
    assert_int_equal(hexdump_encode(fingerprint, 4, HEXDUMP_COLON, out, sizeof(out), &len), 0);
    assert_string_equal(out, "d5:29:fa:0e");
    assert_int_equal(len, 11);
    assert_int_equal(
        hexdump_encode(fingerprint, 4, HEXDUMP_COLON | HEXDUMP_UPPER, out, sizeof(out), NULL), 0);
    assert_string_equal(out, "D5:29:FA:0E");
    assert_int_equal(hexdump_encode(fingerprint, 1, HEXDUMP_COLON, out, sizeof(out), &len), 0);
    assert_string_equal(out, "d5");
    assert_int_equal(hexdump_encode(NULL, 0, HEXDUMP_COLON, out, sizeof(out), &len), 0);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);
}

static void encode_space(void **state)
{
    (void)state;
    char out[12];
    for (size_t cap = 0; cap < 12; cap++) {
        memset(out, 'x', sizeof(out));
        assert_int_equal(hexdump_encode(fingerprint, 4, HEXDUMP_COLON, out, cap, NULL),
                         HEXDUMP_ERR_SPACE);
        for (size_t i = 0; i < cap; i++)
            assert_int_equal(out[i], '\0');
        for (size_t i = cap; i < sizeof(out); i++)
            assert_int_equal(out[i], 'x');
    }
    assert_int_equal(hexdump_encode(fingerprint, 4, HEXDUMP_COLON, out, 12, NULL), 0);
}

static void encoded_len(void **state)
{
    (void)state;
    assert_int_equal(hexdump_encoded_len(0, 0), 0);
    assert_int_equal(hexdump_encoded_len(0, HEXDUMP_COLON), 0);
    assert_int_equal(hexdump_encoded_len(1, HEXDUMP_COLON), 2);
    assert_int_equal(hexdump_encoded_len(32, HEXDUMP_COLON), 95);
    assert_int_equal(hexdump_encoded_len(32, 0), 64);
    assert_true(hexdump_encoded_len(SIZE_MAX / 2 + 1, 0) == SIZE_MAX);
    assert_true(hexdump_encoded_len(SIZE_MAX / 3 + 1, HEXDUMP_COLON) == SIZE_MAX);
}

static void decode_good(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t len;
    assert_int_equal(hexdump_decode("d529FA0e", 8, 0, out, sizeof(out), &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(out, fingerprint, 4);
    assert_int_equal(hexdump_decode("D5:29:fa:0E", 11, HEXDUMP_COLON, out, sizeof(out), &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(out, fingerprint, 4);
    assert_int_equal(hexdump_decode("", 0, 0, out, sizeof(out), &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(hexdump_decode(NULL, 0, HEXDUMP_COLON, out, sizeof(out), &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(hexdump_decode("0123456789abcdef", 16, 0, out, sizeof(out), &len), 0);
    assert_int_equal(out[7], 0xef);
}

static void expect_decode(const char *in, unsigned flags, int err)
{
    uint8_t out[8];
    size_t len = 55;
    memset(out, 0xaa, sizeof(out));
    assert_int_equal(hexdump_decode(in, strlen(in), flags, out, sizeof(out), &len), err);
    assert_int_equal(len, 0);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_true(out[i] == 0 || out[i] == 0xaa); /* decoded bytes wiped */
}

static void decode_bad(void **state)
{
    (void)state;
    expect_decode("d", 0, HEXDUMP_ERR_LENGTH);
    expect_decode("d52", 0, HEXDUMP_ERR_LENGTH);
    expect_decode("d529f", 0, HEXDUMP_ERR_LENGTH);
    expect_decode("d5g9", 0, HEXDUMP_ERR_CHAR);
    expect_decode("d529zz", 0, HEXDUMP_ERR_CHAR);
    expect_decode("d5 29", 0, HEXDUMP_ERR_LENGTH);
    expect_decode("d5 2", 0, HEXDUMP_ERR_CHAR);
    expect_decode("d5:2", 0, HEXDUMP_ERR_CHAR);
    expect_decode("0x12", 0, HEXDUMP_ERR_CHAR);
    expect_decode("d5\n", 0, HEXDUMP_ERR_LENGTH);
    expect_decode("d5:29", 0, HEXDUMP_ERR_LENGTH); /* a colon in plain mode: odd length */
    expect_decode("d5:29:", 0, HEXDUMP_ERR_CHAR);
    /* Colon mode. */
    expect_decode("d5:29:", HEXDUMP_COLON, HEXDUMP_ERR_LENGTH);
    expect_decode(":d5:29", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d5::29", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d529", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d5-29", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d:52:9a", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d5:2", HEXDUMP_COLON, HEXDUMP_ERR_LENGTH);
    expect_decode("d5:g9", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d5: 29", HEXDUMP_COLON, HEXDUMP_ERR_CHAR);
    expect_decode("d", HEXDUMP_COLON, HEXDUMP_ERR_LENGTH);
    expect_decode(":", HEXDUMP_COLON, HEXDUMP_ERR_LENGTH);
    /* An embedded NUL. */
    uint8_t out[2];
    size_t len;
    assert_int_equal(hexdump_decode("d\0", 2, 0, out, sizeof(out), &len), HEXDUMP_ERR_CHAR);
}

static void decode_space(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t len;
    memset(out, 0x77, sizeof(out));
    assert_int_equal(hexdump_decode("d529fa0e", 8, 0, out, 3, &len), HEXDUMP_ERR_SPACE);
    assert_int_equal(len, 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 0x77);
    assert_int_equal(hexdump_decode("d5:29", 5, HEXDUMP_COLON, NULL, 0, &len), HEXDUMP_ERR_SPACE);
    assert_string_equal(hexdump_strerror(HEXDUMP_ERR_LENGTH), "odd number of hex digits");
}

static void nibble_values(void **state)
{
    (void)state;
    const char *digits = "0123456789abcdefABCDEF";
    for (int i = 0; i < 22; i++)
        assert_int_equal(hexdump_nibble(digits[i]), i < 16 ? i : i - 6);
    for (int c = -128; c < 128; c++) {
        if (!strchr(digits, c) || c == 0)
            assert_int_equal(hexdump_nibble((char)c), -1);
    }
}

/* Expected lines from `hexdump -C`. */
static void dump_lines_match_hexdump_c(void **state)
{
    (void)state;
    const char *text = "The quick brown fox jumps over the lazy dog\x00\x01\xff";
    const char *expect = "00000000  54 68 65 20 71 75 69 63  6b 20 62 72 6f 77 6e 20  |The quick "
                         "brown |\n"
                         "00000010  66 6f 78 20 6a 75 6d 70  73 20 6f 76 65 72 20 74  |fox jumps "
                         "over t|\n"
                         "00000020  68 65 20 6c 61 7a 79 20  64 6f 67 00 01 ff        |he lazy "
                         "dog...|\n";
    char out[512];
    assert_int_equal(hexdump_format((const uint8_t *)text, 46, out, sizeof(out)), 46);
    assert_string_equal(out, expect);
    assert_int_equal(hexdump_line((const uint8_t *)"hello\n", 6, 0, out, sizeof(out)), 0);
    assert_string_equal(out,
                        "00000000  68 65 6c 6c 6f 0a                                 |hello.|");
}

static void dump_line_details(void **state)
{
    (void)state;
    char out[HEXDUMP_LINE_SIZE];
    uint8_t sixteen[20];
    for (int i = 0; i < 20; i++)
        sixteen[i] = (uint8_t)(0x7c + i);
    /* More than 16 bytes: only 16 shown. 0x7f and above are not printable. */
    assert_int_equal(hexdump_line(sixteen, 20, 0x123456789aull, out, sizeof(out)), 0);
    assert_string_equal(out, "123456789a  7c 7d 7e 7f 80 81 82 83  84 85 86 87 88 89 8a 8b  "
                             "||}~.............|");
    assert_int_equal(hexdump_line(NULL, 0, 16, out, sizeof(out)), 0);
    assert_string_equal(out, "00000010                                                    ||");
    /* The widest line fits HEXDUMP_LINE_SIZE. */
    assert_int_equal(hexdump_line(sixteen, 16, SIZE_MAX, out, sizeof(out)), 0);
    assert_int_equal(strlen(out), 16 + 54 + 16);
    assert_int_equal(hexdump_line(sixteen, 16, 0, out, 78), HEXDUMP_ERR_SPACE);
    assert_string_equal(out, "");
    assert_int_equal(hexdump_line(sixteen, 16, 0, out, 79), 0);
}

static void dump_truncates_to_whole_lines(void **state)
{
    (void)state;
    uint8_t data[40];
    char out[200];
    memset(data, 'A', sizeof(data));
    /* A full line is 78 characters plus '\n'; the NUL needs one more. */
    assert_int_equal(hexdump_format(data, 40, out, 79), 0);
    assert_string_equal(out, "");
    assert_int_equal(hexdump_format(data, 40, out, 80), 16);
    assert_int_equal(strlen(out), 79);
    assert_int_equal(hexdump_format(data, 40, out, 158), 16);
    assert_int_equal(hexdump_format(data, 40, out, 159), 32);
    assert_int_equal(hexdump_format(data, 40, out, sizeof(out)), 32);
    assert_int_equal(hexdump_format(data, 40, NULL, 0), 0);
    assert_int_equal(hexdump_format(NULL, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_plain_colon_upper),
        cmocka_unit_test(encode_space),
        cmocka_unit_test(encoded_len),
        cmocka_unit_test(decode_good),
        cmocka_unit_test(decode_bad),
        cmocka_unit_test(decode_space),
        cmocka_unit_test(nibble_values),
        cmocka_unit_test(dump_lines_match_hexdump_c),
        cmocka_unit_test(dump_line_details),
        cmocka_unit_test(dump_truncates_to_whole_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
