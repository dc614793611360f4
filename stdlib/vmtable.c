/*
 * vmtable.c: the table of built-in bodies the VM's CALLB indexes (Lua's
 * luaL_Reg array in lbaselib.c), generated from the same STD_BUILTIN_LIST
 * as the checker's table, so entry i is the same built-in in both.
 */
#include "stdlib/stdlib.h"

const vm_builtin std_vm_builtins[] = {
#define STD_X_ENTRY(name, generic, sig, body) {#name, body},
    STD_BUILTIN_LIST(STD_X_ENTRY)
#undef STD_X_ENTRY
};
