/*
 * object.h: the layouts of toy's heap objects, internal to vm/ but shared
 * with stdlib/. Every object is allocated with gc_mallocgc and described to
 * the collector only by its gc_type (there is no object header: alloc keeps
 * pointer bits per span, as Go does). The layouts mirror what the compiler
 * proved: a word is a reference exactly when its static type is one.
 *
 *   string   noscan {len, hash, bytes[len], '\0'}; immutable; nil reads as ""
 *   array    {len, cap, data, elemref}; data is a backing store of cap words,
 *            typed vm_gct_refs (scanned) when the elements are references,
 *            noscan otherwise. Grows like Go's append (double, then 1.25x).
 *   struct   one word per field, gc_type derived from the field kinds
 *   closure  {fn, cells[n]}: fn is a non-heap pointer (not in the map)
 *   cell     one word; vm_gct_refcell when it holds a reference, else noscan
 *   chan     see chan.c: a header and a ring buffer typed as an array's store
 *   map      see map.c: a header, a noscan index of uint32 slots, entries
 *            {key, val} typed from K and V (four static gc_types) in
 *            chunks of VM_MAP_CHUNK under a scanned directory, and, once
 *            deletions have been compacted, a noscan array of insertion
 *            numbers.
 */
#ifndef VM_OBJECT_H
#define VM_OBJECT_H

#include "vm/vm.h"

typedef struct vm_string {
    int64_t len;
    uint64_t hash; /* 0 = not computed yet */
    char data[];   /* len bytes then a NUL */
} vm_string;

typedef struct vm_array {
    int64_t len;
    int64_t cap;
    vm_value *data;
    int64_t elemref; /* 1 when the elements are references */
} vm_array;

typedef struct vm_cell {
    vm_value v;
} vm_cell;

/* A proto as one VM runs it: its interned constants beside the code. */
typedef struct vm_fn {
    const vm_instr *code; /* = proto->code, one load less on a call */
    vm_value *k;
    int nregs;
    const vm_proto *proto;
    /* A function without captures has one value: the closure CLOSURE made
     * the first time, a root (vm_roots). So `f == f` holds for a named
     * function, as for any reference, and taking it again allocates nothing. */
    struct vm_closure *value;
} vm_fn;

typedef struct vm_closure {
    const vm_fn *fn; /* not a heap pointer: outside the pointer map */
    struct vm_cell *cells[];
} vm_closure;

typedef struct vm_mapentry {
    vm_value key;
    vm_value val;
} vm_mapentry;

/* Entries live in chunks of VM_MAP_CHUNK (a map smaller than that has one
 * chunk of cap entries), so a growing map copies only its chunk
 * directory, never its entries. A chunk is 64 KiB, a large object: no
 * malloc header rounds it up to the next size class, scanned or not. */
#define VM_MAP_CHUNK_SHIFT 12
#define VM_MAP_CHUNK ((int64_t)1 << VM_MAP_CHUNK_SHIFT)

typedef struct vm_map {
    int64_t count;  /* live entries (the first word: LEN serves maps and arrays) */
    int64_t used;   /* entries [0, used) written, deleted ones included */
    int64_t cap;    /* entries the chunks hold */
    int64_t flags;  /* key kind | VM_MAP_VALREF | index shift << 8
                     * | entry-number bits << 24;
                     * the rest free */
    uint64_t seed;  /* the VM's hash seed */
    uint32_t *index; /* noscan: hashed slots, the direct part, the deleted bitmap */
    vm_mapentry **chunks; /* scanned: dircap chunk pointers */
    int64_t *seqs;  /* noscan: the insertion numbers of entries [0, nfixed) */
    int64_t nfixed; /* entries at j >= nfixed have insertion number j + seqdelta */
    int64_t seqdelta;
    int64_t dircap;
    int64_t hused;  /* hashed slots not empty (deleted ones included) */
    int64_t hint;   /* vm_map_next: the position it found last, plus one */
    uint64_t asize; /* the direct part's length: 0 (always, for string keys) or a
                     * power of two >= 8; an int key k < asize is direct */
} vm_map;

#define VM_MAP_VALREF 4

/* Static layouts (const data, shared by every VM). */
extern const gc_type vm_gct_array;   /* the array header: data is a reference */
extern const gc_type vm_gct_refs;    /* a word that is a reference, tiled */
extern const gc_type vm_gct_refcell; /* a cell holding a reference */
extern const gc_type vm_gct_map;     /* the map header */
extern const gc_type *const vm_gct_mapentries[4]; /* [keyref | valref << 1]; NULL = noscan */

/* The longest array: 2^32 elements (32 GiB of words). Longer requests are
 * bugs, not workloads, and fail ("out of memory") before the heap is
 * asked: it may reserve far more address space than the machine has. */
#define VM_MAX_ARRAY_LEN ((int64_t)1 << 32)

/* Allocation helpers: each is a safepoint (may collect), so the caller must
 * have saved its pc and rooted what it still needs. NULL when out of
 * memory (the caller reports it). */
vm_string *vm_string_new(vm_state *V, const char *s, size_t len);
vm_string *vm_string_concat(vm_state *V, const vm_string *a, const vm_string *b);
vm_array *vm_array_new(vm_state *V, int64_t len, bool elemref);
int vm_array_push(vm_state *V, vm_array *a, vm_value v); /* 0 or -1 (OOM) */

static inline int64_t vm_string_len(const vm_string *s) { return s ? s->len : 0; }
static inline const char *vm_string_data(const vm_string *s) { return s ? s->data : ""; }
/* The string's hash under seed, cached in the string: every map of a VM
 * hashes with the VM's one seed, and a string belongs to one VM. */
uint64_t vm_string_hash(vm_string *s, uint64_t seed);
bool vm_string_eq(const vm_string *a, const vm_string *b);
int vm_string_cmp(const vm_string *a, const vm_string *b);

/* map.c */
vm_map *vm_map_new(vm_state *V, int keykind, bool valref);
/* Found: *out = value, true. Missing: *out = zero, false. m may be nil. */
bool vm_map_get(const vm_map *m, vm_value key, vm_value *out);
int vm_map_set(vm_state *V, vm_map *m, vm_value key, vm_value val); /* 0 or -1 (OOM) */
bool vm_map_has(const vm_map *m, vm_value key);
bool vm_map_delete(vm_state *V, vm_map *m, vm_value key);
/* The hash m files key under (its VM's seed applied): for tests. */
uint64_t vm_map_hash(const vm_map *m, vm_value key);
/* Concurrent map writes, detected as Go's hashWriting is (best effort): a
 * write (set, delete) sets a bit of the map's flags for its duration, and
 * a write that finds the bit set is a second thread writing the same map
 * at once. The bit is above every field map.c keeps in flags. Relaxed
 * loads and stores: the check orders nothing, it only has to see the
 * other writer's bit some of the time. */
#define VM_MAP_WRITING ((int64_t)1 << 62)
static inline bool vm_map_write_begin(vm_map *m)
{
    int64_t f = __atomic_load_n(&m->flags, __ATOMIC_RELAXED);
    if (f & VM_MAP_WRITING)
        return false;
    __atomic_store_n(&m->flags, f | VM_MAP_WRITING, __ATOMIC_RELAXED);
    return true;
}
static inline void vm_map_write_end(vm_map *m)
{
    __atomic_store_n(&m->flags, __atomic_load_n(&m->flags, __ATOMIC_RELAXED) & ~VM_MAP_WRITING,
                     __ATOMIC_RELAXED);
}

/* Iteration in insertion order: start with *cursor = 0; returns false at
 * the end. The cursor is an insertion number, not a position, so inserts
 * and deletes between calls (and the compactions they cause) are safe:
 * every entry present at the start and not deleted before it is reached
 * comes exactly once, and entries inserted meanwhile come too (at the end). */
bool vm_map_next(const vm_map *m, int64_t *cursor, vm_value *key, vm_value *val);

/* chan.c: channels. Each returns 0, -1 after vm_error, or 1 when the
 * program stops while it waits (V is exiting): a builtin returns it. The
 * caller has saved its pc (a wait is a safepoint). */
void *vm_chan_new(vm_state *V, int64_t cap, bool elemref); /* NULL after vm_error */
int vm_chan_send(vm_state *V, void *c, vm_value v);
int vm_chan_recv(vm_state *V, void *c, vm_value *out, bool *ok);
int vm_chan_close(vm_state *V, void *c);
int64_t vm_chan_len(const void *c); /* buffered values; 0 for nil */

/* thread.c: go (see there). */
int vm_go(vm_state *V, vm_value *args, int nargs, const int32_t *types);

/* format.c: values as print shows them. */
typedef struct vm_buf {
    char *data;
    size_t len, cap;
    bool oom;
} vm_buf;

void vm_buf_init(vm_buf *b);
void vm_buf_free(vm_buf *b);
void vm_buf_add(vm_buf *b, const char *s, size_t n);
void vm_buf_addc(vm_buf *b, char c);
void vm_buf_addf(vm_buf *b, const char *fmt, ...) VM_PRINTF(2, 3);
/* n bytes of s in double quotes, with print's escapes. */
void vm_buf_addquoted(vm_buf *b, const char *s, size_t n);

/* Python repr of a double; out needs 32 bytes. Returns the length. */
int vm_format_float(char *out, double d);
/* Appends v of rtype `rtype` (an index into p->rtypes). quoted: strings
 * print with quotes and escapes (as inside arrays, maps and structs). */
void vm_format_value(vm_buf *b, const vm_program *p, vm_value v, int32_t rtype, bool quoted);
/* print's body: values separated by a space, then a newline. */
void vm_format_print(vm_buf *b, const vm_program *p, const vm_value *args, int nargs,
                     const int32_t *types);

#endif
