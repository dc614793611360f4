/*
 * ltoy.h: what the two halves of the Lua module `toy` share: ltoy.c (alloc:
 * heaps, objects, handles) opens the module and calls ltoy_open_run, from
 * lrun.c (the language: toy.check, toy.run), to add its functions to the
 * module table on the top of the stack; and the options-table check both
 * halves use.
 */
#ifndef TESTS_LUA_LTOY_H
#define TESTS_LUA_LTOY_H

#include <lua.h>

void ltoy_open_run(lua_State *L);
/* Raises an argument error for the first key of the options table at idx
 * that is not in known (NULL-terminated): unknown keys are mistakes. */
void ltoy_check_keys(lua_State *L, int idx, const char *const known[]);

#endif
