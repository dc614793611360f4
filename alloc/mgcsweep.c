/*
 * mgcsweep.c: sweeping, as Go's mgcsweep.go: gc_span_sweep (sweepLocked.sweep),
 * gc_sweepone, gc_finishsweep, proportional sweep (Go's deductSweepCredit
 * and gcPaceSweeper), the reclaim before page allocation (mheap.reclaim), and
 * clobberfree's poison, and gc_is_live (which reads the last mark while a
 * span waits for its sweep).
 *
 * sweepgen, relative to the heap's sg (+2 per cycle): sg-2 needs sweeping,
 * sg-1 being swept, sg swept, sg+1 cached since before this sweep began,
 * sg+3 swept and cached. Sweeping makes gcmarkBits the new allocBits,
 * recounts, and sends an empty span back to the heap.
 *
 * Three sweep: the host's allocation (cacheSpan, reclaim, proportional
 * sweep), sweep termination at the next cycle's start, and the background
 * sweeper (Go's bgsweep), a thread per heap woken at mark termination
 * that sweeps span after span until none is left, while the Ps run, and
 * stands aside while every CPU runs a P (Go's goschedIfBusy).
 * A span is had by taking it off its mcentral list under the list's lock
 * and then claiming it with Go's sweepgen CAS (span_claimSweep, sg-2 to
 * sg-1, acquire): whoever wins sweeps it, and its release store of sg
 * publishes the result. The sweep's counters (h->sweep, the statistics)
 * are atomic or written in a pause, so sweepers need no lock of their own
 * beyond the lists' and the heap's. The background sweeper is no P, so
 * it parks while the world is stopped (gc_bgsweep_park from mproc.c's
 * stop, between two spans, as Go's bgsweep is stopped with the world):
 * a pause sees no span being swept and sweeps what is left itself
 * (sweep termination's gc_finishsweep). Outside a pause the readers of
 * what the sweep rewrites (gc_span_walk, gc_find_object, gc_is_live)
 * wait until it is idle (gc_bgsweep_wait).
 * Departures: no specials/finalizers; a process forked while the sweeper
 * runs has no sweeper (its host sweeps), and a span the parent's sweeper
 * held at the fork stays unswept, off every list, in the child.
 */
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc/internal.h"

void gc_clobber_fill(uintptr_t x, size_t n)
{
    uint64_t *w = (uint64_t *)x;
    for (size_t i = 0; i < n / 8; i++)
        w[i] = CLOBBER_WORD;
    memset((uint8_t *)x + n / 8 * 8, 0xef, n % 8);
}

/* Allocation under clobberfree: the slot about to be handed out must still
 * hold the poison sweep (or span initialisation) left in it. */
void gc_clobber_check(gc_heap *h, mspan *s, uintptr_t x)
{
    const uint64_t *w = (const uint64_t *)x;
    for (size_t i = 0; i < s->elemsize / 8; i++) {
        if (w[i] != CLOBBER_WORD) {
            fprintf(h->trace,
                    "alloc: clobberfree: free slot %p (span %p, elemsize %zu) was written at offset %zu "
                    "after it was freed: found %#llx\n",
                    (void *)x, (void *)s->startAddr, (size_t)s->elemsize, i * 8, (unsigned long long)w[i]);
            fflush(h->trace);
            abort();
        }
    }
}

int gc_span_sweep(gc_heap *h, mspan *s, int preserve)
{
    uint32_t sg = h->sweepgen;
    unsigned sc = spanclass_sizeclass(s->spanclass);
    mcentral *c = &h->central[s->spanclass];
    h->sweep.pagesSwept += s->npages;
    if (sc == 0) {
        if (s->gcmarkBits[0] & 1) {
            s->gcmarkBits[0] = 0;
            __atomic_store_n(&s->sweepgen, sg, __ATOMIC_RELEASE);
            if (!preserve) {
                gc_mcentral_lock(c);
                gc_spanList_push(mcentral_fullSwept(c, sg), s);
                gc_mcentral_unlock(c);
            }
            return 0;
        }
        h->stats.largeFree += s->elemsize;
        h->stats.largeFreeCount++;
        if (h->opts.debug.clobberfree)
            gc_clobber_fill(s->startAddr, s->limit - s->startAddr);
        gc_mheap_freeSpan(h, s);
        return 1;
    }
    unsigned nalloc = gc_span_countMarked(s);
    unsigned nfreed = s->allocCount - nalloc;
    if (nfreed && (h->opts.debug.clobberfree || GC_ASAN)) {
        for (uintptr_t i = 0; i < s->nelems; i++) {
            if (span_isAllocated(s, i) && !bit_get(s->gcmarkBits, i)) {
                uintptr_t x = s->startAddr + i * s->elemsize;
                if (h->opts.debug.clobberfree) {
                    asan_unpoison(x, s->elemsize); /* the object's slack was poisoned */
                    gc_clobber_fill(x, s->elemsize);
                }
                asan_poison(x, s->elemsize);
            }
        }
    }
    uint64_t *t = s->allocBits;
    s->allocBits = s->gcmarkBits;
    s->gcmarkBits = t;
    memset(t, 0, span_bitsWords(s) * sizeof(uint64_t));
    s->allocCount = (uint16_t)nalloc;
    gc_span_refillAllocCache(s, 0);
    if (nfreed)
        s->needzero = 1;
    h->stats.nfree[sc] += nfreed;
    __atomic_store_n(&s->sweepgen, sg, __ATOMIC_RELEASE);
    if (preserve)
        return 0;
    if (nalloc == 0) {
        gc_mheap_freeSpan(h, s);
        return 1;
    }
    gc_mcentral_lock(c);
    if (nalloc < s->nelems)
        gc_spanList_push(mcentral_partialSwept(c, sg), s);
    else
        gc_spanList_push(mcentral_fullSwept(c, sg), s);
    gc_mcentral_unlock(c);
    return 0;
}

uintptr_t gc_sweepone(gc_heap *h)
{
    uint32_t sg = h->sweepgen;
    for (;;) {
        /* One load both tests for the end and picks the list: another
         * sweeper may move the cursor past the last list between two
         * loads, and central[i / 2] would then be the heap's next field
         * (its empty span) taken for an mcentral, its lock taken over the
         * span's allocCache. Relaxed: the cursor only says which list to
         * look at; the list is read under its lock. */
        unsigned i = atomic_load_explicit(&h->sweep.centralIndex, memory_order_relaxed);
        if (i >= 2 * GC_NUM_SPAN_CLASSES)
            return ~(uintptr_t)0;
        mcentral *c = &h->central[i / 2];
        spanList *l = i % 2 == 0 ? mcentral_partialUnswept(c, sg) : mcentral_fullUnswept(c, sg);
        gc_mcentral_lock(c);
        mspan *s = gc_spanList_pop(l);
        gc_mcentral_unlock(c);
        if (!s) {
            /* This list is empty for good this cycle (sweeping only puts
             * spans on swept lists): on to the next, unless another
             * sweeper moved on already. */
            atomic_compare_exchange_strong(&h->sweep.centralIndex, &i, i + 1);
            continue;
        }
        if (!span_claimSweep(s, sg))
            continue; /* someone else owns it */
        uintptr_t npages = s->npages;
        gc_span_sweep(h, s, 0);
        return npages;
    }
}

void gc_finishsweep(gc_heap *h)
{
    while (gc_sweepone(h) != ~(uintptr_t)0)
        ;
    atomic_store_explicit(&h->sweep.pagesPerByte, 0, memory_order_relaxed);
}

/*
 * Go's mheap.reclaim: before the heap takes npages more, free at least as
 * many by sweeping spans the last mark found nothing in. Their first pages
 * are the bits of pageInUse &^ pageMarks (alloc/internal.h's heapArena),
 * read 64 pages at a time from a cursor that goes once over the heap per
 * cycle, so an allocation never walks the span lists in list order. A span
 * found is taken off its unswept list and claimed under its mcentral's
 * lock, with the heap lock held so the record is not being recycled (the
 * locks nest heap, then mcentral; nothing takes them the other way), and
 * swept after both are let go. pageMarks is a hint only: sweeping reads
 * the mark bits, so a span with a marked object is swept, not freed.
 */
static mspan *reclaimNext(gc_heap *h, uint32_t sg)
{
    while (h->reclaimRegion) {
        arenaRegion *r = h->reclaimRegion;
        uintptr_t npages = r->committed / GC_PAGE_SIZE;
        while (h->reclaimOff < npages) {
            uintptr_t p = r->base + h->reclaimOff * GC_PAGE_SIZE;
            heapArena *ha = arenaOf(h, p);
            uintptr_t pg = (p >> GC_PAGE_SHIFT) & (PAGES_PER_ARENA - 1);
            uint64_t m = ha->pageInUse[pg / 64] & ~__atomic_load_n(&ha->pageMarks[pg / 64], __ATOMIC_RELAXED);
            m &= ~(uint64_t)0 << (pg % 64);
            if (!m) {
                h->reclaimOff += 64 - pg % 64;
                continue;
            }
            unsigned b = (unsigned)__builtin_ctzll(m);
            h->reclaimOff += b - pg % 64 + 1;
            mspan *s = ha->spans[pg - pg % 64 + b];
            mcentral *c = &h->central[s->spanclass];
            gc_mcentral_lock(c);
            spanList *l = s->onList ? mcentral_list(c, s->onList - 1u) : NULL;
            int take = l && (l == mcentral_partialUnswept(c, sg) || l == mcentral_fullUnswept(c, sg)) &&
                       span_claimSweep(s, sg);
            if (take)
                gc_spanList_remove(l, s);
            gc_mcentral_unlock(c);
            if (take)
                return s;
        }
        h->reclaimRegion = r->next;
        h->reclaimOff = 0;
    }
    return NULL;
}

void gc_mheap_reclaim(gc_heap *h, uintptr_t npages)
{
    uint32_t sg = h->sweepgen;
    uintptr_t freed = 0;
    while (freed < npages) {
        gc_mheap_lock(h);
        mspan *s = reclaimNext(h, sg);
        gc_mheap_unlock(h);
        if (!s)
            return;
        uintptr_t n = s->npages;
        atomic_fetch_add_explicit(&h->stats.reclaimSpans, 1, memory_order_relaxed);
        if (gc_span_sweep(h, s, 0)) {
            freed += n;
            atomic_fetch_add_explicit(&h->stats.reclaimFreed, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&h->stats.reclaimPages, n, memory_order_relaxed);
        }
    }
}

/* Allocation of spanBytes must first sweep its share of the pages left, so
 * that sweeping ends before the next trigger (Go's deductSweepCredit). */
void gc_deductSweepCredit(gc_heap *h, uintptr_t spanBytes)
{
    double rate = atomic_load_explicit(&h->sweep.pagesPerByte, memory_order_relaxed);
    if (rate == 0 || isSweepDone(h))
        return;
    uint64_t heapLive = atomic_load_explicit(&h->heapLive, memory_order_relaxed);
    uint64_t live = heapLive > h->sweep.heapLiveBasis ? heapLive - h->sweep.heapLiveBasis : 0;
    double target = rate * (double)(live + spanBytes);
    while (target > (double)(h->sweep.pagesSwept - h->sweep.pagesSweptBasis)) {
        if (gc_sweepone(h) == ~(uintptr_t)0) {
            atomic_store_explicit(&h->sweep.pagesPerByte, 0, memory_order_relaxed);
            break;
        }
    }
}

/* Go's gcPaceSweeper: spread the sweep of every in-use page over the bytes
 * that may be allocated before the next trigger, less 1 MiB of slack. */
void gc_paceSweeper(gc_heap *h)
{
    h->sweep.pagesSwept = 0;
    h->sweep.pagesSweptBasis = 0;
    h->sweep.heapLiveBasis = h->heapLive;
    uint64_t pages = h->stats.heap_inuse / GC_PAGE_SIZE;
    h->sweep.pagesToSweep = pages;
    if (h->trigger == UINT64_MAX) {
        atomic_store_explicit(&h->sweep.pagesPerByte, 0, memory_order_relaxed); /* no next cycle planned: sweep lazily */
        return;
    }
    int64_t distance = (int64_t)h->trigger - (int64_t)h->heapLive - (1 << 20);
    if (distance < GC_PAGE_SIZE)
        distance = GC_PAGE_SIZE;
    atomic_store_explicit(&h->sweep.pagesPerByte, (double)pages / (double)distance, memory_order_relaxed);
}

bool gc_is_live(gc_heap *h, const void *p)
{
    gc_bgsweep_wait(h);
    mspan *s = NULL;
    uintptr_t idx = 0;
    if (!gc_find_object(h, p) || !findObject(h, (uintptr_t)p, &s, &idx))
        return false;
    uint32_t sg = h->sweepgen;
    /* Unswept (sg-2) or being swept (sg-1): allocBits still count the dead
     * objects the last mark left unmarked; its gcmarkBits say who lives. */
    if (s->sweepgen == sg - 2 || s->sweepgen == sg - 1)
        return bit_get(s->gcmarkBits, idx) != 0;
    return true;
}

/* ---- the background sweeper ---- */

/* Span after span until sweepone finds nothing; never while parked (a
 * stopped world). As Go's bgsweep yields when no P is idle
 * (goschedIfBusy), it stands aside while every CPU runs a P: those Ps
 * then sweep what they allocate from (cacheSpan, the proportional sweep),
 * with the span hot in their own cache, instead of sharing their CPUs with
 * a sweeper whose spans and locks would move between CPUs. It looks again
 * every millisecond, and never stands aside while a thread waits for it. */
static void *bgsweepMain(void *arg)
{
    gc_heap *h = arg;
    gcBgSweep *bs = h->bgsweep;
    pthread_mutex_lock(&bs->mu);
    for (;;) {
        while (!atomic_load(&bs->stop) && (bs->parked || !(bs->pending || bs->running)))
            pthread_cond_wait(&bs->cv, &bs->mu);
        if (atomic_load(&bs->stop))
            break;
        if (bs->pending) {
            bs->pending = 0;
            bs->running = 1;
        }
        if (bs->waiters == 0 && gc_ps_busy(h)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&bs->cv, &bs->mu, &ts);
            continue;
        }
        bs->inSpan = 1;
        pthread_mutex_unlock(&bs->mu);
        uintptr_t r = gc_sweepone(h);
        pthread_mutex_lock(&bs->mu);
        bs->inSpan = 0;
        if (r == ~(uintptr_t)0)
            bs->running = 0;
        else
            bs->spans++;
        pthread_cond_broadcast(&bs->done);
    }
    bs->running = 0;
    pthread_cond_broadcast(&bs->done);
    pthread_mutex_unlock(&bs->mu);
    return NULL;
}

static int bgsweepHere(const gcBgSweep *bs) { return bs && bs->started && bs->pid == getpid(); }

/* The world stops (mproc.c, under pslock, once every P is parked): the
 * sweeper finishes the span it holds and takes no other until
 * gc_bgsweep_unpark, so the pause sees every span swept or unswept. */
void gc_bgsweep_park(gc_heap *h)
{
    gcBgSweep *bs = h->bgsweep;
    if (!bgsweepHere(bs))
        return;
    pthread_mutex_lock(&bs->mu);
    bs->parked = 1;
    while (bs->inSpan)
        pthread_cond_wait(&bs->done, &bs->mu);
    pthread_mutex_unlock(&bs->mu);
}

void gc_bgsweep_unpark(gc_heap *h)
{
    gcBgSweep *bs = h->bgsweep;
    if (!bgsweepHere(bs))
        return;
    pthread_mutex_lock(&bs->mu);
    bs->parked = 0;
    pthread_cond_signal(&bs->cv);
    pthread_mutex_unlock(&bs->mu);
}

void gc_bgsweep_kick(gc_heap *h)
{
    gcBgSweep *bs = h->bgsweep;
    if (!bs) {
        bs = calloc(1, sizeof *bs);
        if (!bs)
            return; /* the host sweeps it all */
        pthread_mutex_init(&bs->mu, NULL);
        pthread_cond_init(&bs->cv, NULL);
        pthread_cond_init(&bs->done, NULL);
        atomic_init(&bs->stop, 0);
        /* Made by mark termination, inside a pause: it starts parked, and
         * the world's start lets it go. */
        bs->parked = atomic_load(&h->stopping);
        bs->pid = getpid();
        h->bgsweep = bs;
        bs->started = pthread_create(&bs->thread, NULL, bgsweepMain, h) == 0;
    }
    if (!bs->started || bs->pid != getpid())
        return;
    pthread_mutex_lock(&bs->mu);
    bs->pending = 1;
    pthread_cond_signal(&bs->cv);
    pthread_mutex_unlock(&bs->mu);
}

void gc_bgsweep_wait(gc_heap *h)
{
    gcBgSweep *bs = h->bgsweep;
    if (!bgsweepHere(bs))
        return;
    pthread_mutex_lock(&bs->mu);
    /* Parked (in a pause): it holds no span and takes none; waking it
     * would only have it contend for mu to go back to sleep. */
    if (!bs->parked) {
        bs->waiters++;
        pthread_cond_signal(&bs->cv); /* out of a yield */
        while ((bs->pending || bs->running) && !bs->parked)
            pthread_cond_wait(&bs->done, &bs->mu);
        bs->waiters--;
    }
    pthread_mutex_unlock(&bs->mu);
}

uint64_t gc_bgsweep_spans(gc_heap *h)
{
    gcBgSweep *bs = h->bgsweep;
    if (!bs)
        return 0;
    pthread_mutex_lock(&bs->mu);
    uint64_t n = bs->spans;
    pthread_mutex_unlock(&bs->mu);
    return n;
}

void gc_bgsweep_destroy(gc_heap *h)
{
    gcBgSweep *bs = h->bgsweep;
    if (!bs)
        return;
    if (bs->started && bs->pid == getpid()) {
        pthread_mutex_lock(&bs->mu);
        atomic_store(&bs->stop, 1);
        pthread_cond_signal(&bs->cv);
        pthread_mutex_unlock(&bs->mu);
        pthread_join(bs->thread, NULL);
    }
    pthread_cond_destroy(&bs->done);
    pthread_cond_destroy(&bs->cv);
    pthread_mutex_destroy(&bs->mu);
    free(bs);
    h->bgsweep = NULL;
}
