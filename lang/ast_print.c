/*
 * ast_print.c: renders the tree back as toy text, every binary and unary
 * operation in parentheses, so tests can see precedence and associativity
 * ("1 + 2 * 3" prints "(1 + (2 * 3))"). Statements print one per line with
 * four-space indentation. The tree's depth is bounded by the parser's
 * nesting limit, so recursion here is bounded too.
 */
#include "lang/internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
    char *p;
    size_t len, cap;
} out;

static void putn(out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (o->len + n + 1 > cap)
            cap *= 2;
        char *np = realloc(o->p, cap);
        if (!np) {
            fputs("toy: out of memory\n", stderr);
            abort();
        }
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void puts_(out *o, const char *s) { putn(o, s, strlen(s)); }

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    putn(o, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void quote(out *o, const char *s, size_t n)
{
    puts_(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': puts_(o, "\\n"); break;
        case '\t': puts_(o, "\\t"); break;
        case '\r': puts_(o, "\\r"); break;
        case '\\': puts_(o, "\\\\"); break;
        case '"': puts_(o, "\\\""); break;
        case '\0': puts_(o, "\\0"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                putf(o, "\\x%02x", c);
            else
                putn(o, (const char *)&s[i], 1);
        }
    }
    puts_(o, "\"");
}

static void texpr(out *o, const lang_texpr *t)
{
    switch (t->kind) {
    case TX_NAME: puts_(o, t->name ? t->name : "?"); break;
    case TX_ARRAY: puts_(o, "["); texpr(o, t->elem); puts_(o, "]"); break;
    case TX_CHAN: puts_(o, "chan["); texpr(o, t->elem); puts_(o, "]"); break;
    case TX_MAP:
        puts_(o, "map[");
        texpr(o, t->key);
        puts_(o, "]");
        texpr(o, t->elem);
        break;
    case TX_FN:
        puts_(o, "fn(");
        for (int i = 0; i < t->nparams; i++) {
            if (i)
                puts_(o, ", ");
            texpr(o, t->params[i]);
        }
        puts_(o, ")");
        if (t->result) {
            puts_(o, " -> ");
            texpr(o, t->result);
        }
        break;
    }
}

static void stmt(out *o, const lang_stmt *s, int indent);
static void expr(out *o, const lang_expr *e);

static void signature(out *o, const lang_func *f)
{
    puts_(o, "(");
    for (int i = 0; i < f->nparams; i++) {
        if (i)
            puts_(o, ", ");
        puts_(o, f->params[i].name);
        puts_(o, ": ");
        texpr(o, f->params[i].texpr);
    }
    puts_(o, ")");
    if (f->result_texpr) {
        puts_(o, " -> ");
        texpr(o, f->result_texpr);
    }
}

static void block(out *o, const lang_stmt *b, int indent)
{
    puts_(o, "{\n");
    for (int i = 0; i < b->u.block.n; i++)
        stmt(o, b->u.block.stmts[i], indent + 1);
    for (int i = 0; i < indent; i++)
        puts_(o, "    ");
    puts_(o, "}");
}

static void args(out *o, lang_expr *const *v, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            puts_(o, ", ");
        expr(o, v[i]);
    }
}

static void expr(out *o, const lang_expr *e)
{
    switch (e->kind) {
    case EX_INT: putf(o, "%lld", (long long)e->u.i); break;
    case EX_FLOAT: putf(o, "%.17g", e->u.f); break;
    case EX_STRING: quote(o, e->u.str.s, e->u.str.n); break;
    case EX_BOOL: puts_(o, e->u.b ? "true" : "false"); break;
    case EX_NIL: puts_(o, "nil"); break;
    case EX_IDENT: puts_(o, e->u.ident.name); break;
    case EX_UNARY:
        putf(o, "(%s", lx_kind_name(e->u.unary.op));
        expr(o, e->u.unary.x);
        puts_(o, ")");
        break;
    case EX_BINARY:
        puts_(o, "(");
        expr(o, e->u.binary.x);
        putf(o, " %s ", lx_kind_name(e->u.binary.op));
        expr(o, e->u.binary.y);
        puts_(o, ")");
        break;
    case EX_CALL:
        expr(o, e->u.call.fn);
        puts_(o, "(");
        args(o, e->u.call.args, e->u.call.nargs);
        puts_(o, ")");
        break;
    case EX_INDEX:
        expr(o, e->u.index.x);
        puts_(o, "[");
        expr(o, e->u.index.index);
        puts_(o, "]");
        break;
    case EX_FIELD:
        expr(o, e->u.field.x);
        puts_(o, ".");
        puts_(o, e->u.field.name);
        break;
    case EX_ARRAY:
        puts_(o, "[");
        args(o, e->u.array.elems, e->u.array.n);
        puts_(o, "]");
        break;
    case EX_MAP:
        puts_(o, "{");
        for (int i = 0; i < e->u.map.n; i++) {
            if (i)
                puts_(o, ", ");
            expr(o, e->u.map.keys[i]);
            puts_(o, ": ");
            expr(o, e->u.map.vals[i]);
        }
        puts_(o, "}");
        break;
    case EX_STRUCT:
        puts_(o, e->u.struct_.name);
        puts_(o, "{");
        for (int i = 0; i < e->u.struct_.n; i++) {
            if (i)
                puts_(o, ", ");
            puts_(o, e->u.struct_.inits[i].name);
            puts_(o, ": ");
            expr(o, e->u.struct_.inits[i].value);
        }
        puts_(o, "}");
        break;
    case EX_CLOSURE:
        puts_(o, "fn");
        signature(o, e->u.closure.fn);
        puts_(o, " ");
        block(o, e->u.closure.fn->body, 0);
        break;
    case EX_TYPE:
        texpr(o, e->u.texpr.t);
        break;
    }
}

static void var(out *o, const lang_stmt *s)
{
    puts_(o, s->kind == ST_CONST ? "const " : "var ");
    puts_(o, s->u.var.name ? s->u.var.name : "?");
    if (s->u.var.texpr) {
        puts_(o, ": ");
        texpr(o, s->u.var.texpr);
    }
    if (s->u.var.init) {
        puts_(o, " = ");
        expr(o, s->u.var.init);
    }
}

static void stmt(out *o, const lang_stmt *s, int indent)
{
    for (int i = 0; i < indent; i++)
        puts_(o, "    ");
    switch (s->kind) {
    case ST_BLOCK: block(o, s, indent); break;
    case ST_VAR: case ST_CONST: var(o, s); break;
    case ST_ASSIGN:
        expr(o, s->u.assign.target);
        if (s->u.assign.op == TK_ASSIGN)
            puts_(o, " = ");
        else
            putf(o, " %s= ", lx_kind_name(s->u.assign.op));
        expr(o, s->u.assign.value);
        break;
    case ST_MASSIGN:
        for (int i = 0; i < s->u.massign.n; i++) {
            puts_(o, i ? ", " : "");
            expr(o, s->u.massign.targets[i]);
        }
        puts_(o, " = ");
        for (int i = 0; i < s->u.massign.nvalues; i++) {
            puts_(o, i ? ", " : "");
            expr(o, s->u.massign.values[i]);
        }
        break;
    case ST_MVAR:
        puts_(o, "var ");
        for (int i = 0; i < s->u.mvar.n; i++)
            putf(o, "%s%s", i ? ", " : "", s->u.mvar.names[i].name);
        puts_(o, " = ");
        for (int i = 0; i < s->u.mvar.nvalues; i++) {
            puts_(o, i ? ", " : "");
            expr(o, s->u.mvar.values[i]);
        }
        break;
    case ST_EXPR: expr(o, s->u.expr.x); break;
    case ST_IF: {
        const lang_stmt *x = s;
        for (;;) {
            puts_(o, "if ");
            expr(o, x->u.if_.cond);
            puts_(o, " ");
            block(o, x->u.if_.then, indent);
            if (!x->u.if_.else_)
                break;
            puts_(o, " else ");
            if (x->u.if_.else_->kind != ST_IF) {
                block(o, x->u.if_.else_, indent);
                break;
            }
            x = x->u.if_.else_;
        }
        break;
    }
    case ST_WHILE:
        puts_(o, "while ");
        expr(o, s->u.while_.cond);
        puts_(o, " ");
        block(o, s->u.while_.body, indent);
        break;
    case ST_FOR:
        putf(o, "for %s", s->u.for_.name1 ? s->u.for_.name1 : "?");
        if (s->u.for_.name2)
            putf(o, ", %s", s->u.for_.name2);
        puts_(o, " in ");
        if (s->u.for_.x)
            expr(o, s->u.for_.x);
        if (s->u.for_.hi) {
            puts_(o, "..");
            expr(o, s->u.for_.hi);
        }
        if (s->u.for_.step) {
            puts_(o, " by ");
            expr(o, s->u.for_.step);
        }
        puts_(o, " ");
        if (s->u.for_.body)
            block(o, s->u.for_.body, indent);
        break;
    case ST_RETURN:
        puts_(o, "return");
        if (s->u.ret.x) {
            puts_(o, " ");
            expr(o, s->u.ret.x);
        }
        break;
    case ST_BREAK: puts_(o, "break"); break;
    case ST_CONTINUE: puts_(o, "continue"); break;
    case ST_GO:
        puts_(o, "go ");
        expr(o, s->u.go.call);
        break;
    }
    puts_(o, "\n");
}

static const char *finish(lang_unit *u, out *o)
{
    const char *s = lang_arena_strndup(&u->arena, o->p ? o->p : "", o->len);
    free(o->p);
    return s;
}

const char *lang_expr_to_string(lang_unit *u, const lang_expr *e)
{
    out o = {0};
    expr(&o, e);
    return finish(u, &o);
}

const char *lang_program_to_string(lang_unit *u, const lang_program *p)
{
    out o = {0};
    for (int i = 0; i < p->ndecls; i++) {
        const lang_decl *d = p->decls[i];
        switch (d->kind) {
        case DECL_FN:
            puts_(&o, "fn ");
            puts_(&o, d->fn->name ? d->fn->name : "?");
            signature(&o, d->fn);
            puts_(&o, " ");
            if (d->fn->body)
                block(&o, d->fn->body, 0);
            puts_(&o, "\n");
            break;
        case DECL_STRUCT:
            putf(&o, "struct %s {\n", d->st->name ? d->st->name : "?");
            for (int j = 0; j < d->st->nfields; j++) {
                putf(&o, "    %s: ", d->st->fields[j].name);
                texpr(&o, d->st->fields[j].texpr);
                puts_(&o, "\n");
            }
            puts_(&o, "}\n");
            break;
        case DECL_VAR:
        case DECL_CONST:
            var(&o, d->var);
            puts_(&o, "\n");
            break;
        }
    }
    return finish(u, &o);
}
