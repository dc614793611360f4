/*
 * alloc.h: the plugin boundary of alloc, a C re-implementation of Go's
 * allocator and precise garbage collector (runtime/malloc.go and friends).
 *
 * This is the only header a host (a VM, a test, the Lua driver) includes.
 * A host gives the collector three things and receives one:
 *   1. a gc_type per kind of heap object: its size and exact pointer bitmap;
 *   2. roots: callbacks that report root slots, by address, when a cycle starts;
 *   3. safepoints: it only calls gc_mallocgc/gc_collect where every live
 *      pointer is where its roots callback will say;
 * and it receives gc_mallocgc(p, size, type, needzero).
 *
 * There is no global mutable state: everything hangs off a gc_heap, and each
 * mutator allocates through its own gc_p (Go's P with its mcache), so several
 * heaps and several mutators can live in one process. The heap's own
 * threads (mark workers, parked between marks; the background sweeper and
 * scavenger, woken at each cycle's end and parked while the world is
 * stopped) are joined by gc_heap_free.
 *
 * Under a memory limit (gc_options.memory_limit) the GC CPU limiter caps
 * collection at about half the CPU: past that the heap runs over the limit
 * rather than collecting at every refill (gctrace shows its share).
 *
 * Threads (Go's Ms and Ps). Any number of threads may use one heap at
 * once, each through a P it owns: a thread touches heap objects, and
 * calls what takes a gc_p, only while it owns that P. gc_p_new makes a P
 * owned by the calling thread; gc_p_release gives it up and gc_p_acquire
 * takes an idle one (on any thread). A thread may own several Ps.
 * Stopping the world is a handshake: the thread that starts a pause
 * raises every running P's poll word and waits until each of them is
 * parked at a safepoint (gc_safepoint, or an allocation that reaches its
 * slow path) or idle; then the roots callbacks run, on that thread, and
 * must report every thread's roots (the running ones are parked at
 * safepoints, the idle ones were released at safepoints); then the world
 * restarts. So a thread that owns a P must reach a safepoint soon (it
 * polls, or allocates) or release the P before it blocks: on a lock
 * another P's owner may hold while it allocates, on I/O, on a channel.
 * Its own Ps never hold up a pause it starts itself.
 * Without owning a P a thread may call: gc_heap_new, gc_p_new,
 * gc_p_acquire, gc_p_poke, gc_options_*, gc_parse_debug, gc_add_roots,
 * gc_remove_roots, gc_handle_new/get/set/release, gc_collect,
 * gc_mark_start, gc_mark_active, gc_read_stats, gc_verify (the ones that
 * pause wait for the world like any stopper), gc_alloc_path_of,
 * gc_site_init, gc_heap_barrier, gc_sizeclasses_print. gc_heap_free:
 * only when no other thread uses the heap; gc_p_free: by the P's owner.
 * The introspection calls that read spans (gc_find_object, gc_is_live,
 * gc_object_pointers, gc_span_walk) read what other Ps change as they
 * allocate: call them while no other thread runs on the heap, or from a
 * roots callback (in a pause). Roots callbacks must not register roots
 * or handles.
 *
 * Two ways to collect, chosen by gc_options.concurrent:
 *  - 0 (the default): stop-the-world. A cycle runs whole at the safepoint
 *    where an allocation finds the heap past its trigger; the mark workers
 *    help the collecting thread and the host's stores need no barrier.
 *  - 1: Go's concurrent collector. A short pause (finish sweeping, turn on
 *    the write barrier and allocate-black, copy the roots' values), then
 *    the mark workers shade those and mark while the host runs (25% of
 *    gcprocs, as Go's dedicated and fractional workers, and the procs the
 *    host leaves idle, as its idle-priority workers), and an allocating
 *    host in debt to the collector marks too (assists); when the workers
 *    run out of work, the host's next allocation slow path or gc_safepoint
 *    poll ends the mark in a second short pause (flush every P's barrier
 *    buffer, no root is scanned again) and sweeping goes on lazily. A host
 *    that turns this on promises what the write barrier and safepoint
 *    sections below ask: every pointer store into a heap object or a
 *    reported global goes through gc_write_pointer (or gc_bulk_barrier
 *    before a copy), and it polls gc_safepoint where it may run long
 *    without allocating. A host that forgets a barrier loses objects;
 *    TOYDEBUG=gcconcurrentstress=1 with gccheckmark=1 makes that show as a
 *    checkmark failure.
 */
#ifndef ALLOC_ALLOC_H
#define ALLOC_ALLOC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct gc_heap gc_heap;
typedef struct gc_p gc_p;
typedef struct gc_marker gc_marker;
typedef struct gc_handle gc_handle;

/*
 * A type's pointer map, as Go's abi.Type {Size_, PtrBytes, GCData}.
 * Bit i of ptrmask (bit i%8 of byte i/8) is set when word i of the object
 * holds a pointer; only the first ptrdata bytes are described, so
 * ptrdata == 0 (or a NULL type) means noscan. An allocation of n*size bytes
 * is an array of n elements whose bits repeat with stride size (a tail
 * shorter than size after the last whole element is not scanned).
 * The host owns the gc_type and keeps it alive as long as the heap.
 */
typedef struct gc_type {
    size_t size;            /* bytes of one element, a multiple of 8 if ptrdata > 0 */
    size_t ptrdata;         /* bytes of the prefix that may hold pointers */
    const uint8_t *ptrmask; /* ceil(ptrdata/8) bits */
    const char *name;       /* for diagnostics, gctrace and profiles */
} gc_type;

#define GC_HEAPMAP_DIR_MAX 512

/* Debug switches, as Go's GODEBUG; parsed from "gctrace=1,gcstress=1". */
typedef struct gc_debug {
    int gctrace;     /* one line per cycle in Go's gctrace format */
    int gccheckmark; /* after each mark, re-walk from the roots and compare */
    int clobberfree; /* poison freed slots, check the poison on reuse */
    int gcstress;    /* a full collection at every allocation */
    int gcstoptheworld; /* 1: mark in the pause even when concurrent is on;
                           2: sweep in the pause too (Go's switch) */
    int gcconcurrentstress; /* concurrent mode: workers yield after a few objects,
                               the barrier buffer flushes at every entry, cycles
                               start back to back. 2: finer and deterministic:
                               no worker thread; every allocation takes the slow
                               path, where a cycle starts, or the host marks a
                               few objects, or the mark ends (as at every poll),
                               so a mark spans the stores between allocations */
    int gcmarkhold;  /* concurrent mode, for tests: a mark does no marking (no
                        background worker, no assist, no end at a poll) until
                        gc_collect finishes it, so a test can store during it */
    int failmap;     /* N > 0: the heap's N-th OS memory request (reserve,
                        commit, metadata mapping) fails, once (gc_stats.sys_requests counts them) */
    /* heapmap=DIR: an SVG picture of the heap in DIR after every cycle and
     * at gc_heap_free, and DIR/index.html stepping through them
     * (alloc/heapmap.c). "" = off. A path, so it holds no comma; one heap
     * per DIR, as each heap rewrites DIR/index.html when it is made. */
    char heapmap[GC_HEAPMAP_DIR_MAX];
    /* gctimeline=FILE: each cycle's phases, pauses, background-worker
     * rounds, assists and heap size as Chrome trace-event JSON (what
     * Perfetto and chrome://tracing open), written to FILE from the
     * heap's making to gc_heap_free (alloc/gctimeline.c). "" = off. */
    char gctimeline[GC_HEAPMAP_DIR_MAX];
    int gcnobgsweep; /* 1, for tests: no background sweeper (sweeping is the
                        Ps': lazy, proportional and reclaim) */
} gc_debug;

typedef struct gc_options {
    int gc_percent;       /* GOGC: heap goal = live * (1 + pct/100); < 0 = off */
    int64_t memory_limit; /* GOMEMLIMIT: soft limit in bytes; 0 = none */
    int64_t hard_limit;   /* TOYHARDLIMIT: heap bytes obtained from the OS (heap_sys) never
                             exceed it; past it an allocation runs a full collection and, if
                             that frees no room, returns NULL. 0 = none */
    int gcprocs;          /* TOYGCPROCS (as GOMAXPROCS for Go's mark workers): threads that mark
                             together while the world is stopped, the collecting thread included.
                             0 = the online CPUs, at most 8; 1 = the collecting thread alone
                             (no thread is made); at most 64. A mark of a heap under 1 MiB
                             always runs on the collecting thread alone (a concurrent one: the
                             host's next poll or allocation slow path marks it whole). */
    int concurrent;       /* 0: stop-the-world; 1: concurrent mark (the host uses the barrier
                             and polls, see the opening comment). In concurrent mode gcprocs caps
                             the background workers, which take a quarter of gcprocs CPUs, and
                             the procs of gcprocs the host's threads leave idle mark as well. */
    gc_debug debug;
    FILE *trace;          /* where gctrace and diagnostics go; NULL = stderr */
} gc_options;

/* Defaults: gc_percent 100, no limit, gcprocs 0 (one per CPU), stop-the-world,
 * no debug switches. */
void gc_options_default(gc_options *o);
/* Apply TOYGC (a percentage or "off"), TOYMEMLIMIT and TOYHARDLIMIT (bytes
 * with an optional B/KiB/MiB/GiB/TiB suffix, or "off"), TOYGCPROCS (1..64)
 * and TOYDEBUG. Returns 0, or -1 and fills err
 * when a variable cannot be parsed (o is then unchanged). */
int gc_options_from_env(gc_options *o, char *err, size_t errlen);
/* The same with the TOYDEBUG list given instead of read: a host with keys
 * of its own in TOYDEBUG strips them and passes the rest (NULL = none). */
int gc_options_from_env_debug(gc_options *o, const char *debug, char *err, size_t errlen);
/* Parse a TOYDEBUG-style list into d. Returns 0, or -1 and fills err. */
int gc_parse_debug(gc_debug *d, const char *s, char *err, size_t errlen);

gc_heap *gc_heap_new(const gc_options *o); /* NULL when the OS says no */
void gc_heap_free(gc_heap *h);             /* returns every byte to the OS */

/* A mutator's allocation context (Go's P and its mcache). gc_p_new: a P
 * owned by the calling thread (it waits while another thread has the
 * world stopped). gc_p_free: by its owner; a short pause. */
gc_p *gc_p_new(gc_heap *h);
void gc_p_free(gc_p *p);
gc_heap *gc_p_heap(gc_p *p);
/* Go's entersyscall/handoffp: the owning thread stops using the heap
 * through p (before it blocks). It must be at a safepoint: every live
 * pointer it holds is where the roots callback will say, until it
 * acquires a P again. From then on the collector treats p as stopped, and
 * flushes its caches and buffers itself in a pause. */
void gc_p_release(gc_p *p);
/* Go's exitsyscall/acquirep: the calling thread takes p, which must be
 * (or become) idle: it waits while another thread owns p and while the
 * world is stopped. Returns with p running and owned by the caller. */
void gc_p_acquire(gc_p *p);
/* Raise p's poll word: the next gc_safepoint on p enters
 * gc_safepoint_slow, which does what the collector needs (parks, ends a
 * mark) and returns; a host uses it for its own preemption, testing its
 * own flags after the poll. Any thread may poke. */
void gc_p_poke(gc_p *p);

/*
 * Allocate size bytes typed by type (NULL = noscan). Pointerful memory is
 * always zeroed; noscan memory is zeroed when needzero is set. A size larger
 * than type->size makes an array of size/type->size elements. May run a
 * collection first, so it must be called at a safepoint. Returns NULL when
 * the memory cannot be had (out of memory, or an impossible size: more
 * than the machine's physical memory).
 * size == 0 returns a unique non-NULL address that must not be written.
 */
void *gc_mallocgc(gc_p *p, size_t size, const gc_type *type, bool needzero);

/*
 * Allocation sites. A host that allocates one (size, type) over and over
 * (a VM's NEWSTRUCT) describes it once: gc_site_init validates the type and
 * works out the size class and the heap bits one object writes, so that
 * gc_malloc_site starts at the span: no type test, no class lookup, no
 * bitmap tiling (the specialised mallocs of Go's compiler play this part).
 * gc_malloc_site(p, s) returns what gc_mallocgc(p, s->size, s->type, true)
 * would, and is also a safepoint. A site holds no heap state: one site
 * serves every gc_p of every heap, and may be copied. gc_site_init returns
 * 0, or -1 for a type gc_mallocgc would refuse (the site then allocates
 * nothing: gc_malloc_site returns NULL, as gc_mallocgc would).
 */
typedef struct gc_site {
    const gc_type *type;
    size_t size;
    uint64_t bits;  /* heap bits of one object, from its slot's first word */
    uint64_t mask;  /* one bit per word of a slot */
    uint64_t tile;  /* bits repeated slot after slot over a bitmap word (0: slots of this class straddle words) */
    uint8_t spc;    /* span class (alloc's empty slot: the general path) */
    uint8_t spill;  /* a slot starting past this bit spills into the next bitmap word */
} gc_site;
int gc_site_init(gc_site *site, size_t size, const gc_type *type);
void *gc_malloc_site(gc_p *p, const gc_site *site);

/*
 * The site path inlined into the host, as MMTk's bump pointer, BDW's
 * GC_FAST_MALLOC_GRANS and the MPS's mps_reserve let a VM inline theirs.
 * A gc_window is the part of a span that an allocation from it touches:
 * Go's allocCache, here a window of 64 slots. gc_p_windows(p) is the P's
 * window per span class, an array that stays put for the P's life; alloc
 * changes its entries as spans come and go (a class with no span has a
 * window with no free slot, as has every class under the debug modes that
 * send each allocation down the slow path). gc_malloc_site_inline(p,
 * gc_p_windows(p), s) takes the window's first free slot with no call,
 * writes the object's heap bits and zeroes it, and calls gc_malloc_site
 * only when the window has no free slot; it returns exactly what
 * gc_malloc_site would, and gc_malloc_site's own fast path is
 * gc_window_take, so the code exists once. The fields are alloc's: a host
 * only passes the array on.
 */
typedef struct gc_window {
    uint64_t allocCache;   /* bit i set: slot i of the window is free */
    uintptr_t winBase;     /* address of slot 0 of the window */
    uintptr_t elemsize;    /* bytes per slot */
    uint64_t *winHeapBits; /* the pointer bitmap's word for slot 0's first word */
    uint64_t winBits;      /* non-zero: every free slot of the window already has these heap bits */
    uint8_t needzero;      /* free slots may hold old words */
} gc_window;
gc_window *const *gc_p_windows(gc_p *p);

#if defined(__GNUC__)
#define GC_INLINE static inline __attribute__((always_inline))
#define GC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define GC_INLINE static inline
#define GC_UNLIKELY(x) (x)
#endif

/* Take the first free slot of w, whose allocCache c is non-zero: clear
 * its bit and return its index in the window (Go's nextFreeFast). Every
 * allocation fast path of alloc comes here. */
GC_INLINE uint64_t gc_window_takeIndex(gc_window *w, uint64_t c)
{
#if defined(__GNUC__) && defined(__x86_64__)
    /* tzcnt as a 64-bit result (the builtin's int costs a sign
     * extension) and one btr (the compiler may spell c & ~(1 << i) as
     * three instructions, and c & (c - 1) takes two without BMI). */
    uint64_t i;
    __asm__("tzcnt %1, %0" : "=r"(i) : "r"(c) : "cc");
    __asm__("btr %1, %0" : "+r"(c) : "r"(i) : "cc");
#else
#if defined(__GNUC__)
    uint64_t i = (uint64_t)__builtin_ctzll(c);
#else
    uint64_t i = 0;
    while (!(c >> i & 1))
        i++;
#endif
    c &= c - 1;
#endif
    w->allocCache = c;
    return i;
}

/* Take the first free slot of w, whose allocCache c is non-zero, for an
 * object of site st, with its heap bits and zeroed: the site path of
 * alloc (malloc.c) and of gc_malloc_site_inline. */
GC_INLINE void *gc_window_take(gc_window *w, uint64_t c, const gc_site *st)
{
    uintptr_t off = (uintptr_t)gc_window_takeIndex(w, c) * w->elemsize;
    uintptr_t x = w->winBase + off;
    /* The bits live at the span's end, not in the slot (Go's
     * heapBitsSmallForAddr), addressed from the window's first bitmap
     * word; skipped when the window was filled with them ahead. The
     * 8-byte class's bits are pre-filled with ones; writing its one bit
     * again is harmless. */
    if (w->winBits != st->bits) {
        /* Stored atomically (a plain store on every machine alloc runs
         * on): mark workers read the words, for older neighbours' bits,
         * while a concurrent mark runs. Only this P writes them. */
        uintptr_t bo = off / sizeof(void *);
        uint64_t *hb = w->winHeapBits + bo / 64;
        unsigned j = (unsigned)(bo % 64);
        __atomic_store_n(&hb[0], (hb[0] & ~(st->mask << j)) | st->bits << j, __ATOMIC_RELAXED);
        if (GC_UNLIKELY(j > st->spill))
            __atomic_store_n(&hb[1], (hb[1] & ~(st->mask >> (64 - j))) | st->bits >> (64 - j),
                             __ATOMIC_RELAXED);
    }
    if (w->needzero) {
        /* size, not the slot: the slack past the object has no heap
         * bits. Two overlapping 16-byte stores clear any size 16..32. */
        size_t size = st->size;
        if (size - 16 <= 16) {
            memset((void *)x, 0, 16);
            memset((void *)(x + size - 16), 0, 16);
        } else if (size == 8) {
            *(uint64_t *)x = 0;
        } else {
            memset((void *)x, 0, size);
        }
    }
    return (void *)x;
}

GC_INLINE void *gc_malloc_site_inline(gc_p *p, gc_window *const *wins, const gc_site *st)
{
    gc_window *w = wins[st->spc];
    uint64_t c = w->allocCache;
    if (GC_UNLIKELY(c == 0))
        return gc_malloc_site(p, st);
    return gc_window_take(w, c, st);
}

/*
 * The write barrier (Go's hybrid barrier, mbarrier.go and mwbbuf.go).
 * In concurrent mode a host stores a pointer into the heap or into a
 * global it reports as a root only through gc_write_pointer, which, while
 * a mark runs, records the slot's old value and the new one in the P's
 * buffer before the store (shade both: Yuasa's deletion barrier and
 * Dijkstra's insertion barrier, so stacks are scanned once and never
 * again). Stores of scalars, stores into the host's own stack slots
 * (registers) and gc_handle_set need no barrier. gc_heap_barrier(h) is the
 * heap's flag, at an address that stays put for the heap's life: a host
 * loads it once and passes it to every barrier, so the cost while no mark
 * runs is one relaxed load and one predictable branch. The flag only
 * changes while every P is stopped at a safepoint, so relaxed order
 * suffices for it. The store itself is a release store (a plain store on
 * x86 and ARMv8's stlr): a mark worker that loads the pointer (with
 * acquire) then sees the object's span and mark bit as the allocating P
 * left them.
 */
typedef struct gc_barrier {
    _Atomic(uint32_t) enabled; /* non-zero while a mark runs */
} gc_barrier;
const gc_barrier *gc_heap_barrier(gc_heap *h);
/* The barrier's slow path: shade *slot and val (either may be NULL or
 * point outside the heap). Call only through the inlines below. */
void gc_write_barrier_slow(gc_p *p, void *const *slot, void *val);
/* Before nwords words from src are copied over dst (or dst is cleared:
 * src NULL), shade every old pointer at dst and every new one from src;
 * word i counts iff bit i of bitmap is set (NULL: every word). Go's
 * bulkBarrierPreWrite, for array growth, rehashing and sorting. */
void gc_bulk_barrier_slow(gc_p *p, void *const *dst, void *const *src, size_t nwords,
                          const uint8_t *bitmap);

/* *slot = val, with the barrier when it is on. */
GC_INLINE void gc_write_pointer(gc_p *p, const gc_barrier *b, void **slot, void *val)
{
    if (GC_UNLIKELY(atomic_load_explicit(&b->enabled, memory_order_relaxed)))
        gc_write_barrier_slow(p, slot, val);
    __atomic_store_n(slot, val, __ATOMIC_RELEASE);
}

/* Call before copying pointer words with memmove (the copy is the host's). */
GC_INLINE void gc_bulk_barrier(gc_p *p, const gc_barrier *b, void *const *dst,
                               void *const *src, size_t nwords, const uint8_t *bitmap)
{
    if (GC_UNLIKELY(atomic_load_explicit(&b->enabled, memory_order_relaxed)))
        gc_bulk_barrier_slow(p, dst, src, nwords, bitmap);
}

/*
 * Safepoint polls. Besides allocating, a host polls at every place where
 * it may run long without allocating (loop back-edges, calls): the
 * collector asks a P to stop there by setting the P's poll word: when
 * another thread stops the world (the P parks in gc_safepoint_slow until
 * the world restarts), and when a concurrent mark's workers have run out
 * of work (the poll stops the world, flushes every P's barrier buffer
 * and, if nothing grey is left, ends the mark there: the second pause),
 * so a loop that never allocates does not keep the barrier on. Every live pointer must be where the roots
 * callback will say when the poll is made. gc_p_poll(p) stays put for the
 * P's life.
 */
typedef struct gc_poll {
    _Atomic(uint32_t) pending; /* non-zero: the collector wants this P at a safepoint */
} gc_poll;
const gc_poll *gc_p_poll(gc_p *p);
void gc_safepoint_slow(gc_p *p);

GC_INLINE void gc_safepoint(gc_p *p, const gc_poll *poll)
{
    if (GC_UNLIKELY(atomic_load_explicit(&poll->pending, memory_order_relaxed)))
        gc_safepoint_slow(p);
}

/* Roots. A roots callback runs at the start of every mark; it reports each
 * root slot by address. Several callbacks may be registered. */
typedef void (*gc_roots_fn)(gc_marker *m, void *ud);
int gc_add_roots(gc_heap *h, gc_roots_fn fn, void *ud);  /* 0 or -1 */
void gc_remove_roots(gc_heap *h, gc_roots_fn fn, void *ud);
/* One slot that may hold a heap pointer (or NULL, or a non-heap address). */
void gc_mark_slot(gc_marker *m, void *const *slot);
/* nwords slots from base; word i is a root iff bit i of bitmap is set
 * (bitmap NULL: every word). This is how a frame and its stack map go in. */
void gc_mark_block(gc_marker *m, void *const *base, size_t nwords,
                   const uint8_t *bitmap);

/* Handles keep one object alive for host code until released. */
gc_handle *gc_handle_new(gc_heap *h, void *obj);
void *gc_handle_get(const gc_handle *hd);
void gc_handle_set(gc_handle *hd, void *obj);
void gc_handle_release(gc_handle *hd);

/* A full stop-the-world collection, sweeping everything (runtime.GC()).
 * A concurrent mark under way is finished first, on the calling thread. */
void gc_collect(gc_heap *h);

/* Start a cycle now, as the pacer would at its trigger: in concurrent mode
 * it returns with the mark running (1), otherwise after the whole
 * stop-the-world cycle (0). Nothing happens while a cycle runs (-1). */
int gc_mark_start(gc_heap *h);
/* Is a concurrent mark under way (Go's gcphase == _GCmark)? */
bool gc_mark_active(gc_heap *h);

/* Heap introspection. */
/* Base address of the object containing p (an interior pointer is fine),
 * or NULL when p is not inside an allocated object (Go's findObject).
 * Noscan objects under 16 bytes share 16-byte tiny blocks: for them the
 * block is the object (it lives and dies as one). */
void *gc_find_object(gc_heap *h, const void *p);
/* Is p inside an allocated object not known to be dead? While the object's
 * span is unswept, the last completed mark decides (an unmarked object is
 * garbage awaiting its sweep); otherwise it is gc_find_object(h, p) != NULL. */
bool gc_is_live(gc_heap *h, const void *p);
/* The checkmark walk on demand: re-mark everything reachable from the roots
 * and check every reachable object is allocated and every pointer slot
 * points to an allocated object or is NULL. Returns the number of problems
 * (each described on the trace stream), or GC_VERIFY_NOMEM when the walk's
 * own mark bits could not be had from the OS (nothing was checked). While
 * a concurrent mark runs it checks nothing and returns 0. */
#define GC_VERIFY_NOMEM ((size_t)-1)
size_t gc_verify(gc_heap *h);

/* Which of mallocgc's paths a (size, type) takes, for study tools. */
typedef enum gc_alloc_path {
    GC_PATH_ZERO,               /* size 0: the heap's zerobase */
    GC_PATH_TINY,               /* noscan, < 16 bytes: packed into a 16-byte block */
    GC_PATH_SMALL_NOSCAN,       /* noscan, <= 32760 bytes */
    GC_PATH_SMALL_SCAN_HEAPBITS,/* pointerful, <= 512 bytes: pointer bits at the span's end */
    GC_PATH_SMALL_SCAN_HEADER,  /* pointerful, <= 32760 bytes: 8-byte gc_type* header */
    GC_PATH_LARGE,              /* > 32760 bytes: a span of its own, type in the span */
    GC_PATH_INVALID,            /* impossible size or malformed type: mallocgc returns NULL */
} gc_alloc_path;

typedef struct gc_alloc_info {
    gc_alloc_path path;
    unsigned size_class; /* 0 for large objects */
    unsigned span_class; /* size_class << 1 | noscan */
    size_t elem_size;    /* bytes of the slot (header included), or of the large span */
    size_t npages;       /* 8 KiB pages per span */
} gc_alloc_info;

/* Fills out for (size, type); returns 0, or -1 for GC_PATH_INVALID. */
int gc_alloc_path_of(size_t size, const gc_type *type, gc_alloc_info *out);

/* The pointer slots of the object containing obj, as the collector reads
 * them: fills up to max byte offsets from the object's base (in increasing
 * order) and returns how many there are (0 when obj is not an object).
 * Objects with a type header (512 < size <= 32760) do not record their
 * length: every whole element that fits their slot is listed (and scanned;
 * the slack is zeroed memory). */
size_t gc_object_pointers(gc_heap *h, const void *obj, size_t *offsets, size_t max);

/* One span or free run of pages, as gc_span_walk reports it. */
typedef struct gc_span_info {
    uintptr_t base;
    size_t npages;       /* 8 KiB pages */
    bool free;           /* a free run of pages, not a span */
    bool released;       /* free run returned to the OS (scavenged) */
    bool noscan;
    unsigned size_class; /* 0 for a large object (and for free runs) */
    size_t elem_size;    /* bytes per slot (the whole span for a large object) */
    unsigned nelems;     /* slots */
    unsigned nalloc;     /* slots allocated (live, or dead and not yet swept) */
    bool unswept;        /* marked by the last cycle, not swept since */
    unsigned nmarked;    /* unswept spans: slots the last mark found live */
} gc_span_info;
typedef void (*gc_span_fn)(const gc_span_info *si, void *ud);
/* Every span and free run of the heap in address order within each arena
 * region, for statistics and pictures. Free pages are reported as runs of
 * one released state (two runs may touch); a span that runs on into the
 * next region is reported with the region it starts in. fn must not
 * allocate. */
void gc_span_walk(gc_heap *h, gc_span_fn fn, void *ud);

#define GC_NUM_SIZE_CLASSES 68
#define GC_MAX_PAUSES 256

typedef struct gc_class_stats {
    uint32_t size;    /* bytes per object */
    uint64_t mallocs; /* objects allocated in this class */
    uint64_t frees;   /* objects freed */
} gc_class_stats;

/* In the spirit of Go's runtime.MemStats; every byte count is in bytes. */
typedef struct gc_stats {
    uint64_t num_gc;         /* completed cycles */
    uint64_t num_forced_gc;  /* of them, asked for by gc_collect */
    uint64_t heap_alloc;     /* bytes of allocated objects, live or not yet swept */
    uint64_t heap_live;      /* bytes marked live at the last mark */
    uint64_t heap_goal;      /* the pacer's goal for the next cycle (UINT64_MAX: no automatic cycles) */
    uint64_t heap_sys;       /* bytes of heap address space obtained from the OS */
    uint64_t heap_inuse;     /* bytes in in-use spans */
    uint64_t heap_idle;      /* bytes in free spans (heap_sys - heap_inuse) */
    uint64_t heap_released;  /* idle bytes returned to the OS (scavenged) */
    uint64_t heap_objects;   /* mallocs - frees */
    uint64_t spans_inuse;    /* spans holding objects */
    uint64_t total_alloc;    /* cumulative bytes allocated */
    uint64_t mallocs;        /* cumulative objects allocated */
    uint64_t frees;          /* cumulative objects freed */
    uint64_t tiny_allocs;    /* of mallocs, served inside a tiny block */
    uint64_t large_allocs;   /* of mallocs, served by a span of their own */
    uint64_t pause_total_ns;
    uint64_t last_gc_ns;     /* monotonic time of the last cycle's end */
    uint64_t pause_ns[GC_MAX_PAUSES]; /* circular, as MemStats.PauseNs */
    uint64_t num_mutators;
    uint64_t sys_requests;   /* OS memory requests made for the heap (what TOYDEBUG=failmap=N counts) */
    gc_class_stats by_size[GC_NUM_SIZE_CLASSES]; /* [0]: large objects (size 0) */
    /* The mark (appended: earlier fields keep their places). A mark's wall
     * time is the middle figure of a gctrace line; its cpu is summed over
     * the threads that marked, so mark_bytes_total / mark_cpu_total_ns is
     * the mark rate per core. */
    uint64_t mark_procs;         /* threads that marked in the last cycle (1: the collecting thread alone;
                                    concurrently, the worker threads of its largest round) */
    uint64_t mark_objects;       /* objects the last mark scanned */
    uint64_t mark_ns;            /* the last mark's wall time */
    uint64_t mark_cpu_ns;        /* the last mark's cpu time, all its threads */
    uint64_t mark_total_ns;      /* cumulative, every cycle */
    uint64_t mark_cpu_total_ns;
    uint64_t mark_bytes_total;   /* bytes marked, every cycle */
    /* Bytes of metadata from the OS: span records and their bit arrays,
     * arena tables, the page allocator's bitmaps and summaries, the mark
     * queue's buffers, the heap and P records (Go's Sys less HeapSys). */
    uint64_t meta_sys;
    /* The concurrent collector (zero for stop-the-world cycles). A
     * concurrent cycle's two pauses add up to its pause_ns entry (as Go's
     * PauseNs); pause_max_ns is the longest single pause. */
    uint64_t num_concurrent_gc;  /* cycles whose mark ran concurrently */
    uint64_t pause_max_ns;       /* longest single pause so far */
    uint64_t mark_assist_cpu_ns; /* the last mark's cpu in assists (host threads) */
    uint64_t mark_bg_cpu_ns;     /* the last mark's cpu in dedicated and fractional workers */
    uint64_t mark_black_bytes;   /* bytes the last mark allocated black */
    uint64_t mark_wb_entries;    /* barrier records (old and new values) the last mark shaded */
    uint64_t heap_trigger;       /* heap_alloc at which the next cycle starts */
    /* The GC CPU limiter (alloc/mgclimit.c; under a memory limit only):
     * the collector's time and the host's as it counts them, how long it
     * was on and how often it turned on. */
    uint64_t limiter_gc_ns;
    uint64_t limiter_mutator_ns;
    uint64_t limiter_on_ns;
    uint64_t limiter_on_count;
    /* The mark queue (alloc/mgcwork.c): pieces of large objects queued
     * (oblets, every mark), its 64 KiB buffers now, at most, and given
     * back to the OS. */
    uint64_t mark_oblets;
    uint64_t work_bufs;
    uint64_t work_bufs_peak;
    uint64_t work_bufs_freed;
    /* The background scavenger (alloc/mgcscavenge.c): bytes it released
     * and passes it finished. */
    uint64_t scav_released;
    uint64_t scav_passes;
    uint64_t sweep_bg_spans;     /* spans the background sweeper swept (alloc/mgcsweep.c) */
    /* Reclaim (alloc/mgcsweep.c): spans it swept, of them freed whole,
     * and the pages they gave back. */
    uint64_t reclaim_spans;
    uint64_t reclaim_freed;
    uint64_t reclaim_pages;
    uint64_t mark_idle_cpu_ns;   /* the last mark's cpu in idle-mode workers (procs the host left idle) */
} gc_stats;

void gc_read_stats(gc_heap *h, gc_stats *s);

/* The size-class table compiled into the library, printed exactly as the
 * generator (alloc/mksizeclasses.c) prints it. */
void gc_sizeclasses_print(FILE *w);

#endif
