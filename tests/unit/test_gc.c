/*
 * test_gc.c: the collector half of alloc. Every test runs twice, in suite
 * "gc" (plain) and in suite "gc-checked" (gccheckmark=1, clobberfree=1):
 * random graphs through the C API (lists, trees, cycles, DAGs, arrays of
 * pointers, header-sized and large objects, interior pointers) keep every
 * reachable object intact and free every unreachable one; block roots keep
 * only what their bitmap names; mallocs - frees == live; a ten-million-cell
 * list is marked on a 256 KiB thread stack; the pacer, the memory limit,
 * the scavenger, gctrace, gcstress; clobberfree and gccheckmark catching
 * planted bugs in child processes; sweeping that never touches an object.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc/alloc.h"
#include "tests/unit/unit.h"

/* Under ASan alloc poisons freed slots, so a planted use after free is
 * reported by ASan before clobberfree sees it: childAborts counts ASan's
 * death as the abort it expects. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

static gc_debug suiteDebug; /* set by each suite's init */

static gc_heap *newHeap(int pct, int64_t limit)
{
    gc_options o;
    gc_options_default(&o);
    o.gc_percent = pct;
    o.memory_limit = limit;
    o.debug = suiteDebug;
    return gc_heap_new(&o);
}

/* A growable root table, reported as one block (bitmap: every word). */
typedef struct rootset {
    void **slot;
    size_t n;
} rootset;

static void markRootset(gc_marker *m, void *ud)
{
    rootset *r = ud;
    gc_mark_block(m, (void *const *)r->slot, r->n, NULL);
}

static rootset *rootsNew(gc_heap *h, size_t n)
{
    rootset *r = calloc(1, sizeof *r);
    r->slot = calloc(n, sizeof(void *));
    r->n = n;
    gc_add_roots(h, markRootset, r);
    return r;
}

static void rootsFree(gc_heap *h, rootset *r)
{
    gc_remove_roots(h, markRootset, r);
    free(r->slot);
    free(r);
}

static uint64_t liveObjects(gc_heap *h)
{
    gc_stats s;
    gc_read_stats(h, &s);
    return s.mallocs - s.frees;
}

static void countSlots(const gc_span_info *si, void *ud)
{
    if (!si->free)
        *(uint64_t *)ud += si->nalloc;
}

/* The span walk's count of allocated slots must match the counters. */
static uint64_t walkedObjects(gc_heap *h)
{
    uint64_t n = 0;
    gc_span_walk(h, countSlots, &n);
    return n;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* ---- lists ---- */

typedef struct cell {
    struct cell *next;
    uint64_t value;
} cell;
static const uint8_t cellMask[] = {0x1};
static const gc_type cellType = {sizeof(cell), 8, cellMask, "cell"};

static size_t listCheck(cell *c, uint64_t first)
{
    size_t n = 0;
    for (; c; c = c->next, n++)
        if (c->value != mix(first + n))
            return (size_t)-1;
    return n;
}

static void test_list(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 2);
    size_t n = suiteDebug.clobberfree ? 100000 : 1000000;
    /* Build back to front under the root; interleave garbage cells. */
    for (size_t i = n; i-- > 0;) {
        cell *c = gc_mallocgc(p, sizeof *c, &cellType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        c->value = mix(i);
        c->next = r->slot[0];
        r->slot[0] = c;
        cell *g = gc_mallocgc(p, sizeof *g, &cellType, true);
        g->value = 7;
    }
    CU_ASSERT_EQUAL(liveObjects(h), 2 * n);
    gc_collect(h);
    CU_ASSERT_EQUAL(listCheck(r->slot[0], 0), n);
    CU_ASSERT_EQUAL(liveObjects(h), n);
    /* Cut the list in the middle: the second half becomes garbage. */
    cell *mid = r->slot[0];
    for (size_t i = 0; i < n / 2 - 1; i++)
        mid = mid->next;
    mid->next = NULL;
    gc_collect(h);
    CU_ASSERT_EQUAL(listCheck(r->slot[0], 0), n / 2);
    CU_ASSERT_EQUAL(liveObjects(h), n / 2);
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT_EQUAL(s.num_gc, 2);
    CU_ASSERT_EQUAL(s.num_forced_gc, 2);
    CU_ASSERT_EQUAL(s.frees, n + n / 2);
    CU_ASSERT_EQUAL(s.heap_alloc, (n / 2) * 16);
    CU_ASSERT_EQUAL(s.heap_live, (n / 2) * 16);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* ---- a ten-million-cell list marked on a small stack ---- */

typedef struct deepArgs {
    gc_heap *h;
} deepArgs;

static void *collectThread(void *a)
{
    gc_collect(((deepArgs *)a)->h);
    return NULL;
}

static void test_deep_list(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 1);
    size_t n = suiteDebug.clobberfree ? 1000000 : 10000000;
    cell *tail = NULL;
    for (size_t i = 0; i < n; i++) {
        cell *c = gc_mallocgc(p, sizeof *c, &cellType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        c->value = mix(i);
        /* Forward links: the head is the first cell, so marking follows
         * n links in a row; a recursive marker would need n frames. */
        if (tail)
            tail->next = c;
        else
            r->slot[0] = c;
        tail = c;
    }
    /* Mark on a 256 KiB stack: recursion over the list would overflow it.
     * This thread blocks in the join: it gives its P back meanwhile, or
     * the other thread's pause would wait for it. */
    gc_p_release(p);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    deepArgs a = {h};
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, &attr, collectThread, &a), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    gc_p_acquire(p);
    CU_ASSERT_EQUAL(listCheck(r->slot[0], 0), n);
    CU_ASSERT_EQUAL(liveObjects(h), n);
    r->slot[0] = NULL;
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 0);
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT_EQUAL(s.heap_alloc, 0);
    CU_ASSERT_EQUAL(s.spans_inuse, 0);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* ---- random graphs ---- */

/* An element of every graph object: four edges and a checksum. */
typedef struct gnode {
    void *edge[4];
    uint64_t id;
    uint64_t sum;
} gnode;
static const uint8_t gnodeMask[] = {0x0f};
static const gc_type gnodeType = {sizeof(gnode), 32, gnodeMask, "gnode"};
static const uint8_t ptrMask[] = {0x1};
static const gc_type ptrType = {8, 8, ptrMask, "ptr"};

enum { KIND_SMALL, KIND_HEADER, KIND_LARGE, KIND_PTRARRAY, KIND_NOSCAN, KINDS };

typedef struct gobj {
    void *base;
    int kind;
    size_t nelem;   /* gnodes, or pointer words, or noscan bytes */
    int reachable;
    size_t nedges;
    size_t *to;     /* target object of each edge (mirror, in slot order) */
    size_t *toOff;  /* byte offset into the target (interior pointers) */
} gobj;

typedef struct graph {
    gobj *o;
    size_t n;
} graph;

static uint64_t grng;
static uint64_t rnd(void)
{
    grng ^= grng << 13;
    grng ^= grng >> 7;
    grng ^= grng << 17;
    return grng;
}

static size_t objBytes(const gobj *o)
{
    switch (o->kind) {
    case KIND_PTRARRAY:
        return o->nelem * 8;
    case KIND_NOSCAN:
        return o->nelem;
    default:
        return o->nelem * sizeof(gnode);
    }
}

static size_t edgeSlots(const gobj *o)
{
    return o->kind == KIND_NOSCAN ? 0 : o->kind == KIND_PTRARRAY ? o->nelem : o->nelem * 4;
}

static void **edgeSlot(gobj *o, size_t k)
{
    if (o->kind == KIND_PTRARRAY)
        return (void **)o->base + k;
    return &((gnode *)o->base)[k / 4].edge[k % 4];
}

static void fillChecksums(gobj *o, size_t idx)
{
    if (o->kind == KIND_NOSCAN) {
        uint8_t *b = o->base;
        for (size_t i = 0; i < o->nelem; i++)
            b[i] = (uint8_t)mix(idx * 131 + i);
        return;
    }
    if (o->kind == KIND_PTRARRAY)
        return;
    gnode *g = o->base;
    for (size_t i = 0; i < o->nelem; i++) {
        g[i].id = idx;
        g[i].sum = mix(idx * 1000003 + i);
    }
}

static int checkObj(graph *g, gobj *o, size_t idx)
{
    if (o->kind == KIND_NOSCAN) {
        const uint8_t *b = o->base;
        for (size_t i = 0; i < o->nelem; i++)
            if (b[i] != (uint8_t)mix(idx * 131 + i))
                return 0;
        return 1;
    }
    if (o->kind != KIND_PTRARRAY) {
        const gnode *n = o->base;
        for (size_t i = 0; i < o->nelem; i++)
            if (n[i].id != idx || n[i].sum != mix(idx * 1000003 + i))
                return 0;
    }
    for (size_t k = 0; k < o->nedges; k++) {
        void *want = o->to[k] == (size_t)-1 ? NULL : (char *)g->o[o->to[k]].base + o->toOff[k];
        if (*edgeSlot(o, k) != want)
            return 0;
    }
    return 1;
}

static void buildGraph(gc_p *p, graph *g, size_t n, rootset *r)
{
    g->n = n;
    g->o = calloc(n, sizeof(gobj));
    for (size_t i = 0; i < n; i++) {
        gobj *o = &g->o[i];
        uint64_t x = rnd();
        o->kind = (int)(x % 100 < 60 ? KIND_SMALL : x % 100 < 75 ? KIND_HEADER : x % 100 < 78 ? KIND_LARGE
                                                   : x % 100 < 90 ? KIND_PTRARRAY : KIND_NOSCAN);
        switch (o->kind) {
        case KIND_SMALL:
            o->nelem = 1 + x / 100 % 10; /* <= 480 bytes: heap bits in span */
            break;
        case KIND_HEADER:
            o->nelem = 11 + x / 100 % 600; /* 528 .. 29 KiB: header */
            break;
        case KIND_LARGE:
            o->nelem = 700 + x / 100 % 3000; /* 33 KiB .. 177 KiB */
            break;
        case KIND_PTRARRAY:
            o->nelem = 1 + x / 100 % 300;
            break;
        default:
            o->nelem = 1 + x / 100 % 5000;
        }
        const gc_type *t = o->kind == KIND_PTRARRAY ? &ptrType : o->kind == KIND_NOSCAN ? NULL : &gnodeType;
        o->base = gc_mallocgc(p, objBytes(o), t, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o->base);
        /* Keep every object alive while the graph is built (a collection may run). */
        r->slot[i] = o->base;
        fillChecksums(o, i);
    }
    /* Edges: to any object (cycles, DAGs, self-loops), often interior. */
    for (size_t i = 0; i < n; i++) {
        gobj *o = &g->o[i];
        o->nedges = edgeSlots(o);
        o->to = malloc((o->nedges + 1) * sizeof(size_t));
        o->toOff = malloc((o->nedges + 1) * sizeof(size_t));
        for (size_t k = 0; k < o->nedges; k++) {
            uint64_t x = rnd();
            if (x % 3 == 0) {
                o->to[k] = (size_t)-1;
                o->toOff[k] = 0;
                *edgeSlot(o, k) = NULL;
                continue;
            }
            /* Clusters of 100 objects: edges stay inside the cluster
             * (chains, trees, cycles, self-loops) except a few that go to
             * a later cluster (a DAG of clusters), so rooting a few
             * clusters leaves the others unreachable. */
            size_t cl = i / 100 * 100, t;
            if (x % 40 == 0)
                t = cl + 100 + (size_t)(x >> 8) % 100;
            else
                t = cl + (size_t)(x >> 8) % 100;
            if (t >= n || (x >> 16) % (1 + o->nedges / 4) != 0) {
                o->to[k] = (size_t)-1;
                o->toOff[k] = 0;
                *edgeSlot(o, k) = NULL;
                continue;
            }
            size_t bytes = objBytes(&g->o[t]);
            size_t off = (x >> 40) % 4 == 0 ? (size_t)(x >> 20) % bytes : 0;
            o->to[k] = t;
            o->toOff[k] = off;
            *edgeSlot(o, k) = (char *)g->o[t].base + off;
        }
    }
}

static size_t computeReachable(graph *g, rootset *r)
{
    for (size_t i = 0; i < g->n; i++)
        g->o[i].reachable = 0;
    size_t *stack = malloc(g->n * sizeof(size_t)), sp = 0, count = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->slot[i])
            continue;
        /* Roots hold object bases here. */
        for (size_t j = 0; j < g->n; j++)
            if (g->o[j].base == r->slot[i] && !g->o[j].reachable) {
                g->o[j].reachable = 1;
                stack[sp++] = j;
                count++;
            }
    }
    while (sp) {
        gobj *o = &g->o[stack[--sp]];
        for (size_t k = 0; k < o->nedges; k++) {
            size_t t = o->to[k];
            if (t != (size_t)-1 && !g->o[t].reachable) {
                g->o[t].reachable = 1;
                stack[sp++] = t;
                count++;
            }
        }
    }
    free(stack);
    return count;
}

static void verifyGraph(gc_heap *h, graph *g, size_t live)
{
    size_t bad = 0, notFreed = 0;
    for (size_t i = 0; i < g->n; i++) {
        gobj *o = &g->o[i];
        if (!o->base)
            continue;
        if (o->reachable) {
            if (!checkObj(g, o, i) || gc_find_object(h, (char *)o->base + objBytes(o) / 2) != o->base)
                bad++;
        } else {
            if (gc_find_object(h, o->base) != NULL)
                notFreed++;
            o->base = NULL;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(notFreed, 0);
    CU_ASSERT_EQUAL(liveObjects(h), live);
    CU_ASSERT_EQUAL(walkedObjects(h), live);
    CU_ASSERT_EQUAL(gc_verify(h), 0);
}

static void freeGraph(graph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->o[i].to);
        free(g->o[i].toOff);
    }
    free(g->o);
}

static void test_random_graphs(void)
{
    for (int round = 0; round < 3; round++) {
        grng = 0x9e3779b97f4a7c15ULL + (uint64_t)round;
        gc_heap *h = newHeap(round == 2 ? 100 : -1, 0); /* round 2: automatic cycles during the build */
        gc_p *p = gc_p_new(h);
        size_t n = 3000;
        rootset *r = rootsNew(h, n);
        graph g;
        buildGraph(p, &g, n, r);
        /* Keep a few roots only. */
        for (size_t i = 0; i < n; i++)
            if (rnd() % 150 != 0)
                r->slot[i] = NULL;
        size_t live = computeReachable(&g, r);
        CU_ASSERT(live > 0 && live < n);
        gc_collect(h);
        verifyGraph(h, &g, live);
        /* Drop half of the remaining roots, collect again. */
        for (size_t i = 0; i < n; i++)
            if (r->slot[i] && rnd() % 2)
                r->slot[i] = NULL;
        live = computeReachable(&g, r);
        gc_collect(h);
        verifyGraph(h, &g, live);
        /* The heap is reused after sweeping: new allocations do not disturb survivors. */
        for (int i = 0; i < 20000; i++) {
            gnode *x = gc_mallocgc(p, sizeof(gnode) * (1 + (size_t)i % 30), &gnodeType, true);
            CU_ASSERT_PTR_NOT_NULL_FATAL(x);
            CU_ASSERT_PTR_NULL(x->edge[0]); /* pointerful memory comes zeroed */
            x->id = 99;
        }
        for (size_t i = 0; i < n; i++)
            if (g.o[i].base && !checkObj(&g, &g.o[i], i)) {
                CU_FAIL("survivor changed after reuse");
                break;
            }
        for (size_t i = 0; i < n; i++)
            r->slot[i] = NULL;
        gc_collect(h);
        CU_ASSERT_EQUAL(liveObjects(h), 0);
        freeGraph(&g);
        rootsFree(h, r);
        gc_p_free(p);
        gc_heap_free(h);
    }
}

/* ---- block roots with a bitmap, handles, interior pointers, tiny blocks ---- */

static void *blockWords[16];
static const uint8_t blockBitmap[2] = {0x05, 0x80}; /* words 0, 2 and 15 */

static void markBlock(gc_marker *m, void *ud)
{
    (void)ud;
    gc_mark_block(m, (void *const *)blockWords, 16, blockBitmap);
}

static void test_block_roots(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    gc_add_roots(h, markBlock, NULL);
    for (int i = 0; i < 16; i++) {
        cell *c = gc_mallocgc(p, sizeof *c, &cellType, true);
        c->value = mix((uint64_t)i);
        blockWords[i] = c;
    }
    cell *kept0 = blockWords[0], *kept2 = blockWords[2], *kept15 = blockWords[15];
    void *dropped1 = blockWords[1];
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 3);
    CU_ASSERT_PTR_EQUAL(gc_find_object(h, kept0), kept0);
    CU_ASSERT_PTR_EQUAL(gc_find_object(h, kept2), kept2);
    CU_ASSERT_PTR_EQUAL(gc_find_object(h, kept15), kept15);
    CU_ASSERT_PTR_NULL(gc_find_object(h, dropped1));
    CU_ASSERT_EQUAL(kept15->value, mix(15));
    /* Unnamed words may hold anything: integers, stale pointers. */
    for (int i = 0; i < 16; i++)
        if (!(blockBitmap[i / 8] >> (i % 8) & 1))
            blockWords[i] = (void *)(uintptr_t)(0x1234567 * (i + 1));
    blockWords[1] = dropped1;
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 3);

    /* Handles. */
    cell *c = gc_mallocgc(p, sizeof *c, &cellType, true);
    c->value = 42;
    gc_handle *hd = gc_handle_new(h, c);
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 4);
    CU_ASSERT_PTR_EQUAL(gc_handle_get(hd), c);
    CU_ASSERT_EQUAL(((cell *)gc_handle_get(hd))->value, 42);
    gc_handle_set(hd, NULL);
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 3);
    gc_handle_release(hd);

    /* An interior pointer in a handle keeps a large object alive. */
    uint8_t *big = gc_mallocgc(p, 100000, NULL, true);
    big[99999] = 7;
    hd = gc_handle_new(h, big + 50000);
    gc_collect(h);
    CU_ASSERT_PTR_EQUAL(gc_find_object(h, big), big);
    CU_ASSERT_EQUAL(big[99999], 7);
    gc_handle_release(hd);
    gc_collect(h);
    CU_ASSERT_PTR_NULL(gc_find_object(h, big));
    gc_remove_roots(h, markBlock, NULL);
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 0);
    gc_p_free(p);
    gc_heap_free(h);
}

static void test_tiny_blocks(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 1);
    /* Four 4-byte strings share one 16-byte block. */
    uint32_t *s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = gc_mallocgc(p, 4, NULL, true);
        *s[i] = 0xabc00 + (uint32_t)i;
    }
    CU_ASSERT_EQUAL((uintptr_t)s[3] - (uintptr_t)s[0], 12);
    r->slot[0] = s[2]; /* an interior pointer into the block */
    /* Plenty of unreachable tiny objects around it. */
    for (int i = 0; i < 10000; i++)
        *(uint8_t *)gc_mallocgc(p, 1 + (size_t)i % 15, NULL, true) = 1;
    gc_collect(h);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(*s[i], 0xabc00 + (uint32_t)i); /* the whole block survives */
    CU_ASSERT_PTR_NOT_NULL(gc_find_object(h, s[0]));
    CU_ASSERT_EQUAL(liveObjects(h), 1); /* one block */
    r->slot[0] = NULL;
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 0);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* Holes left by a collection are reused through allocBits and allocCache. */
static void test_reuse_holes(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 512);
    for (int i = 0; i < 512; i++)
        r->slot[i] = gc_mallocgc(p, 16, NULL, true);
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < 512; i++) {
        uintptr_t a = (uintptr_t)r->slot[i];
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
        if (i % 3)
            r->slot[i] = NULL;
    }
    CU_ASSERT_EQUAL(hi - lo, 511 * 16); /* one span */
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 171);
    gc_stats a, b;
    gc_read_stats(h, &a);
    int inHoles = 0;
    for (int i = 0; i < 341; i++) {
        uintptr_t x = (uintptr_t)gc_mallocgc(p, 16, NULL, true);
        if (x >= lo && x <= hi && (x - lo) / 16 % 3 != 0)
            inHoles++;
    }
    gc_read_stats(h, &b);
    CU_ASSERT_EQUAL(inHoles, 341);
    CU_ASSERT_EQUAL(b.heap_sys, a.heap_sys);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* ---- churn: lazy sweeping, credit, reclaim under the pacer ---- */

static void test_churn(void)
{
    gc_heap *h = newHeap(100, 0);
    gc_p *p = gc_p_new(h);
    enum { SLOTS = 4096 };
    rootset *r = rootsNew(h, SLOTS);
    uint64_t *tag = calloc(SLOTS, sizeof(uint64_t));
    size_t *len = calloc(SLOTS, sizeof(size_t));
    grng = 12345;
    size_t rounds = suiteDebug.clobberfree ? 100000 : 600000;
    size_t bad = 0;
    for (size_t i = 0; i < rounds; i++) {
        uint64_t x = rnd();
        size_t k = x % SLOTS;
        if (r->slot[k]) {
            const uint64_t *w = r->slot[k];
            if (w[0] != tag[k] || w[len[k] / 8 - 1] != tag[k])
                bad++;
        }
        size_t n = x % 1000 == 0 ? 40000 + (x >> 20) % 100000 : 16 + (x >> 12) % 600 / 8 * 8;
        const gc_type *t = (x >> 30) % 2 ? &ptrType : NULL;
        uint64_t *o = gc_mallocgc(p, n, t, true);
        if (!o) {
            CU_FAIL("allocation failed");
            break;
        }
        /* Pointer words hold pointers to other live slots or a tag the
         * collector must treat as a non-heap value. */
        tag[k] = t ? (uint64_t)(uintptr_t)r->slot[(k + 1) % SLOTS] : mix(i);
        o[0] = tag[k];
        o[n / 8 - 1] = tag[k];
        r->slot[k] = o;
        len[k] = n;
    }
    CU_ASSERT_EQUAL(bad, 0);
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT(s.num_gc >= 5);
    CU_ASSERT(s.heap_sys < (96u << 20));
    CU_ASSERT(s.heap_goal >= (4u << 20));
    gc_collect(h);
    size_t live = 0;
    for (size_t k = 0; k < SLOTS; k++)
        live += r->slot[k] != NULL;
    /* Pointer-typed objects may keep their predecessors' objects alive
     * through the tag words, so count what is reachable instead. */
    CU_ASSERT(liveObjects(h) >= live);
    CU_ASSERT_EQUAL(walkedObjects(h), liveObjects(h));
    CU_ASSERT_EQUAL(gc_verify(h), 0);
    memset(r->slot, 0, SLOTS * sizeof(void *));
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 0);
    free(tag);
    free(len);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* Two mutators (Ps) on one heap: a cycle flushes both mcaches. */
static void test_two_mutators(void)
{
    gc_heap *h = newHeap(100, 0);
    gc_p *p1 = gc_p_new(h), *p2 = gc_p_new(h);
    rootset *r = rootsNew(h, 2);
    for (size_t i = 200000; i-- > 0;) {
        gc_p *p = i % 2 ? p1 : p2;
        cell *c = gc_mallocgc(p, sizeof *c, &cellType, true);
        c->value = mix(i);
        c->next = r->slot[i % 2];
        r->slot[i % 2] = c;
        gc_mallocgc(p, 24 + i % 100, NULL, false); /* garbage */
    }
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT_EQUAL(s.num_mutators, 2);
    CU_ASSERT(s.num_gc >= 1);
    gc_collect(h);
    size_t n = 0, bad = 0;
    for (int k = 0; k < 2; k++)
        for (cell *c = r->slot[k]; c; c = c->next)
            n++;
    CU_ASSERT_EQUAL(n, 200000);
    size_t i = 1;
    for (cell *c = r->slot[1]; c; c = c->next, i += 2)
        if (c->value != mix(i))
            bad++;
    i = 0;
    for (cell *c = r->slot[0]; c; c = c->next, i += 2)
        if (c->value != mix(i))
            bad++;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(liveObjects(h), 200000);
    gc_p_free(p1);
    CU_ASSERT_EQUAL(liveObjects(h), 200000);
    r->slot[0] = r->slot[1] = NULL;
    gc_collect(h);
    CU_ASSERT_EQUAL(liveObjects(h), 0);
    rootsFree(h, r);
    gc_p_free(p2);
    gc_heap_free(h);
}

/* ---- pacer, limit, scavenger ---- */

static void test_pacer_off_and_limit(void)
{
    /* TOYGC=off: no automatic cycle however much is allocated. */
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    for (int i = 0; i < 40000; i++)
        gc_mallocgc(p, 1000, NULL, false);
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT_EQUAL(s.num_gc, 0);
    CU_ASSERT(s.heap_sys >= 38u << 20);
    gc_p_free(p);
    gc_heap_free(h);

    /* Off, but with a 24 MiB memory limit: cycles keep the heap under it. */
    h = newHeap(-1, 24 << 20);
    p = gc_p_new(h);
    for (int i = 0; i < 100000; i++)
        gc_mallocgc(p, 1000, NULL, false);
    gc_read_stats(h, &s);
    CU_ASSERT(s.num_gc >= 3);
    CU_ASSERT(s.heap_sys - s.heap_released <= 24u << 20);
    gc_p_free(p);
    gc_heap_free(h);

    /* gc_percent 100 with 10 MiB live: the goal is about 20 MiB. */
    h = newHeap(100, 0);
    p = gc_p_new(h);
    rootset *r = rootsNew(h, 10240);
    for (int i = 0; i < 10240; i++)
        r->slot[i] = gc_mallocgc(p, 1024, NULL, false);
    for (int i = 0; i < 100000; i++)
        gc_mallocgc(p, 512, NULL, false);
    gc_read_stats(h, &s);
    CU_ASSERT(s.num_gc >= 2);
    CU_ASSERT(s.heap_live >= 10u << 20);
    CU_ASSERT(s.heap_goal >= 2 * s.heap_live - 64 && s.heap_goal <= 2 * s.heap_live + 64);
    CU_ASSERT(s.heap_sys <= 40u << 20);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

static void test_scavenger(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    for (int i = 0; i < 64; i++) {
        uint8_t *b = gc_mallocgc(p, 1 << 20, NULL, true);
        b[0] = b[(1 << 20) - 1] = 1; /* touch it: dirty pages */
    }
    gc_stats a, b, c;
    gc_read_stats(h, &a);
    gc_collect(h); /* frees 64 MiB; idle since this cycle only */
    gc_read_stats(h, &b);
    CU_ASSERT(b.heap_inuse < a.heap_inuse);
    gc_collect(h);
    gc_collect(h); /* idle for a whole cycle now: released */
    gc_read_stats(h, &c);
    CU_ASSERT(c.heap_released >= b.heap_released + (60u << 20));
    CU_ASSERT(c.heap_released <= c.heap_idle);
    CU_ASSERT_EQUAL(c.heap_idle + c.heap_inuse, c.heap_sys);
    /* Released pages come back zeroed. */
    uint64_t *z = gc_mallocgc(p, 1 << 20, &ptrType, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_EQUAL(z[0], 0);
    CU_ASSERT_EQUAL(z[(1 << 17) - 1], 0);
    gc_p_free(p);
    gc_heap_free(h);
}

/* With a heap goal the scavenger keeps 110% of the goal mapped (Go's
 * gcPercentGoal) and releases the rest a piece per cycle (its CPU budget). */
static void test_scavenger_goal(void)
{
    gc_heap *h = newHeap(100, 0);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 64);
    for (int i = 0; i < 64; i++) {
        uint8_t *b = gc_mallocgc(p, 1 << 20, NULL, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        memset(b, 1, 1 << 20); /* dirty every page */
        r->slot[i] = b;
    }
    gc_collect(h);
    for (int i = 1; i < 64; i++)
        r->slot[i] = NULL; /* 1 MiB live: the goal drops to 4 MiB */
    gc_stats s;
    int cycles = 0;
    do {
        gc_collect(h);
        gc_read_stats(h, &s);
    } while (s.heap_sys - s.heap_released > s.heap_goal + s.heap_goal / 10 && ++cycles < 200);
    CU_ASSERT(cycles < 200);
    CU_ASSERT(s.heap_released >= (48u << 20));
    CU_ASSERT(s.heap_sys - s.heap_released >= s.heap_inuse);
    CU_ASSERT_EQUAL(((uint8_t *)r->slot[0])[12345], 1);
    /* Released pages come back zeroed, kept ones are zeroed on reuse. */
    for (int i = 1; i < 64; i++) {
        uint64_t *z = gc_mallocgc(p, 1 << 20, &ptrType, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(z);
        CU_ASSERT_EQUAL(z[0], 0);
        CU_ASSERT_EQUAL(z[(1 << 17) - 1], 0);
        r->slot[i] = z;
    }
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* ---- gctrace, gcstress ---- */

static void test_gctrace(void)
{
    gc_options o;
    gc_options_default(&o);
    o.debug = suiteDebug;
    o.debug.gctrace = 1;
    o.trace = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.trace);
    gc_heap *h = gc_heap_new(&o);
    gc_p *p = gc_p_new(h);
    for (int i = 0; i < 50000; i++)
        gc_mallocgc(p, 200, NULL, false);
    gc_collect(h);
    gc_p_free(p);
    gc_heap_free(h);
    rewind(o.trace);
    char line[512];
    regex_t re;
    CU_ASSERT_EQUAL_FATAL(
        regcomp(&re,
                "^gc [0-9]+ @[0-9]+\\.[0-9]+s [0-9]+%: [0-9.]+\\+[0-9.]+\\+[0-9.]+ ms clock, "
                "[0-9.]+\\+[0-9.]+/[0-9.]+/[0-9.]+\\+[0-9.]+ ms cpu, [0-9]+->[0-9]+->[0-9]+ MB, [0-9]+ MB goal, "
                "0 MB stacks, 0 MB globals, [0-9]+ P( \\(forced\\))?$",
                REG_EXTENDED | REG_NOSUB),
        0);
    int lines = 0, forced = 0, bad = 0;
    while (fgets(line, sizeof line, o.trace)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "gc ", 3) != 0)
            continue;
        lines++;
        if (regexec(&re, line, 0, NULL, 0) != 0) {
            fprintf(stderr, "bad gctrace line: %s\n", line);
            bad++;
        }
        forced += strstr(line, "(forced)") != NULL;
    }
    regfree(&re);
    fclose(o.trace);
    CU_ASSERT(lines >= 2);
    CU_ASSERT_EQUAL(forced, 1);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_gcstress(void)
{
    gc_options o;
    gc_options_default(&o);
    o.debug = suiteDebug;
    o.debug.gcstress = 1;
    gc_heap *h = gc_heap_new(&o);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 1);
    for (size_t i = 300; i-- > 0;) {
        cell *c = gc_mallocgc(p, sizeof *c, &cellType, true);
        c->value = mix(i);
        c->next = r->slot[0];
        r->slot[0] = c;
        gc_mallocgc(p, 1 + i % 40, NULL, true); /* garbage, tiny and not */
    }
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT(s.num_gc >= 600);
    CU_ASSERT_EQUAL(listCheck(r->slot[0], 0), 300);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* ---- planted bugs, caught in child processes ---- */

static int childAborts(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit nocore = {0, 0};
        setrlimit(RLIMIT_CORE, &nocore); /* an expected abort needs no core file */
        FILE *devnull = freopen("/dev/null", "w", stderr);
        (void)devnull;
#ifdef TEST_ASAN
        __sanitizer_set_death_callback(abort);
#endif
        fn();
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void writeAfterFree(void)
{
    gc_options o;
    gc_options_default(&o);
    o.debug.clobberfree = 1;
    gc_heap *h = gc_heap_new(&o);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 1);
    r->slot[0] = gc_mallocgc(p, 48, NULL, true); /* keeps the span in use */
    uint64_t *dead = gc_mallocgc(p, 48, NULL, true);
    gc_collect(h);
    dead[3] = 42; /* the bug */
    for (int i = 0; i < 1000; i++)
        gc_mallocgc(p, 48, NULL, true);
    gc_heap_free(h); /* not reached when the write is caught */
}

static void noWriteAfterFree(void)
{
    gc_options o;
    gc_options_default(&o);
    o.debug.clobberfree = 1;
    gc_heap *h = gc_heap_new(&o);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 1);
    r->slot[0] = gc_mallocgc(p, 48, NULL, true);
    gc_mallocgc(p, 48, NULL, true);
    gc_collect(h);
    for (int i = 0; i < 1000; i++)
        gc_mallocgc(p, 48, NULL, true);
    rootsFree(h, r);
    gc_heap_free(h);
}

static int fickleCalls;
static void *fickleA, *fickleB;
static void fickleRoots(gc_marker *m, void *ud)
{
    (void)ud;
    /* The first walk sees A, the checkmark walk sees B: B was never marked. */
    gc_mark_slot(m, fickleCalls++ % 2 == 0 ? &fickleA : &fickleB);
}

static void checkmarkMismatch(void)
{
    gc_options o;
    gc_options_default(&o);
    o.debug.gccheckmark = 1;
    gc_heap *h = gc_heap_new(&o);
    gc_p *p = gc_p_new(h);
    fickleA = gc_mallocgc(p, 64, NULL, true);
    fickleB = gc_mallocgc(p, 64, NULL, true);
    gc_add_roots(h, fickleRoots, NULL);
    gc_collect(h);
    gc_heap_free(h);
}

static void test_clobberfree_catches_write_after_free(void)
{
    CU_ASSERT(childAborts(writeAfterFree));
    CU_ASSERT(!childAborts(noWriteAfterFree));
}

static void test_checkmark_catches_mismatch(void) { CU_ASSERT(childAborts(checkmarkMismatch)); }

static void test_verify_dangling(void)
{
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    rootset *r = rootsNew(h, 2);
    r->slot[0] = gc_mallocgc(p, 64, &ptrType, true);
    void *dead = gc_mallocgc(p, 64, &ptrType, true);
    gc_collect(h);
    CU_ASSERT_EQUAL(gc_verify(h), 0);
    ((void **)r->slot[0])[3] = dead; /* a heap slot pointing to a freed object */
    CU_ASSERT_EQUAL(gc_verify(h), 1);
    ((void **)r->slot[0])[3] = NULL;
    CU_ASSERT_EQUAL(gc_verify(h), 0);
    rootsFree(h, r);
    gc_p_free(p);
    gc_heap_free(h);
}

/* Sweeping reads and writes bitmaps and span records only, never the
 * objects: with every page of the heap's spans made inaccessible, a
 * collection still frees all the (unreachable) objects. clobberfree poisons
 * freed slots by design, so the checked suite skips this. */
typedef struct protectedSpans {
    uintptr_t base[4096];
    size_t len[4096];
    size_t n;
} protectedSpans;

static void collectSpan(const gc_span_info *si, void *ud)
{
    protectedSpans *ps = ud;
    if (!si->free && ps->n < 4096) {
        ps->base[ps->n] = si->base;
        ps->len[ps->n++] = si->npages * 8192;
    }
}

static void test_sweep_touches_only_bitmaps(void)
{
    if (suiteDebug.clobberfree)
        return;
    gc_heap *h = newHeap(-1, 0);
    gc_p *p = gc_p_new(h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    static const uint8_t m[] = {0x3};
    gc_type pair = {16, 16, m, "pair"};
    size_t n = 0;
    for (int i = 0; i < 3000; i++, n++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(p, 16, &pair, true));
    for (int i = 0; i < 300; i++, n++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(p, 1000, NULL, true));
    for (int i = 0; i < 3; i++, n++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(p, 100000, &pair, true));
    static protectedSpans ps;
    ps.n = 0;
    gc_span_walk(h, collectSpan, &ps);
    CU_ASSERT_FATAL(ps.n > 10 && ps.n < 4096);
    for (size_t i = 0; i < ps.n; i++)
        CU_ASSERT_EQUAL_FATAL(mprotect((void *)ps.base[i], ps.len[i], PROT_NONE), 0);
    gc_stats a, b;
    gc_read_stats(h, &a);
    gc_collect(h); /* marks nothing, sweeps everything */
    gc_read_stats(h, &b);
    for (size_t i = 0; i < ps.n; i++)
        CU_ASSERT_EQUAL(mprotect((void *)ps.base[i], ps.len[i], PROT_READ | PROT_WRITE), 0);
    CU_ASSERT_EQUAL(b.frees - a.frees, n);
    CU_ASSERT_EQUAL(b.heap_objects, 0);
    CU_ASSERT_EQUAL(b.spans_inuse, 0);
    CU_ASSERT_PTR_NOT_NULL(gc_mallocgc(p, 16, &pair, true)); /* the heap still works */
    gc_p_free(p);
    gc_heap_free(h);
}

static CU_TestInfo tests[] = {
    {"list", test_list},
    {"deep_list", test_deep_list},
    {"random_graphs", test_random_graphs},
    {"block_roots_and_handles", test_block_roots},
    {"tiny_blocks", test_tiny_blocks},
    {"reuse_holes", test_reuse_holes},
    {"churn", test_churn},
    {"two_mutators", test_two_mutators},
    {"pacer_off_and_limit", test_pacer_off_and_limit},
    {"scavenger", test_scavenger},
    {"scavenger_goal", test_scavenger_goal},
    {"gctrace", test_gctrace},
    {"gcstress", test_gcstress},
    {"clobberfree_write_after_free", test_clobberfree_catches_write_after_free},
    {"checkmark_mismatch", test_checkmark_catches_mismatch},
    {"verify_dangling", test_verify_dangling},
    {"sweep_touches_only_bitmaps", test_sweep_touches_only_bitmaps},
    CU_TEST_INFO_NULL,
};

static int plainInit(void)
{
    memset(&suiteDebug, 0, sizeof suiteDebug);
    return 0;
}

static int checkedInit(void)
{
    memset(&suiteDebug, 0, sizeof suiteDebug);
    suiteDebug.gccheckmark = 1;
    suiteDebug.clobberfree = 1;
    return 0;
}

static CU_SuiteInfo suites[] = {
    {"gc", plainInit, NULL, NULL, NULL, tests},
    {"gc-checked", checkedInit, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("gc", suites, argc, argv); }
