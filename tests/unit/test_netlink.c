/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What can be checked without privileges and without touching this host's interfaces: netmask
 * arithmetic and every error path that is decided before a request reaches the kernel (bad
 * arguments, a device that does not exist). Requests that change interfaces are tested in a
 * network namespace by tests/interop/test_tun_netlink.sh.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "netlink.h"

/* No interface has this name (checked in setup), so no request below reaches the kernel. */
#define NODEV "sluice-nodev0"

static uint32_t ip4(const char *s)
{
    uint32_t a = 0;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return a;
}

static const uint8_t *ip6(const char *s)
{
    static uint8_t a[4][16];
    static unsigned next;
    uint8_t *out = a[next++ % 4];
    assert_int_equal(inet_pton(AF_INET6, s, out), 1);
    return out;
}

static int setup(void **state)
{
    if (if_nametoindex(NODEV) != 0)
        return -1; /* refuse to run against a device that exists */
    char err[NETLINK_ERROR_MAX];
    struct netlink *nl = netlink_open(err, sizeof(err));
    if (!nl)
        return -1;
    *state = nl;
    return 0;
}

static int teardown(void **state)
{
    netlink_close(*state);
    netlink_close(NULL);
    return 0;
}

static void mask_to_prefix(void **state)
{
    (void)state;
    assert_int_equal(netlink_mask_to_prefix(ip4("255.255.255.0")), 24);
    assert_int_equal(netlink_mask_to_prefix(ip4("255.255.255.255")), 32);
    assert_int_equal(netlink_mask_to_prefix(ip4("255.255.255.254")), 31);
    assert_int_equal(netlink_mask_to_prefix(ip4("255.255.255.252")), 30);
    assert_int_equal(netlink_mask_to_prefix(ip4("255.255.0.0")), 16);
    assert_int_equal(netlink_mask_to_prefix(ip4("128.0.0.0")), 1);
    assert_int_equal(netlink_mask_to_prefix(ip4("0.0.0.0")), 0);
    assert_int_equal(netlink_mask_to_prefix(ip4("255.0.255.0")), -1);
    assert_int_equal(netlink_mask_to_prefix(ip4("0.0.0.255")), -1);
    assert_int_equal(netlink_mask_to_prefix(ip4("255.255.255.253")), -1);
    assert_int_equal(netlink_mask_to_prefix(ip4("127.0.0.0")), -1);
}

static void fresh_handle_has_no_error(void **state)
{
    assert_string_equal(netlink_error(*state), "");
}

static void missing_device_named_in_message(void **state)
{
    struct netlink *nl = *state;
    assert_int_equal(netlink_route4(nl, NETLINK_ADD, NODEV, ip4("100.64.20.0"), 24,
                                    ip4("100.64.10.1"), NETLINK_METRIC_NONE),
                     -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot add route 100.64.20.0/24 via "
                                           "100.64.10.1 dev " NODEV ": No such device");
    assert_int_equal(netlink_route4(nl, NETLINK_DEL, NODEV, ip4("100.64.20.0"), 24, 0, 5), -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot delete route 100.64.20.0/24 dev " NODEV
                                           " metric 5: No such device");
    assert_int_equal(
        netlink_route6(nl, NETLINK_ADD, NODEV, ip6("fd00:65::"), 64, ip6("fd00:64::2"), 7),
        -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot add route fd00:65::/64 via fd00:64::2 "
                                           "dev " NODEV " metric 7: No such device");
    /* An all-zero gateway means "on the link", like NULL. */
    assert_int_equal(
        netlink_route6(nl, NETLINK_ADD, NODEV, ip6("::"), 0, ip6("::"), NETLINK_METRIC_NONE),
        -ENODEV);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot add route ::/0 dev " NODEV ": No such device");
}

static void missing_device_addresses_and_links(void **state)
{
    struct netlink *nl = *state;
    assert_int_equal(netlink_addr4(nl, NETLINK_ADD, NODEV, ip4("100.64.10.1"), 24, 0), -ENODEV);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot add address 100.64.10.1/24 dev " NODEV ": No such device");
    assert_int_equal(
        netlink_addr4(nl, NETLINK_ADD, NODEV, ip4("100.64.10.1"), 32, ip4("100.64.10.2")), -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot add address 100.64.10.1 peer "
                                           "100.64.10.2/32 dev " NODEV ": No such device");
    assert_int_equal(netlink_addr6(nl, NETLINK_DEL, NODEV, ip6("fd00:64::1"), 64), -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot delete address fd00:64::1/64 dev " NODEV
                                           ": No such device");
    assert_int_equal(netlink_link_set_mtu(nl, NODEV, 1400), -ENODEV);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot set mtu 1400 on " NODEV ": No such device");
    assert_int_equal(netlink_link_set_txqueuelen(nl, NODEV, 500), -ENODEV);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot set txqueuelen 500 on " NODEV ": No such device");
    assert_int_equal(netlink_link_set_up(nl, NODEV, true), -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot bring " NODEV " up: No such device");
    assert_int_equal(netlink_link_set_up(nl, NODEV, false), -ENODEV);
    assert_string_equal(netlink_error(nl), "netlink: cannot bring " NODEV " down: No such device");
}

static void bad_arguments_refused(void **state)
{
    struct netlink *nl = *state;
    assert_int_equal(netlink_addr4(nl, NETLINK_ADD, NODEV, ip4("100.64.10.1"), 33, 0), -EINVAL);
    assert_string_equal(netlink_error(nl), "netlink: cannot add address 100.64.10.1/33 dev " NODEV
                                           ": Invalid argument");
    assert_int_equal(netlink_addr6(nl, NETLINK_ADD, NODEV, ip6("fd00::1"), 129), -EINVAL);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot add address fd00::1/129 dev " NODEV ": Invalid argument");
    assert_int_equal(netlink_addr6(nl, NETLINK_ADD, NODEV, NULL, 64), -EINVAL);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot add address ?/64 dev " NODEV ": Invalid argument");
    assert_int_equal(netlink_route4(nl, NETLINK_ADD, NODEV, ip4("100.64.0.0"), 40, 0, 1), -EINVAL);
    assert_int_equal(netlink_route4(nl, NETLINK_ADD, NODEV, ip4("100.64.0.0"), 10, 0, -2), -EINVAL);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot add route 100.64.0.0/10 dev " NODEV ": Invalid argument");
    assert_int_equal(netlink_route6(nl, NETLINK_ADD, NODEV, NULL, 64, NULL, 1), -EINVAL);
    assert_int_equal(netlink_route6(nl, NETLINK_ADD, NODEV, ip6("fd00::"), 200, NULL, 1), -EINVAL);
    assert_int_equal(netlink_route6(nl, NETLINK_ADD, NODEV, ip6("fd00::"), 8, NULL, -5), -EINVAL);
    assert_int_equal(netlink_link_set_mtu(nl, NULL, 1500), -EINVAL);
    assert_string_equal(netlink_error(nl),
                        "netlink: cannot set mtu 1500 on (none): Invalid argument");
    assert_int_equal(netlink_addr4(nl, NETLINK_ADD, NULL, ip4("100.64.10.1"), 24, 0), -EINVAL);
    /* A name too long for any interface is no device either. */
    assert_int_equal(netlink_link_set_up(nl, "a-name-much-too-long-for-linux", true), -ENODEV);
}

int main(void)
{
    char err[NETLINK_ERROR_MAX];
    struct netlink *nl = netlink_open(err, sizeof(err));
    if (!nl) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    netlink_close(nl);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mask_to_prefix),
        cmocka_unit_test_setup_teardown(fresh_handle_has_no_error, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_device_named_in_message, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_device_addresses_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_arguments_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
