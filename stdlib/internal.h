/*
 * internal.h: what the files of stdlib/ share (not for other folders):
 * reading the static types a call site passes, string allocation, and the
 * shape of error messages that quote their input.
 */
#ifndef STDLIB_INTERNAL_H
#define STDLIB_INTERNAL_H

#include "stdlib/stdlib.h"
#include "vm/object.h"

/* The rtype of argument j as the call site typed it, or NULL when the
 * compiler passed no type list (the built-ins that need one report it). */
const vm_rtype *std_argtype(vm_state *V, const int32_t *types, int j);
/* The error a built-in gives when its call site lacks argument types: a
 * compiler bug, reported instead of guessing what the words are. */
int std_untyped(vm_state *V, const char *fn);
int std_oom(vm_state *V);
/* A string of len bytes, contents unset but NUL-terminated; NULL when out
 * of memory. A safepoint. */
vm_string *std_string_alloc(vm_state *V, int64_t len);
/* "fn: what \"text\"", the text quoted with print's escapes and cut to a
 * readable length. Returns vm_error's result. */
int std_error_text(vm_state *V, const char *fn, const char *what, const vm_string *text);

/* A built-in that uses the program's shared library state (streams,
 * random generator): NAME's body is NAME_locked, run under vm_std_lock. */
#define STD_LOCKED(name)                                                         \
    int name(vm_state *V, vm_value *args, int nargs, const int32_t *types)       \
    {                                                                            \
        vm_std_lock(V);                                                          \
        int r = name##_locked(V, args, nargs, types);                            \
        vm_std_unlock(V);                                                        \
        return r;                                                                \
    }

#endif
