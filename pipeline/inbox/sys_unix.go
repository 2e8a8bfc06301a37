//go:build unix

package inbox

import (
	"errors"
	"syscall"
)

func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

// isBusy is never true on Unix: a file open in another program can be
// renamed there.
func isBusy(error) bool { return false }
