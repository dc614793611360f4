/*
 * lrun.c: the language half of the Lua module `toy`: toy.check(source
 * [, name]) runs the front end and returns true or its diagnostics as
 * data; toy.run(source [, options]) compiles and runs a program in-process
 * and returns its exit status, stdout and stderr. It plays the part of
 * vm/main.c (the toy command) without a process per program, as Lua's own
 * test suite runs chunks with load() instead of spawning lua.
 *
 * Every C resource of one call (unit, program, VM, the two capture streams
 * and their buffers) lives in a `toy.run` userdata made before anything is
 * allocated, and its __gc frees whatever is still held: a Lua error (a bad
 * option, out of memory while building a result) never leaks C memory.
 * Between the first C allocation and the last, no Lua API is called.
 *
 * A toy program's exit(n) does not end the process: the VM's exit builtin
 * sets a flag and returns, the interpreter unwinds to vm_run, which returns
 * n (vm/vm.c). Output goes to open_memstream streams given to vm_new, as
 * vm_options.out and .err; the collector's trace (gctrace, checkmark
 * reports) goes to the captured stderr too, where `toy run` prints it.
 * One exception: a gccheckmark violation abort()s inside alloc (Go's
 * throw), taking the Lua process and the captured text with it; scripts
 * print what they are about to run first (differential.lua prints each
 * batch's seeds) so such a failure can still be replayed.
 *
 * The front end and the compiler land separately: tests/lua/build.mk
 * defines TOY_HAVE_LANG and TOY_HAVE_COMPILER as vm/build.mk does for the
 * toy command, and without them toy.check / toy.run raise an error saying
 * what this build lacks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "tests/lua/ltoy.h"

#if TOY_HAVE_LANG
#include "lang/lang.h"
#endif
#if TOY_HAVE_COMPILER
#include "stdlib/stdlib.h"
#include "vm/vm.h"
vm_program *lang_compile(lang_unit *u);
#endif

#define RUN_MT "toy.run"

typedef struct lrun {
#if TOY_HAVE_LANG
    lang_unit *u;
#endif
#if TOY_HAVE_COMPILER
    vm_program *p;
    vm_state *V;
#endif
    FILE *in, *out, *err;
    char *outbuf, *errbuf;
    size_t outlen, errlen;
    char **argv; /* pointers into Lua strings held on the stack */
    FILE *prof;  /* TOYDEBUG=allocprof=FILE, opened before the run */
} lrun;

static void lrun_close_streams(lrun *r)
{
    if (r->in)
        fclose(r->in);
    r->in = NULL;
    if (r->out)
        fclose(r->out); /* sets outbuf/outlen */
    if (r->err)
        fclose(r->err);
    r->out = r->err = NULL;
}

static void lrun_free(lrun *r)
{
#if TOY_HAVE_COMPILER
    vm_free(r->V); /* before the program it runs */
    r->V = NULL;
    vm_program_free(r->p);
    r->p = NULL;
#endif
#if TOY_HAVE_LANG
    lang_unit_free(r->u);
    r->u = NULL;
#endif
    lrun_close_streams(r);
    if (r->prof)
        fclose(r->prof);
    r->prof = NULL;
    free(r->outbuf);
    free(r->errbuf);
    free(r->argv);
    r->outbuf = r->errbuf = NULL;
    r->argv = NULL;
}

static int l_run_gc(lua_State *L)
{
    lrun_free(luaL_checkudata(L, 1, RUN_MT));
    return 0;
}

#if TOY_HAVE_LANG
static lrun *new_lrun(lua_State *L)
{
    lrun *r = lua_newuserdatauv(L, sizeof *r, 0);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, RUN_MT);
    return r;
}
#endif

#if TOY_HAVE_LANG
/* toy.check(source [, name]): true, or a list of {line=, col=, message=}
 * sorted by position. Never prints. */
static int l_check(lua_State *L)
{
    size_t len;
    const char *src = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "input.toy");
    lua_settop(L, 2);
    lrun *r = new_lrun(L); /* 3 */
    r->u = lang_unit_new(name, src, len);
    if (r->u == NULL)
        return luaL_error(L, "toy.check: out of memory");
    int n = lang_unit_check(r->u);
    if (n == 0) {
        lrun_free(r);
        lua_pushboolean(L, 1);
        return 1;
    }
    const lang_diags *d = &r->u->diags;
    lua_createtable(L, d->n, 0);
    for (int i = 0; i < d->n; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, d->v[i].line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, d->v[i].col);
        lua_setfield(L, -2, "col");
        lua_pushstring(L, d->v[i].msg);
        lua_setfield(L, -2, "message");
        lua_rawseti(L, -2, i + 1);
    }
    lrun_free(r);
    return 1;
}
#else
static int l_check(lua_State *L)
{
    return luaL_error(L, "toy.check: this build has no front end (lang/)");
}
#endif

#if TOY_HAVE_COMPILER
static lua_Integer run_opt_int(lua_State *L, const char *k, lua_Integer lo, lua_Integer dflt)
{
    lua_Integer v = dflt;
    if (lua_getfield(L, 2, k) != LUA_TNIL) {
        int isnum = 0;
        v = lua_tointegerx(L, -1, &isnum);
        if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
            luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' must be an integer, got %s",
                                                k, luaL_typename(L, -1)));
        if (v < lo)
            luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' must be >= %I, got %I", k, lo, v));
    }
    lua_pop(L, 1);
    return v;
}

/* toy.run(source [, {args=, debug=, name=, step_limit=, memory_limit=,
 * gc_percent=, max_depth=, env=, maxprocs=}]): status, stdout, stderr; maxprocs is
 * TOYMAXPROCS. A threaded program runs whole: every thread is joined. */
static int l_run(lua_State *L)
{
    size_t len;
    const char *src = luaL_checklstring(L, 1, &len);
    vm_options vo;
    vm_options_default(&vo);
    vo.builtins = std_vm_builtins;
    vo.nbuiltins = STD_NUM_BUILTINS;
    char msg[256];
    const char *name = "input.toy";
    const char *input = NULL; /* the program's standard input: none */
    size_t inputlen = 0;
    int use_env = 1, nargs = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        static const char *const known[] = {"args", "debug", "name", "step_limit", "memory_limit",
                                            "gc_percent", "max_depth", "env", "input",
                                            "maxprocs", NULL};
        ltoy_check_keys(L, 2, known);
        if (lua_getfield(L, 2, "env") != LUA_TNIL)
            use_env = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    /* TOYGC, TOYMEMLIMIT, TOYDEBUG first (as `toy run`, the VM's keys
     * too), options on top */
    if (use_env && vm_options_from_env(&vo, msg, sizeof msg) != 0)
        return luaL_error(L, "toy.run: %s", msg);
    lua_settop(L, 2);
    lua_newtable(L); /* 3: keeps the argument strings alive */
    if (!lua_isnil(L, 2)) {
        if (lua_getfield(L, 2, "name") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, 2, lua_pushfstring(L, "option 'name' must be a string, got %s",
                                                           luaL_typename(L, -1)));
            name = lua_tostring(L, -1);
            if (strlen(name) != lua_rawlen(L, -1))
                return luaL_argerror(L, 2, "option 'name' holds a NUL byte");
            lua_rawseti(L, 3, 0);
        } else
            lua_pop(L, 1);
        if (lua_getfield(L, 2, "input") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, 2, lua_pushfstring(L, "option 'input' must be a string, got %s",
                                                           luaL_typename(L, -1)));
            input = lua_tolstring(L, -1, &inputlen);
            lua_rawseti(L, 3, -1); /* table 3 keeps it alive */
        } else
            lua_pop(L, 1);
        if (lua_getfield(L, 2, "debug") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, 2, lua_pushfstring(L, "option 'debug' must be a string, got %s",
                                                           luaL_typename(L, -1)));
            if (vm_options_parse_debug(&vo, lua_tostring(L, -1), msg, sizeof msg) != 0)
                return luaL_argerror(L, 2, lua_pushfstring(L, "option 'debug': %s", msg));
        }
        lua_pop(L, 1);
        vo.step_limit = run_opt_int(L, "step_limit", 0, 0);
        vo.gc.memory_limit = run_opt_int(L, "memory_limit", 0, vo.gc.memory_limit);
        vo.max_depth = (int)run_opt_int(L, "max_depth", 1, VM_DEFAULT_MAX_DEPTH);
        if (vo.max_depth != VM_DEFAULT_MAX_DEPTH && vo.max_depth > 100000000)
            return luaL_argerror(L, 2, "option 'max_depth' must be <= 100000000");
        vo.maxprocs = (int)run_opt_int(L, "maxprocs", 1, vo.maxprocs);
        if (vo.maxprocs > 256)
            return luaL_argerror(L, 2, "option 'maxprocs' must be <= 256 (TOYMAXPROCS)");
        if (lua_getfield(L, 2, "gc_percent") == LUA_TSTRING && strcmp(lua_tostring(L, -1), "off") == 0) {
            vo.gc.gc_percent = -1;
            lua_pop(L, 1);
        } else {
            lua_pop(L, 1);
            lua_Integer v = run_opt_int(L, "gc_percent", -1, vo.gc.gc_percent);
            if (v > 1000000)
                return luaL_argerror(L, 2, "option 'gc_percent' out of range (-1 .. 1000000, or \"off\")");
            vo.gc.gc_percent = (int)v;
        }
        if (lua_getfield(L, 2, "args") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TTABLE)
                return luaL_argerror(L, 2, lua_pushfstring(L, "option 'args' must be a table, got %s",
                                                           luaL_typename(L, -1)));
            lua_Integer n = luaL_len(L, -1);
            if (n < 0 || n > 65536)
                return luaL_argerror(L, 2, "option 'args': at most 65536 arguments");
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -1, i);
                if (lua_type(L, -1) != LUA_TSTRING)
                    return luaL_argerror(L, 2, lua_pushfstring(L, "option 'args': argument %I must be a string, got %s",
                                                               i, luaL_typename(L, -1)));
                /* main's arguments are C strings, as a command line's */
                if (strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
                    return luaL_argerror(L, 2, lua_pushfstring(L, "option 'args': argument %I holds a NUL byte", i));
                lua_rawseti(L, 3, i);
            }
            nargs = (int)n;
        }
        lua_pop(L, 1);
    }
    lrun *r = new_lrun(L); /* 4 */
    /* From here to the results no Lua API is called: nothing can raise. */
    int status = 1;
    r->argv = calloc((size_t)nargs + 1, sizeof *r->argv);
    r->out = open_memstream(&r->outbuf, &r->outlen);
    r->err = open_memstream(&r->errbuf, &r->errlen);
    /* fmemopen rejects an empty buffer: no input reads /dev/null */
    r->in = inputlen ? fmemopen((void *)input, inputlen, "r") : fopen("/dev/null", "r");
    if (r->argv == NULL || r->out == NULL || r->err == NULL || r->in == NULL) {
        lrun_free(r);
        return luaL_error(L, "toy.run: out of memory");
    }
    /* TOYDEBUG=allocprof=FILE as for `toy run`: the file is opened before
     * the run ("-" is the captured stderr) and the profile written after. */
    bool profiling = vo.allocprof[0] != '\0';
    if (profiling && strcmp(vo.allocprof, "-") != 0 && (r->prof = fopen(vo.allocprof, "w")) == NULL) {
        int e = errno;
        lrun_free(r);
        return luaL_error(L, "toy.run: allocprof: %s: %s", vo.allocprof, strerror(e));
    }
    for (int i = 0; i < nargs; i++) {
        lua_rawgeti(L, 3, i + 1); /* the table holds it: the pointer stays valid */
        r->argv[i] = (char *)lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    r->u = lang_unit_new(name, src, len);
    if (r->u == NULL) {
        fputs("toy: out of memory\n", r->err);
    } else if (lang_unit_check(r->u) != 0 || (r->p = lang_compile(r->u)) == NULL) {
        lang_diags_print(&r->u->diags, name, r->u->text, r->u->len, r->err);
    } else {
        vo.in = r->in;
        vo.out = r->out;
        vo.err = r->err;
        vo.gc.trace = r->err;
        lang_unit_free(r->u); /* the program does not point into it */
        r->u = NULL;
        r->V = vm_new(r->p, &vo, msg, sizeof msg);
        if (r->V == NULL) {
            fprintf(r->err, "toy: %s: %s\n", name, msg);
            status = 2; /* only memory can be missing, as for `toy run` */
        } else if (profiling && vm_allocprof_start(r->V, vo.allocprofrate) != 0) {
            fputs("toy: allocprof: out of memory\n", r->err);
            status = 2;
        } else {
            status = vm_run(r->V, nargs, r->argv);
            FILE *pf = r->prof ? r->prof : r->err;
            if (profiling && (vm_allocprof_write(r->V, pf) != 0 || fflush(pf) != 0)) {
                fprintf(r->err, "toy: allocprof: %s: %s\n", vo.allocprof, strerror(errno));
                if (status == 0)
                    status = 1;
            }
        }
    }
    vm_free(r->V); /* its heap writes the last trace lines here */
    r->V = NULL;
    lrun_close_streams(r);
    if (r->outbuf == NULL || r->errbuf == NULL) {
        lrun_free(r);
        return luaL_error(L, "toy.run: out of memory capturing output");
    }
    lua_pushinteger(L, status);
    lua_pushlstring(L, r->outbuf, r->outlen);
    lua_pushlstring(L, r->errbuf, r->errlen);
    lrun_free(r);
    return 3;
}
#else
static int l_run(lua_State *L)
{
    return luaL_error(L, "toy.run: this build has no compiler (lang/compile.c)");
}
#endif

void ltoy_open_run(lua_State *L)
{
    static const luaL_Reg run_meta[] = {{"__gc", l_run_gc}, {NULL, NULL}};
    luaL_newmetatable(L, RUN_MT);
    luaL_setfuncs(L, run_meta, 0);
    lua_pop(L, 1);
    lua_pushcfunction(L, l_check);
    lua_setfield(L, -2, "check");
    lua_pushcfunction(L, l_run);
    lua_setfield(L, -2, "run");
}
