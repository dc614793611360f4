# toy and alloc. `make run` runs the default example, `make test` every test;
# both install what they need first (tools/deps.sh). Build outputs go to
# $(BUILD) only. Each folder adds its own rules in its build.mk.
#
#   make              build everything into build/
#   make run          run the default example
#   make test         every suite, ending with one "N passed, N failed" line
#   make sanitize     every suite under ASan+UBSan (clang), in build/sanitize,
#                     then the parallel-mark suite under TSan (make tsan)
#   make bench        benchmarks beside their peers: one report, with ratios
#   make clean

CC       ?= cc
BUILD    ?= build
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN     := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -I. -I$(BUILD) -MMD -MP
LDLIBS   := -lm -pthread
RE2C     ?= re2c

# The suites `make test` runs, in order; each folder appends its own and
# defines a phony target test-NAME that prints "N passed, N failed" last.
SUITES :=
BENCHES :=
# Everything `make` builds.
ALL :=

.PHONY: all run test check sanitize bench clean deps deps-build deps-bench
.DEFAULT_GOAL := all

include alloc/build.mk
include lang/build.mk
include vm/build.mk
include stdlib/build.mk
include tests/build.mk

all: $(ALL)

# What `make run` runs: the VM's default example once it exists.
RUN_PREREQ ?=
RUN_CMD ?= @echo "nothing to run yet"
run: deps
	@$(MAKE) --no-print-directory $(RUN_PREREQ)
	$(RUN_CMD)

# Benchmarks: each folder appends NAME and defines bench-NAME; `bench` runs
# them all and prints one report (tests/bench/all.sh, tests/bench/build.mk).
bench: deps-bench all
	@$(BENCH_ALL) $(BENCHES)

deps:
	@tools/deps.sh test
deps-build:
	@tools/deps.sh build
deps-bench:
	@tools/deps.sh bench

# check runs the suites against whatever BUILD/CC/EXTRA_CFLAGS say;
# test and sanitize pick those and install what is missing first.
check: all
	@tests/run.sh $(SUITES)

test: deps
	@$(MAKE) --no-print-directory check

sanitize: deps
	@$(MAKE) --no-print-directory check CC=clang BUILD=build/sanitize OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined"
	@$(MAKE) --no-print-directory tsan

clean:
	rm -rf build

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
