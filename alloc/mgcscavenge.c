/*
 * mgcscavenge.c: the scavenger, as Go's mgcscavenge.go: idle free pages go
 * back to the OS (madvise) from a background thread per heap (Go's
 * bgscavenge goroutine), paced to a small share of one CPU, never inside a
 * pause. Mark termination only hands it the new goal (gc_scavenger_kick).
 *
 * What it releases: idle free pages (in chunks where nothing was freed
 * since before the previous cycle), found with the page allocator's
 * gc_pageAlloc_scavengeCandidate and marked with
 * gc_pageAlloc_markScavenged, each piece under the heap lock:
 *  - all (past 95% of the memory limit, gc_pacer_overLimit): every free
 *    page, without pacing (Go's memory-limit goal);
 *  - no heap goal (gc_percent < 0, no limit): every idle page (Go would
 *    keep them all; a heap with no goal is one whose size nobody steers);
 *  - otherwise Go's gcPercentGoal: only while the retained heap
 *    (heap_sys - heap_released) is above 110% of the heap goal
 *    (retainExtraPercent = 10), so memory the next cycle fills again stays
 *    mapped and is not faulted in twice.
 * Whole aligned 2 MiB pieces of free pages go first, as Go 1.21's
 * huge-page-aware scavenger prefers (MADV_DONTNEED of part of a
 * transparent huge page splits it); smaller runs after, highest address
 * first, at most SCAV_PIECE_PAGES per piece. The background thread holds
 * the heap lock only to find a piece and to take it (its pages become
 * allocated, so no span gets them) and give it back released: the
 * madvise runs without it (Go's scavengeOne), so an allocation never
 * waits for one.
 * Pacing: after each piece the thread sleeps 99 times as long as the piece
 * took (Go's scavengePercent = 1), at most 10 ms at a time.
 * An allocation that grows the heap past the memory limit releases as
 * much as it grew, at once (Go's allocSpan scavenging when the heap grows
 * over the limit): gc_scavenge_onGrow.
 * gc_collect waits for the thread's pass (gc_scavenger_wait), so what an
 * explicit collection leaves is settled when it returns.
 * Departure: a child forked from the process has no scavenger thread; it
 * scavenges on the kicking thread instead, as does a heap drawing heapmap
 * pictures; a piece the parent's thread had taken at the fork stays
 * allocated in the child.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "alloc/internal.h"

#define PAGE ((uintptr_t)GC_PAGE_SIZE)

enum { SCAV_PIECE_PAGES = 256, SCAV_PERCENT = 1, SCAV_MAX_SLEEP_NS = 10 * 1000 * 1000 };

/* One piece: release [base, base + n pages), every page free, under the
 * heap lock; unlocked: the lock is let go for the madvise, the pages
 * taken meanwhile. */
static size_t release(gc_heap *h, uintptr_t base, uintptr_t npages, int unlocked)
{
    size_t n;
    if (!unlocked) {
        gc_sys_unused((void *)base, npages * PAGE);
        n = gc_pageAlloc_markScavenged(&h->pages, base, npages) * PAGE;
    } else {
        n = (npages - gc_pageAlloc_take(&h->pages, base, npages)) * PAGE;
        h->scavTakenBase = base;
        h->scavTakenPages = npages;
        gc_mheap_unlock(h);
        gc_sys_unused((void *)base, npages * PAGE);
        gc_mheap_lock(h);
        h->scavTakenPages = 0;
        gc_pageAlloc_grow(&h->pages, base, npages);
    }
    h->stats.heap_released += n;
    return n;
}

/* The next piece of a pass: returns the bytes released, 0 when the pass
 * is over. The heap lock is the caller's (let go for the madvise when
 * unlocked is set). */
static size_t step(gc_heap *h, gcScavPass *ps, int unlocked)
{
    if (!ps->all && h->stats.heap_sys - h->stats.heap_released <= ps->keep)
        return 0;
    for (; ps->huge >= 0; ps->huge--, ps->cursor = UINTPTR_MAX) {
        uintptr_t n;
        uintptr_t base = gc_pageAlloc_scavengeCandidate(&h->pages, &ps->cursor, ps->genLimit, ps->huge, &n);
        if (!base)
            continue;
        if (n > SCAV_PIECE_PAGES) {
            /* The top of the run; the cursor sends the next search below it. */
            base += (n - SCAV_PIECE_PAGES) * PAGE;
            n = SCAV_PIECE_PAGES;
            ps->cursor = base;
        }
        return release(h, base, n, unlocked);
    }
    return 0;
}

/* A whole pass on the calling thread, paced when pace is set; the heap
 * lock let go for each madvise when unlocked is set. */
static size_t runPass(gc_heap *h, gcScavPass ps, int pace, int unlocked, int (*stop)(gc_heap *))
{
    size_t total = 0;
    for (;;) {
        uint64_t t0 = gc_nanotime();
        gc_mheap_lock(h);
        size_t n = step(h, &ps, unlocked);
        gc_mheap_unlock(h);
        if (!n)
            break;
        total += n;
        if (stop && stop(h))
            break;
        if (pace && !ps.all) {
            uint64_t d = (gc_nanotime() - t0) * (100 - SCAV_PERCENT) / SCAV_PERCENT;
            if (d > SCAV_MAX_SLEEP_NS)
                d = SCAV_MAX_SLEEP_NS;
            struct timespec ts = {0, (long)d};
            nanosleep(&ts, NULL);
        }
    }
    return total;
}

static int stopAsked(gc_heap *h)
{
    gcScavenger *sc = h->scavenger;
    pthread_mutex_lock(&sc->mu);
    int r = sc->stop || sc->pending;
    pthread_mutex_unlock(&sc->mu);
    return r;
}

static void *scavengerMain(void *arg)
{
    gc_heap *h = arg;
    gcScavenger *sc = h->scavenger;
    pthread_mutex_lock(&sc->mu);
    for (;;) {
        while (!sc->pending && !sc->stop)
            pthread_cond_wait(&sc->cv, &sc->mu);
        if (sc->stop)
            break;
        gcScavPass ps = sc->pass;
        sc->pending = 0;
        sc->running = 1;
        pthread_mutex_unlock(&sc->mu);
        /* Under a hard limit the pages stay free while released: an
         * allocation that found them taken would grow the heap, or fail. */
        size_t n = runPass(h, ps, 1, h->opts.hard_limit <= 0, stopAsked);
        pthread_mutex_lock(&sc->mu);
        sc->released += n;
        sc->running = 0;
        sc->passes++;
        pthread_cond_broadcast(&sc->done);
    }
    pthread_mutex_unlock(&sc->mu);
    return NULL;
}

/* The pass a cycle's end asks for. */
static gcScavPass passFor(gc_heap *h)
{
    gcScavPass ps;
    ps.all = gc_pacer_overLimit(h);
    ps.keep = 0;
    ps.genLimit = h->stats.num_gc >= 1 ? h->stats.num_gc - 1 : 0; /* idle: freed before the previous cycle */
    ps.huge = 1;
    ps.cursor = UINTPTR_MAX;
    if (ps.all) {
        ps.genLimit = UINT64_MAX;
        ps.huge = 0;
    } else if (h->heapGoal == UINT64_MAX) {
        ps.huge = 0;
    } else {
        ps.keep = h->heapGoal + h->heapGoal / 10;
    }
    return ps;
}

void gc_scavenger_kick(gc_heap *h)
{
    gcScavenger *sc = h->scavenger;
    if (!sc) {
        sc = calloc(1, sizeof *sc);
        if (!sc) {
            runPass(h, passFor(h), 0, 0, NULL); /* no thread: here, now */
            return;
        }
        pthread_mutex_init(&sc->mu, NULL);
        pthread_cond_init(&sc->cv, NULL);
        pthread_cond_init(&sc->done, NULL);
        sc->pid = getpid();
        h->scavenger = sc;
        if (pthread_create(&sc->thread, NULL, scavengerMain, h) == 0)
            sc->started = 1;
    }
    /* No thread, a forked child, or heapmap pictures (which must come out
     * the same run after run): the pass runs here, now. */
    if (!sc->started || sc->pid != getpid() || h->heapmap) {
        size_t n = runPass(h, passFor(h), 0, 0, NULL);
        pthread_mutex_lock(&sc->mu);
        sc->released += n;
        sc->passes++;
        pthread_mutex_unlock(&sc->mu);
        return;
    }
    gcScavPass ps = passFor(h);
    pthread_mutex_lock(&sc->mu);
    sc->pass = ps;
    sc->pending = 1;
    pthread_cond_signal(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
}

void gc_scavenger_wait(gc_heap *h)
{
    gcScavenger *sc = h->scavenger;
    if (!sc || !sc->started || sc->pid != getpid())
        return;
    pthread_mutex_lock(&sc->mu);
    while (sc->pending || sc->running)
        pthread_cond_wait(&sc->done, &sc->mu);
    pthread_mutex_unlock(&sc->mu);
}

void gc_scavenger_stats(gc_heap *h, uint64_t *released, uint64_t *passes)
{
    gcScavenger *sc = h->scavenger;
    *released = *passes = 0;
    if (!sc)
        return;
    pthread_mutex_lock(&sc->mu);
    *released = sc->released;
    *passes = sc->passes;
    pthread_mutex_unlock(&sc->mu);
}

void gc_scavenger_destroy(gc_heap *h)
{
    gcScavenger *sc = h->scavenger;
    if (!sc)
        return;
    if (sc->started && sc->pid == getpid()) {
        pthread_mutex_lock(&sc->mu);
        sc->stop = 1;
        pthread_cond_signal(&sc->cv);
        pthread_mutex_unlock(&sc->mu);
        pthread_join(sc->thread, NULL);
    }
    pthread_cond_destroy(&sc->done);
    pthread_cond_destroy(&sc->cv);
    pthread_mutex_destroy(&sc->mu);
    free(sc);
    h->scavenger = NULL;
}

size_t gc_scavenge_onGrow(gc_heap *h, size_t grown)
{
    if (h->opts.memory_limit <= 0 || gc_heap_mappedReady(h) <= (uint64_t)h->opts.memory_limit)
        return 0;
    gcScavPass ps = {.all = 1, .keep = 0, .genLimit = UINT64_MAX, .huge = 0, .cursor = UINTPTR_MAX};
    size_t total = 0, n;
    while (total < grown && (n = step(h, &ps, 0)) != 0)
        total += n;
    return total;
}
