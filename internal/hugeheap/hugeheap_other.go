//go:build !linux

package hugeheap

// Advise does nothing: only Linux has transparent huge pages to ask for.
func Advise(size int) (bool, error) { return false, nil }
