//go:build unix

package inbox

import (
	"errors"
	"os"
	"syscall"
)

// syncDir makes a rename or new name in dir durable. Some network and
// FUSE file systems cannot sync a folder and say so with EINVAL or
// ENOTSUP; there the server decides durability and there is nothing more
// to do, whereas failing would stop every claim.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

// isBusy is never true on Unix: a file open in another program can be
// renamed there.
func isBusy(error) bool { return false }
