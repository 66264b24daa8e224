/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile input for a session and for the stateless listener: truncation at every length,
 * wrong session ids, replays, acks for packets never sent, the wrong wrapping key, key ids out
 * of sync, opcodes in the wrong direction or state, bad message ids; and 10,000 spoofed resets
 * through the listener, which must allocate nothing and never answer with more than the
 * documented few bytes beyond the request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "ctlwrap.h"
#include "session.h"
#include "session_harness.h"
#include "wire.h"

#define SEC 1000u

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static struct pki pki;

/* ---- allocation accounting: OpenSSL's allocations counted, the whole heap measured ---- */

static long ossl_live; /* OpenSSL allocations not yet freed */

static void *count_malloc(size_t n, const char *file, int line)
{
    void *p = malloc(n);

    (void)file;
    (void)line;
    ossl_live += p != NULL;
    return p;
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    void *q;

    (void)file;
    (void)line;
    if (!p)
        return count_malloc(n, file, line);
    if (n == 0) {
        free(p);
        ossl_live--;
        return NULL;
    }
    q = realloc(p, n);
    return q;
}

static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    ossl_live -= p != NULL;
    free(p);
}

static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

/* ---- fixtures ---- */

static int setup_pki(void **state)
{
    (void)state;
    return pki_build(&pki, HS_WALL_TIME);
}

static int teardown_pki(void **state)
{
    (void)state;
    pki_free(&pki);
    return 0;
}

static struct harness *established_dyn(enum ctlwrap_mode mode, bool dyn)
{
    struct harness *h = calloc(1, sizeof(*h));

    assert_non_null(h);
    assert_int_equal(hs_init(h, &pki, mode), 0);
    h->cp.dyn_tls_crypt = dyn;
    assert_int_equal(hs_start(h), 0);
    assert_true(hs_run(h, h->now + 5 * SEC, hs_both_established));
    hs_run(h, h->now + SEC, NULL); /* let the last acks settle */
    return h;
}

static struct harness *established(enum ctlwrap_mode mode)
{
    return established_dyn(mode, true);
}

static void free_harness(struct harness *h)
{
    hs_free(h);
    free(h);
}

/* The server's next packet, taken directly (not through the link). */
static size_t server_packet(struct harness *h, uint8_t *out)
{
    struct buf_writer w;

    buf_writer_init(&w, out, SESSION_PACKET_MAX);
    assert_int_equal(session_next_packet(h->s.s, h->now, &w), 1);
    return buf_writer_len(&w);
}

/* A packet carrying the text `msg` from the server, not yet delivered. */
static size_t server_text_packet(struct harness *h, const char *msg, uint8_t *out)
{
    assert_int_equal(session_send_text(h->s.s, msg, strlen(msg), h->now), SESSION_OK);
    return server_packet(h, out);
}

struct snap {
    enum session_state state;
    int send_key;
    uint64_t rx_packets, tx_packets;
    struct reliable_stats rel;
};

static void snap_take(struct session *s, struct snap *o)
{
    memset(o, 0, sizeof(*o));
    o->state = session_state(s);
    o->send_key = session_send_key_id(s);
    o->rx_packets = session_stats(s)->rx_packets;
    o->tx_packets = session_stats(s)->tx_packets;
    o->rel = *session_reliable_stats(s);
}

/* Nothing moved: no state, no reliable slot, no ack, no event, nothing to send. */
static void assert_unchanged(struct session *s, const struct snap *before, uint64_t now)
{
    struct snap after;
    struct session_event ev;
    uint8_t buf[SESSION_PACKET_MAX];
    struct buf_writer w;

    snap_take(s, &after);
    assert_int_equal(after.state, before->state);
    assert_int_equal(after.send_key, before->send_key);
    assert_int_equal(after.rx_packets, before->rx_packets);
    assert_memory_equal(&after.rel, &before->rel, sizeof(after.rel));
    assert_false(session_next_event(s, &ev));
    buf_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(session_next_packet(s, now, &w), 0);
}

/* A plain control packet. */
static size_t craft(uint8_t *out, uint8_t opcode, uint8_t key_id, const struct wire_sid *sid,
                    unsigned n_acks, uint32_t first_ack, const struct wire_sid *rsid,
                    uint32_t msg_id, const char *payload)
{
    struct wire_control c;
    struct buf_writer w;

    memset(&c, 0, sizeof(c));
    c.opcode = opcode;
    c.key_id = key_id;
    c.sid = *sid;
    c.ack.n = (uint8_t)n_acks;
    for (unsigned i = 0; i < n_acks; i++)
        c.ack.ids[i] = first_ack + i;
    if (n_acks)
        c.ack.remote_sid = *rsid;
    c.msg_id = msg_id;
    c.payload = (const uint8_t *)payload;
    c.payload_len = payload ? strlen(payload) : 0;
    buf_writer_init(&w, out, SESSION_PACKET_MAX);
    assert_int_equal(wire_control_build(&w, &c), WIRE_OK);
    return buf_writer_len(&w);
}

/* A wrapper as the peer in `role` would have it, with the harness's keys. */
static struct ctlwrap *peer_wrap(struct harness *h, enum ctlwrap_mode mode, enum ctlwrap_role role,
                                 const uint8_t *key)
{
    struct ctlwrap_params cp;
    struct ctlwrap *cw;

    ctlwrap_params_init(&cp);
    cp.mode = mode;
    cp.role = role;
    cp.key = key;
    cp.send_time = HS_WALL_TIME + 100;
    if (mode == CTLWRAP_TLS_AUTH)
        cp.key_direction = role == CTLWRAP_SERVER ? 0 : 1;
    if (mode == CTLWRAP_TLS_CRYPT_V2 && role == CTLWRAP_CLIENT) {
        cp.wkc = h->wkc;
        cp.wkc_len = h->wkc_len;
    }
    assert_int_equal(ctlwrap_new(&cp, &cw), CTLWRAP_OK);
    return cw;
}

static size_t wrap(struct ctlwrap *cw, const uint8_t *plain, size_t len, uint8_t *out)
{
    struct buf_writer w;

    buf_writer_init(&w, out, SESSION_PACKET_MAX);
    assert_int_equal(ctlwrap_wrap(cw, plain, len, &w), CTLWRAP_OK);
    return buf_writer_len(&w);
}

/* ---- a session ---- */

/* In a wrapped mode no prefix of a packet authenticates; nothing changes until the whole one. */
static void truncations(enum ctlwrap_mode mode)
{
    struct harness *h = established(mode);
    uint8_t pkt[SESSION_PACKET_MAX];
    size_t len = server_text_packet(h, "INFO,truncate me", pkt);
    struct snap before;

    snap_take(h->c.s, &before);
    for (size_t i = 0; i < len; i++) {
        int rc = session_receive(h->c.s, pkt, i, h->now);

        assert_true(rc == SESSION_RX_TRUNCATED || rc == SESSION_RX_UNWRAP);
        assert_unchanged(h->c.s, &before, h->now);
    }
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    hs_drain(h);
    assert_int_equal(h->c.n_texts, 1);
    assert_string_equal(h->c.texts[0], "INFO,truncate me");
    free_harness(h);
}

static void test_truncated_wrapped(void **state)
{
    (void)state;
    truncations(CTLWRAP_TLS_AUTH);
    truncations(CTLWRAP_TLS_CRYPT);
    truncations(CTLWRAP_TLS_CRYPT_V2);
}

/* Without wrapping only the headers can be cut short detectably (a shorter payload is valid). */
static void test_truncated_plain(void **state)
{
    struct harness *h = established(CTLWRAP_NONE);
    uint8_t pkt[SESSION_PACKET_MAX];
    size_t len = server_text_packet(h, "INFO,plain", pkt);
    size_t hdr = WIRE_CONTROL_HEAD_LEN + wire_ack_size(pkt[WIRE_CONTROL_HEAD_LEN]) + 4u;
    struct snap before;

    (void)state;
    assert_true(len > hdr);
    snap_take(h->c.s, &before);
    for (size_t i = 0; i < hdr; i++) {
        assert_int_equal(session_receive(h->c.s, pkt, i, h->now), SESSION_RX_TRUNCATED);
        assert_unchanged(h->c.s, &before, h->now);
    }
    assert_true(session_stats(h->c.s)->drops[-SESSION_RX_TRUNCATED] == hdr);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    free_harness(h);
}

static void test_wrong_session_ids(void **state)
{
    struct harness *h = established(CTLWRAP_NONE);
    uint8_t pkt[SESSION_PACKET_MAX], bad[SESSION_PACKET_MAX];
    size_t len = server_text_packet(h, "INFO,sid", pkt);
    struct snap before;

    (void)state;
    assert_true(pkt[WIRE_CONTROL_HEAD_LEN] >= 1); /* it acks something: a remote sid is there */
    snap_take(h->c.s, &before);
    for (size_t i = 1; i < WIRE_CONTROL_HEAD_LEN; i++) {
        memcpy(bad, pkt, len);
        bad[i] ^= 0x40;
        assert_int_equal(session_receive(h->c.s, bad, len, h->now), SESSION_RX_SID);
        assert_unchanged(h->c.s, &before, h->now);
    }
    for (size_t i = 0; i < WIRE_SID_LEN; i++) {
        size_t at = WIRE_CONTROL_HEAD_LEN + 1u + 4u * pkt[WIRE_CONTROL_HEAD_LEN] + i;

        memcpy(bad, pkt, len);
        bad[at] ^= 0x01;
        assert_int_equal(session_receive(h->c.s, bad, len, h->now), SESSION_RX_REMOTE_SID);
        assert_unchanged(h->c.s, &before, h->now);
    }
    assert_int_equal(session_stats(h->c.s)->drops[-SESSION_RX_SID], WIRE_SID_LEN);
    assert_int_equal(session_stats(h->c.s)->drops[-SESSION_RX_REMOTE_SID], WIRE_SID_LEN);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    free_harness(h);
}

static void test_replayed_packets(void **state)
{
    struct harness *h = established(CTLWRAP_TLS_AUTH);
    uint8_t pkt[SESSION_PACKET_MAX];
    size_t len = server_text_packet(h, "INFO,once", pkt);
    struct snap before;

    (void)state;
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    hs_drain(h);
    snap_take(h->c.s, &before);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_REPLAY);
        assert_unchanged(h->c.s, &before, h->now);
    }
    assert_int_equal(h->c.n_texts, 1);
    free_harness(h);

    /* Without wrapping a repeat is a duplicate message: acknowledged again, used once. */
    h = established(CTLWRAP_NONE);
    len = server_text_packet(h, "INFO,once", pkt);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    hs_drain(h);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    assert_int_equal(session_reliable_stats(h->c.s)->rx_duplicates, 1);
    hs_drain(h);
    assert_int_equal(h->c.n_texts, 1);
    assert_int_equal(h->c.count[SESSION_EV_TEXT], 2); /* the raw PUSH_REPLY, then the INFO */
    free_harness(h);
}

static void test_acks_never_sent(void **state)
{
    struct harness *h = established(CTLWRAP_TLS_CRYPT);
    uint8_t plain[SESSION_PACKET_MAX], pkt[SESSION_PACKET_MAX];
    struct ctlwrap *cw = peer_wrap(h, CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, h->static_key);
    size_t len;
    struct snap before;
    uint64_t unknown;

    (void)state;
    /* Authentic (the server's key), addressed right, acking ids this client never sent. */
    ctlwrap_set_send_id(cw, 100000);
    len = craft(plain, WIRE_P_ACK_V1, 0, session_own_sid(h->s.s), 8, 5000, session_own_sid(h->c.s),
                0, NULL);
    len = wrap(cw, plain, len, pkt);
    snap_take(h->c.s, &before);
    unknown = before.rel.acks_unknown;
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    before.rel.acks_unknown = unknown + 8;
    before.rx_packets++;
    assert_unchanged(h->c.s, &before, h->now);
    ctlwrap_free(cw);
    free_harness(h);
}

static void wrong_key(enum ctlwrap_mode mode)
{
    struct harness *h = established(mode);
    uint8_t plain[SESSION_PACKET_MAX], pkt[SESSION_PACKET_MAX], other[CTLWRAP_KEY_LEN];
    struct ctlwrap *cw;
    size_t len;
    struct snap before;

    memcpy(other, h->static_key, sizeof(other));
    for (size_t i = 0; i < sizeof(other); i++)
        other[i] ^= (uint8_t)(i * 7 + 1);
    cw = peer_wrap(h, mode, CTLWRAP_SERVER, other);
    ctlwrap_set_send_id(cw, 100000);
    len = craft(plain, WIRE_P_CONTROL_V1, 0, session_own_sid(h->s.s), 1, 1, session_own_sid(h->c.s),
                50, "garbage");
    len = wrap(cw, plain, len, pkt);
    snap_take(h->c.s, &before);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_UNWRAP);
    assert_unchanged(h->c.s, &before, h->now);
    ctlwrap_free(cw);
    free_harness(h);
}

static void test_wrong_wrap_key(void **state)
{
    (void)state;
    wrong_key(CTLWRAP_TLS_AUTH);
    wrong_key(CTLWRAP_TLS_CRYPT);
}

/* Opcodes and ids that do not fit the role, the state or the key. */
static void test_bad_opcodes_and_ids(void **state)
{
    struct harness *h = established_dyn(CTLWRAP_NONE, false);
    const struct wire_sid *ss = session_own_sid(h->s.s), *cs = session_own_sid(h->c.s);
    uint8_t pkt[SESSION_PACKET_MAX];
    struct snap before;
    size_t len;

    (void)state;
    snap_take(h->c.s, &before);
#define EXPECT(rc)                                                                                 \
    do {                                                                                           \
        assert_int_equal(session_receive(h->c.s, pkt, len, h->now), rc);                           \
        assert_unchanged(h->c.s, &before, h->now);                                                 \
    } while (0)
    len = craft(pkt, WIRE_P_CONTROL_HARD_RESET_CLIENT_V2, 0, ss, 0, 0, NULL, 0, NULL);
    EXPECT(SESSION_RX_OPCODE); /* client -> client */
    len = craft(pkt, WIRE_P_CONTROL_WKC_V1, 0, ss, 1, 0, cs, 9, "x");
    EXPECT(SESSION_RX_OPCODE);
    pkt[0] = 0x48; /* P_DATA_V2 */
    EXPECT(SESSION_RX_OPCODE);
    pkt[0] = 0x08; /* key-method 1 */
    EXPECT(SESSION_RX_OPCODE);
    pkt[0] = 0xf8; /* opcode 31 */
    EXPECT(SESSION_RX_OPCODE);
    len = 0;
    EXPECT(SESSION_RX_TRUNCATED);
    len = SESSION_PACKET_MAX + 1;
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_TOO_BIG);
    len = craft(pkt, WIRE_P_CONTROL_V1, 3, ss, 0, 0, NULL, 9, "x");
    EXPECT(SESSION_RX_KEY_ID);
    len = craft(pkt, WIRE_P_CONTROL_SOFT_RESET_V1, 2, ss, 0, 0, NULL, 0, NULL);
    EXPECT(SESSION_RX_KEY_ID); /* not the next key_id */
    len = craft(pkt, WIRE_P_CONTROL_SOFT_RESET_V1, 0, ss, 0, 0, NULL, 0, NULL);
    EXPECT(SESSION_RX_MALFORMED); /* a soft reset never has key_id 0 */
    len = craft(pkt, WIRE_P_CONTROL_V1, 0, ss, 0, 0, NULL, 0, "x");
    EXPECT(SESSION_RX_MALFORMED); /* message id 0 belongs to the reset */
    len = craft(pkt, WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 0, ss, 1, 0, cs, 4, NULL);
    EXPECT(SESSION_RX_MALFORMED); /* a reset is message id 0 */
    len = craft(pkt, WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 0, ss, 1, 0, cs, 0, "\x7f\x01\x02");
    EXPECT(SESSION_RX_MALFORMED); /* truncated early-negotiation TLV */
    len = craft(pkt, WIRE_P_CONTROL_V1, 0, ss, 0, 0, NULL, 5000, "x");
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_RELIABLE);
#undef EXPECT
    assert_int_equal(session_stats(h->c.s)->drops[-SESSION_RX_OPCODE], 5);
    free_harness(h);

    /* With dynamic tls-crypt a key_id > 0 packet must be tls-crypt wrapped (§11.4). */
    h = established(CTLWRAP_NONE);
    snap_take(h->c.s, &before);
    len = craft(pkt, WIRE_P_CONTROL_V1, 3, session_own_sid(h->s.s), 0, 0, NULL, 9, "x");
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_TRUNCATED);
    len = craft(pkt, WIRE_P_CONTROL_V1, 3, session_own_sid(h->s.s), 0, 0, NULL, 9,
                "0123456789012345678901234567890123456789012345678901234567890123456789");
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_UNWRAP);
    assert_unchanged(h->c.s, &before, h->now);
    free_harness(h);
}

/* Before the server's reset the client takes nothing but that reset, acking its own. */
static void test_client_before_reset(void **state)
{
    struct harness *h = calloc(1, sizeof(*h));
    struct wire_sid other = { { 1, 2, 3, 4, 5, 6, 7, 8 } };
    const struct wire_sid *cs;
    uint8_t pkt[SESSION_PACKET_MAX];
    struct snap before;
    size_t len;

    (void)state;
    assert_non_null(h);
    assert_int_equal(hs_init(h, &pki, CTLWRAP_NONE), 0);
    assert_int_equal(hs_start(h), 0);
    hs_drain(h);
    cs = session_own_sid(h->c.s);
    snap_take(h->c.s, &before);
    len = craft(pkt, WIRE_P_CONTROL_V1, 0, &other, 1, 0, cs, 1, "x");
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_STATE);
    len = craft(pkt, WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 0, &other, 0, 0, NULL, 0, NULL);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_STATE);
    len = craft(pkt, WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 0, &other, 1, 0, &other, 0, NULL);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_REMOTE_SID);
    assert_unchanged(h->c.s, &before, h->now);
    assert_false(wire_sid_equal(session_peer_sid(h->c.s), &other));
    /* The genuine article is taken. */
    len = craft(pkt, WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 0, &other, 1, 0, cs, 0, NULL);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_OK);
    assert_true(wire_sid_equal(session_peer_sid(h->c.s), &other));
    free_harness(h);
}

/* A failed session takes nothing more. */
static void test_failed_session_inert(void **state)
{
    struct harness *h = established(CTLWRAP_NONE);
    uint8_t pkt[SESSION_PACKET_MAX];
    size_t len = server_text_packet(h, "INFO,late", pkt);

    (void)state;
    assert_int_equal(session_close(h->c.s, NULL, h->now), SESSION_OK);
    assert_int_equal(session_state(h->c.s), SESSION_FAILED);
    assert_int_equal(session_receive(h->c.s, pkt, len, h->now), SESSION_RX_CLOSED);
    session_timeout(h->c.s, h->now + 100 * SEC);
    assert_int_equal(session_renegotiate(h->c.s, h->now), SESSION_ERR_STATE);
    free_harness(h);
}

/* ---- the listener ---- */

struct lfix {
    struct harness *h;
    struct ctlwrap *client; /* wraps packets as a client with the right keys */
};

static void lfix_init(struct lfix *f, enum ctlwrap_mode mode, uint32_t rate)
{
    f->h = calloc(1, sizeof(*f->h));
    assert_non_null(f->h);
    assert_int_equal(hs_init(f->h, &pki, mode), 0);
    f->h->lp.rate_per_sec = rate;
    assert_int_equal(session_listener_new(&f->h->lp, &f->h->l), SESSION_OK);
    f->client = peer_wrap(f->h, mode, CTLWRAP_CLIENT,
                          mode == CTLWRAP_TLS_CRYPT_V2 ? f->h->kc : f->h->static_key);
}

static void lfix_free(struct lfix *f)
{
    ctlwrap_free(f->client);
    free_harness(f->h);
}

static enum session_verdict check(struct lfix *f, const uint8_t *pkt, size_t len,
                                  const uint8_t *addr, struct buf_writer *reply,
                                  struct session_accept *acc)
{
    return session_accept_check(f->h->l, pkt, len, addr, 6, f->h->now, reply, acc);
}

static size_t client_reset(struct lfix *f, const struct wire_sid *sid, bool v3, uint8_t *out)
{
    uint8_t plain[SESSION_PACKET_MAX];
    size_t len =
        craft(plain, v3 ? WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 : WIRE_P_CONTROL_HARD_RESET_CLIENT_V2,
              0, sid, 0, 0, NULL, 0, NULL);

    return wrap(f->client, plain, len, out);
}

static void spoof_resets(enum ctlwrap_mode mode, size_t extra_allowed)
{
    struct lfix f;
    uint8_t pkt[SESSION_PACKET_MAX], reply[SESSION_PACKET_MAX], addr[6];
    struct session_accept acc;
    struct buf_writer w;
    struct wire_sid sid;
    size_t heap0, len;
    long live0;
    uint64_t rng = 42;

    lfix_init(&f, mode, 0);
    for (int round = 0; round < 2; round++) {
        /* Round 0 warms up whatever libcrypto sets up once per thread. */
        size_t n = round == 0 ? 100 : 10000;

        heap0 = heap_in_use();
        live0 = ossl_live;
        for (size_t i = 0; i < n; i++) {
            hs_rand(&rng, sid.bytes, sizeof(sid.bytes));
            hs_rand(&rng, addr, sizeof(addr));
            sid.bytes[0] |= 1;
            len = client_reset(&f, &sid, mode == CTLWRAP_TLS_CRYPT_V2, pkt);
            buf_writer_init(&w, reply, sizeof(reply));
            assert_int_equal(check(&f, pkt, len, addr, &w, &acc), SESSION_VERDICT_REPLY);
            assert_true(buf_writer_len(&w) <= len + extra_allowed);
            assert_int_equal(reply[0], 0x40);
            /* And random bytes get nothing at all. */
            hs_rand(&rng, pkt, len);
            pkt[0] = (uint8_t)((pkt[0] & 7) | (mode == CTLWRAP_TLS_CRYPT_V2 ? 0x50 : 0x38));
            buf_writer_init(&w, reply, sizeof(reply));
            if (mode != CTLWRAP_NONE)
                assert_int_equal(check(&f, pkt, len, addr, &w, &acc), SESSION_VERDICT_DROP);
            assert_false(acc.has_kc);
        }
        if (round == 1) {
            assert_int_equal(heap_in_use(), heap0);
            assert_int_equal(ossl_live, live0);
        }
    }
    assert_int_equal(session_listener_stats(f.h->l)->replies, 10100);
    assert_int_equal(session_listener_stats(f.h->l)->creates, 0);
    assert_null(f.h->s.s);
    lfix_free(&f);
}

static void test_listener_spoofed_resets(void **state)
{
    (void)state;
    /* Modes without the WKc add the ack to a reset that has none (SESSION_REPLY_EXTRA). */
    spoof_resets(CTLWRAP_NONE, SESSION_REPLY_EXTRA);
    spoof_resets(CTLWRAP_TLS_AUTH, SESSION_REPLY_EXTRA);
    spoof_resets(CTLWRAP_TLS_CRYPT, SESSION_REPLY_EXTRA);
    spoof_resets(CTLWRAP_TLS_CRYPT_V2, 0);
}

static void test_listener_rate_limit(void **state)
{
    struct lfix f;
    uint8_t pkt[SESSION_PACKET_MAX], reply[SESSION_PACKET_MAX];
    struct wire_sid sid = { { 9, 9, 9, 9, 9, 9, 9, 9 } };
    struct session_accept acc;
    struct buf_writer w;
    size_t len, replies = 0;

    (void)state;
    lfix_init(&f, CTLWRAP_TLS_CRYPT, SESSION_CONNECT_RATE);
    for (int i = 0; i < 150; i++) {
        len = client_reset(&f, &sid, false, pkt);
        buf_writer_init(&w, reply, sizeof(reply));
        replies += check(&f, pkt, len, f.h->addr, &w, &acc) == SESSION_VERDICT_REPLY;
    }
    assert_int_equal(replies, SESSION_CONNECT_BURST);
    assert_int_equal(session_listener_stats(f.h->l)->drops[-SESSION_RX_RATE], 50);
    assert_int_equal(acc.drop, SESSION_RX_RATE);
    f.h->now += SEC;
    for (int i = 0; i < 20; i++) {
        len = client_reset(&f, &sid, false, pkt);
        buf_writer_init(&w, reply, sizeof(reply));
        replies += check(&f, pkt, len, f.h->addr, &w, &acc) == SESSION_VERDICT_REPLY;
    }
    assert_int_equal(replies, SESSION_CONNECT_BURST + SESSION_CONNECT_RATE);
    lfix_free(&f);
}

/* The third packet: only an ack of the cookie, from the same address, in time, creates. */
static void test_listener_cookie(void **state)
{
    struct lfix f;
    uint8_t pkt[SESSION_PACKET_MAX], plain[SESSION_PACKET_MAX], reply[SESSION_PACKET_MAX];
    uint8_t other_addr[6] = { 10, 0, 0, 3, 4, 210 };
    struct wire_sid cs = { { 0xc3, 0x9d, 0x76, 0x2d, 0x09, 0xb9, 0xe2, 0xcf } }, cookie, wrong;
    struct wire_control rc;
    struct session_accept acc;
    struct buf_writer w;
    size_t len;

    (void)state;
    lfix_init(&f, CTLWRAP_NONE, 0);
    len = client_reset(&f, &cs, false, pkt);
    assert_int_equal(len, 14);
    buf_writer_init(&w, reply, sizeof(reply));
    assert_int_equal(check(&f, pkt, len, f.h->addr, &w, &acc), SESSION_VERDICT_REPLY);
    /* §2.2: 40 | server sid | 01 | 00000000 | client sid | 00000000 */
    assert_int_equal(buf_writer_len(&w), 26);
    assert_int_equal(wire_control_parse(reply, 26, &rc), WIRE_OK);
    assert_int_equal(rc.opcode, WIRE_P_CONTROL_HARD_RESET_SERVER_V2);
    assert_int_equal(rc.ack.n, 1);
    assert_int_equal(rc.ack.ids[0], 0);
    assert_true(wire_sid_equal(&rc.ack.remote_sid, &cs));
    assert_int_equal(rc.msg_id, 0);
    cookie = rc.sid;
    /* The same reset again in the same slot: the identical reply (§6.1). */
    buf_writer_init(&w, plain, sizeof(plain));
    assert_int_equal(check(&f, pkt, len, f.h->addr, &w, &acc), SESSION_VERDICT_REPLY);
    assert_memory_equal(plain, reply, 26);

    wrong = cookie;
    wrong.bytes[3] ^= 0x10;
#define THIRD(ack_n, rsid, msg, addr, verdict, why)                                                \
    do {                                                                                           \
        len = craft(pkt, WIRE_P_CONTROL_V1, 0, &cs, ack_n, 0, rsid, msg, "hello");                 \
        buf_writer_init(&w, reply, sizeof(reply));                                                 \
        assert_int_equal(check(&f, pkt, len, addr, &w, &acc), verdict);                            \
        assert_int_equal(acc.drop, why);                                                           \
        assert_int_equal(buf_writer_len(&w), 0);                                                   \
    } while (0)
    THIRD(0, NULL, 1, f.h->addr, SESSION_VERDICT_DROP, SESSION_RX_COOKIE);
    THIRD(1, &wrong, 1, f.h->addr, SESSION_VERDICT_DROP, SESSION_RX_COOKIE);
    THIRD(1, &cookie, 1, other_addr, SESSION_VERDICT_DROP, SESSION_RX_COOKIE);
    THIRD(1, &cookie, 0, f.h->addr, SESSION_VERDICT_DROP, SESSION_RX_MALFORMED);
    THIRD(1, &cookie, 1, f.h->addr, SESSION_VERDICT_CREATE, SESSION_RX_OK);
    assert_true(wire_sid_equal(&acc.client_sid, &cs));
    assert_true(wire_sid_equal(&acc.server_sid, &cookie));
    /* A P_ACK_V1 acking the cookie also qualifies (§6.1). */
    len = craft(pkt, WIRE_P_ACK_V1, 0, &cs, 1, 0, &cookie, 0, NULL);
    buf_writer_init(&w, reply, sizeof(reply));
    assert_int_equal(check(&f, pkt, len, f.h->addr, &w, &acc), SESSION_VERDICT_CREATE);
    /* 90 s later the cookie has expired (30-second slots, two past ones accepted). */
    f.h->now += 91 * SEC;
    THIRD(1, &cookie, 1, f.h->addr, SESSION_VERDICT_DROP, SESSION_RX_COOKIE);
#undef THIRD
    lfix_free(&f);
}

static void test_listener_bad_first_packets(void **state)
{
    struct lfix f;
    uint8_t pkt[SESSION_PACKET_MAX], plain[SESSION_PACKET_MAX], reply[SESSION_PACKET_MAX];
    struct wire_sid cs = { { 1, 1, 2, 3, 5, 8, 13, 21 } };
    struct wire_replay_id rid = { 1, HS_WALL_TIME }; /* no early-negotiation marker */
    struct session_accept acc;
    struct buf_writer w;
    size_t len;

    (void)state;
    lfix_init(&f, CTLWRAP_TLS_CRYPT_V2, 0);
    /* A pre-2.6 tls-crypt-v2 client (no 0x0F marker) is not served statelessly. */
    len = craft(plain, WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 0, &cs, 0, 0, NULL, 0, NULL);
    buf_writer_init(&w, pkt, sizeof(pkt));
    assert_int_equal(ctlwrap_wrap_id(f.client, plain, len, &rid, &w), CTLWRAP_OK);
    len = buf_writer_len(&w);
    buf_writer_init(&w, reply, sizeof(reply));
    assert_int_equal(check(&f, pkt, len, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_NO_EARLY_NEG);
    assert_false(acc.has_kc); /* the verdict carries no key when it drops */
    /* A WKc with one flipped bit. */
    len = client_reset(&f, &cs, true, pkt);
    pkt[len - 100] ^= 0x04;
    assert_int_equal(check(&f, pkt, len, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_UNWRAP);
    /* A V2 reset to a v2 server, a reset with key_id 1. */
    len = craft(plain, WIRE_P_CONTROL_HARD_RESET_CLIENT_V2, 0, &cs, 0, 0, NULL, 0, NULL);
    assert_int_equal(check(&f, plain, len, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_OPCODE);
    plain[0] = wire_op_byte(WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 1);
    assert_int_equal(check(&f, plain, len, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_KEY_ID);
    assert_int_equal(buf_writer_len(&w), 0);
    lfix_free(&f);

    lfix_init(&f, CTLWRAP_NONE, 0);
    /* Resets with a message id other than 0, soft resets, data, nothing. */
    len = craft(plain, WIRE_P_CONTROL_HARD_RESET_CLIENT_V2, 0, &cs, 0, 0, NULL, 3, NULL);
    buf_writer_init(&w, reply, sizeof(reply));
    assert_int_equal(check(&f, plain, len, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_MALFORMED);
    plain[0] = wire_op_byte(WIRE_P_CONTROL_SOFT_RESET_V1, 1);
    assert_int_equal(check(&f, plain, len, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_OPCODE);
    assert_int_equal(check(&f, plain, 0, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
    assert_int_equal(acc.drop, SESSION_RX_TRUNCATED);
    for (size_t i = 1; i < 14; i++) {
        plain[0] = 0x38;
        assert_int_equal(check(&f, plain, i, f.h->addr, &w, &acc), SESSION_VERDICT_DROP);
        assert_int_equal(acc.drop, SESSION_RX_TRUNCATED);
    }
    assert_int_equal(buf_writer_len(&w), 0);
    lfix_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_wrapped),
        cmocka_unit_test(test_truncated_plain),
        cmocka_unit_test(test_wrong_session_ids),
        cmocka_unit_test(test_replayed_packets),
        cmocka_unit_test(test_acks_never_sent),
        cmocka_unit_test(test_wrong_wrap_key),
        cmocka_unit_test(test_bad_opcodes_and_ids),
        cmocka_unit_test(test_client_before_reset),
        cmocka_unit_test(test_failed_session_inert),
        cmocka_unit_test(test_listener_spoofed_resets),
        cmocka_unit_test(test_listener_rate_limit),
        cmocka_unit_test(test_listener_cookie),
        cmocka_unit_test(test_listener_bad_first_packets),
    };

    /* Before OpenSSL allocates anything: count its allocations. */
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
        return 1;
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
