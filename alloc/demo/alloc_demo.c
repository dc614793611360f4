/*
 * alloc_demo.c: what `make run` shows until the VM exists. Builds a typed
 * binary tree and a list through gc_mallocgc, keeps half of it reachable
 * through a roots callback, collects, and prints gctrace lines and stats.
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc/alloc.h"

typedef struct node {
    struct node *left, *right;
    long value;
} node;

static const uint8_t nodeMask[] = {0x3}; /* words 0 and 1 are pointers */
static const gc_type nodeType = {sizeof(node), 16, nodeMask, "node"};

/* Builds a tree top-down into *slot. Each new node is stored into a slot
 * that is already reachable (a root, or a field of a reachable node) before
 * the next allocation, which may collect: a node held only in a C local
 * across an allocation would be garbage (clobberfree catches exactly that). */
static void tree(gc_p *p, node **slot, int depth)
{
    node *n = gc_mallocgc(p, sizeof *n, &nodeType, true);
    if (!n)
        return;
    n->value = depth;
    *slot = n;
    if (depth > 0) {
        tree(p, &n->left, depth - 1);
        tree(p, &n->right, depth - 1);
    }
}

typedef struct roots {
    node *keep;
    node *scratch;
} roots;

static void markRoots(gc_marker *m, void *ud)
{
    roots *r = ud;
    gc_mark_block(m, (void *const *)r, 2, NULL);
}

int main(void)
{
    gc_options o;
    char err[256];
    gc_options_default(&o);
    o.debug.gctrace = 1;
    o.trace = stdout;
    if (gc_options_from_env(&o, err, sizeof err) != 0) {
        fprintf(stderr, "alloc-demo: %s\n", err);
        return 2;
    }
    gc_heap *h = gc_heap_new(&o);
    gc_p *p = gc_p_new(h);
    if (!h || !p) {
        fprintf(stderr, "alloc-demo: cannot create a heap\n");
        return 1;
    }
    roots r = {NULL, NULL};
    gc_add_roots(h, markRoots, &r);
    /* Trees are built under roots so that collections during their
     * construction (the pacer triggers them) keep the finished parts. */
    tree(p, &r.keep, 16);
    for (int i = 0; i < 20; i++) {
        tree(p, &r.scratch, 14); /* garbage after the next round */
        char *text = gc_mallocgc(p, 100 + (size_t)i * 1000, NULL, false);
        text[0] = 'x';
    }
    r.scratch = NULL;
    gc_collect(h);
    gc_stats s;
    gc_read_stats(h, &s);
    printf("cycles %llu (forced %llu), live %llu KiB, heap_alloc %llu KiB, heap_sys %llu KiB, "
           "released %llu KiB\n",
           (unsigned long long)s.num_gc, (unsigned long long)s.num_forced_gc,
           (unsigned long long)s.heap_live >> 10, (unsigned long long)s.heap_alloc >> 10,
           (unsigned long long)s.heap_sys >> 10, (unsigned long long)s.heap_released >> 10);
    printf("objects: %llu mallocs - %llu frees = %llu live; spans in use %llu; pauses total %.3f ms\n",
           (unsigned long long)s.mallocs, (unsigned long long)s.frees, (unsigned long long)s.heap_objects,
           (unsigned long long)s.spans_inuse, (double)s.pause_total_ns / 1e6);
    gc_p_free(p);
    gc_heap_free(h);
    return 0;
}
