/*
 * ltoy.h: what the two halves of the Lua module `toy` share: ltoy.c (alloc:
 * heaps, objects, handles) opens the module and calls ltoy_open_run, from
 * lrun.c (the language: toy.check, toy.run), to add its functions to the
 * module table on the top of the stack.
 */
#ifndef TESTS_LUA_LTOY_H
#define TESTS_LUA_LTOY_H

#include <lua.h>

void ltoy_open_run(lua_State *L);

#endif
