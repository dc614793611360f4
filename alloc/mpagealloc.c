/*
 * mpagealloc.c: the page allocator, as Go's mpagealloc.go, mpagealloc_64bit.go
 * and mpallocbits.go: which pages of the heap are free, which of those were
 * returned to the OS, and the lowest run of n free pages in O(levels).
 *
 * Every 4 MiB chunk has a bitmap of allocated pages and one of scavenged
 * pages (free and given back: they read as zero). Above the chunks sits a
 * radix tree of summaries: a leaf per chunk, then levels whose entries
 * cover 8 entries of the level below, up to a root entry per 16 GiB. A
 * summary is the free run at the entry's start, the longest free run
 * inside it and the free run at its end (Go's pallocSum, packed the same
 * way), so a search walks down from the root following the first entry
 * with a long enough run, or stops where the end of one entry and the
 * start of the next add up (find). Free pages merge whatever their
 * scavenged state: allocation clears the scavenged bits it covers and says
 * how many there were, for the heap's heap_released and zeroing.
 *
 * The summary levels are reserved whole (PROT_NONE) the first time the heap
 * grows and mapped a page at a time under the chunks that exist, as
 * mpagealloc_64bit.go's sysGrow. Departures: chunk records come in groups
 * of an arena's 16 under a table keyed like the heap's arena map (Go uses a
 * 2-level array of 8192-chunk blocks: 1 MiB of metadata for a small heap);
 * the root level is scanned only over the range the heap has used (Go's
 * scan of the whole root level would read unmapped pages here); each
 * chunk records its last free's generation, which the scavenger asks for
 * instead of Go's scavenge index; and pages of a chunk the heap has not
 * committed stay allocated, so a heap under a hard limit may end mid-chunk.
 */
#include <sys/mman.h>

#include "alloc/internal.h"

#define PAGE ((uintptr_t)GC_PAGE_SIZE)

enum {
    CHUNK_WORDS = CHUNK_PAGES / 64,
    LOG_CHUNK_PAGES = PA_CHUNK_SHIFT - GC_PAGE_SHIFT,
    LOG_MAX_PACKED = LOG_CHUNK_PAGES + (PA_LEVELS - 1) * PA_LEVEL_BITS, /* pages under a root entry, log2 */
    HUGE_CHUNK_PAGES = (2 << 20) / GC_PAGE_SIZE, /* pages of a transparent huge page */
};

#define SUM_MASK ((UINT64_C(1) << LOG_MAX_PACKED) - 1)
#define SUM_FULL (UINT64_C(1) << 63) /* a root entry wholly free: its three runs do not fit the fields */

static uint64_t packSum(uintptr_t start, uintptr_t max, uintptr_t end)
{
    if (max == (uintptr_t)1 << LOG_MAX_PACKED)
        return SUM_FULL;
    return (uint64_t)start | (uint64_t)max << LOG_MAX_PACKED | (uint64_t)end << (2 * LOG_MAX_PACKED);
}
static uintptr_t sumStart(uint64_t s) { return s & SUM_FULL ? (uintptr_t)1 << LOG_MAX_PACKED : s & SUM_MASK; }
static uintptr_t sumMax(uint64_t s)
{
    return s & SUM_FULL ? (uintptr_t)1 << LOG_MAX_PACKED : s >> LOG_MAX_PACKED & SUM_MASK;
}
static uintptr_t sumEnd(uint64_t s)
{
    return s & SUM_FULL ? (uintptr_t)1 << LOG_MAX_PACKED : s >> (2 * LOG_MAX_PACKED) & SUM_MASK;
}

/* Level l: log2 of the chunks under one entry, and of the pages. */
static unsigned levelChunkLog(int l) { return (unsigned)(PA_LEVELS - 1 - l) * PA_LEVEL_BITS; }
static unsigned levelPageLog(int l) { return LOG_CHUNK_PAGES + levelChunkLog(l); }
static uintptr_t levelEntries(int l) { return (uintptr_t)1 << (PA_L0_BITS + l * PA_LEVEL_BITS); }

/* Word offset of level l's bits in pa->mapped (one bit per PA_SYS_PAGE of summaries). */
static size_t mappedOffset(int l)
{
    size_t off = 0;
    for (int k = 0; k < l; k++)
        off += PA_MAPPED_LEVEL_WORDS(k);
    return off;
}

static int entryMapped(const gc_pageAlloc *pa, int l, uintptr_t idx)
{
    return bit_get(pa->mapped + mappedOffset(l), idx * sizeof(uint64_t) / PA_SYS_PAGE);
}

static gc_pallocData *chunkOf(const gc_pageAlloc *pa, uintptr_t ci)
{
    uintptr_t ai = ci / PA_GROUP_CHUNKS;
    gc_pallocData **l2 = pa->chunks[ai >> ARENA_L2_BITS];
    if (!l2)
        return NULL;
    gc_pallocData *g = l2[ai & ((1u << ARENA_L2_BITS) - 1)];
    return g && g[ci % PA_GROUP_CHUNKS].present ? &g[ci % PA_GROUP_CHUNKS] : NULL;
}

/* Bits [i, i + n) of b within one chunk: their popcount before; op 1 sets
 * them, op 2 clears them, op 0 leaves them. */
static uintptr_t bitsRange(uint64_t *b, uintptr_t i, uintptr_t n, int op)
{
    uintptr_t cnt = 0;
    while (n) {
        uintptr_t o = i % 64, k = 64 - o < n ? 64 - o : n;
        uint64_t m = lowBits(k) << o;
        cnt += (uintptr_t)__builtin_popcountll(b[i / 64] & m);
        if (op == 1)
            b[i / 64] |= m;
        else if (op == 2)
            b[i / 64] &= ~m;
        i += k;
        n -= k;
    }
    return cnt;
}

/* The longest run of set bits in f if it is longer than atLeast, else 0.
 * Runs are eroded (g keeps the bits where a run of r set bits starts) by
 * doubling steps up to atLeast + 1, then one at a time. */
static uintptr_t longestRunAbove(uint64_t f, uintptr_t atLeast)
{
    uint64_t g = f;
    uintptr_t r = 1;
    while (g && r < atLeast + 1) {
        uintptr_t s = r < atLeast + 1 - r ? r : atLeast + 1 - r;
        g &= g >> s;
        r += s;
    }
    if (!g)
        return 0;
    while (g) {
        g &= g >> 1;
        r++;
    }
    return r - 1;
}

/* The summary of one chunk's allocation bitmap (pallocBits.summarize):
 * first the runs that reach a word's ends, which chain across words, then,
 * only where one could be longer, the runs inside a word. */
static uint64_t summarize(const gc_pallocData *c)
{
    uintptr_t start = ~(uintptr_t)0, max = 0, cur = 0;
    for (unsigned w = 0; w < CHUNK_WORDS; w++) {
        uint64_t a = c->alloc[w];
        if (!a) {
            cur += 64;
            continue;
        }
        cur += (uintptr_t)__builtin_ctzll(a);
        if (start == ~(uintptr_t)0)
            start = cur;
        if (cur > max)
            max = cur;
        cur = (uintptr_t)__builtin_clzll(a);
    }
    if (start == ~(uintptr_t)0)
        return packSum(CHUNK_PAGES, CHUNK_PAGES, CHUNK_PAGES);
    if (cur > max)
        max = cur;
    for (unsigned w = 0; w < CHUNK_WORDS && max < 62; w++) {
        uint64_t a = c->alloc[w];
        unsigned lo = (unsigned)__builtin_ctzll(a | (UINT64_C(1) << 63)), hi = 63 - (unsigned)__builtin_clzll(a | 1);
        if (hi <= lo + 1)
            continue;
        uintptr_t r = longestRunAbove(~a & lowBits(hi) & ~lowBits(lo + 1), max);
        if (r)
            max = r;
    }
    return packSum(start, max, cur);
}

/* The lowest run of n free pages of chunk c at or after page from, or ~0;
 * *first gets the chunk's first free page at or after from (CHUNK_PAGES if
 * none comes before the run). */
static uintptr_t chunkFind(const gc_pallocData *c, uintptr_t n, uintptr_t from, uintptr_t *first)
{
    uintptr_t i = from, run = 0, start = 0;
    *first = CHUNK_PAGES;
    while (i < CHUNK_PAGES) {
        uint64_t f = ~c->alloc[i / 64] >> (i % 64);
        uintptr_t avail = 64 - i % 64;
        if (!(f & 1)) {
            run = 0;
            i += f ? (uintptr_t)__builtin_ctzll(f) : avail;
            continue;
        }
        if (run == 0) {
            start = i;
            if (*first == CHUNK_PAGES)
                *first = i;
        }
        uintptr_t k = ~f ? (uintptr_t)__builtin_ctzll(~f) : 64;
        if (k > avail)
            k = avail;
        run += k;
        i += k;
        if (run >= n)
            return start;
    }
    return ~(uintptr_t)0;
}

/* Go's mergeSummaries: the summary of 8 consecutive entries of a level
 * whose entries cover 1 << logPages pages. */
static uint64_t mergeSums(const uint64_t *s, unsigned logPages)
{
    uintptr_t full = (uintptr_t)1 << logPages;
    uintptr_t start = sumStart(s[0]), max = sumMax(s[0]), end = sumEnd(s[0]);
    for (uintptr_t i = 1; i < (1u << PA_LEVEL_BITS); i++) {
        uintptr_t si = sumStart(s[i]), mi = sumMax(s[i]), ei = sumEnd(s[i]);
        if (start == i << logPages)
            start += si;
        if (end + si > max)
            max = end + si;
        if (mi > max)
            max = mi;
        end = ei == full ? end + full : ei;
    }
    return packSum(start, max, end);
}

/* Recompute the summaries over chunks [sc, ec] and up the tree. */
static void update(gc_pageAlloc *pa, uintptr_t sc, uintptr_t ec)
{
    uint64_t *leaf = pa->summary[PA_LEVELS - 1];
    int changed = 0;
    for (uintptr_t c = sc; c <= ec; c++) {
        uint64_t y = summarize(chunkOf(pa, c));
        changed |= leaf[c] != y;
        leaf[c] = y;
    }
    for (int l = PA_LEVELS - 2; l >= 0 && changed; l--) {
        changed = 0;
        unsigned sh = levelChunkLog(l);
        for (uintptr_t i = sc >> sh; i <= ec >> sh; i++) {
            uint64_t y = mergeSums(&pa->summary[l + 1][i << PA_LEVEL_BITS], levelPageLog(l + 1));
            changed |= pa->summary[l][i] != y;
            pa->summary[l][i] = y;
        }
    }
}

/* Apply fn to each chunk's share of pages [base, base + npages). */
typedef uintptr_t (*pieceFn)(gc_pallocData *c, uintptr_t i, uintptr_t n, uint64_t arg);
static uintptr_t eachPiece(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages, pieceFn fn, uint64_t arg)
{
    uintptr_t sum = 0;
    for (uintptr_t p = base / PAGE, end = p + npages; p < end;) {
        uintptr_t i = p % CHUNK_PAGES, n = CHUNK_PAGES - i < end - p ? CHUNK_PAGES - i : end - p;
        sum += fn(chunkOf(pa, p / CHUNK_PAGES), i, n, arg);
        p += n;
    }
    return sum;
}

static uintptr_t pieceAlloc(gc_pallocData *c, uintptr_t i, uintptr_t n, uint64_t arg)
{
    (void)arg;
    bitsRange(c->alloc, i, n, 1);
    return bitsRange(c->scav, i, n, 2);
}

static uintptr_t pieceFree(gc_pallocData *c, uintptr_t i, uintptr_t n, uint64_t gen)
{
    bitsRange(c->alloc, i, n, 2);
    c->freegen = gen;
    return 0;
}

static uintptr_t pieceGrow(gc_pallocData *c, uintptr_t i, uintptr_t n, uint64_t arg)
{
    (void)arg;
    bitsRange(c->alloc, i, n, 2);
    bitsRange(c->scav, i, n, 1);
    return 0;
}

static uintptr_t pieceScavenge(gc_pallocData *c, uintptr_t i, uintptr_t n, uint64_t arg)
{
    (void)arg;
    /* Only free pages: the piece's allocated bits stay unscavenged. */
    uintptr_t was = bitsRange(c->scav, i, n, 0);
    for (uintptr_t w = 0; w < CHUNK_WORDS; w++) {
        uint64_t m = 0;
        uintptr_t lo = w * 64, hi = lo + 64;
        if (i < hi && i + n > lo) {
            uintptr_t a = i > lo ? i : lo, b = i + n < hi ? i + n : hi;
            m = lowBits(b - a) << (a - lo);
        }
        c->scav[w] |= m & ~c->alloc[w];
    }
    return bitsRange(c->scav, i, n, 0) - was;
}

void gc_pageAlloc_init(gc_pageAlloc *pa, gc_heap *h)
{
    memset(pa, 0, sizeof *pa);
    pa->heap = h;
    pa->searchAddr = (uintptr_t)1 << HEAP_ADDR_BITS;
}

void gc_pageAlloc_destroy(gc_pageAlloc *pa)
{
    if (pa->sumBase)
        gc_sys_free(pa->sumBase, pa->sumBytes);
    for (size_t i = 0; i < (1u << ARENA_L1_BITS); i++) {
        gc_pallocData **l2 = pa->chunks[i];
        if (!l2)
            continue;
        for (size_t j = 0; j < (1u << ARENA_L2_BITS); j++)
            if (l2[j])
                gc_sys_free(l2[j], PA_GROUP_CHUNKS * sizeof(gc_pallocData));
        gc_sys_free(l2, sizeof(gc_pallocData *) << ARENA_L2_BITS);
    }
    gc_pageAlloc_init(pa, pa->heap);
}

/* Map the summary pages of level l over entries [lo, hi]. */
static int mapSummaries(gc_pageAlloc *pa, int l, uintptr_t lo, uintptr_t hi)
{
    uint64_t *bits = pa->mapped + mappedOffset(l);
    uintptr_t plo = lo * sizeof(uint64_t) / PA_SYS_PAGE, phi = hi * sizeof(uint64_t) / PA_SYS_PAGE;
    for (uintptr_t p = plo; p <= phi;) {
        if (bit_get(bits, p)) {
            p++;
            continue;
        }
        uintptr_t q = p;
        while (q + 1 <= phi && !bit_get(bits, q + 1))
            q++;
        if (gc_sys_map(pa->heap, (uint8_t *)pa->summary[l] + p * PA_SYS_PAGE, (q - p + 1) * PA_SYS_PAGE) != 0)
            return -1;
        pa->sys += (q - p + 1) * PA_SYS_PAGE;
        for (; p <= q; p++)
            bit_set(bits, p);
    }
    return 0;
}

int gc_pageAlloc_reserve(gc_pageAlloc *pa, uintptr_t base, size_t bytes)
{
    if (!pa->sumBase) {
        size_t total = 0;
        for (int l = 0; l < PA_LEVELS; l++)
            total += levelEntries(l) * sizeof(uint64_t);
        void *p = gc_sys_reserve(pa->heap, total, PA_SYS_PAGE);
        if (!p)
            return -1;
        pa->sumBase = p;
        pa->sumBytes = total;
        uint8_t *q = p;
        for (int l = 0; l < PA_LEVELS; l++) {
            pa->summary[l] = (uint64_t *)q;
            q += levelEntries(l) * sizeof(uint64_t);
        }
    }
    uintptr_t sc = base >> PA_CHUNK_SHIFT, ec = (base + bytes - 1) >> PA_CHUNK_SHIFT;
    for (int l = 0; l < PA_LEVELS; l++) {
        unsigned sh = levelChunkLog(l);
        if (mapSummaries(pa, l, sc >> sh, ec >> sh) != 0)
            return -1;
    }
    for (uintptr_t ai = sc / PA_GROUP_CHUNKS; ai <= ec / PA_GROUP_CHUNKS; ai++) {
        gc_pallocData ***l2 = &pa->chunks[ai >> ARENA_L2_BITS];
        if (!*l2) {
            if (!(*l2 = gc_sys_alloc(pa->heap, sizeof(gc_pallocData *) << ARENA_L2_BITS)))
                return -1;
            pa->sys += sizeof(gc_pallocData *) << ARENA_L2_BITS;
        }
        gc_pallocData **g = &(*l2)[ai & ((1u << ARENA_L2_BITS) - 1)];
        if (!*g) {
            if (!(*g = gc_sys_alloc(pa->heap, PA_GROUP_CHUNKS * sizeof(gc_pallocData))))
                return -1;
            pa->sys += PA_GROUP_CHUNKS * sizeof(gc_pallocData);
        }
    }
    /* Nothing can fail from here: the chunks join the heap all allocated
     * (their leaf summaries are already zero). */
    for (uintptr_t ci = sc; ci <= ec; ci++) {
        gc_pallocData *c = &pa->chunks[ci / PA_GROUP_CHUNKS >> ARENA_L2_BITS]
                                      [ci / PA_GROUP_CHUNKS & ((1u << ARENA_L2_BITS) - 1)][ci % PA_GROUP_CHUNKS];
        memset(c->alloc, 0xff, sizeof c->alloc);
        memset(c->scav, 0, sizeof c->scav);
        c->present = 1;
    }
    if (pa->end == 0 || sc < pa->start)
        pa->start = sc;
    if (ec + 1 > pa->end)
        pa->end = ec + 1;
    return 0;
}

void gc_pageAlloc_grow(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages)
{
    if (base < pa->searchAddr)
        pa->searchAddr = base;
    eachPiece(pa, base, npages, pieceGrow, 0);
    update(pa, base >> PA_CHUNK_SHIFT, (base + npages * PAGE - 1) >> PA_CHUNK_SHIFT);
}

void gc_pageAlloc_free(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages, uint64_t gen)
{
    if (base < pa->searchAddr)
        pa->searchAddr = base;
    eachPiece(pa, base, npages, pieceFree, gen);
    update(pa, base >> PA_CHUNK_SHIFT, (base + npages * PAGE - 1) >> PA_CHUNK_SHIFT);
}

/* Go's firstFree window: pages in [lo, hi] hold the lowest free page. */
typedef struct window {
    uintptr_t lo, hi;
} window;

static void foundFree(window *w, uintptr_t addr, uintptr_t size)
{
    if (w->lo <= addr && addr + size - 1 <= w->hi) {
        w->lo = addr;
        w->hi = addr + size - 1;
    }
}

/* Go's pageAlloc.find: the lowest run of npages free pages (0: none) and,
 * in *search, an address below which no page is free. */
static uintptr_t find(const gc_pageAlloc *pa, uintptr_t npages, uintptr_t *search)
{
    window ff = {0, ((uintptr_t)1 << HEAP_ADDR_BITS) - 1};
    uintptr_t i = 0; /* first entry of the block searched at this level */
    for (int l = 0; l < PA_LEVELS; l++) {
        unsigned logPages = levelPageLog(l), shift = logPages + GC_PAGE_SHIFT;
        uintptr_t j0 = 0, j1 = (uintptr_t)1 << PA_LEVEL_BITS;
        if (l == 0) {
            /* The root level: only the entries over chunks the heap has. */
            j0 = pa->start >> levelChunkLog(0);
            j1 = ((pa->end - 1) >> levelChunkLog(0)) + 1;
        } else {
            i <<= PA_LEVEL_BITS;
        }
        uintptr_t si = pa->searchAddr >> shift;
        if (si >= i + j0 && si < i + j1)
            j0 = si - i;
        else if (si >= i + j1)
            j0 = j1;
        uintptr_t base = 0, size = 0;
        uintptr_t full = (uintptr_t)1 << logPages;
        int descend = 0;
        for (uintptr_t j = j0; j < j1; j++) {
            if (l == 0 && !entryMapped(pa, 0, j)) {
                size = 0;
                continue;
            }
            uint64_t sum = pa->summary[l][i + j];
            if (!sum) {
                size = 0;
                continue;
            }
            foundFree(&ff, (i + j) << shift, (uintptr_t)1 << shift);
            uintptr_t s = sumStart(sum);
            if (size + s >= npages) {
                if (!size)
                    base = j << logPages;
                size += s;
                break;
            }
            if (sumMax(sum) >= npages) {
                i += j;
                descend = 1;
                break;
            }
            if (!size || s < full) {
                size = sumEnd(sum);
                base = ((j + 1) << logPages) - size;
                continue;
            }
            size += full;
        }
        if (descend)
            continue;
        if (size >= npages) {
            *search = ff.lo;
            return (i << shift) + base * PAGE;
        }
        return 0; /* at the root: nothing fits; below it the summaries would have lied */
    }
    uintptr_t first, j = chunkFind(chunkOf(pa, i), npages, 0, &first);
    if (j == ~(uintptr_t)0)
        return 0;
    uintptr_t cbase = i << PA_CHUNK_SHIFT;
    foundFree(&ff, cbase + first * PAGE, ((uintptr_t)1 << PA_CHUNK_SHIFT) - first * PAGE);
    *search = ff.lo;
    return cbase + j * PAGE;
}

uintptr_t gc_pageAlloc_alloc(gc_pageAlloc *pa, uintptr_t npages, uintptr_t *scav)
{
    *scav = 0;
    if (npages == 0 || (pa->searchAddr >> PA_CHUNK_SHIFT) >= pa->end)
        return 0;
    uintptr_t addr = 0, search = 0;
    /* The chunk holding searchAddr first: no free page of it lies below. */
    uintptr_t ci = pa->searchAddr >> PA_CHUNK_SHIFT, pi = pa->searchAddr / PAGE % CHUNK_PAGES;
    if (CHUNK_PAGES - pi >= npages && ci >= pa->start && entryMapped(pa, PA_LEVELS - 1, ci) &&
        sumMax(pa->summary[PA_LEVELS - 1][ci]) >= npages) {
        uintptr_t first, j = chunkFind(chunkOf(pa, ci), npages, pi, &first);
        if (j != ~(uintptr_t)0) {
            addr = (ci << PA_CHUNK_SHIFT) + j * PAGE;
            search = (ci << PA_CHUNK_SHIFT) + first * PAGE;
        }
    }
    if (!addr)
        addr = find(pa, npages, &search);
    if (!addr) {
        if (npages == 1)
            pa->searchAddr = (uintptr_t)1 << HEAP_ADDR_BITS; /* not one free page */
        return 0;
    }
    *scav = eachPiece(pa, addr, npages, pieceAlloc, 0);
    update(pa, addr >> PA_CHUNK_SHIFT, (addr + npages * PAGE - 1) >> PA_CHUNK_SHIFT);
    if (search > pa->searchAddr)
        pa->searchAddr = search;
    return addr;
}

uintptr_t gc_pageAlloc_scavengeCandidate(gc_pageAlloc *pa, uintptr_t *cursor, uint64_t genLimit, int huge,
                                         uintptr_t *npages)
{
    uintptr_t top = *cursor / PAGE; /* pages below top */
    uintptr_t hi = top ? (top - 1) / CHUNK_PAGES + 1 : 0;
    if (hi > pa->end)
        hi = pa->end;
    for (uintptr_t ci = hi; ci-- > pa->start;) {
        gc_pallocData *c = chunkOf(pa, ci);
        if (!c || c->freegen >= genLimit)
            continue;
        uintptr_t lim = top - ci * CHUNK_PAGES < CHUNK_PAGES ? top - ci * CHUNK_PAGES : CHUNK_PAGES;
        uintptr_t first = 0;
        if (huge) {
            for (uintptr_t hp = lim / HUGE_CHUNK_PAGES; hp-- > 0;) {
                uintptr_t w0 = hp * HUGE_CHUNK_PAGES / 64, nw = HUGE_CHUNK_PAGES / 64, allfree = 1, dirty = 0;
                for (uintptr_t w = w0; w < w0 + nw; w++) {
                    allfree &= c->alloc[w] == 0;
                    dirty |= ~c->scav[w] != 0;
                }
                if (allfree && dirty) {
                    first = hp * HUGE_CHUNK_PAGES;
                    *npages = HUGE_CHUNK_PAGES;
                    goto found;
                }
            }
            continue;
        }
        /* The highest free unscavenged page below lim, then down its run. */
        for (uintptr_t w = (lim + 63) / 64; w-- > 0;) {
            uint64_t m = ~c->alloc[w] & ~c->scav[w];
            if (lim < (w + 1) * 64)
                m &= lowBits(lim - w * 64);
            if (!m)
                continue;
            uintptr_t last = w * 64 + 63 - (uintptr_t)__builtin_clzll(m);
            uintptr_t p = last;
            while (p > 0 && !bit_get(c->alloc, p - 1) && !bit_get(c->scav, p - 1))
                p--;
            first = p;
            *npages = last - p + 1;
            goto found;
        }
        continue;
    found:;
        uintptr_t base = (ci << PA_CHUNK_SHIFT) + first * PAGE;
        *cursor = base;
        return base;
    }
    *cursor = 0;
    return 0;
}

uintptr_t gc_pageAlloc_markScavenged(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages)
{
    return eachPiece(pa, base, npages, pieceScavenge, 0);
}

uintptr_t gc_pageAlloc_take(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages)
{
    uintptr_t scav = eachPiece(pa, base, npages, pieceAlloc, 0);
    update(pa, base >> PA_CHUNK_SHIFT, (base + npages * PAGE - 1) >> PA_CHUNK_SHIFT);
    return scav;
}

uintptr_t gc_pageAlloc_freeRun(const gc_pageAlloc *pa, uintptr_t addr, uintptr_t limit, int *scav)
{
    uintptr_t n = 0;
    int s0 = 0;
    for (uintptr_t p = addr; p < limit; p += PAGE, n++) {
        const gc_pallocData *c = chunkOf(pa, p >> PA_CHUNK_SHIFT);
        uintptr_t i = p / PAGE % CHUNK_PAGES;
        if (!c || bit_get(c->alloc, i))
            break;
        int s = bit_get(c->scav, i);
        if (n == 0)
            s0 = s;
        else if (s != s0)
            break;
    }
    *scav = s0;
    return n;
}

size_t gc_pageAlloc_check(const gc_pageAlloc *pa)
{
    size_t bad = 0;
    if (!pa->end)
        return 0;
    for (uintptr_t ci = pa->start; ci < pa->end; ci++) {
        const gc_pallocData *c = chunkOf(pa, ci);
        if (!entryMapped(pa, PA_LEVELS - 1, ci)) {
            bad += c != NULL;
            continue;
        }
        uint64_t want = c ? summarize(c) : 0;
        bad += pa->summary[PA_LEVELS - 1][ci] != want;
        for (unsigned w = 0; c && w < CHUNK_WORDS; w++)
            bad += (c->alloc[w] & c->scav[w]) != 0;
    }
    for (int l = PA_LEVELS - 2; l >= 0; l--) {
        unsigned sh = levelChunkLog(l);
        for (uintptr_t i = pa->start >> sh; i <= (pa->end - 1) >> sh; i++) {
            if (!entryMapped(pa, l, i))
                continue;
            if (!entryMapped(pa, l + 1, i << PA_LEVEL_BITS)) {
                bad += pa->summary[l][i] != 0;
                continue;
            }
            uint64_t want = mergeSums(&pa->summary[l + 1][i << PA_LEVEL_BITS], levelPageLog(l + 1));
            bad += pa->summary[l][i] != want;
        }
    }
    return bad;
}
