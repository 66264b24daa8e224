/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text control messages and PUSH_REPLY (shared/docs/protocol-control.md §8.4, §12;
 * protocol-data.md §8.4-8.6).
 */
#include "push.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "conf_lex.h"
#include "secret.h"

#define REPLY_HEAD     "PUSH_REPLY"
#define REPLY_HEAD_LEN (sizeof(REPLY_HEAD) - 1)

const char *push_strerror(int err)
{
    switch (err) {
    case PUSH_OK:
        return "ok";
    case PUSH_ERR_TOO_LONG:
        return "control message too long";
    case PUSH_ERR_NUL:
        return "NUL byte inside a control message";
    case PUSH_ERR_CHAR:
        return "control message with a non-printable character";
    case PUSH_ERR_NOT_REPLY:
        return "not a PUSH_REPLY message";
    case PUSH_ERR_OPTION:
        return "bad pushed option";
    case PUSH_ERR_LIMIT:
        return "too many pushed options of one kind";
    case PUSH_ERR_NO_ROOM:
        return "output buffer too small";
    case PUSH_ERR_INVALID:
        return "option cannot be pushed";
    default:
        return "unknown error";
    }
}

/* ---- text helpers ---- */

static bool printable(unsigned char c)
{
    return c >= 0x20 && c <= 0x7e;
}

static int check_text(const char *s, size_t len)
{
    if (len >= PUSH_MSG_MAX)
        return PUSH_ERR_TOO_LONG;
    if (len && memchr(s, '\0', len))
        return PUSH_ERR_NUL;
    for (size_t i = 0; i < len; i++)
        if (!printable((unsigned char)s[i]))
            return PUSH_ERR_CHAR;
    return PUSH_OK;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool span_eq(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Index of c in s[from..len), or len. */
static size_t find_char(const char *s, size_t len, size_t from, char c)
{
    while (from < len && s[from] != c)
        from++;
    return from;
}

/* Plain decimal, 1..20 digits, at most max. */
static bool parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v;

    if (!parse_u64(s, len, max, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_u32_str(const char *s, uint32_t max, uint32_t *out)
{
    return parse_u32(s, strlen(s), max, out);
}

/* ---- framing ---- */

void push_text_iter_init(struct push_text_iter *it, const uint8_t *record, size_t len)
{
    it->data = record;
    it->len = record ? len : 0;
    it->pos = 0;
}

int push_text_next(struct push_text_iter *it, const char **msg, size_t *len)
{
    struct buf_reader r;

    buf_reader_init(&r, it->data, it->len);
    buf_skip(&r, it->pos);
    while (buf_remaining(&r) > 0) {
        const uint8_t *rest = buf_rest(&r);
        const uint8_t *nul = memchr(rest, '\0', buf_remaining(&r));
        size_t n;
        const char *text;

        if (!nul) /* a message cut at the record end is lost, as in openvpn */
            break;
        n = (size_t)(nul - rest);
        text = (const char *)buf_read_view(&r, n + 1);
        it->pos += n + 1;
        while (n && (text[n - 1] == '\r' || text[n - 1] == '\n'))
            n--;
        if (n == 0)
            continue;
        if (check_text(text, n) != PUSH_OK)
            return PUSH_ERR_CHAR;
        *msg = text;
        *len = n;
        return 1;
    }
    it->pos = it->len;
    return 0;
}

/* ---- classification ---- */

static const struct {
    const char *prefix;
    enum push_msg_type type;
} msg_prefixes[] = {
    /* openvpn's order: INFO_PRE must be tried before INFO */
    { "AUTH_FAILED", PUSH_MSG_AUTH_FAILED },
    { "PUSH_REQUEST", PUSH_MSG_PUSH_REQUEST },
    { "PUSH_REPLY", PUSH_MSG_PUSH_REPLY },
    { "RESTART", PUSH_MSG_RESTART },
    { "HALT", PUSH_MSG_HALT },
    { "INFO_PRE", PUSH_MSG_INFO_PRE },
    { "INFO", PUSH_MSG_INFO },
    { "CR_RESPONSE", PUSH_MSG_CR_RESPONSE },
    { "AUTH_PENDING", PUSH_MSG_AUTH_PENDING },
    { "EXIT", PUSH_MSG_EXIT },
};

#define N_PREFIXES (sizeof(msg_prefixes) / sizeof(msg_prefixes[0]))

const char *push_msg_type_name(enum push_msg_type type)
{
    for (size_t i = 0; i < N_PREFIXES; i++)
        if (msg_prefixes[i].type == type)
            return msg_prefixes[i].prefix;
    return "UNKNOWN";
}

/* "backoff N" / "advance no|addr|remote" inside TEMP[...]. */
static void temp_flag(struct push_msg *m, const char *f, size_t n)
{
    if (starts_with(f, n, "backoff ") && parse_u32(f + 8, n - 8, UINT32_MAX, &m->temp_backoff)) {
        m->temp_has_backoff = true;
    } else if (span_eq(f, n, "advance no")) {
        m->temp_advance = PUSH_ADVANCE_NO;
    } else if (span_eq(f, n, "advance addr")) {
        m->temp_advance = PUSH_ADVANCE_ADDR;
    } else if (span_eq(f, n, "advance remote")) {
        m->temp_advance = PUSH_ADVANCE_REMOTE;
    } else {
        m->temp_unknown_flags++;
    }
}

/* reason = "TEMP[flag,flag]:message" (flags and ':' optional). */
static void parse_temp(struct push_msg *m, const char *r, size_t n)
{
    size_t pos = 4, close;

    if (pos < n && r[pos] == '[' && (close = find_char(r, n, pos, ']')) < n) {
        for (size_t i = pos + 1; i < close;) {
            size_t end = find_char(r, close, i, ',');
            temp_flag(m, r + i, end - i);
            i = end + 1;
        }
        pos = close + 1;
    }
    if (pos < n && r[pos] == ':')
        pos++;
    m->temp_msg = r + pos;
    m->temp_msg_len = n - pos;
}

static void parse_auth_failed(struct push_msg *m)
{
    const char *r = m->arg;
    size_t n = m->arg_len;

    if (n == 0) {
        m->af_kind = PUSH_AF_PLAIN;
    } else if (starts_with(r, n, "TEMP")) {
        m->af_kind = PUSH_AF_TEMP;
        parse_temp(m, r, n);
    } else if (starts_with(r, n, "SESSION")) {
        m->af_kind = PUSH_AF_SESSION;
    } else if (starts_with(r, n, "CRV1:")) {
        m->af_kind = PUSH_AF_CRV1;
    } else {
        m->af_kind = PUSH_AF_REASON;
    }
}

/* Comma-separated keywords; only "timeout N" is defined. */
static void parse_auth_pending(struct push_msg *m)
{
    for (size_t i = 0; i < m->arg_len;) {
        size_t end = find_char(m->arg, m->arg_len, i, ',');
        if (starts_with(m->arg + i, end - i, "timeout ") &&
            parse_u32(m->arg + i + 8, end - i - 8, UINT32_MAX, &m->timeout))
            m->has_timeout = true;
        i = end + 1;
    }
}

/* "[flags]text": P keeps the cached password, N moves to the next remote. */
static void parse_restart(struct push_msg *m)
{
    size_t close;

    m->text = m->arg;
    m->text_len = m->arg_len;
    if (m->arg_len == 0 || m->arg[0] != '[' ||
        (close = find_char(m->arg, m->arg_len, 1, ']')) == m->arg_len)
        return;
    for (size_t i = 1; i < close; i++) {
        if (m->arg[i] == 'P')
            m->keep_password = true;
        else if (m->arg[i] == 'N')
            m->next_remote = true;
    }
    m->text = m->arg + close + 1;
    m->text_len = m->arg_len - close - 1;
}

int push_msg_parse(const char *text, size_t len, struct push_msg *out)
{
    int rc = check_text(text, len);

    memset(out, 0, sizeof(*out));
    out->arg = text;
    out->text = text;
    out->temp_msg = text;
    if (rc)
        return rc;
    for (size_t i = 0; i < N_PREFIXES; i++) {
        size_t n = strlen(msg_prefixes[i].prefix);

        if (!starts_with(text, len, msg_prefixes[i].prefix))
            continue;
        out->type = msg_prefixes[i].type;
        out->arg = text + n;
        if (len > n && text[n] == ',') {
            out->arg = text + n + 1;
            out->arg_len = len - n - 1;
        }
        break;
    }
    if (out->type == PUSH_MSG_AUTH_FAILED)
        parse_auth_failed(out);
    else if (out->type == PUSH_MSG_AUTH_PENDING)
        parse_auth_pending(out);
    else if (out->type == PUSH_MSG_RESTART || out->type == PUSH_MSG_HALT)
        parse_restart(out);
    return PUSH_OK;
}

/* ---- server: per-client items ---- */

/* Appends one formatted item to out->storage and records it. */
__attribute__((format(printf, 2, 3))) static void add_item(struct push_client_items *out,
                                                           const char *fmt, ...)
{
    size_t used = 0;
    va_list ap;
    int n;

    if (out->n > 0)
        used = (size_t)(out->items[out->n - 1] - out->storage) + strlen(out->items[out->n - 1]) + 1;
    if (out->n == PUSH_CLIENT_ITEMS_MAX || used >= sizeof(out->storage)) {
        out->n = PUSH_CLIENT_ITEMS_MAX + 1; /* marks overflow */
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(out->storage + used, sizeof(out->storage) - used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(out->storage) - used) {
        out->n = PUSH_CLIENT_ITEMS_MAX + 1;
        return;
    }
    out->items[out->n++] = out->storage + used;
}

static bool pushable_word(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n >= max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!printable((unsigned char)s[i]) || s[i] == ',' || s[i] == ' ')
            return false;
    return true;
}

static void add_ipv4(struct push_client_items *out, const struct push_client_params *p)
{
    uint32_t a = p->ifconfig_local, b = p->ifconfig_remote;

    add_item(out, "ifconfig %u.%u.%u.%u %u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
             a & 255, b >> 24, (b >> 16) & 255, (b >> 8) & 255, b & 255);
}

static void add_ipv6(struct push_client_items *out, const struct push_client_params *p)
{
    char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

    if (!inet_ntop(AF_INET6, p->ifconfig_ipv6_local, l, sizeof(l)) ||
        !inet_ntop(AF_INET6, p->ifconfig_ipv6_remote, r, sizeof(r))) {
        out->n = PUSH_CLIENT_ITEMS_MAX + 1;
        return;
    }
    add_item(out, "ifconfig-ipv6 %s/%u %s", l, p->ifconfig_ipv6_bits, r);
}

/*
 * An EKM client without cc-exit learns about EKM from a separate key-derivation item, pushed
 * before protocol-flags; with cc-exit, tls-ekm is one of the protocol-flags words (2.6 order:
 * cc-exit, tls-ekm, dyn-tls-crypt).
 */
static void add_features(struct push_client_items *out, const struct push_client_params *p)
{
    if (p->ekm && !p->cc_exit)
        add_item(out, "key-derivation tls-ekm");
    if (p->cc_exit || p->dyn_tls_crypt)
        add_item(out, "protocol-flags%s%s%s", p->cc_exit ? " cc-exit" : "",
                 p->cc_exit && p->ekm ? " tls-ekm" : "", p->dyn_tls_crypt ? " dyn-tls-crypt" : "");
}

int push_client_items_build(const struct push_client_params *p, struct push_client_items *out)
{
    memset(out, 0, sizeof(*out));
    if ((p->has_peer_id && p->peer_id > 0xFFFFFFu) ||
        (p->has_ifconfig_ipv6 && p->ifconfig_ipv6_bits > 128) ||
        (p->auth_token && !pushable_word(p->auth_token, PUSH_TOKEN_MAX)) ||
        (p->cipher && !pushable_word(p->cipher, PUSH_NAME_MAX)))
        return PUSH_ERR_INVALID;
    if (p->has_ifconfig_ipv6)
        add_ipv6(out, p);
    if (p->has_ifconfig)
        add_ipv4(out, p);
    if (p->has_peer_id)
        add_item(out, "peer-id %u", (unsigned)p->peer_id);
    if (p->auth_token)
        add_item(out, "auth-token %s", p->auth_token);
    if (p->cipher)
        add_item(out, "cipher %s", p->cipher);
    add_features(out, p);
    if (p->tun_mtu)
        add_item(out, "tun-mtu %u", p->tun_mtu);
    if (out->n > PUSH_CLIENT_ITEMS_MAX) {
        secret_wipe(out, sizeof(*out));
        return PUSH_ERR_NO_ROOM;
    }
    return PUSH_OK;
}

/* ---- server: packing PUSH_REPLY messages ---- */

static bool option_pushable(const char *o)
{
    size_t n = o ? strlen(o) : 0;

    if (n == 0 || n + REPLY_HEAD_LEN >= PUSH_REPLY_SAFE)
        return false;
    return check_text(o, n) == PUSH_OK && !memchr(o, ',', n);
}

int push_reply_iter_init(struct push_reply_iter *it, const char *const *opts, size_t n, size_t *bad)
{
    memset(it, 0, sizeof(*it));
    for (size_t i = 0; i < n; i++) {
        if (!option_pushable(opts[i])) {
            if (bad)
                *bad = i;
            it->done = true;
            return PUSH_ERR_INVALID;
        }
    }
    it->opts = opts;
    it->n = n;
    return PUSH_OK;
}

static size_t put(char *out, size_t at, const char *s)
{
    size_t n = strlen(s);

    memcpy(out + at, s, n + 1);
    return at + n;
}

int push_reply_next(struct push_reply_iter *it, char *out, size_t cap, size_t *len)
{
    size_t at;

    if (it->done)
        return 0;
    if (cap < PUSH_BUNDLE_SIZE)
        return PUSH_ERR_NO_ROOM;
    at = put(out, 0, REPLY_HEAD);
    /* Sizes were checked at init: at < PUSH_REPLY_SAFE before each append, and the
     * continuation marker adds 20 bytes, so at stays below PUSH_BUNDLE_SIZE. */
    for (; it->pos < it->n; it->pos++) {
        const char *o = it->opts[it->pos];

        if (at + strlen(o) >= PUSH_REPLY_SAFE) {
            it->multi = true;
            *len = put(out, at, ",push-continuation 2");
            return 1;
        }
        at = put(out, put(out, at, ","), o);
    }
    if (it->multi)
        at = put(out, at, ",push-continuation 1");
    it->done = true;
    *len = at;
    return 1;
}

/* ---- client: PUSH_REPLY into settings ---- */

void push_settings_init(struct push_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->topology = PUSH_TOPOLOGY_UNSET;
}

void push_settings_wipe(struct push_settings *s)
{
    secret_wipe(s, sizeof(*s));
}

/* Handler context: the settings and the continuation value seen so far. */
struct apply {
    struct push_settings *s;
    const struct conf_line *l;
    int cont;
};

__attribute__((format(printf, 2, 3))) static int fail(struct apply *a, const char *fmt, ...)
{
    char why[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(a->s->err, sizeof(a->s->err), "%s: %s", a->l->argv[0], why);
    return PUSH_ERR_OPTION;
}

static bool ipv4(const char *s, uint32_t *out)
{
    struct in_addr in;

    if (inet_pton(AF_INET, s, &in) != 1)
        return false;
    *out = ntohl(in.s_addr);
    return true;
}

/* "addr" or "addr/bits"; bits default to 128. */
static bool ipv6_prefix(const char *s, uint8_t addr[16], unsigned *bits)
{
    char tmp[INET6_ADDRSTRLEN];
    size_t len = strlen(s), slash = find_char(s, len, 0, '/');
    uint32_t b = 128;

    if (slash >= sizeof(tmp))
        return false;
    if (slash < len && !parse_u32_str(s + slash + 1, 128, &b))
        return false;
    memcpy(tmp, s, slash);
    tmp[slash] = '\0';
    if (inet_pton(AF_INET6, tmp, addr) != 1)
        return false;
    *bits = b;
    return true;
}

static bool copy_word(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

static int opt_ifconfig(struct apply *a)
{
    if (!ipv4(a->l->argv[1], &a->s->ifconfig_local) || !ipv4(a->l->argv[2], &a->s->ifconfig_remote))
        return fail(a, "expects two IPv4 addresses");
    a->s->have |= PUSH_HAVE_IFCONFIG;
    return PUSH_OK;
}

static int opt_ifconfig_ipv6(struct apply *a)
{
    unsigned bits;

    if (!ipv6_prefix(a->l->argv[1], a->s->ifconfig6_local, &a->s->ifconfig6_bits) ||
        !ipv6_prefix(a->l->argv[2], a->s->ifconfig6_remote, &bits) || bits != 128)
        return fail(a, "expects ADDRESS/BITS and the IPv6 address of the server");
    a->s->have |= PUSH_HAVE_IFCONFIG_IPV6;
    return PUSH_OK;
}

static bool route_gateway_word(const char *w, struct push_route *r)
{
    if (strcmp(w, "default") == 0)
        r->gw = PUSH_GW_DEFAULT;
    else if (strcmp(w, "vpn_gateway") == 0)
        r->gw = PUSH_GW_VPN;
    else if (strcmp(w, "net_gateway") == 0)
        r->gw = PUSH_GW_NET;
    else if (strcmp(w, "remote_host") == 0)
        r->gw = PUSH_GW_REMOTE;
    else if (ipv4(w, &r->gateway))
        r->gw = PUSH_GW_ADDR;
    else
        return false;
    return true;
}

static bool metric_word(const char *w, bool *has, uint32_t *metric)
{
    if (strcmp(w, "default") == 0)
        return true;
    *has = true;
    return parse_u32_str(w, UINT32_MAX, metric);
}

static int opt_route(struct apply *a)
{
    const struct conf_line *l = a->l;
    struct push_route r = { .netmask = 0xFFFFFFFFu };

    if (a->s->n_routes == PUSH_MAX_ROUTES) {
        snprintf(a->s->err, sizeof(a->s->err), "more than %d pushed routes", PUSH_MAX_ROUTES);
        return PUSH_ERR_LIMIT;
    }
    if (!ipv4(l->argv[1], &r.network))
        return fail(a, "network '%s' is not an IPv4 address", l->argv[1]);
    if (l->argc > 2 && strcmp(l->argv[2], "default") != 0 && !ipv4(l->argv[2], &r.netmask))
        return fail(a, "bad netmask '%s'", l->argv[2]);
    if (l->argc > 3 && !route_gateway_word(l->argv[3], &r))
        return fail(a, "bad gateway '%s'", l->argv[3]);
    if (l->argc > 4 && !metric_word(l->argv[4], &r.has_metric, &r.metric))
        return fail(a, "bad metric '%s'", l->argv[4]);
    a->s->routes[a->s->n_routes++] = r;
    return PUSH_OK;
}

static int opt_route_ipv6(struct apply *a)
{
    const struct conf_line *l = a->l;
    struct push_route6 r = { .bits = 128 };
    unsigned bits;

    if (a->s->n_routes6 == PUSH_MAX_ROUTES6) {
        snprintf(a->s->err, sizeof(a->s->err), "more than %d pushed IPv6 routes", PUSH_MAX_ROUTES6);
        return PUSH_ERR_LIMIT;
    }
    if (!ipv6_prefix(l->argv[1], r.network, &r.bits))
        return fail(a, "bad network '%s'", l->argv[1]);
    if (l->argc > 2 && strcmp(l->argv[2], "default") != 0) {
        if (!ipv6_prefix(l->argv[2], r.gateway, &bits) || bits != 128)
            return fail(a, "bad gateway '%s'", l->argv[2]);
        r.has_gateway = true;
    }
    if (l->argc > 3 && !metric_word(l->argv[3], &r.has_metric, &r.metric))
        return fail(a, "bad metric '%s'", l->argv[3]);
    a->s->routes6[a->s->n_routes6++] = r;
    return PUSH_OK;
}

static int opt_route_gateway(struct apply *a)
{
    a->s->route_gateway_dhcp = strcmp(a->l->argv[1], "dhcp") == 0;
    if (!a->s->route_gateway_dhcp && !ipv4(a->l->argv[1], &a->s->route_gateway))
        return fail(a, "expects an IPv4 address or 'dhcp'");
    a->s->have |= PUSH_HAVE_ROUTE_GATEWAY;
    return PUSH_OK;
}

static int opt_topology(struct apply *a)
{
    const char *t = a->l->argv[1];

    if (strcmp(t, "subnet") == 0)
        a->s->topology = PUSH_TOPOLOGY_SUBNET;
    else if (strcmp(t, "net30") == 0)
        a->s->topology = PUSH_TOPOLOGY_NET30;
    else if (strcmp(t, "p2p") == 0)
        a->s->topology = PUSH_TOPOLOGY_P2P;
    else
        return fail(a, "expects subnet, net30 or p2p");
    a->s->have |= PUSH_HAVE_TOPOLOGY;
    return PUSH_OK;
}

/* Options holding one number: where it goes, its bounds, and the have-bit it sets. */
struct num_opt {
    const char *name;
    size_t off;
    uint32_t min, max;
    unsigned have;
};

static const struct num_opt num_opts[] = {
    { "peer-id", offsetof(struct push_settings, peer_id), 0, 0xFFFFFF, PUSH_HAVE_PEER_ID },
    { "ping", offsetof(struct push_settings, ping), 0, UINT32_MAX, PUSH_HAVE_PING },
    { "ping-restart", offsetof(struct push_settings, ping_restart), 0, UINT32_MAX,
      PUSH_HAVE_PING_RESTART },
    { "ping-exit", offsetof(struct push_settings, ping_exit), 0, UINT32_MAX, PUSH_HAVE_PING_EXIT },
    { "tun-mtu", offsetof(struct push_settings, tun_mtu), 100, 65535, PUSH_HAVE_TUN_MTU },
    { "route-metric", offsetof(struct push_settings, route_metric), 0, UINT32_MAX,
      PUSH_HAVE_ROUTE_METRIC },
};

static int opt_number(struct apply *a)
{
    for (size_t i = 0; i < sizeof(num_opts) / sizeof(num_opts[0]); i++) {
        const struct num_opt *o = &num_opts[i];
        uint32_t v;

        if (strcmp(a->l->argv[0], o->name) != 0)
            continue;
        if (!parse_u32_str(a->l->argv[1], o->max, &v) || v < o->min)
            return fail(a, "expects a number from %u to %u", (unsigned)o->min, (unsigned)o->max);
        memcpy((char *)a->s + o->off, &v, sizeof(v));
        a->s->have |= o->have;
        return PUSH_OK;
    }
    return fail(a, "no such number option");
}

static int opt_inactive(struct apply *a)
{
    uint64_t bytes = 0;

    if (!parse_u32_str(a->l->argv[1], UINT32_MAX, &a->s->inactive) ||
        (a->l->argc > 2 && !parse_u64(a->l->argv[2], strlen(a->l->argv[2]), UINT64_MAX, &bytes)))
        return fail(a, "expects seconds and optionally bytes");
    a->s->inactive_bytes = bytes;
    a->s->have |= PUSH_HAVE_INACTIVE;
    return PUSH_OK;
}

static int opt_exit_notify(struct apply *a)
{
    uint32_t v = 1;

    if (a->l->argc > 1 && !parse_u32_str(a->l->argv[1], 255, &v))
        return fail(a, "expects a count");
    a->s->explicit_exit_notify = v;
    a->s->have |= PUSH_HAVE_EXIT_NOTIFY;
    return PUSH_OK;
}

static int opt_name(struct apply *a, char *dst, size_t cap, unsigned have)
{
    if (!copy_word(dst, cap, a->l->argv[1]))
        return fail(a, "name too long");
    a->s->have |= have;
    return PUSH_OK;
}

static int opt_cipher(struct apply *a)
{
    return opt_name(a, a->s->cipher, sizeof(a->s->cipher), PUSH_HAVE_CIPHER);
}

static int opt_auth(struct apply *a)
{
    return opt_name(a, a->s->auth, sizeof(a->s->auth), PUSH_HAVE_AUTH);
}

static int opt_auth_token(struct apply *a)
{
    return opt_name(a, a->s->auth_token, sizeof(a->s->auth_token), PUSH_HAVE_AUTH_TOKEN);
}

static int opt_auth_token_user(struct apply *a)
{
    return opt_name(a, a->s->auth_token_user, sizeof(a->s->auth_token_user),
                    PUSH_HAVE_AUTH_TOKEN_USER);
}

/* The whole item, e.g. "compress lz4" or "comp-lzo no", for the compression module. */
static int opt_compress(struct apply *a)
{
    char *d = a->s->compress;
    size_t cap = sizeof(a->s->compress), at = 0;

    d[0] = '\0';
    for (int i = 0; i < a->l->argc; i++) {
        int n = snprintf(d + at, cap - at, "%s%s", i ? " " : "", a->l->argv[i]);
        if (n < 0 || (size_t)n >= cap - at)
            return fail(a, "too long");
        at += (size_t)n;
    }
    a->s->have |= PUSH_HAVE_COMPRESS;
    return PUSH_OK;
}

static int opt_protocol_flags(struct apply *a)
{
    unsigned flags = 0;

    for (int i = 1; i < a->l->argc; i++) {
        const char *w = a->l->argv[i];
        if (strcmp(w, "cc-exit") == 0)
            flags |= PUSH_PF_CC_EXIT;
        else if (strcmp(w, "tls-ekm") == 0)
            flags |= PUSH_PF_TLS_EKM;
        else if (strcmp(w, "dyn-tls-crypt") == 0)
            flags |= PUSH_PF_DYN_TLS_CRYPT;
        else
            return fail(a, "unknown flag '%s'", w);
    }
    a->s->protocol_flags |= flags; /* additive: key-derivation tls-ekm may come first */
    a->s->have |= PUSH_HAVE_PROTOCOL_FLAGS;
    return PUSH_OK;
}

static int opt_key_derivation(struct apply *a)
{
    if (strcmp(a->l->argv[1], "tls-ekm") != 0)
        return fail(a, "only tls-ekm is defined");
    a->s->protocol_flags |= PUSH_PF_TLS_EKM;
    a->s->have |= PUSH_HAVE_PROTOCOL_FLAGS;
    return PUSH_OK;
}

static const struct {
    const char *word;
    unsigned flag;
} rg_words[] = {
    { "local", PUSH_RG_LOCAL },
    { "autolocal", PUSH_RG_AUTO_LOCAL },
    { "def1", PUSH_RG_DEF1 },
    { "bypass-dhcp", PUSH_RG_BYPASS_DHCP },
    { "bypass-dns", PUSH_RG_BYPASS_DNS },
    { "block-local", PUSH_RG_BLOCK_LOCAL },
    { "ipv6", PUSH_RG_IPV6 },
    { "!ipv4", PUSH_RG_NOT_IPV4 },
};

static int opt_redirect(struct apply *a)
{
    unsigned flags = PUSH_RG_ENABLE;

    for (int i = 1; i < a->l->argc; i++) {
        size_t k = 0;
        while (k < sizeof(rg_words) / sizeof(rg_words[0]) &&
               strcmp(a->l->argv[i], rg_words[k].word) != 0)
            k++;
        if (k == sizeof(rg_words) / sizeof(rg_words[0]))
            return fail(a, "unknown flag '%s'", a->l->argv[i]);
        flags |= rg_words[k].flag;
    }
    if (strcmp(a->l->argv[0], "redirect-gateway") == 0)
        a->s->redirect_gateway = flags;
    else
        a->s->redirect_private = flags;
    return PUSH_OK;
}

static int opt_block_ipv6(struct apply *a)
{
    a->s->block_ipv6 = true;
    return PUSH_OK;
}

static int opt_dhcp_option(struct apply *a)
{
    struct push_dhcp_option *d;

    if (a->s->n_dhcp == PUSH_MAX_DHCP) {
        snprintf(a->s->err, sizeof(a->s->err), "more than %d pushed dhcp-options", PUSH_MAX_DHCP);
        return PUSH_ERR_LIMIT;
    }
    d = &a->s->dhcp[a->s->n_dhcp];
    if (!copy_word(d->type, sizeof(d->type), a->l->argv[1]) ||
        !copy_word(d->value, sizeof(d->value), a->l->argc > 2 ? a->l->argv[2] : ""))
        return fail(a, "type or value too long");
    a->s->n_dhcp++;
    return PUSH_OK;
}

static int opt_continuation(struct apply *a)
{
    uint32_t v;

    if (!parse_u32_str(a->l->argv[1], 2, &v) || v == 0)
        return fail(a, "expects 1 or 2");
    a->cont = (int)v;
    return PUSH_OK;
}

/* Known, harmless, and without meaning for this client (Windows-only or legacy). */
static int opt_ignore(struct apply *a)
{
    a->s->n_ignored++;
    return PUSH_OK;
}

struct push_opt {
    const char *name;
    int min_args, max_args; /* parameters after the name */
    int (*fn)(struct apply *a);
};

static const struct push_opt push_opts[] = {
    { "ifconfig", 2, 2, opt_ifconfig },
    { "ifconfig-ipv6", 2, 2, opt_ifconfig_ipv6 },
    { "route", 1, 4, opt_route },
    { "route-ipv6", 1, 3, opt_route_ipv6 },
    { "route-gateway", 1, 1, opt_route_gateway },
    { "route-metric", 1, 1, opt_number },
    { "topology", 1, 1, opt_topology },
    { "peer-id", 1, 1, opt_number },
    { "cipher", 1, 1, opt_cipher },
    { "auth", 1, 1, opt_auth },
    { "protocol-flags", 1, CONF_MAX_ARGS - 1, opt_protocol_flags },
    { "key-derivation", 1, 1, opt_key_derivation },
    { "ping", 1, 1, opt_number },
    { "ping-restart", 1, 1, opt_number },
    { "ping-exit", 1, 1, opt_number },
    { "inactive", 1, 2, opt_inactive },
    { "tun-mtu", 1, 1, opt_number },
    { "explicit-exit-notify", 0, 1, opt_exit_notify },
    { "redirect-gateway", 0, CONF_MAX_ARGS - 1, opt_redirect },
    { "redirect-private", 0, CONF_MAX_ARGS - 1, opt_redirect },
    { "block-ipv6", 0, 0, opt_block_ipv6 },
    { "dhcp-option", 1, 2, opt_dhcp_option },
    { "auth-token", 1, 1, opt_auth_token },
    { "auth-token-user", 1, 1, opt_auth_token_user },
    { "compress", 0, 1, opt_compress },
    { "comp-lzo", 0, 1, opt_compress },
    { "push-continuation", 1, 1, opt_continuation },
    { "tun-ipv6", 0, 0, opt_ignore },
    { "register-dns", 0, 0, opt_ignore },
    { "block-outside-dns", 0, 0, opt_ignore },
    { "ip-win32", 0, 3, opt_ignore },
    { "dhcp-renew", 0, 0, opt_ignore },
    { "dhcp-release", 0, 0, opt_ignore },
    { "dhcp-pre-release", 0, 0, opt_ignore },
    { "route-delay", 0, 2, opt_ignore },
    { "route-method", 1, 1, opt_ignore },
};

static void keep_unknown(struct push_settings *s, const char *item, size_t n)
{
    if (s->n_unknown < PUSH_MAX_UNKNOWN) {
        size_t k = n < PUSH_UNKNOWN_SHOW - 1 ? n : PUSH_UNKNOWN_SHOW - 1;
        memcpy(s->unknown[s->n_unknown], item, k);
        s->unknown[s->n_unknown][k] = '\0';
    }
    s->n_unknown++;
}

static int apply_line(struct apply *a, const char *item, size_t n)
{
    const struct conf_line *l = a->l;

    for (size_t i = 0; i < sizeof(push_opts) / sizeof(push_opts[0]); i++) {
        const struct push_opt *o = &push_opts[i];

        if (strcmp(l->argv[0], o->name) != 0)
            continue;
        if (l->argc - 1 < o->min_args || l->argc - 1 > o->max_args)
            return fail(a, "takes %d to %d parameters, got %d", o->min_args, o->max_args,
                        l->argc - 1);
        return o->fn(a);
    }
    keep_unknown(a->s, item, n);
    return PUSH_OK;
}

static int apply_item(struct apply *a, const char *item, size_t n)
{
    struct conf_line line;
    char storage[CONF_LEX_SPLIT_STORAGE];
    char why[128];
    int rc = PUSH_OK;

    if (conf_lex_split(item, n, &line, storage, sizeof(storage), why, sizeof(why)) != 0) {
        snprintf(a->s->err, sizeof(a->s->err), "'%.*s': %s", (int)(n < 40 ? n : 40), item, why);
        rc = PUSH_ERR_OPTION;
    } else if (line.argc > 0) {
        a->l = &line;
        rc = apply_line(a, item, n);
        a->l = NULL;
    }
    secret_wipe(storage, sizeof(storage)); /* may have held an auth-token */
    return rc;
}

int push_reply_parse(const char *text, size_t len, struct push_settings *s)
{
    struct apply a = { .s = s, .l = NULL, .cont = 0 };
    int rc = check_text(text, len);

    if (rc)
        return rc;
    if (!starts_with(text, len, REPLY_HEAD) ||
        (len > REPLY_HEAD_LEN && text[REPLY_HEAD_LEN] != ','))
        return PUSH_ERR_NOT_REPLY;
    for (size_t pos = REPLY_HEAD_LEN + 1; pos < len;) {
        size_t end = find_char(text, len, pos, ',');

        if ((rc = apply_item(&a, text + pos, end - pos)) != PUSH_OK)
            return rc;
        pos = end + 1;
    }
    return a.cont == 2 ? 1 : 0;
}
