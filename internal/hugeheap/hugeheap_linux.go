package hugeheap

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

const thpDir = "/sys/kernel/mm/transparent_hugepage/"

// Advise asks the kernel to back the next size bytes the Go heap grows
// into with huge pages, when its transparent huge pages are given on
// request only ("madvise"), and reports whether it did; otherwise (see
// wanted) it does nothing. It reserves those bytes with allocations it
// never touches, so they cost no memory, advises them and frees them: the
// heap's next objects are placed there. An error means the advice was
// refused, or given to part of those bytes only; the heap works as
// before. It ends with a collection, which marks what the heap holds:
// asked before the heap holds much, it costs some 2 ms (1.8-7.5 ms in
// five runs over a 10 MB heap).
//
// The ballast is allocated one huge page at a time, not in one piece: the
// runtime zeroes a whole span that starts in memory the heap used before,
// and a single 256 MiB span that began in the heap's freed tail was
// zeroed whole, all of it made resident (one batch in ten). A span of one
// huge page zeroes no more than that page.
//
// Only the first call does anything, and later ones wait for it: the heap
// is the process's, and the collector's pace, which Advise sets aside
// while it allocates, is too.
func Advise(size int) (bool, error) {
	once.Do(func() { advised, adviceErr = advise(size) })
	return advised, adviceErr
}

var (
	once      sync.Once
	advised   bool
	adviceErr error
)

func advise(size int) (bool, error) {
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	if !wanted(mode(), string(bytes.TrimSpace(overcommit)), os.Getenv("GODEBUG")) {
		return false, nil
	}
	// Under a memory limit the ballast would cross, the collector would
	// run again and again while it is made, to no avail.
	if debug.SetMemoryLimit(-1) < 2*int64(size) {
		return false, nil
	}
	huge, err := hugePageSize()
	if err != nil || size < 2*huge {
		return false, err
	}
	err = adviseNext(size, huge)
	return err == nil, err
}

// adviseNext reserves the heap's next size bytes as a ballast of huge-page
// pieces, advises them and frees them.
func adviseNext(size, huge int) error {
	// The collector would only run for nothing: the ballast is all live.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	ballast := make([][]byte, size/huge)
	for i := range ballast {
		ballast[i] = make([]byte, huge)
	}
	err := adviseRuns(ballast, huge)
	ballast = nil
	runtime.GC() // the heap's goal as if the ballast had never been
	return err
}

// adviseRuns advises each run of pieces that lie end to end in memory,
// from its first huge page boundary to its last: madvise takes whole
// pages, and a huge page must lie whole in the range.
func adviseRuns(pieces [][]byte, huge int) error {
	slices.SortFunc(pieces, func(a, b []byte) int { return cmp.Compare(addr(a), addr(b)) })
	for len(pieces) > 0 {
		n := 1
		for n < len(pieces) && addr(pieces[n]) == addr(pieces[n-1])+uintptr(len(pieces[n-1])) {
			n++
		}
		from := (addr(pieces[0]) + uintptr(huge) - 1) / uintptr(huge) * uintptr(huge)
		end := addr(pieces[n-1]) + uintptr(len(pieces[n-1]))
		to := end / uintptr(huge) * uintptr(huge)
		if from < to {
			// By address: the run is several allocations, which no one
			// Go slice may span.
			if _, _, errno := unix.Syscall(unix.SYS_MADVISE, from, to-from, unix.MADV_HUGEPAGE); errno != 0 {
				return fmt.Errorf("advise huge pages: %w", errno)
			}
		}
		runtime.KeepAlive(pieces[:n])
		pieces = pieces[n:]
	}
	return nil
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// mode is the system's transparent huge page setting: the bracketed word
// of "always [madvise] never", or "" where there is none.
func mode() string {
	b, err := os.ReadFile(thpDir + "enabled")
	if err != nil {
		return ""
	}
	_, rest, ok := bytes.Cut(b, []byte("["))
	word, _, closed := bytes.Cut(rest, []byte("]"))
	if !ok || !closed {
		return ""
	}
	return string(word)
}

func hugePageSize() (int, error) {
	b, err := os.ReadFile(thpDir + "hpage_pmd_size")
	if err != nil {
		return 0, fmt.Errorf("huge page size: %w", err)
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || n <= 0 || n&(n-1) != 0 {
		return 0, fmt.Errorf("huge page size: %q", bytes.TrimSpace(b))
	}
	return n, nil
}
