-- fib: the peer of examples/fib.toy in idiomatic Lua 5.4.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
local n = tonumber(arg and arg[1]) or 20
print("fib(" .. n .. ") = " .. fib(n))
