/*
 * run_fuzz.c: libFuzzer target for the whole toy pipeline. Bytes are
 * parsed and checked as toy source; a program that checks is compiled and
 * run, as `toy run` would, with the collector's torture switches on
 * (gcstress=1 and gccheckmark=1, set in the VM's gc_options rather than
 * from TOYDEBUG), so valid but odd programs exercise the collector at
 * every allocation. Mirrors QuickJS's fuzz/fuzz_eval.c with the budget
 * of fuzz_common.c: a step limit (endless loops are not findings), a
 * frame limit, and a memory limit.
 *
 * The memory limit: alloc's memory_limit is soft (it paces collections),
 * so the hard cap is enforced here, by wrapping gc_mallocgc and
 * gc_malloc_site at link time (-Wl,--wrap; see tests/reliability.mk): a
 * request that
 * would take the heap past RUN_FUZZ_HEAP_MAX, or past RUN_FUZZ_MALLOCS
 * allocations, returns NULL, which the VM
 * must turn into a clean "out of memory" runtime error. This also
 * exercises the VM's and the stdlib's out-of-memory paths.
 *
 * Print output goes to /dev/null; runtime errors too (they are expected).
 * Built and run by `make fuzz-run`; seed corpus tests/fuzz/corpus/run/.
 */
#include "alloc/alloc.h"
#include "lang/lang.h"
#include "stdlib/stdlib.h"
#include "vm/vm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RUN_FUZZ_STEPS 20000
#define RUN_FUZZ_DEPTH 500
#define RUN_FUZZ_HEAP_MAX ((uint64_t)64 << 20)
#define RUN_FUZZ_MALLOCS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void *__real_gc_mallocgc(gc_p *p, size_t size, const gc_type *type, bool needzero);
void *__wrap_gc_mallocgc(gc_p *p, size_t size, const gc_type *type, bool needzero);
void *__real_gc_malloc_site(gc_p *p, const gc_site *site);
void *__wrap_gc_malloc_site(gc_p *p, const gc_site *site);

/* The hard caps: bytes, and a number of allocations. Under gcstress every
 * allocation marks the whole live heap, so a program building a list of n
 * nodes costs n^2/2 mark steps: the allocation budget keeps every input
 * well inside the timeout. Reading the statistics costs nothing beside
 * the collection each allocation runs anyway. */
static bool overBudget(gc_p *p, size_t size)
{
    if (size > RUN_FUZZ_HEAP_MAX)
        return true;
    gc_stats s;
    gc_read_stats(gc_p_heap(p), &s);
    return s.mallocs >= RUN_FUZZ_MALLOCS || s.heap_alloc + size > RUN_FUZZ_HEAP_MAX;
}

void *__wrap_gc_mallocgc(gc_p *p, size_t size, const gc_type *type, bool needzero)
{
    return overBudget(p, size) ? NULL : __real_gc_mallocgc(p, size, type, needzero);
}

/* The VM's structs, closures, cells and array headers come through their
 * sites. Inlined, a site allocation calls gc_malloc_site only when its
 * span's window is used up, but under gcstress the windows are always
 * empty, so every one of them comes here. */
void *__wrap_gc_malloc_site(gc_p *p, const gc_site *site)
{
    return overBudget(p, site->size) ? NULL : __real_gc_malloc_site(p, site);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lang_unit *u = lang_unit_new("fuzz.toy", (const char *)data, size);
    if (!u)
        return 0;
    if (lang_unit_check(u) != 0) {
        lang_unit_free(u);
        return 0;
    }
    vm_program *prog = lang_compile(u);
    lang_unit_free(u);
    if (!prog)
        return 0;
    FILE *null = fopen("/dev/null", "w"), *nullin = fopen("/dev/null", "r");
    if (!null || !nullin) {
        if (null)
            fclose(null);
        if (nullin)
            fclose(nullin);
        vm_program_free(prog);
        return 0;
    }
    vm_options o;
    vm_options_default(&o);
    o.in = nullin; /* read_line must not wait on the fuzzer's input */
    o.builtins = std_vm_builtins;
    o.nbuiltins = STD_NUM_BUILTINS;
    o.out = null;
    o.err = null;
    o.step_limit = RUN_FUZZ_STEPS;
    o.max_depth = RUN_FUZZ_DEPTH;
    o.gc.memory_limit = (int64_t)RUN_FUZZ_HEAP_MAX;
    o.gc.debug.gcstress = 1;
    o.gc.debug.gccheckmark = 1;
    o.gc.trace = NULL; /* a checkmark failure is reported on stderr and aborts */
    char err[256];
    vm_state *V = vm_new(prog, &o, err, sizeof err);
    if (V) {
        char *argv[] = {NULL};
        vm_run(V, 0, argv);
        vm_free(V);
    }
    vm_program_free(prog);
    fclose(null);
    fclose(nullin);
    return 0;
}
