/*
 * unit.h: the one main every CUnit suite shares. It runs the registered
 * suites and prints, after CUnit's own summary, the line tests/run.sh adds
 * up: "NAME: N passed, N failed". CUnit's example returns CU_get_error(),
 * which is 0 even when assertions fail; unit_main counts failure records
 * before the registry is cleaned up, so suite set-up failures count too.
 */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <CUnit/CUnit.h>

/* UNIT_TSAN: 1 in a ThreadSanitizer build (a suite scales its work down). */
#if defined(__SANITIZE_THREAD__)
#define UNIT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNIT_TSAN 1
#endif
#endif
#ifndef UNIT_TSAN
#define UNIT_TSAN 0
#endif

/* Registers suites (a CU_SUITE_INFO_NULL-terminated array), runs them
 * (only the test named by argv[1] when given), prints the totals and
 * returns the process status. */
int unit_main(const char *name, CU_SuiteInfo *suites, int argc, char **argv);

#endif
