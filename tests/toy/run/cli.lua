-- cli.lua: the toy command's front door: exit statuses of run, check and
-- disasm, --help and --version, and that disasm shows a stack map at each
-- safepoint. Usage: lua5.4 tests/toy/run/cli.lua TOY
local toy = arg[1] or "build/toy"
local passed, failed = 0, 0

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = p:read("a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, out:gsub("rc=%d+%s*$", "")
end

local function check(name, ok, detail)
  if ok then passed = passed + 1
  else
    failed = failed + 1
    print("FAIL " .. name .. (detail and (": " .. detail) or ""))
  end
end

local tmp = os.tmpname()
local function write(src)
  local f = assert(io.open(tmp .. ".toy", "w"))
  f:write(src)
  f:close()
  return tmp .. ".toy"
end

local rc, out = sh(toy .. " --help")
check("--help", rc == 0 and out:find("toy run FILE", 1, true), out)
rc, out = sh(toy .. " --version")
check("--version", rc == 0 and out:match("^toy %S+"), out)
rc, out = sh(toy)
check("no arguments", rc == 64, out)
rc, out = sh(toy .. " frobnicate x.toy")
check("unknown command", rc == 64, out)

local good = write("struct N { l: N }\nfn main() {\n    var n = N{l: N{}}\n    print(n.l.l == nil)\n}\n")
rc, out = sh(toy .. " run " .. good)
check("run", rc == 0 and out == "true\n", out)
rc, out = sh(toy .. " check " .. good)
check("check", rc == 0 and out == "", out)
rc, out = sh(toy .. " disasm " .. good)
check("disasm lists main", rc == 0 and out:find("fn main:", 1, true), out)
check("disasm shows stack maps", out:find("NEWSTRUCT[^\n]*; live {[%d, ]*}") ~= nil, out)

-- TOYMAXPROCS: a number of threads from 1 to 256, else a usage error
-- naming the variable; a threaded program runs the same with 1 or 2.
local threaded = write("fn f(c: chan[int]) { send(c, 42) }\nfn main() {\n    var c = make(chan[int])\n    go f(c)\n    print(recv(c))\n}\n")
for _, n in ipairs({"1", "2", "256"}) do
  rc, out = sh("TOYMAXPROCS=" .. n .. " " .. toy .. " run " .. threaded)
  check("TOYMAXPROCS=" .. n, rc == 0 and out == "42\n", out)
end
for _, bad in ipairs({"0", "257", "x", "-1", "1000"}) do
  rc, out = sh("TOYMAXPROCS=" .. bad .. " " .. toy .. " run " .. threaded)
  check("TOYMAXPROCS=" .. bad .. " is refused", rc ~= 0 and out:find("TOYMAXPROCS", 1, true) ~= nil, out)
end

-- The fused instructions the compiler picks (vm/README.md's lowering
-- recipes) show in disasm, each in the test program written for it.
local fused = {
  ["sqrt.toy"] = {"SQRTF"},
  ["return_imm.toy"] = {"RETURNI"},
  ["nil_field_test.toy"] = {"IFNILFLD"},
  ["field_operand.toy"] = {"ADDIFLD", "SUBIFLD", "ADDFFLD", "SUBFFLD", "MULFFLD", "DIVFFLD"},
  ["field_update.toy"] = {"FLDADDI", "FLDSUBI", "FLDADDF", "FLDSUBF", "FLDMULF", "FLDDIVF"},
  ["struct_values.toy"] = {"NEWSTRUCTV"},
  ["madd.toy"] = {"MADDF", "MSUBF"},
}
for file, ops in pairs(fused) do
  rc, out = sh(toy .. " disasm tests/toy/run/fused/" .. file)
  for _, op in ipairs(ops) do
    check("disasm of " .. file .. " shows " .. op, rc == 0 and out:find("%] " .. op .. " ") ~= nil, out)
  end
end
rc, out = sh(toy .. " disasm tests/toy/run/fused/struct_values.toy")
check("NEWSTRUCTV's map names its values", out:find("NEWSTRUCTV[^\n]*; live {[%d, ]*}") ~= nil, out)

local bad = write("fn main() {\n    var x: int = \"s\"\n}\n")
rc, out = sh(toy .. " run " .. bad)
check("compile error status", rc == 1 and out:find(":2:18: error:", 1, true), out)
rc = sh(toy .. " check " .. bad)
check("check error status", rc == 1)
rc = sh(toy .. " disasm " .. bad)
check("disasm error status", rc == 1)

local boom = write("fn main() {\n    var a: [int]\n    a[0] = 1\n}\n")
rc, out = sh(toy .. " run " .. boom)
check("runtime error status", rc == 2 and out:find("error: nil dereference", 1, true), out)
rc, out = sh(toy .. " run /nonexistent/x.toy")
check("unreadable file", rc == 1, out)

os.remove(tmp)
os.remove(tmp .. ".toy")
print(string.format("toy-cli: %d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
