/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration parsing through the whole path (lexer, dispatch, value parsers) with an
 * in-memory loader: exact error messages for bad input, the command line, includes, inline
 * blocks, <connection> blocks and typed values. Macros, checks and conf_show() are in
 * test_conf_finalize.c.
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

/* ---- in-memory files ---- */

struct memfile {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen(text) */
};

struct memfs {
    const struct memfile *files;
    size_t n;
    char warn[CONF_ERR_LEN];
    int nwarn;
};

static struct memfs fs;
static struct conf_err err;

static int mem_read(void *ctx, const char *path, uint8_t **data, size_t *len, char *id,
                    size_t idlen, char *e, size_t elen)
{
    struct memfs *m = ctx;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->files[i].name, path) != 0)
            continue;
        size_t n = m->files[i].len ? m->files[i].len : strlen(m->files[i].text);
        *data = malloc(n + 1);
        assert_non_null(*data);
        memcpy(*data, m->files[i].text, n);
        (*data)[n] = 0;
        *len = n;
        snprintf(id, idlen, "mem:%s", path);
        return 0;
    }
    snprintf(e, elen, "cannot read '%s': No such file or directory", path);
    return -1;
}

static void mem_warn(void *ctx, const char *msg)
{
    struct memfs *m = ctx;
    m->nwarn++;
    snprintf(m->warn, sizeof(m->warn), "%s", msg);
}

static const struct conf_loader loader = { mem_read, mem_warn, &fs };

static void use_files(const struct memfile *files, size_t n)
{
    fs.files = files;
    fs.n = n;
    fs.warn[0] = '\0';
    fs.nwarn = 0;
}

/* Parses text as file "t.conf"; NULL (and err) on failure. */
static struct conf *load_named(const char *name, const char *text)
{
    static struct memfile one;
    one = (struct memfile){ name, text, 0 };
    use_files(&one, 1);
    struct conf *c = conf_new();
    assert_non_null(c);
    if (conf_parse_file(c, name, &loader, &err) < 0) {
        conf_free(c);
        return NULL;
    }
    return c;
}

static struct conf *load(const char *text)
{
    return load_named("t.conf", text);
}

static void expect_error(const char *text, const char *msg)
{
    struct conf *c = load(text);
    assert_null(c);
    assert_string_equal(err.msg, msg);
}

static struct conf *args(int argc, const char **argv)
{
    struct conf *c = conf_new();
    assert_non_null(c);
    if (conf_parse_args(c, argc, (char **)argv, &loader, &err) < 0) {
        conf_free(c);
        return NULL;
    }
    return c;
}

static uint32_t ip(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return ntohl(a.s_addr);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    (void)state;
    struct conf *c = conf_new();
    assert_non_null(c);
    assert_int_equal(c->ce.remote_port, 1194);
    assert_int_equal(c->ce.local_port, 1194);
    assert_int_equal(c->ce.proto, CONF_PROTO_UDP);
    assert_true(c->ce.bind);
    assert_int_equal(c->ce.tun_mtu, 1500);
    assert_int_equal(c->ce.mssfix, 1492);
    assert_int_equal(c->ce.connect_retry, 1);
    assert_int_equal(c->ce.connect_retry_cap, 300);
    assert_int_equal(c->ce.connect_timeout, 120);
    assert_int_equal(c->net.mode, CONF_MODE_P2P);
    assert_int_equal(c->net.resolv_retry, -1);
    assert_int_equal(c->dev.topology, CONF_TOPOLOGY_NET30);
    assert_string_equal(c->tls.data_ciphers, "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
    assert_string_equal(c->tls.auth, "SHA1");
    assert_null(c->tls.cipher);
    assert_int_equal(c->tls.reneg_sec, 3600);
    assert_int_equal(c->tls.reneg_bytes, -1);
    assert_int_equal(c->tls.hand_window, 60);
    assert_int_equal(c->tls.tran_window, 3600);
    assert_int_equal(c->tls.tls_timeout, 2);
    assert_int_equal(c->tls.replay_window, 64);
    assert_int_equal(c->tls.replay_time, 15);
    assert_int_equal(c->tls.key_direction, -1);
    assert_int_equal(c->tls.version_min, CONF_TLS_VER_1_2);
    assert_int_equal(c->log.verb, 1);
    assert_int_equal(c->log.mute, 0);
    assert_int_equal(c->log.status_interval, 60);
    assert_int_equal(c->log.status_version, 1);
    assert_int_equal(c->srv.max_clients, 1024);
    assert_int_equal(c->srv.pool_persist_seconds, 600);
    assert_int_equal(c->srv.hash_size_real, 256);
    assert_int_equal(c->srv.bcast_buffers, 256);
    assert_int_equal(c->srv.max_routes_per_client, 256);
    assert_int_equal(c->proc.script_security, 1);
    assert_int_equal(c->mgmt.log_cache, 250);
    assert_int_equal(c->auth.verify_client_cert, CONF_CLIENT_CERT_REQUIRE);
    assert_int_equal(c->tls.x509_username_field.n, 1);
    assert_string_equal(c->tls.x509_username_field.v[0], "CN");
    conf_free(c);
    conf_free(NULL);
}

/* ---- numbers ---- */

static void test_port_range(void **state)
{
    (void)state;
    expect_error("# a comment\n\n\n\n\n\n\n\n\n\n\nport 99999\n",
                 "t.conf:12: 'port' expects a number 1-65535, got '99999'");
    expect_error("port 0", "t.conf:1: 'port' expects a number 1-65535, got '0'");
    expect_error("rport -1", "t.conf:1: 'rport' expects a number 1-65535, got '-1'");
    expect_error("lport 65536", "t.conf:1: 'lport' expects a number 0-65535, got '65536'");
    struct conf *c = load("lport 0\nport 1\n");
    assert_non_null(c);
    assert_int_equal(c->ce.local_port, 1);
    assert_int_equal(c->ce.remote_port, 1);
    conf_free(c);
    c = load("port 65535\nlport 0\nrport 443");
    assert_non_null(c);
    assert_int_equal(c->ce.local_port, 0);
    assert_true(c->ce.local_port_set);
    assert_int_equal(c->ce.remote_port, 443);
    conf_free(c);
}

static void test_numbers(void **state)
{
    (void)state;
    expect_error("verb 12x", "t.conf:1: 'verb' expects a number 0-11, got '12x' (unexpected 'x' "
                             "after the number)");
    expect_error("verb 12", "t.conf:1: 'verb' expects a number 0-11, got '12'");
    expect_error("verb abc", "t.conf:1: 'verb' expects a number 0-11, got 'abc'");
    expect_error("verb \"\"", "t.conf:1: 'verb' expects a number 0-11, got ''");
    expect_error("verb +3", "t.conf:1: 'verb' expects a number 0-11, got '+3'");
    expect_error("mute -1", "t.conf:1: 'mute' expects a number 0 or more, got '-1'");
    expect_error("mute 99999999999999999999", "t.conf:1: 'mute' expects a number 0 or more, got "
                                              "'99999999999999999999' (too large)");
    expect_error("mute -99999999999999999999", "t.conf:1: 'mute' expects a number 0 or more, got "
                                               "'-99999999999999999999' (too small)");
    expect_error("sndbuf 2147483648", "t.conf:1: 'sndbuf' expects a number 0 or more, got "
                                      "'2147483648'");
    expect_error("nice 20", "t.conf:1: 'nice' expects a number -20 to 19, got '20'");
    expect_error("script-security 4", "t.conf:1: 'script-security' expects a number 0-3, got '4'");
    expect_error("status-version 0", "t.conf:1: 'status-version' expects a number 1-3, got '0'");
    expect_error("replay-window 65537", "t.conf:1: 'replay-window' expects a number 0-65536, got "
                                        "'65537'");
    expect_error("replay-window 64 601", "t.conf:1: 'replay-window' expects a number 0-600, got "
                                         "'601'");
    expect_error("max-clients 0", "t.conf:1: 'max-clients' expects a number 1-16777215, got '0'");
    struct conf *c = load("verb 11\nmute 2147483647\nnice -20\nsndbuf 0\nreneg-bytes "
                          "9223372036854775807\n");
    assert_non_null(c);
    assert_int_equal(c->log.verb, 11);
    assert_int_equal(c->log.mute, 2147483647);
    assert_int_equal(c->proc.nice, -20);
    assert_true(c->tls.reneg_bytes == 9223372036854775807LL);
    conf_free(c);
}

static void test_arg_count(void **state)
{
    (void)state;
    expect_error("verb 1\nverb 3 4\n", "t.conf:2: 'verb' expects 1 argument, got 2");
    expect_error("verb", "t.conf:1: 'verb' expects 1 argument, got 0");
    expect_error("replay-window", "t.conf:1: 'replay-window' expects 1 to 2 arguments, got 0");
    expect_error("route 1.2.3.4 255.255.255.255 1.1.1.1 5 6",
                 "t.conf:1: 'route' expects 1 to 4 arguments, got 5");
    expect_error("float 1", "t.conf:1: 'float' expects no arguments, got 1");
    expect_error("keepalive 10", "t.conf:1: 'keepalive' expects 2 arguments, got 1");
    expect_error("ignore-unknown-option",
                 "t.conf:1: 'ignore-unknown-option' expects at least 1 argument, got 0");
    expect_error("setenv A B C", "t.conf:1: 'setenv' expects 1 to 2 arguments, got 3");
    expect_error("a b c d e f g h i j k l m n o p q",
                 "t.conf:1: too many parameters on one line (16 max)");
}

/* ---- tokenizer errors reach the caller with their place ---- */

static void test_lexer_errors(void **state)
{
    (void)state;
    expect_error("verb 3\npush \"route 10.0.0.0 255.0.0.0\n",
                 "t.conf:2: no closing quotation (\") on this line");
    expect_error("setenv A 'b c\n", "t.conf:1: no closing single quotation (') on this line");
    expect_error("verb 3\n<ca>\n-----BEGIN CERTIFICATE-----\n",
                 "t.conf:2: <ca> block is not closed (expected </ca>)");
    struct conf *c = load("<foo>\nbar\n</foo>\n");
    assert_null(c);
    assert_memory_equal(err.msg, "t.conf:1: <foo> is not a known inline block (known: ca, ",
                        strlen("t.conf:1: <foo> is not a known inline block (known: ca, "));

    char line[5000];
    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    memcpy(line, "setenv X ", 9);
    expect_error(line, "t.conf:1: line is too long (4096 bytes max)");

    static const char nul[] = "verb 3\nverb 4\0\n";
    struct memfile f = { "t.conf", nul, sizeof(nul) - 1 };
    use_files(&f, 1);
    c = conf_new();
    assert_int_equal(conf_parse_file(c, "t.conf", &loader, &err), -1);
    assert_string_equal(err.msg, "t.conf:2: line contains a NUL byte");
    conf_free(c);

    char token[300];
    memset(token, 'x', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    char text[400];
    snprintf(text, sizeof(text), "dev %s\n", token);
    expect_error(text, "t.conf:1: parameter is too long (255 bytes max)");
}

/* ---- unknown options ---- */

static void test_unknown(void **state)
{
    (void)state;
    expect_error("verb 3\n\nkeepalve 10 60\n",
                 "t.conf:3: unknown option 'keepalve' (did you mean 'keepalive'?)");
    expect_error("Verb 3", "t.conf:1: unknown option 'Verb' (did you mean 'verb'?)");
    expect_error("data-cipher AES-256-GCM",
                 "t.conf:1: unknown option 'data-cipher' (did you mean 'data-ciphers'?)");
    expect_error("foo-bar-option 1", "t.conf:1: unknown option 'foo-bar-option'");
    expect_error("xyz", "t.conf:1: unknown option 'xyz'");
    expect_error("--foo-bar", "t.conf:1: unknown option 'foo-bar'");
}

static void test_ignore_unknown(void **state)
{
    (void)state;
    struct conf *c = load("ignore-unknown-option foo-bar --block-dns\nverb 2\nfoo-bar 1 2\n"
                          "block-dns\nverb 4\n");
    assert_non_null(c);
    assert_int_equal(fs.nwarn, 2);
    assert_string_equal(fs.warn, "t.conf:4: ignoring unknown option 'block-dns'");
    assert_int_equal(c->log.verb, 4);
    assert_int_equal(c->ignore_unknown.n, 2);
    assert_string_equal(c->ignore_unknown.v[1], "block-dns");
    conf_free(c);
    /* it must come before the line it excuses */
    expect_error("foo-bar\nignore-unknown-option foo-bar\n", "t.conf:1: unknown option 'foo-bar'");
    /* a known option with a bad argument is still an error */
    expect_error("ignore-unknown-option verb\nverb x\n",
                 "t.conf:2: 'verb' expects a number 0-11, got 'x'");
}

static void test_setenv(void **state)
{
    (void)state;
    struct conf *c = load("setenv opt foo-bar 1 2\nsetenv opt verb 5\nsetenv UV_A hello\n"
                          "setenv-safe B\nsetenv UV_A again\nsetenv C \"x y\"\n");
    assert_non_null(c);
    assert_int_equal(fs.nwarn, 1);
    assert_string_equal(fs.warn, "t.conf:1: ignoring unknown option 'foo-bar'");
    assert_int_equal(c->log.verb, 5);
    assert_int_equal(c->n_env, 3);
    assert_string_equal(c->env[0].name, "UV_A");
    assert_string_equal(c->env[0].value, "again");
    assert_false(c->env[0].safe);
    assert_string_equal(c->env[1].name, "B");
    assert_string_equal(c->env[1].value, "");
    assert_true(c->env[1].safe);
    assert_string_equal(c->env[2].value, "x y");
    conf_free(c);
    expect_error("setenv opt", "t.conf:1: 'setenv' opt expects a directive after 'opt'");
    expect_error("setenv opt verb 99", "t.conf:1: 'verb' expects a number 0-11, got '99'");
    expect_error("setenv A=B C", "t.conf:1: 'setenv' expects a variable name without '=', got "
                                 "'A=B'");
    c = load("setenv FORWARD_COMPATIBLE 1\nfuture-option x\n");
    assert_non_null(c);
    assert_string_equal(fs.warn, "t.conf:2: ignoring unknown option 'future-option'");
    conf_free(c);
}

/* ---- refused options ---- */

static void test_refused(void **state)
{
    (void)state;
    expect_error("proto tcp-server",
                 "t.conf:1: 'proto tcp-server' is not supported by Sluice (TCP transport)");
    expect_error("remote vpn.example.net 443 tcp",
                 "t.conf:1: 'remote' protocol 'tcp' is not supported by Sluice (TCP transport)");
    expect_error("dev tap0", "t.conf:1: 'dev tap0' is not supported by Sluice (TAP / bridging)");
    expect_error("dev-type tap", "t.conf:1: 'dev-type tap' is not supported by Sluice (TAP / "
                                 "bridging)");
    expect_error("plugin /usr/lib/openvpn/plugins/openvpn-plugin-auth-pam.so login",
                 "t.conf:1: 'plugin' is not supported by Sluice (plugins are a C ABI of OpenVPN)");
    expect_error("http-proxy 10.0.0.1 3128",
                 "t.conf:1: 'http-proxy' is not supported by Sluice (TCP transport)");
    expect_error("server-bridge",
                 "t.conf:1: 'server-bridge' is not supported by Sluice (TAP / bridging)");
    expect_error("pkcs11-providers /usr/lib/p11.so",
                 "t.conf:1: 'pkcs11-providers' is not supported by Sluice (smartcards and "
                 "external keys)");
    expect_error("block-outside-dns",
                 "t.conf:1: 'block-outside-dns' is not supported by Sluice (Windows / macOS only)");
    expect_error("secret static.key 0", "t.conf:1: 'secret' is not supported by Sluice (static-key "
                                        "mode, deprecated in OpenVPN 2.6; use TLS)");
    expect_error("<secret>\nx\n</secret>\n", "t.conf:1: 'secret' is not supported by Sluice "
                                             "(static-key mode, deprecated in OpenVPN 2.6; use "
                                             "TLS)");
    expect_error("ncp-disable", "t.conf:1: 'ncp-disable' was removed in OpenVPN 2.6 (ciphers are "
                                "always negotiated; choose them with 'data-ciphers')");
    expect_error("client-cert-not-required", "t.conf:1: 'client-cert-not-required' was removed in "
                                             "OpenVPN 2.5 (use 'verify-client-cert none' instead)");
    const char *argv[] = { "sluice", "--proto", "tcp" };
    assert_null(args(3, argv));
    assert_string_equal(err.msg,
                        "command line: '--proto tcp' is not supported by Sluice (TCP transport)");
}

/* ---- command line ---- */

static void test_cli(void **state)
{
    (void)state;
    const char *a1[] = { "sluice",
                         "--port",
                         "1195",
                         "--verb",
                         "4",
                         "--push",
                         "route 10.0.0.0 255.0.0.0",
                         "--suppress-timestamps" };
    struct conf *c = args(8, a1);
    assert_non_null(c);
    struct conf *f = load("port 1195\nverb 4\npush \"route 10.0.0.0 255.0.0.0\"\n"
                          "suppress-timestamps\n");
    assert_non_null(f);
    assert_int_equal(c->ce.remote_port, f->ce.remote_port);
    assert_int_equal(c->ce.local_port, f->ce.local_port);
    assert_int_equal(c->log.verb, f->log.verb);
    assert_int_equal(c->srv.push.n, 1);
    assert_string_equal(c->srv.push.v[0], f->srv.push.v[0]);
    assert_true(c->log.suppress_timestamps);
    conf_free(c);
    conf_free(f);

    static const struct memfile files[] = { { "s.conf", "port 1200\nverb 3\n", 0 } };
    use_files(files, 1);
    const char *a2[] = { "sluice", "--port", "1100", "--config", "s.conf", "--verb", "6" };
    c = args(7, a2);
    assert_non_null(c);
    assert_int_equal(c->ce.remote_port, 1200); /* the file overrides what came before */
    assert_int_equal(c->log.verb, 6);          /* what comes after overrides the file */
    conf_free(c);

    const char *a3[] = { "sluice", "s.conf" };
    c = args(2, a3);
    assert_non_null(c);
    assert_int_equal(c->ce.remote_port, 1200);
    conf_free(c);

    const char *a4[] = { "sluice", "--port", "99999" };
    assert_null(args(3, a4));
    assert_string_equal(err.msg, "command line: '--port' expects a number 1-65535, got '99999'");
    const char *a5[] = { "sluice", "--verb", "3", "4" };
    assert_null(args(4, a5));
    assert_string_equal(err.msg, "command line: '--verb' expects 1 argument, got 2");
    const char *a6[] = { "sluice", "verb", "3" };
    assert_null(args(3, a6));
    assert_string_equal(err.msg, "command line: 'verb' is not an option (options start with '--')");
    const char *a7[] = { "sluice", "--keepalve", "10", "60" };
    assert_null(args(4, a7));
    assert_string_equal(err.msg,
                        "command line: unknown option '--keepalve' (did you mean '--keepalive'?)");
    const char *a8[] = { "sluice", "--ca", "[[INLINE]]" };
    assert_null(args(3, a8));
    assert_string_equal(err.msg,
                        "command line: '--ca': inline blocks are not allowed on the command line");
    const char *a9[] = { "sluice", "--config", "missing.conf" };
    assert_null(args(3, a9));
    assert_string_equal(err.msg,
                        "command line: cannot read 'missing.conf': No such file or directory");
    const char *a10[] = { "sluice",   "--show-config", "--version", "--help",
                          "--genkey", "tls-crypt",     "tc.key" };
    c = args(7, a10);
    assert_non_null(c);
    assert_true(c->show_config && c->show_version && c->show_help && c->genkey.set);
    assert_string_equal(c->genkey.type, "tls-crypt");
    assert_string_equal(c->genkey.file, "tc.key");
    conf_free(c);
    expect_error("show-config", "t.conf:1: 'show-config' can only be given on the command line");
    c = args(1, a1);
    assert_non_null(c);
    conf_free(c);
}

/* ---- includes ---- */

static void test_include(void **state)
{
    (void)state;
    static const struct memfile files[] = {
        { "a.conf", "verb 2\nconfig b.conf\nmute 5\n", 0 },
        { "b.conf", "verb 7\n--mute 3\n", 0 },
    };
    use_files(files, 2);
    struct conf *c = conf_new();
    assert_int_equal(conf_parse_file(c, "a.conf", &loader, &err), 0);
    assert_int_equal(c->log.verb, 7);
    assert_int_equal(c->log.mute, 5);
    conf_free(c);

    static const struct memfile loop[] = {
        { "a.conf", "verb 2\nconfig b.conf\n", 0 },
        { "b.conf", "config a.conf\n", 0 },
    };
    use_files(loop, 2);
    c = conf_new();
    assert_int_equal(conf_parse_file(c, "a.conf", &loader, &err), -1);
    assert_string_equal(err.msg,
                        "b.conf:1: config files include each other in a loop: a.conf -> b.conf "
                        "-> a.conf");
    conf_free(c);

    static const struct memfile self[] = { { "s.conf", "config s.conf\n", 0 } };
    use_files(self, 1);
    c = conf_new();
    assert_int_equal(conf_parse_file(c, "s.conf", &loader, &err), -1);
    assert_string_equal(err.msg, "s.conf:1: config files include each other in a loop: s.conf -> "
                                 "s.conf");
    conf_free(c);

    c = conf_new();
    assert_int_equal(conf_parse_file(c, "none.conf", &loader, &err), -1);
    assert_string_equal(err.msg, "cannot read 'none.conf': No such file or directory");
    assert_int_equal(conf_parse_text(c, "x.conf", (const uint8_t *)"config y.conf", 13, NULL, &err),
                     -1);
    assert_string_equal(err.msg, "x.conf:1: cannot read 'y.conf': no file loader");
    conf_free(c);
    expect_error("verb 3\nconfig other.conf\n",
                 "t.conf:2: cannot read 'other.conf': No such file or directory");
}

static void test_include_depth(void **state)
{
    (void)state;
    static const struct memfile chain[] = {
        { "f1", "config f2", 0 },           { "f2", "config f3", 0 }, { "f3", "config f4", 0 },
        { "f4", "config f5", 0 },           { "f5", "config f6", 0 }, { "f6", "config f7", 0 },
        { "f7", "config f8", 0 },           { "f8", "config f9", 0 }, { "f9", "config f10", 0 },
        { "f10", "verb 9\nconfig f11", 0 }, { "f11", "verb 2", 0 },
    };
    use_files(chain, 10);
    struct conf *c = conf_new();
    /* ten files deep is fine as long as the tenth includes nothing */
    static const struct memfile last = { "f10", "verb 9", 0 };
    struct memfile ten[10];
    memcpy(ten, chain, sizeof(struct memfile) * 9);
    ten[9] = last;
    use_files(ten, 10);
    assert_int_equal(conf_parse_file(c, "f1", &loader, &err), 0);
    assert_int_equal(c->log.verb, 9);
    conf_free(c);

    use_files(chain, 11);
    c = conf_new();
    assert_int_equal(conf_parse_file(c, "f1", &loader, &err), -1);
    assert_string_equal(err.msg, "f10:2: config files nest more than 10 deep: f1 -> f2 -> f3 -> "
                                 "f4 -> f5 -> f6 -> f7 -> f8 -> f9 -> f10 -> f11");
    conf_free(c);
}

static void test_cd_applies_to_includes(void **state)
{
    (void)state;
    static const struct memfile files[] = {
        { "main.conf", "cd /etc/openvpn\nconfig sub.conf\n", 0 },
        { "/etc/openvpn/sub.conf", "verb 8\n", 0 },
    };
    use_files(files, 2);
    struct conf *c = conf_new();
    assert_int_equal(conf_parse_file(c, "main.conf", &loader, &err), 0);
    assert_int_equal(c->log.verb, 8);
    assert_string_equal(c->proc.cd, "/etc/openvpn");
    conf_free(c);
}

/* ---- inline blocks ---- */

static void test_inline(void **state)
{
    (void)state;
    struct conf *c =
        load("<ca>\nCA DATA\n</ca>\n<tls-auth>\nTA KEY\n</tls-auth>\nkey-direction 1\n"
             "<tls-crypt-v2>\nV2\n</tls-crypt-v2>\ncert c.crt\n<auth-user-pass>\nu\np\n"
             "</auth-user-pass>\n");
    assert_non_null(c);
    assert_true(c->tls.ca.is_inline);
    assert_null(c->tls.ca.path);
    assert_int_equal(c->tls.ca.len, 8);
    assert_memory_equal(c->tls.ca.data, "CA DATA\n", 8);
    assert_true(c->tls.tls_auth.is_inline);
    assert_memory_equal(c->tls.tls_auth.data, "TA KEY\n", 7);
    assert_int_equal(c->tls.key_direction, 1);
    assert_true(c->tls.tls_crypt_v2.is_inline);
    assert_false(c->tls.cert.is_inline);
    assert_string_equal(c->tls.cert.path, "c.crt");
    assert_true(c->auth.user_pass);
    assert_true(c->auth.user_pass_file.is_inline);
    assert_int_equal(c->auth.user_pass_file.len, 4);
    conf_free(c);

    /* a later path replaces an inline block and the other way round */
    c = load("<key>\nK\n</key>\nkey k.pem\n<dh>\nD\n</dh>\ndh none\n");
    assert_non_null(c);
    assert_false(c->tls.key.is_inline);
    assert_null(c->tls.key.data);
    assert_string_equal(c->tls.key.path, "k.pem");
    assert_true(c->tls.dh_none);
    assert_false(c->tls.dh.is_inline);
    conf_free(c);

    expect_error("ca [[INLINE]]", "t.conf:1: 'ca' [[INLINE]] is a placeholder: give the content as "
                                  "an inline block");
    expect_error("<tls-crypt>\n</tls-crypt>\ntls-auth ta.key 2\n",
                 "t.conf:3: 'tls-auth' expects a key direction 0 or 1, got '2'");
    c = load("tls-auth ta.key 0\n");
    assert_non_null(c);
    assert_int_equal(c->tls.key_direction, 0);
    conf_free(c);
}

static void test_fingerprints(void **state)
{
    (void)state;
    const char *fp = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
                     "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99";
    char text[512];
    snprintf(text, sizeof(text),
             "<peer-fingerprint>\n# server\n%s\n\n  %s  \n</peer-fingerprint>\n"
             "peer-fingerprint %s\n",
             fp, fp, fp);
    struct conf *c = load(text);
    assert_non_null(c);
    assert_int_equal(c->tls.n_fingerprints, 3);
    assert_int_equal(c->tls.fingerprints[2][0], 0xAA);
    assert_int_equal(c->tls.fingerprints[2][16], 0xAA);
    assert_int_equal(c->tls.fingerprints[2][31], 0x99);
    conf_free(c);
    expect_error("peer-fingerprint AA:BB",
                 "t.conf:1: 'peer-fingerprint' expects a SHA256 fingerprint (32 hex bytes "
                 "AB:CD:...), got 'AA:BB'");
    expect_error("<peer-fingerprint>\nzz\n</peer-fingerprint>\n",
                 "t.conf:1: 'peer-fingerprint' expects a SHA256 fingerprint (32 hex bytes "
                 "AB:CD:...), got 'zz'");
}

/* ---- <connection> ---- */

static void test_connection(void **state)
{
    (void)state;
    struct conf *c = load("nobind\nconnect-retry 5\n<connection>\nremote a.example 1195 udp4\n"
                          "explicit-exit-notify 2\n</connection>\n<connection>\nremote b.example\n"
                          "server-poll-timeout 10\nport 443\nfloat\n</connection>\n");
    assert_non_null(c);
    assert_int_equal(c->n_conns, 2);
    assert_string_equal(c->conns[0].remote, "a.example");
    assert_int_equal(c->conns[0].remote_port, 1195);
    assert_int_equal(c->conns[0].proto, CONF_PROTO_UDP4);
    assert_int_equal(c->conns[0].explicit_exit_notify, 2);
    assert_false(c->conns[0].bind); /* inherited from the global nobind */
    assert_int_equal(c->conns[0].connect_retry, 5);
    assert_string_equal(c->conns[1].remote, "b.example");
    assert_int_equal(c->conns[1].remote_port, 443);
    assert_int_equal(c->conns[1].connect_timeout, 10);
    assert_true(c->conns[1].remote_float);
    assert_false(c->ce.remote_float);
    assert_int_equal(c->ce.explicit_exit_notify, 0);
    conf_free(c);

    expect_error("verb 3\n<connection>\nport 1195\n</connection>\n",
                 "t.conf:2: a <connection> block needs exactly one 'remote' line");
    expect_error("<connection>\nremote a\n\nverb 4\n</connection>\n",
                 "t.conf:4: 'verb' is not allowed inside a <connection> block");
    expect_error("<connection>\nremote a\nremote b\n</connection>\n",
                 "t.conf:3: a <connection> block takes exactly one 'remote' line");
    expect_error("<connection>\nremote a\nport 0\n</connection>\n",
                 "t.conf:3: 'port' expects a number 1-65535, got '0'");
    expect_error("<connection>\nremote a\npush \"x\n</connection>\n",
                 "t.conf:3: no closing quotation (\") on this line");
    expect_error("connection x", "t.conf:1: 'connection' is only valid as a <connection> ... "
                                 "</connection> block in a config file");

    c = load("<connection>\nremote a\n</connection>\nfloat\n");
    assert_non_null(c);
    assert_string_equal(fs.warn,
                        "t.conf:4: 'float' does not apply to the <connection> blocks before it");
    conf_free(c);
}

/* ---- typed values ---- */

static void test_transport_values(void **state)
{
    (void)state;
    struct conf *c = load("proto udp6\nlocal 198.18.50.1\nremote vpn1.example.net\n"
                          "remote 198.18.50.2 1195\nremote vpn3 1196 udp4\nresolv-retry 30\n"
                          "connect-retry 2 120\nconnect-retry-max 7\nserver-poll-timeout 20\n"
                          "tun-mtu 1400\nmssfix 1300 mtu\nfragment 1300\nexplicit-exit-notify\n"
                          "mtu-disc yes\nsndbuf 393216\nping 10\nping-exit 60\ninactive 3600 "
                          "100000\n");
    assert_non_null(c);
    assert_int_equal(c->ce.proto, CONF_PROTO_UDP6);
    assert_string_equal(c->ce.local, "198.18.50.1");
    assert_int_equal(c->n_remotes, 3);
    assert_string_equal(c->remotes[0].host, "vpn1.example.net");
    assert_int_equal(c->remotes[0].port, 0);
    assert_int_equal(c->remotes[0].proto, -1);
    assert_int_equal(c->remotes[1].port, 1195);
    assert_int_equal(c->remotes[2].proto, CONF_PROTO_UDP4);
    assert_int_equal(c->net.resolv_retry, 30);
    assert_int_equal(c->ce.connect_retry, 2);
    assert_int_equal(c->ce.connect_retry_cap, 120);
    assert_int_equal(c->net.connect_retry_max, 7);
    assert_int_equal(c->ce.connect_timeout, 20);
    assert_int_equal(c->ce.tun_mtu, 1400);
    assert_true(c->ce.tun_mtu_set);
    assert_int_equal(c->ce.mssfix, 1300);
    assert_true(c->ce.mssfix_mtu);
    assert_int_equal(c->ce.fragment, 1300);
    assert_int_equal(c->ce.explicit_exit_notify, 1);
    assert_int_equal(c->ce.mtu_disc, CONF_MTU_DISC_YES);
    assert_int_equal(c->net.sndbuf, 393216);
    assert_int_equal(c->net.ping, 10);
    assert_int_equal(c->net.ping_rec, 60);
    assert_int_equal(c->net.ping_action, CONF_PING_EXIT);
    assert_int_equal(c->net.inactive, 3600);
    assert_int_equal(c->net.inactive_bytes, 100000);
    conf_free(c);

    expect_error("proto sctp", "t.conf:1: 'proto' expects 'udp', 'udp4' or 'udp6', got 'sctp'");
    expect_error("remote \"a b\"", "t.conf:1: 'remote' expects a host name or address, got 'a b'");
    expect_error("remote a 0", "t.conf:1: 'remote' expects a number 1-65535, got '0'");
    expect_error("mssfix 1400 foo", "t.conf:1: 'mssfix' expects 'mtu' or 'fixed' after the size, "
                                    "got 'foo'");
    expect_error("fragment 67", "t.conf:1: 'fragment' expects a number 68-65535, got '67'");
    expect_error("resolv-retry forever", "t.conf:1: 'resolv-retry' expects a number 0 or more, got "
                                         "'forever'");
    expect_error("dev \"\"", "t.conf:1: 'dev' expects an interface name such as tun or tun0 (15 "
                             "bytes max), got ''");
    expect_error("topology star", "t.conf:1: 'topology' expects 'net30', 'p2p' or 'subnet', got "
                                  "'star'");
    expect_error("mode client", "t.conf:1: 'mode' expects 'p2p' or 'server', got 'client'");
    expect_error("bind ipv4only", "t.conf:1: 'bind' expects nothing or 'ipv6only', got "
                                  "'ipv4only'");
}

static void test_address_values(void **state)
{
    (void)state;
    struct conf *c = load("ifconfig 100.64.10.1 100.64.10.2\nifconfig-ipv6 fd00::1/64 fd00::2\n"
                          "route 100.64.20.0 255.255.255.0\nroute 100.64.30.0 255.255.255.0 "
                          "100.64.10.9 5\nroute vpn_gateway\nroute-ipv6 2001:db8::/32 default 7\n"
                          "route-gateway 100.64.10.1\nredirect-gateway def1 bypass-dhcp\n"
                          "dhcp-option DNS 100.64.10.1\ndhcp-option DOMAIN example.net\n"
                          "dns server 1 address 100.64.10.1\nifconfig-pool 100.64.10.4 "
                          "100.64.10.100\nserver-ipv6 fd00:1::/64\n");
    assert_non_null(c);
    assert_true(c->dev.ifconfig_set);
    assert_int_equal(c->dev.ifconfig_local, ip("100.64.10.1"));
    assert_int_equal(c->dev.ifconfig_remote, ip("100.64.10.2"));
    assert_int_equal(c->dev.ifconfig6_local.bits, 64);
    assert_int_equal(c->dev.ifconfig6_remote[15], 2);
    assert_int_equal(c->route.n_v4, 3);
    assert_string_equal(c->route.v4[0].network, "100.64.20.0");
    assert_int_equal(c->route.v4[0].netmask, ip("255.255.255.0"));
    assert_null(c->route.v4[0].gateway);
    assert_int_equal(c->route.v4[0].metric, -1);
    assert_string_equal(c->route.v4[1].gateway, "100.64.10.9");
    assert_int_equal(c->route.v4[1].metric, 5);
    assert_int_equal(c->route.v4[2].netmask, 0xffffffffu);
    assert_int_equal(c->route.n_v6, 1);
    assert_int_equal(c->route.v6[0].net.bits, 32);
    assert_null(c->route.v6[0].gateway);
    assert_int_equal(c->route.v6[0].metric, 7);
    assert_int_equal(c->route.gateway, ip("100.64.10.1"));
    assert_int_equal(c->route.redirect,
                     CONF_RG_ENABLE | CONF_RG_REROUTE_GW | CONF_RG_DEF1 | CONF_RG_BYPASS_DHCP);
    assert_int_equal(c->route.dhcp_options.n, 2);
    assert_string_equal(c->route.dhcp_options.v[1].argv[1], "example.net");
    assert_int_equal(c->route.dns.n, 1);
    assert_int_equal(c->route.dns.v[0].argc, 4);
    assert_int_equal(c->srv.pool_start, ip("100.64.10.4"));
    assert_true(c->srv.server6_set);
    assert_int_equal(c->srv.server6.bits, 64);
    conf_free(c);

    expect_error("server 100.64.10.0 255.0.255.0",
                 "t.conf:1: 'server' expects a contiguous netmask such as 255.255.255.0, got "
                 "'255.0.255.0'");
    expect_error("server 100.64.10.1 255.255.255.0",
                 "t.conf:1: 'server' network 100.64.10.1 has host bits set for netmask "
                 "255.255.255.0");
    expect_error("server 100.64.10.0 255.255.255.0 pool",
                 "t.conf:1: 'server' expects 'nopool' after the netmask, got 'pool'");
    expect_error("server 100.64.300.0 255.255.255.0",
                 "t.conf:1: 'server' expects an IPv4 network, got '100.64.300.0'");
    expect_error("server-ipv6 fd00::/48",
                 "t.conf:1: 'server-ipv6' expects a prefix length 64-124, got '/48'");
    expect_error("server-ipv6 fd00::", "t.conf:1: 'server-ipv6' expects an IPv6 network such as "
                                       "2001:db8::/64, got 'fd00::'");
    expect_error("ifconfig-ipv6 fd00::1/64 zz",
                 "t.conf:1: 'ifconfig-ipv6' expects an IPv6 address, got 'zz'");
    expect_error("route 10.0.0.1 255.0.0.0",
                 "t.conf:1: 'route' network 10.0.0.1 has host bits set for netmask 255.0.0.0");
    expect_error("route 10.0.0.0 255.0.0.0 gw",
                 "t.conf:1: 'route' expects a gateway address or vpn_gateway / net_gateway / "
                 "remote_host, got 'gw'");
    expect_error("ifconfig-pool 10.0.0.9 10.0.0.2",
                 "t.conf:1: 'ifconfig-pool' start 10.0.0.9 is after end 10.0.0.2");
    expect_error("ifconfig-pool 10.0.0.0 10.2.0.0",
                 "t.conf:1: 'ifconfig-pool' holds more than 65536 addresses");
    expect_error("redirect-gateway def2",
                 "t.conf:1: 'redirect-gateway' expects 'local', 'autolocal', 'def1', "
                 "'bypass-dhcp', 'bypass-dns', 'block-local', 'ipv6' or '!ipv4', got 'def2'");
    expect_error("dhcp-option DNS example.net",
                 "t.conf:1: 'dhcp-option' DNS expects an IPv4 or IPv6 address, got 'example.net'");
    expect_error("dhcp-option DOMAIN", "t.conf:1: 'dhcp-option' DOMAIN expects 1 value, got 0");
    expect_error("push \"a,b\"",
                 "t.conf:1: 'push' text may not contain ',' (it separates PUSH_REPLY items)");
}

static void test_tls_values(void **state)
{
    (void)state;
    struct conf *c = load("data-ciphers aes-128-gcm:?BF-CBC:Chacha20-Poly1305:AES-128-GCM\n"
                          "data-ciphers-fallback aes-256-cbc\ncipher AES-256-CBC\nauth sha256\n"
                          "tls-version-min 1.3 or-highest\ntls-version-max 1.3\n"
                          "tls-cert-profile preferred\nreneg-sec 3600 600\nreneg-bytes 64000\n"
                          "replay-window 128 30\nremote-cert-tls server\n"
                          "verify-x509-name vpn.example.net name\nremote-cert-ku a0 88\n"
                          "compress lz4-v2\ncomp-lzo\nallow-compression asym\nauth-retry "
                          "nointeract\ntls-crypt-v2 v2.key force-cookie\ncrl-verify crl.d dir\n"
                          "key-direction 1\nverify-client-cert optional\n"
                          "auth-user-pass-verify \"/bin/check x\" via-env\n"
                          "auth-gen-token 3600 600 external-auth\n"
                          "keying-material-exporter EXPORTER-my-app 32\n"
                          "x509-username-field emailAddress\nstatic-challenge \"PIN?\" 1\n");
    assert_non_null(c);
    assert_string_equal(c->tls.data_ciphers, "AES-128-GCM:CHACHA20-POLY1305");
    assert_string_equal(c->tls.data_ciphers_fallback, "AES-256-CBC");
    assert_string_equal(c->tls.cipher, "AES-256-CBC");
    assert_string_equal(c->tls.auth, "SHA256");
    assert_int_equal(c->tls.version_min, CONF_TLS_VER_1_3);
    assert_true(c->tls.version_min_or_highest);
    assert_int_equal(c->tls.version_max, CONF_TLS_VER_1_3);
    assert_int_equal(c->tls.cert_profile, CONF_CERT_PROFILE_PREFERRED);
    assert_int_equal(c->tls.reneg_sec, 3600);
    assert_int_equal(c->tls.reneg_sec_min, 600);
    assert_int_equal(c->tls.reneg_bytes, 64000);
    assert_int_equal(c->tls.replay_window, 128);
    assert_int_equal(c->tls.replay_time, 30);
    assert_int_equal(c->tls.remote_cert_tls, CONF_REMOTE_CERT_SERVER);
    assert_int_equal(c->tls.verify_x509_type, CONF_X509_NAME);
    assert_int_equal(c->tls.n_remote_cert_ku, 2);
    assert_int_equal(c->tls.remote_cert_ku[0], 0xa0);
    assert_int_equal(c->tls.compress, CONF_COMPRESS_LZ4_V2);
    assert_int_equal(c->tls.comp_lzo, CONF_COMP_LZO_ADAPTIVE);
    assert_int_equal(c->tls.allow_compression, CONF_ALLOW_COMP_ASYM);
    assert_int_equal(c->auth.retry, CONF_AUTH_RETRY_NOINTERACT);
    assert_int_equal(c->tls.tls_crypt_v2_mode, CONF_TC2_FORCE_COOKIE);
    assert_true(c->tls.crl_dir);
    assert_int_equal(c->tls.key_direction, 1);
    assert_int_equal(c->auth.verify_client_cert, CONF_CLIENT_CERT_OPTIONAL);
    assert_string_equal(c->auth.verify_script, "/bin/check x");
    assert_int_equal(c->auth.verify_method, CONF_VERIFY_VIA_ENV);
    assert_true(c->auth.gen_token && c->auth.gen_token_external);
    assert_int_equal(c->auth.gen_token_renewal, 600);
    assert_int_equal(c->tls.ekm_len, 32);
    assert_string_equal(c->tls.x509_username_field.v[0], "emailAddress");
    assert_int_equal(c->tls.x509_username_field.n, 1);
    assert_true(c->auth.static_challenge_echo);
    conf_free(c);

    expect_error("data-ciphers AES-256-GCM:BF-CBC",
                 "t.conf:1: 'data-ciphers': cipher 'BF-CBC' is not supported by Sluice "
                 "(supported: AES-128-GCM, AES-192-GCM, AES-256-GCM, CHACHA20-POLY1305, "
                 "AES-128-CBC, AES-192-CBC, AES-256-CBC, none)");
    expect_error("ncp-ciphers AES-256-GCM::AES-128-GCM",
                 "t.conf:1: 'ncp-ciphers' has an empty cipher name");
    expect_error("data-ciphers ?BF-CBC",
                 "t.conf:1: 'data-ciphers' names no cipher that Sluice supports");
    expect_error("auth MD5", "t.conf:1: 'auth': digest 'MD5' is not supported by Sluice "
                             "(supported: SHA1, SHA224, SHA256, SHA384, SHA512, none)");
    expect_error("tls-version-min 1.4",
                 "t.conf:1: 'tls-version-min' expects '1.0', '1.1', '1.2' or '1.3', got '1.4'");
    expect_error("tls-version-min 1.2 or-lowest",
                 "t.conf:1: 'tls-version-min' expects 'or-highest' after the version, got "
                 "'or-lowest'");
    expect_error("remote-cert-tls peer",
                 "t.conf:1: 'remote-cert-tls' expects 'server' or 'client', got 'peer'");
    expect_error("verify-x509-name cn prefix", "t.conf:1: 'verify-x509-name' expects 'subject', "
                                               "'name' or 'name-prefix', got 'prefix'");
    expect_error("compress zstd", "t.conf:1: 'compress' expects 'stub', 'stub-v2', 'lz4', "
                                  "'lz4-v2', 'lzo' or 'migrate', got 'zstd'");
    expect_error("comp-lzo maybe",
                 "t.conf:1: 'comp-lzo' expects 'no', 'yes' or 'adaptive', got 'maybe'");
    expect_error("allow-compression no\nallow-compression yes\n",
                 "t.conf:2: 'allow-compression' cannot be set to 'yes' after it was set to 'no'");
    expect_error("auth-retry always",
                 "t.conf:1: 'auth-retry' expects 'none', 'nointeract' or 'interact', got 'always'");
    expect_error("auth-user-pass-verify check.sh via-pipe",
                 "t.conf:1: 'auth-user-pass-verify' expects 'via-file' or 'via-env', got "
                 "'via-pipe'");
    expect_error("keying-material-exporter my-label 32",
                 "t.conf:1: 'keying-material-exporter' label must begin with 'EXPORTER', got "
                 "'my-label'");
    expect_error("remote-cert-ku xyz", "t.conf:1: 'remote-cert-ku' expects hex key usage values "
                                       "such as a0 or 88, got 'xyz'");
    expect_error("static-challenge PIN 2", "t.conf:1: 'static-challenge' expects 0 or 1 (echo the "
                                           "response) after the text, got '2'");
    expect_error("crl-verify crl.pem file",
                 "t.conf:1: 'crl-verify' expects 'dir' after a directory name, got 'file'");
}

static void test_process_values(void **state)
{
    (void)state;
    struct conf *c = load("user nobody\ngroup nogroup\nchroot /var/empty\ndaemon sluice-x\n"
                          "writepid /run/s.pid\nlog-append /var/log/s.log\nsyslog\n"
                          "status /run/status.log 10\nstatus-version 2\nmanagement 127.0.0.1 7505 "
                          "pw.txt\nmanagement-hold\nup \"/etc/up.sh arg\"\nscript-security 2\n"
                          "remap-usr1 SIGHUP\necho hello world\ntmp-dir /tmp/x\n");
    assert_non_null(c);
    assert_string_equal(c->proc.user, "nobody");
    assert_true(c->proc.daemon);
    assert_string_equal(c->proc.daemon_name, "sluice-x");
    assert_string_equal(c->log.file, "/var/log/s.log");
    assert_true(c->log.append);
    assert_true(c->log.syslog);
    assert_null(c->log.syslog_name);
    assert_int_equal(c->log.status_interval, 10);
    assert_int_equal(c->log.status_version, 2);
    assert_true(c->mgmt.set);
    assert_string_equal(c->mgmt.addr, "127.0.0.1");
    assert_int_equal(c->mgmt.port, 7505);
    assert_string_equal(c->mgmt.pw_file, "pw.txt");
    assert_true(c->mgmt.hold);
    assert_string_equal(c->script.up, "/etc/up.sh arg");
    assert_int_equal(c->proc.remap_usr1, CONF_REMAP_SIGHUP);
    assert_int_equal(c->log.echo.n, 1);
    assert_int_equal(c->log.echo.v[0].argc, 2);
    assert_string_equal(c->log.echo.v[0].argv[1], "world");
    conf_free(c);

    c = load("management /run/sluice.sock unix\nlog a.log\n");
    assert_non_null(c);
    assert_true(c->mgmt.unix_socket);
    assert_string_equal(c->mgmt.addr, "/run/sluice.sock");
    assert_null(c->mgmt.pw_file);
    assert_false(c->log.append);
    conf_free(c);

    expect_error("management 127.0.0.1 http",
                 "t.conf:1: 'management' expects a number 1-65535, got 'http'");
    expect_error("remap-usr1 SIGINT",
                 "t.conf:1: 'remap-usr1' expects 'SIGHUP' or 'SIGTERM', got 'SIGINT'");
    expect_error("up \"\"", "t.conf:1: 'up' expects a non-empty argument");
    expect_error("opt-verify\nstatus \"\"", "t.conf:2: 'status' expects a file name");
}

static void test_check_supported(void **state)
{
    (void)state;
    struct conf *c = load("verb 3\nsetenv A b\nmute 2\nlog x.log\nping-timer-rem\nstatus s.log\n");
    assert_non_null(c);
    assert_int_equal(conf_check_supported(c, &err), 1);
    assert_string_equal(err.msg, "t.conf:5: 'ping-timer-rem' is not supported yet");
    conf_free(c);
    c = load("verb 3\ncd /tmp\nwritepid x\nsuppress-timestamps\nmachine-readable-output\n"
             "syslog\nignore-unknown-option x\nsetenv-safe A b\nfast-io\n");
    assert_non_null(c);
    err.msg[0] = '\0';
    assert_int_equal(conf_check_supported(c, &err), 0);
    assert_string_equal(err.msg, "");
    conf_free(c);
    const char *argv[] = { "sluice", "--verb", "3", "--management", "127.0.0.1", "7505" };
    c = args(6, argv);
    assert_non_null(c);
    assert_int_equal(conf_check_supported(c, &err), 1);
    assert_string_equal(err.msg, "command line: '--management' is not supported yet");
    conf_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_port_range),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_arg_count),
        cmocka_unit_test(test_lexer_errors),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_ignore_unknown),
        cmocka_unit_test(test_setenv),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_include_depth),
        cmocka_unit_test(test_cd_applies_to_includes),
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_connection),
        cmocka_unit_test(test_transport_values),
        cmocka_unit_test(test_address_values),
        cmocka_unit_test(test_tls_values),
        cmocka_unit_test(test_process_values),
        cmocka_unit_test(test_check_supported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
