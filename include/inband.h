/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-band messages that travel as data-channel payload (shared/docs/protocol-data.md §6): the
 * keepalive ping and the OCC messages, among them OCC EXIT (explicit-exit-notify without cc-exit).
 *
 * They are recognised after decryption and unframing (comp_unframe) and, on send, built into a
 * plaintext buffer that then goes through comp_frame and encryption like user data. Pure byte
 * functions: nothing here keeps state.
 */
#ifndef SLUICE_INBAND_H
#define SLUICE_INBAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define INBAND_MAGIC_LEN 16u
/* Longest argument (REPLY string with its NUL, MTU_LOAD filler) the builder accepts. */
#define INBAND_ARG_MAX 0xFFFFu

/* The 16 bytes of a keepalive ping (§6.2) and the prefix of every OCC message (§6.3). */
extern const uint8_t inband_ping_magic[INBAND_MAGIC_LEN];
extern const uint8_t inband_occ_magic[INBAND_MAGIC_LEN];

/* What a decrypted, unframed payload is (§6.1 receive order: ping first, then OCC). */
enum inband_kind {
    INBAND_DATA = 0, /* user data: goes to tun */
    INBAND_PING,     /* exactly the 16 ping bytes: drop (keepalive) */
    INBAND_OCC,      /* starts with the OCC magic: parse with inband_occ_parse, then drop */
};

enum inband_kind inband_classify(const uint8_t *data, size_t len);

/* OCC message types (§6.3). */
enum inband_occ_type {
    INBAND_OCC_REQUEST = 0,
    INBAND_OCC_REPLY = 1,
    INBAND_OCC_MTU_LOAD_REQUEST = 2,
    INBAND_OCC_MTU_LOAD = 3,
    INBAND_OCC_MTU_REQUEST = 4,
    INBAND_OCC_MTU_REPLY = 5,
    INBAND_OCC_EXIT = 6,
};

/*
 * A parsed or to-be-built OCC message. Views point into the parsed bytes (or, for building, into
 * the caller's memory) and may be NULL when their length is 0.
 */
struct inband_occ {
    enum inband_occ_type type;
    const char *options; /* REPLY: the options string, without its terminating NUL */
    size_t options_len;
    uint16_t load_size;    /* MTU_LOAD_REQUEST: size of the MTU_LOAD wanted */
    const uint8_t *filler; /* MTU_LOAD: the filler bytes after the type */
    size_t filler_len;     /* MTU_LOAD */
    uint16_t mtu_recv_max; /* MTU_REPLY: largest packet received */
    uint16_t mtu_sent_max; /* MTU_REPLY: largest packet sent */
};

enum inband_err {
    INBAND_OK = 0,
    INBAND_ERR_NOT_OCC = -1,   /* the OCC magic is missing */
    INBAND_ERR_TRUNCATED = -2, /* no type byte, or an argument cut short */
    INBAND_ERR_TYPE = -3,      /* an OCC type outside 0..6 */
    INBAND_ERR_STRING = -4,    /* REPLY options string without its NUL, or with a NUL inside */
    INBAND_ERR_NO_ROOM = -5,   /* builder: the writer is too small (or already failed) */
};

/* Static, never NULL; "unknown error" for values outside enum inband_err. */
const char *inband_strerror(int err);

/*
 * Parses an OCC message. Bytes after the arguments a type defines are ignored, as OpenVPN does
 * (for REPLY: anything after the NUL). Returns 0 or a negative enum inband_err; on error *out
 * holds nothing meaningful.
 */
__attribute__((warn_unused_result)) int inband_occ_parse(const uint8_t *data, size_t len,
                                                         struct inband_occ *out);

/*
 * Appends an OCC message to w: the magic, the type, and the arguments of that type taken from m
 * (REPLY writes options + NUL; options must not contain a NUL). Checks everything first and
 * writes nothing on failure. Returns 0, INBAND_ERR_TYPE, INBAND_ERR_STRING, INBAND_ERR_TRUNCATED
 * (MTU_LOAD filler length without filler) or INBAND_ERR_NO_ROOM (also for an argument longer
 * than INBAND_ARG_MAX).
 */
__attribute__((warn_unused_result)) int inband_occ_build(struct buf_writer *w,
                                                         const struct inband_occ *m);

/* Bytes inband_occ_build() writes for m (0 for an unknown type or an argument over INBAND_ARG_MAX).
 */
size_t inband_occ_size(const struct inband_occ *m);

/* Appends the 16 ping bytes. Returns 0 or INBAND_ERR_NO_ROOM (nothing written). */
__attribute__((warn_unused_result)) int inband_ping_build(struct buf_writer *w);

/* Appends the 17-byte OCC EXIT message (explicit-exit-notify, §6.4). */
__attribute__((warn_unused_result)) int inband_exit_build(struct buf_writer *w);

#endif
