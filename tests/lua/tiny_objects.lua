-- tiny_objects.lua: noscan objects under 16 bytes, which alloc packs into
-- shared 16-byte tiny blocks (Go's tiny allocator, malloc.go), so a block
-- lives while any object in it does and objects may be only 4-aligned.
-- graph_mutator leaves them out because a dead tiny object's memory is
-- freed with its block, not by itself; here they get their own checks:
-- neighbours in a block never overwrite each other, objects reachable
-- through pointer arrays keep their words across collections, references
-- to unreachable ones are stale, and with every root gone the heap empties
-- with mallocs == frees.
-- Usage: lua5.4 tests/lua/tiny_objects.lua [SEED]
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"

local seed = math.tointeger(tonumber(arg and arg[1])) or os.time()
print(string.format("tiny_objects: seed %d", seed))
math.randomseed(seed)
local rnd = math.random
local T = check.new("tiny_objects")

local heap <close> = toy.heap{}
local tiny = {}
for size = 1, 15 do tiny[size] = heap:type{name = "tiny" .. size, size = size} end
local SLOTS = 256
local array = heap:type{name = "slots", size = 8 * SLOTS, pointers = (function()
  local p = {} for w = 0, SLOTS - 1 do p[#p + 1] = w end return p end)()}
local pair = heap:type{name = "pair", size = 16, pointers = {0}}

-- Roots: a few pointer arrays held by handles; the model: slot -> object.
local arrays, handles, objs = {}, {}, {}
for i = 1, 8 do
  arrays[i] = heap:alloc(array)
  handles[i] = heap:handle(arrays[i])
end

local N = SLOTS * #arrays
local nonzero = 0 -- fresh objects that did not read zero
for k = 1, N do
  local size = rnd(15)
  local ref = heap:alloc(tiny[size])
  local ai, w = (k - 1) // SLOTS + 1, (k - 1) % SLOTS
  heap:set(arrays[ai], w, ref)
  local o = {ref = ref, size = size, ai = ai, w = w}
  if size >= 8 then
    o.stamp = rnd(math.mininteger, math.maxinteger)
    if heap:get(ref, 0) ~= 0 then nonzero = nonzero + 1 end
    heap:set(ref, 0, o.stamp)
  end
  objs[k] = o
  -- pointerful allocations in between, to interleave spans and cycles
  if k % 7 == 0 then heap:alloc(pair) end
end

local function check_all(what)
  local bad
  for _, o in ipairs(objs) do
    if o.ref then
      if not heap:valid(o.ref) then
        bad = bad or ("object in slot " .. o.ai .. ":" .. o.w .. " is no longer valid")
      elseif heap:get(arrays[o.ai], o.w) ~= o.ref then
        bad = bad or ("slot " .. o.ai .. ":" .. o.w .. " does not hold its object")
      elseif o.stamp and heap:get(o.ref, 0) ~= o.stamp then
        bad = bad or string.format("tiny%d in slot %d:%d: word 0 is %d, want %d",
          o.size, o.ai, o.w, heap:get(o.ref, 0), o.stamp)
      end
    end
  end
  T:ok(bad == nil, function() return what .. ": " .. bad end)
end

T:eq(nonzero, 0, "fresh tiny objects that did not read zero")
check_all("before any collection")
local st = heap:stats()
-- (a collection drops the current tiny block, as Go's mcache does; under
-- TOYDEBUG=gcstress=1 every allocation collects, so none shares a block)
if not (os.getenv("TOYDEBUG") or ""):find("gcstress=[1-9]") then
  T:ok(st.tiny_allocs > 0, "tiny_allocs counts allocations served from a tiny block: " .. st.tiny_allocs)
end
heap:collect()
check_all("after a collection")
T:eq(heap:verify(), 0, "verify after a collection")

-- Drop about half, then collect: the rest stays intact, the dropped are stale.
local dropped = {}
for _, o in ipairs(objs) do
  if rnd(2) == 1 then
    heap:set(arrays[o.ai], o.w, nil)
    dropped[#dropped + 1] = o.ref
    o.ref = nil
  end
end
heap:collect()
check_all("after dropping half")
local stale = 0
for _, r in ipairs(dropped) do
  if not heap:valid(r) and not pcall(heap.get, heap, r, 0) then stale = stale + 1 end
end
T:eq(stale, #dropped, "references to dropped tiny objects are stale")
T:eq(heap:verify(), 0, "verify after dropping half")

-- Refill the freed slots: the new objects must not disturb the survivors.
for _, o in ipairs(objs) do
  if not o.ref then
    o.size = rnd(15)
    o.ref = heap:alloc(tiny[o.size])
    heap:set(arrays[o.ai], o.w, o.ref)
    o.stamp = nil
    if o.size >= 8 then o.stamp = rnd(math.mininteger, math.maxinteger); heap:set(o.ref, 0, o.stamp) end
  end
end
heap:collect()
check_all("after refilling")

for _, h in ipairs(handles) do h:release() end
heap:collect()
st = heap:stats()
T:eq(st.heap_objects, 0, "heap_objects with every root gone")
T:eq(st.mallocs, st.frees, "mallocs = frees with every root gone")
T:eq(heap:verify(), 0, "verify of the empty heap")
T:done()
