# tests/bench/: alloc's benchmarks beside glibc malloc and Boehm GC (libgc,
# installed by `make deps-bench`). `make bench` runs bench-alloc: the
# allocation microbenchmark, binary-trees and the fast-path instruction
# count, and writes $(BUILD)/bench/alloc.md. Knobs (make VAR=...):
#   BENCH_REPS   runs per implementation and configuration (median shown)
#   BENCH_NOFREE_REPS  the same for the microbenchmark's nofree variant
#   BENCH_DEPTH  binary-trees depth
#   BENCH_N      microbenchmark allocations
#   BENCH_ALLOC_LIB  the alloc library to link (to try the harness alone)
BENCHES += alloc
BENCH_DIR := $(BUILD)/bench
BENCH_REPS ?= 3
BENCH_NOFREE_REPS ?= 1
BENCH_DEPTH ?= 21
BENCH_N ?= 20000000
BENCH_ALLOC_LIB ?= $(BUILD)/liballoc.a
BENCH_LIBS := -lgc
BENCH_PROGS := $(addprefix $(BENCH_DIR)/,micro trees fastpath runrss)
.PHONY: bench-alloc bench-alloc-micro bench-alloc-trees bench-alloc-fastpath

$(BENCH_DIR)/micro $(BENCH_DIR)/trees $(BENCH_DIR)/fastpath: $(BENCH_DIR)/%: \
    $(BUILD)/tests/bench/%.o $(BENCH_ALLOC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(BENCH_LIBS) $(LDLIBS)

$(BENCH_DIR)/runrss: $(BUILD)/tests/bench/runrss.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

BENCH_RUN = NOFREE_REPS=$(BENCH_NOFREE_REPS) tests/bench/run.sh $(BENCH_DIR) $(BENCH_REPS) $(BENCH_DEPTH) $(BENCH_N)
bench-alloc: $(BENCH_PROGS)
	$(BENCH_RUN) micro trees fastpath
bench-alloc-micro: $(BENCH_PROGS)
	$(BENCH_RUN) micro
bench-alloc-trees: $(BENCH_PROGS)
	$(BENCH_RUN) trees
bench-alloc-fastpath: $(BENCH_PROGS)
	$(BENCH_RUN) fastpath
