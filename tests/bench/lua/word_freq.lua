-- word_freq: the peer of examples/word_freq.toy in idiomatic Lua 5.4.
local lines = {
"It was the best of times, it was the worst of times,",
"it was the age of wisdom, it was the age of foolishness,",
"it was the epoch of belief, it was the epoch of incredulity,",
"it was the season of Light, it was the season of Darkness,",
"it was the spring of hope, it was the winter of despair,",
"we had everything before us, we had nothing before us,",
"we were all going direct to Heaven, we were all going direct the other way"}
local passes = tonumber(arg[1]) or 1 -- the text read this many times
local counts, order, total = {}, {}, 0
for _ = 1, passes do
  for _, line in ipairs(lines) do
    for w in line:gmatch("[^ ]+") do
      local word = w:lower():gsub("[^a-z']", "")
      if word ~= "" then
        if not counts[word] then counts[word] = 0; order[#order+1] = word end
        counts[word] = counts[word] + 1; total = total + 1
      end
    end
  end
end
table.sort(order, function(a,b) if counts[a] ~= counts[b] then return counts[a] > counts[b] end return a < b end)
print("words: " .. total .. " distinct: " .. #order)
for i = 1, math.min(8, #order) do print(string.format("%.1f%% %s", counts[order[i]]*100.0/total, order[i])) end
