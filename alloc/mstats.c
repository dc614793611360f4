/*
 * mstats.c: gc_read_stats, as Go's mstats.go (ReadMemStats). Counts are kept
 * where they are cheap (per span while it is cached, then per P, as Go's
 * heapStatsDelta, until a pause folds the P's into the heap's) and added
 * up on reading, so the allocation fast path updates nothing.
 * As in Go, tiny sub-allocations count both as mallocs and as frees; the
 * 16-byte blocks that hold them are ordinary class-2 objects.
 * by_size[0] (size 0) counts large objects.
 */
#include <time.h>

#include "alloc/internal.h"

uint64_t gc_nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The world stops (as Go's ReadMemStats): the counts of spans the Ps
 * have cached are read from the spans. */
void gc_read_stats(gc_heap *h, gc_stats *s)
{
    gc_world_stop(h);
    memset(s, 0, sizeof *s);
    uint64_t nmalloc[GC_NUM_SIZE_CLASSES];
    memcpy(nmalloc, h->stats.nmalloc, sizeof nmalloc);
    uint64_t tiny = h->stats.tinyAllocs;
    uint64_t largeAlloc = h->stats.largeAlloc, largeCount = h->stats.largeAllocCount;
    for (gc_p *p = h->ps; p; p = p->next) {
        tiny += p->tinyAllocs;
        largeAlloc += p->largeAlloc;
        largeCount += p->largeAllocCount;
        for (unsigned c = 0; c < GC_NUM_SIZE_CLASSES; c++)
            nmalloc[c] += p->nmalloc[c];
        for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++) {
            mspan *sp = p->alloc[spc];
            if (sp == &h->emptyspan)
                continue;
            gc_span_commitCache(sp); /* harmless while cached: the window stays valid */
            nmalloc[spc >> 1] += gc_span_countAlloc(sp) - sp->allocCountBeforeCache;
        }
    }
    uint64_t objs = 0, frees = 0, allocBytes = 0, freeBytes = 0;
    for (unsigned c = 1; c < GC_NUM_SIZE_CLASSES; c++) {
        s->by_size[c].size = gc_class_to_size[c];
        s->by_size[c].mallocs = nmalloc[c];
        s->by_size[c].frees = h->stats.nfree[c];
        objs += nmalloc[c];
        frees += h->stats.nfree[c];
        allocBytes += nmalloc[c] * gc_class_to_size[c];
        freeBytes += h->stats.nfree[c] * gc_class_to_size[c];
    }
    s->by_size[0].mallocs = largeCount;
    s->by_size[0].frees = h->stats.largeFreeCount;
    s->num_gc = h->stats.num_gc;
    s->num_forced_gc = h->stats.num_forced_gc;
    s->total_alloc = allocBytes + largeAlloc;
    s->heap_alloc = s->total_alloc - freeBytes - h->stats.largeFree;
    s->heap_live = h->heapMarked;
    s->heap_goal = h->heapGoal;
    s->heap_sys = h->stats.heap_sys;
    s->heap_inuse = h->stats.heap_inuse;
    s->heap_idle = h->stats.heap_sys - h->stats.heap_inuse;
    s->heap_released = h->stats.heap_released;
    s->spans_inuse = h->stats.spans_inuse;
    s->tiny_allocs = tiny;
    s->large_allocs = largeCount;
    s->mallocs = objs + largeCount + tiny;
    s->frees = frees + h->stats.largeFreeCount + tiny;
    s->heap_objects = s->mallocs - s->frees;
    s->pause_total_ns = h->stats.pause_total_ns;
    s->last_gc_ns = h->stats.last_gc_ns;
    memcpy(s->pause_ns, h->stats.pause_ns, sizeof s->pause_ns);
    s->num_mutators = h->stats.num_mutators;
    s->sys_requests = h->sysRequests;
    s->mark_procs = h->stats.mark_procs;
    s->mark_objects = h->stats.mark_objects;
    s->mark_ns = h->stats.mark_ns;
    s->mark_cpu_ns = h->stats.mark_cpu_ns;
    s->mark_total_ns = h->stats.mark_total_ns;
    s->mark_cpu_total_ns = h->stats.mark_cpu_total_ns;
    s->mark_bytes_total = h->stats.mark_bytes_total;
    s->meta_sys = gc_mheap_metaSys(h);
    s->num_concurrent_gc = h->stats.num_concurrent_gc;
    s->pause_max_ns = h->stats.pause_max_ns;
    s->limiter_gc_ns = h->limiter.gcNs;
    s->limiter_mutator_ns = h->limiter.mutatorNs;
    s->limiter_on_ns = h->limiter.limitedNs;
    s->limiter_on_count = h->limiter.enabledCount;
    pthread_mutex_lock(&h->work.lock);
    s->work_bufs = h->work.nbufs;
    s->work_bufs_peak = h->work.nbufsPeak;
    s->work_bufs_freed = h->work.nbufsFreed;
    pthread_mutex_unlock(&h->work.lock);
    /* Every record alloc has from the OS, as Go's Sys less HeapSys: the
     * mark queue's buffers, the heap and its Ps too. */
    s->meta_sys += s->work_bufs * sizeof(workbuf) + sizeof(gc_heap) + h->stats.num_mutators * sizeof(gc_p);
    s->mark_oblets = atomic_load_explicit(&h->work.oblets, memory_order_relaxed);
    gc_scavenger_stats(h, &s->scav_released, &s->scav_passes);
    s->sweep_bg_spans = gc_bgsweep_spans(h);
    s->reclaim_spans = h->stats.reclaimSpans;
    s->reclaim_freed = h->stats.reclaimFreed;
    s->reclaim_pages = h->stats.reclaimPages;
    s->mark_assist_cpu_ns = h->stats.mark_assist_cpu_ns;
    s->mark_bg_cpu_ns = h->stats.mark_bg_cpu_ns;
    s->mark_idle_cpu_ns = h->stats.mark_idle_cpu_ns;
    s->mark_black_bytes = h->stats.mark_black_bytes;
    s->mark_wb_entries = h->stats.mark_wb_entries;
    s->heap_trigger = h->trigger;
    gc_world_start(h);
}
