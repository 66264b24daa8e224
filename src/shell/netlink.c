/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "netlink.h"
#include "errmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

/* Requests are a few hundred bytes; replies are acknowledgements without the request (CAP_ACK). */
#define NETLINK_BUF_LEN 8192

/* A request the kernel does not answer within this time fails with EAGAIN instead of hanging. */
#define NETLINK_TIMEOUT_S 5

/* Room for the kernel's extended-ack explanation (e.g. "Nexthop has invalid gateway"). */
#define NETLINK_KMSG_MAX 200

struct netlink {
    struct mnl_socket *sock;
    unsigned portid;
    uint32_t seq;
    char error[NETLINK_ERROR_MAX];
    char kernel_msg[NETLINK_KMSG_MAX]; /* the extended ack text of the last error */
    union {
        uint8_t bytes[NETLINK_BUF_LEN];
        struct nlmsghdr align;
    } buf;
};

/* What is being done, for the error message: "add route 100.64.20.0/24 via ... dev tun0". */
struct netlink_what {
    char text[160];
};

static void what_printf(struct netlink_what *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void what_printf(struct netlink_what *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof(w->text), fmt, ap);
    va_end(ap);
}

/* Records the failure of `what` and returns -err. */
static int fail(struct netlink *nl, const struct netlink_what *w, int err)
{
    if (nl->kernel_msg[0])
        snprintf(nl->error, sizeof(nl->error), "netlink: cannot %s: %s (%s)", w->text,
                 strerror(err), nl->kernel_msg);
    else
        snprintf(nl->error, sizeof(nl->error), "netlink: cannot %s: %s", w->text, strerror(err));
    return -err;
}

struct netlink *netlink_open(char *err, size_t errlen)
{
    errmsg_set(err, errlen, "%s", "");
    struct netlink *nl = calloc(1, sizeof(*nl));
    if (!nl) {
        errmsg_set(err, errlen, "netlink: cannot open socket: %s", strerror(ENOMEM));
        return NULL;
    }
    nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        errmsg_set(err, errlen, "netlink: cannot open socket: %s", strerror(errno));
        netlink_close(nl);
        return NULL;
    }
    /* Both are optional (old kernels): they only make errors shorter and better explained. */
    int one = 1;
    (void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
    (void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
    struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
    (void)setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    nl->portid = mnl_socket_get_portid(nl->sock);
    return nl;
}

void netlink_close(struct netlink *nl)
{
    if (!nl)
        return;
    if (nl->sock)
        mnl_socket_close(nl->sock);
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
    /* Contiguous means the host part is 2^k - 1. */
    if ((inverted & (inverted + 1)) != 0)
        return -1;
    int prefix = 0;
    while (mask & 0x80000000u) {
        prefix++;
        mask <<= 1;
    }
    return prefix;
}

/* ---- one request, one acknowledgement ---- */

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
    char *msg = data;
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
        snprintf(msg, NETLINK_KMSG_MAX, "%s", mnl_attr_get_str(attr));
    return MNL_CB_OK;
}

/* The errno of an NLMSG_ERROR message (0 = acknowledged), keeping any extended-ack text. */
static int parse_error(struct netlink *nl, const struct nlmsghdr *nlh)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
        return EPROTO;
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    if (e->error != 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
        unsigned offset = sizeof(*e);
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
            offset += e->msg.nlmsg_len - (unsigned)sizeof(struct nlmsghdr);
        if (mnl_nlmsg_size(offset) <= nlh->nlmsg_len)
            (void)mnl_attr_parse(nlh, offset, ack_attr_cb, nl->kernel_msg);
    }
    return e->error < 0 ? -e->error : e->error;
}

/*
 * Scans one datagram of replies for the acknowledgement of request `seq`. Returns 1 when found
 * (*err its errno, 0 = success), 0 when the datagram held none.
 */
static int find_ack(struct netlink *nl, size_t len, uint32_t seq, int *err)
{
    const struct nlmsghdr *nlh = &nl->buf.align;
    int left = (int)len;
    for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        if (!mnl_nlmsg_seq_ok(nlh, seq) || !mnl_nlmsg_portid_ok(nlh, nl->portid))
            continue;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            *err = parse_error(nl, nlh);
            return 1;
        }
    }
    return 0;
}

/* Sends the request built in nl->buf and waits for its acknowledgement. Returns an errno. */
static int transact(struct netlink *nl)
{
    struct nlmsghdr *nlh = &nl->buf.align;
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    uint32_t seq = ++nl->seq;
    nlh->nlmsg_seq = seq;
    nl->kernel_msg[0] = '\0';
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf.bytes, sizeof(nl->buf.bytes));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        int err = 0;
        if (find_ack(nl, (size_t)n, seq, &err))
            return err;
    }
}

static struct nlmsghdr *start(struct netlink *nl, uint16_t type, uint16_t flags)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf.bytes);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    return nlh;
}

/* if_nametoindex into *index; returns 0 or a recorded failure. */
static int dev_index(struct netlink *nl, const char *dev, const struct netlink_what *w,
                     unsigned *index)
{
    *index = dev ? if_nametoindex(dev) : 0;
    if (*index != 0)
        return 0;
    int err = dev ? errno : EINVAL;
    nl->kernel_msg[0] = '\0';
    return fail(nl, w, err);
}

/* Runs the request and turns its result into 0 or a recorded failure. */
static int run(struct netlink *nl, const struct netlink_what *w)
{
    int err = transact(nl);
    if (err != 0)
        return fail(nl, w, err);
    nl->error[0] = '\0';
    return 0;
}

/* ---- links ---- */

static struct nlmsghdr *start_link(struct netlink *nl, unsigned index)
{
    struct nlmsghdr *nlh = start(nl, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int)index;
    return nlh;
}

static int link_set_u32(struct netlink *nl, const char *dev, uint16_t attr, uint32_t value,
                        const struct netlink_what *w)
{
    unsigned index;
    int rc = dev_index(nl, dev, w, &index);
    if (rc != 0)
        return rc;
    struct nlmsghdr *nlh = start_link(nl, index);
    mnl_attr_put_u32(nlh, attr, value);
    return run(nl, w);
}

int netlink_link_set_mtu(struct netlink *nl, const char *dev, unsigned mtu)
{
    struct netlink_what w;
    what_printf(&w, "set mtu %u on %s", mtu, dev ? dev : "(none)");
    return link_set_u32(nl, dev, IFLA_MTU, mtu, &w);
}

int netlink_link_set_txqueuelen(struct netlink *nl, const char *dev, unsigned qlen)
{
    struct netlink_what w;
    what_printf(&w, "set txqueuelen %u on %s", qlen, dev ? dev : "(none)");
    return link_set_u32(nl, dev, IFLA_TXQLEN, qlen, &w);
}

int netlink_link_set_up(struct netlink *nl, const char *dev, bool up)
{
    struct netlink_what w;
    what_printf(&w, "bring %s %s", dev ? dev : "(none)", up ? "up" : "down");
    unsigned index;
    int rc = dev_index(nl, dev, &w, &index);
    if (rc != 0)
        return rc;
    struct nlmsghdr *nlh = start_link(nl, index);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    return run(nl, &w);
}

/* ---- addresses ---- */

static const char *op_text(enum netlink_op op)
{
    return op == NETLINK_ADD ? "add" : "delete";
}

static const char *dev_text(const char *dev)
{
    return dev ? dev : "(none)";
}

static void ip4_text(uint32_t be, char out[INET_ADDRSTRLEN])
{
    if (!inet_ntop(AF_INET, &be, out, INET_ADDRSTRLEN))
        snprintf(out, INET_ADDRSTRLEN, "?");
}

static void ip6_text(const uint8_t *a, char out[INET6_ADDRSTRLEN])
{
    if (!a || !inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN))
        snprintf(out, INET6_ADDRSTRLEN, "?");
}

static struct nlmsghdr *start_addr(struct netlink *nl, enum netlink_op op, uint8_t family,
                                   unsigned prefix, unsigned index)
{
    uint16_t flags = op == NETLINK_ADD ? NLM_F_CREATE | NLM_F_EXCL : 0;
    struct nlmsghdr *nlh = start(nl, op == NETLINK_ADD ? RTM_NEWADDR : RTM_DELADDR, flags);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = family;
    ifa->ifa_prefixlen = (uint8_t)prefix;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = index;
    return nlh;
}

static void addr4_what(struct netlink_what *w, enum netlink_op op, const char *dev,
                       uint32_t local_be, unsigned prefix, uint32_t peer_be)
{
    char l[INET_ADDRSTRLEN], p[INET_ADDRSTRLEN];
    ip4_text(local_be, l);
    ip4_text(peer_be, p);
    if (peer_be)
        what_printf(w, "%s address %s peer %s/%u dev %s", op_text(op), l, p, prefix, dev_text(dev));
    else
        what_printf(w, "%s address %s/%u dev %s", op_text(op), l, prefix, dev_text(dev));
}

int netlink_addr4(struct netlink *nl, enum netlink_op op, const char *dev, uint32_t local_be,
                  unsigned prefix, uint32_t peer_be)
{
    struct netlink_what w;
    addr4_what(&w, op, dev, local_be, prefix, peer_be);
    nl->kernel_msg[0] = '\0';
    if (prefix > 32)
        return fail(nl, &w, EINVAL);
    unsigned index;
    int rc = dev_index(nl, dev, &w, &index);
    if (rc != 0)
        return rc;
    struct nlmsghdr *nlh = start_addr(nl, op, AF_INET, prefix, index);
    mnl_attr_put(nlh, IFA_LOCAL, sizeof(local_be), &local_be);
    mnl_attr_put(nlh, IFA_ADDRESS, sizeof(peer_be), peer_be ? &peer_be : &local_be);
    /* As OpenVPN's `ip addr add ... broadcast`: the subnet's last address, when there is one. */
    if (!peer_be && prefix <= 30 && op == NETLINK_ADD) {
        uint32_t host = prefix == 0 ? 0xFFFFFFFFu : (0xFFFFFFFFu >> prefix);
        uint32_t brd = local_be | htonl(host);
        mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
    }
    return run(nl, &w);
}

int netlink_addr6(struct netlink *nl, enum netlink_op op, const char *dev, const uint8_t addr[16],
                  unsigned prefix)
{
    struct netlink_what w;
    char a[INET6_ADDRSTRLEN];
    ip6_text(addr, a);
    what_printf(&w, "%s address %s/%u dev %s", op_text(op), a, prefix, dev_text(dev));
    nl->kernel_msg[0] = '\0';
    if (prefix > 128 || !addr)
        return fail(nl, &w, EINVAL);
    unsigned index;
    int rc = dev_index(nl, dev, &w, &index);
    if (rc != 0)
        return rc;
    struct nlmsghdr *nlh = start_addr(nl, op, AF_INET6, prefix, index);
    mnl_attr_put(nlh, IFA_LOCAL, 16, addr);
    mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
    return run(nl, &w);
}

/* ---- routes ---- */

/* Scope as `ip route` chooses it: on-link IPv4 routes are link scope; deletes match any. */
static struct nlmsghdr *start_route(struct netlink *nl, enum netlink_op op, uint8_t family,
                                    unsigned prefix, bool via_gateway)
{
    bool add = op == NETLINK_ADD;
    struct nlmsghdr *nlh =
        start(nl, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = family;
    rtm->rtm_dst_len = (uint8_t)prefix;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = add ? RTPROT_BOOT : RTPROT_UNSPEC;
    rtm->rtm_type = add ? RTN_UNICAST : RTN_UNSPEC;
    if (family == AF_INET6)
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    else if (!add)
        rtm->rtm_scope = RT_SCOPE_NOWHERE;
    else
        rtm->rtm_scope = via_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    return nlh;
}

static void route_what(struct netlink_what *w, enum netlink_op op, const char *dst, unsigned prefix,
                       const char *gw, const char *dev, int metric)
{
    char via[INET6_ADDRSTRLEN + 8] = "", met[24] = "";
    if (gw)
        snprintf(via, sizeof(via), " via %s", gw);
    if (metric >= 0)
        snprintf(met, sizeof(met), " metric %d", metric);
    what_printf(w, "%s route %s/%u%s dev %s%s", op_text(op), dst, prefix, via, dev_text(dev), met);
}

static void put_route_tail(struct nlmsghdr *nlh, unsigned index, int metric)
{
    mnl_attr_put_u32(nlh, RTA_OIF, index);
    if (metric >= 0)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, (uint32_t)metric);
}

int netlink_route4(struct netlink *nl, enum netlink_op op, const char *dev, uint32_t dst_be,
                   unsigned prefix, uint32_t gw_be, int metric)
{
    struct netlink_what w;
    char d[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
    ip4_text(dst_be, d);
    ip4_text(gw_be, g);
    route_what(&w, op, d, prefix, gw_be ? g : NULL, dev, metric);
    nl->kernel_msg[0] = '\0';
    if (prefix > 32 || metric < NETLINK_METRIC_NONE)
        return fail(nl, &w, EINVAL);
    unsigned index;
    int rc = dev_index(nl, dev, &w, &index);
    if (rc != 0)
        return rc;
    struct nlmsghdr *nlh = start_route(nl, op, AF_INET, prefix, gw_be != 0);
    if (prefix > 0)
        mnl_attr_put(nlh, RTA_DST, sizeof(dst_be), &dst_be);
    if (gw_be)
        mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw_be), &gw_be);
    put_route_tail(nlh, index, metric);
    return run(nl, &w);
}

static bool all_zero(const uint8_t *a)
{
    static const uint8_t zero[16];
    return !a || memcmp(a, zero, sizeof(zero)) == 0;
}

int netlink_route6(struct netlink *nl, enum netlink_op op, const char *dev, const uint8_t dst[16],
                   unsigned prefix, const uint8_t *gw, int metric)
{
    struct netlink_what w;
    char d[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
    bool via = !all_zero(gw);
    ip6_text(dst, d);
    ip6_text(gw, g);
    route_what(&w, op, d, prefix, via ? g : NULL, dev, metric);
    nl->kernel_msg[0] = '\0';
    if (prefix > 128 || !dst || metric < NETLINK_METRIC_NONE)
        return fail(nl, &w, EINVAL);
    unsigned index;
    int rc = dev_index(nl, dev, &w, &index);
    if (rc != 0)
        return rc;
    struct nlmsghdr *nlh = start_route(nl, op, AF_INET6, prefix, via);
    if (prefix > 0)
        mnl_attr_put(nlh, RTA_DST, 16, dst);
    if (via)
        mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
    put_route_tail(nlh, index, metric);
    return run(nl, &w);
}
