/*
 * test_vm_heap.c: a small stand-in for alloc/ that the vm tests link while
 * the real allocator is not in the tree yet (vm/build.mk switches to
 * liballoc.a as soon as alloc/*.c exists). It implements alloc.h with
 * malloc and a precise, non-moving mark-sweep over an object list, so the
 * VM's roots callback and stack maps are exercised exactly as the real
 * collector will use them: a slot the maps do not name is never looked
 * at, and a freed object is poisoned then returned to malloc (ASan and
 * valgrind then catch any use after free).
 */
#include "alloc/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct obj {
    struct obj *next;
    size_t size;
    const gc_type *type;
    int mark;
    long align_; /* payload stays 16-byte aligned */
} obj;

typedef struct rootfn {
    gc_roots_fn fn;
    void *ud;
} rootfn;

struct gc_handle {
    gc_heap *h;
    void *obj;
    gc_handle *next, *prev;
};

struct gc_marker {
    gc_heap *h;
};

struct gc_heap {
    gc_options o;
    obj *objs;
    void **table; /* open addressing set of payload addresses */
    size_t tcap, tcount;
    rootfn roots[16];
    int nroots;
    obj **gray;
    size_t ngray, capgray;
    gc_handle *handles;
    size_t since, goal;
    gc_stats st;
};

struct gc_p {
    gc_heap *h;
};

static void *payload(obj *o) { return o + 1; }

static size_t hash_ptr(const void *p, size_t cap)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 20) & (cap - 1);
}

static void table_insert(gc_heap *h, void *p);

static void table_grow(gc_heap *h)
{
    void **old = h->table;
    size_t oc = h->tcap;
    h->tcap = oc ? oc * 2 : 1024;
    h->table = calloc(h->tcap, sizeof(void *));
    h->tcount = 0;
    for (size_t j = 0; j < oc; j++)
        if (old[j] && old[j] != (void *)1)
            table_insert(h, old[j]);
    free(old);
}

static void table_insert(gc_heap *h, void *p)
{
    if ((h->tcount + 1) * 2 > h->tcap)
        table_grow(h);
    size_t s = hash_ptr(p, h->tcap);
    while (h->table[s] && h->table[s] != (void *)1)
        s = (s + 1) & (h->tcap - 1);
    h->table[s] = p;
    h->tcount++;
}

static size_t table_find(gc_heap *h, const void *p)
{
    if (!h->tcap)
        return SIZE_MAX;
    size_t s = hash_ptr(p, h->tcap);
    while (h->table[s]) {
        if (h->table[s] == p)
            return s;
        s = (s + 1) & (h->tcap - 1);
    }
    return SIZE_MAX;
}

void gc_options_default(gc_options *o)
{
    memset(o, 0, sizeof *o);
    o->gc_percent = 100;
}

int gc_parse_debug(gc_debug *d, const char *s, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (strstr(s, "gcstress=1"))
        d->gcstress = 1;
    if (strstr(s, "gctrace=1"))
        d->gctrace = 1;
    return 0;
}

int gc_options_from_env(gc_options *o, char *err, size_t errlen)
{
    const char *d = getenv("TOYDEBUG");
    return d ? gc_parse_debug(&o->debug, d, err, errlen) : 0;
}

gc_heap *gc_heap_new(const gc_options *o)
{
    gc_heap *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->o = *o;
    h->goal = 4 << 20;
    return h;
}

void gc_heap_free(gc_heap *h)
{
    for (obj *o = h->objs, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    while (h->handles) {
        gc_handle *n = h->handles->next;
        free(h->handles);
        h->handles = n;
    }
    free(h->table);
    free(h->gray);
    free(h);
}

gc_p *gc_p_new(gc_heap *h)
{
    gc_p *p = calloc(1, sizeof *p);
    if (p)
        p->h = h;
    h->st.num_mutators++;
    return p;
}

void gc_p_free(gc_p *p)
{
    p->h->st.num_mutators--;
    free(p);
}

gc_heap *gc_p_heap(gc_p *p) { return p->h; }

void *gc_mallocgc(gc_p *p, size_t size, const gc_type *type, bool needzero)
{
    gc_heap *h = p->h;
    (void)needzero;
    if (size > ((size_t)1 << 40))
        return NULL;
    if (h->o.memory_limit > 0 && h->st.heap_alloc + size > (uint64_t)h->o.memory_limit) {
        gc_collect(h);
        if (h->st.heap_alloc + size > (uint64_t)h->o.memory_limit)
            return NULL;
    }
    if (h->o.debug.gcstress || h->since >= h->goal)
        gc_collect(h);
    obj *o = malloc(sizeof(obj) + (size ? size : 1));
    if (!o)
        return NULL;
    o->size = size;
    o->type = type && type->ptrdata ? type : NULL;
    o->mark = 0;
    o->next = h->objs;
    h->objs = o;
    /* Always zeroed here, and noscan memory poisoned first when not asked
     * to zero would be stricter; zeroing keeps the stand-in simple. */
    memset(payload(o), 0, size ? size : 1);
    table_insert(h, payload(o));
    h->since += size;
    h->st.heap_alloc += size;
    h->st.total_alloc += size;
    h->st.mallocs++;
    h->st.heap_objects++;
    return payload(o);
}

int gc_add_roots(gc_heap *h, gc_roots_fn fn, void *ud)
{
    if (h->nroots == 16)
        return -1;
    h->roots[h->nroots++] = (rootfn){fn, ud};
    return 0;
}

void gc_remove_roots(gc_heap *h, gc_roots_fn fn, void *ud)
{
    for (int j = 0; j < h->nroots; j++)
        if (h->roots[j].fn == fn && h->roots[j].ud == ud) {
            h->roots[j] = h->roots[--h->nroots];
            return;
        }
}

static void shade(gc_heap *h, void *p)
{
    if (!p)
        return;
    size_t s = table_find(h, p);
    if (s == SIZE_MAX)
        return; /* not a heap object base: the VM never makes interior pointers */
    obj *o = (obj *)p - 1;
    if (o->mark)
        return;
    o->mark = 1;
    if (!o->type)
        return;
    if (h->ngray == h->capgray) {
        h->capgray = h->capgray ? h->capgray * 2 : 256;
        h->gray = realloc(h->gray, h->capgray * sizeof *h->gray);
    }
    h->gray[h->ngray++] = o;
}

void gc_mark_slot(gc_marker *m, void *const *slot) { shade(m->h, *slot); }

void gc_mark_block(gc_marker *m, void *const *base, size_t nwords, const uint8_t *bitmap)
{
    for (size_t j = 0; j < nwords; j++)
        if (!bitmap || (bitmap[j / 8] >> (j % 8) & 1))
            shade(m->h, base[j]);
}

static void scan(gc_heap *h, obj *o)
{
    const gc_type *t = o->type;
    char *b = payload(o);
    for (size_t off = 0; off + t->size <= o->size; off += t->size)
        for (size_t w = 0; w < t->ptrdata / sizeof(void *); w++)
            if (t->ptrmask[w / 8] >> (w % 8) & 1)
                shade(h, ((void **)(b + off))[w]);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void gc_collect(gc_heap *h)
{
    uint64_t t0 = now_ns();
    gc_marker m = {h};
    for (int j = 0; j < h->nroots; j++)
        h->roots[j].fn(&m, h->roots[j].ud);
    for (gc_handle *hd = h->handles; hd; hd = hd->next)
        shade(h, hd->obj);
    while (h->ngray)
        scan(h, h->gray[--h->ngray]);
    uint64_t live = 0;
    for (obj **pp = &h->objs; *pp;) {
        obj *o = *pp;
        if (o->mark) {
            o->mark = 0;
            live += o->size;
            pp = &o->next;
            continue;
        }
        *pp = o->next;
        size_t s = table_find(h, payload(o));
        h->table[s] = (void *)1; /* tombstone */
        h->st.heap_alloc -= o->size;
        h->st.frees++;
        h->st.heap_objects--;
        memset(payload(o), 0xAB, o->size ? o->size : 1);
        free(o);
    }
    /* Rebuild the set now and then so tombstones do not pile up. */
    if (h->tcap) {
        void **old = h->table;
        size_t oc = h->tcap;
        h->table = calloc(oc, sizeof(void *));
        h->tcount = 0;
        for (size_t j = 0; j < oc; j++)
            if (old[j] && old[j] != (void *)1)
                table_insert(h, old[j]);
        free(old);
    }
    h->st.heap_live = live;
    h->since = 0;
    h->goal = live > (2u << 20) ? live : (2u << 20);
    h->st.heap_goal = live + h->goal;
    h->st.num_gc++;
    uint64_t pause = now_ns() - t0;
    h->st.pause_total_ns += pause;
    h->st.pause_ns[(h->st.num_gc - 1) % GC_MAX_PAUSES] = pause;
}

void *gc_find_object(gc_heap *h, const void *p)
{
    if (table_find(h, p) != SIZE_MAX)
        return (void *)p;
    for (obj *o = h->objs; o; o = o->next) {
        char *b = payload(o);
        if ((const char *)p >= b && (const char *)p < b + o->size)
            return b;
    }
    return NULL;
}

size_t gc_verify(gc_heap *h)
{
    size_t bad = 0;
    for (obj *o = h->objs; o; o = o->next) {
        if (!o->type)
            continue;
        char *b = payload(o);
        for (size_t off = 0; off + o->type->size <= o->size; off += o->type->size)
            for (size_t w = 0; w < o->type->ptrdata / sizeof(void *); w++)
                if (o->type->ptrmask[w / 8] >> (w % 8) & 1) {
                    void *q = ((void **)(b + off))[w];
                    if (q && table_find(h, q) == SIZE_MAX)
                        bad++;
                }
    }
    return bad;
}

gc_handle *gc_handle_new(gc_heap *h, void *o)
{
    gc_handle *hd = calloc(1, sizeof *hd);
    if (!hd)
        return NULL;
    hd->h = h;
    hd->obj = o;
    hd->next = h->handles;
    if (h->handles)
        h->handles->prev = hd;
    h->handles = hd;
    return hd;
}

void *gc_handle_get(const gc_handle *hd) { return hd->obj; }
void gc_handle_set(gc_handle *hd, void *o) { hd->obj = o; }

void gc_handle_release(gc_handle *hd)
{
    if (hd->prev)
        hd->prev->next = hd->next;
    else
        hd->h->handles = hd->next;
    if (hd->next)
        hd->next->prev = hd->prev;
    free(hd);
}

void gc_read_stats(gc_heap *h, gc_stats *s) { *s = h->st; }
