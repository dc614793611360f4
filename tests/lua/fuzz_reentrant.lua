-- fuzz_reentrant.lua: random calls into the module while finalizers, run
-- by those calls' own Lua allocations, make more random calls on the same
-- heap: allocate, link, root, release, collect, read the trace, make
-- types, close the heap. Nothing may crash or read freed memory (run it
-- on the sanitizer build), an error may only be one of the module's own
-- refusals, and a heap still open at the end of a round verifies clean.
--
--   build/toylua tests/lua/fuzz_reentrant.lua [SEED [ROUNDS]]
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"
local T = check.new("fuzz_reentrant")
local seed = tonumber(arg and arg[1]) or os.time()
local ROUNDS = tonumber(arg and arg[2]) or 40
print(("fuzz_reentrant: seed %d, %d rounds (replay: fuzz_reentrant.lua %d %d)"):format(seed, ROUNDS, seed, ROUNDS))
math.randomseed(seed)

-- A collection every few allocations: a finalizer left pending runs in
-- the middle of the next call that allocates.
collectgarbage("incremental", 0, 1000)

-- The module's refusals; anything else (above all "collector bug" and
-- "heap corrupted") is a finding.
local expected = {
  "heap is closed", "stale reference", "handle already released", "belongs to another heap",
  "out of range", "changed while the type was made", "is not a word index", "out of memory",
}
local function refusal(err)
  for _, p in ipairs(expected) do
    if tostring(err):find(p, 1, true) then return true end
  end
  return false
end

local pick = math.random
local calls, refused, nested = 0, 0, 0

local act -- forward: one random call on round state st

-- Garbage whose finalizer makes a random call, when it is collected.
local function plant(st)
  setmetatable({}, {__gc = function()
    if st.depth < 3 then
      st.depth = st.depth + 1
      nested = nested + 1
      pcall(act, st)
      st.depth = st.depth - 1
    end
  end})
end

local function any(t) return #t > 0 and t[pick(#t)] or nil end

local actions = {
  function(st) -- a type
    local size = 8 * pick(1, 6)
    local ptrs = {}
    for w = 0, size // 8 - 1 do if pick(2) == 1 then ptrs[#ptrs + 1] = w end end
    st.types[#st.types + 1] = st.heap:type{name = "t", size = size, pointers = ptrs}
  end,
  function(st) -- an object
    local ty = any(st.types)
    if ty then st.refs[#st.refs + 1] = st.heap:alloc(ty, pick(1, 4)) end
  end,
  function(st) -- a link or a scalar
    local a, b = any(st.refs), any(st.refs)
    if a then
      local w = pick(0, st.heap:words(a) - 1)
      if st.heap:isptr(a, w) then st.heap:set(a, w, pick(3) > 1 and b or nil)
      else st.heap:set(a, w, pick(1000)) end
    end
  end,
  function(st) -- a read
    local a = any(st.refs)
    if a then st.heap:get(a, pick(0, st.heap:words(a) - 1)) end
  end,
  function(st) -- a root
    local a = any(st.refs)
    if a then st.handles[#st.handles + 1] = st.heap:handle(a) end
  end,
  function(st) -- a root's object, or its release
    local h = any(st.handles)
    if h then
      if pick(3) == 1 then h:release() else st.refs[#st.refs + 1] = h:get() end
    end
  end,
  function(st) st.heap:collect() end,
  function(st) st.heap:trace() end,
  function(st) st.heap:stats() end,
  function(st)
    local a = any(st.refs)
    if a then st.heap:pointers(a) end
  end,
  function(st) plant(st) end,
  function(st) plant(st) end,
  -- rarely from the script, often from a finalizer (inside another call)
  function(st) if pick(st.depth > 0 and 3 or 40) == 1 then st.heap:close() end end,
}

act = function(st)
  calls = calls + 1
  actions[pick(#actions)](st)
end

for _ = 1, ROUNDS do
  local st = {heap = toy.heap{env = false, trace = true, debug = pick(4) == 1 and "gccheckmark=1" or nil},
              types = {}, refs = {}, handles = {}, depth = 0}
  for _ = 1, 300 do
    local ok, err = pcall(act, st)
    if not ok then
      refused = refused + 1
      if not refusal(err) then
        T:ok(false, "seed " .. seed .. ": unexpected error: " .. tostring(err))
        break
      end
    end
    if #st.refs > 64 then table.remove(st.refs, 1) end
  end
  local ok, n = pcall(st.heap.verify, st.heap)
  if ok then T:eq(n, 0, "seed " .. seed .. ": the heap verifies clean") end
  st.heap:close()
end
collectgarbage("incremental", 200, 100)
T:ok(nested > 0, "finalizers made calls (" .. nested .. ")")
print(("fuzz_reentrant: %d calls, %d refused, %d from finalizers"):format(calls, refused, nested))
T:done()
