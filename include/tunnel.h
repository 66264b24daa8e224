/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tun side of both runtimes (src/app): the tun device with its addresses, routes and MTU set
 * over rtnetlink, the buffers packets from tun are read into, and the two batch moves of the
 * data channel (protocol-data.md §11.3 order; datapath.h does the per-packet work):
 *
 *   tun -> network  tunnel_from_tun(): one batch read from tun, sealed by dp_encrypt_batch(),
 *                   sent with one sendmmsg().
 *   network -> tun  tunnel_from_net(): a batch already received by the runtime (runtime_rx) is
 *                   opened by dp_decrypt_batch() and the IP packets written to tun; the control
 *                   packets and events are left in the returned struct dp_rx_out for the caller.
 *
 * The log lines name what openvpn 2.6.14 prints for the same steps ("TUN/TAP device tun0
 * opened", "net_addr_v4_add: 100.64.10.2/24 dev tun0", ...), so that operators' greps keep
 * working. Closing the device removes its addresses and routes with it (the kernel does).
 *
 * No allocation after tunnel_open(); buffers are reused batch after batch.
 */
#ifndef SLUICE_TUNNEL_H
#define SLUICE_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "datapath.h"
#include "runtime.h"
#include "udp.h"

struct tunnel;

/* Counters of what the tunnel itself dropped (the datapath counts its own drops). */
struct tunnel_stats {
    uint64_t tun_read_errors;
    uint64_t socket_full; /* sealed packets not sent: the socket buffer was full */
    uint64_t tun_full;    /* opened packets not written: tun refused more (EAGAIN) */
};

/*
 * Opens the tun device named by the configuration (dev, dev-type, dev-node, txqueuelen), sets
 * its MTU to mtu and brings it up. Logs openvpn's lines; on failure logs the reason and
 * returns NULL.
 */
struct tunnel *tunnel_open(const struct conf *c, unsigned mtu);
void tunnel_close(struct tunnel *t); /* NULL is fine */

int tunnel_fd(const struct tunnel *t);
const char *tunnel_name(const struct tunnel *t);
const struct tunnel_stats *tunnel_stats(const struct tunnel *t);

/*
 * IPv4 address (host byte order). subnet: remote is the netmask (topology subnet); otherwise
 * remote is the point-to-point peer (net30, p2p). 0 or -1 (logged).
 */
int tunnel_addr4(struct tunnel *t, uint32_t local, uint32_t remote, bool subnet);
int tunnel_addr6(struct tunnel *t, const uint8_t addr[16], unsigned bits);
/* Routes through the device; gw 0: on-link. metric < 0: none. 0 or -1 (logged). */
int tunnel_route4(struct tunnel *t, uint32_t net, uint32_t mask, uint32_t gw, int metric);
int tunnel_route6(struct tunnel *t, const uint8_t net[16], unsigned bits, int metric);

/*
 * The configuration's own `ifconfig` (v4) / `ifconfig-ipv6` (v6), each only when asked for
 * and configured; subnet as for tunnel_addr4(). 0 or -1 (logged).
 */
int tunnel_conf_addresses(struct tunnel *t, const struct conf_dev *d, bool v4, bool v6,
                          bool subnet);

/*
 * The configuration's `route` / `route-ipv6` entries: IPv4 via their own gateway, else vpn_gw
 * (0: on-link), with their metric, else `route-metric`. A network that is not a numeric IPv4
 * address is skipped with a warning. 0 or -1 (logged).
 */
int tunnel_conf_routes(struct tunnel *t, const struct conf_routes *r, uint32_t vpn_gw);

/*
 * tun -> network: reads up to one batch from tun, seals it (peer: the client's one peer, or NULL
 * on a server) and sends what was sealed. Returns the datapath's output (verdicts, events such
 * as DP_EV_RENEGOTIATE) and sets *nread to the number of packets read (0: tun is empty; < 0:
 * the device failed, negative errno).
 */
const struct dp_tx_out *tunnel_from_tun(struct tunnel *t, struct datapath *dp, struct dp_peer *peer,
                                        struct udp *u, uint64_t now, int *nread);

/* Reads up to one batch from tun and drops it (no connection to send it on). */
void tunnel_discard(struct tunnel *t);

/*
 * network -> tun: opens the datagrams in rx (peer as above) and writes the IP packets to tun
 * (t may be NULL before the device exists: they are then dropped). Returns the datapath's
 * output: the indices of control packets in rx, the events, the sender of each packet.
 */
const struct dp_rx_out *tunnel_from_net(struct tunnel *t, struct datapath *dp, struct dp_peer *peer,
                                        struct runtime_rx *rx, uint64_t now);

/*
 * Sends one in-band message (keepalive ping or OCC EXIT) to peer. exit: OCC EXIT, else a ping.
 * Returns DP_DROP_NONE or why it could not be built.
 */
int tunnel_send_inband(struct tunnel *t, struct datapath *dp, struct dp_peer *peer, struct udp *u,
                       uint64_t now, bool exit);

/*
 * SIGUSR2: Sluice's own counters in two log lines: packets through the data path with every
 * non-zero drop reason, and what the tun device and the UDP socket dropped (t may be NULL).
 */
void tunnel_log_counters(const struct tunnel *t, const struct datapath *dp, const struct udp *u);

/*
 * `inactive N [BYTES]`: the tunnel counts as idle when no packet crossed the tun device for N
 * seconds, or, with BYTES, when fewer than BYTES crossed it (both directions) in an N-second
 * window. Pings and other in-band messages never count. Check once a second.
 */
struct tunnel_idle {
    uint64_t period_ms, min_bytes;
    uint64_t since;                 /* start of the window / last packet seen */
    uint64_t mark_pkts, mark_bytes; /* tun counters at `since` */
};

void tunnel_idle_init(struct tunnel_idle *w, unsigned secs, uint64_t bytes, const struct dp_peer *p,
                      uint64_t now);
/* True once the limit is reached (the caller exits). */
bool tunnel_idle_expired(struct tunnel_idle *w, const struct dp_peer *p, uint64_t now);

/*
 * openvpn's line when this side starts a soft reset (verb 3, prefix may be NULL):
 * "TLS: soft reset sec=S/RENEG_SEC bytes=B/RENEG_BYTES pkts=P/RENEG_PKTS", with the traffic of
 * the send key so far (both directions) and -1 for an unset reneg-bytes, as openvpn prints it.
 */
void tunnel_log_soft_reset(const char *prefix, const struct dp_peer *p, uint64_t age_ms,
                           const struct session_params *sp);

/* The datapath parameters of a configuration (role, tun-mtu, replay, float, mssfix). */
void tunnel_dp_params(const struct conf *c, enum dp_role role, bool ipv6_transport,
                      struct dp_params *p);

/*
 * The compression framing of a configuration (compress / comp-lzo / allow-compression), or of
 * a pushed `compress` / `comp-lzo` value ("lz4-v2", "stub-v2", "lzo no", ...) with pushed
 * non-NULL. Returns 0, or -1 with a reason in why (a push the configuration does not allow).
 */
int tunnel_comp(const struct conf *c, const char *pushed, struct comp *out, char *why,
                size_t whylen);

#endif
