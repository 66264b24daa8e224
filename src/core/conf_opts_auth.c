/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options of ops-interfaces.md 1.5.2 and 1.5.4 for compression framing and user authentication
 * (auth-user-pass, tokens, server-side verification): table entries, handlers, show functions.
 */
#include "conf_opts.h"

#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT_MAX_ 2147483647LL

static const char *const retry_words[] = { "none", "nointeract", "interact", NULL };
static const char *const method_words[] = { "via-file", "via-env", NULL };
static const char *const client_cert_words[] = { "require", "optional", "none", NULL };
static const char *const compress_words[] = { "stub", "stub-v2", "lz4", "lz4-v2",
                                              "lzo",  "migrate", NULL };
static const char *const lzo_words[] = { "no", "yes", "adaptive", NULL };
static const char *const allow_comp_words[] = { "no", "asym", "yes", NULL };

/* ---- compression ---- */

static int opt_compress(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    int v = 0;
    (void)o;
    if (argc > 1 && conf_word(x, argv[1], compress_words, &v) < 0)
        return -1;
    x->c->tls.compress = (enum conf_compress)(v + 1);
    return 0;
}

static void show_compress(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.compress != CONF_COMPRESS_UNSET) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, compress_words[c->tls.compress - 1]);
        conf_sb_end(sb);
    }
}

static int opt_comp_lzo(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    int v = 2;
    (void)o;
    if (argc > 1 && conf_word(x, argv[1], lzo_words, &v) < 0)
        return -1;
    x->c->tls.comp_lzo = (enum conf_comp_lzo)(v + 1);
    return 0;
}

static void show_comp_lzo(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.comp_lzo != CONF_COMP_LZO_UNSET) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, lzo_words[c->tls.comp_lzo - 1]);
        conf_sb_end(sb);
    }
}

static int opt_comp_noadapt(struct conf_ctx *x, const struct conf_opt *o, int argc,
                            const char *const *argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    if (x->c->tls.comp_lzo == CONF_COMP_LZO_ADAPTIVE)
        x->c->tls.comp_lzo = CONF_COMP_LZO_YES;
    return 0;
}

static int opt_allow_compression(struct conf_ctx *x, const struct conf_opt *o, int argc,
                                 const char *const *argv)
{
    int v;
    (void)o;
    (void)argc;
    if (conf_word(x, argv[1], allow_comp_words, &v) < 0)
        return -1;
    if (x->c->tls.allow_compression == CONF_ALLOW_COMP_NO && v != 0)
        return conf_fail(x, "%s cannot be set to '%s' after it was set to 'no'", x->dn, argv[1]);
    if (v == 2)
        conf_warn(x,
                  "WARNING: %s yes enables compression for sending and receiving; "
                  "compression has been used to break encryption",
                  x->dn);
    x->c->tls.allow_compression = (enum conf_allow_comp)(v + 1);
    return 0;
}

static void show_allow_compression(const struct conf *c, const struct conf_conn *ce,
                                   const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->tls.allow_compression != CONF_ALLOW_COMP_UNSET) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, allow_comp_words[c->tls.allow_compression - 1]);
        conf_sb_end(sb);
    }
}

/* ---- user authentication ---- */

static int opt_auth_user_pass(struct conf_ctx *x, const struct conf_opt *o, int argc,
                              const char *const *argv)
{
    struct conf_auth *a = &x->c->auth;
    (void)o;
    if (argc > 1 && conf_set_blob(x, &a->user_pass_file, argv[1]) < 0)
        return -1;
    if (argc == 1)
        conf_blob_clear(&a->user_pass_file);
    a->user_pass = true;
    return 0;
}

static void show_auth_user_pass(const struct conf *c, const struct conf_conn *ce,
                                const struct conf_opt *o, struct conf_sb *sb)
{
    const struct conf_blob *b = &c->auth.user_pass_file;
    (void)ce;
    if (!c->auth.user_pass)
        return;
    if (b->is_inline || b->path) {
        conf_sb_blob(sb, o->name, b, NULL);
        return;
    }
    conf_sb_begin(sb, o->name);
    conf_sb_end(sb);
}

static int opt_auth_token(struct conf_ctx *x, const struct conf_opt *o, int argc,
                          const char *const *argv)
{
    struct conf_auth *a = &x->c->auth;
    char *copy = strdup(argv[1]);
    (void)o;
    (void)argc;
    if (!copy)
        return conf_oom(x);
    if (a->token)
        secret_free(a->token, strlen(a->token));
    a->token = copy;
    return 0;
}

static void show_auth_token(const struct conf *c, const struct conf_conn *ce,
                            const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->auth.token)
        conf_sb_raw(sb, "# %s (set, not shown)", o->name);
}

static int opt_static_challenge(struct conf_ctx *x, const struct conf_opt *o, int argc,
                                const char *const *argv)
{
    (void)o;
    (void)argc;
    if (strcmp(argv[2], "0") != 0 && strcmp(argv[2], "1") != 0)
        return conf_fail(x, "%s expects 0 or 1 (echo the response) after the text, got '%s'", x->dn,
                         argv[2]);
    if (conf_setstr(x, &x->c->auth.static_challenge, argv[1]) < 0)
        return -1;
    x->c->auth.static_challenge_echo = argv[2][0] == '1';
    return 0;
}

static void show_static_challenge(const struct conf *c, const struct conf_conn *ce,
                                  const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (!c->auth.static_challenge)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, c->auth.static_challenge);
    conf_sb_arg(sb, c->auth.static_challenge_echo ? "1" : "0");
    conf_sb_end(sb);
}

static int opt_verify_client_cert(struct conf_ctx *x, const struct conf_opt *o, int argc,
                                  const char *const *argv)
{
    int v = CONF_CLIENT_CERT_REQUIRE;
    (void)o;
    if (argc > 1 && conf_word(x, argv[1], client_cert_words, &v) < 0)
        return -1;
    x->c->auth.verify_client_cert = (enum conf_client_cert)v;
    return 0;
}

static void show_verify_client_cert(const struct conf *c, const struct conf_conn *ce,
                                    const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, client_cert_words[c->auth.verify_client_cert]);
    conf_sb_end(sb);
}

static int opt_user_pass_verify(struct conf_ctx *x, const struct conf_opt *o, int argc,
                                const char *const *argv)
{
    int m;
    (void)o;
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a command", x->dn);
    if (conf_word(x, argv[2], method_words, &m) < 0 ||
        conf_setstr(x, &x->c->auth.verify_script, argv[1]) < 0)
        return -1;
    x->c->auth.verify_method = (enum conf_verify_method)m;
    return 0;
}

static void show_user_pass_verify(const struct conf *c, const struct conf_conn *ce,
                                  const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (!c->auth.verify_script)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, c->auth.verify_script);
    conf_sb_arg(sb, method_words[c->auth.verify_method]);
    conf_sb_end(sb);
}

static int opt_gen_token(struct conf_ctx *x, const struct conf_opt *o, int argc,
                         const char *const *argv)
{
    struct conf_auth *a = &x->c->auth;
    int life = 0, renew = 0;
    bool external = false;
    (void)o;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "external-auth") == 0)
            external = true;
        else if (i == 1 && conf_int(x, argv[i], 0, INT_MAX_, &life) < 0)
            return -1;
        else if (i == 2 && conf_int(x, argv[i], 0, INT_MAX_, &renew) < 0)
            return -1;
        else if (i == 3)
            return conf_fail(x, "%s expects 'external-auth' as its last argument, got '%s'", x->dn,
                             argv[i]);
    }
    a->gen_token = true;
    a->gen_token_lifetime = life;
    a->gen_token_renewal = renew;
    a->gen_token_external = external;
    return 0;
}

static void show_gen_token(const struct conf *c, const struct conf_conn *ce,
                           const struct conf_opt *o, struct conf_sb *sb)
{
    const struct conf_auth *a = &c->auth;
    (void)ce;
    if (!a->gen_token)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_argf(sb, "%d", a->gen_token_lifetime);
    conf_sb_argf(sb, "%d", a->gen_token_renewal);
    if (a->gen_token_external)
        conf_sb_arg(sb, "external-auth");
    conf_sb_end(sb);
}

static int opt_opt_verify(struct conf_ctx *x, const struct conf_opt *o, int argc,
                          const char *const *argv)
{
    conf_warn(x, "%s is deprecated and will be removed in OpenVPN 2.7", x->dn);
    return conf_opt_flag(x, o, argc, argv);
}

#define P                   CONF_PLANNED
#define R                   CONF_READY
#define FN(n, mn, mx, p, s) OPT_FN(n, mn, mx, P, 0, p, s)

const struct conf_opt conf_opts_auth[] = {
    /* compression framing */
    OPT_FN("allow-compression", 1, 1, R, 0, opt_allow_compression, show_allow_compression),
    OPT_FN("compress", 0, 1, R, 0, opt_compress, show_compress),
    OPT_FN("comp-lzo", 0, 1, R, 0, opt_comp_lzo, show_comp_lzo),
    FN("comp-noadapt", 0, 0, opt_comp_noadapt, NULL),
    /* user names, passwords, tokens */
    OPT_FN("auth-user-pass", 0, 1, R, CONF_F_INLINE, opt_auth_user_pass, show_auth_user_pass),
    OPT_FLAG("auth-nocache", auth.nocache, P),
    OPT_ENUM("auth-retry", auth.retry, retry_words, P),
    FN("auth-token", 1, 1, opt_auth_token, show_auth_token),
    OPT_STR("auth-token-user", auth.token_user, P),
    FN("static-challenge", 2, 2, opt_static_challenge, show_static_challenge),
    OPT_FLAG("auth-user-pass-optional", auth.user_pass_optional, P),
    OPT_FLAG("username-as-common-name", auth.username_as_common_name, P),
    { .name = "opt-verify",
      .min_args = 0,
      .max_args = 0,
      .status = R,
      .parse = opt_opt_verify,
      .show = conf_show_flag,
      .off = CONF_OFF(auth.opt_verify) },
    OPT_FN("verify-client-cert", 0, 1, R, 0, opt_verify_client_cert, show_verify_client_cert),
    FN("auth-user-pass-verify", 2, 2, opt_user_pass_verify, show_user_pass_verify),
    FN("auth-gen-token", 0, 3, opt_gen_token, show_gen_token),
    OPT_BLOB("auth-gen-token-secret", auth.gen_token_secret, P),
};

const size_t conf_opts_auth_count = sizeof(conf_opts_auth) / sizeof(conf_opts_auth[0]);
