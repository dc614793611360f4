// parallel_trees: the peer of examples/parallel_trees.toy in idiomatic Go
// (the Benchmarks Game's parallel binary-trees): one goroutine per depth,
// each sending its line on its own channel, printed in depth order.
// GOMAXPROCS is the run's (the benchmark sets it as TOYMAXPROCS).
package main

import (
	"fmt"
	"os"
	"strconv"
)

const minDepth = 4

type Node struct {
	left, right *Node
}

func bottomUp(depth int) *Node {
	if depth <= 0 {
		return &Node{}
	}
	return &Node{bottomUp(depth - 1), bottomUp(depth - 1)}
}

func (n *Node) check() int {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.check() + n.right.check()
}

func trees(iterations, d int, out chan<- string) {
	total := 0
	for i := 0; i < iterations; i++ {
		total += bottomUp(d).check()
	}
	out <- fmt.Sprint(iterations, " trees of depth ", d, " check: ", total)
}

func main() {
	n := 6
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			n = v
		}
	}
	maxDepth := n
	if maxDepth < minDepth+2 {
		maxDepth = minDepth + 2
	}
	stretch := maxDepth + 1
	fmt.Println("stretch tree of depth", stretch, "check:", bottomUp(stretch).check())
	longLived := bottomUp(maxDepth)
	var results []chan string
	for d := minDepth; d <= maxDepth; d += 2 {
		out := make(chan string, 1)
		results = append(results, out)
		go trees(1<<(maxDepth-d), d, out)
	}
	for _, out := range results {
		fmt.Println(<-out)
	}
	fmt.Println("long lived tree of depth", maxDepth, "check:", longLived.check())
}
