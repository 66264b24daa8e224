/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <lz4.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

static void print_version(void)
{
    printf("Sluice %s x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZ4] [EPOLL]\n", PACKAGE_VERSION);
    printf("library versions: %s, LZ4 %s\n", OpenSSL_version(OPENSSL_VERSION), LZ4_versionString());
    printf("build: %s\n", SLUICE_BUILD_OPTIONS);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        print_version();
        return 0;
    }
    return 1;
}
