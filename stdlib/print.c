/*
 * print.c: str and fixed, the built-ins that turn values into strings
 * (Lua's luaB_tostring; print and write, which share the output stream,
 * are io.c's). The format itself is vm/format.c's, so print(x) and str(x)
 * can never disagree: Python's repr for floats,
 * quoted strings inside containers, insertion order for maps.
 */
#include "stdlib/internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* A string holding b's text; b is freed. NULL when out of memory. */
static vm_string *buf_string(vm_state *V, vm_buf *b)
{
    vm_string *s = b->oom ? NULL : vm_string_new(V, b->data ? b->data : "", b->len);
    vm_buf_free(b);
    return s;
}

int std_str(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs;
    const vm_rtype *t = std_argtype(V, types, 0);
    if (!t)
        return std_untyped(V, "str");
    if (t->kind == VM_KSTRING)
        return 0; /* strings are immutable: str(s) is s */
    vm_buf b;
    vm_buf_init(&b);
    vm_format_value(&b, vm_get_program(V), args[0], types[1], false);
    vm_string *s = buf_string(V, &b);
    if (!s)
        return std_oom(V);
    args[0].p = s;
    return 0;
}

/* Digits enough for the exact value of every double (2^-1074 has 1074). */
#define FIXED_MAX_DIGITS 1074

int std_fixed(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    double x = args[0].f;
    int64_t n = args[1].i;
    if (n < 0 || n > FIXED_MAX_DIGITS)
        return vm_error(V, "fixed: %lld digits out of range [0, %d]", (long long)n,
                        FIXED_MAX_DIGITS);
    vm_buf b;
    vm_buf_init(&b);
    if (isnan(x) || isinf(x)) {
        char num[32];
        vm_buf_add(&b, num, (size_t)vm_format_float(num, x)); /* nan, inf, -inf */
    } else {
        vm_buf_addf(&b, "%.*f", (int)n, x);
    }
    vm_string *s = buf_string(V, &b);
    if (!s)
        return std_oom(V);
    args[0].p = s;
    return 0;
}
