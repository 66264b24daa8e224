/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stateless server's session id, protocol-control.md §6.1-6.2. The server answers a client's
 * reset without keeping anything; its session id is a MAC over who asked and when, so the
 * client's next packet (which must echo it) proves the address is reachable, and the server can
 * recompute it instead of remembering it. The scheme is private to the server: any MAC with these
 * properties interoperates.
 *
 * Time comes from the monotonic clock, so a cookie can never be from a future slot; openvpn's
 * +1 slot (for its wall clock) is not needed.
 */
#include "ctlwrap_priv.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"

struct ctlwrap_cookie {
    struct ctlwrap_mac mac;
    uint64_t slot_ms;
};

int ctlwrap_cookie_new(const uint8_t *secret, unsigned hand_window, struct ctlwrap_cookie **out)
{
    struct ctlwrap_cookie *c;
    unsigned slot_s = (hand_window / 2u) + (hand_window % 2u); /* (hw + 1) / 2 without overflow */
    int rc;

    *out = NULL;
    if (!secret)
        return CTLWRAP_ERR_PARAM;
    c = calloc(1, sizeof(*c));
    if (!c)
        return CTLWRAP_ERR_CRYPTO;
    c->slot_ms = (uint64_t)(slot_s ? slot_s : 1u) * 1000u;
    rc = ctlwrap_mac_new(&c->mac, "SHA256");
    if (rc == CTLWRAP_OK)
        rc = ctlwrap_mac_key(&c->mac, secret);
    if (rc) {
        ctlwrap_cookie_free(c);
        return rc;
    }
    *out = c;
    return CTLWRAP_OK;
}

void ctlwrap_cookie_free(struct ctlwrap_cookie *c)
{
    if (!c)
        return;
    ctlwrap_mac_free(&c->mac);
    free(c);
}

static int cookie_for(struct ctlwrap_cookie *c, uint64_t slot, const uint8_t *addr, size_t addr_len,
                      const struct wire_sid *client_sid, struct wire_sid *out)
{
    uint8_t slotb[4], tag[CTLWRAP_HMAC_MAX];
    struct buf_writer w;

    buf_writer_init(&w, slotb, sizeof(slotb));
    buf_write_u32(&w, (uint32_t)slot);
    if (!ctlwrap_mac_begin(&c->mac) || !ctlwrap_mac_add(&c->mac, slotb, sizeof(slotb)) ||
        !ctlwrap_mac_add(&c->mac, addr, addr_len) ||
        !ctlwrap_mac_add(&c->mac, client_sid->bytes, WIRE_SID_LEN) ||
        !ctlwrap_mac_end(&c->mac, tag))
        return CTLWRAP_ERR_CRYPTO;
    memcpy(out->bytes, tag, WIRE_SID_LEN);
    /* A session id of zero is invalid on the wire (§2.1); make that 1-in-2^64 case non-zero. */
    if (wire_sid_is_zero(out))
        out->bytes[WIRE_SID_LEN - 1] = 1;
    secret_wipe(tag, sizeof(tag));
    return CTLWRAP_OK;
}

int ctlwrap_cookie_make(struct ctlwrap_cookie *c, const uint8_t *addr, size_t addr_len,
                        const struct wire_sid *client_sid, uint64_t now_ms, struct wire_sid *out)
{
    if (addr_len && !addr)
        return CTLWRAP_ERR_PARAM;
    return cookie_for(c, now_ms / c->slot_ms, addr, addr_len, client_sid, out);
}

bool ctlwrap_cookie_check(struct ctlwrap_cookie *c, const uint8_t *addr, size_t addr_len,
                          const struct wire_sid *client_sid, const struct wire_sid *cookie,
                          uint64_t now_ms)
{
    uint64_t slot = now_ms / c->slot_ms;
    struct wire_sid want;
    bool ok = false;

    if (addr_len && !addr)
        return false;
    for (uint64_t back = 0; back <= CTLWRAP_COOKIE_PAST_SLOTS && back <= slot; back++) {
        if (cookie_for(c, slot - back, addr, addr_len, client_sid, &want) != CTLWRAP_OK)
            return false;
        /* Every slot is tried, match or not, so the time taken says nothing. */
        ok |= wire_sid_equal(&want, cookie);
    }
    return ok;
}
