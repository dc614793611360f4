/*
 * vm.c: the VM's life cycle, its roots and its runtime errors (Lua's
 * lstate.c, ldo.c and ldebug.c in one small file).
 *
 * Roots: at the start of every mark alloc calls vm_roots, which reports the
 * globals with their pointer map, the interned string constants, the
 * builtins' temporary roots, and every frame with the stack map of the pc
 * saved in it (Go's scanframeworker with our per-pc maps). A frame below
 * the top is scanned only up to the next frame's base: the rest of its
 * window belongs to the callee.
 *
 * TOYDEBUG=movestack=1 is Lua's HARDSTACKTESTS (condmovestack) with Go's
 * stackPoisonCopy/stackFaultOnFree: every call moves the value stack to a
 * fresh block and poisons the old one (ASan-poisoned under make sanitize,
 * where a stale access is reported on the spot; filled with STACK_POISON
 * otherwise, which faults as a pointer and shows as a wrong value), kept
 * from reuse for the next few moves, so a C pointer into the stack held
 * across a call shows up instead of reading a stale copy. To keep deep
 * recursion affordable, a stack holding more than MOVE_EVERY_CALL_SLOTS
 * live slots moves once per (live slots / MOVE_EVERY_CALL_SLOTS) calls.
 */
#include "vm/vmint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define VM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VM_ASAN 1
#endif
#endif
#ifndef VM_ASAN
#define VM_ASAN 0
#endif
#if VM_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

enum { MOVE_EVERY_CALL_SLOTS = 4096 };
/* What a fresh slot under movestack holds until it is written: as a
 * pointer it is non-canonical on x86-64 and AArch64, so it faults. */
#define STACK_POISON 0xdbdbdbdbdbdbdbdbull

void vm_options_default(vm_options *o)
{
    memset(o, 0, sizeof *o);
    gc_options_default(&o->gc);
    o->max_depth = VM_DEFAULT_MAX_DEPTH;
    o->allocprofrate = 1;
}

/* allocprof=FILE and allocprofrate=N (allocprof.c): 1 taken, 0 not ours,
 * -1 a bad value. */
static int take_allocprof_key(const char *item, size_t len, vm_options *o, char *err, size_t errlen)
{
    static const char file[] = "allocprof=", rate[] = "allocprofrate=";
    if (len >= sizeof file - 1 && memcmp(item, file, sizeof file - 1) == 0) {
        size_t n = len - (sizeof file - 1);
        if (n == 0 || n >= sizeof o->allocprof) {
            if (err && errlen)
                snprintf(err, errlen, "TOYDEBUG: allocprof: expected a file name (under %zu bytes)",
                         sizeof o->allocprof);
            return -1;
        }
        memcpy(o->allocprof, item + sizeof file - 1, n);
        o->allocprof[n] = '\0';
        return 1;
    }
    if (len >= sizeof rate - 1 && memcmp(item, rate, sizeof rate - 1) == 0) {
        size_t n = len - (sizeof rate - 1);
        int64_t v = 0;
        bool ok = n > 0 && n <= 15;
        for (size_t j = 0; ok && j < n; j++) {
            char c = item[sizeof rate - 1 + j];
            ok = c >= '0' && c <= '9';
            v = v * 10 + (c - '0');
        }
        if (!ok || v < 1) {
            if (err && errlen)
                snprintf(err, errlen, "TOYDEBUG: allocprofrate: expected a positive number of bytes");
            return -1;
        }
        o->allocprofrate = v;
        return 1;
    }
    return 0;
}

/* The VM's TOYDEBUG keys; everything else goes on to alloc. */
static int take_debug_key(const char *item, size_t len, vm_options *o, char *err, size_t errlen)
{
    int took = take_allocprof_key(item, len, o, err, errlen);
    if (took != 0)
        return took;
    static const char key[] = "movestack";
    size_t klen = sizeof key - 1;
    if (len < klen || memcmp(item, key, klen) != 0 || (len > klen && item[klen] != '='))
        return 0;
    long val = 0;
    size_t vlen = len > klen ? len - klen - 1 : 0;
    bool ok = vlen > 0 && vlen <= 9;
    for (size_t j = 0; ok && j < vlen; j++) {
        char c = item[klen + 1 + j];
        ok = c >= '0' && c <= '9';
        val = val * 10 + (c - '0');
    }
    if (!ok) {
        if (err && errlen)
            snprintf(err, errlen, "TOYDEBUG: %.*s: expected movestack=0 or movestack=1", (int)len, item);
        return -1;
    }
    o->movestack = val != 0;
    return 1;
}

/* Takes the VM's keys out of a TOYDEBUG list into o; *rest gets the
 * others, for alloc (malloc'd, "" when none). 0, or -1 with err set. */
static int take_debug(const char *dbg, vm_options *o, char **rest, char *err, size_t errlen)
{
    *rest = malloc(strlen(dbg) + 1);
    if (!*rest) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t r = 0;
    for (const char *p = dbg; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int took = len ? take_debug_key(p, len, o, err, errlen) : 1;
        if (took < 0) {
            free(*rest);
            *rest = NULL;
            return -1;
        }
        if (!took) {
            if (r)
                (*rest)[r++] = ',';
            memcpy(*rest + r, p, len);
            r += len;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    (*rest)[r] = '\0';
    return 0;
}

/* alloc lists its own keys when it meets an unknown one; the VM's are
 * known too, so they join the list. */
static void add_known_keys(char *err, size_t errlen)
{
    static const char mine[] = ", movestack, allocprof, allocprofrate";
    if (!err || !errlen || !strstr(err, "(known: "))
        return;
    size_t n = strlen(err);
    if (n == 0 || err[n - 1] != ')' || n + sizeof mine > errlen)
        return;
    memcpy(err + n - 1, mine, sizeof mine - 1);
    memcpy(err + n - 1 + sizeof mine - 1, ")", 2);
}

/* TOYMAXPROCS=n, 1 <= n <= 256. */
static int maxprocs_from_env(vm_options *o, char *err, size_t errlen)
{
    const char *s = getenv("TOYMAXPROCS");
    if (!s || !*s)
        return 0;
    long n = 0;
    bool ok = strlen(s) <= 3;
    for (const char *c = s; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        n = n * 10 + (*c - '0');
    }
    if (!ok || n < 1 || n > 256) {
        if (err && errlen)
            snprintf(err, errlen, "TOYMAXPROCS: expected a number of threads from 1 to 256");
        return -1;
    }
    o->maxprocs = (int)n;
    return 0;
}

int vm_options_from_env(vm_options *o, char *err, size_t errlen)
{
    vm_options tmp = *o;
    if (maxprocs_from_env(&tmp, err, errlen) != 0)
        return -1;
    const char *dbg = getenv("TOYDEBUG");
    char *rest = NULL;
    if (dbg && take_debug(dbg, &tmp, &rest, err, errlen) != 0)
        return -1;
    int rc = gc_options_from_env_debug(&tmp.gc, rest, err, errlen);
    free(rest);
    if (rc != 0) {
        add_known_keys(err, errlen);
        return -1;
    }
    *o = tmp;
    return 0;
}

int vm_options_parse_debug(vm_options *o, const char *s, char *err, size_t errlen)
{
    vm_options tmp = *o;
    char *rest = NULL;
    if (take_debug(s ? s : "", &tmp, &rest, err, errlen) != 0)
        return -1;
    int rc = gc_parse_debug(&tmp.gc.debug, rest, err, errlen);
    free(rest);
    if (rc != 0) {
        add_known_keys(err, errlen);
        return -1;
    }
    *o = tmp;
    return 0;
}

/* The VM's map hash seed: from the OS's entropy, or (when it has none to
 * give) from the clock and the VM's address, mixed. Any value serves:
 * map.c mixes it in with every key. */
static uint64_t new_hashseed(const vm_state *V)
{
    uint64_t seed;
    if (getentropy(&seed, sizeof seed) == 0)
        return seed;
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    seed = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)(uintptr_t)V;
    seed *= 0x9e3779b97f4a7c15ull;
    return seed ^ seed >> 29;
}

/* One thread's roots: its temporary roots and its frames. */
void vm_frames_roots(gc_marker *m, vm_state *V)
{
    if (V->nroots)
        gc_mark_block(m, (void *const *)V->roots, (size_t)V->nroots, NULL);
    const int nframes = vm_nframes(V);
    for (int f = 0; f < nframes; f++) {
        const vm_frame *fr = &V->frames[f];
        const vm_proto *proto = fr->fn->proto;
        size_t nslots = (size_t)proto->nregs;
        if (f + 1 < nframes && (size_t)(V->frames[f + 1].base - fr->base) < nslots)
            nslots = (size_t)(V->frames[f + 1].base - fr->base);
        uint32_t pcidx = (uint32_t)(fr->pc - proto->code);
        const uint8_t *map = pcidx > 0 ? vm_proto_stackmap(proto, pcidx - 1) : NULL;
        /* Every safepoint has a map (vm_program_finish checks), and a
         * frame is only ever suspended at one, so map is NULL only for a
         * frame that has not run yet: it holds nothing. */
        if (map)
            gc_mark_block(m, (void *const *)fr->base, nslots, map);
        /* cl is only set (and needed: its cells) in frames of protos
         * with captures; CALL leaves whatever was there. */
        if (proto->nupvals && fr->cl)
            gc_mark_slot(m, (void *const *)&fr->cl);
    }
}

static void vm_roots(gc_marker *m, void *ud)
{
    vm_state *V = ud;
    const vm_program *p = V->prog;
    if (p->nglobals)
        gc_mark_block(m, (void *const *)V->globals, p->nglobals, p->global_ptrmask);
    for (uint32_t j = 0; j < p->nprotos; j++) {
        if (V->kmasks[j])
            gc_mark_block(m, (void *const *)V->fns[j].k, p->protos[j]->nk, V->kmasks[j]);
        if (V->fns[j].value)
            gc_mark_slot(m, (void *const *)&V->fns[j].value);
    }
    vm_threads_roots(m, V);
}

/* Every built-in the code calls has a body of its index and name in
 * o->builtins (the verifier checked the indexes against the program's
 * list). 0, or -1 with a message. */
static int bind_builtins(const vm_program *p, const vm_options *o, char *err, size_t errlen)
{
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            if (VM_OP(f->code[pc]) != OP_CALLB)
                continue;
            int b = VM_B(f->code[pc]);
            if (b >= o->nbuiltins || !o->builtins[b].fn ||
                strcmp(o->builtins[b].name, p->builtin_names[b]) != 0) {
                if (err && errlen)
                    snprintf(err, errlen, "built-in function %s is not available in this VM",
                             p->builtin_names[b]);
                return -1;
            }
        }
    }
    return 0;
}

vm_state *vm_new(vm_program *p, const vm_options *o, char *err, size_t errlen)
{
    vm_options def;
    if (!o) {
        vm_options_default(&def);
        o = &def;
    }
    if (!p->finished && vm_program_finish(p, err, errlen) != 0)
        return NULL;
    if (bind_builtins(p, o, err, errlen) != 0)
        return NULL;
    vm_state *V = calloc(1, sizeof *V);
    if (!V)
        goto oom;
    V->prog = p;
    V->builtins = o->builtins;
    V->in = o->in ? o->in : stdin;
    V->out = o->out ? o->out : stdout;
    V->err = o->err ? o->err : stderr;
    V->ud = o->ud;
    V->movestack = o->movestack;
    V->max_depth = o->max_depth > 0 ? o->max_depth : VM_DEFAULT_MAX_DEPTH;
    V->limited = o->step_limit > 0;
    V->steps = V->limited ? o->step_limit : INT64_MAX;
    vm_callstub_init(V);
    V->fns = calloc(p->nprotos ? p->nprotos : 1, sizeof *V->fns);
    V->kmasks = calloc(p->nprotos ? p->nprotos : 1, sizeof *V->kmasks);
    V->globals = calloc(p->nglobals ? p->nglobals : 1, sizeof *V->globals);
    if (!V->fns || !V->kmasks || !V->globals ||
        vm_layouts_make(p, &V->structlayouts, &V->closurelayouts) != 0)
        goto oom;
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        V->fns[j].proto = f;
        V->fns[j].code = f->code;
        V->fns[j].nregs = f->nregs;
        V->fns[j].k = calloc(f->nk ? f->nk : 1, sizeof(vm_value));
        if (!V->fns[j].k)
            goto oom;
        for (uint32_t c = 0; c < f->nk; c++)
            if (f->k[c].kind != VM_CONST_STRING)
                V->fns[j].k[c] = f->k[c].v;
    }
    if (o->heap) {
        V->heap = o->heap;
    } else {
        /* The VM's pointer stores all go through the write barrier and its
         * loops and calls poll, so the heap it makes may mark while it
         * runs: alloc's concurrent switch is set on gc here. */
        gc_options gc = o->gc;
        gc.concurrent = 1;
        V->heap = gc_heap_new(&gc);
        V->ownheap = true;
        if (!V->heap)
            goto oom;
    }
    V->gcp = gc_p_new(V->heap);
    if (!V->gcp || vm_sched_new(V, o->maxprocs) != 0 || gc_add_roots(V->heap, vm_roots, V) != 0)
        goto oom;
    V->gcwin = gc_p_windows(V->gcp);
    V->barrier = gc_heap_barrier(V->heap);
    V->poll = gc_p_poll(V->gcp);
    V->hashseed = new_hashseed(V);
    if (gc_site_init(&V->cellsite, sizeof(vm_cell), &vm_gct_refcell) != 0 ||
        gc_site_init(&V->arraysite, sizeof(vm_array), &vm_gct_array) != 0)
        goto oom;
    /* Intern the string constants: from here on they are roots. */
    for (uint32_t j = 0; j < p->nprotos; j++) {
        const vm_proto *f = p->protos[j];
        for (uint32_t c = 0; c < f->nk; c++) {
            if (f->k[c].kind != VM_CONST_STRING)
                continue;
            if (!V->kmasks[j]) {
                V->kmasks[j] = calloc((f->nk + 7) / 8, 1);
                if (!V->kmasks[j])
                    goto oom;
            }
            vm_string *s = vm_string_new(V, f->k[c].s, f->k[c].len);
            if (!s)
                goto oom;
            gc_write_pointer(V->gcp, V->barrier, &V->fns[j].k[c].p, s);
            V->kmasks[j][c / 8] |= (uint8_t)(1u << (c % 8));
        }
    }
    return V;
oom:
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
    vm_free(V);
    return NULL;
}

void vm_free(vm_state *V)
{
    if (!V)
        return;
    vm_allocprof_free(V);
    if (V->stdhooks && V->stdhooks->release)
        V->stdhooks->release(V->stdstate);
    if (V->heap) {
        if (V->sched)
            gc_remove_roots(V->heap, vm_roots, V);
        if (V->gcp)
            gc_p_free(V->gcp);
        if (V->ownheap)
            gc_heap_free(V->heap);
    }
    if (V->fns)
        for (uint32_t j = 0; j < V->prog->nprotos; j++)
            free(V->fns[j].k);
    if (V->kmasks)
        for (uint32_t j = 0; j < V->prog->nprotos; j++)
            free(V->kmasks[j]);
    free(V->fns);
    free(V->structlayouts);
    free(V->closurelayouts);
    free(V->kmasks);
    free(V->globals);
    vm_stack_free(V);
    vm_sched_free(V);
    free(V);
}

void vm_stack_free(vm_state *V)
{
    if (V->movestack) {
        free(V->stackblock);
        for (int q = 0; q < V->nquarantine; q++) {
            ASAN_UNPOISON_MEMORY_REGION(V->quarantine[q].p, V->quarantine[q].bytes);
            free(V->quarantine[q].p);
        }
    } else {
        free(V->stack);
    }
    if (V->frames)
        free(V->frames - 1);
    free(V->roots);
}

/* movestack: the old block is poisoned (ASan's interface where there is
 * one, the pattern otherwise) and kept from malloc for the next few moves,
 * so that its addresses are not the new stack's. */
static void stack_retire(vm_state *V, void *block, vm_value *old, size_t used)
{
#if VM_ASAN
    (void)old, (void)used;
    ASAN_POISON_MEMORY_REGION(block, V->stackbytes);
#else
    for (size_t j = 0; j < used; j++)
        old[j].i = (int64_t)STACK_POISON;
#endif
    int cap = (int)(sizeof V->quarantine / sizeof V->quarantine[0]);
    if (V->nquarantine == cap) {
        ASAN_UNPOISON_MEMORY_REGION(V->quarantine[0].p, V->quarantine[0].bytes);
        free(V->quarantine[0].p);
        memmove(V->quarantine, V->quarantine + 1, (size_t)(cap - 1) * sizeof V->quarantine[0]);
        V->nquarantine--;
    }
    V->quarantine[V->nquarantine].p = block;
    V->quarantine[V->nquarantine].bytes = V->stackbytes;
    V->nquarantine++;
}

/* movestack: copy the live part of the stack (up to the end of the top
 * frame's window) to a fresh block of n slots. The stack starts a varying
 * number of slots into its block, so that even a block malloc hands out
 * again puts every slot at a new address. */
static int move_stack(vm_state *V, size_t n)
{
    size_t used = 0;
    if (V->top && V->stack) {
        const vm_frame *top = V->top;
        used = (size_t)(top->base - V->stack) + (size_t)top->fn->nregs;
        if (used > V->stacksize)
            used = V->stacksize;
    }
    if (n == V->stacksize && used > MOVE_EVERY_CALL_SLOTS &&
        ++V->callssincemove * MOVE_EVERY_CALL_SLOTS < used)
        return 0;
    V->callssincemove = 0;
    size_t pad = (size_t)(V->stackmoves % 8) * 3 + 1;
    size_t bytes = (n + pad) * sizeof(vm_value);
    vm_value *block = malloc(bytes);
    if (!block)
        return vm_error(V, "out of memory");
    vm_value *s = block + pad;
    if (used)
        memcpy(s, V->stack, used * sizeof *s);
    /* The callee's window: registers are never read before written. */
    size_t poison = n - used < 256 ? n - used : 256;
    for (size_t j = 0; j < poison; j++)
        s[used + j].i = (int64_t)STACK_POISON;
    if (V->stack) {
        for (int f = 0, n = vm_nframes(V); f < n; f++)
            V->frames[f].base = s + (V->frames[f].base - V->stack);
        stack_retire(V, V->stackblock, V->stack, used);
    }
    V->stackblock = block;
    V->stack = s;
    V->stacksize = n;
    V->stackbytes = bytes;
    V->stack_last = s;
    V->stackmoves++;
    return 0;
}

int vm_grow_stack(vm_state *V, size_t need)
{
    size_t n = V->stacksize ? V->stacksize : 1024;
    while (n < need)
        n *= 2;
    if (V->movestack)
        return move_stack(V, n);
    if (n == V->stacksize)
        return 0;
    /* Not realloc: the frames' bases are rebased from the old block. */
    vm_value *s = malloc(n * sizeof *s);
    if (!s)
        return vm_error(V, "out of memory");
    if (V->stack) {
        memcpy(s, V->stack, V->stacksize * sizeof *s);
        for (int f = 0, n = vm_nframes(V); f < n; f++)
            V->frames[f].base = s + (V->frames[f].base - V->stack);
        free(V->stack);
    }
    V->stack = s;
    V->stacksize = n;
    V->stack_last = s + n;
    return 0;
}

int vm_grow_frames(vm_state *V)
{
    if (V->capframes >= V->max_depth)
        return vm_error(V, "stack overflow");
    int n = V->capframes ? V->capframes * 2 : 64;
    if (n > V->max_depth)
        n = V->max_depth;
    /* One more in front: frames[-1] is the bottom frame's caller, whose
     * pc is vm_halt, so that RETURN needs no "was this the last frame"
     * test. It moves with the array. */
    vm_frame *f = realloc(V->frames ? V->frames - 1 : NULL, (size_t)(n + 1) * sizeof *f);
    if (!f)
        return vm_error(V, "out of memory");
    f[0] = (vm_frame){.pc = vm_halt};
    V->frames = f + 1;
    V->capframes = n;
    return 0;
}

int vm_error(vm_state *V, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(V->errmsg, sizeof V->errmsg, fmt, ap);
    va_end(ap);
    return -1;
}

int vm_exit(vm_state *V, int code)
{
    V->exiting = true;
    V->exit_code = code;
    return 1;
}

/* One "  file:line in function" per frame, innermost first; long traces
 * keep their first and last frames, as Lua's do. */
void vm_trace(vm_state *V, FILE *e)
{
    const int head = 10, tail = 11;
    const int nframes = vm_nframes(V);
    for (int f = nframes - 1; f >= 0; f--) {
        int depth = nframes - 1 - f;
        if (nframes > head + tail + 1 && depth == head) {
            fprintf(e, "  ... (%d more frames)\n", nframes - head - tail);
            f = tail;
            continue;
        }
        const vm_frame *fr = &V->frames[f];
        const vm_proto *proto = fr->fn->proto;
        if (proto == &V->stub.proto)
            continue; /* vm_call's: the built-in's caller shows the line */
        uint32_t pcidx = (uint32_t)(fr->pc - proto->code);
        int line = proto->ncode ? proto->lines[pcidx > 0 ? pcidx - 1 : 0] : 0;
        fprintf(e, "  %s:%d in %s\n", V->prog->source, line, proto->name);
    }
}

/* Runs proto j as the bottom frame; 0, 1 (exit) or -1 (error reported). */
static int call_bottom(vm_state *V, int32_t j)
{
    const vm_proto *f = V->prog->protos[j];
    V->top = NULL;
    V->nroots = 0;
    if (((V->movestack || (size_t)f->nregs > V->stacksize) && vm_grow_stack(V, (size_t)f->nregs) != 0) ||
        (V->capframes == 0 && vm_grow_frames(V) != 0)) {
        fprintf(V->err, "error: %s\n", V->errmsg);
        return -1;
    }
    memset(V->stack, 0, (size_t)f->nregs * sizeof(vm_value));
    vm_frame *fr = V->top = &V->frames[0];
    fr->pc = f->code;
    fr->fn = &V->fns[j];
    fr->cl = NULL;
    fr->base = V->stack;
    int r = vm_execute(V);
    if (r < 0)
        vm_thread_error(V); /* "error: message" and the trace */
    V->top = NULL;
    V->nroots = 0;
    return r;
}

int vm_write_out(vm_state *V, const void *data, size_t n)
{
    FILE *f = V->out;
    errno = 0;
    bool failed = (n && fwrite(data, 1, n, f) != n) || fflush(f) != 0 || ferror(f);
    if (failed)
        return vm_error(V, "writing output: %s", errno ? strerror(errno) : "write failed");
    return 0;
}

/* The program's output goes out however it ended (main returned, exit(),
 * a runtime error): the library's stream writes what it buffers through
 * vm_write_out (its finish hook), or the stream is only flushed. A failed
 * write (a full disk, a closed pipe) is a runtime error, never silent:
 * reported here unless one already was, and the status is 2. */
static int finish_out(vm_state *V, int status, bool reported)
{
    int r = V->stdhooks && V->stdhooks->finish ? V->stdhooks->finish(V, V->stdstate)
                                               : vm_write_out(V, NULL, 0);
    if (r == 0)
        return status;
    if (!reported) {
        fprintf(V->err, "error: %s\n", V->errmsg);
        fflush(V->err);
    }
    return VM_STATUS_ERROR;
}

int vm_run(vm_state *V, int argc, char **argv)
{
    V->argc = argc;
    V->argv = argv;
    V->exiting = false;
    vm_sched_start(V);
    int32_t entries[2] = {V->prog->init_proto, V->prog->main_proto};
    int status = VM_STATUS_OK;
    bool failed = false;
    for (int e = 0; e < 2; e++) {
        if (entries[e] < 0)
            continue;
        int r = call_bottom(V, entries[e]);
        if (r < 0) {
            status = VM_STATUS_ERROR;
            failed = true;
            break;
        }
        if (r > 0) {
            status = V->exit_code;
            break;
        }
    }
    /* The program ends here: the other threads stop and are joined. */
    status = vm_sched_finish(V, status, failed);
    return finish_out(V, status, failed || status == VM_STATUS_ERROR);
}

FILE *vm_in(vm_state *V) { return V->in; }
FILE *vm_out(vm_state *V) { return V->out; }
FILE *vm_errout(vm_state *V) { return V->err; }
const gc_type *vm_struct_gctype(vm_state *V, int32_t s) { return &V->structlayouts[s].type; }

gc_heap *vm_heap(vm_state *V) { return V->heap; }
gc_p *vm_gcp(vm_state *V) { return V->gcp; }

void vm_write_pointer(vm_state *V, void **slot, void *val)
{
    gc_write_pointer(V->gcp, V->barrier, slot, val);
}
const vm_program *vm_get_program(vm_state *V) { return V->prog; }
int64_t vm_steps_left(vm_state *V) { return V->steps; }
void *vm_userdata(vm_state *V) { return V->ud; }
/* One generator and one library state for the program, main's: threads
 * take turns on them. */
uint64_t *vm_std_words(vm_state *V) { return V->main ? V->main->stdwords : V->stdwords; }
void *vm_std_state(vm_state *V) { return V->main ? V->main->stdstate : V->stdstate; }

void vm_set_std_state(vm_state *V, void *state, const vm_std_hooks *hooks)
{
    if (V->main)
        V = V->main;
    V->stdstate = state;
    V->stdhooks = hooks;
}

char **vm_args(vm_state *V, int *argc)
{
    *argc = V->argc;
    return V->argv;
}

int vm_root_push(vm_state *V, void *p)
{
    if (V->nroots == V->caproots) {
        int n = V->caproots ? V->caproots * 2 : 16;
        void **r = realloc(V->roots, (size_t)n * sizeof *r);
        if (!r)
            return -1;
        V->roots = r;
        V->caproots = n;
    }
    V->roots[V->nroots++] = p;
    return 0;
}

void *vm_root_get(vm_state *V, int depth) { return V->roots[V->nroots - 1 - depth]; }

void vm_root_pop(vm_state *V, int n) { V->nroots -= n; }
