/*
 * msite.c: allocation sites (alloc.h's gc_site): a (size, type) pair
 * described once, so that gc_malloc_site starts at the span with the
 * object's heap bits worked out, as the mallocs Go's compiler specialises
 * per size class (malloc_generated.go) start past mallocgc's dispatch.
 * gc_siteInit describes a pair (gc_mallocgc's scan front keeps its own
 * last pairs as sites too, malloc.c); gc_siteAlloc, the path itself, is
 * in internal.h, inlined here and in malloc.c, and a host inlines the
 * same slot taking (alloc.h's gc_malloc_site_inline); gc_siteRefill moves
 * to the next window, taking the site's heap bits ahead into a whole free
 * one, or falls back to gc_mallocgc's general path.
 * Departure: Go generates one function per size class; here one path
 * reads the class and bits from the site.
 */
#include "alloc/internal.h"

/* Describe (size, t) as a site. Returns 1 when its objects take the heap
 * bits path (what gc_siteAlloc serves), 0 when they take another path (the
 * site then points at the always empty SPC_TINY slot, whose refill sends
 * it to gc_mallocgc), -1 for a type gc_mallocgc refuses. */
int gc_siteInit(gc_site *st, size_t size, const gc_type *t)
{
    memset(st, 0, sizeof *st);
    st->type = t;
    st->size = size;
    st->spc = SPC_TINY;
    if (t == NULL || t->ptrdata == 0)
        return 0;
    if (!gc_type_ok(t))
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
 * general path, which also serves the sites gc_siteInit could not describe. */
void *gc_siteRefill(gc_p *p, const gc_site *st)
{
    mcache_pollPark(p);
    mspan *s = p->alloc[st->spc];
    uint64_t c = gc_span_nextWindow(s);
    if (LIKELY(c != 0)) {
        mcache_blacken(p, s);
        /* A whole window free: take the site's bits ahead. */
        if (c == ~(uint64_t)0 && st->tile)
            prefillWindow(s, st);
        return gc_siteAlloc(p, st);
    }
    const gc_type *t = st->type && st->type->ptrdata ? st->type : NULL;
    if (t == NULL)
        return gc_mallocgc(p, st->size, NULL, true);
    void *x = gc_mallocgcScanSlow(p, st->size, t);
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
    return gc_siteInit(site, size, type) < 0 ? -1 : 0;
}

void *gc_malloc_site(gc_p *p, const gc_site *site) { return gc_siteAlloc(p, site); }
