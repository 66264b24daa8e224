/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "secret.h"

static void equal_compares_every_byte(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 0x5a, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_true(secret_equal(a, b, sizeof(a)));
    for (size_t i = 0; i < sizeof(a); i++) {
        b[i] ^= 0x01;
        assert_false(secret_equal(a, b, sizeof(a)));
        b[i] ^= 0x01;
    }
    assert_true(secret_equal(a, b, 0));
}

static void wipe_zeroes_memory(void **state)
{
    (void)state;
    uint8_t key[48];
    memset(key, 0xa5, sizeof(key));
    secret_wipe(key, sizeof(key));
    for (size_t i = 0; i < sizeof(key); i++)
        assert_int_equal(key[i], 0);
    secret_wipe(NULL, 0);
}

static void free_accepts_null_and_heap_memory(void **state)
{
    (void)state;
    secret_free(NULL, 0);
    uint8_t *p = malloc(16);
    assert_non_null(p);
    memset(p, 1, 16);
    secret_free(p, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal_compares_every_byte),
        cmocka_unit_test(wipe_zeroes_memory),
        cmocka_unit_test(free_accepts_null_and_heap_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
