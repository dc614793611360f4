-- regress.lua: the programs kept in tests/lua/regress/, each run normally
-- and under gcstress=1,gccheckmark=1. A program states what it must do in
-- trailing comments: `// out: LINE` (stdout, in order), `// status: N`
-- (default 0), `// err: TEXT` (a substring stderr must contain), and
-- `// seed: N` when it came from differential.lua. A case a bug owner has
-- not fixed yet carries `// xfail: who and why`: it still runs, counts as
-- passed while it fails as described, and is printed as KNOWN FAILURE on
-- every run so it is never silently skipped; once it passes, the script
-- fails until the xfail line is removed.
--
-- Usage: toylua tests/lua/regress.lua [FILE...]
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"

local T = check.new("regress")

local files = {}
if arg and arg[1] then
  for i = 1, #arg do files[#files + 1] = arg[i] end
else
  local p = io.popen("ls " .. dir .. "/regress/*.toy 2>/dev/null")
  for f in p:lines() do files[#files + 1] = f end
  p:close()
end

local xfails = 0
for _, path in ipairs(files) do
  local f = assert(io.open(path, "rb"))
  local src = f:read("a")
  f:close()
  local want, status, errs, xfail = {}, 0, {}, nil
  for line in src:gmatch("[^\n]*") do
    local o = line:match("^// out: ?(.*)$")
    if o then want[#want + 1] = o .. "\n" end
    status = tonumber(line:match("^// status: (%d+)")) or status
    local e = line:match("^// err: (.*)$")
    if e then errs[#errs + 1] = e end
    xfail = line:match("^// xfail: (.*)$") or xfail
  end
  want = table.concat(want)
  local name = path:match("[^/]*$")
  for _, debug in ipairs({"", "gcstress=1,gccheckmark=1"}) do
    local st, out, err = toy.run(src, {name = name, debug = debug, step_limit = 100000000})
    local good = st == status and out == want
    for _, e in ipairs(errs) do good = good and err:find(e, 1, true) ~= nil end
    local what = string.format("%s%s: status %d (want %d)\n--- stdout\n%s--- want\n%s--- stderr\n%s",
                               name, debug ~= "" and (" [" .. debug .. "]") or "", st, status, out, want, err)
    if xfail then
      if not good then
        xfails = xfails + 1
        print("KNOWN FAILURE (xfail: " .. xfail .. "): " .. name .. (debug ~= "" and (" [" .. debug .. "]") or ""))
      end
      T:ok(not good, "xfail case passes now, remove its xfail line: " .. what)
    else
      T:ok(good, what)
    end
  end
end
print(string.format("regress: %d programs, %d known failures", #files, xfails))
T:done()
