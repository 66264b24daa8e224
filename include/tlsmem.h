/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One TLS session of the control channel, driven through memory (shared/docs/protocol-control.md
 * §8; ops-interfaces.md §8 for the log line). Ciphertext comes in from the reliability layer
 * (tlsmem_feed) and goes out to it (tlsmem_out_take); plaintext (the key-method-2 messages and
 * the text control messages) is written and read one TLS record at a time.
 *
 * Pure: certificates, keys and CRLs come in as PEM bytes; nothing reads files, the system CA
 * store or the clock. Certificate validity is checked against the `now` given to tlsmem_new().
 *
 * One struct tlsmem_ctx (the OpenSSL SSL_CTX) is built from the configuration once and shared by
 * all sessions; it must outlive them. Neither object is thread-safe.
 *
 * OpenSSL settings follow openvpn 2.6: TLS 1.2 minimum by default, no tickets, no compression,
 * no TLS renegotiation, server cipher preference, no session cache, security level 1 ("legacy"
 * certificate profile), the 2.6 default tls-cipher list, and the server requiring a client
 * certificate unless told otherwise.
 */
#ifndef SLUICE_TLSMEM_H
#define SLUICE_TLSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tlsmem_err {
    TLSMEM_OK = 0,
    TLSMEM_ERR_FAILED = -1,  /* the handshake or the session failed; see tlsmem_error() and
                              * tlsmem_verify_result() */
    TLSMEM_ERR_STATE = -2,   /* not possible in this state (e.g. write before the handshake) */
    TLSMEM_ERR_NO_ROOM = -3, /* too much buffered input, or a plaintext over TLSMEM_RECORD_MAX */
    TLSMEM_ERR_INVALID = -4, /* bad argument */
    TLSMEM_ERR_CLOSED = -5,  /* the peer closed the TLS session (close_notify) */
    TLSMEM_ERR_NOMEM = -6,
};

/* Static, never NULL. */
const char *tlsmem_strerror(int err);

#define TLSMEM_RECORD_MAX 16384        /* plaintext bytes in one TLS record */
#define TLSMEM_IN_MAX     (256 * 1024) /* ciphertext fed but not yet consumed */

/* TLS protocol versions for tls-version-min / -max (the wire values). */
#define TLSMEM_TLS1_0 0x0301
#define TLSMEM_TLS1_1 0x0302
#define TLSMEM_TLS1_2 0x0303
#define TLSMEM_TLS1_3 0x0304

enum tlsmem_name_type {
    TLSMEM_NAME_NONE,    /* no verify-x509-name */
    TLSMEM_NAME_SUBJECT, /* whole subject, as tlsmem_cert_info.subject prints it */
    TLSMEM_NAME_NAME,    /* the common name */
    TLSMEM_NAME_PREFIX,  /* the common name starts with the value */
};

enum tlsmem_remote_cert {
    TLSMEM_REMOTE_ANY,    /* no remote-cert-tls */
    TLSMEM_REMOTE_SERVER, /* keyUsage present and extendedKeyUsage serverAuth */
    TLSMEM_REMOTE_CLIENT, /* keyUsage present and extendedKeyUsage clientAuth */
};

enum tlsmem_client_cert {
    TLSMEM_CLIENT_CERT_REQUIRE, /* verify-client-cert require (default) */
    TLSMEM_CLIENT_CERT_OPTIONAL,
    TLSMEM_CLIENT_CERT_NONE,
};

enum tlsmem_profile {
    TLSMEM_PROFILE_LEGACY,    /* security level 1 (2.6 default) */
    TLSMEM_PROFILE_PREFERRED, /* security level 2 */
    TLSMEM_PROFILE_SUITEB,    /* security level 3, Suite B ciphers */
};

struct tlsmem_config {
    bool server;
    /* PEM bytes, not necessarily NUL-terminated. ca may hold several certificates (and CRLs);
     * cert is the leaf followed by optional intermediates; crl may be empty (len 0). */
    const uint8_t *ca;
    size_t ca_len;
    const uint8_t *cert;
    size_t cert_len;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *crl;
    size_t crl_len;
    const char *key_pass;     /* for an encrypted key; NULL: an encrypted key is an error */
    int version_min;          /* TLSMEM_TLS1_x; 0: TLS 1.2 */
    int version_max;          /* 0: the library maximum */
    const char *cipher_list;  /* tls-cipher (TLS <= 1.2, OpenSSL names); NULL: 2.6 default */
    const char *ciphersuites; /* tls-ciphersuites (TLS 1.3); '-' is read as '_'; NULL: default */
    const char *groups;       /* tls-groups; NULL: library default */
    enum tlsmem_profile profile;
    enum tlsmem_name_type name_type;
    const char *verify_name; /* with name_type */
    enum tlsmem_remote_cert remote_cert;
    enum tlsmem_client_cert client_cert; /* server only */
};

struct tlsmem_ctx;
struct tlsmem;

/*
 * Builds the shared context. Returns NULL and a message in err[0..errlen) when the
 * configuration cannot be used (unreadable PEM, no CA, key not matching the certificate, unknown
 * cipher, group or version, ...). err may be NULL when errlen is 0.
 */
struct tlsmem_ctx *tlsmem_ctx_new(const struct tlsmem_config *cfg, char *err, size_t errlen);
void tlsmem_ctx_free(struct tlsmem_ctx *ctx); /* NULL is ignored */

/*
 * Replaces the crl-verify CRLs (those of the ca text stay) with the CRLs of the PEM text
 * crl[0..len) and turns CRL checking on; sessions created from now on, and handshakes still
 * verifying, use the new set. *n_loaded (may be NULL) gets the number of CRLs taken.
 * Returns 0; TLSMEM_ERR_INVALID when the text holds no readable CRL (len 0 included): then the
 * set is left EMPTY with checking on, so every peer is refused until a good CRL is set (a
 * damaged CRL must not let revoked certificates back in); TLSMEM_ERR_NOMEM (the old set stays).
 */
int tlsmem_ctx_set_crl(struct tlsmem_ctx *ctx, const uint8_t *crl, size_t len, size_t *n_loaded);

/*
 * fn(arg, ctx) runs at the start of every tlsmem_new() on ctx, before the session takes the
 * store: the app's chance to re-read a changed CRL file and call tlsmem_ctx_set_crl(). fn NULL
 * turns it off. arg must stay valid while ctx is used.
 */
typedef void (*tlsmem_refresh_fn)(void *arg, struct tlsmem_ctx *ctx);
void tlsmem_ctx_set_refresh(struct tlsmem_ctx *ctx, tlsmem_refresh_fn fn, void *arg);

/* A new session in the context's role; certificates are checked against `now` (Unix seconds).
 * NULL when out of memory. */
struct tlsmem *tlsmem_new(struct tlsmem_ctx *ctx, int64_t now);
void tlsmem_free(struct tlsmem *s); /* NULL is ignored */

/* Ciphertext from the peer, in order. 0, TLSMEM_ERR_NO_ROOM (over TLSMEM_IN_MAX buffered) or
 * TLSMEM_ERR_STATE after a failure. */
int tlsmem_feed(struct tlsmem *s, const uint8_t *data, size_t len);

/*
 * Drives the handshake with what was fed. Returns 1 once the handshake is complete (also on
 * every later call), 0 while it needs more input, or TLSMEM_ERR_FAILED (then the failed state is
 * permanent; pending output may hold an alert for the peer). The client's first call produces
 * the ClientHello.
 */
int tlsmem_step(struct tlsmem *s);

bool tlsmem_established(const struct tlsmem *s);

/* Ciphertext waiting to be sent, and taking up to cap bytes of it (returns the count). */
size_t tlsmem_out_pending(const struct tlsmem *s);
size_t tlsmem_out_take(struct tlsmem *s, uint8_t *out, size_t cap);

/* Sends len plaintext bytes as one TLS record (1..TLSMEM_RECORD_MAX). Established only. */
int tlsmem_write(struct tlsmem *s, const void *data, size_t len);

/*
 * Reads the plaintext of at most one TLS record into out[0..cap) (pass cap >= TLSMEM_RECORD_MAX
 * to never split a record). Returns 1 with *len set, 0 when no plaintext is available,
 * TLSMEM_ERR_CLOSED or TLSMEM_ERR_FAILED. Established only (TLSMEM_ERR_STATE otherwise).
 */
int tlsmem_read(struct tlsmem *s, uint8_t *out, size_t cap, size_t *len);

/* RFC 5705 exporter without context (protocol-control.md §10.3), e.g. KEYEX_EKM_LABEL, 256. */
int tlsmem_export(struct tlsmem *s, const char *label, uint8_t *out, size_t len);

/* ---- verification and logging ---- */

enum tlsmem_verify_reason {
    TLSMEM_VERIFY_OK,
    TLSMEM_VERIFY_UNKNOWN_CA, /* no trusted issuer, self-signed, bad chain signature */
    TLSMEM_VERIFY_EXPIRED,
    TLSMEM_VERIFY_NOT_YET_VALID,
    TLSMEM_VERIFY_REVOKED,
    TLSMEM_VERIFY_CRL,           /* CRL missing for an issuer, expired, not yet valid or bad */
    TLSMEM_VERIFY_NAME_MISMATCH, /* verify-x509-name */
    TLSMEM_VERIFY_KEY_USAGE,     /* remote-cert-tls KU/EKU, or a certificate purpose mismatch */
    TLSMEM_VERIFY_NO_PEER_CERT,  /* the server requires a client certificate */
    TLSMEM_VERIFY_OTHER,
};

const char *tlsmem_verify_reason_str(enum tlsmem_verify_reason r);

#define TLSMEM_NAME_LEN  256
#define TLSMEM_CHAIN_MAX 8

struct tlsmem_verify {
    enum tlsmem_verify_reason reason;
    int depth;                     /* certificate depth of the failure; -1 when none */
    int x509_error;                /* X509_V_ERR_* when OpenSSL's own check failed, else 0 */
    char subject[TLSMEM_NAME_LEN]; /* the certificate that failed */
    char serial_dec[64];           /* its serial number, decimal ("" without a certificate) */
    /* OpenSSL's error string, or for the leaf checks openvpn's line ("VERIFY EKU ERROR: ...",
     * "VERIFY X509NAME ERROR: CN=server, must be NAME") */
    char detail[TLSMEM_NAME_LEN * 2 + 64];
    /* Certificates that passed, in the order OpenSSL checked them (root first): for
     * "VERIFY OK: depth=N, <subject>" log lines. */
    size_t n_ok;
    int ok_depth[TLSMEM_CHAIN_MAX];
    char ok_subject[TLSMEM_CHAIN_MAX][TLSMEM_NAME_LEN];
};

/* Never NULL. */
const struct tlsmem_verify *tlsmem_verify_result(const struct tlsmem *s);

/*
 * The verification failure as openvpn 2.6 words it, into out[0..cap) (truncated to fit):
 * "VERIFY ERROR: depth=0, error=certificate has expired: CN=expired, serial=4099" for OpenSSL's
 * own checks, "VERIFY X509NAME ERROR: CN=server, must be other", "VERIFY EKU ERROR: Certificate
 * does not have extended key usage extension: CN=noeku" (remote-cert-tls). 0;
 * TLSMEM_ERR_STATE (out "") when no certificate failed; TLSMEM_ERR_INVALID for out NULL / cap 0.
 */
int tlsmem_verify_describe(const struct tlsmem *s, char *out, size_t cap);

/* The OpenSSL error that failed the session ("" when none). */
const char *tlsmem_error(const struct tlsmem *s);

struct tlsmem_cert_info {
    char subject[TLSMEM_NAME_LEN];     /* "C=DE, O=Example, CN=client1" */
    char common_name[TLSMEM_NAME_LEN]; /* the last CN of the subject */
    char issuer[TLSMEM_NAME_LEN];
    char serial_dec[64];  /* decimal */
    char serial_hex[100]; /* "0a:1b:..." */
    char sha256[100];     /* fingerprint, "ab:cd:..." */
};

/* The peer's leaf certificate. 0, or TLSMEM_ERR_STATE when the peer sent none. */
int tlsmem_peer_cert(const struct tlsmem *s, struct tlsmem_cert_info *info);

/*
 * "Control Channel: TLSv1.3, cipher TLSv1.3 TLS_AES_256_GCM_SHA384, peer certificate: 256 bits
 * ECprime256v1, signature: ecdsa-with-SHA256, peer temporary key: 253 bits X25519" into
 * out[0..cap) (truncated to fit). 0, or TLSMEM_ERR_STATE before the handshake completed.
 */
int tlsmem_describe(const struct tlsmem *s, char *out, size_t cap);

#endif
