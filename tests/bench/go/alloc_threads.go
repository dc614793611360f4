// alloc_threads: the peer of tests/bench/threads.c, Go's allocator and
// collector on the same workload: T goroutines, each with a window of W
// live objects held by a heap slice, make N allocations each. A step takes
// a size from {16,32,48,64,128,256} by the same PRNG as bench.h's, half of
// them with two pointer words first (the rest noscan), replaces slot i%W,
// and stores each new pointer object into an older pointer object of its
// goroutine's window (first of eight probes). GOGC=400 unless the
// environment says otherwise, as threads.c runs alloc at TOYGC=400.
// Prints threads.c's RESULT line: allocs_per_s over the wall time from a
// common start to the last goroutine's end, cpu_ns_per_alloc the process's
// CPU time (the collector's included) per allocation.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

const probes = 8

// Pointer objects share their first two words' layout, so any of them can
// be reached as a *p16.
type p16 struct{ a, b unsafe.Pointer }
type p32 struct {
	a, b unsafe.Pointer
	_    [16]byte
}
type p48 struct {
	a, b unsafe.Pointer
	_    [32]byte
}
type p64 struct {
	a, b unsafe.Pointer
	_    [48]byte
}
type p128 struct {
	a, b unsafe.Pointer
	_    [112]byte
}
type p256 struct {
	a, b unsafe.Pointer
	_    [240]byte
}

func newPtr(k int) unsafe.Pointer {
	switch k {
	case 0:
		return unsafe.Pointer(new(p16))
	case 1:
		return unsafe.Pointer(new(p32))
	case 2:
		return unsafe.Pointer(new(p48))
	case 3:
		return unsafe.Pointer(new(p64))
	case 4:
		return unsafe.Pointer(new(p128))
	}
	return unsafe.Pointer(new(p256))
}

func newNoscan(k int) unsafe.Pointer {
	switch k {
	case 0:
		return unsafe.Pointer(new([16]byte))
	case 1:
		return unsafe.Pointer(new([32]byte))
	case 2:
		return unsafe.Pointer(new([48]byte))
	case 3:
		return unsafe.Pointer(new([64]byte))
	case 4:
		return unsafe.Pointer(new([128]byte))
	}
	return unsafe.Pointer(new([256]byte))
}

var sizes = [6]uint64{16, 32, 48, 64, 128, 256}

func rngNext(s *uint64) uint64 {
	x := *s
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*s = x
	return x * 0x2545F4914F6CDD1D
}

func worker(idx int, n uint64, w int, start *sync.WaitGroup, stores *uint64) {
	win := make([]unsafe.Pointer, w)
	isptr := make([]bool, w)
	rng := uint64(0x9E3779B97F4A7C15) + uint64(idx)*0x2545F4914F6CDD1D
	slot := 0
	var st uint64
	start.Wait()
	for i := uint64(0); i < n; i++ {
		r := rngNext(&rng)
		k := int((r >> 32) % 6)
		ptr := (r>>16)&1 != 0
		var o unsafe.Pointer
		if ptr {
			o = newPtr(k)
		} else {
			o = newNoscan(k)
			b := (*[2]uint64)(o)
			b[0], b[1] = i, sizes[k]
		}
		win[slot] = o
		isptr[slot] = ptr
		if ptr {
			j := int((r & 0xFFFFFFFF) % uint64(w))
			for t := 0; t < probes; t++ {
				if j != slot && isptr[j] && win[j] != nil {
					h := (*p16)(win[j])
					if (r>>17)&1 == 0 {
						h.a = o
					} else {
						h.b = o
					}
					st++
					break
				}
				j++
				if j == w {
					j = 0
				}
			}
		}
		slot++
		if slot == w {
			slot = 0
		}
	}
	*stores = st
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)*1e-6
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: alloc_threads T N [W]")
		os.Exit(2)
	}
	t, err1 := strconv.Atoi(os.Args[1])
	n, err2 := strconv.ParseUint(os.Args[2], 10, 64)
	w := 10000
	var err3 error
	if len(os.Args) > 3 {
		w, err3 = strconv.Atoi(os.Args[3])
	}
	if err1 != nil || err2 != nil || err3 != nil || t < 1 || t > 64 || n == 0 || w < 2 || w > 1<<26 {
		fmt.Fprintln(os.Stderr, "alloc_threads: T in 1..64, N > 0, W in 2..2^26")
		os.Exit(2)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	var start, done sync.WaitGroup
	start.Add(1)
	stores := make([]uint64, t)
	for i := 0; i < t; i++ {
		done.Add(1)
		go func(i int) {
			defer done.Done()
			worker(i, n, w, &start, &stores[i])
		}(i)
	}
	t0, c0 := time.Now(), cpuSeconds()
	start.Done()
	done.Wait()
	secs, cpu := time.Since(t0).Seconds(), cpuSeconds()-c0
	var st uint64
	for _, s := range stores {
		st += s
	}
	var gs debug.GCStats
	debug.ReadGCStats(&gs)
	var pause time.Duration
	for _, p := range gs.Pause {
		pause += p
	}
	total := float64(n) * float64(t)
	fmt.Printf("RESULT threads=%d allocs=%.0f secs=%.4f allocs_per_s=%.0f ns_per_alloc=%.2f cpu_ns_per_alloc=%.2f gcs=%d pause_ms=%.1f stores=%d\n",
		t, total, secs, total/secs, secs*1e9/total, cpu*1e9/total, gs.NumGC, float64(pause)/1e6, st)
}
