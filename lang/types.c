/*
 * types.c: interning of toy's types. As go/types' identical() but by
 * construction: each array, map and function type is made once per
 * program (arrays cached on their element, maps and functions found by a
 * scan of the program's types), so the checker and the compiler compare
 * types by pointer and can key per-type data (gc_types) on type->id.
 */
#include "lang/internal.h"

#include <string.h>

lang_type *ck_type_new(lang_arena *a, lang_program *p, lang_type_kind k)
{
    lang_type *t = lang_arena_alloc(a, sizeof *t);
    t->kind = k;
    if (p->ntypes == p->captypes) {
        int cap = p->captypes ? 2 * p->captypes : 32;
        lang_type **v = lang_arena_alloc(a, (size_t)cap * sizeof *v);
        if (p->ntypes)
            memcpy(v, p->types, (size_t)p->ntypes * sizeof *v);
        p->types = v;
        p->captypes = cap;
    }
    t->id = p->ntypes;
    p->types[p->ntypes++] = t;
    return t;
}

lang_type *ck_array_of(lang_arena *a, lang_program *p, lang_type *elem)
{
    if (!elem->array_of) {
        lang_type *t = ck_type_new(a, p, TY_ARRAY);
        t->elem = elem;
        elem->array_of = t;
    }
    return elem->array_of;
}

lang_type *ck_map_of(lang_arena *a, lang_program *p, lang_type *key, lang_type *val)
{
    for (int i = 0; i < p->ntypes; i++) {
        lang_type *t = p->types[i];
        if (t->kind == TY_MAP && t->key == key && t->elem == val)
            return t;
    }
    lang_type *t = ck_type_new(a, p, TY_MAP);
    t->key = key;
    t->elem = val;
    return t;
}

lang_type *ck_fn_of(lang_arena *a, lang_program *p, lang_type **params, int n,
                    lang_type *result)
{
    for (int i = 0; i < p->ntypes; i++) {
        lang_type *t = p->types[i];
        if (t->kind != TY_FN || t->nparams != n || t->result != result)
            continue;
        int j = 0;
        while (j < n && t->params[j] == params[j])
            j++;
        if (j == n)
            return t;
    }
    lang_type *t = ck_type_new(a, p, TY_FN);
    t->params = lang_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *t->params);
    if (n)
        memcpy(t->params, params, (size_t)n * sizeof *params);
    t->nparams = n;
    t->result = result;
    return t;
}

typedef struct wbuf {
    char *p;
    size_t n, len;
} wbuf;

static void put(wbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->len + k + 1 > b->n)
        k = b->n > b->len + 1 ? b->n - b->len - 1 : 0;
    memcpy(b->p + b->len, s, k);
    b->len += k;
    b->p[b->len] = '\0';
}

static void write_type(wbuf *b, const lang_type *t, int depth)
{
    if (depth > 50 || b->len + 1 >= b->n) {
        put(b, "...");
        return;
    }
    switch (t->kind) {
    case TY_ERROR: put(b, "invalid type"); break;
    case TY_VOID: put(b, "no value"); break;
    case TY_NIL: put(b, "nil"); break;
    case TY_INT: put(b, "int"); break;
    case TY_FLOAT: put(b, "float"); break;
    case TY_BOOL: put(b, "bool"); break;
    case TY_STRING: put(b, "string"); break;
    case TY_STRUCT: put(b, t->st->name); break;
    case TY_ARRAY:
        put(b, "[");
        write_type(b, t->elem, depth + 1);
        put(b, "]");
        break;
    case TY_MAP:
        put(b, "map[");
        write_type(b, t->key, depth + 1);
        put(b, "]");
        write_type(b, t->elem, depth + 1);
        break;
    case TY_FN:
        put(b, "fn(");
        for (int i = 0; i < t->nparams; i++) {
            if (i)
                put(b, ", ");
            write_type(b, t->params[i], depth + 1);
        }
        put(b, ")");
        if (t->result->kind != TY_VOID) {
            put(b, " -> ");
            write_type(b, t->result, depth + 1);
        }
        break;
    }
}

void ck_type_write(const lang_type *t, char *buf, size_t n)
{
    wbuf b = {buf, n, 0};
    if (n == 0)
        return;
    buf[0] = '\0';
    write_type(&b, t, 0);
}

const char *lang_type_name(lang_unit *u, const lang_type *t)
{
    char buf[256];
    ck_type_write(t, buf, sizeof buf);
    return lang_arena_strndup(&u->arena, buf, strlen(buf));
}
