/*
 * liveness.c: stack maps from a backward liveness analysis over the
 * emitted bytecode, the job of Go's cmd/compile/internal/liveness/plive.go
 * for a register VM.
 *
 * As plive does per SSA block, we build basic blocks from the jumps, give
 * each block its uevar (references read before any write in the block) and
 * varkill (registers written), and solve live-in/live-out to a fixed
 * point, iterating blocks in reverse order. Then each block is walked
 * backwards once more, and every safepoint records its live set as the vm
 * README asks: the references live after the instruction minus what it
 * defines, plus the references it reads itself.
 *
 * Departures from plive: we analyse registers (one word each), not stack
 * variables; the type of a register may change from one instruction to the
 * next (the compiler reuses registers), so "is a reference" is a property
 * of each use, recorded by the compiler, not of the register. A register
 * is in a map when some path from the safepoint reaches a use of it as a
 * reference before any write: on a well-typed program every value that
 * reaches that use is a reference. Writes of any type kill.
 */
#include "lang/liveness.h"

#include <stdlib.h>
#include <string.h>

static void set_or(lv_regset *d, const lv_regset *s)
{
    for (int j = 0; j < 4; j++)
        d->w[j] |= s->w[j];
}

static bool set_eq(const lv_regset *a, const lv_regset *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* in = use | (out & ~def) */
static void transfer(lv_regset *in, const lv_regset *out, const lv_regset *use,
                     const lv_regset *def)
{
    for (int j = 0; j < 4; j++)
        in->w[j] = use->w[j] | (out->w[j] & ~def->w[j]);
}

static void add_range(lv_regset *s, int lo, int hi)
{
    for (int r = lo; r < hi && r < 256; r++)
        lv_add(s, r);
}

/* The reference registers instruction pc reads, and the registers it
 * writes (of any type). */
static void effects(const vm_proto *f, const lv_info *info, uint32_t pc, lv_regset *use,
                    lv_regset *def)
{
    memset(use, 0, sizeof *use);
    memset(def, 0, sizeof *def);
    vm_instr i = f->code[pc];
    vm_opcode op = VM_OP(i);
    int a = VM_A(i), b = VM_B(i), c = VM_C(i);
    unsigned refs = info->refops[pc];
    /* Operands that are references whatever the program. */
    switch (op) {
    case OP_GETFIELD: case OP_GETINDEX: case OP_LEN: case OP_LENS: case OP_MAPGET:
    case OP_MAPNEXT: case OP_GETCELL: case OP_CALLR: case OP_ADDIFLD: case OP_SUBIFLD:
    case OP_ADDFFLD: case OP_SUBFFLD: case OP_MULFFLD: case OP_DIVFFLD:
        refs |= LV_RB;
        break;
    case OP_SETFIELD: case OP_SETINDEX: case OP_PUSH: case OP_MAPSET: case OP_SETCELL:
    case OP_IFNIL: case OP_IFNILFLD: case OP_FLDADDI: case OP_FLDSUBI: case OP_FLDADDF:
    case OP_FLDSUBF: case OP_FLDMULF: case OP_FLDDIVF:
        refs |= LV_RA;
        break;
    case OP_CONCAT: case OP_EQ: case OP_EQS: case OP_LTS: case OP_LES:
        refs |= LV_RB | LV_RC;
        break;
    case OP_IFEQ: case OP_IFEQS: case OP_IFLTS: case OP_IFLES:
        refs |= LV_RA | LV_RB;
        break;
    default:
        break;
    }
    if (refs & LV_RA)
        lv_add(use, a);
    if (refs & LV_RB)
        lv_add(use, b);
    if (refs & LV_RC)
        lv_add(use, c);
    if (info->xuse[pc] >= 0)
        set_or(use, &info->xsets[info->xuse[pc]]);
    switch (op) {
    case OP_MOV: case OP_LOADK: case OP_LOADI: case OP_LOADF: case OP_LOADNIL:
    case OP_LOADTRUE: case OP_LOADFALSE: case OP_GETGLOBAL:
    case OP_ADDI: case OP_SUBI: case OP_MULI: case OP_DIVI: case OP_MODI: case OP_ADDIK:
    case OP_ADDF: case OP_SUBF: case OP_MULF: case OP_DIVF: case OP_MODF: case OP_BAND:
    case OP_BOR: case OP_BXOR: case OP_SHL: case OP_SHR: case OP_NEGI: case OP_NEGF:
    case OP_NOT: case OP_BNOT: case OP_ITOF: case OP_FTOI: case OP_SQRTF: case OP_MADDF:
    case OP_MSUBF:
    case OP_ADDIFLD: case OP_SUBIFLD: case OP_ADDFFLD: case OP_SUBFFLD: case OP_MULFFLD:
    case OP_DIVFFLD:
    case OP_EQI: case OP_LTI: case OP_LEI: case OP_EQF: case OP_LTF: case OP_LEF: case OP_EQ:
    case OP_EQS: case OP_LTS: case OP_LES:
    case OP_NEWSTRUCT: case OP_NEWSTRUCTV: case OP_GETFIELD: case OP_NEWARRAY: case OP_GETINDEX: case OP_LEN:
    case OP_LENS: case OP_NEWMAP: case OP_MAPGET: case OP_CONCAT: case OP_NEWCELL:
    case OP_GETCELL: case OP_GETUPVAL: case OP_CLOSURE:
        lv_add(def, a);
        break;
    case OP_FORPREP: case OP_FORPREPS:
        lv_add(def, a + 2);
        break;
    case OP_FORLOOP: case OP_FORLOOPS:
        lv_add(def, a);
        lv_add(def, a + 2);
        break;
    case OP_MAPNEXT:
        add_range(def, a, a + 3);
        break;
    case OP_CALL: case OP_CALLR:
        /* The callee's frame overwrites the whole window. */
        add_range(def, a, f->nregs);
        break;
    case OP_CALLB:
        add_range(def, a, a + (c > 0 ? c : 1));
        break;
    default:
        break;
    }
}

/* Successors of pc (at most two); returns how many. */
static int successors(const vm_proto *f, uint32_t pc, uint32_t succ[2])
{
    vm_instr i = f->code[pc];
    int n = 0;
    switch (VM_OP(i)) {
    case OP_RETURN: case OP_RETURN0: case OP_RETURNI:
        return 0;
    case OP_JMP:
        succ[n++] = (uint32_t)((int64_t)pc + 1 + VM_SJ(i));
        return n;
    case OP_TEST: case OP_IFEQI: case OP_IFLTI: case OP_IFLEI: case OP_IFEQF: case OP_IFLTF:
    case OP_IFLEF: case OP_IFEQ: case OP_IFEQS: case OP_IFLTS: case OP_IFLES: case OP_IFEQIK:
    case OP_IFLTIK: case OP_IFLEIK: case OP_IFGTIK: case OP_IFGEIK: case OP_IFNIL:
    case OP_IFNILFLD: case OP_MAPNEXT:
        succ[n++] = pc + 1; /* the JMP */
        succ[n++] = pc + 2; /* skipping it */
        return n;
    case OP_FORPREP: case OP_FORPREPS:
        succ[n++] = pc + 1;
        succ[n++] = pc + 1 + (uint32_t)VM_BX(i);
        return n;
    case OP_FORLOOP: case OP_FORLOOPS:
        succ[n++] = pc + 1;
        succ[n++] = pc + 1 - (uint32_t)VM_BX(i);
        return n;
    default:
        succ[n++] = pc + 1;
        return n;
    }
}

typedef struct block {
    uint32_t start, end; /* [start, end) */
    uint32_t succ[2];    /* block numbers */
    int nsucc;
    lv_regset uevar, varkill, livein, liveout;
} block;

int lv_stackmaps(vm_proto *f, const lv_info *info, char *err, size_t errlen)
{
    uint32_t n = f->ncode;
    int rc = -1;
    uint8_t *leader = calloc(n + 1, 1);
    uint32_t *blockof = malloc((n + 1) * sizeof *blockof);
    block *bl = NULL;
    if (!leader || !blockof) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    leader[0] = 1;
    for (uint32_t pc = 0; pc < n; pc++) {
        uint32_t s[2];
        int ns = successors(f, pc, s);
        bool branch = ns != 1 || s[0] != pc + 1;
        for (int j = 0; j < ns; j++) {
            if (s[j] > n) {
                snprintf(err, errlen, "%s: jump at pc %u out of range", f->name, pc);
                goto done;
            }
            if (branch)
                leader[s[j]] = 1;
        }
        if (branch && pc + 1 <= n)
            leader[pc + 1] = 1;
    }
    uint32_t nb = 0;
    for (uint32_t pc = 0; pc < n; pc++)
        if (leader[pc])
            nb++;
    bl = calloc(nb ? nb : 1, sizeof *bl);
    if (!bl) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    uint32_t b = 0;
    for (uint32_t pc = 0; pc < n; pc++) {
        if (leader[pc] && pc > 0)
            b++;
        if (leader[pc])
            bl[b].start = pc;
        bl[b].end = pc + 1;
        blockof[pc] = b;
    }
    blockof[n] = UINT32_MAX; /* falling off the end: no successor */
    for (b = 0; b < nb; b++) {
        block *k = &bl[b];
        uint32_t s[2];
        int ns = successors(f, k->end - 1, s);
        for (int j = 0; j < ns; j++)
            if (s[j] < n)
                k->succ[k->nsucc++] = blockof[s[j]];
        /* uevar/varkill, walking the block backwards. */
        for (uint32_t pc = k->end; pc-- > k->start;) {
            lv_regset use, def;
            effects(f, info, pc, &use, &def);
            transfer(&k->uevar, &k->uevar, &use, &def);
            set_or(&k->varkill, &def);
        }
    }
    /* Fixed point; reverse block order converges fast for backward flow. */
    for (bool changed = true; changed;) {
        changed = false;
        for (b = nb; b-- > 0;) {
            block *k = &bl[b];
            lv_regset out = {{0}};
            for (int j = 0; j < k->nsucc; j++)
                set_or(&out, &bl[k->succ[j]].livein);
            lv_regset in;
            transfer(&in, &out, &k->uevar, &k->varkill);
            if (!set_eq(&in, &k->livein) || !set_eq(&out, &k->liveout)) {
                k->livein = in;
                k->liveout = out;
                changed = true;
            }
        }
    }
    /* A reference live at entry that is no parameter is read before it is
     * ever written: the compiler's bug, and garbage for the collector. */
    if (nb > 0)
        for (int r = f->nparams; r < 256; r++)
            if (lv_has(&bl[0].livein, r)) {
                snprintf(err, errlen, "%s: register %d is read before it is written", f->name,
                         r);
                goto done;
            }
    for (b = 0; b < nb; b++) {
        block *k = &bl[b];
        lv_regset live = k->liveout;
        for (uint32_t pc = k->end; pc-- > k->start;) {
            lv_regset use, def;
            effects(f, info, pc, &use, &def);
            vm_instr i = f->code[pc];
            vm_opcode op = VM_OP(i);
            if (vm_opsafepoint[op]) {
                lv_regset map;
                transfer(&map, &live, &use, &def);
                if (op == OP_CALL || op == OP_CALLR) {
                    int a = VM_A(i);
                    for (int r = a + 1; r < 256; r++)
                        if (lv_has(&live, r)) {
                            snprintf(err, errlen,
                                     "%s: register %d is live across the call at pc %u", f->name,
                                     r, pc);
                            goto done;
                        }
                    for (int r = a; r < 256; r++)
                        lv_del(&map, r);
                }
                uint8_t bits[VM_MAP_BYTES];
                for (int j = 0; j < 4; j++)
                    for (int y = 0; y < 8; y++)
                        bits[j * 8 + y] = (uint8_t)(map.w[j] >> (8 * y));
                if (vm_stackmap(f, pc, bits) != 0) {
                    snprintf(err, errlen, "out of memory");
                    goto done;
                }
            }
            transfer(&live, &live, &use, &def);
        }
    }
    rc = 0;
done:
    free(leader);
    free(blockof);
    free(bl);
    return rc;
}
