#!/usr/bin/env bash
# modes.sh BUILD SANITIZE_BUILD: the .toy suite (tests/toy/run, tests/toy/
# stdlib, tests/toy/gc, tests/toy/precision, examples) under each debug mode
# of the collector, under the VM's movestack and under ASan+UBSan; each
# status are diffed against the default mode's, and each mode's wall time
# is printed against default's (MPS publishes its hot/rash ratio the same
# way). `make modes` builds both toys first. Ends with
# "modes: N passed, N failed" (one test per program and mode).
set -u
build=${1:-build}
san=${2:-build/sanitize}
out=$build/modes
rm -rf "$out"; mkdir -p "$out"
progs=$(ls tests/toy/run/*/*.toy tests/toy/stdlib/*.toy tests/toy/gc/*.toy \
           tests/toy/precision/*.toy examples/*.toy)
# gc_graph collects a 50000-vertex graph at each of its 150000 allocations
# under gcstress (many minutes): it runs in every other mode.
slow_under_stress="examples/gc_graph.toy"

# mode NAME TOY ENV: run every program, record its outputs and wall time.
mode() {
  local name=$1 toy=$2 env=$3 start end
  mkdir -p "$out/$name"
  for f in $progs; do
    if [ "$name" = gcstress ] && [[ " $slow_under_stress " == *" $f "* ]]; then continue; fi
    local o="$out/$name/$(echo "$f" | tr / _)"
    start=$(date +%s%N)
    env $env "$toy" run "$f" >"$o.out" 2>"$o.err"
    echo "status $?" >>"$o.out"
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 )) >"$o.us"
  done
}

mode default "$build/toy" ""
mode gcstress "$build/toy" "TOYDEBUG=gcstress=1"
mode gccheckmark "$build/toy" "TOYDEBUG=gccheckmark=1"
mode clobberfree "$build/toy" "TOYDEBUG=clobberfree=1"
mode movestack "$build/toy" "TOYDEBUG=movestack=1"
mode asan "$san/toy" ""

pass=0 fail=0
# Times in microseconds; a mode's slowdown is against default's time on
# the same programs.
declare -A nprog ndiff us base
for m in gcstress gccheckmark clobberfree movestack asan; do
  nprog[$m]=0 ndiff[$m]=0 us[$m]=0 base[$m]=0
  for f in $progs; do
    o="$(echo "$f" | tr / _)"
    [ -e "$out/$m/$o.out" ] || continue
    nprog[$m]=$((nprog[$m] + 1))
    us[$m]=$((us[$m] + $(cat "$out/$m/$o.us")))
    base[$m]=$((base[$m] + $(cat "$out/default/$o.us")))
    if cmp -s "$out/default/$o.out" "$out/$m/$o.out" && cmp -s "$out/default/$o.err" "$out/$m/$o.err"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1)); ndiff[$m]=$((ndiff[$m] + 1))
      echo "DIFF $m $f"
      diff "$out/default/$o.out" "$out/$m/$o.out" | head -5
      diff "$out/default/$o.err" "$out/$m/$o.err" | head -5
    fi
  done
done
ndef=$(ls "$out/default"/*.out | wc -l)
tdef=$(cat "$out/default"/*.us | awk '{ s += $1 } END { print s }')
printf '\n| mode | programs | diffs vs default | wall time (s) | default on the same (s) | slowdown |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: |\n'
printf '| default | %d | - | %.2f | %.2f | 1.00 |\n' "$ndef" "$(echo "$tdef / 1000000" | bc -l)" \
  "$(echo "$tdef / 1000000" | bc -l)"
for m in gcstress gccheckmark clobberfree movestack asan; do
  printf '| %s | %d | %d | %.2f | %.2f | %.2f |\n' "$m" "${nprog[$m]}" "${ndiff[$m]}" \
    "$(echo "${us[$m]} / 1000000" | bc -l)" "$(echo "${base[$m]} / 1000000" | bc -l)" \
    "$(echo "${us[$m]} / ${base[$m]}" | bc -l)"
done
echo "(gcstress skips: $slow_under_stress)"
echo "modes: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
