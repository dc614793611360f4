/*
 * vmbench.c: the interpreter against Lua 5.4 on the same programs, before
 * the compiler exists: fib and binary-trees are assembled by hand with the
 * builder in vm.h (what lang/compile.c emits for the same toy sources,
 * examples/fib.toy and examples/binary_trees.toy), run on alloc, and timed in CPU seconds next to lua5.4
 * running the same algorithms. Prints the best of REPS runs and ratios
 * (lua / toy, so > 1 means toy is faster); both outputs must agree.
 *
 *   vmbench [REPS [FIB_N [TREES_DEPTH]]]
 */
#include "vm/object.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int b_print(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    vm_buf b;
    vm_buf_init(&b);
    vm_format_print(&b, vm_get_program(V), args, nargs, types);
    fwrite(b.data, 1, b.len, vm_out(V));
    vm_buf_free(&b);
    return 0;
}

static const vm_builtin builtins[] = {{"print", b_print}};

static void E(vm_proto *f, vm_instr i) { vm_emit(f, i, 1); }
/* Emit a safepoint with its live reference slots. */
static void S(vm_proto *f, vm_instr i, const int *live, int n)
{
    vm_stackmap_slots(f, (uint32_t)vm_emit(f, i, 1), live, n);
}

static void print_call(vm_program *p, vm_proto *f, int a, int n, const int32_t *types,
                       const int *live, int nlive)
{
    S(f, VM_ABC(OP_CALLB, a, 0, n), live, nlive);
    E(f, VM_AX_(OP_EXTRAARG, vm_add_typelist(p, types, n)));
}

static vm_program *new_program(const char *name)
{
    vm_program *p = vm_program_new(name);
    vm_add_builtin(p, builtins[0].name);
    vm_add_rtype(p, VM_KINT, 0, 0);
    return p;
}

/* fn fib(n: int) -> int { if n < 2 { return n } return fib(n-1) + fib(n-2) } */
static vm_program *fib_program(int n)
{
    vm_program *p = new_program("fib.toy");
    int32_t fi = vm_add_proto(p, "fib", 1, 3);
    vm_proto *f = p->protos[fi];
    E(f, VM_ABC(OP_IFLTIK, 0, 2, 0));
    E(f, VM_SJ_(OP_JMP, 1));
    E(f, VM_ABC(OP_RETURN, 0, 0, 0));
    E(f, VM_ABC(OP_ADDIK, 1, 0, (uint8_t)-1));
    S(f, VM_ABX(OP_CALL, 1, fi), NULL, 0);
    E(f, VM_ABC(OP_ADDIK, 2, 0, (uint8_t)-2));
    S(f, VM_ABX(OP_CALL, 2, fi), NULL, 0);
    E(f, VM_ABC(OP_ADDI, 0, 1, 2));
    E(f, VM_ABC(OP_RETURN, 0, 0, 0));
    p->main_proto = vm_add_proto(p, "main", 0, 1);
    vm_proto *m = p->protos[p->main_proto];
    E(m, VM_ABX(OP_LOADI, 0, n));
    S(m, VM_ABX(OP_CALL, 0, fi), NULL, 0);
    int32_t t = 0;
    print_call(p, m, 0, 1, &t, NULL, 0);
    E(m, VM_ABC(OP_RETURN0, 0, 0, 0));
    return p;
}

/* The binary-trees of examples/binary_trees.toy, with the benchmarks game's
 * driver: a stretch tree, a long-lived tree, then 2^(max-d+4) trees of
 * each depth d = 4, 6, ..., max. */
static vm_program *trees_program(int maxd)
{
    vm_program *p = new_program("trees.toy");
    int32_t s = vm_add_struct(p, "Node");
    int32_t nt = vm_add_rtype(p, VM_KSTRUCT, s, 0);
    vm_add_field(p, s, "left", nt);
    vm_add_field(p, s, "right", nt);
    vm_add_field(p, s, "item", 0);
    int32_t bi = vm_add_proto(p, "bottom_up", 1, 4);
    int32_t ci = vm_add_proto(p, "check", 1, 3);
    vm_proto *b = p->protos[bi], *c = p->protos[ci];
    int one = 1, two = 2, zero = 0;
    (void)zero;
    S(b, VM_ABX(OP_NEWSTRUCT, 1, s), NULL, 0);
    E(b, VM_ABC(OP_SETFIELD, 1, 2, 0));
    E(b, VM_ABC(OP_IFGTIK, 0, 0, 0));
    E(b, VM_SJ_(OP_JMP, 6));
    E(b, VM_ABC(OP_ADDIK, 2, 0, (uint8_t)-1));
    S(b, VM_ABX(OP_CALL, 2, bi), &one, 1);
    E(b, VM_ABC(OP_SETFIELD, 1, 0, 2));
    E(b, VM_ABC(OP_ADDIK, 2, 0, (uint8_t)-1));
    S(b, VM_ABX(OP_CALL, 2, bi), &one, 1);
    E(b, VM_ABC(OP_SETFIELD, 1, 1, 2));
    E(b, VM_ABC(OP_RETURN, 1, 0, 0));

    E(c, VM_ABC(OP_GETFIELD, 1, 0, 0));
    E(c, VM_ABC(OP_IFNIL, 1, 0, 1));
    E(c, VM_SJ_(OP_JMP, 6));
    S(c, VM_ABX(OP_CALL, 1, ci), (int[]){0}, 1);
    E(c, VM_ABC(OP_GETFIELD, 2, 0, 1));
    S(c, VM_ABX(OP_CALL, 2, ci), NULL, 0);
    E(c, VM_ABC(OP_ADDI, 1, 1, 2));
    E(c, VM_ABC(OP_ADDIK, 1, 1, 1));
    E(c, VM_ABC(OP_RETURN, 1, 0, 0));
    E(c, VM_ABX(OP_LOADI, 1, 1));
    E(c, VM_ABC(OP_RETURN, 1, 0, 0));

    p->main_proto = vm_add_proto(p, "main", 0, 12);
    vm_proto *m = p->protos[p->main_proto];
    int32_t ints[3] = {0, 0, 0};
    E(m, VM_ABX(OP_LOADI, 0, maxd));
    E(m, VM_ABC(OP_ADDIK, 1, 0, 1));
    S(m, VM_ABX(OP_CALL, 1, bi), NULL, 0);
    S(m, VM_ABX(OP_CALL, 1, ci), NULL, 0);
    print_call(p, m, 1, 1, ints, NULL, 0);
    E(m, VM_ABC(OP_MOV, 2, 0, 0));
    S(m, VM_ABX(OP_CALL, 2, bi), NULL, 0);
    E(m, VM_ABX(OP_LOADI, 3, 4));
    int top = (int)m->ncode;
    E(m, VM_ABC(OP_IFLEI, 3, 0, 0));
    int exitj = (int)m->ncode;
    E(m, VM_SJ_(OP_JMP, 0));
    E(m, VM_ABC(OP_SUBI, 4, 0, 3));
    E(m, VM_ABC(OP_ADDIK, 4, 4, 4));
    E(m, VM_ABX(OP_LOADI, 5, 1));
    E(m, VM_ABC(OP_SHL, 5, 5, 4));
    E(m, VM_ABX(OP_LOADI, 6, 0));
    E(m, VM_ABX(OP_LOADI, 7, 0));
    E(m, VM_ABC(OP_MOV, 8, 5, 0));
    E(m, VM_ABX(OP_FORPREP, 7, 5));
    E(m, VM_ABC(OP_MOV, 10, 3, 0));
    S(m, VM_ABX(OP_CALL, 10, bi), &two, 1);
    S(m, VM_ABX(OP_CALL, 10, ci), &two, 1);
    E(m, VM_ABC(OP_ADDI, 6, 6, 10));
    S(m, VM_ABX(OP_FORLOOP, 7, 5), &two, 1);
    E(m, VM_ABC(OP_MOV, 9, 5, 0));
    E(m, VM_ABC(OP_MOV, 10, 3, 0));
    E(m, VM_ABC(OP_MOV, 11, 6, 0));
    print_call(p, m, 9, 3, ints, &two, 1);
    E(m, VM_ABC(OP_ADDIK, 3, 3, 2));
    int back = (int)m->ncode;
    S(m, VM_SJ_(OP_JMPBACK, top - (back + 1)), &two, 1);
    m->code[exitj] = VM_SJ_(OP_JMP, (int)m->ncode - (exitj + 1));
    E(m, VM_ABC(OP_MOV, 3, 2, 0));
    S(m, VM_ABX(OP_CALL, 3, ci), NULL, 0);
    print_call(p, m, 3, 1, ints, NULL, 0);
    E(m, VM_ABC(OP_RETURN0, 0, 0, 0));
    return p;
}

static const char *lua_fib =
    "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end "
    "print(fib(%d))";
static const char *lua_trees =
    "local function bottom_up(d) local n = {item = d} "
    "if d > 0 then n.left = bottom_up(d-1); n.right = bottom_up(d-1) end return n end "
    "local function check(n) if n.left == nil then return 1 end "
    "return 1 + check(n.left) + check(n.right) end "
    "local max = %d print(check(bottom_up(max+1))) local long = bottom_up(max) "
    "for d = 4, max, 2 do local it = 1 << (max - d + 4) local c = 0 "
    "for i = 1, it do c = c + check(bottom_up(d)) end print(it, d, c) end "
    "print(check(long))";

/* Runs p, its output into out (size outsz); CPU seconds or -1. */
static double run_toy(vm_program *p, char *out, size_t outsz)
{
    FILE *f = fmemopen(out, outsz, "w");
    vm_options o;
    vm_options_default(&o);
    o.builtins = builtins;
    o.nbuiltins = 1;
    o.out = f;
    char err[256];
    vm_state *V = vm_new(p, &o, err, sizeof err);
    if (!V) {
        fprintf(stderr, "vmbench: %s\n", err);
        fclose(f);
        return -1;
    }
    double t0 = cpu_now();
    int st = vm_run(V, 0, NULL);
    double t = cpu_now() - t0;
    vm_free(V);
    fclose(f);
    return st == 0 ? t : -1;
}

static double run_lua(const char *script, char *out, size_t outsz)
{
    char path[] = "/tmp/vmbenchXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fputs(script, f);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "lua5.4 %s", path);
    double t0 = children_cpu();
    FILE *pipe = popen(cmd, "r");
    size_t n = pipe ? fread(out, 1, outsz - 1, pipe) : 0;
    out[n] = '\0';
    int st = pipe ? pclose(pipe) : -1;
    double t = children_cpu() - t0;
    remove(path);
    return st == 0 ? t : -1;
}

/* Lua prints "a\tb"; toy prints "a b". */
static void tabs_to_spaces(char *s)
{
    for (; *s; s++)
        if (*s == '\t')
            *s = ' ';
}

static int bench(const char *name, vm_program *p, const char *lua, int reps)
{
    static char tout[1 << 16], lout[1 << 16];
    double bt = 1e9, bl = 1e9;
    for (int r = 0; r < reps; r++) {
        double t = run_toy(p, tout, sizeof tout);
        double l = run_lua(lua, lout, sizeof lout);
        if (t < 0 || l < 0) {
            fprintf(stderr, "vmbench: %s failed to run\n", name);
            return 1;
        }
        bt = t < bt ? t : bt;
        bl = l < bl ? l : bl;
    }
    tabs_to_spaces(lout);
    if (strcmp(tout, lout) != 0) {
        fprintf(stderr, "vmbench: %s: outputs differ\n--- toy\n%s--- lua\n%s", name, tout, lout);
        return 1;
    }
    printf("%-22s toy %7.3f s   lua5.4 %7.3f s   lua/toy %5.2fx\n", name, bt, bl, bl / bt);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    int fibn = argc > 2 ? atoi(argv[2]) : 32;
    int depth = argc > 3 ? atoi(argv[3]) : 16;
    char name[64], script[1024];
    int bad = 0;
    printf("vm/bench: CPU seconds, best of %d; hand-assembled bytecode on alloc\n", reps);
    vm_program *p = fib_program(fibn);
    snprintf(name, sizeof name, "fib(%d)", fibn);
    snprintf(script, sizeof script, lua_fib, fibn);
    bad |= bench(name, p, script, reps);
    vm_program_free(p);
    p = trees_program(depth);
    snprintf(name, sizeof name, "binary-trees(%d)", depth);
    snprintf(script, sizeof script, lua_trees, depth);
    bad |= bench(name, p, script, reps);
    vm_program_free(p);
    return bad;
}
