/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inner-address routing of the server: host hash and iroute prefixes, protocol-data.md §9.4. */
#include "vaddr.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "secret.h"

#define VADDR_ROUTES_MAX 65536u

struct host {
    uint32_t peer; /* VADDR_NO_PEER: empty bucket */
    uint32_t hash; /* low 32 bits of the SipHash; the bucket index fits in them */
    struct vaddr_ip ip;
};

struct route {
    struct vaddr_ip prefix; /* host bits cleared */
    unsigned bits;
    uint32_t peer;
};

struct vaddr {
    uint8_t key[VADDR_KEY_LEN];
    uint32_t max_hosts, n_hosts;
    struct host *hosts; /* [mask + 1] */
    size_t mask;
    uint32_t max_routes, n_routes;
    struct route *routes; /* [max_routes], sorted by bits, longest first */
};

const char *vaddr_strerror(int err)
{
    switch (err) {
    case VADDR_OK:
        return "ok";
    case VADDR_ERR_FULL:
        return "routing table full";
    case VADDR_ERR_TAKEN:
        return "address owned by another peer";
    case VADDR_ERR_NOT_FOUND:
        return "no such route";
    case VADDR_ERR_PARAM:
        return "bad address, prefix length or peer";
    default:
        return "unknown error";
    }
}

/* ---- addresses ---- */

struct vaddr_ip vaddr_ip4(uint32_t host_order)
{
    struct vaddr_ip a;
    struct buf_writer w;

    memset(&a, 0, sizeof(a));
    a.version = 4;
    buf_writer_init(&w, a.bytes, 4);
    buf_write_u32(&w, host_order);
    return a;
}

struct vaddr_ip vaddr_ip6(const uint8_t bytes[16])
{
    struct vaddr_ip a;

    a.version = 6;
    memcpy(a.bytes, bytes, 16);
    return a;
}

static size_t ip_len(uint8_t version)
{
    return version == 4 ? 4 : version == 6 ? 16 : 0;
}

bool vaddr_ip_equal(const struct vaddr_ip *a, const struct vaddr_ip *b)
{
    size_t n = ip_len(a->version);

    return n > 0 && a->version == b->version && memcmp(a->bytes, b->bytes, n) == 0;
}

bool vaddr_ip_multicast(const struct vaddr_ip *a)
{
    static const uint8_t bcast[4] = { 255, 255, 255, 255 };

    if (a->version == 4)
        return (a->bytes[0] & 0xF0u) == 0xE0u || memcmp(a->bytes, bcast, 4) == 0;
    return a->version == 6 && a->bytes[0] == 0xFFu;
}

bool vaddr_ip_link_local(const struct vaddr_ip *a)
{
    return a->version == 6 && a->bytes[0] == 0xFEu && (a->bytes[1] & 0xC0u) == 0x80u;
}

/* The address with every bit after the first `bits` cleared (and IPv4's unused bytes zero). */
static struct vaddr_ip masked(const struct vaddr_ip *a, unsigned bits)
{
    struct vaddr_ip m;
    size_t n = ip_len(a->version);

    memset(&m, 0, sizeof(m));
    m.version = a->version;
    for (size_t i = 0; i < n; i++) {
        unsigned have = bits > 8 * i ? bits - 8 * (unsigned)i : 0;
        uint8_t keep = have >= 8 ? 0xFFu : (uint8_t)(0xFFu << (8 - have));

        m.bytes[i] = a->bytes[i] & keep;
    }
    return m;
}

/* ---- table ---- */

struct vaddr *vaddr_new(uint32_t max_hosts, uint32_t max_routes, const uint8_t key[VADDR_KEY_LEN])
{
    struct vaddr *v;
    size_t nb = 2;

    if (max_hosts == 0 || max_hosts > PEERTAB_CAPACITY_MAX || max_routes > VADDR_ROUTES_MAX ||
        key == NULL)
        return NULL;
    while (nb < 2 * (size_t)max_hosts)
        nb *= 2;
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return NULL;
    v->hosts = calloc(nb, sizeof(*v->hosts));
    v->routes = calloc(max_routes > 0 ? max_routes : 1, sizeof(*v->routes));
    if (v->hosts == NULL || v->routes == NULL) {
        vaddr_free(v);
        return NULL;
    }
    memcpy(v->key, key, VADDR_KEY_LEN);
    v->max_hosts = max_hosts;
    v->max_routes = max_routes;
    v->mask = nb - 1;
    for (size_t i = 0; i < nb; i++)
        v->hosts[i].peer = VADDR_NO_PEER;
    return v;
}

void vaddr_free(struct vaddr *v)
{
    if (v == NULL)
        return;
    free(v->hosts);
    free(v->routes);
    secret_free(v, sizeof(*v));
}

uint32_t vaddr_host_count(const struct vaddr *v)
{
    return v->n_hosts;
}

uint32_t vaddr_route_count(const struct vaddr *v)
{
    return v->n_routes;
}

/* ---- host hash ---- */

static uint32_t host_hash(const struct vaddr *v, const struct vaddr_ip *ip)
{
    uint8_t b[1 + 16];
    struct buf_writer w;

    buf_writer_init(&w, b, sizeof(b));
    buf_write_u8(&w, ip->version);
    buf_write_bytes(&w, ip->bytes, ip_len(ip->version));
    return (uint32_t)peertab_siphash24(v->key, b, buf_writer_len(&w));
}

/* Bucket holding ip, or the empty bucket where it would go. */
static size_t probe(const struct vaddr *v, const struct vaddr_ip *ip, uint32_t hash)
{
    size_t i = hash & v->mask;

    /* Terminates: at most half of the buckets are ever used. */
    while (v->hosts[i].peer != VADDR_NO_PEER) {
        if (v->hosts[i].hash == hash && vaddr_ip_equal(&v->hosts[i].ip, ip))
            return i;
        i = (i + 1) & v->mask;
    }
    return i;
}

/* True when home lies cyclically in (hole, j]: the entry at j cannot move back to the hole. */
static bool stays(size_t home, size_t hole, size_t j)
{
    return hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
}

/* Empties bucket i and shifts the rest of its probe run back (no tombstones). */
static void bucket_delete(struct vaddr *v, size_t i)
{
    size_t hole = i, j = i;

    v->hosts[hole].peer = VADDR_NO_PEER;
    v->n_hosts--;
    for (;;) {
        j = (j + 1) & v->mask;
        if (v->hosts[j].peer == VADDR_NO_PEER)
            return;
        if (stays(v->hosts[j].hash & v->mask, hole, j))
            continue;
        v->hosts[hole] = v->hosts[j];
        v->hosts[j].peer = VADDR_NO_PEER;
        hole = j;
    }
}

int vaddr_host_add(struct vaddr *v, const struct vaddr_ip *ip, uint32_t peer)
{
    uint32_t hash;
    size_t at;

    if (ip_len(ip->version) == 0 || peer == VADDR_NO_PEER)
        return VADDR_ERR_PARAM;
    hash = host_hash(v, ip);
    at = probe(v, ip, hash);
    if (v->hosts[at].peer != VADDR_NO_PEER)
        return v->hosts[at].peer == peer ? VADDR_OK : VADDR_ERR_TAKEN;
    if (v->n_hosts >= v->max_hosts)
        return VADDR_ERR_FULL;
    v->hosts[at] = (struct host){ .peer = peer, .hash = hash, .ip = masked(ip, 128) };
    v->n_hosts++;
    return VADDR_OK;
}

int vaddr_host_remove(struct vaddr *v, const struct vaddr_ip *ip, uint32_t peer)
{
    size_t at;

    if (ip_len(ip->version) == 0)
        return VADDR_ERR_NOT_FOUND;
    at = probe(v, ip, host_hash(v, ip));
    if (v->hosts[at].peer == VADDR_NO_PEER || v->hosts[at].peer != peer)
        return VADDR_ERR_NOT_FOUND;
    bucket_delete(v, at);
    return VADDR_OK;
}

static uint32_t host_lookup(const struct vaddr *v, const struct vaddr_ip *ip)
{
    return v->hosts[probe(v, ip, host_hash(v, ip))].peer;
}

/* ---- routes ---- */

static bool prefix_ok(const struct vaddr_ip *p, unsigned bits)
{
    size_t n = ip_len(p->version);

    return n > 0 && bits <= 8 * n;
}

static bool route_matches(const struct route *r, const struct vaddr_ip *ip)
{
    struct vaddr_ip m;

    if (r->prefix.version != ip->version)
        return false;
    m = masked(ip, r->bits);
    return vaddr_ip_equal(&m, &r->prefix);
}

/* Index of the exact prefix/bits, or n_routes. */
static size_t route_find(const struct vaddr *v, const struct vaddr_ip *prefix, unsigned bits)
{
    for (size_t i = 0; i < v->n_routes; i++) {
        if (v->routes[i].bits == bits && vaddr_ip_equal(&v->routes[i].prefix, prefix))
            return i;
    }
    return v->n_routes;
}

int vaddr_route_add(struct vaddr *v, const struct vaddr_ip *prefix, unsigned bits, uint32_t peer)
{
    struct vaddr_ip p;
    size_t i, at;

    if (!prefix_ok(prefix, bits) || peer == VADDR_NO_PEER)
        return VADDR_ERR_PARAM;
    p = masked(prefix, bits);
    i = route_find(v, &p, bits);
    if (i < v->n_routes)
        return v->routes[i].peer == peer ? VADDR_OK : VADDR_ERR_TAKEN;
    if (v->n_routes >= v->max_routes)
        return VADDR_ERR_FULL;
    /* After every longer-or-equal prefix, so the scan meets longer prefixes first. */
    for (at = 0; at < v->n_routes && v->routes[at].bits >= bits; at++)
        ;
    memmove(&v->routes[at + 1], &v->routes[at], (v->n_routes - at) * sizeof(v->routes[0]));
    v->routes[at] = (struct route){ .prefix = p, .bits = bits, .peer = peer };
    v->n_routes++;
    return VADDR_OK;
}

static void route_delete(struct vaddr *v, size_t i)
{
    memmove(&v->routes[i], &v->routes[i + 1], (v->n_routes - i - 1) * sizeof(v->routes[0]));
    v->n_routes--;
}

int vaddr_route_remove(struct vaddr *v, const struct vaddr_ip *prefix, unsigned bits, uint32_t peer)
{
    struct vaddr_ip p;
    size_t i;

    if (!prefix_ok(prefix, bits))
        return VADDR_ERR_PARAM;
    p = masked(prefix, bits);
    i = route_find(v, &p, bits);
    if (i == v->n_routes || v->routes[i].peer != peer)
        return VADDR_ERR_NOT_FOUND;
    route_delete(v, i);
    return VADDR_OK;
}

size_t vaddr_remove_peer(struct vaddr *v, uint32_t peer)
{
    size_t removed = 0, i = 0;

    /* A deletion can shift a later entry into bucket i, so look at i again after one. */
    while (i <= v->mask) {
        if (v->hosts[i].peer == peer && peer != VADDR_NO_PEER) {
            bucket_delete(v, i);
            removed++;
            continue;
        }
        i++;
    }
    for (i = v->n_routes; i > 0; i--) {
        if (v->routes[i - 1].peer == peer) {
            route_delete(v, i - 1);
            removed++;
        }
    }
    return removed;
}

uint32_t vaddr_lookup(const struct vaddr *v, const struct vaddr_ip *ip)
{
    uint32_t peer;

    if (ip_len(ip->version) == 0)
        return VADDR_NO_PEER;
    peer = host_lookup(v, ip);
    if (peer != VADDR_NO_PEER)
        return peer;
    for (size_t i = 0; i < v->n_routes; i++) {
        if (route_matches(&v->routes[i], ip))
            return v->routes[i].peer;
    }
    return VADDR_NO_PEER;
}

/* ---- packets ---- */

/* Reads the source (src) or destination address of the IP header at the start of pkt. */
static bool packet_addr(const uint8_t *pkt, size_t len, bool src, struct vaddr_ip *out)
{
    struct buf_reader r;
    uint8_t first;

    buf_reader_init(&r, pkt, len);
    if (!buf_peek_u8(&r, &first))
        return false;
    memset(out, 0, sizeof(*out));
    out->version = first >> 4;
    if (out->version == 4) {
        /* The header must be whole even though only the addresses are read. */
        if (len < 20 || (first & 0x0Fu) < 5)
            return false;
        buf_skip(&r, src ? 12 : 16);
        return buf_read_bytes(&r, out->bytes, 4);
    }
    if (out->version == 6) {
        if (len < 40)
            return false;
        buf_skip(&r, src ? 8 : 24);
        return buf_read_bytes(&r, out->bytes, 16);
    }
    return false;
}

enum vaddr_pkt vaddr_packet_dst(const uint8_t *pkt, size_t len, struct vaddr_ip *out)
{
    if (!packet_addr(pkt, len, false, out))
        return VADDR_PKT_INVALID;
    return vaddr_ip_multicast(out) ? VADDR_PKT_MULTICAST : VADDR_PKT_UNICAST;
}

bool vaddr_packet_src(const uint8_t *pkt, size_t len, struct vaddr_ip *out)
{
    return packet_addr(pkt, len, true, out);
}

uint32_t vaddr_route_packet(const struct vaddr *v, const uint8_t *pkt, size_t len)
{
    struct vaddr_ip dst;

    if (vaddr_packet_dst(pkt, len, &dst) != VADDR_PKT_UNICAST)
        return VADDR_NO_PEER;
    return vaddr_lookup(v, &dst);
}
