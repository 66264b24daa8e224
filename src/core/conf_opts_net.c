/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options of ops-interfaces.md 1.5.1 (transport, device, addressing, routes, server mode,
 * timers) and the network half of 1.5.4: their table entries, handlers and show functions.
 */
#include "conf_opts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT_MAX_ 2147483647LL

static const char *const proto_words[] = { "udp", "udp4", "udp6", NULL };
static const char *const tcp_protos[] = { "tcp",        "tcp4",        "tcp6",        "tcp-client",
                                          "tcp4-client", "tcp6-client", "tcp-server",
                                          "tcp4-server", "tcp6-server", NULL };
static const char *const mode_words[] = { "p2p", "server", NULL };
static const char *const topology_words[] = { "net30", "p2p", "subnet", NULL };

/* ---- device and transport ---- */

static int opt_dev(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)o;
    (void)argc;
    if (strncmp(argv[1], "tap", 3) == 0 && !x->c->dev.dev_type)
        return conf_fail(x, "%s '%s' is not supported by Sluice (TAP / bridging)", x->dn, argv[1]);
    if (strcmp(argv[1], "null") == 0)
        return conf_fail(x, "%s 'null' is not supported by Sluice (it needs a TUN device)", x->dn);
    if (argv[1][0] == '\0' || strlen(argv[1]) >= 16 || strchr(argv[1], '/'))
        return conf_fail(x, "%s expects an interface name such as tun or tun0 (15 bytes max), "
                            "got '%s'",
                         x->dn, argv[1]);
    return conf_setstr(x, &x->c->dev.dev, argv[1]);
}

static int opt_dev_type(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    (void)o;
    (void)argc;
    if (strcmp(argv[1], "tap") == 0)
        return conf_fail(x, "%s 'tap' is not supported by Sluice (TAP / bridging)", x->dn);
    if (strcmp(argv[1], "tun") != 0)
        return conf_fail(x, "%s expects 'tun', got '%s'", x->dn, argv[1]);
    return conf_setstr(x, &x->c->dev.dev_type, argv[1]);
}

static int parse_proto(struct conf_ctx *x, const char *s, int *out)
{
    for (size_t i = 0; tcp_protos[i]; i++) {
        if (strcmp(s, tcp_protos[i]) == 0)
            return conf_fail(x, "%s '%s' is not supported by Sluice (TCP transport)", x->dn, s);
    }
    return conf_word(x, s, proto_words, out);
}

static int opt_proto(struct conf_ctx *x, const struct conf_opt *o, int argc,
                     const char *const *argv)
{
    int p;
    (void)o;
    (void)argc;
    if (parse_proto(x, argv[1], &p) < 0)
        return -1;
    x->ce->proto = (enum conf_proto)p;
    return 0;
}

static void show_proto(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
{
    (void)c;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, proto_words[ce->proto]);
    conf_sb_end(sb);
}

static int opt_port(struct conf_ctx *x, const struct conf_opt *o, int argc,
                    const char *const *argv)
{
    int p;
    (void)argc;
    bool local = strcmp(o->name, "lport") == 0;
    if (conf_port(x, argv[1], local, &p) < 0)
        return -1;
    if (local || strcmp(o->name, "port") == 0)
        x->ce->local_port = p;
    if (!local)
        x->ce->remote_port = p;
    if (local)
        x->ce->local_port_set = true;
    return 0;
}

static void show_port(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                      struct conf_sb *sb)
{
    (void)c;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", ce->remote_port);
    conf_sb_end(sb);
}

static void show_lport(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
{
    (void)c;
    if (ce->local_port_set || ce->local_port != ce->remote_port) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", ce->local_port);
        conf_sb_end(sb);
    }
}

static int opt_local(struct conf_ctx *x, const struct conf_opt *o, int argc,
                     const char *const *argv)
{
    (void)o;
    (void)argc;
    if (conf_host(x, argv[1], "a host name or address") < 0)
        return -1;
    return conf_setstr(x, &x->ce->local, argv[1]);
}

static int remote_in_block(struct conf_ctx *x, int argc, const char *const *argv, int port,
                           int proto)
{
    if (x->ce->remote)
        return conf_fail(x, "a <connection> block takes exactly one 'remote' line");
    if (conf_setstr(x, &x->ce->remote, argv[1]) < 0)
        return -1;
    if (argc > 2)
        x->ce->remote_port = port;
    if (argc > 3)
        x->ce->proto = (enum conf_proto)proto;
    return 0;
}

static int opt_remote(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    int port = 0, proto = -1;
    (void)o;
    if (conf_host(x, argv[1], "a host name or address") < 0)
        return -1;
    if (argc > 2 && conf_port(x, argv[2], false, &port) < 0)
        return -1;
    if (argc > 3 && parse_proto(x, argv[3], &proto) < 0)
        return -1;
    if (x->in_connection)
        return remote_in_block(x, argc, argv, port, proto);
    struct conf_remote *r = conf_grow(x, &x->c->remotes, &x->c->n_remotes, sizeof(*r));
    if (!r)
        return -1;
    r->port = port;
    r->proto = proto;
    if (conf_setstr(x, &r->host, argv[1]) < 0) {
        x->c->n_remotes--;
        return -1;
    }
    return 0;
}

static void show_remote(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    if (ce != &c->ce) {
        if (ce->remote) {
            conf_sb_begin(sb, o->name);
            conf_sb_arg(sb, ce->remote);
            conf_sb_end(sb);
        }
        return;
    }
    for (size_t i = 0; i < c->n_remotes; i++) {
        const struct conf_remote *r = &c->remotes[i];
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, r->host);
        if (r->port || r->proto >= 0)
            conf_sb_argf(sb, "%d", r->port ? r->port : ce->remote_port);
        if (r->proto >= 0)
            conf_sb_arg(sb, proto_words[r->proto]);
        conf_sb_end(sb);
    }
}

static int opt_nobind(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    x->ce->bind = false;
    return 0;
}

static void show_nobind(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    (void)c;
    if (!ce->bind) {
        conf_sb_begin(sb, o->name);
        conf_sb_end(sb);
    }
}

static int opt_bind(struct conf_ctx *x, const struct conf_opt *o, int argc,
                    const char *const *argv)
{
    (void)o;
    if (argc > 1 && strcmp(argv[1], "ipv6only") != 0)
        return conf_fail(x, "%s expects nothing or 'ipv6only', got '%s'", x->dn, argv[1]);
    x->ce->bind_set = true;
    x->ce->bind_ipv6only = argc > 1;
    return 0;
}

static void show_bind(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                      struct conf_sb *sb)
{
    (void)c;
    if (ce->bind_set) {
        conf_sb_begin(sb, o->name);
        if (ce->bind_ipv6only)
            conf_sb_arg(sb, "ipv6only");
        conf_sb_end(sb);
    }
}

static int opt_resolv_retry(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    (void)o;
    (void)argc;
    if (strcmp(argv[1], "infinite") == 0) {
        x->c->net.resolv_retry = -1;
        return 0;
    }
    return conf_int(x, argv[1], 0, INT_MAX_, &x->c->net.resolv_retry);
}

static void show_resolv_retry(const struct conf *c, const struct conf_conn *ce,
                              const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_begin(sb, o->name);
    if (c->net.resolv_retry < 0)
        conf_sb_arg(sb, "infinite");
    else
        conf_sb_argf(sb, "%d", c->net.resolv_retry);
    conf_sb_end(sb);
}

static int opt_connect_retry(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv)
{
    int n, cap = x->ce->connect_retry_cap;
    (void)o;
    /* OpenVPN caps the base at 16 bits so the exponential back-off cannot overflow. */
    if (conf_int(x, argv[1], 0, 65535, &n) < 0)
        return -1;
    if (argc > 2 && conf_int(x, argv[2], 0, INT_MAX_, &cap) < 0)
        return -1;
    x->ce->connect_retry = n;
    x->ce->connect_retry_cap = cap < n ? n : cap;
    return 0;
}

static void show_connect_retry(const struct conf *c, const struct conf_conn *ce,
                               const struct conf_opt *o, struct conf_sb *sb)
{
    (void)c;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", ce->connect_retry);
    conf_sb_argf(sb, "%d", ce->connect_retry_cap);
    conf_sb_end(sb);
}

/* ---- MTU ---- */

static int opt_tun_mtu(struct conf_ctx *x, const struct conf_opt *o, int argc,
                       const char *const *argv)
{
    int mtu, occ = 0;
    (void)o;
    if (conf_int(x, argv[1], 68, 65535, &mtu) < 0)
        return -1;
    if (argc > 2 && conf_int(x, argv[2], 68, 65535, &occ) < 0)
        return -1;
    x->ce->tun_mtu = mtu;
    x->ce->occ_mtu = occ;
    x->ce->tun_mtu_set = true;
    return 0;
}

static void show_tun_mtu(const struct conf *c, const struct conf_conn *ce,
                         const struct conf_opt *o, struct conf_sb *sb)
{
    (void)c;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", ce->tun_mtu);
    if (ce->occ_mtu)
        conf_sb_argf(sb, "%d", ce->occ_mtu);
    conf_sb_end(sb);
}

static int opt_mssfix(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    int v = 1492;
    (void)o;
    if (argc > 1 && conf_int(x, argv[1], 0, 65535, &v) < 0)
        return -1;
    if (argc > 2 && strcmp(argv[2], "mtu") != 0 && strcmp(argv[2], "fixed") != 0)
        return conf_fail(x, "%s expects 'mtu' or 'fixed' after the size, got '%s'", x->dn,
                         argv[2]);
    x->ce->mssfix = v;
    /* Without a value the default applies, which counts the encapsulation ("mtu"). */
    x->ce->mssfix_mtu = argc == 1 || (argc > 2 && strcmp(argv[2], "mtu") == 0);
    x->ce->mssfix_fixed = argc > 2 && strcmp(argv[2], "fixed") == 0;
    return 0;
}

static void show_mssfix(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    (void)c;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", ce->mssfix);
    if (ce->mssfix && (ce->mssfix_mtu || ce->mssfix_fixed))
        conf_sb_arg(sb, ce->mssfix_mtu ? "mtu" : "fixed");
    conf_sb_end(sb);
}

static int opt_fragment(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    int v;
    (void)o;
    if (conf_int(x, argv[1], 68, 65535, &v) < 0)
        return -1;
    if (argc > 2 && strcmp(argv[2], "mtu") != 0)
        return conf_fail(x, "%s expects 'mtu' after the size, got '%s'", x->dn, argv[2]);
    x->ce->fragment = v;
    x->ce->fragment_mtu = argc > 2;
    return 0;
}

static void show_fragment(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)c;
    if (ce->fragment) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", ce->fragment);
        if (ce->fragment_mtu)
            conf_sb_arg(sb, "mtu");
        conf_sb_end(sb);
    }
}

static const char *const mtu_disc_words[] = { "no", "maybe", "yes", NULL };

static int opt_mtu_disc(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    int v;
    (void)o;
    (void)argc;
    if (conf_word(x, argv[1], mtu_disc_words, &v) < 0)
        return -1;
    x->ce->mtu_disc = (enum conf_mtu_disc)(v + 1);
    return 0;
}

static void show_mtu_disc(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)c;
    if (ce->mtu_disc != CONF_MTU_DISC_DEFAULT) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, mtu_disc_words[ce->mtu_disc - 1]);
        conf_sb_end(sb);
    }
}

static int opt_exit_notify(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    (void)o;
    if (argc == 1) {
        x->ce->explicit_exit_notify = 1;
        return 0;
    }
    return conf_int(x, argv[1], 0, INT_MAX_, &x->ce->explicit_exit_notify);
}

/* ---- timers ---- */

static int opt_ping_rec(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    (void)argc;
    if (conf_int(x, argv[1], 0, INT_MAX_, &x->c->net.ping_rec) < 0)
        return -1;
    /* ping-restart and ping-exit share one timer; the last one given picks the action. */
    x->c->net.ping_action = strcmp(o->name, "ping-exit") == 0 ? CONF_PING_EXIT : CONF_PING_RESTART;
    return 0;
}

static void show_ping_rec(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    bool exit_opt = strcmp(o->name, "ping-exit") == 0;
    bool want = exit_opt ? c->net.ping_action == CONF_PING_EXIT
                         : c->net.ping_action != CONF_PING_EXIT;
    if (want) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", c->net.ping_rec);
        conf_sb_end(sb);
    }
}

static int opt_keepalive(struct conf_ctx *x, const struct conf_opt *o, int argc,
                         const char *const *argv)
{
    int ping, timeout;
    (void)o;
    (void)argc;
    if (conf_int(x, argv[1], 0, INT_MAX_, &ping) < 0 ||
        conf_int(x, argv[2], 0, INT_MAX_, &timeout) < 0)
        return -1;
    x->c->net.keepalive_set = true;
    x->c->net.keepalive_ping = ping;
    x->c->net.keepalive_timeout = timeout;
    return 0;
}

static void show_keepalive(const struct conf *c, const struct conf_conn *ce,
                           const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    /* After conf_finalize() the macro lives on as ping / ping-restart / push lines. */
    if (c->net.keepalive_set && !c->finalized) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", c->net.keepalive_ping);
        conf_sb_argf(sb, "%d", c->net.keepalive_timeout);
        conf_sb_end(sb);
    }
}

static int opt_inactive(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    long long bytes = 0;
    (void)o;
    if (conf_int(x, argv[1], 0, INT_MAX_, &x->c->net.inactive) < 0)
        return -1;
    if (argc > 2 && conf_num(x, argv[2], 0, INT64_MAX, &bytes) < 0)
        return -1;
    x->c->net.inactive_bytes = bytes;
    return 0;
}

static void show_inactive(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", c->net.inactive);
    if (c->net.inactive_bytes)
        conf_sb_argf(sb, "%lld", c->net.inactive_bytes);
    conf_sb_end(sb);
}

/* ---- addressing ---- */

static int opt_server(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    uint32_t net, mask;
    (void)o;
    if (conf_ipv4(x, argv[1], "an IPv4 network", &net) < 0 || conf_netmask(x, argv[2], &mask) < 0)
        return -1;
    if (argc > 3 && strcmp(argv[3], "nopool") != 0)
        return conf_fail(x, "%s expects 'nopool' after the netmask, got '%s'", x->dn, argv[3]);
    if ((net & mask) != net)
        return conf_fail(x, "%s network %s has host bits set for netmask %s", x->dn, argv[1],
                         argv[2]);
    s->server_set = true;
    s->server_network = net;
    s->server_netmask = mask;
    s->server_nopool = argc > 3;
    return 0;
}

static void show_server(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    char a[16], m[16];
    (void)ce;
    if (c->srv.server_set && !c->finalized) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, conf_fmt_ipv4(c->srv.server_network, a, sizeof(a)));
        conf_sb_arg(sb, conf_fmt_ipv4(c->srv.server_netmask, m, sizeof(m)));
        if (c->srv.server_nopool)
            conf_sb_arg(sb, "nopool");
        conf_sb_end(sb);
    }
}

static void sb_ip6(struct conf_sb *sb, const struct conf_ip6 *p, bool bits)
{
    char a[64];
    conf_fmt_ipv6(p->addr, a, sizeof(a));
    if (bits)
        conf_sb_argf(sb, "%s/%d", a, p->bits);
    else
        conf_sb_arg(sb, a);
}

static int opt_server6(struct conf_ctx *x, const struct conf_opt *o, int argc,
                       const char *const *argv)
{
    (void)o;
    (void)argc;
    if (conf_ip6_prefix(x, argv[1], 64, 124, true, &x->c->srv.server6) < 0)
        return -1;
    x->c->srv.server6_set = true;
    return 0;
}

static void show_server6(const struct conf *c, const struct conf_conn *ce,
                         const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->srv.server6_set && !c->finalized) {
        conf_sb_begin(sb, o->name);
        sb_ip6(sb, &c->srv.server6, true);
        conf_sb_end(sb);
    }
}

static int opt_ifconfig(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    struct conf_dev *d = &x->c->dev;
    uint32_t l, r;
    (void)o;
    (void)argc;
    if (conf_ipv4(x, argv[1], "an IPv4 address", &l) < 0 ||
        conf_ipv4(x, argv[2], "an IPv4 address or netmask", &r) < 0)
        return -1;
    if (l == r)
        return conf_fail(x, "%s local and remote/netmask addresses must differ", x->dn);
    d->ifconfig_set = true;
    d->ifconfig_local = l;
    d->ifconfig_remote = r;
    return 0;
}

static void show_ifconfig(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    char a[16], b[16];
    (void)ce;
    if (c->dev.ifconfig_set) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, conf_fmt_ipv4(c->dev.ifconfig_local, a, sizeof(a)));
        conf_sb_arg(sb, conf_fmt_ipv4(c->dev.ifconfig_remote, b, sizeof(b)));
        conf_sb_end(sb);
    }
}

static int opt_ifconfig6(struct conf_ctx *x, const struct conf_opt *o, int argc,
                         const char *const *argv)
{
    struct conf_dev *d = &x->c->dev;
    (void)o;
    (void)argc;
    if (conf_ip6_prefix(x, argv[1], 64, 124, false, &d->ifconfig6_local) < 0 ||
        conf_ipv6(x, argv[2], d->ifconfig6_remote) < 0)
        return -1;
    /* Without /BITS OpenVPN takes /64 for ifconfig-ipv6. */
    if (!strchr(argv[1], '/'))
        d->ifconfig6_local.bits = 64;
    d->ifconfig6_set = true;
    return 0;
}

static void show_ifconfig6(const struct conf *c, const struct conf_conn *ce,
                           const struct conf_opt *o, struct conf_sb *sb)
{
    char b[64];
    (void)ce;
    if (c->dev.ifconfig6_set) {
        conf_sb_begin(sb, o->name);
        sb_ip6(sb, &c->dev.ifconfig6_local, true);
        conf_sb_arg(sb, conf_fmt_ipv6(c->dev.ifconfig6_remote, b, sizeof(b)));
        conf_sb_end(sb);
    }
}

static int opt_pool(struct conf_ctx *x, const struct conf_opt *o, int argc,
                    const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    uint32_t a, b, m = 0;
    (void)o;
    if (conf_ipv4(x, argv[1], "an IPv4 address", &a) < 0 ||
        conf_ipv4(x, argv[2], "an IPv4 address", &b) < 0 ||
        (argc > 3 && conf_netmask(x, argv[3], &m) < 0))
        return -1;
    if (a > b)
        return conf_fail(x, "%s start %s is after end %s", x->dn, argv[1], argv[2]);
    if (b - a >= 65536)
        return conf_fail(x, "%s holds more than 65536 addresses", x->dn);
    s->pool_set = true;
    s->pool_start = a;
    s->pool_end = b;
    s->pool_netmask = m;
    return 0;
}

static void show_pool(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                      struct conf_sb *sb)
{
    char a[16];
    (void)ce;
    if (!c->srv.pool_set)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, conf_fmt_ipv4(c->srv.pool_start, a, sizeof(a)));
    conf_sb_arg(sb, conf_fmt_ipv4(c->srv.pool_end, a, sizeof(a)));
    if (c->srv.pool_netmask)
        conf_sb_arg(sb, conf_fmt_ipv4(c->srv.pool_netmask, a, sizeof(a)));
    conf_sb_end(sb);
}

static int opt_pool6(struct conf_ctx *x, const struct conf_opt *o, int argc,
                     const char *const *argv)
{
    (void)o;
    (void)argc;
    if (conf_ip6_prefix(x, argv[1], 64, 124, true, &x->c->srv.pool6) < 0)
        return -1;
    x->c->srv.pool6_set = true;
    return 0;
}

static void show_pool6(const struct conf *c, const struct conf_conn *ce,
                       const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->srv.pool6_set) {
        conf_sb_begin(sb, o->name);
        sb_ip6(sb, &c->srv.pool6, true);
        conf_sb_end(sb);
    }
}

static int opt_pool_persist(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    (void)o;
    if (argc > 2 && conf_int(x, argv[2], 0, INT_MAX_, &x->c->srv.pool_persist_seconds) < 0)
        return -1;
    return conf_setstr(x, &x->c->srv.pool_persist, argv[1]);
}

static void show_pool_persist(const struct conf *c, const struct conf_conn *ce,
                              const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->srv.pool_persist) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, c->srv.pool_persist);
        conf_sb_argf(sb, "%d", c->srv.pool_persist_seconds);
        conf_sb_end(sb);
    }
}

static int opt_ifconfig_push(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    uint32_t l, r, alias;
    (void)o;
    if (conf_ipv4(x, argv[1], "an IPv4 address", &l) < 0 ||
        conf_ipv4(x, argv[2], "an IPv4 address or netmask", &r) < 0 ||
        (argc > 3 && conf_ipv4(x, argv[3], "an IPv4 address", &alias) < 0))
        return -1;
    if (argc > 3 && conf_setstr(x, &s->ifconfig_push_alias, argv[3]) < 0)
        return -1;
    s->ifconfig_push_set = true;
    s->ifconfig_push_local = l;
    s->ifconfig_push_remote = r;
    return 0;
}

static void show_ifconfig_push(const struct conf *c, const struct conf_conn *ce,
                               const struct conf_opt *o, struct conf_sb *sb)
{
    char a[16];
    (void)ce;
    if (!c->srv.ifconfig_push_set)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, conf_fmt_ipv4(c->srv.ifconfig_push_local, a, sizeof(a)));
    conf_sb_arg(sb, conf_fmt_ipv4(c->srv.ifconfig_push_remote, a, sizeof(a)));
    if (c->srv.ifconfig_push_alias)
        conf_sb_arg(sb, c->srv.ifconfig_push_alias);
    conf_sb_end(sb);
}

static int opt_ifconfig6_push(struct conf_ctx *x, const struct conf_opt *o, int argc,
                              const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    (void)o;
    if (conf_ip6_prefix(x, argv[1], 0, 128, true, &s->ifconfig6_push) < 0 ||
        (argc > 2 && conf_ipv6(x, argv[2], s->ifconfig6_push_remote) < 0))
        return -1;
    s->ifconfig6_push_set = true;
    s->ifconfig6_push_remote_set = argc > 2;
    return 0;
}

static void show_ifconfig6_push(const struct conf *c, const struct conf_conn *ce,
                                const struct conf_opt *o, struct conf_sb *sb)
{
    char b[64];
    (void)ce;
    if (!c->srv.ifconfig6_push_set)
        return;
    conf_sb_begin(sb, o->name);
    sb_ip6(sb, &c->srv.ifconfig6_push, true);
    if (c->srv.ifconfig6_push_remote_set)
        conf_sb_arg(sb, conf_fmt_ipv6(c->srv.ifconfig6_push_remote, b, sizeof(b)));
    conf_sb_end(sb);
}

static int opt_push_constraint(struct conf_ctx *x, const struct conf_opt *o, int argc,
                               const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    (void)o;
    (void)argc;
    if (conf_ipv4(x, argv[1], "an IPv4 network", &s->push_constraint_network) < 0 ||
        conf_netmask(x, argv[2], &s->push_constraint_netmask) < 0)
        return -1;
    s->push_constraint_set = true;
    return 0;
}

static void show_push_constraint(const struct conf *c, const struct conf_conn *ce,
                                 const struct conf_opt *o, struct conf_sb *sb)
{
    char a[16];
    (void)ce;
    if (!c->srv.push_constraint_set)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, conf_fmt_ipv4(c->srv.push_constraint_network, a, sizeof(a)));
    conf_sb_arg(sb, conf_fmt_ipv4(c->srv.push_constraint_netmask, a, sizeof(a)));
    conf_sb_end(sb);
}

/* ---- routes ---- */

/* Probes without an error message, for arguments that may be one of several kinds. */
static bool ipv4_literal(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

static bool ipv6_literal(const char *s)
{
    uint8_t a[16];
    return inet_pton(AF_INET6, s, a) == 1;
}

static bool is_special_gw(const char *s)
{
    return strcmp(s, "vpn_gateway") == 0 || strcmp(s, "net_gateway") == 0 ||
           strcmp(s, "remote_host") == 0;
}

static bool is_default(const char *s)
{
    return strcmp(s, "default") == 0;
}

static int route_args(struct conf_ctx *x, int argc, const char *const *argv,
                      struct conf_route *r)
{
    uint32_t net = 0, gw;
    bool literal = ipv4_literal(argv[1], &net);
    if (!literal && !is_special_gw(argv[1]) &&
        conf_host(x, argv[1], "an IPv4 network, a host name or vpn_gateway / net_gateway / "
                              "remote_host") < 0)
        return -1;
    r->netmask = 0xffffffffu;
    r->metric = -1;
    if (argc > 2 && !is_default(argv[2]) && conf_netmask(x, argv[2], &r->netmask) < 0)
        return -1;
    if (literal && (net & r->netmask) != net)
        return conf_fail(x, "%s network %s has host bits set for netmask %s", x->dn, argv[1],
                         argc > 2 ? argv[2] : "255.255.255.255");
    if (argc > 3 && !is_default(argv[3]) && !is_special_gw(argv[3]) &&
        conf_ipv4(x, argv[3], "a gateway address or vpn_gateway / net_gateway / remote_host",
                  &gw) < 0)
        return -1;
    if (argc > 4 && !is_default(argv[4]) && conf_int(x, argv[4], 0, 2147483647, &r->metric) < 0)
        return -1;
    return 0;
}

static int opt_route(struct conf_ctx *x, const struct conf_opt *o, int argc,
                     const char *const *argv)
{
    struct conf_route r = { 0 };
    struct conf_routes *rt = &x->c->route;
    (void)o;
    if (route_args(x, argc, argv, &r) < 0)
        return -1;
    if (conf_setstr(x, &r.network, argv[1]) < 0 ||
        (argc > 3 && !is_default(argv[3]) && conf_setstr(x, &r.gateway, argv[3]) < 0)) {
        free(r.network);
        return -1;
    }
    struct conf_route *slot = conf_grow(x, &rt->v4, &rt->n_v4, sizeof(r));
    if (!slot) {
        free(r.network);
        free(r.gateway);
        return -1;
    }
    *slot = r;
    return 0;
}

static void show_route(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
{
    char m[16];
    (void)ce;
    for (size_t i = 0; i < c->route.n_v4; i++) {
        const struct conf_route *r = &c->route.v4[i];
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, r->network);
        conf_sb_arg(sb, conf_fmt_ipv4(r->netmask, m, sizeof(m)));
        if (r->gateway || r->metric >= 0)
            conf_sb_arg(sb, r->gateway ? r->gateway : "default");
        if (r->metric >= 0)
            conf_sb_argf(sb, "%d", r->metric);
        conf_sb_end(sb);
    }
}

static int opt_route6(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    struct conf_route6 r = { .metric = -1 };
    struct conf_routes *rt = &x->c->route;
    uint8_t gw[16];
    (void)o;
    if (conf_ip6_prefix(x, argv[1], 0, 128, false, &r.net) < 0)
        return -1;
    if (argc > 2 && !is_default(argv[2]) && conf_ipv6(x, argv[2], gw) < 0)
        return -1;
    if (argc > 3 && !is_default(argv[3]) && conf_int(x, argv[3], 0, 2147483647, &r.metric) < 0)
        return -1;
    if (argc > 2 && !is_default(argv[2]) && conf_setstr(x, &r.gateway, argv[2]) < 0)
        return -1;
    struct conf_route6 *slot = conf_grow(x, &rt->v6, &rt->n_v6, sizeof(r));
    if (!slot) {
        free(r.gateway);
        return -1;
    }
    *slot = r;
    return 0;
}

static void show_route6(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    for (size_t i = 0; i < c->route.n_v6; i++) {
        const struct conf_route6 *r = &c->route.v6[i];
        conf_sb_begin(sb, o->name);
        sb_ip6(sb, &r->net, true);
        if (r->gateway || r->metric >= 0)
            conf_sb_arg(sb, r->gateway ? r->gateway : "default");
        if (r->metric >= 0)
            conf_sb_argf(sb, "%d", r->metric);
        conf_sb_end(sb);
    }
}

static int opt_route_gateway(struct conf_ctx *x, const struct conf_opt *o, int argc,
                             const char *const *argv)
{
    struct conf_routes *r = &x->c->route;
    (void)o;
    (void)argc;
    if (strcmp(argv[1], "dhcp") == 0) {
        r->gateway_dhcp = true;
        return 0;
    }
    if (conf_ipv4(x, argv[1], "an IPv4 address or 'dhcp'", &r->gateway) < 0)
        return -1;
    r->gateway_set = true;
    return 0;
}

static void show_route_gateway(const struct conf *c, const struct conf_conn *ce,
                               const struct conf_opt *o, struct conf_sb *sb)
{
    char a[16];
    (void)ce;
    if (c->route.gateway_dhcp) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, "dhcp");
        conf_sb_end(sb);
    }
    if (c->route.gateway_set) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, conf_fmt_ipv4(c->route.gateway, a, sizeof(a)));
        conf_sb_end(sb);
    }
}

static int opt_route6_gateway(struct conf_ctx *x, const struct conf_opt *o, int argc,
                              const char *const *argv)
{
    (void)o;
    (void)argc;
    if (conf_ipv6(x, argv[1], x->c->route.ipv6_gateway) < 0)
        return -1;
    x->c->route.ipv6_gateway_set = true;
    return 0;
}

static void show_route6_gateway(const struct conf *c, const struct conf_conn *ce,
                                const struct conf_opt *o, struct conf_sb *sb)
{
    char a[64];
    (void)ce;
    if (c->route.ipv6_gateway_set) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, conf_fmt_ipv6(c->route.ipv6_gateway, a, sizeof(a)));
        conf_sb_end(sb);
    }
}

static int opt_route_delay(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    struct conf_routes *r = &x->c->route;
    (void)o;
    r->delay = 0;
    if (argc > 1 && conf_int(x, argv[1], 0, INT_MAX_, &r->delay) < 0)
        return -1;
    if (argc > 2 && conf_int(x, argv[2], 0, INT_MAX_, &r->delay_window) < 0)
        return -1;
    r->delay_set = true;
    return 0;
}

static void show_route_delay(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->route.delay_set) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", c->route.delay);
        conf_sb_argf(sb, "%d", c->route.delay_window);
        conf_sb_end(sb);
    }
}

static const char *const rg_words[] = { "local",       "autolocal",  "def1", "bypass-dhcp",
                                        "bypass-dns", "block-local", "ipv6", "!ipv4", NULL };

static int opt_redirect(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    unsigned flags = CONF_RG_ENABLE;
    int w;
    if (strcmp(o->name, "redirect-gateway") == 0)
        flags |= CONF_RG_REROUTE_GW;
    for (int i = 1; i < argc; i++) {
        if (conf_word(x, argv[i], rg_words, &w) < 0)
            return -1;
        flags |= CONF_RG_LOCAL << w;
    }
    if (x->c->route.redirect)
        conf_warn(x, "%s given twice (or with redirect-private): only the last one counts",
                  x->dn);
    x->c->route.redirect = flags;
    return 0;
}

static void show_redirect(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    unsigned f = c->route.redirect;
    bool gw = strcmp(o->name, "redirect-gateway") == 0;
    (void)ce;
    if (!(f & CONF_RG_ENABLE) || gw != !!(f & CONF_RG_REROUTE_GW))
        return;
    conf_sb_begin(sb, o->name);
    for (int i = 0; rg_words[i]; i++) {
        if (f & (CONF_RG_LOCAL << i))
            conf_sb_arg(sb, rg_words[i]);
    }
    conf_sb_end(sb);
}

static const char *const dhcp_words[] = { "DOMAIN",       "ADAPTER_DOMAIN_SUFFIX", "DNS",
                                          "DNS6",         "WINS",                  "NTP",
                                          "NBDD",         "NBT",                   "NBS",
                                          "NBSCOPE",      "DISABLE-NBT",           "DOMAIN-SEARCH",
                                          "PROXY_HTTP",   "PROXY_BYPASS",          "PROXY_AUTO_CONFIG_URL",
                                          NULL };

static const char *const nbt_words[] = { "1", "2", "4", "8", NULL };

static int opt_dhcp_option(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    int t;
    uint32_t a;
    uint8_t a6[16];
    const char *type = argv[1];
    (void)o;
    if (conf_word(x, type, dhcp_words, &t) < 0)
        return -1;
    int want = strcmp(type, "DISABLE-NBT") == 0 ? 0 : (strcmp(type, "PROXY_HTTP") == 0 ? 2 : 1);
    if (argc - 2 != want)
        return conf_fail(x, "%s %s expects %d value%s, got %d", x->dn, type, want,
                         want == 1 ? "" : "s", argc - 2);
    if (strcmp(type, "DNS") == 0 && !ipv4_literal(argv[2], &a) && !ipv6_literal(argv[2]))
        return conf_fail(x, "%s DNS expects an IPv4 or IPv6 address, got '%s'", x->dn, argv[2]);
    bool v4 = !strcmp(type, "WINS") || !strcmp(type, "NTP") || !strcmp(type, "NBDD") ||
              !strcmp(type, "NBS");
    if (v4 && conf_ipv4(x, argv[2], "an IPv4 address", &a) < 0)
        return -1;
    if (strcmp(type, "DNS6") == 0 && conf_ipv6(x, argv[2], a6) < 0)
        return -1;
    if (strcmp(type, "NBT") == 0 && conf_word(x, argv[2], nbt_words, &t) < 0)
        return -1;
    return conf_arglist_add(x, &x->c->route.dhcp_options, argc - 1, argv + 1);
}

static void show_arglist(const struct conf_arglist *l, const char *name, struct conf_sb *sb)
{
    for (size_t i = 0; i < l->n; i++)
        conf_sb_args(sb, name, l->v[i].argc, l->v[i].argv);
}

static void show_dhcp_option(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    show_arglist(&c->route.dhcp_options, o->name, sb);
}

static const char *const dns_words[] = { "search-domains", "server", NULL };
static const char *const dns_server_words[] = { "address", "resolve-domains", "dnssec",
                                                "transport", "sni", NULL };

static int opt_dns(struct conf_ctx *x, const struct conf_opt *o, int argc,
                   const char *const *argv)
{
    int w, prio;
    (void)o;
    if (conf_word(x, argv[1], dns_words, &w) < 0)
        return -1;
    if (w == 1) {
        if (argc < 5)
            return conf_fail(x, "%s server expects PRIORITY KEYWORD VALUE...", x->dn);
        if (conf_int(x, argv[2], -128, 127, &prio) < 0 ||
            conf_word(x, argv[3], dns_server_words, &w) < 0)
            return -1;
    }
    return conf_arglist_add(x, &x->c->route.dns, argc - 1, argv + 1);
}

static void show_dns(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                     struct conf_sb *sb)
{
    (void)ce;
    show_arglist(&c->route.dns, o->name, sb);
}

static const char *const filter_words[] = { "accept", "ignore", "reject", NULL };

static int opt_pull_filter(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    struct conf_routes *r = &x->c->route;
    int a;
    (void)o;
    (void)argc;
    if (conf_word(x, argv[1], filter_words, &a) < 0)
        return -1;
    struct conf_pull_filter *f = conf_grow(x, &r->filters, &r->n_filters, sizeof(*f));
    if (!f)
        return -1;
    f->action = (enum conf_filter)a;
    if (conf_setstr(x, &f->text, argv[2]) < 0) {
        r->n_filters--;
        return -1;
    }
    return 0;
}

static void show_pull_filter(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    for (size_t i = 0; i < c->route.n_filters; i++) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, filter_words[c->route.filters[i].action]);
        conf_sb_arg(sb, c->route.filters[i].text);
        conf_sb_end(sb);
    }
}

/* ---- server side ---- */

static int opt_push(struct conf_ctx *x, const struct conf_opt *o, int argc,
                    const char *const *argv)
{
    (void)o;
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects an option to push, such as \"route 10.0.0.0 "
                            "255.255.255.0\"",
                         x->dn);
    if (strchr(argv[1], ','))
        return conf_fail(x, "%s text may not contain ',' (it separates PUSH_REPLY items)", x->dn);
    return conf_strlist_add(x, &x->c->srv.push, argv[1]);
}

static void show_strlist(const struct conf_strlist *l, const char *name, struct conf_sb *sb)
{
    for (size_t i = 0; i < l->n; i++) {
        conf_sb_begin(sb, name);
        conf_sb_arg(sb, l->v[i]);
        conf_sb_end(sb);
    }
}

static void show_push(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                      struct conf_sb *sb)
{
    (void)ce;
    show_strlist(&c->srv.push, o->name, sb);
}

static int opt_push_remove(struct conf_ctx *x, const struct conf_opt *o, int argc,
                           const char *const *argv)
{
    (void)o;
    (void)argc;
    return conf_strlist_add(x, &x->c->srv.push_remove, argv[1]);
}

static void show_push_remove(const struct conf *c, const struct conf_conn *ce,
                             const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    show_strlist(&c->srv.push_remove, o->name, sb);
}

static int opt_client(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    x->c->net.client = true;
    return 0;
}

static void show_client(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->net.client && !c->finalized) {
        conf_sb_begin(sb, o->name);
        conf_sb_end(sb);
    }
}

static int opt_iroute(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    uint32_t net, mask = 0xffffffffu;
    (void)o;
    if (conf_ipv4(x, argv[1], "an IPv4 network", &net) < 0 ||
        (argc > 2 && conf_netmask(x, argv[2], &mask) < 0))
        return -1;
    if ((net & mask) != net)
        return conf_fail(x, "%s network %s has host bits set for its netmask", x->dn, argv[1]);
    struct conf_iroute *r = conf_grow(x, &s->iroutes, &s->n_iroutes, sizeof(*r));
    if (!r)
        return -1;
    r->network = net;
    r->netmask = mask;
    return 0;
}

static void show_iroute(const struct conf *c, const struct conf_conn *ce,
                        const struct conf_opt *o, struct conf_sb *sb)
{
    char a[16];
    (void)ce;
    for (size_t i = 0; i < c->srv.n_iroutes; i++) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, conf_fmt_ipv4(c->srv.iroutes[i].network, a, sizeof(a)));
        conf_sb_arg(sb, conf_fmt_ipv4(c->srv.iroutes[i].netmask, a, sizeof(a)));
        conf_sb_end(sb);
    }
}

static int opt_iroute6(struct conf_ctx *x, const struct conf_opt *o, int argc,
                       const char *const *argv)
{
    struct conf_server *s = &x->c->srv;
    struct conf_ip6 p;
    (void)o;
    (void)argc;
    if (conf_ip6_prefix(x, argv[1], 0, 128, false, &p) < 0)
        return -1;
    struct conf_ip6 *slot = conf_grow(x, &s->iroutes6, &s->n_iroutes6, sizeof(p));
    if (!slot)
        return -1;
    *slot = p;
    return 0;
}

static void show_iroute6(const struct conf *c, const struct conf_conn *ce,
                         const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    for (size_t i = 0; i < c->srv.n_iroutes6; i++) {
        conf_sb_begin(sb, o->name);
        sb_ip6(sb, &c->srv.iroutes6[i], true);
        conf_sb_end(sb);
    }
}

static int opt_int_pair(struct conf_ctx *x, const char *a, const char *b, long long lo, int *p1,
                        int *p2)
{
    int v1, v2;
    if (conf_int(x, a, lo, INT_MAX_, &v1) < 0 || conf_int(x, b, lo, INT_MAX_, &v2) < 0)
        return -1;
    *p1 = v1;
    *p2 = v2;
    return 0;
}

static int opt_hash_size(struct conf_ctx *x, const struct conf_opt *o, int argc,
                         const char *const *argv)
{
    (void)o;
    (void)argc;
    return opt_int_pair(x, argv[1], argv[2], 1, &x->c->srv.hash_size_real,
                        &x->c->srv.hash_size_virtual);
}

static void show_hash_size(const struct conf *c, const struct conf_conn *ce,
                           const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", c->srv.hash_size_real);
    conf_sb_argf(sb, "%d", c->srv.hash_size_virtual);
    conf_sb_end(sb);
}

static int opt_connect_freq(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    (void)o;
    (void)argc;
    return opt_int_pair(x, argv[1], argv[2], 0, &x->c->srv.connect_freq,
                        &x->c->srv.connect_freq_sec);
}

static void show_connect_freq(const struct conf *c, const struct conf_conn *ce,
                              const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->srv.connect_freq || c->srv.connect_freq_sec) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", c->srv.connect_freq);
        conf_sb_argf(sb, "%d", c->srv.connect_freq_sec);
        conf_sb_end(sb);
    }
}

static int opt_stale_routes(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    int age, interval;
    (void)o;
    if (conf_int(x, argv[1], 1, INT_MAX_, &age) < 0)
        return -1;
    interval = age;
    if (argc > 2 && conf_int(x, argv[2], 1, INT_MAX_, &interval) < 0)
        return -1;
    x->c->srv.stale_routes_age = age;
    x->c->srv.stale_routes_interval = interval;
    return 0;
}

static void show_stale_routes(const struct conf *c, const struct conf_conn *ce,
                              const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->srv.stale_routes_interval) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", c->srv.stale_routes_age);
        conf_sb_argf(sb, "%d", c->srv.stale_routes_interval);
        conf_sb_end(sb);
    }
}

static int opt_connection(struct conf_ctx *x, const struct conf_opt *o, int argc,
                          const char *const *argv)
{
    (void)o;
    (void)argc;
    if (!x->inline_data) {
        if (!x->file || strcmp(argv[1], CONF_INLINE_MARK) != 0)
            return conf_fail(x, "%s is only valid as a <connection> ... </connection> block in "
                                "a config file",
                             x->dn);
        return conf_fail(x, "%s %s is a placeholder: write a <connection> block", x->dn,
                         CONF_INLINE_MARK);
    }
    return conf_parse_connection(x, x->inline_data, x->inline_len);
}

static int opt_warn_ignored(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    conf_warn(x, "%s is obsolete and ignored", x->dn);
    return 0;
}

#define P CONF_PLANNED
#define R CONF_READY
#define CE(n, mn, mx, p, s, field)                                                                \
    { .name = n, .min_args = mn, .max_args = mx, .status = P, .flags = CONF_F_CE, .parse = p,      \
      .show = s, .off = CONF_CE(field) }

const struct conf_opt conf_opts_net[] = {
    /* transport and connection */
    OPT_ENUM("mode", net.mode, mode_words, P),
    OPT_FN("client", 0, 0, P, 0, opt_client, show_client),
    OPT_FLAG("pull", net.pull, P),
    { .name = "dev", .min_args = 1, .max_args = 1, .status = P, .parse = opt_dev,
      .show = conf_show_str, .off = CONF_OFF(dev.dev) },
    { .name = "dev-type", .min_args = 1, .max_args = 1, .status = P, .parse = opt_dev_type,
      .show = conf_show_str, .off = CONF_OFF(dev.dev_type) },
    OPT_STR("dev-node", dev.dev_node, P),
    OPT_INT("txqueuelen", dev.txqueuelen, 0, INT_MAX_, P),
    CE("proto", 1, 1, opt_proto, show_proto, proto),
    CE("port", 1, 1, opt_port, show_port, remote_port),
    CE("rport", 1, 1, opt_port, NULL, remote_port),
    CE("lport", 1, 1, opt_port, show_lport, local_port),
    CE("local", 1, 1, opt_local, conf_show_str, local),
    CE("nobind", 0, 0, opt_nobind, show_nobind, bind),
    CE("bind", 0, 1, opt_bind, show_bind, bind_set),
    OPT_CE_FLAG("float", remote_float),
    OPT_FN("remote", 1, 3, P, CONF_F_CONN, opt_remote, show_remote),
    OPT_FLAG("remote-random", net.remote_random, P),
    OPT_FLAG("remote-random-hostname", net.remote_random_hostname, P),
    OPT_FN("resolv-retry", 1, 1, P, 0, opt_resolv_retry, show_resolv_retry),
    CE("connect-retry", 1, 2, opt_connect_retry, show_connect_retry, connect_retry),
    { .name = "connect-retry-max", .min_args = 1, .max_args = 1, .status = P,
      .flags = CONF_F_CONN, .parse = conf_opt_int, .show = conf_show_int,
      .off = CONF_OFF(net.connect_retry_max), .lo = 0, .hi = INT_MAX_ },
    OPT_CE_INT("server-poll-timeout", connect_timeout, 0, INT_MAX_),
    { .name = "connect-timeout", .min_args = 1, .max_args = 1, .status = P, .flags = CONF_F_CE,
      .parse = conf_opt_int, .off = CONF_CE(connect_timeout), .lo = 0, .hi = INT_MAX_ },
    CE("explicit-exit-notify", 0, 1, opt_exit_notify, conf_show_int, explicit_exit_notify),
    CE("tun-mtu", 1, 2, opt_tun_mtu, show_tun_mtu, tun_mtu),
    OPT_CE_INT("tun-mtu-max", tun_mtu_max, 68, 65536),
    OPT_CE_INT("tun-mtu-extra", tun_mtu_extra, 0, 65535),
    OPT_CE_INT("link-mtu", link_mtu, 68, 65535),
    CE("mssfix", 0, 2, opt_mssfix, show_mssfix, mssfix),
    CE("fragment", 1, 2, opt_fragment, show_fragment, fragment),
    CE("mtu-disc", 1, 1, opt_mtu_disc, show_mtu_disc, mtu_disc),
    OPT_INT("sndbuf", net.sndbuf, 0, INT_MAX_, P),
    OPT_INT("rcvbuf", net.rcvbuf, 0, INT_MAX_, P),
    OPT_FLAG("fast-io", net.fast_io, R),
    OPT_INT("mark", net.mark, 0, INT_MAX_, P),
    OPT_STR("bind-dev", net.bind_dev, P),
    OPT_FLAG("multihome", net.multihome, P),
    OPT_FLAG("passtos", net.passtos, P),
    OPT_FLAG("persist-tun", dev.persist_tun, P),
    OPT_FLAG("persist-local-ip", net.persist_local_ip, P),
    OPT_FLAG("persist-remote-ip", net.persist_remote_ip, P),
    OPT_FLAG("disable-occ", net.disable_occ, P),
    OPT_FLAG("disable-dco", net.disable_dco, R),
    OPT_FN("tun-ipv6", 0, 0, R, 0, conf_opt_ignore, NULL),
    /* timers */
    OPT_FN("keepalive", 2, 2, P, 0, opt_keepalive, show_keepalive),
    OPT_INT("ping", net.ping, 0, INT_MAX_, P),
    OPT_FN("ping-restart", 1, 1, P, 0, opt_ping_rec, show_ping_rec),
    OPT_FN("ping-exit", 1, 1, P, 0, opt_ping_rec, show_ping_rec),
    OPT_FLAG("ping-timer-rem", net.ping_timer_rem, P),
    OPT_FN("inactive", 1, 2, P, 0, opt_inactive, show_inactive),
    OPT_INT("session-timeout", net.session_timeout, 0, INT_MAX_, P),
    /* addressing */
    OPT_FN("server", 2, 3, P, 0, opt_server, show_server),
    OPT_FN("server-ipv6", 1, 1, P, 0, opt_server6, show_server6),
    OPT_ENUM("topology", dev.topology, topology_words, P),
    OPT_FN("ifconfig", 2, 2, P, 0, opt_ifconfig, show_ifconfig),
    OPT_FN("ifconfig-ipv6", 2, 2, P, 0, opt_ifconfig6, show_ifconfig6),
    OPT_FLAG("ifconfig-noexec", dev.ifconfig_noexec, P),
    OPT_FLAG("ifconfig-nowarn", dev.ifconfig_nowarn, P),
    OPT_FLAG("block-ipv6", dev.block_ipv6, P),
    OPT_FN("ifconfig-pool", 2, 3, P, 0, opt_pool, show_pool),
    OPT_FN("ifconfig-ipv6-pool", 1, 1, P, 0, opt_pool6, show_pool6),
    OPT_FN("ifconfig-pool-persist", 1, 2, P, 0, opt_pool_persist, show_pool_persist),
    OPT_FN("ifconfig-push", 2, 3, P, 0, opt_ifconfig_push, show_ifconfig_push),
    OPT_FN("ifconfig-ipv6-push", 1, 2, P, 0, opt_ifconfig6_push, show_ifconfig6_push),
    OPT_FN("ifconfig-push-constraint", 2, 2, P, 0, opt_push_constraint, show_push_constraint),
    /* routes */
    OPT_FN("route", 1, 4, P, 0, opt_route, show_route),
    OPT_FN("route-ipv6", 1, 3, P, 0, opt_route6, show_route6),
    OPT_FN("route-gateway", 1, 1, P, 0, opt_route_gateway, show_route_gateway),
    OPT_FN("route-ipv6-gateway", 1, 1, P, 0, opt_route6_gateway, show_route6_gateway),
    OPT_INT("route-metric", route.metric, 0, INT_MAX_, P),
    OPT_FN("route-delay", 0, 2, P, 0, opt_route_delay, show_route_delay),
    OPT_FLAG("route-noexec", route.noexec, P),
    OPT_FLAG("route-nopull", route.nopull, P),
    OPT_FLAG("allow-pull-fqdn", route.allow_pull_fqdn, P),
    OPT_FN("redirect-gateway", 0, 8, P, 0, opt_redirect, show_redirect),
    OPT_FN("redirect-private", 0, 8, P, 0, opt_redirect, show_redirect),
    OPT_FN("dhcp-option", 1, 3, P, 0, opt_dhcp_option, show_dhcp_option),
    OPT_FN("dns", 2, -1, P, 0, opt_dns, show_dns),
    OPT_FN("pull-filter", 2, 2, P, 0, opt_pull_filter, show_pull_filter),
    OPT_FN("max-routes", 0, 1, R, 0, opt_warn_ignored, NULL),
    /* server mode */
    OPT_FN("push", 1, 1, P, 0, opt_push, show_push),
    OPT_FLAG("push-reset", srv.push_reset, P),
    OPT_FN("push-remove", 1, 1, P, 0, opt_push_remove, show_push_remove),
    { .name = "push-continuation", .min_args = 1, .max_args = 1, .status = P,
      .parse = conf_opt_int, .off = CONF_OFF(srv.push_continuation), .lo = 0, .hi = 2 },
    OPT_FLAG("client-to-client", srv.client_to_client, P),
    OPT_FLAG("duplicate-cn", srv.duplicate_cn, P),
    OPT_INT("max-clients", srv.max_clients, 1, 16777215, P),
    OPT_STR("client-config-dir", srv.client_config_dir, P),
    OPT_FLAG("ccd-exclusive", srv.ccd_exclusive, P),
    OPT_FN("iroute", 1, 2, P, 0, opt_iroute, show_iroute),
    OPT_FN("iroute-ipv6", 1, 1, P, 0, opt_iroute6, show_iroute6),
    OPT_FLAG("disable", srv.disable, P),
    OPT_FN("connect-freq", 2, 2, P, 0, opt_connect_freq, show_connect_freq),
    OPT_INT("max-routes-per-client", srv.max_routes_per_client, 1, INT_MAX_, P),
    OPT_INT("bcast-buffers", srv.bcast_buffers, 1, INT_MAX_, P),
    OPT_FN("hash-size", 2, 2, P, 0, opt_hash_size, show_hash_size),
    OPT_INT("tcp-queue-limit", srv.tcp_queue_limit, 1, INT_MAX_, R),
    OPT_FN("stale-routes-check", 1, 2, P, 0, opt_stale_routes, show_stale_routes),
    /* shown by conf_show() itself, after every per-connection option */
    OPT_FN("connection", 1, 1, P, CONF_F_INLINE, opt_connection, NULL),
};

const size_t conf_opts_net_count = sizeof(conf_opts_net) / sizeof(conf_opts_net[0]);
