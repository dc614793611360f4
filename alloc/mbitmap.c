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
uint64_t gc_type_maskWord(const gc_type *t, size_t w)
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


void gc_heapBits_init(mspan *s)
{
    size_t n = (size_t)s->npages * GC_PAGE_SIZE / 64;
    /* 8-byte pointerful objects are one pointer each: all ones, never
     * written again. The rest is cleared even in fresh memory, which
     * reads as zero already: the first allocation reads its bitmap word
     * before writing it, and a read before the first write maps the
     * kernel's zero page, so the write faults again (for a transparent
     * huge page, a copy of the 2 MiB zero page and a TLB shootdown across
     * the mark threads). Written first, the page is had with one fault. */
    memset(s->heapBits, s->elemsize == GC_PTR_SIZE ? 0xff : 0, n);
}

/* heapBits_writeSmall (Go's writeHeapBitsSmall) is in internal.h so the
 * allocation fast path can inline it. */

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

/* A type whose elements divide 64 words: its mask tiled over 64 words, so
 * that an array of it is read 64 words at a time (0: not such a type, or
 * no pointers). */
static uint64_t tiledMask(const gc_type *t)
{
    size_t ew = t->size / 8;
    if (ew == 0 || ew > 64 || 64 % ew != 0 || t->size % 8 != 0)
        return 0;
    uint64_t m = gc_type_maskWord(t, 0) & lowBits(ew), tiled = 0;
    for (size_t k = 0; k < 64; k += ew)
        tiled |= m << k;
    return tiled;
}

typePointers gc_typePointersOf(const mspan *s, uintptr_t x)
{
    typePointers tp = {0, 0, 0, NULL, 0, 0};
    if (spanclass_noscan(s->spanclass))
        return tp;
    if (span_heapBits(s)) {
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
        if (t) {
            uintptr_t avail = s->elemsize - GC_MALLOC_HEADER_SIZE;
            tp.limit = x + (avail >= t->size ? avail / t->size * t->size : avail);
        }
    } else {
        t = s->largeType;
        /* size/t->size whole elements, as heap bits and headers. */
        tp.limit = s->limit;
        if (t && s->limit - x >= t->size)
            tp.limit = x + (s->limit - x) / t->size * t->size;
    }
    if (!t)
        return tp; /* not typed yet: nothing to scan */
    tp.typ = t;
    tp.addr = tp.elem = x;
    tp.mask = gc_type_maskWord(t, 0);
    tp.tiled = tiledMask(t);
    if (tp.tiled)
        tp.mask = tp.tiled;
    return tp;
}

typePointers gc_typePointersRange(const mspan *s, uintptr_t from, uintptr_t to)
{
    typePointers tp = gc_typePointersOf(s, s->startAddr);
    const gc_type *t = tp.typ;
    if (!t)
        return tp;
    if (to < tp.limit)
        tp.limit = to;
    /* The element holding from, and its 64-word block holding from. */
    uintptr_t x = s->startAddr;
    tp.elem = x + (from - x) / t->size * t->size;
    uintptr_t off = (from - tp.elem) / 8;
    if (tp.tiled) {
        tp.addr = tp.elem;
        tp.mask = tp.tiled;
    } else {
        tp.addr = tp.elem + (off & ~(uintptr_t)63) * 8;
        off &= 63;
        tp.mask = gc_type_maskWord(t, (tp.addr - tp.elem) / 8);
    }
    tp.mask &= ~lowBits(off);
    return tp;
}

uintptr_t gc_typePointers_next(typePointers *tp)
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
        if (tp->tiled) {
            tp->addr += 64 * 8;
            tp->elem = tp->addr;
            if (tp->addr >= tp->limit) {
                tp->typ = NULL;
                return 0;
            }
            tp->mask = tp->tiled;
            continue;
        }
        tp->addr += 64 * 8;
        if (tp->addr - tp->elem >= ((t->ptrdata + 7) & ~(size_t)7)) {
            tp->elem += t->size;
            tp->addr = tp->elem;
        }
        if (tp->addr >= tp->limit) {
            tp->typ = NULL;
            return 0;
        }
        tp->mask = gc_type_maskWord(t, (tp->addr - tp->elem) / 8);
    }
}
