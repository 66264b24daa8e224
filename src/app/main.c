/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up: the command line and configuration, logging, then the daemon. Configuration errors go
 * to stderr as "Options error: ..." with exit status 1, the way OpenVPN reports them, so scripts
 * and units that watch for that keep working.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <lz4.h>
#include <openssl/crypto.h>

#include "client.h"
#include "conf.h"
#include "conf_file.h"
#include "genkey.h"
#include "log.h"
#include "logsink.h"
#include "loop.h"
#include "runtime.h"
#include "server.h"
#include "sys.h"

static void print_version(void)
{
    printf("Sluice %s x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZ4] [EPOLL]%s%s%s\n", PACKAGE_VERSION,
#ifdef HAVE_LIBSYSTEMD
           " [SYSTEMD]",
#else
           "",
#endif
#ifdef HAVE_LIBCAPNG
           " [CAPNG]",
#else
           "",
#endif
#ifdef HAVE_LIBMNL
           " [MNL]"
#else
           ""
#endif
    );
    printf("library versions: %s, LZ4 %s\n", OpenSSL_version(OPENSSL_VERSION), LZ4_versionString());
    printf("compatible with: OpenVPN 2.6 (UDP, tun)\n");
    printf("build options: %s\n", SLUICE_BUILD_OPTIONS);
}

static const char usage_text[] =
    "Usage: sluice [--config FILE] [--OPTION ARGS ...]\n"
    "\n"
    "Sluice is an OpenVPN 2.6 compatible VPN daemon. It reads OpenVPN configuration files:\n"
    "every directive of a file can also be given on the command line as --directive ARGS, and\n"
    "--config FILE is read where it appears, so options after it override the file.\n"
    "\n"
    "Options of the command line only:\n"
    "  --config FILE      read options from FILE (may repeat; files may include others)\n"
    "  --show-config      check the configuration, print the effective one and exit\n"
    "  --genkey TYPE [FILE] [METADATA]\n"
    "                     write a key as openvpn does: secret (= tls-auth, tls-crypt),\n"
    "                     tls-crypt-v2-server, tls-crypt-v2-client (with --tls-crypt-v2 KEY)\n"
    "  --version          print version and library information and exit\n"
    "  --help             print this text and exit\n"
    "\n"
    "Directives, grouped as in OpenVPN's manual:\n"
    "  tunnel     dev dev-type proto port lport rport local remote nobind float mode server\n"
    "             server-ipv6 topology ifconfig ifconfig-ipv6 ifconfig-pool route route-ipv6\n"
    "             redirect-gateway push client client-to-client tun-mtu mssfix keepalive ...\n"
    "  TLS        tls-server tls-client ca cert key pkcs12 dh tls-auth tls-crypt tls-crypt-v2\n"
    "             key-direction data-ciphers data-ciphers-fallback auth tls-version-min\n"
    "             remote-cert-tls verify-x509-name crl-verify reneg-sec hand-window ...\n"
    "  process    user group chroot cd daemon writepid log log-append syslog verb mute\n"
    "             suppress-timestamps machine-readable-output status management setenv ...\n"
    "\n"
    "Unsupported directives (TCP, TAP, plugins, PKCS#11, static-key mode) are refused with a\n"
    "clear error. See README.md for what this version implements.\n";

static void print_help(FILE *out)
{
    fputs(usage_text, out);
}

static int options_error(const struct conf_err *err)
{
    fprintf(stderr, "Options error: %s\nUse --help for more information.\n", err->msg);
    return 1;
}

static void emit_line(void *ctx, const char *line)
{
    fprintf(ctx, "%s\n", line);
}

static void warn_through_log(void *ctx, const char *msg)
{
    (void)ctx;
    log_msg(LOG_L_WARN, "%s", msg);
}

/* Moves logging from the start-up stderr sink to what the configuration asks for. */
static int apply_logging(const struct conf *c)
{
    struct log_params p = {
        .verb = (unsigned)c->log.verb,
        .mute = (unsigned)c->log.mute,
        .layout = c->log.machine_readable      ? LOG_LAYOUT_MACHINE
                  : c->log.suppress_timestamps ? LOG_LAYOUT_NO_TIME
                                               : LOG_LAYOUT_DEFAULT,
    };
    char err[512];
    if (!log_configure(&p)) {
        fprintf(stderr, "Options error: bad logging parameters\n");
        return -1;
    }
    if (c->log.file && logsink_open_file(c->log.file, c->log.append, err, sizeof(err)) < 0) {
        fprintf(stderr, "Options error: %s\n", err);
        return -1;
    }
    if (!c->log.file && (c->log.syslog || c->proc.daemon))
        logsink_open_syslog(c->log.syslog ? c->log.syslog_name : c->proc.daemon_name);
    return 0;
}

static void log_notes(const struct conf *c)
{
    for (size_t i = 0; i < c->notes.n; i++)
        log_msg(LOG_L_WARN, "%s", c->notes.v[i]);
}

static int fatal(const char *msg)
{
    log_msg(LOG_L_FATAL, "%s", msg);
    log_msg(LOG_L_FATAL, "Exiting due to fatal error");
    return 1;
}

/* openvpn's warnings for a data channel without encryption or without authentication. */
static void log_insecure_data_channel(const struct conf *c)
{
    if (conf_list_has(c->tls.data_ciphers, "none") ||
        (c->tls.data_ciphers_fallback && strcmp(c->tls.data_ciphers_fallback, "none") == 0))
        log_msg(LOG_L_WARN,
                "******* WARNING *******: '--cipher none' was specified. This means NO "
                "encryption will be performed and tunnelled data WILL be transmitted in clear "
                "text over the network! PLEASE DO RECONSIDER THIS SETTING!");
    if (c->tls.auth && strcmp(c->tls.auth, "none") == 0)
        log_msg(LOG_L_WARN,
                "******* WARNING *******: '--auth none' was specified. This means no "
                "authentication will be performed on received packets, meaning you CANNOT "
                "trust that the data received by the remote side have NOT been manipulated. "
                "PLEASE DO RECONSIDER THIS SETTING!");
}

/* The roles the control channel implements: `mode server` + tls-server, or pull + tls-client. */
static enum runtime_end run_role(const struct conf *c, struct loop *loop)
{
    if (c->tls.server && c->net.mode == CONF_MODE_SERVER)
        return server_run(c, loop);
    if (c->tls.client && c->net.pull)
        return client_run(c, loop);
    log_msg(LOG_L_FATAL,
            "TLS peer-to-peer mode (%s without '%s') is not supported yet: use "
            "'server' / 'mode server' or 'client' / 'pull'",
            c->tls.server ? "tls-server" : "tls-client", c->tls.server ? "mode server" : "pull");
    return RUNTIME_FATAL;
}

/* SIGHUP: the command line and configuration files are read again, as openvpn does. */
static struct conf *reload(int argc, char **argv)
{
    struct conf_err err;
    struct conf_loader ld;
    struct conf *c = conf_new();

    conf_file_loader(&ld, warn_through_log, NULL);
    if (!c || conf_parse_args(c, argc, argv, &ld, &err) < 0 || conf_finalize(c, &err) < 0 ||
        conf_check_supported(c, &err)) {
        log_msg(LOG_L_FATAL, "Options error: %s", c ? err.msg : "out of memory");
        conf_free(c);
        return NULL;
    }
    if (!log_set_verb((unsigned)c->log.verb))
        log_msg(LOG_L_WARN, "verb %d is out of range; keeping %u", c->log.verb, log_verb());
    log_notes(c);
    return c;
}

/* The daemon proper: the client or server run, restarted as its signals ask. */
static int start_daemon(struct conf **cp, int argc, char **argv)
{
    struct conf_err err;
    struct loop *loop;
    char msg[1024];
    enum runtime_end end;
    log_msg(LOG_L_INFO, "Sluice %s starting (%s)", PACKAGE_VERSION,
            OpenSSL_version(OPENSSL_VERSION));
    log_notes(*cp);
    if (conf_check_supported(*cp, &err))
        return fatal(err.msg);
    if ((*cp)->proc.cd && sys_chdir((*cp)->proc.cd, msg, sizeof(msg)) < 0)
        return fatal(msg);
    if ((*cp)->proc.writepid && sys_write_pidfile((*cp)->proc.writepid, msg, sizeof(msg)) < 0)
        return fatal(msg);
    loop = loop_new(16);
    if (!loop) {
        sys_remove_pidfile();
        return fatal("cannot create the event loop");
    }
    do {
        log_insecure_data_channel(*cp);
        end = run_role(*cp, loop);
        if (end == RUNTIME_RELOAD) {
            struct conf *fresh = reload(argc, argv);
            end = fresh ? RUNTIME_RESTART : RUNTIME_FATAL;
            if (fresh) {
                conf_free(*cp);
                *cp = fresh;
            }
        }
    } while (end == RUNTIME_RESTART);
    loop_free(loop);
    sys_remove_pidfile();
    if (end == RUNTIME_EXIT)
        return 0;
    log_msg(LOG_L_FATAL, "Exiting due to fatal error");
    return 1;
}

static int run(struct conf **cp, int argc, char **argv)
{
    struct conf *c = *cp;
    struct conf_err err;
    struct conf_loader ld;
    conf_file_loader(&ld, warn_through_log, NULL);

    if (argc < 2) {
        print_help(stderr);
        return 1;
    }
    if (conf_parse_args(c, argc, argv, &ld, &err) < 0)
        return options_error(&err);
    if (c->show_help) {
        print_help(stdout);
        return 0;
    }
    if (c->show_version) {
        print_version();
        return 0;
    }
    if (c->genkey.set)
        return genkey_run(c);
    if (conf_finalize(c, &err) < 0)
        return options_error(&err);
    if (c->show_config) {
        conf_show(c, emit_line, stdout);
        return 0;
    }
    if (apply_logging(c) < 0)
        return 1;
    return start_daemon(cp, argc, argv);
}

int main(int argc, char **argv)
{
    logsink_install_clock();
    logsink_use_stderr();
    struct conf *c = conf_new();
    if (!c) {
        fputs("sluice: out of memory\n", stderr);
        return 1;
    }
    int rc = run(&c, argc, argv);
    conf_free(c);
    logsink_close();
    return rc;
}
