/*
 * arena.c: the bump allocator every unit's AST, types, strings and
 * diagnostics live in. Freeing a unit is freeing its chunks, a loop over a
 * list: no tree walk, so no recursion however deep the tree (as Lua's
 * parser uses one Dyndata per function; here one arena per source file).
 */
#include "lang/lang.h"

#include <stdlib.h>
#include <string.h>

struct lang_chunk {
    struct lang_chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

enum { CHUNK_MIN = 64 * 1024 };

void *lang_arena_alloc(lang_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    struct lang_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof *c + size);
        if (!c) {
            fputs("toy: out of memory\n", stderr);
            abort();
        }
        c->size = size;
        c->used = 0;
        /* A big one-off block goes behind the head so the head's free
         * space stays usable. */
        if (a->head && n > CHUNK_MIN) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *lang_arena_strndup(lang_arena *a, const char *s, size_t n)
{
    char *p = lang_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void lang_arena_free(lang_arena *a)
{
    struct lang_chunk *c = a->head;
    while (c) {
        struct lang_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

void *lang_arena_grow(lang_arena *a, void *v, int n, int *cap, size_t elem)
{
    if (n < *cap)
        return v;
    int c = *cap ? 2 * *cap : 4;
    void *nv = lang_arena_alloc(a, (size_t)c * elem);
    if (n)
        memcpy(nv, v, (size_t)n * elem);
    *cap = c;
    return nv;
}
