/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arbitrary datagrams into sessions and the stateless listener, through the two-peer harness of
 * the unit tests (tests/unit/session_harness.c). Input: one byte choosing the scene, then
 * records of [control byte][u16 length][bytes]:
 *   scene 0  a fresh plain-mode client and a plain listener (whose CREATE makes a server session)
 *   scene 1  an established plain-mode pair (dynamic tls-crypt off, so soft resets are plain)
 *   scene 2  a fresh tls-crypt-v2 client and listener (WKc unwrapping, cookie, early negotiation)
 * Control byte: bit 0 = to the server side (else the client), bits 1-3 = clock step before the
 * packet, bits 4-5 = an app call after it (send text, renegotiate, count data, close).
 * Session ids come from the harness's fixed random streams, so seeds recorded from a real run
 * (tests/fuzz/corpus/session) carry valid ids and reach past the session-id checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/session_harness.h"
#include "buf.h"

#define MAX_INPUT 65536u
#define N_SCENES  3

static struct pki pki;
static struct harness *scenes[N_SCENES];

static void require(int cond)
{
    if (!cond)
        abort();
}

static void setup(void)
{
    static const enum ctlwrap_mode modes[N_SCENES] = { CTLWRAP_NONE, CTLWRAP_NONE,
                                                       CTLWRAP_TLS_CRYPT_V2 };

    require(pki_build(&pki, HS_WALL_TIME) == 0);
    for (size_t i = 0; i < N_SCENES; i++) {
        scenes[i] = calloc(1, sizeof(*scenes[i]));
        require(scenes[i] && hs_init(scenes[i], &pki, modes[i]) == 0);
        scenes[i]->lp.rate_per_sec = 0;
    }
    scenes[1]->cp.dyn_tls_crypt = false;
    scenes[1]->sp.reneg_sec = 0;
    scenes[1]->cp.reneg_sec = 0;
}

/* What the apps do after every input: timers, then drain; the links are not used. */
static void tick(struct harness *h)
{
    if (h->c.s && session_next_deadline(h->c.s) <= h->now)
        session_timeout(h->c.s, h->now);
    if (h->s.s && session_next_deadline(h->s.s) <= h->now)
        session_timeout(h->s.s, h->now);
    hs_drain(h);
    h->c2s.n = h->s2c.n = 0;
    h->c2s.n_log = h->s2c.n_log = 0;
}

static void app_call(struct harness *h, struct session *s, unsigned what)
{
    static const char text[] = "PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,peer-id 1";

    if (!s)
        return;
    switch (what) {
    case 1:
        (void)session_send_text(s, text, sizeof(text) - 1, h->now);
        break;
    case 2:
        (void)session_renegotiate(s, h->now);
        break;
    case 3:
        session_count_data(s, 0, 1u << 20, 1000);
        break;
    default:
        break;
    }
}

static void feed(struct harness *h, struct buf_reader *r)
{
    static const uint64_t steps[8] = { 0, 1, 10, 100, 1000, 5000, 30000, 61000 };

    while (buf_remaining(r) >= 3) {
        uint8_t ctl = buf_read_u8(r);
        size_t len = buf_read_u16(r);
        const uint8_t *pkt;

        len = len < buf_remaining(r) ? len : buf_remaining(r);
        pkt = buf_read_view(r, len);
        h->now += steps[(ctl >> 1) & 7];
        if (ctl & 1)
            hs_to_server(h, pkt, len);
        else
            hs_to_client(h, pkt, len);
        app_call(h, (ctl & 1) ? h->s.s : h->c.s, (ctl >> 4) & 3);
        tick(h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct buf_reader r;
    struct harness *h;

    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 1 || size > MAX_INPUT)
        return 0;
    buf_reader_init(&r, data, size);
    h = scenes[buf_read_u8(&r) % N_SCENES];
    require(hs_start(h) == 0);
    if (h == scenes[1])
        require(hs_run(h, h->now + 5000, hs_both_established));
    tick(h);
    feed(h, &r);
    hs_reset(h); /* nothing outlives the input */
    return 0;
}
