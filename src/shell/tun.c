/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "tun.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

_Static_assert(TUN_NAME_MAX == IFNAMSIZ, "TUN_NAME_MAX is IFNAMSIZ");

#define TUN_DEFAULT_NODE "/dev/net/tun"

struct tun {
    int fd;
    unsigned ifindex;
    char name[TUN_NAME_MAX];
    struct tun_stats stats;
};

/*
 * The name to ask TUNSETIFF for: "tun" alone becomes the template "tun%d", for which the kernel
 * picks the next free number. Checks that the device is a tun device and that the name fits.
 */
static int request_name(const struct tun_params *p, char out[TUN_NAME_MAX], char *err,
                        size_t errlen)
{
    const char *dev = p->dev;
    if (!dev || !dev[0]) {
        errmsg_set(err, errlen, "%s", "no tun device name given (dev)");
        return -1;
    }
    if (p->dev_type && strcmp(p->dev_type, "tun") != 0) {
        errmsg_set(err, errlen, "dev-type '%s' is not supported: only tun devices are",
                   p->dev_type);
        return -1;
    }
    if (!p->dev_type && strncmp(dev, "tun", 3) != 0) {
        errmsg_set(err, errlen, "dev '%s': use dev-type tun (only tun devices are supported)", dev);
        return -1;
    }
    const char *name = strcmp(dev, "tun") == 0 ? "tun%d" : dev;
    if (strlen(name) >= TUN_NAME_MAX) {
        errmsg_set(err, errlen, "tun device name '%s' is longer than %d characters", dev,
                   TUN_NAME_MAX - 1);
        return -1;
    }
    snprintf(out, TUN_NAME_MAX, "%s", name);
    return 0;
}

static int attach(struct tun *t, const struct tun_params *p, const char *name, char *err,
                  size_t errlen)
{
    const char *node = p->dev_node ? p->dev_node : TUN_DEFAULT_NODE;
    t->fd = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t->fd < 0) {
        errmsg_set(err, errlen, "cannot open %s: %s", node, strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(t->fd, TUNSETIFF, &ifr) != 0) {
        errmsg_set(err, errlen, "cannot open tun device '%s': %s", p->dev, strerror(errno));
        return -1;
    }
    snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
    t->ifindex = if_nametoindex(t->name);
    if (t->ifindex == 0) {
        errmsg_set(err, errlen, "tun device '%s' has no interface index: %s", t->name,
                   strerror(errno));
        return -1;
    }
    return 0;
}

struct tun *tun_open(const struct tun_params *p, char *err, size_t errlen)
{
    errmsg_set(err, errlen, "%s", "");
    char name[TUN_NAME_MAX];
    if (request_name(p, name, err, errlen) != 0)
        return NULL;
    struct tun *t = calloc(1, sizeof(*t));
    if (!t) {
        errmsg_set(err, errlen, "cannot open tun device '%s': %s", p->dev, strerror(ENOMEM));
        return NULL;
    }
    t->fd = -1;
    if (attach(t, p, name, err, errlen) != 0) {
        tun_close(t);
        return NULL;
    }
    return t;
}

void tun_close(struct tun *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

int tun_fd(const struct tun *t)
{
    return t->fd;
}

const char *tun_name(const struct tun *t)
{
    return t->name;
}

unsigned tun_ifindex(const struct tun *t)
{
    return t->ifindex;
}

int tun_set_persist(struct tun *t, bool on)
{
    if (ioctl(t->fd, TUNSETPERSIST, on ? 1UL : 0UL) != 0)
        return -errno;
    return 0;
}

const struct tun_stats *tun_stats(const struct tun *t)
{
    return &t->stats;
}

/*
 * One packet into p's tailroom: 1 read, 0 nothing waiting, -1 dropped, < -1 a device error.
 * A tun read copies what fits and returns the copied length, silently cutting a longer packet;
 * the spare byte behind the buffer is what reveals the cut.
 */
static int read_one(struct tun *t, struct pktbuf *p)
{
    size_t room = pktbuf_tailroom(p);
    uint8_t spare;
    struct iovec iov[2] = {
        { .iov_base = pktbuf_data(p) + pktbuf_len(p), .iov_len = room },
        { .iov_base = &spare, .iov_len = 1 },
    };
    ssize_t n;
    do {
        n = readv(t->fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    if ((size_t)n > room) {
        t->stats.rx_truncated++;
        return -1;
    }
    (void)pktbuf_set_len(p, pktbuf_len(p) + (size_t)n);
    t->stats.rx_packets++;
    t->stats.rx_bytes += (uint64_t)n;
    return 1;
}

int tun_read_batch(struct tun *t, struct pktbuf **bufs, size_t n)
{
    size_t got = 0, dropped = 0;
    /* Every attempt costs a read, dropped or not: n bounds the work. */
    while (got + dropped < n) {
        struct pktbuf *p = bufs[got];
        int rc = read_one(t, p);
        if (rc == 0)
            break;
        if (rc < -1)
            return got > 0 ? (int)got : rc;
        if (rc == 1) {
            got++;
            continue;
        }
        /* Dropped: park the buffer at the end, bring an unused one forward. */
        dropped++;
        bufs[got] = bufs[n - dropped];
        bufs[n - dropped] = p;
    }
    return (int)got;
}

size_t tun_write_batch(struct tun *t, struct pktbuf *const *bufs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        ssize_t w;
        do {
            w = write(t->fd, pktbuf_data(bufs[i]), pktbuf_len(bufs[i]));
        } while (w < 0 && errno == EINTR);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w < 0) {
            t->stats.tx_dropped++;
            t->stats.tx_last_errno = errno;
            continue;
        }
        t->stats.tx_packets++;
        t->stats.tx_bytes += (uint64_t)w;
    }
    return i;
}
