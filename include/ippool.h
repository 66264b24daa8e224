/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server's dynamic tunnel addresses (ops-interfaces.md §1.5.1 and §2: ifconfig-pool,
 * ifconfig-ipv6-pool, the `server` / `server-ipv6` macros; protocol-data.md §10).
 *
 * One lease = one index i, 0 <= i < size, that carries the client's IPv4 and/or IPv6 address:
 *  - IPPOOL_NET30 (topology net30): the IPv4 range is cut into /30 blocks starting at
 *    start & ~3; block i gives the client b+2 and its point-to-point peer b+1, pushed as
 *    "ifconfig b+2 b+1" (as openvpn's pool does);
 *  - IPPOOL_INDIV (topology subnet and p2p): one address per client, start + i;
 *  - IPv6: base + i, with the pool's prefix length.
 * With both families the pool has the size of the smaller one, so every lease has both.
 *
 * Policy on acquire (what openvpn's pool does without ifconfig-pool-persist): a free lease last
 * held by the same common name is given back to it, so a reconnecting client keeps its address;
 * otherwise the lowest free lease never held by anyone, otherwise the lowest free lease.
 * With duplicate-cn several leases may carry the same name; the app decides that.
 *
 * Pure: no I/O. Addresses are in host byte order (IPv4) and network byte order (IPv6 bytes).
 */
#ifndef SLUICE_IPPOOL_H
#define SLUICE_IPPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPPOOL_MAX      65536u /* largest pool, as openvpn's IFCONFIG_POOL_MAX */
#define IPPOOL_NAME_MAX 256u   /* common name kept per lease, NUL included (longer: cut) */

enum ippool_err {
    IPPOOL_OK = 0,
    IPPOOL_ERR_PARAM = -1, /* empty or reversed range, bad prefix length, nothing configured */
    IPPOOL_ERR_NOMEM = -2,
    IPPOOL_ERR_FULL = -3,  /* every lease is in use */
    IPPOOL_ERR_INDEX = -4, /* release of an index that is out of range or not in use */
};

/* Static, never NULL. */
const char *ippool_strerror(int err);

enum ippool_kind {
    IPPOOL_NET30, /* one /30 per client */
    IPPOOL_INDIV, /* one address per client */
};

struct ippool_params {
    bool has_v4;
    enum ippool_kind kind;
    uint32_t v4_start, v4_end; /* inclusive, host order */
    bool has_v6;
    uint8_t v6_base[16];
    unsigned v6_bits; /* prefix length of the pushed address, 64..128 (openvpn's range) */
};

struct ippool_lease {
    size_t index;
    bool has_v4;
    uint32_t v4_client; /* the client's tunnel address */
    uint32_t v4_peer;   /* NET30: the other end of its /30; INDIV: 0 */
    bool has_v6;
    uint8_t v6_client[16];
    unsigned v6_bits;
};

struct ippool;

/*
 * A pool for p. IPv4: start <= end, and for NET30 at least one whole /30 (the range is widened to
 * /30 boundaries as openvpn does). IPv6: bits 64..128, the addresses from base to the end of the
 * prefix. Sizes over IPPOOL_MAX are cut to it. Returns 0 and *out, IPPOOL_ERR_PARAM or
 * IPPOOL_ERR_NOMEM (*out NULL).
 */
int ippool_new(const struct ippool_params *p, struct ippool **out)
    __attribute__((warn_unused_result));

/* NULL is fine. */
void ippool_free(struct ippool *pool);

/* Number of leases. */
size_t ippool_size(const struct ippool *pool);
/* Addresses each family's range offers (0 without it); the lease count is the smaller one. */
size_t ippool_v4_size(const struct ippool *pool);
size_t ippool_v6_size(const struct ippool *pool);
/* Leases in use. */
size_t ippool_used(const struct ippool *pool);
/* The first IPv4 address the pool hands out blocks from (NET30: start & ~3), 0 without IPv4. */
uint32_t ippool_v4_base(const struct ippool *pool);

/*
 * Takes a free lease for common name cn (NULL or "" when unknown; see the policy above) and
 * describes it in *out. Returns 0 or IPPOOL_ERR_FULL.
 */
int ippool_acquire(struct ippool *pool, const char *cn, struct ippool_lease *out)
    __attribute__((warn_unused_result));

/* The lease at index (in use or not) without taking it; false when index is out of range. */
bool ippool_describe(const struct ippool *pool, size_t index, struct ippool_lease *out);

/* Gives a lease back; the common name stays with it for the next acquire. 0 or INDEX. */
int ippool_release(struct ippool *pool, size_t index);

#endif
