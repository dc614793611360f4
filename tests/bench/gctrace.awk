# gctrace.awk: the pause records and mark rate of one run, from the gctrace
# lines a program printed on stderr (TOYDEBUG=gctrace=1 for toy,
# GODEBUG=gctrace=1 for Go; both in Go's format, runtime/mgc.go):
#
#   gc N @Ts P%: A+B+C ms clock, a+b/c/d+e ms cpu, H0->H1->H2 MB, G MB goal, ...
#
#   awk -v stw=0|1 -f tests/bench/gctrace.awk TRACE
#
# stw=0 (Go): A and C are the two stop-the-world pauses of a cycle (sweep
# termination, mark termination), two records per cycle; B is concurrent.
# stw=1 (toy): the whole cycle stops the world, one record of A+B+C.
# Mark cpu is b+c+d (Go: assist, background and idle mark time; toy: its
# mark workers' summed time in the middle part), so marked MB (H2) over
# mark cpu seconds is the mark rate per core. Other lines are ignored.
# Prints one line of KEY=VALUE fields for tests/bench/bench.sh's raw
# results, "-" where there is nothing to measure:
#   gcs pauses pause_max_ms pause_p99_ms (nearest rank) mark_mb_s live_mb
BEGIN { n = 0; gcs = 0; marked = 0; markms = 0; live = 0 }
$1 == "gc" && $2 ~ /^[0-9]+$/ {
    for (i = 3; i + 6 <= NF; i++)
        if ($(i + 1) == "ms" && $(i + 2) ~ /^clock/)
            break
    if (i + 6 > NF)
        next
    if (split($i, clock, "+") != 3 || split($(i + 3), cpu, "+") != 3 ||
        split(cpu[2], mark, "/") != 3 || split($(i + 6), heap, "->") != 3)
        next
    gcs++
    if (stw) {
        p[++n] = clock[1] + clock[2] + clock[3]
    } else {
        p[++n] = clock[1] + 0
        p[++n] = clock[3] + 0
    }
    marked += heap[3]
    markms += mark[1] + mark[2] + mark[3]
    if (heap[3] + 0 > live)
        live = heap[3] + 0
}
END {
    if (n == 0) {
        print "gcs=0 pauses=0 pause_max_ms=- pause_p99_ms=- mark_mb_s=- live_mb=-"
        exit 0
    }
    # insertion sort: a run has tens to a few thousand records
    for (i = 2; i <= n; i++) {
        v = p[i]
        for (j = i - 1; j >= 1 && p[j] > v; j--)
            p[j + 1] = p[j]
        p[j + 1] = v
    }
    r = int(0.99 * n)
    if (r < 0.99 * n)
        r++
    rate = markms > 0 ? sprintf("%.0f", marked / (markms / 1000)) : "-"
    printf "gcs=%d pauses=%d pause_max_ms=%.3f pause_p99_ms=%.3f mark_mb_s=%s live_mb=%d\n", gcs, n, p[n], p[r], rate, live
}
