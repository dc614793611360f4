/*
 * thread.c: the built-ins of threads and channels: send, recv, close and
 * the body of the go statement (Go's chansend, chanrecv, closechan and
 * newproc). Threads and channels themselves are vm/'s (thread.c,
 * chan.c); these bodies unpack arguments.
 */
#include "stdlib/internal.h"

int std_send(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    return vm_chan_send(V, args[0].p, args[1]);
}

/* recv(c), and for the compiler's `for v in c` recv(c, ok): args[1]
 * gets whether a value came. */
int std_recv(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)types;
    vm_value v;
    bool ok;
    int r = vm_chan_recv(V, args[0].p, &v, &ok);
    if (r != 0)
        return r;
    args[0] = v;
    if (nargs > 1)
        args[1].i = ok;
    return 0;
}

int std_close(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    return vm_chan_close(V, args[0].p);
}

int std_go(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    return vm_go(V, args, nargs, types);
}
