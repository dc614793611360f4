/*
 * liveness.h: the interface between lang/compile.c and lang/liveness.c
 * (internal to lang/). The compiler records, for every instruction it
 * emits, which register operands it reads as references; liveness.c does
 * the rest from the bytecode itself.
 */
#ifndef LANG_LIVENESS_H
#define LANG_LIVENESS_H

#include "vm/bytecode.h"

/* A set of frame registers (a frame has at most 256). */
typedef struct lv_regset {
    uint64_t w[4];
} lv_regset;

static inline void lv_add(lv_regset *s, int r) { s->w[(r >> 6) & 3] |= 1ull << (r & 63); }
static inline void lv_del(lv_regset *s, int r) { s->w[(r >> 6) & 3] &= ~(1ull << (r & 63)); }
static inline bool lv_has(const lv_regset *s, int r) { return s->w[(r >> 6) & 3] >> (r & 63) & 1; }

/* Per-instruction flags: the operand register read is a reference. The
 * operands whose role is P (GETFIELD's B, CONCAT's B and C, ...) are
 * references whatever the program; the compiler sets these flags for the
 * R and RW ones, whose kind depends on the static type (MOV's B,
 * SETFIELD's C, RETURN's A, ...). */
enum { LV_RA = 1, LV_RB = 2, LV_RC = 4 };

/* The LV_R* bits an instruction may carry: its operands whose role
 * (opcodes.h) leaves the reference question to the compiler. */
static inline unsigned lv_maybe_refs(vm_instr i)
{
    vm_opcode op = VM_OP(i);
    int ncols = vm_opformats[op] == VM_FMT_iABC ? 3 : vm_opformats[op] == VM_FMT_iAx ||
                                                         vm_opformats[op] == VM_FMT_isJ
                                                     ? 0
                                                     : 1;
    unsigned m = 0;
    for (int col = 0; col < ncols; col++)
        if (vm_role_maybe_ref(vm_oproles[op][col]))
            m |= 1u << col;
    return m;
}

typedef struct lv_info {
    uint8_t *refops;   /* per pc: LV_RA | LV_RB | LV_RC */
    int32_t *xuse;     /* per pc: index into xsets (call arguments that are
                          references, cells a CLOSURE captures), or -1 */
    lv_regset *xsets;
    uint32_t n, cap;   /* of refops and xuse (one per pc) */
    uint32_t nx, capx; /* of xsets */
} lv_info;

/* Backward liveness over f's code (basic blocks from its jumps, solved to
 * a fixed point), then a stack map at every safepoint: the references
 * live after the instruction except what it defines, plus the references
 * it reads (at CALL and CALLR: the reference arguments). Loop back edges
 * (JMPBACK, FORLOOP) are safepoints too: they poll. nparams: the
 * registers defined on entry. Returns 0, or -1 with a message (a compiler
 * bug: a reference read before any write, or live across a call above
 * its window). */
int lv_stackmaps(vm_proto *f, const lv_info *info, char *err, size_t errlen);

#endif
