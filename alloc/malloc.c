/*
 * malloc.c: gc_mallocgc and its five paths, as Go's malloc.go (mallocgc,
 * mallocgcTiny, mallocgcSmallNoscan, mallocgcSmallScanNoHeader,
 * mallocgcSmallScanHeader, mallocgcLarge), plus gc_alloc_path_of, which tells
 * which path and class a (size, type) takes, and the object introspection
 * calls built on findObject and typePointers.
 *
 * The fast paths (a span with room) are spelled out here: for noscan
 * objects gc_mallocgc's front (one table load for the class, p->alloc[spc],
 * nextFreeFast: 18 instructions); for small scan objects siteAlloc, shared
 * by gc_malloc_site (allocation sites, gc_site) and gc_mallocgc's scan
 * front, which keeps the last (type, size) as the P's site and one site
 * per size class. The slot taking itself (gc_window_takeIndex,
 * gc_window_take) is in alloc.h, where a host inlines it too
 * (gc_malloc_site_inline). Moving to the
 * next allocCache window is a short call (gc_span_nextWindow); everything
 * else (refill, heap trigger, tiny, large objects) sits behind a call.
 * Allocate-black and the assist charge need no code here: during a mark,
 * a P's windows are marked black as it takes them (mcache.c, and the two
 * window moves below), so the fast paths hand out black slots unchanged.
 * Departures: no profiling sample; debug modes (gcstress, clobberfree)
 * take a separate instance of the same code, reached because they keep
 * the mcache empty.
 */
#include <stdlib.h>

#include "alloc/internal.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE int type_ok(const gc_type *t)
{
    return t->size != 0 && (t->size & 7) == 0 && t->ptrdata <= t->size && t->ptrmask != NULL;
}

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

static ALWAYS_INLINE void *mallocgc(gc_p *p, size_t size, const gc_type *t, bool needzero, const int dbg)
{
    if (t == NULL || t->ptrdata == 0) {
        if (LIKELY(size <= GC_MAX_SMALL_ALLOC)) {
            if (size < GC_TINY_SIZE)
                return mallocgcTiny(p, size, dbg);
            return mallocgcSmallNoscan(p, size, needzero, dbg);
        }
        return mallocgcLarge(p, size, NULL, needzero);
    }
    if (UNLIKELY(!type_ok(t)))
        return NULL;
    if (size <= GC_MIN_SIZE_FOR_MALLOC_HEADER) {
        if (UNLIKELY(size == 0))
            return &p->heap->zerobase;
        return mallocgcSmallScanNoHeader(p, size, t, dbg);
    }
    if (size <= GC_MAX_SMALL_ALLOC)
        return mallocgcSmallScanHeader(p, size, t, dbg);
    return mallocgcLarge(p, size, t, true);
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
static __attribute__((noinline)) void *mallocgcScanSlow(gc_p *p, size_t size, const gc_type *t)
{
    if (UNLIKELY(p->slow))
        return mallocgcDebug(p, size, t, true);
    return mallocgc(p, size, t, true, 0);
}

/* Describe (size, t) as a site. Returns 1 when its objects take the heap
 * bits path (what siteAlloc serves), 0 when they take another path (the
 * site then points at the always empty SPC_TINY slot, whose refill sends
 * it to gc_mallocgc), -1 for a type gc_mallocgc refuses. */
static int siteInit(gc_site *st, size_t size, const gc_type *t)
{
    memset(st, 0, sizeof *st);
    st->type = t;
    st->size = size;
    st->spc = SPC_TINY;
    if (t == NULL || t->ptrdata == 0)
        return 0;
    if (!type_ok(t))
        return -1;
    if (size - 1 >= GC_MIN_SIZE_FOR_MALLOC_HEADER)
        return 0;
    uint64_t bits = heapBits_smallMask(t, size);
    if (bits == 0) /* a pointer map without pointers: the general path */
        return 0;
    unsigned sc = size_to_class(size);
    unsigned nw = gc_class_to_size[sc] / GC_PTR_SIZE;
    st->bits = bits;
    st->mask = ~(uint64_t)0 >> (64 - nw);
    if ((nw & (nw - 1)) == 0) { /* 1, 2, 4 ... 64 words: whole slots per bitmap word */
        st->tile = bits;
        for (unsigned k = nw; k < 64; k *= 2)
            st->tile |= st->tile << k;
    }
    st->spill = (uint8_t)(64 - nw);
    st->spc = spanclass_make(sc, 0);
    return 1;
}

static __attribute__((noinline)) void *siteRefill(gc_p *p, const gc_site *st);

/* The small scan path with heap bits in the span, for a described site:
 * what both gc_malloc_site and gc_mallocgc's scan front come to, and what
 * a host inlines (alloc.h: gc_window_take does the slot, its bits and its
 * zeroing). Every exit other than the plain return is a tail call, so it
 * needs no stack frame. */
static ALWAYS_INLINE void *siteAlloc(gc_p *p, const gc_site *st)
{
    mspan *s = p->alloc[st->spc];
    uint64_t c = s->allocCache;
    if (UNLIKELY(c == 0))
        return siteRefill(p, st);
    return gc_window_take(&s->window, c, st);
}

/* Write the site's bits into every slot of the window (whole slots per
 * bitmap word: st->tile), so that each allocation in it can skip its own
 * write while the bits match. Free slots' bits are never read (only marked
 * objects are scanned), so bits written ahead are harmless to whatever
 * other type takes a slot: it writes its own. */
static void prefillWindow(mspan *s, const gc_site *st)
{
    /* Atomic: mark workers read these words during a concurrent mark. */
    for (uintptr_t w = 0; w < s->elemsize / GC_PTR_SIZE; w++)
        __atomic_store_n(&s->winHeapBits[w], st->tile, __ATOMIC_RELAXED);
    s->winBits = st->bits;
}

/* The site's window is used up: move to the next window (an empty span,
 * as SPC_TINY and every slot of a debug mode, never has one) or take the
 * general path, which also serves the sites siteInit could not describe. */
static __attribute__((noinline)) void *siteRefill(gc_p *p, const gc_site *st)
{
    mspan *s = p->alloc[st->spc];
    uint64_t c = gc_span_nextWindow(s);
    if (LIKELY(c != 0)) {
        mcache_blacken(p, s);
        /* A whole window free: take the site's bits ahead. */
        if (c == ~(uint64_t)0 && st->tile)
            prefillWindow(s, st);
        return siteAlloc(p, st);
    }
    const gc_type *t = st->type && st->type->ptrdata ? st->type : NULL;
    if (t == NULL)
        return gc_mallocgc(p, st->size, NULL, true);
    void *x = mallocgcScanSlow(p, st->size, t);
    /* A fresh span's first window: if x is its only allocated slot, the
     * window takes the site's bits ahead too (x's own are the same). */
    s = p->alloc[st->spc];
    if (x && st->tile && s->allocCache && (uintptr_t)x - s->winBase < 64 * s->elemsize &&
        (s->allocCache | (uint64_t)1 << ((uintptr_t)x - s->winBase) / s->elemsize) == ~(uint64_t)0)
        prefillWindow(s, st);
    return x;
}

int gc_site_init(gc_site *site, size_t size, const gc_type *type)
{
    return siteInit(site, size, type) < 0 ? -1 : 0;
}

void *gc_malloc_site(gc_p *p, const gc_site *site) { return siteAlloc(p, site); }

/* Typed, but nothing to scan: zeroed whatever the caller's needzero
 * (always allowed), which keeps that argument off the scan path. Or a
 * header or large object: the general path, which checks t itself. */
static __attribute__((noinline)) void *mallocgcScanGeneral(gc_p *p, size_t size, const gc_type *t)
{
    if (t->ptrdata == 0)
        return gc_mallocgc(p, size, NULL, true);
    return mallocgcScanSlow(p, size, t);
}

/* A (type, size) its class's entry st does not hold yet: describe it
 * there and make it the last one. */
static __attribute__((noinline)) void *mallocgcScanNew(gc_p *p, size_t size, const gc_type *t, gc_site *st)
{
    gc_site d;
    int k = siteInit(&d, size, t);
    if (k < 0)
        return NULL;
    if (k == 0)
        return mallocgcScanGeneral(p, size, t);
    *st = d;
    p->site = st;
    return siteAlloc(p, st);
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
    return siteAlloc(p, st);
}

/* The pointerful front. A (type, size) pair equal to the previous small
 * scan allocation's was validated then and described as a site, so the
 * common repeat (a host allocating one struct type) skips type_ok, the
 * class lookup and the mask; a program that alternates between a few
 * finds each in its class's entry. */
static __attribute__((noinline)) void *mallocgcScan(gc_p *p, size_t size, const gc_type *t)
{
    const gc_site *st = p->site;
    if (UNLIKELY(t != st->type || size != st->size))
        return mallocgcScanOther(p, size, t);
    return siteAlloc(p, st);
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
    if (!noscan && !type_ok(t)) {
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
    mspan *s;
    uintptr_t idx;
    uintptr_t x = findObject(h, (uintptr_t)p, &s, &idx);
    if (!x || !span_isAllocated(s, idx))
        return NULL;
    if (!spanclass_noscan(s->spanclass) && !s->heapBits && spanclass_sizeclass(s->spanclass) != 0) {
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
