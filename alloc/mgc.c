/*
 * mgc.c: the heap's life and the collection cycle, as Go's mgc.go (gcStart,
 * gcMarkTermination, the gctrace line, runtime.GC) plus the host-facing
 * pieces: gc_heap_new/free, gc_p (Go's P + mcache), roots and handles.
 *
 * A cycle runs entirely at the caller's safepoint, world stopped:
 *  1. sweep termination: every P's mcache is flushed (releaseAll) and the
 *     previous cycle's sweep is finished, so every span is swept;
 *  2. mark: roots and handles on the collecting thread, then it and the
 *     heap's mark threads (gcprocs in all) drain the gray queue together
 *     until it is empty (mgcmark.c, mgcwork.c, mgcworker.c);
 *  3. mark termination: optional checkmark walk, sweepgen += 2 (every span
 *     becomes "needs sweeping"), heapLive := marked bytes, pacer goal,
 *     sweep pacing, scavenging;
 *  4. sweeping then happens lazily: allocation sweeps what it needs
 *     (cacheSpan, reclaim, gc_deductSweepCredit); gc_collect sweeps it all.
 * Departures: no concurrent mark, so no write barrier, assists or
 * allocate-black; the mark workers run only inside the pause, on every
 * CPU; no time-based (2 min) trigger.
 */
#include <stdlib.h>
#include <unistd.h>

#include "alloc/internal.h"

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
    if (h->opts.gcprocs > 0)
        h->gcprocs = h->opts.gcprocs < GC_MAX_PROCS ? (unsigned)h->opts.gcprocs : GC_MAX_PROCS;
    else
        h->gcprocs = ncpu < 1 ? 1 : ncpu > GC_DEFAULT_MAX_PROCS ? GC_DEFAULT_MAX_PROCS : (unsigned)ncpu;
    gc_work_init(&h->work, h->trace);
    gc_mheap_init(h);
    for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++)
        gc_mcentral_init(&h->central[spc], (uint8_t)spc);
    h->emptyspan.state = MSPAN_DEAD; /* nelems 0, allocCache 0: never has room */
    h->emptyspan.allocBits = &h->emptyBits[0];
    h->emptyspan.gcmarkBits = &h->emptyBits[1];
    h->sweep.centralIndex = 2 * GC_NUM_SPAN_CLASSES; /* nothing to sweep */
    h->stats.start_ns = gc_nanotime();
    gc_pacer_commit(h);
    if (h->opts.debug.heapmap[0])
        gc_heapmap_open(h);
    return h;
}

void gc_heap_free(gc_heap *h)
{
    if (!h)
        return;
    gc_heapmap_close(h);
    gc_markpool_destroy(h);
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
    gc_work_destroy(h);
    gc_mheap_destroy(h);
    gc_sys_free(h, sizeof *h);
}

gc_p *gc_p_new(gc_heap *h)
{
    gc_p *p = gc_sys_alloc(h, sizeof *p);
    if (!p)
        return NULL;
    p->heap = h;
    for (unsigned spc = 0; spc <= SPC_TINY; spc++)
        mcache_setSpan(p, spc, &h->emptyspan);
    p->site = &p->sites[0]; /* type NULL: matches no scan allocation */
    for (size_t size = 0; size < sizeof p->sizeSpc; size++)
        p->sizeSpc[size] = size < GC_TINY_SIZE ? SPC_TINY : spanclass_make(size_to_class(size), 1);
    /* ASan builds take the slow path too: it is where slots get unpoisoned. */
    p->slow = (uint8_t)(h->opts.debug.gcstress || h->opts.debug.clobberfree || GC_ASAN);
    p->next = h->ps;
    if (h->ps)
        h->ps->prev = p;
    h->ps = p;
    h->stats.num_mutators++;
    return p;
}

void gc_p_free(gc_p *p)
{
    if (!p)
        return;
    gc_heap *h = p->heap;
    gc_mcache_releaseAll(p);
    if (p->prev)
        p->prev->next = p->next;
    else
        h->ps = p->next;
    if (p->next)
        p->next->prev = p->prev;
    h->stats.num_mutators--;
    gc_sys_free(p, sizeof *p);
}

gc_heap *gc_p_heap(gc_p *p) { return p->heap; }

gc_window *const *gc_p_windows(gc_p *p) { return p->windows; }

int gc_add_roots(gc_heap *h, gc_roots_fn fn, void *ud)
{
    if (!fn)
        return -1;
    if (h->nroots == h->caproots) {
        size_t cap = h->caproots ? h->caproots * 2 : 8;
        rootfn *r = realloc(h->roots, cap * sizeof *r);
        if (!r)
            return -1;
        h->roots = r;
        h->caproots = cap;
    }
    h->roots[h->nroots].fn = fn;
    h->roots[h->nroots].ud = ud;
    h->nroots++;
    return 0;
}

void gc_remove_roots(gc_heap *h, gc_roots_fn fn, void *ud)
{
    for (size_t i = 0; i < h->nroots; i++) {
        if (h->roots[i].fn == fn && h->roots[i].ud == ud) {
            memmove(&h->roots[i], &h->roots[i + 1], (h->nroots - i - 1) * sizeof h->roots[0]);
            h->nroots--;
            return;
        }
    }
}

gc_handle *gc_handle_new(gc_heap *h, void *obj)
{
    gc_handle *hd = malloc(sizeof *hd);
    if (!hd)
        return NULL;
    hd->heap = h;
    hd->obj = obj;
    hd->prev = NULL;
    hd->next = h->handles;
    if (h->handles)
        h->handles->prev = hd;
    h->handles = hd;
    return hd;
}

void *gc_handle_get(const gc_handle *hd) { return hd ? hd->obj : NULL; }
void gc_handle_set(gc_handle *hd, void *obj) { hd->obj = obj; }

void gc_handle_release(gc_handle *hd)
{
    if (!hd)
        return;
    gc_heap *h = hd->heap;
    if (hd->prev)
        hd->prev->next = hd->next;
    else
        h->handles = hd->next;
    if (hd->next)
        hd->next->prev = hd->prev;
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

static void gctrace(gc_heap *h, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3, uint64_t heap0,
                    uint64_t heap1, int forced)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    uint64_t procs = h->stats.num_mutators ? h->stats.num_mutators : 1;
    uint64_t since = t3 - h->stats.start_ns;
    unsigned pct = since ? (unsigned)(h->stats.gc_cpu_ns * 100 / since) : 0;
    fmtMs(a, sizeof a, t1 - t0);
    fmtMs(b, sizeof b, t2 - t1);
    fmtMs(c, sizeof c, t3 - t2);
    fmtMs(d, sizeof d, (t1 - t0) * procs);
    fmtMs(e, sizeof e, (t3 - t2) * procs);
    fmtMs(f, sizeof f, h->stats.mark_cpu_ns);
    /* Marking is stop-the-world: the cpu of its workers, summed, is the
     * "background worker" cpu. */
    fprintf(h->trace,
            "gc %llu @%.3fs %u%%: %s+%s+%s ms clock, %s+0/%s/0+%s ms cpu, %llu->%llu->%llu MB, %llu MB goal, "
            "0 MB stacks, 0 MB globals, %llu P%s\n",
            (unsigned long long)h->stats.num_gc, (double)(t0 - h->stats.start_ns) / 1e9, pct, a, b, c, d, f, e,
            (unsigned long long)(heap0 >> 20), (unsigned long long)(heap1 >> 20),
            (unsigned long long)(h->heapMarked >> 20),
            (unsigned long long)(h->heapGoal == UINT64_MAX ? 0 : h->heapGoal >> 20), (unsigned long long)procs,
            forced ? " (forced)" : "");
    fflush(h->trace);
}

void gc_start(gc_heap *h, int forced)
{
    if (h->gc_running)
        return;
    h->gc_running = 1;
    uint64_t t0 = gc_nanotime();
    uint64_t heap0 = h->heapLive;

    /* Sweep termination. */
    for (gc_p *p = h->ps; p; p = p->next)
        gc_mcache_releaseAll(p);
    gc_finishsweep(h);
    uint64_t t1 = gc_nanotime();

    /* Mark. */
    gc_mark(h);
    uint64_t heap1 = h->heapLive;
    uint64_t t2 = gc_nanotime();
    h->stats.mark_ns = t2 - t1;
    h->stats.mark_total_ns += t2 - t1;

    /* Mark termination. */
    if (h->opts.debug.gccheckmark)
        gc_checkmark_verify_marks(h);
    h->heapMarked = h->markedBytes;
    h->sweepgen += 2;
    h->sweep.centralIndex = 0;
    h->stats.num_gc++;
    if (forced)
        h->stats.num_forced_gc++;
    h->heapLive = h->heapMarked;
    gc_pacer_commit(h);
    gc_paceSweeper(h);
    gc_mheap_scavenge(h, gc_pacer_overLimit(h));
    uint64_t t3 = gc_nanotime();

    uint64_t pause = t3 - t0;
    h->stats.pause_ns[(h->stats.num_gc - 1) % GC_MAX_PAUSES] = pause;
    h->stats.pause_total_ns += pause;
    h->stats.gc_cpu_ns += pause;
    h->stats.last_gc_ns = t3;
    if (h->opts.debug.gctrace)
        gctrace(h, t0, t1, t2, t3, heap0, heap1, forced);
    if (h->heapmap && !forced) /* gc_collect draws once it has swept */
        gc_heapmap_cycle(h, 0);
    h->gc_running = 0;
}

void gc_maybe_trigger(gc_heap *h)
{
    if (pacer_should_gc(h))
        gc_start(h, 0);
}

void gc_collect(gc_heap *h)
{
    if (h->gc_running)
        return;
    gc_start(h, 1);
    h->gc_running = 1;
    gc_finishsweep(h);
    if (h->heapmap)
        gc_heapmap_cycle(h, 1);
    h->gc_running = 0;
}
