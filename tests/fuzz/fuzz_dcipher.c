/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opens the input as a data packet with fixed keys of every suite: it is dropped with a drop
 * reason, or it opens and then sealing the result reproduces it byte for byte. Then seals the
 * input as plaintext and opens it again, which must give back exactly the input.
 * The keys live for the whole run (reachable from statics, so not a leak).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcipher.h"
#include "wire.h"

#define FUZZ_MAX_INPUT 4096u
#define HEADROOM       128u
#define MEM_LEN        (HEADROOM + FUZZ_MAX_INPUT + 64u)

static const char *const suites[][2] = {
    { "AES-128-GCM", NULL },     { "AES-192-GCM", NULL },
    { "AES-256-GCM", NULL },     { "CHACHA20-POLY1305", NULL },
    { "AES-128-CBC", "SHA1" },   { "AES-192-CBC", "SHA256" },
    { "AES-256-CBC", "SHA512" }, { "AES-256-CBC", "none" },
    { "none", "SHA1" },          { "none", "none" },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static struct dcipher_key enc[NSUITES], dec[NSUITES];
static uint8_t mem[MEM_LEN];

static void require(int cond)
{
    if (!cond)
        abort();
}

static void init_keys(void)
{
    static int done;
    uint8_t cslot[DCIPHER_SLOT_LEN], hslot[DCIPHER_SLOT_LEN];
    struct dcipher_suite s;

    if (done)
        return;
    for (size_t i = 0; i < DCIPHER_SLOT_LEN; i++) {
        cslot[i] = (uint8_t)(i * 7 + 3);
        hslot[i] = (uint8_t)(i * 13 + 5);
    }
    for (size_t i = 0; i < NSUITES; i++) {
        require(dcipher_suite_lookup(suites[i][0], suites[i][1], &s) == DCIPHER_OK);
        require(dcipher_key_init(&enc[i], &s, DCIPHER_ENCRYPT, cslot, sizeof(cslot), hslot,
                                 sizeof(hslot)) == DCIPHER_OK);
        require(dcipher_key_init(&dec[i], &s, DCIPHER_DECRYPT, cslot, sizeof(cslot), hslot,
                                 sizeof(hslot)) == DCIPHER_OK);
    }
    done = 1;
}

/*
 * Whatever opens must be canonical: sealing its plaintext again with the same header, packet-id
 * and (CBC) IV gives back exactly the input. For the authenticated suites only packets the fixed
 * keys produced can get here (the seed corpus has some); the fuzzer cannot forge others.
 */
static void check_reseal(const struct dcipher_key *e, const uint8_t *plain, size_t plain_len,
                         uint32_t pid, const uint8_t *data, size_t size)
{
    struct wire_data wd;
    struct pktbuf p;
    const uint8_t *iv = NULL;

    require(wire_data_parse(data, size, &wd) == WIRE_OK);
    if (pid == 0)
        return; /* only unauthenticated suites let it through; seal refuses id 0 */
    if (e->suite.mode == DCIPHER_MODE_CBC) {
        require(size >= wd.hdr_len + e->suite.mac_len + e->suite.iv_len);
        iv = data + wd.hdr_len + e->suite.mac_len;
    }
    pktbuf_init(&p, mem, sizeof(mem), HEADROOM);
    memcpy(pktbuf_put(&p, plain_len), plain, plain_len);
    require(dcipher_seal(e, &p, pid, wd.hdr, wd.hdr_len, iv, e->suite.iv_len) == DCIPHER_OK);
    require(pktbuf_len(&p) == size && memcmp(pktbuf_data(&p), data, size) == 0);
}

static void check_open(const struct dcipher_key *e, const struct dcipher_key *d,
                       const uint8_t *data, size_t size)
{
    static uint8_t plain[FUZZ_MAX_INPUT];
    struct pktbuf p;
    uint32_t pid;
    size_t len;
    int rc;

    pktbuf_init(&p, mem, sizeof(mem), HEADROOM);
    memcpy(pktbuf_put(&p, size), data, size);
    rc = dcipher_open(d, &p, &pid);
    if (rc != DCIPHER_OK) {
        require(rc < 0 && rc > -DCIPHER_DROP_REASONS);
        return;
    }
    len = pktbuf_len(&p);
    require(len < size && pktbuf_headroom(&p) > HEADROOM);
    memcpy(plain, pktbuf_data(&p), len);
    check_reseal(e, plain, len, pid, data, size);
}

static void check_round_trip(const struct dcipher_key *e, const struct dcipher_key *d,
                             const uint8_t *data, size_t size)
{
    static const uint8_t v1[1] = { 0x32 };
    static const uint8_t v2[4] = { 0x49, 0xab, 0xcd, 0xef };
    static const uint8_t iv[DCIPHER_BLOCK_MAX] = { 0x5a, 0x17 };
    struct pktbuf p;
    uint32_t pid = (uint32_t)size + 1, got = 0;
    int v2hdr = size > 0 && (data[0] & 1);

    pktbuf_init(&p, mem, sizeof(mem), HEADROOM);
    memcpy(pktbuf_put(&p, size), data, size);
    require(dcipher_seal(e, &p, pid, v2hdr ? v2 : v1, v2hdr ? 4 : 1, iv, e->suite.iv_len) ==
            DCIPHER_OK);
    require(pktbuf_len(&p) == dcipher_sealed_len(&e->suite, v2hdr ? 4 : 1, size));
    require(dcipher_open(d, &p, &got) == DCIPHER_OK);
    require(got == pid);
    require(pktbuf_len(&p) == size && pktbuf_headroom(&p) == HEADROOM);
    require(memcmp(pktbuf_data(&p), data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    init_keys();
    for (size_t i = 0; i < NSUITES; i++) {
        check_open(&enc[i], &dec[i], data, size);
        check_round_trip(&enc[i], &dec[i], data, size);
    }
    return 0;
}
