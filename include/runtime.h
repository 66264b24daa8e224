/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the client and server runtimes share (src/app): receiving a batch from the UDP socket,
 * sending a session's packets, timer kinds of the event loop, how a run ends, and the log lines
 * both roles print in openvpn 2.6.14's wording (ops-interfaces.md §8; tests/interop/README.md
 * fact 1 for the key lines).
 *
 * Verbosity of those lines follows what openvpn 2.6.14 shows at each verb (checked in the
 * interop namespaces at verb 1, 2, 3, 4 and 7): "peer info:", "Peer Connection Initiated",
 * "MULTI_sva" at 1; RUNTIME_V_HANDSHAKE (2) for VERIFY, "Control Channel:" and the client's
 * "Data Channel:" lines; RUNTIME_V_DETAIL (3) for "Socket Buffers", "TLS: Initial packet",
 * "MULTI: Learn", "SENT CONTROL", "PUSH: Received", "OPTIONS IMPORT" and Sluice's own
 * "Data Channel: key_id N installed" (one per key, renegotiations too); RUNTIME_V_CIPHER (4) for
 * "Outgoing/Incoming Data Channel: Cipher ..." and the server's "Data Channel:" lines;
 * RUNTIME_V_KEYS (7) for key bytes and the remaining OPTIONS IMPORT lines.
 *
 * Key material in the log: runtime_log_keys() prints data-channel key bytes ONLY when the log
 * verbosity is 7 or more, exactly as openvpn does at --verb 7 (D_SHOW_KEYS), so that interop
 * tests can compare the keys both ends derived. Never run a production system at verb >= 7.
 */
#ifndef SLUICE_RUNTIME_H
#define SLUICE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comp.h"
#include "log.h"
#include "peertab.h"
#include "pktbuf.h"
#include "session.h"
#include "udp.h"
#include "wire.h"

#define RUNTIME_V_HANDSHAKE LOG_L_VERB(2)
#define RUNTIME_V_DETAIL    LOG_L_VERB(3)
#define RUNTIME_V_CIPHER    LOG_L_VERB(4)
#define RUNTIME_V_KEYS      LOG_L_VERB(7)
#define RUNTIME_V_DEBUG     LOG_L_VERB(7)

/* How a run of the client or server ends (main.c acts on it). */
enum runtime_end {
    RUNTIME_EXIT,    /* SIGTERM / SIGINT / HALT: exit status 0 */
    RUNTIME_FATAL,   /* set-up failed or the loop broke: exit status 1 */
    RUNTIME_RELOAD,  /* SIGHUP: read the configuration again and start over */
    RUNTIME_RESTART, /* server SIGUSR1: start over with the same configuration */
};

/* Timer kinds in the event loop (one handler each, installed by the runtime that runs). */
enum runtime_timer {
    RUNTIME_T_SESSION = 0, /* a session's next deadline */
    RUNTIME_T_RETRY,       /* client: the restart pause is over */
    RUNTIME_T_EXIT,        /* the exit notification had its time */
    RUNTIME_T_INSTANCE,    /* server: a client instance's delayed removal */
    RUNTIME_T_KEEPALIVE,   /* a peer's keepalive ping or ping-restart / ping-exit is due */
    RUNTIME_T_STATUS,      /* `status FILE N`: the file is due to be rewritten */
};

/* Receive buffers: control packets are at most SESSION_PACKET_MAX; data packets are larger
 * than the MTU rarely, and are only counted for now. */
#define RUNTIME_RX_BUF 8192u

struct runtime_rx {
    size_t n; /* datagrams from the last runtime_rx_batch() */
    struct pktbuf *bufs[PKTBUF_BATCH_MAX];
    struct udp_meta meta[PKTBUF_BATCH_MAX];
    struct pktbuf store[PKTBUF_BATCH_MAX];
    uint8_t mem[PKTBUF_BATCH_MAX][RUNTIME_RX_BUF];
};

/* Prepares the buffers (the struct is large: allocate it). */
void runtime_rx_init(struct runtime_rx *rx);

/* One recvmmsg() into rx: returns the number of datagrams (rx->n), 0, or a negative errno. */
int runtime_rx_batch(struct runtime_rx *rx, struct udp *u);

/* Sends pkt[0..len) to dst (peer, and local address to send from when its family is set). */
void runtime_send(struct udp *u, const uint8_t *pkt, size_t len, const struct udp_meta *dst);

/* Sends every packet the session has due now. */
void runtime_flush(struct session *s, struct udp *u, const struct udp_meta *dst, uint64_t now);

/* "198.18.50.2:39938" / "[fd00::2]:39938" style without the family tag, for log prefixes:
 * openvpn's "IP:port" (IPv6 as "fd00::2:39938"). */
void runtime_addr_plain(const struct peertab_addr *a, char *out, size_t cap);

/* "[AF_INET]198.18.50.1:1194" (peertab_addr_format, "[undef]" when it cannot be formatted). */
void runtime_addr_full(const struct peertab_addr *a, char *out, size_t cap);

/*
 * `local HOST`: udp_open() binds numeric addresses only, so a name is resolved here (first
 * address). Writes the numeric text to out; -1 after logging "RESOLVE: Cannot resolve host
 * address: ..." when it cannot be resolved.
 */
int runtime_numeric_host(const char *host, char *out, size_t cap);

/* Dotted quad of a host-order IPv4 address / text of an IPv6 address; returns buf. */
const char *runtime_ipv4(uint32_t a, char *buf, size_t cap);
const char *runtime_ipv6(const uint8_t a[16], char *buf, size_t cap);

/* "28b10800 7a44a3aa": a session id as openvpn logs it. out needs 18 bytes. */
void runtime_sid_text(const struct wire_sid *sid, char *out, size_t cap);

/* "SIGTERM", "SIGUSR1", ... (static). */
const char *runtime_signal_name(int signo);

/*
 * The VERIFY OK / KU / EKU lines after a TLS handshake (prefix may be NULL): depth 1 (the leaf's
 * issuer) and depth 0. remote_cert: the configured remote-cert-tls check passed, so its lines
 * are printed. The "Control Channel: ..." line (ev->u.tls.description) is the caller's: openvpn
 * prints it later, when the key exchange is done.
 */
void runtime_log_tls(const char *prefix, const struct session_event *ev, bool remote_cert);

/*
 * The data-channel key lines of openvpn 2.6.14 for a SESSION_EV_KEYS event: at verb >= 7
 * "Master Encrypt (cipher, NAME, BITS bits): xxxxxxxx ..." with the client-to-server key and
 * "Master Decrypt ..." with the server-to-client key on both sides, then per direction
 * "Outgoing|Incoming Data Channel: Cipher 'NAME' initialized with BITS bit key" (verb 4) and at
 * verb 7 the CIPHER KEY / HMAC KEY lines; last, at verb 3, Sluice's
 * "Data Channel: key_id N installed, cipher 'NAME'" (no openvpn line names the key id below
 * verb 6). server: this side is the server.
 */
void runtime_log_keys(const char *prefix, const struct session_keys *k, bool server);

/*
 * openvpn's summary of the data channel once it is up, into out:
 * "Data Channel: cipher 'X'[, auth 'D'], peer-id: N[, compression: 'lz4v2']" (auth only for
 * non-AEAD suites; peer_id < 0 prints -1, i.e. P_DATA_V1; compression only with a framing).
 */
void runtime_data_channel_text(char *out, size_t cap, const char *cipher, const char *auth,
                               long peer_id, const struct comp *comp);

/* Peer-info variables, one "peer info: NAME=value" line each (verb 1, as openvpn). */
void runtime_log_peer_info(const char *prefix, const struct keyex_peer_info *pi);

/* ---- status output (ops-interfaces.md §4) ---- */

/* The TITLE of status-version 2 and 3: openvpn's, so that parsers keyed on it keep working,
 * with Sluice named at the end. */
#define RUNTIME_STATUS_TITLE                                                                       \
    "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZ4] [EPOLL] [MH/PKTINFO] [AEAD] "        \
    "[Sluice " PACKAGE_VERSION "]"

/* Formats into out[0..cap): length, or < 0 when it does not fit (status.h contract). */
typedef int (*runtime_status_fmt)(const void *ctx, char *out, size_t cap);

/* Runs fmt with a buffer that grows until the text fits: malloc'd text, or NULL (logged). */
char *runtime_status_text(runtime_status_fmt fmt, const void *ctx);

/* SIGUSR2: every line of text as a log line, as openvpn prints its status. */
void runtime_status_log(const char *text);

/* `status FILE`: replaces the file's content with text; failures are logged (rate: callers
 * write once per interval). */
void runtime_status_write(const char *path, const char *text);

/* "TLS Error: ..." lines for a failed session (verb 1); hand_window for the timeout wording. */
void runtime_log_failure(const char *prefix, const struct session_event *ev, unsigned hand_window);

#endif
