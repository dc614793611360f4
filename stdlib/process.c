/*
 * process.c: time and the process (Lua's loslib.c): clock, args, exit.
 * clock() reads CLOCK_MONOTONIC rather than CPU time (Lua's os.clock):
 * programs use it to time intervals, which must not jump with the wall
 * clock nor ignore time spent waiting.
 */
#include "stdlib/internal.h"

#include <string.h>
#include <time.h>

int std_clock(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)V, (void)nargs, (void)types;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    args[0].f = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    return 0;
}

int std_args(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    int argc;
    char **argv = vm_args(V, &argc);
    if (argc < 0 || !argv)
        argc = 0;
    vm_array *a = vm_array_new(V, argc, true);
    if (!a || vm_root_push(V, a) != 0)
        return std_oom(V);
    for (int j = 0; j < argc; j++) {
        vm_string *s = vm_string_new(V, argv[j], strlen(argv[j]));
        if (!s) {
            vm_root_pop(V, 1);
            return std_oom(V);
        }
        vm_write_pointer(V, &a->data[j].p, s); /* a predates s: a mark may have begun */
    }
    vm_root_pop(V, 1);
    args[0].p = a;
    return 0;
}

int std_exit(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    return vm_exit(V, (int)(args[0].i & 255)); /* what the OS would keep */
}
