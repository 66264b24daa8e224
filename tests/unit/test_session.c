/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two sessions talking through the in-memory harness: full handshakes in every wrapping mode,
 * push, renegotiation from either side with the lame-duck transition, a lossy link, hand-window
 * expiry, cipher negotiation failure, close. Bad input and the listener are in
 * test_session_input.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "session_harness.h"
#include "wire.h"

#define SEC 1000u

static struct pki pki;

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

static struct harness *new_harness(enum ctlwrap_mode mode)
{
    struct harness *h = calloc(1, sizeof(*h));

    assert_non_null(h);
    assert_int_equal(hs_init(h, &pki, mode), 0);
    return h;
}

static void free_harness(struct harness *h)
{
    /* Whatever a test did, no state machine was ever asked for an illegal move. */
    if (h->c.s)
        assert_int_equal(session_stats(h->c.s)->illegal_transitions, 0);
    if (h->s.s)
        assert_int_equal(session_stats(h->s.s)->illegal_transitions, 0);
    hs_free(h);
    free(h);
}

/* Runs a started harness to both ESTABLISHED and checks what both sides must agree on. */
static void expect_established(struct harness *h, uint64_t within)
{
    uint64_t t0 = h->now;

    assert_true(hs_run(h, h->now + within, hs_both_established));
    assert_false(hs_any_failed(h));
    assert_true(h->now - t0 < within);
    assert_int_equal(session_state(h->c.s), SESSION_ACTIVE);
    assert_int_equal(session_state(h->s.s), SESSION_ACTIVE);
    assert_true(hs_keys_match(h, 0));
    assert_string_equal(h->c.keys[0].cipher, "AES-256-GCM");
    assert_int_equal(h->c.keys[0].keys.encrypt.cipher_len, 32);
    assert_int_equal(h->c.keys[0].keys.encrypt.hmac_len, 8); /* AEAD implicit IV */
    assert_int_equal(h->c.count[SESSION_EV_TLS_VERIFIED], 1);
    assert_int_equal(h->s.count[SESSION_EV_TLS_VERIFIED], 1);
    assert_string_equal(h->c.cert_cn, "server");
    assert_string_equal(h->s.cert_cn, "client1");
    assert_int_equal(h->c.count[SESSION_EV_PUSH_REPLY], 1);
    assert_string_equal(h->c.push_cipher, "AES-256-GCM");
    assert_int_equal(h->c.push_peer_id, 7);
    assert_int_equal(h->c.send_key, 0);
    assert_int_equal(h->s.send_key, 0);
    assert_int_equal(session_send_key_id(h->c.s), 0);
    assert_int_equal(h->creates, 1);
}

static void run_handshake(enum ctlwrap_mode mode, int key_direction, const char *digest)
{
    struct harness *h = new_harness(mode);

    if (mode == CTLWRAP_TLS_AUTH) {
        h->cp.wrap.key_direction = key_direction < 0 ? key_direction : 1 - key_direction;
        h->sp.wrap.key_direction = key_direction;
        h->lp.wrap.key_direction = key_direction;
        h->cp.wrap.digest = h->sp.wrap.digest = h->lp.wrap.digest = digest;
    }
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    /* 2.6 defaults negotiated: EKM keys and dynamic tls-crypt. */
    assert_true(h->c.keys[0].ekm);
    assert_true(session_negotiated(h->c.s)->dyn_tls_crypt);
    assert_true(session_negotiated(h->s.s)->dyn_tls_crypt);
    assert_true(session_negotiated(h->s.s)->request_push);
    /* The server pushed at once (IV_PROTO bit 2): the client never had to ask. */
    assert_int_equal(session_stats(h->c.s)->push_requests_sent, 0);
    assert_int_equal(h->c.rx_drops, 0);
    assert_int_equal(h->s.rx_drops, 0);
    free_harness(h);
}

static void test_handshake_none(void **state)
{
    (void)state;
    run_handshake(CTLWRAP_NONE, 0, NULL);
}

static void test_handshake_tls_auth(void **state)
{
    (void)state;
    run_handshake(CTLWRAP_TLS_AUTH, 0, "SHA1");
    run_handshake(CTLWRAP_TLS_AUTH, 1, "SHA256");
    run_handshake(CTLWRAP_TLS_AUTH, CTLWRAP_KEY_DIR_BIDI, "SHA512");
}

static void test_handshake_tls_crypt(void **state)
{
    (void)state;
    run_handshake(CTLWRAP_TLS_CRYPT, 0, NULL);
}

static void test_handshake_tls_crypt_v2(void **state)
{
    (void)state;
    run_handshake(CTLWRAP_TLS_CRYPT_V2, 0, NULL);
}

/* ---- push ---- */

/* The server ignores the request implied by IV_PROTO bit 2: the client must ask (§12.1). */
static void test_push_request(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT);
    uint64_t t0;

    (void)state;
    h->push_skip = 1;
    assert_int_equal(hs_start(h), 0);
    t0 = h->now;
    expect_established(h, 5 * SEC);
    /* First PUSH_REQUEST about 1 s after the key exchange, answered at once. */
    assert_int_equal(session_stats(h->c.s)->push_requests_sent, 1);
    assert_int_equal(h->s.count[SESSION_EV_PUSH_REQUEST], 2);
    assert_true(h->now - t0 >= SESSION_PUSH_REQUEST_DELAY_MS);
    assert_true(h->now - t0 < SESSION_PUSH_REQUEST_DELAY_MS + SEC);
    /* Within 30 s of a reply the server ignores PUSH_REQUESTs, then answers again. */
    assert_int_equal(session_send_text(h->c.s, "PUSH_REQUEST", 12, h->now), SESSION_OK);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->s.count[SESSION_EV_PUSH_REQUEST], 2);
    hs_run(h, h->now + 30 * SEC, NULL);
    assert_int_equal(session_send_text(h->c.s, "PUSH_REQUEST", 12, h->now), SESSION_OK);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->s.count[SESSION_EV_PUSH_REQUEST], 3);
    assert_int_equal(h->c.count[SESSION_EV_PUSH_REPLY], 2);
    /* The keys came with the first reply only. */
    assert_int_equal(h->c.count[SESSION_EV_KEYS], 1);
    free_harness(h);
}

/* No reply at all: PUSH_REQUEST every 5 s until hand-window ends the session. */
static void test_push_timeout(void **state)
{
    struct harness *h = new_harness(CTLWRAP_NONE);
    uint64_t t0 = h->now;

    (void)state;
    h->auto_push = false;
    assert_int_equal(hs_start(h), 0);
    assert_true(hs_run(h, h->now + 120 * SEC, hs_any_failed));
    assert_int_equal(h->c.fail, SESSION_FAIL_PUSH_TIMEOUT);
    assert_true(h->now - t0 >= 60 * SEC && h->now - t0 < 61 * SEC);
    assert_int_equal(session_stats(h->c.s)->push_requests_sent, 12); /* 1, 6, ... 56 s */
    assert_int_equal(h->c.count[SESSION_EV_KEYS], 0);
    assert_int_equal(h->c.count[SESSION_EV_ESTABLISHED], 0);
    assert_int_equal(session_state(h->c.s), SESSION_FAILED);
    /* A failed session is inert. */
    assert_int_equal(session_next_deadline(h->c.s), UINT64_MAX);
    assert_int_equal(session_send_text(h->c.s, "EXIT", 4, h->now), SESSION_ERR_STATE);
    free_harness(h);
}

static bool asked_for_push(const struct harness *h)
{
    return session_stats(h->c.s)->push_requests_sent >= 1;
}

/* AUTH_PENDING's timeout replaces hand-window while the client waits for the push: longer or
 * shorter. Only a client waiting for its push takes it. */
static void test_auth_pending_timeout(void **state)
{
    static const uint32_t timeouts[] = { 120, 3 };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct harness *h = new_harness(CTLWRAP_NONE);
        uint64_t t0;

        h->auto_push = false;
        assert_int_equal(hs_start(h), 0);
        /* Still in the TLS handshake: not yet. */
        assert_int_equal(session_auth_pending(h->c.s, 30, h->now), SESSION_ERR_STATE);
        assert_true(hs_run(h, h->now + 10 * SEC, asked_for_push));
        assert_int_equal(session_auth_pending(h->s.s, 30, h->now), SESSION_ERR_STATE);
        t0 = h->now;
        assert_int_equal(session_auth_pending(h->c.s, timeouts[i], t0), SESSION_OK);
        assert_true(hs_run(h, t0 + 200 * SEC, hs_any_failed));
        assert_int_equal(h->c.fail, SESSION_FAIL_PUSH_TIMEOUT);
        assert_true(h->now - t0 >= timeouts[i] * SEC && h->now - t0 < timeouts[i] * SEC + SEC);
        free_harness(h);
    }
}

static void test_user_pass_and_text(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_AUTH);

    (void)state;
    h->cp.username = "alice";
    h->cp.password = "s3cret pass";
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    assert_string_equal(h->s.username, "alice");
    assert_string_equal(h->s.password, "s3cret pass");
    assert_true(h->s.peer_proto & KEYEX_IV_PROTO_REQUEST_PUSH);
    assert_true(h->s.peer_proto & KEYEX_IV_PROTO_DYN_TLS_CRYPT);
    /* Text both ways. */
    assert_int_equal(session_send_text(h->s.s, "INFO,hello there", 16, h->now), SESSION_OK);
    assert_int_equal(session_send_text(h->c.s, "CR_RESPONSE,YWJj", 16, h->now), SESSION_OK);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->c.n_texts, 1);
    assert_string_equal(h->c.texts[0], "INFO,hello there");
    assert_int_equal(h->s.n_texts, 1);
    assert_string_equal(h->s.texts[0], "CR_RESPONSE,YWJj");
    /* Text that cannot go on the wire. */
    assert_int_equal(session_send_text(h->c.s, "bad\nline", 8, h->now), SESSION_ERR_PARAM);
    assert_int_equal(session_send_text(h->c.s, "", 0, h->now), SESSION_ERR_PARAM);
    free_harness(h);
}

/* ---- negotiation ---- */

/* A client without IV_PROTO bit 3: keys from the legacy PRF (§10.2). */
static void test_legacy_prf(void **state)
{
    struct harness *h = new_harness(CTLWRAP_NONE);

    (void)state;
    h->cp.ekm = false;
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    assert_false(h->c.keys[0].ekm);
    assert_false(h->s.keys[0].ekm);
    free_harness(h);
}

static void test_cbc_cipher(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT);

    (void)state;
    h->cp.data_ciphers = "AES-256-CBC:AES-128-GCM";
    h->sp.data_ciphers = "CHACHA20-POLY1305:aes-256-cbc";
    h->cp.auth = h->sp.auth = "SHA256";
    assert_int_equal(hs_start(h), 0);
    assert_true(hs_run(h, h->now + 5 * SEC, hs_both_established));
    assert_true(hs_keys_match(h, 0));
    assert_string_equal(h->c.keys[0].cipher, "AES-256-CBC");
    assert_string_equal(h->c.keys[0].auth, "SHA256");
    assert_int_equal(h->c.keys[0].keys.encrypt.cipher_len, 32);
    assert_int_equal(h->c.keys[0].keys.encrypt.hmac_len, 32);
    free_harness(h);
}

/* No cipher in common: the server answers AUTH_FAILED and ends the session. */
static void test_ncp_failure(void **state)
{
    struct harness *h = new_harness(CTLWRAP_NONE);

    (void)state;
    h->cp.data_ciphers = "AES-128-GCM";
    h->sp.data_ciphers = "CHACHA20-POLY1305:AES-256-GCM";
    assert_int_equal(hs_start(h), 0);
    hs_run(h, h->now + 10 * SEC, NULL);
    assert_int_equal(h->s.count[SESSION_EV_FAILED], 1);
    assert_int_equal(h->s.fail, SESSION_FAIL_NCP);
    assert_int_equal(h->s.count[SESSION_EV_KEYS], 0);
    assert_int_equal(h->c.n_texts, 1);
    assert_string_equal(h->c.texts[0],
                        "AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)");
    assert_int_equal(h->c.count[SESSION_EV_KEYS], 0);
    free_harness(h);
}

/* The client refuses a pushed cipher it did not offer. */
static void test_client_refuses_cipher(void **state)
{
    struct harness *h = new_harness(CTLWRAP_NONE);

    (void)state;
    h->cp.data_ciphers = "AES-128-GCM:AES-256-GCM";
    h->sp.data_ciphers = "AES-256-GCM";
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    free_harness(h);

    h = new_harness(CTLWRAP_NONE);
    h->auto_push = false;
    assert_int_equal(hs_start(h), 0);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_int_equal(session_send_text(h->s.s, "PUSH_REPLY,cipher BF-CBC,peer-id 1", 34, h->now),
                     SESSION_OK);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->c.fail, SESSION_FAIL_NCP);
    assert_int_equal(h->c.count[SESSION_EV_KEYS], 0);
    free_harness(h);
}

/* A push in two parts (push-continuation 2, then 1) completes only with the second. */
static void test_push_continuation(void **state)
{
    static const char part1[] = "PUSH_REPLY,route 10.9.0.0 255.255.0.0,push-continuation 2";
    static const char part2[] = "PUSH_REPLY,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm "
                                "dyn-tls-crypt,peer-id 3,push-continuation 1";
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT);

    (void)state;
    h->auto_push = false;
    assert_int_equal(hs_start(h), 0);
    hs_run(h, h->now + 500, NULL);
    assert_int_equal(session_send_text(h->s.s, part1, strlen(part1), h->now), SESSION_OK);
    hs_run(h, h->now + 100, NULL);
    assert_int_equal(h->c.count[SESSION_EV_PUSH_REPLY], 0);
    assert_int_equal(session_send_text(h->s.s, part2, strlen(part2), h->now), SESSION_OK);
    hs_run(h, h->now + 100, NULL);
    assert_int_equal(h->c.count[SESSION_EV_PUSH_REPLY], 1);
    assert_int_equal(h->c.push_peer_id, 3);
    assert_true(hs_keys_match(h, 0));
    assert_int_equal(h->c.count[SESSION_EV_ESTABLISHED], 1);
    /* Each part came raw for the log, in order, before the one PUSH_REPLY event. */
    assert_int_equal(h->c.n_push_texts, 2);
    assert_string_equal(h->c.push_texts[0], part1);
    assert_string_equal(h->c.push_texts[1], part2);
    assert_int_equal(h->c.push_texts_before_reply, 2);
    assert_int_equal(h->c.n_texts, 0);
    free_harness(h);
}

/* The raw PUSH_REPLY text reaches the client app as a TEXT event, byte for byte (auth-token
 * included: hiding it is the logger's job), also when the push is refused or malformed. */
static void test_push_reply_text(void **state)
{
    static const char push[] = "PUSH_REPLY,cipher AES-256-GCM,auth-token SESS_ID_AT_abc,peer-id 4";
    static const char bad_cipher[] = "PUSH_REPLY,cipher BF-CBC,peer-id 1";
    struct harness *h = new_harness(CTLWRAP_TLS_AUTH);

    (void)state;
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    /* The harness's own push: one part, the one the server sent; servers get none. */
    assert_int_equal(h->c.n_push_texts, 1);
    assert_int_equal(strncmp(h->c.push_texts[0], "PUSH_REPLY,", 11), 0);
    assert_non_null(strstr(h->c.push_texts[0], ",peer-id 7"));
    assert_int_equal(h->c.push_texts_before_reply, 1);
    assert_int_equal(h->s.n_push_texts, 0);
    assert_int_equal(h->c.n_texts, 0);
    free_harness(h);

    h = new_harness(CTLWRAP_NONE);
    h->auto_push = false;
    assert_int_equal(hs_start(h), 0);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_int_equal(session_send_text(h->s.s, push, strlen(push), h->now), SESSION_OK);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->c.n_push_texts, 1);
    assert_string_equal(h->c.push_texts[0], push);
    assert_int_equal(h->c.count[SESSION_EV_PUSH_REPLY], 1);
    assert_int_equal(h->c.push_peer_id, 4);
    free_harness(h);

    /* Refused (cipher not offered): the text still comes, then the failure. */
    h = new_harness(CTLWRAP_NONE);
    h->auto_push = false;
    assert_int_equal(hs_start(h), 0);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_int_equal(session_send_text(h->s.s, bad_cipher, strlen(bad_cipher), h->now), SESSION_OK);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->c.n_push_texts, 1);
    assert_string_equal(h->c.push_texts[0], bad_cipher);
    assert_int_equal(h->c.fail, SESSION_FAIL_NCP);
    free_harness(h);
}

/* ---- renegotiation ---- */

static size_t count_ops(const struct hs_link *l, uint8_t op, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < l->n_log; i++)
        n += l->op[i] == op && (len == 0 || l->len[i] == len);
    return n;
}

static void test_reneg_client(void **state)
{
    struct harness *h = new_harness(CTLWRAP_NONE);
    uint64_t t0 = h->now;

    (void)state;
    h->cp.reneg_sec = 20;
    h->cp.tran_window_s = h->sp.tran_window_s = 15;
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    hs_run(h, t0 + 21 * SEC, NULL);
    assert_int_equal(h->c.n_reneg, 1);
    assert_int_equal(h->c.reneg[0], 1);
    assert_true(h->c.reneg_local[0]);
    assert_int_equal(h->s.n_reneg, 1);
    assert_false(h->s.reneg_local[0]);
    assert_true(hs_keys_match(h, 1));
    assert_true(hs_keys_match(h, 0)); /* the lame duck still decrypts */
    /* §11.3: the initiator keeps sending on the old key for W = reneg-sec / 2; the responder
     * (reneg-sec 3600, W = 60 s, old key younger than that) switches at once. */
    assert_int_equal(h->c.send_key, 0);
    assert_int_equal(h->s.send_key, 1);
    hs_run(h, t0 + 31 * SEC, NULL);
    assert_int_equal(h->c.send_key, 1);
    assert_int_equal(h->c.n_retired, 0);
    /* tran-window after the soft reset: the old key goes on both sides. */
    hs_run(h, t0 + 36 * SEC, NULL);
    assert_int_equal(h->c.n_retired, 1);
    assert_int_equal(h->c.retired[0], 0);
    assert_int_equal(h->s.n_retired, 1);
    assert_int_equal(h->s.retired[0], 0);
    /* §11.4: the key_id 1 soft resets travel tls-crypt wrapped (14 + 40 bytes; the reply 12
     * more for its ack), although the session started without wrapping. */
    assert_int_equal(count_ops(&h->c2s, 0x19, 54), 1);
    assert_int_equal(count_ops(&h->s2c, 0x19, 66), 1);
    assert_int_equal(session_stats(h->c.s)->illegal_transitions, 0);
    assert_int_equal(session_stats(h->s.s)->illegal_transitions, 0);
    assert_int_equal(h->c.rx_drops + h->s.rx_drops, 0);
    free_harness(h);
}

static void test_reneg_server(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_AUTH);
    uint64_t t0 = h->now;

    (void)state;
    h->sp.reneg_sec = 20; /* a server starts somewhere in [18, 20] s */
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    hs_run(h, t0 + 17 * SEC, NULL);
    assert_int_equal(h->s.n_reneg, 0);
    hs_run(h, t0 + 22 * SEC, NULL);
    assert_int_equal(h->s.n_reneg, 1);
    assert_true(h->s.reneg_local[0]);
    assert_int_equal(h->c.n_reneg, 1);
    assert_false(h->c.reneg_local[0]);
    assert_true(hs_keys_match(h, 1));
    assert_int_equal(h->c.send_key, 1);
    assert_int_equal(h->s.send_key, 0);
    assert_int_equal(session_stats(h->s.s)->renegotiations, 1);
    free_harness(h);
}

/* key_id runs 1..7 and wraps to 1 (§1); every key agrees; tls-crypt-v2 throughout. */
static void test_reneg_key_id_wrap(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT_V2);
    uint64_t t0 = h->now;
    uint8_t want = 0;

    (void)state;
    h->cp.reneg_sec = 10;
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    for (unsigned i = 1; i <= 9; i++) {
        hs_run(h, t0 + (uint64_t)i * 10 * SEC + 2 * SEC, NULL);
        want = wire_key_id_next(want);
        assert_int_equal(h->c.n_reneg, i);
        assert_int_equal(h->c.reneg[i - 1], want);
        assert_int_equal(h->s.reneg[i - 1], want);
        assert_true(hs_keys_match(h, want));
    }
    assert_int_equal(want, 2); /* 1..7, 1, 2 */
    assert_int_equal(h->c.count[SESSION_EV_FAILED] + h->s.count[SESSION_EV_FAILED], 0);
    /* Each new key retired the lame duck before it. */
    assert_int_equal(h->c.n_retired, 8);
    free_harness(h);
}

/* --reneg-bytes: the data channel's byte count triggers the soft reset. */
static void test_reneg_bytes(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT);

    (void)state;
    h->cp.reneg_bytes = 1000;
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    session_count_data(h->c.s, 0, 600, 1);
    assert_true(session_next_deadline(h->c.s) > h->now);
    session_count_data(h->c.s, 5, 600, 1); /* not a live key: ignored */
    assert_true(session_next_deadline(h->c.s) > h->now);
    session_count_data(h->c.s, 0, 600, 1);
    assert_true(session_next_deadline(h->c.s) <= h->now);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_int_equal(h->c.n_reneg, 1);
    assert_true(hs_keys_match(h, 1));
    /* The app's own trigger (packet-id wrap) while a renegotiation runs is refused. */
    assert_int_equal(session_renegotiate(h->c.s, h->now), SESSION_OK);
    assert_int_equal(session_renegotiate(h->c.s, h->now), SESSION_ERR_STATE);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_true(hs_keys_match(h, 2));
    free_harness(h);
}

/* Text sent while the key is being negotiated waits for it (first key and a renegotiation). */
static void test_text_queued(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_AUTH);
    char big[PUSH_MSG_MAX];

    (void)state;
    assert_int_equal(hs_start(h), 0);
    assert_int_equal(session_send_text(h->c.s, "INFO,early one", 14, h->now), SESSION_OK);
    assert_int_equal(session_send_text(h->c.s, "INFO,early two", 14, h->now), SESSION_OK);
    expect_established(h, 5 * SEC);
    hs_run(h, h->now + SEC, NULL);
    assert_int_equal(h->s.n_texts, 2);
    assert_string_equal(h->s.texts[0], "INFO,early one");
    assert_string_equal(h->s.texts[1], "INFO,early two");
    /* During a soft reset the new primary is not ready: the text goes after its key exchange. */
    assert_int_equal(session_renegotiate(h->s.s, h->now), SESSION_OK);
    assert_int_equal(session_send_text(h->s.s, "INFO,during reneg", 17, h->now), SESSION_OK);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_true(hs_keys_match(h, 1));
    assert_int_equal(h->c.n_texts, 1);
    assert_string_equal(h->c.texts[0], "INFO,during reneg");
    /* The queue is bounded. */
    assert_int_equal(session_renegotiate(h->s.s, h->now), SESSION_OK);
    memset(big, 'x', sizeof(big) - 1);
    assert_int_equal(session_send_text(h->s.s, big, sizeof(big) - 1, h->now), SESSION_OK);
    assert_int_equal(session_send_text(h->s.s, big, sizeof(big) - 1, h->now), SESSION_OK);
    assert_int_equal(session_send_text(h->s.s, "INFO,x", 6, h->now), SESSION_ERR_NO_ROOM);
    assert_int_equal(session_send_text(h->s.s, big, sizeof(big), h->now), SESSION_ERR_PARAM);
    hs_run(h, h->now + 2 * SEC, NULL);
    assert_int_equal(h->c.n_texts, 3);
    assert_int_equal(strlen(h->c.texts[2]), sizeof(h->c.texts[2]) - 1); /* truncated copy */
    assert_false(hs_any_failed(h));
    free_harness(h);
}

/* ---- a hostile network ---- */

static void test_lossy_link(void **state)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct harness *h = new_harness(seed % 2 ? CTLWRAP_TLS_CRYPT : CTLWRAP_NONE);
        uint64_t t0 = h->now;

        (void)state;
        h->rng ^= seed * 0x9e3779b97f4a7c15ull;
        h->c2s.loss = h->s2c.loss = 20;
        h->c2s.dup = h->s2c.dup = 10;
        h->c2s.reorder = h->s2c.reorder = 20;
        h->cp.reneg_sec = 30;
        assert_int_equal(hs_start(h), 0);
        assert_true(hs_run(h, h->now + 50 * SEC, hs_both_established));
        assert_true(hs_keys_match(h, 0));
        hs_run(h, t0 + 120 * SEC, NULL);
        assert_true(h->c.n_reneg >= 1);
        assert_false(hs_any_failed(h));
        assert_true(hs_keys_match(h, h->c.reneg[h->c.n_reneg - 1]));
        assert_true(h->c2s.lost > 0 && h->s2c.lost > 0);
        assert_true(session_reliable_stats(h->c.s)->tx_retransmits +
                        session_reliable_stats(h->s.s)->tx_retransmits >
                    0);
        free_harness(h);
    }
}

/* No server: resets at 0, 2, 6, 14, 30 s (§7.1), then hand-window ends it at 60 s. */
static void test_hand_window_client(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_AUTH);
    uint64_t t0 = h->now;

    (void)state;
    h->c2s.blocked = true;
    assert_int_equal(hs_start(h), 0);
    assert_true(hs_run(h, h->now + 120 * SEC, hs_any_failed));
    assert_int_equal(h->c.fail, SESSION_FAIL_HANDSHAKE_TIMEOUT);
    assert_int_equal(h->now - t0, 60 * SEC);
    assert_int_equal(count_ops(&h->c2s, 0x38, 0), 5);
    assert_int_equal(h->c2s.n_log, 5);
    assert_null(h->s.s);
    assert_non_null(strstr(h->c.fail_text, "60 seconds"));
    free_harness(h);
}

/* The client goes silent after the server accepted it: the server gives up at hand-window. */
static bool server_created(const struct harness *h)
{
    return h->s.s != NULL;
}

static bool server_failed(const struct harness *h)
{
    return h->s.count[SESSION_EV_FAILED] > 0;
}

static void test_hand_window_server(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT);
    uint64_t t1;

    (void)state;
    assert_int_equal(hs_start(h), 0);
    assert_true(hs_run(h, h->now + 5 * SEC, server_created));
    t1 = h->now;
    h->c2s.blocked = true;
    assert_true(hs_run(h, h->now + 120 * SEC, server_failed));
    assert_int_equal(h->s.fail, SESSION_FAIL_HANDSHAKE_TIMEOUT);
    assert_int_equal(h->now - t1, 60 * SEC);
    assert_int_equal(session_state(h->s.s), SESSION_FAILED);
    free_harness(h);
}

/* A client certificate from another CA: the server's TLS refuses it. */
static void test_tls_verify_failure(void **state)
{
    struct harness *h = new_harness(CTLWRAP_NONE);
    struct tlsmem_config c;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.ca = pki.ca.p;
    c.ca_len = pki.ca.n;
    c.cert = pki.other_cli_cert.p;
    c.cert_len = pki.other_cli_cert.n;
    c.key = pki.other_cli_key.p;
    c.key_len = pki.other_cli_key.n;
    tlsmem_ctx_free(h->cctx);
    h->cctx = tlsmem_ctx_new(&c, NULL, 0);
    assert_non_null(h->cctx);
    h->cp.tls = h->cctx;
    assert_int_equal(hs_start(h), 0);
    assert_true(hs_run(h, h->now + 5 * SEC, hs_any_failed));
    assert_int_equal(h->s.fail, SESSION_FAIL_TLS);
    assert_non_null(strstr(h->s.fail_text,
                           "VERIFY ERROR: depth=0, error=unable to get local issuer certificate"));
    assert_int_equal(h->s.count[SESSION_EV_KEYS] + h->c.count[SESSION_EV_KEYS], 0);
    free_harness(h);
}

/* ---- ending a session ---- */

static void test_close(void **state)
{
    struct harness *h = new_harness(CTLWRAP_TLS_CRYPT);
    uint64_t t1;

    (void)state;
    assert_int_equal(hs_start(h), 0);
    expect_established(h, 5 * SEC);
    assert_int_equal(session_close(h->s.s, "bad\x01", h->now), SESSION_ERR_PARAM);
    t1 = h->now;
    assert_int_equal(session_close(h->s.s, "RESTART,[N]going down", h->now), SESSION_OK);
    assert_int_equal(session_state(h->s.s), SESSION_CLOSING);
    assert_int_equal(session_send_text(h->s.s, "INFO,x", 6, h->now), SESSION_ERR_STATE);
    assert_true(hs_run(h, h->now + 10 * SEC, hs_any_failed));
    assert_int_equal(h->s.fail, SESSION_FAIL_LOCAL_CLOSE);
    assert_true(h->now - t1 < SEC); /* over as soon as the client acknowledged the text */
    assert_int_equal(h->c.n_texts, 1);
    assert_string_equal(h->c.texts[0], "RESTART,[N]going down");
    assert_int_equal(session_close(h->s.s, NULL, h->now), SESSION_ERR_STATE);
    /* A close the peer never acknowledges lingers SESSION_CLOSE_LINGER_MS. */
    h->c2s.blocked = true;
    t1 = h->now;
    assert_int_equal(session_close(h->c.s, "EXIT", h->now), SESSION_OK);
    hs_run(h, h->now + 10 * SEC, NULL);
    assert_int_equal(h->c.fail, SESSION_FAIL_LOCAL_CLOSE);
    free_harness(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_none),       cmocka_unit_test(test_handshake_tls_auth),
        cmocka_unit_test(test_handshake_tls_crypt),  cmocka_unit_test(test_handshake_tls_crypt_v2),
        cmocka_unit_test(test_push_request),         cmocka_unit_test(test_push_timeout),
        cmocka_unit_test(test_auth_pending_timeout), cmocka_unit_test(test_user_pass_and_text),
        cmocka_unit_test(test_legacy_prf),           cmocka_unit_test(test_cbc_cipher),
        cmocka_unit_test(test_ncp_failure),          cmocka_unit_test(test_client_refuses_cipher),
        cmocka_unit_test(test_push_continuation),    cmocka_unit_test(test_push_reply_text),
        cmocka_unit_test(test_reneg_client),         cmocka_unit_test(test_reneg_server),
        cmocka_unit_test(test_reneg_key_id_wrap),    cmocka_unit_test(test_reneg_bytes),
        cmocka_unit_test(test_text_queued),          cmocka_unit_test(test_lossy_link),
        cmocka_unit_test(test_hand_window_client),   cmocka_unit_test(test_hand_window_server),
        cmocka_unit_test(test_tls_verify_failure),   cmocka_unit_test(test_close),
    };

    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
