package form

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/rules"
)

// FuzzRead feeds arbitrary bytes, seeded with every good, odd and bad file,
// to Read and to WriteReturn: neither may panic, and Read must either
// return a full Submission or say with an error finding why not.
func FuzzRead(f *testing.F) {
	for _, dir := range []string{badDir, foreignDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			// The zip bomb would make every mutation unzip 65 MB.
			if len(data) <= 64<<10 {
				f.Add(data)
			}
		}
	}
	ws := loadWorkspace(f)
	inputs := len(ws.Catalogue.Inputs())
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "form.xlsx")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if sub == nil && !rules.HasError(fs) {
			t.Fatalf("no submission and no error finding: %+v", fs)
		}
		if sub != nil && len(sub.Values) != inputs {
			t.Fatalf("%d values, want %d", len(sub.Values), inputs)
		}
		for _, fd := range fs {
			if !strings.HasPrefix(fd.Rule, "form.") || fd.Message == "" || fd.Fix == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
		var buf bytes.Buffer
		if err := WriteReturn(&buf, path, sub, fs); err != nil {
			t.Fatalf("WriteReturn: %v", err)
		}
	})
}
