/*
 * gctimeline.c: TOYDEBUG=gctimeline=FILE, each cycle's phases, pauses,
 * background-worker rounds, assists and heap sizes as Chrome trace-event
 * JSON (the array form, which Perfetto and chrome://tracing open). Go's
 * nearest is the execution tracer (runtime/trace: GC, STW, mark assist
 * and worker events); this writes only the collector's part, from the
 * host's threads (round and assist times are noted there), one at a
 * time: in a pause, or under pacerLock (assists), so it needs no lock
 * of its own. Tracks (tid): 1 the host's threads (pauses, assists), 2 the
 * concurrent mark, 3 the background workers' rounds; a counter "heap"
 * follows heapLive. The closing bracket is written by gc_heap_free; a
 * trace cut short without it still opens (the format allows that).
 * The heap map's index.html draws the same timeline: every event goes to
 * it too, as the same JSON object (gc_heapmap_timeline), so the timeline
 * runs when either setting is on, and FILE is written only with its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc/internal.h"

struct gc_timeline {
    FILE *f; /* gctimeline's FILE, or NULL (the heap map's alone) */
    int n;   /* events written */
};

void gc_timeline_open(gc_heap *h)
{
    FILE *f = NULL;
    if (h->opts.debug.gctimeline[0] && !(f = fopen(h->opts.debug.gctimeline, "w"))) {
        fprintf(h->trace, "alloc: gctimeline: cannot write %s: nothing is recorded\n", h->opts.debug.gctimeline);
        if (!h->heapmap)
            return;
    }
    if (!f && !h->heapmap)
        return;
    gc_timeline *t = calloc(1, sizeof *t);
    if (!t) {
        if (f)
            fclose(f);
        return;
    }
    t->f = f;
    h->timeline = t;
    if (!f)
        return;
    static const char *const names[] = {"", "host thread (pauses, assists)", "concurrent mark",
                                        "background mark workers"};
    fputs("[\n", f);
    for (int tid = 1; tid <= 3; tid++)
        fprintf(f, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":\"%s\"}}\n",
                t->n++ ? "," : "", tid, names[tid]);
}

void gc_timeline_close(gc_heap *h)
{
    gc_timeline *t = h->timeline;
    if (!t)
        return;
    if (t->f) {
        fputs("]\n", t->f);
        fclose(t->f);
    }
    free(t);
    h->timeline = NULL;
}

static double us(const gc_heap *h, uint64_t ns) { return (double)(ns - h->stats.start_ns) / 1e3; }

/* One event object, to FILE and to the heap map. */
static void emit(gc_heap *h, const char *ev)
{
    gc_timeline *t = h->timeline;
    if (t->f)
        fprintf(t->f, "%s%s\n", t->n++ ? "," : "", ev);
    gc_heapmap_timeline(h, ev);
}

/* A complete event ("X") on track tid; args: a JSON object body or "". */
void gc_timeline_event(gc_heap *h, const char *name, int tid, uint64_t start, uint64_t end, const char *fmt, ...)
{
    gc_timeline *t = h->timeline;
    if (!t)
        return;
    char args[256] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(args, sizeof args, fmt, ap);
        va_end(ap);
    }
    char ev[512];
    snprintf(ev, sizeof ev,
             "{\"name\":\"%s\",\"cat\":\"gc\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f,"
             "\"args\":{%s}}",
             name, tid, us(h, start), (double)(end - start) / 1e3, args);
    emit(h, ev);
}

void gc_timeline_heap(gc_heap *h, uint64_t ts, uint64_t heapLive)
{
    gc_timeline *t = h->timeline;
    if (!t)
        return;
    char ev[256];
    snprintf(ev, sizeof ev,
             "{\"name\":\"heap\",\"ph\":\"C\",\"pid\":1,\"ts\":%.3f,\"args\":{\"heap_live_MB\":%.3f,"
             "\"heap_goal_MB\":%.3f}}",
             us(h, ts), (double)heapLive / 1048576.0,
             h->heapGoal == UINT64_MAX ? 0.0 : (double)h->heapGoal / 1048576.0);
    emit(h, ev);
}
