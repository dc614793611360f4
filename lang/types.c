/*
 * types.c: interning of toy's types. As go/types' identical() but by
 * construction: each array, map and function type is made once per
 * program (arrays cached on their element, maps and functions found in a
 * hash table keyed on their components' ids), so the checker and the compiler compare
 * types by pointer and can key per-type data (gc_types) on type->id.
 */
#include "lang/internal.h"

#include <stdbool.h>
#include <stdint.h>
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

static uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 16777619u; }

static uint32_t shape_hash(lang_type_kind k, lang_type *key, lang_type *elem,
                           lang_type **params, int n, lang_type *result)
{
    uint32_t h = mix(2166136261u, (uint32_t)k);
    h = mix(h, key ? (uint32_t)key->id : 0xffffffffu);
    h = mix(h, elem ? (uint32_t)elem->id : 0xffffffffu);
    h = mix(h, result ? (uint32_t)result->id : 0xffffffffu);
    h = mix(h, (uint32_t)n);
    for (int i = 0; i < n; i++)
        h = mix(h, (uint32_t)params[i]->id);
    return h;
}

static bool same_shape(const lang_type *t, lang_type_kind k, lang_type *key, lang_type *elem,
                       lang_type **params, int n, lang_type *result)
{
    if (t->kind != k || t->key != key || t->elem != elem || t->result != result ||
        t->nparams != n)
        return false;
    for (int i = 0; i < n; i++)
        if (t->params[i] != params[i])
            return false;
    return true;
}

static void hash_put(lang_program *p, lang_type *t)
{
    uint32_t m = (uint32_t)p->type_hash_cap - 1;
    uint32_t i = shape_hash(t->kind, t->key, t->elem, t->params, t->nparams, t->result) & m;
    while (p->type_hash[i])
        i = (i + 1) & m;
    p->type_hash[i] = t;
}

/* Finds the map or fn type of this shape, or makes it. */
static lang_type *intern(lang_arena *a, lang_program *p, lang_type_kind k, lang_type *key,
                         lang_type *elem, lang_type **params, int n, lang_type *result)
{
    if (p->type_hash_cap) {
        uint32_t m = (uint32_t)p->type_hash_cap - 1;
        uint32_t i = shape_hash(k, key, elem, params, n, result) & m;
        for (; p->type_hash[i]; i = (i + 1) & m)
            if (same_shape(p->type_hash[i], k, key, elem, params, n, result))
                return p->type_hash[i];
    }
    lang_type *t = ck_type_new(a, p, k);
    t->key = key;
    t->elem = elem;
    t->result = result;
    if (k == TY_FN) {
        t->params = lang_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *t->params);
        if (n)
            memcpy(t->params, params, (size_t)n * sizeof *params);
        t->nparams = n;
    }
    if (2 * (p->type_hash_n + 1) > p->type_hash_cap) {
        int cap = p->type_hash_cap ? 2 * p->type_hash_cap : 64;
        p->type_hash = lang_arena_alloc(a, (size_t)cap * sizeof *p->type_hash);
        p->type_hash_cap = cap;
        p->type_hash_n = 0;
        for (int i = 0; i < p->ntypes - 1; i++) { /* all but t */
            lang_type *u = p->types[i];
            if (u->interned) {
                hash_put(p, u);
                p->type_hash_n++;
            }
        }
    }
    t->interned = true;
    hash_put(p, t);
    p->type_hash_n++;
    return t;
}

lang_type *ck_map_of(lang_arena *a, lang_program *p, lang_type *key, lang_type *val)
{
    return intern(a, p, TY_MAP, key, val, NULL, 0, NULL);
}

lang_type *ck_chan_of(lang_arena *a, lang_program *p, lang_type *elem)
{
    return intern(a, p, TY_CHAN, NULL, elem, NULL, 0, NULL);
}

lang_type *ck_fn_of(lang_arena *a, lang_program *p, lang_type **params, int n,
                    lang_type *result)
{
    return intern(a, p, TY_FN, NULL, NULL, params, n, result);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = mix(h, (unsigned char)*s);
    return h;
}

int ck_field_index(lang_arena *a, lang_struct *st, const char *name)
{
    if (st->nfields < 8) {
        for (int i = 0; i < st->nfields; i++)
            if (strcmp(st->fields[i].name, name) == 0)
                return i;
        return -1;
    }
    if (!st->field_hash) {
        int cap = 16;
        while (cap < 2 * st->nfields)
            cap *= 2;
        st->field_hash = lang_arena_alloc(a, (size_t)cap * sizeof *st->field_hash);
        st->field_hash_cap = cap;
        for (int i = st->nfields - 1; i >= 0; i--) { /* the first of equal names wins */
            uint32_t j = hash_str(st->fields[i].name) & (uint32_t)(cap - 1);
            while (st->field_hash[j] &&
                   strcmp(st->fields[st->field_hash[j] - 1].name, st->fields[i].name) != 0)
                j = (j + 1) & (uint32_t)(cap - 1);
            st->field_hash[j] = i + 1;
        }
    }
    uint32_t m = (uint32_t)st->field_hash_cap - 1;
    for (uint32_t j = hash_str(name) & m; st->field_hash[j]; j = (j + 1) & m)
        if (strcmp(st->fields[st->field_hash[j] - 1].name, name) == 0)
            return st->field_hash[j] - 1;
    return -1;
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
    case TY_CHAN:
        put(b, "chan[");
        write_type(b, t->elem, depth + 1);
        put(b, "]");
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
