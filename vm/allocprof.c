/*
 * allocprof.c: the allocation profile (TOYDEBUG=allocprof=FILE), as Go's
 * heap profile (runtime/mprof.go: MemProfileRate, mProf_Malloc, and
 * malloc.go's nextSample/profilealloc).
 *
 * Sampling: vm_alloc (vmint.h) subtracts each allocation's size from
 * V->prof_next and calls vm_allocprof_sample when it goes negative, so the
 * cost with profiling off is one subtract and a predicted branch. With
 * rate 1 every allocation is recorded; with rate N the gap to the next
 * sample is drawn from an exponential distribution of mean N bytes (Go's
 * fastexprand) and each sample of an s-byte object stands for
 * 1/(1-exp(-s/N)) objects (Go's scaleHeapSample in pprof).
 *
 * Site: the running frame's instruction (pc - 1; every allocating
 * instruction saves its pc first), so a builtin that allocates through the
 * VM (vm_string_new...) is charged to its CALLB line; "<vm>" when no frame
 * runs (string constants interned by vm_new happen before the profile).
 *
 * Bytes: the slot the object took, as gc_stats' total_alloc counts it (the
 * size class, the malloc header included; a large object's span). Tiny
 * objects share 16-byte blocks, so they count their requested size, and
 * the totals also say how many opened a new block (the object sits at
 * offset 0 of its block): total_alloc counts 16 bytes for each of those.
 *
 * Formats: text (vm_allocprof_write), or pprof's profile.proto
 * (vm_allocprof_write_pprof, encoded by pprof.c) when the file name ends in
 * .pb.gz.
 *
 * Live at exit: every sampled object is kept in a side table keyed by its
 * address; a later allocation at the same address replaces the entry (the
 * first object died and its slot was reused). At write time, after a full
 * collection, an object is live when gc_find_object still finds its slot.
 * Departures from Go, which frees a sample's record when the sweeper frees
 * the object (a special on the span): here a dead object whose slot was
 * reused by an allocation the profile did not record (one not sampled at
 * rate > 1, or a builtin's own gc_mallocgc) counts as live, and a tiny
 * object lives as long as its block.
 */
#include "vm/vmint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct bucket {
    const char *what;
    const gc_type *type;
    const vm_proto *fn; /* NULL: no frame ("<vm>") */
    int line;
    double objs, bytes, live_objs, live_bytes;
} bucket;

typedef struct sample {
    uintptr_t addr; /* 0 = empty slot */
    uint32_t bucket;
    float weight;
    size_t bytes; /* slot bytes (the requested size for tiny) */
} sample;

struct vm_allocprof {
    int64_t rate;
    uint64_t rng;
    bucket *b;
    uint32_t nb, capb;
    uint32_t *bindex; /* open hash of buckets by (what, type, fn, line): index + 1 */
    uint32_t capbindex;
    sample *s;        /* open hash by address */
    size_t ns, caps;
    /* Totals in gc_stats' terms. */
    uint64_t objs, tiny_objs, tiny_blocks, tiny_bytes, bytes;
    bool oom;
    gc_stats start;
};

static uint64_t hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Go's fastexprand: an exponential gap of mean rate bytes. */
static int64_t next_gap(struct vm_allocprof *P)
{
    if (P->rate <= 1)
        return 0;
    P->rng ^= P->rng << 13;
    P->rng ^= P->rng >> 7;
    P->rng ^= P->rng << 17;
    double u = ((double)(P->rng >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
    double gap = -log(u) * (double)P->rate;
    return gap > 4e18 ? INT64_MAX : (int64_t)gap;
}

int vm_allocprof_start(vm_state *V, int64_t rate)
{
    vm_allocprof_free(V);
    struct vm_allocprof *P = calloc(1, sizeof *P);
    if (!P)
        return -1;
    P->rate = rate < 1 ? 1 : rate;
    P->rng = 0x9e3779b97f4a7c15ULL; /* fixed: the same run samples the same objects */
    gc_read_stats(V->heap, &P->start);
    V->prof = P;
    V->prof_next = next_gap(P);
    return 0;
}

void vm_allocprof_free(vm_state *V)
{
    struct vm_allocprof *P = V->prof;
    if (!P)
        return;
    free(P->b);
    free(P->bindex);
    free(P->s);
    free(P);
    V->prof = NULL;
    V->prof_next = INT64_MAX;
}

static uint64_t bucket_hash(const char *what, const gc_type *t, const vm_proto *fn, int line)
{
    return hash64((uint64_t)(uintptr_t)what ^ hash64((uint64_t)(uintptr_t)t) ^
                  hash64((uint64_t)(uintptr_t)fn + (uint64_t)(uint32_t)line));
}

/* The bucket's index, or UINT32_MAX when memory runs out. */
static uint32_t find_bucket(struct vm_allocprof *P, const char *what, const gc_type *t,
                            const vm_proto *fn, int line)
{
    if ((P->nb + 1) * 2 > P->capbindex) {
        uint32_t cap = P->capbindex ? P->capbindex * 2 : 64;
        uint32_t *ix = calloc(cap, sizeof *ix);
        bucket *nb = realloc(P->b, (size_t)cap / 2 * sizeof *nb);
        if (!ix || !nb) {
            free(ix);
            if (nb)
                P->b = nb;
            return UINT32_MAX;
        }
        P->b = nb;
        P->capb = cap / 2;
        for (uint32_t j = 0; j < P->nb; j++) {
            const bucket *e = &P->b[j];
            uint32_t h = (uint32_t)bucket_hash(e->what, e->type, e->fn, e->line) & (cap - 1);
            while (ix[h])
                h = (h + 1) & (cap - 1);
            ix[h] = j + 1;
        }
        free(P->bindex);
        P->bindex = ix;
        P->capbindex = cap;
    }
    uint32_t mask = P->capbindex - 1;
    uint32_t h = (uint32_t)bucket_hash(what, t, fn, line) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t j = P->bindex[h];
        if (!j)
            break;
        const bucket *e = &P->b[j - 1];
        if (e->what == what && e->type == t && e->fn == fn && e->line == line)
            return j - 1;
    }
    P->b[P->nb] = (bucket){what, t, fn, line, 0, 0, 0, 0};
    P->bindex[h] = P->nb + 1;
    return P->nb++;
}

/* Insert or replace the sample at s.addr. */
static void put_sample(struct vm_allocprof *P, sample s)
{
    if ((P->ns + 1) * 2 > P->caps) {
        size_t cap = P->caps ? P->caps * 2 : 1024;
        sample *ns = calloc(cap, sizeof *ns);
        if (!ns) {
            P->oom = true;
            return;
        }
        for (size_t j = 0; j < P->caps; j++) {
            if (!P->s[j].addr)
                continue;
            size_t h = hash64(P->s[j].addr) & (cap - 1);
            while (ns[h].addr)
                h = (h + 1) & (cap - 1);
            ns[h] = P->s[j];
        }
        free(P->s);
        P->s = ns;
        P->caps = cap;
    }
    size_t mask = P->caps - 1;
    size_t h = hash64(s.addr) & mask;
    while (P->s[h].addr && P->s[h].addr != s.addr)
        h = (h + 1) & mask;
    if (!P->s[h].addr)
        P->ns++;
    P->s[h] = s;
}

void vm_allocprof_sample(vm_state *V, void *obj, size_t size, const gc_type *t, const char *what)
{
    struct vm_allocprof *P = V->prof;
    if (!P) {
        V->prof_next = INT64_MAX;
        return;
    }
    V->prof_next = next_gap(P);
    if (!obj)
        return;

    const vm_proto *fn = NULL;
    int line = 0;
    if (V->top) {
        const vm_frame *fr = V->top;
        fn = fr->fn ? fr->fn->proto : NULL;
        if (fn && fr->pc > fn->code && fr->pc <= fn->code + fn->ncode)
            line = fn->lines[fr->pc - 1 - fn->code];
    }
    uint32_t bi = find_bucket(P, what, t, fn, line);
    if (bi == UINT32_MAX) {
        P->oom = true;
        return;
    }

    gc_alloc_info ai;
    size_t bytes = size;
    bool tiny = false;
    if (gc_alloc_path_of(size, t, &ai) == 0) {
        tiny = ai.path == GC_PATH_TINY;
        if (!tiny && ai.path != GC_PATH_ZERO)
            bytes = ai.elem_size;
    }
    double w = 1;
    if (P->rate > 1)
        w = 1 / (1 - exp(-(double)size / (double)P->rate));
    bucket *b = &P->b[bi];
    b->objs += w;
    b->bytes += w * (double)bytes;
    P->objs++;
    P->bytes += bytes;
    if (tiny) {
        P->tiny_objs++;
        P->tiny_bytes += bytes;
        if (((uintptr_t)obj & 15) == 0) /* offset 0: it opened a new block */
            P->tiny_blocks++;
    }
    put_sample(P, (sample){(uintptr_t)obj, bi, (float)w, bytes});
}

/* ---- Writing. ---- */

typedef struct row {
    char label[160];
    double objs, bytes, live_objs, live_bytes;
} row;

static void label_type(const bucket *b, char *buf, size_t len)
{
    if (b->type && b->type->name && strcmp(b->what, b->type->name) != 0)
        snprintf(buf, len, "%s %s", b->what, b->type->name);
    else
        snprintf(buf, len, "%s", b->what);
}

static void label_site(const bucket *b, char *buf, size_t len)
{
    if (b->fn)
        snprintf(buf, len, "%s:%d", b->fn->name, b->line);
    else
        snprintf(buf, len, "<vm>");
}

static int cmp_rows(const void *x, const void *y)
{
    const row *a = x, *b = y;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? 1 : -1;
    if (a->objs != b->objs)
        return a->objs < b->objs ? 1 : -1;
    return strcmp(a->label, b->label);
}

/* Group the buckets by label and print them, largest bytes first. */
static void put_table(FILE *out, const struct vm_allocprof *P, const char *title,
                      void (*label)(const bucket *, char *, size_t), row *rows)
{
    uint32_t n = 0;
    for (uint32_t j = 0; j < P->nb; j++) {
        char l[160];
        label(&P->b[j], l, sizeof l);
        uint32_t r = 0;
        while (r < n && strcmp(rows[r].label, l) != 0)
            r++;
        if (r == n) {
            memset(&rows[n], 0, sizeof rows[n]);
            memcpy(rows[n].label, l, sizeof l);
            n++;
        }
        rows[r].objs += P->b[j].objs;
        rows[r].bytes += P->b[j].bytes;
        rows[r].live_objs += P->b[j].live_objs;
        rows[r].live_bytes += P->b[j].live_bytes;
    }
    qsort(rows, n, sizeof *rows, cmp_rows);
    fprintf(out, "\n## by %s\n%12s %14s %12s %14s  %s\n", title, "objects", "bytes", "live objs",
            "live bytes", title);
    for (uint32_t r = 0; r < n; r++)
        fprintf(out, "%12.0f %14.0f %12.0f %14.0f  %s\n", rows[r].objs, rows[r].bytes,
                rows[r].live_objs, rows[r].live_bytes, rows[r].label);
}

/* What both writers start with: the statistics now, then a full
 * collection, then each bucket's live objects and bytes, and the profile's
 * first line. NULL when no profile runs. */
static struct vm_allocprof *settle(vm_state *V, gc_stats *now, char head[200])
{
    struct vm_allocprof *P = V->prof;
    if (!P)
        return NULL;
    snprintf(head, 200, "allocprof: %s, rate %lld (%s)", V->prog->source ? V->prog->source : "?",
             (long long)P->rate, P->rate == 1 ? "every allocation" : "sampled: counts are estimates");
    gc_read_stats(V->heap, now); /* before the collection, which allocates nothing */
    gc_collect(V->heap);
    for (uint32_t j = 0; j < P->nb; j++)
        P->b[j].live_objs = P->b[j].live_bytes = 0;
    for (size_t j = 0; j < P->caps; j++) {
        const sample *s = &P->s[j];
        if (s->addr && gc_find_object(V->heap, (const void *)s->addr)) {
            P->b[s->bucket].live_objs += s->weight;
            P->b[s->bucket].live_bytes += s->weight * (double)s->bytes;
        }
    }
    return P;
}

/* The totals, in the text profile's words (the pprof profile carries them
 * as comments). */
static void totals(const struct vm_allocprof *P, const gc_stats *now, char lines[4][200])
{
    uint64_t mallocs = now->mallocs - P->start.mallocs;
    uint64_t total = now->total_alloc - P->start.total_alloc;
    uint64_t counted = P->bytes - P->tiny_bytes + 16 * P->tiny_blocks;
    snprintf(lines[0], 200, "profile:  %llu objects, %llu bytes; tiny: %llu objects, %llu bytes, %llu new blocks",
             (unsigned long long)P->objs, (unsigned long long)P->bytes,
             (unsigned long long)P->tiny_objs, (unsigned long long)P->tiny_bytes,
             (unsigned long long)P->tiny_blocks);
    snprintf(lines[1], 200, "          as total_alloc counts them: %llu bytes (tiny blocks at 16)",
             (unsigned long long)counted);
    snprintf(lines[2], 200, "gc_stats: mallocs +%llu, total_alloc +%llu", (unsigned long long)mallocs,
             (unsigned long long)total);
    lines[3][0] = '\0';
    if (P->rate == 1)
        snprintf(lines[3], 200, "not at the VM's sites (builtins' own gc_mallocgc): %lld objects, %lld bytes",
                 (long long)(mallocs - P->objs), (long long)(total - counted));
}

int vm_allocprof_write(vm_state *V, FILE *out)
{
    gc_stats now;
    char head[200];
    struct vm_allocprof *P = settle(V, &now, head);
    if (!P)
        return 0;
    fprintf(out, "# %s\n", head);
    fputs("# bytes: the slot each object took (size class, header included; large: its\n"
          "# pages), a tiny object its own size; live: still allocated after a final\n"
          "# collection at exit\n",
          out);
    if (P->oom)
        fputs("# incomplete: the profiler ran out of memory\n", out);
    row *rows = malloc(((size_t)P->nb + 1) * sizeof *rows);
    if (!rows)
        return -1;
    put_table(out, P, "type", label_type, rows);
    put_table(out, P, "site", label_site, rows);
    free(rows);

    char t[4][200];
    totals(P, &now, t);
    fprintf(out, "\n## totals (samples)\n");
    for (int i = 0; i < 4; i++)
        if (t[i][0])
            fprintf(out, "%s\n", t[i]);
    return ferror(out) ? -1 : 0;
}

/* pprof's format, as Go's heap profile (runtime/pprof's writeHeapProto):
 * the sample types alloc_objects, alloc_space, inuse_objects, inuse_space,
 * and the period MemProfileRate. Each bucket is one sample of two frames:
 * the leaf is the object's type (so `pprof -top` lists types as flat), its
 * caller the allocating site, function and line in the program's file. */
int vm_allocprof_write_pprof(vm_state *V, FILE *out)
{
    gc_stats now;
    char c[4][200];
    struct vm_allocprof *P = settle(V, &now, c[0]);
    if (!P)
        return 0;
    vm_pprof *pp = vm_pprof_new();
    if (!pp)
        return -1;
    vm_pprof_sample_type(pp, "alloc_objects", "count");
    vm_pprof_sample_type(pp, "alloc_space", "bytes");
    vm_pprof_sample_type(pp, "inuse_objects", "count");
    vm_pprof_sample_type(pp, "inuse_space", "bytes");
    vm_pprof_period(pp, "space", "bytes", P->rate);
    const char *file = V->prog->source ? V->prog->source : "?";
    vm_pprof_comment(pp, c[0]);
    if (P->oom)
        vm_pprof_comment(pp, "incomplete: the profiler ran out of memory");
    totals(P, &now, c);
    for (int i = 0; i < 4; i++)
        if (c[i][0])
            vm_pprof_comment(pp, c[i] + strspn(c[i], " "));
    for (uint32_t j = 0; j < P->nb; j++) {
        const bucket *b = &P->b[j];
        char type[160];
        label_type(b, type, sizeof type);
        uint64_t locs[2] = {vm_pprof_location(pp, type, "", 0),
                            b->fn ? vm_pprof_location(pp, b->fn->name, file, b->line)
                                  : vm_pprof_location(pp, "<vm>", "", 0)};
        int64_t v[4] = {llround(b->objs), llround(b->bytes), llround(b->live_objs),
                        llround(b->live_bytes)};
        vm_pprof_sample(pp, locs, 2, v);
    }
    int r = vm_pprof_write(pp, out);
    vm_pprof_free(pp);
    return r;
}
