/*
 * test_stdlib.c: the stdlib suite. Every built-in body is called through
 * its table entry on a real VM and heap, with the argument and result
 * objects rooted as a frame's stack map would root them; a few programs
 * built by hand call them with CALLB through the interpreter. Edge cases:
 * empty strings, negative and out-of-range indexes, maps grown past
 * several resizes with deletes in between, float formatting (0.1+0.2,
 * 1e21, -0.0, nan, inf), bad input to the parsers, the random generator's
 * documented sequence, and the pointer maps of map storage.
 *
 * `test_stdlib --gcstress` runs the same tests with a collection at every
 * allocation and the checkmark walk after every mark (suite
 * stdlib-gcstress; the make target also sets TOYDEBUG to the same, which
 * every test VM reads): a body that keeps an unrooted object across a
 * second allocation fails there.
 */
#include "stdlib/stdlib.h"
#include "tests/unit/unit.h"
#include "vm/object.h"
#include "vm/vmint.h" /* errmsg and exit_code, to check the messages */

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Set once by main from --gcstress, before any test runs. */
static bool stress;

/* rtypes every test VM has, in this order. */
enum {
    R_INT, R_FLOAT, R_BOOL, R_STRING, R_VOID,
    R_AINT, R_AFLOAT, R_ASTR, R_AAINT, /* [int] [float] [string] [[int]] */
    R_MSI, R_MIS, R_MBI, R_MII,        /* map[string]int map[int]string map[bool]int map[int]int */
    R_NODE, R_MSN, R_MIN, R_ANODE,     /* Node map[string]Node map[int]Node [Node] */
    R_ABOOL, R_GCSTATS, R_NRTYPES
};

typedef struct ctx {
    vm_program *p;
    vm_state *V;
    FILE *out, *err;
    char *outbuf, *errbuf;
    size_t outlen, errlen;
} ctx;

/* The built-in list a compiled program carries: stdlib's, in order. */
static void std_add_builtins(vm_program *p)
{
    for (int j = 0; j < std_builtin_count; j++)
        vm_add_builtin(p, std_builtin_table[j].name);
}

static vm_program *std_program(void)
{
    vm_program *p = vm_program_new("t.toy");
    std_add_builtins(p);
    vm_add_rtype(p, VM_KINT, 0, 0);
    vm_add_rtype(p, VM_KFLOAT, 0, 0);
    vm_add_rtype(p, VM_KBOOL, 0, 0);
    vm_add_rtype(p, VM_KSTRING, 0, 0);
    vm_add_rtype(p, VM_KVOID, 0, 0);
    vm_add_rtype(p, VM_KARRAY, R_INT, 0);
    vm_add_rtype(p, VM_KARRAY, R_FLOAT, 0);
    vm_add_rtype(p, VM_KARRAY, R_STRING, 0);
    vm_add_rtype(p, VM_KARRAY, R_AINT, 0);
    vm_add_rtype(p, VM_KMAP, R_STRING, R_INT);
    vm_add_rtype(p, VM_KMAP, R_INT, R_STRING);
    vm_add_rtype(p, VM_KMAP, R_BOOL, R_INT);
    vm_add_rtype(p, VM_KMAP, R_INT, R_INT);
    int32_t node = vm_add_struct(p, "Node");
    vm_add_rtype(p, VM_KSTRUCT, node, 0);
    vm_add_field(p, node, "left", R_NODE);
    vm_add_field(p, node, "right", R_NODE);
    vm_add_field(p, node, "item", R_INT);
    vm_add_rtype(p, VM_KMAP, R_STRING, R_NODE);
    vm_add_rtype(p, VM_KMAP, R_INT, R_NODE);
    vm_add_rtype(p, VM_KARRAY, R_NODE, 0);
    vm_add_rtype(p, VM_KARRAY, R_BOOL, 0);
    /* The prelude's struct, as the compiler declares it. */
    int32_t gs = vm_add_struct(p, "GCStats");
    int32_t r = vm_add_rtype(p, VM_KSTRUCT, gs, 0);
    CU_ASSERT_EQUAL(r, R_GCSTATS);
    const char *names[] = {"num_gc", "heap_alloc", "heap_live", "heap_goal",
                           "total_alloc", "mallocs", "frees", "pause_total_ns"};
    for (int j = 0; j < 8; j++)
        vm_add_field(p, gs, names[j], R_INT);
    CU_ASSERT_EQUAL(p->nrtypes, R_NRTYPES);
    return p;
}

static void vm_options_for_test(vm_options *o, ctx *c)
{
    vm_options_default(o);
    o->builtins = std_vm_builtins;
    o->nbuiltins = STD_NUM_BUILTINS;
    o->out = c->out;
    o->err = c->err;
    /* TOYDEBUG and friends apply as they do to `toy run`. */
    char err[256];
    if (gc_options_from_env(&o->gc, err, sizeof err) != 0)
        fprintf(stderr, "test_stdlib: %s\n", err);
    if (stress) {
        o->gc.debug.gcstress = 1;
        o->gc.debug.gccheckmark = 1;
    }
}

/* A VM on p (a main that returns at once is added when p has none). */
static void ctx_open_program(ctx *c, vm_program *p)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    if (p->main_proto < 0) {
        p->main_proto = vm_add_proto(p, "main", 0, 1);
        vm_emit(p->protos[p->main_proto], VM_ABC(OP_RETURN0, 0, 0, 0), 1);
    }
    c->out = open_memstream(&c->outbuf, &c->outlen);
    c->err = open_memstream(&c->errbuf, &c->errlen);
    vm_options o;
    vm_options_for_test(&o, c);
    char msg[256] = "";
    c->V = vm_new(p, &o, msg, sizeof msg);
    if (!c->V)
        fprintf(stderr, "vm_new: %s\n", msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->V);
}

static void ctx_open(ctx *c) { ctx_open_program(c, std_program()); }

static void ctx_close(ctx *c)
{
    if (c->V) {
        gc_collect(vm_heap(c->V));
        CU_ASSERT_EQUAL(gc_verify(vm_heap(c->V)), 0);
    }
    vm_free(c->V);
    vm_program_free(c->p);
    fclose(c->out);
    fclose(c->err);
    free(c->outbuf);
    free(c->errbuf);
}

static bool is_object(ctx *c, vm_value v)
{
    return v.p && gc_find_object(vm_heap(c->V), v.p) == v.p;
}

/* Calls builtin b as CALLB would: the argument slots are roots while it
 * runs (here on the VM's temporary roots); a reference result stays
 * rooted until the test's VM is freed. Returns the body's status. args[0]
 * is read afterwards even when the body returns nothing, so result slots
 * start zeroed. */
static int call(ctx *c, int b, vm_value *args, int n, const int32_t *types)
{
    static const int32_t none[1] = {0};
    int pushed = 0;
    for (int j = 0; j < n; j++)
        if (is_object(c, args[j])) {
            vm_root_push(c->V, args[j].p);
            pushed++;
        }
    c->V->errmsg[0] = '\0';
    int r = std_vm_builtins[b].fn(c->V, args, n, types ? types : none);
    vm_root_pop(c->V, pushed);
    if (r == 0 && is_object(c, args[0]))
        vm_root_push(c->V, args[0].p);
    return r;
}

static vm_value I(int64_t i) { return (vm_value){.i = i}; }
static vm_value F(double f) { return (vm_value){.f = f}; }
static vm_value NIL(void) { return (vm_value){.p = NULL}; }

/* A rooted string. */
static vm_value S(ctx *c, const char *s)
{
    vm_string *x = vm_string_new(c->V, s, strlen(s));
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    vm_root_push(c->V, x);
    return (vm_value){.p = x};
}

static vm_value SN(ctx *c, const char *s, size_t n)
{
    vm_string *x = vm_string_new(c->V, s, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    vm_root_push(c->V, x);
    return (vm_value){.p = x};
}

/* Type lists: count, then one rtype per argument. */
#define T1(a) ((const int32_t[]){1, (a)})
#define T2(a, b) ((const int32_t[]){2, (a), (b)})
#define T3(a, b, c) ((const int32_t[]){3, (a), (b), (c)})

/* v formatted as str does, compared with want. */
static bool shows(ctx *c, vm_value v, int32_t rtype, const char *want)
{
    vm_buf b;
    vm_buf_init(&b);
    vm_format_value(&b, c->p, v, rtype, false);
    bool ok = b.data && strcmp(b.data, want) == 0;
    if (!ok)
        fprintf(stderr, "\n  got  %s\n  want %s\n", b.data ? b.data : "(null)", want);
    vm_buf_free(&b);
    return ok;
}

#define CALL_OK(c, b, args, n, types) CU_ASSERT_EQUAL_FATAL(call((c), (b), (args), (n), (types)), 0)
#define CALL_ERR(c, b, args, n, types, msg)                                    \
    do {                                                                       \
        CU_ASSERT_EQUAL(call((c), (b), (args), (n), (types)), -1);             \
        CU_ASSERT_STRING_EQUAL((c)->V->errmsg, (msg));                        \
        if (strcmp((c)->V->errmsg, (msg)))                                     \
            fprintf(stderr, "\n  got  %s\n  want %s\n", (c)->V->errmsg, (msg)); \
    } while (0)
#define STR_IS(v, want) \
    CU_ASSERT(vm_string_len((v).p) == (int64_t)strlen(want) && strcmp(vm_string_data((v).p), (want)) == 0)

/* ---- The tables. ---- */

static void test_tables(void)
{
    CU_ASSERT_EQUAL(std_builtin_count, STD_NUM_BUILTINS);
    for (int j = 0; j < std_builtin_count; j++) {
        CU_ASSERT_STRING_EQUAL(std_builtin_table[j].name, std_vm_builtins[j].name);
        CU_ASSERT_PTR_NOT_NULL(std_vm_builtins[j].fn);
    }
    CU_ASSERT_STRING_EQUAL(std_builtin_table[STD_B_print].name, "print");
    CU_ASSERT_STRING_EQUAL(std_builtin_table[STD_B_make].name, "make");
    CU_ASSERT_PTR_EQUAL(std_vm_builtins[STD_B_split].fn, std_split);
    vm_program *p = vm_program_new("x.toy");
    std_add_builtins(p);
    CU_ASSERT_EQUAL(p->nbuiltins, STD_NUM_BUILTINS);
    CU_ASSERT_STRING_EQUAL(p->builtin_names[STD_B_split], "split");
    vm_program_free(p);
}

/* ---- Strings. ---- */

static void test_substr(void)
{
    ctx c;
    ctx_open(&c);
    vm_value hello = S(&c, "hello");
    vm_value a[3] = {hello, I(1), I(3)};
    CALL_OK(&c, STD_B_substr, a, 3, NULL);
    STR_IS(a[0], "el");
    vm_value w[3] = {hello, I(0), I(5)};
    CALL_OK(&c, STD_B_substr, w, 3, NULL);
    CU_ASSERT_PTR_EQUAL(w[0].p, hello.p); /* the whole string is shared */
    vm_value e[3] = {hello, I(5), I(5)};
    CALL_OK(&c, STD_B_substr, e, 3, NULL);
    STR_IS(e[0], "");
    vm_value z[3] = {S(&c, ""), I(0), I(0)};
    CALL_OK(&c, STD_B_substr, z, 3, NULL);
    STR_IS(z[0], "");
    vm_value n0[3] = {NIL(), I(0), I(0)};
    CALL_OK(&c, STD_B_substr, n0, 3, NULL);
    CU_ASSERT_EQUAL(vm_string_len(n0[0].p), 0);
    vm_value b1[3] = {hello, I(-1), I(2)};
    CALL_ERR(&c, STD_B_substr, b1, 3, NULL, "substr: slice bounds out of range [-1:2] with length 5");
    vm_value b2[3] = {hello, I(3), I(2)};
    CALL_ERR(&c, STD_B_substr, b2, 3, NULL, "substr: slice bounds out of range [3:2] with length 5");
    vm_value b3[3] = {hello, I(0), I(6)};
    CALL_ERR(&c, STD_B_substr, b3, 3, NULL, "substr: slice bounds out of range [0:6] with length 5");
    vm_value b4[3] = {S(&c, ""), I(0), I(1)};
    CALL_ERR(&c, STD_B_substr, b4, 3, NULL, "substr: slice bounds out of range [0:1] with length 0");
    vm_value b5[3] = {hello, I(INT64_MIN), I(INT64_MAX)};
    CALL_ERR(&c, STD_B_substr, b5, 3, NULL,
             "substr: slice bounds out of range [-9223372036854775808:9223372036854775807] with length 5");
    ctx_close(&c);
}

static int64_t find(ctx *c, const char *s, const char *sub)
{
    vm_value a[2] = {S(c, s), S(c, sub)};
    CU_ASSERT_EQUAL(call(c, STD_B_find, a, 2, NULL), 0);
    return a[0].i;
}

static void test_find(void)
{
    ctx c;
    ctx_open(&c);
    CU_ASSERT_EQUAL(find(&c, "hello", "ll"), 2);
    CU_ASSERT_EQUAL(find(&c, "hello", "h"), 0);
    CU_ASSERT_EQUAL(find(&c, "hello", "o"), 4);
    CU_ASSERT_EQUAL(find(&c, "hello", "x"), -1);
    CU_ASSERT_EQUAL(find(&c, "hello", "hello!"), -1);
    CU_ASSERT_EQUAL(find(&c, "hello", ""), 0);
    CU_ASSERT_EQUAL(find(&c, "", ""), 0);
    CU_ASSERT_EQUAL(find(&c, "", "a"), -1);
    CU_ASSERT_EQUAL(find(&c, "abab", "ab"), 0);
    CU_ASSERT_EQUAL(find(&c, "aab", "ab"), 1);
    /* Embedded NULs are bytes like the others. */
    vm_value a[2] = {SN(&c, "a\0b\0c", 5), SN(&c, "\0c", 2)};
    CALL_OK(&c, STD_B_find, a, 2, NULL);
    CU_ASSERT_EQUAL(a[0].i, 3);
    vm_value n[2] = {NIL(), NIL()};
    CALL_OK(&c, STD_B_find, n, 2, NULL);
    CU_ASSERT_EQUAL(n[0].i, 0);
    ctx_close(&c);
}

static void expect_split(ctx *c, const char *s, const char *sep, const char *want)
{
    vm_value a[2] = {S(c, s), S(c, sep)};
    CU_ASSERT_EQUAL_FATAL(call(c, STD_B_split, a, 2, T2(R_STRING, R_STRING)), 0);
    CU_ASSERT(shows(c, a[0], R_ASTR, want));
    const vm_array *arr = a[0].p;
    CU_ASSERT_PTR_NOT_NULL(arr);
    CU_ASSERT_EQUAL(arr->elemref, 1);
}

static void test_split(void)
{
    ctx c;
    ctx_open(&c);
    expect_split(&c, "a,b,c", ",", "[\"a\", \"b\", \"c\"]");
    expect_split(&c, "a,b,,c,", ",", "[\"a\", \"b\", \"\", \"c\", \"\"]");
    expect_split(&c, ",", ",", "[\"\", \"\"]");
    expect_split(&c, "", ",", "[\"\"]");
    expect_split(&c, "abc", ",", "[\"abc\"]");
    expect_split(&c, "a::b::c", "::", "[\"a\", \"b\", \"c\"]");
    expect_split(&c, "aaa", "aa", "[\"\", \"a\"]");
    /* Empty separator: the bytes, one string each. */
    expect_split(&c, "abc", "", "[\"a\", \"b\", \"c\"]");
    expect_split(&c, "", "", "[]");
    expect_split(&c, "a\nb", "", "[\"a\", \"\\n\", \"b\"]");
    /* A long one, each piece a separate allocation (gcstress: each a
     * collection while the array holds the earlier pieces). */
    char big[2000];
    size_t n = 0;
    for (int j = 0; j < 300; j++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s%d", j ? "," : "", j);
    vm_value a[2] = {S(&c, big), S(&c, ",")};
    CALL_OK(&c, STD_B_split, a, 2, NULL);
    const vm_array *arr = a[0].p;
    CU_ASSERT_EQUAL_FATAL(arr->len, 300);
    bool all = true;
    for (int j = 0; j < 300; j++) {
        char want[8];
        snprintf(want, sizeof want, "%d", j);
        all &= strcmp(vm_string_data(arr->data[j].p), want) == 0;
    }
    CU_ASSERT_TRUE(all);
    ctx_close(&c);
}

static void test_join(void)
{
    ctx c;
    ctx_open(&c);
    vm_value a[2] = {S(&c, "a,b,,c"), S(&c, ",")};
    CALL_OK(&c, STD_B_split, a, 2, NULL);
    vm_value parts = a[0];
    vm_value j1[2] = {parts, S(&c, " + ")};
    CALL_OK(&c, STD_B_join, j1, 2, NULL);
    STR_IS(j1[0], "a + b +  + c");
    vm_value j2[2] = {parts, S(&c, "")};
    CALL_OK(&c, STD_B_join, j2, 2, NULL);
    STR_IS(j2[0], "abc");
    /* Empty and nil arrays; nil elements read as "". */
    vm_array *empty = vm_array_new(c.V, 0, true);
    vm_root_push(c.V, empty);
    vm_value j3[2] = {{.p = empty}, S(&c, ",")};
    CALL_OK(&c, STD_B_join, j3, 2, NULL);
    STR_IS(j3[0], "");
    vm_value j4[2] = {NIL(), S(&c, ",")};
    CALL_OK(&c, STD_B_join, j4, 2, NULL);
    STR_IS(j4[0], "");
    vm_array *holes = vm_array_new(c.V, 3, true);
    vm_root_push(c.V, holes);
    vm_write_pointer(c.V, &holes->data[1].p, S(&c, "x").p);
    vm_value j5[2] = {{.p = holes}, S(&c, "-")};
    CALL_OK(&c, STD_B_join, j5, 2, NULL);
    STR_IS(j5[0], "-x-");
    vm_value j6[2] = {{.p = holes}, NIL()};
    CALL_OK(&c, STD_B_join, j6, 2, NULL);
    STR_IS(j6[0], "x");
    /* split then join is the identity for a non-empty separator. */
    vm_value s[2] = {S(&c, ",,x,,y,,"), S(&c, ",,")};
    CALL_OK(&c, STD_B_split, s, 2, NULL);
    vm_value j7[2] = {s[0], S(&c, ",,")};
    CALL_OK(&c, STD_B_join, j7, 2, NULL);
    STR_IS(j7[0], ",,x,,y,,");
    ctx_close(&c);
}

static void test_chr_ord(void)
{
    ctx c;
    ctx_open(&c);
    vm_value a[1] = {I(65)};
    CALL_OK(&c, STD_B_chr, a, 1, NULL);
    STR_IS(a[0], "A");
    vm_value z[1] = {I(0)};
    CALL_OK(&c, STD_B_chr, z, 1, NULL);
    CU_ASSERT_EQUAL(vm_string_len(z[0].p), 1);
    CU_ASSERT_EQUAL(vm_string_data(z[0].p)[0], '\0');
    vm_value ff[1] = {I(255)};
    CALL_OK(&c, STD_B_chr, ff, 1, NULL);
    CU_ASSERT_EQUAL((unsigned char)vm_string_data(ff[0].p)[0], 255);
    vm_value b1[1] = {I(256)};
    CALL_ERR(&c, STD_B_chr, b1, 1, NULL, "chr: 256 out of range [0, 255]");
    vm_value b2[1] = {I(-1)};
    CALL_ERR(&c, STD_B_chr, b2, 1, NULL, "chr: -1 out of range [0, 255]");
    /* ord reads bytes as 0..255 and checks its index. */
    vm_value o1[2] = {ff[0], I(0)};
    CALL_OK(&c, STD_B_ord, o1, 2, NULL);
    CU_ASSERT_EQUAL(o1[0].i, 255);
    vm_value o2[2] = {S(&c, "abc"), I(2)};
    CALL_OK(&c, STD_B_ord, o2, 2, NULL);
    CU_ASSERT_EQUAL(o2[0].i, 'c');
    vm_value o3[2] = {S(&c, "abc"), I(3)};
    CALL_ERR(&c, STD_B_ord, o3, 2, NULL, "ord: index out of range [3] with length 3");
    vm_value o4[2] = {S(&c, "abc"), I(-1)};
    CALL_ERR(&c, STD_B_ord, o4, 2, NULL, "ord: index out of range [-1] with length 3");
    vm_value o5[2] = {S(&c, ""), I(0)};
    CALL_ERR(&c, STD_B_ord, o5, 2, NULL, "ord: index out of range [0] with length 0");
    vm_value o6[2] = {NIL(), I(0)};
    CALL_ERR(&c, STD_B_ord, o6, 2, NULL, "ord: index out of range [0] with length 0");
    /* chr and ord are inverses on every byte. */
    bool all = true;
    for (int64_t j = 0; j < 256; j++) {
        vm_value x[2] = {I(j), I(0)};
        all &= call(&c, STD_B_chr, x, 1, NULL) == 0;
        all &= call(&c, STD_B_ord, x, 2, NULL) == 0 && x[0].i == j;
    }
    CU_ASSERT_TRUE(all);
    ctx_close(&c);
}

/* str(v) of static type t, compared with want. */
static void expect_str(ctx *c, vm_value v, int32_t t, const char *want)
{
    vm_value a[1] = {v};
    CU_ASSERT_EQUAL_FATAL(call(c, STD_B_str, a, 1, T1(t)), 0);
    bool ok = vm_string_len(a[0].p) == (int64_t)strlen(want) &&
              strcmp(vm_string_data(a[0].p), want) == 0;
    CU_ASSERT_TRUE(ok);
    if (!ok)
        fprintf(stderr, "\n  str got  %s\n  str want %s\n", vm_string_data(a[0].p), want);
}

static void test_str_scalars(void)
{
    ctx c;
    ctx_open(&c);
    expect_str(&c, I(0), R_INT, "0");
    expect_str(&c, I(-42), R_INT, "-42");
    expect_str(&c, I(INT64_MIN), R_INT, "-9223372036854775808");
    expect_str(&c, I(INT64_MAX), R_INT, "9223372036854775807");
    volatile double one = 0.1, two = 0.2;
    expect_str(&c, F(one + two), R_FLOAT, "0.30000000000000004");
    expect_str(&c, F(0.1), R_FLOAT, "0.1");
    expect_str(&c, F(3.0), R_FLOAT, "3.0");
    expect_str(&c, F(-0.0), R_FLOAT, "-0.0");
    expect_str(&c, F(0.0), R_FLOAT, "0.0");
    expect_str(&c, F(1e21), R_FLOAT, "1e+21");
    expect_str(&c, F(1e16), R_FLOAT, "1e+16");
    expect_str(&c, F(1e15), R_FLOAT, "1000000000000000.0");
    expect_str(&c, F(123456789012345680.0), R_FLOAT, "1.2345678901234568e+17");
    expect_str(&c, F(1e-5), R_FLOAT, "1e-05");
    expect_str(&c, F(0.0001), R_FLOAT, "0.0001");
    expect_str(&c, F(1.5e-7), R_FLOAT, "1.5e-07");
    expect_str(&c, F(5e-324), R_FLOAT, "5e-324");
    expect_str(&c, F(1.7976931348623157e308), R_FLOAT, "1.7976931348623157e+308");
    expect_str(&c, F(NAN), R_FLOAT, "nan");
    expect_str(&c, F(-NAN), R_FLOAT, "nan");
    expect_str(&c, F(INFINITY), R_FLOAT, "inf");
    expect_str(&c, F(-INFINITY), R_FLOAT, "-inf");
    expect_str(&c, F(2.0 / 3.0), R_FLOAT, "0.6666666666666666");
    expect_str(&c, I(1), R_BOOL, "true");
    expect_str(&c, I(0), R_BOOL, "false");
    /* A string is its own str, unquoted; nil reads as "". */
    vm_value s = S(&c, "a \"q\"\n");
    vm_value a[1] = {s};
    CALL_OK(&c, STD_B_str, a, 1, T1(R_STRING));
    CU_ASSERT_PTR_EQUAL(a[0].p, s.p);
    vm_value n[1] = {NIL()};
    CALL_OK(&c, STD_B_str, n, 1, T1(R_STRING));
    CU_ASSERT_EQUAL(vm_string_len(n[0].p), 0);
    /* Without the call site's types str cannot know what a word is. */
    vm_value u[1] = {I(1)};
    CALL_ERR(&c, STD_B_str, u, 1, NULL, "internal error: str called without argument types");
    ctx_close(&c);
}

static void test_str_containers(void)
{
    ctx c;
    ctx_open(&c);
    vm_value sp[2] = {S(&c, "a,\"b\",c\td"), S(&c, ",")};
    CALL_OK(&c, STD_B_split, sp, 2, NULL);
    expect_str(&c, sp[0], R_ASTR, "[\"a\", \"\\\"b\\\"\", \"c\\td\"]");
    expect_str(&c, NIL(), R_ASTR, "nil");
    vm_array *ints = vm_array_new(c.V, 0, false);
    vm_root_push(c.V, ints);
    expect_str(&c, (vm_value){.p = ints}, R_AINT, "[]");
    vm_array_push(c.V, ints, I(1));
    vm_array_push(c.V, ints, I(-2));
    expect_str(&c, (vm_value){.p = ints}, R_AINT, "[1, -2]");
    vm_array *fl = vm_array_new(c.V, 3, false);
    vm_root_push(c.V, fl);
    fl->data[0] = F(0.5);
    fl->data[1] = F(-0.0);
    fl->data[2] = F(1e100);
    expect_str(&c, (vm_value){.p = fl}, R_AFLOAT, "[0.5, -0.0, 1e+100]");
    vm_array *nest = vm_array_new(c.V, 2, true);
    vm_root_push(c.V, nest);
    vm_write_pointer(c.V, &nest->data[0].p, ints);
    expect_str(&c, (vm_value){.p = nest}, R_AAINT, "[[1, -2], nil]");
    /* Maps in insertion order, quoted string keys. */
    vm_value mk[1] = {{0}};
    CALL_OK(&c, STD_B_make, mk, 0, T1(R_MSI));
    vm_map *m = mk[0].p;
    vm_map_set(c.V, m, S(&c, "z"), I(1));
    vm_map_set(c.V, m, S(&c, "a"), I(2));
    vm_map_set(c.V, m, S(&c, "m"), I(3));
    expect_str(&c, mk[0], R_MSI, "{\"z\": 1, \"a\": 2, \"m\": 3}");
    vm_value mb[1] = {{0}};
    CALL_OK(&c, STD_B_make, mb, 0, T1(R_MBI));
    vm_map_set(c.V, mb[0].p, I(1), I(10));
    vm_map_set(c.V, mb[0].p, I(0), I(20));
    expect_str(&c, mb[0], R_MBI, "{true: 10, false: 20}");
    expect_str(&c, NIL(), R_MSI, "nil");
    /* Structs: fields in declaration order; a cycle prints as "...". */
    vm_value *n1 = gc_mallocgc(vm_gcp(c.V), vm_struct_gctype(c.V, 0)->size, vm_struct_gctype(c.V, 0), true);
    vm_root_push(c.V, n1);
    n1[2].i = 7;
    expect_str(&c, (vm_value){.p = n1}, R_NODE, "Node{left: nil, right: nil, item: 7}");
    vm_write_pointer(c.V, &n1[0].p, n1);
    expect_str(&c, (vm_value){.p = n1}, R_NODE, "Node{left: ..., right: nil, item: 7}");
    expect_str(&c, NIL(), R_NODE, "nil");
    ctx_close(&c);
}

static void test_parse_int(void)
{
    ctx c;
    ctx_open(&c);
    struct {
        const char *s;
        int64_t v;
    } good[] = {
        {"0", 0}, {"-0", 0}, {"+5", 5}, {"42", 42}, {"-17", -17}, {"007", 7},
        {"9223372036854775807", INT64_MAX}, {"-9223372036854775808", INT64_MIN},
        {"00000000000000000000000000001", 1},
    };
    for (size_t j = 0; j < sizeof good / sizeof *good; j++) {
        vm_value a[1] = {S(&c, good[j].s)};
        CALL_OK(&c, STD_B_parse_int, a, 1, NULL);
        CU_ASSERT_EQUAL(a[0].i, good[j].v);
    }
    struct {
        const char *s;
        const char *msg;
    } bad[] = {
        {"12x", "parse_int: invalid syntax \"12x\""},
        {"", "parse_int: invalid syntax \"\""},
        {"-", "parse_int: invalid syntax \"-\""},
        {"+", "parse_int: invalid syntax \"+\""},
        {" 1", "parse_int: invalid syntax \" 1\""},
        {"1 ", "parse_int: invalid syntax \"1 \""},
        {"1_000", "parse_int: invalid syntax \"1_000\""},
        {"0x10", "parse_int: invalid syntax \"0x10\""},
        {"1.5", "parse_int: invalid syntax \"1.5\""},
        {"--1", "parse_int: invalid syntax \"--1\""},
        {"a\"b\n", "parse_int: invalid syntax \"a\\\"b\\n\""},
        {"9223372036854775808", "parse_int: value out of range \"9223372036854775808\""},
        {"-9223372036854775809", "parse_int: value out of range \"-9223372036854775809\""},
        {"99999999999999999999x", "parse_int: invalid syntax \"99999999999999999999x\""},
        {"1234567890123456789012345678901234567890123456789012345678901234567890",
         "parse_int: value out of range "
         "\"123456789012345678901234567890123456789012345678901234567890\"..."},
    };
    for (size_t j = 0; j < sizeof bad / sizeof *bad; j++) {
        vm_value a[1] = {S(&c, bad[j].s)};
        CALL_ERR(&c, STD_B_parse_int, a, 1, NULL, bad[j].msg);
    }
    vm_value nul[1] = {SN(&c, "1\0", 2)};
    CALL_ERR(&c, STD_B_parse_int, nul, 1, NULL, "parse_int: invalid syntax \"1\\0\"");
    vm_value nil[1] = {NIL()};
    CALL_ERR(&c, STD_B_parse_int, nil, 1, NULL, "parse_int: invalid syntax \"\"");
    ctx_close(&c);
}

static double parse_float(ctx *c, const char *s)
{
    vm_value a[1] = {S(c, s)};
    CU_ASSERT_EQUAL(call(c, STD_B_parse_float, a, 1, NULL), 0);
    return a[0].f;
}

static void test_parse_float(void)
{
    ctx c;
    ctx_open(&c);
    CU_ASSERT_EQUAL(parse_float(&c, "1.5"), 1.5);
    CU_ASSERT_EQUAL(parse_float(&c, "0.1"), 0.1);
    CU_ASSERT_EQUAL(parse_float(&c, "42"), 42.0);
    CU_ASSERT_EQUAL(parse_float(&c, ".5"), 0.5);
    CU_ASSERT_EQUAL(parse_float(&c, "5."), 5.0);
    CU_ASSERT_EQUAL(parse_float(&c, "-2.5e-3"), -2.5e-3);
    CU_ASSERT_EQUAL(parse_float(&c, "1E3"), 1000.0);
    CU_ASSERT_EQUAL(parse_float(&c, "+1e+3"), 1000.0);
    double nz = parse_float(&c, "-0");
    CU_ASSERT(nz == 0.0 && signbit(nz));
    CU_ASSERT_EQUAL(parse_float(&c, "1e400"), INFINITY);
    CU_ASSERT_EQUAL(parse_float(&c, "-1e400"), -INFINITY);
    CU_ASSERT_EQUAL(parse_float(&c, "1e-400"), 0.0);
    CU_ASSERT_EQUAL(parse_float(&c, "inf"), INFINITY);
    CU_ASSERT_EQUAL(parse_float(&c, "-Infinity"), -INFINITY);
    CU_ASSERT_EQUAL(parse_float(&c, "+INF"), INFINITY);
    CU_ASSERT(isnan(parse_float(&c, "nan")));
    CU_ASSERT(isnan(parse_float(&c, "NaN")));
    CU_ASSERT_EQUAL(parse_float(&c, "0.30000000000000004"), 0.30000000000000004);
    CU_ASSERT_EQUAL(parse_float(&c, "4.9406564584124654e-324"), 5e-324);
    /* Every float str prints reads back as itself. */
    double samples[] = {0.1 + 0.2, 1e21, 1e-5, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, -123.456};
    for (size_t j = 0; j < sizeof samples / sizeof *samples; j++) {
        vm_value a[1] = {F(samples[j])};
        CALL_OK(&c, STD_B_str, a, 1, T1(R_FLOAT));
        CALL_OK(&c, STD_B_parse_float, a, 1, NULL);
        CU_ASSERT_EQUAL(a[0].f, samples[j]);
    }
    const char *bad[] = {"", ".", "e3", "1e", "1e+", "1.5x", " 1.0", "1.0 ", "0x1p3",
                         "in", "infinit", "nan(1)", "--1", "1..2", "1,5", "+"};
    for (size_t j = 0; j < sizeof bad / sizeof *bad; j++) {
        vm_value a[1] = {S(&c, bad[j])};
        char want[64];
        snprintf(want, sizeof want, "parse_float: invalid syntax \"%s\"", bad[j]);
        CALL_ERR(&c, STD_B_parse_float, a, 1, NULL, want);
    }
    vm_value nul[1] = {SN(&c, "1.5\0", 4)};
    CALL_ERR(&c, STD_B_parse_float, nul, 1, NULL, "parse_float: invalid syntax \"1.5\\0\"");
    ctx_close(&c);
}

static void expect_fixed(ctx *c, double x, int64_t n, const char *want)
{
    vm_value a[2] = {F(x), I(n)};
    CU_ASSERT_EQUAL_FATAL(call(c, STD_B_fixed, a, 2, NULL), 0);
    bool ok = strcmp(vm_string_data(a[0].p), want) == 0;
    CU_ASSERT_TRUE(ok);
    if (!ok)
        fprintf(stderr, "\n  fixed got  %s\n  fixed want %s\n", vm_string_data(a[0].p), want);
}

static void test_fixed(void)
{
    ctx c;
    ctx_open(&c);
    expect_fixed(&c, 3.14159, 2, "3.14");
    expect_fixed(&c, 3.14159, 0, "3");
    expect_fixed(&c, 2.5, 0, "2");    /* the exact value, half to even */
    expect_fixed(&c, 3.5, 0, "4");
    expect_fixed(&c, 0.125, 2, "0.12");
    expect_fixed(&c, 2.675, 2, "2.67"); /* 2.67499999... */
    expect_fixed(&c, 1.0, 3, "1.000");
    expect_fixed(&c, -0.001, 2, "-0.00");
    expect_fixed(&c, -0.0, 1, "-0.0");
    expect_fixed(&c, 1e21, 1, "1000000000000000000000.0");
    expect_fixed(&c, 0.1, 20, "0.10000000000000000555");
    expect_fixed(&c, NAN, 2, "nan");
    expect_fixed(&c, INFINITY, 2, "inf");
    expect_fixed(&c, -INFINITY, 0, "-inf");
    /* The widest: every digit of the least subnormal. */
    vm_value w[2] = {F(5e-324), I(1074)};
    CALL_OK(&c, STD_B_fixed, w, 2, NULL);
    CU_ASSERT_EQUAL(vm_string_len(w[0].p), 1076);
    CU_ASSERT_EQUAL(vm_string_data(w[0].p)[1075], '5');
    vm_value b1[2] = {F(1.0), I(-1)};
    CALL_ERR(&c, STD_B_fixed, b1, 2, NULL, "fixed: -1 digits out of range [0, 1074]");
    vm_value b2[2] = {F(1.0), I(1075)};
    CALL_ERR(&c, STD_B_fixed, b2, 2, NULL, "fixed: 1075 digits out of range [0, 1074]");
    ctx_close(&c);
}

static void test_print(void)
{
    ctx c;
    ctx_open(&c);
    vm_value sp[2] = {S(&c, "x,y"), S(&c, ",")};
    CALL_OK(&c, STD_B_split, sp, 2, NULL);
    vm_value a[6] = {I(1), F(2.5), S(&c, "s \"q\""), I(1), sp[0], NIL()};
    CALL_OK(&c, STD_B_print, a, 6, ((const int32_t[]){6, R_INT, R_FLOAT, R_STRING, R_BOOL, R_ASTR, R_MSI}));
    vm_value none[1] = {{0}};
    CALL_OK(&c, STD_B_print, none, 0, NULL);
    volatile double one = 0.1, two = 0.2;
    vm_value f[5] = {F(one + two), F(1e21), F(-0.0), F(NAN), F(-INFINITY)};
    CALL_OK(&c, STD_B_print, f, 5, ((const int32_t[]){5, R_FLOAT, R_FLOAT, R_FLOAT, R_FLOAT, R_FLOAT}));
    CU_ASSERT_EQUAL(std_flush(c.V), 0); /* called outside vm_run: nothing flushes at the end */
    fflush(c.out);
    CU_ASSERT_STRING_EQUAL(c.outbuf, "1 2.5 s \"q\" true [\"x\", \"y\"] nil\n\n"
                                     "0.30000000000000004 1e+21 -0.0 nan -inf\n");
    ctx_close(&c);
}

/* ---- Arrays. ---- */

static void test_arrays(void)
{
    ctx c;
    ctx_open(&c);
    vm_value mk[1] = {I(3)};
    CALL_OK(&c, STD_B_make, mk, 1, T2(R_AINT, R_INT));
    vm_value arr = mk[0];
    CU_ASSERT(shows(&c, arr, R_AINT, "[0, 0, 0]"));
    CU_ASSERT_EQUAL(((vm_array *)arr.p)->elemref, 0);
    for (int64_t j = 0; j < 100; j++) {
        vm_value p[2] = {arr, I(j * j)};
        CALL_OK(&c, STD_B_push, p, 2, NULL);
    }
    vm_value l[1] = {arr};
    CALL_OK(&c, STD_B_len, l, 1, T1(R_AINT));
    CU_ASSERT_EQUAL(l[0].i, 103);
    vm_value p1[1] = {arr};
    CALL_OK(&c, STD_B_pop, p1, 1, NULL);
    CU_ASSERT_EQUAL(p1[0].i, 99 * 99);
    for (int j = 0; j < 102; j++) {
        vm_value p[1] = {arr};
        CALL_OK(&c, STD_B_pop, p, 1, NULL);
    }
    CU_ASSERT_EQUAL(((vm_array *)arr.p)->len, 0);
    vm_value pe[1] = {arr};
    CALL_ERR(&c, STD_B_pop, pe, 1, NULL, "pop from empty array");
    vm_value pn[1] = {NIL()};
    CALL_ERR(&c, STD_B_pop, pn, 1, NULL, "nil dereference");
    vm_value qn[2] = {NIL(), I(1)};
    CALL_ERR(&c, STD_B_push, qn, 2, NULL, "nil dereference");
    vm_value ln[1] = {NIL()};
    CALL_OK(&c, STD_B_len, ln, 1, T1(R_AINT));
    CU_ASSERT_EQUAL(ln[0].i, 0);
    /* make: zero length, references, bad lengths. */
    vm_value m0[1] = {I(0)};
    CALL_OK(&c, STD_B_make, m0, 1, T2(R_AINT, R_INT));
    CU_ASSERT(shows(&c, m0[0], R_AINT, "[]"));
    vm_value ms[1] = {I(2)};
    CALL_OK(&c, STD_B_make, ms, 1, T2(R_ASTR, R_INT));
    CU_ASSERT(shows(&c, ms[0], R_ASTR, "[\"\", \"\"]"));
    CU_ASSERT_EQUAL(((vm_array *)ms[0].p)->elemref, 1);
    vm_value mn[1] = {I(-1)};
    CALL_ERR(&c, STD_B_make, mn, 1, T2(R_AINT, R_INT), "negative array length -1");
    vm_value mh[1] = {I((int64_t)1 << 40)};
    CALL_ERR(&c, STD_B_make, mh, 1, T2(R_AINT, R_INT), "out of memory");
    vm_value mx[1] = {I(INT64_MAX)};
    CALL_ERR(&c, STD_B_make, mx, 1, T2(R_AINT, R_INT), "out of memory");
    /* Pushing never grows a store past the limit either. */
    vm_array fake = {VM_MAX_ARRAY_LEN, VM_MAX_ARRAY_LEN, NULL, 0};
    CU_ASSERT_EQUAL(vm_array_push(c.V, &fake, I(1)), -1);
    vm_value mm[1] = {I(INT64_MIN)};
    CALL_ERR(&c, STD_B_make, mm, 1, T2(R_AINT, R_INT), "negative array length -9223372036854775808");
    /* The length is the last argument, whether or not the type has a slot. */
    vm_value m2[2] = {I(99), I(1)};
    CALL_OK(&c, STD_B_make, m2, 2, T2(R_AINT, R_INT));
    CU_ASSERT(shows(&c, m2[0], R_AINT, "[0]"));
    vm_value mu[1] = {I(1)};
    CALL_ERR(&c, STD_B_make, mu, 1, NULL, "internal error: make called without argument types");
    /* len of strings counts bytes. */
    vm_value ls[1] = {S(&c, "h\xc3\xa9llo")};
    CALL_OK(&c, STD_B_len, ls, 1, T1(R_STRING));
    CU_ASSERT_EQUAL(ls[0].i, 6);
    vm_value lz[1] = {NIL()};
    CALL_OK(&c, STD_B_len, lz, 1, T1(R_STRING));
    CU_ASSERT_EQUAL(lz[0].i, 0);
    ctx_close(&c);
}

/* pop clears the slot it vacates: a popped object is not kept alive by
 * the backing store once nothing else refers to it. */
static void test_pop_releases(void)
{
    ctx c;
    ctx_open(&c);
    vm_value mk[1] = {I(0)};
    CALL_OK(&c, STD_B_make, mk, 1, T2(R_ASTR, R_INT));
    vm_array *a = mk[0].p;
    vm_string *victim = vm_string_new(c.V, "victim", 6);
    vm_value p[2] = {mk[0], {.p = victim}};
    CU_ASSERT_EQUAL(std_push(c.V, p, 2, NULL), 0); /* victim: only in the array */
    vm_value q[1] = {mk[0]};
    CU_ASSERT_EQUAL(std_pop(c.V, q, 1, NULL), 0);
    CU_ASSERT_PTR_EQUAL(q[0].p, victim);
    CU_ASSERT_PTR_NULL(a->data[0].p);
    gc_collect(vm_heap(c.V));
    CU_ASSERT_PTR_NULL(gc_find_object(vm_heap(c.V), victim));
    ctx_close(&c);
}

/* ---- Maps. ---- */

static void test_maps_basic(void)
{
    ctx c;
    ctx_open(&c);
    vm_value mk[1] = {{0}};
    CALL_OK(&c, STD_B_make, mk, 0, T1(R_MIS));
    vm_value m = mk[0];
    CU_ASSERT_EQUAL(((vm_map *)m.p)->count, 0);
    vm_value h[2] = {m, I(1)};
    CALL_OK(&c, STD_B_has, h, 2, NULL);
    CU_ASSERT_EQUAL(h[0].i, 0);
    vm_map_set(c.V, m.p, I(5), S(&c, "five"));
    vm_map_set(c.V, m.p, I(-1), S(&c, "minus"));
    vm_value h2[2] = {m, I(5)};
    CALL_OK(&c, STD_B_has, h2, 2, NULL);
    CU_ASSERT_EQUAL(h2[0].i, 1);
    vm_value l[1] = {m};
    CALL_OK(&c, STD_B_len, l, 1, T1(R_MIS));
    CU_ASSERT_EQUAL(l[0].i, 2);
    vm_value k[1] = {m};
    CALL_OK(&c, STD_B_keys, k, 1, T1(R_MIS));
    CU_ASSERT(shows(&c, k[0], R_AINT, "[5, -1]"));
    CU_ASSERT_EQUAL(((vm_array *)k[0].p)->elemref, 0);
    /* A missing key reads as the zero value: "" for strings. */
    vm_value v;
    CU_ASSERT_FALSE(vm_map_get(m.p, I(6), &v));
    CU_ASSERT_EQUAL(vm_string_len(v.p), 0);
    vm_value d[2] = {m, I(5)};
    CALL_OK(&c, STD_B_delete, d, 2, NULL);
    vm_value d2[2] = {m, I(12345)}; /* absent: nothing happens */
    CALL_OK(&c, STD_B_delete, d2, 2, NULL);
    CU_ASSERT(shows(&c, m, R_MIS, "{-1: \"minus\"}"));
    /* Nil maps read as empty; delete on one does nothing. */
    vm_value hn[2] = {NIL(), I(1)};
    CALL_OK(&c, STD_B_has, hn, 2, NULL);
    CU_ASSERT_EQUAL(hn[0].i, 0);
    vm_value dn[2] = {NIL(), I(1)};
    CALL_OK(&c, STD_B_delete, dn, 2, NULL);
    vm_value kn[1] = {NIL()};
    CALL_OK(&c, STD_B_keys, kn, 1, T1(R_MSI));
    CU_ASSERT(shows(&c, kn[0], R_ASTR, "[]"));
    vm_value ln[1] = {NIL()};
    CALL_OK(&c, STD_B_len, ln, 1, T1(R_MSI));
    CU_ASSERT_EQUAL(ln[0].i, 0);
    /* Bool keys. */
    vm_value mb[1] = {{0}};
    CALL_OK(&c, STD_B_make, mb, 0, T1(R_MBI));
    vm_map_set(c.V, mb[0].p, I(0), I(1));
    vm_map_set(c.V, mb[0].p, I(1), I(2));
    vm_map_set(c.V, mb[0].p, I(0), I(3));
    vm_value kb[1] = {mb[0]};
    CALL_OK(&c, STD_B_keys, kb, 1, NULL);
    CU_ASSERT(shows(&c, kb[0], R_ABOOL, "[false, true]"));
    CU_ASSERT(shows(&c, mb[0], R_MBI, "{false: 3, true: 2}"));
    ctx_close(&c);
}

/* The model of an insertion-ordered map of small int keys: what keys(m)
 * must list after any sequence of sets and deletes. */
typedef struct model {
    int64_t *order; /* keys in insertion order, -1 once deleted */
    int64_t n;
    int64_t *slot;  /* key -> index in order, -1 when absent */
    int64_t *val;
} model;

static void model_set(model *md, int64_t k, int64_t v)
{
    if (md->slot[k] < 0) {
        md->slot[k] = md->n;
        md->order[md->n++] = k;
    }
    md->val[k] = v;
}

static void model_delete(model *md, int64_t k)
{
    if (md->slot[k] >= 0) {
        md->order[md->slot[k]] = -1;
        md->slot[k] = -1;
    }
}

static vm_string *key_string(ctx *c, int64_t k)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "k%lld", (long long)k);
    return vm_string_new(c->V, buf, (size_t)n);
}

/* The same key outside the heap, for lookups (which never allocate):
 * keeps gcstress runs short. Free it with free(). */
static vm_string *probe_key(int64_t k)
{
    vm_string *s = malloc(sizeof(vm_string) + 32);
    s->len = snprintf(s->data, 32, "k%lld", (long long)k);
    s->hash = 0;
    return s;
}

/* map[string]int grown through many resizes, with deletes and re-inserts
 * in between: nothing is lost, order is insertion order, tombstones are
 * compacted, and has/keys/len agree with a model. */
/* A map write that finds another write's flag set is a concurrent map
 * write (Go's hashWriting): delete reports it and leaves the map alone;
 * the flag is the write's own and gone after it. */
static void test_map_concurrent_write(void)
{
    ctx c;
    ctx_open(&c);
    vm_value mk[1] = {{0}};
    CALL_OK(&c, STD_B_make, mk, 0, T1(R_MIS));
    vm_map *m = mk[0].p;
    vm_map_set(c.V, m, I(1), S(&c, "one"));
    CU_ASSERT_TRUE(vm_map_write_begin(m));
    vm_value d[2] = {mk[0], I(1)};
    CALL_ERR(&c, STD_B_delete, d, 2, NULL, "concurrent map writes");
    CU_ASSERT_EQUAL(m->count, 1);
    vm_map_write_end(m);
    vm_value d2[2] = {mk[0], I(1)};
    CALL_OK(&c, STD_B_delete, d2, 2, NULL);
    CU_ASSERT_EQUAL(m->count, 0);
    CU_ASSERT_TRUE(vm_map_write_begin(m));
    vm_map_write_end(m);
    CU_ASSERT_EQUAL(m->flags & VM_MAP_WRITING, 0);
    ctx_close(&c);
}

static void test_map_growth_and_deletes(void)
{
    enum { N = 4000 };
    ctx c;
    ctx_open(&c);
    model md = {calloc(3 * N, sizeof(int64_t)), 0, malloc(N * sizeof(int64_t)),
                calloc(N, sizeof(int64_t))};
    for (int64_t k = 0; k < N; k++)
        md.slot[k] = -1;
    vm_value mk[1] = {{0}};
    CALL_OK(&c, STD_B_make, mk, 0, T1(R_MSI));
    vm_map *m = mk[0].p;
    gc_handle *kh = gc_handle_new(vm_heap(c.V), NULL);
    int64_t caps_seen = 0, lastcap = 0;
    bool ok = true;
    for (int64_t i = 0; i < N; i++) {
        gc_handle_set(kh, key_string(&c, i));
        ok &= vm_map_set(c.V, m, (vm_value){.p = gc_handle_get(kh)}, I(i)) == 0;
        model_set(&md, i, i);
        if (i % 3 == 0) {
            vm_string *key = probe_key(i / 2);
            vm_value d[2] = {mk[0], {.p = key}};
            ok &= std_delete(c.V, d, 2, NULL) == 0;
            free(key);
            model_delete(&md, i / 2);
        }
        if (i % 7 == 0) {
            gc_handle_set(kh, key_string(&c, i / 4));
            ok &= vm_map_set(c.V, m, (vm_value){.p = gc_handle_get(kh)}, I(-i)) == 0;
            model_set(&md, i / 4, -i);
        }
        if (m->cap != lastcap) {
            caps_seen++;
            lastcap = m->cap;
        }
    }
    gc_handle_release(kh);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT(caps_seen >= 8); /* 8, 16, ... : many resizes */
    int64_t live = 0;
    for (int64_t j = 0; j < md.n; j++)
        live += md.order[j] >= 0;
    vm_value l[1] = {mk[0]};
    CALL_OK(&c, STD_B_len, l, 1, T1(R_MSI));
    CU_ASSERT_EQUAL(l[0].i, live);
    vm_value ks[1] = {mk[0]};
    CALL_OK(&c, STD_B_keys, ks, 1, T1(R_MSI));
    const vm_array *keys = ks[0].p;
    CU_ASSERT_EQUAL_FATAL(keys->len, live);
    int64_t at = 0;
    bool order_ok = true, vals_ok = true;
    for (int64_t j = 0; j < md.n; j++) {
        if (md.order[j] < 0)
            continue;
        char want[32];
        snprintf(want, sizeof want, "k%lld", (long long)md.order[j]);
        order_ok &= strcmp(vm_string_data(keys->data[at].p), want) == 0;
        vm_value v;
        vals_ok &= vm_map_get(m, keys->data[at], &v) && v.i == md.val[md.order[j]];
        at++;
    }
    CU_ASSERT_TRUE(order_ok);
    CU_ASSERT_TRUE(vals_ok);
    /* Every key the model dropped is gone, and reads as 0. */
    bool gone = true;
    for (int64_t k = 0; k < N; k++) {
        vm_string *key = probe_key(k);
        vm_value h[2] = {mk[0], {.p = key}};
        gone &= std_has(c.V, h, 2, NULL) == 0 && h[0].i == (md.slot[k] >= 0);
        vm_value v;
        if (md.slot[k] < 0)
            gone &= !vm_map_get(m, (vm_value){.p = key}, &v) && v.i == 0;
        free(key);
    }
    CU_ASSERT_TRUE(gone);
    /* Storage is proportional to what is live, not to what was deleted. */
    CU_ASSERT(m->cap <= 4 * live + 8);
    /* Delete everything: empty, and reusable. */
    for (int64_t k = 0; k < N; k++) {
        vm_string *key = probe_key(k);
        vm_value d[2] = {mk[0], {.p = key}};
        std_delete(c.V, d, 2, NULL);
        free(key);
    }
    CU_ASSERT_EQUAL(m->count, 0);
    vm_value k0[1] = {mk[0]};
    CALL_OK(&c, STD_B_keys, k0, 1, T1(R_MSI));
    CU_ASSERT(shows(&c, k0[0], R_ASTR, "[]"));
    vm_map_set(c.V, m, S(&c, "again"), I(1));
    CU_ASSERT(shows(&c, mk[0], R_MSI, "{\"again\": 1}"));
    free(md.order);
    free(md.slot);
    free(md.val);
    ctx_close(&c);
}

/* The entry storage of a map is allocated with a pointer map derived
 * from K and V: as the collector reads the heap, map[int]int entries have
 * no pointer slot at all (a noscan span), map[string]Node entries have
 * two per entry, map[string]int and map[int]Node one. The index is
 * always plain integers. */
static void expect_entry_pointers(ctx *c, int32_t rtype, const size_t *want_first, size_t nwant,
                                  size_t per_entry)
{
    vm_value mk[1] = {{0}};
    CU_ASSERT_EQUAL_FATAL(call(c, STD_B_make, mk, 0, T1(rtype)), 0);
    vm_map *m = mk[0].p;
    const vm_rtype *rt = &c->p->rtypes[rtype];
    for (int64_t j = 0; j < 20; j++) {
        vm_value k = I(j), v = I(j);
        if (rt->a == R_STRING)
            k.p = key_string(c, j), vm_root_push(c->V, k.p);
        if (rt->b == R_NODE) {
            v.p = gc_mallocgc(vm_gcp(c->V), vm_struct_gctype(c->V, 0)->size, vm_struct_gctype(c->V, 0), true);
            vm_root_push(c->V, v.p);
        }
        CU_ASSERT_EQUAL(vm_map_set(c->V, m, k, v), 0);
    }
    gc_heap *h = vm_heap(c->V);
    CU_ASSERT_PTR_EQUAL(gc_find_object(h, m->chunks[0]), m->chunks[0]);
    CU_ASSERT_PTR_EQUAL(gc_find_object(h, m->index), m->index);
    size_t offs[64];
    CU_ASSERT_EQUAL(gc_object_pointers(h, m->index, offs, 64), 0);
    size_t n = gc_object_pointers(h, m->chunks[0], offs, 64);
    if (nwant == 0) {
        CU_ASSERT_EQUAL(n, 0);
        /* and such storage sits in a noscan span */
        gc_alloc_info info;
        CU_ASSERT_EQUAL(gc_alloc_path_of((size_t)m->cap * sizeof(vm_mapentry),
                                         vm_gct_mapentries[0], &info), 0);
        CU_ASSERT_EQUAL(info.span_class & 1, 1);
        return;
    }
    /* Every entry has its slots (the size class may round the object up
     * by a few more entries, which the type's bits then cover too). */
    CU_ASSERT(n >= per_entry * (size_t)m->cap && n % per_entry == 0);
    for (size_t j = 0; j < nwant && j < n; j++)
        CU_ASSERT_EQUAL(offs[j], want_first[j]);
}

static void test_map_storage_pointer_maps(void)
{
    ctx c;
    ctx_open(&c);
    /* {key, val}: 16 bytes an entry, key at 0, val at 8. */
    expect_entry_pointers(&c, R_MII, NULL, 0, 0);
    expect_entry_pointers(&c, R_MSN, (const size_t[]){0, 8, 16, 24, 32, 40}, 6, 2);
    expect_entry_pointers(&c, R_MSI, (const size_t[]){0, 16, 32}, 3, 1);
    expect_entry_pointers(&c, R_MIN, (const size_t[]){8, 24, 40}, 3, 1);
    expect_entry_pointers(&c, R_MIS, (const size_t[]){8, 24, 40}, 3, 1);
    expect_entry_pointers(&c, R_MBI, NULL, 0, 0);
    /* So an int that equals an object's address keeps nothing alive in a
     * map[int]int, while a map[int]Node keeps its values. */
    vm_value mk[1] = {{0}};
    CALL_OK(&c, STD_B_make, mk, 0, T1(R_MII));
    void *victim = vm_string_new(c.V, "victim", 6);
    vm_map_set(c.V, mk[0].p, I((int64_t)(intptr_t)victim), I((int64_t)(intptr_t)victim));
    vm_value mn[1] = {{0}};
    CALL_OK(&c, STD_B_make, mn, 0, T1(R_MIN));
    void *kept = gc_mallocgc(vm_gcp(c.V), vm_struct_gctype(c.V, 0)->size, vm_struct_gctype(c.V, 0), true);
    vm_root_push(c.V, kept); /* while the map's storage is allocated */
    vm_map_set(c.V, mn[0].p, I(1), (vm_value){.p = kept});
    vm_root_pop(c.V, 1);
    gc_collect(vm_heap(c.V));
    CU_ASSERT_PTR_NULL(gc_find_object(vm_heap(c.V), victim));
    CU_ASSERT_PTR_EQUAL(gc_find_object(vm_heap(c.V), kept), kept);
    ctx_close(&c);
}

/* ---- Math. ---- */

static double f1(ctx *c, int b, double x)
{
    vm_value a[1] = {F(x)};
    CU_ASSERT_EQUAL(call(c, b, a, 1, T1(R_FLOAT)), 0);
    return a[0].f;
}

static vm_value two(ctx *c, int b, vm_value x, vm_value y, int32_t t)
{
    vm_value a[2] = {x, y};
    CU_ASSERT_EQUAL(call(c, b, a, 2, T2(t, t)), 0);
    return a[0];
}

static bool same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)); }

static void test_math(void)
{
    ctx c;
    ctx_open(&c);
    CU_ASSERT_EQUAL(f1(&c, STD_B_sqrt, 2.0), sqrt(2.0));
    CU_ASSERT_EQUAL(f1(&c, STD_B_sqrt, 16.0), 4.0);
    CU_ASSERT(isnan(f1(&c, STD_B_sqrt, -1.0)));
    CU_ASSERT(same(f1(&c, STD_B_sqrt, -0.0), -0.0));
    CU_ASSERT_EQUAL(f1(&c, STD_B_sqrt, INFINITY), INFINITY);
    CU_ASSERT_EQUAL(f1(&c, STD_B_sin, 0.0), 0.0);
    CU_ASSERT_EQUAL(f1(&c, STD_B_cos, 0.0), 1.0);
    CU_ASSERT(isnan(f1(&c, STD_B_sin, INFINITY)));
    CU_ASSERT_EQUAL(f1(&c, STD_B_exp, 0.0), 1.0);
    CU_ASSERT_EQUAL(f1(&c, STD_B_exp, 1000.0), INFINITY);
    CU_ASSERT_EQUAL(f1(&c, STD_B_exp, -1000.0), 0.0);
    CU_ASSERT_EQUAL(f1(&c, STD_B_log, 1.0), 0.0);
    CU_ASSERT_EQUAL(f1(&c, STD_B_log, 0.0), -INFINITY);
    CU_ASSERT(isnan(f1(&c, STD_B_log, -1.0)));
    CU_ASSERT_EQUAL(f1(&c, STD_B_floor, 2.7), 2.0);
    CU_ASSERT_EQUAL(f1(&c, STD_B_floor, -2.5), -3.0);
    CU_ASSERT(same(f1(&c, STD_B_floor, -0.5), -1.0));
    CU_ASSERT(same(f1(&c, STD_B_floor, -0.0), -0.0));
    CU_ASSERT_EQUAL(f1(&c, STD_B_floor, 1e300), 1e300);
    /* abs: int (wrapping) and float. */
    vm_value a[1] = {I(-5)};
    CALL_OK(&c, STD_B_abs, a, 1, T1(R_INT));
    CU_ASSERT_EQUAL(a[0].i, 5);
    vm_value amin[1] = {I(INT64_MIN)};
    CALL_OK(&c, STD_B_abs, amin, 1, T1(R_INT));
    CU_ASSERT_EQUAL(amin[0].i, INT64_MIN);
    vm_value a0[1] = {I(0)};
    CALL_OK(&c, STD_B_abs, a0, 1, T1(R_INT));
    CU_ASSERT_EQUAL(a0[0].i, 0);
    CU_ASSERT(same(f1(&c, STD_B_abs, -2.5), 2.5));
    CU_ASSERT(same(f1(&c, STD_B_abs, -0.0), 0.0));
    CU_ASSERT(same(f1(&c, STD_B_abs, -INFINITY), INFINITY));
    CU_ASSERT(isnan(f1(&c, STD_B_abs, NAN)));
    vm_value au[1] = {I(1)};
    CALL_ERR(&c, STD_B_abs, au, 1, NULL, "internal error: abs called without argument types");
    /* min/max on ints. */
    CU_ASSERT_EQUAL(two(&c, STD_B_min, I(3), I(-4), R_INT).i, -4);
    CU_ASSERT_EQUAL(two(&c, STD_B_max, I(3), I(-4), R_INT).i, 3);
    CU_ASSERT_EQUAL(two(&c, STD_B_min, I(INT64_MIN), I(INT64_MAX), R_INT).i, INT64_MIN);
    CU_ASSERT_EQUAL(two(&c, STD_B_max, I(INT64_MIN), I(INT64_MAX), R_INT).i, INT64_MAX);
    CU_ASSERT_EQUAL(two(&c, STD_B_max, I(7), I(7), R_INT).i, 7);
    /* on floats, Go's rules: nan wins, -0.0 < 0.0. */
    CU_ASSERT(same(two(&c, STD_B_min, F(1.5), F(-2.5), R_FLOAT).f, -2.5));
    CU_ASSERT(same(two(&c, STD_B_max, F(1.5), F(-2.5), R_FLOAT).f, 1.5));
    CU_ASSERT(same(two(&c, STD_B_min, F(0.0), F(-0.0), R_FLOAT).f, -0.0));
    CU_ASSERT(same(two(&c, STD_B_min, F(-0.0), F(0.0), R_FLOAT).f, -0.0));
    CU_ASSERT(same(two(&c, STD_B_max, F(-0.0), F(0.0), R_FLOAT).f, 0.0));
    CU_ASSERT(same(two(&c, STD_B_max, F(0.0), F(-0.0), R_FLOAT).f, 0.0));
    CU_ASSERT(isnan(two(&c, STD_B_min, F(NAN), F(1.0), R_FLOAT).f));
    CU_ASSERT(isnan(two(&c, STD_B_max, F(1.0), F(NAN), R_FLOAT).f));
    CU_ASSERT(same(two(&c, STD_B_min, F(-INFINITY), F(1.0), R_FLOAT).f, -INFINITY));
    CU_ASSERT(same(two(&c, STD_B_max, F(INFINITY), F(1.0), R_FLOAT).f, INFINITY));
    vm_value mu[2] = {I(1), I(2)};
    CALL_ERR(&c, STD_B_max, mu, 2, NULL, "internal error: max called without argument types");
    ctx_close(&c);
}

/* ---- Random numbers: the documented algorithm, exactly. ---- */

static int64_t rand_int(ctx *c, int64_t n)
{
    vm_value a[1] = {I(n)};
    CU_ASSERT_EQUAL(call(c, STD_B_rand_int, a, 1, NULL), 0);
    return a[0].i;
}

static void rand_seed(ctx *c, int64_t s)
{
    vm_value a[1] = {I(s)};
    CU_ASSERT_EQUAL(call(c, STD_B_rand_seed, a, 1, NULL), 0);
}

static void test_rand(void)
{
    /* Reference values from an independent implementation of
     * splitmix64 + xoshiro256** (Python, arbitrary precision). */
    uint64_t st[4];
    std_rand_seed_state(st, 0);
    CU_ASSERT_EQUAL(st[0], 0xe220a8397b1dcdafull); /* splitmix64's known first output */
    CU_ASSERT_EQUAL(st[3], 0xf88bb8a8724c81ecull);
    CU_ASSERT_EQUAL(std_rand_next(st), 11091344671253066420ull);
    CU_ASSERT_EQUAL(std_rand_next(st), 13793997310169335082ull);
    CU_ASSERT_EQUAL(std_rand_next(st), 1900383378846508768ull);
    ctx c;
    ctx_open(&c);
    /* Never seeded: as after rand_seed(0). */
    const int64_t seed0[10] = {0, 2, 8, 2, 7, 8, 4, 3, 7, 7};
    for (int j = 0; j < 10; j++)
        CU_ASSERT_EQUAL(rand_int(&c, 10), seed0[j]);
    rand_seed(&c, 0);
    for (int j = 0; j < 10; j++)
        CU_ASSERT_EQUAL(rand_int(&c, 10), seed0[j]);
    rand_seed(&c, 42);
    const int64_t seed42[10] = {42, 2, 9, 93, 76, 84, 54, 7, 58, 85};
    for (int j = 0; j < 10; j++)
        CU_ASSERT_EQUAL(rand_int(&c, 100), seed42[j]);
    rand_seed(&c, -1);
    const int64_t seedm1[10] = {0, 5, 4, 5, 0, 3, 2, 2, 0, 2};
    for (int j = 0; j < 10; j++)
        CU_ASSERT_EQUAL(rand_int(&c, 6), seedm1[j]);
    rand_seed(&c, 0);
    CU_ASSERT_EQUAL(rand_int(&c, INT64_MAX), 1867972634398290613);
    CU_ASSERT_EQUAL(rand_int(&c, INT64_MAX), 4570625273314559275);
    CU_ASSERT_EQUAL(rand_int(&c, INT64_MAX), 1900383378846508768);
    CU_ASSERT_EQUAL(rand_int(&c, 1), 0);
    vm_value z[1] = {I(0)};
    CALL_ERR(&c, STD_B_rand_int, z, 1, NULL, "rand_int: 0 is not positive");
    vm_value n[1] = {I(-7)};
    CALL_ERR(&c, STD_B_rand_int, n, 1, NULL, "rand_int: -7 is not positive");
    /* Roughly uniform. */
    int64_t bucket[6] = {0};
    for (int j = 0; j < 60000; j++)
        bucket[rand_int(&c, 6)]++;
    for (int j = 0; j < 6; j++)
        CU_ASSERT(bucket[j] > 9000 && bucket[j] < 11000);
    /* The state is the VM's: a second VM starts from the beginning. */
    ctx d;
    ctx_open(&d);
    CU_ASSERT_EQUAL(rand_int(&d, 10), seed0[0]);
    CU_ASSERT_EQUAL(rand_int(&d, 10), seed0[1]);
    ctx_close(&d);
    ctx_close(&c);
}

/* ---- Time, process, runtime. ---- */

static void test_process(void)
{
    ctx c;
    ctx_open(&c);
    vm_value t1[1], t2[1];
    CALL_OK(&c, STD_B_clock, t1, 0, NULL);
    CALL_OK(&c, STD_B_clock, t2, 0, NULL);
    CU_ASSERT(t1[0].f > 0 && t2[0].f >= t1[0].f);
    vm_value a[1] = {{0}};
    CALL_OK(&c, STD_B_args, a, 0, NULL);
    CU_ASSERT(shows(&c, a[0], R_ASTR, "[]"));
    vm_value e[1] = {I(3)};
    CU_ASSERT_EQUAL(call(&c, STD_B_exit, e, 1, NULL), 1);
    CU_ASSERT_TRUE(c.V->exiting);
    CU_ASSERT_EQUAL(c.V->exit_code, 3);
    vm_value e2[1] = {I(300)};
    call(&c, STD_B_exit, e2, 1, NULL);
    CU_ASSERT_EQUAL(c.V->exit_code, 300 & 255);
    vm_value e3[1] = {I(-1)};
    call(&c, STD_B_exit, e3, 1, NULL);
    CU_ASSERT_EQUAL(c.V->exit_code, 255);
    ctx_close(&c);
}

static void test_gc_builtins(void)
{
    ctx c;
    ctx_open(&c);
    gc_stats before, after;
    gc_read_stats(vm_heap(c.V), &before);
    vm_value g[1] = {{0}};
    CALL_OK(&c, STD_B_gc, g, 0, NULL);
    gc_read_stats(vm_heap(c.V), &after);
    CU_ASSERT(after.num_gc >= before.num_gc + 1);
    CU_ASSERT(after.num_forced_gc >= before.num_forced_gc + 1);
    for (int j = 0; j < 100; j++)
        S(&c, "some live data");
    vm_value s[1] = {{0}};
    gc_read_stats(vm_heap(c.V), &before);
    CALL_OK(&c, STD_B_gc_stats, s, 0, NULL);
    const int64_t *f = s[0].p;
    CU_ASSERT_PTR_EQUAL(gc_find_object(vm_heap(c.V), f), f);
    CU_ASSERT_EQUAL(f[0], (int64_t)before.num_gc);
    CU_ASSERT(f[0] >= 1);
    CU_ASSERT(f[1] > 0);                  /* heap_alloc */
    CU_ASSERT(f[4] >= f[1]);              /* total_alloc >= heap_alloc */
    CU_ASSERT(f[5] >= 100 && f[5] >= f[6]); /* mallocs >= frees */
    CU_ASSERT_EQUAL(f[5], (int64_t)before.mallocs);
    CU_ASSERT_EQUAL(f[6], (int64_t)before.frees);
    CU_ASSERT(f[7] >= 0);
    vm_buf b;
    vm_buf_init(&b);
    vm_format_value(&b, c.p, s[0], R_GCSTATS, false);
    CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "GCStats{num_gc: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.data, ", pause_total_ns: "));
    vm_buf_free(&b);
    ctx_close(&c);
    /* A program without the prelude's struct gets an error, not a crash. */
    vm_program *p = vm_program_new("t.toy");
    std_add_builtins(p);
    ctx_open_program(&c, p);
    vm_value s2[1];
    CALL_ERR(&c, STD_B_gc_stats, s2, 0, NULL, "internal error: gc_stats: the program has no struct GCStats");
    ctx_close(&c);
}

/* ---- Programs: the bodies called by the interpreter's CALLB. ---- */

static int32_t K(vm_proto *f, const char *s) { return vm_const_string(f, s, strlen(s)); }

/* CALLB b with args R[a..a+n-1] typed by types ({count, rtypes...} or
 * NULL) and the live reference slots of the frame at that call. */
static void callb(vm_program *p, vm_proto *f, int line, int b, int a, int n, const int32_t *types,
                  const int *live, int nlive)
{
    int pc = vm_emit(f, VM_ABC(OP_CALLB, a, b, n), line);
    int32_t tl = types ? vm_add_typelist(p, types + 1, types[0]) : 0;
    vm_emit(f, VM_AX_(OP_EXTRAARG, tl), line);
    vm_stackmap_slots(f, (uint32_t)pc, live, nlive);
}

#define LIVE(...) ((const int[]){__VA_ARGS__}), (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int))
#define NONE NULL, 0

static int run(ctx *c, vm_program *p, int argc, char **argv)
{
    ctx_open_program(c, p);
    int status = vm_run(c->V, argc, argv);
    fflush(c->out);
    fflush(c->err);
    return status;
}

/* split, join, len and print in one frame, each result live across the
 * next call's allocations. */
static void test_program_strings(void)
{
    vm_program *p = std_program();
    p->main_proto = vm_add_proto(p, "main", 0, 8);
    vm_proto *f = p->protos[p->main_proto];
    vm_emit(f, VM_ABX(OP_LOADK, 0, K(f, "a,bb,,ccc")), 1);
    vm_emit(f, VM_ABX(OP_LOADK, 1, K(f, ",")), 1);
    callb(p, f, 2, STD_B_split, 0, 2, T2(R_STRING, R_STRING), LIVE(0, 1));
    vm_emit(f, VM_ABC(OP_MOV, 2, 0, 0), 3);
    vm_emit(f, VM_ABX(OP_LOADK, 3, K(f, "+")), 3);
    callb(p, f, 3, STD_B_join, 2, 2, T2(R_ASTR, R_STRING), LIVE(0, 2, 3));
    vm_emit(f, VM_ABC(OP_MOV, 4, 0, 0), 4);
    vm_emit(f, VM_ABC(OP_MOV, 5, 2, 0), 4);
    vm_emit(f, VM_ABC(OP_MOV, 6, 0, 0), 4);
    callb(p, f, 4, STD_B_len, 6, 1, T1(R_ASTR), LIVE(0, 2, 4, 5, 6));
    callb(p, f, 5, STD_B_print, 4, 3, ((const int32_t[]){3, R_ASTR, R_STRING, R_INT}), LIVE(4, 5));
    vm_emit(f, VM_ABC(OP_RETURN0, 0, 0, 0), 6);
    ctx c;
    CU_ASSERT_EQUAL(run(&c, p, 0, NULL), 0);
    CU_ASSERT_STRING_EQUAL(c.outbuf, "[\"a\", \"bb\", \"\", \"ccc\"] a+bb++ccc 4\n");
    CU_ASSERT_STRING_EQUAL(c.errbuf, "");
    ctx_close(&c);
}

/* for i in 0..N { m[str(i)] = i; j = i - 5; if j >= 0 && j % 2 == 0 {
 * delete(m, str(j)) } }; print(keys(m), len(m)) */
static void test_program_map_churn(void)
{
    enum { N = 1500 };
    vm_program *p = std_program();
    p->main_proto = vm_add_proto(p, "main", 0, 9);
    vm_proto *f = p->protos[p->main_proto];
    int pc = vm_emit(f, VM_ABC(OP_NEWMAP, 0, VM_MAPKEY_STRING, 0), 1);
    vm_stackmap_slots(f, (uint32_t)pc, NONE);
    vm_emit(f, VM_ASBX(OP_LOADI, 1, 0), 2);
    vm_emit(f, VM_ASBX(OP_LOADI, 2, N), 2);
    int prep = vm_emit(f, 0, 2); /* FORPREP 1, patched */
    int body = prep + 1;
    vm_emit(f, VM_ABC(OP_MOV, 4, 3, 0), 3);
    callb(p, f, 3, STD_B_str, 4, 1, T1(R_INT), LIVE(0));
    pc = vm_emit(f, VM_ABC(OP_MAPSET, 0, 4, 3), 3);
    vm_stackmap_slots(f, (uint32_t)pc, LIVE(0, 4));
    vm_emit(f, VM_ABC(OP_ADDIK, 5, 3, -5), 4);
    vm_emit(f, VM_ABC(OP_IFLTIK, 5, 0, 1), 4);
    int j1 = vm_emit(f, 0, 4); /* JMP skip */
    vm_emit(f, VM_ASBX(OP_LOADI, 6, 2), 4);
    vm_emit(f, VM_ABC(OP_MODI, 6, 5, 6), 4);
    vm_emit(f, VM_ABC(OP_IFEQIK, 6, 0, 0), 4);
    int j2 = vm_emit(f, 0, 4); /* JMP skip */
    vm_emit(f, VM_ABC(OP_MOV, 7, 0, 0), 5);
    vm_emit(f, VM_ABC(OP_MOV, 8, 5, 0), 5);
    callb(p, f, 5, STD_B_str, 8, 1, T1(R_INT), LIVE(0, 7));
    callb(p, f, 5, STD_B_delete, 7, 2, T2(R_MSI, R_STRING), LIVE(0, 7, 8));
    int loop = vm_emit(f, 0, 6); /* FORLOOP 1, patched */
    f->code[j1] = VM_SJ_(OP_JMP, loop - (j1 + 1));
    f->code[j2] = VM_SJ_(OP_JMP, loop - (j2 + 1));
    f->code[prep] = VM_ABX(OP_FORPREP, 1, loop + 1 - body);
    f->code[loop] = VM_ABX(OP_FORLOOP, 1, loop + 1 - body);
    vm_stackmap_slots(f, (uint32_t)loop, LIVE(0));
    vm_emit(f, VM_ABC(OP_MOV, 4, 0, 0), 7);
    callb(p, f, 7, STD_B_keys, 4, 1, T1(R_MSI), LIVE(0, 4));
    vm_emit(f, VM_ABC(OP_MOV, 5, 0, 0), 7);
    callb(p, f, 7, STD_B_len, 5, 1, T1(R_MSI), LIVE(4, 5));
    callb(p, f, 7, STD_B_print, 4, 2, T2(R_ASTR, R_INT), LIVE(4));
    vm_emit(f, VM_ABC(OP_RETURN0, 0, 0, 0), 8);
    /* Expected: every i except the even j <= N - 6, in insertion order. */
    vm_buf want;
    vm_buf_init(&want);
    vm_buf_addc(&want, '[');
    int64_t live = 0;
    for (int64_t i = 0; i < N; i++) {
        if (i % 2 == 0 && i <= N - 6)
            continue;
        vm_buf_addf(&want, "%s\"%lld\"", live ? ", " : "", (long long)i);
        live++;
    }
    vm_buf_addf(&want, "] %lld\n", (long long)live);
    ctx c;
    CU_ASSERT_EQUAL(run(&c, p, 0, NULL), 0);
    CU_ASSERT_STRING_EQUAL(c.outbuf, want.data);
    CU_ASSERT_STRING_EQUAL(c.errbuf, "");
    vm_buf_free(&want);
    ctx_close(&c);
}

/* args() sees the arguments vm_run was given; exit(300) ends the run
 * with status 300 & 255. args() fills an array made before its strings,
 * each store through the write barrier (the barrier site test for args:
 * stdlib-gcstress runs it with a collection at every allocation). */
static void test_program_args_exit(void)
{
    vm_program *p = std_program();
    p->main_proto = vm_add_proto(p, "main", 0, 2);
    vm_proto *f = p->protos[p->main_proto];
    callb(p, f, 1, STD_B_args, 0, 0, NULL, NONE);
    callb(p, f, 2, STD_B_print, 0, 1, T1(R_ASTR), LIVE(0));
    vm_emit(f, VM_ASBX(OP_LOADI, 0, 300), 3);
    callb(p, f, 3, STD_B_exit, 0, 1, NULL, NONE);
    vm_emit(f, VM_ABX(OP_LOADK, 1, K(f, "not reached")), 4);
    callb(p, f, 4, STD_B_print, 1, 1, T1(R_STRING), LIVE(1));
    vm_emit(f, VM_ABC(OP_RETURN0, 0, 0, 0), 5);
    char *argv[] = {"x", "y z", ""};
    ctx c;
    CU_ASSERT_EQUAL(run(&c, p, 3, argv), 44);
    CU_ASSERT_STRING_EQUAL(c.outbuf, "[\"x\", \"y z\", \"\"]\n");
    CU_ASSERT_STRING_EQUAL(c.errbuf, "");
    ctx_close(&c);
}

/* A built-in's error stops the program with a trace, as the VM's own. */
static void test_program_error_trace(void)
{
    vm_program *p = std_program();
    int32_t helper = vm_add_proto(p, "helper", 1, 3);
    vm_proto *h = p->protos[helper];
    vm_emit(h, VM_ABX(OP_LOADK, 1, K(h, "12x")), 10);
    callb(p, h, 11, STD_B_parse_int, 1, 1, NULL, NONE);
    vm_emit(h, VM_ABC(OP_RETURN, 1, 0, 0), 12);
    p->main_proto = vm_add_proto(p, "main", 0, 2);
    vm_proto *f = p->protos[p->main_proto];
    vm_emit(f, VM_ASBX(OP_LOADI, 0, 1), 20);
    int pc = vm_emit(f, VM_ABX(OP_CALL, 0, helper), 21);
    vm_stackmap_slots(f, (uint32_t)pc, NONE);
    vm_emit(f, VM_ABC(OP_RETURN0, 0, 0, 0), 22);
    ctx c;
    CU_ASSERT_EQUAL(run(&c, p, 0, NULL), VM_STATUS_ERROR);
    CU_ASSERT_STRING_EQUAL(c.outbuf, "");
    CU_ASSERT_STRING_EQUAL(c.errbuf, "error: parse_int: invalid syntax \"12x\"\n"
                                     "  t.toy:11 in helper\n"
                                     "  t.toy:21 in main\n");
    ctx_close(&c);
}

static CU_TestInfo stdlib_tests[] = {
    {"tables", test_tables},
    {"substr", test_substr},
    {"find", test_find},
    {"split", test_split},
    {"join", test_join},
    {"chr_ord", test_chr_ord},
    {"str_scalars", test_str_scalars},
    {"str_containers", test_str_containers},
    {"parse_int", test_parse_int},
    {"parse_float", test_parse_float},
    {"fixed", test_fixed},
    {"print", test_print},
    {"arrays", test_arrays},
    {"pop_releases", test_pop_releases},
    {"maps_basic", test_maps_basic},
    {"map_concurrent_write", test_map_concurrent_write},
    {"map_growth_and_deletes", test_map_growth_and_deletes},
    {"map_storage_pointer_maps", test_map_storage_pointer_maps},
    {"math", test_math},
    {"rand", test_rand},
    {"process", test_process},
    {"gc_builtins", test_gc_builtins},
    {"program_strings", test_program_strings},
    {"program_map_churn", test_program_map_churn},
    {"program_args_exit", test_program_args_exit},
    {"program_error_trace", test_program_error_trace},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--gcstress") == 0) {
        stress = true;
        argv[1] = argv[0];
        argc--, argv++;
    }
    const char *name = stress ? "stdlib-gcstress" : "stdlib";
    CU_SuiteInfo suites[] = {
        {name, NULL, NULL, NULL, NULL, stdlib_tests},
        CU_SUITE_INFO_NULL,
    };
    return unit_main(name, suites, argc, argv);
}
