/*
 * strings.c: the string built-ins (Lua's lstrlib.c, Go's strings package):
 * substr, find, split, join, chr, ord. Strings are immutable byte strings
 * (vm/object.h); indexes are byte offsets and every one is checked. A nil
 * string reads as "".
 *
 * Arguments sit in the calling frame's slots, which the frame's stack map
 * keeps alive while a built-in runs; what a body makes and still needs
 * across a second allocation goes on vm_root_push.
 */
#include "stdlib/internal.h"

#include <string.h>

int std_substr(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    vm_string *s = args[0].p;
    int64_t i = args[1].i, j = args[2].i, n = vm_string_len(s);
    if (i < 0 || j < i || j > n)
        return vm_error(V, "substr: slice bounds out of range [%lld:%lld] with length %lld",
                        (long long)i, (long long)j, (long long)n);
    if (i == 0 && j == n)
        return 0; /* the whole string: immutable, so share it */
    vm_string *r = vm_string_new(V, s->data + i, (size_t)(j - i));
    if (!r)
        return std_oom(V);
    args[0].p = r;
    return 0;
}

/* Offset of the first needle in hay at or after from, or -1. */
static int64_t index_of(const vm_string *hay, const char *needle, size_t nlen, int64_t from)
{
    int64_t n = vm_string_len(hay);
    if (nlen == 0)
        return from;
    if ((uint64_t)(n - from) < nlen)
        return -1;
    const char *h = vm_string_data(hay);
    const char *at = memmem(h + from, (size_t)(n - from), needle, nlen);
    return at ? at - h : -1;
}

int std_find(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)V, (void)nargs, (void)types;
    const vm_string *sub = args[1].p;
    args[0].i = index_of(args[0].p, vm_string_data(sub), (size_t)vm_string_len(sub), 0);
    return 0;
}

int std_split(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_string *s = args[0].p, *sep = args[1].p;
    int64_t n = vm_string_len(s);
    size_t seplen = (size_t)vm_string_len(sep);
    const char *sp = vm_string_data(sep);
    /* Count first, so the array is made once and filled in place: then
     * only the array needs rooting while the pieces are allocated. */
    int64_t count = 0;
    if (seplen == 0) {
        count = n; /* one string per byte */
    } else {
        for (int64_t at = 0; (at = index_of(s, sp, seplen, at)) >= 0; at += (int64_t)seplen)
            count++;
        count++;
    }
    vm_array *a = vm_array_new(V, count, true);
    if (!a || vm_root_push(V, a) != 0)
        return std_oom(V);
    int64_t start = 0;
    for (int64_t k = 0; k < count; k++) {
        int64_t end;
        if (seplen == 0)
            end = start + 1;
        else if (k + 1 == count)
            end = n;
        else
            end = index_of(s, sp, seplen, start);
        vm_string *piece = vm_string_new(V, vm_string_data(s) + start, (size_t)(end - start));
        if (!piece) {
            vm_root_pop(V, 1);
            return std_oom(V);
        }
        vm_write_pointer(V, &a->data[k].p, piece); /* a predates piece: a mark may have begun */
        start = end + (int64_t)seplen;
    }
    vm_root_pop(V, 1);
    args[0].p = a;
    return 0;
}

int std_join(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_array *parts = args[0].p;
    const vm_string *sep = args[1].p;
    int64_t count = parts ? parts->len : 0;
    int64_t seplen = vm_string_len(sep), total = 0;
    for (int64_t k = 0; k < count; k++) {
        int64_t add = vm_string_len(parts->data[k].p) + (k ? seplen : 0);
        if (add > INT64_MAX / 2 - total)
            return std_oom(V);
        total += add;
    }
    vm_string *r = std_string_alloc(V, total);
    if (!r)
        return std_oom(V);
    char *o = r->data;
    for (int64_t k = 0; k < count; k++) {
        if (k && seplen) {
            memcpy(o, sep->data, (size_t)seplen);
            o += seplen;
        }
        const vm_string *part = parts->data[k].p;
        int64_t l = vm_string_len(part);
        if (l) {
            memcpy(o, part->data, (size_t)l);
            o += l;
        }
    }
    args[0].p = r;
    return 0;
}

int std_chr(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    int64_t c = args[0].i;
    if (c < 0 || c > 255)
        return vm_error(V, "chr: %lld out of range [0, 255]", (long long)c);
    char byte = (char)(unsigned char)c;
    vm_string *r = vm_string_new(V, &byte, 1);
    if (!r)
        return std_oom(V);
    args[0].p = r;
    return 0;
}

int std_ord(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_string *s = args[0].p;
    int64_t i = args[1].i, n = vm_string_len(s);
    if ((uint64_t)i >= (uint64_t)n)
        return vm_error(V, "ord: index out of range [%lld] with length %lld", (long long)i,
                        (long long)n);
    args[0].i = (unsigned char)s->data[i];
    return 0;
}
