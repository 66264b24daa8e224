/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options of ops-interfaces.md 1.5.1 and 1.5.4 for addresses, pools, routes, DHCP/DNS options
 * and server mode (push, CCD, client limits): table entries, handlers and show functions.
 */
#include "conf_opts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT_MAX_ 2147483647LL

static const char *const topology_words[] = { "net30", "p2p", "subnet", NULL };

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

static void show_server(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
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

static void show_server6(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                         struct conf_sb *sb)
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

static int opt_pool(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
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

static void show_pool6(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
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

static int route_args(struct conf_ctx *x, int argc, const char *const *argv, struct conf_route *r)
{
    uint32_t net = 0, gw;
    bool literal = ipv4_literal(argv[1], &net);
    if (!literal && !is_special_gw(argv[1]) &&
        conf_host(x, argv[1],
                  "an IPv4 network, a host name or vpn_gateway / net_gateway / "
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
        conf_ipv4(x, argv[3], "a gateway address or vpn_gateway / net_gateway / remote_host", &gw) <
            0)
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

static void show_route6(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
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

static const char *const rg_words[] = { "local",       "autolocal",  "def1",
                                        "bypass-dhcp", "bypass-dns", "block-local",
                                        "ipv6",        "!ipv4",      NULL };

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
        conf_warn(x, "%s given twice (or with redirect-private): only the last one counts", x->dn);
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

static const char *const dhcp_words[] = { "DOMAIN",
                                          "ADAPTER_DOMAIN_SUFFIX",
                                          "DNS",
                                          "DNS6",
                                          "WINS",
                                          "NTP",
                                          "NBDD",
                                          "NBT",
                                          "NBS",
                                          "NBSCOPE",
                                          "DISABLE-NBT",
                                          "DOMAIN-SEARCH",
                                          "PROXY_HTTP",
                                          "PROXY_BYPASS",
                                          "PROXY_AUTO_CONFIG_URL",
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
static const char *const dns_server_words[] = { "address", "resolve-domains",
                                                "dnssec",  "transport",
                                                "sni",     NULL };

static int opt_dns(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
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

static int opt_push(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)o;
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x,
                         "%s expects an option to push, such as \"route 10.0.0.0 "
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

static void show_iroute(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
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

static void show_iroute6(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                         struct conf_sb *sb)
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

const struct conf_opt conf_opts_addr[] = {
    /* addressing */
    OPT_FN("server", 2, 3, R, 0, opt_server, show_server),
    OPT_FN("server-ipv6", 1, 1, R, 0, opt_server6, show_server6),
    OPT_ENUM("topology", dev.topology, topology_words, R),
    OPT_FN("ifconfig", 2, 2, R, 0, opt_ifconfig, show_ifconfig),
    OPT_FN("ifconfig-ipv6", 2, 2, R, 0, opt_ifconfig6, show_ifconfig6),
    OPT_FLAG("ifconfig-noexec", dev.ifconfig_noexec, P),
    OPT_FLAG("ifconfig-nowarn", dev.ifconfig_nowarn, P),
    OPT_FLAG("block-ipv6", dev.block_ipv6, P),
    OPT_FN("ifconfig-pool", 2, 3, R, 0, opt_pool, show_pool),
    OPT_FN("ifconfig-ipv6-pool", 1, 1, R, 0, opt_pool6, show_pool6),
    OPT_FN("ifconfig-pool-persist", 1, 2, P, 0, opt_pool_persist, show_pool_persist),
    OPT_FN("ifconfig-push", 2, 3, P, 0, opt_ifconfig_push, show_ifconfig_push),
    OPT_FN("ifconfig-ipv6-push", 1, 2, P, 0, opt_ifconfig6_push, show_ifconfig6_push),
    OPT_FN("ifconfig-push-constraint", 2, 2, P, 0, opt_push_constraint, show_push_constraint),
    /* routes */
    OPT_FN("route", 1, 4, R, 0, opt_route, show_route),
    OPT_FN("route-ipv6", 1, 3, R, 0, opt_route6, show_route6),
    OPT_FN("route-gateway", 1, 1, P, 0, opt_route_gateway, show_route_gateway),
    OPT_FN("route-ipv6-gateway", 1, 1, P, 0, opt_route6_gateway, show_route6_gateway),
    OPT_INT("route-metric", route.metric, 0, INT_MAX_, R),
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
    OPT_FN("push", 1, 1, R, 0, opt_push, show_push),
    OPT_FLAG("push-reset", srv.push_reset, P),
    OPT_FN("push-remove", 1, 1, P, 0, opt_push_remove, show_push_remove),
    { .name = "push-continuation",
      .min_args = 1,
      .max_args = 1,
      .status = P,
      .parse = conf_opt_int,
      .off = CONF_OFF(srv.push_continuation),
      .lo = 0,
      .hi = 2 },
    OPT_FLAG("client-to-client", srv.client_to_client, P),
    OPT_FLAG("duplicate-cn", srv.duplicate_cn, R),
    OPT_INT("max-clients", srv.max_clients, 1, 16777215, R),
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
};

const size_t conf_opts_addr_count = sizeof(conf_opts_addr) / sizeof(conf_opts_addr[0]);
