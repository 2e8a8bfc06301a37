package pipeline

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A form's packed rules are written into a folder of check's own; a
// hostile form's names must never reach outside it, on any system.
func TestPackNamesStayInTheirFolder(t *testing.T) {
	for _, name := range []string{
		"../config.yaml", "/etc/x.yaml", "rules/../../x.yaml", `rules/a\..\..\..\x.yaml`,
		"rules/C:x.yaml", "rules/.hidden.yaml", "rules/x.txt", "other/x.yaml", "rules/sub/x.yaml",
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			if err := json.NewEncoder(zw).Encode(map[string]string{name: "x: 1"}); err != nil {
				t.Fatal(err)
			}
			zw.Close()
			root := t.TempDir()
			dir := filepath.Join(root, "check")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := unpackTo(dir, base64.StdEncoding.EncodeToString(buf.Bytes())); !errors.Is(err, errBadPack) {
				t.Errorf("unpack %q: %v; want errBadPack", name, err)
			}
			entries, _ := os.ReadDir(root)
			if len(entries) != 1 {
				t.Errorf("unpack %q wrote beside the folder: %v", name, entries)
			}
		})
	}
}
