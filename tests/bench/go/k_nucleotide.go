// k_nucleotide: the peer of examples/k_nucleotide.toy in idiomatic Go
// (same output): reads FASTA from standard input, counts the k-mers of the
// third sequence in a map[string]int.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
)

func count(seq string, k int) map[string]int {
	counts := make(map[string]int)
	for i := 0; i+k <= len(seq); i++ {
		counts[seq[i:i+k]]++
	}
	return counts
}

func frequencies(w *bufio.Writer, seq string, k int) {
	counts := count(seq, k)
	mers := make([]string, 0, len(counts))
	for m := range counts {
		mers = append(mers, m)
	}
	sort.Slice(mers, func(a, b int) bool {
		ca, cb := counts[mers[a]], counts[mers[b]]
		return ca > cb || (ca == cb && mers[a] < mers[b])
	})
	total := float64(len(seq) - k + 1)
	for _, m := range mers {
		fmt.Fprintf(w, "%s %.3f\n", m, 100*float64(counts[m])/total)
	}
	fmt.Fprintln(w)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<30)
	var seq bytes.Buffer
	inside := false
	for in.Scan() {
		line := in.Bytes()
		if inside {
			if len(line) > 0 && line[0] == '>' {
				break
			}
			seq.Write(line)
		} else if bytes.HasPrefix(line, []byte(">THREE")) {
			inside = true
		}
	}
	s := strings.ToUpper(seq.String())
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	frequencies(w, s, 1)
	frequencies(w, s, 2)
	for _, frag := range []string{"GGT", "GGTA", "GGTATT", "GGTATTTTAATT", "GGTATTTTAATTTATAGT"} {
		fmt.Fprintf(w, "%d\t%s\n", count(s, len(frag))[frag], frag)
	}
}
