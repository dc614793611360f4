// word_freq: the peer of examples/word_freq.toy in idiomatic Go (same
// output): a map[string]int of lower-cased words, sorted by count, then
// alphabetically.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

var lines = []string{
	"It was the best of times, it was the worst of times,",
	"it was the age of wisdom, it was the age of foolishness,",
	"it was the epoch of belief, it was the epoch of incredulity,",
	"it was the season of Light, it was the season of Darkness,",
	"it was the spring of hope, it was the winter of despair,",
	"we had everything before us, we had nothing before us,",
	"we were all going direct to Heaven, we were all going direct the other way",
}

func lowerWord(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if (c >= 'a' && c <= 'z') || c == '\'' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func main() {
	passes := 1 // the text read this many times
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			passes = v
		}
	}
	counts := map[string]int{}
	var words []string
	total := 0
	for p := 0; p < passes; p++ {
		for _, line := range lines {
			for _, w := range strings.Split(line, " ") {
				word := lowerWord(w)
				if word == "" {
					continue
				}
				if counts[word] == 0 {
					words = append(words, word)
				}
				counts[word]++
				total++
			}
		}
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	fmt.Println("words:", total, "distinct:", len(counts))
	for i := 0; i < len(words) && i < 8; i++ {
		fmt.Printf("%.1f%% %s\n", float64(counts[words[i]])*100/float64(total), words[i])
	}
}
