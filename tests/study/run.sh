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

# allocprof at rate 1: the exact profile of the fixed program (fixed heap
# settings, so the collections and what is live at exit are the same).
unset TOYGC TOYMEMLIMIT
prof() { # name expected-status env... (the profile goes to $tmp/prof)
    name=$1 want=$2
    shift 2
    rm -f "$tmp/prof"
    env "$@" "$toy" run "$dir/nodes.toy" >"$tmp/out" 2>"$tmp/err"
    st=$?
    if [ "$st" -ne "$want" ]; then
        bad "$name (status $st, want $want)"
        cat "$tmp/err"
        return 1
    fi
    return 0
}
if prof "allocprof" 0 TOYDEBUG="allocprof=$tmp/prof"; then
    if diff -u "$dir/allocprof.expected" "$tmp/prof" >"$tmp/diff"; then
        ok "allocprof nodes.toy (exact profile)"
    else
        bad "allocprof nodes.toy (exact profile)"
        cat "$tmp/diff"
    fi
    # The totals against gc_stats over the same run: every object the VM
    # allocates is in the profile; the one difference is the GCStats struct
    # the gc_stats() builtin allocates with gc_mallocgc itself (1 object,
    # 96 bytes, class 8). Tiny objects count 16 bytes per new block.
    if awk '
        /^profile:/ { objs = $2 }
        /as total_alloc counts them:/ { bytes = $5 }
        /^gc_stats:/ { sub(/^\+/, "", $3); sub(/,$/, "", $3); sub(/^\+/, "", $5); m = $3; t = $5 }
        /^not at the VM/ { no = $(NF-3); nb = $(NF-1) }
        END { exit !(objs > 0 && m == objs + 1 && t == bytes + 96 && no == 1 && nb == 96) }
    ' "$tmp/prof"; then
        ok "allocprof totals = gc_stats - the builtin's GCStats (1 object, 96 bytes)"
    else
        bad "allocprof totals = gc_stats - the builtin's GCStats (1 object, 96 bytes)"
        tail -5 "$tmp/prof"
    fi
    # The program's own output is untouched.
    if [ "$(cat "$tmp/out")" = "3 3 1 1 true" ]; then ok "allocprof: program output"; else bad "allocprof: program output"; fi
fi

# Sampled: one object in about rate bytes is recorded, and counts are
# scaled back up; alloc's own keys still reach alloc.
if prof "allocprofrate" 0 TOYDEBUG="gccheckmark=1,allocprof=$tmp/prof,allocprofrate=64"; then
    if grep -q '^# allocprof: .*rate 64 (sampled' "$tmp/prof" &&
       awk '/^profile:/ { s = $2 } /^gc_stats:/ { sub(/^\+/, "", $3); sub(/,$/, "", $3); m = $3 }
            END { exit !(s > 0 && s < m) }' "$tmp/prof"; then
        ok "allocprofrate=64 samples fewer objects than it allocates"
    else
        bad "allocprofrate=64 samples fewer objects than it allocates"
        cat "$tmp/prof"
    fi
fi

# pprof's format (a name ending in .pb.gz): the same profile as gzipped
# profile.proto. pprof.lua reads it without Go and checks it is well
# formed; the totals must match the text profile's and, through the
# comments the same run wrote, gc_stats: every allocation but the
# builtin's GCStats (1 object, 96 bytes; tiny objects count 16 bytes per
# new block in total_alloc).
if prof "allocprof pprof" 0 TOYDEBUG="allocprof=$tmp/prof.pb.gz" &&
   lua5.4 "$dir/pprof.lua" "$tmp/prof.pb.gz" >"$tmp/pb" 2>"$tmp/err"; then
    ok "allocprof=FILE.pb.gz: gzip and profile.proto well formed"
    if awk '
        /^alloc_objects\/count / { ao = $2 }
        /^alloc_space\/bytes / { as = $2 }
        /^comment profile:/ { objs = $3; sub(/,$/, "", objs); tb = $10; nb = $12 }
        /^comment gc_stats:/ { m = $4; sub(/^\+/, "", m); sub(/,$/, "", m); t = $6; sub(/^\+/, "", t) }
        END { exit !(ao == 30 && ao == objs && m == ao + 1 && t == as - tb + 16 * nb + 96) }
    ' "$tmp/pb" && grep -q '^sample struct Node <- tree:20 7 168 7 168$' "$tmp/pb"; then
        ok "pprof totals = gc_stats - the builtin's GCStats; struct Node <- tree:20 as frames"
    else
        bad "pprof totals = gc_stats - the builtin's GCStats; struct Node <- tree:20 as frames"
        cat "$tmp/pb"
    fi
    # pprof itself, when Go is installed (tools/deps.sh installs golang-go
    # for the tests, so CI always has it).
    if command -v go >/dev/null 2>&1; then
        export HOME="${HOME:-$tmp}" PPROF_TMPDIR="$tmp"
        if go tool pprof -top -sample_index=alloc_objects "$tmp/prof.pb.gz" >"$tmp/top" 2>&1 &&
           grep -q ' of 30 total' "$tmp/top" && grep -q 'struct Node' "$tmp/top" &&
           go tool pprof -top -sample_index=alloc_space -unit=B "$tmp/prof.pb.gz" >"$tmp/top2" 2>&1 &&
           grep -q ' of 912B total' "$tmp/top2"; then
            ok "go tool pprof -top: 30 objects, 912 bytes, types as frames"
        else
            bad "go tool pprof -top: 30 objects, 912 bytes, types as frames"
            cat "$tmp/top" "$tmp/top2" 2>/dev/null
        fi
    elif [ -n "${CI:-}" ]; then
        bad "go tool pprof -top (go is not installed: tools/deps.sh should have)"
    else
        echo "skip go tool pprof -top (go is not installed; make test installs it)"
    fi
else
    bad "allocprof=FILE.pb.gz: gzip and profile.proto well formed"
    cat "$tmp/err"
fi

# Bad settings are usage errors; unknown keys still reach alloc's parser.
refused() { # name status pattern env...
    name=$1 st=$2 pat=$3
    shift 3
    if prof "$name" "$st" "$@"; then
        if grep -q "$pat" "$tmp/err"; then ok "$name"; else bad "$name (no '$pat')"; cat "$tmp/err"; fi
    fi
}
refused "allocprofrate=0 is refused" 64 'allocprofrate' TOYDEBUG="allocprof=$tmp/prof,allocprofrate=0"
refused "unknown keys still refused" 64 "unknown setting 'bogus'" TOYDEBUG="allocprof=$tmp/prof,bogus=1"
refused "unwritable profile: status 1 and a message" 1 'toy: allocprof: ' \
    TOYDEBUG="allocprof=$tmp/no/such/dir/prof"

rm -rf "$tmp"
echo "study: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
