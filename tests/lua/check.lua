-- check.lua: assertions and pass/fail counts shared by the Lua scripts of
-- suite `lua`. Each script makes one checker, records every assertion in
-- it, and ends with check:done(), which prints "NAME: N passed, N failed"
-- (the line tests/lua/run.sh adds up) and exits non-zero on a failure.
-- A failing assertion prints its message and where it was made, and the
-- script goes on, so one run shows every failure.
local M = {}
M.__index = M

function M.new(name)
  return setmetatable({name = name, passed = 0, failed = 0}, M)
end

local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. info.currentline) or "?"
end

-- ok(cond, msg): one assertion; msg may be a string or a function
-- returning one (so that costly messages are only built on failure).
function M:ok(cond, msg, level)
  if cond then
    self.passed = self.passed + 1
  else
    self.failed = self.failed + 1
    if type(msg) == "function" then msg = msg() end
    print(string.format("FAIL %s: %s", where((level or 1) + 1), tostring(msg)))
  end
  return cond
end

function M:eq(got, want, msg)
  local r = self:ok(got == want, function()
    return string.format("%s: got %s, want %s", msg or "eq", tostring(got), tostring(want))
  end, 2)
  return r -- not a tail call: ok() reports the caller's line
end

-- raises(pattern, f, ...): f(...) must raise an error whose message
-- matches pattern (a plain substring when plain is set in the name
-- table form below). Returns the message.
function M:raises(pattern, f, ...)
  local okc, err = pcall(f, ...)
  err = tostring(err)
  if okc then
    self:ok(false, "expected an error matching '" .. pattern .. "', got none", 2)
  else
    self:ok(err:find(pattern) ~= nil, function()
      return "error '" .. err .. "' does not match '" .. pattern .. "'"
    end, 2)
  end
  return err
end

-- noerror(f, ...): f(...) must not raise; returns its results.
function M:noerror(f, ...)
  local r = table.pack(pcall(f, ...))
  self:ok(r[1], function() return "unexpected error: " .. tostring(r[2]) end, 2)
  return table.unpack(r, 2, r.n)
end

function M:done()
  print(string.format("%s: %d passed, %d failed", self.name, self.passed, self.failed))
  -- close the state on the way out, so heaps are freed (no leak reports)
  if self.failed > 0 then os.exit(false, true) end
end

return M
