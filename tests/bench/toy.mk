# tests/bench/toy.mk: the toy programs in examples/ beside the same programs
# in Lua 5.4 (tests/bench/lua) and Go (tests/bench/go, when `go` is
# installed: `make deps-bench`), and the GC-pause workload. Raw results and
# the report as in tests/bench/build.mk.
#   bench-toy           binary-trees, fib, n-body and word frequency
#   bench-toy-trees, bench-toy-fib, bench-toy-nbody, bench-toy-wordfreq
#                       one of them
#   bench-gcpause       examples/gc_pause.toy (the concurrent collector, and
#                       toy-stw: TOYDEBUG=gcstoptheworld=1) beside
#                       tests/bench/go/gc_pause.go: pauses, mark rate and
#                       minimum mutator utilization from their gctrace lines
#   bench-maps          maps: map[int]int insert, hit, miss, delete and
#                       iterate (examples/map_ops.toy), Collatz lengths
#                       memoised (examples/collatz.toy), word counting
#                       (examples/word_count.toy)
#   bench-maps-int, bench-maps-collatz, bench-maps-wordcount  one of them
#   bench-threads       examples/parallel_trees.toy (TOYMAXPROCS=BENCH_PROCS)
#                       beside its Go version (GOMAXPROCS the same), and a
#                       channel ping-pong between two threads beside Go's
#   bench-memlimit      under a memory limit below the live heap: gc_pause
#                       140000 at 100 MiB beside Go's GOMEMLIMIT, and
#                       examples/short_strings.toy at 4 MiB against no limit
# Knobs: BENCH_FIB (32), BENCH_FIB_CG (25: the fib callgrind counts per
# call), BENCH_NBODY (1000000), BENCH_WF_PASSES (20000: times
# word_freq reads its text), BENCH_GCPAUSE_TREES (280000: about 200 MB live),
# BENCH_GCPAUSE_ROUNDS (4), BENCH_MAP_N (4000000 keys), BENCH_COLLATZ
# (2000000), BENCH_WC_N (4000000 words), BENCH_WC_W (200000 distinct),
# BENCH_PROCS (2), BENCH_PINGPONG (200000 round trips), and
# BENCH_REPS, BENCH_DEPTH (build.mk).
#   bench-fasta         k-nucleotide and reverse-complement, reading the
#                       fasta program's output from standard input
#                       (BENCH_KNUC, BENCH_REVCOMP: its N for each, 250000
#                       and 1000000)
BENCHES += toy gcpause maps fasta threads memlimit
BENCH_KNUC ?= 250000
BENCH_REVCOMP ?= 1000000
BENCH_FIB ?= 32
BENCH_FIB_CG ?= 25
BENCH_NBODY ?= 1000000
BENCH_WF_PASSES ?= 20000
BENCH_GCPAUSE_TREES ?= 280000
BENCH_GCPAUSE_ROUNDS ?= 4
BENCH_MAP_N ?= 4000000
BENCH_COLLATZ ?= 2000000
BENCH_WC_N ?= 4000000
BENCH_WC_W ?= 200000
BENCH_PROCS ?= 2
BENCH_PINGPONG ?= 200000
BENCH_GO_PROGS := $(if $(BENCH_GO),$(addprefix $(BENCH_DIR)/go/,binary_trees fib nbody word_freq gc_pause \
    map_ops collatz word_count k_nucleotide reverse_complement parallel_trees pingpong))
BENCH_TOY_PREREQ := $(BUILD)/toy $(BENCH_DIR)/runrss $(BENCH_GO_PROGS)
.PHONY: bench-toy bench-toy-trees bench-toy-fib bench-toy-nbody bench-toy-wordfreq bench-gcpause \
    bench-maps bench-maps-int bench-maps-collatz bench-maps-wordcount bench-fasta bench-threads bench-memlimit

# No modules and no network: GOPATH mode, caches under $(BUILD).
$(BENCH_DIR)/go/%: tests/bench/go/%.go
	@mkdir -p $(dir $@)
	GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BENCH_DIR))/go/cache \
	  GOPATH=$(abspath $(BENCH_DIR))/go/path go build -o $@ $<

bench-toy: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) toy trees-toy fib nbody word-freq
bench-toy-trees: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) toy-trees trees-toy
bench-toy-fib: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) toy-fib fib
bench-toy-nbody: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) toy-nbody nbody
bench-toy-wordfreq: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) toy-wordfreq word-freq
bench-gcpause: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) gcpause gc-pause
bench-maps: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) maps map-int collatz word-count
bench-maps-int: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) maps-int map-int
bench-maps-collatz: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) maps-collatz collatz
bench-maps-wordcount: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) maps-wordcount word-count
bench-fasta: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) fasta k-nucleotide reverse-complement
bench-threads: $(BENCH_TOY_PREREQ)
	PROCS=$(BENCH_PROCS) PINGPONG_N=$(BENCH_PINGPONG) $(BENCH_SH) threads parallel-trees pingpong
bench-memlimit: $(BENCH_TOY_PREREQ)
	$(BENCH_SH) memlimit memlimit
