/*
 * ltoy.c: the Lua 5.4 module `toy` (build/toy.so, or preloaded into
 * build/toylua), which drives alloc from Lua scripts: heaps, gc_types,
 * objects, handles, collections, stats and the verifier. It mirrors no Go
 * or Lua file; it plays the part Lua's `T` test library (ltests.c) plays for
 * Lua: a way for scripts to reach inside the collector. The language half
 * (toy.check, toy.run) is lrun.c.
 *
 * Object references are Lua values that do not keep objects alive: only
 * handles (gc_handle) and pointer words of live objects do, exactly as the
 * precise collector sees it. A reference is {address, serial} where the
 * serial is unique per allocation made through the module; each heap keeps
 * a table from address to the serial of the object living there, so a
 * reference is valid iff its serial is the one at its address.
 *
 * Knowing which objects a cycle killed: after every collection (num_gc
 * moved across a call into alloc) the module re-marks from its handles
 * through the pointer words of the objects it allocated (it made every
 * gc_type, so it knows every pointer map) and drops whatever it did not
 * reach. A collection only ever starts at gc_mallocgc or gc_collect, when
 * the heap graph is the one the module holds, so this shadow mark sees what
 * the collector saw; it also makes an object that died but whose span is
 * not yet swept unusable, so a script can never resurrect it into a live
 * object. (alloc.h has no "allocated and not dead" query; a gc_is_live()
 * would make this O(1) per access instead of a re-mark per cycle.)
 *
 * Departures from "trust the collector": when the shadow mark reaches an
 * object that alloc no longer has (gc_find_object says NULL), or
 * gc_mallocgc returns the address of an object the module still holds, the
 * module does not touch that memory and raises an error naming a collector
 * bug on the next use, so a broken collector fails a test instead of
 * crashing the interpreter.
 *
 * Lua memory is allocated before calling into alloc, never between a
 * gc_mallocgc and the moment its result is recorded, so a Lua finalizer
 * that runs during a Lua allocation cannot start a collection that frees
 * an object the module has not yet recorded. Such a finalizer may close
 * the heap, though, or change a table being read: after each Lua
 * allocation a method looks the heap up again (check_open, check_ref),
 * and a table is read once, what is copied from it checked as it is.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc/alloc.h"
#include "tests/lua/ltoy.h"
#include "tests/threads/tstress.h"
#include "vm/vm.h"

#define HEAP_MT "toy.heap"
#define TYPE_MT "toy.type"
#define REF_MT "toy.ref"
#define HANDLE_MT "toy.handle"

/* The largest object a script may ask for. alloc itself takes up to 2^48
 * bytes of address space, but a test that maps terabytes (and clobberfree
 * that writes them) only hurts the machine it runs on. */
#define MAX_ALLOC ((uint64_t)1 << 32)

/* ---- types ---------------------------------------------------------- */

typedef struct ltype {
    gc_type t;          /* what alloc sees; points into mask and name */
    size_t elem_words;  /* t.size / 8 */
    uint8_t *mask;
    char *name;
    struct ltype *next; /* the heap's list, freed with the heap */
} ltype;

/* ---- the object table: address -> the object the module put there --- */

typedef struct entry {
    uintptr_t addr;  /* 0 = empty slot */
    uint64_t serial; /* unique per allocation in this heap */
    const ltype *type;
    size_t count;    /* array elements */
    size_t nwords;   /* whole words in count * type->size bytes */
    uint8_t mark;    /* shadow mark */
    uint8_t lost;    /* reachable, yet alloc no longer has it */
} entry;

typedef struct objtab {
    entry *slots;
    size_t cap; /* a power of two, or 0 */
    size_t len;
} objtab;

static size_t tab_hash(uintptr_t a, size_t cap)
{
    uint64_t x = (uint64_t)a;
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static entry *tab_find(const objtab *t, uintptr_t a)
{
    if (t->cap == 0 || a == 0)
        return NULL;
    for (size_t i = tab_hash(a, t->cap);; i = (i + 1) & (t->cap - 1)) {
        entry *e = &t->slots[i];
        if (e->addr == a)
            return e;
        if (e->addr == 0)
            return NULL;
    }
}

/* Room for one more entry; 0, or -1 when malloc fails. */
static int tab_reserve(objtab *t)
{
    if ((t->len + 1) * 2 <= t->cap)
        return 0;
    size_t ncap = t->cap ? t->cap * 2 : 64;
    entry *ns = calloc(ncap, sizeof *ns);
    if (ns == NULL)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].addr == 0)
            continue;
        size_t j = tab_hash(t->slots[i].addr, ncap);
        while (ns[j].addr != 0)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

/* Insert after tab_reserve; a must not be present. */
static entry *tab_insert(objtab *t, uintptr_t a)
{
    size_t i = tab_hash(a, t->cap);
    while (t->slots[i].addr != 0)
        i = (i + 1) & (t->cap - 1);
    t->len++;
    t->slots[i].addr = a;
    return &t->slots[i];
}

/* Linear-probing deletion by backward shift (no tombstones). */
static void tab_delete_at(objtab *t, size_t i)
{
    size_t mask = t->cap - 1;
    t->slots[i].addr = 0;
    t->len--;
    for (size_t j = (i + 1) & mask; t->slots[j].addr != 0; j = (j + 1) & mask) {
        size_t home = tab_hash(t->slots[j].addr, t->cap);
        /* move j back to i when its home is not cyclically in (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->slots[i] = t->slots[j];
            t->slots[j].addr = 0;
            i = j;
        }
    }
}

/* ---- heap, handles, references -------------------------------------- */

typedef struct lhandle lhandle;

typedef struct lheap {
    gc_heap *h; /* NULL once closed */
    gc_p *p;
    uint64_t next_serial;
    uint64_t seen_gc; /* num_gc when the shadow mark last ran */
    objtab tab;
    ltype *types;
    lhandle *handles; /* every unreleased handle: the module's roots */
    gc_stats st;      /* scratch for gc_read_stats (it is large) */
    FILE *trace;      /* with trace = true: gctrace and diagnostics, for heap:trace() */
} lheap;

struct lhandle {
    gc_handle *hd; /* NULL once released or once the heap closed */
    lheap *heap;
    lhandle *prev, *next;
};

typedef struct lref {
    uintptr_t addr;
    uint64_t serial;
} lref;

static lheap *check_open(lua_State *L, int arg)
{
    lheap *lh = luaL_checkudata(L, arg, HEAP_MT);
    if (lh->h == NULL)
        luaL_argerror(L, arg, "heap is closed");
    return lh;
}

/* The heap userdata that owns the userdata at idx must be the one at
 * heap_idx; `what` names the kind of value in the error. */
static void check_owner(lua_State *L, int idx, int heap_idx, const char *what)
{
    lua_getiuservalue(L, idx, 1);
    int same = lua_rawequal(L, -1, heap_idx);
    lua_pop(L, 1);
    if (!same)
        luaL_argerror(L, idx, lua_pushfstring(L, "%s belongs to another heap", what));
}

static void unlink_handle(lhandle *hd)
{
    lheap *lh = hd->heap;
    if (hd->prev)
        hd->prev->next = hd->next;
    else
        lh->handles = hd->next;
    if (hd->next)
        hd->next->prev = hd->prev;
    hd->prev = hd->next = NULL;
}

/*
 * The shadow mark: re-mark from the handles through pointer words and drop
 * every entry not reached. Runs after each collection alloc reports.
 * Returns the number of objects dropped, or -1 when malloc fails (the
 * table is then unchanged except for mark bits).
 */
static long long shadow_mark(lheap *lh)
{
    objtab *t = &lh->tab;
    for (size_t i = 0; i < t->cap; i++)
        t->slots[i].mark = 0;
    /* marking on push bounds the stack by the number of entries */
    entry **stack = malloc((t->len + 1) * sizeof *stack);
    if (stack == NULL)
        return -1;
    size_t sp = 0;
    for (lhandle *hd = lh->handles; hd; hd = hd->next) {
        entry *e = tab_find(t, (uintptr_t)gc_handle_get(hd->hd));
        if (e && !e->mark) {
            e->mark = 1;
            stack[sp++] = e;
        }
    }
    while (sp > 0) {
        entry *e = stack[--sp];
        if (e->lost || gc_find_object(lh->h, (void *)e->addr) == NULL) {
            e->lost = 1; /* never read memory alloc took back */
            continue;
        }
        const ltype *ty = e->type;
        if (ty->t.ptrdata == 0)
            continue;
        void *const *w = (void *const *)e->addr;
        for (size_t el = 0; el < e->count; el++) {
            for (size_t j = 0; j * 8 < ty->t.ptrdata; j++) {
                if (!(ty->mask[j / 8] >> (j % 8) & 1))
                    continue;
                entry *c = tab_find(t, (uintptr_t)w[el * ty->elem_words + j]);
                if (c && !c->mark) {
                    c->mark = 1;
                    stack[sp++] = c;
                }
            }
        }
    }
    free(stack);
    long long dropped = 0;
    for (size_t i = 0; i < t->cap;) {
        if (t->slots[i].addr != 0 && !t->slots[i].mark) {
            tab_delete_at(t, i); /* may move a later entry into i */
            dropped++;
            continue;
        }
        i++;
    }
    return dropped;
}

/* After any call into alloc that may collect: if a cycle ran, drop what it
 * killed. Returns the number dropped (0 when no cycle ran). */
static long long sync_gc(lua_State *L, lheap *lh)
{
    gc_read_stats(lh->h, &lh->st);
    if (lh->st.num_gc == lh->seen_gc)
        return 0;
    lh->seen_gc = lh->st.num_gc;
    long long n = shadow_mark(lh);
    if (n < 0)
        luaL_error(L, "toy: out of memory tracking objects after a collection");
    return n;
}

static void heap_close(lheap *lh)
{
    if (lh->h == NULL)
        return;
    /* Handles die with the heap: detach them so their __gc does nothing. */
    while (lh->handles) {
        lhandle *hd = lh->handles;
        unlink_handle(hd);
        hd->hd = NULL;
    }
    gc_p_free(lh->p);
    gc_heap_free(lh->h);
    if (lh->trace)
        fclose(lh->trace);
    lh->trace = NULL;
    lh->h = NULL;
    lh->p = NULL;
    free(lh->tab.slots);
    lh->tab.slots = NULL;
    lh->tab.cap = lh->tab.len = 0;
    while (lh->types) {
        ltype *ty = lh->types;
        lh->types = ty->next;
        free(ty->mask);
        free(ty->name);
        free(ty);
    }
}

/* The entry a reference at arg names; raises an error for a reference of
 * another heap than the one at hidx, a stale reference, or one whose
 * object the collector lost. */
static entry *check_ref_of(lua_State *L, lheap *lh, int hidx, int arg)
{
    lref *r = luaL_checkudata(L, arg, REF_MT);
    check_owner(L, arg, hidx, "object reference");
    if (lh->h == NULL) /* closed by a finalizer since the call began */
        luaL_argerror(L, hidx, "heap is closed");
    entry *e = tab_find(&lh->tab, r->addr);
    if (e == NULL || e->serial != r->serial)
        luaL_argerror(L, arg, lua_pushfstring(L,
            "stale reference: object #%I at %p has been freed",
            (lua_Integer)r->serial, (void *)r->addr));
    if (e->lost || gc_find_object(lh->h, (void *)r->addr) == NULL) {
        e->lost = 1;
        luaL_argerror(L, arg, lua_pushfstring(L,
            "collector bug: object #%I at %p was freed while reachable",
            (lua_Integer)r->serial, (void *)r->addr));
    }
    return e;
}

/* The usual case: a method of the heap at 1. */
static entry *check_ref(lua_State *L, lheap *lh, int arg)
{
    return check_ref_of(L, lh, 1, arg);
}

/* Fill a reference userdata (made earlier, at idx) for entry e. */
static void set_ref(lua_State *L, int idx, const entry *e)
{
    lref *r = lua_touserdata(L, idx);
    r->addr = e->addr;
    r->serial = e->serial;
}

/* Push a new, empty reference owned by the heap at hidx. */
static void push_ref(lua_State *L, int hidx)
{
    lref *r = lua_newuserdatauv(L, sizeof *r, 1);
    r->addr = 0;
    r->serial = 0;
    luaL_setmetatable(L, REF_MT);
    lua_pushvalue(L, hidx);
    lua_setiuservalue(L, -2, 1);
}

static int is_ptr_word(const entry *e, size_t w)
{
    const ltype *ty = e->type;
    if (ty->t.ptrdata == 0)
        return 0;
    size_t j = w % ty->elem_words;
    return j * 8 < ty->t.ptrdata && (ty->mask[j / 8] >> (j % 8) & 1);
}

/* A value's type as errors name it: the __name of its metatable, if any. */
static const char *type_name(lua_State *L, int idx)
{
    const char *name = NULL;
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING)
        name = lua_tostring(L, -1); /* stays on the stack for the message */
    return name ? name : luaL_typename(L, idx);
}

static size_t check_word(lua_State *L, const entry *e, int arg)
{
    lua_Integer w = luaL_checkinteger(L, arg);
    if (w < 0 || (lua_Unsigned)w >= e->nwords)
        luaL_argerror(L, arg, lua_pushfstring(L,
            "word %I out of range (object #%I of type '%s' has %I words)",
            w, (lua_Integer)e->serial, e->type->name, (lua_Integer)e->nwords));
    return (size_t)w;
}

/* ---- toy.heap{...} -------------------------------------------------- */

static int opt_field(lua_State *L, int t, const char *k)
{
    return lua_getfield(L, t, k) != LUA_TNIL;
}

static lua_Integer opt_integer(lua_State *L, int t, const char *k)
{
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
        luaL_argerror(L, t, lua_pushfstring(L, "option '%s' must be an integer, got %s",
                                            k, luaL_typename(L, -1)));
    return v;
}

static int l_heap(lua_State *L)
{
    gc_options o;
    char err[256];
    gc_options_default(&o);
    int t = 1, use_env = 1;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        /* unknown keys are mistakes, not extensions */
        static const char *const known[] = {"gc_percent", "memory_limit", "gcprocs", "concurrent", "debug", "env",
                                            "trace", NULL};
        ltoy_check_keys(L, 1, known);
        if (lua_getfield(L, 1, "env") != LUA_TNIL)
            use_env = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (use_env) {
        /* TOYDEBUG as for `toy run`: the VM's keys (movestack, allocprof)
         * are accepted and mean nothing to a heap without a VM. */
        vm_options vo;
        vm_options_default(&vo);
        vo.gc = o;
        if (vm_options_from_env(&vo, err, sizeof err) != 0)
            return luaL_error(L, "toy.heap: %s", err);
        o = vo.gc;
    }
    if (!lua_isnoneornil(L, 1)) {
        if (opt_field(L, t, "gc_percent")) {
            if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "off") == 0)
                o.gc_percent = -1;
            else {
                lua_Integer v = opt_integer(L, t, "gc_percent");
                if (v < -1 || v > 1000000)
                    return luaL_argerror(L, t, "option 'gc_percent' out of range (-1 .. 1000000, or \"off\")");
                o.gc_percent = (int)v;
            }
        }
        lua_pop(L, 1);
        if (opt_field(L, t, "memory_limit")) {
            lua_Integer v = opt_integer(L, t, "memory_limit");
            if (v < 0)
                return luaL_argerror(L, t, "option 'memory_limit' must be >= 0 bytes");
            o.memory_limit = (int64_t)v;
        }
        lua_pop(L, 1);
        if (opt_field(L, t, "gcprocs")) {
            lua_Integer v = opt_integer(L, t, "gcprocs");
            if (v < 0 || v > 64)
                return luaL_argerror(L, t, "option 'gcprocs' out of range (0 = one per CPU .. 64)");
            o.gcprocs = (int)v;
        }
        lua_pop(L, 1);
        if (opt_field(L, t, "concurrent")) {
            if (lua_type(L, -1) != LUA_TBOOLEAN)
                return luaL_argerror(L, t, lua_pushfstring(L, "option 'concurrent' must be a boolean, got %s",
                                                           luaL_typename(L, -1)));
            o.concurrent = lua_toboolean(L, -1);
        }
        lua_pop(L, 1);
        if (opt_field(L, t, "debug")) {
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, t, lua_pushfstring(L, "option 'debug' must be a string, got %s",
                                                           luaL_typename(L, -1)));
            if (gc_parse_debug(&o.debug, lua_tostring(L, -1), err, sizeof err) != 0)
                return luaL_argerror(L, t, lua_pushfstring(L, "option 'debug': %s", err));
        }
        lua_pop(L, 1);
    }
    int want_trace = !lua_isnoneornil(L, 1) && (lua_getfield(L, 1, "trace"), lua_toboolean(L, -1));
    lheap *lh = lua_newuserdatauv(L, sizeof *lh, 0);
    memset(lh, 0, sizeof *lh);
    luaL_setmetatable(L, HEAP_MT);
    lh->next_serial = 1;
    if (want_trace) {
        lh->trace = tmpfile();
        if (lh->trace == NULL)
            return luaL_error(L, "toy.heap: cannot open a trace file");
        o.trace = lh->trace;
    }
    lh->h = gc_heap_new(&o);
    if (lh->h == NULL && lh->trace) {
        fclose(lh->trace);
        lh->trace = NULL;
    }
    if (lh->h == NULL)
        return luaL_error(L, "toy.heap: out of memory creating a heap");
    lh->p = gc_p_new(lh->h);
    if (lh->p == NULL) {
        gc_heap_free(lh->h);
        lh->h = NULL;
        if (lh->trace)
            fclose(lh->trace);
        lh->trace = NULL;
        return luaL_error(L, "toy.heap: out of memory creating a mutator");
    }
    gc_read_stats(lh->h, &lh->st);
    lh->seen_gc = lh->st.num_gc;
    return 1;
}

static int l_heap_close(lua_State *L)
{
    heap_close(luaL_checkudata(L, 1, HEAP_MT));
    return 0;
}

static int l_heap_tostring(lua_State *L)
{
    lheap *lh = luaL_checkudata(L, 1, HEAP_MT);
    if (lh->h == NULL)
        lua_pushliteral(L, "toy.heap (closed)");
    else
        lua_pushfstring(L, "toy.heap (%I objects)", (lua_Integer)lh->tab.len);
    return 1;
}

/* ---- heap:type{name=, size=, pointers={...}} ------------------------ */

static int l_type(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2); /* the name is 3, the pointer list 4 */
    lua_getfield(L, 2, "size");
    int isnum = 0;
    lua_Integer size = lua_tointegerx(L, -1, &isnum);
    if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
        return luaL_argerror(L, 2, lua_pushfstring(L, "field 'size' must be an integer, got %s",
                                                   luaL_typename(L, -1)));
    if (size <= 0 || size > (lua_Integer)MAX_ALLOC)
        return luaL_argerror(L, 2, lua_pushfstring(L, "field 'size' must be in 1 .. 2^32, got %I", size));
    lua_pop(L, 1);
    const char *name = "?";
    if (lua_getfield(L, 2, "name") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_argerror(L, 2, lua_pushfstring(L, "field 'name' must be a string, got %s",
                                                       luaL_typename(L, -1)));
        name = lua_tostring(L, -1);
    }
    /* name stays on the stack (index 3) while we read the pointers */
    size_t npw = 0; /* pointer words: 1 + the highest index */
    lua_Integer words = size / 8;
    int tp = lua_getfield(L, 2, "pointers");
    if (tp != LUA_TNIL && tp != LUA_TTABLE)
        return luaL_argerror(L, 2, lua_pushfstring(L, "field 'pointers' must be a table, got %s",
                                                   luaL_typename(L, -1)));
    lua_Integer n = tp == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_Integer w = lua_tointegerx(L, -1, &isnum);
        if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
            return luaL_argerror(L, 2, lua_pushfstring(L, "pointers[%I] must be an integer, got %s",
                                                       i, luaL_typename(L, -1)));
        if (size % 8 != 0)
            return luaL_argerror(L, 2, lua_pushfstring(L,
                "a type with pointers needs a size that is a multiple of 8, got %I", size));
        if (w < 0 || w >= words)
            return luaL_argerror(L, 2, lua_pushfstring(L,
                "pointers[%I] = %I is not a word index of a %I-byte type (0 .. %I)",
                i, w, size, words - 1));
        if ((size_t)w + 1 > npw)
            npw = (size_t)w + 1;
        lua_pop(L, 1);
    }
    /* The list stays at 4 and is read again below from that one table
     * (a second lua_getfield could run __index and get another). */
    /* the userdata first: Lua allocation failures must not leak C memory */
    ltype **slot = lua_newuserdatauv(L, sizeof *slot, 1);
    *slot = NULL;
    /* That allocation may have run a finalizer: the heap may be closed
     * now, and the list changed, so each word is checked again. */
    lh = check_open(L, 1);
    ltype *ty = calloc(1, sizeof *ty);
    uint8_t *mask = calloc(npw / 8 + 1, 1);
    char *nm = strdup(name);
    if (ty == NULL || mask == NULL || nm == NULL) {
        free(ty), free(mask), free(nm);
        return luaL_error(L, "toy: out of memory creating a type");
    }
    for (lua_Integer i = 1; tp == LUA_TTABLE && i <= n; i++) {
        lua_rawgeti(L, 4, i);
        lua_Integer w = lua_tointegerx(L, -1, &isnum);
        lua_pop(L, 1);
        if (!isnum || w < 0 || (size_t)w >= npw) {
            free(ty), free(mask), free(nm);
            return luaL_argerror(L, 2, "field 'pointers' changed while the type was made");
        }
        mask[w / 8] |= (uint8_t)(1u << (w % 8));
    }
    ty->mask = mask;
    ty->name = nm;
    ty->elem_words = (size_t)size / 8;
    ty->t.size = (size_t)size;
    ty->t.ptrdata = npw * 8;
    ty->t.ptrmask = mask;
    ty->t.name = nm;
    ty->next = lh->types;
    lh->types = ty;
    *slot = ty;
    luaL_setmetatable(L, TYPE_MT);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

static int l_type_tostring(lua_State *L)
{
    ltype **slot = luaL_checkudata(L, 1, TYPE_MT);
    lua_getiuservalue(L, 1, 1);
    lheap *lh = lua_touserdata(L, -1);
    if (lh->h == NULL || *slot == NULL)
        lua_pushliteral(L, "toy.type (heap closed)");
    else
        lua_pushfstring(L, "toy.type '%s' (%I bytes, ptrdata %I)", (*slot)->name,
                        (lua_Integer)(*slot)->t.size, (lua_Integer)(*slot)->t.ptrdata);
    return 1;
}

/* ---- objects ------------------------------------------------------- */

static int l_alloc(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    ltype **slot = luaL_checkudata(L, 2, TYPE_MT);
    check_owner(L, 2, 1, "type");
    const ltype *ty = *slot;
    lua_Integer count = luaL_optinteger(L, 3, 1);
    if (count < 1)
        return luaL_argerror(L, 3, lua_pushfstring(L, "count must be >= 1, got %I", count));
    if ((lua_Unsigned)count > MAX_ALLOC / ty->t.size)
        return luaL_argerror(L, 3, lua_pushfstring(L, "%I elements of %I bytes is too large (the limit is 4 GiB)",
                                                   count, (lua_Integer)ty->t.size));
    size_t bytes = (size_t)count * ty->t.size;
    push_ref(L, 1);
    int ref = lua_gettop(L);
    /* push_ref may have run a finalizer that closed the heap (and freed
     * its types): look both up again. No Lua allocation follows. */
    lh = check_open(L, 1);
    ty = *slot;
    if (tab_reserve(&lh->tab) != 0)
        return luaL_error(L, "toy: out of memory tracking objects");
    void *p = gc_mallocgc(lh->p, bytes, &ty->t, true);
    /* a cycle inside gc_mallocgc saw the graph as it is now, minus p */
    sync_gc(L, lh);
    if (p == NULL)
        return luaL_error(L, "out of memory: alloc could not allocate %I bytes of '%s'",
                          (lua_Integer)bytes, ty->name);
    entry *old = tab_find(&lh->tab, (uintptr_t)p);
    if (old != NULL)
        return luaL_error(L, "collector bug: gc_mallocgc returned %p, which still holds object #%I",
                          p, (lua_Integer)old->serial);
    if (tab_reserve(&lh->tab) != 0) /* the shadow mark may have shrunk nothing; be sure */
        return luaL_error(L, "toy: out of memory tracking objects");
    entry *e = tab_insert(&lh->tab, (uintptr_t)p);
    e->serial = lh->next_serial++;
    e->type = ty;
    e->count = (size_t)count;
    e->nwords = bytes / 8;
    e->mark = e->lost = 0;
    set_ref(L, ref, e);
    lua_settop(L, ref);
    return 1;
}

static int l_get(lua_State *L)
{
    lua_settop(L, 3);
    lheap *lh = check_open(L, 1);
    check_word(L, check_ref(L, lh, 2), 3);
    push_ref(L, 1); /* may run finalizers: look the object up again */
    entry *e = check_ref(L, lh, 2);
    size_t w = check_word(L, e, 3);
    if (!is_ptr_word(e, w)) {
        /* a noscan object may be only 4-aligned (tiny blocks) */
        int64_t v;
        memcpy(&v, (const char *)e->addr + w * 8, sizeof v);
        lua_pushinteger(L, (lua_Integer)v);
        return 1;
    }
    uintptr_t v = ((const uintptr_t *)e->addr)[w];
    if (v == 0) {
        lua_pushnil(L);
        return 1;
    }
    entry *c = tab_find(&lh->tab, v);
    if (c == NULL)
        return luaL_error(L, "heap corrupted: word %I of object #%I holds %p, which is no live object",
                          (lua_Integer)w, (lua_Integer)e->serial, (void *)v);
    set_ref(L, 4, c);
    lua_settop(L, 4);
    return 1;
}

static int l_set(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    entry *e = check_ref(L, lh, 2);
    size_t w = check_word(L, e, 3);
    luaL_checkany(L, 4);
    if (is_ptr_word(e, w)) {
        uintptr_t v = 0;
        if (!lua_isnil(L, 4)) {
            if (luaL_testudata(L, 4, REF_MT) == NULL)
                return luaL_argerror(L, 4, lua_pushfstring(L,
                    "word %I of type '%s' holds a pointer: expected an object reference or nil, got %s",
                    (lua_Integer)w, e->type->name, type_name(L, 4)));
            v = check_ref(L, lh, 4)->addr;
            e = check_ref(L, lh, 2); /* no table change in between, but be plain */
        }
        ((uintptr_t *)e->addr)[w] = v;
        return 0;
    }
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, 4, &isnum);
    if (!isnum || lua_type(L, 4) != LUA_TNUMBER)
        return luaL_argerror(L, 4, lua_pushfstring(L,
            "word %I of type '%s' is not a pointer: expected an integer, got %s",
            (lua_Integer)w, e->type->name,
            luaL_testudata(L, 4, REF_MT) ? "an object reference" : type_name(L, 4)));
    int64_t iv = (int64_t)v;
    memcpy((char *)e->addr + w * 8, &iv, sizeof iv);
    return 0;
}

/* heap:id(obj): the object's serial, unique in its heap */
static int l_id(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    lua_pushinteger(L, (lua_Integer)check_ref(L, lh, 2)->serial);
    return 1;
}

/* heap:words(obj): how many words get/set accept */
static int l_words(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    lua_pushinteger(L, (lua_Integer)check_ref(L, lh, 2)->nwords);
    return 1;
}

/* heap:isptr(obj, word): whether that word is a pointer word */
static int l_isptr(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    entry *e = check_ref(L, lh, 2);
    lua_pushboolean(L, is_ptr_word(e, check_word(L, e, 3)));
    return 1;
}

/* heap:pointers(obj): the word indexes the collector reads as pointers in
 * the object (gc_object_pointers), to compare with its type: reliability
 * invariant I7, the pointer map the GC uses is the type's. Words past the
 * object's end (slack of its size class) may be listed too. */
static int l_pointers(lua_State *L)
{
    lua_settop(L, 2);
    lheap *lh = check_open(L, 1);
    entry *e = check_ref(L, lh, 2);
    size_t n = gc_object_pointers(lh->h, (void *)e->addr, NULL, 0);
    size_t *off = lua_newuserdatauv(L, (n ? n : 1) * sizeof *off, 0);
    lua_createtable(L, n < INT32_MAX ? (int)n : 0, 0);
    e = check_ref(L, lh, 2); /* the allocations above may run finalizers */
    size_t m = gc_object_pointers(lh->h, (void *)e->addr, off, n);
    if (m > n)
        m = n;
    uintptr_t base = (uintptr_t)gc_find_object(lh->h, (void *)e->addr);
    size_t rel = e->addr - base; /* 0 but inside a tiny block */
    lua_Integer k = 1;
    for (size_t i = 0; i < m; i++) {
        if (off[i] < rel)
            continue;
        lua_pushinteger(L, (lua_Integer)((off[i] - rel) / 8));
        lua_rawseti(L, -2, k++);
    }
    return 1;
}

/* heap:valid(obj): false for a stale reference instead of an error */
static int l_valid(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    lref *r = luaL_checkudata(L, 2, REF_MT);
    check_owner(L, 2, 1, "object reference");
    entry *e = tab_find(&lh->tab, r->addr);
    lua_pushboolean(L, e != NULL && e->serial == r->serial && !e->lost);
    return 1;
}

static int l_ref_tostring(lua_State *L)
{
    lref *r = luaL_checkudata(L, 1, REF_MT);
    lua_pushfstring(L, "toy.ref #%I (%p)", (lua_Integer)r->serial, (void *)r->addr);
    return 1;
}

static int l_ref_eq(lua_State *L)
{
    lref *a = luaL_testudata(L, 1, REF_MT);
    lref *b = luaL_testudata(L, 2, REF_MT);
    int eq = a && b && a->addr == b->addr && a->serial == b->serial;
    if (eq) {
        lua_getiuservalue(L, 1, 1);
        lua_getiuservalue(L, 2, 1);
        eq = lua_rawequal(L, -1, -2);
    }
    lua_pushboolean(L, eq);
    return 1;
}

/* ---- handles -------------------------------------------------------- */

static int l_handle(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    check_ref(L, lh, 2);
    lhandle *hd = lua_newuserdatauv(L, sizeof *hd, 1);
    memset(hd, 0, sizeof *hd);
    luaL_setmetatable(L, HANDLE_MT);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    entry *e = check_ref(L, lh, 2);
    hd->hd = gc_handle_new(lh->h, (void *)e->addr);
    if (hd->hd == NULL)
        return luaL_error(L, "toy: out of memory creating a handle");
    hd->heap = lh;
    hd->next = lh->handles;
    if (lh->handles)
        lh->handles->prev = hd;
    lh->handles = hd;
    return 1;
}

/* The live handle at 1 (its heap userdata pushed at the top). */
static lhandle *check_handle(lua_State *L)
{
    lhandle *hd = luaL_checkudata(L, 1, HANDLE_MT);
    lua_getiuservalue(L, 1, 1);
    lheap *lh = lua_touserdata(L, -1);
    if (lh->h == NULL)
        luaL_argerror(L, 1, "heap is closed");
    if (hd->hd == NULL)
        luaL_argerror(L, 1, "handle already released");
    return hd;
}

static int l_handle_release(lua_State *L)
{
    lhandle *hd = check_handle(L);
    gc_handle_release(hd->hd);
    hd->hd = NULL;
    unlink_handle(hd);
    return 0;
}

static int l_handle_gc(lua_State *L)
{
    lhandle *hd = luaL_checkudata(L, 1, HANDLE_MT);
    if (hd->hd != NULL && hd->heap->h != NULL) {
        gc_handle_release(hd->hd);
        unlink_handle(hd);
    }
    hd->hd = NULL;
    return 0;
}

/* handle:get(): a reference to the object the handle keeps */
static int l_handle_get(lua_State *L)
{
    lua_settop(L, 1);
    check_handle(L); /* pushes the heap: index 2 */
    push_ref(L, 2);
    lhandle *hd = check_handle(L); /* again: push_ref may run finalizers */
    lheap *lh = hd->heap;
    uintptr_t a = (uintptr_t)gc_handle_get(hd->hd);
    entry *e = tab_find(&lh->tab, a);
    if (e == NULL)
        return luaL_error(L, "toy: handle holds %p, which is no object of its heap", (void *)a);
    set_ref(L, 3, e);
    lua_settop(L, 3);
    return 1;
}

/* handle:set(obj): keep another object of the same heap instead */
static int l_handle_set(lua_State *L)
{
    lua_settop(L, 2);
    lhandle *hd = check_handle(L); /* pushes the heap: index 3 */
    entry *e = check_ref_of(L, hd->heap, 3, 2);
    gc_handle_set(hd->hd, (void *)e->addr);
    return 0;
}

static int l_handle_tostring(lua_State *L)
{
    lhandle *hd = luaL_checkudata(L, 1, HANDLE_MT);
    lua_pushstring(L, hd->hd ? "toy.handle" : "toy.handle (released)");
    return 1;
}

/* ---- collection, stats, verify ------------------------------------- */

static int l_collect(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    gc_collect(lh->h);
    lua_pushinteger(L, (lua_Integer)sync_gc(L, lh));
    return 1;
}

/* heap:trace(): everything alloc wrote to its trace stream so far (gctrace
 * lines, verifier reports), when the heap was made with trace = true. */
static int l_trace(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    if (lh->trace == NULL)
        return luaL_error(L, "heap:trace() needs toy.heap{trace = true}");
    fflush(lh->trace);
    if (fseek(lh->trace, 0, SEEK_END) != 0)
        return luaL_error(L, "heap:trace(): cannot read the trace file");
    long size = ftell(lh->trace);
    if (size < 0)
        return luaL_error(L, "heap:trace(): cannot read the trace file");
    /* Room first: a finalizer run by this allocation may close the heap
     * (and its trace file), so the file is read after it, with no Lua
     * allocation in between. */
    char *buf = lua_newuserdatauv(L, (size_t)size + 1, 0);
    lh = check_open(L, 1);
    rewind(lh->trace);
    size_t n = fread(buf, 1, (size_t)size, lh->trace);
    fseek(lh->trace, 0, SEEK_END);
    lua_pushlstring(L, buf, n);
    return 1;
}

static int l_verify(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    size_t n = gc_verify(lh->h);
    if (n == GC_VERIFY_NOMEM) { /* nothing was checked: Lua's fail, message */
        lua_pushnil(L);
        lua_pushliteral(L, "verify: out of memory for the checkmark bits");
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)n);
    return 1;
}

/* heap:stress{threads=, cycles=, slots=, release_every=, max_steps=}:
 * tests/threads/tstress.c on this heap: that many C threads, each with a
 * P of its own, allocate and relink a shared structure until the heap
 * has done that many more collections, checked against the model after
 * each. The script's thread gives its P back meanwhile (it waits for
 * them). Returns {cycles, nodes, steps}; a model mismatch is an error
 * naming a collector bug. The stress's objects are its own: the
 * script's objects and handles are untouched (those that were garbage
 * are dropped, as after any collection). */
static int l_stress(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = {"threads", "cycles", "slots", "release_every", "max_steps", NULL};
    ltoy_check_keys(L, 2, known);
    struct {
        const char *key;
        lua_Integer def, min, max;
    } opt[] = {
        {"threads", 4, 1, TSTRESS_MAX_THREADS}, {"cycles", 10, 1, 1000000},
        {"slots", 64, 1, TSTRESS_MAX_SLOTS},    {"release_every", 64, 0, 1000000000},
        {"max_steps", 0, 0, INT64_C(1) << 40},
    };
    lua_Integer v[5];
    for (int i = 0; i < 5; i++) {
        v[i] = opt[i].def;
        if (opt_field(L, 2, opt[i].key)) {
            v[i] = opt_integer(L, 2, opt[i].key);
            if (v[i] < opt[i].min || v[i] > opt[i].max)
                return luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' out of range (%I .. %I)", opt[i].key,
                                                           opt[i].min, opt[i].max));
        }
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 3); /* before the run: no Lua allocation after it until sync_gc */
    lh = check_open(L, 1);
    gc_stats st;
    gc_read_stats(lh->h, &st);
    tstress_opts so = {(unsigned)v[0], st.num_gc + (uint64_t)v[1], (unsigned)v[2], (unsigned)v[3], (uint64_t)v[4]};
    tstress_result r;
    gc_p_release(lh->p);
    int rc = tstress_run(lh->h, &so, &r);
    gc_p_acquire(lh->p);
    sync_gc(L, lh);
    if (rc != 0)
        return luaL_error(L, "heap:stress: %s", r.first);
    if (r.problems)
        return luaL_error(L, "heap:stress: collector bug: %I problems, the first: %s", (lua_Integer)r.problems,
                          r.first);
    lua_pushinteger(L, (lua_Integer)(r.cycles - st.num_gc));
    lua_setfield(L, -2, "cycles");
    lua_pushinteger(L, (lua_Integer)r.nodes);
    lua_setfield(L, -2, "nodes");
    lua_pushinteger(L, (lua_Integer)r.steps);
    lua_setfield(L, -2, "steps");
    return 1;
}

static int l_stats(lua_State *L)
{
    lheap *lh = check_open(L, 1);
    gc_stats *s = &lh->st;
    gc_read_stats(lh->h, s);
    lua_createtable(L, 0, 32);
#define F(name) (lua_pushinteger(L, (lua_Integer)s->name), lua_setfield(L, -2, #name))
    F(num_gc); F(num_forced_gc); F(heap_alloc); F(heap_live); F(heap_goal);
    F(heap_sys); F(heap_inuse); F(heap_idle); F(heap_released); F(heap_objects);
    F(spans_inuse); F(total_alloc); F(mallocs); F(frees); F(tiny_allocs);
    F(large_allocs); F(pause_total_ns); F(last_gc_ns); F(num_mutators);
    F(mark_procs); F(mark_objects); F(mark_ns); F(mark_cpu_ns); F(mark_total_ns);
    F(mark_cpu_total_ns); F(mark_bytes_total);
#undef F
    lua_createtable(L, GC_MAX_PAUSES, 0);
    for (int i = 0; i < GC_MAX_PAUSES; i++) {
        lua_pushinteger(L, (lua_Integer)s->pause_ns[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "pause_ns");
    lua_createtable(L, GC_NUM_SIZE_CLASSES, 0);
    for (int i = 0; i < GC_NUM_SIZE_CLASSES; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)s->by_size[i].size);
        lua_setfield(L, -2, "size");
        lua_pushinteger(L, (lua_Integer)s->by_size[i].mallocs);
        lua_setfield(L, -2, "mallocs");
        lua_pushinteger(L, (lua_Integer)s->by_size[i].frees);
        lua_setfield(L, -2, "frees");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "by_size");
    return 1;
}

/* ---- registration --------------------------------------------------- */

static void new_class(lua_State *L, const char *mt, const luaL_Reg *methods,
                      const luaL_Reg *metamethods)
{
    luaL_newmetatable(L, mt);
    luaL_setfuncs(L, metamethods, 0);
    if (methods) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_pushstring(L, mt);
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

void ltoy_check_keys(lua_State *L, int idx, const char *const known[])
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; known[i]; i++)
                ok |= strcmp(lua_tostring(L, -1), known[i]) == 0;
        if (!ok)
            luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s'", luaL_tolstring(L, -1, NULL)));
    }
}

int luaopen_toy(lua_State *L)
{
    static const luaL_Reg heap_methods[] = {
        {"type", l_type},     {"alloc", l_alloc},   {"get", l_get},
        {"set", l_set},       {"handle", l_handle}, {"collect", l_collect},
        {"stats", l_stats},   {"verify", l_verify}, {"close", l_heap_close},
        {"id", l_id},         {"words", l_words},   {"isptr", l_isptr},
        {"valid", l_valid},   {"trace", l_trace},   {"pointers", l_pointers},   {"stress", l_stress},
        {NULL, NULL}};
    static const luaL_Reg heap_meta[] = {
        {"__gc", l_heap_close}, {"__close", l_heap_close},
        {"__tostring", l_heap_tostring}, {NULL, NULL}};
    static const luaL_Reg type_meta[] = {{"__tostring", l_type_tostring}, {NULL, NULL}};
    static const luaL_Reg ref_meta[] = {
        {"__tostring", l_ref_tostring}, {"__eq", l_ref_eq}, {NULL, NULL}};
    static const luaL_Reg handle_methods[] = {
        {"release", l_handle_release}, {"get", l_handle_get},
        {"set", l_handle_set}, {NULL, NULL}};
    static const luaL_Reg handle_meta[] = {
        {"__gc", l_handle_gc}, {"__close", l_handle_gc},
        {"__tostring", l_handle_tostring}, {NULL, NULL}};
    static const luaL_Reg toy[] = {{"heap", l_heap}, {NULL, NULL}};

    new_class(L, HEAP_MT, heap_methods, heap_meta);
    new_class(L, TYPE_MT, NULL, type_meta);
    new_class(L, REF_MT, NULL, ref_meta);
    new_class(L, HANDLE_MT, handle_methods, handle_meta);
    luaL_newlib(L, toy);
    ltoy_open_run(L); /* toy.check, toy.run */
    return 1;
}
