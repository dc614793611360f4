/*
 * vm.h: the public header of vm/, the toy bytecode format and the VM.
 *
 * lang/ includes it for the program format and the builder functions only:
 * the compiler makes a vm_program with vm_program_new, adds run-time types,
 * structs, globals and protos, emits instructions (opcodes.h) with a source
 * line each, records a stack map at every safepoint pc, and calls
 * vm_program_finish, which derives the gc_types, sorts and deduplicates the
 * stack maps and verifies the code. vm_new then runs it on an alloc heap.
 *
 * The contract the compiler fills (see also opcodes.h):
 *   - every value is one untagged 64-bit word (vm_value); a frame is a
 *     window of nregs <= 256 such slots; parameters arrive in R[0..nparams-1];
 *   - a call "CALL A Bx" passes its arguments in R[A..] of the caller, which
 *     become R[0..] of the callee; the result comes back in R[A]. So the
 *     caller must keep nothing it needs in R[A..] across the call;
 *   - a safepoint is an instruction whose opcode is marked so in opcodes.h
 *     (allocations, calls, builtins). For each safepoint pc the compiler
 *     records a stack map: the bitmap of the frame's slots that hold live
 *     references while that instruction executes, that is the references
 *     live after it (its destination excluded) plus its own reference
 *     operands. At a call, bits at or above A are ignored (that part of
 *     the window belongs to the callee). A slot whose bit is clear is never
 *     looked at by the collector, so a stale pointer in a dead slot does
 *     not keep its object alive;
 *   - globals are roots with one pointer map, derived from their rtypes;
 *   - string constants are interned into the heap by vm_new.
 */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc/alloc.h"
#include "vm/opcodes.h"

#if defined(__GNUC__)
#define VM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VM_PRINTF(f, a)
#endif

typedef union vm_value {
    int64_t i; /* int; bool as 0/1 */
    double f;
    void *p; /* string, array, map, struct, closure, cell; NULL is nil */
} vm_value;

typedef uint32_t vm_instr;
typedef struct vm_state vm_state;

/* ---- Run-time types: what a word is, for printing and for gc_types. ---- */
typedef enum vm_kind {
    VM_KVOID,   /* no value (a function without result) */
    VM_KINT,
    VM_KFLOAT,
    VM_KBOOL,
    VM_KSTRING, /* references from here on */
    VM_KARRAY,  /* a = element rtype */
    VM_KMAP,    /* a = key rtype, b = value rtype */
    VM_KSTRUCT, /* a = struct index */
    VM_KFUNC,   /* a closure */
    VM_KNIL     /* the type of a bare nil literal */
} vm_kind;

#define VM_KIND_IS_REF(k) ((k) >= VM_KSTRING)

typedef struct vm_rtype {
    int32_t kind;
    int32_t a, b;
} vm_rtype;

typedef struct vm_structdesc {
    char *name;
    int32_t nfields;
    char **field_names;   /* declaration order: the print order */
    int32_t *field_types; /* rtype indexes */
    gc_type gctype;       /* derived by vm_program_finish */
    gc_site site;         /* gctype as an allocation site, for NEWSTRUCT */
    uint8_t *ptrmask;
} vm_structdesc;

/* ---- Functions. ---- */
enum { VM_CONST_INT, VM_CONST_FLOAT, VM_CONST_STRING };

typedef struct vm_const {
    int kind;
    vm_value v;   /* INT, FLOAT */
    char *s;      /* STRING: len bytes (NUL-terminated copy) */
    size_t len;
} vm_const;

/* Where CLOSURE finds each cell it captures: in the creating frame's
 * register `index` (instack = 1, the register holds a cell made by
 * NEWCELL) or in the creating closure's own U[index] (instack = 0). */
typedef struct vm_upvaldesc {
    uint8_t instack;
    uint8_t index;
} vm_upvaldesc;

/* Every stack map is stored with this stride (256 registers at most). */
#define VM_MAP_BYTES 32

typedef struct vm_proto {
    char *name;
    int nparams;
    int nregs;        /* frame size in slots, set by the compiler (<= 256) */
    int result_rtype; /* for documentation and disassembly; -1 = none */
    vm_instr *code;
    int32_t *lines;   /* source line of each instruction */
    uint32_t ncode, capcode;
    vm_const *k;
    uint32_t nk, capk;
    vm_upvaldesc *upvals;
    uint32_t nupvals, capupvals;
    /* Stack maps: safepoint pcs sorted ascending (by vm_program_finish),
     * sp_map[i] the index of the bitmap of sp_pc[i] in maps. */
    uint32_t *sp_pc, *sp_map;
    uint32_t nsp, capsp;
    uint8_t (*maps)[VM_MAP_BYTES];
    uint32_t nmaps, capmaps;
    /* Derived by vm_program_finish: the closure layout of this proto. */
    gc_type closure_type;
    uint8_t closure_mask[VM_MAP_BYTES + 1];
    gc_site closure_site; /* CLOSURE allocates through it */
} vm_proto;

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

typedef struct vm_program {
    char *source; /* file name shown in stack traces */
    vm_proto **protos;
    uint32_t nprotos, capprotos;
    int32_t main_proto; /* called by vm_run; -1 = none */
    int32_t init_proto; /* global initialisers, run first; -1 = none */
    char **global_names;
    int32_t *global_types;
    uint8_t *global_ptrmask; /* one bit per global */
    uint32_t nglobals, capglobals;
    vm_rtype *rtypes;
    uint32_t nrtypes, caprtypes;
    vm_structdesc *structs;
    uint32_t nstructs, capstructs;
    int32_t *typelists; /* flat: at offset o, count then count rtypes; o = 0 is empty */
    uint32_t ntypelists, captypelists;
    const vm_builtin *builtins; /* the table CALLB indexes (stdlib's) */
    int nbuiltins;
    bool finished;
    bool oom; /* a builder call ran out of memory; finish fails */
} vm_program;

/* ---- Builder (the compiler and the tests make programs with these). ---- */
vm_program *vm_program_new(const char *source);
void vm_program_free(vm_program *p);
/* Link and verify: gc_types, sorted stack maps, operand and jump ranges,
 * a stack map at every safepoint. 0, or -1 with a message in err. */
int vm_program_finish(vm_program *p, char *err, size_t errlen);

int32_t vm_add_rtype(vm_program *p, vm_kind kind, int32_t a, int32_t b); /* deduplicated */
int32_t vm_add_struct(vm_program *p, const char *name);
int vm_add_field(vm_program *p, int32_t s, const char *name, int32_t rtype);
int32_t vm_add_global(vm_program *p, const char *name, int32_t rtype);
int32_t vm_add_typelist(vm_program *p, const int32_t *rtypes, int n); /* offset */
int32_t vm_add_proto(vm_program *p, const char *name, int nparams, int nregs);

int vm_emit(vm_proto *f, vm_instr i, int line); /* returns the pc, -1 on OOM */
int32_t vm_const_int(vm_proto *f, int64_t v); /* deduplicated; -1 on OOM */
int32_t vm_const_float(vm_proto *f, double v);
int32_t vm_const_string(vm_proto *f, const char *s, size_t len);
int vm_add_upval(vm_proto *f, int instack, int index);
/* Record the stack map of safepoint pc: bits has VM_MAP_BYTES bytes. */
int vm_stackmap(vm_proto *f, uint32_t pc, const uint8_t *bits);
/* The same from a list of live reference slots. */
int vm_stackmap_slots(vm_proto *f, uint32_t pc, const int *slots, int n);
/* The map of pc (binary search; after finish), NULL when pc has none. */
const uint8_t *vm_proto_stackmap(const vm_proto *f, uint32_t pc);

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
    bool movestack;     /* TOYDEBUG=movestack=1: move the value stack at every call */
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
FILE *vm_errout(vm_state *V);
gc_heap *vm_heap(vm_state *V);
gc_p *vm_gcp(vm_state *V);
const vm_program *vm_get_program(vm_state *V);
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

/* Names and formats, for the disassembler and tools. */
extern const char *const vm_opnames[VM_NUM_OPCODES];
extern const unsigned char vm_opformats[VM_NUM_OPCODES];
extern const unsigned char vm_opsafepoint[VM_NUM_OPCODES];

/* disasm.c: every instruction of f, and at each safepoint its live slots. */
void vm_disasm_proto(FILE *out, const vm_program *p, const vm_proto *f);
void vm_disasm_program(FILE *out, const vm_program *p);

/* allocprof.c: the allocation profile (TOYDEBUG=allocprof=FILE). Start
 * sampling about one allocation per rate bytes (Go's MemProfileRate; 1 =
 * every allocation) at the VM's allocation sites; 0 or -1 (out of memory).
 * vm_allocprof_write runs a full collection, then writes objects and bytes
 * allocated and live per object type and per site (function:line), and
 * the totals against gc_stats since the start. 0 or -1 (a write error). */
int vm_allocprof_start(vm_state *V, int64_t rate);
int vm_allocprof_write(vm_state *V, FILE *out);

/* types.c: every gc_type of a finished program, with the path and size
 * class mallocgc gives its objects (`toy types`). */
void vm_print_types(FILE *out, const vm_program *p);

#endif
