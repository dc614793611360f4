/*
 * test_vm_map.c: vm/map.c, the insertion-ordered hash map: get, set, has,
 * delete, iteration order, growth with tombstones, string keys by content,
 * and the layout contract: map[int]int storage is noscan, so an int that
 * happens to equal an object's address does not keep the object alive.
 * Iteration while the map changes is checked against a model: a list in
 * insertion order that is never compacted, walked by index.
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
    CU_ASSERT_PTR_NOT_NULL(gc_find_object(vm_heap(V), m->entries));
    CU_ASSERT_PTR_NOT_NULL(gc_find_object(vm_heap(V), m->index));
    vm_value v;
    CU_ASSERT_TRUE(vm_map_get(m, I((int64_t)(intptr_t)victim), &v));
    /* Both arrays sit in noscan spans; the collector sees no pointers. */
    gc_alloc_info info;
    CU_ASSERT_EQUAL(gc_alloc_path_of((size_t)m->cap * sizeof(vm_mapentry), vm_gct_mapentries[0], &info), 0);
    CU_ASSERT_EQUAL(info.path, GC_PATH_SMALL_NOSCAN);
    CU_ASSERT_EQUAL(info.span_class & 1, 1);
    CU_ASSERT_EQUAL(gc_alloc_path_of((size_t)m->cap * 2 * sizeof(int32_t), NULL, &info), 0);
    CU_ASSERT_EQUAL(info.span_class & 1, 1);
    size_t offs[8];
    CU_ASSERT_EQUAL(gc_object_pointers(vm_heap(V), m->entries, offs, 8), 0);
    CU_ASSERT_EQUAL(gc_object_pointers(vm_heap(V), m->index, offs, 8), 0);
    /* while map[string]T entries do have pointer slots: the key word. */
    vm_map *ms = vm_map_new(V, VM_MAPKEY_STRING, false);
    gc_handle *hs = gc_handle_new(vm_heap(V), ms);
    vm_map_set(V, ms, (vm_value){.p = vm_string_new(V, "k", 1)}, I(1));
    CU_ASSERT(gc_object_pointers(vm_heap(V), ms->entries, offs, 8) >= 1);
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

/* The bug this fixes: a growth during the loop compacted the entries and
 * the positional cursor skipped the two shifted behind the tombstones. */
static void test_iterate_across_compaction(void)
{
    vm_program *p = tvm_program();
    vm_state *V = map_vm(p, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(V);
    vm_map *m = vm_map_new(V, VM_MAPKEY_INT, false);
    gc_handle *h = gc_handle_new(vm_heap(V), m);
    for (int64_t k = 0; k < 8; k++)
        vm_map_set(V, m, I(k), I(k));
    vm_map_delete(V, m, I(0));
    vm_map_delete(V, m, I(1));
    int64_t cur = 0, got[16], n = 0;
    vm_value k, v;
    while (n < 16 && vm_map_next(m, &cur, &k, &v)) {
        got[n++] = k.i;
        if (k.i == 4)
            vm_map_set(V, m, I(100), I(100));
    }
    int64_t want[] = {2, 3, 4, 5, 6, 7, 100};
    CU_ASSERT_EQUAL_FATAL(n, 7);
    for (int j = 0; j < 7; j++)
        CU_ASSERT_EQUAL(got[j], want[j]);
    CU_ASSERT_EQUAL(m->used, 7); /* the insert compacted the tombstones */
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
    CU_TEST_INFO_NULL,
};
