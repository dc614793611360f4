/*
 * mwbbuf.c: the per-P write-barrier buffer, as Go's mwbbuf.go (wbBuf,
 * wbBufFlush, wbBufFlush1). gc_write_pointer's slow path (mbarrier.c)
 * appends the slot's old value and the new one; when the buffer is full,
 * at mark termination, and at every entry under
 * TOYDEBUG=gcconcurrentstress, each recorded pointer is shaded into the
 * P's gcWork, whose full buffers go to the shared queue for the workers.
 * Only the P's own thread touches its buffer, so it needs no lock.
 * Departure: Go's buffer sits in the P and its fast path is assembly that
 * the compiler calls; here the whole slow path is one C call and the
 * buffer's fast path is a C append.
 */
#include "alloc/internal.h"

void gc_wbBuf_flush(gc_p *p)
{
    gc_heap *h = p->heap;
    wbBuf *b = &p->wbbuf;
    if (h->gcphase != GC_MARK) {
        b->n = 0;
        return;
    }
    for (size_t i = 0; i < b->n; i++)
        gc_shade(h, &p->gcw, b->buf[i]);
    h->wbEntries += b->n;
    b->n = 0;
}
