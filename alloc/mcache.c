/*
 * mcache.c: a mutator's span cache (Go's mcache.go): one span per span
 * class, the tiny block, refill from mcentral, allocLarge and releaseAll.
 * The gc_p is Go's P and its mcache in one record. Departure: the heap
 * trigger (and, during a concurrent mark, the end of the mark) is tested
 * before a refill or a large allocation, not after the object is handed
 * out, because both pauses run at the caller's safepoint and the new
 * object is not yet reachable from any root. During a mark, every window
 * a P starts allocating from is marked black here (gc_blackenWindow).
 * The window and the span a P has cached are its own, and so are its
 * counts of what it allocated (gc_p.nmalloc, Go's per-P heapStatsDelta).
 * A refill takes no heap-wide lock: its span class's mcentral lock to
 * trade spans, the heap lock inside gc_mheap_alloc when it grows, and
 * relaxed atomic adds to heapLive; the safepoint work (parking, a
 * trigger) and the allocate-black charge (which may assist) come before
 * or after, with no lock held.
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
    p->nmalloc[spanclass_sizeclass(s->spanclass)] += s->allocCount - s->allocCountBeforeCache;
    atomic_fetch_sub_explicit(&h->heapLive, (uint64_t)(s->nelems - s->allocCount) * s->elemsize,
                              memory_order_relaxed);
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
    atomic_fetch_add_explicit(&h->heapLive, (uint64_t)(s->nelems - s->allocCount) * s->elemsize,
                              memory_order_relaxed);
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
        s = gc_mcache_refill(p, spc);
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
    for (unsigned c = 0; c < GC_NUM_SIZE_CLASSES; c++)
        h->stats.nmalloc[c] += p->nmalloc[c];
    memset(p->nmalloc, 0, sizeof p->nmalloc);
    h->stats.largeAlloc += p->largeAlloc;
    h->stats.largeAllocCount += p->largeAllocCount;
    p->largeAlloc = p->largeAllocCount = 0;
}

mspan *gc_mcache_allocLarge(gc_p *p, size_t size, int noscan)
{
    gc_heap *h = p->heap;
    uintptr_t npages = (size + GC_PAGE_SIZE - 1) >> GC_PAGE_SHIFT;
    gc_maybe_trigger(p);
    gc_deductSweepCredit(h, npages * GC_PAGE_SIZE);
    uint8_t spc = spanclass_make(0, noscan);
    mspan *s = gc_mheap_alloc(h, npages, spc);
    if (!s)
        return NULL;
    s->elemsize = npages * GC_PAGE_SIZE;
    s->nelems = 1;
    s->divMul = 0;
    s->limit = s->startAddr + size;
    s->freeindex = 1; /* slot 0 taken: "allocated" is freeindex-based */
    s->allocCount = 1;
    s->allocCache = 0;
    p->largeAlloc += s->elemsize;
    p->largeAllocCount++;
    atomic_fetch_add_explicit(&h->heapLive, s->elemsize, memory_order_relaxed);
    mcentral *c = &h->central[spc];
    gc_mcentral_lock(c);
    gc_spanList_push(mcentral_fullSwept(c, h->sweepgen), s);
    gc_mcentral_unlock(c);
    if (UNLIKELY(h->gcphase == GC_MARK))
        gc_markLarge(p, s);
    return s;
}
