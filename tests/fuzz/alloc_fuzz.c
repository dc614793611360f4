/*
 * alloc_fuzz.c: libFuzzer target for alloc's API, checked against a model
 * (reliability.md §7 item 6: Go's TestFreegc duplicate check, Boehm's
 * reverse_test/chktree, MPS's amcss). Bytes decode into a sequence of
 * calls: allocate (noscan in every size class and large; pointerful as
 * arrays of five element layouts, so the heap-bits, header and large
 * paths all run), link, unlink, root (gc_handle), unroot, collect. A model
 * graph mirrors the heap. After every call that may collect, objects the
 * model cannot reach are forgotten (never touched again); after every
 * gc_collect the model is checked:
 *   - every model-reachable object is intact: its stamped id in word 0, a
 *     payload derived from the id in every other scalar word, and its
 *     pointer slots holding exactly the model's edges; gc_find_object
 *     maps it to itself;
 *   - objects that became unreachable since the last collection are freed:
 *     gc_stats.frees grew by exactly their number;
 *   - no two live objects overlap (also checked at each allocation: a new
 *     object never overlaps a live one);
 *   - gc_verify finds nothing.
 * The first byte chooses the debug switches (gcstress, clobberfree,
 * gccheckmark) and the pacer's percentage. Objects are at least 16 bytes,
 * so none goes to the tiny allocator (whose blocks hold several objects
 * and are freed as one, which the frees count cannot follow).
 * Built and run by `make fuzz-alloc`; seeds in tests/fuzz/corpus/alloc/.
 */
#include "alloc/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OBJS 256
#define MAX_BYTES ((size_t)4 << 20)

/* Element layouts of pointerful objects; word 0 of element 0 is the id, so
 * it is a scalar in every layout. */
static const uint8_t mask16[] = {0x02};       /* scalar, ptr */
static const uint8_t mask24[] = {0x02};       /* scalar, ptr, scalar */
static const uint8_t mask32[] = {0x0a};       /* scalar, ptr, scalar, ptr */
static const uint8_t mask48[] = {0x26};       /* scalar, ptr, ptr, scalar, scalar, ptr */
static const uint8_t mask40[] = {0x10};       /* four scalars, then ptr (ptrdata 40) */
static const gc_type types[] = {
    {16, 16, mask16, "fz16"},
    {24, 16, mask24, "fz24"},
    {32, 32, mask32, "fz32"},
    {48, 48, mask48, "fz48"},
    {40, 40, mask40, "fz40"},
};
#define NTYPES (sizeof types / sizeof types[0])

/* Noscan sizes: one in each stretch of the size classes, then large. */
static const size_t noscan_sizes[] = {
    16, 24, 40, 64, 100, 128, 250, 500, 700, 1024, 1500, 2900, 4096, 6000,
    9000, 13000, 20000, 27000, 32760, 32768, 40000, 70000, 140000, 300000,
};
#define NNOSCAN (sizeof noscan_sizes / sizeof noscan_sizes[0])
/* Element counts of pointerful arrays (large ones past 32760 bytes). */
static const size_t counts[] = {1, 1, 2, 3, 5, 8, 16, 21, 32, 40, 64, 100, 300, 700, 1100, 2000};
#define NCOUNTS (sizeof counts / sizeof counts[0])

typedef struct obj {
    uint64_t *p;       /* NULL: dead in the model (never touched again) */
    uint64_t id;
    size_t size;
    int type;          /* -1: noscan */
    size_t nslots;     /* pointer slots */
    size_t *slot_word; /* word index of each slot */
    int *edge;         /* model target of each slot, -1 = nil */
    gc_handle *root;
    bool reached;
} obj;

typedef struct model {
    gc_heap *h;
    gc_p *p;
    obj objs[MAX_OBJS];
    int n;
    uint64_t next_id;
    size_t bytes;
    uint64_t frees_base; /* gc_stats.frees at the last check */
    uint64_t died;       /* objects forgotten since then */
    const uint8_t *in;
    size_t len, pos;
} model;

static void fail(const char *what, uint64_t id)
{
    fprintf(stderr, "alloc_fuzz: %s (object id %llu)\n", what, (unsigned long long)id);
    abort();
}

static uint8_t next(model *m)
{
    return m->pos < m->len ? m->in[m->pos++] : 0;
}

static uint64_t payload(uint64_t id, size_t word)
{
    uint64_t x = id * 0x9e3779b97f4a7c15ull ^ (word + 1) * 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

static bool is_ptr_word(int type, size_t word)
{
    if (type < 0)
        return false;
    const gc_type *t = &types[type];
    size_t w = word % (t->size / 8);
    return w * 8 < t->ptrdata && (t->ptrmask[w / 8] >> (w % 8) & 1);
}

/* Mark the model's reachable objects (from handles); forget the rest. */
static void prune(model *m)
{
    int stack[MAX_OBJS], sp = 0;
    for (int i = 0; i < m->n; i++) {
        m->objs[i].reached = false;
        if (m->objs[i].p && m->objs[i].root) {
            m->objs[i].reached = true;
            stack[sp++] = i;
        }
    }
    while (sp > 0) {
        obj *o = &m->objs[stack[--sp]];
        for (size_t k = 0; k < o->nslots; k++) {
            int t = o->edge[k];
            if (t >= 0 && !m->objs[t].reached) {
                m->objs[t].reached = true;
                stack[sp++] = t;
            }
        }
    }
    for (int i = 0; i < m->n; i++) {
        obj *o = &m->objs[i];
        if (o->p && !o->reached) {
            o->p = NULL;
            m->died++;
            free(o->slot_word);
            free(o->edge);
            o->slot_word = NULL;
            o->edge = NULL;
            o->nslots = 0;
        }
    }
}

static int cmp_obj(const void *a, const void *b)
{
    const obj *x = *(const obj *const *)a, *y = *(const obj *const *)b;
    return (uintptr_t)x->p < (uintptr_t)y->p ? -1 : (uintptr_t)x->p > (uintptr_t)y->p;
}

static void check_overlap(model *m)
{
    const obj *live[MAX_OBJS];
    int n = 0;
    for (int i = 0; i < m->n; i++)
        if (m->objs[i].p)
            live[n++] = &m->objs[i];
    qsort(live, (size_t)n, sizeof live[0], cmp_obj);
    for (int i = 1; i < n; i++)
        if ((uintptr_t)live[i - 1]->p + live[i - 1]->size > (uintptr_t)live[i]->p)
            fail("two live objects overlap", live[i]->id);
}

static void check(model *m)
{
    gc_stats s;
    gc_read_stats(m->h, &s);
    if (s.frees - m->frees_base != m->died) {
        fprintf(stderr, "alloc_fuzz: frees grew by %llu, the model lost %llu objects\n",
                (unsigned long long)(s.frees - m->frees_base), (unsigned long long)m->died);
        abort();
    }
    m->frees_base = s.frees;
    m->died = 0;
    for (int i = 0; i < m->n; i++) {
        obj *o = &m->objs[i];
        if (!o->p)
            continue;
        if (o->p[0] != o->id)
            fail("stamped id overwritten", o->id);
        if (gc_find_object(m->h, o->p) != o->p)
            fail("gc_find_object does not find a live object", o->id);
        if (gc_find_object(m->h, (char *)o->p + o->size - 1) != o->p)
            fail("gc_find_object misses the last byte of a live object", o->id);
        size_t k = 0;
        for (size_t w = 1; w < o->size / 8; w++) {
            if (is_ptr_word(o->type, w)) {
                int t = o->edge[k++];
                void *want = t >= 0 ? (void *)m->objs[t].p : NULL;
                if ((uintptr_t)o->p[w] != (uintptr_t)want)
                    fail("pointer slot changed", o->id);
            } else if (o->p[w] != payload(o->id, w)) {
                fail("payload checksum", o->id);
            }
        }
    }
    check_overlap(m);
    if (gc_verify(m->h) != 0)
        fail("gc_verify found problems", 0);
}

/* Pick a live object from a byte; -1 when there is none. */
static int pick(model *m)
{
    uint8_t b = next(m);
    if (m->n == 0)
        return -1;
    for (int k = 0; k < m->n; k++) {
        int i = (b + k) % m->n;
        if (m->objs[i].p)
            return i;
    }
    return -1;
}

static int pick_slot(model *m, int i)
{
    uint8_t b = next(m);
    if (i < 0 || m->objs[i].nslots == 0)
        return -1;
    return (int)(b % m->objs[i].nslots);
}

static void store(model *m, int i, int k, int target)
{
    obj *o = &m->objs[i];
    o->edge[k] = target;
    o->p[o->slot_word[k]] = target >= 0 ? (uint64_t)(uintptr_t)m->objs[target].p : 0;
}

static void do_alloc(model *m, bool large)
{
    uint8_t kind = next(m), nb = next(m), where = next(m);
    if (m->n == MAX_OBJS)
        return;
    int type;
    size_t size;
    if (kind % 3 == 0) {
        type = -1;
        size = noscan_sizes[large ? NNOSCAN - 1 - nb % 5 : nb % NNOSCAN];
    } else {
        type = (int)(kind % NTYPES);
        size_t n = large ? 700 + nb * 4u : counts[nb % NCOUNTS];
        size = n * types[type].size;
    }
    if (m->bytes + size > MAX_BYTES)
        return;
    /* The allocation may collect: before it, the model forgets what it
     * cannot reach (nothing unreachable is ever touched again). */
    prune(m);
    uint64_t *p = gc_mallocgc(m->p, size, type >= 0 ? &types[type] : NULL, true);
    if (!p)
        fail("gc_mallocgc returned NULL", m->next_id);
    obj *o = &m->objs[m->n];
    memset(o, 0, sizeof *o);
    o->p = p;
    o->id = ++m->next_id;
    o->size = size;
    o->type = type;
    for (size_t w = 0; w < size / 8; w++) {
        if (p[w] != 0)
            fail("new memory is not zeroed", o->id);
        if (w > 0 && is_ptr_word(type, w))
            o->nslots++;
    }
    p[0] = o->id;
    if (o->nslots) {
        o->slot_word = malloc(o->nslots * sizeof *o->slot_word);
        o->edge = malloc(o->nslots * sizeof *o->edge);
        if (!o->slot_word || !o->edge)
            abort();
    }
    size_t k = 0;
    for (size_t w = 1; w < size / 8; w++) {
        if (is_ptr_word(type, w)) {
            o->slot_word[k] = w;
            o->edge[k++] = -1;
        } else {
            p[w] = payload(o->id, w);
        }
    }
    int idx = m->n++;
    m->bytes += size;
    /* Make it reachable before the next safepoint: a handle, or a slot of
     * a live object. */
    int holder = where & 1 ? pick(m) : -1;
    int slot = pick_slot(m, holder);
    if (holder >= 0 && holder != idx && slot >= 0) {
        store(m, holder, slot, idx);
    } else {
        o->root = gc_handle_new(m->h, p);
        if (!o->root)
            fail("gc_handle_new returned NULL", o->id);
    }
    for (int i = 0; i < m->n; i++) {
        const obj *q = &m->objs[i];
        if (i != idx && q->p && (uintptr_t)q->p < (uintptr_t)p + size &&
            (uintptr_t)p < (uintptr_t)q->p + q->size)
            fail("a new object overlaps a live one", o->id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    model *m = calloc(1, sizeof *m);
    if (!m)
        return 0;
    m->in = data;
    m->len = size;
    uint8_t flags = next(m);
    gc_options o;
    gc_options_default(&o);
    o.debug.gcstress = flags & 1;
    o.debug.clobberfree = flags >> 1 & 1;
    o.debug.gccheckmark = flags >> 2 & 1;
    o.gc_percent = (flags >> 3 & 3) == 0 ? 100 : (flags >> 3 & 3) == 1 ? 10 : 1;
    m->h = gc_heap_new(&o);
    if (!m->h) {
        free(m);
        return 0;
    }
    m->p = gc_p_new(m->h);
    if (!m->p)
        abort();
    gc_stats s;
    gc_read_stats(m->h, &s);
    m->frees_base = s.frees;
    while (m->pos < m->len) {
        uint8_t op = next(m);
        switch (op % 8) {
        case 0:
        case 1:
            do_alloc(m, false);
            break;
        case 2: { /* link */
            int i = pick(m), k = pick_slot(m, i), t = pick(m);
            if (k >= 0 && t >= 0)
                store(m, i, k, t);
            break;
        }
        case 3: { /* unlink */
            int i = pick(m), k = pick_slot(m, i);
            if (k >= 0)
                store(m, i, k, -1);
            break;
        }
        case 4: { /* root */
            int i = pick(m);
            if (i >= 0 && !m->objs[i].root) {
                m->objs[i].root = gc_handle_new(m->h, m->objs[i].p);
                if (!m->objs[i].root)
                    fail("gc_handle_new returned NULL", m->objs[i].id);
            }
            break;
        }
        case 5: { /* unroot */
            int i = pick(m);
            if (i >= 0 && m->objs[i].root) {
                gc_handle_release(m->objs[i].root);
                m->objs[i].root = NULL;
            }
            break;
        }
        case 6:
            prune(m);
            gc_collect(m->h);
            check(m);
            break;
        case 7:
            if (op & 0x80)
                do_alloc(m, true);
            break;
        }
    }
    prune(m);
    gc_collect(m->h);
    check(m);
    for (int i = 0; i < m->n; i++) {
        if (m->objs[i].root)
            gc_handle_release(m->objs[i].root);
        free(m->objs[i].slot_word);
        free(m->objs[i].edge);
    }
    gc_p_free(m->p);
    gc_heap_free(m->h);
    free(m);
    return 0;
}
