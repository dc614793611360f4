/*
 * concpause.c: the concurrent collector's pauses with a large live heap,
 * against the stop-the-world mark in the same run (TOYDEBUG
 * gcstoptheworld=1 as the peer). A C host of alloc: LIVE_MB of binary
 * trees kept live from a root, then ROUNDS rounds that build and drop
 * short-lived trees and re-hang live subtrees through the write barrier,
 * polling gc_safepoint as a VM's loop would. Prints, for each mode, the
 * cycles, the longest single pause and the total, and their ratio.
 *   build/alloc-concpause [LIVE_MB (2048)] [ROUNDS (200)]; make bench-alloc-concpause
 * Not a test: it checks nothing but that the run completes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alloc/alloc.h"
#include "tests/bench/hosttree.h"

typedef struct host {
    treeHost t;       /* first: allocNode casts back */
    node **live;      /* the roots: one tree per slot */
    size_t nlive;
    node *garbage;    /* the round's short-lived tree */
} host;

static void roots(gc_marker *m, void *ud)
{
    host *H = ud;
    gc_mark_block(m, (void *const *)H->live, H->nlive, NULL);
    gc_mark_slot(m, (void *const *)&H->garbage);
    gc_mark_block(m, (void *const *)H->t.stk, H->t.sp, NULL);
}

static node *allocNode(treeHost *T)
{
    node *n = gc_mallocgc(T->p, sizeof(node), &nodeType, true);
    if (!n) {
        fprintf(stderr, "concpause: out of memory\n");
        exit(1);
    }
    return n;
}

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static void run(size_t liveMB, int rounds, int stw, gc_stats *out, double *secs)
{
    gc_options o;
    gc_options_default(&o);
    char err[256];
    if (gc_options_from_env(&o, err, sizeof err) != 0) {
        fprintf(stderr, "concpause: %s\n", err);
        exit(2);
    }
    o.concurrent = 1;
    o.debug.gcstoptheworld = stw;
    gc_heap *h = gc_heap_new(&o);
    host H = {0};
    H.t.p = gc_p_new(h);
    H.t.bar = gc_heap_barrier(h);
    H.t.alloc = allocNode;
    const int depth = 16; /* 3 MiB per tree */
    H.nlive = liveMB * ((size_t)1 << 20) / hosttree_bytes(depth);
    H.live = calloc(H.nlive, sizeof *H.live);
    gc_add_roots(h, roots, &H);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t i = 0; i < H.nlive; i++)
        H.live[i] = hosttree_build(&H.t, depth);
    const gc_poll *poll = gc_p_poll(H.t.p);
    uint64_t seed = 88172645463325252ull;
    for (int r = 0; r < rounds; r++) {
        H.garbage = hosttree_build(&H.t, 14); /* garbage by the next round */
        /* Swap two live subtrees between trees, through the barrier. */
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        node *x = H.live[seed % H.nlive], *y = H.live[(seed >> 20) % H.nlive];
        node *t = x->l;
        gc_write_pointer(H.t.p, H.t.bar, (void **)&x->l, y->l);
        gc_write_pointer(H.t.p, H.t.bar, (void **)&y->l, t); /* t: no allocation since it was read */
        gc_safepoint(H.t.p, poll);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    *secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    gc_read_stats(h, out);
    gc_remove_roots(h, roots, &H);
    gc_p_free(H.t.p);
    gc_heap_free(h);
    free(H.live);
}

int main(int argc, char **argv)
{
    size_t liveMB = argc > 1 ? strtoul(argv[1], NULL, 10) : 2048;
    int rounds = argc > 2 ? atoi(argv[2]) : 200;
    if (liveMB < 4 || rounds < 1) {
        fprintf(stderr, "usage: alloc-concpause [LIVE_MB >= 4] [ROUNDS >= 1]\n");
        return 2;
    }
    gc_stats s[2];
    double secs[2];
    for (int stw = 0; stw < 2; stw++) {
        run(liveMB, rounds, stw, &s[stw], &secs[stw]);
        printf("%-16s live %zu MB: %llu cycles (%llu concurrent), longest pause %.3f ms, pauses %.1f ms, %.2f s\n",
               stw ? "gcstoptheworld=1" : "concurrent", liveMB, (unsigned long long)s[stw].num_gc,
               (unsigned long long)s[stw].num_concurrent_gc, ms(s[stw].pause_max_ns), ms(s[stw].pause_total_ns),
               secs[stw]);
    }
    if (s[0].pause_max_ns)
        printf("longest pause: stop-the-world / concurrent = %.1f\n",
               (double)s[1].pause_max_ns / (double)s[0].pause_max_ns);
    return 0;
}
