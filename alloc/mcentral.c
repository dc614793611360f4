/*
 * mcentral.c: the central free lists, one per span class, as Go's
 * mcentral.go. An mcentral holds spans, never objects: partial (some free
 * slot) and full, each as a swept and an unswept set chosen by sweepgen/2%2,
 * so advancing sweepgen by 2 at each cycle turns every swept set into the
 * unswept one without touching a span. A span taken off an unswept list is
 * swept by whoever wins its sweepgen claim (span_claimSweep): the host
 * here, or the background sweeper (mgcsweep.c). Departures: the sets are
 * doubly linked lists of mspans under a mutex instead of Go's lock-free
 * spanSet.
 */
#include "alloc/internal.h"

enum { SPAN_BUDGET = 100 }; /* spans cacheSpan may sweep before growing: <= 1% overhead, as Go */

void gc_mcentral_lock(mcentral *c) { pthread_mutex_lock(&c->lock); }
void gc_mcentral_unlock(mcentral *c) { pthread_mutex_unlock(&c->lock); }

void gc_mcentral_init(mcentral *c, uint8_t spanclass)
{
    memset(c, 0, sizeof *c);
    gc_lock_init(&c->lock);
    c->spanclass = spanclass;
    for (unsigned i = 0; i < 4; i++)
        mcentral_list(c, i)->which = (uint8_t)i;
}

void gc_spanList_push(spanList *l, mspan *s)
{
    s->onList = (uint8_t)(l->which + 1);
    s->prev = NULL;
    s->next = l->first;
    if (l->first)
        l->first->prev = s;
    l->first = s;
    l->n++;
}

void gc_spanList_remove(spanList *l, mspan *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        l->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
    s->onList = 0;
    l->n--;
}

mspan *gc_spanList_pop(spanList *l)
{
    mspan *s = l->first;
    if (s)
        gc_spanList_remove(l, s);
    return s;
}

/* Go's mcentral.grow: a fresh span from the heap. */
static mspan *mcentral_grow(gc_heap *h, mcentral *c)
{
    unsigned sc = spanclass_sizeclass(c->spanclass);
    mspan *s = gc_mheap_alloc(h, gc_class_to_allocnpages[sc], c->spanclass);
    if (!s)
        return NULL;
    gc_span_initSmall(h, s, c->spanclass);
    if (h->opts.debug.clobberfree)
        gc_clobber_fill(s->startAddr, s->limit - s->startAddr);
    gc_asan_freshSpan(s);
    return s;
}

mspan *gc_mcentral_cacheSpan(gc_heap *h, mcentral *c)
{
    unsigned sc = spanclass_sizeclass(c->spanclass);
    gc_deductSweepCredit(h, (uintptr_t)gc_class_to_allocnpages[sc] * GC_PAGE_SIZE);
    uint32_t sg = h->sweepgen;
    int budget = SPAN_BUDGET;
    mspan *s;
    gc_mcentral_lock(c);
    s = gc_spanList_pop(mcentral_partialSwept(c, sg));
    if (s)
        goto havespan;
    /* Sweep partial unswept spans first: sweeping can only free slots. */
    while (budget-- > 0 && (s = gc_spanList_pop(mcentral_partialUnswept(c, sg))) != NULL) {
        if (span_claimSweep(s, sg)) {
            gc_mcentral_unlock(c);
            gc_span_sweep(h, s, 1);
            goto havespanUnlocked;
        }
    }
    while (budget-- > 0 && (s = gc_spanList_pop(mcentral_fullUnswept(c, sg))) != NULL) {
        if (span_claimSweep(s, sg)) {
            gc_mcentral_unlock(c);
            gc_span_sweep(h, s, 1);
            if (s->allocCount < s->nelems)
                goto havespanUnlocked;
            gc_mcentral_lock(c);
            gc_spanList_push(mcentral_fullSwept(c, sg), s);
        }
    }
    gc_mcentral_unlock(c);
    s = mcentral_grow(h, c);
    if (!s)
        return NULL;
    goto havespanUnlocked;
havespan:
    gc_mcentral_unlock(c);
havespanUnlocked:
    s->allocCountBeforeCache = s->allocCount;
    return s;
}

void gc_mcentral_uncacheSpan(gc_heap *h, mcentral *c, mspan *s)
{
    uint32_t sg = h->sweepgen;
    int stale = s->sweepgen == sg + 1;
    if (stale) {
        /* Cached since before this sweep phase began: sweep it now; sweep
         * puts it on the right list or frees it. No one else claims a
         * cached span (sg+1 is not sg-2). */
        __atomic_store_n(&s->sweepgen, sg - 1, __ATOMIC_RELAXED);
        gc_span_sweep(h, s, 0);
        return;
    }
    __atomic_store_n(&s->sweepgen, sg, __ATOMIC_RELEASE);
    gc_mcentral_lock(c);
    if (s->allocCount < s->nelems)
        gc_spanList_push(mcentral_partialSwept(c, sg), s);
    else
        gc_spanList_push(mcentral_fullSwept(c, sg), s);
    gc_mcentral_unlock(c);
}
