package xlsxscan

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCacheNotPoisonedByAnotherUnit sends, through one Cache, a hostile
// unit's workbooks whose worksheet wears the honest form's part name (and,
// forged, its checksum and sizes) over other bytes, each three times so
// that a part it could plant would be lent. The honest form read after
// them must read as it does without a cache.
func TestCacheNotPoisonedByAnotherUnit(t *testing.T) {
	const sheet = "xl/worksheets/sheet1.xml"
	honest, err := os.ReadFile(filepath.Join(foreignDir, "excelize.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	want := allRows(t, honest, nil)
	text := partText(t, honest, sheet)
	other := strings.Replace(text, "<v>3</v>", "<v>4</v>", 1)
	if other == text {
		t.Fatal("the hostile sheet does not differ")
	}
	for _, tc := range []struct {
		name string
		// hostile returns the raw part and its header, from the honest one.
		hostile func(h zip.FileHeader, raw []byte) (zip.FileHeader, []byte)
		opens   bool
	}{
		{"other figures, honest checksum and sizes", func(h zip.FileHeader, _ []byte) (zip.FileHeader, []byte) {
			return h, deflate(t, other)
		}, false},
		{"other figures, own checksum", func(h zip.FileHeader, _ []byte) (zip.FileHeader, []byte) {
			raw := deflate(t, other)
			h.CRC32, h.UncompressedSize64, h.CompressedSize64 = crc32.ChecksumIEEE([]byte(other)), uint64(len(other)), uint64(len(raw))
			return h, raw
		}, true},
		{"honest bytes, forged checksum", func(h zip.FileHeader, raw []byte) (zip.FileHeader, []byte) {
			h.CRC32++
			return h, raw
		}, false},
		{"honest bytes, stored not deflated", func(h zip.FileHeader, raw []byte) (zip.FileHeader, []byte) {
			h.Method = zip.Store
			return h, raw
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := NewCache()
			bad := rewritePart(t, honest, sheet, tc.hostile)
			for range 3 {
				_, err := openBytes(bad, cache)
				if tc.opens != (err == nil) {
					t.Fatalf("hostile workbook opens: %v, want %v (%v)", err == nil, tc.opens, err)
				}
			}
			for range 3 {
				if got := allRows(t, honest, cache); !slices.EqualFunc(got, want, slices.Equal) {
					t.Fatal("the honest form reads otherwise after the hostile unit's")
				}
			}
		})
	}
}

func openBytes(data []byte, cache *Cache) (*Book, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	return Open(zr, data, testLimits, cache)
}

// allRows is every sheet's rows, each row's number first.
func allRows(t *testing.T, data []byte, cache *Cache) [][]string {
	t.Helper()
	b, err := openBytes(data, cache)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, s := range b.Sheets() {
		if err := b.Rows(s, func(n int, cells []string) error {
			out = append(out, append([]string{s, strconv.Itoa(n)}, cells...))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) == 0 {
		t.Fatal("no rows read")
	}
	return out
}

func partText(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deflate(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewritePart copies the workbook, handing part name's header and raw
// bytes through change.
func rewritePart(t *testing.T, data []byte, name string, change func(zip.FileHeader, []byte) (zip.FileHeader, []byte)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != name {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		rc, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		h, raw := change(f.FileHeader, raw)
		h.Flags &^= 0x8
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
