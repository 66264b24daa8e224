/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

#define SECS_PER_DAY 86400

/* A text being written: the bounded writer plus the column separator and line ending in use. */
struct status_out {
    struct buf_writer w;
    char sep;
    bool crlf;
};

struct status_civil {
    int64_t year;
    unsigned month, day;
};

static const char *const v1_client_header[] = {
    "Common Name", "Real Address", "Bytes Received", "Bytes Sent", "Connected Since",
};

static const char *const v1_route_header[] = {
    "Virtual Address",
    "Common Name",
    "Real Address",
    "Last Ref",
};

static const char *const v2_client_header[] = {
    "HEADER",          "CLIENT_LIST",
    "Common Name",     "Real Address",
    "Virtual Address", "Virtual IPv6 Address",
    "Bytes Received",  "Bytes Sent",
    "Connected Since", "Connected Since (time_t)",
    "Username",        "Client ID",
    "Peer ID",         "Data Channel Cipher",
};

static const char *const v2_route_header[] = {
    "HEADER",       "ROUTING_TABLE", "Virtual Address",   "Common Name",
    "Real Address", "Last Ref",      "Last Ref (time_t)",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- time ---- */

/* Days since 1970-01-01 to a proleptic Gregorian date, valid for every int64_t day count. */
static struct status_civil civil_from_days(int64_t days)
{
    /* Count from 0000-03-01 so the leap day is the last day of a year, in 400-year eras. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    struct status_civil c;
    c.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    return c;
}

/* Splits t into whole days and seconds of the day without the overflow of q * 86400. */
static int64_t split_days(int64_t t, int64_t *secs)
{
    int64_t q = t / SECS_PER_DAY;
    int64_t r = t % SECS_PER_DAY;
    if (r < 0) {
        r += SECS_PER_DAY;
        q--;
    }
    *secs = r;
    return q;
}

int status_format_time(int64_t unix_s, int utc_offset_s, char *out, size_t cap)
{
    if (!out)
        return STATUS_ERR_INVAL;
    int64_t secs_t, secs_o;
    /* Adding the offset day-wise keeps every int64_t time representable. */
    int64_t days = split_days(unix_s, &secs_t) + split_days(utc_offset_s, &secs_o);
    int64_t secs = secs_t + secs_o;
    if (secs >= SECS_PER_DAY) {
        secs -= SECS_PER_DAY;
        days++;
    }
    struct status_civil c = civil_from_days(days);
    int n = snprintf(out, cap, "%" PRId64 "-%02u-%02u %02u:%02u:%02u", c.year, c.month, c.day,
                     (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return STATUS_ERR_SPACE;
    }
    return n;
}

/* ---- text pieces ---- */

static void put_text(struct status_out *o, const char *s)
{
    buf_write_bytes(&o->w, s, strlen(s));
}

static void put_sep(struct status_out *o)
{
    buf_write_u8(&o->w, (uint8_t)o->sep);
}

static void put_eol(struct status_out *o)
{
    put_text(o, o->crlf ? "\r\n" : "\n");
}

static void put_line(struct status_out *o, const char *s)
{
    put_text(o, s);
    put_eol(o);
}

/* A caller's value, made safe for one column (see the header); NULL or "" gives fallback. */
static void put_value(struct status_out *o, const char *s, const char *fallback)
{
    if (!s || !*s)
        s = fallback;
    struct buf_reader r;
    buf_reader_init(&r, s, strlen(s));
    while (buf_remaining(&r) > 0) {
        uint8_t c = buf_read_u8(&r);
        if (c < 0x20 || c == 0x7f || c == (uint8_t)o->sep)
            c = '_';
        buf_write_u8(&o->w, c);
    }
}

static void put_u64(struct status_out *o, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, v);
    buf_write_bytes(&o->w, digits, (size_t)n);
}

static void put_i64(struct status_out *o, int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRId64, v);
    buf_write_bytes(&o->w, digits, (size_t)n);
}

static void put_time(struct status_out *o, int64_t t, int utc_offset_s)
{
    char text[STATUS_TIME_SIZE];
    int n = status_format_time(t, utc_offset_s, text, sizeof(text));
    buf_write_bytes(&o->w, text, (size_t)n);
}

/* Fixed column names joined by the separator, as one line. */
static void put_header(struct status_out *o, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put_sep(o);
        put_text(o, cols[i]);
    }
    put_eol(o);
}

/* "label<sep>value" lines of counters. */
static void put_counter(struct status_out *o, const char *label, uint64_t v)
{
    put_text(o, label);
    put_sep(o);
    put_u64(o, v);
    put_eol(o);
}

/* NUL-terminates; the length, or an error with "" left behind so no half text is used. */
static int finish(struct status_out *o, char *out, size_t cap)
{
    buf_write_u8(&o->w, 0);
    if (buf_writer_ok(&o->w) && buf_writer_len(&o->w) - 1 <= (size_t)INT_MAX)
        return (int)(buf_writer_len(&o->w) - 1);
    if (cap > 0)
        out[0] = '\0';
    return STATUS_ERR_SPACE;
}

static void out_init(struct status_out *o, char *out, size_t cap, char sep, bool crlf)
{
    buf_writer_init(&o->w, out, cap);
    o->sep = sep;
    o->crlf = crlf;
}

/* ---- server: one client's rows ---- */

static void put_v1_client(struct status_out *o, const struct status_client *c, int utc_offset_s)
{
    put_value(o, c->common_name, "UNDEF");
    put_sep(o);
    put_value(o, c->real_address, "");
    put_sep(o);
    put_u64(o, c->bytes_received);
    put_sep(o);
    put_u64(o, c->bytes_sent);
    put_sep(o);
    put_time(o, c->connected_since, utc_offset_s);
    put_eol(o);
}

static void put_v2_client(struct status_out *o, const struct status_client *c, int utc_offset_s)
{
    put_text(o, "CLIENT_LIST");
    put_sep(o);
    put_value(o, c->common_name, "UNDEF");
    put_sep(o);
    put_value(o, c->real_address, "");
    put_sep(o);
    put_value(o, c->virt_v4, "");
    put_sep(o);
    put_value(o, c->virt_v6, "");
    put_sep(o);
    put_u64(o, c->bytes_received);
    put_sep(o);
    put_u64(o, c->bytes_sent);
    put_sep(o);
    put_time(o, c->connected_since, utc_offset_s);
    put_sep(o);
    put_i64(o, c->connected_since);
    put_sep(o);
    put_value(o, c->username, "UNDEF");
    put_sep(o);
    put_u64(o, c->client_id);
    put_sep(o);
    put_u64(o, c->peer_id);
    put_sep(o);
    put_value(o, c->cipher, "");
    put_eol(o);
}

/* One routing-table row; version 1 lacks the leading tag and the trailing time_t column. */
static void put_route(struct status_out *o, const struct status_client *c, const char *addr,
                      int utc_offset_s, bool v1)
{
    if (!addr || !*addr)
        return;
    if (!v1) {
        put_text(o, "ROUTING_TABLE");
        put_sep(o);
    }
    put_value(o, addr, "");
    put_sep(o);
    put_value(o, c->common_name, "UNDEF");
    put_sep(o);
    put_value(o, c->real_address, "");
    put_sep(o);
    put_time(o, c->last_ref, utc_offset_s);
    if (!v1) {
        put_sep(o);
        put_i64(o, c->last_ref);
    }
    put_eol(o);
}

static void put_routes(struct status_out *o, const struct status_server *s, bool v1)
{
    for (size_t i = 0; i < s->n_clients; i++) {
        const struct status_client *c = &s->clients[i];
        put_route(o, c, c->virt_v4, s->utc_offset_s, v1);
        put_route(o, c, c->virt_v6, s->utc_offset_s, v1);
        for (size_t j = 0; j < c->n_iroutes; j++)
            put_route(o, c, c->iroutes[j], s->utc_offset_s, v1);
    }
}

/* ---- server: whole texts ---- */

static void put_server_v1(struct status_out *o, const struct status_server *s)
{
    put_line(o, "OpenVPN CLIENT LIST");
    put_text(o, "Updated,");
    put_time(o, s->now, s->utc_offset_s);
    put_eol(o);
    put_header(o, v1_client_header, COUNT(v1_client_header));
    for (size_t i = 0; i < s->n_clients; i++)
        put_v1_client(o, &s->clients[i], s->utc_offset_s);
    put_line(o, "ROUTING TABLE");
    put_header(o, v1_route_header, COUNT(v1_route_header));
    put_routes(o, s, true);
    put_line(o, "GLOBAL STATS");
    put_counter(o, "Max bcast/mcast queue length", s->max_bcast_queue);
    put_line(o, "END");
}

static void put_server_v2(struct status_out *o, const struct status_server *s)
{
    put_text(o, "TITLE");
    put_sep(o);
    put_value(o, s->title, "");
    put_eol(o);
    put_text(o, "TIME");
    put_sep(o);
    put_time(o, s->now, s->utc_offset_s);
    put_sep(o);
    put_i64(o, s->now);
    put_eol(o);
    put_header(o, v2_client_header, COUNT(v2_client_header));
    for (size_t i = 0; i < s->n_clients; i++)
        put_v2_client(o, &s->clients[i], s->utc_offset_s);
    put_header(o, v2_route_header, COUNT(v2_route_header));
    put_routes(o, s, false);
    put_text(o, "GLOBAL_STATS");
    put_sep(o);
    put_counter(o, "Max bcast/mcast queue length", s->max_bcast_queue);
    put_text(o, "GLOBAL_STATS");
    put_sep(o);
    put_counter(o, "dco_enabled", s->dco_enabled ? 1 : 0);
    put_line(o, "END");
}

static bool server_valid(const struct status_server *s, enum status_version v)
{
    if (v != STATUS_V1 && v != STATUS_V2 && v != STATUS_V3)
        return false;
    if (!s->clients && s->n_clients > 0)
        return false;
    for (size_t i = 0; i < s->n_clients; i++) {
        if (!s->clients[i].iroutes && s->clients[i].n_iroutes > 0)
            return false;
    }
    return true;
}

int status_format_server(const struct status_server *s, enum status_version v, char *out,
                         size_t cap)
{
    if (!out)
        return STATUS_ERR_INVAL;
    if (!s || !server_valid(s, v)) {
        if (cap > 0)
            out[0] = '\0';
        return STATUS_ERR_INVAL;
    }
    struct status_out o;
    out_init(&o, out, cap, v == STATUS_V3 ? '\t' : ',', s->crlf);
    if (v == STATUS_V1)
        put_server_v1(&o, s);
    else
        put_server_v2(&o, s);
    return finish(&o, out, cap);
}

int status_format_client(const struct status_client_stats *s, char *out, size_t cap)
{
    if (!out)
        return STATUS_ERR_INVAL;
    if (!s) {
        if (cap > 0)
            out[0] = '\0';
        return STATUS_ERR_INVAL;
    }
    struct status_out o;
    out_init(&o, out, cap, ',', s->crlf);
    put_line(&o, "OpenVPN STATISTICS");
    put_text(&o, "Updated,");
    put_time(&o, s->now, s->utc_offset_s);
    put_eol(&o);
    put_counter(&o, "TUN/TAP read bytes", s->tun_read_bytes);
    put_counter(&o, "TUN/TAP write bytes", s->tun_write_bytes);
    put_counter(&o, "TCP/UDP read bytes", s->link_read_bytes);
    put_counter(&o, "TCP/UDP write bytes", s->link_write_bytes);
    put_counter(&o, "Auth read bytes", s->auth_read_bytes);
    put_line(&o, "END");
    return finish(&o, out, cap);
}
