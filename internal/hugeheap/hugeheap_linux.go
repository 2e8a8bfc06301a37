package hugeheap

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

const thpDir = "/sys/kernel/mm/transparent_hugepage/"

// Advise asks the kernel to back the next size bytes the Go heap grows
// into with huge pages, when its transparent huge pages are given on
// request only ("madvise"); otherwise (see wanted) it does nothing. It
// reserves those bytes with one allocation it never touches, so they
// cost no memory, advises them and frees them: the heap's next objects
// are placed there. It costs two collections of a heap that holds almost
// nothing. An error means the advice was refused; the heap works as
// before.
func Advise(size int) error {
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	if !wanted(mode(), string(bytes.TrimSpace(overcommit)), os.Getenv("GODEBUG")) {
		return nil
	}
	huge, err := hugePageSize()
	if err != nil || size < 2*huge {
		return err
	}
	ballast := make([]byte, size)
	at := uintptr(unsafe.Pointer(unsafe.SliceData(ballast)))
	// madvise takes whole pages; a huge page must lie whole in the range.
	from := int((at+uintptr(huge)-1)/uintptr(huge)*uintptr(huge) - at)
	to := int((at+uintptr(size))/uintptr(huge)*uintptr(huge) - at)
	err = unix.Madvise(ballast[from:to], unix.MADV_HUGEPAGE)
	ballast = nil
	runtime.GC() // the heap's goal as if the ballast had never been
	if err != nil {
		return fmt.Errorf("advise huge pages: %w", err)
	}
	return nil
}

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
