/*
 * test_asan.c: alloc's ASan poisoning catches seeded bugs (reliability
 * item 5). Each bug runs in a forked child whose stderr is captured; ASan
 * (halt_on_error, the default without -fsanitize-recover, which `make
 * sanitize` forbids) must report "use-after-poison" for it and stop the
 * child. A control child that uses only live objects must exit 0 silently.
 * Only meaningful under -fsanitize=address: other builds print a note and
 * "asan: 0 passed, 0 failed".
 */
#include <stdio.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifndef TEST_ASAN

int main(void)
{
    printf("asan: not an ASan build, nothing to check here (make sanitize runs these)\n");
    printf("asan: 0 passed, 0 failed\n");
    return 0;
}

#else

#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc/alloc.h"
#include "tests/unit/unit.h"

typedef struct cell {
    struct cell *next;
    uint64_t value;
} cell;
static const uint8_t cellMask[] = {0x1};
static const gc_type cellType = {sizeof(cell), 8, cellMask, "cell"};

typedef struct world {
    gc_heap *h;
    gc_p *p;
    void *root;
} world;

static void markRoot(gc_marker *m, void *ud) { gc_mark_slot(m, (void *const *)&((world *)ud)->root); }

static world open_(void)
{
    world w;
    w.h = gc_heap_new(NULL);
    w.p = gc_p_new(w.h);
    w.root = NULL;
    return w;
}

/* The bugs. Each child returns normally only if ASan missed the bug. */
static volatile uint64_t sink;

static void readAfterFree(void)
{
    world w = open_();
    gc_add_roots(w.h, markRoot, &w);
    w.root = gc_mallocgc(w.p, 64, NULL, true); /* keeps the span in use */
    uint64_t *dead = gc_mallocgc(w.p, 64, NULL, true);
    dead[0] = 1;
    gc_collect(w.h);
    sink = dead[0];
}

static void writeAfterFree(void)
{
    world w = open_();
    cell *c = gc_mallocgc(w.p, sizeof *c, &cellType, true);
    c->value = 1;
    gc_collect(w.h); /* nothing roots c: its span goes back to the heap */
    c->value = 2;
}

static void largeAfterFree(void)
{
    world w = open_();
    uint8_t *big = gc_mallocgc(w.p, 100000, NULL, true);
    big[50000] = 1;
    gc_collect(w.h);
    sink = big[50000];
}

static void pastRequestedSize(void)
{
    world w = open_();
    uint8_t *x = gc_mallocgc(w.p, 40, NULL, true); /* a 48-byte slot */
    sink = x[39];
    sink = x[44];
}

static void pastLargeSize(void)
{
    world w = open_();
    uint8_t *x = gc_mallocgc(w.p, 40000, NULL, true); /* a 40960-byte span */
    sink = x[39999];
    sink = x[40100];
}

static void neverAllocated(void)
{
    world w = open_();
    uint64_t *x = gc_mallocgc(w.p, 1024, NULL, true);
    sink = x[1024 / 8 + 1]; /* the next slot of a fresh span */
}

static void control(void)
{
    world w = open_();
    gc_add_roots(w.h, markRoot, &w);
    cell *c = NULL;
    for (int i = 0; i < 10000; i++) {
        cell *n = gc_mallocgc(w.p, sizeof *n, &cellType, true);
        n->next = c;
        n->value = (uint64_t)i;
        c = n;
        w.root = c;
        uint8_t *junk = gc_mallocgc(w.p, (size_t)(16 + i % 3000), NULL, true);
        junk[i % 3000 + 15] = 1;
        if (i % 1000 == 0)
            gc_collect(w.h);
    }
    gc_collect(w.h);
    uint64_t sum = 0;
    for (; c; c = c->next)
        sum += c->value;
    sink = sum;
    if (sum != 10000ull * 9999 / 2)
        abort();
    w.root = NULL;
    gc_p_free(w.p);
    gc_heap_free(w.h);
}

/* Runs fn in a child; returns its exit status and fills out with its stderr. */
static int inChild(void (*fn)(void), char *out, size_t outlen)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        fn();
        _exit(0);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t k;
    while ((k = read(fd[0], out + n, outlen - 1 - n)) > 0 && n + 1 < outlen)
        n += (size_t)k;
    char drain[4096];
    while (read(fd[0], drain, sizeof drain) > 0)
        ;
    out[n] = '\0';
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

static char report[1 << 16];

static void expectPoison(void (*fn)(void))
{
    int st = inChild(fn, report, sizeof report);
    CU_ASSERT(!(WIFEXITED(st) && WEXITSTATUS(st) == 0));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "use-after-poison"));
}

static void test_read_after_free(void) { expectPoison(readAfterFree); }
static void test_write_after_free(void) { expectPoison(writeAfterFree); }
static void test_large_after_free(void) { expectPoison(largeAfterFree); }
static void test_past_requested_size(void) { expectPoison(pastRequestedSize); }
static void test_past_large_size(void) { expectPoison(pastLargeSize); }
static void test_never_allocated(void) { expectPoison(neverAllocated); }

static void test_control(void)
{
    int st = inChild(control, report, sizeof report);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT_EQUAL(report[0], '\0');
}

static CU_TestInfo tests[] = {
    {"read_after_free", test_read_after_free},
    {"write_after_free", test_write_after_free},
    {"large_after_free", test_large_after_free},
    {"past_requested_size", test_past_requested_size},
    {"past_large_size", test_past_large_size},
    {"never_allocated", test_never_allocated},
    {"control", test_control},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"asan", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv) { return unit_main("asan", suites, argc, argv); }

#endif
