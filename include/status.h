/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * openvpn's status text: the server's client list in status-version 1, 2 and 3, and the
 * "OpenVPN STATISTICS" block a client (or p2p peer) prints for any version. The output is
 * byte-identical to openvpn 2.6.14 (docs/ops-interfaces.md section 4), because exporters and
 * monitors parse it by column position.
 *
 * Pure: the caller fills a snapshot (strings it formats itself, counters, an explicit `now` and
 * the local UTC offset, since the core may not read the clock or the time zone) and gets text.
 *
 * Times print as "YYYY-MM-DD HH:MM:SS" in local time = unix seconds + utc_offset_s, computed
 * here for every int64_t value; the year is printed like glibc's strftime("%Y"): as many digits
 * as needed, no padding, '-' for years before 1 AD.
 *
 * Caller strings are sanitised so no value can break a line or a column: every control
 * character (below 0x20, and 0x7f: newline, CR, TAB, ...) and every ',' in a comma-separated
 * format (v1, v2, the client block) is written as '_'. Version 3 keeps ',' (its columns are
 * TAB-separated, and openvpn leaves values unaltered there); a TAB in a value becomes '_' as
 * above. Other bytes, including non-ASCII UTF-8, pass through.
 */
#ifndef SLUICE_STATUS_H
#define SLUICE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATUS_ERR_SPACE (-1) /* the text (and its NUL) does not fit in out[0..cap) */
#define STATUS_ERR_INVAL (-2) /* a NULL pointer where one is required, or an unknown version */

/* Room for any status_format_time() text and its NUL, for every int64_t time and offset. */
#define STATUS_TIME_SIZE 32

enum status_version {
    STATUS_V1 = 1, /* "OpenVPN CLIENT LIST", comma-separated (openvpn's default) */
    STATUS_V2 = 2, /* TITLE/TIME/HEADER/CLIENT_LIST/... rows, comma-separated */
    STATUS_V3 = 3, /* the same rows as version 2, TAB-separated */
};

/*
 * One connected client of a server. All strings are borrowed for the call, NUL-terminated, and
 * already in openvpn's text form (the caller formats addresses); NULL counts as "".
 */
struct status_client {
    const char *common_name;  /* NULL or "" prints "UNDEF" */
    const char *real_address; /* "198.18.50.2:39938" */
    const char *virt_v4;      /* "100.64.10.2", or NULL/"" for none */
    const char *virt_v6;      /* "fd00:10::2", or NULL/"" for none */
    const char *username;     /* NULL or "" prints "UNDEF" */
    const char *cipher;       /* data-channel cipher, "AES-256-GCM" */
    /*
     * Subnets routed to the client (iroute / iroute-ipv6) as "NET/bits"; each gets its own
     * routing-table row after the client's own addresses. iroutes may be NULL when n_iroutes
     * is 0; NULL or "" entries are skipped.
     */
    const char *const *iroutes;
    size_t n_iroutes;
    uint64_t bytes_received, bytes_sent; /* link-level (encrypted UDP payload) bytes */
    int64_t connected_since;             /* unix seconds */
    int64_t last_ref;                    /* unix seconds of the last packet, for the routes */
    uint32_t client_id;                  /* the management CID */
    uint32_t peer_id;                    /* the data-channel peer-id */
};

struct status_server {
    const char *title; /* v2/v3 TITLE value, the `version` string; NULL counts as "" */
    int64_t now;       /* unix seconds of the snapshot */
    int utc_offset_s;  /* local time = UTC + this many seconds (from the shell) */
    const struct status_client *clients; /* may be NULL when n_clients is 0 */
    size_t n_clients;
    unsigned max_bcast_queue; /* "Max bcast/mcast queue length" */
    bool dco_enabled;         /* v2/v3 "GLOBAL_STATS,dco_enabled,0|1"; v1 has no such line */
    bool crlf;                /* end lines with "\r\n" (management interface), else "\n" */
};

/* The client / p2p block; openvpn prints it whatever the status version. */
struct status_client_stats {
    int64_t now;
    int utc_offset_s;
    uint64_t tun_read_bytes, tun_write_bytes;   /* "TUN/TAP read bytes", "... write bytes" */
    uint64_t link_read_bytes, link_write_bytes; /* "TCP/UDP read bytes", "... write bytes" */
    uint64_t auth_read_bytes;                   /* "Auth read bytes" */
    bool crlf;                                  /* as in struct status_server */
};

/*
 * Writes "YYYY-MM-DD HH:MM:SS" for the local time unix_s + utc_offset_s to out with a NUL.
 * Returns its length, or STATUS_ERR_SPACE (out then "" when cap > 0) or STATUS_ERR_INVAL (out
 * NULL). cap >= STATUS_TIME_SIZE always suffices.
 */
__attribute__((warn_unused_result)) int status_format_time(int64_t unix_s, int utc_offset_s,
                                                           char *out, size_t cap);

/*
 * Writes the server's whole status text in version v, every line ending in "\n" (or "\r\n"),
 * the last one being "END", followed by a NUL. Returns the length without the NUL, or
 * STATUS_ERR_SPACE when it (NUL included) does not fit in out[0..cap) or is longer than
 * INT_MAX, or STATUS_ERR_INVAL (s or out NULL, clients NULL with n_clients > 0, iroutes NULL
 * with n_iroutes > 0, v not a status_version). Nothing is written past out[cap); after an
 * error out holds "" when it is non-NULL and cap > 0.
 */
__attribute__((warn_unused_result)) int
status_format_server(const struct status_server *s, enum status_version v, char *out, size_t cap);

/* The client / p2p "OpenVPN STATISTICS" block; same output and return contract as above. */
__attribute__((warn_unused_result)) int status_format_client(const struct status_client_stats *s,
                                                             char *out, size_t cap);

#endif
