# tests/lua/: the Lua 5.4 module `toy` ($(BUILD)/toy.so, loaded by the
# system lua5.4 with LUA_CPATH=$(BUILD)/?.so), the host $(BUILD)/toylua that
# embeds Lua with the module preloaded, and suite `lua`, the stress scripts.
# A shared object needs position-independent code, so the module and a
# copy of alloc (and of lang, vm and stdlib, for toy.check and toy.run)
# are built under $(BUILD)/pic/ with -fPIC; the plain libraries stay as
# their folders make them. The front end and the compiler land
# separately: TOY_DEFS (vm/build.mk, read before this file) says which
# exist, and lrun.c builds either way.
LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
PIC_ALLOC_OBJ := $(ALLOC_SRC:%.c=$(BUILD)/pic/%.o)
PIC_LIBALLOC := $(BUILD)/pic/liballoc.a
LTOY_OBJ := $(BUILD)/pic/tests/lua/ltoy.o $(BUILD)/pic/tests/lua/lrun.o $(BUILD)/pic/tests/threads/tstress.o
# The language libraries, in link order (each needs the ones after it).
PIC_LANG_LIBS :=
ifneq ($(wildcard lang/lang.h),)
PIC_LANG_LIBS += $(BUILD)/pic/liblang.a
endif
ifneq ($(wildcard stdlib/*.c),)
PIC_LANG_LIBS += $(BUILD)/pic/libstdlib.a
endif
PIC_LANG_LIBS += $(BUILD)/pic/libvm.a
$(BUILD)/pic/tests/lua/lrun.o: ALL_CFLAGS += $(TOY_DEFS)
$(BUILD)/pic/vm/interp.o: ALL_CFLAGS += $(VM_INTERP_CFLAGS)
$(BUILD)/pic/lang/lexer.o: $(BUILD)/lang/lexer.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@
$(BUILD)/pic/liblang.a: $(LANG_SRC:%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/lang/lexer.o
$(BUILD)/pic/libstdlib.a: $(STDLIB_SRC:%.c=$(BUILD)/pic/%.o)
$(BUILD)/pic/libvm.a: $(VM_SRC:%.c=$(BUILD)/pic/%.o)
$(BUILD)/pic/liblang.a $(BUILD)/pic/libstdlib.a $(BUILD)/pic/libvm.a:
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
TOY_SO := $(BUILD)/toy.so
TOYLUA := $(BUILD)/toylua
LUA_TESTS := $(filter-out tests/lua/check.lua,$(sort $(wildcard tests/lua/*.lua)))
ALL += $(TOY_SO) $(TOYLUA)
SUITES += lua

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC $(LUA_CFLAGS) -c $< -o $@

$(PIC_LIBALLOC): $(PIC_ALLOC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# lua_* symbols come from the lua5.4 that loads the module.
$(TOY_SO): $(LTOY_OBJ) $(PIC_LANG_LIBS) $(PIC_LIBALLOC)
	$(CC) $(LDFLAGS) -shared -o $@ $(LTOY_OBJ) $(PIC_LANG_LIBS) $(PIC_LIBALLOC) $(LDLIBS)

$(TOYLUA): $(BUILD)/pic/tests/lua/toylua.o $(LTOY_OBJ) $(PIC_LANG_LIBS) $(PIC_LIBALLOC)
	$(CC) $(LDFLAGS) -o $@ $^ $(LUA_LIBS) $(LDLIBS)

# Every script runs on toylua; outside sanitizer builds they also run on
# the system lua5.4 through toy.so (an ASan-built toy.so cannot be loaded
# into an uninstrumented lua5.4).
# TOY_SANITIZE tells leak.lua that RSS means nothing (ASan's quarantine).
LUA_HOSTS := $(TOYLUA)
LUA_TEST_ENV :=
ifeq ($(findstring -fsanitize,$(EXTRA_CFLAGS)),)
LUA_HOSTS += lua5.4
else
LUA_TEST_ENV := TOY_SANITIZE=1
endif

.PHONY: test-lua
test-lua: $(TOY_SO) $(TOYLUA)
	@$(LUA_TEST_ENV) LUA_CPATH='$(BUILD)/?.so' tests/lua/run.sh '$(LUA_HOSTS)' $(LUA_TESTS)
