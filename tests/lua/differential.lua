-- differential.lua: random but valid toy programs, each generated together
-- with a model of what it does, so its expected output is known without a
-- second implementation of toy (reliability.md §7 items 1 and 11). The
-- generator builds a tree of statements and expressions; every node keeps
-- its toy source and a Lua closure giving its meaning (int arithmetic
-- wraps as Lua's does; / and % truncate as Go's; maps keep insertion
-- order). Running the model is running those closures, which is how loops,
-- functions and closures (captures by reference: variables are cells) get
-- their expected output. Each program runs through toy.run normally (the
-- VM's concurrent collector), under gcstress=1,gccheckmark=1 and under
-- gcconcurrentstress=2,gccheckmark=1 (marks overlapping the program's
-- stores); stdout must equal the model's exactly and the status must be 0
-- in every run.
--
-- What keeps programs valid: division and modulo by (e | 1), never 0; array
-- indexes (e & 15) % len(a) on arrays that never get empty; int(f) through
-- clampf; no binary or unary operator on two constants (the checker folds
-- constants and rejects overflow); loop bounds small and loop counters and
-- iterated collections never assigned in the loop; calls of functions with
-- side effects only as whole statements (toy, like Go, does not fix the
-- order between reading a variable and a call in one expression); string
-- variables grow by a bounded piece per assignment. Floats print through
-- fixed(x, 6), which is C's %.6f in both toy and Lua.
--
-- Usage: toylua tests/lua/differential.lua [SEED [COUNT]]
-- Program i uses seed SEED + i, so `differential.lua S 1` replays the one
-- program S. TOY_DIFF_COUNT scales the default count (for long runs). A
-- mismatch prints the program's seed, its text and a line diff.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"

local seed = math.tointeger(tonumber(arg and arg[1])) or os.time()
local COUNT = math.tointeger(tonumber(arg and arg[2]))
  or math.tointeger(tonumber(os.getenv("TOY_DIFF_COUNT"))) or 500
print(string.format("differential: seed %d, %d programs (replay: differential.lua %d %d)",
                    seed, COUNT, seed, COUNT))
local T = check.new("differential")

local rnd = math.random
local MININT, MAXINT = math.mininteger, math.maxinteger

-- ---- Semantics of toy operations, in Lua -------------------------------
local function idiv(a, b) -- truncating, b ~= 0; MININT / -1 wraps to MININT
  if b == -1 then return -a end
  local q = a // b
  if q < 0 and q * b ~= a then q = q + 1 end
  return q
end
local function imod(a, b) return math.fmod(a, b) end -- C's %, fmod(MININT,-1) = 0
local function sar(a, n) -- arithmetic shift, 0 <= n < 64
  if a >= 0 then return a >> n end
  return ~((~a) >> n)
end
local function fixed6(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  return string.format("%.6f", x)
end
local function clampf(x)
  if x ~= x then return 0.0 end
  if x > 1e15 then return 1e15 end
  if x < -1e15 then return -1e15 end
  return x
end
local function ftoi(x) -- int(f) of a clamped float: truncation
  local i = math.tointeger(x >= 0 and math.floor(x) or math.ceil(x))
  return i
end

-- print's formatting of values the generator makes
local format
local function qstr(s) return '"' .. s .. '"' end
format = function(v, top)
  local t = type(v)
  if t == "number" then
    assert(math.type(v) == "integer")
    return string.format("%d", v)
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "string" then
    return top and v or qstr(v)
  elseif v == nil then
    return "nil"
  elseif v.kind == "arr" then
    local parts = {}
    for i, x in ipairs(v.elems) do parts[i] = format(x, false) end
    return "[" .. table.concat(parts, ", ") .. "]"
  elseif v.kind == "map" then
    local parts = {}
    for i, k in ipairs(v.keys) do parts[i] = qstr(k) .. ": " .. format(v.vals[k], false) end
    return "{" .. table.concat(parts, ", ") .. "}"
  elseif v.kind == "P" then
    return "P{x: " .. format(v.x) .. ", s: " .. qstr(v.s) .. ", next: " ..
      (v.next and format(v.next, false) or "nil") .. "}"
  end
  error("cannot format " .. tostring(v))
end

local function map_set(m, k, v)
  if m.vals[k] == nil then m.keys[#m.keys + 1] = k end
  m.vals[k] = v
end
local function map_delete(m, k)
  if m.vals[k] == nil then return end
  m.vals[k] = nil
  for i, kk in ipairs(m.keys) do
    if kk == k then table.remove(m.keys, i) break end
  end
end

-- ---- The generator -----------------------------------------------------
-- A context: visible variables (name, type, flags), the function being
-- generated, loop depth. Names are unique in a program, so the model's
-- environment (name -> cell) can be one flat table per call.
local G -- per-program state

local function new_name(prefix)
  G.nnames = G.nnames + 1
  return prefix .. G.nnames
end

local function pick(t) return t[rnd(#t)] end

local function vars_of(ctx, ty, pred)
  local r = {}
  for _, v in ipairs(ctx.vars) do
    if v.type == ty and (not pred or pred(v)) then r[#r + 1] = v end
  end
  return r
end

local function cell(env, name) return env[name] end
local function read(name) return function(env) return env[name].v end end

local gen_int, gen_float, gen_bool, gen_str, gen_expr

local INT_LITS = {0, 1, 2, 3, 7, 10, 100, 255, 1000, 65536, 123456789,
                  4611686018427387904, MAXINT}
local function int_lit()
  local r = rnd(10)
  local v
  if r <= 6 then v = rnd(0, 20)
  elseif r <= 9 then v = pick(INT_LITS)
  else
    return {code = "(-9223372036854775807 - 1)", const = true, ev = function() return MININT end}
  end
  return {code = tostring(v), const = true, ev = function() return v end}
end

-- a non-constant int: a variable, or a call of a pure function
local function int_var(ctx)
  local vs = vars_of(ctx, "int")
  local v = pick(vs) -- there is always a global int
  return {code = v.name, ev = read(v.name)}
end

local function bin(a, op, b, f)
  return {code = "(" .. a.code .. " " .. op .. " " .. b.code .. ")",
          const = a.const and b.const,
          ev = function(env) return f(a.ev(env), b.ev(env)) end}
end

local INT_OPS = {
  {"+", function(a, b) return a + b end},
  {"-", function(a, b) return a - b end},
  {"*", function(a, b) return a * b end},
  {"&", function(a, b) return a & b end},
  {"|", function(a, b) return a | b end},
  {"^", function(a, b) return a ~ b end},
}

gen_int = function(ctx, d)
  local r = rnd(d <= 0 and 3 or 16)
  if r == 1 then return int_lit() end
  if r <= 3 then return int_var(ctx) end
  if r <= 7 then
    local op = pick(INT_OPS)
    local a, b = gen_int(ctx, d - 1), gen_int(ctx, d - 1)
    if a.const and b.const then b = int_var(ctx) end
    return bin(a, op[1], b, op[2])
  end
  if r == 8 or r == 9 then -- / and % by (e | 1)
    local a, b = gen_int(ctx, d - 1), gen_int(ctx, d - 1)
    if a.const and b.const then a = int_var(ctx) end
    local div = r == 8
    local bc = "(" .. b.code .. " | 1)"
    return {code = "(" .. a.code .. (div and " / " or " % ") .. bc .. ")",
            ev = function(env)
              local x, y = a.ev(env), b.ev(env) | 1
              return div and idiv(x, y) or imod(x, y)
            end}
  end
  if r == 10 then -- shifts by a constant count
    local a = gen_int(ctx, d - 1)
    if a.const then a = int_var(ctx) end
    local n = rnd(0, 63)
    if rnd(2) == 1 then
      return {code = "(" .. a.code .. " << " .. n .. ")", ev = function(env) return a.ev(env) << n end}
    end
    return {code = "(" .. a.code .. " >> " .. n .. ")", ev = function(env) return sar(a.ev(env), n) end}
  end
  if r == 11 then -- unary
    local a = gen_int(ctx, d - 1)
    if a.const then a = int_var(ctx) end
    if rnd(2) == 1 then return {code = "(-" .. a.code .. ")", ev = function(env) return -a.ev(env) end} end
    return {code = "(~" .. a.code .. ")", ev = function(env) return ~a.ev(env) end}
  end
  if r == 12 then -- collections
    local arrs = vars_of(ctx, "[int]")
    if #arrs > 0 and rnd(2) == 1 then
      local a = pick(arrs)
      local i = gen_int(ctx, d - 1)
      if rnd(3) == 1 then return {code = "len(" .. a.name .. ")", ev = function(env) return #env[a.name].v.elems end} end
      return {code = a.name .. "[(" .. i.code .. " & 15) % len(" .. a.name .. ")]",
              ev = function(env)
                local arr = env[a.name].v.elems
                return arr[(i.ev(env) & 15) % #arr + 1]
              end}
    end
    local ms = vars_of(ctx, "map[string]int")
    if #ms > 0 then
      local m = pick(ms)
      if rnd(3) == 1 then return {code = "len(" .. m.name .. ")", ev = function(env) return #env[m.name].v.keys end} end
      local k = gen_str(ctx, 0)
      return {code = m.name .. "[" .. k.code .. "]",
              ev = function(env) return env[m.name].v.vals[k.ev(env)] or 0 end}
    end
    local s = gen_str(ctx, d - 1)
    -- the checker folds len of a constant string
    return {code = "len(" .. s.code .. ")", const = s.const, ev = function(env) return #s.ev(env) end}
  end
  if r == 13 then -- struct field
    local parrs = vars_of(ctx, "[P]")
    if #parrs > 0 and rnd(2) == 1 then
      local a = pick(parrs)
      local i = gen_int(ctx, d - 1)
      return {code = a.name .. "[(" .. i.code .. " & 15) % len(" .. a.name .. ")].x",
              ev = function(env)
                local el = env[a.name].v.elems
                return el[(i.ev(env) & 15) % #el + 1].x
              end}
    end
    local ps = vars_of(ctx, "P")
    if #ps > 0 then
      local p = pick(ps)
      return {code = p.name .. ".x", ev = function(env) return env[p.name].v.x end}
    end
    return int_var(ctx)
  end
  if r == 14 then -- int(float), through clampf
    local f = gen_float(ctx, d - 1)
    return {code = "int(clampf(" .. f.code .. "))", ev = function(env) return ftoi(clampf(f.ev(env))) end}
  end
  if r == 15 then -- pure calls: fib, generated pure functions, pure closures
    local fns = {}
    for _, f in ipairs(G.funcs) do if f.pure then fns[#fns + 1] = f end end
    for _, v in ipairs(ctx.vars) do if v.type == "fn(int) -> int" and v.pure then fns[#fns + 1] = v end end
    if #fns > 0 and rnd(3) > 1 then
      local f = pick(fns)
      local args = {}
      for j = 1, f.nparams do args[j] = gen_int(ctx, d - 1) end
      local codes = {}
      for j, a in ipairs(args) do codes[j] = a.code end
      return {code = f.name .. "(" .. table.concat(codes, ", ") .. ")",
              ev = function(env)
                local vals = {}
                for j, a in ipairs(args) do vals[j] = a.ev(env) end
                local fv = f.global and G.fvals[f.name] or env[f.name].v
                return fv(table.unpack(vals, 1, f.nparams))
              end}
    end
    local a = gen_int(ctx, d - 1)
    return {code = "fib(" .. a.code .. " & 15)", ev = function(env) return G.fib(a.ev(env) & 15) end}
  end
  -- min/max/abs
  local a, b = gen_int(ctx, d - 1), gen_int(ctx, d - 1)
  local w = rnd(3)
  if w == 1 then return {code = "abs(" .. a.code .. ")", const = a.const, ev = function(env) local x = a.ev(env) return x < 0 and -x or x end} end
  local fname = w == 2 and "min" or "max"
  return {code = fname .. "(" .. a.code .. ", " .. b.code .. ")", const = a.const and b.const,
          ev = function(env) local x, y = a.ev(env), b.ev(env)
            if w == 2 then return math.min(x, y) end
            return math.max(x, y) end}
end

local FLOAT_LITS = {"0.5", "1.5", "2.0", "0.1", "3.25", "100.0", "1e10", "2.5e-3"}
gen_float = function(ctx, d)
  local r = rnd(d <= 0 and 3 or 9)
  if r == 1 then
    local s = pick(FLOAT_LITS)
    local v = tonumber(s)
    return {code = s, const = true, ev = function() return v end}
  end
  if r <= 3 then
    local vs = vars_of(ctx, "float")
    if #vs > 0 then local v = pick(vs) return {code = v.name, ev = read(v.name)} end
    local i = gen_int(ctx, 0)
    return {code = "float(" .. i.code .. ")", ev = function(env) return i.ev(env) + 0.0 end}
  end
  if r <= 6 then
    local a, b = gen_float(ctx, d - 1), gen_float(ctx, d - 1)
    local op = pick({"+", "-", "*", "/"})
    if op == "/" then
      return {code = "(" .. a.code .. " / (abs(" .. b.code .. ") + 1.0))",
              ev = function(env) return a.ev(env) / (math.abs(b.ev(env)) + 1.0) end}
    end
    local f = op == "+" and function(x, y) return x + y end
      or op == "-" and function(x, y) return x - y end
      or function(x, y) return x * y end
    return bin(a, op, b, f)
  end
  if r == 7 then
    local i = gen_int(ctx, d - 1)
    return {code = "float(" .. i.code .. ")", ev = function(env) return i.ev(env) + 0.0 end}
  end
  if r == 8 then
    local a = gen_float(ctx, d - 1)
    return {code = "sqrt(abs(" .. a.code .. "))", ev = function(env) return math.sqrt(math.abs(a.ev(env))) end}
  end
  local a = gen_float(ctx, d - 1)
  if a.const then
    local vs = vars_of(ctx, "float")
    if #vs == 0 then return a end
    a = {code = vs[1].name, ev = read(vs[1].name)}
  end
  return {code = "(-" .. a.code .. ")", ev = function(env) return -a.ev(env) end}
end

local CMP = {
  {"<", function(a, b) return a < b end}, {"<=", function(a, b) return a <= b end},
  {">", function(a, b) return a > b end}, {">=", function(a, b) return a >= b end},
  {"==", function(a, b) return a == b end}, {"!=", function(a, b) return a ~= b end},
}
gen_bool = function(ctx, d)
  local r = rnd(d <= 0 and 2 or 9)
  if r == 1 then
    local vs = vars_of(ctx, "bool")
    if #vs > 0 then local v = pick(vs) return {code = v.name, ev = read(v.name)} end
    local b = rnd(2) == 1
    return {code = tostring(b), const = true, ev = function() return b end}
  end
  if r <= 4 then
    local c = pick(CMP)
    local g = pick({gen_int, gen_int, gen_float, gen_str})
    local a, b = g(ctx, d - 1), g(ctx, d - 1)
    if a.const and b.const then return {code = "true", const = true, ev = function() return true end} end
    return bin(a, c[1], b, c[2])
  end
  if r == 5 or r == 6 then
    local a, b = gen_bool(ctx, d - 1), gen_bool(ctx, d - 1)
    if r == 5 then return {code = "(" .. a.code .. " && " .. b.code .. ")", ev = function(env) return a.ev(env) and b.ev(env) end} end
    return {code = "(" .. a.code .. " || " .. b.code .. ")", ev = function(env) return a.ev(env) or b.ev(env) end}
  end
  if r == 7 then
    local a = gen_bool(ctx, d - 1)
    return {code = "(!" .. a.code .. ")", ev = function(env) return not a.ev(env) end}
  end
  if r == 8 then
    local ms = vars_of(ctx, "map[string]int")
    if #ms > 0 then
      local m, k = pick(ms), gen_str(ctx, 0)
      return {code = "has(" .. m.name .. ", " .. k.code .. ")",
              ev = function(env) return env[m.name].v.vals[k.ev(env)] ~= nil end}
    end
  end
  local ps = vars_of(ctx, "P")
  if #ps > 0 then
    local p, q = pick(ps), pick(ps)
    if rnd(2) == 1 then
      return {code = "(" .. p.name .. ".next == nil)", ev = function(env) return env[p.name].v.next == nil end}
    end
    return {code = "(" .. p.name .. " == " .. q.name .. ")", ev = function(env) return env[p.name].v == env[q.name].v end}
  end
  return {code = "false", const = true, ev = function() return false end}
end

local KEYS = {"a", "b", "c", "d", "e"}
gen_str = function(ctx, d)
  local r = rnd(d <= 0 and 2 or 8)
  if r == 1 then
    local s = pick(KEYS) .. (rnd(3) == 1 and pick(KEYS) or "")
    return {code = '"' .. s .. '"', const = true, ev = function() return s end}
  end
  if r == 2 then
    local vs = vars_of(ctx, "string")
    if #vs > 0 then local v = pick(vs) return {code = v.name, ev = read(v.name)} end
    return {code = '"z"', const = true, ev = function() return "z" end}
  end
  if r <= 4 then
    local a, b = gen_str(ctx, d - 1), gen_str(ctx, d - 1)
    return bin(a, "+", b, function(x, y) return x .. y end)
  end
  if r == 5 then
    local i = gen_int(ctx, d - 1)
    return {code = "str(" .. i.code .. ")", ev = function(env) return string.format("%d", i.ev(env)) end}
  end
  if r == 6 then
    local b = gen_bool(ctx, d - 1)
    return {code = "str(" .. b.code .. ")", ev = function(env) return tostring(b.ev(env)) end}
  end
  if r == 7 then
    local s = gen_str(ctx, d - 1)
    local n = rnd(0, 4)
    return {code = "substr(" .. s.code .. ", 0, min(len(" .. s.code .. "), " .. n .. "))",
            ev = function(env) local v = s.ev(env) return v:sub(1, math.min(#v, n)) end}
  end
  local sarrs = vars_of(ctx, "[string]")
  if #sarrs > 0 and rnd(2) == 1 then
    local a = pick(sarrs)
    if rnd(2) == 1 then
      return {code = "join(" .. a.name .. ", \"-\")", ev = function(env) return table.concat(env[a.name].v.elems, "-") end}
    end
    local i = gen_int(ctx, d - 1)
    return {code = a.name .. "[(" .. i.code .. " & 15) % len(" .. a.name .. ")]",
            ev = function(env)
              local el = env[a.name].v.elems
              return el[(i.ev(env) & 15) % #el + 1]
            end}
  end
  local ps = vars_of(ctx, "P")
  if #ps > 0 then
    local p = pick(ps)
    return {code = p.name .. ".s", ev = function(env) return env[p.name].v.s end}
  end
  return gen_str(ctx, 0)
end

-- ---- statements --------------------------------------------------------
-- A statement is {lines = {...}, ex = function(env) -> signal}, where the
-- signal is nil, "break", "continue" or {ret = value}.
local gen_block

local function ind(lines, pre)
  local r = {}
  for i, l in ipairs(lines) do r[i] = pre .. l end
  return r
end

local function run_block(stmts, env)
  for _, s in ipairs(stmts) do
    local sig = s.ex(env)
    if sig then return sig end
  end
end

local function block_lines(stmts)
  local r = {}
  for _, s in ipairs(stmts) do
    for _, l in ipairs(s.lines) do r[#r + 1] = "    " .. l end
  end
  return r
end

local function declare(ctx, name, ty, flags)
  local v = {name = name, type = ty}
  for k, x in pairs(flags or {}) do v[k] = x end
  ctx.vars[#ctx.vars + 1] = v
  return v
end

local function assignable(v) return not v.frozen and not v.global_ro end

local function out(s) G.out[#G.out + 1] = s end

local function gen_value_expr(ctx, d) -- any printable expression, with its printed form
  local r = rnd(9)
  if r <= 3 then local e = gen_int(ctx, d) return e.code, function(env) return format(e.ev(env), true) end end
  if r == 4 then local e = gen_float(ctx, d)
    return "fixed(" .. e.code .. ", 6)", function(env) return fixed6(e.ev(env)) end end
  if r == 5 then local e = gen_bool(ctx, d) return e.code, function(env) return tostring(e.ev(env)) end end
  if r == 6 then local e = gen_str(ctx, d) return e.code, function(env) return e.ev(env) end end
  local coll = {}
  for _, v in ipairs(ctx.vars) do
    if v.type == "[int]" or v.type == "map[string]int" or v.type == "P" or v.type == "[P]" or v.type == "[string]" then
      coll[#coll + 1] = v
    end
  end
  if #coll > 0 then
    local v = pick(coll)
    if v.type == "map[string]int" and rnd(3) == 1 then
      return "keys(" .. v.name .. ")", function(env)
        local ks = {}
        for i, k in ipairs(env[v.name].v.keys) do ks[i] = qstr(k) end
        return "[" .. table.concat(ks, ", ") .. "]"
      end
    end
    return v.name, function(env) return format(env[v.name].v, true) end
  end
  local e = gen_int(ctx, d)
  return e.code, function(env) return format(e.ev(env), true) end
end

local function stmt_print(ctx)
  local n = rnd(3)
  local codes, fs = {}, {}
  for i = 1, n do codes[i], fs[i] = gen_value_expr(ctx, 2) end
  if ctx.fn then ctx.fn.pure = false end
  return {lines = {"print(" .. table.concat(codes, ", ") .. ")"},
          ex = function(env)
            local parts = {}
            for i, f in ipairs(fs) do parts[i] = f(env) end
            out(table.concat(parts, " "))
          end}
end

local stmt_call

local function stmt_var(ctx, force)
  local r = force or rnd(13)
  local name = new_name("v")
  if r <= 3 then
    local e = gen_int(ctx, 3)
    declare(ctx, name, "int")
    return {lines = {"var " .. name .. " = " .. e.code}, ex = function(env) rawset(env, name, {v = e.ev(env)}) end}
  elseif r == 4 then
    local e = gen_float(ctx, 2)
    declare(ctx, name, "float")
    return {lines = {"var " .. name .. " = " .. e.code}, ex = function(env) rawset(env, name, {v = e.ev(env)}) end}
  elseif r == 5 then
    local e = gen_bool(ctx, 2)
    declare(ctx, name, "bool")
    return {lines = {"var " .. name .. ": bool = " .. e.code}, ex = function(env) rawset(env, name, {v = e.ev(env)}) end}
  elseif r == 6 then
    local e = gen_str(ctx, 2)
    declare(ctx, name, "string")
    return {lines = {"var " .. name .. " = " .. e.code}, ex = function(env) rawset(env, name, {v = e.ev(env)}) end}
  elseif r == 7 then
    local n = rnd(1, 4)
    local es, codes = {}, {}
    local use_make = rnd(4) == 1
    for i = 1, n do es[i] = gen_int(ctx, 2) codes[i] = es[i].code end
    declare(ctx, name, "[int]")
    local code = use_make and ("make([int], " .. n .. ")") or ("[" .. table.concat(codes, ", ") .. "]")
    return {lines = {"var " .. name .. ": [int] = " .. code},
            ex = function(env)
              local el = {}
              for i = 1, n do el[i] = use_make and 0 or es[i].ev(env) end
              rawset(env, name, {v = {kind = "arr", elems = el}})
            end}
  elseif r == 8 then
    local n = rnd(0, 3)
    local ks, es, codes = {}, {}, {}
    for i = 1, n do
      ks[i] = KEYS[i]
      es[i] = gen_int(ctx, 1)
      codes[i] = '"' .. ks[i] .. '": ' .. es[i].code
    end
    declare(ctx, name, "map[string]int")
    local code = (n == 0 and rnd(2) == 1) and "make(map[string]int)" or ("{" .. table.concat(codes, ", ") .. "}")
    return {lines = {"var " .. name .. ": map[string]int = " .. code},
            ex = function(env)
              local m = {kind = "map", keys = {}, vals = {}}
              for i = 1, n do map_set(m, ks[i], es[i].ev(env)) end
              rawset(env, name, {v = m})
            end}
  elseif r == 9 then
    local x, s = gen_int(ctx, 2), gen_str(ctx, 1)
    local ps = vars_of(ctx, "P")
    local nx = #ps > 0 and rnd(2) == 1 and pick(ps) or nil
    declare(ctx, name, "P")
    return {lines = {"var " .. name .. " = P{x: " .. x.code .. ", s: " .. s.code ..
                     (nx and (", next: " .. nx.name) or "") .. "}"},
            ex = function(env)
              rawset(env, name, {v = {kind = "P", x = x.ev(env), s = s.ev(env), next = nx and env[nx.name].v or nil}})
            end}
  elseif r == 10 then
    local n = rnd(1, 3)
    local xs, ss, codes = {}, {}, {}
    for i = 1, n do
      xs[i], ss[i] = gen_int(ctx, 1), gen_str(ctx, 1)
      codes[i] = "P{x: " .. xs[i].code .. ", s: " .. ss[i].code .. "}"
    end
    declare(ctx, name, "[P]")
    return {lines = {"var " .. name .. ": [P] = [" .. table.concat(codes, ", ") .. "]"},
            ex = function(env)
              local el = {}
              for i = 1, n do el[i] = {kind = "P", x = xs[i].ev(env), s = ss[i].ev(env)} end
              rawset(env, name, {v = {kind = "arr", elems = el}})
            end}
  elseif r == 11 then
    local n = rnd(1, 3)
    local es, codes = {}, {}
    for i = 1, n do es[i] = gen_str(ctx, 1) codes[i] = es[i].code end
    declare(ctx, name, "[string]")
    return {lines = {"var " .. name .. ": [string] = [" .. table.concat(codes, ", ") .. "]"},
            ex = function(env)
              local el = {}
              for i = 1, n do el[i] = es[i].ev(env) end
              rawset(env, name, {v = {kind = "arr", elems = el}})
            end}
  elseif r == 12 then
    G.nnames = G.nnames - 1
    return {lines = {"gc()"}, ex = function() end}
  else
    -- a closure over the visible int variables; it may assign them (then
    -- it has side effects and is called only as a whole statement)
    local cctx = {vars = {}, loop = 0, fn = {pure = true, mutates = {}}, closure = true,
                  cdepth = (ctx.cdepth or 0) + 1}
    for _, v in ipairs(ctx.vars) do
      if not v.loopvar then cctx.vars[#cctx.vars + 1] = v end
    end
    local cvisible = {}
    for _, v in ipairs(cctx.vars) do cvisible[#cvisible + 1] = v.name end
    local pname = new_name("x")
    declare(cctx, pname, "int")
    cctx.locals = {[pname] = true}
    local body = {}
    for _ = 1, rnd(0, 2) do
      local targets = vars_of(cctx, "int", function(v) return assignable(v) and v.name ~= pname end)
      local arrs = vars_of(cctx, "[int]", function(v) return not v.frozen end)
      if cctx.cdepth < 3 and rnd(5) == 1 then
        -- a closure in a closure: it captures the outer one's cells
        -- (parameter and locals) and, through it, the enclosing scope's
        body[#body + 1] = stmt_var(cctx, 13)
        body[#body + 1] = stmt_call(cctx)
      elseif #arrs > 0 and rnd(3) == 1 then
        -- a captured array, mutated: a reference kept in the closure
        local a = pick(arrs)
        local e = gen_int(cctx, 1)
        cctx.fn.pure = false
        cctx.fn.mutates[a.name] = true
        body[#body + 1] = {lines = {"push(" .. a.name .. ", " .. e.code .. ")"},
                           ex = function(env) local el = env[a.name].v.elems el[#el + 1] = e.ev(env) end}
      elseif #targets > 0 and rnd(2) == 1 then
        local t = pick(targets)
        local e = gen_int(cctx, 2)
        cctx.fn.pure = false
        body[#body + 1] = {lines = {t.name .. " += " .. e.code},
                           ex = function(env) local c = env[t.name] c.v = c.v + e.ev(env) end}
      else
        local n2 = new_name("v")
        local e = gen_int(cctx, 2)
        declare(cctx, n2, "int")
        cctx.locals[n2] = true
        body[#body + 1] = {lines = {"var " .. n2 .. " = " .. e.code}, ex = function(env) rawset(env, n2, {v = e.ev(env)}) end}
      end
    end
    local ret = gen_int(cctx, 2)
    local pure = cctx.fn.pure
    declare(ctx, name, "fn(int) -> int", {pure = pure, nparams = 1, frozen = true, mutates = cctx.fn.mutates})
    local lines = {"var " .. name .. " = fn (" .. pname .. ": int) -> int {"}
    for _, l in ipairs(block_lines(body)) do lines[#lines + 1] = l end
    lines[#lines + 1] = "    return " .. ret.code
    lines[#lines + 1] = "}"
    return {lines = lines,
            ex = function(env)
              -- capture by reference: the closure keeps the cells live at
              -- its creation (a variable declared in a loop body is a new
              -- cell in each iteration)
              local captured = {}
              for _, v in ipairs(cvisible) do captured[v] = env[v] end
              local fv = function(a)
                local e2 = setmetatable({[pname] = {v = a}}, {__index = captured})
                run_block(body, e2)
                return ret.ev(e2)
              end
              rawset(env, name, {v = fv})
            end}
  end
end

local function stmt_assign(ctx)
  local targets = {}
  for _, v in ipairs(ctx.vars) do
    if assignable(v) and (v.type == "int" or v.type == "float" or v.type == "bool" or v.type == "string") then
      targets[#targets + 1] = v
    end
  end
  if #targets == 0 then return stmt_print(ctx) end
  local t = pick(targets)
  if ctx.closure_assign_forbidden then return stmt_print(ctx) end
  if t.global and ctx.fn then ctx.fn.pure = false end
  if t.type == "int" then
    local e = gen_int(ctx, 3)
    local r = rnd(4)
    if r == 1 then return {lines = {t.name .. " = " .. e.code}, ex = function(env) env[t.name].v = e.ev(env) end} end
    local op = pick({"+", "-", "*"})
    local f = op == "+" and function(a, b) return a + b end or op == "-" and function(a, b) return a - b end
      or function(a, b) return a * b end
    return {lines = {t.name .. " " .. op .. "= " .. e.code},
            ex = function(env) local c = env[t.name] c.v = f(c.v, e.ev(env)) end}
  elseif t.type == "float" then
    local e = gen_float(ctx, 2)
    return {lines = {t.name .. " = clampf(" .. t.name .. " + " .. e.code .. ")"},
            ex = function(env) local c = env[t.name] c.v = clampf(c.v + e.ev(env)) end}
  elseif t.type == "bool" then
    local e = gen_bool(ctx, 2)
    return {lines = {t.name .. " = " .. e.code}, ex = function(env) env[t.name].v = e.ev(env) end}
  else
    -- bounded growth: a variable never gets more than 12 bytes longer,
    -- and is cut back when it passes 60
    local e = gen_str(ctx, 1)
    return {lines = {t.name .. " += substr(" .. e.code .. ", 0, min(len(" .. e.code .. "), 12))",
                     "if len(" .. t.name .. ") > 60 { " .. t.name .. " = substr(" .. t.name .. ", 50, len(" .. t.name .. ")) }"},
            ex = function(env)
              local c = env[t.name]
              local s = e.ev(env)
              c.v = c.v .. s:sub(1, math.min(#s, 12))
              if #c.v > 60 then c.v = c.v:sub(51) end
            end}
  end
end

-- a function that mutates a global collection has side effects, and must
-- not be called while a loop iterates over that collection
local function note_mut(ctx, v)
  if ctx.fn and v.global then
    ctx.fn.pure = false
    ctx.fn.mutates[v.name] = true
  end
end

local function stmt_collection(ctx)
  local arrs = vars_of(ctx, "[int]", function(v) return not v.frozen end)
  local maps = vars_of(ctx, "map[string]int", function(v) return not v.frozen end)
  local ps = vars_of(ctx, "P", function(v) return not v.frozen end)
  local ints = vars_of(ctx, "int", assignable)
  local parrs = vars_of(ctx, "[P]")
  local sarrs = vars_of(ctx, "[string]")
  if (#parrs > 0 or #sarrs > 0) and rnd(3) == 1 then
    if #parrs > 0 and (#sarrs == 0 or rnd(2) == 1) then
      local a = pick(parrs)
      local w = rnd(3)
      local x, sv = gen_int(ctx, 1), gen_str(ctx, 0)
      if w == 1 then
        return {lines = {"push(" .. a.name .. ", P{x: " .. x.code .. ", s: " .. sv.code .. "})"},
                ex = function(env) local el = env[a.name].v.elems el[#el + 1] = {kind = "P", x = x.ev(env), s = sv.ev(env)} end}
      end
      local i = gen_int(ctx, 1)
      local idx = "[(" .. i.code .. " & 15) % len(" .. a.name .. ")]"
      if w == 2 or #ps == 0 then
        return {lines = {a.name .. idx .. ".x += " .. x.code},
                ex = function(env)
                  local el = env[a.name].v.elems
                  local o = el[(i.ev(env) & 15) % #el + 1]
                  o.x = o.x + x.ev(env)
                end}
      end
      local p = pick(ps)
      return {lines = {a.name .. idx .. " = " .. p.name},
              ex = function(env)
                local el = env[a.name].v.elems
                el[(i.ev(env) & 15) % #el + 1] = env[p.name].v
              end}
    end
    local a = pick(sarrs)
    local e = gen_str(ctx, 1)
    if rnd(2) == 1 then
      return {lines = {"push(" .. a.name .. ", " .. e.code .. ")"},
              ex = function(env) local el = env[a.name].v.elems el[#el + 1] = e.ev(env) end}
    end
    local i = gen_int(ctx, 1)
    return {lines = {a.name .. "[(" .. i.code .. " & 15) % len(" .. a.name .. ")] = " .. e.code},
            ex = function(env)
              local el = env[a.name].v.elems
              el[(i.ev(env) & 15) % #el + 1] = e.ev(env)
            end}
  end
  local r = rnd(3)
  if r == 1 and #arrs > 0 then
    local a = pick(arrs)
    local w = rnd(3)
    local e = gen_int(ctx, 2)
    note_mut(ctx, a)
    if w == 1 then
      return {lines = {"push(" .. a.name .. ", " .. e.code .. ")"},
              ex = function(env) local el = env[a.name].v.elems el[#el + 1] = e.ev(env) end}
    elseif w == 2 or #ints == 0 then
      local i = gen_int(ctx, 1)
      return {lines = {a.name .. "[(" .. i.code .. " & 15) % len(" .. a.name .. ")] = " .. e.code},
              ex = function(env)
                local el = env[a.name].v.elems
                local idx = (i.ev(env) & 15) % #el + 1
                el[idx] = e.ev(env)
              end}
    else
      local t = pick(ints)
      if t.global and ctx.fn then ctx.fn.pure = false end
      return {lines = {"if len(" .. a.name .. ") > 1 { " .. t.name .. " += pop(" .. a.name .. ") }"},
              ex = function(env)
                local el = env[a.name].v.elems
                if #el > 1 then local c = env[t.name] c.v = c.v + table.remove(el) end
              end}
    end
  elseif r == 2 and #maps > 0 then
    local m = pick(maps)
    local k = gen_str(ctx, rnd(0, 1))
    local w = rnd(4)
    note_mut(ctx, m)
    if w == 1 then
      return {lines = {"delete(" .. m.name .. ", " .. k.code .. ")"},
              ex = function(env) map_delete(env[m.name].v, k.ev(env)) end}
    end
    local e = gen_int(ctx, 2)
    if w == 2 then
      return {lines = {m.name .. "[" .. k.code .. "] += " .. e.code},
              ex = function(env)
                local mv, kv = env[m.name].v, k.ev(env)
                local x = e.ev(env)
                map_set(mv, kv, (mv.vals[kv] or 0) + x)
              end}
    end
    return {lines = {m.name .. "[" .. k.code .. "] = " .. e.code},
            ex = function(env)
              local mv, kv = env[m.name].v, k.ev(env)
              map_set(mv, kv, e.ev(env))
            end}
  elseif #ps > 0 then
    local p = pick(ps)
    if rnd(2) == 1 then
      local e = gen_int(ctx, 2)
      return {lines = {p.name .. ".x += " .. e.code}, ex = function(env) local o = env[p.name].v o.x = o.x + e.ev(env) end}
    end
    local x, s = gen_int(ctx, 1), gen_str(ctx, 0)
    if ctx.loop > 0 then
      -- in a loop, replace the tail (lists stay short enough to print:
      -- print cuts nesting at 200 levels)
      return {lines = {p.name .. ".next = P{x: " .. x.code .. ", s: " .. s.code .. "}"},
              ex = function(env)
                env[p.name].v.next = {kind = "P", x = x.ev(env), s = s.ev(env)}
              end}
    end
    -- grow a list: p = P{x: e, s: e, next: p}
    return {lines = {p.name .. " = P{x: " .. x.code .. ", s: " .. s.code .. ", next: " .. p.name .. "}"},
            ex = function(env)
              local c = env[p.name]
              c.v = {kind = "P", x = x.ev(env), s = s.ev(env), next = c.v}
            end}
  end
  return stmt_assign(ctx)
end

-- calls with side effects: a whole statement, the result assigned or dropped
stmt_call = function(ctx)
  local frozen = {}
  for _, v in ipairs(ctx.vars) do if v.frozen then frozen[v.name] = true end end
  local cands = {}
  for _, f in ipairs(G.funcs) do cands[#cands + 1] = f end
  for _, v in ipairs(ctx.vars) do if v.type == "fn(int) -> int" then cands[#cands + 1] = v end end
  local fns = {}
  for _, f in ipairs(cands) do
    -- never one that mutates a collection being iterated
    local ok = true
    for a in pairs(f.mutates or {}) do ok = ok and not frozen[a] end
    if ok then fns[#fns + 1] = f end
  end
  if #fns == 0 then return stmt_print(ctx) end
  local f = pick(fns)
  if not f.pure and ctx.fn then ctx.fn.pure = false end
  if ctx.fn then for a in pairs(f.mutates or {}) do ctx.fn.mutates[a] = true end end
  local args, codes = {}, {}
  for j = 1, f.nparams do args[j] = gen_int(ctx, 2) codes[j] = args[j].code end
  local call = f.name .. "(" .. table.concat(codes, ", ") .. ")"
  local function docall(env)
    local vals = {}
    for j, a in ipairs(args) do vals[j] = a.ev(env) end
    local fv = f.global and G.fvals[f.name] or env[f.name].v
    return fv(table.unpack(vals, 1, f.nparams))
  end
  -- in a closure, assigning a captured variable would be a side effect
  local ints = vars_of(ctx, "int", function(v)
    return assignable(v) and (not ctx.closure or ctx.locals[v.name])
  end)
  if #ints > 0 and rnd(3) > 1 then
    local t = pick(ints)
    if t.global and ctx.fn then ctx.fn.pure = false end
    return {lines = {t.name .. " = " .. call}, ex = function(env) local v = docall(env) env[t.name].v = v end}
  end
  return {lines = {call}, ex = function(env) docall(env) end}
end

local function stmt_if(ctx, d)
  local c = gen_bool(ctx, 2)
  local a = gen_block(ctx, d - 1, rnd(1, 3))
  local lines = {"if " .. c.code .. " {"}
  for _, l in ipairs(block_lines(a)) do lines[#lines + 1] = l end
  local els
  if rnd(2) == 1 then
    els = gen_block(ctx, d - 1, rnd(1, 2))
    lines[#lines + 1] = "} else {"
    for _, l in ipairs(block_lines(els)) do lines[#lines + 1] = l end
  end
  lines[#lines + 1] = "}"
  return {lines = lines, ex = function(env)
    if c.ev(env) then return run_block(a, env) elseif els then return run_block(els, env) end
  end}
end

local function stmt_loop_ctl(ctx)
  local c = gen_bool(ctx, 1)
  local kind = rnd(2) == 1 and "break" or "continue"
  return {lines = {"if " .. c.code .. " { " .. kind .. " }"},
          ex = function(env) if c.ev(env) then return kind end end}
end

local function loop_body(ctx, d)
  ctx.loop = ctx.loop + 1
  local body = gen_block(ctx, d - 1, rnd(1, 3))
  if rnd(3) == 1 then table.insert(body, rnd(#body + 1), stmt_loop_ctl(ctx)) end
  ctx.loop = ctx.loop - 1
  return body
end

local function stmt_loop(ctx, d)
  local r = rnd(4)
  local mark = #ctx.vars
  local st
  if r == 1 then -- while with a counter
    local w = new_name("w")
    local n = rnd(0, 5)
    declare(ctx, w, "int", {frozen = true})
    local body = loop_body(ctx, d)
    local lines = {"var " .. w .. " = 0", "while " .. w .. " < " .. n .. " {", "    " .. w .. " += 1"}
    for _, l in ipairs(block_lines(body)) do lines[#lines + 1] = l end
    lines[#lines + 1] = "}"
    st = {lines = lines, ex = function(env)
      local c = {v = 0}
      rawset(env, w, c)
      while c.v < n do
        c.v = c.v + 1
        local sig = run_block(body, env)
        if sig == "break" then break end
        if type(sig) == "table" then return sig end
      end
    end}
  elseif r == 2 then -- for i in a..b
    local i = new_name("i")
    local lo = rnd(-2, 2)
    local span = rnd(0, 5)
    declare(ctx, i, "int", {frozen = true, loopvar = true})
    local body = loop_body(ctx, d)
    local lines = {"for " .. i .. " in " .. lo .. ".." .. (lo + span) .. " {"}
    for _, l in ipairs(block_lines(body)) do lines[#lines + 1] = l end
    lines[#lines + 1] = "}"
    st = {lines = lines, ex = function(env)
      for k = lo, lo + span - 1 do
        rawset(env, i, {v = k})
        local sig = run_block(body, env)
        if sig == "break" then break end
        if type(sig) == "table" then return sig end
      end
    end}
  elseif r == 3 then -- for x in array
    local arrs = vars_of(ctx, "[int]", function(v) return not v.frozen end)
    if #arrs == 0 then return stmt_var(ctx) end
    local a = pick(arrs)
    local x = new_name("e")
    a.frozen = true
    declare(ctx, x, "int", {frozen = true, loopvar = true})
    local body = loop_body(ctx, d)
    a.frozen = nil
    local lines = {"for " .. x .. " in " .. a.name .. " {"}
    for _, l in ipairs(block_lines(body)) do lines[#lines + 1] = l end
    lines[#lines + 1] = "}"
    st = {lines = lines, ex = function(env)
      local el = env[a.name].v.elems
      for k = 1, #el do
        rawset(env, x, {v = el[k]})
        local sig = run_block(body, env)
        if sig == "break" then break end
        if type(sig) == "table" then return sig end
      end
    end}
  else -- for k, v in map
    local maps = vars_of(ctx, "map[string]int", function(v) return not v.frozen end)
    if #maps == 0 then return stmt_var(ctx) end
    local m = pick(maps)
    local k, v = new_name("k"), new_name("v")
    m.frozen = true
    declare(ctx, k, "string", {frozen = true, loopvar = true})
    declare(ctx, v, "int", {frozen = true, loopvar = true})
    local body = loop_body(ctx, d)
    m.frozen = nil
    local lines = {"for " .. k .. ", " .. v .. " in " .. m.name .. " {"}
    for _, l in ipairs(block_lines(body)) do lines[#lines + 1] = l end
    lines[#lines + 1] = "}"
    st = {lines = lines, ex = function(env)
      local mv = env[m.name].v
      local ks = table.move(mv.keys, 1, #mv.keys, 1, {})
      for _, kk in ipairs(ks) do
        rawset(env, k, {v = kk})
        rawset(env, v, {v = mv.vals[kk]})
        local sig = run_block(body, env)
        if sig == "break" then break end
        if type(sig) == "table" then return sig end
      end
    end}
  end
  for j = #ctx.vars, mark + 1, -1 do ctx.vars[j] = nil end
  return st
end

gen_block = function(ctx, d, n)
  local mark = #ctx.vars
  local stmts = {}
  for _ = 1, n do
    local r = rnd(d <= 0 and 9 or 13)
    local s
    if r <= 2 then s = stmt_print(ctx)
    elseif r <= 4 then s = stmt_var(ctx)
    elseif r == 5 then s = stmt_assign(ctx)
    elseif r <= 7 then s = stmt_collection(ctx)
    elseif r == 8 then s = stmt_call(ctx)
    elseif r == 9 then s = stmt_assign(ctx)
    elseif r <= 11 then s = stmt_loop(ctx, d)
    else s = stmt_if(ctx, d) end
    stmts[#stmts + 1] = s
  end
  for j = #ctx.vars, mark + 1, -1 do ctx.vars[j] = nil end
  return stmts
end

local PRELUDE = [[
struct P {
    x: int
    s: string
    next: P
}

fn clampf(x: float) -> float {
    if x != x { return 0.0 }
    if x > 1e15 { return 1e15 }
    if x < -1e15 { return -1e15 }
    return x
}

fn fib(n: int) -> int {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
]]

local function gen_program()
  G = {nnames = 0, funcs = {}, fvals = {}, out = {}}
  local fibm = {}
  G.fib = function(n)
    if n < 2 then return n end
    if not fibm[n] then fibm[n] = G.fib(n - 1) + G.fib(n - 2) end
    return fibm[n]
  end
  local lines = {PRELUDE}
  local genv = {}
  local gvars = {}
  -- globals: ints (at least one), maybe a string
  for _ = 1, rnd(1, 3) do
    local name = new_name("g")
    local v = rnd(-5, 50)
    gvars[#gvars + 1] = {name = name, type = "int", global = true}
    lines[#lines + 1] = "var " .. name .. ": int = " .. v
    genv[name] = {v = v}
  end
  if rnd(2) == 1 then
    local name = new_name("g")
    gvars[#gvars + 1] = {name = name, type = "string", global = true}
    lines[#lines + 1] = "var " .. name .. " = \"" .. pick(KEYS) .. "\""
    genv[name] = {v = ""}
    local init = lines[#lines]:match('"(.*)"')
    genv[name].v = init
  end
  -- global collections: roots with their own pointer map
  if rnd(2) == 1 then
    local name = new_name("gA")
    local n = rnd(1, 3)
    local el = {}
    for i = 1, n do el[i] = rnd(-9, 99) end
    gvars[#gvars + 1] = {name = name, type = "[int]", global = true}
    local strs = {}
    for i, x in ipairs(el) do strs[i] = tostring(x) end
    lines[#lines + 1] = "var " .. name .. ": [int] = [" .. table.concat(strs, ", ") .. "]"
    genv[name] = {v = {kind = "arr", elems = el}}
  end
  if rnd(2) == 1 then
    local name = new_name("gM")
    gvars[#gvars + 1] = {name = name, type = "map[string]int", global = true}
    lines[#lines + 1] = "var " .. name .. ": map[string]int = {\"a\": 1}"
    local m = {kind = "map", keys = {}, vals = {}}
    map_set(m, "a", 1)
    genv[name] = {v = m}
  end
  lines[#lines + 1] = ""
  -- functions: int parameters, an int result; each may call earlier ones
  for _ = 1, rnd(0, 3) do
    local fname = new_name("f")
    local np = rnd(1, 2)
    local ctx = {vars = {}, loop = 0, fn = {pure = true, mutates = {}}}
    for _, g in ipairs(gvars) do ctx.vars[#ctx.vars + 1] = g end
    local pnames = {}
    for j = 1, np do
      pnames[j] = new_name("p")
      declare(ctx, pnames[j], "int")
    end
    local body = gen_block(ctx, 1, rnd(1, 3))
    local ret = gen_int(ctx, 3)
    local sig = {}
    for j = 1, np do sig[j] = pnames[j] .. ": int" end
    lines[#lines + 1] = "fn " .. fname .. "(" .. table.concat(sig, ", ") .. ") -> int {"
    for _, l in ipairs(block_lines(body)) do lines[#lines + 1] = l end
    lines[#lines + 1] = "    return " .. ret.code
    lines[#lines + 1] = "}"
    lines[#lines + 1] = ""
    local f = {name = fname, nparams = np, pure = ctx.fn.pure, global = true, mutates = ctx.fn.mutates}
    G.funcs[#G.funcs + 1] = f
    G.fvals[fname] = function(...)
      local args = table.pack(...)
      local env = setmetatable({}, {__index = genv})
      for j = 1, np do rawset(env, pnames[j], {v = args[j]}) end
      local sig2 = run_block(body, env)
      assert(sig2 == nil, "a function body returned early")
      return ret.ev(env)
    end
  end
  local ctx = {vars = {}, loop = 0}
  for _, g in ipairs(gvars) do ctx.vars[#ctx.vars + 1] = g end
  local main = gen_block(ctx, 2, rnd(6, 16))
  -- the end: print every variable still in scope of main is not possible
  -- (blocks closed), so print the globals
  local fin = {}
  for _, g in ipairs(gvars) do fin[#fin + 1] = g.name end
  lines[#lines + 1] = "fn main() {"
  for _, l in ipairs(block_lines(main)) do lines[#lines + 1] = l end
  lines[#lines + 1] = "    print(" .. table.concat(fin, ", ") .. ")"
  lines[#lines + 1] = "}"
  local env = setmetatable({}, {__index = genv})
  run_block(main, env)
  local finv = {}
  for i, g in ipairs(gvars) do finv[i] = format(genv[g.name].v, true) end
  out(table.concat(finv, " "))
  return table.concat(lines, "\n") .. "\n", table.concat(G.out, "\n") .. "\n"
end

-- ---- running -----------------------------------------------------------
local function diff(want, got)
  local wl, gl = {}, {}
  for l in want:gmatch("([^\n]*)\n") do wl[#wl + 1] = l end
  for l in got:gmatch("([^\n]*)\n") do gl[#gl + 1] = l end
  local r = {}
  for i = 1, math.max(#wl, #gl) do
    if wl[i] ~= gl[i] then
      r[#r + 1] = string.format("  line %d: want %s", i, wl[i] and ("'" .. wl[i] .. "'") or "(none)")
      r[#r + 1] = string.format("  line %d: got  %s", i, gl[i] and ("'" .. gl[i] .. "'") or "(none)")
      if #r >= 10 then break end
    end
  end
  return table.concat(r, "\n")
end

local MODES = {{label = "normal", debug = ""}, {label = "gcstress", debug = "gcstress=1,gccheckmark=1"},
               {label = "concstress", debug = "gcconcurrentstress=2,gccheckmark=1"}}
local failures, lines_out = 0, 0
local BATCH = 25
for i = 0, COUNT - 1 do
  if i % BATCH == 0 then
    print(string.format("  programs %d..%d (seeds %d..%d)", i, math.min(i + BATCH, COUNT) - 1,
                        seed + i, seed + math.min(i + BATCH, COUNT) - 1))
    io.stdout:flush()
  end
  math.randomseed(seed + i)
  local okg, src, want = pcall(gen_program)
  if not T:ok(okg, function() return "generator failed for seed " .. (seed + i) .. ": " .. tostring(src) end) then
    goto continue
  end
  if os.getenv("TOY_DIFF_SHOW") then io.write(src, "--- expected output\n", want) end
  lines_out = lines_out + select(2, want:gsub("\n", ""))
  for _, m in ipairs(MODES) do
    local status, got, err = toy.run(src, {name = "diff" .. (seed + i) .. ".toy", debug = m.debug,
                                           step_limit = 10000000})
    local good = status == 0 and got == want
    T:ok(good, function()
      failures = failures + 1
      -- the program as a tests/lua/regress/ case, ready to save
      local case = {src, "// seed: " .. (seed + i)}
      for l in want:gmatch("([^\n]*)\n") do case[#case + 1] = "// out: " .. l end
      case[#case + 1] = "// status: 0"
      return string.format("seed %d (%s): status %d\n--- program, as a regress case\n%s\n--- stderr\n%s--- diff\n%s",
                           seed + i, m.label, status, table.concat(case, "\n"), err, diff(want, got))
    end)
    if not good then break end
  end
  ::continue::
end
print(string.format("differential: %d programs x %d modes, %d expected output lines, %d failures",
                    COUNT, #MODES, lines_out, failures))
T:done()
