/*
 * mgcpacer.c: the heap goal, the trigger and the assist ratio, as Go's
 * mgcpacer.go (gcControllerState.commit, heapGoal, memoryLimitHeapGoal,
 * trigger, startCycle, revise, endCycle).
 *
 * goal = marked + marked * gc_percent / 100, at least 4 MiB * gc_percent/100
 * (heapMinimum); with a memory limit, goal = min(that, limit - non-heap
 * memory - overage - headroom), never below the marked heap (GOMEMLIMIT).
 * gc_percent < 0 without a limit turns automatic cycles off.
 * Stop-the-world, the trigger is the goal itself: the mark ends as soon as
 * it starts. Concurrently, the trigger runs ahead of the goal by Go's
 * runway, consMark * (1-u)/u * (last scan work) with u the workers' 25%:
 * the bytes the host allocates while that much is marked. The scan work
 * (Go's lastHeapScan) is what the last mark marked by scanning: the marked
 * heap less what was allocated black, which no mark scans. consMark, the
 * bytes allocated per byte marked scaled by the marking's share of the
 * CPUs, is measured at each mark's end (the largest of the last four, as
 * Go). The trigger stays between 70% and 95% of the way from the marked
 * heap to the goal (Go's triggerRatio bounds).
 * The assist ratio: the marking left (expected: the last scan work, at
 * least half the heap at the trigger; the whole heap once that is passed)
 * over the bytes left to allocate before the goal (Go's hard goal, 1.1 x
 * goal, once past it). Past the hard goal an assist waits for the workers
 * (mgcmark.c).
 * Idle marking (gc_pacer_idleProcs): as Go's idle-priority workers, the
 * CPUs of gcprocs that neither the host nor the dedicated workers use
 * mark too; the pacer plans for the 25% alone (the trigger, the assist
 * ratio), and the idle workers' work comes to the assists as background
 * credit, so that a host that leaves a CPU idle rarely assists.
 * Departure: scan work is counted in bytes marked, not bytes scanned (no
 * stack or globals term: they are scanned in the first pause).
 */
#include "alloc/internal.h"

/* Go's gcBackgroundUtilization and gcGoalUtilization. */
#define BG_UTILIZATION 0.25

enum { HEAP_MINIMUM = 4 << 20 };

uint64_t gc_heap_mappedReady(const gc_heap *h)
{
    return h->stats.heap_sys - h->stats.heap_released + gc_mheap_metaSys(h) +
           __atomic_load_n(&h->work.nbufs, __ATOMIC_RELAXED) * sizeof(workbuf);
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
    if (!h->opts.concurrent || h->opts.debug.gcstoptheworld || goal == UINT64_MAX)
        return;
    if (h->opts.debug.gcconcurrentstress) {
        h->trigger = 0; /* cycles back to back */
        return;
    }
    uint64_t marked = h->heapMarked < goal ? h->heapMarked : goal;
    uint64_t span = goal - marked;
    uint64_t runway = (uint64_t)(h->consMark * (1 - BG_UTILIZATION) / BG_UTILIZATION * (double)h->lastScanWork);
    uint64_t minTrigger = marked + span / 10 * 7, maxTrigger = marked + span / 100 * 95;
    uint64_t trig = runway < goal ? goal - runway : 0;
    h->trigger = trig < minTrigger ? minTrigger : trig > maxTrigger ? maxTrigger : trig;
}

/* Go's gcControllerState.startCycle: how many workers (dedicated ones
 * for whole CPUs of the 25%, a fractional one for the rest, the error
 * within 30%), and the first assist ratio. gcprocs plays GOMAXPROCS. */
void gc_pacer_startCycle(gc_heap *h)
{
    double goal = (double)h->gcprocs * BG_UTILIZATION;
    unsigned dedicated = (unsigned)(goal + 0.5);
    double err = goal > 0 ? (double)dedicated / goal - 1 : 0;
    double fraction = 0;
    if (err < -0.3 || err > 0.3) {
        if ((double)dedicated > goal)
            dedicated--;
        fraction = goal - (double)dedicated;
    }
    h->bgWorkers = dedicated + (fraction > 0 ? 1 : 0);
    h->bgFraction = fraction;
    /* A small mark is the host's (its next poll marks it whole): waking a
     * worker thread would cost more than the mark, as for the
     * stop-the-world mark (PARALLEL_MIN_HEAP, mgcmark.c). */
    if (h->opts.debug.gcmarkhold || h->opts.debug.gcconcurrentstress >= 2 ||
        (h->heapMarked < GC_SMALL_MARK && !h->opts.debug.gcconcurrentstress))
        h->bgWorkers = 0;
    atomic_store_explicit(&h->bgScanCredit, 0, memory_order_relaxed);
    atomic_store_explicit(&h->markWork, 0, memory_order_relaxed);
    h->hardGoal = h->heapGoal == UINT64_MAX ? UINT64_MAX : h->heapGoal + h->heapGoal / 10;
    gc_pacer_revise(h);
}

void gc_pacer_revise(gc_heap *h)
{
    uint64_t done = atomic_load_explicit(&h->markWork, memory_order_relaxed);
    /* The last scan work; before any (or below the heap at the
     * trigger's half), half the heap at the trigger. */
    uint64_t expected = h->lastScanWork > h->markStartHeapLive / 2 ? h->lastScanWork : h->markStartHeapLive / 2;
    uint64_t goal = h->heapGoal == UINT64_MAX ? h->heapLive * 2 : h->heapGoal;
    if (h->heapLive > goal || done > expected) {
        /* Past the soft goal or more to mark than expected: Go's hard
         * goal, and the work bound by the whole heap. */
        goal = goal + goal / 10;
        expected = h->heapLive;
    }
    double work = done < expected ? (double)(expected - done) : 1;
    double heapLeft = h->heapLive < goal ? (double)(goal - h->heapLive) : 1;
    if (heapLeft < 1 << 16)
        heapLeft = 1 << 16;
    h->assistWorkPerByte = work / heapLeft;
    h->assistBytesPerWork = heapLeft / (work > 1 ? work : 1);
}

/* Go's endCycle: consMark from this mark, kept as the largest of the last
 * few (a decaying maximum here: each mark's measure, or 3/4 of the last).
 * As Go, the host's CPU is what the dedicated and fractional workers and
 * the assists leave it (idle marking took nothing the host wanted), while
 * the marking had the idle workers' CPU as well. */
void gc_pacer_endCycle(gc_heap *h)
{
    uint64_t now = gc_nanotime();
    double elapsed = (double)(now - h->markStartNs) * (double)h->gcprocs;
    double u = elapsed > 0 ? (double)(h->bgCpuNs + h->assistCpuNs) / elapsed : BG_UTILIZATION;
    double idle = elapsed > 0 ? (double)h->idleCpuNs / elapsed : 0;
    if (u + idle <= 0)
        u = BG_UTILIZATION;
    if (u > 0.95)
        u = 0.95;
    double alloc = h->heapLive > h->markStartHeapLive ? (double)(h->heapLive - h->markStartHeapLive) : 0;
    double work = (double)h->markBytes + 1;
    double cm = alloc * (u + idle) / (work * (1 - u));
    h->consMark = cm > h->consMark * 0.75 ? cm : h->consMark * 0.75;
}

/* Go's idle-priority mark workers (findRunnableGCWorker on a P with
 * nothing else to run, at most GOMAXPROCS less the dedicated workers):
 * the procs of gcprocs left over by the host threads running Ps and by
 * the dedicated workers mark in idle mode, the fractional worker's
 * proc first. Counted at each round's start, with the world stopped: a
 * P released or taken since changes the count from the next round. */
void gc_pacer_idleProcs(gc_heap *h)
{
    unsigned threads = 0;
    pthread_mutex_lock(&h->pslock);
    for (gc_p *p = h->ps; p; p = p->next) {
        if (p->status == P_IDLE)
            continue;
        /* A thread holding several Ps runs on one CPU. */
        gc_p *q = h->ps;
        while (q != p && (q->status == P_IDLE || !pthread_equal(q->owner, p->owner)))
            q = q->next;
        threads += q == p;
    }
    pthread_mutex_unlock(&h->pslock);
    unsigned busy = threads + h->bgWorkers - (h->bgFraction > 0 ? 1 : 0);
    h->bgIdleProcs = h->bgWorkers && h->gcprocs > busy ? h->gcprocs - busy : 0;
}

/* Past 95% of the memory limit, the scavenger returns every free page
 * (Go's memory-limit scavenging goal, reduceExtraPercent = 5). */
int gc_pacer_overLimit(const gc_heap *h)
{
    if (h->opts.memory_limit <= 0)
        return 0;
    return gc_heap_mappedReady(h) > (uint64_t)h->opts.memory_limit / 100 * 95;
}
