/*
 * mbitmap.c: heap pointer metadata, as Go's mbitmap.go: the bitmap at the
 * end of small scan spans (objects <= 512 bytes), writeHeapBitsSmall, and
 * typePointers, the iterator over an object's pointer slots that both the
 * collector and gc_object_pointers use. The three layouts (bits in span,
 * 8-byte type header, span->largeType) are read exactly as malloc.c wrote
 * them. A gc_type describes one element; a longer object is an array of it
 * (bits tiled with stride size).
 */
#include "alloc/internal.h"

/* 64 bits of t's pointer mask starting at word w (a multiple of 64). */
static uint64_t maskWord(const gc_type *t, size_t w)
{
    size_t nbits = (t->ptrdata + 7) / 8;
    if (w >= nbits)
        return 0;
    size_t nbytes = (nbits + 7) / 8;
    uint64_t m = 0;
    for (size_t i = 0; i < 8 && w / 8 + i < nbytes; i++)
        m |= (uint64_t)t->ptrmask[w / 8 + i] << (8 * i);
    if (nbits - w < 64)
        m &= ((uint64_t)1 << (nbits - w)) - 1;
    return m;
}

uint64_t type_firstMaskWord(const gc_type *t) { return maskWord(t, 0); }

static uint64_t lowBits(uintptr_t n) { return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1; }

void heapBits_init(mspan *s)
{
    size_t n = s->npages * GC_PAGE_SIZE / 64;
    /* 8-byte pointerful objects are one pointer each: all ones, never written again. */
    if (s->elemsize == GC_PTR_SIZE)
        memset(s->heapBits, 0xff, n);
    else if (s->needzero)
        memset(s->heapBits, 0, n);
}

/* Go's writeHeapBitsSmall: the object's bits fit in one word, spliced into
 * at most two bitmap words. */
void heapBits_writeSmall(mspan *s, uintptr_t x, size_t dataSize, const gc_type *t)
{
    uint64_t src0 = t->ptrdata <= 64 ? t->ptrmask[0] & ((1u << ((t->ptrdata + 7) >> 3)) - 1) : maskWord(t, 0);
    uint64_t src;
    if (t->size == dataSize) {
        src = src0;
    } else {
        if (t->size == GC_PTR_SIZE) {
            src = (src0 & 1) ? lowBits(dataSize / 8) : 0;
        } else {
            src = src0;
            for (size_t i = t->size; i < dataSize; i += t->size)
                src |= src0 << (i / 8);
        }
        /* Never past the object: a partial last element keeps only its
         * words inside dataSize (the rest of the slot is zero, unscanned). */
        src &= lowBits((dataSize + 7) / 8);
    }
    uintptr_t nw = s->elemsize >> 3; /* 1..64 */
    uint64_t m = ~(uint64_t)0 >> (64 - nw);
    uintptr_t o = (x - s->startAddr) >> 3, j = o & 63;
    uint64_t *hb = s->heapBits + (o >> 6);
    hb[0] = (hb[0] & ~(m << j)) | src << j;
    if (j + nw > 64)
        hb[1] = (hb[1] & ~(m >> (64 - j))) | src >> (64 - j);
}

static uint64_t heapBitsSmallForAddr(const mspan *s, uintptr_t x)
{
    uintptr_t elemWords = s->elemsize / 8;
    uintptr_t o = (x - s->startAddr) / 8, i = o / 64, j = o % 64;
    const uint64_t *hb = s->heapBits;
    uint64_t m = hb[i] >> j;
    if (j + elemWords > 64)
        m |= hb[i + 1] << (64 - j);
    return m & lowBits(elemWords);
}

typePointers typePointersOf(const mspan *s, uintptr_t x)
{
    typePointers tp = {0, 0, 0, NULL, 0};
    if (spanclass_noscan(s->spanclass))
        return tp;
    if (s->heapBits) {
        tp.addr = tp.elem = x;
        tp.limit = x + s->elemsize;
        tp.mask = heapBitsSmallForAddr(s, x);
        return tp;
    }
    const gc_type *t;
    if (spanclass_sizeclass(s->spanclass) != 0) {
        t = *(const gc_type *const *)x;
        x += GC_MALLOC_HEADER_SIZE;
        /* The slot does not record the object's length: stop after the last
         * whole element that fits (Go scans to the slot's end; the tail is
         * zero either way, this keeps gc_object_pointers exact for arrays). */
        if (t)
            tp.limit = x + (s->elemsize - GC_MALLOC_HEADER_SIZE) / t->size * t->size;
    } else {
        t = s->largeType;
        tp.limit = s->limit;
    }
    if (!t)
        return tp; /* not typed yet: nothing to scan */
    tp.typ = t;
    tp.addr = tp.elem = x;
    tp.mask = maskWord(t, 0);
    return tp;
}

uintptr_t typePointers_next(typePointers *tp)
{
    for (;;) {
        if (tp->mask) {
            uintptr_t p = tp->addr + (uintptr_t)__builtin_ctzll(tp->mask) * 8;
            tp->mask &= tp->mask - 1;
            if (p >= tp->limit) {
                tp->mask = 0;
                tp->typ = NULL;
                return 0;
            }
            return p;
        }
        const gc_type *t = tp->typ;
        if (!t)
            return 0;
        tp->addr += 64 * 8;
        if (tp->addr - tp->elem >= ((t->ptrdata + 7) & ~(size_t)7)) {
            tp->elem += t->size;
            tp->addr = tp->elem;
        }
        if (tp->addr >= tp->limit) {
            tp->typ = NULL;
            return 0;
        }
        tp->mask = maskWord(t, (tp->addr - tp->elem) / 8);
    }
}
