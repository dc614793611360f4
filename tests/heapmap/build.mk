# tests/heapmap: the heapmap suite, TOYDEBUG=heapmap=DIR end to end
# (alloc/heapmap.c): a C driver on alloc's API prints the span counts each
# picture must show, a toy program runs with the map on, and headless
# Chromium renders the pages (skipped, with a message, without chromium).
SUITES += heapmap
.PHONY: test-heapmap

$(BUILD)/tests/heapmap-driver: $(BUILD)/tests/heapmap/driver.o $(BUILD)/liballoc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The driver runs under valgrind too (no leak, no memory error), except
# under sanitizers, which valgrind cannot run and which check the same.
HEAPMAP_VALGRIND := $(if $(findstring sanitize,$(LDFLAGS)),,valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99)

test-heapmap: $(BUILD)/tests/heapmap-driver $(BUILD)/toy
	VALGRIND="$(HEAPMAP_VALGRIND)" tests/heapmap/run.sh $(BUILD)
