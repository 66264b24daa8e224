/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secret.h"

#include <stdlib.h>

#include <openssl/crypto.h>

bool secret_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void secret_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

void secret_free(void *p, size_t n)
{
    secret_wipe(p, n);
    free(p);
}
