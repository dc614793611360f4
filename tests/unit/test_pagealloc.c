/*
 * test_pagealloc.c: the page allocator (alloc/mpagealloc.c) against a model,
 * an array of page states, under random sequences of allocations, frees,
 * scavenges, cycles and growth. The allocator only keeps metadata, so it
 * runs over address ranges nobody maps: a 64 MiB arena, two more just above
 * it (runs cross from one to the next), and one 40 GiB away (another root
 * entry of the summary tree) that is committed a piece at a time, so part
 * of a chunk is outside the heap. After every step the summaries must
 * agree with the bitmaps (gc_pageAlloc_check) and every page's state with
 * the model's. Allocations must be the model's first fit, with the model's
 * count of scavenged pages, and runs that mix released and dirty pages
 * must have been allocated. Then the same through a heap: a span over a
 * run half released, half dirty.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/internal.h"
#include "tests/unit/unit.h"

#define PG ((uintptr_t)GC_PAGE_SIZE)
#define BASE ((uintptr_t)0x200000000000)

enum { ARENA_PAGES = PAGES_PER_ARENA, NREG = 3, CHUNKS_MAX = 4 * ARENA_PAGES / CHUNK_PAGES };
enum { ALLOCATED = 0, DIRTY = 1, RELEASED = 2 };

typedef struct region {
    uintptr_t base, npages, committed;
} region;

typedef struct allocation {
    uintptr_t base, npages;
} allocation;

typedef struct model {
    region reg[NREG];
    uint8_t *state[NREG];   /* per page */
    uint64_t gen[NREG][3 * ARENA_PAGES / CHUNK_PAGES]; /* per chunk: generation of its last free */
    allocation *live;
    size_t nlive;
    uint64_t rng;
    uint64_t cycle;
    size_t mixed, allocs, failures;
} model;

static uint64_t rnd(model *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

/* Page state and chunk generation of an address (NULL when outside). */
static uint8_t *stateOf(model *m, uintptr_t a, uint64_t **gen)
{
    for (int r = 0; r < NREG; r++) {
        region *g = &m->reg[r];
        if (a >= g->base && a < g->base + g->npages * PG) {
            uintptr_t i = (a - g->base) / PG;
            if (gen)
                *gen = &m->gen[r][i / CHUNK_PAGES];
            return &m->state[r][i];
        }
    }
    return NULL;
}

/* The model's lowest run of n free pages: regions are sorted and a run
 * continues from one to the next when they touch. */
static uintptr_t modelFind(model *m, uintptr_t n)
{
    uintptr_t run = 0, start = 0, prevEnd = 0;
    for (int r = 0; r < NREG; r++) {
        region *g = &m->reg[r];
        if (g->base != prevEnd)
            run = 0;
        for (uintptr_t i = 0; i < g->npages; i++) {
            if (m->state[r][i] == ALLOCATED) {
                run = 0;
                continue;
            }
            if (!run)
                start = g->base + i * PG;
            if (++run >= n)
                return start;
        }
        prevEnd = g->base + g->npages * PG;
    }
    return 0;
}

static void compareAll(gc_pageAlloc *pa, model *m)
{
    size_t wrong = 0;
    for (int r = 0; r < NREG; r++)
        for (uintptr_t i = 0; i < m->reg[r].npages; i++) {
            uintptr_t a = m->reg[r].base + i * PG;
            int scav;
            uintptr_t n = gc_pageAlloc_freeRun(pa, a, a + PG, &scav);
            uint8_t got = n == 0 ? ALLOCATED : scav ? RELEASED : DIRTY;
            wrong += got != m->state[r][i];
        }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(gc_pageAlloc_check(pa), 0);
}

static uintptr_t randomSize(model *m)
{
    uint64_t k = rnd(m) % 100;
    if (k < 60)
        return 1 + rnd(m) % 16;
    if (k < 90)
        return 17 + rnd(m) % 700;
    return 700 + rnd(m) % 5000;
}

static void stepAlloc(gc_pageAlloc *pa, model *m)
{
    uintptr_t n = randomSize(m), scav = 0;
    uintptr_t want = modelFind(m, n);
    uintptr_t got = gc_pageAlloc_alloc(pa, n, &scav);
    CU_ASSERT_EQUAL(got, want);
    if (!got) {
        m->failures++;
        return;
    }
    uintptr_t released = 0;
    for (uintptr_t i = 0; i < n; i++) {
        uint8_t *s = stateOf(m, got + i * PG, NULL);
        released += *s == RELEASED;
        *s = ALLOCATED;
    }
    CU_ASSERT_EQUAL(scav, released);
    m->allocs++;
    m->mixed += released > 0 && released < n;
    m->live[m->nlive++] = (allocation){got, n};
}

static void stepFree(gc_pageAlloc *pa, model *m)
{
    if (!m->nlive)
        return;
    size_t k = rnd(m) % m->nlive;
    allocation *a = &m->live[k];
    uintptr_t n = a->npages;
    /* Sometimes only the front part, like a span given back in two goes. */
    if (n > 1 && rnd(m) % 4 == 0)
        n = 1 + rnd(m) % (n - 1);
    gc_pageAlloc_free(pa, a->base, n, m->cycle);
    for (uintptr_t i = 0; i < n; i++) {
        uint64_t *gen;
        *stateOf(m, a->base + i * PG, &gen) = DIRTY;
        *gen = m->cycle;
    }
    if (n == a->npages) {
        *a = m->live[--m->nlive];
    } else {
        a->base += n * PG;
        a->npages -= n;
    }
}

/* The model's next scavenge candidate below cursor (0: none). */
static uintptr_t modelCandidate(model *m, uintptr_t cursor, uint64_t genLimit, int huge, uintptr_t *npages)
{
    enum { HP = (2 << 20) / GC_PAGE_SIZE };
    for (int r = NREG; r-- > 0;) {
        region *g = &m->reg[r];
        if (g->base >= cursor)
            continue;
        uintptr_t top = (cursor - g->base) / PG;
        if (top > g->npages)
            top = g->npages;
        if (huge) {
            for (uintptr_t p = top / HP * HP; p >= HP; p -= HP) {
                uintptr_t lo = p - HP;
                if (m->gen[r][lo / CHUNK_PAGES] >= genLimit)
                    continue;
                int allFree = 1, dirty = 0;
                for (uintptr_t i = lo; i < p; i++) {
                    allFree &= m->state[r][i] != ALLOCATED;
                    dirty |= m->state[r][i] == DIRTY;
                }
                if (allFree && dirty) {
                    *npages = HP;
                    return g->base + lo * PG;
                }
            }
            continue;
        }
        for (uintptr_t p = top; p-- > 0;) {
            if (m->state[r][p] != DIRTY || m->gen[r][p / CHUNK_PAGES] >= genLimit)
                continue;
            uintptr_t lo = p;
            while (lo % CHUNK_PAGES && m->state[r][lo - 1] == DIRTY)
                lo--;
            *npages = p - lo + 1;
            return g->base + lo * PG;
        }
    }
    return 0;
}

static void stepScavenge(gc_pageAlloc *pa, model *m)
{
    int huge = rnd(m) % 2;
    uint64_t limits[3] = {UINT64_MAX, m->cycle ? m->cycle - 1 : 0, m->cycle};
    uint64_t genLimit = limits[rnd(m) % 3];
    uintptr_t cursor = UINTPTR_MAX, mcursor = UINTPTR_MAX;
    size_t budget = 1 + rnd(m) % 8; /* pieces this time, as a time budget would */
    for (size_t k = 0; k < budget; k++) {
        uintptr_t n = 0, wn = 0;
        uintptr_t got = gc_pageAlloc_scavengeCandidate(pa, &cursor, genLimit, huge, &n);
        uintptr_t want = modelCandidate(m, mcursor, genLimit, huge, &wn);
        CU_ASSERT_EQUAL(got, want);
        if (!got || got != want)
            return;
        CU_ASSERT_EQUAL(n, wn);
        mcursor = want;
        uintptr_t newly = 0;
        for (uintptr_t i = 0; i < n; i++) {
            uint8_t *s = stateOf(m, got + i * PG, NULL);
            newly += *s == DIRTY;
            if (*s == DIRTY)
                *s = RELEASED;
        }
        CU_ASSERT_EQUAL(gc_pageAlloc_markScavenged(pa, got, n), newly);
    }
}

static void stepGrow(gc_pageAlloc *pa, model *m)
{
    region *g = &m->reg[NREG - 1];
    if (g->committed == g->npages)
        return;
    uintptr_t n = 1 + rnd(m) % 700;
    if (n > g->npages - g->committed)
        n = g->npages - g->committed;
    gc_pageAlloc_grow(pa, g->base + g->committed * PG, n);
    memset(m->state[NREG - 1] + g->committed, RELEASED, n);
    g->committed += n;
}

static void runModel(uint64_t seed, int steps)
{
    gc_pageAlloc *pa = calloc(1, sizeof *pa);
    model *m = calloc(1, sizeof *m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    m->rng = seed;
    m->reg[0] = (region){BASE, ARENA_PAGES, ARENA_PAGES};
    m->reg[1] = (region){BASE + ARENA_PAGES * PG, 2 * ARENA_PAGES, 2 * ARENA_PAGES};
    m->reg[2] = (region){BASE + ((uintptr_t)40 << 30), ARENA_PAGES, 0};
    m->live = calloc(4 * ARENA_PAGES, sizeof *m->live);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->live);
    gc_pageAlloc_init(pa, NULL);
    CU_ASSERT_EQUAL(gc_pageAlloc_alloc(pa, 1, &(uintptr_t){0}), 0);
    /* Reserved in an order that is not the address order. */
    for (int r = NREG; r-- > 0;) {
        region *g = &m->reg[r];
        m->state[r] = calloc(g->npages, 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m->state[r]);
        CU_ASSERT_EQUAL_FATAL(gc_pageAlloc_reserve(pa, g->base, g->npages * PG), 0);
        if (g->committed) {
            gc_pageAlloc_grow(pa, g->base, g->committed);
            memset(m->state[r], RELEASED, g->committed);
        }
    }
    compareAll(pa, m);
    for (int s = 0; s < steps; s++) {
        uint64_t k = rnd(m) % 100;
        if (k < 45)
            stepAlloc(pa, m);
        else if (k < 85)
            stepFree(pa, m);
        else if (k < 95)
            stepScavenge(pa, m);
        else if (k < 98)
            m->cycle++;
        else
            stepGrow(pa, m);
        compareAll(pa, m);
    }
    CU_ASSERT(m->allocs > (size_t)steps / 4);
    CU_ASSERT(m->mixed > 0);
    /* Free everything: one run per group of touching regions. */
    while (m->nlive)
        stepFree(pa, m);
    stepScavenge(pa, m);
    compareAll(pa, m);
    for (int r = 0; r < NREG; r++)
        free(m->state[r]);
    free(m->live);
    gc_pageAlloc_destroy(pa);
    free(pa);
    free(m);
}

static void test_model(void)
{
    static const uint64_t seeds[] = {0x9e3779b97f4a7c15u, 0x243f6a8885a308d3u, 12345, 77};
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        runModel(seeds[i], 1500);
}

/* The heap full: nothing fits until pages are freed; a run across the
 * boundary of two regions is found at the level above the chunks. */
static void test_exhaust(void)
{
    gc_pageAlloc *pa = calloc(1, sizeof *pa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pa);
    gc_pageAlloc_init(pa, NULL);
    uintptr_t scav;
    CU_ASSERT_EQUAL_FATAL(gc_pageAlloc_reserve(pa, BASE, 2 * ARENA_PAGES * PG), 0);
    gc_pageAlloc_grow(pa, BASE, 2 * ARENA_PAGES);
    CU_ASSERT_EQUAL(gc_pageAlloc_alloc(pa, 2 * ARENA_PAGES, &scav), BASE);
    CU_ASSERT_EQUAL(scav, 2 * ARENA_PAGES);
    CU_ASSERT_EQUAL(gc_pageAlloc_alloc(pa, 1, &scav), 0);
    /* Free the last 3 chunks of the first arena and the first 2 of the second. */
    uintptr_t from = BASE + (ARENA_PAGES - 3 * CHUNK_PAGES) * PG;
    gc_pageAlloc_free(pa, from, 5 * CHUNK_PAGES, 1);
    CU_ASSERT_EQUAL(gc_pageAlloc_check(pa), 0);
    CU_ASSERT_EQUAL(gc_pageAlloc_alloc(pa, 5 * CHUNK_PAGES + 1, &scav), 0);
    CU_ASSERT_EQUAL(gc_pageAlloc_alloc(pa, 5 * CHUNK_PAGES, &scav), from);
    CU_ASSERT_EQUAL(scav, 0);
    CU_ASSERT_EQUAL(gc_pageAlloc_check(pa), 0);
    gc_pageAlloc_destroy(pa);
    free(pa);
}

/* Through a heap: a run half released, half dirty is one run for
 * allocation; the span over it is zeroed (its dirty half held 0xab) and
 * heap_released drops by the released half only. */
enum { HALF = 2 << 20 };

static void markThree(gc_marker *m, void *ud) { gc_mark_block(m, (void *const *)ud, 3, NULL); }

static void releasedSum(const gc_span_info *si, void *ud)
{
    if (si->free && si->released)
        *(uint64_t *)ud += si->npages * GC_PAGE_SIZE;
}

static void test_heap_mixed_run(void)
{
    gc_options o;
    gc_options_default(&o);
    o.gc_percent = -1; /* no goal: the scavenger releases whatever is idle */
    gc_heap *h = gc_heap_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    gc_p *p = gc_p_new(h);
    void *keep[3];
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL_FATAL(gc_add_roots(h, markThree, keep), 0);
    for (int i = 0; i < 3; i++) {
        keep[i] = gc_mallocgc(p, HALF, NULL, false);
        CU_ASSERT_PTR_NOT_NULL_FATAL(keep[i]);
        memset(keep[i], 0xab, HALF);
    }
    uint8_t *a = keep[0];
    CU_ASSERT_PTR_EQUAL_FATAL(keep[1], a + HALF); /* first fit on a fresh heap */
    keep[0] = NULL;
    for (int i = 0; i < 3; i++)
        gc_collect(h); /* a's pages idle for a whole cycle: released */
    keep[1] = NULL;
    gc_collect(h); /* b's pages free, dirty */
    gc_stats before, after;
    gc_read_stats(h, &before);
    CU_ASSERT(before.heap_released >= HALF);
    uint8_t *z = gc_mallocgc(p, 2 * HALF, NULL, true);
    CU_ASSERT_PTR_EQUAL(z, a);
    gc_read_stats(h, &after);
    CU_ASSERT_EQUAL(before.heap_released - after.heap_released, HALF);
    size_t nonzero = 0;
    for (size_t i = 0; z && i < 2 * HALF; i++)
        nonzero += z[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    uint64_t walked = 0;
    gc_span_walk(h, releasedSum, &walked);
    CU_ASSERT_EQUAL(walked, after.heap_released);
    gc_remove_roots(h, markThree, keep);
    gc_p_free(p);
    gc_heap_free(h);
}

static CU_TestInfo tests[] = {
    {"model", test_model},
    {"exhaust", test_exhaust},
    {"heap_mixed_run", test_heap_mixed_run},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"pagealloc", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("pagealloc", suites, argc, argv); }
