/*
 * threads.c: allocation from several threads on one heap. One process
 * runs T threads, each with its own P and its own window of W live
 * objects (a root block), and prints a RESULT line for
 * tests/bench/bench.sh:
 *
 *   threads T N [W]    each thread makes N allocations (default W 10000)
 *
 * Each step is micro.c's window step: sizes from {16,32,48,64,128,256} by
 * a fixed PRNG (one seed per thread), half with two pointer words, slot
 * i%W replaced, each new pointer object stored (gc_write_pointer) into an
 * older one of the same thread's window. Unlike micro's, the window is a
 * heap object (an array of W pointers, its thread's only root), as a
 * program's live data is: the marking is the background workers', not
 * the pause's. The heap is the toy VM's: concurrent mark, at TOYGC=400
 * unless TOYGC says otherwise, so that the collector's quarter of the
 * CPUs keeps up with two allocating threads (at 100 the small live heap
 * keeps a mark running most of the time and the figure is the marker's). allocs_per_s counts every
 * thread's allocations over the wall time from a common start to the last
 * thread's end, so T threads on T free cores would show T times one
 * thread's rate; cpu_ns_per_alloc is the process's CPU time (every thread,
 * the collector's included) per allocation, which a shared machine's
 * load does not inflate: equal for 1 and T threads means sharing the heap
 * costs nothing.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc/alloc.h"
#include "tests/bench/bench.h"

enum { NSIZES = 6, PROBES = 8, MAX_THREADS = 64 };
static const uint32_t sizes[NSIZES] = {16, 32, 48, 64, 128, 256};

static double cpuSeconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

typedef struct shared {
    gc_heap *heap;
    const gc_barrier *bar;
    gc_type types[NSIZES];
    gc_type ptrType; /* one pointer word: the window's elements */
    uint8_t ptrmask;
    uint64_t n;
    size_t w;
    pthread_barrier_t start;
} shared;

typedef struct worker {
    shared *sh;
    unsigned idx;
    void **win;       /* the window: a heap array, held by the root below */
    uint8_t *isptr;
    uint64_t stores;
    int failed;
    pthread_t th;
} worker;

static void windowRoots(gc_marker *m, void *ud)
{
    worker *wk = ud;
    gc_mark_slot(m, (void *const *)&wk->win);
}

static void *run(void *arg)
{
    worker *wk = arg;
    shared *sh = wk->sh;
    gc_p *p = gc_p_new(sh->heap);
    if (!p) {
        wk->failed = 1;
        pthread_barrier_wait(&sh->start);
        return NULL;
    }
    const gc_poll *poll = gc_p_poll(p);
    wk->win = gc_mallocgc(p, sh->w * sizeof(void *), &sh->ptrType, true);
    if (!wk->win) {
        wk->failed = 1;
        gc_p_free(p);
        pthread_barrier_wait(&sh->start);
        return NULL;
    }
    bench_rng rng = {0x9E3779B97F4A7C15ULL + wk->idx * 0x2545F4914F6CDD1DULL};
    size_t slot = 0, w = sh->w;
    /* Waiting at the barrier blocks: the P is given back meanwhile. */
    gc_p_release(p);
    pthread_barrier_wait(&sh->start);
    gc_p_acquire(p);
    for (uint64_t i = 0; i < sh->n; i++) {
        uint64_t r = bench_rng_next(&rng);
        int k = (int)((r >> 32) % NSIZES);
        bool ptr = (r >> 16) & 1;
        void **o = gc_mallocgc(p, sizes[k], ptr ? &sh->types[k] : NULL, true);
        if (!o) {
            wk->failed = 1;
            break;
        }
        if (!ptr) {
            ((uint64_t *)o)[0] = i;
            ((uint64_t *)o)[1] = sizes[k];
        }
        gc_write_pointer(p, sh->bar, &wk->win[slot], o);
        wk->isptr[slot] = ptr;
        if (ptr) {
            size_t j = (size_t)(r & 0xFFFFFFFF) % w;
            for (int t = 0; t < PROBES; t++, j = j + 1 == w ? 0 : j + 1) {
                if (j != slot && wk->isptr[j] && wk->win[j]) {
                    gc_write_pointer(p, sh->bar, &((void **)wk->win[j])[(r >> 17) & 1], o);
                    wk->stores++;
                    break;
                }
            }
        }
        if (++slot == w)
            slot = 0;
        gc_safepoint(p, poll);
    }
    wk->win = NULL;
    gc_p_free(p);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: threads T N [W]\n");
        return 2;
    }
    unsigned t = (unsigned)strtoul(argv[1], NULL, 10);
    uint64_t n = strtoull(argv[2], NULL, 10);
    size_t w = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 10000;
    if (t < 1 || t > MAX_THREADS || n == 0 || w < 2 || w > (1u << 26)) {
        fprintf(stderr, "threads: T in 1..%d, N > 0, W in 2..2^26\n", MAX_THREADS);
        return 2;
    }
    gc_options o;
    gc_options_default(&o);
    o.concurrent = 1;
    o.gc_percent = 400;
    char err[200];
    if (gc_options_from_env(&o, err, sizeof err) != 0) {
        fprintf(stderr, "threads: %s\n", err);
        return 1;
    }
    static shared sh;
    static worker wk[MAX_THREADS];
    sh.heap = gc_heap_new(&o);
    if (!sh.heap) {
        fprintf(stderr, "threads: cannot make a heap\n");
        return 1;
    }
    sh.bar = gc_heap_barrier(sh.heap);
    sh.ptrmask = 0x3;
    sh.ptrType = (gc_type){8, 8, &sh.ptrmask, "threads.window"};
    for (int k = 0; k < NSIZES; k++)
        sh.types[k] = (gc_type){sizes[k], 16, &sh.ptrmask, "threads2ptr"};
    sh.n = n;
    sh.w = w;
    pthread_barrier_init(&sh.start, NULL, t + 1);
    for (unsigned i = 0; i < t; i++) {
        wk[i].sh = &sh;
        wk[i].idx = i;
        wk[i].isptr = calloc(w, 1);
        if (!wk[i].isptr || gc_add_roots(sh.heap, windowRoots, &wk[i]) != 0) {
            fprintf(stderr, "threads: out of memory\n");
            return 1;
        }
    }
    for (unsigned i = 0; i < t; i++) {
        if (pthread_create(&wk[i].th, NULL, run, &wk[i]) != 0) {
            fprintf(stderr, "threads: cannot start thread %u\n", i);
            return 1;
        }
    }
    pthread_barrier_wait(&sh.start);
    double t0 = bench_now(), c0 = cpuSeconds();
    for (unsigned i = 0; i < t; i++)
        pthread_join(wk[i].th, NULL);
    double secs = bench_now() - t0, cpu = cpuSeconds() - c0;
    int failed = 0;
    uint64_t stores = 0;
    for (unsigned i = 0; i < t; i++) {
        failed |= wk[i].failed;
        stores += wk[i].stores;
    }
    gc_stats *st = malloc(sizeof *st);
    uint64_t gcs = 0, pause = 0;
    if (st) {
        gc_read_stats(sh.heap, st);
        gcs = st->num_gc;
        pause = st->pause_total_ns;
        free(st);
    }
    for (unsigned i = 0; i < t; i++) {
        gc_remove_roots(sh.heap, windowRoots, &wk[i]);
        free(wk[i].isptr);
    }
    gc_heap_free(sh.heap);
    pthread_barrier_destroy(&sh.start);
    if (failed) {
        fprintf(stderr, "threads: an allocation returned NULL\n");
        return 1;
    }
    double total = (double)n * t;
    printf("RESULT threads=%u allocs=%.0f secs=%.4f allocs_per_s=%.0f ns_per_alloc=%.2f cpu_ns_per_alloc=%.2f gcs=%llu "
           "pause_ms=%.1f stores=%llu\n",
           t, total, secs, total / secs, secs * 1e9 / total, cpu * 1e9 / total, (unsigned long long)gcs,
           (double)pause / 1e6, (unsigned long long)stores);
    return 0;
}
