package inbox

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// manyThreshold is where one syncfs per file system beats fsyncs one by
// one: each fsync after a rename commits the journal on its own.
const manyThreshold = 8

// syncMany flushes files and folders. Past a handful it asks Linux to
// flush each file system they live on once (syncfs), which covers every
// name and every byte written to it so far; refs name a path on each of
// those file systems.
func syncMany(files, dirs, refs []string) error {
	if len(files)+len(dirs) < manyThreshold {
		return syncEach(files, dirs)
	}
	done := map[uint64]bool{}
	for _, p := range refs {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		dev := uint64(st.Sys().(*syscall.Stat_t).Dev)
		if done[dev] {
			continue
		}
		if err := syncFileSystem(p); err != nil {
			return err
		}
		done[dev] = true
	}
	return nil
}

// syncFileSystem flushes the whole file system that path, a file or
// folder this process can open, lives on.
func syncFileSystem(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = unix.Syncfs(int(f.Fd()))
	f.Close()
	if err != nil {
		return fmt.Errorf("syncfs %s: %w", path, err)
	}
	return nil
}
