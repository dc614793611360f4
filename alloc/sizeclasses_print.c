/*
 * sizeclasses_print.c: the size-class table as text, formatted as the
 * header comment of Go's internal/runtime/gc/sizeclasses.go (Go's
 * printComment in runtime/_mkmalloc/mksizeclasses.go, byte for byte after
 * the comment marker).
 *
 * One printer serves two callers: the generator (alloc/mksizeclasses.c)
 * prints the classes it has just computed, and `toy sizeclasses` prints the
 * tables compiled into liballoc.a (gc_sizeclasses_print). So the table a
 * reader sees from the toy command is the generator's own output, which the
 * sizeclasses suite compares with Go's.
 */
#include "alloc/sizeclasses.h"

#include <stdio.h>

void gc_sizeclasses_print_table(FILE *w, const char *pfx, const uint32_t *sizes,
                                const uint8_t *npages, int n)
{
    int min_aligns[GC_PAGE_SHIFT + 1] = {0};
    int prev_size = 0;
    const int page = 1 << GC_PAGE_SHIFT;

    fprintf(w, "%s%-5s  %-9s  %-10s  %-7s  %-10s  %-9s  %-9s\n", pfx, "class", "bytes/obj",
            "bytes/span", "objects", "tail waste", "max waste", "min align");
    for (int i = 1; i < n; i++) {
        int size = (int)sizes[i];
        int span_size = npages[i] * page;
        int objects = span_size / size;
        int tail_waste = span_size - size * (span_size / size);
        double max_waste = (double)((size - prev_size - 1) * objects + tail_waste) / (double)span_size;
        int align_bits = __builtin_ctz((unsigned)size); /* size > 0 */
        if (align_bits > GC_PAGE_SHIFT)
            align_bits = GC_PAGE_SHIFT; /* object alignment is capped at page alignment */
        for (int b = 0; b <= GC_PAGE_SHIFT; b++) {
            if (b > align_bits)
                min_aligns[b] = 0;
            else if (min_aligns[b] == 0)
                min_aligns[b] = size;
        }
        prev_size = size;
        fprintf(w, "%s%5d  %9d  %10d  %7d  %10d  %8.2f%%  %9d\n", pfx, i, size, span_size,
                objects, tail_waste, 100 * max_waste, 1 << align_bits);
    }
    fprintf(w, "\n");

    fprintf(w, "%s%-9s  %-4s  %-12s\n", pfx, "alignment", "bits", "min obj size");
    for (int b = 0; b <= GC_PAGE_SHIFT; b++) {
        int size = min_aligns[b];
        if (size == 0)
            break;
        if (b + 1 <= GC_PAGE_SHIFT && size == min_aligns[b + 1])
            continue;
        fprintf(w, "%s%9d  %4d  %12d\n", pfx, 1 << b, b, size);
    }
}

void gc_sizeclasses_print(FILE *w)
{
    gc_sizeclasses_print_table(w, "", gc_class_to_size, gc_class_to_allocnpages,
                               GC_NUM_SIZE_CLASSES);
}
