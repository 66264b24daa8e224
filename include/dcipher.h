/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data-channel packet protection, OpenVPN 2.6 TLS mode (shared/docs/protocol-data.md §2-§5).
 *
 * Suites, one table behind dcipher_suite_lookup():
 *   AEAD  AES-128/192/256-GCM, CHACHA20-POLY1305     hdr | pid | tag(16) | ciphertext
 *   CBC   AES-128/192/256-CBC + HMAC-<auth>           hdr | HMAC | IV | CBC(pid | payload | pad)
 *   NONE  cipher none + HMAC-<auth> (or auth none)    hdr | HMAC | pid | payload
 * hdr is the 1-byte P_DATA_V1 or 4-byte P_DATA_V2 header (wire.h). AEAD: nonce = pid || 8-byte
 * implicit IV, AAD = V2 header || pid, or pid alone for V1 (§1.5, §3.3). CBC: HMAC over IV ||
 * ciphertext, header not covered (§4.1). NONE: HMAC over pid || payload (§4.2).
 *
 * Packets are sealed and opened in place in a pktbuf: seal prepends into the headroom and (CBC
 * padding only) appends into the tailroom; open strips everything so the buffer holds the
 * plaintext. The payload is never copied. Static-key mode (§4.5), CFB/OFB (§4.3) and 64-bit block
 * ciphers (§4.4) are not supported.
 *
 * Replay: dcipher_open() authenticates and reports the packet-id; checking and recording it in
 * the replay window (replay.h) is the caller's job, after open succeeded (§3.4 receive order).
 * Packet-id 0 is returned as it arrived; the replay window rejects it.
 *
 * Threads: a struct dcipher_key holds OpenSSL contexts that every seal/open reuses, so one key
 * must not be used by two threads at once.
 */
#ifndef SLUICE_DCIPHER_H
#define SLUICE_DCIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "pktbuf.h"

#define DCIPHER_SLOT_LEN        64u /* one cipher or HMAC slot of the 256-byte key2 block (§2) */
#define DCIPHER_PID_LEN         4u  /* short-form packet-id on the wire */
#define DCIPHER_TAG_LEN         16u /* AEAD tag, GCM and ChaCha20-Poly1305 alike (§3.4) */
#define DCIPHER_NONCE_LEN       12u /* AEAD nonce: packet-id || implicit IV (§3.2) */
#define DCIPHER_IMPLICIT_IV_LEN 8u
#define DCIPHER_BLOCK_MAX       16u    /* largest cipher block = largest CBC IV */
#define DCIPHER_MAC_MAX         64u    /* largest HMAC accepted (SHA512); also the slot size */
#define DCIPHER_AUTH_NAME_MAX   32u    /* buffer for a digest name, NUL included */
#define DCIPHER_PACKET_MAX      65535u /* largest packet sealed or opened (one UDP payload) */

/* Own send counter at which a soft reset (new key) should start (§5.1, 2.6's wrap trigger). */
#define DCIPHER_PACKET_ID_RENEG 0xFF000000u

/*
 * Results. Drop reasons of dcipher_open() are -1..-10, so `-err` indexes an array of
 * DCIPHER_DROP_REASONS counters (index 0 unused). The rest are set-up and seal errors.
 */
enum dcipher_err {
    DCIPHER_OK = 0,
    DCIPHER_ERR_TRUNCATED = -1,   /* shorter than the suite's fixed fields (or empty) */
    DCIPHER_ERR_NOT_DATA = -2,    /* first byte is not a P_DATA_V1/V2 opcode */
    DCIPHER_ERR_BAD_LENGTH = -3,  /* CBC: not whole blocks, or no room for the packet-id */
    DCIPHER_ERR_BAD_TAG = -4,     /* AEAD authentication failed */
    DCIPHER_ERR_BAD_HMAC = -5,    /* HMAC mismatch */
    DCIPHER_ERR_BAD_PADDING = -6, /* CBC: authentic, but the PKCS#7 padding is malformed */
    DCIPHER_ERR_TOO_BIG = -7,     /* packet (open) or sealed result (seal) over PACKET_MAX */
    DCIPHER_ERR_NO_KEY = -8,      /* the key was never initialised or was cleaned up */
    DCIPHER_ERR_DIRECTION = -9,   /* a decrypt key used to seal, or an encrypt key to open */
    DCIPHER_ERR_CRYPTO = -10,     /* OpenSSL failed (allocation, missing provider) */
    DCIPHER_ERR_NO_ROOM = -11,    /* seal: headroom or tailroom too small; nothing changed */
    DCIPHER_ERR_BAD_HDR = -12,    /* seal: hdr is not exactly one P_DATA_V1/V2 header */
    DCIPHER_ERR_BAD_IV = -13,     /* seal, CBC: IV missing or not the cipher's block size */
    DCIPHER_ERR_PACKET_ID = -14,  /* seal: packet-id 0; packet_id_next: id space used up */
    DCIPHER_ERR_UNKNOWN_CIPHER = -15,
    DCIPHER_ERR_UNKNOWN_AUTH = -16, /* unknown digest, XOF, or digest longer than 64 bytes */
    DCIPHER_ERR_KEY_LEN = -17,      /* key_init: a key slot shorter than the suite needs */
    DCIPHER_ERR_WEAK_KEY = -18,     /* key_init: all-zero cipher key (openvpn refuses it, §2) */
};

#define DCIPHER_DROP_REASONS 11

/* Static, never NULL; "unknown error" for values outside enum dcipher_err. */
const char *dcipher_strerror(int err);

enum dcipher_mode {
    DCIPHER_MODE_AEAD,
    DCIPHER_MODE_CBC,
    DCIPHER_MODE_NONE, /* cipher none: HMAC only, or nothing with auth none */
};

enum dcipher_dir {
    DCIPHER_ENCRYPT,
    DCIPHER_DECRYPT,
};

/* A resolved cipher + auth pair. Plain data, copied freely; no cleanup needed. */
struct dcipher_suite {
    const char *cipher;   /* canonical OpenVPN spelling, static: "AES-256-GCM", "none" */
    const char *evp_name; /* OpenSSL fetch name (NULL for none); for the implementation */
    enum dcipher_mode mode;
    size_t key_len;      /* bytes used from the cipher slot (0 for none) */
    size_t hmac_key_len; /* bytes used from the HMAC slot: digest length, or 8 for AEAD */
    size_t mac_len;      /* on the wire: 16-byte AEAD tag or HMAC length (0 for auth none) */
    size_t iv_len;       /* explicit IV on the wire: the block size for CBC, else 0 */
    size_t block_len;    /* padding granularity: 16 for CBC, else 1 */
    char auth[DCIPHER_AUTH_NAME_MAX]; /* digest as given ("SHA256"), "none", "" for AEAD */
};

/*
 * Resolves OpenVPN names, case-insensitively. cipher: one of the table above or "none" (which the
 * caller must only pass when `none` was explicitly configured, §4.2). auth: any fixed-length
 * OpenSSL digest of at most 64 bytes (SHA1, SHA256, SHA512, ...) or "none"; NULL means the
 * default SHA1; ignored for AEAD suites (§3.4). Returns 0, UNKNOWN_CIPHER or UNKNOWN_AUTH (*out
 * then undefined).
 */
int dcipher_suite_lookup(const char *cipher, const char *auth, struct dcipher_suite *out)
    __attribute__((warn_unused_result));

/* The canonical spelling of a supported cipher name ("aes-256-gcm" -> "AES-256-GCM"), or NULL. */
const char *dcipher_cipher_canonical(const char *cipher);

/* ---- sizes (§4.6, §11.2). hdr_len is 1 (P_DATA_V1) or 4 (P_DATA_V2). ---- */

/* Bytes seal puts in front of the plaintext, header included: the headroom it needs. */
size_t dcipher_head_len(const struct dcipher_suite *s, size_t hdr_len);
/* The most bytes seal appends (CBC padding, 1..block): the tailroom that always suffices. */
size_t dcipher_tail_max(const struct dcipher_suite *s);
/* Largest total overhead, the §4.6 table's upper bound: head_len + tail_max. */
size_t dcipher_overhead_max(const struct dcipher_suite *s, size_t hdr_len);
/* Exact length of the packet sealing plain_len bytes gives. */
size_t dcipher_sealed_len(const struct dcipher_suite *s, size_t hdr_len, size_t plain_len);
/*
 * Largest plaintext whose sealed packet fits in packet_len bytes (0 when nothing fits). With
 * packet_len = mssfix target minus outer IP/UDP header, this minus compression framing minus 40
 * is openvpn's MSS (§11.2).
 */
size_t dcipher_plain_max(const struct dcipher_suite *s, size_t hdr_len, size_t packet_len);

/* ---- keys ---- */

/* One direction of one key state. Embed it; init fills it, cleanup wipes it. */
struct dcipher_key {
    struct dcipher_suite suite;
    enum dcipher_dir dir;
    bool ready;
    EVP_CIPHER_CTX *cipher;                       /* AEAD and CBC: keyed once, re-IVed per packet */
    EVP_MAC_CTX *mac;                             /* CBC and none with an auth digest: keyed once */
    uint8_t implicit_iv[DCIPHER_IMPLICIT_IV_LEN]; /* AEAD only */
};

/*
 * Keys one direction. cipher_key / hmac_key are this direction's slots of the key2 block (§2:
 * client encrypts with key[0], server with key[1]; keyex_keys_from_key2() slices them): the first
 * suite->key_len bytes of cipher_key and the first suite->hmac_key_len bytes of hmac_key are used
 * (for AEAD those are the implicit IV). Longer slots are fine; a NULL slot counts as length 0.
 * The key bytes are not retained (the implicit IV is copied into k and wiped by cleanup).
 * Returns 0, KEY_LEN, WEAK_KEY or CRYPTO; on failure k is left cleaned up.
 */
int dcipher_key_init(struct dcipher_key *k, const struct dcipher_suite *suite, enum dcipher_dir dir,
                     const uint8_t *cipher_key, size_t cipher_key_len, const uint8_t *hmac_key,
                     size_t hmac_key_len) __attribute__((warn_unused_result));

/* Frees the contexts and wipes k. Accepts NULL, a zeroed struct, and a second call. */
void dcipher_key_cleanup(struct dcipher_key *k);

/* ---- packets ---- */

/*
 * Seals the plaintext in p (already compression-framed) into a complete data packet, header
 * first. hdr is the data header the packet goes out with (wire_data_hdr_build(); 1 or 4 bytes);
 * with AEAD a V2 header is authenticated, so it must be the final one. iv: CBC only, exactly
 * suite.iv_len fresh random bytes (the caller draws them; this module stays deterministic);
 * ignored otherwise (may be NULL). packet_id: 1..0xFFFFFFFF, from dcipher_packet_id_next().
 * Needs headroom >= dcipher_head_len() and tailroom >= the padding this length needs
 * (dcipher_tail_max() always suffices).
 * Returns 0, NO_KEY, DIRECTION, PACKET_ID, BAD_HDR, BAD_IV, TOO_BIG, NO_ROOM (p unchanged for all
 * of these) or CRYPTO (p unspecified).
 */
int dcipher_seal(const struct dcipher_key *k, struct pktbuf *p, uint32_t packet_id,
                 const uint8_t *hdr, size_t hdr_len, const uint8_t *iv, size_t iv_len)
    __attribute__((warn_unused_result));

/*
 * Opens the data packet in p (starting at its opcode byte; the caller has already parsed the
 * header to choose k). Authenticates before anything else, then decrypts in place; on success p
 * holds the plaintext (still compression-framed) and *packet_id the id to check against the
 * replay window. Returns 0 or a drop reason (-1..-10); on failure p's contents and bounds are
 * unspecified (the caller drops it) and nothing else changed.
 */
int dcipher_open(const struct dcipher_key *k, struct pktbuf *p, uint32_t *packet_id)
    __attribute__((warn_unused_result));

/* ---- send-side packet-id (§5.1) ---- */

/*
 * *last_sent is the last id sent with this key (0 before the first packet). Sets *next to the
 * next id and advances *last_sent, or returns DCIPHER_ERR_PACKET_ID (nothing changed) once
 * 0xFFFFFFFF was used: the key must not send any more.
 */
int dcipher_packet_id_next(uint32_t *last_sent, uint32_t *next) __attribute__((warn_unused_result));
/* True when no further id exists after last_sent. */
bool dcipher_packet_id_exhausted(uint32_t last_sent);
/* True once last_sent reached DCIPHER_PACKET_ID_RENEG: start a renegotiation now. */
bool dcipher_packet_id_renegotiate(uint32_t last_sent);

#endif
