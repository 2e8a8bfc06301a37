package inbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestReadClaim reads files around the limit: the content up to it, the
// hash of all of it always, and the status os.Stat gives.
func TestReadClaim(t *testing.T) {
	const limit = 100
	for _, tc := range []struct {
		name     string
		size     int
		wantData bool
	}{
		{"empty", 0, true},
		{"small", 10, true},
		{"at the limit", limit, true},
		{"one past the limit", limit + 1, false},
		{"far past the limit", 100 << 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
			path := filepath.Join(t.TempDir(), "form.xlsx")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			data, sha, info, err := ReadClaim(path, limit)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(content)
			if want := hex.EncodeToString(sum[:]); sha != want {
				t.Errorf("sha %s, want %s", sha, want)
			}
			switch {
			case tc.wantData && !bytes.Equal(data, content):
				t.Errorf("read %d bytes, want the file's %d", len(data), len(content))
			case !tc.wantData && data != nil:
				t.Errorf("read %d bytes of a file over the limit, want none", len(data))
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() != st.Size() || !info.ModTime().Equal(st.ModTime()) || info.Mode() != st.Mode() || info.Name() != st.Name() {
				t.Errorf("status %v %v %v %s, want %v %v %v %s", info.Size(), info.ModTime(), info.Mode(), info.Name(), st.Size(), st.ModTime(), st.Mode(), st.Name())
			}
		})
	}
}

// TestReadClaimErrors: a missing file is fs.ErrNotExist, a folder fails
// to read.
func TestReadClaimErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, _, err := ReadClaim(filepath.Join(dir, "gone.xlsx"), 100); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, _, _, err := ReadClaim(dir, 100); err == nil {
		t.Error("a folder read as a file")
	}
}

// TestReadClaimHashesWhatItsStatusSays: a file over the limit that a
// writer keeps growing is hashed up to the size its status gave, so the
// read ends however long the writer goes on, and the hash is of the file
// as it was when opened (the archive sees that it grew since).
func TestReadClaimHashesWhatItsStatusSays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "form.xlsx")
	start := bytes.Repeat([]byte("judged "), 1<<16)
	if err := os.WriteFile(path, start, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The writer is running before the file is opened and writes once
	// more after it is read, so the file always grows past its status.
	stop, running, wrote := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		chunk := bytes.Repeat([]byte("later "), 1<<12)
		for i := 0; ; i++ {
			if _, err := w.Write(chunk); err != nil {
				wrote <- err
				return
			}
			if i == 0 {
				close(running)
			}
			select {
			case <-stop:
				if _, err := w.Write(chunk); err != nil {
					wrote <- err
				}
				close(wrote)
				return
			default:
			}
		}
	}()
	<-running
	_, sha, info, err := ReadClaim(path, 1<<10)
	close(stop)
	if werr, ok := <-wrote; ok {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content[:info.Size()])
	if want := hex.EncodeToString(sum[:]); sha != want {
		t.Errorf("hash %s..., want that of the first %d bytes, the status's size, %s...", sha[:8], info.Size(), want[:8])
	}
}
