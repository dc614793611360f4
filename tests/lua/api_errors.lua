-- api_errors.lua: every misuse of the toy module raises a Lua error with a
-- message that says what was wrong, and never crashes or reads freed
-- memory: wrong argument types, bad options, word indexes out of range,
-- values of the wrong kind for a word, objects/types of another heap,
-- released handles, closed heaps, and references to freed objects.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"
local T = check.new("api_errors")

-- call(obj, "get", ...) runs obj:get(...) written as a method call, so
-- that error messages name the method as they do in a script.
local callers = {}
local function call(obj, name, ...)
  local f = callers[name]
  if not f then
    f = assert(load("local o = ... return o:" .. name .. "(select(2, ...))"))
    callers[name] = f
  end
  return f(obj, ...)
end

--------------------------------------------------------------- toy.heap
T:raises("table expected, got number", toy.heap, 5)
T:raises("unknown option 'gc_percnt'", toy.heap, {gc_percnt = 50})
T:raises("option 'gc_percent' must be an integer, got string", toy.heap, {gc_percent = "lots"})
T:raises("option 'gc_percent' must be an integer", toy.heap, {gc_percent = 1.5})
T:raises("option 'gc_percent' out of range", toy.heap, {gc_percent = -7})
T:raises("option 'memory_limit' must be >= 0", toy.heap, {memory_limit = -1})
T:raises("option 'memory_limit' must be an integer, got table", toy.heap, {memory_limit = {}})
T:raises("option 'debug' must be a string, got boolean", toy.heap, {debug = true})
T:raises("option 'debug'.*nosuchswitch", toy.heap, {debug = "nosuchswitch=1"})
T:raises("option 'gcprocs' out of range", toy.heap, {gcprocs = 65})
T:raises("option 'gcprocs' out of range", toy.heap, {gcprocs = -1})
T:noerror(toy.heap, {gc_percent = "off", memory_limit = 1 << 30, debug = "gccheckmark=1", env = false})
T:noerror(toy.heap, {gcprocs = 4, env = false})
T:noerror(toy.heap)

local heap = toy.heap{env = false}
local other = toy.heap{env = false}

--------------------------------------------------------------- heap:type
T:raises("bad argument #1 to 'type' %(table expected, got no value%)", call, heap, "type")
T:raises("field 'size' must be an integer, got nil", call, heap, "type", {name = "x"})
T:raises("field 'size' must be an integer, got string", call, heap, "type", {size = "8"})
T:raises("field 'size' must be in 1 .. 2%^32, got 0", call, heap, "type", {size = 0})
T:raises("field 'size' must be in 1 .. 2%^32, got %-8", call, heap, "type", {size = -8})
T:raises("field 'name' must be a string, got number", call, heap, "type", {size = 8, name = 3})
T:raises("field 'pointers' must be a table, got number", call, heap, "type", {size = 8, pointers = 0})
T:raises("pointers%[1%] must be an integer, got string", call, heap, "type", {size = 8, pointers = {"0"}})
T:raises("pointers%[2%] = 2 is not a word index of a 16%-byte type %(0 .. 1%)",
  call, heap, "type", {size = 16, pointers = {0, 2}})
T:raises("pointers%[1%] = %-1 is not a word index", call, heap, "type", {size = 16, pointers = {-1}})
T:raises("needs a size that is a multiple of 8, got 12", call, heap, "type", {size = 12, pointers = {0}})
local impostor = setmetatable({}, {__index = getmetatable(heap).__index})
T:raises("calling 'type' on bad self %(toy.heap expected, got table%)", call, impostor, "type", {size = 8})

local node = heap:type{name = "node", size = 24, pointers = {0, 1}} -- next, prev, value
local blob = heap:type{name = "blob", size = 20}                    -- noscan, 2 whole words
local onode = other:type{name = "node", size = 24, pointers = {0}}
T:ok(tostring(node):find("toy.type 'node' %(24 bytes, ptrdata 16%)"), "type's tostring: " .. tostring(node))

--------------------------------------------------------------- heap:alloc
T:raises("toy.type expected, got table", call, heap, "alloc", {})
T:raises("toy.type expected, got no value", call, heap, "alloc")
T:raises("type belongs to another heap", call, heap, "alloc", onode)
T:raises("count must be >= 1, got 0", call, heap, "alloc", node, 0)
T:raises("count must be >= 1, got %-3", call, heap, "alloc", node, -3)
T:raises("number has no integer representation", call, heap, "alloc", node, 1.5)
T:raises("elements of 24 bytes is too large", call, heap, "alloc", node, math.maxinteger // 2)
T:raises("elements of 24 bytes is too large %(the limit is 4 GiB%)", call, heap, "alloc", node, (1 << 32) // 24 + 1)
T:raises("field 'size' must be in 1 .. 2%^32, got 4294967297", call, heap, "type", {size = (1 << 32) + 1})

local a = heap:alloc(node)
local ha = heap:handle(a)
local b = heap:alloc(blob, 3)       -- 60 bytes: 7 whole words
heap:set(a, 0, a)
T:eq(heap:words(a), 3, "words of a node")
T:eq(heap:words(b), 7, "words of 3 blobs of 20 bytes")
T:eq(heap:get(a, 0), a, "a pointer word reads back as an equal reference")
T:eq(heap:get(a, 1), nil, "a fresh pointer word is nil")
T:eq(heap:get(b, 6), 0, "a fresh noscan word is 0")
T:eq(table.concat(heap:pointers(a), ","), "0,1", "the collector's pointer words of a node")
T:eq(#heap:pointers(b), 0, "a noscan object has no pointer words")

--------------------------------------------------------------- heap:get / heap:set
T:raises("toy.ref expected, got number", call, heap, "get", 7, 0)
T:raises("toy.ref expected, got toy.type", call, heap, "get", node, 0)
T:raises("bad argument #2 to 'get' %(number expected, got", call, heap, "get", a)
T:raises("number expected, got string", call, heap, "get", a, "zero")
T:raises("bad argument #2 to 'get' %(word 3 out of range %(object #%d+ of type 'node' has 3 words%)", call, heap, "get", a, 3)
T:raises("word %-1 out of range", call, heap, "get", a, -1)
T:raises("word 7 out of range", call, heap, "set", b, 7, 1)
T:raises("number has no integer representation", call, heap, "get", a, 0.5)
T:raises("word 2 of type 'node' is not a pointer: expected an integer, got an object reference",
  call, heap, "set", a, 2, a)
T:raises("word 2 of type 'node' is not a pointer: expected an integer, got nil", call, heap, "set", a, 2, nil)
T:raises("word 2 of type 'node' is not a pointer: expected an integer, got string", call, heap, "set", a, 2, "5")
T:raises("word 2 of type 'node' is not a pointer: expected an integer, got number", call, heap, "set", a, 2, 2.5)
T:raises("word 0 of type 'node' holds a pointer: expected an object reference or nil, got number",
  call, heap, "set", a, 0, 12)
T:raises("word 0 of type 'node' holds a pointer: expected an object reference or nil, got toy.handle",
  call, heap, "set", a, 0, ha)
T:raises("value expected", call, heap, "set", a, 0)
T:noerror(call, heap, "set", a, 2, math.mininteger)
T:eq(heap:get(a, 2), math.mininteger, "an integer word reads back")

-- values of another heap
local o1 = other:alloc(onode)
local ho1 = other:handle(o1)
T:raises("object reference belongs to another heap", call, heap, "get", o1, 0)
T:raises("object reference belongs to another heap", call, heap, "set", a, 0, o1)
T:raises("object reference belongs to another heap", call, other, "set", o1, 0, a)
T:raises("object reference belongs to another heap", call, heap, "handle", o1)
T:raises("object reference belongs to another heap", ho1.set, ho1, a)
T:ok(o1 ~= a, "references of different heaps are not equal")

--------------------------------------------------------------- use after free
-- An object nothing holds stays usable until a collection; then every
-- use of a reference to it is an error, also once its address is reused.
local tmp = heap:alloc(node)
heap:set(tmp, 2, 99)
T:eq(heap:get(tmp, 2), 99, "an unrooted object is usable before any collection")
T:ok(heap:valid(tmp), "valid before the collection")
heap:collect()
T:ok(not heap:valid(tmp), "not valid after the collection")
T:raises("stale reference: object #%d+ at 0x%x+ has been freed", call, heap, "get", tmp, 2)
T:raises("stale reference", call, heap, "set", tmp, 2, 1)
T:raises("stale reference", call, heap, "set", a, 1, tmp)
T:raises("stale reference", call, heap, "handle", tmp)
T:raises("stale reference", call, heap, "id", tmp)
T:raises("stale reference", call, heap, "words", tmp)
T:raises("stale reference", call, heap, "pointers", tmp)
T:raises("stale reference", ha.set, ha, tmp)
-- reuse: allocate until the freed address comes back (it usually does at once)
local addr = tostring(tmp):match("%((0x%x+)%)")
local again, held = nil, {}
for _ = 1, 2000 do
  local r = heap:alloc(node)
  held[#held + 1] = heap:handle(r)
  if tostring(r):match("%((0x%x+)%)") == addr then again = r break end
end
if again then
  T:ok(heap:valid(again) and not heap:valid(tmp), "the new object at a reused address is valid, the old reference not")
  T:raises("stale reference", call, heap, "get", tmp, 2)
  T:eq(heap:get(again, 2), 0, "the new object at the reused address reads zero")
else
  print("note: the freed address was not reused within 2000 allocations")
end
for _, h in ipairs(held) do h:release() end

-- An object that died in a collection started by an allocation (not by
-- heap:collect) is caught the same way, swept or not.
local lazy = toy.heap{debug = "gcstress=1", env = false}
local lnode = lazy:type{name = "node", size = 24, pointers = {0}}
local doomed = lazy:alloc(lnode)
local keep = lazy:alloc(lnode)  -- collects first: doomed dies
local hk = lazy:handle(keep)
T:raises("stale reference", call, lazy, "set", keep, 0, doomed)
T:eq(lazy:get(keep, 0), nil, "a dead object cannot be stored into a live one")
hk:release()
lazy:close()

--------------------------------------------------------------- handles
local h2 = heap:handle(a)
T:eq(h2:get(), a, "handle:get() returns its object")
h2:release()
T:raises("handle already released", h2.release, h2)
T:raises("handle already released", h2.get, h2)
T:raises("handle already released", h2.set, h2, a)
T:raises("toy.ref expected, got nil", ha.set, ha, nil)
T:raises("toy.handle expected, got toy.ref", ha.release, a)
T:raises("toy.ref expected, got toy.handle", call, heap, "handle", ha)
do
  local h3 <close> = heap:handle(a)  -- __close releases it
end
collectgarbage("collect")

--------------------------------------------------------------- stats, verify
local st = heap:stats()
for _, k in ipairs{"num_gc", "num_forced_gc", "heap_alloc", "heap_live", "heap_goal", "heap_sys",
                   "heap_inuse", "heap_idle", "heap_released", "heap_objects", "spans_inuse",
                   "total_alloc", "mallocs", "frees", "tiny_allocs", "large_allocs",
                   "pause_total_ns", "last_gc_ns", "num_mutators"} do
  T:ok(math.type(st[k]) == "integer", "stats field " .. k)
end
T:eq(#st.pause_ns, 256, "stats.pause_ns length")
T:eq(#st.by_size, 68, "stats.by_size length")
T:ok(st.by_size[2].size == 8 and st.by_size[2].mallocs >= 0 and st.by_size[2].frees >= 0,
  "by_size[2] is class 1: {size = 8, mallocs, frees}")
T:eq(st.num_mutators, 1, "one mutator per heap")
T:eq(heap:verify(), 0, "verify")

--------------------------------------------------------------- closed heaps
local c = toy.heap{env = false}
local ct = c:type{size = 16, pointers = {0}}
local cobj = c:alloc(ct)
local chd = c:handle(cobj)
c:close()
T:noerror(c.close, c) -- closing twice is fine
for _, m in ipairs{"collect", "stats", "verify"} do
  T:raises("heap is closed", call, c, m)
end
T:raises("heap is closed", call, c, "type", {size = 8})
T:raises("heap is closed", call, c, "alloc", ct)
T:raises("heap is closed", call, c, "get", cobj, 0)
T:raises("heap is closed", call, c, "set", cobj, 0, nil)
T:raises("heap is closed", call, c, "handle", cobj)
T:raises("heap is closed", chd.release, chd)
T:raises("heap is closed", chd.get, chd)
T:ok(tostring(c):find("closed"), "a closed heap says so")
do
  local scoped <close> = toy.heap{env = false}
  scoped:alloc(scoped:type{size = 8})
end

--------------------------------------------------------------- random misuse
-- Thousands of calls of every method with arguments drawn from a pool of
-- right and wrong values (live, stale, foreign and closed references,
-- types and handles; odd numbers; other Lua types): each call returns or
-- raises an error with a message, and nothing crashes (run it under
-- `make sanitize` to see that nothing reads where it should not either).
local seed = math.tointeger(tonumber(arg and arg[1])) or os.time()
print(string.format("api_errors: random misuse seed %d (replay: api_errors.lua %d)", seed, seed))
math.randomseed(seed)
do
  local fz = toy.heap{env = false}
  local fo = toy.heap{env = false}
  local fc = toy.heap{env = false}
  local types = {fz:type{name = "p2", size = 16, pointers = {0, 1}}, fz:type{name = "raw", size = 40},
                 fz:type{name = "mix", size = 64, pointers = {1, 5, 7}}, fo:type{size = 8, pointers = {0}},
                 fc:type{size = 16}}
  local refs = {fz:alloc(types[1]), fz:alloc(types[2], 3), fz:alloc(types[3]), fo:alloc(types[4]), fc:alloc(types[5])}
  local handles = {fz:handle(refs[1]), fz:handle(refs[3]), fo:handle(refs[4]), fc:handle(refs[5])}
  local stale = fz:alloc(types[1])
  fz:collect()
  fc:close()
  refs[#refs + 1] = stale
  local released = fz:handle(refs[1]); released:release()
  handles[#handles + 1] = released
  local pool = {0, 1, 2, 3, 7, -1, 1.5, 0 / 0, math.huge, -math.huge, math.mininteger, math.maxinteger,
                1 << 20, "", "x", "8", true, false, {}, {size = 8}, {size = 16, pointers = {0}},
                {size = -1}, {pointers = "x"}, print, coroutine.create(print), fz, fo, fc}
  for _, v in ipairs(types) do pool[#pool + 1] = v end
  for _, v in ipairs(refs) do pool[#pool + 1] = v end
  for _, v in ipairs(handles) do pool[#pool + 1] = v end
  local methods = {"type", "alloc", "get", "set", "handle", "collect", "stats", "verify",
                   "id", "words", "isptr", "valid", "pointers"}
  local function any() if math.random(12) == 1 then return nil end return pool[math.random(#pool)] end
  local calls, errors, bad = 0, 0, nil
  for i = 1, 4000 do
    local args = {}
    local nargs = math.random(0, 4)
    for k = 1, nargs do args[k] = any() end
    local okc, err
    local r = math.random(10)
    if r <= 7 then
      local target = ({fz, fz, fz, fo, fc})[math.random(5)]
      local m = methods[math.random(#methods)]
      -- keep live objects reachable from pointer words and handles only;
      -- new objects need a handle or they die at the next collection
      okc, err = pcall(target[m], target, table.unpack(args, 1, nargs))
      if okc and m == "alloc" and math.random(4) == 1 then
        local okh, h = pcall(target.handle, target, err)
        if okh then handles[#handles + 1] = h; pool[#pool + 1] = h end
      end
      if okc and m == "alloc" then pool[#pool + 1] = err end
    elseif r <= 9 then
      local hd = handles[math.random(#handles)]
      local m = ({"get", "set", "release"})[math.random(3)]
      okc, err = pcall(hd[m], hd, table.unpack(args, 1, nargs))
    else
      okc, err = pcall(toy.heap, any())
      if okc then err:close() end
    end
    calls = calls + 1
    if not okc then
      errors = errors + 1
      if type(err) ~= "string" or #err == 0 then bad = bad or ("call " .. i .. ": error value " .. tostring(err)) end
    end
    if i % 500 == 0 then collectgarbage("collect") end
  end
  T:ok(bad == nil, function() return "random misuse: " .. bad end)
  T:ok(errors > calls // 4 and errors < calls, string.format("random misuse: %d of %d calls raised", errors, calls))
  T:eq(fz:verify(), 0, "random misuse: verify afterwards")
  fz:close()
  fo:close()
end

ha:release()
ho1:release()
heap:close()
other:close()
collectgarbage("collect")
T:done()
