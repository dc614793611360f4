/*
 * test_check.c: suite `checker`: the annotations ast.h promises the
 * compiler (slots, captures, resolved references, call kinds, field
 * indexes, interned types, folded constants), the built-in table, and
 * diagnostics as data in source order.
 */
#include "lang/lang.h"
#include "stdlib/builtins.h"
#include "tests/unit/unit.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lang_unit *check(const char *src)
{
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    int n = lang_unit_check(u);
    if (n)
        for (int i = 0; i < n; i++)
            fprintf(stderr, "unexpected: %d:%d: %s\n", u->diags.v[i].line, u->diags.v[i].col,
                    u->diags.v[i].msg);
    CU_ASSERT_EQUAL(n, 0);
    return u;
}

static lang_func *func(lang_unit *u, const char *name)
{
    for (int i = 0; i < u->program->nfuncs; i++)
        if (strcmp(u->program->funcs[i]->name, name) == 0)
            return u->program->funcs[i];
    CU_FAIL("no such function");
    return NULL;
}

static lang_stmt *stmt(lang_func *f, int i) { return f->body->u.block.stmts[i]; }

static int builtin_index(const char *name)
{
    for (int i = 0; i < std_builtin_count; i++)
        if (strcmp(std_builtin_table[i].name, name) == 0)
            return i;
    return -1;
}

static void test_slots(void)
{
    lang_unit *u = check("fn f(a: int, b: string) {\n"
                         "    var c = 1\n"
                         "    { var d = 2 }\n"
                         "    var e = \"x\"\n"
                         "    for i in 0..3 { var w = i }\n"
                         "}\n"
                         "fn main() {}\n");
    lang_func *f = func(u, "f");
    CU_ASSERT_EQUAL(f->nparams, 2);
    CU_ASSERT_EQUAL(f->nlocals, 7);
    const char *names[] = {"a", "b", "c", "d", "e", "i", "w"};
    int slots[] = {0, 1, 2, 3, 3, 4, 5};
    for (int i = 0; i < 7 && i < f->nlocals; i++) {
        CU_ASSERT_STRING_EQUAL(f->locals[i]->name, names[i]);
        CU_ASSERT_EQUAL(f->locals[i]->slot, slots[i]);
        CU_ASSERT_EQUAL(f->locals[i]->is_param, i < 2);
        CU_ASSERT_FALSE(f->locals[i]->captured);
    }
    CU_ASSERT_EQUAL(f->nslots, 6);
    CU_ASSERT_EQUAL(f->locals[1]->type->kind, TY_STRING);
    CU_ASSERT_PTR_EQUAL(stmt(f, 0)->u.var.local, f->locals[2]);
    lang_stmt *loop = stmt(f, 3);
    CU_ASSERT_EQUAL(loop->u.for_.kind, FOR_RANGE);
    CU_ASSERT_PTR_EQUAL(loop->u.for_.var1, f->locals[5]);
    lang_unit_free(u);
}

static void test_captures(void)
{
    lang_unit *u = check("fn outer() -> fn() -> int {\n"
                         "    var x = 1\n"
                         "    var y = 2\n"
                         "    var g = fn () -> fn () -> int {\n"
                         "        var z = 3\n"
                         "        return fn () -> int { return x + z }\n"
                         "    }\n"
                         "    y += 1\n"
                         "    return g()\n"
                         "}\n"
                         "fn main() { print(outer()()) }\n");
    lang_program *p = u->program;
    CU_ASSERT_EQUAL(p->nfuncs_top, 2);
    CU_ASSERT_EQUAL(p->nfuncs, 4);
    lang_func *outer = p->funcs[0], *g = p->funcs[2], *inner = p->funcs[3];
    CU_ASSERT_TRUE(g->is_closure);
    CU_ASSERT_PTR_EQUAL(g->parent, outer);
    CU_ASSERT_PTR_EQUAL(inner->parent, g);
    CU_ASSERT_FALSE(outer->is_closure);
    lang_local *x = outer->locals[0], *y = outer->locals[1], *z = g->locals[0];
    CU_ASSERT_TRUE(x->captured);
    CU_ASSERT_FALSE(y->captured);
    CU_ASSERT_TRUE(z->captured);
    CU_ASSERT_EQUAL(outer->ncaptures, 0);
    /* g brings x down from outer's slot 0 for inner. */
    CU_ASSERT_EQUAL(g->ncaptures, 1);
    CU_ASSERT_PTR_EQUAL(g->captures[0].var, x);
    CU_ASSERT_TRUE(g->captures[0].from_parent_local);
    CU_ASSERT_EQUAL(g->captures[0].index, x->slot);
    CU_ASSERT_EQUAL(inner->ncaptures, 2);
    CU_ASSERT_PTR_EQUAL(inner->captures[0].var, x);
    CU_ASSERT_FALSE(inner->captures[0].from_parent_local);
    CU_ASSERT_EQUAL(inner->captures[0].index, 0);
    CU_ASSERT_PTR_EQUAL(inner->captures[1].var, z);
    CU_ASSERT_TRUE(inner->captures[1].from_parent_local);
    CU_ASSERT_EQUAL(inner->captures[1].index, z->slot);
    lang_expr *sum = stmt(inner, 0)->u.ret.x;
    CU_ASSERT_EQUAL(sum->u.binary.x->u.ident.ref.kind, REF_CAPTURE);
    CU_ASSERT_EQUAL(sum->u.binary.x->u.ident.ref.index, 0);
    CU_ASSERT_EQUAL(sum->u.binary.y->u.ident.ref.index, 1);
    /* In outer, y is a plain local. */
    lang_expr *yref = stmt(outer, 3)->u.assign.target;
    CU_ASSERT_EQUAL(yref->u.ident.ref.kind, REF_LOCAL);
    CU_ASSERT_EQUAL(yref->u.ident.ref.index, 1);
    lang_unit_free(u);
}

static void test_refs_and_calls(void)
{
    lang_unit *u = check("const K = 2 + 3\n"
                         "var g = 10\n"
                         "var h2 = 1.5\n"
                         "fn h(n: int) -> int { return n }\n"
                         "fn main() {\n"
                         "    var a = K\n"
                         "    var b = h2\n"
                         "    var f = h\n"
                         "    print(h(1), f(2), int(1.5), float(a), g, b)\n"
                         "}\n");
    lang_func *m = func(u, "main");
    lang_expr *e = stmt(m, 0)->u.var.init;
    CU_ASSERT_EQUAL(e->u.ident.ref.kind, REF_CONST);
    CU_ASSERT_TRUE(e->is_const);
    CU_ASSERT_EQUAL(e->cv.i, 5);
    e = stmt(m, 1)->u.var.init;
    CU_ASSERT_EQUAL(e->u.ident.ref.kind, REF_GLOBAL);
    CU_ASSERT_EQUAL(e->u.ident.ref.index, 1);
    CU_ASSERT_EQUAL(e->type->kind, TY_FLOAT);
    e = stmt(m, 2)->u.var.init;
    CU_ASSERT_EQUAL(e->u.ident.ref.kind, REF_FUNC);
    CU_ASSERT_EQUAL(e->u.ident.ref.index, func(u, "h")->index);
    lang_expr *call = stmt(m, 3)->u.expr.x;
    CU_ASSERT_EQUAL(call->u.call.kind, CALL_BUILTIN);
    CU_ASSERT_EQUAL(call->u.call.builtin, builtin_index("print"));
    CU_ASSERT_EQUAL(call->type->kind, TY_VOID);
    lang_expr **args = call->u.call.args;
    CU_ASSERT_EQUAL(args[0]->u.call.kind, CALL_DIRECT);
    CU_ASSERT_EQUAL(args[0]->type->kind, TY_INT);
    CU_ASSERT_EQUAL(args[1]->u.call.kind, CALL_VALUE);
    CU_ASSERT_EQUAL(args[2]->u.call.kind, CALL_CONV);
    CU_ASSERT_EQUAL(args[2]->type->kind, TY_INT);
    CU_ASSERT_TRUE(args[2]->is_const);
    CU_ASSERT_EQUAL(args[2]->cv.i, 1);
    CU_ASSERT_EQUAL(args[3]->u.call.kind, CALL_CONV);
    CU_ASSERT_EQUAL(args[3]->type->kind, TY_FLOAT);
    CU_ASSERT_FALSE(args[3]->is_const);
    CU_ASSERT_EQUAL(args[4]->u.ident.ref.kind, REF_GLOBAL);
    CU_ASSERT_EQUAL(args[4]->u.ident.ref.index, 0);
    CU_ASSERT_EQUAL(args[5]->u.ident.ref.kind, REF_LOCAL);
    CU_ASSERT_EQUAL(u->program->nglobals, 2);
    CU_ASSERT_PTR_EQUAL(u->program->main, m);
    lang_unit_free(u);
}

static void test_structs(void)
{
    lang_unit *u = check("fn main() {\n"
                         "    var x = A{n: 1}\n"
                         "    x.b = B{a: x}\n"
                         "    print(x.n, x.b.a.n)\n"
                         "}\n"
                         "struct A { b: B, n: int }\n"
                         "struct B { a: A }\n");
    lang_program *p = u->program;
    lang_struct *a = NULL, *b = NULL;
    for (int i = 0; i < p->nstructs; i++) {
        if (strcmp(p->structs[i]->name, "A") == 0)
            a = p->structs[i];
        if (strcmp(p->structs[i]->name, "B") == 0)
            b = p->structs[i];
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_EQUAL(a->fields[0].type, b->type);
    CU_ASSERT_PTR_EQUAL(b->fields[0].type, a->type);
    CU_ASSERT_PTR_EQUAL(a->type->st, a);
    lang_func *m = func(u, "main");
    lang_expr *lit = stmt(m, 0)->u.var.init;
    CU_ASSERT_PTR_EQUAL(lit->u.struct_.st, a);
    CU_ASSERT_EQUAL(lit->u.struct_.inits[0].field, 1);
    lang_expr *pr = stmt(m, 2)->u.expr.x;
    CU_ASSERT_EQUAL(pr->u.call.args[0]->u.field.index, 1);
    lang_expr *xba = pr->u.call.args[1]->u.field.x; /* x.b.a */
    CU_ASSERT_EQUAL(xba->u.field.index, 0);
    CU_ASSERT_PTR_EQUAL(xba->type, a->type);
    lang_unit_free(u);
}

static void test_interning(void)
{
    lang_unit *u = check("struct N { next: N }\n"
                         "fn main() {\n"
                         "    var a: [int] = [1]\n"
                         "    var b = [2, 3]\n"
                         "    var m: map[string]int = {\"a\": 1}\n"
                         "    var m2 = {\"b\": 2}\n"
                         "    var f: fn(int) -> [int] = fn (x: int) -> [int] { return [x] }\n"
                         "    var n: N = nil\n"
                         "    var k = keys(m)\n"
                         "    var mk = make(map[string]int)\n"
                         "}\n");
    lang_func *m = func(u, "main");
    CU_ASSERT_PTR_EQUAL(stmt(m, 0)->u.var.type, stmt(m, 1)->u.var.type);
    CU_ASSERT_PTR_EQUAL(stmt(m, 2)->u.var.type, stmt(m, 3)->u.var.type);
    CU_ASSERT_PTR_EQUAL(stmt(m, 4)->u.var.type, stmt(m, 4)->u.var.init->type);
    CU_ASSERT_PTR_EQUAL(stmt(m, 4)->u.var.type->result, stmt(m, 0)->u.var.type);
    /* nil takes the type its context gives it. */
    CU_ASSERT_PTR_EQUAL(stmt(m, 5)->u.var.init->type, stmt(m, 5)->u.var.type);
    CU_ASSERT_EQUAL(stmt(m, 5)->u.var.type->kind, TY_STRUCT);
    CU_ASSERT_STRING_EQUAL(lang_type_name(u, stmt(m, 6)->u.var.type), "[string]");
    CU_ASSERT_PTR_EQUAL(stmt(m, 7)->u.var.type, stmt(m, 2)->u.var.type);
    CU_ASSERT_EQUAL(stmt(m, 7)->u.var.init->u.call.builtin, builtin_index("make"));
    CU_ASSERT_STRING_EQUAL(lang_type_name(u, stmt(m, 4)->u.var.type), "fn(int) -> [int]");
    /* Dense ids. */
    for (int i = 0; i < u->program->ntypes; i++)
        CU_ASSERT_EQUAL(u->program->types[i]->id, i);
    CU_ASSERT_TRUE(lang_type_is_ref(stmt(m, 0)->u.var.type));
    CU_ASSERT_FALSE(lang_type_is_ref(stmt(m, 0)->u.var.type->elem));
    lang_unit_free(u);
}

static void test_for_kinds(void)
{
    lang_unit *u = check("fn main() {\n"
                         "    for i, s in [\"a\"] { print(i, s) }\n"
                         "    for s in [\"a\"] { print(s) }\n"
                         "    for k, v in {1: true} { print(k, v) }\n"
                         "    for k in {1: true} { print(k) }\n"
                         "}\n");
    lang_func *m = func(u, "main");
    lang_stmt *s = stmt(m, 0);
    CU_ASSERT_EQUAL(s->u.for_.kind, FOR_ARRAY);
    CU_ASSERT_EQUAL(s->u.for_.var1->type->kind, TY_INT);
    CU_ASSERT_EQUAL(s->u.for_.var2->type->kind, TY_STRING);
    s = stmt(m, 1);
    CU_ASSERT_EQUAL(s->u.for_.var1->type->kind, TY_STRING);
    CU_ASSERT_PTR_NULL(s->u.for_.var2);
    s = stmt(m, 2);
    CU_ASSERT_EQUAL(s->u.for_.kind, FOR_MAP);
    CU_ASSERT_EQUAL(s->u.for_.var1->type->kind, TY_INT);
    CU_ASSERT_EQUAL(s->u.for_.var2->type->kind, TY_BOOL);
    s = stmt(m, 3);
    CU_ASSERT_PTR_NULL(s->u.for_.var2);
    lang_unit_free(u);
}

static void test_const_folding(void)
{
    lang_unit *u = check("const S = \"ab\" + \"cd\"\n"
                         "const F = 1.5 * 2.0\n"
                         "const MIN = -9223372036854775807 - 1\n"
                         "const SH = 1 << 62 >> 60\n"
                         "const B = S == \"abcd\" && F > 2.9\n"
                         "const M = -7 % 3\n"
                         "const D = -7 / 2\n"
                         "const L = len(S)\n"
                         "fn main() { print(S, F, MIN, SH, B, M, D, L) }\n");
    lang_expr **a = stmt(func(u, "main"), 0)->u.expr.x->u.call.args;
    CU_ASSERT_EQUAL(a[0]->cv.n, 4);
    CU_ASSERT(memcmp(a[0]->cv.s, "abcd", 4) == 0);
    CU_ASSERT_DOUBLE_EQUAL(a[1]->cv.f, 3.0, 0);
    CU_ASSERT_EQUAL(a[2]->cv.i, INT64_MIN);
    CU_ASSERT_EQUAL(a[3]->cv.i, 4);
    CU_ASSERT_TRUE(a[4]->cv.b);
    CU_ASSERT_EQUAL(a[5]->cv.i, -1);
    CU_ASSERT_EQUAL(a[6]->cv.i, -3);
    CU_ASSERT_EQUAL(a[7]->cv.i, 4);
    for (int i = 0; i < 8; i++)
        CU_ASSERT_TRUE(a[i]->is_const);
    lang_unit_free(u);
}

static void test_builtins_table(void)
{
    const char *spec[] = {"print", "fixed", "len", "push", "pop", "has", "delete", "keys",
                          "substr", "find", "split", "join", "chr", "ord", "str",
                          "parse_int", "parse_float", "sqrt", "sin", "cos", "exp", "log",
                          "floor", "abs", "min", "max", "rand_int", "rand_seed", "clock",
                          "args", "exit", "gc", "gc_stats", "make"};
    for (size_t i = 0; i < sizeof spec / sizeof *spec; i++) {
        int k = builtin_index(spec[i]);
        CU_ASSERT(k >= 0);
        if (k >= 0)
            CU_ASSERT_STRING_EQUAL(std_builtin_table[k].name, spec[i]);
    }
    /* GCStats is a built-in struct from the prelude, with its 8 fields. */
    lang_unit *u = check("fn main() { var s = gc_stats(); print(s.pause_total_ns) }\n");
    lang_struct *st = u->program->structs[0];
    CU_ASSERT_STRING_EQUAL(st->name, "GCStats");
    CU_ASSERT_TRUE(st->builtin);
    CU_ASSERT(st->nfields >= 8);
    lang_unit_free(u);
}

static void test_diagnostics_as_data(void)
{
    /* Reported in checking order (fields, then bodies), kept in source order. */
    const char *src = "fn main() {\n"
                      "    var x: int = true\n"
                      "}\n"
                      "struct S { a: Missing }\n"
                      "fn f() -> int { }\n";
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    CU_ASSERT_EQUAL(lang_unit_check(u), 3);
    CU_ASSERT_EQUAL(u->diags.v[0].line, 2);
    CU_ASSERT_EQUAL(u->diags.v[0].col, 18);
    CU_ASSERT_STRING_EQUAL(u->diags.v[0].msg, "cannot use bool as int in initialization of x");
    CU_ASSERT_EQUAL(u->diags.v[1].line, 4);
    CU_ASSERT_EQUAL(u->diags.v[1].col, 15);
    CU_ASSERT_STRING_EQUAL(u->diags.v[1].msg, "undefined type Missing");
    CU_ASSERT_EQUAL(u->diags.v[2].line, 5);
    CU_ASSERT_EQUAL(u->diags.v[2].col, 17);
    CU_ASSERT_STRING_EQUAL(u->diags.v[2].msg, "missing return");
    /* Printed with the source line and a caret. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lang_unit_print_diags(u, f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "t.toy:4:15: error: undefined type Missing\n"
                                       "struct S { a: Missing }\n"
                                       "              ^\n"));
    free(buf);
    lang_unit_free(u);
}

/* ---- every node annotated, over every valid program ---- */

static int unannotated;

static void walk_stmt(const lang_stmt *s);

static void walk_expr(const lang_expr *e)
{
    if (!e->type || e->type->kind == TY_ERROR || e->type->kind == TY_NIL) {
        unannotated++;
        fprintf(stderr, "expression at %d:%d has no type\n", e->line, e->col);
        return;
    }
    switch (e->kind) {
    case EX_IDENT:
        if (e->u.ident.ref.kind == REF_NONE) {
            unannotated++;
            fprintf(stderr, "name %s at %d:%d unresolved\n", e->u.ident.name, e->line, e->col);
        }
        break;
    case EX_UNARY: walk_expr(e->u.unary.x); break;
    case EX_BINARY: walk_expr(e->u.binary.x); walk_expr(e->u.binary.y); break;
    case EX_CALL:
        if (e->u.call.kind == CALL_NONE)
            unannotated++;
        walk_expr(e->u.call.fn);
        for (int i = 0; i < e->u.call.nargs; i++)
            walk_expr(e->u.call.args[i]);
        break;
    case EX_INDEX: walk_expr(e->u.index.x); walk_expr(e->u.index.index); break;
    case EX_FIELD:
        if (e->u.field.index < 0)
            unannotated++;
        walk_expr(e->u.field.x);
        break;
    case EX_ARRAY:
        for (int i = 0; i < e->u.array.n; i++)
            walk_expr(e->u.array.elems[i]);
        break;
    case EX_MAP:
        for (int i = 0; i < e->u.map.n; i++) {
            walk_expr(e->u.map.keys[i]);
            walk_expr(e->u.map.vals[i]);
        }
        break;
    case EX_STRUCT:
        if (!e->u.struct_.st)
            unannotated++;
        for (int i = 0; i < e->u.struct_.n; i++) {
            if (e->u.struct_.inits[i].field < 0)
                unannotated++;
            walk_expr(e->u.struct_.inits[i].value);
        }
        break;
    case EX_CLOSURE: walk_stmt(e->u.closure.fn->body); break;
    default: break;
    }
}

static void walk_stmt(const lang_stmt *s)
{
    switch (s->kind) {
    case ST_BLOCK:
        for (int i = 0; i < s->u.block.n; i++)
            walk_stmt(s->u.block.stmts[i]);
        break;
    case ST_VAR:
        if (!s->u.var.local || !s->u.var.type)
            unannotated++;
        if (s->u.var.init)
            walk_expr(s->u.var.init);
        break;
    case ST_ASSIGN: walk_expr(s->u.assign.target); walk_expr(s->u.assign.value); break;
    case ST_EXPR: walk_expr(s->u.expr.x); break;
    case ST_IF:
        walk_expr(s->u.if_.cond);
        walk_stmt(s->u.if_.then);
        if (s->u.if_.else_)
            walk_stmt(s->u.if_.else_);
        break;
    case ST_WHILE: walk_expr(s->u.while_.cond); walk_stmt(s->u.while_.body); break;
    case ST_FOR:
        if (s->u.for_.kind == FOR_NONE || !s->u.for_.var1)
            unannotated++;
        walk_expr(s->u.for_.x);
        if (s->u.for_.hi)
            walk_expr(s->u.for_.hi);
        walk_stmt(s->u.for_.body);
        break;
    case ST_RETURN:
        if (s->u.ret.x)
            walk_expr(s->u.ret.x);
        break;
    default: break;
    }
}

static void test_every_node_annotated(void)
{
    glob_t g;
    CU_ASSERT_EQUAL_FATAL(glob("tests/toy/check/*.toy", 0, NULL, &g), 0);
    CU_ASSERT(g.gl_pathc >= 8);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        lang_unit *u = lang_unit_open(g.gl_pathv[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(u);
        CU_ASSERT_EQUAL(lang_unit_check(u), 0);
        unannotated = 0;
        lang_program *p = u->program;
        for (int j = 0; j < p->nfuncs_top; j++)
            walk_stmt(p->funcs[j]->body);
        for (int j = 0; j < p->nglobals; j++) {
            if (!p->globals[j]->type)
                unannotated++;
            if (p->globals[j]->init)
                walk_expr(p->globals[j]->init);
        }
        for (int j = 0; j < p->nfuncs; j++) {
            lang_func *f = p->funcs[j];
            if (!f->type || f->type->kind != TY_FN || f->nslots < f->nparams)
                unannotated++;
            for (int k = 0; k < f->nlocals; k++)
                if (f->locals[k]->slot >= f->nslots || f->locals[k]->fn != f)
                    unannotated++;
        }
        if (unannotated)
            fprintf(stderr, "%s: %d unannotated\n", g.gl_pathv[i], unannotated);
        CU_ASSERT_EQUAL(unannotated, 0);
        lang_unit_free(u);
    }
    globfree(&g);
}

static void test_check_file(void)
{
    /* The front door on a file that does not exist. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(lang_check_file("/nonexistent/x.toy", f), 2);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "/nonexistent/x.toy: cannot read"));
    free(buf);
}

int main(int argc, char **argv)
{
    CU_TestInfo tests[] = {
        {"slots", test_slots},
        {"captures", test_captures},
        {"refs_and_calls", test_refs_and_calls},
        {"structs", test_structs},
        {"interning", test_interning},
        {"for_kinds", test_for_kinds},
        {"const_folding", test_const_folding},
        {"builtins_table", test_builtins_table},
        {"diagnostics_as_data", test_diagnostics_as_data},
        {"every_node_annotated", test_every_node_annotated},
        {"check_file", test_check_file},
        CU_TEST_INFO_NULL,
    };
    CU_SuiteInfo suites[] = {
        {"checker", NULL, NULL, NULL, NULL, tests},
        CU_SUITE_INFO_NULL,
    };
    return unit_main("checker", suites, argc, argv);
}
