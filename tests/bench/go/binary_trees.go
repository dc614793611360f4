// binary_trees: the peer of examples/binary_trees.toy in idiomatic Go (same
// algorithm and output): a node is a struct of two pointers, a leaf has nil
// children, the collector frees the short-lived trees.
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
	for d := minDepth; d <= maxDepth; d += 2 {
		iterations := 1 << (maxDepth - d)
		total := 0
		for i := 0; i < iterations; i++ {
			total += bottomUp(d).check()
		}
		fmt.Println(iterations, "trees of depth", d, "check:", total)
	}
	fmt.Println("long lived tree of depth", maxDepth, "check:", longLived.check())
}
