/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"

/* Observed from a 2.6.14 server (protocol-data.md §8.4). */
static const char typical_reply[] =
    "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,ifconfig 10.8.0.2 "
    "255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm "
    "dyn-tls-crypt,tun-mtu 1500";
static const char extras_reply[] =
    "PUSH_REPLY,redirect-gateway def1 bypass-dhcp,route-ipv6 2000::/3,tun-ipv6,route-gateway "
    "10.8.0.1,topology subnet,ping 10,ping-restart 60,dhcp-option DNS 10.8.0.1,ifconfig-ipv6 "
    "fd00:8::1000/64 fd00:8::1,ifconfig 10.8.0.50 255.255.255.0,peer-id 0,cipher "
    "AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500";

static struct push_settings *settings(void)
{
    struct push_settings *s = malloc(sizeof(*s));

    assert_non_null(s);
    push_settings_init(s);
    return s;
}

static int parse(struct push_settings *s, const char *text)
{
    return push_reply_parse(text, strlen(text), s);
}

/* ---- framing ---- */

static void test_text_iter(void **state)
{
    static const char rec[] = "PUSH_REPLY,ping 10\0\0EXIT\r\n\0bad\x01msg\0"
                              "\xc3\xa9t\xc3\xa9\0INFO,ok\0tail-without-nul";
    struct push_text_iter it;
    const char *m;
    size_t n;

    (void)state;
    push_text_iter_init(&it, (const uint8_t *)rec, sizeof(rec) - 1);
    assert_int_equal(push_text_next(&it, &m, &n), 1);
    assert_int_equal(n, strlen("PUSH_REPLY,ping 10"));
    assert_memory_equal(m, "PUSH_REPLY,ping 10", n);
    assert_int_equal(push_text_next(&it, &m, &n), 1); /* the empty message is skipped */
    assert_int_equal(n, 4);
    assert_memory_equal(m, "EXIT", 4);
    assert_int_equal(push_text_next(&it, &m, &n), PUSH_ERR_CHAR);
    assert_int_equal(push_text_next(&it, &m, &n), PUSH_ERR_CHAR); /* UTF-8 is not printable */
    assert_int_equal(push_text_next(&it, &m, &n), 1);
    assert_memory_equal(m, "INFO,ok", 7);
    assert_int_equal(push_text_next(&it, &m, &n), 0);
    assert_int_equal(push_text_next(&it, &m, &n), 0);
    push_text_iter_init(&it, NULL, 5);
    assert_int_equal(push_text_next(&it, &m, &n), 0);
}

/* ---- classification ---- */

static void expect_type(const char *text, enum push_msg_type type, const char *arg)
{
    struct push_msg m;

    assert_int_equal(push_msg_parse(text, strlen(text), &m), PUSH_OK);
    assert_int_equal(m.type, type);
    assert_int_equal(m.arg_len, strlen(arg));
    assert_memory_equal(m.arg, arg, m.arg_len);
}

static void test_msg_types(void **state)
{
    (void)state;
    expect_type("PUSH_REQUEST", PUSH_MSG_PUSH_REQUEST, "");
    expect_type("PUSH_REPLY,ping 10", PUSH_MSG_PUSH_REPLY, "ping 10");
    expect_type("PUSH_REPLY", PUSH_MSG_PUSH_REPLY, "");
    expect_type("INFO_PRE,WEB_AUTH::https://x", PUSH_MSG_INFO_PRE, "WEB_AUTH::https://x");
    expect_type("INFO,hello", PUSH_MSG_INFO, "hello");
    expect_type("CR_RESPONSE,aGk=", PUSH_MSG_CR_RESPONSE, "aGk=");
    expect_type("EXIT", PUSH_MSG_EXIT, "");
    expect_type("HALT", PUSH_MSG_HALT, "");
    expect_type("PUSH_UPDATE,x", PUSH_MSG_UNKNOWN, "");
    expect_type("hello", PUSH_MSG_UNKNOWN, "");
    expect_type("", PUSH_MSG_UNKNOWN, "");
    assert_string_equal(push_msg_type_name(PUSH_MSG_INFO_PRE), "INFO_PRE");
    assert_string_equal(push_msg_type_name(PUSH_MSG_UNKNOWN), "UNKNOWN");
}

static void test_msg_auth_failed(void **state)
{
    struct push_msg m;
    static const char temp[] = "AUTH_FAILED,TEMP[backoff 30,advance remote,color blue]:try later";

    (void)state;
    assert_int_equal(push_msg_parse("AUTH_FAILED", 11, &m), PUSH_OK);
    assert_int_equal(m.type, PUSH_MSG_AUTH_FAILED);
    assert_int_equal(m.af_kind, PUSH_AF_PLAIN);
    expect_type("AUTH_FAILED,Go away", PUSH_MSG_AUTH_FAILED, "Go away");
    assert_int_equal(push_msg_parse("AUTH_FAILED,Go away", 19, &m), PUSH_OK);
    assert_int_equal(m.af_kind, PUSH_AF_REASON);

    assert_int_equal(push_msg_parse(temp, strlen(temp), &m), PUSH_OK);
    assert_int_equal(m.af_kind, PUSH_AF_TEMP);
    assert_true(m.temp_has_backoff);
    assert_int_equal(m.temp_backoff, 30);
    assert_int_equal(m.temp_advance, PUSH_ADVANCE_REMOTE);
    assert_int_equal(m.temp_unknown_flags, 1);
    assert_int_equal(m.temp_msg_len, 9);
    assert_memory_equal(m.temp_msg, "try later", 9);

    assert_int_equal(push_msg_parse("AUTH_FAILED,TEMP:busy", 21, &m), PUSH_OK);
    assert_int_equal(m.af_kind, PUSH_AF_TEMP);
    assert_false(m.temp_has_backoff);
    assert_int_equal(m.temp_advance, PUSH_ADVANCE_DEFAULT);
    assert_memory_equal(m.temp_msg, "busy", m.temp_msg_len);
    assert_int_equal(push_msg_parse("AUTH_FAILED,TEMP[backoff x,advance no", 37, &m), PUSH_OK);
    assert_false(m.temp_has_backoff); /* no closing bracket: no flags */
    assert_int_equal(m.temp_advance, PUSH_ADVANCE_DEFAULT);
    assert_int_equal(push_msg_parse("AUTH_FAILED,TEMP[backoff x,advance addr]", 40, &m), PUSH_OK);
    assert_false(m.temp_has_backoff);
    assert_int_equal(m.temp_unknown_flags, 1);
    assert_int_equal(m.temp_advance, PUSH_ADVANCE_ADDR);
    assert_int_equal(m.temp_msg_len, 0);

    assert_int_equal(push_msg_parse("AUTH_FAILED,SESSION: token expired", 34, &m), PUSH_OK);
    assert_int_equal(m.af_kind, PUSH_AF_SESSION);
    assert_int_equal(push_msg_parse("AUTH_FAILED,CRV1:R,E:abc:dXNlcg==:Enter PIN", 43, &m),
                     PUSH_OK);
    assert_int_equal(m.af_kind, PUSH_AF_CRV1);
}

static void test_msg_pending_restart(void **state)
{
    struct push_msg m;

    (void)state;
    assert_int_equal(push_msg_parse("AUTH_PENDING,timeout 300", 24, &m), PUSH_OK);
    assert_int_equal(m.type, PUSH_MSG_AUTH_PENDING);
    assert_true(m.has_timeout);
    assert_int_equal(m.timeout, 300);
    assert_int_equal(push_msg_parse("AUTH_PENDING,foo,timeout 3x", 27, &m), PUSH_OK);
    assert_false(m.has_timeout);
    assert_int_equal(push_msg_parse("AUTH_PENDING", 12, &m), PUSH_OK);
    assert_false(m.has_timeout);

    assert_int_equal(push_msg_parse("RESTART,[PN]server going down", 29, &m), PUSH_OK);
    assert_int_equal(m.type, PUSH_MSG_RESTART);
    assert_true(m.keep_password);
    assert_true(m.next_remote);
    assert_int_equal(m.text_len, strlen("server going down"));
    assert_memory_equal(m.text, "server going down", m.text_len);
    assert_int_equal(push_msg_parse("RESTART,[N]", 11, &m), PUSH_OK);
    assert_false(m.keep_password);
    assert_true(m.next_remote);
    assert_int_equal(m.text_len, 0);
    assert_int_equal(push_msg_parse("RESTART,[P no close", 19, &m), PUSH_OK);
    assert_false(m.keep_password);
    assert_int_equal(m.text_len, 11);
    assert_int_equal(push_msg_parse("RESTART", 7, &m), PUSH_OK);
    assert_int_equal(m.type, PUSH_MSG_RESTART);
    assert_int_equal(m.text_len, 0);
    assert_int_equal(push_msg_parse("HALT,bye", 8, &m), PUSH_OK);
    assert_int_equal(m.type, PUSH_MSG_HALT);
    assert_memory_equal(m.text, "bye", 3);
}

static void test_msg_bad_text(void **state)
{
    struct push_msg m;
    static char big[PUSH_MSG_MAX + 1];

    (void)state;
    assert_int_equal(push_msg_parse("EXIT\0x", 6, &m), PUSH_ERR_NUL);
    assert_int_equal(push_msg_parse("INFO,a\tb", 8, &m), PUSH_ERR_CHAR);
    assert_int_equal(push_msg_parse("INFO,\x7f", 6, &m), PUSH_ERR_CHAR);
    memset(big, 'a', sizeof(big));
    assert_int_equal(push_msg_parse(big, PUSH_MSG_MAX, &m), PUSH_ERR_TOO_LONG);
    assert_int_equal(push_msg_parse(big, PUSH_MSG_MAX - 1, &m), PUSH_OK);
    assert_int_equal(m.type, PUSH_MSG_UNKNOWN);
}

/* ---- server side ---- */

static void test_client_items(void **state)
{
    struct push_client_params p = {
        .has_ifconfig = true,
        .ifconfig_local = 0x0A080002,
        .ifconfig_remote = 0xFFFFFF00,
        .has_peer_id = true,
        .peer_id = 0,
        .cipher = "AES-256-GCM",
        .ekm = true,
        .cc_exit = true,
        .dyn_tls_crypt = true,
        .tun_mtu = 1500,
    };
    struct push_client_items it;
    static const char *const want[] = {
        "ifconfig 10.8.0.2 255.255.255.0",
        "peer-id 0",
        "cipher AES-256-GCM",
        "protocol-flags cc-exit tls-ekm dyn-tls-crypt",
        "tun-mtu 1500",
    };

    (void)state;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    assert_int_equal(it.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(it.items[i], want[i]);

    /* IV_PROTO=10 client: no cc-exit, separate key-derivation (observed) */
    p.cc_exit = false;
    p.dyn_tls_crypt = false;
    p.tun_mtu = 0;
    p.has_ifconfig = false;
    p.has_peer_id = false;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    assert_int_equal(it.n, 2);
    assert_string_equal(it.items[1], "key-derivation tls-ekm");
    p.dyn_tls_crypt = true;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    assert_int_equal(it.n, 3);
    assert_string_equal(it.items[2], "protocol-flags dyn-tls-crypt");
    p.ekm = false;
    p.dyn_tls_crypt = false;
    p.cc_exit = true;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    assert_string_equal(it.items[1], "protocol-flags cc-exit");
}

static void test_client_items_ipv6_token(void **state)
{
    struct push_client_params p = {
        .has_ifconfig_ipv6 = true,
        .ifconfig_ipv6_local = { 0xfd, 0, 0, 8, [14] = 0x10, [15] = 0 },
        .ifconfig_ipv6_bits = 64,
        .ifconfig_ipv6_remote = { 0xfd, 0, 0, 8, [15] = 1 },
        .has_ifconfig = true,
        .ifconfig_local = 0x0A080032,
        .ifconfig_remote = 0xFFFFFF00,
        .auth_token = "SESS_ID_AT_abc",
    };
    struct push_client_items it;

    (void)state;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    assert_int_equal(it.n, 3);
    assert_string_equal(it.items[0], "ifconfig-ipv6 fd00:8::1000/64 fd00:8::1");
    assert_string_equal(it.items[1], "ifconfig 10.8.0.50 255.255.255.0");
    assert_string_equal(it.items[2], "auth-token SESS_ID_AT_abc");
}

static void test_client_items_refusals(void **state)
{
    struct push_client_params p = { .has_peer_id = true, .peer_id = 0x1000000 };
    struct push_client_items it;
    char token[300];

    (void)state;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_ERR_INVALID);
    p.peer_id = 0xFFFFFF;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    assert_string_equal(it.items[0], "peer-id 16777215");
    p.has_ifconfig_ipv6 = true;
    p.ifconfig_ipv6_bits = 129;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_ERR_INVALID);
    p.ifconfig_ipv6_bits = 128;
    p.auth_token = "a,b";
    assert_int_equal(push_client_items_build(&p, &it), PUSH_ERR_INVALID);
    p.auth_token = "";
    assert_int_equal(push_client_items_build(&p, &it), PUSH_ERR_INVALID);
    memset(token, 'A', sizeof(token));
    token[PUSH_TOKEN_MAX] = '\0';
    p.auth_token = token;
    assert_int_equal(push_client_items_build(&p, &it), PUSH_ERR_INVALID);
    token[PUSH_TOKEN_MAX - 1] = '\0';
    assert_int_equal(push_client_items_build(&p, &it), PUSH_OK);
    p.cipher = "AES 256";
    assert_int_equal(push_client_items_build(&p, &it), PUSH_ERR_INVALID);
}

static void test_reply_single(void **state)
{
    static const char *const opts[] = {
        "route-gateway 10.8.0.1",
        "topology subnet",
        "ping 10",
        "ping-restart 60",
        "ifconfig 10.8.0.2 255.255.255.0",
        "peer-id 0",
        "cipher AES-256-GCM",
        "protocol-flags cc-exit tls-ekm dyn-tls-crypt",
        "tun-mtu 1500",
    };
    struct push_reply_iter it;
    char out[PUSH_BUNDLE_SIZE];
    size_t len;

    (void)state;
    assert_int_equal(push_reply_iter_init(&it, opts, 9, NULL), PUSH_OK);
    assert_int_equal(push_reply_next(&it, out, sizeof(out) - 1, &len), PUSH_ERR_NO_ROOM);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_string_equal(out, typical_reply);
    assert_int_equal(len, strlen(typical_reply));
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 0);

    assert_int_equal(push_reply_iter_init(&it, NULL, 0, NULL), PUSH_OK);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_string_equal(out, "PUSH_REPLY");
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 0);
}

/* 45 pushed routes: a 951-byte first part, as observed with a 2.6.14 server (§12.2). */
static void test_reply_continuation(void **state)
{
    static char names[52][48];
    const char *opts[52];
    static const char *const tail[] = {
        "route-gateway 10.251.0.1",
        "topology subnet",
        "ifconfig 10.251.0.2 255.255.255.0",
        "peer-id 0",
        "cipher AES-256-GCM",
        "protocol-flags cc-exit tls-ekm dyn-tls-crypt",
        "tun-mtu 1500",
    };
    struct push_reply_iter it;
    char out[PUSH_BUNDLE_SIZE];
    size_t len;
    struct push_settings *s = settings();

    (void)state;
    for (int i = 0; i < 45; i++) {
        snprintf(names[i], sizeof(names[i]), "route 10.99.%d.0 255.255.255.0", i + 1);
        opts[i] = names[i];
    }
    for (int i = 0; i < 7; i++)
        opts[45 + i] = tail[i];
    assert_int_equal(push_reply_iter_init(&it, opts, 52, NULL), PUSH_OK);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_int_equal(len, 951);
    assert_int_equal(strlen(out), 951);
    assert_non_null(strstr(out, ",push-continuation 2"));
    assert_string_equal(out + len - 20, ",push-continuation 2");
    assert_int_equal(parse(s, out), 1);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_string_equal(out + len - strlen(",tun-mtu 1500,push-continuation 1"),
                        ",tun-mtu 1500,push-continuation 1");
    assert_int_equal(parse(s, out), 0);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 0);
    assert_int_equal(s->n_routes, 45);
    assert_int_equal(s->routes[44].network, 0x0A632D00);
    assert_int_equal(s->tun_mtu, 1500);
    assert_int_equal(s->n_unknown, 0);
    push_settings_wipe(s);
    free(s);
}

static void test_reply_refusals(void **state)
{
    static char big[PUSH_REPLY_SAFE];
    const char *opts[3] = { "ping 10", "route 1.2.3.0 255.255.255.0,x", "ok" };
    struct push_reply_iter it;
    char out[PUSH_BUNDLE_SIZE];
    size_t len, bad = 99;

    (void)state;
    assert_int_equal(push_reply_iter_init(&it, opts, 3, &bad), PUSH_ERR_INVALID);
    assert_int_equal(bad, 1);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 0);
    opts[1] = "";
    assert_int_equal(push_reply_iter_init(&it, opts, 3, &bad), PUSH_ERR_INVALID);
    opts[1] = NULL;
    assert_int_equal(push_reply_iter_init(&it, opts, 3, &bad), PUSH_ERR_INVALID);
    opts[1] = "echo \x01";
    assert_int_equal(push_reply_iter_init(&it, opts, 3, &bad), PUSH_ERR_INVALID);
    /* longest option that fits a message alone: 10 + 929 < 940 */
    memset(big, 'x', sizeof(big));
    big[929] = '\0';
    opts[1] = big;
    assert_int_equal(push_reply_iter_init(&it, opts, 3, &bad), PUSH_OK);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_string_equal(out, "PUSH_REPLY,ping 10,push-continuation 2");
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_int_equal(len, 10 + 1 + 929 + 20);
    assert_int_equal(push_reply_next(&it, out, sizeof(out), &len), 1);
    assert_string_equal(out, "PUSH_REPLY,ok,push-continuation 1");
    big[929] = 'x';
    big[930] = '\0';
    assert_int_equal(push_reply_iter_init(&it, opts, 3, &bad), PUSH_ERR_INVALID);
}

/* ---- client side ---- */

static void test_parse_typical(void **state)
{
    struct push_settings *s = settings();

    (void)state;
    assert_int_equal(parse(s, typical_reply), 0);
    assert_int_equal(s->route_gateway, 0x0A080001);
    assert_false(s->route_gateway_dhcp);
    assert_int_equal(s->topology, PUSH_TOPOLOGY_SUBNET);
    assert_int_equal(s->ping, 10);
    assert_int_equal(s->ping_restart, 60);
    assert_int_equal(s->ifconfig_local, 0x0A080002);
    assert_int_equal(s->ifconfig_remote, 0xFFFFFF00);
    assert_int_equal(s->peer_id, 0);
    assert_string_equal(s->cipher, "AES-256-GCM");
    assert_int_equal(s->protocol_flags, PUSH_PF_CC_EXIT | PUSH_PF_TLS_EKM | PUSH_PF_DYN_TLS_CRYPT);
    assert_int_equal(s->tun_mtu, 1500);
    assert_int_equal(s->have, PUSH_HAVE_ROUTE_GATEWAY | PUSH_HAVE_TOPOLOGY | PUSH_HAVE_PING |
                                  PUSH_HAVE_PING_RESTART | PUSH_HAVE_IFCONFIG | PUSH_HAVE_PEER_ID |
                                  PUSH_HAVE_CIPHER | PUSH_HAVE_PROTOCOL_FLAGS | PUSH_HAVE_TUN_MTU);
    assert_int_equal(s->n_unknown + s->n_ignored + s->n_routes, 0);
    free(s);
}

/* A 2.6 server sends a client without cc-exit "key-derivation tls-ekm" and then
 * "protocol-flags dyn-tls-crypt": the second must not erase the first, or the client would derive
 * its data keys with the PRF while the server uses the exporter. */
static void test_parse_flags_accumulate(void **state)
{
    struct push_settings *s = settings();

    (void)state;
    assert_int_equal(parse(s, "PUSH_REPLY,key-derivation tls-ekm,protocol-flags dyn-tls-crypt"), 0);
    assert_int_equal(s->protocol_flags, PUSH_PF_TLS_EKM | PUSH_PF_DYN_TLS_CRYPT);
    free(s);
}

static void test_parse_extras(void **state)
{
    struct push_settings *s = settings();
    static const uint8_t v6_local[16] = { 0xfd, 0, 0, 8, [14] = 0x10 };
    static const uint8_t v6_remote[16] = { 0xfd, 0, 0, 8, [15] = 1 };
    static const uint8_t net2000[16] = { 0x20 };

    (void)state;
    assert_int_equal(parse(s, extras_reply), 0);
    assert_int_equal(s->redirect_gateway, PUSH_RG_ENABLE | PUSH_RG_DEF1 | PUSH_RG_BYPASS_DHCP);
    assert_int_equal(s->n_routes6, 1);
    assert_memory_equal(s->routes6[0].network, net2000, 16);
    assert_int_equal(s->routes6[0].bits, 3);
    assert_false(s->routes6[0].has_gateway);
    assert_int_equal(s->n_ignored, 1); /* tun-ipv6 */
    assert_int_equal(s->n_dhcp, 1);
    assert_string_equal(s->dhcp[0].type, "DNS");
    assert_string_equal(s->dhcp[0].value, "10.8.0.1");
    assert_memory_equal(s->ifconfig6_local, v6_local, 16);
    assert_int_equal(s->ifconfig6_bits, 64);
    assert_memory_equal(s->ifconfig6_remote, v6_remote, 16);
    assert_int_equal(s->ifconfig_local, 0x0A080032);
    assert_true(s->have & PUSH_HAVE_IFCONFIG_IPV6);
    free(s);
}

static void test_parse_more_options(void **state)
{
    struct push_settings *s = settings();
    static const char reply[] =
        "PUSH_REPLY,,route 192.168.1.0 255.255.255.0 vpn_gateway 5,route 10.0.0.0 255.0.0.0 "
        "net_gateway default,route 172.16.0.0 default 10.8.0.9,route 8.8.8.8,"
        "route-ipv6 2001:db8::/32 fd00::1 7,route-gateway dhcp,route-metric 9,block-ipv6,"
        "redirect-private local,inactive 600 1000000,ping-exit 120,explicit-exit-notify,"
        "compress lz4-v2,auth SHA256,auth-token SESS_ID_tok,auth-token-user dXNlcg==,"
        "key-derivation tls-ekm,dhcp-option DOMAIN \"corp example\",dhcp-option DISABLE-NBT,"
        "echo hi,dns server 0 address 1.1.1.1,setenv-safe X y,# a comment,register-dns";

    (void)state;
    assert_int_equal(parse(s, reply), 0);
    assert_int_equal(s->n_routes, 4);
    assert_int_equal(s->routes[0].gw, PUSH_GW_VPN);
    assert_true(s->routes[0].has_metric);
    assert_int_equal(s->routes[0].metric, 5);
    assert_int_equal(s->routes[1].gw, PUSH_GW_NET);
    assert_false(s->routes[1].has_metric);
    assert_int_equal(s->routes[2].netmask, 0xFFFFFFFF);
    assert_int_equal(s->routes[2].gw, PUSH_GW_ADDR);
    assert_int_equal(s->routes[2].gateway, 0x0A080009);
    assert_int_equal(s->routes[3].network, 0x08080808);
    assert_int_equal(s->routes[3].gw, PUSH_GW_DEFAULT);
    assert_int_equal(s->routes6[0].bits, 32);
    assert_true(s->routes6[0].has_gateway);
    assert_int_equal(s->routes6[0].gateway[15], 1);
    assert_int_equal(s->routes6[0].metric, 7);
    assert_true(s->route_gateway_dhcp);
    assert_int_equal(s->route_metric, 9);
    assert_true(s->block_ipv6);
    assert_int_equal(s->redirect_private, PUSH_RG_ENABLE | PUSH_RG_LOCAL);
    assert_int_equal(s->redirect_gateway, 0);
    assert_int_equal(s->inactive, 600);
    assert_int_equal(s->inactive_bytes, 1000000);
    assert_int_equal(s->ping_exit, 120);
    assert_int_equal(s->explicit_exit_notify, 1);
    assert_string_equal(s->compress, "compress lz4-v2");
    assert_string_equal(s->auth, "SHA256");
    assert_string_equal(s->auth_token, "SESS_ID_tok");
    assert_string_equal(s->auth_token_user, "dXNlcg==");
    assert_int_equal(s->protocol_flags, PUSH_PF_TLS_EKM);
    assert_int_equal(s->n_dhcp, 2);
    assert_string_equal(s->dhcp[0].value, "corp example");
    assert_string_equal(s->dhcp[1].value, "");
    assert_int_equal(s->n_unknown, 3);
    assert_string_equal(s->unknown[0], "echo hi");
    assert_string_equal(s->unknown[1], "dns server 0 address 1.1.1.1");
    assert_string_equal(s->unknown[2], "setenv-safe X y");
    assert_int_equal(s->n_ignored, 1);
    push_settings_wipe(s);
    assert_string_equal(s->auth_token, "");
    free(s);
}

static void expect_option_error(const char *reply, const char *needle)
{
    struct push_settings *s = settings();

    assert_int_equal(parse(s, reply), PUSH_ERR_OPTION);
    if (!strstr(s->err, needle))
        fail_msg("error '%s' does not mention '%s'", s->err, needle);
    free(s);
}

static void test_parse_bad_options(void **state)
{
    (void)state;
    expect_option_error("PUSH_REPLY,peer-id 16777216", "peer-id");
    expect_option_error("PUSH_REPLY,peer-id -1", "peer-id");
    expect_option_error("PUSH_REPLY,ifconfig 10.0.0.1", "ifconfig: takes 2 to 2");
    expect_option_error("PUSH_REPLY,ifconfig 10.0.0.1 255.255.255.0 x", "ifconfig");
    expect_option_error("PUSH_REPLY,ifconfig 10.0.0 255.255.255.0", "IPv4");
    expect_option_error("PUSH_REPLY,ifconfig-ipv6 fd00::1/129 fd00::2", "ifconfig-ipv6");
    expect_option_error("PUSH_REPLY,ifconfig-ipv6 fd00::1/64 fd00::2/64", "ifconfig-ipv6");
    expect_option_error("PUSH_REPLY,topology star", "topology");
    expect_option_error("PUSH_REPLY,route vpn.example.com", "not an IPv4");
    expect_option_error("PUSH_REPLY,route 10.0.0.0 255.0.0.0 somewhere", "gateway");
    expect_option_error("PUSH_REPLY,route 10.0.0.0 255.0.0.0 vpn_gateway x", "metric");
    expect_option_error("PUSH_REPLY,route 10.0.0.0 255.0.0.300", "netmask");
    expect_option_error("PUSH_REPLY,route-ipv6 2000::/3 fd00::1/64", "gateway");
    expect_option_error("PUSH_REPLY,route-gateway none", "route-gateway");
    expect_option_error("PUSH_REPLY,protocol-flags cc-exit aead-epoch", "aead-epoch");
    expect_option_error("PUSH_REPLY,key-derivation foo", "tls-ekm");
    expect_option_error("PUSH_REPLY,tun-mtu 50", "tun-mtu");
    expect_option_error("PUSH_REPLY,tun-mtu 65536", "tun-mtu");
    expect_option_error("PUSH_REPLY,ping ten", "ping");
    expect_option_error("PUSH_REPLY,ping 99999999999", "ping");
    expect_option_error("PUSH_REPLY,redirect-gateway def2", "def2");
    expect_option_error("PUSH_REPLY,push-continuation 3", "push-continuation");
    expect_option_error("PUSH_REPLY,block-ipv6 yes", "block-ipv6");
    expect_option_error("PUSH_REPLY,route \"10.0.0.0", "quotation");
    expect_option_error("PUSH_REPLY,inactive 10 -5", "inactive");
    expect_option_error("PUSH_REPLY,dhcp-option ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 x", "dhcp");
    {
        char reply[400];
        char name[80];
        memset(name, 'C', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        snprintf(reply, sizeof(reply), "PUSH_REPLY,cipher %s", name);
        expect_option_error(reply, "cipher");
    }
}

static void test_parse_bad_text(void **state)
{
    struct push_settings *s = settings();
    static char big[PUSH_MSG_MAX + 1];

    (void)state;
    assert_int_equal(parse(s, "PUSH_REQUEST"), PUSH_ERR_NOT_REPLY);
    assert_int_equal(parse(s, "PUSH_REPLYX,ping 1"), PUSH_ERR_NOT_REPLY);
    assert_int_equal(parse(s, "PUSH_REPL"), PUSH_ERR_NOT_REPLY);
    assert_int_equal(push_reply_parse("PUSH_REPLY,ping 1\0,ping 2", 25, s), PUSH_ERR_NUL);
    assert_int_equal(parse(s, "PUSH_REPLY,ping\t1"), PUSH_ERR_CHAR);
    assert_int_equal(parse(s, "PUSH_REPLY,echo \xff"), PUSH_ERR_CHAR);
    assert_int_equal(s->have, 0);
    memcpy(big, "PUSH_REPLY,", 11);
    memset(big + 11, 'x', sizeof(big) - 11);
    assert_int_equal(push_reply_parse(big, PUSH_MSG_MAX, s), PUSH_ERR_TOO_LONG);
    assert_int_equal(parse(s, "PUSH_REPLY"), 0);
    assert_int_equal(parse(s, "PUSH_REPLY,"), 0);
    assert_int_equal(parse(s, "PUSH_REPLY,,,"), 0);
    assert_int_equal(s->have + s->n_unknown, 0);
    free(s);
}

static void test_parse_limits(void **state)
{
    struct push_settings *s = settings();
    char msg[PUSH_MSG_MAX];
    size_t len;
    int rc = 0;

    (void)state;
    /* routes arrive over several parts; the 513th is refused */
    for (int part = 0; part < 6 && rc >= 0; part++) {
        len = (size_t)snprintf(msg, sizeof(msg), "PUSH_REPLY");
        for (int i = 0; i < 100; i++)
            len += (size_t)snprintf(msg + len, sizeof(msg) - len, ",route 10.%d.%d.0", part, i);
        rc = push_reply_parse(msg, len, s);
    }
    assert_int_equal(rc, PUSH_ERR_LIMIT);
    assert_int_equal(s->n_routes, PUSH_MAX_ROUTES);
    assert_non_null(strstr(s->err, "routes"));

    push_settings_init(s);
    len = (size_t)snprintf(msg, sizeof(msg), "PUSH_REPLY");
    for (int i = 0; i < 33; i++)
        len += (size_t)snprintf(msg + len, sizeof(msg) - len, ",dhcp-option DNS 10.0.0.%d", i);
    assert_int_equal(push_reply_parse(msg, len, s), PUSH_ERR_LIMIT);
    assert_int_equal(s->n_dhcp, PUSH_MAX_DHCP);

    push_settings_init(s);
    len = (size_t)snprintf(msg, sizeof(msg), "PUSH_REPLY");
    for (int i = 0; i < 20; i++)
        len += (size_t)snprintf(msg + len, sizeof(msg) - len, ",mystery-%d", i);
    assert_int_equal(push_reply_parse(msg, len, s), 0);
    assert_int_equal(s->n_unknown, 20);
    assert_string_equal(s->unknown[15], "mystery-15");
    free(s);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = 0; e >= -8; e--)
        assert_string_not_equal(push_strerror(e), "unknown error");
    assert_string_equal(push_strerror(-9), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_iter),
        cmocka_unit_test(test_msg_types),
        cmocka_unit_test(test_msg_auth_failed),
        cmocka_unit_test(test_msg_pending_restart),
        cmocka_unit_test(test_msg_bad_text),
        cmocka_unit_test(test_client_items),
        cmocka_unit_test(test_client_items_ipv6_token),
        cmocka_unit_test(test_client_items_refusals),
        cmocka_unit_test(test_reply_single),
        cmocka_unit_test(test_reply_continuation),
        cmocka_unit_test(test_reply_refusals),
        cmocka_unit_test(test_parse_typical),
        cmocka_unit_test(test_parse_flags_accumulate),
        cmocka_unit_test(test_parse_extras),
        cmocka_unit_test(test_parse_more_options),
        cmocka_unit_test(test_parse_bad_options),
        cmocka_unit_test(test_parse_bad_text),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_strerror),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
