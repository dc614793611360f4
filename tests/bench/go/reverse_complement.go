// reverse_complement: the peer of examples/reverse_complement.toy in
// idiomatic Go (same output): reads FASTA from standard input and writes
// each sequence's reverse complement, 60 bases a line.
package main

import (
	"bufio"
	"os"
)

var comp [256]byte

func flush(w *bufio.Writer, header []byte, seq []byte) {
	w.Write(header)
	w.WriteByte('\n')
	n := 0
	for i := len(seq) - 1; i >= 0; i-- {
		w.WriteByte(comp[seq[i]])
		n++
		if n == 60 {
			w.WriteByte('\n')
			n = 0
		}
	}
	if n > 0 {
		w.WriteByte('\n')
	}
}

func main() {
	from, to := "ACGTUMRWSYKVHDBN", "TGCAAKYWSRMBDHVN"
	for i := 0; i < len(from); i++ {
		comp[from[i]] = to[i]
		comp[from[i]+32] = to[i]
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<30)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	var header, seq []byte
	for in.Scan() {
		line := in.Bytes()
		if len(line) > 0 && line[0] == '>' {
			if header != nil {
				flush(w, header, seq)
			}
			header = append([]byte(nil), line...)
			seq = seq[:0]
		} else {
			seq = append(seq, line...)
		}
	}
	if header != nil {
		flush(w, header, seq)
	}
}
