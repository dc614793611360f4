/*
 * mem.c: the heap's only door to the operating system, as Go's mem.go and
 * mem_linux.go: reserve address space (PROT_NONE), make it ready, give pages
 * back (MADV_DONTNEED) and unmap. Departure: no Prepared state (Linux
 * commits lazily anyway). Committed memory is left to the system's
 * transparent huge page policy, as Go does since 1.21.4: advised
 * MADV_HUGEPAGE, a first touch waits for a whole 2 MiB page to be found
 * (compacting memory if need be) and zeroed, which stalls the allocation
 * or the write that touches it for milliseconds, where a 4 KiB fault
 * takes microseconds.
 *
 * Failure injection (Lua's ltests.c countlimit, applied to OS requests):
 * every reserve, commit and metadata mapping made for a heap counts in
 * h->sysRequests, and with TOYDEBUG=failmap=N the N-th one fails as if the
 * OS had said no, once. Unmapping and giving pages back never fail.
 */
#include <sys/mman.h>

#include "alloc/internal.h"

/* One OS request for h: 1 when failmap says this one must fail. */
static int injectFailure(gc_heap *h)
{
    if (!h)
        return 0;
    uint64_t n = atomic_fetch_add_explicit(&h->sysRequests, 1, memory_order_relaxed) + 1;
    return h->opts.debug.failmap > 0 && n == (uint64_t)h->opts.debug.failmap;
}

void *gc_sys_reserve(gc_heap *h, size_t n, size_t align)
{
    if (injectFailure(h))
        return NULL;
    if (n == 0 || n > GC_MAX_ALLOC * 2)
        return NULL;
    size_t want = n + (align > 4096 ? align : 0);
    void *p = mmap(NULL, want, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (align <= 4096)
        return p;
    /* Trim to an aligned window, as sysReserveAligned does. */
    uintptr_t base = (uintptr_t)p, aligned = (base + align - 1) & ~(uintptr_t)(align - 1);
    if (aligned > base)
        munmap(p, aligned - base);
    uintptr_t end = base + want, aend = aligned + n;
    if (end > aend)
        munmap((void *)aend, end - aend);
    return (void *)aligned;
}

int gc_sys_map(gc_heap *h, void *p, size_t n)
{
    if (injectFailure(h))
        return -1;
    return mprotect(p, n, PROT_READ | PROT_WRITE) != 0 ? -1 : 0;
}

void gc_sys_unused(void *p, size_t n)
{
    /* Private anonymous pages read back as zero afterwards: callers rely on
     * it to skip zeroing scavenged memory. */
    (void)madvise(p, n, MADV_DONTNEED);
}

void gc_sys_free(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}

void *gc_sys_alloc(gc_heap *h, size_t n)
{
    if (injectFailure(h))
        return NULL;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
