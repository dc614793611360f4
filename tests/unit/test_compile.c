/*
 * test_compile.c: the compiler's stack maps, judged by the collector.
 *
 * Each test compiles a small toy program with lang_compile and runs it on
 * a real alloc heap with print replaced by a probe: the probe runs a full
 * collection and records the live heap (bytes marked). A program holds an
 * 800 KB array in a register; whether that array survives the probe's
 * collection says whether the stack map at the probe's call named the
 * register. So these tests check behaviour, not the maps' bits: a dead
 * register still holding the pointer must not keep the array alive, and a
 * register live across a call (in this frame or a caller's) must.
 */
#include "lang/lang.h"
#include "tests/unit/unit.h"
#include "vm/vm.h"

#include <stdio.h>
#include <string.h>

#define BIG_BYTES (100000 * 8)

typedef struct probe_log {
    uint64_t live[16];
    int n;
} probe_log;

static int probe(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)args, (void)nargs, (void)types;
    probe_log *log = vm_userdata(V);
    gc_collect(vm_heap(V));
    gc_stats s;
    gc_read_stats(vm_heap(V), &s);
    if (log->n < 16)
        log->live[log->n++] = s.heap_live;
    return 0;
}

static const vm_builtin probe_table[] = {{"print", probe}};

static vm_program *compile(const char *src)
{
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    vm_program *p = lang_compile(u);
    if (!p)
        lang_unit_print_diags(u, stderr);
    lang_unit_free(u);
    return p;
}

/* Runs src with the probe as print; returns the run's status. */
static int run(const char *src, probe_log *log)
{
    memset(log, 0, sizeof *log);
    vm_program *p = compile(src);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    vm_options o;
    vm_options_default(&o);
    o.builtins = probe_table;
    o.nbuiltins = 1;
    o.ud = log;
    o.gc.gc_percent = -1; /* only the probe collects */
    char err[256];
    vm_state *V = vm_new(p, &o, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    int status = vm_run(V, 0, NULL);
    vm_free(V);
    vm_program_free(p);
    return status;
}

#define PRELUDE "fn big() -> [int] { return make([int], 100000) }\n"

/* a's last read is len(a): at the probe its register still holds the
 * array, but the register is dead, so the array is garbage. */
static void test_dead_register_frees(void)
{
    probe_log log;
    int st = run(PRELUDE
                 "fn main() {\n"
                 "    var a = big()\n"
                 "    var n = len(a)\n"
                 "    print(n)\n"
                 "}\n",
                 &log);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT(log.live[0] < BIG_BYTES / 2);
}

/* The same array read after the probe: live across it. Then dead at the
 * second probe (its length was computed into the argument first). */
static void test_live_across_builtin(void)
{
    probe_log log;
    int st = run(PRELUDE
                 "fn main() {\n"
                 "    var a = big()\n"
                 "    print(1)\n"
                 "    print(len(a))\n"
                 "}\n",
                 &log);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT(log.live[0] >= BIG_BYTES);
    CU_ASSERT(log.live[1] < BIG_BYTES / 2);
}

/* Live across a call of a toy function: the caller's frame is suspended
 * at its CALL and scanned with that pc's map. */
static void test_live_across_call(void)
{
    probe_log log;
    int st = run(PRELUDE
                 "fn collect() { print(0) }\n"
                 "fn use(a: [int]) -> int { collect(); return len(a) }\n"
                 "fn main() {\n"
                 "    var a = big()\n"
                 "    collect()\n"
                 "    var n = use(a)\n"
                 "    collect()\n"
                 "    a = big()\n"
                 "    a[0] = n\n"
                 "    collect()\n"
                 "}\n",
                 &log);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_EQUAL(log.n, 4);
    CU_ASSERT(log.live[0] >= BIG_BYTES);     /* a read after collect() */
    CU_ASSERT(log.live[1] >= BIG_BYTES);     /* a is use's parameter, read after */
    CU_ASSERT(log.live[2] < BIG_BYTES / 2);  /* the first array is dead */
    CU_ASSERT(log.live[3] < BIG_BYTES / 2);  /* so is the second */
}

/* A temporary: the first argument of f waits in the call window while
 * the second argument's call collects. */
static void test_live_temporary(void)
{
    probe_log log;
    int st = run(PRELUDE
                 "fn now() -> int { print(0); return 1 }\n"
                 "fn f(a: [int], b: int) -> int { return len(a) + b }\n"
                 "fn main() { var n = f(big(), now()); now() }\n",
                 &log);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT(log.live[0] >= BIG_BYTES);
    CU_ASSERT(log.live[1] < BIG_BYTES / 2);
}

/* Captured variables live in cells reached through the closure; a loop
 * variable's old array dies when the next iteration overwrites it. */
static void test_cells_and_loops(void)
{
    probe_log log;
    int st = run(PRELUDE
                 "fn main() {\n"
                 "    var a = big()\n"
                 "    var get = fn() -> int { return len(a) }\n"
                 "    print(0)\n"
                 "    var n = get()\n"
                 "    print(n)\n"
                 "    for i in 0..2 {\n"
                 "        var b = big()\n"
                 "        b[0] = i\n"
                 "        print(b[0])\n"
                 "    }\n"
                 "}\n",
                 &log);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_EQUAL(log.n, 4);
    CU_ASSERT(log.live[0] >= BIG_BYTES);     /* reachable from get's cell */
    CU_ASSERT(log.live[1] < BIG_BYTES / 2);  /* get and its cell are dead */
    CU_ASSERT(log.live[2] < BIG_BYTES / 2);  /* b's last read was b[0] */
    CU_ASSERT(log.live[3] < BIG_BYTES / 2);
}

/* The maps themselves: at the probe of the first program, main's frame
 * has no live reference; every safepoint of every proto has a map. */
static void test_maps_present(void)
{
    vm_program *p = compile(PRELUDE
                            "struct N { l: N }\n"
                            "fn main() {\n"
                            "    var a = big()\n"
                            "    var n = N{l: N{}}\n"
                            "    print(len(a), n.l == nil)\n"
                            "}\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            vm_opcode op = VM_OP(f->code[pc]);
            CU_ASSERT(!vm_op_safepoint(op) || vm_proto_stackmap(f, pc) != NULL);
            if (op == OP_CALLB) {
                const uint8_t *m = vm_proto_stackmap(f, pc);
                int a = VM_A(f->code[pc]), live = 0;
                for (int r = 0; r < f->nregs; r++)
                    if (m[r / 8] >> (r % 8) & 1)
                        live += r < a ? 1 : 0;
                CU_ASSERT_EQUAL(live, 0); /* a and n are dead at print */
            }
        }
    }
    vm_program_free(p);
}

static CU_TestInfo compile_tests[] = {
    {"dead_register_frees", test_dead_register_frees},
    {"live_across_builtin", test_live_across_builtin},
    {"live_across_call", test_live_across_call},
    {"live_temporary", test_live_temporary},
    {"cells_and_loops", test_cells_and_loops},
    {"maps_present", test_maps_present},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    CU_SuiteInfo suites[] = {
        {"compile-gc", NULL, NULL, NULL, NULL, compile_tests},
        CU_SUITE_INFO_NULL,
    };
    return unit_main("compile-gc", suites, argc, argv);
}
