#!/usr/bin/env bash
# Runs each test suite named on the command line (a make target test-NAME),
# shows its output, reads its closing "N passed, N failed" line, and ends
# with one line totalling every suite. A suite that fails without such a
# line counts as one failure. Exits non-zero when anything failed.
set -u
make=${MAKE:-make}
total_pass=0 total_fail=0 bad_suites=""
logdir=build/test-logs
mkdir -p "$logdir"
for s in "$@"; do
  echo "=== suite $s"
  log="$logdir/$s.log"
  $make -s --no-print-directory "test-$s" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^([^ ]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
    f=$(echo "$line" | sed -E 's/^([^ ]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
  else
    p=0 f=0
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  [ "$f" -ne 0 ] && bad_suites="$bad_suites $s"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
echo
[ -n "$bad_suites" ] && echo "failing suites:$bad_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
