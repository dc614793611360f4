/*
 * vmtable.c: PLACEHOLDER from the compiler branch, for the stdlib
 * branch to replace: std_vm_builtins, the vm_builtin table the compiler
 * gives the VM (p->builtins), in std_builtin_table's order. Only print has
 * a body here (print.c); every other entry's fn is NULL, so a program that
 * calls one gets a compile error instead of a crash. Same names and API as the stdlib
 * branch's vmtable.c (std_vm_builtins, std_install): on merge, take theirs.
 */
#include "stdlib/stdlib.h"
#include "vm/vm.h"

int std_print(vm_state *V, vm_value *args, int nargs, const int32_t *types);

const vm_builtin std_vm_builtins[] = {
    {"print", std_print}, {"fixed", NULL},     {"len", NULL},       {"push", NULL},
    {"pop", NULL},        {"has", NULL},       {"delete", NULL},    {"keys", NULL},
    {"substr", NULL},     {"find", NULL},      {"split", NULL},     {"join", NULL},
    {"chr", NULL},        {"ord", NULL},       {"str", NULL},       {"parse_int", NULL},
    {"parse_float", NULL}, {"sqrt", NULL},     {"sin", NULL},       {"cos", NULL},
    {"exp", NULL},        {"log", NULL},       {"floor", NULL},     {"abs", NULL},
    {"min", NULL},        {"max", NULL},       {"rand_int", NULL},  {"rand_seed", NULL},
    {"clock", NULL},      {"args", NULL},      {"exit", NULL},      {"gc", NULL},
    {"gc_stats", NULL},   {"make", NULL},
};

void std_install(vm_program *p)
{
    p->builtins = std_vm_builtins;
    p->nbuiltins = (int)(sizeof std_vm_builtins / sizeof std_vm_builtins[0]);
}
