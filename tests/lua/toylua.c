/*
 * toylua.c: a small lua.c-like host (build/toylua) that embeds Lua 5.4 with
 * the `toy` module preloaded, so `require "toy"` needs no toy.so. The Lua
 * suite runs on it: built with the rest under `make sanitize`, ASan sees
 * the module and alloc without LD_PRELOAD tricks on the system lua5.4.
 * Usage: toylua SCRIPT [ARGS...]; the script sees them in `arg` as lua.c
 * arranges them (arg[0] the script, arg[1]... the arguments).
 */
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_toy(lua_State *L);

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRIPT [ARGS...]\n", argv[0]);
        return 2;
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "%s: cannot create a Lua state\n", argv[0]);
        return 2;
    }
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_toy);
    lua_setfield(L, -2, "toy");
    lua_pop(L, 1);
    lua_createtable(L, argc - 2, 2);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, traceback);
    int status = luaL_loadfile(L, argv[1]);
    if (status == LUA_OK) {
        for (int i = 2; i < argc; i++)
            lua_pushstring(L, argv[i]);
        status = lua_pcall(L, argc - 2, 0, 1);
    }
    if (status != LUA_OK)
        fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
    lua_close(L); /* runs every __gc: heaps go back to the OS */
    return status == LUA_OK ? 0 : 1;
}
