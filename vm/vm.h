/*
 * vm.h: the public header of the VM: it loads a finished program
 * (bytecode.h: the format and its builder) and runs it on an alloc heap;
 * the interface of the built-ins (stdlib/), the host's options, the
 * disassembler, the allocation profile and the layout printer.
 */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc/alloc.h"
#include "vm/bytecode.h"

#if defined(__GNUC__)
#define VM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VM_PRINTF(f, a)
#endif

typedef struct vm_state vm_state;

/* A builtin receives its arguments in args[0..nargs-1] (slots of the
 * calling frame, which are roots while it runs) and the rtypes of the
 * arguments as the call site saw them (types[0] = count, then one rtype
 * index each; the empty list when the compiler gave none). It leaves its
 * result in args[0] and returns 0, or returns vm_error(...)/vm_exit(...). */
typedef int (*vm_builtin_fn)(vm_state *V, vm_value *args, int nargs, const int32_t *types);
typedef struct vm_builtin {
    const char *name;
    vm_builtin_fn fn;
} vm_builtin;

/* ---- The VM. ---- */
typedef struct vm_options {
    FILE *in;           /* read_line, eof, read_all read it; NULL = stdin */
    FILE *out;          /* print and write go here; NULL = stdout */
    FILE *err;          /* runtime errors; NULL = stderr */
    gc_heap *heap;      /* run on this heap; NULL = make one from gc */
    gc_options gc;
    int64_t step_limit; /* stop after about this many back edges and calls; 0 = none */
    int max_depth;      /* frames before "stack overflow" */
    void *ud;           /* the host's or stdlib's, see vm_userdata */
    /* The built-in bodies (stdlib's std_vm_builtins for toy programs):
     * for every built-in j the code calls, entry j must be a body with
     * the name of the program's built-in j. */
    const vm_builtin *builtins;
    int nbuiltins;
    bool movestack;     /* TOYDEBUG=movestack=1: move the value stack at every call */
    /* TOYMAXPROCS: how many threads run toy code at once (Go's
     * GOMAXPROCS); 0 = the number of CPUs. */
    int maxprocs;
    /* TOYDEBUG=allocprof=FILE,allocprofrate=N: the host (toy run) starts
     * the profile (vm_allocprof_start) and writes it to FILE at exit.
     * Empty = off; rate in bytes, 1 = every allocation. */
    char allocprof[1024];
    int64_t allocprofrate;
} vm_options;

#define VM_DEFAULT_MAX_DEPTH 100000

enum {
    VM_STATUS_OK = 0,
    VM_STATUS_ERROR = 2, /* a runtime error was reported */
};

void vm_options_default(vm_options *o);
/* TOYGC, TOYMEMLIMIT and TOYDEBUG: the VM takes its own TOYDEBUG keys
 * (movestack, allocprof, allocprofrate) out of the list and hands the rest to alloc
 * (gc_options_from_env_debug), which rejects unknown keys. 0, or -1 with a
 * message in err (o unchanged). */
int vm_options_from_env(vm_options *o, char *err, size_t errlen);
/* The same for a TOYDEBUG-style list given by a host (toy.run's debug). */
int vm_options_parse_debug(vm_options *o, const char *s, char *err, size_t errlen);
/* The program must outlive the VM; it is finished here if it was not.
 * NULL with a message in err when it cannot be run. */
vm_state *vm_new(vm_program *p, const vm_options *o, char *err, size_t errlen);
void vm_free(vm_state *V);
/* Runs init then main; returns 0, 2 after a runtime error (reported on the
 * err stream with a stack trace), or the code given to vm_exit. */
int vm_run(vm_state *V, int argc, char **argv);

/* ---- For builtins (stdlib/) and hosts. ---- */
int vm_error(vm_state *V, const char *fmt, ...) VM_PRINTF(2, 3);
int vm_exit(vm_state *V, int code);
FILE *vm_in(vm_state *V);
FILE *vm_out(vm_state *V);
/* Writes data[0..n) to the out stream and flushes it: the one writer of
 * a program's output (stdlib's print and write buffer, then come here;
 * vm_run comes here when the program ends). 0, or -1 with the runtime
 * error "writing output: REASON" as V's message. */
int vm_write_out(vm_state *V, const void *data, size_t n);
FILE *vm_errout(vm_state *V);
gc_heap *vm_heap(vm_state *V);
gc_p *vm_gcp(vm_state *V);
/* *slot = val for a pointer stored into a heap object or a global, through
 * the heap's write barrier (alloc.h's gc_write_pointer): every builtin
 * that stores a pointer outside the value stack calls this. */
void vm_write_pointer(vm_state *V, void **slot, void *val);
const vm_program *vm_get_program(vm_state *V);
/* The gc_type of the program's struct s (for builtins that make one). */
const gc_type *vm_struct_gctype(vm_state *V, int32_t s);
char **vm_args(vm_state *V, int *argc);
int64_t vm_steps_left(vm_state *V);
void *vm_userdata(vm_state *V);
/* Temporary roots for builtins that allocate more than once. */
int vm_root_push(vm_state *V, void *p);
void *vm_root_get(vm_state *V, int depth); /* 0 = the last pushed */
void vm_root_pop(vm_state *V, int n);
/* Words the stdlib keeps per VM (its random generator's state), zero when
 * the VM is made: a VM is a value, so nothing of the stdlib is global. */
#define VM_STD_WORDS 4
uint64_t *vm_std_words(vm_state *V);
/* A library's per-VM state that owns more than words (stdlib's buffered
 * input and output, stdlib/io.c): the library makes it on first use and
 * hands it over with its hooks. vm_run calls finish when the program ends,
 * however it ends (main returned, exit(), a runtime error): stdlib flushes
 * the output there; a non-zero result (with vm_error's message) turns a
 * clean end into a runtime error. vm_free calls release. */
typedef struct vm_std_hooks {
    int (*finish)(vm_state *V, void *state);
    void (*release)(void *state);
} vm_std_hooks;
void *vm_std_state(vm_state *V);
/* The program's threads share the library's state (vm_std_state,
 * vm_std_words): a built-in holds this lock while it uses it. Waiting
 * for it gives the thread's P back, so call it at the start of a
 * built-in (a safepoint), before any heap pointer is held in C. */
void vm_std_lock(vm_state *V);
void vm_std_unlock(vm_state *V);
void vm_set_std_state(vm_state *V, void *state, const vm_std_hooks *hooks);

/* callback.c: calls the function value fn (a vm_closure, not nil) with
 * nargs (at most VM_CALL_MAXARGS) arguments from a built-in, as Lua's
 * lua_call does; the result in *result. Returns 0, -1 after a runtime
 * error in the callee (its message set: the built-in returns -1 and the
 * trace shows the callee's frames) or 1 when it called exit(). The value
 * stack may move during the call: a built-in must not keep pointers into
 * it (its args included) across vm_call; heap objects do not move. */
#define VM_CALL_MAXARGS 8
int vm_call(vm_state *V, void *fn, const vm_value *args, int nargs, vm_value *result);

/* "computed goto" or "switch": how this build dispatches. */
extern const char vm_dispatch[];

/* disasm.c: every instruction of f, and at each safepoint its live slots. */
void vm_disasm_proto(FILE *out, const vm_program *p, const vm_proto *f);
void vm_disasm_program(FILE *out, const vm_program *p);

/* allocprof.c: the allocation profile (TOYDEBUG=allocprof=FILE). Start
 * sampling about one allocation per rate bytes (Go's MemProfileRate; 1 =
 * every allocation) at the VM's allocation sites; 0 or -1 (out of memory).
 * vm_allocprof_write runs a full collection, then writes objects and bytes
 * allocated and live per object type and per site (function:line), and
 * the totals against gc_stats since the start. 0 or -1 (a write error).
 * vm_allocprof_write_pprof writes the same in pprof's format (gzipped
 * profile.proto) for `go tool pprof`. */
int vm_allocprof_start(vm_state *V, int64_t rate);
int vm_allocprof_write(vm_state *V, FILE *out);
int vm_allocprof_write_pprof(vm_state *V, FILE *out);

/* types.c: every gc_type of a finished program, with the path and size
 * class mallocgc gives its objects (`toy types`). */
void vm_print_types(FILE *out, const vm_program *p);

#endif
