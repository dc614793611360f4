-- k_nucleotide: the peer of examples/k_nucleotide.toy in idiomatic Lua 5.4
-- (the Benchmarks Game's Lua program, one pass per k-mer length instead of
-- one per frame; same output): reads FASTA from standard input, counts the
-- k-mers of the third sequence in a table.
local sub = string.sub

local function count(seq, k)
  local freq = {}
  for i = 1, #seq - k + 1 do
    local c = sub(seq, i, i + k - 1)
    freq[c] = (freq[c] or 0) + 1
  end
  return freq
end

local function frequency(seq, k)
  local freq = count(seq, k)
  local mers = {}
  for c in pairs(freq) do mers[#mers + 1] = c end
  table.sort(mers, function(a, b)
    local fa, fb = freq[a], freq[b]
    return fa > fb or (fa == fb and a < b)
  end)
  local total = #seq - k + 1
  for _, c in ipairs(mers) do
    io.write(string.format("%s %.3f\n", c, freq[c] * 100.0 / total))
  end
  io.write("\n")
end

local lines, inside = {}, false
for line in io.lines() do
  if inside then
    if sub(line, 1, 1) == ">" then break end
    lines[#lines + 1] = line
  elseif sub(line, 1, 6) == ">THREE" then
    inside = true
  end
end
local seq = string.upper(table.concat(lines))
frequency(seq, 1)
frequency(seq, 2)
for _, s in ipairs({"GGT", "GGTA", "GGTATT", "GGTATTTTAATT", "GGTATTTTAATTTATAGT"}) do
  io.write((count(seq, #s)[s] or 0), "\t", s, "\n")
end
