-- tests/bench/report.lua: assembles the benchmark report from raw results
-- (the lines tests/bench/bench.sh writes, format in its header): one table
-- of workload, implementation, median seconds, min-max, peak RSS, the ratio
-- of each peer to ours (peer ÷ ours: above 1, ours is faster or smaller),
-- instructions per operation where callgrind measured them, and notes
-- (pauses, ns/alloc...). Prints it as text; with --md and --svg also writes
-- it as Markdown and as a bar chart (time normalised to toy, or alloc where
-- toy has no row, = 1). Whatever raw files it is given make the report, so
-- a partial run gives a partial report.
--
--   lua5.4 tests/bench/report.lua [--quiet] [--md FILE] [--svg FILE] RAW...
--
-- Exits 1 when a workload's implementations printed different outputs or a
-- run failed (the report says which), 2 on bad usage or unreadable input.
-- No Lua libraries beyond the standard ones: the bench needs no new package.

local M = {}

-- The order rows appear in; workloads and implementations not listed come
-- after, in the order the raw files first name them.
local WORKLOAD_ORDER = {"binary-trees", "micro", "fastpath", "frag", "threads", "fib", "nbody", "word-freq",
  "k-nucleotide", "reverse-complement", "gc-pause", "parallel-trees", "pingpong"}
local IMPL_ORDER = {"toy", "lua", "go", "alloc", "alloc-noscan", "alloc-scan", "alloc-site", "alloc-inline", "malloc",
  "boehm", "boehm-typed", "alloc-2t", "alloc-1t", "go-2t", "go-1t"}
-- Ours, and which of ours each peer is compared with (the first present).
local OURS = {toy = true, alloc = true, ["alloc-noscan"] = true, ["alloc-scan"] = true, ["alloc-site"] = true,
  ["alloc-inline"] = true, ["alloc-2t"] = true}
local PEER_OF = {
  lua = {"toy"}, go = {"toy"},
  ["alloc-1t"] = {"alloc-2t"}, ["go-2t"] = {"alloc-2t"}, ["go-1t"] = {"alloc-2t"},
  malloc = {"alloc", "alloc-scan"}, boehm = {"alloc", "alloc-scan"}, ["boehm-typed"] = {"alloc", "alloc-scan"},
}
local PRIMARY = {"toy", "alloc", "alloc-scan", "alloc-noscan"}
local COLORS = {
  toy = "#d62728", lua = "#1f77b4", go = "#17becf", alloc = "#ff7f0e", ["alloc-noscan"] = "#ff9f4e",
  ["alloc-scan"] = "#ff7f0e", ["alloc-site"] = "#ffbf7e", ["alloc-inline"] = "#ffd9b0", malloc = "#2ca02c", boehm = "#9467bd", ["boehm-typed"] = "#8c564b",
  ["alloc-2t"] = "#ff7f0e", ["alloc-1t"] = "#ffbf7e", ["go-2t"] = "#17becf", ["go-1t"] = "#8fdfe7",
}

local function rank(list)
  local r = {}
  for i, v in ipairs(list) do r[v] = i end
  return r
end
local WRANK, IRANK = rank(WORKLOAD_ORDER), rank(IMPL_ORDER)

local function split(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

-- parse(files): the report's data from the raw files, in order.
--   { metas = {{file=, KEY=VALUE...}...}, workloads = {W...}, errors = {...} }
--   W = { name, notes = {...}, impls = {I...}, by = {impl = I} }
--   I = { impl, secs = {}, rss = {}, outs = {hash = n}, extra = {key = {v...}}, fails = {} }
function M.parse(files)
  local data = {metas = {}, workloads = {}, errors = {}}
  local wby, seen = {}, 0
  local function workload(name)
    local w = wby[name]
    if not w then
      seen = seen + 1
      w = {name = name, notes = {}, impls = {}, by = {}, seen = seen}
      wby[name] = w
      data.workloads[#data.workloads + 1] = w
    end
    return w
  end
  local function impl(w, name)
    local i = w.by[name]
    if not i then
      seen = seen + 1
      i = {impl = name, secs = {}, rss = {}, outs = {}, nouts = 0, extra = {}, fails = {}, seen = seen}
      w.by[name] = i
      w.impls[#w.impls + 1] = i
    end
    return i
  end
  for _, file in ipairs(files) do
    local f, err = io.open(file, "r")
    if not f then
      data.errors[#data.errors + 1] = "cannot read " .. tostring(err)
    else
      local meta = {file = file}
      data.metas[#data.metas + 1] = meta
      local ln = 0
      for line in f:lines() do
        ln = ln + 1
        local t = split(line)
        if #t == 0 or t[1]:sub(1, 1) == "#" then
          -- blank or comment
        elseif t[1] == "meta" and #t >= 2 then
          meta[t[2]] = line:match("^%s*meta%s+%S+%s*(.-)%s*$")
        elseif t[1] == "note" and #t >= 3 then
          local w, text = workload(t[2]), line:match("^%s*note%s+%S+%s+(.-)%s*$")
          local dup = false
          for _, n in ipairs(w.notes) do dup = dup or n == text end
          if not dup then w.notes[#w.notes + 1] = text end
        elseif t[1] == "fail" and #t >= 3 then
          local w = workload(t[2])
          if t[3] == "-" then
            w.fails = w.fails or {}
            w.fails[#w.fails + 1] = table.concat(t, " ", 4)
          else
            local i = impl(w, t[3])
            i.fails[#i.fails + 1] = table.concat(t, " ", 4)
          end
        elseif #t >= 4 then
          local secs, rss = tonumber(t[3]), tonumber(t[4])
          if (secs == nil and t[3] ~= "-") or (rss == nil and t[4] ~= "-") then
            data.errors[#data.errors + 1] = string.format("%s:%d: not a raw result line: %s", file, ln, line)
          else
            local i = impl(workload(t[1]), t[2])
            if secs then i.secs[#i.secs + 1] = secs end
            if rss then i.rss[#i.rss + 1] = rss end
            for k = 5, #t do
              local key, v = t[k]:match("^([%w_]+)=(.*)$")
              if key == "out" then
                if not i.outs[v] then i.nouts = i.nouts + 1 end
                i.outs[v] = (i.outs[v] or 0) + 1
              elseif key then
                i.extra[key] = i.extra[key] or {}
                table.insert(i.extra[key], v)
              else
                data.errors[#data.errors + 1] = string.format("%s:%d: not KEY=VALUE: %s", file, ln, t[k])
              end
            end
          end
        else
          data.errors[#data.errors + 1] = string.format("%s:%d: not a raw result line: %s", file, ln, line)
        end
      end
      f:close()
    end
  end
  local function base(name) return name:match("^[^/]*") end
  table.sort(data.workloads, function(a, b)
    local ra, rb = WRANK[base(a.name)] or 1e6, WRANK[base(b.name)] or 1e6
    if ra ~= rb then return ra < rb end
    return a.seen < b.seen
  end)
  for _, w in ipairs(data.workloads) do
    table.sort(w.impls, function(a, b)
      local ra, rb = IRANK[a.impl] or 1e6, IRANK[b.impl] or 1e6
      if ra ~= rb then return ra < rb end
      return a.seen < b.seen
    end)
  end
  return data
end

-- median of a list of numbers (the mean of the middle two for an even
-- count), or nil for none.
function M.median(list)
  local t = {}
  for _, v in ipairs(list) do
    local n = tonumber(v)
    if n then t[#t + 1] = n end
  end
  if #t == 0 then return nil end
  table.sort(t)
  local m = (#t + 1) // 2
  if #t % 2 == 1 then return t[m] end
  return (t[m] + t[m + 1]) / 2
end

local function minmax(list)
  if #list == 0 then return nil end
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(list) do
    lo, hi = math.min(lo, v), math.max(hi, v)
  end
  return lo, hi
end

local function fmt_secs(s)
  if not s then return "-" end
  if s < 0.01 then return string.format("%.4f", s) end
  if s < 1 then return string.format("%.3f", s) end
  if s < 100 then return string.format("%.2f", s) end
  return string.format("%.1f", s)
end
local function fmt_num(v)
  if not v then return "-" end
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
  if math.abs(v) >= 100 then return string.format("%.0f", v) end
  if math.abs(v) >= 10 then return string.format("%.1f", v) end
  return string.format("%.2f", v)
end
local function fmt_mib(kb)
  if not kb then return "-" end
  local m = kb / 1024
  if m < 10 then return string.format("%.1f", m) end
  return string.format("%.0f", m)
end

-- The implementation a row is compared with, nil for ours and for a
-- workload with no ours.
local function ours_of(w, i)
  if OURS[i.impl] then return nil end
  for _, o in ipairs(PEER_OF[i.impl] or PRIMARY) do
    if w.by[o] then return w.by[o] end
  end
  return nil
end
local function primary_of(w)
  for _, o in ipairs(PRIMARY) do
    if w.by[o] and #w.by[o].secs > 0 then return w.by[o] end
  end
  return nil
end

local function xmedian(i, key)
  return i.extra[key] and M.median(i.extra[key])
end

-- notes(i): the extra fields of a row, in words.
local function notes(i)
  local n = {}
  local p99, pmax = xmedian(i, "pause_p99_ms"), xmedian(i, "pause_max_ms")
  if pmax then
    n[#n + 1] = string.format("pause max %s ms, p99 %s ms (%s pauses)", fmt_num(pmax), fmt_num(p99),
      fmt_num(xmedian(i, "pauses")))
    n[#n + 1] = "mark " .. (xmedian(i, "mark_mb_s") and fmt_num(xmedian(i, "mark_mb_s")) or "-") .. " MB/s/core"
    if xmedian(i, "live_mb") then n[#n + 1] = "live " .. fmt_num(xmedian(i, "live_mb")) .. " MB" end
  end
  if xmedian(i, "ns_per_alloc") then n[#n + 1] = "ns/alloc " .. fmt_num(xmedian(i, "ns_per_alloc")) end
  if xmedian(i, "gcs") and i.impl ~= "malloc" then n[#n + 1] = "GCs " .. fmt_num(xmedian(i, "gcs")) end
  if xmedian(i, "ins_loop") then n[#n + 1] = "loop " .. fmt_num(xmedian(i, "ins_loop")) .. " instr" end
  local known = {pause_p99_ms = 1, pause_max_ms = 1, pauses = 1, mark_mb_s = 1, live_mb = 1,
    ns_per_alloc = 1, gcs = 1, ins_loop = 1, ins = 1}
  local other = {}
  for k in pairs(i.extra) do
    if not known[k] then other[#other + 1] = k end
  end
  table.sort(other)
  for _, k in ipairs(other) do
    n[#n + 1] = k .. " " .. (xmedian(i, k) and fmt_num(xmedian(i, k)) or tostring(i.extra[k][#i.extra[k]]))
  end
  if #i.fails > 0 then
    n[#n + 1] = string.format("FAILED %d run(s): %s", #i.fails, i.fails[1])
  end
  return table.concat(n, "; ")
end

-- check(data): the mismatches and failures, one message each; marks the
-- rows whose output differs from the workload's reference (ours, or the
-- most common output).
function M.check(data)
  local problems = {}
  for _, e in ipairs(data.errors) do problems[#problems + 1] = e end
  for _, w in ipairs(data.workloads) do
    local groups, order = {}, {}
    for _, i in ipairs(w.impls) do
      for h, c in pairs(i.outs) do
        if not groups[h] then
          groups[h] = {count = 0, impls = {}}
          order[#order + 1] = h
        end
        groups[h].count = groups[h].count + c
        table.insert(groups[h].impls, i.impl)
      end
      if #i.fails > 0 then
        problems[#problems + 1] = string.format("%s: %s failed %d run(s): %s", w.name, i.impl, #i.fails, i.fails[1])
      end
    end
    for _, f in ipairs(w.fails or {}) do
      problems[#problems + 1] = string.format("%s: %s", w.name, f)
    end
    if #order > 1 then
      local ref = primary_of(w) or w.by[w.impls[1].impl]
      local refhash
      for h in pairs(ref.outs) do
        if not refhash or ref.outs[h] > ref.outs[refhash] then refhash = h end
      end
      if not refhash then
        table.sort(order, function(a, b) return groups[a].count > groups[b].count end)
        refhash = order[1]
      end
      local parts = {}
      table.sort(order)
      for _, h in ipairs(order) do
        parts[#parts + 1] = h .. ": " .. table.concat(groups[h].impls, " ")
      end
      problems[#problems + 1] = string.format("%s: OUTPUT MISMATCH: the implementations printed different results (%s)",
        w.name, table.concat(parts, "; "))
      for _, i in ipairs(w.impls) do
        if i.nouts > 1 or (i.nouts == 1 and not i.outs[refhash]) then i.differs = true end
      end
    end
  end
  return problems
end

-- rows(data): the table's cells, one list of strings per row.
local HEAD = {"workload", "impl", "median s", "min-max s", "peak RSS MiB", "peer÷ours time", "peer÷ours RSS",
  "instr/op", "notes"}
function M.rows(data)
  local rows = {}
  for _, w in ipairs(data.workloads) do
    for k, i in ipairs(w.impls) do
      local s, r = M.median(i.secs), M.median(i.rss)
      local lo, hi = minmax(i.secs)
      local o = ours_of(w, i)
      local tq, rq = "-", "-"
      local ins = xmedian(i, "ins")
      local insq = ins and fmt_num(ins) or "-"
      if OURS[i.impl] then
        if s then tq = "ours" end
        if r then rq = "ours" end
      elseif o then
        local os, orr, oi = M.median(o.secs), M.median(o.rss), xmedian(o, "ins")
        if s and os and os > 0 then tq = string.format("%.2f (%s)", s / os, o.impl) end
        if r and orr and orr > 0 then rq = string.format("%.2f (%s)", r / orr, o.impl) end
        if ins and oi and oi > 0 then insq = string.format("%s (%.2f)", insq, ins / oi) end
      end
      local note = notes(i)
      if i.differs then note = "OUTPUT DIFFERS" .. (note ~= "" and "; " .. note or "") end
      rows[#rows + 1] = {
        k == 1 and w.name or "", i.impl, fmt_secs(s),
        lo and (fmt_secs(lo) .. "-" .. fmt_secs(hi)) or "-",
        fmt_mib(r), tq, rq, insq, note,
      }
    end
  end
  return rows
end

-- header(data): the one line saying when, where, with what, how long.
function M.header(data)
  local all
  for _, m in ipairs(data.metas) do
    if m.scope == "all" then all = m end
  end
  local function first(key)
    if all and all[key] then return all[key] end
    for _, m in ipairs(data.metas) do
      if m[key] then return m[key] end
    end
    return "?"
  end
  local date, command, took = first("date"), first("command"), nil
  if all then
    took = tonumber(all.seconds)
  else
    local cmds, seenc, total = {}, {}, 0
    for _, m in ipairs(data.metas) do
      if m.date and m.date < date then date = m.date end
      if m.command and not seenc[m.command] then
        seenc[m.command] = true
        cmds[#cmds + 1] = m.command
      end
      total = total + (tonumber(m.seconds) or 0)
    end
    if #cmds > 0 then command = table.concat(cmds, "; ") end
    took = total > 0 and total or nil
  end
  local tooks = "unfinished"
  if took then tooks = string.format("took %dm%02ds", math.floor(took / 60), math.floor(took % 60)) end
  return string.format("%s · %s · %s CPUs · load %s · %s · %s · reps %s · `%s` · %s", date, first("machine"),
    first("cpus"), first("load"), first("lua"), first("go"), first("reps"), command, tooks)
end

-- The project's goals, judged on the same run's ratios. A goal whose rows are
-- missing is not shown. ratio = peer ÷ ours of the metric (at least min),
-- or ours' own value (at most max); with a peer and no min, the ratio is
-- shown and not judged. "The small fast path" is the two that
-- allocations take when they can: the noscan front of gc_mallocgc (Go's
-- mallocgc with nextFreeFast) and a site (Go's compiler-specialised
-- mallocs), also inlined into the caller (alloc-inline: what the VM's
-- NEWSTRUCT does). alloc-scan, gc_mallocgc with a
-- type, is the general entry: it first finds the (type, size)'s site, and
-- is shown without a goal.
local GOALS = {
  {w = "binary-trees", ours = "toy", peer = "go", metric = "time", min = 1, text = "toy's time at most Go's"},
  {w = "binary-trees", ours = "toy", peer = "lua", metric = "time", min = 6, text = "toy at least 6x faster than Lua 5.4"},
  {w = "binary-trees", ours = "toy", peer = "go", metric = "rss", min = 1, text = "toy's peak RSS at most Go's"},
  {w = "micro", ours = "alloc", peer = "boehm", metric = "ns_per_alloc", min = 1, text = "alloc's time at most Boehm GC_malloc's"},
  {w = "micro", ours = "alloc", peer = "malloc", metric = "ns_per_alloc", min = 1 / 1.5,
    text = "alloc within 1.5x of glibc malloc+free per allocation"},
  {w = "fastpath", ours = "alloc-noscan", metric = "ins", max = 20, text = "alloc-noscan: 20 instructions or fewer"},
  {w = "fastpath", ours = "alloc-site", metric = "ins", max = 20, text = "alloc-site: 20 instructions or fewer"},
  {w = "fastpath", ours = "alloc-inline", metric = "ins", max = 20, text = "alloc-inline: 20 instructions or fewer"},
  {w = "frag", ours = "alloc", metric = "median_ns", max = 2000, text = "alloc's median large allocation 2 us or less"},
  {w = "frag", ours = "alloc", metric = "max_ns", max = 50000, text = "alloc's slowest large allocation 50 us or less"},
  {w = "frag", ours = "alloc", peer = "malloc", metric = "median_ns", text = "median beside glibc malloc"},
  {w = "frag", ours = "alloc", peer = "malloc", metric = "max_ns", text = "slowest beside glibc malloc"},
  {w = "threads", ours = "alloc-2t", peer = "alloc-1t", metric = "ns_per_alloc", min = 1.8,
    text = "2 threads deliver at least 1.8x the allocations per second of one"},
  {w = "threads", ours = "alloc-2t", peer = "alloc-1t", metric = "cpu_ns_per_alloc",
    text = "CPU per allocation, 1 thread beside 2"},
  {w = "threads", ours = "go-2t", peer = "go-1t", metric = "ns_per_alloc",
    text = "Go on the same workload and machine: 2 goroutines' allocations per second over one's"},
  {w = "threads", ours = "alloc-2t", peer = "go-2t", metric = "ns_per_alloc",
    text = "2 threads: alloc's allocations per second over Go's"},
  {w = "fib", ours = "toy", peer = "lua", metric = "time", min = 2, text = "toy at least 2x faster than Lua 5.4"},
  {w = "nbody", ours = "toy", peer = "lua", metric = "time", min = 2, text = "toy at least 2x faster than Lua 5.4"},
  {w = "map", ours = "toy", peer = "lua", metric = "time", min = 1 / 0.7, text = "toy at most 0.7x Lua 5.4's time"},
  {w = "map", ours = "toy", peer = "lua", metric = "rss", min = 1, text = "toy's peak RSS at most Lua 5.4's"},
  {w = "k-nucleotide", ours = "toy", peer = "lua", metric = "time", min = 1 / 0.6,
    text = "toy at most 0.6x Lua 5.4's time"},
  {w = "reverse-complement", ours = "toy", peer = "lua", metric = "time", min = 1 / 0.6,
    text = "toy at most 0.6x Lua 5.4's time"},
  {w = "parallel-trees", ours = "toy", peer = "go", metric = "time", min = 1,
    text = "toy's time at most Go's (TOYMAXPROCS = GOMAXPROCS = 2)"},
  {w = "pingpong", ours = "toy", peer = "go", metric = "time", text = "round trips: time beside Go's"},
}

local function metric(i, m)
  if m == "time" then return M.median(i.secs) end
  if m == "rss" then return M.median(i.rss) end
  return xmedian(i, m)
end

-- goals(data): one line per goal that has its rows: the figure and
-- PASS or MISS.
function M.goals(data)
  local out = {}
  for _, w in ipairs(data.workloads) do
    for _, g in ipairs(GOALS) do
      local o, p = w.by[g.ours], g.peer and w.by[g.peer]
      if w.name:match("^[^/]*") == g.w and o and (p or not g.peer) then
        local ov = metric(o, g.metric)
        if g.peer then
          local pv = metric(p, g.metric)
          if ov and pv and ov > 0 then
            local q = pv / ov
            local verdict = not g.min and "no goal" or q >= g.min - 1e-9 and "PASS" or "MISS"
            out[#out + 1] = string.format("%s: %s: %s÷%s %s %.2f, %s", w.name, g.text, g.peer, g.ours,
              g.metric, q, verdict)
          end
        elseif ov then
          out[#out + 1] = string.format("%s: %s: %s, %s", w.name, g.text, fmt_num(ov),
            ov <= g.max and "PASS" or "MISS")
        end
      end
    end
  end
  return out
end

local LEGEND = "peer÷ours: the peer's median ÷ ours (toy for Lua and Go, alloc for malloc and Boehm); "
  .. "above 1, ours is faster (time) or smaller (RSS). Seconds are wall-clock per process, "
  .. "peak RSS is the process's ru_maxrss; instr/op is from callgrind (in brackets: peer ÷ ours)."

function M.text(data, problems)
  local rows = M.rows(data)
  local width = {}
  for c, h in ipairs(HEAD) do width[c] = utf8.len(h) end
  for _, r in ipairs(rows) do
    for c, v in ipairs(r) do
      if c < #HEAD then width[c] = math.max(width[c], utf8.len(v)) end
    end
  end
  local right = {false, false, true, true, true, true, true, true, false}
  local function line(r)
    local out = {}
    for c, v in ipairs(r) do
      local pad = string.rep(" ", (c < #HEAD and width[c] or 0) - utf8.len(v))
      out[c] = right[c] and pad .. v or v .. pad
    end
    return (table.concat(out, "  "):gsub("%s+$", ""))
  end
  local out = {M.header(data), "", line(HEAD)}
  local dash = {}
  for c = 1, #HEAD do dash[c] = string.rep("-", c < #HEAD and width[c] or 5) end
  out[#out + 1] = line(dash)
  for _, r in ipairs(rows) do out[#out + 1] = line(r) end
  out[#out + 1] = ""
  out[#out + 1] = LEGEND
  for _, g in ipairs(M.goals(data)) do out[#out + 1] = "goal " .. g end
  for _, p in ipairs(problems) do out[#out + 1] = "PROBLEM: " .. p end
  return table.concat(out, "\n") .. "\n"
end

local function md_cell(s)
  return (s:gsub("|", "\\|"))
end

function M.markdown(data, problems, svgname)
  local out = {"# Benchmark report", "", M.header(data), "",
    "| " .. table.concat(HEAD, " | ") .. " |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|"}
  for _, r in ipairs(M.rows(data)) do
    local cells = {}
    for c, v in ipairs(r) do cells[c] = md_cell(v) end
    out[#out + 1] = "| " .. table.concat(cells, " | ") .. " |"
  end
  out[#out + 1] = ""
  out[#out + 1] = LEGEND
  -- A titled bullet list, left out when there is nothing to list.
  local function section(title, items)
    if #items == 0 then return end
    out[#out + 1] = ""
    out[#out + 1] = "## " .. title
    out[#out + 1] = ""
    for _, item in ipairs(items) do out[#out + 1] = "- " .. md_cell(item) end
  end
  section("Goals, same-run ratios", M.goals(data))
  section("Problems", problems)
  out[#out + 1] = ""
  out[#out + 1] = "## Workloads"
  out[#out + 1] = ""
  for _, w in ipairs(data.workloads) do
    for _, n in ipairs(w.notes) do out[#out + 1] = "- **" .. w.name .. "**: " .. n end
  end
  if svgname then
    out[#out + 1] = ""
    out[#out + 1] = "![time per workload, toy (or alloc) = 1](" .. svgname .. ")"
  end
  return table.concat(out, "\n") .. "\n"
end

local function xml(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

-- svg(data): one group per workload with timed rows, one bar per
-- implementation, its median time ÷ the primary's (toy, else alloc).
-- Bars above CAP are cut at CAP and say so.
function M.svg(data)
  local CAP, BAR, GAP, PLOT_H, TOP, LEFT, MIN_GROUP = 5, 20, 28, 260, 96, 56, 76
  local groups = {}
  local ymax = 1
  for _, w in ipairs(data.workloads) do
    local p = primary_of(w)
    local pm = p and M.median(p.secs)
    if pm and pm > 0 then
      local bars = {}
      for _, i in ipairs(w.impls) do
        local m = M.median(i.secs)
        if m then
          bars[#bars + 1] = {impl = i.impl, v = m / pm, secs = m}
          ymax = math.max(ymax, math.min(m / pm, CAP))
        end
      end
      groups[#groups + 1] = {name = w.name, ref = p.impl, bars = bars}
    end
  end
  ymax = math.ceil(ymax * 2) / 2 + 0.5 -- room for the labels above the bars
  local width = LEFT + 20
  for _, g in ipairs(groups) do width = width + math.max(#g.bars * BAR, MIN_GROUP) + GAP end
  width = math.max(width, 480)
  local height = TOP + PLOT_H + 130
  local function y(v) return TOP + PLOT_H - math.min(v, CAP) / ymax * PLOT_H end
  local o = {}
  local function add(s) o[#o + 1] = s end
  add('<?xml version="1.0" encoding="UTF-8"?>')
  add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">',
    width, height, width, height))
  add(string.format('<rect width="%d" height="%d" fill="white"/>', width, height))
  add(string.format('<text x="%d" y="20" font-size="14" font-weight="bold">Time per workload, toy (alloc where toy has no row) = 1; lower is faster</text>', LEFT))
  -- the header line, the command (from " · `") on a line of its own
  local head = M.header(data)
  local cut = head:find(" · `", 1, true)
  add(string.format('<text x="%d" y="38" font-size="10">%s</text>', LEFT, xml(cut and head:sub(1, cut - 1) or head)))
  if cut then
    add(string.format('<text x="%d" y="52" font-size="10">%s</text>', LEFT, xml(head:sub(cut + #" · "))))
  end
  -- axis and grid
  local step = ymax <= 2 and 0.5 or 1
  for v = 0, ymax + 1e-9, step do
    add(string.format('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>', LEFT, y(v), width - 10, y(v)))
    add(string.format('<text x="%d" y="%.1f" text-anchor="end">%g</text>', LEFT - 6, y(v) + 4, v))
  end
  add(string.format('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black" stroke-dasharray="4 3"/>', LEFT, y(1), width - 10, y(1)))
  add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>', LEFT, TOP, LEFT, TOP + PLOT_H))
  add(string.format('<text x="14" y="%d" transform="rotate(-90 14 %d)" text-anchor="middle">time ÷ ours</text>',
    TOP + PLOT_H // 2, TOP + PLOT_H // 2))
  local x = LEFT + 14
  for _, g in ipairs(groups) do
    add(string.format('<g class="workload" data-name="%s">', xml(g.name)))
    local gx = x
    x = x + math.max(0, (MIN_GROUP - #g.bars * BAR) // 2)
    for _, b in ipairs(g.bars) do
      local top = y(b.v)
      local h = TOP + PLOT_H - top
      add(string.format('<rect class="bar" data-impl="%s" data-value="%.4f" x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s %s: %s s, %.2f × %s</title></rect>',
        xml(b.impl), b.v, x, top, BAR - 2, h, COLORS[b.impl] or "#7f7f7f", xml(g.name), xml(b.impl), fmt_secs(b.secs), b.v, xml(g.ref)))
      local label = string.format("%.2f", b.v) .. (b.v > CAP and " ▲" or "")
      add(string.format('<text x="%d" y="%.1f" transform="rotate(-90 %d %.1f)" font-size="10">%s</text>',
        x + BAR // 2 + 3, top - 4, x + BAR // 2 + 3, top - 4, xml(label)))
      add(string.format('<text x="%d" y="%d" transform="rotate(-60 %d %d)" text-anchor="end" font-size="10">%s</text>',
        x + BAR // 2, TOP + PLOT_H + 12, x + BAR // 2, TOP + PLOT_H + 12, xml(b.impl)))
      x = x + BAR
    end
    x = math.max(x, gx + MIN_GROUP)
    -- the workload's name, and its size (after the "/") below it
    local name, size = g.name:match("^([^/]*)/(.*)$")
    add(string.format('<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>',
      (gx + x) / 2, TOP + PLOT_H + 100, xml(name or g.name)))
    if size then
      add(string.format('<text x="%.1f" y="%d" text-anchor="middle">%s</text>', (gx + x) / 2, TOP + PLOT_H + 114, xml(size)))
    end
    add('</g>')
    x = x + GAP
  end
  if #groups == 0 then
    add(string.format('<text x="%d" y="%d">no timed results</text>', LEFT + 10, TOP + PLOT_H // 2))
  end
  add('</svg>')
  return table.concat(o, "\n") .. "\n"
end

local function write(path, s)
  local f, err = io.open(path, "w")
  if not f then
    io.stderr:write("report.lua: cannot write ", tostring(err), "\n")
    os.exit(2)
  end
  f:write(s)
  f:close()
end

function M.main(argv)
  local md, svg, quiet, files = nil, nil, false, {}
  local k = 1
  while k <= #argv do
    local a = argv[k]
    if a == "--md" or a == "--svg" then
      if not argv[k + 1] then
        io.stderr:write("report.lua: ", a, " needs a file\n")
        return 2
      end
      if a == "--md" then md = argv[k + 1] else svg = argv[k + 1] end
      k = k + 2
    elseif a == "--quiet" then
      quiet, k = true, k + 1
    elseif a:sub(1, 2) == "--" then
      io.stderr:write("usage: lua5.4 tests/bench/report.lua [--quiet] [--md FILE] [--svg FILE] RAW...\n")
      return 2
    else
      files[#files + 1] = a
      k = k + 1
    end
  end
  if #files == 0 then
    io.stderr:write("usage: lua5.4 tests/bench/report.lua [--quiet] [--md FILE] [--svg FILE] RAW...\n")
    return 2
  end
  local data = M.parse(files)
  local problems = M.check(data)
  if not quiet then io.write(M.text(data, problems)) end
  if md then write(md, M.markdown(data, problems, svg and svg:match("[^/]*$"))) end
  if svg then write(svg, M.svg(data)) end
  return #problems > 0 and 1 or 0
end

if arg and arg[0] and arg[0]:match("%f[%w_]report%.lua$") then
  os.exit(M.main(arg))
end
return M
