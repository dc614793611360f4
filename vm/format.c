/*
 * format.c: values as print and str show them. Floats follow Python's
 * repr (float_repr_style 'short'): the shortest of %.15g..%.17g that reads
 * back as the same double, plain decimal for decimal exponents -4..15,
 * scientific (1e+16, 1e-05) otherwise, ".0" on integral values. Values are
 * untagged, so every function takes the value's rtype from the program.
 * Containers print their elements quoted ("a" with escapes); a reference
 * cycle, nesting deeper than FORMAT_MAX_DEPTH, or text past
 * FORMAT_MAX_BYTES for one value prints as "...".
 */
#include "vm/vmint.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void vm_buf_init(vm_buf *b) { memset(b, 0, sizeof *b); }

void vm_buf_free(vm_buf *b)
{
    free(b->data);
    vm_buf_init(b);
}

static bool reserve(vm_buf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t c = b->cap ? b->cap : 64;
    while (c < b->len + n + 1)
        c *= 2;
    char *d = realloc(b->data, c);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = c;
    return true;
}

void vm_buf_add(vm_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vm_buf_addc(vm_buf *b, char c) { vm_buf_add(b, &c, 1); }

void vm_buf_addf(vm_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        vm_buf_add(b, tmp, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int vm_format_float(char *out, double d)
{
    if (isnan(d))
        return sprintf(out, "nan");
    if (isinf(d))
        return sprintf(out, d < 0 ? "-inf" : "inf");
    if (d == 0)
        return sprintf(out, signbit(d) ? "-0.0" : "0.0");
    /* Shortest round-trip digits, in %e form: "-d.ddde+XX". */
    char e[40];
    /* Every decimal of at most 15 digits names a distinct normal double,
     * so for those the shortest starts at 15 (and %e drops no digits we
     * strip below); subnormals carry fewer bits and may need fewer. */
    for (int prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    char *p = e;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digits[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            *o++ = '0';
            *o++ = '.';
            for (int z = 0; z < -exp - 1; z++)
                *o++ = '0';
            memcpy(o, digits, (size_t)nd);
            o += nd;
        } else {
            for (int j = 0; j <= exp; j++)
                *o++ = j < nd ? digits[j] : '0';
            *o++ = '.';
            if (nd > exp + 1) {
                memcpy(o, digits + exp + 1, (size_t)(nd - exp - 1));
                o += nd - exp - 1;
            } else {
                *o++ = '0';
            }
        }
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(nd - 1));
            o += nd - 1;
        }
        o += sprintf(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    *o = '\0';
    return (int)(o - out);
}

void vm_buf_addquoted(vm_buf *b, const char *s, size_t n)
{
    const unsigned char *d = (const unsigned char *)s;
    vm_buf_addc(b, '"');
    for (size_t j = 0; j < n; j++) {
        unsigned char c = d[j];
        switch (c) {
        case '"': vm_buf_add(b, "\\\"", 2); break;
        case '\\': vm_buf_add(b, "\\\\", 2); break;
        case '\n': vm_buf_add(b, "\\n", 2); break;
        case '\t': vm_buf_add(b, "\\t", 2); break;
        case '\r': vm_buf_add(b, "\\r", 2); break;
        case '\0': vm_buf_add(b, "\\0", 2); break;
        default:
            if (c < 0x20 || c == 0x7f)
                vm_buf_addf(b, "\\x%02x", c);
            else
                vm_buf_addc(b, (char)c);
        }
    }
    vm_buf_addc(b, '"');
}

static void add_quoted(vm_buf *b, const vm_string *s)
{
    vm_buf_addquoted(b, vm_string_data(s), (size_t)vm_string_len(s));
}

/* The containers being printed, innermost last, to cut cycles; the root
 * (obj NULL, depth 0) holds where the value's text must stop. */
typedef struct seen {
    const void *obj;
    const struct seen *up;
    int depth;
    size_t stop; /* b->len past which nothing more is written but "..." */
    bool *cut;   /* the "..." of stop is written (once) */
} seen;

/* Deeper nesting (a long linked list) prints as "..." rather than
 * recursing until the C stack runs out. */
#define FORMAT_MAX_DEPTH 200
/* Shared substructure prints each time it is reached (a DAG as the tree
 * of its paths), so a small graph can stand for an enormous text: one
 * value's text is cut at this many bytes, and the cut shows as "...".
 * The work stops with it: every loop below checks the bound. */
#define FORMAT_MAX_BYTES ((size_t)16 << 20)

static void cut(vm_buf *b, const seen *s)
{
    if (!*s->cut)
        vm_buf_add(b, "...", 3);
    *s->cut = true;
}

static bool on_path(const seen *s, const void *o)
{
    for (; s; s = s->up)
        if (s->obj == o)
            return true;
    return false;
}

static void format(vm_buf *b, const vm_program *p, vm_value v, int32_t t, bool quoted,
                   const seen *path)
{
    if (t < 0 || (uint32_t)t >= p->nrtypes) {
        vm_buf_add(b, "?", 1);
        return;
    }
    const vm_rtype *rt = &p->rtypes[t];
    char num[40];
    switch (rt->kind) {
    case VM_KVOID:
        vm_buf_add(b, "nil", 3);
        return;
    case VM_KINT:
        vm_buf_addf(b, "%lld", (long long)v.i);
        return;
    case VM_KFLOAT:
        vm_buf_add(b, num, (size_t)vm_format_float(num, v.f));
        return;
    case VM_KBOOL:
        if (v.i)
            vm_buf_add(b, "true", 4);
        else
            vm_buf_add(b, "false", 5);
        return;
    case VM_KSTRING:
        if (quoted)
            add_quoted(b, v.p);
        else
            vm_buf_add(b, vm_string_data(v.p), (size_t)vm_string_len(v.p));
        return;
    default:
        break;
    }
    if (!v.p) {
        vm_buf_add(b, "nil", 3);
        return;
    }
    if (b->len >= path->stop) {
        cut(b, path);
        return;
    }
    if (path->depth >= FORMAT_MAX_DEPTH || on_path(path, v.p)) {
        vm_buf_add(b, "...", 3);
        return;
    }
    seen here = {v.p, path, path->depth + 1, path->stop, path->cut};
    switch (rt->kind) {
    case VM_KARRAY: {
        const vm_array *a = v.p;
        vm_buf_addc(b, '[');
        for (int64_t j = 0; j < a->len && !b->oom; j++) {
            if (b->len >= here.stop) {
                cut(b, &here);
                break;
            }
            if (j)
                vm_buf_add(b, ", ", 2);
            format(b, p, a->data[j], rt->a, true, &here);
        }
        vm_buf_addc(b, ']');
        return;
    }
    case VM_KMAP: {
        const vm_map *m = v.p;
        vm_value key, val;
        int64_t cur = 0;
        bool first = true;
        vm_buf_addc(b, '{');
        while (!b->oom && vm_map_next(m, &cur, &key, &val)) {
            if (b->len >= here.stop) {
                cut(b, &here);
                break;
            }
            if (!first)
                vm_buf_add(b, ", ", 2);
            first = false;
            format(b, p, key, rt->a, true, &here);
            vm_buf_add(b, ": ", 2);
            format(b, p, val, rt->b, true, &here);
        }
        vm_buf_addc(b, '}');
        return;
    }
    case VM_KSTRUCT: {
        const vm_structdesc *sd = &p->structs[rt->a];
        const vm_value *f = v.p;
        vm_buf_add(b, sd->name, strlen(sd->name));
        vm_buf_addc(b, '{');
        for (int32_t j = 0; j < sd->nfields && !b->oom; j++) {
            if (b->len >= here.stop) {
                cut(b, &here);
                break;
            }
            if (j)
                vm_buf_add(b, ", ", 2);
            vm_buf_add(b, sd->field_names[j], strlen(sd->field_names[j]));
            vm_buf_add(b, ": ", 2);
            format(b, p, f[j], sd->field_types[j], true, &here);
        }
        vm_buf_addc(b, '}');
        return;
    }
    case VM_KCHAN:
        vm_chan_format(b, p, v.p, rt->a);
        return;
    case VM_KFUNC: {
        const vm_closure *c = v.p;
        vm_buf_addf(b, "<fn %s>", c->fn->proto->name);
        return;
    }
    default:
        vm_buf_add(b, "nil", 3);
        return;
    }
}

static seen root(const vm_buf *b, bool *cut)
{
    *cut = false;
    return (seen){NULL, NULL, 0, b->len + FORMAT_MAX_BYTES, cut};
}

void vm_format_value(vm_buf *b, const vm_program *p, vm_value v, int32_t rtype, bool quoted)
{
    bool c;
    seen r = root(b, &c);
    format(b, p, v, rtype, quoted, &r);
}

void vm_format_print(vm_buf *b, const vm_program *p, const vm_value *args, int nargs,
                     const int32_t *types)
{
    for (int j = 0; j < nargs; j++) {
        if (j)
            vm_buf_addc(b, ' ');
        bool c;
        seen r = root(b, &c);
        format(b, p, args[j], j < types[0] ? types[1 + j] : -1, false, &r);
    }
    vm_buf_addc(b, '\n');
}
