/*
 * sort.c: sort and sort_by (Go's sort and slices packages, Lua's
 * ltablib.c sort).
 *
 * sort(a) sorts [int], [float] and [string] in place with introsort
 * (Musser 1997, as Go's sort.Sort before pdqsort and C++'s std::sort):
 * quicksort on a median-of-three pivot, heapsort once the recursion passes
 * 2 log2(n) levels (so O(n log n) in the worst case), insertion sort under
 * 12 elements. It is not stable, which only equal ints, equal strings,
 * and 0.0 beside -0.0 can tell. Floats: the NaNs go to the end first, then
 * the rest sorts with IEEE `<`, under which -0.0 and 0.0 are equal.
 * Strings compare by unsigned bytes (vm_string_cmp); they sort in a
 * malloc'd copy of the pointers (nothing is allocated meanwhile, and every
 * string stays in the array, so nothing needs rooting) and are copied back
 * after gc_bulk_barrier.
 *
 * sort_by(a, less) is a stable bottom-up merge sort (Go's slices.
 * SortStableFunc is insertion sort plus in-place merging; we spend n words
 * to call less only O(n log n) times). less is toy code (vm_call), which
 * may allocate, collect, even change a. So the elements are copied first
 * into a fresh array, rooted while the sort runs; the sort permutes
 * indices into it (noscan, malloc'd); at the end the elements go back into
 * a in their new order, each store through gc_write_pointer. If less
 * changed a's length meanwhile, sort_by stops with a runtime error (as
 * Python's list.sort); elements less stored into a are overwritten.
 */
#include "stdlib/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { INSERTION_MAX = 12 };

/* DEFINE_INTROSORT(name, T, LESS): static void name(T *a, size_t n). */
#define DEFINE_INTROSORT(name, T, LESS)                                          \
    static void name##_sift(T *a, size_t root, size_t n)                         \
    {                                                                            \
        T x = a[root];                                                           \
        for (size_t child; (child = 2 * root + 1) < n; root = child) {           \
            if (child + 1 < n && LESS(a[child], a[child + 1]))                   \
                child++;                                                         \
            if (!LESS(x, a[child]))                                              \
                break;                                                           \
            a[root] = a[child];                                                  \
        }                                                                        \
        a[root] = x;                                                             \
    }                                                                            \
    static void name##_heap(T *a, size_t n)                                      \
    {                                                                            \
        for (size_t i = n / 2; i-- > 0;)                                         \
            name##_sift(a, i, n);                                                \
        for (size_t end = n; end-- > 1;) {                                       \
            T t = a[0];                                                          \
            a[0] = a[end];                                                       \
            a[end] = t;                                                          \
            name##_sift(a, 0, end);                                              \
        }                                                                        \
    }                                                                            \
    static void name##_intro(T *a, size_t n, int depth)                          \
    {                                                                            \
        while (n > INSERTION_MAX) {                                              \
            if (depth-- == 0) {                                                  \
                name##_heap(a, n);                                               \
                return;                                                          \
            }                                                                    \
            /* median of three into a[0], then Hoare's partition */              \
            size_t m = n / 2;                                                    \
            T t;                                                                 \
            if (LESS(a[m], a[0])) { t = a[m]; a[m] = a[0]; a[0] = t; }           \
            if (LESS(a[n - 1], a[m])) {                                          \
                t = a[m]; a[m] = a[n - 1]; a[n - 1] = t;                         \
                if (LESS(a[m], a[0])) { t = a[m]; a[m] = a[0]; a[0] = t; }       \
            }                                                                    \
            t = a[m]; a[m] = a[0]; a[0] = t;                                     \
            T p = a[0];                                                          \
            size_t i = 0, j = n;                                                 \
            for (;;) {                                                           \
                do i++; while (i < n && LESS(a[i], p));                          \
                do j--; while (LESS(p, a[j]));                                   \
                if (i >= j)                                                      \
                    break;                                                       \
                t = a[i]; a[i] = a[j]; a[j] = t;                                 \
            }                                                                    \
            t = a[0]; a[0] = a[j]; a[j] = t;                                     \
            /* a[0..j) <= p == a[j] <= a[j+1..n): recurse on the smaller side */ \
            if (j < n - j - 1) {                                                 \
                name##_intro(a, j, depth);                                       \
                a += j + 1;                                                      \
                n -= j + 1;                                                      \
            } else {                                                             \
                name##_intro(a + j + 1, n - j - 1, depth);                       \
                n = j;                                                           \
            }                                                                    \
        }                                                                        \
        for (size_t i = 1; i < n; i++) {                                         \
            T x = a[i];                                                          \
            size_t k = i;                                                        \
            for (; k > 0 && LESS(x, a[k - 1]); k--)                              \
                a[k] = a[k - 1];                                                 \
            a[k] = x;                                                            \
        }                                                                        \
    }                                                                            \
    static void name(T *a, size_t n)                                             \
    {                                                                            \
        int depth = 0;                                                           \
        for (size_t m = n; m > 1; m >>= 1)                                       \
            depth += 2;                                                          \
        name##_intro(a, n, depth);                                               \
    }

#define LESS_NUM(x, y) ((x) < (y))
#define LESS_STR(x, y) (vm_string_cmp((x), (y)) < 0)
DEFINE_INTROSORT(sort_ints, int64_t, LESS_NUM)
DEFINE_INTROSORT(sort_floats, double, LESS_NUM)
DEFINE_INTROSORT(sort_strings, vm_string *, LESS_STR)

int std_sort(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs;
    const vm_rtype *t = std_argtype(V, types, 0);
    const vm_program *p = vm_get_program(V);
    if (!t || t->kind != VM_KARRAY || t->a < 0 || (uint32_t)t->a >= p->nrtypes)
        return std_untyped(V, "sort");
    vm_array *a = args[0].p;
    if (!a || a->len < 2)
        return 0;
    size_t n = (size_t)a->len;
    switch (p->rtypes[t->a].kind) {
    case VM_KINT:
        sort_ints(&a->data[0].i, n);
        return 0;
    case VM_KFLOAT: {
        /* the NaNs to the end, keeping nothing else in order */
        double *d = &a->data[0].f;
        size_t m = n;
        for (size_t i = 0; i < m;) {
            if (isnan(d[i])) {
                double x = d[i];
                d[i] = d[--m];
                d[m] = x;
            } else {
                i++;
            }
        }
        sort_floats(d, m);
        return 0;
    }
    case VM_KSTRING: {
        vm_string **tmp = malloc(n * sizeof *tmp);
        if (!tmp)
            return std_oom(V);
        for (size_t i = 0; i < n; i++)
            tmp[i] = a->data[i].p;
        sort_strings(tmp, n);
        gc_p *gp = vm_gcp(V);
        gc_bulk_barrier(gp, gc_heap_barrier(vm_heap(V)), (void *const *)a->data,
                        (void *const *)tmp, n, NULL);
        memcpy(a->data, tmp, n * sizeof *tmp);
        free(tmp);
        return 0;
    }
    default:
        return std_untyped(V, "sort");
    }
}

/* less(copy[x], copy[y]) through vm_call: 1 true, 0 false, or the error
 * (-1, or 1 for exit) as -2 - r. */
static int call_less(vm_state *V, void *less, const vm_array *copy, uint32_t x, uint32_t y)
{
    vm_value argv[2] = {copy->data[x], copy->data[y]}, res;
    int r = vm_call(V, less, argv, 2, &res);
    if (r != 0)
        return -2 - r;
    return res.i != 0;
}

int std_sort_by(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    vm_array *a = args[0].p;
    void *less = args[1].p;
    /* a and less stay in the caller's argument slots, roots throughout;
     * args itself may move with the stack once less runs. */
    if (!a || a->len < 2)
        return 0;
    if (!less)
        return vm_error(V, "call of nil function");
    int64_t n64 = a->len;
    size_t n = (size_t)n64;
    bool ref = a->elemref != 0;
    vm_array *copy = vm_array_new(V, n64, ref);
    if (!copy || vm_root_push(V, copy) != 0)
        return std_oom(V);
    gc_p *gp = vm_gcp(V);
    const gc_barrier *bar = gc_heap_barrier(vm_heap(V));
    if (ref)
        gc_bulk_barrier(gp, bar, (void *const *)copy->data, (void *const *)a->data, n, NULL);
    memcpy(copy->data, a->data, n * sizeof(vm_value));
    uint32_t *idx = malloc(2 * n * sizeof *idx);
    if (!idx) {
        vm_root_pop(V, 1);
        return std_oom(V);
    }
    uint32_t *from = idx, *to = idx + n;
    for (size_t i = 0; i < n; i++)
        from[i] = (uint32_t)i;
    int err = 0;
    /* Runs of 8 by insertion sort (stable: moves past greater only). */
    for (size_t lo = 0; lo < n && !err; lo += 8) {
        size_t hi = lo + 8 < n ? lo + 8 : n;
        for (size_t i = lo + 1; i < hi && !err; i++) {
            uint32_t x = from[i];
            size_t k = i;
            while (k > lo) {
                int c = call_less(V, less, copy, x, from[k - 1]);
                if (c < 0) {
                    err = -2 - c;
                    break;
                }
                if (!c)
                    break;
                from[k] = from[k - 1];
                k--;
            }
            from[k] = x;
        }
    }
    /* Then merges, taking from the right run only when it is less. */
    for (size_t w = 8; w < n && !err; w *= 2) {
        for (size_t lo = 0; lo < n && !err; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int c = call_less(V, less, copy, from[j], from[i]);
                if (c < 0) {
                    err = -2 - c;
                    break;
                }
                to[k++] = c ? from[j++] : from[i++];
            }
            if (err)
                break;
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        uint32_t *t = from;
        from = to;
        to = t;
    }
    if (!err && a->len != n64)
        err = vm_error(V, "sort_by: the array's length changed during the sort (%lld to %lld)",
                       (long long)n64, (long long)a->len);
    if (!err) {
        for (size_t i = 0; i < n; i++) {
            vm_value v = copy->data[from[i]];
            if (ref)
                vm_write_pointer(V, &a->data[i].p, v.p);
            else
                a->data[i] = v;
        }
    }
    free(idx);
    vm_root_pop(V, 1);
    return err;
}
