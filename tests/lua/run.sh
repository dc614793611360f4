#!/usr/bin/env bash
# Runs each Lua script on each host (toylua, lua5.4), shows its output,
# adds up the "NAME: N passed, N failed" line each prints last, and ends
# with "lua: N passed, N failed". A run that exits non-zero or prints no
# such line counts as one failure more. Usage: run.sh 'HOSTS' SCRIPT...
set -u
hosts=$1; shift
pass=0 fail=0
for host in $hosts; do
  for s in "$@"; do
    echo "--- $host $s"
    out=$("$host" "$s" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -n "$line" ]; then
      p=$(echo "$line" | sed -E 's/^[^ ]+: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
      f=$(echo "$line" | sed -E 's/^[^ ]+: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    else
      p=0 f=0
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "$s on $host: exit status $rc"; f=1
    fi
    pass=$((pass + p)); fail=$((fail + f))
  done
done
echo "lua: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
