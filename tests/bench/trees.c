/*
 * trees.c: binary-trees against the alloc API and its peers, one
 * implementation per process (tests/bench/bench.sh runs them alternately and
 * reads ru_maxrss of each child):
 *
 *   trees alloc|malloc|boehm|boehm-typed [DEPTH]    (DEPTH defaults to 21)
 *
 * A stretch tree of depth N+1, a long-lived tree of depth N, then for
 * d = 4, 6, ... N, 2^(N-d) trees of depth d, each checked by counting its
 * nodes; the long-lived tree is checked last. (The Benchmarks Game runs
 * 2^(N-d+4) trees per depth; this is 16 times fewer, to fit the time
 * budget.) The output is examples/binary_trees.toy's, line for line, so
 * the bench compares it with toy's, Lua's and Go's. A node is two pointers: a gc_type with both words pointers,
 * a Boehm descriptor with both bits set.
 *
 * The collector is precise and sees no C stack, so every tree pointer that
 * must survive an allocation sits in an explicit shadow stack, registered
 * as a root block with gc_add_roots. The shadow stack is a local of main,
 * so Boehm's conservative stack scan sees it too. malloc frees each tree
 * after checking it.
 */
#include <gc/gc.h>
#include <gc/gc_typed.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc/alloc.h"
#include "tests/bench/bench.h"

typedef struct node {
    struct node *left, *right;
} node;

enum { MAX_DEPTH = 30, SHADOW_SLOTS = MAX_DEPTH + 8 };

typedef struct trees {
    bench_impl impl;
    gc_heap *heap;
    gc_p *p;
    gc_type node_type;
    uint8_t node_mask;
    GC_descr descr;
    bool oom;
    /* The shadow stack: slots [0, sp) are roots. */
    size_t sp;
    node *shadow[SHADOW_SLOTS];
} trees;

static void shadow_roots(gc_marker *m, void *ud)
{
    trees *t = ud;
    gc_mark_block(m, (void *const *)t->shadow, t->sp, NULL);
}

static node *new_node(trees *t)
{
    node *n;
    switch (t->impl) {
    case IMPL_ALLOC:
        n = gc_mallocgc(t->p, sizeof(node), &t->node_type, true);
        break;
    case IMPL_MALLOC:
        n = malloc(sizeof(node));
        break;
    case IMPL_BOEHM:
        n = GC_malloc(sizeof(node));
        break;
    default:
        n = GC_malloc_explicitly_typed(sizeof(node), t->descr);
        break;
    }
    if (!n) {
        t->oom = true;
        return NULL;
    }
    n->left = n->right = NULL;
    return n;
}

/* The node is pushed before its children are built, so a collection
 * inside the recursion finds it; each child is stored into it as soon as
 * it is returned, before the next allocation. */
static node *bottom_up(trees *t, int depth)
{
    node *n = new_node(t);
    if (!n || depth == 0)
        return n;
    t->shadow[t->sp++] = n;
    node *l = bottom_up(t, depth - 1);
    n->left = l;
    node *r = l ? bottom_up(t, depth - 1) : NULL;
    n->right = r;
    t->sp--;
    return r ? n : NULL;
}

static long check(const node *n)
{
    long c = 1;
    while (n->left) { /* walk right spines iteratively, recurse left */
        c += check(n->left) + 1;
        n = n->right;
    }
    return c;
}

static void free_tree(trees *t, node *n)
{
    if (t->impl != IMPL_MALLOC || !n)
        return;
    free_tree(t, n->left);
    free_tree(t, n->right);
    free(n);
}

static int setup(trees *t)
{
    if (t->impl == IMPL_ALLOC) {
        gc_options o;
        char err[200];
        gc_options_default(&o);
        if (gc_options_from_env(&o, err, sizeof err) != 0) {
            fprintf(stderr, "trees: %s\n", err);
            return -1;
        }
        t->node_mask = 0x3;
        t->node_type = (gc_type){sizeof(node), sizeof(node), &t->node_mask, "node"};
        t->heap = gc_heap_new(&o);
        t->p = t->heap ? gc_p_new(t->heap) : NULL;
        if (!t->p || gc_add_roots(t->heap, shadow_roots, t) != 0) {
            fprintf(stderr, "trees: cannot make an alloc heap\n");
            return -1;
        }
        fprintf(stderr, "alloc: gc_percent %d\n", o.gc_percent);
    } else if (t->impl != IMPL_MALLOC) {
        GC_INIT();
        GC_word bm[1] = {0};
        GC_set_bit(bm, 0);
        GC_set_bit(bm, 1);
        t->descr = GC_make_descriptor(bm, 2);
    }
    return 0;
}

static uint64_t gc_count(trees *t)
{
    if (t->impl == IMPL_ALLOC) {
        gc_stats *s = malloc(sizeof *s);
        uint64_t n = 0;
        if (s) {
            gc_read_stats(t->heap, s);
            n = s->num_gc;
            free(s);
        }
        return n;
    }
    return t->impl == IMPL_MALLOC ? 0 : GC_get_gc_no();
}

static void teardown(trees *t)
{
    if (t->impl != IMPL_ALLOC)
        return;
    if (t->heap)
        gc_remove_roots(t->heap, shadow_roots, t);
    if (t->p)
        gc_p_free(t->p);
    if (t->heap)
        gc_heap_free(t->heap);
}

static int oom(trees *t)
{
    fprintf(stderr, "trees: %s ran out of memory\n", bench_impl_names[t->impl]);
    teardown(t);
    return 1;
}

int main(int argc, char **argv)
{
    trees t = {0};
    int impl = argc > 1 ? bench_impl_parse(argv[1]) : -1;
    int depth = 21;
    if (argc > 2) {
        char *end;
        long d = strtol(argv[2], &end, 10);
        depth = *end || d < 4 || d > MAX_DEPTH - 2 ? -1 : (int)d;
    }
    if (impl < 0 || depth < 0 || argc > 3) {
        fprintf(stderr, "usage: trees alloc|malloc|boehm|boehm-typed [DEPTH 4..%d]\n", MAX_DEPTH - 2);
        return 2;
    }
    t.impl = (bench_impl)impl;
    if (setup(&t) != 0) {
        teardown(&t);
        return 1;
    }

    double t0 = bench_now();
    node *stretch = bottom_up(&t, depth + 1);
    if (!stretch)
        return oom(&t);
    printf("stretch tree of depth %d check: %ld\n", depth + 1, check(stretch));
    free_tree(&t, stretch);

    node *long_lived = bottom_up(&t, depth);
    if (!long_lived)
        return oom(&t);
    t.shadow[t.sp++] = long_lived;

    for (int d = 4; d <= depth; d += 2) {
        long iterations = 1L << (depth - d);
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            node *tree = bottom_up(&t, d);
            if (!tree)
                return oom(&t);
            sum += check(tree);
            free_tree(&t, tree);
        }
        printf("%ld trees of depth %d check: %ld\n", iterations, d, sum);
    }
    printf("long lived tree of depth %d check: %ld\n", depth, check(long_lived));
    t.sp--;
    free_tree(&t, long_lived);
    double secs = bench_now() - t0;
    printf("RESULT impl=%s depth=%d seconds=%.3f gcs=%llu\n", bench_impl_names[t.impl], depth, secs,
           (unsigned long long)gc_count(&t));
    teardown(&t);
    return 0;
}
