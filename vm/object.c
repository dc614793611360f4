/*
 * object.c: strings, arrays and the static gc_types of the layouts in
 * object.h (the part of Lua's lstring.c/ltable.c array side that a
 * statically typed VM needs). Allocation goes through gc_mallocgc only;
 * every function that allocates is a safepoint for its caller.
 */
#include "vm/vmint.h"

#include <string.h>

static const uint8_t mask_word2 = 0x4;  /* {len, cap, data, elemref}: data */
static const uint8_t mask_one = 0x1;
/* {count, used, cap, flags, seed, index, chunks, seqs, nfixed, seqdelta, dircap, hused, hint} */
static const uint8_t mask_map = 0xE0;
static const uint8_t mask_keyref = 0x1; /* {key, val} */
static const uint8_t mask_valref = 0x2;
static const uint8_t mask_bothref = 0x3;

const gc_type vm_gct_array = {sizeof(vm_array), 3 * sizeof(void *), &mask_word2, "array"};
const gc_type vm_gct_refs = {sizeof(void *), sizeof(void *), &mask_one, "[]ref"};
const gc_type vm_gct_refcell = {sizeof(vm_cell), sizeof(void *), &mask_one, "cell"};
const gc_type vm_gct_map = {sizeof(vm_map), 8 * sizeof(void *), &mask_map, "map"};
static const gc_type gct_ent_key = {sizeof(vm_mapentry), 1 * sizeof(void *), &mask_keyref,
                                    "map.entries[ref]scalar"};
static const gc_type gct_ent_val = {sizeof(vm_mapentry), 2 * sizeof(void *), &mask_valref,
                                    "map.entries[scalar]ref"};
static const gc_type gct_ent_both = {sizeof(vm_mapentry), 2 * sizeof(void *), &mask_bothref,
                                     "map.entries[ref]ref"};
const gc_type *const vm_gct_mapentries[4] = {NULL, &gct_ent_key, &gct_ent_val, &gct_ent_both};

vm_string *vm_string_new(vm_state *V, const char *s, size_t len)
{
    vm_string *r = vm_alloc(V, "string", sizeof(vm_string) + len + 1, NULL, false);
    if (!r)
        return NULL;
    r->len = (int64_t)len;
    r->hash = 0;
    if (len)
        memcpy(r->data, s, len);
    r->data[len] = '\0';
    return r;
}

vm_string *vm_string_concat(vm_state *V, const vm_string *a, const vm_string *b)
{
    int64_t la = vm_string_len(a), lb = vm_string_len(b);
    /* a and b are reference operands of the safepoint, so the stack map
     * keeps them alive while we allocate; the collector does not move. */
    vm_string *r = vm_alloc(V, "string", sizeof(vm_string) + (size_t)(la + lb) + 1, NULL, false);
    if (!r)
        return NULL;
    r->len = la + lb;
    r->hash = 0;
    if (la)
        memcpy(r->data, a->data, (size_t)la);
    if (lb)
        memcpy(r->data + la, b->data, (size_t)lb);
    r->data[la + lb] = '\0';
    return r;
}

/* FNV-1a, cached in the (noscan) string: strings are immutable. */
/* 64x64 -> 128-bit multiply, folded (wyhash's mum). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* A seeded hash of the bytes in the manner of wyhash (Go's runtime
 * memhash without AES): 8 bytes per multiply, the length and the seed
 * mixed in first so that no key can be chosen to collide without the
 * seed. 0 stands for "not computed" in the cache. */
uint64_t vm_string_hash(vm_string *s, uint64_t seed)
{
    if (s && s->hash)
        return s->hash;
    const unsigned char *p = (const unsigned char *)vm_string_data(s);
    uint64_t n = (uint64_t)vm_string_len(s);
    uint64_t h = mum(seed ^ 0xa0761d6478bd642full, n ^ 0xe7037ed1a0b428dbull);
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mum(h ^ w, 0x8ebc6af09c88c6e3ull);
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = mum(h ^ w ^ 0x589965cc75374cc3ull, 0x1d8e4e27c47d124full);
    if (h == 0)
        h = 1;
    if (s)
        s->hash = h;
    return h;
}

bool vm_string_eq(const vm_string *a, const vm_string *b)
{
    if (a == b)
        return true;
    int64_t la = vm_string_len(a);
    return la == vm_string_len(b) && (la == 0 || memcmp(a->data, b->data, (size_t)la) == 0);
}

int vm_string_cmp(const vm_string *a, const vm_string *b)
{
    int64_t la = vm_string_len(a), lb = vm_string_len(b);
    int64_t n = la < lb ? la : lb;
    int c = n > 0 ? memcmp(vm_string_data(a), vm_string_data(b), (size_t)n) : 0;
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

static vm_value *backing_new(vm_state *V, int64_t cap, bool elemref)
{
    if (cap <= 0)
        return NULL;
    if (cap > VM_MAX_ARRAY_LEN || (uint64_t)cap > (SIZE_MAX / 2) / sizeof(vm_value))
        return NULL;
    return elemref ? vm_alloc(V, "[]ref", (size_t)cap * sizeof(vm_value), &vm_gct_refs, true)
                   : vm_alloc(V, "[]scalar", (size_t)cap * sizeof(vm_value), NULL, true);
}

vm_array *vm_array_new(vm_state *V, int64_t len, bool elemref)
{
    vm_array *a = vm_alloc_site(V, "array", &V->arraysite);
    if (!a)
        return NULL;
    a->elemref = elemref;
    if (len > 0) {
        if (vm_root_push(V, a) != 0)
            return NULL;
        vm_value *d = backing_new(V, len, elemref);
        vm_root_pop(V, 1);
        if (!d)
            return NULL;
        /* a may predate a mark that the allocation of d started. */
        gc_write_pointer(V->gcp, V->barrier, (void **)&a->data, d);
        a->len = a->cap = len;
    }
    return a;
}

/* Go's growslice: double small arrays, grow large ones by 1.25x. */
int vm_array_push(vm_state *V, vm_array *a, vm_value v)
{
    if (a->len == a->cap) {
        int64_t cap = a->cap < 4 ? 4 : a->cap < 256 ? a->cap * 2 : a->cap + a->cap / 4;
        /* a and v are operands of the safepoint, so they are roots. */
        vm_value *d = backing_new(V, cap, a->elemref);
        if (!d)
            return -1;
        if (a->len) {
            if (a->elemref)
                gc_bulk_barrier(V->gcp, V->barrier, (void *const *)d, (void *const *)a->data,
                                (size_t)a->len, NULL);
            memcpy(d, a->data, (size_t)a->len * sizeof(vm_value));
        }
        gc_write_pointer(V->gcp, V->barrier, (void **)&a->data, d);
        a->cap = cap;
    }
    if (a->elemref)
        gc_write_pointer(V->gcp, V->barrier, &a->data[a->len].p, v.p);
    else
        a->data[a->len] = v;
    a->len++;
    return 0;
}
