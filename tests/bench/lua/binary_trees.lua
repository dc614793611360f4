-- binary_trees: the peer of examples/binary_trees.toy in idiomatic Lua 5.4
-- (a node is a table of two children; a leaf has none).
local function bottom_up(depth)
  if depth <= 0 then return {} end
  depth = depth - 1
  return { bottom_up(depth), bottom_up(depth) }
end

local function check(tree)
  if tree[1] == nil then return 1 end
  return 1 + check(tree[1]) + check(tree[2])
end

local MIN_DEPTH = 4
local n = tonumber(arg and arg[1]) or 6
local max_depth = math.max(n, MIN_DEPTH + 2)
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d check: %d", stretch, check(bottom_up(stretch))))
local long_lived = bottom_up(max_depth)
for d = MIN_DEPTH, max_depth, 2 do
  local iterations = 1 << (max_depth - d)
  local total = 0
  for _ = 1, iterations do total = total + check(bottom_up(d)) end
  print(string.format("%d trees of depth %d check: %d", iterations, d, total))
end
print(string.format("long lived tree of depth %d check: %d", max_depth, check(long_lived)))
