/*
 * compile.c: a checked lang_program to a vm_program (Lua's lcode.c and
 * lparser.c code generation, done over the checked tree instead of during
 * parsing).
 *
 * Registers (Lua's scheme): locals live in fixed registers in declaration
 * order, a block gives its registers back when it closes, temporaries go
 * above the active locals (freereg), and a call's window starts at the
 * first free register, so nothing the caller still needs lies at or above
 * it. We allocate locals ourselves instead of taking the checker's slots:
 * a for loop needs its variable right after two hidden registers (FORPREP's
 * layout), which the checker's numbering does not know about.
 *
 * Expressions compile into a destination register (expr) or into whatever
 * register already holds them (anyreg: a local is used in place). A call
 * whose destination is the topmost temporary puts its window there, so its
 * result needs no MOV. Conditions compile to IFxx + JMP pairs with jump
 * lists patched later (Lua's luaK_goiftrue), using the immediate forms for
 * small integer constants.
 *
 * Captured variables live in cells made where the variable is declared
 * (a captured parameter is moved into one by the prologue; a captured
 * loop variable gets a new one each iteration). Closures list their cells
 * as upvalue descriptors.
 *
 * Every instruction records which operands it reads as references
 * (lv_info); liveness.c turns that into the stack maps.
 *
 * Built-ins: len, push, make (and sqrt on a float) compile to opcodes;
 * the others are CALLB with stdlib's index (STD_B_*), bound to a body
 * when the VM loads the program.
 */
#include "lang/internal.h"
#include "lang/liveness.h"
#include "stdlib/builtins.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define NO_JUMP (-1)
#define MAX_REGS 256
/* GETUPVAL's B and an upvalue descriptor's index are 8 bits. */
#define MAX_CAPTURES (VM_MAXARG_A + 1)
/* NEWSTRUCT's, CLOSURE's and CALL's Bx are 16 bits. */
#define MAX_INDEX (VM_MAXARG_BX + 1)

typedef struct compiler {
    lang_unit *u;
    lang_program *prog;
    vm_program *p;
    int32_t *rtype_of; /* per lang type id, -1 until made */
    bool failed;
} compiler;

typedef struct lslot {
    const lang_local *local;
    int reg;
} lslot;

typedef struct loop {
    struct loop *up;
    int breaks;    /* jump list */
    int continues; /* jump list */
    int nactive;   /* registers of the enclosing scope */
} loop;

typedef struct fstate {
    compiler *C;
    lang_func *fn; /* NULL for the global initialisers */
    vm_proto *f;
    int32_t proto;
    int freereg, nactive, maxreg;
    lslot *locals; /* open addressing by pointer */
    int lcap, ln;
    loop *loops;
    int last_target; /* highest pc a jump was patched to */
    lv_info lv;
    bool failed; /* a limit was hit: no liveness, the program is dropped */
} fstate;

static void cerror(compiler *C, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cerror(compiler *C, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lang_verror(&C->u->diags, line, col, fmt, ap);
    va_end(ap);
    C->failed = true;
}

static const char *fname(const fstate *fs) { return fs->fn ? fs->fn->name : "<init>"; }

static void limit(fstate *fs, const char *what)
{
    if (fs->failed)
        return;
    fs->failed = true;
    int line = fs->fn ? fs->fn->line : 1, col = fs->fn ? fs->fn->col : 1;
    cerror(fs->C, line, col, "function %s is too large: %s", fname(fs), what);
}

/* The program is dropped (lang_compile reports "out of memory") and this
 * function gets no liveness pass. */
static void out_of_memory(fstate *fs)
{
    fs->C->p->oom = true;
    fs->failed = true;
}

/* ---- run-time types ---- */

static int32_t rtype(compiler *C, const lang_type *t)
{
    if (C->rtype_of[t->id] >= 0)
        return C->rtype_of[t->id];
    vm_program *p = C->p;
    int32_t r;
    switch (t->kind) {
    case TY_INT: r = vm_add_rtype(p, VM_KINT, 0, 0); break;
    case TY_FLOAT: r = vm_add_rtype(p, VM_KFLOAT, 0, 0); break;
    case TY_BOOL: r = vm_add_rtype(p, VM_KBOOL, 0, 0); break;
    case TY_STRING: r = vm_add_rtype(p, VM_KSTRING, 0, 0); break;
    case TY_ARRAY: r = vm_add_rtype(p, VM_KARRAY, rtype(C, t->elem), 0); break;
    case TY_MAP: {
        int32_t k = rtype(C, t->key), v = rtype(C, t->elem);
        r = vm_add_rtype(p, VM_KMAP, k, v);
        break;
    }
    case TY_STRUCT: r = vm_add_rtype(p, VM_KSTRUCT, t->st->index, 0); break;
    case TY_FN: r = vm_add_rtype(p, VM_KFUNC, 0, 0); break;
    case TY_CHAN: r = vm_add_rtype(p, VM_KCHAN, rtype(C, t->elem), 0); break;
    case TY_NIL: r = vm_add_rtype(p, VM_KNIL, 0, 0); break;
    default: r = vm_add_rtype(p, VM_KVOID, 0, 0); break;
    }
    C->rtype_of[t->id] = r;
    return r;
}

static bool isref(const lang_type *t) { return lang_type_is_ref(t) || t->kind == TY_NIL; }

/* The store opcode for a value of type t: a reference goes through the
 * write barrier (the P forms), a scalar does not. */
static vm_opcode store_op(vm_opcode scalar, const lang_type *t)
{
    if (!isref(t))
        return scalar;
    switch (scalar) {
    case OP_SETFIELD: return OP_SETFIELDP;
    case OP_SETINDEX: return OP_SETINDEXP;
    case OP_SETGLOBAL: return OP_SETGLOBALP;
    case OP_SETCELL: return OP_SETCELLP;
    default: return OP_SETUPVALP;
    }
}

/* ---- emitting ---- */

static int emit_x(fstate *fs, vm_instr i, int line, unsigned refs, int32_t xuse)
{
    lv_info *lv = &fs->lv;
    if (fs->f->ncode >= VM_MAX_CODE) {
        limit(fs, "more than 4194304 instructions");
        return (int)fs->f->ncode - 1;
    }
    if (lv->n == lv->cap) {
        uint32_t c = lv->cap ? lv->cap * 2 : 64;
        uint8_t *r = realloc(lv->refops, c);
        if (r)
            lv->refops = r;
        int32_t *x = realloc(lv->xuse, c * sizeof *x);
        if (x)
            lv->xuse = x;
        if (!r || !x) {
            out_of_memory(fs);
            return 0;
        }
        lv->cap = c;
    }
    if (refs & ~lv_maybe_refs(i))
        cerror(fs->C, line, 1, "internal compiler error: %s flags an operand whose role fixes its kind",
               vm_opnames[VM_OP(i)]);
    int pc = vm_emit(fs->f, i, line > 0 ? line : 1);
    if (pc < 0) {
        out_of_memory(fs);
        return 0;
    }
    lv->refops[pc] = (uint8_t)refs;
    lv->xuse[pc] = xuse;
    lv->n = (uint32_t)pc + 1;
    return pc;
}

static int emit(fstate *fs, vm_instr i, int line, unsigned refs)
{
    return emit_x(fs, i, line, refs, -1);
}

static int32_t new_xset(fstate *fs)
{
    lv_info *lv = &fs->lv;
    if (lv->nx == lv->capx) {
        uint32_t c = lv->capx ? lv->capx * 2 : 16;
        lv_regset *s = realloc(lv->xsets, c * sizeof *s);
        if (!s) {
            out_of_memory(fs);
            return -1;
        }
        lv->xsets = s;
        lv->capx = c;
    }
    memset(&lv->xsets[lv->nx], 0, sizeof lv->xsets[0]);
    return (int32_t)lv->nx++;
}

static int pc_here(const fstate *fs) { return (int)fs->f->ncode; }

static void touch(fstate *fs, int top)
{
    if (top > fs->maxreg)
        fs->maxreg = top;
    if (top > MAX_REGS)
        limit(fs, "more than 256 registers");
}

static int reserve(fstate *fs, int n)
{
    int r = fs->freereg;
    fs->freereg += n;
    touch(fs, fs->freereg);
    return r & 0xFF;
}

/* ---- jumps ---- */

static int jnext(const fstate *fs, int pc) { return VM_SJ(fs->f->code[pc]); }

/* A jump back is a loop's back edge and polls for the collector
 * (JMPBACK), unless it is the JMP a test decides (tests only ever jump
 * forward here, out of a loop or over a branch). A jump list's links are
 * plain JMPs. */
static void jset(fstate *fs, int pc, int v)
{
    bool after_test = pc > 0 && (vm_opflags[VM_OP(fs->f->code[pc - 1])] & VM_OPF_T);
    fs->f->code[pc] = VM_SJ_(v < 0 && !after_test ? OP_JMPBACK : OP_JMP, v);
}

static int emit_jump(fstate *fs, int line) { return emit(fs, VM_SJ_(OP_JMP, NO_JUMP), line, 0); }

static void jconcat(fstate *fs, int *list, int pc)
{
    if (*list == NO_JUMP) {
        *list = pc;
        return;
    }
    int x = *list;
    while (jnext(fs, x) != NO_JUMP)
        x = jnext(fs, x);
    jset(fs, x, pc);
}

static void patch(fstate *fs, int list, int target)
{
    if (list != NO_JUMP && target > fs->last_target)
        fs->last_target = target;
    while (list != NO_JUMP) {
        int next = jnext(fs, list);
        jset(fs, list, target - (list + 1));
        list = next;
    }
}

static void patch_here(fstate *fs, int list) { patch(fs, list, pc_here(fs)); }

static void jump_to(fstate *fs, int target, int line)
{
    int pc = emit_jump(fs, line);
    jset(fs, pc, target - (pc + 1));
}

/* ---- locals ---- */

static lslot *lfind(fstate *fs, const lang_local *v)
{
    if (fs->lcap == 0)
        return NULL;
    size_t h = ((uintptr_t)v >> 4) & (size_t)(fs->lcap - 1);
    while (fs->locals[h].local && fs->locals[h].local != v)
        h = (h + 1) & (size_t)(fs->lcap - 1);
    return &fs->locals[h];
}

static void set_local(fstate *fs, const lang_local *v, int reg)
{
    if (2 * (fs->ln + 1) > fs->lcap) {
        int ncap = fs->lcap ? 2 * fs->lcap : 16;
        lslot *old = fs->locals;
        int oldcap = fs->lcap;
        fs->locals = calloc((size_t)ncap, sizeof *fs->locals);
        if (!fs->locals) {
            fs->locals = old;
            out_of_memory(fs);
            return;
        }
        fs->lcap = ncap;
        for (int j = 0; j < oldcap; j++)
            if (old[j].local)
                *lfind(fs, old[j].local) = old[j];
        free(old);
    }
    lslot *s = lfind(fs, v);
    if (!s->local)
        fs->ln++;
    s->local = v;
    s->reg = reg;
}

static int local_reg(fstate *fs, const lang_local *v)
{
    lslot *s = lfind(fs, v);
    if (!s || !s->local) {
        cerror(fs->C, v->line, v->col, "internal compiler error: local %s has no register",
               v->name);
        return 0;
    }
    return s->reg;
}

/* ---- constants ---- */

static int kindex(fstate *fs, int32_t k)
{
    if (k < 0) {
        out_of_memory(fs);
        return 0;
    }
    if (k > VM_MAXARG_BX)
        limit(fs, "more than 65536 constants");
    return k;
}

static void load_int(fstate *fs, int dst, int64_t v, int line)
{
    if (v >= -32768 && v <= 32767)
        emit(fs, VM_ASBX(OP_LOADI, dst, (int)v), line, 0);
    else
        emit(fs, VM_ABX(OP_LOADK, dst, kindex(fs, vm_const_int(fs->f, v))), line, 0);
}

static void load_float(fstate *fs, int dst, double v, int line)
{
    if (v >= -32768 && v <= 32767 && v == (double)(int)v && !(v == 0 && 1 / v < 0))
        emit(fs, VM_ASBX(OP_LOADF, dst, (int)v), line, 0);
    else
        emit(fs, VM_ABX(OP_LOADK, dst, kindex(fs, vm_const_float(fs->f, v))), line, 0);
}

static void load_string(fstate *fs, int dst, const char *s, size_t n, int line)
{
    emit(fs, VM_ABX(OP_LOADK, dst, kindex(fs, vm_const_string(fs->f, s, n))), line, 0);
}

static void load_const(fstate *fs, int dst, const lang_const *cv, int line)
{
    switch (cv->kind) {
    case TY_INT: load_int(fs, dst, cv->i, line); break;
    case TY_FLOAT: load_float(fs, dst, cv->f, line); break;
    case TY_BOOL: emit(fs, VM_ABC(cv->b ? OP_LOADTRUE : OP_LOADFALSE, dst, 0, 0), line, 0); break;
    default: load_string(fs, dst, cv->s ? cv->s : "", cv->n, line); break;
    }
}

static void load_zero(fstate *fs, int dst, const lang_type *t, int line)
{
    switch (t->kind) {
    case TY_INT: case TY_BOOL: emit(fs, VM_ASBX(OP_LOADI, dst, 0), line, 0); break;
    case TY_FLOAT: emit(fs, VM_ASBX(OP_LOADF, dst, 0), line, 0); break;
    case TY_STRING: load_string(fs, dst, "", 0, line); break;
    default: emit(fs, VM_ABC(OP_LOADNIL, dst, 0, 0), line, 0); break;
    }
}

static void emit_mov(fstate *fs, int dst, int src, const lang_type *t, int line)
{
    if (dst != src)
        emit(fs, VM_ABC(OP_MOV, dst, src, 0), line, isref(t) ? LV_RB : 0);
}

/* ---- expressions ---- */

static void expr(fstate *fs, lang_expr *e, int dst);
static void cond_jump(fstate *fs, lang_expr *e, bool jif, int *list);
static void call(fstate *fs, lang_expr *e, int dst);

static bool plain_local(const lang_expr *e)
{
    return e->kind == EX_IDENT && !e->is_const && e->u.ident.ref.kind == REF_LOCAL &&
           !e->u.ident.ref.local->captured;
}

/* dst may be written before all operands are read only when it is a
 * temporary (nothing else reads it). */
static bool is_temp(const fstate *fs, int r) { return r >= fs->nactive; }

/* The register holding e: a local in place, else a new temporary. */
static int anyreg(fstate *fs, lang_expr *e)
{
    if (plain_local(e))
        return local_reg(fs, e->u.ident.ref.local);
    int r = reserve(fs, 1);
    expr(fs, e, r);
    return r;
}

/* The register of an operand of an instruction writing dst: a
 * temporary dst holds nothing yet, so the first operand may be computed
 * right into it (left-nested chains then need no register per level). */
static int operand(fstate *fs, lang_expr *e, int dst)
{
    if (plain_local(e) || !is_temp(fs, dst))
        return anyreg(fs, e);
    expr(fs, e, dst);
    return dst;
}

static bool small_int(const lang_expr *e, int64_t *v)
{
    if (!e->is_const || e->cv.kind != TY_INT || e->cv.i < -128 || e->cv.i > 127)
        return false;
    *v = e->cv.i;
    return true;
}


/* A returned constant RETURNI carries: an int or bool in int16 range,
 * or nil (the zero word). */
static bool return_imm(const lang_expr *e, int64_t *v)
{
    if (e->kind == EX_NIL) {
        *v = 0;
        return true;
    }
    if (!e->is_const)
        return false;
    if (e->cv.kind == TY_BOOL)
        *v = e->cv.b ? 1 : 0;
    else if (e->cv.kind == TY_INT && e->cv.i >= -VM_MAXARG_SBX - 1 && e->cv.i <= VM_MAXARG_SBX)
        *v = e->cv.i;
    else
        return false;
    return true;
}

/* The fused field arithmetic (opcodes.h): for "x op s.f" with x already
 * in the destination (ADDFFLD...) or "s.f op= y" (FLDADDF...); -1 when
 * there is none for this operator and type. */
static int field_arith_op(lx_kind op, lang_type_kind k, bool store)
{
    if (k == TY_INT) {
        switch (op) {
        case TK_PLUS: return store ? OP_FLDADDI : OP_ADDIFLD;
        case TK_MINUS: return store ? OP_FLDSUBI : OP_SUBIFLD;
        default: return -1;
        }
    }
    if (k == TY_FLOAT) {
        switch (op) {
        case TK_PLUS: return store ? OP_FLDADDF : OP_ADDFFLD;
        case TK_MINUS: return store ? OP_FLDSUBF : OP_SUBFFLD;
        case TK_STAR: return store ? OP_FLDMULF : OP_MULFFLD;
        case TK_SLASH: return store ? OP_FLDDIVF : OP_DIVFFLD;
        default: return -1;
        }
    }
    return -1;
}

/* e can be evaluated after the target field of "s.f op= e" is read
 * without anyone telling: no calls or closures (which could write s.f),
 * and no error it could raise before the target's nil check that would
 * read differently (index and division errors; a field's nil dereference
 * reads the same when it is on the statement's line). */
static bool quiet_expr(const lang_expr *e, int line)
{
    if (e->is_const)
        return true;
    switch (e->kind) {
    case EX_NIL: case EX_INT: case EX_FLOAT: case EX_BOOL: case EX_STRING: case EX_IDENT:
        return true;
    case EX_UNARY:
        return quiet_expr(e->u.unary.x, line);
    case EX_BINARY: {
        lx_kind op = e->u.binary.op;
        if ((op == TK_SLASH || op == TK_PERCENT) && e->type->kind != TY_FLOAT)
            return false;
        return quiet_expr(e->u.binary.x, line) && quiet_expr(e->u.binary.y, line);
    }
    case EX_FIELD:
        return e->line == line && quiet_expr(e->u.field.x, line);
    default:
        return false;
    }
}

static vm_opcode arith_op(lx_kind op, lang_type_kind k)
{
    bool f = k == TY_FLOAT;
    switch (op) {
    case TK_PLUS: return f ? OP_ADDF : OP_ADDI;
    case TK_MINUS: return f ? OP_SUBF : OP_SUBI;
    case TK_STAR: return f ? OP_MULF : OP_MULI;
    case TK_SLASH: return f ? OP_DIVF : OP_DIVI;
    case TK_PERCENT: return f ? OP_MODF : OP_MODI;
    case TK_AMP: return OP_BAND;
    case TK_PIPE: return OP_BOR;
    case TK_CARET: return OP_BXOR;
    case TK_SHL: return OP_SHL;
    default: return OP_SHR;
    }
}

/* dst = rx op y, where x's value is already in rx and t is the type. */
static void arith_into(fstate *fs, lx_kind op, const lang_type *t, int dst, int rx, lang_expr *y,
                       int line)
{
    int64_t imm;
    if (t->kind == TY_INT && op == TK_PLUS && small_int(y, &imm)) {
        emit(fs, VM_ABC(OP_ADDIK, dst, rx, (uint8_t)(int8_t)imm), line, 0);
        return;
    }
    if (t->kind == TY_INT && op == TK_MINUS && small_int(y, &imm) && imm != -128) {
        emit(fs, VM_ABC(OP_ADDIK, dst, rx, (uint8_t)(int8_t)-imm), line, 0);
        return;
    }
    int save = fs->freereg;
    int fop = field_arith_op(op, t->kind, false);
    if (rx == dst && fop >= 0 && y->kind == EX_FIELD) {
        /* dst op= y.x.f in one instruction: dst is read before written. */
        int rs = anyreg(fs, y->u.field.x);
        emit(fs, VM_ABC(fop, dst, rs, y->u.field.index), y->line, 0);
        fs->freereg = save;
        return;
    }
    if (rx == dst && t->kind == TY_FLOAT && (op == TK_PLUS || op == TK_MINUS) &&
        y->kind == EX_BINARY && y->u.binary.op == TK_STAR && !y->is_const) {
        /* dst +-= a * b: the product's operands in order, then one
         * instruction that rounds as MULF then ADDF/SUBF would. */
        int ra = anyreg(fs, y->u.binary.x);
        int rb = anyreg(fs, y->u.binary.y);
        emit(fs, VM_ABC(op == TK_PLUS ? OP_MADDF : OP_MSUBF, dst, ra, rb), y->line, 0);
        fs->freereg = save;
        return;
    }
    int ry = anyreg(fs, y);
    if (t->kind == TY_STRING)
        emit(fs, VM_ABC(OP_CONCAT, dst, rx, ry), line, 0);
    else
        emit(fs, VM_ABC(arith_op(op, t->kind), dst, rx, ry), line, 0);
    fs->freereg = save;
}

static bool is_compare(lx_kind op)
{
    return op == TK_EQ || op == TK_NE || op == TK_LT || op == TK_LE || op == TK_GT ||
           op == TK_GE;
}

/* The value of a comparison (0/1) into dst. */
static void compare_value(fstate *fs, lang_expr *e, int dst)
{
    lx_kind op = e->u.binary.op;
    lang_expr *x = e->u.binary.x, *y = e->u.binary.y;
    const lang_type *t = x->type->kind == TY_NIL ? y->type : x->type;
    int save = fs->freereg;
    int rx = operand(fs, x, dst);
    int ry = anyreg(fs, y);
    vm_opcode eq, lt, le;
    switch (t->kind) {
    case TY_INT: case TY_BOOL: eq = OP_EQI, lt = OP_LTI, le = OP_LEI; break;
    case TY_FLOAT: eq = OP_EQF, lt = OP_LTF, le = OP_LEF; break;
    case TY_STRING: eq = OP_EQS, lt = OP_LTS, le = OP_LES; break;
    default: eq = lt = le = OP_EQ; break;
    }
    int line = e->line;
    switch (op) {
    case TK_EQ: emit(fs, VM_ABC(eq, dst, rx, ry), line, 0); break;
    case TK_NE:
        emit(fs, VM_ABC(eq, dst, rx, ry), line, 0);
        emit(fs, VM_ABC(OP_NOT, dst, dst, 0), line, 0);
        break;
    case TK_LT: emit(fs, VM_ABC(lt, dst, rx, ry), line, 0); break;
    case TK_LE: emit(fs, VM_ABC(le, dst, rx, ry), line, 0); break;
    case TK_GT: emit(fs, VM_ABC(lt, dst, ry, rx), line, 0); break;
    default: emit(fs, VM_ABC(le, dst, ry, rx), line, 0); break;
    }
    fs->freereg = save;
}

static void binary(fstate *fs, lang_expr *e, int dst)
{
    lx_kind op = e->u.binary.op;
    lang_expr *x = e->u.binary.x, *y = e->u.binary.y;
    int line = e->line;
    if (op == TK_ANDAND || op == TK_OROR) {
        int save = fs->freereg;
        int d = is_temp(fs, dst) ? dst : reserve(fs, 1);
        expr(fs, x, d);
        emit(fs, VM_ABC(OP_TEST, d, 0, op == TK_OROR), line, 0);
        int j = emit_jump(fs, line);
        expr(fs, y, d);
        patch_here(fs, j);
        emit_mov(fs, dst, d, e->type, line);
        fs->freereg = save;
        return;
    }
    if (is_compare(op)) {
        compare_value(fs, e, dst);
        return;
    }
    int64_t imm;
    if (e->type->kind == TY_INT && op == TK_PLUS && small_int(x, &imm) && !small_int(y, &imm)) {
        lang_expr *t = x;
        x = y;
        y = t;
    }
    int save = fs->freereg;
    int rx = operand(fs, x, dst);
    arith_into(fs, op, x->type, dst, rx, y, line);
    fs->freereg = save;
}

static void unary(fstate *fs, lang_expr *e, int dst)
{
    int save = fs->freereg;
    lang_expr *x = e->u.unary.x;
    int rx = operand(fs, x, dst);
    vm_opcode op;
    switch (e->u.unary.op) {
    case TK_MINUS: op = x->type->kind == TY_FLOAT ? OP_NEGF : OP_NEGI; break;
    case TK_NOT: op = OP_NOT; break;
    default: op = OP_BNOT; break;
    }
    emit(fs, VM_ABC(op, dst, rx, 0), e->line, 0);
    fs->freereg = save;
}

static void ident(fstate *fs, lang_expr *e, int dst)
{
    lang_ref *r = &e->u.ident.ref;
    int line = e->line;
    switch (r->kind) {
    case REF_LOCAL: {
        int reg = local_reg(fs, r->local);
        if (r->local->captured)
            emit(fs, VM_ABC(OP_GETCELL, dst, reg, 0), line, 0);
        else
            emit_mov(fs, dst, reg, e->type, line);
        break;
    }
    case REF_CAPTURE:
        emit(fs, VM_ABC(OP_GETUPVAL, dst, r->index, 0), line, 0);
        break;
    case REF_GLOBAL:
        emit(fs, VM_ABX(OP_GETGLOBAL, dst, r->index), line, 0);
        break;
    case REF_FUNC:
        emit(fs, VM_ABX(OP_CLOSURE, dst, r->index), line, 0);
        break;
    default:
        cerror(fs->C, e->line, e->col, "internal compiler error: %s is not a value",
               e->u.ident.name);
        break;
    }
}

static vm_mapkey keykind(const lang_type *k)
{
    return k->kind == TY_STRING ? VM_MAPKEY_STRING : k->kind == TY_BOOL ? VM_MAPKEY_BOOL : VM_MAPKEY_INT;
}

/* Literals build in place when dst is a temporary, else in one. */
static int build_reg(fstate *fs, int dst) { return is_temp(fs, dst) ? dst : reserve(fs, 1); }

static void array_lit(fstate *fs, lang_expr *e, int dst)
{
    int save = fs->freereg, line = e->line;
    int t = build_reg(fs, dst);
    int n = e->u.array.n;
    bool ref = isref(e->type->elem);
    int ri = reserve(fs, 1);
    load_int(fs, ri, n, line);
    emit(fs, VM_ABC(OP_NEWARRAY, t, ri, ref), line, 0);
    if (n > 0)
        load_int(fs, ri, 0, line);
    for (int j = 0; j < n; j++) {
        int s2 = fs->freereg;
        lang_expr *v = e->u.array.elems[j];
        int rv = anyreg(fs, v);
        emit(fs, VM_ABC(store_op(OP_SETINDEX, e->type->elem), t, ri, rv), v->line, 0);
        if (j + 1 < n)
            emit(fs, VM_ABC(OP_ADDIK, ri, ri, 1), v->line, 0);
        fs->freereg = s2;
    }
    emit_mov(fs, dst, t, e->type, line);
    fs->freereg = save;
}

static void map_lit(fstate *fs, lang_expr *e, int dst)
{
    int save = fs->freereg, line = e->line;
    int t = build_reg(fs, dst);
    const lang_type *mt = e->type;
    emit(fs, VM_ABC(OP_NEWMAP, t, keykind(mt->key), isref(mt->elem)), line, 0);
    for (int j = 0; j < e->u.map.n; j++) {
        int s2 = fs->freereg;
        int rk = anyreg(fs, e->u.map.keys[j]);
        int rv = anyreg(fs, e->u.map.vals[j]);
        emit(fs, VM_ABC(OP_MAPSET, t, rk, rv), e->u.map.keys[j]->line,
             (isref(mt->key) ? LV_RB : 0) | (isref(mt->elem) ? LV_RC : 0));
        fs->freereg = s2;
    }
    emit_mov(fs, dst, t, e->type, line);
    fs->freereg = save;
}

/* Structs this small are built with NEWSTRUCTV: the values first, in
 * source order, into the registers after the result, then one
 * instruction allocates and fills (no SETFIELD per field, and the new
 * struct is not live across the values' calls). */
#define STRUCTV_MAX_FIELDS 8

static void struct_lit(fstate *fs, lang_expr *e, int dst)
{
    int save = fs->freereg, line = e->line;
    lang_struct *st = e->u.struct_.st;
    int nf = st->nfields;
    bool intodst = dst >= 0 && dst == fs->freereg - 1 && is_temp(fs, dst);
    int ninit = e->u.struct_.n;
    if (nf > 0 && nf <= STRUCTV_MAX_FIELDS && nf - ninit <= ninit &&
        fs->freereg + (intodst ? 0 : 1) + nf <= MAX_REGS) {
        int t = intodst ? dst : reserve(fs, 1);
        reserve(fs, nf);
        {
            bool set[STRUCTV_MAX_FIELDS] = {false};
            int32_t x = new_xset(fs);
            int top = fs->freereg, hi = -1;
            for (int j = 0; j < ninit; j++) {
                lang_field_init *in = &e->u.struct_.inits[j];
                /* Past the highest field written so far nothing is set
                 * yet: the value may use those registers (a call then
                 * returns right into its field). */
                if (in->field > hi) {
                    fs->freereg = t + 2 + in->field;
                    hi = in->field;
                }
                expr(fs, in->value, t + 1 + in->field);
                fs->freereg = top;
                set[in->field] = true;
            }
            for (int f = 0; f < nf; f++) {
                if (!set[f])
                    load_zero(fs, t + 1 + f, st->fields[f].type, line);
                if (x >= 0 && isref(st->fields[f].type))
                    lv_add(&fs->lv.xsets[x], t + 1 + f);
            }
            emit_x(fs, VM_ABX(OP_NEWSTRUCTV, t, st->index), line, 0, x);
            emit_mov(fs, dst, t, e->type, line);
            fs->freereg = save;
            return;
        }
    }
    int t = build_reg(fs, dst);
    emit(fs, VM_ABX(OP_NEWSTRUCT, t, st->index), line, 0);
    for (int j = 0; j < e->u.struct_.n; j++) {
        lang_field_init *in = &e->u.struct_.inits[j];
        int s2 = fs->freereg;
        int rv = anyreg(fs, in->value);
        emit(fs, VM_ABC(store_op(OP_SETFIELD, st->fields[in->field].type), t, in->field, rv),
             in->line, 0);
        fs->freereg = s2;
    }
    emit_mov(fs, dst, t, e->type, line);
    fs->freereg = save;
}

static void closure(fstate *fs, lang_expr *e, int dst)
{
    lang_func *g = e->u.closure.fn;
    vm_proto *gp = fs->C->p->protos[g->index];
    int32_t x = -1;
    if (gp->nupvals == 0 && g->ncaptures > 0) {
        for (int j = 0; j < g->ncaptures; j++) {
            lang_capture *c = &g->captures[j];
            if (c->from_parent_local)
                vm_add_upval(gp, 1, local_reg(fs, c->var));
            else
                vm_add_upval(gp, 0, c->index);
        }
    }
    for (int j = 0; j < g->ncaptures; j++) {
        lang_capture *c = &g->captures[j];
        if (c->from_parent_local) {
            if (x < 0)
                x = new_xset(fs);
            if (x >= 0)
                lv_add(&fs->lv.xsets[x], local_reg(fs, c->var));
        }
    }
    emit_x(fs, VM_ABX(OP_CLOSURE, dst, g->index), e->line, 0, x);
}

/* The offset of a CALLB's argument type list (its EXTRAARG's Ax). */
static int32_t typelist(fstate *fs, const int32_t *types, int n)
{
    int32_t tl = vm_add_typelist(fs->C->p, types, n);
    if (tl == VM_TYPELIST_FULL) {
        /* EXTRAARG's Ax: 24 bits */
        limit(fs, "argument type lists pass 16777216 words");
        return 0;
    }
    if (tl < 0) {
        fs->C->p->oom = true;
        return 0;
    }
    return tl;
}

/* CALLB of built-in b on the values of args, the result (of type rt)
 * into dst (< 0: dropped). The type list has the arguments' types, or
 * types_of's when given (make passes the channel type it makes). */
static void callb(fstate *fs, int b, lang_expr **args, int nargs, const lang_type *const *types_of,
                  const lang_type *rt, int dst, int line, int col)
{
    int save = fs->freereg;
    int a;
    if (dst >= 0 && dst == fs->freereg - 1 && is_temp(fs, dst)) {
        a = dst;
        fs->freereg = dst;
    } else {
        a = fs->freereg;
    }
    int32_t types[256];
    int32_t x = new_xset(fs);
    for (int j = 0; j < nargs; j++) {
        int r = reserve(fs, 1);
        expr(fs, args[j], r);
        const lang_type *t = types_of ? types_of[j] : args[j]->type;
        if (j < 256)
            types[j] = rtype(fs->C, t);
        if (x >= 0 && isref(args[j]->type))
            lv_add(&fs->lv.xsets[x], r);
    }
    touch(fs, a + 1);
    if (nargs > 255) {
        cerror(fs->C, line, col, "too many arguments to %s (at most 255)", std_builtin_table[b].name);
        nargs = 255;
    }
    int32_t tl = typelist(fs, types, nargs);
    emit_x(fs, VM_ABC(OP_CALLB, a, b, nargs), line, 0, x);
    emit(fs, VM_AX_(OP_EXTRAARG, tl), line, 0);
    if (dst >= 0)
        emit_mov(fs, dst, a, rt, line);
    fs->freereg = save;
}

static void builtin_call(fstate *fs, lang_expr *e, int dst)
{
    int b = e->u.call.builtin;
    lang_expr **args = e->u.call.args;
    int nargs = e->u.call.nargs, line = e->line;
    int save = fs->freereg;
    if (b == STD_B_len && args[0]->type->kind != TY_CHAN) {
        int rx = anyreg(fs, args[0]);
        if (dst >= 0)
            emit(fs, VM_ABC(args[0]->type->kind == TY_STRING ? OP_LENS : OP_LEN, dst, rx, 0),
                 line, 0);
        fs->freereg = save;
        return;
    }
    if (b == STD_B_push) {
        int ra = anyreg(fs, args[0]);
        int rx = anyreg(fs, args[1]);
        emit(fs, VM_ABC(OP_PUSH, ra, rx, 0), line, isref(args[1]->type) ? LV_RB : 0);
        fs->freereg = save;
        return;
    }
    if (b == STD_B_make) {
        const lang_type *t = e->type;
        int d = dst >= 0 ? dst : reserve(fs, 1);
        if (t->kind == TY_MAP) {
            emit(fs, VM_ABC(OP_NEWMAP, d, keykind(t->key), isref(t->elem)), line, 0);
        } else if (t->kind == TY_CHAN) {
            /* CALLB make with the capacity (0 when omitted) as its one
             * argument, and the channel's type as that argument's type:
             * the body reads the element type from it. */
            const lang_type *ct[1] = {t};
            fs->freereg = save;
            callb(fs, b, args + 1, 1, ct, t, dst >= 0 ? dst : d, line, e->col);
        } else {
            int rn = anyreg(fs, args[1]);
            emit(fs, VM_ABC(OP_NEWARRAY, d, rn, isref(t->elem)), line, 0);
        }
        fs->freereg = save;
        return;
    }
    if (b == STD_B_sqrt && nargs == 1 && args[0]->type->kind == TY_FLOAT) {
        /* Inlined: the same libm sqrt as stdlib's, without the call. */
        int d = dst >= 0 ? dst : reserve(fs, 1);
        int rx = operand(fs, args[0], d);
        emit(fs, VM_ABC(OP_SQRTF, d, rx, 0), line, 0);
        fs->freereg = save;
        return;
    }
    callb(fs, b, args, nargs, NULL, e->type, dst, line, e->col);
    fs->freereg = save;
}

/* A call; dst < 0 discards the result. */
static void call(fstate *fs, lang_expr *e, int dst)
{
    int line = e->line;
    switch (e->u.call.kind) {
    case CALL_BUILTIN:
        builtin_call(fs, e, dst);
        return;
    case CALL_CONV: {
        lang_expr *x = e->u.call.args[0];
        int d = dst >= 0 ? dst : reserve(fs, 1);
        if (x->type == e->type) {
            expr(fs, x, d);
        } else {
            int save = fs->freereg;
            int rx = anyreg(fs, x);
            emit(fs, VM_ABC(e->type->kind == TY_FLOAT ? OP_ITOF : OP_FTOI, d, rx, 0), line, 0);
            fs->freereg = save;
        }
        return;
    }
    default:
        break;
    }
    int save = fs->freereg;
    int rf = -1;
    if (e->u.call.kind == CALL_VALUE)
        rf = anyreg(fs, e->u.call.fn);
    int a;
    if (dst >= 0 && dst == fs->freereg - 1 && is_temp(fs, dst) && rf != dst) {
        a = dst;
        fs->freereg = dst;
    } else {
        a = fs->freereg;
    }
    int32_t x = new_xset(fs);
    int nargs = e->u.call.nargs;
    for (int j = 0; j < nargs; j++) {
        lang_expr *arg = e->u.call.args[j];
        int r = reserve(fs, 1);
        expr(fs, arg, r);
        if (x >= 0 && isref(arg->type))
            lv_add(&fs->lv.xsets[x], r);
    }
    touch(fs, a + 1);
    if (e->u.call.kind == CALL_DIRECT)
        emit_x(fs, VM_ABX(OP_CALL, a, e->u.call.fn->u.ident.ref.index), line, 0, x);
    else
        emit_x(fs, VM_ABC(OP_CALLR, a, rf, 0), line, 0, x);
    if (dst >= 0)
        emit_mov(fs, dst, a, e->type, line);
    fs->freereg = save;
}

static void expr(fstate *fs, lang_expr *e, int dst)
{
    if (e->is_const) {
        load_const(fs, dst, &e->cv, e->line);
        return;
    }
    int line = e->line;
    switch (e->kind) {
    case EX_NIL:
        emit(fs, VM_ABC(OP_LOADNIL, dst, 0, 0), line, 0);
        return;
    case EX_INT: load_int(fs, dst, e->u.i, line); return;
    case EX_FLOAT: load_float(fs, dst, e->u.f, line); return;
    case EX_BOOL: emit(fs, VM_ABC(e->u.b ? OP_LOADTRUE : OP_LOADFALSE, dst, 0, 0), line, 0); return;
    case EX_STRING: load_string(fs, dst, e->u.str.s, e->u.str.n, line); return;
    case EX_IDENT: ident(fs, e, dst); return;
    case EX_UNARY: unary(fs, e, dst); return;
    case EX_BINARY: binary(fs, e, dst); return;
    case EX_CALL: call(fs, e, dst); return;
    case EX_INDEX: {
        int save = fs->freereg;
        lang_expr *x = e->u.index.x, *i = e->u.index.index;
        int rx = anyreg(fs, x), ri = anyreg(fs, i);
        if (x->type->kind == TY_MAP)
            emit(fs, VM_ABC(OP_MAPGET, dst, rx, ri), line, isref(i->type) ? LV_RC : 0);
        else
            emit(fs, VM_ABC(OP_GETINDEX, dst, rx, ri), line, 0);
        fs->freereg = save;
        return;
    }
    case EX_FIELD: {
        int save = fs->freereg;
        int rx = anyreg(fs, e->u.field.x);
        emit(fs, VM_ABC(OP_GETFIELD, dst, rx, e->u.field.index), line, 0);
        fs->freereg = save;
        return;
    }
    case EX_ARRAY: array_lit(fs, e, dst); return;
    case EX_MAP: map_lit(fs, e, dst); return;
    case EX_STRUCT: struct_lit(fs, e, dst); return;
    case EX_CLOSURE: closure(fs, e, dst); return;
    default:
        cerror(fs->C, e->line, e->col, "internal compiler error: unexpected expression");
        return;
    }
}

/* ---- conditions ---- */

static void emit_test_jump(fstate *fs, vm_instr i, int line, int *list)
{
    emit(fs, i, line, 0);
    jconcat(fs, list, emit_jump(fs, line));
}

/* Jumps to list when e's truth equals jif; falls through otherwise. */
static void cond_jump(fstate *fs, lang_expr *e, bool jif, int *list)
{
    int line = e->line;
    if (e->is_const && e->cv.kind == TY_BOOL) {
        if (e->cv.b == jif)
            jconcat(fs, list, emit_jump(fs, line));
        return;
    }
    if (e->kind == EX_UNARY && e->u.unary.op == TK_NOT) {
        cond_jump(fs, e->u.unary.x, !jif, list);
        return;
    }
    if (e->kind == EX_BINARY && (e->u.binary.op == TK_ANDAND || e->u.binary.op == TK_OROR)) {
        bool isand = e->u.binary.op == TK_ANDAND;
        if (jif != isand) {
            /* && jumping on false, || jumping on true: either side decides. */
            cond_jump(fs, e->u.binary.x, jif, list);
            cond_jump(fs, e->u.binary.y, jif, list);
        } else {
            int skip = NO_JUMP;
            cond_jump(fs, e->u.binary.x, !jif, &skip);
            cond_jump(fs, e->u.binary.y, jif, list);
            patch_here(fs, skip);
        }
        return;
    }
    if (e->kind == EX_BINARY && is_compare(e->u.binary.op)) {
        lx_kind op = e->u.binary.op;
        lang_expr *x = e->u.binary.x, *y = e->u.binary.y;
        const lang_type *t = x->type->kind == TY_NIL || x->kind == EX_NIL ? y->type : x->type;
        int save = fs->freereg;
        int k = jif;
        if (op == TK_NE) {
            op = TK_EQ;
            k = !jif;
        }
        /* Nil tests. */
        if (op == TK_EQ && (x->kind == EX_NIL || y->kind == EX_NIL) && isref(t) &&
            t->kind != TY_STRING) {
            lang_expr *v = x->kind == EX_NIL ? y : x;
            if (v->kind == EX_FIELD) {
                int rs = anyreg(fs, v->u.field.x);
                emit_test_jump(fs, VM_ABC(OP_IFNILFLD, rs, v->u.field.index, k), line, list);
                fs->freereg = save;
                return;
            }
            int r = anyreg(fs, v);
            emit_test_jump(fs, VM_ABC(OP_IFNIL, r, 0, k), line, list);
            fs->freereg = save;
            return;
        }
        int64_t imm;
        if (t->kind == TY_INT && (small_int(y, &imm) || small_int(x, &imm))) {
            bool yk = small_int(y, &imm);
            if (!yk) {
                /* c op y: mirror so the constant is on the right. */
                lang_expr *tmp = x;
                x = y;
                y = tmp;
                small_int(y, &imm);
                op = op == TK_LT ? TK_GT : op == TK_GT ? TK_LT : op == TK_LE ? TK_GE
                   : op == TK_GE ? TK_LE : op;
            }
            int rx = anyreg(fs, x);
            vm_opcode o = op == TK_EQ ? OP_IFEQIK : op == TK_LT ? OP_IFLTIK : op == TK_LE
                        ? OP_IFLEIK : op == TK_GT ? OP_IFGTIK : OP_IFGEIK;
            emit_test_jump(fs, VM_ABC(o, rx, (uint8_t)(int8_t)imm, k), line, list);
            fs->freereg = save;
            return;
        }
        int rx = anyreg(fs, x), ry = anyreg(fs, y);
        vm_opcode eq, lt, le;
        switch (t->kind) {
        case TY_INT: case TY_BOOL: eq = OP_IFEQI, lt = OP_IFLTI, le = OP_IFLEI; break;
        case TY_FLOAT: eq = OP_IFEQF, lt = OP_IFLTF, le = OP_IFLEF; break;
        case TY_STRING: eq = OP_IFEQS, lt = OP_IFLTS, le = OP_IFLES; break;
        default: eq = lt = le = OP_IFEQ; break;
        }
        vm_instr i;
        switch (op) {
        case TK_EQ: i = VM_ABC(eq, rx, ry, k); break;
        case TK_LT: i = VM_ABC(lt, rx, ry, k); break;
        case TK_LE: i = VM_ABC(le, rx, ry, k); break;
        case TK_GT: i = VM_ABC(lt, ry, rx, k); break;
        default: i = VM_ABC(le, ry, rx, k); break;
        }
        emit_test_jump(fs, i, line, list);
        fs->freereg = save;
        return;
    }
    int save = fs->freereg;
    int r = anyreg(fs, e);
    emit_test_jump(fs, VM_ABC(OP_TEST, r, 0, jif), line, list);
    fs->freereg = save;
}

/* ---- statements ---- */

static void stmt(fstate *fs, lang_stmt *s);

static void block(fstate *fs, lang_stmt *b)
{
    int nactive = fs->nactive;
    for (int j = 0; j < b->u.block.n; j++)
        stmt(fs, b->u.block.stmts[j]);
    fs->nactive = fs->freereg = nactive;
}

/* Makes register r (holding v's first value) v's home; a captured v gets
 * a fresh cell holding that value. */
static void declare(fstate *fs, const lang_local *v, int r, int line)
{
    if (v->captured)
        emit(fs, VM_ABC(OP_NEWCELL, r, r, isref(v->type)), line, isref(v->type) ? LV_RB : 0);
    set_local(fs, v, r);
}

/* A loop variable whose value the loop leaves in register src: used in
 * place, or copied into a new cell when captured. */
static void declare_loopvar(fstate *fs, const lang_local *v, int src, int line)
{
    if (!v)
        return;
    if (v->captured) {
        int r = reserve(fs, 1);
        emit(fs, VM_ABC(OP_NEWCELL, r, src, isref(v->type)), line, isref(v->type) ? LV_RB : 0);
        set_local(fs, v, r);
    } else {
        set_local(fs, v, src);
    }
}

static void var_stmt(fstate *fs, lang_stmt *s)
{
    lang_local *v = s->u.var.local;
    lang_expr *init = s->u.var.init;
    int line = s->line;
    if (!v) {
        if (init) {
            int save = fs->freereg;
            int r = reserve(fs, 1);
            expr(fs, init, r);
            fs->freereg = save;
        }
        return;
    }
    int r = reserve(fs, 1);
    if (init)
        expr(fs, init, r);
    else
        load_zero(fs, r, s->u.var.type, line);
    fs->freereg = r + 1;
    declare(fs, v, r, line);
    fs->nactive = fs->freereg;
}

/* Stores the value in register rv into an identifier target. */
static void store_ident(fstate *fs, lang_expr *t, int rv, int line)
{
    lang_ref *r = &t->u.ident.ref;
    switch (r->kind) {
    case REF_LOCAL: {
        int reg = local_reg(fs, r->local);
        if (r->local->captured)
            emit(fs, VM_ABC(store_op(OP_SETCELL, t->type), reg, rv, 0), line, 0);
        else
            emit_mov(fs, reg, rv, t->type, line);
        break;
    }
    case REF_CAPTURE:
        emit(fs, VM_ABC(store_op(OP_SETUPVAL, t->type), rv, r->index, 0), line, 0);
        break;
    case REF_GLOBAL:
        emit(fs, VM_ABX(store_op(OP_SETGLOBAL, t->type), rv, r->index), line, 0);
        break;
    default:
        break; /* the blank name */
    }
}

static void assign_stmt(fstate *fs, lang_stmt *s)
{
    lang_expr *t = s->u.assign.target, *v = s->u.assign.value;
    lx_kind op = s->u.assign.op;
    int line = s->line;
    int save = fs->freereg;
    bool compound = op != TK_ASSIGN;
    if (t->kind == EX_IDENT) {
        if (plain_local(t)) {
            int reg = local_reg(fs, t->u.ident.ref.local);
            if (compound)
                arith_into(fs, op, t->type, reg, reg, v, line);
            else
                expr(fs, v, reg);
        } else {
            int rv = reserve(fs, 1);
            if (compound) {
                ident(fs, t, rv);
                arith_into(fs, op, t->type, rv, rv, v, line);
            } else {
                expr(fs, v, rv);
            }
            store_ident(fs, t, rv, line);
        }
    } else if (t->kind == EX_INDEX) {
        lang_expr *x = t->u.index.x, *i = t->u.index.index;
        bool map = x->type->kind == TY_MAP;
        int rx = anyreg(fs, x), ri = anyreg(fs, i);
        int rv;
        unsigned kref = map && isref(i->type) ? LV_RC : 0;
        if (compound) {
            rv = reserve(fs, 1);
            emit(fs, VM_ABC(map ? OP_MAPGET : OP_GETINDEX, rv, rx, ri), line, kref);
            arith_into(fs, op, t->type, rv, rv, v, line);
        } else {
            rv = anyreg(fs, v);
        }
        if (map)
            emit(fs, VM_ABC(OP_MAPSET, rx, ri, rv), line,
                 (kref ? LV_RB : 0) | (isref(t->type) ? LV_RC : 0));
        else
            emit(fs, VM_ABC(store_op(OP_SETINDEX, t->type), rx, ri, rv), line, 0);
    } else if (t->kind == EX_FIELD) {
        int rx = anyreg(fs, t->u.field.x);
        int fi = t->u.field.index;
        int rv;
        int fop = compound ? field_arith_op(op, t->type->kind, true) : -1;
        if (fop >= 0 && quiet_expr(v, line)) {
            rv = anyreg(fs, v);
            emit(fs, VM_ABC(fop, rx, fi, rv), line, 0);
            fs->freereg = save;
            return;
        }
        if (compound) {
            rv = reserve(fs, 1);
            emit(fs, VM_ABC(OP_GETFIELD, rv, rx, fi), line, 0);
            arith_into(fs, op, t->type, rv, rv, v, line);
        } else {
            rv = anyreg(fs, v);
        }
        emit(fs, VM_ABC(store_op(OP_SETFIELD, t->type), rx, fi, rv), line, 0);
    } else {
        cerror(fs->C, t->line, t->col, "internal compiler error: bad assignment target");
    }
    fs->freereg = save;
}

/* ---- multiple assignment (ast.h: ST_MASSIGN, ST_MVAR) ----
 * Go's two phases: the operands of index and field targets, then every
 * value, each into a register of its own, left to right; then the stores,
 * left to right. An operand that is a local no target of this statement
 * assigns is used in place. */

static bool assigned_here(const lang_stmt *s, const lang_local *v)
{
    for (int i = 0; i < s->u.massign.n; i++) {
        const lang_expr *t = s->u.massign.targets[i];
        if (t->kind == EX_IDENT && t->u.ident.ref.kind == REF_LOCAL && t->u.ident.ref.local == v)
            return true;
    }
    return false;
}

static int target_operand(fstate *fs, const lang_stmt *s, lang_expr *e)
{
    if (plain_local(e) && !assigned_here(s, e->u.ident.ref.local))
        return local_reg(fs, e->u.ident.ref.local);
    int r = reserve(fs, 1);
    expr(fs, e, r);
    return r;
}

static void massign_stmt(fstate *fs, lang_stmt *s)
{
    int n = s->u.massign.n, line = s->line, save = fs->freereg;
    if (n > MAX_REGS) {
        limit(fs, "an assignment of more than 256 targets");
        return;
    }
    int rx[MAX_REGS], ri[MAX_REGS], rv[MAX_REGS];
    for (int j = 0; j < n; j++) {
        lang_expr *t = s->u.massign.targets[j];
        if (t->kind == EX_INDEX) {
            rx[j] = target_operand(fs, s, t->u.index.x);
            ri[j] = target_operand(fs, s, t->u.index.index);
        } else if (t->kind == EX_FIELD) {
            rx[j] = target_operand(fs, s, t->u.field.x);
        }
    }
    for (int j = 0; j < n; j++) {
        rv[j] = reserve(fs, 1);
        expr(fs, s->u.massign.values[j], rv[j]);
    }
    for (int j = 0; j < n; j++) {
        lang_expr *t = s->u.massign.targets[j];
        unsigned vref = isref(t->type);
        if (t->kind == EX_IDENT) {
            if (plain_local(t))
                emit_mov(fs, local_reg(fs, t->u.ident.ref.local), rv[j], t->type, line);
            else
                store_ident(fs, t, rv[j], line);
        } else if (t->kind == EX_INDEX && t->u.index.x->type->kind == TY_MAP) {
            unsigned kref = isref(t->u.index.index->type) ? LV_RB : 0;
            emit(fs, VM_ABC(OP_MAPSET, rx[j], ri[j], rv[j]), line, kref | (vref ? LV_RC : 0));
        } else if (t->kind == EX_INDEX) {
            /* a reference through the write barrier, as in single assignment */
            emit(fs, VM_ABC(store_op(OP_SETINDEX, t->type), rx[j], ri[j], rv[j]), line, 0);
        } else if (t->kind == EX_FIELD) {
            emit(fs, VM_ABC(store_op(OP_SETFIELD, t->type), rx[j], t->u.field.index, rv[j]),
                 line, 0);
        }
    }
    fs->freereg = save;
}

static void mvar_stmt(fstate *fs, lang_stmt *s)
{
    int n = s->u.mvar.n, line = s->line;
    int r = reserve(fs, n);
    for (int j = 0; j < n; j++)
        expr(fs, s->u.mvar.values[j], r + j);
    for (int j = 0; j < n; j++)
        declare(fs, s->u.mvar.locals[j], r + j, line);
    fs->nactive = fs->freereg = r + n;
}

static void enter_loop(fstate *fs, loop *l)
{
    l->up = fs->loops;
    l->breaks = l->continues = NO_JUMP;
    l->nactive = fs->nactive;
    fs->loops = l;
}

static void leave_loop(fstate *fs, loop *l)
{
    patch_here(fs, l->breaks);
    fs->loops = l->up;
    fs->nactive = fs->freereg = l->nactive;
}

/* The end of a counted loop (`for i in a..b`, `for x in array`; stepped:
 * `by s`): continue jumps to the FORLOOP, which jumps back to the body's
 * first instruction, and the FORPREP at prep learns where the loop ends. */
static void close_forloop(fstate *fs, const loop *l, int x, int prep, int body, int line,
                          bool stepped)
{
    patch(fs, l->continues, pc_here(fs));
    int lp = pc_here(fs);
    if (lp + 1 - body > VM_MAXARG_BX)
        limit(fs, "a loop body of more than 65535 instructions");
    emit(fs, VM_ABX(stepped ? OP_FORLOOPS : OP_FORLOOP, x, lp + 1 - body), line, 0);
    fs->f->code[prep] = VM_ABX(stepped ? OP_FORPREPS : OP_FORPREP, x, lp - prep);
}

/* for i in a..b by s: FORPREPS/FORLOOPS, whose step is R[x+3]. */
static void for_range_by(fstate *fs, lang_stmt *s, loop *l)
{
    int line = s->line;
    int x = reserve(fs, 4);
    expr(fs, s->u.for_.x, x);
    expr(fs, s->u.for_.hi, x + 1);
    expr(fs, s->u.for_.step, x + 3);
    int prep = emit(fs, VM_ABX(OP_FORPREPS, x, 0), line, 0);
    int body = pc_here(fs);
    declare_loopvar(fs, s->u.for_.var1, x + 2, line);
    fs->nactive = fs->freereg;
    block(fs, s->u.for_.body);
    close_forloop(fs, l, x, prep, body, line, true);
}

/* The length of `for x in a` is taken once (Go's range), but a body
 * that calls anything may pop: then each iteration ends by lowering the
 * limit to a's length, so the loop stops at the array's new end instead
 * of indexing past it. A body without calls cannot shrink a and pays
 * nothing. */
static void shrink_limit(fstate *fs, loop *l, int t, int x, int body, int line)
{
    bool calls = false;
    for (int pc = body; pc < pc_here(fs) && !calls; pc++) {
        vm_opcode op = VM_OP(fs->f->code[pc]);
        calls = op == OP_CALL || op == OP_CALLR || op == OP_CALLB;
    }
    if (!calls)
        return;
    patch(fs, l->continues, pc_here(fs));
    l->continues = NO_JUMP;
    int n = reserve(fs, 1);
    emit(fs, VM_ABC(OP_LEN, n, t, 0), line, 0);
    emit(fs, VM_ABC(OP_IFLTI, n, x + 1, 0), line, 0);
    int skip = emit_jump(fs, line);
    emit(fs, VM_ABC(OP_MOV, x + 1, n, 0), line, 0);
    patch_here(fs, skip);
    fs->freereg--;
}

/* The rest of a loop that tests at its top (for over a map or a
 * channel): the body, continue and the back edge to top, and exit, the
 * jump that leaves. */
static void toploop_body(fstate *fs, loop *l, lang_stmt *s, int top, int exit, int line)
{
    fs->nactive = fs->freereg;
    block(fs, s->u.for_.body);
    patch(fs, l->continues, top);
    jump_to(fs, top, line);
    jconcat(fs, &l->breaks, exit);
}

static void for_stmt(fstate *fs, lang_stmt *s)
{
    loop l;
    enter_loop(fs, &l);
    int line = s->line;
    lang_local *v1 = s->u.for_.var1, *v2 = s->u.for_.var2;
    switch (s->u.for_.kind) {
    case FOR_RANGE: {
        if (s->u.for_.step) {
            for_range_by(fs, s, &l);
            break;
        }
        int x = reserve(fs, 3);
        expr(fs, s->u.for_.x, x);
        expr(fs, s->u.for_.hi, x + 1);
        int prep = emit(fs, VM_ABX(OP_FORPREP, x, 0), line, 0);
        int body = pc_here(fs);
        declare_loopvar(fs, v1, x + 2, line);
        fs->nactive = fs->freereg;
        block(fs, s->u.for_.body);
        close_forloop(fs, &l, x, prep, body, line, false);
        break;
    }
    case FOR_ARRAY: {
        int t = reserve(fs, 1);
        int x = reserve(fs, 3);
        expr(fs, s->u.for_.x, t);
        emit(fs, VM_ASBX(OP_LOADI, x, 0), line, 0);
        emit(fs, VM_ABC(OP_LEN, x + 1, t, 0), line, 0);
        int prep = emit(fs, VM_ABX(OP_FORPREP, x, 0), line, 0);
        int body = pc_here(fs);
        lang_local *elem = v2 ? v2 : v1;
        if (v2)
            declare_loopvar(fs, v1, x + 2, line);
        int re = reserve(fs, 1);
        emit(fs, VM_ABC(OP_GETINDEX, re, t, x + 2), line, 0);
        declare(fs, elem, re, line);
        fs->nactive = fs->freereg;
        block(fs, s->u.for_.body);
        shrink_limit(fs, &l, t, x, body, line);
        close_forloop(fs, &l, x, prep, body, line, false);
        break;
    }
    case FOR_CHAN: {
        /* recv with a second argument: it writes the value to R[a] and
         * whether one came (not closed and empty) to R[a+1]. */
        int c = reserve(fs, 1);
        expr(fs, s->u.for_.x, c);
        int a = reserve(fs, 2);
        int top = pc_here(fs);
        int32_t types[2] = {rtype(fs->C, s->u.for_.x->type), vm_add_rtype(fs->C->p, VM_KBOOL, 0, 0)};
        int32_t tl = typelist(fs, types, 2);
        emit_mov(fs, a, c, s->u.for_.x->type, line);
        emit(fs, VM_ABC(OP_LOADFALSE, a + 1, 0, 0), line, 0);
        int32_t xs = new_xset(fs);
        if (xs >= 0)
            lv_add(&fs->lv.xsets[xs], a);
        emit_x(fs, VM_ABC(OP_CALLB, a, STD_B_recv, 2), line, 0, xs);
        emit(fs, VM_AX_(OP_EXTRAARG, tl), line, 0);
        emit(fs, VM_ABC(OP_TEST, a + 1, 0, 0), line, 0);
        int exit = emit_jump(fs, line);
        declare_loopvar(fs, v1, a, line);
        toploop_body(fs, &l, s, top, exit, line);
        break;
    }
    case FOR_MAP: {
        int m = reserve(fs, 1);
        int x = reserve(fs, 3);
        expr(fs, s->u.for_.x, m);
        emit(fs, VM_ASBX(OP_LOADI, x, 0), line, 0);
        int top = pc_here(fs);
        emit(fs, VM_ABC(OP_MAPNEXT, x, m, 0), line, 0);
        int exit = emit_jump(fs, line);
        declare_loopvar(fs, v1, x + 1, line);
        declare_loopvar(fs, v2, x + 2, line);
        toploop_body(fs, &l, s, top, exit, line);
        break;
    }
    default:
        break;
    }
    leave_loop(fs, &l);
}

static void while_stmt(fstate *fs, lang_stmt *s)
{
    loop l;
    enter_loop(fs, &l);
    int top = pc_here(fs);
    cond_jump(fs, s->u.while_.cond, false, &l.breaks);
    block(fs, s->u.while_.body);
    patch(fs, l.continues, top);
    jump_to(fs, top, s->line);
    leave_loop(fs, &l);
}

/* go f(args): CALLB go on the function value and the arguments; the
 * built-in starts the thread with them (stdlib/thread.c). */
static void go_stmt(fstate *fs, lang_stmt *s)
{
    lang_expr *e = s->u.go.call;
    int n = e->u.call.nargs + 1;
    lang_expr **vals = malloc((size_t)n * sizeof *vals);
    if (!vals) {
        out_of_memory(fs);
        return;
    }
    vals[0] = e->u.call.fn;
    for (int j = 1; j < n; j++)
        vals[j] = e->u.call.args[j - 1];
    callb(fs, STD_B_go, vals, n, NULL, NULL, -1, e->line, e->col);
    free(vals);
}

static void if_stmt(fstate *fs, lang_stmt *s)
{
    int skip = NO_JUMP;
    cond_jump(fs, s->u.if_.cond, false, &skip);
    block(fs, s->u.if_.then);
    if (s->u.if_.else_) {
        int end = emit_jump(fs, s->line);
        patch_here(fs, skip);
        stmt(fs, s->u.if_.else_);
        patch_here(fs, end);
    } else {
        patch_here(fs, skip);
    }
}

static void stmt(fstate *fs, lang_stmt *s)
{
    int save = fs->freereg;
    switch (s->kind) {
    case ST_BLOCK: block(fs, s); break;
    case ST_VAR: var_stmt(fs, s); return;
    case ST_CONST: break;
    case ST_ASSIGN: assign_stmt(fs, s); break;
    case ST_MASSIGN: massign_stmt(fs, s); break;
    case ST_MVAR: mvar_stmt(fs, s); return;
    case ST_EXPR: {
        lang_expr *x = s->u.expr.x;
        if (x->kind == EX_CALL)
            call(fs, x, x->type->kind == TY_VOID ? -1 : reserve(fs, 1));
        break;
    }
    case ST_IF: if_stmt(fs, s); break;
    case ST_WHILE: while_stmt(fs, s); break;
    case ST_FOR: for_stmt(fs, s); break;
    case ST_GO: go_stmt(fs, s); break;
    case ST_RETURN: {
        lang_expr *x = s->u.ret.x;
        int64_t imm;
        if (x && return_imm(x, &imm)) {
            emit(fs, VM_ASBX(OP_RETURNI, 0, imm), s->line, 0);
        } else if (x) {
            int r = anyreg(fs, x);
            emit(fs, VM_ABC(OP_RETURN, r, 0, 0), s->line, isref(x->type) ? LV_RA : 0);
        } else {
            emit(fs, VM_ABC(OP_RETURN0, 0, 0, 0), s->line, 0);
        }
        break;
    }
    case ST_BREAK:
    case ST_CONTINUE:
        if (fs->loops) {
            int j = emit_jump(fs, s->line);
            jconcat(fs, s->kind == ST_BREAK ? &fs->loops->breaks : &fs->loops->continues, j);
        }
        break;
    }
    fs->freereg = save;
}

/* ---- functions ---- */

static void fs_init(fstate *fs, compiler *C, lang_func *fn, int32_t proto)
{
    memset(fs, 0, sizeof *fs);
    fs->C = C;
    fs->fn = fn;
    fs->proto = proto;
    fs->f = C->p->protos[proto];
    fs->last_target = -1;
}

static void fs_free(fstate *fs)
{
    free(fs->locals);
    free(fs->lv.refops);
    free(fs->lv.xuse);
    free(fs->lv.xsets);
}

/* The end of a body: a function that can fall off its end returns its
 * zero value (the checker proves it does not for one with a result). */
static void finish_body(fstate *fs, const lang_type *result, int line)
{
    uint32_t n = fs->f->ncode;
    vm_opcode last = n ? VM_OP(fs->f->code[n - 1]) : OP_MOV;
    bool ends = n > 0 &&
                (last == OP_RETURN || last == OP_RETURN0 || last == OP_RETURNI || last == OP_JMP ||
                 last == OP_JMPBACK) &&
                fs->last_target < (int)n;
    if (ends)
        return;
    if (!result || result->kind == TY_VOID) {
        emit(fs, VM_ABC(OP_RETURN0, 0, 0, 0), line, 0);
    } else {
        int r = reserve(fs, 1);
        load_zero(fs, r, result, line);
        emit(fs, VM_ABC(OP_RETURN, r, 0, 0), line, isref(result) ? LV_RA : 0);
    }
}

static void finish_proto(fstate *fs)
{
    vm_proto *f = fs->f;
    f->nregs = fs->maxreg > 0 ? (fs->maxreg > MAX_REGS ? MAX_REGS : fs->maxreg) : 1;
    if (fs->failed || fs->C->failed)
        return;
    char err[256];
    if (lv_stackmaps(f, &fs->lv, err, sizeof err) != 0) {
        int line = fs->fn ? fs->fn->line : 1, col = fs->fn ? fs->fn->col : 1;
        cerror(fs->C, line, col, "internal compiler error: %s", err);
    }
}

static void compile_func(compiler *C, lang_func *fn)
{
    fstate fs;
    fs_init(&fs, C, fn, fn->index);
    int np = fn->nparams;
    for (int j = 0; j < np; j++)
        set_local(&fs, fn->locals[j], j);
    fs.nactive = fs.freereg = np;
    touch(&fs, np);
    for (int j = 0; j < np; j++) {
        const lang_local *v = fn->locals[j];
        if (v->captured)
            emit(&fs, VM_ABC(OP_NEWCELL, j, j, isref(v->type)), fn->line,
                 isref(v->type) ? LV_RB : 0);
    }
    block(&fs, fn->body);
    finish_body(&fs, fn->type->result, fn->body->u.block.end_line);
    finish_proto(&fs);
    fs_free(&fs);
}

static void compile_init(compiler *C, int32_t proto)
{
    fstate fs;
    fs_init(&fs, C, NULL, proto);
    lang_program *prog = C->prog;
    /* Zero strings first: an initialiser may read a later global. */
    for (int g = 0; g < prog->nglobals; g++) {
        lang_global *gl = prog->globals[g];
        if (gl->type->kind == TY_STRING && gl->init) {
            int r = reserve(&fs, 1);
            load_string(&fs, r, "", 0, gl->line);
            emit(&fs, VM_ABX(OP_SETGLOBALP, r, g), gl->line, 0);
            fs.freereg = 0;
        }
    }
    for (int g = 0; g < prog->nglobals; g++) {
        lang_global *gl = prog->globals[g];
        if (!gl->init && gl->type->kind != TY_STRING)
            continue;
        int r = reserve(&fs, 1);
        if (gl->init)
            expr(&fs, gl->init, r);
        else
            load_zero(&fs, r, gl->type, gl->line);
        emit(&fs, VM_ABX(store_op(OP_SETGLOBAL, gl->type), r, g), gl->line, 0);
        fs.freereg = 0;
    }
    finish_body(&fs, NULL, 1);
    finish_proto(&fs);
    fs_free(&fs);
}

static bool needs_init(const lang_program *prog)
{
    for (int g = 0; g < prog->nglobals; g++)
        if (prog->globals[g]->init || prog->globals[g]->type->kind == TY_STRING)
            return true;
    return false;
}

vm_program *lang_compile(lang_unit *u)
{
    if (!u->checked && lang_unit_check(u) != 0)
        return NULL;
    if (lang_unit_nerrors(u) != 0 || !u->program || !u->program->main)
        return NULL;
    compiler C = {.u = u, .prog = u->program};
    lang_program *prog = u->program;
    C.p = vm_program_new(u->name);
    C.rtype_of = malloc((size_t)(prog->ntypes ? prog->ntypes : 1) * sizeof *C.rtype_of);
    if (!C.p || !C.rtype_of) {
        lang_error(&u->diags, 1, 1, "out of memory");
        free(C.rtype_of);
        vm_program_free(C.p);
        return NULL;
    }
    for (int j = 0; j < prog->ntypes; j++)
        C.rtype_of[j] = -1;
    vm_program *p = C.p;
    /* CALLB's B is stdlib's index: the VM binds the bodies when it loads. */
    for (int j = 0; j < std_builtin_count; j++)
        vm_add_builtin(p, std_builtin_table[j].name);

    /* Every limit on a count is checked before anything is made for it. */
    if (prog->nstructs > MAX_INDEX) {
        lang_struct *st = prog->structs[MAX_INDEX];
        cerror(&C, st->line, st->col, "more than %d struct types", MAX_INDEX);
    }
    if (prog->nfuncs > MAX_INDEX) {
        lang_func *fn = prog->funcs[MAX_INDEX];
        cerror(&C, fn->line, fn->col, "more than %d functions", MAX_INDEX);
    }
    for (int j = 0; j < prog->nfuncs; j++) {
        lang_func *fn = prog->funcs[j];
        if (fn->ncaptures > MAX_CAPTURES)
            cerror(&C, fn->line, fn->col, "a closure may capture at most %d variables (this one captures %d)",
                   MAX_CAPTURES, fn->ncaptures);
    }
    if (C.failed) {
        free(C.rtype_of);
        vm_program_free(p);
        lang_diags_sort(&u->diags);
        return NULL;
    }
    /* Structs in the checker's order, so struct index = vm struct index. */
    for (int s = 0; s < prog->nstructs; s++)
        vm_add_struct(p, prog->structs[s]->name);
    for (int s = 0; s < prog->nstructs; s++) {
        lang_struct *st = prog->structs[s];
        if (st->nfields > 255)
            cerror(&C, st->line, st->col, "struct %s has more than 255 fields", st->name);
        for (int j = 0; j < st->nfields; j++)
            vm_add_field(p, s, st->fields[j].name, rtype(&C, st->fields[j].type));
    }
    for (int g = 0; g < prog->nglobals; g++) {
        if (g > VM_MAXARG_BX) {
            cerror(&C, prog->globals[g]->line, prog->globals[g]->col, "more than 65536 globals");
            break;
        }
        vm_add_global(p, prog->globals[g]->name, rtype(&C, prog->globals[g]->type));
    }
    /* One proto per function, proto index = function index. */
    for (int j = 0; j < prog->nfuncs; j++) {
        lang_func *fn = prog->funcs[j];
        vm_add_proto(p, fn->name, fn->nparams, 1);
        if (fn->type->result->kind != TY_VOID)
            p->protos[j]->result_rtype = rtype(&C, fn->type->result);
    }
    if (needs_init(prog))
        p->init_proto = vm_add_proto(p, "<init>", 0, 1);
    p->main_proto = prog->main->index;
    for (int j = 0; j < prog->nfuncs && !p->oom; j++)
        compile_func(&C, prog->funcs[j]);
    if (p->init_proto >= 0 && !p->oom)
        compile_init(&C, p->init_proto);
    if (p->oom && !C.failed)
        cerror(&C, 1, 1, "out of memory while compiling");
    if (!C.failed) {
        char err[256];
        if (vm_program_finish(p, err, sizeof err) != 0)
            cerror(&C, 1, 1, "internal compiler error: %s", err);
    }
    free(C.rtype_of);
    if (C.failed) {
        lang_diags_sort(&u->diags);
        vm_program_free(p);
        return NULL;
    }
    return p;
}
