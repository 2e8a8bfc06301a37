package xlsxscan

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCacheLendsSharedParts opens two workbooks of one writer through one
// Cache: the second takes the parts they share from the first.
func TestCacheLendsSharedParts(t *testing.T) {
	cache := NewCache()
	path := filepath.Join(foreignDir, "excelize.xlsx")
	first, second := openFile(t, path, cache), openFile(t, path, cache)
	if len(cache.parts) < 5 {
		t.Fatalf("%d parts cached after one workbook, want its shared parts", len(cache.parts))
	}
	for _, name := range []string{"xl/styles.xml", "xl/workbook.xml", "_rels/.rels"} {
		if first.parts[name] != second.parts[name] {
			t.Errorf("%s unzipped twice", name)
		}
	}
	if first.parts["xl/worksheets/sheet1.xml"] == second.parts["xl/worksheets/sheet1.xml"] {
		t.Error("a worksheet met once was lent from the cache")
	}
}

// TestCacheLendsRepeatedSheets opens workbooks whose worksheets usually
// differ: a worksheet is lent only once its bytes were met twice (as the
// hidden 表格資訊 sheet of one catalogue's forms is), and one with other
// bytes under the same name never.
func TestCacheLendsRepeatedSheets(t *testing.T) {
	const sheet = "xl/worksheets/sheet1.xml"
	cache := NewCache()
	path := filepath.Join(foreignDir, "excelize.xlsx")
	first, second, third := openFile(t, path, cache), openFile(t, path, cache), openFile(t, path, cache)
	if first.parts[sheet] == second.parts[sheet] {
		t.Error("a worksheet met once was lent")
	}
	if second.parts[sheet] != third.parts[sheet] {
		t.Error("a worksheet met twice was not lent to the next workbook")
	}
	other := openFile(t, filepath.Join(foreignDir, "libreoffice.xlsx"), cache)
	if other.parts[sheet] == third.parts[sheet] || other.parts[sheet].text == third.parts[sheet].text {
		t.Error("another workbook's worksheet of the same name was lent")
	}
	var rows [2]int
	for i, b := range []*Book{first, third} {
		if err := b.Rows(b.Sheets()[0], func(int, []string) error { rows[i]++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if rows[0] == 0 || rows[0] != rows[1] {
		t.Errorf("rows of the lent sheet %d, of the unzipped one %d", rows[1], rows[0])
	}
}

// TestRowsAndEmptyCells reads the openpyxl form, whose value cells hold
// formulas without a cached value: Rows gives them empty, and Formula
// says it cannot tell what they hold.
func TestRowsAndEmptyCells(t *testing.T) {
	b := openFile(t, filepath.Join(foreignDir, "openpyxl.xlsx"), nil)
	sheets := b.Sheets()
	if len(sheets) == 0 {
		t.Fatal("no sheets")
	}
	var empty [][2]int // column, row
	rows := 0
	err := b.Rows(sheets[0], func(row int, cells []string) error {
		if row <= rows {
			t.Fatalf("row %d after row %d", row, rows)
		}
		rows = row
		for i, c := range cells {
			if c == "" {
				empty = append(empty, [2]int{i + 1, row})
			}
		}
		return nil
	})
	if err != nil || rows == 0 {
		t.Fatalf("Rows: %d rows, %v", rows, err)
	}
	unsupported := slices.ContainsFunc(empty, func(c [2]int) bool {
		_, err := b.Formula(sheets[0], c[0], c[1])
		return errors.Is(err, ErrUnsupported)
	})
	if !unsupported {
		t.Error("no empty cell with a formula is unsupported")
	}
	stop := errors.New("stop")
	if err := b.Rows(sheets[0], func(int, []string) error { return stop }); err != stop {
		t.Errorf("Rows returned %v, want the error of add", err)
	}
	if _, err := b.Formula("no such sheet", 1, 1); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Formula of a missing sheet: %v", err)
	}
}

// TestScratchKeepsCacheWhole opens workbooks of two writers in turn
// through one Scratch and one Cache: the next workbook overwrites the
// Scratch's text, never what the Cache lends, and each Book reads as one
// opened on memory of its own.
func TestScratchKeepsCacheWhole(t *testing.T) {
	cache := NewCache()
	var s Scratch
	lent := map[string]string{} // each cached part's text when first cached
	paths := []string{"excelize.xlsx", "libreoffice.xlsx", "excelize.xlsx", "libreoffice.xlsx", "excelize.xlsx"}
	for _, name := range paths {
		data, err := os.ReadFile(filepath.Join(foreignDir, name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(zr, data, testLimits, cache)
		if err != nil {
			t.Fatal(err)
		}
		for key, p := range cache.parts {
			if _, ok := lent[key]; !ok {
				lent[key] = strings.Clone(p.text)
			}
		}
		own := openFile(t, filepath.Join(foreignDir, name), nil)
		for part, p := range own.parts {
			if b.parts[part].text != p.text {
				t.Errorf("%s: %s reads otherwise through the Scratch", name, part)
			}
		}
		if got, want := rowsOf(t, b), rowsOf(t, own); !slices.Equal(got, want) {
			t.Errorf("%s: rows %q, want %q", name, got, want)
		}
	}
	for key, p := range cache.parts {
		if p.text != lent[key] {
			t.Errorf("a cached part was overwritten: %.80q, was %.80q", p.text, lent[key])
		}
	}
}

// rowsOf is every row of a Book's first sheet, its cells joined.
func rowsOf(t *testing.T, b *Book) []string {
	t.Helper()
	var out []string
	if err := b.Rows(b.Sheets()[0], func(n int, cells []string) error {
		out = append(out, strconv.Itoa(n)+":"+strings.Join(cells, "|"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestScratchLetsGoOfLargeWorkbook opens a workbook whose worksheet
// unzips to more than a Scratch keeps: once trimmed, the Scratch holds
// none of it, and the next workbook opens as it would on its own.
func TestScratchLetsGoOfLargeWorkbook(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(foreignDir, "excelize.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == "xl/worksheets/sheet1.xml" {
			text = append(text, bytes.Repeat([]byte("\n"), 2*maxKeptText)...) // whitespace after the root
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(text); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	large := out.Bytes()
	var s Scratch
	for i, file := range [][]byte{large, data} {
		zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(zr, file, testLimits, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rowsOf(t, b), rowsOf(t, openFile(t, filepath.Join(foreignDir, "excelize.xlsx"), nil)); !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if i == 0 && cap(s.text) <= maxKeptText {
			t.Fatalf("the large worksheet took %d bytes of the Scratch", cap(s.text))
		}
		s.Trim()
		if cap(s.text) > maxKeptText {
			t.Errorf("a trimmed Scratch holds %d bytes of text", cap(s.text))
		}
	}
}
