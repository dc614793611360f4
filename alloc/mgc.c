/*
 * mgc.c: the heap's life and the collection cycle, as Go's mgc.go (gcStart,
 * gcMarkDone, gcMarkTermination, the gctrace line, runtime.GC) plus the
 * host-facing pieces: gc_heap_new/free, gc_p (Go's P + mcache), roots and
 * handles.
 *
 * A cycle starts at the safepoint where an allocation finds the heap past
 * its trigger (gc_maybe_trigger), or at gc_collect:
 *  1. sweep termination: every P's mcache is flushed (releaseAll) and the
 *     previous cycle's sweep is finished, so every span is swept;
 *  2. mark. Stop-the-world (gc_options.concurrent 0, gcstoptheworld, or
 *     gc_collect): roots and handles on the collecting thread, then it and
 *     the heap's mark threads (gcprocs in all) drain the gray queue
 *     together until it is empty (mgcmark.c, mgcwork.c, mgcworker.c).
 *     Concurrent: still in the first pause, the barrier and allocate-black
 *     go on, each P gets a gcWork and the roots' values are recorded (the
 *     drains shade them, as Go's root jobs); the pause ends and
 *     background workers mark (rounds, mgcworker.c) while the host runs,
 *     with its assists and barrier flushes. When a round ends, the host's
 *     next poll or allocation slow path runs markDone (Go's gcMarkDone):
 *     flush every P, and if nothing grey is left the mark is over;
 *  3. mark termination (the second pause, concurrently): every P's mcache
 *     is flushed again (unmarking the free slots of its windows), the
 *     barrier goes off, optional checkmark walk, sweepgen += 2 (every span
 *     becomes "needs sweeping"), heapLive := marked bytes, pacer goal and
 *     trigger, sweep pacing, the background scavenger's new goal;
 *  4. sweeping then happens in the background (mgcsweep.c's sweeper
 *     thread) and lazily: allocation sweeps what it needs (cacheSpan,
 *     reclaim, gc_deductSweepCredit); gc_collect sweeps it all, and so
 *     does the pause under gcstoptheworld=2.
 * Neither concurrent pause does work proportional to the heap: flushes and
 * counters per P and span class, and a copy of the root words the host
 * reports.
 * Every step that touches other Ps runs with the world stopped (mproc.c):
 * the first pause, each markDone (so Go's ragged barrier, which flushes
 * every P's buffers, is done by the P that found the workers finished, for
 * all Ps at once), mark termination, gc_collect. The background sweeper
 * parks while the world is stopped.
 * Departures: markDone's flush is a pause, not a ragged barrier; no
 * time-based (2 min) trigger; a child forked while a concurrent mark's
 * workers run cannot finish that mark (it aborts, saying so).
 */
#include <stdlib.h>
#include <unistd.h>

#include "alloc/internal.h"

static void markDone(gc_heap *h, int finish);

/* Spare mark buffers freed at a mark's end, at most (Go frees 64 spans
 * of them per step of its background freeing). */
enum { WBUF_FREE_MAX = 64 };

gc_heap *gc_heap_new(const gc_options *o)
{
    gc_heap *h = gc_sys_alloc(NULL, sizeof *h);
    if (!h)
        return NULL;
    if (o)
        h->opts = *o;
    else
        gc_options_default(&h->opts);
    h->trace = h->opts.trace ? h->opts.trace : stderr;
    long pages = sysconf(_SC_PHYS_PAGES), pagesize = sysconf(_SC_PAGESIZE);
    h->maxAlloc = GC_MAX_ALLOC;
    if (pages > 0 && pagesize > 0 && (uint64_t)pages * (uint64_t)pagesize < GC_MAX_ALLOC)
        h->maxAlloc = (size_t)pages * (size_t)pagesize;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    h->ncpu = ncpu < 1 ? 1 : (unsigned)ncpu;
    if (h->opts.gcprocs > 0)
        h->gcprocs = h->opts.gcprocs < GC_MAX_PROCS ? (unsigned)h->opts.gcprocs : GC_MAX_PROCS;
    else
        h->gcprocs = h->ncpu > GC_DEFAULT_MAX_PROCS ? GC_DEFAULT_MAX_PROCS : h->ncpu;
    gc_work_init(&h->work, h->trace);
    pthread_mutex_init(&h->pslock, NULL);
    pthread_cond_init(&h->pscond, NULL);
    gc_lock_init(&h->pacerLock);
    pthread_mutex_init(&h->rootsLock, NULL);
    gc_mheap_init(h);
    for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++)
        gc_mcentral_init(&h->central[spc], (uint8_t)spc);
    h->emptyspan.state = MSPAN_DEAD; /* nelems 0, allocCache 0: never has room */
    h->emptyspan.allocBits = &h->emptyBits[0];
    h->emptyspan.gcmarkBits = &h->emptyBits[1];
    h->sweep.centralIndex = 2 * GC_NUM_SPAN_CLASSES; /* nothing to sweep */
    h->stats.start_ns = gc_nanotime();
    gc_limiter_init(h);
    gc_pacer_commit(h);
    if (h->opts.debug.heapmap[0])
        gc_heapmap_open(h);
    if (h->opts.debug.gctimeline[0] || h->heapmap)
        gc_timeline_open(h);
    return h;
}

void gc_heap_free(gc_heap *h)
{
    if (!h)
        return;
    if (h->gcphase == GC_MARK) {
        /* As a stop of the world does: the background sweeper leaves its
         * span and waits before mark termination rewrites what it reads. */
        gc_bgsweep_park(h);
        markDone(h, 1);
    }
    gc_heapmap_close(h);
    gc_timeline_close(h);
    gc_markpool_destroy(h);
    gc_bgsweep_destroy(h);
    gc_scavenger_destroy(h);
    while (h->ps) {
        gc_p *p = h->ps;
        h->ps = p->next;
        gc_sys_free(p, sizeof *p);
    }
    while (h->handles) {
        gc_handle *hd = h->handles;
        h->handles = hd->next;
        free(hd);
    }
    free(h->roots);
    free(h->rootVals);
    gc_work_destroy(h);
    pthread_mutex_destroy(&h->pslock);
    pthread_cond_destroy(&h->pscond);
    pthread_mutex_destroy(&h->pacerLock);
    pthread_mutex_destroy(&h->rootsLock);
    for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++)
        pthread_mutex_destroy(&h->central[spc].lock);
    gc_mheap_destroy(h);
    gc_sys_free(h, sizeof *h);
}

gc_heap *gc_p_heap(gc_p *p) { return p->heap; }

gc_window *const *gc_p_windows(gc_p *p) { return p->windows; }

int gc_add_roots(gc_heap *h, gc_roots_fn fn, void *ud)
{
    if (!fn)
        return -1;
    pthread_mutex_lock(&h->rootsLock);
    if (h->nroots == h->caproots) {
        size_t cap = h->caproots ? h->caproots * 2 : 8;
        rootfn *r = realloc(h->roots, cap * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&h->rootsLock);
            return -1;
        }
        h->roots = r;
        h->caproots = cap;
    }
    h->roots[h->nroots].fn = fn;
    h->roots[h->nroots].ud = ud;
    h->nroots++;
    pthread_mutex_unlock(&h->rootsLock);
    return 0;
}

void gc_remove_roots(gc_heap *h, gc_roots_fn fn, void *ud)
{
    pthread_mutex_lock(&h->rootsLock);
    for (size_t i = 0; i < h->nroots; i++) {
        if (h->roots[i].fn == fn && h->roots[i].ud == ud) {
            memmove(&h->roots[i], &h->roots[i + 1], (h->nroots - i - 1) * sizeof h->roots[0]);
            h->nroots--;
            break;
        }
    }
    pthread_mutex_unlock(&h->rootsLock);
}

gc_handle *gc_handle_new(gc_heap *h, void *obj)
{
    gc_handle *hd = malloc(sizeof *hd);
    if (!hd)
        return NULL;
    hd->heap = h;
    hd->obj = obj;
    hd->prev = NULL;
    pthread_mutex_lock(&h->rootsLock);
    hd->next = h->handles;
    if (h->handles)
        h->handles->prev = hd;
    h->handles = hd;
    pthread_mutex_unlock(&h->rootsLock);
    return hd;
}

/* Relaxed atomics: a pause's root scan (under rootsLock) may read a handle
 * that a thread without a P sets; the object itself is published by the
 * stop's handshake or by the host's own synchronisation. */
void *gc_handle_get(const gc_handle *hd) { return hd ? __atomic_load_n(&hd->obj, __ATOMIC_RELAXED) : NULL; }
void gc_handle_set(gc_handle *hd, void *obj) { __atomic_store_n(&hd->obj, obj, __ATOMIC_RELAXED); }

void gc_handle_release(gc_handle *hd)
{
    if (!hd)
        return;
    gc_heap *h = hd->heap;
    pthread_mutex_lock(&h->rootsLock);
    if (hd->prev)
        hd->prev->next = hd->next;
    else
        h->handles = hd->next;
    if (hd->next)
        hd->next->prev = hd->prev;
    pthread_mutex_unlock(&h->rootsLock);
    free(hd);
}

static void fmtMs(char *buf, size_t n, uint64_t ns)
{
    double ms = (double)ns / 1e6;
    /* Go prints about two significant digits (mgc.go fmtNSAsMS). */
    if (ms >= 10)
        snprintf(buf, n, "%.0f", ms);
    else if (ms >= 1)
        snprintf(buf, n, "%.1f", ms);
    else
        snprintf(buf, n, "%.3f", ms);
}

/* One line per cycle, Go's format: A+B+C ms clock (the first pause, the
 * concurrent mark, the second pause; stop-the-world, the middle one is the
 * mark inside the pause), a+as/bg/idle+e ms cpu (the pauses times the
 * Ps, then the mark's cpu in assists, background workers and idle-mode
 * workers). */
static void gctrace(gc_heap *h, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3, uint64_t heap0,
                    uint64_t heap1, int forced)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], k[32], lim[64] = "";
    if (h->opts.memory_limit > 0) {
        unsigned gcPct, limitedPct;
        gc_limiter_cycleShare(h, &gcPct, &limitedPct);
        snprintf(lim, sizeof lim, " (limiter: gc %u%% cpu, on %u%%)", gcPct, limitedPct);
    }
    uint64_t procs = h->stats.num_mutators ? h->stats.num_mutators : 1;
    uint64_t since = t3 - h->stats.start_ns;
    unsigned pct = since ? (unsigned)(h->stats.gc_cpu_ns * 100 / since) : 0;
    fmtMs(a, sizeof a, t1 - t0);
    fmtMs(b, sizeof b, t2 - t1);
    fmtMs(c, sizeof c, t3 - t2);
    fmtMs(d, sizeof d, (t1 - t0) * procs);
    fmtMs(e, sizeof e, (t3 - t2) * procs);
    /* Stop-the-world, the cpu of the workers marking in the pause is the
     * "background worker" cpu. */
    fmtMs(f, sizeof f, h->concurrentCycle ? h->stats.mark_bg_cpu_ns : h->stats.mark_cpu_ns);
    fmtMs(g, sizeof g, h->stats.mark_assist_cpu_ns);
    fmtMs(k, sizeof k, h->stats.mark_idle_cpu_ns);
    fprintf(h->trace,
            "gc %llu @%.3fs %u%%: %s+%s+%s ms clock, %s+%s/%s/%s+%s ms cpu, %llu->%llu->%llu MB, %llu MB goal, "
            "0 MB stacks, 0 MB globals, %llu P%s%s\n",
            (unsigned long long)h->stats.num_gc, (double)(t0 - h->stats.start_ns) / 1e9, pct, a, b, c, d, g, f,
            k, e, (unsigned long long)(heap0 >> 20), (unsigned long long)(heap1 >> 20),
            (unsigned long long)(h->heapMarked >> 20),
            (unsigned long long)(h->heapGoal == UINT64_MAX ? 0 : h->heapGoal >> 20), (unsigned long long)procs,
            forced ? " (forced)" : "", lim);
    fflush(h->trace);
}

static void timelineCycle(gc_heap *h, int forced, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3,
                          uint64_t heap1)
{
    unsigned long long n = (unsigned long long)h->stats.num_gc;
    gc_timeline_heap(h, t0, h->cycleHeap0);
    if (h->concurrentCycle) {
        gc_timeline_event(h, "pause: sweep termination, mark start", 1, t0, t1, "\"cycle\":%llu", n);
        gc_timeline_event(h, "concurrent mark", 2, t1, t2,
                          "\"cycle\":%llu,\"background_cpu_ms\":%.3f,\"idle_cpu_ms\":%.3f,\"assist_cpu_ms\":%.3f,"
                          "\"workers\":%u,\"idle_procs\":%u",
                          n, (double)h->stats.mark_bg_cpu_ns / 1e6, (double)h->stats.mark_idle_cpu_ns / 1e6,
                          (double)h->stats.mark_assist_cpu_ns / 1e6, h->bgWorkers, h->bgIdleProcs);
        gc_timeline_heap(h, t2, heap1);
        gc_timeline_event(h, "pause: mark termination", 1, t2, t3, "\"cycle\":%llu", n);
    } else {
        gc_timeline_event(h, forced ? "pause: forced stop-the-world cycle" : "pause: stop-the-world cycle", 1, t0,
                          t3, "\"cycle\":%llu,\"mark_cpu_ms\":%.3f,\"mark_procs\":%llu", n,
                          (double)h->stats.mark_cpu_ns / 1e6, (unsigned long long)h->stats.mark_procs);
    }
    gc_timeline_heap(h, t3, h->heapLive);
}

static void recordPause(gc_heap *h, uint64_t ns)
{
    if (ns > h->stats.pause_max_ns)
        h->stats.pause_max_ns = ns;
}

/*
 * Mark termination, world stopped, both ways (Go's gcMarkTermination):
 * checkmark, sweepgen += 2 (every span becomes "needs sweeping"), heapLive
 * := marked bytes, pacer goal and trigger, sweep pacing, scavenging.
 * t0: the cycle's start; t1: the end of its first pause; t2: the start of
 * this pause (stop-the-world: t1 == the mark's start, t2 its end).
 */
static void markTermination(gc_heap *h, int forced, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t heap1)
{
    if (h->opts.debug.gccheckmark)
        gc_checkmark_verify_marks(h);
    h->heapMarked = h->markedBytes;
    h->lastScanWork = h->concurrentCycle ? h->markBytes : h->markedBytes;
    h->sweepgen += 2;
    h->sweep.centralIndex = 0;
    h->reclaimRegion = h->regions;
    h->reclaimOff = 0;
    h->stats.num_gc++;
    if (forced)
        h->stats.num_forced_gc++;
    if (h->concurrentCycle) {
        h->stats.num_concurrent_gc++;
        gc_pacer_endCycle(h);
    }
    h->heapLive = h->heapMarked;
    gc_pacer_commit(h);
    gc_paceSweeper(h);
    if (h->opts.debug.gcstoptheworld == 2)
        gc_finishsweep(h);
    else if (!forced && !h->opts.debug.gcnobgsweep && !h->heapmap)
        /* gc_collect sweeps it all itself; heapmap pictures show what an
         * automatic cycle leaves to the host's lazy sweep. */
        gc_bgsweep_kick(h);
    gc_scavenger_kick(h);
    uint64_t t3 = gc_nanotime();

    uint64_t pause = h->concurrentCycle ? (t1 - t0) + (t3 - t2) : t3 - t0;
    recordPause(h, h->concurrentCycle ? t3 - t2 : pause);
    h->stats.pause_ns[(h->stats.num_gc - 1) % GC_MAX_PAUSES] = pause;
    h->stats.pause_total_ns += pause;
    h->stats.gc_cpu_ns += pause + (h->concurrentCycle ? h->stats.mark_cpu_ns : 0);
    h->stats.last_gc_ns = t3;
    gc_limiter_endCycle(h, h->concurrentCycle ? h->stats.mark_bg_cpu_ns : 0);
    if (h->opts.debug.gctrace)
        gctrace(h, t0, t1, t2, t3, h->cycleHeap0, heap1, forced);
    if (h->timeline)
        timelineCycle(h, forced, t0, t1, t2, t3, heap1);
    if (h->heapmap && !forced) /* gc_collect draws once it has swept */
        gc_heapmap_cycle(h, 0);
}

/*
 * The first pause of a concurrent cycle (Go's gcStart after sweep
 * termination): barrier and allocate-black on, every P ready to shade
 * into its own gcWork, the roots grey, the workers started. Constant work
 * besides the roots the host reports.
 */
static void markStartConcurrent(gc_heap *h)
{
    h->concurrentCycle = 1;
    h->gcphase = GC_MARK;
    atomic_store_explicit(&h->barrier.enabled, 1, memory_order_relaxed);
    h->blackBytes = 0;
    h->wbEntries = 0;
    h->markBytes = h->markObjs = 0;
    h->assistCpuNs = h->bgCpuNs = h->idleCpuNs = 0;
    for (gc_p *p = h->ps; p; p = p->next) {
        gc_gcw_init(&p->gcw, &h->work);
        p->wbbuf.n = 0;
        p->gcAssistBytes = 0;
    }
    gc_mark_concurrentRoots(h);
    h->markStartHeapLive = h->heapLive;
    h->markStartNs = gc_nanotime();
    gc_pacer_startCycle(h);
    h->roundStartNs = gc_nanotime();
    h->markThreads = gc_markpool_startBackground(h);
    h->roundActive = h->markThreads > 0;
    if (!h->roundActive && !h->opts.debug.gcmarkhold)
        /* No worker thread: the host's next poll marks. */
        for (gc_p *p = h->ps; p; p = p->next)
            atomic_store_explicit(&p->poll.pending, 1, memory_order_relaxed);
}

/* With the world stopped (gc_world_stop). */
void gc_start(gc_heap *h, int forced)
{
    if (h->gc_running || h->gcphase != GC_OFF)
        return;
    h->gc_running = 1;
    uint64_t t0 = gc_nanotime();
    h->cycleStartNs = t0;
    h->cycleHeap0 = h->heapLive;

    /* Sweep termination: the host sweeps what is left beside the
     * background sweeper, then waits for it to be idle. */
    for (gc_p *p = h->ps; p; p = p->next)
        gc_mcache_releaseAll(p);
    gc_finishsweep(h);
    gc_bgsweep_wait(h);
    gc_mheap_clearPageMarks(h);

    if (h->opts.concurrent && !h->opts.debug.gcstoptheworld && !forced) {
        markStartConcurrent(h);
        /* The pause is counted in pause_ns with the second one. */
        recordPause(h, h->markStartNs - t0);
        h->gc_running = 0;
        return;
    }

    /* Stop-the-world mark. */
    h->concurrentCycle = 0;
    uint64_t t1 = gc_nanotime();
    gc_mark(h);
    uint64_t heap1 = h->heapLive;
    uint64_t t2 = gc_nanotime();
    h->stats.mark_ns = t2 - t1;
    h->stats.mark_total_ns += t2 - t1;
    h->stats.mark_assist_cpu_ns = h->stats.mark_bg_cpu_ns = h->stats.mark_idle_cpu_ns = 0;
    h->stats.mark_black_bytes = h->stats.mark_wb_entries = 0;
    markTermination(h, forced, t0, t1, t2, heap1);
    h->gc_running = 0;
}

/* A round of background workers is over: add up what it did. */
static void collectRound(gc_heap *h)
{
    uint64_t cpu = 0, idle = 0, bytes = 0, objs = 0;
    gc_markpool_wait(h, &cpu, &idle, &bytes, &objs);
    if (h->timeline)
        gc_timeline_event(h, "mark workers", 3, h->roundStartNs,
                          atomic_load_explicit(&h->roundEndNs, memory_order_relaxed),
                          "\"cpu_ms\":%.3f,\"idle_cpu_ms\":%.3f", (double)cpu / 1e6, (double)idle / 1e6);
    h->bgCpuNs += cpu - idle;
    h->idleCpuNs += idle;
    h->markBytes += bytes;
    h->markObjs += objs;
    h->roundActive = 0;
}

/*
 * Go's gcMarkDone, world stopped, by a P at a safepoint: once the workers
 * have run out of work, flush every P's barrier buffer and grey objects
 * into the queue; if that found work, start another round (or, finishing,
 * mark it here) and look again; if not, nothing grey is left anywhere
 * (every P is stopped, none storing) and the mark is complete.
 * finish: gc_collect and gc_heap_free, which wait for the end and mark
 * beside the workers meanwhile.
 */
static void markDone(gc_heap *h, int finish)
{
    if (h->roundActive && gc_markpool_forked(h)) {
        /* The workers, and the grey objects they held, stayed with the
         * parent: this mark cannot be finished. */
        fprintf(h->trace, "alloc: the process forked during a concurrent mark: the child cannot finish it\n");
        fflush(h->trace);
        abort();
    }
    for (;;) {
        if (h->roundActive) {
            if (!finish && atomic_load_explicit(&h->bgRunning, memory_order_acquire) != 0)
                return;
            if (finish)
                gc_mark_drainAssist(h, &h->gcw, UINT64_MAX);
            collectRound(h);
        }
        if (h->opts.debug.gcmarkhold && !finish)
            return;
        for (gc_p *p = h->ps; p; p = p->next) {
            gc_wbBuf_flush(p);
            gc_gcw_flush(&p->gcw);
        }
        gc_gcw_flush(&h->gcw);
        if (gcw_fullEmpty(&h->work) && !gc_mark_rootsLeft(h))
            break;
        if (!finish && h->opts.debug.gcconcurrentstress >= 2) {
            /* The host marks alone, a few objects per allocation or
             * poll, so that every store may fall inside a mark. */
            uint64_t c0 = gc_thread_cputime();
            gc_mark_drainAssist(h, &h->gcw, 1);
            h->assistCpuNs += gc_thread_cputime() - c0;
            for (gc_p *p = h->ps; p; p = p->next)
                atomic_store_explicit(&p->poll.pending, 1, memory_order_relaxed);
            return;
        }
        h->roundStartNs = gc_nanotime();
        unsigned n = !finish && !h->opts.debug.gcmarkhold ? gc_markpool_startBackground(h) : 0;
        if (n > 0) {
            if (n > h->markThreads)
                h->markThreads = n;
            h->roundActive = 1;
            return;
        }
        uint64_t c0 = gc_thread_cputime();
        gc_mark_drainAssist(h, &h->gcw, UINT64_MAX);
        h->assistCpuNs += gc_thread_cputime() - c0;
    }

    /* Mark termination: the second pause. */
    h->gc_running = 1;
    uint64_t t2 = gc_nanotime();
    uint64_t heap1 = h->heapLive;
    /* Windows still free are unmarked (phase still GC_MARK), and every
     * span goes back to mcentral for the sweep (Go's prepareForSweep). */
    uint64_t bytes = h->markBytes + h->gcw.bytesMarked, objs = h->markObjs + h->gcw.objsScanned;
    for (gc_p *p = h->ps; p; p = p->next) {
        gc_mcache_releaseAll(p);
        bytes += p->gcw.bytesMarked;
        objs += p->gcw.objsScanned;
        gc_gcw_dispose(&p->gcw);
        p->gcAssistBytes = 0;
    }
    gc_gcw_dispose(&h->gcw);
    atomic_store_explicit(&h->barrier.enabled, 0, memory_order_relaxed);
    h->gcphase = GC_OFF;
    h->work.nproc = 1;
    h->markBytes = bytes;
    h->markedBytes = bytes + h->blackBytes;
    h->stats.mark_procs = h->markThreads;
    h->stats.mark_objects = objs;
    h->stats.mark_ns = t2 - h->markStartNs;
    h->stats.mark_total_ns += h->stats.mark_ns;
    h->stats.mark_cpu_ns = h->bgCpuNs + h->idleCpuNs + h->assistCpuNs;
    h->stats.mark_cpu_total_ns += h->stats.mark_cpu_ns;
    h->stats.mark_bytes_total += h->markedBytes;
    h->stats.mark_bg_cpu_ns = h->bgCpuNs;
    h->stats.mark_idle_cpu_ns = h->idleCpuNs;
    h->stats.mark_assist_cpu_ns = h->assistCpuNs;
    h->stats.mark_black_bytes = h->blackBytes;
    h->stats.mark_wb_entries = h->wbEntries;
    markTermination(h, 0, h->cycleStartNs, h->markStartNs, t2, heap1);
    h->gc_running = 0;
}

/* Spare mark buffers back to the OS, a few at a time, once the world
 * runs again (Go's freeSomeWbufs, which its background sweeper calls):
 * each unmap is a system call and a TLB shootdown on the CPUs the process
 * runs on, work a pause need not do. Two per worker and host thread stay.
 * The queue's spare list is under its lock, so a cycle started meanwhile
 * by another P is no matter. */
static void freeSpareWbufs(gc_heap *h)
{
    pthread_mutex_lock(&h->pslock); /* the P count, outside a pause */
    size_t keep = 2 * (h->gcprocs + h->stats.num_mutators);
    pthread_mutex_unlock(&h->pslock);
    gc_work_freeSome(&h->work, keep, WBUF_FREE_MAX);
}

/*
 * A P at a safepoint during a mark: if the round of workers is over (or
 * there is none), stop the world and run markDone. gcphase, gc_running
 * and roundActive change only in pauses, which this P's thread is not
 * in, so reading them first is safe; the stop re-tests them, as another
 * P may have ended the mark meanwhile.
 */
static void markDoneAtSafepoint(gc_heap *h)
{
    if (h->gcphase != GC_MARK || h->gc_running)
        return;
    if (h->roundActive && atomic_load_explicit(&h->bgRunning, memory_order_acquire) != 0)
        return;
    if (h->opts.debug.gcmarkhold && !h->roundActive)
        return;
    gc_world_stop(h);
    if (h->gcphase == GC_MARK && !h->gc_running)
        markDone(h, 0);
    gc_world_start(h);
    freeSpareWbufs(h);
}

void gc_mark_poll(gc_p *p) { markDoneAtSafepoint(p->heap); }

void gc_maybe_trigger(gc_p *p)
{
    gc_heap *h = p->heap;
    mcache_pollPark(p);
    if (h->gcphase == GC_MARK) {
        markDoneAtSafepoint(h);
        return;
    }
    if (pacer_should_gc(h) && !gc_limiter_limiting(h)) {
        gc_world_stop(h);
        if (pacer_should_gc(h))
            gc_start(h, 0);
        gc_world_start(h);
        freeSpareWbufs(h);
    }
}

int gc_mark_start(gc_heap *h)
{
    int r = -1;
    gc_world_stop(h);
    if (!h->gc_running && h->gcphase == GC_OFF) {
        gc_start(h, 0);
        r = h->gcphase == GC_MARK;
    }
    gc_world_start(h);
    freeSpareWbufs(h);
    return r;
}

/* The barrier's flag: atomic, and on exactly while gcphase is GC_MARK (both
 * change together in a pause), so a thread without a P may ask. */
bool gc_mark_active(gc_heap *h) { return atomic_load_explicit(&h->barrier.enabled, memory_order_relaxed) != 0; }

void gc_collect(gc_heap *h)
{
    gc_world_stop(h);
    if (!h->gc_running) {
        if (h->gcphase == GC_MARK)
            markDone(h, 1);
        gc_start(h, 1);
        h->gc_running = 1;
        gc_finishsweep(h);
        if (h->heapmap)
            gc_heapmap_cycle(h, 1);
        h->gc_running = 0;
    }
    gc_world_start(h);
    freeSpareWbufs(h);
    /* Outside the pause: the scavenger is no P and its pass may take the
     * heap lock a P holds. */
    gc_scavenger_wait(h);
}
