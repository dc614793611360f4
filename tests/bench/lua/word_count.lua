-- word_count: the peer of examples/word_count.toy in idiomatic Lua 5.4
-- (same output): n words from a vocabulary of w counted in a table.
local function scatter(i) return i * 2654435761 % 4294967296 end
local n, w = 10000, 1000
if arg[2] then n, w = tonumber(arg[1]), tonumber(arg[2]) end
local words = {}
for i = 0, w - 1 do words[i + 1] = "w" .. scatter(i) end
local counts = {}
for i = 0, n - 1 do
  local word = words[scatter(i) % w + 1]
  counts[word] = (counts[word] or 0) + 1
end
local distinct, most = 0, 0
for _, c in pairs(counts) do distinct = distinct + 1; most = math.max(most, c) end
print(distinct .. " " .. counts[words[1]] .. " " .. most)
