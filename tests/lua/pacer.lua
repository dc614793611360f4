-- pacer.lua: what TOYGC (gc_percent) and TOYMEMLIMIT (memory_limit) do to
-- a heap that allocates garbage, as Go's GOGC and GOMEMLIMIT
-- (mgcpacer.go): with the collector off and no limit nothing is
-- collected; a memory limit alone bounds the heap; gc_percent bounds it
-- relative to the live heap. The bounds are loose on purpose (twice the
-- goal): this checks that the pacer works, not its tuning. Also: with
-- gctrace=1 there is one trace line per cycle.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"
local T = check.new("pacer")
local MiB = 1 << 20

-- Allocate `n` garbage objects of `ty`; returns the largest heap_alloc seen.
local function churn(heap, ty, n)
  local peak = 0
  for i = 1, n do
    heap:alloc(ty)
    if i % 8 == 0 then
      local a = heap:stats().heap_alloc
      if a > peak then peak = a end
    end
  end
  return peak
end

do -- off, no limit: allocation alone never collects
  local heap <close> = toy.heap{gc_percent = "off", env = false}
  local blob = heap:type{name = "blob", size = 64 * 1024}
  churn(heap, blob, 400) -- 25 MiB
  local st = heap:stats()
  T:eq(st.num_gc, 0, "gc_percent off: cycles while allocating 25 MiB")
  T:eq(st.heap_objects, 400, "gc_percent off: all 400 objects still there")
  heap:collect()
  st = heap:stats()
  T:eq(st.frees, 400, "an explicit collection still frees the garbage")
  T:eq(st.heap_objects, 0, "and leaves the heap empty")
end

do -- off, with a 16 MiB limit: the limit drives the collections
  local limit = 16 * MiB
  local heap <close> = toy.heap{gc_percent = "off", memory_limit = limit, env = false}
  local blob = heap:type{name = "blob", size = 64 * 1024}
  local peak = churn(heap, blob, 1600) -- 100 MiB of garbage
  local st = heap:stats()
  T:ok(st.num_gc > 0, "memory_limit: collections happen with gc_percent off (" .. st.num_gc .. ")")
  T:ok(peak <= 2 * limit, string.format("memory_limit: peak heap_alloc %.1f MiB <= 2 x %d MiB",
    peak / MiB, limit // MiB))
end

do -- gc_percent 100 over an 8 MiB live heap
  local heap <close> = toy.heap{gc_percent = 100, env = false}
  local blob = heap:type{name = "blob", size = 64 * 1024}
  local arr = heap:type{name = "roots", size = 8 * 128, pointers = (function()
    local p = {} for w = 0, 127 do p[#p + 1] = w end return p end)()}
  local roots = heap:alloc(arr)
  local hd = heap:handle(roots)
  for w = 0, 127 do heap:set(roots, w, heap:alloc(blob)) end -- 8 MiB live
  heap:collect()
  local st = heap:stats()
  T:ok(st.heap_live >= 8 * MiB, string.format("heap_live %.1f MiB >= 8 MiB live", st.heap_live / MiB))
  T:ok(st.heap_goal >= 2 * 8 * MiB, string.format("heap_goal %.1f MiB >= live x 2", st.heap_goal / MiB))
  local goal = st.heap_goal
  local gc0 = st.num_gc
  local peak = churn(heap, blob, 1600) -- 100 MiB of garbage
  st = heap:stats()
  T:ok(st.num_gc > gc0, "gc_percent 100: collections while allocating 100 MiB")
  T:ok(peak <= 2 * goal, string.format("gc_percent 100: peak heap_alloc %.1f MiB <= 2 x goal %.1f MiB",
    peak / MiB, goal / MiB))
  T:eq(heap:stats().heap_objects >= 129, true, "the live set survives the churn")
  for w = 0, 127 do
    if not heap:valid(heap:get(roots, w)) then T:ok(false, "live blob " .. w .. " lost") break end
  end
  hd:release()
end

do -- gctrace: one line per cycle on the trace stream
  local heap <close> = toy.heap{debug = "gctrace=1", trace = true, env = false}
  local node = heap:type{name = "node", size = 16, pointers = {0}}
  for _ = 1, 3 do heap:alloc(node); heap:collect() end
  local lines = 0
  for line in heap:trace():gmatch("[^\n]+") do
    if line:match("^gc %d+") then lines = lines + 1 end
  end
  T:eq(lines, heap:stats().num_gc, "gctrace lines = cycles")
  T:raises("needs toy.heap{trace = true}", function() toy.heap{env = false}:trace() end)
end

T:done()
