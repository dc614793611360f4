/*
 * mgcmark.c: marking, as Go's mgcmark.go: roots (the host's callbacks via
 * gc_mark_slot/gc_mark_block, and handles), greyobject, scanobject, the
 * drain loop, allocate-black (gcmarknewobject) and assists (gcAssistAlloc);
 * and the checkmark walk of gccheckmark/gc_verify (Go's mcheckmark.go).
 * Stop-the-world, the collecting thread marks the roots, then it and the
 * heap's mark threads (mgcworker.c) drain the gray queue together
 * (mgcwork.c), setting mark bits with an atomic OR. Concurrently, the
 * roots' values are recorded in the first pause, then background workers
 * (which shade those values first, as Go's root jobs), assists and the
 * barrier's flushes (mwbbuf.c) mark while the host runs; that
 * flavour never reads what the host may be writing besides pointer slots
 * (loaded with acquire, as the host stores them with release) and the
 * heap-bit words (atomic on both sides): not allocCache or freeindex, so
 * it does not check that a slot is allocated (a pointer the host holds
 * always is). The checkmark and verify walks stay single threaded and run
 * with the world stopped, so gccheckmark checks every mark against an
 * independent sequential one. A large object is scanned in oblets of
 * OBLET_BYTES (Go's scanobject), so its pieces spread over the workers and
 * the queue holds one piece's pointers at a time. No Green Tea span queue. Interior pointers are resolved by
 * findObject, so a pointer anywhere into an object (or a tiny block) keeps
 * the whole slot alive. A pointer to a free slot marks nothing.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alloc/internal.h"

const char *gc_span_typeName(mspan *s, uintptr_t slot)
{
    if (spanclass_noscan(s->spanclass))
        return "(noscan)";
    if (span_heapBits(s))
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

/* The checkmark bit of the object at x (its arena's bitmap is there for
 * the length of a walk): its word, and the bit in *bit. */
static uint64_t *checkmarkWord(const gc_heap *h, uintptr_t x, uint64_t *bit)
{
    uintptr_t w = (x & (ARENA_BYTES - 1)) / GC_PTR_SIZE;
    *bit = (uint64_t)1 << (w % 64);
    return arenaOf(h, x)->checkmarks + w / 64;
}

/*
 * greyobject and scanobject are written once and instantiated four times
 * with constant arguments, so each copy carries only its own branches:
 *   checkmark 0, par 1, conc 1: the concurrent mark (atomic mark bits and
 *                       slot loads, no allocated test);
 *   checkmark 0, par 1: the parallel mark (atomic mark bits);
 *   checkmark 0, par 0: the mark of one worker alone, and the roots (which
 *                       the collecting thread marks before the others start);
 *   checkmark m->checkmark, par 0: the checkmark and verify walks.
 * m is only read when checkmark != 0.
 */
static ALWAYS_INLINE void greyobject_(gc_heap *h, gc_marker *m, gcWork *w, uintptr_t v, uintptr_t from,
                                      const int checkmark, const int par, const int conc)
{
    mspan *s;
    uintptr_t idx;
    uintptr_t x = findObject(h, v, &s, &idx);
    if (!x) {
        if (UNLIKELY(checkmark == 2) && inHeapRange(h, v))
            problem(m, "pointer into the heap outside any object", v, from);
        return;
    }
    if (!conc && UNLIKELY(!span_isAllocated(s, idx))) {
        if (checkmark == 2)
            problem(m, "pointer to a free slot", v, from);
        return;
    }
    uint64_t *word, bit;
    if (checkmark) {
        word = checkmarkWord(h, x, &bit);
    } else {
        word = s->gcmarkBits + idx / 64;
        bit = (uint64_t)1 << (idx % 64);
    }
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
    if (!checkmark) {
        w->bytesMarked += s->elemsize;
        gc_pageMarks_set(h, s);
    }
    if (!spanclass_noscan(s->spanclass))
        gcw_put(w, x);
}

/* A pointer slot's value: during a concurrent mark the host may store
 * into it (gc_write_pointer's release store) as it is read. */
static ALWAYS_INLINE uintptr_t loadSlot(uintptr_t a, const int conc)
{
    if (conc)
        return __atomic_load_n((const uintptr_t *)a, __ATOMIC_ACQUIRE);
    return *(const uintptr_t *)a;
}

/* Go's maxObletBytes: large objects are scanned in pieces of this size. */
enum { OBLET_BYTES = 128 << 10 };

static ALWAYS_INLINE void scanobject_(gc_heap *h, gc_marker *m, gcWork *w, uintptr_t b, const int checkmark,
                                      const int par, const int conc)
{
    mspan *s = spanOfHeap(h, b);
    uintptr_t size = s->elemsize;
    if (span_heapBits(s)) {
        /* Small object: its bits are one word of the span-end bitmap. */
        uintptr_t nw = size >> 3, o = (b - s->startAddr) >> 3, j = o & 63;
        const uint64_t *hb = s->heapBits + (o >> 6);
        uint64_t mask = conc ? __atomic_load_n(&hb[0], __ATOMIC_RELAXED) >> j : hb[0] >> j;
        if (j + nw > 64)
            mask |= (conc ? __atomic_load_n(&hb[1], __ATOMIC_RELAXED) : hb[1]) << (64 - j);
        mask &= ~(uint64_t)0 >> (64 - nw);
        while (mask) {
            uintptr_t a = b + (uintptr_t)__builtin_ctzll(mask) * 8;
            mask &= mask - 1;
            uintptr_t v = loadSlot(a, conc);
            /* Skip nil and pointers into the object itself. */
            if (v && (v - b >= size || checkmark == 2))
                greyobject_(h, m, w, v, a, checkmark, par, conc);
        }
        return;
    }
    typePointers tp;
    uintptr_t x = b;
    if (spanclass_sizeclass(s->spanclass) == 0 && size > OBLET_BYTES) {
        /* Go's oblets: a large object is scanned OBLET_BYTES at a time,
         * each piece queued by its start address, inside the object.
         * Departure: Go's first scan queues every other piece at once;
         * here each piece queues the next one, before its own pointers.
         * The drain's prefetch ring takes the top 16 entries of the queue
         * together, so a run of queued pieces would be scanned back to
         * back, each adding its 16,384 pointers before any is followed;
         * chained, the queue holds one piece's pointers per object (the
         * next piece, under them, can still be handed to another worker). */
        x = s->startAddr;
        if (b + OBLET_BYTES < s->limit) {
            gcw_put(w, b + OBLET_BYTES);
            if (!checkmark)
                atomic_fetch_add_explicit(&h->work.oblets, 1, memory_order_relaxed);
        }
        uintptr_t end = b + OBLET_BYTES < s->limit ? b + OBLET_BYTES : s->limit;
        tp = gc_typePointersRange(s, b, end);
    } else {
        tp = gc_typePointersOf(s, b);
    }
    uintptr_t a;
    while ((a = gc_typePointers_next(&tp)) != 0) {
        uintptr_t v = loadSlot(a, conc);
        if (v && (v - x >= size || checkmark == 2))
            greyobject_(h, m, w, v, a, checkmark, par, conc);
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

/* A concurrent drain stops every CHECK_OBJS objects to flush its credit
 * and to see whether it should stop (drainCtl_check). */
enum { CHECK_OBJS = 64 };
typedef struct drainCtl {
    uint64_t nextCheck;   /* objsScanned at the next check */
    uint64_t flushed;     /* bytesMarked already added to the heap's counters */
    uint64_t budget;      /* assist: stop once bytesMarked - start reaches it */
    uint64_t start;
    double fraction;      /* fractional background worker: its share of a CPU */
    uint64_t c0;          /* its cpu time at the start of the round */
    int assist;
} drainCtl;

static void flushCredit(gc_heap *h, gcWork *w, drainCtl *c)
{
    uint64_t d = w->bytesMarked - c->flushed;
    c->flushed = w->bytesMarked;
    atomic_fetch_add_explicit(&h->markWork, d, memory_order_relaxed);
    if (!c->assist)
        atomic_fetch_add_explicit(&h->bgScanCredit, (int64_t)d, memory_order_relaxed);
}

/* Returns 1 when the drain should stop. */
static int drainCtl_check(gc_heap *h, gcWork *w, drainCtl *c)
{
    c->nextCheck = w->objsScanned + (h->opts.debug.gcconcurrentstress ? 4 : CHECK_OBJS);
    flushCredit(h, w, c);
    if (c->assist)
        return w->bytesMarked - c->start >= c->budget;
    if (h->opts.debug.gcconcurrentstress)
        sched_yield();
    if (c->fraction > 0) {
        /* Go's fractional worker: past its share of the mark's time it
         * leaves its work to the others and sleeps until it is under. */
        uint64_t elapsed = gc_nanotime() - h->markStartNs;
        uint64_t cpu = gc_thread_cputime() - c->c0;
        if ((double)cpu > c->fraction * (double)elapsed) {
            gc_gcw_flush(w);
            double wait = (double)cpu / c->fraction - (double)elapsed;
            if (wait > 2e6)
                wait = 2e6;
            struct timespec ts = {0, (long)wait};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

static ALWAYS_INLINE void drain_(gc_heap *h, gc_marker *m, gcWork *w, const int checkmark, const int par,
                                 const int conc, drainCtl *ctl)
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
            /* An assist takes what is there; a worker waits for work or
             * for the end of the round. */
            uintptr_t b = conc && ctl->assist ? gc_gcw_tryGet(w) : gc_gcw_get(w);
            if (!b)
                break;
            ring[tail++ % PREFETCH_RING] = b;
        }
        w->objsScanned++;
        scanobject_(h, m, w, ring[head++ % PREFETCH_RING], checkmark, par, conc);
        if (conc && UNLIKELY(w->objsScanned >= ctl->nextCheck) && drainCtl_check(h, w, ctl)) {
            while (head != tail) /* popped, not scanned: back to the queue */
                gcw_put(w, ring[head++ % PREFETCH_RING]);
            break;
        }
    }
    if (conc)
        flushCredit(h, w, ctl);
}

static void drainParallel(gc_heap *h, gcWork *w) { drain_(h, NULL, w, 0, 1, 0, NULL); }
static void drainAlone(gc_heap *h, gcWork *w) { drain_(h, NULL, w, 0, 0, 0, NULL); }
static void drainCheck(gc_heap *h, gc_marker *m) { drain_(h, m, m->gcw, m->checkmark, 0, 0, NULL); }
static void drainConcurrent(gc_heap *h, gcWork *w, drainCtl *c) { drain_(h, NULL, w, 0, 1, 1, c); }

void gc_mark_drain(gc_heap *h, gcWork *w) { drainParallel(h, w); }

enum { ROOT_CHUNK = 64 }; /* recorded root values a drain claims at a time */
static void shadeRoots(gc_heap *h, gcWork *w, size_t max);

void gc_mark_drainBackground(gc_heap *h, gcWork *w, double fraction)
{
    shadeRoots(h, w, SIZE_MAX);
    drainCtl c = {0};
    c.fraction = fraction;
    c.c0 = gc_thread_cputime();
    drainConcurrent(h, w, &c);
}

uint64_t gc_mark_drainAssist(gc_heap *h, gcWork *w, uint64_t budget)
{
    drainCtl c = {0};
    c.assist = 1;
    c.budget = budget;
    c.start = c.flushed = w->bytesMarked;
    /* A bounded drain takes one chunk of roots: an assist must stay short. */
    shadeRoots(h, w, budget == UINT64_MAX ? SIZE_MAX : ROOT_CHUNK);
    drainConcurrent(h, w, &c);
    /* What the assist found stays queued for the workers. */
    gc_gcw_flush(w);
    return w->bytesMarked - c.start;
}

void gc_shade(gc_heap *h, gcWork *w, uintptr_t v)
{
    if (v)
        greyobject_(h, NULL, w, v, 0, 0, 1, 1);
}

/* The first pause of a concurrent mark records its roots' values instead
 * of marking them, so that the pause costs a copy of the root words, not a
 * cache miss or two per root; the drains shade them after the pause, as
 * Go's workers run its root mark jobs. Shading a value recorded in the
 * pause later is as good as shading it then: the objects it reaches were
 * reachable at the mark's start, nothing is freed before the mark ends,
 * and the barrier keeps what the program stores or overwrites meanwhile.
 * Returns 0 when the buffer cannot grow: the root is then marked at once. */
static int recordRoot(gc_heap *h, uintptr_t v)
{
    if (h->rootN == h->rootCap) {
        size_t cap = h->rootCap ? 2 * h->rootCap : 1024;
        uintptr_t *nv = realloc(h->rootVals, cap * sizeof *nv);
        if (!nv)
            return 0;
        h->rootVals = nv;
        h->rootCap = cap;
    }
    h->rootVals[h->rootN++] = v;
    return 1;
}

bool gc_mark_rootsLeft(gc_heap *h)
{
    return atomic_load_explicit(&h->rootNext, memory_order_relaxed) < h->rootN;
}

/* Shade recorded root values into w, a chunk at a time, until at least
 * max of them are done or none is left to claim. */
static void shadeRoots(gc_heap *h, gcWork *w, size_t max)
{
    for (size_t done = 0; done < max; done += ROOT_CHUNK) {
        size_t i = atomic_fetch_add_explicit(&h->rootNext, ROOT_CHUNK, memory_order_relaxed);
        if (i >= h->rootN)
            return;
        size_t end = h->rootN - i < ROOT_CHUNK ? h->rootN : i + ROOT_CHUNK;
        for (; i < end; i++)
            gc_shade(h, w, h->rootVals[i]);
    }
}

/* Roots run on the collecting thread before any worker starts. */
static void greyRoot(gc_marker *m, uintptr_t v, uintptr_t from)
{
    if (m->recordRoots && recordRoot(m->heap, v))
        return;
    if (m->checkmark == 0)
        greyobject_(m->heap, NULL, m->gcw, v, from, 0, 0, 0);
    else
        greyobject_(m->heap, m, m->gcw, v, from, m->checkmark, 0, 0);
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

/* In a pause; rootsLock keeps threads without a P from changing the lists
 * meanwhile (a roots callback must not register roots or handles). */
static void markroots(gc_heap *h, gc_marker *m)
{
    pthread_mutex_lock(&h->rootsLock);
    for (size_t i = 0; i < h->nroots; i++)
        h->roots[i].fn(m, h->roots[i].ud);
    for (gc_handle *hd = h->handles; hd; hd = hd->next) {
        uintptr_t v = (uintptr_t)__atomic_load_n(&hd->obj, __ATOMIC_RELAXED);
        if (v)
            greyRoot(m, v, (uintptr_t)&hd->obj);
    }
    pthread_mutex_unlock(&h->rootsLock);
}


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
    gc_marker m = {h, 0, 0, w, 0};
    markroots(h, &m);
    unsigned nproc = 1;
    if (h->gcprocs > 1 && h->heapLive >= GC_SMALL_MARK)
        nproc += gc_markpool_start(h, h->gcprocs - 1);
    if (nproc > 1)
        drainParallel(h, w);
    else
        drainAlone(h, w);
    uint64_t cpu = gc_thread_cputime() - c0, idle = 0, bytes = w->bytesMarked, objs = w->objsScanned;
    if (nproc > 1)
        gc_markpool_wait(h, &cpu, &idle, &bytes, &objs);
    gc_gcw_dispose(w);
    h->markedBytes = bytes;
    h->stats.mark_procs = nproc;
    h->stats.mark_objects = objs;
    h->stats.mark_cpu_ns = cpu;
    h->stats.mark_cpu_total_ns += cpu;
    h->stats.mark_bytes_total += bytes;
}

/* The first pause of a concurrent cycle: the roots' values are recorded
 * for the drains (recordRoot). The collecting thread's gcWork, which holds
 * what could not be recorded, is published for the workers; it keeps its
 * buffers until mark termination (gc_collect drains with it). */
void gc_mark_concurrentRoots(gc_heap *h)
{
    gcWorkQueue *q = &h->work;
    q->nproc = 1;
    atomic_store(&q->nwait, 0);
    gc_gcw_init(&h->gcw, q);
    h->rootN = 0;
    atomic_store_explicit(&h->rootNext, 0, memory_order_relaxed);
    gc_marker m = {h, 0, 0, &h->gcw, 1};
    markroots(h, &m);
    gc_gcw_flush(&h->gcw);
}

/*
 * Allocate-black (Go's gcmarknewobject), a window at a time: when a P
 * starts allocating from a window during a mark, every free slot of it is
 * marked, so whatever the fast paths (alloc.h's inlined one included) hand
 * out is black without a test of their own; when the P leaves the window
 * (or the mark ends), the slots still free are unmarked again. The bytes
 * are charged to the P's assist credit as they are marked and refunded as
 * they are unmarked (Go charges each allocation; here the window is paid
 * ahead). Atomic: workers set bits in the same words.
 */
void gc_blackenWindow(gc_p *p, mspan *s)
{
    gc_heap *h = p->heap;
    if (s == &h->emptyspan || s->freeindex >= s->nelems || !s->allocCache)
        return;
    uint64_t free = s->allocCache;
    uint64_t old = __atomic_fetch_or(&s->gcmarkBits[s->freeindex / 64], free, __ATOMIC_RELAXED);
    uint64_t bytes = (uint64_t)__builtin_popcountll(free & ~old) * s->elemsize;
    gc_pageMarks_set(h, s);
    h->blackBytes += bytes;
    p->gcAssistBytes -= (int64_t)bytes;
    if (p->gcAssistBytes < 0 || h->heapLive > h->hardGoal)
        gc_assistAlloc(p);
}

void gc_unblackenWindow(gc_p *p, mspan *s)
{
    gc_heap *h = p->heap;
    if (s == &h->emptyspan || s->freeindex >= s->nelems || !s->allocCache)
        return;
    uint64_t free = s->allocCache;
    uint64_t old = __atomic_fetch_and(&s->gcmarkBits[s->freeindex / 64], ~free, __ATOMIC_RELAXED);
    uint64_t bytes = (uint64_t)__builtin_popcountll(free & old) * s->elemsize;
    h->blackBytes -= bytes;
    p->gcAssistBytes += (int64_t)bytes;
}

void gc_markLarge(gc_p *p, mspan *s)
{
    gc_heap *h = p->heap;
    __atomic_fetch_or(&s->gcmarkBits[0], 1, __ATOMIC_RELAXED);
    gc_pageMarks_set(h, s);
    h->blackBytes += s->elemsize;
    p->gcAssistBytes -= (int64_t)s->elemsize;
    if (p->gcAssistBytes < 0 || h->heapLive > h->hardGoal)
        gc_assistAlloc(p);
}

/* Go's gcOverAssistWork: an assist does at least this much, so that a P
 * in debt does not come back after every window. */
enum { OVER_ASSIST_WORK = 64 << 10 };
/* The longest one assist marks or waits, in ns: well below the allocation
 * latency alloc aims at (1 ms), so that a piece's overrun and a thread
 * preempted on a busy machine still fit. */
enum { ASSIST_MAX_NS = 250 * 1000 };

/* Gives the limiter the assist's wall time so far (from *w on) and asks it. */
static int assistLimited(gc_heap *h, uint64_t *w)
{
    if (h->opts.memory_limit <= 0)
        return 0;
    uint64_t t = gc_nanotime();
    gc_limiter_assist(h, t - *w);
    *w = t;
    return gc_limiter_limiting(h);
}

/*
 * Go's gcAssistAlloc: a P in debt first takes credit the background
 * workers banked (bgScanCredit), then marks for what is left, on its own
 * thread, at the pacer's rate (assistWorkPerByte). Departures: when there
 * is no grey object to take, Go parks the goroutine until credit comes;
 * here the P goes on with its debt (its own barrier may be what
 * publishes more work), unless the heap is past the hard goal (below).
 * And without a memory limit one assist lasts at most ASSIST_MAX_NS (and
 * one piece more): what is left of the debt stays, and the P's next
 * window assists again, so a large object's debt is paid over the
 * allocations that follow instead of stalling the one that made it (Go's
 * goroutine would be preempted). Under a memory limit the GC CPU limiter
 * bounds assists instead: its bucket fills with their whole time, and
 * once on it ends them (assistLimited).
 */
void gc_assistAlloc(gc_p *p)
{
    gc_heap *h = p->heap;
    /* gcconcurrentstress=2 marks in markDone's steps alone; the limiter
     * is on: the collector has had its half of the CPU. */
    if (h->opts.debug.gcmarkhold || h->opts.debug.gcconcurrentstress >= 2 || gc_limiter_limiting(h))
        return;
    uint64_t t0 = gc_thread_cputime(), w0 = gc_nanotime(), wl = w0;
    uint64_t maxNs = h->opts.memory_limit > 0 ? UINT64_MAX : ASSIST_MAX_NS;
    /* The rates are shared by every P: revised and read under pacerLock
     * (an assist is never entered with it held). */
    gc_pacer_lock(h);
    gc_pacer_revise(h);
    double workPerByte = h->assistWorkPerByte, bytesPerWork = h->assistBytesPerWork;
    gc_pacer_unlock(h);
    if (p->gcAssistBytes >= 0)
        goto hard;
    double want = (double)-p->gcAssistBytes * workPerByte;
    uint64_t work = want < OVER_ASSIST_WORK ? OVER_ASSIST_WORK : (uint64_t)want;
    int64_t credit = atomic_load_explicit(&h->bgScanCredit, memory_order_relaxed);
    if (credit > 0) {
        int64_t take = credit < (int64_t)work ? credit : (int64_t)work;
        atomic_fetch_sub_explicit(&h->bgScanCredit, take, memory_order_relaxed);
        p->gcAssistBytes += (int64_t)((double)take * bytesPerWork);
        work -= (uint64_t)take;
    }
    /* In pieces, with the limiter asked between them: an assist ends as
     * soon as the collector has had its share. */
    while (p->gcAssistBytes < 0 && work > 0) {
        uint64_t piece = work < OVER_ASSIST_WORK ? work : OVER_ASSIST_WORK;
        uint64_t done = gc_mark_drainAssist(h, &p->gcw, piece);
        p->gcAssistBytes += (int64_t)((double)done * bytesPerWork);
        work -= piece;
        if (done < piece || assistLimited(h, &wl) || gc_nanotime() - w0 >= maxNs)
            goto out;
    }
hard:
    /* Past the hard goal (the goal + 10%) with nothing left to mark here:
     * Go parks the assist until the workers are done. The P waits here
     * (marking whatever they publish) until their round ends, so that its
     * next safepoint ends the mark, rather than letting the heap run on
     * while the workers wait for a CPU; unless the limiter turns on. */
    if (h->heapLive > h->hardGoal) {
        while (h->roundActive && atomic_load_explicit(&h->bgRunning, memory_order_acquire) != 0) {
            if (gc_mark_drainAssist(h, &p->gcw, OVER_ASSIST_WORK) == 0) {
                struct timespec ts = {0, 20000};
                nanosleep(&ts, NULL);
            }
            if (assistLimited(h, &wl) || gc_nanotime() - w0 >= maxNs)
                break;
        }
    }
out:;
    uint64_t t1 = gc_thread_cputime(), w1 = gc_nanotime();
    h->assistCpuNs += t1 - t0;
    gc_limiter_assist(h, w1 - wl);
    if (h->timeline) {
        gc_pacer_lock(h);
        gc_timeline_event(h, "assist", 1, w0, w1, "\"debt_after\":%lld", (long long)p->gcAssistBytes);
        gc_pacer_unlock(h);
    }
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

/* The checkmark walk's own mark bits: a bitmap per arena with a bit per
 * heap word (Go's), made on the first walk; each walk clears the bits of
 * every in-use span's slots. *(int *)ud is set when a bitmap could not be
 * had. */
static void startCheckmarks(gc_heap *h, mspan *s, void *ud)
{
    uint32_t n = s->nelems ? s->nelems : 1;
    for (uint32_t i = 0; i < n; i++) {
        uintptr_t x = s->startAddr + i * s->elemsize;
        heapArena *ha = arenaOf(h, x);
        if (!ha->checkmarks) {
            ha->checkmarks = gc_sys_alloc(h, CHECKMARK_BYTES);
            if (!ha->checkmarks) {
                *(int *)ud = 1;
                return;
            }
            h->meta_sys += CHECKMARK_BYTES;
        }
        uint64_t bit, *w = checkmarkWord(h, x, &bit);
        *w &= ~bit;
    }
}

/* Clear every in-use span's checkmark bits; 0, or -1 when memory for a
 * bitmap ran out. */
static int checkmarksBegin(gc_heap *h)
{
    int failed = 0;
    gc_forEachInUseSpan(h, startCheckmarks, &failed);
    return failed ? -1 : 0;
}

static void compareMarks(gc_heap *h, mspan *s, void *ud)
{
    (void)ud;
    uint32_t n = s->nelems ? s->nelems : 1;
    for (uint32_t idx = 0; idx < n; idx++) {
        uintptr_t x = s->startAddr + idx * s->elemsize;
        uint64_t bit, *w = checkmarkWord(h, x, &bit);
        if (!(*w & bit) == !bit_get(s->gcmarkBits, idx))
            continue;
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
    gc_marker m = {h, 1, 0, NULL, 0};
    gc_mark_roots_and_drain(h, &m);
    /* A concurrent mark also keeps what died while it ran (floating
     * garbage): only "reachable but not marked" is an error there, and
     * the walk itself aborts on it. */
    if (!h->concurrentCycle)
        gc_forEachInUseSpan(h, compareMarks, NULL);
}

static size_t verifyStopped(gc_heap *h)
{
    gc_bgsweep_wait(h); /* it moves spans between lists */
    if (h->gc_running || h->gcphase != GC_OFF)
        return 0;
    if (checkmarksBegin(h) != 0) {
        fprintf(h->trace, "alloc: verify: no memory for the checkmark bits: nothing checked\n");
        fflush(h->trace);
        return GC_VERIFY_NOMEM;
    }
    gc_marker m = {h, 2, 0, NULL, 0};
    gc_mark_roots_and_drain(h, &m);
    fflush(h->trace);
    return m.problems;
}

/* The walk reads every span, the Ps' cached ones too: the world stops. */
size_t gc_verify(gc_heap *h)
{
    gc_world_stop(h);
    size_t n = verifyStopped(h);
    gc_world_start(h);
    return n;
}
