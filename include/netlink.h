/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface configuration over rtnetlink (NETLINK_ROUTE, through libmnl): what OpenVPN runs
 * `ip link/addr/route` for (ops-interfaces.md: tun-mtu, txqueuelen, ifconfig, ifconfig-ipv6,
 * route, route-ipv6). Sluice never starts an external program for it.
 *
 * Each call sends one request and waits for the kernel's acknowledgement (a blocking round trip
 * of microseconds, made at start-up, on connect and at shutdown, never per packet). It returns
 * 0 or a negative errno; on failure netlink_error() holds a message naming the operation, e.g.
 *   netlink: cannot add route 100.64.20.0/24 via 100.64.10.1 dev tun0: File exists
 * followed by the kernel's own explanation in parentheses when it gave one.
 *
 * Devices are named (the kernel's ifindex is looked up for each call). Addresses are in network
 * byte order: IPv4 as 4 bytes in a uint32_t as inet_pton() writes them, IPv6 as 16 bytes.
 *
 * Topologies (protocol-data.md section 10): with `topology subnet`, `ifconfig 100.64.10.1
 * 255.255.255.0` becomes address 100.64.10.1/24 (netlink_mask_to_prefix), peer 0; with net30 and
 * p2p, `ifconfig 100.64.10.1 100.64.10.2` becomes local 100.64.10.1 with peer 100.64.10.2 and
 * prefix 32, a point-to-point address as `ip addr add ... peer ...` makes.
 *
 * Built without libmnl, every operation fails with -ENOTSUP and says so.
 */
#ifndef SLUICE_NETLINK_H
#define SLUICE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest message netlink_error() returns, with its NUL. */
#define NETLINK_ERROR_MAX 512

/* Route metric meaning "none given" (the kernel then uses 0 for IPv4, 1024 for IPv6). */
#define NETLINK_METRIC_NONE (-1)

enum netlink_op {
    NETLINK_ADD,
    NETLINK_DEL,
};

struct netlink;

/*
 * Opens a NETLINK_ROUTE socket in the current network namespace. Returns NULL on failure with a
 * message in err (NUL-terminated when errlen > 0).
 */
struct netlink *netlink_open(char *err, size_t errlen);

/* Accepts NULL. */
void netlink_close(struct netlink *nl);

/* The message of the last failed call ("" before any failure). Valid until the next call. */
const char *netlink_error(const struct netlink *nl);

/*
 * The prefix length of a contiguous IPv4 netmask (network byte order): 255.255.255.0 -> 24,
 * 0.0.0.0 -> 0. Returns -1 for a mask with holes (255.0.255.0).
 */
int netlink_mask_to_prefix(uint32_t mask_be);

/* Link settings. mtu: 68 .. 65535 as the kernel allows for the device. */
__attribute__((warn_unused_result)) int netlink_link_set_mtu(struct netlink *nl, const char *dev,
                                                             unsigned mtu);
__attribute__((warn_unused_result)) int netlink_link_set_txqueuelen(struct netlink *nl,
                                                                    const char *dev, unsigned qlen);
__attribute__((warn_unused_result)) int netlink_link_set_up(struct netlink *nl, const char *dev,
                                                            bool up);

/*
 * Adds or removes the IPv4 address local/prefix on dev. peer_be 0: a plain address (with the
 * subnet's broadcast for prefixes up to 30); otherwise a point-to-point address with that peer.
 * prefix: 0..32.
 */
__attribute__((warn_unused_result)) int netlink_addr4(struct netlink *nl, enum netlink_op op,
                                                      const char *dev, uint32_t local_be,
                                                      unsigned prefix, uint32_t peer_be);

/* Adds or removes the IPv6 address addr/prefix on dev. prefix: 0..128. */
__attribute__((warn_unused_result)) int netlink_addr6(struct netlink *nl, enum netlink_op op,
                                                      const char *dev, const uint8_t addr[16],
                                                      unsigned prefix);

/*
 * Adds or removes a route to dst/prefix in the main table: through dev, via gateway gw_be
 * (0: directly on dev's link), with metric (NETLINK_METRIC_NONE: none). dst bits beyond the
 * prefix must be zero (the kernel refuses them otherwise). Adding an existing route fails with
 * -EEXIST; it is not replaced.
 */
__attribute__((warn_unused_result)) int netlink_route4(struct netlink *nl, enum netlink_op op,
                                                       const char *dev, uint32_t dst_be,
                                                       unsigned prefix, uint32_t gw_be, int metric);

/* The same for IPv6; gw NULL or all-zero: directly on dev's link. */
__attribute__((warn_unused_result)) int netlink_route6(struct netlink *nl, enum netlink_op op,
                                                       const char *dev, const uint8_t dst[16],
                                                       unsigned prefix, const uint8_t *gw,
                                                       int metric);

#endif
