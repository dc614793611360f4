/*
 * test_vm_format.c: print's formatting (vm/format.c): floats as Python's
 * repr, strings quoted with escapes inside containers, arrays, maps in
 * insertion order, structs in declaration order, nil, and cycles.
 */
#include "tests/unit/test_vm.h"

#include <math.h>
#include <string.h>

static void check_float(double d, const char *want)
{
    char got[32];
    int n = vm_format_float(got, d);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL((size_t)n, strlen(want));
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\nfloat %.17g: got %s want %s\n", d, got, want);
}

static void test_floats(void)
{
    check_float(0.1, "0.1");
    check_float(3.0, "3.0");
    check_float(-0.0, "-0.0");
    check_float(0.0, "0.0");
    check_float(1e21, "1e+21");
    check_float(1e-05, "1e-05");
    check_float(2.5e-05, "2.5e-05");
    check_float(0.0001, "0.0001");
    check_float(0.00012345, "0.00012345");
    check_float(NAN, "nan");
    check_float(INFINITY, "inf");
    check_float(-INFINITY, "-inf");
    check_float(1e16, "1e+16");
    check_float(1e15, "1000000000000000.0");
    check_float(123456789012345678.0, "1.2345678901234568e+17");
    check_float(9007199254740993.0, "9007199254740992.0");
    check_float(1.0 / 3.0, "0.3333333333333333");
    check_float(2.0 / 3.0, "0.6666666666666666");
    check_float(0.1 + 0.2, "0.30000000000000004");
    check_float(-1.5, "-1.5");
    check_float(100.0, "100.0");
    check_float(123.456, "123.456");
    check_float(1.7976931348623157e308, "1.7976931348623157e+308");
    check_float(5e-324, "5e-324");
    check_float(2.2250738585072014e-308, "2.2250738585072014e-308");
    check_float(1e100, "1e+100");
    check_float(-1.25e-7, "-1.25e-07");
    check_float(999999999999999.9, "999999999999999.9");
    check_float(9999999999999998.0, "9999999999999998.0");
}

/* A VM to allocate values on: main is empty. */
static vm_state *format_vm(vm_program *p)
{
    vm_proto *m = tvm_main(p, 1);
    vm_emit(m, VM_ABC(OP_RETURN0, 0, 0, 0), 1);
    vm_options o;
    vm_options_default(&o);
    o.gc.gc_percent = -1;
    return vm_new(p, &o, NULL, 0);
}

static char *fmt(vm_buf *b, const vm_program *p, vm_value v, int32_t t, bool quoted)
{
    b->len = 0;
    vm_format_value(b, p, v, t, quoted);
    return b->data;
}

static void test_values(void)
{
    vm_program *p = tvm_program();
    int32_t s = vm_add_struct(p, "Point");
    int32_t pt = vm_add_rtype(p, VM_KSTRUCT, s, 0);
    int32_t as = vm_add_rtype(p, VM_KARRAY, T_STRING, 0);
    int32_t aai = vm_add_rtype(p, VM_KARRAY, vm_add_rtype(p, VM_KARRAY, T_INT, 0), 0);
    int32_t msf = vm_add_rtype(p, VM_KMAP, T_STRING, T_FLOAT);
    int32_t mbp = vm_add_rtype(p, VM_KMAP, T_BOOL, pt);
    vm_add_field(p, s, "x", T_INT);
    vm_add_field(p, s, "name", T_STRING);
    vm_add_field(p, s, "next", pt);
    vm_state *V = format_vm(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_buf b;
    vm_buf_init(&b);
    vm_value v;

    v.i = -42;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_INT, false), "-42");
    v.i = 1;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_BOOL, false), "true");
    v.i = 0;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_BOOL, false), "false");
    v.f = 2.0;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_FLOAT, false), "2.0");
    v.p = NULL;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, pt, false), "nil");
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_STRING, true), "\"\"");
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, as, false), "nil");

    const char *raw = "tab\there \"q\" \\ \x01\n";
    vm_string *str = vm_string_new(V, raw, strlen(raw));
    v.p = str;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_STRING, false), "tab\there \"q\" \\ \x01\n");
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, T_STRING, true), "\"tab\\there \\\"q\\\" \\\\ \\x01\\n\"");

    vm_array *arr = vm_array_new(V, 2, true);
    vm_write_pointer(V, &arr->data[0].p, vm_string_new(V, "a", 1));
    v.p = arr;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, as, false), "[\"a\", \"\"]");
    vm_array *outer = vm_array_new(V, 0, true);
    vm_array *inner = vm_array_new(V, 0, false);
    vm_array_push(V, inner, (vm_value){.i = 1});
    vm_array_push(V, inner, (vm_value){.i = 2});
    vm_array_push(V, outer, (vm_value){.p = inner});
    vm_array_push(V, outer, (vm_value){.p = vm_array_new(V, 0, false)});
    vm_array_push(V, outer, (vm_value){.p = NULL});
    v.p = outer;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, aai, false), "[[1, 2], [], nil]");

    vm_map *m = vm_map_new(V, VM_MAPKEY_STRING, false);
    vm_map_set(V, m, (vm_value){.p = vm_string_new(V, "b", 1)}, (vm_value){.f = 0.5});
    vm_map_set(V, m, (vm_value){.p = vm_string_new(V, "a", 1)}, (vm_value){.f = 1.0});
    v.p = m;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, msf, false), "{\"b\": 0.5, \"a\": 1.0}");
    v.p = vm_map_new(V, VM_MAPKEY_STRING, false);
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, msf, false), "{}");

    const gc_type *sdt = vm_struct_gctype(V, s);
    vm_value *p1 = gc_mallocgc(vm_gcp(V), sdt->size, sdt, true);
    vm_value *p2 = gc_mallocgc(vm_gcp(V), sdt->size, sdt, true);
    p1[0].i = 1;
    vm_write_pointer(V, &p1[1].p, vm_string_new(V, "one", 3));
    p2[0].i = 2;
    vm_write_pointer(V, &p2[2].p, p1);
    v.p = p2;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, pt, false),
                           "Point{x: 2, name: \"\", next: Point{x: 1, name: \"one\", next: nil}}");
    vm_map *mb = vm_map_new(V, VM_MAPKEY_BOOL, true);
    vm_map_set(V, mb, (vm_value){.i = 1}, (vm_value){.p = p1});
    vm_map_set(V, mb, (vm_value){.i = 0}, (vm_value){.p = NULL});
    v.p = mb;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, mbp, false),
                           "{true: Point{x: 1, name: \"one\", next: nil}, false: nil}");
    /* A cycle prints as ... instead of recursing forever. */
    vm_write_pointer(V, &p1[2].p, p2);
    v.p = p1;
    CU_ASSERT_STRING_EQUAL(fmt(&b, p, v, pt, false),
                           "Point{x: 1, name: \"one\", next: Point{x: 2, name: \"\", next: ...}}");

    /* A list a million long prints its first levels, then "...". */
    vm_write_pointer(V, &p1[2].p, NULL);
    vm_value *head = p1;
    gc_handle *hh = gc_handle_new(vm_heap(V), head);
    for (int j = 0; j < 1000000; j++) {
        vm_value *n = gc_mallocgc(vm_gcp(V), sdt->size, sdt, true);
        vm_write_pointer(V, &n[2].p, gc_handle_get(hh));
        gc_handle_set(hh, n);
    }
    v.p = gc_handle_get(hh);
    fmt(&b, p, v, pt, false);
    CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "next: ...}"));
    CU_ASSERT(b.len < 10000);
    gc_handle_release(hh);

    /* print: separated by spaces, strings bare, newline at the end. */
    vm_value args[3] = {{.i = 7}, {.p = str}, {.f = 1e16}};
    int32_t types[4] = {3, T_INT, T_STRING, T_FLOAT};
    b.len = 0;
    vm_format_print(&b, p, args, 3, types);
    CU_ASSERT_STRING_EQUAL(b.data, "7 tab\there \"q\" \\ \x01\n 1e+16\n");
    vm_buf_free(&b);
    vm_free(V);
    vm_program_free(p);
}

CU_TestInfo vm_format_tests[] = {
    {"floats", test_floats},
    {"values", test_values},
    CU_TEST_INFO_NULL,
};
