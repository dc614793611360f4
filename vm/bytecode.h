/*
 * bytecode.h: the toy bytecode format and its builder, the one vm header
 * the compiler (lang/) includes: what a program is (protos, constants,
 * stack maps, run-time type descriptions, globals, the built-ins it calls),
 * how to build one, and the instruction set (opcodes.h). Nothing here
 * runs a program: the VM (vm.h) loads a finished program, binds its
 * built-ins and derives the collector's layouts from its types.
 *
 * The compiler makes a vm_program with vm_program_new, adds run-time
 * types, structs, globals, built-ins and protos, emits instructions with a
 * source line each, records a stack map at every safepoint pc, and calls
 * vm_program_finish, which sorts and deduplicates the stack maps and
 * verifies the code (program.c; opcodes.c holds the opcode tables).
 *
 * The contract the compiler fills (see also opcodes.h):
 *   - every value is one untagged 64-bit word (vm_value); a frame is a
 *     window of nregs <= 256 such slots; parameters arrive in R[0..nparams-1];
 *   - a call "CALL A Bx" passes its arguments in R[A..] of the caller, which
 *     become R[0..] of the callee; the result comes back in R[A]. So the
 *     caller must keep nothing it needs in R[A..] across the call;
 *   - a safepoint is an instruction whose opcode is marked so in opcodes.h
 *     (allocations, calls, builtins, loop back edges: JMPBACK and
 *     FORLOOP poll for the collector, as calls do). For each safepoint pc
 *     the compiler records a stack map: the bitmap of the frame's slots
 *     that hold live references while that instruction executes, that is
 *     the references live after it (its destination excluded) plus its own
 *     reference operands. At a call these include the reference arguments
 *     at and above A: the collector reads them only while the call polls,
 *     before the callee's frame is pushed; from then on that part of the
 *     window is the callee's and the caller's scan stops below it. A slot
 *     whose bit is clear is never looked at by the collector, so a stale
 *     pointer in a dead slot does not keep its object alive;
 *   - a store of a reference into a struct field, an array element, a
 *     global or a cell uses the P form of its opcode (SETFIELDP,
 *     SETINDEXP, SETGLOBALP, SETCELLP, SETUPVALP), which the VM runs
 *     through the collector's write barrier; a scalar store uses the
 *     plain form, which has none. A jump back is JMPBACK (JMP only jumps
 *     forward), so that every loop polls;
 *   - globals are roots with one pointer map, derived from their rtypes;
 *   - string constants are interned into the heap by vm_new.
 */
#ifndef VM_BYTECODE_H
#define VM_BYTECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/opcodes.h"

typedef union vm_value {
    int64_t i; /* int; bool as 0/1 */
    double f;
    void *p; /* string, array, map, struct, closure, cell; NULL is nil */
} vm_value;

typedef uint32_t vm_instr;

/* ---- Run-time types: what a word is, for printing and for the layouts
 * the VM derives (a gc_type per struct). ---- */
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
    VM_KCHAN,   /* a = element rtype */
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
} vm_proto;

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
    /* The built-ins the code was compiled against: CALLB's B indexes
     * this list of names; vm_new binds the ones called to the bodies of
     * the same index and name in vm_options.builtins. */
    char **builtin_names;
    int32_t nbuiltins, capbuiltins;
    bool finished;
    bool oom; /* a builder call ran out of memory; finish fails */
} vm_program;

/* Fixed-width fields the builder and vm_program_finish check (the other
 * limits are the operand widths, VM_MAXARG_*): a function's jump lists are
 * threaded through sJ as absolute pcs, so it has at most VM_MAX_CODE
 * instructions; CALLB's EXTRAARG names its argument type list by its
 * offset in Ax, so no list starts past VM_MAXARG_AX. */
#define VM_MAX_CODE (1u << 22)
#define VM_TYPELIST_FULL (-2) /* vm_add_typelist: the next offset passes Ax */

/* The capacity a growable array of cap elements of sz bytes doubles to
 * (8 when empty), or 0 when that passes max elements or SIZE_MAX bytes.
 * The one growth rule of the builder's realloc'd arrays and the checker's
 * arena arrays (lang/check.c). */
static inline size_t vm_grow_cap(size_t cap, size_t max, size_t sz)
{
    size_t c = cap ? cap * 2 : 8;
    if (cap > max / 2 || c > max || c > SIZE_MAX / sz)
        return 0;
    return c;
}

/* ---- Builder (the compiler and the tests make programs with these). ---- */
vm_program *vm_program_new(const char *source);
void vm_program_free(vm_program *p);
/* Verify and link: sorted stack maps, the globals' pointer map, operand
 * and jump ranges, a stack map at every safepoint. 0, or -1 with a
 * message in err. */
int vm_program_finish(vm_program *p, char *err, size_t errlen);

int32_t vm_add_rtype(vm_program *p, vm_kind kind, int32_t a, int32_t b); /* deduplicated */
int32_t vm_add_struct(vm_program *p, const char *name);
int vm_add_field(vm_program *p, int32_t s, const char *name, int32_t rtype);
int32_t vm_add_global(vm_program *p, const char *name, int32_t rtype);
/* The list's offset, -1 out of memory, VM_TYPELIST_FULL when the offset
 * would pass VM_MAXARG_AX (nothing is added). */
int32_t vm_add_typelist(vm_program *p, const int32_t *rtypes, int n);
int32_t vm_add_proto(vm_program *p, const char *name, int nparams, int nregs);
int32_t vm_add_builtin(vm_program *p, const char *name); /* the next index */

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

#endif
