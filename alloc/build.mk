# alloc/: the allocator and collector, built as $(BUILD)/liballoc.a.
ALLOC_SRC := $(filter-out alloc/mksizeclasses.c,$(wildcard alloc/*.c))
ALLOC_OBJ := $(ALLOC_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/liballoc.a

$(BUILD)/liballoc.a: $(ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# --- size classes (branch sizeclasses): the generator, its tests, `make sizeclasses`.
# mksizeclasses is a host tool; ALLOC_SRC above leaves it out of liballoc.a.
ALL += $(BUILD)/mksizeclasses
SUITES += sizeclasses
.PHONY: sizeclasses test-sizeclasses

$(BUILD)/mksizeclasses: $(BUILD)/alloc/mksizeclasses.o
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Regenerates the checked-in tables in place.
sizeclasses: $(BUILD)/mksizeclasses
	$(BUILD)/mksizeclasses -c alloc/sizeclasses.c

# (tests/build.mk, which defines UNIT_MAIN, is read after this file, so the
# prerequisite names unit.o itself.)
$(BUILD)/tests/unit/test_sizeclasses: $(BUILD)/tests/unit/test_sizeclasses.o \
    $(BUILD)/alloc/sizeclasses.o $(BUILD)/tests/unit/unit.o
	$(CC) $(LDFLAGS) $^ -o $@ $(CUNIT_LIBS) $(LDLIBS)

# Regenerates into $(BUILD) and lets the CUnit suite compare that with the
# checked-in file and the printed table with Go's, beside the table tests.
test-sizeclasses: $(BUILD)/mksizeclasses $(BUILD)/tests/unit/test_sizeclasses
	@mkdir -p $(BUILD)/sizeclasses
	$(BUILD)/mksizeclasses > $(BUILD)/sizeclasses/table.txt
	$(BUILD)/mksizeclasses -c $(BUILD)/sizeclasses/sizeclasses.c
	SIZECLASSES_TABLE=$(BUILD)/sizeclasses/table.txt \
	SIZECLASSES_GENERATED=$(BUILD)/sizeclasses/sizeclasses.c \
	SIZECLASSES_CHECKED_IN=alloc/sizeclasses.c \
	  $(BUILD)/tests/unit/test_sizeclasses
