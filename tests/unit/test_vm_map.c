/*
 * test_vm_map.c: vm/map.c, the insertion-ordered hash map: get, set, has,
 * delete, iteration order, growth with tombstones, string keys by content,
 * and the layout contract: map[int]int storage is noscan, so an int that
 * happens to equal an object's address does not keep the object alive.
 * Iteration while the map changes is checked against a model: a list in
 * insertion order that is never compacted, walked by index. Also growth
 * across chunks, the direct part of small int keys, keys chosen to
 * collide, the per-VM hash seed, bool keys,
 * and reference keys and values under a collection at every allocation.
 */
#include "tests/unit/test_vm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static vm_state *map_vm(vm_program *p, bool stress)
{
    vm_proto *m = tvm_main(p, 1);
    vm_emit(m, VM_ABC(OP_RETURN0, 0, 0, 0), 1);
    vm_options o;
    vm_options_default(&o);
    o.gc.debug.gcstress = stress;
    return vm_new(p, &o, NULL, 0);
}

static vm_value I(int64_t i) { return (vm_value){.i = i}; }

static void test_int_map(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    vm_value v;
    CU_ASSERT_FALSE(vm_map_get(m, I(1), &v));
    CU_ASSERT_EQUAL(v.i, 0);
    for (int64_t k = 0; k < 1000; k++)
        CU_ASSERT_EQUAL(vm_map_set(V, m, I(k * 7), I(k)), 0);
    CU_ASSERT_EQUAL(m->count, 1000);
    for (int64_t k = 0; k < 1000; k++) {
        CU_ASSERT_TRUE(vm_map_get(m, I(k * 7), &v));
        CU_ASSERT_EQUAL(v.i, k);
    }
    CU_ASSERT_FALSE(vm_map_has(m, I(3)));
    /* Delete the odd ones, overwrite one, re-add a deleted key: it goes last. */
    for (int64_t k = 1; k < 1000; k += 2)
        CU_ASSERT_TRUE(vm_map_delete(V, m, I(k * 7)));
    CU_ASSERT_FALSE(vm_map_delete(V, m, I(7)));
    CU_ASSERT_EQUAL(m->count, 500);
    vm_map_set(V, m, I(0), I(-1));
    vm_map_set(V, m, I(7), I(77));
    int64_t cur = 0, n = 0;
    vm_value k, val;
    int64_t prev = -1;
    bool ordered = true;
    while (vm_map_next(m, &cur, &k, &val)) {
        if (n < 500) {
            ordered &= k.i == n * 14 && k.i > prev;
            prev = k.i;
        }
        n++;
    }
    CU_ASSERT_TRUE(ordered);
    CU_ASSERT_EQUAL(n, 501);
    CU_ASSERT_EQUAL(k.i, 7);
    CU_ASSERT_EQUAL(val.i, 77);
    CU_ASSERT_TRUE(vm_map_get(m, I(0), &v));
    CU_ASSERT_EQUAL(v.i, -1);
    /* Churn: many deletes and inserts keep working (tombstones compact). */
    for (int64_t r = 0; r < 20000; r++) {
        vm_map_set(V, m, I(100000 + r), I(r));
        vm_map_delete(V, m, I(100000 + r - 3));
    }
    CU_ASSERT_EQUAL(m->count, 501 + 3);
    CU_ASSERT(m->cap < 4096);
    /* A nil map reads as empty. */
    CU_ASSERT_FALSE(vm_map_get(NULL, I(1), &v));
    CU_ASSERT_FALSE(vm_map_has(NULL, I(1)));
    cur = 0;
    CU_ASSERT_FALSE(vm_map_next(NULL, &cur, &k, &val));
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

static void test_string_keys_under_gcstress(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_STRING, true);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    gc_handle *kh = gc_handle_new(vm_heap(V), NULL);
    gc_handle *vh = gc_handle_new(vm_heap(V), NULL);
    char buf[32];
    for (int j = 0; j < 200; j++) {
        int n = snprintf(buf, sizeof buf, "key%d", j);
        gc_handle_set(kh, vm_string_new(V, buf, (size_t)n));
        n = snprintf(buf, sizeof buf, "val%d", j);
        gc_handle_set(vh, vm_string_new(V, buf, (size_t)n));
        CU_ASSERT_EQUAL(vm_map_set(V, m, (vm_value){.p = gc_handle_get(kh)},
                                   (vm_value){.p = gc_handle_get(vh)}), 0);
    }
    gc_handle_set(kh, NULL);
    gc_handle_set(vh, NULL);
    gc_collect(vm_heap(V));
    /* Keys compare by content: a fresh string finds the entry. */
    vm_string *q = vm_string_new(V, "key123", 6);
    vm_value v;
    CU_ASSERT_TRUE(vm_map_get(m, (vm_value){.p = q}, &v));
    CU_ASSERT_STRING_EQUAL(vm_string_data(v.p), "val123");
    CU_ASSERT_EQUAL(gc_verify(vm_heap(V)), 0);
    gc_handle_release(h);
    gc_handle_release(kh);
    gc_handle_release(vh);
    vm_free(V);
    vm_program_free(p);
}

static void test_int_map_is_noscan(void)
{
    CU_ASSERT_PTR_NULL(vm_gct_mapentries[0]);
    CU_ASSERT_PTR_NOT_NULL(vm_gct_mapentries[1]);
    CU_ASSERT_PTR_NOT_NULL(vm_gct_mapentries[3]);
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    /* An object only an int "points" to: the address as key and value. */
    void *victim = vm_array_new(V, 0, false);
    vm_map_set(V, m, I((int64_t)(intptr_t)victim), I((int64_t)(intptr_t)victim));
    gc_stats before, after;
    gc_read_stats(vm_heap(V), &before);
    gc_collect(vm_heap(V));
    gc_read_stats(vm_heap(V), &after);
    CU_ASSERT_PTR_NULL(gc_find_object(vm_heap(V), victim));
    CU_ASSERT(after.frees > before.frees);
    /* The map itself and its storage survive. */
    CU_ASSERT_PTR_NOT_NULL(gc_find_object(vm_heap(V), m));
    CU_ASSERT_PTR_NOT_NULL(gc_find_object(vm_heap(V), m->chunks[0]));
    CU_ASSERT_PTR_NOT_NULL(gc_find_object(vm_heap(V), m->index));
    vm_value v;
    CU_ASSERT_TRUE(vm_map_get(m, I((int64_t)(intptr_t)victim), &v));
    /* Both arrays sit in noscan spans; the collector sees no pointers. */
    gc_alloc_info info;
    CU_ASSERT_EQUAL(gc_alloc_path_of((size_t)m->cap * sizeof(vm_mapentry), vm_gct_mapentries[0], &info), 0);
    CU_ASSERT_EQUAL(info.path, GC_PATH_SMALL_NOSCAN);
    CU_ASSERT_EQUAL(info.span_class & 1, 1);
    CU_ASSERT_EQUAL(gc_alloc_path_of((size_t)8 * sizeof(uint32_t) + 8, NULL, &info), 0);
    CU_ASSERT_EQUAL(info.span_class & 1, 1);
    size_t offs[8];
    CU_ASSERT_EQUAL(gc_object_pointers(vm_heap(V), m->chunks[0], offs, 8), 0);
    CU_ASSERT_EQUAL(gc_object_pointers(vm_heap(V), m->index, offs, 8), 0);
    /* while map[string]T entries do have pointer slots: the key word. */
    vm_map *ms = vm_map_new(V, VM_MAPKEY_STRING, false);
    gc_handle *hs = gc_handle_new(vm_heap(V), ms);
    vm_map_set(V, ms, (vm_value){.p = vm_string_new(V, "k", 1)}, I(1));
    CU_ASSERT(gc_object_pointers(vm_heap(V), ms->chunks[0], offs, 8) >= 1);
    CU_ASSERT_EQUAL(offs[0], offsetof(vm_mapentry, key));
    gc_handle_release(hs);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* The model of a map being iterated: every insertion appends {key, val},
 * deletion only marks the entry dead, and an iterator is an index into
 * this list. The map must produce exactly what the model does, whatever
 * compactions happen underneath. */
typedef struct model_ent {
    int64_t key, val;
    bool live;
} model_ent;

typedef struct model {
    model_ent *e;
    int64_t n;
} model;

static int64_t model_find(const model *md, int64_t key)
{
    for (int64_t j = md->n - 1; j >= 0; j--)
        if (md->e[j].live && md->e[j].key == key)
            return j;
    return -1;
}

static bool model_next(const model *md, int64_t *cur, int64_t *key, int64_t *val)
{
    for (int64_t j = *cur; j < md->n; j++) {
        if (md->e[j].live) {
            *key = md->e[j].key;
            *val = md->e[j].val;
            *cur = j + 1;
            return true;
        }
    }
    *cur = md->n;
    return false;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random inserts, overwrites and deletes (of keys ahead of the cursor,
 * behind it and the one just produced) between the steps of two
 * interleaved iterations over the same map, thousands of steps per seed;
 * the key range is small so that deleted keys come back as new entries.
 * Also: the tombstones stay bounded (the arrays stay within 4x the most
 * live entries the map ever had, plus the minimum). */
static void test_iterate_while_changing_model(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    int64_t mismatches = 0, produced = 0, bad_bounds = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t rs = seed * 0x9e3779b97f4a7c15ull;
        vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        gc_handle *h = gc_handle_new(vm_heap(V), m);
        model md = {calloc(200000, sizeof(model_ent)), 0};
        CU_ASSERT_PTR_NOT_NULL_FATAL(md.e);
        int64_t keyrange = 8 + (int64_t)(seed % 5) * 60, maxcount = 0;
        for (int64_t j = 0; j < keyrange / 2; j++) {
            int64_t k = (int64_t)(rng_next(&rs) % (uint64_t)keyrange);
            int64_t at = model_find(&md, k);
            if (at >= 0)
                md.e[at].val = j;
            else
                md.e[md.n++] = (model_ent){k, j, true};
            vm_map_set(V, m, I(k), I(j));
        }
        int64_t mcur[2] = {0, 0}, vcur[2] = {0, 0}, lastkey[2] = {-1, -1};
        bool done[2] = {false, false};
        for (int step = 0; step < 3000 && md.n < 190000; step++) {
            int it = (int)(rng_next(&rs) % 2);
            int nops = (int)(rng_next(&rs) % 6);
            for (int op = 0; op < nops; op++) {
                uint64_t r = rng_next(&rs) % 10;
                int64_t k = r == 9 ? lastkey[it] : (int64_t)(rng_next(&rs) % (uint64_t)keyrange);
                if (r < 5) {
                    int64_t val = (int64_t)(rng_next(&rs) % 1000);
                    int64_t at = model_find(&md, k);
                    if (at >= 0)
                        md.e[at].val = val;
                    else
                        md.e[md.n++] = (model_ent){k, val, true};
                    CU_ASSERT_EQUAL_FATAL(vm_map_set(V, m, I(k), I(val)), 0);
                } else {
                    int64_t at = model_find(&md, k);
                    if (at >= 0)
                        md.e[at].live = false;
                    if (vm_map_delete(V, m, I(k)) != (at >= 0))
                        mismatches++;
                }
            }
            int64_t live = 0;
            for (int64_t j = 0; j < md.n; j++)
                live += md.e[j].live;
            if (live != m->count)
                mismatches++;
            if (m->count > maxcount)
                maxcount = m->count;
            if (m->cap > 4 * maxcount + 8 || m->used > m->cap)
                bad_bounds++;
            if (done[it]) {
                /* Start over: a fresh loop over the same map. */
                mcur[it] = vcur[it] = 0;
                done[it] = false;
                continue;
            }
            int64_t mk = 0, mv = 0;
            vm_value k, v;
            bool mok = model_next(&md, &mcur[it], &mk, &mv);
            bool vok = vm_map_next(m, &vcur[it], &k, &v);
            if (mok != vok || (mok && (k.i != mk || v.i != mv)))
                mismatches++;
            produced += mok;
            lastkey[it] = mok ? mk : -1;
            done[it] = !mok;
        }
        free(md.e);
        gc_handle_release(h);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(bad_bounds, 0);
    CU_ASSERT(produced > 10000);
    vm_free(V);
    vm_program_free(p);
}

/* The bug this fixes: a compaction during the loop shifted the entries
 * and the positional cursor skipped the ones shifted behind the dead. */
static void test_iterate_across_compaction(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    for (int64_t k = 0; k < 8; k++)
        vm_map_set(V, m, I(k), I(k));
    for (int64_t k = 0; k < 4; k++)
        vm_map_delete(V, m, I(k));
    int64_t cur = 0, got[16], n = 0;
    vm_value k, v;
    while (n < 16 && vm_map_next(m, &cur, &k, &v)) {
        got[n++] = k.i;
        if (k.i == 5)
            vm_map_set(V, m, I(100), I(100));
    }
    int64_t want[] = {4, 5, 6, 7, 100};
    CU_ASSERT_EQUAL_FATAL(n, 5);
    for (int j = 0; j < 5; j++)
        CU_ASSERT_EQUAL(got[j], want[j]);
    /* The insert found the entries full and half dead: it compacted. */
    CU_ASSERT_EQUAL(m->used, 5);
    CU_ASSERT_EQUAL(m->nfixed, 4);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* Growth across many chunks: every key found, misses missed, insertion
 * order kept, the entries in whole chunks once past the first. */
static void test_growth(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    const int64_t n = 5 * VM_MAP_CHUNK + 77;
    for (int64_t k = 0; k < n; k++)
        CU_ASSERT_EQUAL_FATAL(vm_map_set(V, m, I(k * 2654435761 % 4294967296), I(k)), 0);
    CU_ASSERT_EQUAL(m->count, n);
    CU_ASSERT_EQUAL(m->cap % VM_MAP_CHUNK, 0);
    CU_ASSERT(m->cap >= n && m->cap < n + VM_MAP_CHUNK);
    int64_t bad = 0;
    vm_value v;
    for (int64_t k = 0; k < n; k++)
        bad += !vm_map_get(m, I(k * 2654435761 % 4294967296), &v) || v.i != k;
    for (int64_t k = n; k < 2 * n; k++)
        bad += vm_map_has(m, I(k * 2654435761 % 4294967296));
    int64_t cur = 0, j = 0;
    vm_value key;
    while (vm_map_next(m, &cur, &key, &v))
        bad += v.i != j++;
    CU_ASSERT_EQUAL(j, n);
    CU_ASSERT_EQUAL(bad, 0);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* The keys of m in iteration order, into out (at most max); their count. */
static int64_t keys_of(const vm_map *m, int64_t *out, int64_t max)
{
    int64_t cur = 0, n = 0;
    vm_value k, v;
    while (n < max && vm_map_next(m, &cur, &k, &v))
        out[n++] = k.i;
    return n;
}

/* Deleted keys re-inserted go last; deletes ahead of a running loop are
 * skipped, deletes behind it are not seen again; after compaction (and
 * with the map emptied and refilled) the order is still insertion order. */
static void test_delete_reinsert_order(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    for (int64_t k = 0; k < 10; k++)
        vm_map_set(V, m, I(k), I(k));
    for (int64_t k = 0; k < 10; k += 2)
        CU_ASSERT_TRUE(vm_map_delete(V, m, I(k)));
    vm_map_set(V, m, I(4), I(40));
    vm_map_set(V, m, I(0), I(0));
    vm_map_set(V, m, I(5), I(50)); /* an overwrite keeps its place */
    int64_t got[32];
    int64_t want1[] = {1, 3, 5, 7, 9, 4, 0};
    CU_ASSERT_EQUAL_FATAL(keys_of(m, got, 32), 7);
    for (int j = 0; j < 7; j++)
        CU_ASSERT_EQUAL(got[j], want1[j]);
    /* While iterating: at 3 delete 7 (ahead: skipped) and 1 (behind). */
    int64_t cur = 0, n = 0;
    vm_value k, v;
    while (vm_map_next(m, &cur, &k, &v)) {
        got[n++] = k.i;
        if (k.i == 3) {
            vm_map_delete(V, m, I(7));
            vm_map_delete(V, m, I(1));
        }
    }
    int64_t want2[] = {1, 3, 5, 9, 4, 0};
    CU_ASSERT_EQUAL_FATAL(n, 6);
    for (int j = 0; j < 6; j++)
        CU_ASSERT_EQUAL(got[j], want2[j]);
    /* Empty it, fill it again (compactions on the way): fresh order. */
    for (int round = 0; round < 3; round++) {
        for (int64_t j = 0; j < 3000; j++)
            vm_map_delete(V, m, I(j));
        for (int64_t j = 0; j < 3000; j++)
            vm_map_set(V, m, I(2999 - j), I(j));
    }
    CU_ASSERT_EQUAL(m->count, 3000);
    CU_ASSERT(m->used < 2 * 3000);
    int64_t *all = malloc(4000 * sizeof(int64_t)), bad = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(all);
    CU_ASSERT_EQUAL(keys_of(m, all, 4000), 3000);
    for (int64_t j = 0; j < 3000; j++)
        bad += all[j] != 2999 - j;
    CU_ASSERT_EQUAL(bad, 0);
    free(all);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* n int keys whose hashes under m agree in their low bits bits. */
static void colliding_ints(const vm_map *m, int bits, int64_t *out, int n)
{
    uint64_t mask = ((uint64_t)1 << bits) - 1, want = vm_map_hash(m, I(0)) & mask;
    int got = 0;
    for (int64_t k = 0; got < n; k++)
        if ((vm_map_hash(m, I(k)) & mask) == want)
            out[got++] = k;
}

/* Keys chosen to share one probe sequence (found with the map's own
 * seed, as an attacker who knew it would): everything still works, the
 * int keys and the string keys, through deletes and re-inserts. */
static void test_chosen_collisions(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    enum { N = 300 };
    int64_t keys[N];
    colliding_ints(m, 12, keys, N);
    for (int j = 0; j < N; j++)
        CU_ASSERT_EQUAL_FATAL(vm_map_set(V, m, I(keys[j]), I(j)), 0);
    int64_t bad = 0;
    vm_value v;
    for (int j = 0; j < N; j++)
        bad += !vm_map_get(m, I(keys[j]), &v) || v.i != j;
    for (int j = 0; j < N; j += 2)
        bad += !vm_map_delete(V, m, I(keys[j]));
    for (int j = 0; j < N; j++)
        bad += vm_map_has(m, I(keys[j])) != (j % 2 == 1);
    for (int j = 0; j < N; j += 2)
        bad += vm_map_set(V, m, I(keys[j]), I(-j)) != 0;
    int64_t got[N];
    CU_ASSERT_EQUAL(keys_of(m, got, N), N);
    for (int j = 0; j < N / 2; j++)
        bad += got[j] != keys[2 * j + 1] || got[N / 2 + j] != keys[2 * j];
    CU_ASSERT_EQUAL(bad, 0);

    /* String keys: "s<k>" whose hashes share their low 8 bits. */
    vm_map *ms = vm_map_new(V, VM_MAPKEY_STRING, false);
    gc_handle *hs = gc_handle_new(vm_heap(V), ms);
    gc_handle *kh = gc_handle_new(vm_heap(V), NULL);
    char buf[32];
    uint64_t want = 0;
    int found = 0;
    for (int k = 0; found < 100; k++) {
        int len = snprintf(buf, sizeof buf, "s%d", k);
        gc_handle_set(kh, vm_string_new(V, buf, (size_t)len));
        uint64_t hk = vm_map_hash(ms, (vm_value){.p = gc_handle_get(kh)}) & 255;
        if (found == 0)
            want = hk;
        if (hk != want)
            continue;
        CU_ASSERT_EQUAL_FATAL(vm_map_set(V, ms, (vm_value){.p = gc_handle_get(kh)}, I(k)), 0);
        found++;
    }
    CU_ASSERT_EQUAL(ms->count, 100);
    int64_t cur = 0, prev = -1;
    vm_value k;
    bad = 0;
    while (vm_map_next(ms, &cur, &k, &v)) {
        /* a fresh copy of the key finds its entry by content */
        vm_string *q = vm_string_new(V, vm_string_data(k.p), (size_t)vm_string_len(k.p));
        vm_value w;
        bad += !vm_map_get(ms, (vm_value){.p = q}, &w) || w.i != v.i || v.i <= prev;
        prev = v.i;
    }
    CU_ASSERT_EQUAL(bad, 0);
    gc_handle_release(kh);
    gc_handle_release(hs);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* The hash is seeded per VM: the same key hashes differently in two VMs,
 * keys made to collide in one are spread in the other, and yet both
 * iterate (so print) the same map in the same order. */
static void test_seeded_per_vm(void)
{
    vm_program *pa = tvm_program(), *pb = tvm_program();
    vm_state *A = map_vm(pa, false), *B = map_vm(pb, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(A);
    CU_ASSERT_PTR_NOT_NULL_FATAL(B);
    vm_map *ma = vm_map_new(A, VM_MAPKEY_INT, false), *mb = vm_map_new(B, VM_MAPKEY_INT, false);
    gc_handle *ha = gc_handle_new(vm_heap(A), ma), *hb = gc_handle_new(vm_heap(B), mb);
    CU_ASSERT_NOT_EQUAL(vm_map_hash(ma, I(42)), vm_map_hash(mb, I(42)));
    vm_map *sa = vm_map_new(A, VM_MAPKEY_STRING, false), *sb = vm_map_new(B, VM_MAPKEY_STRING, false);
    vm_string *xa = vm_string_new(A, "collide", 7), *xb = vm_string_new(B, "collide", 7);
    CU_ASSERT_NOT_EQUAL(vm_map_hash(sa, (vm_value){.p = xa}), vm_map_hash(sb, (vm_value){.p = xb}));
    enum { N = 200 };
    int64_t keys[N];
    colliding_ints(ma, 12, keys, N);
    bool seen[4096] = {false};
    int distinct = 0;
    for (int j = 0; j < N; j++) {
        uint64_t s = vm_map_hash(mb, I(keys[j])) & 4095;
        distinct += !seen[s];
        seen[s] = true;
    }
    CU_ASSERT(distinct > N * 3 / 4);
    for (int j = 0; j < N; j++) {
        vm_map_set(A, ma, I(keys[j]), I(j));
        vm_map_set(B, mb, I(keys[j]), I(j));
    }
    int64_t ka[N], kb[N];
    CU_ASSERT_EQUAL(keys_of(ma, ka, N), N);
    CU_ASSERT_EQUAL(keys_of(mb, kb, N), N);
    CU_ASSERT_EQUAL(memcmp(ka, kb, sizeof ka), 0);
    CU_ASSERT_EQUAL(memcmp(ka, keys, sizeof ka), 0);
    gc_handle_release(ha);
    gc_handle_release(hb);
    vm_free(A);
    vm_free(B);
    vm_program_free(pa);
    vm_program_free(pb);
}

static void test_bool_keys(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_BOOL, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    vm_value v;
    vm_map_set(V, m, I(1), I(10));
    vm_map_set(V, m, I(0), I(20));
    vm_map_set(V, m, I(1), I(11));
    CU_ASSERT_EQUAL(m->count, 2);
    CU_ASSERT_TRUE(vm_map_get(m, I(1), &v));
    CU_ASSERT_EQUAL(v.i, 11);
    CU_ASSERT_TRUE(vm_map_delete(V, m, I(1)));
    CU_ASSERT_FALSE(vm_map_get(m, I(1), &v));
    vm_map_set(V, m, I(1), I(12));
    int64_t got[4];
    CU_ASSERT_EQUAL_FATAL(keys_of(m, got, 4), 2);
    CU_ASSERT_EQUAL(got[0], 0);
    CU_ASSERT_EQUAL(got[1], 1);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* Reference values (and keys) survive a collection at every allocation
 * through growth past a chunk, deletes, compactions and re-inserts; the
 * heap verifies. */
static void test_ref_values_under_gcstress(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, true);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    gc_handle *vh = gc_handle_new(vm_heap(V), NULL);
    char buf[32];
    const int64_t n = VM_MAP_CHUNK + 500;
    for (int round = 0; round < 2; round++) {
        for (int64_t k = 0; k < n; k++) {
            if (round == 1 && k % 3 != 0)
                continue;
            int len = snprintf(buf, sizeof buf, "v%lld.%d", (long long)k, round);
            gc_handle_set(vh, vm_string_new(V, buf, (size_t)len));
            CU_ASSERT_EQUAL_FATAL(vm_map_set(V, m, I(k), (vm_value){.p = gc_handle_get(vh)}), 0);
        }
        gc_handle_set(vh, NULL);
        for (int64_t k = 0; k < n; k += 3)
            if (round == 0)
                vm_map_delete(V, m, I(k));
    }
    gc_collect(vm_heap(V));
    CU_ASSERT_EQUAL(gc_verify(vm_heap(V)), 0);
    int64_t bad = 0;
    vm_value v;
    for (int64_t k = 0; k < n; k++) {
        int len = snprintf(buf, sizeof buf, "v%lld.%d", (long long)k, k % 3 == 0);
        bad += !vm_map_get(m, I(k), &v) || vm_string_len(v.p) != len ||
               memcmp(vm_string_data(v.p), buf, (size_t)len) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* string keys and values, both references */
    vm_map *ms = vm_map_new(V, VM_MAPKEY_STRING, true);
    gc_handle *hs = gc_handle_new(vm_heap(V), ms);
    gc_handle *kh = gc_handle_new(vm_heap(V), NULL);
    for (int64_t k = 0; k < 600; k++) {
        int len = snprintf(buf, sizeof buf, "k%lld", (long long)k);
        gc_handle_set(kh, vm_string_new(V, buf, (size_t)len));
        gc_handle_set(vh, vm_string_new(V, buf + 1, (size_t)len - 1));
        CU_ASSERT_EQUAL_FATAL(vm_map_set(V, ms, (vm_value){.p = gc_handle_get(kh)},
                                         (vm_value){.p = gc_handle_get(vh)}), 0);
        if (k % 2)
            vm_map_delete(V, ms, (vm_value){.p = gc_handle_get(kh)});
    }
    gc_handle_set(kh, NULL);
    gc_handle_set(vh, NULL);
    gc_collect(vm_heap(V));
    CU_ASSERT_EQUAL(gc_verify(vm_heap(V)), 0);
    int64_t cur = 0, j = 0;
    vm_value k;
    bad = 0;
    while (vm_map_next(ms, &cur, &k, &v)) {
        int len = snprintf(buf, sizeof buf, "k%lld", (long long)(2 * j));
        bad += vm_string_len(k.p) != len || memcmp(vm_string_data(k.p), buf, (size_t)len) != 0 ||
               memcmp(vm_string_data(v.p), buf + 1, (size_t)len - 1) != 0;
        j++;
    }
    CU_ASSERT_EQUAL(j, 300);
    CU_ASSERT_EQUAL(bad, 0);
    gc_handle_release(kh);
    gc_handle_release(hs);
    gc_handle_release(vh);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

/* Small non-negative int keys, dense enough, go to the direct part (the
 * slot is the key): found, deleted, re-inserted last, iterated in
 * insertion order among hashed keys (negative, large), through the
 * rehashes that resize the direct part and the compactions. */
static void test_direct_part(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    enum { N = 3000 };
    /* keys: N-1 down to 0, each followed by a negative and a large one */
    int64_t *keys = malloc(3 * N * sizeof(int64_t)), *got = malloc(3 * N * sizeof(int64_t));
    CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    int64_t n = 0;
    for (int64_t j = N - 1; j >= 0; j--) {
        keys[n++] = j;
        keys[n++] = -1 - j;
        keys[n++] = ((int64_t)1 << 40) + j;
    }
    for (int64_t j = 0; j < n; j++)
        CU_ASSERT_EQUAL_FATAL(vm_map_set(V, m, I(keys[j]), I(j)), 0);
    CU_ASSERT((m->flags >> 16 & 0xff) >= 11); /* a direct part of 2048 or more */
    int64_t bad = 0;
    vm_value v;
    for (int64_t j = 0; j < n; j++)
        bad += !vm_map_get(m, I(keys[j]), &v) || v.i != j;
    bad += vm_map_has(m, I(N)) + vm_map_has(m, I(-1 - N)) + vm_map_has(m, I(((int64_t)1 << 40) + N));
    CU_ASSERT_EQUAL(keys_of(m, got, n), n);
    for (int64_t j = 0; j < n; j++)
        bad += got[j] != keys[j];
    /* Delete the even small keys and every large one; put back half of
     * the small ones deleted: they come last, in the order put back. */
    for (int64_t j = 0; j < N; j += 2)
        bad += !vm_map_delete(V, m, I(j));
    for (int64_t j = 0; j < N; j++)
        bad += !vm_map_delete(V, m, I(((int64_t)1 << 40) + j));
    for (int64_t j = 0; j < N; j += 4)
        bad += vm_map_set(V, m, I(j), I(-j)) != 0;
    int64_t k = 0;
    for (int64_t j = 0; j < n; j++)
        if (keys[j] < 0 || (keys[j] < N && keys[j] % 2))
            keys[k++] = keys[j];
    for (int64_t j = 0; j < N; j += 4)
        keys[k++] = j;
    CU_ASSERT_EQUAL(m->count, k);
    CU_ASSERT_EQUAL(keys_of(m, got, n), k);
    for (int64_t j = 0; j < k; j++)
        bad += got[j] != keys[j];
    for (int64_t j = 0; j < N; j++)
        bad += vm_map_has(m, I(j)) != (j % 2 == 1 || j % 4 == 0);
    /* the values, through the direct part's copies, after overwrites */
    for (int64_t j = 1; j < N; j += 2)
        bad += vm_map_set(V, m, I(j), I(10 * j)) != 0;
    for (int64_t j = 0; j < N; j++)
        bad += vm_map_get(m, I(j), &v) != (j % 2 == 1 || j % 4 == 0) ||
               v.i != (j % 2 ? 10 * j : j % 4 ? 0 : -j);
    CU_ASSERT_EQUAL(bad, 0);
    free(keys);
    free(got);
    gc_handle_release(h);
    vm_free(V);
    vm_program_free(p);
}

CU_TestInfo vm_map_tests[] = {
    {"int_map", test_int_map},
    {"string_keys_under_gcstress", test_string_keys_under_gcstress},
    {"int_map_is_noscan", test_int_map_is_noscan},
    {"iterate_across_compaction", test_iterate_across_compaction},
    {"iterate_while_changing_model", test_iterate_while_changing_model},
    {"growth", test_growth},
    {"delete_reinsert_order", test_delete_reinsert_order},
    {"chosen_collisions", test_chosen_collisions},
    {"seeded_per_vm", test_seeded_per_vm},
    {"bool_keys", test_bool_keys},
    {"direct_part", test_direct_part},
    {"ref_values_under_gcstress", test_ref_values_under_gcstress},
    CU_TEST_INFO_NULL,
};
