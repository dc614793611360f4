# tests/: the shared CUnit main; suites and benchmarks register themselves
# in their owners' build.mk files.
UNIT_MAIN := $(BUILD)/tests/unit/unit.o
CUNIT_LIBS := -lcunit
include tests/bench/build.mk
include tests/bench/toy.mk
include tests/lua/build.mk
include tests/reliability.mk
include tests/heapmap/build.mk
include tests/study/build.mk
include tests/doc/build.mk
