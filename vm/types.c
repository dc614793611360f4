/*
 * types.c: `toy types`, every gc_type a program's objects are allocated
 * with, and the path each takes through mallocgc (a study tool for typed
 * allocation; no Go counterpart, closest is reading abi.Type by hand).
 *
 * The compiler derives a gc_type per struct and per closure shape
 * (vm_program_finish, program.c); arrays' backing stores, map storage,
 * cells and strings use the VM's fixed types (object.c). For one object
 * the path and class come from gc_alloc_path_of; for storage whose length
 * varies (array backing stores, map index and entries, strings) the rule
 * is stated as the ranges of lengths that share a path, computed the same
 * way, followed by a few representative lengths with their classes.
 */
#include "vm/vmint.h"

#include <stdlib.h>

#include <string.h>

static const char *path_name(gc_alloc_path p)
{
    switch (p) {
    case GC_PATH_ZERO: return "zero";
    case GC_PATH_TINY: return "tiny";
    case GC_PATH_SMALL_NOSCAN: return "small noscan";
    case GC_PATH_SMALL_SCAN_HEAPBITS: return "small scan, in-span bits";
    case GC_PATH_SMALL_SCAN_HEADER: return "small scan, header";
    case GC_PATH_LARGE: return "large";
    case GC_PATH_INVALID: break;
    }
    return "invalid";
}

/* One word per character over the whole element: p pointer, . scalar. */
static void put_bitmap(FILE *out, const gc_type *t, size_t size)
{
    size_t words = size / 8;
    for (size_t w = 0; w < words; w++) {
        bool ptr = t && w * 8 < t->ptrdata && (t->ptrmask[w / 8] >> (w % 8) & 1);
        fputc(ptr ? 'p' : '.', out);
    }
    if (size % 8)
        fprintf(out, "+%zu", size % 8);
}

static void put_where(FILE *out, size_t size, const gc_type *t)
{
    gc_alloc_info ai;
    if (gc_alloc_path_of(size, t, &ai) != 0) {
        fputs("invalid", out);
        return;
    }
    fputs(path_name(ai.path), out);
    if (ai.path == GC_PATH_TINY)
        fputs(" (16-byte block, class 2)", out);
    else if (ai.path == GC_PATH_LARGE)
        fprintf(out, " (%zu pages)", ai.npages);
    else if (ai.path != GC_PATH_ZERO)
        fprintf(out, ", class %u (%zu-byte slots)", ai.size_class, ai.elem_size);
}

/* A fixed-size object: name, size, ptrdata, path and class, bitmap. */
static void put_fixed(FILE *out, const char *kind, const char *name, const gc_type *t,
                      size_t size)
{
    fprintf(out, "%-8s %-24s size %4zu  ptrdata %4zu  bits ", kind, name, size,
            t ? t->ptrdata : 0);
    put_bitmap(out, t, size);
    fputs("\n         ", out);
    put_where(out, size, t);
    fputc('\n', out);
}

/* Storage of n units of unit bytes plus extra: the ranges of n that take
 * one path, then the representative lengths. */
static void put_rule(FILE *out, const char *kind, const char *name, const gc_type *t,
                     size_t unit, size_t extra, const char *unitname, const long *reps)
{
    fprintf(out, "%-8s %-24s %zu bytes per %s", kind, name, unit, unitname);
    if (extra)
        fprintf(out, " + %zu", extra);
    fprintf(out, "  ptrdata %zu per element  bits ", t ? t->ptrdata : 0);
    if (t || unit >= 8)
        put_bitmap(out, t, t ? t->size : unit);
    else
        fputs("(noscan)", out);
    fputc('\n', out);
    gc_alloc_info ai;
    long first = extra ? 0 : 1; /* no storage is allocated for 0 elements */
    long start = first;
    gc_alloc_path cur = GC_PATH_INVALID;
    for (long n = first;; n++) {
        gc_alloc_path p =
            gc_alloc_path_of((size_t)n * unit + extra, t, &ai) == 0 ? ai.path : GC_PATH_INVALID;
        if (n > first && p != cur) {
            if (start == n - 1)
                fprintf(out, "         %s %ld: %s\n", unitname, start, path_name(cur));
            else
                fprintf(out, "         %s %ld..%ld: %s\n", unitname, start, n - 1, path_name(cur));
            start = n;
        }
        cur = p;
        if (p == GC_PATH_LARGE) {
            fprintf(out, "         %s %ld..: large\n", unitname, n);
            break;
        }
    }
    for (const long *r = reps; *r >= 0; r++) {
        fprintf(out, "         %s %5ld = %6zu bytes: ", unitname, *r, (size_t)*r * unit + extra);
        put_where(out, (size_t)*r * unit + extra, t);
        fputc('\n', out);
    }
}

/* An rtype's name as the source spells it. */
void vm_rtype_name(const vm_program *p, int32_t t, char *buf, size_t len)
{
    if (t < 0 || (uint32_t)t >= p->nrtypes) {
        snprintf(buf, len, "?");
        return;
    }
    const vm_rtype *r = &p->rtypes[t];
    char a[96], b[96];
    switch (r->kind) {
    case VM_KINT: snprintf(buf, len, "int"); break;
    case VM_KFLOAT: snprintf(buf, len, "float"); break;
    case VM_KBOOL: snprintf(buf, len, "bool"); break;
    case VM_KSTRING: snprintf(buf, len, "string"); break;
    case VM_KARRAY:
        vm_rtype_name(p, r->a, a, sizeof a);
        snprintf(buf, len, "[%s]", a);
        break;
    case VM_KMAP:
        vm_rtype_name(p, r->a, a, sizeof a);
        vm_rtype_name(p, r->b, b, sizeof b);
        snprintf(buf, len, "map[%s]%s", a, b);
        break;
    case VM_KSTRUCT:
        snprintf(buf, len, "%s",
                 r->a >= 0 && (uint32_t)r->a < p->nstructs ? p->structs[r->a].name : "?");
        break;
    case VM_KFUNC: snprintf(buf, len, "fn"); break;
    case VM_KCHAN:
        vm_rtype_name(p, r->a, a, sizeof a);
        snprintf(buf, len, "chan[%s]", a);
        break;
    default: snprintf(buf, len, "void"); break;
    }
}

static bool ref(const vm_program *p, int32_t t)
{
    return t >= 0 && (uint32_t)t < p->nrtypes && VM_KIND_IS_REF(p->rtypes[t].kind);
}

void vm_print_types(FILE *out, const vm_program *p)
{
    static const long array_reps[] = {1, 2, 4, 64, 65, 4095, 4096, -1};
    static const long map_reps[] = {8, 16, 1024, 2048, -1};
    static const long slot_reps[] = {8, 16, 1024, 1 << 20, -1};
    static const long chunk_reps[] = {8, 16, VM_MAP_CHUNK, -1};
    static const long string_reps[] = {0, 5, 495, 32743, -1};
    char name[256];

    fprintf(out, "# gc_types of %s\n", p->source ? p->source : "?");
    fputs("# bits: one character per word, p = pointer, . = scalar\n", out);

    vm_layout *structs, *closures;
    if (vm_layouts_make(p, &structs, &closures) != 0) {
        fputs("out of memory\n", out);
        return;
    }
    fputs("\n## structs (one gc_type each, from the field types)\n", out);
    for (uint32_t j = 0; j < p->nstructs; j++) {
        const vm_structdesc *s = &p->structs[j];
        put_fixed(out, "struct", s->name, &structs[j].type, structs[j].type.size);
        for (int32_t f = 0; f < s->nfields; f++) {
            vm_rtype_name(p, s->field_types[f], name, sizeof name);
            fprintf(out, "         word %d: %s %s%s\n", f, s->field_names[f], name,
                    ref(p, s->field_types[f]) ? " (pointer)" : "");
        }
    }

    fputs("\n## closures (one gc_type per function made into a closure: word 0 is the code,\n"
          "## then one cell per capture)\n", out);
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        bool made = false;
        for (uint32_t j2 = 0; j2 < p->nprotos && !made; j2++)
            for (uint32_t pc = 0; pc < p->protos[j2]->ncode && !made; pc++) {
                vm_instr i = p->protos[j2]->code[pc];
                made = VM_OP(i) == OP_CLOSURE && (uint32_t)VM_BX(i) == j;
            }
        if (!made)
            continue;
        const gc_type *t = closures[j].type.ptrdata ? &closures[j].type : NULL;
        put_fixed(out, "closure", f->name, t, closures[j].type.size);
    }
    free(structs);
    free(closures);

    fputs("\n## cells (captured variables)\n", out);
    put_fixed(out, "cell", vm_gct_refcell.name, &vm_gct_refcell, sizeof(vm_cell));
    put_fixed(out, "cell", "cell (scalar)", NULL, sizeof(vm_cell));

    fputs("\n## arrays: a header and a backing store of cap words\n", out);
    put_fixed(out, "array", vm_gct_array.name, &vm_gct_array, sizeof(vm_array));
    /* Which variants the program makes: its NEWARRAY and NEWMAP operands
     * (rtypes alone miss types only ever inferred). */
    bool arr[2] = {false, false}, ent[4] = {false, false, false, false};
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            vm_instr i = f->code[pc];
            if (VM_OP(i) == OP_NEWARRAY)
                arr[VM_C(i) & 1] = true;
            else if (VM_OP(i) == OP_NEWMAP)
                ent[(VM_B(i) == VM_MAPKEY_STRING) | (VM_C(i) & 1) << 1] = true;
        }
    }
    if (arr[1])
        put_rule(out, "backing", vm_gct_refs.name, &vm_gct_refs, sizeof(vm_value), 0, "cap",
                 array_reps);
    if (arr[0])
        put_rule(out, "backing", "[]scalar", NULL, sizeof(vm_value), 0, "cap", array_reps);

    fputs("\n## maps: a header; an index of uint32 slots (hashed, then direct for small int keys)\n"
          "## and a bit per entry; a directory of chunks of entries {key, val}; the insertion\n"
          "## numbers a compaction kept\n", out);
    if (ent[0] || ent[1] || ent[2] || ent[3]) {
        put_fixed(out, "map", vm_gct_map.name, &vm_gct_map, sizeof(vm_map));
        fprintf(out, "%-8s %-24s 4 bytes a slot and a bit per 3/4 hashed slot (hashed slots alone:)\n",
                "index", "map.index");
        for (const long *r = slot_reps; *r >= 0; r++) {
            size_t bytes = (size_t)*r * sizeof(uint32_t) + (size_t)(*r / 4 * 3 + 63) / 64 * sizeof(uint64_t);
            fprintf(out, "         slots %7ld = %7zu bytes: ", *r, bytes);
            put_where(out, bytes, NULL);
            fputc('\n', out);
        }
        put_rule(out, "chunks", "map.chunks", &vm_gct_refs, sizeof(void *), 0, "chunk", map_reps);
        for (int e = 0; e < 4; e++)
            if (ent[e])
                put_rule(out, "entries",
                         vm_gct_mapentries[e] ? vm_gct_mapentries[e]->name : "map.entries (noscan)",
                         vm_gct_mapentries[e], sizeof(vm_mapentry), 0, "entry", chunk_reps);
        put_rule(out, "seqs", "map.seqs", NULL, sizeof(int64_t), 0, "entry", map_reps);
    }

    fputs("\n## strings: noscan {len, hash, bytes, NUL}\n", out);
    put_rule(out, "string", "string", NULL, 1, sizeof(vm_string) + 1, "len", string_reps);
}
