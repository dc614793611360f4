#include "tests/unit/unit.h"
static CU_TestInfo tests[] = {CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"gc", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
int main(int argc, char **argv) { return unit_main("gc", suites, argc, argv); }
