package safefile

import (
	"os"
	"path/filepath"
	"testing"

	"countybrief/pipeline/internal/testuser"
)

// A flush that fails fails Sync, whether it flushes a handful of files
// one by one or their file system at once: the caller must not record
// what it wrote as done. Run as an ordinary user, whom a folder made
// unreadable stops.
func TestPendingSyncFails(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	for _, tt := range []struct {
		name  string
		files []string
	}{{"a handful", many(2)}, {"many", many(12)}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "outbox")
			var p Pending
			for _, f := range tt.files {
				if err := p.WriteFile(filepath.Join(dir, f), content("x")); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(dir, 0); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(dir, 0o755)
			if err := p.Sync(); err == nil {
				t.Error("Sync over a folder it cannot open succeeded")
			}
		})
	}
}
