/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sluice --genkey TYPE [FILE] [METADATA]`: writes key files in exactly the formats openvpn 2.6
 * writes, so keys made by either program work in the other. TYPE is secret, tls-auth or tls-crypt
 * (the same 2048-bit static key), tls-crypt-v2-server, or tls-crypt-v2-client (which needs the
 * server key through --tls-crypt-v2 and takes optional base64 METADATA). Without FILE the key is
 * written to standard output. A file is created with mode 0600 and replaced if it exists, as
 * openvpn does.
 */
#ifndef SLUICE_GENKEY_H
#define SLUICE_GENKEY_H

#include "conf.h"

/* Runs --genkey as configured in c->genkey; returns the process exit status (0 or 1). */
int genkey_run(const struct conf *c);

#endif
