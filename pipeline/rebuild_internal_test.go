package pipeline

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestParseArchived: an archived file's place and name give back its
// status, period, unit and original name in both layouts, the unit ending
// at the first @ whatever the original name holds.
func TestParseArchived(t *testing.T) {
	const stamp = "__20261205T022117Z__cf9d9069.xlsx"
	tests := []struct {
		rel        string
		unit, orig string
		problem    bool
	}{
		{"accepted/2008-12/J01@報表" + stamp, "J01", "報表.xlsx", false},
		{"accepted/2008-12/J01/報表" + stamp, "J01", "報表.xlsx", false},
		{"rejected/2008-12/J01@甲@乙" + stamp, "J01", "甲@乙.xlsx", false},
		{"rejected/2008-12/J01/甲@乙" + stamp, "J01", "甲@乙.xlsx", false},
		{"rejected/_unknown/_unknown@a" + stamp, "_unknown", "a.xlsx", false},
		{"accepted/2008-12/@報表" + stamp, "", "", true},
		{"accepted/2008-12/報表" + stamp, "", "", true},
		{"duplicate/2008-12/J01@報表" + stamp, "", "", true},
		{"accepted/2008-12/J01@報表.xlsx", "", "", true},
	}
	root := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			path := filepath.Join(root, filepath.FromSlash(tt.rel))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			f, problem := parseArchived(root, path, fs.FileInfoToDirEntry(info))
			if (problem != "") != tt.problem {
				t.Fatalf("problem %q, want one: %v", problem, tt.problem)
			}
			if f != nil && (f.unit != tt.unit || f.orig != tt.orig || f.period == "") {
				t.Errorf("unit %q, original %q, period %q; want %q, %q", f.unit, f.orig, f.period, tt.unit, tt.orig)
			}
		})
	}
}
