/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server's tun-side routing table (shared/docs/protocol-data.md §9.4): which client (by its
 * peer-id, see peertab.h) owns an inner IPv4 / IPv6 address.
 *
 * Two kinds of entries, both added and removed per peer:
 *  - host entries: each client's tunnel address (pool, ifconfig-push, ifconfig-ipv6-push), i.e.
 *    /32 and /128. They live in an open-addressing hash (linear probing, backward-shift deletion,
 *    at most half full) keyed with SipHash-2-4 (peertab_siphash24) under a secret the caller
 *    draws at start-up, so a client cannot pick addresses that collide. Lookup, insert and
 *    remove are O(1) expected; nothing is allocated after vaddr_new().
 *  - routes: `iroute` / `iroute-ipv6` prefixes. A small array kept sorted by prefix length,
 *    longest first, so the first match is the longest-prefix match. Lookup and insert are O(r)
 *    for r routes; fine for the tens of iroutes a server has, and the place to put a trie if
 *    that ever changes. A /32 or /128 route is a route, not a host entry.
 * vaddr_lookup() tries the host entry first, then the routes, as openvpn does.
 *
 * Peers are identified by a uint32_t (the peertab id); VADDR_NO_PEER is never a peer.
 *
 * Packet helpers read the source / destination address of one IP packet from tun (or from a
 * client) through a bounded reader; they classify multicast / broadcast and IPv6 link-local
 * addresses, which the data path treats specially.
 */
#ifndef SLUICE_VADDR_H
#define SLUICE_VADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peertab.h"

#define VADDR_NO_PEER 0xFFFFFFFFu
#define VADDR_KEY_LEN PEERTAB_KEY_LEN

/* An inner address. IPv4 uses bytes[0..4) and keeps the rest zero. */
struct vaddr_ip {
    uint8_t version; /* 4 or 6 */
    uint8_t bytes[16];
};

enum vaddr_err {
    VADDR_OK = 0,
    VADDR_ERR_FULL = -1,      /* no room for another host entry or route */
    VADDR_ERR_TAKEN = -2,     /* the address / prefix belongs to another peer */
    VADDR_ERR_NOT_FOUND = -3, /* remove: no such entry for this peer */
    VADDR_ERR_PARAM = -4,     /* bad version, prefix length, or peer VADDR_NO_PEER */
};

/* Static, never NULL; "unknown error" otherwise. */
const char *vaddr_strerror(int err);

/* Constructors: IPv4 from a host-order address (as ippool.h holds it), IPv6 from its 16 bytes. */
struct vaddr_ip vaddr_ip4(uint32_t host_order);
struct vaddr_ip vaddr_ip6(const uint8_t bytes[16]);

bool vaddr_ip_equal(const struct vaddr_ip *a, const struct vaddr_ip *b);
/* 224.0.0.0/4, 255.255.255.255, ff00::/8. */
bool vaddr_ip_multicast(const struct vaddr_ip *a);
/* fe80::/10 (IPv6 only). */
bool vaddr_ip_link_local(const struct vaddr_ip *a);

/* ---- the table ---- */

struct vaddr;

/*
 * Room for max_hosts host entries (1..PEERTAB_CAPACITY_MAX; typically 2 per client: one IPv4,
 * one IPv6) and max_routes routes (0..65536). The key is copied and wiped by vaddr_free().
 * Returns NULL on a bad size or out of memory.
 */
struct vaddr *vaddr_new(uint32_t max_hosts, uint32_t max_routes, const uint8_t key[VADDR_KEY_LEN]);
void vaddr_free(struct vaddr *v); /* NULL is fine */

uint32_t vaddr_host_count(const struct vaddr *v);
uint32_t vaddr_route_count(const struct vaddr *v);

/*
 * Adds a host entry ip -> peer. Adding an entry the peer already has is a no-op (0). Returns 0,
 * VADDR_ERR_TAKEN (another peer holds ip; find it with vaddr_lookup, remove it first to move the
 * address), VADDR_ERR_FULL or VADDR_ERR_PARAM.
 */
int vaddr_host_add(struct vaddr *v, const struct vaddr_ip *ip, uint32_t peer);

/* Removes the host entry ip if peer holds it. 0 or VADDR_ERR_NOT_FOUND. */
int vaddr_host_remove(struct vaddr *v, const struct vaddr_ip *ip, uint32_t peer);

/*
 * Adds the route prefix/bits -> peer (bits 0..32 for IPv4, 0..128 for IPv6; host bits beyond the
 * prefix are cleared, as openvpn does with a warning). The same prefix for the same peer is a
 * no-op. Returns 0, VADDR_ERR_TAKEN, VADDR_ERR_FULL or VADDR_ERR_PARAM.
 */
int vaddr_route_add(struct vaddr *v, const struct vaddr_ip *prefix, unsigned bits, uint32_t peer);

/* Removes that route of that peer. 0, VADDR_ERR_NOT_FOUND or VADDR_ERR_PARAM. */
int vaddr_route_remove(struct vaddr *v, const struct vaddr_ip *prefix, unsigned bits,
                       uint32_t peer);

/* Removes every host entry and route of peer; returns how many. O(buckets + routes): once per
 * disconnect (a caller that knows the peer's addresses may use vaddr_host_remove instead). */
size_t vaddr_remove_peer(struct vaddr *v, uint32_t peer);

/* The peer owning ip: exact host entry, else the longest matching route; VADDR_NO_PEER if none. */
uint32_t vaddr_lookup(const struct vaddr *v, const struct vaddr_ip *ip);

/* ---- packets ---- */

enum vaddr_pkt {
    VADDR_PKT_UNICAST = 0,
    VADDR_PKT_MULTICAST, /* multicast or limited broadcast destination */
    VADDR_PKT_INVALID,   /* not IPv4/IPv6, or shorter than its fixed header */
};

/* The destination of an IP packet. *out is filled unless the result is VADDR_PKT_INVALID. */
enum vaddr_pkt vaddr_packet_dst(const uint8_t *pkt, size_t len, struct vaddr_ip *out);

/* The source address; false (out undefined) unless pkt holds a whole IPv4 / IPv6 header. */
bool vaddr_packet_src(const uint8_t *pkt, size_t len, struct vaddr_ip *out);

/* The destination's owner, for the tun -> client path: VADDR_NO_PEER for no match, multicast
 * or an invalid packet. */
uint32_t vaddr_route_packet(const struct vaddr *v, const uint8_t *pkt, size_t len);

#endif
