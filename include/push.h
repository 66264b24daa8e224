/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text control messages after the key exchange (shared/docs/protocol-control.md §8.4, §12;
 * protocol-data.md §8.4-8.6): splitting a TLS record into messages, classifying a message
 * (PUSH_REQUEST, PUSH_REPLY, AUTH_FAILED, RESTART, HALT, INFO...), building the server's
 * PUSH_REPLY messages and parsing them on the client into typed settings.
 *
 * Pure: text in, text or structs out. A pushed item is tokenized with conf_lex_split(), so
 * quoting works as in a configuration file.
 *
 * Text rules shared by every parser here: a message is printable ASCII (0x20..0x7e) only; a NUL
 * or any other byte makes it invalid (openvpn drops such messages).
 */
#ifndef SLUICE_PUSH_H
#define SLUICE_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One text message must fit one TLS read buffer of this size, its NUL included. */
#define PUSH_MSG_MAX 2048
/* The server's reply buffer and the packing limit: options are added while the message stays
 * below PUSH_REPLY_SAFE bytes; ",push-continuation N" then fits in the rest. */
#define PUSH_BUNDLE_SIZE 1024
#define PUSH_REPLY_SAFE  940

enum push_err {
    PUSH_OK = 0,
    PUSH_ERR_TOO_LONG = -1,  /* a message of PUSH_MSG_MAX bytes or more */
    PUSH_ERR_NUL = -2,       /* a NUL inside the message */
    PUSH_ERR_CHAR = -3,      /* a byte that is not printable ASCII */
    PUSH_ERR_NOT_REPLY = -4, /* push_reply_parse: the text is not PUSH_REPLY[,...] */
    PUSH_ERR_OPTION = -5,    /* a malformed known option; the settings' err says which */
    PUSH_ERR_LIMIT = -6,     /* more routes / dhcp-options than the settings can hold */
    PUSH_ERR_NO_ROOM = -7,   /* builder: output buffer too small */
    PUSH_ERR_INVALID = -8,   /* builder: an option or parameter that cannot be pushed */
};

/* Static, never NULL. */
const char *push_strerror(int err);

/* ---- framing: one TLS record holds NUL-terminated messages (§8.4) ---- */

struct push_text_iter {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

/* The iterator reads record[0..len) and keeps a pointer to it. */
void push_text_iter_init(struct push_text_iter *it, const uint8_t *record, size_t len);

/*
 * Next message: returns 1 with *msg and *len viewing it (trailing CR/LF removed, not
 * NUL-terminated), 0 when no complete message remains (a tail without its NUL is discarded, as
 * openvpn does), or PUSH_ERR_CHAR for a message with a byte that is not printable ASCII, which the
 * caller drops before calling again. Empty messages are skipped.
 */
int push_text_next(struct push_text_iter *it, const char **msg, size_t *len);

/* ---- classification of one message (§12) ---- */

enum push_msg_type {
    PUSH_MSG_UNKNOWN, /* logged and ignored by the receiver */
    PUSH_MSG_AUTH_FAILED,
    PUSH_MSG_PUSH_REQUEST,
    PUSH_MSG_PUSH_REPLY,
    PUSH_MSG_RESTART,
    PUSH_MSG_HALT,
    PUSH_MSG_INFO_PRE,
    PUSH_MSG_INFO,
    PUSH_MSG_CR_RESPONSE,
    PUSH_MSG_AUTH_PENDING,
    PUSH_MSG_EXIT,
};

enum push_auth_failed_kind {
    PUSH_AF_PLAIN,   /* "AUTH_FAILED" */
    PUSH_AF_REASON,  /* "AUTH_FAILED,<reason>" */
    PUSH_AF_TEMP,    /* "AUTH_FAILED,TEMP[flags]:<message>" */
    PUSH_AF_SESSION, /* "AUTH_FAILED,SESSION...": the auth-token is no longer valid */
    PUSH_AF_CRV1,    /* "AUTH_FAILED,CRV1:...": legacy dynamic challenge */
};

enum push_advance {
    PUSH_ADVANCE_DEFAULT, /* no advance flag given */
    PUSH_ADVANCE_NO,      /* retry the same remote */
    PUSH_ADVANCE_ADDR,    /* next address of the remote */
    PUSH_ADVANCE_REMOTE,  /* next remote */
};

struct push_msg {
    enum push_msg_type type;
    /* Text after "TYPE," (views into the message; arg_len 0 when there is none). */
    const char *arg;
    size_t arg_len;

    /* AUTH_FAILED */
    enum push_auth_failed_kind af_kind;
    bool temp_has_backoff;
    uint32_t temp_backoff; /* seconds */
    enum push_advance temp_advance;
    size_t temp_unknown_flags;
    const char *temp_msg; /* text after the flags and ':' */
    size_t temp_msg_len;

    /* AUTH_PENDING */
    bool has_timeout;
    uint32_t timeout; /* seconds */

    /* RESTART / HALT: "[flags]" at the start of the text */
    bool keep_password; /* P */
    bool next_remote;   /* N */
    const char *text;   /* the message after the flags */
    size_t text_len;
};

/*
 * Classifies text[0..len) by prefix in openvpn's order (AUTH_FAILED, PUSH_REQUEST / PUSH_REPLY,
 * RESTART, HALT, INFO_PRE, INFO, CR_RESPONSE, AUTH_PENDING, EXIT) and decodes the arguments.
 * Returns 0 (PUSH_MSG_UNKNOWN included), PUSH_ERR_TOO_LONG, PUSH_ERR_NUL or PUSH_ERR_CHAR.
 */
int push_msg_parse(const char *text, size_t len, struct push_msg *out);

/* "PUSH_REQUEST" and "EXIT" as constants, and the classifier's type names for logs. */
#define PUSH_REQUEST_TEXT "PUSH_REQUEST"
#define PUSH_EXIT_TEXT    "EXIT"
const char *push_msg_type_name(enum push_msg_type type);

/* ---- server: building PUSH_REPLY (§12.2, protocol-data.md §8.4-8.5) ---- */

/* protocol-flags words, also what a client parsed. */
#define PUSH_PF_CC_EXIT       (1u << 0)
#define PUSH_PF_TLS_EKM       (1u << 1)
#define PUSH_PF_DYN_TLS_CRYPT (1u << 2)

struct push_client_params {
    bool has_ifconfig_ipv6;
    uint8_t ifconfig_ipv6_local[16];
    unsigned ifconfig_ipv6_bits; /* 0..128 */
    uint8_t ifconfig_ipv6_remote[16];
    bool has_ifconfig;
    uint32_t ifconfig_local;  /* host byte order */
    uint32_t ifconfig_remote; /* netmask (subnet) or peer address (net30/p2p), host order */
    bool has_peer_id;
    uint32_t peer_id;       /* at most 0xFFFFFF */
    const char *auth_token; /* NULL: none */
    const char *cipher;     /* NULL: client without NCP */
    bool ekm;               /* keys come from the TLS exporter */
    bool cc_exit;           /* client has IV_PROTO CC_EXIT_NOTIFY */
    bool dyn_tls_crypt;
    unsigned tun_mtu; /* 0: the client sent no IV_MTU */
};

#define PUSH_CLIENT_ITEMS_MAX 8

struct push_client_items {
    size_t n;
    const char *items[PUSH_CLIENT_ITEMS_MAX]; /* point into storage */
    char storage[1024];
};

/*
 * The per-client part of a PUSH_REPLY, in 2.6 order: ifconfig-ipv6, ifconfig, peer-id,
 * auth-token, cipher, "key-derivation tls-ekm" (EKM client without cc-exit), "protocol-flags
 * [cc-exit] [tls-ekm] [dyn-tls-crypt]" (tls-ekm only with cc-exit; left out when no word
 * applies), then tun-mtu.
 * Returns 0, PUSH_ERR_INVALID (peer-id over 24 bits, prefix over 128, a token or cipher that
 * cannot be pushed) or PUSH_ERR_NO_ROOM. out holds the auth-token: wipe it after use.
 */
int push_client_items_build(const struct push_client_params *p, struct push_client_items *out);

struct push_reply_iter {
    const char *const *opts;
    size_t n;
    size_t pos;
    bool multi;
    bool done;
};

/*
 * Prepares the messages for opts[0..n) (the configured push list, then the per-client items).
 * Every option must be non-empty printable ASCII without a comma and short enough to fit a
 * message on its own; otherwise PUSH_ERR_INVALID with *bad set to its index. opts must outlive
 * the iterator.
 */
int push_reply_iter_init(struct push_reply_iter *it, const char *const *opts, size_t n,
                         size_t *bad);

/*
 * Writes the next message ("PUSH_REPLY,a,b[,push-continuation 2|1]") NUL-terminated into
 * out[0..cap) and its length to *len. Returns 1 for a message, 0 when all were produced (after at
 * least one: an empty list gives "PUSH_REPLY"), PUSH_ERR_NO_ROOM when cap < PUSH_BUNDLE_SIZE.
 */
int push_reply_next(struct push_reply_iter *it, char *out, size_t cap, size_t *len);

/* ---- client: PUSH_REPLY into typed settings (protocol-data.md §8.6) ---- */

enum push_topology {
    PUSH_TOPOLOGY_UNSET,
    PUSH_TOPOLOGY_NET30,
    PUSH_TOPOLOGY_P2P,
    PUSH_TOPOLOGY_SUBNET,
};

enum push_gateway {
    PUSH_GW_DEFAULT, /* absent or "default": the route-gateway */
    PUSH_GW_ADDR,    /* the address in gateway */
    PUSH_GW_VPN,     /* vpn_gateway */
    PUSH_GW_NET,     /* net_gateway */
    PUSH_GW_REMOTE,  /* remote_host */
};

struct push_route {
    uint32_t network; /* host byte order */
    uint32_t netmask; /* 255.255.255.255 when absent */
    enum push_gateway gw;
    uint32_t gateway;
    bool has_metric;
    uint32_t metric;
};

struct push_route6 {
    uint8_t network[16];
    unsigned bits;
    bool has_gateway;
    uint8_t gateway[16];
    bool has_metric;
    uint32_t metric;
};

#define PUSH_TOKEN_MAX 256 /* a token (CONF_MAX_TOKEN), NUL included */
#define PUSH_NAME_MAX  64  /* cipher / digest names */

struct push_dhcp_option {
    char type[32];              /* DNS, DOMAIN, DOMAIN-SEARCH, ... */
    char value[PUSH_TOKEN_MAX]; /* "" when the option has no value */
};

/* redirect-gateway / redirect-private flags */
#define PUSH_RG_ENABLE      (1u << 0) /* the option was given */
#define PUSH_RG_LOCAL       (1u << 1)
#define PUSH_RG_AUTO_LOCAL  (1u << 2)
#define PUSH_RG_DEF1        (1u << 3)
#define PUSH_RG_BYPASS_DHCP (1u << 4)
#define PUSH_RG_BYPASS_DNS  (1u << 5)
#define PUSH_RG_BLOCK_LOCAL (1u << 6)
#define PUSH_RG_IPV6        (1u << 7)
#define PUSH_RG_NOT_IPV4    (1u << 8) /* "!ipv4" */

/* which of the single-valued settings were pushed */
#define PUSH_HAVE_IFCONFIG        (1u << 0)
#define PUSH_HAVE_IFCONFIG_IPV6   (1u << 1)
#define PUSH_HAVE_ROUTE_GATEWAY   (1u << 2)
#define PUSH_HAVE_TOPOLOGY        (1u << 3)
#define PUSH_HAVE_PEER_ID         (1u << 4)
#define PUSH_HAVE_CIPHER          (1u << 5)
#define PUSH_HAVE_PROTOCOL_FLAGS  (1u << 6) /* protocol-flags or key-derivation */
#define PUSH_HAVE_PING            (1u << 7)
#define PUSH_HAVE_PING_RESTART    (1u << 8)
#define PUSH_HAVE_PING_EXIT       (1u << 9)
#define PUSH_HAVE_INACTIVE        (1u << 10)
#define PUSH_HAVE_TUN_MTU         (1u << 11)
#define PUSH_HAVE_ROUTE_METRIC    (1u << 12)
#define PUSH_HAVE_AUTH_TOKEN      (1u << 13)
#define PUSH_HAVE_AUTH_TOKEN_USER (1u << 14)
#define PUSH_HAVE_AUTH            (1u << 15)
#define PUSH_HAVE_EXIT_NOTIFY     (1u << 16)
#define PUSH_HAVE_COMPRESS        (1u << 17)

#define PUSH_MAX_ROUTES   512
#define PUSH_MAX_ROUTES6  256
#define PUSH_MAX_DHCP     32
#define PUSH_MAX_UNKNOWN  16
#define PUSH_UNKNOWN_SHOW 128 /* bytes of an unknown item kept for the log, NUL included */

struct push_settings {
    unsigned have; /* PUSH_HAVE_* */

    uint32_t ifconfig_local;  /* host order */
    uint32_t ifconfig_remote; /* netmask (subnet) or peer (net30/p2p), as topology says */
    uint8_t ifconfig6_local[16];
    unsigned ifconfig6_bits;
    uint8_t ifconfig6_remote[16];
    enum push_topology topology;
    bool route_gateway_dhcp;
    uint32_t route_gateway;
    uint32_t route_metric;

    size_t n_routes;
    struct push_route routes[PUSH_MAX_ROUTES];
    size_t n_routes6;
    struct push_route6 routes6[PUSH_MAX_ROUTES6];
    unsigned redirect_gateway; /* PUSH_RG_* */
    unsigned redirect_private; /* PUSH_RG_* */
    bool block_ipv6;
    size_t n_dhcp;
    struct push_dhcp_option dhcp[PUSH_MAX_DHCP];

    uint32_t peer_id; /* 24-bit */
    char cipher[PUSH_NAME_MAX];
    char auth[PUSH_NAME_MAX];
    unsigned protocol_flags;      /* PUSH_PF_*; key-derivation tls-ekm sets PUSH_PF_TLS_EKM */
    char compress[PUSH_NAME_MAX]; /* "compress lz4" -> "lz4", "comp-lzo no" -> "lzo no" */

    uint32_t ping, ping_restart, ping_exit;
    uint32_t inactive;
    uint64_t inactive_bytes;
    uint32_t tun_mtu;
    uint32_t explicit_exit_notify;

    char auth_token[PUSH_TOKEN_MAX]; /* secret: push_settings_wipe() */
    char auth_token_user[PUSH_TOKEN_MAX];

    size_t n_ignored; /* known options without meaning here (tun-ipv6, register-dns, ...) */
    size_t n_unknown; /* unknown options, kept for the log (first PUSH_MAX_UNKNOWN) */
    char unknown[PUSH_MAX_UNKNOWN][PUSH_UNKNOWN_SHOW];

    char err[192]; /* why PUSH_ERR_OPTION / PUSH_ERR_LIMIT */
};

/* Clears s for a new push (one set of continuation parts). */
void push_settings_init(struct push_settings *s);

/* Wipes the auth-token and everything else. */
void push_settings_wipe(struct push_settings *s);

/*
 * Applies one "PUSH_REPLY[,item...]" message to s (parts of a continuation are applied in turn
 * to the same s). Empty items are skipped; unknown options are kept aside in s->unknown;
 * a malformed known option stops with PUSH_ERR_OPTION and s->err naming it. Returns 1 when
 * the message ends in "push-continuation 2" (more parts follow), 0 when the push is complete
 * (no continuation or "push-continuation 1"), or a negative enum push_err.
 */
int push_reply_parse(const char *text, size_t len, struct push_settings *s);

#endif
