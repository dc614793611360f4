/*
 * mgcworker.c: a heap's mark worker threads, as Go's gcBgMarkWorker and
 * gcBgMarkStartWorkers (mgc.go): made at the heap's first parallel mark,
 * parked on a condition variable between marks, and joined by
 * gc_heap_free. Each heap has its own pool. A stop-the-world mark runs
 * them beside the collecting thread, on every CPU (gcprocs), as the host
 * is stopped anyway. A concurrent mark runs them without it, in rounds:
 * a round's workers drain until none has work and the queue is empty;
 * the last one raises every P's poll, and the host's next poll either
 * ends the mark or, if its barrier and assists left grey objects, starts
 * another round (mgc.c). Their number is Go's 25% goal (gcController's
 * dedicated and fractional workers, mgcpacer.c); the fractional one
 * sleeps when past its share of a CPU. Procs of gcprocs that neither the
 * host's threads nor the dedicated workers use mark in idle mode, as Go's
 * idle-priority workers (gc_pacer_idleProcs): the fractional worker
 * stops sleeping (its proc is idle beside it) and further threads join
 * the round; their CPU is counted as idle marking, which the pacer and
 * the CPU limiter do not charge to the host.
 * Departures: Go's workers are goroutines scheduled on the Ps, and an
 * idle worker gives its P back the moment a goroutine wants it; here
 * they are threads the OS schedules, and whether a proc is idle is
 * decided once per round from the Ps the host holds (a program that
 * leaves a CPU idle gets it marked; other processes on the machine are
 * the OS's business, as for Go). A thread the OS refuses is simply not
 * used.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "alloc/internal.h"

typedef struct gcMarkWorker {
    gcWork gcw;         /* first: cache-line aligned */
    gc_heap *heap;
    gcMarkPool *pool;
    unsigned id;        /* 1.. (0 is the collecting thread) */
    uint64_t cpu_ns;    /* this round */
    uint64_t idle_ns;   /* of it, in idle mode */
    uint64_t born;      /* pool->cycle when the thread was made: it runs from the next */
    pthread_t thread;
} gcMarkWorker;

struct gcMarkPool {
    pthread_mutex_t lock;
    pthread_cond_t wake;    /* cycle changed, or quit */
    pthread_cond_t done;    /* running reached 0 */
    uint64_t cycle;         /* marks started; a worker runs once per change */
    unsigned nactive;       /* workers 1..nactive take part in this mark */
    unsigned nbg;           /* of them, 1..nbg are dedicated or fractional, the rest idle */
    unsigned running;       /* of them, still draining */
    unsigned nthreads;      /* threads made */
    int background;         /* this round is a concurrent mark's */
    double fraction;        /* ... and worker 1 is fractional, with this share of a CPU */
    int fractionIdle;       /* ... which it may exceed: its proc is idle otherwise */
    pid_t pid;              /* the process that made them */
    int quit;
    gcMarkWorker w[GC_MAX_PROCS];
};

uint64_t gc_thread_cputime(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The last worker of a concurrent round: the host's next poll looks at
 * the mark (release: what the workers did is visible to whoever sees
 * bgRunning at 0 with acquire). */
static void roundDone(gc_heap *h)
{
    atomic_store_explicit(&h->roundEndNs, gc_nanotime(), memory_order_relaxed);
    atomic_store_explicit(&h->bgRunning, 0, memory_order_release);
    /* Release: a P that reads the poll (gc_safepoint_slow's acquire fence)
     * sees bgRunning at 0 too. */
    pthread_mutex_lock(&h->pslock);
    for (gc_p *p = h->ps; p; p = p->next)
        atomic_store_explicit(&p->poll.pending, 1, memory_order_release);
    pthread_mutex_unlock(&h->pslock);
}

static void *workerMain(void *arg)
{
    gcMarkWorker *mw = arg;
    gcMarkPool *pool = mw->pool;
    pthread_mutex_lock(&pool->lock);
    uint64_t seen = mw->born;
    for (;;) {
        while (pool->cycle == seen && !pool->quit)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->quit)
            break;
        seen = pool->cycle;
        if (mw->id > pool->nactive)
            continue;
        int background = pool->background;
        double fraction = mw->id == 1 ? pool->fraction : 0;
        int fractionIdle = mw->id == 1 && pool->fractionIdle;
        int idle = background && mw->id > pool->nbg;
        pthread_mutex_unlock(&pool->lock);

        uint64_t c0 = gc_thread_cputime(), w0 = gc_nanotime();
        gc_gcw_init(&mw->gcw, &mw->heap->work);
        if (background)
            gc_mark_drainBackground(mw->heap, &mw->gcw, fractionIdle ? 0 : fraction);
        else
            gc_mark_drain(mw->heap, &mw->gcw);
        gc_gcw_dispose(&mw->gcw);
        mw->cpu_ns = gc_thread_cputime() - c0;
        mw->idle_ns = idle ? mw->cpu_ns : 0;
        if (fractionIdle) {
            /* Past its share, the fractional worker marked in idle mode. */
            double share = fraction * (double)(gc_nanotime() - w0);
            mw->idle_ns = (double)mw->cpu_ns > share ? mw->cpu_ns - (uint64_t)share : 0;
        }

        pthread_mutex_lock(&pool->lock);
        if (--pool->running == 0) {
            pthread_cond_signal(&pool->done);
            if (background)
                roundDone(mw->heap);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static gcMarkPool *poolNew(gc_heap *h)
{
    gcMarkPool *pool = gc_sys_alloc(NULL, sizeof *pool);
    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->pid = getpid();
    for (unsigned i = 0; i < GC_MAX_PROCS; i++) {
        pool->w[i].heap = h;
        pool->w[i].pool = pool;
        pool->w[i].id = i;
    }
    return pool;
}

/* A forked child has none of its parent's threads: it forgets the pool
 * (its memory is the child's to lose) and makes its own. */
static void forgetIfForked(gc_heap *h)
{
    if (h->markpool && h->markpool->pid != getpid())
        h->markpool = NULL;
}

int gc_markpool_forked(gc_heap *h) { return h->markpool && h->markpool->pid != getpid(); }

static unsigned poolStart(gc_heap *h, unsigned nworkers, unsigned nbg, int background, double fraction,
                          int fractionIdle);

unsigned gc_markpool_start(gc_heap *h, unsigned nworkers)
{
    return poolStart(h, nworkers, nworkers, 0, 0, 0);
}

/* The fractional worker takes the first idle proc; each other one gets
 * an idle worker of its own. */
unsigned gc_markpool_startBackground(gc_heap *h)
{
    if (h->bgWorkers == 0)
        return 0;
    gc_pacer_idleProcs(h);
    unsigned idle = h->bgIdleProcs;
    int fractionIdle = h->bgFraction > 0 && idle > 0;
    if (fractionIdle)
        idle--;
    return poolStart(h, h->bgWorkers + idle, h->bgWorkers, 1, h->bgFraction, fractionIdle);
}

static unsigned poolStart(gc_heap *h, unsigned nworkers, unsigned nbg, int background, double fraction,
                          int fractionIdle)
{
    forgetIfForked(h);
    if (!h->markpool && !(h->markpool = poolNew(h)))
        return 0;
    gcMarkPool *pool = h->markpool;
    if (nworkers > GC_MAX_PROCS - 1)
        nworkers = GC_MAX_PROCS - 1;
    /* Marking does not recurse: a small stack is plenty. */
    pthread_attr_t attr;
    int attrOk = pthread_attr_init(&attr) == 0;
    if (attrOk)
        pthread_attr_setstacksize(&attr, 256 << 10);
    while (pool->nthreads < nworkers) {
        gcMarkWorker *mw = &pool->w[pool->nthreads + 1];
        mw->born = pool->cycle;
        if (pthread_create(&mw->thread, attrOk ? &attr : NULL, workerMain, mw) != 0)
            break;
        pool->nthreads++;
    }
    if (attrOk)
        pthread_attr_destroy(&attr);
    if (nworkers > pool->nthreads)
        nworkers = pool->nthreads;
    if (nworkers == 0)
        return 0;
    /* nproc before anyone can wait on it; the mutex publishes it (and the
     * heap the workers will read) to the workers. A background round does
     * not count the calling thread. */
    h->work.nproc = nworkers + (background ? 0 : 1);
    atomic_store(&h->work.nwait, 0);
    if (background)
        atomic_store_explicit(&h->bgRunning, nworkers, memory_order_relaxed);
    pthread_mutex_lock(&pool->lock);
    pool->cycle++;
    pool->background = background;
    pool->fraction = fraction;
    pool->fractionIdle = fractionIdle;
    pool->nbg = nbg;
    pool->nactive = nworkers;
    pool->running = nworkers;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    return nworkers;
}

void gc_markpool_wait(gc_heap *h, uint64_t *cpu_ns, uint64_t *idle_ns, uint64_t *bytes, uint64_t *objs)
{
    gcMarkPool *pool = h->markpool;
    pthread_mutex_lock(&pool->lock);
    while (pool->running)
        pthread_cond_wait(&pool->done, &pool->lock);
    for (unsigned i = 1; i <= pool->nactive; i++) {
        *cpu_ns += pool->w[i].cpu_ns;
        *idle_ns += pool->w[i].idle_ns;
        *bytes += pool->w[i].gcw.bytesMarked;
        *objs += pool->w[i].gcw.objsScanned;
    }
    pthread_mutex_unlock(&pool->lock);
    h->work.nproc = 1;
}

void gc_markpool_destroy(gc_heap *h)
{
    forgetIfForked(h);
    gcMarkPool *pool = h->markpool;
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 1; i <= pool->nthreads; i++)
        pthread_join(pool->w[i].thread, NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    gc_sys_free(pool, sizeof *pool);
    h->markpool = NULL;
}
