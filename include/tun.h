/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tun device (ops-interfaces.md: dev, dev-type, persist-tun): /dev/net/tun opened with
 * IFF_TUN | IFF_NO_PI, so every read returns one bare IPv4 or IPv6 packet and every write takes
 * one. Non-blocking and close-on-exec.
 *
 * Names. `dev tun` asks the kernel for the next free tunN; `dev tunN` or `dev NAME` with
 * `dev-type tun` asks for exactly that name (a device of that name left persistent by an
 * earlier run is attached to again). tun_name() reports what the kernel chose.
 *
 * Batches. The kernel has no call that reads several packets from a tun fd (recvmmsg does not
 * apply to it), so a "batch" here is a loop of read()s, one per packet, up to a budget or
 * EAGAIN; writes likewise. The interface is batched anyway so that the offloads can come in
 * without changing callers: with IFF_VNET_HDR and TUNSETOFFLOAD one read returns a TSO/GSO
 * super-packet of up to 64 KiB behind a virtio_net_hdr, which would be split into the batch here.
 *
 * persist-tun. OpenVPN's persist-tun keeps the open device across SIGUSR1 / ping-restart
 * restarts; in Sluice that is the application keeping its struct tun (and not re-running
 * ifconfig/routes) instead of closing it, so nothing here is needed for it. TUNSETPERSIST is a
 * different thing (`--mktun`: the device outlives the process) and is set only through
 * tun_set_persist().
 */
#ifndef SLUICE_TUN_H
#define SLUICE_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktbuf.h"

/* Longest interface name including its NUL (IFNAMSIZ). */
#define TUN_NAME_MAX 16

struct tun_params {
    const char *dev;      /* "tun" (the kernel picks tunN), "tunN", or any name with dev_type */
    const char *dev_type; /* "tun", or NULL: derived from the name, which must then start "tun" */
    const char *dev_node; /* NULL: /dev/net/tun */
};

struct tun_stats {
    uint64_t rx_packets, rx_bytes; /* read from the device (packets the host sent us) */
    uint64_t rx_truncated;         /* longer than the buffer's tailroom: dropped */
    uint64_t tx_packets, tx_bytes; /* written to the device */
    uint64_t tx_dropped;           /* refused by the kernel (not IP, too long, device down) */
    int tx_last_errno;
};

struct tun;

/*
 * Opens the device. On failure returns NULL and writes a message into err (NUL-terminated when
 * errlen > 0), e.g. "cannot open tun device 'tun0': Device or resource busy" or
 * "dev 'vpn0': use dev-type tun (only tun devices are supported)".
 */
struct tun *tun_open(const struct tun_params *p, char *err, size_t errlen);

/* Closes the fd (a device with persist set stays in the system) and frees; accepts NULL. */
void tun_close(struct tun *t);

int tun_fd(const struct tun *t);

/* The interface name the kernel assigned, e.g. "tun0". */
const char *tun_name(const struct tun *t);

/* The interface index (in the network namespace the device was created in). */
unsigned tun_ifindex(const struct tun *t);

/* TUNSETPERSIST: keep the device after the last fd closes (on) or not (off). 0 or -errno. */
int tun_set_persist(struct tun *t, bool on);

const struct tun_stats *tun_stats(const struct tun *t);

/*
 * Reads up to n packets, one read() each, into the tailroom of bufs[i] (appended to its data,
 * normally empty). Returns how many were read (0 when none was waiting) or a negative errno for
 * a failing device (EIO, EBADFD: the device went away). A packet longer than the tailroom is
 * dropped and counted; as with udp_recv_batch the array is then reordered so that the packets
 * read are in bufs[0..ret) and every buffer is still in bufs[0..n).
 */
int tun_read_batch(struct tun *t, struct pktbuf **bufs, size_t n);

/*
 * Writes the data of bufs[0..n), one write() each. Returns how many were dealt with: written, or
 * dropped because the kernel refused that one packet (counted, errno in tx_last_errno). Stops
 * early only on EAGAIN (bufs[ret..n) are left to the caller). Buffers are not modified.
 */
size_t tun_write_batch(struct tun *t, struct pktbuf *const *bufs, size_t n);

#endif
