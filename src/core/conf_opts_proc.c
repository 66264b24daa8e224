/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options of ops-interfaces.md 1.5.3 (process, logging, status, management, scripts,
 * environment) and the command-line-only switches: table entries, handlers, show functions.
 */
#include "conf_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT_MAX_ 2147483647LL

static const char *const remap_words[] = { "SIGHUP", "SIGTERM", NULL };
static const char *const genkey_words[] = {
    "secret",     "tls-auth", "tls-crypt", "tls-crypt-v2-server", "tls-crypt-v2-client",
    "auth-token", NULL
};

static int opt_config(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    (void)o;
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a file name", x->dn);
    return conf_include(x, argv[1]);
}

/* ---- logging ---- */

static int opt_log(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)argc;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a file name", x->dn);
    if (conf_setstr(x, &x->c->log.file, argv[1]) < 0)
        return -1;
    x->c->log.append = strcmp(o->name, "log-append") == 0;
    return 0;
}

static void show_log(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                     struct conf_sb *sb)
{
    (void)ce;
    bool append = strcmp(o->name, "log-append") == 0;
    if (c->log.file && c->log.append == append) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, c->log.file);
        conf_sb_end(sb);
    }
}

/* daemon / syslog: a flag with an optional program name for syslog */
static int opt_progname(struct conf_ctx *x, const struct conf_opt *o, int argc,
                        const char *const *argv)
{
    bool daemon = strcmp(o->name, "daemon") == 0;
    char **name = daemon ? &x->c->proc.daemon_name : &x->c->log.syslog_name;
    if (argc > 1 && conf_setstr(x, name, argv[1]) < 0)
        return -1;
    if (daemon)
        x->c->proc.daemon = true;
    else
        x->c->log.syslog = true;
    return 0;
}

static void show_progname(const struct conf *c, const struct conf_conn *ce,
                          const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    bool daemon = strcmp(o->name, "daemon") == 0;
    if (!(daemon ? c->proc.daemon : c->log.syslog))
        return;
    const char *name = daemon ? c->proc.daemon_name : c->log.syslog_name;
    conf_sb_begin(sb, o->name);
    if (name)
        conf_sb_arg(sb, name);
    conf_sb_end(sb);
}

static int opt_status(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    (void)o;
    if (argv[1][0] == '\0')
        return conf_fail(x, "%s expects a file name", x->dn);
    if (argc > 2 && conf_int(x, argv[2], 0, INT_MAX_, &x->c->log.status_interval) < 0)
        return -1;
    return conf_setstr(x, &x->c->log.status_file, argv[1]);
}

static void show_status(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
{
    (void)ce;
    if (!c->log.status_file)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, c->log.status_file);
    conf_sb_argf(sb, "%d", c->log.status_interval);
    conf_sb_end(sb);
}

static int opt_echo(struct conf_ctx *x, const struct conf_opt *o, int argc, const char *const *argv)
{
    (void)o;
    return conf_arglist_add(x, &x->c->log.echo, argc - 1, argv + 1);
}

static void show_echo(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                      struct conf_sb *sb)
{
    (void)ce;
    for (size_t i = 0; i < c->log.echo.n; i++)
        conf_sb_args(sb, o->name, c->log.echo.v[i].argc, c->log.echo.v[i].argv);
}

/* ---- management ---- */

static int opt_management(struct conf_ctx *x, const struct conf_opt *o, int argc,
                          const char *const *argv)
{
    struct conf_mgmt *m = &x->c->mgmt;
    bool unix_socket = strcmp(argv[2], "unix") == 0;
    int port = 0;
    (void)o;
    if (!unix_socket && (conf_host(x, argv[1], "an IP address or host name (or 'PATH unix')") < 0 ||
                         conf_port(x, argv[2], false, &port) < 0))
        return -1;
    if (unix_socket && argv[1][0] == '\0')
        return conf_fail(x, "%s expects a socket path before 'unix'", x->dn);
    if (argc > 3 && argv[3][0] == '\0')
        return conf_fail(x, "%s expects a password file name or 'stdin'", x->dn);
    if (conf_setstr(x, &m->addr, argv[1]) < 0 ||
        (argc > 3 && conf_setstr(x, &m->pw_file, argv[3]) < 0))
        return -1;
    if (argc <= 3) {
        free(m->pw_file);
        m->pw_file = NULL;
    }
    m->set = true;
    m->unix_socket = unix_socket;
    m->port = port;
    return 0;
}

static void show_management(const struct conf *c, const struct conf_conn *ce,
                            const struct conf_opt *o, struct conf_sb *sb)
{
    const struct conf_mgmt *m = &c->mgmt;
    (void)ce;
    if (!m->set)
        return;
    conf_sb_begin(sb, o->name);
    conf_sb_arg(sb, m->addr);
    if (m->unix_socket)
        conf_sb_arg(sb, "unix");
    else
        conf_sb_argf(sb, "%d", m->port);
    if (m->pw_file)
        conf_sb_arg(sb, m->pw_file);
    conf_sb_end(sb);
}

/* ---- environment ---- */

static int add_env(struct conf_ctx *x, const char *name, const char *value, bool safe)
{
    struct conf_setenv *e = NULL;
    if (name[0] == '\0' || strchr(name, '='))
        return conf_fail(x, "%s expects a variable name without '=', got '%s'", x->dn, name);
    for (size_t i = 0; i < x->c->n_env; i++) {
        if (x->c->env[i].safe == safe && strcmp(x->c->env[i].name, name) == 0)
            e = &x->c->env[i];
    }
    if (e)
        return conf_setstr(x, &e->value, value);
    e = conf_grow(x, &x->c->env, &x->c->n_env, sizeof(*e));
    if (!e)
        return -1;
    e->safe = safe;
    if (conf_setstr(x, &e->name, name) < 0 || conf_setstr(x, &e->value, value) < 0) {
        free(e->name);
        x->c->n_env--;
        return -1;
    }
    return 0;
}

/* "setenv opt DIRECTIVE ..." applies DIRECTIVE, which may be unknown to this version. */
static int setenv_opt(struct conf_ctx *x, int argc, const char *const *argv)
{
    bool saved = x->optional;
    if (argc < 3)
        return conf_fail(x, "%s opt expects a directive after 'opt'", x->dn);
    const char *args[CONF_MAX_ARGS];
    for (int i = 2; i < argc; i++)
        args[i - 2] = argv[i];
    if (strncmp(args[0], "--", 2) == 0)
        args[0] += 2;
    x->optional = true;
    int rc = conf_apply(x, argc - 2, args);
    x->optional = saved;
    return rc;
}

static int opt_setenv(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    bool safe = strcmp(o->name, "setenv-safe") == 0;
    if (!safe && strcmp(argv[1], "opt") == 0)
        return setenv_opt(x, argc, argv);
    if (argc > 3)
        return conf_fail(x, "%s expects 1 to 2 arguments, got %d", x->dn, argc - 1);
    const char *value = argc > 2 ? argv[2] : "";
    if (!safe && strcmp(argv[1], "FORWARD_COMPATIBLE") == 0 && strcmp(value, "1") == 0)
        x->c->forward_compatible = true;
    return add_env(x, argv[1], value, safe);
}

static void show_setenv(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                        struct conf_sb *sb)
{
    bool safe = strcmp(o->name, "setenv-safe") == 0;
    (void)ce;
    for (size_t i = 0; i < c->n_env; i++) {
        if (c->env[i].safe != safe)
            continue;
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, c->env[i].name);
        conf_sb_arg(sb, c->env[i].value);
        conf_sb_end(sb);
    }
}

static int opt_ignore_unknown(struct conf_ctx *x, const struct conf_opt *o, int argc,
                              const char *const *argv)
{
    (void)o;
    for (int i = 1; i < argc; i++) {
        const char *n = strncmp(argv[i], "--", 2) == 0 ? argv[i] + 2 : argv[i];
        if (conf_strlist_add(x, &x->c->ignore_unknown, n) < 0)
            return -1;
    }
    return 0;
}

static void show_ignore_unknown(const struct conf *c, const struct conf_conn *ce,
                                const struct conf_opt *o, struct conf_sb *sb)
{
    (void)ce;
    if (c->ignore_unknown.n)
        conf_sb_args(sb, o->name, (int)c->ignore_unknown.n, c->ignore_unknown.v);
}

/* ---- process ---- */

static int opt_remap(struct conf_ctx *x, const struct conf_opt *o, int argc,
                     const char *const *argv)
{
    int v;
    (void)o;
    (void)argc;
    if (conf_word(x, argv[1], remap_words, &v) < 0)
        return -1;
    x->c->proc.remap_usr1 = (enum conf_remap)(v + 1);
    return 0;
}

static void show_remap(const struct conf *c, const struct conf_conn *ce, const struct conf_opt *o,
                       struct conf_sb *sb)
{
    (void)ce;
    if (c->proc.remap_usr1 != CONF_REMAP_NONE) {
        conf_sb_begin(sb, o->name);
        conf_sb_arg(sb, remap_words[c->proc.remap_usr1 - 1]);
        conf_sb_end(sb);
    }
}

static int opt_genkey(struct conf_ctx *x, const struct conf_opt *o, int argc,
                      const char *const *argv)
{
    struct conf_genkey *g = &x->c->genkey;
    int t = 0;
    (void)o;
    if (argc > 1 && conf_word(x, argv[1], genkey_words, &t) < 0)
        return -1;
    if (argc > 3 && t != 4)
        return conf_fail(x, "%s takes metadata only for 'tls-crypt-v2-client'", x->dn);
    if (conf_setstr(x, &g->type, genkey_words[t]) < 0 ||
        (argc > 2 && conf_setstr(x, &g->file, argv[2]) < 0) ||
        (argc > 3 && conf_setstr(x, &g->meta, argv[3]) < 0))
        return -1;
    g->set = true;
    return 0;
}

#define P                CONF_PLANNED
#define R                CONF_READY
#define SCRIPT(n, field) OPT_STR(n, script.field, P)
#define CLI_FLAG(n, field)                                                                         \
    {                                                                                              \
        .name = n, .min_args = 0, .max_args = 0, .status = R, .flags = CONF_F_CLI,                 \
        .parse = conf_opt_flag, .off = CONF_OFF(field)                                             \
    }

const struct conf_opt conf_opts_proc[] = {
    OPT_FN("config", 1, 1, R, 0, opt_config, NULL),
    { .name = "cd",
      .min_args = 1,
      .max_args = 1,
      .status = R,
      .parse = conf_opt_str,
      .show = conf_show_str,
      .off = CONF_OFF(proc.cd) },
    OPT_STR("user", proc.user, P),
    OPT_STR("group", proc.group, P),
    OPT_STR("chroot", proc.chroot, P),
    OPT_FN("daemon", 0, 1, P, 0, opt_progname, show_progname),
    OPT_STR("writepid", proc.writepid, R),
    OPT_STR("tmp-dir", proc.tmp_dir, P),
    OPT_INT("nice", proc.nice, -20, 19, P),
    OPT_FLAG("mlock", proc.mlock, P),
    OPT_INT("script-security", proc.script_security, 0, 3, P),
    OPT_FN("remap-usr1", 1, 1, P, 0, opt_remap, show_remap),
    /* logging and status */
    OPT_FN("log", 1, 1, R, 0, opt_log, show_log),
    OPT_FN("log-append", 1, 1, R, 0, opt_log, show_log),
    OPT_FN("syslog", 0, 1, R, 0, opt_progname, show_progname),
    OPT_INT("verb", log.verb, 0, 11, R),
    OPT_INT("mute", log.mute, 0, INT_MAX_, R),
    OPT_FLAG("suppress-timestamps", log.suppress_timestamps, R),
    OPT_FLAG("machine-readable-output", log.machine_readable, R),
    OPT_FN("status", 1, 2, R, 0, opt_status, show_status),
    OPT_INT("status-version", log.status_version, 1, 3, R),
    OPT_FN("echo", 0, -1, P, 0, opt_echo, show_echo),
    /* management interface */
    OPT_FN("management", 2, 3, P, 0, opt_management, show_management),
    OPT_FLAG("management-client", mgmt.client, P),
    OPT_FLAG("management-hold", mgmt.hold, P),
    OPT_FLAG("management-query-passwords", mgmt.query_passwords, P),
    OPT_FLAG("management-client-auth", mgmt.client_auth, P),
    OPT_FLAG("management-signal", mgmt.signal, P),
    OPT_FLAG("management-forget-disconnect", mgmt.forget_disconnect, P),
    OPT_FLAG("management-up-down", mgmt.up_down, P),
    OPT_INT("management-log-cache", mgmt.log_cache, 1, INT_MAX_, P),
    OPT_STR("management-client-user", mgmt.client_user, P),
    OPT_STR("management-client-group", mgmt.client_group, P),
    /* scripts */
    SCRIPT("up", up),
    SCRIPT("down", down),
    SCRIPT("route-up", route_up),
    SCRIPT("route-pre-down", route_pre_down),
    SCRIPT("ipchange", ipchange),
    SCRIPT("client-connect", client_connect),
    SCRIPT("client-disconnect", client_disconnect),
    SCRIPT("learn-address", learn_address),
    SCRIPT("tls-verify", tls_verify),
    OPT_FLAG("up-delay", script.up_delay, P),
    OPT_FLAG("up-restart", script.up_restart, P),
    OPT_FLAG("down-pre", script.down_pre, P),
    /* environment */
    OPT_FN("setenv", 1, -1, R, 0, opt_setenv, show_setenv),
    OPT_FN("setenv-safe", 1, 2, R, 0, opt_setenv, show_setenv),
    OPT_FN("ignore-unknown-option", 1, -1, R, 0, opt_ignore_unknown, show_ignore_unknown),
    /* command line only */
    CLI_FLAG("show-config", show_config),
    CLI_FLAG("version", show_version),
    CLI_FLAG("help", show_help),
    OPT_FN("genkey", 0, 3, R, CONF_F_CLI, opt_genkey, NULL),
};

const size_t conf_opts_proc_count = sizeof(conf_opts_proc) / sizeof(conf_opts_proc[0]);
