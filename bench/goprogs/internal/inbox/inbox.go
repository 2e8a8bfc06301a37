// Package inbox lists the forms under INBOX/<unit folder>/ the way the
// Python peers do, so that every bench program reads the same files.
package inbox

import (
	"os"
	"path/filepath"
	"strings"
)

// File is one form: its unit folder and its name in that folder.
type File struct {
	Folder, Name string
}

// Forms lists INBOX/<folder>/*.xlsx in the order the Python peers use,
// leaving out Excel's ~$ lock files.
func Forms(inbox string) ([]File, error) {
	folders, err := os.ReadDir(inbox)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, d := range folders {
		if !d.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(inbox, d.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if strings.HasSuffix(strings.ToLower(f.Name()), ".xlsx") && !strings.HasPrefix(f.Name(), "~$") {
				out = append(out, File{Folder: d.Name(), Name: f.Name()})
			}
		}
	}
	return out, nil
}
