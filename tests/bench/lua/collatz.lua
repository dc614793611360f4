-- collatz: the peer of examples/collatz.toy in idiomatic Lua 5.4 (same
-- output): Collatz chain lengths memoised in a table.
local limit = tonumber(arg[1]) or 1000
local lengths, count = {[1] = 1}, 1
local path, top = {}, 0
local best, bestlen = 1, 1
for n = 2, limit - 1 do
  local x = n
  local l = lengths[x]
  while not l do
    top = top + 1; path[top] = x
    if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
    l = lengths[x]
  end
  while top > 0 do
    l = l + 1
    lengths[path[top]] = l; count = count + 1
    top = top - 1
  end
  if l > bestlen then best, bestlen = n, l end
end
print(best .. " " .. bestlen .. " " .. count)
