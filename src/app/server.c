/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server runtime, see include/server.h. Log wording follows openvpn 2.6.14's server log
 * (tests/interop/README.md and the captures quoted in ops-interfaces.md §8).
 */
#include "config.h"

#include "server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "datapath.h"
#include "ippool.h"
#include "keys.h"
#include "log.h"
#include "push.h"
#include "ratelimit.h"
#include "secret.h"
#include "status.h"
#include "timerq.h"
#include "tunnel.h"
#include "vaddr.h"

#define SERVER_NAME_MAX       256u
#define SERVER_PREFIX_MAX     (SERVER_NAME_MAX + 96u)
#define SERVER_ADDR_KEY_LEN   19u   /* family, port, IP: the listener's address encoding */
#define SERVER_EXIT_WAIT_MS   2000u /* explicit-exit-notify: time to deliver RESTART */
#define SERVER_DELAYED_EXIT_S 5u    /* a client's EXIT: removed this much later */
#define SERVER_DROP_LOG_RATE  10u   /* drop lines per second */
#define SERVER_DROP_LOG_BURST 20u
#define SERVER_PUSH_MAX       (PUSH_CLIENT_ITEMS_MAX + 1u)
#define SERVER_ROUTES_MAX     64u /* tun-side routes besides the clients' own addresses */

struct server;

struct server_inst {
    struct server *srv;
    struct session *s;
    struct session_params sp;
    uint32_t id; /* peer-id, index in the peer table */
    struct udp_meta dst;
    char prefix[SERVER_PREFIX_MAX]; /* "IP:PORT", then "CN/IP:PORT" */
    char cn[SERVER_NAME_MAX];
    char tls_desc[SESSION_TLS_DESC_MAX];
    bool established; /* "Peer Connection Initiated" */
    bool pushed;
    bool leaving; /* EXIT received: removal scheduled */
    bool has_lease;
    struct ippool_lease lease;
    uint64_t key_at;
    int64_t since;     /* wall clock at "Peer Connection Initiated", for the status */
    struct dp_peer dp; /* data channel; dp.owner points back here */
    struct timerq_entry t_session, t_leave, t_keepalive;
};

struct server {
    const struct conf *c;
    struct loop *loop;
    struct keys keys;
    struct session_listener *listener;
    struct peertab *tab;
    struct ippool *pool;
    struct udp *udp;
    struct runtime_rx *rx;
    struct datapath *dp;
    struct vaddr *routes; /* tunnel addresses -> peer-id, for packets from tun */
    struct tunnel *tun;
    struct comp comp; /* the configured framing, the same for every client */
    struct ratelimit drop_rl;
    struct timerq_entry t_exit, t_status;
    bool exiting;
    enum runtime_end end;
};

static uint64_t now_of(const struct server *srv)
{
    return loop_now(srv->loop);
}

static void stop(struct server *srv, enum runtime_end end)
{
    srv->end = end;
    loop_stop(srv->loop);
}

static void schedule(struct server *srv, struct timerq_entry *e, uint64_t at)
{
    if (timerq_schedule(loop_timerq(srv->loop), e, at) != 0) {
        log_msg(LOG_L_FATAL, "out of memory scheduling a timer");
        stop(srv, RUNTIME_FATAL);
    }
}

/* ---- instances ---- */

static void inst_timer_update(struct server_inst *in)
{
    uint64_t d = in->s ? session_next_deadline(in->s) : UINT64_MAX;

    if (d == UINT64_MAX)
        timerq_cancel(loop_timerq(in->srv->loop), &in->t_session);
    else
        schedule(in->srv, &in->t_session, d);
}

static void inst_free(struct server_inst *in)
{
    struct server *srv = in->srv;
    struct timerq *q = loop_timerq(srv->loop);

    timerq_cancel(q, &in->t_session);
    timerq_cancel(q, &in->t_leave);
    timerq_cancel(q, &in->t_keepalive);
    if (in->has_lease)
        (void)ippool_release(srv->pool, in->lease.index);
    if (srv->routes)
        (void)vaddr_remove_peer(srv->routes, in->id);
    dp_peer_cleanup(&in->dp);
    peertab_remove(srv->tab, in->id);
    session_free(in->s);
    secret_wipe(in, sizeof(*in));
    free(in);
}

static void free_all(struct server *srv)
{
    for (uint32_t id = peertab_next_id(srv->tab, 0); id != PEERTAB_ID_UNSET;
         id = peertab_next_id(srv->tab, id + 1))
        inst_free(peertab_by_id(srv->tab, id));
}

/* ---- the address pool ---- */

static int pool_new(struct server *srv)
{
    const struct conf_server *s = &srv->c->srv;
    struct ippool_params p;
    char a[64];
    int rc;

    if (!s->pool_set && !s->pool6_set)
        return 0;
    memset(&p, 0, sizeof(p));
    p.has_v4 = s->pool_set;
    p.kind = srv->c->dev.topology == CONF_TOPOLOGY_NET30 ? IPPOOL_NET30 : IPPOOL_INDIV;
    p.v4_start = s->pool_start;
    p.v4_end = s->pool_end;
    p.has_v6 = s->pool6_set;
    memcpy(p.v6_base, s->pool6.addr, 16);
    p.v6_bits = (unsigned)s->pool6.bits;
    rc = ippool_new(&p, &srv->pool);
    if (rc != IPPOOL_OK) {
        log_msg(LOG_L_FATAL, "cannot set up the address pool: %s", ippool_strerror(rc));
        return -1;
    }
    if (p.has_v4)
        log_msg(RUNTIME_V_DETAIL, "IFCONFIG POOL IPv4: base=%s size=%zu",
                runtime_ipv4(ippool_v4_base(srv->pool), a, sizeof(a)), ippool_v4_size(srv->pool));
    if (p.has_v6)
        log_msg(RUNTIME_V_DETAIL, "IFCONFIG POOL IPv6: base=%s size=%zu netbits=%u",
                runtime_ipv6(p.v6_base, a, sizeof(a)), ippool_v6_size(srv->pool), p.v6_bits);
    return 0;
}

static void log_lease(struct server_inst *in)
{
    char v4[64] = "(Not enabled)", v6[64] = "(Not enabled)";

    if (in->lease.has_v4)
        runtime_ipv4(in->lease.v4_client, v4, sizeof(v4));
    if (in->lease.has_v6)
        runtime_ipv6(in->lease.v6_client, v6, sizeof(v6));
    log_peer_msg(LOG_L_INFO, in->prefix, "MULTI_sva: pool returned IPv4=%s, IPv6=%s", v4, v6);
    if (in->lease.has_v4) {
        log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "MULTI: Learn: %s -> %s", v4, in->prefix);
        log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "MULTI: primary virtual IP for %s: %s",
                     in->prefix, v4);
    }
    if (in->lease.has_v6) {
        log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "MULTI: Learn: %s -> %s", v6, in->prefix);
        log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "MULTI: primary virtual IPv6 for %s: %s",
                     in->prefix, v6);
    }
}

/* Packets from tun find the client by its tunnel addresses. */
static void learn_addresses(struct server_inst *in)
{
    struct vaddr *v = in->srv->routes;
    struct vaddr_ip ip;

    if (in->lease.has_v4) {
        ip = vaddr_ip4(in->lease.v4_client);
        if (vaddr_host_add(v, &ip, in->id) != 0)
            log_peer_msg(LOG_L_ERROR, in->prefix, "MULTI: cannot learn the IPv4 address");
    }
    if (in->lease.has_v6) {
        ip = vaddr_ip6(in->lease.v6_client);
        if (vaddr_host_add(v, &ip, in->id) != 0)
            log_peer_msg(LOG_L_ERROR, in->prefix, "MULTI: cannot learn the IPv6 address");
    }
}

static void take_lease(struct server_inst *in)
{
    struct server *srv = in->srv;
    const char *cn = srv->c->srv.duplicate_cn ? NULL : in->cn;

    if (!srv->pool)
        return;
    if (ippool_acquire(srv->pool, cn, &in->lease) != IPPOOL_OK) {
        log_peer_msg(LOG_L_ERROR, in->prefix,
                     "MULTI: no dynamic or static remote --ifconfig address is available for %s",
                     in->prefix);
        return;
    }
    in->has_lease = true;
    log_lease(in);
    learn_addresses(in);
}

/* ---- connection established ---- */

/* Without duplicate-cn a new session of a common name replaces the older ones. */
static void drop_same_cn(struct server_inst *in)
{
    struct server *srv = in->srv;
    bool told = false;

    if (srv->c->srv.duplicate_cn || !in->cn[0])
        return;
    for (uint32_t id = peertab_next_id(srv->tab, 0); id != PEERTAB_ID_UNSET;
         id = peertab_next_id(srv->tab, id + 1)) {
        struct server_inst *o = peertab_by_id(srv->tab, id);
        if (o == in || !o->established || strcmp(o->cn, in->cn) != 0)
            continue;
        if (!told)
            log_peer_msg(RUNTIME_V_DETAIL, in->prefix,
                         "MULTI: new connection by client '%s' will cause previous active "
                         "sessions by this client to be dropped.  Remember to use the "
                         "--duplicate-cn option if you want multiple clients using the same "
                         "certificate or username to concurrently connect.",
                         in->cn);
        told = true;
        log_peer_msg(LOG_L_INFO, o->prefix, "SIGTERM[soft,] received, client-instance exiting");
        inst_free(o);
    }
}

static void established(struct server_inst *in)
{
    char addr[80], plain[80];

    runtime_addr_full(&in->dst.peer, addr, sizeof(addr));
    log_peer_msg(LOG_L_INFO, in->prefix, "[%s] Peer Connection Initiated with %s",
                 in->cn[0] ? in->cn : "UNDEF", addr);
    runtime_addr_plain(&in->dst.peer, plain, sizeof(plain));
    if (in->cn[0])
        snprintf(in->prefix, sizeof(in->prefix), "%s/%s", in->cn, plain);
    in->established = true;
    in->since = clock_wall_s();
    drop_same_cn(in);
    take_lease(in);
}

/* ---- PUSH_REPLY ---- */

static void client_items(const struct server_inst *in, struct push_client_params *p)
{
    const struct conf *c = in->srv->c;
    const struct session_negotiated *n = session_negotiated(in->s);

    memset(p, 0, sizeof(*p));
    if (in->has_lease && in->lease.has_v6) {
        p->has_ifconfig_ipv6 = true;
        memcpy(p->ifconfig_ipv6_local, in->lease.v6_client, 16);
        p->ifconfig_ipv6_bits = in->lease.v6_bits;
        memcpy(p->ifconfig_ipv6_remote, c->dev.ifconfig6_local.addr, 16);
    }
    if (in->has_lease && in->lease.has_v4) {
        p->has_ifconfig = true;
        p->ifconfig_local = in->lease.v4_client;
        if (c->dev.topology == CONF_TOPOLOGY_SUBNET)
            p->ifconfig_remote = c->srv.pool_netmask ? c->srv.pool_netmask : c->dev.ifconfig_remote;
        else if (c->dev.topology == CONF_TOPOLOGY_NET30)
            p->ifconfig_remote = in->lease.v4_peer;
        else
            p->ifconfig_remote = c->dev.ifconfig_local;
    }
    p->has_peer_id = (n->peer_proto & KEYEX_IV_PROTO_DATA_V2) != 0;
    p->peer_id = in->id;
    p->cipher = n->peer_ncp ? n->cipher : NULL;
    p->ekm = n->ekm;
    p->cc_exit = n->cc_exit;
    p->dyn_tls_crypt = n->dyn_tls_crypt;
    p->tun_mtu = n->peer_mtu ? (unsigned)c->ce.tun_mtu : 0;
}

static void log_data_channel(struct server_inst *in)
{
    const struct session_negotiated *n = session_negotiated(in->s);
    const struct conf *c = in->srv->c;
    char flags[64];

    char dc[256];

    runtime_data_channel_text(dc, sizeof(dc), n->cipher, n->auth, (long)in->id, &in->dp.comp);
    log_peer_msg(RUNTIME_V_CIPHER, in->prefix, "%s", dc);
    if (c->net.ping || c->net.ping_rec)
        log_peer_msg(RUNTIME_V_CIPHER, in->prefix, "Timers: ping %d, ping-%s %d", c->net.ping,
                     c->net.ping_action == CONF_PING_EXIT ? "exit" : "restart", c->net.ping_rec);
    snprintf(flags, sizeof(flags), "%s%s%s", n->cc_exit ? " cc-exit" : "",
             n->ekm && n->cc_exit ? " tls-ekm" : "", n->dyn_tls_crypt ? " dyn-tls-crypt" : "");
    if (flags[0])
        log_peer_msg(RUNTIME_V_CIPHER, in->prefix, "Protocol options: protocol-flags%s", flags);
}

/* Sends every part of the reply; false when one could not be sent. */
static bool send_reply(struct server_inst *in, const char *const *opts, size_t n)
{
    struct push_reply_iter it;
    char msg[PUSH_BUNDLE_SIZE];
    size_t bad = 0, len = 0;
    int rc;

    if (push_reply_iter_init(&it, opts, n, &bad) != PUSH_OK) {
        log_peer_msg(LOG_L_ERROR, in->prefix, "cannot push option '%s'", opts[bad]);
        return false;
    }
    while ((rc = push_reply_next(&it, msg, sizeof(msg), &len)) == 1) {
        rc = session_send_text(in->s, msg, len, now_of(in->srv));
        log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "SENT CONTROL [%s]: '%s' (status=%d)",
                     in->cn[0] ? in->cn : "UNDEF", msg, rc == SESSION_OK ? 1 : 0);
        if (rc != SESSION_OK)
            return false;
    }
    return rc == 0;
}

static void push_reply(struct server_inst *in)
{
    const struct conf_strlist *pl = &in->srv->c->srv.push;
    struct push_client_params p;
    struct push_client_items items;
    const char **opts;
    size_t n = 0;

    client_items(in, &p);
    if (push_client_items_build(&p, &items) != PUSH_OK) {
        log_peer_msg(LOG_L_ERROR, in->prefix, "cannot build the per-client push options");
        return;
    }
    opts = calloc(pl->n + items.n + 1, sizeof(*opts));
    if (opts) {
        for (size_t i = 0; i < pl->n; i++)
            opts[n++] = pl->v[i];
        for (size_t i = 0; i < items.n; i++)
            opts[n++] = items.items[i];
        if (send_reply(in, opts, n) && !in->pushed)
            log_data_channel(in);
        in->pushed = true;
    }
    free(opts);
    secret_wipe(&items, sizeof(items));
}

/* ---- session events ---- */

static void on_text(struct server_inst *in, const struct session_event *ev)
{
    int len = (int)ev->u.text.len;

    if (ev->u.text.type != PUSH_MSG_EXIT) {
        log_peer_msg(LOG_L_WARN, in->prefix, "WARNING: Received unknown control message: %.*s", len,
                     ev->u.text.text);
        return;
    }
    if (in->leaving)
        return;
    log_peer_msg(LOG_L_INFO, in->prefix, "CC-EEN exit message received by peer");
    log_peer_msg(LOG_L_INFO, in->prefix, "Delayed exit in %u seconds", SERVER_DELAYED_EXIT_S);
    in->leaving = true;
    schedule(in->srv, &in->t_leave, now_of(in->srv) + SERVER_DELAYED_EXIT_S * 1000u);
}

static void on_failed(struct server_inst *in, const struct session_event *ev)
{
    struct server *srv = in->srv;

    runtime_log_failure(in->prefix, ev, in->srv->keys.sp.hand_window_s);
    switch (ev->u.fail.reason) {
    case SESSION_FAIL_TLS:
    case SESSION_FAIL_TLS_CLOSED:
    case SESSION_FAIL_HANDSHAKE_TIMEOUT:
        log_peer_msg(LOG_L_INFO, in->prefix,
                     "SIGUSR1[soft,tls-error] received, client-instance restarting");
        break;
    case SESSION_FAIL_NCP:
        log_peer_msg(LOG_L_ERROR, in->prefix, "%s", ev->u.fail.text ? ev->u.fail.text : "");
        break;
    default:
        break;
    }
    inst_free(in);
    if (srv->exiting && peertab_count(srv->tab) == 0) {
        /* Every client took its RESTART: no need to wait any longer. */
        timerq_cancel(loop_timerq(srv->loop), &srv->t_exit);
        log_msg(LOG_L_INFO, "SIGTERM[hard,] received, process exiting");
        stop(srv, RUNTIME_EXIT);
    }
}

static void on_tls(struct server_inst *in, const struct session_event *ev)
{
    runtime_log_tls(in->prefix, ev, in->srv->c->tls.remote_cert_tls == CONF_REMOTE_CERT_CLIENT);
    if (ev->key_id == 0 && ev->u.tls.cert)
        snprintf(in->cn, sizeof(in->cn), "%s", ev->u.tls.cert->common_name);
    snprintf(in->tls_desc, sizeof(in->tls_desc), "%s",
             ev->u.tls.description ? ev->u.tls.description : "");
}

static void keepalive_schedule(struct server_inst *in)
{
    uint64_t at = dp_keepalive_deadline(&in->dp);

    if (at == UINT64_MAX)
        timerq_cancel(loop_timerq(in->srv->loop), &in->t_keepalive);
    else
        schedule(in->srv, &in->t_keepalive, at);
}

/* The client sends P_DATA_V2 when it announced it; the server answers in kind (§9). */
static void install_key(struct server_inst *in, const struct session_event *ev)
{
    const struct session_keys *k = &ev->u.keys;
    const struct session_negotiated *n = session_negotiated(in->s);
    uint64_t now = now_of(in->srv);

    dp_peer_set_peer_id(&in->dp, (n->peer_proto & KEYEX_IV_PROTO_DATA_V2) != 0, in->id);
    if (dp_key_install(&in->dp, ev->key_id, k->cipher, k->auth[0] ? k->auth : NULL, &k->keys,
                       now) != DP_OK) {
        log_peer_msg(LOG_L_ERROR, in->prefix, "Data Channel: cannot install key_id %u",
                     (unsigned)ev->key_id);
        return;
    }
    if (ev->key_id == 0) {
        dp_peer_touch_rx(&in->dp, now);
        keepalive_schedule(in);
    }
}

static void on_keys(struct server_inst *in, struct session_event *ev)
{
    if (in->tls_desc[0])
        log_peer_msg(RUNTIME_V_HANDSHAKE, in->prefix, "%s", in->tls_desc);
    in->tls_desc[0] = '\0';
    if (!in->established)
        established(in);
    in->key_at = now_of(in->srv);
    runtime_log_keys(in->prefix, &ev->u.keys, true);
    install_key(in, ev);
}

static void on_reneg(struct server_inst *in, const struct session_event *ev)
{
    if (!ev->u.reneg.local)
        return;
    tunnel_log_soft_reset(in->prefix, &in->dp, now_of(in->srv) - in->key_at, &in->srv->keys.sp);
}

/* Handles one event; false when the instance was freed. */
static bool on_event(struct server_inst *in, struct session_event *ev)
{
    bool alive = true;

    switch (ev->type) {
    case SESSION_EV_TLS_VERIFIED:
        on_tls(in, ev);
        break;
    case SESSION_EV_PEER_INFO:
        runtime_log_peer_info(in->prefix, ev->u.peer.info);
        break;
    case SESSION_EV_KEYS:
        on_keys(in, ev);
        break;
    case SESSION_EV_SEND_KEY:
        if (dp_set_send_key(&in->dp, ev->key_id) != DP_OK)
            log_peer_msg(LOG_L_ERROR, in->prefix, "Data Channel: no key_id %u to send with",
                         (unsigned)ev->key_id);
        break;
    case SESSION_EV_KEY_RETIRED:
        (void)dp_key_retire(&in->dp, ev->key_id);
        break;
    case SESSION_EV_PUSH_REQUEST:
        push_reply(in);
        break;
    case SESSION_EV_TEXT:
        on_text(in, ev);
        break;
    case SESSION_EV_RENEGOTIATING:
        on_reneg(in, ev);
        break;
    case SESSION_EV_FAILED:
        on_failed(in, ev);
        alive = false;
        break;
    default:
        log_peer_msg(RUNTIME_V_DEBUG, in->prefix, "control channel: %s (key_id %u)",
                     session_event_name(ev->type), ev->key_id);
        break;
    }
    session_event_wipe(ev);
    return alive;
}

/* Sends what is due and handles the events; false when the instance is gone. */
static bool inst_pump(struct server_inst *in)
{
    struct server *srv = in->srv;
    struct session_event ev;

    for (;;) {
        runtime_flush(in->s, srv->udp, &in->dst, now_of(srv));
        if (!session_next_event(in->s, &ev))
            break;
        if (!on_event(in, &ev))
            return false;
    }
    inst_timer_update(in);
    return true;
}

/* ---- new clients ---- */

/* The listener's fixed address encoding: family, port (big-endian), 16 address bytes. */
static void addr_key(const struct peertab_addr *a, uint8_t key[SERVER_ADDR_KEY_LEN])
{
    key[0] = (uint8_t)a->family;
    key[1] = (uint8_t)(a->port >> 8);
    key[2] = (uint8_t)a->port;
    memcpy(key + 3, a->ip, 16);
}

static int inst_data_channel(struct server_inst *in, const struct udp_meta *m)
{
    const struct conf *c = in->srv->c;

    if (dp_peer_init(&in->dp, in->srv->dp, now_of(in->srv)) != DP_OK) {
        log_peer_msg(LOG_L_ERROR, in->prefix, "out of memory for the data channel");
        return -1;
    }
    in->dp.owner = in;
    dp_peer_set_remote(&in->dp, m);
    dp_peer_set_peer_id(&in->dp, false, in->id);
    dp_peer_set_comp(&in->dp, &in->srv->comp);
    dp_peer_set_keepalive(&in->dp, (unsigned)c->net.ping, (unsigned)c->net.ping_rec);
    return 0;
}

static struct server_inst *inst_new(struct server *srv, const struct udp_meta *m,
                                    const struct session_accept *acc)
{
    struct server_inst *in = calloc(1, sizeof(*in));
    int rc;

    if (!in)
        return NULL;
    in->srv = srv;
    in->dst = *m;
    timerq_entry_init(&in->t_session, in, RUNTIME_T_SESSION);
    timerq_entry_init(&in->t_leave, in, RUNTIME_T_INSTANCE);
    timerq_entry_init(&in->t_keepalive, in, RUNTIME_T_KEEPALIVE);
    runtime_addr_plain(&m->peer, in->prefix, sizeof(in->prefix));
    rc = peertab_insert(srv->tab, in, &m->peer, &in->id);
    if (rc != PEERTAB_OK) {
        if (rc == PEERTAB_ERR_FULL)
            log_ratelimited(
                &srv->drop_rl, now_of(srv), LOG_L_ERROR,
                "MULTI: new incoming connection would exceed maximum number of clients (%d)",
                srv->c->srv.max_clients);
        free(in);
        return NULL;
    }
    if (inst_data_channel(in, m) < 0) {
        inst_free(in);
        return NULL;
    }
    in->sp = srv->keys.sp;
    in->sp.wall_time_s = (uint32_t)clock_wall_s();
    in->sp.transport_overhead =
        m->peer.family == AF_INET6 ? SESSION_IPV6_OVERHEAD : SESSION_IPV4_OVERHEAD;
    rc = session_new_accepted(&in->sp, acc, now_of(srv), &in->s);
    if (rc != SESSION_OK) {
        log_peer_msg(LOG_L_ERROR, in->prefix, "cannot create the client instance: %s",
                     session_strerror(rc));
        inst_free(in);
        return NULL;
    }
    return in;
}

/* What openvpn logs (at verb 1) for a packet whose wrapping does not authenticate. */
static void log_unwrap_failure(struct server *srv, const char *addr)
{
    struct ratelimit *rl = &srv->drop_rl;
    uint64_t now = now_of(srv);

    switch (srv->keys.sp.wrap.mode) {
    case CTLWRAP_TLS_AUTH:
        log_ratelimited(rl, now, LOG_L_ERROR,
                        "Authenticate/Decrypt packet error: packet HMAC authentication failed");
        log_ratelimited(rl, now, LOG_L_ERROR,
                        "TLS Error: incoming packet authentication failed from %s", addr);
        break;
    case CTLWRAP_TLS_CRYPT:
        log_ratelimited(rl, now, LOG_L_ERROR,
                        "tls-crypt unwrap error: packet authentication failed");
        log_ratelimited(rl, now, LOG_L_ERROR, "TLS Error: tls-crypt unwrapping failed from %s",
                        addr);
        break;
    default:
        log_ratelimited(rl, now, LOG_L_ERROR, "Can not unwrap tls-crypt-v2 client key");
        log_ratelimited(rl, now, LOG_L_ERROR,
                        "TLS Error: can not extract tls-crypt-v2 client key from %s", addr);
        break;
    }
}

static void log_drop(struct server *srv, const struct udp_meta *m, enum session_rx why)
{
    char addr[80];

    runtime_addr_full(&m->peer, addr, sizeof(addr));
    if (why == SESSION_RX_UNWRAP && srv->keys.sp.wrap.mode != CTLWRAP_NONE)
        log_unwrap_failure(srv, addr);
    else
        log_ratelimited(&srv->drop_rl, now_of(srv), RUNTIME_V_DETAIL, "Packet from %s dropped: %s",
                        addr, session_rx_name(why));
}

/* A datagram no instance takes: the listener's stateless reply, a new instance, or a drop. */
static void listener_packet(struct server *srv, const struct pktbuf *b, const struct udp_meta *m,
                            struct server_inst *old)
{
    uint8_t key[SERVER_ADDR_KEY_LEN], reply[SESSION_PACKET_MAX];
    struct session_accept acc;
    struct buf_writer w;
    struct server_inst *in;

    memset(&acc, 0, sizeof(acc));
    addr_key(&m->peer, key);
    buf_writer_init(&w, reply, sizeof(reply));
    switch (session_accept_check(srv->listener, pktbuf_data(b), pktbuf_len(b), key, sizeof(key),
                                 now_of(srv), &w, &acc)) {
    case SESSION_VERDICT_REPLY:
        runtime_send(srv->udp, reply, buf_writer_len(&w), m);
        break;
    case SESSION_VERDICT_CREATE:
        if (old)
            inst_free(old); /* the client restarted from the same address and port */
        in = inst_new(srv, m, &acc);
        if (in) {
            session_receive(in->s, pktbuf_data(b), pktbuf_len(b), now_of(srv));
            inst_pump(in);
        }
        break;
    default:
        log_drop(srv, m, acc.drop);
        break;
    }
    session_accept_wipe(&acc);
}

/* The sender's own session id (right after the opcode byte in every wrapping, §2-§5). */
static bool packet_sid(const struct pktbuf *b, struct wire_sid *sid)
{
    struct buf_reader r;

    buf_reader_init(&r, pktbuf_data(b), pktbuf_len(b));
    buf_skip(&r, 1);
    return wire_sid_parse(&r, sid) == WIRE_OK;
}

/* A control packet (the datapath has taken the data packets). */
static void receive_control(struct server *srv, const struct pktbuf *b, const struct udp_meta *m)
{
    struct server_inst *in;
    struct wire_sid sid;

    in = peertab_by_addr(srv->tab, &m->peer, NULL);
    /* A packet of another session from a known address is a new client there. */
    if (in && packet_sid(b, &sid) && wire_sid_equal(&sid, session_peer_sid(in->s))) {
        in->dst.local = m->local;
        if (session_receive(in->s, pktbuf_data(b), pktbuf_len(b), now_of(srv)) == SESSION_RX_OK)
            dp_peer_touch_rx(&in->dp, now_of(srv));
        inst_pump(in);
        return;
    }
    if (!srv->exiting)
        listener_packet(srv, b, m, in);
}

/* ---- loop callbacks ---- */

/* An authenticated packet came from a new address: the client moves there (§9.2). */
static void on_float(struct server *srv, struct server_inst *in, const struct udp_meta *from)
{
    char old[80], addr[80];
    uint32_t owner = PEERTAB_ID_UNSET;

    runtime_addr_full(&in->dst.peer, old, sizeof(old));
    runtime_addr_full(&from->peer, addr, sizeof(addr));
    if (peertab_float(srv->tab, in->id, &from->peer, &owner) != PEERTAB_OK) {
        log_ratelimited(&srv->drop_rl, now_of(srv), RUNTIME_V_DETAIL,
                        "peer-id %u cannot float from %s to %s: address in use", in->id, old, addr);
        return;
    }
    log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "Float: peer-id %u moved from %s to %s", in->id, old,
                 addr);
    in->dst = *from;
    dp_peer_set_remote(&in->dp, from);
}

/* Events of the datapath. Nothing here frees an instance: a soft reset is only started, its
 * packets go out from the session timer, so later events of the batch stay valid. */
static void on_dp_event(struct server *srv, const struct dp_event *ev)
{
    struct server_inst *in = ev->peer ? ev->peer->owner : NULL;

    if (!in)
        return;
    switch (ev->type) {
    case DP_EV_FLOAT:
        on_float(srv, in, &ev->from);
        break;
    case DP_EV_EXIT:
        if (!in->leaving) {
            log_peer_msg(LOG_L_INFO, in->prefix, "OCC EXIT message received by peer");
            log_peer_msg(LOG_L_INFO, in->prefix, "Delayed exit in %u seconds",
                         SERVER_DELAYED_EXIT_S);
            in->leaving = true;
            schedule(srv, &in->t_leave, now_of(srv) + SERVER_DELAYED_EXIT_S * 1000u);
        }
        break;
    case DP_EV_RENEGOTIATE:
        if (session_renegotiate(in->s, now_of(srv)) == SESSION_OK)
            schedule(srv, &in->t_session, now_of(srv));
        break;
    default:
        break; /* OCC requests: a TLS-mode peer needs no answer */
    }
}

/* reneg-bytes / reneg-pkts: each session counts its keys' data; nothing is counted (no cost
 * per packet) unless one of them is configured. */
static bool counting(const struct server *srv)
{
    return srv->keys.sp.reneg_bytes || srv->keys.sp.reneg_pkts;
}

static void count_data(struct dp_peer *peer, uint8_t key_id, size_t len)
{
    struct server_inst *in = peer ? peer->owner : NULL;

    if (!in)
        return;
    session_count_data(in->s, key_id, len, 1);
    /* Per packet: touch the timer queue only once the count made the soft reset due. */
    if (session_next_deadline(in->s) <= now_of(in->srv))
        inst_timer_update(in);
}

static void on_udp(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct server *srv = ctx;
    const struct dp_rx_out *o;

    (void)l;
    (void)fd;
    (void)events;
    if (runtime_rx_batch(srv->rx, srv->udp) <= 0)
        return;
    o = tunnel_from_net(srv->tun, srv->dp, NULL, srv->rx, now_of(srv));
    if (counting(srv))
        for (size_t i = 0; i < srv->rx->n; i++)
            count_data(o->peer[i], o->key_id[i], pktbuf_len(srv->rx->bufs[i]));
    for (size_t i = 0; i < o->n_ev; i++)
        on_dp_event(srv, &o->ev[i]);
    for (size_t i = 0; i < o->n_control; i++)
        receive_control(srv, srv->rx->bufs[o->control[i]], &srv->rx->meta[o->control[i]]);
}

static void on_tun(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct server *srv = ctx;
    const struct dp_tx_out *o;
    int n;

    (void)l;
    (void)fd;
    (void)events;
    o = tunnel_from_tun(srv->tun, srv->dp, NULL, srv->udp, now_of(srv), &n);
    if (counting(srv))
        for (size_t i = 0; i < o->n_send; i++)
            count_data(o->peer[i], o->key_id[i], pktbuf_len(o->send[i]));
    for (size_t i = 0; i < o->n_ev; i++)
        on_dp_event(srv, &o->ev[i]);
    if (n < 0) {
        log_msg(LOG_L_FATAL, "tun device read failed: %s", strerror(-n));
        stop(srv, RUNTIME_FATAL);
    }
}

static void keepalive_timer(struct server_inst *in)
{
    struct server *srv = in->srv;
    uint64_t now = now_of(srv);

    if (dp_restart_due(&in->dp, now)) {
        bool exit = srv->c->net.ping_action == CONF_PING_EXIT;
        log_peer_msg(LOG_L_INFO, in->prefix, "[%s] Inactivity timeout (--ping-%s), %s",
                     in->cn[0] ? in->cn : "UNDEF", exit ? "exit" : "restart",
                     exit ? "exiting" : "restarting");
        log_peer_msg(LOG_L_INFO, in->prefix,
                     "SIGUSR1[soft,ping-restart] received, "
                     "client-instance restarting");
        inst_free(in);
        return;
    }
    if (dp_ping_due(&in->dp, now))
        (void)tunnel_send_inband(srv->tun, srv->dp, &in->dp, srv->udp, now, false);
    keepalive_schedule(in);
}

static void write_status_file(struct server *srv);

static void on_timer(struct loop *l, struct timerq_entry *e, void *owner, void *ctx)
{
    struct server *srv = ctx;
    struct server_inst *in = owner;

    (void)l;
    if (e == &srv->t_status) {
        write_status_file(srv);
    } else if (e == &srv->t_exit) {
        log_msg(LOG_L_INFO, "SIGTERM[hard,] received, process exiting");
        stop(srv, RUNTIME_EXIT);
    } else if (e->kind == RUNTIME_T_KEEPALIVE) {
        keepalive_timer(in);
    } else if (e->kind == RUNTIME_T_INSTANCE) {
        log_peer_msg(LOG_L_INFO, in->prefix,
                     "SIGTERM[soft,delayed-exit] received, client-instance exiting");
        inst_free(in);
    } else {
        session_timeout(in->s, now_of(srv));
        inst_pump(in);
    }
}

/* SIGTERM with explicit-exit-notify: every client is told to reconnect (RESTART). */
static bool notify_clients(struct server *srv)
{
    bool any = false;

    if (srv->c->ce.explicit_exit_notify <= 0)
        return false;
    for (uint32_t id = peertab_next_id(srv->tab, 0); id != PEERTAB_ID_UNSET;
         id = peertab_next_id(srv->tab, id + 1)) {
        struct server_inst *in = peertab_by_id(srv->tab, id);
        if (!in->established || session_close(in->s, "RESTART", now_of(srv)) != SESSION_OK)
            continue;
        log_peer_msg(RUNTIME_V_DETAIL, in->prefix, "SENT CONTROL [%s]: 'RESTART' (status=1)",
                     in->cn);
        any = true;
        (void)inst_pump(in);
    }
    return any;
}

/*
 * SIGUSR2: one status line (openvpn's status block is not built yet). The heap figures let an
 * operator, and tests/interop/test_spoofed_resets.sh, see that traffic which never became a
 * client left nothing allocated behind.
 */
static void log_status(const struct server *srv)
{
    size_t in_use = 0, arena = 0;

#if defined(__GLIBC__) && defined(__GLIBC_MINOR__)
#if __GLIBC__ > 2 || __GLIBC_MINOR__ >= 33
    struct mallinfo2 mi = mallinfo2();
    in_use = mi.uordblks + mi.hblkhd;
    arena = mi.arena + mi.hblkhd;
#endif
#endif
    log_msg(LOG_L_INFO,
            "SIGUSR2 status: clients=%" PRIu32 ", heap in use=%zu bytes, heap arena=%zu bytes, "
            "data packets dropped=%" PRIu64,
            peertab_count(srv->tab), in_use, arena, dp_drops_total(srv->dp));
}

/* ---- openvpn's status (ops-interfaces.md §4) ---- */

struct status_row_text {
    char real[80], v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
};

struct status_job {
    struct status_server s;
    enum status_version v;
};

static int format_server(const void *ctx, char *out, size_t cap)
{
    const struct status_job *j = ctx;

    return status_format_server(&j->s, j->v, out, cap);
}

static void status_row(const struct server_inst *in, int64_t wall, uint64_t now,
                       struct status_client *row, struct status_row_text *t)
{
    const struct dp_peer_stats *st = &in->dp.stats;
    uint64_t idle_s = now > in->dp.last_rx ? (now - in->dp.last_rx) / 1000u : 0;

    runtime_addr_plain(&in->dst.peer, t->real, sizeof(t->real));
    if (in->has_lease && in->lease.has_v4)
        runtime_ipv4(in->lease.v4_client, t->v4, sizeof(t->v4));
    if (in->has_lease && in->lease.has_v6)
        runtime_ipv6(in->lease.v6_client, t->v6, sizeof(t->v6));
    row->common_name = in->cn;
    row->real_address = t->real;
    row->virt_v4 = t->v4;
    row->virt_v6 = t->v6;
    row->cipher = session_negotiated(in->s)->cipher;
    row->bytes_received = st->rx_link_bytes;
    row->bytes_sent = st->tx_link_bytes;
    row->connected_since = in->since;
    row->last_ref = wall - (int64_t)idle_s;
    row->client_id = in->id;
    row->peer_id = in->id;
}

/* The status text of every established client (malloc'd), or NULL (logged). */
static char *status_text(struct server *srv)
{
    uint32_t cap = peertab_count(srv->tab) + 1u;
    /* malloc, not calloc: glibc's calloc bypasses the thread cache, so every SIGUSR2 would
     * park two more chunks there and the heap figure below would creep up without a leak. */
    struct status_client *rows = malloc(cap * sizeof(*rows));
    struct status_row_text *text = malloc(cap * sizeof(*text));
    struct status_job j = { .v = (enum status_version)srv->c->log.status_version };
    int64_t wall = clock_wall_s();
    size_t n = 0;
    char *out = NULL;

    if (rows && text) {
        memset(rows, 0, cap * sizeof(*rows));
        memset(text, 0, cap * sizeof(*text));
        for (uint32_t id = peertab_next_id(srv->tab, 0); id != PEERTAB_ID_UNSET && n < cap;
             id = peertab_next_id(srv->tab, id + 1)) {
            const struct server_inst *in = peertab_by_id(srv->tab, id);
            if (!in->established)
                continue;
            status_row(in, wall, now_of(srv), &rows[n], &text[n]);
            n++;
        }
        j.s = (struct status_server){ .title = RUNTIME_STATUS_TITLE,
                                      .now = wall,
                                      .utc_offset_s = clock_utc_offset_s(wall),
                                      .clients = rows,
                                      .n_clients = n };
        out = runtime_status_text(format_server, &j);
    }
    free(rows);
    free(text);
    return out;
}

static void write_status_file(struct server *srv)
{
    char *text;

    if (!srv->c->log.status_file)
        return;
    text = status_text(srv);
    if (text)
        runtime_status_write(srv->c->log.status_file, text);
    free(text);
    if (srv->c->log.status_interval > 0)
        schedule(srv, &srv->t_status, now_of(srv) + (uint64_t)srv->c->log.status_interval * 1000u);
}

static void on_signal(struct loop *l, int signo, void *ctx)
{
    struct server *srv = ctx;
    const char *name = runtime_signal_name(signo);

    (void)l;
    if (signo == SIGUSR2) {
        char *text = status_text(srv);
        if (text)
            runtime_status_log(text);
        free(text);
        log_status(srv);
        tunnel_log_counters(srv->tun, srv->dp, srv->udp);
        return;
    }
    if (srv->exiting)
        return;
    if (signo == SIGHUP || signo == SIGUSR1) {
        log_msg(LOG_L_INFO, "%s[hard,] received, process restarting", name);
        stop(srv, signo == SIGHUP ? RUNTIME_RELOAD : RUNTIME_RESTART);
        return;
    }
    srv->exiting = true;
    if (notify_clients(srv)) {
        schedule(srv, &srv->t_exit, now_of(srv) + SERVER_EXIT_WAIT_MS);
        return;
    }
    log_msg(LOG_L_INFO, "%s[hard,] received, process exiting", name);
    stop(srv, RUNTIME_EXIT);
}

/* ---- set-up ---- */

static int open_socket(struct server *srv)
{
    const struct conf_conn *e = &srv->c->ce;
    struct udp_params up;
    char err[256], local[INET6_ADDRSTRLEN + 1], text[128];
    const char *tag;

    memset(&up, 0, sizeof(up));
    up.proto = e->proto == CONF_PROTO_UDP4   ? UDP_PROTO_UDP4
               : e->proto == CONF_PROTO_UDP6 ? UDP_PROTO_UDP6
                                             : UDP_PROTO_UDP;
    /* `bind ipv6only`: an IPv6 socket that does not take IPv4 (IPV6_V6ONLY). */
    if (e->bind_ipv6only && up.proto == UDP_PROTO_UDP)
        up.proto = UDP_PROTO_UDP6;
    if (e->local && runtime_numeric_host(e->local, local, sizeof(local)) < 0)
        return -1;
    up.local = e->local ? local : NULL;
    up.port = (uint16_t)e->local_port;
    up.sndbuf = srv->c->net.sndbuf;
    up.rcvbuf = srv->c->net.rcvbuf;
    srv->udp = udp_open(&up, err, sizeof(err));
    if (!srv->udp) {
        log_msg(LOG_L_FATAL, "%s", err);
        return -1;
    }
    if (loop_add_fd(srv->loop, udp_fd(srv->udp), LOOP_IN, 0, on_udp, srv) != 0)
        return -1;
    if (udp_buffers_format(srv->udp, text, sizeof(text)) == 0)
        log_msg(RUNTIME_V_DETAIL, "%s", text);
    tag = udp_family(srv->udp) == AF_INET6 ? "UDPv6" : "UDPv4";
    runtime_addr_full(udp_bound(srv->udp), text, sizeof(text));
    log_msg(LOG_L_INFO, "%s link local (bound): %s", tag, text);
    log_msg(LOG_L_INFO, "%s link remote: [AF_UNSPEC]", tag);
    return 0;
}

static int tables_new(struct server *srv)
{
    uint8_t key[PEERTAB_KEY_LEN];
    int rc;

    keys_rand(NULL, key, sizeof(key));
    srv->tab = peertab_new((uint32_t)srv->c->srv.max_clients, key);
    secret_wipe(key, sizeof(key));
    if (!srv->tab) {
        log_msg(LOG_L_FATAL, "cannot allocate the client table (max-clients %d)",
                srv->c->srv.max_clients);
        return -1;
    }
    srv->keys.lp.wall_time_s = (uint32_t)clock_wall_s();
    rc = session_listener_new(&srv->keys.lp, &srv->listener);
    if (rc != SESSION_OK) {
        log_msg(LOG_L_FATAL, "cannot set up the listener: %s", session_strerror(rc));
        return -1;
    }
    ratelimit_init(&srv->drop_rl, SERVER_DROP_LOG_RATE, SERVER_DROP_LOG_BURST);
    return pool_new(srv);
}

static struct dp_peer *peer_of_inst(void *stored)
{
    return &((struct server_inst *)stored)->dp;
}

static int data_channel_new(struct server *srv)
{
    const struct conf *c = srv->c;
    uint8_t key[VADDR_KEY_LEN];
    struct dp_params p;
    char why[256];

    keys_rand(NULL, key, sizeof(key));
    srv->routes = vaddr_new(2u * (uint32_t)c->srv.max_clients, SERVER_ROUTES_MAX, key);
    secret_wipe(key, sizeof(key));
    if (!srv->routes) {
        log_msg(LOG_L_FATAL, "cannot allocate the tunnel address table");
        return -1;
    }
    if (tunnel_comp(c, NULL, &srv->comp, why, sizeof(why)) < 0) {
        log_msg(LOG_L_FATAL, "%s", why);
        return -1;
    }
    tunnel_dp_params(c, DP_SERVER, c->ce.proto == CONF_PROTO_UDP6, &p);
    p.peer_of = peer_of_inst;
    if (dp_new(&p, srv->tab, srv->routes, &srv->dp) != DP_OK) {
        log_msg(LOG_L_FATAL, "cannot set up the data channel");
        return -1;
    }
    return 0;
}

/* ifconfig / ifconfig-ipv6 and the routes (`route`, or what the server macro adds for net30:
 * via the point-to-point peer). */
static int configure_tun(struct server *srv)
{
    const struct conf_dev *d = &srv->c->dev;
    bool subnet = d->topology == CONF_TOPOLOGY_SUBNET;

    if (tunnel_conf_addresses(srv->tun, d, true, true, subnet) < 0)
        return -1;
    return tunnel_conf_routes(srv->tun, &srv->c->route, subnet ? 0 : d->ifconfig_remote);
}

static int open_tun(struct server *srv)
{
    srv->tun = tunnel_open(srv->c, (unsigned)srv->c->ce.tun_mtu);
    if (!srv->tun)
        return -1;
    if (loop_add_fd(srv->loop, tunnel_fd(srv->tun), LOOP_IN, 0, on_tun, srv) != 0) {
        log_msg(LOG_L_FATAL, "cannot watch the tun device");
        return -1;
    }
    return configure_tun(srv);
}

static int server_setup(struct server *srv, const struct conf *c, struct loop *loop)
{
    char err[KEYS_ERR_MAX];

    srv->c = c;
    srv->loop = loop;
    srv->end = RUNTIME_EXIT;
    timerq_entry_init(&srv->t_exit, srv, RUNTIME_T_EXIT);
    timerq_entry_init(&srv->t_status, srv, RUNTIME_T_STATUS);
    if (keys_init(&srv->keys, c, err, sizeof(err)) < 0) {
        log_msg(LOG_L_FATAL, "%s", err);
        return -1;
    }
    if (c->net.inactive > 0)
        log_msg(LOG_L_WARN,
                "WARNING: 'inactive' is not enforced per client by a Sluice server; "
                "push it to the clients instead (push \"inactive %d\")",
                c->net.inactive);
    if (c->tls.dh.path || c->tls.dh.is_inline)
        log_msg(LOG_L_WARN, "WARNING: 'dh' parameters are not used: Sluice offers ECDHE key "
                            "exchange only, as with 'dh none'");
    srv->rx = malloc(sizeof(*srv->rx));
    if (!srv->rx) {
        log_msg(LOG_L_FATAL, "out of memory");
        return -1;
    }
    runtime_rx_init(srv->rx);
    loop_on_signal(loop, on_signal, srv);
    for (int k = RUNTIME_T_SESSION; k <= RUNTIME_T_STATUS; k++)
        if (loop_on_timer(loop, k, on_timer, srv) != 0)
            return -1;
    if (tables_new(srv) < 0 || open_socket(srv) < 0 || data_channel_new(srv) < 0 ||
        open_tun(srv) < 0)
        return -1;
    log_msg(LOG_L_INFO, "Initialization Sequence Completed");
    write_status_file(srv);
    return 0;
}

static void server_teardown(struct server *srv)
{
    if (srv->tab && srv->listener && srv->dp)
        write_status_file(srv); /* the last state, as openvpn leaves it at exit */
    if (srv->tab)
        free_all(srv);
    timerq_cancel(loop_timerq(srv->loop), &srv->t_exit);
    timerq_cancel(loop_timerq(srv->loop), &srv->t_status);
    if (srv->udp) {
        loop_del_fd(srv->loop, udp_fd(srv->udp));
        udp_close(srv->udp);
    }
    loop_on_signal(srv->loop, NULL, NULL);
    /* Only an out-of-range kind fails, and these are constants. */
    for (int k = RUNTIME_T_SESSION, rc = 0; k <= RUNTIME_T_STATUS; k++) {
        rc |= loop_on_timer(srv->loop, k, NULL, NULL);
        (void)rc;
    }
    if (srv->tun) {
        loop_del_fd(srv->loop, tunnel_fd(srv->tun));
        tunnel_close(srv->tun);
    }
    dp_free(srv->dp);
    vaddr_free(srv->routes);
    session_listener_free(srv->listener);
    peertab_free(srv->tab);
    ippool_free(srv->pool);
    free(srv->rx);
    keys_cleanup(&srv->keys);
}

enum runtime_end server_run(const struct conf *c, struct loop *loop)
{
    struct server *srv = calloc(1, sizeof(*srv));
    enum runtime_end end = RUNTIME_FATAL;

    if (!srv) {
        log_msg(LOG_L_FATAL, "out of memory");
        return RUNTIME_FATAL;
    }
    if (server_setup(srv, c, loop) == 0) {
        int rc = loop_run(loop);
        end = srv->end;
        if (rc < 0) {
            log_msg(LOG_L_FATAL, "event loop failed: %s", strerror(-rc));
            end = RUNTIME_FATAL;
        }
    }
    server_teardown(srv);
    secret_wipe(srv, sizeof(*srv));
    free(srv);
    return end;
}
