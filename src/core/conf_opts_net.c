/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options of ops-interfaces.md 1.5.1 for the device, the transport, MTU and timers, and
 * <connection> blocks: table entries, handlers and show functions. Addresses, routes and server
 * mode are in conf_opts_addr.c.
 */
#include "conf_opts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT_MAX_ 2147483647LL

static const char *const proto_words[] = { "udp", "udp4", "udp6", NULL };
static const char *const tcp_protos[] = { "tcp",         "tcp4",        "tcp6",       "tcp-client",
                                          "tcp4-client", "tcp6-client", "tcp-server", "tcp4-server",
                                          "tcp6-server", NULL };
static const char *const mode_words[] = { "p2p", "server", NULL };

/* ---- device and transport ---- */

static int opt_dev(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)argc;
    if (strncmp(argv[1], "tap", 3) == 0 && !x->c->dev.dev_type)
        return conf_refuse(x, o, argv[1], "TAP / bridging");
    if (strcmp(argv[1], "null") == 0)
        return conf_refuse(x, o, argv[1], "it needs a TUN device");
    if (argv[1][0] == '\0' || strlen(argv[1]) >= 16 || strchr(argv[1], '/'))
        return conf_fail(x,
                         "%s expects an interface name such as tun or tun0 (15 bytes max), "
                         "got '%s'",
                         x->dn, argv[1]);
    return conf_setstr(x, &x->c->dev.dev, argv[1]);
}

static int opt_dev_type(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    (void)argc;
    if (strcmp(argv[1], "tap") == 0)
        return conf_refuse(x, o, argv[1], "TAP / bridging");
    if (strcmp(argv[1], "tun") != 0)
        return conf_fail(x, "%s expects 'tun', got '%s'", x->dn, argv[1]);
    return conf_setstr(x, &x->c->dev.dev_type, argv[1]);
}

static int parse_proto(struct conf_ctx *x, const struct conf_opt *o, const char *s, int *out)
{
    for (size_t i = 0; tcp_protos[i]; i++) {
        if (strcmp(s, tcp_protos[i]) != 0)
            continue;
        if (strcmp(o->name, "proto") == 0)
            return conf_refuse(x, o, s, "TCP transport");
        return conf_fail(x, "%s protocol '%s' is not supported by Sluice (TCP transport)", x->dn,
                         s);
    }
    return conf_word(x, s, proto_words, out);
}

static int opt_proto(struct conf_ctx *x, const struct conf_opt *o, int argc,
                     const char *const *argv)
{
    int p;
    (void)argc;
    if (parse_proto(x, o, argv[1], &p) < 0)
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

static int opt_port(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
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

/*
 * port sets both ports, rport and lport one each, and only lport makes the client bind: the
 * lines below rebuild exactly (local, remote, local_port_set).
 */
static void show_port(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                      struct conf_sb *sb)
{
    (void)c;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", ce->local_port_set ? ce->remote_port : ce->local_port);
    conf_sb_end(sb);
}

static void show_rport(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
{
    (void)c;
    if (!ce->local_port_set && ce->remote_port != ce->local_port) {
        conf_sb_begin(sb, o->name);
        conf_sb_argf(sb, "%d", ce->remote_port);
        conf_sb_end(sb);
    }
}

static void show_lport(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
{
    (void)c;
    if (ce->local_port_set) {
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
    if (conf_host(x, argv[1], "a host name or address") < 0)
        return -1;
    if (argc > 2 && conf_port(x, argv[2], false, &port) < 0)
        return -1;
    if (argc > 3 && parse_proto(x, o, argv[3], &proto) < 0)
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

static void show_remote(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
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

static void show_nobind(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
{
    (void)c;
    if (!ce->bind) {
        conf_sb_begin(sb, o->name);
        conf_sb_end(sb);
    }
}

static int opt_bind(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
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

static void show_tun_mtu(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                         struct conf_sb *sb)
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
        return conf_fail(x, "%s expects 'mtu' or 'fixed' after the size, got '%s'", x->dn, argv[2]);
    x->ce->mssfix = v;
    /* Without a value the default applies, which counts the encapsulation ("mtu"). */
    x->ce->mssfix_mtu = argc == 1 || (argc > 2 && strcmp(argv[2], "mtu") == 0);
    x->ce->mssfix_fixed = argc > 2 && strcmp(argv[2], "fixed") == 0;
    return 0;
}

static void show_mssfix(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
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
    bool want =
        exit_opt ? c->net.ping_action == CONF_PING_EXIT : c->net.ping_action != CONF_PING_EXIT;
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

static int opt_client(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    x->c->net.client = true;
    return 0;
}

static void show_client(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
{
    (void)ce;
    if (c->net.client && !c->finalized) {
        conf_sb_begin(sb, o->name);
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
            return conf_fail(x,
                             "%s is only valid as a <connection> ... </connection> block in "
                             "a config file",
                             x->dn);
        return conf_fail(x, "%s %s is a placeholder: write a <connection> block", x->dn,
                         CONF_INLINE_MARK);
    }
    return conf_parse_connection(x, x->inline_data, x->inline_len);
}

#define P CONF_PLANNED
#define R CONF_READY
#define CE(n, mn, mx, p, s, field)                                                                 \
    {                                                                                              \
        .name = n, .min_args = mn, .max_args = mx, .status = P, .flags = CONF_F_CE, .parse = p,    \
        .show = s, .off = CONF_CE(field)                                                           \
    }
#define CE_R(n, mn, mx, p, s, field)                                                               \
    {                                                                                              \
        .name = n, .min_args = mn, .max_args = mx, .status = R, .flags = CONF_F_CE, .parse = p,    \
        .show = s, .off = CONF_CE(field)                                                           \
    }

const struct conf_opt conf_opts_net[] = {
    /* transport and connection */
    OPT_ENUM("mode", net.mode, mode_words, R),
    OPT_FN("client", 0, 0, R, 0, opt_client, show_client),
    OPT_FLAG("pull", net.pull, R),
    { .name = "dev",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .parse = opt_dev,
      .show = conf_show_str,
      .off = CONF_OFF(dev.dev) },
    { .name = "dev-type",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .parse = opt_dev_type,
      .show = conf_show_str,
      .off = CONF_OFF(dev.dev_type) },
    OPT_STR("dev-node", dev.dev_node, R),
    OPT_INT("txqueuelen", dev.txqueuelen, 0, INT_MAX_, R),
    CE_R("proto", 1, 1, opt_proto, show_proto, proto),
    CE_R("port", 1, 1, opt_port, show_port, remote_port),
    CE_R("rport", 1, 1, opt_port, show_rport, remote_port),
    CE_R("lport", 1, 1, opt_port, show_lport, local_port),
    CE_R("local", 1, 1, opt_local, conf_show_str, local),
    CE_R("nobind", 0, 0, opt_nobind, show_nobind, bind),
    CE_R("bind", 0, 1, opt_bind, show_bind, bind_set),
    { .name = "float",
      .min_args = 0,
      .max_args = 0,
      .status = R,
      .flags = CONF_F_CE,
      .parse = conf_opt_flag,
      .show = conf_show_flag,
      .off = CONF_CE(remote_float) },
    OPT_FN("remote", 1, 3, R, CONF_F_CONN, opt_remote, show_remote),
    OPT_FLAG("remote-random", net.remote_random, P),
    OPT_FLAG("remote-random-hostname", net.remote_random_hostname, P),
    OPT_FN("resolv-retry", 1, 1, P, 0, opt_resolv_retry, show_resolv_retry),
    CE_R("connect-retry", 1, 2, opt_connect_retry, show_connect_retry, connect_retry),
    { .name = "connect-retry-max",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .flags = CONF_F_CONN,
      .parse = conf_opt_int,
      .show = conf_show_int,
      .off = CONF_OFF(net.connect_retry_max),
      .lo = 0,
      .hi = INT_MAX_ },
    OPT_CE_INT("server-poll-timeout", connect_timeout, 0, INT_MAX_),
    { .name = "connect-timeout",
      .min_args = 1,
      .max_args = 1,
      .status = P,
      .flags = CONF_F_CE,
      .parse = conf_opt_int,
      .off = CONF_CE(connect_timeout),
      .lo = 0,
      .hi = INT_MAX_ },
    CE_R("explicit-exit-notify", 0, 1, opt_exit_notify, conf_show_int, explicit_exit_notify),
    CE_R("tun-mtu", 1, 2, opt_tun_mtu, show_tun_mtu, tun_mtu),
    OPT_CE_INT("tun-mtu-max", tun_mtu_max, 68, 65536),
    OPT_CE_INT("tun-mtu-extra", tun_mtu_extra, 0, 65535),
    OPT_CE_INT("link-mtu", link_mtu, 68, 65535),
    CE_R("mssfix", 0, 2, opt_mssfix, show_mssfix, mssfix),
    CE("fragment", 1, 2, opt_fragment, show_fragment, fragment),
    CE("mtu-disc", 1, 1, opt_mtu_disc, show_mtu_disc, mtu_disc),
    OPT_INT("sndbuf", net.sndbuf, 0, INT_MAX_, R),
    OPT_INT("rcvbuf", net.rcvbuf, 0, INT_MAX_, R),
    OPT_FLAG("fast-io", net.fast_io, R),
    OPT_INT("mark", net.mark, 0, INT_MAX_, P),
    OPT_STR("bind-dev", net.bind_dev, P),
    OPT_FLAG("multihome", net.multihome, P),
    OPT_FLAG("passtos", net.passtos, P),
    OPT_FLAG("persist-tun", dev.persist_tun, R),
    OPT_FLAG("persist-local-ip", net.persist_local_ip, P),
    OPT_FLAG("persist-remote-ip", net.persist_remote_ip, P),
    OPT_FLAG("disable-occ", net.disable_occ, P),
    OPT_FLAG("disable-dco", net.disable_dco, R),
    OPT_FN("tun-ipv6", 0, 0, R, 0, conf_opt_ignore, NULL),
    /* timers */
    OPT_FN("keepalive", 2, 2, R, 0, opt_keepalive, show_keepalive),
    OPT_INT("ping", net.ping, 0, INT_MAX_, R),
    OPT_FN("ping-restart", 1, 1, R, 0, opt_ping_rec, show_ping_rec),
    OPT_FN("ping-exit", 1, 1, R, 0, opt_ping_rec, show_ping_rec),
    OPT_FLAG("ping-timer-rem", net.ping_timer_rem, P),
    OPT_FN("inactive", 1, 2, R, 0, opt_inactive, show_inactive),
    OPT_INT("session-timeout", net.session_timeout, 0, INT_MAX_, P),
    /* shown by conf_show() itself, after every per-connection option */
    OPT_FN("connection", 1, 1, P, CONF_F_INLINE, opt_connection, NULL),
};

const size_t conf_opts_net_count = sizeof(conf_opts_net) / sizeof(conf_opts_net[0]);
