/*
 * test_alloc.c: the allocator half of alloc (suite "alloc"): size classes,
 * the five mallocgc paths, allocCache windows, refill, large objects, span
 * lookup of interior pointers, pointer maps read back through the
 * collector's iterator, allocation sites, a million mixed allocations,
 * stats, two heaps.
 * Automatic collection is off here (gc_percent -1): the collector has its
 * own suite, test_gc.c.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc/alloc.h"
#include "alloc/sizeclasses.h"
#include "tests/unit/unit.h"

static gc_heap *H;
static gc_p *P;

static void setup(void)
{
    gc_options o;
    gc_options_default(&o);
    o.gc_percent = -1;
    H = gc_heap_new(&o);
    P = gc_p_new(H);
}

static void teardown(void)
{
    gc_p_free(P);
    gc_heap_free(H);
    H = NULL;
    P = NULL;
}

static unsigned classOf(size_t size)
{
    if (size <= GC_SMALL_SIZE_MAX - 8)
        return gc_size_to_class8[(size + 7) / 8];
    return gc_size_to_class128[(size - GC_SMALL_SIZE_MAX + 127) / 128];
}

static void test_size_classes(void)
{
    CU_ASSERT_EQUAL(gc_class_to_size[1], 8);
    CU_ASSERT_EQUAL(gc_class_to_size[GC_NUM_SIZE_CLASSES - 1], 32768);
    for (size_t size = 1; size <= GC_MAX_SMALL_SIZE; size++) {
        unsigned c = classOf(size);
        if (c == 0 || c >= GC_NUM_SIZE_CLASSES || gc_class_to_size[c] < size ||
            gc_class_to_size[c - 1] >= size) {
            CU_FAIL("size maps to a class that is not the smallest that fits");
            return;
        }
    }
    /* Every class's span holds whole objects with <= 12.5% tail waste. */
    for (unsigned c = 1; c < GC_NUM_SIZE_CLASSES; c++) {
        size_t span = (size_t)gc_class_to_allocnpages[c] * GC_PAGE_SIZE;
        CU_ASSERT(span % gc_class_to_size[c] <= span / 8);
    }
}

static void test_paths(void)
{
    static const uint8_t m1[] = {1};
    gc_type t8 = {8, 8, m1, "ptr"};
    gc_alloc_info ai;
    CU_ASSERT_EQUAL(gc_alloc_path_of(0, NULL, &ai), 0);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_ZERO);
    gc_alloc_path_of(15, NULL, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_TINY);
    CU_ASSERT_EQUAL(ai.size_class, 2);
    gc_alloc_path_of(16, NULL, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_SMALL_NOSCAN);
    CU_ASSERT_EQUAL(ai.span_class, 2 * 2 + 1);
    gc_alloc_path_of(100, NULL, &ai);
    CU_ASSERT_EQUAL(ai.size_class, 9);
    CU_ASSERT_EQUAL(ai.elem_size, 112);
    gc_alloc_path_of(8, &t8, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_SMALL_SCAN_HEAPBITS);
    CU_ASSERT_EQUAL(ai.span_class, 2);
    gc_alloc_path_of(512, &t8, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_SMALL_SCAN_HEAPBITS);
    gc_alloc_path_of(513, &t8, &ai); /* 521 with the header: class 27, 576 bytes */
    CU_ASSERT_EQUAL(ai.path, GC_PATH_SMALL_SCAN_HEADER);
    CU_ASSERT_EQUAL(ai.size_class, 27);
    CU_ASSERT_EQUAL(ai.elem_size, 576);
    gc_alloc_path_of(32760, NULL, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_SMALL_NOSCAN);
    gc_alloc_path_of(32761, NULL, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_LARGE);
    CU_ASSERT_EQUAL(ai.npages, 4);
    gc_alloc_path_of(32760, &t8, &ai); /* 32768 with its header: still small */
    CU_ASSERT_EQUAL(ai.path, GC_PATH_SMALL_SCAN_HEADER);
    CU_ASSERT_EQUAL(ai.size_class, 67);
    gc_alloc_path_of(32761, &t8, &ai);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_LARGE);
}

static void test_tiny(void)
{
    /* Sixteen one-byte objects fit one block. */
    uint8_t *first = gc_mallocgc(P, 1, NULL, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    int shared = 0;
    for (int i = 1; i < 16; i++) {
        uint8_t *p = gc_mallocgc(P, 1, NULL, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL(*p, 0);
        if (((uintptr_t)p & ~(uintptr_t)15) == ((uintptr_t)first & ~(uintptr_t)15))
            shared++;
    }
    CU_ASSERT_EQUAL(shared, 15);
    /* Alignment: 8 for multiples of 8, 4 for multiples of 4, 2 for even. */
    for (int round = 0; round < 200; round++) {
        size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        size_t s = sizes[(size_t)round % 15];
        uintptr_t p = (uintptr_t)gc_mallocgc(P, s, NULL, true);
        CU_ASSERT(p != 0);
        uintptr_t align = s % 8 == 0 ? 8 : s % 4 == 0 ? 4 : s % 2 == 0 ? 2 : 1;
        CU_ASSERT(p % align == 0);
        /* Never straddles a 16-byte block. */
        CU_ASSERT((p & ~(uintptr_t)15) == ((p + s - 1) & ~(uintptr_t)15));
        memset((void *)p, 0xab, s);
    }
    gc_stats st;
    gc_read_stats(H, &st);
    CU_ASSERT(st.tiny_allocs >= 15);
    void *z1 = gc_mallocgc(P, 0, NULL, false), *z2 = gc_mallocgc(P, 0, NULL, true);
    CU_ASSERT_PTR_NOT_NULL(z1);
    CU_ASSERT_PTR_EQUAL(z1, z2);
}

static void test_alloc_cache_windows(void)
{
    /* 16-byte noscan objects: 512 per one-page span, eight 64-slot windows. */
    uintptr_t prev = 0;
    int contiguous = 0, n = 512;
    uintptr_t *ps = malloc(sizeof(uintptr_t) * (size_t)n * 2);
    for (int i = 0; i < n * 2; i++) {
        ps[i] = (uintptr_t)gc_mallocgc(P, 16, NULL, false);
        CU_ASSERT_FATAL(ps[i] != 0);
        if (prev && ps[i] == prev + 16)
            contiguous++;
        prev = ps[i];
        memset((void *)ps[i], i & 0xff, 16);
    }
    /* Two fresh spans: every slot but the first of each follows the last. */
    CU_ASSERT(contiguous >= n * 2 - 2);
    for (int i = 0; i < n * 2; i++) {
        CU_ASSERT_EQUAL(*(uint8_t *)ps[i], i & 0xff);
        CU_ASSERT_PTR_EQUAL(gc_find_object(H, (void *)(ps[i] + 15)), (void *)ps[i]);
    }
    free(ps);
}

static void test_refill(void)
{
    gc_stats a, b;
    gc_read_stats(H, &a);
    /* 4096-byte objects: 2 per span; a third allocation refills. */
    void *x = gc_mallocgc(P, 4096, NULL, false);
    void *y = gc_mallocgc(P, 4096, NULL, false);
    void *z = gc_mallocgc(P, 4096, NULL, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_EQUAL((uintptr_t)y, (uintptr_t)x + 4096);
    gc_read_stats(H, &b);
    CU_ASSERT_EQUAL(b.spans_inuse, a.spans_inuse + 2);
    CU_ASSERT_EQUAL(b.by_size[44].mallocs, a.by_size[44].mallocs + 3);
    CU_ASSERT_EQUAL(b.by_size[44].size, 4096);
}

static void test_large(void)
{
    size_t sizes[] = {32761, 100000, 1 << 20, 10u << 20, 70u << 20, 200u << 20};
    void *ps[6];
    gc_stats a, b;
    gc_read_stats(H, &a);
    for (int i = 0; i < 6; i++) {
        ps[i] = gc_mallocgc(P, sizes[i], NULL, true);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ps[i]);
        CU_ASSERT((uintptr_t)ps[i] % GC_PAGE_SIZE == 0);
        uint8_t *c = ps[i];
        CU_ASSERT_EQUAL(c[0], 0);
        CU_ASSERT_EQUAL(c[sizes[i] - 1], 0);
        c[0] = 1;
        c[sizes[i] - 1] = 2;
        CU_ASSERT_PTR_EQUAL(gc_find_object(H, c + sizes[i] / 2), c);
        CU_ASSERT_PTR_EQUAL(gc_find_object(H, c + sizes[i] - 1), c);
        CU_ASSERT_PTR_NULL(gc_find_object(H, c + sizes[i])); /* past the object: not inside it */
    }
    gc_read_stats(H, &b);
    CU_ASSERT_EQUAL(b.large_allocs, a.large_allocs + 6);
    CU_ASSERT(b.heap_sys >= a.heap_sys + (281u << 20));
    gc_alloc_info ai;
    gc_alloc_path_of(100000, NULL, &ai);
    CU_ASSERT_EQUAL(ai.npages, 13);
}

static void test_bad_sizes(void)
{
    static const uint8_t m1[] = {1};
    gc_type t8 = {8, 8, m1, "ptr"};
    gc_type odd = {12, 8, m1, "odd"};
    gc_type badptr = {8, 16, m1, "ptrdata > size"};
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, SIZE_MAX, NULL, false));
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, SIZE_MAX - 4096, &t8, true));
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, SIZE_MAX / 2, NULL, true));
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, ((size_t)1 << 44) + 1, NULL, false));
    /* More than the machine has: refused at once, not reserved. */
    size_t phys = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, phys + 1, NULL, false));
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, phys + 1, &t8, true));
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, 24, &odd, true));
    CU_ASSERT_PTR_NULL(gc_mallocgc(P, 24, &badptr, true));
    gc_alloc_info ai;
    CU_ASSERT_EQUAL(gc_alloc_path_of(SIZE_MAX, NULL, &ai), -1);
    CU_ASSERT_EQUAL(ai.path, GC_PATH_INVALID);
    /* The heap still works. */
    CU_ASSERT_PTR_NOT_NULL(gc_mallocgc(P, 24, &t8, true));
    CU_ASSERT_PTR_NULL(gc_find_object(H, NULL));
    CU_ASSERT_PTR_NULL(gc_find_object(H, &ai));
}

static void test_interior(void)
{
    static const uint8_t m1[] = {1};
    gc_type t8 = {8, 8, m1, "ptr"};
    size_t sizes[] = {16, 24, 48, 100, 500, 512, 513, 1000, 4000, 20000, 32760, 40000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int scan = 0; scan < 2; scan++) {
            uint8_t *p = gc_mallocgc(P, sizes[i], scan ? &t8 : NULL, true);
            CU_ASSERT_PTR_NOT_NULL_FATAL(p);
            for (size_t k = 0; k < sizes[i]; k += 7)
                if (gc_find_object(H, p + k) != p) {
                    CU_FAIL("interior pointer does not find its object");
                    break;
                }
            CU_ASSERT_PTR_EQUAL(gc_find_object(H, p + sizes[i] - 1), p);
            if (scan && sizes[i] > 512 && sizes[i] <= 32760)
                CU_ASSERT_PTR_NULL(gc_find_object(H, p - 8)); /* the type header */
        }
    }
}

static int offsetsEqual(gc_heap *h, void *obj, const size_t *want, size_t n)
{
    size_t got[4096];
    size_t m = gc_object_pointers(h, obj, got, 4096);
    if (m != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            return 0;
    return 1;
}

static void test_pointer_bits(void)
{
    /* struct { void *a; long b; void *c; } */
    static const uint8_t m101[] = {0x5};
    gc_type s3 = {24, 24, m101, "s3"};
    /* struct { void *p; long x[3]; }: ptrdata 8, size 32 */
    static const uint8_t m1[] = {0x1};
    gc_type prefix = {32, 8, m1, "prefix"};
    /* 600-byte struct (75 words) with pointers at words 0, 10, 63, 64, 74 */
    static uint8_t m75[10];
    memset(m75, 0, sizeof m75);
    int words75[] = {0, 10, 63, 64, 74};
    for (int i = 0; i < 5; i++)
        m75[words75[i] / 8] |= (uint8_t)(1u << (words75[i] % 8));
    gc_type big = {600, 600, m75, "big"};

    size_t want[8192], n;
    void *o;

    o = gc_mallocgc(P, 24, &s3, true);
    want[0] = 0, want[1] = 16;
    CU_ASSERT(offsetsEqual(H, o, want, 2));

    o = gc_mallocgc(P, 5 * 24, &s3, true); /* array of 5 structs in a 128-byte slot */
    n = 0;
    for (size_t i = 0; i < 5; i++)
        want[n++] = i * 24, want[n++] = i * 24 + 16;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    o = gc_mallocgc(P, 16 * 32, &prefix, true); /* 512 bytes: last in-span-bits size */
    n = 0;
    for (size_t i = 0; i < 16; i++)
        want[n++] = i * 32;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    o = gc_mallocgc(P, 17 * 32, &prefix, true); /* 544 bytes: header */
    n = 0;
    for (size_t i = 0; i < 17; i++)
        want[n++] = i * 32;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    o = gc_mallocgc(P, 600, &big, true); /* header, mask longer than 64 bits */
    n = 0;
    for (int i = 0; i < 5; i++)
        want[n++] = (size_t)words75[i] * 8;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    o = gc_mallocgc(P, 30 * 600, &big, true); /* header, array of 30 */
    n = 0;
    for (size_t e = 0; e < 30; e++)
        for (int i = 0; i < 5; i++)
            want[n++] = e * 600 + (size_t)words75[i] * 8;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    o = gc_mallocgc(P, 100 * 600, &big, true); /* large, array of 100 */
    n = 0;
    for (size_t e = 0; e < 100; e++)
        for (int i = 0; i < 5; i++)
            want[n++] = e * 600 + (size_t)words75[i] * 8;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    o = gc_mallocgc(P, 2000 * 24, &s3, true); /* large array of small structs */
    n = 0;
    for (size_t i = 0; i < 2000; i++)
        want[n++] = i * 24, want[n++] = i * 24 + 16;
    CU_ASSERT(offsetsEqual(H, o, want, n));

    /* Every word a pointer, 8..512 bytes, next to odd neighbours. */
    gc_type t8 = {8, 8, m1, "ptr"};
    for (size_t sz = 8; sz <= 512; sz += 8) {
        void *a = gc_mallocgc(P, sz, &t8, true);
        void *b = gc_mallocgc(P, sz, &s3, true);
        n = 0;
        for (size_t i = 0; i < sz; i += 8)
            want[n++] = i;
        CU_ASSERT(offsetsEqual(H, a, want, n));
        /* sz/24 whole elements; a partial tail is untyped (one element at least). */
        n = 0;
        for (size_t i = 0; i == 0 || i + 24 <= sz; i += 24) {
            want[n++] = i;
            if (i + 16 < sz)
                want[n++] = i + 16;
        }
        CU_ASSERT(offsetsEqual(H, b, want, n));
        /* The same rule for header and large objects. */
        if (sz % 24) {
            void *hdr = gc_mallocgc(P, 600 + sz, &s3, true), *lg = gc_mallocgc(P, 40000 + sz, &s3, true);
            size_t got[4096];
            /* A header slot does not record the length: its whole elements count. */
            gc_alloc_info ai;
            gc_alloc_path_of(600 + sz, &s3, &ai);
            CU_ASSERT_EQUAL(gc_object_pointers(H, hdr, got, 4096), (ai.elem_size - 8) / 24 * 2);
            CU_ASSERT_EQUAL(gc_object_pointers(H, lg, got, 4096), (40000 + sz) / 24 * 2);
        }
    }
    /* noscan objects have no pointers. */
    o = gc_mallocgc(P, 64, NULL, true);
    CU_ASSERT_EQUAL(gc_object_pointers(H, o, want, 10), 0);
}

typedef struct {
    uintptr_t p;
    size_t n;
} range;

/* A heap of the test's own with automatic collection off (the suite's
 * heap counts no collections), and its P. */
static gc_p *ownHeap(const gc_debug *dbg)
{
    gc_options o;
    gc_options_default(&o);
    o.gc_percent = -1;
    if (dbg)
        o.debug = *dbg;
    gc_heap *h = gc_heap_new(&o);
    return h ? gc_p_new(h) : NULL;
}

static void freeOwnHeap(gc_p *p)
{
    gc_heap *h = gc_p_heap(p);
    gc_p_free(p);
    gc_heap_free(h);
}

/* Allocation sites (gc_site_init / gc_malloc_site, and the same inlined
 * into the caller, gc_malloc_site_inline) give what gc_mallocgc
 * gives: the same pointer maps on every path (heap bits, including slots
 * whose bits spill into a second bitmap word; header; large; noscan; tiny),
 * zeroed slots when a swept span is reused, NULL for a refused type, and
 * the same under a debug mode that keeps the mcache empty. */
static void siteRoundTrip(gc_heap *h, gc_p *p, size_t size, const gc_type *t, int count)
{
    gc_site st;
    CU_ASSERT_EQUAL_FATAL(gc_site_init(&st, size, t), 0);
    size_t want[4096], got = 0;
    void *ref = gc_mallocgc(p, size, t, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    got = gc_object_pointers(h, ref, want, 4096);
    for (int i = 0; i < count; i++) {
        /* Odd turns take the host-inlined path, on the same windows. */
        uint64_t *o = i & 1 ? gc_malloc_site_inline(p, gc_p_windows(p), &st) : gc_malloc_site(p, &st);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        if (size >= 16 || t) /* a tiny object's object is its 16-byte block */
            CU_ASSERT_PTR_EQUAL(gc_find_object(h, (char *)o + size - 1), o);
        if (!offsetsEqual(h, o, want, got)) {
            CU_FAIL("a site's object has other pointer words than gc_mallocgc's");
            break;
        }
        int zero = 1;
        for (size_t w = 0; w < size / 8; w++)
            zero &= o[w] == 0;
        CU_ASSERT(zero);
        memset(o, 0xa5, size); /* garbage for the reuse round */
        if (i % 3 == 0) /* interleave the front door on the same span */
            CU_ASSERT_PTR_NOT_NULL(gc_mallocgc(p, size, t, true));
    }
}

static void test_sites(void)
{
    static const uint8_t m101[] = {0x5};
    gc_type s3 = {24, 24, m101, "s3"};
    static const uint8_t m41[] = {0x21}; /* words 0 and 5 of 6: 48-byte slots straddle bitmap words */
    gc_type s6 = {48, 48, m41, "s6"};
    static const uint8_t m1[] = {0x1};
    gc_type one = {8, 8, m1, "one"};
    gc_type prefix = {32, 8, m1, "prefix"};
    static const uint8_t m0[] = {0x0};
    gc_type ints = {32, 0, m0, "ints"};
    gc_p *p = ownHeap(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    gc_heap *h = gc_p_heap(p);
    for (int round = 0; round < 2; round++) {
        siteRoundTrip(h, p, 24, &s3, 700);
        siteRoundTrip(h, p, 48, &s6, 700);
        siteRoundTrip(h, p, 8, &one, 700);
        siteRoundTrip(h, p, 5 * 24, &s3, 100);
        siteRoundTrip(h, p, 16 * 32, &prefix, 40);  /* 512: the last heap-bits size */
        siteRoundTrip(h, p, 17 * 32, &prefix, 40);  /* header */
        siteRoundTrip(h, p, 40000, &prefix, 3);     /* large */
        siteRoundTrip(h, p, 32, &ints, 100);        /* typed noscan */
        siteRoundTrip(h, p, 100, NULL, 100);        /* noscan */
        siteRoundTrip(h, p, 8, NULL, 100);          /* tiny */
        /* Nothing is rooted: a collection frees it all, and the second
         * round reuses the garbage-filled slots, which must come zeroed. */
        gc_collect(h);
    }
    gc_type bad = {16, 24, m1, "ptrdata > size"};
    gc_site st;
    CU_ASSERT_EQUAL(gc_site_init(&st, 16, &bad), -1);
    CU_ASSERT_PTR_NULL(gc_malloc_site(p, &st));
    CU_ASSERT_PTR_NULL(gc_malloc_site_inline(p, gc_p_windows(p), &st));
    freeOwnHeap(p);

    /* clobberfree keeps the mcache empty: every site allocation takes the
     * general path, which checks the poison of the slot it reuses. */
    gc_debug dbg = {0};
    dbg.clobberfree = 1;
    p = ownHeap(&dbg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    h = gc_p_heap(p);
    for (int round = 0; round < 2; round++) {
        siteRoundTrip(h, p, 24, &s3, 300);
        siteRoundTrip(h, p, 48, &s6, 300);
        gc_collect(h);
    }
    freeOwnHeap(p);
}

static int cmpRange(const void *a, const void *b)
{
    uintptr_t x = ((const range *)a)->p, y = ((const range *)b)->p;
    return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The heap's metadata stays a small fraction of what it holds: 32 MiB of
 * 16-byte pairs (one-page spans of 504 slots, the densest common case)
 * cost 256 bytes a span in span records (128) and their bit arrays (2 x 8
 * words), 3.1%, with the arena tables, part-used chunks and the heap's
 * and P's records on top, about Go's MSpanSys + GCSys for the same heap.
 * Freeing the spans gives the records and bit arrays back for reuse: the
 * mark's spare 64 KiB buffers aside, refilling takes no more. */
static void test_span_metadata(void)
{
    static const uint8_t m1[] = {0x3};
    gc_type t = {16, 16, m1, "pair"};
    gc_p *p = ownHeap(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    gc_heap *h = gc_p_heap(p);
    for (size_t i = 0; i < (32u << 20) / 16; i++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(p, 16, &t, true));
    gc_stats s;
    gc_read_stats(h, &s);
    CU_ASSERT(s.heap_inuse >= 32u << 20);
    CU_ASSERT(s.meta_sys > 0);
    CU_ASSERT(s.meta_sys * 20 < s.heap_inuse); /* under 5%, arena tables included */
    /* Nothing is rooted: a collection frees every span, and refilling the
     * heap takes no more metadata from the OS. */
    uint64_t meta = s.meta_sys - s.work_bufs * (64u << 10);
    gc_collect(h);
    for (size_t i = 0; i < (32u << 20) / 16; i++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(gc_mallocgc(p, 16, &t, true));
    gc_read_stats(h, &s);
    CU_ASSERT_EQUAL(s.meta_sys - s.work_bufs * (64u << 10), meta);
    freeOwnHeap(p);
}

static void test_million(void)
{
    static const uint8_t m1[] = {0x3};
    gc_type t = {16, 16, m1, "pair"};
    enum { N = 1000000 };
    range *r = malloc(sizeof(range) * N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    gc_stats a, b;
    gc_read_stats(H, &a);
    for (size_t i = 0; i < N; i++) {
        uint64_t x = xorshift();
        size_t n;
        if (x % 5000 == 0)
            n = 32761 + x / 5000 % 70000;
        else if (x % 100 == 0)
            n = 129 + x / 100 % 8000;
        else
            n = 1 + x / 7 % 128;
        const gc_type *ty = (x >> 40) % 3 == 0 && n >= 16 ? &t : NULL;
        if (ty)
            n &= ~(size_t)15;
        uint8_t *p = gc_mallocgc(P, n, ty, true);
        if (!p) {
            CU_FAIL("allocation failed");
            break;
        }
        r[i].p = (uintptr_t)p;
        r[i].n = n;
        p[n - 1] = (uint8_t)(i >> 8);
        p[0] = (uint8_t)i;
    }
    gc_read_stats(H, &b);
    CU_ASSERT_EQUAL(b.mallocs - a.mallocs, N);
    for (size_t i = 0; i < N; i++) {
        uint8_t *p = (uint8_t *)r[i].p;
        if (p[0] != (uint8_t)i || (r[i].n > 1 && p[r[i].n - 1] != (uint8_t)(i >> 8))) {
            CU_FAIL("object contents overwritten");
            break;
        }
    }
    qsort(r, N, sizeof *r, cmpRange);
    size_t overlaps = 0;
    for (size_t i = 1; i < N; i++)
        if (r[i - 1].p + r[i - 1].n > r[i].p)
            overlaps++;
    CU_ASSERT_EQUAL(overlaps, 0);
    free(r);
}

/* Windows whose heap bits a site wrote ahead (a whole free window, slots
 * of 2^k words) shared with other types of the same class, in random
 * order through both doors, across collections that leave survivors
 * scattered: every object, old or new, keeps exactly its own pointers. */
typedef struct mixedRoots {
    void **slot;
    size_t n;
} mixedRoots;

static void markMixed(gc_marker *m, void *ud)
{
    mixedRoots *r = ud;
    gc_mark_block(m, (void *const *)r->slot, r->n, NULL);
}

static void test_sites_mixed(void)
{
    static const uint8_t m11[] = {0x3}, m01[] = {0x1}, m10[] = {0x2};
    gc_type both = {16, 16, m11, "both"}, first = {16, 8, m01, "first"}, second = {16, 16, m10, "second"};
    const gc_type *types[3] = {&both, &first, &second};
    const size_t offs[3][2] = {{0, 8}, {0, 0}, {8, 0}};
    const size_t noffs[3] = {2, 1, 1};
    gc_p *p = ownHeap(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    gc_heap *h = gc_p_heap(p);
    gc_site sites[3];
    for (int k = 0; k < 3; k++)
        CU_ASSERT_EQUAL_FATAL(gc_site_init(&sites[k], 16, types[k]), 0);
    enum { N = 20000 };
    mixedRoots r = {calloc(N, sizeof(void *)), N};
    uint8_t *kind = calloc(N, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.slot);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kind);
    CU_ASSERT_EQUAL_FATAL(gc_add_roots(h, markMixed, &r), 0);
    size_t bad = 0;
    for (int round = 0; round < 6; round++) {
        for (size_t i = 0; i < N; i++) {
            uint64_t x = xorshift();
            if (r.slot[i] && x % 4 != 0)
                continue; /* a quarter of the survivors are replaced each round */
            int k = (int)((x >> 8) % 3);
            /* Mostly one type in runs, as a program allocates, sometimes another. */
            if ((x >> 20) % 8 != 0)
                k = round % 3;
            kind[i] = (uint8_t)k;
            r.slot[i] = (x >> 30) % 2 ? gc_malloc_site(p, &sites[k]) : gc_mallocgc(p, 16, types[k], true);
            if (!r.slot[i]) {
                CU_FAIL("allocation failed");
                goto out;
            }
            ((uint64_t *)r.slot[i])[0] = 0; /* plain data: nothing to follow */
        }
        if (round % 2 == 1) /* drop a run of roots: whole windows die */
            memset(r.slot + (size_t)round * 2000, 0, 2000 * sizeof(void *));
        for (size_t i = 0; i < N; i++)
            if (r.slot[i] && !offsetsEqual(h, r.slot[i], offs[kind[i]], noffs[kind[i]]))
                bad++;
        gc_collect(h);
    }
out:
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(gc_verify(h), 0);
    gc_remove_roots(h, markMixed, &r);
    free(r.slot);
    free(kind);
    freeOwnHeap(p);
}

static void test_stats_balance(void)
{
    gc_stats s;
    gc_read_stats(H, &s);
    uint64_t m = s.tiny_allocs, f = s.tiny_allocs, bytes = 0;
    for (int c = 0; c < GC_NUM_SIZE_CLASSES; c++) {
        m += s.by_size[c].mallocs;
        f += s.by_size[c].frees;
        bytes += s.by_size[c].mallocs * s.by_size[c].size;
    }
    CU_ASSERT_EQUAL(m, s.mallocs);
    CU_ASSERT_EQUAL(f, s.frees);
    CU_ASSERT_EQUAL(s.heap_objects, s.mallocs - s.frees);
    CU_ASSERT(s.total_alloc >= bytes);
    CU_ASSERT(s.heap_alloc <= s.heap_inuse);
    CU_ASSERT(s.heap_inuse <= s.heap_sys);
    CU_ASSERT_EQUAL(s.heap_idle + s.heap_inuse, s.heap_sys);
    CU_ASSERT(s.heap_released <= s.heap_idle);
    CU_ASSERT(s.spans_inuse > 0);
    CU_ASSERT_EQUAL(s.num_mutators, 1);
    CU_ASSERT_EQUAL(s.num_gc, 0);
    CU_ASSERT(s.mallocs > 0);
}

typedef struct walkSum {
    uint64_t bytes, inuse, spans, freeRuns, released, nalloc;
} walkSum;

static void sumSpan(const gc_span_info *si, void *ud)
{
    walkSum *w = ud;
    w->bytes += si->npages * GC_PAGE_SIZE;
    if (si->free) {
        w->freeRuns++;
        if (si->released)
            w->released += si->npages * GC_PAGE_SIZE;
        return;
    }
    w->inuse += si->npages * GC_PAGE_SIZE;
    w->spans++;
    w->nalloc += si->nalloc;
    if (si->nalloc > si->nelems || (si->size_class == 0 && si->nelems != 1))
        w->nalloc += 1000000000; /* poison the sum */
}

static void test_span_walk(void)
{
    walkSum w;
    memset(&w, 0, sizeof w);
    gc_span_walk(H, sumSpan, &w);
    gc_stats s;
    gc_read_stats(H, &s);
    CU_ASSERT_EQUAL(w.bytes, s.heap_sys);
    CU_ASSERT_EQUAL(w.inuse, s.heap_inuse);
    CU_ASSERT_EQUAL(w.spans, s.spans_inuse);
    CU_ASSERT_EQUAL(w.released, s.heap_released);
    CU_ASSERT(w.freeRuns > 0);
    /* Every object is a slot, except tiny sub-objects: blocks count once. */
    CU_ASSERT_EQUAL(w.nalloc, s.heap_objects);
}

static void test_two_heaps(void)
{
    gc_heap *h2 = gc_heap_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
    gc_p *p2 = gc_p_new(h2);
    void *a[1000], *b[1000];
    for (int i = 0; i < 1000; i++) {
        a[i] = gc_mallocgc(P, 40, NULL, true);
        b[i] = gc_mallocgc(p2, 40, NULL, true);
        memset(a[i], 0x11, 40);
        memset(b[i], 0x22, 40);
    }
    for (int i = 0; i < 1000; i++) {
        CU_ASSERT_PTR_EQUAL(gc_find_object(H, a[i]), a[i]);
        CU_ASSERT_PTR_NULL(gc_find_object(H, b[i]));
        CU_ASSERT_PTR_NULL(gc_find_object(h2, a[i]));
        CU_ASSERT_PTR_EQUAL(gc_find_object(h2, b[i]), b[i]);
    }
    gc_stats s2;
    gc_read_stats(h2, &s2);
    CU_ASSERT_EQUAL(s2.mallocs, 1000);
    gc_p_free(p2);
    gc_heap_free(h2);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(((uint8_t *)a[i])[39], 0x11);
}

static void test_options(void)
{
    gc_debug d;
    memset(&d, 0, sizeof d); /* by bytes: gc_debug grows a field per setting */
    char err[200];
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "gctrace=1,gccheckmark=1,,clobberfree=2,gcstress=0", err, sizeof err), 0);
    CU_ASSERT_EQUAL(d.gctrace, 1);
    CU_ASSERT_EQUAL(d.gccheckmark, 1);
    CU_ASSERT_EQUAL(d.clobberfree, 2);
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "gctrace=x", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "gctrace=x"));
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "bogus=1", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bogus"));
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "gctrace", err, sizeof err), -1);
    CU_ASSERT_EQUAL(d.gctrace, 1); /* unchanged on error */
    /* heapmap=DIR takes text up to the next comma. */
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "heapmap=/tmp/a b,gcstress=1", err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(d.heapmap, "/tmp/a b");
    CU_ASSERT_EQUAL(d.gcstress, 1);
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "heapmap=", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "heapmap"));
    CU_ASSERT_EQUAL(gc_parse_debug(&d, "heapmap", err, sizeof err), -1);
    char longer[GC_HEAPMAP_DIR_MAX + 16] = "heapmap=";
    memset(longer + 8, 'x', GC_HEAPMAP_DIR_MAX);
    longer[8 + GC_HEAPMAP_DIR_MAX] = '\0';
    CU_ASSERT_EQUAL(gc_parse_debug(&d, longer, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(d.heapmap, "/tmp/a b"); /* unchanged on error */
    gc_options o;
    gc_options_default(&o);
    setenv("TOYGC", "off", 1);
    setenv("TOYMEMLIMIT", "64MiB", 1);
    setenv("TOYDEBUG", "gctrace=1", 1);
    CU_ASSERT_EQUAL(gc_options_from_env(&o, err, sizeof err), 0);
    CU_ASSERT_EQUAL(o.gc_percent, -1);
    CU_ASSERT_EQUAL(o.memory_limit, 64 << 20);
    CU_ASSERT_EQUAL(o.debug.gctrace, 1);
    setenv("TOYGC", "50", 1);
    setenv("TOYMEMLIMIT", "12XB", 1);
    CU_ASSERT_EQUAL(gc_options_from_env(&o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "TOYMEMLIMIT"));
    CU_ASSERT_EQUAL(o.gc_percent, -1); /* unchanged */
    setenv("TOYMEMLIMIT", "99999999999999999999999", 1);
    CU_ASSERT_EQUAL(gc_options_from_env(&o, err, sizeof err), -1);
    setenv("TOYMEMLIMIT", "1GiB", 1);
    setenv("TOYGC", "12abc", 1);
    CU_ASSERT_EQUAL(gc_options_from_env(&o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "TOYGC"));
    unsetenv("TOYGC");
    unsetenv("TOYMEMLIMIT");
    unsetenv("TOYDEBUG");
}

static CU_TestInfo tests[] = {
    {"size_classes", test_size_classes},
    {"paths", test_paths},
    {"tiny", test_tiny},
    {"alloc_cache_windows", test_alloc_cache_windows},
    {"refill", test_refill},
    {"large", test_large},
    {"bad_sizes", test_bad_sizes},
    {"interior", test_interior},
    {"pointer_bits", test_pointer_bits},
    {"sites", test_sites},
    {"sites_mixed", test_sites_mixed},
    {"span_metadata", test_span_metadata},
    {"million", test_million},
    {"stats_balance", test_stats_balance},
    {"span_walk", test_span_walk},
    {"two_heaps", test_two_heaps},
    {"options", test_options},
    CU_TEST_INFO_NULL,
};

static int suiteInit(void)
{
    setup();
    return H && P ? 0 : 1;
}
static int suiteClean(void)
{
    teardown();
    return 0;
}

static CU_SuiteInfo suites[] = {
    {"alloc", suiteInit, suiteClean, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("alloc", suites, argc, argv); }
