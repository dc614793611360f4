/*
 * thread.c: toy's threads (`go f(x)`) and their scheduler: Go's runtime
 * (proc.go: the M that runs toy code holding a P, handoff at blocking,
 * preemption; the deadlock check of checkdead) reduced to what a VM on
 * OS threads needs.
 *
 * Each toy thread is an OS thread with its own vm_state: value stack,
 * frames, temporary roots, step count, error message and gc_p; the
 * program, globals, functions and heap are the first state's (main's),
 * shared. A thread runs toy code only while it holds a run token; there
 * are `running` tokens (TOYMAXPROCS, Go's GOMAXPROCS). A thread gives its
 * token back when it blocks on a channel, exits, or is preempted, and
 * hands it straight to the first thread queued for one (FIFO), so a
 * thread that yields cannot take it back ahead of the others.
 *
 * Threads run in parallel, up to TOYMAXPROCS at once, on one heap: each
 * thread owns its gc_p while it runs and releases it before it blocks
 * (alloc.h's contract: gc_p_release at a safepoint, gc_p_acquire after,
 * which waits while the world is stopped), channels and the thread list
 * are under the scheduler's lock, and the roots callback reads every
 * thread's stack under that lock (a thread never allocates, nor waits
 * for a stopped world, holding it). VM_SERIAL_THREADS = 1 runs one
 * thread at a time whatever TOYMAXPROCS says (a debugging switch: the
 * token hand-off then orders every heap access of one thread before the
 * next one's).
 *
 * Preemption: a thread that waits for a token longer than a time slice
 * pokes the P of every running thread (gc_p_poke) and sets its preempt
 * flag; the running thread's next poll (a call or a loop's back edge)
 * takes alloc's slow path, then vm_thread_poll hands its token over. So a
 * loop that never blocks cannot starve the others, even with one token.
 *
 * Stopping: when main returns, when any thread calls exit or fails, or at
 * a deadlock (every thread asleep on a channel: Go's "all goroutines are
 * asleep"), every thread gets the stop flag and a poke; running threads
 * stop at their next safepoint, sleeping ones wake and stop; main's
 * vm_run waits for all of them and joins them before it returns.
 *
 * Locking: S->mu guards every field of vm_sched and vm_thread, and a
 * thread's V->gcp (others poke it), except flags (atomic: written under mu, read by its own thread's polls without
 * it; relaxed is enough there because what the flag asks for is then
 * done under mu) and channels' contents (chan.c, also under mu).
 */
#include "vm/vmint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 1: one token whatever TOYMAXPROCS says (see above). */
#define VM_SERIAL_THREADS 0

/* How long a thread waits for a token before it preempts (Go's sysmon
 * forcePreemptNS is 10 ms). */
#define TIME_SLICE_NS 10000000L

enum { FLAG_PREEMPT = 1, FLAG_STOP = 2 };

struct vm_thread {
    vm_state *V;
    int id; /* 1 = main, then in creation order */
    pthread_t tid;
    pthread_cond_t cv;      /* its token arrived, or its channel changed, or stop */
    vm_thread *next, *prev; /* the live threads, main first */
    vm_thread *qnext;       /* the run queue */
    vm_thread *donenext;    /* finished, to be joined */
    bool has_token;         /* handed over by put_token */
    bool running;           /* holds a token */
    const void *waiting;    /* the channel it sleeps on; NULL when awake */
    _Atomic(uint32_t) flags;
};

struct vm_sched {
    pthread_mutex_t mu;
    pthread_mutex_t stdmu; /* vm_std_lock: the library's shared state */
    pthread_cond_t idle; /* a thread exited: vm_sched_finish waits on it */
    vm_thread *first, *last;
    int nthreads, nasleep;
    int tokens; /* free run tokens */
    int maxprocs;
    vm_thread *qhead, *qtail;
    vm_thread *done;
    int nextid;
    bool stopping;
    int status;
};

uint32_t vm_thread_flags(const vm_thread *t)
{
    return atomic_load_explicit(&((vm_thread *)t)->flags, memory_order_relaxed);
}

static void lock(vm_sched *S) { pthread_mutex_lock(&S->mu); }
static void unlock(vm_sched *S) { pthread_mutex_unlock(&S->mu); }

static void link_thread(vm_sched *S, vm_thread *t)
{
    t->prev = S->last;
    t->next = NULL;
    if (S->last)
        S->last->next = t;
    else
        S->first = t;
    S->last = t;
    S->nthreads++;
}

static void unlink_thread(vm_sched *S, vm_thread *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        S->first = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        S->last = t->prev;
    S->nthreads--;
}

/* Ask every running thread to stop by at its next poll. */
static void preempt_running(vm_sched *S)
{
    for (vm_thread *r = S->first; r; r = r->next)
        if (r->running && r->V->gcp) {
            atomic_fetch_or_explicit(&r->flags, FLAG_PREEMPT, memory_order_relaxed);
            gc_p_poke(r->V->gcp);
        }
}

/* Under mu: wait for a token (FIFO), preempting a running thread when
 * the wait passes a time slice. */
static void get_token(vm_sched *S, vm_thread *t)
{
    if (S->tokens > 0 && !S->qhead) {
        S->tokens--;
        t->running = true;
        return;
    }
    t->qnext = NULL;
    if (S->qtail)
        S->qtail->qnext = t;
    else
        S->qhead = t;
    S->qtail = t;
    while (!t->has_token) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TIME_SLICE_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&t->cv, &S->mu, &ts) == ETIMEDOUT && !t->has_token &&
            S->qhead == t)
            preempt_running(S);
    }
    t->has_token = false;
    t->running = true;
}

/* Under mu: give t's token to the first queued thread, or back. */
static void put_token(vm_sched *S, vm_thread *t)
{
    t->running = false;
    vm_thread *h = S->qhead;
    if (h) {
        S->qhead = h->qnext;
        if (!S->qhead)
            S->qtail = NULL;
        h->has_token = true;
        pthread_cond_signal(&h->cv);
    } else {
        S->tokens++;
    }
}

/* Under mu: the program stops with status; every thread is told. */
static void stop_all(vm_sched *S, int status)
{
    if (S->stopping)
        return;
    S->stopping = true;
    S->status = status;
    for (vm_thread *t = S->first; t; t = t->next) {
        atomic_fetch_or_explicit(&t->flags, FLAG_STOP, memory_order_relaxed);
        if (t->V->gcp)
            gc_p_poke(t->V->gcp);
        pthread_cond_signal(&t->cv);
    }
}

/* Under mu: every live thread sleeps on a channel. */
static void deadlock(vm_sched *S)
{
    FILE *e = S->first->V->err;
    fprintf(e, "error: all threads are asleep - deadlock!\n");
    for (vm_thread *t = S->first; t; t = t->next) {
        if (!t->waiting)
            continue;
        fprintf(e, "thread %d (waiting on a channel):\n", t->id);
        vm_trace(t->V, e);
    }
    fflush(e);
    stop_all(S, VM_STATUS_ERROR);
}

static void check_dead(vm_sched *S)
{
    if (!S->stopping && S->nthreads > 0 && S->nasleep == S->nthreads)
        deadlock(S);
}

/* Under mu, with a token: take V's P back, outside mu, since
 * gc_p_acquire waits while another thread has the world stopped, and
 * that thread's roots callback takes mu. */
static void reacquire(vm_state *V)
{
    unlock(V->sched);
    gc_p_acquire(V->gcp);
    lock(V->sched);
}

int vm_thread_poll(vm_state *V)
{
    vm_thread *t = V->thread;
    vm_sched *S = V->sched;
    uint32_t f = atomic_load_explicit(&t->flags, memory_order_relaxed);
    if (!f)
        return 0;
    lock(S);
    if (f & FLAG_PREEMPT) {
        atomic_fetch_and_explicit(&t->flags, ~(uint32_t)FLAG_PREEMPT, memory_order_relaxed);
        if (S->qhead && !S->stopping) {
            gc_p_release(V->gcp);
            put_token(S, t);
            get_token(S, t);
            reacquire(V);
        }
    }
    bool stop = S->stopping;
    int status = S->status;
    unlock(S);
    if (stop) {
        V->exiting = true;
        V->exit_code = status;
        return 1;
    }
    return 0;
}

/* ---- channels' waits (chan.c) ---- */

/* Under mu, at a safepoint (the caller saved its pc): sleep until a
 * thread changes channel c (vm_chan_wake) or the program stops. mu is
 * released while it sleeps and while it takes its P back, so the caller
 * looks at the channel again. 0, or 1 when it stops (V->exiting set). */
int vm_chan_sleep(vm_state *V, const void *c)
{
    vm_thread *t = V->thread;
    vm_sched *S = V->sched;
    if (S->stopping)
        goto stop;
    t->waiting = c;
    S->nasleep++;
    check_dead(S);
    gc_p_release(V->gcp);
    put_token(S, t);
    while (t->waiting && !S->stopping)
        pthread_cond_wait(&t->cv, &S->mu);
    if (t->waiting) {
        t->waiting = NULL;
        S->nasleep--;
    }
    get_token(S, t);
    reacquire(V);
    if (!S->stopping)
        return 0;
stop:
    V->exiting = true;
    V->exit_code = S->status;
    return 1;
}

/* Under mu: wake every thread sleeping on c; each looks again. Returns
 * how many there were. */
int vm_chan_wake(vm_state *V, const void *c)
{
    vm_sched *S = V->sched;
    int n = 0;
    for (vm_thread *t = S->first; t; t = t->next)
        if (t->waiting == c) {
            t->waiting = NULL;
            S->nasleep--;
            pthread_cond_signal(&t->cv);
            n++;
        }
    return n;
}

void vm_chan_lock(vm_state *V) { lock(V->sched); }

/* A thread that must wait for the library's lock gives its P back
 * meanwhile: the holder may allocate, and a pause must not wait on a
 * thread that waits on it. */
void vm_std_lock(vm_state *V)
{
    vm_sched *S = V->sched;
    if (!S || pthread_mutex_trylock(&S->stdmu) == 0)
        return;
    gc_p_release(V->gcp);
    pthread_mutex_lock(&S->stdmu);
    gc_p_acquire(V->gcp);
}

void vm_std_unlock(vm_state *V)
{
    if (V->sched)
        pthread_mutex_unlock(&V->sched->stdmu);
}
void vm_chan_unlock(vm_state *V) { unlock(V->sched); }

/* ---- the scheduler's life ---- */

static vm_thread *thread_new(vm_state *V)
{
    vm_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (pthread_cond_init(&t->cv, NULL) != 0) {
        free(t);
        return NULL;
    }
    t->V = V;
    return t;
}

static void thread_free(vm_thread *t)
{
    pthread_cond_destroy(&t->cv);
    free(t);
}

int vm_sched_new(vm_state *V, int maxprocs)
{
    vm_sched *S = calloc(1, sizeof *S);
    if (!S)
        return -1;
    if (pthread_mutex_init(&S->mu, NULL) != 0) {
        free(S);
        return -1;
    }
    if (pthread_cond_init(&S->idle, NULL) != 0) {
        pthread_mutex_destroy(&S->mu);
        free(S);
        return -1;
    }
    if (pthread_mutex_init(&S->stdmu, NULL) != 0) {
        pthread_cond_destroy(&S->idle);
        pthread_mutex_destroy(&S->mu);
        free(S);
        return -1;
    }
    if (maxprocs <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        maxprocs = n > 0 ? (int)(n < 256 ? n : 256) : 1;
    }
    S->maxprocs = maxprocs;
    V->sched = S;
    V->main = V;
    V->thread = thread_new(V);
    if (!V->thread)
        return -1;
    V->thread->id = ++S->nextid;
    link_thread(S, V->thread);
    S->tokens = VM_SERIAL_THREADS ? 1 : S->maxprocs;
    return 0;
}

/* Join the threads that have finished. Without mu (a join may wait for
 * the last instructions of the thread). */
static void join_done(vm_sched *S)
{
    lock(S);
    vm_thread *d = S->done;
    S->done = NULL;
    unlock(S);
    while (d) {
        vm_thread *n = d->donenext;
        pthread_join(d->tid, NULL);
        thread_free(d);
        d = n;
    }
}

void vm_sched_free(vm_state *V)
{
    vm_sched *S = V->sched;
    if (!S)
        return;
    join_done(S);
    if (V->thread)
        thread_free(V->thread);
    pthread_cond_destroy(&S->idle);
    pthread_mutex_destroy(&S->stdmu);
    pthread_mutex_destroy(&S->mu);
    free(S);
    V->sched = NULL;
    V->thread = NULL;
}

/* vm_run's start: main takes a token; the program runs again. */
void vm_sched_start(vm_state *V)
{
    vm_sched *S = V->sched;
    lock(S);
    S->stopping = false;
    S->status = 0;
    atomic_store_explicit(&V->thread->flags, 0, memory_order_relaxed);
    get_token(S, V->thread);
    unlock(S);
}

int vm_sched_finish(vm_state *V, int status, bool reported)
{
    vm_sched *S = V->sched;
    vm_thread *t = V->thread;
    lock(S);
    /* Whoever stopped the program first gives its status: main's return,
     * exit or error, or another thread's exit, error or a deadlock. */
    (void)reported;
    stop_all(S, status);
    status = S->status;
    gc_p_release(V->gcp);
    put_token(S, t);
    while (S->nthreads > 1)
        pthread_cond_wait(&S->idle, &S->mu);
    unlock(S);
    /* Main alone: the host may use the heap (its own P) until the next
     * vm_run takes the token again. */
    gc_p_acquire(V->gcp);
    join_done(S);
    return status;
}

void vm_thread_error(vm_state *V)
{
    vm_sched *S = V->sched;
    lock(S);
    if (!S->stopping) {
        fprintf(V->err, "error: %s\n", V->errmsg);
        vm_trace(V, V->err);
        fflush(V->err);
        stop_all(S, VM_STATUS_ERROR);
    }
    unlock(S);
}

void vm_threads_roots(gc_marker *m, vm_state *V)
{
    vm_sched *S = V->sched;
    lock(S);
    for (vm_thread *t = S->first; t; t = t->next)
        vm_frames_roots(m, t->V);
    unlock(S);
}

/* ---- go ---- */

static void state_free(vm_state *T)
{
    if (T->gcp)
        gc_p_free(T->gcp);
    vm_stack_free(T);
    free(T);
}

static void *thread_main(void *arg)
{
    vm_state *T = arg;
    vm_thread *t = T->thread;
    vm_sched *S = T->sched;
    lock(S);
    get_token(S, t);
    bool stop = S->stopping;
    unlock(S);
    gc_p_acquire(T->gcp);
    T->nroots = 0; /* the arguments are the frame's now (vm_go) */
    int r = stop ? 1 : vm_execute(T);
    if (r < 0) {
        vm_thread_error(T);
    } else if (r > 0) {
        lock(S);
        if (!S->stopping)
            stop_all(S, T->exit_code); /* exit(code) */
        unlock(S);
    }
    /* Its P goes while it still holds a token; no one pokes it from the
     * moment its gcp is NULL (under mu: preempt_running and stop_all read
     * it). Then it leaves the list (the roots callback stops reading its
     * stack) and hands the token on. */
    lock(S);
    gc_p *p = T->gcp;
    T->gcp = NULL;
    unlock(S);
    gc_p_free(p);
    lock(S);
    unlink_thread(S, t);
    t->donenext = S->done;
    S->done = t;
    put_token(S, t);
    check_dead(S);
    pthread_cond_broadcast(&S->idle);
    unlock(S);
    state_free(T);
    return NULL;
}

/* go: args[0] is the function value, args[1..nargs-1] its arguments.
 * types is the call's type list (which arguments are references). The
 * new thread's bottom frame holds them before it is listed; until it
 * runs, its frame has no stack map (its pc is the callee's first
 * instruction), so the references among them are also its temporary
 * roots, dropped when it starts: from its first safepoint on, that
 * safepoint's map lists the parameters still live. */
int vm_go(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    vm_sched *S = V->sched;
    vm_closure *cl = args[0].p;
    if (!cl)
        return vm_error(V, "go of nil function");
    join_done(S);
    const vm_fn *fn = cl->fn;
    vm_state *T = calloc(1, sizeof *T);
    if (!T)
        return vm_error(V, "out of memory");
    vm_state *M = V->main;
    /* Shared with main: the program and everything made from it. */
    T->prog = M->prog;
    T->in = M->in;
    T->out = M->out;
    T->err = M->err;
    T->heap = M->heap;
    T->barrier = M->barrier;
    T->hashseed = M->hashseed;
    T->cellsite = M->cellsite;
    T->arraysite = M->arraysite;
    T->fns = M->fns;
    T->structlayouts = M->structlayouts;
    T->closurelayouts = M->closurelayouts;
    T->builtins = M->builtins;
    T->kmasks = M->kmasks;
    T->globals = M->globals;
    T->max_depth = M->max_depth;
    T->movestack = M->movestack;
    T->limited = V->limited;
    T->steps = V->steps;
    T->argc = M->argc;
    T->argv = M->argv;
    T->ud = M->ud;
    T->sched = S;
    T->main = M;
    T->prof_next = INT64_MAX; /* the allocation profile samples main's allocations */
    vm_callstub_init(T);
    T->gcp = gc_p_new(T->heap);
    if (!T->gcp)
        goto oom;
    T->gcwin = gc_p_windows(T->gcp);
    T->poll = gc_p_poll(T->gcp);
    if (vm_grow_stack(T, (size_t)fn->nregs > 1024 ? (size_t)fn->nregs : 1024) != 0 ||
        vm_grow_frames(T) != 0)
        goto oom;
    memset(T->stack, 0, (size_t)fn->nregs * sizeof(vm_value));
    for (int j = 1; j < nargs && j - 1 < fn->nregs; j++) {
        T->stack[j - 1] = args[j];
        int32_t rt = j < types[0] ? types[1 + j] : -1;
        if (rt >= 0 && (uint32_t)rt < T->prog->nrtypes &&
            VM_KIND_IS_REF(T->prog->rtypes[rt].kind) && args[j].p &&
            vm_root_push(T, args[j].p) != 0)
            goto oom;
    }
    vm_frame *fr = T->top = &T->frames[0];
    fr->pc = fn->code;
    fr->fn = fn;
    fr->cl = cl;
    fr->base = T->stack;
    T->thread = thread_new(T);
    if (!T->thread)
        goto oom;
    lock(S);
    if (S->stopping) {
        unlock(S);
        thread_free(T->thread);
        state_free(T);
        return 0;
    }
    T->thread->id = ++S->nextid;
    link_thread(S, T->thread);
    /* The P is the new thread's: it acquires it when it starts. */
    gc_p_release(T->gcp);
    int rc = pthread_create(&T->thread->tid, NULL, thread_main, T);
    if (rc != 0) {
        unlink_thread(S, T->thread);
        unlock(S);
        gc_p_acquire(T->gcp); /* its owner frees it */
        thread_free(T->thread);
        state_free(T);
        return vm_error(V, "cannot start a thread: %s", strerror(rc));
    }
    unlock(S);
    return 0;
oom:
    if (T->thread)
        thread_free(T->thread);
    state_free(T);
    return vm_error(V, "out of memory");
}
