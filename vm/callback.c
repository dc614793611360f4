/*
 * callback.c: toy code called from C (Lua's lua_call, luaD_callnoyield):
 * a built-in such as sort_by calls a toy comparator with vm_call.
 *
 * The callee runs in a nested vm_execute above every frame in use. Between
 * the built-in's frame (suspended at its CALLB, whose stack map keeps the
 * built-in's arguments) and the callee sits a stub frame whose code is
 * "CALLR 1 0; HALT": the callee returns into the stub as into any caller,
 * and the HALT leaves the nested vm_execute, so RETURN stays free of a
 * "return to C?" test (Lua marks such frames CIST_FRESH and tests on
 * every return instead). The stub is a proto of the VM's own, outside
 * the program: its one stack map holds the callee in R[0]; the trace
 * skips its frame, since the built-in's caller already shows the line.
 *
 * The nested run may grow the value stack (it moves) and the frame array
 * (realloc'd): vm_call re-derives its frame from the index, and CALLB
 * reloads the interpreter's frame, base and limits after every built-in.
 */
#include "vm/vmint.h"

#include <string.h>

void vm_callstub_init(vm_state *V)
{
    vm_callstub *s = &V->stub;
    s->code[0] = VM_ABC(OP_CALLR, 1, 0, 0);
    s->code[1] = VM_ABC(OP_HALT, 0, 0, 0);
    s->sp_pc[0] = 0;
    s->sp_map[0] = 0;
    memset(s->maps, 0, sizeof s->maps);
    s->maps[0][0] = 1; /* R[0], the callee */
    s->proto = (vm_proto){
        .name = "<call>",
        .nregs = 1 + VM_CALL_MAXARGS,
        .result_rtype = -1,
        .code = s->code,
        .lines = s->lines,
        .ncode = 2,
        .sp_pc = s->sp_pc,
        .sp_map = s->sp_map,
        .nsp = 1,
        .maps = s->maps,
        .nmaps = 1,
    };
    s->fn = (vm_fn){.code = s->code, .nregs = s->proto.nregs, .proto = &s->proto};
}

int vm_call(vm_state *V, void *fn, const vm_value *args, int nargs, vm_value *result)
{
    if (!fn)
        return vm_error(V, "call of nil function");
    if (nargs < 0 || nargs > VM_CALL_MAXARGS)
        return vm_error(V, "internal error: vm_call with %d arguments", nargs);
    if (!V->top)
        return vm_error(V, "internal error: vm_call outside a running program");
    if (V->ccalls >= VM_MAX_CCALLS)
        return vm_error(V, "stack overflow");
    int caller = (int)(V->top - V->frames);
    if (caller + 1 >= V->capframes) {
        if (vm_grow_frames(V) != 0)
            return -1;
        V->top = &V->frames[caller]; /* the array moved: stack moves rebase up to top */
    }
    vm_frame *cf = &V->frames[caller];
    size_t off = (size_t)(cf->base - V->stack) + (size_t)cf->fn->nregs;
    size_t need = off + (size_t)V->stub.fn.nregs;
    if ((V->movestack || need > V->stacksize) && vm_grow_stack(V, need) != 0)
        return -1;
    vm_value *sb = V->stack + off;
    sb[0].p = fn;
    memcpy(sb + 1, args, (size_t)nargs * sizeof *args);
    vm_frame *sf = &V->frames[caller + 1];
    sf->pc = V->stub.code;
    sf->base = sb;
    sf->fn = &V->stub.fn;
    sf->cl = NULL;
    V->top = sf;
    V->ccalls++;
    int r = vm_execute(V);
    V->ccalls--;
    if (r != 0)
        return r; /* top stays at the failing frame, for the trace */
    *result = V->frames[caller + 1].base[1];
    V->top = &V->frames[caller];
    return 0;
}
