# stdlib/: the built-in functions (their signature table for the checker
# now; their C bodies later), as $(BUILD)/libstdlib.a.
STDLIB_SRC := $(wildcard stdlib/*.c)
STDLIB_OBJ := $(STDLIB_SRC:%.c=$(BUILD)/%.o)
ALL += $(BUILD)/libstdlib.a

$(BUILD)/libstdlib.a: $(STDLIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
