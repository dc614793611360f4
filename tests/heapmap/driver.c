/*
 * driver.c: a fixed allocation pattern on alloc's API with the heap map on,
 * for the heapmap suite (tests/heapmap/run.sh). Automatic cycles are off
 * (gc_percent -1), so every picture comes from a gc_collect here, and after
 * each one this prints what the picture must show, from alloc's own
 * accounts:
 *     expect ID SPANS WALK FREE RELEASED
 * ID is the picture's name (cycle-0001 ... exit), SPANS the in-use spans of
 * gc_read_stats, WALK the in-use spans gc_span_walk reports, FREE and
 * RELEASED its free runs and the released ones among them.
 * The pattern touches scan and noscan small classes, header objects, tiny
 * blocks and large objects, then frees parts of them so spans empty, free
 * runs appear and a later cycle's scavenger releases them.
 * Usage: heapmap-driver DIR
 */
#include "alloc/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    void **slot;
    size_t n;
} roots;

static void markRoots(gc_marker *m, void *ud)
{
    roots *r = ud;
    gc_mark_block(m, (void *const *)r->slot, r->n, NULL);
}

typedef struct {
    size_t spans, free, released;
} walkCount;

static void count(const gc_span_info *si, void *ud)
{
    walkCount *c = ud;
    if (!si->free)
        c->spans++;
    else if (si->released)
        c->free++, c->released++;
    else
        c->free++;
}

static void expect(gc_heap *h, const char *id)
{
    gc_stats st;
    gc_read_stats(h, &st);
    walkCount c = {0, 0, 0};
    gc_span_walk(h, count, &c);
    char name[32];
    if (!id)
        snprintf(name, sizeof name, "cycle-%04llu", (unsigned long long)st.num_gc);
    printf("expect %s %llu %zu %zu %zu\n", id ? id : name, (unsigned long long)st.spans_inuse, c.spans, c.free,
           c.released);
}

enum { NODES = 3000, BUFS = 2000, BIG = 300, LARGE = 6, TINY = 5000 };

int main(int argc, char **argv)
{
    if (argc != 2 || strlen(argv[1]) >= GC_HEAPMAP_DIR_MAX) {
        fprintf(stderr, "usage: heapmap-driver DIR\n");
        return 64;
    }
    /* A node: two pointers and an integer (class 3, 24 B, scan). */
    static const uint8_t nodeMask[] = {0x3};
    static const gc_type node = {24, 16, nodeMask, "node"};
    /* 1000-byte records whose first word points: the header path. */
    static const uint8_t recMask[] = {0x1};
    static const gc_type rec = {1000, 8, recMask, "record"};

    gc_options o;
    gc_options_default(&o);
    o.gc_percent = -1;
    snprintf(o.debug.heapmap, sizeof o.debug.heapmap, "%s", argv[1]);
    gc_heap *h = gc_heap_new(&o);
    if (!h)
        return 1;
    gc_p *p = gc_p_new(h);
    roots r = {calloc(NODES + BUFS + BIG + LARGE + TINY, sizeof(void *)), NODES + BUFS + BIG + LARGE + TINY};
    if (!p || !r.slot || gc_add_roots(h, markRoots, &r) != 0)
        return 1;
    void **nodes = r.slot, **bufs = nodes + NODES, **big = bufs + BUFS, **large = big + BIG,
         **tiny = large + LARGE;
    int fail = 0;

    /* 1: everything held. */
    for (size_t i = 0; i < NODES; i++) {
        void **n = gc_mallocgc(p, node.size, &node, true);
        fail |= !n;
        if (n) {
            n[0] = i ? nodes[i - 1] : NULL;
            nodes[i] = n;
        }
    }
    for (size_t i = 0; i < BUFS; i++)
        fail |= !(bufs[i] = gc_mallocgc(p, 100, NULL, false));
    for (size_t i = 0; i < BIG; i++)
        fail |= !(big[i] = gc_mallocgc(p, rec.size, &rec, true));
    for (size_t i = 0; i < LARGE; i++)
        fail |= !(large[i] = gc_mallocgc(p, (i + 1) * 100000, i % 2 ? NULL : &node, true));
    gc_collect(h);
    expect(h, NULL);

    /* 2: the noscan buffers go, so do half the records and the node chain
     * past its first third: spans empty and return to the page heap. */
    memset(bufs, 0, BUFS * sizeof *bufs);
    for (size_t i = 0; i < BIG; i += 2)
        big[i] = NULL;
    memset(nodes + NODES / 3, 0, (NODES - NODES / 3) * sizeof *nodes);
    gc_collect(h);
    expect(h, NULL);

    /* 3: the large objects go; the runs freed at 2 are released now. */
    memset(large, 0, LARGE * sizeof *large);
    gc_collect(h);
    expect(h, NULL);

    /* 4: tiny strings and more nodes reuse some of the free pages. */
    for (size_t i = 0; i < TINY; i++)
        fail |= !(tiny[i] = gc_mallocgc(p, 1 + i % 15, NULL, false));
    for (size_t i = NODES / 3; i < NODES; i += 3)
        fail |= !(nodes[i] = gc_mallocgc(p, node.size, &node, true));
    gc_collect(h);
    expect(h, NULL);

    gc_remove_roots(h, markRoots, &r);
    gc_p_free(p);
    expect(h, "exit");
    gc_heap_free(h);
    free(r.slot);
    if (fail)
        fprintf(stderr, "heapmap-driver: an allocation failed\n");
    return fail;
}
