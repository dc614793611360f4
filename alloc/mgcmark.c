/*
 * mgcmark.c: marking, as Go's mgcmark.go: roots (the host's callbacks via
 * gc_mark_slot/gc_mark_block, and handles), greyobject, scanobject, the
 * drain loop; and the checkmark walk of gccheckmark/gc_verify (Go's
 * mcheckmark.go). Marking is stop-the-world and parallel: the collecting
 * thread marks the roots, then it and the heap's mark threads (mgcworker.c)
 * drain the gray queue together (mgcwork.c), setting mark bits with an
 * atomic OR; the checkmark and verify walks stay single threaded, so
 * gccheckmark checks the parallel mark against an independent sequential
 * one. No write barrier, no assists, no oblets (a large object is scanned
 * by one worker), no Green Tea span queue. Interior pointers are resolved by
 * findObject, so a pointer anywhere into an object (or a tiny block) keeps
 * the whole slot alive. A pointer to a free slot marks nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc/internal.h"

const char *gc_span_typeName(mspan *s, uintptr_t slot)
{
    if (spanclass_noscan(s->spanclass))
        return "(noscan)";
    if (s->heapBits)
        return "(small object, pointer bits in span)";
    const gc_type *t = spanclass_sizeclass(s->spanclass) ? *(const gc_type *const *)slot : s->largeType;
    return t && t->name ? t->name : "(unnamed type)";
}

static int inHeapRange(const gc_heap *h, uintptr_t v)
{
    mspan *s = spanOf(h, v);
    return s != NULL;
}

static void problem(gc_marker *m, const char *what, uintptr_t v, uintptr_t from)
{
    m->problems++;
    fprintf(m->heap->trace, "alloc: verify: %s: %p (found in slot %p)\n", what, (void *)v, (void *)from);
}

#define ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * greyobject and scanobject are written once and instantiated three times
 * with constant arguments, so each copy carries only its own branches:
 *   checkmark 0, par 1: the parallel mark (atomic mark bits);
 *   checkmark 0, par 0: the mark of one worker alone, and the roots (which
 *                       the collecting thread marks before the others start);
 *   checkmark m->checkmark, par 0: the checkmark and verify walks.
 * m is only read when checkmark != 0.
 */
static ALWAYS_INLINE void greyobject_(gc_heap *h, gc_marker *m, gcWork *w, uintptr_t v, uintptr_t from,
                                      const int checkmark, const int par)
{
    mspan *s;
    uintptr_t idx;
    uintptr_t x = findObject(h, v, &s, &idx);
    if (!x) {
        if (UNLIKELY(checkmark == 2) && inHeapRange(h, v))
            problem(m, "pointer into the heap outside any object", v, from);
        return;
    }
    if (UNLIKELY(!span_isAllocated(s, idx))) {
        if (checkmark == 2)
            problem(m, "pointer to a free slot", v, from);
        return;
    }
    uint64_t *word = (checkmark ? s->checkmarks : s->gcmarkBits) + idx / 64;
    uint64_t bit = (uint64_t)1 << (idx % 64);
    if (par) {
        /* Test with a plain load first (most pointers find the object
         * marked already), then set with one atomic OR: whoever turns the
         * bit on owns the object and is the only one to queue it. */
        if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
            return;
        if (__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit)
            return;
    } else {
        if (*word & bit)
            return;
        *word |= bit;
    }
    if (checkmark == 1 && !bit_get(s->gcmarkBits, idx)) {
        fprintf(h->trace,
                "alloc: gccheckmark: reachable object %p (type %s, span %p, elemsize %zu) was not marked\n",
                (void *)x, gc_span_typeName(s, x), (void *)s->startAddr, (size_t)s->elemsize);
        fflush(h->trace);
        abort();
    }
    if (!checkmark)
        w->bytesMarked += s->elemsize;
    if (!spanclass_noscan(s->spanclass))
        gcw_put(w, x);
}

static ALWAYS_INLINE void scanobject_(gc_heap *h, gc_marker *m, gcWork *w, uintptr_t b, const int checkmark,
                                      const int par)
{
    mspan *s = spanOfHeap(h, b);
    uintptr_t size = s->elemsize;
    if (s->heapBits) {
        /* Small object: its bits are one word of the span-end bitmap. */
        uintptr_t nw = size >> 3, o = (b - s->startAddr) >> 3, j = o & 63;
        const uint64_t *hb = s->heapBits + (o >> 6);
        uint64_t mask = hb[0] >> j;
        if (j + nw > 64)
            mask |= hb[1] << (64 - j);
        mask &= ~(uint64_t)0 >> (64 - nw);
        while (mask) {
            uintptr_t a = b + (uintptr_t)__builtin_ctzll(mask) * 8;
            mask &= mask - 1;
            uintptr_t v = *(const uintptr_t *)a;
            /* Skip nil and pointers into the object itself. */
            if (v && (v - b >= size || checkmark == 2))
                greyobject_(h, m, w, v, a, checkmark, par);
        }
        return;
    }
    typePointers tp = gc_typePointersOf(s, b);
    uintptr_t a;
    while ((a = gc_typePointers_next(&tp)) != 0) {
        uintptr_t v = *(const uintptr_t *)a;
        if (v && (v - b >= size || checkmark == 2))
            greyobject_(h, m, w, v, a, checkmark, par);
    }
}

/*
 * The drain loop (Go's gcDrain). Popped objects pass through a small FIFO
 * ring before they are scanned: each is prefetched as it enters, and by
 * the time it leaves PREFETCH_RING-1 other objects have been scanned, so
 * its cache miss overlapped their work. Go 1.19 prefetches in greyobject
 * as it queues instead; with a LIFO queue the object is popped right
 * after, too soon for that to help. Measured with one thread on a
 * complete binary tree of 1M 16-byte nodes shuffled in memory (the
 * "shuffled" case of build/alloc-markbench 19): 72-142 ns per object
 * without prefetching, 67-75 prefetching on push, 27-36 with the ring of 16
 * (8 and 32 do about as well; both prefetches together, no better); a tree
 * of 4M nodes in allocation order (binary-trees' layout) marks at 12-14 ns
 * either way.
 */
enum { PREFETCH_RING = 16 };

static ALWAYS_INLINE void drain_(gc_heap *h, gc_marker *m, gcWork *w, const int checkmark, const int par)
{
    uintptr_t ring[PREFETCH_RING];
    unsigned head = 0, tail = 0;
    for (;;) {
        if (par && gcw_fullEmpty(w->q))
            gc_gcw_balance(w);
        while (tail - head < PREFETCH_RING) {
            uintptr_t b = gcw_tryGetFast(w);
            if (!b)
                break;
            __builtin_prefetch((const void *)b);
            ring[tail++ % PREFETCH_RING] = b;
        }
        if (tail == head) {
            uintptr_t b = gc_gcw_get(w);
            if (!b)
                break;
            ring[tail++ % PREFETCH_RING] = b;
        }
        w->objsScanned++;
        scanobject_(h, m, w, ring[head++ % PREFETCH_RING], checkmark, par);
    }
}

static void drainParallel(gc_heap *h, gcWork *w) { drain_(h, NULL, w, 0, 1); }
static void drainAlone(gc_heap *h, gcWork *w) { drain_(h, NULL, w, 0, 0); }
static void drainCheck(gc_heap *h, gc_marker *m) { drain_(h, m, m->gcw, m->checkmark, 0); }

void gc_mark_drain(gc_heap *h, gcWork *w) { drainParallel(h, w); }

/* Roots run on the collecting thread before any worker starts. */
static void greyRoot(gc_marker *m, uintptr_t v, uintptr_t from)
{
    if (m->checkmark == 0)
        greyobject_(m->heap, NULL, m->gcw, v, from, 0, 0);
    else
        greyobject_(m->heap, m, m->gcw, v, from, m->checkmark, 0);
}

void gc_mark_slot(gc_marker *m, void *const *slot)
{
    uintptr_t v = (uintptr_t)*slot;
    if (v)
        greyRoot(m, v, (uintptr_t)slot);
}

void gc_mark_block(gc_marker *m, void *const *base, size_t nwords, const uint8_t *bitmap)
{
    for (size_t i = 0; i < nwords; i++) {
        if (bitmap && !(bitmap[i / 8] >> (i % 8) & 1)) {
            if (bitmap[i / 8] == 0)
                i |= 7; /* skip the rest of an empty byte */
            continue;
        }
        uintptr_t v = (uintptr_t)base[i];
        if (v)
            greyRoot(m, v, (uintptr_t)&base[i]);
    }
}

static void markroots(gc_heap *h, gc_marker *m)
{
    for (size_t i = 0; i < h->nroots; i++)
        h->roots[i].fn(m, h->roots[i].ud);
    for (gc_handle *hd = h->handles; hd; hd = hd->next)
        if (hd->obj)
            greyRoot(m, (uintptr_t)hd->obj, (uintptr_t)&hd->obj);
}

/* Below this many live bytes a mark runs on the collecting thread alone:
 * waking the workers would cost more than they save (gcstress collects at
 * every allocation). */
enum { PARALLEL_MIN_HEAP = 1 << 20 };

/*
 * The mark of gc_start: roots on the collecting thread, then it and up to
 * gcprocs-1 mark threads drain the gray queue together. Everything the
 * workers read besides mark bits and the queue (span map, spans, heap
 * bits, types, allocBits, object contents) was written before they were
 * woken and is left alone until they are done.
 */
void gc_mark(gc_heap *h)
{
    gcWorkQueue *q = &h->work;
    gcWork *w = &h->gcw;
    uint64_t c0 = gc_thread_cputime();
    q->nproc = 1;
    atomic_store(&q->nwait, 0);
    gc_gcw_init(w, q);
    gc_marker m = {h, 0, 0, w};
    markroots(h, &m);
    unsigned nproc = 1;
    if (h->gcprocs > 1 && h->heapLive >= PARALLEL_MIN_HEAP)
        nproc += gc_markpool_start(h, h->gcprocs - 1);
    if (nproc > 1)
        drainParallel(h, w);
    else
        drainAlone(h, w);
    uint64_t cpu = gc_thread_cputime() - c0, bytes = w->bytesMarked, objs = w->objsScanned;
    if (nproc > 1)
        gc_markpool_wait(h, &cpu, &bytes, &objs);
    gc_gcw_dispose(w);
    h->markedBytes = bytes;
    h->stats.mark_procs = nproc;
    h->stats.mark_objects = objs;
    h->stats.mark_cpu_ns = cpu;
    h->stats.mark_cpu_total_ns += cpu;
    h->stats.mark_bytes_total += bytes;
}

/* The single-threaded walk of gccheckmark and gc_verify. */
void gc_mark_roots_and_drain(gc_heap *h, gc_marker *m)
{
    gcWorkQueue *q = &h->work;
    gcWork w;
    q->nproc = 1;
    atomic_store(&q->nwait, 0);
    gc_gcw_init(&w, q);
    m->gcw = &w;
    markroots(h, m);
    drainCheck(h, m);
    gc_gcw_dispose(&w);
    m->gcw = NULL;
}

void gc_forEachInUseSpan(gc_heap *h, span_fn fn, void *ud)
{
    for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++) {
        mcentral *c = &h->central[spc];
        for (int i = 0; i < 2; i++) {
            for (mspan *s = c->partial[i].first, *n; s; s = n) {
                n = s->next;
                fn(h, s, ud);
            }
            for (mspan *s = c->full[i].first, *n; s; s = n) {
                n = s->next;
                fn(h, s, ud);
            }
        }
    }
    for (gc_p *p = h->ps; p; p = p->next)
        for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++)
            if (p->alloc[spc] != &h->emptyspan)
                fn(h, p->alloc[spc], ud);
}

/* The checkmark walk's own mark bits, one zeroed array per in-use span for
 * the length of a walk (Go keeps a checkmarks bitmap per arena, made on
 * the first walk); *(int *)ud is set when one could not be had. */
static void startCheckmarks(gc_heap *h, mspan *s, void *ud)
{
    s->checkmarks = gc_fixalloc_alloc(&h->checkmarkalloc);
    if (!s->checkmarks)
        *(int *)ud = 1;
}

static void endCheckmarks(gc_heap *h, mspan *s, void *ud)
{
    (void)ud;
    if (s->checkmarks)
        gc_fixalloc_free(&h->checkmarkalloc, s->checkmarks);
    s->checkmarks = NULL;
}

/* Give every in-use span its checkmark array; 0, or -1 (none given) when
 * memory ran out. */
static int checkmarksBegin(gc_heap *h)
{
    int failed = 0;
    gc_forEachInUseSpan(h, startCheckmarks, &failed);
    if (failed)
        gc_forEachInUseSpan(h, endCheckmarks, NULL);
    return failed ? -1 : 0;
}

static void compareMarks(gc_heap *h, mspan *s, void *ud)
{
    (void)ud;
    uint32_t n = s->nelems ? s->nelems : 1;
    for (uint32_t w = 0; w * 64 < n; w++) {
        uint64_t diff = s->gcmarkBits[w] ^ s->checkmarks[w];
        if (!diff)
            continue;
        uintptr_t idx = w * 64 + (uintptr_t)__builtin_ctzll(diff);
        uintptr_t x = s->startAddr + idx * s->elemsize;
        fprintf(h->trace,
                "alloc: gccheckmark: object %p (type %s, span %p, elemsize %zu) is %s\n", (void *)x,
                gc_span_typeName(s, x), (void *)s->startAddr, (size_t)s->elemsize,
                bit_get(s->gcmarkBits, idx) ? "marked but not reachable" : "reachable but not marked");
        fflush(h->trace);
        abort();
    }
}

/* gccheckmark: a second, independent walk must find exactly the marked set. */
void gc_checkmark_verify_marks(gc_heap *h)
{
    if (checkmarksBegin(h) != 0) {
        fprintf(h->trace, "alloc: gccheckmark: no memory for the checkmark bits: this cycle is not checked\n");
        fflush(h->trace);
        return;
    }
    gc_marker m = {h, 1, 0, NULL};
    gc_mark_roots_and_drain(h, &m);
    gc_forEachInUseSpan(h, compareMarks, NULL);
    gc_forEachInUseSpan(h, endCheckmarks, NULL);
}

size_t gc_verify(gc_heap *h)
{
    if (h->gc_running)
        return 0;
    if (checkmarksBegin(h) != 0) {
        fprintf(h->trace, "alloc: verify: no memory for the checkmark bits: nothing checked\n");
        fflush(h->trace);
        return GC_VERIFY_NOMEM;
    }
    gc_marker m = {h, 2, 0, NULL};
    gc_mark_roots_and_drain(h, &m);
    gc_forEachInUseSpan(h, endCheckmarks, NULL);
    fflush(h->trace);
    return m.problems;
}
