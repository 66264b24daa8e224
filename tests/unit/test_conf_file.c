/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The file loader of the configuration (src/shell/conf_file.c) on real temporary files, include
 * loops found through inode identities, and the sample configs of sample-config/ (found through
 * $SLUICE_SRCDIR, default ".") parsed and finalized.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_file.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static struct conf_err err;

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/sluice-conf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = { "a.conf",   "b.conf",   "link.conf",
                                         "big.conf", "max.conf", "ok.conf" };
    char p[512];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    return rmdir(dir);
}

static const char *path(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path(name), "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void test_read(void **state)
{
    (void)state;
    uint8_t *data = NULL;
    size_t len = 0;
    char id[64], e[256], want[64];
    struct stat st;

    write_file("ok.conf", "verb 3\n");
    assert_int_equal(
        conf_file_read(NULL, path("ok.conf"), &data, &len, id, sizeof(id), e, sizeof(e)), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(data, "verb 3\n", 7);
    assert_int_equal(data[7], 0);
    assert_int_equal(stat(path("ok.conf"), &st), 0);
    snprintf(want, sizeof(want), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    assert_string_equal(id, want);
    free(data);
}

static void test_read_errors(void **state)
{
    (void)state;
    uint8_t *data = NULL;
    size_t len = 0;
    char id[64], e[512], want[512];

    assert_int_equal(
        conf_file_read(NULL, path("nope.conf"), &data, &len, id, sizeof(id), e, sizeof(e)), -1);
    snprintf(want, sizeof(want), "cannot read '%s': No such file or directory", path("nope.conf"));
    assert_string_equal(e, want);
    assert_null(data);

    assert_int_equal(conf_file_read(NULL, dir, &data, &len, id, sizeof(id), e, sizeof(e)), -1);
    snprintf(want, sizeof(want), "cannot read '%s': Is a directory", dir);
    assert_string_equal(e, want);
}

static void make_sized(const char *name, off_t size)
{
    int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, size), 0);
    close(fd);
}

static void test_size_cap(void **state)
{
    (void)state;
    uint8_t *data = NULL;
    size_t len = 0;
    char id[64], e[512], want[512];

    make_sized("big.conf", (off_t)CONF_FILE_MAX + 1);
    assert_int_equal(
        conf_file_read(NULL, path("big.conf"), &data, &len, id, sizeof(id), e, sizeof(e)), -1);
    snprintf(want, sizeof(want),
             "cannot read '%s': larger than 4194304 bytes (4 MiB), not a config file",
             path("big.conf"));
    assert_string_equal(e, want);

    make_sized("max.conf", (off_t)CONF_FILE_MAX);
    assert_int_equal(
        conf_file_read(NULL, path("max.conf"), &data, &len, id, sizeof(id), e, sizeof(e)), 0);
    assert_int_equal(len, CONF_FILE_MAX);
    free(data);

    /* through the parser, the message gets the place of the include */
    struct conf_loader ld;
    conf_file_loader(&ld, NULL, NULL);
    char text[600];
    snprintf(text, sizeof(text), "verb 3\nconfig %s\n", path("big.conf"));
    write_file("a.conf", text);
    struct conf *c = conf_new();
    assert_int_equal(conf_parse_file(c, path("a.conf"), &ld, &err), -1);
    snprintf(want, sizeof(want),
             "%s:2: cannot read '%s': larger than 4194304 bytes (4 MiB), not a config file",
             path("a.conf"), path("big.conf"));
    assert_string_equal(err.msg, want);
    conf_free(c);
}

/* A file reached again under another name (a symlink) is still a loop: ids are inodes. */
static void test_loop_through_symlink(void **state)
{
    (void)state;
    char text[600], want[2048];
    struct conf_loader ld;
    conf_file_loader(&ld, NULL, NULL);

    snprintf(text, sizeof(text), "verb 2\nconfig %s\n", path("b.conf"));
    write_file("a.conf", text);
    snprintf(text, sizeof(text), "config %s\n", path("link.conf"));
    write_file("b.conf", text);
    unlink(path("link.conf"));
    assert_int_equal(symlink(path("a.conf"), path("link.conf")), 0);

    struct conf *c = conf_new();
    assert_int_equal(conf_parse_file(c, path("a.conf"), &ld, &err), -1);
    snprintf(want, sizeof(want), "%s:1: config files include each other in a loop: %s -> %s -> %s",
             path("b.conf"), path("a.conf"), path("b.conf"), path("link.conf"));
    assert_string_equal(err.msg, want);
    conf_free(c);
}

static int warnings;

static void count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    warnings++;
}

static struct conf *sample(const char *name)
{
    const char *src = getenv("SLUICE_SRCDIR");
    char p[1024];
    struct conf_loader ld;
    conf_file_loader(&ld, count_warn, NULL);
    snprintf(p, sizeof(p), "%s/sample-config/%s", src && *src ? src : ".", name);
    struct conf *c = conf_new();
    assert_non_null(c);
    if (conf_parse_file(c, p, &ld, &err) < 0 || conf_finalize(c, &err) < 0)
        fail_msg("%s: %s", p, err.msg);
    return c;
}

static void test_sample_server(void **state)
{
    (void)state;
    warnings = 0;
    struct conf *c = sample("server.conf");
    static const char *const push[] = { "route-gateway 100.64.10.1", "topology subnet", "ping 10",
                                        "ping-restart 60" };
    assert_int_equal(warnings, 0);
    assert_int_equal(c->net.mode, CONF_MODE_SERVER);
    assert_int_equal(c->dev.topology, CONF_TOPOLOGY_SUBNET);
    assert_int_equal(c->srv.push.n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(c->srv.push.v[i], push[i]);
    assert_string_equal(c->tls.ca.path, "ca.crt");
    assert_true(c->tls.dh_none);
    assert_string_equal(c->tls.tls_crypt.path, "tc.key");
    assert_int_equal(c->net.ping_rec, 120);
    assert_string_equal(c->log.status_file, "openvpn-status.log");
    assert_int_equal(c->log.verb, 3);
    conf_free(c);
}

static void test_sample_client(void **state)
{
    (void)state;
    warnings = 0;
    struct conf *c = sample("client.conf");
    assert_int_equal(warnings, 0);
    assert_true(c->net.pull);
    assert_true(c->tls.client);
    assert_int_equal(c->n_conn_list, 1);
    assert_string_equal(c->conn_list[0].remote, "vpn.example.net");
    assert_int_equal(c->conn_list[0].remote_port, 1194);
    assert_false(c->conn_list[0].bind);
    assert_int_equal(c->conn_list[0].explicit_exit_notify, 1);
    assert_int_equal(c->tls.remote_cert_tls, CONF_REMOTE_CERT_SERVER);
    conf_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),          cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_size_cap),      cmocka_unit_test(test_loop_through_symlink),
        cmocka_unit_test(test_sample_server), cmocka_unit_test(test_sample_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
