// pingpong: the peer of tests/bench/toy/pingpong.toy: two goroutines pass
// an int back and forth over two unbuffered channels n times; prints the
// last value. Round trips per second come from the run's wall time.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func ponger(ping <-chan int, pong chan<- int) {
	for v := range ping {
		pong <- v + 1
	}
	close(pong)
}

func main() {
	n := 1000
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			n = v
		}
	}
	ping := make(chan int)
	pong := make(chan int)
	go ponger(ping, pong)
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Println("round trips:", n, "last:", v)
}
