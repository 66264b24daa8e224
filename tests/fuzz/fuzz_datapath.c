/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decrypt path of the datapath with fixed keys (key_id 0 and 1 of a fixed key2 block, sliced
 * as the session slices it). Input:
 *   byte 0   configuration: bits 0-2 suite (mod 5), bits 3-5 framing (mod 7), bit 6 client role
 *            (else server with one client), bit 7 float / client-to-client on
 *   then     records of flags (1: bits 0-1 source address), length (2, big-endian), bytes
 * With the suite `none`/`none` every packet authenticates, so mutations reach the unframing,
 * in-band and routing code; with real ciphers the header and key paths are exercised.
 * Checks: every packet gets exactly one verdict, lists and events agree with the verdicts,
 * delivered packets fit the tun MTU, and forwarded packets can be sealed again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "datapath.h"

#define BUFSZ  4096u
#define MAXPKT 16u

struct suite {
    const char *cipher, *auth;
};

static const struct suite suites[] = {
    { "AES-256-GCM", NULL },     { "CHACHA20-POLY1305", NULL },
    { "AES-128-CBC", "SHA256" }, { "none", "SHA1" },
    { "none", "none" },
};

static const enum comp_algo algos[] = {
    COMP_ALGO_NONE, COMP_ALGO_LZO_STUB, COMP_ALGO_LZO,    COMP_ALGO_STUB,
    COMP_ALGO_LZ4,  COMP_ALGO_STUB_V2,  COMP_ALGO_LZ4_V2,
};

static const uint8_t tabkey[PEERTAB_KEY_LEN] = { 7 };

static uint8_t mem[MAXPKT][BUFSZ];
static struct pktbuf store[MAXPKT];
static struct pktbuf *bufs[MAXPKT];
static struct udp_meta meta[MAXPKT];
static struct dp_rx_out rx;
static struct dp_tx_out tx;

static void require(int cond)
{
    if (!cond)
        abort();
}

static struct udp_meta addr(unsigned which)
{
    struct udp_meta m;

    memset(&m, 0, sizeof(m));
    m.peer.family = AF_INET;
    m.peer.port = (uint16_t)(40000 + which);
    m.peer.ip[0] = 198;
    m.peer.ip[1] = 18;
    m.peer.ip[3] = (uint8_t)(2 + which);
    return m;
}

static bool install(struct dp_peer *p, enum keyex_role role, const struct suite *s)
{
    struct dcipher_suite ds;
    struct keyex_keys k;
    uint8_t key2[KEYEX_KEY2_LEN];

    if (dcipher_suite_lookup(s->cipher, s->auth, &ds) != DCIPHER_OK)
        return false;
    for (uint8_t id = 0; id < 2; id++) {
        for (size_t i = 0; i < sizeof(key2); i++)
            key2[i] = (uint8_t)(i * 37 + 11 + id * 3);
        if (keyex_keys_from_key2(key2, role, ds.key_len, ds.hmac_key_len, &k) != KEYEX_OK ||
            dp_key_install(p, id, s->cipher, s->auth, &k, 0) != DP_OK)
            return false;
    }
    return dp_set_send_key(p, 0) == DP_OK;
}

/* Splits the records into the receive buffers; returns how many. */
static size_t load(const uint8_t *data, size_t size)
{
    size_t n = 0, pos = 0;

    while (n < MAXPKT && size - pos >= 3) {
        unsigned which = data[pos] & 3u;
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];

        pos += 3;
        if (len > size - pos)
            len = size - pos;
        pktbuf_init(&store[n], mem[n], BUFSZ, n & 1 ? DP_HEADROOM : 0);
        if (len > 0)
            memcpy(pktbuf_put(&store[n], len), data + pos, len);
        bufs[n] = &store[n];
        meta[n] = addr(which == 3 ? 0 : which);
        pos += len;
        n++;
    }
    return n;
}

static void check(struct datapath *dp, struct dp_peer *fixed, size_t n)
{
    size_t tun = 0, fwd = 0, ctl = 0;

    for (size_t i = 0; i < n; i++) {
        require(rx.verdict[i] <= DP_V_PEER && rx.reason[i] < DP_DROP_REASONS);
        require(rx.verdict[i] == DP_V_FREE || rx.reason[i] == DP_DROP_NONE);
        if (rx.verdict[i] == DP_V_TUN) {
            require(rx.tun[tun++] == bufs[i]);
            require(pktbuf_len(bufs[i]) > 0 && pktbuf_len(bufs[i]) <= dp_params(dp)->tun_mtu_max);
        }
        if (rx.verdict[i] == DP_V_PEER)
            require(rx.fwd[fwd++] == bufs[i]);
        if (rx.verdict[i] == DP_V_CONTROL)
            require(rx.control[ctl++] == i);
    }
    require(tun == rx.n_tun && fwd == rx.n_fwd && ctl == rx.n_control);
    for (size_t e = 0; e < rx.n_ev; e++)
        require(rx.ev[e].peer != NULL && rx.ev[e].index < n);
    if (fixed == NULL && rx.n_fwd > 0) {
        require(dp_encrypt_batch(dp, NULL, rx.fwd, rx.n_fwd, 10, &tx) == rx.n_fwd);
        require(tx.n_send <= rx.n_fwd);
    }
}

static void run(uint8_t cfg, const uint8_t *data, size_t size)
{
    const struct suite *s = &suites[(cfg & 7u) % 5u];
    bool client = cfg & 0x40u, flag = cfg & 0x80u;
    struct comp_settings cs = { algos[((cfg >> 3) & 7u) % 7u], COMP_ALLOW_YES };
    struct dp_params p;
    struct datapath *dp = NULL;
    struct peertab *pt = peertab_new(4, tabkey);
    struct vaddr *va = vaddr_new(4, 2, tabkey);
    struct vaddr_ip own = vaddr_ip4(0x0A080002u), other = vaddr_ip4(0x0A080003u);
    struct udp_meta home = addr(0);
    struct udp_meta away = addr(2);
    struct dp_peer peer, peer2;
    struct comp c;
    uint32_t id = 0, id2 = 0;
    size_t n;

    dp_params_init(&p);
    p.role = client ? DP_CLIENT : DP_SERVER;
    p.float_ok = flag;
    p.client_to_client = flag;
    require(pt != NULL && va != NULL && comp_init(&c, &cs) == COMP_OK);
    require(dp_new(&p, client ? NULL : pt, client ? NULL : va, &dp) == DP_OK);
    require(dp_peer_init(&peer, dp, 0) == DP_OK);
    require(dp_peer_init(&peer2, dp, 0) == DP_OK);
    dp_peer_set_remote(&peer, &home);
    dp_peer_set_remote(&peer2, &away);
    dp_peer_set_comp(&peer, &c);
    if (!client) {
        /* A second client, the destination of client-to-client packets. */
        require(peertab_insert(pt, &peer, &home.peer, &id) == PEERTAB_OK);
        require(peertab_insert(pt, &peer2, &away.peer, &id2) == PEERTAB_OK);
        require(vaddr_host_add(va, &own, id) == VADDR_OK);
        require(vaddr_host_add(va, &other, id2) == VADDR_OK);
        dp_peer_set_peer_id(&peer2, true, id2);
        require(install(&peer2, KEYEX_SERVER, s));
    }
    dp_peer_set_peer_id(&peer, true, id);
    require(install(&peer, client ? KEYEX_CLIENT : KEYEX_SERVER, s));
    n = load(data, size);
    require(dp_decrypt_batch(dp, client ? &peer : NULL, bufs, meta, n, 5, &rx) == n);
    check(dp, client ? &peer : NULL, n);
    dp_peer_cleanup(&peer);
    dp_peer_cleanup(&peer2);
    dp_free(dp);
    peertab_free(pt);
    vaddr_free(va);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    run(data[0], data + 1, size - 1);
    return 0;
}
