#!/usr/bin/env bash
# Runs the allocation benchmarks of tests/bench beside their peers (glibc
# malloc, Boehm GC) and prints medians and ratios; writes the same figures
# as Markdown to $DIR/alloc.md. Each run is its own process (peak RSS is
# per process), implementations alternate within each repetition.
#
#   tests/bench/run.sh DIR REPS DEPTH N [micro] [trees] [fastpath]
#
# DIR holds the built programs (micro, trees, fastpath, runrss); REPS runs
# per implementation and configuration (the median is reported); DEPTH is
# the binary-trees depth; N the microbenchmark's allocation count.
# NOFREE_REPS (environment, default 1) is the repetition count of the
# nofree variant, whose time is mostly page faults of a 2 GB heap.
set -u
dir=$1 reps=$2 depth=$3 n=$4
nofree_reps=${NOFREE_REPS:-1}
shift 4
sections=${*:-micro trees fastpath}
impls="alloc malloc boehm boehm-typed"
md=$dir/alloc.md
raw=$dir/raw
rm -rf "$raw" && mkdir -p "$raw"
status=0

# median FILE: the middle value of the numbers in FILE (lower middle for
# an even count), or "-" when there are none.
median() {
  [ -s "$1" ] || { echo -; return; }
  sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# field NAME LINE: the value of NAME=value in a RESULT/RUSAGE line.
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# ratio A B: A/B with two decimals, "-" when either is missing or B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.0f", k / 1024 }'; }
# verdict COND: PASS or MISS for an awk condition.
verdict() { awk "BEGIN { print (($1) ? \"PASS\" : \"MISS\") }" 2>/dev/null || echo "-"; }

# run KEY CMD...: one measured run; appends the figures to $raw/KEY.*.
run() {
  local key=$1 out rc res rus f fv
  shift
  out=$("$dir/runrss" "$@" 2>"$raw/$key.err")
  rc=$?
  res=$(echo "$out" | grep '^RESULT' | tail -n 1)
  rus=$(echo "$out" | grep '^RUSAGE' | tail -n 1)
  if [ $rc -ne 0 ] || [ -z "$res" ]; then
    echo "  FAILED (exit $rc): $*" >&2
    sed 's/^/    /' "$raw/$key.err" | tail -n 5 >&2
    status=1
    return
  fi
  echo "$out" | grep -v '^RESULT\|^RUSAGE' >"$raw/$key.out"
  for f in ns_per_alloc seconds gcs stores; do
    fv=$(field $f "$res")
    [ -n "$fv" ] && echo "$fv" >>"$raw/$key.$f"
  done
  field maxrss_kb "$rus" >>"$raw/$key.rss"
}

{
  echo "# alloc benchmarks"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1);"
  echo "Median of $reps runs per row ($nofree_reps for the nofree variant); each run a separate process, implementations alternating."
  echo "Ratios are alloc ÷ peer (below 1: alloc is faster or smaller)."
  echo "Command: \`make bench BENCH_REPS=$reps BENCH_NOFREE_REPS=$nofree_reps BENCH_DEPTH=$depth BENCH_N=$n\` (tests/bench/run.sh)."
} >"$md"

for s in $sections; do
case $s in
micro)
  echo "== allocation microbenchmark: $n allocations of sizes {16,32,48,64,128,256}"
  echo "   (fixed PRNG), half with two pointer words, half noscan; median of $reps runs"
  echo "   ($nofree_reps for nofree)"
  echo "   nofree: nothing is freed or collected (alloc gc_percent -1, malloc without free,"
  echo "           Boehm GC_disable()); window W: W live objects, slot i%W replaced each step"
  echo "           (malloc frees the old one), each new pointer object stored into an older one."
  echo "   Boehm noscan objects use GC_malloc_atomic; alloc noscan objects are zeroed (needzero)."
  {
    echo
    echo "## Allocation microbenchmark"
    echo
    echo "$n allocations, sizes {16,32,48,64,128,256} from a fixed PRNG, half two-pointer (words 0 and 1), half noscan."
    echo "*nofree*: nothing freed or collected (alloc gc_percent -1, glibc malloc without free, Boehm GC_disable)."
    echo "*window W*: W live objects in a root block, slot i%W replaced each step (malloc frees it), each new pointer object also stored into an older live pointer object."
    echo
    echo "*nofree* rows are the median of $nofree_reps run(s), the others of $reps."
    echo
    echo "| variant | impl | ns/alloc | peak RSS MiB | GCs | alloc ÷ impl (time) |"
    echo "|---|---|---:|---:|---:|---:|"
  } >>"$md"
  goals=""
  for v in "nofree" "window 10000" "window 1000000"; do
    vk=$(echo "$v" | tr ' ' _)
    vr=$reps
    [ "$v" = nofree ] && vr=$nofree_reps
    for r in $(seq "$vr"); do
      for i in $impls; do run "micro.$vk.$i" "$dir/micro" $i $v "$n"; done
    done
    # Every implementation must have run the same sequence.
    if [ "$(cat "$raw"/micro.$vk.*.stores 2>/dev/null | sort -u | wc -l)" -gt 1 ]; then
      echo "  the implementations disagree on the number of pointer stores ($v)" >&2
      status=1
    fi
    a=$(median "$raw/micro.$vk.alloc.ns_per_alloc")
    printf '%-16s %-12s %9s %13s %6s %14s\n' variant impl ns/alloc "peak RSS MiB" GCs "alloc/impl"
    for i in $impls; do
      t=$(median "$raw/micro.$vk.$i.ns_per_alloc")
      rss=$(mib "$(median "$raw/micro.$vk.$i.rss")")
      g=$(median "$raw/micro.$vk.$i.gcs")
      printf '%-16s %-12s %9s %13s %6s %14s\n' "$v" "$i" "$t" "$rss" "$g" "$(ratio "$a" "$t")"
      echo "| $v | $i | $t | $rss | $g | $(ratio "$a" "$t") |" >>"$md"
    done
    if [ "$v" != nofree ]; then
      m=$(median "$raw/micro.$vk.malloc.ns_per_alloc")
      q=$(ratio "$a" "$m")
      ok=$(verdict "\"$q\" != \"-\" && $q <= 2")
      echo "goal ($v): alloc within 2x of glibc malloc+free per allocation: ${q}x $ok"
      goals="$goals
Goal ($v): alloc within 2x of glibc malloc+free per allocation: **${q}x**, $ok."
    fi
    echo
  done
  [ -n "$goals" ] && echo "$goals" >>"$md"
  ;;
trees)
  echo "== binary-trees, depth $depth (2^(N-d) trees per depth d), median of $reps runs"
  {
    echo
    echo "## binary-trees, depth $depth"
    echo
    echo "Stretch tree of depth $((depth + 1)), long-lived tree of depth $depth, 2^($depth-d) trees of each depth d = 4, 6, ... ≤ $depth; nodes of two pointers."
    echo "alloc keeps its live trees in a shadow stack registered with gc_add_roots; malloc frees each tree; Boehm drops them."
    echo
    echo "| impl | seconds | peak RSS MiB | GCs | alloc ÷ impl (time) | alloc ÷ impl (RSS) |"
    echo "|---|---:|---:|---:|---:|---:|"
  } >>"$md"
  for r in $(seq "$reps"); do
    for i in $impls; do run "trees.$i" "$dir/trees" $i "$depth"; done
  done
  # Every implementation must print the same checks.
  for i in $impls; do
    [ "$i" = malloc ] || [ ! -s "$raw/trees.$i.out" ] || [ ! -s "$raw/trees.malloc.out" ] && continue
    if ! diff <(grep -v '^alloc:' "$raw/trees.$i.out") "$raw/trees.malloc.out" >/dev/null; then
      echo "  $i's trees output differs from malloc's:" >&2
      diff <(grep -v '^alloc:' "$raw/trees.$i.out") "$raw/trees.malloc.out" >&2
      status=1
    fi
  done
  [ -s "$raw/trees.malloc.out" ] && sed 's/^/   /' "$raw/trees.malloc.out"
  a=$(median "$raw/trees.alloc.seconds")
  ar=$(median "$raw/trees.alloc.rss")
  printf '%-12s %8s %13s %6s %12s %12s\n' impl seconds "peak RSS MiB" GCs "alloc/impl" "RSS ratio"
  for i in $impls; do
    t=$(median "$raw/trees.$i.seconds")
    rk=$(median "$raw/trees.$i.rss")
    g=$(median "$raw/trees.$i.gcs")
    printf '%-12s %8s %13s %6s %12s %12s\n' "$i" "$t" "$(mib "$rk")" "$g" "$(ratio "$a" "$t")" "$(ratio "$ar" "$rk")"
    echo "| $i | $t | $(mib "$rk") | $g | $(ratio "$a" "$t") | $(ratio "$ar" "$rk") |" >>"$md"
  done
  b=$(median "$raw/trees.boehm.seconds")
  br=$(median "$raw/trees.boehm.rss")
  tq=$(ratio "$a" "$b") rq=$(ratio "$ar" "$br")
  g1="goal: alloc faster than Boehm GC_malloc: ${tq}x $(verdict "\"$tq\" != \"-\" && $tq < 1")"
  g2="goal: alloc peak RSS below Boehm GC_malloc's: ${rq}x $(verdict "\"$rq\" != \"-\" && $rq < 1")"
  echo "$g1"
  echo "$g2"
  echo
  { echo; echo "Goal: alloc faster than Boehm GC_malloc: **${tq}x**, $(verdict "\"$tq\" != \"-\" && $tq < 1")."
    echo "Goal: alloc peak RSS below Boehm GC_malloc's: **${rq}x**, $(verdict "\"$rq\" != \"-\" && $rq < 1")."; } >>"$md"
  ;;
fastpath)
  fn=256
  echo "== instructions per 16-byte allocation on the fast path (callgrind, $fn allocations into a span"
  echo "   with room, minus a run with 0, divided by $fn). 'loop': --toggle-collect=fastpath_allocs, the"
  echo "   function that only allocates (its counter, call and store included); 'allocator': toggled on"
  echo "   the allocation entry itself (gc_mallocgc, malloc, GC_malloc)."
  {
    echo
    echo "## Fast-path instructions"
    echo
    echo "\`valgrind --tool=callgrind --toggle-collect=FN\`: $fn allocations of 16 bytes into a span with room, minus 0 allocations, divided by $fn."
    echo "*loop*: FN = fastpath_allocs, a function that only allocates (loop counter, call and store included); *allocator*: FN = the allocation entry (gc_mallocgc, malloc, GC_malloc)."
    echo
    echo "| impl | instructions/alloc (loop) | instructions/alloc (allocator) | goal ≤ 20 |"
    echo "|---|---:|---:|---|"
  } >>"$md"
  # cgper IMPL FN: collected instructions per allocation with FN toggled.
  cgper() {
    local c=() k cg
    for k in $fn 0; do
      cg=$(valgrind --tool=callgrind --toggle-collect="$2" \
             --callgrind-out-file="$raw/callgrind.$1.$2.$k" "$dir/fastpath" "$1" $k 2>&1 >/dev/null |
           sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
      c+=("${cg:--}")
    done
    awk -v a="${c[0]}" -v b="${c[1]}" -v n=$fn 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", (a - b) / n }'
  }
  if ! command -v valgrind >/dev/null; then
    echo "  valgrind is not installed: skipped"
    echo "| (valgrind missing) | - | - | - |" >>"$md"
  else
    printf '%-14s %8s %10s  %s\n' impl loop allocator "goal <= 20 (loop, allocator)"
    for i in alloc-noscan alloc-scan malloc boehm; do
      case $i in alloc-*) entry=gc_mallocgc ;; malloc) entry=malloc ;; boehm) entry=GC_malloc ;; esac
      per=$(cgper $i fastpath_allocs)
      own=$(cgper $i $entry)
      case $i in
      alloc-*) goal="$(verdict "\"$per\" != \"-\" && $per <= 20"), $(verdict "\"$own\" != \"-\" && $own <= 20")" ;;
      malloc) goal="(peer; nothing freed before, so no tcache hit)" ;;
      boehm) goal="(peer; thread-local free list)" ;;
      esac
      { [ "$per" = - ] || [ "$own" = - ]; } && status=1
      printf '%-14s %8s %10s  %s\n' "$i" "$per" "$own" "$goal"
      echo "| $i | $per | $own | $goal |" >>"$md"
    done
  fi
  echo
  ;;
*)
  echo "run.sh: unknown section $s" >&2
  status=1
  ;;
esac
done
echo "results written to $md"
exit $status
