/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"

#define TITLE                                                                                      \
    "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] "             \
    "[MH/PKTINFO] [AEAD] [DCO]"

/* 2026-11-23 07:26:50 UTC, when client1 connected in the captures (ops-interfaces.md 4). */
#define T_CONNECT 1795418810

#define V2_CLIENT_HEADER                                                                           \
    "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes "      \
    "Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer "        \
    "ID,Data Channel Cipher\n"
#define V2_ROUTE_HEADER                                                                            \
    "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)\n"
#define V3_CLIENT_HEADER                                                                           \
    "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 "               \
    "Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since "                       \
    "(time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher\n"
#define V3_ROUTE_HEADER                                                                            \
    "HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast Ref "       \
    "(time_t)\n"

static struct status_client client1(uint64_t rx, uint64_t tx, int64_t last_ref)
{
    struct status_client c = {
        .common_name = "client1",
        .real_address = "198.18.50.2:39938",
        .virt_v4 = "100.64.10.2",
        .cipher = "AES-256-GCM",
        .bytes_received = rx,
        .bytes_sent = tx,
        .connected_since = T_CONNECT,
        .last_ref = last_ref,
    };
    return c;
}

static struct status_server server(int64_t now, const struct status_client *c, size_t n)
{
    struct status_server s = {
        .title = TITLE,
        .now = now,
        .clients = c,
        .n_clients = n,
        .max_bcast_queue = 1,
    };
    return s;
}

/* Formats and compares the whole text and its returned length. */
static void expect_server(const struct status_server *s, enum status_version v, const char *want)
{
    char out[4096];
    int n = status_format_server(s, v, out, sizeof(out));
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void expect_time(int64_t t, int offset, const char *want)
{
    char out[STATUS_TIME_SIZE];
    int n = status_format_time(t, offset, out, sizeof(out));
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

/* ---- the captured examples, byte for byte ---- */

static void v1_captured(void **state)
{
    (void)state;
    struct status_client c = client1(2408, 2339, T_CONNECT);
    struct status_server s = server(1795418822, &c, 1);
    expect_server(&s, STATUS_V1,
                  "OpenVPN CLIENT LIST\n"
                  "Updated,2026-11-23 07:27:02\n"
                  "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
                  "client1,198.18.50.2:39938,2408,2339,2026-11-23 07:26:50\n"
                  "ROUTING TABLE\n"
                  "Virtual Address,Common Name,Real Address,Last Ref\n"
                  "100.64.10.2,client1,198.18.50.2:39938,2026-11-23 07:26:50\n"
                  "GLOBAL STATS\n"
                  "Max bcast/mcast queue length,1\n"
                  "END\n");
}

static void v2_captured(void **state)
{
    (void)state;
    struct status_client c = client1(3188, 3087, 1795418892);
    struct status_server s = server(1795418913, &c, 1);
    expect_server(&s, STATUS_V2,
                  "TITLE," TITLE "\n"
                  "TIME,2026-11-23 07:28:33,1795418913\n" V2_CLIENT_HEADER
                  "CLIENT_LIST,client1,198.18.50.2:39938,100.64.10.2,,3188,3087,2026-11-23 "
                  "07:26:50,1795418810,UNDEF,0,0,AES-256-GCM\n" V2_ROUTE_HEADER
                  "ROUTING_TABLE,100.64.10.2,client1,198.18.50.2:39938,2026-11-23 "
                  "07:28:12,1795418892\n"
                  "GLOBAL_STATS,Max bcast/mcast queue length,1\n"
                  "GLOBAL_STATS,dco_enabled,0\n"
                  "END\n");
}

static void v2_username_ids_dco(void **state)
{
    (void)state;
    struct status_client c = client1(3188, 3087, 1795418892);
    c.username = "alice";
    c.client_id = 7;
    c.peer_id = 4294967295u;
    c.bytes_received = UINT64_MAX;
    struct status_server s = server(1795419028, &c, 1);
    s.dco_enabled = true;
    s.max_bcast_queue = 4294967295u;
    expect_server(&s, STATUS_V2,
                  "TITLE," TITLE "\n"
                  "TIME,2026-11-23 07:30:28,1795419028\n" V2_CLIENT_HEADER
                  "CLIENT_LIST,client1,198.18.50.2:39938,100.64.10.2,,18446744073709551615,3087,"
                  "2026-11-23 07:26:50,1795418810,alice,7,4294967295,AES-256-GCM\n" V2_ROUTE_HEADER
                  "ROUTING_TABLE,100.64.10.2,client1,198.18.50.2:39938,2026-11-23 "
                  "07:28:12,1795418892\n"
                  "GLOBAL_STATS,Max bcast/mcast queue length,4294967295\n"
                  "GLOBAL_STATS,dco_enabled,1\n"
                  "END\n");
}

static void v3_captured(void **state)
{
    (void)state;
    struct status_client c = client1(2480, 2379, T_CONNECT);
    struct status_server s = server(1795418825, &c, 1);
    expect_server(&s, STATUS_V3,
                  "TITLE\t" TITLE "\n"
                  "TIME\t2026-11-23 07:27:05\t1795418825\n" V3_CLIENT_HEADER
                  "CLIENT_LIST\tclient1\t198.18.50.2:39938\t100.64.10.2\t\t2480\t2379\t2026-11-23 "
                  "07:26:50\t1795418810\tUNDEF\t0\t0\tAES-256-GCM\n" V3_ROUTE_HEADER
                  "ROUTING_TABLE\t100.64.10.2\tclient1\t198.18.50.2:39938\t2026-11-23 "
                  "07:26:50\t1795418810\n"
                  "GLOBAL_STATS\tMax bcast/mcast queue length\t1\n"
                  "GLOBAL_STATS\tdco_enabled\t0\n"
                  "END\n");
}

static void client_captured(void **state)
{
    (void)state;
    struct status_client_stats st = {
        .now = 1795418851,
        .tun_read_bytes = 192,
        .tun_write_bytes = 96,
        .link_read_bytes = 2557,
        .link_write_bytes = 2686,
        .auth_read_bytes = 128,
    };
    char out[512];
    const char *want = "OpenVPN STATISTICS\n"
                       "Updated,2026-11-23 07:27:31\n"
                       "TUN/TAP read bytes,192\n"
                       "TUN/TAP write bytes,96\n"
                       "TCP/UDP read bytes,2557\n"
                       "TCP/UDP write bytes,2686\n"
                       "Auth read bytes,128\n"
                       "END\n";
    assert_int_equal(status_format_client(&st, out, sizeof(out)), strlen(want));
    assert_string_equal(out, want);

    /* The management interface ends every line with CRLF, and local time applies. */
    st.crlf = true;
    st.utc_offset_s = 3600;
    want = "OpenVPN STATISTICS\r\n"
           "Updated,2026-11-23 08:27:31\r\n"
           "TUN/TAP read bytes,192\r\n"
           "TUN/TAP write bytes,96\r\n"
           "TCP/UDP read bytes,2557\r\n"
           "TCP/UDP write bytes,2686\r\n"
           "Auth read bytes,128\r\n"
           "END\r\n";
    assert_int_equal(status_format_client(&st, out, sizeof(out)), strlen(want));
    assert_string_equal(out, want);
}

/* ---- other snapshots ---- */

static void empty_client_list(void **state)
{
    (void)state;
    struct status_server s = server(T_CONNECT, NULL, 0);
    s.max_bcast_queue = 0;
    expect_server(&s, STATUS_V1,
                  "OpenVPN CLIENT LIST\n"
                  "Updated,2026-11-23 07:26:50\n"
                  "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
                  "ROUTING TABLE\n"
                  "Virtual Address,Common Name,Real Address,Last Ref\n"
                  "GLOBAL STATS\n"
                  "Max bcast/mcast queue length,0\n"
                  "END\n");
    expect_server(&s, STATUS_V2,
                  "TITLE," TITLE "\n"
                  "TIME,2026-11-23 07:26:50,1795418810\n" V2_CLIENT_HEADER V2_ROUTE_HEADER
                  "GLOBAL_STATS,Max bcast/mcast queue length,0\n"
                  "GLOBAL_STATS,dco_enabled,0\n"
                  "END\n");
    s.title = NULL;
    s.crlf = true;
    expect_server(&s, STATUS_V3,
                  "TITLE\t\r\n"
                  "TIME\t2026-11-23 07:26:50\t1795418810\r\n"
                  "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 "
                  "Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since "
                  "(time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher\r\n"
                  "HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast "
                  "Ref\tLast Ref (time_t)\r\n"
                  "GLOBAL_STATS\tMax bcast/mcast queue length\t0\r\n"
                  "GLOBAL_STATS\tdco_enabled\t0\r\n"
                  "END\r\n");
}

static void ipv6_and_iroutes(void **state)
{
    (void)state;
    static const char *const iroutes[] = { "100.64.20.0/24", NULL, "", "fd00:20::/64" };
    struct status_client c[2] = { client1(10, 20, T_CONNECT + 5), client1(30, 40, T_CONNECT + 6) };
    c[0].virt_v6 = "fd00:10::1000";
    c[0].iroutes = iroutes;
    c[0].n_iroutes = 4;
    c[1].common_name = "client2";
    c[1].real_address = "[2001:db8::7]:1194";
    c[1].virt_v4 = NULL;
    c[1].virt_v6 = "fd00:10::1001";
    c[1].client_id = 1;
    c[1].peer_id = 1;
    c[1].cipher = "CHACHA20-POLY1305";
    struct status_server s = server(T_CONNECT + 10, c, 2);
    expect_server(&s, STATUS_V1,
                  "OpenVPN CLIENT LIST\n"
                  "Updated,2026-11-23 07:27:00\n"
                  "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
                  "client1,198.18.50.2:39938,10,20,2026-11-23 07:26:50\n"
                  "client2,[2001:db8::7]:1194,30,40,2026-11-23 07:26:50\n"
                  "ROUTING TABLE\n"
                  "Virtual Address,Common Name,Real Address,Last Ref\n"
                  "100.64.10.2,client1,198.18.50.2:39938,2026-11-23 07:26:55\n"
                  "fd00:10::1000,client1,198.18.50.2:39938,2026-11-23 07:26:55\n"
                  "100.64.20.0/24,client1,198.18.50.2:39938,2026-11-23 07:26:55\n"
                  "fd00:20::/64,client1,198.18.50.2:39938,2026-11-23 07:26:55\n"
                  "fd00:10::1001,client2,[2001:db8::7]:1194,2026-11-23 07:26:56\n"
                  "GLOBAL STATS\n"
                  "Max bcast/mcast queue length,1\n"
                  "END\n");
    expect_server(&s, STATUS_V2,
                  "TITLE," TITLE "\n"
                  "TIME,2026-11-23 07:27:00,1795418820\n" V2_CLIENT_HEADER
                  "CLIENT_LIST,client1,198.18.50.2:39938,100.64.10.2,fd00:10::1000,10,20,"
                  "2026-11-23 07:26:50,1795418810,UNDEF,0,0,AES-256-GCM\n"
                  "CLIENT_LIST,client2,[2001:db8::7]:1194,,fd00:10::1001,30,40,"
                  "2026-11-23 07:26:50,1795418810,UNDEF,1,1,CHACHA20-POLY1305\n" V2_ROUTE_HEADER
                  "ROUTING_TABLE,100.64.10.2,client1,198.18.50.2:39938,2026-11-23 "
                  "07:26:55,1795418815\n"
                  "ROUTING_TABLE,fd00:10::1000,client1,198.18.50.2:39938,2026-11-23 "
                  "07:26:55,1795418815\n"
                  "ROUTING_TABLE,100.64.20.0/24,client1,198.18.50.2:39938,2026-11-23 "
                  "07:26:55,1795418815\n"
                  "ROUTING_TABLE,fd00:20::/64,client1,198.18.50.2:39938,2026-11-23 "
                  "07:26:55,1795418815\n"
                  "ROUTING_TABLE,fd00:10::1001,client2,[2001:db8::7]:1194,2026-11-23 "
                  "07:26:56,1795418816\n"
                  "GLOBAL_STATS,Max bcast/mcast queue length,1\n"
                  "GLOBAL_STATS,dco_enabled,0\n"
                  "END\n");
}

static void undef_substitution(void **state)
{
    (void)state;
    struct status_client c[2] = { client1(1, 2, T_CONNECT), client1(3, 4, T_CONNECT) };
    c[0].common_name = NULL;
    c[0].username = "";
    c[1].common_name = "";
    c[1].real_address = NULL;
    c[1].virt_v4 = "";
    c[1].cipher = NULL;
    struct status_server s = server(T_CONNECT, c, 2);
    expect_server(
        &s, STATUS_V2,
        "TITLE," TITLE "\n"
        "TIME,2026-11-23 07:26:50,1795418810\n" V2_CLIENT_HEADER
        "CLIENT_LIST,UNDEF,198.18.50.2:39938,100.64.10.2,,1,2,2026-11-23 "
        "07:26:50,1795418810,UNDEF,0,0,AES-256-GCM\n"
        "CLIENT_LIST,UNDEF,,,,3,4,2026-11-23 07:26:50,1795418810,UNDEF,0,0,\n" V2_ROUTE_HEADER
        "ROUTING_TABLE,100.64.10.2,UNDEF,198.18.50.2:39938,2026-11-23 "
        "07:26:50,1795418810\n"
        "GLOBAL_STATS,Max bcast/mcast queue length,1\n"
        "GLOBAL_STATS,dco_enabled,0\n"
        "END\n");
    expect_server(&s, STATUS_V1,
                  "OpenVPN CLIENT LIST\n"
                  "Updated,2026-11-23 07:26:50\n"
                  "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
                  "UNDEF,198.18.50.2:39938,1,2,2026-11-23 07:26:50\n"
                  "UNDEF,,3,4,2026-11-23 07:26:50\n"
                  "ROUTING TABLE\n"
                  "Virtual Address,Common Name,Real Address,Last Ref\n"
                  "100.64.10.2,UNDEF,198.18.50.2:39938,2026-11-23 07:26:50\n"
                  "GLOBAL STATS\n"
                  "Max bcast/mcast queue length,1\n"
                  "END\n");
}

static void sanitising(void **state)
{
    (void)state;
    struct status_client c = client1(5, 6, T_CONNECT);
    c.common_name = "O=x,CN=a\nb\tc\rd\x7f\x01z\xc3\xa9";
    c.username = "bob,\n";
    c.virt_v4 = "1.2.3.4,\n";
    struct status_server s = server(T_CONNECT, &c, 1);
    s.title = "T,\t\n";
    expect_server(&s, STATUS_V1,
                  "OpenVPN CLIENT LIST\n"
                  "Updated,2026-11-23 07:26:50\n"
                  "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
                  "O=x_CN=a_b_c_d__z\xc3\xa9,198.18.50.2:39938,5,6,2026-11-23 07:26:50\n"
                  "ROUTING TABLE\n"
                  "Virtual Address,Common Name,Real Address,Last Ref\n"
                  "1.2.3.4__,O=x_CN=a_b_c_d__z\xc3\xa9,198.18.50.2:39938,2026-11-23 07:26:50\n"
                  "GLOBAL STATS\n"
                  "Max bcast/mcast queue length,1\n"
                  "END\n");
    expect_server(&s, STATUS_V2,
                  "TITLE,T___\n"
                  "TIME,2026-11-23 07:26:50,1795418810\n" V2_CLIENT_HEADER
                  "CLIENT_LIST,O=x_CN=a_b_c_d__z\xc3\xa9,198.18.50.2:39938,1.2.3.4__,,5,6,"
                  "2026-11-23 07:26:50,1795418810,bob__,0,0,AES-256-GCM\n" V2_ROUTE_HEADER
                  "ROUTING_TABLE,1.2.3.4__,O=x_CN=a_b_c_d__z\xc3\xa9,198.18.50.2:39938,2026-11-23 "
                  "07:26:50,1795418810\n"
                  "GLOBAL_STATS,Max bcast/mcast queue length,1\n"
                  "GLOBAL_STATS,dco_enabled,0\n"
                  "END\n");
    /* TAB-separated: commas are ordinary characters, TABs and other controls are not. */
    expect_server(&s, STATUS_V3,
                  "TITLE\tT,__\n"
                  "TIME\t2026-11-23 07:26:50\t1795418810\n" V3_CLIENT_HEADER
                  "CLIENT_LIST\tO=x,CN=a_b_c_d__z\xc3\xa9\t198.18.50.2:39938\t1.2.3.4,_\t\t5\t6\t"
                  "2026-11-23 07:26:50\t1795418810\tbob,_\t0\t0\tAES-256-GCM\n" V3_ROUTE_HEADER
                  "ROUTING_TABLE\t1.2.3.4,_\tO=x,CN=a_b_c_d__z\xc3\xa9\t198.18.50.2:39938\t"
                  "2026-11-23 07:26:50\t1795418810\n"
                  "GLOBAL_STATS\tMax bcast/mcast queue length\t1\n"
                  "GLOBAL_STATS\tdco_enabled\t0\n"
                  "END\n");
}

/* ---- bounded output ---- */

/*
 * Every cap below the needed length + 1 fails with STATUS_ERR_SPACE, leaves "" (cap > 0) and
 * does not touch the guard byte just past cap (ASan watches the bytes beyond it); the exact
 * size succeeds with the same text.
 */
static void check_every_cap(const struct status_server *s, enum status_version v,
                            const struct status_client_stats *st)
{
    char full[4096];
    int len = s ? status_format_server(s, v, full, sizeof(full))
                : status_format_client(st, full, sizeof(full));
    assert_true(len > 0);
    for (size_t cap = 0; cap <= (size_t)len + 1; cap++) {
        char *out = malloc(cap + 1);
        assert_non_null(out);
        memset(out, 'x', cap + 1);
        int n = s ? status_format_server(s, v, out, cap) : status_format_client(st, out, cap);
        assert_int_equal(out[cap], 'x');
        if (cap <= (size_t)len) {
            assert_int_equal(n, STATUS_ERR_SPACE);
            if (cap > 0)
                assert_int_equal(out[0], '\0');
        } else {
            assert_int_equal(n, len);
            assert_memory_equal(out, full, (size_t)len + 1);
        }
        free(out);
    }
}

static void too_small_every_length(void **state)
{
    (void)state;
    static const char *const iroutes[] = { "100.64.20.0/24" };
    struct status_client c[2] = { client1(3188, 3087, 1795418892), client1(1, 2, T_CONNECT) };
    c[1].virt_v6 = "fd00::2";
    c[1].iroutes = iroutes;
    c[1].n_iroutes = 1;
    c[1].common_name = "a,b";
    struct status_server s = server(1795418913, c, 2);
    check_every_cap(&s, STATUS_V1, NULL);
    check_every_cap(&s, STATUS_V2, NULL);
    s.crlf = true;
    check_every_cap(&s, STATUS_V3, NULL);
    struct status_server empty = server(0, NULL, 0);
    check_every_cap(&empty, STATUS_V1, NULL);
    struct status_client_stats st = { .now = 1795418851, .auth_read_bytes = 128 };
    check_every_cap(NULL, STATUS_V1, &st);

    char out[STATUS_TIME_SIZE];
    for (size_t cap = 0; cap <= 19; cap++) {
        memset(out, 'x', sizeof(out));
        assert_int_equal(status_format_time(T_CONNECT, 0, out, cap), STATUS_ERR_SPACE);
        assert_int_equal(out[cap], 'x');
        if (cap > 0)
            assert_int_equal(out[0], '\0');
    }
    assert_int_equal(status_format_time(T_CONNECT, 0, out, 20), 19);
    assert_string_equal(out, "2026-11-23 07:26:50");
}

static void bad_arguments(void **state)
{
    (void)state;
    char out[64];
    struct status_client c = client1(1, 2, T_CONNECT);
    struct status_server s = server(T_CONNECT, &c, 1);

    memset(out, 'x', sizeof(out));
    assert_int_equal(status_format_server(NULL, STATUS_V1, out, sizeof(out)), STATUS_ERR_INVAL);
    assert_string_equal(out, "");
    assert_int_equal(status_format_server(&s, STATUS_V1, NULL, 0), STATUS_ERR_INVAL);
    assert_int_equal(status_format_server(&s, STATUS_V1, NULL, 100), STATUS_ERR_INVAL);
    assert_int_equal(status_format_server(&s, (enum status_version)0, out, sizeof(out)),
                     STATUS_ERR_INVAL);
    assert_int_equal(status_format_server(&s, (enum status_version)4, out, sizeof(out)),
                     STATUS_ERR_INVAL);
    memset(out, 'x', sizeof(out));
    s.clients = NULL;
    assert_int_equal(status_format_server(&s, STATUS_V2, out, sizeof(out)), STATUS_ERR_INVAL);
    assert_string_equal(out, "");
    s.clients = &c;
    c.n_iroutes = 1;
    assert_int_equal(status_format_server(&s, STATUS_V2, out, sizeof(out)), STATUS_ERR_INVAL);
    assert_int_equal(status_format_client(NULL, out, sizeof(out)), STATUS_ERR_INVAL);
    struct status_client_stats st = { 0 };
    assert_int_equal(status_format_client(&st, NULL, 10), STATUS_ERR_INVAL);
    assert_int_equal(status_format_time(0, 0, NULL, 32), STATUS_ERR_INVAL);
}

/* ---- dates ---- */

static void date_known_values(void **state)
{
    (void)state;
    expect_time(0, 0, "1970-01-01 00:00:00");
    expect_time(-1, 0, "1969-12-31 23:59:59");
    expect_time(T_CONNECT, 0, "2026-11-23 07:26:50");
    expect_time(1709208000, 0, "2024-02-29 12:00:00");
    expect_time(951868799, 0, "2000-02-29 23:59:59");
    expect_time(951868800, 0, "2000-03-01 00:00:00");
    expect_time(-2203891201, 0, "1900-02-28 23:59:59"); /* 1900 is no leap year */
    expect_time(-2203891200, 0, "1900-03-01 00:00:00");
    expect_time(4107542400, 0, "2100-03-01 00:00:00");
    expect_time(-11670998400, 0, "1600-02-29 00:00:00");
    expect_time(2147483648, 0, "2038-01-19 03:14:08");
    expect_time(-62135596800, 0, "1-01-01 00:00:00");
    expect_time(-62167219200, 0, "0-01-01 00:00:00");
    expect_time(-100000000000, 0, "-1199-02-15 14:13:20");
    expect_time(253402300800, 0, "10000-01-01 00:00:00");
}

static void date_offsets(void **state)
{
    (void)state;
    expect_time(T_CONNECT, 3600, "2026-11-23 08:26:50");
    expect_time(T_CONNECT, -8 * 3600, "2026-11-22 23:26:50");
    expect_time(T_CONNECT, 17 * 3600, "2026-11-24 00:26:50");
    expect_time(1709164799, 1, "2024-02-29 00:00:00");
    expect_time(1709251200, -1, "2024-02-29 23:59:59");
    expect_time(0, -1, "1969-12-31 23:59:59");
    expect_time(1798761599, 1, "2027-01-01 00:00:00");
    expect_time(1798761600, -19800, "2026-12-31 18:30:00");
}

static void date_extremes(void **state)
{
    (void)state;
    /* No overflow at the ends of int64_t, offset included (checked with 400-year cycles). */
    expect_time(INT64_MAX, 0, "292277026596-12-04 15:30:07");
    expect_time(INT64_MIN, 0, "-292277022657-01-27 08:29:52");
    expect_time(INT64_MIN, INT32_MIN, "-292277022725-01-08 05:15:44");
    expect_time(INT64_MAX, INT32_MAX, "292277026664-12-23 18:44:14");
}

/* Cross-check against the C library for a sweep of times and offsets (years -9999..9999). */
static void date_matches_libc(void **state)
{
    (void)state;
    static const int offsets[] = { 0, 1, -1, 3600, -3600, 19800, -45296, 50400, 86399, -86399 };
    const int64_t lo = -377736739200; /* -9999-01-01 00:00:00 */
    const int64_t hi = 253402300799;  /* 9999-12-31 23:59:59 */
    const int64_t step = 9876543211;  /* odd, so times of day and dates vary */
    for (int64_t t = lo; t <= hi; t += step / 97) {
        for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
            time_t local = (time_t)(t + offsets[k]);
            struct tm tm;
            char want[64], got[STATUS_TIME_SIZE];
            assert_non_null(gmtime_r(&local, &tm));
            assert_true(strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm) > 0);
            assert_true(status_format_time(t, offsets[k], got, sizeof(got)) > 0);
            assert_string_equal(got, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_captured),         cmocka_unit_test(v2_captured),
        cmocka_unit_test(v2_username_ids_dco), cmocka_unit_test(v3_captured),
        cmocka_unit_test(client_captured),     cmocka_unit_test(empty_client_list),
        cmocka_unit_test(ipv6_and_iroutes),    cmocka_unit_test(undef_substitution),
        cmocka_unit_test(sanitising),          cmocka_unit_test(too_small_every_length),
        cmocka_unit_test(bad_arguments),       cmocka_unit_test(date_known_values),
        cmocka_unit_test(date_offsets),        cmocka_unit_test(date_extremes),
        cmocka_unit_test(date_matches_libc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
