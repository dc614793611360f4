/*
 * markbench.c: the mark loop alone, for measuring it (not a test: it only
 * prints). Two heaps' worth of 16-byte two-pointer nodes are marked again
 * and again by gc_collect: a binary tree allocated bottom-up as
 * binary-trees builds it (children next to their parent in memory), then a
 * complete binary tree over nodes shuffled in memory (every child a cache
 * miss: what prefetching is for). Prints the best of nine pauses for each,
 * per object, with the mark's wall and cpu time (summed over its threads).
 *
 *   build/alloc-markbench [depth=21] [gcprocs=0]
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc/alloc.h"

typedef struct node {
    struct node *l, *r;
} node;
static const uint8_t nodeMask[] = {3};
static const gc_type nodeType = {sizeof(node), sizeof(node), nodeMask, "node"};

typedef struct bench {
    gc_p *p;
    node *root;
} bench;

static void markRoot(gc_marker *m, void *ud) { gc_mark_slot(m, (void *const *)&((bench *)ud)->root); }

static node *newNode(bench *b, node *l, node *r)
{
    node *n = gc_mallocgc(b->p, sizeof *n, &nodeType, true);
    if (!n) {
        fprintf(stderr, "markbench: out of memory\n");
        exit(1);
    }
    n->l = l;
    n->r = r;
    return n;
}

static node *bottomUp(bench *b, int depth)
{
    if (depth == 0)
        return newNode(b, NULL, NULL);
    node *l = bottomUp(b, depth - 1), *r = bottomUp(b, depth - 1);
    return newNode(b, l, r);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Node i's children are nodes 2i+1 and 2i+2 of a shuffled array. */
static node *shuffled(bench *b, size_t n)
{
    node **v = malloc(n * sizeof *v);
    if (!v)
        exit(1);
    for (size_t i = 0; i < n; i++)
        v[i] = newNode(b, NULL, NULL);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rnd() % (i + 1));
        node *t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        v[i]->l = 2 * i + 1 < n ? v[2 * i + 1] : NULL;
        v[i]->r = 2 * i + 2 < n ? v[2 * i + 2] : NULL;
    }
    node *root = v[0];
    free(v);
    return root;
}

static void measure(gc_heap *h, const char *what, size_t nobj)
{
    uint64_t wall = UINT64_MAX, cpu = 0, procs = 0;
    for (int i = 0; i < 9; i++) {
        gc_collect(h);
        gc_stats st;
        gc_read_stats(h, &st);
        if (st.mark_ns < wall) {
            wall = st.mark_ns;
            cpu = st.mark_cpu_ns;
            procs = st.mark_procs;
        }
    }
    printf("%-9s %8zu objects: mark %6.1f ms wall, %6.1f ms cpu (%llu threads): %5.1f ns/object wall, %5.1f cpu\n",
           what, nobj, (double)wall / 1e6, (double)cpu / 1e6, (unsigned long long)procs, (double)wall / (double)nobj,
           (double)cpu / (double)nobj);
}

int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 21;
    if (depth < 1 || depth > 26) {
        fprintf(stderr, "usage: markbench [depth 1..26] [gcprocs]\n");
        return 2;
    }
    gc_options o;
    gc_options_default(&o);
    o.gc_percent = -1;
    o.gcprocs = argc > 2 ? atoi(argv[2]) : 0;
    gc_heap *h = gc_heap_new(&o);
    bench b = {gc_p_new(h), NULL};
    gc_add_roots(h, markRoot, &b);
    b.root = bottomUp(&b, depth);
    measure(h, "tree", ((size_t)2 << depth) - 1);
    b.root = NULL;
    gc_collect(h);
    b.root = shuffled(&b, (size_t)2 << depth);
    measure(h, "shuffled", (size_t)2 << depth);
    gc_remove_roots(h, markRoot, &b);
    gc_p_free(b.p);
    gc_heap_free(h);
    return 0;
}
