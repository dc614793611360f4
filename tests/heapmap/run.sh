#!/usr/bin/env bash
# run.sh BUILD: the heapmap suite (tests/heapmap/build.mk). Checks what
# TOYDEBUG=heapmap=DIR writes (alloc/heapmap.c):
#  - driver: heapmap-driver (driver.c) runs a fixed pattern on alloc's API
#    and prints, after each gc_collect and at exit, the in-use spans of
#    gc_read_stats and of gc_span_walk and the free and released runs; every
#    picture (SVG file and index.html section) must draw exactly those;
#  - toy: program.toy under `toy run --heapmap DIR` and TOYDEBUG=heapmap=DIR:
#    one picture per cycle (num_gc, automatic ones included) plus exit, each
#    drawing as many span cells as the stats counted at that moment, the same
#    files both ways and the same program output as without the map;
#  - browser: headless Chromium loads index.html and a standalone SVG,
#    counts the span cells that render (after the page's script ran), takes
#    a screenshot and checks it is not blank (colours, ink, both hues).
# Everything lands in BUILD/heapmap (the screenshot: BUILD/heapmap/screenshot.png).
# Without chromium the browser checks are skipped with a message
# (tools/deps.sh test installs it; CHROMIUM= forces the skip). VALGRIND, when
# set, runs the driver under it.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/heapmap
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
pass=0 fail=0 skip=0

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# check DESC EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1 ($3)"; else bad "$1: expected '$2', got '$3'"; fi; }
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
attr() { grep -o -m1 "$1=\"[^\"]*\"" "$2" | head -n1 | sed 's/.*="\(.*\)"/\1/'; }
# Span cells of one section of index.html.
section_spans() {
  awk -v id="$1" '$0 ~ "<section class=\"cycle\" id=\"" id "\"" { on = 1 }
                  on && /<rect class="span / { n++ }
                  on && /<\/section>/ { on = 0 }
                  END { print n + 0 }' "$2"
}

# --- driver: the expected counts from alloc's own accounts -----------------
d=$out/driver
${VALGRIND:-} "$build/tests/heapmap-driver" "$d" >"$out/driver.txt" 2>"$out/driver.err"
check "driver runs cleanly${VALGRIND:+ under valgrind}" "0 0" "$? $(wc -c <"$out/driver.err")"
check "driver reports 4 cycles and exit" "5" "$(grep -c '^expect ' "$out/driver.txt")"
ids=""
while read -r _ id spans walk free released; do
  ids="$ids $id"
  svg=$d/$id.svg
  check "$id: stats and span walk agree on in-use spans" "$spans" "$walk"
  check "$id.svg: span cells = in-use spans" "$spans" "$(count '<rect class="span ' "$svg")"
  check "$id.svg: free-run cells = free runs" "$free" "$(count '<rect class="free' "$svg")"
  check "$id.svg: released-run cells = released runs" "$released" "$(count '<rect class="free released' "$svg")"
  check "$id.svg: data-spans-inuse" "$spans" "$(attr data-spans-inuse "$svg")"
  check "index.html section $id: span cells" "$spans" "$(section_spans "$id" "$d/index.html")"
done < <(grep '^expect ' "$out/driver.txt")
check "index.html: sections in order" "$ids" "$(grep -o '<section class="cycle" id="[^"]*"' "$d/index.html" |
  sed 's/.*id="\(.*\)"/ \1/' | tr -d '\n')"
check "index.html: the document is closed at exit" "</body></html>" "$(tail -n1 "$d/index.html")"
check "cycle-0001: 3 large scan and 3 large noscan spans" "3 3" \
  "$(count 'class="span scan large' "$d/cycle-0001.svg") $(count 'class="span noscan large' "$d/cycle-0001.svg")"
check "cycle-0001: rows labelled with class, size and kind" "1 1" \
  "$(count '>class 3 · 24 B · scan<' "$d/cycle-0001.svg") $(count '>class 9 · 112 B · noscan<' "$d/cycle-0001.svg")"

# --- toy: a program with the map on ------------------------------------------
toy=$build/toy
prog=$here/program.toy
# The cycles are counted and the files compared, so they must fall at the
# same allocations every run: the mark stops the world here (a concurrent
# mark's trigger and its end depend on the workers' timing).
export TOYDEBUG=gcstoptheworld=1
"$toy" run "$prog" >"$out/plain.txt" 2>&1
"$toy" run --heapmap "$out/toy" "$prog" >"$out/flag.txt" 2>&1
check "toy run --heapmap: status" "0" "$?"
TOYDEBUG=gcstoptheworld=1,heapmap=$out/toy-env "$toy" run "$prog" >"$out/env.txt" 2>&1
check "TOYDEBUG=heapmap: status" "0" "$?"
check "the map changes nothing the program prints" "" "$(diff "$out/plain.txt" "$out/flag.txt"; diff "$out/plain.txt" "$out/env.txt")"
ngc=$(sed -n 's/^num_gc: //p' "$out/flag.txt")
check "program ran 4 cycles (3 gc() and 1 automatic)" "4" "$ngc"
check "one SVG per cycle plus exit" "$((ngc + 1))" "$(ls "$out/toy" | grep -c '\.svg$')"
auto=$(grep -l 'after an automatic cycle' "$out"/toy/cycle-*.svg)
check "an automatic cycle is drawn unswept" "1" "$(echo "$auto" | grep -c svg)"
check "unswept spans carry their marked count, swept ones none" "$(count '<rect class="span ' "$auto") 0" \
  "$(count 'data-nmarked=' "$auto") $(cat "$out"/toy/*.svg | grep -c 'data-nmarked=' | awk -v a="$(count 'data-nmarked=' "$auto")" '{ print $1 - a }')"
for svg in "$out"/toy/*.svg; do
  n=$(basename "$svg" .svg)
  check "toy $n.svg: span cells = spans_inuse = walk" \
    "$(attr data-spans-inuse "$svg") $(attr data-spans-inuse "$svg")" \
    "$(count '<rect class="span ' "$svg") $(attr data-spans "$svg")"
done
check "--heapmap and TOYDEBUG=heapmap write the same files" "" "$(diff -r "$out/toy" "$out/toy-env" 2>&1)"
TOYDEBUG=gcstoptheworld=1,heapmap= "$toy" run "$prog" >"$out/empty.txt" 2>&1
check "heapmap= without a directory: usage error" "64 1" "$? $(grep -c "'heapmap' needs a directory" "$out/empty.txt")"
TOYDEBUG=gcstoptheworld=1,heapmap=/proc/heapmap-here "$toy" run "$prog" >"$out/unwritable.txt" 2>&1
check "an unwritable directory: a warning, and the program still runs" "0 1 1" \
  "$? $(grep -c '^heapmap: cannot make the directory /proc/heapmap-here' "$out/unwritable.txt") $(grep -c '^num_gc: ' "$out/unwritable.txt")"

unset TOYDEBUG

# --- browser: Chromium renders the pages --------------------------------------
# CHROMIUM names the browser; set empty, it skips the browser checks.
chromium=${CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}
browse() { # browse ARGS... : one headless Chromium run with a fresh profile
  local prof
  prof=$(mktemp -d)
  timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$prof" "$@" 2>/dev/null
  local rc=$?
  rm -rf "$prof"
  return $rc
}
if [ -z "$chromium" ]; then
  echo "heapmap: chromium is not installed: skipping the 8 browser checks (tools/deps.sh test installs it)"
  skip=8
else
  shown=cycle-0002
  want=$(awk -v id=$shown '$2 == id { print $3 }' "$out/driver.txt")
  shot=$out/screenshot.png
  # The DOM after the page's script, and a screenshot, side by side.
  browse --window-size=1280,900 --virtual-time-budget=3000 --dump-dom "file://$d/index.html#$shown" >"$out/dom.html" &
  domjob=$!
  browse --window-size=1280,900 --virtual-time-budget=3000 --screenshot="$shot" "file://$d/index.html#$shown" >/dev/null
  wait $domjob
  check "browser: the script found every picture" "5" "$(attr data-cycles "$out/dom.html")"
  check "browser: #$shown selects that cycle" "$shown" "$(attr data-current "$out/dom.html")"
  check "browser: $shown renders its spans (laid out, non-empty boxes)" "$want" "$(attr data-rendered-spans "$out/dom.html")"
  check "browser: span elements per section after the script" \
    "$(awk '{ printf " %s", $3 }' "$out/driver.txt")" \
    "$(grep -o 'data-dom-spans="[0-9]*"' "$out/dom.html" | sed 's/.*="\(.*\)"/ \1/' | tr -d '\n')"
  size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
  if [ "$size" -gt 20000 ]; then ok "browser: screenshot $shot ($size bytes)"; else bad "browser: screenshot $shot is $size bytes"; fi
  # Look at the screenshot's pixels, and load a standalone SVG, in one page.
  third=cycle-0003
  {
    echo '<!DOCTYPE html><html><head><meta charset="utf-8"><script>'
    cat "$here/inspect.js"
    echo '</script></head><body>'
    printf '<img id="shot" src="data:image/png;base64,'
    base64 -w0 "$shot"
    echo '">'
    echo "<object id=\"svg\" type=\"image/svg+xml\" data=\"file://$d/$third.svg\" width=\"1300\" height=\"900\"></object>"
    echo '</body></html>'
  } >"$out/inspect.html"
  browse --allow-file-access-from-files --virtual-time-budget=3000 --dump-dom "file://$out/inspect.html" >"$out/inspect.dom.html"
  i=$out/inspect.dom.html
  colors=$(attr data-png-colors "$i") ink=$(attr data-png-ink-permille "$i")
  blue=$(attr data-png-blue "$i") orange=$(attr data-png-orange "$i")
  if [ "${colors:-0}" -ge 16 ] && [ "${ink:-0}" -ge 20 ] && [ "${ink:-0}" -le 900 ] &&
     [ "${blue:-0}" -ge 500 ] && [ "${orange:-0}" -ge 500 ]; then
    ok "browser: screenshot not blank ($colors colours, $ink per mille ink, $blue scan-blue and $orange noscan-orange pixels)"
  else
    bad "browser: screenshot looks blank: colours '$colors', ink '$ink' per mille, blue '$blue', orange '$orange'"
  fi
  check "browser: $third.svg parses as XML" "0" "$(attr data-svg-parsererror "$i")"
  check "browser: $third.svg renders its spans standalone" \
    "$(awk -v id=$third '$2 == id { print $3 " " $3 }' "$out/driver.txt")" \
    "$(attr data-svg-spans "$i") $(attr data-svg-rendered "$i")"
fi

echo "heapmap: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
