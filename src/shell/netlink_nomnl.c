/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netlink.h for builds without libmnl (chosen by Makefile.am): the daemon still builds and runs
 * with a tun device that something else configures (ifconfig-noexec), and every request to
 * configure it here fails with -ENOTSUP and a message that says why.
 */
#include "config.h"

#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct netlink {
    char error[NETLINK_ERROR_MAX];
};

struct netlink *netlink_open(char *err, size_t errlen)
{
    struct netlink *nl = calloc(1, sizeof(*nl));
    if (!nl && err && errlen > 0)
        snprintf(err, errlen, "netlink: cannot open socket: out of memory");
    return nl;
}

void netlink_close(struct netlink *nl)
{
    free(nl);
}

const char *netlink_error(const struct netlink *nl)
{
    return nl->error;
}

int netlink_mask_to_prefix(uint32_t mask_be)
{
    uint32_t mask = ntohl(mask_be);
    uint32_t inverted = ~mask;
    if ((inverted & (inverted + 1)) != 0)
        return -1;
    int prefix = 0;
    while (mask & 0x80000000u) {
        prefix++;
        mask <<= 1;
    }
    return prefix;
}

static int unsupported(struct netlink *nl, const char *what, const char *dev)
{
    snprintf(nl->error, sizeof(nl->error),
             "netlink: cannot %s on %s: Sluice was built without libmnl", what,
             dev ? dev : "(none)");
    return -ENOTSUP;
}

int netlink_link_set_mtu(struct netlink *nl, const char *dev, unsigned mtu)
{
    (void)mtu;
    return unsupported(nl, "set mtu", dev);
}

int netlink_link_set_txqueuelen(struct netlink *nl, const char *dev, unsigned qlen)
{
    (void)qlen;
    return unsupported(nl, "set txqueuelen", dev);
}

int netlink_link_set_up(struct netlink *nl, const char *dev, bool up)
{
    return unsupported(nl, up ? "bring link up" : "bring link down", dev);
}

int netlink_addr4(struct netlink *nl, enum netlink_op op, const char *dev, uint32_t local_be,
                  unsigned prefix, uint32_t peer_be)
{
    (void)local_be;
    (void)prefix;
    (void)peer_be;
    return unsupported(nl, op == NETLINK_ADD ? "add address" : "delete address", dev);
}

int netlink_addr6(struct netlink *nl, enum netlink_op op, const char *dev, const uint8_t addr[16],
                  unsigned prefix)
{
    (void)addr;
    (void)prefix;
    return unsupported(nl, op == NETLINK_ADD ? "add address" : "delete address", dev);
}

int netlink_route4(struct netlink *nl, enum netlink_op op, const char *dev, uint32_t dst_be,
                   unsigned prefix, uint32_t gw_be, int metric)
{
    (void)dst_be;
    (void)prefix;
    (void)gw_be;
    (void)metric;
    return unsupported(nl, op == NETLINK_ADD ? "add route" : "delete route", dev);
}

int netlink_route6(struct netlink *nl, enum netlink_op op, const char *dev, const uint8_t dst[16],
                   unsigned prefix, const uint8_t *gw, int metric)
{
    (void)dst;
    (void)prefix;
    (void)gw;
    (void)metric;
    return unsupported(nl, op == NETLINK_ADD ? "add route" : "delete route", dev);
}
