-- reverse_complement: the peer of examples/reverse_complement.toy in
-- idiomatic Lua 5.4 (same output): reads FASTA from standard input and
-- writes each sequence's reverse complement, 60 bases a line, with
-- string.reverse and gsub over a complement table.
local sub = string.sub
local comp = {}
local from, to = "ACGTUMRWSYKVHDBN", "TGCAAKYWSRMBDHVN"
for i = 1, #from do
  comp[sub(from, i, i)] = sub(to, i, i)
  comp[sub(from, i, i):lower()] = sub(to, i, i)
end

local function flush(header, lines)
  io.write(header, "\n")
  local seq = table.concat(lines):reverse():gsub(".", comp)
  for i = 1, #seq, 60 do io.write(sub(seq, i, i + 59), "\n") end
end

local header, lines = nil, {}
for line in io.lines() do
  if sub(line, 1, 1) == ">" then
    if header then flush(header, lines) end
    header, lines = line, {}
  else
    lines[#lines + 1] = line
  end
end
if header then flush(header, lines) end
