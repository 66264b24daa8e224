/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After parsing: the macros of ops-interfaces.md section 2 (server-ipv6, server, client,
 * keepalive, in OpenVPN's order so the push list comes out as in 2.1), defaults that depend on
 * other options, the connection list, and the cross-option checks OpenVPN makes before starting
 * (options.c options_postprocess_verify). Messages name the line of the option at fault.
 */
#include "conf.h"

#include "conf_opts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MIN_NETBITS 16 /* IFCONFIG_POOL_MIN_NETBITS */
#define POOL_MAX_SIZE    65536
#define NET30_WARNING                                                                              \
    "WARNING: --topology net30 support for server configs with IPv4 pools will be removed in a "   \
    "future release. Please migrate to --topology subnet as soon as possible."

struct fin {
    struct conf *c;
    struct conf_err *err;
};

/*
 * "PLACE: message" where PLACE is where the first of the space-separated option names was
 * given, or the first file read when none was.
 */
__attribute__((format(printf, 3, 4))) static int fail_at(struct fin *f, const char *names,
                                                         const char *fmt, ...)
{
    char name[64], place[CONF_ERR_LEN / 2];
    const struct conf_place *p = NULL;
    const char *s = names;

    while (!p && *s) {
        size_t n = strcspn(s, " ");
        snprintf(name, sizeof(name), "%.*s", (int)n, s);
        p = conf_seen(f->c, name);
        s += n + (s[n] == ' ');
    }
    if (p)
        conf_place_text(p, place, sizeof(place));
    else
        snprintf(place, sizeof(place), "%s", f->c->names.n ? f->c->names.v[0] : "command line");
    int used = snprintf(f->err->msg, sizeof(f->err->msg), "%s: ", place);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err->msg + used, sizeof(f->err->msg) - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

static int note(struct fin *f, const char *text)
{
    struct conf_ctx x = { .c = f->c, .err = f->err };
    snprintf(x.dn, sizeof(x.dn), "'finalize'");
    return conf_strlist_add(&x, &f->c->notes, text);
}

static int push(struct fin *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int push(struct fin *f, const char *fmt, ...)
{
    char item[CONF_MAX_TOKEN];
    struct conf_ctx x = { .c = f->c, .err = f->err };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(item, sizeof(item), fmt, ap);
    va_end(ap);
    snprintf(x.dn, sizeof(x.dn), "'push'");
    return conf_strlist_add(&x, &f->c->srv.push, item);
}

static const char *ip4(uint32_t a, char *buf)
{
    return conf_fmt_ipv4(a, buf, 16);
}

static void ip6_add(uint8_t a[16], uint32_t n)
{
    for (int i = 15; i >= 0 && n; i--) {
        uint32_t v = a[i] + (n & 0xff);
        a[i] = (uint8_t)v;
        n = (n >> 8) + (v >> 8);
    }
}

/* ---- device ---- */

static int check_dev(struct fin *f)
{
    const struct conf_dev *d = &f->c->dev;
    if (!d->dev)
        return fail_at(f, "", "'dev' is missing: Sluice needs a TUN device ('dev tun')");
    if (!d->dev_type && strncmp(d->dev, "tun", 3) != 0)
        return fail_at(f, "dev", "'dev %s' does not start with 'tun': add 'dev-type tun'", d->dev);
    return 0;
}

/* ---- macros ---- */

static int macro_server6(struct fin *f)
{
    struct conf *c = f->c;
    struct conf_server *s = &c->srv;
    if (!s->server6_set)
        return 0;
    if (c->net.client)
        return fail_at(f, "server-ipv6", "'server-ipv6' and 'client' cannot be used together");
    if (s->server_set && s->server_nopool)
        return fail_at(f, "server-ipv6", "'server-ipv6' cannot be combined with 'nopool'");
    if (s->pool6_set)
        return fail_at(f, "ifconfig-ipv6-pool",
                       "'server-ipv6' already defines the IPv6 pool: remove 'ifconfig-ipv6-pool'");
    c->net.mode = CONF_MODE_SERVER;
    c->tls.server = true;
    c->dev.ifconfig6_set = true;
    c->dev.ifconfig6_local = s->server6;
    ip6_add(c->dev.ifconfig6_local.addr, 1);
    memcpy(c->dev.ifconfig6_remote, s->server6.addr, 16);
    ip6_add(c->dev.ifconfig6_remote, 2);
    s->pool6_set = true;
    s->pool6 = s->server6;
    /* Large pools keep OpenVPN's offset of 0x1000; small ones could not reach it. */
    ip6_add(s->pool6.addr, s->server6.bits < 112 ? 0x1000 : 2);
    return push(f, "tun-ipv6");
}

static int server_net30(struct fin *f, uint32_t net, uint32_t mask, int bits)
{
    struct conf *c = f->c;
    struct conf_server *s = &c->srv;
    char a[16], b[16];
    uint32_t bcast = net | ~mask;

    c->dev.ifconfig_local = net + 1;
    c->dev.ifconfig_remote = net + 2;
    if (!s->server_nopool) {
        s->pool_set = true;
        s->pool_start = net + 4;
        s->pool_end = bcast - (bits == 29 ? 0 : 4);
    }
    struct conf_route *r = NULL;
    struct conf_ctx x = { .c = c, .err = f->err };
    snprintf(x.dn, sizeof(x.dn), "'server'");
    r = conf_grow(&x, &c->route.v4, &c->route.n_v4, sizeof(*r));
    if (!r || conf_setstr(&x, &r->network, ip4(net, a)) < 0)
        return -1;
    r->netmask = mask;
    r->metric = -1;
    if (s->client_to_client)
        return push(f, "route %s %s", ip4(net, a), ip4(mask, b));
    if (c->dev.topology == CONF_TOPOLOGY_NET30)
        return push(f, "route %s", ip4(net + 1, a));
    return 0;
}

static int server_subnet(struct fin *f, uint32_t net, uint32_t mask)
{
    struct conf *c = f->c;
    struct conf_server *s = &c->srv;
    char a[16];

    c->dev.ifconfig_local = net + 1;
    c->dev.ifconfig_remote = mask;
    if (!s->server_nopool) {
        s->pool_set = true;
        s->pool_start = net + 2;
        s->pool_end = (net | ~mask) - 1;
    }
    s->pool_netmask = mask;
    if (push(f, "route-gateway %s", ip4(net + 1, a)) < 0)
        return -1;
    if (!c->route.gateway_set) {
        c->route.gateway_set = true;
        c->route.gateway = net + 2;
    }
    return 0;
}

static int server_checks(struct fin *f, int bits)
{
    struct conf *c = f->c;
    if (c->net.client)
        return fail_at(f, "server", "'server' and 'client' cannot be used together");
    if (c->srv.pool_set && !c->srv.server_nopool)
        return fail_at(f, "ifconfig-pool",
                       "'server' already defines the address pool: remove 'ifconfig-pool'");
    if (bits < POOL_MIN_NETBITS)
        return fail_at(f, "server",
                       "'server' netmask allows too many addresses (/%d; /%d or "
                       "longer is needed)",
                       bits, POOL_MIN_NETBITS);
    if (bits > 29)
        return fail_at(f, "server",
                       "'server' with 'dev tun' needs a subnet of /29 or larger, "
                       "got /%d",
                       bits);
    return 0;
}

static const char *const topology_names[] = { "net30", "p2p", "subnet" };

static int macro_server(struct fin *f)
{
    struct conf *c = f->c;
    struct conf_server *s = &c->srv;
    uint32_t net = s->server_network, mask = s->server_netmask;
    int bits = 0;
    if (!s->server_set)
        return 0;
    conf_contiguous(mask, &bits);
    if (server_checks(f, bits) < 0)
        return -1;
    c->net.mode = CONF_MODE_SERVER;
    c->tls.server = true;
    c->dev.ifconfig_set = true;
    int rc = c->dev.topology == CONF_TOPOLOGY_SUBNET ? server_subnet(f, net, mask)
                                                     : server_net30(f, net, mask, bits);
    if (rc < 0 || push(f, "topology %s", topology_names[c->dev.topology]) < 0)
        return -1;
    if (c->dev.topology == CONF_TOPOLOGY_NET30 && !s->server_nopool && note(f, NET30_WARNING) < 0)
        return -1;
    if (c->dev.topology == CONF_TOPOLOGY_SUBNET) {
        s->push_constraint_set = true;
        s->push_constraint_network = net;
        s->push_constraint_netmask = mask;
    }
    return 0;
}

static void macro_client(struct fin *f)
{
    if (f->c->net.client) {
        f->c->net.pull = true;
        f->c->tls.client = true;
    }
}

static int macro_keepalive(struct fin *f)
{
    struct conf_net *n = &f->c->net;
    long long ping = n->keepalive_ping, timeout = n->keepalive_timeout;
    if (!n->keepalive_set)
        return 0;
    if (ping <= 0 || timeout <= 0)
        return fail_at(f, "keepalive", "'keepalive' values must be greater than 0");
    if (ping * 2 > timeout)
        return fail_at(f, "keepalive",
                       "'keepalive' timeout (%lld) must be at least twice the interval (%lld); "
                       "'keepalive 10 60' is recommended",
                       timeout, ping);
    if (n->ping || n->ping_rec)
        return fail_at(f, "ping ping-restart ping-exit",
                       "'keepalive' conflicts with 'ping', 'ping-restart' and 'ping-exit' (it "
                       "sets them)");
    n->ping = (int)ping;
    n->ping_action = CONF_PING_RESTART;
    if (n->mode != CONF_MODE_SERVER) {
        n->ping_rec = (int)timeout;
        return 0;
    }
    /* The server waits twice as long as the clients it tells to restart (helper.c). */
    if (timeout * 2 > 2147483647LL)
        return fail_at(f, "keepalive", "'keepalive' timeout %lld is too large", timeout);
    n->ping_rec = (int)(timeout * 2);
    if (push(f, "ping %lld", ping) < 0)
        return -1;
    return push(f, "ping-restart %lld", timeout);
}

/* ---- connection list ---- */

static int conn_checks(struct fin *f, const struct conf_conn *e)
{
    if (e->bind_set && !e->bind)
        return fail_at(f, "nobind bind", "'bind' and 'nobind' cannot be used together");
    if (e->local && !e->bind)
        return fail_at(f, "nobind local", "'local' and 'nobind' make no sense together");
    if (e->local_port_set && !e->bind)
        return fail_at(f, "nobind lport", "'lport' and 'nobind' make no sense together");
    if (!e->remote && !e->bind)
        return fail_at(f, "nobind", "'nobind' makes sense only with 'remote'");
    if (e->tun_mtu_set && e->link_mtu)
        return fail_at(f, "link-mtu tun-mtu", "only one of 'tun-mtu' and 'link-mtu' may be given");
    if (e->remote && e->local && strcmp(e->remote, e->local) == 0 &&
        e->remote_port == e->local_port)
        return fail_at(f, "remote local", "'remote' and 'local' are the same address and port");
    return 0;
}

static struct conf_conn *add_entry(struct fin *f, const struct conf_conn *src)
{
    struct conf *c = f->c;
    struct conf_ctx x = { .c = c, .err = f->err };
    snprintf(x.dn, sizeof(x.dn), "'remote'");
    struct conf_conn *e = conf_grow(&x, &c->conn_list, &c->n_conn_list, sizeof(*e));
    if (!e)
        return NULL;
    if (conf_conn_copy(e, src) < 0) {
        memset(e, 0, sizeof(*e));
        c->n_conn_list--;
        conf_oom(&x);
        return NULL;
    }
    return e;
}

static int entry_from_remote(struct fin *f, const struct conf_remote *r)
{
    struct conf_conn *e = add_entry(f, &f->c->ce);
    if (!e)
        return -1;
    e->remote = strdup(r->host);
    if (!e->remote)
        return fail_at(f, "remote", "out of memory");
    if (r->port)
        e->remote_port = r->port;
    if (r->proto >= 0)
        e->proto = (enum conf_proto)r->proto;
    return 0;
}

static int build_conn_list(struct fin *f)
{
    struct conf *c = f->c;
    if (c->n_conns && c->n_remotes &&
        note(f, "WARNING: 'remote' lines are ignored because <connection> blocks are given") < 0)
        return -1;
    for (size_t i = 0; i < c->n_conns; i++) {
        if (!add_entry(f, &c->conns[i]))
            return -1;
    }
    for (size_t i = 0; !c->n_conns && i < c->n_remotes; i++) {
        if (entry_from_remote(f, &c->remotes[i]) < 0)
            return -1;
    }
    if (c->n_conn_list == 0 && !add_entry(f, &c->ce))
        return -1;
    for (size_t i = 0; i < c->n_conn_list; i++) {
        if (conn_checks(f, &c->conn_list[i]) < 0)
            return -1;
    }
    return 0;
}

/* ---- defaults that depend on other options ---- */

static bool compresses(const struct conf_tls *t)
{
    return t->compress == CONF_COMPRESS_LZ4 || t->compress == CONF_COMPRESS_LZ4_V2 ||
           t->compress == CONF_COMPRESS_LZO || t->comp_lzo == CONF_COMP_LZO_YES ||
           t->comp_lzo == CONF_COMP_LZO_ADAPTIVE;
}

static int compression_default(struct fin *f)
{
    struct conf_tls *t = &f->c->tls;
    if (t->allow_compression == CONF_ALLOW_COMP_NO && compresses(t))
        return fail_at(f, "allow-compression compress comp-lzo",
                       "'allow-compression no' conflicts with enabling compression");
    if (t->allow_compression != CONF_ALLOW_COMP_UNSET)
        return 0;
    if (!compresses(t)) {
        t->allow_compression = CONF_ALLOW_COMP_NO;
        return 0;
    }
    /* 2.6 without "allow-compression yes": decompress what arrives, send uncompressed. */
    t->allow_compression = CONF_ALLOW_COMP_ASYM;
    return note(f, "WARNING: Compression for receiving enabled. Compression has been used in "
                   "the past to break encryption. Sent packets are not compressed unless "
                   "\"allow-compression yes\" is also set.");
}

static int tls_version_default(struct fin *f)
{
    struct conf_tls *t = &f->c->tls;
    if (!t->version_min_set && t->version_max != CONF_TLS_VER_UNSET &&
        t->version_max < t->version_min)
        t->version_min = t->version_max;
    if (t->version_max != CONF_TLS_VER_UNSET && t->version_min > t->version_max)
        return fail_at(f, "tls-version-min tls-version-max",
                       "'tls-version-min' is above 'tls-version-max'");
    return 0;
}

/* ---- TLS mode ---- */

static bool has_file(const struct conf_blob *b)
{
    return b->path || b->is_inline;
}

static int check_credentials(struct fin *f)
{
    const struct conf *c = f->c;
    const struct conf_tls *t = &c->tls;
    bool cert = has_file(&t->cert), key = has_file(&t->key), p12 = has_file(&t->pkcs12);

    if (p12 && (cert || key || t->capath))
        return fail_at(f, "pkcs12", "'pkcs12' cannot be used with 'cert', 'key' or 'capath'");
    if (!has_file(&t->ca) && !t->capath && !p12 && !t->n_fingerprints)
        return fail_at(f, "tls-server tls-client server client",
                       "no CA given: add 'ca FILE' (or 'capath DIR', 'pkcs12 FILE' or "
                       "'peer-fingerprint')");
    if (cert != key && !p12)
        return fail_at(f, cert ? "cert" : "key", "'cert' and 'key' must be used together");
    if (cert || p12)
        return 0;
    if (c->net.pull && c->auth.user_pass)
        return 0;
    if (c->net.pull)
        return fail_at(f, "client pull tls-client",
                       "no client authentication: use 'cert' and 'key', 'pkcs12' or "
                       "'auth-user-pass'");
    return fail_at(f, "tls-server server tls-client",
                   "'cert' and 'key' (or 'pkcs12') are required");
}

static int check_tls(struct fin *f)
{
    struct conf *c = f->c;
    struct conf_tls *t = &c->tls;

    if (t->server && t->client)
        return fail_at(f, "tls-client client tls-server server",
                       "'tls-server' and 'tls-client' cannot be used together");
    if (c->net.mode == CONF_MODE_SERVER && !t->server)
        return fail_at(f, "mode", "'mode server' needs 'tls-server'");
    if (!t->server && !t->client)
        return fail_at(f, "",
                       "Sluice needs TLS: use 'client' (or 'tls-client') or 'server' (or "
                       "'tls-server'); static-key mode is not supported");
    if (has_file(&t->tls_auth) && has_file(&t->tls_crypt))
        return fail_at(f, "tls-crypt tls-auth",
                       "'tls-auth' and 'tls-crypt' cannot be used together");
    if (t->client && has_file(&t->tls_crypt_v2) &&
        (has_file(&t->tls_auth) || has_file(&t->tls_crypt)))
        return fail_at(f, "tls-crypt-v2",
                       "a client uses only one of 'tls-crypt-v2', 'tls-auth' and 'tls-crypt'");
    if (t->server && !has_file(&t->dh) && !t->dh_none)
        return fail_at(f, "server tls-server mode",
                       "a server needs 'dh FILE', or 'dh none' to use ECDHE only");
    if (t->client && (has_file(&t->dh) || t->dh_none)) {
        conf_blob_clear(&t->dh);
        t->dh_none = false;
        if (note(f, "WARNING: Ignoring option 'dh' in tls-client mode, please only include this "
                    "in your server configuration") < 0)
            return -1;
    }
    if (c->auth.user_pass && !c->net.pull)
        return fail_at(f, "auth-user-pass", "'auth-user-pass' needs 'pull' (or 'client')");
    return check_credentials(f);
}

/* ---- server and client mode ---- */

static int server_only_fail(struct fin *f, const char *name)
{
    return fail_at(f, name, "'%s' needs 'mode server' (or 'server')", name);
}

static int check_not_server(struct fin *f)
{
    const struct conf *c = f->c;
    const struct conf_server *s = &c->srv;
    const struct conf_auth *a = &c->auth;
    struct {
        bool on;
        const char *name;
    } need[] = {
        { s->pool_set, "ifconfig-pool" },
        { s->pool_persist != NULL, "ifconfig-pool-persist" },
        { s->pool6_set, "ifconfig-ipv6-pool" },
        { s->hash_size_real != 256 || s->hash_size_virtual != 256, "hash-size" },
        { c->script.learn_address != NULL, "learn-address" },
        { c->script.client_connect != NULL, "client-connect" },
        { c->script.client_disconnect != NULL, "client-disconnect" },
        { s->client_config_dir != NULL, "client-config-dir" },
        { s->ccd_exclusive, "ccd-exclusive" },
        { s->client_to_client, "client-to-client" },
        { s->duplicate_cn, "duplicate-cn" },
        { s->connect_freq || s->connect_freq_sec, "connect-freq" },
        { a->verify_client_cert != CONF_CLIENT_CERT_REQUIRE, "verify-client-cert" },
        { a->username_as_common_name, "username-as-common-name" },
        { a->user_pass_optional, "auth-user-pass-optional" },
        { a->opt_verify, "opt-verify" },
        { a->verify_script != NULL, "auth-user-pass-verify" },
        { a->gen_token, "auth-gen-token" },
        { s->stale_routes_interval != 0, "stale-routes-check" },
    };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (need[i].on)
            return server_only_fail(f, need[i].name);
    }
    return 0;
}

static int check_server_auth(struct fin *f)
{
    const struct conf *c = f->c;
    const struct conf_auth *a = &c->auth;
    bool deferred = a->verify_script || c->mgmt.client_auth;
    const char *how = "needs 'management-client-auth' or an 'auth-user-pass-verify' script";

    if (a->verify_client_cert != CONF_CLIENT_CERT_REQUIRE && !deferred)
        return fail_at(f, "verify-client-cert", "'verify-client-cert none|optional' %s", how);
    if (a->username_as_common_name && !deferred)
        return fail_at(f, "username-as-common-name", "'username-as-common-name' %s", how);
    if (a->user_pass_optional && !deferred)
        return fail_at(f, "auth-user-pass-optional", "'auth-user-pass-optional' %s", how);
    if (a->gen_token && c->tls.reneg_sec == 0)
        return fail_at(f, "auth-gen-token", "'auth-gen-token' needs a non-zero 'reneg-sec'");
    if (a->gen_token && a->gen_token_renewal && a->gen_token_renewal < 2 * c->tls.hand_window)
        return fail_at(f, "auth-gen-token",
                       "'auth-gen-token' renewal time must be at least twice 'hand-window' (%d)",
                       c->tls.hand_window);
    if (a->verify_client_cert != CONF_CLIENT_CERT_REQUIRE)
        return note(f, "WARNING: POTENTIALLY DANGEROUS OPTION --verify-client-cert none|optional "
                       "may accept clients which do not present a certificate");
    return 0;
}

static int check_server_mode(struct fin *f)
{
    const struct conf *c = f->c;
    const struct conf_server *s = &c->srv;

    if (c->net.pull)
        return fail_at(f, "pull client", "'pull' (or 'client') cannot be used with 'mode server'");
    if (!c->tls.server)
        return fail_at(f, "mode", "'mode server' needs 'tls-server'");
    if (c->n_remotes || c->n_conns)
        return fail_at(f, "remote connection", "'remote' cannot be used with 'mode server'");
    if (c->script.ipchange)
        return fail_at(f, "ipchange",
                       "'ipchange' cannot be used with 'mode server' (use "
                       "'client-connect' instead)");
    if (s->pool_netmask && c->dev.topology != CONF_TOPOLOGY_SUBNET)
        return fail_at(f, "ifconfig-pool",
                       "the netmask of 'ifconfig-pool' needs 'topology subnet'");
    if (c->route.redirect)
        return fail_at(f, "redirect-gateway redirect-private",
                       "'redirect-gateway' cannot be used with 'mode server' (push "
                       "\"redirect-gateway ...\" instead)");
    if (c->route.delay_set)
        return fail_at(f, "route-delay", "'route-delay' cannot be used with 'mode server'");
    if (c->script.up_delay)
        return fail_at(f, "up-delay", "'up-delay' cannot be used with 'mode server'");
    if (s->pool_persist && !s->pool_set && !s->pool6_set)
        return fail_at(f, "ifconfig-pool-persist",
                       "'ifconfig-pool-persist' needs an address pool ('server' or "
                       "'ifconfig-pool')");
    if (s->pool6_set && !c->dev.ifconfig6_set)
        return fail_at(f, "ifconfig-ipv6-pool", "'ifconfig-ipv6-pool' needs 'ifconfig-ipv6'");
    if (c->auth.user_pass)
        return fail_at(f, "auth-user-pass",
                       "'auth-user-pass' cannot be used with 'mode server' (it belongs in client "
                       "configurations)");
    if (s->ccd_exclusive && !s->client_config_dir)
        return fail_at(f, "ccd-exclusive", "'ccd-exclusive' needs 'client-config-dir'");
    if (c->route.n_filters && note(f, "WARNING: --pull-filter ignored for --mode server") < 0)
        return -1;
    return check_server_auth(f);
}

static int check_client_mode(struct fin *f)
{
    const struct conf *c = f->c;
    if (c->net.pull && !c->n_remotes && !c->n_conns)
        return fail_at(f, "client pull",
                       "a client needs a server to connect to: add 'remote HOST'");
    return check_not_server(f);
}

/* ---- addresses, management ---- */

static int check_ifconfig(struct fin *f)
{
    const struct conf_dev *d = &f->c->dev;
    char a[16];
    bool mask_like = conf_contiguous(d->ifconfig_remote, NULL) && (d->ifconfig_remote >> 31);
    if (!d->ifconfig_set)
        return 0;
    if (d->topology == CONF_TOPOLOGY_SUBNET && !conf_contiguous(d->ifconfig_remote, NULL))
        return fail_at(f, "ifconfig",
                       "with 'topology subnet' the second 'ifconfig' argument is "
                       "a netmask, got %s",
                       ip4(d->ifconfig_remote, a));
    if (d->topology != CONF_TOPOLOGY_SUBNET && mask_like && !d->ifconfig_nowarn) {
        char text[CONF_ERR_LEN / 2];
        snprintf(text, sizeof(text),
                 "WARNING: Since you are using --dev tun with a point-to-point topology, the "
                 "second argument to --ifconfig must be an IP address.  You are using something "
                 "(%s) that looks more like a netmask.",
                 ip4(d->ifconfig_remote, a));
        return note(f, text);
    }
    return 0;
}

static int check_management(struct fin *f)
{
    const struct conf_mgmt *m = &f->c->mgmt;
    bool modifiers = m->client || m->hold || m->query_passwords || m->signal ||
                     m->forget_disconnect || m->up_down || m->client_auth || m->client_user ||
                     m->client_group || m->log_cache != 250;
    if (!m->set && modifiers)
        return fail_at(f,
                       "management-client management-hold management-query-passwords "
                       "management-signal management-forget-disconnect management-up-down "
                       "management-client-auth management-client-user management-client-group "
                       "management-log-cache",
                       "options that modify 'management' are given without 'management'");
    if ((m->client_user || m->client_group) && !m->unix_socket)
        return fail_at(f, "management-client-user management-client-group",
                       "'management-client-user' and '-group' need a unix socket "
                       "('management PATH unix')");
    return 0;
}

/* ---- entry point ---- */

static int run(struct fin *f)
{
    struct conf *c = f->c;
    if (check_dev(f) < 0 || macro_server6(f) < 0 || macro_server(f) < 0)
        return -1;
    macro_client(f);
    if (macro_keepalive(f) < 0 || build_conn_list(f) < 0 || compression_default(f) < 0 ||
        tls_version_default(f) < 0 || check_tls(f) < 0 || check_ifconfig(f) < 0 ||
        check_management(f) < 0)
        return -1;
    return c->net.mode == CONF_MODE_SERVER ? check_server_mode(f) : check_client_mode(f);
}

int conf_finalize(struct conf *c, struct conf_err *err)
{
    struct fin f = { c, err };
    err->msg[0] = '\0';
    if (c->finalized)
        return fail_at(&f, "", "the configuration was already finalized");
    /* --version, --help and --genkey do not start a tunnel: nothing to check. */
    if (!c->show_version && !c->show_help && !c->genkey.set && run(&f) < 0)
        return -1;
    c->finalized = true;
    return 0;
}
