/*
 * heapmap.c: TOYDEBUG=heapmap=DIR, a picture of the heap for people who
 * study typed allocation. After every cycle, and once more when the heap
 * is freed, DIR/cycle-NNNN.svg (NNNN = num_gc) or DIR/exit.svg shows every
 * span as one cell, in one row per span class (labelled with the class,
 * its object size and scan/noscan), shaded by occupancy (allocated slots /
 * slots) in a blue hue for scan spans and an orange one for noscan spans;
 * large spans, free runs and released (scavenged) runs are drawn to scale,
 * one cell unit per 8 KiB page. DIR/index.html holds every picture inline
 * with its cycle's statistics and steps through them (buttons, arrow keys);
 * it needs no other file and no network, so it works from file://.
 *
 * Go has no such picture (its nearest are gctrace and viewcore); this file
 * reads only what any host could (gc_span_walk, gc_read_stats) and lives in
 * alloc so that TOYDEBUG turns it on under every host. Element ids and
 * classes are stable (class="span ..." once per in-use span, "free" once per
 * free run, "cont" for the further lines of a run wrapped across lines) so
 * tests can count them; addresses appear only as page offsets from the
 * lowest page, so two runs of a deterministic program give the same files.
 *
 * index.html is written as the program runs: the head and its script first,
 * then one section per picture, flushed each time, so a program that dies
 * early still leaves a page that works; gc_heap_free closes the document.
 * Pictures come after the cycle's pause is measured, so pause_ns does not
 * include them. A file that cannot be written is reported once on the
 * trace stream and turns the map off; the program goes on.
 *
 * Above the pictures, index.html draws the collector's timeline, the one
 * TOYDEBUG=gctimeline writes (alloc/gctimeline.c hands every event here
 * too, as the same JSON object, written as a call tl({...}) between the
 * sections): a lane per track (pauses and assists on the host's thread,
 * the concurrent mark, the background workers' rounds) over the run's
 * time, and the heap's live size and goal per cycle below them. Its times
 * differ between runs; everything else in the directory does not.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "alloc/internal.h"

/* Geometry, in SVG user units (CSS pixels). */
enum {
    UNIT = 6,          /* width of one page */
    LINE_PAGES = 128,  /* pages per line: 1 MiB */
    LABEL_W = 380,     /* the label column: class, size, kind; count, fullness */
    CELL_H = 12,
    LINE_H = 15,
    ROW_GAP = 7,
    HEAD_H = 76,       /* title, statistics and legend */
    WIDTH = LABEL_W + LINE_PAGES * UNIT + 12,
};

/* Rows: small classes by size (scan before noscan), then large objects,
 * then free runs. */
#define ROW_LARGE (2u * GC_NUM_SIZE_CLASSES)
#define ROW_FREE (ROW_LARGE + 2u)

struct gc_heapmap {
    char dir[GC_HEAPMAP_DIR_MAX];
    FILE *index;
};

typedef enum { PIC_AUTO, PIC_FORCED, PIC_EXIT } picKind;

typedef struct {
    gc_span_info *v;
    size_t n, cap;
    int oom;
    uintptr_t minbase;
} spanVec;

typedef struct {
    const spanVec *spans;
    gc_stats st;
    picKind kind;
    char id[32];     /* "cycle-0003" or "exit": file name, section id, id prefix */
    char label[48];  /* "cycle 3" or "at exit" */
    size_t nspans, nfree;
} picture;

static unsigned rowOf(const gc_span_info *s)
{
    if (s->free)
        return ROW_FREE;
    unsigned c = s->size_class ? s->size_class : GC_NUM_SIZE_CLASSES;
    return 2 * c + (s->noscan ? 1u : 0u);
}

static int bySpanRow(const void *a, const void *b)
{
    const gc_span_info *x = a, *y = b;
    unsigned rx = rowOf(x), ry = rowOf(y);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return x->base < y->base ? -1 : x->base > y->base;
}

static void collect(const gc_span_info *si, void *ud)
{
    spanVec *l = ud;
    if (l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        gc_span_info *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *si;
    if (l->n == 1 || si->base < l->minbase)
        l->minbase = si->base;
}

static void fmtBytes(char *buf, size_t n, uint64_t b)
{
    if (b >= (uint64_t)1 << 30)
        snprintf(buf, n, "%.2f GiB", (double)b / (double)((uint64_t)1 << 30));
    else if (b >= (uint64_t)1 << 20)
        snprintf(buf, n, "%.2f MiB", (double)b / (double)((uint64_t)1 << 20));
    else if (b >= (uint64_t)1 << 10)
        snprintf(buf, n, "%.1f KiB", (double)b / 1024.0);
    else
        snprintf(buf, n, "%llu B", (unsigned long long)b);
}

static int hueOf(bool noscan) { return noscan ? 28 : 212; }

/* Lightness falls from 93% (empty) to 33% (full). */
static int lightOf(double occ) { return 93 - (int)(occ * 60.0 + 0.5); }

/* The cells of one row: pieces of at most a line each. When f is NULL only
 * the number of lines is computed. */
static unsigned flowRow(FILE *f, const picture *pic, const gc_span_info *v, size_t n, double y0,
                        size_t *serial)
{
    unsigned line = 0, col = 0;
    for (size_t i = 0; i < n; i++) {
        const gc_span_info *s = &v[i];
        size_t left = s->npages ? s->npages : 1;
        if (left <= LINE_PAGES && col + left > LINE_PAGES) {
            line++;
            col = 0;
        } else if (left > LINE_PAGES && col > 0) {
            line++;
            col = 0;
        }
        bool first = true;
        char cls[64], fill[40] = "", title[240], marked[48] = "";
        const char *sc = s->noscan ? "noscan" : "scan";
        size_t page = (size_t)((s->base - pic->spans->minbase) / GC_PAGE_SIZE);
        if (f) {
            if (s->free) {
                snprintf(cls, sizeof cls, "free%s", s->released ? " released" : "");
                snprintf(title, sizeof title, "%s run: %zu page%s at page %zu", s->released ? "released" : "free",
                         s->npages, s->npages == 1 ? "" : "s", page);
            } else {
                double occ = s->nelems ? (double)s->nalloc / (double)s->nelems : 0.0;
                snprintf(fill, sizeof fill, " fill=\"hsl(%d,75%%,%d%%)\"", hueOf(s->noscan), lightOf(occ));
                if (s->unswept)
                    snprintf(marked, sizeof marked, " (unswept: %u marked live)", s->nmarked);
                if (s->size_class) {
                    snprintf(cls, sizeof cls, "%s c%u", sc, s->size_class);
                    snprintf(title, sizeof title, "class %u (%zu B, %s): %u/%u slots allocated%s, %zu page%s at page %zu",
                             s->size_class, s->elem_size, sc, s->nalloc, s->nelems, marked, s->npages,
                             s->npages == 1 ? "" : "s", page);
                } else {
                    snprintf(cls, sizeof cls, "%s large", sc);
                    char sz[24];
                    fmtBytes(sz, sizeof sz, (uint64_t)s->npages * GC_PAGE_SIZE);
                    snprintf(title, sizeof title, "large object (%s, %s%s): %s in %zu page%s at page %zu", sc,
                             s->nalloc ? "allocated" : "empty", marked, sz, s->npages, s->npages == 1 ? "" : "s",
                             page);
                }
            }
        }
        while (left > 0) {
            size_t take = left < (size_t)(LINE_PAGES - col) ? left : (size_t)(LINE_PAGES - col);
            if (f) {
                double x = LABEL_W + (double)col * UNIT, y = y0 + (double)line * LINE_H;
                if (first && !s->free)
                    fprintf(f, "<rect class=\"span %s\" id=\"%s-s%zu\"", cls, pic->id, (*serial)++);
                else if (first)
                    fprintf(f, "<rect class=\"%s\"", cls);
                else
                    fprintf(f, "<rect class=\"cont %s\"", cls);
                /* A gap of 1.5 units keeps neighbours of one shade apart. */
                fprintf(f, " x=\"%g\" y=\"%g\" width=\"%g\" height=\"%d\"%s", x, y, (double)take * UNIT - 1.5, CELL_H,
                        fill);
                if (first && !s->free)
                    fprintf(f, " data-class=\"%u\" data-pages=\"%zu\" data-nalloc=\"%u\" data-nelems=\"%u\"",
                            s->size_class, s->npages, s->nalloc, s->nelems);
                if (first && s->unswept)
                    fprintf(f, " data-nmarked=\"%u\"", s->nmarked);
                fprintf(f, "><title>%s%s</title></rect>\n", title, first ? "" : " (continued)");
            }
            first = false;
            left -= take;
            col += (unsigned)take;
            if (col == LINE_PAGES && (left > 0 || i + 1 < n)) {
                line++;
                col = 0;
            }
        }
    }
    return line + (col > 0 ? 1 : 0) + (n == 0);
}

/* The end of the row that starts at lo (the list is sorted by row). */
static size_t rowEnd(const spanVec *l, size_t lo)
{
    size_t hi = lo + 1;
    while (hi < l->n && rowOf(&l->v[hi]) == rowOf(&l->v[lo]))
        hi++;
    return hi;
}

static void rowLabel(FILE *f, const gc_span_info *v, size_t n, double y)
{
    const gc_span_info *s = &v[0];
    uint64_t nalloc = 0, nelems = 0, bytes = 0, nmarked = 0, unswept = 0;
    for (size_t i = 0; i < n; i++) {
        nmarked += v[i].nmarked;
        unswept += v[i].unswept;
        nalloc += v[i].nalloc;
        nelems += v[i].nelems;
        bytes += (uint64_t)v[i].npages * GC_PAGE_SIZE;
    }
    char b[24], label[64], summary[80];
    fmtBytes(b, sizeof b, bytes);
    const char *sc = s->noscan ? "noscan" : "scan";
    if (s->free) {
        uint64_t rel = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i].released)
                rel += (uint64_t)v[i].npages * GC_PAGE_SIZE;
        char r[24];
        fmtBytes(r, sizeof r, rel);
        snprintf(label, sizeof label, "free \xc2\xb7 %zu run%s \xc2\xb7 %s", n, n == 1 ? "" : "s", b);
        snprintf(summary, sizeof summary, "%s released", r);
    } else if (s->size_class) {
        snprintf(label, sizeof label, "class %u \xc2\xb7 %zu B \xc2\xb7 %s", s->size_class, s->elem_size, sc);
        /* Unswept spans also say how much of them the mark kept. */
        if (unswept)
            snprintf(summary, sizeof summary, "%zu span%s, %llu%% full, %llu%% live", n, n == 1 ? "" : "s",
                     (unsigned long long)(nelems ? nalloc * 100 / nelems : 0),
                     (unsigned long long)(nelems ? nmarked * 100 / nelems : 0));
        else
            snprintf(summary, sizeof summary, "%zu span%s, %llu%% full", n, n == 1 ? "" : "s",
                     (unsigned long long)(nelems ? nalloc * 100 / nelems : 0));
    } else {
        snprintf(label, sizeof label, "large \xc2\xb7 %s", sc);
        snprintf(summary, sizeof summary, "%zu span%s, %s", n, n == 1 ? "" : "s", b);
    }
    fprintf(f, "<text class=\"label\" x=\"8\" y=\"%g\">%s</text>\n", y + CELL_H - 2, label);
    fprintf(f, "<text class=\"summary\" x=\"%d\" y=\"%g\" text-anchor=\"end\">%s</text>\n", LABEL_W - 10,
            y + CELL_H - 2, summary);
}

static void statsLine(char *buf, size_t n, const picture *pic)
{
    char live[24], alloc[24], sys[24], rel[24];
    fmtBytes(live, sizeof live, pic->st.heap_live);
    fmtBytes(alloc, sizeof alloc, pic->st.heap_alloc);
    fmtBytes(sys, sizeof sys, pic->st.heap_sys);
    fmtBytes(rel, sizeof rel, pic->st.heap_released);
    snprintf(buf, n, "heap_live %s \xc2\xb7 heap_alloc %s \xc2\xb7 heap_sys %s \xc2\xb7 heap_released %s \xc2\xb7 %zu spans, %zu free runs",
             live, alloc, sys, rel, pic->nspans, pic->nfree);
}

static const char *kindText(picKind k)
{
    switch (k) {
    case PIC_FORCED:
        return "after gc_collect: swept";
    case PIC_AUTO:
        return "after an automatic cycle: unswept, so \"full\" counts the dead until swept, \"live\" the marked";
    default:
        return "at gc_heap_free";
    }
}

static void writeSVG(FILE *f, const picture *pic)
{
    const spanVec *l = pic->spans;
    double y = HEAD_H;
    for (size_t lo = 0, hi; lo < l->n; lo = hi) {
        hi = rowEnd(l, lo);
        y += flowRow(NULL, pic, &l->v[lo], hi - lo, 0, NULL) * LINE_H + ROW_GAP;
    }
    int height = (int)y + 8;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heapmap\" id=\"heap-%s\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" data-num-gc=\"%llu\" data-spans=\"%zu\" data-spans-inuse=\"%llu\" "
            "data-free-runs=\"%zu\">\n",
            pic->id, WIDTH, height, WIDTH, height, (unsigned long long)pic->st.num_gc, pic->nspans,
            (unsigned long long)pic->st.spans_inuse, pic->nfree);
    fprintf(f, "<title>toy heap, %s</title>\n", pic->label);
    fputs("<style>\n"
          ".heapmap text{font:11px monospace;fill:#222}\n"
          ".heapmap .title{font:bold 14px sans-serif}\n"
          ".heapmap .summary{font-size:10px;fill:#666}\n"
          ".heapmap .scan{stroke:#1d4f86;stroke-width:.6}\n"
          ".heapmap .noscan{stroke:#8a4a10;stroke-width:.6}\n"
          ".heapmap .free{fill:#a9a9a9}\n"
          ".heapmap .free.released{fill:#fff;stroke:#888;stroke-width:.8;stroke-dasharray:2 1}\n"
          "</style>\n",
          f);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fdfdfd\"/>\n", WIDTH, height);
    char line[320];
    fprintf(f, "<text class=\"title\" x=\"8\" y=\"18\">toy heap, %s (num_gc %llu), %s</text>\n", pic->label,
            (unsigned long long)pic->st.num_gc, kindText(pic->kind));
    statsLine(line, sizeof line, pic);
    fprintf(f, "<text x=\"8\" y=\"36\">%s</text>\n", line);
    /* Legend: occupancy ramps for both hues, then free and released. */
    double x = 8;
    for (int k = 0; k < 2; k++) {
        fprintf(f, "<text x=\"%g\" y=\"60\">%s 0%%</text>\n", x, k ? "noscan" : "scan");
        x += k ? 70 : 56;
        for (int j = 0; j <= 4; j++, x += 15)
            fprintf(f, "<rect class=\"key %s\" x=\"%g\" y=\"50\" width=\"14\" height=\"%d\" fill=\"hsl(%d,75%%,%d%%)\"/>\n",
                    k ? "noscan" : "scan", x, CELL_H, hueOf(k), lightOf(j / 4.0));
        fprintf(f, "<text x=\"%g\" y=\"60\">100%%</text>\n", x + 2);
        x += 56;
    }
    fprintf(f, "<rect class=\"key free\" x=\"%g\" y=\"50\" width=\"14\" height=\"%d\"/>", x, CELL_H);
    fprintf(f, "<text x=\"%g\" y=\"60\">free</text>\n", x + 18);
    x += 58;
    fprintf(f, "<rect class=\"key free released\" x=\"%g\" y=\"50\" width=\"14\" height=\"%d\"/>", x, CELL_H);
    fprintf(f, "<text x=\"%g\" y=\"60\">released to the OS</text>\n", x + 18);
    x += 150;
    fprintf(f, "<text x=\"%g\" y=\"60\">one cell per span, %d px per 8 KiB page, %d pages a line</text>\n", x,
            UNIT, LINE_PAGES);
    y = HEAD_H;
    size_t serial = 0;
    for (size_t lo = 0, hi; lo < l->n; lo = hi) {
        hi = rowEnd(l, lo);
        const gc_span_info *v = &l->v[lo];
        unsigned r = rowOf(v);
        fprintf(f, "<g class=\"row%s\" data-row=\"%u\">\n", r == ROW_FREE ? " free-row" : "", r);
        rowLabel(f, v, hi - lo, y);
        unsigned lines = flowRow(f, pic, v, hi - lo, y, &serial);
        fputs("</g>\n", f);
        y += lines * LINE_H + ROW_GAP;
    }
    fputs("</svg>\n", f);
}

static void warn(gc_heap *h, const char *what, const char *path)
{
    fprintf(h->trace, "heapmap: %s %s: %s (heap map off)\n", what, path, strerror(errno));
    fflush(h->trace);
}

static void stop(gc_heap *h)
{
    gc_heapmap *m = h->heapmap;
    if (m->index)
        fclose(m->index);
    free(m);
    h->heapmap = NULL;
}

/* mkdir -p: the directory and any missing parents. */
static int makeDirs(const char *dir)
{
    char path[GC_HEAPMAP_DIR_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = c;
        if (!c)
            return 0;
    }
}

static const char indexHead[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>toy heap map</title>\n"
    "<style>\n"
    "body{font:14px sans-serif;margin:12px;color:#222;background:#fff}\n"
    "header{position:sticky;top:0;background:#fff;padding-bottom:6px;border-bottom:1px solid #ddd}\n"
    "h1{font-size:18px;margin:0 0 6px}\n"
    "h2{font-size:15px;margin:10px 0 4px}\n"
    "nav button{font-size:14px;padding:2px 10px}\n"
    "#pos{display:inline-block;min-width:16em;margin:0 8px;font-weight:bold}\n"
    ".hint{color:#666;font-size:12px}\n"
    "#legend span.sw{display:inline-block;width:14px;height:12px;vertical-align:middle;border:1px solid #888}\n"
    "#legend{font-size:12px;margin-top:6px}\n"
    "table.stats{border-collapse:collapse;font:12px monospace;margin-bottom:6px}\n"
    "table.stats td,table.stats th{border:1px solid #ddd;padding:1px 8px;text-align:right}\n"
    "table.stats th{background:#f4f4f4}\n"
    "#timeline svg{display:block;border:1px solid #ddd;margin-bottom:4px}\n"
    "#timeline .lane{font:11px sans-serif;fill:#444}\n"
    "html.js section.cycle{display:none}\n"
    "html.js section.cycle.current{display:block}\n"
    "</style>\n"
    "<script>\n"
    "document.documentElement.className = 'js';\n"
    "var TL = [];\n"
    "function tl(e) { TL.push(e); }\n"
    "function drawTimeline() {\n"
    "  var NS = 'http://www.w3.org/2000/svg', W = 1100, X0 = 190, LANE = 22, CH = 90;\n"
    "  var svg = document.getElementById('tl'), end = 0, evs = [], heap = [], maxMB = 0;\n"
    "  TL.forEach(function (e) {\n"
    "    if (e.ph === 'X') { evs.push(e); end = Math.max(end, e.ts + e.dur); }\n"
    "    else if (e.ph === 'C') { heap.push(e); end = Math.max(end, e.ts);\n"
    "      maxMB = Math.max(maxMB, e.args.heap_live_MB, e.args.heap_goal_MB); }\n"
    "  });\n"
    "  var H = 3 * LANE + CH + 30, scale = end > 0 ? (W - X0 - 10) / end : 0;\n"
    "  svg.setAttribute('width', W); svg.setAttribute('height', H);\n"
    "  function el(name, attrs, text) {\n"
    "    var n = document.createElementNS(NS, name);\n"
    "    for (var k in attrs) n.setAttribute(k, attrs[k]);\n"
    "    if (text !== undefined) n.textContent = text;\n"
    "    svg.appendChild(n); return n;\n"
    "  }\n"
    "  ['pauses, assists (host thread)', 'concurrent mark', 'background workers'].forEach(function (s, i) {\n"
    "    el('text', {x: 4, y: i * LANE + 15, 'class': 'lane'}, s);\n"
    "  });\n"
    "  el('text', {x: 4, y: 3 * LANE + 15, 'class': 'lane'}, 'heap live (blue), goal (grey)');\n"
    "  el('text', {x: 4, y: 3 * LANE + 30, 'class': 'lane'}, maxMB.toFixed(1) + ' MB');\n"
    "  el('text', {x: W - 80, y: H - 4, 'class': 'lane'}, (end / 1000).toFixed(1) + ' ms');\n"
    "  var pauses = 0, rendered = 0;\n"
    "  evs.forEach(function (e) {\n"
    "    var kind = e.name.indexOf('pause') === 0 ? 'pause' : e.name === 'assist' ? 'assist' :\n"
    "               e.tid === 2 ? 'mark' : 'workers';\n"
    "    if (kind === 'pause') pauses++;\n"
    "    var fill = {pause: '#d62728', assist: '#ff7f0e', mark: '#9ecae1', workers: '#2ca02c'}[kind];\n"
    "    var r = el('rect', {'class': 'tl-ev tl-' + kind, x: X0 + e.ts * scale, y: (e.tid - 1) * LANE + 3,\n"
    "      width: Math.max(1, e.dur * scale), height: LANE - 6, fill: fill});\n"
    "    var t = document.createElementNS(NS, 'title');\n"
    "    t.textContent = e.name + ': ' + (e.dur / 1000).toFixed(3) + ' ms at ' + (e.ts / 1000).toFixed(3) +\n"
    "      ' ms ' + JSON.stringify(e.args);\n"
    "    r.appendChild(t);\n"
    "    var b = r.getBoundingClientRect();\n"
    "    if (b.width > 0 && b.height > 0) rendered++;\n"
    "  });\n"
    "  function line(key, stroke, dash) {\n"
    "    var pts = heap.map(function (e) {\n"
    "      return (X0 + e.ts * scale).toFixed(1) + ',' +\n"
    "        (3 * LANE + 10 + CH - (maxMB > 0 ? e.args[key] / maxMB * CH : 0)).toFixed(1);\n"
    "    }).join(' ');\n"
    "    el('polyline', {'class': 'tl-' + key, points: pts, fill: 'none', stroke: stroke,\n"
    "      'stroke-width': 1.5, 'stroke-dasharray': dash});\n"
    "  }\n"
    "  line('heap_goal_MB', '#999', '4 3');\n"
    "  line('heap_live_MB', '#1f77b4', 'none');\n"
    "  var b = document.body;\n"
    "  b.setAttribute('data-timeline-events', evs.length);\n"
    "  b.setAttribute('data-timeline-pauses', pauses);\n"
    "  b.setAttribute('data-timeline-rendered', rendered);\n"
    "  b.setAttribute('data-timeline-heap-points', heap.length);\n"
    "}\n"
    "document.addEventListener('DOMContentLoaded', function () {\n"
    "  drawTimeline();\n"
    "  var cycles = Array.prototype.slice.call(document.querySelectorAll('section.cycle'));\n"
    "  var pos = document.getElementById('pos'), prev = document.getElementById('prev'),\n"
    "      next = document.getElementById('next'), cur = 0;\n"
    "  cycles.forEach(function (s) {\n"
    "    s.setAttribute('data-dom-spans', s.querySelectorAll('rect.span').length);\n"
    "  });\n"
    "  document.body.setAttribute('data-cycles', cycles.length);\n"
    "  function show(i) {\n"
    "    if (!cycles.length) { pos.textContent = 'no pictures yet'; return; }\n"
    "    cur = Math.max(0, Math.min(cycles.length - 1, i));\n"
    "    cycles.forEach(function (s, j) { s.classList.toggle('current', j === cur); });\n"
    "    var s = cycles[cur], rendered = 0;\n"
    "    s.querySelectorAll('rect.span').forEach(function (r) {\n"
    "      var b = r.getBoundingClientRect();\n"
    "      if (b.width > 0 && b.height > 0) rendered++;\n"
    "    });\n"
    "    document.body.setAttribute('data-current', s.id);\n"
    "    document.body.setAttribute('data-rendered-spans', rendered);\n"
    "    pos.textContent = s.getAttribute('data-label') + ' (' + (cur + 1) + ' of ' + cycles.length +\n"
    "      '): ' + rendered + ' spans';\n"
    "    prev.disabled = cur === 0;\n"
    "    next.disabled = cur === cycles.length - 1;\n"
    "    if (location.hash !== '#' + s.id)\n"
    "      try { history.replaceState(null, '', '#' + s.id); } catch (e) {}\n"
    "  }\n"
    "  function fromHash() {\n"
    "    for (var j = 0; j < cycles.length; j++) if ('#' + cycles[j].id === location.hash) return j;\n"
    "    return -1;\n"
    "  }\n"
    "  prev.addEventListener('click', function () { show(cur - 1); });\n"
    "  next.addEventListener('click', function () { show(cur + 1); });\n"
    "  document.addEventListener('keydown', function (e) {\n"
    "    if (e.altKey || e.ctrlKey || e.metaKey) return;\n"
    "    var k = e.key;\n"
    "    if (k === 'ArrowLeft' || k === 'p' || k === 'k') show(cur - 1);\n"
    "    else if (k === 'ArrowRight' || k === 'n' || k === 'j') show(cur + 1);\n"
    "    else if (k === 'Home') show(0);\n"
    "    else if (k === 'End') show(cycles.length - 1);\n"
    "    else return;\n"
    "    e.preventDefault();\n"
    "  });\n"
    "  window.addEventListener('hashchange', function () { var j = fromHash(); if (j >= 0) show(j); });\n"
    "  var j = fromHash();\n"
    "  show(j >= 0 ? j : 0);\n"
    "});\n"
    "</script>\n</head><body>\n"
    "<header><h1>toy heap map</h1>\n"
    "<nav><button id=\"prev\" type=\"button\">&#9664; prev</button><span id=\"pos\">no pictures yet</span>"
    "<button id=\"next\" type=\"button\">next &#9654;</button> "
    "<span class=\"hint\">keys: &#8592; &#8594; (or p, n), Home, End; hover a cell for its span</span></nav>\n"
    "<div id=\"legend\">one cell per span, in one row per span class; width: pages (6 px per 8 KiB page, "
    "128 pages a line); shade: allocated slots / slots &#8212; "
    "scan <span class=\"sw\" style=\"background:hsl(212,75%,93%)\"></span>"
    "<span class=\"sw\" style=\"background:hsl(212,75%,63%)\"></span>"
    "<span class=\"sw\" style=\"background:hsl(212,75%,33%)\"></span> 0&#8211;100%, "
    "noscan <span class=\"sw\" style=\"background:hsl(28,75%,93%)\"></span>"
    "<span class=\"sw\" style=\"background:hsl(28,75%,63%)\"></span>"
    "<span class=\"sw\" style=\"background:hsl(28,75%,33%)\"></span> 0&#8211;100%, "
    "free <span class=\"sw\" style=\"background:#a9a9a9\"></span>, "
    "released to the OS <span class=\"sw\" style=\"background:#fff;border-style:dashed\"></span>. "
    "After an automatic cycle spans are not yet swept (sweeping is lazy), so their dead objects still count.</div>\n"
    "</header>\n"
    "<section id=\"timeline\"><h2>collector timeline (as TOYDEBUG=gctimeline writes it)</h2>"
    "<svg id=\"tl\" xmlns=\"http://www.w3.org/2000/svg\"></svg>"
    "<div class=\"hint\">red: pauses; orange: assists; blue: the concurrent mark; green: the background "
    "workers' rounds; hover an event for its figures</div></section>\n"
    "<main id=\"cycles\">\n";

static void writeSection(FILE *f, const picture *pic)
{
    fprintf(f,
            "<section class=\"cycle\" id=\"%s\" data-label=\"%s\" data-num-gc=\"%llu\" data-spans=\"%zu\" "
            "data-spans-inuse=\"%llu\">\n",
            pic->id, pic->label, (unsigned long long)pic->st.num_gc, pic->nspans,
            (unsigned long long)pic->st.spans_inuse);
    fprintf(f, "<h2>%s, %s</h2>\n", pic->label, kindText(pic->kind));
    const struct {
        const char *name;
        uint64_t v;
        int bytes;
    } rows[] = {
        {"num_gc", pic->st.num_gc, 0},
        {"heap_live", pic->st.heap_live, 1},
        {"heap_alloc", pic->st.heap_alloc, 1},
        {"heap_sys", pic->st.heap_sys, 1},
        {"heap_released", pic->st.heap_released, 1},
        {"heap_inuse", pic->st.heap_inuse, 1},
        {"spans", pic->st.spans_inuse, 0},
        {"free runs", pic->nfree, 0},
        {"heap_objects", pic->st.heap_objects, 0},
    };
    fputs("<table class=\"stats\"><tr>", f);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        fprintf(f, "<th>%s</th>", rows[i].name);
    fputs("</tr><tr>", f);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char b[24] = "";
        if (rows[i].bytes)
            fmtBytes(b, sizeof b, rows[i].v);
        fprintf(f, "<td class=\"%s\" data-value=\"%llu\">%s%s%llu%s</td>", rows[i].name[0] == 'f' ? "free_runs" : rows[i].name,
                (unsigned long long)rows[i].v, b, rows[i].bytes ? " (" : "", (unsigned long long)rows[i].v,
                rows[i].bytes ? ")" : "");
    }
    fputs("</tr></table>\n", f);
    writeSVG(f, pic);
    fputs("</section>\n", f);
}

static int writePicture(gc_heap *h, picKind kind)
{
    gc_heapmap *m = h->heapmap;
    spanVec l = {0};
    gc_span_walk(h, collect, &l);
    if (l.oom) {
        free(l.v);
        errno = ENOMEM;
        warn(h, "cannot hold the span list for", m->dir);
        return -1;
    }
    qsort(l.v, l.n, sizeof l.v[0], bySpanRow);
    picture pic = {.spans = &l, .kind = kind};
    gc_read_stats(h, &pic.st);
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].free)
            pic.nfree++;
        else
            pic.nspans++;
    }
    if (kind == PIC_EXIT) {
        snprintf(pic.id, sizeof pic.id, "exit");
        snprintf(pic.label, sizeof pic.label, "at exit");
    } else {
        snprintf(pic.id, sizeof pic.id, "cycle-%04llu", (unsigned long long)pic.st.num_gc);
        snprintf(pic.label, sizeof pic.label, "cycle %llu", (unsigned long long)pic.st.num_gc);
    }
    char path[GC_HEAPMAP_DIR_MAX + 48];
    snprintf(path, sizeof path, "%s/%s.svg", m->dir, pic.id);
    FILE *f = fopen(path, "w");
    int bad = !f;
    if (f) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
        writeSVG(f, &pic);
        bad = ferror(f);
        bad |= fclose(f) != 0;
    }
    if (bad) {
        free(l.v);
        warn(h, "cannot write", path);
        return -1;
    }
    writeSection(m->index, &pic);
    free(l.v);
    if (fflush(m->index) != 0 || ferror(m->index)) {
        snprintf(path, sizeof path, "%s/index.html", m->dir);
        warn(h, "cannot write", path);
        return -1;
    }
    return 0;
}

void gc_heapmap_open(gc_heap *h)
{
    gc_heapmap *m = calloc(1, sizeof *m);
    if (!m) {
        errno = ENOMEM;
        warn(h, "no memory for", h->opts.debug.heapmap);
        return;
    }
    h->heapmap = m;
    snprintf(m->dir, sizeof m->dir, "%s", h->opts.debug.heapmap);
    char path[GC_HEAPMAP_DIR_MAX + 16];
    snprintf(path, sizeof path, "%s/index.html", m->dir);
    if (makeDirs(m->dir) != 0) {
        warn(h, "cannot make the directory", m->dir);
        stop(h);
        return;
    }
    m->index = fopen(path, "w");
    if (!m->index || fputs(indexHead, m->index) < 0 || fflush(m->index) != 0) {
        warn(h, "cannot write", path);
        stop(h);
    }
}

void gc_heapmap_cycle(gc_heap *h, int forced)
{
    if (h->heapmap && writePicture(h, forced ? PIC_FORCED : PIC_AUTO) != 0)
        stop(h);
}

void gc_heapmap_timeline(gc_heap *h, const char *event)
{
    /* Flushed with the next picture; a write error shows there. */
    if (h->heapmap && h->heapmap->index)
        fprintf(h->heapmap->index, "<script>tl(%s)</script>\n", event);
}

void gc_heapmap_close(gc_heap *h)
{
    if (!h->heapmap)
        return;
    if (writePicture(h, PIC_EXIT) == 0)
        fputs("</main>\n</body></html>\n", h->heapmap->index);
    stop(h);
}
