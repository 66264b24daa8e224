/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Peer table: peer-id array, keyed address hash, float decision. protocol-data.md §9.1-§9.2. */
#include "peertab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "buf.h"
#include "secret.h"

#define BUCKET_EMPTY UINT32_MAX

struct slot {
    void *peer; /* NULL when the id is free */
    struct peertab_addr addr;
    uint32_t hash; /* low 32 bits of the address hash; the bucket index fits in them */
};

struct bucket {
    uint32_t id; /* BUCKET_EMPTY or an id in use */
    uint32_t hash;
};

struct peertab {
    uint8_t key[PEERTAB_KEY_LEN];
    uint32_t capacity;
    uint32_t count;
    struct slot *slots;     /* [capacity] */
    uint32_t *free_ids;     /* [capacity], a ring: the FIFO of free ids */
    uint32_t free_head;     /* index of the oldest free id */
    uint32_t free_len;      /* number of free ids */
    struct bucket *buckets; /* [mask + 1] */
    size_t mask;
};

const char *peertab_strerror(int err)
{
    switch (err) {
    case PEERTAB_OK:
        return "ok";
    case PEERTAB_ERR_FULL:
        return "peer table full";
    case PEERTAB_ERR_TAKEN:
        return "address taken by another peer";
    case PEERTAB_ERR_NO_PEER:
        return "no such peer";
    case PEERTAB_ERR_ADDR:
        return "unsupported address";
    case PEERTAB_ERR_NO_ROOM:
        return "output buffer too small";
    default:
        return "unknown error";
    }
}

/* ---- addresses ---- */

static size_t ip_len(uint16_t family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int peertab_addr_from_sockaddr(struct peertab_addr *out, const struct sockaddr *sa, size_t len)
{
    memset(out, 0, sizeof(*out));
    if (sa == NULL || len < sizeof(sa_family_t))
        return PEERTAB_ERR_ADDR;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof(in));
        out->port = ntohs(in.sin_port);
        memcpy(out->ip, &in.sin_addr, 4);
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof(in6));
        out->port = ntohs(in6.sin6_port);
        memcpy(out->ip, &in6.sin6_addr, 16);
    } else {
        return PEERTAB_ERR_ADDR;
    }
    out->family = sa->sa_family;
    return PEERTAB_OK;
}

size_t peertab_addr_to_sockaddr(const struct peertab_addr *a, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (a->family == AF_INET) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(a->port) };
        memcpy(&in.sin_addr, a->ip, 4);
        memcpy(out, &in, sizeof(in));
        return sizeof(in);
    }
    if (a->family == AF_INET6) {
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(a->port) };
        memcpy(&in6.sin6_addr, a->ip, 16);
        memcpy(out, &in6, sizeof(in6));
        return sizeof(in6);
    }
    return 0;
}

bool peertab_addr_equal(const struct peertab_addr *a, const struct peertab_addr *b)
{
    size_t n = ip_len(a->family);
    return a->family == b->family && a->port == b->port && n > 0 && memcmp(a->ip, b->ip, n) == 0;
}

int peertab_addr_format(const struct peertab_addr *a, char *out, size_t n)
{
    char ip[INET6_ADDRSTRLEN];
    if (n > 0)
        out[0] = '\0';
    if (ip_len(a->family) == 0 || inet_ntop(a->family, a->ip, ip, sizeof(ip)) == NULL)
        return PEERTAB_ERR_ADDR;
    const char *fam = a->family == AF_INET ? "AF_INET" : "AF_INET6";
    int w = snprintf(out, n, "[%s]%s:%u", fam, ip, (unsigned)a->port);
    if (w < 0 || (size_t)w >= n) {
        if (n > 0)
            out[0] = '\0';
        return PEERTAB_ERR_NO_ROOM;
    }
    return PEERTAB_OK;
}

/* ---- SipHash-2-4 (Aumasson & Bernstein), little-endian words ---- */

static uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static void sipround(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

/* Up to 8 bytes from r as a little-endian word. */
static uint64_t read_le(struct buf_reader *r, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)buf_read_u8(r) << (8 * i);
    return w;
}

static void sip_absorb(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    sipround(v);
    sipround(v);
    v[0] ^= m;
}

uint64_t peertab_siphash24(const uint8_t key[PEERTAB_KEY_LEN], const uint8_t *data, size_t len)
{
    struct buf_reader kr, r;
    buf_reader_init(&kr, key, PEERTAB_KEY_LEN);
    uint64_t k0 = read_le(&kr, 8), k1 = read_le(&kr, 8);
    uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                      k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
    buf_reader_init(&r, data, len);
    while (buf_remaining(&r) >= 8)
        sip_absorb(v, read_le(&r, 8));
    sip_absorb(v, ((uint64_t)len << 56) | read_le(&r, buf_remaining(&r)));
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sipround(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t peertab_addr_hash(const struct peertab *t, const struct peertab_addr *a)
{
    uint8_t b[4 + 16];
    struct buf_writer w;
    buf_writer_init(&w, b, sizeof(b));
    buf_write_u16(&w, a->family);
    buf_write_u16(&w, a->port);
    buf_write_bytes(&w, a->ip, ip_len(a->family));
    return peertab_siphash24(t->key, b, buf_writer_len(&w));
}

/* ---- table ---- */

size_t peertab_bucket_count(const struct peertab *t)
{
    return t->mask + 1;
}

uint32_t peertab_capacity(const struct peertab *t)
{
    return t->capacity;
}

uint32_t peertab_count(const struct peertab *t)
{
    return t->count;
}

struct peertab *peertab_new(uint32_t capacity, const uint8_t key[PEERTAB_KEY_LEN])
{
    if (capacity == 0 || capacity > PEERTAB_CAPACITY_MAX || key == NULL)
        return NULL;
    size_t nb = 2;
    while (nb < 2 * (size_t)capacity)
        nb *= 2;
    struct peertab *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->slots = calloc(capacity, sizeof(*t->slots));
    t->free_ids = calloc(capacity, sizeof(*t->free_ids));
    t->buckets = calloc(nb, sizeof(*t->buckets));
    if (t->slots == NULL || t->free_ids == NULL || t->buckets == NULL) {
        peertab_free(t);
        return NULL;
    }
    memcpy(t->key, key, PEERTAB_KEY_LEN);
    t->capacity = capacity;
    t->mask = nb - 1;
    for (size_t i = 0; i < nb; i++)
        t->buckets[i].id = BUCKET_EMPTY;
    for (uint32_t i = 0; i < capacity; i++)
        t->free_ids[i] = i;
    t->free_len = capacity;
    return t;
}

void peertab_free(struct peertab *t)
{
    if (t == NULL)
        return;
    free(t->slots);
    free(t->free_ids);
    free(t->buckets);
    secret_free(t, sizeof(*t));
}

static bool id_used(const struct peertab *t, uint32_t id)
{
    return id < t->capacity && t->slots[id].peer != NULL;
}

/* Index of the bucket holding a, or of the empty bucket where a would go. */
static size_t probe(const struct peertab *t, const struct peertab_addr *a, uint32_t hash)
{
    size_t i = hash & t->mask;
    /* Terminates: the table is never more than half full, so an empty bucket exists. */
    while (t->buckets[i].id != BUCKET_EMPTY) {
        const struct bucket *b = &t->buckets[i];
        if (b->hash == hash && peertab_addr_equal(&t->slots[b->id].addr, a))
            return i;
        i = (i + 1) & t->mask;
    }
    return i;
}

/* True when home is cyclically within (hole, j]: the entry at j may not move to the hole. */
static bool stays(size_t home, size_t hole, size_t j)
{
    return hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
}

/* Empties bucket i and shifts later entries of its probe run back, so no tombstones are needed. */
static void bucket_delete(struct peertab *t, size_t i)
{
    size_t hole = i, j = i;
    t->buckets[hole].id = BUCKET_EMPTY;
    for (;;) {
        j = (j + 1) & t->mask;
        if (t->buckets[j].id == BUCKET_EMPTY)
            return;
        if (stays(t->buckets[j].hash & t->mask, hole, j))
            continue;
        t->buckets[hole] = t->buckets[j];
        t->buckets[j].id = BUCKET_EMPTY;
        hole = j;
    }
}

/* Drops id's address from the hash. */
static void unhash(struct peertab *t, uint32_t id)
{
    size_t i = probe(t, &t->slots[id].addr, t->slots[id].hash);
    bucket_delete(t, i);
}

/* Finds the bucket for a: PEERTAB_ERR_TAKEN (owner in *owner) or 0 with the free bucket in *at. */
static int find_free_bucket(const struct peertab *t, const struct peertab_addr *a, uint32_t *hash,
                            size_t *at, uint32_t *owner)
{
    if (ip_len(a->family) == 0)
        return PEERTAB_ERR_ADDR;
    *hash = (uint32_t)peertab_addr_hash(t, a);
    *at = probe(t, a, *hash);
    if (t->buckets[*at].id == BUCKET_EMPTY)
        return PEERTAB_OK;
    if (owner)
        *owner = t->buckets[*at].id;
    return PEERTAB_ERR_TAKEN;
}

static void set_addr(struct peertab *t, uint32_t id, const struct peertab_addr *a, uint32_t hash,
                     size_t at)
{
    struct slot *s = &t->slots[id];
    memset(&s->addr, 0, sizeof(s->addr));
    s->addr.family = a->family;
    s->addr.port = a->port;
    memcpy(s->addr.ip, a->ip, ip_len(a->family));
    s->hash = hash;
    t->buckets[at] = (struct bucket){ .id = id, .hash = hash };
}

int peertab_insert(struct peertab *t, void *peer, const struct peertab_addr *a, uint32_t *id)
{
    uint32_t hash;
    size_t at;
    if (peer == NULL)
        return PEERTAB_ERR_NO_PEER;
    if (t->free_len == 0)
        return PEERTAB_ERR_FULL;
    int e = find_free_bucket(t, a, &hash, &at, NULL);
    if (e != PEERTAB_OK)
        return e;
    uint32_t n = t->free_ids[t->free_head];
    t->free_head = (t->free_head + 1) % t->capacity;
    t->free_len--;
    t->slots[n].peer = peer;
    set_addr(t, n, a, hash, at);
    t->count++;
    *id = n;
    return PEERTAB_OK;
}

int peertab_remove(struct peertab *t, uint32_t id)
{
    if (!id_used(t, id))
        return PEERTAB_ERR_NO_PEER;
    unhash(t, id);
    t->slots[id].peer = NULL;
    t->free_ids[(t->free_head + t->free_len) % t->capacity] = id;
    t->free_len++;
    t->count--;
    return PEERTAB_OK;
}

void *peertab_by_id(const struct peertab *t, uint32_t id)
{
    return id_used(t, id) ? t->slots[id].peer : NULL;
}

void *peertab_by_addr(const struct peertab *t, const struct peertab_addr *a, uint32_t *id)
{
    if (ip_len(a->family) == 0)
        return NULL;
    size_t i = probe(t, a, (uint32_t)peertab_addr_hash(t, a));
    uint32_t found = t->buckets[i].id;
    if (found == BUCKET_EMPTY)
        return NULL;
    if (id)
        *id = found;
    return t->slots[found].peer;
}

const struct peertab_addr *peertab_addr_of(const struct peertab *t, uint32_t id)
{
    return id_used(t, id) ? &t->slots[id].addr : NULL;
}

int peertab_float(struct peertab *t, uint32_t id, const struct peertab_addr *a, uint32_t *owner)
{
    uint32_t hash, other = PEERTAB_ID_UNSET;
    size_t at;
    if (!id_used(t, id))
        return PEERTAB_ERR_NO_PEER;
    int e = find_free_bucket(t, a, &hash, &at, &other);
    if (e == PEERTAB_ERR_TAKEN && other == id)
        return PEERTAB_OK;
    if (e != PEERTAB_OK) {
        if (owner && e == PEERTAB_ERR_TAKEN)
            *owner = other;
        return e;
    }
    /* Deleting the old key may shift entries, so the free bucket is looked up again after. */
    unhash(t, id);
    at = probe(t, a, hash);
    set_addr(t, id, a, hash, at);
    return PEERTAB_OK;
}

uint32_t peertab_next_id(const struct peertab *t, uint32_t from)
{
    for (uint32_t id = from; id < t->capacity; id++)
        if (t->slots[id].peer != NULL)
            return id;
    return PEERTAB_ID_UNSET;
}
