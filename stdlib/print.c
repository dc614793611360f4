/*
 * print.c: PLACEHOLDER from the compiler branch, for the stdlib branch to
 * replace: print's body (Lua's luaB_print), the one built-in the
 * compiler's tests need. The formatting is vm/format.c's.
 */
#include "stdlib/stdlib.h"
#include "vm/object.h"

int std_print(vm_state *V, vm_value *args, int nargs, const int32_t *types);

int std_print(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    vm_buf b;
    vm_buf_init(&b);
    vm_format_print(&b, vm_get_program(V), args, nargs, types);
    if (b.oom) {
        vm_buf_free(&b);
        return vm_error(V, "out of memory");
    }
    fwrite(b.data, 1, b.len, vm_out(V));
    vm_buf_free(&b);
    return 0;
}
