/*
 * map.c: toy's map[K]V, an insertion-ordered hash map (the layout of
 * CPython's compact dict rather than Go's bucket map or Lua's node array,
 * because toy maps iterate and print in insertion order).
 *
 * Two arrays hang off the header: an index of 2*cap int32 slots (entry
 * number + 1, 0 = empty; plain integers, so it lives in a noscan span) and
 * the entries {hash, key, value} in insertion order, typed from K and V so
 * that map[int]int entries are noscan too. Deletion leaves a tombstone
 * (hash = VM_MAP_TOMBSTONE, key and value cleared so they keep nothing
 * alive); growth compacts. Linear probing.
 *
 * Iteration (for k, v in m; stdlib's keys) may run while the loop body
 * inserts and deletes, so its cursor cannot be a position: a compaction
 * shifts every entry behind a tombstone. Each entry carries its insertion
 * number (seq, from m->nextseq, never reused, kept by compaction), so
 * seqs increase along entries[] and the cursor is "the seq after the last
 * entry produced". The guarantee (Go's, made deterministic): every entry
 * present when the loop starts and not deleted before it is reached is
 * produced exactly once, in insertion order; entries inserted during the
 * loop are produced too, after the older ones (so a body that always
 * inserts never ends); a key deleted and re-inserted is a new entry. To
 * find the position of a cursor in O(1), m->hint remembers where the last
 * call stopped; it is checked against the seqs (so it is never trusted),
 * and a miss (a compaction, a nested loop over the same map) falls back to
 * a binary search. The cost: 8 bytes per entry and one store per insert.
 */
#include "vm/vmint.h"

#include <string.h>

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finaliser: int keys are often sequential. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t key_hash(const vm_map *m, vm_value key)
{
    uint64_t h = (m->flags & 3) == VM_MAPKEY_STRING ? vm_string_hash(key.p) : mix64((uint64_t)key.i);
    return h == VM_MAP_TOMBSTONE ? h - 1 : h;
}

static bool key_eq(const vm_map *m, vm_value a, vm_value b)
{
    if ((m->flags & 3) == VM_MAPKEY_STRING)
        return vm_string_eq(a.p, b.p);
    return a.i == b.i;
}

/* A key or value store into the entries: a reference goes through the
 * heap's write barrier (a mark may be running, and the old value may be
 * held only by the program now). */
static void store(vm_state *V, bool ref, vm_value *slot, vm_value v)
{
    if (ref)
        vm_write_pointer(V, &slot->p, v.p);
    else
        *slot = v;
}

static const gc_type *entries_type(int64_t flags)
{
    int keyref = (flags & 3) == VM_MAPKEY_STRING;
    int valref = (flags & VM_MAP_VALREF) != 0;
    return vm_gct_mapentries[keyref | valref << 1];
}

vm_map *vm_map_new(vm_state *V, int keykind, bool valref)
{
    vm_map *m = vm_alloc(V, "map", sizeof(vm_map), &vm_gct_map, true);
    if (!m)
        return NULL;
    m->flags = keykind | (valref ? VM_MAP_VALREF : 0);
    return m;
}

/* Index slot holding key, or -1; *slotp gets the first empty slot seen. */
static int64_t find(const vm_map *m, vm_value key, uint64_t h)
{
    if (!m || !m->cap)
        return -1;
    uint64_t mask = (uint64_t)m->cap * 2 - 1;
    for (uint64_t s = h & mask;; s = (s + 1) & mask) {
        int32_t e = m->index[s];
        if (e == 0)
            return -1;
        const vm_mapentry *ent = &m->entries[e - 1];
        if (ent->hash == h && key_eq(m, ent->key, key))
            return e - 1;
    }
}

bool vm_map_get(const vm_map *m, vm_value key, vm_value *out)
{
    int64_t e = m ? find(m, key, key_hash(m, key)) : -1;
    if (e < 0) {
        out->i = 0;
        return false;
    }
    *out = m->entries[e].val;
    return true;
}

bool vm_map_has(const vm_map *m, vm_value key)
{
    return m && find(m, key, key_hash(m, key)) >= 0;
}

static void index_insert(vm_map *m, uint64_t h, int64_t e)
{
    uint64_t mask = (uint64_t)m->cap * 2 - 1;
    uint64_t s = h & mask;
    while (m->index[s] != 0)
        s = (s + 1) & mask;
    m->index[s] = (int32_t)(e + 1);
}

/* Compact the live entries into arrays sized for about 2x count. */
static int rehash(vm_state *V, vm_map *m)
{
    /* A power of two, so the index mask reaches every slot. */
    int64_t cap = 8;
    while (cap < m->count * 2)
        cap *= 2;
    if (cap > INT32_MAX / 4)
        return -1;
    /* m is a root (an operand of the safepoint); the new index is not yet
     * reachable from it, so root it while the entries are allocated. */
    int32_t *index = vm_alloc(V, "map.index", (size_t)cap * 2 * sizeof(int32_t), NULL, true);
    if (!index || vm_root_push(V, index) != 0)
        return -1;
    const gc_type *et = entries_type(m->flags);
    vm_mapentry *ents = vm_alloc(V, et ? et->name : "map.entries (noscan)",
                                 (size_t)cap * sizeof(vm_mapentry), et, true);
    vm_root_pop(V, 1);
    if (!ents)
        return -1;
    /* ents is new (black during a mark), and what is copied into it stays
     * in the old entries until the barrier of the store of m->entries
     * below shades them, so the copy itself needs none. */
    int64_t n = 0;
    for (int64_t j = 0; j < m->used; j++)
        if (m->entries[j].hash != VM_MAP_TOMBSTONE)
            ents[n++] = m->entries[j];
    vm_write_pointer(V, (void **)&m->index, index);
    vm_write_pointer(V, (void **)&m->entries, ents);
    m->cap = cap;
    m->used = n;
    for (int64_t j = 0; j < n; j++)
        index_insert(m, ents[j].hash, j);
    return 0;
}

int vm_map_set(vm_state *V, vm_map *m, vm_value key, vm_value val)
{
    uint64_t h = key_hash(m, key);
    int64_t e = find(m, key, h);
    if (e >= 0) {
        store(V, m->flags & VM_MAP_VALREF, &m->entries[e].val, val);
        return 0;
    }
    if (m->used == m->cap && rehash(V, m) != 0)
        return -1;
    e = m->used++;
    m->entries[e].hash = h;
    store(V, (m->flags & 3) == VM_MAPKEY_STRING, &m->entries[e].key, key);
    store(V, m->flags & VM_MAP_VALREF, &m->entries[e].val, val);
    m->entries[e].seq = m->nextseq++;
    m->count++;
    index_insert(m, h, e);
    return 0;
}

bool vm_map_delete(vm_state *V, vm_map *m, vm_value key)
{
    int64_t e = m ? find(m, key, key_hash(m, key)) : -1;
    if (e < 0)
        return false;
    /* The index slot keeps pointing at the tombstone so probes go on. */
    m->entries[e].hash = VM_MAP_TOMBSTONE;
    store(V, (m->flags & 3) == VM_MAPKEY_STRING, &m->entries[e].key, (vm_value){.i = 0});
    store(V, m->flags & VM_MAP_VALREF, &m->entries[e].val, (vm_value){.i = 0});
    m->count--;
    return true;
}

/* The first position whose seq is >= c (kept out of line: it runs once
 * per loop, and after a compaction or a nested loop). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int64_t seek(const vm_mapentry *ent, int64_t used, int64_t c)
{
    int64_t lo = 0, hi = used;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ent[mid].seq < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool vm_map_next(const vm_map *cm, int64_t *cursor, vm_value *key, vm_value *val)
{
    if (!cm)
        return false;
    /* The hint is a cache (C++'s mutable), not part of the map's value;
     * maps live in the heap, never in const storage. */
    vm_map *m = (vm_map *)cm;
    const vm_mapentry *ent = m->entries;
    int64_t c = *cursor, used = m->used, j = m->hint;
    /* When the entry before the hint has seq c - 1, it is the one produced
     * last, so (seqs increase along entries[]) j is the first position
     * whose seq is >= c. */
    if (!((uint64_t)(j - 1) < (uint64_t)used && ent[j - 1].seq == c - 1))
        j = seek(ent, used, c);
    for (; j < used; j++) {
        if (ent[j].hash == VM_MAP_TOMBSTONE)
            continue;
        *key = ent[j].key;
        *val = ent[j].val;
        *cursor = ent[j].seq + 1;
        m->hint = j + 1;
        return true;
    }
    m->hint = used;
    return false;
}
