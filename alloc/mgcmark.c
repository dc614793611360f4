/*
 * mgcmark.c: marking, as Go's mgcmark.go: roots (the host's callbacks via
 * gc_mark_slot/gc_mark_block, and handles), greyobject, scanobject, the
 * drain loop; and the checkmark walk of gccheckmark/gc_verify (Go's
 * mcheckmark.go). Marking is stop-the-world: no write barrier, no assists,
 * no oblets, no Green Tea span queue. Interior pointers are resolved by
 * findObject, so a pointer anywhere into an object (or a tiny block) keeps
 * the whole slot alive. A pointer to a free slot marks nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc/internal.h"

const char *gc_span_typeName(mspan *s, uintptr_t slot)
{
    if (spanclass_noscan(s->spanclass))
        return "(noscan)";
    if (s->heapBits)
        return "(small object, pointer bits in span)";
    const gc_type *t = spanclass_sizeclass(s->spanclass) ? *(const gc_type *const *)slot : s->largeType;
    return t && t->name ? t->name : "(unnamed type)";
}

static int inHeapRange(const gc_heap *h, uintptr_t v)
{
    mspan *s = spanOf(h, v);
    return s != NULL;
}

static void problem(gc_marker *m, const char *what, uintptr_t v, uintptr_t from)
{
    m->problems++;
    fprintf(m->heap->trace, "alloc: verify: %s: %p (found in slot %p)\n", what, (void *)v, (void *)from);
}

static inline void greyobject(gc_heap *h, gc_marker *m, uintptr_t v, uintptr_t from)
{
    mspan *s;
    uintptr_t idx;
    uintptr_t x = findObject(h, v, &s, &idx);
    if (!x) {
        if (UNLIKELY(m->checkmark == 2) && inHeapRange(h, v))
            problem(m, "pointer into the heap outside any object", v, from);
        return;
    }
    if (UNLIKELY(!span_isAllocated(s, idx))) {
        if (m->checkmark == 2)
            problem(m, "pointer to a free slot", v, from);
        return;
    }
    uint64_t *bits = m->checkmark ? s->checkmarks : s->gcmarkBits;
    uint64_t bit = (uint64_t)1 << (idx % 64);
    if (bits[idx / 64] & bit)
        return;
    bits[idx / 64] |= bit;
    if (m->checkmark == 1 && !bit_get(s->gcmarkBits, idx)) {
        fprintf(h->trace,
                "alloc: gccheckmark: reachable object %p (type %s, span %p, elemsize %zu) was not marked\n",
                (void *)x, gc_span_typeName(s, x), (void *)s->startAddr, (size_t)s->elemsize);
        fflush(h->trace);
        abort();
    }
    if (!m->checkmark)
        h->markedBytes += s->elemsize;
    if (!spanclass_noscan(s->spanclass))
        gcw_push(h, x);
}

static void scanobject(gc_heap *h, gc_marker *m, uintptr_t b)
{
    mspan *s = spanOfHeap(h, b);
    uintptr_t size = s->elemsize;
    if (s->heapBits) {
        /* Small object: its bits are one word of the span-end bitmap. */
        uintptr_t nw = size >> 3, o = (b - s->startAddr) >> 3, j = o & 63;
        const uint64_t *hb = s->heapBits + (o >> 6);
        uint64_t mask = hb[0] >> j;
        if (j + nw > 64)
            mask |= hb[1] << (64 - j);
        mask &= ~(uint64_t)0 >> (64 - nw);
        while (mask) {
            uintptr_t a = b + (uintptr_t)__builtin_ctzll(mask) * 8;
            mask &= mask - 1;
            uintptr_t v = *(const uintptr_t *)a;
            /* Skip nil and pointers into the object itself. */
            if (v && (v - b >= size || m->checkmark == 2))
                greyobject(h, m, v, a);
        }
        return;
    }
    typePointers tp = gc_typePointersOf(s, b);
    uintptr_t a;
    while ((a = gc_typePointers_next(&tp)) != 0) {
        uintptr_t v = *(const uintptr_t *)a;
        if (v && (v - b >= size || m->checkmark == 2))
            greyobject(h, m, v, a);
    }
}

void gc_mark_slot(gc_marker *m, void *const *slot)
{
    uintptr_t v = (uintptr_t)*slot;
    if (v)
        greyobject(m->heap, m, v, (uintptr_t)slot);
}

void gc_mark_block(gc_marker *m, void *const *base, size_t nwords, const uint8_t *bitmap)
{
    for (size_t i = 0; i < nwords; i++) {
        if (bitmap && !(bitmap[i / 8] >> (i % 8) & 1)) {
            if (bitmap[i / 8] == 0)
                i |= 7; /* skip the rest of an empty byte */
            continue;
        }
        uintptr_t v = (uintptr_t)base[i];
        if (v)
            greyobject(m->heap, m, v, (uintptr_t)&base[i]);
    }
}

void gc_mark_roots_and_drain(gc_heap *h, gc_marker *m)
{
    for (size_t i = 0; i < h->nroots; i++)
        h->roots[i].fn(m, h->roots[i].ud);
    for (gc_handle *hd = h->handles; hd; hd = hd->next)
        if (hd->obj)
            greyobject(h, m, (uintptr_t)hd->obj, (uintptr_t)&hd->obj);
    uintptr_t b;
    while ((b = gcw_pop(h)) != 0)
        scanobject(h, m, b);
}

void gc_forEachInUseSpan(gc_heap *h, span_fn fn, void *ud)
{
    for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++) {
        mcentral *c = &h->central[spc];
        for (int i = 0; i < 2; i++) {
            for (mspan *s = c->partial[i].first, *n; s; s = n) {
                n = s->next;
                fn(h, s, ud);
            }
            for (mspan *s = c->full[i].first, *n; s; s = n) {
                n = s->next;
                fn(h, s, ud);
            }
        }
    }
    for (gc_p *p = h->ps; p; p = p->next)
        for (unsigned spc = 0; spc < GC_NUM_SPAN_CLASSES; spc++)
            if (p->alloc[spc] != &h->emptyspan)
                fn(h, p->alloc[spc], ud);
}

static void clearCheckmarks(gc_heap *h, mspan *s, void *ud)
{
    (void)h;
    (void)ud;
    memset(s->checkmarks, 0, sizeof s->checkmarks);
}

static void compareMarks(gc_heap *h, mspan *s, void *ud)
{
    (void)ud;
    uint32_t n = s->nelems ? s->nelems : 1;
    for (uint32_t w = 0; w * 64 < n; w++) {
        uint64_t diff = s->gcmarkBits[w] ^ s->checkmarks[w];
        if (!diff)
            continue;
        uintptr_t idx = w * 64 + (uintptr_t)__builtin_ctzll(diff);
        uintptr_t x = s->startAddr + idx * s->elemsize;
        fprintf(h->trace,
                "alloc: gccheckmark: object %p (type %s, span %p, elemsize %zu) is %s\n", (void *)x,
                gc_span_typeName(s, x), (void *)s->startAddr, (size_t)s->elemsize,
                bit_get(s->gcmarkBits, idx) ? "marked but not reachable" : "reachable but not marked");
        fflush(h->trace);
        abort();
    }
}

/* gccheckmark: a second, independent walk must find exactly the marked set. */
void gc_checkmark_verify_marks(gc_heap *h)
{
    gc_forEachInUseSpan(h, clearCheckmarks, NULL);
    gc_marker m = {h, 1, 0};
    gc_mark_roots_and_drain(h, &m);
    gc_forEachInUseSpan(h, compareMarks, NULL);
}

size_t gc_verify(gc_heap *h)
{
    if (h->gc_running)
        return 0;
    gc_forEachInUseSpan(h, clearCheckmarks, NULL);
    gc_marker m = {h, 2, 0};
    gc_mark_roots_and_drain(h, &m);
    fflush(h->trace);
    return m.problems;
}
