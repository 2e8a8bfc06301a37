package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// Pending writes as WriteFile does (whole files, new folders, nothing
// left by a failed write), lists what waits for its sync, and its Sync
// flushes that once, whether a handful (fsyncs) or many (syncfs), and
// fails when a folder went away since: what it held is not durable.
func TestPendingWritesAndSyncs(t *testing.T) {
	errBroken := errors.New("renderer failed")
	for _, tt := range []struct {
		name   string
		files  []string // relative to the test's folder; the write of "!…" fails
		remove string   // removed after writing, before the sync
		want   []string // listed before the sync
	}{
		{"one file in a folder that exists", []string{"a.txt"}, "", []string{"a.txt"}},
		{"new folders two deep", []string{"returns/Z01/x.txt", "returns/Z01/x.xlsx"}, "", []string{"returns/Z01/x.txt", "returns/Z01/x.xlsx"}},
		{"a failed write is not listed", []string{"草稿/簡報.pdf", "!草稿/匯總表.xlsx"}, "", []string{"草稿/簡報.pdf"}},
		{"many files: one flush of the file system", many(12), "", many(12)},
		{"a folder removed before the sync: what it held is not durable", many(9), "f4", many(9)},
		{"a handful, a folder removed", many(2), "f1", many(2)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var p Pending
			for _, f := range tt.files {
				write := content("body of " + f)
				if f[0] == '!' {
					f = f[1:]
					write = func(w io.Writer) error {
						io.WriteString(w, "half")
						return errBroken
					}
				}
				err := p.WriteFile(filepath.Join(dir, f), write)
				if err != nil && !errors.Is(err, errBroken) {
					t.Fatal(err)
				}
			}
			var want []string
			for _, f := range tt.want {
				want = append(want, filepath.Join(dir, f))
			}
			if got := p.Files(); !slices.Equal(got, want) {
				t.Errorf("waiting for the sync: %q, want %q", got, want)
			}
			for _, f := range tt.want {
				if got := mustRead(t, filepath.Join(dir, f)); got != "body of "+f {
					t.Errorf("%s holds %q", f, got)
				}
			}
			if tt.remove != "" {
				if err := os.RemoveAll(filepath.Join(dir, tt.remove)); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Sync(); (err != nil) != (tt.remove != "") {
				t.Fatalf("Sync: %v, want an error only with a folder removed", err)
			}
			if got := p.Files(); len(got) != 0 {
				t.Errorf("after the sync %q still wait", got)
			}
			filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && IsTemp(d.Name()) {
					t.Errorf("temporary file left: %s", path)
				}
				return nil
			})
		})
	}
}

// many names n files, each in a folder of its own.
func many(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("f%d/x.txt", i))
	}
	return out
}

// Writers on many goroutines (a batch's 退回 copies and its draft) each
// get their file listed once, folders they share or not.
func TestPendingConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	var p Pending
	var wg sync.WaitGroup
	const n = 64
	for i := range n {
		wg.Go(func() {
			path := filepath.Join(dir, "returns", fmt.Sprintf("U%02d", i%5), fmt.Sprintf("%d.txt", i))
			if err := p.WriteFile(path, content("x")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(p.Files()); got != n {
		t.Errorf("%d files wait for the sync, want %d", got, n)
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
}
