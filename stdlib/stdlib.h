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
 * line of STD_BUILTIN_LIST (builtins.h: name, kind, signature, body), and
 * both tables are generated from it, so index i is the same built-in in
 * both. They are two arrays, not one, because the checker's side must
 * link without the VM: toycheck and the front end's tests link liblang.a
 * and libstdlib.a only, and the linker pulls the bodies (and with them
 * libvm and liballoc) only into programs that name std_vm_builtins. The
 * compiler names the built-ins by index (STD_B_*) in the program; a host
 * binds the bodies when it loads it (vm_options.builtins =
 * std_vm_builtins).
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
 *     `writing output: REASON`, at the call that finds it or when the program ends
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

#include "stdlib/builtins.h"
#include "vm/vm.h"

/* The VM's view: the bodies a host binds to a program (vm_options'
 * builtins, STD_NUM_BUILTINS entries; vmtable.c). */
extern const vm_builtin std_vm_builtins[];

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
