# alloc/: the allocator and collector, built as $(BUILD)/liballoc.a.
ALLOC_SRC := $(filter-out alloc/mksizeclasses.c,$(wildcard alloc/*.c))
ALLOC_OBJ := $(ALLOC_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/liballoc.a

$(BUILD)/liballoc.a: $(ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# Unit suites (tests/build.mk, which defines UNIT_MAIN, is read after this
# file, so prerequisites name the shared main directly).
ALLOC_UNIT_MAIN := $(BUILD)/tests/unit/unit.o
SUITES += alloc gc
.PHONY: test-alloc test-gc

$(BUILD)/tests/test-alloc: $(BUILD)/tests/unit/test_alloc.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

$(BUILD)/tests/test-gc: $(BUILD)/tests/unit/test_gc.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-alloc: $(BUILD)/tests/test-alloc
	$(BUILD)/tests/test-alloc

# The gc suite registers its tests twice: plain, and with gccheckmark and
# clobberfree on (see tests/unit/test_gc.c).
test-gc: $(BUILD)/tests/test-gc
	$(BUILD)/tests/test-gc

# A small program that allocates typed objects, collects and prints stats:
# what `make run` runs until the VM takes the target over (vm/build.mk is
# read after this file and may assign RUN_PREREQ/RUN_CMD with `=`).
ALL += $(BUILD)/alloc-demo
$(BUILD)/alloc-demo: $(BUILD)/alloc/demo/alloc_demo.o $(BUILD)/liballoc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
RUN_PREREQ ?= $(BUILD)/alloc-demo

# The mark loop alone, for measuring it: build/alloc-markbench [depth] [gcprocs]
# (alloc/demo/markbench.c; it prints, it checks nothing).
ALL += $(BUILD)/alloc-markbench
$(BUILD)/alloc-markbench: $(BUILD)/alloc/demo/markbench.o $(BUILD)/liballoc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
RUN_CMD ?= $(BUILD)/alloc-demo

# --- size classes (branch sizeclasses): the generator, its tests, `make sizeclasses`.
# mksizeclasses is a host tool; ALLOC_SRC above leaves it out of liballoc.a.
ALL += $(BUILD)/mksizeclasses
SUITES += sizeclasses
.PHONY: sizeclasses test-sizeclasses

$(BUILD)/mksizeclasses: $(BUILD)/alloc/mksizeclasses.o $(BUILD)/alloc/sizeclasses_print.o \
    $(BUILD)/alloc/sizeclasses.o
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Regenerates the checked-in tables in place.
sizeclasses: $(BUILD)/mksizeclasses
	$(BUILD)/mksizeclasses -c alloc/sizeclasses.c

# (tests/build.mk, which defines UNIT_MAIN, is read after this file, so the
# prerequisite names unit.o itself.)
$(BUILD)/tests/unit/test_sizeclasses: $(BUILD)/tests/unit/test_sizeclasses.o \
    $(BUILD)/alloc/sizeclasses.o $(BUILD)/tests/unit/unit.o
	$(CC) $(LDFLAGS) $^ -o $@ $(CUNIT_LIBS) $(LDLIBS)

# Regenerates into $(BUILD) and lets the CUnit suite compare that with the
# checked-in file and the printed table with Go's, beside the table tests.
test-sizeclasses: $(BUILD)/mksizeclasses $(BUILD)/tests/unit/test_sizeclasses
	@mkdir -p $(BUILD)/sizeclasses
	$(BUILD)/mksizeclasses > $(BUILD)/sizeclasses/table.txt
	$(BUILD)/mksizeclasses -c $(BUILD)/sizeclasses/sizeclasses.c
	SIZECLASSES_TABLE=$(BUILD)/sizeclasses/table.txt \
	SIZECLASSES_GENERATED=$(BUILD)/sizeclasses/sizeclasses.c \
	SIZECLASSES_CHECKED_IN=alloc/sizeclasses.c \
	SIZECLASSES_GENERATOR=$(BUILD)/mksizeclasses \
	  $(BUILD)/tests/unit/test_sizeclasses

# --- reliability (branch allocrel): out-of-memory sweeps and ASan poisoning.
SUITES += oom asan
.PHONY: test-oom test-asan

$(BUILD)/tests/test-oom: $(BUILD)/tests/unit/test_oom.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

# Every OS request of a fixed workload failed in turn (TOYDEBUG failmap),
# hard limits of 1..24 MiB, gc_is_live.
test-oom: $(BUILD)/tests/test-oom
	$(BUILD)/tests/test-oom

$(BUILD)/tests/test-asan: $(BUILD)/tests/unit/test_asan.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

# Seeded heap bugs (use after free, past the requested size, never
# allocated) must each draw ASan's use-after-poison report; a note and
# "asan: 0 passed, 0 failed" outside `make sanitize`.
test-asan: $(BUILD)/tests/test-asan
	$(BUILD)/tests/test-asan

# toy programs under TOYHARDLIMIT: running out is `error: out of memory`
# with the stack trace and exit 2; a program whose garbage fits completes.
SUITES += toy-oom
.PHONY: test-toy-oom
TOY_OOM_TESTS := $(wildcard tests/toy/oom/*.toy)
test-toy-oom: $(BUILD)/toy
	TOYHARDLIMIT=16MiB lua5.4 tests/toy/run.lua --name toy-oom --cmd "$(BUILD)/toy run" $(TOY_OOM_TESTS)

# --- the parallel mark (branch parmark): the same graphs collected with
# 1, 2 and 4 mark threads free the same objects (plain and gccheckmark).
SUITES += parmark
.PHONY: test-parmark tsan

$(BUILD)/tests/test-parmark: $(BUILD)/tests/unit/test_parmark.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-parmark: $(BUILD)/tests/test-parmark
	$(BUILD)/tests/test-parmark

# ThreadSanitizer: alloc and the parmark, concurrent, threads, scale and sweepone suites built with clang
# -fsanitize=thread into build/tsan (TSan cannot share a binary with ASan,
# so `make sanitize` runs this as a second build).
TSAN_FLAGS := CC=clang BUILD=build/tsan OPT=-O1 \
  EXTRA_CFLAGS="-fsanitize=thread -fno-omit-frame-pointer" LDFLAGS="-fsanitize=thread"
tsan:
	@$(MAKE) --no-print-directory $(TSAN_FLAGS) build/tsan/tests/test-parmark build/tsan/tests/test-concurrent \
	  build/tsan/tests/test-threads build/tsan/tests/test-scale build/tsan/tests/test-sweepone
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/tests/test-parmark
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/tests/test-concurrent
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/tests/test-threads
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/tests/test-scale
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/tests/test-sweepone
	@$(MAKE) --no-print-directory $(TSAN_FLAGS) tsan-toy-thread

# The threaded toy programs on a TSan build of toy (the VM's threads,
# channels and scheduler; alloc's mark workers), plainly and under the
# concurrent collector's stress switch.
.PHONY: tsan-toy-thread
tsan-toy-thread: $(BUILD)/toy
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" lua5.4 tests/toy/run.lua --name toy-thread-tsan \
	  --cmd "$(BUILD)/toy run" $(wildcard tests/toy/thread/*.toy)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" TOYDEBUG=gcconcurrentstress=1,gccheckmark=1 \
	  lua5.4 tests/toy/run.lua --name toy-thread-tsan-concstress \
	  --cmd "$(BUILD)/toy run" $(wildcard tests/toy/thread/*.toy)

# --- the concurrent collector: barrier, allocate-black,
# assists, phases and debug switches; also run under TSan by `make tsan`.
SUITES += concurrent
.PHONY: test-concurrent

$(BUILD)/tests/test-concurrent: $(BUILD)/tests/unit/test_concurrent.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-concurrent: $(BUILD)/tests/test-concurrent
	$(BUILD)/tests/test-concurrent

# The concurrent collector's pauses with a large live heap (2 GiB by
# default), the stop-the-world mark in the same run as its peer
# (tests/bench/concpause.c). Needs about 5 GiB of memory; never part of
# make test: `make bench-alloc-concpause [CONCPAUSE_MB=N]`.
ALL += $(BUILD)/alloc-concpause
CONCPAUSE_MB ?= 2048
.PHONY: bench-alloc-concpause
$(BUILD)/alloc-concpause: $(BUILD)/tests/bench/concpause.o $(BUILD)/liballoc.a
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LDLIBS)
bench-alloc-concpause: $(BUILD)/alloc-concpause
	$(BUILD)/alloc-concpause $(CONCPAUSE_MB)

# --- several mutator threads on one heap (mproc.c): Ps handed between
# threads, pauses that skip released Ps, and 4 threads allocating and
# relinking a shared structure, checked against a model after every
# collection; also run under TSan by `make tsan`.
SUITES += threads
.PHONY: test-threads

$(BUILD)/tests/test-threads: $(BUILD)/tests/unit/test_threads.o $(BUILD)/tests/threads/tstress.o $(ALLOC_UNIT_MAIN) \
    $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-threads: $(BUILD)/tests/test-threads
	$(BUILD)/tests/test-threads

# --- the page allocator (mpagealloc.c) against a model of page states.
SUITES += pagealloc
.PHONY: test-pagealloc

$(BUILD)/tests/test-pagealloc: $(BUILD)/tests/unit/test_pagealloc.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-pagealloc: $(BUILD)/tests/test-pagealloc
	$(BUILD)/tests/test-pagealloc

# --- gc_sweepone's cursor when two sweepers reach the last list at once.
SUITES += sweepone
.PHONY: test-sweepone

$(BUILD)/tests/test-sweepone: $(BUILD)/tests/unit/test_sweepone.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-sweepone: $(BUILD)/tests/test-sweepone
	$(BUILD)/tests/test-sweepone

# --- the heap at scale and under a memory limit: the GC CPU limiter, the
# background sweeper and scavenger, reclaim by bitmap, oblets; also run
# under TSan by `make tsan`.
SUITES += scale
.PHONY: test-scale

$(BUILD)/tests/test-scale: $(BUILD)/tests/unit/test_scale.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-scale: $(BUILD)/tests/test-scale
	$(BUILD)/tests/test-scale

# A C workload with a large live heap (3 GiB by default, about 9 GiB of
# memory) under the concurrent collector: a histogram of allocation times
# outside pauses, metadata over the heap, peak RSS over the heap goal
# (tests/bench/scale.c). Slow; never part of make test:
# `make bench-scale [SCALE_MB=N] [SCALE_ROUNDS=N]`.
ALL += $(BUILD)/alloc-scale
SCALE_MB ?= 3072
SCALE_ROUNDS ?= 100
.PHONY: bench-scale
$(BUILD)/alloc-scale: $(BUILD)/tests/bench/scale.o $(BUILD)/liballoc.a
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LDLIBS)
bench-scale: $(BUILD)/alloc-scale
	$(BUILD)/alloc-scale $(SCALE_MB) $(SCALE_ROUNDS)
