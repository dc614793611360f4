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
