-- leak.lua: compiling and running a program 10,000 times in one process
-- leaves its memory flat (reliability.md §7 item 7, clean teardown, seen
-- from the outside). Each toy.run makes a lang unit, a vm_program, a VM
-- with its own alloc heap and two capture streams, and frees them all; a
-- leak of even one small block per run shows as ~1 MB over 10,000 runs.
--
-- The figure is VmRSS from /proc/self/status, read after 1,000 warm-up runs
-- (malloc's arenas and free lists, Lua's heap for the result strings and
-- the page cache of the binary have reached their steady size) and again
-- at the end, each after a full Lua collection. The tolerance, 1 MiB, is
-- what malloc may keep in its free lists from the last runs and what the
-- kernel counts in partly touched pages; a per-run leak of 100 bytes
-- already exceeds it. Under ASan (TOY_SANITIZE set by tests/lua/build.mk)
-- freed memory sits in the quarantine and RSS says nothing: the script
-- then runs fewer rounds and only reports, and LeakSanitizer checks at
-- exit instead.
--
-- Usage: toylua tests/lua/leak.lua [RUNS]
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local embedded_probe = package.preload.toy
local toy = require "toy"

local T = check.new("leak")
local sanitize = os.getenv("TOY_SANITIZE") ~= nil
-- toylua (the module preloaded) runs the full count; the second host of
-- the suite, lua5.4 with toy.so, a fifth of it, to keep `make test` short.
local embedded = embedded_probe ~= nil
local RUNS = math.tointeger(tonumber(arg and arg[1])) or
  ((sanitize and 1000 or 10000) // (embedded and 1 or 5))
local WARMUP = RUNS // 10
local TOLERANCE = 1 << 20

-- Something of everything that allocates: strings, arrays, maps,
-- structs, closures and cells, a runtime error on every 7th run (its
-- trace is written to the captured stderr), an exit on every 11th.
local SRC = [[
struct Node {
    left: Node
    right: Node
    name: string
}

fn tree(d: int) -> Node {
    if d == 0 { return Node{name: "leaf"} }
    return Node{left: tree(d - 1), right: tree(d - 1), name: str(d)}
}

fn main() {
    var a = args()
    var n = parse_int(a[0])
    var m: map[string]int = {}
    var xs: [int] = []
    var k = 0
    var f = fn (x: int) -> int { k += x; return k }
    for i in 0..20 {
        m["k" + str(i)] = f(i)
        push(xs, i * i)
    }
    var t = tree(3)
    print(len(m), len(xs), k, t.left.name, join(split("a,b,c", ","), "-"))
    if n % 11 == 0 { exit(3) }
    if n % 7 == 0 { print(xs[100]) }
}
]]

local function rss()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+) kB")) * 1024
end

local function round(i)
  local st, out, err = toy.run(SRC, {args = {tostring(i)}, name = "leak.toy"})
  local want = i % 11 == 0 and 3 or i % 7 == 0 and 2 or 0
  if st ~= want or not out:find("^20 20 190 2 a%-b%-c\n") then
    T:ok(false, string.format("run %d: status %d (want %d), out %q, err %q", i, st, want, out, err))
    return false
  end
  if want == 2 and not err:find("^error: index out of range") then
    T:ok(false, "run " .. i .. ": no runtime error reported: " .. err)
    return false
  end
  return true
end

local bad = 0
for i = 1, WARMUP do if not round(i) then bad = bad + 1 end end
collectgarbage("collect")
local before = rss()
for i = WARMUP + 1, RUNS do if not round(i) then bad = bad + 1 end end
collectgarbage("collect")
local after = rss()
T:eq(bad, 0, "every run gave the expected status and output")
local grew = after - before
print(string.format("leak: %d runs, VmRSS %.1f MiB after %d warm-up runs, %.1f MiB at the end (%+d KiB)%s",
                    RUNS, before / 1048576, WARMUP, after / 1048576, grew // 1024,
                    sanitize and " (sanitizer build: not checked)" or ""))
if not sanitize then
  T:ok(grew <= TOLERANCE, string.format("VmRSS grew by %d KiB over %d runs (tolerance %d KiB)",
                                        grew // 1024, RUNS - WARMUP, TOLERANCE // 1024))
end
T:done()
