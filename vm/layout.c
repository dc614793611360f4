/*
 * layout.c: the collector's view of a program's own types, derived when
 * the VM loads it: a gc_type (and an allocation site) per struct, from
 * its field rtypes, and per closure shape, one word for the code then one
 * cell per capture. The bytecode (bytecode.h) only describes types; this
 * is where they become alloc's gc_types, as Go's compiler turns a type
 * into its runtime._type and GC program.
 */
#include "vm/vmint.h"

#include <stdlib.h>
#include <string.h>

static bool rtype_is_ref(const vm_program *p, int32_t t)
{
    return t >= 0 && (uint32_t)t < p->nrtypes && VM_KIND_IS_REF(p->rtypes[t].kind);
}

/* A layout of nwords words, word w a pointer when bit w of mask is set;
 * name is borrowed from the program. A struct's site keeps its type even
 * without pointers (the profile names objects by it); a closure without
 * captures is noscan. */
static int layout_init(vm_layout *L, const char *name, size_t nwords, int32_t count, bool typed)
{
    size_t ptrwords = 0;
    for (size_t w = 0; w < nwords && w < sizeof L->mask * 8; w++)
        if (L->mask[w / 8] >> (w % 8) & 1)
            ptrwords = w + 1;
    L->count = count;
    L->type.size = (nwords > 0 ? nwords : 1) * sizeof(vm_value);
    L->type.ptrdata = ptrwords * sizeof(vm_value);
    L->type.ptrmask = L->mask;
    L->type.name = name;
    return gc_site_init(&L->site, L->type.size, ptrwords || typed ? &L->type : NULL);
}

int vm_layouts_make(const vm_program *p, vm_layout **structs, vm_layout **closures)
{
    *structs = calloc(p->nstructs ? p->nstructs : 1, sizeof **structs);
    *closures = calloc(p->nprotos ? p->nprotos : 1, sizeof **closures);
    if (!*structs || !*closures)
        goto fail;
    for (uint32_t j = 0; j < p->nstructs; j++) {
        const vm_structdesc *s = &p->structs[j];
        vm_layout *L = &(*structs)[j];
        for (int32_t f = 0; f < s->nfields; f++)
            if (rtype_is_ref(p, s->field_types[f]))
                L->mask[f / 8] |= (uint8_t)(1u << (f % 8));
        if (layout_init(L, s->name, (size_t)s->nfields, s->nfields, true) != 0)
            goto fail;
    }
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        vm_layout *L = &(*closures)[j];
        for (uint32_t u = 0; u < f->nupvals; u++)
            L->mask[(u + 1) / 8] |= (uint8_t)(1u << ((u + 1) % 8));
        if (layout_init(L, f->name, 1 + f->nupvals, (int32_t)f->nupvals, false) != 0)
            goto fail;
    }
    return 0;
fail:
    free(*structs);
    free(*closures);
    *structs = *closures = NULL;
    return -1;
}
