-- gen_limits.lua: writes the fixed-width-field cases of suite toy-limits
-- into a directory (under $(BUILD): the programs are large, so they are
-- generated, not committed).
--
--   lua5.4 tests/toy/limits/gen_limits.lua OUTDIR [CASE]
--
-- Every count the bytecode or the program holds in a fixed-width field has
-- two programs: at_NAME.toy exactly at the limit (compiles and runs,
-- printing a value that shows nothing aliased) and past_NAME.toy one past
-- it (one diagnostic naming the limit, at the declaration or function that
-- passes it). The fields:
--   captures     GETUPVAL's B, an upvalue descriptor's index: 8 bits (256)
--   structs      NEWSTRUCT's Bx: 16 bits (65536 struct types, GCStats
--                among them)
--   functions    CLOSURE's and CALL's Bx: 16 bits (65536 functions)
--   globals      GETGLOBAL's Bx: 16 bits (65536 globals)
--   constants    LOADK's Bx: 16 bits (65536 constants per function)
--   registers    A, B, C: 8 bits (256 registers per frame, which also
--                bounds a stack map and a call's arguments)
--   parameters   the same registers: 255 parameters and one temporary
--   fields       GETFIELD's C: 8 bits (255 fields per struct)
--   loop_body    FORLOOP's Bx: 16 bits (a body of 65535 instructions)
--   builtin_args CALLB's C: 8 bits (255 arguments)
--   loadi        LOADI's sBx: 16 bits signed (larger constants go to LOADK)
--
-- With --seeds, the fuzzers' seeds instead (make fuzz-run-seeds): the
-- cases whose limit is small (captures, registers, fields, arguments) at
-- the limit and one past it, the others at a few hundred (a seed of
-- 65536 declarations would slow every mutation), all named seed_*.toy.
local outdir = assert(arg[1], "usage: gen_limits.lua OUTDIR [CASE | --seeds]")
local only = arg[2]
local seeds = only == "--seeds"
if seeds then only = nil end
local SEED_SIZE = 300

local function write(name, lines)
  local f = assert(io.open(outdir .. "/" .. name, "wb"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
end

local function err(line, col, msg)
  return string.format("// expect error: %d:%d: %s", line, col, msg)
end

local cases = {}

-- A closure capturing n variables: half are main's locals, half its parent
-- closure's (256 locals would not fit one frame). The sum proves no
-- capture aliases another.
function cases.captures(n)
  local a = n // 2
  local t = { "fn main() {" }
  for i = 0, a - 1 do t[#t + 1] = ("    var v%d = %d"):format(i, i) end
  t[#t + 1] = "    var g = fn() -> int {"
  for i = a, n - 1 do t[#t + 1] = ("        var v%d = %d"):format(i, i) end
  local fline = #t + 1
  t[#t + 1] = "        var f = fn() -> int {"
  t[#t + 1] = "            var s = 0"
  for i = 0, n - 1 do t[#t + 1] = ("            s = s + v%d"):format(i) end
  t[#t + 1] = "            return s"
  t[#t + 1] = "        }"
  t[#t + 1] = "        return f()"
  t[#t + 1] = "    }"
  t[#t + 1] = "    print(g())"
  t[#t + 1] = "}"
  return t, n * (n - 1) // 2, fline, 17
end

-- n user struct types beside the built-in GCStats; the last one is used,
-- with a field written and read back.
function cases.structs(n)
  local t = { "fn main() {", ("    var s = S%d{x: 7}"):format(n), "    print(s.x)", "}" }
  for i = 1, n do t[#t + 1] = ("struct S%d { x: int }"):format(i) end
  return t, 7, #t, 8
end

-- main and n - 1 more functions; the last is called.
function cases.functions(n)
  local t = { "fn main() {", ("    print(f%d())"):format(n - 1), "}" }
  for i = 1, n - 1 do t[#t + 1] = ("fn f%d() -> int { return %d }"):format(i, i) end
  return t, n - 1, #t, 4
end

function cases.globals(n)
  local t = {}
  for i = 1, n do t[#t + 1] = ("var g%d = %d"):format(i, i) end
  t[#t + 1] = "fn main() {"
  t[#t + 1] = ("    print(g1 + g%d)"):format(n)
  t[#t + 1] = "}"
  return t, 1 + n, n, 5
end

-- n distinct int constants (too large for LOADI) in one function.
function cases.constants(n)
  local t = { "fn main() {", "    var x = 0" }
  for i = 1, n do t[#t + 1] = ("    x = %d"):format(1000000 + i) end
  t[#t + 1] = "    print(x)"
  t[#t + 1] = "}"
  return t, 1000000 + n, 1, 4
end

-- n - 1 locals and print's one argument register.
function cases.registers(n)
  local t = { "fn main() {" }
  for i = 1, n - 1 do t[#t + 1] = ("    var v%d = %d"):format(i, i) end
  t[#t + 1] = ("    print(v1 + v%d)"):format(n - 1)
  t[#t + 1] = "}"
  return t, n, 1, 4
end

function cases.fields(n)
  local f = {}
  for i = 1, n do f[i] = ("f%d: int"):format(i) end
  local t = {
    "struct Big { " .. table.concat(f, ", ") .. " }",
    "fn main() {",
    ("    var b = Big{f1: 1, f%d: 2}"):format(n),
    ("    print(b.f1 + b.f%d)"):format(n),
    "}",
  }
  return t, 3, 1, 8
end

-- A for body of n - 1 one-instruction statements (and the element load).
function cases.loop_body(n)
  local t = { "fn main() {", "    var x = 0", "    for i in 0..2 {" }
  for _ = 1, n - 1 do t[#t + 1] = "        x = x + 1" end
  t[#t + 1] = "    }"
  t[#t + 1] = "    print(x)"
  t[#t + 1] = "}"
  return t, 2 * (n - 1), 1, 4
end

-- A function of n parameters (and the one temporary of p1 + pn), called.
function cases.parameters(n)
  local ps, as = {}, {}
  for i = 1, n do ps[i] = ("p%d: int"):format(i); as[i] = tostring(i) end
  local t = {
    ("fn f(%s) -> int { return p1 + p%d }"):format(table.concat(ps, ", "), n),
    "fn main() {",
    ("    print(f(%s))"):format(table.concat(as, ", ")),
    "}",
  }
  return t, 1 + n, 1, 4
end

-- print with n arguments.
function cases.builtin_args(n)
  local a = {}
  for i = 1, n do a[i] = "1" end
  local t = { "fn main() {", "    print(" .. table.concat(a, ", ") .. ")", "}" }
  return t, table.concat(a, " "), 2, 10
end

-- limit, message of the past-limit program, the at-limit size's offset.
local limits = {
  { "captures", 256, "a closure may capture at most 256 variables (this one captures 257)" },
  { "structs", 65535, "more than 65536 struct types" },
  { "functions", 65536, "more than 65536 functions" },
  { "globals", 65536, "more than 65536 globals" },
  { "constants", 65536, "function main is too large: more than 65536 constants" },
  { "registers", 256, "function main is too large: more than 256 registers" },
  { "parameters", 255, "function f is too large: more than 256 registers" },
  { "fields", 255, "struct Big has more than 255 fields" },
  { "loop_body", 65535, "function main is too large: a loop body of more than 65535 instructions" },
  { "builtin_args", 255, "too many arguments to print (at most 255)" },
}

for _, l in ipairs(limits) do
  local name, n, msg = table.unpack(l)
  if seeds then
    local small = n <= 256
    local t = cases[name](small and n or SEED_SIZE)
    write("seed_at_" .. name .. ".toy", t)
    if small then write("seed_past_" .. name .. ".toy", (cases[name](n + 1))) end
  elseif not only or only == name then
    local t, want = cases[name](n)
    t[#t + 1] = "// expect: " .. tostring(want)
    write("at_" .. name .. ".toy", t)
    local t2, _, line, col = cases[name](n + 1)
    t2[#t2 + 1] = err(line, col, msg)
    write("past_" .. name .. ".toy", t2)
  end
end

-- LOADI's sBx at its edges and one past, both ways.
if not seeds and (not only or only == "loadi") then
  write("at_loadi.toy", {
    "fn main() {",
    "    print(32767, 32768, -32768, -32769, 32767 + 1, -32768 - 1)",
    "    var x = 32767",
    "    var y = -32768",
    "    print(x + 1, y - 1)",
    "}",
    "// expect: 32767 32768 -32768 -32769 32768 -32769",
    "// expect: 32768 -32769",
  })
end
