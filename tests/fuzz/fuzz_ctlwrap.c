/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unwraps the same bytes in every wrapping mode with fixed keys, and also feeds them to the WKc
 * unwrap, the key-file decoders and the cookie check. Nothing may crash or leak. When an unwrap
 * succeeds (always in mode none, practically never otherwise) the peer's wrap of the result with
 * the same replay id must give back exactly the input: wrapping is deterministic.
 *
 * The keys come from fuzz_key() so that the seed corpus (made with the same keys) holds packets
 * that authenticate and lead the fuzzer into the paths after the tag check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlwrap.h"
#include "pem.h"
#include "wire.h"

#define MAX_INPUT 8192u

struct mode_pair {
    struct ctlwrap *rx;   /* the side that unwraps the fuzz input */
    struct ctlwrap *peer; /* the side that sent it */
};

enum {
    PAIR_NONE,
    PAIR_AUTH_SHA1,
    PAIR_AUTH_SHA512_BIDI,
    PAIR_CRYPT,
    PAIR_V2,
    PAIR_V2_TO_CLIENT,
    N_PAIRS
};

static struct mode_pair pairs[N_PAIRS];
static struct ctlwrap_v2_server *v2_server;
static struct ctlwrap_cookie *cookie;
static uint8_t key[CTLWRAP_KEY_LEN];
static uint8_t out[MAX_INPUT + 64], again[MAX_INPUT + WIRE_WKC_MAX_LEN + 64];

static void require(int cond)
{
    if (!cond)
        abort();
}

/* Deterministic key bytes (the seed generator uses the same). */
static void fuzz_key(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;

    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

static struct ctlwrap *make(enum ctlwrap_mode mode, enum ctlwrap_role role, int dir,
                            const char *digest, const uint8_t *wkc, size_t wkc_len)
{
    struct ctlwrap_params p;
    struct ctlwrap *cw = NULL;

    ctlwrap_params_init(&p);
    p.mode = mode;
    p.role = role;
    p.key_direction = dir;
    p.digest = digest;
    p.key = key;
    p.wkc = wkc;
    p.wkc_len = wkc_len;
    p.send_time = 0x6b000000u;
    require(ctlwrap_new(&p, &cw) == CTLWRAP_OK);
    return cw;
}

static void setup_v2(uint8_t *wkc, size_t *wkc_len)
{
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN];
    struct ctlwrap_metadata md;
    struct buf_writer w;

    fuzz_key(skey, sizeof(skey), 2);
    require(ctlwrap_v2_server_new(skey, &v2_server) == CTLWRAP_OK);
    ctlwrap_metadata_set_timestamp(&md, 0x6b000000);
    buf_writer_init(&w, wkc, WIRE_WKC_MAX_LEN);
    require(ctlwrap_wkc_wrap(v2_server, key, &md, &w) == CTLWRAP_OK);
    *wkc_len = buf_writer_len(&w);
}

static void setup(void)
{
    uint8_t wkc[WIRE_WKC_MAX_LEN], secret[CTLWRAP_COOKIE_SECRET_LEN];
    size_t wkc_len;

    fuzz_key(key, sizeof(key), 1);
    setup_v2(wkc, &wkc_len);
    pairs[PAIR_NONE].rx = make(CTLWRAP_NONE, CTLWRAP_SERVER, 0, "SHA1", NULL, 0);
    pairs[PAIR_NONE].peer = make(CTLWRAP_NONE, CTLWRAP_CLIENT, 0, "SHA1", NULL, 0);
    pairs[PAIR_AUTH_SHA1].rx = make(CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 0, "SHA1", NULL, 0);
    pairs[PAIR_AUTH_SHA1].peer = make(CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 1, "SHA1", NULL, 0);
    pairs[PAIR_AUTH_SHA512_BIDI].rx =
        make(CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, CTLWRAP_KEY_DIR_BIDI, "SHA512", NULL, 0);
    pairs[PAIR_AUTH_SHA512_BIDI].peer =
        make(CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, CTLWRAP_KEY_DIR_BIDI, "SHA512", NULL, 0);
    pairs[PAIR_CRYPT].rx = make(CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL, NULL, 0);
    pairs[PAIR_CRYPT].peer = make(CTLWRAP_TLS_CRYPT, CTLWRAP_CLIENT, 0, NULL, NULL, 0);
    pairs[PAIR_V2].rx = make(CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL, NULL, 0);
    pairs[PAIR_V2].peer = make(CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL, wkc, wkc_len);
    pairs[PAIR_V2_TO_CLIENT].rx = pairs[PAIR_V2].peer;
    pairs[PAIR_V2_TO_CLIENT].peer = pairs[PAIR_V2].rx;
    fuzz_key(secret, sizeof(secret), 3);
    require(ctlwrap_cookie_new(secret, 60, &cookie) == CTLWRAP_OK);
}

/* What the peer's wrap must reproduce: the input, without a WKc the v2 server stripped. */
static size_t expected_len(const struct mode_pair *p, const uint8_t *data, size_t size)
{
    struct wire_wkc_split split;

    if (ctlwrap_mode_of(p->rx) == CTLWRAP_TLS_CRYPT_V2 &&
        wire_wkc_split(data, size, &split) == WIRE_OK)
        return split.packet_len;
    return size;
}

static void check_rewrap(const struct mode_pair *p, const uint8_t *data, size_t size, size_t n)
{
    struct wire_replay_id rid;
    struct buf_writer w;
    uint8_t opened[MAX_INPUT + 64];
    size_t want = expected_len(p, data, size);

    buf_writer_init(&w, opened, sizeof(opened));
    require(ctlwrap_open(p->rx, data, size, &w, &rid) == CTLWRAP_OK);
    require(buf_writer_len(&w) == n && memcmp(opened, out, n) == 0);
    buf_writer_init(&w, again, sizeof(again));
    require(ctlwrap_wrap_id(p->peer, out, n, &rid, &w) == CTLWRAP_OK);
    require(buf_writer_len(&w) >= want && memcmp(again, data, want) == 0);
}

static void fuzz_pair(const struct mode_pair *p, const uint8_t *data, size_t size)
{
    struct buf_writer w;
    int rc;

    if (ctlwrap_mode_of(p->rx) != CTLWRAP_NONE)
        require(ctlwrap_rekey(p->rx, key) == CTLWRAP_OK); /* fresh replay window per input */
    buf_writer_init(&w, out, sizeof(out));
    rc = ctlwrap_unwrap(p->rx, data, size, 1000, &w);
    if (rc != CTLWRAP_OK) {
        require(rc < 0 && rc > -CTLWRAP_REASONS && buf_writer_len(&w) == 0);
        return;
    }
    require(buf_writer_len(&w) <= size);
    check_rewrap(p, data, size, buf_writer_len(&w));
    /* Recorded now: the same bytes are a replay (mode none keeps no window). */
    buf_writer_init(&w, out, sizeof(out));
    rc = ctlwrap_unwrap(p->rx, data, size, 1000, &w);
    require(rc == (ctlwrap_mode_of(p->rx) == CTLWRAP_NONE ? CTLWRAP_OK : CTLWRAP_ERR_REPLAY));
}

static void fuzz_wkc(const uint8_t *data, size_t size)
{
    uint8_t kc[CTLWRAP_KEY_LEN];
    struct ctlwrap_metadata md;
    struct wire_wkc_split split;
    struct buf_writer w;

    if (ctlwrap_wkc_unwrap(v2_server, data, size, kc, &md) == CTLWRAP_OK) {
        buf_writer_init(&w, again, sizeof(again));
        require(ctlwrap_wkc_wrap(v2_server, kc, &md, &w) == CTLWRAP_OK);
        require(buf_writer_len(&w) == size && memcmp(again, data, size) == 0);
    }
    /* As the server sees a reset: the WKc at the end of the datagram. */
    if (wire_wkc_split(data, size, &split) == WIRE_OK &&
        ctlwrap_wkc_unwrap(v2_server, split.wkc, split.wkc_len, kc, &md) == CTLWRAP_OK)
        require(md.len == split.wkc_len - WIRE_WKC_MIN_LEN);
}

static void fuzz_files(const uint8_t *data, size_t size)
{
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN], kc[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    struct pem_error err;
    size_t wkc_len;
    int rc = ctlwrap_v2_server_key_decode((const char *)data, size, skey, &err);

    require(rc == CTLWRAP_OK || rc == CTLWRAP_ERR_KEY_FILE || rc == CTLWRAP_ERR_KEY_LEN);
    if (ctlwrap_v2_client_key_decode((const char *)data, size, kc, wkc, &wkc_len, &err) == 0)
        require(wkc_len >= WIRE_WKC_MIN_LEN && wkc_len <= WIRE_WKC_MAX_LEN);
}

static void fuzz_cookie(const uint8_t *data, size_t size)
{
    struct wire_sid csid = { { 1, 2, 3, 4, 5, 6, 7, 8 } }, ss;

    if (size < WIRE_SID_LEN)
        return;
    memcpy(ss.bytes, data, WIRE_SID_LEN);
    (void)ctlwrap_cookie_check(cookie, data, size, &csid, &ss, 123456789u);
    require(ctlwrap_cookie_make(cookie, data, size, &csid, 123456789u, &ss) == CTLWRAP_OK);
    require(ctlwrap_cookie_check(cookie, data, size, &csid, &ss, 123456789u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cookie)
        setup();
    if (size > MAX_INPUT)
        return 0;
    for (int i = 0; i < N_PAIRS; i++)
        fuzz_pair(&pairs[i], data, size);
    fuzz_wkc(data, size);
    fuzz_files(data, size);
    fuzz_cookie(data, size);
    return 0;
}
