/*
 * test_threads.c: several mutator threads on one heap (alloc/mproc.c).
 * The stress (tests/threads/tstress.c): 4 threads, each with its own P,
 * allocate, link their nodes into a structure they share and drop them
 * from it, with stores through gc_write_pointer, giving their P back
 * mid-run, checked against a model after every collection; gccheckmark
 * checks every mark. It runs with the concurrent collector, with
 * gcstoptheworld=1, with gcconcurrentstress=1 and with the stop-the-world
 * collector, for a fixed number of cycles.
 * Smaller tests: a P handed from thread to thread, a pause that a
 * released P does not hold up, gc_p_poke, every thread's allocations in
 * the heap's statistics. `make tsan` runs this suite
 * under ThreadSanitizer.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"
#include "tests/threads/tstress.h"
#include "tests/unit/unit.h"

#if UNIT_TSAN
enum { CYCLES = 20 };
#else
enum { CYCLES = 120 };
#endif

/* A node for the small tests: an id and two pointers. */
typedef struct node {
    struct node *next, *other;
    uint64_t id;
} node;
static const uint8_t nodeMask[] = {0x3};
static const gc_type nodeType = {sizeof(node), 16, nodeMask, "node"};

static void runStress(const char *debug, int concurrent)
{
    gc_options o;
    gc_options_default(&o);
    o.concurrent = concurrent;
    o.gc_percent = 25;
    o.gcprocs = 2;
    char err[200];
    CU_ASSERT_EQUAL_FATAL(gc_parse_debug(&o.debug, debug, err, sizeof err), 0);
    gc_heap *h = gc_heap_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    tstress_opts so = {.threads = 4, .cycles = CYCLES, .slots = 64, .release_every = 64};
    tstress_result r;
    CU_ASSERT_EQUAL(tstress_run(h, &so, &r), 0);
    if (r.problems)
        fprintf(stderr, "threads: %s: %llu problems, the first: %s\n", debug, (unsigned long long)r.problems, r.first);
    if (getenv("THREADS_VERBOSE"))
        fprintf(stderr, "%s: %llu cycles, %llu nodes, %llu steps\n", debug, (unsigned long long)r.cycles,
                (unsigned long long)r.nodes, (unsigned long long)r.steps);
    CU_ASSERT_EQUAL(r.problems, 0);
    CU_ASSERT(r.cycles >= CYCLES);
    gc_stats st;
    gc_read_stats(h, &st);
    CU_ASSERT_EQUAL(st.num_mutators, 0);
    if (concurrent && !strstr(debug, "gcstoptheworld"))
        CU_ASSERT(st.num_concurrent_gc > 0);
    gc_heap_free(h);
}

static void test_stress_concurrent(void) { runStress("gccheckmark=1", 1); }
static void test_stress_stoptheworld(void) { runStress("gccheckmark=1,gcstoptheworld=1", 1); }
static void test_stress_concurrentstress(void) { runStress("gccheckmark=1,gcconcurrentstress=1", 1); }
static void test_stress_stw_collector(void) { runStress("gccheckmark=1", 0); }

/* ---- a P handed between threads ---- */

typedef struct handoff {
    gc_p *p;
    void **root;
    int ok;
} handoff;

static void *takeAndAllocate(void *arg)
{
    handoff *ho = arg;
    gc_p_acquire(ho->p);
    node *n = gc_mallocgc(ho->p, sizeof(node), &nodeType, true);
    n->id = 42;
    *ho->root = n;
    ho->ok = n != NULL;
    gc_p_release(ho->p);
    return NULL;
}

static void rootOne(gc_marker *gm, void *ud) { gc_mark_slot(gm, (void *const *)ud); }

static void test_handoff(void)
{
    gc_heap *h = gc_heap_new(NULL);
    void *root = NULL;
    gc_add_roots(h, rootOne, &root);
    gc_p *p = gc_p_new(h);
    gc_p_release(p);
    handoff ho = {p, &root, 0};
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, takeAndAllocate, &ho), 0);
    pthread_join(th, NULL);
    CU_ASSERT(ho.ok);
    gc_p_acquire(p);
    gc_collect(h);
    CU_ASSERT_EQUAL(((node *)root)->id, 42);
    CU_ASSERT(gc_is_live(h, root));
    gc_p_free(p);
    gc_remove_roots(h, rootOne, &root);
    gc_heap_free(h);
}

/* ---- a pause with a P released by a blocked thread ---- */

typedef struct blocked {
    gc_heap *h;
    gc_p *p;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int released, wake;
} blocked;

static void *blockReleased(void *arg)
{
    blocked *b = arg;
    b->p = gc_p_new(b->h);
    gc_mallocgc(b->p, 64, NULL, false);
    gc_p_release(b->p);
    pthread_mutex_lock(&b->mu);
    b->released = 1;
    pthread_cond_broadcast(&b->cv);
    while (!b->wake)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    gc_p_acquire(b->p);
    gc_mallocgc(b->p, 64, NULL, false);
    gc_p_free(b->p);
    return NULL;
}

static void test_pause_skips_idle(void)
{
    gc_options o;
    gc_options_default(&o);
    o.concurrent = 1;
    blocked b = {.h = gc_heap_new(&o)};
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, blockReleased, &b), 0);
    pthread_mutex_lock(&b.mu);
    while (!b.released)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    /* The other thread is blocked until told: these pauses must not
     * wait for it. */
    gc_collect(b.h);
    CU_ASSERT_EQUAL(gc_mark_start(b.h), 1);
    gc_collect(b.h);
    gc_stats st;
    gc_read_stats(b.h, &st);
    CU_ASSERT_EQUAL(st.num_gc, 3);
    CU_ASSERT_EQUAL(st.num_mutators, 1);
    pthread_mutex_lock(&b.mu);
    b.wake = 1;
    pthread_cond_broadcast(&b.cv);
    pthread_mutex_unlock(&b.mu);
    pthread_join(th, NULL);
    pthread_cond_destroy(&b.cv);
    pthread_mutex_destroy(&b.mu);
    gc_heap_free(b.h);
}

/* ---- every thread's allocations counted ---- */

/* Each P counts what it allocates itself (per-P statistics): the heap's
 * figures must add up every P's, while the Ps exist and after they are
 * freed. */
enum { COUNT_SMALL = 30000, COUNT_LARGE = 40, COUNT_THREADS = 2 };

typedef struct counting {
    gc_heap *h;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, proceed, failed;
} counting;

static void *allocateCounted(void *arg)
{
    counting *c = arg;
    static const size_t sizes[] = {16, 48, 256};
    gc_p *p = gc_p_new(c->h);
    int failed = p == NULL;
    for (int i = 0; p && i < COUNT_SMALL; i++)
        failed |= gc_mallocgc(p, sizes[i % 3], NULL, true) == NULL;
    for (int i = 0; p && i < COUNT_LARGE; i++)
        failed |= gc_mallocgc(p, 64 << 10, NULL, true) == NULL;
    if (p)
        gc_p_release(p);
    pthread_mutex_lock(&c->mu);
    c->failed |= failed;
    c->done++;
    pthread_cond_broadcast(&c->cv);
    while (!c->proceed)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    if (p) {
        gc_p_acquire(p);
        gc_p_free(p);
    }
    return NULL;
}

static void test_stats_every_thread(void)
{
    gc_options o;
    gc_options_default(&o);
    o.concurrent = 1;
    o.gc_percent = -1; /* no cycle: nothing folds the Ps' counts until gc_p_free */
    counting c = {.h = gc_heap_new(&o)};
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.h);
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    pthread_t th[COUNT_THREADS];
    for (int i = 0; i < COUNT_THREADS; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, allocateCounted, &c), 0);
    pthread_mutex_lock(&c.mu);
    while (c.done < COUNT_THREADS)
        pthread_cond_wait(&c.cv, &c.mu);
    pthread_mutex_unlock(&c.mu);
    CU_ASSERT_FALSE(c.failed);
    const uint64_t want = COUNT_THREADS * (uint64_t)(COUNT_SMALL + COUNT_LARGE);
    gc_stats st;
    gc_read_stats(c.h, &st); /* counts still on the Ps */
    CU_ASSERT_EQUAL(st.mallocs, want);
    CU_ASSERT_EQUAL(st.large_allocs, COUNT_THREADS * COUNT_LARGE);
    CU_ASSERT_EQUAL(st.num_mutators, COUNT_THREADS);
    pthread_mutex_lock(&c.mu);
    c.proceed = 1;
    pthread_cond_broadcast(&c.cv);
    pthread_mutex_unlock(&c.mu);
    for (int i = 0; i < COUNT_THREADS; i++)
        pthread_join(th[i], NULL);
    gc_read_stats(c.h, &st); /* folded into the heap's */
    CU_ASSERT_EQUAL(st.mallocs, want);
    CU_ASSERT_EQUAL(st.large_allocs, COUNT_THREADS * COUNT_LARGE);
    CU_ASSERT_EQUAL(st.num_mutators, 0);
    pthread_cond_destroy(&c.cv);
    pthread_mutex_destroy(&c.mu);
    gc_heap_free(c.h);
}

/* ---- gc_p_poke ---- */

static void test_poke(void)
{
    gc_heap *h = gc_heap_new(NULL);
    gc_p *p = gc_p_new(h);
    const gc_poll *poll = gc_p_poll(p);
    CU_ASSERT_EQUAL(atomic_load(&poll->pending), 0);
    gc_p_poke(p);
    CU_ASSERT_NOT_EQUAL(atomic_load(&poll->pending), 0);
    gc_safepoint(p, poll); /* the slow path: nothing to do, the poll is consumed */
    CU_ASSERT_EQUAL(atomic_load(&poll->pending), 0);
    gc_p_free(p);
    gc_heap_free(h);
}

static CU_TestInfo tests[] = {
    {"handoff", test_handoff},
    {"pause_skips_idle", test_pause_skips_idle},
    {"poke", test_poke},
    {"stats_every_thread", test_stats_every_thread},
    {"stress_concurrent", test_stress_concurrent},
    {"stress_stoptheworld", test_stress_stoptheworld},
    {"stress_concurrentstress", test_stress_concurrentstress},
    {"stress_stw_collector", test_stress_stw_collector},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"threads", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("threads", suites, argc, argv); }
