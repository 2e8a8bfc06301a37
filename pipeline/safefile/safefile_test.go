package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unicode/utf8"
)

func content(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries lists dir's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// What a crash in the middle of a write leaves is the temporary file: it
// must be recognisable as a leftover, and say which file it was for.
func TestCrashLeftoverIsRecognisable(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(string, func(io.Writer) error) error
	}{{"WriteFile", WriteFile}, {"WriteNew", WriteNew}, {"WriteUnsynced", WriteUnsynced}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "簡報-第3期.pdf")
			var during []string
			err := tt.write(path, func(w io.Writer) error {
				during = entries(t, dir) // as a crash now would leave it
				_, err := io.WriteString(w, "%PDF")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(during) != 1 || !IsTemp(during[0]) || !strings.HasPrefix(during[0], ".簡報-第3期.pdf.") {
				t.Errorf("while writing the folder holds %q, want one .簡報-第3期.pdf.*.tmp", during)
			}
			if got := entries(t, dir); len(got) != 1 || got[0] != "簡報-第3期.pdf" {
				t.Errorf("after writing the folder holds %q, want the file alone", got)
			}
		})
	}
}

// A name near the file system's limit is still written: only its
// temporary name is shortened, at a character boundary.
func TestLongNameWrites(t *testing.T) {
	base := strings.Repeat("報", 80) + ".xlsx" // 245 bytes
	if p := tempPattern(base); len(p)-len("*")+len("4294967295") > maxNameBytes || !utf8.ValidString(p) || !IsTemp(p) {
		t.Errorf("tempPattern gives %q (%d bytes)", p, len(p))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, base)
	if err := WriteFile(path, content("x")); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(filepath.Join(dir, "_"+base), content("x")); err != nil {
		t.Fatal(err)
	}
}

// Outputs are for the whole office: 0644, although a temporary file
// starts private.
func TestOutputsAre0644(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no permission bits")
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		write func(string, func(io.Writer) error) error
	}{{"WriteFile", WriteFile}, {"WriteNew", WriteNew}, {"WriteUnsynced", WriteUnsynced}} {
		path := filepath.Join(dir, tt.name+".txt")
		if err := tt.write(path, content("x")); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != 0o644 {
			t.Errorf("%s made %s, want -rw-r--r--", tt.name, got)
		}
	}
}

// WriteFile and WriteUnsynced replace a file, create missing folders,
// and on a failed write return the writer's error and leave the old file
// and nothing else.
func TestWriteFile(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(string, func(io.Writer) error) error
	}{{"WriteFile", WriteFile}, {"WriteUnsynced", WriteUnsynced}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "outbox", "returns", "Z01", "note.txt")
			if err := tt.write(path, content("first")); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(path, content("second")); err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, path); got != "second" {
				t.Errorf("file holds %q, want the second write", got)
			}
			errBroken := errors.New("template broke")
			err := tt.write(path, func(w io.Writer) error {
				io.WriteString(w, "half")
				return errBroken
			})
			if !errors.Is(err, errBroken) {
				t.Errorf("%s = %v, want the writer's error", tt.name, err)
			}
			if got := mustRead(t, path); got != "second" {
				t.Errorf("after a failed write the file holds %q", got)
			}
			if got := entries(t, filepath.Dir(path)); len(got) != 1 {
				t.Errorf("after a failed write the folder holds %q", got)
			}
		})
	}
}

// A reader never sees a half-written file, whichever write it catches,
// whether the writer waits for the disk or not.
func TestWriteFileReaderSeesWholeFile(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(string, func(io.Writer) error) error
	}{{"WriteFile", WriteFile}, {"WriteUnsynced", WriteUnsynced}} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "totals.xlsx")
			versions := []string{strings.Repeat("a", 300<<10), strings.Repeat("b", 200<<10)}
			if err := tt.write(path, content(versions[0])); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			done := make(chan struct{})
			wg.Go(func() {
				defer close(done)
				for i := range 20 {
					if err := tt.write(path, content(versions[i%2])); err != nil {
						t.Error(err)
						return
					}
				}
			})
			for {
				select {
				case <-done:
					wg.Wait()
					return
				default:
				}
				b, err := os.ReadFile(path)
				if err != nil && runtime.GOOS != "windows" { // Windows may refuse a file being renamed over
					t.Fatal(err)
				}
				if err == nil && string(b) != versions[0] && string(b) != versions[1] {
					t.Fatalf("read %d bytes, neither version", len(b))
				}
			}
		})
	}
}

// WriteNew never replaces: a name taken leaves the file there alone and
// fails with fs.ErrExist, which the archive counts on to try the next
// name; a missing folder fails with fs.ErrNotExist, for the archive to
// make it again and note it.
func TestWriteNewNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "報表__20081205T101500Z__1a2b3c4d.xlsx")
	if err := WriteNew(path, content("judged")); err != nil {
		t.Fatal(err)
	}
	err := WriteNew(path, content("other"))
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteNew over a file = %v, want fs.ErrExist", err)
	}
	if got := mustRead(t, path); got != "judged" {
		t.Errorf("the file holds %q after a refused write", got)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("the folder holds %q, want the file alone", got)
	}
	if err := WriteNew(filepath.Join(dir, "gone", "f"), content("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteNew into a missing folder = %v, want fs.ErrNotExist", err)
	}
	errDiffers := errors.New("differs")
	if err := WriteNew(filepath.Join(dir, "f2"), func(io.Writer) error { return errDiffers }); !errors.Is(err, errDiffers) {
		t.Errorf("WriteNew = %v, want the writer's error", err)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("after a failed write the folder holds %q", got)
	}
}

func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte(filepath.Base(p)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RenameNoReplace(a, b); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename onto a file = %v, want fs.ErrExist", err)
	}
	if mustRead(t, a) != "a" || mustRead(t, b) != "b" {
		t.Error("a refused rename changed a file")
	}
	if err := RenameNoReplace(a, c); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a); !errors.Is(err, fs.ErrNotExist) || mustRead(t, c) != "a" {
		t.Errorf("after the rename: old name %v, new holds %q", err, mustRead(t, c))
	}
	if err := RenameNoReplace(a, filepath.Join(dir, "d")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename of a missing file = %v, want fs.ErrNotExist", err)
	}
}

// SyncDir works on a disk's folder and on tmpfs, and reports a folder
// that is not there.
func TestSyncDir(t *testing.T) {
	dirs := map[string]string{"regular": t.TempDir()}
	if runtime.GOOS == "linux" {
		if shm, err := os.MkdirTemp("/dev/shm", "safefile-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(shm) })
			dirs["tmpfs"] = shm
		}
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := SyncDir(dir); err != nil {
				t.Error(err)
			}
			if err := WriteFile(filepath.Join(dir, "new", "f"), content("x")); err != nil {
				t.Error(err)
			}
		})
	}
	if runtime.GOOS != "windows" {
		if err := SyncDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("SyncDir of a missing folder = %v, want fs.ErrNotExist", err)
		}
	}
}

// The policy: a file system that cannot sync a folder counts as synced;
// any other failure is one.
func TestCannotSync(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&fs.PathError{Op: "sync", Path: "/mnt/share", Err: syscall.EINVAL}, true},
		{&fs.PathError{Op: "sync", Path: "/mnt/share", Err: syscall.ENOTSUP}, true},
		{&fs.PathError{Op: "sync", Path: "/data", Err: syscall.EIO}, false},
		{fmt.Errorf("wrapped: %w", syscall.EROFS), false},
		{nil, false},
	} {
		if got := cannotSync(tt.err); got != tt.want {
			t.Errorf("cannotSync(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// BenchmarkWriteSmall writes a file the size of the ledger's mark over
// itself, waiting for the disk and not: what the mark costs a batch at
// its start and its end.
func BenchmarkWriteSmall(b *testing.B) {
	mark := `{"checked":"2026-12-05","files":[{"size":4096,"mod_time":1},{"size":0,"mod_time":0}],"migrated":true}` + "\n"
	for _, tt := range []struct {
		name  string
		write func(string, func(io.Writer) error) error
	}{{"WriteFile", WriteFile}, {"WriteUnsynced", WriteUnsynced}} {
		b.Run(tt.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "ledger.checked")
			for b.Loop() {
				if err := tt.write(path, content(mark)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
