package rules

import (
	"countybrief/pipeline/vocab"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary rule files to the loader: it must return a set
// or vocab.Problems, never panic, and a set it returns must check a unit and run
// its examples without panicking either.
func FuzzLoad(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	shipped, err := filepath.Glob(filepath.Join("defaults", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(files, shipped...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	ws := testWorkspace(f)
	in := UnitInput{Unit: ws.Units[0], Values: saneUnit(), Prev: saneUnit(), Locate: locate(ws.Catalogue)}
	unread := in
	unread.Unreadable = map[string]string{"members": "公式出錯", "help_funds": "「一百」不是數字"}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fuzz.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
		if err != nil {
			var ps vocab.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not vocab.Problems: %v", err)
			}
			return
		}
		s.CheckUnit(in)
		s.CheckUnit(unread)
		s.CheckCounty([]UnitInput{in, in}, mergedTotals(ws, []UnitInput{in, in}))
		s.Test()
	})
}
