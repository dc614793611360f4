/*
 * builtins.c: the checker's table of toy's built-in functions (see
 * builtins.h) and the prelude declaring built-in types. Generated from
 * STD_BUILTIN_LIST, whose order is the index the checker writes into calls
 * (REF_BUILTIN / CALL_BUILTIN). This file references no body, so the front
 * end links it without the VM; vmtable.c makes the bodies' table.
 */
#include "stdlib/builtins.h"

#include <stddef.h>

const std_builtin std_builtin_table[] = {
#define STD_X_ENTRY(name, generic, sig, body) {#name, generic, sig},
    STD_BUILTIN_LIST(STD_X_ENTRY)
#undef STD_X_ENTRY
};

const int std_builtin_count = (int)(sizeof std_builtin_table / sizeof std_builtin_table[0]);

const char std_prelude[] =
    "struct GCStats {\n"
    "    num_gc: int\n"
    "    heap_alloc: int\n"
    "    heap_live: int\n"
    "    heap_goal: int\n"
    "    total_alloc: int\n"
    "    mallocs: int\n"
    "    frees: int\n"
    "    pause_total_ns: int\n"
    "    heap_sys: int\n"
    "    heap_inuse: int\n"
    "    heap_released: int\n"
    "    num_forced_gc: int\n"
    "}\n";
