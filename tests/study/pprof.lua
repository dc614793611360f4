-- pprof.lua: reads a profile written by TOYDEBUG=allocprof=FILE.pb.gz
-- without Go: the gzip stream (stored deflate blocks only, as vm/pprof.c
-- writes it; its CRC and length checked) and profile.proto, checked as
-- pprof's CheckValid does (string 0 empty, one value per sample type,
-- every location and function id defined). Prints one line per sample
-- type with its total, then the comments, then "type <- site" per sample:
--   lua5.4 tests/study/pprof.lua FILE.pb.gz
local f = assert(io.open(arg[1], "rb"))
local z = f:read("a")
f:close()

local function die(msg)
  io.stderr:write("pprof.lua: " .. msg .. "\n")
  os.exit(1)
end

-- gzip: header, stored blocks, CRC-32 and size.
if z:byte(1) ~= 0x1f or z:byte(2) ~= 0x8b or z:byte(3) ~= 8 then die("not gzip") end
if z:byte(4) ~= 0 then die("gzip header flags set") end
local pos, parts = 11, {}
while true do
  local h = z:byte(pos)
  if not h then die("truncated") end
  if (h >> 1) & 3 ~= 0 then die("a compressed deflate block") end
  local len, nlen = string.unpack("<I2I2", z, pos + 1)
  if len ~ nlen ~= 0xffff then die("bad stored block length") end
  parts[#parts + 1] = z:sub(pos + 5, pos + 4 + len)
  pos = pos + 5 + len
  if h & 1 == 1 then break end
end
local data = table.concat(parts)
local crc, size = string.unpack("<I4I4", z, pos)
local c = 0xffffffff
for i = 1, #data do
  c = c ~ data:byte(i)
  for _ = 1, 8 do c = (c >> 1) ~ (0xEDB88320 & -(c & 1)) end
end
if (c ~ 0xffffffff) & 0xffffffff ~= crc then die("CRC mismatch") end
if size ~= #data then die("size mismatch") end

-- protobuf: a message is a list of {field, wire, value}.
local function varint(s, i)
  local x, shift = 0, 0
  repeat
    local b = s:byte(i)
    if not b then die("truncated varint") end
    x = x | ((b & 0x7f) << shift)
    shift, i = shift + 7, i + 1
  until b < 0x80
  return x, i
end
local function fields(s)
  local out, i = {}, 1
  while i <= #s do
    local key
    key, i = varint(s, i)
    local field, wire = key >> 3, key & 7
    if wire == 0 then
      local v
      v, i = varint(s, i)
      out[#out + 1] = {field, v}
    elseif wire == 2 then
      local n
      n, i = varint(s, i)
      out[#out + 1] = {field, s:sub(i, i + n - 1)}
      i = i + n
    else
      die("wire type " .. wire)
    end
  end
  return out
end
local function packed(v)
  if type(v) == "number" then return {v} end
  local t, i = {}, 1
  while i <= #v do t[#t + 1], i = varint(v, i) end
  return t
end
local function get(msg, field)
  for _, fv in ipairs(msg) do if fv[1] == field then return fv[2] end end
  return 0
end

local strings, types, samples, locs, funcs, comments = {}, {}, {}, {}, {}, {}
for _, fv in ipairs(fields(data)) do
  local field, v = fv[1], fv[2]
  if field == 6 then strings[#strings + 1] = v
  elseif field == 1 then local m = fields(v); types[#types + 1] = {get(m, 1), get(m, 2)}
  elseif field == 2 then
    local ids, vals = {}, {}
    for _, sv in ipairs(fields(v)) do
      if sv[1] == 1 then for _, x in ipairs(packed(sv[2])) do ids[#ids + 1] = x end end
      if sv[1] == 2 then for _, x in ipairs(packed(sv[2])) do vals[#vals + 1] = x end end
    end
    samples[#samples + 1] = {ids = ids, vals = vals}
  elseif field == 4 then
    local m = fields(v)
    locs[get(m, 1)] = fields(get(m, 4) ~= 0 and get(m, 4) or "")
  elseif field == 5 then
    local m = fields(v)
    funcs[get(m, 1)] = get(m, 2)
  elseif field == 13 then comments[#comments + 1] = v
  end
end
local function str(i)
  if i + 1 > #strings then die("string index " .. i .. " out of range") end
  return strings[i + 1]
end
if strings[1] ~= "" then die("string 0 is not empty") end
local function frame(id)
  local l = locs[id]
  if not l then die("undefined location " .. id) end
  local fid = get(l, 1)
  if not funcs[fid] then die("undefined function " .. fid) end
  local line = get(l, 2)
  return str(funcs[fid]) .. (line ~= 0 and ":" .. line or "")
end
local totals = {}
for _, s in ipairs(samples) do
  if #s.vals ~= #types then die("a sample with " .. #s.vals .. " values for " .. #types .. " types") end
  for k, v in ipairs(s.vals) do totals[k] = (totals[k] or 0) + v end
end
for k, t in ipairs(types) do print(str(t[1]) .. "/" .. str(t[2]) .. " " .. (totals[k] or 0)) end
for _, c in ipairs(comments) do print("comment " .. str(c)) end
for _, s in ipairs(samples) do
  local names = {}
  for _, id in ipairs(s.ids) do names[#names + 1] = frame(id) end
  print("sample " .. table.concat(names, " <- ") .. " " .. table.concat(s.vals, " "))
end
