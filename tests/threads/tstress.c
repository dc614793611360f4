/*
 * tstress.c: several mutator threads on one heap (alloc/mproc.c), checked
 * against a model. Each thread owns a P, allocates, links its nodes into
 * a structure the threads share (slots under one mutex) and drops them
 * from it, with every store through gc_write_pointer; cycles stop the
 * world by the handshake while the others run; every so many steps a
 * thread gives its P back and blocks (on the structure's mutex) before
 * taking the P again. The model: each node records the ids its two
 * pointers should reach and a checksum of the three, so a node freed
 * while reachable (and then poisoned or reused) shows as a wrong id or
 * sum. After every collection a thread sees, it runs gc_verify and walks
 * the whole structure; at the end the calling thread forces one more
 * cycle and walks it once more.
 * Allocation is a safepoint, so a thread keeps its live pointers in its
 * locals (its "stack", reported by the roots callback) across it, and
 * never allocates or polls while it holds the structure's mutex: a pause
 * would wait for the threads blocked on that mutex with their Ps.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/threads/tstress.h"

enum { NLOCALS = 2, CHAIN_MAX = 1 << 22, VERIFY_EVERY = 128 };

/* A node: two pointers, the ids they should reach (0: NULL) and a sum. */
typedef struct node {
    struct node *next, *other;
    uint64_t id, nextId, otherId, check;
} node;
static const uint8_t nodeMask[] = {0x3};
static const gc_type nodeType = {sizeof(node), 16, nodeMask, "tstress.node"};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ x >> 29;
}
static uint64_t nodeSum(const node *n) { return mix(n->id ^ mix(n->nextId ^ mix(n->otherId))); }

typedef struct shared shared;
typedef struct mutator {
    shared *sh;
    gc_p *p;
    uint64_t seed;
    void *locals[NLOCALS]; /* the thread's live pointers across safepoints */
    uint64_t verified;     /* the collections this thread last checked after */
    uint64_t steps;        /* steps done */
    pthread_t th;
} mutator;

struct shared {
    gc_heap *h;
    const gc_barrier *bar;
    tstress_opts o;
    pthread_mutex_t lock; /* slots, and every field of a published node */
    node **slots;
    _Atomic uint64_t nextId;
    _Atomic int done;
    _Atomic uint64_t problems;
    pthread_mutex_t firstLock;
    char first[200];
    mutator *m;
};

/* The roots: the shared slots and every thread's locals. It runs in a
 * pause, each thread parked at a safepoint or with its P released. */
static void markRoots(gc_marker *gm, void *ud)
{
    shared *sh = ud;
    gc_mark_block(gm, (void *const *)sh->slots, sh->o.slots, NULL);
    for (unsigned i = 0; i < sh->o.threads; i++)
        gc_mark_block(gm, (void *const *)sh->m[i].locals, NLOCALS, NULL);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void problem(shared *sh, const char *what, const node *n)
{
    if (atomic_fetch_add(&sh->problems, 1) == 0) {
        pthread_mutex_lock(&sh->firstLock);
        snprintf(sh->first, sizeof sh->first, "%s (node %p)", what, (const void *)n);
        pthread_mutex_unlock(&sh->firstLock);
    }
}

/* Everything reachable from the slots (lock held, a P owned). */
static void checkModel(shared *sh)
{
    size_t seen = 0;
    for (unsigned i = 0; i < sh->o.slots; i++) {
        for (node *n = sh->slots[i]; n; n = n->next) {
            if (++seen > CHAIN_MAX) {
                problem(sh, "a cycle or a runaway chain", n);
                return;
            }
            if (n->check != nodeSum(n)) {
                problem(sh, "a reachable node was freed or overwritten", n);
                return;
            }
            if ((n->next ? n->next->id : 0) != n->nextId || (n->other ? n->other->id : 0) != n->otherId) {
                problem(sh, "a pointer reaches the wrong node", n);
                return;
            }
        }
    }
}

static void verifyIfCollected(mutator *m)
{
    shared *sh = m->sh;
    gc_stats st;
    gc_read_stats(sh->h, &st); /* a pause of its own */
    if (st.num_gc == m->verified)
        return;
    m->verified = st.num_gc;
    if (gc_verify(sh->h) != 0)
        problem(sh, "gc_verify found a bad pointer", NULL);
    pthread_mutex_lock(&sh->lock);
    checkModel(sh);
    pthread_mutex_unlock(&sh->lock);
    if (st.num_gc >= sh->o.cycles)
        atomic_store(&sh->done, 1);
}

/* One step: a new node linked to two nodes other threads may have
 * published, becoming a slot's head (1 in 8 cuts the slot's chain); then
 * maybe an old node relinked, a slot cleared, or a node taken from a
 * field to the thread's locals or brought back. */
static void step(mutator *m)
{
    shared *sh = m->sh;
    gc_p *p = m->p;
    unsigned ns = sh->o.slots;
    uint64_t r = rnd(&m->seed);
    /* Garbage between the nodes: cycles every few thousand steps. */
    char *junk = gc_mallocgc(p, 512 + r % 1024, NULL, false);
    if (junk)
        junk[0] = 1; /* before the next allocation, which may free it */
    node *n = junk ? gc_mallocgc(p, sizeof(node), &nodeType, true) : NULL;
    if (!n) {
        problem(sh, "an allocation returned NULL", NULL);
        return;
    }
    m->locals[0] = n;
    n->id = atomic_fetch_add(&sh->nextId, 1) + 1;
    unsigned a = (unsigned)(r >> 8) % ns, b = (unsigned)(r >> 24) % ns;
    pthread_mutex_lock(&sh->lock);
    node *head = (r >> 40) % 8 == 0 ? NULL : sh->slots[a];
    node *other = sh->slots[b];
    gc_write_pointer(p, sh->bar, (void **)&n->next, head);
    gc_write_pointer(p, sh->bar, (void **)&n->other, other);
    n->nextId = head ? head->id : 0;
    n->otherId = other ? other->id : 0;
    n->check = nodeSum(n);
    gc_write_pointer(p, sh->bar, (void **)&sh->slots[a], n);
    switch ((r >> 44) % 8) {
    case 0: {
        node *o = sh->slots[b], *t = sh->slots[(b + 1) % ns];
        if (o && t) {
            gc_write_pointer(p, sh->bar, (void **)&o->other, t);
            o->otherId = t->id;
            o->check = nodeSum(o);
        }
        break;
    }
    case 1:
        gc_write_pointer(p, sh->bar, (void **)&sh->slots[b], NULL);
        break;
    case 2:
    case 3: {
        /* A node only a heap field reaches goes to the stack, the field is
         * cleared (the deletion barrier must shade it: the stack is not
         * scanned again), and it comes back a few steps later. */
        node *o = sh->slots[b];
        if (m->locals[1]) {
            gc_write_pointer(p, sh->bar, (void **)&sh->slots[b], m->locals[1]);
            m->locals[1] = NULL;
        } else if (o && o->other) {
            m->locals[1] = o->other;
            gc_write_pointer(p, sh->bar, (void **)&o->other, NULL);
            o->otherId = 0;
            o->check = nodeSum(o);
        }
        break;
    }
    }
    pthread_mutex_unlock(&sh->lock);
    m->locals[0] = NULL;
    gc_safepoint(p, gc_p_poll(p));
    if (sh->o.release_every && (m->steps + 1) % sh->o.release_every == 0) {
        /* Block with the P given back: a pause must not wait for it. */
        gc_p_release(p);
        pthread_mutex_lock(&sh->lock);
        sched_yield();
        pthread_mutex_unlock(&sh->lock);
        gc_p_acquire(p);
    }
}

static void *mutatorMain(void *arg)
{
    mutator *m = arg;
    shared *sh = m->sh;
    m->p = gc_p_new(sh->h);
    if (!m->p) {
        problem(sh, "gc_p_new returned NULL", NULL);
        return NULL;
    }
    uint64_t max = sh->o.max_steps ? sh->o.max_steps : 50000000;
    for (uint64_t i = 1; i <= max && !atomic_load(&sh->done) && !atomic_load(&sh->problems); i++) {
        step(m);
        m->steps = i;
        if (i % VERIFY_EVERY == 0)
            verifyIfCollected(m);
    }
    m->locals[0] = m->locals[1] = NULL;
    gc_p_free(m->p);
    return NULL;
}

int tstress_run(gc_heap *h, const tstress_opts *o, tstress_result *r)
{
    memset(r, 0, sizeof *r);
    if (o->threads < 1 || o->threads > TSTRESS_MAX_THREADS || o->slots < 1 || o->slots > TSTRESS_MAX_SLOTS) {
        snprintf(r->first, sizeof r->first, "threads or slots out of range");
        return -1;
    }
    shared *sh = calloc(1, sizeof *sh);
    node **slots = calloc(o->slots, sizeof *slots);
    mutator *m = calloc(o->threads, sizeof *m);
    if (!sh || !slots || !m) {
        free(sh);
        free(slots);
        free(m);
        snprintf(r->first, sizeof r->first, "out of memory");
        return -1;
    }
    sh->h = h;
    sh->bar = gc_heap_barrier(h);
    sh->o = *o;
    sh->slots = slots;
    sh->m = m;
    pthread_mutex_init(&sh->lock, NULL);
    pthread_mutex_init(&sh->firstLock, NULL);
    int rc = 0;
    if (gc_add_roots(h, markRoots, sh) != 0) {
        snprintf(r->first, sizeof r->first, "gc_add_roots failed");
        rc = -1;
        goto out;
    }
    unsigned started = 0;
    for (; started < o->threads; started++) {
        m[started].sh = sh;
        m[started].seed = 0x1234567 + started * 0x9e3779b9u;
        if (pthread_create(&m[started].th, NULL, mutatorMain, &m[started]) != 0) {
            atomic_store(&sh->done, 1);
            snprintf(r->first, sizeof r->first, "cannot start thread %u", started);
            rc = -1;
            break;
        }
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(m[i].th, NULL);
        r->steps += m[i].steps;
    }
    if (rc == 0) {
        /* The structure as the threads left it, after one more cycle. */
        gc_collect(h);
        if (gc_verify(h) != 0)
            problem(sh, "gc_verify found a bad pointer after the run", NULL);
        gc_p *p = gc_p_new(h);
        pthread_mutex_lock(&sh->lock);
        checkModel(sh);
        pthread_mutex_unlock(&sh->lock);
        gc_p_free(p);
    }
    gc_remove_roots(h, markRoots, sh);
    gc_stats *st = malloc(sizeof *st);
    if (st) {
        gc_read_stats(h, st);
        r->cycles = st->num_gc;
        free(st);
    }
    r->problems = atomic_load(&sh->problems);
    r->nodes = atomic_load(&sh->nextId);
    if (r->problems)
        memcpy(r->first, sh->first, sizeof r->first);
out:
    pthread_mutex_destroy(&sh->firstLock);
    pthread_mutex_destroy(&sh->lock);
    free(m);
    free(slots);
    free(sh);
    return rc;
}
