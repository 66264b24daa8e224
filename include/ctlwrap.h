/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wrapping of control packets (shared/docs/protocol-control.md §2-§6, §11.4): none, tls-auth
 * (§3), tls-crypt (§4), tls-crypt-v2 (§5), plus the tls-crypt-v2 wrapped client key (WKc), key
 * file helpers and the stateless server's session-id cookie (§6.2). Pure computation with
 * libcrypto; every EVP context is created when a key is loaded, never per packet.
 *
 * Packets. A "plain" packet is a control packet exactly as wire_control_build() writes it:
 * op/key | own session id | rest (ack block, message id, payload). ctlwrap_wrap() turns it into
 * the bytes for the socket; ctlwrap_unwrap() turns received bytes back into a plain packet, which
 * the caller parses with wire_control_parse(). Neither looks into `rest`.
 *
 * Opcodes. Any control opcode is carried except HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1, which
 * exist only in tls-crypt-v2: a v2 client appends its WKc to them on wrap, a v2 server strips and
 * ignores a trailing WKc on unwrap (§5.4: retransmissions of an already keyed session). Everything
 * else about opcodes and directions (wire_op_valid_for_server() ...) is the caller's business.
 *
 * Failure. Every function returns 0 or a negative enum ctlwrap_err. A failed wrap or unwrap
 * writes nothing to its output (except CTLWRAP_ERR_CRYPTO, a libcrypto failure, after which the
 * output holds unspecified bytes) and changes no state: the replay window records a packet-id only
 * after the packet authenticated, and the send counter moves only when a packet was written.
 * CTLWRAP_ERR_NO_ROOM sets the writer's error flag, as an overflowing buf_write does.
 *
 * Secrets. Key bytes passed in stay the caller's (wipe them with secret_wipe()); the objects here
 * keep keys only inside libcrypto contexts, which are cleansed when freed.
 */
#ifndef SLUICE_CTLWRAP_H
#define SLUICE_CTLWRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pem.h"
#include "wire.h"

#define CTLWRAP_KEY_LEN           256u /* static key / Kc / dynamic tls-crypt key: two key slots */
#define CTLWRAP_V2_SERVER_KEY_LEN 128u /* tls-crypt-v2 server key: one key slot */
#define CTLWRAP_HMAC_MAX          64u /* largest tls-auth digest (SHA512); the hmac key slot size */
#define CTLWRAP_TAG_LEN           32u /* tls-crypt / WKc tag, HMAC-SHA256 */
/* tls-crypt: op/key, session id, replay id, tag in front of the encrypted rest (§4.2). */
#define CTLWRAP_TLS_CRYPT_HDR_LEN (WIRE_CONTROL_HEAD_LEN + WIRE_REPLAY_ID_LEN + CTLWRAP_TAG_LEN)
/* What the tls-crypt sender reserves per packet (8 + 32 + 16, §4.2; 40 are used). */
#define CTLWRAP_TLS_CRYPT_OVERHEAD 56u

#define CTLWRAP_KEY_DIR_BIDI (-1) /* tls-auth without a key-direction */

enum ctlwrap_mode {
    CTLWRAP_NONE = 0,
    CTLWRAP_TLS_AUTH,
    CTLWRAP_TLS_CRYPT, /* also the dynamic tls-crypt of renegotiations, §11.4 */
    CTLWRAP_TLS_CRYPT_V2,
};

/* TLS role; it fixes the tls-crypt key directions (§4.1) and which v2 side this is. */
enum ctlwrap_role {
    CTLWRAP_SERVER = 0,
    CTLWRAP_CLIENT,
};

/* Results. Drop reasons are small negatives so `-err` can index CTLWRAP_REASONS counters. */
enum ctlwrap_err {
    CTLWRAP_OK = 0,
    CTLWRAP_ERR_TRUNCATED = -1, /* shorter than the mode's header */
    CTLWRAP_ERR_OPCODE = -2,    /* not a control opcode, or one this mode and role do not carry */
    CTLWRAP_ERR_SID = -3,       /* all-zero own session id */
    CTLWRAP_ERR_AUTH = -4,      /* tls-auth HMAC or tls-crypt tag mismatch */
    CTLWRAP_ERR_REPLAY = -5,    /* the replay window refused the packet-id */
    CTLWRAP_ERR_WKC_LEN = -6,   /* WKc length field outside 290..1024, beyond the data, or wrong */
    CTLWRAP_ERR_WKC_AUTH = -7,  /* WKc tag mismatch: tampered or another server key */
    CTLWRAP_ERR_NO_ROOM = -8,   /* the output does not fit */
    CTLWRAP_ERR_PID_WRAP = -9,  /* the send packet-id counter is exhausted (needs a new session) */
    CTLWRAP_ERR_PARAM = -10,    /* bad parameter: key, digest, direction, metadata size ... */
    CTLWRAP_ERR_KEY_FILE = -11, /* key text does not parse; details in the struct pem_error */
    CTLWRAP_ERR_KEY_LEN = -12,  /* key text parses but holds the wrong number of bytes */
    CTLWRAP_ERR_CRYPTO = -13,   /* libcrypto failed (allocation, unsupported algorithm) */
};

#define CTLWRAP_REASONS 14 /* counters indexed by -err */

/* Static, never NULL; "unknown error" for values outside enum ctlwrap_err. */
const char *ctlwrap_strerror(int err);

/* ---- one session's wrapping: both directions, send counter, replay window ---- */

struct ctlwrap;

struct ctlwrap_params {
    enum ctlwrap_mode mode;
    enum ctlwrap_role role;
    /* tls-auth only: 0, 1 or CTLWRAP_KEY_DIR_BIDI (§3.2). */
    int key_direction;
    /* tls-auth only: --auth digest, any OpenSSL name ("SHA1", "SHA256", "SHA512" ...). */
    const char *digest;
    /*
     * CTLWRAP_KEY_LEN bytes: the static key file (tls-auth, tls-crypt), Kc (tls-crypt-v2), or
     * the dynamic tls-crypt key of §11.4 (mode CTLWRAP_TLS_CRYPT). Unused (may be NULL) for NONE.
     * Copied into libcrypto contexts; the caller wipes its copy.
     */
    const uint8_t *key;
    /* tls-crypt-v2 client only: the WKc from the client key file, appended to V3 / WKC_V1. */
    const uint8_t *wkc;
    size_t wkc_len;
    /*
     * Time field of every sent replay id: the wall-clock Unix time when the session started
     * (the shell's clock_wall_s()). It stays constant for the session (§3.5).
     */
    uint32_t send_time;
    /* Receive window: --replay-window n t (REPLAY_WINDOW_DEFAULT / REPLAY_TIME_DEFAULT). */
    unsigned replay_window;
    unsigned replay_time;
};

/* Fills p with: mode NONE, role SERVER, bidirectional, "SHA1", replay-window defaults, rest 0. */
void ctlwrap_params_init(struct ctlwrap_params *p);

/*
 * Creates a wrapper. Send packet-ids start at 1; a tls-crypt-v2 client starts at 0x0F000001
 * (the early-negotiation marker, §5.4). Returns 0 and *out, or CTLWRAP_ERR_PARAM (missing key,
 * bad direction, unknown or over-long digest, v2 client WKc not 290..1024 bytes or whose trailing
 * length disagrees, replay parameters out of range) or CTLWRAP_ERR_CRYPTO; *out is NULL then.
 */
int ctlwrap_new(const struct ctlwrap_params *p, struct ctlwrap **out)
    __attribute__((warn_unused_result));

/* Frees cw (NULL is fine), cleansing its key contexts. */
void ctlwrap_free(struct ctlwrap *cw);

/*
 * Loads a new CTLWRAP_KEY_LEN-byte key into the existing contexts (no allocation) and starts over:
 * empty replay window, send counter back to its start. For a server's scratch wrapper that
 * handles each tls-crypt-v2 client's first packets with that client's Kc. CTLWRAP_ERR_PARAM for
 * mode NONE or key NULL.
 */
int ctlwrap_rekey(struct ctlwrap *cw, const uint8_t *key) __attribute__((warn_unused_result));

enum ctlwrap_mode ctlwrap_mode_of(const struct ctlwrap *cw);

/*
 * The next wrapped packet gets id last_sent + 1. A server that answered a client's reset
 * statelessly with replay id 1 creates the session's wrapper and calls this with 1 (§3.5).
 */
void ctlwrap_set_send_id(struct ctlwrap *cw, uint32_t last_sent);
uint32_t ctlwrap_last_send_id(const struct ctlwrap *cw);

/*
 * Bytes a wrapped packet with this opcode has beyond the plain packet, for the reliability
 * layer's size budget (§7.4): none 0, tls-auth H + 8 (28 for SHA1), tls-crypt and v2 56 (the
 * reserve openvpn uses; 40 are on the wire), a v2 client's V3 / WKC_V1 plus its WKc length.
 */
size_t ctlwrap_overhead(const struct ctlwrap *cw, uint8_t opcode);

/*
 * Wraps plain[0..len) with the next send packet-id and appends the result to out. Errors:
 * TRUNCATED (no complete head), OPCODE, SID, NO_ROOM, PID_WRAP (after id 0xFFFFFFFF), CRYPTO.
 */
int ctlwrap_wrap(struct ctlwrap *cw, const uint8_t *plain, size_t len, struct buf_writer *out)
    __attribute__((warn_unused_result));

/*
 * As ctlwrap_wrap() with an explicit replay id; the send counter is neither used nor moved. For
 * the stateless server's reset reply (replay id 1, §3.5) and tests. rid is ignored for NONE and
 * required otherwise (CTLWRAP_ERR_PARAM when NULL).
 */
int ctlwrap_wrap_id(struct ctlwrap *cw, const uint8_t *plain, size_t len,
                    const struct wire_replay_id *rid, struct buf_writer *out)
    __attribute__((warn_unused_result));

/*
 * Verifies and unwraps pkt[0..len) (a whole UDP payload) and appends the plain packet to
 * plain_out; the replay window must accept its packet-id, which is recorded after that. now_ms
 * is the monotonic clock (replay time backtrack). plain_out needs room for len bytes at most.
 * Errors: TRUNCATED, OPCODE, SID, WKC_LEN (v2 server: bad trailing WKc framing), AUTH, REPLAY,
 * NO_ROOM, CRYPTO.
 */
int ctlwrap_unwrap(struct ctlwrap *cw, const uint8_t *pkt, size_t len, uint64_t now_ms,
                   struct buf_writer *plain_out) __attribute__((warn_unused_result));

/*
 * ctlwrap_unwrap() without the replay window: verifies, unwraps, and reports the packet's replay
 * id in *rid ({0, 0} for NONE). Changes no state at all, so a stateless server can use one shared
 * wrapper for every client's first packets; once it creates the session's own wrapper it records
 * the id there with ctlwrap_replay_commit(). Same errors as ctlwrap_unwrap() except REPLAY.
 */
int ctlwrap_open(struct ctlwrap *cw, const uint8_t *pkt, size_t len, struct buf_writer *plain_out,
                 struct wire_replay_id *rid) __attribute__((warn_unused_result));

/*
 * Records an authenticated replay id (from ctlwrap_open()) in cw's window: 0 or
 * CTLWRAP_ERR_REPLAY (nothing recorded). Always 0 for NONE.
 */
int ctlwrap_replay_commit(struct ctlwrap *cw, const struct wire_replay_id *rid, uint64_t now_ms)
    __attribute__((warn_unused_result));

/* ---- tls-crypt-v2 server key and the wrapped client key (WKc), §5.2 ---- */

#define CTLWRAP_MD_USER      0x00u /* free-form bytes given (base64) at key generation */
#define CTLWRAP_MD_TIMESTAMP 0x01u /* 8-byte big-endian Unix time of key generation */
/* Metadata bytes, type byte included: WKc <= 1024 leaves 1024 - (32 + 256 + 2). */
#define CTLWRAP_MD_MAX_LEN (WIRE_WKC_MAX_LEN - WIRE_WKC_MIN_LEN)

struct ctlwrap_metadata {
    size_t len; /* 0 (no metadata at all) .. CTLWRAP_MD_MAX_LEN */
    uint8_t data[CTLWRAP_MD_MAX_LEN];
};

/* TIMESTAMP metadata: 01 || BE64(unix_time), what openvpn writes when no metadata is given. */
void ctlwrap_metadata_set_timestamp(struct ctlwrap_metadata *md, int64_t unix_time);
/* USER metadata: 00 || data; CTLWRAP_ERR_PARAM if len > CTLWRAP_MD_MAX_LEN - 1. */
int ctlwrap_metadata_set_user(struct ctlwrap_metadata *md, const uint8_t *data, size_t len)
    __attribute__((warn_unused_result));
/*
 * USER metadata from the base64 text of `--genkey tls-crypt-v2-client FILE METADATA`.
 * CTLWRAP_ERR_PARAM for bad base64 or too much data; md is then emptied.
 */
int ctlwrap_metadata_set_user_base64(struct ctlwrap_metadata *md, const char *text, size_t len)
    __attribute__((warn_unused_result));
/* The type byte, or -1 when there is no metadata. */
int ctlwrap_metadata_type(const struct ctlwrap_metadata *md);
/* True and *unix_time for TIMESTAMP metadata of exactly 9 bytes. */
bool ctlwrap_metadata_get_timestamp(const struct ctlwrap_metadata *md, int64_t *unix_time);

struct ctlwrap_v2_server;

/* Loads the 128-byte server key (Ke = bytes 0..31, Ka = 64..95). PARAM (key NULL) or CRYPTO. */
int ctlwrap_v2_server_new(const uint8_t *key, struct ctlwrap_v2_server **out)
    __attribute__((warn_unused_result));
void ctlwrap_v2_server_free(struct ctlwrap_v2_server *s);

/* Bytes of the WKc for md: 32 + 256 + md->len + 2. */
size_t ctlwrap_wkc_len(const struct ctlwrap_metadata *md);

/*
 * Appends WKc = T || AES-256-CTR(Ke, T[0..16), Kc || md) || len. Deterministic: the same Kc and
 * metadata give the same WKc. Errors: PARAM (kc NULL), NO_ROOM, CRYPTO.
 */
int ctlwrap_wkc_wrap(struct ctlwrap_v2_server *s, const uint8_t *kc,
                     const struct ctlwrap_metadata *md, struct buf_writer *out)
    __attribute__((warn_unused_result));

/*
 * Server side, no per-client state: checks and decrypts a WKc (as split off the end of a packet
 * by wire_wkc_split()), giving Kc (CTLWRAP_KEY_LEN bytes) and the metadata. Errors: WKC_LEN
 * (length outside 290..1024 or not equal to the trailing field), WKC_AUTH, CRYPTO; kc and md are
 * wiped / emptied on every error.
 */
int ctlwrap_wkc_unwrap(struct ctlwrap_v2_server *s, const uint8_t *wkc, size_t len, uint8_t *kc,
                       struct ctlwrap_metadata *md) __attribute__((warn_unused_result));

/* ---- key files (text from the shell; the pem module does the armor) ---- */

/* "OpenVPN tls-crypt-v2 server key" block -> key[128]. KEY_FILE (see *err) or KEY_LEN. */
int ctlwrap_v2_server_key_decode(const char *text, size_t len, uint8_t *key, struct pem_error *err)
    __attribute__((warn_unused_result));

/*
 * "OpenVPN tls-crypt-v2 client key" block -> kc[256] and wkc[0..*wkc_len) (wkc has room for
 * WIRE_WKC_MAX_LEN). KEY_FILE (see *err), KEY_LEN (fewer than 256 + 290 bytes or more than
 * 256 + 1024) or WKC_LEN (trailing length disagrees). Outputs are wiped on error.
 */
int ctlwrap_v2_client_key_decode(const char *text, size_t len, uint8_t *kc, uint8_t *wkc,
                                 size_t *wkc_len, struct pem_error *err)
    __attribute__((warn_unused_result));

/*
 * Key generation (`--genkey ...`), deterministic: the random bytes come in, from RAND_bytes in
 * the shell. Each writes the complete file text, NUL-terminated, exactly as openvpn does, to
 * out[0..cap); *outlen (may be NULL) gets its length. cap >= CTLWRAP_GENKEY_TEXT_MAX always
 * suffices. Errors: PARAM, NO_ROOM (out is then "" when cap > 0), CRYPTO. The text is key
 * material: wipe it after writing the file.
 */
#define CTLWRAP_GENKEY_TEXT_MAX 2048u

/* secret | tls-auth | tls-crypt: random[256] as "OpenVPN Static key V1". */
int ctlwrap_genkey_static(const uint8_t *random, char *out, size_t cap, size_t *outlen)
    __attribute__((warn_unused_result));
/* tls-crypt-v2-server: random[128]. */
int ctlwrap_genkey_v2_server(const uint8_t *random, char *out, size_t cap, size_t *outlen)
    __attribute__((warn_unused_result));
/* tls-crypt-v2-client: Kc = random[256], wrapped with s and md (see ctlwrap_metadata_set_*). */
int ctlwrap_genkey_v2_client(struct ctlwrap_v2_server *s, const uint8_t *random,
                             const struct ctlwrap_metadata *md, char *out, size_t cap,
                             size_t *outlen) __attribute__((warn_unused_result));

/* ---- stateless server cookie: the server's session id, §6.1-6.2 ---- */

#define CTLWRAP_COOKIE_SECRET_LEN 32u
/* Slots before the current one that are still accepted (the issuing slot is always accepted). */
#define CTLWRAP_COOKIE_PAST_SLOTS 2u

struct ctlwrap_cookie;

/*
 * secret: CTLWRAP_COOKIE_SECRET_LEN random bytes drawn at start-up. Slots last
 * (hand_window + 1) / 2 seconds (at least 1), so a cookie stays valid for 2 to 3 slots, about
 * 60 to 90 s with the default --hand-window 60. PARAM or CRYPTO.
 */
int ctlwrap_cookie_new(const uint8_t *secret, unsigned hand_window, struct ctlwrap_cookie **out)
    __attribute__((warn_unused_result));
void ctlwrap_cookie_free(struct ctlwrap_cookie *c);

/*
 * Ss = first 8 bytes of HMAC-SHA256(secret, BE32(slot) || addr || client sid) (never all-zero).
 * addr is the client's transport address in any fixed encoding the caller always uses (family,
 * port and IP bytes); now_ms is the monotonic clock. CTLWRAP_ERR_PARAM (addr NULL with a
 * length) or CRYPTO.
 */
int ctlwrap_cookie_make(struct ctlwrap_cookie *c, const uint8_t *addr, size_t addr_len,
                        const struct wire_sid *client_sid, uint64_t now_ms, struct wire_sid *out)
    __attribute__((warn_unused_result));

/* True if cookie is what ctlwrap_cookie_make() gave in this slot or one of the past ones. */
bool ctlwrap_cookie_check(struct ctlwrap_cookie *c, const uint8_t *addr, size_t addr_len,
                          const struct wire_sid *client_sid, const struct wire_sid *cookie,
                          uint64_t now_ms);

#endif
