/*
 * parser.c: recursive descent for declarations and statements, precedence
 * climbing for binary operators with Go's table (go/parser's
 * parseBinaryExpr): unary - ! ~; * / % << >> &; + - | ^; comparisons; &&; ||.
 *
 * As Go's parser, a composite literal `Name{...}` is not parsed in the
 * header of if/while/for (exprLev < 0 there), so `if x {` opens a block;
 * parentheses, brackets and call arguments allow it again.
 *
 * Errors: panic mode as clox (one error until the next statement boundary),
 * then we skip to a `;`, a `}` or a statement keyword, so one run reports
 * many errors. Nesting is counted in p->depth, one level per recursive
 * construct and one per operator or suffix applied in a loop (so a chain
 * a+b+c+... of 100,000 terms also counts); past LANG_MAX_NESTING we report
 * once and stop parsing, so neither this parser nor the checker and printer
 * that recurse over the tree can overflow the C stack.
 */
#include "lang/internal.h"

#include <string.h>

typedef struct parser {
    lang_arena *a;
    lang_diags *d;
    lx_lexer lx;
    lx_token tok, peek, peek2; /* three tokens of lookahead */
    int depth;
    bool panic;
    bool aborted;      /* nesting limit hit: everything reads as EOF */
    bool no_composite; /* in an if/while/for header */
} parser;

/* A growable array of pointers in the arena (old storage is left behind:
 * at most twice the final size). */
typedef struct vec {
    void **v;
    int n, cap;
} vec;

static void vpush(parser *p, vec *v, void *x)
{
    if (v->n == v->cap) {
        int cap = v->cap ? 2 * v->cap : 4;
        void **nv = lang_arena_alloc(p->a, (size_t)cap * sizeof *nv);
        if (v->n)
            memcpy(nv, v->v, (size_t)v->n * sizeof *nv);
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = x;
}

#define NEW(p, T) ((T *)lang_arena_alloc((p)->a, sizeof(T)))

/* ---- tokens and errors ---- */

static void advance(parser *p)
{
    if (p->aborted) {
        p->tok.kind = p->peek.kind = p->peek2.kind = TK_EOF;
        return;
    }
    p->tok = p->peek;
    p->peek = p->peek2;
    if (p->peek.kind != TK_EOF)
        p->peek2 = lx_next(&p->lx);
}

static const char *describe(parser *p, const lx_token *t, char *buf, size_t n)
{
    (void)p;
    switch (t->kind) {
    case TK_SEMI:
        if (t->inserted)
            return t->len == 0 && *t->start == '\0' ? "end of file" : "newline";
        return "';'";
    case TK_IDENT:
        snprintf(buf, n, "name %.*s", t->len > 40 ? 40 : t->len, t->start);
        return buf;
    case TK_INT: case TK_FLOAT: case TK_STRING:
        snprintf(buf, n, "literal %.*s", t->len > 40 ? 40 : t->len, t->start);
        return buf;
    case TK_EOF:
        return "end of file";
    default:
        snprintf(buf, n, "'%s'", lx_kind_name(t->kind));
        return buf;
    }
}

static void error_tok(parser *p, const lx_token *t, const char *fmt, const char *arg)
{
    if (p->panic || p->aborted)
        return;
    p->panic = true;
    if (t->kind == TK_ERROR)
        return; /* the lexer already said what is wrong here */
    char buf[96];
    const char *found = describe(p, t, buf, sizeof buf);
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg ? arg : found, found);
    lang_error(p->d, t->line, t->col, "%s", msg);
}

/* "expected X, found Y" */
static void expected(parser *p, const char *what)
{
    char buf[96];
    if (p->panic || p->aborted)
        return;
    p->panic = true;
    if (p->tok.kind == TK_ERROR)
        return;
    lang_error(p->d, p->tok.line, p->tok.col, "expected %s, found %s", what,
               describe(p, &p->tok, buf, sizeof buf));
}

static bool accept(parser *p, lx_kind k)
{
    if (p->tok.kind != k)
        return false;
    advance(p);
    return true;
}

static bool expect(parser *p, lx_kind k)
{
    if (accept(p, k))
        return true;
    char what[32];
    snprintf(what, sizeof what, "'%s'", lx_kind_name(k));
    expected(p, what);
    return false;
}

static bool enter(parser *p)
{
    if (p->aborted)
        return false;
    if (++p->depth > LANG_MAX_NESTING) {
        lang_error(p->d, p->tok.line, p->tok.col,
                   "too deeply nested (more than %d levels)", LANG_MAX_NESTING);
        p->aborted = true;
        p->tok.kind = p->peek.kind = p->peek2.kind = TK_EOF;
        return false;
    }
    return true;
}

static void leave(parser *p, int n) { p->depth -= n; }

/* ---- nodes ---- */

static lang_expr *new_expr(parser *p, lang_expr_kind k, int line, int col)
{
    lang_expr *e = NEW(p, lang_expr);
    e->kind = k;
    e->line = line;
    e->col = col;
    return e;
}

static lang_expr *bad_expr(parser *p)
{
    return new_expr(p, EX_INT, p->tok.line, p->tok.col);
}

static lang_stmt *new_stmt(parser *p, lang_stmt_kind k, int line, int col)
{
    lang_stmt *s = NEW(p, lang_stmt);
    s->kind = k;
    s->line = line;
    s->col = col;
    return s;
}

static const char *tok_name(parser *p, const lx_token *t)
{
    return lang_arena_strndup(p->a, t->start, (size_t)t->len);
}

/* An identifier, or NULL after reporting. */
static const char *ident(parser *p, int *line, int *col)
{
    if (p->tok.kind != TK_IDENT) {
        expected(p, "name");
        return NULL;
    }
    *line = p->tok.line;
    *col = p->tok.col;
    const char *s = tok_name(p, &p->tok);
    advance(p);
    return s;
}

/* ---- types ---- */

static lang_texpr *parse_type(parser *p);

static lang_texpr *new_texpr(parser *p, lang_texpr_kind k)
{
    lang_texpr *t = NEW(p, lang_texpr);
    t->kind = k;
    t->line = p->tok.line;
    t->col = p->tok.col;
    return t;
}

/* After `fn`: ( [type {, type}] ) [-> type] */
static lang_texpr *parse_fn_type_rest(parser *p, lang_texpr *t)
{
    vec params = {0};
    expect(p, TK_LPAREN);
    while (p->tok.kind != TK_RPAREN && p->tok.kind != TK_EOF && !p->panic) {
        vpush(p, &params, parse_type(p));
        if (!accept(p, TK_COMMA))
            break;
    }
    expect(p, TK_RPAREN);
    t->params = (lang_texpr **)params.v;
    t->nparams = params.n;
    if (accept(p, TK_ARROW))
        t->result = parse_type(p);
    return t;
}

static lang_texpr *parse_type(parser *p)
{
    lang_texpr *t = NULL;
    if (!enter(p))
        return new_texpr(p, TX_NAME);
    switch (p->tok.kind) {
    case TK_IDENT:
        t = new_texpr(p, TX_NAME);
        t->name = tok_name(p, &p->tok);
        advance(p);
        break;
    case TK_LBRACKET:
        t = new_texpr(p, TX_ARRAY);
        advance(p);
        t->elem = parse_type(p);
        expect(p, TK_RBRACKET);
        break;
    case TK_MAP:
        t = new_texpr(p, TX_MAP);
        advance(p);
        expect(p, TK_LBRACKET);
        t->key = parse_type(p);
        expect(p, TK_RBRACKET);
        t->elem = parse_type(p);
        break;
    case TK_FN:
        t = new_texpr(p, TX_FN);
        advance(p);
        parse_fn_type_rest(p, t);
        break;
    case TK_CHAN:
        t = new_texpr(p, TX_CHAN);
        advance(p);
        expect(p, TK_LBRACKET);
        t->elem = parse_type(p);
        expect(p, TK_RBRACKET);
        break;
    default:
        expected(p, "type");
        t = new_texpr(p, TX_NAME);
        t->name = "?";
        break;
    }
    leave(p, 1);
    return t;
}

/* ---- expressions ---- */

static lang_expr *parse_expr(parser *p);
static lang_stmt *parse_block(parser *p);

static int binary_prec(lx_kind k)
{
    switch (k) {
    case TK_OROR: return 1;
    case TK_ANDAND: return 2;
    case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE:
        return 3;
    case TK_PLUS: case TK_MINUS: case TK_PIPE: case TK_CARET: return 4;
    case TK_STAR: case TK_SLASH: case TK_PERCENT: case TK_SHL: case TK_SHR:
    case TK_AMP:
        return 5;
    default: return 0;
    }
}

/* Skips semicolons the lexer inserted before a closing brace, so a
 * literal may end with its last element on its own line. */
static void skip_inserted(parser *p)
{
    while (p->tok.kind == TK_SEMI && p->tok.inserted)
        advance(p);
}

/* Separator in { } literals: a comma or a newline. */
static bool literal_sep(parser *p, lx_kind close)
{
    if (accept(p, TK_COMMA)) {
        skip_inserted(p);
        return p->tok.kind != close;
    }
    if (p->tok.kind == TK_SEMI && p->tok.inserted) {
        skip_inserted(p);
        return p->tok.kind != close;
    }
    return false;
}

static bool stmt_start(lx_kind k);

/* After an error inside brackets: skip to the closer that matches (and
 * consume it), so the statement around the literal or call stays in one
 * piece and the error does not cascade. Stops early at a statement
 * keyword or a closer of the wrong kind. */
static void skip_balanced(parser *p, lx_kind close)
{
    if (!p->panic)
        return;
    int depth = 0;
    while (p->tok.kind != TK_EOF) {
        lx_kind k = p->tok.kind;
        if (k == TK_LPAREN || k == TK_LBRACKET || k == TK_LBRACE) {
            depth++;
        } else if (k == TK_RPAREN || k == TK_RBRACKET || k == TK_RBRACE) {
            if (depth == 0) {
                if (k == close)
                    advance(p);
                return;
            }
            depth--;
        } else if (depth == 0 && stmt_start(k)) {
            return;
        }
        advance(p);
    }
}

static lang_expr *parse_struct_lit(parser *p)
{
    lang_expr *e = new_expr(p, EX_STRUCT, p->tok.line, p->tok.col);
    e->u.struct_.name = tok_name(p, &p->tok);
    advance(p); /* name */
    advance(p); /* { */
    bool save = p->no_composite;
    p->no_composite = false;
    lang_field_init *inits = NULL;
    int n = 0, cap = 0;
    skip_inserted(p);
    while (p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        int line = 0, col = 0;
        const char *name = ident(p, &line, &col);
        if (!name || !expect(p, TK_COLON))
            break;
        lang_expr *v = parse_expr(p);
        inits = lang_arena_grow(p->a, inits, n, &cap, sizeof *inits);
        inits[n++] = (lang_field_init){name, line, col, v, -1};
        if (!literal_sep(p, TK_RBRACE))
            break;
    }
    p->no_composite = save;
    if (!p->panic)
        expect(p, TK_RBRACE);
    skip_balanced(p, TK_RBRACE);
    e->u.struct_.inits = inits;
    e->u.struct_.n = n;
    return e;
}

static lang_expr *parse_map_lit(parser *p)
{
    lang_expr *e = new_expr(p, EX_MAP, p->tok.line, p->tok.col);
    advance(p); /* { */
    bool save = p->no_composite;
    p->no_composite = false;
    vec keys = {0}, vals = {0};
    skip_inserted(p);
    while (p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        vpush(p, &keys, parse_expr(p));
        if (!expect(p, TK_COLON))
            break;
        vpush(p, &vals, parse_expr(p));
        if (!literal_sep(p, TK_RBRACE))
            break;
    }
    p->no_composite = save;
    if (!p->panic)
        expect(p, TK_RBRACE);
    skip_balanced(p, TK_RBRACE);
    e->u.map.keys = (lang_expr **)keys.v;
    e->u.map.vals = (lang_expr **)vals.v;
    e->u.map.n = vals.n < keys.n ? vals.n : keys.n;
    return e;
}

static lang_expr *parse_array_lit(parser *p)
{
    lang_expr *e = new_expr(p, EX_ARRAY, p->tok.line, p->tok.col);
    advance(p); /* [ */
    bool save = p->no_composite;
    p->no_composite = false;
    vec elems = {0};
    while (p->tok.kind != TK_RBRACKET && p->tok.kind != TK_EOF) {
        vpush(p, &elems, parse_expr(p));
        if (!accept(p, TK_COMMA))
            break;
    }
    p->no_composite = save;
    if (!p->panic)
        expect(p, TK_RBRACKET);
    skip_balanced(p, TK_RBRACKET);
    e->u.array.elems = (lang_expr **)elems.v;
    e->u.array.n = elems.n;
    return e;
}

/* Parameters `(name: T, ...)` and an optional `-> R`. */
static lang_func *parse_signature(parser *p, lang_func *f)
{
    expect(p, TK_LPAREN);
    lang_param *ps = NULL;
    int n = 0, cap = 0;
    while (p->tok.kind != TK_RPAREN && p->tok.kind != TK_EOF && !p->panic) {
        lang_param prm = {0};
        prm.name = ident(p, &prm.line, &prm.col);
        if (!prm.name || !expect(p, TK_COLON))
            break;
        prm.texpr = parse_type(p);
        ps = lang_arena_grow(p->a, ps, n, &cap, sizeof *ps);
        ps[n++] = prm;
        if (!accept(p, TK_COMMA))
            break;
    }
    expect(p, TK_RPAREN);
    f->params = ps;
    f->nparams = n;
    if (accept(p, TK_ARROW))
        f->result_texpr = parse_type(p);
    return f;
}

/* `fn` in an expression: a closure `fn (x: int) -> int { ... }`, or a
 * function type `fn(int) -> int` (as an argument of make). After `fn (`,
 * `name :` starts a closure's parameters and anything else but `)` a type. */
static lang_expr *parse_fn_expr(parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    advance(p); /* fn */
    bool is_type = p->tok.kind == TK_LPAREN && p->peek.kind != TK_RPAREN &&
                   !(p->peek.kind == TK_IDENT && p->peek2.kind == TK_COLON);
    if (is_type) {
        lang_texpr *t = NEW(p, lang_texpr);
        t->kind = TX_FN;
        t->line = line;
        t->col = col;
        parse_fn_type_rest(p, t);
        lang_expr *e = new_expr(p, EX_TYPE, line, col);
        e->u.texpr.t = t;
        return e;
    }
    lang_func *f = NEW(p, lang_func);
    f->name = "<closure>";
    f->is_closure = true;
    f->line = line;
    f->col = col;
    parse_signature(p, f);
    if (p->tok.kind != TK_LBRACE && f->nparams == 0 && !p->panic) {
        /* fn() or fn() -> T without a body: a function type. */
        lang_texpr *t = NEW(p, lang_texpr);
        t->kind = TX_FN;
        t->line = line;
        t->col = col;
        t->result = f->result_texpr;
        lang_expr *e = new_expr(p, EX_TYPE, line, col);
        e->u.texpr.t = t;
        return e;
    }
    bool save = p->no_composite;
    p->no_composite = false;
    f->body = parse_block(p);
    p->no_composite = save;
    lang_expr *e = new_expr(p, EX_CLOSURE, line, col);
    e->u.closure.fn = f;
    return e;
}

static lang_expr *parse_primary(parser *p)
{
    lang_expr *e;
    lx_token t = p->tok;
    switch (t.kind) {
    case TK_INT:
        e = new_expr(p, EX_INT, t.line, t.col);
        e->u.i = t.v.i;
        advance(p);
        return e;
    case TK_FLOAT:
        e = new_expr(p, EX_FLOAT, t.line, t.col);
        e->u.f = t.v.f;
        advance(p);
        return e;
    case TK_STRING:
        e = new_expr(p, EX_STRING, t.line, t.col);
        e->u.str.s = t.v.str.s;
        e->u.str.n = t.v.str.n;
        advance(p);
        return e;
    case TK_TRUE: case TK_FALSE:
        e = new_expr(p, EX_BOOL, t.line, t.col);
        e->u.b = t.kind == TK_TRUE;
        advance(p);
        return e;
    case TK_NIL:
        e = new_expr(p, EX_NIL, t.line, t.col);
        advance(p);
        return e;
    case TK_IDENT:
        if (p->peek.kind == TK_LBRACE && !p->no_composite)
            return parse_struct_lit(p);
        e = new_expr(p, EX_IDENT, t.line, t.col);
        e->u.ident.name = tok_name(p, &t);
        advance(p);
        return e;
    case TK_LPAREN: {
        advance(p);
        bool save = p->no_composite;
        p->no_composite = false;
        e = parse_expr(p);
        p->no_composite = save;
        expect(p, TK_RPAREN);
        return e;
    }
    case TK_LBRACKET:
        return parse_array_lit(p);
    case TK_LBRACE:
        return parse_map_lit(p);
    case TK_MAP:
    case TK_CHAN: {
        lang_texpr *tx = parse_type(p);
        e = new_expr(p, EX_TYPE, t.line, t.col);
        e->u.texpr.t = tx;
        return e;
    }
    case TK_FN:
        return parse_fn_expr(p);
    default:
        expected(p, "expression");
        return bad_expr(p);
    }
}

static lang_expr *parse_postfix(parser *p)
{
    lang_expr *x = parse_primary(p);
    int levels = 0;
    for (;;) {
        lx_kind k = p->tok.kind;
        if (k != TK_LPAREN && k != TK_LBRACKET && k != TK_DOT)
            break;
        if (!enter(p))
            break;
        levels++;
        lang_expr *e;
        if (k == TK_LPAREN) {
            e = new_expr(p, EX_CALL, p->tok.line, p->tok.col);
            advance(p);
            bool save = p->no_composite;
            p->no_composite = false;
            vec args = {0};
            while (p->tok.kind != TK_RPAREN && p->tok.kind != TK_EOF) {
                vpush(p, &args, parse_expr(p));
                if (!accept(p, TK_COMMA))
                    break;
            }
            p->no_composite = save;
            if (!p->panic)
                expect(p, TK_RPAREN);
            skip_balanced(p, TK_RPAREN);
            e->u.call.fn = x;
            e->u.call.args = (lang_expr **)args.v;
            e->u.call.nargs = args.n;
        } else if (k == TK_LBRACKET) {
            e = new_expr(p, EX_INDEX, p->tok.line, p->tok.col);
            advance(p);
            bool save = p->no_composite;
            p->no_composite = false;
            e->u.index.x = x;
            e->u.index.index = parse_expr(p);
            p->no_composite = save;
            expect(p, TK_RBRACKET);
        } else {
            e = new_expr(p, EX_FIELD, p->tok.line, p->tok.col);
            advance(p);
            int line, col;
            const char *name = ident(p, &line, &col);
            e->u.field.x = x;
            e->u.field.name = name ? name : "?";
            e->u.field.index = -1;
        }
        x = e;
        if (p->panic)
            break;
    }
    leave(p, levels);
    return x;
}

static lang_expr *parse_unary(parser *p)
{
    lx_kind k = p->tok.kind;
    if (k == TK_MINUS || k == TK_NOT || k == TK_TILDE) {
        lang_expr *e = new_expr(p, EX_UNARY, p->tok.line, p->tok.col);
        if (!enter(p))
            return e;
        advance(p);
        e->u.unary.op = k;
        e->u.unary.x = parse_unary(p);
        leave(p, 1);
        return e;
    }
    return parse_postfix(p);
}

static lang_expr *parse_binary(parser *p, int min_prec)
{
    if (!enter(p))
        return bad_expr(p);
    lang_expr *x = parse_unary(p);
    int levels = 1, prec;
    while ((prec = binary_prec(p->tok.kind)) >= min_prec && !p->panic) {
        if (!enter(p))
            break;
        levels++;
        lang_expr *e = new_expr(p, EX_BINARY, p->tok.line, p->tok.col);
        e->u.binary.op = p->tok.kind;
        advance(p);
        e->u.binary.x = x;
        e->u.binary.y = parse_binary(p, prec + 1);
        x = e;
    }
    leave(p, levels);
    return x;
}

static lang_expr *parse_expr(parser *p) { return parse_binary(p, 1); }

/* ---- statements ---- */

static bool stmt_start(lx_kind k)
{
    switch (k) {
    case TK_VAR: case TK_CONST: case TK_IF: case TK_WHILE: case TK_FOR:
    case TK_RETURN: case TK_BREAK: case TK_CONTINUE: case TK_FN:
    case TK_STRUCT: case TK_GO:
        return true;
    default:
        return false;
    }
}

/* After an error: skip to the end of the statement. */
static void sync_stmt(parser *p)
{
    p->panic = false;
    int depth = 0;
    while (p->tok.kind != TK_EOF) {
        lx_kind k = p->tok.kind;
        if (depth == 0) {
            if (k == TK_SEMI) {
                advance(p);
                return;
            }
            if (k == TK_RBRACE || stmt_start(k))
                return;
        }
        if (k == TK_LBRACE)
            depth++;
        else if (k == TK_RBRACE)
            depth--;
        advance(p);
    }
}

/* e1, e2, ...: one expression or more (at least `first`, when given). */
static lang_expr **parse_expr_list(parser *p, lang_expr *first, int *n)
{
    vec v = {0};
    vpush(p, &v, first ? first : parse_expr(p));
    while (!p->panic && accept(p, TK_COMMA))
        vpush(p, &v, parse_expr(p));
    *n = v.n;
    return (lang_expr **)v.v;
}

/* `var a, b, ... = v1, v2, ...` after its first name: ST_MVAR. */
static lang_stmt *parse_var_names(parser *p, lang_stmt *s)
{
    vec names = {0};
    lang_name *first = NEW(p, lang_name);
    *first = (lang_name){s->u.var.name, s->u.var.name_line, s->u.var.name_col};
    vpush(p, &names, first);
    do {
        lang_name *nm = NEW(p, lang_name);
        nm->name = ident(p, &nm->line, &nm->col);
        if (!nm->name)
            return s;
        vpush(p, &names, nm);
    } while (accept(p, TK_COMMA));
    s->kind = ST_MVAR;
    s->u.mvar.n = names.n;
    s->u.mvar.names = lang_arena_alloc(p->a, (size_t)names.n * sizeof(lang_name));
    for (int i = 0; i < names.n; i++)
        s->u.mvar.names[i] = *(lang_name *)names.v[i];
    if (!accept(p, TK_ASSIGN)) {
        expected(p, "'=' and a value for each variable");
        return s;
    }
    s->u.mvar.values = parse_expr_list(p, NULL, &s->u.mvar.nvalues);
    return s;
}

static lang_stmt *parse_var(parser *p, lang_stmt_kind kind)
{
    lang_stmt *s = new_stmt(p, kind, p->tok.line, p->tok.col);
    advance(p); /* var / const */
    s->u.var.name = ident(p, &s->u.var.name_line, &s->u.var.name_col);
    if (!s->u.var.name)
        return s;
    if (kind == ST_VAR && accept(p, TK_COMMA))
        return parse_var_names(p, s);
    if (accept(p, TK_COLON))
        s->u.var.texpr = parse_type(p);
    if (accept(p, TK_ASSIGN))
        s->u.var.init = parse_expr(p);
    else if (kind == ST_CONST)
        expected(p, "'=' and a value");
    else if (!s->u.var.texpr)
        expected(p, "':' and a type, or '=' and a value");
    return s;
}

static lang_expr *parse_header_expr(parser *p)
{
    bool save = p->no_composite;
    if (p->tok.kind == TK_LBRACE) {
        expected(p, "condition");
        return bad_expr(p);
    }
    p->no_composite = true;
    lang_expr *e = parse_expr(p);
    p->no_composite = save;
    return e;
}

static lang_stmt *parse_stmt(parser *p);

static lang_stmt *parse_if(parser *p)
{
    lang_stmt *s = new_stmt(p, ST_IF, p->tok.line, p->tok.col);
    advance(p);
    s->u.if_.cond = parse_header_expr(p);
    s->u.if_.then = parse_block(p);
    if (accept(p, TK_ELSE)) {
        if (p->tok.kind == TK_IF) {
            if (enter(p)) {
                s->u.if_.else_ = parse_if(p);
                leave(p, 1);
            }
        } else if (p->tok.kind == TK_LBRACE) {
            s->u.if_.else_ = parse_block(p);
        } else {
            expected(p, "'if' or '{' after else");
        }
    }
    return s;
}

static lang_stmt *parse_for(parser *p)
{
    lang_stmt *s = new_stmt(p, ST_FOR, p->tok.line, p->tok.col);
    advance(p);
    s->u.for_.name1 = ident(p, &s->u.for_.line1, &s->u.for_.col1);
    if (!s->u.for_.name1)
        return s;
    if (accept(p, TK_COMMA)) {
        s->u.for_.name2 = ident(p, &s->u.for_.line2, &s->u.for_.col2);
        if (!s->u.for_.name2)
            return s;
    }
    if (!expect(p, TK_IN))
        return s;
    /* A for-in subject may be a map literal: `for k in {"a": 1} {`. */
    s->u.for_.x = p->tok.kind == TK_LBRACE ? parse_map_lit(p) : parse_header_expr(p);
    if (accept(p, TK_DOTDOT)) {
        s->u.for_.hi = parse_header_expr(p);
        if (accept(p, TK_BY))
            s->u.for_.step = parse_header_expr(p);
    }
    s->u.for_.body = parse_block(p);
    return s;
}

static lx_kind assign_op(lx_kind k)
{
    switch (k) {
    case TK_ASSIGN: return TK_ASSIGN;
    case TK_PLUSEQ: return TK_PLUS;
    case TK_MINUSEQ: return TK_MINUS;
    case TK_STAREQ: return TK_STAR;
    case TK_SLASHEQ: return TK_SLASH;
    case TK_PERCENTEQ: return TK_PERCENT;
    default: return TK_EOF;
    }
}

/* t1, t2, ... = v1, v2, ... after its first target: ST_MASSIGN. */
static lang_stmt *parse_multi_assign(parser *p, lang_expr *first)
{
    int n;
    lang_expr **targets = parse_expr_list(p, first, &n);
    lang_stmt *s = new_stmt(p, ST_MASSIGN, p->tok.line, p->tok.col);
    lx_kind op = assign_op(p->tok.kind);
    if (op == TK_EOF) {
        expected(p, "'=' after the targets of an assignment");
        return NULL;
    }
    if (op != TK_ASSIGN) {
        lang_error(p->d, p->tok.line, p->tok.col,
                   "assignment operation %s= takes one target, not %d", lx_kind_name(op), n);
        p->panic = true;
        return NULL;
    }
    advance(p);
    s->u.massign.targets = targets;
    s->u.massign.n = n;
    s->u.massign.values = parse_expr_list(p, NULL, &s->u.massign.nvalues);
    return s;
}

static lang_stmt *parse_stmt(parser *p)
{
    lx_token t = p->tok;
    lang_stmt *s;
    switch (t.kind) {
    case TK_VAR:
        return parse_var(p, ST_VAR);
    case TK_CONST:
        return parse_var(p, ST_CONST);
    case TK_IF:
        return parse_if(p);
    case TK_WHILE:
        s = new_stmt(p, ST_WHILE, t.line, t.col);
        advance(p);
        s->u.while_.cond = parse_header_expr(p);
        s->u.while_.body = parse_block(p);
        return s;
    case TK_FOR:
        return parse_for(p);
    case TK_GO:
        s = new_stmt(p, ST_GO, t.line, t.col);
        advance(p);
        s->u.go.call = parse_expr(p);
        return s;
    case TK_RETURN:
        s = new_stmt(p, ST_RETURN, t.line, t.col);
        advance(p);
        if (p->tok.kind != TK_SEMI && p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF)
            s->u.ret.x = parse_expr(p);
        return s;
    case TK_BREAK:
    case TK_CONTINUE:
        s = new_stmt(p, t.kind == TK_BREAK ? ST_BREAK : ST_CONTINUE, t.line, t.col);
        advance(p);
        return s;
    case TK_LBRACE:
        return parse_block(p);
    case TK_STRUCT:
        error_tok(p, &t, "struct declarations are only allowed at top level%s", "");
        advance(p);
        return NULL;
    case TK_ELSE:
        error_tok(p, &t, "else must follow the '}' of its if on the same line%s", "");
        advance(p);
        return NULL;
    case TK_FN:
        if (p->peek.kind == TK_IDENT) {
            error_tok(p, &t, "functions are declared at top level; inside a function "
                             "write var %s = fn (...) { ... }",
                      lang_arena_strndup(p->a, p->peek.start, (size_t)p->peek.len));
            advance(p);
            return NULL;
        }
        break;
    default:
        break;
    }
    lang_expr *x = parse_expr(p);
    if (p->tok.kind == TK_COMMA)
        return parse_multi_assign(p, x);
    lx_kind op = assign_op(p->tok.kind);
    if (op != TK_EOF) {
        s = new_stmt(p, ST_ASSIGN, p->tok.line, p->tok.col);
        advance(p);
        s->u.assign.op = op;
        s->u.assign.target = x;
        s->u.assign.value = parse_expr(p);
        if (op == TK_ASSIGN && p->tok.kind == TK_COMMA) { /* t = v1, v2: a count mismatch */
            lang_expr *v = s->u.assign.value, **t = NEW(p, lang_expr *);
            int nv;
            lang_expr **vs = parse_expr_list(p, v, &nv);
            t[0] = x;
            s->kind = ST_MASSIGN;
            s->u.massign.targets = t;
            s->u.massign.n = 1;
            s->u.massign.values = vs;
            s->u.massign.nvalues = nv;
        }
        return s;
    }
    s = new_stmt(p, ST_EXPR, x->line, x->col);
    s->u.expr.x = x;
    return s;
}

/* After a statement: a ';' (or newline), or the '}' closing the block. */
static void end_stmt(parser *p, lx_kind close)
{
    if (p->panic)
        return;
    if (accept(p, TK_SEMI))
        return;
    if (p->tok.kind == close || p->tok.kind == TK_EOF)
        return;
    if (p->tok.kind == TK_ERROR) {
        p->panic = true;
        return;
    }
    char buf[96];
    lang_error(p->d, p->tok.line, p->tok.col, "unexpected %s at end of statement",
               describe(p, &p->tok, buf, sizeof buf));
    p->panic = true;
}

static lang_stmt *parse_block(parser *p)
{
    lang_stmt *b = new_stmt(p, ST_BLOCK, p->tok.line, p->tok.col);
    if (!expect(p, TK_LBRACE))
        return b;
    if (!enter(p))
        return b;
    vec stmts = {0};
    while (p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        if (accept(p, TK_SEMI))
            continue;
        lang_stmt *s = parse_stmt(p);
        if (s)
            vpush(p, &stmts, s);
        end_stmt(p, TK_RBRACE);
        if (p->panic)
            sync_stmt(p);
    }
    leave(p, 1);
    b->u.block.stmts = (lang_stmt **)stmts.v;
    b->u.block.n = stmts.n;
    b->u.block.end_line = p->tok.line;
    b->u.block.end_col = p->tok.col;
    if (!p->aborted && !expect(p, TK_RBRACE) && p->tok.kind == TK_EOF) {
        /* expected '}' at EOF: reported; nothing to skip */
    }
    return b;
}

/* ---- declarations ---- */

static lang_decl *parse_struct_decl(parser *p)
{
    lang_decl *d = NEW(p, lang_decl);
    d->kind = DECL_STRUCT;
    d->line = p->tok.line;
    d->col = p->tok.col;
    advance(p); /* struct */
    lang_struct *st = NEW(p, lang_struct);
    d->st = st;
    st->name = ident(p, &st->line, &st->col);
    if (!st->name)
        return d;
    if (!expect(p, TK_LBRACE))
        return d;
    lang_field *fs = NULL;
    int n = 0, cap = 0;
    skip_inserted(p);
    while (p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        lang_field f = {0};
        f.name = ident(p, &f.line, &f.col);
        if (!f.name || !expect(p, TK_COLON))
            break;
        f.texpr = parse_type(p);
        f.index = n;
        fs = lang_arena_grow(p->a, fs, n, &cap, sizeof *fs);
        fs[n++] = f;
        if (accept(p, TK_COMMA) || accept(p, TK_SEMI)) {
            while (accept(p, TK_SEMI))
                ;
            continue;
        }
        break;
    }
    st->fields = fs;
    st->nfields = n;
    expect(p, TK_RBRACE);
    return d;
}

static lang_decl *parse_fn_decl(parser *p)
{
    lang_decl *d = NEW(p, lang_decl);
    d->kind = DECL_FN;
    d->line = p->tok.line;
    d->col = p->tok.col;
    advance(p); /* fn */
    lang_func *f = NEW(p, lang_func);
    d->fn = f;
    f->name = ident(p, &f->line, &f->col);
    if (!f->name)
        return d;
    parse_signature(p, f);
    if (p->panic)
        return d;
    f->body = parse_block(p);
    return d;
}

static void sync_decl(parser *p)
{
    p->panic = false;
    int depth = 0;
    while (p->tok.kind != TK_EOF) {
        lx_kind k = p->tok.kind;
        if (depth == 0 && (k == TK_FN || k == TK_STRUCT || k == TK_VAR || k == TK_CONST)) {
            /* A declaration starts outside every bracket: forget any the
             * broken one left open, or no semicolon would be inserted
             * for the rest of the file. */
            p->lx.nbrackets = 0;
            return;
        }
        if (k == TK_LBRACE)
            depth++;
        else if (k == TK_RBRACE && depth > 0)
            depth--;
        advance(p);
    }
}

/* `var a, b = x, y` at top level: one global declaration each (a
 * global's initializer runs in declaration order and cannot see a later
 * one, so nothing is lost by splitting). */
static void split_global_vars(parser *p, vec *decls, lang_decl *d)
{
    lang_stmt *m = d->var;
    if (m->u.mvar.nvalues != m->u.mvar.n) {
        if (m->u.mvar.values)
            lang_error(p->d, m->line, m->col, "assignment mismatch: %d variables but %d value%s",
                       m->u.mvar.n, m->u.mvar.nvalues, m->u.mvar.nvalues == 1 ? "" : "s");
        return;
    }
    for (int i = 0; i < m->u.mvar.n; i++) {
        lang_name *nm = &m->u.mvar.names[i];
        lang_decl *g = NEW(p, lang_decl);
        *g = *d;
        lang_stmt *v = new_stmt(p, ST_VAR, m->line, m->col);
        v->u.var.name = nm->name;
        v->u.var.name_line = nm->line;
        v->u.var.name_col = nm->col;
        v->u.var.init = m->u.mvar.values[i];
        g->var = v;
        vpush(p, decls, g);
    }
}

static void init_parser(parser *p, lang_arena *a, lang_diags *d, const char *text,
                        size_t len)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->d = d;
    lx_init(&p->lx, text, len, d, a);
    p->peek = lx_next(&p->lx);
    p->peek2 = p->peek.kind == TK_EOF ? p->peek : lx_next(&p->lx);
    advance(p);
}

lang_program *ps_parse_source(lang_arena *a, lang_diags *d, const char *text, size_t len)
{
    parser p;
    init_parser(&p, a, d, text, len);
    lang_program *prog = NEW(&p, lang_program);
    vec decls = {0};
    while (p.tok.kind != TK_EOF) {
        if (accept(&p, TK_SEMI))
            continue;
        lang_decl *d = NULL;
        switch (p.tok.kind) {
        case TK_FN:
            d = parse_fn_decl(&p);
            break;
        case TK_STRUCT:
            d = parse_struct_decl(&p);
            break;
        case TK_VAR:
        case TK_CONST: {
            lx_token t = p.tok;
            d = NEW(&p, lang_decl);
            d->kind = t.kind == TK_VAR ? DECL_VAR : DECL_CONST;
            d->line = t.line;
            d->col = t.col;
            d->var = parse_var(&p, t.kind == TK_VAR ? ST_VAR : ST_CONST);
            if (d->var->kind == ST_MVAR) {
                split_global_vars(&p, &decls, d);
                d = NULL;
            }
            break;
        }
        default:
            expected(&p, "declaration (fn, struct, var or const)");
            break;
        }
        if (d)
            vpush(&p, &decls, d);
        if (!p.panic && !accept(&p, TK_SEMI) && p.tok.kind != TK_EOF &&
            p.tok.kind != TK_ERROR) {
            char buf[96];
            lang_error(p.d, p.tok.line, p.tok.col, "unexpected %s after declaration",
                       describe(&p, &p.tok, buf, sizeof buf));
            p.panic = true;
        }
        if (p.panic)
            sync_decl(&p);
    }
    lx_free(&p.lx);
    prog->decls = (lang_decl **)decls.v;
    prog->ndecls = decls.n;
    return prog;
}

lang_texpr *ps_parse_type_text(lang_arena *a, lang_diags *d, const char *text, size_t len)
{
    parser p;
    init_parser(&p, a, d, text, len);
    lang_texpr *t = parse_type(&p);
    if (p.tok.kind != TK_EOF && !(p.tok.kind == TK_SEMI && p.tok.inserted))
        expected(&p, "end of type");
    lx_free(&p.lx);
    return t;
}

lang_expr *ps_parse_expr_text(lang_unit *u)
{
    parser p;
    int before = u->diags.n;
    init_parser(&p, &u->arena, &u->diags, u->text, u->len);
    lang_expr *e = parse_expr(&p);
    while (p.tok.kind == TK_SEMI && p.tok.inserted)
        advance(&p);
    if (p.tok.kind != TK_EOF)
        expected(&p, "end of expression");
    lx_free(&p.lx);
    return u->diags.n > before ? NULL : e;
}
