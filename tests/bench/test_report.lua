-- tests/bench/test_report.lua: the bench-report suite. Feeds canned raw
-- results to the report assembler (tests/bench/report.lua, run as `make
-- bench` runs it) and canned gctrace lines to tests/bench/gctrace.awk, and
-- checks what comes out: the medians, ranges and ratios of the table, the
-- Markdown table's shape, a well-formed SVG with one group per workload and
-- one bar per timed implementation, mismatched outputs and failed runs
-- turned into a failing status, pause percentiles and mark rates. No
-- timing: nothing here runs a benchmark.
--
--   lua5.4 tests/bench/test_report.lua SCRATCH_DIR
--
-- Prints one line per check and "bench-report: N passed, N failed" last.

package.path = "./?.lua;" .. package.path
local report = require("tests.bench.report")

local dir = arg[1] or "build/tests/bench-report"
os.execute("mkdir -p '" .. dir .. "'")
local passed, failed = 0, 0

local function check(ok, what, detail)
  if ok then
    passed = passed + 1
    print("ok   " .. what)
  else
    failed = failed + 1
    print("FAIL " .. what .. (detail and ("\n     " .. tostring(detail):gsub("\n", "\n     ")) or ""))
  end
end

local function write(name, text)
  local path = dir .. "/" .. name
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

local function read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- run(cmd): its stdout and exit status.
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1", "r"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

-- well_formed(xml): nil, or what is wrong: every tag closed in order,
-- attributes quoted, no stray < or & in text.
local function well_formed(xml)
  local stack, pos = {}, 1
  local body = xml:gsub("^<%?xml[^>]*%?>%s*", "")
  while true do
    local s, e, tag = body:find("<([^>]*)>", pos)
    local text = body:sub(pos, (s or #body + 1) - 1)
    if text:find("<") then return "stray < in text near " .. text:sub(1, 40) end
    for amp in text:gmatch("&[^;%s]*;?") do
      if not amp:match("^&[%w#]+;$") then return "bad entity " .. amp end
    end
    if not s then break end
    if tag:sub(1, 1) == "/" then
      local name = tag:sub(2):match("^%s*([%w:_-]+)")
      local top = table.remove(stack)
      if top ~= name then return string.format("</%s> closes <%s>", tostring(name), tostring(top)) end
    else
      local name = tag:match("^([%w:_-]+)")
      if not name then return "bad tag <" .. tag .. ">" end
      local attrs = tag:sub(#name + 1):gsub("/%s*$", "")
      local rest = attrs:gsub('%s*[%w:_-]+="[^"<]*"', "")
      if rest:match("%S") then return "bad attributes in <" .. tag .. ">: " .. rest end
      if tag:sub(-1) ~= "/" then stack[#stack + 1] = name end
    end
    pos = e + 1
  end
  if #stack > 0 then return "unclosed <" .. stack[#stack] .. ">" end
  return nil
end

-- rows(text): the table rows of the text report, as lists of cells split
-- on two or more spaces, keyed "workload impl" (the workload cell carries
-- over from the group's first row).
local function rows(text)
  local t, w = {}, nil
  for line in text:gmatch("[^\n]+") do
    local cells = {}
    for c in (line .. "  "):gmatch("(.-)%s%s+") do cells[#cells + 1] = c end
    if line:match("^%S") and #cells >= 8 and cells[2] ~= "impl" and not line:match("^%-") then
      w = cells[1]
      t[w .. " " .. cells[2]] = cells
    elseif line:match("^%s+%S") and w and #cells >= 8 then
      -- a continuation row: the first cell is empty
      table.remove(cells, 1)
      table.insert(cells, 1, w)
      t[w .. " " .. cells[2]] = cells
    end
  end
  return t
end

-- 1. the pure functions
check(report.median({3, 1, 2}) == 2, "median of an odd count is the middle value")
check(report.median({4, 1, 3, 2}) == 2.5, "median of an even count is the mean of the middle two")
check(report.median({}) == nil, "median of nothing is nil")

-- 2. a whole report from two canned raw files
local a = write("a.raw", [[
# canned: binary-trees and fib from one file
meta date 2026-11-23 19:00 UTC
meta machine x86_64 Test CPU
meta cpus 2
meta load 1.00 0.50 0.25
meta lua Lua 5.4.4
meta go go1.19.8
meta reps 3
meta command make bench-toy
note binary-trees/21 binary-trees, depth 21
binary-trees/21 toy 2.0 10240 out=aaa
binary-trees/21 lua 6.0 40960 out=aaa
binary-trees/21 go 1.0 20480 out=aaa
binary-trees/21 toy 3.0 10240 out=aaa
binary-trees/21 lua 6.0 40960 out=aaa
binary-trees/21 go 1.0 20480 out=aaa
binary-trees/21 toy 1.0 10240 out=aaa
binary-trees/21 lua 6.0 40960 out=aaa
binary-trees/21 go 1.0 20480 out=aaa
fib/32 toy 0.5 4096 out=fff
fib/32 lua 1.5 2048 out=fff
fib/32 toy - - ins=100.0
fib/32 lua - - ins=250.0
meta seconds 61
]])
local b = write("b.raw", [[
meta date 2026-11-23 18:59 UTC
meta load 2.00 1.00 0.50
meta command make bench-alloc
binary-trees/21 alloc 1.0 8192 out=aaa gcs=10
binary-trees/21 malloc 0.5 16384 out=aaa gcs=0
micro/w10000 alloc 0.8 8192 out=s1 ns_per_alloc=40 gcs=500
micro/w10000 malloc 0.8 4096 out=s1 ns_per_alloc=44
micro/w10000 boehm 1.6 4096 out=s1 ns_per_alloc=80 gcs=2000
fastpath/16B alloc-noscan - - ins=18.0 ins_loop=22.0
fastpath/16B alloc-scan - - ins=20.0 ins_loop=24.0
fastpath/16B malloc - - ins=50.0 ins_loop=54.0
gc-pause/280000 toy 6.0 460800 out=ggg gcs=10 pauses=10 pause_max_ms=700.5 pause_p99_ms=690.0 mark_mb_s=300 live_mb=200
gc-pause/280000 go 8.0 563200 out=ggg gcs=10 pauses=20 pause_max_ms=0.4 pause_p99_ms=0.3 mark_mb_s=350 live_mb=260
meta seconds 60
]])
local md, svg = dir .. "/report.md", dir .. "/report.svg"
os.remove(md)
os.remove(svg)
local out, code = run(string.format("lua5.4 tests/bench/report.lua --md %s --svg %s %s %s", md, svg, a, b))
check(code == 0, "consistent raw results: exit status 0", out)
local header = out:match("^[^\n]*")
check(header:find("2026-11-23 18:59 UTC", 1, true) and header:find("2 CPUs", 1, true)
  and header:find("load 1.00 0.50 0.25", 1, true) and header:find("Lua 5.4.4", 1, true)
  and header:find("go1.19.8", 1, true) and header:find("x86_64 Test CPU", 1, true), "header: earliest date, machine, CPUs, load, versions", header)
check(header:find("`make bench-toy; make bench-alloc`", 1, true) and header:find("took 2m01s", 1, true),
  "header: the commands of a partial run and their summed time", header)
local t = rows(out)
local toy = t["binary-trees/21 toy"]
check(toy and toy[3] == "2.00" and toy[4] == "1.00-3.00" and toy[5] == "10" and toy[6] == "ours",
  "toy row: median 2.00 s of 2,3,1, range 1.00-3.00, 10 MiB, ours", toy and table.concat(toy, "|"))
local lua = t["binary-trees/21 lua"]
check(lua and lua[6] == "3.00 (toy)" and lua[7] == "4.00 (toy)", "lua row: peer÷ours 3.00 time, 4.00 RSS against toy",
  lua and table.concat(lua, "|"))
local go = t["binary-trees/21 go"]
check(go and go[6] == "0.50 (toy)" and go[7] == "2.00 (toy)", "go row: 0.50 time, 2.00 RSS against toy", go and table.concat(go, "|"))
local malloc = t["binary-trees/21 malloc"]
check(malloc and malloc[6] == "0.50 (alloc)" and malloc[7] == "2.00 (alloc)", "C peers are compared with alloc, not toy",
  malloc and table.concat(malloc, "|"))
local flua = t["fib/32 lua"]
check(flua and flua[8] == "250 (2.50)", "fib: lua's instructions per call beside toy's, with the ratio", flua and table.concat(flua, "|"))
local fpm = t["fastpath/16B malloc"]
check(fpm and fpm[3] == "-" and fpm[6] == "-" and fpm[8] == "50 (2.50)", "fastpath: no time, malloc's instructions ÷ alloc-scan's",
  fpm and table.concat(fpm, "|"))
local gp = t["gc-pause/280000 toy"]
check(gp and gp[9] and gp[9]:find("pause max 700 ms, p99 690 ms (10 pauses)", 1, true) and gp[9]:find("mark 300 MB/s/core", 1, true)
  and gp[9]:find("live 200 MB", 1, true), "gc-pause: longest and p99 pause, mark rate in the notes", gp and gp[9])
local mw = t["micro/w10000 boehm"]
check(mw and mw[9] and mw[9]:find("ns/alloc 80", 1, true) and mw[9]:find("GCs 2000", 1, true), "micro: ns/alloc and GCs in the notes",
  mw and mw[9])
-- the order: workloads in the fixed order, whatever the files' order
local pos = {}
for _, w in ipairs({"binary-trees/21", "micro/w10000", "fastpath/16B", "fib/32", "gc-pause/280000"}) do
  pos[#pos + 1] = out:find("\n" .. w, 1, true) or math.huge
end
local ordered = true
for k = 2, #pos do ordered = ordered and pos[k - 1] < pos[k] and pos[k] < math.huge end
check(ordered, "workloads in the report's fixed order", out)
check(out:find("goal binary-trees/21: toy at least 6x faster than Lua 5.4: lua÷toy time 3.00, MISS", 1, true)
  and out:find("goal fastpath/16B: alloc-noscan: 20 instructions or fewer: 18, PASS", 1, true)
  and out:find("goal micro/w10000: alloc within 1.5x of glibc malloc+free per allocation: malloc÷alloc ns_per_alloc 1.10, PASS", 1, true),
  "goals judged from the same run's ratios", out)

-- frag: alloc's own median and slowest are judged; the ratios to malloc
-- are shown, not judged
local fr = write("frag.raw", [[
frag/15000 alloc 0.4 29000 out=fff median_ns=600 max_ns=12000 max_cpu_ns=20000
frag/15000 malloc 30.0 120000 out=fff median_ns=800000 max_ns=9000000000 max_cpu_ns=4000000000
frag/1000 alloc 0.1 3000 out=eee median_ns=2500 max_ns=60000
frag/1000 malloc 0.1 3000 out=eee median_ns=3500 max_ns=1700000
]])
local fout, fcode = run("lua5.4 tests/bench/report.lua " .. fr)
check(fcode == 0 and fout:find("goal frag/15000: alloc's median large allocation 2 us or less: 600, PASS", 1, true)
  and fout:find("goal frag/15000: alloc's slowest large allocation 50 us or less: 12000, PASS", 1, true)
  and fout:find("goal frag/1000: alloc's median large allocation 2 us or less: 2500, MISS", 1, true)
  and fout:find("goal frag/1000: alloc's slowest large allocation 50 us or less: 60000, MISS", 1, true)
  and fout:find("goal frag/15000: median beside glibc malloc: malloc÷alloc median_ns 1333.33, no goal", 1, true),
  "frag: alloc's median and slowest judged, the ratios to malloc shown", fout)

-- 3. the Markdown
local mdt = read(md) or ""
check(mdt:match("^# Benchmark report\n\n") and mdt:find(header, 1, true), "Markdown: title and the same header line", mdt:sub(1, 300))
local trows, bad = 0, nil
for line in mdt:gmatch("[^\n]+") do
  if line:match("^|") then
    trows = trows + 1
    local cells = count(line:gsub("\\|", ""), "|") - 1
    if cells ~= 9 then bad = line end
  end
end
-- header + separator + 7 binary-trees/fib... rows: 5 + 2 + 3 + 3 + 2
check(trows == 2 + 15 and not bad, "Markdown: one table, 9 cells in every row, one row per workload and impl",
  bad or ("rows: " .. trows))
check(mdt:find("- **binary-trees/21**: binary-trees, depth 21", 1, true) and mdt:find("![", 1, true)
  and mdt:find("(report.svg)", 1, true), "Markdown: workload notes and the chart's link")

-- 4. the SVG (and first, that the checker rejects what it should)
check(well_formed("<svg><g></svg>") and well_formed("<svg>a & b</svg>") and well_formed("<svg><rect x=1/></svg>")
  and not well_formed('<svg a="1"><g><rect x="1"/></g>&amp;</svg>'), "the well-formedness check itself")
local s = read(svg) or ""
local err = well_formed(s)
check(s ~= "" and not err, "SVG is well-formed", err)
check(s:match("<svg[^>]*xmlns=\"http://www.w3.org/2000/svg\""), "SVG: an svg root in the SVG namespace")
check(count(s, '<g class="workload"') == 4, "SVG: one group per timed workload (not fastpath)", count(s, '<g class="workload"'))
check(count(s, 'class="bar"') == 5 + 3 + 2 + 2, "SVG: one bar per timed implementation", count(s, 'class="bar"'))
check(s:find('data-impl="toy" data-value="1.0000"', 1, true) and s:find('data-impl="lua" data-value="3.0000"', 1, true)
  and s:find('data-impl="alloc" data-value="0.5000"', 1, true) and s:find('data-impl="boehm" data-value="2.0000"', 1, true),
  "SVG: bars normalised to toy (alloc where toy has no row) = 1")

-- 5. outputs that differ fail the report and say where
local c = write("c.raw", [[
nbody/1000 toy 1.0 4096 out=one
nbody/1000 lua 2.0 2048 out=one
nbody/1000 go 0.5 2048 out=two
]])
out, code = run(string.format("lua5.4 tests/bench/report.lua --md %s/c.md %s", dir, c))
check(code == 1, "an output mismatch: exit status 1", code)
check(out:find("PROBLEM: nbody/1000: OUTPUT MISMATCH", 1, true) and (rows(out)["nbody/1000 go"] or {})[9] == "OUTPUT DIFFERS"
  and (rows(out)["nbody/1000 lua"] or {})[9] == nil, "the mismatch is named and only the differing row marked", out)
check((read(dir .. "/c.md") or ""):find("## Problems\n\n- nbody/1000: OUTPUT MISMATCH", 1, true), "Markdown: a Problems section")

-- 6. failed runs, malformed lines and usage
local d = write("d.raw", [[
word-freq/x50 toy 0.01 4096 out=w
fail word-freq/x50 lua exit 1
]])
out, code = run("lua5.4 tests/bench/report.lua " .. d)
check(code == 1 and out:find("FAILED 1 run(s): exit 1", 1, true), "a failed run: exit status 1, FAILED in its row", out)
local e = write("e.raw", "fib/32 toy fast 4096\n")
out, code = run("lua5.4 tests/bench/report.lua " .. e)
check(code == 1 and out:find("e.raw:1: not a raw result line", 1, true), "a malformed line is named by file and line", out)
out, code = run("lua5.4 tests/bench/report.lua")
check(code == 2 and out:find("usage", 1, true), "no raw file: usage, exit status 2", out)
out, code = run("lua5.4 tests/bench/report.lua " .. dir .. "/missing.raw")
check(code == 1 and out:find("cannot read", 1, true), "an unreadable raw file is reported", out)

-- 7. a partial run: one file, its workloads only; an empty chart is still a chart
out, code = run(string.format("lua5.4 tests/bench/report.lua --svg %s/p.svg %s", dir, c:gsub("c%.raw$", "a.raw")))
check(code == 0 and out:find("binary-trees/21", 1, true) and not out:find("micro", 1, true), "a partial run reports what it has", out)
local f = write("f.raw", "fastpath/16B alloc-scan - - ins=20\n")
out, code = run(string.format("lua5.4 tests/bench/report.lua --quiet --svg %s/f.svg %s", dir, f))
local fs = read(dir .. "/f.svg") or ""
check(code == 0 and out == "" and not well_formed(fs) and fs:find("no timed results", 1, true),
  "--quiet prints nothing; a report with no timings still gives a well-formed SVG", out)

-- 8. gctrace.awk: Go's format, read as Go's (two stop-the-world pauses
-- a cycle, concurrent mark) and as toy's (the whole cycle stops the world)
local go_trace = write("go.trace", [[
gc 1 @0.019s 3%: 0.010+4.9+0.040 ms clock, 0.018+0.5/1.0/2.5+0.073 ms cpu, 3->4->4 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
some program output
gc 2 @0.040s 2%: 0.050+2.6+0.080 ms clock, 0.10+0.0/0.5/1.5+0.16 ms cpu, 7->7->2 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 3 @0.090s 2%: 0.020+3.0+0.300 ms clock, 0.04+1.0/1.0/2.0+0.16 ms cpu, 7->8->8 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
]])
out = run("awk -v stw=0 -f tests/bench/gctrace.awk " .. go_trace)
-- pauses: .010 .040 .050 .080 .020 .300; marked 14 MB in 10 ms of mark cpu
check(out == "gcs=3 pauses=6 pause_max_ms=0.300 pause_p99_ms=0.300 mark_mb_s=1400 live_mb=8 mmu_10ms=0.868 mmu_100ms=0.979\n",
  "gctrace, Go: A and C are the pauses, marked MB ÷ (b+c+d) cpu seconds", out)
-- MMU: the worst 10 ms holds cycle 3 (0.02 + its 1.0 ms of assists + 0.3);
-- the run (93.32 ms, to the last pause's end) is shorter than 100 ms, so
-- that window is the run: 0.55 + 0.13 + 1.32 ms lost of 93.3
local toy_trace = write("toy.trace", [[
gc 1 @0.005s 44%: 0.001+3.9+0.000 ms clock, 0.001+0/3.9/0+0.000 ms cpu, 4->3->3 MB, 7 MB goal, 0 MB stacks, 0 MB globals, 1 P
gc 2 @0.017s 31%: 0.001+2.3+0.000 ms clock, 0.001+0/4.0/0+0.000 ms cpu, 7->7->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 1 P
]])
out = run("awk -v stw=1 -f tests/bench/gctrace.awk " .. toy_trace)
check(out == "gcs=2 pauses=2 pause_max_ms=3.901 pause_p99_ms=3.901 mark_mb_s=633 live_mb=3 mmu_10ms=0.610 mmu_100ms=0.680\n",
  "gctrace, toy: the pause is the whole cycle (A+B+C)", out)
local lines = {}
for k = 1, 200 do
  lines[k] = string.format("gc %d @1.0s 1%%: 0+%d+0 ms clock, 0+0/%d/0+0 ms cpu, 10->10->10 MB, 20 MB goal, 1 P", k, k, k)
end
local many = write("many.trace", table.concat(lines, "\n") .. "\n")
out = run("awk -v stw=1 -f tests/bench/gctrace.awk " .. many)
check(out:find("pauses=200 pause_max_ms=200.000 pause_p99_ms=198.000 ", 1, true),
  "gctrace: the 99th percentile is the nearest rank (198th of 200)", out)
local lines2 = {}
for k = 1, 20 do
  -- a 5 ms pause every 50 ms: any 10 ms window loses at most 5 ms, a
  -- 100 ms window two pauses
  lines2[k] = string.format("gc %d @%.3fs 1%%: 5+0+0 ms clock, 0+0/0/0+0 ms cpu, 10->10->10 MB, 20 MB goal, 1 P", k, k * 0.05)
end
out = run("awk -v stw=1 -f tests/bench/gctrace.awk " .. write("mmu.trace", table.concat(lines2, "\n") .. "\n"))
check(out:find("mmu_10ms=0.500 mmu_100ms=0.900", 1, true), "gctrace: MMU, the worst window of 10 and 100 ms", out)
out = run("awk -v stw=0 -f tests/bench/gctrace.awk " .. a)
check(out == "gcs=0 pauses=0 pause_max_ms=- pause_p99_ms=- mark_mb_s=- live_mb=- mmu_10ms=- mmu_100ms=-\n", "gctrace: no gc lines, no figures", out)

print(string.format("bench-report: %d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
