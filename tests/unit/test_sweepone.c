/*
 * test_sweepone.c: gc_sweepone's cursor over the mcentral lists
 * (h->sweep.centralIndex) when several sweepers reach the end of it at
 * once, as the background sweeper and a host's proportional sweep do at
 * the end of every sweep phase. Each round puts the cursor on the last
 * list (empty, on a fresh heap) and lets two threads call gc_sweepone at
 * the same moment. Whatever the interleaving, each must find nothing, the
 * cursor must stop at the end (2 * GC_NUM_SPAN_CLASSES, never past it),
 * and nothing past the last mcentral may be touched: the field after
 * central[] is the empty span every empty mcache slot points at, and a
 * sweeper that took it for an mcentral would lock a mutex over its
 * allocCache, where a host's allocation fast path reads it.
 * Reaches into alloc/internal.h, as the page allocator's model test does:
 * the cursor is not part of alloc's API.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "alloc/internal.h"
#include "tests/unit/unit.h"

enum { END = 2 * GC_NUM_SPAN_CLASSES };

typedef struct race {
    gc_heap *h;
    atomic_uint go;     /* round the sweepers may start */
    atomic_uint done;   /* sweepers finished with the current round */
    atomic_uint found;  /* sweepone calls that claimed a span (none should) */
} race;

static void sweepRound(race *r)
{
    if (gc_sweepone(r->h) != ~(uintptr_t)0)
        atomic_fetch_add(&r->found, 1);
    atomic_fetch_add(&r->done, 1);
}

static void *helper(void *arg)
{
    race *r = arg;
    for (unsigned round = 1;; round++) {
        unsigned g;
        while ((g = atomic_load(&r->go)) < round)
            ;
        if (g == UINT32_MAX)
            return NULL;
        sweepRound(r);
    }
}

static void test_cursor_stops_at_end(void)
{
    gc_heap *h = gc_heap_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    mspan blank;
    memset(&blank, 0, sizeof blank);
    blank.state = MSPAN_DEAD;
    blank.allocBits = h->emptyspan.allocBits;
    blank.gcmarkBits = h->emptyspan.gcmarkBits;
    CU_ASSERT_EQUAL_FATAL(memcmp(&h->emptyspan, &blank, sizeof blank), 0);

    race r = {.h = h};
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, helper, &r), 0);
    const unsigned rounds = UNIT_TSAN ? 2000 : 200000;
    unsigned past = 0, touched = 0;
    for (unsigned round = 1; round <= rounds; round++) {
        atomic_store(&h->sweep.centralIndex, END - 1);
        atomic_store(&r.done, 0);
        atomic_store(&r.go, round);
        sweepRound(&r);
        while (atomic_load(&r.done) < 2)
            ;
        /* Read while both sweepers are idle: the empty span is all
         * zero but for its bit pointers, whatever a sweeper did. */
        if (atomic_load(&h->sweep.centralIndex) != END)
            past++;
        if (memcmp(&h->emptyspan, &blank, sizeof blank) != 0)
            touched++;
    }
    atomic_store(&r.go, UINT32_MAX);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(atomic_load(&r.found), 0);
    CU_ASSERT_EQUAL(past, 0);
    CU_ASSERT_EQUAL(touched, 0);
    gc_heap_free(h);
}

static CU_TestInfo tests[] = {
    {"cursor_stops_at_end", test_cursor_stops_at_end},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"sweepone", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("sweepone", suites, argc, argv); }
