/*
 * test_lexer.c: suite `lexer`: every token kind, Go's semicolon insertion
 * in and out of brackets, literals at their limits, escapes, and errors
 * with their positions.
 */
#include "lang/lang.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <string.h>

enum { MAXTOK = 256 };

typedef struct lexed {
    lang_unit *u;
    lx_token t[MAXTOK];
    int n;
} lexed;

/* Lexes src (len bytes, may hold NULs) to EOF. */
static lexed *lex_n(const char *src, size_t len)
{
    static lexed L; /* one at a time: each test frees it with done() */
    memset(&L, 0, sizeof L);
    L.u = lang_unit_new("t.toy", src, len);
    lx_lexer lx;
    lx_init(&lx, L.u->text, L.u->len, &L.u->diags, &L.u->arena);
    do {
        L.t[L.n] = lx_next(&lx);
    } while (L.t[L.n++].kind != TK_EOF && L.n < MAXTOK);
    lx_free(&lx);
    return &L;
}

static lexed *lex(const char *src) { return lex_n(src, strlen(src)); }

static void done(lexed *L) { lang_unit_free(L->u); }

/* The kinds as a string of names separated by spaces, ';' marking an
 * inserted semicolon as "NL". */
static const char *kinds(lexed *L)
{
    static char buf[2048];
    buf[0] = '\0';
    for (int i = 0; i < L->n; i++) {
        if (i)
            strcat(buf, " ");
        if (L->t[i].kind == TK_SEMI && L->t[i].inserted)
            strcat(buf, "NL");
        else if (L->t[i].kind == TK_IDENT || L->t[i].kind == TK_INT ||
                 L->t[i].kind == TK_FLOAT || L->t[i].kind == TK_STRING)
            strncat(buf, L->t[i].start, (size_t)L->t[i].len);
        else
            strcat(buf, lx_kind_name(L->t[i].kind));
    }
    return buf;
}

#define KINDS(src, want)                         \
    do {                                         \
        lexed *L_ = lex(src);                    \
        CU_ASSERT_STRING_EQUAL(kinds(L_), want); \
        CU_ASSERT_EQUAL(L_->u->diags.n, 0);      \
        done(L_);                                \
    } while (0)

static void test_operators(void)
{
    KINDS("+ - * / % & | ^ << >> ~ == != < <= > >= && || ! = += -= *= /= %= "
          "( ) { } [ ] , : ; . -> ..",
          "+ - * / % & | ^ << >> ~ == != < <= > >= && || ! = += -= *= /= %= "
          "( ) { } [ ] , : ; . -> .. end of file");
    /* Longest match, no spaces. */
    KINDS("a<<=b", "a << = b NL end of file");
    KINDS("x->y..z", "x -> y .. z NL end of file");
}

static void test_keywords(void)
{
    KINDS("fn struct var const if else while for in return break continue true false "
          "nil map",
          "fn struct var const if else while for in return break continue true false "
          "nil map end of file");
    KINDS("fnx _in in_ MAP Fn _ _9", "fnx _in in_ MAP Fn _ _9 NL end of file");
}

static void test_literal_kinds(void)
{
    lexed *L = lex("12 1.5 \"s\" x");
    CU_ASSERT_EQUAL(L->t[0].kind, TK_INT);
    CU_ASSERT_EQUAL(L->t[1].kind, TK_FLOAT);
    CU_ASSERT_EQUAL(L->t[2].kind, TK_STRING);
    CU_ASSERT_EQUAL(L->t[3].kind, TK_IDENT);
    done(L);
}

static void test_semicolon_insertion(void)
{
    /* After identifier, literals, ) ] } return break continue. */
    KINDS("x\n1\n1.5\n\"s\"\ntrue\nfalse\nnil\n",
          "x NL 1 NL 1.5 NL \"s\" NL true NL false NL nil NL end of file");
    lexed *L = lex("return\nbreak\ncontinue\n)\n]\n}\n");
    CU_ASSERT_STRING_EQUAL(kinds(L), "return NL break NL continue NL ) NL ] NL } NL end of file");
    done(L);
    /* Not after operators, commas, opening brackets, keywords like if. */
    KINDS("a +\nb", "a + b NL end of file");
    KINDS("if\nx", "if x NL end of file");
    KINDS("{\nx\n}", "{ x NL } NL end of file");
    /* Blank lines and comments do not add more. */
    KINDS("x\n\n\n// c\ny", "x NL y NL end of file");
    KINDS("x // comment\ny", "x NL y NL end of file");
    /* A block comment spanning lines acts as a newline, one on a line not. */
    KINDS("x /* a\n b */ y", "x NL y NL end of file");
    KINDS("x /* a */ y", "x y NL end of file");
    /* At the end of input, as Go. */
    KINDS("x", "x NL end of file");
    KINDS("", "end of file");
}

static void test_semicolons_in_brackets(void)
{
    /* No insertion while the innermost bracket is ( or [. */
    KINDS("f(a,\nb\n)\n", "f ( a , b ) NL end of file");
    KINDS("[1\n,2\n]\n", "[ 1 , 2 ] NL end of file");
    /* { inside ( turns insertion back on, until its } closes. */
    KINDS("f(fn() {\nx\n}\n)\n", "f ( fn ( ) { x NL } ) NL end of file");
    /* Nested: only the line inside braces gets one. */
    KINDS("[(\n{\nx\n}\n)\n]\n", "[ ( { x NL } ) ] NL end of file");
    KINDS("{(\n[\ny\n]\n)\nz\n}", "{ ( [ y ] ) NL z NL } NL end of file");
}

static void test_positions(void)
{
    lexed *L = lex("fn main() {\n\tvar xy = 10\n  return\n}");
    /* fn@1:1 main@1:4 (@1:8 )@1:9 {@1:11 var@2:2 xy@2:6 =@2:9 10@2:11 NL@2:13 */
    CU_ASSERT_EQUAL(L->t[0].line, 1);
    CU_ASSERT_EQUAL(L->t[0].col, 1);
    CU_ASSERT_EQUAL(L->t[1].col, 4);
    CU_ASSERT_EQUAL(L->t[4].col, 11);
    CU_ASSERT_EQUAL(L->t[5].line, 2);
    CU_ASSERT_EQUAL(L->t[5].col, 2);
    CU_ASSERT_EQUAL(L->t[6].col, 6);
    CU_ASSERT_EQUAL(L->t[6].len, 2);
    CU_ASSERT_EQUAL(L->t[8].col, 11);
    CU_ASSERT(L->t[9].inserted);
    CU_ASSERT_EQUAL(L->t[9].line, 2);
    CU_ASSERT_EQUAL(L->t[9].col, 13);
    CU_ASSERT_EQUAL(L->t[10].kind, TK_RETURN);
    CU_ASSERT_EQUAL(L->t[10].line, 3);
    CU_ASSERT_EQUAL(L->t[10].col, 3);
    CU_ASSERT_EQUAL(L->t[12].kind, TK_RBRACE);
    CU_ASSERT_EQUAL(L->t[12].line, 4);
    CU_ASSERT_EQUAL(L->t[12].col, 1);
    done(L);
}

static int64_t int_of(const char *src, int *nerr)
{
    lexed *L = lex(src);
    int64_t v = L->t[0].kind == TK_INT ? L->t[0].v.i : -12345;
    *nerr = L->u->diags.n;
    done(L);
    return v;
}

static void test_int_limits(void)
{
    int e;
    CU_ASSERT_EQUAL(int_of("9223372036854775807", &e), INT64_MAX);
    CU_ASSERT_EQUAL(e, 0);
    int_of("9223372036854775808", &e);
    CU_ASSERT_EQUAL(e, 1);
    int_of("99999999999999999999999", &e);
    CU_ASSERT_EQUAL(e, 1);
    CU_ASSERT_EQUAL(int_of("0x7FFF_FFFF_FFFF_FFFF", &e), INT64_MAX);
    CU_ASSERT_EQUAL(e, 0);
    int_of("0x8000000000000000", &e);
    CU_ASSERT_EQUAL(e, 1);
    CU_ASSERT_EQUAL(int_of("0x1F", &e), 31);
    CU_ASSERT_EQUAL(int_of("0XfF", &e), 255);
    CU_ASSERT_EQUAL(int_of("0b101", &e), 5);
    CU_ASSERT_EQUAL(int_of("1_000_000", &e), 1000000);
    CU_ASSERT_EQUAL(e, 0);
    CU_ASSERT_EQUAL(int_of("0", &e), 0);
    /* -9223372036854775808 is unary minus on an out-of-range literal:
     * an error at the literal (col 2), as lexer.re documents. */
    lexed *L = lex("-9223372036854775808");
    CU_ASSERT_EQUAL(L->t[0].kind, TK_MINUS);
    CU_ASSERT_EQUAL(L->t[1].kind, TK_INT);
    CU_ASSERT_EQUAL(L->u->diags.n, 1);
    CU_ASSERT_EQUAL(L->u->diags.v[0].col, 2);
    done(L);
}

static void test_malformed_numbers(void)
{
    const char *bad[] = {"1_", "1__0", "0x", "0b2", "0b", "1e", "1e+", "1.5e", "12abc", "0x1G"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lexed *L = lex(bad[i]);
        CU_ASSERT_EQUAL(L->u->diags.n, 1);
        if (L->u->diags.n)
            CU_ASSERT_STRING_EQUAL(L->u->diags.v[0].msg, "malformed number literal");
        done(L);
    }
}

static void test_floats(void)
{
    lexed *L = lex("1.5 2e10 3.0e-2 1E+3 0.1 1_0.2_5 1e308");
    CU_ASSERT_EQUAL(L->u->diags.n, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[0].v.f, 1.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[1].v.f, 2e10, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[2].v.f, 3.0e-2, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[3].v.f, 1e3, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[4].v.f, 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[5].v.f, 10.25, 0);
    CU_ASSERT_DOUBLE_EQUAL(L->t[6].v.f, 1e308, 0);
    done(L);
    L = lex("1e309");
    CU_ASSERT_EQUAL(L->u->diags.n, 1);
    done(L);
    /* A point needs digits on both sides: ranges and fields lex apart. */
    KINDS("0..n", "0 .. n NL end of file");
    KINDS("1..2", "1 .. 2 NL end of file");
    KINDS("1.x", "1 . x NL end of file");
    KINDS("a.b.c", "a . b . c NL end of file");
}

static void test_escapes(void)
{
    lexed *L = lex("\"\\n\\t\\r\\\\\\\"\\0\\x41\\u{e9}\\u{1F600}\\u{41}z\"");
    CU_ASSERT_EQUAL(L->u->diags.n, 0);
    CU_ASSERT_EQUAL(L->t[0].kind, TK_STRING);
    const char want[] = "\n\t\r\\\"\0A\xc3\xa9\xf0\x9f\x98\x80" "Az";
    CU_ASSERT_EQUAL(L->t[0].v.str.n, sizeof want - 1);
    CU_ASSERT(memcmp(L->t[0].v.str.s, want, sizeof want - 1) == 0);
    done(L);
    L = lex("\"h\xc3\xa9llo\" \"\"");
    CU_ASSERT_EQUAL(L->t[0].v.str.n, 6);
    CU_ASSERT_EQUAL(L->t[1].v.str.n, 0);
    done(L);
}

/* The one error src produces, at line:col with msg. */
static void one_error(const char *src, size_t len, int line, int col, const char *msg)
{
    lexed *L = lex_n(src, len);
    CU_ASSERT_EQUAL(L->u->diags.n, 1);
    if (L->u->diags.n != 1)
        for (int i = 0; i < L->u->diags.n; i++)
            fprintf(stderr, "%s: %d:%d: %s\n", src, L->u->diags.v[i].line,
                    L->u->diags.v[i].col, L->u->diags.v[i].msg);
    if (L->u->diags.n >= 1) {
        CU_ASSERT_EQUAL(L->u->diags.v[0].line, line);
        CU_ASSERT_EQUAL(L->u->diags.v[0].col, col);
        CU_ASSERT_STRING_EQUAL(L->u->diags.v[0].msg, msg);
    }
    done(L);
}

#define ONE_ERROR(src, line, col, msg) one_error(src, sizeof src - 1, line, col, msg)

static void test_errors(void)
{
    ONE_ERROR("x = \"a\\qb\"", 1, 7, "unknown escape sequence \\q");
    ONE_ERROR("\n  \"abc", 2, 3, "unterminated string literal");
    ONE_ERROR("\"abc\ndef", 1, 1, "unterminated string literal");
    ONE_ERROR("\"\\x4\"", 1, 2, "\\x escape needs two hex digits");
    ONE_ERROR("\"\\u{110000}\"", 1, 2, "invalid Unicode code point in \\u{...} escape");
    ONE_ERROR("\"\\u{D800}\"", 1, 2, "invalid Unicode code point in \\u{...} escape");
    ONE_ERROR("\"\\u41\"", 1, 2, "\\u escape needs hex digits in braces: \\u{HHHH}");
    ONE_ERROR("a\n/* never\nclosed", 2, 1, "unterminated block comment");
    ONE_ERROR("a @ b", 1, 3, "unexpected character '@'");
    ONE_ERROR("a \xc3\xa9 b", 1, 3, "unexpected character 0xc3");
    ONE_ERROR("a\n  $", 2, 3, "unexpected character '$'");
    /* An embedded NUL is an error, not the end of the input. */
    ONE_ERROR("a\0b", 1, 2, "NUL character in source");
    ONE_ERROR("\"a\0b\"", 1, 3, "NUL character in source");
    ONE_ERROR("/* a\n\0 */", 2, 1, "NUL character in source");
    lexed *L = lex_n("a\0b", 3);
    CU_ASSERT_STRING_EQUAL(kinds(L), "a b NL end of file");
    done(L);
    /* A bad character is a TK_ERROR token (the parser stays quiet on it). */
    L = lex("#");
    CU_ASSERT_EQUAL(L->t[0].kind, TK_ERROR);
    done(L);
    /* ...and ends a statement at a newline, as does an unterminated string,
     * so the parser resynchronizes at the end of the line. */
    L = lex("x = #\ny = \"abc\nz");
    CU_ASSERT_STRING_EQUAL(kinds(L), "x = bad token NL y = bad token NL z NL end of file");
    done(L);
}

static void test_kind_names(void)
{
    CU_ASSERT_STRING_EQUAL(lx_kind_name(TK_SHL), "<<");
    CU_ASSERT_STRING_EQUAL(lx_kind_name(TK_CONTINUE), "continue");
    CU_ASSERT_STRING_EQUAL(lx_kind_name(TK_IDENT), "identifier");
    CU_ASSERT_STRING_EQUAL(lx_kind_name((lx_kind)9999), "?");
}

static void test_deep_brackets(void)
{
    /* The bracket stack grows without bound: 100,000 open parentheses. */
    enum { N = 100000 };
    static char src[2 * N + 4];
    memset(src, '(', N);
    src[N] = '\n';
    memset(src + N + 1, ')', N);
    lang_unit *u = lang_unit_new("t.toy", src, 2 * N + 1);
    lx_lexer lx;
    lx_init(&lx, u->text, u->len, &u->diags, &u->arena);
    int n = 0, semis = 0;
    lx_token t;
    while ((t = lx_next(&lx)).kind != TK_EOF) {
        n++;
        semis += t.kind == TK_SEMI;
    }
    CU_ASSERT_EQUAL(n, 2 * N + 1); /* one inserted at the end, after ')' */
    CU_ASSERT_EQUAL(semis, 1);
    lx_free(&lx);
    lang_unit_free(u);
}

int main(int argc, char **argv)
{
    CU_TestInfo tests[] = {
        {"operators", test_operators},
        {"keywords", test_keywords},
        {"literal_kinds", test_literal_kinds},
        {"semicolon_insertion", test_semicolon_insertion},
        {"semicolons_in_brackets", test_semicolons_in_brackets},
        {"positions", test_positions},
        {"int_limits", test_int_limits},
        {"malformed_numbers", test_malformed_numbers},
        {"floats", test_floats},
        {"escapes", test_escapes},
        {"errors", test_errors},
        {"kind_names", test_kind_names},
        {"deep_brackets", test_deep_brackets},
        CU_TEST_INFO_NULL,
    };
    CU_SuiteInfo suites[] = {
        {"lexer", NULL, NULL, NULL, NULL, tests},
        CU_SUITE_INFO_NULL,
    };
    return unit_main("lexer", suites, argc, argv);
}
