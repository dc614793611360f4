// collatz: the peer of examples/collatz.toy in idiomatic Go (same output):
// Collatz chain lengths memoised in a map[int]int.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	limit := 1000
	if len(os.Args) > 1 {
		limit, _ = strconv.Atoi(os.Args[1])
	}
	lengths := map[int]int{1: 1}
	var path []int
	best, bestlen := 1, 1
	for n := 2; n < limit; n++ {
		x := n
		l := lengths[x]
		for l == 0 {
			path = append(path, x)
			if x%2 == 0 {
				x = x / 2
			} else {
				x = 3*x + 1
			}
			l = lengths[x]
		}
		for len(path) > 0 {
			l++
			lengths[path[len(path)-1]] = l
			path = path[:len(path)-1]
		}
		if l > bestlen {
			best, bestlen = n, l
		}
	}
	fmt.Println(best, bestlen, len(lengths))
}
