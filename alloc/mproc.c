/*
 * mproc.c: the Ps and the world, as the parts of Go's proc.go that a
 * collector needs: a P is owned by one thread at a time (acquirep,
 * releasep), a thread that blocks gives its P back (entersyscall,
 * handoffp), and stopping the world (stopTheWorldWithSema) is a handshake:
 * the stopper raises every running P's poll word and waits until each is
 * parked at a safepoint or idle.
 *
 * Every P's status and owner, the list of Ps and the stop are under the
 * heap's pslock, and pscond is broadcast at every change; the pause's work
 * is done by the stopper with pslock released, while the others wait on
 * pscond, so each P's mcache, buffers and the heap's cycle state are
 * handed between threads by that mutex. The count of running Ps is kept
 * beside the statuses, atomic, for the background sweeper, which stands
 * aside while there are as many as CPUs (Go's "no idle P").
 * Departures: Go stops Ps, not threads; here a thread that owns several Ps
 * (a host with one thread and several contexts) parks them all together,
 * and the stopper's own Ps count as stopped, so that code holding every P
 * of a heap on one thread works as before. No scheduler: an idle P waits
 * for a thread to call gc_p_acquire.
 */
#include "alloc/internal.h"

static int ownedBySelf(const gc_p *p, pthread_t self) { return pthread_equal(p->owner, self); }

/* Every change of a P's status goes through here (pslock held), so that
 * runningPs counts the P_RUNNING ones. */
static void setStatus(gc_heap *h, gc_p *p, int status)
{
    if (p->status == P_RUNNING && status != P_RUNNING)
        atomic_fetch_sub_explicit(&h->runningPs, 1, memory_order_relaxed);
    else if (p->status != P_RUNNING && status == P_RUNNING)
        atomic_fetch_add_explicit(&h->runningPs, 1, memory_order_relaxed);
    p->status = status;
}

bool gc_ps_busy(gc_heap *h)
{
    return atomic_load_explicit(&h->runningPs, memory_order_relaxed) >= h->ncpu;
}

/* Any P that another thread still runs? (pslock held) */
static int othersRunning(gc_heap *h, pthread_t self)
{
    for (gc_p *p = h->ps; p; p = p->next)
        if (p->status == P_RUNNING && !ownedBySelf(p, self))
            return 1;
    return 0;
}

/* While another thread has the world stopped, this thread's running Ps
 * are parked: wait for the restart (pslock held). */
static void parkSelf(gc_heap *h, pthread_t self)
{
    for (gc_p *p = h->ps; p; p = p->next)
        if (p->status == P_RUNNING && ownedBySelf(p, self))
            setStatus(h, p, P_PARKED);
    pthread_cond_broadcast(&h->pscond);
    while (h->stopping)
        pthread_cond_wait(&h->pscond, &h->pslock);
    for (gc_p *p = h->ps; p; p = p->next)
        if (p->status == P_PARKED && ownedBySelf(p, self))
            setStatus(h, p, P_RUNNING);
}

static int stoppedBySelf(gc_heap *h, pthread_t self)
{
    return h->stopping && pthread_equal(h->stopper, self);
}

bool gc_world_stopped_by_me(gc_heap *h)
{
    pthread_mutex_lock(&h->pslock);
    int r = stoppedBySelf(h, pthread_self());
    pthread_mutex_unlock(&h->pslock);
    return r;
}

void gc_world_stop(gc_heap *h)
{
    pthread_t self = pthread_self();
    pthread_mutex_lock(&h->pslock);
    if (stoppedBySelf(h, self)) {
        h->stopDepth++;
        pthread_mutex_unlock(&h->pslock);
        return;
    }
    while (h->stopping)
        parkSelf(h, self);
    h->stopping = 1;
    h->stopper = self;
    h->stopDepth = 1;
    /* Release: a P that sees its poll (gc_safepoint_slow's acquire fence)
     * sees the stop too; it checks under pslock anyway. */
    for (gc_p *p = h->ps; p; p = p->next)
        if (p->status == P_RUNNING && !ownedBySelf(p, self))
            atomic_store_explicit(&p->poll.pending, 1, memory_order_release);
    while (othersRunning(h, self))
        pthread_cond_wait(&h->pscond, &h->pslock);
    /* The background sweeper too (it takes no pslock: no cycle). */
    gc_bgsweep_park(h);
    pthread_mutex_unlock(&h->pslock);
}

void gc_world_start(gc_heap *h)
{
    pthread_mutex_lock(&h->pslock);
    if (--h->stopDepth == 0) {
        gc_bgsweep_unpark(h);
        h->stopping = 0;
        pthread_cond_broadcast(&h->pscond);
    }
    pthread_mutex_unlock(&h->pslock);
}

void gc_p_park(gc_p *p)
{
    gc_heap *h = p->heap;
    /* The caller read its poll set by the stopper's release store: after
     * this fence, stopping reads 1 if that stop is why. A poll set for
     * another reason costs no lock. */
    atomic_thread_fence(memory_order_acquire);
    if (!atomic_load_explicit(&h->stopping, memory_order_relaxed))
        return;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&h->pslock);
    while (h->stopping && !stoppedBySelf(h, self))
        parkSelf(h, self);
    pthread_mutex_unlock(&h->pslock);
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
    p->slow = (uint8_t)(h->opts.debug.gcstress || h->opts.debug.clobberfree || GC_ASAN ||
                        (h->opts.concurrent && h->opts.debug.gcconcurrentstress >= 2));
    pthread_t self = pthread_self();
    pthread_mutex_lock(&h->pslock);
    /* Not in the middle of someone else's pause: gcphase is stable here. */
    while (h->stopping && !stoppedBySelf(h, self))
        parkSelf(h, self);
    if (h->gcphase == GC_MARK)
        gc_gcw_init(&p->gcw, &h->work);
    p->status = P_IDLE; /* not yet counted */
    setStatus(h, p, P_RUNNING);
    p->owner = self;
    p->next = h->ps;
    if (h->ps)
        h->ps->prev = p;
    h->ps = p;
    h->stats.num_mutators++;
    pthread_mutex_unlock(&h->pslock);
    return p;
}

void gc_p_free(gc_p *p)
{
    if (!p)
        return;
    gc_heap *h = p->heap;
    /* A short pause: the P's spans and grey objects go back to the heap
     * while no one else allocates or marks on a P. */
    gc_world_stop(h);
    gc_mcache_releaseAll(p);
    if (h->gcphase == GC_MARK) {
        /* Its grey objects and marked bytes go to the collecting thread's. */
        gc_wbBuf_flush(p);
        gc_gcw_flush(&p->gcw);
        h->gcw.bytesMarked += p->gcw.bytesMarked;
        h->gcw.objsScanned += p->gcw.objsScanned;
        gc_gcw_dispose(&p->gcw);
    }
    pthread_mutex_lock(&h->pslock);
    if (p->prev)
        p->prev->next = p->next;
    else
        h->ps = p->next;
    if (p->next)
        p->next->prev = p->prev;
    setStatus(h, p, P_IDLE);
    h->stats.num_mutators--;
    pthread_mutex_unlock(&h->pslock);
    gc_world_start(h);
    gc_sys_free(p, sizeof *p);
}

void gc_p_release(gc_p *p)
{
    gc_heap *h = p->heap;
    pthread_mutex_lock(&h->pslock);
    setStatus(h, p, P_IDLE);
    pthread_cond_broadcast(&h->pscond);
    pthread_mutex_unlock(&h->pslock);
}

void gc_p_acquire(gc_p *p)
{
    gc_heap *h = p->heap;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&h->pslock);
    for (;;) {
        if (h->stopping && !stoppedBySelf(h, self)) {
            parkSelf(h, self);
            continue;
        }
        if (p->status == P_IDLE)
            break;
        pthread_cond_wait(&h->pscond, &h->pslock);
    }
    setStatus(h, p, P_RUNNING);
    p->owner = self;
    pthread_mutex_unlock(&h->pslock);
}

void gc_p_poke(gc_p *p)
{
    atomic_store_explicit(&p->poll.pending, 1, memory_order_release);
}
