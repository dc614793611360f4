-- fasta: the Benchmarks Game's generator of DNA sequences (its fasta
-- program, one sequence after another: ONE repeats ALU, TWO and THREE
-- draw from frequency tables with its linear congruential generator), in
-- plain Lua 5.4. tests/bench/bench.sh runs it once to make the FASTA
-- input k-nucleotide and reverse-complement read from standard input.
--   lua5.4 tests/bench/lua/fasta.lua N > out.fa
local n = tonumber(arg[1]) or 1000
local write, sub, char = io.write, string.sub, string.char
local WIDTH = 60

local alu =
  "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG" ..
  "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA" ..
  "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT" ..
  "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA" ..
  "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG" ..
  "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC" ..
  "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"

local iub = {
  {"a", 0.27}, {"c", 0.12}, {"g", 0.12}, {"t", 0.27},
  {"B", 0.02}, {"D", 0.02}, {"H", 0.02}, {"K", 0.02},
  {"M", 0.02}, {"N", 0.02}, {"R", 0.02}, {"S", 0.02},
  {"V", 0.02}, {"W", 0.02}, {"Y", 0.02},
}
local homosapiens = {
  {"a", 0.3029549426680}, {"c", 0.1979883004921},
  {"g", 0.1975473066391}, {"t", 0.3015094502008},
}

local IM, IA, IC = 139968, 3877, 29573
local last = 42
local function random(max)
  last = (last * IA + IC) % IM
  return max * last / IM
end

local function repeat_fasta(s, count)
  local len = #s
  local s2 = s .. s
  local pos = 1
  while count > 0 do
    local line = math.min(WIDTH, count)
    write(sub(s2, pos, pos + line - 1), "\n")
    pos = pos + line
    if pos > len then pos = pos - len end
    count = count - line
  end
end

local function random_fasta(tbl, count)
  local acc, chars, probs = 0, {}, {}
  for i, e in ipairs(tbl) do
    acc = acc + e[2]
    chars[i], probs[i] = e[1], acc
  end
  local buf = {}
  while count > 0 do
    local line = math.min(WIDTH, count)
    for j = 1, line do
      local r = random(1.0)
      local k = 1
      while probs[k] < r and k < #probs do k = k + 1 end
      buf[j] = chars[k]
    end
    for j = line + 1, #buf do buf[j] = nil end
    write(table.concat(buf), "\n")
    count = count - line
  end
end

write(">ONE Homo sapiens alu\n")
repeat_fasta(alu, 2 * n)
write(">TWO IUB ambiguity codes\n")
random_fasta(iub, 3 * n)
write(">THREE Homo sapiens frequency\n")
random_fasta(homosapiens, 5 * n)
