/*
 * mgcwork.c: the gray object queue, as Go's mgcwork.go (gcWork, workbuf):
 * object addresses in 64 KiB blocks obtained with mmap, outside the heap,
 * used as a stack of blocks. Marking never recurses: a list of ten million
 * cells costs one queue entry at a time, not ten million C frames.
 * Departure: one queue per heap (marking is stop-the-world and single
 * threaded), no global full/empty lists shared between Ps.
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc/internal.h"

/* The top buffer is full (or there is none): start a new one. */
void gc_work_pushSlow(gc_heap *h, uintptr_t obj)
{
    workbuf *b = h->work.empty;
    if (b) {
        h->work.empty = b->next;
    } else {
        /* Not a failure-injection point (NULL heap): marking cannot back
         * out half way, and Go throws here too. */
        b = gc_sys_alloc(NULL, sizeof(workbuf));
        if (!b) {
            fprintf(h->trace, "alloc: out of memory for the mark queue\n");
            abort();
        }
        h->work.nbufs++;
    }
    b->nobj = 0;
    b->next = h->work.full;
    h->work.full = b;
    b->obj[b->nobj++] = obj;
}

/* The top buffer is empty: retire it and take the next. */
uintptr_t gc_work_popSlow(gc_heap *h)
{
    workbuf *b = h->work.full;
    while (b && b->nobj == 0) {
        h->work.full = b->next;
        b->next = h->work.empty;
        h->work.empty = b;
        b = h->work.full;
    }
    return b ? b->obj[--b->nobj] : 0;
}

void gc_work_destroy(gc_heap *h)
{
    for (int pass = 0; pass < 2; pass++) {
        workbuf *b = pass ? h->work.empty : h->work.full;
        while (b) {
            workbuf *n = b->next;
            gc_sys_free(b, sizeof(workbuf));
            b = n;
        }
    }
    h->work.full = h->work.empty = NULL;
    h->work.nbufs = 0;
}
