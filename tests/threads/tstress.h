/*
 * tstress.h: several mutator threads on one heap against a model, the
 * stress both the threads suite (tests/unit/test_threads.c) and the Lua
 * driver's heap:stress (tests/lua/ltoy.c) run. See tstress.c.
 */
#ifndef TESTS_THREADS_TSTRESS_H
#define TESTS_THREADS_TSTRESS_H

#include <stdint.h>

#include "alloc/alloc.h"

enum { TSTRESS_MAX_THREADS = 64, TSTRESS_MAX_SLOTS = 65536 };

typedef struct tstress_opts {
    unsigned threads;       /* mutator threads, each with a P of its own: 1..TSTRESS_MAX_THREADS */
    uint64_t cycles;        /* run until the heap has completed this many collections */
    unsigned slots;         /* the shared structure's slots: 1..TSTRESS_MAX_SLOTS */
    unsigned release_every; /* a thread gives its P back (and blocks) every this many steps; 0: never */
    uint64_t max_steps;     /* per thread: stop there even if the cycles are not done (0: 50 million) */
} tstress_opts;

typedef struct tstress_result {
    uint64_t problems; /* model mismatches, gc_verify failures, allocations that failed */
    uint64_t nodes;    /* nodes made */
    uint64_t steps;    /* steps, every thread */
    uint64_t cycles;   /* collections the heap completed by the end (one more forced at the end) */
    char first[200];   /* the first problem, or "" */
} tstress_result;

/* Runs the stress on h with the calling thread owning no P of h (it waits
 * for the mutators). Returns 0, or -1 when a thread or a P could not be
 * made (r->first says which). */
int tstress_run(gc_heap *h, const tstress_opts *o, tstress_result *r);

#endif
