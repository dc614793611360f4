/*
 * micro.c: the allocation microbenchmark. One process runs
 * one implementation on one variant and prints a RESULT line for
 * tests/bench/bench.sh:
 *
 *   micro IMPL nofree [N]        N allocations, nothing freed: alloc with
 *                                gc_percent -1, malloc without free, Boehm
 *                                with GC_disable()
 *   micro IMPL window W [N]      a window of W live objects: slot i%W is
 *                                replaced each step (malloc frees the old
 *                                one, the collectors drop it), and each new
 *                                pointer object is also stored into a random
 *                                older pointer object of the window
 *
 * Sizes are drawn from {16,32,48,64,128,256} by a fixed PRNG; half the
 * objects have two pointer words (words 0 and 1), half are noscan. Every
 * implementation writes the same two first words of each object. The
 * window is a root block for alloc (gc_add_roots) and for Boehm
 * (GC_add_roots); the pointer/noscan flag of each slot lives outside the
 * heap. alloc's pointer stores into the window and into objects go through
 * its write barrier (gc_write_pointer: one test while no mark runs), so
 * MICRO_CONCURRENT=1, alloc's concurrent collector, runs the same code as
 * the default stop-the-world one. No Go counterpart: Go's BenchmarkMalloc*
 * measure a single size.
 */
#include <gc/gc.h>
#include <gc/gc_typed.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc/alloc.h"
#include "tests/bench/bench.h"

enum { NSIZES = 6, PROBES = 8 };
static const uint32_t sizes[NSIZES] = {16, 32, 48, 64, 128, 256};

typedef struct micro {
    bench_impl impl;
    /* alloc */
    gc_heap *heap;
    gc_p *p;
    gc_type types[NSIZES]; /* size S, words 0 and 1 pointers */
    const gc_barrier *barrier;
    uint8_t ptrmask;
    /* Boehm typed */
    GC_descr descr;
    /* the window */
    void **win;
    uint8_t *isptr;
    size_t w;
} micro;

static void window_roots(gc_marker *m, void *ud)
{
    micro *mc = ud;
    gc_mark_block(m, (void *const *)mc->win, mc->w, NULL);
}

/* A pointer store into the heap or the window: alloc's through its
 * barrier, the others' plain. Forced inline, as gc_write_pointer is: gcc
 * otherwise outlines the barrier half, and alloc alone pays a call per
 * store (about 10 instructions per allocation under callgrind). */
static inline __attribute__((always_inline)) void micro_store(micro *mc, void **slot, void *v)
{
    if (mc->impl == IMPL_ALLOC)
        gc_write_pointer(mc->p, mc->barrier, slot, v);
    else
        *slot = v;
}

static inline void *micro_alloc(micro *mc, int k, bool ptr)
{
    size_t size = sizes[k];
    switch (mc->impl) {
    case IMPL_ALLOC:
        return gc_mallocgc(mc->p, size, ptr ? &mc->types[k] : NULL, true);
    case IMPL_MALLOC:
        return malloc(size);
    case IMPL_BOEHM:
        return ptr ? GC_malloc(size) : GC_malloc_atomic(size);
    case IMPL_BOEHM_TYPED:
        return ptr ? GC_malloc_explicitly_typed(size, mc->descr) : GC_malloc_atomic(size);
    default:
        return NULL;
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: micro alloc|malloc|boehm|boehm-typed nofree|window W [N]\n");
    return 2;
}

static int setup(micro *mc, bool gc_off)
{
    if (mc->impl == IMPL_ALLOC) {
        gc_options o;
        char err[200];
        gc_options_default(&o);
        if (gc_options_from_env(&o, err, sizeof err) != 0) {
            fprintf(stderr, "micro: %s\n", err);
            return -1;
        }
        if (gc_off)
            o.gc_percent = -1;
        const char *conc = getenv("MICRO_CONCURRENT");
        o.concurrent = conc && strcmp(conc, "1") == 0;
        mc->ptrmask = 0x3;
        for (int k = 0; k < NSIZES; k++)
            mc->types[k] = (gc_type){sizes[k], 16, &mc->ptrmask, "micro2ptr"};
        mc->heap = gc_heap_new(&o);
        mc->p = mc->heap ? gc_p_new(mc->heap) : NULL;
        mc->barrier = mc->heap ? gc_heap_barrier(mc->heap) : NULL;
        if (!mc->p) {
            fprintf(stderr, "micro: cannot make an alloc heap\n");
            return -1;
        }
        if (mc->win && gc_add_roots(mc->heap, window_roots, mc) != 0) {
            fprintf(stderr, "micro: gc_add_roots failed\n");
            return -1;
        }
    } else if (mc->impl != IMPL_MALLOC) {
        GC_INIT();
        if (gc_off)
            GC_disable();
        if (mc->win)
            GC_add_roots(mc->win, mc->win + mc->w);
        GC_word bm[1] = {0};
        GC_set_bit(bm, 0);
        GC_set_bit(bm, 1);
        mc->descr = GC_make_descriptor(bm, 2);
    }
    return 0;
}

static uint64_t gc_count(micro *mc)
{
    if (mc->impl == IMPL_ALLOC) {
        gc_stats *s = malloc(sizeof *s);
        uint64_t n = 0;
        if (s) {
            gc_read_stats(mc->heap, s);
            n = s->num_gc;
            free(s);
        }
        return n;
    }
    if (mc->impl == IMPL_MALLOC)
        return 0;
    return GC_get_gc_no();
}

static void teardown(micro *mc)
{
    if (mc->impl == IMPL_ALLOC) {
        if (mc->heap && mc->win)
            gc_remove_roots(mc->heap, window_roots, mc);
        if (mc->p)
            gc_p_free(mc->p);
        if (mc->heap)
            gc_heap_free(mc->heap);
    } else if (mc->impl == IMPL_MALLOC) {
        for (size_t i = 0; mc->win && i < mc->w; i++)
            free(mc->win[i]);
    } else if (mc->win) {
        GC_remove_roots(mc->win, mc->win + mc->w);
    }
    free(mc->win);
    free(mc->isptr);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    micro mc = {0};
    int impl = bench_impl_parse(argv[1]);
    if (impl < 0)
        return usage();
    mc.impl = (bench_impl)impl;
    bool window = strcmp(argv[2], "window") == 0;
    if (!window && strcmp(argv[2], "nofree") != 0)
        return usage();
    int argn = 3;
    if (window) {
        if (argc < 4)
            return usage();
        char *end;
        unsigned long long w = strtoull(argv[3], &end, 10);
        if (*end || w < 1 || w > (1ULL << 28))
            return usage();
        mc.w = (size_t)w;
        argn = 4;
    }
    uint64_t n = 20000000;
    if (argc > argn) {
        char *end;
        n = strtoull(argv[argn], &end, 10);
        if (*end || n == 0)
            return usage();
    }
    if (window) {
        mc.win = calloc(mc.w, sizeof *mc.win);
        mc.isptr = calloc(mc.w, 1);
        if (!mc.win || !mc.isptr) {
            fprintf(stderr, "micro: out of memory for the window\n");
            return 1;
        }
    }
    if (setup(&mc, !window) != 0) {
        teardown(&mc);
        return 1;
    }

    bench_rng rng = {0x9E3779B97F4A7C15ULL};
    /* nofree: every object is linked to the previous one through word 1,
     * so malloc's objects can be freed after the clock stops. */
    void *chain = NULL;
    uint64_t stores = 0;
    size_t slot = 0;
    double t0 = bench_now();
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = bench_rng_next(&rng);
        int k = (int)((r >> 32) % NSIZES);
        bool ptr = (r >> 16) & 1;
        void **o = micro_alloc(&mc, k, ptr);
        if (!o) {
            fprintf(stderr, "micro: %s returned NULL at allocation %llu\n",
                    bench_impl_names[mc.impl], (unsigned long long)i);
            teardown(&mc);
            return 1;
        }
        if (ptr)
            o[0] = NULL;
        else
            ((uint64_t *)o)[0] = i;
        if (!window) {
            o[1] = chain;
            chain = o;
            continue;
        }
        if (ptr)
            o[1] = NULL;
        else
            ((uint64_t *)o)[1] = sizes[k];
        if (mc.impl == IMPL_MALLOC)
            free(mc.win[slot]);
        micro_store(&mc, &mc.win[slot], o);
        mc.isptr[slot] = ptr;
        if (ptr) {
            /* Into an older live pointer object (the first of a few probes
             * from a random slot), one of its two pointer words. */
            size_t j = (size_t)(r & 0xFFFFFFFF) % mc.w;
            for (int t = 0; t < PROBES; t++, j = j + 1 == mc.w ? 0 : j + 1) {
                if (j != slot && mc.isptr[j] && mc.win[j]) {
                    micro_store(&mc, &((void **)mc.win[j])[(r >> 17) & 1], o);
                    stores++;
                    break;
                }
            }
        }
        if (++slot == mc.w)
            slot = 0;
    }
    double secs = bench_now() - t0;
    uint64_t gcs = gc_count(&mc);
    while (mc.impl == IMPL_MALLOC && chain) {
        void *prev = ((void **)chain)[1];
        free(chain);
        chain = prev;
    }
    printf("RESULT impl=%s variant=%s w=%zu n=%llu ns_per_alloc=%.2f seconds=%.3f gcs=%llu stores=%llu\n",
           bench_impl_names[mc.impl], window ? "window" : "nofree", mc.w, (unsigned long long)n,
           secs * 1e9 / (double)n, secs, (unsigned long long)gcs, (unsigned long long)stores);
    teardown(&mc);
    return 0;
}
