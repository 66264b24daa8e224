/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ippool.h"

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static struct ippool *new_v4(enum ippool_kind kind, uint32_t start, uint32_t end)
{
    struct ippool_params p = { .has_v4 = true, .kind = kind, .v4_start = start, .v4_end = end };
    struct ippool *pool = NULL;
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_OK);
    assert_non_null(pool);
    return pool;
}

static const uint8_t fd00_8[16] = { 0xfd, 0, 0, 8 };

/* server 100.64.10.0 255.255.255.0 + topology subnet: .2 .. .254, 253 leases (ops §2.1). */
static void subnet_pool_like_openvpn(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_INDIV, IP4(100, 64, 10, 2), IP4(100, 64, 10, 254));
    struct ippool_lease l;

    assert_int_equal(ippool_size(pool), 253);
    assert_int_equal(ippool_v4_base(pool), IP4(100, 64, 10, 2));
    assert_int_equal(ippool_acquire(pool, "client1", &l), IPPOOL_OK);
    assert_int_equal(l.index, 0);
    assert_true(l.has_v4);
    assert_false(l.has_v6);
    assert_int_equal(l.v4_client, IP4(100, 64, 10, 2));
    assert_int_equal(l.v4_peer, 0);
    assert_int_equal(ippool_acquire(pool, "client2", &l), IPPOOL_OK);
    assert_int_equal(l.v4_client, IP4(100, 64, 10, 3));
    assert_int_equal(ippool_used(pool), 2);
    ippool_free(pool);
}

/* server 10.8.0.0 255.255.255.0 (net30): pool .4 .. .251, 62 blocks, first client .6 peer .5. */
static void net30_blocks(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_NET30, IP4(10, 8, 0, 4), IP4(10, 8, 0, 251));
    struct ippool_lease l;

    assert_int_equal(ippool_size(pool), 62);
    assert_int_equal(ippool_acquire(pool, "a", &l), IPPOOL_OK);
    assert_int_equal(l.v4_client, IP4(10, 8, 0, 6));
    assert_int_equal(l.v4_peer, IP4(10, 8, 0, 5));
    assert_int_equal(ippool_acquire(pool, "b", &l), IPPOOL_OK);
    assert_int_equal(l.v4_client, IP4(10, 8, 0, 10));
    assert_int_equal(l.v4_peer, IP4(10, 8, 0, 9));
    ippool_free(pool);
}

/* A start that is not on a /30 boundary is widened down, the end up (openvpn's pool.c). */
static void net30_unaligned_range(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_NET30, IP4(10, 0, 0, 6), IP4(10, 0, 0, 9));
    struct ippool_lease l;

    assert_int_equal(ippool_v4_base(pool), IP4(10, 0, 0, 4));
    assert_int_equal(ippool_size(pool), 2);
    assert_true(ippool_describe(pool, 1, &l));
    assert_int_equal(l.v4_client, IP4(10, 0, 0, 10));
    ippool_free(pool);
}

static void full_pool_and_release(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_INDIV, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2));
    struct ippool_lease l;

    assert_int_equal(ippool_acquire(pool, NULL, &l), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, "", &l), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, "x", &l), IPPOOL_ERR_FULL);
    assert_int_equal(ippool_used(pool), 2);
    assert_int_equal(ippool_release(pool, 0), IPPOOL_OK);
    assert_int_equal(ippool_release(pool, 0), IPPOOL_ERR_INDEX);
    assert_int_equal(ippool_release(pool, 2), IPPOOL_ERR_INDEX);
    assert_int_equal(ippool_release(pool, (size_t)-1), IPPOOL_ERR_INDEX);
    assert_int_equal(ippool_acquire(pool, "x", &l), IPPOOL_OK);
    assert_int_equal(l.index, 0);
    ippool_free(pool);
}

/* A returning common name gets its old lease; strangers prefer leases nobody has held. */
static void same_name_gets_same_address(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_INDIV, IP4(10, 0, 0, 10), IP4(10, 0, 0, 20));
    struct ippool_lease a, b, c;

    assert_int_equal(ippool_acquire(pool, "alice", &a), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, "bob", &b), IPPOOL_OK);
    assert_int_equal(ippool_release(pool, a.index), IPPOOL_OK);
    assert_int_equal(ippool_release(pool, b.index), IPPOOL_OK);
    /* carol takes a never-used lease, not alice's or bob's */
    assert_int_equal(ippool_acquire(pool, "carol", &c), IPPOOL_OK);
    assert_int_equal(c.index, 2);
    assert_int_equal(ippool_acquire(pool, "bob", &c), IPPOOL_OK);
    assert_int_equal(c.v4_client, b.v4_client);
    assert_int_equal(ippool_acquire(pool, "alice", &c), IPPOOL_OK);
    assert_int_equal(c.v4_client, a.v4_client);
    ippool_free(pool);
}

/* Once every lease has been held, a stranger takes the lowest free one. */
static void stranger_reuses_lowest_free(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_INDIV, IP4(10, 0, 0, 1), IP4(10, 0, 0, 3));
    struct ippool_lease l;

    for (int i = 0; i < 3; i++)
        assert_int_equal(ippool_acquire(pool, i == 0 ? "a" : i == 1 ? "b" : "c", &l), IPPOOL_OK);
    assert_int_equal(ippool_release(pool, 2), IPPOOL_OK);
    assert_int_equal(ippool_release(pool, 1), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, "z", &l), IPPOOL_OK);
    assert_int_equal(l.index, 1);
    ippool_free(pool);
}

/* Names are compared on their first IPPOOL_NAME_MAX - 1 bytes. */
static void long_names(void **state)
{
    (void)state;
    char name[IPPOOL_NAME_MAX + 20];
    struct ippool *pool = new_v4(IPPOOL_INDIV, IP4(10, 0, 0, 1), IP4(10, 0, 0, 5));
    struct ippool_lease l;

    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    assert_int_equal(ippool_acquire(pool, "first", &l), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, name, &l), IPPOOL_OK);
    assert_int_equal(l.index, 1);
    assert_int_equal(ippool_release(pool, 1), IPPOOL_OK);
    assert_int_equal(ippool_release(pool, 0), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, name, &l), IPPOOL_OK);
    assert_int_equal(l.index, 1);
    ippool_free(pool);
}

/* server-ipv6 fd00:8::/64: pool from fd00:8::1000, capped at IPPOOL_MAX. */
static void v6_only(void **state)
{
    (void)state;
    struct ippool_params p = { .has_v6 = true, .v6_bits = 64 };
    struct ippool *pool = NULL;
    struct ippool_lease l;
    uint8_t want[16];

    memcpy(p.v6_base, fd00_8, 16);
    p.v6_base[14] = 0x10;
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_OK);
    assert_int_equal(ippool_size(pool), IPPOOL_MAX);
    assert_int_equal(ippool_v6_size(pool), IPPOOL_MAX);
    assert_int_equal(ippool_v4_size(pool), 0);
    assert_int_equal(ippool_v4_base(pool), 0);
    assert_int_equal(ippool_acquire(pool, "c", &l), IPPOOL_OK);
    assert_false(l.has_v4);
    assert_true(l.has_v6);
    assert_int_equal(l.v6_bits, 64);
    assert_memory_equal(l.v6_client, p.v6_base, 16);
    assert_true(ippool_describe(pool, 0x1ff, &l));
    memcpy(want, p.v6_base, 16);
    want[14] = 0x11;
    want[15] = 0xff;
    assert_memory_equal(l.v6_client, want, 16);
    ippool_free(pool);
}

/* The IPv6 range ends with its prefix; carries across bytes; both families share the index. */
static void v6_small_prefix_and_dual(void **state)
{
    (void)state;
    struct ippool_params p = { .has_v4 = true,
                               .kind = IPPOOL_INDIV,
                               .v4_start = IP4(10, 0, 0, 2),
                               .v4_end = IP4(10, 0, 0, 254),
                               .has_v6 = true,
                               .v6_bits = 120 };
    struct ippool *pool = NULL;
    struct ippool_lease l;

    memcpy(p.v6_base, fd00_8, 16);
    p.v6_base[15] = 0xfe; /* two addresses left in the /120 */
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_OK);
    assert_int_equal(ippool_size(pool), 2);
    assert_int_equal(ippool_v4_size(pool), 253);
    assert_int_equal(ippool_v6_size(pool), 2);
    assert_int_equal(ippool_acquire(pool, "a", &l), IPPOOL_OK);
    assert_int_equal(ippool_acquire(pool, "b", &l), IPPOOL_OK);
    assert_int_equal(l.v4_client, IP4(10, 0, 0, 3));
    assert_int_equal(l.v6_client[15], 0xff);
    assert_int_equal(ippool_acquire(pool, "c", &l), IPPOOL_ERR_FULL);
    ippool_free(pool);

    p.v6_bits = 64;
    memset(p.v6_base + 8, 0xff, 8);
    p.v6_base[15] = 0xf0; /* 16 addresses before the /64 ends */
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_OK);
    assert_int_equal(ippool_size(pool), 16);
    ippool_free(pool);

    memcpy(p.v6_base, fd00_8, 16);
    p.v6_base[15] = 0xff;
    p.v6_bits = 112;
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_OK);
    assert_true(ippool_describe(pool, 1, &l));
    assert_int_equal(l.v6_client[14], 0x01);
    assert_int_equal(l.v6_client[15], 0x00);
    ippool_free(pool);
}

static void bad_parameters(void **state)
{
    (void)state;
    struct ippool_params p;
    struct ippool *pool = (struct ippool *)&p;

    memset(&p, 0, sizeof(p));
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_ERR_PARAM);
    assert_null(pool);
    assert_int_equal(ippool_new(NULL, &pool), IPPOOL_ERR_PARAM);
    p.has_v4 = true;
    p.v4_start = IP4(10, 0, 0, 9);
    p.v4_end = IP4(10, 0, 0, 8);
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_ERR_PARAM);
    p.has_v4 = false;
    p.has_v6 = true;
    p.v6_bits = 63;
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_ERR_PARAM);
    p.v6_bits = 129;
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_ERR_PARAM);
    p.v6_bits = 128;
    assert_int_equal(ippool_new(&p, &pool), IPPOOL_OK);
    assert_int_equal(ippool_size(pool), 1);
    assert_false(ippool_describe(pool, 1, NULL));
    ippool_free(pool);
    ippool_free(NULL);
    assert_string_equal(ippool_strerror(IPPOOL_ERR_FULL), "no free address in the pool");
    assert_string_equal(ippool_strerror(42), "unknown error");
}

/* The whole IPv4 space as a pool is cut to IPPOOL_MAX; so is a huge NET30 range. */
static void huge_ranges_are_capped(void **state)
{
    (void)state;
    struct ippool *pool = new_v4(IPPOOL_INDIV, 0, UINT32_MAX);
    struct ippool_lease l;

    assert_int_equal(ippool_size(pool), IPPOOL_MAX);
    assert_true(ippool_describe(pool, IPPOOL_MAX - 1, &l));
    assert_int_equal(l.v4_client, IPPOOL_MAX - 1);
    ippool_free(pool);
    pool = new_v4(IPPOOL_NET30, 0, UINT32_MAX);
    assert_int_equal(ippool_size(pool), IPPOOL_MAX);
    ippool_free(pool);
    pool = new_v4(IPPOOL_NET30, UINT32_MAX - 3, UINT32_MAX);
    assert_int_equal(ippool_size(pool), 1);
    assert_true(ippool_describe(pool, 0, &l));
    assert_int_equal(l.v4_client, UINT32_MAX - 1);
    ippool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subnet_pool_like_openvpn),
        cmocka_unit_test(net30_blocks),
        cmocka_unit_test(net30_unaligned_range),
        cmocka_unit_test(full_pool_and_release),
        cmocka_unit_test(same_name_gets_same_address),
        cmocka_unit_test(stranger_reuses_lowest_free),
        cmocka_unit_test(long_names),
        cmocka_unit_test(v6_only),
        cmocka_unit_test(v6_small_prefix_and_dual),
        cmocka_unit_test(bad_parameters),
        cmocka_unit_test(huge_ranges_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
