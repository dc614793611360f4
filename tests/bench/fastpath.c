/*
 * fastpath.c: instructions per small allocation on the fast path, for
 * `valgrind --tool=callgrind --toggle-collect=fastpath_allocs`:
 *
 *   fastpath alloc-noscan|alloc-scan|alloc-site|malloc|boehm|boehm-typed N
 *
 * One warm-up allocation first gives the mcache a span (the refill is
 * outside the measurement); then fastpath_allocs does N allocations of
 * 16 bytes, N small enough that they all fit in that span (class 2 holds
 * 512 noscan or, with the in-span heap bits, 504 scan objects).
 * tests/bench/bench.sh runs it with N and with 0 and divides the difference
 * of the collected instruction counts by N, so the loop's set-up cancels;
 * the loop's own few instructions per iteration (counter, store) stay in.
 * alloc-scan allocates a two-pointer gc_type through gc_mallocgc,
 * alloc-site the same type through its gc_site, alloc-inline the same
 * site with the fast path inlined into the loop (gc_malloc_site_inline,
 * what the VM's NEWSTRUCT does; with no entry function of its own, its
 * count is its loop's less the loop alone's, `loop`, which stores the
 * same pointer every time), alloc-noscan passes no type and needzero=true (what Go's new does); malloc and Boehm (GC_malloc, and
 * GC_malloc_explicitly_typed with a two-pointer descriptor) are the peers.
 */
#include <gc/gc.h>
#include <gc/gc_typed.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"

enum { SIZE = 16, MAX_N = 480 };

typedef enum {
    FP_ALLOC_NOSCAN,
    FP_ALLOC_SCAN,
    FP_ALLOC_SITE,
    FP_ALLOC_INLINE,
    FP_LOOP,
    FP_MALLOC,
    FP_BOEHM,
    FP_BOEHM_TYPED,
    FP_COUNT
} fp_impl;

typedef struct fastpath {
    fp_impl impl;
    gc_p *p;
    gc_window *const *wins;
    const gc_type *type;
    gc_site site;
    GC_descr descr;
    void *keep[MAX_N + 1];
} fastpath;

/* The measured function: only allocations, each kept so none is dead. */
__attribute__((noinline)) void fastpath_allocs(fastpath *f, int n);

__attribute__((noinline)) void fastpath_allocs(fastpath *f, int n)
{
    switch (f->impl) {
    case FP_ALLOC_NOSCAN:
    case FP_ALLOC_SCAN:
        for (int i = 0; i < n; i++)
            f->keep[i] = gc_mallocgc(f->p, SIZE, f->type, true);
        break;
    case FP_ALLOC_SITE:
        for (int i = 0; i < n; i++)
            f->keep[i] = gc_malloc_site(f->p, &f->site);
        break;
    case FP_ALLOC_INLINE:
        for (int i = 0; i < n; i++)
            f->keep[i] = gc_malloc_site_inline(f->p, f->wins, &f->site);
        break;
    case FP_LOOP: /* the loop alone: what alloc-inline's count is net of */
        for (int i = 0; i < n; i++)
            f->keep[i] = f->keep[MAX_N];
        break;
    case FP_MALLOC:
        for (int i = 0; i < n; i++)
            f->keep[i] = malloc(SIZE);
        break;
    case FP_BOEHM:
        for (int i = 0; i < n; i++)
            f->keep[i] = GC_malloc(SIZE);
        break;
    case FP_BOEHM_TYPED:
        for (int i = 0; i < n; i++)
            f->keep[i] = GC_malloc_explicitly_typed(SIZE, f->descr);
        break;
    default:
        break;
    }
}

static void keep_roots(gc_marker *m, void *ud)
{
    fastpath *f = ud;
    gc_mark_block(m, (void *const *)f->keep, MAX_N + 1, NULL);
}

int main(int argc, char **argv)
{
    static const char *const names[FP_COUNT] = {"alloc-noscan", "alloc-scan", "alloc-site", "alloc-inline",
                                                "loop",         "malloc",     "boehm",      "boehm-typed"};
    fastpath f = {0};
    int impl = -1, n = -1;
    for (int i = 0; argc == 3 && i < FP_COUNT; i++)
        if (strcmp(argv[1], names[i]) == 0)
            impl = i;
    if (argc == 3) {
        char *end;
        long v = strtol(argv[2], &end, 10);
        n = *end || v < 0 || v > MAX_N ? -1 : (int)v;
    }
    if (impl < 0 || n < 0) {
        fprintf(stderr, "usage: fastpath alloc-noscan|alloc-scan|alloc-site|alloc-inline|loop|malloc|boehm|boehm-typed N (0..%d)\n", MAX_N);
        return 2;
    }
    f.impl = (fp_impl)impl;

    uint8_t mask = 0x3;
    gc_type two_ptrs = {SIZE, SIZE, &mask, "fastpath2ptr"};
    gc_heap *h = NULL;
    if (f.impl <= FP_LOOP) {
        gc_options o;
        gc_options_default(&o);
        o.gc_percent = -1; /* nothing but the allocations themselves */
        h = gc_heap_new(&o);
        f.p = h ? gc_p_new(h) : NULL;
        if (!f.p || gc_add_roots(h, keep_roots, &f) != 0) {
            fprintf(stderr, "fastpath: cannot make an alloc heap\n");
            return 1;
        }
        f.type = f.impl == FP_ALLOC_NOSCAN ? NULL : &two_ptrs;
        if (gc_site_init(&f.site, SIZE, &two_ptrs) != 0) {
            fprintf(stderr, "fastpath: gc_site_init refused the type\n");
            return 1;
        }
        f.wins = gc_p_windows(f.p);
        f.keep[MAX_N] = f.impl == FP_ALLOC_SITE || f.impl == FP_ALLOC_INLINE ? gc_malloc_site(f.p, &f.site)
                                                                             : gc_mallocgc(f.p, SIZE, f.type, true);
    } else if (f.impl == FP_MALLOC) {
        f.keep[MAX_N] = malloc(SIZE);
    } else if (f.impl == FP_BOEHM) {
        GC_INIT();
        f.keep[MAX_N] = GC_malloc(SIZE);
    } else {
        GC_INIT();
        GC_word bm[1] = {0};
        GC_set_bit(bm, 0);
        GC_set_bit(bm, 1);
        f.descr = GC_make_descriptor(bm, 2);
        f.keep[MAX_N] = GC_malloc_explicitly_typed(SIZE, f.descr);
    }

    fastpath_allocs(&f, n);
    for (int i = 0; i < n; i++) {
        if (!f.keep[i]) {
            fprintf(stderr, "fastpath: allocation %d failed\n", i);
            return 1;
        }
    }
    printf("RESULT impl=%s n=%d\n", names[f.impl], n);

    if (f.impl == FP_MALLOC) {
        for (int i = 0; i < n; i++)
            free(f.keep[i]);
        free(f.keep[MAX_N]);
    }
    if (h) {
        gc_remove_roots(h, keep_roots, &f);
        gc_p_free(f.p);
        gc_heap_free(h);
    }
    return 0;
}
