// Package safefile writes files so that neither a reader nor a crash ever
// sees one half-written, and makes new names durable. It is the one place
// the program does so: outputs, the archive's copies, the inbox's
// sightings and the units cache all go through it, so that they agree on
// what a leftover looks like and on which file systems they work.
//
// A file is written to a temporary file in its own folder (a rename
// across folders may cross file systems and stop being atomic), synced,
// then given its name. The temporary name is "." + the file's name +
// ".<random>.tmp": a hidden file that the inbox never takes, that says
// which file it was for, and that a cleaner recognises by its leading dot
// and ".tmp" suffix. A crash can leave one behind; nothing else does.
//
// Pending leaves the syncs to one Sync for many files, on Linux one
// syncfs: for a program that writes many files and then records that it
// did, and syncs before it records.
//
// Files are made 0644 whatever the umask: outputs and archive copies are
// read by the whole office, and a temporary file starts private.
package safefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unicode/utf8"
)

// perm is the mode of every file this package writes.
const perm fs.FileMode = 0o644

// WriteFile replaces path with what write writes, atomically: a reader
// sees the old file or the whole new one. It creates the folder if need
// be. The file, its name and any folder it created are durable when it
// returns. An error from write is returned as is, and nothing is left.
func WriteFile(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := makeDir(dir); err != nil {
		return fmt.Errorf("create folder: %w", err)
	}
	if err := replace(path, write, true); err != nil {
		return err
	}
	return SyncDir(dir)
}

// WriteUnsynced replaces path with what write writes, atomically for a
// reader (the old file or the whole new one), without waiting for the
// disk: no fsync of the file or of the folders it creates. After a power
// cut the file may hold the old content or the new, be missing, or be
// empty or cut short where the file system commits a rename before the
// data. It is for files whose loss costs only work, such as a mark that
// spares a check: their reader takes a file it cannot parse as absent.
func WriteUnsynced(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create folder: %w", err)
	}
	return replace(path, write, false)
}

// replace writes a temporary file beside path (synced when sync is set)
// and renames it over path, leaving nothing behind when either fails.
func replace(path string, write func(io.Writer) error, sync bool) error {
	tmp, err := writeTemp(path, write, sync)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return nil
}

// WriteNew writes a file that must not exist yet: it fails with an error
// satisfying errors.Is(err, fs.ErrExist), leaving the file there alone,
// and otherwise gives the synced content the name in one step. Its folder
// must exist. The new name is durable only once the caller syncs the
// folder (SyncDir): a caller that writes many files pays for one sync.
func WriteNew(path string, write func(io.Writer) error) error {
	tmp, err := writeTemp(path, write, true)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A hard link is the portable no-replace rename.
	err = os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links (FAT, some shares).
		err = RenameNoReplace(tmp, path)
	}
	return err
}

// writeTemp writes the temporary file for path, synced when sync is set,
// and returns its name; on error it leaves nothing.
func writeTemp(path string, write func(io.Writer) error, sync bool) (name string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern(filepath.Base(path)))
	if err != nil {
		return "", fmt.Errorf("create temp: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return "", err
	}
	if err := bw.Flush(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	// Windows keeps only a read-only bit, which the temp file lacks.
	if err := f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return "", fmt.Errorf("chmod %s: %w", path, err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			return "", fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", path, err)
	}
	return f.Name(), nil
}

// IsTemp tells a temporary file this package makes, which a crash may
// have left behind, from everything else.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp")
}

// maxNameBytes is the longest file name of the file systems we write to
// (255 bytes on Linux; Windows counts 255 UTF-16 units, never fewer).
const maxNameBytes = 255

// tempPattern is the CreateTemp pattern for a file named base. A name
// near the limit is shortened in its temporary name, so that a file that
// may exist is never refused for its temporary name alone.
func tempPattern(base string) string {
	const extra = len(".") + len(".4294967295.tmp") // CreateTemp's random part is a uint32
	if n := maxNameBytes - extra; len(base) > n {
		for n > 0 && !utf8.RuneStart(base[n]) {
			n--
		}
		base = base[:n]
	}
	return "." + base + ".*.tmp"
}

// makeDir creates dir and its missing parents, syncing the folder above
// each one it creates: a new folder's name is lost in a crash like a
// file's, and the file written into it with it.
func makeDir(dir string) error {
	grown, err := mkdirs(dir)
	if err != nil {
		return err
	}
	for _, p := range grown {
		if err := SyncDir(p); err != nil {
			return err
		}
	}
	return nil
}

// mkdirs creates dir and its missing parents, and returns the folders
// that gained one: their new entries are durable only once they are
// synced.
func mkdirs(dir string) (grown []string, err error) {
	for p := dir; ; p = filepath.Dir(p) {
		_, err := os.Stat(p)
		if !errors.Is(err, fs.ErrNotExist) || p == filepath.Dir(p) {
			break
		}
		grown = append(grown, filepath.Dir(p))
	}
	if len(grown) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return grown, nil
}

// SyncDir makes the names created, renamed or removed in dir durable.
//
// The policy, the same for every caller: on Unix the folder is fsynced,
// and a file system that answers that it cannot sync a folder (EINVAL or
// ENOTSUP: SMB/CIFS mounts, some FUSE file systems, SMB on macOS) counts
// as synced. There the server decides when a name reaches its disk and a
// client can ask nothing more; the rename has already happened, and
// failing would report a file that is in place as not written and stop
// every write to the share. Any other error (EIO, say) is returned. On
// Windows it does nothing: a folder cannot be opened for flushing, and
// NTFS journals the change of name itself.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	err = d.Sync()
	if cannotSync(err) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}

// cannotSync reports the answer of a file system that does not sync
// folders; see SyncDir.
func cannotSync(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}
