/*
 * lexer.re: toy's tokens, as an re2c specification (re2c generates
 * $(BUILD)/lang/lexer.c at build time; the generated C is never committed).
 *
 * Mirrors Go's scanner (go/scanner/scanner.go) for semicolon insertion and
 * number syntax, and re2c's own lexer for positions: we keep the current
 * line number and a pointer to the line's first byte, and a token's column
 * is tok - line_start + 1 (bytes), never tracked per character.
 *
 * Departures from Go, and why:
 *  - No semicolon is inserted at a newline while the innermost open bracket
 *    is '(' or '[' (as the language defines), so argument lists and array literals span
 *    lines without trailing commas; a '{' opens a scope where insertion
 *    applies again. We keep a stack of open brackets for that.
 *  - Literal errors (out of range, bad escape) are reported and the token is
 *    still returned, with value 0, so the parser does not cascade; a bad
 *    character gives TK_ERROR, on which the parser stays silent.
 *  - The input is a NUL-terminated buffer used as re2c's sentinel (as ninja);
 *    a NUL before the end is reported as an error, never taken as EOF.
 *  - `map` is reserved (it is the keyword of map types, as in Go).
 *  - 9223372036854775808 is out of range even after a unary minus: toy has
 *    no untyped constants, the literal is an int before it is negated.
 *    Write the minimum as -9223372036854775807 - 1 (a constant expression).
 */
#include "lang/lang.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define LANG_TK_NAME(k, s) s,
    LANG_TOKENS(LANG_TK_NAME)
#undef LANG_TK_NAME
};

const char *lx_kind_name(lx_kind k)
{
    return (unsigned)k < TK__COUNT ? kind_names[k] : "?";
}

void lx_init(lx_lexer *lx, const char *src, size_t len, lang_diags *diags,
             lang_arena *arena)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->cur = lx->line_start = src;
    lx->end = src + len;
    lx->line = 1;
    lx->diags = diags;
    lx->arena = arena;
}

void lx_free(lx_lexer *lx)
{
    free(lx->brackets);
    lx->brackets = NULL;
    lx->nbrackets = lx->capbrackets = 0;
}

static int col_of(const lx_lexer *lx, const unsigned char *p)
{
    return (int)((const char *)p - lx->line_start) + 1;
}

static void err_at(lx_lexer *lx, const unsigned char *p, const char *msg)
{
    lang_error(lx->diags, lx->line, col_of(lx, p), "%s", msg);
}

static void push_bracket(lx_lexer *lx, char c)
{
    if (lx->nbrackets == lx->capbrackets) {
        int cap = lx->capbrackets ? 2 * lx->capbrackets : 64;
        char *b = realloc(lx->brackets, (size_t)cap);
        if (!b) {
            fputs("toy: out of memory\n", stderr);
            abort();
        }
        lx->brackets = b;
        lx->capbrackets = cap;
    }
    lx->brackets[lx->nbrackets++] = c;
}

/* May a newline here end a statement? Not inside ( ) or [ ]. */
static bool insertion_allowed(const lx_lexer *lx)
{
    return lx->nbrackets == 0 || lx->brackets[lx->nbrackets - 1] == '{';
}

static bool ends_statement(lx_kind k)
{
    switch (k) {
    case TK_IDENT: case TK_INT: case TK_FLOAT: case TK_STRING:
    case TK_TRUE: case TK_FALSE: case TK_NIL:
    case TK_RPAREN: case TK_RBRACKET: case TK_RBRACE:
    case TK_RETURN: case TK_BREAK: case TK_CONTINUE:
    case TK_ERROR: /* so the parser can resynchronize at the line's end */
        return true;
    default:
        return false;
    }
}

static lx_token make(lx_lexer *lx, lx_kind k, const unsigned char *tok,
                     const unsigned char *cur)
{
    lx_token t;
    memset(&t, 0, sizeof t);
    t.kind = k;
    t.line = lx->line;
    t.col = col_of(lx, tok);
    t.start = (const char *)tok;
    t.len = (int)(cur - tok);
    lx->cur = (const char *)cur;
    lx->can_insert = ends_statement(k);
    switch (k) {
    case TK_LPAREN: push_bracket(lx, '('); break;
    case TK_LBRACKET: push_bracket(lx, '['); break;
    case TK_LBRACE: push_bracket(lx, '{'); break;
    case TK_RPAREN: case TK_RBRACKET: case TK_RBRACE: {
        /* Pop through to the matching opener when it is near the top, so
         * one unclosed '(' does not disable insertion for the rest of the
         * file; otherwise pop one. */
        char open = k == TK_RPAREN ? '(' : k == TK_RBRACKET ? '[' : '{';
        int i = lx->nbrackets - 1;
        while (i >= 0 && i >= lx->nbrackets - 8 && lx->brackets[i] != open)
            i--;
        if (i >= 0 && lx->brackets[i] == open)
            lx->nbrackets = i;
        else if (lx->nbrackets > 0)
            lx->nbrackets--;
        break;
    }
    default: break;
    }
    return t;
}

static lx_token inserted_semi(lx_lexer *lx, const unsigned char *at)
{
    lx_token t;
    memset(&t, 0, sizeof t);
    t.kind = TK_SEMI;
    t.line = lx->line;
    t.col = col_of(lx, at);
    t.start = (const char *)at;
    t.inserted = true;
    lx->can_insert = false;
    return t;
}

/* Integer literal value with range check; base from the prefix. */
static int64_t int_value(lx_lexer *lx, const unsigned char *tok,
                         const unsigned char *end, int base)
{
    const unsigned char *p = tok + (base == 10 ? 0 : 2);
    uint64_t v = 0;
    for (; p < end; p++) {
        if (*p == '_')
            continue;
        unsigned d = *p <= '9' ? (unsigned)(*p - '0') : (unsigned)((*p | 0x20) - 'a' + 10);
        if (v > (UINT64_MAX - d) / (unsigned)base) {
            v = UINT64_MAX;
            break;
        }
        v = v * (unsigned)base + d;
    }
    if (v > (uint64_t)INT64_MAX) {
        err_at(lx, tok, "integer literal out of range (int is 64-bit signed; "
                        "the minimum is -9223372036854775807 - 1)");
        return 0;
    }
    return (int64_t)v;
}

static double float_value(lx_lexer *lx, const unsigned char *tok,
                          const unsigned char *end)
{
    char *buf = lang_arena_alloc(lx->arena, (size_t)(end - tok) + 1);
    size_t n = 0;
    for (const unsigned char *p = tok; p < end; p++)
        if (*p != '_')
            buf[n++] = (char)*p;
    buf[n] = '\0';
    errno = 0;
    double d = strtod(buf, NULL);
    if (isinf(d)) {
        err_at(lx, tok, "float literal out of range");
        return 0;
    }
    return d;
}

static int hexval(unsigned char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The body of a string literal, after the opening quote at `open`.
 * Decodes escapes into the arena; returns the cursor after the closing
 * quote (or at the newline / end when unterminated). */
static const unsigned char *lex_string(lx_lexer *lx, const unsigned char *open,
                                       lx_token *t, bool *closed)
{
    const unsigned char *cur = open + 1, *mar, *s;
    /* Every escape is at least as long as what it encodes, so the decoded
     * bytes fit in the source bytes up to the closing quote (or the end of
     * the line, when it is missing). Scanning only that far, not to the
     * end of the line, keeps a line of many literals linear. */
    const unsigned char *end = (const unsigned char *)lx->end, *q = cur;
    while (q < end && *q != '"' && *q != '\n')
        q += *q == '\\' && q + 1 < end && q[1] != '\n' ? 2 : 1;
    size_t room = (size_t)(q - cur);
    char *out = lang_arena_alloc(lx->arena, room + 1), *o = out;
    (void)mar;
    for (;;) {
        s = cur;
        /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:define:YYCURSOR = cur;
        re2c:define:YYMARKER = mar;
        re2c:yyfill:enable = 0;

        hex = [0-9a-fA-F];

        "\""    { goto done; }
        "\\n"   { *o++ = '\n'; continue; }
        "\\t"   { *o++ = '\t'; continue; }
        "\\r"   { *o++ = '\r'; continue; }
        "\\\\"  { *o++ = '\\'; continue; }
        "\\\""  { *o++ = '"'; continue; }
        "\\0"   { *o++ = '\0'; continue; }
        "\\x" hex hex { *o++ = (char)(hexval(s[2]) * 16 + hexval(s[3])); continue; }
        "\\x"   { err_at(lx, s, "\\x escape needs two hex digits"); continue; }
        "\\u{" hex+ "}" {
            uint32_t c = 0;
            bool bad = cur - s > 10;
            for (const unsigned char *p = s + 3; !bad && *p != '}'; p++)
                c = c * 16 + (uint32_t)hexval(*p);
            if (bad || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                err_at(lx, s, "invalid Unicode code point in \\u{...} escape");
                continue;
            }
            if (c < 0x80) {
                *o++ = (char)c;
            } else if (c < 0x800) {
                *o++ = (char)(0xC0 | (c >> 6));
                *o++ = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                *o++ = (char)(0xE0 | (c >> 12));
                *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
                *o++ = (char)(0x80 | (c & 0x3F));
            } else {
                *o++ = (char)(0xF0 | (c >> 18));
                *o++ = (char)(0x80 | ((c >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
                *o++ = (char)(0x80 | (c & 0x3F));
            }
            continue;
        }
        "\\u"   { err_at(lx, s, "\\u escape needs hex digits in braces: \\u{HHHH}"); continue; }
        "\\" [\n\x00] { cur = s + 1; continue; }
        "\\" [^] {
            char msg[64];
            if (s[1] >= 0x20 && s[1] < 0x7f)
                snprintf(msg, sizeof msg, "unknown escape sequence \\%c", s[1]);
            else
                snprintf(msg, sizeof msg, "unknown escape sequence");
            err_at(lx, s, msg);
            continue;
        }
        "\n"    { cur = s; goto unterminated; }
        "\x00"  {
            if ((const char *)s == lx->end) {
                cur = s;
                goto unterminated;
            }
            err_at(lx, s, "NUL character in source");
            continue;
        }
        [^]     { *o++ = (char)*s; continue; }
        */
    }
unterminated:
    err_at(lx, open, "unterminated string literal");
    *closed = false;
    goto out;
done:
    *closed = true;
out:
    *o = '\0';
    t->v.str.s = out;
    t->v.str.n = (size_t)(o - out);
    return cur;
}

/* Skips a block comment opened at tok; returns the cursor after it and
 * sets *newline when it spans lines (it then ends a statement, as in Go). */
static const unsigned char *skip_block_comment(lx_lexer *lx, const unsigned char *tok,
                                               bool *newline)
{
    const unsigned char *p = tok + 2;
    int line = lx->line;
    const char *line_start = lx->line_start;
    for (;;) {
        if (*p == '\0') {
            if ((const char *)p == lx->end) {
                err_at(lx, tok, "unterminated block comment");
                break;
            }
            /* Report at the NUL: its line may differ from tok's. */
            lang_error(lx->diags, line, (int)((const char *)p - line_start) + 1,
                       "NUL character in source");
            p++;
        } else if (p[0] == '*' && p[1] == '/') {
            p += 2;
            break;
        } else if (*p == '\n') {
            *newline = true;
            line++;
            line_start = (const char *)p + 1;
            p++;
        } else {
            p++;
        }
    }
    lx->line = line;
    lx->line_start = line_start;
    return p;
}

lx_token lx_next(lx_lexer *lx)
{
    const unsigned char *cur = (const unsigned char *)lx->cur, *mar, *tok;
    (void)mar;
    for (;;) {
        tok = cur;
        /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:define:YYCURSOR = cur;
        re2c:define:YYMARKER = mar;
        re2c:yyfill:enable = 0;

        dec  = [0-9] ("_"? [0-9])*;
        hexn = "0" [xX] ("_"? [0-9a-fA-F])+;
        binn = "0" [bB] ("_"? [01])+;
        exp  = [eE] [+-]? dec;
        flt  = dec "." dec exp? | dec exp;
        badnum = [0-9] [0-9a-zA-Z_]* | dec "." dec [eE] [+-]? | dec "." dec [eE] [+-]? [0-9a-zA-Z_]+;
        id   = [a-zA-Z_] [a-zA-Z0-9_]*;

        "\x00" {
            if ((const char *)tok == lx->end) {
                lx->cur = lx->end;
                if (lx->can_insert)
                    return inserted_semi(lx, tok);
                return make(lx, TK_EOF, tok, tok);
            }
            err_at(lx, tok, "NUL character in source");
            continue;
        }
        [ \t\r]+ { continue; }
        "\n" {
            if (lx->can_insert && insertion_allowed(lx)) {
                lx_token t = inserted_semi(lx, tok);
                lx->line++;
                lx->line_start = (const char *)cur;
                lx->cur = (const char *)cur;
                return t;
            }
            lx->line++;
            lx->line_start = (const char *)cur;
            continue;
        }
        "//" [^\n\x00]* { continue; }
        "/*" {
            bool newline = false;
            int line = lx->line;
            const char *ls = lx->line_start;
            cur = skip_block_comment(lx, tok, &newline);
            if (newline && lx->can_insert && insertion_allowed(lx)) {
                lx_token t = inserted_semi(lx, tok);
                t.line = line;
                t.col = (int)((const char *)tok - ls) + 1;
                lx->cur = (const char *)cur;
                return t;
            }
            continue;
        }

        "fn"       { return make(lx, TK_FN, tok, cur); }
        "struct"   { return make(lx, TK_STRUCT, tok, cur); }
        "var"      { return make(lx, TK_VAR, tok, cur); }
        "const"    { return make(lx, TK_CONST, tok, cur); }
        "if"       { return make(lx, TK_IF, tok, cur); }
        "else"     { return make(lx, TK_ELSE, tok, cur); }
        "while"    { return make(lx, TK_WHILE, tok, cur); }
        "for"      { return make(lx, TK_FOR, tok, cur); }
        "in"       { return make(lx, TK_IN, tok, cur); }
        "return"   { return make(lx, TK_RETURN, tok, cur); }
        "break"    { return make(lx, TK_BREAK, tok, cur); }
        "continue" { return make(lx, TK_CONTINUE, tok, cur); }
        "true"     { return make(lx, TK_TRUE, tok, cur); }
        "false"    { return make(lx, TK_FALSE, tok, cur); }
        "nil"      { return make(lx, TK_NIL, tok, cur); }
        "map"      { return make(lx, TK_MAP, tok, cur); }
        "by"       { return make(lx, TK_BY, tok, cur); }
        "go"       { return make(lx, TK_GO, tok, cur); }
        "chan"     { return make(lx, TK_CHAN, tok, cur); }
        id         { return make(lx, TK_IDENT, tok, cur); }

        dec  { lx_token t = make(lx, TK_INT, tok, cur); t.v.i = int_value(lx, tok, cur, 10); return t; }
        hexn { lx_token t = make(lx, TK_INT, tok, cur); t.v.i = int_value(lx, tok, cur, 16); return t; }
        binn { lx_token t = make(lx, TK_INT, tok, cur); t.v.i = int_value(lx, tok, cur, 2); return t; }
        flt  { lx_token t = make(lx, TK_FLOAT, tok, cur); t.v.f = float_value(lx, tok, cur); return t; }
        badnum {
            err_at(lx, tok, "malformed number literal");
            return make(lx, TK_INT, tok, cur);
        }

        "\"" {
            lx_token t = make(lx, TK_STRING, tok, cur);
            bool closed;
            cur = lex_string(lx, tok, &t, &closed);
            /* Unterminated: the parser should not guess where it ended. */
            if (!closed)
                t.kind = TK_ERROR;
            t.len = (int)(cur - tok);
            lx->cur = (const char *)cur;
            return t;
        }

        "+"  { return make(lx, TK_PLUS, tok, cur); }
        "-"  { return make(lx, TK_MINUS, tok, cur); }
        "*"  { return make(lx, TK_STAR, tok, cur); }
        "/"  { return make(lx, TK_SLASH, tok, cur); }
        "%"  { return make(lx, TK_PERCENT, tok, cur); }
        "&"  { return make(lx, TK_AMP, tok, cur); }
        "|"  { return make(lx, TK_PIPE, tok, cur); }
        "^"  { return make(lx, TK_CARET, tok, cur); }
        "<<" { return make(lx, TK_SHL, tok, cur); }
        ">>" { return make(lx, TK_SHR, tok, cur); }
        "~"  { return make(lx, TK_TILDE, tok, cur); }
        "==" { return make(lx, TK_EQ, tok, cur); }
        "!=" { return make(lx, TK_NE, tok, cur); }
        "<"  { return make(lx, TK_LT, tok, cur); }
        "<=" { return make(lx, TK_LE, tok, cur); }
        ">"  { return make(lx, TK_GT, tok, cur); }
        ">=" { return make(lx, TK_GE, tok, cur); }
        "&&" { return make(lx, TK_ANDAND, tok, cur); }
        "||" { return make(lx, TK_OROR, tok, cur); }
        "!"  { return make(lx, TK_NOT, tok, cur); }
        "="  { return make(lx, TK_ASSIGN, tok, cur); }
        "+=" { return make(lx, TK_PLUSEQ, tok, cur); }
        "-=" { return make(lx, TK_MINUSEQ, tok, cur); }
        "*=" { return make(lx, TK_STAREQ, tok, cur); }
        "/=" { return make(lx, TK_SLASHEQ, tok, cur); }
        "%=" { return make(lx, TK_PERCENTEQ, tok, cur); }
        "("  { return make(lx, TK_LPAREN, tok, cur); }
        ")"  { return make(lx, TK_RPAREN, tok, cur); }
        "{"  { return make(lx, TK_LBRACE, tok, cur); }
        "}"  { return make(lx, TK_RBRACE, tok, cur); }
        "["  { return make(lx, TK_LBRACKET, tok, cur); }
        "]"  { return make(lx, TK_RBRACKET, tok, cur); }
        ","  { return make(lx, TK_COMMA, tok, cur); }
        ":"  { return make(lx, TK_COLON, tok, cur); }
        ";"  { return make(lx, TK_SEMI, tok, cur); }
        "."  { return make(lx, TK_DOT, tok, cur); }
        "->" { return make(lx, TK_ARROW, tok, cur); }
        ".." { return make(lx, TK_DOTDOT, tok, cur); }

        [^] {
            char msg[64];
            if (*tok >= 0x21 && *tok < 0x7f)
                snprintf(msg, sizeof msg, "unexpected character '%c'", *tok);
            else
                snprintf(msg, sizeof msg, "unexpected character 0x%02x", *tok);
            err_at(lx, tok, msg);
            /* Skip the rest of a UTF-8 sequence: one error per character. */
            while ((*cur & 0xC0) == 0x80)
                cur++;
            return make(lx, TK_ERROR, tok, cur);
        }
        */
    }
}
