/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server's peer table (shared/docs/protocol-data.md §9.1-§9.2): every connected peer by its
 * 24-bit peer-id and by its UDP source address.
 *
 * - By id: an array of `capacity` (= max-clients) slots, so a P_DATA_V2 packet finds its peer with
 *   one index. Id 0xFFFFFF means "no peer-id" on the wire and is never assigned.
 * - By address: an open-addressing hash (linear probing, backward-shift deletion, at most half
 *   full) keyed with SipHash-2-4 under a secret the caller draws from RAND_bytes, so a remote
 *   sender cannot choose addresses that pile up in one probe chain.
 * Everything is allocated by peertab_new(); insert, remove, lookups and float never allocate.
 *
 * Id policy: free ids wait in a FIFO queue that starts as 0, 1, 2, ... capacity-1, so the first
 * peers get 0, 1, 2 as with OpenVPN. A freed id goes to the back of the queue: it is handed out
 * again only after every id that was already free, not at once as OpenVPN's lowest-free-index
 * does. Late packets still carrying a departed client's peer-id then find an empty slot instead
 * of the next client to connect (they would fail authentication there, but only after costing a
 * decryption and looking like a float attempt). With capacity 1 the single id is reused.
 *
 * The table stores an opaque `void *peer` per id and never dereferences it.
 */
#ifndef SLUICE_PEERTAB_H
#define SLUICE_PEERTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define PEERTAB_ID_UNSET     0xFFFFFFu /* "no peer-id" (MAX_PEER_ID), never assigned */
#define PEERTAB_CAPACITY_MAX 0xFFFFFFu /* ids 0 .. 0xFFFFFE */
#define PEERTAB_KEY_LEN      16u       /* SipHash key */

/*
 * A UDP peer address reduced to what identifies it: family, port and IP bytes. Scope ids, flow
 * labels and sockaddr padding are not part of it. An IPv4-mapped IPv6 address is kept as IPv6
 * (a dual-stack socket reports every peer that way, so it stays consistent per socket).
 */
struct peertab_addr {
    uint16_t family; /* AF_INET or AF_INET6 */
    uint16_t port;   /* host byte order */
    uint8_t ip[16];  /* AF_INET: the first 4 bytes, the rest zero */
};

enum peertab_err {
    PEERTAB_OK = 0,
    PEERTAB_ERR_FULL = -1,    /* insert: all `capacity` ids are in use */
    PEERTAB_ERR_TAKEN = -2,   /* the address belongs to another peer */
    PEERTAB_ERR_NO_PEER = -3, /* no peer has this id */
    PEERTAB_ERR_ADDR = -4,    /* a sockaddr of another family, or shorter than its family needs */
    PEERTAB_ERR_NO_ROOM = -5, /* formatting: the output is too small */
};

/* Static, never NULL; "unknown error" for values outside enum peertab_err. */
const char *peertab_strerror(int err);

/* ---- addresses ---- */

/* Reduces an AF_INET / AF_INET6 sockaddr of `len` bytes. Returns 0 or PEERTAB_ERR_ADDR. */
__attribute__((warn_unused_result)) int
peertab_addr_from_sockaddr(struct peertab_addr *out, const struct sockaddr *sa, size_t len);

/* Builds the sockaddr to send to; returns its length, or 0 for an address of another family. */
size_t peertab_addr_to_sockaddr(const struct peertab_addr *a, struct sockaddr_storage *out);

/* Family, port and address bytes equal. */
bool peertab_addr_equal(const struct peertab_addr *a, const struct peertab_addr *b);

/*
 * Writes "[AF_INET]10.8.0.1:1194" / "[AF_INET6]fd00::1:1194" (as OpenVPN logs addresses) with
 * its NUL. Returns 0, PEERTAB_ERR_ADDR or PEERTAB_ERR_NO_ROOM (out then holds "").
 */
int peertab_addr_format(const struct peertab_addr *a, char *out, size_t n);

/* ---- the table ---- */

struct peertab;

/*
 * A table for ids 0..capacity-1 (1 <= capacity <= PEERTAB_CAPACITY_MAX). The key is copied and
 * wiped again by peertab_free(). Returns NULL on a bad capacity or out of memory.
 */
struct peertab *peertab_new(uint32_t capacity, const uint8_t key[PEERTAB_KEY_LEN]);

/* Frees the table (not the peers it points to); accepts NULL. */
void peertab_free(struct peertab *t);

uint32_t peertab_capacity(const struct peertab *t);
uint32_t peertab_count(const struct peertab *t);

/*
 * Adds `peer` (not NULL) at address a under the next free id, stored in *id. Returns 0,
 * PEERTAB_ERR_FULL, PEERTAB_ERR_TAKEN (a is another peer's address: find it with
 * peertab_by_addr), PEERTAB_ERR_ADDR (a is neither AF_INET nor AF_INET6) or PEERTAB_ERR_NO_PEER
 * (peer is NULL). Nothing changes on failure.
 */
__attribute__((warn_unused_result)) int peertab_insert(struct peertab *t, void *peer,
                                                       const struct peertab_addr *a, uint32_t *id);

/*
 * Removes the peer with this id from both indexes; its id joins the back of the free queue.
 * Returns 0 or PEERTAB_ERR_NO_PEER.
 */
int peertab_remove(struct peertab *t, uint32_t id);

/* The peer with this id, or NULL (free, out of range, or PEERTAB_ID_UNSET). */
void *peertab_by_id(const struct peertab *t, uint32_t id);

/* The peer at address a, or NULL. When found and id is not NULL, *id is its id. */
void *peertab_by_addr(const struct peertab *t, const struct peertab_addr *a, uint32_t *id);

/* The current address of the peer with this id, or NULL. Valid until that peer moves or goes. */
const struct peertab_addr *peertab_addr_of(const struct peertab *t, uint32_t id);

/*
 * Moves the peer `id` to address a (§9.2). Call it only after a packet from a, carrying this
 * peer-id, has authenticated and passed the replay check: this function trusts that decision.
 * Returns 0 (moved, or a already was its address), PEERTAB_ERR_NO_PEER, PEERTAB_ERR_ADDR, or
 * PEERTAB_ERR_TAKEN with *owner (if not NULL) set to the id of the peer at a; nothing moves then.
 * OpenVPN allows such a float only when both peers hold the same certificate, closing the other
 * one: to do that, remove *owner and call this again.
 */
int peertab_float(struct peertab *t, uint32_t id, const struct peertab_addr *a, uint32_t *owner);

/* The smallest id >= from that is in use, or PEERTAB_ID_UNSET: for (id = next(t, 0); ...). */
uint32_t peertab_next_id(const struct peertab *t, uint32_t from);

/* ---- the keyed hash (exposed for tests) ---- */

/* SipHash-2-4 of data[0..len) under key. */
uint64_t peertab_siphash24(const uint8_t key[PEERTAB_KEY_LEN], const uint8_t *data, size_t len);

/* The table's hash of a; its bucket is hash & (peertab_bucket_count(t) - 1). */
uint64_t peertab_addr_hash(const struct peertab *t, const struct peertab_addr *a);

/* Number of hash buckets: the smallest power of two >= 2 * capacity. */
size_t peertab_bucket_count(const struct peertab *t);

#endif
