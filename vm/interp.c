/*
 * interp.c: the interpreter loop (Lua's luaV_execute in lvm.c, dispatched
 * the way Wren's runInterpreter is).
 *
 * Dispatch is computed goto under GCC and Clang (a table of label
 * addresses built from the opcode X-macro) and a plain switch otherwise or
 * with -DVM_SWITCH_DISPATCH; both share the vmcase/vmbreak macros, so one
 * body serves both and the tests build both.
 *
 * pc, base (R[0]) and the frame pointer stay in locals; the pc and the
 * frame are written back (savepc, Lua's Protect) only before a safepoint
 * or an error, so that the roots callback finds the stack map of every
 * frame's current instruction and the trace its line. Values are
 * untagged: nothing the type checker proved is checked again here. The
 * only run-time checks are nil dereference, bounds, division by zero,
 * stack depth, out of memory and the optional step limit (counted on
 * calls and back edges only).
 *
 * Departures from Lua for speed (vm/README.md has the calling
 * sequence and the fused instructions): operands are read in place as
 * bytes of the fetched instruction, the dispatch table's address is kept
 * in a register, a call checks two limits and stores three words, and a
 * return tests nothing (the bottom frame returns into HALT).
 */
#include "vm/vmint.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(VM_SWITCH_DISPATCH)
#define VM_COMPUTED_GOTO 1
#else
#define VM_COMPUTED_GOTO 0
#endif

/* Operands read in place (interp.c's iA...): little-endian hosts. The
 * switch build decodes a loaded word, so both forms stay tested. */
#if VM_COMPUTED_GOTO && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VM_INPLACE_OPERANDS 1
#else
#define VM_INPLACE_OPERANDS 0
#endif

#if VM_COMPUTED_GOTO
const char vm_dispatch[] = "computed goto";
#else
const char vm_dispatch[] = "switch";
#endif

const vm_instr vm_halt[1] = {OP_HALT};

#if VM_INPLACE_OPERANDS
/* The upper half (Bx) of the instruction before pc, read in place
 * (memcpy: a uint16_t lvalue must not read a vm_instr). */
static inline uint16_t ihalf(const vm_instr *pc)
{
    uint16_t h;
    memcpy(&h, (const unsigned char *)pc - 2, sizeof h);
    return h;
}
#endif

int vm_execute(vm_state *V)
{
    vm_frame *frames = V->frames; /* reloaded when the array grows */
    vm_frame *frames_end = frames + V->capframes;
    vm_frame *fr = V->top; /* the bottom frame: call_bottom's, frames[0] */
    const vm_instr *pc = fr->pc;
    vm_value *base = fr->base;
    vm_fn *const fns = V->fns;
    vm_value *const G = V->globals;
    const vm_program *const prog = V->prog;
    const vm_builtin *const builtins = V->builtins;
    const gc_barrier *const wb = V->barrier;
    const gc_poll *const poll = V->poll;
    int64_t steps = V->steps;
    /* Where CALL's fast path ends: the stack's end, or its start when a
     * step limit is set, so that every call takes call_grow, which
     * counts the step (calls then count steps without a check of their
     * own on the fast path). Reloaded when the stack grows or moves. */
#define call_limit() (V->limited ? V->stack : V->stack_last)
    vm_value *stack_end = call_limit();
#if !VM_INPLACE_OPERANDS
    uintptr_t i; /* the instruction being run, widened: operands index without extension */
#endif
    const vm_fn *callee;
    vm_closure *ncl;
    vm_value *nb;

#if VM_INPLACE_OPERANDS
/* Each operand is one byte load from the instruction just fetched (pc
 * points past it): one instruction per operand instead of a copy, a
 * shift and a zero-extension, and none of them waits on a loaded word;
 * the dispatch loads the opcode byte alone. A handler reads its operands
 * before it moves pc. */
#define iword (pc[-1])
#define ibyte(n) ((size_t)((const uint8_t *)pc)[(n) - 4])
#define iA ibyte(1)
#define iB ibyte(2)
#define iC ibyte(3)
#define iBX ((size_t)ihalf(pc))
#define iSB ((int)((const signed char *)pc)[-2])
#define iSC ((int)((const signed char *)pc)[-1])
#define iSBX ((int)(int16_t)ihalf(pc))
#else
/* Operand decoding on the widened word (opcodes.h's VM_A etc. return int,
 * which costs a zero-extension per operand here). */
#define iword i
#define iA ((size_t)(i >> 8 & 0xFF))
#define iB ((size_t)(i >> 16 & 0xFF))
#define iC ((size_t)(i >> 24 & 0xFF))
#define iBX ((size_t)(i >> 16 & 0xFFFF))
#define iSB VM_SB(i)
#define iSC VM_SC(i)
#define iSBX VM_SBX(i)
#endif
#define RA (base[iA])
#define RB (base[iB])
#define RC (base[iC])
/* The pc and the frame pointer go back to the VM before anything outside
 * this loop can look (vmint.h's top). A call stores only the pc on its
 * fast path: the callee's first safepoint writes top, and call_grow does
 * before it grows. */
#define savepc() (fr->pc = pc, V->top = fr)
#define rterror(...)                     \
    do {                                 \
        savepc();                        \
        vm_error(V, __VA_ARGS__);        \
        goto error;                      \
    } while (0)
#define checkoom(x)                      \
    do {                                 \
        if (GC_UNLIKELY(!(x)))              \
            rterror("out of memory");    \
    } while (0)
/* An array access: a non-nil array and an index within its length. */
#define checkindex(a, x)                                                                  \
    do {                                                                                  \
        if (GC_UNLIKELY(!(a)))                                                            \
            rterror("nil dereference");                                                   \
        if (GC_UNLIKELY((uint64_t)(x) >= (uint64_t)(a)->len))                             \
            rterror("index out of range [%lld] with length %lld", (long long)(x),         \
                    (long long)(a)->len);                                                 \
    } while (0)
/* The JMP after a test: take it (Lua's donextjump) or skip it. */
#define condjump(cond)                                       \
    do {                                                     \
        if ((cond) == iC)                                    \
            pc += (int32_t)*pc >> 8; /* the JMP's sJ */      \
        pc++;                                                \
    } while (0)
/* The collector's poll: alloc.h's gc_safepoint with its test written
 * out, so that the pc is saved (only when the collector asks) before the
 * slow path and the roots callback finds this frame at this
 * instruction's stack map. One load and one predictable branch. */
#define pollhere()                                                                        \
    do {                                                                                  \
        if (GC_UNLIKELY(atomic_load_explicit(&poll->pending, memory_order_relaxed))) {   \
            savepc();                                                                     \
            gc_safepoint_slow(V->gcp);                                                    \
            threadpoll();                                                                 \
        }                                                                                 \
    } while (0)
/* After alloc's slow path: a thread asked to yield or to stop pokes the
 * poll word (thread.c), so the check costs nothing on the fast path. */
#define threadpoll()                                      \
    do {                                                  \
        if (vm_thread_flagged(V) && vm_thread_poll(V))    \
            goto error;                                   \
    } while (0)
/* A loop's back edge (JMPBACK, FORLOOP): a step, and a poll, so that a
 * collection never waits on a loop that neither calls nor allocates. */
#define backedge()                                   \
    do {                                             \
        if (GC_UNLIKELY(--steps < 0))                \
            rterror("step limit exceeded");          \
        pollhere();                                  \
    } while (0)

#if VM_COMPUTED_GOTO
    static const void *const disptab[VM_NUM_OPCODES] = {
#define OP(name, fmt, a, b, c, flags, doc) &&L_##name,
        VM_OPCODE_LIST
#undef OP
    };
    /* The table's address in a register: opaque to GCC, which otherwise
     * rematerialises it (a lea) in every handler. */
    const void *const *dt = disptab;
    __asm__("" : "+r"(dt));
#define vmcase(name) L_##name:
#if VM_INPLACE_OPERANDS
#define vmbreak                                         \
    do {                                                \
        unsigned op_ = *(const unsigned char *)pc++;    \
        goto *dt[op_];                                  \
    } while (0)
#else
#define vmbreak                         \
    do {                                \
        i = *pc++;                      \
        goto *dt[VM_OP(i)];             \
    } while (0)
#endif
    vmbreak;
#else
#define vmcase(name) case OP_##name:
#define vmbreak continue
    for (;;) {
        i = *pc++;
        switch (VM_OP(i)) {
#endif

    vmcase(MOV) { RA = RB; vmbreak; }
    vmcase(LOADK) { RA = fr->fn->k[iBX]; vmbreak; }
    vmcase(LOADI) { RA.i = iSBX; vmbreak; }
    vmcase(LOADF) { RA.f = (double)iSBX; vmbreak; }
    vmcase(LOADNIL) { RA.p = NULL; vmbreak; }
    vmcase(LOADTRUE) { RA.i = 1; vmbreak; }
    vmcase(LOADFALSE) { RA.i = 0; vmbreak; }
    vmcase(GETGLOBAL) { RA = G[iBX]; vmbreak; }
    vmcase(SETGLOBAL) { G[iBX] = RA; vmbreak; }
    vmcase(SETGLOBALP) { gc_write_pointer(V->gcp, wb, &G[iBX].p, RA.p); vmbreak; }

    vmcase(ADDI) { RA.i = (int64_t)((uint64_t)RB.i + (uint64_t)RC.i); vmbreak; }
    vmcase(SUBI) { RA.i = (int64_t)((uint64_t)RB.i - (uint64_t)RC.i); vmbreak; }
    vmcase(MULI) { RA.i = (int64_t)((uint64_t)RB.i * (uint64_t)RC.i); vmbreak; }
    vmcase(DIVI) {
        int64_t c = RC.i;
        if (GC_UNLIKELY(c == 0))
            rterror("division by zero");
        RA.i = c == -1 ? (int64_t)(0 - (uint64_t)RB.i) : RB.i / c;
        vmbreak;
    }
    vmcase(MODI) {
        int64_t c = RC.i;
        if (GC_UNLIKELY(c == 0))
            rterror("division by zero");
        RA.i = c == -1 ? 0 : RB.i % c;
        vmbreak;
    }
    vmcase(ADDIK) { RA.i = (int64_t)((uint64_t)RB.i + (uint64_t)(int64_t)iSC); vmbreak; }
    vmcase(ADDF) { RA.f = RB.f + RC.f; vmbreak; }
    vmcase(SUBF) { RA.f = RB.f - RC.f; vmbreak; }
    vmcase(MULF) { RA.f = RB.f * RC.f; vmbreak; }
    vmcase(DIVF) { RA.f = RB.f / RC.f; vmbreak; }
    vmcase(MODF) { RA.f = fmod(RB.f, RC.f); vmbreak; }
    vmcase(BAND) { RA.i = RB.i & RC.i; vmbreak; }
    vmcase(BOR) { RA.i = RB.i | RC.i; vmbreak; }
    vmcase(BXOR) { RA.i = RB.i ^ RC.i; vmbreak; }
    vmcase(SHL) {
        uint64_t c = (uint64_t)RC.i;
        RA.i = c >= 64 ? 0 : (int64_t)((uint64_t)RB.i << c);
        vmbreak;
    }
    vmcase(SHR) {
        uint64_t c = (uint64_t)RC.i;
        int64_t b = RB.i;
        RA.i = c >= 64 ? (b < 0 ? -1 : 0) : b >> c;
        vmbreak;
    }
    vmcase(NEGI) { RA.i = (int64_t)(0 - (uint64_t)RB.i); vmbreak; }
    vmcase(NEGF) { RA.f = -RB.f; vmbreak; }
    vmcase(NOT) { RA.i = !RB.i; vmbreak; }
    vmcase(BNOT) { RA.i = ~RB.i; vmbreak; }
    vmcase(ITOF) { RA.f = (double)RB.i; vmbreak; }
    vmcase(FTOI) {
        double d = RB.f;
        int64_t r;
        if (d != d)
            r = 0;
        else if (d >= 9223372036854775808.0)
            r = INT64_MAX;
        else if (d <= -9223372036854775808.0)
            r = INT64_MIN;
        else
            r = (int64_t)d;
        RA.i = r;
        vmbreak;
    }

    vmcase(SQRTF) { RA.f = sqrt(RB.f); vmbreak; }
    /* Two statements: the product is rounded before the sum, exactly as
     * MULF then ADDF (C11 mode does not contract across statements). */
    vmcase(MADDF) {
        double p = RB.f * RC.f;
        RA.f = RA.f + p;
        vmbreak;
    }
    vmcase(MSUBF) {
        double p = RB.f * RC.f;
        RA.f = RA.f - p;
        vmbreak;
    }

    /* Arithmetic with a field operand: "x op s.f" where x is a temporary
     * (R[A] = R[A] op R[B].field[C]) and "s.f op= y" (R[A].field[B] op=
     * R[C]). The struct's nil check is GETFIELD's/SETFIELD's. */
#define fieldop(T, OPR)                               \
    do {                                              \
        vm_value *o = RB.p;                           \
        if (GC_UNLIKELY(!o))                             \
            rterror("nil dereference");               \
        RA.T = OPR(RA.T, o[iC].T);                    \
    } while (0)
#define opfield(T, OPR)                               \
    do {                                              \
        vm_value *o = RA.p;                           \
        if (GC_UNLIKELY(!o))                             \
            rterror("nil dereference");               \
        o[iB].T = OPR(o[iB].T, RC.T);                 \
    } while (0)
#define wadd(x, y) ((int64_t)((uint64_t)(x) + (uint64_t)(y)))
#define wsub(x, y) ((int64_t)((uint64_t)(x) - (uint64_t)(y)))
#define fadd(x, y) ((x) + (y))
#define fsub(x, y) ((x) - (y))
#define fmul(x, y) ((x) * (y))
#define fdiv(x, y) ((x) / (y))
    vmcase(ADDIFLD) { fieldop(i, wadd); vmbreak; }
    vmcase(SUBIFLD) { fieldop(i, wsub); vmbreak; }
    vmcase(ADDFFLD) { fieldop(f, fadd); vmbreak; }
    vmcase(SUBFFLD) { fieldop(f, fsub); vmbreak; }
    vmcase(MULFFLD) { fieldop(f, fmul); vmbreak; }
    vmcase(DIVFFLD) { fieldop(f, fdiv); vmbreak; }
    vmcase(FLDADDI) { opfield(i, wadd); vmbreak; }
    vmcase(FLDSUBI) { opfield(i, wsub); vmbreak; }
    vmcase(FLDADDF) { opfield(f, fadd); vmbreak; }
    vmcase(FLDSUBF) { opfield(f, fsub); vmbreak; }
    vmcase(FLDMULF) { opfield(f, fmul); vmbreak; }
    vmcase(FLDDIVF) { opfield(f, fdiv); vmbreak; }

    vmcase(EQI) { RA.i = RB.i == RC.i; vmbreak; }
    vmcase(LTI) { RA.i = RB.i < RC.i; vmbreak; }
    vmcase(LEI) { RA.i = RB.i <= RC.i; vmbreak; }
    vmcase(EQF) { RA.i = RB.f == RC.f; vmbreak; }
    vmcase(LTF) { RA.i = RB.f < RC.f; vmbreak; }
    vmcase(LEF) { RA.i = RB.f <= RC.f; vmbreak; }
    vmcase(EQ) { RA.i = RB.p == RC.p; vmbreak; }
    vmcase(EQS) { RA.i = vm_string_eq(RB.p, RC.p); vmbreak; }
    vmcase(LTS) { RA.i = vm_string_cmp(RB.p, RC.p) < 0; vmbreak; }
    vmcase(LES) { RA.i = vm_string_cmp(RB.p, RC.p) <= 0; vmbreak; }

    vmcase(TEST) { condjump(RA.i != 0); vmbreak; }
    vmcase(IFEQI) { condjump(RA.i == RB.i); vmbreak; }
    vmcase(IFLTI) { condjump(RA.i < RB.i); vmbreak; }
    vmcase(IFLEI) { condjump(RA.i <= RB.i); vmbreak; }
    vmcase(IFEQF) { condjump(RA.f == RB.f); vmbreak; }
    vmcase(IFLTF) { condjump(RA.f < RB.f); vmbreak; }
    vmcase(IFLEF) { condjump(RA.f <= RB.f); vmbreak; }
    vmcase(IFEQ) { condjump(RA.p == RB.p); vmbreak; }
    vmcase(IFEQS) { condjump(vm_string_eq(RA.p, RB.p)); vmbreak; }
    vmcase(IFLTS) { condjump(vm_string_cmp(RA.p, RB.p) < 0); vmbreak; }
    vmcase(IFLES) { condjump(vm_string_cmp(RA.p, RB.p) <= 0); vmbreak; }
    vmcase(IFEQIK) { condjump(RA.i == iSB); vmbreak; }
    vmcase(IFLTIK) { condjump(RA.i < iSB); vmbreak; }
    vmcase(IFLEIK) { condjump(RA.i <= iSB); vmbreak; }
    vmcase(IFGTIK) { condjump(RA.i > iSB); vmbreak; }
    vmcase(IFGEIK) { condjump(RA.i >= iSB); vmbreak; }
    vmcase(IFNIL) { condjump(RA.p == NULL); vmbreak; }
    vmcase(IFNILFLD) {
        vm_value *o = RA.p;
        if (GC_UNLIKELY(!o))
            rterror("nil dereference");
        condjump(o[iB].p == NULL);
        vmbreak;
    }
    vmcase(JMP) {
        pc += VM_SJ(iword);
        vmbreak;
    }
    vmcase(JMPBACK) {
        backedge();
        pc += VM_SJ(iword);
        vmbreak;
    }
    vmcase(FORPREP) {
        vm_value *ra = &RA;
        if (ra[0].i >= ra[1].i)
            pc += iBX;
        else
            ra[2] = ra[0];
        vmbreak;
    }
    vmcase(FORLOOP) {
        vm_value *ra = &RA;
        if (++ra[0].i < ra[1].i) {
            ra[2] = ra[0];
            backedge();
            pc -= iBX;
        }
        vmbreak;
    }

    /* for i in a..b by s: the distance left to b, taken unsigned, is
     * exact however far apart i and b are, so the step is compared with
     * it and i never wraps. */
    vmcase(FORPREPS) {
        vm_value *ra = &RA;
        int64_t s = ra[3].i;
        if (GC_UNLIKELY(s == 0))
            rterror("the step of a range is 0");
        if (s > 0 ? ra[0].i < ra[1].i : ra[0].i > ra[1].i)
            ra[2] = ra[0];
        else
            pc += iBX;
        vmbreak;
    }
    vmcase(FORLOOPS) {
        vm_value *ra = &RA;
        int64_t s = ra[3].i;
        uint64_t left = s > 0 ? (uint64_t)ra[1].i - (uint64_t)ra[0].i
                              : (uint64_t)ra[0].i - (uint64_t)ra[1].i;
        uint64_t step = s > 0 ? (uint64_t)s : 0 - (uint64_t)s;
        if (left > step) {
            ra[0].i = (int64_t)((uint64_t)ra[0].i + (uint64_t)s);
            ra[2] = ra[0];
            backedge();
            pc -= iBX;
        }
        vmbreak;
    }

    /* One allocation site for both: NEWSTRUCTV then fills the fields from
     * the registers after R[A] (a literal's values, computed first). */
    vmcase(NEWSTRUCT)
    vmcase(NEWSTRUCTV) {
        const vm_layout *sd = &V->structlayouts[iBX];
        savepc();
        void *o = vm_alloc_site(V, "struct", &sd->site);
        checkoom(o);
        vm_value *ra = &RA;
        ra->p = o;
        if (VM_OP(iword) == OP_NEWSTRUCTV) {
            /* Straight-line copies, not memcpy or a loop: 1..8 words (the
             * verifier and the compiler's STRUCTV_MAX_FIELDS). */
            vm_value *fld = o, *src = ra + 1;
            switch (sd->count) {
            default: memcpy(fld, src, (size_t)sd->count * sizeof *fld); break;
            case 8: fld[7] = src[7]; /* fall through */
            case 7: fld[6] = src[6]; /* fall through */
            case 6: fld[5] = src[5]; /* fall through */
            case 5: fld[4] = src[4]; /* fall through */
            case 4: fld[3] = src[3]; /* fall through */
            case 3: fld[2] = src[2]; /* fall through */
            case 2: fld[1] = src[1]; /* fall through */
            case 1: fld[0] = src[0]; /* fall through */
            case 0: break;
            }
        }
        vmbreak;
    }
    vmcase(GETFIELD) {
        vm_value *o = RB.p;
        if (GC_UNLIKELY(!o))
            rterror("nil dereference");
        RA = o[iC];
        vmbreak;
    }
    vmcase(SETFIELD) {
        vm_value *o = RA.p;
        if (GC_UNLIKELY(!o))
            rterror("nil dereference");
        o[iB] = RC;
        vmbreak;
    }
    vmcase(SETFIELDP) {
        vm_value *o = RA.p;
        if (GC_UNLIKELY(!o))
            rterror("nil dereference");
        gc_write_pointer(V->gcp, wb, &o[iB].p, RC.p);
        vmbreak;
    }
    vmcase(NEWARRAY) {
        int64_t n = RB.i;
        if (GC_UNLIKELY(n < 0))
            rterror("negative array length %lld", (long long)n);
        savepc();
        vm_array *a = vm_array_new(V, n, iC & 1);
        checkoom(a);
        RA.p = a;
        vmbreak;
    }
    vmcase(GETINDEX) {
        vm_array *a = RB.p;
        int64_t x = RC.i;
        checkindex(a, x);
        RA = a->data[x];
        vmbreak;
    }
    vmcase(SETINDEX) {
        vm_array *a = RA.p;
        int64_t x = RB.i;
        checkindex(a, x);
        a->data[x] = RC;
        vmbreak;
    }
    vmcase(SETINDEXP) {
        vm_array *a = RA.p;
        int64_t x = RB.i;
        checkindex(a, x);
        gc_write_pointer(V->gcp, wb, &a->data[x].p, RC.p);
        vmbreak;
    }
    vmcase(LEN) {
        vm_array *a = RB.p;
        RA.i = a ? a->len : 0;
        vmbreak;
    }
    vmcase(LENS) { RA.i = vm_string_len(RB.p); vmbreak; }
    vmcase(PUSH) {
        vm_array *a = RA.p;
        if (GC_UNLIKELY(!a))
            rterror("nil dereference");
        savepc();
        checkoom(vm_array_push(V, a, RB) == 0);
        vmbreak;
    }
    vmcase(NEWMAP) {
        savepc();
        vm_map *m = vm_map_new(V, iB, iC & 1);
        checkoom(m);
        RA.p = m;
        vmbreak;
    }
    vmcase(MAPGET) {
        vm_value v;
        vm_map_get(RB.p, RC, &v);
        RA = v;
        vmbreak;
    }
    vmcase(MAPSET) {
        vm_map *m = RA.p;
        if (GC_UNLIKELY(!m))
            rterror("nil dereference");
        savepc();
        if (GC_UNLIKELY(!vm_map_write_begin(m)))
            rterror("concurrent map writes");
        int rs = vm_map_set(V, m, RB, RC);
        vm_map_write_end(m);
        checkoom(rs == 0);
        vmbreak;
    }
    vmcase(MAPNEXT) {
        vm_value *ra = &RA;
        vm_value key, val;
        if (vm_map_next(RB.p, &ra[0].i, &key, &val)) {
            ra[1] = key;
            ra[2] = val;
            pc++;
        } else {
            pc += VM_SJ(*pc) + 1;
        }
        vmbreak;
    }
    vmcase(CONCAT) {
        savepc();
        vm_string *s = vm_string_concat(V, RB.p, RC.p);
        checkoom(s);
        RA.p = s;
        vmbreak;
    }

    vmcase(NEWCELL) {
        savepc();
        vm_cell *c = (iC & 1) ? vm_alloc_site(V, "cell", &V->cellsite)
                                   : vm_alloc(V, "cell (scalar)", sizeof(vm_cell), NULL, true);
        checkoom(c);
        c->v = RB;
        RA.p = c;
        vmbreak;
    }
    vmcase(GETCELL) { RA = ((vm_cell *)RB.p)->v; vmbreak; }
    vmcase(SETCELL) { ((vm_cell *)RA.p)->v = RB; vmbreak; }
    vmcase(SETCELLP) { gc_write_pointer(V->gcp, wb, &((vm_cell *)RA.p)->v.p, RB.p); vmbreak; }
    vmcase(GETUPVAL) { RA = fr->cl->cells[iB]->v; vmbreak; }
    vmcase(SETUPVAL) { fr->cl->cells[iB]->v = RA; vmbreak; }
    vmcase(SETUPVALP) { gc_write_pointer(V->gcp, wb, &fr->cl->cells[iB]->v.p, RA.p); vmbreak; }
    vmcase(CLOSURE) {
        vm_fn *fn = &fns[iBX];
        const vm_proto *f = fn->proto;
        /* Threads share fn: the cached closure is read with acquire
         * order (gc_write_pointer publishes it with release). Two threads
         * may both make one; the last stored stays. */
        vm_closure *cached = __atomic_load_n(&fn->value, __ATOMIC_ACQUIRE);
        if (cached) {
            RA.p = cached;
            vmbreak;
        }
        savepc();
        vm_closure *c = vm_alloc_site(V, "closure", &V->closurelayouts[iBX].site);
        checkoom(c);
        c->fn = fn;
        for (uint32_t u = 0; u < f->nupvals; u++) {
            const vm_upvaldesc *d = &f->upvals[u];
            c->cells[u] = d->instack ? base[d->index].p : fr->cl->cells[d->index];
        }
        if (f->nupvals == 0) /* a root: vm_roots marks it */
            gc_write_pointer(V->gcp, wb, (void **)&fn->value, c);
        RA.p = c;
        vmbreak;
    }

    /* A call: the callee's window starts at the caller's R[A]. The fast
     * path is two checks (the window fits the stack, a frame is free) and
     * three stores; growing and the step count (when there is a limit:
     * call_limit) are out of line in call_grow. CALL stores no closure:
     * its callee has no captures (vm_program_finish checks), and cl is
     * only read, and only marked (vm_roots), in frames of protos that
     * have some. Each call has its own copy of the push (no shared jump). */
#define pushframe(CALLEE)            \
    do {                             \
        fr++;                        \
        fr->base = base = nb;        \
        fr->fn = (CALLEE);           \
        pc = (CALLEE)->code;         \
    } while (0)
    vmcase(CALL) {
        callee = &fns[iBX];
        nb = base + iA;
        fr->pc = pc;
        if (GC_UNLIKELY(nb + callee->nregs > stack_end || fr + 1 == frames_end ||
                        atomic_load_explicit(&poll->pending, memory_order_relaxed))) {
            ncl = NULL;
            goto call_grow;
        }
        pushframe(callee);
        vmbreak;
    }
    vmcase(CALLR) {
        ncl = RB.p;
        if (GC_UNLIKELY(!ncl))
            rterror("call of nil function");
        callee = ncl->fn;
        nb = base + iA;
        fr->pc = pc;
        if (GC_UNLIKELY(nb + callee->nregs > stack_end || fr + 1 == frames_end ||
                        atomic_load_explicit(&poll->pending, memory_order_relaxed)))
            goto call_grow;
        pushframe(callee);
        fr->cl = ncl;
        vmbreak;
    }
    call_grow: {
        /* Out of line: the collector's poll, more stack (or movestack's
         * move), more frames, or the step count. The poll comes first,
         * while the arguments are still in this frame's stack map. */
        V->top = fr;
        gc_safepoint(V->gcp, V->poll);
        threadpoll();
        if (nb + callee->nregs > V->stack_last) {
            size_t off = (size_t)(nb - V->stack);
            if (vm_grow_stack(V, off + (size_t)callee->nregs) != 0)
                goto error;
            base = fr->base;
            nb = V->stack + off;
            stack_end = call_limit();
        }
        if (fr + 1 == frames_end) {
            if (vm_grow_frames(V) != 0)
                goto error;
            fr = V->frames + (fr - frames);
            frames = V->frames;
            frames_end = frames + V->capframes;
            V->top = fr;
        }
        if (GC_UNLIKELY(--steps < 0))
            rterror("step limit exceeded");
        pushframe(callee);
        fr->cl = ncl;
        vmbreak;
    }
    vmcase(CALLB) {
        const vm_builtin *b = &builtins[iB];
        savepc();
        vm_value *args = &RA;
        int nargs = (int)iC;
        const int32_t *types = prog->typelists + VM_AX(*pc);
        pc++;
        V->steps = steps;
        int r = b->fn(V, args, nargs, types);
        if (GC_UNLIKELY(r != 0))
            goto error;
        /* A built-in may have run toy code (vm_call), which spends steps
         * and may grow the frames (top moves) or the stack (base moves). */
        steps = V->steps;
        if (GC_UNLIKELY(V->top != fr || fr->base != base)) {
            frames = V->frames;
            frames_end = frames + V->capframes;
            fr = V->top;
            base = fr->base;
            stack_end = call_limit();
        }
        vmbreak;
    }
    vmcase(EXTRAARG) { vmbreak; }
    /* Back to the caller; the bottom frame's caller is frames[-1], whose
     * pc is vm_halt (vm_grow_frames), so no return tests for the last
     * frame. Each return has its own copy (no shared jump). */
#define popframe()                   \
    do {                             \
        fr--;                        \
        pc = fr->pc;                 \
        base = fr->base;             \
    } while (0)
    vmcase(RETURN) {
        base[0] = RA;
        popframe();
        vmbreak;
    }
    vmcase(RETURN0) {
        popframe();
        vmbreak;
    }
    vmcase(RETURNI) {
        base[0].i = iSBX;
        popframe();
        vmbreak;
    }
    vmcase(HALT) {
        V->top = NULL;
        V->steps = steps;
        return 0;
    }

#if !VM_COMPUTED_GOTO
        default:
            rterror("bad opcode %d", (int)VM_OP(iword));
        }
    }
#endif

error:
    V->steps = steps;
    return V->exiting ? 1 : -1;
}
