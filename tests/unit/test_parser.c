/*
 * test_parser.c: suite `parser`: precedence and associativity (the AST
 * printed back fully parenthesized), every expression and statement form,
 * error recovery (several errors in one run), and deep nesting, which
 * must give a diagnostic and never overflow the C stack.
 */
#include "lang/lang.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The expression src printed back, or "ERROR: first message". */
static char *show(const char *src)
{
    static char buf[4096];
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    lang_expr *e = ps_parse_expr_text(u);
    if (e)
        snprintf(buf, sizeof buf, "%s", lang_expr_to_string(u, e));
    else
        snprintf(buf, sizeof buf, "ERROR: %s", u->diags.n ? u->diags.v[0].msg : "?");
    lang_unit_free(u);
    return buf;
}

#define SHOWS(src, want) CU_ASSERT_STRING_EQUAL(show(src), want)

static void test_precedence(void)
{
    SHOWS("1 + 2 * 3", "(1 + (2 * 3))");
    SHOWS("1 * 2 + 3", "((1 * 2) + 3)");
    SHOWS("a || b && c", "(a || (b && c))");
    SHOWS("a && b || c", "((a && b) || c)");
    SHOWS("a + b == c * d && e || f", "((((a + b) == (c * d)) && e) || f)");
    SHOWS("a < b == c > d", "(((a < b) == c) > d)");
    /* Go's table: << >> & bind as *, | ^ as +. */
    SHOWS("a << 2 + 1", "((a << 2) + 1)");
    SHOWS("a + b >> 1", "(a + (b >> 1))");
    SHOWS("a | b ^ c & d", "((a | b) ^ (c & d))");
    SHOWS("a & b == c", "((a & b) == c)");
    SHOWS("a % b * c / d", "(((a % b) * c) / d)");
    /* Unary binds tightest. */
    SHOWS("-a * b", "((-a) * b)");
    SHOWS("!a && b", "((!a) && b)");
    SHOWS("~a & b", "((~a) & b)");
    SHOWS("- - x", "(-(-x))");
    SHOWS("-f(x)[i].y", "(-f(x)[i].y)");
    SHOWS("(1 + 2) * 3", "((1 + 2) * 3)");
    SHOWS("a == b != c", "((a == b) != c)");
}

static void test_associativity(void)
{
    SHOWS("1 - 2 - 3", "((1 - 2) - 3)");
    SHOWS("a / b / c", "((a / b) / c)");
    SHOWS("a << b << c", "((a << b) << c)");
    SHOWS("a || b || c", "((a || b) || c)");
    SHOWS("a && b && c", "((a && b) && c)");
    SHOWS("s + t + u", "((s + t) + u)");
}

static void test_primaries(void)
{
    SHOWS("f(1, g(2), h())", "f(1, g(2), h())");
    SHOWS("a[1][2].b.c(3)", "a[1][2].b.c(3)");
    SHOWS("[1, 2, 3]", "[1, 2, 3]");
    SHOWS("[]", "[]");
    SHOWS("[[1], []]", "[[1], []]");
    SHOWS("{\"a\": 1, \"b\": 2}", "{\"a\": 1, \"b\": 2}");
    SHOWS("{}", "{}");
    SHOWS("Node{left: nil, item: 1 + 2}", "Node{left: nil, item: (1 + 2)}");
    SHOWS("P{}", "P{}");
    SHOWS("make([int], 10)", "make([int], 10)");
    SHOWS("make(map[string][int])", "make(map[string][int])");
    SHOWS("make([fn(int) -> int], 2)", "make([fn(int) -> int], 2)");
    SHOWS("fn (x: int) -> int { return x + k }", "fn(x: int) -> int {\n    return (x + k)\n}");
    SHOWS("fn () { }", "fn() {\n}");
    SHOWS("true && false || nil == x", "((true && false) || (nil == x))");
    SHOWS("\"a\\n\\\"b\\\"\"", "\"a\\n\\\"b\\\"\"");
    SHOWS("1.5 + 2e3", "(1.5 + 2000)");
    SHOWS("0x10 + 0b11 + 1_000", "((16 + 3) + 1000)");
    /* Literals spanning lines: commas or newlines between elements. */
    SHOWS("[\n1,\n2\n]", "[1, 2]");
    SHOWS("{\n\"a\": 1,\n\"b\": 2\n}", "{\"a\": 1, \"b\": 2}");
    SHOWS("P{\nx: 1\ny: 2\n}", "P{x: 1, y: 2}");
    SHOWS("P{\nx: 1,\ny: 2,\n}", "P{x: 1, y: 2}");
    SHOWS("f(\n1,\n2\n)", "f(1, 2)");
}

static void test_expression_errors(void)
{
    SHOWS("1 +", "ERROR: expected expression, found end of file");
    SHOWS("(1", "ERROR: expected ')', found end of file");
    SHOWS("f(1,,2)", "ERROR: expected expression, found ','");
    SHOWS("a.1", "ERROR: expected name, found literal 1");
    SHOWS("1 2", "ERROR: expected end of expression, found literal 2");
}

/* The program src printed back, or NULL after errors (count in *nerr). */
static char *program(const char *src, int *nerr)
{
    static char buf[8192];
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    *nerr = lang_unit_parse(u);
    snprintf(buf, sizeof buf, "%s", lang_program_to_string(u, u->program));
    lang_unit_free(u);
    return buf;
}

static void test_statements(void)
{
    int n;
    const char *src =
        "struct S { a: int, b: [S] }\n"
        "const K = 1\n"
        "var g: map[string]int = {}\n"
        "fn f(x: int, y: fn(int) -> bool) -> int {\n"
        "    var a = 1; var b: int\n"
        "    if a < x { a = 2 } else if a > x { a += 3 } else { a -= 1 }\n"
        "    while a > 0 { a /= 2; if a == 1 { break } else { continue } }\n"
        "    for i in 0..10 { a *= i }\n"
        "    for k, v in g { a %= v }\n"
        "    for e in [1] { }\n"
        "    { var inner = 1 }\n"
        "    f(1, y)\n"
        "    return a\n"
        "}\n";
    const char *want =
        "struct S {\n    a: int\n    b: [S]\n}\n"
        "const K = 1\n"
        "var g: map[string]int = {}\n"
        "fn f(x: int, y: fn(int) -> bool) -> int {\n"
        "    var a = 1\n"
        "    var b: int\n"
        "    if (a < x) {\n        a = 2\n    } else if (a > x) {\n        a += 3\n"
        "    } else {\n        a -= 1\n    }\n"
        "    while (a > 0) {\n        a /= 2\n        if (a == 1) {\n            break\n"
        "        } else {\n            continue\n        }\n    }\n"
        "    for i in 0..10 {\n        a *= i\n    }\n"
        "    for k, v in g {\n        a %= v\n    }\n"
        "    for e in [1] {\n    }\n"
        "    {\n        var inner = 1\n    }\n"
        "    f(1, y)\n"
        "    return a\n"
        "}\n";
    CU_ASSERT_STRING_EQUAL(program(src, &n), want);
    CU_ASSERT_EQUAL(n, 0);
}

static void test_composite_in_headers(void)
{
    int n;
    /* `x {` in an if/while/for header opens the block, as in Go... */
    CU_ASSERT_STRING_EQUAL(program("fn f() {\n if x { }\n while y { }\n for e in a { }\n}", &n),
                           "fn f() {\n    if x {\n    }\n    while y {\n    }\n"
                           "    for e in a {\n    }\n}\n");
    CU_ASSERT_EQUAL(n, 0);
    /* ...but parentheses allow a struct literal again. */
    CU_ASSERT_STRING_EQUAL(program("fn f() { if x == (P{a: 1}) { } }", &n),
                           "fn f() {\n    if (x == P{a: 1}) {\n    }\n}\n");
    CU_ASSERT_EQUAL(n, 0);
}

/* Every diagnostic of a program as "line:col: msg" lines. */
static char *diags(const char *src)
{
    static char buf[4096];
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    lang_unit_parse(u);
    buf[0] = '\0';
    for (int i = 0; i < u->diags.n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, sizeof buf - l, "%d:%d: %s\n", u->diags.v[i].line,
                 u->diags.v[i].col, u->diags.v[i].msg);
    }
    lang_unit_free(u);
    return buf;
}

static void test_recovery(void)
{
    /* One error per broken statement, then the parser goes on. */
    CU_ASSERT_STRING_EQUAL(diags("fn main() {\n"
                                 "    var = 1\n"
                                 "    x = (2 +\n"
                                 "    )\n"
                                 "    y = 3 4\n"
                                 "    ok = 1\n"
                                 "}\n"
                                 "blah\n"
                                 "fn g( {\n"
                                 "}\n"
                                 "struct S { a int }\n"
                                 "fn h() { return }\n"
                                 "fn i() { if x {} while y {} }\n"),
                           "2:9: expected name, found '='\n"
                           "4:5: expected expression, found ')'\n"
                           "5:11: unexpected literal 4 at end of statement\n"
                           "8:1: expected declaration (fn, struct, var or const), found name blah\n"
                           "9:7: expected name, found '{'\n"
                           "11:14: expected ':', found name int\n"
                           "13:18: unexpected 'while' at end of statement\n");
    /* An error inside brackets skips to the matching closer: one error. */
    CU_ASSERT_STRING_EQUAL(diags("fn main() { P{a 1} }\nfn g() { f(1 +, 2); h([1 2], {3 4}) }\n"),
                           "1:17: expected ':', found literal 1\n"
                           "2:15: expected expression, found ','\n"
                           "2:26: expected ']', found literal 2\n");
    CU_ASSERT_STRING_EQUAL(diags("fn main() {\n    if {}\n    while { }\n}\n"),
                           "2:8: expected condition, found '{'\n"
                           "3:11: expected condition, found '{'\n");
    CU_ASSERT_STRING_EQUAL(diags("fn main() {\n    print(1)\n"),
                           "3:1: expected '}', found end of file\n");
    CU_ASSERT_STRING_EQUAL(diags("fn main() {\n    if x {\n    }\n    else {\n    }\n}\n"),
                           "4:5: else must follow the '}' of its if on the same line\n");
}

/* A function body: pre, n copies of open, mid, n copies of close. */
static char *nest(int n, const char *pre, const char *open, const char *mid, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close), lm = strlen(mid), lp = strlen(pre);
    char *s = malloc((size_t)n * (lo + lc) + lm + lp + 64);
    char *p = s;
    p += sprintf(p, "fn main() {\n%s", pre);
    for (int i = 0; i < n; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, mid, lm);
    p += lm;
    for (int i = 0; i < n; i++, p += lc)
        memcpy(p, close, lc);
    sprintf(p, "\n}\n");
    return s;
}

static void deep(int n, const char *pre, const char *open, const char *mid, const char *close,
                 int want_errors)
{
    char *src = nest(n, pre, open, mid, close);
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    int errs = lang_unit_check(u);
    CU_ASSERT_EQUAL(errs, want_errors);
    if (want_errors && errs)
        CU_ASSERT_PTR_NOT_NULL(strstr(u->diags.v[0].msg, "too deeply nested"));
    if (errs != want_errors)
        fprintf(stderr, "deep(%d, %s%s): %d errors: %s\n", n, pre, open, errs,
                errs ? u->diags.v[0].msg : "");
    lang_unit_free(u);
    free(src);
}

static void test_deep_nesting(void)
{
    /* Within the limit: fine, and checked. */
    deep(200, "var x = ", "(", "1", ")", 0);
    deep(200, "", "{", "var x = 1", "}", 0);
    deep(200, "var x = ", "abs(", "1", ")", 0);
    deep(200, "var a = ", "[", "1", "]", 0);
    deep(200, "var x = ", "-", "1", "", 0);
    deep(200, "", "while true {", "break", "}", 0);
    /* Just under the limit: parser, checker and printer recurse ~1000
     * levels deep (this also runs under ASan's bigger frames). */
    deep(990, "var x = ", "(", "1", ")", 0);
    deep(990, "", "{", "var x = 1", "}", 0);
    deep(990, "var a = ", "[", "1", "]", 0);
    deep(990, "var x = ", "-", "1", "", 0);
    deep(990, "var x = 1", "", "", "+1", 0);
    deep(490, "var x = 1\n", "var f = fn() {", "x += 1", "}", 0);
    deep(990, "var x: ", "[", "int", "]", 0);
    /* 100,000 levels: one diagnostic, no stack overflow. */
    deep(100000, "var x = ", "(", "1", ")", 1);
    deep(100000, "", "{", "", "}", 1);
    deep(100000, "var x = ", "[", "1", "]", 1);
    deep(100000, "var x = ", "-", "1", "", 1);
    deep(100000, "var x = ", "!", "true", "", 1);
    deep(100000, "", "if true {", "", "}", 1);
    deep(100000, "", "var f = fn() {", "", "}", 1);
    deep(100000, "var x = ", "abs(", "1", ")", 1);
    deep(100000, "var x: ", "[", "int", "]", 1);
    deep(100000, "var x: ", "map[int]", "int", "", 1);
    /* Long flat chains build deep trees too: 1+1+..., a[0][0]..., f()()... */
    deep(100000, "var x = 1", "", "", "+1", 1);
    deep(100000, "var x = a", "", "", "[0]", 1);
    deep(100000, "var x = f", "", "", "()", 1);
    deep(100000, "var x = a", "", "", ".b", 1);
}

static void test_else_if_chain(void)
{
    /* A long else-if chain is nesting too; 500 links are fine. */
    char *src = malloc(500 * 40 + 64);
    char *p = src;
    p += sprintf(p, "fn main() {\n    var x = 1\n    if x == 0 { }");
    for (int i = 1; i < 500; i++)
        p += sprintf(p, " else if x == %d { }", i);
    sprintf(p, "\n}\n");
    lang_unit *u = lang_unit_new("t.toy", src, strlen(src));
    CU_ASSERT_EQUAL(lang_unit_check(u), 0);
    lang_unit_free(u);
    free(src);
}

int main(int argc, char **argv)
{
    CU_TestInfo tests[] = {
        {"precedence", test_precedence},
        {"associativity", test_associativity},
        {"primaries", test_primaries},
        {"expression_errors", test_expression_errors},
        {"statements", test_statements},
        {"composite_in_headers", test_composite_in_headers},
        {"recovery", test_recovery},
        {"deep_nesting", test_deep_nesting},
        {"else_if_chain", test_else_if_chain},
        CU_TEST_INFO_NULL,
    };
    CU_SuiteInfo suites[] = {
        {"parser", NULL, NULL, NULL, NULL, tests},
        CU_SUITE_INFO_NULL,
    };
    return unit_main("parser", suites, argc, argv);
}
