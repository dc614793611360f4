/*
 * bench.h: what the allocation benchmarks share: the implementations under
 * test, a fixed PRNG (the same sequence for every implementation), a
 * monotonic clock and the result line tests/bench/run.sh reads.
 * Internal to tests/bench; each benchmark program includes it once.
 */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The implementations a benchmark process can run, one per process. */
typedef enum bench_impl {
    IMPL_ALLOC,       /* gc_mallocgc with a gc_type per shape */
    IMPL_MALLOC,      /* glibc malloc (and free where the program frees) */
    IMPL_BOEHM,       /* Boehm GC_malloc (GC_malloc_atomic for noscan) */
    IMPL_BOEHM_TYPED, /* Boehm GC_malloc_explicitly_typed (GC_malloc_atomic for noscan) */
    IMPL_COUNT
} bench_impl;

static const char *const bench_impl_names[IMPL_COUNT] = {"alloc", "malloc", "boehm", "boehm-typed"};

/* Returns the implementation named s, or -1. */
static inline int bench_impl_parse(const char *s)
{
    for (int i = 0; i < IMPL_COUNT; i++)
        if (strcmp(s, bench_impl_names[i]) == 0)
            return i;
    return -1;
}

/* xorshift64* (Vigna): a few instructions a draw, and one fixed seed gives
 * every implementation the same sizes, kinds and targets. */
typedef struct bench_rng {
    uint64_t s;
} bench_rng;

static inline uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
