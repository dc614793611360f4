-- doccheck.lua: every command output and program output quoted in a README
-- is run and compared, so the documents cannot go stale.
--
--   lua5.4 tests/doc/doccheck.lua TOY FILE.md...
--
-- A checked block is a fenced block preceded by an HTML comment (invisible
-- when the Markdown is rendered):
--
--   <!-- doc-test -->            the block is a shell transcript: each line
--                                "$ COMMAND" is run from the repository's
--                                root with sh, and the lines up to the next
--                                "$ " line are its expected output (stdout
--                                and stderr together)
--   <!-- doc-test: program NAME.toy -->
--                                the block is a toy program, written to a
--                                scratch directory as NAME.toy
--   <!-- doc-test: input -->     (optional, after a program) its standard input
--   <!-- doc-test: output -->    the program's expected output, from
--   <!-- doc-test: output status N -->
--                                `toy run NAME.toy` in that directory; with
--                                "status N" the exit status must be N (else 0);
--                                a first line "$ ..." only shows the command
--
--   <!-- doc-test: lua -->      the block is a Lua script, run by the toylua
--                                beside TOY (build/toylua); it must exit with
--                                status 0 (its asserts are the checks)
--
-- In expected output a line "..." (indentation allowed) stands for any
-- number of lines, so a long listing can be quoted in part. A leading
-- "build/toy" in a command is replaced by TOY (so another build can be
-- checked). "program NAME.toy from FILE" also requires the block to be
-- a verbatim part of FILE (the repository's copy of the program).
local toy, files = arg[1], {table.unpack(arg, 2)}
if not toy or #files == 0 then
  io.stderr:write("usage: doccheck.lua TOY FILE.md...\n")
  os.exit(64)
end

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. sh_quote(tmp)))
local root = io.popen("pwd"):read("l")
local toy_abs = toy:sub(1, 1) == "/" and toy or root .. "/" .. toy

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- Run a shell command; its output (stdout and stderr) and exit status.
local function run(cmd, stdin)
  local input = "/dev/null"
  if stdin then
    input = tmp .. "/stdin"
    write(input, stdin)
  end
  local p = io.popen("(" .. cmd .. ") <" .. sh_quote(input) .. " 2>&1")
  local out = p:read("a")
  local _, _, status = p:close()
  return out, status
end

-- Does got (a list of lines) match want (a list of lines, "..." = any)?
local function match(want, wi, got, gi)
  while wi <= #want do
    if want[wi]:match("^%s*%.%.%.%s*$") then
      for k = gi, #got + 1 do
        if match(want, wi + 1, got, k) then return true end
      end
      return false
    end
    if gi > #got or got[gi] ~= want[wi] then return false end
    wi, gi = wi + 1, gi + 1
  end
  return gi == #got + 1
end

local function lines(s)
  local t = {}
  for l in (s .. (s:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\n") do t[#t + 1] = l end
  if s == "" then t = {} end
  return t
end

-- For the failure diff: want with each "..." replaced by the lines of got
-- it most likely stands for (up to the next quoted line found in got), so
-- the diff shows only the lines that really differ.
local function expand(want, got)
  local out, gi = {}, 1
  for wi, w in ipairs(want) do
    if w:match("^%s*%.%.%.%s*$") then
      local nextw, k = want[wi + 1], gi
      while k <= #got and (nextw == nil or got[k] ~= nextw) do k = k + 1 end
      if nextw ~= nil and k > #got then
        out[#out + 1] = w
      else
        for j = gi, k - 1 do out[#out + 1] = got[j] end
        gi = k
      end
    else
      out[#out + 1] = w
      gi = gi + 1
    end
  end
  return out
end

local pass, fail = 0, 0
local function report(ok, where, what, want, got)
  if ok then
    pass = pass + 1
    print("ok   " .. where .. ": " .. what)
    return
  end
  fail = fail + 1
  print("FAIL " .. where .. ": " .. what)
  write(tmp .. "/want", table.concat(expand(want, got), "\n") .. "\n")
  write(tmp .. "/got", table.concat(got, "\n") .. "\n")
  print("     the quoted text (-, its \"...\" filled in) against what the command prints now (+);")
  print("     update the block if the new output is right:")
  io.write((run("diff -u " .. sh_quote(tmp .. "/want") .. " " .. sh_quote(tmp .. "/got")
               .. " | tail -n +3")))
end

local function check_transcript(where, body)
  local cmds = {}
  for _, l in ipairs(lines(body)) do
    local c = l:match("^%$ (.*)$")
    if c then
      cmds[#cmds + 1] = {cmd = c, want = {}}
    elseif #cmds > 0 then
      table.insert(cmds[#cmds].want, l)
    end
  end
  if #cmds == 0 then
    report(false, where, "a doc-test block without a \"$ command\" line", {}, {})
  end
  for _, c in ipairs(cmds) do
    local cmd = c.cmd:gsub("^build/toy ", toy_abs .. " "):gsub("([ |]) *build/toy ", "%1" .. toy_abs .. " ")
    local out = run("cd " .. sh_quote(root) .. " && " .. cmd)
    report(match(c.want, 1, lines(out), 1), where, "$ " .. c.cmd, c.want, lines(out))
  end
end

local function check_lua(where, src)
  write(tmp .. "/doc.lua", src)
  local toylua = toy_abs:gsub("[^/]*$", "toylua")
  local out, st = run("cd " .. sh_quote(root) .. " && " .. sh_quote(toylua) .. " " .. sh_quote(tmp .. "/doc.lua"))
  local got = lines(out)
  table.insert(got, "(exit status " .. st .. ")")
  report(st == 0, where, "lua script", {"(exit status 0)"}, got)
end

local function check_program(where, name, src, stdin, want, status)
  local dir = tmp .. "/prog"
  assert(os.execute("rm -rf " .. sh_quote(dir) .. " && mkdir -p " .. sh_quote(dir)))
  write(dir .. "/" .. name, src)
  local what = "program " .. name
  local out, st = run("cd " .. sh_quote(dir) .. " && " .. sh_quote(toy_abs) .. " run " .. name, stdin)
  local got = lines(out)
  if st ~= status then
    table.insert(got, "(exit status " .. st .. ", want " .. status .. ")")
    report(false, where, what, want, got)
    return
  end
  report(match(want, 1, got, 1), where, what, want, got)
end

for _, file in ipairs(files) do
  local f = assert(io.open(file))
  local text = f:read("a")
  f:close()
  local ls = lines(text)
  local i = 1
  local prog -- the pending program: {where, name, src, stdin}
  -- The fenced block starting at or after line j: its body and the line after it.
  local function block(j)
    while j <= #ls and not ls[j]:match("^%s*```") do j = j + 1 end
    local fence = ls[j] and ls[j]:match("^%s*(```+)")
    if not fence then return nil, j end
    local body, k = {}, j + 1
    while k <= #ls and not ls[k]:match("^%s*" .. fence .. "%s*$") do
      body[#body + 1] = ls[k]
      k = k + 1
    end
    return table.concat(body, "\n") .. (#body > 0 and "\n" or ""), k + 1, j
  end
  while i <= #ls do
    local marker = ls[i]:match("^<!%-%- doc%-test(.-)%-%->%s*$")
    if marker then
      local body, nexti, at = block(i + 1)
      local where = file .. ":" .. (at or i)
      marker = marker:gsub("^:", ""):gsub("^%s+", ""):gsub("%s+$", "")
      if not body then
        report(false, where, "a doc-test marker with no fenced block after it", {}, {})
        break
      end
      local name, rest = marker:match("^program%s+(%S+)%s*(.*)$")
      if name then
        prog = {where = where, name = name, src = body}
        local from = rest:match("^from%s+(%S+)$")
        if from then
          local g = io.open(from)
          local whole = g and g:read("a") or ""
          if g then g:close() end
          report(whole:find(body, 1, true) ~= nil, where, "program " .. name .. " is part of " .. from,
                 lines(body), lines(whole))
        end
      elseif marker == "lua" then
        check_lua(where, body)
      elseif marker == "input" then
        if prog then prog.stdin = body end
      elseif marker:match("^output") then
        local status = tonumber(marker:match("status%s+(%d+)")) or 0
        local want = lines(body)
        if want[1] and want[1]:match("^%$ ") then table.remove(want, 1) end -- the command, shown
        if prog then
          check_program(prog.where, prog.name, prog.src, prog.stdin, want, status)
        else
          report(false, where, "an output block with no program before it", {}, {})
        end
        prog = nil
      elseif marker == "" then
        check_transcript(where, body)
      else
        report(false, where, "unknown doc-test marker '" .. marker .. "'", {}, {})
      end
      i = nexti
    else
      i = i + 1
    end
  end
end
os.execute("rm -rf " .. sh_quote(tmp))
print(string.format("doc: %d passed, %d failed", pass, fail))
os.exit(fail == 0 and 0 or 1)
