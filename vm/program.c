/*
 * program.c: building, linking and verifying a vm_program (the role of
 * Lua's lfunc.c + the checks ldebug.c/lundump.c make, and of Go's
 * stackMapSet for the deduplicated stack maps).
 *
 * The compiler (lang/compile.c) and the unit tests build programs with the
 * functions here (bytecode.h); vm_program_finish then derives the globals'
 * pointer map, sorts the safepoint table and verifies every instruction's
 * operands by their roles (opcodes.h), so a compiler bug shows up as a
 * message here and not as a crash or a freed live object at run time. The
 * collector's layouts of structs and closures are the VM's (layout.c).
 */
#include "vm/bytecode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make room for element n of arr (cap elements of size sz): returns the
 * new array, or arr unchanged (and p->oom set) when memory is short or
 * the capacity would pass UINT32_MAX elements. */
static void *grow_raw(vm_program *p, void *arr, uint32_t *cap, size_t sz)
{
    size_t c = vm_grow_cap(*cap, UINT32_MAX, sz);
    void *q = c ? realloc(arr, c * sz) : NULL;
    if (!q) {
        if (p)
            p->oom = true;
        return arr;
    }
    *cap = (uint32_t)c;
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
    }
    free(p->structs);
    free(p->typelists);
    for (int32_t j = 0; j < p->nbuiltins; j++)
        free(p->builtin_names[j]);
    free(p->builtin_names);
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
    if (p->ntypelists > VM_MAXARG_AX)
        return VM_TYPELIST_FULL;
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

int32_t vm_add_builtin(vm_program *p, const char *name)
{
    uint32_t cap = (uint32_t)p->capbuiltins;
    if (!GROW(p, p->builtin_names, (uint32_t)p->nbuiltins, cap))
        return -1;
    p->capbuiltins = (int32_t)cap;
    p->builtin_names[p->nbuiltins] = dupstr(name, strlen(name));
    if (!p->builtin_names[p->nbuiltins]) {
        p->oom = true;
        return -1;
    }
    return p->nbuiltins++;
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

/* The globals' pointer map: the collector marks them as one block. */
static void link_globals(vm_program *p)
{
    for (uint32_t g = 0; g < p->nglobals; g++) {
        uint8_t bit = (uint8_t)(1u << (g % 8));
        if (rtype_is_ref(p, p->global_types[g]))
            p->global_ptrmask[g / 8] |= bit;
        else
            p->global_ptrmask[g / 8] &= (uint8_t)~bit;
    }
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

/* The value of the operand in column col (0 = A, 1 = B, 2 = C) as its
 * format lays it out (opcodes.h). */
static int operand(vm_instr i, unsigned op, int col)
{
    switch ((vm_format)vm_opformats[op]) {
    case VM_FMT_iABx: return col == 0 ? VM_A(i) : VM_BX(i);
    case VM_FMT_iAsBx: return col == 0 ? VM_A(i) : VM_SBX(i);
    case VM_FMT_iAx: return VM_AX(i);
    case VM_FMT_isJ: return VM_SJ(i);
    default: return col == 0 ? VM_A(i) : col == 1 ? VM_B(i) : VM_C(i);
    }
}

/* Checks one operand against its role; NULL or what is wrong. */
static const char *check_role(const vm_program *p, const vm_proto *f, uint32_t pc, vm_instr i,
                              unsigned role, int v, char *buf, size_t len)
{
    const int nr = f->nregs;
    switch ((vm_role)role) {
    case VM_ROLE_R: case VM_ROLE_P: case VM_ROLE_W: case VM_ROLE_RW: case VM_ROLE_CALLW:
        return v >= nr ? (snprintf(buf, len, "register out of range (frame has %d)", nr), buf) : NULL;
    case VM_ROLE_PREP: case VM_ROLE_LOOP: case VM_ROLE_NEXT:
        return v + 2 >= nr ? "loop registers out of range" : NULL;
    case VM_ROLE_PREPS: case VM_ROLE_LOOPS:
        return v + 3 >= nr ? "loop registers out of range" : NULL;
    case VM_ROLE_ARGS:
        return v + VM_C(i) > nr || v >= nr ? "arguments out of range" : NULL;
    case VM_ROLE_VALS:
        if (v >= nr)
            return (snprintf(buf, len, "register out of range (frame has %d)", nr), buf);
        if ((uint32_t)VM_BX(i) < p->nstructs && v + p->structs[VM_BX(i)].nfields >= nr)
            return "field registers out of range";
        return NULL;
    case VM_ROLE_K:
        return (uint32_t)v >= f->nk ? (snprintf(buf, len, "constant %d out of range", v), buf) : NULL;
    case VM_ROLE_G:
        return (uint32_t)v >= p->nglobals ? (snprintf(buf, len, "global %d out of range", v), buf) : NULL;
    case VM_ROLE_U:
        return (uint32_t)v >= f->nupvals ? (snprintf(buf, len, "upvalue %d out of range", v), buf) : NULL;
    case VM_ROLE_FN:
        return (uint32_t)v >= p->nprotos ? (snprintf(buf, len, "proto %d out of range", v), buf) : NULL;
    case VM_ROLE_ST:
        return (uint32_t)v >= p->nstructs ? (snprintf(buf, len, "struct %d out of range", v), buf) : NULL;
    case VM_ROLE_BI:
        return v >= p->nbuiltins ? (snprintf(buf, len, "builtin %d out of range", v), buf) : NULL;
    case VM_ROLE_KEY:
        return v > VM_MAPKEY_BOOL ? (snprintf(buf, len, "bad key kind %d", v), buf) : NULL;
    case VM_ROLE_TL:
        return (uint32_t)v >= p->ntypelists ? "type list out of range" : NULL;
    case VM_ROLE_J: {
        int64_t t = (int64_t)pc + 1 + v;
        if (t < 0 || t >= (int64_t)f->ncode) {
            snprintf(buf, len, "jump target %lld out of range", (long long)t);
            return buf;
        }
        return NULL;
    }
    case VM_ROLE_JF:
        return pc + 1 + (uint32_t)v > f->ncode ? "jump out of range" : NULL;
    case VM_ROLE_JB:
        return (uint32_t)v > pc + 1 ? "jump out of range" : NULL;
    default: /* _, N, FLD, IMM, FLAG, REFS: any value is in range */
        return NULL;
    }
}

static int verify_proto(const vm_program *p, const vm_proto *f, char *err, size_t errlen)
{
    const int nr = f->nregs;
    if (f->ncode > VM_MAX_CODE) {
        snprintf(err, errlen, "%s: %u instructions (at most %u)", f->name, f->ncode, VM_MAX_CODE);
        return -1;
    }
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
        if (op == OP_HALT)
            FAIL("HALT is the interpreter's own");
        char buf[64];
        for (int col = 0; col < 3; col++) {
            const char *why = check_role(p, f, pc, i, vm_oproles[op][col], operand(i, op, col),
                                         buf, sizeof buf);
            if (why)
                FAIL("%s", why);
        }
        if ((vm_opflags[op] & VM_OPF_T) &&
            (pc + 1 >= f->ncode || VM_OP(f->code[pc + 1]) != OP_JMP))
            FAIL("a test must be followed by JMP");
        /* What the roles cannot say: facts about the operand's target. */
        switch ((vm_opcode)op) {
        case OP_JMP:
            if (VM_SJ(i) < 0)
                FAIL("a jump back must be JMPBACK (loops poll)");
            break;
        case OP_CLOSURE: {
            const vm_proto *g = p->protos[VM_BX(i)];
            for (uint32_t u = 0; u < g->nupvals; u++)
                if (g->upvals[u].instack ? g->upvals[u].index >= nr
                                         : g->upvals[u].index >= f->nupvals)
                    FAIL("capture %u of %s out of range", u, g->name);
            break;
        }
        case OP_CALL: {
            const vm_proto *g = p->protos[VM_BX(i)];
            if (VM_A(i) + g->nparams > nr)
                FAIL("arguments out of range");
            if (g->nupvals)
                FAIL("CALL of %s, which captures (CLOSURE and CALLR)", g->name);
            break;
        }
        case OP_CALLB:
            if (pc + 1 >= f->ncode || VM_OP(f->code[pc + 1]) != OP_EXTRAARG ||
                (uint32_t)VM_AX(f->code[pc + 1]) >= p->ntypelists)
                FAIL("CALLB must be followed by EXTRAARG with a type list");
            break;
        default:
            break;
        }
        if (vm_op_safepoint(op) && !vm_proto_stackmap(f, pc))
            FAIL("safepoint without a stack map");
        const uint8_t *map = vm_proto_stackmap(f, pc);
        if (map)
            for (int s = nr; s < VM_MAP_BYTES * 8; s++)
                if (map[s / 8] & (1u << (s % 8)))
                    FAIL("stack map names slot %d outside the frame", s);
    }
    vm_opcode last = VM_OP(f->code[f->ncode - 1]);
    if (!(vm_opflags[last] & VM_OPF_RET) && last != OP_JMP && last != OP_JMPBACK) {
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
    /* Bx names a struct or a proto in 16 bits, GETUPVAL's B an upvalue
     * in 8 (and closure_mask has room for no more). */
    if (p->nstructs > VM_MAXARG_BX + 1 || p->nprotos > VM_MAXARG_BX + 1) {
        snprintf(err, errlen, "more than %d struct types or functions", VM_MAXARG_BX + 1);
        return -1;
    }
    for (uint32_t j = 0; j < p->nprotos; j++) {
        if (p->protos[j]->nupvals > VM_MAXARG_A + 1) {
            snprintf(err, errlen, "%s captures more than %d variables", p->protos[j]->name,
                     VM_MAXARG_A + 1);
            return -1;
        }
        if (verify_proto(p, p->protos[j], err, errlen) != 0)
            return -1;
    }
    link_globals(p);
    p->finished = true;
    return 0;
}
