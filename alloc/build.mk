# alloc/: the allocator and collector, built as $(BUILD)/liballoc.a.
ALLOC_SRC := $(filter-out alloc/mksizeclasses.c,$(wildcard alloc/*.c))
ALLOC_OBJ := $(ALLOC_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/liballoc.a

$(BUILD)/liballoc.a: $(ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
