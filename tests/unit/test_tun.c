/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks tun_open() makes before it creates anything: names, device types, the device node.
 * None of these calls reaches TUNSETIFF, so no interface is created on this host. Opening real
 * devices, reading and writing packets are tested in a network namespace by
 * tests/interop/test_tun_netlink.sh.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tun.h"

static void refused(const char *dev, const char *dev_type, const char *node, const char *want)
{
    char err[256];
    memset(err, 'x', sizeof(err));
    struct tun_params p = { .dev = dev, .dev_type = dev_type, .dev_node = node };
    assert_null(tun_open(&p, err, sizeof(err)));
    assert_string_equal(err, want);
}

static void names_and_types(void **state)
{
    (void)state;
    refused("vpn0", NULL, NULL, "dev 'vpn0': use dev-type tun (only tun devices are supported)");
    refused("tap0", NULL, NULL, "dev 'tap0': use dev-type tun (only tun devices are supported)");
    refused("tun0", "tap", NULL, "dev-type 'tap' is not supported: only tun devices are");
    refused("vpn0", "", NULL, "dev-type '' is not supported: only tun devices are");
    refused(NULL, NULL, NULL, "no tun device name given (dev)");
    refused("", "tun", NULL, "no tun device name given (dev)");
    /* IFNAMSIZ is 16 with the NUL: 15 characters fit, 16 do not. */
    refused("tun0123456789abc", NULL, NULL,
            "tun device name 'tun0123456789abc' is longer than 15 characters");
    refused("a-very-long-name-indeed", "tun", NULL,
            "tun device name 'a-very-long-name-indeed' is longer than 15 characters");
}

/* A name that passes the checks, with a node that does not exist: open() fails, nothing made. */
static void missing_node(void **state)
{
    (void)state;
    refused("tun0123456789ab", NULL, "/nonexistent/sluice/tun",
            "cannot open /nonexistent/sluice/tun: No such file or directory");
    refused("tun", NULL, "/nonexistent/sluice/tun",
            "cannot open /nonexistent/sluice/tun: No such file or directory");
    refused("vpn0", "tun", "/nonexistent/sluice/tun",
            "cannot open /nonexistent/sluice/tun: No such file or directory");
}

static void small_error_buffers(void **state)
{
    (void)state;
    struct tun_params p = { .dev = "vpn0" };
    char err[8];
    assert_null(tun_open(&p, err, sizeof(err)));
    assert_string_equal(err, "dev 'vp");
    assert_null(tun_open(&p, err, 1));
    assert_string_equal(err, "");
    assert_null(tun_open(&p, NULL, 0));
    tun_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_types),
        cmocka_unit_test(missing_node),
        cmocka_unit_test(small_error_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
