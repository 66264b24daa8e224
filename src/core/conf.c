/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration engine: defaults, the command line, files and their includes, <connection>
 * blocks, dispatch of one directive to its table entry (ops-interfaces.md 1.1-1.4), and the
 * "did you mean" suggestion for unknown options.
 */
#include "conf.h"

#include "conf_lex.h"
#include "conf_opts.h"
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_DEFAULT_CIPHERS "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"
#define CONF_SUGGEST_MAX     2 /* edit distance up to which an unknown name gets a suggestion */

/* ---- defaults (OpenVPN 2.6.14 init_options) ---- */

static void conn_defaults(struct conf_conn *ce)
{
    ce->remote_port = 1194;
    ce->local_port = 1194;
    ce->proto = CONF_PROTO_UDP;
    ce->bind = true;
    ce->connect_retry = 1;
    ce->connect_retry_cap = 300;
    ce->connect_timeout = 120;
    ce->tun_mtu = 1500;
    ce->mssfix = 1492;
    ce->mssfix_mtu = true;
}

static void server_defaults(struct conf_server *s)
{
    s->pool_persist_seconds = 600;
    s->max_clients = 1024;
    s->max_routes_per_client = 256;
    s->bcast_buffers = 256;
    s->hash_size_real = 256;
    s->hash_size_virtual = 256;
    s->tcp_queue_limit = 64;
}

static void tls_defaults(struct conf_tls *t)
{
    t->key_direction = -1;
    t->version_min = CONF_TLS_VER_1_2;
    t->reneg_sec = 3600;
    t->reneg_sec_min = -1;
    t->reneg_bytes = -1;
    t->hand_window = 60;
    t->tran_window = 3600;
    t->tls_timeout = 2;
    t->replay_window = 64;
    t->replay_time = 15;
}

static int set_defaults(struct conf *c)
{
    conn_defaults(&c->ce);
    c->net.mode = CONF_MODE_P2P;
    c->net.resolv_retry = -1;
    c->dev.topology = CONF_TOPOLOGY_NET30;
    c->route.delay_window = 30;
    server_defaults(&c->srv);
    tls_defaults(&c->tls);
    c->auth.verify_client_cert = CONF_CLIENT_CERT_REQUIRE;
    c->proc.script_security = 1;
    c->log.verb = 1;
    c->log.status_interval = 60;
    c->log.status_version = 1;
    c->mgmt.log_cache = 250;
    c->tls.data_ciphers = strdup(CONF_DEFAULT_CIPHERS);
    c->tls.auth = strdup("SHA1");
    c->tls.x509_username_field.v = calloc(1, sizeof(char *));
    if (!c->tls.data_ciphers || !c->tls.auth || !c->tls.x509_username_field.v)
        return -1;
    c->tls.x509_username_field.v[0] = strdup("CN");
    c->tls.x509_username_field.n = c->tls.x509_username_field.v[0] ? 1 : 0;
    return c->tls.x509_username_field.n ? 0 : -1;
}

struct conf *conf_new(void)
{
    struct conf *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->seen = calloc(conf_opts_total(), sizeof(*c->seen));
    if (!c->seen || set_defaults(c) < 0) {
        conf_free(c);
        return NULL;
    }
    return c;
}

/* ---- freeing ---- */

void conf_conn_clear(struct conf_conn *ce)
{
    free(ce->remote);
    free(ce->local);
    ce->remote = ce->local = NULL;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
}

static void free_conns(struct conf_conn *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        conf_conn_clear(&v[i]);
    free(v);
}

static void free_routes(struct conf_routes *r)
{
    for (size_t i = 0; i < r->n_v4; i++) {
        free(r->v4[i].network);
        free(r->v4[i].gateway);
    }
    free(r->v4);
    for (size_t i = 0; i < r->n_v6; i++)
        free(r->v6[i].gateway);
    free(r->v6);
    conf_arglist_clear(&r->dhcp_options);
    conf_arglist_clear(&r->dns);
    for (size_t i = 0; i < r->n_filters; i++)
        free(r->filters[i].text);
    free(r->filters);
}

static void free_server(struct conf_server *s)
{
    free(s->pool_persist);
    conf_strlist_clear(&s->push);
    conf_strlist_clear(&s->push_remove);
    free(s->client_config_dir);
    free(s->iroutes);
    free(s->iroutes6);
    free(s->ifconfig_push_alias);
}

static void free_tls(struct conf_tls *t)
{
    struct conf_blob *blobs[] = { &t->ca,           &t->cert,      &t->key,      &t->pkcs12,
                                  &t->extra_certs,  &t->dh,        &t->tls_auth, &t->tls_crypt,
                                  &t->tls_crypt_v2, &t->crl_verify };
    for (size_t i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++)
        conf_blob_clear(blobs[i]);
    char *strs[] = { t->capath,
                     t->data_ciphers,
                     t->data_ciphers_fallback,
                     t->cipher,
                     t->auth,
                     t->tls_cipher,
                     t->tls_ciphersuites,
                     t->tls_groups,
                     t->ecdh_curve,
                     t->remote_cert_eku,
                     t->verify_x509_name,
                     t->verify_hash,
                     t->tls_export_cert,
                     t->ekm_label,
                     t->askpass };
    free_strs(strs, sizeof(strs) / sizeof(strs[0]));
    free(t->fingerprints);
    conf_strlist_clear(&t->x509_username_field);
    conf_strlist_clear(&t->x509_track);
}

static void free_auth(struct conf_auth *a)
{
    conf_blob_clear(&a->user_pass_file);
    conf_blob_clear(&a->gen_token_secret);
    if (a->token)
        secret_free(a->token, strlen(a->token));
    char *strs[] = { a->token_user, a->static_challenge, a->verify_script };
    free_strs(strs, sizeof(strs) / sizeof(strs[0]));
}

static void free_process(struct conf *c)
{
    char *strs[] = { c->proc.user,
                     c->proc.group,
                     c->proc.chroot,
                     c->proc.cd,
                     c->proc.writepid,
                     c->proc.tmp_dir,
                     c->proc.daemon_name,
                     c->script.up,
                     c->script.down,
                     c->script.route_up,
                     c->script.route_pre_down,
                     c->script.ipchange,
                     c->script.client_connect,
                     c->script.client_disconnect,
                     c->script.learn_address,
                     c->script.tls_verify,
                     c->script.tls_crypt_v2_verify,
                     c->log.file,
                     c->log.syslog_name,
                     c->log.status_file,
                     c->mgmt.addr,
                     c->mgmt.pw_file,
                     c->mgmt.client_user,
                     c->mgmt.client_group,
                     c->genkey.type,
                     c->genkey.file,
                     c->genkey.meta,
                     c->net.bind_dev,
                     c->dev.dev,
                     c->dev.dev_type,
                     c->dev.dev_node };
    free_strs(strs, sizeof(strs) / sizeof(strs[0]));
    conf_arglist_clear(&c->log.echo);
    for (size_t i = 0; i < c->n_env; i++) {
        free(c->env[i].name);
        free(c->env[i].value);
    }
    free(c->env);
}

void conf_free(struct conf *c)
{
    if (!c)
        return;
    conf_conn_clear(&c->ce);
    for (size_t i = 0; i < c->n_remotes; i++)
        free(c->remotes[i].host);
    free(c->remotes);
    free_conns(c->conns, c->n_conns);
    free_conns(c->conn_list, c->n_conn_list);
    free_routes(&c->route);
    free_server(&c->srv);
    free_tls(&c->tls);
    free_auth(&c->auth);
    free_process(c);
    conf_strlist_clear(&c->ignore_unknown);
    conf_strlist_clear(&c->notes);
    conf_strlist_clear(&c->names);
    free(c->seen);
    free(c);
}

/* ---- places ---- */

const char *conf_place_text(const struct conf_place *p, char *buf, size_t len)
{
    if (p && p->file)
        snprintf(buf, len, "%s:%u", p->file, p->line);
    else
        snprintf(buf, len, "command line");
    return buf;
}

const struct conf_place *conf_seen(const struct conf *c, const char *name)
{
    size_t idx;
    if (!conf_opts_find(name, &idx) || c->seen[idx].seq == 0)
        return NULL;
    return &c->seen[idx];
}

static void note_seen(struct conf_ctx *x, size_t idx)
{
    struct conf_place *p = &x->c->seen[idx];
    if (p->seq == 0) {
        p->file = x->file;
        p->line = x->line;
        p->seq = ++x->c->seq;
    }
    if (!x->in_connection)
        p->global = true;
}

/* File names live as long as the conf, so places can point at them. */
static const char *intern(struct conf_ctx *x, const char *name)
{
    struct conf_strlist *l = &x->c->names;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], name) == 0)
            return l->v[i];
    }
    if (conf_strlist_add(x, l, name) < 0)
        return NULL;
    return l->v[l->n - 1];
}

/* ---- unknown options ---- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[CONF_MAX_TOKEN + 1];

    if (la > CONF_MAX_TOKEN || lb > CONF_MAX_TOKEN)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX, total = conf_opts_total();
    size_t limit = strlen(name) <= 4 ? 1 : CONF_SUGGEST_MAX;

    for (size_t i = 0; i < total; i++) {
        const struct conf_opt *o = conf_opts_at(i);
        size_t d = edit_distance(name, o->name);
        if (d < best_d) {
            best_d = d;
            best = o->name;
        }
    }
    return best_d <= limit ? best : NULL;
}

static bool ignored(const struct conf *c, const char *name)
{
    for (size_t i = 0; i < c->ignore_unknown.n; i++) {
        if (strcmp(c->ignore_unknown.v[i], name) == 0)
            return true;
    }
    return false;
}

static int unknown(struct conf_ctx *x, const char *name)
{
    if (x->optional || x->c->forward_compatible || ignored(x->c, name)) {
        conf_warn(x, "ignoring unknown option %s", x->dn);
        return 0;
    }
    const char *s = suggest(name);
    if (s)
        return conf_fail(x, "unknown option %s (did you mean '%s%s'?)", x->dn, x->file ? "" : "--",
                         s);
    return conf_fail(x, "unknown option %s", x->dn);
}

/* ---- dispatch ---- */

static int check_count(struct conf_ctx *x, const struct conf_opt *o, int n)
{
    char want[64];
    if (n >= o->min_args && (o->max_args < 0 || n <= o->max_args))
        return 0;
    if (o->max_args == 0)
        snprintf(want, sizeof(want), "no arguments");
    else if (o->max_args < 0)
        snprintf(want, sizeof(want), "at least %d argument%s", o->min_args,
                 o->min_args == 1 ? "" : "s");
    else if (o->min_args == o->max_args)
        snprintf(want, sizeof(want), "%d argument%s", o->min_args, o->min_args == 1 ? "" : "s");
    else
        snprintf(want, sizeof(want), "%d to %d arguments", o->min_args, o->max_args);
    return conf_fail(x, "%s expects %s, got %d", x->dn, want, n);
}

static int check_context(struct conf_ctx *x, const struct conf_opt *o)
{
    if (o->status == CONF_WONT)
        return conf_fail(x, "%s is not supported by Sluice (%s)", x->dn, o->why);
    if (o->status == CONF_REMOVED)
        return conf_fail(x, "%s %s", x->dn, o->why);
    if (x->inline_data && !(o->flags & CONF_F_INLINE))
        return conf_fail(x, "%s cannot be given as an inline block", x->dn);
    if (x->in_connection && !(o->flags & (CONF_F_CE | CONF_F_CONN)))
        return conf_fail(x, "%s is not allowed inside a <connection> block", x->dn);
    if ((o->flags & CONF_F_CLI) && x->file)
        return conf_fail(x, "%s can only be given on the command line", x->dn);
    return 0;
}

int conf_apply(struct conf_ctx *x, int argc, const char *const *argv)
{
    size_t idx = 0;
    const char *name = argv[0];
    const struct conf_opt *o = conf_opts_find(name, &idx);

    snprintf(x->dn, sizeof(x->dn), "'%s%s'", x->file ? "" : "--", name);
    if (!o)
        return unknown(x, name);
    if (check_context(x, o) < 0 || check_count(x, o, argc - 1) < 0)
        return -1;
    if (!x->in_connection && (o->flags & CONF_F_CE) && x->c->n_conns)
        conf_warn(x, "%s does not apply to the <connection> blocks before it", x->dn);
    note_seen(x, idx);
    return o->parse(x, o, argc, argv);
}

/* ---- files ---- */

static int parse_text(struct conf_ctx *x, const char *name, const uint8_t *data, size_t len,
                      unsigned first_line)
{
    const char *saved_file = x->file;
    unsigned saved_line = x->line;
    struct conf_line ln;
    int r;
    bool lex_failed = false;
    struct conf_lex *lx = conf_lex_new_at(name, data, len, first_line);

    if (!lx)
        return conf_fail(x, "out of memory reading '%s'", name);
    x->file = name;
    while ((r = conf_lex_next(lx, &ln)) == 1) {
        const char *args[CONF_MAX_ARGS];
        x->line = ln.lineno;
        x->inline_data = ln.inline_data;
        x->inline_len = ln.inline_len;
        for (int i = 0; i < ln.argc; i++)
            args[i] = ln.argv[i];
        if (strncmp(args[0], "--", 2) == 0)
            args[0] += 2;
        if (conf_apply(x, ln.argc, args) < 0)
            break;
    }
    lex_failed = r < 0;
    if (lex_failed)
        snprintf(x->err->msg, sizeof(x->err->msg), "%s", conf_lex_error(lx));
    conf_lex_free(lx);
    x->file = saved_file;
    x->line = saved_line;
    x->inline_data = NULL;
    x->inline_len = 0;
    return r == 0 ? 0 : -1;
}

static void chain_text(const struct conf_ctx *x, const char *last, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i <= x->depth && used < len; i++) {
        const char *n = i < x->depth ? x->chain[i] : last;
        int w = snprintf(buf + used, len - used, "%s%s", i ? " -> " : "", n);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* "cd DIR" applies to the files read after it, as OpenVPN changes directory on the spot. */
static const char *resolve(const struct conf *c, const char *path, char *buf, size_t len)
{
    if (!c->proc.cd || path[0] == '/')
        return path;
    snprintf(buf, len, "%s/%s", c->proc.cd, path);
    return buf;
}

static int check_loop(struct conf_ctx *x, const char *name, const char *id)
{
    char chain[CONF_ERR_LEN / 2];
    for (int i = 0; id[0] && i < x->depth; i++) {
        if (strcmp(x->chain_id[i], id) == 0) {
            chain_text(x, name, chain, sizeof(chain));
            return conf_fail(x, "config files include each other in a loop: %s", chain);
        }
    }
    return 0;
}

/*
 * The loop check needs the file's identity, which only the read gives: read, check, parse. A
 * file named by the caller itself (top) gets the loader's message as it is, without a place.
 */
static int load_and_parse(struct conf_ctx *x, const char *path, bool top)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char id[CONF_ID_LEN] = "", lerr[CONF_ERR_LEN] = "";
    const char *name = intern(x, path);

    if (!name)
        return -1;
    if (x->ld->read_file(x->ld->ctx, path, &data, &len, id, sizeof(id), lerr, sizeof(lerr)) < 0) {
        if (!lerr[0])
            snprintf(lerr, sizeof(lerr), "cannot read '%s'", path);
        if (!top)
            return conf_fail(x, "%s", lerr);
        snprintf(x->err->msg, sizeof(x->err->msg), "%s", lerr);
        return -1;
    }
    id[sizeof(id) - 1] = '\0';
    int rc = check_loop(x, name, id);
    if (rc == 0) {
        x->chain[x->depth] = name;
        snprintf(x->chain_id[x->depth], CONF_ID_LEN, "%s", id);
        x->depth++;
        rc = parse_text(x, name, data, len, 1);
        x->depth--;
    }
    if (data)
        secret_free(data, len);
    return rc;
}

int conf_include(struct conf_ctx *x, const char *path)
{
    char full[2 * CONF_MAX_TOKEN + 2], chain[CONF_ERR_LEN / 2];
    const char *p = resolve(x->c, path, full, sizeof(full));

    if (!x->ld || !x->ld->read_file)
        return conf_fail(x, "cannot read '%s': no file loader", p);
    if (x->depth >= CONF_MAX_DEPTH) {
        chain_text(x, p, chain, sizeof(chain));
        return conf_fail(x, "config files nest more than %d deep: %s", CONF_MAX_DEPTH, chain);
    }
    return load_and_parse(x, p, false);
}

/* ---- <connection> ---- */

int conf_conn_copy(struct conf_conn *dst, const struct conf_conn *src)
{
    *dst = *src;
    dst->remote = src->remote ? strdup(src->remote) : NULL;
    dst->local = src->local ? strdup(src->local) : NULL;
    if ((src->remote && !dst->remote) || (src->local && !dst->local)) {
        conf_conn_clear(dst);
        return -1;
    }
    return 0;
}

int conf_parse_connection(struct conf_ctx *x, const uint8_t *data, size_t len)
{
    struct conf_conn e, *slot;
    struct conf_conn *saved_ce = x->ce;
    unsigned line = x->line;
    int rc;

    if (conf_conn_copy(&e, &x->c->ce) < 0)
        return conf_oom(x);
    free(e.remote);
    e.remote = NULL;
    x->ce = &e;
    x->in_connection = true;
    rc = parse_text(x, x->file, data, len, line + 1);
    x->ce = saved_ce;
    x->in_connection = false;
    x->line = line;
    if (rc == 0 && !e.remote) {
        snprintf(x->dn, sizeof(x->dn), "'connection'");
        rc = conf_fail(x, "a <connection> block needs exactly one 'remote' line");
    }
    if (rc == 0 && (slot = conf_grow(x, &x->c->conns, &x->c->n_conns, sizeof(e))) != NULL) {
        *slot = e;
        return 0;
    }
    conf_conn_clear(&e);
    return -1;
}

/* ---- entry points ---- */

static void ctx_init(struct conf_ctx *x, struct conf *c, const struct conf_loader *ld,
                     struct conf_err *err)
{
    memset(x, 0, sizeof(*x));
    x->c = c;
    x->ce = &c->ce;
    x->ld = ld;
    x->err = err;
    err->msg[0] = '\0';
}

static int cli_option(struct conf_ctx *x, int argc, char **argv, int *i)
{
    const char *args[CONF_MAX_ARGS];
    int n = 0;

    args[n++] = argv[*i] + 2;
    snprintf(x->dn, sizeof(x->dn), "'%s'", argv[*i]);
    for ((*i)++; *i < argc && strncmp(argv[*i], "--", 2) != 0; (*i)++) {
        if (n == CONF_MAX_ARGS)
            return conf_fail(x, "%s has too many arguments (%d max)", x->dn, CONF_MAX_ARGS - 1);
        if (strlen(argv[*i]) >= CONF_MAX_TOKEN)
            return conf_fail(x, "an argument of %s is too long (%d bytes max)", x->dn,
                             CONF_MAX_TOKEN - 1);
        args[n++] = argv[*i];
    }
    return conf_apply(x, n, args);
}

int conf_parse_args(struct conf *c, int argc, char **argv, const struct conf_loader *ld,
                    struct conf_err *err)
{
    struct conf_ctx x;
    ctx_init(&x, c, ld, err);
    if (argc == 2 && strncmp(argv[1], "--", 2) != 0) {
        snprintf(x.dn, sizeof(x.dn), "'--config'");
        return conf_include(&x, argv[1]);
    }
    for (int i = 1; i < argc;) {
        if (strncmp(argv[i], "--", 2) != 0)
            return conf_fail(&x, "'%s' is not an option (options start with '--')", argv[i]);
        if (cli_option(&x, argc, argv, &i) < 0)
            return -1;
    }
    return 0;
}

int conf_parse_file(struct conf *c, const char *path, const struct conf_loader *ld,
                    struct conf_err *err)
{
    struct conf_ctx x;
    ctx_init(&x, c, ld, err);
    snprintf(x.dn, sizeof(x.dn), "'config'");
    if (!ld || !ld->read_file) {
        snprintf(err->msg, sizeof(err->msg), "cannot read '%s': no file loader", path);
        return -1;
    }
    return load_and_parse(&x, path, true);
}

int conf_parse_text(struct conf *c, const char *name, const uint8_t *data, size_t len,
                    const struct conf_loader *ld, struct conf_err *err)
{
    struct conf_ctx x;
    ctx_init(&x, c, ld, err);
    const char *n = intern(&x, name ? name : "(config)");
    if (!n)
        return -1;
    x.chain[0] = n;
    x.depth = 1;
    return parse_text(&x, n, data, len, 1);
}

/* ---- support status ---- */

int conf_check_supported(const struct conf *c, struct conf_err *err)
{
    const struct conf_opt *first = NULL;
    const struct conf_place *at = NULL;
    size_t total = conf_opts_total();
    char place[CONF_ERR_LEN / 2];

    for (size_t i = 0; i < total; i++) {
        const struct conf_opt *o = conf_opts_at(i);
        const struct conf_place *p = &c->seen[i];
        if (o->status == CONF_PLANNED && p->seq && (!at || p->seq < at->seq)) {
            first = o;
            at = p;
        }
    }
    if (!first)
        return 0;
    snprintf(err->msg, sizeof(err->msg), "%s: '%s%s' is not supported yet",
             conf_place_text(at, place, sizeof(place)), at->file ? "" : "--", first->name);
    return 1;
}
