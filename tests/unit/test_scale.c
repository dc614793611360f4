/*
 * test_scale.c: the heap at scale and under a memory limit: the GC CPU
 * limiter (alloc/mgclimit.c), the background sweeper and scavenger
 * (alloc/mgcsweep.c, mgcscavenge.c), reclaim by bitmap, and oblets with
 * work buffers given back (alloc/mgcmark.c, mgcwork.c). Assertions are on
 * the collector's counters (gc_stats), never on wall time. `make tsan`
 * runs this suite under ThreadSanitizer: the background sweeper races the
 * host for spans there.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc/alloc.h"
#include "tests/unit/unit.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TEST_SLOW 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define TEST_SLOW 1
#endif
#endif
#ifdef TEST_SLOW
enum { SLOW = 4 };
#else
enum { SLOW = 1 };
#endif

typedef struct node {
    uint64_t id;
    struct node *next;
} node;
static const uint8_t nodeMask[] = {0x2};
static const gc_type nodeType = {sizeof(node), sizeof(node), nodeMask, "node"};
static const uint8_t ptrMask[] = {0x1};
static const gc_type ptrType = {8, 8, ptrMask, "ptr"};

enum { NROOTS = 8 };
typedef struct world {
    gc_heap *h;
    gc_p *p;
    const gc_barrier *bar;
    void *roots[NROOTS];
} world;

static void markRoots(gc_marker *m, void *ud)
{
    world *w = ud;
    gc_mark_block(m, (void *const *)w->roots, NROOTS, NULL);
}

static void worldInitProcs(world *w, int concurrent, int64_t limit, const char *debug, int gcprocs)
{
    memset(w, 0, sizeof *w);
    gc_options o;
    gc_options_default(&o);
    o.concurrent = concurrent;
    o.memory_limit = limit;
    o.gcprocs = gcprocs;
    char err[200];
    CU_ASSERT_EQUAL_FATAL(gc_parse_debug(&o.debug, debug, err, sizeof err), 0);
    w->h = gc_heap_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->h);
    w->p = gc_p_new(w->h);
    w->bar = gc_heap_barrier(w->h);
    gc_add_roots(w->h, markRoots, w);
}

static void worldInit(world *w, int concurrent, int64_t limit, const char *debug)
{
    worldInitProcs(w, concurrent, limit, debug, 2);
}

static void worldFree(world *w)
{
    gc_remove_roots(w->h, markRoots, w);
    gc_p_free(w->p);
    gc_heap_free(w->h);
}

/* Stores through the barrier, as the concurrent collector asks. */
static void store(world *w, void *obj, void **slot, void *val) { gc_write_pointer(w->p, w->bar, slot, val); (void)obj; }

/* A list of n nodes in roots[i]. */
static node *buildList(world *w, int i, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        node *x = gc_mallocgc(w->p, sizeof(node), &nodeType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        x->id = k;
        store(w, x, (void **)&x->next, w->roots[i]);
        store(w, NULL, &w->roots[i], x);
    }
    return w->roots[i];
}

static size_t listLen(const node *n)
{
    size_t k = 0;
    for (; n; n = n->next)
        k++;
    return k;
}

/* ---- the GC CPU limiter ---- */

/* A live heap of 8 MB under a 4 MiB limit (a quarter of both in sanitizer
 * builds, so the heap still runs over the limit), and garbage: the program
 * finishes (the heap runs over the limit instead of collecting at every
 * refill), the limiter turned on, and the collector's time stayed near
 * half: at most the host's plus two bucket capacities. Concurrently with
 * gcprocs 1, so that no proc is left idle: idle-mode marking is not the
 * collector's time for the limiter, and would leave it little to cap. */
static void limiterRun(int concurrent)
{
    world w;
    worldInitProcs(&w, concurrent, (4 << 20) / SLOW, "", concurrent ? 1 : 2);
    size_t live = (8u << 20) / 16 / SLOW;
    buildList(&w, 0, live);
    size_t garbage = (size_t)(400u << 20) / 16 / SLOW;
    for (size_t k = 0; k < garbage; k++) {
        node *x = gc_mallocgc(w.p, sizeof(node), &nodeType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        x->id = k;
        gc_safepoint(w.p, gc_p_poll(w.p));
    }
    gc_stats s;
    gc_read_stats(w.h, &s);
    CU_ASSERT_EQUAL(listLen(w.roots[0]), live);
    CU_ASSERT(s.num_gc > 2);
    CU_ASSERT(s.limiter_on_count > 0);
    CU_ASSERT(s.limiter_on_ns > 0);
    /* Once on, the limiter waits until the host has run as long as the
     * collector: the collector is ahead by at most the capacity (50 ms per
     * host thread) and the last cycle. */
    CU_ASSERT(s.limiter_gc_ns <= s.limiter_mutator_ns + 50 * 1000 * 1000 + 2 * s.pause_max_ns +
                                     s.mark_bg_cpu_ns + s.mark_assist_cpu_ns);
    /* Fewer cycles than one per span refill: each one let the host run. */
    CU_ASSERT(s.num_gc < garbage / 512 / 4);
    if (getenv("TEST_SCALE_VERBOSE"))
        printf("\n  limiter: %llu gcs, gc %.1f ms, mutator %.1f ms, on %.1f ms (%llu times)\n",
               (unsigned long long)s.num_gc, s.limiter_gc_ns / 1e6, s.limiter_mutator_ns / 1e6,
               s.limiter_on_ns / 1e6, (unsigned long long)s.limiter_on_count);
    worldFree(&w);
}

static void test_limiter_stw(void) { limiterRun(0); }
static void test_limiter_concurrent(void) { limiterRun(1); }

/* Without a memory limit the limiter never acts. */
static void test_limiter_off_without_limit(void)
{
    world w;
    worldInit(&w, 0, 0, "");
    buildList(&w, 0, 1000);
    for (size_t k = 0; k < (size_t)(64u << 20) / 16 / SLOW; k++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(w.p, sizeof(node), &nodeType, true));
    gc_stats s;
    gc_read_stats(w.h, &s);
    CU_ASSERT(s.num_gc > 0);
    CU_ASSERT_EQUAL(s.limiter_on_count, 0);
    CU_ASSERT_EQUAL(s.limiter_on_ns, 0);
    worldFree(&w);
}

/* ---- oblets and the mark queue ---- */

/* A large array of n pointers, each to its own node, in roots[i]. */
static void **buildArray(world *w, int i, size_t n)
{
    void **a = gc_mallocgc(w->p, n * sizeof(void *), &ptrType, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    store(w, NULL, &w->roots[i], a);
    for (size_t k = 0; k < n; k++) {
        node *x = gc_mallocgc(w->p, sizeof(node), &nodeType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        x->id = k;
        store(w, a, &a[k], x);
    }
    return a;
}

/* A 2-million-element pointer array (16 MB) is marked in 128 KiB oblets:
 * each queues at most 16,384 pointers, so the queue stays within a few of
 * its 64 KiB buffers where a whole-object scan would hold 2 million
 * entries (245 buffers); every node survives; the spare buffers of a mark
 * that did need many go back to the OS afterwards. */
static void obletsRun(int concurrent)
{
    world w;
    worldInit(&w, concurrent, 0, "gccheckmark=1");
    size_t n = (size_t)2000000 / SLOW;
    void **a = buildArray(&w, 0, n);
    gc_stats s0, s;
    gc_read_stats(w.h, &s0);
    gc_collect(w.h);
    gc_read_stats(w.h, &s);
    CU_ASSERT(s.mark_oblets - s0.mark_oblets >= n * 8 / (128 << 10));
    CU_ASSERT(s.work_bufs_peak <= 24);
    size_t alive = 0;
    for (size_t k = 0; k < n; k++)
        alive += gc_is_live(w.h, a[k]) && ((node *)a[k])->id == k;
    CU_ASSERT_EQUAL(alive, n);
    if (getenv("TEST_SCALE_VERBOSE"))
        printf("\n  oblets: %llu, bufs peak %llu (before %llu) now %llu freed %llu\n",
               (unsigned long long)(s.mark_oblets - s0.mark_oblets), (unsigned long long)s.work_bufs_peak,
               (unsigned long long)s0.work_bufs_peak, (unsigned long long)s.work_bufs, (unsigned long long)s.work_bufs_freed);
    worldFree(&w);
}

static void test_oblets_stw(void) { obletsRun(0); }
static void test_oblets_concurrent(void) { obletsRun(1); }

/* A mark that needs many queue buffers (an array of arrays of nodes: the
 * drain's prefetch ring takes 16 inner arrays at a time, each queueing its
 * 4,000 nodes) gives the spare ones back at its end, keeping two per
 * worker and host thread. */
static void test_wbufs_freed(void)
{
    world w;
    worldInit(&w, 0, 0, "");
    enum { INNER = 4000 };
    size_t outer = 64;
    void **a = gc_mallocgc(w.p, outer * sizeof(void *), &ptrType, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    store(&w, NULL, &w.roots[0], a);
    for (size_t i = 0; i < outer; i++) {
        void **b = gc_mallocgc(w.p, INNER * sizeof(void *), &ptrType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        store(&w, a, &a[i], b);
        for (size_t k = 0; k < INNER; k++) {
            node *x = gc_mallocgc(w.p, sizeof(node), &nodeType, true);
            CU_ASSERT_PTR_NOT_NULL_FATAL(x);
            store(&w, b, &b[k], x);
        }
    }
    gc_collect(w.h);
    gc_stats s;
    gc_read_stats(w.h, &s);
    CU_ASSERT(s.work_bufs_peak > 2 * (2 + s.num_mutators));
    CU_ASSERT(s.work_bufs <= 2 * (2 + s.num_mutators));
    CU_ASSERT(s.work_bufs_freed + 2 * (2 + s.num_mutators) >= s.work_bufs_peak);
    if (getenv("TEST_SCALE_VERBOSE"))
        printf("\n  wbufs: peak %llu now %llu freed %llu\n", (unsigned long long)s.work_bufs_peak,
               (unsigned long long)s.work_bufs, (unsigned long long)s.work_bufs_freed);
    worldFree(&w);
}

/* ---- the background scavenger ---- */

/* 64 MiB of large objects die; cycles go on from allocation alone (no
 * gc_collect, which would wait for the scavenger): the background thread
 * releases the idle pages down to 110% of the goal by itself. */
static void test_scavenger_background(void)
{
    world w;
    worldInit(&w, 0, 0, "");
    void **keep = gc_mallocgc(w.p, 64 * sizeof(void *), &ptrType, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(keep);
    store(&w, NULL, &w.roots[0], keep);
    for (int i = 0; i < 64; i++) {
        uint8_t *b = gc_mallocgc(w.p, 1 << 20, NULL, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        memset(b, 1, 1 << 20);
        store(&w, keep, &keep[i], b);
    }
    store(&w, NULL, &w.roots[0], NULL);
    gc_stats s;
    gc_read_stats(w.h, &s);
    uint64_t cycles0 = s.num_gc;
    /* Small garbage until two more cycles have passed: the large pages are
     * idle for a whole cycle. */
    while (s.num_gc < cycles0 + 3) {
        for (int k = 0; k < 10000; k++)
            CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(w.p, sizeof(node), &nodeType, true));
        gc_read_stats(w.h, &s);
    }
    /* Wait (not time) for the thread: at most about ten seconds. Chunks
     * that the small garbage keeps freeing into are not idle and stay. */
    for (int i = 0; i < 10000 && s.scav_released < (48u << 20); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        gc_read_stats(w.h, &s);
    }
    CU_ASSERT(s.heap_released >= 48u << 20);
    if (getenv("TEST_SCALE_VERBOSE"))
        printf("\n  scavenger: sys %llu released %llu goal %llu by the thread %llu in %llu passes\n", (unsigned long long)s.heap_sys, (unsigned long long)s.heap_released, (unsigned long long)s.heap_goal, (unsigned long long)s.scav_released, (unsigned long long)s.scav_passes);
    CU_ASSERT(s.scav_released >= 48u << 20);
    CU_ASSERT(s.scav_passes >= 1);
    /* Released pages come back zeroed. */
    for (int i = 0; i < 16; i++) {
        uint64_t *z = gc_mallocgc(w.p, 1 << 20, &ptrType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(z);
        CU_ASSERT_EQUAL(z[0], 0);
        CU_ASSERT_EQUAL(z[(1 << 17) - 1], 0);
    }
    worldFree(&w);
}

/* ---- the background sweeper ---- */

static void countUnswept(const gc_span_info *si, void *ud)
{
    if (!si->free && si->unswept)
        ++*(size_t *)ud;
}

/* After an automatic cycle the host stops allocating: the background
 * sweeper alone sweeps every span (gc_span_walk waits for it to be idle,
 * and it is idle only when nothing is left), before any next cycle. */
static void test_bgsweep_sweeps_all(void)
{
    world w;
    worldInit(&w, 0, 0, "");
    buildList(&w, 0, 100000 / SLOW);
    gc_stats s;
    gc_read_stats(w.h, &s);
    uint64_t n0 = s.num_gc;
    while (s.num_gc == n0) {
        for (int k = 0; k < 1000; k++)
            CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(w.p, 48, &nodeType, true));
        gc_read_stats(w.h, &s);
    }
    size_t unswept = 0;
    gc_span_walk(w.h, countUnswept, &unswept);
    gc_read_stats(w.h, &s);
    CU_ASSERT_EQUAL(unswept, 0);
    CU_ASSERT(s.sweep_bg_spans > 0);
    CU_ASSERT_EQUAL(s.num_gc, n0 + 1);
    CU_ASSERT_EQUAL(listLen(w.roots[0]), 100000 / SLOW);
    worldFree(&w);
}

/* The host allocates and frees through many cycles while the background
 * sweeper sweeps: both claim spans (TSan sees the race, if any); lists
 * of live nodes stay whole and gc_verify finds nothing dangling. */
static void sweepRace(int concurrent)
{
    world w;
    worldInit(&w, concurrent, 0, "");
    size_t rounds = 60 / SLOW;
    for (size_t r = 0; r < rounds; r++) {
        int i = (int)(r % NROOTS);
        store(&w, NULL, &w.roots[i], NULL);
        buildList(&w, i, 20000);
        for (int k = 0; k < 20000; k++) /* garbage of several classes */
            CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(w.p, 16 + 16 * (size_t)(k % 8), &nodeType, true));
        gc_safepoint(w.p, gc_p_poll(w.p));
    }
    for (int i = 0; i < NROOTS && (size_t)i < rounds; i++)
        CU_ASSERT_EQUAL(listLen(w.roots[i]), 20000);
    gc_stats s;
    gc_read_stats(w.h, &s);
    CU_ASSERT(s.num_gc >= 3);
    CU_ASSERT(s.sweep_bg_spans > 0);
    CU_ASSERT_EQUAL(gc_verify(w.h), 0);
    worldFree(&w);
}

static void test_bgsweep_race_stw(void) { sweepRace(0); }
static void test_bgsweep_race_concurrent(void) { sweepRace(1); }

/* ---- reclaim by bitmap ---- */

/* Every other span of nodes is live after a cycle (no background sweeper,
 * so nothing is swept yet). A large allocation first reclaims pages: it
 * sweeps only spans the mark found nothing in (pageInUse &^ pageMarks),
 * each of them freed whole, never a live one. */
static void reclaimRun(int concurrent)
{
    world w;
    worldInit(&w, concurrent, 0, "gcnobgsweep=1");
    size_t n = 400000 / SLOW, kept = 0;
    for (size_t k = 0; k < n; k++) {
        node *x = gc_mallocgc(w.p, sizeof(node), &nodeType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        int i = ((uintptr_t)x >> 13) % 2; /* the page's parity */
        store(&w, x, (void **)&x->next, w.roots[i]);
        store(&w, NULL, &w.roots[i], x);
        kept += i == 0;
    }
    gc_collect(w.h); /* everything swept */
    store(&w, NULL, &w.roots[1], NULL); /* the odd pages die; one cycle left unswept */
    CU_ASSERT_EQUAL(gc_mark_start(w.h), concurrent ? 1 : 0);
    while (gc_mark_active(w.h))
        gc_safepoint(w.p, gc_p_poll(w.p));
    gc_stats s0, s;
    gc_read_stats(w.h, &s0);
    void *big = gc_mallocgc(w.p, 256 << 10, NULL, false); /* small beside the heap: proportional sweep does little */
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    gc_read_stats(w.h, &s);
    uint64_t spans = s.reclaim_spans - s0.reclaim_spans, freed = s.reclaim_freed - s0.reclaim_freed;
    CU_ASSERT(s.reclaim_pages - s0.reclaim_pages >= (256u << 10) / 8192);
    CU_ASSERT(spans > 0);
    CU_ASSERT_EQUAL(freed, spans);
    CU_ASSERT_EQUAL(listLen(w.roots[0]), kept);
    if (getenv("TEST_SCALE_VERBOSE"))
        printf("\n  reclaim: %llu spans swept, %llu freed, %llu pages\n", (unsigned long long)spans,
               (unsigned long long)freed, (unsigned long long)(s.reclaim_pages - s0.reclaim_pages));
    worldFree(&w);
}

static void test_reclaim_stw(void) { reclaimRun(0); }
static void test_reclaim_concurrent(void) { reclaimRun(1); }

static CU_TestInfo tests[] = {
    {"reclaim_stw", test_reclaim_stw},
    {"reclaim_concurrent", test_reclaim_concurrent},
    {"bgsweep_sweeps_all", test_bgsweep_sweeps_all},
    {"bgsweep_race_stw", test_bgsweep_race_stw},
    {"bgsweep_race_concurrent", test_bgsweep_race_concurrent},
    {"scavenger_background", test_scavenger_background},
    {"oblets_stw", test_oblets_stw},
    {"oblets_concurrent", test_oblets_concurrent},
    {"wbufs_freed", test_wbufs_freed},
    {"limiter_stw", test_limiter_stw},
    {"limiter_concurrent", test_limiter_concurrent},
    {"limiter_off_without_limit", test_limiter_off_without_limit},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"scale", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("scale", suites, argc, argv); }
