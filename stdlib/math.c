/*
 * math.c: the math built-ins (Lua's lmathlib.c): sqrt sin cos exp log
 * floor on floats, and abs, min, max on int or float, picked by the
 * argument's static type. Floats follow IEEE 754 and C's libm (sqrt(-1.0)
 * is nan, log(0.0) is -inf); int abs wraps as Go's does; float min/max
 * are Go's built-ins: nan wins, and -0.0 is less than 0.0.
 */
#include "stdlib/internal.h"

#include <math.h>

#define STD_UNARY(name, expr)                                                     \
    int std_##name(vm_state *V, vm_value *args, int nargs, const int32_t *types) \
    {                                                                             \
        (void)V, (void)nargs, (void)types;                                        \
        double x = args[0].f;                                                     \
        args[0].f = (expr);                                                       \
        return 0;                                                                 \
    }

STD_UNARY(sqrt, sqrt(x))
STD_UNARY(sin, sin(x))
STD_UNARY(cos, cos(x))
STD_UNARY(exp, exp(x))
STD_UNARY(log, log(x))
STD_UNARY(floor, floor(x))

/* Whether argument 0 is a float (1), an int (0), or untyped (-1). */
static int float_arg(vm_state *V, const int32_t *types)
{
    const vm_rtype *t = std_argtype(V, types, 0);
    if (!t || (t->kind != VM_KINT && t->kind != VM_KFLOAT))
        return -1;
    return t->kind == VM_KFLOAT;
}

int std_abs(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs;
    switch (float_arg(V, types)) {
    case 1:
        args[0].f = fabs(args[0].f);
        return 0;
    case 0:
        /* Wrapping: abs of the least int is itself, as -x is. */
        if (args[0].i < 0)
            args[0].i = (int64_t)(0 - (uint64_t)args[0].i);
        return 0;
    default:
        return std_untyped(V, "abs");
    }
}

static int minmax(vm_state *V, vm_value *args, const int32_t *types, bool max, const char *fn)
{
    switch (float_arg(V, types)) {
    case 1: {
        double a = args[0].f, b = args[1].f;
        if (isnan(a) || isnan(b))
            args[0].f = NAN;
        else if (a == b) /* equal, or 0.0 and -0.0: min takes the negative */
            args[0].f = (signbit(a) != 0) == max ? b : a;
        else
            args[0].f = (a < b) != max ? a : b;
        return 0;
    }
    case 0: {
        int64_t a = args[0].i, b = args[1].i;
        args[0].i = (a < b) != max ? a : b;
        return 0;
    }
    default:
        return std_untyped(V, fn);
    }
}

int std_min(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs;
    return minmax(V, args, types, false, "min");
}

int std_max(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs;
    return minmax(V, args, types, true, "max");
}
