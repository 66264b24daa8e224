/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet buffers with headroom and tailroom, and a preallocated pool of them.
 *
 * A packet read from tun or the socket lands in a buffer whose data starts `headroom` bytes into
 * its storage, so protocol headers are prepended in place (pktbuf_push) and tags appended in place
 * (pktbuf_put) without copying the payload. The pool allocates all storage once, at start-up;
 * getting and returning a buffer never allocates, which keeps the data path free of malloc.
 */
#ifndef SLUICE_PKTBUF_H
#define SLUICE_PKTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The most packets the data path moves in one batch (one recvmmsg/sendmmsg call). */
#define PKTBUF_BATCH_MAX 64

struct pktbuf {
    uint8_t *mem; /* storage, not owned when the buffer comes from a pool */
    size_t cap;   /* bytes of storage */
    size_t head;  /* offset of the first data byte */
    size_t len;   /* bytes of data */
};

/* Uses mem[0..cap) as storage; data starts empty at `headroom` (clamped to cap). */
void pktbuf_init(struct pktbuf *p, uint8_t *mem, size_t cap, size_t headroom);

/* Empties the buffer and moves its start to `headroom` (clamped to cap). */
void pktbuf_reset(struct pktbuf *p, size_t headroom);

uint8_t *pktbuf_data(const struct pktbuf *p);
size_t pktbuf_len(const struct pktbuf *p);
size_t pktbuf_headroom(const struct pktbuf *p);
size_t pktbuf_tailroom(const struct pktbuf *p);

/* Grows the data by n bytes at the front; returns the new start, or NULL when headroom < n. */
uint8_t *pktbuf_push(struct pktbuf *p, size_t n);

/* Removes n bytes from the front; returns where they were, or NULL when len < n. */
uint8_t *pktbuf_pull(struct pktbuf *p, size_t n);

/* Grows the data by n bytes at the end; returns where they start, or NULL when tailroom < n. */
uint8_t *pktbuf_put(struct pktbuf *p, size_t n);

/* Removes n bytes from the end; false (nothing changed) when len < n. */
bool pktbuf_trim(struct pktbuf *p, size_t n);

/* Sets the data length after a read into the tailroom; false when n exceeds the room. */
bool pktbuf_set_len(struct pktbuf *p, size_t n);

/* A bounded reader over the current data. */
struct buf_reader pktbuf_reader(const struct pktbuf *p);

/* A writer over the whole tailroom after the current data; finish with pktbuf_commit(). */
struct buf_writer pktbuf_tail_writer(const struct pktbuf *p);
/* Appends what a tail writer wrote; false (nothing changed) if the writer failed. */
bool pktbuf_commit(struct pktbuf *p, const struct buf_writer *w);

struct pktpool;

/*
 * Allocates `count` buffers of `bufsize` bytes each, data starting at `headroom`. Returns NULL on
 * a bad size (zero, headroom >= bufsize, or count * bufsize overflowing) or out of memory.
 */
struct pktpool *pktpool_new(size_t count, size_t bufsize, size_t headroom);
void pktpool_free(struct pktpool *pool);

/* A reset buffer, or NULL when all are in use (the caller drops the packet and counts it). */
struct pktbuf *pktpool_get(struct pktpool *pool);

/* Returns a buffer obtained from this pool; NULL is ignored. */
void pktpool_put(struct pktpool *pool, struct pktbuf *p);

size_t pktpool_available(const struct pktpool *pool);

/* True when p is one of the pool's buffers (a guard for pktpool_put callers and tests). */
bool pktpool_owns(const struct pktpool *pool, const struct pktbuf *p);

#endif
