/*
 * constfold.c: evaluation of constant expressions (go/constant's job).
 * toy has no untyped constants: a constant has one of int, float, bool or
 * string, and folding follows the run-time rules of that type, except that
 * int overflow and integer division by zero, which wrap or trap at run
 * time, are compile errors in a constant (as in Go). Floats fold as IEEE
 * doubles, as they run.
 */
#include "lang/internal.h"

#include <math.h>
#include <string.h>

const char *ck_fold_unary(lx_kind op, const lang_const *x, lang_const *out)
{
    *out = *x;
    switch (op) {
    case TK_MINUS:
        if (x->kind == TY_FLOAT) {
            out->f = -x->f;
            return NULL;
        }
        if (x->i == INT64_MIN)
            return "constant overflow";
        out->i = -x->i;
        return NULL;
    case TK_NOT:
        out->b = !x->b;
        return NULL;
    case TK_TILDE:
        out->i = ~x->i;
        return NULL;
    default:
        return "invalid constant operation";
    }
}

static int cmp_str(const lang_const *x, const lang_const *y)
{
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return (x->n > y->n) - (x->n < y->n);
}

static const char *compare(lx_kind op, int c, lang_const *out)
{
    out->kind = TY_BOOL;
    switch (op) {
    case TK_EQ: out->b = c == 0; break;
    case TK_NE: out->b = c != 0; break;
    case TK_LT: out->b = c < 0; break;
    case TK_LE: out->b = c <= 0; break;
    case TK_GT: out->b = c > 0; break;
    case TK_GE: out->b = c >= 0; break;
    default: return "invalid constant operation";
    }
    return NULL;
}

static const char *fold_int(lx_kind op, int64_t a, int64_t b, lang_const *out)
{
    int64_t r = 0;
    switch (op) {
    case TK_PLUS:
        if (__builtin_add_overflow(a, b, &r))
            return "constant overflow";
        break;
    case TK_MINUS:
        if (__builtin_sub_overflow(a, b, &r))
            return "constant overflow";
        break;
    case TK_STAR:
        if (__builtin_mul_overflow(a, b, &r))
            return "constant overflow";
        break;
    case TK_SLASH:
        if (b == 0)
            return "division by zero";
        if (a == INT64_MIN && b == -1)
            return "constant overflow";
        r = a / b;
        break;
    case TK_PERCENT:
        if (b == 0)
            return "division by zero";
        r = b == -1 ? 0 : a % b;
        break;
    case TK_AMP: r = a & b; break;
    case TK_PIPE: r = a | b; break;
    case TK_CARET: r = a ^ b; break;
    case TK_SHL:
        if (b < 0)
            return "negative shift count";
        if (b >= 64) {
            if (a != 0)
                return "constant overflow";
            r = 0;
        } else {
            r = (int64_t)((uint64_t)a << b);
            if ((r >> b) != a)
                return "constant overflow";
        }
        break;
    case TK_SHR:
        if (b < 0)
            return "negative shift count";
        r = b >= 64 ? (a < 0 ? -1 : 0) : a >> b;
        break;
    default:
        return compare(op, (a > b) - (a < b), out);
    }
    out->kind = TY_INT;
    out->i = r;
    return NULL;
}

const char *ck_fold_binary(lang_arena *a, lx_kind op, const lang_const *x,
                           const lang_const *y, lang_const *out)
{
    memset(out, 0, sizeof *out);
    switch (x->kind) {
    case TY_INT:
        return fold_int(op, x->i, y->i, out);
    case TY_FLOAT:
        out->kind = TY_FLOAT;
        switch (op) {
        case TK_PLUS: out->f = x->f + y->f; return NULL;
        case TK_MINUS: out->f = x->f - y->f; return NULL;
        case TK_STAR: out->f = x->f * y->f; return NULL;
        case TK_SLASH: out->f = x->f / y->f; return NULL;
        case TK_PERCENT: out->f = fmod(x->f, y->f); return NULL;
        case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE:
            out->kind = TY_BOOL;
            switch (op) {
            case TK_EQ: out->b = x->f == y->f; break;
            case TK_NE: out->b = x->f != y->f; break;
            case TK_LT: out->b = x->f < y->f; break;
            case TK_LE: out->b = x->f <= y->f; break;
            case TK_GT: out->b = x->f > y->f; break;
            default: out->b = x->f >= y->f; break;
            }
            return NULL;
        default:
            return "invalid constant operation";
        }
    case TY_BOOL:
        out->kind = TY_BOOL;
        switch (op) {
        case TK_ANDAND: out->b = x->b && y->b; return NULL;
        case TK_OROR: out->b = x->b || y->b; return NULL;
        case TK_EQ: out->b = x->b == y->b; return NULL;
        case TK_NE: out->b = x->b != y->b; return NULL;
        default: return "invalid constant operation";
        }
    case TY_STRING:
        if (op == TK_PLUS) {
            if (x->n + y->n > LANG_MAX_CONST_STRING)
                return "constant string too long";
            char *s = lang_arena_alloc(a, x->n + y->n + 1);
            memcpy(s, x->s, x->n);
            memcpy(s + x->n, y->s, y->n);
            out->kind = TY_STRING;
            out->s = s;
            out->n = x->n + y->n;
            return NULL;
        }
        return compare(op, cmp_str(x, y), out);
    default:
        return "invalid constant operation";
    }
}
