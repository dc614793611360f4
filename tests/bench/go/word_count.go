// word_count: the peer of examples/word_count.toy in idiomatic Go (same
// output): n words from a vocabulary of w counted in a map[string]int.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func scatter(i int) int { return i * 2654435761 % 4294967296 }

func main() {
	n, w := 10000, 1000
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[1])
		w, _ = strconv.Atoi(os.Args[2])
	}
	words := make([]string, w)
	for i := range words {
		words[i] = "w" + strconv.Itoa(scatter(i))
	}
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		counts[words[scatter(i)%w]]++
	}
	most := 0
	for _, c := range counts {
		if c > most {
			most = c
		}
	}
	fmt.Println(len(counts), counts[words[0]], most)
}
