# tests/reliability.mk: reliability targets (included by tests/build.mk).
#   make valgrind     CUnit suites and sample .toy programs under memcheck
#   make fuzz-run     libFuzzer: source -> check -> compile -> run (gcstress)
#   make fuzz-alloc   libFuzzer: alloc API calls checked against a model
#   make modes        the .toy suite under each debug mode, diffed, timed
#   test-toy-precision, test-toy-limits  (in `make test`)
# FUZZ_DIR, FUZZ_FLAGS and FUZZ_TIME come from lang/build.mk (read first).

# ---- fuzz targets: every source compiled with the fuzzer's flags, one
# object per file under $(FUZZ_DIR)/obj so make builds them in parallel.
FUZZ_OBJ_DIR := $(FUZZ_DIR)/obj
FUZZ_CC := clang $(WARN) $(FUZZ_FLAGS) -I. -I$(BUILD)
$(FUZZ_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -MMD -MP -c $< -o $@
RUN_FUZZ_SRC := $(LANG_SRC) $(BUILD)/lang/lexer.c $(VM_SRC) $(STDLIB_SRC) $(ALLOC_SRC) \
  tests/fuzz/run_fuzz.c
ALLOC_FUZZ_SRC := $(ALLOC_SRC) tests/fuzz/alloc_fuzz.c
$(FUZZ_DIR)/run_fuzz: $(RUN_FUZZ_SRC:%.c=$(FUZZ_OBJ_DIR)/%.o)
	clang $(FUZZ_FLAGS) -Wl,--wrap=gc_mallocgc -Wl,--wrap=gc_malloc_site $^ -o $@ -lm
# The model checker is not what is fuzzed: no comparison tracing in it
# (it walks every word of the heap after each collection).
$(FUZZ_OBJ_DIR)/tests/fuzz/alloc_fuzz.o: FUZZ_CC += -fno-sanitize-coverage=trace-cmp
$(FUZZ_DIR)/alloc_fuzz: $(ALLOC_FUZZ_SRC:%.c=$(FUZZ_OBJ_DIR)/%.o)
	clang $(FUZZ_FLAGS) $^ -o $@ -lm

.PHONY: fuzz-run fuzz-alloc fuzz-run-seeds fuzz-build
fuzz-build: $(FUZZ_DIR)/run_fuzz $(FUZZ_DIR)/alloc_fuzz
# Refresh the run corpus's seeds from the examples, every tests/toy program
# and gen_limits.lua's programs at and past the fixed-width limits.
fuzz-run-seeds:
	rm -f tests/fuzz/corpus/run/*.toy
	mkdir -p tests/fuzz/corpus/run
	for f in examples/*.toy; do cp $$f tests/fuzz/corpus/run/ex_$${f##*/}; done
	for f in $$(find tests/toy -name '*.toy' | sort); do \
	  d=$${f#tests/toy/}; cp $$f tests/fuzz/corpus/run/$$(echo $$d | tr / _); done
	lua5.4 tests/toy/limits/gen_limits.lua tests/fuzz/corpus/run --seeds
	rm -f tests/fuzz/corpus/run/hostile_print_dag.toy # 16 MiB of text per run
fuzz-run: $(FUZZ_DIR)/run_fuzz
	@mkdir -p $(FUZZ_DIR)/corpus-run
	$< -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -timeout=10 -dict=tests/fuzz/lang.dict \
	  -artifact_prefix=$(FUZZ_DIR)/run- $(FUZZ_DIR)/corpus-run tests/fuzz/corpus/run
fuzz-alloc: $(FUZZ_DIR)/alloc_fuzz
	@mkdir -p $(FUZZ_DIR)/corpus-alloc
	$< -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -timeout=10 -max_len=512 \
	  -artifact_prefix=$(FUZZ_DIR)/alloc- $(FUZZ_DIR)/corpus-alloc tests/fuzz/corpus/alloc

# ---- precision and hostile-input limits (in `make test`) --------------
#   toy-precision           tests/toy/precision: a dead local, a popped
#                           frame, an overwritten field, a dropped closure
#                           free exactly their objects at the next gc()
#   toy-precision-gcstress  the same collecting at every allocation
#   toy-limits              tests/toy/limits (deep recursion, impossible
#                           make lengths) and the nesting cases that
#                           gen_nesting.lua writes into $(BUILD) (100 and
#                           100,000 levels of each construct), and the
#                           fixed-width fields' cases of gen_limits.lua
#                           (at each limit and one past it)
#   toy-hostile             tests/toy/hostile/run.sh: the toy command
#                           writing to a full device, given a directory
#                           or an unwritable profile, a byte-order mark
TOY_PRECISION_TESTS := $(wildcard tests/toy/precision/*.toy)
TOY_LIMITS_TESTS := $(wildcard tests/toy/limits/*.toy)
TOY_NESTING_DIR := $(BUILD)/tests/toy/limits
SUITES += toy-precision toy-precision-gcstress toy-limits toy-hostile
.PHONY: test-toy-precision test-toy-precision-gcstress test-toy-limits test-toy-hostile
test-toy-precision: $(BUILD)/toy
	lua5.4 tests/toy/run.lua --name toy-precision --cmd "$(BUILD)/toy run" $(TOY_PRECISION_TESTS)
test-toy-precision-gcstress: $(BUILD)/toy
	TOYDEBUG=gcstress=1,gccheckmark=1 lua5.4 tests/toy/run.lua --name toy-precision-gcstress \
	  --cmd "$(BUILD)/toy run" $(TOY_PRECISION_TESTS)
test-toy-limits: $(BUILD)/toy tests/toy/limits/gen_nesting.lua tests/toy/limits/gen_limits.lua
	@rm -rf $(TOY_NESTING_DIR) && mkdir -p $(TOY_NESTING_DIR)
	lua5.4 tests/toy/limits/gen_nesting.lua $(TOY_NESTING_DIR)
	lua5.4 tests/toy/limits/gen_limits.lua $(TOY_NESTING_DIR)
	lua5.4 tests/toy/run.lua --name toy-limits --cmd "$(BUILD)/toy run" \
	  $(TOY_LIMITS_TESTS) $(TOY_NESTING_DIR)/*.toy

# ---- valgrind and the mode matrix (separate targets, not in `make test`)
VALGRIND_BINS := $(BUILD)/toy $(BUILD)/mksizeclasses $(BUILD)/tests/test-alloc $(BUILD)/tests/test-gc $(BUILD)/tests/test-parmark \
  $(LANG_TESTS) $(BUILD)/tests/test_compile $(BUILD)/tests/test_vm $(BUILD)/tests/test_stdlib \
  $(BUILD)/tests/unit/test_sizeclasses
.PHONY: valgrind modes
valgrind: $(VALGRIND_BINS)
	@tools/valgrind.sh $(BUILD)
SANITIZE_FLAGS := CC=clang BUILD=build/sanitize OPT=-O1 \
  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  LDFLAGS="-fsanitize=address,undefined"
modes: $(BUILD)/toy
	@$(MAKE) -s --no-print-directory $(SANITIZE_FLAGS) build/sanitize/toy
	@tools/modes.sh $(BUILD) build/sanitize
# (Under sanitizers the address-space check is skipped: ASan reserves
# terabytes of shadow memory.)
test-toy-hostile: $(BUILD)/toy
	$(if $(findstring sanitize,$(LDFLAGS)),TOY_SANITIZE=1) tests/toy/hostile/run.sh $(BUILD)/toy
