/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_finalize() (macros of ops-interfaces.md section 2 and the cross-option checks) and
 * conf_show() (re-parseable output, secrets hidden), with configs held in memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "conf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct conf_err err;

static void no_warn(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
}

static const struct conf_loader loader = { NULL, no_warn, NULL };

static struct conf *parse(const char *text)
{
    struct conf *c = conf_new();
    assert_non_null(c);
    if (conf_parse_text(c, "s.conf", (const uint8_t *)text, strlen(text), &loader, &err) < 0) {
        fail_msg("parse failed: %s", err.msg);
    }
    return c;
}

/* Parses and finalizes text; NULL (and err) when finalizing fails. */
static struct conf * final(const char *text)
{
    struct conf *c = parse(text);
    if (conf_finalize(c, &err) < 0) {
        conf_free(c);
        return NULL;
    }
    return c;
}

static void expect_final_error(const char *text, const char *msg)
{
    struct conf *c = final(text);
    assert_null(c);
    assert_string_equal(err.msg, msg);
}

static uint32_t ip(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return ntohl(a.s_addr);
}

static void assert_push(const struct conf *c, const char *const *want, size_t n)
{
    assert_int_equal(c->srv.push.n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(c->srv.push.v[i], want[i]);
}

#define SERVER_PKI "ca ca.crt\ncert s.crt\nkey s.key\ndh none\n"
#define CLIENT_PKI "ca ca.crt\ncert c.crt\nkey c.key\n"

/* ---- server macro ---- */

static void test_server_subnet(void **state)
{
    (void)state;
    struct conf *c =
        final("dev tun\ntopology subnet\nserver 100.64.10.0 255.255.255.0\n"
              "push \"route 100.64.20.0 255.255.255.0\"\nkeepalive 10 60\n" SERVER_PKI);
    assert_non_null(c);
    static const char *const want[] = { "route 100.64.20.0 255.255.255.0",
                                        "route-gateway 100.64.10.1", "topology subnet", "ping 10",
                                        "ping-restart 60" };
    assert_push(c, want, 5);
    assert_int_equal(c->net.mode, CONF_MODE_SERVER);
    assert_true(c->tls.server);
    assert_true(c->dev.ifconfig_set);
    assert_int_equal(c->dev.ifconfig_local, ip("100.64.10.1"));
    assert_int_equal(c->dev.ifconfig_remote, ip("255.255.255.0"));
    assert_true(c->srv.pool_set);
    assert_int_equal(c->srv.pool_start, ip("100.64.10.2"));
    assert_int_equal(c->srv.pool_end, ip("100.64.10.254"));
    assert_int_equal(c->srv.pool_netmask, ip("255.255.255.0"));
    assert_true(c->route.gateway_set);
    assert_int_equal(c->route.gateway, ip("100.64.10.2"));
    assert_true(c->srv.push_constraint_set);
    assert_int_equal(c->srv.push_constraint_network, ip("100.64.10.0"));
    assert_int_equal(c->net.ping, 10);
    assert_int_equal(c->net.ping_rec, 120);
    assert_int_equal(c->net.ping_action, CONF_PING_RESTART);
    assert_int_equal(c->notes.n, 0);
    assert_int_equal(c->route.n_v4, 0);
    assert_int_equal(c->n_conn_list, 1);
    assert_null(c->conn_list[0].remote);
    conf_free(c);
}

static void test_server_net30(void **state)
{
    (void)state;
    struct conf *c = final("dev tun\nserver 100.64.10.0 255.255.255.0\nkeepalive 10 60\n"
                           "route-gateway 100.64.10.9\n" SERVER_PKI);
    assert_non_null(c);
    static const char *const want[] = { "route 100.64.10.1", "topology net30", "ping 10",
                                        "ping-restart 60" };
    assert_push(c, want, 4);
    assert_int_equal(c->dev.ifconfig_local, ip("100.64.10.1"));
    assert_int_equal(c->dev.ifconfig_remote, ip("100.64.10.2"));
    assert_int_equal(c->srv.pool_start, ip("100.64.10.4"));
    assert_int_equal(c->srv.pool_end, ip("100.64.10.251"));
    assert_int_equal(c->srv.pool_netmask, 0);
    assert_int_equal(c->route.n_v4, 1);
    assert_string_equal(c->route.v4[0].network, "100.64.10.0");
    assert_int_equal(c->route.v4[0].netmask, ip("255.255.255.0"));
    assert_int_equal(c->route.gateway, ip("100.64.10.9")); /* the user's value is kept */
    assert_false(c->srv.push_constraint_set);
    assert_int_equal(c->notes.n, 1);
    assert_string_equal(c->notes.v[0],
                        "WARNING: --topology net30 support for server configs with IPv4 pools "
                        "will be removed in a future release. Please migrate to --topology subnet "
                        "as soon as possible.");
    conf_free(c);

    /* client-to-client pushes the whole subnet; a /29 has no pool reserve */
    c = final("dev tun\nserver 100.64.10.0 255.255.255.248\nclient-to-client\n" SERVER_PKI);
    assert_non_null(c);
    static const char *const c2c[] = { "route 100.64.10.0 255.255.255.248", "topology net30" };
    assert_push(c, c2c, 2);
    assert_int_equal(c->srv.pool_end, ip("100.64.10.7"));
    conf_free(c);

    /* p2p topology pushes no route; nopool keeps the pool unset and skips the warning */
    c = final("dev tun\ntopology p2p\nserver 100.64.10.0 255.255.255.0 nopool\n" SERVER_PKI);
    assert_non_null(c);
    static const char *const p2p[] = { "topology p2p" };
    assert_push(c, p2p, 1);
    assert_false(c->srv.pool_set);
    assert_int_equal(c->notes.n, 0);
    conf_free(c);
}

static void test_server_ipv6(void **state)
{
    (void)state;
    struct conf *c = final("dev tun\ntopology subnet\nserver 100.64.10.0 255.255.255.0\n"
                           "server-ipv6 fd00:10::/64\n" SERVER_PKI);
    assert_non_null(c);
    static const char *const want[] = { "tun-ipv6", "route-gateway 100.64.10.1",
                                        "topology subnet" };
    assert_push(c, want, 3);
    assert_true(c->dev.ifconfig6_set);
    assert_int_equal(c->dev.ifconfig6_local.addr[15], 1);
    assert_int_equal(c->dev.ifconfig6_local.bits, 64);
    assert_int_equal(c->dev.ifconfig6_remote[15], 2);
    assert_true(c->srv.pool6_set);
    assert_int_equal(c->srv.pool6.addr[14], 0x10);
    assert_int_equal(c->srv.pool6.addr[15], 0x00);
    conf_free(c);
    c = final("dev tun\nserver-ipv6 fd00:10::/120\n" SERVER_PKI);
    assert_non_null(c);
    assert_int_equal(c->srv.pool6.addr[15], 2);
    assert_int_equal(c->srv.pool6.addr[14], 0);
    conf_free(c);
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0 nopool\nserver-ipv6 fd00::/64\n",
                       "s.conf:3: 'server-ipv6' cannot be combined with 'nopool'");
}

static void test_server_errors(void **state)
{
    (void)state;
    expect_final_error("dev tun\nserver 10.0.0.0 255.0.0.0\n" SERVER_PKI,
                       "s.conf:2: 'server' netmask allows too many addresses (/8; /16 or longer "
                       "is needed)");
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.252\n" SERVER_PKI,
                       "s.conf:2: 'server' with 'dev tun' needs a subnet of /29 or larger, got "
                       "/30");
    expect_final_error("dev tun\nclient\nserver 10.0.0.0 255.255.255.0\n" SERVER_PKI,
                       "s.conf:3: 'server' and 'client' cannot be used together");
    expect_final_error(
        "dev tun\nserver 10.0.0.0 255.255.255.0\nifconfig-pool 10.0.0.5 10.0.0.9\n" SERVER_PKI,
        "s.conf:3: 'server' already defines the address pool: remove "
        "'ifconfig-pool'");
    /* a server without dh fails, with or without the macro */
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0\nca ca.crt\ncert s.crt\nkey s.key\n",
                       "s.conf:2: a server needs 'dh FILE', or 'dh none' to use ECDHE only");
    expect_final_error("dev tun\ntls-server\nca ca.crt\ncert s.crt\nkey s.key\n",
                       "s.conf:2: a server needs 'dh FILE', or 'dh none' to use ECDHE only");
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0\ndh dh.pem\nca ca.crt\n",
                       "s.conf:2: 'cert' and 'key' (or 'pkcs12') are required");
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0\ndh none\ncert s.crt\nkey s.key\n",
                       "s.conf:2: no CA given: add 'ca FILE' (or 'capath DIR', 'pkcs12 FILE' or "
                       "'peer-fingerprint')");
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0\nremote peer.example\n" SERVER_PKI,
                       "s.conf:3: 'remote' cannot be used with 'mode server'");
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0\nipchange /bin/x\n" SERVER_PKI,
                       "s.conf:3: 'ipchange' cannot be used with 'mode server' (use "
                       "'client-connect' instead)");
    expect_final_error("dev tun\nserver 10.0.0.0 255.255.255.0\nredirect-gateway def1\n" SERVER_PKI,
                       "s.conf:3: 'redirect-gateway' cannot be used with 'mode server' (push "
                       "\"redirect-gateway ...\" instead)");
    expect_final_error(
        "dev tun\nserver 10.0.0.0 255.255.255.0\nverify-client-cert none\n" SERVER_PKI,
        "s.conf:3: 'verify-client-cert none|optional' needs "
        "'management-client-auth' or an 'auth-user-pass-verify' script");
    expect_final_error("dev tun\nmode server\nca ca.crt\n",
                       "s.conf:2: 'mode server' needs 'tls-server'");
    expect_final_error("server 10.0.0.0 255.255.255.0\n" SERVER_PKI,
                       "s.conf: 'dev' is missing: Sluice needs a TUN device ('dev tun')");
    expect_final_error("dev vpn0\nserver 10.0.0.0 255.255.255.0\n" SERVER_PKI,
                       "s.conf:1: 'dev vpn0' does not start with 'tun': add 'dev-type tun'");
    struct conf *c = final("dev vpn0\ndev-type tun\nserver 10.0.0.0 255.255.255.0\n" SERVER_PKI);
    assert_non_null(c);
    conf_free(c);
}

/* ---- keepalive ---- */

static void test_keepalive(void **state)
{
    (void)state;
    struct conf *c = final("client\ndev tun\nremote vpn.example\nkeepalive 10 60\n" CLIENT_PKI);
    assert_non_null(c);
    assert_int_equal(c->net.ping, 10);
    assert_int_equal(c->net.ping_rec, 60);
    assert_int_equal(c->net.ping_action, CONF_PING_RESTART);
    assert_int_equal(c->srv.push.n, 0);
    conf_free(c);

    expect_final_error("client\ndev tun\nremote vpn.example\nkeepalive 10 15\n" CLIENT_PKI,
                       "s.conf:4: 'keepalive' timeout (15) must be at least twice the interval "
                       "(10); 'keepalive 10 60' is recommended");
    expect_final_error("client\ndev tun\nremote vpn.example\nkeepalive 10 60\nping 5\n" CLIENT_PKI,
                       "s.conf:5: 'keepalive' conflicts with 'ping', 'ping-restart' and "
                       "'ping-exit' (it sets them)");
    expect_final_error(
        "client\ndev tun\nremote vpn.example\nping-exit 30\nkeepalive 10 60\n" CLIENT_PKI,
        "s.conf:4: 'keepalive' conflicts with 'ping', 'ping-restart' and "
        "'ping-exit' (it sets them)");
    expect_final_error("client\ndev tun\nremote vpn.example\nkeepalive 0 60\n" CLIENT_PKI,
                       "s.conf:4: 'keepalive' values must be greater than 0");
    c = final("client\ndev tun\nremote vpn.example\nkeepalive 10 20\n" CLIENT_PKI);
    assert_non_null(c);
    conf_free(c);
}

/* ---- client ---- */

static void test_client(void **state)
{
    (void)state;
    struct conf *c = final("client\ndev tun\nport 1195\nremote a.example\nremote b.example 443 "
                           "udp6\nnobind\ndh dh.pem\n" CLIENT_PKI);
    assert_non_null(c);
    assert_true(c->net.pull);
    assert_true(c->tls.client);
    assert_false(c->tls.server);
    assert_int_equal(c->n_conn_list, 2);
    assert_string_equal(c->conn_list[0].remote, "a.example");
    assert_int_equal(c->conn_list[0].remote_port, 1195);
    assert_int_equal(c->conn_list[0].proto, CONF_PROTO_UDP);
    assert_false(c->conn_list[0].bind);
    assert_int_equal(c->conn_list[1].remote_port, 443);
    assert_int_equal(c->conn_list[1].proto, CONF_PROTO_UDP6);
    /* dh on a client is dropped with OpenVPN's warning */
    assert_null(c->tls.dh.path);
    assert_int_equal(c->notes.n, 1);
    assert_string_equal(c->notes.v[0], "WARNING: Ignoring option 'dh' in tls-client mode, please "
                                       "only include this in your server configuration");
    assert_int_equal(c->tls.allow_compression, CONF_ALLOW_COMP_NO);
    conf_free(c);

    c = final("client\ndev tun\n<connection>\nremote a\n</connection>\nremote b\nca ca.crt\n"
              "auth-user-pass\n");
    assert_non_null(c);
    assert_int_equal(c->n_conn_list, 1);
    assert_string_equal(c->conn_list[0].remote, "a");
    assert_int_equal(c->notes.n, 1);
    conf_free(c);

    expect_final_error("client\ndev tun\nca ca.crt\ncert c.crt\nkey c.key\n",
                       "s.conf:1: a client needs a server to connect to: add 'remote HOST'");
    expect_final_error("client\ndev tun\nremote a\nca ca.crt\n",
                       "s.conf:1: no client authentication: use 'cert' and 'key', 'pkcs12' or "
                       "'auth-user-pass'");
    expect_final_error("client\ndev tun\nremote a\nca ca.crt\ncert c.crt\n",
                       "s.conf:5: 'cert' and 'key' must be used together");
    expect_final_error("tls-client\ntls-server\ndev tun\n" SERVER_PKI,
                       "s.conf:1: 'tls-server' and 'tls-client' cannot be used together");
    expect_final_error("dev tun\nremote a\n" CLIENT_PKI,
                       "s.conf: Sluice needs TLS: use 'client' (or 'tls-client') or 'server' (or "
                       "'tls-server'); static-key mode is not supported");
    expect_final_error("client\ndev tun\nremote a\nclient-to-client\n" CLIENT_PKI,
                       "s.conf:4: 'client-to-client' needs 'mode server' (or 'server')");
    expect_final_error("client\ndev tun\nremote a\nnobind\nlport 5000\n" CLIENT_PKI,
                       "s.conf:4: 'lport' and 'nobind' make no sense together");
    expect_final_error(
        "client\ndev tun\nremote a\ntls-auth ta.key 1\ntls-crypt tc.key\n" CLIENT_PKI,
        "s.conf:5: 'tls-auth' and 'tls-crypt' cannot be used together");
    expect_final_error("tls-client\ndev tun\nremote a\nauth-user-pass\n" CLIENT_PKI,
                       "s.conf:4: 'auth-user-pass' needs 'pull' (or 'client')");
    expect_final_error("client\ndev tun\nremote a\nmanagement-hold\n" CLIENT_PKI,
                       "s.conf:4: options that modify 'management' are given without "
                       "'management'");
    expect_final_error(
        "client\ndev tun\nremote a\ntls-version-min 1.3\ntls-version-max 1.2\n" CLIENT_PKI,
        "s.conf:4: 'tls-version-min' is above 'tls-version-max'");
    c = final("client\ndev tun\nremote a\ntls-version-max 1.1\n" CLIENT_PKI);
    assert_non_null(c);
    assert_int_equal(c->tls.version_min, CONF_TLS_VER_1_1);
    conf_free(c);
}

static void test_compression(void **state)
{
    (void)state;
    struct conf *c = final("client\ndev tun\nremote a\ncompress lz4\n" CLIENT_PKI);
    assert_non_null(c);
    assert_int_equal(c->tls.allow_compression, CONF_ALLOW_COMP_ASYM);
    assert_int_equal(c->notes.n, 1);
    conf_free(c);
    c = final("client\ndev tun\nremote a\ncompress stub-v2\n" CLIENT_PKI);
    assert_non_null(c);
    assert_int_equal(c->tls.allow_compression, CONF_ALLOW_COMP_NO);
    conf_free(c);
    expect_final_error("client\ndev tun\nremote a\nallow-compression no\ncomp-lzo yes\n" CLIENT_PKI,
                       "s.conf:4: 'allow-compression no' conflicts with enabling compression");
}

static void test_finalize_once(void **state)
{
    (void)state;
    struct conf *c = parse("dev tun\nserver 10.0.0.0 255.255.255.0\n" SERVER_PKI);
    assert_int_equal(conf_finalize(c, &err), 0);
    assert_int_equal(conf_finalize(c, &err), -1);
    assert_string_equal(err.msg, "s.conf: the configuration was already finalized");
    conf_free(c);
    /* --version / --help need no complete configuration */
    c = conf_new();
    const char *argv[] = { "sluice", "--version" };
    assert_int_equal(conf_parse_args(c, 2, (char **)argv, &loader, &err), 0);
    assert_int_equal(conf_finalize(c, &err), 0);
    conf_free(c);
}

/* ---- show ---- */

struct text {
    char buf[32768];
    size_t len;
};

static void collect(void *ctx, const char *line)
{
    struct text *t = ctx;
    int n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s\n", line);
    assert_true(n > 0 && (size_t)n < sizeof(t->buf) - t->len);
    t->len += (size_t)n;
}

static void show(const struct conf *c, struct text *t)
{
    t->len = 0;
    t->buf[0] = '\0';
    conf_show(c, collect, t);
}

static const char round_trip_conf[] =
    "dev tun\nproto udp4\nport 1195\nlport 0\nlocal 198.18.50.1\ntopology subnet\n"
    "server 100.64.10.0 255.255.255.0\nserver-ipv6 fd00:10::/64\n"
    "push \"route 100.64.20.0 255.255.255.0\"\npush \"dhcp-option DNS 100.64.10.1\"\n"
    "push \"redirect-gateway def1 bypass-dhcp\"\nroute 100.64.30.0 255.255.255.0 100.64.10.9 5\n"
    "route-ipv6 fd00:20::/48\nkeepalive 10 60\nclient-to-client\nclient-config-dir ccd\n"
    "ifconfig-pool-persist ipp.txt 300\nmax-clients 50\nca \"my ca.crt\"\ncert s.crt\nkey s.key\n"
    "dh none\ntls-crypt-v2 v2.key force-cookie\ndata-ciphers AES-256-GCM:CHACHA20-POLY1305\n"
    "data-ciphers-fallback AES-256-CBC\ntls-version-min 1.2\nreneg-sec 7200 3600\n"
    "replay-window 128 30\nverify-x509-name \"C=X, CN=a\\\"b\" subject\ncrl-verify crl.pem\n"
    "user nobody\ngroup nogroup\npersist-key\npersist-tun\nstatus status.log 10\n"
    "status-version 3\nlog-append /var/log/sluice.log\nverb 4\nmute 20\n"
    "management /run/sluice.sock unix pw.txt\nmanagement-client-auth\nscript-security 2\n"
    "client-connect \"/etc/cc.sh a b\"\nlearn-address /etc/learn.sh\nsetenv UV_X \"a b\"\n"
    "setenv-safe Y z\nignore-unknown-option block-dns\nexplicit-exit-notify 1\nmssfix 1400\n"
    "tun-mtu 1400\nsndbuf 0\nping-timer-rem\nhash-size 512 512\nauth-gen-token 3600\n"
    "auth-user-pass-verify /etc/check.sh via-file\n";

static void test_show_round_trip(void **state)
{
    (void)state;
    static struct text a, b, f1, f2;
    struct conf *c = parse(round_trip_conf);
    show(c, &a);
    struct conf *d = parse(a.buf);
    show(d, &b);
    assert_string_equal(a.buf, b.buf);
    assert_non_null(strstr(a.buf, "\nserver 100.64.10.0 255.255.255.0\n"));
    assert_non_null(strstr(a.buf, "\nkeepalive 10 60\n"));
    assert_non_null(strstr(a.buf, "\nca \"my ca.crt\"\n"));
    assert_non_null(strstr(a.buf, "\nverify-x509-name \"C=X, CN=a\\\"b\" subject\n"));
    assert_non_null(strstr(a.buf, "\nverb 4\n"));
    assert_null(strstr(a.buf, "# verb"));
    assert_non_null(strstr(a.buf, "\n# hand-window 60  (default)\n"));

    /* after finalize the macros are shown expanded, and that text finalizes to the same */
    assert_int_equal(conf_finalize(c, &err), 0);
    show(c, &f1);
    assert_null(strstr(f1.buf, "\nserver "));
    assert_null(strstr(f1.buf, "\nkeepalive "));
    assert_memory_equal(f1.buf, "mode server\n", 12);
    assert_non_null(strstr(f1.buf, "\npush \"ping-restart 60\"\n"));
    assert_non_null(strstr(f1.buf, "\nping-restart 120\n"));
    struct conf *e = parse(f1.buf);
    assert_int_equal(conf_finalize(e, &err), 0);
    show(e, &f2);
    assert_string_equal(f1.buf, f2.buf);
    assert_int_equal(e->srv.push.n, c->srv.push.n);
    for (size_t i = 0; i < c->srv.push.n; i++)
        assert_string_equal(e->srv.push.v[i], c->srv.push.v[i]);
    conf_free(c);
    conf_free(d);
    conf_free(e);
}

static void test_show_connections(void **state)
{
    (void)state;
    static struct text a, b;
    struct conf *c = parse("client\ndev tun\nnobind\nconnect-retry 5 60\n<connection>\n"
                           "remote a.example 1195 udp6\nfloat\n</connection>\n<connection>\n"
                           "remote b.example\nexplicit-exit-notify 3\n</connection>\n" CLIENT_PKI);
    show(c, &a);
    assert_non_null(strstr(a.buf, "\n<connection>\n  proto udp6\n  rport 1195\n  float\n"
                                  "  remote a.example\n</connection>\n"));
    struct conf *d = parse(a.buf);
    show(d, &b);
    assert_string_equal(a.buf, b.buf);
    assert_int_equal(d->n_conns, 2);
    assert_int_equal(d->conns[0].connect_retry, 5);
    assert_int_equal(d->conns[1].explicit_exit_notify, 3);
    conf_free(c);
    conf_free(d);
}

static void test_show_hides_secrets(void **state)
{
    (void)state;
    static struct text a;
    struct conf *c = parse("<key>\nSECRET-KEY-MATERIAL\n</key>\n<auth-user-pass>\nuser\nPASSWORD\n"
                           "</auth-user-pass>\nauth-token TOKEN-VALUE\n<tls-auth>\nTLS-AUTH-KEY\n"
                           "</tls-auth>\nkey-direction 1\nmanagement 127.0.0.1 7505 pw.txt\n");
    show(c, &a);
    assert_null(strstr(a.buf, "SECRET"));
    assert_null(strstr(a.buf, "PASSWORD"));
    assert_null(strstr(a.buf, "TOKEN-VALUE"));
    assert_null(strstr(a.buf, "TLS-AUTH-KEY"));
    assert_non_null(strstr(a.buf, "\n# key [[INLINE]]  (inline, 20 bytes, not shown)\n"));
    assert_non_null(
        strstr(a.buf, "\n# auth-user-pass [[INLINE]]  (inline, 14 bytes, not shown)\n"));
    assert_non_null(strstr(a.buf, "\n# auth-token (set, not shown)\n"));
    assert_non_null(strstr(a.buf, "\nkey-direction 1\n"));
    assert_non_null(strstr(a.buf, "\nmanagement 127.0.0.1 7505 pw.txt\n"));
    /* the shown text still parses */
    struct conf *d = parse(a.buf);
    conf_free(d);
    conf_free(c);
}

static void test_show_quoting(void **state)
{
    (void)state;
    static struct text a;
    struct conf *c = conf_new();
    const char *argv[] = { "sluice",   "--setenv", "A", "#x;y",        "--setenv", "B",
                           "",         "--setenv", "C", "back\\slash", "--setenv", "D",
                           "ctl\001x", "--setenv", "E", "'q" };
    assert_int_equal(conf_parse_args(c, 16, (char **)argv, &loader, &err), 0);
    show(c, &a);
    assert_non_null(strstr(a.buf, "setenv A \"#x;y\"\n"));
    assert_non_null(strstr(a.buf, "setenv B \"\"\n"));
    assert_non_null(strstr(a.buf, "setenv C \"back\\\\slash\"\n"));
    assert_non_null(strstr(a.buf, "setenv D \"ctl?x\"\n"));
    assert_non_null(strstr(a.buf, "setenv E \"'q\"\n"));
    struct conf *d = parse(a.buf);
    assert_string_equal(d->env[0].value, "#x;y");
    assert_string_equal(d->env[2].value, "back\\slash");
    assert_string_equal(d->env[4].value, "'q");
    conf_free(c);
    conf_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_subnet),      cmocka_unit_test(test_server_net30),
        cmocka_unit_test(test_server_ipv6),        cmocka_unit_test(test_server_errors),
        cmocka_unit_test(test_keepalive),          cmocka_unit_test(test_client),
        cmocka_unit_test(test_compression),        cmocka_unit_test(test_finalize_once),
        cmocka_unit_test(test_show_round_trip),    cmocka_unit_test(test_show_connections),
        cmocka_unit_test(test_show_hides_secrets), cmocka_unit_test(test_show_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
