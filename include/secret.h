/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only door to constant-time comparison and key wiping. tests/check/secret-hygiene.sh fails
 * the build when CRYPTO_memcmp or OPENSSL_cleanse appear anywhere else, or when a MAC, tag or
 * digest is compared with plain memcmp.
 */
#ifndef SLUICE_SECRET_H
#define SLUICE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Compares a and b in time that depends only on n. */
bool secret_equal(const void *a, const void *b, size_t n);

/* Overwrites p[0..n) with zeros in a way the compiler may not remove. p may be NULL if n is 0. */
void secret_wipe(void *p, size_t n);

/* secret_wipe() then free(); accepts NULL. */
void secret_free(void *p, size_t n);

#endif
