/*
 * test_concurrent.c: the concurrent collector (gc_options.concurrent):
 * the write barrier (alloc/mbarrier.c, mwbbuf.c), allocate-black on every
 * allocation path, assists, the phases (alloc/mgc.c) and the debug
 * switches gcstoptheworld, gcmarkhold and gcconcurrentstress.
 *
 * The hiding tests hold a mark open (TOYDEBUG gcmarkhold: no worker, no
 * assist) so that what is scanned is known: root -> A -> B -> C, and
 * during the mark the host moves C from B (not yet scanned) into N
 * (allocated during the mark, so black: never scanned) and clears B's
 * slot. With the barrier C survives; a "buggy host" that stores without it
 * loses C, which gccheckmark reports (the test expects the abort, in a
 * child process) and gc_verify counts.
 * The mutator tests run workers and a host that moves pointers around
 * while they mark, with gccheckmark verifying every mark; suite
 * "concurrent-stress" runs everything again under gcconcurrentstress
 * (workers yield every few objects, the barrier buffer flushes at every
 * entry, cycles back to back). `make tsan` runs this suite under
 * ThreadSanitizer.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
enum { SCALE = 8 };
#else
enum { SCALE = 1 };
#endif

static int suiteStress; /* set by each suite's init */

/* A node: an id and two pointers. */
typedef struct node {
    uint64_t id;
    struct node *a, *b;
} node;
static const uint8_t nodeMask[] = {0x6};
static const gc_type nodeType = {sizeof(node), sizeof(node), nodeMask, "node"};
/* An array of pointers (the header and large paths). */
static const uint8_t ptrMask[] = {0x1};
static const gc_type ptrType = {8, 8, ptrMask, "ptr"};

enum { NROOTS = 64 };
typedef struct world {
    gc_heap *h;
    gc_p *p;
    const gc_barrier *bar;
    void *roots[NROOTS];
    void *stack[1]; /* the test's own live locals across an allocation (a VM's registers) */
} world;

static void markRoots(gc_marker *m, void *ud)
{
    world *w = ud;
    gc_mark_block(m, (void *const *)w->roots, NROOTS, NULL);
    gc_mark_block(m, (void *const *)w->stack, 1, NULL);
}

static void worldInit(world *w, int concurrent, int gcprocs, const char *debug, FILE *trace)
{
    memset(w, 0, sizeof *w);
    gc_options o;
    gc_options_default(&o);
    o.concurrent = concurrent;
    o.gc_percent = 25; /* a 1 MiB minimum goal: cycles even at TSan's scale */
    o.gcprocs = gcprocs;
    o.trace = trace;
    char err[200];
    CU_ASSERT_EQUAL_FATAL(gc_parse_debug(&o.debug, debug, err, sizeof err), 0);
    /* A held mark must be the test's own: back-to-back cycles would
     * start it at some allocation of the set-up instead. */
    if (suiteStress && !o.debug.gcmarkhold)
        o.debug.gcconcurrentstress = 1;
    w->h = gc_heap_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->h);
    w->p = gc_p_new(w->h);
    w->bar = gc_heap_barrier(w->h);
    gc_add_roots(w->h, markRoots, w);
}

static void worldFree(world *w)
{
    gc_remove_roots(w->h, markRoots, w);
    gc_p_free(w->p);
    gc_heap_free(w->h);
}

static node *newNode(world *w, uint64_t id)
{
    node *n = gc_mallocgc(w->p, sizeof(node), &nodeType, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    n->id = id;
    return n;
}

/* root -> A -> B -> C, then a mark held open; returns C. */
static node *hideSetup(world *w, node **b)
{
    node *A = newNode(w, 1), *B = newNode(w, 2), *C = newNode(w, 42);
    A->a = B;
    B->a = C;
    w->roots[0] = A;
    CU_ASSERT_EQUAL(gc_heap_barrier(w->h)->enabled, 0);
    CU_ASSERT_EQUAL_FATAL(gc_mark_start(w->h), 1);
    CU_ASSERT(gc_mark_active(w->h));
    CU_ASSERT_EQUAL(gc_heap_barrier(w->h)->enabled, 1);
    *b = B;
    return C;
}

/* During the mark: N (black) takes C, B lets go of it. */
static node *hideMove(world *w, node *B, node *C, int barrier)
{
    node *N = newNode(w, 3);
    w->roots[1] = N; /* a root slot: scanned in the first pause only, no barrier needed */
    if (barrier) {
        gc_write_pointer(w->p, w->bar, (void **)&N->a, C);
        gc_write_pointer(w->p, w->bar, (void **)&B->a, NULL);
    } else {
        N->a = C;
        B->a = NULL;
    }
    return N;
}

static void test_barrier_keeps_hidden(void)
{
    world w;
    worldInit(&w, 1, 2, "gcmarkhold=1,gccheckmark=1", NULL);
    node *B, *C = hideSetup(&w, &B);
    node *N = hideMove(&w, B, C, 1);
    gc_collect(w.h); /* ends the held mark (checkmark), then a full cycle */
    CU_ASSERT(!gc_mark_active(w.h));
    CU_ASSERT_EQUAL(gc_heap_barrier(w.h)->enabled, 0);
    CU_ASSERT_PTR_EQUAL(gc_find_object(w.h, C), C);
    CU_ASSERT_EQUAL(N->a->id, 42);
    CU_ASSERT_EQUAL(gc_verify(w.h), 0);
    gc_stats st;
    gc_read_stats(w.h, &st);
    CU_ASSERT_EQUAL(st.num_concurrent_gc, 1);
    CU_ASSERT_EQUAL(st.num_gc, 2);
    worldFree(&w);
}

/* The buggy host: gc_verify sees N pointing at a freed slot. */
static void test_buggy_host_verify(void)
{
    world w;
    FILE *trace = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(trace);
    worldInit(&w, 1, 2, "gcmarkhold=1", trace);
    node *B, *C = hideSetup(&w, &B);
    hideMove(&w, B, C, 0);
    gc_collect(w.h);
    CU_ASSERT_PTR_NULL(gc_find_object(w.h, C)); /* freed: it was never marked */
    CU_ASSERT(gc_verify(w.h) > 0);
    worldFree(&w);
    fclose(trace);
}

/* The buggy host under gccheckmark: the end of the mark aborts, naming
 * the object. In a child, as the abort is the expected outcome. */
static void test_buggy_host_checkmark(void)
{
    FILE *trace = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(trace);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        world w;
        worldInit(&w, 1, 2, "gcmarkhold=1,gccheckmark=1", trace);
        node *B, *C = hideSetup(&w, &B);
        hideMove(&w, B, C, 0);
        gc_collect(w.h);
        _exit(0); /* not reached when the checkmark works */
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    char buf[512] = {0};
    rewind(trace);
    size_t n = fread(buf, 1, sizeof buf - 1, trace);
    CU_ASSERT(n > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "gccheckmark: reachable object"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "was not marked"));
    fclose(trace);
}

/* The bulk barrier: S's pointer to D is copied into N (black) and S is
 * cleared, both announced with gc_bulk_barrier. */
static void test_bulk_barrier(void)
{
    for (int barrier = 0; barrier < 2; barrier++) {
        world w;
        FILE *trace = tmpfile();
        worldInit(&w, 1, 2, "gcmarkhold=1", trace);
        enum { N = 8 };
        void **S = gc_mallocgc(w.p, N * sizeof(void *), &ptrType, true);
        node *D = newNode(&w, 7);
        S[3] = D;
        w.roots[0] = S;
        CU_ASSERT_EQUAL_FATAL(gc_mark_start(w.h), 1);
        void **A = gc_mallocgc(w.p, N * sizeof(void *), &ptrType, true);
        w.roots[1] = A;
        if (barrier)
            gc_bulk_barrier(w.p, w.bar, A, S, N, NULL);
        memcpy(A, S, sizeof(void *) * N);
        if (barrier)
            gc_bulk_barrier(w.p, w.bar, S, NULL, N, NULL);
        memset(S, 0, sizeof(void *) * N);
        gc_collect(w.h);
        if (barrier) {
            CU_ASSERT_PTR_EQUAL(gc_find_object(w.h, D), D);
            CU_ASSERT_EQUAL(gc_verify(w.h), 0);
        } else {
            CU_ASSERT_PTR_NULL(gc_find_object(w.h, D));
        }
        worldFree(&w);
        fclose(trace);
    }
}

/* Every allocation path hands out black objects during a mark: each is
 * kept only by a root slot set after the roots were scanned, so an object
 * not marked would be freed by the sweep that gc_collect starts with. */
static void test_allocate_black(void)
{
    world w;
    worldInit(&w, 1, 2, "gcmarkhold=1", NULL);
    gc_site site;
    CU_ASSERT_EQUAL_FATAL(gc_site_init(&site, sizeof(node), &nodeType), 0);
    /* Warm every path before the mark, so the windows are cached ones. */
    for (int i = 0; i < 100; i++) {
        gc_mallocgc(w.p, 8, NULL, true);
        gc_mallocgc(w.p, 100, NULL, true);
        newNode(&w, 0);
        gc_malloc_site(w.p, &site);
    }
    CU_ASSERT_EQUAL_FATAL(gc_mark_start(w.h), 1);
    void *objs[10];
    size_t sizes[10];
    int k = 0;
    sizes[k] = 8, objs[k++] = gc_mallocgc(w.p, 8, NULL, true);           /* tiny */
    sizes[k] = 4, objs[k++] = gc_mallocgc(w.p, 4, NULL, true);           /* tiny, same block */
    sizes[k] = 100, objs[k++] = gc_mallocgc(w.p, 100, NULL, true);       /* small noscan */
    sizes[k] = 24, objs[k++] = newNode(&w, 5);                           /* small scan, heap bits */
    sizes[k] = 1024, objs[k++] = gc_mallocgc(w.p, 1024, &ptrType, true); /* small scan, header */
    sizes[k] = 1 << 20, objs[k++] = gc_mallocgc(w.p, 1 << 20, &ptrType, true); /* large */
    sizes[k] = 1 << 20, objs[k++] = gc_mallocgc(w.p, 1 << 20, NULL, true);     /* large noscan */
    sizes[k] = 24, objs[k++] = gc_malloc_site(w.p, &site);               /* site */
    sizes[k] = 24, objs[k++] = gc_malloc_site_inline(w.p, gc_p_windows(w.p), &site); /* inlined site */
    for (int i = 0; i < k; i++) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i]);
        memset(objs[i], 0, sizes[i]);
        w.roots[i] = objs[i];
    }
    gc_stats st;
    gc_read_stats(w.h, &st);
    gc_collect(w.h);
    /* (The 4-byte object shares the 8-byte one's tiny block, which
     * gc_find_object reports as the object.) */
    for (int i = 0; i < k; i++)
        CU_ASSERT_PTR_EQUAL(gc_find_object(w.h, objs[i]), i == 1 ? objs[0] : objs[i]);
    CU_ASSERT_EQUAL(gc_verify(w.h), 0);
    worldFree(&w);
}

/* A mutator moving pointers around while workers mark: every reachable
 * node keeps its tag, gccheckmark checks each mark, gc_verify the end.
 * The nodes are NROOTS lists (through field a). A step unlinks a node
 * from one list (the barrier shades it as its last reference goes) and
 * links it into another, or inserts a new node, or drops one. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define TAG ((uint64_t)0xabc << 32)

static int checkLists(world *w)
{
    for (int r = 0; r < NROOTS; r++)
        for (node *n = w->roots[r]; n; n = n->a)
            if (gc_find_object(w->h, n) != n || (n->id & ~(uint64_t)0xffffffff) != TAG)
                return 1;
    return 0;
}

static node *pick(world *w, uint64_t *seed)
{
    node *x = w->roots[rnd(seed) % NROOTS];
    for (int d = (int)(rnd(seed) % 8); x && x->a && d > 0; d--)
        x = x->a;
    return x;
}

static void mutate(world *w, uint64_t steps, uint64_t *seed)
{
    const gc_poll *poll = gc_p_poll(w->p);
    for (uint64_t i = 0; i < steps; i++) {
        node *x = pick(w, seed);
        if (!x)
            continue;
        uint64_t r = rnd(seed) % 8;
        node *y = x->a;
        if (r < 4 && y) {
            /* Unlink y: now only the stack holds it, which a mark that
             * is already running does not scan again. */
            w->stack[0] = y;
            gc_write_pointer(w->p, w->bar, (void **)&x->a, y->a);
            gc_write_pointer(w->p, w->bar, (void **)&y->a, NULL);
            /* Churn the heap a little while it is hidden. */
            for (int k = 0; k < 4; k++)
                newNode(w, 0);
            w->stack[0] = NULL;
            node *z = pick(w, seed);
            if (z) {
                gc_write_pointer(w->p, w->bar, (void **)&y->a, z->a);
                gc_write_pointer(w->p, w->bar, (void **)&z->a, y);
            }
        } else if (r < 6) {
            node *n = newNode(w, TAG | (i & 0xffffffff));
            gc_write_pointer(w->p, w->bar, (void **)&n->a, x->a);
            gc_write_pointer(w->p, w->bar, (void **)&x->a, n);
        } else if (y) {
            gc_write_pointer(w->p, w->bar, (void **)&x->a, y->a);
        }
        gc_safepoint(w->p, poll);
    }
}

static void runMutator(int gcprocs, const char *debug)
{
    world w;
    worldInit(&w, 1, gcprocs, debug, NULL);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    /* Built in place: under gcconcurrentstress a mark may start at any
     * allocation, and only what the roots hold is scanned then. */
    for (int r = 0; r < NROOTS; r++) {
        for (int k = 0; k < 64; k++) {
            node *n = newNode(&w, TAG | (uint64_t)k);
            gc_write_pointer(w.p, w.bar, (void **)&n->a, w.roots[r]);
            w.roots[r] = n;
        }
    }
    /* Garbage enough to pass the trigger several times. */
    mutate(&w, 200000 / SCALE, &seed);
    CU_ASSERT_EQUAL(checkLists(&w), 0);
    gc_collect(w.h);
    gc_stats st;
    gc_read_stats(w.h, &st);
    CU_ASSERT(st.num_concurrent_gc >= 1);
    CU_ASSERT_EQUAL(checkLists(&w), 0);
    CU_ASSERT_EQUAL(gc_verify(w.h), 0);
    worldFree(&w);
}

static void test_mutator_1(void) { runMutator(1, "gccheckmark=1"); }
static void test_mutator_4(void) { runMutator(4, "gccheckmark=1"); }

/* A big live list and a host allocating garbage fast: with one fractional
 * worker (a quarter of a CPU), the host pays for its allocation by
 * marking (assists), and the heap stays near its goal. */
static void test_assist(void)
{
    world w;
    worldInit(&w, 1, 1, "", NULL);
    size_t n = ((size_t)400000) / SCALE;
    for (size_t i = 0; i < n; i++) {
        node *x = newNode(&w, TAG);
        gc_write_pointer(w.p, w.bar, (void **)&x->a, w.roots[0]);
        w.roots[0] = x;
    }
    uint64_t assists = 0, cycles = 0;
    for (int round = 0; round < 40 && cycles < 3; round++) {
        for (int i = 0; i < 50000 / SCALE; i++)
            gc_mallocgc(w.p, 64, NULL, true);
        gc_safepoint(w.p, gc_p_poll(w.p));
        gc_stats st;
        gc_read_stats(w.h, &st);
        if (st.num_concurrent_gc > cycles) {
            cycles = st.num_concurrent_gc;
            assists += st.mark_assist_cpu_ns;
            CU_ASSERT(st.heap_trigger < st.heap_goal);
        }
    }
    CU_ASSERT(cycles >= 1);
    CU_ASSERT(assists > 0);
    CU_ASSERT_EQUAL(checkLists(&w), 0);
    worldFree(&w);
}

/* Idle-mode marking: one thread holding the only P, gcprocs 4: one
 * dedicated worker, and the two procs nobody uses mark in idle mode, their
 * time counted apart (mark_idle_cpu_ns). With gcprocs 1 no proc is idle:
 * the fractional worker alone, and no idle time. */
static uint64_t idleMarkCpu(int gcprocs, uint64_t *cycles, uint64_t *procs)
{
    world w;
    worldInit(&w, 1, gcprocs, "gccheckmark=1", NULL);
    size_t n = ((size_t)400000) / SCALE;
    for (size_t i = 0; i < n; i++) {
        node *x = newNode(&w, TAG);
        gc_write_pointer(w.p, w.bar, (void **)&x->a, w.roots[0]);
        w.roots[0] = x;
    }
    uint64_t idle = 0;
    *cycles = *procs = 0;
    for (int round = 0; round < 200 && *cycles < 3; round++) {
        for (int i = 0; i < 20000 / SCALE; i++)
            gc_mallocgc(w.p, 64, NULL, true);
        gc_safepoint(w.p, gc_p_poll(w.p));
        gc_stats st;
        gc_read_stats(w.h, &st);
        if (st.num_concurrent_gc > *cycles) {
            *cycles = st.num_concurrent_gc;
            idle += st.mark_idle_cpu_ns;
            CU_ASSERT(st.mark_cpu_ns >= st.mark_idle_cpu_ns + st.mark_bg_cpu_ns);
            if (st.mark_procs > *procs)
                *procs = st.mark_procs;
        }
    }
    CU_ASSERT_EQUAL(checkLists(&w), 0);
    worldFree(&w);
    return idle;
}

static void test_idle_workers(void)
{
    uint64_t cycles, procs;
    CU_ASSERT(idleMarkCpu(4, &cycles, &procs) > 0);
    CU_ASSERT(cycles >= 1);
    CU_ASSERT_EQUAL(procs, 3); /* a dedicated worker and two idle ones */
    CU_ASSERT_EQUAL(idleMarkCpu(1, &cycles, &procs), 0);
    CU_ASSERT(cycles >= 1);
    CU_ASSERT_EQUAL(procs, 1); /* the fractional worker */
}

/* gcstoptheworld=1: concurrent on, but every mark in the pause (the
 * barrier never on); =2: and the sweep too (no span left unswept). */
static void countUnswept(const gc_span_info *si, void *ud)
{
    if (si->unswept)
        ++*(size_t *)ud;
}

static void test_stoptheworld(void)
{
    for (int mode = 1; mode <= 2; mode++) {
        world w;
        char dbg[64];
        snprintf(dbg, sizeof dbg, "gcstoptheworld=%d,gccheckmark=1", mode);
        worldInit(&w, 1, 2, dbg, NULL);
        node *keep = newNode(&w, TAG);
        w.roots[0] = keep;
        uint64_t cycles = 0;
        for (int i = 0; i < 400000 / SCALE; i++) {
            node *n = newNode(&w, TAG);
            CU_ASSERT_EQUAL(gc_heap_barrier(w.h)->enabled, 0);
            gc_stats st;
            if ((i & 1023) == 0) {
                gc_read_stats(w.h, &st);
                if (st.num_gc > cycles) {
                    cycles = st.num_gc;
                    size_t unswept = 0;
                    gc_span_walk(w.h, countUnswept, &unswept);
                    if (mode == 2)
                        CU_ASSERT_EQUAL(unswept, 0);
                }
            }
            (void)n;
        }
        gc_stats st;
        gc_read_stats(w.h, &st);
        CU_ASSERT(st.num_gc >= 1);
        CU_ASSERT_EQUAL(st.num_concurrent_gc, 0);
        CU_ASSERT_EQUAL(keep->id, TAG);
        worldFree(&w);
    }
}

/* The default stays stop-the-world: no barrier, no concurrent cycle. */
static void test_default_stw(void)
{
    world w;
    worldInit(&w, 0, 2, "", NULL);
    CU_ASSERT_EQUAL(gc_mark_start(w.h), 0);
    CU_ASSERT(!gc_mark_active(w.h));
    gc_stats st;
    gc_read_stats(w.h, &st);
    CU_ASSERT_EQUAL(st.num_gc, 1);
    CU_ASSERT_EQUAL(st.num_concurrent_gc, 0);
    worldFree(&w);
}

/* A heap freed, and a P freed, while a mark runs. */
static void test_free_during_mark(void)
{
    world w;
    worldInit(&w, 1, 2, "gccheckmark=1", NULL);
    node *A = newNode(&w, TAG);
    w.roots[0] = A;
    CU_ASSERT_FATAL(gc_mark_active(w.h) || gc_mark_start(w.h) == 1);
    gc_p *q = gc_p_new(w.h);
    node *B = gc_mallocgc(q, sizeof(node), &nodeType, true);
    gc_write_pointer(q, w.bar, (void **)&A->a, B);
    gc_p_free(q);
    gc_collect(w.h);
    CU_ASSERT_PTR_EQUAL(gc_find_object(w.h, B), B);
    CU_ASSERT_FATAL(gc_mark_active(w.h) || gc_mark_start(w.h) == 1);
    worldFree(&w); /* with the mark running */
}

/* TOYDEBUG=gctimeline=FILE: a JSON array of trace events with both
 * pauses, the concurrent mark and the heap counter. */
static void test_timeline(void)
{
    char path[] = "/tmp/alloc-timeline-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    char dbg[128];
    snprintf(dbg, sizeof dbg, "gctimeline=%s", path);
    world w;
    worldInit(&w, 1, 2, dbg, NULL);
    w.roots[0] = newNode(&w, TAG);
    CU_ASSERT_FATAL(gc_mark_active(w.h) || gc_mark_start(w.h) == 1);
    for (int i = 0; i < 1000; i++)
        newNode(&w, 0);
    gc_collect(w.h);
    worldFree(&w);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    CU_ASSERT_FATAL(size > 0);
    char *buf = malloc((size_t)size + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    size_t n = fread(buf, 1, (size_t)size, f);
    buf[n] = 0;
    fclose(f);
    unlink(path);
    CU_ASSERT(n > 2 && buf[0] == '[' && strcmp(buf + n - 2, "]\n") == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"name\":\"pause: sweep termination, mark start\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"name\":\"concurrent mark\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"name\":\"pause: mark termination\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"name\":\"pause: forced stop-the-world cycle\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ph\":\"C\""));
    free(buf);
}

static CU_TestInfo tests[] = {
    {"barrier_keeps_hidden", test_barrier_keeps_hidden},
    {"buggy_host_verify", test_buggy_host_verify},
    {"buggy_host_checkmark", test_buggy_host_checkmark},
    {"bulk_barrier", test_bulk_barrier},
    {"allocate_black", test_allocate_black},
    {"mutator_1", test_mutator_1},
    {"mutator_4", test_mutator_4},
    {"assist", test_assist},
    {"idle_workers", test_idle_workers},
    {"stoptheworld", test_stoptheworld},
    {"default_stw", test_default_stw},
    {"free_during_mark", test_free_during_mark},
    {"timeline", test_timeline},
    CU_TEST_INFO_NULL,
};

static int plainInit(void)
{
    suiteStress = 0;
    return 0;
}
static int stressInit(void)
{
    suiteStress = 1;
    return 0;
}

static CU_SuiteInfo suites[] = {
    {"concurrent", plainInit, NULL, NULL, NULL, tests},
    {"concurrent-stress", stressInit, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("concurrent", suites, argc, argv); }
