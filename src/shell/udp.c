/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "udp.h"
#include "errmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Room for the control messages of one datagram: on a dual-stack socket an IPv4 datagram comes
 * with both IP_PKTINFO and IPV6_PKTINFO. The extra int is for the UDP_GRO segment size.
 */
#define UDP_CONTROL_LEN                                                                            \
    (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +              \
     CMSG_SPACE(sizeof(int)))

union udp_control {
    char buf[UDP_CONTROL_LEN];
    struct cmsghdr align;
};

struct udp {
    int fd;
    int family;
    bool dual_stack;
    struct peertab_addr bound;
    struct udp_bufinfo bufs;
    struct udp_stats stats;
    /* Scratch for one system call, allocated with the socket so that batches never allocate. */
    struct mmsghdr msgs[PKTBUF_BATCH_MAX];
    struct iovec iov[PKTBUF_BATCH_MAX];
    struct sockaddr_storage names[PKTBUF_BATCH_MAX];
    union udp_control control[PKTBUF_BATCH_MAX];
};

/* ---- addresses ---- */

static void v4mapped_to_v4(struct peertab_addr *a)
{
    static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (a->family != AF_INET6 || memcmp(a->ip, prefix, sizeof(prefix)) != 0)
        return;
    uint8_t v4[4];
    memcpy(v4, a->ip + 12, sizeof(v4));
    memset(a->ip, 0, sizeof(a->ip));
    memcpy(a->ip, v4, sizeof(v4));
    a->family = AF_INET;
}

/* The sockaddr to send to through this socket; 0 when the socket cannot reach that family. */
static socklen_t dest_sockaddr(const struct udp *u, const struct peertab_addr *a,
                               struct sockaddr_storage *out)
{
    if (a->family == AF_INET && u->family == AF_INET6) {
        if (!u->dual_stack)
            return 0;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        memset(sin6, 0, sizeof(*sin6));
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(a->port);
        sin6->sin6_addr.s6_addr[10] = 0xff;
        sin6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&sin6->sin6_addr.s6_addr[12], a->ip, 4);
        return sizeof(*sin6);
    }
    if (a->family != u->family)
        return 0;
    return (socklen_t)peertab_addr_to_sockaddr(a, out);
}

void udp_local_from_addr(struct udp_local *out, const struct peertab_addr *a)
{
    memset(out, 0, sizeof(*out));
    if (a->family != AF_INET && a->family != AF_INET6)
        return;
    out->family = a->family;
    memcpy(out->ip, a->ip, sizeof(out->ip));
}

/* ---- opening ---- */

/* `proto udp` bound to the IPv6 wildcard (no `local`, or `local ::`) serves IPv4 as well. */
static bool wants_dual_stack(const struct udp_params *p, const struct sockaddr_storage *ss)
{
    if (p->proto != UDP_PROTO_UDP || ss->ss_family != AF_INET6)
        return false;
    return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* The address to bind to; for `udp` without `local`, the dual-stack wildcard. */
static int bind_address(const struct udp_params *p, struct sockaddr_storage *ss, socklen_t *len,
                        char *err, size_t errlen)
{
    memset(ss, 0, sizeof(*ss));
    if (!p->local || !p->local[0]) {
        int family = p->proto == UDP_PROTO_UDP4 ? AF_INET : AF_INET6;
        ss->ss_family = (sa_family_t)family;
        *len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        return 0;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
    hints.ai_family = p->proto == UDP_PROTO_UDP4   ? AF_INET
                      : p->proto == UDP_PROTO_UDP6 ? AF_INET6
                                                   : AF_UNSPEC;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(p->local, NULL, &hints, &res);
    if (rc != 0 || !res || res->ai_addrlen > sizeof(*ss)) {
        /* EAI_NONAME: not numeric; EAI_ADDRFAMILY: numeric, but of the other family. */
        bool wrong = rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_FAMILY;
        errmsg_set(err, errlen, "bad local address '%s': %s", p->local,
                   wrong     ? "not a numeric IPv4/IPv6 address of the socket's family"
                   : rc != 0 ? gai_strerror(rc)
                             : "no address");
        if (res)
            freeaddrinfo(res);
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static int get_int_opt(int fd, int name)
{
    int v = 0;
    socklen_t len = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, name, &v, &len) != 0)
        return -1;
    return v;
}

/* As root the FORCE variant passes net.core.*mem_max; without the privilege it fails (EPERM). */
static void set_buffer(int fd, int force_name, int name, int want)
{
    if (want == UDP_BUF_OS_DEFAULT)
        return;
    int v = want > 0 ? want : UDP_BUF_DEFAULT;
    if (setsockopt(fd, SOL_SOCKET, force_name, &v, sizeof(v)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v));
}

static void set_buffers(struct udp *u, const struct udp_params *p)
{
    u->bufs.rcv_before = get_int_opt(u->fd, SO_RCVBUF);
    u->bufs.snd_before = get_int_opt(u->fd, SO_SNDBUF);
    set_buffer(u->fd, SO_RCVBUFFORCE, SO_RCVBUF, p->rcvbuf);
    set_buffer(u->fd, SO_SNDBUFFORCE, SO_SNDBUF, p->sndbuf);
    u->bufs.rcv_after = get_int_opt(u->fd, SO_RCVBUF);
    u->bufs.snd_after = get_int_opt(u->fd, SO_SNDBUF);
}

static int set_opt(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof(value));
}

/* Family options: dual stack or not, and the local address of each received datagram. */
static int set_family_opts(struct udp *u, char *err, size_t errlen)
{
    if (u->family == AF_INET) {
        if (set_opt(u->fd, IPPROTO_IP, IP_PKTINFO, 1) != 0)
            goto fail;
        return 0;
    }
    if (set_opt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, u->dual_stack ? 0 : 1) != 0 ||
        set_opt(u->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) != 0)
        goto fail;
    return 0;
fail:
    errmsg_set(err, errlen, "cannot set UDP socket options: %s", strerror(errno));
    return -1;
}

/* Returns 0 or a negative errno, with the message in err. */
static int open_socket(struct udp *u, int family, char *err, size_t errlen)
{
    u->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (u->fd < 0) {
        int saved = errno;
        errmsg_set(err, errlen, "cannot create UDP socket: %s", strerror(saved));
        return -saved;
    }
    u->family = family;
    return 0;
}

static int bind_socket(struct udp *u, struct sockaddr_storage *ss, socklen_t len, char *err,
                       size_t errlen)
{
    if (bind(u->fd, (struct sockaddr *)ss, len) == 0) {
        struct sockaddr_storage got;
        socklen_t glen = sizeof(got);
        if (getsockname(u->fd, (struct sockaddr *)&got, &glen) == 0 &&
            peertab_addr_from_sockaddr(&u->bound, (struct sockaddr *)&got, glen) == 0)
            return 0;
    }
    int saved = errno;
    struct peertab_addr a;
    char text[80] = "?";
    if (peertab_addr_from_sockaddr(&a, (struct sockaddr *)ss, len) == 0)
        (void)peertab_addr_format(&a, text, sizeof(text));
    errmsg_set(err, errlen, "cannot bind UDP socket to %s: %s", text, strerror(saved));
    return -1;
}

static int open_and_bind(struct udp *u, const struct udp_params *p, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    if (bind_address(p, &ss, &len, err, errlen) != 0)
        return -1;
    set_port(&ss, p->port);
    u->dual_stack = wants_dual_stack(p, &ss);
    int rc = open_socket(u, ss.ss_family, err, errlen);
    /* A kernel without IPv6: the dual-stack wildcard becomes the IPv4 one. */
    if (rc == -EAFNOSUPPORT && u->dual_stack) {
        u->dual_stack = false;
        memset(&ss, 0, sizeof(ss));
        ss.ss_family = AF_INET;
        len = sizeof(struct sockaddr_in);
        set_port(&ss, p->port);
        rc = open_socket(u, AF_INET, err, errlen);
    }
    if (rc != 0 || set_family_opts(u, err, errlen) != 0)
        return -1;
    set_buffers(u, p);
    return bind_socket(u, &ss, len, err, errlen);
}

struct udp *udp_open(const struct udp_params *p, char *err, size_t errlen)
{
    errmsg_set(err, errlen, "%s", "");
    struct udp *u = calloc(1, sizeof(*u));
    if (!u) {
        errmsg_set(err, errlen, "cannot create UDP socket: %s", strerror(ENOMEM));
        return NULL;
    }
    u->fd = -1;
    if (open_and_bind(u, p, err, errlen) != 0) {
        udp_close(u);
        return NULL;
    }
    return u;
}

void udp_close(struct udp *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    free(u);
}

int udp_fd(const struct udp *u)
{
    return u->fd;
}

int udp_family(const struct udp *u)
{
    return u->family;
}

bool udp_dual_stack(const struct udp *u)
{
    return u->dual_stack;
}

const struct peertab_addr *udp_bound(const struct udp *u)
{
    return &u->bound;
}

const struct udp_bufinfo *udp_buffers(const struct udp *u)
{
    return &u->bufs;
}

int udp_buffers_format(const struct udp *u, char *out, size_t n)
{
    if (!out || n == 0)
        return -1;
    int len = snprintf(out, n, "Socket Buffers: R=[%d->%d] S=[%d->%d]", u->bufs.rcv_before,
                       u->bufs.rcv_after, u->bufs.snd_before, u->bufs.snd_after);
    if (len < 0 || (size_t)len >= n) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

const struct udp_stats *udp_stats(const struct udp *u)
{
    return &u->stats;
}

/* ---- receiving ---- */

static void local_from_pktinfo4(struct udp_local *l, const struct in_pktinfo *pi)
{
    memset(l, 0, sizeof(*l));
    l->family = AF_INET;
    memcpy(l->ip, &pi->ipi_spec_dst, 4);
    l->ifindex = (uint32_t)pi->ipi_ifindex;
}

static void local_from_pktinfo6(struct udp_local *l, const struct in6_pktinfo *pi)
{
    struct peertab_addr a = { .family = AF_INET6 };
    memcpy(a.ip, &pi->ipi6_addr, 16);
    v4mapped_to_v4(&a);
    udp_local_from_addr(l, &a);
    l->ifindex = pi->ipi6_ifindex;
}

/*
 * The one place that reads a received datagram's control messages. IP_PKTINFO wins over a
 * v4-mapped IPV6_PKTINFO: its ipi_spec_dst is the local address even for a broadcast.
 */
static void rx_control(struct msghdr *mh, struct udp_local *local)
{
    bool have4 = false;
    memset(local, 0, sizeof(*local));
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            local_from_pktinfo4(local, &pi);
            have4 = true;
        } else if (!have4 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            local_from_pktinfo6(local, &pi);
        }
    }
}

static void prepare_rx(struct udp *u, struct pktbuf *p, size_t i)
{
    struct msghdr *mh = &u->msgs[i].msg_hdr;
    u->iov[i].iov_base = pktbuf_data(p) + pktbuf_len(p);
    u->iov[i].iov_len = pktbuf_tailroom(p);
    memset(mh, 0, sizeof(*mh));
    mh->msg_name = &u->names[i];
    mh->msg_namelen = sizeof(u->names[i]);
    mh->msg_iov = &u->iov[i];
    mh->msg_iovlen = 1;
    mh->msg_control = u->control[i].buf;
    mh->msg_controllen = sizeof(u->control[i].buf);
    u->msgs[i].msg_len = 0;
}

/* Fills meta from message i; false when the datagram must be dropped. */
static bool accept_rx(struct udp *u, size_t i, struct pktbuf *p, struct udp_meta *meta)
{
    struct msghdr *mh = &u->msgs[i].msg_hdr;
    size_t len = u->msgs[i].msg_len;
    if ((mh->msg_flags & MSG_TRUNC) || len > pktbuf_tailroom(p)) {
        u->stats.rx_truncated++;
        return false;
    }
    if (peertab_addr_from_sockaddr(&meta->peer, (struct sockaddr *)&u->names[i], mh->msg_namelen) !=
        0) {
        u->stats.rx_bad_addr++;
        return false;
    }
    v4mapped_to_v4(&meta->peer);
    rx_control(mh, &meta->local);
    (void)pktbuf_set_len(p, pktbuf_len(p) + len);
    u->stats.rx_packets++;
    u->stats.rx_bytes += len;
    return true;
}

int udp_recv_batch(struct udp *u, struct pktbuf **bufs, struct udp_meta *meta, size_t n)
{
    if (n > PKTBUF_BATCH_MAX)
        n = PKTBUF_BATCH_MAX;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        prepare_rx(u, bufs[i], i);
    int got;
    do {
        got = recvmmsg(u->fd, u->msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    } while (got < 0 && errno == EINTR);
    u->stats.rx_calls++;
    if (got < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    size_t kept = 0;
    for (size_t i = 0; i < (size_t)got; i++) {
        struct pktbuf *p = bufs[i];
        if (!accept_rx(u, i, p, &meta[kept]))
            continue;
        /* Swap, so the dropped buffers end up behind the kept ones and none is lost. */
        bufs[i] = bufs[kept];
        bufs[kept++] = p;
    }
    return (int)kept;
}

/* ---- sending ---- */

/* The one place that builds a datagram's control messages: the source address, if chosen. */
static size_t tx_control(const struct udp *u, const struct udp_local *l, union udp_control *c)
{
    memset(c, 0, sizeof(*c));
    struct cmsghdr *h = &c->align;
    if (l->family == AF_INET) {
        struct in_pktinfo pi = { .ipi_ifindex = 0 };
        memcpy(&pi.ipi_spec_dst, l->ip, 4);
        h->cmsg_level = IPPROTO_IP;
        h->cmsg_type = IP_PKTINFO;
        h->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(h), &pi, sizeof(pi));
        return CMSG_SPACE(sizeof(pi));
    }
    if (l->family == AF_INET6 && u->family == AF_INET6) {
        struct in6_pktinfo pi = { .ipi6_ifindex = l->ifindex };
        memcpy(&pi.ipi6_addr, l->ip, 16);
        h->cmsg_level = IPPROTO_IPV6;
        h->cmsg_type = IPV6_PKTINFO;
        h->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(h), &pi, sizeof(pi));
        return CMSG_SPACE(sizeof(pi));
    }
    return 0;
}

/* Builds message j for buffer p; false when its address cannot be sent to from this socket. */
static bool prepare_tx(struct udp *u, size_t j, const struct pktbuf *p, const struct udp_meta *m)
{
    struct msghdr *mh = &u->msgs[j].msg_hdr;
    memset(mh, 0, sizeof(*mh));
    socklen_t nlen = dest_sockaddr(u, &m->peer, &u->names[j]);
    if (nlen == 0)
        return false;
    u->iov[j].iov_base = pktbuf_data(p);
    u->iov[j].iov_len = pktbuf_len(p);
    mh->msg_name = &u->names[j];
    mh->msg_namelen = nlen;
    mh->msg_iov = &u->iov[j];
    mh->msg_iovlen = 1;
    size_t clen = tx_control(u, &m->local, &u->control[j]);
    if (clen > 0) {
        mh->msg_control = u->control[j].buf;
        mh->msg_controllen = clen;
    }
    return true;
}

static void count_drop(struct udp *u, int err)
{
    u->stats.tx_dropped++;
    u->stats.tx_last_errno = err;
}

/*
 * One sendmmsg() for the datagrams from `from` on (at most a batch). Returns how many it dealt
 * with; 0 means the socket buffer is full.
 */
static size_t send_some(struct udp *u, struct pktbuf *const *bufs, const struct udp_meta *meta,
                        size_t from, size_t n)
{
    size_t count = n - from < PKTBUF_BATCH_MAX ? n - from : PKTBUF_BATCH_MAX;
    for (size_t j = 0; j < count; j++) {
        if (!prepare_tx(u, j, bufs[from + j], &meta[from + j])) {
            if (j == 0) {
                count_drop(u, EAFNOSUPPORT);
                return 1;
            }
            count = j; /* send what precedes it; the next call drops it */
            break;
        }
    }
    int sent;
    do {
        sent = sendmmsg(u->fd, u->msgs, (unsigned)count, MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    u->stats.tx_calls++;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        u->stats.tx_again++;
        return 0;
    }
    if (sent < 0) {
        /* The first datagram was refused (too big, no route, firewall): drop it alone. */
        count_drop(u, errno);
        return 1;
    }
    for (int j = 0; j < sent; j++) {
        u->stats.tx_packets++;
        u->stats.tx_bytes += u->msgs[j].msg_len;
    }
    return (size_t)sent;
}

size_t udp_send_batch(struct udp *u, struct pktbuf *const *bufs, const struct udp_meta *meta,
                      size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t step = send_some(u, bufs, meta, done, n);
        if (step == 0)
            break;
        done += step;
    }
    return done;
}
