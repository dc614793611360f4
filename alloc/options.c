/*
 * options.c: TOYGC, TOYMEMLIMIT, TOYHARDLIMIT, TOYGCPROCS and TOYDEBUG, as
 * Go's GOGC (readGOGC), GOMEMLIMIT (readGOMEMLIMIT, parseByteCount),
 * GOMAXPROCS (for the mark workers only) and GODEBUG
 * (runtime1.go parsedebugvars), plus heapmap=DIR and gctimeline=FILE,
 * whose values are paths (without commas) rather than numbers. TOYHARDLIMIT
 * has no Go counterpart: it is the byte budget of Lua's test allocator
 * (ltests.c memlimit), for OOM tests. A bad value is an error naming the
 * variable, the text and what was expected; nothing is applied unless
 * everything parses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "alloc/internal.h"

void gc_options_default(gc_options *o)
{
    memset(o, 0, sizeof *o);
    o->gc_percent = 100;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const struct {
    const char *name;
    size_t off;
} debugVars[] = {
    {"gctrace", offsetof(gc_debug, gctrace)},
    {"gccheckmark", offsetof(gc_debug, gccheckmark)},
    {"clobberfree", offsetof(gc_debug, clobberfree)},
    {"gcstress", offsetof(gc_debug, gcstress)},
    {"gcstoptheworld", offsetof(gc_debug, gcstoptheworld)},
    {"gcconcurrentstress", offsetof(gc_debug, gcconcurrentstress)},
    {"gcmarkhold", offsetof(gc_debug, gcmarkhold)},
    {"gcnobgsweep", offsetof(gc_debug, gcnobgsweep)},
    {"failmap", offsetof(gc_debug, failmap)},
};

/* heapmap=DIR and gctimeline=FILE, the settings whose value is text (a
 * path, so it holds no comma): key=VALUE of len bytes into dst. */
static int parseText(const char *key, const char *what, char *dst, size_t cap, const char *kv, size_t len,
                     char *err, size_t errlen)
{
    size_t klen = strlen(key);
    if (len <= klen + 1 || kv[klen] != '=')
        return fail(err, errlen, "TOYDEBUG: '%s' needs a %s, e.g. %s=/tmp/%s", key, what, key, key);
    size_t vlen = len - klen - 1;
    if (vlen >= cap)
        return fail(err, errlen, "TOYDEBUG: %s: a %s name of at most %zu bytes expected", key, what, cap - 1);
    memcpy(dst, kv + klen + 1, vlen);
    dst[vlen] = '\0';
    return 0;
}

int gc_parse_debug(gc_debug *d, const char *s, char *err, size_t errlen)
{
    gc_debug tmp = *d;
    const char *p = s ? s : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            int found = 0;
            if (klen == sizeof "heapmap" - 1 && memcmp(p, "heapmap", klen) == 0) {
                if (parseText("heapmap", "directory", tmp.heapmap, sizeof tmp.heapmap, p, len, err, errlen) != 0)
                    return -1;
                found = 1;
            }
            if (klen == sizeof "gctimeline" - 1 && memcmp(p, "gctimeline", klen) == 0) {
                if (parseText("gctimeline", "file", tmp.gctimeline, sizeof tmp.gctimeline, p, len, err, errlen) != 0)
                    return -1;
                found = 1;
            }
            for (size_t i = 0; i < sizeof debugVars / sizeof debugVars[0]; i++) {
                if (strlen(debugVars[i].name) != klen || memcmp(debugVars[i].name, p, klen) != 0)
                    continue;
                found = 1;
                if (!eq)
                    return fail(err, errlen, "TOYDEBUG: '%.*s' needs a value, e.g. %s=1", (int)klen, p,
                                debugVars[i].name);
                const char *v = eq + 1;
                size_t vlen = len - klen - 1;
                long val = 0;
                if (vlen == 0 || vlen > 9)
                    return fail(err, errlen, "TOYDEBUG: %.*s: expected a small non-negative integer",
                                (int)len, p);
                for (size_t j = 0; j < vlen; j++) {
                    if (!isdigit((unsigned char)v[j]))
                        return fail(err, errlen, "TOYDEBUG: %.*s: expected a small non-negative integer",
                                    (int)len, p);
                    val = val * 10 + (v[j] - '0');
                }
                *(int *)((char *)&tmp + debugVars[i].off) = (int)val;
            }
            if (!found)
                return fail(err, errlen,
                            "TOYDEBUG: unknown setting '%.*s' (known: gctrace, gccheckmark, clobberfree, gcstress, gcstoptheworld, gcconcurrentstress, gcmarkhold, gcnobgsweep, failmap, heapmap, gctimeline)",
                            (int)klen, p);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *d = tmp;
    return 0;
}

static int parseGC(const char *v, int *out, char *err, size_t errlen)
{
    if (strcmp(v, "off") == 0) {
        *out = -1;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || n > 1000000000L || n < -1000000000L || isspace((unsigned char)*v))
        return fail(err, errlen, "TOYGC=%s: expected a percentage (e.g. 100) or 'off'", v);
    *out = n < 0 ? -1 : (int)n;
    return 0;
}

static int parseProcs(const char *v, int *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!isdigit((unsigned char)*v) || *end != '\0' || errno || n < 1 || n > GC_MAX_PROCS)
        return fail(err, errlen, "TOYGCPROCS=%s: expected a number of mark threads from 1 to %d", v,
                    (int)GC_MAX_PROCS);
    *out = (int)n;
    return 0;
}

static int parseLimit(const char *var, const char *v, int64_t *out, char *err, size_t errlen)
{
    if (strcmp(v, "off") == 0) {
        *out = 0;
        return 0;
    }
    const char *p = v;
    uint64_t n = 0;
    if (!isdigit((unsigned char)*p))
        return fail(err, errlen, "%s=%s: expected a byte count such as 512MiB or 'off'", var, v);
    while (isdigit((unsigned char)*p)) {
        if (n > (UINT64_MAX - 9) / 10)
            return fail(err, errlen, "%s=%s: too large", var, v);
        n = n * 10 + (uint64_t)(*p++ - '0');
    }
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0}, {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].suffix) != 0)
            continue;
        if (n > ((uint64_t)INT64_MAX >> units[i].shift))
            return fail(err, errlen, "%s=%s: too large", var, v);
        *out = (int64_t)(n << units[i].shift);
        return 0;
    }
    return fail(err, errlen, "%s=%s: unknown unit '%s' (use B, KiB, MiB, GiB or TiB)", var, v, p);
}

int gc_options_from_env(gc_options *o, char *err, size_t errlen)
{
    return gc_options_from_env_debug(o, getenv("TOYDEBUG"), err, errlen);
}

/* TOYDEBUG is shared with the host (the VM has keys of its own, such as
 * movestack): a host takes its keys out and hands alloc the rest here, so
 * alloc keeps rejecting every key nobody owns. */
int gc_options_from_env_debug(gc_options *o, const char *debug, char *err, size_t errlen)
{
    gc_options tmp = *o;
    const char *v;
    if ((v = getenv("TOYGC")) != NULL && parseGC(v, &tmp.gc_percent, err, errlen) != 0)
        return -1;
    if ((v = getenv("TOYMEMLIMIT")) != NULL && parseLimit("TOYMEMLIMIT", v, &tmp.memory_limit, err, errlen) != 0)
        return -1;
    if ((v = getenv("TOYHARDLIMIT")) != NULL && parseLimit("TOYHARDLIMIT", v, &tmp.hard_limit, err, errlen) != 0)
        return -1;
    if ((v = getenv("TOYGCPROCS")) != NULL && parseProcs(v, &tmp.gcprocs, err, errlen) != 0)
        return -1;
    if (debug && gc_parse_debug(&tmp.debug, debug, err, errlen) != 0)
        return -1;
    *o = tmp;
    return 0;
}
