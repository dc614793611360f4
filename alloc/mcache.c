/*
 * mcache.c: a mutator's span cache (Go's mcache.go): one span per span
 * class, the tiny block, refill from mcentral, allocLarge and releaseAll.
 * The gc_p is Go's P and its mcache in one record. Departure: the heap
 * trigger (and, during a concurrent mark, the end of the mark) is tested
 * before a refill or a large allocation, not after the object is handed
 * out, because both pauses run at the caller's safepoint and the new
 * object is not yet reachable from any root. During a mark, every window
 * a P starts allocating from is marked black here (gc_blackenWindow).
 * The window and the span a P has cached are its own; what reaches
 * mcentral, mheap, the sweep and the shared counters runs under
 * mallocLock, with the safepoint work (parking, a trigger) and the
 * allocate-black charge (which may assist) outside it.
 */
#include "alloc/internal.h"

/* Count the objects the span handed out while cached, and undo the
 * heapLive overestimate made by refill. During a mark the window's free
 * slots were marked black when the P took it: unmark them. */
static void uncacheAccount(gc_p *p, gc_heap *h, mspan *s)
{
    if (h->gcphase == GC_MARK)
        gc_unblackenWindow(p, s);
    gc_span_commitCache(s);
    s->allocCount = (uint16_t)gc_span_countAlloc(s);
    h->stats.nmalloc[spanclass_sizeclass(s->spanclass)] += s->allocCount - s->allocCountBeforeCache;
    h->heapLive -= (uint64_t)(s->nelems - s->allocCount) * s->elemsize;
}

mspan *gc_mcache_refill(gc_p *p, uint8_t spc)
{
    gc_heap *h = p->heap;
    mspan *s = p->alloc[spc];
    if (s != &h->emptyspan) {
        uncacheAccount(p, h, s);
        gc_mcentral_uncacheSpan(h, &h->central[spc], s);
    }
    mcache_setSpan(p, spc, &h->emptyspan);
    s = gc_mcentral_cacheSpan(h, &h->central[spc]);
    if (!s)
        return NULL;
    /* sg+3: swept and cached; a cycle turns it into sg+1, "cached before
     * the sweep phase began" (see gc_mcentral_uncacheSpan). */
    s->sweepgen = h->sweepgen + 3;
    /* Assume the whole span will be used (Go's refill does the same). */
    h->heapLive += (uint64_t)(s->nelems - s->allocCount) * s->elemsize;
    mcache_setSpan(p, spc, s);
    return s;
}

uintptr_t gc_mcache_nextFree(gc_p *p, uint8_t spc, mspan **sp)
{
    mcache_pollPark(p);
    mspan *s = p->alloc[spc];
    uint32_t w = s->freeindex;
    uint32_t idx = gc_span_nextFreeIndex(s);
    if (idx >= s->nelems) {
        gc_maybe_trigger(p);
        gc_malloc_lock(p->heap);
        s = gc_mcache_refill(p, spc);
        gc_malloc_unlock(p->heap);
        if (!s)
            return 0;
        w = ~(uint32_t)0; /* a new span: blacken its first window */
        gc_span_nextFreeIndex(s);
    }
    if (s->freeindex != w) /* a new window */
        mcache_blacken(p, s);
    *sp = s;
    uintptr_t x = nextFreeFast(s);
    /* Under ASan every slot comes from here (gc_p.slow keeps the mcache
     * empty): the one place a free slot becomes addressable. */
    asan_unpoison(x, s->elemsize);
    return x;
}

void gc_mcache_uncacheAll(gc_p *p)
{
    gc_heap *h = p->heap;
    for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++) {
        mspan *s = p->alloc[spc];
        if (s != &h->emptyspan) {
            uncacheAccount(p, h, s);
            gc_mcentral_uncacheSpan(h, &h->central[spc], s);
            mcache_setSpan(p, spc, &h->emptyspan);
        }
    }
}

void gc_mcache_releaseAll(gc_p *p)
{
    gc_heap *h = p->heap;
    gc_mcache_uncacheAll(p);
    p->tiny = 0;
    p->tinyoffset = 0;
    h->stats.tinyAllocs += p->tinyAllocs;
    p->tinyAllocs = 0;
}

mspan *gc_mcache_allocLarge(gc_p *p, size_t size, int noscan)
{
    gc_heap *h = p->heap;
    uintptr_t npages = (size + GC_PAGE_SIZE - 1) >> GC_PAGE_SHIFT;
    gc_maybe_trigger(p);
    gc_malloc_lock(h);
    gc_deductSweepCredit(h, npages * GC_PAGE_SIZE);
    uint8_t spc = spanclass_make(0, noscan);
    mspan *s = gc_mheap_alloc(h, npages, spc);
    if (!s) {
        gc_malloc_unlock(h);
        return NULL;
    }
    s->elemsize = npages * GC_PAGE_SIZE;
    s->nelems = 1;
    s->divMul = 0;
    s->limit = s->startAddr + size;
    s->freeindex = 1; /* slot 0 taken: "allocated" is freeindex-based */
    s->allocCount = 1;
    s->allocCache = 0;
    h->stats.largeAlloc += s->elemsize;
    h->stats.largeAllocCount++;
    h->heapLive += s->elemsize;
    mcentral *c = &h->central[spc];
    gc_mcentral_lock(c);
    gc_spanList_push(mcentral_fullSwept(c, h->sweepgen), s);
    gc_mcentral_unlock(c);
    gc_malloc_unlock(h);
    if (UNLIKELY(h->gcphase == GC_MARK))
        gc_markLarge(p, s);
    return s;
}
