/*
 * collections.c: the array and map built-ins: len, push, pop, has,
 * delete, keys, make (Lua's ltablib.c; Go's len/append/delete/make). The
 * layouts and the map itself are vm/'s (object.h, map.c); these bodies
 * add the checks the spec asks for and pick storage types from the
 * static types the call site passes.
 */
#include "stdlib/internal.h"

int std_len(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs;
    const vm_rtype *t = std_argtype(V, types, 0);
    if (!t)
        return std_untyped(V, "len");
    if (t->kind == VM_KSTRING)
        args[0].i = vm_string_len(args[0].p);
    else if (t->kind == VM_KCHAN)
        args[0].i = vm_chan_len(args[0].p);
    else /* arrays and maps both keep their count in the first word */
        args[0].i = args[0].p ? *(const int64_t *)args[0].p : 0;
    return 0;
}

int std_push(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    vm_array *a = args[0].p;
    if (!a)
        return vm_error(V, "nil dereference");
    /* a and the value are argument slots: roots while the store grows. */
    return vm_array_push(V, a, args[1]) == 0 ? 0 : std_oom(V);
}

int std_pop(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    vm_array *a = args[0].p;
    if (!a)
        return vm_error(V, "nil dereference");
    if (a->len == 0)
        return vm_error(V, "pop from empty array");
    vm_value v = a->data[--a->len];
    /* The vacated slot must not keep v alive. */
    if (a->elemref)
        vm_write_pointer(V, &a->data[a->len].p, NULL);
    else
        a->data[a->len].i = 0;
    args[0] = v;
    return 0;
}

int std_has(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)V, (void)nargs, (void)types;
    args[0].i = vm_map_has(args[0].p, args[1]);
    return 0;
}

int std_delete(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    vm_map *m = args[0].p;
    if (!m) /* a nil map: nothing */
        return 0;
    if (!vm_map_write_begin(m))
        return vm_error(V, "concurrent map writes");
    vm_map_delete(V, m, args[1]); /* a missing key: nothing */
    vm_map_write_end(m);
    return 0;
}

int std_keys(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_map *m = args[0].p;
    int64_t count = m ? m->count : 0;
    bool keyref = m && (m->flags & 3) == VM_MAPKEY_STRING;
    /* The map is an argument slot, alive while the array is made; filling
     * the array allocates nothing. */
    vm_array *a = vm_array_new(V, count, keyref);
    if (!a)
        return std_oom(V);
    int64_t cur = 0, k = 0;
    vm_value key, val;
    while (k < count && vm_map_next(m, &cur, &key, &val)) {
        if (keyref)
            vm_write_pointer(V, &a->data[k].p, key.p);
        else
            a->data[k] = key;
        k++;
    }
    args[0].p = a;
    return 0;
}

static const vm_rtype *rtype_at(const vm_program *p, int32_t t)
{
    return t >= 0 && (uint32_t)t < p->nrtypes ? &p->rtypes[t] : NULL;
}

static int map_keykind(int32_t kind)
{
    switch (kind) {
    case VM_KINT: return VM_MAPKEY_INT;
    case VM_KSTRING: return VM_MAPKEY_STRING;
    case VM_KBOOL: return VM_MAPKEY_BOOL;
    default: return -1;
    }
}

int std_make(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    const vm_program *p = vm_get_program(V);
    const vm_rtype *t = std_argtype(V, types, 0);
    if (!t || (t->kind != VM_KARRAY && t->kind != VM_KMAP && t->kind != VM_KCHAN))
        return std_untyped(V, "make");
    if (t->kind == VM_KCHAN) {
        /* make(chan[T], n): one argument, n, typed as the channel. */
        const vm_rtype *elem = rtype_at(p, t->a);
        if (!elem || nargs < 1)
            return std_untyped(V, "make");
        void *c = vm_chan_new(V, args[nargs - 1].i, VM_KIND_IS_REF(elem->kind));
        if (!c)
            return -1;
        args[0].p = c;
        return 0;
    }
    if (t->kind == VM_KMAP) {
        const vm_rtype *k = rtype_at(p, t->a), *v = rtype_at(p, t->b);
        int kk = k ? map_keykind(k->kind) : -1;
        if (kk < 0 || !v)
            return std_untyped(V, "make");
        vm_map *m = vm_map_new(V, kk, VM_KIND_IS_REF(v->kind));
        if (!m)
            return std_oom(V);
        args[0].p = m;
        return 0;
    }
    if (nargs < 1)
        return std_untyped(V, "make");
    int64_t n = args[nargs - 1].i;
    if (n < 0)
        return vm_error(V, "negative array length %lld", (long long)n);
    if (n > VM_MAX_ARRAY_LEN) /* as NEWARRAY, which make usually lowers to */
        return std_oom(V);
    const vm_rtype *elem = rtype_at(p, t->a);
    if (!elem)
        return std_untyped(V, "make");
    vm_array *a = vm_array_new(V, n, VM_KIND_IS_REF(elem->kind));
    if (!a)
        return std_oom(V);
    args[0].p = a;
    return 0;
}
