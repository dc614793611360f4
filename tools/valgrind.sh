#!/usr/bin/env bash
# valgrind.sh BUILD: the CUnit suites and a sample of .toy programs (every
# examples/*.toy and a dozen tests/toy/run programs) under memcheck. A run
# passes when valgrind reports no error and no definite or indirect leak
# (--error-exitcode) and the program's own status is what it is without
# valgrind. Ends with "valgrind: N passed, N failed" (`make valgrind`).
set -u
build=${1:-build}
vg=(valgrind -q --error-exitcode=97 --leak-check=full
    --errors-for-leak-kinds=definite,indirect)
pass=0 fail=0
log=$build/valgrind
mkdir -p "$log"

# run NAME EXPECTED-STATUS CMD...: one program under memcheck.
run() {
  local name=$1 want=$2; shift 2
  local out="$log/$(echo "$name" | tr '/ ' '__').log"
  "${vg[@]}" --log-file="$out" "$@" >/dev/null 2>>"$out"
  local st=$?
  # The status decides: valgrind's (97) for an error or a definite or
  # indirect leak. "Possibly lost" records (a thread's TLS block in a
  # forked test child) are printed but are not failures.
  if [ "$st" -eq "$want" ]; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name (status $st, want $want; see $out)"
  fi
}

for t in tests/test-alloc tests/test-gc tests/test-parmark tests/unit/test_lexer tests/unit/test_parser \
         tests/unit/test_check tests/test_compile tests/test_vm tests/test_stdlib \
         tests/unit/test_sizeclasses; do
  if [ -x "$build/$t" ]; then
    # the size-class suite compares the generator's output with the
    # checked-in table: give it what test-sizeclasses gives it
    mkdir -p "$build/sizeclasses"
    "$build/mksizeclasses" > "$build/sizeclasses/table.txt"
    "$build/mksizeclasses" -c "$build/sizeclasses/sizeclasses.c"
    SIZECLASSES_GENERATOR=$build/mksizeclasses \
    SIZECLASSES_TABLE=$build/sizeclasses/table.txt \
    SIZECLASSES_GENERATED=$build/sizeclasses/sizeclasses.c \
    SIZECLASSES_CHECKED_IN=alloc/sizeclasses.c \
      run "$t" 0 "$build/$t"
  fi
done

# Programs: the status each is expected to end with (runtime errors: 2).
status_of() { sed -n 's|^// expect exit: \([0-9]*\).*|\1|p' "$1" | tail -n 1; }
sample=$(ls examples/*.toy; ls tests/toy/run/*/*.toy | awk 'NR % 3 == 1' | head -n 12)
for f in $sample; do
  want=$(status_of "$f"); want=${want:-0}
  run "$f" "$want" "$build/toy" run "$f"
done
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
