/*
 * mbarrier.c: the write barrier and the safepoint poll as a host sees
 * them (alloc.h's gc_write_pointer, gc_bulk_barrier, gc_safepoint), after
 * Go's mbarrier.go (gcWriteBarrier, bulkBarrierPreWrite) and the
 * preemption flag a goroutine polls in its function prologue (proc.go).
 * The inlines test one flag; this file holds what runs when it is set.
 * Departure: Go's flag is one global (writeBarrier.enabled); here it
 * belongs to the heap, so several heaps live in one process.
 *
 * The mark still runs with the world stopped, so the barrier flag is
 * never set and no P is ever asked to stop: the slow paths below are the
 * contract a host codes against while the concurrent mark is built.
 */
#include "alloc/internal.h"

const gc_barrier *gc_heap_barrier(gc_heap *h)
{
    return &h->barrier;
}

const gc_poll *gc_p_poll(gc_p *p)
{
    return &p->poll;
}

void gc_write_barrier_slow(gc_p *p, void *const *slot, void *val)
{
    (void)p;
    (void)slot;
    (void)val;
}

void gc_bulk_barrier_slow(gc_p *p, void *const *dst, void *const *src, size_t nwords,
                          const uint8_t *bitmap)
{
    (void)p;
    (void)dst;
    (void)src;
    (void)nwords;
    (void)bitmap;
}

void gc_safepoint_slow(gc_p *p)
{
    atomic_store_explicit(&p->poll.pending, 0, memory_order_relaxed);
}
