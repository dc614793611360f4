/*
 * internal.h: the structures alloc's files share (mheap, mspan, mcentral,
 * mcache, the collector's state) and the functions they call in each other.
 * Never included outside alloc/ (tests use alloc.h only), except by the
 * page allocator's model test, which drives mpagealloc.c directly, and
 * the sweep cursor's test, which sets the cursor and calls gc_sweepone.
 *
 * Mirrors the type definitions spread over Go's runtime/mheap.go (mheap,
 * mspan, heapArena), mcentral.go, mcache.go, mgcwork.go and mstats.go.
 * Departures, each explained where it is implemented:
 *  - allocCache keeps its bits in place (the taken bit is cleared) instead
 *    of being shifted, so nextFreeFast needs no 64-slot boundary test;
 *  - allocBits/gcmarkBits are one block per span, sized to its slots and
 *    kept on per-size free lists (mheap.c), instead of in gcBits arenas
 *    freed in bulk;
 *  - the fields an allocation touches open the mspan as a gc_window, the
 *    struct alloc.h lets a host's inlined fast path use;
 *  - the page allocator (mpagealloc.c) keeps its per-chunk bitmaps in
 *    arena-sized groups under a table of its own, not Go's 2-level chunk
 *    array, and keeps each chunk's last free generation for the scavenger
 *    instead of Go's scavenge index;
 *  - allocate-black marks a whole allocCache window when a P starts
 *    allocating from it (and unmarks what is left free when the P leaves
 *    it), not each object, so the fast paths are the same during a mark;
 *  - mcentral's span sets are lists under a sleeping lock per span
 *    class instead of Go's lock-free spanSets; the page heap is under
 *    its own lock; a P's mcache needs none (lock order: alloc/README.md);
 *  - stopping the world is a handshake under pslock (mproc.c): a thread
 *    that owns several Ps stops them all together.
 */
#ifndef ALLOC_INTERNAL_H
#define ALLOC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "alloc/alloc.h"
#include "alloc/sizeclasses.h"

/* AddressSanitizer: alloc poisons what it has not handed out (free slots,
 * free pages, span tails, noscan slack) so that a use of a freed toy object
 * is reported as a use-after-poison. Compiled out in other builds. */
#if defined(__SANITIZE_ADDRESS__)
#define GC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GC_ASAN 1
#endif
#endif
#ifdef GC_ASAN
#include <sanitizer/asan_interface.h>
#define asan_poison(p, n) __asan_poison_memory_region((const volatile void *)(p), (size_t)(n))
#define asan_unpoison(p, n) __asan_unpoison_memory_region((const volatile void *)(p), (size_t)(n))
#else
#define GC_ASAN 0
#define asan_poison(p, n) ((void)(p), (void)(n))
#define asan_unpoison(p, n) ((void)(p), (void)(n))
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

enum {
    GC_PTR_SIZE = 8,
    GC_MALLOC_HEADER_SIZE = 8,
    GC_MIN_SIZE_FOR_MALLOC_HEADER = 512, /* exclusive: size <= 512 keeps heap bits in the span */
    GC_MAX_SMALL_ALLOC = GC_MAX_SMALL_SIZE - GC_MALLOC_HEADER_SIZE, /* 32760 */
    GC_NUM_SPAN_CLASSES = GC_NUM_SIZE_CLASSES * 2,
    SPC_TINY = GC_NUM_SPAN_CLASSES, /* gc_p.alloc's extra, always empty, slot */
    GC_TINY_SPAN_CLASS = GC_TINY_SIZE_CLASS << 1 | 1,

    ARENA_SHIFT = 26, /* 64 MiB arenas, as Go on 64-bit Linux */
    PAGES_PER_ARENA = 1 << (ARENA_SHIFT - GC_PAGE_SHIFT),
    HEAP_ADDR_BITS = 48,
    ARENA_L2_BITS = 11,
    ARENA_L1_BITS = HEAP_ADDR_BITS - ARENA_SHIFT - ARENA_L2_BITS,
    CHUNK_PAGES = 512, /* the heap grows by at least 4 MiB (pallocChunkPages) */
    SPAN_BITS_WORDS = GC_MAX_OBJS_PER_SPAN / 64,
    SPAN_BITS_CLASSES = SPAN_BITS_WORDS, /* bit arrays of 1, 2, ... SPAN_BITS_WORDS words */
};

#define ARENA_BYTES ((uintptr_t)1 << ARENA_SHIFT)
#define CHECKMARK_BYTES (ARENA_BYTES / GC_PTR_SIZE / 8)
/* Largest request we try to satisfy: far beyond any real mmap, small
 * enough that page arithmetic never overflows. */
#define GC_MAX_ALLOC ((size_t)1 << 44)

/* Span states (Go's mSpanDead / mSpanInUse). */
enum { MSPAN_DEAD = 0, MSPAN_INUSE = 1 };

typedef struct mspan mspan;

typedef struct spanList {
    mspan *first;
    size_t n;
    uint8_t which; /* its index in its mcentral's lists (mcentral_list) */
} spanList;

struct mspan {
    /* The fields the fast paths touch come first, in one cache line: the
     * window (alloc.h's gc_window, what a host's inlined fast path sees)
     * and, under the same names, alloc's own view of them. Both are the
     * same sequence of members, which C lets a union's members share. */
    union {
        gc_window window;
        struct {
            uint64_t allocCache;    /* bit i set: slot freeindex+i is free */
            uintptr_t winBase;      /* address of slot freeindex */
            uintptr_t elemsize;
            uint64_t *winHeapBits;  /* heap-bits span: the bitmap word of slot freeindex's first word */
            uint64_t winBits;       /* non-zero: every free slot of the window already holds these heap bits */
            uint8_t needzero;       /* free slots may hold garbage */
        };
    };
    /* The rest is packed into 80 bytes, 128 in all (a span record per
     * 8 KiB span is most of the heap's metadata). */
    uint8_t spanclass;
    uint8_t state;          /* MSPAN_* */
    uint8_t bitsClass;      /* allocBits and gcmarkBits are bitsClass + 1 words each */
    uint8_t onList;         /* 0, or 1 + the index of the mcentral list holding it (under that mcentral's lock) */
    uint16_t nelems;
    uint16_t freeindex;     /* start of allocCache's 64-slot window; slots below are allocated */
    uint16_t allocCount;
    uint16_t allocCountBeforeCache;
    uint32_t sweepgen;
    uint32_t divMul;
    uint32_t npages;        /* at most GC_MAX_ALLOC / GC_PAGE_SIZE */
    uintptr_t startAddr;
    uintptr_t limit;        /* end of the object area */
    /* Small spans: the pointer bitmap at the span's end, or NULL (read it
     * with span_heapBits); large ones: the object's type once zeroed. */
    union {
        uint64_t *heapBits;
        const gc_type *largeType;
    };
    /* Both halves of one block from h->bitsalloc[bitsClass], sized to
     * nelems (Go's gcBits arenas); sweep swaps them. */
    uint64_t *allocBits;
    uint64_t *gcmarkBits;
    mspan *next, *prev;
};
_Static_assert(sizeof(mspan) == 128, "mspan is two cache lines");
_Static_assert(GC_MAX_ALLOC / GC_PAGE_SIZE <= UINT32_MAX, "a span's npages fits mspan.npages");

_Static_assert(offsetof(mspan, allocCache) == offsetof(gc_window, allocCache) &&
                   offsetof(mspan, winBase) == offsetof(gc_window, winBase) &&
                   offsetof(mspan, elemsize) == offsetof(gc_window, elemsize) &&
                   offsetof(mspan, winHeapBits) == offsetof(gc_window, winHeapBits) &&
                   offsetof(mspan, winBits) == offsetof(gc_window, winBits) &&
                   offsetof(mspan, needzero) == offsetof(gc_window, needzero),
               "mspan's window fields are gc_window's");

static inline uint32_t span_bitsWords(const mspan *s) { return (uint32_t)s->bitsClass + 1; }

static inline uint8_t spanclass_make(unsigned sizeclass, int noscan)
{
    return (uint8_t)(sizeclass << 1 | (noscan ? 1u : 0u));
}
static inline unsigned spanclass_sizeclass(uint8_t spc) { return spc >> 1; }
static inline int spanclass_noscan(uint8_t spc) { return spc & 1; }
static inline uint64_t *span_heapBits(const mspan *s)
{
    return spanclass_sizeclass(s->spanclass) != 0 ? s->heapBits : NULL;
}

static inline unsigned size_to_class(size_t size)
{
    if (size <= GC_SMALL_SIZE_MAX - 8)
        return gc_size_to_class8[(size + GC_SMALL_SIZE_DIV - 1) / GC_SMALL_SIZE_DIV];
    return gc_size_to_class128[(size - GC_SMALL_SIZE_MAX + GC_LARGE_SIZE_DIV - 1) / GC_LARGE_SIZE_DIV];
}

static inline int bit_get(const uint64_t *b, uintptr_t i) { return (int)(b[i / 64] >> (i % 64) & 1); }
static inline void bit_set(uint64_t *b, uintptr_t i) { b[i / 64] |= (uint64_t)1 << (i % 64); }

/* Slot index of an address in a small span (Go's divideByElemSize). */
static inline uintptr_t span_objIndex(const mspan *s, uintptr_t p)
{
    return (uintptr_t)(((uint64_t)(p - s->startAddr) * s->divMul) >> 32);
}

/* Is slot i allocated (or garbage not yet swept)? Valid cached or not:
 * the window's free slots are exactly allocCache's bits. */
static inline int span_isAllocated(const mspan *s, uintptr_t i)
{
    if (i < s->freeindex)
        return 1;
    if (i - s->freeindex < 64)
        return !(s->allocCache >> (i - s->freeindex) & 1);
    return bit_get(s->allocBits, i);
}

/* nextFreeFast: the allocation fast path. A handful of instructions: take
 * the lowest free bit of the 64-slot window and clear it. Go shifts the
 * cache instead and so must stop at each 64-slot boundary; clearing in place
 * keeps the bit positions fixed and moves the boundary work to nextFree. */
static inline uintptr_t nextFreeFast(mspan *s)
{
    uint64_t c = s->allocCache;
    if (UNLIKELY(c == 0))
        return 0;
    return s->winBase + (uintptr_t)gc_window_takeIndex(&s->window, c) * s->elemsize;
}

/* ---- OS memory and fixed-size metadata pools (mem.c, fixalloc.c) ---- */
/* The requests that can fail take the heap they serve (NULL: the heap
 * record itself, the mark queue): each counts as one OS request in
 * h->sysRequests, and TOYDEBUG=failmap=N makes the N-th fail. */
void *gc_sys_reserve(gc_heap *h, size_t n, size_t align); /* PROT_NONE, aligned */
int gc_sys_map(gc_heap *h, void *p, size_t n);            /* reserved -> ready */
void gc_sys_unused(void *p, size_t n);          /* give pages back, keep the mapping */
void gc_sys_free(void *p, size_t n);
void *gc_sys_alloc(gc_heap *h, size_t n);       /* zeroed metadata memory */

typedef struct fixalloc {
    gc_heap *heap;     /* whose OS requests the chunks count as */
    size_t size;
    void *freelist;
    uint8_t *chunk;
    size_t nchunk;     /* bytes left in chunk */
    void *chunks;      /* list of every chunk, for gc_heap_free */
    size_t inuse;
    size_t sys;
} fixalloc;
void gc_fixalloc_init(fixalloc *f, gc_heap *h, size_t size);
void *gc_fixalloc_alloc(fixalloc *f);   /* zeroed; NULL when the OS says no */
void gc_fixalloc_free(fixalloc *f, void *p);
void gc_fixalloc_destroy(fixalloc *f);

/* ---- page allocator (mpagealloc.c, Go's mpagealloc.go and mpallocbits.go) ----
 * Pages are grouped in chunks of CHUNK_PAGES (4 MiB); each chunk has a bitmap
 * of allocated pages and one of scavenged (free and returned to the OS)
 * pages. A radix tree of summaries (PA_LEVELS levels, the root one entry per
 * 16 GiB, each level below splitting an entry in 8, the leaves one per
 * chunk) records for every entry the free run at its start, the longest
 * one inside it and the one at its end, so that finding the lowest run of
 * n free pages reads O(levels) entries. All of it is under the heap lock. */
enum {
    PA_CHUNK_SHIFT = GC_PAGE_SHIFT + 9,
    PA_LEVELS = 5,
    PA_LEVEL_BITS = 3,
    PA_L0_BITS = HEAP_ADDR_BITS - PA_CHUNK_SHIFT - (PA_LEVELS - 1) * PA_LEVEL_BITS,
    PA_GROUP_CHUNKS = 1 << (ARENA_SHIFT - PA_CHUNK_SHIFT), /* chunk records come an arena's worth at a time */
    PA_SYS_PAGE = 4096, /* summaries are mapped this much at a time */
};
/* One bit per PA_SYS_PAGE of each level's summary array (8-byte entries): which are mapped. */
#define PA_MAPPED_LEVEL_WORDS(l) \
    ((((size_t)8 << (PA_L0_BITS + (l) * PA_LEVEL_BITS)) / PA_SYS_PAGE + 63) / 64)
#define PA_MAPPED_WORDS \
    (PA_MAPPED_LEVEL_WORDS(0) + PA_MAPPED_LEVEL_WORDS(1) + PA_MAPPED_LEVEL_WORDS(2) + PA_MAPPED_LEVEL_WORDS(3) + \
     PA_MAPPED_LEVEL_WORDS(4))
_Static_assert(PA_LEVELS == 5, "PA_MAPPED_WORDS sums every level");

typedef struct gc_pallocData {
    uint64_t alloc[CHUNK_PAGES / 64]; /* set: allocated, or not (yet) part of the heap */
    uint64_t scav[CHUNK_PAGES / 64];  /* set: free and returned to the OS (reads as zero); never set where alloc is */
    uint64_t freegen;                 /* the caller's generation at the chunk's last free (the scavenger's idle test) */
    uint8_t present;                  /* the chunk is part of the heap's address space */
} gc_pallocData;

typedef struct gc_pageAlloc {
    gc_heap *heap;                    /* whose OS requests the metadata is (NULL: nobody's) */
    uint64_t *summary[PA_LEVELS];     /* packed (start, max, end) per entry; reserved, mapped where chunks are */
    void *sumBase;
    size_t sumBytes;
    uint64_t mapped[PA_MAPPED_WORDS];
    gc_pallocData **chunks[1 << ARENA_L1_BITS]; /* arena index -> its group of PA_GROUP_CHUNKS records */
    uintptr_t start, end;             /* chunk indices: every present chunk is in [start, end) */
    uintptr_t searchAddr;             /* no page below it is free */
    size_t sys;                       /* metadata bytes from the OS */
} gc_pageAlloc;

void gc_pageAlloc_init(gc_pageAlloc *pa, gc_heap *h);
void gc_pageAlloc_destroy(gc_pageAlloc *pa);
/* Make [base, base + bytes) (whole arenas) part of the address space the
 * allocator knows, every page allocated; -1 when the OS refuses metadata. */
int gc_pageAlloc_reserve(gc_pageAlloc *pa, uintptr_t base, size_t bytes);
/* Pages of a reserved range become free and scavenged (fresh memory). */
void gc_pageAlloc_grow(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages);
/* The lowest run of npages free pages, now allocated, or 0; *scav gets how
 * many of them were scavenged. */
uintptr_t gc_pageAlloc_alloc(gc_pageAlloc *pa, uintptr_t npages, uintptr_t *scav);
/* Allocated pages become free (not scavenged); gen is recorded per chunk. */
void gc_pageAlloc_free(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages, uint64_t gen);
/* The next run of free, unscavenged pages below *cursor (start at
 * UINTPTR_MAX), highest first, in chunks whose freegen < genLimit; huge:
 * only an aligned 2 MiB piece whose pages are all free (some scavenged
 * maybe). Returns its base and sets *npages and *cursor, or returns 0. */
uintptr_t gc_pageAlloc_scavengeCandidate(gc_pageAlloc *pa, uintptr_t *cursor, uint64_t genLimit, int huge,
                                         uintptr_t *npages);
/* Free pages of [base, + npages) become scavenged; returns how many were not. */
uintptr_t gc_pageAlloc_markScavenged(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages);
/* Free pages [base, + npages) become allocated, so that they can be
 * released without the heap lock (Go's scavengeOne); returns how many
 * were scavenged. gc_pageAlloc_grow gives them back, all scavenged. */
uintptr_t gc_pageAlloc_take(gc_pageAlloc *pa, uintptr_t base, uintptr_t npages);
/* 0 if the page at addr is allocated; else the free pages from addr (below
 * limit) in addr's scavenged state, which *scav gets. */
uintptr_t gc_pageAlloc_freeRun(const gc_pageAlloc *pa, uintptr_t addr, uintptr_t limit, int *scav);
/* Summaries that disagree with the bitmaps, scavenged bits on allocated pages. */
size_t gc_pageAlloc_check(const gc_pageAlloc *pa);

/* ---- mheap ---- */
typedef struct arenaRegion arenaRegion;
struct arenaRegion {
    uintptr_t base;
    size_t size;       /* reserved bytes, a multiple of ARENA_BYTES */
    size_t committed;  /* bytes from base made ready, the rest is PROT_NONE */
    arenaRegion *next;
};

typedef struct heapArena {
    mspan *spans[PAGES_PER_ARENA]; /* page -> span (every page of an in-use span; stale on free pages) */
    arenaRegion *region;
    /* Go's pageInUse and pageMarks, a bit per page, set on an in-use
     * span's first page: in use (under the heap lock), and holds an object
     * the current or last mark marked (atomic OR by the markers, cleared
     * at each mark's start). Reclaim reads inUse &^ marks: spans that
     * sweeping will free whole (mgcsweep.c). */
    uint64_t pageInUse[PAGES_PER_ARENA / 64];
    uint64_t pageMarks[PAGES_PER_ARENA / 64];
    /* The checkmark and verify walks' mark bits, a bit per heap word
     * (CHECKMARK_BYTES), made by the first walk and kept (Go's
     * heapArena.checkmarks); NULL until then. */
    uint64_t *checkmarks;
} heapArena;

/* Each on its own cache lines: two Ps refilling different classes do not
 * share a lock's line (Go pads mcentral the same way). */
typedef struct mcentral {
    _Alignas(64) pthread_mutex_t lock;
    uint8_t spanclass;
    /* partial[sweepgen/2%2] = swept spans with free slots, [1-..] = unswept. */
    spanList partial[2];
    spanList full[2];
} mcentral;

/* The gray object queue: off-heap blocks of object addresses (mgcwork.go). */
typedef struct workbuf {
    struct workbuf *next;
    size_t nobj;
    uintptr_t obj[(65536 - 16) / 8];
} workbuf;

enum { WORKBUF_OBJS = sizeof(((workbuf *)0)->obj) / sizeof(uintptr_t) };

/* Most mark workers a heap runs (gc_options.gcprocs is capped here; the
 * default, the online CPUs, at GC_DEFAULT_MAX_PROCS). */
enum { GC_MAX_PROCS = 64, GC_DEFAULT_MAX_PROCS = 8 };

/* The queue the mark workers share (Go's work.full, work.empty, nwait and
 * nproc): full buffers waiting for a worker and spare empty ones, under
 * lock; full is also read without it to see whether anything is there. */
typedef struct gcWorkQueue {
    pthread_mutex_t lock;
    workbuf *_Atomic full;
    workbuf *empty;
    /* Buffers obtained from the OS: written under lock (relaxed atomic
     * stores), read without it by any P's memory-limit arithmetic
     * (gc_heap_mappedReady) while the mark's workers take buffers. */
    size_t nbufs;
    size_t nempty;           /* of them, on the empty list (under lock) */
    size_t nbufsPeak;        /* the most nbufs has been (under lock) */
    uint64_t nbufsFreed;     /* buffers given back to the OS (under lock) */
    _Atomic uint64_t oblets; /* oblets queued, every mark (relaxed: a count) */
    atomic_uint nwait;       /* workers looking for work */
    unsigned nproc;          /* workers in this mark */
    pthread_cond_t more;     /* a buffer was published, or the mark is over */
    unsigned sleepers;       /* workers waiting on more (under lock) */
    FILE *trace;
} gcWorkQueue;

/* One mark worker's gray objects (Go's gcWork): wbuf1 is pushed to and
 * popped from, wbuf2 is the spare that absorbs push/pop flapping at a
 * buffer boundary. Both are non-NULL while the worker marks. Padded to a
 * cache line of its own, as each worker writes its own often. */
typedef struct gcWork {
    _Alignas(64) workbuf *wbuf1, *wbuf2;
    gcWorkQueue *q;
    uint64_t bytesMarked;    /* this mark */
    uint64_t objsScanned;    /* this mark */
} gcWork;

typedef struct gcMarkPool gcMarkPool; /* the mark worker threads (mgcworker.c) */

/* Go's wbBuf (mwbbuf.c): the old and the new value of each barriered
 * store, shaded into the P's gcWork when full and at mark termination. */
enum { WBBUF_ENTRIES = 512 };
typedef struct wbBuf {
    size_t n;
    uintptr_t buf[WBBUF_ENTRIES];
} wbBuf;

enum { GC_OFF = 0, GC_MARK = 1 }; /* gc_heap.gcphase */

typedef struct rootfn {
    gc_roots_fn fn;
    void *ud;
} rootfn;

struct gc_handle {
    gc_heap *heap;
    void *obj;
    gc_handle *next, *prev;
};

struct gc_marker {
    gc_heap *heap;
    int checkmark; /* 0: marking gcmarkBits; 1: checkmark walk; 2: verify (count, don't abort) */
    size_t problems;
    gcWork *gcw;   /* where roots go: the collecting thread's gcWork */
    int recordRoots; /* a concurrent mark's first pause: root values go to gc_heap.rootVals */
};

/* Per-cycle sweep pacing (Go's sweepdata + mheap.sweepPagesPerByte). */
typedef struct sweepState {
    /* The host and the background sweeper both sweep: these two are
     * atomic (sequentially consistent; counters and a cursor, no data
     * hangs on them: a span is had through its list's lock and the
     * sweepgen claim). */
    atomic_uint centralIndex;  /* next mcentral list gc_sweepone looks at */
    /* Set in a pause, zeroed by whichever P finds the sweep done: relaxed
     * loads and stores (a rate, nothing hangs on it). */
    _Atomic double pagesPerByte;
    _Atomic uint64_t pagesSwept; /* pages swept this cycle */
    uint64_t pagesSweptBasis;
    uint64_t heapLiveBasis;
    uint64_t pagesToSweep;     /* in-use pages at the start of the sweep */
} sweepState;

/* The background sweeper (mgcsweep.c, Go's bgsweep): a thread per heap
 * that sweeps from mark termination until everything is swept, beside the
 * host's proportional and lazy sweeping; under mu. */
typedef struct gcBgSweep {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv, done; /* a sweep to run or stop; it is idle */
    int pending, running, started;
    int parked, inSpan;      /* the world is stopped; a span is being swept */
    atomic_int stop;         /* gc_heap_free: leave between spans */
    pid_t pid;               /* the process that made the thread */
    uint64_t spans;          /* spans it swept */
    unsigned waiters;        /* threads in gc_bgsweep_wait: no yielding to the Ps then */
} gcBgSweep;

/* One pass of the scavenger (mgcscavenge.c): what it may release. */
typedef struct gcScavPass {
    int all;            /* every free page, unpaced */
    uint64_t keep;      /* stop when heap_sys - heap_released is at most this */
    uint64_t genLimit;  /* only chunks whose last free came before this cycle */
    int huge;           /* 1: whole 2 MiB pieces first, then 0: any run */
    uintptr_t cursor;   /* pages below it are still to look at */
} gcScavPass;

/* The background scavenger's thread and what it shares with the host,
 * under mu. */
typedef struct gcScavenger {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv, done; /* a pass to run or stop; a pass is over */
    gcScavPass pass;         /* the next pass */
    int pending, running, stop, started;
    pid_t pid;               /* the process that made the thread */
    uint64_t released, passes;
} gcScavenger;

/* The GC CPU limiter's bucket (mgclimit.c), in ns of CPU time. */
typedef struct gcLimiter {
    uint64_t fill;          /* the bucket: collector time less host time, >= 0 */
    int enabled;            /* fill reached the capacity: assists and cycle starts wait */
    uint64_t lastNs, lastGc, lastOnHost; /* the readings at the last update */
    uint64_t assistNs;      /* wall time of every assist so far (host threads) */
    uint64_t bgDoneNs;      /* background workers' CPU of finished cycles */
    uint64_t gcNs, mutatorNs, limitedNs, overflowNs; /* totals since the heap was made */
    uint64_t enabledCount;  /* times the limiter turned on */
    uint64_t cycleNs0, cycleGc0, cycleMut0, cycleLimited0; /* gctrace's window */
} gcLimiter;

struct gc_p {
    /* mcache: alloc[spc] is the span each class allocates from. */
    /* One more slot than there are span classes: SPC_TINY, which stays the
     * empty span, so that sizeSpc can send sizes below 16 to the slow path
     * without a test of its own on the fast one. */
    mspan *alloc[GC_NUM_SPAN_CLASSES + 1];
    /* The same spans as windows: what gc_p_windows hands a host. */
    gc_window *windows[GC_NUM_SPAN_CLASSES + 1];
    /* The noscan span class of every small size (SPC_TINY below 16): the
     * class lookup in one load, without Go's two tables and their branch.
     * 32 KiB per mutator. */
    uint8_t sizeSpc[GC_MAX_SMALL_ALLOC + 1];
    uintptr_t tiny;
    uintptr_t tinyoffset;
    uint64_t tinyAllocs;
    /* Go's per-P heapStatsDelta: what this P's refills and large
     * allocations counted, its thread's alone (no shared cache line on the
     * slow path); summed by gc_read_stats and folded into the heap's when
     * the P is freed, both with the world stopped. */
    uint64_t nmalloc[GC_NUM_SIZE_CLASSES];
    uint64_t largeAlloc, largeAllocCount;
    /* Small scan (type, size) pairs described as sites, the last one per
     * size class (index sizeSpc[size] >> 1; sizes below 16 share the
     * extra last entry), and site, the last one allocated: allocation
     * sites repeat, so validation and the bits are rarely redone. A type
     * is NULL until its entry is first used; site starts at sites[0]. */
    gc_site sites[GC_NUM_SIZE_CLASSES + 1];
    const gc_site *site;
    uint8_t slow;            /* debug mode: the mcache stays empty, every allocation takes the slow path */
    gc_poll poll;            /* gc_p_poll: set by the collector, read by the P's thread */
    gc_heap *heap;
    gc_p *next, *prev;
    /* The concurrent mark (only the P's thread touches these). gcw holds
     * the grey objects its barrier and its assists find; it has buffers
     * only while a mark runs. gcAssistBytes is Go's: allocation charges
     * it, marking and stolen background credit pay it back; below zero
     * the P is in debt. */
    gcWork gcw;
    wbBuf wbbuf;
    int64_t gcAssistBytes;
    /* Ownership (mproc.c), under the heap's pslock: status is P_RUNNING
     * (owner runs with it), P_PARKED (owner waits at a safepoint for the
     * world to restart) or P_IDLE (released: no thread uses it). */
    int status;
    pthread_t owner;
};

enum { P_RUNNING = 0, P_PARKED = 1, P_IDLE = 2 };

/* The span class spc of p allocates from s: alloc's view and the host's
 * window change together. */
static inline void mcache_setSpan(gc_p *p, unsigned spc, mspan *s)
{
    p->alloc[spc] = s;
    p->windows[spc] = &s->window;
}

struct gc_heap {
    gc_options opts;
    gc_barrier barrier;          /* gc_heap_barrier: on while a concurrent mark runs */
    FILE *trace;
    pthread_mutex_t lock;        /* mheap: the page allocator, spans, arenas */
    /* The pacer's assist rates (gc_pacer_revise), the CPU limiter's
     * bucket and timeline events: taken by a running P outside a pause,
     * never held across a park or a stop of the world, never taken by the
     * collector in a pause (every other P is parked then, none holds it).
     * A leaf: nothing else is locked under it. The refill path does not
     * take it (see "Locks" in alloc/README.md). */
    pthread_mutex_t pacerLock;
    pthread_mutex_t rootsLock;   /* roots and handles lists */
    uint32_t sweepgen;
    int gc_running;
    uint64_t zerobase;
    /* Largest request tried: the machine's physical memory (capped at
     * GC_MAX_ALLOC). Beyond it the heap could only hand out address space,
     * at 1 byte of span table per KiB, so such requests fail fast. */
    size_t maxAlloc;
    _Atomic uint64_t sysRequests; /* OS memory requests so far (what failmap counts; any thread adds) */

    /* page heap (mheap.c) */
    gc_pageAlloc pages;          /* which pages are free and which were returned to the OS */
    heapArena **arenas[1 << ARENA_L1_BITS];
    arenaRegion *regions;
    fixalloc spanalloc;
    fixalloc regionalloc;
    fixalloc bitsalloc[SPAN_BITS_CLASSES]; /* spans' bit arrays, by size */
    size_t meta_sys;             /* bytes of metadata obtained from the OS */

    mcentral central[GC_NUM_SPAN_CLASSES];
    mspan emptyspan;             /* what an empty mcache slot points at: never has room */
    uint64_t emptyBits[2];       /* its allocBits and gcmarkBits */

    gc_p *ps;
    rootfn *roots;
    size_t nroots, caproots;
    gc_handle *handles;

    gcWorkQueue work;
    gcWork gcw;                  /* the collecting thread's (worker 0's) gray objects */
    gcMarkPool *markpool;        /* worker threads, made at the first parallel mark; or NULL */
    unsigned gcprocs;            /* mark workers (gc_options.gcprocs resolved), >= 1 */
    unsigned ncpu;               /* online CPUs, >= 1: as many running Ps leave none idle */
    sweepState sweep;

    /* The concurrent mark (mgc.c, mgcmark.c). gcphase, blackBytes and the
     * cycle's times are the mutator thread's; the workers share only the
     * atomics below, the work queue and the mark bits. */
    int gcphase;                 /* GC_OFF, GC_MARK */
    int concurrentCycle;         /* the current or last cycle's mark was concurrent */
    /* The world (mproc.c): ps, every P's status and owner, stopping,
     * stopper and stopDepth are under pslock; pscond is broadcast when a
     * P parks, goes idle or the world restarts. While stopping, only the
     * stopper's thread touches the heap, and what it writes is published
     * to the others by pslock when they wake. */
    pthread_mutex_t pslock;
    pthread_cond_t pscond;
    _Atomic int stopping;        /* written under pslock; read without it by gc_p_park's first test */
    /* Ps whose status is P_RUNNING: written under pslock, read without it
     * (relaxed: a hint) by the background sweeper's gc_ps_busy. */
    atomic_uint runningPs;
    unsigned stopDepth;
    pthread_t stopper;
    _Atomic uint64_t blackBytes; /* bytes allocated black this mark (every P adds) */
    uint64_t markBytes;          /* bytes marked by rounds of workers already collected */
    _Atomic uint64_t wbEntries;  /* barrier records shaded this mark (every P adds) */
    _Atomic int64_t bgScanCredit;  /* background work not yet stolen by assists */
    _Atomic uint64_t markWork;   /* bytes marked this mark so far, flushed in chunks */
    atomic_uint bgRunning;       /* workers of the current round still draining */
    unsigned bgWorkers;          /* dedicated + fractional workers a round starts */
    double bgFraction;           /* the fractional worker's share of one CPU (0: none) */
    unsigned bgIdleProcs;        /* gcprocs no P and no dedicated worker uses: idle-mode marking (round start) */
    unsigned markThreads;        /* most worker threads in one round of this mark */
    double assistWorkPerByte;    /* pacer: bytes to mark per byte allocated */
    uint64_t hardGoal;           /* pacer: past it an assist waits for the workers */
    double assistBytesPerWork;
    uint64_t cycleStartNs, markStartNs, markStartHeapLive, cycleHeap0;
    uint64_t markObjs;           /* objects scanned by rounds already collected */
    int roundActive;             /* a round of background workers was started and not collected */
    _Atomic uint64_t assistCpuNs; /* this mark (every P adds) */
    uint64_t bgCpuNs;            /* this mark: dedicated and fractional workers */
    uint64_t idleCpuNs;          /* this mark: workers marking on otherwise idle procs */
    /* The root values the first pause recorded (gc_mark_concurrentRoots),
     * shaded after it by whoever drains first, as Go's root mark jobs:
     * rootVals and rootN are written in that pause and read-only until
     * the next one (the pool's mutex publishes them to the workers, pslock
     * to the other Ps); chunks are claimed by an atomic add to rootNext
     * (relaxed: a claim only hands out indices). */
    uintptr_t *rootVals;
    size_t rootN, rootCap;
    atomic_size_t rootNext;
    double consMark;             /* pacer: allocation per unit of marking, as Go's */

    gcLimiter limiter;   /* mgclimit.c; under pacerLock or in a pause */
    gcScavenger *scavenger; /* mgcscavenge.c, made at the first cycle's end */
    gcBgSweep *bgsweep;     /* mgcsweep.c, made at the first cycle's end */
    /* Free pages the background scavenger took to release them outside
     * the heap lock (gc_pageAlloc_take): allocated, yet no span's
     * (gc_span_walk reports them free); under the heap lock. */
    uintptr_t scavTakenBase, scavTakenPages;
    arenaRegion *reclaimRegion; /* reclaim's cursor: this region (NULL: done) */
    uintptr_t reclaimOff;       /* and this page of it (under the heap lock, or in a pause) */

    /* pacer (mgcpacer.c) */
    /* bytes marked at the last cycle + allocated since (spans counted when
     * cached): stored in a pause; any P adds and subtracts with relaxed
     * atomic RMWs (a count: nothing is published through it) */
    _Atomic uint64_t heapLive;
    uint64_t heapMarked;
    uint64_t markedBytes;  /* bytes marked by the last mark (summed over its workers) */
    uint64_t lastScanWork; /* of them, marked by scanning (not allocated black): Go's lastHeapScan */
    uint64_t heapGoal;
    uint64_t trigger;

    /* statistics (mstats.c); cached spans are added when read */
    struct {
        /* Folded in from each P's counts (gc_p.nmalloc...) when it is
         * freed, with the world stopped. */
        uint64_t nmalloc[GC_NUM_SIZE_CLASSES];
        /* Sweeping writes these from the background sweeper too: atomic. */
        _Atomic uint64_t nfree[GC_NUM_SIZE_CLASSES];
        uint64_t largeAlloc, largeAllocCount;
        _Atomic uint64_t largeFree, largeFreeCount;
        uint64_t tinyAllocs;
        uint64_t heap_sys;
        _Atomic uint64_t heap_inuse, spans_inuse; /* the background sweeper frees spans */
        /* Under the heap lock when written (the background scavenger);
         * atomic so the host reads it without. */
        _Atomic uint64_t heap_released;
        uint64_t num_gc, num_forced_gc, pause_total_ns, last_gc_ns;
        uint64_t pause_ns[GC_MAX_PAUSES];
        uint64_t num_mutators;
        uint64_t start_ns, gc_cpu_ns;
        uint64_t mark_procs, mark_objects, mark_ns, mark_cpu_ns; /* the last mark (gc_stats) */
        uint64_t mark_total_ns, mark_cpu_total_ns, mark_bytes_total;
        uint64_t num_concurrent_gc, pause_max_ns, mark_assist_cpu_ns, mark_bg_cpu_ns, mark_idle_cpu_ns;
        uint64_t mark_black_bytes, mark_wb_entries;
        /* reclaim's sweeps, by any P: relaxed atomic adds */
        _Atomic uint64_t reclaimSpans, reclaimFreed, reclaimPages;
    } stats;

    struct gc_heapmap *heapmap; /* TOYDEBUG=heapmap=DIR (heapmap.c), or NULL */
    struct gc_timeline *timeline; /* TOYDEBUG=gctimeline=FILE (gctimeline.c), or NULL */
    uint64_t roundStartNs;       /* the current round of background workers' start */
    _Atomic uint64_t roundEndNs; /* set by its last worker (before bgRunning, released with it) */
};

/* gctimeline.c: TOYDEBUG=gctimeline=FILE, and the heap map's timeline.
 * Events are written by host threads, in a pause or under pacerLock;
 * tids: 1 host threads, 2 concurrent mark, 3 workers. */
typedef struct gc_timeline gc_timeline;
void gc_timeline_open(gc_heap *h);
void gc_timeline_close(gc_heap *h);
void gc_timeline_event(gc_heap *h, const char *name, int tid, uint64_t start, uint64_t end, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void gc_timeline_heap(gc_heap *h, uint64_t ts, uint64_t heapLive);

/* heapmap.c: pictures of the heap. open sets h->heapmap (or warns on the
 * trace stream and leaves it NULL); cycle draws the heap after a cycle
 * (forced: gc_collect has swept); close draws it once more and frees. */
typedef struct gc_heapmap gc_heapmap;
void gc_heapmap_open(gc_heap *h);
void gc_heapmap_cycle(gc_heap *h, int forced);
/* One gctimeline event (a JSON object) for index.html's timeline. */
void gc_heapmap_timeline(gc_heap *h, const char *event);
void gc_heapmap_close(gc_heap *h);

/* mheap.c */
int gc_mheap_init(gc_heap *h);
void gc_mheap_destroy(gc_heap *h);
mspan *gc_mheap_alloc(gc_heap *h, uintptr_t npages, uint8_t spanclass);
void gc_mheap_freeSpan(gc_heap *h, mspan *s);
uint64_t gc_mheap_metaSys(const gc_heap *h); /* metadata bytes from the OS */
/* spanOf: any span whose pages contain p, or NULL. spanOfHeap: the in-use
 * span with p in [base, limit), or NULL. findObject: base of the slot
 * holding p (header included) or 0; *sp gets the span, *idx the slot. */
static inline heapArena *arenaOf(const gc_heap *h, uintptr_t p)
{
    uintptr_t ai = p >> ARENA_SHIFT;
    if (ai >> (ARENA_L1_BITS + ARENA_L2_BITS))
        return NULL;
    heapArena **l2 = h->arenas[ai >> ARENA_L2_BITS];
    return l2 ? l2[ai & ((1u << ARENA_L2_BITS) - 1)] : NULL;
}

static inline mspan *spanOf(const gc_heap *h, uintptr_t p)
{
    heapArena *ha = arenaOf(h, p);
    return ha ? ha->spans[(p >> GC_PAGE_SHIFT) & (PAGES_PER_ARENA - 1)] : NULL;
}

static inline mspan *spanOfHeap(const gc_heap *h, uintptr_t p)
{
    mspan *s = spanOf(h, p);
    /* Pages of free runs and freed spans may still name a recycled mspan:
     * the state and range checks reject those (Go's spanOfHeap). */
    if (!s || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != MSPAN_INUSE || p < s->startAddr || p >= s->limit)
        return NULL;
    return s;
}

static inline uintptr_t findObject(const gc_heap *h, uintptr_t p, mspan **sp, uintptr_t *idx)
{
    mspan *s = spanOfHeap(h, p);
    if (!s)
        return 0;
    uintptr_t i = span_objIndex(s, p); /* divMul is 0 for large spans */
    if (sp)
        *sp = s;
    if (idx)
        *idx = i;
    return s->startAddr + i * s->elemsize;
}
void gc_mheap_lock(gc_heap *h);
void gc_mheap_unlock(gc_heap *h);

/* Go's pageMarks: the span holds a marked object (any thread, during a mark). */
static inline void gc_pageMarks_set(const gc_heap *h, const mspan *s)
{
    heapArena *ha = arenaOf(h, s->startAddr);
    uintptr_t pg = (s->startAddr >> GC_PAGE_SHIFT) & (PAGES_PER_ARENA - 1);
    uint64_t bit = (uint64_t)1 << (pg % 64), *w = &ha->pageMarks[pg / 64];
    if (!(__atomic_load_n(w, __ATOMIC_RELAXED) & bit))
        __atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
}
void gc_mheap_clearPageMarks(gc_heap *h);

/* mgcscavenge.c: the background scavenger. kick: a cycle's end hands it
 * the new goal (starting its thread the first time); wait: until its pass
 * is done; onGrow: heap lock held, release what a growth past the memory
 * limit added. */
void gc_scavenger_kick(gc_heap *h);
void gc_scavenger_wait(gc_heap *h);
void gc_scavenger_destroy(gc_heap *h);
void gc_scavenger_stats(gc_heap *h, uint64_t *released, uint64_t *passes);
size_t gc_scavenge_onGrow(gc_heap *h, size_t grown);

/* mspan.c */
void gc_span_initSmall(gc_heap *h, mspan *s, uint8_t spanclass);
void gc_span_refillAllocCache(mspan *s, uint32_t whichWord);
uint64_t gc_span_nextWindow(mspan *s);
uint32_t gc_span_nextFreeIndex(mspan *s);   /* index of the next free slot, nelems when full */
void gc_span_commitCache(mspan *s);          /* fold the window's allocations into allocBits */
unsigned gc_span_countAlloc(const mspan *s); /* popcount of allocBits (span not cached) */
unsigned gc_span_countMarked(const mspan *s);

/* mbitmap.c */
void gc_heapBits_init(mspan *s);
uint64_t gc_type_maskWord(const gc_type *t, size_t w); /* 64 mask bits from word w (a multiple of 64) */
static inline uint64_t lowBits(uintptr_t n) { return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1; }
/* Go's writeHeapBitsSmall in two halves: the object's bits (at most 64:
 * objects here are <= 512 bytes), then their splice into at most two
 * words of the span-end bitmap. */
static inline uint64_t heapBits_smallMask(const gc_type *t, size_t dataSize)
{
    uint64_t src0 = t->ptrdata <= 64 ? t->ptrmask[0] & ((1u << ((t->ptrdata + 7) >> 3)) - 1) : gc_type_maskWord(t, 0);
    if (t->size == dataSize)
        return src0;
    uint64_t src;
    if (t->size == GC_PTR_SIZE) {
        src = (src0 & 1) ? lowBits(dataSize / 8) : 0;
    } else {
        /* size/t->size whole elements (alloc.h); a partial tail is not typed. */
        src = src0;
        for (size_t i = t->size; i + t->size <= dataSize; i += t->size)
            src |= src0 << (i / 8);
    }
    /* Never past the object (only matters when dataSize < t->size). */
    return src & lowBits((dataSize + 7) / 8);
}

/* Atomic stores: mark workers read the words for the neighbours' bits
 * during a concurrent mark (the allocating P is their only writer). */
static inline void heapBits_splice(mspan *s, uintptr_t x, uint64_t src)
{
    uintptr_t nw = s->elemsize >> 3; /* 1..64 */
    uint64_t m = ~(uint64_t)0 >> (64 - nw);
    uintptr_t o = (x - s->startAddr) >> 3, j = o & 63;
    uint64_t *hb = s->heapBits + (o >> 6);
    __atomic_store_n(&hb[0], (hb[0] & ~(m << j)) | src << j, __ATOMIC_RELAXED);
    if (j + nw > 64)
        __atomic_store_n(&hb[1], (hb[1] & ~(m >> (64 - j))) | src >> (64 - j), __ATOMIC_RELAXED);
}

static inline void heapBits_writeSmall(mspan *s, uintptr_t x, size_t dataSize, const gc_type *t)
{
    heapBits_splice(s, x, heapBits_smallMask(t, dataSize));
}

typedef struct typePointers {
    uintptr_t elem;   /* start of the current element */
    uintptr_t addr;   /* address of bit 0 of mask */
    uint64_t mask;
    const gc_type *typ; /* NULL: mask is everything there is */
    uintptr_t limit;
    uint64_t tiled;   /* nonzero: elements divide 64 words and this is 64 words of them */
} typePointers;
/* Pointer slots of the object at slot base x (the header skipped). */
typePointers gc_typePointersOf(const mspan *s, uintptr_t x);
/* Those of a large object x (the span's one slot) in [from, to) only: an
 * oblet (mgcmark.c). */
typePointers gc_typePointersRange(const mspan *s, uintptr_t from, uintptr_t to);
uintptr_t gc_typePointers_next(typePointers *tp); /* address of the next pointer slot, 0 at the end */

/* mcentral.c */
void gc_mcentral_init(mcentral *c, uint8_t spanclass);
mspan *gc_mcentral_cacheSpan(gc_heap *h, mcentral *c);
void gc_mcentral_uncacheSpan(gc_heap *h, mcentral *c, mspan *s);
void gc_spanList_push(spanList *l, mspan *s);
mspan *gc_spanList_pop(spanList *l);
void gc_spanList_remove(spanList *l, mspan *s);
void gc_mcentral_lock(mcentral *c);
void gc_mcentral_unlock(mcentral *c);
static inline spanList *mcentral_partialSwept(mcentral *c, uint32_t sg) { return &c->partial[sg / 2 % 2]; }
static inline spanList *mcentral_partialUnswept(mcentral *c, uint32_t sg) { return &c->partial[1 - sg / 2 % 2]; }
static inline spanList *mcentral_fullSwept(mcentral *c, uint32_t sg) { return &c->full[sg / 2 % 2]; }
static inline spanList *mcentral_fullUnswept(mcentral *c, uint32_t sg) { return &c->full[1 - sg / 2 % 2]; }
/* The list of c that spanList.which (and mspan.onList - 1) names. */
static inline spanList *mcentral_list(mcentral *c, unsigned which)
{
    return which < 2 ? &c->partial[which] : &c->full[which - 2];
}

/* malloc.c, msite.c: what gc_mallocgc's scan front and the sites share.
 * A type gc_mallocgc accepts for a pointerful object: */
static inline int gc_type_ok(const gc_type *t)
{
    return t->size != 0 && (t->size & 7) == 0 && t->ptrdata <= t->size && t->ptrmask != NULL;
}
/* Describe (size, t) as a site: 1 for the heap bits path, 0 for another
 * (the site then takes gc_mallocgc's general path), -1 for a bad type. */
int gc_siteInit(gc_site *st, size_t size, const gc_type *t);
void *gc_siteRefill(gc_p *p, const gc_site *st);          /* the site's window is used up */
void *gc_mallocgcScanSlow(gc_p *p, size_t size, const gc_type *t); /* the general scan path */
/* The small scan path with heap bits in the span, for a described site:
 * what both gc_malloc_site and gc_mallocgc's scan front come to, and what
 * a host inlines (alloc.h: gc_window_take does the slot, its bits and its
 * zeroing). Every exit other than the plain return is a tail call, so it
 * needs no stack frame. */
static inline __attribute__((always_inline)) void *gc_siteAlloc(gc_p *p, const gc_site *st)
{
    mspan *s = p->alloc[st->spc];
    uint64_t c = s->allocCache;
    if (UNLIKELY(c == 0))
        return gc_siteRefill(p, st);
    return gc_window_take(&s->window, c, st);
}


/* mcache.c */
mspan *gc_mcache_refill(gc_p *p, uint8_t spc);
uintptr_t gc_mcache_nextFree(gc_p *p, uint8_t spc, mspan **sp);
void gc_mcache_releaseAll(gc_p *p); /* world stopped: also folds the P's counts into the heap's */
void gc_mcache_uncacheAll(gc_p *p); /* releaseAll without dropping the tiny block */
mspan *gc_mcache_allocLarge(gc_p *p, size_t size, int noscan);

/* mgcsweep.c */
int gc_span_sweep(gc_heap *h, mspan *s, int preserve); /* 1 if the span was freed to the heap */
uintptr_t gc_sweepone(gc_heap *h);   /* pages swept, ~0 when nothing is left */
void gc_finishsweep(gc_heap *h);
void gc_deductSweepCredit(gc_heap *h, uintptr_t spanBytes);
void gc_mheap_reclaim(gc_heap *h, uintptr_t npages);
static inline int isSweepDone(const gc_heap *h) { return h->sweep.centralIndex >= 2 * GC_NUM_SPAN_CLASSES; }
void gc_paceSweeper(gc_heap *h);
/* The background sweeper: kick at mark termination; wait until it is idle
 * (sweep termination, and whoever reads spans the sweep rewrites);
 * destroy at gc_heap_free. */
void gc_bgsweep_kick(gc_heap *h);
void gc_bgsweep_wait(gc_heap *h);
/* mproc.c's stop and start of the world: the sweeper is no P and stays
 * out of a pause. */
void gc_bgsweep_park(gc_heap *h);
void gc_bgsweep_unpark(gc_heap *h);
void gc_bgsweep_destroy(gc_heap *h);
uint64_t gc_bgsweep_spans(gc_heap *h);

/* mgc.c / mgcmark.c */
void gc_start(gc_heap *h, int forced);
void gc_maybe_trigger(gc_p *p);
/* The concurrent mark's hooks. gc_mark_poll: at a safepoint, end the mark
 * if the workers are done (gcMarkDone). gc_blackenWindow /
 * gc_unblackenWindow: allocate-black for the window a P starts / stops
 * allocating from (they charge and refund the P's assist credit).
 * gc_markLarge: allocate-black for a large object. */
void gc_mark_poll(gc_p *p);
void gc_blackenWindow(gc_p *p, mspan *s);
void gc_unblackenWindow(gc_p *p, mspan *s);
void gc_markLarge(gc_p *p, mspan *s);
void gc_p_park(gc_p *p);
/* An allocation slow path is a safepoint: park here, before the P looks
 * at its mcache (a pause may flush it), while another thread has the
 * world stopped. The poll stays set for the host's next gc_safepoint. */
static inline void mcache_pollPark(gc_p *p)
{
    if (UNLIKELY(atomic_load_explicit(&p->poll.pending, memory_order_relaxed)))
        gc_p_park(p);
}
static inline void mcache_blacken(gc_p *p, mspan *s)
{
    if (UNLIKELY(p->heap->gcphase == GC_MARK))
        gc_blackenWindow(p, s);
}
/* Shade v (any word: NULL and non-heap addresses are ignored) into w,
 * from a thread that marks beside the workers. */
void gc_shade(gc_heap *h, gcWork *w, uintptr_t v);
void gc_mark_concurrentRoots(gc_heap *h); /* the first pause's roots, recorded for the drains */
bool gc_mark_rootsLeft(gc_heap *h);       /* recorded root values not yet claimed by a drain */
/* A background worker's drain (fraction 0: dedicated); an assist's, of at
 * most budget bytes of marking, returning what it did. */
void gc_mark_drainBackground(gc_heap *h, gcWork *w, double fraction);
uint64_t gc_mark_drainAssist(gc_heap *h, gcWork *w, uint64_t budget);
void gc_assistAlloc(gc_p *p);
/* mwbbuf.c */
void gc_wbBuf_flush(gc_p *p);
/* Below this many live bytes a mark runs on the collecting thread (the
 * host's, for a concurrent mark) alone: waking the workers would cost more
 * than they save (gcstress collects at every allocation). */
enum { GC_SMALL_MARK = 1 << 20 };
void gc_mark(gc_heap *h);                 /* the parallel mark of gc_start (mgcmark.c) */
void gc_mark_drain(gc_heap *h, gcWork *w); /* one worker's drain until the mark is done */
void gc_mark_roots_and_drain(gc_heap *h, gc_marker *m); /* single-threaded: checkmark, verify */

/* mgcwork.c */
void gc_work_init(gcWorkQueue *q, FILE *trace);
void gc_work_destroy(gc_heap *h);
void gc_gcw_init(gcWork *w, gcWorkQueue *q);    /* take two empty buffers */
void gc_gcw_dispose(gcWork *w);                 /* give them back (both empty) */
void gc_gcw_putSlow(gcWork *w, uintptr_t obj);
uintptr_t gc_gcw_tryGet(gcWork *w);             /* local buffers, then the shared list */
uintptr_t gc_gcw_get(gcWork *w);                /* ... then wait for work or for the end */
void gc_gcw_balance(gcWork *w);
void gc_gcw_flush(gcWork *w);                   /* publish what it holds (Go's dispose, keeping buffers) */
/* Go's freeSomeWbufs: at most max spare buffers back to the OS, keeping keep. */
void gc_work_freeSome(gcWorkQueue *q, size_t keep, size_t max);
static inline void gcw_put(gcWork *w, uintptr_t obj)
{
    workbuf *b = w->wbuf1;
    if (LIKELY(b->nobj < WORKBUF_OBJS))
        b->obj[b->nobj++] = obj;
    else
        gc_gcw_putSlow(w, obj);
}
static inline uintptr_t gcw_tryGetFast(gcWork *w)
{
    workbuf *b = w->wbuf1;
    return LIKELY(b->nobj) ? b->obj[--b->nobj] : 0;
}
static inline int gcw_fullEmpty(gcWorkQueue *q)
{
    return atomic_load_explicit(&q->full, memory_order_relaxed) == NULL;
}

/* mgcworker.c: the worker threads (Go's gcBgMarkWorker). start runs
 * gc_mark_drain on nproc-1 of them (made on first use; fewer if the OS
 * refuses threads) and returns how many it started; wait returns once
 * they are all done, with their cpu time summed into *cpu_ns, the part
 * of it spent in idle mode into *idle_ns. */
unsigned gc_markpool_start(gc_heap *h, unsigned nworkers);
/* A round of the concurrent mark: h->bgWorkers threads, and idle-mode
 * ones for h->bgIdleProcs, drain without the calling thread (the last of
 * them raises every P's poll); 0 if none ran. */
unsigned gc_markpool_startBackground(gc_heap *h);
int gc_markpool_forked(gc_heap *h); /* the pool's threads are a parent process's */
void gc_markpool_wait(gc_heap *h, uint64_t *cpu_ns, uint64_t *idle_ns, uint64_t *bytes, uint64_t *objs);
void gc_markpool_destroy(gc_heap *h);
uint64_t gc_thread_cputime(void);
typedef void (*span_fn)(gc_heap *h, mspan *s, void *ud);
void gc_forEachInUseSpan(gc_heap *h, span_fn fn, void *ud);
const char *gc_span_typeName(mspan *s, uintptr_t slot);
void gc_checkmark_verify_marks(gc_heap *h);

/* mproc.c: the world and the Ps' ownership (Go's proc.go). gc_world_stop
 * returns once every P not owned by the calling thread is parked or idle
 * (nested calls by the stopper only count); gc_world_start undoes one
 * stop. gc_p_park: at a safepoint, park the calling thread's Ps while
 * another thread has the world stopped. */
void gc_world_stop(gc_heap *h);
void gc_world_start(gc_heap *h);
bool gc_world_stopped_by_me(gc_heap *h);
/* Go's "no idle P": a P runs on every CPU (a hint, read without
 * pslock). */
bool gc_ps_busy(gc_heap *h);
/* The allocator's locks guard short critical sections: adaptive mutexes
 * (glibc's) spin a little before they sleep, as Go's lock2 does. */
static inline void gc_lock_init(pthread_mutex_t *mu)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    pthread_mutex_init(mu, &a);
    pthread_mutexattr_destroy(&a);
}
static inline void gc_pacer_lock(gc_heap *h) { pthread_mutex_lock(&h->pacerLock); }
static inline void gc_pacer_unlock(gc_heap *h) { pthread_mutex_unlock(&h->pacerLock); }

/* Go's sweepgen claim: the one thread whose CAS moves a span from "needs
 * sweeping" (sg-2) to "being swept" (sg-1) sweeps it (acquire: it sees
 * what the last owner of the span wrote); sweep ends with a release store
 * of sg. */
static inline int span_claimSweep(mspan *s, uint32_t sg)
{
    uint32_t want = sg - 2;
    return __atomic_compare_exchange_n(&s->sweepgen, &want, sg - 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* mgcpacer.c */
void gc_pacer_commit(gc_heap *h);
void gc_pacer_startCycle(gc_heap *h);   /* worker counts and the assist ratio at mark start */
void gc_pacer_revise(gc_heap *h);       /* the assist ratio from the work left (Go's revise) */
void gc_pacer_idleProcs(gc_heap *h);    /* bgIdleProcs at a round's start, world stopped */
void gc_pacer_endCycle(gc_heap *h);     /* cons/mark from the finished mark */
int gc_pacer_overLimit(const gc_heap *h);
uint64_t gc_heap_mappedReady(const gc_heap *h);
static inline int pacer_should_gc(const gc_heap *h)
{
    return h->heapLive >= h->trigger && !h->gc_running && h->gcphase == GC_OFF;
}

/* mgclimit.c */
void gc_limiter_init(gc_heap *h);
void gc_limiter_update(gc_heap *h);
int gc_limiter_limiting(gc_heap *h); /* updates, then: is the limiter on? */
void gc_limiter_assist(gc_heap *h, uint64_t ns); /* an assist's wall time, added as it goes */
void gc_limiter_endCycle(gc_heap *h, uint64_t bgNs);
void gc_limiter_cycleShare(gc_heap *h, unsigned *gcPct, unsigned *limitedPct);

/* mstats.c */
uint64_t gc_nanotime(void);
void stats_flushSpan(gc_heap *h, mspan *s);

/* asan.c: poisoning under -fsanitize=address (no-ops otherwise) */
#if GC_ASAN
void gc_asan_freshSpan(mspan *s);
void gc_asan_allocated(gc_heap *h, void *obj, size_t size, const gc_type *t);
#else
#define gc_asan_freshSpan(s) ((void)(s))
#define gc_asan_allocated(h, obj, size, t) ((void)(h), (void)(obj), (void)(size), (void)(t))
#endif

/* clobberfree */
#define CLOBBER_WORD 0xdeadbeefdeadbeefULL
void gc_clobber_check(gc_heap *h, mspan *s, uintptr_t x);
void gc_clobber_fill(uintptr_t x, size_t n);

#endif
