/*
 * mksizeclasses.c: the size-class generator, a host tool (not part of
 * liballoc.a). It mirrors Go's src/runtime/_mkmalloc/mksizeclasses.go
 * rule for rule: sizes step by an alignment that grows at powers of two,
 * each class gets the fewest 8 KiB pages (1..10) that keep the tail waste
 * at or under 1/8 of the span, neighbours with equal pages and object
 * counts merge, and each class finally grows to the largest size that
 * still fits the same count, rounded down to a multiple of largeSizeDiv.
 * The division magic divMul = ~0u/size + 1 is checked for every offset of
 * every span exactly as the runtime will compute it; the generator fails
 * loudly when a rule would be broken.
 *
 *   mksizeclasses          print the table, formatted as the header comment
 *                          of Go's internal/runtime/gc/sizeclasses.go
 *   mksizeclasses -c FILE  write the C tables alloc/sizeclasses.h declares
 *
 * The table's text comes from alloc/sizeclasses_print.c, which `toy
 * sizeclasses` shares (it links the checked-in tables only because that
 * file also holds the library's wrapper; the generator never reads them).
 *
 * Departure from Go: it writes C rather than Go, and the constants live in
 * the hand-written alloc/sizeclasses.h, which the generator checks against
 * what it computed instead of emitting them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/sizeclasses.h"

enum {
    MIN_HEAP_ALIGN = 8,
    MAX_SMALL_SIZE = 32 << 10,
    SMALL_SIZE_DIV = 8,
    SMALL_SIZE_MAX = 1024,
    LARGE_SIZE_DIV = 128,
    PAGE_SHIFT = 13,
    PAGE_SIZE = 1 << PAGE_SHIFT,
    NUM_CLASSES = 68,
    /* Room for every class the first pass might produce before merging. */
    MAX_CANDIDATES = MAX_SMALL_SIZE / MIN_HEAP_ALIGN + 1,
};

typedef struct sizeclass {
    int size;   /* max size */
    int npages; /* number of pages */
    uint32_t divmul;
} sizeclass;

typedef struct classes {
    sizeclass c[MAX_CANDIDATES];
    int n;
} classes;

static void die(const char *msg, int d, int max, long long n)
{
    fprintf(stderr, "mksizeclasses: %s (size=%d max=%d n=%lld)\n", msg, d, max, n);
    exit(1);
}

static int power_of_two(int x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static int bits_len(unsigned x)
{
    int n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

/*
 * Lemire, Kaser, Kurz, "Faster Remainder by Direct Computation"
 * (arXiv:1902.01961), Algorithm 2, as Go's computeDivMagic: n/d is
 * floor(n * ceil(2^F/d) / 2^F) for all N-bit n when F is chosen so; the
 * runtime uses F = 32, so F must not exceed 32. Then the brute-force check
 * with the exact 32x32->64 computation the allocator will do.
 */
static void compute_divmagic(sizeclass *c)
{
    int d = c->size;
    if (d == 0) {
        c->divmul = 0;
        return;
    }
    int max = c->npages * PAGE_SIZE;
    int N = bits_len((unsigned)max);
    int F = 0;
    if (power_of_two(d)) {
        F = __builtin_ctz((unsigned)d); /* d > 0 */
    } else {
        for (int L = 0;; L++) {
            uint64_t p = (uint64_t)1 << (N + L);
            if ((uint64_t)d <= p % (uint64_t)d + ((uint64_t)1 << L)) {
                F = N + L;
                break;
            }
        }
    }
    if (F > 32)
        die("size class requires more than 32 bits of precision", d, max, F);
    uint32_t m = UINT32_MAX / (uint32_t)d + 1;
    for (int n = 0; n <= max; n++) {
        if ((uint32_t)(((uint64_t)n * m) >> 32) != (uint32_t)(n / d))
            die("bad 32-bit multiply magic", d, max, n);
    }
    c->divmul = m;
}

static void make_classes(classes *cl)
{
    cl->n = 0;
    cl->c[cl->n++] = (sizeclass){0, 0, 0}; /* class 0 is a dummy entry */

    int align = MIN_HEAP_ALIGN;
    for (int size = align; size <= MAX_SMALL_SIZE; size += align) {
        if (power_of_two(size)) { /* bump alignment once in a while */
            if (size >= 2048)
                align = 256;
            else if (size >= 128)
                align = size / 8;
            else if (size >= 32)
                align = 16; /* Go's heap bitmaps assume 16-byte alignment from 32 bytes */
        }
        if (!power_of_two(align))
            die("incorrect alignment", size, align, 0);

        /* Enough pages that the leftover is at most 1/8 of the span. */
        int allocsize = PAGE_SIZE;
        while (allocsize % size > allocsize / 8)
            allocsize += PAGE_SIZE;
        int npages = allocsize / PAGE_SIZE;

        /* Same pages and same object count as the previous class: a second
         * class would buy nothing, so the previous one just grows. */
        sizeclass *prev = &cl->c[cl->n - 1];
        if (cl->n > 1 && npages == prev->npages && allocsize / size == allocsize / prev->size) {
            prev->size = size;
            continue;
        }
        if (cl->n == MAX_CANDIDATES)
            die("too many candidate classes", size, npages, cl->n);
        cl->c[cl->n++] = (sizeclass){size, npages, 0};
    }

    /* Grow each class to the biggest size with the same object count in
     * the same pages (e.g. 8448 -> 9472: 6 objects in 7 pages), keeping
     * largeSizeDiv alignment so the size_to_class128 lookup still works. */
    for (int i = 1; i < cl->n; i++) {
        sizeclass *c = &cl->c[i];
        int psize = c->npages * PAGE_SIZE;
        int new_size = (psize / (psize / c->size)) & ~(LARGE_SIZE_DIV - 1);
        if (new_size > c->size)
            c->size = new_size;
    }

    if (cl->n != NUM_CLASSES)
        die("number of size classes has changed", cl->n, NUM_CLASSES, 0);

    for (int i = 0; i < cl->n; i++)
        compute_divmagic(&cl->c[i]);
}

static int max_objs_per_span(const classes *cl)
{
    int most = 0;
    for (int i = 1; i < cl->n; i++) {
        int n = cl->c[i].npages * PAGE_SIZE / cl->c[i].size;
        if (n > most)
            most = n;
    }
    return most;
}

static int max_npages(const classes *cl)
{
    int most = 0;
    for (int i = 1; i < cl->n; i++)
        if (cl->c[i].npages > most)
            most = cl->c[i].npages;
    return most;
}

/* The hand-written header and the generated tables must agree. */
static void check_header_constants(const classes *cl)
{
    struct {
        const char *name;
        long have, want;
    } k[] = {
        {"GC_NUM_SIZE_CLASSES", GC_NUM_SIZE_CLASSES, cl->n},
        {"GC_PAGE_SHIFT", GC_PAGE_SHIFT, PAGE_SHIFT},
        {"GC_MAX_SMALL_SIZE", GC_MAX_SMALL_SIZE, MAX_SMALL_SIZE},
        {"GC_SMALL_SIZE_DIV", GC_SMALL_SIZE_DIV, SMALL_SIZE_DIV},
        {"GC_SMALL_SIZE_MAX", GC_SMALL_SIZE_MAX, SMALL_SIZE_MAX},
        {"GC_LARGE_SIZE_DIV", GC_LARGE_SIZE_DIV, LARGE_SIZE_DIV},
        {"GC_MAX_OBJS_PER_SPAN", GC_MAX_OBJS_PER_SPAN, max_objs_per_span(cl)},
        {"GC_MAX_SIZE_CLASS_NPAGES", GC_MAX_SIZE_CLASS_NPAGES, max_npages(cl)},
        {"GC_TINY_SIZE (class size)", GC_TINY_SIZE, cl->c[GC_TINY_SIZE_CLASS].size},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        if (k[i].have != k[i].want) {
            fprintf(stderr, "mksizeclasses: alloc/sizeclasses.h says %s = %ld, the table needs %ld\n",
                    k[i].name, k[i].have, k[i].want);
            exit(1);
        }
    }
}

/* Go's printComment: the shared printer of alloc/sizeclasses_print.c, fed
 * the classes computed here (not the checked-in tables). */
static void print_comment(FILE *w, const char *pfx, const classes *cl)
{
    uint32_t sizes[NUM_CLASSES];
    uint8_t npages[NUM_CLASSES];
    for (int i = 0; i < cl->n; i++) {
        sizes[i] = (uint32_t)cl->c[i].size;
        npages[i] = (uint8_t)cl->c[i].npages;
    }
    gc_sizeclasses_print_table(w, pfx, sizes, npages, cl->n);
}

/* The smallest class whose size is at least size (Go's lookup-table rule). */
static int class_for(const classes *cl, int size)
{
    for (int j = 0; j < cl->n; j++)
        if (cl->c[j].size >= size)
            return j;
    return 0;
}

/* Prints "v, " items wrapped to stay under 100 columns. */
static void print_row(FILE *w, int *col, const char *item)
{
    size_t len = strlen(item);
    if (*col + (int)len + 1 > 96) {
        fputc('\n', w);
        *col = 0;
    }
    if (*col == 0) {
        fputs("   ", w);
        *col = 3;
    }
    fprintf(w, " %s", item);
    *col += (int)len + 1;
}

static void print_array(FILE *w, const char *decl, const int *v, int n)
{
    char buf[32];
    int col = 0;
    fprintf(w, "\n%s = {\n", decl);
    for (int i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%d,", v[i]);
        print_row(w, &col, buf);
    }
    fprintf(w, "\n};\n");
}

static void print_c(FILE *w, const classes *cl)
{
    int v[MAX_CANDIDATES];

    fprintf(w, "/* generated by alloc/mksizeclasses.c, do not edit; `make sizeclasses` regenerates it. */\n");
    fprintf(w, "/*\n * sizeclasses.c: the size-class tables of alloc/sizeclasses.h, by the rules\n"
               " * of Go's runtime/_mkmalloc/mksizeclasses.go (the same 68 classes as Go's\n"
               " * internal/runtime/gc/sizeclasses.go).\n */\n\n");
    print_comment(w, "// ", cl);
    fprintf(w, "\n#include \"alloc/sizeclasses.h\"\n");

    for (int i = 0; i < cl->n; i++)
        v[i] = cl->c[i].size;
    print_array(w, "const uint32_t gc_class_to_size[GC_NUM_SIZE_CLASSES]", v, cl->n);
    for (int i = 0; i < cl->n; i++)
        v[i] = cl->c[i].npages;
    print_array(w, "const uint8_t gc_class_to_allocnpages[GC_NUM_SIZE_CLASSES]", v, cl->n);

    /* divMul written as Go writes it, so a reader sees ~0u/size + 1. */
    fprintf(w, "\nconst uint32_t gc_class_to_divmagic[GC_NUM_SIZE_CLASSES] = {\n    0,\n");
    for (int i = 1; i < cl->n; i++)
        fprintf(w, "    UINT32_MAX / %d + 1, /* %u */\n", cl->c[i].size, cl->c[i].divmul);
    fprintf(w, "};\n");

    int n8 = SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1;
    for (int i = 0; i < n8; i++)
        v[i] = class_for(cl, i * SMALL_SIZE_DIV);
    print_array(w, "const uint8_t gc_size_to_class8[GC_SMALL_SIZE_MAX / GC_SMALL_SIZE_DIV + 1]", v, n8);

    int n128 = (MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1;
    for (int i = 0; i < n128; i++)
        v[i] = class_for(cl, SMALL_SIZE_MAX + i * LARGE_SIZE_DIV);
    print_array(w,
                "const uint8_t gc_size_to_class128[(GC_MAX_SMALL_SIZE - GC_SMALL_SIZE_MAX) / "
                "GC_LARGE_SIZE_DIV + 1]",
                v, n128);
}

static int usage(void)
{
    fprintf(stderr, "usage: mksizeclasses            print the size-class table\n"
                    "       mksizeclasses -c FILE    write the C tables to FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    classes *cl = malloc(sizeof *cl);
    if (!cl) {
        fprintf(stderr, "mksizeclasses: out of memory\n");
        return 1;
    }
    make_classes(cl);
    check_header_constants(cl);

    int rc = 0;
    if (argc == 1) {
        print_comment(stdout, "", cl);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "mksizeclasses: stdout: %s\n", strerror(errno));
            rc = 1;
        }
    } else if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        /* Write beside the target and rename, so a failed run never leaves
         * a truncated sizeclasses.c behind. */
        size_t len = strlen(argv[2]) + 5;
        char *tmp = malloc(len);
        FILE *w = tmp ? (snprintf(tmp, len, "%s.tmp", argv[2]), fopen(tmp, "w")) : NULL;
        if (!w) {
            fprintf(stderr, "mksizeclasses: %s.tmp: %s\n", argv[2], strerror(errno));
            rc = 1;
        } else {
            print_c(w, cl);
            if (ferror(w) | (fclose(w) != 0) || rename(tmp, argv[2]) != 0) {
                fprintf(stderr, "mksizeclasses: %s: %s\n", argv[2], strerror(errno));
                remove(tmp);
                rc = 1;
            }
        }
        free(tmp);
    } else {
        rc = usage();
    }
    free(cl);
    return rc;
}
