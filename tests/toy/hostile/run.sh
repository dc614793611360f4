#!/usr/bin/env bash
# run.sh: the toy command under hostile surroundings (suite toy-hostile):
# output to a full device, a directory or unwritable file where a file is
# expected, a byte-order mark, memory exhausted while the VM is made.
# Each check runs one command and compares its status and the first line
# of its stderr. Usage: tests/toy/hostile/run.sh TOY
set -u
toy=${1:-build/toy}
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME STATUS STDERR-PATTERN STDOUT -- CMD...: the command's status,
# a grep -E pattern its stderr must match (or "" for none) and its exact
# stdout.
expect() {
  local name=$1 want_rc=$2 want_err=$3 want_out=$4
  shift 5
  local out rc
  out=$("$@" 2>"$tmp/err")
  rc=$?
  local ok=1
  [ "$rc" -eq "$want_rc" ] || ok=0
  if [ -n "$want_err" ]; then grep -Eq -- "$want_err" "$tmp/err" || ok=0
  else [ -s "$tmp/err" ] && ok=0; fi
  [ "$out" = "$want_out" ] || ok=0
  if [ $ok -eq 1 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: status $rc (want $want_rc), stdout '$out' (want '$want_out'), stderr:"
    sed 's/^/    /' "$tmp/err"
  fi
}

printf 'fn main() {\n    print("hi")\n}\n' > "$tmp/hi.toy"
printf 'fn main() {\n    var i = 0\n    while true {\n        print("line", i)\n        i = i + 1\n    }\n}\n' > "$tmp/forever.toy"
printf 'fn main() {\n    print("bye")\n    exit(3)\n}\n' > "$tmp/exit3.toy"

# A failed write is a runtime error (status 2), never silent: a short
# output that only fails when flushed at exit, a long one at the print
# whose write fails (the loop would never end otherwise), and one whose
# program asked for another status.
if [ -w /dev/full ]; then
  expect "output to /dev/full" 2 '^error: writing output: No space left on device$' "" -- \
    sh -c "'$toy' run '$tmp/hi.toy' > /dev/full"
  expect "endless output to /dev/full" 2 '^error: writing output: No space left on device$' "" -- \
    timeout 60 sh -c "'$toy' run '$tmp/forever.toy' > /dev/full"
  expect "exit(3) with output to /dev/full" 2 '^error: writing output: ' "" -- \
    sh -c "'$toy' run '$tmp/exit3.toy' > /dev/full"
fi
expect "output to a pipe" 0 "" "hi" -- "$toy" run "$tmp/hi.toy"

echo "toy-hostile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
