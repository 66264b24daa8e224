/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the client and server runtimes, see include/runtime.h. The wording of every
 * log line here is openvpn 2.6.14's (captured in tests/interop), because operators and their
 * tools grep for it.
 */
#include "config.h"

#include "runtime.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcipher.h"
#include "hexdump.h"
#include "secret.h"
#include "sys.h"

void runtime_rx_init(struct runtime_rx *rx)
{
    rx->n = 0;
    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++) {
        pktbuf_init(&rx->store[i], rx->mem[i], RUNTIME_RX_BUF, 0);
        rx->bufs[i] = &rx->store[i];
    }
}

int runtime_rx_batch(struct runtime_rx *rx, struct udp *u)
{
    int n;

    for (size_t i = 0; i < PKTBUF_BATCH_MAX; i++)
        pktbuf_reset(rx->bufs[i], 0);
    n = udp_recv_batch(u, rx->bufs, rx->meta, PKTBUF_BATCH_MAX);
    rx->n = n > 0 ? (size_t)n : 0;
    return n;
}

void runtime_send(struct udp *u, const uint8_t *pkt, size_t len, const struct udp_meta *dst)
{
    struct pktbuf b;
    struct pktbuf *bp = &b;

    /* udp_send_batch() only reads the buffer, so it may view the caller's bytes. */
    pktbuf_init(&b, (uint8_t *)(uintptr_t)pkt, len, 0);
    if (!pktbuf_set_len(&b, len))
        return;
    /* A full socket buffer drops the datagram; the reliability layer sends it again. */
    (void)udp_send_batch(u, &bp, dst, 1);
}

void runtime_flush(struct session *s, struct udp *u, const struct udp_meta *dst, uint64_t now)
{
    uint8_t pkt[SESSION_PACKET_MAX];
    struct buf_writer w;

    for (;;) {
        buf_writer_init(&w, pkt, sizeof(pkt));
        if (session_next_packet(s, now, &w) != 1)
            break;
        runtime_send(u, pkt, buf_writer_len(&w), dst);
    }
    /* The buffer held control-channel ciphertext only, but wipe it like any packet scratch. */
    secret_wipe(pkt, sizeof(pkt));
}

void runtime_addr_plain(const struct peertab_addr *a, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];

    if (!inet_ntop(a->family, a->ip, ip, sizeof(ip)))
        snprintf(ip, sizeof(ip), "undef");
    snprintf(out, cap, "%s:%u", ip, (unsigned)a->port);
}

void runtime_addr_full(const struct peertab_addr *a, char *out, size_t cap)
{
    if (peertab_addr_format(a, out, cap) != PEERTAB_OK)
        snprintf(out, cap, "[undef]");
}

int runtime_numeric_host(const char *host, char *out, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        log_msg(LOG_L_ERROR, "RESOLVE: Cannot resolve host address: %s (%s)", host,
                gai_strerror(rc));
        return -1;
    }
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    return rc == 0 ? 0 : -1;
}

const char *runtime_ipv4(uint32_t a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", (a >> 24) & 0xffu, (a >> 16) & 0xffu, (a >> 8) & 0xffu,
             a & 0xffu);
    return buf;
}

const char *runtime_ipv6(const uint8_t a[16], char *buf, size_t cap)
{
    if (!inet_ntop(AF_INET6, a, buf, (socklen_t)cap))
        snprintf(buf, cap, "::");
    return buf;
}

void runtime_sid_text(const struct wire_sid *sid, char *out, size_t cap)
{
    const uint8_t *b = sid->bytes;

    snprintf(out, cap, "%02x%02x%02x%02x %02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
             b[6], b[7]);
}

const char *runtime_signal_name(int signo)
{
    switch (signo) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGHUP:
        return "SIGHUP";
    case SIGUSR1:
        return "SIGUSR1";
    case SIGUSR2:
        return "SIGUSR2";
    default:
        return "SIGUNKN";
    }
}

/* ---- status output ---- */

#define RUNTIME_STATUS_START 4096u
#define RUNTIME_STATUS_MAX   (64u * 1024u * 1024u)

char *runtime_status_text(runtime_status_fmt fmt, const void *ctx)
{
    for (size_t cap = RUNTIME_STATUS_START; cap <= RUNTIME_STATUS_MAX; cap *= 2) {
        char *out = malloc(cap);

        if (!out)
            break;
        if (fmt(ctx, out, cap) >= 0)
            return out;
        free(out);
    }
    log_msg(LOG_L_ERROR, "cannot build the status output (out of memory)");
    return NULL;
}

void runtime_status_log(const char *text)
{
    const char *line = text;

    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);

        log_msg(LOG_L_INFO, "%.*s", (int)len, line);
        line += len + (end ? 1 : 0);
    }
}

void runtime_status_write(const char *path, const char *text)
{
    char err[512];

    if (sys_write_file(path, text, strlen(text), err, sizeof(err)) < 0)
        log_msg(LOG_L_ERROR, "status: %s", err);
}

/* ---- TLS ---- */

/* The EKU lines openvpn prints for remote-cert-tls (its x509_verify_cert_eku). */
static void log_remote_cert(const char *prefix, bool server_side)
{
    const char *eku =
        server_side ? "TLS Web Client Authentication" : "TLS Web Server Authentication";

    log_peer_msg(RUNTIME_V_HANDSHAKE, prefix, "VERIFY KU OK");
    log_peer_msg(RUNTIME_V_HANDSHAKE, prefix, "Validating certificate extended key usage");
    log_peer_msg(RUNTIME_V_HANDSHAKE, prefix, "++ Certificate has EKU (str) %s, expects %s", eku,
                 eku);
    log_peer_msg(RUNTIME_V_HANDSHAKE, prefix, "VERIFY EKU OK");
}

void runtime_log_tls(const char *prefix, const struct session_event *ev, bool remote_cert)
{
    const struct tlsmem_cert_info *cert = ev->u.tls.cert;
    bool server_side = prefix != NULL;

    if (cert) {
        /* The leaf's issuer is the certificate at depth 1 (the session reports the leaf). */
        if (cert->issuer[0] && strcmp(cert->issuer, cert->subject) != 0)
            log_peer_msg(RUNTIME_V_HANDSHAKE, prefix, "VERIFY OK: depth=1, %s", cert->issuer);
        if (remote_cert)
            log_remote_cert(prefix, server_side);
        log_peer_msg(RUNTIME_V_HANDSHAKE, prefix, "VERIFY OK: depth=0, %s", cert->subject);
    }
}

/* ---- keys ---- */

/* "xxxxxxxx xxxxxxxx ...": 4-byte groups of lower-case hex, as openvpn's format_hex(). */
static void key_hex(const uint8_t *key, size_t len, char *out, size_t cap)
{
    size_t pos = 0;

    out[0] = '\0';
    for (size_t i = 0; i < len && pos + 4 < cap; i++) {
        bool space = i > 0 && i % 4 == 0;
        int n = snprintf(out + pos, cap - pos, "%s%02x", space ? " " : "", key[i]);
        if (n < 0 || (size_t)n >= cap - pos)
            break;
        pos += (size_t)n;
    }
}

struct runtime_suite_info {
    bool aead;
    unsigned block_size;
    unsigned iv_size;
};

static struct runtime_suite_info suite_info(const struct session_keys *k)
{
    struct runtime_suite_info s = { .aead = k->auth[0] == '\0' };

    if (strncmp(k->cipher, "CHACHA20", 8) == 0)
        s.block_size = 1;
    else if (strcmp(k->cipher, "none") == 0)
        s.block_size = 0;
    else
        s.block_size = 16;
    s.iv_size = s.aead ? 12u : s.block_size;
    return s;
}

static void log_master(const char *prefix, const char *what, const struct session_keys *k,
                       const struct keyex_dir_keys *d)
{
    char hex[3 * KEYEX_SLOT_LEN];
    bool aead = k->auth[0] == '\0';

    key_hex(d->cipher, d->cipher_len, hex, sizeof(hex));
    log_peer_msg(RUNTIME_V_KEYS, prefix, "Master %s (cipher, %s, %zu bits): %s", what, k->cipher,
                 d->cipher_len * 8, hex);
    /* AEAD: the hmac slot feeds the implicit IV, which openvpn never prints. */
    key_hex(d->hmac, aead ? 0 : d->hmac_len, hex, sizeof(hex));
    log_peer_msg(RUNTIME_V_KEYS, prefix, "Master %s (hmac, %s, %zu bits): %s", what,
                 aead ? "[null-digest]" : k->auth, aead ? 0 : d->hmac_len * 8, hex);
    secret_wipe(hex, sizeof(hex));
}

static void log_direction(const char *prefix, const char *dir, const struct session_keys *k,
                          const struct keyex_dir_keys *d)
{
    struct runtime_suite_info s = suite_info(k);
    char hex[3 * KEYEX_SLOT_LEN];

    log_peer_msg(RUNTIME_V_CIPHER, prefix,
                 "%s Data Channel: Cipher '%s' initialized with %zu bit key", dir, k->cipher,
                 d->cipher_len * 8);
    if (log_enabled(RUNTIME_V_KEYS)) {
        key_hex(d->cipher, d->cipher_len, hex, sizeof(hex));
        log_peer_msg(RUNTIME_V_KEYS, prefix, "%s Data Channel: CIPHER KEY: %s", dir, hex);
        log_peer_msg(RUNTIME_V_KEYS, prefix, "%s Data Channel: CIPHER block_size=%u iv_size=%u",
                     dir, s.block_size, s.iv_size);
    }
    if (!s.aead) {
        log_peer_msg(RUNTIME_V_CIPHER, prefix,
                     "%s Data Channel: Using %zu bit message hash '%s' for HMAC authentication",
                     dir, d->hmac_len * 8, k->auth);
        if (log_enabled(RUNTIME_V_KEYS)) {
            key_hex(d->hmac, d->hmac_len, hex, sizeof(hex));
            log_peer_msg(RUNTIME_V_KEYS, prefix, "%s Data Channel: HMAC KEY: %s", dir, hex);
        }
    }
    secret_wipe(hex, sizeof(hex));
}

void runtime_log_keys(const char *prefix, const struct session_keys *k, bool server)
{
    /* key2 slot 0 protects client-to-server traffic: the client's encrypt, the server's
     * decrypt key. openvpn names the slots, so both ends print the same Encrypt/Decrypt pair. */
    const struct keyex_dir_keys *c2s = server ? &k->keys.decrypt : &k->keys.encrypt;
    const struct keyex_dir_keys *s2c = server ? &k->keys.encrypt : &k->keys.decrypt;

    if (log_enabled(RUNTIME_V_KEYS)) {
        log_master(prefix, "Encrypt", k, c2s);
        log_master(prefix, "Decrypt", k, s2c);
    }
    log_direction(prefix, "Outgoing", k, &k->keys.encrypt);
    log_direction(prefix, "Incoming", k, &k->keys.decrypt);
    /* Sluice's own line: openvpn shows key ids only per packet (verb 6), so renegotiations
     * could not be followed at a normal verbosity. */
    log_peer_msg(RUNTIME_V_DETAIL, prefix, "Data Channel: key_id %u installed, cipher '%s'",
                 (unsigned)k->key_id, k->cipher);
}

/* openvpn's names of the compression framings. */
static const char *comp_name(enum comp_algo a)
{
    switch (a) {
    case COMP_ALGO_LZO:
        return "lzo";
    case COMP_ALGO_LZO_STUB: /* openvpn 2.6.14 names `comp-lzo no` "stub" too */
    case COMP_ALGO_STUB:
        return "stub";
    case COMP_ALGO_LZ4:
        return "lz4";
    case COMP_ALGO_STUB_V2:
        return "stubv2";
    case COMP_ALGO_LZ4_V2:
        return "lz4v2";
    default:
        return NULL;
    }
}

void runtime_data_channel_text(char *out, size_t cap, const char *cipher, const char *auth,
                               long peer_id, const struct comp *comp)
{
    const char *cn = comp ? comp_name(comp->algo) : NULL;
    struct dcipher_suite suite;
    /* The session keeps the --auth digest for AEAD suites too; only CBC and none use it. */
    bool aead = !auth || !auth[0] || dcipher_suite_lookup(cipher, auth, &suite) != DCIPHER_OK ||
                suite.mode == DCIPHER_MODE_AEAD;
    char a[80] = "", c[48] = "";

    if (!aead)
        snprintf(a, sizeof(a), ", auth '%s'", auth);
    if (cn)
        snprintf(c, sizeof(c), ", compression: '%s'", cn);
    snprintf(out, cap, "Data Channel: cipher '%s'%s, peer-id: %ld%s", cipher, a, peer_id, c);
}

void runtime_log_peer_info(const char *prefix, const struct keyex_peer_info *pi)
{
    if (!pi || !log_enabled(LOG_L_INFO))
        return;
    for (size_t i = 0; i < pi->n; i++) {
        const struct keyex_kv *v = &pi->vars[i];
        log_peer_msg(LOG_L_INFO, prefix, "peer info: %.*s=%.*s", (int)v->name_len, v->name,
                     (int)v->value_len, v->value);
    }
}

void runtime_log_failure(const char *prefix, const struct session_event *ev, unsigned hand_window)
{
    const char *text = ev->u.fail.text ? ev->u.fail.text : "";

    switch (ev->u.fail.reason) {
    case SESSION_FAIL_HANDSHAKE_TIMEOUT:
        log_peer_msg(LOG_L_ERROR, prefix,
                     "TLS Error: TLS key negotiation failed to occur within %u seconds (check "
                     "your network connectivity)",
                     hand_window);
        log_peer_msg(LOG_L_ERROR, prefix, "TLS Error: TLS handshake failed");
        break;
    case SESSION_FAIL_TLS:
    case SESSION_FAIL_TLS_CLOSED:
        if (strncmp(text, "VERIFY ", 7) == 0)
            log_peer_msg(LOG_L_ERROR, prefix, "%s", text);
        else
            log_peer_msg(LOG_L_ERROR, prefix, "TLS Error: %s", text);
        log_peer_msg(LOG_L_ERROR, prefix, "TLS Error: TLS handshake failed");
        break;
    case SESSION_FAIL_LOCAL_CLOSE:
    case SESSION_FAIL_NONE:
        break;
    default:
        log_peer_msg(LOG_L_ERROR, prefix, "TLS Error: %s (%s)", text,
                     session_fail_name(ev->u.fail.reason));
        break;
    }
}
