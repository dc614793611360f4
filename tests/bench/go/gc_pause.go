// gc_pause: the peer of examples/gc_pause.toy in idiomatic Go (same
// algorithm, same pseudo-random slots, same output): a live set of small
// trees, one replaced per step. Run with GODEBUG=gctrace=1 for the pauses.
package main

import (
	"fmt"
	"os"
	"strconv"
)

const depth = 4

type Node struct {
	left, right *Node
	val         int
}

func makeTree(d, val int) *Node {
	if d == 0 {
		return &Node{val: val}
	}
	return &Node{makeTree(d-1, val+1), makeTree(d-1, val+2), val}
}

func (n *Node) count() int {
	if n == nil {
		return 0
	}
	return 1 + n.left.count() + n.right.count()
}

func (n *Node) sum() int {
	if n == nil {
		return 0
	}
	return n.val + n.left.sum() + n.right.sum()
}

func main() {
	trees, rounds := 50, 4
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			trees = v
		}
	}
	if len(os.Args) > 2 {
		if v, err := strconv.Atoi(os.Args[2]); err == nil {
			rounds = v
		}
	}
	live := make([]*Node, trees)
	for i := range live {
		live[i] = makeTree(depth, i)
	}
	// A 64-bit LCG (Knuth's MMIX constants, wrapping), as in the toy program.
	x := 12345
	steps := rounds * trees
	for s := 0; s < steps; s++ {
		x = x*6364136223846793005 + 1442695040888963407
		live[((x>>33)&0x7fffffff)%trees] = makeTree(depth, trees+s)
	}
	nodes, checksum := 0, 0
	for _, t := range live {
		nodes += t.count()
		checksum += t.sum()
	}
	fmt.Println("trees:", trees, "replaced:", steps, "nodes:", nodes, "checksum:", checksum)
}
