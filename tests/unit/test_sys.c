/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

static void pidfile_holds_pid_and_is_removed_after_chdir(void **state)
{
    (void)state;
    char dir[] = "/tmp/sluice-sys-XXXXXX";
    char err[256], old[PATH_MAX], path[PATH_MAX + 16], want[32];
    assert_non_null(mkdtemp(dir));
    assert_non_null(getcwd(old, sizeof(old)));
    assert_int_equal(sys_chdir(dir, err, sizeof(err)), 0);
    assert_int_equal(sys_write_pidfile("test.pid", err, sizeof(err)), 0);

    snprintf(path, sizeof(path), "%s/test.pid", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char got[32] = { 0 };
    assert_non_null(fgets(got, sizeof(got), f));
    fclose(f);
    snprintf(want, sizeof(want), "%ld\n", (long)getpid());
    assert_string_equal(got, want);

    assert_int_equal(sys_chdir(old, err, sizeof(err)), 0); /* removal must not depend on cwd */
    sys_remove_pidfile();
    assert_int_equal(access(path, F_OK), -1);
    sys_remove_pidfile(); /* twice is harmless */
    assert_int_equal(rmdir(dir), 0);
}

static void errors_name_the_path_and_the_reason(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(sys_chdir("/nonexistent/sluice", err, sizeof(err)), -1);
    assert_string_equal(
        err, "cannot change directory to '/nonexistent/sluice': No such file or directory");
    assert_int_equal(sys_write_pidfile("/nonexistent/sluice/x.pid", err, sizeof(err)), -1);
    assert_string_equal(
        err, "cannot write PID file '/nonexistent/sluice/x.pid': No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pidfile_holds_pid_and_is_removed_after_chdir),
        cmocka_unit_test(errors_name_the_path_and_the_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
