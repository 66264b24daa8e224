/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up translation of the configuration into what the control channel runs with
 * (architecture.md: "configuration is translated once"): the certificate files into the shared
 * TLS context, the tls-auth / tls-crypt / tls-crypt-v2 key files into the session's wrapping,
 * and the timing, cipher and peer-info options into struct session_params (protocol-control.md
 * §3-§5, §9; ops-interfaces.md §1.5.2, §9).
 *
 * App layer: reads files (ca, cert, key, extra-certs, crl-verify, the key files), draws random
 * bytes. A struct keys is built once per (re)start; the only thing that runs later is the
 * crl-verify re-read (below), from inside tlsmem_new(). The struct must not move after
 * keys_init() (the TLS context keeps a pointer to k->crl's target, which is heap memory, so
 * copying the struct is fine as long as only one copy is cleaned up).
 *
 * Secrets: key files are read into memory that is wiped and freed as soon as the key bytes are
 * decoded; struct keys holds the decoded keys until keys_cleanup() wipes them. The TLS private
 * key lives only inside the TLS context from then on.
 */
#ifndef SLUICE_KEYS_H
#define SLUICE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ctlwrap.h"
#include "keyex.h"
#include "session.h"
#include "tlsmem.h"
#include "wire.h"

/* IV_PROTO bits this daemon announces besides those the session adds itself (session.h). */
#define KEYS_IV_PROTO                                                                              \
    (KEYEX_IV_PROTO_DATA_V2 | KEYEX_IV_PROTO_CC_EXIT_NOTIFY | KEYEX_IV_PROTO_AUTH_PENDING_KW)

#define KEYS_ERR_MAX     1024u
#define KEYS_EXTRA_IV    8u  /* setenv IV_GUI_VER / IV_SSO passed on as peer-info */
#define KEYS_DIGEST_MAX  64u /* --auth name */
#define KEYS_VERSION_STR "2.6.14"

struct keys_crl; /* the crl-verify file's watch, private to keys.c */

struct keys {
    enum session_role role;
    struct tlsmem_ctx *tls;
    /* crl-verify FILE: before every new TLS session (both roles, renegotiations included) the
     * file's stat is compared with the last load and a changed file is re-read into the TLS
     * context, so a revocation takes effect without a restart (as openvpn 2.6 does). A file that
     * can no longer be parsed leaves no CRL with checking on: every peer is refused until it is
     * fixed. A file that cannot be stat'ed keeps the last CRL. NULL for an inline CRL or none. */
    struct keys_crl *crl;

    /* For every session of this run; the pointers lead into this struct or the conf. */
    struct session_params sp;
    /* Server: the stateless listener's keys (the tls-crypt-v2 server key, the cookie secret). */
    struct session_listener_params lp;

    uint8_t wrap_key[CTLWRAP_KEY_LEN]; /* tls-auth / tls-crypt key, or a v2 client's Kc */
    uint8_t v2_server_key[CTLWRAP_V2_SERVER_KEY_LEN];
    uint8_t wkc[WIRE_WKC_MAX_LEN];
    size_t wkc_len;
    uint8_t cookie_secret[CTLWRAP_COOKIE_SECRET_LEN];

    char occ[KEYEX_OPTIONS_MAX];
    char digest[KEYS_DIGEST_MAX];
    struct keyex_kv extra[KEYS_EXTRA_IV];
};

/*
 * Builds everything from c (finalized). On failure returns -1 with one line in err naming the
 * option, the file and the reason, e.g. "tls-auth '/etc/x/ta.key': line 7: bad hex digit in
 * OpenVPN Static key V1"; k is then cleaned up already. c must outlive k.
 */
int keys_init(struct keys *k, const struct conf *c, char *err, size_t errlen);

/* Frees the TLS context and wipes every key. Safe on a zeroed or cleaned-up struct. */
void keys_cleanup(struct keys *k);

/* The random source of sessions: RAND_bytes, aborting the process if the generator fails. */
void keys_rand(void *ctx, uint8_t *out, size_t len);

#endif
