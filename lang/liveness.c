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

#include <stdio.h>
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
 * writes (of any type), from the operand roles (opcodes.h) and the
 * compiler's per-instruction facts. */
static void effects(const vm_proto *f, const lv_info *info, uint32_t pc, lv_regset *use,
                    lv_regset *def)
{
    memset(use, 0, sizeof *use);
    memset(def, 0, sizeof *def);
    vm_instr i = f->code[pc];
    vm_opcode op = VM_OP(i);
    if (vm_opformats[op] == VM_FMT_iAx || vm_opformats[op] == VM_FMT_isJ)
        return;
    const int reg[3] = {VM_A(i), VM_B(i), VM_C(i)};
    const unsigned lvbit[3] = {LV_RA, LV_RB, LV_RC};
    const int ncols = vm_opformats[op] == VM_FMT_iABC ? 3 : 1;
    unsigned refs = info->refops[pc];
    for (int col = 0; col < ncols; col++) {
        int r = reg[col];
        switch ((vm_role)vm_oproles[op][col]) {
        case VM_ROLE_P:
            lv_add(use, r);
            break;
        case VM_ROLE_R:
            if (refs & lvbit[col])
                lv_add(use, r);
            break;
        case VM_ROLE_RW:
            if (refs & lvbit[col])
                lv_add(use, r);
            lv_add(def, r);
            break;
        case VM_ROLE_W: case VM_ROLE_VALS:
            lv_add(def, r);
            break;
        case VM_ROLE_PREP: case VM_ROLE_PREPS: /* the ints read are no references */
            lv_add(def, r + 2);
            break;
        case VM_ROLE_LOOP: case VM_ROLE_LOOPS:
            lv_add(def, r);
            lv_add(def, r + 2);
            break;
        case VM_ROLE_NEXT:
            add_range(def, r, r + 3);
            break;
        case VM_ROLE_CALLW: /* the callee's frame overwrites the whole window */
            add_range(def, r, f->nregs);
            break;
        case VM_ROLE_ARGS:
            add_range(def, r, r + (reg[2] > 0 ? reg[2] : 1));
            break;
        default:
            break;
        }
    }
    if (info->xuse[pc] >= 0)
        set_or(use, &info->xsets[info->xuse[pc]]);
}

/* Successors of pc (at most two); returns how many. */
static int successors(const vm_proto *f, uint32_t pc, uint32_t succ[2])
{
    vm_instr i = f->code[pc];
    vm_opcode op = VM_OP(i);
    if (vm_opflags[op] & VM_OPF_RET)
        return 0;
    if (vm_opflags[op] & VM_OPF_T) {
        succ[0] = pc + 1; /* the JMP */
        succ[1] = pc + 2; /* skipping it */
        return 2;
    }
    switch ((vm_role)vm_oproles[op][vm_opformats[op] == VM_FMT_isJ ? 0 : 1]) {
    case VM_ROLE_J:
        succ[0] = (uint32_t)((int64_t)pc + 1 + VM_SJ(i));
        return 1;
    case VM_ROLE_JF:
        succ[0] = pc + 1;
        succ[1] = pc + 1 + (uint32_t)VM_BX(i);
        return 2;
    case VM_ROLE_JB:
        succ[0] = pc + 1;
        succ[1] = pc + 1 - (uint32_t)VM_BX(i);
        return 2;
    default:
        succ[0] = pc + 1;
        return 1;
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
            if (vm_op_safepoint(op)) {
                lv_regset map;
                transfer(&map, &live, &use, &def);
                /* At a call the map keeps the reference arguments (at
                 * and above A): the call polls for the collector before
                 * it pushes the callee's frame. Once pushed, the
                 * callee's frame covers them (vm_roots stops the
                 * caller's scan at the callee's base). */
                if (op == OP_CALL || op == OP_CALLR) {
                    int a = VM_A(i);
                    for (int r = a + 1; r < 256; r++)
                        if (lv_has(&live, r)) {
                            snprintf(err, errlen,
                                     "%s: register %d is live across the call at pc %u", f->name,
                                     r, pc);
                            goto done;
                        }
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
