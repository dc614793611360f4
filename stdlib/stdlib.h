/*
 * stdlib.h: toy's built-in functions and built-in types: as the checker
 * sees them (name and signature, std_builtin_table) and as the VM calls
 * them (C bodies, std_vm_builtins), in the same order.
 *
 * The checker reads std_builtin_table and std_prelude; it hard-codes no
 * built-in name. Signatures with a fixed type are toy type strings, parsed
 * by the checker ("fn(string, int, int) -> string"); the polymorphic ones
 * (print, len, push, ...) name a generic kind whose typing rule lives in
 * lang/check.c, one rule per kind.
 *
 * As Lua's lbaselib registers name/function pairs, every built-in is one
 * line of STD_BUILTIN_LIST below (name, kind, signature, body), and both
 * tables are generated from it, so index i is the same built-in in both.
 * They are two arrays, not one, because the checker's side must link
 * without the VM: toycheck and the front end's tests link liblang.a and
 * libstdlib.a only, and the linker pulls the bodies (and with them libvm
 * and liballoc) only into programs that name std_vm_builtins.
 *
 * Calling convention (vm.h's vm_builtin_fn): the compiler emits
 *     CALLB A index nargs ; EXTRAARG typelist
 * with the arguments in R[A..A+nargs-1] and typelist = the rtypes of the
 * arguments (vm_add_typelist). The typelist is required for the built-ins
 * whose behaviour depends on a static type: print, str, len, abs, min, max
 * and make; the others ignore it. For make, the typelist's first entry is
 * the rtype of the value made ([T] or map[K]V; the type argument has no
 * register of its own) and, for an array, the length is the last argument
 * (args[nargs - 1]); a map takes no argument. The result is left in R[A].
 * The compiler may equally lower len, push, make to LEN/LENS, PUSH,
 * NEWARRAY/NEWMAP: the bodies behave the same.
 *
 * Decisions the spec leaves open (tests/toy/stdlib/ pins each one):
 *   - Strings are bytes. substr(s, i, j) is s[i:j] and needs
 *     0 <= i <= j <= len(s); ord(s, i) needs 0 <= i < len(s); chr(i) needs
 *     0 <= i <= 255. Anything else is a runtime error naming the values.
 *   - find(s, sub): byte index of the first sub in s, -1 when absent;
 *     find(s, "") is 0.
 *   - split(s, sep) with sep == "" splits s into its bytes (one-byte
 *     strings; split("", "") is []); otherwise as Go's strings.Split:
 *     split("", ",") is [""], split("a,", ",") is ["a", ""].
 *   - parse_int: [+-]?[0-9]+, the whole string, no spaces, in int's range;
 *     parse_float: [+-]? digits with an optional point and exponent (a
 *     digit on at least one side of the point), or inf, infinity, nan in
 *     any case; out-of-range magnitudes read as inf or 0 (as Python's
 *     float()). Anything else: `parse_int: invalid syntax "12x"` (or
 *     `value out of range`), a runtime error.
 *   - fixed(x, n): C's "%.*f" (exact value, rounded half to even), n in
 *     0..1074; nan, inf, -inf as print shows them.
 *   - pop of an empty array, rand_int(n) with n <= 0, make with a negative
 *     length: runtime errors; make past VM_MAX_ARRAY_LEN (2^32) elements
 *     is "out of memory" at once, as NEWARRAY says. push/pop on a nil array: nil
 *     dereference. A nil map reads as empty: len 0, has false, keys [],
 *     delete does nothing.
 *   - abs/min/max on int wrap as Go's do (abs of the least int is itself);
 *     on float they follow Go's min/max: a nan argument gives nan, and
 *     min(0.0, -0.0) is -0.0.
 *   - clock(): seconds of a monotonic clock (CLOCK_MONOTONIC) since an
 *     arbitrary point, for measuring intervals.
 *   - exit(code): the process status is code & 255, as the OS keeps it.
 *   - read_line strips one "\n" and one "\r" before it, nothing else;
 *     bytes are not checked as UTF-8. A read error (standard input is a
 *     directory) is `read: standard input: REASON`; read_file's errors are
 *     `read_file: cannot open "PATH": REASON` (or cannot read), the path
 *     quoted with print's escapes; a path with a NUL byte cannot be opened.
 *   - write and print buffer their output; a failed write is
 *     `write: REASON`, at the call that finds it or when the program ends
 *     (then the status is 2, even after exit(n)).
 *   - sort on floats puts -0.0 and 0.0 in either order. sort_by calls less
 *     O(n log n) times on copies of the elements; if less changes the
 *     array's length, `sort_by: the array's length changed during the sort`;
 *     elements less stores into the array are overwritten.
 *
 * Random numbers: xoshiro256** (Blackman and Vigna, 2018). rand_seed(s)
 * fills the four state words with four successive outputs of splitmix64
 * started at s (the seeding the authors recommend). A VM starts as if
 * rand_seed(0) had run, so a program that never seeds is reproducible.
 * rand_int(n) draws x = next() until x < 2^64 - (2^64 mod n) and returns
 * x mod n (unbiased). The state lives in the vm_state (vm_std_words), so
 * two VMs never share a sequence.
 */
#ifndef STDLIB_STDLIB_H
#define STDLIB_STDLIB_H

#include <stddef.h>
#include <stdint.h>

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
    STD_SORT,   /* sort(a: [int] | [float] | [string]) */
    STD_SORT_BY, /* sort_by(a: [T], less: fn(T, T) -> bool) */
} std_generic;

/* Every built-in, in table order (append new ones at the end: the index
 * is what the checker and the compiler write into calls):
 *     X(name, generic kind, signature, C body) */
#define STD_BUILTIN_LIST(X)                                                          \
    X(print, STD_PRINT, "print(args...)", std_print)                                 \
    X(fixed, STD_FIXED, "fn(float, int) -> string", std_fixed)                       \
    X(len, STD_LEN, "len(string | [T] | map[K]V) -> int", std_len)                   \
    X(push, STD_PUSH, "push([T], T)", std_push)                                      \
    X(pop, STD_POP, "pop([T]) -> T", std_pop)                                        \
    X(has, STD_HAS, "has(map[K]V, K) -> bool", std_has)                              \
    X(delete, STD_DELETE, "delete(map[K]V, K)", std_delete)                          \
    X(keys, STD_KEYS, "keys(map[K]V) -> [K]", std_keys)                              \
    X(substr, STD_FIXED, "fn(string, int, int) -> string", std_substr)               \
    X(find, STD_FIXED, "fn(string, string) -> int", std_find)                        \
    X(split, STD_FIXED, "fn(string, string) -> [string]", std_split)                 \
    X(join, STD_FIXED, "fn([string], string) -> string", std_join)                   \
    X(chr, STD_FIXED, "fn(int) -> string", std_chr)                                  \
    X(ord, STD_FIXED, "fn(string, int) -> int", std_ord)                             \
    X(str, STD_STR, "str(any) -> string", std_str)                                   \
    X(parse_int, STD_FIXED, "fn(string) -> int", std_parse_int)                      \
    X(parse_float, STD_FIXED, "fn(string) -> float", std_parse_float)                \
    X(sqrt, STD_FIXED, "fn(float) -> float", std_sqrt)                               \
    X(sin, STD_FIXED, "fn(float) -> float", std_sin)                                 \
    X(cos, STD_FIXED, "fn(float) -> float", std_cos)                                 \
    X(exp, STD_FIXED, "fn(float) -> float", std_exp)                                 \
    X(log, STD_FIXED, "fn(float) -> float", std_log)                                 \
    X(floor, STD_FIXED, "fn(float) -> float", std_floor)                             \
    X(abs, STD_ABS, "abs(int | float) -> same", std_abs)                             \
    X(min, STD_MINMAX, "min(N, N) -> N, N int or float", std_min)                    \
    X(max, STD_MINMAX, "max(N, N) -> N, N int or float", std_max)                    \
    X(rand_int, STD_FIXED, "fn(int) -> int", std_rand_int)                           \
    X(rand_seed, STD_FIXED, "fn(int)", std_rand_seed)                                \
    X(clock, STD_FIXED, "fn() -> float", std_clock)                                  \
    X(args, STD_FIXED, "fn() -> [string]", std_args)                                 \
    X(exit, STD_FIXED, "fn(int)", std_exit)                                          \
    X(gc, STD_FIXED, "fn()", std_gc)                                                 \
    X(gc_stats, STD_FIXED, "fn() -> GCStats", std_gc_stats)                          \
    X(make, STD_MAKE, "make([T], int) | make(map[K]V)", std_make)                   \
    X(read_line, STD_FIXED, "fn() -> string", std_read_line)                         \
    X(eof, STD_FIXED, "fn() -> bool", std_eof)                                       \
    X(read_all, STD_FIXED, "fn() -> string", std_read_all)                           \
    X(read_file, STD_FIXED, "fn(string) -> string", std_read_file)                   \
    X(write, STD_PRINT, "write(args...)", std_write)                                 \
    X(sort, STD_SORT, "sort([int] | [float] | [string])", std_sort)                  \
    X(sort_by, STD_SORT_BY, "sort_by([T], fn(T, T) -> bool)", std_sort_by)

/* Table indexes: STD_B_print, STD_B_len, ... */
enum {
#define STD_X_INDEX(name, generic, sig, body) STD_B_##name,
    STD_BUILTIN_LIST(STD_X_INDEX)
#undef STD_X_INDEX
    STD_NUM_BUILTINS
};

/* The checker's view. */
typedef struct std_builtin {
    const char *name;
    std_generic generic;
    const char *sig; /* STD_FIXED: a toy function type; else documentation */
    /* Always NULL here: entry i's body is std_vm_builtins[i].fn (see the
     * top of this file for why it is a separate array). The field stays
     * for the front end's test, which checks it; drop it with that. */
    vm_builtin_fn body;
} std_builtin;

extern const std_builtin std_builtin_table[];
extern const int std_builtin_count;

/* The VM's view: the table CALLB indexes (vmtable.c). */
extern const vm_builtin std_vm_builtins[];

/* Points p's builtins at std_vm_builtins (the compiler calls it). */
void std_install(vm_program *p);

/* Built-in types, as toy source the checker parses before the program
 * (struct GCStats, the result of gc_stats()). */
extern const char std_prelude[];

/* The bodies, each a vm_builtin_fn (see vm.h). */
#define STD_X_DECL(name, generic, sig, body) \
    int body(vm_state *V, vm_value *args, int nargs, const int32_t *types);
STD_BUILTIN_LIST(STD_X_DECL)
#undef STD_X_DECL

/* Writes out what print and write buffered (io.c); vm_run does it when
 * the program ends, so only hosts calling built-ins outside vm_run need
 * it. 0, or -1 with the write error as V's error message. */
int std_flush(vm_state *V);

/* The random generator, for hosts and tests: seed as rand_seed(s) does,
 * and the next raw 64-bit output. */
void std_rand_seed_state(uint64_t state[4], uint64_t seed);
uint64_t std_rand_next(uint64_t state[4]);

#endif
