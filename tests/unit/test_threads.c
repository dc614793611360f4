/*
 * test_threads.c: several mutator threads on one heap (alloc/mproc.c):
 * each thread owns a P, allocates, links its objects into a structure
 * the threads share and drops them from it, with stores through
 * gc_write_pointer; cycles stop the world by the handshake while the
 * others run. A model checks every object reachable from the shared
 * structure after every collection: each node records the ids its
 * pointers should reach and a checksum of them, so a node freed while
 * reachable, and then reused, shows as a wrong id or checksum. gccheckmark
 * checks every mark, gc_verify every heap between cycles.
 *
 * The stress runs with the concurrent collector, with gcstoptheworld=1
 * and with gcconcurrentstress=1, for a fixed number of cycles; threads
 * give their P back mid-run (and block meanwhile) and take it again.
 * Smaller tests: a P handed from thread to thread, a pause that a
 * released P does not hold up, gc_p_poke. `make tsan` runs this suite
 * under ThreadSanitizer.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"
#include "tests/unit/unit.h"

#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#ifdef TEST_TSAN
enum { CYCLES = 20 };
#else
enum { CYCLES = 120 };
#endif

enum { NTHREADS = 4, NSLOTS = 64, NLOCALS = 2, CHAIN_MAX = 1 << 20 };

/* A node: two pointers, the ids they should reach (0: NULL) and a sum. */
typedef struct node {
    struct node *next, *other;
    uint64_t id, nextId, otherId, check;
} node;
static const uint8_t nodeMask[] = {0x3};
static const gc_type nodeType = {sizeof(node), 16, nodeMask, "node"};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ x >> 29;
}
static uint64_t nodeSum(const node *n) { return mix(n->id ^ mix(n->nextId ^ mix(n->otherId))); }

typedef struct shared shared;
typedef struct mutator {
    shared *sh;
    gc_p *p;
    unsigned idx;
    uint64_t seed;
    void *locals[NLOCALS]; /* the thread's live pointers across safepoints (its stack) */
    uint64_t verified;     /* collections this thread checked the model after */
} mutator;

struct shared {
    gc_heap *h;
    const gc_barrier *bar;
    pthread_mutex_t lock; /* slots, and every field of a published node */
    node *slots[NSLOTS];
    _Atomic uint64_t nextId;
    _Atomic int done;
    _Atomic uint64_t problems;
    uint64_t cycles;
    mutator m[NTHREADS];
};

/* The roots: the shared slots and every thread's locals. It runs in a
 * pause, so each thread is parked at a safepoint or has released its P. */
static void markRoots(gc_marker *gm, void *ud)
{
    shared *sh = ud;
    gc_mark_block(gm, (void *const *)sh->slots, NSLOTS, NULL);
    for (unsigned i = 0; i < NTHREADS; i++)
        gc_mark_block(gm, (void *const *)sh->m[i].locals, NLOCALS, NULL);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void problem(shared *sh, const char *what, const node *n)
{
    if (atomic_fetch_add(&sh->problems, 1) < 5)
        fprintf(stderr, "threads: %s at node %p\n", what, (const void *)n);
}

/* Walk everything reachable from the slots (lock held, P owned): every
 * node's sum holds and each pointer reaches the id its node recorded (a
 * freed node is poisoned or reused by then: its sum or id is wrong). */
static void checkModel(shared *sh)
{
    size_t seen = 0;
    for (unsigned i = 0; i < NSLOTS; i++) {
        for (node *n = sh->slots[i]; n; n = n->next) {
            if (++seen > CHAIN_MAX) {
                problem(sh, "a cycle or a runaway chain", n);
                return;
            }
            if (n->check != nodeSum(n)) {
                problem(sh, "a reachable node was freed or overwritten", n);
                return;
            }
            if ((n->next ? n->next->id : 0) != n->nextId || (n->other ? n->other->id : 0) != n->otherId) {
                problem(sh, "a pointer reaches the wrong node", n);
                return;
            }
        }
    }
}

static void verifyIfCollected(mutator *m)
{
    shared *sh = m->sh;
    gc_stats st;
    gc_read_stats(sh->h, &st); /* a pause of its own */
    if (st.num_gc == m->verified)
        return;
    m->verified = st.num_gc;
    if (gc_verify(sh->h) != 0)
        problem(sh, "gc_verify", NULL);
    pthread_mutex_lock(&sh->lock);
    checkModel(sh);
    pthread_mutex_unlock(&sh->lock);
    if (st.num_gc >= sh->cycles)
        atomic_store(&sh->done, 1);
}

/* One step: a new node linked to two nodes the other threads may have
 * published, replacing a slot's head; or an old node relinked (the
 * deletion barrier's case), a slot cleared, a chain cut, or a node kept
 * in a local across allocations and published later. */
static void step(mutator *m, uint64_t i)
{
    shared *sh = m->sh;
    gc_p *p = m->p;
    uint64_t r = rnd(&m->seed);
    /* Garbage between the nodes: cycles come every few thousand steps. */
    char *junk = gc_mallocgc(p, 512 + r % 1024, NULL, false);
    if (!junk) {
        problem(sh, "out of memory", NULL);
        return;
    }
    junk[0] = 1;
    node *n = gc_mallocgc(p, sizeof(node), &nodeType, true);
    if (!n) {
        problem(sh, "out of memory", NULL);
        return;
    }
    m->locals[0] = n;
    n->id = atomic_fetch_add(&sh->nextId, 1) + 1;
    unsigned a = (unsigned)(r >> 8) % NSLOTS, b = (unsigned)(r >> 16) % NSLOTS;
    pthread_mutex_lock(&sh->lock);
    node *head = (r >> 24) % 8 == 0 ? NULL : sh->slots[a]; /* 1 in 8 cuts the chain */
    node *other = sh->slots[b];
    gc_write_pointer(p, sh->bar, (void **)&n->next, head);
    gc_write_pointer(p, sh->bar, (void **)&n->other, other);
    n->nextId = head ? head->id : 0;
    n->otherId = other ? other->id : 0;
    n->check = nodeSum(n);
    gc_write_pointer(p, sh->bar, (void **)&sh->slots[a], n);
    switch ((r >> 32) % 8) {
    case 0: /* relink a published node: its old target loses a reference */
        if (sh->slots[b] && sh->slots[(b + 1) % NSLOTS]) {
            node *o = sh->slots[b], *t = sh->slots[(b + 1) % NSLOTS];
            gc_write_pointer(p, sh->bar, (void **)&o->other, t);
            o->otherId = t->id;
            o->check = nodeSum(o);
        }
        break;
    case 1: /* drop a slot */
        gc_write_pointer(p, sh->bar, (void **)&sh->slots[b], NULL);
        break;
    case 2: /* take a node off to the thread's stack, or bring it back */
        if (m->locals[1]) {
            gc_write_pointer(p, sh->bar, (void **)&sh->slots[b], m->locals[1]);
            m->locals[1] = NULL;
        } else {
            m->locals[1] = sh->slots[b];
            gc_write_pointer(p, sh->bar, (void **)&sh->slots[b], NULL);
        }
        break;
    }
    pthread_mutex_unlock(&sh->lock);
    m->locals[0] = NULL;
    gc_safepoint(p, gc_p_poll(p));
    if (i % 64 == 63) {
        /* Block with the P given back: a pause must not wait for it. */
        gc_p_release(p);
        pthread_mutex_lock(&sh->lock);
        sched_yield();
        pthread_mutex_unlock(&sh->lock);
        gc_p_acquire(p);
    }
}

static void *mutatorMain(void *arg)
{
    mutator *m = arg;
    shared *sh = m->sh;
    m->p = gc_p_new(sh->h);
    if (!m->p) {
        problem(sh, "gc_p_new", NULL);
        return NULL;
    }
    for (uint64_t i = 0; !atomic_load(&sh->done) && i < 50000000; i++) {
        step(m, i);
        if (i % 128 == 127)
            verifyIfCollected(m);
        if (atomic_load(&sh->problems))
            break;
    }
    /* Done: whatever this thread still holds goes with its P. */
    m->locals[0] = m->locals[1] = NULL;
    gc_p_free(m->p);
    return NULL;
}

static void runStress(const char *debug, int concurrent)
{
    gc_options o;
    gc_options_default(&o);
    o.concurrent = concurrent;
    o.gc_percent = 25;
    o.gcprocs = 2;
    char err[200];
    CU_ASSERT_EQUAL_FATAL(gc_parse_debug(&o.debug, debug, err, sizeof err), 0);
    shared *sh = calloc(1, sizeof *sh);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    sh->h = gc_heap_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh->h);
    sh->bar = gc_heap_barrier(sh->h);
    sh->cycles = CYCLES;
    pthread_mutex_init(&sh->lock, NULL);
    CU_ASSERT_EQUAL_FATAL(gc_add_roots(sh->h, markRoots, sh), 0);
    pthread_t th[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        sh->m[i].sh = sh;
        sh->m[i].idx = i;
        sh->m[i].seed = 0x1234567 + i * 0x9e3779b9u;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, mutatorMain, &sh->m[i]), 0);
    }
    for (unsigned i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(atomic_load(&sh->problems), 0);
    /* The structure as the threads left it, after one more full cycle,
     * from this thread, which owns no P. */
    gc_collect(sh->h);
    CU_ASSERT_EQUAL(gc_verify(sh->h), 0);
    gc_p *p = gc_p_new(sh->h);
    pthread_mutex_lock(&sh->lock);
    checkModel(sh);
    pthread_mutex_unlock(&sh->lock);
    gc_p_free(p);
    CU_ASSERT_EQUAL(atomic_load(&sh->problems), 0);
    gc_stats st;
    gc_read_stats(sh->h, &st);
    if (getenv("THREADS_VERBOSE"))
        fprintf(stderr, "%s: %llu cycles, %llu concurrent, %llu nodes\n", debug, (unsigned long long)st.num_gc, (unsigned long long)st.num_concurrent_gc, (unsigned long long)atomic_load(&sh->nextId));
    CU_ASSERT(st.num_gc >= CYCLES);
    CU_ASSERT_EQUAL(st.num_mutators, 0);
    if (concurrent && !strstr(debug, "gcstoptheworld"))
        CU_ASSERT(st.num_concurrent_gc > 0);
    gc_remove_roots(sh->h, markRoots, sh);
    gc_heap_free(sh->h);
    pthread_mutex_destroy(&sh->lock);
    free(sh);
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
