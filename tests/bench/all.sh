#!/usr/bin/env bash
# What `make bench` runs: every bench-NAME target of BENCHES in turn, each
# one's own output in $BENCH_DIR/NAME.log and one progress line here; then
# the one table, assembled by tests/bench/report.lua from the raw results
# they wrote ($BENCH_DIR/raw/*.raw), also written to $BENCH_DIR/report.md
# and report.svg. A target that fails (a run failed, or outputs differ)
# does not stop the others: the report shows what ran, and the exit status
# is non-zero. A target that writes no raw results only has its log.
#
#   tests/bench/all.sh NAME...
#
# Environment: BENCH_DIR, MAKE, REPS, BENCH_CMD (the command line the
# report names), set by tests/bench/build.mk.
set -u
dir=${BENCH_DIR:-build/bench}
make=${MAKE:-make}
here=$(dirname "$0")
# shellcheck source=tests/bench/meta.sh
. "$here/meta.sh"
rawdir=$dir/raw
rm -rf "$rawdir"
mkdir -p "$rawdir"
meta=$rawdir/0-bench.raw
t0=$(date +%s)
{
  echo "# the whole run (tests/bench/all.sh $*)"
  echo "meta scope all"
  bench_meta "${REPS:-3}"
  echo "meta command ${BENCH_CMD:-make bench}"
} >"$meta"
status=0
for b in "$@"; do
  t=$(date +%s)
  printf 'bench-%-10s ' "$b"
  before=$(ls "$rawdir")
  if BENCH_ALL=1 $make --no-print-directory "bench-$b" >"$dir/$b.log" 2>&1; then
    r=ok
  else
    r=FAILED
    status=1
  fi
  [ "$(ls "$rawdir")" = "$before" ] && r="$r, no raw results (log only)"
  echo "$r, $(($(date +%s) - t)) s, log $dir/$b.log"
  [ "${r%%,*}" = FAILED ] && grep -i 'fail\|differ\|error' "$dir/$b.log" | head -n 5 | sed 's/^/    /'
done
echo "meta seconds $(($(date +%s) - t0))" >>"$meta"
echo
lua5.4 "$here/report.lua" --md "$dir/report.md" --svg "$dir/report.svg" "$rawdir"/*.raw || status=1
echo
echo "report: $dir/report.md, $dir/report.svg"
exit $status
