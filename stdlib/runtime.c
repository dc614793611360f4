/*
 * runtime.c: the collector's built-ins (Go's runtime.GC and
 * runtime.ReadMemStats): gc() and gc_stats(), which returns the prelude's
 * struct GCStats filled from alloc's gc_read_stats.
 */
#include "stdlib/internal.h"

#include <string.h>

int std_gc(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)args, (void)nargs, (void)types;
    gc_collect(vm_heap(V));
    return 0;
}

int std_gc_stats(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_program *p = vm_get_program(V);
    const vm_structdesc *sd = NULL;
    int32_t si = 0;
    for (uint32_t j = 0; j < p->nstructs && !sd; j++)
        if (strcmp(p->structs[j].name, "GCStats") == 0)
            sd = &p->structs[si = (int32_t)j];
    if (!sd)
        return vm_error(V, "internal error: gc_stats: the program has no struct GCStats");
    /* Read before allocating, so the numbers describe the program's heap
     * and not this call. */
    gc_stats st;
    gc_read_stats(vm_heap(V), &st);
    const struct {
        const char *name;
        uint64_t v;
    } fields[] = {
        {"num_gc", st.num_gc},       {"heap_alloc", st.heap_alloc},
        {"heap_live", st.heap_live}, {"heap_goal", st.heap_goal},
        {"total_alloc", st.total_alloc}, {"mallocs", st.mallocs},
        {"frees", st.frees},         {"pause_total_ns", st.pause_total_ns},
        {"heap_sys", st.heap_sys},   {"heap_inuse", st.heap_inuse},
        {"heap_released", st.heap_released}, {"num_forced_gc", st.num_forced_gc},
    };
    const gc_type *t = vm_struct_gctype(V, si);
    vm_value *o = gc_mallocgc(vm_gcp(V), t->size, t, true);
    if (!o)
        return vm_error(V, "out of memory");
    /* By name, so the prelude may reorder or extend the struct. */
    for (int32_t f = 0; f < sd->nfields; f++)
        for (size_t j = 0; j < sizeof fields / sizeof fields[0]; j++)
            if (strcmp(sd->field_names[f], fields[j].name) == 0)
                o[f].i = fields[j].v > INT64_MAX ? INT64_MAX : (int64_t)fields[j].v;
    args[0].p = o;
    return 0;
}
