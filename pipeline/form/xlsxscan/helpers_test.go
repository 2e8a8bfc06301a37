package xlsxscan

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// testLimits are form's defaults: far above any real form.
var testLimits = Limits{MaxUnzipBytes: 64 << 20, MaxDepth: 64, MaxElements: 200000}

// foreignDir holds forms saved by other spreadsheet writers.
var foreignDir = filepath.Join("..", "..", "..", "testdata", "foreign")

// openFile opens the workbook at path, which must open.
func openFile(t testing.TB, path string, cache *Cache) *Book {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(zr, data, testLimits, cache)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
