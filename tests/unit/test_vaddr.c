/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "vaddr.h"

static const uint8_t key[VADDR_KEY_LEN] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6 };

#define IP4(a, b, c, d) vaddr_ip4(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))

static struct vaddr_ip ip6(uint16_t first, uint16_t last)
{
    uint8_t b[16] = { 0 };

    b[0] = (uint8_t)(first >> 8);
    b[1] = (uint8_t)first;
    b[14] = (uint8_t)(last >> 8);
    b[15] = (uint8_t)last;
    return vaddr_ip6(b);
}

static void test_new_bad_sizes(void **state)
{
    (void)state;
    assert_null(vaddr_new(0, 4, key));
    assert_null(vaddr_new(PEERTAB_CAPACITY_MAX + 1u, 4, key));
    assert_null(vaddr_new(4, 65537, key));
    assert_null(vaddr_new(4, 4, NULL));
    vaddr_free(NULL);
    struct vaddr *v = vaddr_new(1, 0, key);
    assert_non_null(v);
    vaddr_free(v);
}

static void test_hosts(void **state)
{
    struct vaddr *v = vaddr_new(4, 0, key);
    struct vaddr_ip a = IP4(10, 8, 0, 2), b = IP4(10, 8, 0, 3), c = ip6(0xfd00, 0x1000);

    (void)state;
    assert_int_equal(vaddr_host_add(v, &a, 0), VADDR_OK);
    assert_int_equal(vaddr_host_add(v, &b, 1), VADDR_OK);
    assert_int_equal(vaddr_host_add(v, &c, 0), VADDR_OK);
    assert_int_equal(vaddr_host_add(v, &a, 0), VADDR_OK); /* again: no-op */
    assert_int_equal(vaddr_host_count(v), 3);
    assert_int_equal(vaddr_lookup(v, &a), 0);
    assert_int_equal(vaddr_lookup(v, &b), 1);
    assert_int_equal(vaddr_lookup(v, &c), 0);
    struct vaddr_ip other = IP4(10, 8, 0, 4);
    assert_int_equal(vaddr_lookup(v, &other), VADDR_NO_PEER);
    /* An IPv4 address and the IPv6 address with the same leading bytes are different keys. */
    uint8_t raw[16] = { 10, 8, 0, 2 };
    struct vaddr_ip look_alike = vaddr_ip6(raw);
    assert_int_equal(vaddr_lookup(v, &look_alike), VADDR_NO_PEER);
    assert_int_equal(vaddr_host_add(v, &a, 7), VADDR_ERR_TAKEN);
    assert_int_equal(vaddr_lookup(v, &a), 0);
    assert_int_equal(vaddr_host_remove(v, &a, 1), VADDR_ERR_NOT_FOUND);
    assert_int_equal(vaddr_host_remove(v, &a, 0), VADDR_OK);
    assert_int_equal(vaddr_host_remove(v, &a, 0), VADDR_ERR_NOT_FOUND);
    assert_int_equal(vaddr_lookup(v, &a), VADDR_NO_PEER);
    assert_int_equal(vaddr_host_add(v, &a, 7), VADDR_OK);
    assert_int_equal(vaddr_lookup(v, &a), 7);
    vaddr_free(v);
}

static void test_host_params_and_full(void **state)
{
    struct vaddr *v = vaddr_new(2, 0, key);
    struct vaddr_ip bad = IP4(1, 2, 3, 4);

    (void)state;
    bad.version = 5;
    assert_int_equal(vaddr_host_add(v, &bad, 1), VADDR_ERR_PARAM);
    assert_int_equal(vaddr_lookup(v, &bad), VADDR_NO_PEER);
    assert_int_equal(vaddr_host_remove(v, &bad, 1), VADDR_ERR_NOT_FOUND);
    struct vaddr_ip a = IP4(1, 2, 3, 4), b = IP4(1, 2, 3, 5), c = IP4(1, 2, 3, 6);
    assert_int_equal(vaddr_host_add(v, &a, VADDR_NO_PEER), VADDR_ERR_PARAM);
    assert_int_equal(vaddr_host_add(v, &a, 1), VADDR_OK);
    assert_int_equal(vaddr_host_add(v, &b, 2), VADDR_OK);
    assert_int_equal(vaddr_host_add(v, &c, 3), VADDR_ERR_FULL);
    assert_int_equal(vaddr_host_add(v, &a, 1), VADDR_OK); /* existing entry: still fine */
    vaddr_free(v);
}

/* Many entries, removals in between: every remaining lookup stays right (backward shift). */
static void test_host_churn(void **state)
{
    enum { N = 1000 };
    struct vaddr *v = vaddr_new(N, 0, key);

    (void)state;
    for (uint32_t i = 0; i < N; i++) {
        struct vaddr_ip a = vaddr_ip4(0x0A000000u + i);
        assert_int_equal(vaddr_host_add(v, &a, i), VADDR_OK);
    }
    for (uint32_t i = 0; i < N; i += 3) {
        struct vaddr_ip a = vaddr_ip4(0x0A000000u + i);
        assert_int_equal(vaddr_host_remove(v, &a, i), VADDR_OK);
    }
    for (uint32_t i = 0; i < N; i++) {
        struct vaddr_ip a = vaddr_ip4(0x0A000000u + i);
        assert_int_equal(vaddr_lookup(v, &a), i % 3 == 0 ? VADDR_NO_PEER : i);
    }
    assert_int_equal(vaddr_host_count(v), N - (N + 2) / 3);
    vaddr_free(v);
}

static void test_routes_longest_prefix(void **state)
{
    struct vaddr *v = vaddr_new(8, 8, key);
    struct vaddr_ip net16 = IP4(192, 168, 0, 0), net24 = IP4(192, 168, 50, 7);
    struct vaddr_ip host = IP4(192, 168, 50, 9), any = IP4(0, 0, 0, 0);

    (void)state;
    assert_int_equal(vaddr_route_add(v, &net16, 16, 1), VADDR_OK);
    assert_int_equal(vaddr_route_add(v, &net24, 24, 2), VADDR_OK); /* host bits cleared */
    assert_int_equal(vaddr_route_add(v, &any, 0, 9), VADDR_OK);
    struct vaddr_ip x = IP4(192, 168, 50, 200), y = IP4(192, 168, 51, 1), z = IP4(8, 8, 8, 8);
    assert_int_equal(vaddr_lookup(v, &x), 2);
    assert_int_equal(vaddr_lookup(v, &y), 1);
    assert_int_equal(vaddr_lookup(v, &z), 9);
    /* A host entry wins over every route. */
    assert_int_equal(vaddr_host_add(v, &host, 5), VADDR_OK);
    assert_int_equal(vaddr_lookup(v, &host), 5);
    /* Same prefix: idempotent for its peer, taken for another; differently written, same key. */
    struct vaddr_ip net24b = IP4(192, 168, 50, 0);
    assert_int_equal(vaddr_route_add(v, &net24b, 24, 2), VADDR_OK);
    assert_int_equal(vaddr_route_add(v, &net24b, 24, 3), VADDR_ERR_TAKEN);
    assert_int_equal(vaddr_route_count(v), 3);
    assert_int_equal(vaddr_route_remove(v, &net24, 24, 3), VADDR_ERR_NOT_FOUND);
    assert_int_equal(vaddr_route_remove(v, &net24, 24, 2), VADDR_OK);
    assert_int_equal(vaddr_lookup(v, &x), 1);
    assert_int_equal(vaddr_route_remove(v, &net24, 24, 2), VADDR_ERR_NOT_FOUND);
    vaddr_free(v);
}

static void test_routes_ipv6_and_params(void **state)
{
    struct vaddr *v = vaddr_new(8, 3, key);
    struct vaddr_ip p48 = ip6(0x2001, 0), p64 = ip6(0x2001, 0), p127 = ip6(0x2001, 0x10);

    (void)state;
    assert_int_equal(vaddr_route_add(v, &p48, 129, 1), VADDR_ERR_PARAM);
    struct vaddr_ip v4 = IP4(10, 0, 0, 0);
    assert_int_equal(vaddr_route_add(v, &v4, 33, 1), VADDR_ERR_PARAM);
    assert_int_equal(vaddr_route_remove(v, &v4, 33, 1), VADDR_ERR_PARAM);
    assert_int_equal(vaddr_route_add(v, &v4, 8, VADDR_NO_PEER), VADDR_ERR_PARAM);
    p64.bytes[7] = 0x44;
    assert_int_equal(vaddr_route_add(v, &p48, 48, 1), VADDR_OK);
    assert_int_equal(vaddr_route_add(v, &p64, 64, 2), VADDR_OK);
    assert_int_equal(vaddr_route_add(v, &p127, 127, 3), VADDR_OK);
    assert_int_equal(vaddr_route_add(v, &v4, 8, 4), VADDR_ERR_FULL);
    struct vaddr_ip a = ip6(0x2001, 0x11), b = p64, c = ip6(0x2001, 0x12), d = ip6(0x2002, 1);
    b.bytes[15] = 0x99;
    assert_int_equal(vaddr_lookup(v, &a), 3);
    assert_int_equal(vaddr_lookup(v, &b), 2);
    assert_int_equal(vaddr_lookup(v, &c), 1);
    assert_int_equal(vaddr_lookup(v, &d), VADDR_NO_PEER);
    /* An IPv4 lookup never matches an IPv6 prefix, even ::/0-like ones. */
    struct vaddr_ip zero6 = ip6(0, 0);
    assert_int_equal(vaddr_route_remove(v, &p127, 127, 3), VADDR_OK);
    assert_int_equal(vaddr_route_add(v, &zero6, 0, 8), VADDR_OK);
    assert_int_equal(vaddr_lookup(v, &v4), VADDR_NO_PEER);
    assert_int_equal(vaddr_lookup(v, &d), 8);
    vaddr_free(v);
}

static void test_remove_peer(void **state)
{
    enum { N = 300 };
    struct vaddr *v = vaddr_new(N, 16, key);

    (void)state;
    for (uint32_t i = 0; i < N; i++) {
        struct vaddr_ip a = vaddr_ip4(0x0A080000u + i);
        assert_int_equal(vaddr_host_add(v, &a, i % 5), VADDR_OK);
    }
    for (uint32_t i = 0; i < 10; i++) {
        struct vaddr_ip p = vaddr_ip4(0xC0A80000u + (i << 8));
        assert_int_equal(vaddr_route_add(v, &p, 24, i % 5), VADDR_OK);
    }
    assert_int_equal(vaddr_remove_peer(v, 3), N / 5 + 2);
    assert_int_equal(vaddr_remove_peer(v, 3), 0);
    assert_int_equal(vaddr_remove_peer(v, VADDR_NO_PEER), 0);
    for (uint32_t i = 0; i < N; i++) {
        struct vaddr_ip a = vaddr_ip4(0x0A080000u + i);
        assert_int_equal(vaddr_lookup(v, &a), i % 5 == 3 ? VADDR_NO_PEER : i % 5);
    }
    for (uint32_t i = 0; i < 10; i++) {
        struct vaddr_ip p = vaddr_ip4(0xC0A80001u + (i << 8));
        assert_int_equal(vaddr_lookup(v, &p), i % 5 == 3 ? VADDR_NO_PEER : i % 5);
    }
    vaddr_free(v);
}

static void test_address_classes(void **state)
{
    struct vaddr_ip m = IP4(224, 0, 0, 1), m2 = IP4(239, 255, 255, 250),
                    b = IP4(255, 255, 255, 255);
    struct vaddr_ip u = IP4(10, 8, 0, 255), m6 = ip6(0xff02, 1), ll = ip6(0xfe80, 1);
    struct vaddr_ip ll2 = ip6(0xfebf, 1), notll = ip6(0xfec0, 1);

    (void)state;
    assert_true(vaddr_ip_multicast(&m));
    assert_true(vaddr_ip_multicast(&m2));
    assert_true(vaddr_ip_multicast(&b));
    assert_false(vaddr_ip_multicast(&u));
    assert_true(vaddr_ip_multicast(&m6));
    assert_false(vaddr_ip_multicast(&ll));
    assert_true(vaddr_ip_link_local(&ll));
    assert_true(vaddr_ip_link_local(&ll2));
    assert_false(vaddr_ip_link_local(&notll));
    assert_false(vaddr_ip_link_local(&u));
    assert_string_equal(vaddr_strerror(VADDR_ERR_TAKEN), "address owned by another peer");
    assert_string_equal(vaddr_strerror(-99), "unknown error");
}

static void test_packets(void **state)
{
    uint8_t p4[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 8, 0, 2, 10, 8, 0, 3 };
    uint8_t p6[40] = { 0x60 };
    struct vaddr_ip out;
    struct vaddr *v = vaddr_new(4, 0, key);
    struct vaddr_ip dst4 = IP4(10, 8, 0, 3);

    (void)state;
    p6[8] = 0xfd;
    p6[23] = 0x02;
    p6[24] = 0xfd;
    p6[39] = 0x03;
    assert_int_equal(vaddr_packet_dst(p4, sizeof(p4), &out), VADDR_PKT_UNICAST);
    assert_true(vaddr_ip_equal(&out, &dst4));
    assert_true(vaddr_packet_src(p4, sizeof(p4), &out));
    assert_int_equal(out.bytes[3], 2);
    assert_int_equal(vaddr_packet_dst(p6, sizeof(p6), &out), VADDR_PKT_UNICAST);
    assert_int_equal(out.version, 6);
    assert_int_equal(out.bytes[0], 0xfd);
    assert_int_equal(out.bytes[15], 3);
    assert_true(vaddr_packet_src(p6, sizeof(p6), &out));
    assert_int_equal(out.bytes[15], 2);
    /* Truncated, empty, wrong version, IHL below 5. */
    for (size_t n = 0; n < sizeof(p4); n++)
        assert_int_equal(vaddr_packet_dst(p4, n, &out), VADDR_PKT_INVALID);
    for (size_t n = 0; n < sizeof(p6); n++) {
        assert_int_equal(vaddr_packet_dst(p6, n, &out), VADDR_PKT_INVALID);
        assert_false(vaddr_packet_src(p6, n, &out));
    }
    assert_int_equal(vaddr_packet_dst(NULL, 0, &out), VADDR_PKT_INVALID);
    p4[0] = 0x44;
    assert_int_equal(vaddr_packet_dst(p4, sizeof(p4), &out), VADDR_PKT_INVALID);
    p4[0] = 0x55;
    assert_int_equal(vaddr_packet_dst(p4, sizeof(p4), &out), VADDR_PKT_INVALID);
    p4[0] = 0x45;
    /* Routing a packet. */
    assert_int_equal(vaddr_host_add(v, &dst4, 6), VADDR_OK);
    assert_int_equal(vaddr_route_packet(v, p4, sizeof(p4)), 6);
    assert_int_equal(vaddr_route_packet(v, p4, 19), VADDR_NO_PEER);
    p4[16] = 224;
    assert_int_equal(vaddr_packet_dst(p4, sizeof(p4), &out), VADDR_PKT_MULTICAST);
    assert_int_equal(vaddr_route_packet(v, p4, sizeof(p4)), VADDR_NO_PEER);
    assert_int_equal(vaddr_route_packet(v, p6, sizeof(p6)), VADDR_NO_PEER);
    vaddr_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_bad_sizes),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_host_params_and_full),
        cmocka_unit_test(test_host_churn),
        cmocka_unit_test(test_routes_longest_prefix),
        cmocka_unit_test(test_routes_ipv6_and_params),
        cmocka_unit_test(test_remove_peer),
        cmocka_unit_test(test_address_classes),
        cmocka_unit_test(test_packets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
