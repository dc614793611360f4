-- graph_mutator.lua: a seeded random mutator over one alloc heap, checked
-- against a reference model of the object graph written in Lua
-- (reliability.md §7 items 6 and 7: model-checked allocator API, stats
-- balance). The model knows every object's type, every word it wrote and
-- which handles exist; after every collection it checks that
--   * every object reachable from the handles kept every word it was given
--     (and unwritten words still read 0 / nil),
--   * stats.frees moved by exactly the number of objects that became
--     unreachable, mallocs - frees == heap_objects == reachable objects,
--   * references to unreachable objects are stale (an error, never a read),
--   * heap:verify() finds no problem.
-- Each new object's pointer map as the collector reads it
-- (heap:pointers) must equal its type's, and its words must read zero.
-- At the end every handle goes, and the heap must be empty with
-- mallocs == frees in every size class, each class having been used.
--
-- Usage: lua5.4 tests/lua/graph_mutator.lua [SEED [STEPS]]
-- (LUA_CPATH=build/?.so, or build/toylua instead of lua5.4). The seed is
-- printed first; passing it back replays the same run.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"

local seed = math.tointeger(tonumber(arg and arg[1])) or os.time()
local STEPS = math.tointeger(tonumber(arg and arg[2])) or 4000
print(string.format("graph_mutator: seed %d (replay: graph_mutator.lua %d %d)", seed, seed, STEPS))
local T = check.new("graph_mutator")
local rnd = math.random

local MAXINT = math.maxinteger

-- One run over a fresh heap; `opts` are toy.heap options.
local function run(label, opts, steps)
  math.randomseed(seed)
  local heap = toy.heap(opts)
  local st0 = heap:stats()
  local stress = ((opts.debug or "") .. "," .. (os.getenv("TOYDEBUG") or "")):find("gcstress=[1-9]") ~= nil

  -- Size classes as alloc reports them: by_size[i+1] is class i; class 0
  -- is the large-object class.
  local class_sizes = {}
  for i = 2, #st0.by_size do
    class_sizes[#class_sizes + 1] = st0.by_size[i].size
  end
  T:ok(#class_sizes >= 60, "at least 60 size classes reported")
  local large_sizes = {32768 + 8, 40000, 65536, 100000, 300000, 1 << 20}

  ---------------------------------------------------------------- types
  -- A model type: the toy.type, its size, and which words of an element
  -- are pointers (a set, element-relative) as the model sees it.
  local types = {}
  local function mktype(name, size, ptrs)
    local key = name .. ":" .. size
    local ty = types[key]
    if ty then return ty end
    local set, list = {}, {}
    for _, w in ipairs(ptrs) do
      if not set[w] then set[w] = true; list[#list + 1] = w end
    end
    ty = {name = key, size = size, ew = size // 8, ptrset = set, ptrlist = list,
          t = heap:type{name = key, size = size, pointers = ptrs}}
    types[key] = ty
    return ty
  end

  local layouts = {"noscan", "allptr", "first", "last", "alt", "sparse"}
  -- A type of exactly `size` bytes with the given pointer layout. Noscan
  -- types stay at 16 bytes or more: smaller ones go to the tiny allocator,
  -- whose blocks are shared and freed together (Go counts them apart).
  local function type_for(size, layout)
    local words = size // 8
    if layout ~= "noscan" and size % 8 ~= 0 then layout = "noscan" end
    if layout == "noscan" and size < 16 then layout = "allptr" end
    local ptrs = {}
    if layout == "allptr" then
      for w = 0, words - 1 do ptrs[#ptrs + 1] = w end
    elseif layout == "first" then
      ptrs = {0}
    elseif layout == "last" then
      ptrs = {words - 1}
    elseif layout == "alt" then
      for w = 0, words - 1, 2 do ptrs[#ptrs + 1] = w end
    elseif layout == "sparse" then
      -- a fixed pseudo-random pattern per size, so types stay few
      local x = size * 2654435761 % 4294967296
      for w = 0, words - 1 do
        x = (x * 1103515245 + 12345) % 2147483648
        if x % 5 == 0 or w == words - 1 then ptrs[#ptrs + 1] = w end
      end
    end
    return mktype(layout, size, ptrs)
  end

  ---------------------------------------------------------------- model
  local live = {}      -- id -> model object: allocated, not yet seen freed
  local nlive = 0
  local handles = {}   -- array of {h = toy.handle, obj = model object}
  local reach, reach_list, dirty = {}, {}, true
  local freed_total = 0
  local fresh_bad = 0 -- fresh objects that did not read zero
  local ptrmaps, ptrmap_bad = 0, 0 -- objects whose pointer map was compared, and failed

  local function isptr(o, w) return o.ty.ptrset[w % o.ty.ew] == true end

  local function recompute()
    reach, reach_list = {}, {}
    local stack = {}
    for _, hd in ipairs(handles) do stack[#stack + 1] = hd.obj end
    while #stack > 0 do
      local o = table.remove(stack)
      if not reach[o] then
        reach[o] = true
        reach_list[#reach_list + 1] = o
        for _, v in pairs(o.vals) do
          if type(v) == "table" and not reach[v] then stack[#stack + 1] = v end
        end
      end
    end
    dirty = false
  end

  local function reachable()
    if dirty then recompute() end
    return reach_list
  end

  local function pick_reachable()
    local l = reachable()
    if #l == 0 then return nil end
    return l[rnd(#l)]
  end

  -- a reachable object with at least one pointer word, and one such word
  local function pick_ptr_word()
    for _ = 1, 8 do
      local o = pick_reachable()
      if o == nil then return nil end
      if #o.ty.ptrlist > 0 then
        local el = rnd(0, o.count - 1)
        return o, el * o.ty.ew + o.ty.ptrlist[rnd(#o.ty.ptrlist)]
      end
    end
    return nil
  end

  local function pick_int_word(o)
    for _ = 1, 8 do
      local w = rnd(0, o.nwords - 1)
      if not isptr(o, w) then return w end
    end
    return nil
  end

  local function set_word(o, w, v)
    if isptr(o, w) then
      heap:set(o.ref, w, v and v.ref or nil)
      dirty = dirty or o.vals[w] ~= nil
      o.vals[w] = v
    else
      heap:set(o.ref, w, v)
      o.vals[w] = v
    end
  end

  local function add_handle(o)
    handles[#handles + 1] = {h = heap:handle(o.ref), obj = o}
    if not dirty and not reach[o] then dirty = true end
  end

  local function drop_handle(i)
    local hd = table.remove(handles, i)
    if rnd(4) == 1 then
      -- let Lua's collector release it through __gc
      hd.h = nil
      hd = nil
      collectgarbage("collect")
    else
      hd.h:release()
    end
    dirty = true
  end

  -- Allocate one object and hang it off the graph before the next
  -- allocation (which may collect): by a new handle, or in a pointer word
  -- of a reachable object.
  local function new_object(size, layout, count)
    local ty = type_for(size, layout)
    count = count or 1
    local ref = heap:alloc(ty.t, count)
    local o = {ref = ref, id = heap:id(ref), ty = ty, count = count,
               nwords = (ty.size * count) // 8, vals = {}}
    live[o.id] = o
    nlive = nlive + 1
    -- fresh memory reads zero (pointerful always, noscan because the module
    -- asks for needzero): all words of small objects, a sample of big ones
    local nz
    for i = 0, math.min(o.nwords, 64) - 1 do
      local w = o.nwords <= 64 and i or rnd(0, o.nwords - 1)
      local v = heap:get(ref, w)
      if v ~= nil and v ~= 0 then nz = nz or string.format("word %d is %s", w, tostring(v)) end
    end
    if nz then fresh_bad = fresh_bad + 1 end
    if nz and fresh_bad <= 5 then
      T:ok(false, string.format("%s: fresh object #%d (%s x %d): %s", label, o.id, ty.name, count, nz))
    end
    -- the collector's pointer map of the object is the type's (I7)
    if o.nwords <= 1024 then
      local seen, diff = {}, nil
      for _, w in ipairs(heap:pointers(ref)) do
        if w < o.nwords then seen[w] = true end
      end
      for w = 0, o.nwords - 1 do
        if (seen[w] == true) ~= isptr(o, w) then
          diff = diff or string.format("word %d: collector says %s", w, seen[w] and "pointer" or "scalar")
        end
      end
      ptrmaps = ptrmaps + 1
      if diff then ptrmap_bad = ptrmap_bad + 1 end
      if diff and ptrmap_bad <= 5 then
        T:ok(false, string.format("%s: pointer map of #%d (%s x %d): %s", label, o.id, ty.name, count, diff))
      end
    end
    local holder, hw = nil, nil
    if rnd(2) == 1 and #handles > 0 then holder, hw = pick_ptr_word() end
    if holder then
      set_word(holder, hw, o)
      if not dirty then reach[o] = true; reach_list[#reach_list + 1] = o end
    else
      add_handle(o)
    end
    -- stamp a few words: first, last, some in between
    if o.nwords > 0 then
      local ws = {0, o.nwords - 1}
      for _ = 1, rnd(0, 4) do ws[#ws + 1] = rnd(0, o.nwords - 1) end
      for _, w in ipairs(ws) do
        if isptr(o, w) then
          set_word(o, w, rnd(3) > 1 and pick_reachable() or nil)
        else
          set_word(o, w, rnd(math.mininteger, MAXINT))
        end
      end
    end
    return o
  end

  local function random_new_object()
    local r = rnd(100)
    local layout = layouts[rnd(#layouts)]
    if r <= 3 then
      local sz = large_sizes[rnd(#large_sizes)]
      if sz >= 300000 and rnd(4) > 1 then sz = 40000 end
      return new_object(sz, layout)
    elseif r <= 13 then
      -- an array: elements of a small type, repeated
      local esz = ({8, 16, 24, 32, 48, 64})[rnd(6)]
      return new_object(esz, layout, rnd(2, 200))
    elseif r <= 18 then
      -- sizes between classes, also not multiples of 8 (noscan)
      return new_object(rnd(16, 2048), layout)
    end
    return new_object(class_sizes[rnd(#class_sizes)], layout)
  end

  ---------------------------------------------------------------- checks
  local last_frees = st0.frees
  local ncollect = 0

  local function check_contents(list)
    local bad = nil
    for _, o in ipairs(list) do
      if not heap:valid(o.ref) then
        bad = bad or string.format("reachable object #%d (%s) is no longer valid", o.id, o.ty.name)
      else
        for w, v in pairs(o.vals) do
          local got = heap:get(o.ref, w)
          local want_ok
          if isptr(o, w) then
            want_ok = (v == nil and got == nil) or (v ~= nil and got ~= nil and got == v.ref)
          else
            want_ok = got == v
          end
          if not want_ok then
            bad = bad or string.format("object #%d (%s) word %d: got %s, want %s",
              o.id, o.ty.name, w, tostring(got), tostring(type(v) == "table" and v.ref or v))
          end
        end
        -- an unwritten word still holds what allocation gave it: zero
        local w = rnd(0, o.nwords - 1)
        if o.nwords > 0 and o.vals[w] == nil then
          local got = heap:get(o.ref, w)
          local zero = isptr(o, w) and got == nil or got == 0
          if not zero then
            bad = bad or string.format("object #%d (%s) unwritten word %d is %s", o.id, o.ty.name, w, tostring(got))
          end
        end
      end
    end
    T:ok(bad == nil, function() return label .. ": contents after collection " .. ncollect .. ": " .. bad end)
  end

  local function collect_and_check()
    heap:collect()
    ncollect = ncollect + 1
    local list = reachable()
    local dead = {}
    for id, o in pairs(live) do
      if not reach[o] then dead[#dead + 1] = o end
    end
    local st = heap:stats()
    local tag = label .. " collection " .. ncollect
    T:eq(st.frees - last_frees, #dead, tag .. ": frees since the last collection = objects made unreachable")
    T:eq(st.mallocs - st.frees, st.heap_objects, tag .. ": mallocs - frees = heap_objects")
    T:eq(st.heap_objects, #list, tag .. ": heap_objects = reachable objects")
    local bytes = 0
    for _, o in ipairs(list) do bytes = bytes + o.ty.size * o.count end
    T:ok(st.heap_live >= bytes, function()
      return string.format("%s: heap_live %d < %d bytes reachable", tag, st.heap_live, bytes)
    end)
    -- gcstress cycles may count as forced (alloc runs them through
    -- gc_collect); heap:collect() calls always do
    local forced = st.num_forced_gc - st0.num_forced_gc
    T:ok(st.num_gc >= st.num_forced_gc and (forced == ncollect or stress and forced > ncollect), function()
      return string.format("%s: num_gc %d, num_forced_gc %d, heap:collect() calls %d",
        tag, st.num_gc, st.num_forced_gc, ncollect)
    end)
    last_frees = st.frees
    check_contents(list)
    -- stale references: never valid, and using one is an error
    local stale_ok = true
    for i, o in ipairs(dead) do
      if heap:valid(o.ref) then stale_ok = false end
      if i <= 8 then
        local okc, err = pcall(heap.get, heap, o.ref, 0)
        if okc or not tostring(err):find("stale reference", 1, true) then stale_ok = false end
      end
      live[o.id] = nil
      nlive = nlive - 1
    end
    freed_total = freed_total + #dead
    T:ok(stale_ok, tag .. ": references to freed objects are stale")
    T:eq(heap:verify(), 0, tag .. ": heap:verify() problems")
  end

  ---------------------------------------------------------------- run
  -- Every size class and every layout once, chained from a few handles.
  for _, sz in ipairs(class_sizes) do
    for _, layout in ipairs(layouts) do new_object(sz, layout) end
  end
  for _, sz in ipairs(large_sizes) do new_object(sz, "first") end
  collect_and_check()

  for step = 1, steps do
    local r = rnd(1000)
    if r <= 300 then
      random_new_object()
    elseif r <= 500 then
      local o, w = pick_ptr_word()
      if o then set_word(o, w, pick_reachable()) end
    elseif r <= 600 then
      local o, w = pick_ptr_word()
      if o then set_word(o, w, nil) end
    elseif r <= 700 then
      local o = pick_reachable()
      local w = o and pick_int_word(o)
      if w then set_word(o, w, rnd(math.mininteger, MAXINT)) end
    elseif r <= 780 then
      -- read back a word the model knows
      local o = pick_reachable()
      if o then
        local w, v = next(o.vals)
        if w then
          local got = heap:get(o.ref, w)
          local want = type(v) == "table" and v.ref or v
          T:ok(got == want, function()
            return string.format("%s step %d: object #%d word %d: got %s, want %s",
              label, step, o.id, w, tostring(got), tostring(want))
          end)
        end
      end
    elseif r <= 830 then
      local o = pick_reachable()
      if o then add_handle(o) end
    elseif r <= 920 then
      if #handles > 0 then drop_handle(rnd(#handles)) end
    elseif r <= 975 then
      -- move a handle; the handle must say what it held
      if #handles > 0 then
        local hd = handles[rnd(#handles)]
        T:ok(hd.h:get() == hd.obj.ref, label .. ": handle:get() returns its object")
        local o = pick_reachable()
        if o then hd.h:set(o.ref); hd.obj = o; dirty = true end
      end
    elseif r <= 990 then
      collect_and_check()
    else
      T:eq(heap:verify(), 0, label .. " step " .. step .. ": heap:verify() between collections")
    end
    -- keep the graph bounded: shed roots when it grows
    if nlive > 2500 then
      while #handles > 8 do drop_handle(rnd(#handles)) end
      collect_and_check()
    end
    if #handles == 0 then new_object(class_sizes[rnd(#class_sizes)], "allptr") end
  end
  collect_and_check()

  -- Drop every root: the heap must empty, every class balance.
  while #handles > 0 do drop_handle(#handles) end
  collect_and_check()
  T:eq(fresh_bad, 0, label .. ": fresh objects that did not read zero")
  T:eq(ptrmap_bad, 0, label .. ": of " .. ptrmaps .. " objects, pointer maps differing from their type")
  local st = heap:stats()
  T:eq(st.heap_objects, 0, label .. ": heap_objects after the last handle went")
  T:eq(st.mallocs, st.frees, label .. ": mallocs = frees after the last handle went")
  local unused, unbalanced = {}, {}
  for i = 2, #st.by_size do
    local c = st.by_size[i]
    if c.mallocs == 0 then unused[#unused + 1] = c.size end
    if c.mallocs ~= c.frees then unbalanced[#unbalanced + 1] = c.size end
  end
  T:ok(#unused == 0, label .. ": size classes never allocated: " .. table.concat(unused, " "))
  T:ok(#unbalanced == 0, label .. ": size classes with mallocs ~= frees: " .. table.concat(unbalanced, " "))
  print(string.format("%s: %d steps, %d objects allocated, %d freed, %d collections (%d in all), %d types",
    label, steps, st.mallocs - st0.mallocs, freed_total, ncollect, st.num_gc, (function()
      local n = 0 for _ in pairs(types) do n = n + 1 end return n end)()))
  heap:close()
end

-- A collector bug usually surfaces as an error from the module (a stale
-- or lost object): count it as a failure, show where, and go on.
local function guarded(label, opts, steps)
  local okr, err = xpcall(run, debug.traceback, label, opts, steps)
  T:ok(okr, function()
    return string.format("%s run aborted (replay with seed %d): %s", label, seed, tostring(err))
  end)
  collectgarbage("collect") -- an aborted run's heap goes now
end

-- gc_percent 2 makes the heap minimum ~80 KiB, so the pacer starts many
-- cycles inside alloc and lazy sweeping meets the mutator
guarded("pacer", {gc_percent = 2}, STEPS)
-- freed slots poisoned and the poison checked on reuse
guarded("clobberfree", {gc_percent = 10, debug = "clobberfree=1"}, STEPS // 2)
-- a collection at every allocation, checkmarked
guarded("gcstress", {debug = "gcstress=1,gccheckmark=1"}, STEPS // 8)
-- the concurrent collector: marks run between the script's sets, every
-- pointer set goes through the write barrier, every mark checkmarked
guarded("concurrent", {gc_percent = 2, concurrent = true, debug = "gccheckmark=1"}, STEPS // 2)
-- its fine stress switch: a cycle from every allocation, a few objects
-- marked per allocation, so each mark spans the sets between allocations
guarded("concstress", {concurrent = true, debug = "gcconcurrentstress=2,gccheckmark=1"}, STEPS // 8)
T:done()
