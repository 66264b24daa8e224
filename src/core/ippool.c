/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address pool, see include/ippool.h. Leases are found by a linear scan: acquiring happens once
 * per connecting client, never per packet, and the pool holds at most IPPOOL_MAX entries.
 */
#include "ippool.h"

#include <stdlib.h>
#include <string.h>

struct ippool_slot {
    bool in_use;
    char *name; /* last holder's common name, NULL when never held (or held without one) */
};

struct ippool {
    struct ippool_params p;
    uint32_t v4_base;
    size_t size, n4, n6;
    size_t used;
    struct ippool_slot *slots;
};

const char *ippool_strerror(int err)
{
    switch (err) {
    case IPPOOL_OK:
        return "ok";
    case IPPOOL_ERR_PARAM:
        return "bad pool parameters";
    case IPPOOL_ERR_NOMEM:
        return "out of memory";
    case IPPOOL_ERR_FULL:
        return "no free address in the pool";
    case IPPOOL_ERR_INDEX:
        return "no such lease in use";
    default:
        return "unknown error";
    }
}

/* IPv4 leases, 0 on a bad range. The NET30 range is widened to whole /30 blocks (pool.c). */
static size_t v4_size(const struct ippool_params *p, uint32_t *base)
{
    uint64_t n;

    if (p->v4_start > p->v4_end)
        return 0;
    if (p->kind == IPPOOL_NET30) {
        *base = p->v4_start & ~3u;
        n = (((uint64_t)(p->v4_end | 3u) + 1u) - *base) / 4u;
    } else {
        *base = p->v4_start;
        n = (uint64_t)p->v4_end - p->v4_start + 1u;
    }
    return n > IPPOOL_MAX ? IPPOOL_MAX : (size_t)n;
}

/* IPv6 leases from base to the end of its prefix, at most IPPOOL_MAX; 0 on bad parameters. */
static size_t v6_size(const struct ippool_params *p)
{
    uint64_t span = 0, host = 0;

    if (p->v6_bits < 64 || p->v6_bits > 128)
        return 0;
    /* Only the low 64 bits can hold host bits here (bits >= 64). */
    for (int i = 8; i < 16; i++)
        host = (host << 8) | p->v6_base[i];
    if (p->v6_bits == 64) {
        span = UINT64_MAX - host;
        return span >= IPPOOL_MAX ? IPPOOL_MAX : (size_t)span + 1u;
    }
    uint64_t mask = (UINT64_C(1) << (128 - p->v6_bits)) - 1u;
    span = mask - (host & mask);
    return span >= IPPOOL_MAX ? IPPOOL_MAX : (size_t)span + 1u;
}

int ippool_new(const struct ippool_params *p, struct ippool **out)
{
    struct ippool *pool;
    size_t n4 = 0, n6 = 0, n;
    uint32_t base = 0;

    *out = NULL;
    if (!p || (!p->has_v4 && !p->has_v6))
        return IPPOOL_ERR_PARAM;
    if (p->has_v4 && (n4 = v4_size(p, &base)) == 0)
        return IPPOOL_ERR_PARAM;
    if (p->has_v6 && (n6 = v6_size(p)) == 0)
        return IPPOOL_ERR_PARAM;
    n = !p->has_v4 ? n6 : !p->has_v6 ? n4 : (n4 < n6 ? n4 : n6);
    pool = calloc(1, sizeof(*pool));
    if (!pool)
        return IPPOOL_ERR_NOMEM;
    pool->slots = calloc(n, sizeof(*pool->slots));
    if (!pool->slots) {
        free(pool);
        return IPPOOL_ERR_NOMEM;
    }
    pool->p = *p;
    pool->v4_base = p->has_v4 ? base : 0;
    pool->size = n;
    pool->n4 = n4;
    pool->n6 = n6;
    *out = pool;
    return IPPOOL_OK;
}

void ippool_free(struct ippool *pool)
{
    if (!pool)
        return;
    for (size_t i = 0; i < pool->size; i++)
        free(pool->slots[i].name);
    free(pool->slots);
    free(pool);
}

size_t ippool_size(const struct ippool *pool)
{
    return pool->size;
}

size_t ippool_v4_size(const struct ippool *pool)
{
    return pool->n4;
}

size_t ippool_v6_size(const struct ippool *pool)
{
    return pool->n6;
}

size_t ippool_used(const struct ippool *pool)
{
    return pool->used;
}

uint32_t ippool_v4_base(const struct ippool *pool)
{
    return pool->v4_base;
}

static void v6_add(uint8_t a[16], uint64_t n)
{
    for (int i = 15; i >= 0 && n; i--) {
        uint64_t v = a[i] + (n & 0xffu);
        a[i] = (uint8_t)v;
        n = (n >> 8) + (v >> 8);
    }
}

bool ippool_describe(const struct ippool *pool, size_t index, struct ippool_lease *out)
{
    if (index >= pool->size)
        return false;
    memset(out, 0, sizeof(*out));
    out->index = index;
    if (pool->p.has_v4) {
        out->has_v4 = true;
        if (pool->p.kind == IPPOOL_NET30) {
            uint32_t b = pool->v4_base + ((uint32_t)index << 2);
            out->v4_client = b + 2u;
            out->v4_peer = b + 1u;
        } else {
            out->v4_client = pool->v4_base + (uint32_t)index;
        }
    }
    if (pool->p.has_v6) {
        out->has_v6 = true;
        memcpy(out->v6_client, pool->p.v6_base, 16);
        v6_add(out->v6_client, index);
        out->v6_bits = pool->p.v6_bits;
    }
    return true;
}

/* Names are kept cut to IPPOOL_NAME_MAX - 1 bytes, so a long name compares by that prefix. */
static bool name_eq(const char *kept, const char *cn)
{
    size_t n = strnlen(cn, IPPOOL_NAME_MAX - 1);
    return strlen(kept) == n && memcmp(kept, cn, n) == 0;
}

/* The free lease the policy picks, or pool->size when none is free. */
static size_t pick(const struct ippool *pool, const char *cn)
{
    size_t unused = pool->size, any = pool->size;

    for (size_t i = 0; i < pool->size; i++) {
        const struct ippool_slot *s = &pool->slots[i];
        if (s->in_use)
            continue;
        if (cn && *cn && s->name && name_eq(s->name, cn))
            return i;
        if (!s->name && unused == pool->size)
            unused = i;
        if (any == pool->size)
            any = i;
    }
    return unused < pool->size ? unused : any;
}

/* Remembers cn for the slot; a failed copy only loses the preference, not the lease. */
static void remember(struct ippool_slot *s, const char *cn)
{
    size_t n;

    if (!cn || !*cn || (s->name && name_eq(s->name, cn)))
        return;
    free(s->name);
    n = strnlen(cn, IPPOOL_NAME_MAX - 1);
    s->name = malloc(n + 1);
    if (!s->name)
        return;
    memcpy(s->name, cn, n);
    s->name[n] = '\0';
}

int ippool_acquire(struct ippool *pool, const char *cn, struct ippool_lease *out)
{
    size_t i = pick(pool, cn);

    if (i >= pool->size)
        return IPPOOL_ERR_FULL;
    pool->slots[i].in_use = true;
    pool->used++;
    remember(&pool->slots[i], cn);
    ippool_describe(pool, i, out);
    return IPPOOL_OK;
}

int ippool_release(struct ippool *pool, size_t index)
{
    if (index >= pool->size || !pool->slots[index].in_use)
        return IPPOOL_ERR_INDEX;
    pool->slots[index].in_use = false;
    pool->used--;
    return IPPOOL_OK;
}
