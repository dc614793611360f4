/*
 * builtins.h: toy's built-in functions as the checker and the compiler
 * see them: one line each in STD_BUILTIN_LIST (name, kind, signature,
 * body), the index enum (STD_B_*), the checker's table and the prelude of
 * built-in types (builtins.c). It needs nothing of the VM, so the front
 * end includes it without vm.h; stdlib.h adds the VM's side (the bodies).
 */
#ifndef STDLIB_BUILTINS_H
#define STDLIB_BUILTINS_H

/* How the checker types a call of a built-in. */
typedef enum std_generic {
    STD_FIXED,  /* sig is a function type: fn(A, B) -> R */
    STD_PRINT,  /* print(args...): any number of values of any type */
    STD_LEN,    /* len(x): string, [T], map[K]V or chan[T] -> int */
    STD_PUSH,   /* push(a: [T], x: T) */
    STD_POP,    /* pop(a: [T]) -> T */
    STD_HAS,    /* has(m: map[K]V, k: K) -> bool */
    STD_DELETE, /* delete(m: map[K]V, k: K) */
    STD_KEYS,   /* keys(m: map[K]V) -> [K] */
    STD_STR,    /* str(x): any value -> string */
    STD_MAKE,   /* make([T], n: int) -> [T]; make(map[K]V) -> map[K]V;
                   make(chan[T], n: int) -> chan[T] (n optional: 0) */
    STD_ABS,    /* abs(x: N) -> N, N int or float */
    STD_MINMAX, /* min(a: N, b: N) -> N, N int or float */
    STD_SORT,   /* sort(a: [int] | [float] | [string]) */
    STD_SORT_BY, /* sort_by(a: [T], less: fn(T, T) -> bool) */
    STD_SEND,   /* send(c: chan[T], v: T) */
    STD_RECV,   /* recv(c: chan[T]) -> T */
    STD_CLOSE,  /* close(c: chan[T]) */
    STD_GO,     /* the go statement's body: never a name in a program ("go" is a keyword) */
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
    X(make, STD_MAKE, "make([T], int) | make(map[K]V) | make(chan[T], int)", std_make) \
    X(read_line, STD_FIXED, "fn() -> string", std_read_line)                         \
    X(eof, STD_FIXED, "fn() -> bool", std_eof)                                       \
    X(read_all, STD_FIXED, "fn() -> string", std_read_all)                           \
    X(read_file, STD_FIXED, "fn(string) -> string", std_read_file)                   \
    X(write, STD_PRINT, "write(args...)", std_write)                                 \
    X(sort, STD_SORT, "sort([int] | [float] | [string])", std_sort)                  \
    X(sort_by, STD_SORT_BY, "sort_by([T], fn(T, T) -> bool)", std_sort_by)           \
    X(send, STD_SEND, "send(chan[T], T)", std_send)                                  \
    X(recv, STD_RECV, "recv(chan[T]) -> T", std_recv)                                \
    X(close, STD_CLOSE, "close(chan[T])", std_close)                                 \
    X(go, STD_GO, "go f(args...)", std_go)

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
} std_builtin;

extern const std_builtin std_builtin_table[];
extern const int std_builtin_count;

/* Built-in types, as toy source the checker parses before the program
 * (struct GCStats, the result of gc_stats()). */
extern const char std_prelude[];

#endif
