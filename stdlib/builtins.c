/*
 * builtins.c: the table of toy's built-in functions (see stdlib.h) and the
 * prelude declaring built-in types. The order of the table is the index
 * the checker writes into calls (REF_BUILTIN / CALL_BUILTIN), so append
 * new entries at the end.
 */
#include "stdlib/stdlib.h"

const std_builtin std_builtin_table[] = {
    {"print", STD_PRINT, "print(args...)", NULL},
    {"fixed", STD_FIXED, "fn(float, int) -> string", NULL},
    {"len", STD_LEN, "len(string | [T] | map[K]V) -> int", NULL},
    {"push", STD_PUSH, "push([T], T)", NULL},
    {"pop", STD_POP, "pop([T]) -> T", NULL},
    {"has", STD_HAS, "has(map[K]V, K) -> bool", NULL},
    {"delete", STD_DELETE, "delete(map[K]V, K)", NULL},
    {"keys", STD_KEYS, "keys(map[K]V) -> [K]", NULL},
    {"substr", STD_FIXED, "fn(string, int, int) -> string", NULL},
    {"find", STD_FIXED, "fn(string, string) -> int", NULL},
    {"split", STD_FIXED, "fn(string, string) -> [string]", NULL},
    {"join", STD_FIXED, "fn([string], string) -> string", NULL},
    {"chr", STD_FIXED, "fn(int) -> string", NULL},
    {"ord", STD_FIXED, "fn(string, int) -> int", NULL},
    {"str", STD_STR, "str(any) -> string", NULL},
    {"parse_int", STD_FIXED, "fn(string) -> int", NULL},
    {"parse_float", STD_FIXED, "fn(string) -> float", NULL},
    {"sqrt", STD_FIXED, "fn(float) -> float", NULL},
    {"sin", STD_FIXED, "fn(float) -> float", NULL},
    {"cos", STD_FIXED, "fn(float) -> float", NULL},
    {"exp", STD_FIXED, "fn(float) -> float", NULL},
    {"log", STD_FIXED, "fn(float) -> float", NULL},
    {"floor", STD_FIXED, "fn(float) -> float", NULL},
    {"abs", STD_ABS, "abs(int | float) -> same", NULL},
    {"min", STD_MINMAX, "min(N, N) -> N, N int or float", NULL},
    {"max", STD_MINMAX, "max(N, N) -> N, N int or float", NULL},
    {"rand_int", STD_FIXED, "fn(int) -> int", NULL},
    {"rand_seed", STD_FIXED, "fn(int)", NULL},
    {"clock", STD_FIXED, "fn() -> float", NULL},
    {"args", STD_FIXED, "fn() -> [string]", NULL},
    {"exit", STD_FIXED, "fn(int)", NULL},
    {"gc", STD_FIXED, "fn()", NULL},
    {"gc_stats", STD_FIXED, "fn() -> GCStats", NULL},
    {"make", STD_MAKE, "make([T], int) | make(map[K]V)", NULL},
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
    "}\n";
