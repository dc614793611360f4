-- run_api.lua: toy.check and toy.run, the language half of the module:
-- diagnostics as data, exit statuses (0, 1 compile errors, 2 runtime
-- error, exit(n)), captured stdout and stderr, runtime error traces, args,
-- step and depth limits, debug switches, and bad arguments raising Lua
-- errors. Nothing here prints to the real stdout except the summary.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local check = require "check"
local toy = require "toy"

local T = check.new("run_api")

-- ---- toy.check -----------------------------------------------------------
T:eq(toy.check("fn main() {}"), true, "a valid program checks")
T:eq(toy.check("fn main() { print(1) }", "ok.toy"), true, "with a name")
do
  local d = toy.check('fn main() {\n    var x: int = "s"\n    y = 2\n}\n')
  T:eq(type(d), "table", "errors come back as a table")
  T:eq(#d, 2, "every error is reported")
  T:eq(d[1].line, 2, "first error line")
  T:eq(d[1].col, 18, "first error column")
  T:ok(d[1].message:find("cannot use string as int", 1, true), "first message: " .. tostring(d[1].message))
  T:eq(d[2].line, 3, "second error line")
  T:ok(d[2].message:find("undefined: y", 1, true), "second message")
  T:ok(not d[1].message:find("error:"), "messages are bare (no file:line prefix)")
end
do
  local d = toy.check('fn main() { var s = "abc }')
  T:ok(type(d) == "table" and d[1].line == 1, "lexer errors as data")
  d = toy.check("fn main( {")
  T:ok(type(d) == "table" and #d >= 1, "parser errors as data")
  d = toy.check("")
  T:ok(d == true or type(d) == "table", "empty source is handled")
  d = toy.check("fn main() { var x = 1 }\0junk")
  T:ok(type(d) == "table", "an embedded NUL is an error, not a crash")
  d = toy.check(string.rep("(", 100000))
  T:ok(type(d) == "table", "deep nesting gives a diagnostic")
end
T:raises("bad argument #1 to '[%w.]*check'", toy.check)
T:raises("bad argument #1 to '[%w.]*check'", toy.check, {})
T:raises("bad argument #2 to '[%w.]*check'", toy.check, "fn main() {}", {})

-- ---- toy.run: statuses and streams --------------------------------------
do
  local st, out, err = toy.run('fn main() { print("hello", 1, 2.5, true, [1, 2], {"a": 1}) }')
  T:eq(st, 0, "status 0")
  T:eq(out, 'hello 1 2.5 true [1, 2] {"a": 1}\n', "captured stdout")
  T:eq(err, "", "empty stderr")
end
do
  local st, out, err = toy.run('fn main() { var x: int = "s" }', {name = "bad.toy"})
  T:eq(st, 1, "compile error: status 1")
  T:eq(out, "", "nothing runs")
  T:ok(err:find("^bad.toy:1:26: error: cannot use string as int"), "diagnostic with the name: " .. err)
  T:ok(err:find("\n%s+%^\n"), "with a caret line")
end
do
  local src = "fn f(a: [int], i: int) -> int {\n    return a[i]\n}\n\nfn main() {\n    print(\"before\")\n    print(f([1, 2, 3], 7))\n}\n"
  local st, out, err = toy.run(src, {name = "idx.toy"})
  T:eq(st, 2, "runtime error: status 2")
  T:eq(out, "before\n", "output before the error is kept")
  T:eq(err, "error: index out of range [7] with length 3\n  idx.toy:2 in f\n  idx.toy:7 in main\n",
       "error message and trace, innermost frame first")
end
do
  local st, _, err = toy.run("struct N { next: N }\nfn main() {\n    var n: N\n    print(n.next)\n}\n")
  T:eq(st, 2, "nil dereference: status 2")
  T:ok(err:find("^error: nil"), "nil dereference message: " .. err)
  st, _, err = toy.run("fn main() {\n    var z = 0\n    print(1 / z)\n}\n")
  T:eq(st, 2, "division by zero: status 2")
  T:ok(err:find("division by zero"), "division by zero message: " .. err)
  st, _, err = toy.run("fn r(n: int) -> int { return r(n + 1) + 1 }\nfn main() { print(r(0)) }\n")
  T:eq(st, 2, "stack overflow: status 2")
  T:ok(err:find("^error: stack overflow"), "stack overflow message")
  T:ok(err:find("more frames"), "a long trace is cut in the middle")
end

-- exit(n) ends the program, not the Lua process
do
  local st, out = toy.run('fn main() {\n    print("a")\n    exit(7)\n    print("b")\n}\n')
  T:eq(st, 7, "exit(7) is the status")
  T:eq(out, "a\n", "nothing after exit runs")
  st, out = toy.run("fn f() { exit(0) }\nfn main() {\n    f()\n    print(1)\n}\n")
  T:eq(st, 0, "exit(0) from a nested call")
  T:eq(out, "", "exit unwinds every frame")
  st = toy.run("fn main() { exit(300) }")
  T:eq(st, 300 & 255, "exit status is code & 255")
  st = toy.run("var g = h()\nfn h() -> int {\n    exit(3)\n    return 1\n}\nfn main() { print(g) }\n")
  T:eq(st, 3, "exit from a global initializer")
  T:ok(true, "the Lua process is still here")
end

-- args
do
  local src = 'fn main() {\n    var a = args()\n    print(len(a), a)\n}\n'
  local st, out = toy.run(src, {args = {"x", "y z", ""}})
  T:eq(st, 0, "args: status")
  T:eq(out, '3 ["x", "y z", ""]\n', "args reach the program")
  st, out = toy.run(src)
  T:eq(out, "0 []\n", "no args")
  st, out = toy.run(src, {args = {}})
  T:eq(out, "0 []\n", "empty args")
end

-- limits
do
  local st, _, err = toy.run("fn main() { while true { } }", {step_limit = 1000})
  T:eq(st, 2, "step limit: status 2")
  T:ok(err:find("^error: step limit exceeded"), "step limit message")
  st = toy.run("fn main() { var i = 0\n while i < 100 { i += 1 } }", {step_limit = 1000})
  T:eq(st, 0, "a loop under the limit runs")
  st, _, err = toy.run("fn r(n: int) -> int {\n    if n == 0 { return 0 }\n    return r(n - 1) + 1\n}\nfn main() { print(r(100)) }\n",
                       {max_depth = 50})
  T:eq(st, 2, "max_depth: status 2")
  T:ok(err:find("stack overflow"), "max_depth gives stack overflow")
  local out
  st, out = toy.run("fn main() { var a: [[int]] = []\n for i in 0..1000 { push(a, make([int], 100)) }\n print(len(a)) }",
                    {memory_limit = 64 << 20})
  T:eq(st, 0, "memory_limit (a soft limit, as GOMEMLIMIT) lets a small program run")
  T:eq(out, "1000\n", "and it finishes")
end

-- debug switches: gcstress runs the same; gctrace lands in the captured stderr
do
  local src = "struct N { l: N\n r: N }\nfn mk(d: int) -> N {\n if d == 0 { return N{} }\n return N{l: mk(d - 1), r: mk(d - 1)}\n}\n" ..
              "fn count(n: N) -> int {\n if n == nil { return 0 }\n return 1 + count(n.l) + count(n.r)\n}\n" ..
              "fn main() { var s = 0\n for i in 0..20 { s += count(mk(6)) }\n print(s) }\n"
  local st, out = toy.run(src)
  local st2, out2 = toy.run(src, {debug = "gcstress=1,gccheckmark=1"})
  T:eq(st, 0, "tree program")
  T:eq(out, "2540\n", "tree program output")
  T:ok(st2 == st and out2 == out, "the same under gcstress and gccheckmark")
  local st3, out3, err3 = toy.run(src, {debug = "gctrace=1,gcstress=1"})
  T:eq(st3, 0, "gctrace run")
  T:eq(out3, out, "gctrace does not touch stdout")
  T:ok(err3:find("^gc 1 @"), "gctrace lines are captured on stderr")
  local _, out4 = toy.run('fn main() {\n    gc()\n    var s = gc_stats()\n    print(s.num_gc >= 1)\n}\n', {gc_percent = "off"})
  T:eq(out4, "true\n", "gc() and gc_stats() with gc_percent off")
end

-- every run is its own VM and heap: no state leaks between runs
do
  local src = "var g = 0\nfn main() {\n    g += 1\n    print(g, rand_int(1000000))\n}\n"
  local _, a = toy.run(src)
  local _, b = toy.run(src)
  T:eq(a, b, "globals and the random state start fresh")
end

-- output larger than any buffer, and bytes that are not text
do
  local _, out = toy.run('fn main() { for i in 0..20000 { print(i) } }')
  T:eq(select(2, out:gsub("\n", "")), 20000, "20000 lines captured")
  T:ok(out:sub(-6) == "19999\n", "last line")
  local _, out2 = toy.run('fn main() { print("a\\0b\\xff") }')
  T:eq(out2, "a\0b\255\n", "NUL and high bytes pass through")
end

-- bad arguments are Lua errors
T:raises("bad argument #1 to '[%w.]*run'", toy.run)
T:raises("bad argument #1 to '[%w.]*run'", toy.run, 42 == 42)
T:raises("bad argument #2 to '[%w.]*run'", toy.run, "fn main() {}", 5)
T:raises("unknown option 'stepLimit'", toy.run, "fn main() {}", {stepLimit = 5})
T:raises("option 'step_limit' must be an integer", toy.run, "fn main() {}", {step_limit = "x"})
T:raises("option 'step_limit' must be >= 0", toy.run, "fn main() {}", {step_limit = -1})
T:raises("option 'memory_limit' must be >= 0", toy.run, "fn main() {}", {memory_limit = -5})
T:raises("option 'max_depth' must be >= 1", toy.run, "fn main() {}", {max_depth = 0})
T:raises("option 'debug'", toy.run, "fn main() {}", {debug = "gcstress=banana"})
T:raises("option 'debug' must be a string", toy.run, "fn main() {}", {debug = 1})
T:raises("option 'name' must be a string", toy.run, "fn main() {}", {name = {}})
T:raises("option 'args' must be a table", toy.run, "fn main() {}", {args = "x"})
T:raises("argument 2 must be a string", toy.run, "fn main() {}", {args = {"a", 2}})
T:raises("option 'gc_percent' out of range", toy.run, "fn main() {}", {gc_percent = 10000000})
T:eq(toy.run("fn main() {}", {env = false}), 0, "env = false")

-- standard input: the bytes given, or none
do
  local src = 'fn main() { var l = read_line()\n write(len(l), ":", l, "|", read_all(), "|", eof()) }'
  local st, out = toy.run(src, {input = "one\r\ntwo\0\255"})
  T:eq(st, 0, "input: status")
  T:eq(out, "3:one|two\0\255|true", "input: read_line then read_all, bytes as they are")
  st, out = toy.run(src)
  T:eq(out, "0:||true", "no input: empty")
  T:raises("option 'input' must be a string", toy.run, "fn main() {}", {input = 3})
end

-- a program without main is a compile error, not a crash
do
  local st, _, err = toy.run("fn f() {}")
  T:eq(st, 1, "no main: status 1")
  T:ok(#err > 0, "no main: a message")
end

-- ---- threads -------------------------------------------------------------
do
  local src = [[
fn stage(src: chan[int], out: chan[int]) {
    for v in src { send(out, v * 2) }
    close(out)
}
fn main() {
    var a = make(chan[int])
    var b = make(chan[int], 2)
    go stage(a, b)
    go fn () { for i in 0..10 { send(a, i) }; close(a) }()
    var s = 0
    for v in b { s += v }
    print(s, a)
}
]]
  for _, procs in ipairs({1, 2}) do
    local st, out, err = toy.run(src, {maxprocs = procs})
    T:eq(st, 0, "threads: status 0 with maxprocs " .. procs)
    T:eq(out, "90 chan[int](0/0)\n", "threads: a pipeline's output")
    T:eq(err, "", "threads: no stderr")
  end
  local st, _, err = toy.run("fn main() { var c = make(chan[int])\n recv(c) }", {name = "dl.toy"})
  T:eq(st, 2, "deadlock: status 2")
  T:eq(err, "error: all threads are asleep - deadlock!\nthread 1 (waiting on a channel):\n  dl.toy:2 in main\n",
       "deadlock: the waiting thread's trace")
  st = toy.run("fn f() { exit(4) }\nfn main() { go f()\n while true { } }")
  T:eq(st, 4, "exit from a thread")
  T:raises("maxprocs", toy.run, "fn main() {}", {maxprocs = 1000})
end

T:done()
