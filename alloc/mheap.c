/*
 * mheap.c: the page heap, as Go's mheap.go (arenas, span lookup, allocSpan,
 * freeSpan, grow) with the page allocator of mpagealloc.go replaced.
 *
 * Address space comes in regions of whole 64 MiB arenas, reserved PROT_NONE
 * and made ready (committed) 4 MiB at a time as the heap grows. Each arena
 * has a heapArena record whose spans[] maps each 8 KiB page to its mspan;
 * the arena records hang off a two-level map keyed by arena index that
 * belongs to the heap (no process-wide table), so spanOf is two loads and
 * an index whatever the heap size, and two heaps never see each other.
 *
 * Page allocator (departure from Go's radix tree of bitmap summaries): free
 * pages are kept as maximal runs, each described by an mspan in state
 * MSPAN_FREE whose first and last page point at it in spans[]. Runs of
 * 1..127 pages sit on exact-size lists with a bitmap of non-empty lists, so
 * a request finds the smallest fitting run with a couple of ctz; runs of
 * >= 128 pages (at least 1 MiB, so few) sit on one list searched best-fit.
 * Freeing looks at the pages on either side in spans[] and coalesces in
 * O(1). Nothing ever scans the heap's pages to allocate. Runs remember when
 * they were freed (for the scavenger), whether they were returned to the OS
 * (scavenged: reads as zero) and whether they are dirty (needzero); only
 * runs in the same scavenged state coalesce eagerly so fresh memory stays
 * known-zero; when such a merge was skipped and no run fits, one pass
 * merges every adjacent pair before the heap grows.
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
#include "alloc/internal.h"

#define PAGE ((uintptr_t)GC_PAGE_SIZE)

static void heap_lock(gc_heap *h)
{
    while (atomic_flag_test_and_set_explicit(&h->lock, memory_order_acquire))
        ;
}
static void heap_unlock(gc_heap *h) { atomic_flag_clear_explicit(&h->lock, memory_order_release); }

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

static void setSpanEnds(gc_heap *h, mspan *s)
{
    setSpans(h, s->startAddr, 1, s);
    if (s->npages > 1)
        setSpans(h, s->startAddr + (s->npages - 1) * PAGE, 1, s);
}

/* ---- free runs ---- */

static mspan **freeHead(gc_heap *h, uintptr_t npages)
{
    return npages < FREE_LISTS ? &h->freelist[npages] : &h->freelarge;
}

static void freeInsert(gc_heap *h, mspan *s)
{
    mspan **head = freeHead(h, s->npages);
    s->state = MSPAN_FREE;
    s->list = LIST_FREE;
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
    if (s->npages < FREE_LISTS)
        h->freemask[s->npages / 64] |= (uint64_t)1 << (s->npages % 64);
    h->freePages += s->npages;
    setSpanEnds(h, s);
}

static void freeRemove(gc_heap *h, mspan *s)
{
    mspan **head = freeHead(h, s->npages);
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
    s->list = LIST_NONE;
    h->freePages -= s->npages;
    if (s->npages < FREE_LISTS && !*head)
        h->freemask[s->npages / 64] &= ~((uint64_t)1 << (s->npages % 64));
}

static mspan *freeFind(gc_heap *h, uintptr_t npages)
{
    if (npages < FREE_LISTS) {
        for (uintptr_t w = npages / 64; w < FREE_LISTS / 64; w++) {
            uint64_t m = h->freemask[w];
            if (w == npages / 64)
                m &= ~(uint64_t)0 << (npages % 64);
            if (m)
                return h->freelist[w * 64 + (uintptr_t)__builtin_ctzll(m)];
        }
    }
    mspan *best = NULL;
    for (mspan *s = h->freelarge; s; s = s->next)
        if (s->npages >= npages &&
            (!best || s->npages < best->npages ||
             (s->npages == best->npages && s->startAddr < best->startAddr)))
            best = s;
    return best;
}

static arenaRegion *regionOf(gc_heap *h, uintptr_t p)
{
    heapArena *ha = arenaOf(h, p);
    return ha ? ha->region : NULL;
}

/* Merge free run b (just after a) into a; both are off the lists. */
static void absorb(gc_heap *h, mspan *a, mspan *b)
{
    if (a->scavenged != b->scavenged) {
        /* The merged run counts as not returned: the returned part will be
         * released again by a later scavenge if it stays idle. */
        if (a->scavenged)
            h->stats.heap_released -= a->npages * PAGE;
        if (b->scavenged)
            h->stats.heap_released -= b->npages * PAGE;
        a->scavenged = 0;
    }
    a->needzero |= b->needzero;
    if (b->freegen > a->freegen)
        a->freegen = b->freegen;
    a->npages += b->npages;
    gc_fixalloc_free(&h->spanalloc, b);
}

/* The free run just before/after s if it is free and (unless force) in the same state. */
static mspan *neighbour(gc_heap *h, mspan *s, int after, int force)
{
    arenaRegion *r = regionOf(h, s->startAddr);
    uintptr_t p;
    if (after) {
        p = s->startAddr + s->npages * PAGE;
        if (p >= r->base + r->committed)
            return NULL;
    } else {
        if (s->startAddr == r->base)
            return NULL;
        p = s->startAddr - PAGE;
    }
    mspan *n = spanOf(h, p);
    if (!n || n->state != MSPAN_FREE || n == s)
        return NULL;
    if (after ? n->startAddr != p : n->startAddr + n->npages * PAGE != s->startAddr)
        return NULL;
    if (!force && n->scavenged != s->scavenged) {
        h->mergeDeferred = 1;
        return NULL;
    }
    return n;
}

/* Insert free run s, coalescing with its neighbours. */
static void freeCoalesce(gc_heap *h, mspan *s, int force)
{
    mspan *b = neighbour(h, s, 0, force);
    if (b) {
        freeRemove(h, b);
        b->freegen = b->freegen > s->freegen ? b->freegen : s->freegen;
        absorb(h, b, s);
        s = b;
    }
    mspan *a = neighbour(h, s, 1, force);
    if (a) {
        freeRemove(h, a);
        absorb(h, s, a);
    }
    freeInsert(h, s);
}

/* Merge every pair of adjacent free runs, whatever their state (before growing). */
static void coalesceAll(gc_heap *h)
{
    for (arenaRegion *r = h->regions; r; r = r->next) {
        uintptr_t p = r->base, end = r->base + r->committed;
        while (p < end) {
            mspan *s = spanOf(h, p);
            if (s->state == MSPAN_FREE) {
                mspan *a;
                while ((a = neighbour(h, s, 1, 1)) != NULL) {
                    freeRemove(h, s);
                    freeRemove(h, a);
                    absorb(h, s, a);
                    freeInsert(h, s);
                }
            }
            p = s->startAddr + s->npages * PAGE;
        }
    }
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

/* Commit bytes at r's watermark and add them as a fresh (zero) free run. */
static int commit(gc_heap *h, arenaRegion *r, size_t bytes)
{
    uintptr_t p = r->base + r->committed;
    if (gc_sys_map(h, (void *)p, bytes) != 0)
        return -1;
    mspan *s = gc_fixalloc_alloc(&h->spanalloc);
    if (!s)
        return -1;
    r->committed += bytes;
    h->stats.heap_sys += bytes;
    asan_poison(p, bytes);
    h->stats.heap_released += bytes; /* Go counts fresh memory as released too */
    s->startAddr = p;
    s->npages = bytes / PAGE;
    s->scavenged = 1;
    s->needzero = 0;
    s->freegen = h->stats.num_gc;
    freeCoalesce(h, s, 0);
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

/* Which bitsalloc block a span gets: enough words for one bit per slot
 * (a large object is one slot), rounded up to a power of two. Go sizes
 * its gcBits exactly, from arenas freed two cycles later; fixed-size
 * free lists keep the reuse simple, and the rounding costs little (a
 * 16-byte class span, 512 slots, takes 128 bytes for both arrays, where a
 * pair sized for 1024 slots took 256). */
static unsigned bitsClassOf(uintptr_t npages, uint8_t spanclass)
{
    unsigned sc = spanclass_sizeclass(spanclass);
    uintptr_t nelems = sc == 0 ? 1 : npages * PAGE / gc_class_to_size[sc];
    unsigned k = 0;
    while (((uintptr_t)64 << k) < nelems && k + 1 < SPAN_BITS_CLASSES)
        k++;
    return k;
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
    mspan *s = freeFind(h, npages);
    if (!s && h->mergeDeferred && h->freePages >= npages) {
        /* Only worth a walk over the heap when runs were left unmerged
         * and there are enough free pages that merging might help. */
        coalesceAll(h);
        h->mergeDeferred = 0;
        s = freeFind(h, npages);
    }
    if (!s && grow(h, npages) == 0)
        s = freeFind(h, npages);
    if (!s && !h->gc_running) {
        /* Out of memory: collect everything and look again. */
        heap_unlock(h);
        gc_collect(h);
        heap_lock(h);
        coalesceAll(h);
        h->mergeDeferred = 0;
        s = freeFind(h, npages);
    }
    unsigned bk = bitsClassOf(npages, spanclass);
    uint64_t *bits = s ? gc_fixalloc_alloc(&h->bitsalloc[bk]) : NULL;
    if (!bits) {
        heap_unlock(h);
        return NULL;
    }
    freeRemove(h, s);
    if (s->npages > npages) {
        mspan *t = gc_fixalloc_alloc(&h->spanalloc);
        if (!t) {
            freeInsert(h, s);
            gc_fixalloc_free(&h->bitsalloc[bk], bits);
            heap_unlock(h);
            return NULL;
        }
        t->startAddr = s->startAddr + npages * PAGE;
        t->npages = s->npages - npages;
        t->scavenged = s->scavenged;
        t->needzero = s->needzero;
        t->freegen = s->freegen;
        freeInsert(h, t);
        s->npages = npages;
    }
    if (s->scavenged)
        h->stats.heap_released -= npages * PAGE;
    uint8_t needzero = s->needzero;
    uintptr_t base = s->startAddr;
    /* A fresh record: the free run's fields must not leak into the span. */
    memset(s, 0, sizeof *s);
    s->startAddr = base;
    s->npages = npages;
    s->needzero = needzero;
    s->spanclass = spanclass;
    s->sweepgen = h->sweepgen;
    s->bitsClass = (uint8_t)bk;
    s->allocBits = bits;
    s->gcmarkBits = bits + span_bitsWords(s);
    s->limit = base + npages * PAGE;
    s->state = MSPAN_INUSE;
    setSpans(h, base, npages, s);
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
    asan_poison(base, npages * PAGE);
    gc_fixalloc_free(&h->bitsalloc[s->bitsClass], s->allocBits < s->gcmarkBits ? s->allocBits : s->gcmarkBits);
    memset(s, 0, sizeof *s);
    s->startAddr = base;
    s->npages = npages;
    s->needzero = 1;
    s->freegen = h->stats.num_gc;
    freeCoalesce(h, s, 0);
    heap_unlock(h);
}

/*
 * The scavenger (Go's mgcscavenge.go, run at the end of each cycle instead
 * of by a background goroutine). Idle free runs (freed before the previous
 * cycle) go back to the OS:
 *  - all (past 95% of the memory limit): every free run, now;
 *  - no heap goal (gc_percent < 0, no limit): every idle run (Go would keep
 *    them all; a heap with no goal is one whose size nobody steers);
 *  - otherwise as Go's background scavenger: only while the retained heap
 *    (heap_sys - heap_released) is above 110% of the heap goal
 *    (gcPercentGoal, retainExtraPercent = 10), so memory the next cycle
 *    fills again stays mapped and is not faulted in twice; and within
 *    Go's CPU budget (scavengePercent = 1: 1% of the time since the last
 *    cycle, at least one piece). Whole aligned 2 MiB pieces are cut out of
 *    large idle runs first, as Go 1.21's huge-page-aware scavenger prefers:
 *    MADV_DONTNEED of part of a transparent huge page splits it, and cost
 *    about 2 ms per MiB here (a 34 MiB release added 68 ms to a
 *    binary-trees pause), against about 0.1 ms per MiB for whole ones.
 *    Smaller idle runs go after, if the budget allows.
 * Returns the bytes released.
 */
enum { HUGE_PAGES = (2 << 20) / GC_PAGE_SIZE };

static void releaseRun(gc_heap *h, mspan *s)
{
    gc_sys_unused((void *)s->startAddr, s->npages * PAGE);
    s->scavenged = 1;
    s->needzero = 0;
    h->stats.heap_released += s->npages * PAGE;
}

static int idleRun(const gc_heap *h, const mspan *s)
{
    return !s->scavenged && s->freegen + 2 <= h->stats.num_gc;
}

/* Split free run s (on a list) so that [base, base + n pages) is a run of
 * its own, and return it; the pieces before and after stay free runs in
 * s's state. NULL (s untouched) when no mspan record can be had. */
static mspan *cutRun(gc_heap *h, mspan *s, uintptr_t base, uintptr_t n)
{
    uintptr_t end = s->startAddr + s->npages * PAGE;
    mspan *head = NULL, *tail = NULL;
    if (base > s->startAddr && !(head = gc_fixalloc_alloc(&h->spanalloc)))
        return NULL;
    if (base + n * PAGE < end && !(tail = gc_fixalloc_alloc(&h->spanalloc))) {
        if (head)
            gc_fixalloc_free(&h->spanalloc, head);
        return NULL;
    }
    freeRemove(h, s);
    mspan *pieces[2] = {head, tail};
    uintptr_t from[2] = {s->startAddr, base + n * PAGE}, to[2] = {base, end};
    for (int i = 0; i < 2; i++) {
        mspan *t = pieces[i];
        if (!t)
            continue;
        t->startAddr = from[i];
        t->npages = (to[i] - from[i]) / PAGE;
        t->needzero = s->needzero;
        t->freegen = s->freegen;
        freeInsert(h, t);
    }
    s->startAddr = base;
    s->npages = n;
    freeInsert(h, s);
    return s;
}

/* An idle run holding an aligned huge page that is not released, or NULL. */
static mspan *idleHugePage(gc_heap *h, uintptr_t *base)
{
    /* HUGE_PAGES > FREE_LISTS: only the large list can hold one. */
    for (mspan *s = h->freelarge; s; s = s->next) {
        if (!idleRun(h, s))
            continue;
        uintptr_t a = (s->startAddr + HUGE_PAGES * PAGE - 1) & ~(HUGE_PAGES * PAGE - 1);
        if (a + HUGE_PAGES * PAGE <= s->startAddr + s->npages * PAGE) {
            *base = a;
            return s;
        }
    }
    return NULL;
}

size_t gc_mheap_scavenge(gc_heap *h, int all)
{
    size_t released = 0;
    heap_lock(h);
    if (all || h->heapGoal == UINT64_MAX) {
        for (uintptr_t i = 1; i <= FREE_LISTS; i++)
            for (mspan *s = i < FREE_LISTS ? h->freelist[i] : h->freelarge; s; s = s->next)
                if (all ? !s->scavenged : idleRun(h, s)) {
                    releaseRun(h, s);
                    released += s->npages * PAGE;
                }
        heap_unlock(h);
        return released;
    }
    uint64_t keep = h->heapGoal + h->heapGoal / 10;
    uint64_t t0 = gc_nanotime();
    uint64_t since = t0 - (h->stats.last_gc_ns ? h->stats.last_gc_ns : h->stats.start_ns);
    uint64_t budget = since / 100;
#define SCAVENGE_MORE()                                                                                \
    (h->stats.heap_sys - h->stats.heap_released > keep && (!released || gc_nanotime() - t0 < budget))
    /* Huge pages first (each found afresh: cutting reorders the lists). */
    uintptr_t base;
    mspan *s;
    while (SCAVENGE_MORE() && (s = idleHugePage(h, &base)) != NULL) {
        if (!(s = cutRun(h, s, base, HUGE_PAGES)))
            break;
        releaseRun(h, s);
        released += s->npages * PAGE;
    }
    /* Then whole smaller runs, largest first; a released run is skipped. */
    for (uintptr_t i = FREE_LISTS; i >= 1 && SCAVENGE_MORE(); i--) {
        for (s = i < FREE_LISTS ? h->freelist[i] : h->freelarge; s && SCAVENGE_MORE(); s = s->next) {
            if (!idleRun(h, s))
                continue;
            releaseRun(h, s);
            released += s->npages * PAGE;
        }
    }
#undef SCAVENGE_MORE
    heap_unlock(h);
    return released;
}

void gc_span_walk(gc_heap *h, gc_span_fn fn, void *ud)
{
    for (arenaRegion *r = h->regions; r; r = r->next) {
        uintptr_t p = r->base, end = r->base + r->committed;
        while (p < end) {
            mspan *s = spanOf(h, p);
            gc_span_info si;
            memset(&si, 0, sizeof si);
            si.base = s->startAddr;
            si.npages = s->npages;
            if (s->state == MSPAN_FREE) {
                si.free = true;
                si.released = s->scavenged;
            } else {
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
            }
            fn(&si, ud);
            p = s->startAddr + s->npages * PAGE;
        }
    }
}

int gc_mheap_init(gc_heap *h)
{
    gc_fixalloc_init(&h->spanalloc, h, sizeof(mspan));
    gc_fixalloc_init(&h->regionalloc, h, sizeof(arenaRegion));
    for (unsigned k = 0; k < SPAN_BITS_CLASSES; k++)
        gc_fixalloc_init(&h->bitsalloc[k], h, 2 * sizeof(uint64_t) << k);
    gc_fixalloc_init(&h->checkmarkalloc, h, SPAN_BITS_WORDS * sizeof(uint64_t));
    atomic_flag_clear(&h->lock);
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
        for (size_t j = 0; j < (1u << ARENA_L2_BITS); j++)
            if (l2[j])
                gc_sys_free(l2[j], sizeof(heapArena));
        gc_sys_free(l2, sizeof(heapArena *) << ARENA_L2_BITS);
        h->arenas[i] = NULL;
    }
    h->regions = NULL;
    gc_fixalloc_destroy(&h->spanalloc);
    gc_fixalloc_destroy(&h->regionalloc);
    for (unsigned k = 0; k < SPAN_BITS_CLASSES; k++)
        gc_fixalloc_destroy(&h->bitsalloc[k]);
    gc_fixalloc_destroy(&h->checkmarkalloc);
}

uint64_t gc_mheap_metaSys(const gc_heap *h)
{
    uint64_t n = h->meta_sys + h->spanalloc.sys + h->regionalloc.sys + h->checkmarkalloc.sys;
    for (unsigned k = 0; k < SPAN_BITS_CLASSES; k++)
        n += h->bitsalloc[k].sys;
    return n;
}
