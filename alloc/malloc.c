/*
 * malloc.c: gc_mallocgc, as Go's malloc.go: the dispatch (mallocgc) to
 * its five paths, zero-size, tiny (mallocgcTiny), small noscan
 * (mallocgcSmallNoscan), small scan with heap bits in the span
 * (mallocgcSmallScanNoHeader) or with a type header
 * (mallocgcSmallScanHeader), and large (mallocgcLarge); plus
 * gc_alloc_path_of, which tells which path and class a (size, type)
 * takes, and the object introspection calls built on findObject and
 * typePointers. Allocation sites (gc_site) are msite.c's.
 *
 * In front of the dispatch, gc_mallocgc spells out the fast paths (a span
 * with room): for noscan objects one table load for the class,
 * p->alloc[spc] and nextFreeFast; for small scan objects a site (the P
 * keeps its last (type, size) and one per size class as sites) and
 * msite.c's gc_siteAlloc, the path gc_malloc_site takes too. The slot
 * taking itself (gc_window_takeIndex, gc_window_take) is in alloc.h, where
 * a host inlines it (gc_malloc_site_inline). Moving to the next allocCache
 * window is a short call (gc_span_nextWindow); everything else (refill,
 * heap trigger, tiny, large objects) sits behind a call.
 * Allocate-black and the assist charge need no code here: during a mark,
 * a P's windows are marked black as it takes them (mcache.c, msite.c and
 * the window move below), so the fast paths hand out black slots unchanged.
 * Departures: no profiling sample; debug modes (gcstress, clobberfree)
 * take a separate instance of the same code, reached because they keep
 * the mcache empty.
 */
#include <stdlib.h>

#include "alloc/internal.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE uintptr_t allocSlot(gc_p *p, uint8_t spc, mspan **sp)
{
    mspan *s = p->alloc[spc];
    uintptr_t x = nextFreeFast(s);
    if (LIKELY(x != 0)) {
        *sp = s;
        return x;
    }
    return gc_mcache_nextFree(p, spc, sp);
}

static ALWAYS_INLINE void *mallocgcTiny(gc_p *p, size_t size, const int dbg)
{
    if (UNLIKELY(size == 0))
        return &p->heap->zerobase;
    /* Align the sub-object by its size, as Go (8 if size%8==0, 4, 2). */
    uintptr_t off = p->tinyoffset;
    if ((size & 7) == 0)
        off = (off + 7) & ~(uintptr_t)7;
    else if ((size & 3) == 0)
        off = (off + 3) & ~(uintptr_t)3;
    else if ((size & 1) == 0)
        off = (off + 1) & ~(uintptr_t)1;
    if (off + size <= GC_TINY_SIZE && p->tiny != 0) {
        uintptr_t x = p->tiny + off;
        p->tinyoffset = off + size;
        p->tinyAllocs++;
        return (void *)x;
    }
    mspan *s;
    uintptr_t x = allocSlot(p, GC_TINY_SPAN_CLASS, &s);
    if (UNLIKELY(!x))
        return NULL;
    if (dbg && p->heap->opts.debug.clobberfree)
        gc_clobber_check(p->heap, s, x);
    ((uint64_t *)x)[0] = 0;
    ((uint64_t *)x)[1] = 0;
    /* Keep whichever block has more room left. */
    if (size < p->tinyoffset || p->tiny == 0) {
        p->tiny = x;
        p->tinyoffset = size;
    }
    return (void *)x;
}

static ALWAYS_INLINE void *mallocgcSmallNoscan(gc_p *p, size_t size, bool needzero, const int dbg)
{
    uint8_t spc = spanclass_make(size_to_class(size), 1);
    mspan *s;
    uintptr_t x = allocSlot(p, spc, &s);
    if (UNLIKELY(!x))
        return NULL;
    int clobber = dbg && p->heap->opts.debug.clobberfree;
    if (clobber)
        gc_clobber_check(p->heap, s, x);
    if (needzero && (s->needzero || clobber)) /* free slots hold poison under clobberfree */
        memset((void *)x, 0, s->elemsize);
    return (void *)x;
}

/* A slot for a pointerful object, always zeroed when it may hold old
 * words: the collector must never read a stale word as a pointer. Under
 * clobberfree free slots hold poison, checked before it is cleared. */
static ALWAYS_INLINE uintptr_t allocScanSlot(gc_p *p, uint8_t spc, mspan **sp, const int dbg)
{
    uintptr_t x = allocSlot(p, spc, sp);
    if (UNLIKELY(!x))
        return 0;
    mspan *s = *sp;
    int clobber = dbg && p->heap->opts.debug.clobberfree;
    if (clobber)
        gc_clobber_check(p->heap, s, x);
    if (s->needzero || clobber)
        memset((void *)x, 0, s->elemsize);
    return x;
}

static ALWAYS_INLINE void *mallocgcSmallScanNoHeader(gc_p *p, size_t size, const gc_type *t, const int dbg)
{
    mspan *s;
    uintptr_t x = allocScanSlot(p, spanclass_make(size_to_class(size), 0), &s, dbg);
    if (UNLIKELY(!x))
        return NULL;
    if (s->elemsize != GC_PTR_SIZE) /* 8-byte class: bits pre-filled with ones */
        heapBits_writeSmall(s, x, size, t);
    return (void *)x;
}

static ALWAYS_INLINE void *mallocgcSmallScanHeader(gc_p *p, size_t size, const gc_type *t, const int dbg)
{
    size += GC_MALLOC_HEADER_SIZE;
    mspan *s;
    uintptr_t x = allocScanSlot(p, spanclass_make(size_to_class(size), 0), &s, dbg);
    if (UNLIKELY(!x))
        return NULL;
    *(const gc_type **)x = t;
    return (void *)(x + GC_MALLOC_HEADER_SIZE);
}

static void *mallocgcLarge(gc_p *p, size_t size, const gc_type *t, bool needzero)
{
    if (size > p->heap->maxAlloc)
        return NULL;
    int noscan = t == NULL;
    mspan *s = gc_mcache_allocLarge(p, size, noscan);
    if (!s)
        return NULL;
    if ((needzero || !noscan) && s->needzero)
        memset((void *)s->startAddr, 0, size);
    /* Typed only once zeroed: a NULL largeType tells the scanner to skip. */
    s->largeType = t;
    return (void *)s->startAddr;
}

/* Go's mallocgc dispatch: the zero-size object, then small objects by
 * kind (tiny, small noscan, small scan with heap bits in the span or with
 * a header), then large ones. The type is checked first, as alloc's
 * types come from its host and not from a compiler. */
static ALWAYS_INLINE void *mallocgc(gc_p *p, size_t size, const gc_type *t, bool needzero, const int dbg)
{
    int noscan = t == NULL || t->ptrdata == 0;
    if (!noscan && UNLIKELY(!gc_type_ok(t)))
        return NULL;
    if (UNLIKELY(size == 0))
        return &p->heap->zerobase;
    if (LIKELY(size <= GC_MAX_SMALL_ALLOC)) {
        if (noscan) {
            if (size < GC_TINY_SIZE)
                return mallocgcTiny(p, size, dbg);
            return mallocgcSmallNoscan(p, size, needzero, dbg);
        }
        if (size <= GC_MIN_SIZE_FOR_MALLOC_HEADER)
            return mallocgcSmallScanNoHeader(p, size, t, dbg);
        return mallocgcSmallScanHeader(p, size, t, dbg);
    }
    return noscan ? mallocgcLarge(p, size, NULL, needzero) : mallocgcLarge(p, size, t, true);
}

/*
 * Debug modes (gcstress, clobberfree) and ASan builds never leave a span in the mcache:
 * every p->alloc[] slot stays the empty span, so the inlined fast paths
 * always fall through to the out-of-line ones below, which test p->slow.
 * That keeps the debug test off the fast path entirely.
 */
static __attribute__((noinline)) void *mallocgcDebug(gc_p *p, size_t size, const gc_type *t, bool needzero)
{
    gc_heap *h = p->heap;
    if (h->opts.debug.gcstress && !h->gc_running)
        gc_collect(h);
    void *x = mallocgc(p, size, t, needzero, 1);
    gc_mcache_uncacheAll(p);
    if (x)
        gc_asan_allocated(h, x, size, t);
    return x;
}

/* Out-of-line instances of the general paths: what the fast front below
 * tail-calls when the span is out of room or the case is not its own. */
static __attribute__((noinline)) void *mallocgcLargeOut(gc_p *p, size_t size, bool needzero)
{
    if (UNLIKELY(p->slow))
        return mallocgcDebug(p, size, NULL, needzero);
    return mallocgcLarge(p, size, NULL, needzero);
}
__attribute__((noinline)) void *gc_mallocgcScanSlow(gc_p *p, size_t size, const gc_type *t)
{
    if (UNLIKELY(p->slow))
        return mallocgcDebug(p, size, t, true);
    return mallocgc(p, size, t, true, 0);
}

/* Typed, but nothing to scan: zeroed whatever the caller's needzero
 * (always allowed), which keeps that argument off the scan path. Or a
 * header or large object: the general path, which checks t itself. */
static __attribute__((noinline)) void *mallocgcScanGeneral(gc_p *p, size_t size, const gc_type *t)
{
    if (t->ptrdata == 0)
        return gc_mallocgc(p, size, NULL, true);
    return gc_mallocgcScanSlow(p, size, t);
}

/* A (type, size) its class's entry st does not hold yet: describe it
 * there and make it the last one. */
static __attribute__((noinline)) void *mallocgcScanNew(gc_p *p, size_t size, const gc_type *t, gc_site *st)
{
    gc_site d;
    int k = gc_siteInit(&d, size, t);
    if (k < 0)
        return NULL;
    if (k == 0)
        return mallocgcScanGeneral(p, size, t);
    *st = d;
    p->site = st;
    return gc_siteAlloc(p, st);
}

/* Not the last one: a host alternating between a few types, one per size
 * class, finds each in its class's entry here, a jump away. */
static __attribute__((noinline)) void *mallocgcScanOther(gc_p *p, size_t size, const gc_type *t)
{
    if (size > GC_MIN_SIZE_FOR_MALLOC_HEADER)
        return mallocgcScanGeneral(p, size, t);
    gc_site *st = &p->sites[p->sizeSpc[size] >> 1];
    if (UNLIKELY(t != st->type || size != st->size))
        return mallocgcScanNew(p, size, t, st);
    p->site = st;
    return gc_siteAlloc(p, st);
}

/* The pointerful front. A (type, size) pair equal to the previous small
 * scan allocation's was validated then and described as a site, so the
 * common repeat (a host allocating one struct type) skips gc_type_ok, the
 * class lookup and the mask; a program that alternates between a few
 * finds each in its class's entry. */
static __attribute__((noinline)) void *mallocgcScan(gc_p *p, size_t size, const gc_type *t)
{
    const gc_site *st = p->site;
    if (UNLIKELY(t != st->type || size != st->size))
        return mallocgcScanOther(p, size, t);
    return gc_siteAlloc(p, st);
}

/* A small noscan allocation that the front could not serve from the span:
 * sizes below 16 (sizeSpc sends them to the always empty SPC_TINY slot)
 * go to the tiny allocator, the rest refill. */
static __attribute__((noinline)) void *mallocgcNoscanSlow(gc_p *p, size_t size, bool needzero)
{
    if (UNLIKELY(p->slow))
        return mallocgcDebug(p, size, NULL, needzero);
    if (size < GC_TINY_SIZE)
        return mallocgcTiny(p, size, 0);
    /* The next window usually has room: the front takes it from there. */
    mcache_pollPark(p);
    mspan *s = p->alloc[p->sizeSpc[size]];
    if (LIKELY(gc_span_nextWindow(s) != 0)) {
        mcache_blacken(p, s);
        return gc_mallocgc(p, size, NULL, needzero);
    }
    return mallocgcSmallNoscan(p, size, needzero, 0);
}

/*
 * The front door. The common case, a small noscan object from a span with
 * room, is spelled out here so that it compiles to straight-line code with
 * no stack frame: every other case leaves by a tail call, including the
 * memset that zeroes a reused slot (memset returns its first argument).
 */
void *gc_mallocgc(gc_p *p, size_t size, const gc_type *t, bool needzero)
{
    if (UNLIKELY(t != NULL))
        return mallocgcScan(p, size, t);
    if (LIKELY(size <= GC_MAX_SMALL_ALLOC)) {
        mspan *s = p->alloc[p->sizeSpc[size]];
        uint64_t c = s->allocCache;
        if (UNLIKELY(c == 0))
            return mallocgcNoscanSlow(p, size, needzero);
        void *x = (void *)(s->winBase + gc_window_takeIndex(&s->window, c) * s->elemsize);
        if (UNLIKELY(s->needzero) && needzero)
            return memset(x, 0, s->elemsize);
        return x;
    }
    return mallocgcLargeOut(p, size, needzero);
}

int gc_alloc_path_of(size_t size, const gc_type *t, gc_alloc_info *out)
{
    memset(out, 0, sizeof *out);
    int noscan = t == NULL || t->ptrdata == 0;
    if (!noscan && !gc_type_ok(t)) {
        out->path = GC_PATH_INVALID;
        return -1;
    }
    if (size == 0) {
        out->path = GC_PATH_ZERO;
        return 0;
    }
    if (size > GC_MAX_SMALL_ALLOC) {
        if (size > GC_MAX_ALLOC) {
            out->path = GC_PATH_INVALID;
            return -1;
        }
        out->path = GC_PATH_LARGE;
        out->span_class = noscan;
        out->npages = (size + GC_PAGE_SIZE - 1) >> GC_PAGE_SHIFT;
        out->elem_size = out->npages * GC_PAGE_SIZE;
        return 0;
    }
    size_t slot = size;
    if (noscan)
        out->path = size < GC_TINY_SIZE ? GC_PATH_TINY : GC_PATH_SMALL_NOSCAN;
    else if (size <= GC_MIN_SIZE_FOR_MALLOC_HEADER)
        out->path = GC_PATH_SMALL_SCAN_HEAPBITS;
    else {
        out->path = GC_PATH_SMALL_SCAN_HEADER;
        slot += GC_MALLOC_HEADER_SIZE;
    }
    unsigned sc = out->path == GC_PATH_TINY ? GC_TINY_SIZE_CLASS : size_to_class(slot);
    out->size_class = sc;
    out->span_class = spanclass_make(sc, noscan);
    out->elem_size = gc_class_to_size[sc];
    out->npages = gc_class_to_allocnpages[sc];
    return 0;
}

void *gc_find_object(gc_heap *h, const void *p)
{
    gc_bgsweep_wait(h); /* it rewrites allocBits */
    mspan *s;
    uintptr_t idx;
    uintptr_t x = findObject(h, (uintptr_t)p, &s, &idx);
    if (!x || !span_isAllocated(s, idx))
        return NULL;
    if (!spanclass_noscan(s->spanclass) && spanclass_sizeclass(s->spanclass) != 0 && !s->heapBits) {
        x += GC_MALLOC_HEADER_SIZE;
        if ((uintptr_t)p < x)
            return NULL; /* the type header is not part of the object */
    }
    return (void *)x;
}

size_t gc_object_pointers(gc_heap *h, const void *obj, size_t *offsets, size_t max)
{
    mspan *s;
    uintptr_t idx;
    uintptr_t x = findObject(h, (uintptr_t)obj, &s, &idx);
    if (!x || !span_isAllocated(s, idx))
        return 0;
    uintptr_t base = (uintptr_t)gc_find_object(h, obj);
    if (!base)
        return 0;
    typePointers tp = gc_typePointersOf(s, x);
    size_t n = 0;
    for (uintptr_t a; (a = gc_typePointers_next(&tp)) != 0; n++)
        if (n < max)
            offsets[n] = a - base;
    return n;
}
