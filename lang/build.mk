# lang/: lexer (re2c), parser, checker, as $(BUILD)/liblang.a, and the
# `toycheck FILE` front door. lexer.re is compiled by re2c into
# $(BUILD)/lang/lexer.c (never into the source tree).
LANG_SRC := $(filter-out lang/check_main.c,$(wildcard lang/*.c))
LANG_OBJ := $(LANG_SRC:%.c=$(BUILD)/%.o) $(BUILD)/lang/lexer.o
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
SUITES += lexer parser checker toy-errors toy-check
LANG_TEST_LIBS = $(BUILD)/liblang.a $(BUILD)/libstdlib.a

# (tests/build.mk, which defines UNIT_MAIN, is read after this file.)
$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/tests/unit/unit.o $(LANG_TEST_LIBS)
	$(CC) $(LDFLAGS) $^ -o $@ -lcunit $(LDLIBS)

.PHONY: test-lexer test-parser test-checker test-toy-errors test-toy-check fuzz-lang
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

# libFuzzer over lexer + parser + checker (clang only; its own objects).
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRC := $(LANG_SRC) $(BUILD)/lang/lexer.c stdlib/builtins.c tests/fuzz/lang_fuzz.c
FUZZ_TIME ?= 600
$(FUZZ_DIR)/lang_fuzz: $(FUZZ_SRC) $(wildcard lang/*.h) stdlib/stdlib.h
	@mkdir -p $(dir $@)
	clang $(WARN) $(FUZZ_FLAGS) -I. -I$(BUILD) $(FUZZ_SRC) -o $@ -lm
fuzz-lang: $(FUZZ_DIR)/lang_fuzz
	@mkdir -p $(FUZZ_DIR)/corpus
	$< -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -timeout=10 -dict=tests/fuzz/lang.dict \
	  -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus tests/fuzz/corpus/lang
