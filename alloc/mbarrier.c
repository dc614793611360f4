/*
 * mbarrier.c: the write barrier and the safepoint poll as a host sees
 * them (alloc.h's gc_write_pointer, gc_bulk_barrier, gc_safepoint), after
 * Go's mbarrier.go (gcWriteBarrier, bulkBarrierPreWrite) and the
 * preemption flag a goroutine polls in its function prologue (proc.go).
 * The inlines test one flag; this file holds what runs when it is set:
 * the barrier records old and new values in the P's buffer (mwbbuf.c),
 * and a poll parks the P while another thread has the world stopped
 * (mproc.c) and ends the concurrent mark when the workers are done (mgc.c).
 * Departure: Go's flag is one global (writeBarrier.enabled); here it
 * belongs to the heap, so several heaps live in one process.
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

static inline void wbRecord(gc_p *p, uintptr_t v)
{
    wbBuf *b = &p->wbbuf;
    if (!v)
        return;
    b->buf[b->n++] = v;
    if (b->n == WBBUF_ENTRIES)
        gc_wbBuf_flush(p);
}

void gc_write_barrier_slow(gc_p *p, void *const *slot, void *val)
{
    /* The old value is read by this P, the slot's only writer. */
    wbRecord(p, (uintptr_t)*slot);
    wbRecord(p, (uintptr_t)val);
    if (p->heap->opts.debug.gcconcurrentstress)
        gc_wbBuf_flush(p);
}

void gc_bulk_barrier_slow(gc_p *p, void *const *dst, void *const *src, size_t nwords,
                          const uint8_t *bitmap)
{
    for (size_t i = 0; i < nwords; i++) {
        if (bitmap && !(bitmap[i / 8] >> (i % 8) & 1))
            continue;
        wbRecord(p, (uintptr_t)dst[i]);
        if (src)
            wbRecord(p, (uintptr_t)src[i]);
    }
    if (p->heap->opts.debug.gcconcurrentstress)
        gc_wbBuf_flush(p);
}

void gc_safepoint_slow(gc_p *p)
{
    /* The inline's relaxed load read the last worker's release store:
     * this fence makes what that worker did before it visible here. */
    atomic_thread_fence(memory_order_acquire);
    atomic_store_explicit(&p->poll.pending, 0, memory_order_relaxed);
    gc_p_park(p);
    gc_mark_poll(p);
}
