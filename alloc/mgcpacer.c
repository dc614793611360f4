/*
 * mgcpacer.c: the heap goal, as Go's mgcpacer.go (gcControllerState.commit,
 * heapGoal, memoryLimitHeapGoal).
 *
 * goal = marked + marked * gc_percent / 100, at least 4 MiB * gc_percent/100
 * (heapMinimum); with a memory limit, goal = min(that, limit - non-heap
 * memory - overage - headroom), never below the marked heap (GOMEMLIMIT).
 * gc_percent < 0 without a limit turns automatic cycles off.
 * Departure: the trigger is the goal itself. Go starts its concurrent mark
 * early (runway) so marking ends at the goal; here marking stops the world
 * and ends as soon as it starts, so there is nothing to run ahead of.
 */
#include "alloc/internal.h"

enum { HEAP_MINIMUM = 4 << 20 };

uint64_t gc_heap_mappedReady(const gc_heap *h)
{
    return h->stats.heap_sys - h->stats.heap_released + gc_mheap_metaSys(h) +
           h->work.nbufs * sizeof(workbuf);
}

static uint64_t memoryLimitHeapGoal(const gc_heap *h)
{
    uint64_t limit = (uint64_t)h->opts.memory_limit;
    uint64_t mapped = gc_heap_mappedReady(h);
    uint64_t nonHeap = mapped - (h->stats.heap_sys - h->stats.heap_released);
    uint64_t overage = mapped > limit ? mapped - limit : 0;
    if (limit <= nonHeap + overage)
        return h->heapMarked;
    uint64_t goal = limit - nonHeap - overage;
    uint64_t headroom = goal / 100 * 3;
    if (headroom < (1 << 20))
        headroom = 1 << 20;
    goal = goal > headroom ? goal - headroom : 0;
    return goal < h->heapMarked ? h->heapMarked : goal;
}

void gc_pacer_commit(gc_heap *h)
{
    uint64_t goal = UINT64_MAX;
    int pct = h->opts.gc_percent;
    if (pct >= 0) {
        uint64_t g = h->heapMarked + h->heapMarked / 100 * (uint64_t)pct +
                     h->heapMarked % 100 * (uint64_t)pct / 100;
        uint64_t min = (uint64_t)HEAP_MINIMUM * (uint64_t)pct / 100;
        goal = g < min ? min : g;
    }
    if (h->opts.memory_limit > 0) {
        uint64_t lg = memoryLimitHeapGoal(h);
        if (lg < goal)
            goal = lg;
    }
    h->heapGoal = goal;
    h->trigger = goal;
}

/* Past 95% of the memory limit, the scavenger returns every free page
 * (Go's memory-limit scavenging goal, reduceExtraPercent = 5). */
int gc_pacer_overLimit(const gc_heap *h)
{
    if (h->opts.memory_limit <= 0)
        return 0;
    return gc_heap_mappedReady(h) > (uint64_t)h->opts.memory_limit / 100 * 95;
}
