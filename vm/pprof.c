/*
 * pprof.c: a profile in pprof's format (github.com/google/pprof,
 * proto/profile.proto), gzipped, as Go's runtime/pprof writes it
 * (protobuf.go, proto.go's profileBuilder): the allocation profile's
 * writer (allocprof.c) adds sample types, functions with their lines and
 * samples, and vm_pprof_write encodes and compresses them.
 *
 * Encoding: the Profile message is a sequence of fields, and a repeated
 * field may appear anywhere in it, so samples, locations and functions are
 * encoded into one buffer as they are added; the string table (field 6,
 * whose order gives each string its index) is appended at the end.
 *
 * Departure from Go, which compresses with compress/gzip: the gzip stream
 * holds stored (uncompressed) deflate blocks. Every gzip reader takes it,
 * and it needs no compression library; a profile is small.
 */
#include "vm/vmint.h"

#include <stdlib.h>
#include <string.h>

typedef struct pbuf {
    unsigned char *b;
    size_t n, cap;
    bool oom;
} pbuf;

typedef struct func {
    int64_t name, file;
} func;

typedef struct loc {
    uint64_t fn;
    int64_t line;
} loc;

struct vm_pprof {
    pbuf body;
    char **str; /* the string table; str[0] is "" */
    size_t nstr, capstr;
    func *fn;   /* function id = index + 1 */
    size_t nfn, capfn;
    loc *loc;   /* location id = index + 1 */
    size_t nloc, caploc;
    size_t nsample_types;
    bool oom;
};

/* Room for n more elements in *v (count *len, capacity *cap); false when
 * memory runs out. */
static bool room(void **v, size_t len, size_t *cap, size_t n, size_t elem)
{
    if (len + n <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < len + n)
        c *= 2;
    void *nv = realloc(*v, c * elem);
    if (!nv)
        return false;
    *v = nv;
    *cap = c;
    return true;
}

static void put_bytes(pbuf *p, const void *s, size_t n)
{
    if (p->oom || !room((void **)&p->b, p->n, &p->cap, n, 1)) {
        p->oom = true;
        return;
    }
    memcpy(p->b + p->n, s, n);
    p->n += n;
}

static void put_varint(pbuf *p, uint64_t x)
{
    unsigned char t[10];
    size_t n = 0;
    do {
        t[n++] = (unsigned char)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
        x >>= 7;
    } while (x);
    put_bytes(p, t, n);
}

/* Wire types: 0 varint, 2 length-delimited. */
static void put_key(pbuf *p, int field, int wire) { put_varint(p, (uint64_t)field << 3 | (uint64_t)wire); }

static void put_int(pbuf *p, int field, uint64_t x)
{
    if (x == 0)
        return; /* proto3: a zero scalar is the default, left out */
    put_key(p, field, 0);
    put_varint(p, x);
}

/* A length-delimited field whose bytes are the message m. */
static void put_msg(pbuf *p, int field, const pbuf *m)
{
    if (m->oom)
        p->oom = true;
    put_key(p, field, 2);
    put_varint(p, m->n);
    put_bytes(p, m->b, m->n);
}

vm_pprof *vm_pprof_new(void)
{
    vm_pprof *P = calloc(1, sizeof *P);
    if (P && vm_pprof_string(P, "") != 0) {
        vm_pprof_free(P);
        return NULL;
    }
    return P;
}

void vm_pprof_free(vm_pprof *P)
{
    if (!P)
        return;
    for (size_t i = 0; i < P->nstr; i++)
        free(P->str[i]);
    free(P->str);
    free(P->fn);
    free(P->loc);
    free(P->body.b);
    free(P);
}

int64_t vm_pprof_string(vm_pprof *P, const char *s)
{
    for (size_t i = 0; i < P->nstr; i++)
        if (strcmp(P->str[i], s) == 0)
            return (int64_t)i;
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (!c || !room((void **)&P->str, P->nstr, &P->capstr, 1, sizeof *P->str)) {
        free(c);
        P->oom = true;
        return 0;
    }
    memcpy(c, s, n);
    P->str[P->nstr] = c;
    return (int64_t)P->nstr++;
}

/* A ValueType message {type, unit} as field `field` of the profile. */
static void put_value_type(vm_pprof *P, int field, const char *type, const char *unit)
{
    pbuf m = {0};
    put_int(&m, 1, (uint64_t)vm_pprof_string(P, type));
    put_int(&m, 2, (uint64_t)vm_pprof_string(P, unit));
    put_msg(&P->body, field, &m);
    free(m.b);
}

void vm_pprof_sample_type(vm_pprof *P, const char *type, const char *unit)
{
    put_value_type(P, 1, type, unit);
    P->nsample_types++;
}

void vm_pprof_period(vm_pprof *P, const char *type, const char *unit, int64_t period)
{
    put_value_type(P, 11, type, unit);
    put_int(&P->body, 12, (uint64_t)period);
}

void vm_pprof_comment(vm_pprof *P, const char *text)
{
    put_int(&P->body, 13, (uint64_t)vm_pprof_string(P, text));
}

uint64_t vm_pprof_location(vm_pprof *P, const char *function, const char *file, int64_t line)
{
    int64_t name = vm_pprof_string(P, function), fname = vm_pprof_string(P, file);
    uint64_t fid = 0;
    for (size_t i = 0; i < P->nfn && !fid; i++)
        if (P->fn[i].name == name && P->fn[i].file == fname)
            fid = i + 1;
    if (!fid) {
        if (!room((void **)&P->fn, P->nfn, &P->capfn, 1, sizeof *P->fn)) {
            P->oom = true;
            return 0;
        }
        P->fn[P->nfn++] = (func){name, fname};
        fid = P->nfn;
        pbuf m = {0}; /* Function {id, name, system_name, filename} */
        put_int(&m, 1, fid);
        put_int(&m, 2, (uint64_t)name);
        put_int(&m, 3, (uint64_t)name);
        put_int(&m, 4, (uint64_t)fname);
        put_msg(&P->body, 5, &m);
        free(m.b);
    }
    for (size_t i = 0; i < P->nloc; i++)
        if (P->loc[i].fn == fid && P->loc[i].line == line)
            return i + 1;
    if (!room((void **)&P->loc, P->nloc, &P->caploc, 1, sizeof *P->loc)) {
        P->oom = true;
        return 0;
    }
    P->loc[P->nloc++] = (loc){fid, line};
    pbuf ln = {0}, m = {0}; /* Location {id, line: [Line {function_id, line}]} */
    put_int(&ln, 1, fid);
    put_int(&ln, 2, (uint64_t)line);
    put_int(&m, 1, P->nloc);
    put_msg(&m, 4, &ln);
    put_msg(&P->body, 4, &m);
    free(ln.b);
    free(m.b);
    return P->nloc;
}

void vm_pprof_sample(vm_pprof *P, const uint64_t *locs, size_t nlocs, const int64_t *values)
{
    pbuf ids = {0}, vals = {0}, m = {0}; /* Sample {location_id, value}, both packed */
    for (size_t i = 0; i < nlocs; i++)
        put_varint(&ids, locs[i]);
    for (size_t i = 0; i < P->nsample_types; i++)
        put_varint(&vals, (uint64_t)values[i]);
    put_msg(&m, 1, &ids);
    put_msg(&m, 2, &vals);
    put_msg(&P->body, 2, &m);
    free(ids.b);
    free(vals.b);
    free(m.b);
}

/* ---- gzip (RFC 1952) of stored deflate blocks (RFC 1951, BTYPE 00) ---- */

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static void le32(unsigned char *b, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(x >> (8 * i));
}

int vm_pprof_write(vm_pprof *P, FILE *out)
{
    pbuf all = {0};
    put_bytes(&all, P->body.b, P->body.n);
    if (P->body.oom)
        all.oom = true;
    for (size_t i = 0; i < P->nstr; i++) {
        size_t n = strlen(P->str[i]);
        put_key(&all, 6, 2);
        put_varint(&all, n);
        put_bytes(&all, P->str[i], n);
    }
    if (all.oom || P->oom) {
        free(all.b);
        return -1;
    }
    /* Header: magic, CM 8 (deflate), no flags, no mtime, XFL 0, OS 255. */
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
    fwrite(head, 1, sizeof head, out);
    size_t off = 0;
    do {
        size_t n = all.n - off > 65535 ? 65535 : all.n - off;
        bool last = off + n == all.n;
        unsigned char bh[5] = {last ? 1 : 0, (unsigned char)n, (unsigned char)(n >> 8),
                               (unsigned char)~n, (unsigned char)(~n >> 8)};
        fwrite(bh, 1, sizeof bh, out);
        fwrite(all.b + off, 1, n, out);
        off += n;
    } while (off < all.n);
    unsigned char tail[8];
    le32(tail, crc32_update(0, all.b, all.n));
    le32(tail + 4, (uint32_t)all.n);
    fwrite(tail, 1, sizeof tail, out);
    free(all.b);
    return ferror(out) ? -1 : 0;
}
