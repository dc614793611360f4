# vm/: the interpreter and the toy command.
#   $(BUILD)/libvm.a    the VM (computed-goto dispatch under GCC/Clang)
#   test-vm             tests/unit/test_vm*.c on that build
#   test-vm-switch      the same tests on the switch-dispatch interpreter
VM_SRC := $(filter-out vm/main.c,$(wildcard vm/*.c))
VM_OBJ := $(VM_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/libvm.a

$(BUILD)/libvm.a: $(VM_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# GCC merges the computed-goto dispatch jumps (one shared indirect jump
# predicts badly) unless told not to; clang keeps them apart by itself.
VM_INTERP_CFLAGS := $(shell $(CC) --version 2>/dev/null | grep -q 'Free Software' && echo -fno-gcse -fno-crossjumping)
$(BUILD)/vm/interp.o $(BUILD)/vm-switch/interp.o: ALL_CFLAGS += $(VM_INTERP_CFLAGS)

# The toy command. The front end and the compiler land separately: main.c
# is told what exists, so the command builds at every stage.
TOY_DEFS :=
TOY_LIBS :=
ifneq ($(wildcard lang/lang.h),)
TOY_DEFS += -DTOY_HAVE_LANG=1
TOY_LIBS += $(BUILD)/liblang.a
ifneq ($(wildcard lang/compile.c),)
TOY_DEFS += -DTOY_HAVE_COMPILER=1
# `make run`: the default example on the toy command. alloc/build.mk is
# read first and sets its demo with ?=, so plain = here takes over.
RUN_PREREQ = $(BUILD)/toy
RUN_CMD = $(BUILD)/toy run examples/binary_trees.toy
endif
endif
ifneq ($(wildcard stdlib/*.c),)
TOY_LIBS += $(BUILD)/libstdlib.a
endif
ALL += $(BUILD)/toy
$(BUILD)/vm/main.o: ALL_CFLAGS += $(TOY_DEFS)
$(BUILD)/toy: $(BUILD)/vm/main.o $(TOY_LIBS) $(BUILD)/libvm.a $(BUILD)/liballoc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The switch-dispatch variant of the interpreter loop.
$(BUILD)/vm-switch/interp.o: vm/interp.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DVM_SWITCH_DISPATCH -c $< -o $@
VM_OBJ_SWITCH := $(filter-out $(BUILD)/vm/interp.o,$(VM_OBJ)) $(BUILD)/vm-switch/interp.o

VM_HEAP := $(BUILD)/liballoc.a

# tests/build.mk (which defines UNIT_MAIN) is read after this file, and
# prerequisites expand at once, so name the shared main directly.
VM_UNIT_MAIN := $(BUILD)/tests/unit/unit.o
VM_TEST_SRC := $(wildcard tests/unit/test_vm*.c)
VM_TEST_OBJ := $(VM_TEST_SRC:%.c=$(BUILD)/%.o)

$(BUILD)/tests/test_vm: $(VM_TEST_OBJ) $(BUILD)/libvm.a $(VM_HEAP) $(VM_UNIT_MAIN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(VM_TEST_OBJ) $(BUILD)/libvm.a $(VM_HEAP) $(VM_UNIT_MAIN) $(CUNIT_LIBS) $(LDLIBS)

$(BUILD)/tests/test_vm_switch: $(VM_TEST_OBJ) $(VM_OBJ_SWITCH) $(VM_HEAP) $(VM_UNIT_MAIN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(VM_TEST_OBJ) $(VM_OBJ_SWITCH) $(VM_HEAP) $(VM_UNIT_MAIN) $(CUNIT_LIBS) $(LDLIBS)

SUITES += vm vm-switch
.PHONY: test-vm test-vm-switch
test-vm: $(BUILD)/tests/test_vm
	$(BUILD)/tests/test_vm
test-vm-switch: $(BUILD)/tests/test_vm_switch
	$(BUILD)/tests/test_vm_switch

# bench-vm: hand-assembled fib and binary-trees against lua5.4.
#   VM_BENCH_ARGS = reps fib-n trees-depth
VM_BENCH_ARGS ?= 3 32 16
BENCHES += vm
$(BUILD)/bench/vmbench: $(BUILD)/vm/bench/vmbench.o $(BUILD)/libvm.a $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
.PHONY: bench-vm
bench-vm: $(BUILD)/bench/vmbench
	$(BUILD)/bench/vmbench $(VM_BENCH_ARGS)

# toy-movestack: every .toy program that runs (tests/toy/run, stdlib, gc,
# movestack, thread, the examples but gc_graph, as examples-gcstress) under
# TOYDEBUG=movestack=1,gcstress=1: the value stack moves at every call
# and the heap is collected at every allocation, with the same output.
# The variables are the other folders' (expanded when the recipe runs).
TOY_MOVESTACK_ENV := TOYDEBUG=movestack=1,gcstress=1
SUITES += toy-movestack
.PHONY: test-toy-movestack
test-toy-movestack: $(BUILD)/toy
	$(TOY_MOVESTACK_ENV) lua5.4 tests/toy/run.lua --name toy-movestack --cmd "$(BUILD)/toy run" \
	    $(TOY_RUN_TESTS) $(STDLIB_TOY) $(TOY_GC_TESTS) $(wildcard tests/toy/movestack/*.toy) $(TOY_EXAMPLES_STRESS) \
	    $(TOY_THREAD_TESTS)
