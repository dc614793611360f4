/*
 * mheap.c: the page heap, as Go's mheap.go (arenas, span lookup, allocSpan,
 * freeSpan, grow). The scavenger is mgcscavenge.c.
 *
 * Address space comes in regions of whole 64 MiB arenas, reserved PROT_NONE
 * and made ready (committed) 4 MiB at a time as the heap grows. Each arena
 * has a heapArena record whose spans[] maps each 8 KiB page to its mspan;
 * the arena records hang off a two-level map keyed by arena index that
 * belongs to the heap (no process-wide table), so spanOf is two loads and
 * an index whatever the heap size, and two heaps never see each other.
 *
 * Free pages are the page allocator's (mpagealloc.c, Go's radix tree of
 * bitmap summaries with a scavenged bit per page): a span takes the lowest
 * run that fits and gives its pages back when freed; released and dirty
 * pages merge like any free pages, and a span needs zeroing unless all its
 * pages were released (they read as zero; fresh pages count as released).
 * Go decides that from each arena's zeroedBase instead, and zeroes
 * released pages again. Free pages keep no mspan: their spans[] entries
 * are stale and spanOfHeap rejects them.
 *
 * Running out (a departure: Go throws): when the heap cannot grow, because
 * the OS said no or because growing would pass opts.hard_limit, and no
 * collection is running, gc_mheap_alloc runs a full collection and looks
 * for a fitting run once more before it returns NULL (Lua's emergency GC).
 * It does not ask the OS again: a failed request is the answer for this
 * allocation. Under ASan, free pages are poisoned and a span's pages are
 * unpoisoned when it is allocated.
 *
 * A span's allocBits and gcmarkBits are one block sized to its slots
 * (bitsClassOf), taken with the span and given back when it is freed; Go
 * allocates them from gcBits arenas and frees whole arenas two cycles on.
 */
#include <sched.h>

#include "alloc/internal.h"

#define PAGE ((uintptr_t)GC_PAGE_SIZE)

/* The heap lock: the page allocator, heap_sys and heap_released, the
 * span records and reclaim's cursor. Taken by a P's slow path, by the
 * sweepers, in a pause by the collector, and by the background scavenger
 * (mgcscavenge.c); an mcentral lock may be taken under it, never the
 * other way round. */
void gc_mheap_lock(gc_heap *h) { pthread_mutex_lock(&h->lock); }
void gc_mheap_unlock(gc_heap *h) { pthread_mutex_unlock(&h->lock); }
#define heap_lock gc_mheap_lock
#define heap_unlock gc_mheap_unlock

/* arenaOf, spanOf, spanOfHeap and findObject are in internal.h: the marker
 * inlines them. */

static void setSpans(gc_heap *h, uintptr_t base, uintptr_t npages, mspan *s)
{
    for (uintptr_t i = 0; i < npages; i++) {
        uintptr_t p = base + i * PAGE;
        heapArena *ha = arenaOf(h, p);
        ha->spans[(p >> GC_PAGE_SHIFT) & (PAGES_PER_ARENA - 1)] = s;
    }
}

/* Go's pageInUse: the bit of the span starting at base (heap lock held). */
static void pageBit(gc_heap *h, uintptr_t base, int on)
{
    heapArena *ha = arenaOf(h, base);
    uintptr_t pg = (base >> GC_PAGE_SHIFT) & (PAGES_PER_ARENA - 1);
    uint64_t bit = (uint64_t)1 << (pg % 64);
    if (on)
        ha->pageInUse[pg / 64] |= bit;
    else
        ha->pageInUse[pg / 64] &= ~bit;
}

/* At a mark's start (no marker runs): every arena's pageMarks cleared,
 * a bit per page (Go's gcResetMarkState). Only the arenas a region has
 * committed: no span ever began past them, and touching their records
 * would fault them in, in the pause. */
void gc_mheap_clearPageMarks(gc_heap *h)
{
    for (arenaRegion *r = h->regions; r; r = r->next)
        for (uintptr_t a = r->base; a < r->base + r->committed; a += ARENA_BYTES)
            memset(arenaOf(h, a)->pageMarks, 0, sizeof arenaOf(h, a)->pageMarks);
}

/* ---- growing ---- */

static arenaRegion *newRegion(gc_heap *h, size_t bytes)
{
    size_t size = (bytes + ARENA_BYTES - 1) & ~(ARENA_BYTES - 1);
    void *base = gc_sys_reserve(h, size, ARENA_BYTES);
    if (!base)
        return NULL;
    uintptr_t b = (uintptr_t)base;
    if ((b + size - 1) >> HEAP_ADDR_BITS) {
        gc_sys_free(base, size);
        return NULL;
    }
    arenaRegion *r = gc_fixalloc_alloc(&h->regionalloc);
    if (!r) {
        gc_sys_free(base, size);
        return NULL;
    }
    r->base = b;
    r->size = size;
    for (uintptr_t a = b; a < b + size; a += ARENA_BYTES) {
        uintptr_t ai = a >> ARENA_SHIFT;
        heapArena ***l2 = &h->arenas[ai >> ARENA_L2_BITS];
        if (!*l2) {
            *l2 = gc_sys_alloc(h, sizeof(heapArena *) << ARENA_L2_BITS);
            if (!*l2)
                goto fail;
            h->meta_sys += sizeof(heapArena *) << ARENA_L2_BITS;
        }
        heapArena *ha = gc_sys_alloc(h, sizeof(heapArena));
        if (!ha)
            goto fail;
        h->meta_sys += sizeof(heapArena);
        ha->region = r;
        (*l2)[ai & ((1u << ARENA_L2_BITS) - 1)] = ha;
    }
    if (gc_pageAlloc_reserve(&h->pages, b, size) != 0)
        goto fail;
    r->next = h->regions;
    h->regions = r;
    return r;
fail:
    for (uintptr_t a = b; a < b + size; a += ARENA_BYTES) {
        uintptr_t ai = a >> ARENA_SHIFT;
        heapArena **l2 = h->arenas[ai >> ARENA_L2_BITS];
        if (l2 && l2[ai & ((1u << ARENA_L2_BITS) - 1)]) {
            gc_sys_free(l2[ai & ((1u << ARENA_L2_BITS) - 1)], sizeof(heapArena));
            h->meta_sys -= sizeof(heapArena);
            l2[ai & ((1u << ARENA_L2_BITS) - 1)] = NULL;
        }
    }
    gc_sys_free(base, size);
    gc_fixalloc_free(&h->regionalloc, r);
    return NULL;
}

/* Commit bytes at r's watermark: fresh free pages, released (they read as zero). */
static int commit(gc_heap *h, arenaRegion *r, size_t bytes)
{
    uintptr_t p = r->base + r->committed;
    if (gc_sys_map(h, (void *)p, bytes) != 0)
        return -1;
    r->committed += bytes;
    h->stats.heap_sys += bytes;
    asan_poison(p, bytes);
    h->stats.heap_released += bytes; /* Go counts fresh memory as released too */
    gc_pageAlloc_grow(&h->pages, p, bytes / PAGE);
    return 0;
}

/* Bytes the heap may still commit under the hard limit. */
static size_t growAllowance(const gc_heap *h)
{
    if (h->opts.hard_limit <= 0)
        return SIZE_MAX;
    uint64_t lim = (uint64_t)h->opts.hard_limit;
    return h->stats.heap_sys >= lim ? 0 : (size_t)((lim - h->stats.heap_sys) & ~(PAGE - 1));
}

static int grow(gc_heap *h, uintptr_t npages)
{
    size_t need = npages * PAGE;
    size_t ask = (need + CHUNK_PAGES * PAGE - 1) & ~(CHUNK_PAGES * PAGE - 1);
    size_t allow = growAllowance(h);
    if (need > allow)
        return -1;
    if (ask > allow)
        ask = allow;
    arenaRegion *r = h->regions;
    if (r && r->size - r->committed >= need) {
        if (ask > r->size - r->committed)
            ask = r->size - r->committed;
        return commit(h, r, ask);
    }
    /* Use up the current region's tail first so no reservation is wasted
     * (unless the hard limit leaves no room for both). */
    if (r && r->size > r->committed && r->size - r->committed + need <= allow) {
        if (commit(h, r, r->size - r->committed) != 0)
            return -1;
        allow = growAllowance(h);
        if (ask > allow)
            ask = allow;
    }
    r = newRegion(h, need);
    if (!r)
        return -1;
    if (ask > r->size)
        ask = r->size;
    return commit(h, r, ask);
}

/* ---- spans ---- */

/* Which bitsalloc block a span gets: one bit per slot (a large object is
 * one slot) in whole words, k + 1 words each for class k. Go sizes its
 * gcBits to the byte, from arenas freed two cycles later; a free list per
 * word count keeps the reuse simple. */
static unsigned bitsClassOf(uintptr_t npages, uint8_t spanclass)
{
    unsigned sc = spanclass_sizeclass(spanclass);
    uintptr_t nelems = sc == 0 ? 1 : npages * PAGE / gc_class_to_size[sc];
    uintptr_t words = (nelems + 63) / 64;
    return words <= SPAN_BITS_CLASSES ? (unsigned)words - 1 : SPAN_BITS_CLASSES - 1;
}

mspan *gc_mheap_alloc(gc_heap *h, uintptr_t npages, uint8_t spanclass)
{
    if (npages == 0 || npages > GC_MAX_ALLOC / PAGE)
        return NULL;
    /* Sweep (and so free) at least npages first while a sweep is pending
     * (Go's mheap.reclaim), so the heap reuses before it grows. */
    if (!isSweepDone(h))
        gc_mheap_reclaim(h, npages);
    heap_lock(h);
    /* The records first, so that pages once found are never given back. */
    unsigned bk = bitsClassOf(npages, spanclass);
    mspan *s = gc_fixalloc_alloc(&h->spanalloc);
    uint64_t *bits = s ? gc_fixalloc_alloc(&h->bitsalloc[bk]) : NULL;
    if (!bits) {
        if (s)
            gc_fixalloc_free(&h->spanalloc, s);
        heap_unlock(h);
        return NULL;
    }
    uintptr_t scav;
    uintptr_t base = gc_pageAlloc_alloc(&h->pages, npages, &scav);
    if (!base) {
        uint64_t sys0 = h->stats.heap_sys;
        if (grow(h, npages) == 0) {
            base = gc_pageAlloc_alloc(&h->pages, npages, &scav);
            gc_scavenge_onGrow(h, h->stats.heap_sys - sys0);
        }
    }
    if (!base && !h->gc_running) {
        /* Out of memory: collect everything and look again. The caller
         * holds no other lock: the other Ps must reach a safepoint. */
        heap_unlock(h);
        gc_collect(h);
        heap_lock(h);
        base = gc_pageAlloc_alloc(&h->pages, npages, &scav);
    }
    if (!base) {
        gc_fixalloc_free(&h->bitsalloc[bk], bits);
        gc_fixalloc_free(&h->spanalloc, s);
        heap_unlock(h);
        return NULL;
    }
    h->stats.heap_released -= scav * PAGE;
    s->startAddr = base;
    s->npages = (uint32_t)npages;
    s->needzero = scav < npages; /* released pages read as zero, the others may not */
    s->spanclass = spanclass;
    s->sweepgen = h->sweepgen;
    s->bitsClass = (uint8_t)bk;
    s->allocBits = bits;
    s->gcmarkBits = bits + span_bitsWords(s);
    s->limit = base + npages * PAGE;
    /* Release: whoever finds the span through spans[] and reads its state
     * with acquire (spanOfHeap) sees it whole. */
    __atomic_store_n(&s->state, MSPAN_INUSE, __ATOMIC_RELEASE);
    setSpans(h, base, npages, s);
    pageBit(h, base, 1);
    h->stats.heap_inuse += npages * PAGE;
    h->stats.spans_inuse++;
    asan_unpoison(base, npages * PAGE);
    heap_unlock(h);
    return s;
}

void gc_mheap_freeSpan(gc_heap *h, mspan *s)
{
    heap_lock(h);
    h->stats.heap_inuse -= s->npages * PAGE;
    h->stats.spans_inuse--;
    uintptr_t base = s->startAddr, npages = s->npages;
    pageBit(h, base, 0);
    asan_poison(base, npages * PAGE);
    gc_fixalloc_free(&h->bitsalloc[s->bitsClass], s->allocBits < s->gcmarkBits ? s->allocBits : s->gcmarkBits);
    /* The record is recycled: spans[] still names it on these pages, and
     * its dead state keeps spanOfHeap from taking it for a span. */
    memset(s, 0, sizeof *s);
    gc_fixalloc_free(&h->spanalloc, s);
    gc_pageAlloc_free(&h->pages, base, npages, h->stats.num_gc);
    heap_unlock(h);
}

void gc_span_walk(gc_heap *h, gc_span_fn fn, void *ud)
{
    /* With the background sweeper idle (it rewrites spans) and under the
     * heap lock (the background scavenger changes scavenged bits). */
    gc_bgsweep_wait(h);
    heap_lock(h);
    for (arenaRegion *r = h->regions; r; r = r->next) {
        uintptr_t p = r->base, end = r->base + r->committed;
        while (p < end) {
            gc_span_info si;
            memset(&si, 0, sizeof si);
            int scav;
            uintptr_t n = gc_pageAlloc_freeRun(&h->pages, p, end, &scav);
            if (n) {
                /* Free pages, reported as runs of one scavenged state. */
                si.base = p;
                si.npages = n;
                si.free = true;
                si.released = scav;
                fn(&si, ud);
                p += n * PAGE;
                continue;
            }
            if (h->scavTakenPages && p >= h->scavTakenBase && p < h->scavTakenBase + h->scavTakenPages * PAGE) {
                /* Being released by the scavenger: free. */
                si.base = p;
                si.npages = (h->scavTakenBase + h->scavTakenPages * PAGE - p) / PAGE;
                si.free = true;
                si.released = 1;
                fn(&si, ud);
                p += si.npages * PAGE;
                continue;
            }
            mspan *s = spanOf(h, p);
            if (s->startAddr < r->base) {
                /* Begun in the region just below, which reports it. */
                p = s->startAddr + s->npages * PAGE;
                continue;
            }
            si.base = s->startAddr;
            si.npages = s->npages;
            si.noscan = spanclass_noscan(s->spanclass);
            si.size_class = spanclass_sizeclass(s->spanclass);
            si.elem_size = s->elemsize;
            si.nelems = s->nelems;
            for (uintptr_t i = 0; i < s->nelems; i++)
                si.nalloc += (unsigned)span_isAllocated(s, i);
            /* sweepgen - 2: needs sweeping; + 1: cached before it was swept. */
            si.unswept = s->sweepgen == h->sweepgen - 2 || s->sweepgen == h->sweepgen + 1;
            if (si.unswept)
                si.nmarked = gc_span_countMarked(s);
            fn(&si, ud);
            p = s->startAddr + s->npages * PAGE;
        }
    }
    heap_unlock(h);
}

int gc_mheap_init(gc_heap *h)
{
    gc_fixalloc_init(&h->spanalloc, h, sizeof(mspan));
    gc_fixalloc_init(&h->regionalloc, h, sizeof(arenaRegion));
    for (unsigned k = 0; k < SPAN_BITS_CLASSES; k++)
        gc_fixalloc_init(&h->bitsalloc[k], h, 2 * sizeof(uint64_t) * (k + 1));
    gc_pageAlloc_init(&h->pages, h);
    gc_lock_init(&h->lock);
    return 0;
}

void gc_mheap_destroy(gc_heap *h)
{
    for (arenaRegion *r = h->regions; r; r = r->next) {
        /* ASan's shadow outlives the mapping: leave none of our poison for
         * whoever maps these addresses next. */
        asan_unpoison(r->base, r->committed);
        gc_sys_free((void *)r->base, r->size);
    }
    for (size_t i = 0; i < (1u << ARENA_L1_BITS); i++) {
        heapArena **l2 = h->arenas[i];
        if (!l2)
            continue;
        for (size_t j = 0; j < (1u << ARENA_L2_BITS); j++) {
            if (l2[j]) {
                gc_sys_free(l2[j]->checkmarks, CHECKMARK_BYTES);
                gc_sys_free(l2[j], sizeof(heapArena));
            }
        }
        gc_sys_free(l2, sizeof(heapArena *) << ARENA_L2_BITS);
        h->arenas[i] = NULL;
    }
    h->regions = NULL;
    gc_pageAlloc_destroy(&h->pages);
    gc_fixalloc_destroy(&h->spanalloc);
    gc_fixalloc_destroy(&h->regionalloc);
    for (unsigned k = 0; k < SPAN_BITS_CLASSES; k++)
        gc_fixalloc_destroy(&h->bitsalloc[k]);
    pthread_mutex_destroy(&h->lock);
}

uint64_t gc_mheap_metaSys(const gc_heap *h)
{
    uint64_t n = h->meta_sys + h->pages.sys + h->spanalloc.sys + h->regionalloc.sys;
    for (unsigned k = 0; k < SPAN_BITS_CLASSES; k++)
        n += h->bitsalloc[k].sys;
    return n;
}
