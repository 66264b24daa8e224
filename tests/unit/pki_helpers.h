/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A throwaway PKI built in memory for tests and fuzzers: a CA, a server certificate (CN
 * "server", serverAuth) and a client certificate (CN "client1", clientAuth), plus a client
 * certificate from an unrelated CA. EC P-256 keys, valid around the given time. Free of cmocka,
 * so fuzz harnesses can use it too.
 */
#ifndef SLUICE_TESTS_PKI_HELPERS_H
#define SLUICE_TESTS_PKI_HELPERS_H

#include <stddef.h>
#include <stdint.h>

struct pki_blob {
    uint8_t *p;
    size_t n;
};

struct pki {
    struct pki_blob ca;
    struct pki_blob srv_cert, srv_key;
    struct pki_blob cli_cert, cli_key;
    struct pki_blob other_cli_cert, other_cli_key; /* issued by another CA */
};

/* 0 on success, -1 on any failure (everything built so far is freed). */
int pki_build(struct pki *out, int64_t now);
void pki_free(struct pki *p);

#endif
