/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sluice configuration: OpenVPN 2.6 command line and config files (ops-interfaces.md section 1)
 * parsed into typed fields, the macros of section 2 (server, server-ipv6, keepalive, client) and
 * the cross-option checks that OpenVPN makes before it starts.
 *
 * Pure: files are read through the caller's struct conf_loader (src/shell/conf_file.c reads real
 * files). Nothing here opens the files an option names (ca, status, ...): paths are stored as
 * given, relative to the process working directory, as OpenVPN does.
 *
 * Every error is one line "PLACE: what is wrong, what was expected", PLACE being "FILE:LINE" for
 * files and "command line" for argv, e.g. "server.conf:12: 'port' expects a number 1-65535, got
 * '99999'".
 *
 * Ownership: a struct conf owns every string and array it points to; conf_free() releases them
 * and wipes inline key material and other secrets first. Fields are read-only for other modules:
 * they translate them into their own parameter structs once at start-up.
 */
#ifndef SLUICE_CONF_H
#define SLUICE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_DEPTH 10 /* config files open at once (nested "config FILE"), as OpenVPN */
#define CONF_ERR_LEN   1024

struct conf_loader {
    /*
     * Reads a whole file. On success returns 0, *data is malloc'd (the caller frees it) and id
     * receives a canonical identity of the file (e.g. "dev:inode") used to detect include
     * loops. On failure returns -1 and writes e.g. "cannot read 'x.conf': No such file or
     * directory" to err.
     */
    int (*read_file)(void *ctx, const char *path, uint8_t **data, size_t *len, char *id,
                     size_t idlen, char *err, size_t errlen);
    /* Non-fatal notes, e.g. "server.conf:3: ignoring unknown option 'foo'". May be NULL. */
    void (*warn)(void *ctx, const char *msg);
    void *ctx;
};

struct conf_err {
    char msg[CONF_ERR_LEN];
};

/* ---- value types ---- */

/* Owned strings in the order they were given. */
struct conf_strlist {
    char **v;
    size_t n;
};

/* The arguments of one repeatable directive kept as given (dhcp-option, dns, ...). */
struct conf_args {
    int argc;
    char **argv;
};

struct conf_arglist {
    struct conf_args *v;
    size_t n;
};

/*
 * A file-valued option: a path, or the content of an inline <tag> block (is_inline; data holds
 * len bytes plus a NUL that len does not count). Inline data is wiped when freed.
 */
struct conf_blob {
    char *path;
    uint8_t *data;
    size_t len;
    bool is_inline;
};

/* IPv4 addresses are stored in host byte order. */
struct conf_ip6 {
    uint8_t addr[16];
    int bits; /* prefix length 0-128 */
};

enum conf_proto { CONF_PROTO_UDP, CONF_PROTO_UDP4, CONF_PROTO_UDP6 };
enum conf_mode { CONF_MODE_P2P, CONF_MODE_SERVER };
enum conf_topology { CONF_TOPOLOGY_NET30, CONF_TOPOLOGY_P2P, CONF_TOPOLOGY_SUBNET };
enum conf_ping_action { CONF_PING_NONE, CONF_PING_RESTART, CONF_PING_EXIT };
enum conf_mtu_disc {
    CONF_MTU_DISC_DEFAULT,
    CONF_MTU_DISC_NO,
    CONF_MTU_DISC_MAYBE,
    CONF_MTU_DISC_YES
};
enum conf_compress {
    CONF_COMPRESS_UNSET,
    CONF_COMPRESS_STUB,
    CONF_COMPRESS_STUB_V2,
    CONF_COMPRESS_LZ4,
    CONF_COMPRESS_LZ4_V2,
    CONF_COMPRESS_LZO,
    CONF_COMPRESS_MIGRATE,
};
enum conf_comp_lzo {
    CONF_COMP_LZO_UNSET,
    CONF_COMP_LZO_NO,
    CONF_COMP_LZO_YES,
    CONF_COMP_LZO_ADAPTIVE
};
/* UNSET becomes NO (no compression configured) or ASYM (receive only) in conf_finalize(). */
enum conf_allow_comp {
    CONF_ALLOW_COMP_UNSET,
    CONF_ALLOW_COMP_NO,
    CONF_ALLOW_COMP_ASYM,
    CONF_ALLOW_COMP_YES
};
enum conf_tls_ver {
    CONF_TLS_VER_UNSET,
    CONF_TLS_VER_1_0,
    CONF_TLS_VER_1_1,
    CONF_TLS_VER_1_2,
    CONF_TLS_VER_1_3
};
enum conf_cert_profile {
    CONF_CERT_PROFILE_UNSET,
    CONF_CERT_PROFILE_INSECURE,
    CONF_CERT_PROFILE_LEGACY,
    CONF_CERT_PROFILE_PREFERRED,
    CONF_CERT_PROFILE_SUITEB,
};
enum conf_remote_cert { CONF_REMOTE_CERT_NONE, CONF_REMOTE_CERT_SERVER, CONF_REMOTE_CERT_CLIENT };
enum conf_x509_type { CONF_X509_SUBJECT, CONF_X509_NAME, CONF_X509_NAME_PREFIX };
enum conf_tc2_mode { CONF_TC2_ALLOW_NONCOOKIE, CONF_TC2_FORCE_COOKIE };
enum conf_auth_retry { CONF_AUTH_RETRY_NONE, CONF_AUTH_RETRY_NOINTERACT, CONF_AUTH_RETRY_INTERACT };
enum conf_verify_method { CONF_VERIFY_VIA_FILE, CONF_VERIFY_VIA_ENV };
enum conf_client_cert {
    CONF_CLIENT_CERT_REQUIRE,
    CONF_CLIENT_CERT_OPTIONAL,
    CONF_CLIENT_CERT_NONE
};
enum conf_remap { CONF_REMAP_NONE, CONF_REMAP_SIGHUP, CONF_REMAP_SIGTERM };
enum conf_filter { CONF_FILTER_ACCEPT, CONF_FILTER_IGNORE, CONF_FILTER_REJECT };

/* redirect-gateway / redirect-private flags */
#define CONF_RG_ENABLE      (1u << 0)
#define CONF_RG_REROUTE_GW  (1u << 1) /* redirect-gateway (redirect-private lacks it) */
#define CONF_RG_LOCAL       (1u << 2)
#define CONF_RG_AUTOLOCAL   (1u << 3)
#define CONF_RG_DEF1        (1u << 4)
#define CONF_RG_BYPASS_DHCP (1u << 5)
#define CONF_RG_BYPASS_DNS  (1u << 6)
#define CONF_RG_BLOCK_LOCAL (1u << 7)
#define CONF_RG_IPV6        (1u << 8)
#define CONF_RG_NOT_IPV4    (1u << 9) /* "!ipv4" */

/* ---- option groups ---- */

/* Per-connection options: global ones in conf.ce, one entry per <connection> block or remote. */
struct conf_conn {
    char *remote;        /* server host; NULL when none */
    char *local;         /* bind address; NULL = any */
    int remote_port;     /* rport (port sets both) */
    int local_port;      /* lport; 0 = any */
    bool local_port_set; /* lport given: the client binds to it */
    enum conf_proto proto;
    bool bind;     /* false after nobind */
    bool bind_set; /* explicit "bind" */
    bool bind_ipv6only;
    bool remote_float;
    int connect_retry;     /* seconds between attempts */
    int connect_retry_cap; /* exponential back-off limit, seconds */
    int connect_timeout;   /* server-poll-timeout */
    int explicit_exit_notify;
    int tun_mtu;
    int occ_mtu; /* second tun-mtu argument; 0 = none */
    bool tun_mtu_set;
    int tun_mtu_max; /* 0 = default */
    int tun_mtu_extra;
    int link_mtu; /* 0 = not set */
    int mssfix;   /* 0 = off */
    bool mssfix_mtu;
    bool mssfix_fixed;
    int fragment; /* 0 = off */
    bool fragment_mtu;
    enum conf_mtu_disc mtu_disc;
};

/* remote HOST [PORT [PROTO]] outside <connection> blocks */
struct conf_remote {
    char *host;
    int port;  /* 0: the connection's remote_port */
    int proto; /* -1: the connection's proto, else enum conf_proto */
};

struct conf_net {
    enum conf_mode mode;
    bool client; /* the "client" macro was given */
    bool pull;
    bool remote_random;
    bool remote_random_hostname;
    int resolv_retry;      /* seconds, -1 = infinite */
    int connect_retry_max; /* tries of the whole list, 0 = unlimited */
    int sndbuf, rcvbuf;    /* 0 = OS default */
    bool fast_io;
    int mark;
    char *bind_dev;
    bool multihome;
    bool persist_local_ip, persist_remote_ip;
    int ping;     /* seconds, 0 = off */
    int ping_rec; /* ping-restart / ping-exit seconds, 0 = off */
    enum conf_ping_action ping_action;
    bool ping_timer_rem;
    bool keepalive_set;
    int keepalive_ping, keepalive_timeout;
    int inactive;
    long long inactive_bytes;
    int session_timeout;
    bool disable_occ;
    bool disable_dco;
    bool passtos;
};

struct conf_dev {
    char *dev;
    char *dev_type; /* "tun", or NULL: derived from the name */
    char *dev_node;
    int txqueuelen; /* 0 = kernel default */
    enum conf_topology topology;
    bool ifconfig_set;
    uint32_t ifconfig_local;
    uint32_t ifconfig_remote; /* peer (net30, p2p) or netmask (subnet) */
    bool ifconfig6_set;
    struct conf_ip6 ifconfig6_local;
    uint8_t ifconfig6_remote[16];
    bool ifconfig_noexec, ifconfig_nowarn;
    bool block_ipv6;
    bool persist_tun;
};

struct conf_route {
    char *network;    /* IPv4 address, host name, or vpn_gateway / net_gateway / remote_host */
    uint32_t netmask; /* 255.255.255.255 unless given */
    char *gateway;    /* NULL = route-gateway / VPN gateway */
    int metric;       /* -1 = route-metric */
};

struct conf_route6 {
    struct conf_ip6 net;
    char *gateway; /* NULL = VPN gateway */
    int metric;    /* -1 = route-metric */
};

struct conf_pull_filter {
    enum conf_filter action;
    char *text;
};

struct conf_routes {
    struct conf_route *v4;
    size_t n_v4;
    struct conf_route6 *v6;
    size_t n_v6;
    bool gateway_set;
    bool gateway_dhcp;
    uint32_t gateway;
    bool ipv6_gateway_set;
    uint8_t ipv6_gateway[16];
    int metric;
    bool delay_set;
    int delay, delay_window;
    bool noexec, nopull, allow_pull_fqdn;
    unsigned redirect; /* CONF_RG_* */
    struct conf_arglist dhcp_options;
    struct conf_arglist dns;
    struct conf_pull_filter *filters;
    size_t n_filters;
};

struct conf_iroute {
    uint32_t network, netmask;
};

struct conf_server {
    bool server_set;
    uint32_t server_network, server_netmask;
    bool server_nopool;
    bool server6_set;
    struct conf_ip6 server6;
    bool pool_set;
    uint32_t pool_start, pool_end, pool_netmask; /* netmask 0 = none */
    bool pool6_set;
    struct conf_ip6 pool6;
    char *pool_persist;
    int pool_persist_seconds;
    bool push_constraint_set;
    uint32_t push_constraint_network, push_constraint_netmask;
    struct conf_strlist push; /* PUSH_REPLY items in order */
    bool push_reset;
    struct conf_strlist push_remove;
    int push_continuation;
    bool client_to_client, duplicate_cn, ccd_exclusive;
    int max_clients;
    char *client_config_dir;
    struct conf_iroute *iroutes;
    size_t n_iroutes;
    struct conf_ip6 *iroutes6;
    size_t n_iroutes6;
    bool ifconfig_push_set;
    uint32_t ifconfig_push_local, ifconfig_push_remote;
    char *ifconfig_push_alias;
    bool ifconfig6_push_set;
    struct conf_ip6 ifconfig6_push;
    bool ifconfig6_push_remote_set;
    uint8_t ifconfig6_push_remote[16];
    int connect_freq, connect_freq_sec; /* 0 0 = off */
    int max_routes_per_client;
    int bcast_buffers;
    int hash_size_real, hash_size_virtual;
    int tcp_queue_limit;
    int stale_routes_interval, stale_routes_age;
    bool disable; /* CCD: refuse this client */
};

struct conf_tls {
    bool server, client;
    struct conf_blob ca, cert, key, pkcs12, extra_certs, dh;
    bool dh_none; /* dh none: ECDHE only */
    char *capath;
    struct conf_blob tls_auth, tls_crypt, tls_crypt_v2, crl_verify;
    bool crl_dir;
    enum conf_tc2_mode tls_crypt_v2_mode;
    int key_direction;  /* -1 bidirectional, 0, 1 */
    char *data_ciphers; /* canonical names joined by ':' */
    char *data_ciphers_fallback;
    char *cipher;
    char *auth; /* digest name or "none" */
    enum conf_tls_ver version_min;
    bool version_min_set;
    bool version_min_or_highest;
    enum conf_tls_ver version_max;
    char *tls_cipher, *tls_ciphersuites, *tls_groups, *ecdh_curve;
    enum conf_cert_profile cert_profile;
    int reneg_sec, reneg_sec_min; /* min -1 = default */
    long long reneg_bytes;        /* -1 = default */
    long long reneg_pkts;
    int hand_window, tran_window, tls_timeout;
    int replay_window, replay_time;
    bool mute_replay_warnings;
    enum conf_remote_cert remote_cert_tls;
    char *remote_cert_eku;
    unsigned remote_cert_ku[16];
    int n_remote_cert_ku;
    char *verify_x509_name;
    enum conf_x509_type verify_x509_type;
    uint8_t (*fingerprints)[32]; /* peer-fingerprint SHA-256 values */
    size_t n_fingerprints;
    char *verify_hash;    /* colon hex as given, upper case */
    int verify_hash_bits; /* 1 = SHA1, 256 = SHA256 */
    struct conf_strlist x509_username_field;
    struct conf_strlist x509_track;
    char *tls_export_cert;
    char *ekm_label;
    int ekm_len;
    bool tls_exit, single_session, push_peer_info, persist_key;
    char *askpass; /* file, or "stdin" */
    enum conf_compress compress;
    enum conf_comp_lzo comp_lzo;
    enum conf_allow_comp allow_compression;
};

struct conf_auth {
    bool user_pass;                  /* auth-user-pass given */
    struct conf_blob user_pass_file; /* neither path nor inline: ask (tty / management) */
    bool nocache;
    enum conf_auth_retry retry;
    char *token;      /* secret: wiped when freed */
    char *token_user; /* base64 user name */
    char *static_challenge;
    bool static_challenge_echo;
    bool user_pass_optional, username_as_common_name, opt_verify;
    enum conf_client_cert verify_client_cert;
    char *verify_script;
    enum conf_verify_method verify_method;
    bool gen_token;
    int gen_token_lifetime, gen_token_renewal;
    bool gen_token_external;
    struct conf_blob gen_token_secret;
};

struct conf_proc {
    char *user, *group, *chroot, *cd, *writepid, *tmp_dir; /* tmp_dir NULL = $TMPDIR or /tmp */
    bool daemon;
    char *daemon_name;
    int nice;
    bool mlock;
    int script_security;
    enum conf_remap remap_usr1;
};

struct conf_scripts {
    char *up, *down, *route_up, *route_pre_down, *ipchange;
    char *client_connect, *client_disconnect, *learn_address, *tls_verify, *tls_crypt_v2_verify;
    bool up_delay, up_restart, down_pre;
};

struct conf_log {
    char *file; /* log / log-append */
    bool append;
    bool syslog;
    char *syslog_name;
    int verb, mute;
    bool suppress_timestamps, machine_readable;
    char *status_file;
    int status_interval, status_version;
    struct conf_arglist echo; /* echo lines for the management interface */
};

struct conf_mgmt {
    bool set;
    char *addr; /* IP or host, or the socket path when unix_socket */
    int port;
    bool unix_socket;
    char *pw_file; /* file whose first line is the password, or "stdin" */
    bool client, hold, query_passwords, signal, forget_disconnect, up_down, client_auth;
    int log_cache;
    char *client_user, *client_group;
};

struct conf_setenv {
    char *name;
    char *value; /* "" when not given */
    bool safe;   /* setenv-safe: exported with the OPENVPN_ prefix */
};

struct conf_genkey {
    bool set;
    char *type; /* secret, tls-auth, tls-crypt, tls-crypt-v2-server, tls-crypt-v2-client, auth-token
                 */
    char *file;
    char *meta;
};

/* Where an option was first given; file NULL = command line. */
struct conf_place {
    const char *file;
    unsigned line;
    unsigned seq; /* 0 = not given */
    bool global;  /* given outside <connection> blocks too */
};

struct conf {
    struct conf_conn ce;
    struct conf_remote *remotes;
    size_t n_remotes;
    struct conf_conn *conns; /* <connection> blocks */
    size_t n_conns;
    struct conf_net net;
    struct conf_dev dev;
    struct conf_routes route;
    struct conf_server srv;
    struct conf_tls tls;
    struct conf_auth auth;
    struct conf_proc proc;
    struct conf_scripts script;
    struct conf_log log;
    struct conf_mgmt mgmt;
    struct conf_setenv *env;
    size_t n_env;
    struct conf_strlist ignore_unknown;
    bool forward_compatible; /* setenv FORWARD_COMPATIBLE 1: unknown options only warn */

    /* command line only */
    bool show_config, show_version, show_help;
    struct conf_genkey genkey;

    /* set by conf_finalize() */
    bool finalized;
    struct conf_conn *conn_list; /* the connection entries to try, in order (at least one) */
    size_t n_conn_list;
    struct conf_strlist notes; /* warnings for the log, e.g. the net30 pool warning */

    /* bookkeeping of the parser: not for other modules */
    struct conf_place *seen; /* per option table entry */
    unsigned seq;
    struct conf_strlist names; /* file names that places point into */
};

/* A conf with every default of OpenVPN 2.6.14, or NULL when out of memory. */
struct conf *conf_new(void);

/* Frees c and everything it owns, wiping inline key material and other secrets. NULL is ok. */
void conf_free(struct conf *c);

/*
 * The command line: argv[0] is the program name; "--name a b" equals the file line "name a b",
 * the arguments being the following elements up to the next one that starts with "--". A single
 * argument that is not an option is read as "--config FILE", as OpenVPN does. "--config FILE" is
 * read where it appears, so later options override it; a relative FILE after "cd DIR" is read
 * from DIR, as OpenVPN changes directory on the spot. Returns 0, or -1 with err filled.
 */
int conf_parse_args(struct conf *c, int argc, char **argv, const struct conf_loader *ld,
                    struct conf_err *err);

/* Reads path through ld and parses it as "config path" would. Returns 0 or -1. */
int conf_parse_file(struct conf *c, const char *path, const struct conf_loader *ld,
                    struct conf_err *err);

/*
 * Parses data[0..len) as the content of a file called name (used in messages). ld serves nested
 * "config" lines and warnings; it may be NULL (then includes fail). Returns 0 or -1.
 */
int conf_parse_text(struct conf *c, const char *name, const uint8_t *data, size_t len,
                    const struct conf_loader *ld, struct conf_err *err);

/*
 * Expands the macros (server-ipv6, server, client, keepalive; ops-interfaces.md section 2), sets
 * the defaults that depend on other options, builds conn_list and runs the cross-option checks.
 * A configuration must use TLS (client / tls-client or server / tls-server): Sluice has no
 * static-key mode. With show_version, show_help or genkey set nothing is checked. Call once,
 * after all parsing. Returns 0, or -1 with err filled (c is then only fit for conf_free()).
 */
int conf_finalize(struct conf *c, struct conf_err *err);

/* True when the colon-separated list (data-ciphers) holds name exactly; NULL list: false. */
bool conf_list_has(const char *list, const char *name);

/*
 * The effective configuration, one directive per call of emit, in a form conf_parse_text() reads
 * back. Options left at their default are emitted as comments ("# verb 1  (default)"); key
 * material and passwords are never shown.
 */
void conf_show(const struct conf *c, void (*emit)(void *ctx, const char *line), void *ctx);

/*
 * The first option given (in parse order) whose behaviour Sluice has not built yet: returns 1
 * and fills err with "FILE:LINE: 'NAME' is not supported yet", else 0.
 */
int conf_check_supported(const struct conf *c, struct conf_err *err);

#endif
