-- gen_nesting.lua: writes the nesting cases of suite toy-limits into a
-- directory (under $(BUILD): 100 KB programs are generated, not committed).
--
--   lua5.4 tests/toy/limits/gen_nesting.lua OUTDIR
--
-- For each construct two programs, as Lua's testes/errors.lua `testrep`:
--   deep_NAME.toy  nested 100,000 times: one diagnostic, "too deeply nested
--                  (more than 1000 levels)", at the token where the parser's
--                  depth passes 1000 (exit 1, no crash, no C-stack overflow);
--   ok_NAME.toy    nested 100 times: compiles and runs, printing its value.
-- The expected column is where the construct's k-th repetition starts
-- (k counted from 0) plus an offset inside it, so it follows from the
-- unit's length. k is where the parser's depth counter passes 1000: each
-- "(" or "[" or "{" is one level, with the expression or body around them
-- one more; a prefix operator is one level and its operand another; a
-- call is two (the call and its argument list); an `if` counts at its
-- condition; a left-nested chain counts each operator.
local outdir = assert(arg[1], "usage: gen_nesting.lua OUTDIR")

local DEEP, OK = 100000, 100

-- name, text before the units (on the line of the error), unit, core,
-- closing unit, text after, expected output of the 100-level program,
-- the 0-based repetition k and the offset inside it where the error is.
local cases = {
  { "parens", "    var x = ", "(", "1", ")", "\n    print(x)\n", "1", 999, 0 },
  { "unary_minus", "    var x = ", "-", "1", "", "\n    print(x)\n", "1", 998, 0 },
  { "not", "    var x = ", "!", "true", "", "\n    print(x)\n", "true", 998, 0 },
  { "arrays", "    var x = ", "[", "1", "]", "\n    print(len(x))\n", "1", 999, 0 },
  { "calls", "    var x = ", "f(", "1", ")", "\n    print(x)\n", "1", 499, 1 },
  { "blocks", "", "{", "print(1)", "}", "\n", "1", 1000, 0 },
  { "ifs", "", "if true {", "print(1)", "}", "\n", "1", 999, 3 },
}
-- Left-nested chains: the unit follows the core.
local chains = {
  { "plus_chain", "    var x = ", "1", " + 1", "\n    print(x)\n", "101", 997, 3 },
  -- A chain of 100,000 string literals on one line is left out: the lexer
  -- reserves (and zeroes) the rest of the line for every string literal,
  -- so it takes 11 s and 600 MB before the diagnostic (reported; see
  -- tests/RELIABILITY.md).
}

local function write(name, text)
  local f = assert(io.open(outdir .. "/" .. name, "wb"))
  f:write(text)
  f:close()
end

local function head(name)
  if name == "calls" then return "fn f(x: int) -> int { return x }\nfn main() {\n", 3 end
  return "fn main() {\n", 2
end

for _, c in ipairs(cases) do
  local name, pre, unit, core, close, post, want, k, off = table.unpack(c)
  local h, line = head(name)
  -- The 100-level program's value: nested arrays are printed by length,
  -- double negation and double "not" give back the core.
  local body_ok = pre .. unit:rep(OK) .. core .. close:rep(OK) .. post .. "}\n"
  write("ok_" .. name .. ".toy", h .. body_ok .. "// expect: " .. want .. "\n")
  local col = #pre + #unit * k + off + 1
  local body = pre .. unit:rep(DEEP) .. core .. close:rep(DEEP) .. post .. "}\n"
  write("deep_" .. name .. ".toy", h .. body ..
    string.format("// expect error: %d:%d: too deeply nested (more than 1000 levels)\n", line, col))
end

for _, c in ipairs(chains) do
  local name, pre, first, unit, post, want, k, off = table.unpack(c)
  write("ok_" .. name .. ".toy", "fn main() {\n" .. pre .. first .. unit:rep(OK) ..
    post .. "}\n// expect: " .. want .. "\n")
  local col = #pre + #first + #unit * k + off + 1
  write("deep_" .. name .. ".toy", "fn main() {\n" .. pre .. first .. unit:rep(DEEP) .. post ..
    string.format("}\n// expect error: 2:%d: too deeply nested (more than 1000 levels)\n", col))
end
