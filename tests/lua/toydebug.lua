-- toydebug.lua: TOYDEBUG reaches toy.run and toy.heap as it reaches `toy
-- run`: the VM's keys (movestack, allocprof, allocprofrate) are accepted
-- from the environment and from toy.run's `debug` option, an unknown key
-- is refused with the whole list of known ones, and toy.run's strings
-- (arguments, name) cannot hide a NUL byte. The environment is set for a
-- child process running this same host, so each case is one command.
--
--   build/toylua tests/lua/toydebug.lua
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"
local T = check.new("toydebug")

-- The interpreter running this script, to run the children with.
local host = arg[-1]
for i = -2, -10, -1 do
  if arg[i] == nil then break end
  host = arg[i]
end

local tmp = os.tmpname()
local function child(env, code)
  local f = assert(io.open(tmp .. ".lua", "w"))
  f:write('package.path = ' .. string.format("%q", package.path) .. '\n',
          'local toy = require "toy"\n', code, '\n')
  f:close()
  local p = io.popen(env .. " " .. host .. " " .. tmp .. ".lua 2>&1; echo \"rc=$?\"")
  local out = p:read("a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, (out:gsub("rc=%d+%s*$", ""))
end

local run_hi = [[
local status, out, err = toy.run('fn main() {\n    var a = [1, 2]\n    print(a[1])\n}\n')
io.write(status, "|", out, "|", err)
]]

-- The VM's keys in the environment.
for _, env in ipairs({ "TOYDEBUG=movestack=1", "TOYDEBUG=movestack=1,gcstress=1",
                       "TOYDEBUG=allocprofrate=512" }) do
  local rc, out = child(env, run_hi)
  T:eq(rc, 0, env .. ": toy.run: " .. out)
  T:eq(out, "0|2\n|", env .. ": toy.run runs")
  rc, out = child(env, 'local h = toy.heap() h:collect() io.write("ok")')
  T:eq(out, "ok", env .. ": toy.heap takes it (and ignores the VM's keys)")
end

-- allocprof=FILE: the profile is written to FILE after the run, and a file
-- that cannot be opened is refused before the program runs.
do
  os.remove(tmp .. ".prof")
  local rc, out = child("TOYDEBUG=allocprof=" .. tmp .. ".prof", run_hi)
  T:eq(out, "0|2\n|", "allocprof: the program runs: " .. out)
  local f = io.open(tmp .. ".prof")
  local prof = f and f:read("a") or ""
  if f then f:close() end
  T:ok(#prof > 0, "allocprof: the profile is written")
  os.remove(tmp .. ".prof")
  rc, out = child("TOYDEBUG=allocprof=/nonexistent/dir/prof", run_hi)
  T:ok(rc ~= 0 and out:find("allocprof: /nonexistent/dir/prof: No such file or directory", 1, true),
       "allocprof into a missing directory is an error: " .. out)
  T:ok(not out:find("0|2", 1, true), "and the program does not run")
end

-- The same keys in toy.run's own debug option.
do
  local status, out = toy.run('fn main() { print(1) }', {debug = "movestack=1,gcstress=1", env = false})
  T:eq(status, 0, "debug = movestack=1")
  T:eq(out, "1\n", "debug = movestack=1: output")
  local status2, _, err = toy.run('fn main() { print(1) }', {debug = "allocprof=-", env = false})
  T:eq(status2, 0, "debug = allocprof=- runs")
  T:ok(err:find("## by site", 1, true) ~= nil, "allocprof=- writes the profile to the captured stderr: " .. err)
end

-- An unknown key names every known one, the VM's too.
do
  local ok, err = pcall(toy.run, 'fn main() {}', {debug = "nosuch=1", env = false})
  T:ok(not ok, "an unknown debug key is an error")
  for _, k in ipairs({ "gctrace", "gcstress", "heapmap", "movestack", "allocprof", "allocprofrate" }) do
    T:ok(tostring(err):find(k, 1, true) ~= nil, "the known list names " .. k .. ": " .. tostring(err))
  end
  local rc, out = child("TOYDEBUG=nosuch=1", run_hi)
  T:ok(out:find("unknown setting 'nosuch'", 1, true) and out:find("movestack, allocprof, allocprofrate)", 1, true),
       "from the environment too: " .. out)
end

-- Arguments and names are C strings, as on a command line: a NUL in one
-- is an error, not a string cut short.
T:raises("argument 2 holds a NUL byte", toy.run, 'fn main() {}', {args = {"a", "b\0c"}, env = false})
T:raises("option 'name' holds a NUL byte", toy.run, 'fn main() {}', {name = "x\0.toy", env = false})
do
  local status, out = toy.run('fn main() {\n    print(len(args()[0]))\n}\n', {args = {"abc"}, env = false})
  T:eq(out, "3\n", "an argument without NUL arrives whole (" .. tostring(status) .. ")")
end

os.remove(tmp)
os.remove(tmp .. ".lua")
T:done()
