/*
 * parse.c: parse_int and parse_float (Go's strconv.Atoi/ParseFloat, with
 * Python float()'s words for the special values). The grammar is checked
 * here, byte by byte over the whole string, before strtod sees it: strtod
 * alone would skip leading spaces, stop at an embedded NUL and accept hex
 * floats. Bad input is a runtime error that quotes it, never a crash.
 */
#include "stdlib/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

int std_parse_int(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_string *s = args[0].p;
    const char *d = vm_string_data(s);
    int64_t n = vm_string_len(s), j = 0;
    bool neg = false;
    if (j < n && (d[j] == '+' || d[j] == '-'))
        neg = d[j++] == '-';
    if (j == n)
        return std_error_text(V, "parse_int", "invalid syntax", s);
    /* Accumulate the magnitude as unsigned: -9223372036854775808 fits. */
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    bool range = false;
    for (; j < n; j++) {
        if (!is_digit(d[j]))
            return std_error_text(V, "parse_int", "invalid syntax", s);
        unsigned dig = (unsigned)(d[j] - '0');
        if (v > (limit - dig) / 10)
            range = true; /* keep scanning: bad syntax wins over range */
        else
            v = v * 10 + dig;
    }
    if (range)
        return std_error_text(V, "parse_int", "value out of range", s);
    args[0].i = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* Length of the decimal float at d[0..n) (sign, digits, point, exponent),
 * or 0 when d does not start with one. */
static int64_t decimal_len(const char *d, int64_t n)
{
    int64_t j = 0, digits = 0;
    if (j < n && (d[j] == '+' || d[j] == '-'))
        j++;
    for (; j < n && is_digit(d[j]); j++)
        digits++;
    if (j < n && d[j] == '.')
        for (j++; j < n && is_digit(d[j]); j++)
            digits++;
    if (digits == 0)
        return 0;
    if (j < n && (d[j] == 'e' || d[j] == 'E')) {
        int64_t e = j + 1, edigits = 0;
        if (e < n && (d[e] == '+' || d[e] == '-'))
            e++;
        for (; e < n && is_digit(d[e]); e++)
            edigits++;
        if (edigits == 0)
            return 0;
        j = e;
    }
    return j;
}

int std_parse_float(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_string *s = args[0].p;
    const char *d = vm_string_data(s);
    int64_t n = vm_string_len(s);
    if (n > 0 && decimal_len(d, n) == n) {
        /* The grammar holds and has no NUL, and data ends with one. */
        args[0].f = strtod(d, NULL); /* out of range: +-inf or 0, as float() */
        return 0;
    }
    const char *w = d;
    int64_t wn = n;
    double sign = 1.0;
    if (wn > 0 && (w[0] == '+' || w[0] == '-')) {
        sign = w[0] == '-' ? -1.0 : 1.0;
        w++, wn--;
    }
    if ((wn == 3 && strncasecmp(w, "inf", 3) == 0) ||
        (wn == 8 && strncasecmp(w, "infinity", 8) == 0)) {
        args[0].f = sign * INFINITY;
        return 0;
    }
    if (wn == 3 && strncasecmp(w, "nan", 3) == 0) {
        args[0].f = NAN;
        return 0;
    }
    return std_error_text(V, "parse_float", "invalid syntax", s);
}
