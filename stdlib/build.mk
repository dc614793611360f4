# stdlib/: the built-in functions, as $(BUILD)/libstdlib.a: the checker's
# signature table (builtins.c, which links without the VM) and the C bodies
# the VM calls (vmtable.c and the rest, which need libvm and liballoc).
#   test-stdlib                 CUnit suite: every body on a real VM and heap
#   test-stdlib-gcstress        the same, collecting at every allocation
#   test-toy-stdlib             tests/toy/stdlib/*.toy run by `toy run`
#   test-toy-stdlib-gcstress    the same under TOYDEBUG=gcstress=1,gccheckmark=1
STDLIB_SRC := $(wildcard stdlib/*.c)
STDLIB_OBJ := $(STDLIB_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/libstdlib.a

$(BUILD)/libstdlib.a: $(STDLIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# tests/build.mk (which defines UNIT_MAIN) is read after this file, and
# prerequisites expand at once, so name the shared main directly. The
# binary lives in $(BUILD)/tests/, outside lang's tests/unit/test_% rule.
STDLIB_TEST_SRC := $(wildcard tests/unit/test_stdlib*.c)
STDLIB_TEST_OBJ := $(STDLIB_TEST_SRC:%.c=$(BUILD)/%.o)
STDLIB_TEST_LIBS := $(BUILD)/libstdlib.a $(BUILD)/libvm.a $(BUILD)/liballoc.a

$(BUILD)/tests/test_stdlib: $(STDLIB_TEST_OBJ) $(STDLIB_TEST_LIBS) $(BUILD)/tests/unit/unit.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(STDLIB_TEST_OBJ) $(BUILD)/tests/unit/unit.o $(STDLIB_TEST_LIBS) -lcunit $(LDLIBS)

SUITES += stdlib stdlib-gcstress toy-stdlib toy-stdlib-gcstress
# (a variable, because a comma inside $(call ...) would split arguments)
STDLIB_STRESS_ENV := TOYDEBUG=gcstress=1,gccheckmark=1
.PHONY: test-stdlib test-stdlib-gcstress test-toy-stdlib test-toy-stdlib-gcstress
test-stdlib: $(BUILD)/tests/test_stdlib
	$(BUILD)/tests/test_stdlib
test-stdlib-gcstress: $(BUILD)/tests/test_stdlib
	$(STDLIB_STRESS_ENV) $(BUILD)/tests/test_stdlib --gcstress

# The .toy programs need `toy run`, which needs the compiler (lang/
# compile.c, landing separately). Until a probe program runs and prints
# what it should, the suites report 0 tests and say why, so main passes.
STDLIB_TOY := $(sort $(wildcard tests/toy/stdlib/*.toy))
STDLIB_PROBE := $(BUILD)/tests/toy_stdlib_probe.toy
$(STDLIB_PROBE):
	@mkdir -p $(dir $@)
	printf 'fn main() {\n    print("probe", len(split("a,b", ",")))\n}\n' > $@

define STDLIB_TOY_RUN
	@if [ "$$($(BUILD)/toy run $(STDLIB_PROBE) 2>/dev/null)" = "probe 2" ]; then \
	  $(1) lua5.4 tests/toy/run.lua --name $(2) --cmd "$(BUILD)/toy run" $(STDLIB_TOY); \
	else \
	  echo "$(2): skipped: $(BUILD)/toy cannot run programs yet (no compiler)"; \
	  echo "$(2): 0 passed, 0 failed"; \
	fi
endef

test-toy-stdlib: $(BUILD)/toy $(STDLIB_PROBE)
	$(call STDLIB_TOY_RUN,,toy-stdlib)
test-toy-stdlib-gcstress: $(BUILD)/toy $(STDLIB_PROBE)
	$(call STDLIB_TOY_RUN,$(STDLIB_STRESS_ENV),toy-stdlib-gcstress)
