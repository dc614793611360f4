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
# Minimum mutator utilization (Go's MMU) at 10 ms and 100 ms windows: the
# smallest share of any window of that length, anywhere in the run, left
# to the program. The time taken from it: each pause, at its place (the
# cycle starts at @T; stw=0: A at T, C at T+A+B; stw=1: A+B+C at T), and
# the cycle's assists (cpu b), spread evenly over its concurrent part B.
# The background workers run on other CPUs and are not counted: right for
# these single-threaded programs on a machine with a spare CPU. Timeline
# in 0.1 ms steps; @T has 1 ms resolution, so a figure is good to about
# 1 ms of a window.
# Prints one line of KEY=VALUE fields for tests/bench/bench.sh's raw
# results, "-" where there is nothing to measure:
#   gcs pauses pause_max_ms pause_p99_ms (nearest rank) mark_mb_s live_mb
#   mmu_10ms mmu_100ms
BEGIN { n = 0; gcs = 0; marked = 0; markms = 0; live = 0; STEP = 0.1; last = 0 }
# busy(from, to, density): the program loses density of [from, to) ms.
function busy(from, to, d,    b, lo, hi, o) {
    if (to <= from || d <= 0)
        return
    if (to > last)
        last = to
    for (b = int(from / STEP); b * STEP < to; b++) {
        lo = b * STEP > from ? b * STEP : from
        hi = (b + 1) * STEP < to ? (b + 1) * STEP : to
        o = hi - lo
        if (o > 0)
            lost[b] += o * d
    }
}
# mmu(w): 1 - the most lost in any window of w ms (the whole run if shorter).
function mmu(w,    nb, wb, b, sum, worst) {
    nb = int(last / STEP) + 1
    wb = int(w / STEP + 0.5)
    if (wb > nb)
        wb = nb
    sum = 0
    worst = 0
    for (b = 0; b < nb; b++) {
        sum += lost[b]
        if (b >= wb)
            sum -= lost[b - wb]
        if (b >= wb - 1 && sum > worst)
            worst = sum
    }
    return sprintf("%.3f", 1 - worst / (wb * STEP))
}
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
    t = substr($3, 2) * 1000
    if (stw) {
        p[++n] = clock[1] + clock[2] + clock[3]
        busy(t, t + p[n], 1)
    } else {
        p[++n] = clock[1] + 0
        p[++n] = clock[3] + 0
        busy(t, t + clock[1], 1)
        busy(t + clock[1], t + clock[1] + clock[2], clock[2] > 0 ? (mark[1] > clock[2] ? 1 : mark[1] / clock[2]) : 0)
        busy(t + clock[1] + clock[2], t + clock[1] + clock[2] + clock[3], 1)
    }
    marked += heap[3]
    markms += mark[1] + mark[2] + mark[3]
    if (heap[3] + 0 > live)
        live = heap[3] + 0
}
END {
    if (n == 0) {
        print "gcs=0 pauses=0 pause_max_ms=- pause_p99_ms=- mark_mb_s=- live_mb=- mmu_10ms=- mmu_100ms=-"
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
    printf "gcs=%d pauses=%d pause_max_ms=%.3f pause_p99_ms=%.3f mark_mb_s=%s live_mb=%d mmu_10ms=%s mmu_100ms=%s\n", gcs, n, p[n], p[r], rate, live, mmu(10), mmu(100)
}
