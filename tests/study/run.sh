#!/bin/sh
# run.sh: the study suite: the output of `toy types` and `toy sizeclasses`
# on fixed inputs, and allocprof's totals against gc_stats.
#   tests/study/run.sh TOY MKSIZECLASSES
toy=$1
mk=$2
dir=$(dirname "$0")
tmp=${TMPDIR:-/tmp}/toy-study.$$
mkdir -p "$tmp"
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# Exact text, compared with the checked-in expectation.
same() { # name expected-file command...
    name=$1 want=$2
    shift 2
    if "$@" >"$tmp/out" 2>"$tmp/err" && diff -u "$want" "$tmp/out" >"$tmp/diff"; then
        ok "$name"
    else
        bad "$name"
        cat "$tmp/err" "$tmp/diff"
    fi
}

same "types nodes.toy" "$dir/types.expected" "$toy" types "$dir/nodes.toy"
same "sizeclasses" "$dir/sizeclasses.expected" "$toy" sizeclasses
# The command and the generator print one table (one printer, two callers).
"$mk" >"$tmp/gen"
same "sizeclasses = mksizeclasses" "$tmp/gen" "$toy" sizeclasses

rm -rf "$tmp"
echo "study: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
