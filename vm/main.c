/*
 * main.c: the toy command (clox's main.c, Lua's lua.c): the only file of
 * vm/ that calls the front end.
 *
 *   toy run FILE [ARGS...]   check, compile and run FILE's main
 *   toy check FILE           report compile errors only
 *   toy disasm FILE          print the bytecode and the stack maps
 *   toy --help | --version
 *
 * Exit status: 0, 1 for compile errors (or an unreadable file), 2 for a
 * runtime error, 64 for bad usage, or the code a program gave to exit().
 * TOYGC, TOYMEMLIMIT and TOYDEBUG configure the heap (alloc/alloc.h).
 *
 * The front end lands in the tree separately from the VM: vm/build.mk
 * defines TOY_HAVE_LANG when lang/lang.h exists and TOY_HAVE_COMPILER when
 * lang/compile.c does, so the command builds (and says what it lacks) at
 * every stage. The compiler is expected to provide
 *     vm_program *lang_compile(lang_unit *u);
 * returning NULL after adding diagnostics to u.
 */
#include "vm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if TOY_HAVE_LANG
#include "lang/lang.h"
#endif
#if TOY_HAVE_COMPILER
vm_program *lang_compile(lang_unit *u);
#endif

#define TOY_VERSION "0.1"
#define EXIT_USAGE 64

static void usage(FILE *out)
{
    fputs("usage: toy run FILE [ARGS...]   run FILE's main\n"
          "       toy check FILE           report compile errors only\n"
          "       toy disasm FILE          print bytecode and stack maps\n"
          "       toy --help | --version\n"
          "environment: TOYGC=percent|off, TOYMEMLIMIT=bytes[KiB|MiB|GiB],\n"
          "             TOYDEBUG=gctrace=1,gccheckmark=1,clobberfree=1,gcstress=1,movestack=1\n",
          out);
}

#if TOY_HAVE_LANG
/* Parse and check path; prints diagnostics. NULL when it has errors. */
static lang_unit *front_end(const char *path)
{
    lang_unit *u = lang_unit_open(path);
    if (!u) {
        fprintf(stderr, "toy: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (lang_unit_check(u) != 0) {
        lang_diags_print(&u->diags, path, u->text, u->len, stderr);
        lang_unit_free(u);
        return NULL;
    }
    return u;
}
#endif

#if TOY_HAVE_COMPILER
static vm_program *compile(const char *path)
{
    lang_unit *u = front_end(path);
    if (!u)
        return NULL;
    vm_program *p = lang_compile(u);
    if (!p)
        lang_diags_print(&u->diags, path, u->text, u->len, stderr);
    lang_unit_free(u);
    return p;
}

static int cmd_run(const char *path, int argc, char **argv)
{
    vm_program *p = compile(path);
    if (!p)
        return 1;
    vm_options o;
    vm_options_default(&o);
    char err[256];
    if (vm_options_from_env(&o, err, sizeof err) != 0) {
        fprintf(stderr, "toy: %s\n", err);
        vm_program_free(p);
        return EXIT_USAGE;
    }
    vm_state *V = vm_new(p, &o, err, sizeof err);
    if (!V) {
        fprintf(stderr, "toy: %s: %s\n", path, err);
        vm_program_free(p);
        return 1;
    }
    int status = vm_run(V, argc, argv);
    vm_free(V);
    vm_program_free(p);
    return status;
}

static int cmd_disasm(const char *path)
{
    vm_program *p = compile(path);
    if (!p)
        return 1;
    char err[256];
    if (vm_program_finish(p, err, sizeof err) != 0) {
        fprintf(stderr, "toy: %s: %s\n", path, err);
        vm_program_free(p);
        return 1;
    }
    vm_disasm_program(stdout, p);
    vm_program_free(p);
    return 0;
}
#else
static int no_compiler(void)
{
    fputs("toy: this build has no compiler yet (lang/compile.c)\n", stderr);
    return 1;
}
static int cmd_run(const char *path, int argc, char **argv)
{
    (void)path, (void)argc, (void)argv;
    return no_compiler();
}
static int cmd_disasm(const char *path)
{
    (void)path;
    return no_compiler();
}
#endif

static int cmd_check(const char *path)
{
#if TOY_HAVE_LANG
    lang_unit *u = front_end(path);
    if (!u)
        return 1;
    lang_unit_free(u);
    return 0;
#else
    (void)path;
    fputs("toy: this build has no front end yet (lang/)\n", stderr);
    return 1;
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("toy %s (%s dispatch)\n", TOY_VERSION, vm_dispatch);
        return 0;
    }
    bool known = !strcmp(cmd, "run") || !strcmp(cmd, "check") || !strcmp(cmd, "disasm");
    if (!known || argc < 3 || (strcmp(cmd, "run") && argc != 3)) {
        if (!known)
            fprintf(stderr, "toy: unknown command '%s'\n", cmd);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argv[2], argc - 3, argv + 3);
    if (!strcmp(cmd, "check"))
        return cmd_check(argv[2]);
    return cmd_disasm(argv[2]);
}
