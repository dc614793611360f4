/*
 * util.c: helpers the bodies share (internal.h): argument types from the
 * call site's type list, string allocation, quoting input in errors.
 */
#include "stdlib/internal.h"

#include <string.h>

const vm_rtype *std_argtype(vm_state *V, const int32_t *types, int j)
{
    const vm_program *p = vm_get_program(V);
    if (!types || j >= types[0])
        return NULL;
    int32_t t = types[1 + j];
    if (t < 0 || (uint32_t)t >= p->nrtypes)
        return NULL;
    return &p->rtypes[t];
}

int std_untyped(vm_state *V, const char *fn)
{
    return vm_error(V, "internal error: %s called without argument types", fn);
}

int std_oom(vm_state *V) { return vm_error(V, "out of memory"); }

vm_string *std_string_alloc(vm_state *V, int64_t len)
{
    if (len < 0 || (uint64_t)len > SIZE_MAX / 2)
        return NULL;
    vm_string *s = gc_mallocgc(vm_gcp(V), sizeof(vm_string) + (size_t)len + 1, NULL, false);
    if (!s)
        return NULL;
    s->len = len;
    s->hash = 0;
    s->data[len] = '\0';
    return s;
}

int std_error_text(vm_state *V, const char *fn, const char *what, const vm_string *text)
{
    /* Long inputs are cut: the message must stay one readable line. */
    enum { MAXSHOWN = 60 };
    size_t n = (size_t)vm_string_len(text);
    vm_buf b;
    vm_buf_init(&b);
    vm_buf_addquoted(&b, vm_string_data(text), n > MAXSHOWN ? MAXSHOWN : n);
    if (n > MAXSHOWN)
        vm_buf_add(&b, "...", 3);
    int r = b.oom ? vm_error(V, "%s: %s", fn, what)
                  : vm_error(V, "%s: %s %s", fn, what, b.data);
    vm_buf_free(&b);
    return r;
}
