/*
 * hosttree.h: the binary trees that alloc's C benchmark hosts (scale.c,
 * concpause.c) keep live and throw away. A node is two pointers and a
 * word: 24 bytes, a size class of its own, so a tree of depth d takes
 * exactly hosttree_bytes(d) of heap. A tree is built depth first with each
 * node under construction on the host's stack (stk, a root block the host
 * reports from its gc_add_roots callback), so that no object is held only
 * in a C local across an allocation, and every child is linked through the
 * write barrier. The host allocates each node itself (alloc), so that
 * scale.c can time every allocation.
 */
#ifndef TESTS_BENCH_HOSTTREE_H
#define TESTS_BENCH_HOSTTREE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/alloc.h"

typedef struct node {
    struct node *l, *r;
    uint64_t v;
} node;
static const uint8_t nodeMask[] = {0x3};
static const gc_type nodeType = {sizeof(node), 16, nodeMask, "node"};

/* Embedded first in a host's own record, which alloc may cast back to. */
typedef struct treeHost {
    gc_p *p;
    const gc_barrier *bar;
    node *(*alloc)(struct treeHost *T); /* a zeroed node; never NULL */
    node *stk[64];                      /* the nodes under construction */
    size_t sp;
} treeHost;

static inline size_t hosttree_bytes(int d) { return (((size_t)1 << (d + 1)) - 1) * sizeof(node); }

/* A tree of depth d (2^(d+1) - 1 nodes); v holds each node's height. */
static inline node *hosttree_build(treeHost *T, int d)
{
    node *n = T->alloc(T);
    n->v = (uint64_t)d;
    if (d > 0) {
        T->stk[T->sp++] = n;
        node *l = hosttree_build(T, d - 1);
        gc_write_pointer(T->p, T->bar, (void **)&T->stk[T->sp - 1]->l, l);
        node *r = hosttree_build(T, d - 1);
        n = T->stk[--T->sp];
        gc_write_pointer(T->p, T->bar, (void **)&n->r, r);
    }
    return n;
}

#endif
