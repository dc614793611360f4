/*
 * frag.c: large allocations in a fragmented heap. One process runs one
 * implementation and prints a RESULT line for tests/bench/bench.sh:
 *
 *   frag IMPL RUNS [ALLOCS]     IMPL: alloc or malloc
 *
 * The heap is cut into RUNS free runs of random sizes: 2 * RUNS objects
 * are allocated, alternately a hole (1 MiB to 1.5 MiB) and a 40 KiB
 * separator, and every hole is freed (alloc: dropped from the roots, then
 * one gc_collect; malloc: free). Then ALLOCS (default 500) allocations of
 * random sizes from the same range are made and kept, each timed alone;
 * RESULT gives the median and the slowest in wall time and the slowest in
 * the thread's CPU time (what a time slice lost to another process on a
 * shared machine does not inflate). Nothing touches the objects: the
 * figures are the allocators' own work (alloc's are noscan with needzero
 * false, malloc's are not zeroed either). glibc is told to serve these
 * sizes from its heap (M_MMAP_THRESHOLD 32 MiB), not one mmap each, so
 * that it fragments the same way. Sizes come from the fixed PRNG: both
 * implementations see the same pattern.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc/alloc.h"
#include "tests/bench/bench.h"

enum { HOLE_MIN = 1 << 20, HOLE_SPREAD = 1 << 19, SEPARATOR = 40 << 10 };

typedef struct frag {
    bench_impl impl;
    gc_heap *heap;
    gc_p *p;
    void **keep;
    size_t nkeep;
} frag;

static void keep_roots(gc_marker *m, void *ud)
{
    frag *f = ud;
    gc_mark_block(m, (void *const *)f->keep, f->nkeep, NULL);
}

static void *frag_alloc(frag *f, size_t size)
{
    return f->impl == IMPL_ALLOC ? gc_mallocgc(f->p, size, NULL, false) : malloc(size);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t ns(const struct timespec *a, const struct timespec *b)
{
    return (uint64_t)((b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec));
}

static int usage(void)
{
    fprintf(stderr, "usage: frag alloc|malloc RUNS [ALLOCS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    frag f = {0};
    int impl = bench_impl_parse(argv[1]);
    if (impl != IMPL_ALLOC && impl != IMPL_MALLOC)
        return usage();
    f.impl = (bench_impl)impl;
    char *end;
    unsigned long long runs = strtoull(argv[2], &end, 10), allocs = 500;
    if (*end || runs < 1 || runs > 1000000)
        return usage();
    if (argc > 3 && ((allocs = strtoull(argv[3], &end, 10)) < 1 || *end || allocs > 1000000))
        return usage();
    f.nkeep = 2 * runs + allocs;
    f.keep = calloc(f.nkeep, sizeof *f.keep);
    uint64_t *wall = calloc(allocs, sizeof *wall), *cpu = calloc(allocs, sizeof *cpu);
    if (!f.keep || !wall || !cpu)
        return 1;
    if (f.impl == IMPL_ALLOC) {
        gc_options o;
        char err[200];
        gc_options_default(&o);
        if (gc_options_from_env(&o, err, sizeof err) != 0) {
            fprintf(stderr, "frag: %s\n", err);
            return 1;
        }
        o.gc_percent = -1; /* one collection, the one that frees the holes */
        f.heap = gc_heap_new(&o);
        f.p = f.heap ? gc_p_new(f.heap) : NULL;
        if (!f.p || gc_add_roots(f.heap, keep_roots, &f) != 0) {
            fprintf(stderr, "frag: cannot make an alloc heap\n");
            return 1;
        }
    } else {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
    }
    bench_rng rng = {0x9E3779B97F4A7C15ULL};
    for (size_t i = 0; i < 2 * runs; i++) {
        size_t size = i % 2 ? SEPARATOR : HOLE_MIN + bench_rng_next(&rng) % HOLE_SPREAD;
        if (!(f.keep[i] = frag_alloc(&f, size))) {
            fprintf(stderr, "frag: out of memory building the pattern\n");
            return 1;
        }
    }
    for (size_t i = 0; i < 2 * runs; i += 2) {
        if (f.impl == IMPL_MALLOC)
            free(f.keep[i]);
        f.keep[i] = NULL;
    }
    if (f.impl == IMPL_ALLOC)
        gc_collect(f.heap);
    for (size_t i = 0; i < allocs; i++) {
        size_t size = HOLE_MIN + bench_rng_next(&rng) % HOLE_SPREAD;
        struct timespec c0, w0, w1, c1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        clock_gettime(CLOCK_MONOTONIC, &w0);
        void *x = frag_alloc(&f, size);
        clock_gettime(CLOCK_MONOTONIC, &w1);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        if (!x) {
            fprintf(stderr, "frag: out of memory\n");
            return 1;
        }
        f.keep[2 * runs + i] = x;
        wall[i] = ns(&w0, &w1);
        cpu[i] = ns(&c0, &c1);
    }
    qsort(wall, allocs, sizeof *wall, cmp_u64);
    qsort(cpu, allocs, sizeof *cpu, cmp_u64);
    printf("runs=%llu allocs=%llu\n", runs, allocs);
    printf("RESULT median_ns=%llu max_ns=%llu max_cpu_ns=%llu\n", (unsigned long long)wall[allocs / 2],
           (unsigned long long)wall[allocs - 1], (unsigned long long)cpu[allocs - 1]);
    if (f.impl == IMPL_ALLOC) {
        gc_remove_roots(f.heap, keep_roots, &f);
        gc_p_free(f.p);
        gc_heap_free(f.heap);
    } else {
        for (size_t i = 0; i < f.nkeep; i++)
            free(f.keep[i]);
    }
    free(f.keep);
    free(wall);
    free(cpu);
    return 0;
}
