/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key method 2: message codec, peer-info and OCC strings, data-channel key derivation.
 * Layouts and rules: shared/docs/protocol-control.md §9 and §10, protocol-data.md §2 and §8.
 */
#include "keyex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "secret.h"

#define PRF_SEED_MAX 256
#define PRF_OUT_MAX  1024

static const char label_master[] = "OpenVPN master secret";
static const char label_expansion[] = "OpenVPN key expansion";

const char *keyex_strerror(int err)
{
    switch (err) {
    case KEYEX_OK:
        return "ok";
    case KEYEX_ERR_TRUNCATED:
        return "key-method-2 message truncated";
    case KEYEX_ERR_METHOD:
        return "unsupported key method (only 2 is known)";
    case KEYEX_ERR_NO_OPTIONS:
        return "options string missing";
    case KEYEX_ERR_TOO_LONG:
        return "string or message too long";
    case KEYEX_ERR_NO_NUL:
        return "string not NUL-terminated";
    case KEYEX_ERR_NUL:
        return "NUL byte inside a string";
    case KEYEX_ERR_TRAILING:
        return "bytes after the peer-info string";
    case KEYEX_ERR_NO_ROOM:
        return "output buffer too small";
    case KEYEX_ERR_INVALID:
        return "invalid parameter";
    case KEYEX_ERR_CRYPTO:
        return "cryptographic library failure";
    case KEYEX_ERR_WEAK_KEY:
        return "derived cipher key is all zero";
    case KEYEX_ERR_USER_PASS_LEN:
        return "username or password too long";
    default:
        return "unknown error";
    }
}

/* ---- small text helpers ---- */

/* Appends to a fixed char buffer, always NUL-terminated; overflow is sticky. */
struct text {
    char *p;
    size_t cap;
    size_t len;
    bool err;
};

static void text_init(struct text *t, char *p, size_t cap)
{
    t->p = p;
    t->cap = cap;
    t->len = 0;
    t->err = (cap == 0);
    if (cap)
        p[0] = '\0';
}

static void text_put(struct text *t, const char *s, size_t n)
{
    if (t->err || n >= t->cap - t->len) {
        t->err = true;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void text_fmt(struct text *t, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        t->err = true;
        return;
    }
    text_put(t, tmp, (size_t)n);
}

static void text_str(struct text *t, const char *s)
{
    text_put(t, s, strlen(s));
}

static bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* A word that can stand in a comma/space separated string: non-empty, no separator. */
static bool word_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (*s == ' ' || *s == ',' || is_ctl((unsigned char)*s))
            return false;
    return true;
}

/* Plain decimal, 1..10 digits, at most max. */
static bool parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool span_eq(const char *a, size_t alen, const char *b)
{
    return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

/* ---- randoms ---- */

int keyex_random_generate(struct keyex_random *r, enum keyex_role role)
{
    memset(r, 0, sizeof(*r));
    if (role == KEYEX_CLIENT && RAND_bytes(r->pre_master, sizeof(r->pre_master)) != 1)
        goto fail;
    if (RAND_bytes(r->random1, sizeof(r->random1)) != 1 ||
        RAND_bytes(r->random2, sizeof(r->random2)) != 1)
        goto fail;
    return KEYEX_OK;
fail:
    secret_wipe(r, sizeof(*r));
    return KEYEX_ERR_CRYPTO;
}

/* ---- key-method-2 message ---- */

static size_t str_wire_len(const struct keyex_str *s)
{
    return 2 + (s->s ? s->len + 1 : 0);
}

static size_t fixed_len(enum keyex_role sender)
{
    return 4 + 1 + (sender == KEYEX_CLIENT ? KEYEX_PRE_MASTER_LEN : 0) + 2 * KEYEX_RANDOM_LEN;
}

size_t keyex_msg_size(enum keyex_role sender, const struct keyex_msg *m)
{
    return fixed_len(sender) + str_wire_len(&m->options) + str_wire_len(&m->username) +
           str_wire_len(&m->password) + str_wire_len(&m->peer_info);
}

static int check_str(const struct keyex_str *s, size_t max_wire, int too_long)
{
    if (!s->s)
        return KEYEX_OK;
    if (s->len >= max_wire)
        return too_long;
    if (memchr(s->s, '\0', s->len))
        return KEYEX_ERR_NUL;
    return KEYEX_OK;
}

static int check_msg(enum keyex_role sender, const struct keyex_msg *m)
{
    int rc;

    if (sender != KEYEX_CLIENT && sender != KEYEX_SERVER)
        return KEYEX_ERR_INVALID;
    if (!m->options.s)
        return KEYEX_ERR_NO_OPTIONS;
    if ((rc = check_str(&m->options, KEYEX_OPTIONS_MAX, KEYEX_ERR_TOO_LONG)) ||
        (rc = check_str(&m->username, KEYEX_USER_PASS_MAX, KEYEX_ERR_USER_PASS_LEN)) ||
        (rc = check_str(&m->password, KEYEX_USER_PASS_MAX, KEYEX_ERR_USER_PASS_LEN)) ||
        (rc = check_str(&m->peer_info, KEYEX_MSG_MAX, KEYEX_ERR_TOO_LONG)))
        return rc;
    if (keyex_msg_size(sender, m) > KEYEX_MSG_MAX)
        return KEYEX_ERR_TOO_LONG;
    return KEYEX_OK;
}

static void write_str(struct buf_writer *w, const struct keyex_str *s)
{
    if (!s->s) {
        buf_write_u16(w, 0);
        return;
    }
    buf_write_u16(w, (uint16_t)(s->len + 1));
    buf_write_bytes(w, s->s, s->len);
    buf_write_u8(w, 0);
}

int keyex_msg_build(struct buf_writer *w, enum keyex_role sender, const struct keyex_msg *m)
{
    int rc = check_msg(sender, m);

    if (rc)
        return rc;
    if (!buf_writer_ok(w) || buf_writer_room(w) < keyex_msg_size(sender, m)) {
        (void)buf_write_reserve(w, keyex_msg_size(sender, m));
        return KEYEX_ERR_NO_ROOM;
    }
    buf_write_u32(w, 0);
    buf_write_u8(w, KEYEX_METHOD);
    if (sender == KEYEX_CLIENT)
        buf_write_bytes(w, m->rnd.pre_master, KEYEX_PRE_MASTER_LEN);
    buf_write_bytes(w, m->rnd.random1, KEYEX_RANDOM_LEN);
    buf_write_bytes(w, m->rnd.random2, KEYEX_RANDOM_LEN);
    write_str(w, &m->options);
    write_str(w, &m->username);
    write_str(w, &m->password);
    write_str(w, &m->peer_info);
    return buf_writer_ok(w) ? KEYEX_OK : KEYEX_ERR_NO_ROOM;
}

/*
 * One u16-length string. optional_at_end: the field may be missing entirely when the message
 * has ended (older peers stop after the options or the password).
 */
static int read_str(struct buf_reader *r, struct keyex_str *out, size_t max_wire, int too_long,
                    bool optional_at_end)
{
    const uint8_t *v;
    uint16_t n;

    out->s = NULL;
    out->len = 0;
    if (optional_at_end && buf_remaining(r) == 0)
        return KEYEX_OK;
    n = buf_read_u16(r);
    if (!buf_reader_ok(r))
        return KEYEX_ERR_TRUNCATED;
    if (n == 0)
        return KEYEX_OK;
    if (n > buf_remaining(r))
        return KEYEX_ERR_TRUNCATED;
    if (n > max_wire)
        return too_long;
    v = buf_read_view(r, n);
    if (!v)
        return KEYEX_ERR_TRUNCATED;
    if (v[n - 1] != 0)
        return KEYEX_ERR_NO_NUL;
    if (memchr(v, 0, n - 1U))
        return KEYEX_ERR_NUL;
    out->s = (const char *)v;
    out->len = n - 1U;
    return KEYEX_OK;
}

static int parse_head(struct buf_reader *r, enum keyex_role sender, struct keyex_msg *out)
{
    buf_skip(r, 4); /* openvpn writes zero and never looks at it */
    out->key_method = buf_read_u8(r);
    if (sender == KEYEX_CLIENT)
        buf_read_bytes(r, out->rnd.pre_master, KEYEX_PRE_MASTER_LEN);
    buf_read_bytes(r, out->rnd.random1, KEYEX_RANDOM_LEN);
    buf_read_bytes(r, out->rnd.random2, KEYEX_RANDOM_LEN);
    if (!buf_reader_ok(r))
        return KEYEX_ERR_TRUNCATED;
    if ((out->key_method & 0x0F) != KEYEX_METHOD)
        return KEYEX_ERR_METHOD;
    return KEYEX_OK;
}

static int parse_strings(struct buf_reader *r, struct keyex_msg *out)
{
    int rc;

    if ((rc = read_str(r, &out->options, KEYEX_OPTIONS_MAX, KEYEX_ERR_TOO_LONG, false)))
        return rc;
    if (!out->options.s)
        return KEYEX_ERR_NO_OPTIONS;
    if ((rc = read_str(r, &out->username, KEYEX_USER_PASS_MAX, KEYEX_ERR_USER_PASS_LEN, true)) ||
        (rc = read_str(r, &out->password, KEYEX_USER_PASS_MAX, KEYEX_ERR_USER_PASS_LEN, true)) ||
        (rc = read_str(r, &out->peer_info, KEYEX_MSG_MAX, KEYEX_ERR_TOO_LONG, true)))
        return rc;
    return buf_remaining(r) ? KEYEX_ERR_TRAILING : KEYEX_OK;
}

int keyex_msg_parse(const uint8_t *data, size_t len, enum keyex_role sender, struct keyex_msg *out)
{
    struct buf_reader r;
    int rc;

    memset(out, 0, sizeof(*out));
    if (sender != KEYEX_CLIENT && sender != KEYEX_SERVER)
        return KEYEX_ERR_INVALID;
    if (len > KEYEX_MSG_MAX)
        return KEYEX_ERR_TOO_LONG;
    buf_reader_init(&r, data, len);
    rc = parse_head(&r, sender, out);
    if (rc == KEYEX_OK)
        rc = parse_strings(&r, out);
    if (rc)
        keyex_msg_wipe(out);
    return rc;
}

void keyex_msg_wipe(struct keyex_msg *m)
{
    secret_wipe(m, sizeof(*m));
}

/* ---- peer-info ---- */

static const char *const iv_proto_names[] = {
    NULL,      "DATA_V2",    "REQUEST_PUSH",   "TLS_KEY_EXPORT", "AUTH_PENDING_KW",
    "NCP_P2P", "DNS_OPTION", "CC_EXIT_NOTIFY", "AUTH_FAIL_TEMP", "DYN_TLS_CRYPT",
};

static const struct {
    const char *name;
    unsigned flag;
} iv_comp[] = {
    { "IV_LZ4", KEYEX_IV_COMP_LZ4 },        { "IV_LZ4v2", KEYEX_IV_COMP_LZ4V2 },
    { "IV_LZO", KEYEX_IV_COMP_LZO },        { "IV_LZO_STUB", KEYEX_IV_COMP_LZO_STUB },
    { "IV_COMP_STUB", KEYEX_IV_COMP_STUB }, { "IV_COMP_STUBv2", KEYEX_IV_COMP_STUBV2 },
};

#define N_COMP (sizeof(iv_comp) / sizeof(iv_comp[0]))

const char *keyex_iv_proto_bit_name(unsigned bit)
{
    if (bit >= sizeof(iv_proto_names) / sizeof(iv_proto_names[0]))
        return NULL;
    return iv_proto_names[bit];
}

size_t keyex_iv_proto_describe(uint32_t proto, char *out, size_t cap)
{
    size_t total = 0;

    if (cap)
        out[0] = '\0';
    for (unsigned bit = 0; bit < 32; bit++) {
        const char *name = keyex_iv_proto_bit_name(bit);
        const char *sep = total ? " " : "";
        char word[24];
        size_t n;

        if (!(proto & (1u << bit)))
            continue;
        if (name)
            snprintf(word, sizeof(word), "%s%s", sep, name);
        else
            snprintf(word, sizeof(word), "%sbit%u", sep, bit);
        n = strlen(word);
        if (total + 1 < cap) {
            size_t fit = cap - 1 - total < n ? cap - 1 - total : n;
            memcpy(out + total, word, fit);
            out[total + fit] = '\0';
        }
        total += n;
    }
    return total;
}

/* IV_NCP=2 promises AES-128-GCM and AES-256-GCM; say it only when both are in the list. */
static bool list_has(const char *list, const char *item)
{
    size_t n = strlen(item);

    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == n && strncmp(p, item, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static bool extra_ok(const struct keyex_kv *kv)
{
    if (!kv->name || !kv->value || kv->name_len < 4 ||
        (memcmp(kv->name, "IV_", 3) != 0 && memcmp(kv->name, "UV_", 3) != 0))
        return false;
    for (size_t i = 0; i < kv->name_len; i++) {
        char c = kv->name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    for (size_t i = 0; i < kv->value_len; i++)
        if (is_ctl((unsigned char)kv->value[i]))
            return false;
    return true;
}

static bool value_ok(const char *s)
{
    for (; s && *s; s++)
        if (is_ctl((unsigned char)*s))
            return false;
    return s != NULL;
}

static bool peer_info_params_ok(const struct keyex_peer_info_params *p)
{
    if (!word_ok(p->ciphers) || (p->proto & ~KEYEX_IV_PROTO_KNOWN))
        return false;
    if (!p->p2p && (!word_ok(p->version) || !value_ok(p->platform) || !*p->platform))
        return false;
    for (size_t i = 0; i < p->n_extra; i++)
        if (!extra_ok(&p->extra[i]))
            return false;
    return true;
}

static void peer_info_main(struct text *t, const struct keyex_peer_info_params *p)
{
    text_str(t, "IV_VER=");
    text_str(t, p->version);
    text_str(t, "\nIV_PLAT=");
    text_str(t, p->platform);
    text_str(t, "\n");
    if (p->tcpnl)
        text_str(t, "IV_TCPNL=1\n");
    if (p->mtu)
        text_fmt(t, "IV_MTU=%u\n", p->mtu);
    if (list_has(p->ciphers, "AES-128-GCM") && list_has(p->ciphers, "AES-256-GCM"))
        text_str(t, "IV_NCP=2\n");
}

int keyex_peer_info_build(char *out, size_t cap, const struct keyex_peer_info_params *p,
                          size_t *len)
{
    struct text t;

    *len = 0;
    text_init(&t, out, cap);
    if (!peer_info_params_ok(p))
        return KEYEX_ERR_INVALID;
    if (!p->p2p)
        peer_info_main(&t, p);
    text_str(&t, "IV_CIPHERS=");
    text_str(&t, p->ciphers);
    text_fmt(&t, "\nIV_PROTO=%u\n", (unsigned)p->proto);
    for (size_t i = 0; !p->p2p && i < N_COMP; i++)
        if (p->comp & iv_comp[i].flag)
            text_fmt(&t, "%s=1\n", iv_comp[i].name);
    for (size_t i = 0; i < p->n_extra; i++) {
        text_put(&t, p->extra[i].name, p->extra[i].name_len);
        text_put(&t, "=", 1);
        text_put(&t, p->extra[i].value, p->extra[i].value_len);
        text_put(&t, "\n", 1);
    }
    if (t.err) {
        if (cap)
            out[0] = '\0';
        return KEYEX_ERR_NO_ROOM;
    }
    *len = t.len;
    return KEYEX_OK;
}

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Splits one line into a variable; false for a line that is not NAME=value. */
static bool split_var(const char *line, size_t len, struct keyex_kv *kv)
{
    const char *eq = memchr(line, '=', len);

    if (!eq || eq == line)
        return false;
    kv->name = line;
    kv->name_len = (size_t)(eq - line);
    kv->value = eq + 1;
    kv->value_len = len - kv->name_len - 1;
    for (size_t i = 0; i < kv->name_len; i++)
        if (!name_char(line[i]))
            return false;
    for (size_t i = 0; i < kv->value_len; i++)
        if (is_ctl((unsigned char)kv->value[i]))
            return false;
    return true;
}

static void decode_known(struct keyex_peer_info *pi)
{
    const char *v;
    size_t vl;
    uint32_t n;

    if (keyex_peer_info_get(pi, "IV_PROTO", &v, &vl) && parse_uint(v, vl, UINT32_MAX, &n)) {
        pi->has_proto = true;
        pi->proto = n;
    }
    if (keyex_peer_info_get(pi, "IV_NCP", &v, &vl) && parse_uint(v, vl, UINT32_MAX, &n))
        pi->ncp = n;
    if (keyex_peer_info_get(pi, "IV_MTU", &v, &vl) && parse_uint(v, vl, UINT32_MAX, &n))
        pi->mtu = n;
    if (keyex_peer_info_get(pi, "IV_TCPNL", &v, &vl) && span_eq(v, vl, "1"))
        pi->tcpnl = true;
    for (size_t i = 0; i < N_COMP; i++)
        if (keyex_peer_info_get(pi, iv_comp[i].name, &v, &vl) && span_eq(v, vl, "1"))
            pi->comp |= iv_comp[i].flag;
}

size_t keyex_peer_info_parse(const char *text, size_t len, struct keyex_peer_info *out)
{
    size_t pos = 0;

    memset(out, 0, sizeof(*out));
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        struct keyex_kv kv;

        pos += ll + (nl ? 1 : 0);
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            continue;
        if (!split_var(line, ll, &kv) || out->n == KEYEX_PEER_INFO_MAX_VARS) {
            out->n_bad++;
            continue;
        }
        out->vars[out->n++] = kv;
    }
    decode_known(out);
    return out->n;
}

bool keyex_peer_info_get(const struct keyex_peer_info *pi, const char *name, const char **value,
                         size_t *value_len)
{
    for (size_t i = 0; i < pi->n; i++) {
        if (!span_eq(pi->vars[i].name, pi->vars[i].name_len, name))
            continue;
        if (value)
            *value = pi->vars[i].value;
        if (value_len)
            *value_len = pi->vars[i].value_len;
        return true;
    }
    return false;
}

/* ---- OCC options string ---- */

static const char *occ_proto_name(enum keyex_occ_proto proto, bool as_peer)
{
    switch (proto) {
    case KEYEX_OCC_UDP:
        return "UDPv4";
    case KEYEX_OCC_TCP_CLIENT:
        return as_peer ? "TCPv4_SERVER" : "TCPv4_CLIENT";
    case KEYEX_OCC_TCP_SERVER:
        return as_peer ? "TCPv4_CLIENT" : "TCPv4_SERVER";
    }
    return NULL;
}

static bool occ_params_ok(const struct keyex_occ_params *p)
{
    if (!occ_proto_name(p->proto, false) || !word_ok(p->auth) || p->keydir < -1 || p->keydir > 1)
        return false;
    if (p->cipher && !word_ok(p->cipher))
        return false;
    if ((p->ifconfig_local != NULL) != (p->ifconfig_remote != NULL))
        return false;
    if (p->ifconfig_local && (!word_ok(p->ifconfig_local) || !word_ok(p->ifconfig_remote)))
        return false;
    return p->role == KEYEX_CLIENT || p->role == KEYEX_SERVER;
}

static void occ_tls_part(struct text *t, const struct keyex_occ_params *p, bool as_peer)
{
    bool server = (p->role == KEYEX_SERVER) != as_peer;

    if (p->secret)
        return;
    if (p->tls_auth)
        text_str(t, ",tls-auth");
    text_str(t, ",key-method 2");
    text_str(t, server ? ",tls-server" : ",tls-client");
}

int keyex_occ_build(char *out, size_t cap, const struct keyex_occ_params *p, bool as_peer,
                    size_t *len)
{
    struct text t;
    bool swap = as_peer && p->ifconfig_swap;

    *len = 0;
    text_init(&t, out, cap);
    if (!occ_params_ok(p))
        return KEYEX_ERR_INVALID;
    text_fmt(&t, "V4,dev-type %s,link-mtu %u,tun-mtu %u,proto %s", p->tap ? "tap" : "tun",
             p->link_mtu, p->tun_mtu, occ_proto_name(p->proto, as_peer));
    if (p->tun_ipv6)
        text_str(&t, ",tun-ipv6");
    if (p->ifconfig_local) {
        text_str(&t, ",ifconfig ");
        text_str(&t, swap ? p->ifconfig_remote : p->ifconfig_local);
        text_str(&t, " ");
        text_str(&t, swap ? p->ifconfig_local : p->ifconfig_remote);
    }
    if (p->comp_lzo)
        text_str(&t, ",comp-lzo");
    if (p->mtu_dynamic)
        text_str(&t, ",mtu-dynamic");
    if (p->keydir >= 0)
        text_fmt(&t, ",keydir %d", as_peer ? 1 - p->keydir : p->keydir);
    if (p->cipher) {
        text_str(&t, ",cipher ");
        text_str(&t, p->cipher);
    }
    text_str(&t, ",auth ");
    text_str(&t, p->auth);
    text_fmt(&t, ",keysize %u", p->keysize);
    if (p->secret)
        text_str(&t, ",secret");
    if (p->no_replay)
        text_str(&t, ",no-replay");
    occ_tls_part(&t, p, as_peer);
    if (t.err)
        return KEYEX_ERR_NO_ROOM;
    if (t.len >= KEYEX_OPTIONS_MAX)
        return KEYEX_ERR_TOO_LONG;
    *len = t.len;
    return KEYEX_OK;
}

/* One comma-separated item and the length of its name (the text before the first space). */
struct occ_item {
    const char *s;
    size_t len;
    size_t name_len;
};

static bool occ_next(const char *s, size_t len, size_t *pos, struct occ_item *it)
{
    const char *comma, *space;

    if (*pos >= len)
        return false;
    it->s = s + *pos;
    comma = memchr(it->s, ',', len - *pos);
    it->len = comma ? (size_t)(comma - it->s) : len - *pos;
    *pos += it->len + 1;
    space = memchr(it->s, ' ', it->len);
    it->name_len = space ? (size_t)(space - it->s) : it->len;
    return true;
}

static bool occ_lookup(const char *s, size_t len, const char *name, size_t name_len,
                       struct occ_item *found)
{
    size_t pos = 0;

    while (occ_next(s, len, &pos, found))
        if (found->name_len == name_len && memcmp(found->s, name, name_len) == 0)
            return true;
    return false;
}

bool keyex_occ_find(const char *s, size_t len, const char *name, const char **value,
                    size_t *value_len)
{
    struct occ_item it;

    if (!occ_lookup(s, len, name, strlen(name), &it))
        return false;
    *value = it.s + it.name_len + (it.name_len < it.len ? 1 : 0);
    *value_len = it.len - (size_t)(*value - it.s);
    return true;
}

/* openvpn does not warn about these: they legitimately differ or are checked elsewhere. */
static bool occ_ignored(const struct occ_item *it)
{
    static const char *const names[] = { "keydir",     "proto",    "tls-auth",
                                         "key-method", "tun-ipv6", "cipher" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (span_eq(it->s, it->name_len, names[i]))
            return true;
    return false;
}

static void occ_add(struct keyex_occ_report *rep, enum keyex_occ_diff_kind kind,
                    const struct occ_item *local, const struct occ_item *remote)
{
    struct keyex_occ_diff *d;

    if (rep->n == KEYEX_OCC_MAX_DIFFS) {
        rep->n_more++;
        return;
    }
    d = &rep->d[rep->n++];
    d->kind = kind;
    d->local = local ? local->s : NULL;
    d->local_len = local ? local->len : 0;
    d->remote = remote ? remote->s : NULL;
    d->remote_len = remote ? remote->len : 0;
}

size_t keyex_occ_compare(const char *expected, size_t elen, const char *got, size_t glen,
                         struct keyex_occ_report *rep)
{
    struct occ_item a, b;
    size_t pos = 0;

    memset(rep, 0, sizeof(*rep));
    /* Both strings come from options fields; longer ones would make the pairing quadratic. */
    if (elen < 2 || glen < 2 || elen >= KEYEX_OPTIONS_MAX || glen >= KEYEX_OPTIONS_MAX ||
        memcmp(expected, got, 2) != 0)
        return 0;
    rep->compared = true;
    while (occ_next(expected, elen, &pos, &a)) {
        if (occ_ignored(&a))
            continue;
        if (!occ_lookup(got, glen, a.s, a.name_len, &b))
            occ_add(rep, KEYEX_OCC_ONLY_LOCAL, &a, NULL);
        else if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
            occ_add(rep, KEYEX_OCC_DIFFERENT, &a, &b);
    }
    pos = 0;
    while (occ_next(got, glen, &pos, &b))
        if (!occ_ignored(&b) && !occ_lookup(expected, elen, b.s, b.name_len, &a))
            occ_add(rep, KEYEX_OCC_ONLY_REMOTE, NULL, &b);
    return rep->n + rep->n_more;
}

/* ---- key derivation ---- */

/* out ^= P_hash(secret, seed), RFC 2246 §5. */
static int p_hash_xor(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                      const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    uint8_t a[EVP_MAX_MD_SIZE + PRF_SEED_MAX]; /* A(i) || seed */
    uint8_t block[EVP_MAX_MD_SIZE];
    unsigned md_len = (unsigned)EVP_MD_size(md), n;
    int rc = KEYEX_ERR_CRYPTO;

    if (!HMAC(md, secret, (int)secret_len, seed, seed_len, a, &n) || n != md_len)
        goto out;
    memcpy(a + md_len, seed, seed_len);
    for (size_t done = 0; done < out_len; done += md_len) {
        if (!HMAC(md, secret, (int)secret_len, a, md_len + seed_len, block, &n) || n != md_len)
            goto out;
        for (size_t i = 0; i < md_len && done + i < out_len; i++)
            out[done + i] ^= block[i];
        if (!HMAC(md, secret, (int)secret_len, a, md_len, block, &n))
            goto out;
        memcpy(a, block, md_len);
    }
    rc = KEYEX_OK;
out:
    secret_wipe(a, sizeof(a));
    secret_wipe(block, sizeof(block));
    return rc;
}

int keyex_prf(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
              uint8_t *out, size_t out_len)
{
    size_t half = (secret_len + 1) / 2;
    const EVP_MD *md5 = EVP_md5(), *sha1 = EVP_sha1();
    int rc;

    if (!secret || secret_len == 0 || !seed || seed_len > PRF_SEED_MAX || !out ||
        out_len > PRF_OUT_MAX)
        return KEYEX_ERR_INVALID;
    memset(out, 0, out_len);
    if (!md5 || !sha1)
        return KEYEX_ERR_CRYPTO;
    rc = p_hash_xor(md5, secret, half, seed, seed_len, out, out_len);
    if (rc == KEYEX_OK)
        rc = p_hash_xor(sha1, secret + (secret_len - half), half, seed, seed_len, out, out_len);
    if (rc)
        secret_wipe(out, out_len);
    return rc;
}

/* seed = label || a || b [|| c || d]; returns its length. */
static size_t make_seed(uint8_t *seed, const char *label, const uint8_t *a, const uint8_t *b,
                        const uint8_t *c, const uint8_t *d)
{
    size_t n = strlen(label);

    memcpy(seed, label, n);
    memcpy(seed + n, a, KEYEX_RANDOM_LEN);
    memcpy(seed + n + KEYEX_RANDOM_LEN, b, KEYEX_RANDOM_LEN);
    n += 2 * KEYEX_RANDOM_LEN;
    if (c) {
        memcpy(seed + n, c, KEYEX_SID_LEN);
        memcpy(seed + n + KEYEX_SID_LEN, d, KEYEX_SID_LEN);
        n += 2 * KEYEX_SID_LEN;
    }
    return n;
}

int keyex_derive_legacy(const struct keyex_random *client, const struct keyex_random *server,
                        const uint8_t client_sid[KEYEX_SID_LEN],
                        const uint8_t server_sid[KEYEX_SID_LEN], uint8_t key2[KEYEX_KEY2_LEN])
{
    uint8_t seed[PRF_SEED_MAX];
    uint8_t master[KEYEX_MASTER_LEN];
    size_t n;
    int rc;

    n = make_seed(seed, label_master, client->random1, server->random1, NULL, NULL);
    rc = keyex_prf(client->pre_master, KEYEX_PRE_MASTER_LEN, seed, n, master, sizeof(master));
    if (rc == KEYEX_OK) {
        n = make_seed(seed, label_expansion, client->random2, server->random2, client_sid,
                      server_sid);
        rc = keyex_prf(master, sizeof(master), seed, n, key2, KEYEX_KEY2_LEN);
    }
    secret_wipe(master, sizeof(master));
    secret_wipe(seed, sizeof(seed));
    if (rc)
        secret_wipe(key2, KEYEX_KEY2_LEN);
    return rc;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* keys[k] of the block: cipher slot at 128k, hmac slot at 128k + 64. */
static void take_dir(const uint8_t *key2, unsigned k, size_t cipher_len, size_t hmac_len,
                     struct keyex_dir_keys *d)
{
    memcpy(d->cipher, key2 + 128 * k, cipher_len);
    d->cipher_len = cipher_len;
    memcpy(d->hmac, key2 + 128 * k + KEYEX_SLOT_LEN, hmac_len);
    d->hmac_len = hmac_len;
}

int keyex_keys_from_key2(const uint8_t key2[KEYEX_KEY2_LEN], enum keyex_role role,
                         size_t cipher_len, size_t hmac_len, struct keyex_keys *out)
{
    unsigned enc = role == KEYEX_CLIENT ? 0 : 1;

    memset(out, 0, sizeof(*out));
    if ((role != KEYEX_CLIENT && role != KEYEX_SERVER) || cipher_len > KEYEX_SLOT_LEN ||
        hmac_len > KEYEX_SLOT_LEN)
        return KEYEX_ERR_INVALID;
    take_dir(key2, enc, cipher_len, hmac_len, &out->encrypt);
    take_dir(key2, 1 - enc, cipher_len, hmac_len, &out->decrypt);
    if (cipher_len &&
        (all_zero(out->encrypt.cipher, cipher_len) || all_zero(out->decrypt.cipher, cipher_len))) {
        secret_wipe(out, sizeof(*out));
        return KEYEX_ERR_WEAK_KEY;
    }
    return KEYEX_OK;
}
