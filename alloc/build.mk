# alloc/: the allocator and collector, built as $(BUILD)/liballoc.a.
ALLOC_SRC := $(filter-out alloc/mksizeclasses.c,$(wildcard alloc/*.c))
ALLOC_OBJ := $(ALLOC_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/liballoc.a

$(BUILD)/liballoc.a: $(ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# Unit suites (tests/build.mk, which defines UNIT_MAIN, is read after this
# file, so prerequisites name the shared main directly).
ALLOC_UNIT_MAIN := $(BUILD)/tests/unit/unit.o
SUITES += alloc gc
.PHONY: test-alloc test-gc

$(BUILD)/tests/test-alloc: $(BUILD)/tests/unit/test_alloc.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

$(BUILD)/tests/test-gc: $(BUILD)/tests/unit/test_gc.o $(ALLOC_UNIT_MAIN) $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(CUNIT_LIBS) $(LDLIBS)

test-alloc: $(BUILD)/tests/test-alloc
	$(BUILD)/tests/test-alloc

# The gc suite registers its tests twice: plain, and with gccheckmark and
# clobberfree on (see tests/unit/test_gc.c).
test-gc: $(BUILD)/tests/test-gc
	$(BUILD)/tests/test-gc

# A small program that allocates typed objects, collects and prints stats:
# what `make run` runs until the VM takes the target over (vm/build.mk is
# read after this file and may assign RUN_PREREQ/RUN_CMD with `=`).
ALL += $(BUILD)/alloc-demo
$(BUILD)/alloc-demo: $(BUILD)/alloc/demo/alloc_demo.o $(BUILD)/liballoc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
RUN_PREREQ ?= $(BUILD)/alloc-demo
RUN_CMD ?= $(BUILD)/alloc-demo
