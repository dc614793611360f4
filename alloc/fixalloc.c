/*
 * fixalloc.c: a free-list allocator of fixed-size metadata records (mspans,
 * arena regions), as Go's mfixalloc.go. Chunks come from mmap and are only
 * returned when the heap is freed; unlike Go's, the records are zeroed on
 * every allocation and each chunk is remembered so gc_heap_free can unmap it.
 */
#include "alloc/internal.h"

enum { FIXALLOC_CHUNK = 64 * 1024 };

void gc_fixalloc_init(fixalloc *f, gc_heap *h, size_t size)
{
    memset(f, 0, sizeof *f);
    f->heap = h;
    f->size = (size + 15) & ~(size_t)15;
}

void *gc_fixalloc_alloc(fixalloc *f)
{
    void *p;
    if (f->freelist) {
        p = f->freelist;
        f->freelist = *(void **)p;
    } else {
        if (f->nchunk < f->size) {
            uint8_t *c = gc_sys_alloc(f->heap, FIXALLOC_CHUNK);
            if (!c)
                return NULL;
            /* The first 16 bytes of a chunk link the chunk list. */
            *(void **)c = f->chunks;
            f->chunks = c;
            f->chunk = c + 16;
            f->nchunk = FIXALLOC_CHUNK - 16;
            f->sys += FIXALLOC_CHUNK;
        }
        p = f->chunk;
        f->chunk += f->size;
        f->nchunk -= f->size;
    }
    /* Fresh chunk memory is zero already, but cleared too: a record is
     * often read before it is written (a span's allocBits), and a read
     * first maps the zero page, so the write faults a second time.
     * Written first, each page is had with one fault. */
    memset(p, 0, f->size);
    f->inuse += f->size;
    return p;
}

void gc_fixalloc_free(fixalloc *f, void *p)
{
    *(void **)p = f->freelist;
    f->freelist = p;
    f->inuse -= f->size;
}

void gc_fixalloc_destroy(fixalloc *f)
{
    void *c = f->chunks;
    while (c) {
        void *next = *(void **)c;
        gc_sys_free(c, FIXALLOC_CHUNK);
        c = next;
    }
    memset(f, 0, sizeof *f);
}
