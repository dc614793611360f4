# tests/bench/: the benchmarks, each workload once per implementation (toy,
# alloc, and their peers: Lua 5.4, Go, glibc malloc, Boehm GC), assembled
# into one report. `make bench` (top Makefile) runs tests/bench/all.sh over
# BENCHES: every bench-NAME target with its output in $(BUILD)/bench/NAME.log,
# then prints the one table built by tests/bench/report.lua from the raw
# results in $(BUILD)/bench/raw/ (one file per workload), and writes it to
# $(BUILD)/bench/report.md and report.svg. Each bench-* target alone runs
# its workloads (tests/bench/bench.sh), prints their table and re-assembles
# the report from every raw file present.
#
# This fragment: bench-alloc, the allocator against the C peers:
#   bench-alloc           binary-trees (C), the microbenchmark, fast paths
#   bench-alloc-trees     binary-trees against the allocator API only
#   bench-alloc-micro     the allocation microbenchmark only
#   bench-alloc-fastpath  instructions per allocation (callgrind) only
#   bench-alloc-frag      large allocations in a fragmented heap only
#   bench-alloc-threads   allocation from 1 and 2 threads on one heap only
# Knobs (make VAR=...), shared with tests/bench/toy.mk:
#   BENCH_REPS       runs per implementation (default 3; median shown)
#   BENCH_DEPTH      binary-trees depth (21)
#   BENCH_N          microbenchmark allocations (20000000)
#   BENCH_MICRO      microbenchmark variants (w10000 w1000000; also nofree)
#   BENCH_FRAG       free runs of the fragmentation workloads (1000 4000 8000 15000)
#   BENCH_THREADS_N  allocations per thread of the threads workload (10000000)
#   BENCH_THREADS_W  live objects per thread of the threads workload (50000)
#   BENCH_ALLOC_LIB  the alloc library to link (to try the harness alone)
BENCHES += alloc
BENCH_DIR := $(BUILD)/bench
BENCH_REPS ?= 3
BENCH_DEPTH ?= 21
BENCH_N ?= 20000000
BENCH_MICRO ?= w10000 w1000000
BENCH_FRAG ?= 1000 4000 8000 15000
BENCH_THREADS_N ?= 10000000
BENCH_THREADS_W ?= 50000
BENCH_ALLOC_LIB ?= $(BUILD)/liballoc.a
BENCH_LIBS := -lgc
BENCH_PROGS := $(addprefix $(BENCH_DIR)/,micro trees fastpath frag runrss threads)
# Go peers are built when a go command is found (tools/deps.sh bench).
BENCH_GO := $(shell command -v go 2>/dev/null)
.PHONY: bench-alloc bench-alloc-micro bench-alloc-trees bench-alloc-fastpath bench-alloc-frag bench-alloc-threads

$(BENCH_DIR)/micro $(BENCH_DIR)/trees $(BENCH_DIR)/fastpath: $(BENCH_DIR)/%: \
    $(BUILD)/tests/bench/%.o $(BENCH_ALLOC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(BENCH_LIBS) $(LDLIBS)

# threads runs alloc alone, 1 thread beside 2.
$(BENCH_DIR)/threads: $(BUILD)/tests/bench/threads.o $(BENCH_ALLOC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# frag compares with glibc malloc only: no Boehm.
$(BENCH_DIR)/frag: $(BUILD)/tests/bench/frag.o $(BENCH_ALLOC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BENCH_DIR)/runrss: $(BUILD)/tests/bench/runrss.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The command line the report names: the target and the knobs given to make.
BENCH_CMD = make $@$(if $(strip $(MAKEOVERRIDES)), $(strip $(MAKEOVERRIDES)))
BENCH_SH = BENCH_DIR=$(BENCH_DIR) TOY=$(BUILD)/toy REPS=$(BENCH_REPS) DEPTH=$(BENCH_DEPTH) \
  MICRO_N=$(BENCH_N) MICRO_VARIANTS="$(BENCH_MICRO)" FRAG_RUNS="$(BENCH_FRAG)" FIB_N=$(BENCH_FIB) FIB_CG_N=$(BENCH_FIB_CG) \
  NBODY_N=$(BENCH_NBODY) WF_PASSES=$(BENCH_WF_PASSES) GCPAUSE_TREES=$(BENCH_GCPAUSE_TREES) \
  GCPAUSE_ROUNDS=$(BENCH_GCPAUSE_ROUNDS) MAP_N=$(BENCH_MAP_N) COLLATZ_N=$(BENCH_COLLATZ) \
  WC_N=$(BENCH_WC_N) WC_W=$(BENCH_WC_W) KNUC_N=$(BENCH_KNUC) REVCOMP_N=$(BENCH_REVCOMP) \
  THREADS_N=$(BENCH_THREADS_N) THREADS_W=$(BENCH_THREADS_W) \
  BENCH_CMD="$(BENCH_CMD)" tests/bench/bench.sh
# What the top Makefile's `bench` runs with the list of BENCHES.
BENCH_ALL = BENCH_DIR=$(BENCH_DIR) BENCH_CMD="$(BENCH_CMD)" MAKE="$(MAKE)" \
  REPS=$(BENCH_REPS) tests/bench/all.sh

bench-alloc: $(BENCH_PROGS)
	$(BENCH_SH) alloc trees-c micro fastpath frag threads
bench-alloc-trees: $(BENCH_PROGS)
	$(BENCH_SH) alloc-trees trees-c
bench-alloc-micro: $(BENCH_PROGS)
	$(BENCH_SH) alloc-micro micro
bench-alloc-fastpath: $(BENCH_PROGS)
	$(BENCH_SH) alloc-fastpath fastpath
bench-alloc-frag: $(BENCH_DIR)/frag $(BENCH_DIR)/runrss
	$(BENCH_SH) alloc-frag frag
bench-alloc-threads: $(BENCH_DIR)/threads $(BENCH_DIR)/runrss $(if $(BENCH_GO),$(BENCH_DIR)/go/alloc_threads)
	$(BENCH_SH) alloc-threads threads

# bench-report: the report suite (`make test`): canned raw results through
# tests/bench/report.lua and gctrace lines through tests/bench/gctrace.awk;
# no timing.
SUITES += bench-report
.PHONY: test-bench-report
test-bench-report:
	lua5.4 tests/bench/test_report.lua $(BUILD)/tests/bench-report
