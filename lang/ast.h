/*
 * ast.h: toy's syntax tree, as the parser builds it and the checker
 * annotates it. Included by lang.h; every node lives in the unit's arena.
 *
 * THE ANNOTATION CONTRACT (what lang/compile.c may rely on once
 * lang_unit_check returned 0 errors):
 *
 *  Types. Every lang_type is interned: two types are equal iff their
 *  pointers are equal, and each has a dense `id` (program->types[id]).
 *  Kinds: TY_INT, TY_FLOAT, TY_BOOL (scalars), TY_STRING (noscan ref),
 *  TY_ARRAY (elem), TY_MAP (key, elem), TY_STRUCT (st), TY_FN (params,
 *  nparams, result; result is the TY_VOID type when there is none).
 *  lang_type_is_ref(t) says whether a slot of that type holds a pointer:
 *  that is the bit for pointer maps and stack maps.
 *
 *  Expressions. Every expression has e->type (never NULL; TY_VOID for a
 *  call without result; TY_NIL only for a nil literal whose context gave
 *  it no type, which cannot happen after a clean check: nil always gets
 *  the reference type it is converted to, written in e->type).
 *  e->is_const says the value is folded into e->cv (int, float, bool,
 *  string): the compiler may emit it as a constant and skip the operands.
 *
 *  Identifiers (EX_IDENT) carry u.ident.ref:
 *    REF_LOCAL   index = slot in the current function's frame; ref.local
 *                is the lang_local (local->captured: the slot holds a heap
 *                cell, as Lua's upvalues closed at declaration)
 *    REF_CAPTURE index = entry of the current function's captures[]
 *    REF_GLOBAL  index = program->globals[index]
 *    REF_FUNC    index = program->funcs[index] (a top-level function used
 *                as a value or called directly)
 *    REF_BUILTIN index = std_builtin_table[index] (only as a callee)
 *    REF_CONST   the value is in e->cv (e->is_const is true)
 *    REF_TYPE    a type name used as a conversion callee (int(x), float(x))
 *
 *  Calls (EX_CALL) carry u.call.kind:
 *    CALL_DIRECT  callee is an EX_IDENT with REF_FUNC: call funcs[index]
 *    CALL_VALUE   callee evaluates to a function value (closure)
 *    CALL_BUILTIN u.call.builtin = index into std_builtin_table, whose
 *                 `generic` field says how arguments are typed; each arg
 *                 has its own type; for make the first arg is a type
 *                 (EX_TYPE, or a one-element array literal denoting [T]):
 *                 use e->type, the type being made, not that argument
 *    CALL_CONV    conversion int(x) / float(x): target is e->type, the one
 *                 argument args[0] (int<->float, or identity)
 *  The callee of CALL_BUILTIN and CALL_CONV is an EX_IDENT with REF_BUILTIN
 *  (type TY_VOID) or REF_TYPE (type: the target); nodes of a type argument
 *  (make's first) carry the type they denote, with REF_TYPE names.
 *
 *  Field access (EX_FIELD): u.field.index is the field's index in
 *  x->type->st->fields (declaration order). Struct literals: each init
 *  has .field (index); omitted fields take zero values.
 *  Indexing (EX_INDEX): x->type->kind says array (int index) or map.
 *  Closures (EX_CLOSURE): u.closure.fn, a lang_func with is_closure set
 *  (parent is the enclosing function, NULL in a global's initializer,
 *  where there is nothing to capture: globals are REF_GLOBAL).
 *
 *  Functions (lang_func): params are locals[0..nparams) in slots
 *  0..nparams-1; every local (params, var, for variables) has a slot in
 *  [0, nslots); slots are reused by sibling scopes (as Lua's registers),
 *  so a slot's type may change over the body: use liveness for stack maps.
 *  captures[i] says where closure creation finds captured variable i:
 *  from_parent_local ? the parent's slot `index` (a cell: that local is
 *  marked captured) : the parent's captures[index]. A captured local gets
 *  a fresh cell each time its declaration runs; a captured parameter
 *  arrives as a plain value and the prologue moves it into a cell. Loop
 *  variables of for-in are fresh per iteration (Go 1.22): a captured one
 *  needs a new cell each iteration.
 *
 *  Statements: ST_CONST needs no code (uses are REF_CONST); ST_VAR has u.var.local (locals) or u.var.global (top level,
 *  never both). ST_FOR has u.for_.kind (FOR_RANGE, FOR_ARRAY, FOR_MAP) and
 *  up to two locals: FOR_RANGE var1 = the int; FOR_ARRAY var1 = element or,
 *  with two names, var1 = index and var2 = element; FOR_MAP var1 = key,
 *  var2 = value (or NULL). ST_ASSIGN op is TK_ASSIGN or the binary operator
 *  of op= (TK_PLUS for +=); u.assign.target is an lvalue: EX_IDENT (local,
 *  capture or global), EX_INDEX or EX_FIELD. ST_MASSIGN (t1, t2 = v1, v2)
 *  has n >= 2 such targets and as many values (op= takes one target);
 *  ST_MVAR (var a, b = v1, v2, in functions) has n names, their locals,
 *  and as many values; both evaluate every value (and the operands of
 *  index and field targets) before they assign anything, as Go does. At
 *  top level the parser splits `var a, b = x, y` into one ST_VAR each.
 *  FOR_RANGE may have a step (u.for_.step, an int; never the constant 0).
 *
 *  Program: globals are initialized in index (= source) order before main
 *  (an initializer that reads a later global sees its zero value);
 *  funcs[0..nfuncs_top) are the top-level functions, then every closure;
 *  program->main is the entry point (no params, no result).
 */
#ifndef LANG_AST_H
#define LANG_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lang_type lang_type;
typedef struct lang_struct lang_struct;
typedef struct lang_expr lang_expr;
typedef struct lang_stmt lang_stmt;
typedef struct lang_func lang_func;
typedef struct lang_local lang_local;
typedef struct lang_global lang_global;
typedef struct lang_texpr lang_texpr;

typedef enum lang_type_kind {
    TY_ERROR, /* after an error, silences follow-on errors */
    TY_VOID,
    TY_NIL,   /* the type of a nil literal before context types it */
    TY_INT,
    TY_FLOAT,
    TY_BOOL,
    TY_STRING,
    TY_ARRAY,
    TY_MAP,
    TY_STRUCT,
    TY_FN,
    TY_CHAN,  /* elem */
} lang_type_kind;

struct lang_type {
    lang_type_kind kind;
    int id;               /* dense, program->types[id] == this */
    lang_type *elem;      /* TY_ARRAY element, TY_MAP value */
    lang_type *key;       /* TY_MAP key: int, string or bool */
    lang_struct *st;      /* TY_STRUCT */
    lang_type **params;   /* TY_FN */
    int nparams;
    lang_type *result;    /* TY_FN: TY_VOID when none */
    lang_type *array_of;  /* interning cache: [this] */
    bool interned;        /* in program->type_hash (maps and fns) */
};

static inline bool lang_type_is_ref(const lang_type *t)
{
    return t->kind == TY_STRING || t->kind == TY_ARRAY || t->kind == TY_MAP ||
           t->kind == TY_STRUCT || t->kind == TY_FN || t->kind == TY_CHAN;
}

typedef struct lang_field {
    const char *name;
    lang_type *type;
    int index;
    int line, col;
    lang_texpr *texpr; /* as written */
} lang_field;

struct lang_struct {
    const char *name;
    lang_type *type; /* the TY_STRUCT type naming this struct */
    lang_field *fields;
    int nfields;
    int index;       /* program->structs[index] */
    bool builtin;    /* declared by stdlib (GCStats) */
    int *field_hash; /* name -> index + 1 (0 empty), see ck_field_index */
    int field_hash_cap;
    int line, col;
};

/* A constant value (folded). */
typedef struct lang_const {
    lang_type_kind kind; /* TY_INT, TY_FLOAT, TY_BOOL, TY_STRING */
    int64_t i;
    double f;
    bool b;
    const char *s;
    size_t n;
} lang_const;

/* Type expressions as written in the source. */
typedef enum lang_texpr_kind { TX_NAME, TX_ARRAY, TX_MAP, TX_FN, TX_CHAN } lang_texpr_kind;
struct lang_texpr {
    lang_texpr_kind kind;
    int line, col;
    const char *name;         /* TX_NAME */
    lang_texpr *elem, *key;   /* TX_ARRAY, TX_CHAN elem; TX_MAP key, elem (value) */
    lang_texpr **params;      /* TX_FN */
    int nparams;
    lang_texpr *result;       /* TX_FN, NULL when none */
};

typedef enum lang_ref_kind {
    REF_NONE, REF_LOCAL, REF_CAPTURE, REF_GLOBAL, REF_FUNC, REF_BUILTIN,
    REF_CONST, REF_TYPE
} lang_ref_kind;

typedef struct lang_ref {
    lang_ref_kind kind;
    int index;
    lang_local *local; /* REF_LOCAL, REF_CAPTURE: the variable itself */
} lang_ref;

typedef enum lang_expr_kind {
    EX_INT, EX_FLOAT, EX_STRING, EX_BOOL, EX_NIL,
    EX_IDENT, EX_UNARY, EX_BINARY, EX_CALL, EX_INDEX, EX_FIELD,
    EX_ARRAY, EX_MAP, EX_STRUCT, EX_CLOSURE, EX_TYPE,
} lang_expr_kind;

typedef enum lang_call_kind {
    CALL_NONE, CALL_DIRECT, CALL_VALUE, CALL_BUILTIN, CALL_CONV
} lang_call_kind;

typedef struct lang_field_init {
    const char *name;
    int line, col;
    lang_expr *value;
    int field; /* checker: index into the struct's fields */
} lang_field_init;

struct lang_expr {
    lang_expr_kind kind;
    int line, col;    /* the operator for unary/binary, '(' for calls,
                         '[' for index, '.' for fields, else the start */
    lang_type *type;  /* checker */
    bool is_const;    /* checker: cv holds the folded value */
    lang_const cv;
    union {
        int64_t i;                 /* EX_INT */
        double f;                  /* EX_FLOAT */
        bool b;                    /* EX_BOOL */
        struct { const char *s; size_t n; } str; /* EX_STRING */
        struct { const char *name; lang_ref ref; } ident;
        struct { lx_kind op; lang_expr *x; } unary;
        struct { lx_kind op; lang_expr *x, *y; } binary;
        struct {
            lang_expr *fn;
            lang_expr **args;
            int nargs;
            lang_call_kind kind; /* checker */
            int builtin;         /* checker: CALL_BUILTIN index */
        } call;
        struct { lang_expr *x, *index; } index;
        struct { lang_expr *x; const char *name; int index; } field;
        struct { lang_expr **elems; int n; } array;
        struct { lang_expr **keys, **vals; int n; } map;
        struct {
            const char *name;
            lang_field_init *inits;
            int n;
            lang_struct *st; /* checker */
        } struct_;
        struct { lang_func *fn; } closure;
        struct { lang_texpr *t; } texpr; /* EX_TYPE: map[K]V or fn(...) */
    } u;
};

typedef enum lang_stmt_kind {
    ST_BLOCK, ST_VAR, ST_CONST, ST_ASSIGN, ST_EXPR, ST_IF, ST_WHILE,
    ST_FOR, ST_RETURN, ST_BREAK, ST_CONTINUE, ST_MASSIGN, ST_MVAR, ST_GO,
} lang_stmt_kind;

/* A name being declared, where it is written. */
typedef struct lang_name {
    const char *name;
    int line, col;
} lang_name;

typedef enum lang_for_kind { FOR_NONE, FOR_RANGE, FOR_ARRAY, FOR_MAP, FOR_CHAN } lang_for_kind;

struct lang_stmt {
    lang_stmt_kind kind;
    int line, col;
    union {
        struct {
            lang_stmt **stmts;
            int n;
            int end_line, end_col; /* the closing brace */
        } block;
        struct {
            const char *name;
            int name_line, name_col;
            lang_texpr *texpr;    /* NULL when inferred */
            lang_expr *init;      /* NULL: zero value */
            lang_type *type;      /* checker */
            lang_local *local;    /* checker: a local variable, or */
            lang_global *global;  /* checker: a global */
        } var;                    /* ST_VAR and ST_CONST */
        struct { lx_kind op; lang_expr *target, *value; } assign;
        struct { lang_expr *x; } expr;
        struct { lang_expr *cond; lang_stmt *then, *else_; } if_;
        struct { lang_expr *cond; lang_stmt *body; } while_;
        struct {
            const char *name1, *name2; /* name2 NULL with one name */
            int line1, col1, line2, col2;
            lang_expr *x, *hi;   /* x..hi for ranges (hi != NULL), else x */
            lang_expr *step;     /* x..hi by step, else NULL */
            lang_stmt *body;
            lang_for_kind kind;  /* checker */
            lang_local *var1, *var2; /* checker */
        } for_;
        struct { lang_expr *x; } ret; /* x NULL: no value */
        struct { lang_expr *call; } go; /* ST_GO: an EX_CALL (CALL_DIRECT or CALL_VALUE) */
        struct {
            lang_expr **targets, **values; /* n targets, nvalues values */
            int n, nvalues;
        } massign;                        /* ST_MASSIGN: t1, t2 = v1, v2 */
        struct {
            lang_name *names;
            lang_local **locals;          /* checker: one per name */
            lang_expr **values;
            int n, nvalues;
        } mvar;                           /* ST_MVAR: var a, b = v1, v2 */
    } u;
};

struct lang_local {
    const char *name;
    lang_type *type;
    int slot;       /* in the owning function's frame */
    bool captured;  /* some closure captures it: keep it in a heap cell */
    bool is_param;
    lang_func *fn;  /* owner */
    int line, col;
};

typedef struct lang_capture {
    const char *name;
    lang_type *type;
    lang_local *var;        /* the captured variable (in some ancestor) */
    bool from_parent_local; /* parent's slot `index`, else parent's captures[index] */
    int index;
} lang_capture;

typedef struct lang_param {
    const char *name;
    int line, col;
    lang_texpr *texpr;
} lang_param;

struct lang_func {
    const char *name;      /* "<closure>" for closures */
    int line, col;
    int index;             /* program->funcs[index] */
    lang_func *parent;     /* the enclosing function; NULL at top level */
    bool is_closure;       /* a fn literal (its parent is NULL when it
                              appears in a global's initializer) */
    lang_type *type;       /* TY_FN */
    /* parser */
    lang_param *params;
    int nparams;
    lang_texpr *result_texpr; /* NULL: no result */
    lang_stmt *body;          /* ST_BLOCK */
    /* checker */
    lang_local **locals;      /* every local, params first */
    int nlocals;
    int nslots;
    lang_capture *captures;
    int ncaptures, capcaptures;
    int caplocals;
};

struct lang_global {
    const char *name;
    int index;
    lang_type *type;
    lang_expr *init; /* NULL: zero value */
    int line, col;
};

typedef enum lang_decl_kind { DECL_FN, DECL_STRUCT, DECL_VAR, DECL_CONST } lang_decl_kind;

typedef struct lang_decl {
    lang_decl_kind kind;
    int line, col;
    lang_func *fn;       /* DECL_FN */
    lang_struct *st;     /* DECL_STRUCT */
    lang_stmt *var;      /* DECL_VAR, DECL_CONST: an ST_VAR / ST_CONST */
} lang_decl;

typedef struct lang_program {
    lang_decl **decls;
    int ndecls;
    /* checker */
    lang_func **funcs;
    int nfuncs, nfuncs_top, capfuncs;
    lang_global **globals;
    int nglobals, capglobals;
    lang_struct **structs;
    int nstructs, capstructs;
    lang_type **types;
    int ntypes, captypes;
    lang_type **type_hash; /* interning index of map and fn types (types.c) */
    int type_hash_cap, type_hash_n;
    lang_func *main;
} lang_program;

#endif
