/*
 * stdlib.h: toy's built-in functions and built-in types, as the checker
 * sees them (name and signature) and, later, as the VM calls them (body).
 *
 * The checker reads std_builtin_table and std_prelude; it hard-codes no
 * built-in name. Signatures with a fixed type are toy type strings, parsed
 * by the checker ("fn(string, int, int) -> string"); the polymorphic ones
 * (print, len, push, ...) name a generic kind whose typing rule lives in
 * lang/check.c, one rule per kind. As Lua's lbaselib registers name/
 * function pairs, each entry will carry its C body in `body`; that is the
 * runtime issue's job, so every body is NULL for now.
 */
#ifndef STDLIB_STDLIB_H
#define STDLIB_STDLIB_H

#include <stddef.h>

#include "vm/vm.h"

/* How the checker types a call of a built-in. */
typedef enum std_generic {
    STD_FIXED,  /* sig is a function type: fn(A, B) -> R */
    STD_PRINT,  /* print(args...): any number of values of any type */
    STD_LEN,    /* len(x): string, [T] or map[K]V -> int */
    STD_PUSH,   /* push(a: [T], x: T) */
    STD_POP,    /* pop(a: [T]) -> T */
    STD_HAS,    /* has(m: map[K]V, k: K) -> bool */
    STD_DELETE, /* delete(m: map[K]V, k: K) */
    STD_KEYS,   /* keys(m: map[K]V) -> [K] */
    STD_STR,    /* str(x): any value -> string */
    STD_MAKE,   /* make([T], n: int) -> [T]; make(map[K]V) -> map[K]V */
    STD_ABS,    /* abs(x: N) -> N, N int or float */
    STD_MINMAX, /* min(a: N, b: N) -> N, N int or float */
} std_generic;

/* The calling convention of bodies is the VM's (vm/vm.h, later). */
typedef struct std_call std_call;
typedef int (*std_body)(std_call *call);

typedef struct std_builtin {
    const char *name;
    std_generic generic;
    const char *sig; /* STD_FIXED: a toy function type; else documentation */
    std_body body;   /* the C body; NULL until the runtime issue lands */
} std_builtin;

extern const std_builtin std_builtin_table[];
extern const int std_builtin_count;

/* The bodies as the VM calls them (vm/vm.h's vm_builtin, the table CALLB
 * indexes), in std_builtin_table's order; fn is NULL where this build has
 * no body yet, and the compiler reports calls of those. */
extern const vm_builtin std_vm_builtins[];
/* Points p's builtins at std_vm_builtins (the compiler calls it). */
void std_install(vm_program *p);

/* Built-in types, as toy source the checker parses before the program
 * (struct GCStats, the result of gc_stats()). */
extern const char std_prelude[];

#endif
