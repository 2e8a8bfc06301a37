package form

import (
	"archive/zip"
	"bytes"
	"countybrief/pipeline/vocab"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Hostile files: a few kilobytes that ask a reader for minutes of work or
// gigabytes of memory (issue 10.4). Each shape has a generator with a size;
// the tests read small ones, committed under testdata/hostile by -update,
// and the benchmarks the sizes that once took minutes.
var hostileDir = filepath.Join(repoTestdata, "hostile")

type hostileShape struct {
	name string
	// make builds the file at size n (elements, depth, rows…).
	make  func(g *gen, n int) []byte
	small int // committed under testdata/hostile, under 50 KB
	big   int // benchmarked: what the issue measured
	want  want
	says  string // what the finding's message must say
}

func hostileShapes() []hostileShape {
	return []hostileShape{
		{name: "deep-nesting", make: deepNesting, small: 1000, big: 4_000_000, want: want{RuleLimit, ""}, says: "嵌套"},
		{name: "element-flood", make: elementFlood, small: 250_000, big: 8_000_000, want: want{RuleLimit, ""}, says: "元素"},
		{name: "sum-fanout", make: sumFanout, small: 10, big: 45, want: want{RuleNumber, "C8"}, says: "公式太複雜"},
		// big: the 19,900 less room for the rows of MetaSheet, which count against the same limit.
		{name: "formula-chain", make: formulaChain, small: 2500, big: 19_850, want: want{RuleNumber, "C8"}, says: "公式太複雜"},
		{name: "shared-strings", make: sharedStrings, small: 150_000, big: 2_000_000, want: want{RuleLimit, ""}, says: "元素"},
		{name: "many-sheets", make: manySheets, small: 80, big: 1900, want: want{RuleLimit, ""}, says: "單元格數"},
	}
}

// deepNesting opens n elements one inside the other in the form sheet.
func deepNesting(g *gen, n int) []byte {
	return g.patchSheet(g.good(), func(x string) string {
		return strings.Replace(x, "<sheetData>", strings.Repeat("<x>", n)+strings.Repeat("</x>", n)+"<sheetData>", 1)
	})
}

// elementFlood puts n empty elements in sheetData, before the rows.
func elementFlood(g *gen, n int) []byte {
	return g.patchSheet(g.good(), func(x string) string {
		return strings.Replace(x, "<sheetData>", "<sheetData>"+strings.Repeat("<x/>", n), 1)
	})
}

// sumFanout gives n rows of 1,000 cells, each summing the 1,000 cells of
// the next row, and points the first value cell at the first of them. The
// issue's file had 90 rows, which the cells limit now refuses before any
// formula is computed.
func sumFanout(g *gen, n int) []byte {
	return g.patchSheet(g.good(), func(x string) string {
		var b strings.Builder
		for r := 100; r < 100+n; r++ {
			fmt.Fprintf(&b, `<row r="%d">`, r)
			for c := 1; c <= 1000; c++ {
				fmt.Fprintf(&b, `<c r="%s"><f>SUM(A%d:ALL%d)</f></c>`, cellName(c, r), r+1, r+1)
			}
			b.WriteString("</row>")
		}
		x = replaceCell(x, "C8", `<c r="C8"><f>SUM(A100:ALL100)</f></c>`)
		return strings.Replace(x, "</sheetData>", b.String()+"</sheetData>", 1)
	})
}

// formulaChain makes n cells each adding 1 to the next, and the first
// value cell the head of the chain.
func formulaChain(g *gen, n int) []byte {
	return g.patchSheet(g.good(), func(x string) string {
		var b strings.Builder
		for r := 100; r < 100+n; r++ {
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d"><f>A%d+1</f></c></row>`, r, r, r+1)
		}
		x = replaceCell(x, "C8", `<c r="C8"><f>A100</f></c>`)
		return strings.Replace(x, "</sheetData>", b.String()+"</sheetData>", 1)
	})
}

// sharedStrings adds n shared strings nobody uses.
func sharedStrings(g *gen, n int) []byte {
	return g.rezip(g.good(), func(name string, body []byte) []byte {
		if name == "xl/sharedStrings.xml" {
			return []byte(strings.Replace(string(body), "</sst>", strings.Repeat("<si><t>字</t></si>", n)+"</sst>", 1))
		}
		return body
	})
}

// manySheets adds n sheets whose cells together are over the cells
// limit, and renames the form sheet, so that every sheet is read.
func manySheets(g *gen, n int) []byte {
	sheet := []byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData><row>` +
		strings.Repeat("<c><v>1</v></c>", DefaultLimits().MaxCells/n+1) + `</row></sheetData></worksheet>`)
	data := g.rezip(g.good(), func(name string, body []byte) []byte {
		var add strings.Builder
		switch name {
		case "xl/workbook.xml":
			for i := 0; i < n; i++ {
				fmt.Fprintf(&add, `<sheet name="S%d" sheetId="%d" r:id="rIdX%d"/>`, i, i+100, i)
			}
			return []byte(strings.Replace(strings.Replace(string(body), "</sheets>", add.String()+"</sheets>", 1), `name="`+SheetName+`"`, `name="S"`, 1))
		case "xl/_rels/workbook.xml.rels":
			for i := 0; i < n; i++ {
				fmt.Fprintf(&add, `<Relationship Id="rIdX%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/copy%d.xml"/>`, i, i)
			}
			return []byte(strings.Replace(string(body), "</Relationships>", add.String()+"</Relationships>", 1))
		case "[Content_Types].xml":
			for i := 0; i < n; i++ {
				fmt.Fprintf(&add, `<Override PartName="/xl/worksheets/copy%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
			}
			return []byte(strings.Replace(string(body), "</Types>", add.String()+"</Types>", 1))
		}
		return body
	})
	files := map[string][]byte{}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("xl/worksheets/copy%d.xml", i)] = sheet
	}
	return g.addParts(data, files)
}

func TestHostileFiles(t *testing.T) {
	shapes := hostileShapes()
	if *update {
		if err := os.MkdirAll(hostileDir, 0o755); err != nil {
			t.Fatal(err)
		}
		g := &gen{t: t, ws: loadWorkspace(t), dir: t.TempDir()}
		for _, s := range shapes {
			data := s.make(g, s.small)
			if len(data) >= 50<<10 {
				t.Fatalf("%s is %d KB, over the 50 KB of a committed file", s.name, len(data)>>10)
			}
			if err := os.WriteFile(filepath.Join(hostileDir, s.name+".xlsx"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	ws := loadWorkspace(t)
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			path := filepath.Join(hostileDir, s.name+".xlsx")
			_, fs := readGuarded(t, path, ws.Catalogue)
			checkHostile(t, s, fs)
		})
	}
}

// TestHostileShapesAtSize reads each shape at the size the issue measured,
// generated here rather than committed: a hang guard and a check of the
// finding, never a timing.
func TestHostileShapesAtSize(t *testing.T) {
	if testing.Short() {
		t.Skip("generates files of tens of megabytes unzipped")
	}
	ws := loadWorkspace(t)
	g := &gen{t: t, ws: ws, dir: t.TempDir()}
	for _, s := range hostileShapes() {
		t.Run(s.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), s.name+".xlsx")
			if err := os.WriteFile(path, s.make(g, s.big), 0o644); err != nil {
				t.Fatal(err)
			}
			_, fs := readGuarded(t, path, ws.Catalogue)
			checkHostile(t, s, fs)
		})
	}
}

func checkHostile(t *testing.T, s hostileShape, fs []vocab.Finding) {
	t.Helper()
	i := slices.IndexFunc(fs, func(f vocab.Finding) bool { return f.Rule == s.want.rule && f.Cell == s.want.cell })
	if i < 0 || fs[i].Severity != vocab.Error || !strings.Contains(fs[i].Message, s.says) || fs[i].Fix == "" {
		for _, f := range fs {
			t.Logf("%s %s %s!%s %s %s", f.Rule, f.Severity, f.Sheet, f.Cell, f.Message, f.Fix)
		}
		t.Fatalf("no error %v saying %q", s.want, s.says)
	}
}

// BenchmarkHostile reads each shape at the size the issue measured, as a
// batch would: the CPU and the memory a hostile file costs.
func BenchmarkHostile(b *testing.B) {
	ws := loadWorkspace(b)
	g := &gen{t: b, ws: ws, dir: b.TempDir()}
	for _, s := range hostileShapes() {
		data := s.make(g, s.big)
		path := s.name + ".xlsx"
		b.Run(s.name, func(b *testing.B) {
			rd := NewReader(ws.Catalogue, DefaultLimits())
			b.ReportAllocs()
			for b.Loop() {
				if _, fs := rd.ReadBytes(path, data); !vocab.HasError(fs) {
					b.Fatalf("accepted: %v", fs)
				}
			}
		})
	}
}

// TestHostilePartWithBadChecksum: excelize parses a part whose checksum
// is wrong, so the bounds count it too.
func TestHostilePartWithBadChecksum(t *testing.T) {
	ws := loadWorkspace(t)
	g := &gen{t: t, ws: ws, dir: t.TempDir()}
	data := elementFlood(g, 250_000)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			zf.CRC32++
		}
		raw, err := zf.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&zf.FileHeader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bad-crc.xlsx")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, fs := readGuarded(t, path, ws.Catalogue)
	checkHostile(t, hostileShape{want: want{RuleLimit, ""}, says: "元素"}, fs)
}
