/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "peertab.h"

static const uint8_t key[PEERTAB_KEY_LEN] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};

/* Distinct non-NULL peer pointers. */
static int peers[4096];

static struct peertab_addr v4(uint32_t ip, uint16_t port)
{
    struct peertab_addr a;
    memset(&a, 0, sizeof(a));
    a.family = AF_INET;
    a.port = port;
    a.ip[0] = (uint8_t)(ip >> 24);
    a.ip[1] = (uint8_t)(ip >> 16);
    a.ip[2] = (uint8_t)(ip >> 8);
    a.ip[3] = (uint8_t)ip;
    return a;
}

static struct peertab_addr v6(uint8_t last, uint16_t port)
{
    struct peertab_addr a;
    memset(&a, 0, sizeof(a));
    a.family = AF_INET6;
    a.port = port;
    a.ip[0] = 0xfd;
    a.ip[15] = last;
    return a;
}

static uint32_t add(struct peertab *t, void *peer, struct peertab_addr a)
{
    uint32_t id = 12345;
    assert_int_equal(peertab_insert(t, peer, &a, &id), PEERTAB_OK);
    return id;
}

/* ---- SipHash-2-4: reference vectors (key 00..0f, message 00 01 02 ...) ---- */

static void siphash_reference_vectors(void **state)
{
    (void)state;
    uint8_t msg[64];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    assert_true(peertab_siphash24(key, NULL, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(peertab_siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
    assert_true(peertab_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
    assert_true(peertab_siphash24(key, msg, 63) == 0x958a324ceb064572ull);
}

static void hash_depends_on_the_key(void **state)
{
    (void)state;
    uint8_t other[PEERTAB_KEY_LEN];
    memcpy(other, key, sizeof(other));
    other[0] ^= 1;
    struct peertab *a = peertab_new(8, key), *b = peertab_new(8, other);
    assert_non_null(a);
    assert_non_null(b);
    struct peertab_addr x = v4(0x0a000001, 1194);
    assert_true(peertab_addr_hash(a, &x) != peertab_addr_hash(b, &x));
    /* Bytes past the 4 of an IPv4 address do not count. */
    struct peertab_addr y = x;
    y.ip[9] = 0xEE;
    assert_true(peertab_addr_hash(a, &x) == peertab_addr_hash(a, &y));
    peertab_free(a);
    peertab_free(b);
}

/* ---- addresses ---- */

static void addr_from_sockaddr(void **state)
{
    (void)state;
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(1194) };
    in.sin_addr.s_addr = htonl(0x0a630201);
    struct peertab_addr a;
    assert_int_equal(peertab_addr_from_sockaddr(&a, (struct sockaddr *)&in, sizeof(in)), 0);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(a.port, 1194);
    assert_memory_equal(a.ip, "\x0a\x63\x02\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    assert_int_equal(peertab_addr_from_sockaddr(&a, (struct sockaddr *)&in, sizeof(in) - 1),
                     PEERTAB_ERR_ADDR);

    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(36000) };
    in6.sin6_addr.s6_addr[0] = 0xfd;
    in6.sin6_addr.s6_addr[15] = 7;
    in6.sin6_scope_id = 3;
    assert_int_equal(peertab_addr_from_sockaddr(&a, (struct sockaddr *)&in6, sizeof(in6)), 0);
    struct peertab_addr want = v6(7, 36000);
    assert_true(peertab_addr_equal(&a, &want));
    assert_int_equal(peertab_addr_from_sockaddr(&a, (struct sockaddr *)&in6, sizeof(in)),
                     PEERTAB_ERR_ADDR);

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    ss.ss_family = AF_UNIX;
    assert_int_equal(peertab_addr_from_sockaddr(&a, (struct sockaddr *)&ss, sizeof(ss)),
                     PEERTAB_ERR_ADDR);
    assert_int_equal(peertab_addr_from_sockaddr(&a, NULL, 0), PEERTAB_ERR_ADDR);
    assert_int_equal(peertab_addr_from_sockaddr(&a, (struct sockaddr *)&ss, 1), PEERTAB_ERR_ADDR);
}

static void addr_to_sockaddr_round_trip(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    struct peertab_addr a = v4(0x0a080001, 1194), b;
    assert_int_equal(peertab_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in));
    assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, htons(1194));
    assert_int_equal(peertab_addr_from_sockaddr(&b, (struct sockaddr *)&ss, sizeof(ss)), 0);
    assert_true(peertab_addr_equal(&a, &b));
    a = v6(1, 53);
    assert_int_equal(peertab_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in6));
    assert_int_equal(peertab_addr_from_sockaddr(&b, (struct sockaddr *)&ss, sizeof(ss)), 0);
    assert_true(peertab_addr_equal(&a, &b));
    a.family = 99;
    assert_int_equal(peertab_addr_to_sockaddr(&a, &ss), 0);
}

static void addr_equality(void **state)
{
    (void)state;
    struct peertab_addr a = v4(0x0a000001, 1194), b = a;
    b.ip[8] = 0x55; /* padding beyond an IPv4 address */
    assert_true(peertab_addr_equal(&a, &b));
    b.port = 1195;
    assert_false(peertab_addr_equal(&a, &b));
    b = a;
    b.ip[3] ^= 1;
    assert_false(peertab_addr_equal(&a, &b));
    /* IPv4 and its IPv4-mapped IPv6 form are different keys. */
    struct peertab_addr m = v6(0, 1194);
    memset(m.ip, 0, 16);
    m.ip[10] = m.ip[11] = 0xff;
    memcpy(m.ip + 12, a.ip, 4);
    assert_false(peertab_addr_equal(&a, &m));
    b = a;
    b.family = 99;
    assert_false(peertab_addr_equal(&b, &b));
}

static void addr_format(void **state)
{
    (void)state;
    char s[64];
    struct peertab_addr a = v4(0x0a6301fd, 36000);
    assert_int_equal(peertab_addr_format(&a, s, sizeof(s)), 0);
    assert_string_equal(s, "[AF_INET]10.99.1.253:36000");
    a = v6(1, 1194);
    assert_int_equal(peertab_addr_format(&a, s, sizeof(s)), 0);
    assert_string_equal(s, "[AF_INET6]fd00::1:1194");
    assert_int_equal(peertab_addr_format(&a, s, 10), PEERTAB_ERR_NO_ROOM);
    assert_string_equal(s, "");
    a.family = 0;
    assert_int_equal(peertab_addr_format(&a, s, sizeof(s)), PEERTAB_ERR_ADDR);
}

/* ---- table ---- */

static void new_checks_capacity(void **state)
{
    (void)state;
    assert_null(peertab_new(0, key));
    assert_null(peertab_new(PEERTAB_CAPACITY_MAX + 1, key));
    assert_null(peertab_new(UINT32_MAX, key));
    assert_null(peertab_new(4, NULL));
    struct peertab *t = peertab_new(1, key);
    assert_non_null(t);
    assert_int_equal(peertab_capacity(t), 1);
    assert_int_equal(peertab_bucket_count(t), 2);
    peertab_free(t);
    t = peertab_new(3, key);
    assert_int_equal(peertab_bucket_count(t), 8);
    peertab_free(t);
    t = peertab_new(1024, key);
    assert_int_equal(peertab_bucket_count(t), 2048);
    assert_int_equal(peertab_count(t), 0);
    peertab_free(t);
    peertab_free(NULL);
}

static void insert_and_lookup(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(16, key);
    struct peertab_addr a = v4(0x0a630201, 36000), b = v4(0x0a630201, 36001), c = v6(9, 36000);
    assert_int_equal(add(t, &peers[0], a), 0);
    assert_int_equal(add(t, &peers[1], b), 1);
    assert_int_equal(add(t, &peers[2], c), 2);
    assert_int_equal(peertab_count(t), 3);
    assert_ptr_equal(peertab_by_id(t, 1), &peers[1]);
    uint32_t id = 99;
    assert_ptr_equal(peertab_by_addr(t, &c, &id), &peers[2]);
    assert_int_equal(id, 2);
    assert_ptr_equal(peertab_by_addr(t, &a, NULL), &peers[0]);
    assert_true(peertab_addr_equal(peertab_addr_of(t, 1), &b));
    struct peertab_addr d = v4(0x0a630202, 36000);
    id = 99;
    assert_null(peertab_by_addr(t, &d, &id));
    assert_int_equal(id, 99);
    assert_null(peertab_by_id(t, 3));
    assert_null(peertab_by_id(t, 16));
    assert_null(peertab_by_id(t, PEERTAB_ID_UNSET));
    assert_null(peertab_by_id(t, UINT32_MAX));
    assert_null(peertab_addr_of(t, 3));
    d.family = 0;
    assert_null(peertab_by_addr(t, &d, NULL));
    peertab_free(t);
}

static void insert_refusals_change_nothing(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(4, key);
    struct peertab_addr a = v4(0x0a000001, 1), bad = v4(0x0a000002, 2);
    uint32_t id = 77;
    assert_int_equal(add(t, &peers[0], a), 0);
    assert_int_equal(peertab_insert(t, &peers[1], &a, &id), PEERTAB_ERR_TAKEN);
    assert_int_equal(peertab_insert(t, NULL, &bad, &id), PEERTAB_ERR_NO_PEER);
    bad.family = AF_UNIX;
    assert_int_equal(peertab_insert(t, &peers[1], &bad, &id), PEERTAB_ERR_ADDR);
    assert_int_equal(id, 77);
    assert_int_equal(peertab_count(t), 1);
    assert_ptr_equal(peertab_by_addr(t, &a, NULL), &peers[0]);
    /* No id was used up by the refusals. */
    assert_int_equal(add(t, &peers[1], v4(0x0a000003, 3)), 1);
    peertab_free(t);
}

static void capacity_limit(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(4, key);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(add(t, &peers[i], v4(0x0a000000 + i, 1194)), i);
    uint32_t id = 77;
    struct peertab_addr e = v4(0x0b000000, 1194);
    assert_int_equal(peertab_insert(t, &peers[9], &e, &id), PEERTAB_ERR_FULL);
    assert_int_equal(id, 77);
    assert_int_equal(peertab_count(t), 4);
    assert_int_equal(peertab_remove(t, 2), 0);
    assert_int_equal(add(t, &peers[9], e), 2); /* the only free id */
    assert_int_equal(peertab_insert(t, &peers[10], &e, &id), PEERTAB_ERR_FULL);
    peertab_free(t);
}

static void remove_clears_both_indexes(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(8, key);
    struct peertab_addr a = v4(0x0a000001, 1194);
    uint32_t id = add(t, &peers[0], a);
    assert_int_equal(peertab_remove(t, id), 0);
    assert_null(peertab_by_id(t, id));
    assert_null(peertab_by_addr(t, &a, NULL));
    assert_null(peertab_addr_of(t, id));
    assert_int_equal(peertab_count(t), 0);
    assert_int_equal(peertab_remove(t, id), PEERTAB_ERR_NO_PEER);
    assert_int_equal(peertab_remove(t, 8), PEERTAB_ERR_NO_PEER);
    assert_int_equal(peertab_remove(t, PEERTAB_ID_UNSET), PEERTAB_ERR_NO_PEER);
    /* The same client reconnecting from the same address gets a new id. */
    assert_int_equal(add(t, &peers[1], a), 1);
    peertab_free(t);
}

static void ids_come_back_last(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(6, key);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(add(t, &peers[i], v4(0x0a000000 + i, 1)), i);
    assert_int_equal(peertab_remove(t, 2), 0);
    assert_int_equal(peertab_remove(t, 0), 0);
    /* Never-used ids first, then the freed ones in the order they were freed. */
    const uint32_t want[] = { 3, 4, 5, 2, 0 };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(add(t, &peers[10 + i], v4(0x0b000000 + (uint32_t)i, 1)), want[i]);
    assert_int_equal(peertab_count(t), 6);
    /* Capacity 1: the one id is reused. */
    struct peertab *one = peertab_new(1, key);
    assert_int_equal(add(one, &peers[0], v4(1, 1)), 0);
    assert_int_equal(peertab_remove(one, 0), 0);
    assert_int_equal(add(one, &peers[1], v4(1, 1)), 0);
    peertab_free(one);
    peertab_free(t);
}

static void next_id_iterates_in_use(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(8, key);
    assert_int_equal(peertab_next_id(t, 0), PEERTAB_ID_UNSET);
    for (uint32_t i = 0; i < 5; i++)
        add(t, &peers[i], v4(0x0a000000 + i, 1));
    assert_int_equal(peertab_remove(t, 0), 0);
    assert_int_equal(peertab_remove(t, 3), 0);
    uint32_t seen[8], n = 0;
    for (uint32_t id = peertab_next_id(t, 0); id != PEERTAB_ID_UNSET;
         id = peertab_next_id(t, id + 1))
        seen[n++] = id;
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 2);
    assert_int_equal(seen[2], 4);
    assert_int_equal(peertab_next_id(t, PEERTAB_ID_UNSET), PEERTAB_ID_UNSET);
    peertab_free(t);
}

/* ---- forced collisions ---- */

/* Finds n IPv4 addresses (10.0.0.1, varying port) whose home bucket is `bucket`. */
static size_t colliding(const struct peertab *t, size_t bucket, struct peertab_addr *out, size_t n)
{
    size_t mask = peertab_bucket_count(t) - 1, found = 0;
    for (uint32_t port = 1; port <= 0xFFFF && found < n; port++) {
        struct peertab_addr a = v4(0x0a000001, (uint16_t)port);
        if ((peertab_addr_hash(t, &a) & mask) == bucket)
            out[found++] = a;
    }
    return found;
}

static void assert_all_found(const struct peertab *t, const struct peertab_addr *a,
                             const uint32_t *ids, const bool *live, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t id = PEERTAB_ID_UNSET;
        void *p = peertab_by_addr(t, &a[i], &id);
        if (live[i]) {
            assert_ptr_equal(p, &peers[i]);
            assert_int_equal(id, ids[i]);
        } else {
            assert_null(p);
        }
    }
}

static void collisions_in_one_bucket(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(64, key); /* 128 buckets */
    struct peertab_addr a[40];
    uint32_t ids[40];
    bool live[40];
    /* The last bucket, so the probe run wraps around to bucket 0. */
    size_t last = peertab_bucket_count(t) - 1;
    assert_int_equal(colliding(t, last, a, 40), 40);
    for (size_t i = 0; i < 40; i++) {
        ids[i] = add(t, &peers[i], a[i]);
        live[i] = true;
    }
    assert_all_found(t, a, ids, live, 40);
    /* Remove from the front, the middle and the end of the run; all others stay reachable. */
    const size_t order[] = { 0, 20, 39, 1, 13, 2, 38, 21, 5 };
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        assert_int_equal(peertab_remove(t, ids[order[k]]), 0);
        live[order[k]] = false;
        assert_all_found(t, a, ids, live, 40);
    }
    /* Entries homed at bucket 0 sit behind the wrapped run and must survive its shifts. */
    struct peertab_addr z[8];
    assert_int_equal(colliding(t, 0, z, 8), 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(peertab_insert(t, &peers[100 + i], &z[i], &ids[0]), 0);
    for (size_t k = 3; k < 40; k += 2) {
        if (live[k]) {
            assert_int_equal(peertab_remove(t, ids[k]), 0);
            live[k] = false;
        }
        assert_all_found(t, a, ids, live, 40);
        for (size_t i = 0; i < 8; i++)
            assert_ptr_equal(peertab_by_addr(t, &z[i], NULL), &peers[100 + i]);
    }
    peertab_free(t);
}

/* Removal at the last bucket, with the run wrapping over an entry that lives at its own home. */
static void removal_across_the_wrap(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(4, key); /* 8 buckets */
    struct peertab_addr end[2], zero[1];
    assert_int_equal(colliding(t, 7, end, 2), 2);
    assert_int_equal(colliding(t, 0, zero, 1), 1);
    /* Buckets: 7 = end[0], 0 = zero[0] (at home), 1 = end[1] (wrapped twice). */
    uint32_t a = add(t, &peers[0], end[0]);
    add(t, &peers[1], zero[0]);
    add(t, &peers[2], end[1]);
    assert_int_equal(peertab_remove(t, a), 0);
    assert_ptr_equal(peertab_by_addr(t, &zero[0], NULL), &peers[1]);
    assert_ptr_equal(peertab_by_addr(t, &end[1], NULL), &peers[2]);
    assert_null(peertab_by_addr(t, &end[0], NULL));
    peertab_free(t);
}

/*
 * Random inserts, removals and floats on a table with many taken-address clashes, checked after
 * every step against a plain model that also predicts the FIFO id order.
 */
#define MODEL_CAP 256u

struct model {
    bool live[MODEL_CAP];
    struct peertab_addr addr[MODEL_CAP];
    uint32_t fifo[MODEL_CAP]; /* free ids, oldest first */
    uint32_t head, len;
};

static uint32_t rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void model_init(struct model *m)
{
    memset(m, 0, sizeof(*m));
    for (uint32_t i = 0; i < MODEL_CAP; i++)
        m->fifo[i] = i;
    m->len = MODEL_CAP;
}

static int model_owner(const struct model *m, const struct peertab_addr *a)
{
    for (uint32_t id = 0; id < MODEL_CAP; id++)
        if (m->live[id] && peertab_addr_equal(&m->addr[id], a))
            return (int)id;
    return -1;
}

static void check_model(const struct peertab *t, const struct model *m)
{
    uint32_t n = 0;
    for (uint32_t id = 0; id < MODEL_CAP; id++) {
        if (!m->live[id]) {
            assert_null(peertab_by_id(t, id));
            continue;
        }
        n++;
        uint32_t got = PEERTAB_ID_UNSET;
        assert_ptr_equal(peertab_by_addr(t, &m->addr[id], &got), &peers[id]);
        assert_int_equal(got, id);
        assert_true(peertab_addr_equal(peertab_addr_of(t, id), &m->addr[id]));
    }
    assert_int_equal(peertab_count(t), n);
}

static void model_insert(struct peertab *t, struct model *m, const struct peertab_addr *a)
{
    uint32_t got = PEERTAB_ID_UNSET;
    uint32_t next = m->len > 0 ? m->fifo[m->head] : 0;
    int want = m->len == 0              ? PEERTAB_ERR_FULL
               : model_owner(m, a) >= 0 ? PEERTAB_ERR_TAKEN
                                        : PEERTAB_OK;
    assert_int_equal(peertab_insert(t, &peers[next], a, &got), want);
    if (want != PEERTAB_OK)
        return;
    assert_int_equal(got, next);
    m->head = (m->head + 1) % MODEL_CAP;
    m->len--;
    m->live[got] = true;
    m->addr[got] = *a;
}

static void model_remove(struct peertab *t, struct model *m, uint32_t id)
{
    assert_int_equal(peertab_remove(t, id), m->live[id] ? PEERTAB_OK : PEERTAB_ERR_NO_PEER);
    if (!m->live[id])
        return;
    m->live[id] = false;
    m->fifo[(m->head + m->len) % MODEL_CAP] = id;
    m->len++;
}

static void model_float(struct peertab *t, struct model *m, uint32_t id,
                        const struct peertab_addr *a)
{
    uint32_t owner = PEERTAB_ID_UNSET;
    int other = model_owner(m, a);
    int want = !m->live[id]                     ? PEERTAB_ERR_NO_PEER
               : other >= 0 && other != (int)id ? PEERTAB_ERR_TAKEN
                                                : PEERTAB_OK;
    assert_int_equal(peertab_float(t, id, a, &owner), want);
    if (want == PEERTAB_ERR_TAKEN)
        assert_int_equal(owner, (uint32_t)other);
    if (want == PEERTAB_OK)
        m->addr[id] = *a;
}

static void random_operations_match_a_model(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(MODEL_CAP, key);
    static struct model m;
    model_init(&m);
    uint32_t x = 0xC0FFEE11u;
    for (int step = 0; step < 8000; step++) {
        uint32_t op = rnd(&x) % 8, id = rnd(&x) % MODEL_CAP;
        /* 64 hosts x 8 ports: the table fills up and addresses clash often. */
        struct peertab_addr a = v4(0x0a000000 + rnd(&x) % 64, (uint16_t)(rnd(&x) % 8));
        if (op < 4)
            model_insert(t, &m, &a);
        else if (op < 6)
            model_remove(t, &m, id);
        else
            model_float(t, &m, id, &a);
        check_model(t, &m);
    }
    peertab_free(t);
}

/* ---- float (§9.2) ---- */

static void float_to_a_free_address(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(8, key);
    struct peertab_addr old = v4(0x0a630201, 36000), new = v4(0x0a6301fd, 36000);
    uint32_t id = add(t, &peers[0], old), owner = 77;
    assert_int_equal(peertab_float(t, id, &new, &owner), 0);
    assert_int_equal(owner, 77);
    assert_null(peertab_by_addr(t, &old, NULL));
    assert_ptr_equal(peertab_by_addr(t, &new, NULL), &peers[0]);
    assert_true(peertab_addr_equal(peertab_addr_of(t, id), &new));
    assert_ptr_equal(peertab_by_id(t, id), &peers[0]);
    /* Floating to the address it already has is a no-op. */
    assert_int_equal(peertab_float(t, id, &new, &owner), 0);
    assert_ptr_equal(peertab_by_addr(t, &new, NULL), &peers[0]);
    /* The old address is free for someone else now. */
    assert_int_equal(add(t, &peers[1], old), 1);
    /* Across families too. */
    struct peertab_addr six = v6(3, 36000);
    assert_int_equal(peertab_float(t, id, &six, NULL), 0);
    assert_ptr_equal(peertab_by_addr(t, &six, NULL), &peers[0]);
    assert_null(peertab_by_addr(t, &new, NULL));
    peertab_free(t);
}

static void float_onto_another_peer_is_refused(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(8, key);
    struct peertab_addr a = v4(0x0a630201, 36000), b = v4(0x0a630301, 40000);
    uint32_t ia = add(t, &peers[0], a), ib = add(t, &peers[1], b), owner = 77;
    assert_int_equal(peertab_float(t, ia, &b, &owner), PEERTAB_ERR_TAKEN);
    assert_int_equal(owner, ib);
    assert_int_equal(peertab_float(t, ia, &b, NULL), PEERTAB_ERR_TAKEN);
    assert_ptr_equal(peertab_by_addr(t, &a, NULL), &peers[0]);
    assert_ptr_equal(peertab_by_addr(t, &b, NULL), &peers[1]);
    assert_true(peertab_addr_equal(peertab_addr_of(t, ia), &a));
    /* Same certificate: the caller closes the other peer, then the float goes through. */
    assert_int_equal(peertab_remove(t, owner), 0);
    assert_int_equal(peertab_float(t, ia, &b, &owner), 0);
    assert_ptr_equal(peertab_by_addr(t, &b, NULL), &peers[0]);
    assert_null(peertab_by_addr(t, &a, NULL));
    /* Unknown peers and bad addresses. */
    assert_int_equal(peertab_float(t, 5, &a, NULL), PEERTAB_ERR_NO_PEER);
    assert_int_equal(peertab_float(t, PEERTAB_ID_UNSET, &a, NULL), PEERTAB_ERR_NO_PEER);
    a.family = 0;
    assert_int_equal(peertab_float(t, ia, &a, NULL), PEERTAB_ERR_ADDR);
    assert_ptr_equal(peertab_by_addr(t, &b, NULL), &peers[0]);
    peertab_free(t);
}

static void float_inside_a_collision_run(void **state)
{
    (void)state;
    struct peertab *t = peertab_new(16, key);
    struct peertab_addr a[12];
    uint32_t ids[12];
    bool live[12];
    assert_int_equal(colliding(t, 5, a, 12), 12);
    for (size_t i = 0; i < 10; i++) {
        ids[i] = add(t, &peers[i], a[i]);
        live[i] = true;
    }
    /* Move the peers at the head of the run to addresses homed in the same run. */
    assert_int_equal(peertab_float(t, ids[0], &a[10], NULL), 0);
    a[0] = a[10];
    assert_int_equal(peertab_float(t, ids[1], &a[11], NULL), 0);
    a[1] = a[11];
    assert_all_found(t, a, ids, live, 10);
    peertab_free(t);
}

static void strerror_covers_every_code(void **state)
{
    (void)state;
    for (int e = PEERTAB_OK; e >= PEERTAB_ERR_NO_ROOM; e--)
        assert_string_not_equal(peertab_strerror(e), "unknown error");
    assert_string_equal(peertab_strerror(-42), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siphash_reference_vectors),
        cmocka_unit_test(hash_depends_on_the_key),
        cmocka_unit_test(addr_from_sockaddr),
        cmocka_unit_test(addr_to_sockaddr_round_trip),
        cmocka_unit_test(addr_equality),
        cmocka_unit_test(addr_format),
        cmocka_unit_test(new_checks_capacity),
        cmocka_unit_test(insert_and_lookup),
        cmocka_unit_test(insert_refusals_change_nothing),
        cmocka_unit_test(capacity_limit),
        cmocka_unit_test(remove_clears_both_indexes),
        cmocka_unit_test(ids_come_back_last),
        cmocka_unit_test(next_id_iterates_in_use),
        cmocka_unit_test(collisions_in_one_bucket),
        cmocka_unit_test(removal_across_the_wrap),
        cmocka_unit_test(random_operations_match_a_model),
        cmocka_unit_test(float_to_a_free_address),
        cmocka_unit_test(float_onto_another_peer_is_refused),
        cmocka_unit_test(float_inside_a_collision_run),
        cmocka_unit_test(strerror_covers_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
