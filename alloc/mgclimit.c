/*
 * mgclimit.c: the GC CPU limiter, as Go's mgclimit.go (gcCPULimiterState):
 * a bucket that fills with the collector's CPU time and drains with the
 * host's, so that collection takes at most about half the CPU. While the
 * bucket is full the limiter is on: assists stop (mgcmark.c) and no new
 * cycle starts (mgc.c), so the heap runs over its goal, and over a memory
 * limit, rather than the host collecting at every refill.
 *
 * Time is read at each check (the trigger test at a refill or a large
 * allocation, the assist) from two monotonic sums: the collector's time
 * (pauses, background workers' CPU, assists) and the part of it the host's
 * own threads spent (pauses and assists). The host's time in a window is
 * the window times the host threads (gc_stats.num_mutators) less that
 * part; CPUs nobody uses count for neither side (Go subtracts idle time).
 * The bucket is shared by every P: gc_limiter_limiting and
 * gc_limiter_assist take pacerLock; the pause's calls (endCycle,
 * cycleShare) run while no P holds it. The background workers' CPU comes
 * in when mgc.c collects a round; their idle-mode marking (procs the host
 * left idle, mgcworker.c) counts for neither side, as Go counts idle mark
 * work as idle time.
 *
 * Departures: the capacity is LIMITER_CAPACITY per host thread, not Go's
 * one second per P, so that a program of a few tenths of a second is
 * already capped. Go's collector adds CPU time in small steps and empties
 * anything over the capacity; a stop-the-world cycle here adds its whole
 * pause at once, so the bucket keeps what goes over (up to LIMITER_MAX)
 * and the limiter, once on, stays on until the host has drained it all:
 * otherwise the first moment of host time after every pause would turn it
 * off again and the cap would cap nothing. Go lets a cycle start while
 * limited (its workers take a fixed 25%); here the start waits, which
 * caps stop-the-world cycles the same way. The limiter acts only under a
 * memory limit: without one the heap goal grows with the live heap, which
 * bounds the collector's share already (Go's limiter exists for the
 * memory limit's death spiral too).
 */
#include "alloc/internal.h"

enum {
    LIMITER_CAPACITY = 50 * 1000 * 1000, /* ns per host thread: the limiter turns on */
    LIMITER_MAX = 1000 * 1000 * 1000,    /* ns per host thread the bucket keeps (Go's capacity) */
};

/* The collector's time so far, and the part of it on host threads.
 * An assist counts in wall time: a host thread waiting in one for the
 * workers (past the hard goal) does nothing else either. */
static uint64_t gcCpu(const gc_heap *h)
{
    return h->stats.pause_total_ns + h->limiter.bgDoneNs + h->limiter.assistNs +
           (h->gcphase == GC_MARK ? h->bgCpuNs : 0);
}

static uint64_t gcCpuOnHost(const gc_heap *h) { return h->stats.pause_total_ns + h->limiter.assistNs; }

void gc_limiter_init(gc_heap *h)
{
    gcLimiter *l = &h->limiter;
    memset(l, 0, sizeof *l);
    l->lastNs = gc_nanotime();
}

/* Go's gcCPULimiterState.accumulate, with the lump kept (above): on when
 * the fill reaches the capacity, off once the host has drained it. */
static void accumulate(gcLimiter *l, uint64_t mutator, uint64_t gc, uint64_t capacity, uint64_t max)
{
    if (gc >= mutator) {
        uint64_t fill = l->fill + (gc - mutator);
        if (fill > max) {
            l->overflowNs += fill - max;
            fill = max;
        }
        l->fill = fill;
    } else {
        uint64_t drain = mutator - gc;
        l->fill = l->fill > drain ? l->fill - drain : 0;
    }
    if (!l->enabled && l->fill >= capacity) {
        l->enabled = 1;
        l->enabledCount++;
    } else if (l->enabled && l->fill == 0) {
        l->enabled = 0;
    }
}

void gc_limiter_update(gc_heap *h)
{
    if (h->opts.memory_limit <= 0)
        return;
    gcLimiter *l = &h->limiter;
    uint64_t now = gc_nanotime();
    uint64_t nmut = h->stats.num_mutators ? h->stats.num_mutators : 1;
    uint64_t window = (now - l->lastNs) * nmut;
    uint64_t gc = gcCpu(h), onHost = gcCpuOnHost(h);
    uint64_t dgc = gc > l->lastGc ? gc - l->lastGc : 0;
    uint64_t dhost = onHost > l->lastOnHost ? onHost - l->lastOnHost : 0;
    uint64_t mutator = window > dhost ? window - dhost : 0;
    if (l->enabled)
        l->limitedNs += now - l->lastNs;
    l->gcNs += dgc;
    l->mutatorNs += mutator;
    accumulate(l, mutator, dgc, LIMITER_CAPACITY * nmut, LIMITER_MAX * nmut);
    l->lastNs = now;
    l->lastGc = gc;
    l->lastOnHost = onHost;
}

/* Called by any P outside a pause: the bucket is under pacerLock. */
int gc_limiter_limiting(gc_heap *h)
{
    if (h->opts.memory_limit <= 0)
        return 0;
    gc_pacer_lock(h);
    gc_limiter_update(h);
    int on = h->limiter.enabled;
    gc_pacer_unlock(h);
    return on;
}

void gc_limiter_assist(gc_heap *h, uint64_t ns)
{
    gc_pacer_lock(h);
    h->limiter.assistNs += ns;
    gc_pacer_unlock(h);
}

/* A cycle's end: its workers' CPU joins the finished sum (its pauses did,
 * through pause_total_ns), and the reading is taken again at once so that
 * nothing is counted twice when gcphase changes. */
void gc_limiter_endCycle(gc_heap *h, uint64_t bgNs)
{
    h->limiter.bgDoneNs += bgNs;
    gc_limiter_update(h);
}

/* For gctrace: the collector's share of the CPU and the share of the time
 * the limiter was on, since the last call (one cycle). */
void gc_limiter_cycleShare(gc_heap *h, unsigned *gcPct, unsigned *limitedPct)
{
    gcLimiter *l = &h->limiter;
    uint64_t gc = l->gcNs - l->cycleGc0, mut = l->mutatorNs - l->cycleMut0;
    uint64_t now = l->lastNs, lim = l->limitedNs - l->cycleLimited0;
    uint64_t span = now - l->cycleNs0;
    *gcPct = gc + mut ? (unsigned)(gc * 100 / (gc + mut)) : 0;
    *limitedPct = span ? (unsigned)(lim * 100 / span) : 0;
    if (*limitedPct > 100)
        *limitedPct = 100;
    l->cycleGc0 = l->gcNs;
    l->cycleMut0 = l->mutatorNs;
    l->cycleNs0 = now;
    l->cycleLimited0 = l->limitedNs;
}
