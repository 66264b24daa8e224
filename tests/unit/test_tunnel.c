/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration-translating parts of tunnel.c: compression framing (configured and pushed,
 * with 2.6's allow-compression policy, protocol-data.md §7.4) and the datapath parameters
 * (mssfix, float, replay, tun-mtu). The tun device itself is exercised by the namespace tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "conf.h"
#include "tunnel.h"

static struct conf *conf_of(const char *text)
{
    struct conf *c = conf_new();
    struct conf_err err;

    assert_non_null(c);
    if (conf_parse_text(c, "t.conf", (const uint8_t *)text, strlen(text), NULL, &err) < 0 ||
        conf_finalize(c, &err) < 0) {
        fail_msg("config refused: %s", err.msg);
    }
    return c;
}

#define CLIENT_BASE "client\nremote 198.18.50.1\ndev tun\nca ca.crt\ncert c.crt\nkey c.key\n"

static void test_comp_configured(void **state)
{
    struct conf *c;
    struct comp comp;
    char why[256];

    (void)state;
    c = conf_of(CLIENT_BASE);
    assert_int_equal(tunnel_comp(c, NULL, &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_NONE);
    assert_false(comp.send_compressed);
    conf_free(c);

    c = conf_of(CLIENT_BASE "compress lz4-v2\nallow-compression yes\n");
    assert_int_equal(tunnel_comp(c, NULL, &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_LZ4_V2);
    assert_true(comp.send_compressed);
    assert_true(comp.recv_compressed);
    conf_free(c);

    /* 2.6 default with an algorithm configured: receive only (asymmetric). */
    c = conf_of(CLIENT_BASE "compress lz4\n");
    assert_int_equal(tunnel_comp(c, NULL, &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_LZ4);
    assert_false(comp.send_compressed);
    assert_true(comp.recv_compressed);
    conf_free(c);

    c = conf_of(CLIENT_BASE "comp-lzo no\n");
    assert_int_equal(tunnel_comp(c, NULL, &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_LZO_STUB);
    conf_free(c);
}

static void test_comp_pushed(void **state)
{
    struct conf *c = conf_of(CLIENT_BASE);
    struct comp comp;
    char why[256];

    (void)state;
    /* Stubs are always accepted, even with the default `allow-compression no`. */
    assert_int_equal(tunnel_comp(c, "compress stub-v2", &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_STUB_V2);
    assert_int_equal(tunnel_comp(c, "comp-lzo no", &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_LZO_STUB);
    assert_int_equal(tunnel_comp(c, "compress", &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_STUB);
    /* A compressing algorithm is refused with openvpn's reason. */
    assert_int_equal(tunnel_comp(c, "compress lz4-v2", &comp, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "server pushed compression settings that are not allowed"));
    assert_int_equal(tunnel_comp(c, "compress snappy", &comp, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "unknown pushed compression 'compress snappy'"));
    conf_free(c);

    c = conf_of(CLIENT_BASE "allow-compression yes\n");
    assert_int_equal(tunnel_comp(c, "compress lz4-v2", &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_LZ4_V2);
    assert_true(comp.send_compressed);
    conf_free(c);

    c = conf_of(CLIENT_BASE "allow-compression asym\n");
    assert_int_equal(tunnel_comp(c, "compress lz4", &comp, why, sizeof(why)), 0);
    assert_int_equal(comp.algo, COMP_ALGO_LZ4);
    assert_false(comp.send_compressed);
    assert_true(comp.recv_compressed);
    conf_free(c);
}

static void test_dp_params(void **state)
{
    struct conf *c = conf_of(CLIENT_BASE);
    struct dp_params p;

    (void)state;
    tunnel_dp_params(c, DP_CLIENT, false, &p);
    assert_int_equal(p.role, DP_CLIENT);
    assert_int_equal(p.tun_mtu_max, DP_TUN_MTU_MIN);
    assert_int_equal(p.replay_window, 64);
    assert_int_equal(p.replay_time, 15);
    assert_false(p.float_ok);
    assert_int_equal(p.mss.value, 1492);
    assert_int_equal(p.mss.mode, MSS_MODE_MTU);
    assert_int_equal(p.mss.transport, MSS_UDP4);
    conf_free(c);

    c = conf_of(CLIENT_BASE "float\nreplay-window 128 30\nmssfix 1400\ntun-mtu 9000\n");
    tunnel_dp_params(c, DP_SERVER, true, &p);
    assert_int_equal(p.role, DP_SERVER);
    assert_true(p.float_ok);
    assert_int_equal(p.replay_window, 128);
    assert_int_equal(p.replay_time, 30);
    assert_int_equal(p.mss.value, 1400);
    assert_int_equal(p.mss.mode, MSS_MODE_LEGACY);
    assert_int_equal(p.mss.transport, MSS_UDP6);
    assert_int_equal(p.tun_mtu_max, 9000);
    conf_free(c);

    c = conf_of(CLIENT_BASE "mssfix 0\n");
    tunnel_dp_params(c, DP_CLIENT, false, &p);
    assert_int_equal(p.mss.mode, MSS_MODE_OFF);
    conf_free(c);

    c = conf_of(CLIENT_BASE "mssfix 1300 fixed\n");
    tunnel_dp_params(c, DP_CLIENT, false, &p);
    assert_int_equal(p.mss.mode, MSS_MODE_FIXED);
    assert_int_equal(p.mss.value, 1300);
    conf_free(c);
}

static void test_open_failure(void **state)
{
    struct conf *c = conf_of(CLIENT_BASE "dev-node /nonexistent/sluice-tun\n");

    (void)state;
    /* The device node cannot be opened: NULL (logged), nothing left behind. */
    assert_null(tunnel_open(c, 1500));
    conf_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comp_configured),
        cmocka_unit_test(test_comp_pushed),
        cmocka_unit_test(test_dp_params),
        cmocka_unit_test(test_open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
