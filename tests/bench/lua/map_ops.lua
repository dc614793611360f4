-- map_ops: the peer of examples/map_ops.toy in idiomatic Lua 5.4 (same
-- output): a table of n scattered integer keys, then one operation.
local function scatter(i) return i * 2654435761 % 4294967296 end

local function build(n)
  local m = {}
  for i = 0, n - 1 do m[scatter(i)] = i end
  return m
end

local function run(mode, n)
  local m = build(n)
  local r = 0
  if mode == "insert" then
    for _ in pairs(m) do r = r + 1 end
  elseif mode == "hit" then
    for _ = 1, 4 do
      for i = 0, n - 1 do r = r + (m[scatter(i)] or 0) end
    end
  elseif mode == "miss" then
    for _ = 1, 4 do
      for i = n, 2 * n - 1 do r = r + (m[scatter(i)] or 0) end
    end
  elseif mode == "delete" then
    for i = 0, n - 1 do m[scatter(i)] = nil end
    for i = n, 2 * n - 1 do m[scatter(i)] = i end
    for i = n, 2 * n - 1 do m[scatter(i)] = nil end
    for _ in pairs(m) do r = r + 1 end
  elseif mode == "iterate" then
    for _ = 1, 8 do
      for _, v in pairs(m) do r = r + v end
    end
  end
  print(mode .. " " .. n .. " " .. r)
end

if arg[2] then
  run(arg[1], tonumber(arg[2]))
else
  for _, mode in ipairs({"insert", "hit", "miss", "delete", "iterate"}) do run(mode, 1000) end
end
