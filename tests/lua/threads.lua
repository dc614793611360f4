-- threads.lua: several mutator threads on one heap, driven from Lua.
-- heap:stress runs tests/threads/tstress.c on the script's heap: C threads,
-- each with a P of its own, allocate and relink a shared structure while
-- the collector runs (concurrent, stop-the-world, and the debug switches
-- that stress it), checked against the model after every collection; a
-- mismatch is an error. The script's own objects live through it.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"
local T = check.new("threads")

local configs = {
  {concurrent = true, debug = "gccheckmark=1"},
  {concurrent = true, debug = "gccheckmark=1,gcstoptheworld=1"},
  {concurrent = true, debug = "gccheckmark=1,gcconcurrentstress=1"},
  {concurrent = false, debug = "gccheckmark=1"},
}
for _, c in ipairs(configs) do
  local name = (c.concurrent and "concurrent" or "stop-the-world") .. " " .. c.debug
  local heap <close> = toy.heap{gc_percent = 25, gcprocs = 2, concurrent = c.concurrent, debug = c.debug, env = false}
  -- The script's own list, which must come through intact.
  local node = heap:type{name = "node", size = 16, pointers = {0}}
  local first = heap:alloc(node)
  heap:set(first, 1, 1)
  local head = heap:handle(first)
  for i = 2, 100 do
    local n = heap:alloc(node)
    heap:set(n, 0, head:get())
    heap:set(n, 1, i)
    head:set(n)
  end
  local r = heap:stress{threads = 4, cycles = 12, slots = 64, release_every = 32}
  T:ok(r.cycles >= 12, name .. ": at least 12 cycles, got " .. r.cycles)
  T:ok(r.nodes > 0 and r.steps == r.nodes, name .. ": a node per step")
  local sum, n = 0, head:get()
  while n do
    sum = sum + heap:get(n, 1)
    n = heap:get(n, 0)
  end
  T:eq(sum, 5050, name .. ": the script's list after the stress")
  T:eq(heap:verify(), 0, name .. ": verify")
  head:release()
end

do -- misuse is an error naming the option
  local heap <close> = toy.heap{env = false}
  T:raises("option 'threads' out of range", heap.stress, heap, {threads = 0})
  T:raises("option 'threads' out of range", heap.stress, heap, {threads = 65})
  T:raises("option 'cycles' must be an integer", heap.stress, heap, {cycles = "many"})
  T:raises("unknown", heap.stress, heap, {thread = 2})
  T:raises("option 'concurrent' must be a boolean", toy.heap, {concurrent = 1})
end

T:done()
