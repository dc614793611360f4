/*
 * interp.c: the interpreter loop (Lua's luaV_execute in lvm.c, dispatched
 * the way Wren's runInterpreter is).
 *
 * Dispatch is computed goto under GCC and Clang (a table of label
 * addresses built from the opcode X-macro) and a plain switch otherwise or
 * with -DVM_SWITCH_DISPATCH; both share the vmcase/vmbreak macros, so one
 * body serves both and the tests build both.
 *
 * pc, base (R[0]) and k stay in locals; the pc is written back to the
 * frame (savepc, Lua's Protect) only before a safepoint or an error, so
 * that the roots callback finds the stack map of every frame's current
 * instruction and the trace its line. Values are untagged: nothing the
 * type checker proved is checked again here. The only run-time checks are
 * nil dereference, bounds, division by zero, stack depth, out of memory
 * and the optional step limit (counted on calls and back edges only).
 */
#include "vm/vmint.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(VM_SWITCH_DISPATCH)
#define VM_COMPUTED_GOTO 1
#else
#define VM_COMPUTED_GOTO 0
#endif

#if defined(__GNUC__)
#define unlikely(x) __builtin_expect(!!(x), 0)
#else
#define unlikely(x) (x)
#endif

#if VM_COMPUTED_GOTO
const char vm_dispatch[] = "computed goto";
#else
const char vm_dispatch[] = "switch";
#endif

int vm_execute(vm_state *V)
{
    vm_frame *frames = V->frames; /* reloaded when the array grows */
    vm_frame *frames_end = frames + V->capframes;
    vm_frame *entry = &frames[V->nframes - 1];
    vm_frame *fr = entry;
    const vm_instr *pc = fr->pc;
    vm_value *base = fr->base;
    vm_value *k = fr->k;
    const vm_fn *const fns = V->fns;
    vm_value *const G = V->globals;
    const vm_program *const prog = V->prog;
    int64_t steps = V->steps;
    vm_value *stack_end = V->stack_last; /* reloaded when the stack grows or moves */
    vm_instr i;
    const vm_fn *callee;
    vm_closure *ncl;

#define RA (base[VM_A(i)])
#define RB (base[VM_B(i)])
#define RC (base[VM_C(i)])
/* V->nframes is kept exact by CALL and RETURN (fr - frames + 1), so a
 * safepoint stores only the pc: no division by the frame size there. */
#define savepc() (fr->pc = pc)
#define rterror(...)                     \
    do {                                 \
        savepc();                        \
        vm_error(V, __VA_ARGS__);        \
        goto error;                      \
    } while (0)
#define checkoom(x)                      \
    do {                                 \
        if (unlikely(!(x)))              \
            rterror("out of memory");    \
    } while (0)
/* The JMP after a test: take it (Lua's donextjump) or skip it. */
#define condjump(cond)                            \
    do {                                          \
        if ((cond) == VM_C(i))                    \
            pc += VM_SJ(*pc) + 1;                 \
        else                                      \
            pc++;                                 \
    } while (0)
#define backedge()                                   \
    do {                                             \
        if (unlikely(--steps < 0))                   \
            rterror("step limit exceeded");          \
    } while (0)

#if VM_COMPUTED_GOTO
    static const void *const disptab[VM_NUM_OPCODES] = {
#define OP(name, fmt, sp, doc) &&L_##name,
        VM_OPCODE_LIST
#undef OP
    };
#define vmcase(name) L_##name:
#define vmbreak                         \
    do {                                \
        i = *pc++;                      \
        goto *disptab[VM_OP(i)];        \
    } while (0)
    vmbreak;
#else
#define vmcase(name) case OP_##name:
#define vmbreak continue
    for (;;) {
        i = *pc++;
        switch (VM_OP(i)) {
#endif

    vmcase(MOV) { RA = RB; vmbreak; }
    vmcase(LOADK) { RA = k[VM_BX(i)]; vmbreak; }
    vmcase(LOADI) { RA.i = VM_SBX(i); vmbreak; }
    vmcase(LOADF) { RA.f = (double)VM_SBX(i); vmbreak; }
    vmcase(LOADNIL) { RA.p = NULL; vmbreak; }
    vmcase(LOADTRUE) { RA.i = 1; vmbreak; }
    vmcase(LOADFALSE) { RA.i = 0; vmbreak; }
    vmcase(GETGLOBAL) { RA = G[VM_BX(i)]; vmbreak; }
    vmcase(SETGLOBAL) { G[VM_BX(i)] = RA; vmbreak; }

    vmcase(ADDI) { RA.i = (int64_t)((uint64_t)RB.i + (uint64_t)RC.i); vmbreak; }
    vmcase(SUBI) { RA.i = (int64_t)((uint64_t)RB.i - (uint64_t)RC.i); vmbreak; }
    vmcase(MULI) { RA.i = (int64_t)((uint64_t)RB.i * (uint64_t)RC.i); vmbreak; }
    vmcase(DIVI) {
        int64_t c = RC.i;
        if (unlikely(c == 0))
            rterror("division by zero");
        RA.i = c == -1 ? (int64_t)(0 - (uint64_t)RB.i) : RB.i / c;
        vmbreak;
    }
    vmcase(MODI) {
        int64_t c = RC.i;
        if (unlikely(c == 0))
            rterror("division by zero");
        RA.i = c == -1 ? 0 : RB.i % c;
        vmbreak;
    }
    vmcase(ADDIK) { RA.i = (int64_t)((uint64_t)RB.i + (uint64_t)(int64_t)VM_SC(i)); vmbreak; }
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
    vmcase(IFEQIK) { condjump(RA.i == VM_SB(i)); vmbreak; }
    vmcase(IFLTIK) { condjump(RA.i < VM_SB(i)); vmbreak; }
    vmcase(IFLEIK) { condjump(RA.i <= VM_SB(i)); vmbreak; }
    vmcase(IFGTIK) { condjump(RA.i > VM_SB(i)); vmbreak; }
    vmcase(IFGEIK) { condjump(RA.i >= VM_SB(i)); vmbreak; }
    vmcase(IFNIL) { condjump(RA.p == NULL); vmbreak; }
    vmcase(JMP) {
        int off = VM_SJ(i);
        if (off < 0)
            backedge();
        pc += off;
        vmbreak;
    }
    vmcase(FORPREP) {
        vm_value *ra = &RA;
        if (ra[0].i >= ra[1].i)
            pc += VM_BX(i);
        else
            ra[2] = ra[0];
        vmbreak;
    }
    vmcase(FORLOOP) {
        vm_value *ra = &RA;
        if (++ra[0].i < ra[1].i) {
            ra[2] = ra[0];
            backedge();
            pc -= VM_BX(i);
        }
        vmbreak;
    }

    vmcase(NEWSTRUCT) {
        const vm_structdesc *sd = &prog->structs[VM_BX(i)];
        savepc();
        void *o = vm_alloc_site(V, "struct", &sd->site);
        checkoom(o);
        RA.p = o;
        vmbreak;
    }
    vmcase(GETFIELD) {
        vm_value *o = RB.p;
        if (unlikely(!o))
            rterror("nil dereference");
        RA = o[VM_C(i)];
        vmbreak;
    }
    vmcase(SETFIELD) {
        vm_value *o = RA.p;
        if (unlikely(!o))
            rterror("nil dereference");
        o[VM_B(i)] = RC;
        vmbreak;
    }
    vmcase(NEWARRAY) {
        int64_t n = RB.i;
        if (unlikely(n < 0))
            rterror("negative array length %lld", (long long)n);
        savepc();
        vm_array *a = vm_array_new(V, n, VM_C(i) & 1);
        checkoom(a);
        RA.p = a;
        vmbreak;
    }
    vmcase(GETINDEX) {
        vm_array *a = RB.p;
        int64_t x = RC.i;
        if (unlikely(!a))
            rterror("nil dereference");
        if (unlikely((uint64_t)x >= (uint64_t)a->len))
            rterror("index out of range [%lld] with length %lld", (long long)x, (long long)a->len);
        RA = a->data[x];
        vmbreak;
    }
    vmcase(SETINDEX) {
        vm_array *a = RA.p;
        int64_t x = RB.i;
        if (unlikely(!a))
            rterror("nil dereference");
        if (unlikely((uint64_t)x >= (uint64_t)a->len))
            rterror("index out of range [%lld] with length %lld", (long long)x, (long long)a->len);
        a->data[x] = RC;
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
        if (unlikely(!a))
            rterror("nil dereference");
        savepc();
        checkoom(vm_array_push(V, a, RB) == 0);
        vmbreak;
    }
    vmcase(NEWMAP) {
        savepc();
        vm_map *m = vm_map_new(V, VM_B(i), VM_C(i) & 1);
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
        if (unlikely(!m))
            rterror("nil dereference");
        savepc();
        checkoom(vm_map_set(V, m, RB, RC) == 0);
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
        vm_cell *c = (VM_C(i) & 1) ? vm_alloc(V, "cell", sizeof(vm_cell), &vm_gct_refcell, true)
                                   : vm_alloc(V, "cell (scalar)", sizeof(vm_cell), NULL, true);
        checkoom(c);
        c->v = RB;
        RA.p = c;
        vmbreak;
    }
    vmcase(GETCELL) { RA = ((vm_cell *)RB.p)->v; vmbreak; }
    vmcase(SETCELL) { ((vm_cell *)RA.p)->v = RB; vmbreak; }
    vmcase(GETUPVAL) { RA = fr->cl->cells[VM_B(i)]->v; vmbreak; }
    vmcase(SETUPVAL) { fr->cl->cells[VM_B(i)]->v = RA; vmbreak; }
    vmcase(CLOSURE) {
        const vm_fn *fn = &fns[VM_BX(i)];
        const vm_proto *f = fn->proto;
        savepc();
        vm_closure *c = vm_alloc(V, "closure", sizeof(vm_closure) + f->nupvals * sizeof(vm_cell *),
                                 &f->closure_type, true);
        checkoom(c);
        c->fn = fn;
        for (uint32_t u = 0; u < f->nupvals; u++) {
            const vm_upvaldesc *d = &f->upvals[u];
            c->cells[u] = d->instack ? base[d->index].p : fr->cl->cells[d->index];
        }
        RA.p = c;
        vmbreak;
    }

    vmcase(CALL) {
        callee = &fns[VM_BX(i)];
        ncl = NULL;
        goto call;
    }
    vmcase(CALLR) {
        ncl = RB.p;
        if (unlikely(!ncl))
            rterror("call of nil function");
        callee = ncl->fn;
        goto call;
    }
    call: {
        /* The callee's window starts at the caller's R[A]. */
        vm_value *nb = base + VM_A(i);
        savepc();
        if (unlikely(nb + callee->nregs > stack_end)) { /* or movestack */
            size_t off = (size_t)(nb - V->stack);
            if (vm_grow_stack(V, off + (size_t)callee->nregs) != 0)
                goto error;
            base = fr->base;
            nb = V->stack + off;
            stack_end = V->stack_last;
        }
        if (unlikely(fr + 1 == frames_end)) {
            if (vm_grow_frames(V) != 0)
                goto error;
            fr = V->frames + (fr - frames);
            entry = V->frames + (entry - frames);
            frames = V->frames;
            frames_end = frames + V->capframes;
        }
        if (unlikely(--steps < 0))
            rterror("step limit exceeded");
        fr++;
        V->nframes++;
        fr->base = base = nb;
        fr->k = k = callee->k;
        fr->fn = callee;
        fr->cl = ncl;
        pc = callee->code;
        vmbreak;
    }
    vmcase(CALLB) {
        const vm_builtin *b = &prog->builtins[VM_B(i)];
        savepc();
        const int32_t *types = prog->typelists + VM_AX(*pc);
        pc++;
        int r = b->fn(V, &RA, VM_C(i), types);
        if (unlikely(r != 0))
            goto error;
        vmbreak;
    }
    vmcase(EXTRAARG) { vmbreak; }
    vmcase(RETURN) {
        base[0] = RA;
        goto ret;
    }
    vmcase(RETURN0) { goto ret; }
    ret: {
        V->nframes--;
        if (unlikely(fr == entry)) {
            V->steps = steps;
            return 0;
        }
        fr--;
        pc = fr->pc;
        base = fr->base;
        k = fr->k;
        vmbreak;
    }

#if !VM_COMPUTED_GOTO
        default:
            rterror("bad opcode %d", (int)VM_OP(i));
        }
    }
#endif

error:
    V->steps = steps;
    return V->exiting ? 1 : -1;
}
