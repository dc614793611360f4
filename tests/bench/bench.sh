#!/usr/bin/env bash
# Runs the workloads one `make bench-AREA` target names and writes their
# raw results, one line per run, to $BENCH_DIR/raw/WORKLOAD.raw (one file
# per workload: running it again replaces only that file); then prints the
# table of these workloads and re-assembles $BENCH_DIR/report.md and
# report.svg from every raw file present (tests/bench/report.lua), so a
# partial run gives a partial report.
#
#   tests/bench/bench.sh AREA WORKLOAD...
#
# WORKLOADs (each implementation of a workload alternates with its peers
# within each repetition; every run is its own process under runrss, which
# reports its wall seconds and peak RSS):
#   trees-c    binary-trees against the allocator API: alloc, glibc
#              malloc+free, Boehm GC_malloc, GC_malloc_explicitly_typed
#   trees-toy  binary-trees in toy, Lua 5.4 and Go
#   micro      the allocation microbenchmark, one workload per window
#   fastpath   instructions per 16-byte allocation (callgrind)
#   fib nbody word-freq   toy, Lua 5.4 and Go; fib adds callgrind
#              instructions per call for toy and Lua
#   threads    allocation from 1 and 2 threads on one heap (tests/bench/threads.c)
#   frag       large allocations in a heap cut into 1,000..15,000 free
#              runs: alloc and glibc malloc, per-allocation median and
#              slowest (tests/bench/frag.c)
#   gc-pause   toy and Go with a large live heap: pauses and mark rate
#              from their gctrace lines (tests/bench/gctrace.awk)
#   map-int    map[int]int of MAP_N scattered keys in toy, Lua 5.4 and Go:
#              one row per operation (insert, hit, miss, delete, iterate)
#   collatz    Collatz chain lengths below COLLATZ_N memoised in a map
#   word-count WC_N words from WC_W distinct ones counted in a map[string]int
#   k-nucleotide reverse-complement   toy, Lua 5.4 and Go reading FASTA
#              from standard input: the fasta program's output
#              (tests/bench/lua/fasta.lua, run once per size into
#              $BENCH_DIR/fasta-N.fa)
#   parallel-trees  binary-trees with each depth's trees on their own
#              thread: toy (TOYMAXPROCS=$procs) and Go (GOMAXPROCS=$procs)
#   pingpong   an int passed back and forth between two threads over
#              unbuffered channels: toy and Go, round trips per second
#   memlimit   under a memory limit below the live heap: gc_pause with
#              100 MiB (toy and Go), short-lived strings with 4 MiB against
#              no limit; prints the ratios of the medians
#
# Raw format (tests/bench/report.lua reads it; `#` starts a comment):
#   WORKLOAD IMPL SECONDS RSS_KB [KEY=VALUE...]   one run ("-": not measured)
#   fail WORKLOAD IMPL REASON...                  a run that failed
#   note WORKLOAD TEXT...                         what the workload is
#   meta KEY VALUE...                             date, machine, command...
# out=HASH in a run line is a hash of what the run printed (or, for micro,
# its pointer-store count): every run of a workload must have the same.
#
# Environment (tests/bench/build.mk sets it from the make knobs): BENCH_DIR,
# TOY, REPS, DEPTH, MICRO_N, MICRO_VARIANTS, FRAG_RUNS, FIB_N, FIB_CG_N, NBODY_N,
# WF_PASSES, GCPAUSE_TREES, GCPAUSE_ROUNDS, MAP_N, COLLATZ_N, WC_N, WC_W,
# KNUC_N, REVCOMP_N, PROCS, PINGPONG_N,
# MEMLIMIT_TREES, MEMLIMIT_STRINGS_LIVE, MEMLIMIT_STRINGS_ROUNDS, BENCH_CMD
# (the command line the report names), BENCH_ALL (set by tests/bench/all.sh).
set -u
area=$1
shift
dir=${BENCH_DIR:-build/bench}
toy=${TOY:-build/toy}
reps=${REPS:-3}
depth=${DEPTH:-21}
micro_n=${MICRO_N:-20000000}
micro_variants=${MICRO_VARIANTS:-w10000 w1000000}
frag_runs=${FRAG_RUNS:-1000 4000 8000 15000}
threads_n=${THREADS_N:-10000000}
threads_w=${THREADS_W:-50000}
fib_n=${FIB_N:-32}
fib_cg_n=${FIB_CG_N:-25}
nbody_n=${NBODY_N:-1000000}
wf_passes=${WF_PASSES:-20000}
gp_trees=${GCPAUSE_TREES:-280000}
gp_rounds=${GCPAUSE_ROUNDS:-4}
map_n=${MAP_N:-4000000}
collatz_n=${COLLATZ_N:-2000000}
wc_n=${WC_N:-4000000}
wc_w=${WC_W:-200000}
knuc_n=${KNUC_N:-250000}
revcomp_n=${REVCOMP_N:-1000000}
procs=${PROCS:-2}
pp_n=${PINGPONG_N:-200000}
ml_trees=${MEMLIMIT_TREES:-140000}
ml_strings_live=${MEMLIMIT_STRINGS_LIVE:-60000}
ml_strings_rounds=${MEMLIMIT_STRINGS_ROUNDS:-2000000}
here=$(dirname "$0")
# shellcheck source=tests/bench/meta.sh
. "$here/meta.sh"
runrss=$dir/runrss
rawdir=$dir/raw
outs=$rawdir/out
mkdir -p "$rawdir" "$outs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
t_start=$(date +%s)

# begin WORKLOAD: starts WORKLOAD's raw file, $rawdir/WORKLOAD.raw, with
# when and where it runs; re-running a workload replaces only its file.
begin() {
  raw=$rawdir/$1.raw
  files="$files $raw"
  t_wl=$(date +%s)
  {
    echo "# raw results of $1 (tests/bench/bench.sh $area)"
    bench_meta "$reps"
    echo "meta command ${BENCH_CMD:-make bench-$area}"
  } >"$raw"
}
files=""
# Run alone, these results no longer belong to a whole `make bench`.
[ -n "${BENCH_ALL:-}" ] || rm -f "$rawdir/0-bench.raw"

have_go() { [ -x "$dir/go/$1" ]; }

# run WORKLOAD IMPL CHECK [ENV=VAL...] CMD...: one measured run. CHECK is
# what must agree across implementations: "out" (stdout, without the RESULT
# line) or "stores" (micro's RESULT stores=). Leading ENV=VAL words are
# passed through env. Appends one raw line; keeps the stderr in $tmp/err
# for the caller (gc-pause parses it) and the checked output per impl.
run() {
  local w=$1 i=$2 chk=$3 out rc rus res body hash extra="" f v
  shift 3
  out=$("$runrss" env "$@" <"${RUN_STDIN:-/dev/null}" 2>"$tmp/err")
  rc=$?
  rus=$(echo "$out" | grep '^RUSAGE' | tail -n 1)
  res=$(echo "$out" | grep '^RESULT' | tail -n 1)
  if [ $rc -ne 0 ] || [ -z "$rus" ]; then
    echo "  FAILED (exit $rc): $*" >&2
    grep -v '^gc [0-9]' "$tmp/err" | tail -n 5 | sed 's/^/    /' >&2
    echo "fail $w $i exit $rc" >>"$raw"
    status=1
    return 1
  fi
  if [ "$chk" = stores ]; then
    body=$(echo "$res" | tr ' ' '\n' | grep '^stores=')
  else
    body=$(echo "$out" | grep -v '^RUSAGE\|^RESULT')
  fi
  hash=$(printf '%s\n' "$body" | md5sum | cut -c1-12)
  printf '%s\n' "$body" >"$outs/${w//\//_}.$i"
  for f in ns_per_alloc gcs median_ns max_ns max_cpu_ns cpu_ns_per_alloc; do
    v=$(echo "$res" | tr ' ' '\n' | sed -n "s/^$f=//p")
    [ -n "$v" ] && extra="$extra $f=$v"
  done
  LAST_WALL=$(echo "$rus" | sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p')
  LAST_RSS=$(echo "$rus" | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p')
  LAST_LINE="$w $i $LAST_WALL $LAST_RSS out=$hash$extra"
  return 0
}
# record [KEY=VALUE...]: appends the last run's line with more fields.
record() {
  echo "$LAST_LINE${*:+ $*}" >>"$raw"
  printf '  %-22s %-12s %8s s %6s MiB\n' "$(echo "$LAST_LINE" | cut -d' ' -f1)" \
    "$(echo "$LAST_LINE" | cut -d' ' -f2)" "$LAST_WALL" "$((LAST_RSS / 1024))"
}
# compare WORKLOAD IMPL...: the implementations' checked outputs must agree.
compare() {
  local w=$1 first="" i f
  shift
  for i in "$@"; do
    f=$outs/${w//\//_}.$i
    [ -f "$f" ] || continue
    [ -n "$first" ] || { first=$i; continue; }
    if ! cmp -s "$outs/${w//\//_}.$first" "$f"; then
      echo "  $w: $i's output differs from $first's:" >&2
      diff "$outs/${w//\//_}.$first" "$f" | head -n 10 >&2
      status=1
    fi
  done
}
# timed WORKLOAD IMPLS CMDFN: REPS rounds of every impl in turn.
timed() {
  local w=$1 impls=$2 fn=$3 i
  echo "== $w: $impls, $reps runs each, alternating"
  for i in $impls; do rm -f "$outs/${w//\//_}.$i"; done
  for _ in $(seq "$reps"); do
    for i in $impls; do
      # shellcheck disable=SC2046
      run "$w" "$i" out $($fn "$i") && record
    done
  done
  # shellcheck disable=SC2086
  compare "$w" $impls
}
# callgrind_total CMD...: instructions callgrind collected, or "-".
callgrind_total() {
  local c
  c=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
      sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
  echo "${c:--}"
}

cmd_trees() {
  case $1 in
  toy) echo "$toy run examples/binary_trees.toy $depth" ;;
  toy-stw) echo "TOYDEBUG=gcstoptheworld=1 $toy run examples/binary_trees.toy $depth" ;;
  lua) echo "lua5.4 tests/bench/lua/binary_trees.lua $depth" ;;
  go) echo "$dir/go/binary_trees $depth" ;;
  *) echo "$dir/trees $1 $depth" ;;
  esac
}
cmd_fib() {
  case $1 in
  toy) echo "$toy run examples/fib.toy $fib_n" ;;
  lua) echo "lua5.4 tests/bench/lua/fib.lua $fib_n" ;;
  go) echo "$dir/go/fib $fib_n" ;;
  esac
}
cmd_wordfreq() {
  case $1 in
  toy) echo "$toy run examples/word_freq.toy $wf_passes" ;;
  lua) echo "lua5.4 tests/bench/lua/word_freq.lua $wf_passes" ;;
  go) echo "$dir/go/word_freq $wf_passes" ;;
  esac
}
cmd_nbody() {
  case $1 in
  toy) echo "$toy run examples/nbody.toy $nbody_n" ;;
  lua) echo "lua5.4 tests/bench/lua/nbody.lua $nbody_n" ;;
  go) echo "$dir/go/nbody $nbody_n" ;;
  esac
}
map_op=insert
cmd_mapint() {
  case $1 in
  toy) echo "$toy run examples/map_ops.toy $map_op $map_n" ;;
  lua) echo "lua5.4 tests/bench/lua/map_ops.lua $map_op $map_n" ;;
  go) echo "$dir/go/map_ops $map_op $map_n" ;;
  esac
}
cmd_collatz() {
  case $1 in
  toy) echo "$toy run examples/collatz.toy $collatz_n" ;;
  lua) echo "lua5.4 tests/bench/lua/collatz.lua $collatz_n" ;;
  go) echo "$dir/go/collatz $collatz_n" ;;
  esac
}
cmd_wordcount() {
  case $1 in
  toy) echo "$toy run examples/word_count.toy $wc_n $wc_w" ;;
  lua) echo "lua5.4 tests/bench/lua/word_count.lua $wc_n $wc_w" ;;
  go) echo "$dir/go/word_count $wc_n $wc_w" ;;
  esac
}
# fasta_input N: the fasta program's output for N, made once.
fasta_input() {
  local f=$dir/fasta-$1.fa
  if [ ! -s "$f" ]; then
    lua5.4 "$here/lua/fasta.lua" "$1" >"$f.tmp" && mv "$f.tmp" "$f" || return 1
  fi
  echo "$f"
}
cmd_knuc() {
  case $1 in
  toy) echo "$toy run examples/k_nucleotide.toy" ;;
  lua) echo "lua5.4 tests/bench/lua/k_nucleotide.lua" ;;
  go) echo "$dir/go/k_nucleotide" ;;
  esac
}
cmd_revcomp() {
  case $1 in
  toy) echo "$toy run examples/reverse_complement.toy" ;;
  lua) echo "lua5.4 tests/bench/lua/reverse_complement.lua" ;;
  go) echo "$dir/go/reverse_complement" ;;
  esac
}
cmd_partrees() {
  case $1 in
  toy) echo "TOYMAXPROCS=$procs $toy run examples/parallel_trees.toy $depth" ;;
  go) echo "GOMAXPROCS=$procs $dir/go/parallel_trees $depth" ;;
  esac
}
cmd_memlimit_gcpause() {
  case $1 in
  toy) echo "TOYMEMLIMIT=100MiB $toy run examples/gc_pause.toy $ml_trees" ;;
  go) echo "GOMEMLIMIT=100MiB $dir/go/gc_pause $ml_trees" ;;
  esac
}
cmd_memlimit_strings() {
  case $1 in
  toy) echo "TOYMEMLIMIT=4MiB $toy run examples/short_strings.toy $ml_strings_live $ml_strings_rounds" ;;
  toy-nolimit) echo "$toy run examples/short_strings.toy $ml_strings_live $ml_strings_rounds" ;;
  esac
}
# ratio WORKLOAD A B LABEL: prints the median wall seconds of A over B's
# (from this run's raw lines).
ratio() {
  awk -v w="$1" -v a="$2" -v b="$3" -v label="$4" '
    function median(arr, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
      return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
    }
    $1 == w && $2 == a && $3 != "-" { xa[++na] = $3 }
    $1 == w && $2 == b && $3 != "-" { xb[++nb] = $3 }
    END { if (na && nb) { ma = median(xa, na); mb = median(xb, nb); printf "  %s: median %s %.2f s, %s %.2f s: %s %.2f\n", w, a, ma, b, mb, label, ma / mb } }
  ' "$raw"
}
peers() { # peers PROG: toy lua, and go when its binary is built
  if have_go "$1"; then echo "toy lua go"; else echo "toy lua"; fi
}

for wl in "$@"; do
begin "$wl"
case $wl in
trees-c|trees-toy)
  w=binary-trees/$depth
  echo "note $w binary-trees: a stretch tree of depth $((depth + 1)), a long-lived tree of depth $depth, 2^($depth-d) trees of each depth d = 4, 6, ... $depth; nodes of two pointers. C versions: alloc (gc_mallocgc with a two-pointer gc_type, live trees in a shadow stack root), glibc malloc+free, Boehm GC_malloc and GC_malloc_explicitly_typed (tests/bench/trees.c); toy: examples/binary_trees.toy; Lua 5.4 and Go: tests/bench/lua, tests/bench/go." >>"$raw"
  impls="alloc malloc boehm boehm-typed"
  if [ "$wl" = trees-toy ]; then impls="$(peers binary_trees) toy-stw"; fi
  timed "$w" "$impls" cmd_trees
  ;;
micro)
  for v in $micro_variants; do
    w=micro/$v
    case $v in
    nofree) args="nofree $micro_n" ;;
    w*) args="window ${v#w} $micro_n" ;;
    *) echo "bench.sh: unknown micro variant $v" >&2; status=1; continue ;;
    esac
    echo "note $w allocation microbenchmark ($v): $micro_n allocations, sizes {16,32,48,64,128,256} from a fixed PRNG, half with two pointer words, half noscan (Boehm: GC_malloc_atomic); window W: W live objects in a root block, slot i%W replaced each step (malloc frees the old one), each new pointer object stored into an older one; nofree: nothing freed or collected (tests/bench/micro.c); alloc-conc: alloc with its concurrent collector (MICRO_CONCURRENT=1), alloc itself stopping the world. ns_per_alloc is the program's own timing of the loop." >>"$raw"
    echo "== $w: alloc alloc-conc malloc boehm boehm-typed, $reps runs each, alternating"
    for i in alloc alloc-conc malloc boehm boehm-typed; do rm -f "$outs/${w//\//_}.$i"; done
    for _ in $(seq "$reps"); do
      for i in alloc alloc-conc malloc boehm boehm-typed; do
        # shellcheck disable=SC2086
        case $i in
        alloc-conc) run "$w" "$i" stores MICRO_CONCURRENT=1 "$dir/micro" alloc $args && record ;;
        *) run "$w" "$i" stores "$dir/micro" "$i" $args && record ;;
        esac
      done
    done
    compare "$w" alloc alloc-conc malloc boehm boehm-typed
  done
  ;;
threads)
  w=threads/w$threads_w
  echo "note $w allocation from 1 and 2 threads on one heap, each with its own P and a window of $threads_w live objects (micro's window step: sizes {16,32,48,64,128,256}, half with two pointer words, each new pointer object stored through gc_write_pointer into an older one of its thread's window), $threads_n allocations per thread, concurrent mark at TOYGC=400 (tests/bench/threads.c); go-1t and go-2t: Go on the same workload with 1 and 2 goroutines, GOMAXPROCS=2, GOGC=400 (tests/bench/go/alloc_threads.go): the gain a mature allocator gets from a second thread on the same machine. ns_per_alloc is wall time over every thread's allocations (1t÷2t: the throughput gain of the second thread); cpu_ns_per_alloc is the process's CPU time per allocation. The machine may be shared: wall figures then understate the second thread." >>"$raw"
  impls="alloc-1t alloc-2t"
  have_go alloc_threads && impls="$impls go-1t go-2t"
  echo "== $w: $impls, $reps runs each, alternating"
  for _ in $(seq "$reps"); do
    run "$w" alloc-1t out "$dir/threads" 1 "$threads_n" "$threads_w" && record
    run "$w" alloc-2t out "$dir/threads" 2 "$threads_n" "$threads_w" && record
    if have_go alloc_threads; then
      run "$w" go-1t out GOMAXPROCS=2 "$dir/go/alloc_threads" 1 "$threads_n" "$threads_w" && record
      run "$w" go-2t out GOMAXPROCS=2 "$dir/go/alloc_threads" 2 "$threads_n" "$threads_w" && record
    fi
  done
  ;;
frag)
  for n in $frag_runs; do
    w=frag/$n
    echo "note $w large allocations in a fragmented heap: $((2 * n)) objects, alternately a hole of 1 MiB to 1.5 MiB (random) and a 40 KiB separator, every hole freed ($n free runs; alloc: one gc_collect), then 500 allocations of random sizes in the same range, each timed alone and kept (tests/bench/frag.c). median_ns and max_ns are wall time per allocation, max_cpu_ns the slowest in the thread's CPU time; glibc serves these sizes from its heap (M_MMAP_THRESHOLD 32 MiB) so that it fragments the same way. Seconds include building the pattern." >>"$raw"
    echo "== $w: alloc malloc, $reps runs each, alternating"
    for i in alloc malloc; do rm -f "$outs/${w//\//_}.$i"; done
    for _ in $(seq "$reps"); do
      for i in alloc malloc; do
        run "$w" "$i" out "$dir/frag" "$i" "$n" && record
      done
    done
    compare "$w" alloc malloc
  done
  ;;
fastpath)
  fn=256
  w=fastpath/16B
  echo "note $w fast-path instructions per 16-byte allocation (callgrind, deterministic): $fn allocations into a span with room minus 0, divided by $fn (tests/bench/fastpath.c); instr/op counts the allocation entry (gc_mallocgc, gc_malloc_site, malloc, GC_malloc, GC_malloc_explicitly_typed) with what it calls; loop: the whole allocating loop (counter and store included). alloc-inline is the site path inlined into the loop (gc_malloc_site_inline, what the VM's NEWSTRUCT does): with no entry of its own, its count is its loop's less that of the same loop storing a constant. alloc-noscan, alloc-site and alloc-inline are the fast path the goal judges; alloc-scan is gc_mallocgc with a type, which finds the type's site first (no goal)." >>"$raw"
  echo "== $w: callgrind"
  if ! command -v valgrind >/dev/null; then
    echo "fail $w - valgrind is not installed" >>"$raw"
    echo "  valgrind is not installed: skipped"
  else
    # per IMPL FN: collected instructions per allocation with FN toggled.
    per() {
      local a b
      a=$(callgrind_total --toggle-collect="$2" "$dir/fastpath" "$1" $fn)
      b=$(callgrind_total --toggle-collect="$2" "$dir/fastpath" "$1" 0)
      awk -v a="$a" -v b="$b" -v n=$fn 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", (a - b) / n }'
    }
    for i in alloc-noscan alloc-scan alloc-site alloc-inline malloc boehm boehm-typed; do
      case $i in
      alloc-site) entry=gc_malloc_site ;;
      alloc-inline) entry=fastpath_allocs ;; # inlined: the whole loop
      alloc-*) entry=gc_mallocgc ;; malloc) entry=malloc ;; boehm) entry=GC_malloc ;;
      boehm-typed) entry=GC_malloc_explicitly_typed ;;
      esac
      own=$(per "$i" "$entry")
      loop=$(per "$i" fastpath_allocs)
      if [ "$i" = alloc-inline ] && [ "$own" != - ]; then
        # no entry to count: the loop less the loop alone
        bare=$(per loop fastpath_allocs)
        own=$(awk -v a="$own" -v b="$bare" 'BEGIN { if (b == "-") print "-"; else printf "%.1f", a - b }')
      fi
      if [ "$own" = - ] || [ "$loop" = - ]; then
        echo "fail $w $i callgrind gave no count" >>"$raw"
        status=1
        continue
      fi
      echo "$w $i - - ins=$own ins_loop=$loop" >>"$raw"
      printf '  %-14s %6s instructions/alloc (loop %s)\n' "$i" "$own" "$loop"
    done
  fi
  ;;
fib)
  w=fib/$fib_n
  echo "note $w fib($fib_n), naive doubly recursive: calls and integer arithmetic. instr/op: callgrind instructions per call, (run of fib($fib_cg_n) - run of fib(1)) / (calls of fib($fib_cg_n) - 1), so start-up and compilation cancel." >>"$raw"
  timed "$w" "$(peers fib)" cmd_fib
  if command -v valgrind >/dev/null; then
    calls=$(awk -v n="$fib_cg_n" 'BEGIN { a = 0; b = 1; for (i = 0; i < n + 1; i++) { t = a + b; a = b; b = t } printf "%d", 2 * a - 1 }')
    for i in toy lua; do
      case $i in
      toy) c="$toy run examples/fib.toy" ;; lua) c="lua5.4 tests/bench/lua/fib.lua" ;;
      esac
      # shellcheck disable=SC2086
      a=$(callgrind_total $c "$fib_cg_n")
      # shellcheck disable=SC2086
      b=$(callgrind_total $c 1)
      ins=$(awk -v a="$a" -v b="$b" -v n="$calls" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", (a - b) / (n - 1) }')
      echo "$w $i - - ins=$ins" >>"$raw"
      printf '  %-14s %6s instructions/call (callgrind, fib(%s): %s calls)\n' "$i" "$ins" "$fib_cg_n" "$calls"
    done
  fi
  ;;
nbody)
  w=nbody/$nbody_n
  echo "note $w n-body: the Jovian planets, $nbody_n steps of float arithmetic over an array of structs." >>"$raw"
  timed "$w" "$(peers nbody)" cmd_nbody
  ;;
word-freq)
  w=word-freq/x$wf_passes
  echo "note $w word frequency: split, lower-case (a string built a character at a time) and count the words of a 7-line text in a map from string to int, the text read $wf_passes times, then sort the 34 words by count." >>"$raw"
  timed "$w" "$(peers word_freq)" cmd_wordfreq
  ;;
map-int)
  for map_op in insert hit miss delete iterate; do
    w=map/int-$map_op
    case $map_op in
    insert) what="insert $map_n keys (the build, which every row below also does)" ;;
    hit) what="the build, then 4 rounds of looking every key up" ;;
    miss) what="the build, then 4 rounds of looking up $map_n absent keys" ;;
    delete) what="the build, then delete every key, insert $map_n new ones and delete those" ;;
    iterate) what="the build, then 8 rounds of iterating over every entry" ;;
    esac
    echo "note $w map[int]int of $map_n scattered keys (i * 2654435761 mod 2^32): $what (examples/map_ops.toy $map_op $map_n; Lua 5.4 and Go: tests/bench/lua, tests/bench/go)." >>"$raw"
    timed "$w" "$(peers map_ops)" cmd_mapint
  done
  ;;
collatz)
  w=map/collatz
  echo "note $w the longest Collatz chain starting below $collatz_n, every chain length memoised in a map[int]int (about 2.2 keys per start: the chains run far past the limit)." >>"$raw"
  timed "$w" "$(peers collatz)" cmd_collatz
  ;;
word-count)
  w=map/word-count
  echo "note $w count $wc_n words drawn (scattered) from $wc_w distinct ones in a map[string]int: a lookup and a store per word." >>"$raw"
  timed "$w" "$(peers word_count)" cmd_wordcount
  ;;
k-nucleotide|reverse-complement)
  if [ "$wl" = k-nucleotide ]; then n=$knuc_n; else n=$revcomp_n; fi
  w=$wl/$n
  if ! RUN_STDIN=$(fasta_input "$n"); then
    echo "fail $w - the fasta input could not be made" >>"$raw"
    status=1
  elif [ "$wl" = k-nucleotide ]; then
    echo "note $w k-nucleotide: the third sequence of fasta $n's output ($((5 * n)) bases) read from standard input line by line, its 1-mers and 2-mers counted in a map from string to int and sorted by count (toy: sort_by with a closure), then the k-mers of five given lengths (3 to 18) counted, one map each." >>"$raw"
    timed "$w" "$(peers k_nucleotide)" cmd_knuc
  else
    echo "note $w reverse-complement: fasta $n's output ($((10 * n)) bases in three sequences) read from standard input line by line, each sequence written back reversed and complemented, 60 bases a line (toy: a byte's complement from an array of one-byte strings, a line joined from them, write; Lua: string.reverse and gsub over a table)." >>"$raw"
    timed "$w" "$(peers reverse_complement)" cmd_revcomp
  fi
  unset RUN_STDIN
  ;;
parallel-trees)
  w=parallel-trees/$depth
  echo "note $w parallel binary-trees (the Benchmarks Game's): binary-trees/$depth with each depth's trees made on their own thread, lines printed in depth order; toy: examples/parallel_trees.toy with TOYMAXPROCS=$procs, Go: tests/bench/go/parallel_trees.go (goroutines) with GOMAXPROCS=$procs." >>"$raw"
  impls="toy"
  have_go parallel_trees && impls="toy go"
  timed "$w" "$impls" cmd_partrees
  ;;
pingpong)
  w=pingpong/$pp_n
  echo "note $w channel ping-pong: two threads pass an int back and forth $pp_n times over two unbuffered channels (tests/bench/toy/pingpong.toy, tests/bench/go/pingpong.go); round_trips_per_s is $pp_n over the wall time." >>"$raw"
  impls="toy"
  have_go pingpong && impls="toy go"
  echo "== $w: $impls, $reps runs each, alternating"
  for i in $impls; do rm -f "$outs/${w//\//_}.$i"; done
  for _ in $(seq "$reps"); do
    for i in $impls; do
      case $i in
      toy) c=("$toy" run tests/bench/toy/pingpong.toy) ;;
      go) c=("$dir/go/pingpong") ;;
      esac
      if run "$w" "$i" out "${c[@]}" "$pp_n"; then
        record "round_trips_per_s=$(awk -v n="$pp_n" -v s="$LAST_WALL" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')"
      fi
    done
  done
  # shellcheck disable=SC2086
  compare "$w" $impls
  ;;
gc-pause)
  w=gc-pause/$gp_trees
  echo "note $w GC pauses: examples/gc_pause.toy $gp_trees $gp_rounds (Go: tests/bench/go/gc_pause.go), a live set of $gp_trees trees of 31 24-byte nodes (about $((gp_trees * 31 * 24 / 1000000)) MB) with one tree replaced per step, $gp_rounds rounds. From the gctrace lines: the longest and the 99th-percentile (nearest rank) pause, the mark rate (marked MB over mark cpu seconds: MB/s per core) and the largest marked heap, and the minimum mutator utilization at 10 and 100 ms windows (pauses at their places, assists spread over the concurrent mark; tests/bench/gctrace.awk). toy and Go mark concurrently: the pauses are their two stop-the-world phases (first and third clock parts); toy-stw is toy under TOYDEBUG=gcstoptheworld=1, whose whole cycle stops the world (pause = the three clock parts)." >>"$raw"
  impls="toy toy-stw"
  have_go gc_pause && impls="toy toy-stw go"
  echo "== $w: $impls, $reps runs each, alternating"
  for i in $impls; do rm -f "$outs/${w//\//_}.$i"; done
  # A run's first touch of fresh memory costs more right after some other
  # large process (tests/bench/README.md): every other repetition runs the
  # peers after toy in the other order, so that toy follows each in turn
  # and no implementation always follows the same one.
  order=$impls
  for _ in $(seq "$reps"); do
    for i in $order; do
      case $i in
      toy) c=(TOYDEBUG=gctrace=1 "$toy" run examples/gc_pause.toy) stw=0 ;;
      toy-stw) c=(TOYDEBUG=gctrace=1,gcstoptheworld=1 "$toy" run examples/gc_pause.toy) stw=1 ;;
      go) c=(GODEBUG=gctrace=1 "$dir/go/gc_pause") stw=0 ;;
      esac
      if run "$w" "$i" out "${c[@]}" "$gp_trees" "$gp_rounds"; then
        record "$(awk -v stw="$stw" -f "$here/gctrace.awk" "$tmp/err")"
      fi
    done
    first=${impls%% *}
    if [ "$order" = "$impls" ]; then
      order="$first $(echo "${impls#"$first" }" | tr ' ' '\n' | tac | tr '\n' ' ')"
    else
      order=$impls
    fi
  done
  # shellcheck disable=SC2086
  compare "$w" $impls
  ;;
memlimit)
  # Under a memory limit below the live heap: the GC CPU limiter lets the
  # heap run over the limit instead of collecting at every refill.
  w=memlimit-gcpause/$ml_trees
  echo "note $w gc_pause under a 100 MiB memory limit: examples/gc_pause.toy $ml_trees (about $((ml_trees * 31 * 24 / 1000000)) MB live, above the limit) with TOYMEMLIMIT=100MiB, Go's peer with GOMEMLIMIT=100MiB. toy must finish in at most Go's time." >>"$raw"
  impls="toy"
  have_go gc_pause && impls="toy go"
  timed "$w" "$impls" cmd_memlimit_gcpause
  ratio "$w" toy go "toy/go (at most 1)"
  w=memlimit-strings/$ml_strings_live
  echo "note $w short-lived strings beside 5 MB of live ones: examples/short_strings.toy $ml_strings_live $ml_strings_rounds under TOYMEMLIMIT=4MiB (toy) and without a limit (toy-nolimit). The limited run must finish within 2.5 times the unlimited one." >>"$raw"
  timed "$w" "toy toy-nolimit" cmd_memlimit_strings
  ratio "$w" toy toy-nolimit "limited/unlimited (at most 2.5)"
  ;;
*)
  echo "bench.sh: unknown workload $wl" >&2
  rm -f "$raw"
  files=${files% "$raw"}
  status=1
  continue
  ;;
esac
echo "meta seconds $(($(date +%s) - t_wl))" >>"$raw"
done

echo
echo "bench-$area: $(($(date +%s) - t_start)) s; raw results in$files"
# shellcheck disable=SC2086
lua5.4 "$here/report.lua" $files || status=1
if [ -z "${BENCH_ALL:-}" ]; then
  lua5.4 "$here/report.lua" --quiet --md "$dir/report.md" --svg "$dir/report.svg" "$rawdir"/*.raw >/dev/null
  echo "report (every raw file in $rawdir): $dir/report.md, $dir/report.svg"
fi
exit $status
