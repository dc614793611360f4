/*
 * unit.c: one source file through the front end (lang_unit), and the
 * whole front door in one call (lang_check_file) so that `toycheck` and,
 * later, `toy check` are a few lines each. As Lua's luaL_loadfilex reads a
 * file and hands it to the parser, this is the only place that touches the
 * file system.
 */
#include "lang/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ck_check_program(lang_arena *a, lang_diags *d, lang_program *p);

lang_unit *lang_unit_new(const char *name, const char *text, size_t len)
{
    lang_unit *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->diags.arena = &u->arena;
    /* A leading UTF-8 byte-order mark is skipped, as Go's scanner does;
     * positions count from after it. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    u->name = lang_arena_strndup(&u->arena, name, strlen(name));
    u->text = lang_arena_strndup(&u->arena, text, len);
    u->len = len;
    return u;
}

lang_unit *lang_unit_open(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    /* fopen opens a directory for reading on Linux; say what it is. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return NULL;
    }
    errno = 0;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (!buf || err) {
        free(buf);
        errno = err ? err : ENOMEM;
        return NULL;
    }
    lang_unit *u = lang_unit_new(path, buf, len);
    free(buf);
    return u;
}

void lang_unit_free(lang_unit *u)
{
    if (!u)
        return;
    lang_arena_free(&u->arena);
    free(u);
}

int lang_unit_parse(lang_unit *u)
{
    if (!u->parsed && u->len > LANG_MAX_SOURCE) {
        /* Positions and token lengths are ints: refuse what could overflow. */
        lang_error(&u->diags, 1, 1, "source file too large (more than %d MiB)",
                   LANG_MAX_SOURCE >> 20);
        u->program = lang_arena_alloc(&u->arena, sizeof *u->program);
        u->parsed = true;
    }
    if (!u->parsed) {
        u->program = ps_parse_source(&u->arena, &u->diags, u->text, u->len);
        u->parsed = true;
        lang_diags_sort(&u->diags);
    }
    return u->diags.n;
}

int lang_unit_check(lang_unit *u)
{
    if (lang_unit_parse(u) == 0 && !u->checked) {
        u->checked = true;
        ck_check_program(&u->arena, &u->diags, u->program);
        lang_diags_sort(&u->diags);
    }
    return u->diags.n;
}

void lang_unit_print_diags(const lang_unit *u, FILE *out)
{
    lang_diags_print(&u->diags, u->name, u->text, u->len, out);
}

int lang_check_file(const char *path, FILE *err)
{
    lang_unit *u = lang_unit_open(path);
    if (!u) {
        fprintf(err, "%s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    int n = lang_unit_check(u);
    lang_unit_print_diags(u, err);
    lang_unit_free(u);
    return n ? 1 : 0;
}
