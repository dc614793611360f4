/*
 * test_sizeclasses.c: the size-class tables (alloc/sizeclasses.c, generated
 * by alloc/mksizeclasses.c) against Go's. The expected values are copied
 * from Go's internal/runtime/gc/sizeclasses.go (header comment and lookup
 * tables), not recomputed, so a bug shared by the generator and a
 * recomputation cannot hide. The two file comparisons get their inputs
 * from `make test-sizeclasses` through the environment:
 *   SIZECLASSES_TABLE      the generator's printed table
 *   SIZECLASSES_GENERATED  a fresh `mksizeclasses -c` output
 *   SIZECLASSES_CHECKED_IN alloc/sizeclasses.c
 *   SIZECLASSES_GENERATOR  the generator itself, for its bad-usage checks
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "alloc/sizeclasses.h"
#include "tests/unit/unit.h"

/* Go's sizeclasses.go header comment, without the "// " markers. */
static const char *const go_header[] = {
    "class  bytes/obj  bytes/span  objects  tail waste  max waste  min align",
    "    1          8        8192     1024           0     87.50%          8",
    "    2         16        8192      512           0     43.75%         16",
    "    3         24        8192      341           8     29.24%          8",
    "    4         32        8192      256           0     21.88%         32",
    "    5         48        8192      170          32     31.52%         16",
    "    6         64        8192      128           0     23.44%         64",
    "    7         80        8192      102          32     19.07%         16",
    "    8         96        8192       85          32     15.95%         32",
    "    9        112        8192       73          16     13.56%         16",
    "   10        128        8192       64           0     11.72%        128",
    "   11        144        8192       56         128     11.82%         16",
    "   12        160        8192       51          32      9.73%         32",
    "   13        176        8192       46          96      9.59%         16",
    "   14        192        8192       42         128      9.25%         64",
    "   15        208        8192       39          80      8.12%         16",
    "   16        224        8192       36         128      8.15%         32",
    "   17        240        8192       34          32      6.62%         16",
    "   18        256        8192       32           0      5.86%        256",
    "   19        288        8192       28         128     12.16%         32",
    "   20        320        8192       25         192     11.80%         64",
    "   21        352        8192       23          96      9.88%         32",
    "   22        384        8192       21         128      9.51%        128",
    "   23        416        8192       19         288     10.71%         32",
    "   24        448        8192       18         128      8.37%         64",
    "   25        480        8192       17          32      6.82%         32",
    "   26        512        8192       16           0      6.05%        512",
    "   27        576        8192       14         128     12.33%         64",
    "   28        640        8192       12         512     15.48%        128",
    "   29        704        8192       11         448     13.93%         64",
    "   30        768        8192       10         512     13.94%        256",
    "   31        896        8192        9         128     15.52%        128",
    "   32       1024        8192        8           0     12.40%       1024",
    "   33       1152        8192        7         128     12.41%        128",
    "   34       1280        8192        6         512     15.55%        256",
    "   35       1408       16384       11         896     14.00%        128",
    "   36       1536        8192        5         512     14.00%        512",
    "   37       1792       16384        9         256     15.57%        256",
    "   38       2048        8192        4           0     12.45%       2048",
    "   39       2304       16384        7         256     12.46%        256",
    "   40       2688        8192        3         128     15.59%        128",
    "   41       3072       24576        8           0     12.47%       1024",
    "   42       3200       16384        5         384      6.22%        128",
    "   43       3456       24576        7         384      8.83%        128",
    "   44       4096        8192        2           0     15.60%       4096",
    "   45       4864       24576        5         256     16.65%        256",
    "   46       5376       16384        3         256     10.92%        256",
    "   47       6144       24576        4           0     12.48%       2048",
    "   48       6528       32768        5         128      6.23%        128",
    "   49       6784       40960        6         256      4.36%        128",
    "   50       6912       49152        7         768      3.37%        256",
    "   51       8192        8192        1           0     15.61%       8192",
    "   52       9472       57344        6         512     14.28%        256",
    "   53       9728       49152        5         512      3.64%        512",
    "   54      10240       40960        4           0      4.99%       2048",
    "   55      10880       32768        3         128      6.24%        128",
    "   56      12288       24576        2           0     11.45%       4096",
    "   57      13568       40960        3         256      9.99%        256",
    "   58      14336       57344        4           0      5.35%       2048",
    "   59      16384       16384        1           0     12.49%       8192",
    "   60      18432       73728        4           0     11.11%       2048",
    "   61      19072       57344        3         128      3.57%        128",
    "   62      20480       40960        2           0      6.87%       4096",
    "   63      21760       65536        3         256      6.25%        256",
    "   64      24576       24576        1           0     11.45%       8192",
    "   65      27264       81920        3         128     10.00%        128",
    "   66      28672       57344        2           0      4.91%       4096",
    "   67      32768       32768        1           0     12.50%       8192",
    "",
    "alignment  bits  min obj size",
    "        8     3             8",
    "       16     4            32",
    "       32     5           256",
    "       64     6           512",
    "      128     7           768",
    "     4096    12         28672",
    "     8192    13         32768",
};
enum { GO_HEADER_LINES = sizeof go_header / sizeof go_header[0] };

/* Go's SizeToSizeClass8 and SizeToSizeClass128. */
static const uint8_t go_size_to_class8[] = {
    0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15,
    16, 16, 17, 17, 18, 18, 19, 19, 19, 19, 20, 20, 20, 20, 21, 21, 21, 21, 22, 22, 22, 22, 23,
    23, 23, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 27, 27, 27, 27, 27, 27, 27, 27,
    28, 28, 28, 28, 28, 28, 28, 28, 29, 29, 29, 29, 29, 29, 29, 29, 30, 30, 30, 30, 30, 30, 30,
    30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 32, 32, 32, 32, 32, 32,
    32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
};
static const uint8_t go_size_to_class128[] = {
    32, 33, 34, 35, 36, 37, 37, 38, 38, 39, 39, 40, 40, 40, 41, 41, 41, 42, 43, 43, 44, 44, 44,
    44, 44, 45, 45, 45, 45, 45, 45, 46, 46, 46, 46, 47, 47, 47, 47, 47, 47, 48, 48, 48, 49, 49,
    50, 51, 51, 51, 51, 51, 51, 51, 51, 51, 51, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 53, 53,
    54, 54, 54, 54, 55, 55, 55, 55, 55, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 57, 57, 57,
    57, 57, 57, 57, 57, 57, 57, 58, 58, 58, 58, 58, 58, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59,
    59, 59, 59, 59, 59, 59, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 61,
    61, 61, 61, 61, 62, 62, 62, 62, 62, 62, 62, 62, 62, 62, 62, 63, 63, 63, 63, 63, 63, 63, 63,
    63, 63, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 66,
    66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67,
    67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67,
};

/* Go's sizeToClass rule (malloc.go): the 8-byte table up to 1016 bytes. */
static int size_to_class(uint32_t size)
{
    if (size <= GC_SMALL_SIZE_MAX - 8)
        return gc_size_to_class8[(size + GC_SMALL_SIZE_DIV - 1) / GC_SMALL_SIZE_DIV];
    return gc_size_to_class128[(size - GC_SMALL_SIZE_MAX + GC_LARGE_SIZE_DIV - 1) / GC_LARGE_SIZE_DIV];
}

static void test_class_table_matches_go(void)
{
    CU_ASSERT_EQUAL(gc_class_to_size[0], 0);
    CU_ASSERT_EQUAL(gc_class_to_allocnpages[0], 0);
    CU_ASSERT_EQUAL(gc_class_to_divmagic[0], 0);
    int rows = 0;
    for (int i = 1; i < GO_HEADER_LINES && go_header[i][0]; i++) {
        int cls, size, span, objects, tail;
        CU_ASSERT_FATAL(sscanf(go_header[i], "%d %d %d %d %d", &cls, &size, &span, &objects, &tail) == 5);
        CU_ASSERT_EQUAL_FATAL(cls, i);
        CU_ASSERT_EQUAL(gc_class_to_size[cls], (uint32_t)size);
        CU_ASSERT_EQUAL(gc_class_to_allocnpages[cls] * GC_PAGE_SIZE, span);
        CU_ASSERT_EQUAL(span / (int)gc_class_to_size[cls], objects);
        CU_ASSERT_EQUAL(span - objects * (int)gc_class_to_size[cls], tail);
        /* The generator's promise: at most 1/8 of a span is tail. */
        CU_ASSERT(tail <= span / 8);
        rows++;
    }
    CU_ASSERT_EQUAL(rows, 67);
    CU_ASSERT_EQUAL(rows + 1, GC_NUM_SIZE_CLASSES);
}

static void test_header_constants(void)
{
    int most_objs = 0, most_pages = 0;
    for (int c = 1; c < GC_NUM_SIZE_CLASSES; c++) {
        int objs = gc_class_to_allocnpages[c] * GC_PAGE_SIZE / (int)gc_class_to_size[c];
        if (objs > most_objs)
            most_objs = objs;
        if (gc_class_to_allocnpages[c] > most_pages)
            most_pages = gc_class_to_allocnpages[c];
        CU_ASSERT(gc_class_to_size[c] > gc_class_to_size[c - 1]);
        CU_ASSERT(gc_class_to_allocnpages[c] >= 1);
    }
    CU_ASSERT_EQUAL(most_objs, GC_MAX_OBJS_PER_SPAN);
    CU_ASSERT_EQUAL(most_pages, GC_MAX_SIZE_CLASS_NPAGES);
    CU_ASSERT_EQUAL(gc_class_to_size[GC_TINY_SIZE_CLASS], GC_TINY_SIZE);
    CU_ASSERT_EQUAL(gc_class_to_size[GC_NUM_SIZE_CLASSES - 1], GC_MAX_SMALL_SIZE);
}

static void test_lookup_tables_match_go(void)
{
    CU_ASSERT_EQUAL_FATAL(sizeof go_size_to_class8, sizeof gc_size_to_class8);
    CU_ASSERT_EQUAL_FATAL(sizeof go_size_to_class128, sizeof gc_size_to_class128);
    CU_ASSERT(memcmp(go_size_to_class8, gc_size_to_class8, sizeof gc_size_to_class8) == 0);
    CU_ASSERT(memcmp(go_size_to_class128, gc_size_to_class128, sizeof gc_size_to_class128) == 0);
    /* The worked examples of the design notes. */
    CU_ASSERT_EQUAL(size_to_class(100), 9);
    CU_ASSERT_EQUAL(size_to_class(1500), 36);
    CU_ASSERT_EQUAL(size_to_class(513 + 8), 27);
}

/* Every small size lands in the smallest class that holds it. */
static void test_every_size_smallest_fit(void)
{
    unsigned bad = 0;
    for (uint32_t size = 1; size <= GC_MAX_SMALL_SIZE; size++) {
        int c = size_to_class(size);
        if (c < 1 || c >= GC_NUM_SIZE_CLASSES || gc_class_to_size[c] < size ||
            (c > 1 && gc_class_to_size[c - 1] >= size)) {
            if (bad++ < 5)
                fprintf(stderr, "size %u -> class %d\n", (unsigned)size, c);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* Both tables agree where they meet. */
    for (uint32_t size = GC_SMALL_SIZE_MAX - 7; size <= GC_SMALL_SIZE_MAX; size++)
        CU_ASSERT_EQUAL(gc_size_to_class8[(size + 7) / 8], gc_size_to_class128[0]);
}

/* (offset * divmagic) >> 32 == offset / size for every offset 0..span. */
static void test_divmagic_every_offset(void)
{
    for (int c = 1; c < GC_NUM_SIZE_CLASSES; c++) {
        uint32_t size = gc_class_to_size[c], m = gc_class_to_divmagic[c];
        CU_ASSERT_EQUAL(m, UINT32_MAX / size + 1);
        uint32_t max = (uint32_t)gc_class_to_allocnpages[c] * GC_PAGE_SIZE;
        unsigned bad = 0;
        for (uint32_t n = 0; n <= max; n++)
            if ((uint32_t)(((uint64_t)n * m) >> 32) != n / size)
                bad++;
        if (bad)
            fprintf(stderr, "class %d (size %u): %u offsets divide wrongly\n", c, (unsigned)size, bad);
        CU_ASSERT_EQUAL(bad, 0);
    }
}

/* Reads a whole file named by an environment variable, or NULL. */
static char *slurp_env(const char *var, size_t *len)
{
    const char *path = getenv(var);
    if (!path) {
        fprintf(stderr, "%s is not set: run this suite with `make test-sizeclasses`\n", var);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* The generator's table is Go's header comment, line for line. */
static void test_printed_table_matches_go(void)
{
    size_t len;
    char *text = slurp_env("SIZECLASSES_TABLE", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    int i = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* strtok_r skips empty lines; so do we on Go's side. */
        while (i < GO_HEADER_LINES && go_header[i][0] == '\0')
            i++;
        if (i >= GO_HEADER_LINES) {
            fprintf(stderr, "extra line: %s\n", line);
            CU_FAIL("the printed table has more lines than Go's");
            break;
        }
        if (strcmp(line, go_header[i]) != 0) {
            fprintf(stderr, "line %d:\n  got  %s\n  want %s\n", i + 1, line, go_header[i]);
            CU_FAIL("the printed table differs from Go's");
        }
        i++;
    }
    CU_ASSERT_EQUAL(i, GO_HEADER_LINES);
    free(text);
}

/* The checked-in alloc/sizeclasses.c is what the generator writes today. */
static void test_checked_in_is_generated(void)
{
    size_t glen, clen;
    char *gen = slurp_env("SIZECLASSES_GENERATED", &glen);
    char *chk = slurp_env("SIZECLASSES_CHECKED_IN", &clen);
    CU_ASSERT_PTR_NOT_NULL(gen);
    CU_ASSERT_PTR_NOT_NULL(chk);
    if (gen && chk) {
        static const char first[] = "/* generated by alloc/mksizeclasses.c, do not edit";
        CU_ASSERT(strncmp(chk, first, sizeof first - 1) == 0);
        int same = glen == clen && memcmp(gen, chk, glen) == 0;
        if (!same) {
            size_t k = 0, line = 1;
            while (k < glen && k < clen && gen[k] == chk[k])
                line += gen[k++] == '\n';
            fprintf(stderr, "alloc/sizeclasses.c differs from the generator's output from line %zu: "
                            "run `make sizeclasses`\n", line);
        }
        CU_ASSERT(same);
    }
    free(gen);
    free(chk);
}

/* Runs the generator with args; returns its exit status, or -1. */
static int run_generator(const char *args)
{
    const char *gen = getenv("SIZECLASSES_GENERATOR");
    if (!gen) {
        fprintf(stderr, "SIZECLASSES_GENERATOR is not set: run this suite with `make test-sizeclasses`\n");
        return -1;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", gen, args);
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Bad usage is an error message and a status, never a crash. */
static void test_generator_bad_usage(void)
{
    CU_ASSERT_EQUAL(run_generator(""), 0);
    CU_ASSERT_EQUAL(run_generator("-x"), 2);
    CU_ASSERT_EQUAL(run_generator("-c"), 2);
    CU_ASSERT_EQUAL(run_generator("-c a b"), 2);
    CU_ASSERT_EQUAL(run_generator("-c /nonexistent-dir/sizeclasses.c"), 1);
}

static CU_TestInfo table_tests[] = {
    {"class_table_matches_go", test_class_table_matches_go},
    {"header_constants", test_header_constants},
    {"lookup_tables_match_go", test_lookup_tables_match_go},
    {"every_size_smallest_fit", test_every_size_smallest_fit},
    {"divmagic_every_offset", test_divmagic_every_offset},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo generator_tests[] = {
    {"printed_table_matches_go", test_printed_table_matches_go},
    {"checked_in_is_generated", test_checked_in_is_generated},
    {"generator_bad_usage", test_generator_bad_usage},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"tables", NULL, NULL, NULL, NULL, table_tests},
    {"generator", NULL, NULL, NULL, NULL, generator_tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv)
{
    return unit_main("sizeclasses", suites, argc, argv);
}
