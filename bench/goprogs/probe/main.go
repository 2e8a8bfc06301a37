// Command probe measures what this machine charges for the three things a
// batch does most besides computing: an empty system call (getppid), a
// status of a folder (fstatat) and a first touch of a fresh page of memory
// (a page fault). The bench runs it before and after its measurements, so
// that two reports made at different hours can be told apart by the
// machine's minute and not only by its load average: on a shared virtual
// machine these costs move by half or more while the load does not.
//
//	probe DIR      prints {"syscall_us":…, "stat_us":…, "fault_us":…}
//
// Each figure is the median of seven rounds, each round the mean of many
// calls or pages.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"syscall"
)

const rounds = 7

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: probe DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	out := map[string]float64{
		"syscall_us": median(func() float64 {
			const n = 100_000
			t := time.Now()
			for range n {
				syscall.Getppid()
			}
			return micros(time.Since(t), n)
		}),
		"stat_us": median(func() float64 {
			const n = 50_000
			t := time.Now()
			for range n {
				syscall.Lstat(dir, &st)
			}
			return micros(time.Since(t), n)
		}),
		"fault_us": median(faultRound),
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

// faultRound touches each page of a fresh 32 MiB anonymous mapping once.
// The mapping is the system's, not Go's heap, so that neither the
// collector nor huge pages the runtime asked for change what is measured.
func faultRound() float64 {
	const size = 32 << 20
	page := os.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	defer syscall.Munmap(mem)
	// Small pages only: a huge page would be one fault for 512 pages.
	if err := syscall.Madvise(mem, syscall.MADV_NOHUGEPAGE); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	t := time.Now()
	for i := 0; i < size; i += page {
		mem[i] = 1
	}
	return micros(time.Since(t), size/page)
}

func micros(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(n) }

func median(round func() float64) float64 {
	var got []float64
	for range rounds {
		got = append(got, round())
	}
	slices.Sort(got)
	return got[len(got)/2]
}
