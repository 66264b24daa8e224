/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "datapath.h"
#include "inband.h"
#include "wire.h"

/*
 * A server datapath (peertab + vaddr) and a client datapath, keyed from one fixed key2 block
 * sliced by keyex_keys_from_key2() exactly as the session does. Packets travel client -> server
 * -> client through copies of the sealed bytes, as a UDP socket would carry them.
 */

#define BUFSZ   4096u
#define NBUF    PKTBUF_BATCH_MAX
#define NOW     1000000u
#define CLI_TUN 0x0A080002u /* 10.8.0.2 */
#define SRV_TUN 0x0A080001u /* 10.8.0.1 */
#define CL2_TUN 0x0A080003u /* 10.8.0.3 */

static uint8_t key2[KEYEX_KEY2_LEN];
static const uint8_t tabkey[PEERTAB_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
static const uint8_t cli6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0 };
static const uint8_t srv6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

/* A set of packet buffers with their addresses. */
struct bufs {
    uint8_t mem[NBUF][BUFSZ];
    struct pktbuf store[NBUF];
    struct pktbuf *b[NBUF];
    struct udp_meta meta[NBUF];
    size_t n;
};

struct h {
    struct datapath *cdp, *sdp;
    struct peertab *pt;
    struct vaddr *va;
    struct dp_peer cli; /* the client's view of the server */
    struct dp_peer srv; /* the server's view of the client */
    uint32_t id;
    char cipher[32], auth[32];
};

static struct bufs tun_in, net, back;
static struct dp_tx_out txo;
static struct dp_rx_out rxo;
static uint8_t orig[NBUF][BUFSZ];
static size_t orig_len[NBUF];

static struct udp_meta addr4(uint32_t ip, uint16_t port)
{
    struct udp_meta m;

    memset(&m, 0, sizeof(m));
    m.peer.family = AF_INET;
    m.peer.port = port;
    m.peer.ip[0] = (uint8_t)(ip >> 24);
    m.peer.ip[1] = (uint8_t)(ip >> 16);
    m.peer.ip[2] = (uint8_t)(ip >> 8);
    m.peer.ip[3] = (uint8_t)ip;
    return m;
}

#define CLIENT_ADDR  addr4(0xC6120002u, 40000) /* 198.18.0.2:40000 */
#define SERVER_ADDR  addr4(0xC6120001u, 1194)
#define OTHER_ADDR   addr4(0xC6120909u, 5555)
#define CLIENT2_ADDR addr4(0xC6120003u, 40001)

static void bufs_reset(struct bufs *s, size_t headroom)
{
    for (size_t i = 0; i < NBUF; i++) {
        pktbuf_init(&s->store[i], s->mem[i], BUFSZ, headroom);
        s->b[i] = &s->store[i];
    }
    s->n = 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* An IPv4 UDP packet of `len` bytes (>= 28); `fill` 0 gives varied bytes, else that byte. */
static size_t make_ip4(uint8_t *p, uint32_t src, uint32_t dst, size_t len, uint8_t fill)
{
    memset(p, 0, 28);
    p[0] = 0x45;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    p[8] = 64;
    p[9] = 17;
    put32(p + 12, src);
    put32(p + 16, dst);
    for (size_t i = 28; i < len; i++)
        p[i] = fill ? fill : (uint8_t)(i * 13 + len);
    return len;
}

static size_t make_ip6(uint8_t *p, const uint8_t *src, const uint8_t *dst, size_t len, uint8_t fill)
{
    memset(p, 0, 48);
    p[0] = 0x60;
    p[4] = (uint8_t)((len - 40) >> 8);
    p[5] = (uint8_t)(len - 40);
    p[6] = 17;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    for (size_t i = 48; i < len; i++)
        p[i] = fill ? fill : (uint8_t)(i * 7 + len);
    return len;
}

/* Appends a packet to a tun-side set (keeping a copy to compare with). */
static void add_tun(struct bufs *s, const uint8_t *p, size_t len)
{
    memcpy(pktbuf_put(s->b[s->n], len), p, len);
    memcpy(orig[s->n], p, len);
    orig_len[s->n] = len;
    s->n++;
}

/* The datagrams a tx batch produced, copied into fresh receive buffers as coming from `from`. */
static void carry(const struct dp_tx_out *o, struct bufs *to, struct udp_meta from)
{
    bufs_reset(to, 0);
    for (size_t i = 0; i < o->n_send; i++) {
        size_t len = pktbuf_len(o->send[i]);
        memcpy(pktbuf_put(to->b[i], len), pktbuf_data(o->send[i]), len);
        to->meta[i] = from;
    }
    to->n = o->n_send;
}

/* One raw datagram into set s. */
static void add_raw(struct bufs *s, const uint8_t *p, size_t len, struct udp_meta from)
{
    if (len > 0)
        memcpy(pktbuf_put(s->b[s->n], len), p, len);
    s->meta[s->n++] = from;
}

/* ---- set-up ---- */

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(key2); i++)
        key2[i] = (uint8_t)(i * 37 + 11);
    return 0;
}

static void install(struct dp_peer *p, enum keyex_role role, uint8_t key_id, const char *cipher,
                    const char *auth)
{
    struct dcipher_suite s;
    struct keyex_keys k;
    uint8_t kb[KEYEX_KEY2_LEN];

    /* A different key2 per key_id, as every renegotiation derives fresh keys. */
    for (size_t i = 0; i < sizeof(kb); i++)
        kb[i] = (uint8_t)(key2[i] + key_id * 3);
    assert_int_equal(dcipher_suite_lookup(cipher, auth, &s), DCIPHER_OK);
    assert_int_equal(keyex_keys_from_key2(kb, role, s.key_len, s.hmac_key_len, &k), KEYEX_OK);
    assert_int_equal(dp_key_install(p, key_id, cipher, auth, &k, NOW), DP_OK);
}

static void h_comp(struct h *h, enum comp_algo algo, enum comp_allow allow)
{
    struct comp c;
    struct comp_settings cs = { algo, allow };

    assert_int_equal(comp_init(&c, &cs), COMP_OK);
    dp_peer_set_comp(&h->cli, &c);
    dp_peer_set_comp(&h->srv, &c);
}

static void h_init_params(struct h *h, const char *cipher, const char *auth,
                          const struct dp_params *cp, const struct dp_params *sp)
{
    struct udp_meta ca = CLIENT_ADDR, sa = SERVER_ADDR;
    struct vaddr_ip v4 = vaddr_ip4(CLI_TUN), v6 = vaddr_ip6(cli6);

    memset(h, 0, sizeof(*h));
    snprintf(h->cipher, sizeof(h->cipher), "%s", cipher);
    snprintf(h->auth, sizeof(h->auth), "%s", auth ? auth : "");
    h->pt = peertab_new(4, tabkey);
    h->va = vaddr_new(8, 4, tabkey);
    assert_non_null(h->pt);
    assert_non_null(h->va);
    assert_int_equal(dp_new(cp, NULL, NULL, &h->cdp), DP_OK);
    assert_int_equal(dp_new(sp, h->pt, h->va, &h->sdp), DP_OK);
    assert_int_equal(dp_peer_init(&h->cli, h->cdp, NOW), DP_OK);
    assert_int_equal(dp_peer_init(&h->srv, h->sdp, NOW), DP_OK);
    dp_peer_set_remote(&h->cli, &sa);
    dp_peer_set_remote(&h->srv, &ca);
    assert_int_equal(peertab_insert(h->pt, &h->srv, &ca.peer, &h->id), PEERTAB_OK);
    dp_peer_set_peer_id(&h->srv, true, h->id);
    dp_peer_set_peer_id(&h->cli, true, h->id);
    assert_int_equal(vaddr_host_add(h->va, &v4, h->id), VADDR_OK);
    assert_int_equal(vaddr_host_add(h->va, &v6, h->id), VADDR_OK);
    install(&h->cli, KEYEX_CLIENT, 0, cipher, auth);
    install(&h->srv, KEYEX_SERVER, 0, cipher, auth);
    assert_int_equal(dp_set_send_key(&h->cli, 0), DP_OK);
    assert_int_equal(dp_set_send_key(&h->srv, 0), DP_OK);
}

static void h_init(struct h *h, const char *cipher, const char *auth)
{
    struct dp_params cp, sp;

    dp_params_init(&cp);
    dp_params_init(&sp);
    sp.role = DP_SERVER;
    h_init_params(h, cipher, auth, &cp, &sp);
}

static void h_free(struct h *h)
{
    dp_peer_cleanup(&h->cli);
    dp_peer_cleanup(&h->srv);
    dp_free(h->cdp);
    dp_free(h->sdp);
    peertab_free(h->pt);
    vaddr_free(h->va);
}

/* ---- helpers that move batches ---- */

/* Client seals tun_in; the datagrams arrive at the server from `from`. */
static void client_sends(struct h *h, struct udp_meta from)
{
    assert_int_equal(dp_encrypt_batch(h->cdp, &h->cli, tun_in.b, tun_in.n, NOW, &txo), tun_in.n);
    carry(&txo, &net, from);
}

static void server_receives(struct h *h)
{
    assert_int_equal(dp_decrypt_batch(h->sdp, NULL, net.b, net.meta, net.n, NOW + 5, &rxo), net.n);
}

static void expect_tun_equals_orig(void)
{
    assert_int_equal(rxo.n_tun, tun_in.n);
    for (size_t i = 0; i < rxo.n_tun; i++) {
        assert_int_equal(pktbuf_len(rxo.tun[i]), orig_len[i]);
        assert_memory_equal(pktbuf_data(rxo.tun[i]), orig[i], orig_len[i]);
    }
}

/* A batch of IPv4 and IPv6 packets from the client's addresses to the server's (or reversed). */
static void fill_batch(bool to_client, uint8_t fill)
{
    uint8_t p[BUFSZ];
    static const size_t lens[] = { 28, 29, 84, 100, 228, 512, 1000, 1400, 1500 };

    bufs_reset(&tun_in, DP_HEADROOM);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        add_tun(&tun_in, p,
                to_client ? make_ip4(p, SRV_TUN, CLI_TUN, lens[i], fill)
                          : make_ip4(p, CLI_TUN, SRV_TUN, lens[i], fill));
        add_tun(&tun_in, p,
                to_client ? make_ip6(p, srv6, cli6, lens[i] + 20, fill)
                          : make_ip6(p, cli6, srv6, lens[i] + 20, fill));
    }
}

/* Both directions, byte-exact. */
static void round_trip(struct h *h, uint8_t fill)
{
    fill_batch(false, fill);
    client_sends(h, CLIENT_ADDR);
    assert_int_equal(txo.n_send, tun_in.n);
    for (size_t i = 0; i < txo.n_send; i++) {
        const uint8_t *d = pktbuf_data(txo.send[i]);
        assert_int_equal(d[0], 0x48);
        assert_int_equal(d[1], (uint8_t)(h->id >> 16));
        assert_int_equal(d[2], (uint8_t)(h->id >> 8));
        assert_int_equal(d[3], (uint8_t)h->id);
        assert_true(peertab_addr_equal(&txo.meta[i].peer, &h->cli.remote.peer));
    }
    server_receives(h);
    expect_tun_equals_orig();
    for (size_t i = 0; i < net.n; i++) {
        assert_int_equal(rxo.verdict[i], DP_V_TUN);
        assert_ptr_equal(rxo.peer[i], &h->srv);
    }
    /* Server -> client: the peer comes from the routing table. */
    fill_batch(true, fill);
    assert_int_equal(dp_encrypt_batch(h->sdp, NULL, tun_in.b, tun_in.n, NOW, &txo), tun_in.n);
    assert_int_equal(txo.n_send, tun_in.n);
    for (size_t i = 0; i < txo.n_send; i++)
        assert_true(peertab_addr_equal(&txo.meta[i].peer, &h->srv.remote.peer));
    carry(&txo, &back, SERVER_ADDR);
    assert_int_equal(dp_decrypt_batch(h->cdp, &h->cli, back.b, back.meta, back.n, NOW, &rxo),
                     back.n);
    expect_tun_equals_orig();
}

/* ---- round trips ---- */

struct suite_case {
    const char *cipher, *auth;
};

static const struct suite_case suites[] = {
    { "AES-128-GCM", NULL },     { "AES-192-GCM", NULL },
    { "AES-256-GCM", NULL },     { "CHACHA20-POLY1305", NULL },
    { "AES-128-CBC", "SHA1" },   { "AES-256-CBC", "SHA256" },
    { "AES-192-CBC", "SHA512" }, { "AES-256-CBC", "none" },
    { "none", "SHA1" },          { "none", "none" },
};

static const enum comp_algo framings[] = {
    COMP_ALGO_NONE,     COMP_ALGO_STUB_V2, COMP_ALGO_LZ4_V2,
    COMP_ALGO_LZO_STUB, COMP_ALGO_STUB,    COMP_ALGO_LZ4,
};

static void test_round_trip_all(void **state)
{
    struct h h;

    (void)state;
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        for (size_t f = 0; f < sizeof(framings) / sizeof(framings[0]); f++) {
            h_init(&h, suites[s].cipher, suites[s].auth);
            h_comp(&h, framings[f], COMP_ALLOW_YES);
            round_trip(&h, 0);
            round_trip(&h, 0x41); /* compressible payloads */
            assert_int_equal(dp_stats(h.sdp)->drops[DP_DROP_NONE], 0);
            for (int r = 1; r < DP_DROP_REASONS; r++) {
                assert_int_equal(dp_stats(h.sdp)->drops[r], 0);
                assert_int_equal(dp_stats(h.cdp)->drops[r], 0);
            }
            h_free(&h);
        }
    }
}

/* lz4-v2 really compresses: the datagram of a repetitive 1400-byte packet is much shorter. */
static void test_lz4_compresses(void **state)
{
    struct h h;
    uint8_t p[BUFSZ];

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    h_comp(&h, COMP_ALGO_LZ4_V2, COMP_ALLOW_YES);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 1400, 0x41));
    client_sends(&h, CLIENT_ADDR);
    assert_true(pktbuf_len(txo.send[0]) < 200);
    server_receives(&h);
    expect_tun_equals_orig();
    h_free(&h);
}

/* Observed sizes (§3.5): 84-byte ping -> 108-byte datagram, keepalive -> 40; packet-id 1 first. */
static void test_wire_sizes_and_header(void **state)
{
    struct h h;
    uint8_t p[BUFSZ];
    struct udp_meta to;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 84, 0));
    client_sends(&h, CLIENT_ADDR);
    assert_int_equal(pktbuf_len(txo.send[0]), 108);
    const uint8_t *d = pktbuf_data(txo.send[0]);
    static const uint8_t want[8] = { 0x48, 0, 0, 0, 0, 0, 0, 1 };
    assert_memory_equal(d, want, 8);
    bufs_reset(&back, DP_HEADROOM);
    assert_int_equal(dp_build_ping(h.cdp, &h.cli, back.b[0], &to, NOW), DP_DROP_NONE);
    assert_int_equal(pktbuf_len(back.b[0]), 40);
    assert_int_equal(pktbuf_data(back.b[0])[7], 2);
    assert_true(peertab_addr_equal(&to.peer, &h.cli.remote.peer));
    h_free(&h);
}

/* Without a negotiated peer-id the client sends P_DATA_V1, found by address on the server. */
static void test_data_v1(void **state)
{
    struct h h;

    (void)state;
    h_init(&h, "AES-128-GCM", NULL);
    dp_peer_set_peer_id(&h.cli, false, PEERTAB_ID_UNSET);
    dp_peer_set_peer_id(&h.srv, false, h.id);
    fill_batch(false, 0);
    client_sends(&h, CLIENT_ADDR);
    for (size_t i = 0; i < txo.n_send; i++) {
        assert_int_equal(pktbuf_data(txo.send[i])[0], 0x30);
        assert_int_equal(pktbuf_len(txo.send[i]), orig_len[i] + 21);
    }
    server_receives(&h);
    expect_tun_equals_orig();
    /* From any other address a V1 packet belongs to nobody. */
    client_sends(&h, OTHER_ADDR);
    server_receives(&h);
    assert_int_equal(rxo.n_tun, 0);
    assert_int_equal(rxo.reason[0], DP_DROP_UNKNOWN_PEER);
    h_free(&h);
}

/* V2 with peer-id 0xFFFFFF falls back to the address lookup (§1.2, §9.1). */
static void test_v2_unset_peer_id(void **state)
{
    struct h h;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    dp_peer_set_peer_id(&h.cli, true, (uint32_t)-1);
    assert_int_equal(h.cli.peer_id, 0xFFFFFF);
    fill_batch(false, 0);
    client_sends(&h, CLIENT_ADDR);
    assert_int_equal(pktbuf_data(txo.send[0])[1], 0xFF);
    server_receives(&h);
    expect_tun_equals_orig();
    client_sends(&h, OTHER_ADDR);
    server_receives(&h);
    assert_int_equal(rxo.n_tun, 0);
    assert_int_equal(rxo.reason[0], DP_DROP_UNKNOWN_PEER);
    h_free(&h);
}

/* ---- bad input on the decrypt path ---- */

static void expect_drop(struct h *h, size_t i, int reason)
{
    (void)h;
    assert_int_equal(rxo.verdict[i], DP_V_FREE);
    assert_int_equal(rxo.reason[i], reason);
}

/* One valid sealed datagram from the client (packet-id advances each call). */
static size_t one_sealed(struct h *h, uint8_t *out)
{
    uint8_t p[BUFSZ];
    size_t len;

    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 100, 0));
    assert_int_equal(dp_encrypt_batch(h->cdp, &h->cli, tun_in.b, 1, NOW, &txo), 1);
    assert_int_equal(txo.n_send, 1);
    len = pktbuf_len(txo.send[0]);
    memcpy(out, pktbuf_data(txo.send[0]), len);
    return len;
}

static void test_bad_headers(void **state)
{
    struct h h;
    uint8_t pkt[BUFSZ];
    size_t len;
    const uint64_t *drops;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    drops = dp_stats(h.sdp)->drops;
    len = one_sealed(&h, pkt);
    bufs_reset(&net, 0);
    add_raw(&net, pkt, 0, CLIENT_ADDR);  /* 0: empty */
    add_raw(&net, pkt, 3, CLIENT_ADDR);  /* 1: V2 header cut */
    add_raw(&net, pkt, 10, CLIENT_ADDR); /* 2: no room for the tag */
    add_raw(&net, (const uint8_t[]){ 0x00, 1, 2, 3, 4 }, 5, CLIENT_ADDR); /* 3: opcode 0 */
    add_raw(&net, (const uint8_t[]){ 0x08, 1, 2, 3, 4 }, 5, CLIENT_ADDR); /* 4: key-method 1 */
    add_raw(&net, (const uint8_t[]){ 0xF8, 1, 2, 3, 4 }, 5, CLIENT_ADDR); /* 5: opcode 31 */
    pkt[0] = 0x49;
    add_raw(&net, pkt, len, CLIENT_ADDR); /* 6: key_id 1, not installed */
    pkt[0] = 0x48;
    pkt[3] = 100;
    add_raw(&net, pkt, len, CLIENT_ADDR); /* 7: peer-id beyond capacity */
    pkt[3] = 3;
    add_raw(&net, pkt, len, CLIENT_ADDR); /* 8: peer-id in range, unassigned */
    pkt[1] = pkt[2] = pkt[3] = 0xFF;
    add_raw(&net, pkt, len, OTHER_ADDR); /* 9: no peer-id, unknown address */
    add_raw(&net, (const uint8_t[]){ 0x20, 1, 2, 3 }, 4, CLIENT_ADDR); /* 10: P_CONTROL_V1 */
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_TRUNCATED);
    expect_drop(&h, 1, DP_DROP_TRUNCATED);
    expect_drop(&h, 2, DP_DROP_TRUNCATED);
    expect_drop(&h, 3, DP_DROP_BAD_OPCODE);
    expect_drop(&h, 4, DP_DROP_BAD_OPCODE);
    expect_drop(&h, 5, DP_DROP_BAD_OPCODE);
    expect_drop(&h, 6, DP_DROP_NO_KEY);
    expect_drop(&h, 7, DP_DROP_UNKNOWN_PEER);
    expect_drop(&h, 8, DP_DROP_UNKNOWN_PEER);
    expect_drop(&h, 9, DP_DROP_UNKNOWN_PEER);
    assert_int_equal(rxo.verdict[10], DP_V_CONTROL);
    assert_int_equal(rxo.n_control, 1);
    assert_int_equal(rxo.control[0], 10);
    assert_memory_equal(pktbuf_data(net.b[10]), ((const uint8_t[]){ 0x20, 1, 2, 3 }), 4);
    assert_int_equal(pktbuf_len(net.b[10]), 4);
    assert_int_equal(drops[DP_DROP_TRUNCATED], 3);
    assert_int_equal(drops[DP_DROP_BAD_OPCODE], 3);
    assert_int_equal(drops[DP_DROP_NO_KEY], 1);
    assert_int_equal(drops[DP_DROP_UNKNOWN_PEER], 3);
    assert_int_equal(dp_stats(h.sdp)->cipher[-DCIPHER_ERR_TRUNCATED], 1);
    assert_int_equal(dp_stats(h.sdp)->rx_control, 1);
    assert_int_equal(rxo.n_tun, 0);
    assert_int_equal(rxo.n_ev, 0);
    h_free(&h);
}

/* Control packets keep their order among data packets. */
static void test_control_order(void **state)
{
    struct h h;
    uint8_t pkt[BUFSZ];
    size_t len;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    bufs_reset(&net, 0);
    add_raw(&net, (const uint8_t[]){ 0x38, 9 }, 2, CLIENT_ADDR); /* HARD_RESET_CLIENT_V2 */
    len = one_sealed(&h, pkt);
    add_raw(&net, pkt, len, CLIENT_ADDR);
    add_raw(&net, (const uint8_t[]){ 0x28, 7 }, 2, CLIENT_ADDR); /* P_ACK_V1 */
    add_raw(&net, (const uint8_t[]){ 0x5a, 7 }, 2, CLIENT_ADDR); /* P_CONTROL_WKC_V1 */
    server_receives(&h);
    assert_int_equal(rxo.n_control, 3);
    assert_int_equal(rxo.control[0], 0);
    assert_int_equal(rxo.control[1], 2);
    assert_int_equal(rxo.control[2], 3);
    assert_int_equal(rxo.n_tun, 1);
    assert_int_equal(rxo.verdict[1], DP_V_TUN);
    h_free(&h);
}

static void test_tampered(void **state)
{
    static const struct suite_case c[] = {
        { "AES-256-GCM", NULL },
        { "CHACHA20-POLY1305", NULL },
        { "AES-256-CBC", "SHA256" },
        { "none", "SHA1" },
    };
    uint8_t pkt[BUFSZ];

    (void)state;
    for (size_t s = 0; s < sizeof(c) / sizeof(c[0]); s++) {
        struct h h;
        size_t len;

        h_init(&h, c[s].cipher, c[s].auth);
        len = one_sealed(&h, pkt);
        bufs_reset(&net, 0);
        for (size_t at = 4; at < len; at += 9) {
            pkt[at] ^= 0x01;
            add_raw(&net, pkt, len, CLIENT_ADDR);
            pkt[at] ^= 0x01;
        }
        server_receives(&h);
        for (size_t i = 0; i < net.n; i++)
            expect_drop(&h, i, DP_DROP_AUTH);
        assert_int_equal(dp_stats(h.sdp)->drops[DP_DROP_AUTH], net.n);
        assert_int_equal(h.srv.stats.drops, net.n);
        assert_int_equal(h.srv.last_rx, NOW); /* not authenticated: keepalive untouched */
        /* The original still goes through afterwards: nothing was recorded. */
        bufs_reset(&net, 0);
        add_raw(&net, pkt, len, CLIENT_ADDR);
        server_receives(&h);
        assert_int_equal(rxo.n_tun, 1);
        assert_int_equal(h.srv.last_rx, NOW + 5);
        h_free(&h);
    }
}

/* A CBC packet whose HMAC is right but whose ciphertext length is not whole blocks. */
static void test_cbc_bad_length(void **state)
{
    struct h h;
    uint8_t pkt[BUFSZ];
    size_t len;

    (void)state;
    h_init(&h, "AES-256-CBC", "SHA1");
    len = one_sealed(&h, pkt);
    bufs_reset(&net, 0);
    add_raw(&net, pkt, len - 1, CLIENT_ADDR);
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_DECRYPT);
    assert_int_equal(dp_stats(h.sdp)->cipher[-DCIPHER_ERR_BAD_LENGTH], 1);
    h_free(&h);
}

static void test_replay(void **state)
{
    struct h h;
    uint8_t a[BUFSZ], b[BUFSZ];
    size_t alen, blen;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    alen = one_sealed(&h, a); /* packet-id 1, held back */
    h.cli.slots[h.cli.send_slot].tx_last_pid = 1000;
    blen = one_sealed(&h, b); /* packet-id 1001 */
    bufs_reset(&net, 0);
    add_raw(&net, b, blen, CLIENT_ADDR);
    add_raw(&net, b, blen, CLIENT_ADDR); /* replayed */
    add_raw(&net, a, alen, CLIENT_ADDR); /* far below the window */
    server_receives(&h);
    assert_int_equal(rxo.verdict[0], DP_V_TUN);
    expect_drop(&h, 1, DP_DROP_REPLAY);
    expect_drop(&h, 2, DP_DROP_REPLAY);
    assert_int_equal(dp_stats(h.sdp)->replay[-REPLAY_ERR_DUPLICATE], 1);
    assert_int_equal(dp_stats(h.sdp)->replay[-REPLAY_ERR_TOO_OLD], 1);
    h_free(&h);
}

/* Plaintexts the client seals unframed (its framing: none) that the server unframes as lz4-v2. */
static void send_raw_plain(struct h *h, const uint8_t *plain, size_t len)
{
    struct comp none;
    struct comp_settings cs = { COMP_ALGO_NONE, COMP_ALLOW_UNSET };

    assert_int_equal(comp_init(&none, &cs), COMP_OK);
    dp_peer_set_comp(&h->cli, &none);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, plain, len);
    client_sends(h, CLIENT_ADDR);
}

static void test_decompression_drops(void **state)
{
    struct h h;
    uint8_t bomb[600] = { 0x50, 0x01, 0x1f, 'A', 0x01, 0x00 };
    size_t n = 6;
    static const uint8_t unknown[] = { 0x50, 0x07, 0x45, 0, 0, 0 };
    static const uint8_t stub_only[] = { 0x50, 0x01, 0x10, 0x41 };
    struct comp c;
    struct comp_settings cs = { COMP_ALGO_LZ4_V2, COMP_ALLOW_ASYM };

    (void)state;
    /* One literal, then a match whose length bytes add up to ~130 KB, then 5 literals. */
    memset(bomb + n, 0xFF, 512);
    n += 512;
    bomb[n++] = 0;
    memcpy(bomb + n, (const uint8_t[]){ 0x50, 'A', 'A', 'A', 'A', 'A' }, 6);
    n += 6;
    h_init(&h, "AES-256-GCM", NULL);
    assert_int_equal(comp_init(&c, &cs), COMP_OK);
    dp_peer_set_comp(&h.srv, &c);
    send_raw_plain(&h, bomb, n);
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_COMP);
    assert_int_equal(dp_stats(h.sdp)->comp[-COMP_DROP_TOO_BIG], 1);
    assert_ptr_equal(rxo.peer[0], &h.srv); /* it did authenticate */
    send_raw_plain(&h, unknown, sizeof(unknown));
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_COMP);
    assert_int_equal(dp_stats(h.sdp)->comp[-COMP_DROP_UNKNOWN_ALGO], 1);
    /* A stub-v2 receiver refuses LZ4. */
    cs.algo = COMP_ALGO_STUB_V2;
    assert_int_equal(comp_init(&c, &cs), COMP_OK);
    dp_peer_set_comp(&h.srv, &c);
    send_raw_plain(&h, stub_only, sizeof(stub_only));
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_COMP);
    assert_int_equal(dp_stats(h.sdp)->comp[-COMP_DROP_NOT_ALLOWED], 1);
    h_free(&h);
}

/* Payload checks after decryption: empty, not IP, too big, bad inner source, link-local. */
static void test_payload_checks(void **state)
{
    struct h h;
    uint8_t p[BUFSZ];
    static const uint8_t ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    send_raw_plain(&h, p, 0);
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_EMPTY);
    send_raw_plain(&h, (const uint8_t *)"hello", 5);
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_NOT_IP);
    send_raw_plain(&h, p, make_ip4(p, CLI_TUN, SRV_TUN, 1601, 0));
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_TOO_BIG);
    send_raw_plain(&h, p, make_ip4(p, 0x0A08004Du, SRV_TUN, 84, 0)); /* 10.8.0.77 */
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_BAD_SOURCE);
    send_raw_plain(&h, p, make_ip6(p, ll, srv6, 80, 0));
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_LINK_LOCAL);
    /* The client does not check inner sources: the server may send from anywhere. */
    fill_batch(true, 0);
    make_ip4(tun_in.store[0].mem + DP_HEADROOM, 0x08080808u, CLI_TUN, 28, 0);
    memcpy(orig[0], pktbuf_data(tun_in.b[0]), 28);
    assert_int_equal(dp_encrypt_batch(h.sdp, NULL, tun_in.b, tun_in.n, NOW, &txo), tun_in.n);
    carry(&txo, &back, SERVER_ADDR);
    dp_decrypt_batch(h.cdp, &h.cli, back.b, back.meta, back.n, NOW, &rxo);
    expect_tun_equals_orig();
    h_free(&h);
}

/* ---- in-band messages and keepalive ---- */

static void test_ping_and_exit(void **state)
{
    struct h h;
    struct udp_meta to;
    uint8_t occ[64];
    struct buf_writer w;
    struct inband_occ req = { .type = INBAND_OCC_REQUEST };

    (void)state;
    h_init(&h, "AES-256-CBC", "SHA1");
    h_comp(&h, COMP_ALGO_LZO_STUB, COMP_ALLOW_UNSET);
    bufs_reset(&net, DP_HEADROOM);
    assert_int_equal(dp_build_ping(h.cdp, &h.cli, net.b[0], &to, NOW + 1), DP_DROP_NONE);
    assert_int_equal(dp_build_exit(h.cdp, &h.cli, net.b[1], &to, NOW + 1), DP_DROP_NONE);
    net.meta[0] = net.meta[1] = CLIENT_ADDR;
    net.n = 2;
    assert_int_equal(h.cli.last_tx, NOW + 1);
    assert_int_equal(dp_stats(h.cdp)->tx_ping, 1);
    server_receives(&h);
    assert_int_equal(rxo.verdict[0], DP_V_FREE);
    assert_int_equal(rxo.reason[0], DP_DROP_NONE);
    assert_int_equal(rxo.verdict[1], DP_V_FREE);
    assert_int_equal(rxo.n_tun, 0);
    assert_int_equal(dp_stats(h.sdp)->rx_ping, 1);
    assert_int_equal(h.srv.last_rx, NOW + 5);
    assert_int_equal(rxo.n_ev, 1);
    assert_int_equal(rxo.ev[0].type, DP_EV_EXIT);
    assert_ptr_equal(rxo.ev[0].peer, &h.srv);
    assert_int_equal(rxo.ev[0].index, 1);
    /* An OCC REQUEST travels as payload too; a broken one is dropped. */
    buf_writer_init(&w, occ, sizeof(occ));
    assert_int_equal(inband_occ_build(&w, &req), INBAND_OK);
    send_raw_plain(&h, occ, buf_writer_len(&w));
    h_comp(&h, COMP_ALGO_NONE, COMP_ALLOW_UNSET);
    send_raw_plain(&h, occ, buf_writer_len(&w));
    server_receives(&h);
    assert_int_equal(rxo.n_ev, 1);
    assert_int_equal(rxo.ev[0].type, DP_EV_OCC);
    assert_int_equal(pktbuf_data(net.b[rxo.ev[0].index])[16], INBAND_OCC_REQUEST);
    /* The app answers with a REPLY built through the same path. */
    struct inband_occ reply = { .type = INBAND_OCC_REPLY,
                                .options = "V4,dev-type tun",
                                .options_len = 15 };
    struct inband_occ bad = { .type = (enum inband_occ_type)9 };
    struct udp_meta to2;
    bufs_reset(&back, DP_HEADROOM);
    assert_int_equal(dp_build_occ(h.sdp, &h.srv, back.b[0], &to2, NOW, &reply), DP_DROP_NONE);
    assert_int_equal(dp_build_occ(h.sdp, &h.srv, back.b[1], &to2, NOW, &bad), DP_DROP_NO_ROOM);
    back.meta[0] = SERVER_ADDR;
    back.n = 1;
    dp_decrypt_batch(h.cdp, &h.cli, back.b, back.meta, 1, NOW, &rxo);
    assert_int_equal(rxo.n_ev, 1);
    assert_int_equal(rxo.ev[0].type, DP_EV_OCC);
    struct inband_occ got;
    assert_int_equal(inband_occ_parse(pktbuf_data(back.b[0]), pktbuf_len(back.b[0]), &got),
                     INBAND_OK);
    assert_int_equal(got.type, INBAND_OCC_REPLY);
    assert_int_equal(got.options_len, 15);
    send_raw_plain(&h, occ, INBAND_MAGIC_LEN); /* magic without a type */
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_BAD_OCC);
    h_free(&h);
}

static void test_keepalive_deadlines(void **state)
{
    struct h h;
    struct udp_meta to;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    assert_int_equal(dp_ping_deadline(&h.cli), UINT64_MAX);
    assert_int_equal(dp_restart_deadline(&h.cli), UINT64_MAX);
    assert_int_equal(dp_keepalive_deadline(&h.cli), UINT64_MAX);
    assert_false(dp_ping_due(&h.cli, UINT64_MAX - 1));
    dp_peer_set_keepalive(&h.cli, 10, 60);
    assert_int_equal(dp_ping_deadline(&h.cli), NOW + 10000);
    assert_int_equal(dp_keepalive_deadline(&h.cli), NOW + 10000);
    assert_false(dp_ping_due(&h.cli, NOW + 9999));
    assert_true(dp_ping_due(&h.cli, NOW + 10000));
    assert_int_equal(dp_restart_deadline(&h.cli), NOW + 60000);
    assert_true(dp_restart_due(&h.cli, NOW + 60000));
    dp_peer_touch_tx(&h.cli, NOW + 5000);
    assert_int_equal(dp_ping_deadline(&h.cli), NOW + 15000);
    dp_peer_touch_rx(&h.cli, NOW + 7000);
    assert_int_equal(dp_restart_deadline(&h.cli), NOW + 67000);
    /* Data sent counts as activity; a ping too. */
    bufs_reset(&net, DP_HEADROOM);
    assert_int_equal(dp_build_ping(h.cdp, &h.cli, net.b[0], &to, NOW + 9000), DP_DROP_NONE);
    assert_int_equal(dp_ping_deadline(&h.cli), NOW + 19000);
    /* A buffer that is not empty, or has no send key, builds nothing. */
    assert_int_equal(dp_build_ping(h.cdp, &h.cli, net.b[0], &to, NOW), DP_DROP_NO_ROOM);
    assert_int_equal(dp_key_retire(&h.cli, 0), DP_OK);
    pktbuf_reset(net.b[0], DP_HEADROOM);
    assert_int_equal(dp_build_ping(h.cdp, &h.cli, net.b[0], &to, NOW), DP_DROP_NO_KEY);
    h_free(&h);
}

/* ---- keys ---- */

static void test_key_rotation(void **state)
{
    struct h h;
    uint8_t old_pkt[BUFSZ];
    size_t old_len;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    install(&h.cli, KEYEX_CLIENT, 1, "AES-256-GCM", NULL);
    install(&h.srv, KEYEX_SERVER, 1, "AES-256-GCM", NULL);
    assert_int_equal(dp_send_key_id(&h.cli), 0);
    old_len = one_sealed(&h, old_pkt); /* still key 0 */
    assert_int_equal(old_pkt[0], 0x48);
    assert_int_equal(dp_set_send_key(&h.cli, 1), DP_OK);
    assert_int_equal(dp_send_key_id(&h.cli), 1);
    fill_batch(false, 0);
    client_sends(&h, CLIENT_ADDR);
    assert_int_equal(pktbuf_data(txo.send[0])[0], 0x49);
    assert_int_equal(pktbuf_data(txo.send[0])[7], 1); /* a new key starts at packet-id 1 */
    add_raw(&net, old_pkt, old_len, CLIENT_ADDR);
    server_receives(&h);
    assert_int_equal(rxo.n_tun, net.n); /* the lame-duck key is still accepted */
    assert_int_equal(rxo.key_id[0], 1);
    assert_int_equal(rxo.key_id[net.n - 1], 0);
    assert_int_equal(dp_key_slot(&h.srv, 1)->rx_packets, net.n - 1);
    /* Retired: key 0 is gone. */
    old_len = 0;
    assert_int_equal(dp_key_retire(&h.srv, 0), DP_OK);
    assert_int_equal(dp_key_retire(&h.srv, 0), DP_ERR_NO_KEY);
    assert_null(dp_key_slot(&h.srv, 0));
    bufs_reset(&net, 0);
    h.cli.slots[0].tx_last_pid = 50;
    assert_int_equal(dp_set_send_key(&h.cli, 0), DP_OK);
    old_len = one_sealed(&h, old_pkt);
    add_raw(&net, old_pkt, old_len, CLIENT_ADDR);
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_NO_KEY);
    assert_int_equal(dp_set_send_key(&h.cli, 5), DP_ERR_NO_KEY);
    h_free(&h);
}

static void test_key_slots(void **state)
{
    struct h h;
    struct keyex_keys k;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    memset(&k, 0, sizeof(k));
    assert_int_equal(dp_key_install(&h.cli, 8, "AES-256-GCM", NULL, &k, NOW), DP_ERR_PARAM);
    assert_int_equal(dp_key_install(&h.cli, 1, "BF-CBC", NULL, &k, NOW), DP_ERR_PARAM);
    assert_int_equal(dp_key_install(&h.cli, 1, "AES-256-GCM", NULL, NULL, NOW), DP_ERR_PARAM);
    assert_int_equal(dp_key_install(&h.cli, 1, "AES-256-GCM", NULL, &k, NOW), DP_ERR_KEY);
    assert_null(dp_key_slot(&h.cli, 1));
    /* Keys 1, 2, 3 arrive while 0 sends: the oldest non-sending slot is reused. */
    install(&h.cli, KEYEX_CLIENT, 1, "AES-256-GCM", NULL);
    install(&h.cli, KEYEX_CLIENT, 2, "AES-256-GCM", NULL);
    install(&h.cli, KEYEX_CLIENT, 3, "AES-256-GCM", NULL);
    assert_non_null(dp_key_slot(&h.cli, 0));
    assert_non_null(dp_key_slot(&h.cli, 3));
    assert_int_equal(dp_send_key_id(&h.cli), 0);
    assert_true(dp_key_slot(&h.cli, 1) == NULL || dp_key_slot(&h.cli, 2) == NULL);
    /* Replacing the sending key keeps it sending, with a fresh packet-id. */
    h.cli.slots[h.cli.send_slot].tx_last_pid = 77;
    install(&h.cli, KEYEX_CLIENT, 0, "AES-256-GCM", NULL);
    assert_int_equal(dp_send_key_id(&h.cli), 0);
    assert_int_equal(dp_key_slot(&h.cli, 0)->tx_last_pid, 0);
    h_free(&h);
}

static void test_renegotiation_threshold(void **state)
{
    struct h h;
    uint8_t p[BUFSZ];

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    h.cli.slots[h.cli.send_slot].tx_last_pid = DCIPHER_PACKET_ID_RENEG - 2;
    assert_false(dp_peer_wants_renegotiation(&h.cli));
    bufs_reset(&tun_in, DP_HEADROOM);
    for (int i = 0; i < 4; i++)
        add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 60, 0));
    assert_int_equal(dp_encrypt_batch(h.cdp, &h.cli, tun_in.b, tun_in.n, NOW, &txo), 4);
    assert_int_equal(txo.n_send, 4);
    assert_int_equal(txo.n_ev, 1);
    assert_int_equal(txo.ev[0].type, DP_EV_RENEGOTIATE);
    assert_int_equal(txo.ev[0].key_id, 0);
    assert_true(dp_peer_wants_renegotiation(&h.cli));
    /* The last id is still sent; after it nothing. */
    h.cli.slots[h.cli.send_slot].tx_last_pid = UINT32_MAX - 1;
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 60, 0));
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 60, 0));
    dp_encrypt_batch(h.cdp, &h.cli, tun_in.b, tun_in.n, NOW, &txo);
    assert_int_equal(txo.n_send, 1);
    assert_int_equal(txo.verdict[1], DP_V_FREE);
    assert_int_equal(txo.reason[1], DP_DROP_PID_EXHAUSTED);
    assert_int_equal(txo.n_ev, 0); /* already asked */
    assert_int_equal(dp_stats(h.cdp)->drops[DP_DROP_PID_EXHAUSTED], 1);
    h_free(&h);
}

/* ---- float ---- */

static void test_float_server(void **state)
{
    struct h h;
    uint8_t pkt[BUFSZ], forged[BUFSZ];
    size_t len;

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    len = one_sealed(&h, pkt);
    memcpy(forged, pkt, len);
    forged[len - 1] ^= 0x80;
    bufs_reset(&net, 0);
    add_raw(&net, forged, len, OTHER_ADDR); /* forged, from a new address */
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_AUTH);
    assert_int_equal(rxo.n_ev, 0);
    /* The real packet from the new address: delivered, float reported once per batch. */
    bufs_reset(&net, 0);
    add_raw(&net, pkt, len, OTHER_ADDR);
    add_raw(&net, pkt, len, OTHER_ADDR); /* replay from the new address: no second event */
    len = one_sealed(&h, pkt);
    add_raw(&net, pkt, len, OTHER_ADDR);
    server_receives(&h);
    assert_int_equal(rxo.verdict[0], DP_V_TUN);
    expect_drop(&h, 1, DP_DROP_REPLAY);
    assert_int_equal(rxo.verdict[2], DP_V_TUN);
    assert_int_equal(rxo.n_ev, 1);
    assert_int_equal(rxo.ev[0].type, DP_EV_FLOAT);
    assert_ptr_equal(rxo.ev[0].peer, &h.srv);
    struct udp_meta other = OTHER_ADDR;
    assert_true(peertab_addr_equal(&rxo.ev[0].from.peer, &other.peer));
    /* Nothing moved by itself: the app does peertab_float + dp_peer_set_remote. */
    struct udp_meta ca = CLIENT_ADDR;
    assert_true(peertab_addr_equal(&h.srv.remote.peer, &ca.peer));
    assert_int_equal(peertab_float(h.pt, h.id, &other.peer, NULL), PEERTAB_OK);
    dp_peer_set_remote(&h.srv, &other);
    /* A replay of an old packet from yet another address does not float. */
    bufs_reset(&net, 0);
    add_raw(&net, pkt, len, CLIENT2_ADDR);
    server_receives(&h);
    expect_drop(&h, 0, DP_DROP_REPLAY);
    assert_int_equal(rxo.n_ev, 0);
    assert_int_equal(dp_stats(h.sdp)->floats, 1);
    h_free(&h);
}

static void test_float_client(void **state)
{
    struct h h;
    struct dp_params cp, sp;
    uint8_t p[BUFSZ];

    (void)state;
    dp_params_init(&cp);
    dp_params_init(&sp);
    sp.role = DP_SERVER;
    h_init_params(&h, "AES-128-GCM", NULL, &cp, &sp);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, SRV_TUN, CLI_TUN, 200, 0));
    assert_int_equal(dp_encrypt_batch(h.sdp, NULL, tun_in.b, 1, NOW, &txo), 1);
    carry(&txo, &back, OTHER_ADDR);
    dp_decrypt_batch(h.cdp, &h.cli, back.b, back.meta, back.n, NOW, &rxo);
    expect_drop(&h, 0, DP_DROP_WRONG_SOURCE);
    assert_int_equal(h.cli.stats.drops, 1);
    h_free(&h);
    cp.float_ok = true;
    h_init_params(&h, "AES-128-GCM", NULL, &cp, &sp);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, SRV_TUN, CLI_TUN, 200, 0));
    assert_int_equal(dp_encrypt_batch(h.sdp, NULL, tun_in.b, 1, NOW, &txo), 1);
    memcpy(back.mem[1], pktbuf_data(txo.send[0]), pktbuf_len(txo.send[0]));
    carry(&txo, &back, OTHER_ADDR);
    back.mem[0][pktbuf_len(back.b[0]) - 1] ^= 1; /* first a forgery */
    dp_decrypt_batch(h.cdp, &h.cli, back.b, back.meta, back.n, NOW, &rxo);
    expect_drop(&h, 0, DP_DROP_AUTH);
    assert_int_equal(rxo.n_ev, 0);
    carry(&txo, &back, OTHER_ADDR);
    memcpy(back.mem[0], back.mem[1], pktbuf_len(back.b[0]));
    dp_decrypt_batch(h.cdp, &h.cli, back.b, back.meta, back.n, NOW, &rxo);
    assert_int_equal(rxo.n_tun, 1);
    assert_int_equal(rxo.n_ev, 1);
    assert_int_equal(rxo.ev[0].type, DP_EV_FLOAT);
    h_free(&h);
}

/* ---- server routing ---- */

static void test_tun_side_routing(void **state)
{
    struct h h;
    uint8_t p[BUFSZ];

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, SRV_TUN, 0x0A080063u, 60, 0)); /* nobody's */
    add_tun(&tun_in, p, make_ip4(p, SRV_TUN, 0xE0000001u, 60, 0)); /* multicast */
    add_tun(&tun_in, (const uint8_t *)"xyz", 3);                   /* garbage */
    add_tun(&tun_in, p, make_ip4(p, SRV_TUN, CLI_TUN, 60, 0));
    assert_int_equal(dp_encrypt_batch(h.sdp, NULL, tun_in.b, tun_in.n, NOW, &txo), 4);
    assert_int_equal(txo.reason[0], DP_DROP_NO_ROUTE);
    assert_int_equal(txo.reason[1], DP_DROP_MULTICAST);
    assert_int_equal(txo.reason[2], DP_DROP_NOT_IP);
    assert_int_equal(txo.verdict[3], DP_V_SEND);
    assert_int_equal(txo.n_send, 1);
    assert_ptr_equal(txo.send[0], tun_in.b[3]);
    /* A client whose keys are not installed yet gets nothing. */
    assert_int_equal(dp_key_retire(&h.srv, 0), DP_OK);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, SRV_TUN, CLI_TUN, 60, 0));
    dp_encrypt_batch(h.sdp, NULL, tun_in.b, 1, NOW, &txo);
    assert_int_equal(txo.reason[0], DP_DROP_NO_KEY);
    h_free(&h);
}

/* A second client, client-to-client on: packets between clients bypass tun. */
static struct dp_peer *peer_of_wrapper(void *stored)
{
    return stored;
}

static void test_client_to_client(void **state)
{
    struct h h;
    struct dp_params cp, sp;
    struct dp_peer c2, c2srv;
    struct udp_meta c2a = CLIENT2_ADDR, sa = SERVER_ADDR;
    struct vaddr_ip v4 = vaddr_ip4(CL2_TUN);
    uint32_t id2;
    uint8_t p[BUFSZ];

    (void)state;
    dp_params_init(&cp);
    dp_params_init(&sp);
    sp.role = DP_SERVER;
    sp.client_to_client = true;
    sp.peer_of = peer_of_wrapper;
    h_init_params(&h, "AES-256-GCM", NULL, &cp, &sp);
    assert_int_equal(dp_peer_init(&c2, h.cdp, NOW), DP_OK);
    assert_int_equal(dp_peer_init(&c2srv, h.sdp, NOW), DP_OK);
    assert_int_equal(peertab_insert(h.pt, &c2srv, &c2a.peer, &id2), PEERTAB_OK);
    assert_int_equal(vaddr_host_add(h.va, &v4, id2), VADDR_OK);
    dp_peer_set_remote(&c2, &sa);
    dp_peer_set_remote(&c2srv, &c2a);
    dp_peer_set_peer_id(&c2, true, id2);
    dp_peer_set_peer_id(&c2srv, true, id2);
    /* Its own keys: a different key2 (key_id 4 patterns), sending with key_id 4. */
    install(&c2, KEYEX_CLIENT, 4, "CHACHA20-POLY1305", NULL);
    install(&c2srv, KEYEX_SERVER, 4, "CHACHA20-POLY1305", NULL);
    assert_int_equal(dp_set_send_key(&c2, 4), DP_OK);
    assert_int_equal(dp_set_send_key(&c2srv, 4), DP_OK);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, CL2_TUN, 300, 0));
    add_tun(&tun_in, p, make_ip4(p, CLI_TUN, SRV_TUN, 300, 0));
    client_sends(&h, CLIENT_ADDR);
    server_receives(&h);
    assert_int_equal(rxo.verdict[0], DP_V_PEER);
    assert_int_equal(rxo.verdict[1], DP_V_TUN);
    assert_int_equal(rxo.n_fwd, 1);
    assert_true(pktbuf_headroom(rxo.fwd[0]) >= DP_HEADROOM); /* moved for re-sealing */
    assert_int_equal(dp_encrypt_batch(h.sdp, NULL, rxo.fwd, rxo.n_fwd, NOW, &txo), 1);
    assert_int_equal(txo.n_send, 1);
    assert_true(peertab_addr_equal(&txo.meta[0].peer, &c2a.peer));
    assert_int_equal(pktbuf_data(txo.send[0])[0], 0x4c);
    carry(&txo, &back, SERVER_ADDR);
    dp_decrypt_batch(h.cdp, &c2, back.b, back.meta, back.n, NOW, &rxo);
    assert_int_equal(rxo.n_tun, 1);
    assert_memory_equal(pktbuf_data(rxo.tun[0]), orig[0], orig_len[0]);
    dp_peer_cleanup(&c2);
    dp_peer_cleanup(&c2srv);
    h_free(&h);
}

/* ---- mssfix on both paths ---- */

static size_t make_syn(uint8_t *p, uint32_t src, uint32_t dst, uint16_t mss)
{
    uint32_t s = 0;

    memset(p, 0, 44);
    p[0] = 0x45;
    p[3] = 44;
    p[8] = 64;
    p[9] = 6;
    put32(p + 12, src);
    put32(p + 16, dst);
    p[32] = 0x60;
    p[33] = 0x02;
    p[40] = 2;
    p[41] = 4;
    p[42] = (uint8_t)(mss >> 8);
    p[43] = (uint8_t)mss;
    for (size_t i = 12; i < 20; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    s += 6 + 24;
    for (size_t i = 20; i < 44; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    p[36] = (uint8_t)(~s >> 8);
    p[37] = (uint8_t)~s;
    return 44;
}

static void test_mss_clamped(void **state)
{
    struct h h;
    uint8_t p[BUFSZ];

    (void)state;
    h_init(&h, "AES-256-GCM", NULL);
    assert_int_equal(h.cli.mss, 1400);
    h_comp(&h, COMP_ALGO_LZO_STUB, COMP_ALLOW_UNSET);
    assert_int_equal(h.cli.mss, 1399);
    h_comp(&h, COMP_ALGO_NONE, COMP_ALLOW_UNSET);
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_syn(p, CLI_TUN, SRV_TUN, 1460));
    client_sends(&h, CLIENT_ADDR);
    server_receives(&h);
    assert_int_equal(rxo.n_tun, 1);
    const uint8_t *d = pktbuf_data(rxo.tun[0]);
    assert_int_equal(d[42] << 8 | d[43], 1400);
    assert_int_equal(dp_stats(h.cdp)->mss_clamped, 1);
    /* The other way round, with a peer whose MSS is lower: the receive path clamps too. */
    h.cli.mss = 1300;
    bufs_reset(&tun_in, DP_HEADROOM);
    add_tun(&tun_in, p, make_syn(p, SRV_TUN, CLI_TUN, 1460));
    assert_int_equal(dp_encrypt_batch(h.sdp, NULL, tun_in.b, 1, NOW, &txo), 1);
    carry(&txo, &back, SERVER_ADDR);
    dp_decrypt_batch(h.cdp, &h.cli, back.b, back.meta, back.n, NOW, &rxo);
    d = pktbuf_data(rxo.tun[0]);
    assert_int_equal(d[42] << 8 | d[43], 1300);
    h_free(&h);
}

/* ---- API edges ---- */

static void test_api_edges(void **state)
{
    struct dp_params p;
    struct datapath *dp;
    struct dp_peer peer;

    (void)state;
    dp_params_init(&p);
    p.role = DP_SERVER;
    assert_int_equal(dp_new(&p, NULL, NULL, &dp), DP_ERR_PARAM);
    assert_null(dp);
    p.role = DP_CLIENT;
    p.replay_window = REPLAY_WINDOW_MAX + 1;
    assert_int_equal(dp_new(&p, NULL, NULL, &dp), DP_ERR_PARAM);
    p.replay_window = 64;
    p.tun_mtu_max = 0;
    assert_int_equal(dp_new(&p, NULL, NULL, &dp), DP_OK);
    assert_int_equal(dp_params(dp)->tun_mtu_max, DP_TUN_MTU_MIN);
    assert_int_equal(dp_peer_init(&peer, dp, 0), DP_OK);
    assert_int_equal(dp_send_key_id(&peer), -1);
    assert_false(dp_peer_wants_renegotiation(&peer));
    assert_int_equal(dp_set_send_key(&peer, 0), DP_ERR_NO_KEY);
    /* No peer and no routing table: nothing can be routed. */
    bufs_reset(&tun_in, DP_HEADROOM);
    uint8_t pk[64];
    add_tun(&tun_in, pk, make_ip4(pk, 1, 2, 40, 0));
    dp_encrypt_batch(dp, NULL, tun_in.b, 1, 0, &txo);
    assert_int_equal(txo.reason[0], DP_DROP_NO_ROUTE);
    /* A batch larger than the maximum is cut. */
    assert_int_equal(dp_decrypt_batch(dp, &peer, net.b, net.meta, NBUF + 5, 0, &rxo), NBUF);
    dp_peer_cleanup(&peer);
    dp_peer_cleanup(&peer);
    dp_peer_cleanup(NULL);
    dp_free(dp);
    dp_free(NULL);
    assert_string_equal(dp_drop_name(DP_DROP_REPLAY), "replay");
    assert_string_equal(dp_drop_name(DP_DROP_REASONS), "unknown");
    assert_string_equal(dp_drop_name(-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_all),
        cmocka_unit_test(test_lz4_compresses),
        cmocka_unit_test(test_wire_sizes_and_header),
        cmocka_unit_test(test_data_v1),
        cmocka_unit_test(test_v2_unset_peer_id),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_control_order),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_cbc_bad_length),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_decompression_drops),
        cmocka_unit_test(test_payload_checks),
        cmocka_unit_test(test_ping_and_exit),
        cmocka_unit_test(test_keepalive_deadlines),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_key_slots),
        cmocka_unit_test(test_renegotiation_threshold),
        cmocka_unit_test(test_float_server),
        cmocka_unit_test(test_float_client),
        cmocka_unit_test(test_tun_side_routing),
        cmocka_unit_test(test_client_to_client),
        cmocka_unit_test(test_mss_clamped),
        cmocka_unit_test(test_api_edges),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
