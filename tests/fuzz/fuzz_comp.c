/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unframes the same decrypted-payload bytes under every framing configuration. Whatever is
 * accepted must frame again and unframe back to the same plaintext (under a sending-enabled
 * twin of the configuration too), and is then handed to the in-band recognisers, as the data path
 * does (protocol-data.md §6.1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "comp.h"
#include "inband.h"

#define HEAD 32u
#define CAP  2048u

static uint8_t mem[CAP], scratch[CAP], plain[CAP], again[CAP];

static void require(int cond)
{
    if (!cond)
        abort();
}

static void check_inband(const uint8_t *d, size_t n)
{
    struct inband_occ m;
    uint8_t out[CAP];
    struct buf_writer w;
    if (inband_classify(d, n) != INBAND_OCC) {
        require(inband_occ_parse(d, n, &m) == INBAND_ERR_NOT_OCC);
        return;
    }
    if (inband_occ_parse(d, n, &m) != INBAND_OK)
        return;
    buf_writer_init(&w, out, sizeof(out));
    require(inband_occ_build(&w, &m) == INBAND_OK);
    require(buf_writer_len(&w) <= n);
    require(memcmp(out, d, buf_writer_len(&w)) == 0);
}

/* Frames plain[0..n) with c, unframes with c, and expects plain back. */
static void reframe(const struct comp *c, size_t n)
{
    struct pktbuf p;
    pktbuf_init(&p, again, sizeof(again), HEAD);
    memcpy(pktbuf_put(&p, n), plain, n);
    require(comp_frame(c, &p, scratch, sizeof(scratch)) == COMP_OK);
    require(pktbuf_len(&p) <= n + COMP_MAX_OVERHEAD);
    require(comp_unframe(c, &p, scratch, sizeof(scratch)) == COMP_OK);
    require(pktbuf_len(&p) == n);
    require(n == 0 || memcmp(pktbuf_data(&p), plain, n) == 0);
}

static void one(enum comp_algo algo, enum comp_allow allow, const uint8_t *data, size_t size)
{
    struct comp c, sender;
    struct comp_settings s = { algo, allow };
    struct comp_settings yes = { algo, COMP_ALLOW_YES };
    struct pktbuf p;
    if (comp_init(&c, &s) != COMP_OK)
        return;
    require(comp_init(&sender, &yes) == COMP_OK);
    pktbuf_init(&p, mem, sizeof(mem), HEAD);
    memcpy(pktbuf_put(&p, size), data, size);
    int e = comp_unframe(&c, &p, scratch, sizeof(scratch));
    require(e <= COMP_OK && e >= COMP_DROP_CORRUPT && e != COMP_ERR_NO_ROOM);
    if (e != COMP_OK)
        return;
    size_t n = pktbuf_len(&p);
    require(n <= CAP - HEAD);
    memcpy(plain, pktbuf_data(&p), n);
    if (n + HEAD + COMP_MAX_OVERHEAD <= CAP) {
        reframe(&c, n);
        reframe(&sender, n);
    }
    check_inband(plain, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum comp_algo algos[] = {
        COMP_ALGO_NONE, COMP_ALGO_LZO_STUB, COMP_ALGO_LZO,    COMP_ALGO_STUB,
        COMP_ALGO_LZ4,  COMP_ALGO_STUB_V2,  COMP_ALGO_LZ4_V2,
    };
    static const enum comp_allow allows[] = { COMP_ALLOW_UNSET, COMP_ALLOW_NO, COMP_ALLOW_ASYM };
    if (size > CAP - HEAD)
        return 0;
    for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
        for (size_t j = 0; j < sizeof(allows) / sizeof(allows[0]); j++)
            one(algos[i], allows[j], data, size);
    return 0;
}
