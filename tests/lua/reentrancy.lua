-- reentrancy.lua: Lua code that runs in the middle of a module call (a
-- finalizer run by one of the call's own Lua allocations, an __index
-- metamethod) and changes what the call is working on: closes the heap,
-- rewrites a type's pointer list. The call must notice (an error naming
-- the closed heap) or be unaffected, and never use freed memory.
--
--   build/toylua tests/lua/reentrancy.lua [ROUNDS]
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"
local T = check.new("reentrancy")
local ROUNDS = tonumber(arg and arg[1]) or 300

-- A full cycle at every few allocations, so a finalizer left pending runs
-- inside the next call that allocates.
collectgarbage("incremental", 0, 1000)

-- One method, called again and again on fresh heaps while garbage with a
-- finalizer that closes the heap waits to be collected. `inside` tells
-- whether the finalizer ran during the method: then the method must have
-- raised "heap is closed", or finished its work before the heap closed.
local function hammer(what, setup, method)
  local during, errors = 0, 0
  for _ = 1, ROUNDS do
    local heap = toy.heap{env = false, trace = true}
    local state = setup(heap)
    local inside, ran = false, false
    setmetatable({}, {__gc = function()
      ran = true
      if inside then during = during + 1 end
      heap:close()
    end})
    local n = 0
    while not ran and n < 10000 do
      inside = true
      local ok, err = pcall(method, heap, state)
      inside = false
      if not ok then
        if not tostring(err):find("heap is closed", 1, true) then
          T:ok(false, what .. ": unexpected error: " .. tostring(err))
          break
        end
        errors = errors + 1
      end
      n = n + 1
    end
    heap:close()
  end
  -- The test means something only if the finalizer did land inside.
  T:ok(during > 0, what .. ": the finalizer never ran inside the call")
  T:ok(errors > 0, what .. ": no call saw its heap closed")
end

local function with_type(heap)
  return heap:type{name = "pair", size = 16, pointers = {0}}
end

hammer("heap:alloc", with_type, function(heap, ty) return heap:alloc(ty) end)
hammer("heap:trace", function(heap)
  heap:collect() -- something in the trace
  return nil
end, function(heap) return heap:trace() end)
hammer("heap:type", function() return nil end, function(heap)
  return heap:type{name = "t", size = 32, pointers = {0, 2}}
end)
hammer("heap:pointers", function(heap)
  return heap:handle(heap:alloc(with_type(heap)))
end, function(heap, h) return heap:pointers(h:get()) end)
hammer("handle:get", function(heap)
  return heap:handle(heap:alloc(with_type(heap)))
end, function(_, h) return h:get() end)

-- heap:type reads the pointer list once: an __index that answers
-- differently the second time cannot slip a word past the checks.
do
  local heap <close> = toy.heap{env = false}
  local calls = 0
  local spec = setmetatable({name = "shifty", size = 16}, {__index = function(_, k)
    if k ~= "pointers" then return nil end
    calls = calls + 1
    return calls == 1 and {1} or {100000}
  end})
  local ty = heap:type(spec)
  local obj = heap:alloc(ty)
  T:eq(heap:isptr(obj, 1), true, "the word the list named first is a pointer")
  T:eq(heap:isptr(obj, 0), false, "no other word is")
  T:eq(calls, 1, "the pointer list is read once")
end

-- A finalizer that rewrites the list while heap:type allocates: the words
-- are checked again as they are copied, so a bad one is an error.
do
  local heap <close> = toy.heap{env = false}
  local bad = 0
  for _ = 1, ROUNDS do
    local list = {0, 1}
    setmetatable({}, {__gc = function() list[2] = 1 << 40 end})
    local ok, err = pcall(heap.type, heap, {name = "moving", size = 16, pointers = list})
    if not ok then
      -- rewritten before the first reading, or between the two
      T:ok(tostring(err):find("changed while the type was made", 1, true) ~= nil or
           tostring(err):find("is not a word index", 1, true) ~= nil, tostring(err))
      bad = bad + 1
    end
  end
  T:ok(true, "heap:type survived lists rewritten by finalizers (" .. bad .. " caught)")
end

collectgarbage("incremental", 200, 100)
T:done()
