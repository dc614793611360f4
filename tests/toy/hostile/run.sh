#!/usr/bin/env bash
# run.sh: the toy command under hostile surroundings (suite toy-hostile):
# output to a full device or a pipe closed early, a directory or an unwritable file where a file
# is expected, memory exhausted while the VM is made, and the .toy
# programs of this folder (a byte-order mark) under `toy run`.
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
# A reader that goes away (`toy run prog | head`) is a failed write too:
# toy ignores SIGPIPE, so the write that finds the pipe closed reports it
# and the status is 2 (pipefail gives the pipeline toy's status).
expect "output to a pipe closed early" 2 '^error: writing output: Broken pipe$' "line 0" -- \
  timeout 60 bash -c "set -o pipefail; '$toy' run '$tmp/forever.toy' | head -n 1"
printf 'fn main() {\n    while true {\n        write("w\\n")\n    }\n}\n' > "$tmp/wforever.toy"
expect "write to a pipe closed early" 2 '^error: writing output: Broken pipe$' "w" -- \
  timeout 60 bash -c "set -o pipefail; '$toy' run '$tmp/wforever.toy' | head -n 1"
expect "output to a pipe" 0 "" "hi" -- "$toy" run "$tmp/hi.toy"
expect "disasm to /dev/full" 1 '^toy: writing output: ' "" -- \
  sh -c "'$toy' disasm '$tmp/hi.toy' > /dev/full"

# A directory where a program is expected: named, with what it is.
mkdir "$tmp/dir.toy"
expect "run a directory" 1 "^toy: cannot read $tmp/dir.toy: Is a directory\$" "" -- \
  "$toy" run "$tmp/dir.toy"
expect "check a directory" 1 "^toy: cannot read $tmp/dir.toy: Is a directory\$" "" -- \
  "$toy" check "$tmp/dir.toy"

# An allocation profile that cannot be written is reported before the
# program runs (it prints nothing), not after the whole run.
expect "allocprof into a missing directory" 1 "^toy: allocprof: $tmp/no/such/dir: No such file or directory\$" "" -- \
  env TOYDEBUG=allocprof=$tmp/no/such/dir "$toy" run "$tmp/hi.toy"
expect "allocprof into a directory" 1 "^toy: allocprof: $tmp/dir.toy: Is a directory\$" "" -- \
  env TOYDEBUG=allocprof=$tmp/dir.toy "$toy" run "$tmp/hi.toy"
expect "allocprof into a file" 0 "" "hi" -- \
  env TOYDEBUG=allocprof=$tmp/prof.txt "$toy" run "$tmp/hi.toy"
if grep -q '^' "$tmp/prof.txt" 2>/dev/null; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL allocprof into a file: $tmp/prof.txt is empty"
fi

# Memory exhausted while the VM is made (the first request to the OS
# fails): a runtime error's status.
expect "out of memory making the VM" 2 "^toy: $tmp/hi.toy: out of memory\$" "" -- \
  env TOYDEBUG=failmap=1 "$toy" run "$tmp/hi.toy"

# A million functions: the limit (65536) is reported before anything is
# built for them, in far less memory than compiling them would take.
# (Address-space limits mean nothing under ASan, which reserves terabytes.)
if [ -z "${TOY_SANITIZE:-}" ]; then
  lua5.4 -e 'local t = {"fn main() {", "}"}
    for i = 1, 1000000 do t[#t + 1] = ("fn f%d() -> int { return %d }"):format(i, i) end
    io.write(table.concat(t, "\n"), "\n")' > "$tmp/million.toy"
  expect "a million functions in 1.2 GB" 1 "^$tmp/million.toy:65538:4: error: more than 65536 functions\$" "" -- \
    sh -c "ulimit -v 1200000; exec '$toy' run '$tmp/million.toy'"
  rm -f "$tmp/million.toy"
fi

# .toy programs with their expectations (a byte-order mark first, or
# elsewhere).
here=$(dirname "$0")
line=$(lua5.4 "$here/../run.lua" --name toy-hostile-programs --cmd "$toy run" "$here"/*.toy | tee "$tmp/progs" | tail -n 1)
grep -v 'passed, .* failed' "$tmp/progs"
p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p')
f=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p')
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))

echo "toy-hostile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
