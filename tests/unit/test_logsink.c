/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logsink.h"

/* A private directory per test, removed with everything in it afterwards. */
static char dir[64];

static void path_in_dir(char *out, size_t cap, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Reads a whole (small) file into a static buffer. */
static const char *read_file(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    log_reset();
    snprintf(dir, sizeof(dir), "/tmp/sluice-logsink-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    logsink_close();
    log_reset();
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            path_in_dir(p, sizeof(p), e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    rmdir(dir);
    return 0;
}

/* stderr goes to a file while a test looks at it; cmocka reports to stderr, so put it back. */
static int saved_stderr = -1;

static void capture_stderr(const char *path)
{
    fflush(stderr);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

static void restore_stderr(void)
{
    assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
}

static void truncate_mode(void **state)
{
    (void)state;
    char path[PATH_MAX], err[256] = "";
    path_in_dir(path, sizeof(path), "sluice.log");
    write_file(path, "old content\n");
    assert_int_equal(logsink_open_file(path, false, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    log_msg(LOG_L_INFO, "line %s", "one");
    log_msg(LOG_L_VERB(2), "filtered");
    log_peer_msg(LOG_L_WARN, "1.2.3.4:5", "line two");
    assert_string_equal(read_file(path), "line one\n1.2.3.4:5 line two\n");
}

static void append_mode(void **state)
{
    (void)state;
    char path[PATH_MAX], err[256];
    path_in_dir(path, sizeof(path), "append.log");
    write_file(path, "kept\n");
    assert_int_equal(logsink_open_file(path, true, err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "added");
    assert_string_equal(read_file(path), "kept\nadded\n");
}

/* True when some descriptor of this process points at path; its close-on-exec bit in *cloexec. */
static bool find_fd(const char *path, bool *cloexec)
{
    char link[PATH_MAX], target[PATH_MAX];
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, path) == 0) {
            *cloexec = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
            return true;
        }
    }
    return false;
}

static void new_file_is_private_and_cloexec(void **state)
{
    (void)state;
    char path[PATH_MAX], err[256];
    path_in_dir(path, sizeof(path), "new.log");
    mode_t old = umask(0);
    int rc = logsink_open_file(path, false, err, sizeof(err));
    umask(old);
    assert_int_equal(rc, 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    bool cloexec = false;
    assert_true(find_fd(path, &cloexec));
    assert_true(cloexec);
}

static void open_errors_name_the_file(void **state)
{
    (void)state;
    char err[256];
    const char *missing = "/nonexistent-sluice-dir/x.log";
    assert_int_equal(logsink_open_file(missing, true, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "cannot open log file '/nonexistent-sluice-dir/x.log': No such file or "
                        "directory");
    assert_int_equal(logsink_open_file(dir, false, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "': Is a directory"));

    static char longpath[PATH_MAX + 10];
    memset(longpath, 'x', sizeof(longpath) - 1);
    longpath[0] = '/';
    static char long_err[sizeof(longpath) + 64];
    assert_int_equal(logsink_open_file(longpath, false, long_err, sizeof(long_err)), -1);
    assert_non_null(strstr(long_err, "xxx': File name too long"));
    assert_int_equal(logsink_open_file(longpath, false, err, sizeof(err)), -1);
    assert_int_equal(strlen(err), sizeof(err) - 1);

    char tiny[12];
    assert_int_equal(logsink_open_file(missing, false, tiny, sizeof(tiny)), -1);
    assert_string_equal(tiny, "cannot open");
    assert_int_equal(logsink_open_file(missing, false, NULL, 0), -1);
}

static void failed_open_keeps_current_sink(void **state)
{
    (void)state;
    char path[PATH_MAX], err[256];
    path_in_dir(path, sizeof(path), "keep.log");
    assert_int_equal(logsink_open_file(path, false, err, sizeof(err)), 0);
    assert_int_equal(logsink_open_file("/nonexistent-sluice-dir/y", false, err, sizeof(err)), -1);
    log_msg(LOG_L_INFO, "still here");
    assert_string_equal(read_file(path), "still here\n");
}

static void second_file_replaces_first(void **state)
{
    (void)state;
    char a[PATH_MAX], b[PATH_MAX], err[256];
    path_in_dir(a, sizeof(a), "a.log");
    path_in_dir(b, sizeof(b), "b.log");
    assert_int_equal(logsink_open_file(a, false, err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "to a");
    assert_int_equal(logsink_open_file(b, false, err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "to b");
    assert_string_equal(read_file(a), "to a\n");
    assert_string_equal(read_file(b), "to b\n");
    bool cloexec;
    assert_false(find_fd(a, &cloexec));
}

static void reopen_follows_rotation(void **state)
{
    (void)state;
    char path[PATH_MAX], rotated[PATH_MAX], err[256];
    path_in_dir(path, sizeof(path), "rot.log");
    path_in_dir(rotated, sizeof(rotated), "rot.log.1");
    assert_int_equal(logsink_reopen(err, sizeof(err)), 0); /* no file yet: nothing to do */
    assert_int_equal(logsink_open_file(path, false, err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "before");
    assert_int_equal(rename(path, rotated), 0);
    log_msg(LOG_L_INFO, "still old");
    assert_int_equal(logsink_reopen(err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "after");
    assert_string_equal(read_file(rotated), "before\nstill old\n");
    assert_string_equal(read_file(path), "after\n");

    /* Reopen appends: an unrotated file keeps its lines. */
    assert_int_equal(logsink_reopen(err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "more");
    assert_string_equal(read_file(path), "after\nmore\n");
}

static void failed_reopen_keeps_old_file(void **state)
{
    (void)state;
    char sub[PATH_MAX], path[PATH_MAX], moved[PATH_MAX], err[256];
    path_in_dir(sub, sizeof(sub), "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    path_in_dir(path, sizeof(path), "sub/x.log");
    path_in_dir(moved, sizeof(moved), "x.log");
    assert_int_equal(logsink_open_file(path, false, err, sizeof(err)), 0);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(logsink_reopen(err, sizeof(err)), -1);
    char want[PATH_MAX + 100];
    snprintf(want, sizeof(want), "cannot open log file '%s': No such file or directory", path);
    assert_string_equal(err, want);
    log_msg(LOG_L_INFO, "old file");
    assert_string_equal(read_file(moved), "old file\n");
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* "YYYY-MM-DD HH:MM:SS " */
static bool is_timestamp(const char *s)
{
    return digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' && digits(s + 8, 2) &&
           s[10] == ' ' && digits(s + 11, 2) && s[13] == ':' && digits(s + 14, 2) && s[16] == ':' &&
           digits(s + 17, 2) && s[19] == ' ';
}

static void stderr_sink_with_wall_clock(void **state)
{
    (void)state;
    char path[PATH_MAX];
    path_in_dir(path, sizeof(path), "stderr.txt");
    logsink_install_clock();
    assert_int_equal(logsink_use_stderr(), 0);
    capture_stderr(path);
    log_msg(LOG_L_INFO, "hello");
    assert_true(log_set_verb(4));
    log_msg(LOG_L_INFO, "precise");
    struct log_params p = { .verb = 1, .mute = 0, .layout = LOG_LAYOUT_MACHINE };
    assert_true(log_configure(&p));
    time_t before = time(NULL);
    log_msg(LOG_L_INFO, "machine");
    restore_stderr();

    const char *out = read_file(path);
    assert_true(is_timestamp(out));
    assert_memory_equal(out + 20, "hello\n", 6);
    const char *second = out + 26;
    assert_true(is_timestamp(second));
    assert_memory_equal(second + 20, "us=", 3);
    assert_true(digits(second + 23, 6));
    assert_memory_equal(second + 29, " precise\n", 9);
    char *end;
    long long sec = strtoll(second + 38, &end, 10);
    assert_true(sec >= before && sec <= before + 5);
    assert_int_equal(*end, '.');
    assert_true(digits(end + 1, 6));
    assert_string_equal(end + 7, " 1 machine\n");
}

static void file_replaces_stderr(void **state)
{
    (void)state;
    char out[PATH_MAX], path[PATH_MAX], err[256];
    path_in_dir(out, sizeof(out), "stderr.txt");
    path_in_dir(path, sizeof(path), "f.log");
    assert_int_equal(logsink_use_stderr(), 0);
    capture_stderr(out);
    log_msg(LOG_L_INFO, "console");
    int rc = logsink_open_file(path, false, err, sizeof(err));
    log_msg(LOG_L_INFO, "file");
    restore_stderr();
    assert_int_equal(rc, 0);
    assert_string_equal(read_file(out), "console\n");
    assert_string_equal(read_file(path), "file\n");
}

static void close_stops_everything(void **state)
{
    (void)state;
    char path[PATH_MAX], err[256];
    path_in_dir(path, sizeof(path), "c.log");
    assert_int_equal(logsink_open_file(path, false, err, sizeof(err)), 0);
    log_msg(LOG_L_INFO, "one");
    logsink_close();
    log_msg(LOG_L_INFO, "two");
    assert_string_equal(read_file(path), "one\n");
    bool cloexec;
    assert_false(find_fd(path, &cloexec));
    logsink_close(); /* twice is fine */
}

/* Only opens and closes: a test must not write into the host's system log. */
static void syslog_opens(void **state)
{
    (void)state;
    assert_int_equal(logsink_open_syslog(NULL), 0);
    assert_int_equal(logsink_open_syslog(""), 0);
    assert_int_equal(logsink_open_syslog("a-very-long-program-name-that-is-longer-than-the-ident-"
                                         "buffer-of-sixty-four-bytes"),
                     0);
    logsink_close();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(truncate_mode),
        T(append_mode),
        T(new_file_is_private_and_cloexec),
        T(open_errors_name_the_file),
        T(failed_open_keeps_current_sink),
        T(second_file_replaces_first),
        T(reopen_follows_rotation),
        T(failed_reopen_keeps_old_file),
        T(stderr_sink_with_wall_clock),
        T(file_replaces_stderr),
        T(close_stops_everything),
        T(syslog_opens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
