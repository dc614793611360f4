/*
 * map.c: toy's map[K]V, an insertion-ordered hash map: CPython's compact
 * dict (a dense array of entries in insertion order beside a small index
 * of slots) rather than Go's Swiss table or Lua's node array, because
 * toy maps iterate and print in insertion order and the dense entries give
 * that order for free. It departs from CPython in five ways:
 *
 * - Entries are {key, val}, typed from K and V (map[int]int storage is
 *   noscan), in chunks of VM_MAP_CHUNK under a directory (a map smaller
 *   than a chunk has one chunk of cap entries, doubled as it fills). A
 *   growing map allocates one chunk at a time and copies only the
 *   directory: no entry is ever copied by growth, so a big map costs
 *   16 bytes per entry and leaves no old entry array behind for the
 *   collector to find.
 *
 * - A hashed slot of the index is a uint32: entry number + 1 in its low
 *   ebits bits (ebits >= shift, nslots = 1 << shift, and every entry
 *   number fits), and above them a tag, the top bit set and the rest from
 *   the hash's high half, as the control bytes of a Swiss table: a probe
 *   compares the tag first and touches an entry only when the tag matches,
 *   so a lookup that misses rarely leaves the index. 0 is an empty slot,
 *   and a deleted entry's slot becomes emask = (1 << ebits) - 1, which no
 *   tag matches (its top bit is clear) and no entry number reaches. Linear
 *   probing, at most 3/4 full.
 *
 * - Int keys in [0, asize) skip the hash: their slot is direct[key], the
 *   entry number + 1 or 0, as Lua's array part (asize is chosen as Lua's
 *   computesizes does, at each rehash: the largest power of two more than
 *   half used). Dense keys then cost 4 to 8 bytes of index each and their
 *   lookups walk the index in key order; no key choice can make them
 *   collide, and the hashed keys are seeded.
 *
 * - Deletion marks the entry in a bitmap after the index's slots (one
 *   noscan object: hashed slots, direct slots, a bit per entry the map may
 *   hold before its next rehash) and clears its words so that they keep
 *   nothing alive. The dead entries are compacted away when the index is
 *   rebuilt (a growth, with at least 1/8 of the entries dead) and instead
 *   of adding a chunk when half the entries are dead. A map never
 *   shrinks (neither do Go's): the chunks and the index it has grown to
 *   stay for the entries to come, so its memory is bounded by the most
 *   entries it has held, never by the deletions it has seen.
 *
 * - Hashes are seeded per VM (vm_state.hashseed, copied into each map):
 *   as in Go, keys cannot be chosen to collide, and since maps iterate in
 *   insertion order nothing a program prints depends on the seed.
 *
 * Iteration (for k, v in m; stdlib's keys; print) may run while the loop
 * body inserts and deletes, so its cursor cannot be a position: a
 * compaction shifts every entry behind a dead one. The cursor is an
 * insertion number ("the one after the last entry produced"), never
 * reused and kept by compaction, so numbers increase along the entries.
 * The guarantee (Go's, made deterministic): every entry present when the
 * loop starts and not deleted before it is reached is produced exactly
 * once, in insertion order; entries inserted during the loop are produced
 * too, after the older ones (so a body that always inserts never ends); a
 * key deleted and re-inserted is a new entry. The numbers cost nothing
 * until a compaction removes an entry: entry j's number is j + seqdelta
 * for j >= nfixed, and the compaction writes the numbers of the entries it
 * keeps into seqs[0..nfixed) (entries appended later follow the rule
 * again). To find a cursor's position in O(1), m->hint remembers where
 * the last call stopped; it is checked against the numbers (so it is
 * never trusted), and a miss (a compaction, a nested loop over the same
 * map) falls back to a binary search.
 *
 * Every store of a pointer into the map's objects goes through the write
 * barrier (alloc.h): entries one word at a time, the directory with
 * gc_bulk_barrier before it is copied.
 */
#include "vm/vmint.h"

#include <string.h>

#define INDEX_MAX_SHIFT 30 /* the tag keeps its top bit above the entry number */
#define CHUNK_MASK (VM_MAP_CHUNK - 1)

static inline bool keyref(const vm_map *m) { return (m->flags & 3) == VM_MAPKEY_STRING; }
static inline bool valref(const vm_map *m) { return (m->flags & VM_MAP_VALREF) != 0; }
static inline unsigned shift_of(const vm_map *m) { return (unsigned)(m->flags >> 8) & 0xff; }
/* The width of the entry number in a hashed slot (>= shift: the direct
 * part's entries count too); the tag is above it. */
static inline unsigned ebits_of(const vm_map *m) { return (unsigned)(m->flags >> 24) & 0xff; }
static inline int64_t nslots_of(const vm_map *m) { return m->index ? (int64_t)1 << shift_of(m) : 0; }
/* The direct part's length: 0 or a power of two, at least 8. */
static inline uint64_t asize_of(const vm_map *m)
{
    unsigned a = (unsigned)(m->flags >> 16) & 0xff;
    return a ? (uint64_t)1 << a : 0;
}
static inline uint32_t *direct_of(const vm_map *m) { return m->index + nslots_of(m); }
static inline uint64_t *dead_of(const vm_map *m)
{
    return (uint64_t *)(m->index + nslots_of(m) + asize_of(m));
}
/* Entries a map may hold (dead ones included) before the next rehash:
 * the dead bitmap has this many bits. */
static inline int64_t limit_of(unsigned shift, uint64_t asize)
{
    return (int64_t)asize + ((int64_t)1 << shift) / 4 * 3;
}
static inline bool direct(const vm_map *m, vm_value key)
{
    return !keyref(m) && (uint64_t)key.i < asize_of(m);
}
static inline vm_mapentry *ent(const vm_map *m, int64_t j)
{
    return &m->chunks[j >> VM_MAP_CHUNK_SHIFT][j & CHUNK_MASK];
}
static inline bool is_dead(const uint64_t *dead, int64_t j) { return (dead[j >> 6] >> (j & 63)) & 1; }
static inline int64_t seq_of(const vm_map *m, int64_t j)
{
    return j < m->nfixed ? m->seqs[j] : j + m->seqdelta;
}

static inline uint64_t mix64(uint64_t x)
{
    /* splitmix64's finaliser, a bijection: distinct keys, distinct hashes. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static inline uint64_t key_hash(const vm_map *m, vm_value key)
{
    return keyref(m) ? vm_string_hash(key.p, m->seed) : mix64((uint64_t)key.i ^ m->seed);
}

uint64_t vm_map_hash(const vm_map *m, vm_value key) { return key_hash(m, key); }

static inline uint32_t tag_of(uint64_t h, unsigned shift)
{
    return (uint32_t)((h >> 32) << shift) | 0x80000000u;
}

static const gc_type *entries_type(const vm_map *m)
{
    return vm_gct_mapentries[keyref(m) | valref(m) << 1];
}

vm_map *vm_map_new(vm_state *V, int keykind, bool valref)
{
    vm_map *m = vm_alloc(V, "map", sizeof(vm_map), &vm_gct_map, true);
    if (!m)
        return NULL;
    m->flags = keykind | (valref ? VM_MAP_VALREF : 0);
    m->seed = V->hashseed;
    return m;
}

static inline bool str_eq(const vm_string *a, const vm_string *b, uint64_t hb)
{
    if (a == b)
        return true;
    /* A stored key was hashed when it went in, so its cache is filled
     * (but for nil, which equals ""). */
    if (a && b && a->hash != hb)
        return false;
    return vm_string_eq(a, b);
}

/* The entry holding key (and its slot in *slotp), or -1 (and in *slotp
 * the slot an insertion of key takes: the first deleted or empty one on
 * its probe sequence). m has an index. A key of the direct part has one
 * slot, which holds its entry number or 0, and needs no compare. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int64_t find(const vm_map *m, vm_value key, uint64_t h, uint32_t **slotp)
{
    if (direct(m, key)) {
        uint32_t *d = &direct_of(m)[key.i];
        *slotp = d;
        return (int64_t)*d - 1;
    }
    unsigned eb = ebits_of(m);
    uint32_t emask = ((uint32_t)1 << eb) - 1, tag = tag_of(h, eb);
    uint64_t mask = ((uint64_t)1 << shift_of(m)) - 1;
    uint32_t *index = m->index, *avail = NULL;
    bool str = keyref(m);
    for (uint64_t s = h & mask;; s = (s + 1) & mask) {
        uint32_t v = index[s];
        if (v == 0) {
            *slotp = avail ? avail : &index[s];
            return -1;
        }
        if ((v & ~emask) == tag) {
            int64_t e = (int64_t)(v & emask) - 1;
            const vm_mapentry *x = ent(m, e);
            if (str ? str_eq(x->key.p, key.p, h) : x->key.i == key.i) {
                *slotp = &index[s];
                return e;
            }
        } else if (v == emask && !avail) {
            avail = &index[s];
        }
    }
}

bool vm_map_get(const vm_map *m, vm_value key, vm_value *out)
{
    uint32_t *s;
    int64_t e = m && m->index ? find(m, key, key_hash(m, key), &s) : -1;
    if (e < 0) {
        out->i = 0;
        return false;
    }
    *out = ent(m, e)->val;
    return true;
}

bool vm_map_has(const vm_map *m, vm_value key)
{
    uint32_t *s;
    return m && m->index && find(m, key, key_hash(m, key), &s) >= 0;
}

/* Files entry e (key, hash h) in the direct part or the first empty or
 * deleted slot of its probe sequence. */
static inline void index_insert(vm_map *m, vm_value key, uint64_t h, int64_t e)
{
    if (direct(m, key)) {
        direct_of(m)[key.i] = (uint32_t)(e + 1);
        return;
    }
    unsigned eb = ebits_of(m);
    uint32_t emask = ((uint32_t)1 << eb) - 1;
    uint64_t mask = ((uint64_t)1 << shift_of(m)) - 1;
    uint64_t s = h & mask;
    while (m->index[s] != 0 && m->index[s] != emask)
        s = (s + 1) & mask;
    if (m->index[s] == 0)
        m->hused++;
    m->index[s] = tag_of(h, eb) | (uint32_t)(e + 1);
}

/* The direct part's length for the live int keys: as Lua's
 * computesizes, the largest power of two n such that more than n/2 of
 * the keys 0..n-1 are present (0 when that n is under 8). */
static uint64_t direct_size(const vm_map *m)
{
    if (keyref(m) || m->count < 4)
        return 0;
    int64_t nums[33] = {0};
    const uint64_t *dead = dead_of(m);
    for (int64_t j = 0; j < m->used; j++) {
        uint64_t k = (uint64_t)ent(m, j)->key.i;
        if (!is_dead(dead, j) && k < ((uint64_t)1 << 31))
            nums[k ? 64 - __builtin_clzll(k) : 0]++;
    }
    uint64_t best = 0;
    int64_t below = nums[0];
    for (int b = 1; b <= 31; b++) {
        below += nums[b]; /* keys in [0, 2^b) */
        if (below > ((int64_t)1 << b) / 2)
            best = (uint64_t)1 << b;
    }
    return best >= 8 ? best : 0;
}

/* Stores of the key and value words of an entry (the barrier for the
 * reference ones). */
static inline void put_key(vm_state *V, const vm_map *m, vm_mapentry *x, vm_value k)
{
    if (keyref(m))
        gc_write_pointer(V->gcp, V->barrier, &x->key.p, k.p);
    else
        x->key = k;
}

static inline void put_val(vm_state *V, const vm_map *m, vm_mapentry *x, vm_value v)
{
    if (valref(m))
        gc_write_pointer(V->gcp, V->barrier, &x->val.p, v.p);
    else
        x->val = v;
}

static inline void put_ptr(vm_state *V, void *slot, void *val)
{
    gc_write_pointer(V->gcp, V->barrier, (void **)slot, val);
}

/* Moves the live entries to the front, in order, and records their
 * insertion numbers in a fresh seqs. Allocates (a safepoint) before it
 * moves anything. */
static int compact(vm_state *V, vm_map *m)
{
    int64_t n = m->count, used = m->used;
    int64_t *seqs = NULL;
    if (n) {
        seqs = vm_alloc(V, "map.seqs", (size_t)n * sizeof(int64_t), NULL, false);
        if (!seqs)
            return -1;
    }
    const uint64_t *dead = dead_of(m);
    vm_value zero = {.i = 0};
    int64_t k = 0;
    for (int64_t j = 0; j < used; j++) {
        if (is_dead(dead, j))
            continue;
        seqs[k] = seq_of(m, j);
        if (k != j) {
            vm_mapentry *src = ent(m, j), *dst = ent(m, k);
            put_key(V, m, dst, src->key);
            put_val(V, m, dst, src->val);
        }
        k++;
    }
    /* The vacated tail keeps nothing alive. */
    for (int64_t j = k; j < used; j++) {
        vm_mapentry *x = ent(m, j);
        put_key(V, m, x, zero);
        put_val(V, m, x, zero);
    }
    /* No entry is dead now (the index is stale until the caller rebuilds it). */
    memset(dead_of(m), 0, (size_t)(used + 63) / 64 * sizeof(uint64_t));
    m->seqdelta = used + m->seqdelta - k; /* the next insertion's number stays */
    put_ptr(V, &m->seqs, seqs);
    m->nfixed = k;
    m->used = k;
    return 0;
}

/* Rebuilds the index: the direct part for the int keys (direct_size),
 * and the hashed slots for the others, at most half full, after
 * compacting the dead entries when there are enough of them (or when
 * compact_anyway). */
static int rehash(vm_state *V, vm_map *m, bool compact_anyway)
{
    int64_t dead = m->used - m->count;
    bool compacting = dead > 0 && (compact_anyway || dead * 8 >= m->used);
    if (compacting && compact(V, m) != 0)
        return -1;
    uint64_t asize = m->index ? direct_size(m) : 0;
    int64_t hashed = m->count;
    if (asize) {
        const uint64_t *deadbits = dead_of(m);
        for (int64_t j = 0; j < m->used; j++)
            hashed -= !is_dead(deadbits, j) && (uint64_t)ent(m, j)->key.i < asize;
    }
    /* A map keeps the room it has grown to (as Go's maps do): a map
     * emptied and filled again, a common pattern, then allocates nothing,
     * and its memory stays bounded by the most entries it ever held. */
    unsigned shift = m->index ? shift_of(m) : 3;
    while (((int64_t)1 << shift) / 2 < hashed + 1)
        shift++;
    /* Dead entries kept must fit too: the bitmap has limit bits. */
    while (limit_of(shift, asize) <= m->used)
        shift++;
    unsigned eb = shift;
    while (((int64_t)1 << eb) <= limit_of(shift, asize))
        eb++;
    if (eb > INDEX_MAX_SHIFT)
        return -1;
    int64_t nslots = (int64_t)1 << shift;
    size_t bytes = ((size_t)nslots + asize) * sizeof(uint32_t) +
                   (size_t)(limit_of(shift, asize) + 63) / 64 * sizeof(uint64_t);
    /* Dead entries kept keep their bits: then the index is always a new
     * one, and the old one is read before the map lets go of it. */
    bool keepdead = !compacting && dead > 0;
    const uint64_t *olddead = keepdead ? dead_of(m) : NULL;
    if (m->index && shift == shift_of(m) && asize == asize_of(m) && eb == ebits_of(m) && !keepdead) {
        memset(m->index, 0, bytes);
    } else {
        uint32_t *index = vm_alloc(V, "map.index", bytes, NULL, true);
        if (!index)
            return -1;
        if (olddead)
            memcpy((uint64_t *)(index + nslots + asize), olddead,
                   (size_t)(m->used + 63) / 64 * sizeof(uint64_t));
        put_ptr(V, &m->index, index);
        m->flags = (m->flags & ~(int64_t)0xffffff00) | (int64_t)shift << 8 |
                   (int64_t)(asize ? __builtin_ctzll(asize) : 0) << 16 | (int64_t)eb << 24;
    }
    m->hused = 0;
    uint64_t *bits = dead_of(m);
    /* The slots are written in random order: each entry's slot is
     * prefetched PF entries ahead, so that the misses overlap. */
    enum { PF = 16 };
    uint64_t hs[PF];
    uint64_t mask = (uint64_t)nslots - 1;
    for (int64_t j = 0; j < m->used + PF; j++) {
        int64_t i = j - PF;
        if (i >= 0 && !is_dead(bits, i))
            index_insert(m, ent(m, i)->key, hs[i % PF], i);
        if (j < m->used) {
            vm_value k = ent(m, j)->key;
            uint64_t h = key_hash(m, k);
            hs[j % PF] = h;
            __builtin_prefetch(direct(m, k) ? &direct_of(m)[k.i] : &m->index[h & mask], 1);
        }
    }
    return 0;
}

/* Room for one more entry: a chunk (and a bigger directory), or, while
 * the map is smaller than a chunk, chunk 0 doubled. */
static int grow(vm_state *V, vm_map *m)
{
    const gc_type *et = entries_type(m);
    const char *what = et ? et->name : "map.entries (noscan)";
    if (m->cap < VM_MAP_CHUNK) {
        int64_t cap = m->cap ? m->cap * 2 : 8;
        if (!m->chunks) {
            vm_mapentry **dir = vm_alloc(V, "map.chunks", sizeof(void *), &vm_gct_refs, true);
            if (!dir)
                return -1;
            put_ptr(V, &m->chunks, dir);
            m->dircap = 1;
        }
        vm_mapentry *c = vm_alloc(V, what, (size_t)cap * sizeof(vm_mapentry), et, true);
        if (!c)
            return -1;
        vm_mapentry *old = m->chunks[0];
        /* c is fresh (no old pointers), but the copied ones are stores. */
        for (int64_t j = 0; j < m->used; j++) {
            put_key(V, m, &c[j], old[j].key);
            put_val(V, m, &c[j], old[j].val);
        }
        put_ptr(V, &m->chunks[0], c);
        m->cap = cap;
        return 0;
    }
    int64_t n = m->cap >> VM_MAP_CHUNK_SHIFT;
    if (n == m->dircap) {
        vm_mapentry **dir = vm_alloc(V, "map.chunks", (size_t)n * 2 * sizeof(void *), &vm_gct_refs, true);
        if (!dir)
            return -1;
        gc_bulk_barrier(V->gcp, V->barrier, (void *const *)dir, (void *const *)m->chunks, (size_t)n, NULL);
        memcpy(dir, m->chunks, (size_t)n * sizeof(void *));
        put_ptr(V, &m->chunks, dir);
        m->dircap = n * 2;
    }
    vm_mapentry *c = vm_alloc(V, what, (size_t)VM_MAP_CHUNK * sizeof(vm_mapentry), et, true);
    if (!c)
        return -1;
    put_ptr(V, &m->chunks[n], c);
    m->cap += VM_MAP_CHUNK;
    return 0;
}

int vm_map_set(vm_state *V, vm_map *m, vm_value key, vm_value val)
{
    uint64_t h = key_hash(m, key);
    uint32_t *s = NULL;
    int64_t e = m->index ? find(m, key, h, &s) : -1;
    if (e >= 0) {
        put_val(V, m, ent(m, e), val);
        return 0;
    }
    bool refind = false;
    if (!m->index || m->used >= limit_of(shift_of(m), asize_of(m)) ||
        m->hused >= nslots_of(m) / 4 * 3) {
        if (rehash(V, m, false) != 0)
            return -1;
        refind = true;
    }
    if (m->used == m->cap) {
        /* Half dead: reuse their room rather than add a chunk. */
        if (m->used - m->count >= m->used / 2 && m->used >= 8) {
            if (rehash(V, m, true) != 0)
                return -1;
            refind = true;
        }
        if (m->used == m->cap && grow(V, m) != 0)
            return -1;
    }
    if (refind)
        find(m, key, h, &s);
    e = m->used++;
    vm_mapentry *x = ent(m, e);
    put_key(V, m, x, key);
    put_val(V, m, x, val);
    m->count++;
    if (direct(m, key)) {
        *s = (uint32_t)(e + 1);
    } else {
        m->hused += *s == 0;
        *s = tag_of(h, ebits_of(m)) | (uint32_t)(e + 1);
    }
    return 0;
}

bool vm_map_delete(vm_state *V, vm_map *m, vm_value key)
{
    uint32_t *s;
    int64_t e = m && m->index ? find(m, key, key_hash(m, key), &s) : -1;
    if (e < 0)
        return false;
    /* A hashed slot stays non-empty, so probes go on past it. */
    *s = direct(m, key) ? 0 : ((uint32_t)1 << ebits_of(m)) - 1;
    dead_of(m)[e >> 6] |= (uint64_t)1 << (e & 63);
    vm_value zero = {.i = 0};
    vm_mapentry *x = ent(m, e);
    put_key(V, m, x, zero);
    put_val(V, m, x, zero);
    m->count--;
    return true;
}

/* The first position whose insertion number is >= c (kept out of line:
 * it runs once per loop, and after a compaction or a nested loop). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int64_t seek(const vm_map *m, int64_t c)
{
    if (m->nfixed == 0 || c > m->seqs[m->nfixed - 1]) {
        int64_t j = c - m->seqdelta;
        j = j < m->nfixed ? m->nfixed : j;
        return j < m->used ? j : m->used;
    }
    int64_t lo = 0, hi = m->nfixed;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (m->seqs[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool vm_map_next(const vm_map *cm, int64_t *cursor, vm_value *key, vm_value *val)
{
    if (!cm || !cm->used)
        return false;
    /* The hint is a cache (C++'s mutable), not part of the map's value;
     * maps live in the heap, never in const storage. */
    vm_map *m = (vm_map *)cm;
    int64_t c = *cursor, used = m->used, j = m->hint;
    /* When the entry before the hint has number c - 1, it is the one
     * produced last, so (numbers increase along the entries) j is the
     * first position whose number is >= c. */
    if (!((uint64_t)(j - 1) < (uint64_t)used && seq_of(m, j - 1) == c - 1))
        j = seek(m, c);
    const uint64_t *dead = dead_of(m);
    for (; j < used; j++) {
        if (is_dead(dead, j))
            continue;
        const vm_mapentry *x = ent(m, j);
        *key = x->key;
        *val = x->val;
        *cursor = seq_of(m, j) + 1;
        m->hint = j + 1;
        return true;
    }
    m->hint = used;
    return false;
}
