# lang/: lexer (re2c), parser, checker, as $(BUILD)/liblang.a, and the
# `toycheck FILE` front door. lexer.re is compiled by re2c into
# $(BUILD)/lang/lexer.c (never into the source tree).
LANG_SRC := $(filter-out lang/check_main.c,$(wildcard lang/*.c))
LANG_OBJ := $(LANG_SRC:%.c=$(BUILD)/%.o) $(BUILD)/lang/lexer.o
# The compiler (lang_compile) needs vm/ and stdlib's bodies: only the toy
# command and the compiler's tests link it, never the front-end-only tools.
LANG_COMPILE_SRC := lang/compile.c lang/liveness.c
RE2C_FLAGS := -W --no-generation-date --no-version
ALL += $(BUILD)/liblang.a $(BUILD)/toycheck

$(BUILD)/lang/lexer.c: lang/lexer.re
	@mkdir -p $(dir $@)
	$(RE2C) $(RE2C_FLAGS) $< -o $@

$(BUILD)/lang/lexer.o: $(BUILD)/lang/lexer.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/liblang.a: $(LANG_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/toycheck: $(BUILD)/lang/check_main.o $(BUILD)/liblang.a $(BUILD)/libstdlib.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Unit suites: lexer, parser, checker.
SUITES += lexer parser checker toy-errors toy-check toy-valgrind
LANG_TEST_LIBS = $(BUILD)/liblang.a $(BUILD)/libstdlib.a

# (tests/build.mk, which defines UNIT_MAIN, is read after this file.)
LANG_TESTS := $(BUILD)/tests/unit/test_lexer $(BUILD)/tests/unit/test_parser \
  $(BUILD)/tests/unit/test_check
$(LANG_TESTS): $(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/tests/unit/unit.o $(LANG_TEST_LIBS)
	$(CC) $(LDFLAGS) $^ -o $@ -lcunit $(LDLIBS)

.PHONY: test-lexer test-parser test-checker test-toy-errors test-toy-check test-toy-valgrind fuzz-lang fuzz-lang-seeds fuzz-lang-cov
test-lexer: $(BUILD)/tests/unit/test_lexer
	$<
test-parser: $(BUILD)/tests/unit/test_parser
	$<
test-checker: $(BUILD)/tests/unit/test_check
	$<

# .toy programs: tests/toy/run.lua runs a command on each file and compares
# its diagnostics, output and status with the file's `// expect` comments.
test-toy-errors: $(BUILD)/toycheck
	lua5.4 tests/toy/run.lua --name toy-errors --cmd $(BUILD)/toycheck tests/toy/errors/*.toy
test-toy-check: $(BUILD)/toycheck
	lua5.4 tests/toy/run.lua --name toy-check --cmd $(BUILD)/toycheck tests/toy/check/*.toy
# The same programs under valgrind: any leak or memory error changes the
# status or adds stderr lines. Valgrind cannot run ASan binaries, so the
# suite is skipped under `make sanitize` (which checks the same with LSan).
VALGRIND := valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99
test-toy-valgrind: $(BUILD)/toycheck
ifneq (,$(findstring sanitize,$(LDFLAGS)))
	@echo "toy-valgrind: skipped under sanitizers"; echo "toy-valgrind: 0 passed, 0 failed"
else
	lua5.4 tests/toy/run.lua --name toy-valgrind --cmd "$(VALGRIND) $(BUILD)/toycheck" \
	  tests/toy/check/*.toy $(wildcard tests/toy/errors/s*.toy tests/toy/errors/n*.toy)
endif

# libFuzzer over lexer + parser + checker (clang only; its own objects).
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRC := $(filter-out $(LANG_COMPILE_SRC),$(LANG_SRC)) $(BUILD)/lang/lexer.c stdlib/builtins.c tests/fuzz/lang_fuzz.c
FUZZ_TIME ?= 600
$(FUZZ_DIR)/lang_fuzz: $(FUZZ_SRC) $(wildcard lang/*.h) stdlib/stdlib.h
	@mkdir -p $(dir $@)
	clang $(WARN) $(FUZZ_FLAGS) -I. -I$(BUILD) $(FUZZ_SRC) -o $@ -lm
# Refresh the seed corpus from the .toy programs of tests/toy.
fuzz-lang-seeds:
	rm -f tests/fuzz/corpus/lang/*.toy
	for f in tests/toy/check/*.toy; do cp $$f tests/fuzz/corpus/lang/check_$${f##*/}; done
	for f in tests/toy/errors/*.toy; do cp $$f tests/fuzz/corpus/lang/err_$${f##*/}; done
	lua5.4 tests/toy/limits/gen_limits.lua tests/fuzz/corpus/lang --seeds
# Line coverage of lang/ over the fuzzing corpus (clang source coverage).
$(FUZZ_DIR)/lang_cov: $(FUZZ_SRC) $(wildcard lang/*.h) stdlib/stdlib.h
	@mkdir -p $(dir $@)
	clang $(WARN) -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	  -I. -I$(BUILD) $(FUZZ_SRC) -o $@ -lm
fuzz-lang-cov: $(FUZZ_DIR)/lang_cov
	LLVM_PROFILE_FILE=$(FUZZ_DIR)/lang.profraw $< -runs=0 $(FUZZ_DIR)/corpus tests/fuzz/corpus/lang >/dev/null 2>&1
	llvm-profdata merge -sparse $(FUZZ_DIR)/lang.profraw -o $(FUZZ_DIR)/lang.profdata
	llvm-cov report $< -instr-profile=$(FUZZ_DIR)/lang.profdata $(LANG_SRC) $(BUILD)/lang/lexer.c
fuzz-lang: $(FUZZ_DIR)/lang_fuzz
	@mkdir -p $(FUZZ_DIR)/corpus
	$< -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -timeout=10 -dict=tests/fuzz/lang.dict \
	  -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus tests/fuzz/corpus/lang

# ---- The compiler's suites (lang/compile.c, lang/liveness.c) ----------
#   toy-cli            tests/toy/run/cli.lua: run/check/disasm statuses,
#                      --help, --version, stack maps in disasm
#   toy-run            tests/toy/run/**.toy under `toy run`, one program per
#                      statement and expression form, runtime errors too
#   toy-run-gcstress   the same with a collection at every allocation and
#                      the mark checked: output must not change
#   toy-run-valgrind   the same under valgrind: no leak, no memory error
#   examples           examples/*.toy at their default (small) sizes
#   examples-gcstress  the same under gcstress, but for gc_graph: it is the
#                      collector's own demo, and collecting a 50000-vertex
#                      graph at each of its 150000 allocations takes many
#                      minutes (it runs in `examples`)
#   toy-gc, toy-gc-gcstress  tests/toy/gc/*.toy, the same judged by the
#                      program itself through gc() and gc_stats()
#   toy-barrier, toy-barrier-stress  tests/toy/barrier/*.toy: one program
#                      per write-barrier site (struct field, array element,
#                      global, cell, captured cell, push and its growth
#                      copy, pop, keys, split, a function's closure, map
#                      set, delete and growth), each overwriting the only
#                      heap reference to a value it still holds while it
#                      allocates. TOY_BARRIER_STRESS (default: TOY_CONCSTRESS)
#                      names the stress run's TOYDEBUG keys; under it a
#                      missing barrier is a checkmark failure
#                      (`make barrier-ablation` shows each)
#   toy-concstress     every .toy suite's programs (run, gc, barrier, stdlib,
#                      precision, movestack, the examples) under the concurrent
#                      collector's fine stress switch with every mark checked
#                      (TOY_CONCSTRESS): a cycle from every allocation, the
#                      host marking a few objects at each allocation and
#                      poll, so marks overlap the programs' stores; output
#                      must not change
#   toy-thread, toy-thread-gcstress, toy-thread-concstress
#                      tests/toy/thread/*.toy: go, channels, deadlock and the
#                      threads' runtime errors; the same collecting at every
#                      allocation with the mark checked, and under the
#                      concurrent collector's stress switch (the mark
#                      interleaved with every store); `make tsan` runs them
#                      on a ThreadSanitizer build of toy
#   compile-gc         tests/unit/test_compile.c: dead registers free their
#                      objects, live ones (across calls, in temporaries,
#                      through cells) keep them, judged by the collector
TOY_STRESS := TOYDEBUG=gcstress=1,gccheckmark=1
TOY_RUN_TESTS := $(wildcard tests/toy/run/*/*.toy)
TOY_GC_TESTS := $(wildcard tests/toy/gc/*.toy)
TOY_BARRIER_TESTS := $(wildcard tests/toy/barrier/*.toy)
TOY_CONCSTRESS := TOYDEBUG=gcconcurrentstress=2,gccheckmark=1
TOY_BARRIER_STRESS ?= $(TOY_CONCSTRESS)
TOY_THREAD_TESTS := $(wildcard tests/toy/thread/*.toy)
# Threads run under the switch's first level, whose background workers mark
# beside every running thread (the second level marks only at the hosts').
TOY_CONC_STRESS := TOYDEBUG=gcconcurrentstress=1,gccheckmark=1
TOY_EXAMPLES := $(wildcard examples/*.toy)
TOY_EXAMPLES_STRESS := $(filter-out examples/gc_graph.toy,$(TOY_EXAMPLES))
SUITES += toy-cli toy-run toy-run-gcstress toy-run-valgrind examples examples-gcstress toy-gc \
    toy-gc-gcstress toy-barrier toy-barrier-stress toy-concstress compile-gc \
    toy-thread toy-thread-gcstress toy-thread-concstress
.PHONY: test-toy-cli test-toy-run test-toy-run-gcstress test-toy-run-valgrind test-examples \
    test-examples-gcstress test-toy-gc test-toy-gc-gcstress test-toy-barrier \
    test-toy-barrier-stress test-toy-concstress test-compile-gc barrier-ablation \
    test-toy-thread test-toy-thread-gcstress test-toy-thread-concstress
test-toy-cli: $(BUILD)/toy
	lua5.4 tests/toy/run/cli.lua $(BUILD)/toy
test-toy-run: $(BUILD)/toy
	lua5.4 tests/toy/run.lua --name toy-run --cmd "$(BUILD)/toy run" $(TOY_RUN_TESTS)
test-toy-run-gcstress: $(BUILD)/toy
	$(TOY_STRESS) lua5.4 tests/toy/run.lua --name toy-run-gcstress --cmd "$(BUILD)/toy run" $(TOY_RUN_TESTS)
# No leak and no memory error at exit, whatever the program did (valgrind
# cannot run ASan binaries: skipped under `make sanitize`, where LSan checks).
test-toy-run-valgrind: $(BUILD)/toy
ifneq (,$(findstring sanitize,$(LDFLAGS)))
	@echo "toy-run-valgrind: skipped under sanitizers"; echo "toy-run-valgrind: 0 passed, 0 failed"
else
	lua5.4 tests/toy/run.lua --name toy-run-valgrind --cmd "$(VALGRIND) $(BUILD)/toy run" $(TOY_RUN_TESTS)
endif

# The examples and tests/toy/gc call built-ins whose bodies come from the
# stdlib branch (args, parse_int, gc, gc_stats...). Until a probe calling
# some of them runs, these suites report 0 tests and say why.
TOY_BODIES_PROBE := $(BUILD)/tests/toy_bodies_probe.toy
$(TOY_BODIES_PROBE):
	@mkdir -p $(dir $@)
	printf 'fn main() {\n    gc()\n    print("probe", parse_int("1") + len(args()) + gc_stats().num_gc / gc_stats().num_gc)\n}\n' > $@
# $(call TOY_RUN_WITH_BODIES,env,suite,files)
define TOY_RUN_WITH_BODIES
	@if [ "$$($(BUILD)/toy run $(TOY_BODIES_PROBE) 2>/dev/null)" = "probe 2" ]; then \
	  $(1) lua5.4 tests/toy/run.lua --name $(2) --cmd "$(BUILD)/toy run" $(3); \
	else \
	  echo "$(2): skipped: the built-ins' bodies (stdlib branch) are not in this build"; \
	  echo "$(2): 0 passed, 0 failed"; \
	fi
endef
test-examples: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,,examples,$(TOY_EXAMPLES))
test-examples-gcstress: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,$(TOY_STRESS),examples-gcstress,$(TOY_EXAMPLES_STRESS))
test-toy-gc: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,,toy-gc,$(TOY_GC_TESTS))
test-toy-gc-gcstress: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,$(TOY_STRESS),toy-gc-gcstress,$(TOY_GC_TESTS))
test-toy-barrier: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,,toy-barrier,$(TOY_BARRIER_TESTS))
test-toy-barrier-stress: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,$(TOY_BARRIER_STRESS),toy-barrier-stress,$(TOY_BARRIER_TESTS))
test-toy-concstress: $(BUILD)/toy $(TOY_BODIES_PROBE)
	$(call TOY_RUN_WITH_BODIES,$(TOY_CONCSTRESS),toy-concstress,$(TOY_RUN_TESTS) $(TOY_GC_TESTS) \
	    $(TOY_BARRIER_TESTS) $(sort $(wildcard tests/toy/stdlib/*.toy tests/toy/precision/*.toy \
	    tests/toy/movestack/*.toy)) $(TOY_EXAMPLES))
# Outside `make test`: each barrier site removed in a copy of the tree, its
# program run under TOY_CONCSTRESS (tests/toy/barrier/ablate.sh).
barrier-ablation:
	tests/toy/barrier/ablate.sh

test-toy-thread: $(BUILD)/toy
	lua5.4 tests/toy/run.lua --name toy-thread --cmd "$(BUILD)/toy run" $(TOY_THREAD_TESTS)
test-toy-thread-gcstress: $(BUILD)/toy
	$(TOY_STRESS) lua5.4 tests/toy/run.lua --name toy-thread-gcstress --cmd "$(BUILD)/toy run" $(TOY_THREAD_TESTS)
test-toy-thread-concstress: $(BUILD)/toy
	$(TOY_CONC_STRESS) lua5.4 tests/toy/run.lua --name toy-thread-concstress --cmd "$(BUILD)/toy run" $(TOY_THREAD_TESTS)

$(BUILD)/tests/test_compile: $(BUILD)/tests/unit/test_compile.o $(BUILD)/tests/unit/unit.o \
    $(BUILD)/liblang.a $(BUILD)/libstdlib.a $(BUILD)/libvm.a $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LDLIBS)
test-compile-gc: $(BUILD)/tests/test_compile
	$<
