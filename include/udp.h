/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UDP socket (ops-interfaces.md: proto, local, port/lport, nobind, sndbuf/rcvbuf), moving
 * batches of datagrams: recvmmsg() and sendmmsg(), up to PKTBUF_BATCH_MAX per system call.
 *
 * Families. `proto udp4` opens an AF_INET socket, `udp6` an AF_INET6 socket that takes IPv6
 * only, `udp` an AF_INET6 socket with IPV6_V6ONLY=0 that serves both (dual stack), unless the
 * `local` address is IPv4 (then AF_INET) or the kernel has no IPv6 (then AF_INET as well).
 * Addresses cross this interface as struct peertab_addr, always normalised: an IPv4 peer seen on
 * a dual-stack socket as ::ffff:a.b.c.d is reported as plain AF_INET, and an AF_INET destination
 * is mapped back when sent through a dual-stack socket. So the peer table keys one IPv4 client
 * the same way whatever the socket, and logs read [AF_INET]198.18.50.2:39938.
 *
 * Multi-homed servers. Every received datagram carries the local address it was sent to (from
 * IP_PKTINFO / IPV6_PKTINFO). Passing that address back with a reply makes the reply leave from
 * it, so a client that talked to the server's second address hears back from that address and
 * not from whatever the routing table would pick.
 *
 * Socket buffers default to UDP_BUF_DEFAULT, far above the kernel's ~200 KiB: a burst of a few
 * thousand datagrams between two loop iterations must not be dropped by the socket. As root the
 * size is forced past net.core.{r,w}mem_max (SO_RCVBUFFORCE); otherwise the kernel caps it there.
 *
 * Offloads (a later addition, designed for here): UDP_GRO lets one receive buffer hold several
 * datagrams of one sender, cut every `segment size` bytes, and UDP_SEGMENT sends several
 * equal-sized datagrams to one peer from one buffer. Both travel in control messages, which this
 * module parses and builds in exactly one place each (rx_control / tx_control in udp.c); the
 * additions are a setsockopt at open, a segment-size field in struct udp_meta, and those two
 * functions. The batch interfaces below stay as they are.
 */
#ifndef SLUICE_UDP_H
#define SLUICE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peertab.h"
#include "pktbuf.h"

/* Socket buffer size asked for when the configuration leaves it at 0. */
#define UDP_BUF_DEFAULT (4 * 1024 * 1024)

/* sndbuf/rcvbuf value meaning "leave the kernel's default alone". */
#define UDP_BUF_OS_DEFAULT (-1)

enum udp_proto {
    UDP_PROTO_UDP,  /* dual stack when possible */
    UDP_PROTO_UDP4, /* IPv4 only */
    UDP_PROTO_UDP6, /* IPv6 only */
};

struct udp_params {
    enum udp_proto proto;
    const char *local; /* numeric bind address; NULL or "" = any address. A host name in
                        * `local` is resolved by the caller (this module does no DNS lookups) */
    uint16_t port;     /* local port (lport); 0 = an ephemeral port (nobind clients) */
    int sndbuf;        /* bytes; 0 = UDP_BUF_DEFAULT; UDP_BUF_OS_DEFAULT = don't set */
    int rcvbuf;        /* the same for the receive buffer */
};

/* A local address: where a datagram arrived, or where a reply should leave from. */
struct udp_local {
    uint16_t family;  /* AF_INET, AF_INET6, or 0 = unknown / let the kernel choose */
    uint8_t ip[16];   /* AF_INET: the first 4 bytes */
    uint32_t ifindex; /* the receiving interface; used when sending only for IPv6 */
};

/* Per datagram: for a receive, who sent it and to which local address; for a send, where to. */
struct udp_meta {
    struct peertab_addr peer;
    struct udp_local local;
};

/* Socket buffer sizes as getsockopt() reported them before and after setting. */
struct udp_bufinfo {
    int rcv_before, rcv_after;
    int snd_before, snd_after;
};

struct udp_stats {
    uint64_t rx_calls, rx_packets, rx_bytes;
    uint64_t rx_truncated; /* larger than the buffer's tailroom: dropped */
    uint64_t rx_bad_addr;  /* a source address of an unexpected family or length: dropped */
    uint64_t tx_calls, tx_packets, tx_bytes;
    uint64_t tx_again;   /* sends that stopped because the socket buffer was full */
    uint64_t tx_dropped; /* datagrams refused by the kernel or with an unusable address */
    int tx_last_errno;   /* the errno of the last dropped datagram */
};

struct udp;

/*
 * Opens, configures and binds the socket (non-blocking, close-on-exec). On failure returns NULL
 * and writes a message naming the step and the reason into err (NUL-terminated when errlen > 0),
 * e.g. "cannot bind UDP socket to [AF_INET]198.18.0.1:1194: Address already in use".
 */
struct udp *udp_open(const struct udp_params *p, char *err, size_t errlen);

/* Closes the socket and frees everything; accepts NULL. */
void udp_close(struct udp *u);

/* For the event loop. */
int udp_fd(const struct udp *u);

/* AF_INET or AF_INET6: the socket's family (AF_INET6 also when dual stack). */
int udp_family(const struct udp *u);

/* True for an AF_INET6 socket that also carries IPv4. */
bool udp_dual_stack(const struct udp *u);

/* The address the socket is bound to, as getsockname() reports it (port in host order). */
const struct peertab_addr *udp_bound(const struct udp *u);

const struct udp_bufinfo *udp_buffers(const struct udp *u);

/*
 * Writes "Socket Buffers: R=[212992->8388608] S=[212992->8388608]" (as OpenVPN logs it) with its
 * NUL. Returns 0, or -1 when n is too small (out then holds "" if n > 0).
 */
int udp_buffers_format(const struct udp *u, char *out, size_t n);

const struct udp_stats *udp_stats(const struct udp *u);

/*
 * Receives up to n datagrams (at most PKTBUF_BATCH_MAX) with one recvmmsg(). Each lands in the
 * tailroom of bufs[i] (appended to its data, normally empty after pktbuf_reset) and meta[i]
 * describes it. Returns the number received, 0 when nothing is waiting, or a negative errno.
 *
 * Datagrams larger than their buffer's tailroom and datagrams with an unusable source address
 * are dropped and counted. To keep the good ones in bufs[0..count), the array is reordered: the
 * caller still holds every buffer it passed, at some index of bufs[0..n).
 */
int udp_recv_batch(struct udp *u, struct pktbuf **bufs, struct udp_meta *meta, size_t n);

/*
 * Sends the data of bufs[i] to meta[i].peer, from meta[i].local when its family is set, with as
 * few sendmmsg() calls as possible (one per PKTBUF_BATCH_MAX). Returns how many datagrams were
 * dealt with, from the start: bufs[0..ret) were sent or dropped (an address the socket cannot
 * reach, or the kernel refused that datagram: counted, errno kept in tx_last_errno); bufs[ret..n)
 * were not sent because the socket buffer is full (the caller waits for LOOP_OUT, or drops them).
 * Never fails as a whole. The buffers are not modified.
 */
size_t udp_send_batch(struct udp *u, struct pktbuf *const *bufs, const struct udp_meta *meta,
                      size_t n);

/* A udp_local with a's family and IP (port ignored, no ifindex); family 0 for other families. */
void udp_local_from_addr(struct udp_local *out, const struct peertab_addr *a);

#endif
