/*
 * diag.c: compile diagnostics as data (line, col, message) and their
 * printing as `file:line:col: error: message`, the source line and a caret
 * under the column, the way gcc and Go's compiler print them. Errors are
 * kept in a list, not printed as found, so the driver can sort them into
 * source order and the Lua driver can read them as values.
 */
#include "lang/lang.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lang_error(lang_diags *d, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lang_verror(d, line, col, fmt, ap);
    va_end(ap);
}

void lang_verror(lang_diags *d, int line, int col, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    d->v = lang_arena_grow(d->arena, d->v, d->n, &d->cap, sizeof *d->v);
    d->v[d->n] = (lang_diag){line, col, lang_arena_strndup(d->arena, buf, strlen(buf)), d->n};
    d->n++;
}

static int cmp_diag(const void *a, const void *b)
{
    const lang_diag *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void lang_diags_sort(lang_diags *d)
{
    if (d->n > 1)
        qsort(d->v, (size_t)d->n, sizeof *d->v, cmp_diag);
}

/* Walks to line `line` (1-based) from the cursor (*at, *at_line), which
 * only moves forward while the diagnostics are sorted; returns the line's
 * start and length, or NULL past the end. */
static const char *find_line(const char *src, size_t len, int line, const char **at,
                             int *at_line, size_t *n)
{
    const char *end = src + len;
    if (line < *at_line) {
        *at = src;
        *at_line = 1;
    }
    const char *p = *at;
    for (int l = *at_line; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    *at = p;
    *at_line = line;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *n = (size_t)((nl ? nl : end) - p);
    return p;
}

void lang_diags_print(const lang_diags *d, const char *file, const char *src,
                      size_t len, FILE *out)
{
    const char *at = src;
    int at_line = 1;
    for (int i = 0; i < d->n; i++) {
        const lang_diag *g = &d->v[i];
        fprintf(out, "%s:%d:%d: error: %s\n", file, g->line, g->col, g->msg);
        size_t n = 0;
        const char *l = src ? find_line(src, len, g->line, &at, &at_line, &n) : NULL;
        if (!l)
            continue;
        /* A window of at most 200 bytes around the column keeps
         * pathological one-line inputs readable. */
        size_t from = 0, col = g->col > 0 ? (size_t)g->col - 1 : 0;
        if (col > 150 && n > 200)
            from = col - 100 < n ? col - 100 : n;
        while (from > 0 && from < n && ((unsigned char)l[from] & 0xC0) == 0x80)
            from--; /* do not cut a UTF-8 sequence */
        l += from;
        n -= from;
        col -= from < col ? from : col;
        if (n > 200)
            n = 200;
        for (size_t k = 0; k < n; k++)
            fputc(l[k] == '\0' || l[k] == '\r' ? ' ' : l[k], out);
        fputc('\n', out);
        /* The caret: tabs stay tabs so it lines up, UTF-8 continuation
         * bytes take no column of their own. */
        for (size_t k = 0; k < col && k < n; k++) {
            unsigned char c = (unsigned char)l[k];
            if (c == '\t')
                fputc('\t', out);
            else if ((c & 0xC0) != 0x80)
                fputc(' ', out);
        }
        fputs("^\n", out);
    }
}
