/*
 * main.c: the toy command (clox's main.c, Lua's lua.c): the only file of
 * vm/ that calls the front end.
 *
 *   toy run [--heapmap DIR] FILE [ARGS...]
 *                            check, compile and run FILE's main; --heapmap
 *                            is TOYDEBUG=heapmap=DIR (alloc/heapmap.c)
 *   toy check FILE           report compile errors only
 *   toy disasm FILE          print the bytecode and the stack maps
 *   toy types FILE           every gc_type, its bitmap, mallocgc path and class
 *   toy sizeclasses          the size-class table (as build/mksizeclasses)
 *   toy --help | --version
 *
 * Exit status: 0, 1 for compile errors (or a file that cannot be read, a
 * directory, an allocprof file that cannot be written: all reported before
 * the program runs), 2 for a runtime error (a failed write of the
 * program's output, memory exhausted while the VM is made), 64 for bad
 * usage, or the code a program gave to exit(). SIGPIPE is ignored, so a
 * reader that goes away (`toy run prog | head`) is a failed write like any
 * other: "error: writing output: Broken pipe", status 2, not a silent
 * death by signal.
 * TOYGC, TOYMEMLIMIT and TOYDEBUG configure the heap (alloc/alloc.h).
 * TOYDEBUG also carries the VM's own keys, which vm_options_from_env takes
 * out before the rest goes to alloc's parser (which rejects unknown keys):
 *   movestack=1          move the value stack at every call (vm/vm.c)
 *   allocprof=FILE       write the allocation profile to FILE at exit
 *                        (vm/allocprof.c; "-" = stderr; a name ending in
 *                        .pb.gz: pprof's format)
 *   allocprofrate=N      sample about one allocation per N bytes (Go's
 *                        MemProfileRate); default 1 = every allocation
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
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#if TOY_HAVE_LANG
#include "lang/lang.h"
#endif
#if TOY_HAVE_COMPILER
#include "stdlib/stdlib.h"
vm_program *lang_compile(lang_unit *u);
#endif

#define TOY_VERSION "0.1"
#define EXIT_USAGE 64

static void usage(FILE *out)
{
    fputs("usage: toy run FILE [ARGS...]   run FILE's main\n"
          "       toy run --heapmap DIR FILE [ARGS...]\n"
          "                                the same, drawing the heap in DIR\n"
          "       toy check FILE           report compile errors only\n"
          "       toy disasm FILE          print bytecode and stack maps\n"
          "       toy types FILE           gc_types, pointer bitmaps, allocation paths\n"
          "       toy sizeclasses          the allocator's size-class table\n"
          "       toy --help | --version\n"
          "environment: TOYGC=percent|off, TOYMEMLIMIT=bytes[KiB|MiB|GiB], TOYHARDLIMIT=bytes,\n"
          "             TOYDEBUG=gctrace=1,gccheckmark=1,clobberfree=1,gcstress=1,movestack=1,\n"
          "             heapmap=DIR,allocprof=FILE,allocprofrate=BYTES\n",
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

static int cmd_run(const char *path, const char *heapmap, int argc, char **argv)
{
    vm_program *p = compile(path);
    if (!p)
        return 1;
    vm_options o;
    vm_options_default(&o);
    o.builtins = std_vm_builtins;
    o.nbuiltins = STD_NUM_BUILTINS;
    char err[256];
    if (vm_options_from_env(&o, err, sizeof err) != 0) {
        fprintf(stderr, "toy: %s\n", err);
        vm_program_free(p);
        return EXIT_USAGE;
    }
    if (heapmap) { /* the flag wins over TOYDEBUG */
        if (!*heapmap || strlen(heapmap) >= sizeof o.gc.debug.heapmap) {
            fprintf(stderr, "toy: --heapmap: a directory name of 1 to %zu bytes expected\n",
                    sizeof o.gc.debug.heapmap - 1);
            vm_program_free(p);
            return EXIT_USAGE;
        }
        snprintf(o.gc.debug.heapmap, sizeof o.gc.debug.heapmap, "%s", heapmap);
    }
    /* The profile's file is opened before the program runs: one that
     * cannot be written is reported at once, not after the whole run. */
    bool profiling = o.allocprof[0] != '\0';
    bool prof_std = profiling && !strcmp(o.allocprof, "-");
    size_t proflen = strlen(o.allocprof);
    bool pprof = proflen > 6 && !strcmp(o.allocprof + proflen - 6, ".pb.gz");
    FILE *prof = prof_std ? stderr : profiling ? fopen(o.allocprof, pprof ? "wb" : "w") : NULL;
    if (profiling && !prof) {
        fprintf(stderr, "toy: allocprof: %s: %s\n", o.allocprof, strerror(errno));
        vm_program_free(p);
        return 1;
    }
    vm_state *V = vm_new(p, &o, err, sizeof err);
    if (!V) {
        /* The program is finished (lang_compile checked it): only memory
         * can be missing, which is a runtime error's status. */
        fprintf(stderr, "toy: %s: %s\n", path, err);
        if (prof && !prof_std)
            fclose(prof);
        vm_program_free(p);
        return VM_STATUS_ERROR;
    }
    int status = 0;
    if (profiling && vm_allocprof_start(V, o.allocprofrate) != 0) {
        fprintf(stderr, "toy: allocprof: out of memory\n");
        profiling = false;
        status = VM_STATUS_ERROR;
    }
    if (status == 0)
        status = vm_run(V, argc, argv);
    /* Written whatever the program's status: a profile of a run that
     * failed or called exit() is still a profile. */
    if (prof) {
        int werr = !profiling ? 0 : pprof ? vm_allocprof_write_pprof(V, prof) : vm_allocprof_write(V, prof);
        if ((!prof_std && fclose(prof) != 0) || werr != 0) {
            fprintf(stderr, "toy: allocprof: %s: %s\n", o.allocprof, strerror(errno));
            if (status == 0)
                status = 1;
        }
    }
    vm_free(V);
    vm_program_free(p);
    return status;
}

/* disasm and types: print something about the finished program. */
static int cmd_show(const char *path, void (*show)(FILE *, const vm_program *))
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
    show(stdout, p);
    vm_program_free(p);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "toy: writing output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
#else
static int no_compiler(void)
{
    fputs("toy: this build has no compiler yet (lang/compile.c)\n", stderr);
    return 1;
}
static int cmd_run(const char *path, const char *heapmap, int argc, char **argv)
{
    (void)path, (void)heapmap, (void)argc, (void)argv;
    return no_compiler();
}
static int cmd_show(const char *path, void (*show)(FILE *, const vm_program *))
{
    (void)path, (void)show;
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
    signal(SIGPIPE, SIG_IGN);
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
    if (!strcmp(cmd, "sizeclasses")) {
        if (argc != 2) {
            usage(stderr);
            return EXIT_USAGE;
        }
        gc_sizeclasses_print(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    bool known = !strcmp(cmd, "run") || !strcmp(cmd, "check") || !strcmp(cmd, "disasm") ||
                 !strcmp(cmd, "types");
    if (!known || argc < 3 || (strcmp(cmd, "run") && argc != 3)) {
        if (!known)
            fprintf(stderr, "toy: unknown command '%s'\n", cmd);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "run")) {
        int i = 2;
        const char *heapmap = NULL;
        if (!strcmp(argv[2], "--heapmap")) {
            heapmap = argc > 3 ? argv[3] : "";
            i = 4;
        } else if (!strncmp(argv[2], "--heapmap=", 10)) {
            heapmap = argv[2] + 10;
            i = 3;
        }
        if (i >= argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        return cmd_run(argv[i], heapmap, argc - i - 1, argv + i + 1);
    }
    if (!strcmp(cmd, "check"))
        return cmd_check(argv[2]);
    if (!strcmp(cmd, "types"))
        return cmd_show(argv[2], vm_print_types);
    return cmd_show(argv[2], vm_disasm_program);
}
