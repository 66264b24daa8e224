/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client runtime, see include/client.h. One struct client per run; one session and one UDP
 * socket per connection attempt. Log lines use openvpn 2.6.14's wording (tests/interop/README.md
 * and the captured client logs there).
 */
#include "config.h"

#include "client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "clock.h"
#include "conf_file.h"
#include "datapath.h"
#include "keys.h"
#include "log.h"
#include "push.h"
#include "secret.h"
#include "status.h"
#include "timerq.h"
#include "tunnel.h"

#define CLIENT_BACKOFF_AFTER 5u    /* attempts per remote before the pause starts doubling */
#define CLIENT_EXIT_WAIT_MS  2000u /* explicit-exit-notify: time to deliver the EXIT */
#define CLIENT_NAME_MAX      256u
#define CLIENT_EXIT_COPIES   5u /* OCC EXIT datagrams sent at most (no acknowledgement) */

struct client {
    const struct conf *c;
    struct loop *loop;
    struct keys keys;
    struct session_params sp;
    struct runtime_rx *rx;

    size_t conn;       /* index into c->conn_list */
    unsigned attempts; /* unsuccessful attempts in a row, for the back-off */
    unsigned passes;   /* full passes over the list without success (connect-retry-max) */
    struct udp *udp;
    struct udp_meta dst; /* the server */
    char remote[80];     /* "[AF_INET]198.18.50.1:1194" */
    struct session *s;
    bool initial; /* "TLS: Initial packet" was logged */
    bool up;      /* Initialization Sequence Completed */
    char peer_cn[CLIENT_NAME_MAX];
    char tls_desc[SESSION_TLS_DESC_MAX]; /* "Control Channel: ..." until the key exchange */
    uint32_t peer_id;
    bool has_peer_id;
    uint32_t ping, ping_restart;
    bool ping_exit;        /* the restart timeout exits (ping-exit) */
    uint64_t key_at;       /* when the current data key was installed (soft reset log) */
    uint64_t data_dropped; /* data packets received while there is no tun device */

    /* Data channel: the datapath lives for the run, the peer for one connection attempt. The
     * tun device lives for one connection, or for the run with persist-tun. */
    struct datapath *dp;
    struct dp_peer peer;
    struct tunnel *tun;
    bool tun_configured; /* addresses and routes of a push are installed */
    unsigned inactive_s; /* inactive N [BYTES], configured or pushed; 0: off */
    uint64_t inactive_bytes;
    struct tunnel_idle idle;

    /* Counters of the connections before this one, for the status (openvpn's are per run). */
    struct status_client_stats done;

    struct timerq_entry t_session, t_retry, t_exit, t_keepalive, t_inactive, t_status;
    bool exiting;
    enum runtime_end end;

    /* auth-user-pass, read once per run and kept for every reconnect and renegotiation
     * (auth-nocache is not built); wiped with the struct. Each ends in its NUL. */
    char user[KEYEX_USER_PASS_MAX];
    char pass[KEYEX_USER_PASS_MAX];
};

static uint64_t now_of(const struct client *cl)
{
    return loop_now(cl->loop);
}

static const struct conf_conn *conn_of(const struct client *cl)
{
    return &cl->c->conn_list[cl->conn];
}

static void stop(struct client *cl, enum runtime_end end)
{
    cl->end = end;
    loop_stop(cl->loop);
}

/* ---- timers ---- */

static void schedule(struct client *cl, struct timerq_entry *e, uint64_t at)
{
    if (timerq_schedule(loop_timerq(cl->loop), e, at) != 0) {
        log_msg(LOG_L_FATAL, "out of memory scheduling a timer");
        stop(cl, RUNTIME_FATAL);
    }
}

static void session_timer_update(struct client *cl)
{
    uint64_t d = cl->s ? session_next_deadline(cl->s) : UINT64_MAX;

    if (d == UINT64_MAX)
        timerq_cancel(loop_timerq(cl->loop), &cl->t_session);
    else
        schedule(cl, &cl->t_session, d);
}

/* ---- connection attempt: socket and session ---- */

static void close_tun(struct client *cl)
{
    if (!cl->tun)
        return;
    loop_del_fd(cl->loop, tunnel_fd(cl->tun));
    tunnel_close(cl->tun);
    cl->tun = NULL;
    cl->tun_configured = false;
}

/* What this connection moved, added to the counters of the earlier ones. */
static void connection_stats(const struct client *cl, struct status_client_stats *s)
{
    const struct dp_peer_stats *p = &cl->peer.stats;

    *s = cl->done;
    s->tun_read_bytes += p->tx_bytes;
    s->tun_write_bytes += p->rx_bytes;
    s->auth_read_bytes += p->rx_link_bytes;
    if (cl->udp) {
        s->link_read_bytes += udp_stats(cl->udp)->rx_bytes;
        s->link_write_bytes += udp_stats(cl->udp)->tx_bytes;
    }
}

/* keep_tun: persist-tun on a restart keeps the device, its addresses and routes. */
static void close_connection(struct client *cl, bool keep_tun)
{
    connection_stats(cl, &cl->done);
    memset(&cl->peer.stats, 0, sizeof(cl->peer.stats)); /* counted once, in done */
    timerq_cancel(loop_timerq(cl->loop), &cl->t_session);
    timerq_cancel(loop_timerq(cl->loop), &cl->t_keepalive);
    timerq_cancel(loop_timerq(cl->loop), &cl->t_inactive);
    session_free(cl->s);
    cl->s = NULL;
    dp_peer_cleanup(&cl->peer);
    if (cl->udp) {
        loop_del_fd(cl->loop, udp_fd(cl->udp));
        udp_close(cl->udp);
        cl->udp = NULL;
    }
    if (!keep_tun)
        close_tun(cl);
}

static int resolve(const struct conf_conn *e, struct peertab_addr *out)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = e->proto == CONF_PROTO_UDP4   ? AF_INET
                      : e->proto == CONF_PROTO_UDP6 ? AF_INET6
                                                    : AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%d", e->remote_port);
    rc = getaddrinfo(e->remote, port, &hints, &res);
    if (rc != 0) {
        log_msg(LOG_L_ERROR, "RESOLVE: Cannot resolve host address: %s:%s (%s)", e->remote, port,
                gai_strerror(rc));
        return -1;
    }
    rc = peertab_addr_from_sockaddr(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return rc == PEERTAB_OK ? 0 : -1;
}

static void on_udp(struct loop *l, int fd, uint32_t events, void *ctx);

static int open_socket(struct client *cl, const struct conf_conn *e)
{
    struct udp_params up;
    char err[256], bufs[128], local[INET6_ADDRSTRLEN + 1];
    bool v6 = cl->dst.peer.family == AF_INET6;
    const char *tag = v6 ? "UDPv6" : "UDPv4";

    memset(&up, 0, sizeof(up));
    up.proto = v6 ? UDP_PROTO_UDP6 : UDP_PROTO_UDP4;
    if (e->bind && e->local && runtime_numeric_host(e->local, local, sizeof(local)) < 0)
        return -1;
    up.local = e->bind && e->local ? local : NULL;
    up.port = e->bind ? (uint16_t)e->local_port : 0;
    up.sndbuf = cl->c->net.sndbuf;
    up.rcvbuf = cl->c->net.rcvbuf;
    cl->udp = udp_open(&up, err, sizeof(err));
    if (!cl->udp) {
        log_msg(LOG_L_ERROR, "%s", err);
        return -1;
    }
    if (loop_add_fd(cl->loop, udp_fd(cl->udp), LOOP_IN, 0, on_udp, cl) != 0) {
        log_msg(LOG_L_ERROR, "cannot watch the UDP socket");
        return -1;
    }
    if (udp_buffers_format(cl->udp, bufs, sizeof(bufs)) == 0)
        log_msg(RUNTIME_V_DETAIL, "%s", bufs);
    if (e->bind) {
        runtime_addr_full(udp_bound(cl->udp), bufs, sizeof(bufs));
        log_msg(LOG_L_INFO, "%s link local (bound): %s", tag, bufs);
    } else {
        log_msg(LOG_L_INFO, "%s link local: (not bound)", tag);
    }
    log_msg(LOG_L_INFO, "%s link remote: %s", tag, cl->remote);
    return 0;
}

/* The peer's data-channel state with what the configuration says until the push. */
static int start_data_channel(struct client *cl)
{
    const struct conf *c = cl->c;
    struct comp comp;
    char why[256];

    if (dp_peer_init(&cl->peer, cl->dp, now_of(cl)) != DP_OK) {
        log_msg(LOG_L_ERROR, "out of memory for the data channel");
        return -1;
    }
    dp_peer_set_remote(&cl->peer, &cl->dst);
    if (tunnel_comp(c, NULL, &comp, why, sizeof(why)) < 0) {
        log_msg(LOG_L_ERROR, "%s", why);
        return -1;
    }
    dp_peer_set_comp(&cl->peer, &comp);
    cl->ping = (uint32_t)c->net.ping;
    cl->ping_restart = (uint32_t)c->net.ping_rec;
    cl->ping_exit = c->net.ping_action == CONF_PING_EXIT;
    cl->inactive_s = (unsigned)c->net.inactive;
    cl->inactive_bytes = (uint64_t)c->net.inactive_bytes;
    return 0;
}

static int start_session(struct client *cl)
{
    int rc;

    cl->sp = cl->keys.sp;
    cl->sp.wall_time_s = (uint32_t)clock_wall_s();
    cl->sp.transport_overhead =
        cl->dst.peer.family == AF_INET6 ? SESSION_IPV6_OVERHEAD : SESSION_IPV4_OVERHEAD;
    rc = session_new_client(&cl->sp, now_of(cl), &cl->s);
    if (rc != SESSION_OK) {
        log_msg(LOG_L_ERROR, "cannot start the control channel: %s", session_strerror(rc));
        return -1;
    }
    cl->initial = false;
    cl->has_peer_id = false;
    cl->peer_cn[0] = '\0';
    return start_data_channel(cl);
}

static void restart(struct client *cl, const char *signame, const char *how, const char *why);
static void pump(struct client *cl);

static void connect_now(struct client *cl)
{
    const struct conf_conn *e = conn_of(cl);

    memset(&cl->dst, 0, sizeof(cl->dst));
    if (resolve(e, &cl->dst.peer) < 0) {
        restart(cl, "SIGUSR1", "soft", "init_instance");
        return;
    }
    runtime_addr_full(&cl->dst.peer, cl->remote, sizeof(cl->remote));
    if (open_socket(cl, e) < 0 || start_session(cl) < 0) {
        restart(cl, "SIGUSR1", "soft", "init_instance");
        return;
    }
    pump(cl);
}

/* connect-retry: 1 s for the first attempts, then doubling up to the configured maximum. */
static unsigned retry_pause(const struct client *cl)
{
    const struct conf_conn *e = conn_of(cl);
    unsigned sec = (unsigned)(e->connect_retry > 0 ? e->connect_retry : 1);
    unsigned n = cl->attempts > CLIENT_BACKOFF_AFTER ? cl->attempts - CLIENT_BACKOFF_AFTER : 0;

    for (unsigned i = 0; i < n && i < 16 && sec < (unsigned)e->connect_retry_cap; i++)
        sec *= 2;
    if (sec > (unsigned)e->connect_retry_cap && e->connect_retry_cap > 0)
        sec = (unsigned)e->connect_retry_cap;
    return sec;
}

/* A failed attempt moves on to the next remote; connect-retry-max counts whole passes. */
static bool next_remote(struct client *cl)
{
    int max = cl->c->net.connect_retry_max;

    cl->attempts++;
    if (++cl->conn < cl->c->n_conn_list)
        return true;
    cl->conn = 0;
    cl->passes++;
    if (max > 0 && cl->passes >= (unsigned)max) {
        log_msg(LOG_L_INFO,
                "All connections have been connect-retry-max (%d) times unsuccessful, "
                "exiting",
                max);
        return false;
    }
    return true;
}

static void restart(struct client *cl, const char *signame, const char *how, const char *why)
{
    bool was_up = cl->up;

    log_msg(LOG_L_INFO, "%s[%s,%s] received, process restarting", signame, how, why);
    close_connection(cl, cl->c->dev.persist_tun);
    cl->up = false;
    if (!was_up && !next_remote(cl)) {
        stop(cl, RUNTIME_EXIT);
        return;
    }
    unsigned sec = retry_pause(cl);
    log_msg(LOG_L_INFO, "Restart pause, %u second(s)", sec);
    schedule(cl, &cl->t_retry, now_of(cl) + (uint64_t)sec * 1000u);
}

static void exit_now(struct client *cl, const char *how, const char *why)
{
    log_msg(LOG_L_INFO, "SIGTERM[%s,%s] received, process exiting", how, why);
    close_connection(cl, false);
    stop(cl, RUNTIME_EXIT);
}

/* ---- the pushed settings ---- */

static void log_import(const struct push_settings *p)
{
    unsigned h = p->have;

    if (h & (PUSH_HAVE_PING | PUSH_HAVE_PING_RESTART | PUSH_HAVE_PING_EXIT | PUSH_HAVE_INACTIVE))
        log_msg(RUNTIME_V_DEBUG, "OPTIONS IMPORT: timers and/or timeouts modified");
    if (h & PUSH_HAVE_EXIT_NOTIFY)
        log_msg(RUNTIME_V_DETAIL, "OPTIONS IMPORT: explicit notify parm(s) modified");
    if (h & PUSH_HAVE_COMPRESS)
        log_msg(RUNTIME_V_DEBUG, "OPTIONS IMPORT: compression parms modified");
    if (h & (PUSH_HAVE_IFCONFIG | PUSH_HAVE_IFCONFIG_IPV6 | PUSH_HAVE_TOPOLOGY))
        log_msg(RUNTIME_V_DETAIL, "OPTIONS IMPORT: --ifconfig/up options modified");
    if ((h & (PUSH_HAVE_ROUTE_GATEWAY | PUSH_HAVE_ROUTE_METRIC)) || p->n_routes || p->n_routes6 ||
        p->redirect_gateway || p->redirect_private || p->block_ipv6)
        log_msg(RUNTIME_V_DETAIL, "OPTIONS IMPORT: route-related options modified");
    if (p->n_dhcp)
        log_msg(RUNTIME_V_DETAIL,
                "OPTIONS IMPORT: --ip-win32 and/or --dhcp-option options modified");
    if (h & PUSH_HAVE_PEER_ID)
        log_msg(RUNTIME_V_DEBUG, "OPTIONS IMPORT: peer-id set");
    if (h & (PUSH_HAVE_CIPHER | PUSH_HAVE_PROTOCOL_FLAGS | PUSH_HAVE_AUTH))
        log_msg(RUNTIME_V_DEBUG, "OPTIONS IMPORT: data channel crypto options modified");
    if (h & PUSH_HAVE_TUN_MTU)
        log_msg(RUNTIME_V_DETAIL, "OPTIONS IMPORT: tun-mtu set to %u", p->tun_mtu);
    for (size_t i = 0; i < p->n_unknown && i < PUSH_MAX_UNKNOWN; i++)
        log_msg(LOG_L_WARN,
                "Options error: Unrecognized option or missing or extra parameter(s) in "
                "[PUSH-OPTIONS]:1: %s (%s)",
                p->unknown[i], KEYS_VERSION_STR);
}

static void on_tun(struct loop *l, int fd, uint32_t events, void *ctx);

/* The gateway of a pushed IPv4 route; false (logged) for one Sluice cannot install. */
static bool route_gateway(const struct push_settings *p, const struct push_route *r, bool subnet,
                          uint32_t *gw)
{
    switch (r->gw) {
    case PUSH_GW_ADDR:
        *gw = r->gateway;
        return true;
    case PUSH_GW_DEFAULT:
    case PUSH_GW_VPN:
        if (p->have & PUSH_HAVE_ROUTE_GATEWAY)
            *gw = p->route_gateway;
        else
            *gw = subnet ? 0 : p->ifconfig_remote;
        return true;
    default:
        log_msg(LOG_L_WARN, "WARNING: pushed route via net_gateway / remote_host is not "
                            "supported by Sluice: ignored");
        return false;
    }
}

static int install_routes(struct client *cl, const struct push_settings *p, bool subnet)
{
    uint32_t gw;
    int metric = (p->have & PUSH_HAVE_ROUTE_METRIC) ? (int)p->route_metric : -1;

    for (size_t i = 0; i < p->n_routes; i++) {
        const struct push_route *r = &p->routes[i];
        if (route_gateway(p, r, subnet, &gw) &&
            tunnel_route4(cl->tun, r->network, r->netmask, gw,
                          r->has_metric ? (int)r->metric : metric) < 0)
            return -1;
    }
    for (size_t i = 0; i < p->n_routes6; i++) {
        const struct push_route6 *r = &p->routes6[i];
        if (tunnel_route6(cl->tun, r->network, r->bits, r->has_metric ? (int)r->metric : -1) < 0)
            return -1;
    }
    if (p->redirect_gateway || p->redirect_private)
        log_msg(LOG_L_WARN, "WARNING: pushed redirect-gateway is not supported by Sluice yet: "
                            "the default route is left alone");
    return 0;
}

/* `route` / `route-ipv6` of the configuration go via the pushed route-gateway (net30: the
 * pushed peer) unless they name their own gateway. */
static uint32_t vpn_gateway(const struct push_settings *p, bool subnet)
{
    if (p->have & PUSH_HAVE_ROUTE_GATEWAY)
        return p->route_gateway;
    return subnet ? 0 : p->ifconfig_remote;
}

/* ifconfig, ifconfig-ipv6 and the routes of the push, on a device opened for it. */
static int configure_tun(struct client *cl, const struct push_settings *p)
{
    unsigned mtu = (p->have & PUSH_HAVE_TUN_MTU) ? p->tun_mtu : (unsigned)cl->c->ce.tun_mtu;
    bool subnet =
        p->topology == PUSH_TOPOLOGY_SUBNET ||
        (p->topology == PUSH_TOPOLOGY_UNSET && cl->c->dev.topology == CONF_TOPOLOGY_SUBNET);

    if (cl->tun_configured)
        return 0; /* persist-tun: kept from the previous connection */
    if (!cl->tun) {
        cl->tun = tunnel_open(cl->c, mtu);
        if (!cl->tun)
            return -1;
        if (loop_add_fd(cl->loop, tunnel_fd(cl->tun), LOOP_IN, 0, on_tun, cl) != 0) {
            log_msg(LOG_L_ERROR, "cannot watch the tun device");
            return -1;
        }
    }
    if ((p->have & PUSH_HAVE_IFCONFIG) &&
        tunnel_addr4(cl->tun, p->ifconfig_local, p->ifconfig_remote, subnet) < 0)
        return -1;
    if ((p->have & PUSH_HAVE_IFCONFIG_IPV6) &&
        tunnel_addr6(cl->tun, p->ifconfig6_local, p->ifconfig6_bits) < 0)
        return -1;
    /* The configuration's own ifconfig / ifconfig-ipv6 only for what the push did not set. */
    if (tunnel_conf_addresses(cl->tun, &cl->c->dev, !(p->have & PUSH_HAVE_IFCONFIG),
                              !(p->have & PUSH_HAVE_IFCONFIG_IPV6), subnet) < 0 ||
        install_routes(cl, p, subnet) < 0 ||
        tunnel_conf_routes(cl->tun, &cl->c->route, vpn_gateway(p, subnet)) < 0)
        return -1;
    cl->tun_configured = true;
    return 0;
}

/* Peer-id, compression and timers of the push for the data channel; false: restart. */
static bool apply_data_settings(struct client *cl, const struct push_settings *p)
{
    struct comp comp;
    char why[256];

    cl->has_peer_id = (p->have & PUSH_HAVE_PEER_ID) != 0;
    cl->peer_id = p->peer_id;
    dp_peer_set_peer_id(&cl->peer, cl->has_peer_id, cl->peer_id);
    if (p->have & PUSH_HAVE_COMPRESS) {
        if (tunnel_comp(cl->c, p->compress, &comp, why, sizeof(why)) < 0) {
            log_msg(LOG_L_ERROR, "OPTIONS ERROR: %s", why);
            return false;
        }
        dp_peer_set_comp(&cl->peer, &comp);
    }
    if (p->have & PUSH_HAVE_PING)
        cl->ping = p->ping;
    if (p->have & (PUSH_HAVE_PING_RESTART | PUSH_HAVE_PING_EXIT)) {
        cl->ping_exit = (p->have & PUSH_HAVE_PING_EXIT) != 0;
        cl->ping_restart = cl->ping_exit ? p->ping_exit : p->ping_restart;
    }
    dp_peer_set_keepalive(&cl->peer, cl->ping, cl->ping_restart);
    if (p->have & PUSH_HAVE_INACTIVE) {
        cl->inactive_s = p->inactive;
        cl->inactive_bytes = p->inactive_bytes;
    }
    return true;
}

static void on_push(struct client *cl, const struct push_settings *p)
{
    log_import(p);
    if (!apply_data_settings(cl, p)) {
        restart(cl, "SIGUSR1", "soft", "push-failure");
        return;
    }
    if (configure_tun(cl, p) < 0) {
        log_msg(LOG_L_ERROR, "ERROR: cannot set up the tun device for the pushed settings");
        close_tun(cl);
        restart(cl, "SIGUSR1", "soft", "init_instance");
    }
}

/* The lines openvpn prints once the tunnel is up. */
static void log_up(struct client *cl)
{
    const struct session_negotiated *n = session_negotiated(cl->s);
    char flags[64] = "";

    log_msg(LOG_L_INFO, "Initialization Sequence Completed");
    char dc[256];

    runtime_data_channel_text(dc, sizeof(dc), n->cipher, n->auth,
                              cl->has_peer_id ? (long)cl->peer_id : -1L, &cl->peer.comp);
    log_msg(RUNTIME_V_HANDSHAKE, "%s", dc);
    if (cl->ping || cl->ping_restart)
        log_msg(RUNTIME_V_HANDSHAKE, "Timers: ping %u, ping-restart %u", cl->ping,
                cl->ping_restart);
    snprintf(flags, sizeof(flags), "%s%s%s", n->cc_exit ? " cc-exit" : "",
             n->ekm && n->cc_exit ? " tls-ekm" : "", n->dyn_tls_crypt ? " dyn-tls-crypt" : "");
    if (flags[0])
        log_msg(RUNTIME_V_HANDSHAKE, "Protocol options: protocol-flags%s", flags);
}

/* ---- control messages ---- */

/* The text after "RESTART," / "HALT," and its flags, as openvpn quotes it in its log line. */
static void message_text(const struct session_event *ev, const char **text, int *len)
{
    struct push_msg m;

    *text = "";
    *len = 0;
    if (push_msg_parse(ev->u.text.text, ev->u.text.len, &m) == PUSH_OK && m.text) {
        *text = m.text;
        *len = (int)m.text_len;
    }
}

/*
 * Credentials in a control message, hidden in the log the way openvpn 2.6 does it: from a
 * marker on, the first `keep` characters stay and the rest up to the next ',' is left out
 * (auth-token values only below verb 7; generated tokens start with SESS_ID_ and stay hidden
 * even then).
 */
struct client_redact {
    const char *marker;
    size_t keep;
    bool below_keys_only;
};

static const struct client_redact client_redacts[] = {
    { "SESS_ID_", 7, false },
    { "echo ", 4, false },
    { "auth-token ", 10, true },
};

static const struct client_redact *redact_at(const char *t, size_t len, bool show_keys)
{
    for (size_t r = 0; r < sizeof(client_redacts) / sizeof(client_redacts[0]); r++) {
        const struct client_redact *x = &client_redacts[r];
        size_t n = strlen(x->marker);

        if (n <= len && strncmp(t, x->marker, n) == 0 && !(x->below_keys_only && show_keys))
            return x;
    }
    return NULL;
}

/* "PUSH: Received control message: '...'" for one raw PUSH_REPLY part (verb 3, as openvpn). */
static void log_push_received(const char *t, size_t len)
{
    bool show_keys = log_enabled(RUNTIME_V_KEYS), redacting = false;
    char out[PUSH_MSG_MAX];
    size_t o = 0, keep = 0;

    if (!log_enabled(RUNTIME_V_DETAIL))
        return;
    if (len >= sizeof(out))
        len = sizeof(out) - 1; /* the session never hands out more */
    for (size_t i = 0; i < len; i++) {
        const struct client_redact *x = redact_at(t + i, len - i, show_keys);

        if (x) {
            redacting = true;
            keep = x->keep;
        }
        if (t[i] == ',') {
            redacting = false;
            keep = 0;
        }
        if (!redacting || keep > 0) {
            out[o++] = t[i]; /* o <= i + 1 <= len: the copy never outgrows the input */
            if (keep > 0)
                keep--;
        }
    }
    log_msg(RUNTIME_V_DETAIL, "PUSH: Received control message: '%.*s'", (int)o, out);
    secret_wipe(out, sizeof(out));
}

/* AUTH_PENDING[,timeout N]: the server still checks the credentials (e.g. a web login). */
static void on_auth_pending(struct client *cl, const struct session_event *ev)
{
    struct push_msg m;
    unsigned from = cl->keys.sp.hand_window_s;

    if (push_msg_parse(ev->u.text.text, ev->u.text.len, &m) != PUSH_OK || !m.has_timeout) {
        log_msg(LOG_L_INFO, "AUTH_PENDING received (no timeout: hand-window %us stays)", from);
        return;
    }
    if (session_auth_pending(cl->s, m.timeout, now_of(cl)) == SESSION_OK)
        log_msg(LOG_L_INFO, "AUTH_PENDING received, extending handshake timeout from %us to %us",
                from, (unsigned)m.timeout);
}

static void on_text(struct client *cl, const struct session_event *ev)
{
    int len = (int)ev->u.text.len, mlen;
    const char *t = ev->u.text.text, *msg;

    message_text(ev, &msg, &mlen);
    switch (ev->u.text.type) {
    case PUSH_MSG_PUSH_REPLY:
        log_push_received(t, ev->u.text.len);
        break;
    case PUSH_MSG_AUTH_FAILED:
        log_msg(LOG_L_INFO, "AUTH: Received control message: %.*s", len, t);
        exit_now(cl, "soft", "auth-failure");
        break;
    case PUSH_MSG_RESTART:
        log_msg(LOG_L_INFO, "Connection reset command was pushed by server ('%.*s')", mlen, msg);
        restart(cl, "SIGUSR1", "soft", "server-pushed-connection-reset");
        break;
    case PUSH_MSG_HALT:
        log_msg(LOG_L_INFO, "Halt command was pushed by server ('%.*s')", mlen, msg);
        exit_now(cl, "soft", "server-pushed-halt");
        break;
    case PUSH_MSG_EXIT:
        log_msg(LOG_L_INFO, "CC-EEN exit message received by peer");
        restart(cl, "SIGUSR1", "soft", "remote-exit");
        break;
    case PUSH_MSG_AUTH_PENDING:
        on_auth_pending(cl, ev);
        break;
    case PUSH_MSG_INFO:
    case PUSH_MSG_INFO_PRE:
        /* openvpn hands these to its management interface; without one, the log is where
         * the user can see e.g. the URL to open. */
        log_msg(LOG_L_INFO, "%.*s", len, t);
        break;
    default:
        log_msg(LOG_L_WARN, "WARNING: Received unknown control message: %.*s", len, t);
        break;
    }
}

/* ---- session events ---- */

static void on_failed(struct client *cl, const struct session_event *ev)
{
    runtime_log_failure(NULL, ev, cl->keys.sp.hand_window_s);
    if (cl->exiting) {
        exit_now(cl, "soft", "exit-with-notification");
        return;
    }
    switch (ev->u.fail.reason) {
    case SESSION_FAIL_TLS:
    case SESSION_FAIL_TLS_CLOSED:
    case SESSION_FAIL_HANDSHAKE_TIMEOUT:
        restart(cl, "SIGUSR1", "soft", "tls-error");
        break;
    case SESSION_FAIL_PUSH_TIMEOUT:
    case SESSION_FAIL_PUSH:
    case SESSION_FAIL_NCP:
        restart(cl, "SIGUSR1", "soft", "push-failure");
        break;
    default:
        restart(cl, "SIGUSR1", "soft", session_fail_name(ev->u.fail.reason));
        break;
    }
}

static void on_tls(struct client *cl, const struct session_event *ev)
{
    runtime_log_tls(NULL, ev, cl->c->tls.remote_cert_tls == CONF_REMOTE_CERT_SERVER);
    if (ev->u.tls.cert)
        snprintf(cl->peer_cn, sizeof(cl->peer_cn), "%s", ev->u.tls.cert->common_name);
    snprintf(cl->tls_desc, sizeof(cl->tls_desc), "%s",
             ev->u.tls.description ? ev->u.tls.description : "");
}

/* openvpn prints these once the server's key-method-2 message arrived. */
static void on_peer_info(struct client *cl, const struct session_event *ev)
{
    if (cl->tls_desc[0])
        log_msg(RUNTIME_V_HANDSHAKE, "%s", cl->tls_desc);
    cl->tls_desc[0] = '\0';
    if (ev->key_id == 0)
        log_msg(LOG_L_INFO, "[%s] Peer Connection Initiated with %s",
                cl->peer_cn[0] ? cl->peer_cn : "UNDEF", cl->remote);
}

static void on_keys(struct client *cl, struct session_event *ev)
{
    const struct session_keys *k = &ev->u.keys;
    int rc;

    cl->key_at = now_of(cl);
    runtime_log_keys(NULL, k, false);
    rc = dp_key_install(&cl->peer, ev->key_id, k->cipher, k->auth[0] ? k->auth : NULL, &k->keys,
                        now_of(cl));
    if (rc != DP_OK)
        log_msg(LOG_L_ERROR, "Data Channel: cannot install key_id %u (cipher '%s'): error %d",
                (unsigned)ev->key_id, k->cipher, rc);
}

/* ---- inactive: exit when the tunnel carries (almost) nothing ---- */

#define CLIENT_IDLE_TICK_MS 1000u

static void inactive_start(struct client *cl)
{
    if (cl->inactive_s == 0)
        return;
    tunnel_idle_init(&cl->idle, cl->inactive_s, cl->inactive_bytes, &cl->peer, now_of(cl));
    schedule(cl, &cl->t_inactive, now_of(cl) + CLIENT_IDLE_TICK_MS);
}

static void inactive_timer(struct client *cl)
{
    if (tunnel_idle_expired(&cl->idle, &cl->peer, now_of(cl))) {
        log_msg(LOG_L_INFO, "Inactivity timeout (--inactive), exiting");
        exit_now(cl, "soft", "inactive");
        return;
    }
    schedule(cl, &cl->t_inactive, now_of(cl) + CLIENT_IDLE_TICK_MS);
}

/* ---- keepalive (ping, ping-restart, ping-exit) ---- */

static void keepalive_schedule(struct client *cl)
{
    uint64_t at = dp_keepalive_deadline(&cl->peer);

    if (at == UINT64_MAX)
        timerq_cancel(loop_timerq(cl->loop), &cl->t_keepalive);
    else
        schedule(cl, &cl->t_keepalive, at);
}

static void keepalive_timer(struct client *cl)
{
    uint64_t now = now_of(cl);

    if (dp_restart_due(&cl->peer, now)) {
        if (cl->ping_exit) {
            log_msg(LOG_L_INFO, "[%s] Inactivity timeout (--ping-exit), exiting",
                    cl->peer_cn[0] ? cl->peer_cn : "UNDEF");
            exit_now(cl, "soft", "ping-exit");
        } else {
            log_msg(LOG_L_INFO, "[%s] Inactivity timeout (--ping-restart), restarting",
                    cl->peer_cn[0] ? cl->peer_cn : "UNDEF");
            restart(cl, "SIGUSR1", "soft", "ping-restart");
        }
        return;
    }
    if (dp_ping_due(&cl->peer, now) && cl->tun)
        (void)tunnel_send_inband(cl->tun, cl->dp, &cl->peer, cl->udp, now, false);
    keepalive_schedule(cl);
}

static void on_reneg(struct client *cl, const struct session_event *ev)
{
    if (!ev->u.reneg.local)
        return;
    tunnel_log_soft_reset(NULL, &cl->peer, now_of(cl) - cl->key_at, &cl->keys.sp);
}

/* Returns false when the session is gone (restart or exit). */
static bool on_event(struct client *cl, struct session_event *ev)
{
    switch (ev->type) {
    case SESSION_EV_TLS_VERIFIED:
        on_tls(cl, ev);
        break;
    case SESSION_EV_PEER_INFO:
        on_peer_info(cl, ev);
        break;
    case SESSION_EV_PUSH_REPLY:
        on_push(cl, ev->u.push);
        break;
    case SESSION_EV_KEYS:
        on_keys(cl, ev);
        break;
    case SESSION_EV_SEND_KEY:
        if (dp_set_send_key(&cl->peer, ev->key_id) != DP_OK)
            log_msg(LOG_L_ERROR, "Data Channel: no key_id %u to send with", (unsigned)ev->key_id);
        break;
    case SESSION_EV_KEY_RETIRED:
        (void)dp_key_retire(&cl->peer, ev->key_id);
        log_msg(RUNTIME_V_DEBUG, "Data Channel: key_id %u retired", (unsigned)ev->key_id);
        break;
    case SESSION_EV_ESTABLISHED:
        cl->up = true;
        cl->attempts = cl->passes = 0;
        log_up(cl);
        keepalive_schedule(cl);
        inactive_start(cl);
        break;
    case SESSION_EV_RENEGOTIATING:
        on_reneg(cl, ev);
        break;
    case SESSION_EV_TEXT:
        on_text(cl, ev);
        break;
    case SESSION_EV_FAILED:
        on_failed(cl, ev);
        break;
    default:
        log_msg(RUNTIME_V_DEBUG, "control channel: %s (key_id %u)", session_event_name(ev->type),
                ev->key_id);
        break;
    }
    session_event_wipe(ev);
    return cl->s != NULL;
}

/* Sends what is due, handles every event, re-arms the session timer. */
static void pump(struct client *cl)
{
    struct session_event ev;

    while (cl->s) {
        runtime_flush(cl->s, cl->udp, &cl->dst, now_of(cl));
        if (!session_next_event(cl->s, &ev))
            break;
        if (!on_event(cl, &ev))
            return;
    }
    session_timer_update(cl);
}

/* ---- loop callbacks ---- */

/* A control packet (the datapath already told data from control when the tun is open). */
static void receive_control(struct client *cl, const struct pktbuf *b, const struct udp_meta *m)
{
    char sid[24];

    if (!peertab_addr_equal(&m->peer, &cl->dst.peer))
        return; /* not our server (openvpn drops these unless --float) */
    if (session_receive(cl->s, pktbuf_data(b), pktbuf_len(b), now_of(cl)) != SESSION_RX_OK)
        return;
    dp_peer_touch_rx(&cl->peer, now_of(cl));
    /* Replies come from the address we sent to; keep the local address they arrived on. */
    cl->dst.local = m->local;
    if (!cl->initial && session_peer_sid(cl->s)) {
        cl->initial = true;
        runtime_sid_text(session_peer_sid(cl->s), sid, sizeof(sid));
        log_msg(RUNTIME_V_DETAIL, "TLS: Initial packet from %s, sid=%s", cl->remote, sid);
    }
}

/* Before the tun device exists nothing can be delivered: data packets are counted, dropped. */
static void receive_without_tun(struct client *cl)
{
    uint8_t opcode, key_id;

    for (size_t i = 0; i < cl->rx->n && cl->s; i++) {
        const struct pktbuf *b = cl->rx->bufs[i];
        if (wire_first_byte(pktbuf_data(b), pktbuf_len(b), &opcode, &key_id) != WIRE_OK)
            continue;
        if (wire_op_is_data(opcode)) {
            cl->data_dropped++;
            continue;
        }
        receive_control(cl, b, &cl->rx->meta[i]);
        pump(cl);
    }
}

/* What the datapath reports besides packets; false when the connection ended. */
static bool on_dp_event(struct client *cl, const struct dp_event *ev)
{
    char addr[80];

    switch (ev->type) {
    case DP_EV_FLOAT:
        runtime_addr_full(&ev->from.peer, addr, sizeof(addr));
        log_msg(LOG_L_INFO, "Peer floated from %s to %s", cl->remote, addr);
        cl->dst = ev->from;
        snprintf(cl->remote, sizeof(cl->remote), "%s", addr);
        dp_peer_set_remote(&cl->peer, &cl->dst);
        return true;
    case DP_EV_EXIT:
        log_msg(LOG_L_INFO, "OCC EXIT message received by peer");
        restart(cl, "SIGUSR1", "soft", "remote-exit");
        return false;
    case DP_EV_RENEGOTIATE:
        if (cl->s && session_renegotiate(cl->s, now_of(cl)) == SESSION_OK)
            pump(cl);
        return cl->s != NULL;
    default:
        return true; /* OCC requests: a TLS-mode peer needs no answer */
    }
}

/* reneg-bytes / reneg-pkts: the session counts the data of each key (only when configured,
 * so that the default costs nothing per packet). */
static bool counting(const struct client *cl)
{
    return cl->s && (cl->keys.sp.reneg_bytes || cl->keys.sp.reneg_pkts);
}

static void count_received(struct client *cl, const struct dp_rx_out *o)
{
    if (!counting(cl))
        return;
    for (size_t i = 0; i < cl->rx->n; i++)
        if (o->peer[i])
            session_count_data(cl->s, o->key_id[i], pktbuf_len(cl->rx->bufs[i]), 1);
    session_timer_update(cl);
}

static void count_sent(struct client *cl, const struct dp_tx_out *o)
{
    if (!counting(cl))
        return;
    for (size_t i = 0; i < o->n_send; i++)
        session_count_data(cl->s, o->key_id[i], pktbuf_len(o->send[i]), 1);
    session_timer_update(cl);
}

static void receive_with_tun(struct client *cl)
{
    const struct dp_rx_out *o = tunnel_from_net(cl->tun, cl->dp, &cl->peer, cl->rx, now_of(cl));
    size_t control[PKTBUF_BATCH_MAX], n_control = o->n_control;
    struct dp_event ev[DP_EVENTS_MAX];
    size_t n_ev = o->n_ev;

    count_received(cl, o);
    /* A restart below may close the tunnel that owns o: keep what is still needed. */
    memcpy(control, o->control, n_control * sizeof(control[0]));
    memcpy(ev, o->ev, n_ev * sizeof(ev[0]));
    for (size_t i = 0; i < n_ev; i++)
        if (!on_dp_event(cl, &ev[i]))
            return;
    for (size_t i = 0; i < n_control && cl->s; i++) {
        receive_control(cl, cl->rx->bufs[control[i]], &cl->rx->meta[control[i]]);
        pump(cl);
    }
}

static void on_udp(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct client *cl = ctx;

    (void)l;
    (void)fd;
    (void)events;
    if (runtime_rx_batch(cl->rx, cl->udp) <= 0)
        return;
    if (cl->tun)
        receive_with_tun(cl);
    else
        receive_without_tun(cl);
}

static void on_tun(struct loop *l, int fd, uint32_t events, void *ctx)
{
    struct client *cl = ctx;
    const struct dp_tx_out *o;
    int n;

    (void)l;
    (void)fd;
    (void)events;
    if (!cl->udp) {
        tunnel_discard(cl->tun); /* persist-tun between connections: nowhere to send */
        return;
    }
    o = tunnel_from_tun(cl->tun, cl->dp, &cl->peer, cl->udp, now_of(cl), &n);
    count_sent(cl, o);
    for (size_t i = 0; i < o->n_ev; i++)
        if (o->ev[i].type == DP_EV_RENEGOTIATE && !on_dp_event(cl, &o->ev[i]))
            return;
    if (n < 0) {
        log_msg(LOG_L_FATAL, "tun device read failed: %s", strerror(-n));
        exit_now(cl, "hard", "tun-error");
    }
}

static void write_status_file(struct client *cl);

static void on_timer(struct loop *l, struct timerq_entry *e, void *owner, void *ctx)
{
    struct client *cl = owner;

    (void)l;
    (void)ctx;
    if (e == &cl->t_status) {
        write_status_file(cl);
    } else if (e == &cl->t_retry) {
        connect_now(cl);
    } else if (e == &cl->t_inactive) {
        if (cl->s)
            inactive_timer(cl);
    } else if (e == &cl->t_keepalive) {
        if (cl->s)
            keepalive_timer(cl);
    } else if (e == &cl->t_exit) {
        exit_now(cl, "soft", "exit-with-notification");
    } else if (cl->s) {
        session_timeout(cl->s, now_of(cl));
        pump(cl);
    }
}

/* explicit-exit-notify to a server without cc-exit: OCC EXIT over the data channel. There is
 * no acknowledgement, so a few copies go out at once instead of one per second. */
static void exit_over_data_channel(struct client *cl, int times)
{
    unsigned n = times > (int)CLIENT_EXIT_COPIES ? CLIENT_EXIT_COPIES : (unsigned)times;

    log_msg(LOG_L_INFO, "SIGTERM received, sending exit notification to peer");
    for (unsigned i = 0; i < n; i++)
        if (tunnel_send_inband(cl->tun, cl->dp, &cl->peer, cl->udp, now_of(cl), true) !=
            DP_DROP_NONE)
            break;
}

/* SIGTERM with explicit-exit-notify: EXIT over the control channel when the server took
 * cc-exit, else over the data channel; false when nothing was sent. */
static bool exit_with_notification(struct client *cl)
{
    int times = conn_of(cl)->explicit_exit_notify;

    if (!cl->s || !cl->up || times <= 0)
        return false;
    if (!session_negotiated(cl->s)->cc_exit) {
        if (cl->tun)
            exit_over_data_channel(cl, times);
        return false;
    }
    if (session_close(cl->s, PUSH_EXIT_TEXT, now_of(cl)) != SESSION_OK)
        return false;
    log_msg(LOG_L_INFO, "SIGTERM received, sending exit notification to peer");
    cl->exiting = true;
    schedule(cl, &cl->t_exit, now_of(cl) + CLIENT_EXIT_WAIT_MS);
    pump(cl);
    return true;
}

/* ---- openvpn's client status (ops-interfaces.md §4.4) ---- */

static int format_client(const void *ctx, char *out, size_t cap)
{
    return status_format_client(ctx, out, cap);
}

static char *status_text(const struct client *cl)
{
    struct status_client_stats s;

    connection_stats(cl, &s);
    s.now = clock_wall_s();
    s.utc_offset_s = clock_utc_offset_s(s.now);
    return runtime_status_text(format_client, &s);
}

static void write_status_file(struct client *cl)
{
    char *text;

    if (!cl->c->log.status_file)
        return;
    text = status_text(cl);
    if (text)
        runtime_status_write(cl->c->log.status_file, text);
    free(text);
    if (cl->c->log.status_interval > 0)
        schedule(cl, &cl->t_status, now_of(cl) + (uint64_t)cl->c->log.status_interval * 1000u);
}

static void on_signal(struct loop *l, int signo, void *ctx)
{
    struct client *cl = ctx;
    const char *name = runtime_signal_name(signo);

    (void)l;
    if (signo == SIGUSR2) {
        char *text = status_text(cl);
        if (text)
            runtime_status_log(text);
        free(text);
        tunnel_log_counters(cl->tun, cl->dp, cl->udp);
        return;
    }
    if (cl->exiting)
        return;
    if (signo == SIGHUP) {
        log_msg(LOG_L_INFO, "SIGHUP[hard,] received, process restarting");
        close_connection(cl, false);
        stop(cl, RUNTIME_RELOAD);
    } else if (signo == SIGUSR1) {
        restart(cl, name, "hard", "");
    } else if (!exit_with_notification(cl)) {
        log_msg(LOG_L_INFO, "%s[hard,] received, process exiting", name);
        close_connection(cl, false);
        stop(cl, RUNTIME_EXIT);
    }
}

/* ---- set-up and teardown ---- */

/*
 * One line of an auth-user-pass file or block into out (NUL-terminated): up to the '\n', with
 * trailing '\r' dropped as openvpn does. *present is false when the input had ended already.
 * A line that does not fit or holds a NUL byte is refused rather than cut short.
 */
static int cred_line(struct buf_reader *r, char *out, size_t cap, bool *present)
{
    size_t n = 0;

    *present = buf_remaining(r) > 0;
    while (buf_remaining(r) > 0) {
        uint8_t ch = buf_read_u8(r);

        if (ch == '\n')
            break;
        if (ch == '\0' || n + 1 >= cap)
            return -1;
        out[n++] = (char)ch;
    }
    while (n > 0 && out[n - 1] == '\r')
        n--;
    out[n] = '\0';
    return 0;
}

static int cred_parse(struct client *cl, const uint8_t *data, size_t len, const char *name)
{
    struct buf_reader r;
    bool have_user, have_pass;

    buf_reader_init(&r, data, len);
    if (cred_line(&r, cl->user, sizeof(cl->user), &have_user) < 0 ||
        cred_line(&r, cl->pass, sizeof(cl->pass), &have_pass) < 0) {
        log_msg(LOG_L_FATAL,
                "auth-user-pass '%s': a line is longer than %u characters or holds a NUL byte",
                name, KEYEX_USER_PASS_MAX - 1u);
        return -1;
    }
    if (!have_user || cl->user[0] == '\0') {
        log_msg(LOG_L_FATAL, "auth-user-pass '%s': the username (first line) is empty", name);
        return -1;
    }
    if (!have_pass) {
        log_msg(LOG_L_FATAL,
                "auth-user-pass '%s': no password on the second line (Sluice cannot ask for it)",
                name);
        return -1;
    }
    return 0;
}

/* auth-user-pass FILE or <auth-user-pass>: the credentials every key-method-2 message carries. */
static int load_credentials(struct client *cl)
{
    const struct conf_blob *b = &cl->c->auth.user_pass_file;
    char id[128], why[512];
    uint8_t *data = NULL;
    size_t len = 0;
    int rc;

    if (!cl->c->auth.user_pass)
        return 0;
    if (!b->is_inline && !b->path) {
        log_msg(LOG_L_FATAL,
                "'auth-user-pass' without a file is not supported yet: Sluice cannot ask for the "
                "username and password (no terminal prompt, no management interface); put them "
                "in a file, username on the first line and password on the second, and use "
                "'auth-user-pass FILE' or an inline <auth-user-pass> block");
        return -1;
    }
    if (b->is_inline) {
        rc = cred_parse(cl, b->data, b->len, "[inline]");
    } else if (conf_file_read(NULL, b->path, &data, &len, id, sizeof(id), why, sizeof(why)) < 0) {
        log_msg(LOG_L_FATAL, "auth-user-pass: %s", why);
        return -1;
    } else {
        rc = cred_parse(cl, data, len, b->path);
        secret_free(data, len);
    }
    if (rc < 0) {
        secret_wipe(cl->user, sizeof(cl->user));
        secret_wipe(cl->pass, sizeof(cl->pass));
    }
    return rc;
}

static int new_datapath(struct client *cl)
{
    struct dp_params p;
    /* The transport family is known per remote only; the MSS follows IPv4 unless all are v6. */
    bool v6 = cl->c->ce.proto == CONF_PROTO_UDP6;

    tunnel_dp_params(cl->c, DP_CLIENT, v6, &p);
    if (dp_new(&p, NULL, NULL, &cl->dp) != DP_OK) {
        log_msg(LOG_L_FATAL, "cannot set up the data channel");
        return -1;
    }
    return 0;
}

static int client_setup(struct client *cl, const struct conf *c, struct loop *loop)
{
    char err[KEYS_ERR_MAX];

    cl->c = c;
    cl->loop = loop;
    cl->end = RUNTIME_EXIT;
    timerq_entry_init(&cl->t_session, cl, RUNTIME_T_SESSION);
    timerq_entry_init(&cl->t_retry, cl, RUNTIME_T_RETRY);
    timerq_entry_init(&cl->t_exit, cl, RUNTIME_T_EXIT);
    timerq_entry_init(&cl->t_keepalive, cl, RUNTIME_T_KEEPALIVE);
    timerq_entry_init(&cl->t_inactive, cl, RUNTIME_T_KEEPALIVE);
    timerq_entry_init(&cl->t_status, cl, RUNTIME_T_STATUS);
    if (keys_init(&cl->keys, c, err, sizeof(err)) < 0) {
        log_msg(LOG_L_FATAL, "%s", err);
        return -1;
    }
    if (load_credentials(cl) < 0)
        return -1;
    if (c->auth.user_pass) {
        cl->keys.sp.username = cl->user;
        cl->keys.sp.password = cl->pass;
    }
    cl->rx = malloc(sizeof(*cl->rx));
    if (!cl->rx) {
        log_msg(LOG_L_FATAL, "out of memory");
        return -1;
    }
    runtime_rx_init(cl->rx);
    loop_on_signal(loop, on_signal, cl);
    if (loop_on_timer(loop, RUNTIME_T_SESSION, on_timer, cl) != 0 ||
        loop_on_timer(loop, RUNTIME_T_RETRY, on_timer, cl) != 0 ||
        loop_on_timer(loop, RUNTIME_T_EXIT, on_timer, cl) != 0 ||
        loop_on_timer(loop, RUNTIME_T_KEEPALIVE, on_timer, cl) != 0 ||
        loop_on_timer(loop, RUNTIME_T_STATUS, on_timer, cl) != 0)
        return -1;
    return new_datapath(cl);
}

static void client_teardown(struct client *cl)
{
    struct timerq *q = loop_timerq(cl->loop);

    if (cl->dp)
        write_status_file(cl); /* the last counters, as openvpn leaves them at exit */
    close_connection(cl, false);
    timerq_cancel(q, &cl->t_retry);
    timerq_cancel(q, &cl->t_status);
    timerq_cancel(q, &cl->t_exit);
    loop_on_signal(cl->loop, NULL, NULL);
    /* Only an out-of-range kind fails, and these are constants. */
    int rc = loop_on_timer(cl->loop, RUNTIME_T_SESSION, NULL, NULL);
    rc |= loop_on_timer(cl->loop, RUNTIME_T_RETRY, NULL, NULL);
    rc |= loop_on_timer(cl->loop, RUNTIME_T_EXIT, NULL, NULL);
    rc |= loop_on_timer(cl->loop, RUNTIME_T_KEEPALIVE, NULL, NULL);
    rc |= loop_on_timer(cl->loop, RUNTIME_T_STATUS, NULL, NULL);
    (void)rc;
    dp_free(cl->dp);
    free(cl->rx);
    keys_cleanup(&cl->keys);
}

enum runtime_end client_run(const struct conf *c, struct loop *loop)
{
    struct client *cl = calloc(1, sizeof(*cl));
    enum runtime_end end;

    if (!cl) {
        log_msg(LOG_L_FATAL, "out of memory");
        return RUNTIME_FATAL;
    }
    if (client_setup(cl, c, loop) < 0) {
        client_teardown(cl);
        secret_wipe(cl, sizeof(*cl)); /* the credentials may be loaded already */
        free(cl);
        return RUNTIME_FATAL;
    }
    write_status_file(cl);
    connect_now(cl);
    /* Returns at once (clearing the request) when the first attempt already ended the run. */
    int rc = loop_run(loop);
    if (rc < 0) {
        log_msg(LOG_L_FATAL, "event loop failed: %s", strerror(-rc));
        cl->end = RUNTIME_FATAL;
    }
    end = cl->end;
    client_teardown(cl);
    secret_wipe(cl, sizeof(*cl));
    free(cl);
    return end;
}
