/*
 * scale.c: alloc with a large live heap (3 GiB by default) under the
 * concurrent collector, the background sweeper and scavenger: LIVE_MB of
 * binary trees kept live, then ROUNDS rounds of short-lived trees, large
 * arrays of random sizes (64 KiB to 4 MiB, through the page allocator and
 * reclaim) and re-hung live subtrees. Every allocation of the rounds is
 * timed; one that took in a pause (its share of gc_stats.pause_total_ns
 * since the stats were last read, every 1,024 allocations) is counted
 * without that pause. Prints a histogram of allocation times outside
 * pauses, the slowest, how many of those over 1 ms had the thread
 * preempted (an involuntary context switch since the last reading: the
 * OS ran something else, which no allocator can help on a busy machine),
 * metadata over the heap in use, and peak RSS over the live heap plus
 * the largest heap goal.
 *   build/alloc-scale [LIVE_MB (3072)] [ROUNDS (100)]; make bench-scale
 * Not a test: slow, and it needs about 3 x LIVE_MB of memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "alloc/alloc.h"
#include "tests/bench/hosttree.h"

typedef struct host {
    treeHost t; /* first: allocNode casts back */
    gc_heap *h;
    node **live;
    size_t nlive;
    void *big;
    /* timing */
    int timing;
    uint64_t hist[8], n, slowest, pause0, sinceRead;
    long ivcsw0;               /* involuntary context switches at the last reading */
    uint64_t over, overPreempted; /* allocations over 1 ms; of them, preempted */
} host;

static void roots(gc_marker *m, void *ud)
{
    host *H = ud;
    gc_mark_block(m, (void *const *)H->live, H->nlive, NULL);
    gc_mark_block(m, (void *const *)H->t.stk, H->t.sp, NULL);
    gc_mark_slot(m, (void *const *)&H->big);
}

static uint64_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long ivcsw(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nivcsw;
}

static void *alloc(host *H, size_t size, const gc_type *t)
{
    if (!H->timing) {
        void *x = gc_mallocgc(H->t.p, size, t, true);
        if (!x) {
            fprintf(stderr, "scale: out of memory\n");
            exit(1);
        }
        return x;
    }
    uint64_t t0 = now();
    void *x = gc_mallocgc(H->t.p, size, t, true);
    uint64_t d = now() - t0;
    if (!x) {
        fprintf(stderr, "scale: out of memory\n");
        exit(1);
    }
    if (d > 100000 || ++H->sinceRead == 1024) {
        gc_stats s;
        gc_read_stats(H->h, &s);
        uint64_t p = s.pause_total_ns - H->pause0;
        d = d > p ? d - p : 0;
        H->pause0 = s.pause_total_ns;
        H->sinceRead = 0;
        long v = ivcsw();
        if (d >= 1000000) {
            H->over++;
            H->overPreempted += v != H->ivcsw0;
        }
        H->ivcsw0 = v;
    }
    int b = 0;
    for (uint64_t lim = 1000; b < 7 && d >= lim; lim *= 10)
        b++;
    H->hist[b]++;
    H->n++;
    if (d > H->slowest)
        H->slowest = d;
    return x;
}

static node *allocNode(treeHost *T) { return alloc((host *)T, sizeof(node), &nodeType); }

static uint64_t rssKb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t v = 0;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl))
            v = strtoull(line + kl, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    size_t liveMb = argc > 1 ? strtoul(argv[1], NULL, 10) : 3072;
    int rounds = argc > 2 ? atoi(argv[2]) : 100;
    gc_options o;
    gc_options_default(&o);
    char err[200];
    if (gc_options_from_env(&o, err, sizeof err) != 0) {
        fprintf(stderr, "scale: %s\n", err);
        return 2;
    }
    o.concurrent = 1;
    host H;
    memset(&H, 0, sizeof H);
    H.h = gc_heap_new(&o);
    H.t.p = gc_p_new(H.h);
    H.t.bar = gc_heap_barrier(H.h);
    H.t.alloc = allocNode;
    H.nlive = liveMb * ((size_t)1 << 20) / hosttree_bytes(14);
    H.live = calloc(H.nlive, sizeof *H.live);
    gc_add_roots(H.h, roots, &H);
    uint64_t t0 = now();
    for (size_t i = 0; i < H.nlive; i++)
        gc_write_pointer(H.t.p, H.t.bar, (void **)&H.live[i], hosttree_build(&H.t, 14));
    uint64_t t1 = now();
    uint64_t goalMax = 0, liveMax = 0, metaMax = 0, inuseAtMeta = 0;
    gc_stats s;
    H.timing = 1;
    gc_read_stats(H.h, &s);
    H.pause0 = s.pause_total_ns;
    H.ivcsw0 = ivcsw();
    srand(1);
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 16; k++)
            hosttree_build(&H.t, 12); /* garbage */
        size_t i = (size_t)rand() % H.nlive;
        gc_write_pointer(H.t.p, H.t.bar, (void **)&H.live[i], hosttree_build(&H.t, 14));
        size_t big = ((size_t)64 << 10) << (rand() % 7);
        H.big = alloc(&H, big, NULL);
        gc_safepoint(H.t.p, gc_p_poll(H.t.p));
        gc_read_stats(H.h, &s);
        if (s.heap_goal != UINT64_MAX && s.heap_goal > goalMax)
            goalMax = s.heap_goal;
        if (s.heap_live > liveMax)
            liveMax = s.heap_live;
        if (s.meta_sys > metaMax) {
            metaMax = s.meta_sys;
            inuseAtMeta = s.heap_inuse;
        }
    }
    uint64_t t2 = now();
    gc_read_stats(H.h, &s);
    uint64_t hwm = rssKb("VmHWM:") * 1024;
    static const char *label[8] = {"< 1 us", "1-10 us", "10-100 us", "100 us-1 ms", "1-10 ms", "10-100 ms", ">= 100 ms", ""};
    printf("scale: %zu MB live (%zu trees), %d rounds: build %.1f s, rounds %.1f s, %llu cycles, longest pause %.2f ms\n",
           liveMb, H.nlive, rounds, (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
           (unsigned long long)s.num_gc, (double)s.pause_max_ns / 1e6);
    printf("allocations outside pauses (%llu timed):\n", (unsigned long long)H.n);
    for (int b = 0; b < 7; b++)
        printf("  %-12s %12llu\n", label[b], (unsigned long long)H.hist[b]);
    printf("slowest allocation outside a pause: %.3f ms (limit 1 ms); over 1 ms: %llu, %llu of them preempted\n",
           (double)H.slowest / 1e6, (unsigned long long)H.over, (unsigned long long)H.overPreempted);
    printf("metadata: %.1f MB over %.1f MB in use: %.2f%% (limit 3%%)\n", (double)metaMax / 1e6,
           (double)inuseAtMeta / 1e6, 100.0 * (double)metaMax / (double)inuseAtMeta);
    printf("peak RSS %.1f MB; live %.1f MB, largest goal %.1f MB: RSS / goal = %.3f (limit 1.10)\n",
           (double)hwm / 1e6, (double)liveMax / 1e6, (double)goalMax / 1e6, (double)hwm / (double)goalMax);
    printf("RESULT max_ns=%llu gcs=%llu\n", (unsigned long long)H.slowest, (unsigned long long)s.num_gc);
    gc_remove_roots(H.h, roots, &H);
    gc_p_free(H.t.p);
    gc_heap_free(H.h);
    free(H.live);
    return 0;
}
