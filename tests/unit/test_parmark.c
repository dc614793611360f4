/*
 * test_parmark.c: the parallel mark (alloc/mgcmark.c, mgcwork.c,
 * mgcworker.c). Each graph is built the same way in heaps marking with 1,
 * 2 and 4 threads (gcprocs); after each collection every object must be
 * live exactly when a model of the graph (a plain BFS over object indices)
 * says it is reachable, its contents intact, and the statistics (objects,
 * bytes marked, objects scanned) identical whatever the number of threads.
 * Graphs: a deep list of a million cells (the worst case for spreading
 * work), a binary tree marked from one root, a wide random graph of
 * objects of every path (span heap bits, malloc headers, large objects),
 * and large arrays of pointers. Suite "parmark-checked" runs it all again
 * with gccheckmark, which re-walks each parallel mark single-threaded and
 * aborts on any difference. Threads are parked between cycles and joined
 * by gc_heap_free (valgrind and `make tsan` check nothing leaks or races).
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc/alloc.h"
#include "tests/unit/unit.h"

static int suiteCheckmark; /* set by each suite's init */

/* Under ThreadSanitizer (make tsan) everything runs 5-15x slower, under
 * valgrind (make valgrind) 50x: smaller graphs there. */
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
static size_t testScale = 1; /* a power of two */

/* Every object is an array of (id, pointer) pairs: word 0 of each 16-byte
 * element is data, word 1 a pointer. n pairs cost 16*n bytes, so one type
 * covers the heap-bits path (<= 512 bytes), the header path (<= 32 KiB)
 * and large objects. */
typedef struct pair {
    uint64_t id;
    struct pair *p;
} pair;
static const uint8_t pairMask[] = {0x2};
static const gc_type pairType = {sizeof(pair), sizeof(pair), pairMask, "pair"};

/* The model: objects by index, their edges by index, and the roots. */
typedef struct world {
    gc_heap *h;
    gc_p *p;
    size_t n, cap;
    pair **obj;      /* base of object i, NULL once found dead */
    uint32_t *npairs;
    void **roots;    /* the roots callback reports these slots */
    size_t nroots;
    int rootAll;     /* every object of the model is a root too (a build under automatic cycles) */
    uint8_t *reach;  /* scratch for the model's BFS */
    size_t *stack;
} world;

static void markRoots(gc_marker *m, void *ud)
{
    world *w = ud;
    gc_mark_block(m, (void *const *)w->roots, w->nroots, NULL);
    if (w->rootAll)
        gc_mark_block(m, (void *const *)w->obj, w->n, NULL);
}

static void worldInit(world *w, int gcprocs, size_t nroots)
{
    memset(w, 0, sizeof *w);
    gc_options o;
    gc_options_default(&o);
    o.gc_percent = -1; /* collections only where the test says */
    o.gcprocs = gcprocs;
    o.debug.gccheckmark = suiteCheckmark;
    w->h = gc_heap_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->h);
    w->p = gc_p_new(w->h);
    w->nroots = nroots;
    w->roots = calloc(nroots, sizeof *w->roots);
    gc_add_roots(w->h, markRoots, w);
}

static void worldFree(world *w)
{
    gc_remove_roots(w->h, markRoots, w);
    gc_p_free(w->p);
    gc_heap_free(w->h);
    free(w->obj);
    free(w->npairs);
    free(w->roots);
    free(w->reach);
    free(w->stack);
}

/* Pair k of object i holds id (i << 16 | k) (objects have fewer than 2^16
 * pairs), so the model finds the object any pointer points into. */
static uint64_t idOf(size_t i, size_t k) { return (uint64_t)i << 16 | k; }

/* A new object of npairs pairs; its ids are filled in, its pointers NULL. */
static size_t newObj(world *w, size_t npairs)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1024;
        w->obj = realloc(w->obj, w->cap * sizeof *w->obj);
        w->npairs = realloc(w->npairs, w->cap * sizeof *w->npairs);
    }
    pair *o = gc_mallocgc(w->p, npairs * sizeof(pair), &pairType, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    size_t i = w->n++;
    for (size_t k = 0; k < npairs; k++)
        o[k].id = idOf(i, k);
    w->obj[i] = o;
    w->npairs[i] = (uint32_t)npairs;
    return i;
}

static void setEdge(world *w, size_t from, size_t k, size_t to)
{
    w->obj[from][k].p = to == SIZE_MAX ? NULL : w->obj[to];
}

/* Index of the object p points into (its base or one of its pairs). */
static size_t indexOf(const world *w, const pair *p)
{
    size_t i = (size_t)(p->id >> 16), k = (size_t)(p->id & 0xffff);
    return i < w->n && w->obj[i] && w->obj[i] + k == p ? i : SIZE_MAX;
}

/* The model's reachable set, from the roots, through the objects' pairs. */
static size_t modelReach(world *w)
{
    free(w->reach);
    free(w->stack);
    w->reach = calloc(w->n ? w->n : 1, 1);
    w->stack = malloc((w->n ? w->n : 1) * sizeof *w->stack);
    size_t sp = 0, count = 0;
    for (size_t r = 0; r < w->nroots; r++) {
        size_t i = w->roots[r] ? indexOf(w, w->roots[r]) : SIZE_MAX;
        if (i != SIZE_MAX && !w->reach[i]) {
            w->reach[i] = 1;
            w->stack[sp++] = i;
            count++;
        }
    }
    while (sp) {
        size_t i = w->stack[--sp];
        for (size_t k = 0; k < w->npairs[i]; k++) {
            pair *t = w->obj[i][k].p;
            size_t j = t ? indexOf(w, t) : SIZE_MAX;
            if (j != SIZE_MAX && !w->reach[j]) {
                w->reach[j] = 1;
                w->stack[sp++] = j;
                count++;
            }
        }
    }
    return count;
}

/* What one collection did, for comparing heaps across gcprocs. */
typedef struct outcome {
    size_t live, freed, bad;
    uint64_t heapObjects, heapLive, markObjects, markProcs;
} outcome;

/* Collect, then check every object against the model. */
static outcome collectAndCheck(world *w)
{
    outcome r = {0};
    size_t expect = modelReach(w);
    gc_collect(w->h);
    for (size_t i = 0; i < w->n; i++) {
        pair *o = w->obj[i];
        if (!o)
            continue;
        int live = gc_is_live(w->h, o) && gc_find_object(w->h, (char *)o + w->npairs[i] * sizeof(pair) - 1) == o;
        if (live != w->reach[i]) {
            r.bad++;
            continue;
        }
        if (!live) {
            w->obj[i] = NULL;
            r.freed++;
            continue;
        }
        r.live++;
        for (size_t k = 0; k < w->npairs[i]; k++)
            if (o[k].id != idOf(i, k)) {
                r.bad++;
                break;
            }
    }
    CU_ASSERT_EQUAL(r.bad, 0);
    CU_ASSERT_EQUAL(r.live, expect);
    gc_stats s;
    gc_read_stats(w->h, &s);
    r.heapObjects = s.heap_objects;
    r.heapLive = s.heap_live;
    r.markObjects = s.mark_objects;
    r.markProcs = s.mark_procs;
    CU_ASSERT_EQUAL(s.heap_objects, expect);
    CU_ASSERT_EQUAL(gc_verify(w->h), 0);
    return r;
}

static const int procsTried[] = {1, 2, 4};
enum { NPROCS = sizeof procsTried / sizeof procsTried[0], MAX_ROUNDS = 4 };

typedef void (*buildFn)(world *w, int round); /* round 0 builds; later rounds mutate */

/* Build the graph in a heap per gcprocs, collect after each round, and
 * compare: the same objects die, the same bytes are marked, and a heap
 * big enough to mark in parallel did use its threads. */
static void acrossProcs(buildFn build, int rounds, size_t nroots)
{
    outcome out[NPROCS][MAX_ROUNDS];
    for (int pi = 0; pi < NPROCS; pi++) {
        world w;
        worldInit(&w, procsTried[pi], nroots);
        for (int round = 0; round < rounds; round++) {
            build(&w, round);
            out[pi][round] = collectAndCheck(&w);
            if (out[pi][round].heapLive >= (2u << 20))
                CU_ASSERT_EQUAL(out[pi][round].markProcs, (uint64_t)procsTried[pi]);
        }
        worldFree(&w);
    }
    for (int pi = 1; pi < NPROCS; pi++)
        for (int round = 0; round < rounds; round++) {
            CU_ASSERT_EQUAL(out[pi][round].live, out[0][round].live);
            CU_ASSERT_EQUAL(out[pi][round].freed, out[0][round].freed);
            CU_ASSERT_EQUAL(out[pi][round].heapLive, out[0][round].heapLive);
            CU_ASSERT_EQUAL(out[pi][round].markObjects, out[0][round].markObjects);
        }
}

static uint64_t rngState;
static uint64_t rnd(void)
{
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

/* ---- a deep list: one chain, garbage cells between its cells ---- */

static void buildList(world *w, int round)
{
    size_t n = 1000000 / testScale;
    if (round == 0) {
        size_t prev = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            size_t c = newObj(w, 1);
            if (prev == SIZE_MAX)
                w->roots[0] = w->obj[c];
            else
                setEdge(w, prev, 0, c);
            prev = c;
            newObj(w, 1); /* garbage */
        }
    } else {
        /* Cut the chain at 3/4 (then 1/2): the tail dies. */
        size_t cut = n * (4 - (size_t)round) / 4;
        pair *c = w->roots[0];
        for (size_t i = 1; i < cut; i++)
            c = c->p;
        c->p = NULL;
    }
}

static void test_deep_list(void) { acrossProcs(buildList, 3, 1); }

/* ---- a binary tree from one root, allocated bottom-up as binary-trees does ---- */

static size_t tree(world *w, int depth)
{
    size_t l = depth ? tree(w, depth - 1) : SIZE_MAX, r = depth ? tree(w, depth - 1) : SIZE_MAX;
    size_t n = newObj(w, 2);
    setEdge(w, n, 0, l);
    setEdge(w, n, 1, r);
    return n;
}

static void buildTree(world *w, int round)
{
    if (round == 0) {
        size_t t = tree(w, 19 - __builtin_ctzll(testScale)); /* 2^20 nodes, 32 MiB */
        w->roots[0] = w->obj[t];
        tree(w, 12); /* garbage */
        return;
    }
    /* Prune: walk down pseudo-randomly and cut a few subtrees. */
    rngState = 0x1234567 + (uint64_t)round;
    for (int cut = 0; cut < 8; cut++) {
        pair *o = w->roots[0];
        for (int d = 0; d < 3 + cut && o; d++) {
            pair *next = o[rnd() & 1].p;
            if (!next)
                break;
            o = next;
        }
        if (o && o != w->roots[0])
            o[rnd() & 1].p = NULL;
    }
}

static void test_binary_tree(void) { acrossProcs(buildTree, 3, 1); }

/* ---- a wide random graph: every allocation path, random edges ---- */

static size_t randomSize(void)
{
    uint64_t r = rnd() % 1000;
    if (r < 700)
        return 1 + rnd() % 4;        /* 16..64 bytes: span heap bits */
    if (r < 950)
        return 5 + rnd() % 28;       /* up to 512 bytes */
    if (r < 998)
        return 33 + rnd() % 1000;    /* malloc header (> 512 bytes) */
    return 2049 + rnd() % 4000;      /* large: a span of its own */
}

static void buildRandom(world *w, int round)
{
    size_t n = 200000 / testScale;
    rngState = 0xdecafbad + (uint64_t)round;
    if (round == 0) {
        for (size_t i = 0; i < n; i++)
            newObj(w, randomSize());
        for (size_t i = 0; i < n; i++) {
            size_t edges = w->npairs[i] < 3 ? w->npairs[i] : 3;
            for (size_t e = 0; e < edges; e++)
                if (rnd() % 8 < 7)
                    setEdge(w, i, rnd() % w->npairs[i], rnd() % n);
            /* Some pointers into the middle of objects: interior pointers keep the whole object. */
            if (rnd() % 16 == 0) {
                size_t t = rnd() % n;
                w->obj[i][0].p = w->obj[t] + w->npairs[t] / 2;
            }
        }
        for (size_t r = 0; r < w->nroots; r++)
            w->roots[r] = rnd() % 3 ? NULL : w->obj[rnd() % n];
        return;
    }
    /* Drop half of the roots and cut some edges among the survivors. */
    for (size_t r = 0; r < w->nroots; r++)
        if (rnd() % 2)
            w->roots[r] = NULL;
    for (size_t i = 0; i < w->n; i++)
        if (w->obj[i] && rnd() % 4 == 0)
            w->obj[i][rnd() % w->npairs[i]].p = NULL;
}

static void test_random_graph(void) { acrossProcs(buildRandom, 3, 64); }

/* ---- large arrays of pointers to small objects ---- */

static void buildArrays(world *w, int round)
{
    size_t len = 65536 / testScale;
    rngState = 0xfeedface + (uint64_t)round;
    if (round == 0) {
        for (int a = 0; a < 4; a++) {
            size_t arr = newObj(w, len); /* 1 MiB / testScale: large */
            w->roots[a] = w->obj[arr];
            for (size_t k = 0; k < len; k++) {
                size_t o = newObj(w, 1 + k % 40); /* heap bits and headers */
                setEdge(w, arr, k, o);
                if (k % 3 == 0)
                    setEdge(w, o, 0, arr); /* back to the array */
            }
        }
        return;
    }
    /* Clear a quarter of the slots of each array, and drop one array. */
    for (int a = 0; a < 4; a++) {
        pair *arr = w->roots[a];
        for (size_t k = 0; arr && k < len; k++)
            if (rnd() % 4 == 0)
                arr[k].p = NULL;
    }
    w->roots[round] = NULL;
}

static void test_pointer_arrays(void) { acrossProcs(buildArrays, 3, 4); }

/* ---- many cycles with automatic triggering, then gc_heap_free ---- */

static void test_many_cycles(void)
{
    for (int pi = 0; pi < NPROCS; pi++) {
        gc_options o;
        gc_options_default(&o);
        o.gcprocs = procsTried[pi];
        o.debug.gccheckmark = suiteCheckmark;
        gc_heap *h = gc_heap_new(&o);
        gc_p *p = gc_p_new(h);
        world w;
        memset(&w, 0, sizeof w);
        w.nroots = 16;
        w.roots = calloc(w.nroots, sizeof *w.roots);
        w.rootAll = 1; /* the tree being built is held by the model's array */
        gc_add_roots(h, markRoots, &w);
        /* Trees of 2^14 nodes replace each other: the pacer runs cycles as
         * the heap grows, the worker threads park and wake each time. */
        for (size_t t = 0; t < 64 / testScale + 16; t++) {
            w.h = h;
            w.p = p;
            size_t root = tree(&w, 14);
            w.roots[t % w.nroots] = w.obj[root];
            w.n = 0; /* the model is not needed here */
        }
        gc_collect(h);
        gc_stats s;
        gc_read_stats(h, &s);
        CU_ASSERT(s.num_gc > s.num_forced_gc);
        CU_ASSERT(s.mark_total_ns > 0 && s.mark_bytes_total > 0);
        CU_ASSERT_EQUAL(s.heap_objects, (uint64_t)w.nroots * ((2u << 14) - 1));
        CU_ASSERT_EQUAL(s.mark_procs, (uint64_t)procsTried[pi]);
        CU_ASSERT_EQUAL(gc_verify(h), 0);
        gc_remove_roots(h, markRoots, &w);
        gc_p_free(p);
        gc_heap_free(h); /* joins the workers: valgrind sees no thread or buffer leak */
        free(w.obj);
        free(w.npairs);
        free(w.roots);
    }
}

/* ---- two heaps, two pools: collecting one leaves the other alone ---- */

static void test_two_heaps(void)
{
    world a, b;
    worldInit(&a, 2, 1);
    worldInit(&b, 4, 1);
    size_t ta = tree(&a, 16), tb = tree(&b, 16);
    a.roots[0] = a.obj[ta];
    b.roots[0] = b.obj[tb];
    outcome oa = collectAndCheck(&a);
    b.roots[0] = b.obj[tb][0].p; /* keep only the left half */
    outcome ob = collectAndCheck(&b);
    CU_ASSERT_EQUAL(oa.live, (2u << 16) - 1);
    CU_ASSERT_EQUAL(ob.live, (1u << 16) - 1);
    CU_ASSERT_EQUAL(oa.markProcs, 2);
    CU_ASSERT_EQUAL(ob.markProcs, 4);
    oa = collectAndCheck(&a);
    CU_ASSERT_EQUAL(oa.live, (2u << 16) - 1);
    worldFree(&b);
    worldFree(&a);
}

/* ---- a forked child marks without its parent's threads ---- */

static void test_fork(void)
{
#ifdef TEST_TSAN
    return; /* TSan does not support starting threads after a multi-threaded fork */
#endif
    world w;
    worldInit(&w, 2, 1);
    size_t t = tree(&w, 16);
    w.roots[0] = w.obj[t];
    outcome o = collectAndCheck(&w); /* the parent's mark threads exist now */
    CU_ASSERT_EQUAL(o.markProcs, 2);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        alarm(60); /* a mark waiting for threads that are not there fails, not hangs */
        w.roots[0] = w.obj[t][0].p;
        gc_collect(w.h);
        gc_stats s;
        gc_read_stats(w.h, &s);
        _exit(s.heap_objects == (1u << 16) - 1 && s.mark_procs == 2 ? 0 : 1);
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    o = collectAndCheck(&w); /* the parent's threads still serve it */
    CU_ASSERT_EQUAL(o.live, (2u << 16) - 1);
    worldFree(&w);
}

/* ---- TOYGCPROCS ---- */

static void test_env(void)
{
    char err[256];
    gc_options o;
    gc_options_default(&o);
    CU_ASSERT_EQUAL(o.gcprocs, 0);
    const char *bad[] = {"0", "-1", "x", "", "2x", "65", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("TOYGCPROCS", bad[i], 1);
        err[0] = '\0';
        CU_ASSERT_EQUAL(gc_options_from_env_debug(&o, NULL, err, sizeof err), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "TOYGCPROCS"));
        CU_ASSERT_EQUAL(o.gcprocs, 0);
    }
    setenv("TOYGCPROCS", "3", 1);
    CU_ASSERT_EQUAL(gc_options_from_env_debug(&o, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(o.gcprocs, 3);
    setenv("TOYGCPROCS", "64", 1);
    CU_ASSERT_EQUAL(gc_options_from_env_debug(&o, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(o.gcprocs, 64);
    unsetenv("TOYGCPROCS");
}

static CU_TestInfo tests[] = {
    {"deep_list", test_deep_list},
    {"binary_tree", test_binary_tree},
    {"random_graph", test_random_graph},
    {"pointer_arrays", test_pointer_arrays},
    {"many_cycles", test_many_cycles},
    {"two_heaps", test_two_heaps},
    {"fork", test_fork},
    {"env", test_env},
    CU_TEST_INFO_NULL,
};

static void setScale(void)
{
#ifdef TEST_TSAN
    testScale = 8;
#endif
    if (RUNNING_ON_VALGRIND)
        testScale = 16;
}

static int plainInit(void)
{
    setScale();
    suiteCheckmark = 0;
    return 0;
}

static int checkedInit(void)
{
    setScale();
    suiteCheckmark = 1;
    return 0;
}

static CU_SuiteInfo suites[] = {
    {"parmark", plainInit, NULL, NULL, NULL, tests},
    {"parmark-checked", checkedInit, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("parmark", suites, argc, argv); }
