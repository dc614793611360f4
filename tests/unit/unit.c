/* unit.c: the shared CUnit main (see unit.h). */
#include "tests/unit/unit.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

int unit_main(const char *name, CU_SuiteInfo *suites, int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "%s: %s\n", name, CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    if (argc > 1) {
        /* Run one test by name, searching every suite: handy under gdb. */
        for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext) {
            CU_pTest t = CU_get_test_by_name(argv[1], s);
            if (t)
                CU_basic_run_test(s, t);
        }
    } else {
        CU_basic_run_tests();
    }
    unsigned ran = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned records = CU_get_number_of_failure_records();
    if (failed == 0 && records > 0)
        failed = 1; /* a suite's init or cleanup failed */
    CU_cleanup_registry();
    printf("%s: %u passed, %u failed\n", name, ran - (failed < ran ? failed : ran), failed);
    return failed ? 1 : 0;
}
