-- run.lua: runs a command on .toy programs and compares what it does with
-- the expectations written in the programs' comments (as clox's and Wren's
-- test runners do). Usage:
--
--   lua5.4 tests/toy/run.lua --name SUITE --cmd "COMMAND [ARGS]" FILE.toy...
--
-- Each FILE is run as `COMMAND [ARGS] FILE`. Expectations, one per comment,
-- anywhere in the file (usually at the end of the line concerned):
--
--   // expect error: LINE:COL: MESSAGE   a compile diagnostic; the command must
--                                        print exactly these (in this order)
--                                        as "FILE:LINE:COL: error: MESSAGE" on
--                                        stderr, each followed by the source
--                                        line and a caret line, print nothing
--                                        on stdout and exit with status 1
--   // expect: TEXT                      one line of stdout, in order
--   // expect exit: N                    the exit status (default 0, or 1
--                                        when errors are expected)
--   // expect stderr: TEXT               one line of stderr, in order (for
--                                        runtime errors; without any, stderr
--                                        must be empty unless errors are
--                                        expected)
--   // expect bytes: HEX                 stdout exactly, as hex byte pairs
--                                        ("00 ff 0a"; spaces ignored; several
--                                        lines concatenate): for output that
--                                        is not lines of text. Replaces the
--                                        `// expect:` lines' comparison.
--
-- Standard input: FILE's base name with .stdin instead of .toy, when that
-- file exists, is the program's standard input (its exact bytes: a last
-- line without a newline, \r\n, binary); otherwise the input is empty
-- (/dev/null), so no program waits on the terminal.
--
-- A file without expectations must run cleanly: status 0, no output (that
-- is what tests/toy/check/ holds). The last line printed is
-- "SUITE: N passed, N failed"; the status is 1 when anything failed.

local name, cmd, files = "toy", nil, {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--name" then name = arg[i + 1]; i = i + 2
  elseif a == "--cmd" then cmd = arg[i + 1]; i = i + 2
  else files[#files + 1] = a; i = i + 1 end
end
if not cmd or #files == 0 then
  io.stderr:write("usage: lua5.4 run.lua --name SUITE --cmd COMMAND FILE.toy...\n")
  os.exit(2)
end

local function shquote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function read_lines(path)
  local t = {}
  local f = io.open(path, "rb")
  if not f then return t end
  local s = f:read("a")
  f:close()
  for line in s:gmatch("([^\n]*)\n") do t[#t + 1] = line end
  -- The text after the last newline, found without an unanchored
  -- "([^\n]+)$", which is quadratic in the length of the last line.
  local last = s:match(".*\n()") or 1
  if last <= #s then t[#t + 1] = s:sub(last) end
  return t
end

local function parse_expectations(path)
  local e = { errors = {}, stdout = {}, stderr = {}, exit = nil, bytes = nil }
  for _, line in ipairs(read_lines(path)) do
    local v = line:match("//%s*expect error:%s*(.-)%s*$")
    local hex = line:match("//%s*expect bytes:%s*(.-)%s*$")
    if hex then
      local b = {}
      for pair in hex:gsub("%s", ""):gmatch("%x%x") do b[#b + 1] = string.char(tonumber(pair, 16)) end
      e.bytes = (e.bytes or "") .. table.concat(b)
    elseif v then
      e.errors[#e.errors + 1] = v
    else
      v = line:match("//%s*expect exit:%s*(%-?%d+)%s*$")
      if v then e.exit = tonumber(v)
      else
        v = line:match("//%s*expect stderr: ?(.-)$")
        if v then e.stderr[#e.stderr + 1] = v
        else
          v = line:match("//%s*expect: ?(.-)$")
          if v then e.stdout[#e.stdout + 1] = v end
        end
      end
    end
  end
  return e
end

local tmp = os.tmpname()
local out_path, err_path = tmp .. ".out", tmp .. ".err"

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

local function run(file)
  local input = file:gsub("%.toy$", "") .. ".stdin"
  if not exists(input) then input = "/dev/null" end
  local ok, how, code = os.execute(cmd .. " " .. shquote(file) .. " <" .. shquote(input) ..
                                   " >" .. out_path .. " 2>" .. err_path)
  if how == "signal" then code = 128 + code end
  return code or (ok and 0 or 1), read_lines(out_path), read_lines(err_path)
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x ", c:byte()) end))
end

local function compare(what, want, got, problems)
  local n = math.max(#want, #got)
  for k = 1, n do
    if want[k] ~= got[k] then
      problems[#problems + 1] = string.format("%s line %d:\n      want: %s\n      got:  %s",
        what, k, want[k] or "(nothing)", got[k] or "(nothing)")
      return
    end
  end
end

local passed, failed = 0, 0
for _, file in ipairs(files) do
  local e = parse_expectations(file)
  local status, out, err = run(file)
  local problems = {}
  if #e.errors > 0 then
    local want = {}
    for k, v in ipairs(e.errors) do
      local l, c, msg = v:match("^(%d+):(%d+):%s*(.*)$")
      if not l then
        problems[#problems + 1] = "bad expectation: " .. v
      else
        want[k] = string.format("%s:%s:%s: error: %s", file, l, c, msg)
      end
    end
    -- Diagnostics are groups: the message, the source line, the caret.
    local got, k = {}, 1
    while k <= #err do
      if err[k]:find(": error: ", 1, true) then
        got[#got + 1] = err[k]
        local caret = err[k + 2]
        if not caret or not caret:match("^[ \t]*%^$") then
          problems[#problems + 1] = "no source line and caret after: " .. err[k]
        end
        k = k + 3
      else
        problems[#problems + 1] = "unexpected stderr line: " .. err[k]
        k = k + 1
      end
    end
    compare("diagnostic", want, got, problems)
    if #out > 0 then problems[#problems + 1] = "unexpected stdout: " .. out[1] end
    local want_status = e.exit or 1
    if status ~= want_status then
      problems[#problems + 1] = string.format("exit status %d, want %d", status, want_status)
    end
  else
    if e.bytes then
      local got = read_all(out_path)
      if got ~= e.bytes then
        problems[#problems + 1] = string.format("stdout bytes:\n      want: %s\n      got:  %s",
          hex(e.bytes), hex(got))
      end
    else
      compare("stdout", e.stdout, out, problems)
    end
    compare("stderr", e.stderr, err, problems)
    local want_status = e.exit or 0
    if status ~= want_status then
      problems[#problems + 1] = string.format("exit status %d, want %d", status, want_status)
    end
  end
  if #problems == 0 then
    passed = passed + 1
  else
    failed = failed + 1
    print("FAIL " .. file)
    for _, p in ipairs(problems) do print("    " .. p) end
  end
end
os.remove(tmp); os.remove(out_path); os.remove(err_path)
print(string.format("%s: %d passed, %d failed", name, passed, failed))
os.exit(failed == 0 and 0 or 1)
