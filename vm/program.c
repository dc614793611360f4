/*
 * program.c: building, linking and verifying a vm_program (the role of
 * Lua's lfunc.c + the checks ldebug.c/lundump.c make, and of Go's
 * stackMapSet for the deduplicated stack maps).
 *
 * The compiler (lang/compile.c) and the unit tests build programs with the
 * functions here; vm_program_finish then derives what the collector needs
 * (a gc_type per struct and per closure shape, the globals' pointer map),
 * sorts the safepoint table and verifies every instruction's operands, so
 * a compiler bug shows up as a message here and not as a crash or a freed
 * live object at run time.
 */
#include "vm/vmint.h"

#include <stdlib.h>
#include <string.h>

/* Make room for element n of arr (cap elements of size sz): returns the
 * new array, or arr unchanged (and p->oom set) when memory is short. */
static void *grow_raw(vm_program *p, void *arr, uint32_t *cap, size_t sz)
{
    uint32_t c = *cap ? *cap * 2 : 8;
    void *q = realloc(arr, (size_t)c * sz);
    if (!q) {
        if (p)
            p->oom = true;
        return arr;
    }
    *cap = c;
    return q;
}

/* True when ARR has room for element N, growing it if needed. */
#define GROW(P, ARR, N, CAP) \
    ((N) < (CAP) || ((ARR) = grow_raw((P), (ARR), &(CAP), sizeof *(ARR)), (N) < (CAP)))

static char *dupstr(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

vm_program *vm_program_new(const char *source)
{
    vm_program *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->source = dupstr(source, strlen(source));
    p->main_proto = -1;
    p->init_proto = -1;
    /* Offset 0 of the type lists is the empty list. */
    if (!p->source || !GROW(p, p->typelists, 0, p->captypelists)) {
        vm_program_free(p);
        return NULL;
    }
    p->typelists[p->ntypelists++] = 0;
    return p;
}

static void proto_free(vm_proto *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->code);
    free(f->lines);
    for (uint32_t j = 0; j < f->nk; j++)
        free(f->k[j].s);
    free(f->k);
    free(f->upvals);
    free(f->sp_pc);
    free(f->sp_map);
    free(f->maps);
    free(f);
}

void vm_program_free(vm_program *p)
{
    if (!p)
        return;
    for (uint32_t j = 0; j < p->nprotos; j++)
        proto_free(p->protos[j]);
    free(p->protos);
    for (uint32_t j = 0; j < p->nglobals; j++)
        free(p->global_names[j]);
    free(p->global_names);
    free(p->global_types);
    free(p->global_ptrmask);
    free(p->rtypes);
    for (uint32_t j = 0; j < p->nstructs; j++) {
        vm_structdesc *s = &p->structs[j];
        free(s->name);
        for (int32_t f = 0; f < s->nfields; f++)
            free(s->field_names[f]);
        free(s->field_names);
        free(s->field_types);
        free(s->ptrmask);
    }
    free(p->structs);
    free(p->typelists);
    free(p->source);
    free(p);
}

int32_t vm_add_rtype(vm_program *p, vm_kind kind, int32_t a, int32_t b)
{
    for (uint32_t j = 0; j < p->nrtypes; j++)
        if (p->rtypes[j].kind == (int32_t)kind && p->rtypes[j].a == a && p->rtypes[j].b == b)
            return (int32_t)j;
    if (!GROW(p, p->rtypes, p->nrtypes, p->caprtypes))
        return -1;
    p->rtypes[p->nrtypes] = (vm_rtype){(int32_t)kind, a, b};
    return (int32_t)p->nrtypes++;
}

int32_t vm_add_struct(vm_program *p, const char *name)
{
    if (!GROW(p, p->structs, p->nstructs, p->capstructs))
        return -1;
    vm_structdesc *s = &p->structs[p->nstructs];
    memset(s, 0, sizeof *s);
    s->name = dupstr(name, strlen(name));
    if (!s->name) {
        p->oom = true;
        return -1;
    }
    return (int32_t)p->nstructs++;
}

int vm_add_field(vm_program *p, int32_t sidx, const char *name, int32_t rtype)
{
    vm_structdesc *s = &p->structs[sidx];
    char **names = realloc(s->field_names, (size_t)(s->nfields + 1) * sizeof *names);
    if (names)
        s->field_names = names;
    int32_t *types = realloc(s->field_types, (size_t)(s->nfields + 1) * sizeof *types);
    if (types)
        s->field_types = types;
    char *n = dupstr(name, strlen(name));
    if (!names || !types || !n) {
        free(n);
        p->oom = true;
        return -1;
    }
    s->field_names[s->nfields] = n;
    s->field_types[s->nfields] = rtype;
    return s->nfields++;
}

int32_t vm_add_global(vm_program *p, const char *name, int32_t rtype)
{
    uint32_t n = p->nglobals;
    uint32_t cap = p->capglobals, cap2 = p->capglobals;
    if (!GROW(p, p->global_names, n, cap) ||
        !GROW(p, p->global_types, n, cap2))
        return -1;
    if (cap != p->capglobals) {
        uint8_t *m = realloc(p->global_ptrmask, (cap + 7) / 8);
        if (!m) {
            p->oom = true;
            return -1;
        }
        memset(m + (p->capglobals + 7) / 8, 0, (cap + 7) / 8 - (p->capglobals + 7) / 8);
        p->global_ptrmask = m;
    }
    p->capglobals = cap;
    p->global_names[n] = dupstr(name, strlen(name));
    if (!p->global_names[n]) {
        p->oom = true;
        return -1;
    }
    p->global_types[n] = rtype;
    p->nglobals++;
    return (int32_t)n;
}

int32_t vm_add_typelist(vm_program *p, const int32_t *rtypes, int n)
{
    if (n == 0)
        return 0;
    int32_t off = (int32_t)p->ntypelists;
    for (int j = -1; j < n; j++) {
        if (!GROW(p, p->typelists, p->ntypelists, p->captypelists))
            return -1;
        p->typelists[p->ntypelists++] = j < 0 ? n : rtypes[j];
    }
    return off;
}

int32_t vm_add_proto(vm_program *p, const char *name, int nparams, int nregs)
{
    if (!GROW(p, p->protos, p->nprotos, p->capprotos))
        return -1;
    vm_proto *f = calloc(1, sizeof *f);
    if (f)
        f->name = dupstr(name, strlen(name));
    if (!f || !f->name) {
        proto_free(f);
        p->oom = true;
        return -1;
    }
    f->nparams = nparams;
    f->nregs = nregs;
    f->result_rtype = -1;
    p->protos[p->nprotos] = f;
    return (int32_t)p->nprotos++;
}

int vm_emit(vm_proto *f, vm_instr i, int line)
{
    uint32_t cap = f->capcode;
    if (!GROW(NULL, f->code, f->ncode, cap))
        return -1;
    uint32_t cap2 = f->capcode;
    if (!GROW(NULL, f->lines, f->ncode, cap2))
        return -1;
    f->capcode = cap;
    f->code[f->ncode] = i;
    f->lines[f->ncode] = line;
    return (int)f->ncode++;
}

static int32_t add_const(vm_proto *f, vm_const c)
{
    for (uint32_t j = 0; j < f->nk; j++) {
        const vm_const *o = &f->k[j];
        if (o->kind != c.kind)
            continue;
        if (c.kind == VM_CONST_STRING ? (o->len == c.len && memcmp(o->s, c.s, c.len) == 0)
                                      : memcmp(&o->v, &c.v, sizeof c.v) == 0)
            return (int32_t)j;
    }
    if (!GROW(NULL, f->k, f->nk, f->capk))
        return -1;
    if (c.kind == VM_CONST_STRING) {
        c.s = dupstr(c.s, c.len);
        if (!c.s)
            return -1;
    }
    f->k[f->nk] = c;
    return (int32_t)f->nk++;
}

int32_t vm_const_int(vm_proto *f, int64_t v)
{
    vm_const c = {.kind = VM_CONST_INT};
    c.v.i = v;
    return add_const(f, c);
}

int32_t vm_const_float(vm_proto *f, double v)
{
    vm_const c = {.kind = VM_CONST_FLOAT};
    c.v.f = v;
    return add_const(f, c);
}

int32_t vm_const_string(vm_proto *f, const char *s, size_t len)
{
    vm_const c = {.kind = VM_CONST_STRING, .s = (char *)s, .len = len};
    return add_const(f, c);
}

int vm_add_upval(vm_proto *f, int instack, int index)
{
    if (!GROW(NULL, f->upvals, f->nupvals, f->capupvals))
        return -1;
    f->upvals[f->nupvals] = (vm_upvaldesc){(uint8_t)(instack != 0), (uint8_t)index};
    return (int)f->nupvals++;
}

int vm_stackmap(vm_proto *f, uint32_t pc, const uint8_t *bits)
{
    uint32_t m;
    for (m = 0; m < f->nmaps; m++)
        if (memcmp(f->maps[m], bits, VM_MAP_BYTES) == 0)
            break;
    if (m == f->nmaps) {
        if (!GROW(NULL, f->maps, f->nmaps, f->capmaps))
            return -1;
        memcpy(f->maps[f->nmaps++], bits, VM_MAP_BYTES);
    }
    /* A second map for the same pc replaces the first. */
    for (uint32_t j = 0; j < f->nsp; j++)
        if (f->sp_pc[j] == pc) {
            f->sp_map[j] = m;
            return 0;
        }
    uint32_t cap = f->capsp;
    if (!GROW(NULL, f->sp_pc, f->nsp, cap))
        return -1;
    uint32_t cap2 = f->capsp;
    if (!GROW(NULL, f->sp_map, f->nsp, cap2))
        return -1;
    f->capsp = cap;
    /* Keep the table sorted: pcs arrive nearly in order. */
    uint32_t j = f->nsp;
    while (j > 0 && f->sp_pc[j - 1] > pc) {
        f->sp_pc[j] = f->sp_pc[j - 1];
        f->sp_map[j] = f->sp_map[j - 1];
        j--;
    }
    f->sp_pc[j] = pc;
    f->sp_map[j] = m;
    f->nsp++;
    return 0;
}

int vm_stackmap_slots(vm_proto *f, uint32_t pc, const int *slots, int n)
{
    uint8_t bits[VM_MAP_BYTES] = {0};
    for (int j = 0; j < n; j++)
        if (slots[j] >= 0 && slots[j] < VM_MAP_BYTES * 8)
            bits[slots[j] / 8] |= (uint8_t)(1u << (slots[j] % 8));
    return vm_stackmap(f, pc, bits);
}

const uint8_t *vm_proto_stackmap(const vm_proto *f, uint32_t pc)
{
    uint32_t lo = 0, hi = f->nsp;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->sp_pc[mid] < pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->nsp && f->sp_pc[lo] == pc ? f->maps[f->sp_map[lo]] : NULL;
}

/* ---- Linking. ---- */

static bool rtype_is_ref(const vm_program *p, int32_t t)
{
    return t >= 0 && (uint32_t)t < p->nrtypes && VM_KIND_IS_REF(p->rtypes[t].kind);
}

static int link_types(vm_program *p)
{
    for (uint32_t j = 0; j < p->nstructs; j++) {
        vm_structdesc *s = &p->structs[j];
        free(s->ptrmask);
        s->ptrmask = calloc((size_t)(s->nfields + 7) / 8 + 1, 1);
        if (!s->ptrmask)
            return -1;
        size_t ptrwords = 0;
        for (int32_t f = 0; f < s->nfields; f++)
            if (rtype_is_ref(p, s->field_types[f])) {
                s->ptrmask[f / 8] |= (uint8_t)(1u << (f % 8));
                ptrwords = (size_t)f + 1;
            }
        s->gctype.size = (size_t)(s->nfields > 0 ? s->nfields : 1) * sizeof(vm_value);
        s->gctype.ptrdata = ptrwords * sizeof(vm_value);
        s->gctype.ptrmask = s->ptrmask;
        s->gctype.name = s->name;
        if (gc_site_init(&s->site, s->gctype.size, &s->gctype) != 0)
            return -1;
    }
    for (uint32_t j = 0; j < p->nprotos; j++) {
        vm_proto *f = p->protos[j];
        memset(f->closure_mask, 0, sizeof f->closure_mask);
        for (uint32_t u = 0; u < f->nupvals; u++)
            f->closure_mask[(u + 1) / 8] |= (uint8_t)(1u << ((u + 1) % 8));
        f->closure_type.size = sizeof(vm_closure) + f->nupvals * sizeof(vm_cell *);
        f->closure_type.ptrdata = f->nupvals ? f->closure_type.size : 0;
        f->closure_type.ptrmask = f->closure_mask;
        f->closure_type.name = f->name;
        if (gc_site_init(&f->closure_site, f->closure_type.size, f->closure_type.ptrdata ? &f->closure_type : NULL) != 0)
            return -1;
    }
    for (uint32_t g = 0; g < p->nglobals; g++) {
        uint8_t bit = (uint8_t)(1u << (g % 8));
        if (rtype_is_ref(p, p->global_types[g]))
            p->global_ptrmask[g / 8] |= bit;
        else
            p->global_ptrmask[g / 8] &= (uint8_t)~bit;
    }
    return 0;
}

/* ---- Verification: every operand in range. ---- */

#define FAIL(...)                                                       \
    do {                                                                \
        if (err && errlen) {                                            \
            int n_ = snprintf(err, errlen, "%s pc %u (%s): ", f->name, pc, \
                              vm_opnames[op < VM_NUM_OPCODES ? op : 0]);  \
            if (n_ > 0 && (size_t)n_ < errlen)                          \
                snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);   \
        }                                                               \
        return -1;                                                      \
    } while (0)

static int verify_proto(const vm_program *p, const vm_proto *f, char *err, size_t errlen)
{
    const int nr = f->nregs;
    if (nr < 0 || nr > 256 || f->nparams < 0 || f->nparams > nr || f->ncode == 0) {
        snprintf(err, errlen, "%s: bad frame (nregs %d, nparams %d, %u instructions)", f->name,
                 nr, f->nparams, f->ncode);
        return -1;
    }
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        vm_instr i = f->code[pc];
        unsigned op = VM_OP(i);
        if (op >= VM_NUM_OPCODES)
            FAIL("bad opcode %u", op);
        int a = VM_A(i), b = VM_B(i), c = VM_C(i);
        bool ra = true, rb = false, rc = false;
        switch ((vm_opcode)op) {
        case OP_MOV: case OP_ADDIK: case OP_NEGI: case OP_NEGF: case OP_NOT: case OP_BNOT:
        case OP_ITOF: case OP_FTOI: case OP_LEN: case OP_LENS: case OP_GETCELL: case OP_SETCELL:
        case OP_IFEQI: case OP_IFLTI: case OP_IFLEI: case OP_IFEQF: case OP_IFLTF: case OP_IFLEF:
        case OP_IFEQ: case OP_IFEQS: case OP_IFLTS: case OP_IFLES: case OP_PUSH: case OP_CALLR:
        case OP_NEWARRAY: case OP_GETFIELD: case OP_NEWCELL: case OP_SQRTF: case OP_ADDIFLD:
        case OP_SUBIFLD: case OP_ADDFFLD: case OP_SUBFFLD: case OP_MULFFLD: case OP_DIVFFLD:
            rb = true;
            break;
        case OP_ADDI: case OP_SUBI: case OP_MULI: case OP_DIVI: case OP_MODI: case OP_ADDF:
        case OP_SUBF: case OP_MULF: case OP_DIVF: case OP_MODF: case OP_BAND: case OP_BOR:
        case OP_BXOR: case OP_SHL: case OP_SHR: case OP_EQI: case OP_LTI: case OP_LEI:
        case OP_EQF: case OP_LTF: case OP_LEF: case OP_EQ: case OP_EQS: case OP_LTS: case OP_LES:
        case OP_GETINDEX: case OP_SETINDEX: case OP_MAPGET: case OP_MAPSET: case OP_CONCAT:
        case OP_MADDF: case OP_MSUBF:
            rb = rc = true;
            break;
        case OP_SETFIELD: case OP_FLDADDI: case OP_FLDSUBI: case OP_FLDADDF: case OP_FLDSUBF:
        case OP_FLDMULF: case OP_FLDDIVF:
            rc = true;
            break;
        case OP_JMP: case OP_EXTRAARG: case OP_RETURN0: case OP_RETURNI:
            ra = false;
            break;
        default:
            break;
        }
        if ((ra && a >= nr) || (rb && b >= nr) || (rc && c >= nr))
            FAIL("register out of range (frame has %d)", nr);
        switch ((vm_opcode)op) {
        case OP_LOADK:
            if ((uint32_t)VM_BX(i) >= f->nk)
                FAIL("constant %d out of range", VM_BX(i));
            break;
        case OP_GETGLOBAL: case OP_SETGLOBAL:
            if ((uint32_t)VM_BX(i) >= p->nglobals)
                FAIL("global %d out of range", VM_BX(i));
            break;
        case OP_FORPREP: case OP_FORLOOP: case OP_FORPREPS: case OP_FORLOOPS:
            if (a + ((op == OP_FORPREPS || op == OP_FORLOOPS) ? 3 : 2) >= nr)
                FAIL("loop registers out of range");
            if (op == OP_FORPREP || op == OP_FORPREPS ? pc + 1 + (uint32_t)VM_BX(i) > f->ncode
                                 : (uint32_t)VM_BX(i) > pc + 1)
                FAIL("jump out of range");
            break;
        case OP_MAPNEXT:
            if (a + 2 >= nr || b >= nr)
                FAIL("register out of range");
            /* a JMP follows too */
            /* fall through */
        case OP_TEST: case OP_IFEQI: case OP_IFLTI: case OP_IFLEI: case OP_IFEQF: case OP_IFLTF:
        case OP_IFLEF: case OP_IFEQ: case OP_IFEQS: case OP_IFLTS: case OP_IFLES: case OP_IFEQIK:
        case OP_IFLTIK: case OP_IFLEIK: case OP_IFGTIK: case OP_IFGEIK: case OP_IFNIL:
        case OP_IFNILFLD:
            if (pc + 1 >= f->ncode || VM_OP(f->code[pc + 1]) != OP_JMP)
                FAIL("a test must be followed by JMP");
            break;
        case OP_JMP: {
            int64_t t = (int64_t)pc + 1 + VM_SJ(i);
            if (t < 0 || t >= (int64_t)f->ncode)
                FAIL("jump target %lld out of range", (long long)t);
            break;
        }
        case OP_HALT:
            FAIL("HALT is the interpreter's own");
        case OP_NEWSTRUCT: case OP_NEWSTRUCTV:
            if ((uint32_t)VM_BX(i) >= p->nstructs)
                FAIL("struct %d out of range", VM_BX(i));
            if (op == OP_NEWSTRUCTV && a + p->structs[VM_BX(i)].nfields >= nr)
                FAIL("field registers out of range");
            break;
        case OP_NEWMAP:
            if (b > VM_MAPKEY_BOOL)
                FAIL("bad key kind %d", b);
            break;
        case OP_GETUPVAL: case OP_SETUPVAL:
            if ((uint32_t)b >= f->nupvals)
                FAIL("upvalue %d out of range", b);
            break;
        case OP_CLOSURE: {
            if ((uint32_t)VM_BX(i) >= p->nprotos)
                FAIL("proto %d out of range", VM_BX(i));
            const vm_proto *g = p->protos[VM_BX(i)];
            for (uint32_t u = 0; u < g->nupvals; u++)
                if (g->upvals[u].instack ? g->upvals[u].index >= nr
                                         : g->upvals[u].index >= f->nupvals)
                    FAIL("capture %u of %s out of range", u, g->name);
            break;
        }
        case OP_CALL: {
            if ((uint32_t)VM_BX(i) >= p->nprotos)
                FAIL("proto %d out of range", VM_BX(i));
            const vm_proto *g = p->protos[VM_BX(i)];
            if (a + g->nparams > nr)
                FAIL("arguments out of range");
            if (g->nupvals)
                FAIL("CALL of %s, which captures (CLOSURE and CALLR)", g->name);
            break;
        }
        case OP_CALLB:
            if (b >= p->nbuiltins || !p->builtins[b].fn)
                FAIL("builtin %d out of range", b);
            if (a + c > nr)
                FAIL("arguments out of range");
            if (pc + 1 >= f->ncode || VM_OP(f->code[pc + 1]) != OP_EXTRAARG ||
                (uint32_t)VM_AX(f->code[pc + 1]) >= p->ntypelists)
                FAIL("CALLB must be followed by EXTRAARG with a type list");
            break;
        default:
            break;
        }
        if (vm_opsafepoint[op] && !vm_proto_stackmap(f, pc))
            FAIL("safepoint without a stack map");
        const uint8_t *map = vm_proto_stackmap(f, pc);
        if (map)
            for (int s = nr; s < VM_MAP_BYTES * 8; s++)
                if (map[s / 8] & (1u << (s % 8)))
                    FAIL("stack map names slot %d outside the frame", s);
    }
    vm_opcode last = VM_OP(f->code[f->ncode - 1]);
    if (last != OP_RETURN && last != OP_RETURN0 && last != OP_RETURNI && last != OP_JMP) {
        snprintf(err, errlen, "%s: code does not end with RETURN or JMP", f->name);
        return -1;
    }
    return 0;
}

int vm_program_finish(vm_program *p, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (p->oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if ((p->main_proto >= 0 && (uint32_t)p->main_proto >= p->nprotos) ||
        (p->init_proto >= 0 && (uint32_t)p->init_proto >= p->nprotos)) {
        snprintf(err, errlen, "entry proto out of range");
        return -1;
    }
    for (uint32_t j = 0; j < p->nstructs; j++)
        if (p->structs[j].nfields > 255) {
            snprintf(err, errlen, "struct %s has more than 255 fields", p->structs[j].name);
            return -1;
        }
    for (uint32_t j = 0; j < p->nprotos; j++)
        if (verify_proto(p, p->protos[j], err, errlen) != 0)
            return -1;
    if (link_types(p) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->finished = true;
    return 0;
}
