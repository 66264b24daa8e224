/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tun side of the runtimes, see include/tunnel.h.
 */
#include "config.h"

#include "tunnel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netlink.h"
#include "ratelimit.h"
#include "secret.h"
#include "tun.h"

struct tunnel {
    struct tun *tun;
    struct netlink *nl;
    char name[TUN_NAME_MAX];
    size_t buf_size;
    uint8_t *mem;
    struct pktbuf store[PKTBUF_BATCH_MAX];
    struct pktbuf *bufs[PKTBUF_BATCH_MAX];
    struct pktbuf ctl; /* in-band messages (ping, OCC EXIT) */
    uint8_t *ctl_mem;
    struct dp_tx_out tx;
    struct dp_rx_out rx;
    struct tunnel_stats stats;
    struct ratelimit drop_rl; /* log lines for packets dropped on the network side */
};

#define TUNNEL_DROP_LOG_RATE  10u /* lines per second */
#define TUNNEL_DROP_LOG_BURST 20u

static unsigned tun_mtu_max(unsigned mtu)
{
    return mtu > DP_TUN_MTU_MIN ? mtu : DP_TUN_MTU_MIN;
}

static int alloc_buffers(struct tunnel *t, unsigned mtu)
{
    t->buf_size = DP_HEADROOM + tun_mtu_max(mtu) + DP_TAILROOM;
    t->mem = calloc(PKTBUF_BATCH_MAX, t->buf_size);
    t->ctl_mem = calloc(1, t->buf_size);
    if (!t->mem || !t->ctl_mem)
        return -1;
    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++) {
        pktbuf_init(&t->store[i], t->mem + i * t->buf_size, t->buf_size, DP_HEADROOM);
        t->bufs[i] = &t->store[i];
    }
    pktbuf_init(&t->ctl, t->ctl_mem, t->buf_size, DP_HEADROOM);
    return 0;
}

/* The link settings openvpn applies when it opens the device: MTU, queue length, up. */
static int link_setup(struct tunnel *t, const struct conf *c, unsigned mtu)
{
    if (netlink_link_set_mtu(t->nl, t->name, mtu) < 0)
        goto fail;
    log_msg(LOG_L_INFO, "net_iface_mtu_set: mtu %u for %s", mtu, t->name);
    if (c->dev.txqueuelen > 0 &&
        netlink_link_set_txqueuelen(t->nl, t->name, (unsigned)c->dev.txqueuelen) < 0)
        goto fail;
    if (netlink_link_set_up(t->nl, t->name, true) < 0)
        goto fail;
    log_msg(LOG_L_INFO, "net_iface_up: set %s up", t->name);
    return 0;
fail:
    log_msg(LOG_L_ERROR, "%s", netlink_error(t->nl));
    return -1;
}

struct tunnel *tunnel_open(const struct conf *c, unsigned mtu)
{
    struct tun_params tp = { .dev = c->dev.dev,
                             .dev_type = c->dev.dev_type,
                             .dev_node = c->dev.dev_node };
    struct tunnel *t = calloc(1, sizeof(*t));
    char err[NETLINK_ERROR_MAX];

    if (!t || alloc_buffers(t, mtu) < 0) {
        log_msg(LOG_L_ERROR, "out of memory for the tun buffers");
        tunnel_close(t);
        return NULL;
    }
    t->tun = tun_open(&tp, err, sizeof(err));
    if (!t->tun) {
        log_msg(LOG_L_ERROR, "ERROR: Cannot open TUN/TAP dev %s: %s", tp.dev ? tp.dev : "tun", err);
        tunnel_close(t);
        return NULL;
    }
    snprintf(t->name, sizeof(t->name), "%s", tun_name(t->tun));
    ratelimit_init(&t->drop_rl, TUNNEL_DROP_LOG_RATE, TUNNEL_DROP_LOG_BURST);
    log_msg(LOG_L_INFO, "TUN/TAP device %s opened", t->name);
    t->nl = netlink_open(err, sizeof(err));
    if (!t->nl) {
        log_msg(LOG_L_ERROR, "%s", err);
        tunnel_close(t);
        return NULL;
    }
    if (link_setup(t, c, mtu) < 0) {
        tunnel_close(t);
        return NULL;
    }
    return t;
}

void tunnel_close(struct tunnel *t)
{
    if (!t)
        return;
    if (t->tun)
        log_msg(RUNTIME_V_DETAIL, "Closing TUN/TAP interface");
    tun_close(t->tun);
    netlink_close(t->nl);
    /* The buffers held plaintext packets. */
    if (t->mem)
        secret_wipe(t->mem, PKTBUF_BATCH_MAX * t->buf_size);
    if (t->ctl_mem)
        secret_wipe(t->ctl_mem, t->buf_size);
    free(t->mem);
    free(t->ctl_mem);
    free(t);
}

int tunnel_fd(const struct tunnel *t)
{
    return tun_fd(t->tun);
}

const char *tunnel_name(const struct tunnel *t)
{
    return t->name;
}

const struct tunnel_stats *tunnel_stats(const struct tunnel *t)
{
    return &t->stats;
}

/* ---- addresses and routes ---- */

static int nl_result(struct tunnel *t, int rc)
{
    if (rc < 0)
        log_msg(LOG_L_ERROR, "%s", netlink_error(t->nl));
    return rc < 0 ? -1 : 0;
}

int tunnel_addr4(struct tunnel *t, uint32_t local, uint32_t remote, bool subnet)
{
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
    int prefix = subnet ? netlink_mask_to_prefix(htonl(remote)) : 32;

    runtime_ipv4(local, a, sizeof(a));
    runtime_ipv4(remote, b, sizeof(b));
    if (prefix < 0) {
        log_msg(LOG_L_ERROR, "ifconfig %s %s: the netmask is not contiguous", a, b);
        return -1;
    }
    if (subnet)
        log_msg(LOG_L_INFO, "net_addr_v4_add: %s/%d dev %s", a, prefix, t->name);
    else
        log_msg(LOG_L_INFO, "net_addr_ptp_v4_add: %s peer %s dev %s", a, b, t->name);
    return nl_result(t, netlink_addr4(t->nl, NETLINK_ADD, t->name, htonl(local), (unsigned)prefix,
                                      subnet ? 0 : htonl(remote)));
}

int tunnel_addr6(struct tunnel *t, const uint8_t addr[16], unsigned bits)
{
    char a[INET6_ADDRSTRLEN];

    log_msg(LOG_L_INFO, "net_addr_v6_add: %s/%u dev %s", runtime_ipv6(addr, a, sizeof(a)), bits,
            t->name);
    return nl_result(t, netlink_addr6(t->nl, NETLINK_ADD, t->name, addr, bits));
}

int tunnel_route4(struct tunnel *t, uint32_t net, uint32_t mask, uint32_t gw, int metric)
{
    char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
    int prefix = netlink_mask_to_prefix(htonl(mask));

    runtime_ipv4(net, a, sizeof(a));
    if (prefix < 0) {
        log_msg(LOG_L_ERROR, "route %s: the netmask is not contiguous", a);
        return -1;
    }
    log_msg(LOG_L_INFO, "net_route_v4_add: %s/%d via %s dev %s table 0 metric %d", a, prefix,
            runtime_ipv4(gw, g, sizeof(g)), t->name, metric);
    return nl_result(t, netlink_route4(t->nl, NETLINK_ADD, t->name, htonl(net & mask),
                                       (unsigned)prefix, htonl(gw),
                                       metric < 0 ? NETLINK_METRIC_NONE : metric));
}

int tunnel_route6(struct tunnel *t, const uint8_t net[16], unsigned bits, int metric)
{
    char a[INET6_ADDRSTRLEN];

    /* On a tun device the route needs no gateway: openvpn drops it too. */
    log_msg(LOG_L_INFO, "net_route_v6_add: %s/%u via :: dev %s table 0 metric %d",
            runtime_ipv6(net, a, sizeof(a)), bits, t->name, metric);
    return nl_result(t, netlink_route6(t->nl, NETLINK_ADD, t->name, net, bits, NULL,
                                       metric < 0 ? NETLINK_METRIC_NONE : metric));
}

int tunnel_conf_addresses(struct tunnel *t, const struct conf_dev *d, bool v4, bool v6, bool subnet)
{
    if (v4 && d->ifconfig_set && tunnel_addr4(t, d->ifconfig_local, d->ifconfig_remote, subnet) < 0)
        return -1;
    if (v6 && d->ifconfig6_set &&
        tunnel_addr6(t, d->ifconfig6_local.addr, (unsigned)d->ifconfig6_local.bits) < 0)
        return -1;
    return 0;
}

static int conf_route4(struct tunnel *t, const struct conf_route *r, uint32_t vpn_gw,
                       int default_metric)
{
    struct in_addr net, gw;
    uint32_t gateway = vpn_gw;

    if (inet_pton(AF_INET, r->network, &net) != 1) {
        log_msg(LOG_L_WARN, "WARNING: route '%s' is not an IPv4 address: not installed",
                r->network);
        return 0;
    }
    if (r->gateway && inet_pton(AF_INET, r->gateway, &gw) == 1)
        gateway = ntohl(gw.s_addr);
    return tunnel_route4(t, ntohl(net.s_addr), r->netmask, gateway,
                         r->metric >= 0 ? r->metric : default_metric);
}

int tunnel_conf_routes(struct tunnel *t, const struct conf_routes *r, uint32_t vpn_gw)
{
    int metric = r->metric > 0 ? r->metric : -1;

    for (size_t i = 0; i < r->n_v4; i++)
        if (conf_route4(t, &r->v4[i], vpn_gw, metric) < 0)
            return -1;
    for (size_t i = 0; i < r->n_v6; i++) {
        const struct conf_route6 *r6 = &r->v6[i];
        if (tunnel_route6(t, r6->net.addr, (unsigned)r6->net.bits,
                          r6->metric >= 0 ? r6->metric : metric) < 0)
            return -1;
    }
    return 0;
}

/* ---- the two batch moves ---- */

const struct dp_tx_out *tunnel_from_tun(struct tunnel *t, struct datapath *dp, struct dp_peer *peer,
                                        struct udp *u, uint64_t now, int *nread)
{
    size_t sent;
    int n;

    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++)
        pktbuf_reset(t->bufs[i], DP_HEADROOM);
    n = tun_read_batch(t->tun, t->bufs, PKTBUF_BATCH_MAX);
    *nread = n;
    t->tx.n_send = 0;
    t->tx.n_ev = 0;
    if (n <= 0) {
        if (n < 0)
            t->stats.tun_read_errors++;
        return &t->tx;
    }
    (void)dp_encrypt_batch(dp, peer, t->bufs, (size_t)n, now, &t->tx);
    sent = udp_send_batch(u, t->tx.send, t->tx.meta, t->tx.n_send);
    /* UDP has no back-pressure worth waiting for: what does not fit now is lost, as in the
     * network itself, and TCP inside the tunnel slows down. */
    t->stats.socket_full += t->tx.n_send - sent;
    return &t->tx;
}

void tunnel_discard(struct tunnel *t)
{
    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++)
        pktbuf_reset(t->bufs[i], DP_HEADROOM);
    if (tun_read_batch(t->tun, t->bufs, PKTBUF_BATCH_MAX) < 0)
        t->stats.tun_read_errors++;
}

/* Every datagram the datapath refused is counted there; here it also gets a log line, at a
 * limited rate so that a flood cannot fill the disk. */
static void log_drops(struct tunnel *t, const struct runtime_rx *rx, uint64_t now)
{
    char addr[80];

    for (size_t i = 0; i < rx->n; i++) {
        /* IPv6 link-local traffic of the peer's kernel is expected noise (openvpn drops it
         * silently too). */
        if (t->rx.verdict[i] != DP_V_FREE || t->rx.reason[i] == DP_DROP_NONE ||
            t->rx.reason[i] == DP_DROP_LINK_LOCAL)
            continue;
        if (!ratelimit_allow(&t->drop_rl, now))
            return;
        runtime_addr_full(&rx->meta[i].peer, addr, sizeof(addr));
        log_msg(RUNTIME_V_DETAIL, "Data packet from %s dropped: %s", addr,
                dp_drop_name(t->rx.reason[i]));
    }
}

const struct dp_rx_out *tunnel_from_net(struct tunnel *t, struct datapath *dp, struct dp_peer *peer,
                                        struct runtime_rx *rx, uint64_t now)
{
    size_t written;

    (void)dp_decrypt_batch(dp, peer, rx->bufs, rx->meta, rx->n, now, &t->rx);
    log_drops(t, rx, now);
    if (t->rx.n_tun == 0)
        return &t->rx;
    written = tun_write_batch(t->tun, t->rx.tun, t->rx.n_tun);
    t->stats.tun_full += t->rx.n_tun - written;
    return &t->rx;
}

int tunnel_send_inband(struct tunnel *t, struct datapath *dp, struct dp_peer *peer, struct udp *u,
                       uint64_t now, bool exit)
{
    struct pktbuf *b = &t->ctl;
    struct udp_meta meta;
    int rc;

    pktbuf_reset(b, DP_HEADROOM);
    rc = exit ? dp_build_exit(dp, peer, b, &meta, now) : dp_build_ping(dp, peer, b, &meta, now);
    if (rc == DP_DROP_NONE && udp_send_batch(u, &b, &meta, 1) != 1)
        t->stats.socket_full++;
    return rc;
}

/* ---- counters ---- */

static void drops_text(const struct dp_stats *st, char *out, size_t cap)
{
    size_t pos = 0;

    out[0] = '\0';
    for (int r = DP_DROP_NONE + 1; r < DP_DROP_REASONS; r++) {
        int n;

        if (st->drops[r] == 0)
            continue;
        n = snprintf(out + pos, cap - pos, " %s=%" PRIu64, dp_drop_name(r), st->drops[r]);
        if (n < 0 || (size_t)n >= cap - pos)
            break;
        pos += (size_t)n;
    }
}

void tunnel_log_counters(const struct tunnel *t, const struct datapath *dp, const struct udp *u)
{
    const struct dp_stats *st = dp_stats(dp);
    const struct udp_stats *us = u ? udp_stats(u) : NULL;
    char drops[512];

    drops_text(st, drops, sizeof(drops));
    log_msg(LOG_L_INFO,
            "Data path: rx %" PRIu64 " packets (%" PRIu64 " pings), tx %" PRIu64
            " packets (%" PRIu64 " pings), floats %" PRIu64 ", mss clamped %" PRIu64 ", dropped:%s",
            st->rx_data, st->rx_ping, st->tx_data, st->tx_ping, st->floats, st->mss_clamped,
            drops[0] ? drops : " none");
    log_msg(LOG_L_INFO,
            "Devices: tun read errors %" PRIu64 ", tun full %" PRIu64 ", socket full %" PRIu64
            ", udp rx truncated %" PRIu64 ", udp tx dropped %" PRIu64,
            t ? t->stats.tun_read_errors : 0, t ? t->stats.tun_full : 0,
            t ? t->stats.socket_full : 0, us ? us->rx_truncated : 0, us ? us->tx_dropped : 0);
}

void tunnel_log_soft_reset(const char *prefix, const struct dp_peer *p, uint64_t age_ms,
                           const struct session_params *sp)
{
    int id = dp_send_key_id(p);
    const struct dp_key_slot *k = id >= 0 ? dp_key_slot(p, (uint8_t)id) : NULL;
    uint64_t bytes = k ? k->rx_bytes + k->tx_bytes : 0;
    uint64_t pkts = k ? k->rx_packets + k->tx_packets : 0;

    log_peer_msg(RUNTIME_V_DETAIL, prefix,
                 "TLS: soft reset sec=%" PRIu64 "/%u bytes=%" PRIu64 "/%lld pkts=%" PRIu64
                 "/%" PRIu64,
                 age_ms / 1000u, sp->reneg_sec, bytes,
                 sp->reneg_bytes ? (long long)sp->reneg_bytes : -1LL, pkts, sp->reneg_pkts);
}

/* ---- inactive ---- */

static uint64_t tun_packets(const struct dp_peer *p)
{
    return p->stats.rx_packets + p->stats.tx_packets;
}

static uint64_t tun_bytes(const struct dp_peer *p)
{
    return p->stats.rx_bytes + p->stats.tx_bytes;
}

void tunnel_idle_init(struct tunnel_idle *w, unsigned secs, uint64_t bytes, const struct dp_peer *p,
                      uint64_t now)
{
    w->period_ms = (uint64_t)secs * 1000u;
    w->min_bytes = bytes;
    w->since = now;
    w->mark_pkts = tun_packets(p);
    w->mark_bytes = tun_bytes(p);
}

bool tunnel_idle_expired(struct tunnel_idle *w, const struct dp_peer *p, uint64_t now)
{
    if (w->period_ms == 0)
        return false;
    if (w->min_bytes == 0 && tun_packets(p) != w->mark_pkts) {
        w->mark_pkts = tun_packets(p);
        w->since = now;
        return false;
    }
    if (now - w->since < w->period_ms)
        return false;
    if (w->min_bytes == 0 || tun_bytes(p) - w->mark_bytes < w->min_bytes)
        return true;
    w->since = now; /* enough traffic in this window: the next one starts */
    w->mark_bytes = tun_bytes(p);
    return false;
}

/* ---- translation of the configuration ---- */

void tunnel_dp_params(const struct conf *c, enum dp_role role, bool ipv6_transport,
                      struct dp_params *p)
{
    const struct conf_conn *ce = &c->ce;

    dp_params_init(p);
    p->role = role;
    p->tun_mtu_max =
        tun_mtu_max((unsigned)(ce->tun_mtu_max > ce->tun_mtu ? ce->tun_mtu_max : ce->tun_mtu));
    p->replay_window = (unsigned)c->tls.replay_window;
    p->replay_time = (unsigned)c->tls.replay_time;
    p->float_ok = ce->remote_float;
    p->mss.value = (unsigned)ce->mssfix;
    p->mss.mode = ce->mssfix == 0    ? MSS_MODE_OFF
                  : ce->mssfix_fixed ? MSS_MODE_FIXED
                  : ce->mssfix_mtu   ? MSS_MODE_MTU
                                     : MSS_MODE_LEGACY;
    p->mss.transport = ipv6_transport ? MSS_UDP6 : MSS_UDP4;
    p->mss.fragment = ce->fragment > 0;
}

static enum comp_allow allow_of(enum conf_allow_comp a)
{
    switch (a) {
    case CONF_ALLOW_COMP_NO:
        return COMP_ALLOW_NO;
    case CONF_ALLOW_COMP_ASYM:
        return COMP_ALLOW_ASYM;
    case CONF_ALLOW_COMP_YES:
        return COMP_ALLOW_YES;
    default:
        return COMP_ALLOW_UNSET;
    }
}

static enum comp_algo algo_of_conf(const struct conf_tls *t)
{
    switch (t->compress) {
    case CONF_COMPRESS_STUB:
        return COMP_ALGO_STUB;
    case CONF_COMPRESS_STUB_V2:
        return COMP_ALGO_STUB_V2;
    case CONF_COMPRESS_LZ4:
        return COMP_ALGO_LZ4;
    case CONF_COMPRESS_LZ4_V2:
        return COMP_ALGO_LZ4_V2;
    case CONF_COMPRESS_LZO:
        return COMP_ALGO_LZO;
    default:
        break;
    }
    switch (t->comp_lzo) {
    case CONF_COMP_LZO_NO:
        return COMP_ALGO_LZO_STUB;
    case CONF_COMP_LZO_YES:
    case CONF_COMP_LZO_ADAPTIVE:
        return COMP_ALGO_LZO;
    default:
        return COMP_ALGO_NONE;
    }
}

/* A pushed "compress [ALGO]" / "comp-lzo [MODE]" item; -1 for one Sluice does not know. */
static int algo_of_push(const char *item, enum comp_algo *out)
{
    static const struct {
        const char *item;
        enum comp_algo algo;
    } words[] = {
        { "compress", COMP_ALGO_STUB },
        { "compress stub", COMP_ALGO_STUB },
        { "compress stub-v2", COMP_ALGO_STUB_V2 },
        { "compress lz4", COMP_ALGO_LZ4 },
        { "compress lz4-v2", COMP_ALGO_LZ4_V2 },
        { "compress lzo", COMP_ALGO_LZO },
        { "comp-lzo no", COMP_ALGO_LZO_STUB },
        { "comp-lzo", COMP_ALGO_LZO },
        { "comp-lzo yes", COMP_ALGO_LZO },
        { "comp-lzo adaptive", COMP_ALGO_LZO },
    };

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(item, words[i].item) == 0) {
            *out = words[i].algo;
            return 0;
        }
    }
    return -1;
}

int tunnel_comp(const struct conf *c, const char *pushed, struct comp *out, char *why,
                size_t whylen)
{
    struct comp_settings s = { .algo = algo_of_conf(&c->tls),
                               .allow = allow_of(c->tls.allow_compression) };
    enum comp_algo algo;

    if (pushed) {
        if (algo_of_push(pushed, &algo) < 0) {
            snprintf(why, whylen, "unknown pushed compression '%s'", pushed);
            return -1;
        }
        if (!comp_push_acceptable(&s, algo)) {
            snprintf(why, whylen,
                     "server pushed compression settings that are not allowed and will result "
                     "in a non-working connection. See also allow-compression in the manual.");
            return -1;
        }
        s.allow = comp_allow_effective(&s);
        s.algo = algo;
    }
    if (comp_init(out, &s) != COMP_OK) {
        snprintf(why, whylen, "compression settings refused (allow-compression no)");
        return -1;
    }
    return 0;
}
