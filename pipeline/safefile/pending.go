package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
)

// Pending writes files as WriteFile does, atomically for a reader, but
// leaves them to be made durable together by one Sync: a program that
// writes many files and then records that it did (a batch's outputs, then
// its run completed) pays for one flush instead of an fsync per file and
// per folder. Until Sync returns, a power cut may leave each file as
// WriteUnsynced says (old, new, missing, empty or cut short), so nothing
// may vouch for them before it: the caller syncs, then records.
//
// Safe for concurrent use. The zero value is ready.
type Pending struct {
	mu    sync.Mutex
	files []string
	dirs  []string
	dirOK map[string]bool
}

// WriteFile replaces path with what write writes, atomically for a
// reader, creating its folder if need be. The file, its name and the
// folders it created are durable once Sync returns. An error from write
// is returned as is, and nothing is left.
func (p *Pending) WriteFile(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	grown, err := mkdirs(dir)
	if err != nil {
		return fmt.Errorf("create folder: %w", err)
	}
	// A folder made for a file whose write then fails is still a new
	// name, and kept: another file may be written into it.
	p.add("", grown...)
	if err := replace(path, write, false); err != nil {
		return err
	}
	p.add(path, dir)
	return nil
}

func (p *Pending) add(file string, dirs ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if file != "" {
		p.files = append(p.files, file)
	}
	for _, d := range dirs {
		if p.dirOK == nil {
			p.dirOK = map[string]bool{}
		}
		if !p.dirOK[d] {
			p.dirOK[d] = true
			p.dirs = append(p.dirs, d)
		}
	}
}

// Files lists the files written since the last Sync, in the order their
// writes ended.
func (p *Pending) Files() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.files)
}

// Sync makes every file written through p since the last Sync durable,
// with its name and the folders made for it, and forgets them. On Linux,
// past a handful of files and folders, that is one syncfs of each file
// system they are on, which covers every byte and name written to it so
// far; elsewhere, and for a handful, an fsync of each file and folder.
func (p *Pending) Sync() error {
	p.mu.Lock()
	files, dirs := p.files, p.dirs
	p.files, p.dirs, p.dirOK = nil, nil, nil
	p.mu.Unlock()
	// Each file's folder is among dirs, and stands for its file system.
	return Flush(files, dirs, dirs)
}

// Flush makes files and folders durable: their content and the names
// made, renamed or removed in the folders. On Linux, past a handful, it
// flushes once each file system that refs (a path on each, which this
// process can open) are on, syncfs, which covers every name and byte
// written to it so far; elsewhere, and for a handful, it fsyncs each file
// and folder. A file this process may not open (its sender made it
// unreadable) has its file system flushed whole where the system can
// (Linux), and is passed over elsewhere. A folder gone since fails it:
// what it held cannot be counted durable.
func Flush(files, dirs, refs []string) error {
	if len(files) == 0 && len(dirs) == 0 {
		return nil
	}
	return syncMany(files, dirs, refs)
}

// syncEach flushes every file and folder on its own.
func syncEach(files, dirs []string) error {
	for _, f := range files {
		if err := syncFile(f); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if err := SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// syncFile flushes a file.
func syncFile(path string) error {
	// FlushFileBuffers, Windows' fsync, needs a handle that may write;
	// elsewhere a file read-only to us is flushed through a reading one.
	flag := os.O_RDONLY
	if runtime.GOOS == "windows" {
		flag = os.O_WRONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return syncFileSystem(filepath.Dir(path))
	case err != nil:
		return fmt.Errorf("sync %s: %w", path, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
