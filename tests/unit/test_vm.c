/*
 * test_vm.c: the vm suite. Programs are built by hand with the builder in
 * vm.h (instructions, constants, stack maps) and run on a real heap:
 * arithmetic, branches, loops, calls and recursion, closures sharing a
 * cell, structs, arrays, maps, runtime errors with their exact traces, and
 * the collector contract: a pointer left in a dead register does not keep
 * its object alive, one live across a call survives collections at every
 * allocation (gcstress). The same objects link into test_vm_switch with
 * the switch-dispatch interpreter; the suite names itself after it.
 */
#include "tests/unit/test_vm.h"
#include "vm/vmint.h" /* stackmoves */

#include <stdlib.h>
#include <string.h>

/* ---- Test builtins. ---- */

static int b_print(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    vm_buf b;
    vm_buf_init(&b);
    vm_format_print(&b, vm_get_program(V), args, nargs, types);
    fwrite(b.data, 1, b.len, vm_out(V));
    bool oom = b.oom;
    vm_buf_free(&b);
    return oom ? vm_error(V, "out of memory") : 0;
}

static int b_gc(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)args, (void)nargs, (void)types;
    gc_collect(vm_heap(V));
    return 0;
}

static int b_remember(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    tvm_ud *ud = vm_userdata(V);
    ud->remembered = args[0].p;
    return 0;
}

static int b_alive(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    tvm_ud *ud = vm_userdata(V);
    args[0].i = gc_find_object(vm_heap(V), ud->remembered) != NULL;
    return 0;
}

static int b_exit(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    return vm_exit(V, (int)args[0].i);
}

/* garbage(n): n short-lived strings, each a safepoint of its own. */
static int b_garbage(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    for (int64_t j = 0; j < args[0].i; j++)
        if (!vm_string_new(V, "garbage", 7))
            return vm_error(V, "out of memory");
    return 0;
}

static int b_verify(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    gc_collect(vm_heap(V));
    args[0].i = (int64_t)gc_verify(vm_heap(V));
    return 0;
}

/* arm(): the collector asks this P to stop at its next safepoint (the
 * poll word set, as a concurrent mark does); polled(): 1 once a poll has
 * answered (today's slow path just clears the word). */
static int b_arm(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)args, (void)nargs, (void)types;
    gc_poll *poll = (gc_poll *)gc_p_poll(vm_gcp(V));
    atomic_store_explicit(&poll->pending, 1, memory_order_relaxed);
    return 0;
}

static int b_polled(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    args[0].i = atomic_load_explicit(&gc_p_poll(vm_gcp(V))->pending, memory_order_relaxed) == 0;
    return 0;
}

static const vm_builtin test_builtins[B_NBUILTINS] = {
    [B_PRINT] = {"print", b_print},       [B_GC] = {"gc", b_gc},
    [B_REMEMBER] = {"remember", b_remember}, [B_ALIVE] = {"alive", b_alive},
    [B_EXIT] = {"exit", b_exit},           [B_GARBAGE] = {"garbage", b_garbage},
    [B_VERIFY] = {"verify", b_verify},     [B_ARM] = {"arm", b_arm},
    [B_POLLED] = {"polled", b_polled},
};

/* ---- Helpers. ---- */

vm_program *tvm_program(void)
{
    vm_program *p = vm_program_new("t.toy");
    for (int j = 0; j < B_NBUILTINS; j++)
        vm_add_builtin(p, test_builtins[j].name);
    vm_add_rtype(p, VM_KINT, 0, 0);
    vm_add_rtype(p, VM_KFLOAT, 0, 0);
    vm_add_rtype(p, VM_KBOOL, 0, 0);
    vm_add_rtype(p, VM_KSTRING, 0, 0);
    vm_add_rtype(p, VM_KVOID, 0, 0);
    return p;
}

vm_proto *tvm_main(vm_program *p, int nregs)
{
    p->main_proto = vm_add_proto(p, "main", 0, nregs);
    return p->protos[p->main_proto];
}

vm_proto *tvm_proto(vm_program *p, int32_t j) { return p->protos[j]; }

int tvm_abc(vm_proto *f, int line, vm_opcode op, int a, int b, int c)
{
    return vm_emit(f, VM_ABC(op, a, b, c), line);
}

int tvm_abx(vm_proto *f, int line, vm_opcode op, int a, int bx)
{
    return vm_emit(f, VM_ABX(op, a, bx), line);
}

int tvm_jmp(vm_proto *f, int line, int off) { return vm_emit(f, VM_SJ_(OP_JMP, off), line); }

int tvm_callb(vm_program *p, vm_proto *f, int line, int b, int a, int n, const int32_t *types)
{
    int pc = tvm_abc(f, line, OP_CALLB, a, b, n);
    int32_t tl = types ? vm_add_typelist(p, types, n) : 0;
    vm_emit(f, VM_AX_(OP_EXTRAARG, tl), line);
    vm_stackmap_slots(f, (uint32_t)pc, NULL, 0);
    return pc;
}

tvm_run tvm_exec(vm_program *p, bool gcstress, int max_depth, int64_t step_limit)
{
    tvm_run r = {0};
    size_t outlen, errlen;
    FILE *out = open_memstream(&r.out, &outlen);
    FILE *err = open_memstream(&r.err, &errlen);
    tvm_ud ud = {0};
    vm_options o;
    vm_options_default(&o);
    o.builtins = test_builtins;
    o.nbuiltins = B_NBUILTINS;
    o.out = out;
    o.err = err;
    o.ud = &ud;
    /* TOYDEBUG=gccheckmark=1,clobberfree=1 and friends apply to every run. */
    char envmsg[128];
    if (vm_options_from_env(&o, envmsg, sizeof envmsg) != 0)
        fprintf(stderr, "TOYDEBUG: %s\n", envmsg);
    if (gcstress)
        o.gc.debug.gcstress = 1;
    if (max_depth)
        o.max_depth = max_depth;
    o.step_limit = step_limit;
    char msg[256] = "";
    vm_state *V = vm_new(p, &o, msg, sizeof msg);
    if (!V) {
        fprintf(err, "vm_new: %s\n", msg);
        r.status = -1;
    } else {
        r.status = vm_run(V, 0, NULL);
        gc_stats st;
        gc_collect(vm_heap(V));
        r.verify_problems = gc_verify(vm_heap(V));
        gc_read_stats(vm_heap(V), &st);
        r.frees = st.frees;
        r.mallocs = st.mallocs;
        r.num_gc = st.num_gc;
        vm_free(V);
    }
    fclose(out);
    fclose(err);
    return r;
}

void tvm_run_free(tvm_run *r)
{
    free(r->out);
    free(r->err);
}

#define EXPECT_RUN(r, status_, out_, err_)           \
    do {                                             \
        CU_ASSERT_EQUAL((r).status, status_);        \
        CU_ASSERT_STRING_EQUAL((r).out, out_);       \
        CU_ASSERT_STRING_EQUAL((r).err, err_);       \
        if (strcmp((r).out, out_) || strcmp((r).err, err_)) \
            fprintf(stderr, "\n--- out:\n%s--- err:\n%s---\n", (r).out, (r).err); \
    } while (0)

static const int32_t INTS[8] = {T_INT, T_INT, T_INT, T_INT, T_INT, T_INT, T_INT, T_INT};
static const int32_t FLOATS[8] = {T_FLOAT, T_FLOAT, T_FLOAT, T_FLOAT, T_FLOAT, T_FLOAT};

/* Runs p twice (normally and under gcstress), expecting the same. */
static void expect_both(vm_program *p, int status, const char *out, const char *err)
{
    for (int stress = 0; stress < 2; stress++) {
        tvm_run r = tvm_exec(p, stress, 0, 0);
        EXPECT_RUN(r, status, out, err);
        CU_ASSERT_EQUAL(r.verify_problems, 0);
        tvm_run_free(&r);
    }
}

/* ---- Tests. ---- */

static void test_arith(void)
{
    vm_program *p = tvm_program();
    vm_proto *f = tvm_main(p, 8);
    tvm_abx(f, 1, OP_LOADI, 0, 7);
    vm_emit(f, VM_ASBX(OP_LOADI, 1, -3), 1);
    tvm_abc(f, 2, OP_DIVI, 2, 0, 1);
    tvm_abc(f, 2, OP_MODI, 3, 0, 1);
    tvm_abc(f, 2, OP_MULI, 4, 0, 1);
    tvm_abc(f, 2, OP_SUBI, 5, 0, 1);
    tvm_callb(p, f, 3, B_PRINT, 2, 4, INTS);
    tvm_abx(f, 4, OP_LOADK, 0, vm_const_int(f, INT64_MIN));
    vm_emit(f, VM_ASBX(OP_LOADI, 1, -1), 4);
    tvm_abc(f, 4, OP_DIVI, 2, 0, 1);
    tvm_abc(f, 4, OP_MODI, 3, 0, 1);
    tvm_abc(f, 4, OP_ADDIK, 4, 0, (uint8_t)-1);
    tvm_abc(f, 4, OP_NEGI, 5, 0, 0);
    tvm_callb(p, f, 5, B_PRINT, 2, 4, INTS);
    tvm_abx(f, 6, OP_LOADI, 0, 1);
    tvm_abx(f, 6, OP_LOADI, 1, 70);
    tvm_abc(f, 6, OP_SHL, 2, 0, 1);
    tvm_abx(f, 6, OP_LOADI, 1, 3);
    tvm_abc(f, 6, OP_SHL, 3, 0, 1);
    vm_emit(f, VM_ASBX(OP_LOADI, 0, -16), 6);
    tvm_abc(f, 6, OP_SHR, 4, 0, 1);
    tvm_abc(f, 6, OP_BNOT, 5, 0, 0);
    tvm_callb(p, f, 7, B_PRINT, 2, 4, INTS);
    tvm_abx(f, 8, OP_LOADF, 0, 1);
    tvm_abx(f, 8, OP_LOADF, 1, 3);
    tvm_abc(f, 8, OP_DIVF, 2, 0, 1);
    tvm_abx(f, 8, OP_LOADK, 3, vm_const_float(f, 0.1));
    tvm_abx(f, 8, OP_LOADK, 4, vm_const_float(f, 0.2));
    tvm_abc(f, 8, OP_ADDF, 4, 3, 4);
    tvm_abx(f, 8, OP_LOADI, 5, 7);
    tvm_abc(f, 8, OP_ITOF, 5, 5, 0);
    tvm_abc(f, 8, OP_NEGF, 6, 2, 0);
    tvm_callb(p, f, 9, B_PRINT, 2, 5, FLOATS);
    tvm_abx(f, 10, OP_LOADK, 0, vm_const_float(f, -2.9));
    tvm_abc(f, 10, OP_FTOI, 2, 0, 0);
    tvm_abx(f, 10, OP_LOADK, 0, vm_const_float(f, 1e300));
    tvm_abc(f, 10, OP_FTOI, 3, 0, 0);
    tvm_abx(f, 10, OP_LOADI, 0, 5);
    tvm_abx(f, 10, OP_LOADI, 1, 5);
    tvm_abc(f, 10, OP_LEI, 4, 0, 1);
    tvm_abc(f, 10, OP_LTI, 5, 0, 1);
    tvm_callb(p, f, 11, B_PRINT, 2, 4, (int32_t[]){T_INT, T_INT, T_BOOL, T_BOOL});
    tvm_abc(f, 12, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0,
                "-2 1 -21 10\n"
                "-9223372036854775808 0 9223372036854775807 -9223372036854775808\n"
                "0 8 -2 15\n"
                "0.3333333333333333 0.1 0.30000000000000004 7.0 -0.3333333333333333\n"
                "-2 9223372036854775807 true false\n",
                "");
    vm_program_free(p);
}

static void test_loops(void)
{
    vm_program *p = tvm_program();
    vm_proto *f = tvm_main(p, 8);
    /* sum = 0; for i in 0..100 { sum += i } */
    tvm_abx(f, 1, OP_LOADI, 0, 0);
    tvm_abx(f, 2, OP_LOADI, 1, 0);
    tvm_abx(f, 2, OP_LOADI, 2, 100);
    tvm_abx(f, 2, OP_FORPREP, 1, 2);
    tvm_abc(f, 3, OP_ADDI, 0, 0, 3);
    vm_stackmap_slots(f, (uint32_t)tvm_abx(f, 2, OP_FORLOOP, 1, 2), NULL, 0);
    /* an empty range runs nothing */
    tvm_abx(f, 4, OP_LOADI, 1, 5);
    tvm_abx(f, 4, OP_LOADI, 2, 5);
    tvm_abx(f, 4, OP_FORPREP, 1, 2);
    tvm_abx(f, 5, OP_LOADI, 0, 999);
    vm_stackmap_slots(f, (uint32_t)tvm_abx(f, 4, OP_FORLOOP, 1, 2), NULL, 0);
    /* i = 0; while i < 10 { i += 3 } */
    tvm_abx(f, 6, OP_LOADI, 4, 0);
    tvm_abx(f, 6, OP_LOADI, 5, 10);
    int top = tvm_abc(f, 7, OP_IFLTI, 4, 5, 0);
    tvm_jmp(f, 7, 2);
    tvm_abc(f, 8, OP_ADDIK, 4, 4, 3);
    int back = tvm_jmp(f, 8, 0);
    f->code[back] = VM_SJ_(OP_JMPBACK, top - (back + 1));
    vm_stackmap_slots(f, (uint32_t)back, NULL, 0);
    /* if-else chains on immediates and floats */
    tvm_abx(f, 9, OP_LOADI, 6, 111);
    tvm_abc(f, 9, OP_IFGEIK, 4, 12, 1); /* taken: i >= 12 */
    tvm_jmp(f, 9, 1);
    tvm_abx(f, 9, OP_LOADI, 6, 999);
    tvm_abx(f, 10, OP_LOADF, 7, 2);
    tvm_abx(f, 10, OP_LOADF, 3, 3);
    tvm_abc(f, 10, OP_IFLTF, 3, 7, 1); /* 3.0 < 2.0 is false: not taken */
    tvm_jmp(f, 10, 1);
    tvm_abx(f, 10, OP_LOADI, 7, 222);
    tvm_callb(p, f, 11, B_PRINT, 4, 4, INTS);
    tvm_callb(p, f, 12, B_PRINT, 0, 1, INTS);
    tvm_abc(f, 13, OP_RETURN0, 0, 0, 0);
    /* Registers 4..7: i, 10, 111, 222 */
    expect_both(p, 0, "12 10 111 222\n4950\n", "");
    vm_program_free(p);
}

static int32_t fib_proto(vm_program *p)
{
    int32_t fi = vm_add_proto(p, "fib", 1, 3);
    vm_proto *f = p->protos[fi];
    tvm_abc(f, 1, OP_IFLTIK, 0, 2, 0);
    tvm_jmp(f, 1, 1);
    tvm_abc(f, 1, OP_RETURN, 0, 0, 0);
    tvm_abc(f, 2, OP_ADDIK, 1, 0, (uint8_t)-1);
    vm_stackmap_slots(f, (uint32_t)tvm_abx(f, 2, OP_CALL, 1, fi), NULL, 0);
    tvm_abc(f, 2, OP_ADDIK, 2, 0, (uint8_t)-2);
    vm_stackmap_slots(f, (uint32_t)tvm_abx(f, 2, OP_CALL, 2, fi), NULL, 0);
    tvm_abc(f, 2, OP_ADDI, 0, 1, 2);
    tvm_abc(f, 2, OP_RETURN, 0, 0, 0);
    return fi;
}

static void test_fib(void)
{
    vm_program *p = tvm_program();
    int32_t fi = fib_proto(p);
    vm_proto *m = tvm_main(p, 2);
    tvm_abx(m, 5, OP_LOADI, 0, 20);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 5, OP_CALL, 0, fi), NULL, 0);
    tvm_callb(p, m, 5, B_PRINT, 0, 1, INTS);
    tvm_abc(m, 6, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "6765\n", "");
    vm_program_free(p);
}

/* TOYDEBUG=movestack=1: every call moves the stack (fib(20) makes 21891
 * calls), the frames are rebased and the result is the same; under
 * gcstress too, so the roots are walked on moved stacks. */
static void test_movestack(void)
{
    for (int stress = 0; stress < 2; stress++) {
        vm_program *p = tvm_program();
        int32_t fi = fib_proto(p);
        vm_proto *m = tvm_main(p, 2);
        tvm_abx(m, 5, OP_LOADI, 0, 20);
        vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 5, OP_CALL, 0, fi), NULL, 0);
        tvm_callb(p, m, 5, B_PRINT, 0, 1, INTS);
        tvm_abc(m, 6, OP_RETURN0, 0, 0, 0);
        char *out = NULL;
        size_t outlen = 0;
        FILE *f = open_memstream(&out, &outlen);
        vm_options o;
        vm_options_default(&o);
        o.builtins = test_builtins;
        o.nbuiltins = B_NBUILTINS;
        o.out = f;
        o.movestack = true;
        o.gc.debug.gcstress = stress;
        vm_state *V = vm_new(p, &o, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(V);
        CU_ASSERT_EQUAL(vm_run(V, 0, NULL), 0);
        CU_ASSERT(V->stackmoves >= 21891);
        vm_free(V);
        fclose(f);
        CU_ASSERT_STRING_EQUAL(out, "6765\n");
        free(out);
        vm_program_free(p);
    }
}

/* The VM takes movestack out of TOYDEBUG; alloc gets the rest and still
 * rejects what nobody owns. */
static void test_options_from_env(void)
{
    const char *saved = getenv("TOYDEBUG");
    char *keep = saved ? strdup(saved) : NULL;
    vm_options o;
    char err[256];
    vm_options_default(&o);
    setenv("TOYDEBUG", "gcstress=1,movestack=1,,gctrace=0", 1);
    CU_ASSERT_EQUAL(vm_options_from_env(&o, err, sizeof err), 0);
    CU_ASSERT_TRUE(o.movestack);
    CU_ASSERT_EQUAL(o.gc.debug.gcstress, 1);
    setenv("TOYDEBUG", "movestack=0", 1);
    CU_ASSERT_EQUAL(vm_options_from_env(&o, err, sizeof err), 0);
    CU_ASSERT_FALSE(o.movestack);
    setenv("TOYDEBUG", "movestack=yes", 1);
    CU_ASSERT_EQUAL(vm_options_from_env(&o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "movestack=yes"));
    setenv("TOYDEBUG", "movestack", 1);
    CU_ASSERT_EQUAL(vm_options_from_env(&o, err, sizeof err), -1);
    setenv("TOYDEBUG", "movestack=1,bogus=1", 1);
    CU_ASSERT_EQUAL(vm_options_from_env(&o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bogus"));
    CU_ASSERT_FALSE(o.movestack); /* unchanged on error */
    setenv("TOYDEBUG", "movestacks=1", 1);
    CU_ASSERT_EQUAL(vm_options_from_env(&o, err, sizeof err), -1);
    if (keep)
        setenv("TOYDEBUG", keep, 1);
    else
        unsetenv("TOYDEBUG");
    free(keep);
}

static void test_closures(void)
{
    vm_program *p = tvm_program();
    int32_t mi = p->main_proto = vm_add_proto(p, "main", 0, 8);
    int32_t ii = vm_add_proto(p, "inc", 0, 2);
    int32_t gi = vm_add_proto(p, "get", 0, 1);
    int32_t oi = vm_add_proto(p, "outer", 0, 2); /* makes a closure from its own capture */
    vm_proto *m = p->protos[mi], *inc = p->protos[ii], *get = p->protos[gi], *outer = p->protos[oi];
    vm_add_upval(inc, 1, 1);
    vm_add_upval(get, 1, 1);
    vm_add_upval(outer, 1, 1);
    tvm_abc(inc, 20, OP_GETUPVAL, 0, 0, 0);
    tvm_abc(inc, 20, OP_ADDIK, 0, 0, 1);
    tvm_abc(inc, 20, OP_SETUPVAL, 0, 0, 0);
    tvm_abc(inc, 20, OP_RETURN0, 0, 0, 0);
    tvm_abc(get, 21, OP_GETUPVAL, 0, 0, 0);
    tvm_abc(get, 21, OP_RETURN, 0, 0, 0);
    /* outer returns a fresh "get" over its own U[0]: instack = 0. */
    int32_t g2 = vm_add_proto(p, "get2", 0, 1);
    vm_proto *get2 = p->protos[g2];
    vm_add_upval(get2, 0, 0);
    tvm_abc(get2, 23, OP_GETUPVAL, 0, 0, 0);
    tvm_abc(get2, 23, OP_RETURN, 0, 0, 0);
    vm_stackmap_slots(outer, (uint32_t)tvm_abx(outer, 22, OP_CLOSURE, 0, g2), NULL, 0);
    tvm_abc(outer, 22, OP_RETURN, 0, 0, 0);

    tvm_abx(m, 1, OP_LOADI, 0, 10);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 1, OP_NEWCELL, 1, 0, 0), NULL, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 2, OP_CLOSURE, 2, ii), (int[]){1}, 1);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 3, OP_CLOSURE, 3, gi), (int[]){1, 2}, 2);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 3, OP_CLOSURE, 4, oi), (int[]){1, 2, 3}, 3);
    /* The cell in R1 is dead from here: only the closures hold it. */
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 4, OP_CALLR, 5, 2, 0), (int[]){2, 3, 4}, 3);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 4, OP_CALLR, 5, 2, 0), (int[]){2, 3, 4}, 3);
    tvm_abx(m, 4, OP_LOADI, 6, 100);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 4, B_GARBAGE, 6, 1, NULL), (int[]){3, 4}, 2);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 5, OP_CALLR, 5, 3, 0), (int[]){4}, 1);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 5, OP_CALLR, 6, 4, 0), NULL, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 5, OP_CALLR, 6, 6, 0), NULL, 0);
    tvm_callb(p, m, 6, B_PRINT, 5, 2, INTS);
    tvm_abc(m, 7, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "12 12\n", "");
    vm_program_free(p);
}

/* struct Point { x: int, next: Point } */
static int32_t point_struct(vm_program *p, int32_t *rtype)
{
    int32_t s = vm_add_struct(p, "Point");
    *rtype = vm_add_rtype(p, VM_KSTRUCT, s, 0);
    vm_add_field(p, s, "x", T_INT);
    vm_add_field(p, s, "next", *rtype);
    return s;
}

static void test_structs(void)
{
    vm_program *p = tvm_program();
    int32_t pt;
    int32_t s = point_struct(p, &pt);
    vm_proto *f = tvm_main(p, 8);
    vm_stackmap_slots(f, (uint32_t)tvm_abx(f, 1, OP_NEWSTRUCT, 0, s), NULL, 0);
    tvm_abx(f, 1, OP_LOADI, 1, 1);
    tvm_abc(f, 1, OP_SETFIELD, 0, 0, 1);
    vm_stackmap_slots(f, (uint32_t)tvm_abx(f, 2, OP_NEWSTRUCT, 2, s), (int[]){0}, 1);
    tvm_abx(f, 2, OP_LOADI, 1, 2);
    tvm_abc(f, 2, OP_SETFIELD, 2, 0, 1);
    tvm_abc(f, 2, OP_SETFIELD, 2, 1, 0);
    tvm_abc(f, 3, OP_GETFIELD, 3, 2, 1);
    tvm_abc(f, 3, OP_GETFIELD, 4, 3, 0);
    tvm_abc(f, 3, OP_EQ, 7, 3, 0); /* identity */
    tvm_abc(f, 4, OP_MOV, 5, 4, 0);
    tvm_abc(f, 4, OP_MOV, 6, 2, 0);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 4, B_PRINT, 5, 3, (int32_t[]){T_INT, pt, T_BOOL}),
                      (int[]){6}, 1);
    tvm_abc(f, 5, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "1 Point{x: 2, next: Point{x: 1, next: nil}} true\n", "");
    vm_program_free(p);
}

static void test_arrays(void)
{
    vm_program *p = tvm_program();
    int32_t ai = vm_add_rtype(p, VM_KARRAY, T_INT, 0);
    int32_t as = vm_add_rtype(p, VM_KARRAY, T_STRING, 0);
    vm_proto *f = tvm_main(p, 10);
    tvm_abx(f, 1, OP_LOADI, 0, 3);
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 1, OP_NEWARRAY, 1, 0, 0), NULL, 0);
    tvm_abx(f, 2, OP_LOADI, 2, 0);
    tvm_abx(f, 2, OP_LOADI, 3, 42);
    tvm_abc(f, 2, OP_SETINDEX, 1, 2, 3);
    for (int j = 0; j < 5; j++) {
        tvm_abx(f, 3, OP_LOADI, 3, 7 + j);
        vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 3, OP_PUSH, 1, 3, 0), (int[]){1}, 1);
    }
    tvm_abc(f, 4, OP_LEN, 4, 1, 0);
    tvm_abx(f, 4, OP_LOADI, 2, 7);
    tvm_abc(f, 4, OP_GETINDEX, 5, 1, 2);
    tvm_abc(f, 4, OP_MOV, 6, 1, 0);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 5, B_PRINT, 4, 3, (int32_t[]){T_INT, T_INT, ai}),
                      (int[]){6}, 1);
    tvm_abx(f, 6, OP_LOADI, 0, 2);
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 6, OP_NEWARRAY, 6, 0, 1), NULL, 0);
    tvm_abx(f, 6, OP_LOADK, 7, vm_const_string(f, "a\"b\n", 4));
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 6, OP_PUSH, 6, 7, 0), (int[]){6, 7}, 2);
    tvm_abx(f, 6, OP_LOADK, 8, vm_const_string(f, "c", 1));
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 6, OP_CONCAT, 8, 7, 8), (int[]){6, 7, 8}, 3);
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 6, OP_PUSH, 6, 8, 0), (int[]){6, 8}, 2);
    tvm_abc(f, 6, OP_LEN, 7, 6, 0);
    tvm_abc(f, 6, OP_LENS, 9, 8, 0);
    tvm_abc(f, 7, OP_MOV, 5, 6, 0);
    tvm_abc(f, 7, OP_MOV, 6, 7, 0);
    tvm_abc(f, 7, OP_MOV, 7, 9, 0);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 7, B_PRINT, 5, 4, (int32_t[]){as, T_INT, T_INT, T_STRING}),
                      (int[]){5, 8}, 2);
    tvm_abc(f, 8, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0,
                "8 11 [42, 0, 0, 7, 8, 9, 10, 11]\n"
                "[\"\", \"\", \"a\\\"b\\n\", \"a\\\"b\\nc\"] 4 5 a\"b\nc\n",
                "");
    vm_program_free(p);
}

static void test_maps(void)
{
    vm_program *p = tvm_program();
    int32_t msi = vm_add_rtype(p, VM_KMAP, T_STRING, T_INT);
    vm_proto *f = tvm_main(p, 10);
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 1, OP_NEWMAP, 0, VM_MAPKEY_STRING, 0), NULL, 0);
    const char *keys[] = {"b", "a", "c"};
    for (int j = 0; j < 3; j++) {
        tvm_abx(f, 2, OP_LOADK, 1, vm_const_string(f, keys[j], 1));
        tvm_abx(f, 2, OP_LOADI, 2, j + 1);
        vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 2, OP_MAPSET, 0, 1, 2), (int[]){0, 1}, 2);
    }
    tvm_abx(f, 3, OP_LOADK, 1, vm_const_string(f, "a", 1));
    tvm_abc(f, 3, OP_MAPGET, 3, 0, 1);
    tvm_abx(f, 3, OP_LOADK, 1, vm_const_string(f, "zz", 2));
    tvm_abc(f, 3, OP_MAPGET, 4, 0, 1);
    /* sum the values by iteration */
    tvm_abx(f, 4, OP_LOADI, 5, 0);
    tvm_abx(f, 4, OP_LOADI, 8, 0);
    int top = tvm_abc(f, 4, OP_MAPNEXT, 5, 0, 0);
    tvm_jmp(f, 4, 2);
    tvm_abc(f, 5, OP_ADDI, 8, 8, 7);
    int back = tvm_jmp(f, 5, 0);
    f->code[back] = VM_SJ_(OP_JMPBACK, top - (back + 1));
    vm_stackmap_slots(f, (uint32_t)back, (int[]){0}, 1);
    tvm_abc(f, 6, OP_MOV, 5, 8, 0);
    tvm_abc(f, 6, OP_MOV, 6, 0, 0);
    tvm_abc(f, 6, OP_LEN, 7, 0, 0);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 6, B_PRINT, 3, 5, (int32_t[]){T_INT, T_INT, T_INT, msi, T_INT}),
                      (int[]){6}, 1);
    tvm_abc(f, 7, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "2 0 6 {\"b\": 1, \"a\": 2, \"c\": 3} 3\n", "");
    vm_program_free(p);
}

/* Strings: content equality, ordering, concat with "" (nil), and the
 * test forms TEST, IFNIL, IFEQS, IFLES; a reference cell under gcstress. */
static void test_strings_and_tests(void)
{
    vm_program *p = tvm_program();
    vm_proto *f = tvm_main(p, 12);
    tvm_abx(f, 1, OP_LOADK, 0, vm_const_string(f, "abc", 3));
    tvm_abx(f, 1, OP_LOADK, 1, vm_const_string(f, "ab", 2));
    tvm_abx(f, 1, OP_LOADK, 2, vm_const_string(f, "c", 1));
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 2, OP_CONCAT, 3, 1, 2), (int[]){0, 1, 2}, 3);
    tvm_abc(f, 3, OP_EQS, 4, 0, 3);  /* "abc" == "ab"+"c": true */
    tvm_abc(f, 3, OP_EQ, 5, 0, 3);   /* but not the same object */
    tvm_abc(f, 3, OP_LTS, 6, 1, 0);  /* "ab" < "abc" */
    tvm_abc(f, 3, OP_LES, 7, 0, 1);  /* "abc" <= "ab": false */
    tvm_abc(f, 4, OP_LOADNIL, 8, 0, 0); /* nil string reads as "" */
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 4, OP_CONCAT, 9, 8, 2), (int[]){0, 1, 2, 3, 8}, 5);
    tvm_abc(f, 4, OP_LENS, 10, 8, 0);
    tvm_abc(f, 4, OP_EQS, 11, 9, 2);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 5, B_PRINT, 4, 8,
                                             (int32_t[]){T_BOOL, T_BOOL, T_BOOL, T_BOOL, T_STRING,
                                                         T_STRING, T_INT, T_BOOL}),
                      (int[]){0, 1, 2, 3, 8, 9}, 6);
    /* R4 = 0; TEST R5(false) taken when false -> R4 += 1; IFNIL R8 -> += 10;
     * IFEQS R0 R3 -> += 100; IFLES R0 R1 not taken -> += 1000 skipped */
    tvm_abx(f, 6, OP_LOADI, 4, 0);
    tvm_abc(f, 6, OP_TEST, 5, 0, 1);
    tvm_jmp(f, 6, 1);
    tvm_abc(f, 6, OP_ADDIK, 4, 4, 1);
    tvm_abc(f, 7, OP_IFNIL, 8, 0, 0);
    tvm_jmp(f, 7, 1);
    tvm_abc(f, 7, OP_ADDIK, 4, 4, 10);
    tvm_abc(f, 8, OP_IFEQS, 0, 3, 0);
    tvm_jmp(f, 8, 1);
    tvm_abc(f, 8, OP_ADDIK, 4, 4, 100);
    tvm_abc(f, 9, OP_IFLES, 0, 1, 0);
    tvm_jmp(f, 9, 1);
    tvm_abc(f, 9, OP_ADDIK, 4, 4, 99);
    tvm_abx(f, 10, OP_LOADF, 5, 7);
    tvm_abx(f, 10, OP_LOADF, 6, 2);
    tvm_abc(f, 10, OP_MODF, 5, 5, 6);
    /* a cell holding a reference keeps its string alive */
    vm_stackmap_slots(f, (uint32_t)tvm_abc(f, 11, OP_NEWCELL, 6, 3, 1), (int[]){3}, 1);
    tvm_abx(f, 11, OP_LOADI, 7, 20);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 11, B_GARBAGE, 7, 1, NULL), (int[]){6}, 1);
    tvm_abc(f, 11, OP_GETCELL, 6, 6, 0);
    vm_stackmap_slots(f, (uint32_t)tvm_callb(p, f, 12, B_PRINT, 4, 3, (int32_t[]){T_INT, T_FLOAT, T_STRING}),
                      (int[]){6}, 1);
    tvm_abc(f, 13, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "true false true false  c 0 true\n111 1.0 abc\n", "");
    vm_program_free(p);
}

/* ---- Runtime errors: exact message and trace. ---- */

static void test_error_div_zero(void)
{
    vm_program *p = tvm_program();
    int32_t di = vm_add_proto(p, "divide", 2, 3);
    vm_proto *d = p->protos[di];
    tvm_abc(d, 2, OP_DIVI, 2, 0, 1);
    tvm_abc(d, 3, OP_RETURN, 2, 0, 0);
    vm_proto *m = tvm_main(p, 2);
    tvm_abx(m, 6, OP_LOADI, 0, 1);
    tvm_abx(m, 6, OP_LOADI, 1, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 7, OP_CALL, 0, di), NULL, 0);
    tvm_callb(p, m, 8, B_PRINT, 0, 1, INTS);
    tvm_abc(m, 9, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: division by zero\n  t.toy:2 in divide\n  t.toy:7 in main\n");
    vm_program_free(p);
}

static void test_error_nil_and_bounds(void)
{
    vm_program *p = tvm_program();
    int32_t pt;
    point_struct(p, &pt);
    vm_proto *m = tvm_main(p, 4);
    tvm_abc(m, 3, OP_LOADNIL, 0, 0, 0);
    tvm_abc(m, 4, OP_GETFIELD, 1, 0, 0);
    tvm_abc(m, 5, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: nil dereference\n  t.toy:4 in main\n");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 4);
    tvm_abx(m, 1, OP_LOADI, 0, 3);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 1, OP_NEWARRAY, 1, 0, 0), NULL, 0);
    tvm_abx(m, 2, OP_LOADI, 2, 5);
    tvm_abc(m, 2, OP_GETINDEX, 3, 1, 2);
    tvm_abc(m, 3, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: index out of range [5] with length 3\n  t.toy:2 in main\n");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 4);
    tvm_abx(m, 1, OP_LOADI, 0, 3);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 1, OP_NEWARRAY, 1, 0, 0), NULL, 0);
    vm_emit(m, VM_ASBX(OP_LOADI, 2, -1), 2);
    tvm_abc(m, 3, OP_SETINDEX, 1, 2, 0);
    tvm_abc(m, 3, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: index out of range [-1] with length 3\n  t.toy:3 in main\n");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 4);
    tvm_abc(m, 1, OP_LOADNIL, 0, 0, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 2, OP_CALLR, 1, 0, 0), NULL, 0);
    tvm_abc(m, 3, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: call of nil function\n  t.toy:2 in main\n");
    vm_program_free(p);
}

static void test_error_stack_overflow(void)
{
    vm_program *p = tvm_program();
    int32_t ri = vm_add_proto(p, "rec", 0, 1);
    vm_proto *r = p->protos[ri];
    vm_stackmap_slots(r, (uint32_t)tvm_abx(r, 1, OP_CALL, 0, ri), NULL, 0);
    tvm_abc(r, 2, OP_RETURN0, 0, 0, 0);
    vm_proto *m = tvm_main(p, 1);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 5, OP_CALL, 0, ri), NULL, 0);
    tvm_abc(m, 6, OP_RETURN0, 0, 0, 0);
    char want[2048] = "error: stack overflow\n";
    for (int j = 0; j < 10; j++)
        strcat(want, "  t.toy:1 in rec\n");
    strcat(want, "  ... (9 more frames)\n");
    for (int j = 0; j < 10; j++)
        strcat(want, "  t.toy:1 in rec\n");
    strcat(want, "  t.toy:5 in main\n");
    tvm_run res = tvm_exec(p, false, 30, 0);
    EXPECT_RUN(res, 2, "", want);
    tvm_run_free(&res);
    /* The default depth limit also stops it, without crashing. */
    res = tvm_exec(p, false, 0, 0);
    CU_ASSERT_EQUAL(res.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "error: stack overflow\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "  ... (99979 more frames)\n"));
    tvm_run_free(&res);
    vm_program_free(p);
}

static void test_error_oom_and_steps(void)
{
    vm_program *p = tvm_program();
    vm_proto *m = tvm_main(p, 2);
    tvm_abx(m, 1, OP_LOADK, 0, vm_const_int(m, (int64_t)1 << 50));
    vm_stackmap_slots(m, (uint32_t)tvm_abc(m, 2, OP_NEWARRAY, 1, 0, 0), NULL, 0);
    tvm_abc(m, 3, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: out of memory\n  t.toy:2 in main\n");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abx(m, 1, OP_LOADI, 0, 1);
    tvm_abc(m, 2, OP_ADDIK, 0, 0, 1);
    vm_stackmap_slots(m, (uint32_t)vm_emit(m, VM_SJ_(OP_JMPBACK, -2), 3), NULL, 0);
    tvm_run r = tvm_exec(p, false, 0, 1000);
    EXPECT_RUN(r, 2, "", "error: step limit exceeded\n  t.toy:3 in main\n");
    tvm_run_free(&r);
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abx(m, 1, OP_LOADI, 0, 3);
    tvm_abx(m, 1, OP_LOADI, 1, 0);
    tvm_abc(m, 1, OP_MODI, 0, 0, 1);
    tvm_abc(m, 3, OP_RETURN0, 0, 0, 0);
    expect_both(p, 2, "", "error: division by zero\n  t.toy:1 in main\n");
    vm_program_free(p);
}

static void test_exit(void)
{
    vm_program *p = tvm_program();
    vm_proto *m = tvm_main(p, 2);
    tvm_abx(m, 1, OP_LOADI, 0, 42);
    tvm_callb(p, m, 1, B_PRINT, 0, 1, INTS);
    tvm_abx(m, 2, OP_LOADI, 0, 3);
    tvm_callb(p, m, 2, B_EXIT, 0, 1, INTS);
    tvm_abx(m, 3, OP_LOADI, 0, 4);
    tvm_callb(p, m, 3, B_PRINT, 0, 1, INTS);
    tvm_abc(m, 4, OP_RETURN0, 0, 0, 0);
    expect_both(p, 3, "42\n", "");
    vm_program_free(p);
}

/* ---- The collector contract. ---- */

/* R0 = new Point; remember(R0); R1 = 0; gc() with R0 named live or not;
 * alive() tells whether the object survived. */
static vm_program *dead_register_program(bool r0_live)
{
    vm_program *p = tvm_program();
    int32_t pt;
    int32_t s = point_struct(p, &pt);
    vm_proto *m = tvm_main(p, 4);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 1, OP_NEWSTRUCT, 0, s), NULL, 0);
    tvm_abc(m, 2, OP_MOV, 1, 0, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 2, B_REMEMBER, 1, 1, NULL),
                      r0_live ? (int[]){0, 1} : (int[]){1}, r0_live ? 2 : 1);
    tvm_abx(m, 3, OP_LOADI, 1, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 4, B_GC, 2, 0, NULL), (int[]){0}, r0_live);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 5, B_ALIVE, 2, 0, NULL), (int[]){0}, r0_live);
    tvm_callb(p, m, 6, B_PRINT, 2, 1, (int32_t[]){T_BOOL});
    tvm_abc(m, 7, OP_RETURN0, 0, 0, 0);
    return p;
}

static void test_dead_register_is_not_a_root(void)
{
    vm_program *p = dead_register_program(false);
    tvm_run r = tvm_exec(p, false, 0, 0);
    /* The stale pointer is still in R0, but the map says R0 is dead. */
    EXPECT_RUN(r, 0, "false\n", "");
    CU_ASSERT(r.frees >= 1);
    tvm_run_free(&r);
    vm_program_free(p);

    p = dead_register_program(true);
    r = tvm_exec(p, false, 0, 0);
    EXPECT_RUN(r, 0, "true\n", "");
    tvm_run_free(&r);
    vm_program_free(p);
}

/* A loop that neither calls nor allocates still answers the collector:
 * FORLOOP and JMPBACK poll, and so does a call; straight-line code
 * (between two builtins) does not. */
static void test_safepoint_polls(void)
{
    for (int kind = 0; kind < 4; kind++) {
        vm_program *p = tvm_program();
        int32_t fi = vm_add_proto(p, "f", 1, 1);
        tvm_abc(p->protos[fi], 20, OP_RETURN0, 0, 0, 0);
        vm_proto *m = tvm_main(p, 4);
        tvm_callb(p, m, 1, B_ARM, 0, 0, NULL);
        switch (kind) {
        case 0: /* for i in 0..2 {} */
            tvm_abx(m, 2, OP_LOADI, 1, 0);
            tvm_abx(m, 2, OP_LOADI, 2, 2);
            tvm_abx(m, 2, OP_FORPREP, 1, 2);
            tvm_abx(m, 3, OP_LOADI, 0, 0);
            vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 2, OP_FORLOOP, 1, 2), NULL, 0);
            break;
        case 1: { /* i = 0; while true { i += 1; if i >= 3 { break } } */
            tvm_abx(m, 2, OP_LOADI, 1, 0);
            int top = tvm_abc(m, 3, OP_ADDIK, 1, 1, 1);
            tvm_abc(m, 3, OP_IFLTIK, 1, 3, 0);
            tvm_jmp(m, 3, 1);
            int back = vm_emit(m, VM_SJ_(OP_JMPBACK, top - ((int)m->ncode + 1)), 3);
            vm_stackmap_slots(m, (uint32_t)back, NULL, 0);
            break;
        }
        case 2: /* f(5) */
            tvm_abx(m, 2, OP_LOADI, 1, 5);
            vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 2, OP_CALL, 1, fi), NULL, 0);
            break;
        default: /* nothing that polls */
            tvm_abx(m, 2, OP_LOADI, 1, 5);
            break;
        }
        tvm_callb(p, m, 4, B_POLLED, 0, 0, NULL);
        tvm_callb(p, m, 4, B_PRINT, 0, 1, INTS);
        tvm_abc(m, 5, OP_RETURN0, 0, 0, 0);
        expect_both(p, 0, kind < 3 ? "1\n" : "0\n", "");
        vm_program_free(p);
    }
}

/* p = Point{77, Point{88}}; churn(50) allocates at every step under
 * gcstress; p and what it points to must come back intact. */
static void test_live_across_call(void)
{
    vm_program *p = tvm_program();
    int32_t pt;
    int32_t s = point_struct(p, &pt);
    int32_t ci = vm_add_proto(p, "churn", 1, 4);
    vm_proto *c = p->protos[ci];
    tvm_abx(c, 10, OP_LOADI, 1, 0);
    tvm_abc(c, 10, OP_MOV, 2, 0, 0);
    tvm_abx(c, 10, OP_FORPREP, 1, 2);
    vm_stackmap_slots(c, (uint32_t)tvm_abx(c, 11, OP_NEWSTRUCT, 0, s), NULL, 0);
    vm_stackmap_slots(c, (uint32_t)tvm_abx(c, 10, OP_FORLOOP, 1, 2), NULL, 0);
    tvm_abc(c, 12, OP_RETURN0, 0, 0, 0);

    vm_proto *m = tvm_main(p, 6);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 1, OP_NEWSTRUCT, 0, s), NULL, 0);
    tvm_abx(m, 1, OP_LOADI, 1, 77);
    tvm_abc(m, 1, OP_SETFIELD, 0, 0, 1);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 2, OP_NEWSTRUCT, 2, s), (int[]){0}, 1);
    tvm_abc(m, 2, OP_SETFIELDP, 0, 1, 2);
    tvm_abx(m, 2, OP_LOADI, 1, 88);
    tvm_abc(m, 2, OP_SETFIELD, 2, 0, 1);
    tvm_abx(m, 3, OP_LOADI, 3, 50);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 3, OP_CALL, 3, ci), (int[]){0}, 1);
    tvm_abx(m, 4, OP_LOADI, 3, 50);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 4, B_GARBAGE, 3, 1, NULL), (int[]){0}, 1);
    tvm_abc(m, 5, OP_GETFIELD, 4, 0, 0);
    tvm_abc(m, 5, OP_GETFIELD, 5, 0, 1);
    tvm_abc(m, 5, OP_GETFIELD, 5, 5, 0);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 6, B_VERIFY, 3, 0, NULL), (int[]){0}, 1);
    tvm_callb(p, m, 6, B_PRINT, 3, 3, INTS);
    tvm_abc(m, 7, OP_RETURN0, 0, 0, 0);
    tvm_run r = tvm_exec(p, true, 0, 0);
    EXPECT_RUN(r, 0, "0 77 88\n", "");
    CU_ASSERT(r.num_gc >= 100);
    CU_ASSERT(r.frees >= 100);
    tvm_run_free(&r);
    vm_program_free(p);
}

/* deep(n): each frame holds a Point live across its recursive call, in a
 * 200-slot window, so the value stack is reallocated on the way down. */
static void test_deep_frames_and_stack_growth(void)
{
    vm_program *p = tvm_program();
    int32_t pt;
    int32_t s = point_struct(p, &pt);
    int32_t di = vm_add_proto(p, "deep", 1, 200);
    vm_proto *d = p->protos[di];
    vm_stackmap_slots(d, (uint32_t)tvm_abx(d, 1, OP_NEWSTRUCT, 1, s), NULL, 0);
    tvm_abc(d, 1, OP_SETFIELD, 1, 0, 0);
    tvm_abc(d, 2, OP_IFGTIK, 0, 0, 0);
    tvm_jmp(d, 2, 5);
    tvm_abc(d, 3, OP_ADDIK, 199, 0, (uint8_t)-1);
    vm_stackmap_slots(d, (uint32_t)tvm_abx(d, 3, OP_CALL, 199, di), (int[]){1}, 1);
    tvm_abc(d, 3, OP_GETFIELD, 2, 1, 0);
    tvm_abc(d, 3, OP_ADDI, 199, 199, 2);
    tvm_abc(d, 3, OP_RETURN, 199, 0, 0);
    vm_stackmap_slots(d, (uint32_t)tvm_callb(p, d, 4, B_GC, 2, 0, NULL), (int[]){1}, 1);
    tvm_abc(d, 4, OP_GETFIELD, 2, 1, 0);
    tvm_abc(d, 4, OP_RETURN, 2, 0, 0);
    vm_proto *m = tvm_main(p, 1);
    tvm_abx(m, 9, OP_LOADI, 0, 2000);
    vm_stackmap_slots(m, (uint32_t)tvm_abx(m, 9, OP_CALL, 0, di), NULL, 0);
    tvm_callb(p, m, 9, B_PRINT, 0, 1, INTS);
    tvm_abc(m, 9, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "2001000\n", "");
    vm_program_free(p);
}

static void test_globals_are_roots(void)
{
    vm_program *p = tvm_program();
    int32_t pt;
    int32_t s = point_struct(p, &pt);
    vm_add_global(p, "counter", T_INT);
    int32_t g = vm_add_global(p, "origin", pt);
    int32_t ii = p->init_proto = vm_add_proto(p, "init", 0, 2);
    vm_proto *in = p->protos[ii];
    vm_stackmap_slots(in, (uint32_t)tvm_abx(in, 1, OP_NEWSTRUCT, 0, s), NULL, 0);
    tvm_abx(in, 1, OP_LOADI, 1, 5);
    tvm_abc(in, 1, OP_SETFIELD, 0, 0, 1);
    tvm_abx(in, 1, OP_SETGLOBAL, 0, g);
    tvm_abx(in, 1, OP_SETGLOBAL, 1, 0);
    tvm_abc(in, 1, OP_RETURN0, 0, 0, 0);
    vm_proto *m = tvm_main(p, 3);
    tvm_callb(p, m, 2, B_GARBAGE, 0, 1, NULL);
    tvm_callb(p, m, 2, B_GC, 0, 0, NULL);
    tvm_abx(m, 3, OP_GETGLOBAL, 0, g);
    tvm_abc(m, 3, OP_GETFIELD, 1, 0, 0);
    tvm_abx(m, 3, OP_GETGLOBAL, 2, 0);
    tvm_callb(p, m, 3, B_PRINT, 1, 2, INTS);
    tvm_abc(m, 4, OP_RETURN0, 0, 0, 0);
    expect_both(p, 0, "5 5\n", "");
    CU_ASSERT_EQUAL(p->global_ptrmask[0], 0x2);
    vm_program_free(p);
}

static void test_verifier(void)
{
    char err[256];
    vm_program *p = tvm_program();
    int32_t pt;
    int32_t s = point_struct(p, &pt);
    vm_proto *m = tvm_main(p, 2);
    tvm_abx(m, 1, OP_NEWSTRUCT, 0, s);
    tvm_abc(m, 1, OP_RETURN0, 0, 0, 0);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 0 (NEWSTRUCT): safepoint without a stack map");
    CU_ASSERT_PTR_NULL(vm_new(p, NULL, err, sizeof err));
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abc(m, 1, OP_ADDI, 0, 1, 2);
    tvm_abc(m, 1, OP_RETURN0, 0, 0, 0);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 0 (ADDI): register out of range (frame has 2)");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abc(m, 1, OP_IFLTI, 0, 1, 0);
    tvm_abc(m, 1, OP_RETURN0, 0, 0, 0);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 0 (IFLTI): a test must be followed by JMP");
    vm_program_free(p);

    /* Every loop polls: a jump back is JMPBACK, a safepoint with a map. */
    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abc(m, 1, OP_ADDIK, 0, 0, 1);
    tvm_jmp(m, 1, -2);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 1 (JMP): a jump back must be JMPBACK (loops poll)");
    vm_program_free(p);
    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abc(m, 1, OP_ADDIK, 0, 0, 1);
    vm_emit(m, VM_SJ_(OP_JMPBACK, -2), 1);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 1 (JMPBACK): safepoint without a stack map");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_jmp(m, 1, 5);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 0 (JMP): jump target 6 out of range");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    tvm_abx(m, 1, OP_LOADI, 0, 1);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main: code does not end with RETURN or JMP");
    vm_program_free(p);

    p = tvm_program();
    m = tvm_main(p, 2);
    vm_stackmap_slots(m, (uint32_t)tvm_callb(p, m, 1, B_GC, 0, 0, NULL), (int[]){5}, 1);
    tvm_abc(m, 1, OP_RETURN0, 0, 0, 0);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main pc 0 (CALLB): stack map names slot 5 outside the frame");
    vm_program_free(p);
}

/* A main of n instructions: n - 1 zero words (MOV R0 R0) and RETURN0.
 * The code is calloc'd rather than emitted one by one: its pages are only
 * read, so a function at the instruction limit stays cheap. */
static vm_program *long_main(uint32_t n)
{
    vm_program *p = tvm_program();
    vm_proto *m = tvm_main(p, 1);
    m->code = calloc(n, sizeof *m->code);
    m->lines = calloc(n, sizeof *m->lines);
    CU_ASSERT_FATAL(m->code && m->lines);
    m->capcode = n;
    m->ncode = n - 1;
    CU_ASSERT_EQUAL(tvm_abc(m, 1, OP_RETURN0, 0, 0, 0), (int)(n - 1));
    return p;
}

static void test_instruction_limit(void)
{
    char err[256];
    vm_program *p = long_main(VM_MAX_CODE);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), 0);
    tvm_run r = tvm_exec(p, false, 0, 0);
    EXPECT_RUN(r, 0, "", "");
    tvm_run_free(&r);
    vm_program_free(p);

    p = long_main(VM_MAX_CODE + 1);
    CU_ASSERT_EQUAL(vm_program_finish(p, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "main: 4194305 instructions (at most 4194304)");
    vm_program_free(p);
}

/* The type lists are filled up to EXTRAARG's largest Ax with empty lists
 * (zero words, calloc'd and never touched) instead of 2^24 calls. */
static void test_typelist_limit(void)
{
    char err[256];
    vm_program *p = tvm_program();
    free(p->typelists);
    p->captypelists = VM_MAXARG_AX + 16;
    p->typelists = calloc(p->captypelists, sizeof *p->typelists);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->typelists);
    p->ntypelists = VM_MAXARG_AX;
    vm_proto *m = tvm_main(p, 1);
    tvm_abx(m, 1, OP_LOADI, 0, 7);
    int pc = tvm_callb(p, m, 1, B_PRINT, 0, 1, INTS);
    CU_ASSERT_EQUAL(VM_AX(m->code[pc + 1]), VM_MAXARG_AX);
    CU_ASSERT_EQUAL(p->ntypelists, VM_MAXARG_AX + 2);
    /* One past: refused, nothing added. */
    CU_ASSERT_EQUAL(vm_add_typelist(p, INTS, 1), VM_TYPELIST_FULL);
    CU_ASSERT_EQUAL(p->ntypelists, VM_MAXARG_AX + 2);
    CU_ASSERT_FALSE(p->oom);
    tvm_abc(m, 1, OP_RETURN0, 0, 0, 0);
    CU_ASSERT_EQUAL_FATAL(vm_program_finish(p, err, sizeof err), 0);
    expect_both(p, 0, "7\n", "");
    vm_program_free(p);
}

static void test_grow_cap(void)
{
    CU_ASSERT_EQUAL(vm_grow_cap(0, UINT32_MAX, 4), 8);
    CU_ASSERT_EQUAL(vm_grow_cap(8, UINT32_MAX, 4), 16);
    CU_ASSERT_EQUAL(vm_grow_cap((size_t)1 << 31, UINT32_MAX, 1), 0);
    CU_ASSERT_EQUAL(vm_grow_cap((size_t)1 << 30, INT32_MAX, 1), 0);
    CU_ASSERT_EQUAL(vm_grow_cap((size_t)1 << 29, INT32_MAX, 1), (size_t)1 << 30);
    CU_ASSERT_EQUAL(vm_grow_cap(SIZE_MAX / 16 + 1, SIZE_MAX, 8), 0);
    CU_ASSERT_EQUAL(vm_grow_cap(4, 6, 1), 0);
}

static void test_stackmap_dedup_and_lookup(void)
{
    vm_program *p = tvm_program();
    vm_proto *m = tvm_proto(p, vm_add_proto(p, "f", 0, 40));
    for (uint32_t pc = 0; pc < 100; pc += 10)
        vm_stackmap_slots(m, pc, (int[]){(int)(pc / 10) % 3, 33}, 2);
    vm_stackmap_slots(m, 5, (int[]){7}, 1); /* out of order */
    CU_ASSERT_EQUAL(m->nsp, 11);
    CU_ASSERT_EQUAL(m->nmaps, 4);
    for (uint32_t j = 1; j < m->nsp; j++)
        CU_ASSERT(m->sp_pc[j - 1] < m->sp_pc[j]);
    const uint8_t *b = vm_proto_stackmap(m, 40);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b[0], 1u << 1);
    CU_ASSERT_EQUAL(b[4], 1u << 1);
    CU_ASSERT_EQUAL(vm_proto_stackmap(m, 5)[0], 1u << 7);
    CU_ASSERT_PTR_NULL(vm_proto_stackmap(m, 41));
    CU_ASSERT_PTR_NULL(vm_proto_stackmap(m, 1000));
    vm_program_free(p);
}

static void test_disasm(void)
{
    vm_program *p = dead_register_program(false);
    char err[128];
    CU_ASSERT_EQUAL_FATAL(vm_program_finish(p, err, sizeof err), 0);
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    vm_disasm_program(f, p);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "fn main: 0 params, 4 registers, 12 instructions"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "    0  [   1] NEWSTRUCT  0 0\t; Point\t; live {}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "    2  [   2] CALLB      1 2 1\t; remember\t; live {1}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "    3  [   2] EXTRAARG   0\n"));
    free(text);
    vm_program_free(p);
}

static void test_opcode_tables(void)
{
    CU_ASSERT_STRING_EQUAL(vm_opnames[OP_MOV], "MOV");
    CU_ASSERT_STRING_EQUAL(vm_opnames[OP_RETURN0], "RETURN0");
    CU_ASSERT_EQUAL(vm_opformats[OP_JMP], VM_FMT_isJ);
    CU_ASSERT_EQUAL(vm_opformats[OP_LOADI], VM_FMT_iAsBx);
    CU_ASSERT(vm_op_safepoint(OP_CALL) && vm_op_safepoint(OP_NEWSTRUCT) && !vm_op_safepoint(OP_ADDI));
    vm_instr i = VM_ABC(OP_ADDIK, 1, 2, (uint8_t)-3);
    CU_ASSERT_EQUAL(VM_OP(i), OP_ADDIK);
    CU_ASSERT_EQUAL(VM_A(i), 1);
    CU_ASSERT_EQUAL(VM_B(i), 2);
    CU_ASSERT_EQUAL(VM_SC(i), -3);
    CU_ASSERT_EQUAL(VM_SBX(VM_ASBX(OP_LOADI, 0, -32768)), -32768);
    CU_ASSERT_EQUAL(VM_BX(VM_ABX(OP_LOADK, 0, 65535)), 65535);
    CU_ASSERT_EQUAL(VM_SJ(VM_SJ_(OP_JMP, -8388608)), -8388608);
    CU_ASSERT_EQUAL(VM_SJ(VM_SJ_(OP_JMP, 8388607)), 8388607);
}

static CU_TestInfo vm_tests[] = {
    {"opcode_tables", test_opcode_tables},
    {"arith", test_arith},
    {"loops", test_loops},
    {"fib", test_fib},
    {"closures", test_closures},
    {"structs", test_structs},
    {"arrays", test_arrays},
    {"maps", test_maps},
    {"strings_and_tests", test_strings_and_tests},
    {"error_div_zero", test_error_div_zero},
    {"error_nil_and_bounds", test_error_nil_and_bounds},
    {"error_stack_overflow", test_error_stack_overflow},
    {"error_oom_and_steps", test_error_oom_and_steps},
    {"exit", test_exit},
    {"dead_register_is_not_a_root", test_dead_register_is_not_a_root},
    {"live_across_call", test_live_across_call},
    {"safepoint_polls", test_safepoint_polls},
    {"deep_frames_and_stack_growth", test_deep_frames_and_stack_growth},
    {"globals_are_roots", test_globals_are_roots},
    {"verifier", test_verifier},
    {"instruction_limit", test_instruction_limit},
    {"typelist_limit", test_typelist_limit},
    {"grow_cap", test_grow_cap},
    {"stackmap_dedup_and_lookup", test_stackmap_dedup_and_lookup},
    {"disasm", test_disasm},
    {"movestack", test_movestack},
    {"options_from_env", test_options_from_env},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    CU_SuiteInfo suites[] = {
        {"vm", NULL, NULL, NULL, NULL, vm_tests},
        {"vm-format", NULL, NULL, NULL, NULL, vm_format_tests},
        {"vm-map", NULL, NULL, NULL, NULL, vm_map_tests},
        CU_SUITE_INFO_NULL,
    };
    const char *name = strcmp(vm_dispatch, "switch") == 0 ? "vm-switch" : "vm";
    return unit_main(name, suites, argc, argv);
}
