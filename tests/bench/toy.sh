#!/usr/bin/env bash
# Runs the toy examples beside their Lua 5.4 peers (tests/bench/lua) and,
# where `go` is installed, binary-trees beside its Go peer (tests/bench/go):
# in one run, implementations alternating within each repetition, each run
# its own process under runrss (peak RSS per process). Prints the median
# wall seconds, min-max, peak RSS and the ratio peer/toy (above 1: toy is
# faster); checks every implementation prints the same output; writes the
# same table as Markdown to $DIR/toy.md.
#
#   tests/bench/toy.sh DIR TOY REPS [PROGRAM...]
#
# DIR holds runrss and (if built) go/binary_trees; TOY is the toy command.
# PROGRAMs: binary_trees fib nbody word_freq (default: all four).
set -u
dir=$1 toy=$2 reps=$3
shift 3
progs=${*:-binary_trees fib nbody word_freq}
md=$dir/toy.md
raw=$dir/raw-toy
rm -rf "$raw" && mkdir -p "$raw"
status=0
# word_freq runs in milliseconds: each measured run repeats it this often.
wf_repeat=${WF_REPEAT:-50}

median() {
  [ -s "$1" ] || { echo -; return; }
  sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
range() {
  [ -s "$1" ] || { echo -; return; }
  sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.0f", k / 1024 }'; }
now() { date +%s.%N; }

# arg PROG: the benchmark size.
arg() {
  case $1 in
  binary_trees) echo 21 ;; fib) echo 32 ;; nbody) echo 1000000 ;; *) echo "" ;;
  esac
}
# cmd IMPL PROG: the command line of one implementation.
cmd() {
  local a
  a=$(arg "$2")
  case $1 in
  toy) echo "$toy run examples/$2.toy $a" ;;
  lua) echo "lua5.4 tests/bench/lua/$2.lua $a" ;;
  go) echo "$dir/go/$2 $a" ;;
  esac
}
# impls PROG: the implementations that have this program.
impls() {
  local i="toy lua"
  [ "$1" = binary_trees ] && [ -x "$dir/go/binary_trees" ] && i="$i go"
  echo $i
}

# run KEY REPEAT CMD: one measured run (REPEAT executions in one runrss
# child via sh when REPEAT > 1); appends seconds and RSS to $raw/KEY.*.
run() {
  local key=$1 n=$2 c=$3 out rc t0 t1
  shift 3
  t0=$(now)
  if [ "$n" -gt 1 ]; then
    out=$("$dir/runrss" sh -c "for i in \$(seq $n); do $c >/dev/null || exit 1; done; $c" 2>"$raw/$key.err")
  else
    out=$("$dir/runrss" $c 2>"$raw/$key.err")
  fi
  rc=$?
  t1=$(now)
  if [ $rc -ne 0 ]; then
    echo "  FAILED (exit $rc): $c" >&2
    tail -n 5 "$raw/$key.err" | sed 's/^/    /' >&2
    status=1
    return
  fi
  echo "$out" | grep -v '^RUSAGE' >"$raw/$key.out"
  awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.3f\n", (b - a) / n }' >>"$raw/$key.seconds"
  echo "$out" | sed -n 's/^RUSAGE maxrss_kb=//p' >>"$raw/$key.rss"
}

{
  echo "# toy benchmarks"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg);"
  echo "$(lua5.4 -v 2>&1 | head -n 1); $(command -v go >/dev/null && go version || echo 'go: not installed')."
  echo "Median wall seconds of $reps runs per row (min-max beside it); each run a separate process, implementations alternating."
  echo "Ratio: peer seconds ÷ toy seconds (above 1: toy is faster)."
  echo "Command: \`make bench-toy BENCH_TOY_REPS=$reps\` (tests/bench/toy.sh)."
  echo
  echo "| program | impl | seconds | min-max | peak RSS MiB | peer ÷ toy |"
  echo "|---|---|---:|---|---:|---:|"
} >"$md"
printf '%-22s %-5s %8s %17s %13s %10s\n' program impl seconds min-max "peak RSS MiB" "peer/toy"
for p in $progs; do
  n=1 label="$p $(arg "$p")"
  [ "$p" = word_freq ] && n=$wf_repeat label="word_freq (x$wf_repeat)"
  for r in $(seq "$reps"); do
    for i in $(impls "$p"); do run "$p.$i" "$n" "$(cmd "$i" "$p")"; done
  done
  for i in $(impls "$p"); do
    [ "$i" = toy ] || [ ! -s "$raw/$p.$i.out" ] || [ ! -s "$raw/$p.toy.out" ] && continue
    if ! diff "$raw/$p.toy.out" "$raw/$p.$i.out" >/dev/null; then
      echo "  $p: $i's output differs from toy's:" >&2
      diff "$raw/$p.toy.out" "$raw/$p.$i.out" | head -n 10 >&2
      status=1
    fi
  done
  a=$(median "$raw/$p.toy.seconds")
  for i in $(impls "$p"); do
    t=$(median "$raw/$p.$i.seconds")
    q=$(ratio "$t" "$a")
    [ "$i" = toy ] && q=""
    printf '%-22s %-5s %8s %17s %13s %10s\n' "$label" "$i" "$t" "$(range "$raw/$p.$i.seconds")" "$(mib "$(median "$raw/$p.$i.rss")")" "$q"
    echo "| $label | $i | $t | $(range "$raw/$p.$i.seconds") | $(mib "$(median "$raw/$p.$i.rss")") | $q |" >>"$md"
  done
done
{
  echo
  echo "word_freq runs in a few milliseconds (mostly process start-up), so each of its measured runs executes it $wf_repeat times in one shell; its seconds are per execution, its RSS the largest single execution's."
  echo "Outputs are compared: every implementation must print exactly what toy prints."
} >>"$md"
echo "results written to $md"
exit $status
