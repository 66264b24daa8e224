/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feeds the same bytes to the key-method-2 parser in both roles, to the peer-info parser and to
 * the OCC comparison. A message that parses must rebuild to the same bytes: the layout is
 * canonical except for the ignored leading u32, the flag bits of the key-method byte and string
 * fields an older peer may leave out at the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyex.h"

static const char default_occ[] = "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,"
                                  "auth SHA1,keysize 128,key-method 2,tls-server";

static uint8_t out[KEYEX_MSG_MAX + 16];

static void require(int cond)
{
    if (!cond)
        abort();
}

static void check_str(const struct keyex_str *s)
{
    if (!s->s)
        return;
    require(s->s[s->len] == '\0');
    require(memchr(s->s, '\0', s->len) == NULL);
}

static void check_occ(const struct keyex_str *opt)
{
    struct keyex_occ_report rep;
    const char *v;
    size_t vl;

    require(keyex_occ_compare(default_occ, strlen(default_occ), opt->s, opt->len, &rep) ==
            rep.n + rep.n_more);
    require(rep.n <= KEYEX_OCC_MAX_DIFFS);
    if (keyex_occ_find(opt->s, opt->len, "auth", &v, &vl))
        require(v >= opt->s && v + vl <= opt->s + opt->len);
}

static void check_msg(const uint8_t *data, size_t size, enum keyex_role role)
{
    struct keyex_msg m;
    struct keyex_peer_info pi;
    struct buf_writer w;

    if (keyex_msg_parse(data, size, role, &m) != KEYEX_OK)
        return;
    require((m.key_method & 0x0F) == KEYEX_METHOD && m.options.s);
    check_str(&m.options);
    check_str(&m.username);
    check_str(&m.password);
    check_str(&m.peer_info);
    buf_writer_init(&w, out, sizeof(out));
    require(keyex_msg_build(&w, role, &m) == KEYEX_OK);
    require(buf_writer_len(&w) >= size && buf_writer_len(&w) <= size + 6);
    require(memcmp(out + 5, data + 5, size - 5) == 0);
    check_occ(&m.options);
    if (m.peer_info.s)
        require(keyex_peer_info_parse(m.peer_info.s, m.peer_info.len, &pi) <=
                KEYEX_PEER_INFO_MAX_VARS);
    keyex_msg_wipe(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct keyex_peer_info pi;
    char desc[64];

    if (size > KEYEX_MSG_MAX + 8)
        return 0;
    check_msg(data, size, KEYEX_CLIENT);
    check_msg(data, size, KEYEX_SERVER);
    require(keyex_peer_info_parse((const char *)data, size, &pi) + pi.n_bad <= size);
    for (size_t i = 0; i < pi.n; i++)
        require(pi.vars[i].name_len > 0);
    if (pi.has_proto)
        (void)keyex_iv_proto_describe(pi.proto, desc, sizeof(desc));
    return 0;
}
