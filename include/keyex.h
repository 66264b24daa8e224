/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key method 2 (shared/docs/protocol-control.md §9, §10; protocol-data.md §2, §8): the payload
 * both peers exchange right after the TLS handshake, the OCC options string and the peer-info
 * text inside it, and the derivation of the 256-byte data-channel key block.
 *
 * Pure: bytes in, bytes out. The only calls into OpenSSL are RAND_bytes (fresh randoms) and HMAC
 * (the legacy PRF). The tls-ekm key block comes from the TLS exporter (tlsmem_export() with
 * KEYEX_EKM_LABEL) and is sliced here by the same keyex_keys_from_key2() as the legacy block.
 *
 * Strings ("struct keyex_str") are views: s points at len bytes followed by a NUL, with no NUL
 * among the len bytes; s == NULL means "absent" (written as a zero length on the wire), which is
 * not the same as an empty string (written as length 1, a lone NUL). Views produced by a parser
 * point into the parser's input and live as long as it does.
 *
 * Secrets: struct keyex_random, struct keyex_msg (it holds one), the master secret, the key2
 * block and struct keyex_keys are key material; wipe them with secret_wipe() or the wipe helpers
 * below. Username and password views point into the caller's plaintext buffer, which the caller
 * wipes.
 */
#ifndef SLUICE_KEYEX_H
#define SLUICE_KEYEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define KEYEX_METHOD         2
#define KEYEX_PRE_MASTER_LEN 48
#define KEYEX_RANDOM_LEN     32
#define KEYEX_SID_LEN        8
#define KEYEX_MASTER_LEN     48
#define KEYEX_KEY2_LEN       256
#define KEYEX_SLOT_LEN       64 /* one cipher or HMAC slot of the key2 block */

/* The receiver parses a key-method-2 message out of one TLS read into a 2048-byte buffer. */
#define KEYEX_MSG_MAX 2048
/* Wire lengths of a string, the trailing NUL included. */
#define KEYEX_OPTIONS_MAX   512  /* TLS_OPTIONS_LEN of the peer: longer is an error there */
#define KEYEX_USER_PASS_MAX 4096 /* USER_PASS_LEN of PKCS#11-enabled builds such as Debian's */

#define KEYEX_EKM_LABEL           "EXPORTER-OpenVPN-datakeys"
#define KEYEX_P2P_PEERID_LABEL    "EXPORTER-OpenVPN-p2p-peerid"
#define KEYEX_DYN_TLS_CRYPT_LABEL "EXPORTER-OpenVPN-dynamic-tls-crypt"

enum keyex_err {
    KEYEX_OK = 0,
    KEYEX_ERR_TRUNCATED = -1,     /* the message ends inside a field */
    KEYEX_ERR_METHOD = -2,        /* key-method byte whose low nibble is not 2 */
    KEYEX_ERR_NO_OPTIONS = -3,    /* the options string is absent (length 0) */
    KEYEX_ERR_TOO_LONG = -4,      /* a string over its limit, or a message over KEYEX_MSG_MAX */
    KEYEX_ERR_NO_NUL = -5,        /* a string whose last byte is not NUL */
    KEYEX_ERR_NUL = -6,           /* a NUL before the end of a string */
    KEYEX_ERR_TRAILING = -7,      /* bytes after the peer-info string */
    KEYEX_ERR_NO_ROOM = -8,       /* builder: output too small (a writer gets its error flag) */
    KEYEX_ERR_INVALID = -9,       /* builder: a parameter the format cannot carry */
    KEYEX_ERR_CRYPTO = -10,       /* OpenSSL failed (RAND, HMAC) */
    KEYEX_ERR_WEAK_KEY = -11,     /* a derived cipher key that is all zero */
    KEYEX_ERR_USER_PASS_LEN = -12 /* username or password over KEYEX_USER_PASS_MAX */
};

/* Static, never NULL. */
const char *keyex_strerror(int err);

/* TLS roles: the OpenVPN client is always the TLS client. */
enum keyex_role {
    KEYEX_CLIENT,
    KEYEX_SERVER,
};

struct keyex_str {
    const char *s; /* NULL: absent */
    size_t len;    /* bytes before the NUL */
};

/* ---- randoms and the key-method-2 message (§9.2) ---- */

struct keyex_random {
    uint8_t pre_master[KEYEX_PRE_MASTER_LEN]; /* sent by the client only; all zero otherwise */
    uint8_t random1[KEYEX_RANDOM_LEN];
    uint8_t random2[KEYEX_RANDOM_LEN];
};

/* Fills r with fresh randoms for one key-method-2 message of `role`. 0 or KEYEX_ERR_CRYPTO. */
int keyex_random_generate(struct keyex_random *r, enum keyex_role role);

struct keyex_msg {
    uint8_t key_method; /* parse: the byte as received (low nibble 2); build: ignored, 2 is sent */
    struct keyex_random rnd;
    struct keyex_str options; /* OCC string; required */
    struct keyex_str username;
    struct keyex_str password;
    struct keyex_str peer_info;
};

/* Bytes keyex_msg_build() writes for m sent by `sender` (no validation). */
size_t keyex_msg_size(enum keyex_role sender, const struct keyex_msg *m);

/*
 * Writes the message `sender` sends: zero u32, key method 2, pre_master (client only), random1,
 * random2, options, username, password, peer-info. Everything is validated first (options
 * present, every string within its limit and free of NUL, the total within KEYEX_MSG_MAX); on
 * any failure nothing is written. Returns 0, KEYEX_ERR_INVALID / _NO_OPTIONS / _TOO_LONG /
 * _USER_PASS_LEN / _NUL, or KEYEX_ERR_NO_ROOM.
 */
int keyex_msg_build(struct buf_writer *w, enum keyex_role sender, const struct keyex_msg *m);

/*
 * Parses the message a peer in role `sender` sent (the plaintext of one TLS read). The leading
 * u32 is skipped whatever its value, as openvpn does; the key-method byte must have low nibble 2.
 * Every string must end in its NUL and hold no other. username, password and peer-info may be
 * missing altogether at the very end of the message (older peers stop early): they are then
 * absent. Nothing may follow the peer-info string. Returns 0 or a negative enum keyex_err (a
 * username or password over KEYEX_USER_PASS_MAX would give KEYEX_ERR_USER_PASS_LEN, which
 * openvpn answers with AUTH_FAILED; with Debian's 4096-byte limit it cannot fit in
 * KEYEX_MSG_MAX, so such a message fails as truncated). On failure *out is wiped.
 */
int keyex_msg_parse(const uint8_t *data, size_t len, enum keyex_role sender, struct keyex_msg *out);

/* Wipes the randoms and clears the views (not the bytes they point to). */
void keyex_msg_wipe(struct keyex_msg *m);

/* ---- peer-info (§9.4) ---- */

/* IV_PROTO bits understood by 2.6 (bit 0 is reserved). */
#define KEYEX_IV_PROTO_DATA_V2         (1u << 1)
#define KEYEX_IV_PROTO_REQUEST_PUSH    (1u << 2)
#define KEYEX_IV_PROTO_TLS_KEY_EXPORT  (1u << 3)
#define KEYEX_IV_PROTO_AUTH_PENDING_KW (1u << 4)
#define KEYEX_IV_PROTO_NCP_P2P         (1u << 5)
#define KEYEX_IV_PROTO_DNS_OPTION      (1u << 6)
#define KEYEX_IV_PROTO_CC_EXIT_NOTIFY  (1u << 7)
#define KEYEX_IV_PROTO_AUTH_FAIL_TEMP  (1u << 8)
#define KEYEX_IV_PROTO_DYN_TLS_CRYPT   (1u << 9)
#define KEYEX_IV_PROTO_KNOWN           0x3FEu

/* Compression capabilities announced with value 1 (IV_LZ4=1 ...). */
#define KEYEX_IV_COMP_LZ4      (1u << 0)
#define KEYEX_IV_COMP_LZ4V2    (1u << 1)
#define KEYEX_IV_COMP_LZO      (1u << 2)
#define KEYEX_IV_COMP_LZO_STUB (1u << 3)
#define KEYEX_IV_COMP_STUB     (1u << 4)
#define KEYEX_IV_COMP_STUBV2   (1u << 5)
#define KEYEX_IV_COMP_STUBS_ONLY                                                                   \
    (KEYEX_IV_COMP_LZO_STUB | KEYEX_IV_COMP_STUB | KEYEX_IV_COMP_STUBV2)

/* A NAME=value pair; views, not NUL-terminated. */
struct keyex_kv {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct keyex_peer_info_params {
    const char *version;  /* IV_VER, e.g. "2.6.14"; required unless p2p */
    const char *platform; /* IV_PLAT, e.g. "linux"; required unless p2p */
    bool p2p;             /* TLS p2p mode: only IV_CIPHERS and IV_PROTO are sent */
    uint32_t proto;       /* IV_PROTO bits (KEYEX_IV_PROTO_*); unknown bits are refused */
    const char *ciphers;  /* IV_CIPHERS, colon list; required. IV_NCP=2 follows from it */
    unsigned mtu;         /* IV_MTU; 0 leaves it out */
    bool tcpnl;           /* IV_TCPNL=1 */
    unsigned comp;        /* KEYEX_IV_COMP_* */
    /* Extra variables (setenv IV_GUI_VER / IV_SSO / UV_*), appended in order; the caller chooses
     * which to send. Names must be IV_ or UV_ followed by letters, digits or '_'; values must be
     * printable (no control character, no newline). */
    const struct keyex_kv *extra;
    size_t n_extra;
};

/*
 * Writes the peer-info text ("NAME=value\n" lines, no NUL) into out[0..cap) and NUL-terminates
 * it; *len gets the text length. Returns 0, KEYEX_ERR_INVALID (a missing or malformed
 * parameter) or KEYEX_ERR_NO_ROOM (out is then an empty string).
 */
int keyex_peer_info_build(char *out, size_t cap, const struct keyex_peer_info_params *p,
                          size_t *len);

#define KEYEX_PEER_INFO_MAX_VARS 64

struct keyex_peer_info {
    size_t n;                                       /* valid lines, in order */
    struct keyex_kv vars[KEYEX_PEER_INFO_MAX_VARS]; /* views into the parsed text */
    size_t n_bad; /* lines skipped: no '=', a name outside [A-Za-z0-9_], a control character,
                   * or beyond KEYEX_PEER_INFO_MAX_VARS */
    /* Decoded from the first occurrence of each name; a value that is not a plain decimal
     * number counts as absent. */
    bool has_proto;
    uint32_t proto; /* IV_PROTO */
    unsigned ncp;   /* IV_NCP, 0 if absent */
    unsigned mtu;   /* IV_MTU, 0 if absent */
    bool tcpnl;     /* IV_TCPNL=1 */
    unsigned comp;  /* KEYEX_IV_COMP_* variables present with value 1 */
};

/*
 * Splits text[0..len) (no NUL inside; the last line may lack its '\n') into variables and decodes
 * the known ones. Never fails: bad lines are counted and skipped. Returns the number of valid
 * variables.
 */
size_t keyex_peer_info_parse(const char *text, size_t len, struct keyex_peer_info *out);

/* The value of the first variable called name, or false. */
bool keyex_peer_info_get(const struct keyex_peer_info *pi, const char *name, const char **value,
                         size_t *value_len);

/* "DATA_V2", "REQUEST_PUSH", ... for one bit number, or NULL for a bit 2.6 does not define. */
const char *keyex_iv_proto_bit_name(unsigned bit);

/*
 * Writes the names of the bits set in proto, space separated ("DATA_V2 TLS_KEY_EXPORT bit11"),
 * into out[0..cap), truncating if needed; returns the untruncated length, like snprintf.
 */
size_t keyex_iv_proto_describe(uint32_t proto, char *out, size_t cap);

/* ---- OCC options string (§9.3) ---- */

enum keyex_occ_proto {
    KEYEX_OCC_UDP,        /* "UDPv4" for any UDP */
    KEYEX_OCC_TCP_CLIENT, /* "TCPv4_CLIENT" */
    KEYEX_OCC_TCP_SERVER, /* "TCPv4_SERVER" */
};

struct keyex_occ_params {
    bool tap; /* dev-type tap, else tun */
    unsigned link_mtu;
    unsigned tun_mtu;
    enum keyex_occ_proto proto;
    bool tun_ipv6; /* p2p without pull with an IPv6 ifconfig */
    /* p2p without pull: "ifconfig L R"; NULL leaves it out. When ifconfig_swap is set (tun
     * non-subnet) the peer's view has the two words swapped. */
    const char *ifconfig_local;
    const char *ifconfig_remote;
    bool ifconfig_swap;
    bool comp_lzo;      /* any compression configured */
    bool mtu_dynamic;   /* --fragment */
    int keydir;         /* tls-auth direction 0 or 1; -1 when none was given */
    const char *cipher; /* NULL leaves it out (the usual case since 2.6) */
    const char *auth;   /* --auth name, e.g. "SHA1"; required */
    unsigned keysize;   /* 128 with the default BF-CBC placeholder */
    bool secret;        /* static-key mode */
    bool no_replay;
    bool tls_auth;
    enum keyex_role role;
};

/*
 * Writes the options string into out[0..cap) with its NUL. With as_peer the string is the one the
 * peer should send if it matches (role, keydir, TCP side and ifconfig swapped), which is what a
 * received string is compared with. Returns 0, KEYEX_ERR_INVALID (an auth/cipher/ifconfig word
 * with a space, comma or control character; keydir outside -1..1) or KEYEX_ERR_NO_ROOM. The text
 * is at most KEYEX_OPTIONS_MAX - 1 bytes or KEYEX_ERR_TOO_LONG.
 */
int keyex_occ_build(char *out, size_t cap, const struct keyex_occ_params *p, bool as_peer,
                    size_t *len);

/* Finds the first comma-separated item named `name` ("auth" in "auth SHA1"); its value view is
 * the text after the first space (empty for a bare flag such as "tls-auth"). */
bool keyex_occ_find(const char *s, size_t len, const char *name, const char **value,
                    size_t *value_len);

enum keyex_occ_diff_kind {
    KEYEX_OCC_ONLY_LOCAL,  /* expected but missing from the peer's string */
    KEYEX_OCC_ONLY_REMOTE, /* in the peer's string but not expected */
    KEYEX_OCC_DIFFERENT,   /* same name, different value */
};

struct keyex_occ_diff {
    enum keyex_occ_diff_kind kind;
    const char *local; /* whole item views ("link-mtu 1541"); NULL for the missing side */
    size_t local_len;
    const char *remote;
    size_t remote_len;
};

#define KEYEX_OCC_MAX_DIFFS 16

struct keyex_occ_report {
    bool compared; /* false: the two strings do not start with the same 2 characters */
    size_t n;      /* entries in d */
    size_t n_more; /* further differences that did not fit */
    struct keyex_occ_diff d[KEYEX_OCC_MAX_DIFFS];
};

/*
 * Compares the expected string (keyex_occ_build with as_peer) with the peer's, item by item, for
 * logging: openvpn 2.6 only warns. Items named keydir, proto, tls-auth, key-method, tun-ipv6 and
 * cipher are not compared (openvpn does not warn about them either). Returns the number of
 * differences (n + n_more).
 */
size_t keyex_occ_compare(const char *expected, size_t elen, const char *got, size_t glen,
                         struct keyex_occ_report *rep);

/* ---- data-channel keys (§10) ---- */

/*
 * TLS 1.0/1.1 PRF: P_MD5(first half of secret) XOR P_SHA1(second half), halves of ceil(len/2)
 * bytes overlapping by one when len is odd. seed_len at most 256, out_len at most 1024.
 * 0, KEYEX_ERR_INVALID or KEYEX_ERR_CRYPTO (MD5 unavailable, e.g. FIPS); out is wiped on error.
 */
int keyex_prf(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
              uint8_t *out, size_t out_len);

/*
 * Legacy OpenVPN derivation (§10.2): master = PRF(client pre_master, "OpenVPN master secret" ||
 * client random1 || server random1, 48); key2 = PRF(master, "OpenVPN key expansion" || client
 * random2 || server random2 || client sid || server sid, 256). The server's pre_master is
 * unused. 0 or KEYEX_ERR_CRYPTO (key2 wiped).
 */
int keyex_derive_legacy(const struct keyex_random *client, const struct keyex_random *server,
                        const uint8_t client_sid[KEYEX_SID_LEN],
                        const uint8_t server_sid[KEYEX_SID_LEN], uint8_t key2[KEYEX_KEY2_LEN]);

/* One direction's keys: the used prefix of each 64-byte slot. */
struct keyex_dir_keys {
    uint8_t cipher[KEYEX_SLOT_LEN];
    size_t cipher_len;
    uint8_t hmac[KEYEX_SLOT_LEN]; /* HMAC key, or for AEAD the implicit IV source */
    size_t hmac_len;
};

struct keyex_keys {
    struct keyex_dir_keys encrypt;
    struct keyex_dir_keys decrypt;
};

/*
 * Slices a key2 block, from the legacy PRF or from the TLS exporter (label KEYEX_EKM_LABEL, no
 * context, 256 bytes), into the keys one side uses (§10.1): keys[0] = bytes 0..127 protect
 * client->server traffic, keys[1] = bytes 128..255 server->client; the client encrypts with
 * keys[0], the server with keys[1]. cipher_len is the cipher key length (0 for cipher none),
 * hmac_len the HMAC key length, or for AEAD the implicit IV length (iv_len - 4, i.e. 8); both at
 * most 64. Returns 0, KEYEX_ERR_INVALID, or KEYEX_ERR_WEAK_KEY when a cipher key is all zero
 * (openvpn refuses such keys); *out is wiped on error.
 */
int keyex_keys_from_key2(const uint8_t key2[KEYEX_KEY2_LEN], enum keyex_role role,
                         size_t cipher_len, size_t hmac_len, struct keyex_keys *out);

#endif
