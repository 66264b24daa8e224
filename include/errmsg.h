/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shell's one way to fill a caller's error buffer ("cannot open tun device 'x': ...").
 */
#ifndef SLUICE_ERRMSG_H
#define SLUICE_ERRMSG_H

#include <stddef.h>

/* Formats into err[0..errlen), always NUL-terminated; does nothing when err is NULL or errlen 0. */
void errmsg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
