/*
 * mgcwork.c: the gray object queue, as Go's mgcwork.go (gcWork, workbuf,
 * getempty/putempty/putfull/trygetfull, handoff, balance) and the blocking
 * getfull of Go's STW mark termination (Go 1.10 gcDrainBlock: work.nwait,
 * work.nproc). Object addresses live in 64 KiB blocks obtained with mmap,
 * outside the heap. Marking never recurses: a list of ten million cells
 * costs one queue entry at a time, not ten million C frames.
 *
 * Each mark worker (the collecting thread and the heap's mark threads
 * while the world is stopped; the background threads, and each P for its
 * barrier and its assists, during a concurrent mark) owns a gcWork of two
 * buffers; full buffers are shared through one list under a mutex, taken
 * about once per 8,000 objects. The mark is over when every worker is
 * looking for work and the list is empty (nwait == nproc); a worker with
 * nothing to do sleeps until a buffer is published or the mark ends.
 * During a concurrent mark, nproc counts the background workers only: Ps
 * publish work without waiting for any, and the end of a round is only a
 * candidate end of the mark (mgc.c's markDone flushes the Ps and looks
 * again).
 * Spare buffers go back to the OS after each mark (gc_work_freeSome, Go's
 * freeSomeWbufs), a bounded number at a time, so a mark that once needed a
 * large queue does not keep it.
 * Departures: the shared lists are a mutex-guarded stack, not lock-free
 * lfstacks (a buffer moves about once per 8,000 objects, so the lock is
 * cold).
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc/internal.h"

static inline void cpuRelax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void gc_work_init(gcWorkQueue *q, FILE *trace)
{
    q->trace = trace;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->more, NULL);
    q->sleepers = 0;
    atomic_init(&q->full, NULL);
    atomic_init(&q->nwait, 0);
    q->empty = NULL;
    q->nbufs = q->nempty = q->nbufsPeak = 0;
    q->nbufsFreed = 0;
    atomic_init(&q->oblets, 0);
    q->nproc = 1;
}

static workbuf *getempty(gcWorkQueue *q)
{
    pthread_mutex_lock(&q->lock);
    workbuf *b = q->empty;
    if (b) {
        q->empty = b->next;
        q->nempty--;
    } else {
        /* Not a failure-injection point (NULL heap): marking cannot back
         * out half way, and Go throws here too. */
        b = gc_sys_alloc(NULL, sizeof(workbuf));
        if (!b) {
            fprintf(q->trace, "alloc: out of memory for the mark queue\n");
            abort();
        }
        __atomic_store_n(&q->nbufs, q->nbufs + 1, __ATOMIC_RELAXED);
        if (q->nbufs > q->nbufsPeak)
            q->nbufsPeak = q->nbufs;
    }
    pthread_mutex_unlock(&q->lock);
    b->nobj = 0;
    b->next = NULL;
    return b;
}

static void putempty(gcWorkQueue *q, workbuf *b)
{
    pthread_mutex_lock(&q->lock);
    b->next = q->empty;
    q->empty = b;
    q->nempty++;
    pthread_mutex_unlock(&q->lock);
}

void gc_work_freeSome(gcWorkQueue *q, size_t keep, size_t max)
{
    pthread_mutex_lock(&q->lock);
    while (q->nempty > keep && max-- > 0) {
        workbuf *b = q->empty;
        q->empty = b->next;
        q->nempty--;
        __atomic_store_n(&q->nbufs, q->nbufs - 1, __ATOMIC_RELAXED);
        q->nbufsFreed++;
        gc_sys_free(b, sizeof(workbuf));
    }
    pthread_mutex_unlock(&q->lock);
}

static void putfull(gcWorkQueue *q, workbuf *b)
{
    pthread_mutex_lock(&q->lock);
    b->next = atomic_load_explicit(&q->full, memory_order_relaxed);
    atomic_store_explicit(&q->full, b, memory_order_relaxed);
    if (q->sleepers)
        pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);
}

static workbuf *trygetfull(gcWorkQueue *q)
{
    if (gcw_fullEmpty(q))
        return NULL;
    pthread_mutex_lock(&q->lock);
    workbuf *b = atomic_load_explicit(&q->full, memory_order_relaxed);
    if (b)
        atomic_store_explicit(&q->full, b->next, memory_order_relaxed);
    pthread_mutex_unlock(&q->lock);
    return b;
}

void gc_gcw_init(gcWork *w, gcWorkQueue *q)
{
    w->q = q;
    w->wbuf1 = getempty(q);
    w->wbuf2 = getempty(q);
    w->bytesMarked = 0;
    w->objsScanned = 0;
}

void gc_gcw_dispose(gcWork *w)
{
    /* Both are empty: a worker leaves the mark only when there is no work. */
    putempty(w->q, w->wbuf1);
    putempty(w->q, w->wbuf2);
    w->wbuf1 = w->wbuf2 = NULL;
}

/* wbuf1 is full: swap in the spare, or publish wbuf1 and start a new one. */
void gc_gcw_putSlow(gcWork *w, uintptr_t obj)
{
    workbuf *b = w->wbuf2;
    w->wbuf2 = w->wbuf1;
    w->wbuf1 = b;
    if (b->nobj == WORKBUF_OBJS) {
        putfull(w->q, b);
        w->wbuf1 = b = getempty(w->q);
    }
    b->obj[b->nobj++] = obj;
}

/* wbuf1 is empty: the spare, then a full buffer from the shared list. */
uintptr_t gc_gcw_tryGet(gcWork *w)
{
    workbuf *b = w->wbuf1;
    if (b->nobj == 0) {
        w->wbuf1 = w->wbuf2;
        w->wbuf2 = b;
        b = w->wbuf1;
        if (b->nobj == 0) {
            workbuf *f = trygetfull(w->q);
            if (!f)
                return 0;
            putempty(w->q, b);
            w->wbuf1 = b = f;
        }
    }
    return b->obj[--b->nobj];
}

/* The last worker to run out of work wakes the sleepers: the mark is over. */
static void countWaiting(gcWorkQueue *q)
{
    if (atomic_fetch_add(&q->nwait, 1) + 1 == q->nproc && q->nproc > 1) {
        pthread_mutex_lock(&q->lock);
        pthread_cond_broadcast(&q->more);
        pthread_mutex_unlock(&q->lock);
    }
}

/*
 * No local work: wait for a full buffer or for the end of the mark (Go's
 * getfull). A worker counts itself in nwait while it holds no work; the
 * mark is over when all nproc do and the list is empty, because only a
 * worker that holds work can publish more.
 * Departure: Go spins, yields, then sleeps 100 us at a time; here, after
 * a short spin (the work is usually a handoff away), the worker sleeps on
 * a condition variable that putfull and the end of the mark signal. On a
 * machine busier than gcprocs, a spinning or yielding waiter took the CPU
 * from the worker holding the work: with another program on one of two
 * cores, two markers cost twice the cpu of one.
 */
uintptr_t gc_gcw_get(gcWork *w)
{
    uintptr_t obj = gc_gcw_tryGet(w);
    if (obj)
        return obj;
    gcWorkQueue *q = w->q;
    countWaiting(q);
    for (unsigned spins = 0;; spins++) {
        if (!gcw_fullEmpty(q)) {
            atomic_fetch_sub(&q->nwait, 1);
            obj = gc_gcw_tryGet(w);
            if (obj)
                return obj;
            countWaiting(q);
        }
        if (atomic_load(&q->nwait) == q->nproc)
            return 0;
        if (spins < 10) {
            for (int i = 0; i < 20; i++)
                cpuRelax();
            continue;
        }
        /* Checked under the lock that putfull and countWaiting signal
         * under: no wake-up is lost between the test and the wait. */
        pthread_mutex_lock(&q->lock);
        if (gcw_fullEmpty(q) && atomic_load(&q->nwait) != q->nproc) {
            q->sleepers++;
            pthread_cond_wait(&q->more, &q->lock);
            q->sleepers--;
        }
        pthread_mutex_unlock(&q->lock);
    }
}

/*
 * Keep work available to the others (Go's balance): called when the
 * shared list is empty. A whole spare buffer goes as it is; otherwise the
 * older half of wbuf1 does (handoff): it sits nearer the roots, so in a
 * tree it stands for the larger subtrees.
 */
void gc_gcw_balance(gcWork *w)
{
    gcWorkQueue *q = w->q;
    if (w->wbuf2->nobj) {
        putfull(q, w->wbuf2);
        w->wbuf2 = getempty(q);
    } else if (w->wbuf1->nobj > 4) {
        workbuf *b = w->wbuf1, *nb = getempty(q);
        size_t n = b->nobj / 2;
        b->nobj -= n;
        nb->nobj = n;
        memcpy(nb->obj, &b->obj[b->nobj], n * sizeof b->obj[0]);
        putfull(q, b);
        w->wbuf1 = nb;
    }
}

/* Publish every grey object w holds, keeping it ready for more: how an
 * assist, a barrier flush and a fractional worker going to sleep leave
 * their work to the others (Go's gcWork.dispose). */
void gc_gcw_flush(gcWork *w)
{
    if (w->wbuf1->nobj) {
        putfull(w->q, w->wbuf1);
        w->wbuf1 = getempty(w->q);
    }
    if (w->wbuf2->nobj) {
        putfull(w->q, w->wbuf2);
        w->wbuf2 = getempty(w->q);
    }
}

void gc_work_destroy(gc_heap *h)
{
    gcWorkQueue *q = &h->work;
    for (int pass = 0; pass < 2; pass++) {
        workbuf *b = pass ? q->empty : atomic_load(&q->full);
        while (b) {
            workbuf *n = b->next;
            gc_sys_free(b, sizeof(workbuf));
            b = n;
        }
    }
    atomic_store(&q->full, NULL);
    q->empty = NULL;
    q->nbufs = q->nempty = 0;
    pthread_cond_destroy(&q->more);
    pthread_mutex_destroy(&q->lock);
}
