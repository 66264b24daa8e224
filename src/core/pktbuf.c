/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pktbuf.h"

#include <stdlib.h>

void pktbuf_init(struct pktbuf *p, uint8_t *mem, size_t cap, size_t headroom)
{
    p->mem = mem;
    p->cap = mem ? cap : 0;
    pktbuf_reset(p, headroom);
}

void pktbuf_reset(struct pktbuf *p, size_t headroom)
{
    p->head = headroom < p->cap ? headroom : p->cap;
    p->len = 0;
}

uint8_t *pktbuf_data(const struct pktbuf *p)
{
    return p->mem ? p->mem + p->head : NULL;
}

size_t pktbuf_len(const struct pktbuf *p)
{
    return p->len;
}

size_t pktbuf_headroom(const struct pktbuf *p)
{
    return p->head;
}

size_t pktbuf_tailroom(const struct pktbuf *p)
{
    return p->cap - p->head - p->len;
}

uint8_t *pktbuf_push(struct pktbuf *p, size_t n)
{
    if (n > p->head)
        return NULL;
    p->head -= n;
    p->len += n;
    return p->mem + p->head;
}

uint8_t *pktbuf_pull(struct pktbuf *p, size_t n)
{
    if (n > p->len)
        return NULL;
    uint8_t *old = p->mem + p->head;
    p->head += n;
    p->len -= n;
    return old;
}

uint8_t *pktbuf_put(struct pktbuf *p, size_t n)
{
    if (n > pktbuf_tailroom(p))
        return NULL;
    uint8_t *end = p->mem + p->head + p->len;
    p->len += n;
    return end;
}

bool pktbuf_trim(struct pktbuf *p, size_t n)
{
    if (n > p->len)
        return false;
    p->len -= n;
    return true;
}

bool pktbuf_set_len(struct pktbuf *p, size_t n)
{
    if (n > p->cap - p->head)
        return false;
    p->len = n;
    return true;
}

struct buf_reader pktbuf_reader(const struct pktbuf *p)
{
    struct buf_reader r;
    buf_reader_init(&r, pktbuf_data(p), p->len);
    return r;
}

struct buf_writer pktbuf_tail_writer(const struct pktbuf *p)
{
    struct buf_writer w;
    buf_writer_init(&w, p->mem ? p->mem + p->head + p->len : NULL, pktbuf_tailroom(p));
    return w;
}

bool pktbuf_commit(struct pktbuf *p, const struct buf_writer *w)
{
    if (!buf_writer_ok(w) || buf_writer_len(w) > pktbuf_tailroom(p))
        return false;
    p->len += buf_writer_len(w);
    return true;
}

/* All buffers and their storage come from two allocations; `free_stack` lists idle buffers. */
struct pktpool {
    struct pktbuf *bufs;
    uint8_t *storage;
    size_t *free_stack;
    bool *busy; /* guards against returning a buffer twice, which would hand it out twice */
    size_t count;
    size_t nfree;
    size_t bufsize;
    size_t headroom;
};

struct pktpool *pktpool_new(size_t count, size_t bufsize, size_t headroom)
{
    if (count == 0 || bufsize == 0 || headroom >= bufsize || count > SIZE_MAX / bufsize)
        return NULL;
    struct pktpool *pool = calloc(1, sizeof(*pool));
    if (!pool)
        return NULL;
    pool->bufs = calloc(count, sizeof(*pool->bufs));
    pool->free_stack = calloc(count, sizeof(*pool->free_stack));
    pool->busy = calloc(count, sizeof(*pool->busy));
    pool->storage = malloc(count * bufsize);
    if (!pool->bufs || !pool->free_stack || !pool->busy || !pool->storage) {
        pktpool_free(pool);
        return NULL;
    }
    pool->count = count;
    pool->bufsize = bufsize;
    pool->headroom = headroom;
    for (size_t i = 0; i < count; i++) {
        pktbuf_init(&pool->bufs[i], pool->storage + i * bufsize, bufsize, headroom);
        pool->free_stack[i] = count - 1 - i;
    }
    pool->nfree = count;
    return pool;
}

void pktpool_free(struct pktpool *pool)
{
    if (!pool)
        return;
    free(pool->bufs);
    free(pool->free_stack);
    free(pool->busy);
    free(pool->storage);
    free(pool);
}

struct pktbuf *pktpool_get(struct pktpool *pool)
{
    if (pool->nfree == 0)
        return NULL;
    size_t i = pool->free_stack[--pool->nfree];
    pool->busy[i] = true;
    pktbuf_reset(&pool->bufs[i], pool->headroom);
    return &pool->bufs[i];
}

bool pktpool_owns(const struct pktpool *pool, const struct pktbuf *p)
{
    /* Compare as integers: relational operators on pointers into different objects are UB. */
    uintptr_t first = (uintptr_t)pool->bufs;
    uintptr_t addr = (uintptr_t)p;
    if (addr < first || addr >= first + pool->count * sizeof(*p))
        return false;
    return (addr - first) % sizeof(*p) == 0;
}

void pktpool_put(struct pktpool *pool, struct pktbuf *p)
{
    if (!p || !pktpool_owns(pool, p))
        return;
    size_t i = (size_t)(p - pool->bufs);
    if (!pool->busy[i])
        return;
    pool->busy[i] = false;
    pool->free_stack[pool->nfree++] = i;
}

size_t pktpool_available(const struct pktpool *pool)
{
    return pool->nfree;
}
