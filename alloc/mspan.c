/*
 * mspan.c: a span's slot bookkeeping, as the mspan methods of Go's
 * mheap.go/mbitmap.go/malloc.go (initSpan, refillAllocCache, nextFreeIndex,
 * countAlloc). allocBits/gcmarkBits are the two halves of one block
 * sized to the span's slots (gc_mheap_alloc), swapped by sweep as Go swaps
 * its gcBits.
 *
 * Departure: allocCache covers the 64-slot window [freeindex, freeindex+64)
 * with bits in place (bit i = slot freeindex+i is free) and nextFreeFast
 * clears the bit it takes. So freeindex only moves in whole windows, the
 * window's allocations reach allocBits when the window is left or the span
 * leaves the mcache (gc_span_commitCache), and "slot i is allocated" is
 * i < freeindex || allocBits[i] whenever the span is not cached.
 */
#include "alloc/internal.h"

static uint64_t validBits(const mspan *s, uint32_t word)
{
    uint32_t base = word * 64;
    if (base >= s->nelems)
        return 0;
    uint32_t n = s->nelems - base;
    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

static inline __attribute__((always_inline)) void refillAllocCache(mspan *s, uint32_t word)
{
    s->freeindex = word * 64;
    s->winBase = s->startAddr + s->freeindex * s->elemsize;
    /* A window is 64 slots, so it starts on a bitmap word. Only small
     * spans have windows, so the union holds heapBits, not largeType. */
    if (s->heapBits)
        s->winHeapBits = s->heapBits + word * (s->elemsize / GC_PTR_SIZE);
    s->winBits = 0;
    s->allocCache = ~s->allocBits[word < span_bitsWords(s) ? word : 0] & validBits(s, word);
}

void gc_span_refillAllocCache(mspan *s, uint32_t word) { refillAllocCache(s, word); }

uint32_t gc_span_nextFreeIndex(mspan *s)
{
    while (s->allocCache == 0) {
        if (s->freeindex >= s->nelems)
            return s->nelems;
        /* Every slot of the window is taken: record it and move on. */
        uint32_t w = s->freeindex / 64;
        s->allocBits[w] |= validBits(s, w);
        if (s->freeindex + 64 >= s->nelems) {
            s->freeindex += 64;
            return s->nelems;
        }
        gc_span_refillAllocCache(s, w + 1);
    }
    return s->freeindex + (uint32_t)__builtin_ctzll(s->allocCache);
}

/* The common refill, split from nextFreeIndex so the allocation fronts
 * can take it without the general path: the window is used up and is not
 * the span's last, so all of its 64 slots are allocated. Returns the next
 * window's allocCache (0: no room there; nextFreeIndex carries on). */
uint64_t gc_span_nextWindow(mspan *s)
{
    if (s->freeindex + 64 >= s->nelems)
        return 0;
    uint32_t w = s->freeindex / 64;
    s->allocBits[w] = ~(uint64_t)0;
    refillAllocCache(s, w + 1);
    return s->allocCache;
}

void gc_span_commitCache(mspan *s)
{
    if (s->freeindex < s->nelems) {
        uint32_t w = s->freeindex / 64;
        s->allocBits[w] |= validBits(s, w) & ~s->allocCache;
    }
}

unsigned gc_span_countAlloc(const mspan *s)
{
    unsigned n = 0;
    for (uint32_t w = 0; w * 64 < s->nelems; w++)
        n += (unsigned)__builtin_popcountll(s->allocBits[w] & validBits(s, w));
    return n;
}

unsigned gc_span_countMarked(const mspan *s)
{
    unsigned n = 0;
    uint32_t nelems = s->nelems ? s->nelems : 1;
    for (uint32_t w = 0; w * 64 < nelems; w++)
        n += (unsigned)__builtin_popcountll(s->gcmarkBits[w]);
    return n;
}

/* Go's initSpan for a small-object span (mheap.go) plus initHeapBits. */
void gc_span_initSmall(gc_heap *h, mspan *s, uint8_t spanclass)
{
    (void)h;
    unsigned sc = spanclass_sizeclass(spanclass);
    uintptr_t spanBytes = (uintptr_t)s->npages * GC_PAGE_SIZE;
    s->spanclass = spanclass;
    s->elemsize = gc_class_to_size[sc];
    s->divMul = gc_class_to_divmagic[sc];
    uintptr_t usable = spanBytes;
    if (!spanclass_noscan(spanclass) && s->elemsize <= GC_MIN_SIZE_FOR_MALLOC_HEADER) {
        /* One heap bit per word of the span, stored at its end; the bitmap's
         * bytes come out of the objects' space (Go's heapBitsInSpan). */
        usable = spanBytes - spanBytes / 64;
        s->heapBits = (uint64_t *)(s->startAddr + usable);
    }
    s->nelems = (uint16_t)(usable / s->elemsize);
    s->limit = s->startAddr + s->nelems * s->elemsize;
    /* allocBits and gcmarkBits: gc_mheap_alloc's fresh, zeroed block. */
    s->allocCount = 0;
    s->winHeapBits = NULL;
    gc_span_refillAllocCache(s, 0);
    if (s->heapBits)
        gc_heapBits_init(s);
}
