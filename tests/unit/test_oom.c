/*
 * test_oom.c: running out of memory leaves a consistent heap (reliability
 * item 8, after Lua's api.lua/memerr.lua allocation-failure sweep).
 *
 * A fixed workload (a list of typed nodes, each holding a noscan buffer of
 * 32 B .. 40 KiB and sometimes a header-sized pointer array, a third of
 * them dropped, a full collection every 500 nodes) is run once to count the
 * OS memory requests it makes (gc_stats.sys_requests), then once for every
 * n from 1 to that count with TOYDEBUG's failmap=n, which makes the n-th
 * request fail. Each run must see the failure happen, get NULL or absorb it
 * (the emergency collection may find room), succeed when it retries a
 * failed allocation, and end with an intact list, gc_verify() == 0 (retried
 * once when the failure fell on the walk's own bits), a span
 * walk that agrees with mallocs - frees, every kept node gc_is_live, and
 * gc_heap_free giving every byte back (no span's page left in
 * /proc/self/maps, the process's VmSize as before).
 * Then the same with hard limits of 1..24 MiB, and gc_is_live on its own.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"
#include "tests/unit/unit.h"

typedef struct node {
    struct node *next;
    uint8_t *data;
    struct node **extra; /* NULL, or a 600-byte array of node pointers */
    uint64_t i;
} node;
static const uint8_t nodeMask[] = {0x7};
static const gc_type nodeType = {sizeof(node), 24, nodeMask, "node"};
static const uint8_t ptrMask[] = {0x1};
static const gc_type ptrType = {8, 8, ptrMask, "*node"};

enum { ITERS = 1500, EXTRA_BYTES = 600 };

/* gc_verify's problems. Its walk takes OS memory for its mark bits, so
 * the one failed request of a failmap run may be its own: then it said so
 * and checked nothing, and a second try (no request fails twice) must. */
static size_t verifyNomem; /* how often that happened */

static size_t verify(gc_heap *h)
{
    size_t n = gc_verify(h);
    if (n != GC_VERIFY_NOMEM)
        return n;
    verifyNomem++;
    return gc_verify(h);
}
static const size_t dataSizes[] = {32, 200, 2000, 9000, 40000};

static size_t dataSize(uint64_t i) { return dataSizes[i % 5]; }

typedef struct roots {
    node *list;
    node *tmp; /* the node being built, rooted across its buffer's allocation */
} roots;

static void markRoots(gc_marker *m, void *ud)
{
    roots *r = ud;
    gc_mark_slot(m, (void *const *)&r->list);
    gc_mark_slot(m, (void *const *)&r->tmp);
}

typedef struct outcome {
    size_t nulls;      /* allocations that returned NULL */
    size_t retriesOk;  /* of them, retried at once with success */
    size_t kept;       /* nodes on the list */
    size_t live;       /* objects the list keeps (nodes, buffers, arrays) */
} outcome;

/* One allocation; with retry set a NULL is retried once and must succeed
 * (failmap fails one request only). */
static void *alloc(gc_p *p, size_t size, const gc_type *t, int retry, outcome *o)
{
    void *x = gc_mallocgc(p, size, t, true);
    if (x)
        return x;
    o->nulls++;
    if (!retry)
        return NULL;
    x = gc_mallocgc(p, size, t, true);
    CU_ASSERT_PTR_NOT_NULL(x);
    if (x)
        o->retriesOk++;
    return x;
}

static void workload(gc_heap *h, gc_p *p, roots *r, int retry, outcome *o)
{
    for (uint64_t i = 0; i < ITERS; i++) {
        node *n = alloc(p, sizeof *n, &nodeType, retry, o);
        if (!n)
            continue;
        n->i = i;
        r->tmp = n;
        size_t ds = dataSize(i);
        n->data = alloc(p, ds, NULL, retry, o);
        if (n->data) {
            memset(n->data, (int)(i & 0xff), ds);
            if (i % 7 == 0) {
                n->extra = alloc(p, EXTRA_BYTES, &ptrType, retry, o);
                if (n->extra)
                    n->extra[0] = r->list;
            }
            if (i % 3 != 0) {
                n->next = r->list;
                r->list = n;
                o->kept++;
                o->live += 2 + (n->extra != NULL);
            }
        }
        r->tmp = NULL;
        if (i % 500 == 499)
            gc_collect(h);
    }
}

/* The list holds decreasing indices, each with its buffer intact. */
static size_t listCheck(gc_heap *h, const node *n)
{
    size_t count = 0;
    uint64_t prev = UINT64_MAX;
    for (; n; n = n->next, count++) {
        size_t ds = dataSize(n->i);
        uint8_t b = (uint8_t)(n->i & 0xff);
        if (n->i >= prev || n->i % 3 == 0 || !n->data || n->data[0] != b || n->data[ds / 2] != b ||
            n->data[ds - 1] != b || (n->extra && n->extra[0] != n->next) || !gc_is_live(h, n) ||
            !gc_is_live(h, n->data + ds - 1))
            return (size_t)-1;
        prev = n->i;
    }
    return count;
}

/* Every span's first page, to check after gc_heap_free that it is unmapped. */
typedef struct pages {
    uintptr_t addr[4096];
    size_t n;
} pages;

static void recordPage(const gc_span_info *si, void *ud)
{
    pages *pg = ud;
    if (pg->n < sizeof pg->addr / sizeof pg->addr[0])
        pg->addr[pg->n++] = si->base;
}

/* How many of the pages /proc/self/maps still shows mapped. */
static size_t stillMapped(const pages *pg)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return (size_t)-1;
    size_t n = 0;
    char line[512];
    unsigned long lo, hi;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            for (size_t i = 0; i < pg->n; i++)
                n += pg->addr[i] >= lo && pg->addr[i] < hi;
    fclose(f);
    return n;
}

static void countSlots(const gc_span_info *si, void *ud)
{
    if (!si->free)
        *(uint64_t *)ud += si->nalloc;
}

/* The process's mapped bytes (kB), to see gc_heap_free return everything.
 * Valgrind maps its own memory into the process as it goes: there the
 * figure means nothing and reads as 0 (the per-page check below stays). */
static long vmSize(void)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        return 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

typedef struct runResult {
    outcome o;
    uint64_t sysRequests;
    uint64_t heapSys;
    int pFailed; /* gc_p_new itself saw the failure */
} runResult;

/* One run of the workload on a fresh heap, with every check. */
static runResult runOnce(int failmap, int64_t hardLimit)
{
    runResult res;
    memset(&res, 0, sizeof res);
    gc_options opt;
    gc_options_default(&opt);
    opt.debug.failmap = failmap;
    opt.hard_limit = hardLimit;
    /* Mark on the collecting thread alone: VmSize before and after is the
     * heap's own mappings only if no thread is made (the thread library
     * caches stacks, ASan keeps per-thread records). The parallel mark has
     * its own suite (test_parmark.c). */
    opt.gcprocs = 1;
    roots r = {NULL, NULL};
    gc_heap *h = gc_heap_new(&opt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(gc_add_roots(h, markRoots, &r), 0);
    gc_p *p = gc_p_new(h);
    if (!p) {
        res.pFailed = 1;
        CU_ASSERT_EQUAL(verify(h), 0);
        p = gc_p_new(h); /* one failure only */
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    workload(h, p, &r, hardLimit == 0, &res.o);
    CU_ASSERT_EQUAL(verify(h), 0);
    CU_ASSERT_EQUAL(listCheck(h, r.list), res.o.kept);
    gc_collect(h);
    CU_ASSERT_EQUAL(verify(h), 0);
    CU_ASSERT_EQUAL(listCheck(h, r.list), res.o.kept);
    gc_stats s;
    gc_read_stats(h, &s);
    uint64_t walked = 0;
    gc_span_walk(h, countSlots, &walked);
    CU_ASSERT_EQUAL(s.mallocs - s.frees, s.heap_objects);
    CU_ASSERT_EQUAL(s.heap_objects, res.o.live);
    CU_ASSERT_EQUAL(walked, res.o.live);
    CU_ASSERT_EQUAL(s.heap_idle + s.heap_inuse, s.heap_sys);
    if (hardLimit > 0)
        CU_ASSERT(s.heap_sys <= (uint64_t)hardLimit);
    /* Allocation still works after the failure (unless the limit is full). */
    if (hardLimit == 0) {
        void *x = gc_mallocgc(p, 100000, NULL, true);
        CU_ASSERT_PTR_NOT_NULL(x);
    }
    res.sysRequests = s.sys_requests;
    res.heapSys = s.heap_sys;
    static pages pg;
    pg.n = 0;
    gc_span_walk(h, recordPage, &pg);
    gc_p_free(p);
    gc_heap_free(h);
    CU_ASSERT(pg.n > 0);
    CU_ASSERT_EQUAL(stillMapped(&pg), 0);
    return res;
}

/* A first heap warms up the C library's own pools, so that VmSize before
 * and after a heap's life compares the heap alone. */
static void warmUp(void)
{
    runOnce(0, 0);
}

/* One run, and whether it left VmSize other than it found it. A run may grow
 * records that outlive it without being the heap's: the C library's pools on
 * a new path, AddressSanitizer's stack depot (every allocation stack it has
 * not seen yet, the background threads' included). Those are kept for good,
 * so a run that changed VmSize is made again, and the heap leaked only if
 * the identical second run changes it too. */
static int runLeaks(int failmap, int64_t hardLimit, runResult *r)
{
    long before = vmSize();
    *r = runOnce(failmap, hardLimit);
    if (vmSize() == before)
        return 0;
    before = vmSize();
    *r = runOnce(failmap, hardLimit);
    return vmSize() != before;
}

static void test_failmap_sweep(void)
{
    warmUp();
    runResult clean;
    CU_ASSERT_EQUAL(runLeaks(0, 0, &clean), 0);
    CU_ASSERT_EQUAL(clean.o.nulls, 0);
    CU_ASSERT_EQUAL(clean.o.kept, ITERS - (ITERS + 2) / 3);
    uint64_t nreq = clean.sysRequests;
    CU_ASSERT(nreq >= 8);
    size_t sawNull = 0, absorbed = 0, leaked = 0;
    for (uint64_t n = 1; n <= nreq + 1; n++) {
        runResult r;
        if (runLeaks((int)n, 0, &r))
            leaked++;
        if (n <= nreq) {
            /* Identical up to the n-th request: the failure must happen. */
            CU_ASSERT(r.sysRequests >= n);
            if (r.o.nulls || r.pFailed)
                sawNull++;
            else
                absorbed++;
            /* Every failed allocation is retried and the retry succeeds:
             * the workload's outcome is the clean run's. */
            CU_ASSERT_EQUAL(r.o.retriesOk, r.o.nulls);
            CU_ASSERT_EQUAL(r.o.kept, clean.o.kept);
        } else {
            CU_ASSERT_EQUAL(r.o.nulls, 0);
            CU_ASSERT_EQUAL(r.sysRequests, nreq);
        }
    }
    CU_ASSERT_EQUAL(leaked, 0);
    CU_ASSERT(sawNull > 0);
    CU_ASSERT(verifyNomem > 0); /* the sweep reached gc_verify's own request */
    printf("\n    failmap: %llu OS requests swept: %zu gave NULL, %zu absorbed by the emergency collection; "
           "%zu leaked mappings; gc_verify could not run %zu times\n",
           (unsigned long long)nreq, sawNull, absorbed, leaked, verifyNomem);
}

static void test_hard_limit_sweep(void)
{
    warmUp();
    size_t limited = 0, complete = 0;
    for (int mib = 1; mib <= 24; mib++) {
        runResult r;
        CU_ASSERT_EQUAL(runLeaks(0, (int64_t)mib << 20, &r), 0);
        CU_ASSERT(r.heapSys <= (uint64_t)mib << 20);
        if (r.o.nulls)
            limited++;
        else
            complete++;
        if (mib <= 4)
            CU_ASSERT(r.o.nulls > 0); /* about 10 MiB stay live */
    }
    CU_ASSERT(complete > 0);
    printf("\n    hard_limit: 24 limits (1..24 MiB): %zu ran out, %zu completed\n", limited, complete);
}

/* Past the hard limit an allocation first collects, and only returns NULL
 * when that frees no room; dropping the roots makes room again. */
static void test_hard_limit_collects(void)
{
    gc_options opt;
    gc_options_default(&opt);
    opt.gc_percent = -1; /* no automatic cycles: any cycle is the emergency one */
    opt.hard_limit = 8 << 20;
    roots r = {NULL, NULL};
    gc_heap *h = gc_heap_new(&opt);
    gc_add_roots(h, markRoots, &r);
    gc_p *p = gc_p_new(h);
    outcome o;
    memset(&o, 0, sizeof o);
    size_t n = 0;
    node *x;
    while ((x = gc_mallocgc(p, sizeof *x, &nodeType, true)) != NULL && n < 10000000) {
        x->next = r.list;
        r.list = x;
        n++;
        (void)gc_mallocgc(p, 64, NULL, true); /* garbage the emergency collection reclaims */
    }
    CU_ASSERT_PTR_NULL(x);
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT(s.num_gc >= 1);
    CU_ASSERT(s.heap_sys <= 8u << 20);
    CU_ASSERT(n * sizeof(node) > (4u << 20)); /* garbage made room for more nodes */
    CU_ASSERT_EQUAL(verify(h), 0);
    r.list = NULL;
    CU_ASSERT_PTR_NOT_NULL(gc_mallocgc(p, sizeof *x, &nodeType, true));
    CU_ASSERT_PTR_NOT_NULL(gc_mallocgc(p, 1 << 20, NULL, true));
    CU_ASSERT_EQUAL(verify(h), 0);
    gc_p_free(p);
    gc_heap_free(h);
}

static void test_options_env(void)
{
    gc_options o;
    gc_options_default(&o);
    char err[200];
    setenv("TOYHARDLIMIT", "3MiB", 1);
    setenv("TOYDEBUG", "failmap=7", 1);
    CU_ASSERT_EQUAL(gc_options_from_env(&o, err, sizeof err), 0);
    CU_ASSERT_EQUAL(o.hard_limit, 3 << 20);
    CU_ASSERT_EQUAL(o.debug.failmap, 7);
    setenv("TOYHARDLIMIT", "3QiB", 1);
    CU_ASSERT_EQUAL(gc_options_from_env(&o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "TOYHARDLIMIT=3QiB"));
    unsetenv("TOYHARDLIMIT");
    unsetenv("TOYDEBUG");
}

/* gc_is_live: true for allocated objects (interior pointers too), false
 * for free slots, non-heap addresses, and for garbage whose span is still
 * unswept after an automatic cycle (gc_find_object still finds it). */
static void test_is_live(void)
{
    gc_options opt;
    gc_options_default(&opt);
    enum { N = 2000 };
    static void *objs[N];
    struct {
        void *slot[N];
    } keep;
    memset(&keep, 0, sizeof keep);
    opt.debug.gcnobgsweep = 1; /* the dead stay unswept until the host sweeps */
    gc_heap *h = gc_heap_new(&opt);
    gc_p *p = gc_p_new(h);
    roots r = {NULL, NULL};
    gc_add_roots(h, markRoots, &r);
    node *head = gc_mallocgc(p, sizeof(node), &nodeType, true);
    r.list = head;
    for (size_t i = 0; i < N; i++) {
        objs[i] = gc_mallocgc(p, 64, NULL, true);
        if (i % 2 == 0)
            keep.slot[i] = objs[i];
    }
    /* Keep the even ones through a pointer array hanging off the root. */
    void **arr = gc_mallocgc(p, N * sizeof(void *), &ptrType, true);
    memcpy(arr, keep.slot, sizeof keep.slot);
    head->data = (uint8_t *)arr;
    for (size_t i = 0; i < N; i++)
        CU_ASSERT(gc_is_live(h, objs[i]));
    CU_ASSERT(!gc_is_live(h, &keep));
    CU_ASSERT(!gc_is_live(h, NULL));
    /* An automatic cycle, started by garbage of another class. */
    gc_stats s0, s1;
    gc_read_stats(h, &s0);
    do {
        (void)gc_mallocgc(p, 256, NULL, true);
        gc_read_stats(h, &s1);
    } while (s1.num_gc == s0.num_gc);
    size_t unswept = 0, wrong = 0;
    for (size_t i = 0; i < N; i++) {
        if (gc_is_live(h, (char *)objs[i] + 10) != (i % 2 == 0))
            wrong++;
        if (i % 2 && gc_find_object(h, objs[i]))
            unswept++;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(unswept > 0);
    gc_collect(h);
    for (size_t i = 0; i < N; i++)
        CU_ASSERT_EQUAL(gc_is_live(h, objs[i]), i % 2 == 0);
    CU_ASSERT(gc_is_live(h, head));
    CU_ASSERT(gc_is_live(h, arr + N - 1));
    gc_p_free(p);
    gc_heap_free(h);
}

static CU_TestInfo tests[] = {
    {"options_env", test_options_env},
    {"is_live", test_is_live},
    {"hard_limit_collects", test_hard_limit_collects},
    {"hard_limit_sweep", test_hard_limit_sweep},
    {"failmap_sweep", test_failmap_sweep},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"oom", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("oom", suites, argc, argv); }
