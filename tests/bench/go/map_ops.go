// map_ops: the peer of examples/map_ops.toy in idiomatic Go (same output):
// a map[int]int of n scattered keys, then one operation.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func scatter(i int) int { return i * 2654435761 % 4294967296 }

func build(n int) map[int]int {
	m := map[int]int{}
	for i := 0; i < n; i++ {
		m[scatter(i)] = i
	}
	return m
}

func run(mode string, n int) {
	m := build(n)
	r := 0
	switch mode {
	case "insert":
		r = len(m)
	case "hit":
		for round := 0; round < 4; round++ {
			for i := 0; i < n; i++ {
				r += m[scatter(i)]
			}
		}
	case "miss":
		for round := 0; round < 4; round++ {
			for i := n; i < 2*n; i++ {
				r += m[scatter(i)]
			}
		}
	case "delete":
		for i := 0; i < n; i++ {
			delete(m, scatter(i))
		}
		for i := n; i < 2*n; i++ {
			m[scatter(i)] = i
		}
		for i := n; i < 2*n; i++ {
			delete(m, scatter(i))
		}
		r = len(m)
	case "iterate":
		for round := 0; round < 8; round++ {
			for _, v := range m {
				r += v
			}
		}
	}
	fmt.Println(mode, n, r)
}

func main() {
	if len(os.Args) > 2 {
		n, _ := strconv.Atoi(os.Args[2])
		run(os.Args[1], n)
		return
	}
	for _, mode := range []string{"insert", "hit", "miss", "delete", "iterate"} {
		run(mode, 1000)
	}
}
