/*
 * mcentral.c: the central free lists, one per span class, as Go's
 * mcentral.go. An mcentral holds spans, never objects: partial (some free
 * slot) and full, each as a swept and an unswept set chosen by sweepgen/2%2,
 * so advancing sweepgen by 2 at each cycle turns every swept set into the
 * unswept one without touching a span. Departures: the sets are doubly
 * linked lists of mspans under a small spin lock instead of Go's lock-free
 * spanSet (one mutator per heap is the norm; several are allowed).
 */
#include "alloc/internal.h"

enum { SPAN_BUDGET = 100 }; /* spans cacheSpan may sweep before growing: <= 1% overhead, as Go */

void mcentral_lock(mcentral *c)
{
    while (atomic_flag_test_and_set_explicit(&c->lock, memory_order_acquire))
        ;
}
void mcentral_unlock(mcentral *c) { atomic_flag_clear_explicit(&c->lock, memory_order_release); }

void mcentral_init(mcentral *c, uint8_t spanclass)
{
    memset(c, 0, sizeof *c);
    atomic_flag_clear(&c->lock);
    c->spanclass = spanclass;
}

void spanList_push(spanList *l, mspan *s, uint8_t idx)
{
    s->list = LIST_CENTRAL;
    s->listidx = idx;
    s->prev = NULL;
    s->next = l->first;
    if (l->first)
        l->first->prev = s;
    l->first = s;
    l->n++;
}

void spanList_remove(spanList *l, mspan *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        l->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
    s->list = LIST_NONE;
    l->n--;
}

mspan *spanList_pop(spanList *l)
{
    mspan *s = l->first;
    if (s)
        spanList_remove(l, s);
    return s;
}

/* Go's mcentral.grow: a fresh span from the heap. */
static mspan *mcentral_grow(gc_heap *h, mcentral *c)
{
    unsigned sc = spanclass_sizeclass(c->spanclass);
    mspan *s = mheap_alloc(h, gc_class_to_allocnpages[sc], c->spanclass);
    if (!s)
        return NULL;
    span_initSmall(h, s, c->spanclass);
    if (h->opts.debug.clobberfree)
        clobber_fill(s->startAddr, s->limit - s->startAddr);
    return s;
}

mspan *mcentral_cacheSpan(gc_heap *h, mcentral *c)
{
    unsigned sc = spanclass_sizeclass(c->spanclass);
    deductSweepCredit(h, (uintptr_t)gc_class_to_allocnpages[sc] * GC_PAGE_SIZE);
    uint32_t sg = h->sweepgen;
    int budget = SPAN_BUDGET;
    mspan *s;
    mcentral_lock(c);
    s = spanList_pop(mcentral_partialSwept(c, sg));
    if (s)
        goto havespan;
    /* Sweep partial unswept spans first: sweeping can only free slots. */
    while (budget-- > 0 && (s = spanList_pop(mcentral_partialUnswept(c, sg))) != NULL) {
        if (s->sweepgen == sg - 2) {
            s->sweepgen = sg - 1;
            mcentral_unlock(c);
            span_sweep(h, s, 1);
            goto havespanUnlocked;
        }
    }
    while (budget-- > 0 && (s = spanList_pop(mcentral_fullUnswept(c, sg))) != NULL) {
        if (s->sweepgen == sg - 2) {
            s->sweepgen = sg - 1;
            mcentral_unlock(c);
            span_sweep(h, s, 1);
            if (s->allocCount < s->nelems)
                goto havespanUnlocked;
            mcentral_lock(c);
            spanList_push(mcentral_fullSwept(c, sg), s, 0);
        }
    }
    mcentral_unlock(c);
    s = mcentral_grow(h, c);
    if (!s)
        return NULL;
    goto havespanUnlocked;
havespan:
    mcentral_unlock(c);
havespanUnlocked:
    s->allocCountBeforeCache = s->allocCount;
    return s;
}

void mcentral_uncacheSpan(gc_heap *h, mcentral *c, mspan *s)
{
    uint32_t sg = h->sweepgen;
    int stale = s->sweepgen == sg + 1;
    if (stale) {
        /* Cached since before this sweep phase began: sweep it now; sweep
         * puts it on the right list or frees it. */
        s->sweepgen = sg - 1;
        span_sweep(h, s, 0);
        return;
    }
    s->sweepgen = sg;
    mcentral_lock(c);
    if (s->allocCount < s->nelems)
        spanList_push(mcentral_partialSwept(c, sg), s, 0);
    else
        spanList_push(mcentral_fullSwept(c, sg), s, 0);
    mcentral_unlock(c);
}
