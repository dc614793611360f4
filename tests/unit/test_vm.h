/*
 * test_vm.h: what the vm suites share: a test program builder on top of
 * vm.h's, the builtins the test programs call, and running a program with
 * its output and errors captured.
 */
#ifndef TESTS_UNIT_TEST_VM_H
#define TESTS_UNIT_TEST_VM_H

#include "tests/unit/unit.h"
#include "vm/object.h"

/* rtypes every test program starts with, in this order. */
enum { T_INT, T_FLOAT, T_BOOL, T_STRING, T_VOID };

/* Builtin numbers (test_builtins). */
enum { B_PRINT, B_GC, B_REMEMBER, B_ALIVE, B_EXIT, B_GARBAGE, B_VERIFY, B_ARM, B_POLLED, B_NBUILTINS };

/* State the test builtins keep, reached through vm_userdata. */
typedef struct tvm_ud {
    void *remembered;
    uint64_t frees_before;
} tvm_ud;

typedef struct tvm_run {
    int status;
    char *out; /* captured print output */
    char *err; /* captured runtime errors */
    uint64_t frees, mallocs, num_gc;
    size_t verify_problems;
} tvm_run;

vm_program *tvm_program(void);
/* Adds main (no parameters, nregs registers) and returns it. */
vm_proto *tvm_main(vm_program *p, int nregs);
vm_proto *tvm_proto(vm_program *p, int32_t j);
/* Emit helpers on proto f at line `line`. */
int tvm_abc(vm_proto *f, int line, vm_opcode op, int a, int b, int c);
int tvm_abx(vm_proto *f, int line, vm_opcode op, int a, int bx);
int tvm_jmp(vm_proto *f, int line, int off);
/* CALLB builtin b, args R[a..a+n-1] typed by types (NULL: none). */
int tvm_callb(vm_program *p, vm_proto *f, int line, int b, int a, int n, const int32_t *types);
/* Runs p; gcstress and max_depth / step_limit as given. Frees nothing. */
tvm_run tvm_exec(vm_program *p, bool gcstress, int max_depth, int64_t step_limit);
void tvm_run_free(tvm_run *r);

extern CU_TestInfo vm_format_tests[];
extern CU_TestInfo vm_map_tests[];

#endif
