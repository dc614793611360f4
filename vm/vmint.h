/*
 * vmint.h: the VM's state, shared by the files of vm/ (vm.c, interp.c,
 * object.c, map.c). Not for other folders: stdlib/ uses vm.h and object.h.
 */
#ifndef VM_VMINT_H
#define VM_VMINT_H

#include "vm/object.h"

#include <pthread.h>

typedef struct vm_thread vm_thread;
typedef struct vm_sched vm_sched;

/* layout.c: the gc_type and allocation site of a struct (count = its
 * fields) or of a closure shape (count = its captures). A struct has at
 * most 255 fields and a closure at most 255 captures (the verifier
 * checks), so the mask of 1 + 255 words fits. */
typedef struct vm_layout {
    gc_type type;
    gc_site site;
    int32_t count;
    uint8_t mask[VM_MAP_BYTES + 1];
} vm_layout;

/* Derive p's layouts: one per struct, one per proto (its closures).
 * 0, or -1 (out of memory; nothing to free). */
int vm_layouts_make(const vm_program *p, vm_layout **structs, vm_layout **closures);

/* A call frame: a window of the value stack plus what the interpreter
 * keeps in locals while the frame runs. pc is saved (Lua's savedpc) at
 * every safepoint and call, pointing past the instruction being executed,
 * so the stack map of a suspended frame is the one of pc - 1. base is a
 * pointer so that a return reloads the caller with one cache line;
 * vm_grow_stack rebases it when the stack moves. The constants are not
 * here: LOADK reads fn->k, which keeps a call to four stores and the
 * frame at 32 bytes. */
typedef struct vm_frame {
    const vm_instr *pc;
    vm_value *base; /* R[0] */
    const vm_fn *fn;
    /* The running closure, a root: set by CALLR only. CALL leaves it
     * stale, so it is read (and marked by vm_roots) only in frames of
     * protos with captures, which only CALLR calls. */
    vm_closure *cl;
} vm_frame;

/* callback.c: the frame vm_call runs a callee from. Its code is
 * "CALLR 1 0; HALT": R[0] holds the callee, R[1..] its arguments, so the
 * callee returns into the HALT, which leaves vm_execute back to vm_call.
 * Its one stack map (at the CALLR) holds R[0]. */
typedef struct vm_callstub {
    vm_instr code[2];
    int32_t lines[2];
    uint32_t sp_pc[1], sp_map[1];
    uint8_t maps[1][VM_MAP_BYTES];
    vm_proto proto;
    vm_fn fn;
} vm_callstub;

/* C levels of vm_call (built-ins calling toy code calling built-ins...)
 * before "stack overflow": each holds a vm_execute on the C stack
 * (Lua's LUAI_MAXCCALLS). */
#define VM_MAX_CCALLS 200

struct vm_state {
    vm_program *prog;
    FILE *in, *out, *err;
    gc_heap *heap;
    bool ownheap;
    gc_p *gcp;
    gc_window *const *gcwin; /* gc_p_windows(gcp): vm_alloc_site's inlined fast path */
    /* The heap's write-barrier flag (gc_heap_barrier): every pointer the
     * VM stores into the heap, a global or a constant goes through
     * gc_write_pointer with it, or gc_bulk_barrier before a copy of
     * pointer words. Stores into the value stack (registers) and into
     * V->roots need none: they are the mutator's own stack. An
     * instruction's initializing stores into the object it has just
     * allocated (NEWSTRUCTV's fields, NEWCELL's value, CLOSURE's cells)
     * need none either: with no safepoint between the allocation and
     * the stores, the object is new (allocated black during a mark) and
     * its old words are zero. */
    const gc_barrier *barrier;
    const gc_poll *poll; /* gc_p_poll(gcp): the interpreter's polls at calls and back edges */
    uint64_t hashseed; /* map hashing (map.c): random per VM, as Go seeds per process */
    gc_site cellsite, arraysite; /* a reference cell, an array header */
    vm_fn *fns;         /* one per proto */
    vm_layout *structlayouts;  /* per struct: NEWSTRUCT allocates through its site */
    vm_layout *closurelayouts; /* per proto: CLOSURE allocates through its site */
    const vm_builtin *builtins; /* bound by vm_new: entry j is the program's built-in j */
    uint8_t **kmasks;   /* per proto: which constants are strings (roots) */
    vm_value *globals;
    /* The value stack: malloc'd (not in the GC heap), a root walked with
     * stack maps; reallocated when a call needs more. */
    vm_value *stack;
    size_t stacksize;
    /* A call whose window ends past this grows the stack (interp.c's one
     * check): stack + stacksize normally; stack itself under movestack,
     * so that every call goes through vm_grow_stack and moves it. */
    vm_value *stack_last;
    /* TOYDEBUG=movestack=1 (Lua's HARDSTACKTESTS): the stack moves to a
     * fresh block wherever it may grow; each old block is poisoned and
     * kept out of reuse for a while (quarantine). See vm.c. */
    bool movestack;
    void *stackblock;  /* under movestack: the malloc'd block holding stack */
    size_t stackbytes; /* its length */
    struct vm_oldstack {
        void *p;
        size_t bytes;
    } quarantine[8];
    int nquarantine;
    uint64_t stackmoves, callssincemove;
    vm_frame *frames;
    /* The running (innermost) frame, NULL when none: frames[0..top] are
     * in use. The interpreter keeps its own frame pointer and writes this
     * back at every safepoint but CALL's fast path, and at every error
     * (savepc), which is when the roots callback, the stack mover and the
     * trace read it; so a call and a return store no frame count. */
    vm_frame *top;
    int capframes, max_depth;
    void **roots; /* vm_root_push */
    int nroots, caproots;
    int64_t steps; /* back edges and calls left before the step limit */
    bool limited;
    bool exiting;
    int exit_code;
    char errmsg[512];
    int argc;
    char **argv;
    void *ud;
    uint64_t stdwords[VM_STD_WORDS]; /* vm_std_words */
    void *stdstate; /* vm_std_state, released by stdhooks->release */
    const vm_std_hooks *stdhooks;
    vm_callstub stub; /* vm_call's frame code (callback.c) */
    int ccalls;       /* vm_call levels running */
    /* allocprof.c: bytes left before the next sampled allocation (Go's
     * mcache.nextSample) and the profile; prof_next < 0 after an
     * allocation calls vm_allocprof_sample, which with no profile sets it
     * to INT64_MAX, so a calloc'd VM needs no set-up. */
    int64_t prof_next;
    struct vm_allocprof *prof;
    /* thread.c: the toy thread this state runs (each has its own value
     * stack, frames, temporary roots and gc_p; the rest is shared with
     * the program's first state, main), and the scheduler they share. */
    vm_thread *thread;
    vm_sched *sched;
    vm_state *main;
};

/* thread.c. The poll of a thread at a safepoint, after alloc's: when
 * its flags say so it lets another thread run (preemption) or stops
 * (the program is ending). 0 go on, 1 stop (V->exiting is set). */
int vm_thread_poll(vm_state *V);
static inline bool vm_thread_flagged(const vm_state *V);
/* vm_new / vm_run / vm_free's part: the scheduler and the main thread;
 * running the program's threads; joining them. */
int vm_sched_new(vm_state *V, int maxprocs);
void vm_sched_free(vm_state *V);
void vm_sched_start(vm_state *V);
/* Main has returned (status) or stopped: stop the others, wait for them,
 * and return the program's status. */
int vm_sched_finish(vm_state *V, int status, bool reported);
/* A runtime error in V's thread: reported with its trace unless another
 * thread stopped the program first; the program stops. */
void vm_thread_error(vm_state *V);
/* vm.c: V's stack trace, one line per frame, innermost first. */
void vm_trace(vm_state *V, FILE *e);
/* Roots of every thread (vm.c's callback calls it). */
void vm_threads_roots(gc_marker *m, vm_state *V);
void vm_frames_roots(gc_marker *m, vm_state *V);
/* chan.c: a channel's print form "chan[T](len/cap)". */
void vm_chan_format(vm_buf *b, const vm_program *p, const void *c, int32_t rtype);
/* types.c: the name of rtype r as toy writes it. */
void vm_rtype_name(const vm_program *p, int32_t r, char *buf, size_t len);

/* The flags word a poll reads (thread.c). */
uint32_t vm_thread_flags(const vm_thread *t);
static inline bool vm_thread_flagged(const vm_state *V) { return vm_thread_flags(V->thread) != 0; }

/* allocprof.c: record a sampled allocation (obj may be NULL: out of memory). */
void vm_allocprof_sample(vm_state *V, void *obj, size_t size, const gc_type *t, const char *what);
void vm_allocprof_free(vm_state *V);

/* pprof.c: a profile in pprof's format (profile.proto, gzipped). Add the
 * sample types first (every sample has one value per type); strings,
 * functions and locations are deduplicated. Out of memory is remembered
 * and reported by vm_pprof_write (0, or -1 for that or a write error). */
typedef struct vm_pprof vm_pprof;
vm_pprof *vm_pprof_new(void);
void vm_pprof_free(vm_pprof *P);
int64_t vm_pprof_string(vm_pprof *P, const char *s);
void vm_pprof_sample_type(vm_pprof *P, const char *type, const char *unit);
void vm_pprof_period(vm_pprof *P, const char *type, const char *unit, int64_t period);
void vm_pprof_comment(vm_pprof *P, const char *text);
/* The id of the location "function at file:line". */
uint64_t vm_pprof_location(vm_pprof *P, const char *function, const char *file, int64_t line);
/* locs[0] is the leaf frame. */
void vm_pprof_sample(vm_pprof *P, const uint64_t *locs, size_t nlocs, const int64_t *values);
int vm_pprof_write(vm_pprof *P, FILE *out);

/* The profiler's counter check after an allocation (one subtract and
 * branch, as Go's mallocgc does with MemProfileRate). what names the
 * object kind in the profile; the site is the running frame's
 * instruction, saved (savepc) before every safepoint. */
GC_INLINE void *vm_alloc_counted(vm_state *V, void *o, const char *what, size_t size, const gc_type *t)
{
    if (GC_UNLIKELY((V->prof_next -= (int64_t)size) < 0))
        vm_allocprof_sample(V, o, size, t, what);
    return o;
}

/* Every allocation of the VM goes through here or vm_alloc_site. */
static inline void *vm_alloc(vm_state *V, const char *what, size_t size, const gc_type *t,
                             bool needzero)
{
    return vm_alloc_counted(V, gc_mallocgc(V->gcp, size, t, needzero), what, size, t);
}

/* vm_alloc for a described allocation site (a struct type, a closure, a
 * reference cell, an array header): the same object, without alloc's type
 * test and class lookup, and with alloc's fast path inlined into each
 * allocating instruction (gc_malloc_site_inline, forced inline with
 * alloc.h's GC_INLINE: no call unless the span's window is used up). */
GC_INLINE void *vm_alloc_site(vm_state *V, const char *what, const gc_site *site)
{
    return vm_alloc_counted(V, gc_malloc_site_inline(V->gcp, V->gcwin, site), what, site->size, site->type);
}

/* Frames in use (valid where V->top is: see above). */
static inline int vm_nframes(const vm_state *V) { return V->top ? (int)(V->top - V->frames) + 1 : 0; }

/* interp.c: the one instruction HALT, the return address of frames[0]. */
extern const vm_instr vm_halt[1];

int vm_execute(vm_state *V);            /* interp.c: 0, -1 error, 1 exit */
/* Make the stack hold need slots, rebasing the frames; 0 or -1. Under
 * movestack it also moves the stack when it is big enough already. */
int vm_grow_stack(vm_state *V, size_t need);
int vm_grow_frames(vm_state *V);        /* 0 or -1 (stack overflow / OOM) */
void vm_callstub_init(vm_state *V);     /* callback.c: V->stub, at vm_new */
/* The value stack (movestack's blocks too), frames and temporary roots. */
void vm_stack_free(vm_state *V);

#endif
