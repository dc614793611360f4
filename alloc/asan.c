/*
 * asan.c: telling AddressSanitizer which heap bytes nobody may touch
 * (reliability item 5, Go has no counterpart: its race/msan hooks are the
 * nearest, malloc.go asanpoison/asanunpoison do the same job for -asan).
 *
 * In a -fsanitize=address build alloc keeps every byte it has not handed
 * out poisoned: free pages (mheap.c poisons a run when it is committed or
 * freed and unpoisons a span's pages when it is allocated), the free slots
 * and the unused tail of a new small-object span (here), slots freed by
 * sweep (mgcsweep.c), and the slack between an object's requested size and
 * its slot's end (here, for objects the collector never scans past their
 * size). A slot is unpoisoned when nextFree hands it out (mcache.c). Every
 * allocation takes the out-of-line path under ASan (gc_p.slow), so the
 * inlined fast paths need no hook. A use of a freed toy object is then a
 * "use-after-poison" report at the faulty access.
 * In other builds everything here compiles to nothing.
 */
#include "alloc/internal.h"

#if GC_ASAN

void gc_asan_freshSpan(mspan *s)
{
    uintptr_t end = s->heapBits ? (uintptr_t)s->heapBits : s->startAddr + (uintptr_t)s->npages * GC_PAGE_SIZE;
    asan_poison(s->startAddr, end - s->startAddr);
}

void gc_asan_allocated(gc_heap *h, void *obj, size_t size, const gc_type *t)
{
    uintptr_t x = (uintptr_t)obj, end;
    if (size < GC_TINY_SIZE || x == (uintptr_t)&h->zerobase)
        return; /* tiny sub-objects share their block */
    int noscan = t == NULL || t->ptrdata == 0;
    if (size > GC_MAX_SMALL_ALLOC) {
        mspan *s = spanOfHeap(h, x);
        if (!s)
            return;
        end = s->startAddr + (uintptr_t)s->npages * GC_PAGE_SIZE;
    } else if (noscan || size <= GC_MIN_SIZE_FOR_MALLOC_HEADER) {
        /* Heap-bits objects: the bits past size are zero, nothing there is
         * scanned. Header objects are scanned to their slot's end: skipped. */
        end = x + gc_class_to_size[size_to_class(size)];
    } else {
        return;
    }
    uintptr_t from = (x + size + 7) & ~(uintptr_t)7; /* ASan's 8-byte granules */
    if (from < end)
        asan_poison(from, end - from);
}

#else

/* ISO C wants a translation unit to declare something. */
typedef int gc_asan_unused;

#endif
