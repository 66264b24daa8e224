/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "pem.h"

/*
 * Throwaway keys written by OpenVPN 2.6.14: `openvpn --genkey secret`, `--genkey
 * tls-crypt-v2-server` and `--genkey tls-crypt-v2-client` with that server key. They protect
 * nothing; they pin the exact text format.
 */
static const char openvpn_static_key[] = "#\n"
                                         "# 2048 bit OpenVPN static key\n"
                                         "#\n"
                                         "-----BEGIN OpenVPN Static key V1-----\n"
                                         "11c1e3a3829e193368673289a4057bf6\n"
                                         "f9c12908b7e826c2c571d0a9c21eedfa\n"
                                         "c3afed2365f02aa3d8d11ab18633487d\n"
                                         "637a6eb9a2d94126fa5c11636c292d6d\n"
                                         "4d5040b4722f55523cbdbdb289e57262\n"
                                         "98e9dc6fdc29655c40d089e324c8d380\n"
                                         "06dc6a74e7dfb440619dfaa2c006ef1d\n"
                                         "d5f21930c1b0dfb84ea3642f5e98a376\n"
                                         "81413bfa838353259890d4ab9b903b40\n"
                                         "4d727c8a547e98fab47e68d7db41d188\n"
                                         "b6951a5179b4539a80e8fb6401c681b7\n"
                                         "9f122843de0362741c93a285271d0ccf\n"
                                         "f9d3eb8034d73775a2f6c464270a1f33\n"
                                         "586207d4ba889442128a08c017eb3ece\n"
                                         "ead0953fd9999a841f9f8d66ccea4a83\n"
                                         "a35e7865d7eeecc2e6d88854dfb65b62\n"
                                         "-----END OpenVPN Static key V1-----\n";

static const char openvpn_v2_server_key[] =
    "-----BEGIN OpenVPN tls-crypt-v2 server key-----\n"
    "sFSXTAcQUE+sqLxsXR95Sw2NBZAY5v0xVYMms88E590JhCUOBynbYiuy5jcIO1Z2\n"
    "nALKdy9C6dKiSyniGlDS2C6fPVHUKhYGY8RruEmr1I/b0jGYS15EkT60siZgVNKz\n"
    "FgvKMjRVSLni/Y8h11P6pQVQf4XMq5ukhW72gBmQJvI=\n"
    "-----END OpenVPN tls-crypt-v2 server key-----\n";

static const char openvpn_v2_client_key[] =
    "-----BEGIN OpenVPN tls-crypt-v2 client key-----\n"
    "HkCyhQbq8vsmXXKxrXG0rzQ+49uqe/kun4Z1sP5WC3swUbsolL5ET2z6xptefd+X\n"
    "XjMsYL8ZygPY5JVKhx1YEQhIDqQ3ETbdqya8DT28xs9XIUZU0H8NbDCtu8aQTfIx\n"
    "3Vq+uYagZoQePxM6T7CtjABo4dJQWI5dGBIxpIqlcBEH7l3rcrlGorYf9OzSikJl\n"
    "7zHk6EAXvAt3fGyGSm76Pi6XDaOUJEcAPxu7jY7rIcR2qEUCfc3y7eWvhXIIMiWD\n"
    "Xuh6GIEyYy3MFCg5ctiPW4/LzEQWRA3cVPsBfGQSqryjlBIMEDcy8BPezvV5G6u7\n"
    "P4hCd96RaTzChauFxvrKv6HWiDssr6/FX6cAV6j4f16vFx6c7RcQcTI0Sxl3kyNJ\n"
    "rT97cUwvzyQq99LmyHjE2C2SDqNXmPXkgLxDjbSwHdEui18Zym/g3EtCzGkopVYl\n"
    "2cLL32lq1zKtkFFIrD97Ix9/jLVvzJ9Zg6Rw4G9oUya1jtYTycnO19EENdKUmlsT\n"
    "MlohLlJe42/9wxb8VLv02CcaLtjAK5ylb6aQJHBXRrclAB2oLUUymjzpIhg58V91\n"
    "8OoFr/FQr6cvOoBMUp8Al+fhV7YhdisDXbGJ7dQrsJFYJQ/eyTlhu90exFIIvHfH\n"
    "gnGPzqsC63nMNYMfB+MD4EXD2pkAtAY0+vFDhoiPKSqUcM7hIty93IKs1+GBYk6X\n"
    "rSNJ8BBxfvYENk637OJdfL4Bkyd7k5/AIQEr\n"
    "-----END OpenVPN tls-crypt-v2 client key-----\n";

#define STATIC_BEGIN "-----BEGIN OpenVPN Static key V1-----\n"
#define STATIC_END   "-----END OpenVPN Static key V1-----\n"
/* 16 lines of 32 hex digits: bytes 0x00..0xff. */
#define HEX_LINE(a)                                                                                \
    a "0" a "1" a "2" a "3" a "4" a "5" a "6" a "7" a "8" a "9" a "a" a "b" a "c" a "d" a "e" a    \
      "f"                                                                                          \
      "\n"

static const char counting_body[] = HEX_LINE("0") HEX_LINE("1") HEX_LINE("2") HEX_LINE("3")
    HEX_LINE("4") HEX_LINE("5") HEX_LINE("6") HEX_LINE("7") HEX_LINE("8") HEX_LINE("9")
        HEX_LINE("a") HEX_LINE("b") HEX_LINE("c") HEX_LINE("d") HEX_LINE("e") HEX_LINE("f");

static int parse(const char *text, uint8_t *key, struct pem_error *err)
{
    return pem_static_key_parse(text, strlen(text), key, err);
}

static void static_key_from_openvpn(void **state)
{
    (void)state;
    uint8_t key[PEM_STATIC_KEY_LEN];
    struct pem_error err;
    assert_int_equal(parse(openvpn_static_key, key, &err), 0);
    assert_int_equal(err.code, 0);
    const uint8_t first[4] = { 0x11, 0xc1, 0xe3, 0xa3 }, keys1[4] = { 0x81, 0x41, 0x3b, 0xfa },
                  last[4] = { 0xdf, 0xb6, 0x5b, 0x62 };
    assert_memory_equal(key, first, 4);
    assert_memory_equal(key + 128, keys1, 4); /* keys[1].cipher starts on line 9 */
    assert_memory_equal(key + 252, last, 4);
}

static void static_key_rewritten_byte_identical(void **state)
{
    (void)state;
    uint8_t key[PEM_STATIC_KEY_LEN];
    char text[PEM_STATIC_KEY_TEXT_LEN + 1];
    size_t len = 0;
    assert_int_equal(parse(openvpn_static_key, key, NULL), 0);
    assert_int_equal(pem_static_key_write(key, text, sizeof(text), &len), 0);
    assert_int_equal(len, PEM_STATIC_KEY_TEXT_LEN);
    assert_int_equal(strlen(openvpn_static_key), PEM_STATIC_KEY_TEXT_LEN);
    assert_string_equal(text, openvpn_static_key);
}

static void static_key_write_space(void **state)
{
    (void)state;
    uint8_t key[PEM_STATIC_KEY_LEN];
    char text[PEM_STATIC_KEY_TEXT_LEN + 1];
    memset(key, 0xab, sizeof(key));
    memset(text, 'x', sizeof(text));
    assert_int_equal(pem_static_key_write(key, text, PEM_STATIC_KEY_TEXT_LEN, NULL), PEM_ERR_SPACE);
    for (size_t i = 0; i < PEM_STATIC_KEY_TEXT_LEN; i++)
        assert_int_equal(text[i], '\0'); /* no half key text left behind */
    assert_int_equal(text[PEM_STATIC_KEY_TEXT_LEN], 'x');
    assert_int_equal(pem_static_key_write(key, NULL, 0, NULL), PEM_ERR_SPACE);
}

static void expect_counting_key(const uint8_t *key)
{
    for (int i = 0; i < PEM_STATIC_KEY_LEN; i++)
        assert_int_equal(key[i], (i / 16) << 4 | (i % 16));
}

static void static_key_layout_variants(void **state)
{
    (void)state;
    uint8_t key[PEM_STATIC_KEY_LEN];
    char text[2048];
    /* Inline block without comments, trailing text after END. */
    snprintf(text, sizeof(text), "%s%s%sgarbage after\n", STATIC_BEGIN, counting_body, STATIC_END);
    assert_int_equal(parse(text, key, NULL), 0);
    expect_counting_key(key);
    /* CRLF line ends, indented armor lines, no final newline. */
    char crlf[2048];
    size_t o = (size_t)snprintf(crlf, sizeof(crlf), "# comment\r\n  %s", STATIC_BEGIN);
    crlf[o - 1] = '\r';
    crlf[o++] = '\n';
    for (const char *p = counting_body; *p; p++) {
        if (*p == '\n')
            crlf[o++] = '\r';
        crlf[o++] = *p;
    }
    snprintf(crlf + o, sizeof(crlf) - o, "\t-----END OpenVPN Static key V1----- ");
    assert_int_equal(parse(crlf, key, NULL), 0);
    expect_counting_key(key);
    /* One long line, upper case, pairs split by whitespace. */
    char flat[2048];
    o = (size_t)snprintf(flat, sizeof(flat), "%s", STATIC_BEGIN);
    for (int i = 0; i < PEM_STATIC_KEY_LEN; i++)
        o += (size_t)snprintf(flat + o, sizeof(flat) - o, i == 5 ? "%X %X" : "%X%X", (i / 16) & 0xf,
                              i % 16);
    snprintf(flat + o, sizeof(flat) - o, "\n%s", STATIC_END);
    assert_int_equal(parse(flat, key, NULL), 0);
    expect_counting_key(key);
}

static void expect_static_error(const char *text, int code, unsigned line, const char *message)
{
    uint8_t key[PEM_STATIC_KEY_LEN];
    struct pem_error err;
    char buf[160];
    memset(key, 0x5a, sizeof(key));
    assert_int_equal(parse(text, key, &err), code);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    for (size_t i = 0; i < sizeof(key); i++)
        assert_int_equal(key[i], 0); /* wiped, partial key included */
    pem_error_format(&err, buf, sizeof(buf));
    assert_string_equal(buf, message);
}

static void static_key_missing_armor(void **state)
{
    (void)state;
    expect_static_error("", PEM_ERR_NO_BEGIN, 0,
                        "no -----BEGIN OpenVPN Static key V1----- line found");
    expect_static_error("#\n# 2048 bit OpenVPN static key\n#\n", PEM_ERR_NO_BEGIN, 0,
                        "no -----BEGIN OpenVPN Static key V1----- line found");
    expect_static_error("-----BEGIN OpenVPN Static key V2-----\n00\n", PEM_ERR_NO_BEGIN, 0,
                        "no -----BEGIN OpenVPN Static key V1----- line found");
    expect_static_error("-----BEGIN OpenVPN Static key V1----\n", PEM_ERR_NO_BEGIN, 0,
                        "no -----BEGIN OpenVPN Static key V1----- line found");
    expect_static_error("x-----BEGIN OpenVPN Static key V1-----\n", PEM_ERR_NO_BEGIN, 0,
                        "no -----BEGIN OpenVPN Static key V1----- line found");
    expect_static_error("-----BEGIN OpenVPN Static key V1-----x\n", PEM_ERR_NO_BEGIN, 0,
                        "no -----BEGIN OpenVPN Static key V1----- line found");
    expect_static_error("#\n-----BEGIN OpenVPN Static key V1-----\n0011\n", PEM_ERR_NO_END, 2,
                        "line 2: -----BEGIN OpenVPN Static key V1----- has no "
                        "-----END OpenVPN Static key V1----- line");
    expect_static_error("-----BEGIN OpenVPN Static key V1-----", PEM_ERR_NO_END, 1,
                        "line 1: -----BEGIN OpenVPN Static key V1----- has no "
                        "-----END OpenVPN Static key V1----- line");
    expect_static_error(STATIC_BEGIN "0011\n-----END OpenVPN Static key V2-----\n", PEM_ERR_BAD_END,
                        3, "line 3: expected -----END OpenVPN Static key V1-----");
    expect_static_error(STATIC_BEGIN "0011\n" STATIC_BEGIN "22\n" STATIC_END, PEM_ERR_BAD_END, 3,
                        "line 3: expected -----END OpenVPN Static key V1-----");
}

static void static_key_bad_body(void **state)
{
    (void)state;
    char text[2048];
    expect_static_error(STATIC_BEGIN "0011\n22g3\n" STATIC_END, PEM_ERR_BAD_HEX, 3,
                        "line 3: bad hex digit in OpenVPN Static key V1");
    expect_static_error("#\n" STATIC_BEGIN "# a comment inside\n" STATIC_END, PEM_ERR_BAD_HEX, 3,
                        "line 3: bad hex digit in OpenVPN Static key V1");
    expect_static_error(STATIC_BEGIN "00:11\n" STATIC_END, PEM_ERR_BAD_HEX, 2,
                        "line 2: bad hex digit in OpenVPN Static key V1");
    expect_static_error(STATIC_BEGIN "-0011\n" STATIC_END, PEM_ERR_BAD_HEX, 2,
                        "line 2: bad hex digit in OpenVPN Static key V1");
    expect_static_error(STATIC_BEGIN "0011\n2\n\n" STATIC_END, PEM_ERR_ODD_HEX, 3,
                        "line 3: odd number of hex digits in OpenVPN Static key V1");
    expect_static_error(STATIC_BEGIN STATIC_END, PEM_ERR_KEY_LEN, 0,
                        "OpenVPN Static key V1 has 0 bytes, expected 256");
    /* One byte short. */
    snprintf(text, sizeof(text), "%s%.*s\n%s", STATIC_BEGIN, (int)strlen(counting_body) - 3,
             counting_body, STATIC_END);
    expect_static_error(text, PEM_ERR_KEY_LEN, 0,
                        "OpenVPN Static key V1 has 255 bytes, expected 256");
    /* One byte too many. */
    snprintf(text, sizeof(text), "%s%sff\n%s", STATIC_BEGIN, counting_body, STATIC_END);
    expect_static_error(text, PEM_ERR_KEY_LEN, 0,
                        "OpenVPN Static key V1 has 257 bytes, expected 256");
    /* An embedded NUL is a bad character, not the end of the text. */
    uint8_t key[PEM_STATIC_KEY_LEN];
    struct pem_error err;
    const char nul[] = STATIC_BEGIN "00\0"
                                    "11\n" STATIC_END;
    assert_int_equal(pem_static_key_parse(nul, sizeof(nul) - 1, key, &err), PEM_ERR_BAD_HEX);
    assert_int_equal(err.line, 2);
}

static void find_block_view(void **state)
{
    (void)state;
    const char text[] = "junk\n-----BEGIN X-----\r\nab\ncd\n-----END X-----\nafter";
    struct pem_view body;
    struct pem_error err;
    assert_int_equal(pem_find_block(text, strlen(text), "X", &body, &err), 0);
    assert_int_equal(body.len, 6);
    assert_memory_equal(body.data, "ab\ncd\n", 6);
    assert_int_equal(body.line, 3);
    /* Empty body. */
    const char empty[] = "-----BEGIN X-----\n-----END X-----\n";
    assert_int_equal(pem_find_block(empty, strlen(empty), "X", &body, NULL), 0);
    assert_int_equal(body.len, 0);
    /* A different label is skipped over, not an error. */
    const char two[] = "-----BEGIN Y-----\nzz\n-----END Y-----\n-----BEGIN X-----\nQQ==\n"
                       "-----END X-----\n";
    assert_int_equal(pem_find_block(two, strlen(two), "X", &body, NULL), 0);
    assert_int_equal(body.line, 5);
    assert_memory_equal(body.data, "QQ==\n", 5);
    assert_int_equal(pem_find_block(two, strlen(two), "Z", &body, &err), PEM_ERR_NO_BEGIN);
    assert_null(body.data);
    assert_int_equal(pem_find_block(NULL, 0, "X", &body, &err), PEM_ERR_NO_BEGIN);
    /* The label must match in full. */
    assert_int_equal(pem_find_block(two, strlen(two), "", &body, &err), PEM_ERR_NO_BEGIN);
    const char prefix[] = "-----BEGIN XY-----\n-----END XY-----\n";
    assert_int_equal(pem_find_block(prefix, strlen(prefix), "X", &body, &err), PEM_ERR_NO_BEGIN);
}

static void tls_crypt_v2_keys_decode_and_rewrite(void **state)
{
    (void)state;
    uint8_t server[128], client[600];
    size_t slen, clen, tlen;
    char text[1024];
    struct pem_error err;
    assert_int_equal(pem_decode_block(openvpn_v2_server_key, strlen(openvpn_v2_server_key),
                                      PEM_TLS_CRYPT_V2_SERVER, server, sizeof(server), &slen, &err),
                     0);
    assert_int_equal(slen, 128);
    const uint8_t s_first[4] = { 0xb0, 0x54, 0x97, 0x4c };
    assert_memory_equal(server, s_first, 4);
    assert_int_equal(pem_decode_block(openvpn_v2_client_key, strlen(openvpn_v2_client_key),
                                      PEM_TLS_CRYPT_V2_CLIENT, client, sizeof(client), &clen, &err),
                     0);
    /* Kc (256 bytes) || WKc, whose last two bytes are its own length (section 5.2). */
    assert_int_equal(clen, 555);
    assert_int_equal(client[clen - 2] << 8 | client[clen - 1], clen - 256);
    assert_int_equal(
        pem_write_block(PEM_TLS_CRYPT_V2_SERVER, server, slen, text, sizeof(text), &tlen), 0);
    assert_string_equal(text, openvpn_v2_server_key);
    assert_int_equal(tlen, pem_block_text_len(PEM_TLS_CRYPT_V2_SERVER, slen));
    assert_int_equal(
        pem_write_block(PEM_TLS_CRYPT_V2_CLIENT, client, clen, text, sizeof(text), &tlen), 0);
    assert_string_equal(text, openvpn_v2_client_key);
    assert_int_equal(tlen, pem_block_text_len(PEM_TLS_CRYPT_V2_CLIENT, clen));
    /* The other label is not there. */
    assert_int_equal(pem_decode_block(openvpn_v2_client_key, strlen(openvpn_v2_client_key),
                                      PEM_TLS_CRYPT_V2_SERVER, server, sizeof(server), &slen, &err),
                     PEM_ERR_NO_BEGIN);
    assert_int_equal(slen, 0);
}

static void expect_decode_error(const char *text, int code, int detail, unsigned line,
                                const char *message)
{
    uint8_t out[8];
    size_t len = 3;
    struct pem_error err;
    char buf[160];
    memset(out, 0x5a, sizeof(out));
    assert_int_equal(pem_decode_block(text, strlen(text), "K", out, sizeof(out), &len, &err), code);
    assert_int_equal(len, 0);
    assert_int_equal(err.detail, detail);
    assert_int_equal(err.line, line);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_true(out[i] == 0 || out[i] == 0x5a);
    pem_error_format(&err, buf, sizeof(buf));
    assert_string_equal(buf, message);
}

static void decode_block_errors(void **state)
{
    (void)state;
    expect_decode_error("-----BEGIN K-----\nZm9v\nZm9v!\n-----END K-----\n", PEM_ERR_BASE64,
                        BASE64_ERR_CHAR, 3,
                        "line 3: bad base64 in K: character outside the base64 alphabet");
    expect_decode_error("#\n-----BEGIN K-----\nZm9\n-----END K-----\n", PEM_ERR_BASE64,
                        BASE64_ERR_PAD, 2,
                        "line 2: bad base64 in K: bad padding, truncated data or data after "
                        "the padding");
    expect_decode_error("-----BEGIN K-----\nZm8=\nZm8=\n-----END K-----\n", PEM_ERR_BASE64,
                        BASE64_ERR_PAD, 1,
                        "line 1: bad base64 in K: bad padding, truncated data or data after "
                        "the padding");
    expect_decode_error("-----BEGIN K-----\nZm9vZm9vZm9v\n-----END K-----\n", PEM_ERR_SPACE, 0, 1,
                        "K is larger than 8 bytes");
    expect_decode_error("-----BEGIN K-----\nZm9v\n", PEM_ERR_NO_END, 0, 1,
                        "line 1: -----BEGIN K----- has no -----END K----- line");
    expect_decode_error("-----BEGIN K-----\nZm9v\n-----END L-----\n", PEM_ERR_BAD_END, 0, 3,
                        "line 3: expected -----END K-----");
    uint8_t out[4];
    size_t len;
    const char empty[] = "-----BEGIN K-----\n-----END K-----\n";
    assert_int_equal(pem_decode_block(empty, strlen(empty), "K", out, sizeof(out), &len, NULL), 0);
    assert_int_equal(len, 0);
}

static void write_block_shapes(void **state)
{
    (void)state;
    uint8_t data[49];
    char text[256];
    size_t len;
    memset(data, 0, sizeof(data));
    assert_int_equal(pem_write_block("E", NULL, 0, text, sizeof(text), &len), 0);
    assert_string_equal(text, "-----BEGIN E-----\n-----END E-----\n");
    assert_int_equal(len, pem_block_text_len("E", 0));
    /* 48 bytes fill exactly one 64-character line; 49 start a second one. */
    assert_int_equal(pem_write_block("E", data, 48, text, sizeof(text), &len), 0);
    assert_int_equal(len, 18 + 65 + 16);
    assert_int_equal(len, pem_block_text_len("E", 48));
    assert_int_equal(pem_write_block("E", data, 49, text, sizeof(text), &len), 0);
    assert_int_equal(len, 18 + 65 + 5 + 16);
    assert_int_equal(len, pem_block_text_len("E", 49));
    assert_string_equal(text + 18 + 65, "AA==\n-----END E-----\n");
    /* Every capacity short of the full text fails cleanly. */
    for (size_t cap = 0; cap <= len; cap++)
        assert_int_equal(pem_write_block("E", data, 49, text, cap, NULL), PEM_ERR_SPACE);
    assert_int_equal(pem_write_block("", data, 1, text, sizeof(text), NULL), PEM_ERR_LABEL);
    assert_int_equal(pem_write_block("a\nb", data, 1, text, sizeof(text), NULL), PEM_ERR_LABEL);
    assert_true(pem_block_text_len("E", SIZE_MAX) == SIZE_MAX);
}

static void round_trip_through_writer(void **state)
{
    (void)state;
    uint8_t key[PEM_STATIC_KEY_LEN], back[PEM_STATIC_KEY_LEN];
    char text[1024];
    size_t len, n;
    for (int i = 0; i < PEM_STATIC_KEY_LEN; i++)
        key[i] = (uint8_t)(i * 37 + 11);
    assert_int_equal(pem_static_key_write(key, text, sizeof(text), &len), 0);
    assert_int_equal(pem_static_key_parse(text, len, back, NULL), 0);
    assert_memory_equal(back, key, sizeof(key));
    assert_int_equal(pem_write_block("OpenVPN x", key, 200, text, sizeof(text), &len), 0);
    assert_int_equal(pem_decode_block(text, len, "OpenVPN x", back, sizeof(back), &n, NULL), 0);
    assert_int_equal(n, 200);
    assert_memory_equal(back, key, 200);
    assert_string_equal(pem_strerror(PEM_ERR_ODD_HEX), "odd number of hex digits");
    assert_string_equal(pem_strerror(-100), "unknown PEM error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(static_key_from_openvpn),
        cmocka_unit_test(static_key_rewritten_byte_identical),
        cmocka_unit_test(static_key_write_space),
        cmocka_unit_test(static_key_layout_variants),
        cmocka_unit_test(static_key_missing_armor),
        cmocka_unit_test(static_key_bad_body),
        cmocka_unit_test(find_block_view),
        cmocka_unit_test(tls_crypt_v2_keys_decode_and_rewrite),
        cmocka_unit_test(decode_block_errors),
        cmocka_unit_test(write_block_shapes),
        cmocka_unit_test(round_trip_through_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
