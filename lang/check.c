/*
 * check.c: toy's type checker and resolver. It mirrors go/types in spirit
 * (universe scope, package scope collected before any body is checked, so
 * declarations may come in any order; lazy resolution of constants and
 * inferred globals with cycle detection) and Lua's lparser in how it
 * resolves names for a register VM: each local gets a frame slot, slots are
 * reused once a scope closes, and a variable used by an inner function is
 * marked captured and reached through the chain of captures (Lua's
 * upvalues, singlevaraux).
 *
 * It annotates the tree in place as ast.h documents. Built-in functions
 * come from stdlib/ (std_builtin_table, std_prelude): no built-in name is
 * written here, only the typing rule of each generic kind.
 *
 * Errors are reported once per cause: an expression that failed gets the
 * type TY_ERROR, which every rule accepts silently.
 */
#include "lang/internal.h"
#include "stdlib/builtins.h"
#include "vm/bytecode.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum sym_kind { S_LOCAL, S_GLOBAL, S_CONST, S_FUNC, S_BUILTIN, S_TYPE } sym_kind;

/* Where the checker is with a global's or a constant's declaration: a
 * declaration met again while RESOLVING is a cycle. */
typedef enum sym_state { SYM_TODO, SYM_RESOLVING, SYM_DONE } sym_state;

typedef struct sym {
    const char *name;
    sym_kind kind;
    int line, col;
    lang_local *local;   /* S_LOCAL */
    lang_global *global; /* S_GLOBAL */
    lang_stmt *decl;     /* S_GLOBAL, S_CONST: the declaration */
    lang_func *fn;       /* S_FUNC */
    int builtin;         /* S_BUILTIN */
    lang_type *type;     /* S_TYPE, S_CONST */
    sym_state state;     /* S_GLOBAL, S_CONST */
    lang_const cv;       /* S_CONST */
    struct sym *next;
} sym;

typedef struct scope {
    struct scope *parent;
    sym *syms;
    int nsyms;
    sym **table;     /* open addressing, once the scope holds many names */
    int tcap;
    int saved_slots; /* the function's active slot count at entry */
} scope;

typedef struct checker {
    lang_arena *a;
    lang_diags *d;
    lang_program *prog;
    scope *universe, *package, *cur;
    lang_func *fn;      /* the function being checked, NULL at top level */
    int loops;          /* enclosing loops in the current function */
    int slots;          /* active slots in the current function */
    int lazy_depth;     /* nested lazy resolutions (consts, globals) */
    lang_type *t_error, *t_void, *t_nil, *t_int, *t_float, *t_bool, *t_string;
    lang_type **builtin_sigs; /* per std_builtin_table entry, STD_FIXED */
    char tnames[4][128];      /* see tn() */
    unsigned tn_next;
} checker;

/* Where a value is used, for messages: "in argument to" + " f". Two
 * pointers rather than a formatted buffer, for the same reason as tn(). */
typedef struct ctxt {
    const char *what, *name;
} ctxt;
#define CTX(w) ((ctxt){(w), NULL})
#define CTXN(w, n) ((ctxt){(w), (n)})

#define NEW(c, T) ((T *)lang_arena_alloc((c)->a, sizeof(T)))

static void error(checker *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void error(checker *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lang_verror(c->d, line, col, fmt, ap);
    va_end(ap);
}

/* A type's name for a message, in a ring of buffers in the checker (a
 * message names at most three types). Buffers live in the checker, not in
 * the frames of the recursive checking functions, to keep those small:
 * the tree may be LANG_MAX_NESTING deep. */
static const char *tn(checker *c, const lang_type *t)
{
    char *b = c->tnames[c->tn_next++ % 4];
    ck_type_write(t, b, sizeof c->tnames[0]);
    return b;
}

static bool is_err(const lang_type *t) { return t->kind == TY_ERROR; }

/* ---- scopes ---- */

static void push_scope(checker *c)
{
    scope *s = NEW(c, scope);
    s->parent = c->cur;
    s->saved_slots = c->slots;
    c->cur = s;
}

static void pop_scope(checker *c)
{
    c->slots = c->cur->saved_slots;
    c->cur = c->cur->parent;
}

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Small scopes are lists; from 16 names on (the package scope of a big
 * program, the universe) lookups go through a hash table. */
enum { SCOPE_HASH_MIN = 16 };

static void table_put(scope *s, sym *y)
{
    uint32_t i = hash_name(y->name) & (uint32_t)(s->tcap - 1);
    while (s->table[i])
        i = (i + 1) & (uint32_t)(s->tcap - 1);
    s->table[i] = y;
}

static void scope_add(checker *c, scope *s, sym *y)
{
    y->next = s->syms;
    s->syms = y;
    s->nsyms++;
    if (s->nsyms < SCOPE_HASH_MIN)
        return;
    if (!s->table || 2 * s->nsyms > s->tcap) {
        s->tcap = s->tcap ? 2 * s->tcap : 4 * SCOPE_HASH_MIN;
        s->table = lang_arena_alloc(c->a, (size_t)s->tcap * sizeof *s->table);
        for (sym *z = s->syms; z; z = z->next)
            table_put(s, z);
    } else {
        table_put(s, y);
    }
}

static sym *lookup_in(scope *s, const char *name)
{
    if (s->table) {
        uint32_t i = hash_name(name) & (uint32_t)(s->tcap - 1);
        for (; s->table[i]; i = (i + 1) & (uint32_t)(s->tcap - 1))
            if (strcmp(s->table[i]->name, name) == 0)
                return s->table[i];
        return NULL;
    }
    for (sym *y = s->syms; y; y = y->next)
        if (strcmp(y->name, name) == 0)
            return y;
    return NULL;
}

static sym *lookup(checker *c, const char *name)
{
    for (scope *s = c->cur; s; s = s->parent) {
        sym *y = lookup_in(s, name);
        if (y)
            return y;
    }
    return NULL;
}

/* Declares name in the current scope; NULL (after an error) when the
 * scope has it already. The blank name `_` declares nothing. */
static sym *declare(checker *c, const char *name, sym_kind k, int line, int col)
{
    if (strcmp(name, "_") == 0) {
        sym *y = NEW(c, sym);
        y->name = name;
        y->kind = k;
        return y;
    }
    /* The built-in types' names (int, float, bool, string, GCStats) name
     * them everywhere: no declaration may shadow one. */
    sym *bt = c->cur != c->universe ? lookup_in(c->universe, name) : NULL;
    if (bt && bt->kind == S_TYPE) {
        error(c, line, col, "cannot redeclare built-in type %s", name);
        return NULL;
    }
    sym *old = lookup_in(c->cur, name);
    if (old) {
        if (old->line > 0)
            error(c, line, col, "%s redeclared in this block (previous declaration at %d:%d)",
                  name, old->line, old->col);
        else
            error(c, line, col, "%s redeclared in this block", name);
        return NULL;
    }
    sym *y = NEW(c, sym);
    y->name = name;
    y->kind = k;
    y->line = line;
    y->col = col;
    scope_add(c, c->cur, y);
    return y;
}

/* ---- growable arrays in the arena ---- */

/* A copy of arr's n elements (of sz bytes) in a new block of the arena
 * with room for more; *cap is its capacity (vm_grow_cap's rule). */
static void *arena_grow(checker *c, void *arr, int n, int *cap, size_t sz)
{
    size_t ncap = vm_grow_cap((size_t)*cap, INT_MAX, sz);
    if (!ncap) {
        fputs("toy: out of memory\n", stderr);
        abort();
    }
    void *nv = lang_arena_alloc(c->a, ncap * sz);
    if (n)
        memcpy(nv, arr, (size_t)n * sz);
    *cap = (int)ncap;
    return nv;
}

#define ARENA_GROW(c, arr, n, cap)                                            \
    do {                                                                      \
        if ((n) == (cap))                                                     \
            (arr) = arena_grow((c), (arr), (n), &(cap), sizeof *(arr));       \
    } while (0)

static lang_local *new_local(checker *c, const char *name, lang_type *t, int line, int col)
{
    lang_func *f = c->fn;
    lang_local *v = NEW(c, lang_local);
    v->name = name;
    v->type = t;
    v->fn = f;
    v->line = line;
    v->col = col;
    v->slot = c->slots++;
    if (c->slots > f->nslots)
        f->nslots = c->slots;
    ARENA_GROW(c, f->locals, f->nlocals, f->caplocals);
    f->locals[f->nlocals++] = v;
    return v;
}

static lang_local *declare_local(checker *c, const char *name, lang_type *t, int line, int col)
{
    lang_local *v = new_local(c, name, t, line, col);
    sym *y = declare(c, name, S_LOCAL, line, col);
    if (y)
        y->local = v;
    return v;
}

static void add_func(checker *c, lang_func *f)
{
    lang_program *p = c->prog;
    ARENA_GROW(c, p->funcs, p->nfuncs, p->capfuncs);
    f->index = p->nfuncs;
    p->funcs[p->nfuncs++] = f;
}

/* Index of v in f's captures, adding it (and, through the parents, the
 * chain that brings it down) when missing. */
static int capture(checker *c, lang_func *f, lang_local *v)
{
    for (int i = 0; i < f->ncaptures; i++)
        if (f->captures[i].var == v)
            return i;
    lang_func *parent = f->parent;
    bool from_local = v->fn == parent;
    int idx = from_local ? v->slot : capture(c, parent, v);
    v->captured = true;
    ARENA_GROW(c, f->captures, f->ncaptures, f->capcaptures);
    f->captures[f->ncaptures] = (lang_capture){v->name, v->type, v, from_local, idx};
    return f->ncaptures++;
}

/* ---- types as written ---- */

static bool valid_key(const lang_type *t)
{
    return t->kind == TY_INT || t->kind == TY_STRING || t->kind == TY_BOOL ||
           t->kind == TY_ERROR;
}

static lang_type *resolve_type(checker *c, lang_texpr *t)
{
    switch (t->kind) {
    case TX_NAME: {
        sym *y = lookup(c, t->name);
        if (!y) {
            error(c, t->line, t->col, "undefined type %s", t->name);
            return c->t_error;
        }
        if (y->kind != S_TYPE) {
            error(c, t->line, t->col, "%s is not a type", t->name);
            return c->t_error;
        }
        return y->type;
    }
    case TX_ARRAY: {
        lang_type *e = resolve_type(c, t->elem);
        return is_err(e) ? e : ck_array_of(c->a, c->prog, e);
    }
    case TX_MAP: {
        lang_type *k = resolve_type(c, t->key);
        lang_type *v = resolve_type(c, t->elem);
        if (!valid_key(k)) {
            error(c, t->key->line, t->key->col,
                  "invalid map key type %s (keys are int, string or bool)", tn(c, k));
            return c->t_error;
        }
        if (is_err(k) || is_err(v))
            return c->t_error;
        return ck_map_of(c->a, c->prog, k, v);
    }
    case TX_CHAN: {
        lang_type *e = resolve_type(c, t->elem);
        return is_err(e) ? e : ck_chan_of(c->a, c->prog, e);
    }
    case TX_FN: {
        lang_type **ps = lang_arena_alloc(c->a, (size_t)(t->nparams + 1) * sizeof *ps);
        bool bad = false;
        for (int i = 0; i < t->nparams; i++) {
            ps[i] = resolve_type(c, t->params[i]);
            bad |= is_err(ps[i]);
        }
        lang_type *r = t->result ? resolve_type(c, t->result) : c->t_void;
        if (bad || is_err(r))
            return c->t_error;
        return ck_fn_of(c->a, c->prog, ps, t->nparams, r);
    }
    }
    return c->t_error;
}

/* The type an expression denotes, when it denotes one: a type name, a
 * one-element array literal of a type ([int]), map[K]V or fn(...). */
static lang_type *expr_as_type(checker *c, lang_expr *e, bool *is_type)
{
    *is_type = false;
    lang_type *t = NULL;
    switch (e->kind) {
    case EX_IDENT: {
        sym *y = lookup(c, e->u.ident.name);
        if (y && y->kind == S_TYPE) {
            *is_type = true;
            e->u.ident.ref.kind = REF_TYPE;
            t = y->type;
        }
        break;
    }
    case EX_ARRAY:
        if (e->u.array.n == 1) {
            t = expr_as_type(c, e->u.array.elems[0], is_type);
            if (*is_type && !is_err(t))
                t = ck_array_of(c->a, c->prog, t);
        }
        break;
    case EX_TYPE:
        *is_type = true;
        t = resolve_type(c, e->u.texpr.t);
        break;
    default:
        break;
    }
    if (*is_type)
        e->type = t; /* a type argument's nodes carry the type they denote */
    return t;
}

/* ---- expressions ---- */

static lang_type *check_expr(checker *c, lang_expr *e, lang_type *want);
static void check_block_in(checker *c, lang_stmt *b);
static void check_func_body(checker *c, lang_func *f);
static void resolve_const(checker *c, sym *y);
static void resolve_global(checker *c, sym *y);
static lang_type *builtin_sig(checker *c, int i, int line, int col);

static lang_type *set(lang_expr *e, lang_type *t)
{
    e->type = t;
    return t;
}

static lang_type *fail(checker *c, lang_expr *e)
{
    return set(e, c->t_error);
}

/* How to name e in "... has no value": "f()" for calls of a name. */
static const char *novalue(const lang_expr *e, char *buf, size_t n)
{
    if (e->kind == EX_CALL && e->u.call.fn->kind == EX_IDENT)
        snprintf(buf, n, "%s() has no value", e->u.call.fn->u.ident.name);
    else
        snprintf(buf, n, "expression has no value");
    return buf;
}

/* Converts e (already checked) to type `to`: equal types, or nil into a
 * reference type other than string. */
#define CTXFMT "%s%s%s"
#define CTXARGS(x) (x).what, (x).name ? " " : "", (x).name ? (x).name : ""

static bool assignable(checker *c, lang_expr *e, lang_type *to, ctxt context)
{
    lang_type *t = e->type;
    if (is_err(t) || is_err(to) || t == to)
        return true;
    if (t->kind == TY_NIL) {
        if (lang_type_is_ref(to) && to->kind != TY_STRING) {
            e->type = to;
            return true;
        }
        error(c, e->line, e->col, "cannot use nil as %s " CTXFMT, tn(c, to), CTXARGS(context));
        return false;
    }
    if (t->kind == TY_VOID) {
        char buf[96];
        error(c, e->line, e->col, "%s, used " CTXFMT, novalue(e, buf, sizeof buf),
              CTXARGS(context));
        return false;
    }
    error(c, e->line, e->col, "cannot use %s as %s " CTXFMT, tn(c, t), tn(c, to),
          CTXARGS(context));
    return false;
}

/* A value (not void) of any type; nil must have got a type from want. */
static lang_type *check_value(checker *c, lang_expr *e, lang_type *want, ctxt context)
{
    lang_type *t = check_expr(c, e, want);
    if (t->kind == TY_VOID) {
        char buf[96];
        error(c, e->line, e->col, "%s, used " CTXFMT, novalue(e, buf, sizeof buf),
              CTXARGS(context));
        return fail(c, e);
    }
    return t;
}

/* check_value, then assignable to `to`. */
static void check_as(checker *c, lang_expr *e, lang_type *to, ctxt context)
{
    check_expr(c, e, to);
    assignable(c, e, to, context);
}

static void untyped_nil(checker *c, lang_expr *e, ctxt context)
{
    if (e->type->kind == TY_NIL) {
        error(c, e->line, e->col, "use of untyped nil " CTXFMT, CTXARGS(context));
        e->type = c->t_error;
    }
}

static lang_type *check_ident(checker *c, lang_expr *e)
{
    const char *name = e->u.ident.name;
    if (strcmp(name, "_") == 0) {
        error(c, e->line, e->col, "cannot use _ as a value");
        return fail(c, e);
    }
    sym *y = lookup(c, name);
    lang_ref *r = &e->u.ident.ref;
    if (!y) {
        error(c, e->line, e->col, "undefined: %s", name);
        return fail(c, e);
    }
    switch (y->kind) {
    case S_LOCAL:
        r->local = y->local;
        if (y->local->fn == c->fn) {
            r->kind = REF_LOCAL;
            r->index = y->local->slot;
        } else {
            r->kind = REF_CAPTURE;
            r->index = capture(c, c->fn, y->local);
        }
        return set(e, y->local->type);
    case S_GLOBAL:
        resolve_global(c, y);
        r->kind = REF_GLOBAL;
        r->index = y->global->index;
        return set(e, y->global->type);
    case S_CONST:
        resolve_const(c, y);
        r->kind = REF_CONST;
        if (is_err(y->type))
            return fail(c, e);
        e->is_const = true;
        e->cv = y->cv;
        return set(e, y->type);
    case S_FUNC:
        r->kind = REF_FUNC;
        r->index = y->fn->index;
        return set(e, y->fn->type);
    case S_BUILTIN:
        error(c, e->line, e->col, "built-in function %s must be called", name);
        return fail(c, e);
    case S_TYPE:
        error(c, e->line, e->col, "%s is a type, not a value", name);
        return fail(c, e);
    }
    return fail(c, e);
}

static void fold_unary(checker *c, lang_expr *e)
{
    lang_expr *x = e->u.unary.x;
    if (!x->is_const)
        return;
    const char *err = ck_fold_unary(e->u.unary.op, &x->cv, &e->cv);
    if (err) {
        error(c, e->line, e->col, "%s", err);
        e->type = c->t_error;
        return;
    }
    e->is_const = true;
}

static lang_type *check_unary(checker *c, lang_expr *e)
{
    lx_kind op = e->u.unary.op;
    lang_type *t = check_value(c, e->u.unary.x, NULL, CTX("as an operand"));
    if (is_err(t))
        return fail(c, e);
    bool ok = op == TK_MINUS ? (t->kind == TY_INT || t->kind == TY_FLOAT)
            : op == TK_NOT ? t->kind == TY_BOOL
            : t->kind == TY_INT;
    if (!ok) {
        error(c, e->line, e->col, "invalid operation: operator %s not defined on %s",
              lx_kind_name(op), tn(c, t));
        return fail(c, e);
    }
    set(e, t);
    fold_unary(c, e);
    return e->type;
}

static bool is_comparison(lx_kind op)
{
    return op == TK_EQ || op == TK_NE || op == TK_LT || op == TK_LE || op == TK_GT ||
           op == TK_GE;
}

/* Whether binary operator op applies to operands of type t. */
static bool op_defined(lx_kind op, const lang_type *t)
{
    switch (op) {
    case TK_PLUS:
        return t->kind == TY_INT || t->kind == TY_FLOAT || t->kind == TY_STRING;
    case TK_MINUS: case TK_STAR: case TK_SLASH: case TK_PERCENT:
        return t->kind == TY_INT || t->kind == TY_FLOAT;
    case TK_AMP: case TK_PIPE: case TK_CARET: case TK_SHL: case TK_SHR:
        return t->kind == TY_INT;
    case TK_ANDAND: case TK_OROR:
        return t->kind == TY_BOOL;
    case TK_EQ: case TK_NE:
        return t->kind != TY_VOID;
    case TK_LT: case TK_LE: case TK_GT: case TK_GE:
        return t->kind == TY_INT || t->kind == TY_FLOAT || t->kind == TY_STRING;
    default:
        return false;
    }
}

static lang_type *check_binary(checker *c, lang_expr *e)
{
    lx_kind op = e->u.binary.op;
    lang_expr *x = e->u.binary.x, *y = e->u.binary.y;
    lang_type *tx = check_value(c, x, NULL, CTX("as an operand"));
    /* `nil == ref` and `ref == nil`: nil takes the other side's type. */
    lang_type *ty = check_value(c, y, tx->kind == TY_NIL ? NULL : tx, CTX("as an operand"));
    if (is_err(tx) || is_err(ty))
        return fail(c, e);
    if (tx->kind == TY_NIL && ty->kind == TY_NIL) {
        error(c, e->line, e->col, "invalid operation: nil %s nil", lx_kind_name(op));
        return fail(c, e);
    }
    if (tx->kind == TY_NIL || ty->kind == TY_NIL) {
        lang_expr *n = tx->kind == TY_NIL ? x : y;
        lang_type *other = tx->kind == TY_NIL ? ty : tx;
        if (op != TK_EQ && op != TK_NE) {
            error(c, e->line, e->col, "invalid operation: operator %s not defined on nil",
                  lx_kind_name(op));
            return fail(c, e);
        }
        if (!lang_type_is_ref(other) || other->kind == TY_STRING) {
            error(c, n->line, n->col, "cannot compare %s with nil", tn(c, other));
            return fail(c, e);
        }
        n->type = other;
        return set(e, c->t_bool);
    }
    if (tx != ty) {
        error(c, e->line, e->col, "invalid operation: mismatched types %s and %s", tn(c, tx),
              tn(c, ty));
        return fail(c, e);
    }
    if (!op_defined(op, tx)) {
        error(c, e->line, e->col, "invalid operation: operator %s not defined on %s",
              lx_kind_name(op), tn(c, tx));
        return fail(c, e);
    }
    set(e, is_comparison(op) ? c->t_bool : tx);
    if (x->is_const && y->is_const) {
        const char *err = ck_fold_binary(c->a, op, &x->cv, &y->cv, &e->cv);
        if (err) {
            error(c, e->line, e->col, "%s", err);
            return fail(c, e);
        }
        e->is_const = true;
    }
    return e->type;
}

static bool nargs_ok(checker *c, lang_expr *e, const char *name, int want)
{
    if (e->u.call.nargs == want)
        return true;
    error(c, e->line, e->col, "wrong number of arguments in call to %s: want %d, got %d",
          name, want, e->u.call.nargs);
    return false;
}

/* Checks every argument as a value, for error recovery. */
static void check_args_loosely(checker *c, lang_expr *e, int from)
{
    for (int i = from; i < e->u.call.nargs; i++)
        check_expr(c, e->u.call.args[i], NULL);
}

static lang_type *check_conversion(checker *c, lang_expr *e, lang_type *to, const char *name)
{
    e->u.call.kind = CALL_CONV;
    if (!nargs_ok(c, e, name, 1)) {
        check_args_loosely(c, e, 0);
        return fail(c, e);
    }
    lang_expr *x = e->u.call.args[0];
    lang_type *t = check_value(c, x, NULL, CTX("in conversion"));
    if (is_err(t))
        return fail(c, e);
    bool num = t->kind == TY_INT || t->kind == TY_FLOAT;
    if (!((to->kind == TY_INT || to->kind == TY_FLOAT) && num)) {
        if (to->kind == TY_STRING)
            error(c, e->line, e->col, "cannot convert %s to string (use str(x))", tn(c, t));
        else
            error(c, e->line, e->col, "cannot convert %s to %s", tn(c, t), tn(c, to));
        return fail(c, e);
    }
    set(e, to);
    if (x->is_const) {
        e->cv = x->cv;
        e->cv.kind = to->kind;
        if (to->kind == TY_FLOAT && t->kind == TY_INT) {
            e->cv.f = (double)x->cv.i;
        } else if (to->kind == TY_INT && t->kind == TY_FLOAT) {
            double f = x->cv.f;
            if (!(f > -9223372036854775809.0 && f < 9223372036854775808.0)) {
                error(c, e->line, e->col, "constant %g overflows int", f);
                return fail(c, e);
            }
            e->cv.i = (int64_t)f;
        }
        e->is_const = true;
    }
    return e->type;
}

static lang_type *check_call_args(checker *c, lang_expr *e, lang_type *ft, const char *name)
{
    if (!nargs_ok(c, e, name, ft->nparams)) {
        check_args_loosely(c, e, 0);
        return set(e, ft->result);
    }
    for (int i = 0; i < ft->nparams; i++)
        check_as(c, e->u.call.args[i], ft->params[i], CTXN("in argument to", name));
    return set(e, ft->result);
}

/* The argument that must be an array or a map, checked. */
static lang_type *container_arg(checker *c, lang_expr *e, int i, lang_type_kind k,
                                const char *name)
{
    lang_expr *a = e->u.call.args[i];
    lang_type *t = check_value(c, a, NULL, CTX("as an argument"));
    if (is_err(t))
        return t;
    if (t->kind != k) {
        error(c, a->line, a->col, "%s needs %s, not %s", name,
              k == TY_ARRAY ? "an array" : k == TY_MAP ? "a map" : "a channel", tn(c, t));
        return c->t_error;
    }
    return t;
}

static bool numeric(const lang_type *t) { return t->kind == TY_INT || t->kind == TY_FLOAT; }

static lang_type *check_builtin(checker *c, lang_expr *e, int bi)
{
    const std_builtin *b = &std_builtin_table[bi];
    const char *name = b->name;
    lang_expr **args = e->u.call.args;
    e->u.call.kind = CALL_BUILTIN;
    e->u.call.builtin = bi;
    switch (b->generic) {
    case STD_FIXED: {
        lang_type *sig = builtin_sig(c, bi, e->line, e->col);
        if (is_err(sig)) {
            check_args_loosely(c, e, 0);
            return fail(c, e);
        }
        return check_call_args(c, e, sig, name);
    }
    case STD_PRINT:
        for (int i = 0; i < e->u.call.nargs; i++) {
            check_value(c, args[i], NULL, CTXN("in argument to", name));
            untyped_nil(c, args[i], CTXN("in argument to", name));
        }
        return set(e, c->t_void);
    case STD_SORT: {
        if (!nargs_ok(c, e, name, 1))
            break;
        lang_type *t = container_arg(c, e, 0, TY_ARRAY, name);
        if (!is_err(t) && t->elem->kind != TY_INT && t->elem->kind != TY_FLOAT &&
            t->elem->kind != TY_STRING)
            error(c, args[0]->line, args[0]->col,
                  "sort needs [int], [float] or [string], not %s (use sort_by)", tn(c, t));
        return set(e, c->t_void);
    }
    case STD_LEN: {
        if (!nargs_ok(c, e, name, 1))
            break;
        lang_type *t = check_value(c, args[0], NULL, CTX("as an argument"));
        if (is_err(t))
            return set(e, c->t_int);
        if (t->kind != TY_STRING && t->kind != TY_ARRAY && t->kind != TY_MAP &&
            t->kind != TY_CHAN) {
            error(c, args[0]->line, args[0]->col, "invalid argument: len of %s", tn(c, t));
            return set(e, c->t_int);
        }
        set(e, c->t_int);
        if (args[0]->is_const) {
            e->is_const = true;
            e->cv.kind = TY_INT;
            e->cv.i = (int64_t)args[0]->cv.n;
        }
        return e->type;
    }
    case STD_PUSH:
    case STD_SORT_BY: { /* an array, then an element or a comparator of elements */
        if (!nargs_ok(c, e, name, 2))
            break;
        lang_type *t = container_arg(c, e, 0, TY_ARRAY, name);
        if (is_err(t)) {
            check_expr(c, args[1], NULL);
            return set(e, c->t_void);
        }
        if (b->generic == STD_PUSH) {
            check_as(c, args[1], t->elem, CTX("in argument to push"));
        } else {
            lang_type *ps[2] = {t->elem, t->elem};
            check_as(c, args[1], ck_fn_of(c->a, c->prog, ps, 2, c->t_bool),
                     CTX("as the comparator of sort_by"));
        }
        return set(e, c->t_void);
    }
    case STD_POP: {
        if (!nargs_ok(c, e, name, 1))
            break;
        lang_type *t = container_arg(c, e, 0, TY_ARRAY, name);
        return is_err(t) ? fail(c, e) : set(e, t->elem);
    }
    case STD_HAS:
    case STD_DELETE: {
        if (!nargs_ok(c, e, name, 2))
            break;
        lang_type *t = container_arg(c, e, 0, TY_MAP, name);
        lang_type *r = b->generic == STD_HAS ? c->t_bool : c->t_void;
        if (is_err(t)) {
            check_expr(c, args[1], NULL);
            return set(e, r);
        }
        check_as(c, args[1], t->key, CTXN("in argument to", name));
        return set(e, r);
    }
    case STD_KEYS: {
        if (!nargs_ok(c, e, name, 1))
            break;
        lang_type *t = container_arg(c, e, 0, TY_MAP, name);
        return is_err(t) ? fail(c, e) : set(e, ck_array_of(c->a, c->prog, t->key));
    }
    case STD_STR: {
        if (!nargs_ok(c, e, name, 1))
            break;
        check_value(c, args[0], NULL, CTX("in argument to str"));
        untyped_nil(c, args[0], CTX("in argument to str"));
        return set(e, c->t_string);
    }
    case STD_ABS: {
        if (!nargs_ok(c, e, name, 1))
            break;
        lang_type *t = check_value(c, args[0], NULL, CTX("as an argument"));
        if (is_err(t))
            return fail(c, e);
        if (!numeric(t)) {
            error(c, args[0]->line, args[0]->col, "%s needs int or float, not %s", name,
                  tn(c, t));
            return fail(c, e);
        }
        return set(e, t);
    }
    case STD_MINMAX: {
        if (!nargs_ok(c, e, name, 2))
            break;
        lang_type *t = check_value(c, args[0], NULL, CTX("as an argument"));
        lang_type *u = check_value(c, args[1], NULL, CTX("as an argument"));
        if (is_err(t) || is_err(u))
            return fail(c, e);
        if (!numeric(t)) {
            error(c, args[0]->line, args[0]->col, "%s needs int or float, not %s", name,
                  tn(c, t));
            return fail(c, e);
        }
        if (t != u) {
            error(c, e->line, e->col, "mismatched types %s and %s in call to %s", tn(c, t),
                  tn(c, u), name);
            return fail(c, e);
        }
        return set(e, t);
    }
    case STD_SEND: {
        if (!nargs_ok(c, e, name, 2))
            break;
        lang_type *t = container_arg(c, e, 0, TY_CHAN, name);
        if (is_err(t)) {
            check_expr(c, args[1], NULL);
            return set(e, c->t_void);
        }
        check_as(c, args[1], t->elem, CTX("in argument to send"));
        return set(e, c->t_void);
    }
    case STD_RECV:
    case STD_CLOSE: {
        if (!nargs_ok(c, e, name, 1))
            break;
        lang_type *t = container_arg(c, e, 0, TY_CHAN, name);
        if (b->generic == STD_CLOSE)
            return set(e, c->t_void);
        return is_err(t) ? fail(c, e) : set(e, t->elem);
    }
    case STD_GO:
        break;
    case STD_MAKE: {
        if (e->u.call.nargs < 1 || e->u.call.nargs > 2) {
            error(c, e->line, e->col,
                  "wrong number of arguments in call to make: want a type and, for an "
                  "array, a length");
            check_args_loosely(c, e, 0);
            return fail(c, e);
        }
        bool is_type;
        lang_type *t = expr_as_type(c, args[0], &is_type);
        if (!is_type) {
            error(c, args[0]->line, args[0]->col,
                  "make needs a type: make([T], n) or make(map[K]V)");
            check_args_loosely(c, e, 1);
            return fail(c, e);
        }
        args[0]->type = t;
        if (is_err(t)) {
            check_args_loosely(c, e, 1);
            return fail(c, e);
        }
        if (t->kind == TY_ARRAY) {
            if (e->u.call.nargs != 2) {
                error(c, e->line, e->col, "make(%s) needs a length: make(%s, n)", tn(c, t),
                      tn(c, t));
                return fail(c, e);
            }
            check_as(c, args[1], c->t_int, CTX("as the length in make"));
            return set(e, t);
        }
        if (t->kind == TY_MAP) {
            if (e->u.call.nargs != 1) {
                error(c, args[1]->line, args[1]->col, "make(%s) takes no length", tn(c, t));
                check_args_loosely(c, e, 1);
            }
            return set(e, t);
        }
        if (t->kind == TY_CHAN) {
            if (e->u.call.nargs == 2) {
                check_as(c, args[1], c->t_int, CTX("as the capacity in make"));
                return set(e, t);
            }
            /* make(chan[T]) is make(chan[T], 0): the compiler always
             * finds the capacity argument. */
            lang_expr **two = lang_arena_alloc(c->a, 2 * sizeof *two);
            lang_expr *zero = lang_arena_alloc(c->a, sizeof *zero);
            memset(zero, 0, sizeof *zero);
            zero->kind = EX_INT;
            zero->line = e->line;
            zero->col = e->col;
            zero->type = c->t_int;
            zero->is_const = true;
            zero->cv.kind = TY_INT;
            two[0] = args[0];
            two[1] = zero;
            e->u.call.args = two;
            e->u.call.nargs = 2;
            return set(e, t);
        }
        error(c, args[0]->line, args[0]->col,
              "cannot make %s; make makes arrays, maps and channels", tn(c, t));
        check_args_loosely(c, e, 1);
        return fail(c, e);
    }
    }
    check_args_loosely(c, e, 0);
    return fail(c, e);
}

static lang_type *check_call(checker *c, lang_expr *e)
{
    lang_expr *fn = e->u.call.fn;
    if (fn->kind == EX_IDENT) {
        sym *y = lookup(c, fn->u.ident.name);
        if (y && y->kind == S_TYPE) {
            fn->u.ident.ref.kind = REF_TYPE;
            fn->type = y->type;
            return check_conversion(c, e, y->type, y->name);
        }
        if (y && y->kind == S_BUILTIN) {
            fn->u.ident.ref.kind = REF_BUILTIN;
            fn->u.ident.ref.index = y->builtin;
            fn->type = c->t_void;
            return check_builtin(c, e, y->builtin);
        }
    }
    lang_type *ft = check_value(c, fn, NULL, CTX("as a function"));
    if (is_err(ft)) {
        check_args_loosely(c, e, 0);
        return fail(c, e);
    }
    if (ft->kind != TY_FN) {
        error(c, e->line, e->col, "cannot call a value of type %s", tn(c, ft));
        check_args_loosely(c, e, 0);
        return fail(c, e);
    }
    const char *name = fn->kind == EX_IDENT ? fn->u.ident.name : "function value";
    e->u.call.kind = fn->kind == EX_IDENT && fn->u.ident.ref.kind == REF_FUNC ? CALL_DIRECT
                                                                            : CALL_VALUE;
    return check_call_args(c, e, ft, name);
}

static lang_type *check_array_lit(checker *c, lang_expr *e, lang_type *want)
{
    int n = e->u.array.n;
    lang_expr **el = e->u.array.elems;
    if (want && is_err(want)) { /* the context failed: stay quiet */
        for (int i = 0; i < n; i++)
            check_expr(c, el[i], NULL);
        return fail(c, e);
    }
    if (want && want->kind == TY_ARRAY) {
        for (int i = 0; i < n; i++)
            check_as(c, el[i], want->elem, CTX("in array literal"));
        return set(e, want);
    }
    if (n == 0) {
        error(c, e->line, e->col, "cannot infer the type of an empty array literal "
                                  "(declare the variable's type)");
        return fail(c, e);
    }
    lang_type *et = NULL;
    bool bad = false;
    for (int i = 0; i < n; i++) {
        lang_type *t = check_value(c, el[i], et, CTX("in array literal"));
        if (is_err(t))
            bad = true;
        else if (!et && t->kind != TY_NIL)
            et = t;
    }
    if (bad)
        return fail(c, e);
    if (!et) {
        error(c, e->line, e->col, "cannot infer the type of an array literal of nils");
        return fail(c, e);
    }
    for (int i = 0; i < n; i++)
        if (!assignable(c, el[i], et, CTX("in array literal")))
            bad = true;
    return bad ? fail(c, e) : set(e, ck_array_of(c->a, c->prog, et));
}

static lang_type *check_map_lit(checker *c, lang_expr *e, lang_type *want)
{
    int n = e->u.map.n;
    lang_expr **ks = e->u.map.keys, **vs = e->u.map.vals;
    if (want && is_err(want)) {
        for (int i = 0; i < n; i++) {
            check_expr(c, ks[i], NULL);
            check_expr(c, vs[i], NULL);
        }
        return fail(c, e);
    }
    if (want && want->kind == TY_MAP) {
        for (int i = 0; i < n; i++) {
            check_as(c, ks[i], want->key, CTX("as a map key"));
            check_as(c, vs[i], want->elem, CTX("as a map value"));
        }
        return set(e, want);
    }
    if (n == 0) {
        error(c, e->line, e->col, "cannot infer the type of an empty map literal "
                                  "(declare the variable's type)");
        return fail(c, e);
    }
    lang_type *kt = NULL, *vt = NULL;
    bool bad = false;
    for (int i = 0; i < n; i++) {
        lang_type *k = check_value(c, ks[i], kt, CTX("as a map key"));
        lang_type *v = check_value(c, vs[i], vt, CTX("as a map value"));
        bad |= is_err(k) || is_err(v);
        if (!kt && !is_err(k) && k->kind != TY_NIL)
            kt = k;
        if (!vt && !is_err(v) && v->kind != TY_NIL)
            vt = v;
    }
    if (bad)
        return fail(c, e);
    if (!kt || !vt) {
        error(c, e->line, e->col, "cannot infer the type of a map literal of nils");
        return fail(c, e);
    }
    if (!valid_key(kt)) {
        error(c, ks[0]->line, ks[0]->col,
              "invalid map key type %s (keys are int, string or bool)", tn(c, kt));
        return fail(c, e);
    }
    for (int i = 0; i < n; i++) {
        bad |= !assignable(c, ks[i], kt, CTX("as a map key"));
        bad |= !assignable(c, vs[i], vt, CTX("as a map value"));
    }
    return bad ? fail(c, e) : set(e, ck_map_of(c->a, c->prog, kt, vt));
}

static lang_type *check_struct_lit(checker *c, lang_expr *e)
{
    const char *name = e->u.struct_.name;
    sym *y = lookup(c, name);
    if (!y || y->kind != S_TYPE || y->type->kind != TY_STRUCT) {
        if (!y)
            error(c, e->line, e->col, "undefined: %s", name);
        else
            error(c, e->line, e->col, "%s is not a struct type", name);
        for (int i = 0; i < e->u.struct_.n; i++)
            check_expr(c, e->u.struct_.inits[i].value, NULL);
        return fail(c, e);
    }
    lang_struct *st = y->type->st;
    e->u.struct_.st = st;
    bool *seen = lang_arena_alloc(c->a, (size_t)st->nfields + 1);
    for (int i = 0; i < e->u.struct_.n; i++) {
        lang_field_init *in = &e->u.struct_.inits[i];
        int fi = ck_field_index(c->a, st, in->name);
        lang_field *f = fi < 0 ? NULL : &st->fields[fi];
        if (f) {
            if (seen[fi])
                error(c, in->line, in->col, "duplicate field %s in struct literal", in->name);
            seen[fi] = true;
        }
        if (!f) {
            error(c, in->line, in->col, "unknown field %s in struct %s", in->name, st->name);
            check_expr(c, in->value, NULL);
            continue;
        }
        in->field = f->index;
        check_as(c, in->value, f->type, CTXN("in field", f->name));
    }
    return set(e, y->type);
}

static lang_type *check_index(checker *c, lang_expr *e)
{
    lang_type *t = check_value(c, e->u.index.x, NULL, CTX("as an indexed value"));
    lang_expr *i = e->u.index.index;
    if (is_err(t)) {
        check_expr(c, i, NULL);
        return fail(c, e);
    }
    if (t->kind == TY_ARRAY) {
        check_as(c, i, c->t_int, CTX("as an index"));
        return set(e, t->elem);
    }
    if (t->kind == TY_MAP) {
        check_as(c, i, t->key, CTX("as a map key"));
        return set(e, t->elem);
    }
    error(c, e->line, e->col, "cannot index a value of type %s%s", tn(c, t),
          t->kind == TY_STRING ? " (use ord or substr)" : "");
    check_expr(c, i, NULL);
    return fail(c, e);
}

static lang_type *check_field(checker *c, lang_expr *e)
{
    lang_type *t = check_value(c, e->u.field.x, NULL, CTX("as a struct"));
    if (is_err(t))
        return fail(c, e);
    if (t->kind != TY_STRUCT) {
        error(c, e->line, e->col, "%s has no field %s (not a struct)", tn(c, t),
              e->u.field.name);
        return fail(c, e);
    }
    lang_struct *st = t->st;
    int j = ck_field_index(c->a, st, e->u.field.name);
    if (j >= 0) {
        e->u.field.index = j;
        return set(e, st->fields[j].type);
    }
    error(c, e->line, e->col, "unknown field %s in struct %s", e->u.field.name, st->name);
    return fail(c, e);
}

static lang_type *check_closure(checker *c, lang_expr *e)
{
    lang_func *f = e->u.closure.fn;
    f->parent = c->fn;
    add_func(c, f);
    check_func_body(c, f);
    return set(e, f->type);
}

static lang_type *check_expr(checker *c, lang_expr *e, lang_type *want)
{
    switch (e->kind) {
    case EX_INT:
        e->is_const = true;
        e->cv.kind = TY_INT;
        e->cv.i = e->u.i;
        return set(e, c->t_int);
    case EX_FLOAT:
        e->is_const = true;
        e->cv.kind = TY_FLOAT;
        e->cv.f = e->u.f;
        return set(e, c->t_float);
    case EX_BOOL:
        e->is_const = true;
        e->cv.kind = TY_BOOL;
        e->cv.b = e->u.b;
        return set(e, c->t_bool);
    case EX_STRING:
        e->is_const = true;
        e->cv.kind = TY_STRING;
        e->cv.s = e->u.str.s;
        e->cv.n = e->u.str.n;
        return set(e, c->t_string);
    case EX_NIL:
        if (want && lang_type_is_ref(want) && want->kind != TY_STRING)
            return set(e, want);
        return set(e, c->t_nil);
    case EX_IDENT: return check_ident(c, e);
    case EX_UNARY: return check_unary(c, e);
    case EX_BINARY: return check_binary(c, e);
    case EX_CALL: return check_call(c, e);
    case EX_INDEX: return check_index(c, e);
    case EX_FIELD: return check_field(c, e);
    case EX_ARRAY: return check_array_lit(c, e, want);
    case EX_MAP: return check_map_lit(c, e, want);
    case EX_STRUCT: return check_struct_lit(c, e);
    case EX_CLOSURE: return check_closure(c, e);
    case EX_TYPE:
        error(c, e->line, e->col, "a type is not a value");
        return fail(c, e);
    }
    return fail(c, e);
}

/* ---- constants and globals, resolved lazily so order does not matter ---- */

static bool enter_lazy(checker *c, sym *y)
{
    if (y->state == SYM_RESOLVING) {
        error(c, y->line, y->col, "initialization cycle: %s refers to itself", y->name);
        y->type = c->t_error;
        if (y->global)
            y->global->type = c->t_error;
        y->state = SYM_DONE;
        return false;
    }
    if (c->lazy_depth >= LANG_MAX_NESTING) {
        error(c, y->line, y->col, "declarations refer to each other too deeply");
        y->type = c->t_error;
        if (y->global)
            y->global->type = c->t_error;
        y->state = SYM_DONE;
        return false;
    }
    c->lazy_depth++;
    y->state = SYM_RESOLVING;
    return true;
}

/* Resolution happens at top level, whatever function we are in. */
typedef struct ctx_save {
    scope *cur;
    lang_func *fn;
    int loops, slots;
} ctx_save;

static ctx_save to_top(checker *c, scope *s)
{
    ctx_save sv = {c->cur, c->fn, c->loops, c->slots};
    c->cur = s;
    c->fn = NULL;
    c->loops = 0;
    c->slots = 0;
    return sv;
}

static void restore(checker *c, ctx_save sv)
{
    c->cur = sv.cur;
    c->fn = sv.fn;
    c->loops = sv.loops;
    c->slots = sv.slots;
}

/* Evaluates a const declaration's value into y. */
static void eval_const(checker *c, sym *y)
{
    lang_stmt *s = y->decl;
    lang_type *want = s->u.var.texpr ? resolve_type(c, s->u.var.texpr) : NULL;
    lang_expr *x = s->u.var.init;
    y->type = c->t_error;
    if (!x)
        return;
    lang_type *t = check_value(c, x, want, CTX("as a constant"));
    if (is_err(t) || (want && is_err(want)))
        return;
    if (want && !assignable(c, x, want, CTX("in constant declaration")))
        return;
    if (!x->is_const) {
        error(c, x->line, x->col, "value of constant %s is not a constant expression",
              y->name);
        return;
    }
    if (t->kind != TY_INT && t->kind != TY_FLOAT && t->kind != TY_BOOL &&
        t->kind != TY_STRING) {
        error(c, x->line, x->col, "constant %s must be int, float, bool or string", y->name);
        return;
    }
    y->type = t;
    y->cv = x->cv;
    s->u.var.type = t;
}

static void resolve_const(checker *c, sym *y)
{
    if (y->state == SYM_DONE)
        return;
    if (!enter_lazy(c, y))
        return;
    ctx_save sv = to_top(c, c->package);
    eval_const(c, y);
    restore(c, sv);
    y->state = SYM_DONE;
    c->lazy_depth--;
}

static void check_global(checker *c, sym *y)
{
    lang_stmt *s = y->decl;
    lang_global *g = y->global;
    /* A declared type was resolved with the other top-level types. */
    lang_type *t = g->type;
    if (s->u.var.init) {
        ctxt ctx = CTXN("in initialization of", y->name);
        lang_type *it = check_value(c, s->u.var.init, t, ctx);
        if (t) {
            assignable(c, s->u.var.init, t, ctx);
        } else {
            untyped_nil(c, s->u.var.init, ctx);
            t = s->u.var.init->type;
            (void)it;
        }
    }
    g->type = t ? t : c->t_error;
    s->u.var.type = g->type;
}

static void resolve_global(checker *c, sym *y)
{
    if (y->state == SYM_DONE)
        return;
    if (y->global->type) {
        /* Declared type known: no need to look into the initializer now. */
        return;
    }
    if (!enter_lazy(c, y))
        return;
    ctx_save sv = to_top(c, c->package);
    check_global(c, y);
    restore(c, sv);
    y->state = SYM_DONE;
    c->lazy_depth--;
}

/* ---- statements ---- */

static void check_stmt(checker *c, lang_stmt *s);

static void check_block(checker *c, lang_stmt *b)
{
    push_scope(c);
    check_block_in(c, b);
    pop_scope(c);
}

/* The statements of b, in the current scope. */
static void check_block_in(checker *c, lang_stmt *b)
{
    for (int i = 0; i < b->u.block.n; i++)
        check_stmt(c, b->u.block.stmts[i]);
}

static void check_cond(checker *c, lang_expr *e, const char *what)
{
    lang_type *t = check_value(c, e, NULL, CTX("as a condition"));
    if (!is_err(t) && t->kind != TY_BOOL)
        error(c, e->line, e->col, "non-bool condition in %s (type %s)", what, tn(c, t));
}

static void check_local_var(checker *c, lang_stmt *s)
{
    lang_type *t = s->u.var.texpr ? resolve_type(c, s->u.var.texpr) : NULL;
    lang_expr *x = s->u.var.init;
    if (x) {
        ctxt ctx = CTXN("in initialization of", s->u.var.name);
        check_value(c, x, t, ctx);
        if (t)
            assignable(c, x, t, ctx);
        else {
            untyped_nil(c, x, ctx);
            t = x->type;
        }
    }
    if (!t)
        t = c->t_error;
    s->u.var.type = t;
    s->u.var.local = declare_local(c, s->u.var.name, t, s->u.var.name_line, s->u.var.name_col);
}

static void check_local_const(checker *c, lang_stmt *s)
{
    sym tmp = {0};
    tmp.name = s->u.var.name;
    tmp.decl = s;
    tmp.line = s->u.var.name_line;
    tmp.col = s->u.var.name_col;
    eval_const(c, &tmp);
    sym *y = declare(c, s->u.var.name, S_CONST, s->u.var.name_line, s->u.var.name_col);
    if (y) {
        y->decl = s;
        y->type = tmp.type;
        y->cv = tmp.cv;
        y->state = SYM_DONE;
    }
}

/* An assignment target: its type, or the error type (reported). */
static lang_type *check_target(checker *c, lang_expr *t)
{
    bool ok = true;
    if (t->kind == EX_IDENT) {
        sym *y = lookup(c, t->u.ident.name);
        if (y && y->kind != S_LOCAL && y->kind != S_GLOBAL) {
            const char *what = y->kind == S_CONST ? "constant"
                             : y->kind == S_FUNC ? "function"
                             : y->kind == S_BUILTIN ? "built-in function" : "type";
            error(c, t->line, t->col, "cannot assign to %s %s", what, y->name);
            ok = false;
        }
    } else if (t->kind != EX_INDEX && t->kind != EX_FIELD) {
        error(c, t->line, t->col, "cannot assign to this expression");
        ok = false;
    }
    lang_type *tt = ok ? check_value(c, t, NULL, CTX("as an assignment target")) : c->t_error;
    if (!ok)
        t->type = tt;
    return tt;
}

static void check_assign(checker *c, lang_stmt *s)
{
    lang_expr *t = s->u.assign.target, *v = s->u.assign.value;
    lx_kind op = s->u.assign.op;
    lang_type *tt = check_target(c, t);
    if (op == TK_ASSIGN) {
        check_expr(c, v, is_err(tt) ? NULL : tt);
        if (!is_err(tt))
            assignable(c, v, tt, CTX("in assignment"));
        return;
    }
    lang_type *vt = check_value(c, v, tt, CTX("in assignment"));
    if (is_err(tt) || is_err(vt))
        return;
    if (tt != vt) {
        error(c, s->line, s->col, "invalid operation: mismatched types %s and %s", tn(c, tt),
              tn(c, vt));
        return;
    }
    if (!op_defined(op, tt))
        error(c, s->line, s->col, "invalid operation: operator %s not defined on %s",
              lx_kind_name(op), tn(c, tt));
}

/* Several targets or names, and values for them: every value is checked
 * (against its target's type where there is one). */
static bool counts_match(checker *c, lang_stmt *s, int n, int nvalues)
{
    if (n == nvalues)
        return true;
    error(c, s->line, s->col, "assignment mismatch: %d %s%s but %d value%s", n,
          s->kind == ST_MVAR ? "variable" : "target", n == 1 ? "" : "s", nvalues,
          nvalues == 1 ? "" : "s");
    return false;
}

/* t1, t2 = v1, v2 (ast.h: ST_MASSIGN). */
static void check_massign(checker *c, lang_stmt *s)
{
    int n = s->u.massign.n, nv = s->u.massign.nvalues;
    bool match = counts_match(c, s, n, nv);
    for (int i = 0; i < n; i++) {
        lang_type *tt = check_target(c, s->u.massign.targets[i]);
        if (i >= nv)
            continue;
        lang_expr *v = s->u.massign.values[i];
        if (!match || is_err(tt)) {
            check_expr(c, v, NULL);
            continue;
        }
        check_expr(c, v, tt);
        assignable(c, v, tt, CTX("in assignment"));
    }
    for (int i = n; i < nv; i++)
        check_expr(c, s->u.massign.values[i], NULL);
}

/* var a, b = v1, v2 (ast.h: ST_MVAR): the values first, in the scope
 * before the declaration, then the names. */
static void check_mvar(checker *c, lang_stmt *s)
{
    int n = s->u.mvar.n, nv = s->u.mvar.nvalues;
    bool match = s->u.mvar.values && counts_match(c, s, n, nv);
    s->u.mvar.locals = lang_arena_alloc(c->a, (size_t)n * sizeof(lang_local *));
    for (int i = 0; i < nv; i++) {
        lang_expr *v = s->u.mvar.values[i];
        const char *name = i < n ? s->u.mvar.names[i].name : NULL;
        ctxt ctx = CTXN("in initialization of", name);
        check_value(c, v, NULL, ctx);
        untyped_nil(c, v, ctx);
    }
    for (int i = 0; i < n; i++) {
        lang_name *nm = &s->u.mvar.names[i];
        lang_type *t = match ? s->u.mvar.values[i]->type : c->t_error;
        s->u.mvar.locals[i] = declare_local(c, nm->name, t, nm->line, nm->col);
    }
}

static void check_for(checker *c, lang_stmt *s)
{
    lang_expr *x = s->u.for_.x;
    push_scope(c);
    lang_type *t1 = c->t_error, *t2 = NULL;
    if (s->u.for_.hi) {
        s->u.for_.kind = FOR_RANGE;
        check_as(c, x, c->t_int, CTX("as a range bound"));
        check_as(c, s->u.for_.hi, c->t_int, CTX("as a range bound"));
        lang_expr *st = s->u.for_.step;
        if (st) {
            check_as(c, st, c->t_int, CTX("as the step of a range"));
            if (st->is_const && st->cv.kind == TY_INT && st->cv.i == 0)
                error(c, st->line, st->col, "the step of a range must not be 0");
        }
        t1 = c->t_int;
        if (s->u.for_.name2)
            error(c, s->u.for_.line2, s->u.for_.col2, "a range gives one variable, not two");
    } else {
        lang_type *t = check_value(c, x, NULL, CTX("in for"));
        if (t->kind == TY_ARRAY) {
            s->u.for_.kind = FOR_ARRAY;
            if (s->u.for_.name2) {
                t1 = c->t_int;
                t2 = t->elem;
            } else {
                t1 = t->elem;
            }
        } else if (t->kind == TY_MAP) {
            s->u.for_.kind = FOR_MAP;
            t1 = t->key;
            t2 = s->u.for_.name2 ? t->elem : NULL;
        } else if (t->kind == TY_CHAN) {
            s->u.for_.kind = FOR_CHAN;
            t1 = t->elem;
            if (s->u.for_.name2)
                error(c, s->u.for_.line2, s->u.for_.col2,
                      "a range over a channel gives one variable, not two");
        } else if (!is_err(t)) {
            error(c, x->line, x->col,
                  "cannot range over %s (want a..b, an array, a map or a channel)", tn(c, t));
        }
    }
    /* The hidden state of the loop (bound, index, container) is the
     * compiler's to allocate, above the locals. */
    s->u.for_.var1 = declare_local(c, s->u.for_.name1, t1, s->u.for_.line1, s->u.for_.col1);
    if (s->u.for_.name2)
        s->u.for_.var2 = declare_local(c, s->u.for_.name2, t2 ? t2 : c->t_error,
                                       s->u.for_.line2, s->u.for_.col2);
    c->loops++;
    check_block(c, s->u.for_.body);
    c->loops--;
    pop_scope(c);
}

/* go f(args): a call of a function or closure value, whose result (if
 * any) is dropped; not a built-in or a conversion, which have no
 * function value to run on a thread. */
static void check_go(checker *c, lang_stmt *s)
{
    lang_expr *x = s->u.go.call;
    if (x->kind != EX_CALL) {
        check_expr(c, x, NULL);
        if (!is_err(x->type))
            error(c, x->line, x->col, "expression in go must be a function call");
        return;
    }
    check_expr(c, x, NULL);
    if (x->u.call.kind == CALL_BUILTIN)
        error(c, x->line, x->col, "go of the built-in %s: go runs a call of a function",
              std_builtin_table[x->u.call.builtin].name);
    else if (x->u.call.kind == CALL_CONV)
        error(c, x->line, x->col, "go of a conversion: go runs a call of a function");
}

static void check_stmt(checker *c, lang_stmt *s)
{
    switch (s->kind) {
    case ST_BLOCK:
        check_block(c, s);
        break;
    case ST_VAR:
        check_local_var(c, s);
        break;
    case ST_CONST:
        check_local_const(c, s);
        break;
    case ST_ASSIGN:
        check_assign(c, s);
        break;
    case ST_MASSIGN:
        check_massign(c, s);
        break;
    case ST_MVAR:
        check_mvar(c, s);
        break;
    case ST_EXPR: {
        lang_expr *x = s->u.expr.x;
        check_expr(c, x, NULL);
        if (x->kind != EX_CALL && !is_err(x->type))
            error(c, x->line, x->col, "expression value is not used");
        break;
    }
    case ST_IF:
        check_cond(c, s->u.if_.cond, "if");
        check_block(c, s->u.if_.then);
        if (s->u.if_.else_)
            check_stmt(c, s->u.if_.else_);
        break;
    case ST_WHILE:
        check_cond(c, s->u.while_.cond, "while");
        c->loops++;
        check_block(c, s->u.while_.body);
        c->loops--;
        break;
    case ST_FOR:
        check_for(c, s);
        break;
    case ST_RETURN: {
        lang_type *r = c->fn->type->result;
        lang_expr *x = s->u.ret.x;
        if (x && r->kind == TY_VOID) {
            error(c, x->line, x->col, "too many return values: %s has no result",
                  c->fn->name);
            check_expr(c, x, NULL);
        } else if (!x && r->kind != TY_VOID && !is_err(r)) {
            error(c, s->line, s->col, "missing return value (want %s)", tn(c, r));
        } else if (x) {
            check_as(c, x, r, CTX("in return"));
        }
        break;
    }
    case ST_GO:
        check_go(c, s);
        break;
    case ST_BREAK:
    case ST_CONTINUE:
        if (c->loops == 0)
            error(c, s->line, s->col, "%s outside a loop",
                  s->kind == ST_BREAK ? "break" : "continue");
        break;
    }
}

/* ---- terminating statements (Go spec, "Terminating statements") ---- */

static bool has_break(const lang_stmt *s)
{
    if (!s)
        return false;
    switch (s->kind) {
    case ST_BREAK:
        return true;
    case ST_BLOCK:
        for (int i = 0; i < s->u.block.n; i++)
            if (has_break(s->u.block.stmts[i]))
                return true;
        return false;
    case ST_IF:
        return has_break(s->u.if_.then) || has_break(s->u.if_.else_);
    default: /* loops own their breaks; closures cannot break out */
        return false;
    }
}

static bool terminates(const lang_stmt *s)
{
    if (!s)
        return false;
    switch (s->kind) {
    case ST_RETURN:
        return true;
    case ST_BLOCK:
        return s->u.block.n > 0 && terminates(s->u.block.stmts[s->u.block.n - 1]);
    case ST_IF:
        return s->u.if_.else_ && terminates(s->u.if_.then) && terminates(s->u.if_.else_);
    case ST_WHILE: {
        const lang_expr *x = s->u.while_.cond;
        return x->is_const && x->cv.kind == TY_BOOL && x->cv.b && !has_break(s->u.while_.body);
    }
    default:
        return false;
    }
}

/* ---- functions ---- */

static void resolve_signature(checker *c, lang_func *f)
{
    int n = f->nparams;
    lang_type **ps = lang_arena_alloc(c->a, (size_t)(n + 1) * sizeof *ps);
    bool bad = false;
    for (int i = 0; i < n; i++) {
        ps[i] = resolve_type(c, f->params[i].texpr);
        bad |= is_err(ps[i]);
    }
    lang_type *r = f->result_texpr ? resolve_type(c, f->result_texpr) : c->t_void;
    if (bad || is_err(r)) {
        /* Keep the parameter types we know for the body; the function's
         * own type is an error so its uses stay quiet. */
        f->type = ck_type_new(c->a, c->prog, TY_FN);
        f->type->params = ps;
        f->type->nparams = n;
        f->type->result = r;
        return;
    }
    f->type = ck_fn_of(c->a, c->prog, ps, n, r);
}

static void check_func_body(checker *c, lang_func *f)
{
    if (!f->type)
        resolve_signature(c, f);
    lang_func *save_fn = c->fn;
    int save_loops = c->loops, save_slots = c->slots;
    c->fn = f;
    c->loops = 0;
    c->slots = 0;
    push_scope(c);
    for (int i = 0; i < f->nparams; i++) {
        lang_local *v = declare_local(c, f->params[i].name, f->type->params[i],
                                      f->params[i].line, f->params[i].col);
        v->is_param = true;
    }
    if (f->body) {
        check_block_in(c, f->body);
        if (f->type->result->kind != TY_VOID && !is_err(f->type->result) &&
            !terminates(f->body))
            error(c, f->body->u.block.end_line, f->body->u.block.end_col, "missing return");
    }
    pop_scope(c);
    c->fn = save_fn;
    c->loops = save_loops;
    c->slots = save_slots;
}

/* ---- the universe: predeclared types, built-ins, the stdlib prelude ---- */

static lang_type *basic(checker *c, lang_type_kind k, const char *name)
{
    lang_type *t = ck_type_new(c->a, c->prog, k);
    if (name) {
        sym *y = declare(c, name, S_TYPE, 0, 0);
        y->type = t;
    }
    return t;
}

static void declare_struct(checker *c, lang_struct *st, bool builtin)
{
    lang_program *p = c->prog;
    lang_type *t = ck_type_new(c->a, p, TY_STRUCT);
    t->st = st;
    st->type = t;
    st->builtin = builtin;
    ARENA_GROW(c, p->structs, p->nstructs, p->capstructs);
    st->index = p->nstructs;
    p->structs[p->nstructs++] = st;
    sym *y = declare(c, st->name, S_TYPE, builtin ? 0 : st->line, builtin ? 0 : st->col);
    if (y)
        y->type = t;
}

static void resolve_fields(checker *c, lang_struct *st)
{
    for (int i = 0; i < st->nfields; i++) {
        lang_field *f = &st->fields[i];
        if (ck_field_index(c->a, st, f->name) != i)
            error(c, f->line, f->col, "duplicate field %s in struct %s", f->name, st->name);
        f->type = resolve_type(c, f->texpr);
    }
}

static bool make_universe(checker *c)
{
    c->cur = c->universe = NEW(c, scope);
    c->t_error = basic(c, TY_ERROR, NULL);
    c->t_void = basic(c, TY_VOID, NULL);
    c->t_nil = basic(c, TY_NIL, NULL);
    c->t_int = basic(c, TY_INT, "int");
    c->t_float = basic(c, TY_FLOAT, "float");
    c->t_bool = basic(c, TY_BOOL, "bool");
    c->t_string = basic(c, TY_STRING, "string");

    /* Built-in types: stdlib's prelude, in toy. Errors there are ours. */
    lang_diags internal = {c->a, NULL, 0, 0};
    lang_program *pre = ps_parse_source(c->a, &internal, std_prelude, strlen(std_prelude));
    for (int i = 0; i < pre->ndecls; i++)
        if (pre->decls[i]->kind == DECL_STRUCT)
            declare_struct(c, pre->decls[i]->st, true);
    lang_diags *user = c->d;
    c->d = &internal;
    for (int i = 0; i < pre->ndecls; i++)
        if (pre->decls[i]->kind == DECL_STRUCT)
            resolve_fields(c, pre->decls[i]->st);

    c->builtin_sigs = lang_arena_alloc(c->a, (size_t)std_builtin_count * sizeof(lang_type *));
    for (int i = 0; i < std_builtin_count; i++) {
        sym *y = declare(c, std_builtin_table[i].name, S_BUILTIN, 0, 0);
        if (y)
            y->builtin = i;
    }
    c->d = user;
    if (internal.n) {
        for (int i = 0; i < internal.n; i++)
            lang_error(c->d, 1, 1, "internal error in the stdlib prelude: %s",
                       internal.v[i].msg);
        return false;
    }
    return true;
}

/* The type of a fixed-signature built-in, parsed on first use (most
 * programs call few of them). */
static lang_type *builtin_sig(checker *c, int i, int line, int col)
{
    if (!c->builtin_sigs[i]) {
        const std_builtin *b = &std_builtin_table[i];
        lang_diags internal = {c->a, NULL, 0, 0};
        lang_diags *user = c->d;
        scope *cur = c->cur;
        c->d = &internal;
        c->cur = c->universe;
        lang_texpr *tx = ps_parse_type_text(c->a, &internal, b->sig, strlen(b->sig));
        lang_type *t = resolve_type(c, tx);
        c->d = user;
        c->cur = cur;
        if (internal.n || t->kind != TY_FN) {
            error(c, line, col, "internal error: bad signature for built-in %s: %s", b->name,
                  b->sig);
            t = c->t_error;
        }
        c->builtin_sigs[i] = t;
    }
    return c->builtin_sigs[i];
}

/* ---- the program ---- */

int ck_check_program(lang_arena *a, lang_diags *d, lang_program *p);

int ck_check_program(lang_arena *a, lang_diags *d, lang_program *p)
{
    checker cs, *c = &cs;
    memset(c, 0, sizeof *c);
    c->a = a;
    c->d = d;
    c->prog = p;
    int before = d->n;
    if (!make_universe(c))
        return d->n - before;

    push_scope(c);
    c->package = c->cur;
    /* 1. Every top-level name, so bodies and types may use any of them. */
    for (int i = 0; i < p->ndecls; i++) {
        lang_decl *dl = p->decls[i];
        switch (dl->kind) {
        case DECL_STRUCT:
            if (dl->st->name)
                declare_struct(c, dl->st, false);
            break;
        case DECL_FN:
            if (dl->fn->name) {
                add_func(c, dl->fn);
                sym *y = declare(c, dl->fn->name, S_FUNC, dl->fn->line, dl->fn->col);
                if (y)
                    y->fn = dl->fn;
            }
            break;
        case DECL_VAR: {
            lang_stmt *s = dl->var;
            if (!s->u.var.name)
                break;
            lang_global *g = NEW(c, lang_global);
            g->name = s->u.var.name;
            g->init = s->u.var.init;
            g->line = s->u.var.name_line;
            g->col = s->u.var.name_col;
            ARENA_GROW(c, p->globals, p->nglobals, p->capglobals);
            g->index = p->nglobals;
            p->globals[p->nglobals++] = g;
            s->u.var.global = g;
            sym *y = declare(c, g->name, S_GLOBAL, g->line, g->col);
            if (y) {
                y->global = g;
                y->decl = s;
            }
            break;
        }
        case DECL_CONST: {
            lang_stmt *s = dl->var;
            if (!s->u.var.name)
                break;
            sym *y = declare(c, s->u.var.name, S_CONST, s->u.var.name_line,
                             s->u.var.name_col);
            if (y)
                y->decl = s;
            break;
        }
        }
    }
    p->nfuncs_top = p->nfuncs;
    /* 2. Struct fields (any order: types are made before fields). */
    for (int i = 0; i < p->ndecls; i++)
        if (p->decls[i]->kind == DECL_STRUCT && p->decls[i]->st->name)
            resolve_fields(c, p->decls[i]->st);
    /* 3. Function signatures, then globals' declared types. */
    for (int i = 0; i < p->nfuncs_top; i++)
        resolve_signature(c, p->funcs[i]);
    for (sym *y = c->package->syms; y; y = y->next)
        if (y->kind == S_GLOBAL && y->decl->u.var.texpr) {
            y->global->type = resolve_type(c, y->decl->u.var.texpr);
            y->decl->u.var.type = y->global->type;
        }
    /* 4. Constants and globals in source order (lazily, for references
     * to later ones). */
    for (int i = 0; i < p->ndecls; i++) {
        lang_decl *dl = p->decls[i];
        if ((dl->kind != DECL_CONST && dl->kind != DECL_VAR) || !dl->var->u.var.name)
            continue;
        sym *y = lookup_in(c->package, dl->var->u.var.name);
        if (!y || y->decl != dl->var)
            continue; /* a redeclaration, already reported */
        if (y->kind == S_CONST) {
            resolve_const(c, y);
        } else if (y->state != SYM_DONE) {
            /* Globals with a declared type still need their initializer
             * checked; resolve_global skips those. */
            if (y->global->type && y->state == SYM_TODO) {
                y->state = SYM_RESOLVING;
                check_global(c, y);
                y->state = SYM_DONE;
            } else {
                resolve_global(c, y);
            }
        }
    }
    /* 5. Bodies. */
    for (int i = 0; i < p->nfuncs_top; i++)
        check_func_body(c, p->funcs[i]);
    /* 6. The entry point. */
    sym *m = lookup_in(c->package, "main");
    if (!m || m->kind != S_FUNC) {
        if (m)
            error(c, m->line, m->col, "main must be a function");
        else
            error(c, 1, 1, "function main is undeclared");
    } else {
        p->main = m->fn;
        if (m->fn->nparams != 0 || m->fn->result_texpr)
            error(c, m->line, m->col, "func main must have no parameters and no result");
    }
    return d->n - before;
}
