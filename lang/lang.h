/*
 * lang.h: the public header of lang/, toy's front end: lexer (lexer.re,
 * compiled by re2c), parser (parser.c), AST (ast.h), type checker
 * (check.c, types.c, constfold.c), diagnostics (diag.c).
 *
 * Data flow: lang_unit_new(name, text) -> lang_unit_check(u) runs lex, parse
 * and check; diagnostics land in u's list (data: line, col, message), the
 * checked program in lang_unit_program(u). Everything a unit allocates lives
 * in its arena and goes away with lang_unit_free(u): there is no global
 * mutable state, and freeing never recurses over the tree.
 *
 * The AST annotation contract for the compiler is documented in ast.h.
 *
 * Where the language reference (lang/README.md) is silent, the front end decides (each is tested):
 *  - -9223372036854775808 is an error: the literal is an int before the
 *    minus applies (toy has no untyped constants); write
 *    -9223372036854775807 - 1, which folds to the minimum.
 *  - `map` is reserved (the keyword of map types); `_` is the blank name
 *    (declares nothing, cannot be read).
 *  - Constant expressions are folded everywhere; int overflow, division by
 *    zero and bad shifts in them are errors (as in Go); floats fold as IEEE.
 *  - An expression statement must be a call. Built-in functions must be
 *    called (they are not values). min and max take two arguments.
 *  - `for i, x in array` gives index and element; `for x in array` the
 *    element; `for k in map` the key; a range `a..b` one int.
 *  - Top-level names may be used before their declaration; constants and
 *    inferred globals resolve lazily (cycles are errors); globals are
 *    initialized in source order.
 *  - Nesting deeper than LANG_MAX_NESTING is an error; at that depth the
 *    front end needs about 512 KB of C stack (the main thread has 8 MB):
 *    message buffers live in the checker, not in recursive frames.
 * Like Lua's llex/lparser split (luaX_/luaY_), names carry lx_ (lexer),
 * ps_ (parser), ck_ (checker) or lang_ (everything else).
 */
#ifndef LANG_LANG_H
#define LANG_LANG_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- arena ------------------------------------------------------------ */

typedef struct lang_arena {
    struct lang_chunk *head;
    size_t total; /* bytes handed out, for tests and limits */
} lang_arena;

void *lang_arena_alloc(lang_arena *a, size_t n); /* zeroed, 16-aligned */
char *lang_arena_strndup(lang_arena *a, const char *s, size_t n);
/* Room for one more element in the arena-held array v of n elements and
 * capacity *cap, doubling it when full (the old copy stays in the arena). */
void *lang_arena_grow(lang_arena *a, void *v, int n, int *cap, size_t elem);
void lang_arena_free(lang_arena *a);

/* ---- diagnostics ------------------------------------------------------ */

typedef struct lang_diag {
    int line, col;   /* 1-based; col counts bytes from the line start */
    const char *msg; /* in the unit's arena */
    int seq;         /* report order, so sorting by position is stable */
} lang_diag;

typedef struct lang_diags {
    lang_arena *arena;
    lang_diag *v;
    int n, cap;
} lang_diags;

void lang_error(lang_diags *d, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for wrappers that add their own bookkeeping (checker, compiler). */
void lang_verror(lang_diags *d, int line, int col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Sort by (line, col), keeping report order among equals. */
void lang_diags_sort(lang_diags *d);
/* "file:line:col: error: msg", the source line, a caret under the column. */
void lang_diags_print(const lang_diags *d, const char *file, const char *src,
                      size_t len, FILE *out);

/* ---- tokens and lexer (lexer.re) -------------------------------------- */

#define LANG_TOKENS(X)                                                       \
    X(TK_EOF, "end of file") X(TK_ERROR, "bad token")                      \
    X(TK_IDENT, "identifier") X(TK_INT, "integer") X(TK_FLOAT, "float")     \
    X(TK_STRING, "string")                                                   \
    X(TK_FN, "fn") X(TK_STRUCT, "struct") X(TK_VAR, "var")                  \
    X(TK_CONST, "const") X(TK_IF, "if") X(TK_ELSE, "else")                  \
    X(TK_WHILE, "while") X(TK_FOR, "for") X(TK_IN, "in")                    \
    X(TK_RETURN, "return") X(TK_BREAK, "break") X(TK_CONTINUE, "continue")  \
    X(TK_TRUE, "true") X(TK_FALSE, "false") X(TK_NIL, "nil")                \
    X(TK_MAP, "map") X(TK_BY, "by") X(TK_GO, "go") X(TK_CHAN, "chan")       \
    X(TK_PLUS, "+") X(TK_MINUS, "-") X(TK_STAR, "*") X(TK_SLASH, "/")       \
    X(TK_PERCENT, "%") X(TK_AMP, "&") X(TK_PIPE, "|") X(TK_CARET, "^")      \
    X(TK_SHL, "<<") X(TK_SHR, ">>") X(TK_TILDE, "~")                        \
    X(TK_EQ, "==") X(TK_NE, "!=") X(TK_LT, "<") X(TK_LE, "<=")              \
    X(TK_GT, ">") X(TK_GE, ">=") X(TK_ANDAND, "&&") X(TK_OROR, "||")        \
    X(TK_NOT, "!") X(TK_ASSIGN, "=") X(TK_PLUSEQ, "+=") X(TK_MINUSEQ, "-=") \
    X(TK_STAREQ, "*=") X(TK_SLASHEQ, "/=") X(TK_PERCENTEQ, "%=")            \
    X(TK_LPAREN, "(") X(TK_RPAREN, ")") X(TK_LBRACE, "{")                   \
    X(TK_RBRACE, "}") X(TK_LBRACKET, "[") X(TK_RBRACKET, "]")               \
    X(TK_COMMA, ",") X(TK_COLON, ":") X(TK_SEMI, ";") X(TK_DOT, ".")        \
    X(TK_ARROW, "->") X(TK_DOTDOT, "..")

typedef enum lx_kind {
#define LANG_TK_ENUM(k, s) k,
    LANG_TOKENS(LANG_TK_ENUM)
#undef LANG_TK_ENUM
    TK__COUNT
} lx_kind;

const char *lx_kind_name(lx_kind k); /* "+", "identifier", "fn", ... */

typedef struct lx_token {
    lx_kind kind;
    int line, col;     /* of the first byte */
    const char *start; /* into the source buffer */
    int len;           /* bytes of source (0 for an inserted semicolon) */
    bool inserted;     /* a semicolon inserted at a newline or the end */
    union {
        int64_t i; /* TK_INT */
        double f;  /* TK_FLOAT */
        struct {
            const char *s; /* TK_STRING: decoded bytes, NUL-terminated copy */
            size_t n;      /* may hold embedded NULs (from \0) */
        } str;
    } v;
} lx_token;

typedef struct lx_lexer {
    const char *src, *cur, *end; /* src[end - src] == '\0' */
    const char *line_start;
    int line;
    bool can_insert;   /* the last token allows a semicolon at a newline */
    char *brackets;    /* open brackets: '(', '[' or '{' */
    int nbrackets, capbrackets;
    lang_diags *diags;
    lang_arena *arena; /* decoded strings go here */
} lx_lexer;

/* src must have src[len] == '\0'; embedded NULs are reported as errors. */
void lx_init(lx_lexer *lx, const char *src, size_t len, lang_diags *diags,
             lang_arena *arena);
lx_token lx_next(lx_lexer *lx);
void lx_free(lx_lexer *lx);

/* The deepest nesting of brackets, blocks and operands the parser accepts;
 * deeper input gets a diagnostic instead of a C stack overflow. */
#define LANG_MAX_NESTING 1000
/* The largest source file accepted (bytes). */
#define LANG_MAX_SOURCE (256 << 20)

#include "lang/ast.h"

/* ---- units: one source file through the front end --------------------- */

typedef struct lang_unit {
    const char *name;   /* file name used in diagnostics */
    char *text;         /* NUL-terminated copy of the source */
    size_t len;
    lang_arena arena;   /* AST, types, strings, diagnostics */
    lang_diags diags;
    lang_program *program; /* after lang_unit_parse / lang_unit_check */
    bool parsed, checked;
} lang_unit;

lang_unit *lang_unit_new(const char *name, const char *text, size_t len);
/* Reads path; NULL (and errno set) when it cannot be read. */
lang_unit *lang_unit_open(const char *path);
void lang_unit_free(lang_unit *u);
/* Lex and parse; returns the number of errors so far. */
int lang_unit_parse(lang_unit *u);
/* Parse (if not yet) and, when parsing found no error, type-check.
 * Returns the number of errors; diagnostics are sorted by position. */
int lang_unit_check(lang_unit *u);
static inline int lang_unit_nerrors(const lang_unit *u) { return u->diags.n; }
void lang_unit_print_diags(const lang_unit *u, FILE *out);

/* Parses text as one expression, for tests: NULL on error. */
lang_expr *ps_parse_expr_text(lang_unit *u);
/* Fully parenthesized rendering of an expression or of a whole program
 * (ast_print.c); returns a string in the unit's arena. */
const char *lang_expr_to_string(lang_unit *u, const lang_expr *e);
const char *lang_program_to_string(lang_unit *u, const lang_program *p);
/* A type as the language spells it: "[int]", "map[string]Node". */
const char *lang_type_name(lang_unit *u, const lang_type *t);

/* ---- the compiler (compile.c, liveness.c) ----------------------------- */

/* Compiles a unit (checking it first if needed) into a finished VM
 * program with its stack maps; NULL after adding diagnostics to u (limits
 * hit, built-ins missing from this build). The program does not point
 * into u: free u whenever. */
struct vm_program;
struct vm_program *lang_compile(lang_unit *u);

/* The front door: check one file, print diagnostics to err; returns the
 * process status (0 clean, 1 errors, 2 could not read). */
int lang_check_file(const char *path, FILE *err);

#endif
