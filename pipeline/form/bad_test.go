package form

import (
	"archive/zip"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// The files under testdata/bad are made by this generator
// (go test ./pipeline/form -run 'TestBad|TestOdd' -update) and committed, so
// that the table below pins what each faulty file reads to.
var badDir = filepath.Join(repoTestdata, "bad")

// want is one expected finding: rule id and cell ("" for a whole-file or
// missing-row finding).
type want struct {
	rule, cell string
}

type fileCase struct {
	name  string
	make  func(g *gen) []byte
	want  []want
	value map[string]float64 // odd cases: values that differ from sampleValues
	check func(t *testing.T, sub *Submission)
}

// gen builds test files from the good filled form.
type gen struct {
	t   testing.TB
	ws  *workspace.Workspace
	dir string
}

func (g *gen) good() []byte {
	var buf bytes.Buffer
	if err := WriteFilled(&buf, g.ws.Catalogue, unit(g.t, g.ws, "Z01"), "2008-12", sampleIdentity(), sampleValues()); err != nil {
		g.t.Fatal(err)
	}
	return buf.Bytes()
}

// edit opens the good form, applies fn to its sheet and returns the bytes.
func (g *gen) edit(values map[string]float64, fn func(f *excelize.File, sheet string) error) []byte {
	vs := sampleValues()
	maps.Copy(vs, values)
	var buf bytes.Buffer
	if err := WriteFilled(&buf, g.ws.Catalogue, unit(g.t, g.ws, "Z01"), "2008-12", sampleIdentity(), vs); err != nil {
		g.t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		g.t.Fatal(err)
	}
	defer f.Close()
	if err := fn(f, SheetName); err != nil {
		g.t.Fatal(err)
	}
	out, err := f.WriteToBuffer()
	if err != nil {
		g.t.Fatal(err)
	}
	return out.Bytes()
}

func (g *gen) set(cell string, v any) func(*excelize.File, string) error {
	return func(f *excelize.File, sheet string) error { return f.SetCellValue(sheet, cell, v) }
}

// patchSheet rewrites the form sheet's XML, for cells excelize cannot write
// (a cached error, a date serial).
func (g *gen) patchSheet(data []byte, fn func(string) string) []byte {
	return g.rezip(data, func(name string, body []byte) []byte {
		if name == "xl/worksheets/sheet1.xml" {
			return []byte(fn(string(body)))
		}
		return body
	})
}

func (g *gen) rezip(data []byte, fn func(name string, body []byte) []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		g.t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			g.t.Fatal(err)
		}
		var body bytes.Buffer
		if _, err := body.ReadFrom(rc); err != nil {
			g.t.Fatal(err)
		}
		rc.Close()
		patched := fn(zf.Name, body.Bytes())
		if patched == nil {
			continue // dropped
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			g.t.Fatal(err)
		}
		if _, err := w.Write(patched); err != nil {
			g.t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		g.t.Fatal(err)
	}
	return out.Bytes()
}

// formula replaces a cell by a formula with no cached result, as a program
// that does not calculate leaves it.
func (g *gen) formula(cell, formula string) func(*excelize.File, string) error {
	return func(f *excelize.File, sheet string) error {
		if err := f.SetCellValue(sheet, cell, nil); err != nil {
			return err
		}
		return f.SetCellFormula(sheet, cell, formula)
	}
}

func replaceCell(xml, cell, with string) string {
	re := regexp.MustCompile(`<c r="` + cell + `"[^>]*?(/>|>.*?</c>)`)
	return re.ReplaceAllString(xml, with)
}

func zipOf(g *gen, files map[string]string) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			g.t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			g.t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		g.t.Fatal(err)
	}
	return out.Bytes()
}

// converted is the good form converted by LibreOffice to another format.
func (g *gen) converted(format, ext string) []byte {
	src := filepath.Join(g.dir, "good.xlsx")
	if err := os.WriteFile(src, g.good(), 0o644); err != nil {
		g.t.Fatal(err)
	}
	out := libreoffice(g.t, src, format, filepath.Join(g.dir, ext))
	data, err := os.ReadFile(out)
	if err != nil {
		g.t.Fatal(err)
	}
	return data
}

func (g *gen) blankWorkbook(fn func(f *excelize.File) error) []byte {
	f := excelize.NewFile()
	defer f.Close()
	if err := fn(f); err != nil {
		g.t.Fatal(err)
	}
	out, err := f.WriteToBuffer()
	if err != nil {
		g.t.Fatal(err)
	}
	return out.Bytes()
}

var format = []want{{RuleFormat, ""}}

func badCases() []fileCase {
	return []fileCase{
		{name: "empty.xlsx", make: func(g *gen) []byte { return nil }, want: format},
		{name: "pdf.xlsx", make: func(g *gen) []byte {
			return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
		}, want: format},
		{name: "notes.xlsx", make: func(g *gen) []byte { return []byte("洋川鎮 查找突出問題 4 個\n其中已解決 2 個\n") }, want: format},
		{name: "export.csv", make: func(g *gen) []byte { return []byte("指標,數值\n查找突出問題,4\n其中已解決,2\n") }, want: format},
		{name: "gbk.csv", make: func(g *gen) []byte {
			return []byte("\xd6\xb8\xb1\xea,\xca\xfd\xd6\xb5\r\n\xb2\xe9\xd5\xd2,4\r\n") // 指标,数值 / 查找,4 in GBK
		}, want: format},
		{name: "utf16.txt", make: func(g *gen) []byte { return []byte{0xFF, 0xFE, '4', 0, '\t', 0, '2', 0} }, want: format},
		{name: "page.xls", make: func(g *gen) []byte {
			return []byte("<html><body><table><tr><td>查找突出問題</td><td>4</td></tr></table></body></html>")
		}, want: format},
		{name: "xml2003.xls", make: func(g *gen) []byte {
			return []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1"/></Workbook>`)
		}, want: format},
		{name: "photo.xlsx", make: func(g *gen) []byte { return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") }, want: format},
		{name: "archive.rar", make: func(g *gen) []byte { return []byte("Rar!\x1a\x07\x00") }, want: format},
		{name: "binary.xlsx", make: func(g *gen) []byte { return bytes.Repeat([]byte{0x01, 0x02, 0x00, 0xFE}, 64) }, want: format},
		{name: "form.ods", make: func(g *gen) []byte { return g.converted("ods", "ods") }, want: format},
		{name: "form.xls", make: func(g *gen) []byte { return g.converted("xls:MS Excel 97", "xls") }, want: format},
		{name: "xls-renamed.xlsx", make: func(g *gen) []byte { return g.converted("xls:MS Excel 97", "xls2") }, want: format},
		{name: "wps.et", make: func(g *gen) []byte { return g.converted("xls:MS Excel 97", "et") }, want: format},
		{name: "password.xlsx", make: func(g *gen) []byte {
			f, err := excelize.OpenReader(bytes.NewReader(g.good()))
			if err != nil {
				g.t.Fatal(err)
			}
			defer f.Close()
			var buf bytes.Buffer
			if err := f.Write(&buf, excelize.Options{Password: "123456"}); err != nil {
				g.t.Fatal(err)
			}
			return buf.Bytes()
		}, want: format},
		{name: "truncated.xlsx", make: func(g *gen) []byte { d := g.good(); return d[:len(d)/2] }, want: format},
		{name: "no-central-directory.xlsx", make: func(g *gen) []byte { d := g.good(); return d[:len(d)-200] }, want: format},
		{name: "zip-garbage.xlsx", make: func(g *gen) []byte {
			return append([]byte("PK\x03\x04"), bytes.Repeat([]byte("garbage"), 40)...)
		}, want: format},
		{name: "report.docx", make: func(g *gen) []byte {
			return zipOf(g, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
		}, want: format},
		{name: "packed.zip", make: func(g *gen) []byte {
			return zipOf(g, map[string]string{"Z01.xlsx": string(g.good())})
		}, want: format},
		{name: "no-content-types.xlsx", make: func(g *gen) []byte {
			return g.rezip(g.good(), func(name string, body []byte) []byte {
				if name == "[Content_Types].xml" {
					return nil
				}
				return body
			})
		}, want: format},
		{name: "broken-xml.xlsx", make: func(g *gen) []byte {
			return g.rezip(g.good(), func(name string, body []byte) []byte {
				if name == "xl/workbook.xml" {
					return body[:len(body)/3]
				}
				return body
			})
		}, want: format},
		{name: "unrelated.xlsx", make: func(g *gen) []byte {
			return g.blankWorkbook(func(f *excelize.File) error {
				return f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "電話", "住址"})
			})
		}, want: format},
		{name: "zip-bomb.xlsx", make: func(g *gen) []byte {
			pad := strings.Repeat(" ", 65<<20)
			return g.rezip(g.good(), func(name string, body []byte) []byte {
				if name == "xl/worksheets/sheet1.xml" {
					return []byte(strings.Replace(string(body), "<sheetData>", "<sheetData>"+pad, 1))
				}
				return body
			})
		}, want: []want{{RuleLimit, ""}}},
		{name: "far-row.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, g.set("A1048576", "x"))
		}, want: []want{{RuleLimit, ""}}},
		{name: "wide-rows.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				for r := 100; r < 120; r++ {
					if err := f.SetCellValue(sheet, fmt.Sprintf("XFD%d", r), "x"); err != nil {
						return err
					}
				}
				return nil
			})
		}, want: []want{{RuleLimit, ""}}},
		{name: "percent.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C10", "50%")) }, want: []want{{RuleNumber, "C10"}}},
		{name: "decimal-count.xlsx", make: func(g *gen) []byte { return g.edit(map[string]float64{}, g.set("C17", 12.5)) }, want: []want{{RuleNumber, "C17"}}},
		{name: "words.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C31", "約6條左右")) }, want: []want{{RuleNumber, "C31"}}},
		{name: "wan-yuan.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C34", "0.52萬元")) }, want: []want{{RuleMeasure, "C34"}}},
		{name: "huge-number.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C33", 1e20)) }, want: []want{{RuleNumber, "C33"}}},
		{name: "error-cell.xlsx", make: func(g *gen) []byte {
			return g.patchSheet(g.good(), func(x string) string {
				return replaceCell(x, "C13", `<c r="C13" t="e"><f>1/0</f><v>#DIV/0!</v></c>`)
			})
		}, want: []want{{RuleNumber, "C13"}}},
		{name: "required-blank.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C21", nil)) }, want: []want{{RuleRequired, "C21"}}},
		{name: "required-none-word.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C9", "無")) }, want: []want{{RuleRequired, "C9"}}},
		{name: "whole-sheet-formula.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, g.formula("C32", "SUM(A1:XFD1048576)"))
		}, want: []want{{RuleNumber, "C32"}}},
		{name: "self-reference.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, g.formula("C32", "C32+1"))
		}, want: []want{{RuleNumber, "C32"}}},
		{name: "row-deleted.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error { return f.RemoveRow(sheet, 12) })
		}, want: []want{{RuleRow, ""}}},
		{name: "row-duplicated.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error { return f.DuplicateRow(sheet, 22) })
		}, want: []want{{RuleDuplicate, "C23"}}},
		{name: "code-cleared.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("B3", nil)) }, want: []want{{RuleIdentity, "B3"}}},
		{name: "name-label-gone.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C3", nil)) }, want: []want{{RuleIdentity, ""}}},
		{name: "bad-period.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("F3", "2008年12月")) }, want: []want{{RuleIdentity, "F3"}}},
		{name: "bad-unit-code.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("B3", "../../Z01")) }, want: []want{{RuleIdentity, "B3"}}},
		{name: "old-version.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("F2", "2007.2")) }, want: []want{{RuleVersion, "F2"}}},
		{name: "no-version.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.SetCellValue(sheet, "E2", nil); err != nil {
					return err
				}
				return f.SetCellValue(sheet, "F2", nil)
			})
		}, want: []want{{RuleVersion, ""}}},
		{name: "filler-blank.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				for _, c := range []string{"B4", "D4", "F4"} {
					if err := f.SetCellValue(sheet, c, nil); err != nil {
						return err
					}
				}
				return nil
			})
		}, want: []want{{RuleIdentity, "B4"}, {RuleIdentity, "D4"}, {RuleIdentity, "F4"}}},
		{name: "many-faults.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				for cell, v := range map[string]any{"C8": "1個半", "C14": nil, "C30": "30%", "C35": 2.5} {
					if err := f.SetCellValue(sheet, cell, v); err != nil {
						return err
					}
				}
				return nil
			})
		}, want: []want{{RuleNumber, "C8"}, {RuleRequired, "C14"}, {RuleNumber, "C30"}, {RuleNumber, "C35"}}},
	}
}

// oddCases are files a clerk may well send that must still read right.
func oddCases() []fileCase {
	return []fileCase{
		{name: "rows-moved.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				// Swap the rows of problems_found (10) and people_benefited (14).
				for _, col := range []string{"B", "C", "D", "E", "F"} {
					a, _ := f.GetCellValue(sheet, col+"10")
					b, _ := f.GetCellValue(sheet, col+"14")
					if err := f.SetCellValue(sheet, col+"10", b); err != nil {
						return err
					}
					if err := f.SetCellValue(sheet, col+"14", a); err != nil {
						return err
					}
				}
				return nil
			})
		}, check: cellIs("problems_found", "C14")},
		{name: "rows-inserted.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.InsertRows(sheet, 12, 2); err != nil {
					return err
				}
				return f.SetCellValue(sheet, "B12", "本單位補充說明：數字截至12月4日")
			})
		}, check: cellIs("help_problems_solved", "C37")},
		{name: "rows-hidden.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				for _, r := range []int{9, 20, 28} {
					if err := f.SetRowVisible(sheet, r, false); err != nil {
						return err
					}
				}
				return f.SetColVisible(sheet, "E", false)
			})
		}},
		{name: "column-inserted.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error { return f.InsertCols(sheet, "C", 1) })
		}, check: cellIs("members", "D28")},
		{name: "codes-cleared.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				for _, c := range []string{"E8", "E22", "E34"} {
					if err := f.SetCellValue(sheet, c, nil); err != nil {
						return err
					}
				}
				return nil
			})
		}, check: cellIs("help_funds", "C34")},
		{name: "sheet-renamed-extra.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.SetSheetName(sheet, "Sheet1"); err != nil {
					return err
				}
				if _, err := f.NewSheet("說明"); err != nil {
					return err
				}
				if err := f.SetCellValue("說明", "A1", "本表數字經單位負責人審核"); err != nil {
					return err
				}
				return f.MoveSheet("說明", "Sheet1")
			})
		}, check: cellSheet("Sheet1")},
		{name: "numbers-as-text.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				for cell, v := range map[string]string{"C13": "1,536", "C14": "７，０２１", "C17": "5場次", "C32": " 20 ", "C34": "5,200.50元", "C28": "333人"} {
					if err := f.SetCellStr(sheet, cell, v); err != nil {
						return err
					}
				}
				return nil
			})
		}},
		{name: "formula-no-cache.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, g.formula("C11", "C10-C8-C9"))
		}},
		{name: "formula-cached.xlsx", make: func(g *gen) []byte {
			return g.patchSheet(g.good(), func(x string) string {
				return replaceCell(x, "C28", `<c r="C28"><f>300+33</f><v>333</v></c>`)
			})
		}},
		{name: "merged-value.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.MergeCell(sheet, "C19", "C20"); err != nil {
					return err
				}
				return f.MergeCell(sheet, "C8", "D8")
			})
		}, value: map[string]float64{"topics_revised_thrice": 1}},
		{name: "negative.xlsx", make: func(g *gen) []byte { return g.edit(nil, g.set("C12", -3)) }, value: map[string]float64{"deeds_done": -3}},
		{name: "optional-blank.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.SetCellValue(sheet, "C15", nil); err != nil {
					return err
				}
				return f.SetCellValue(sheet, "C24", "無")
			})
		}, value: map[string]float64{"mechanisms": 0, "projects_planned": 0}, check: func(t *testing.T, sub *Submission) {
			if !slices.Equal(sub.Blank, []string{"mechanisms", "projects_planned"}) {
				t.Errorf("Blank = %v, want [mechanisms projects_planned]", sub.Blank)
			}
		}},
		{name: "date-serial.xlsx", make: func(g *gen) []byte {
			return g.patchSheet(g.good(), func(x string) string {
				return replaceCell(x, "F4", `<c r="F4"><v>39786</v></c>`)
			})
		}},
		{name: "other-unit.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.SetCellValue(sheet, "B3", "Z02"); err != nil {
					return err
				}
				return f.SetCellValue(sheet, "D3", "鄭場鎮")
			})
		}, check: func(t *testing.T, sub *Submission) {
			// Whether Z02's file may come from Z01's folder is the batch's call.
			if sub.UnitCode != "Z02" || sub.UnitName != "鄭場鎮" {
				t.Errorf("identity %s %s, want Z02 鄭場鎮 as written", sub.UnitCode, sub.UnitName)
			}
		}},
		{name: "labels-with-colons.xlsx", make: func(g *gen) []byte {
			return g.edit(nil, func(f *excelize.File, sheet string) error {
				if err := f.SetCellValue(sheet, "A3", "單位代碼："); err != nil {
					return err
				}
				// The date typed one cell too far right.
				if err := f.SetCellValue(sheet, "F4", nil); err != nil {
					return err
				}
				if err := f.SetCellValue(sheet, "G4", "2008-12-04"); err != nil {
					return err
				}
				return f.UnprotectSheet(sheet)
			})
		}},
	}
}

func cellIs(code, cell string) func(*testing.T, *Submission) {
	return func(t *testing.T, sub *Submission) {
		if got := sub.Cells[code].Cell; got != cell {
			t.Errorf("%s read from %s, want %s", code, got, cell)
		}
	}
}

func cellSheet(sheet string) func(*testing.T, *Submission) {
	return func(t *testing.T, sub *Submission) {
		if got := sub.Cells["members"].Sheet; got != sheet {
			t.Errorf("members read from sheet %q, want %q", got, sheet)
		}
	}
}

func generate(t *testing.T, cases []fileCase) {
	t.Helper()
	if !*update {
		return
	}
	if err := os.MkdirAll(badDir, 0o755); err != nil {
		t.Fatal(err)
	}
	g := &gen{t: t, ws: loadWorkspace(t), dir: t.TempDir()}
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(badDir, c.name), c.make(g), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readGuarded reads under a deadline: a hang guard, not a speed check.
func readGuarded(t *testing.T, path string, cat *workspace.Catalogue) (*Submission, []vocab.Finding) {
	t.Helper()
	type result struct {
		sub *Submission
		fs  []vocab.Finding
		err error
	}
	done := make(chan result, 1)
	go func() {
		sub, fs, err := Read(path, cat, DefaultLimits())
		done <- result{sub, fs, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Read(%s): %v", path, r.err)
		}
		return r.sub, r.fs
	case <-time.After(time.Minute):
		t.Fatalf("Read(%s) did not return within a minute", path)
	}
	return nil, nil
}

// says is what the clerk must be told a file is, for files that are not a
// form: the finding must name the kind, not only say "bad file".
var says = map[string]string{
	"empty.xlsx": "空的", "pdf.xlsx": "PDF", "notes.xlsx": "純文本", "export.csv": "CSV", "gbk.csv": "CSV",
	"utf16.txt": "文本", "page.xls": "HTML", "xml2003.xls": "2003 XML", "photo.xlsx": "圖片",
	"archive.rar": "壓縮包", "binary.xlsx": "無法識別", "form.ods": ".ods", "form.xls": ".xls",
	"xls-renamed.xlsx": ".xls", "wps.et": "WPS", "password.xlsx": "密碼", "truncated.xlsx": "不完整",
	"no-central-directory.xlsx": "不完整", "zip-garbage.xlsx": "不完整", "report.docx": "Word",
	"packed.zip": "壓縮包", "no-content-types.xlsx": "內容類型", "broken-xml.xlsx": "損壞",
	"unrelated.xlsx": "不是本系統下發", "zip-bomb.xlsx": "解壓後", "far-row.xlsx": "行數", "wide-rows.xlsx": "單元格數",
}

func TestBadFiles(t *testing.T) {
	cases := badCases()
	generate(t, cases)
	ws := loadWorkspace(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub, fs := readGuarded(t, filepath.Join(badDir, c.name), ws.Catalogue)
			var got []want
			for _, f := range fs {
				if w, ok := says[c.name]; ok && !strings.Contains(f.Message, w) {
					t.Errorf("message %q does not say %q", f.Message, w)
				}
				got = append(got, want{f.Rule, f.Cell})
				if f.Message == "" || f.Fix == "" {
					t.Errorf("finding without message or fix: %+v", f)
				}
				if f.Cell != "" && f.Sheet == "" {
					t.Errorf("finding with a cell but no sheet: %+v", f)
				}
			}
			if !slices.Equal(got, c.want) {
				for _, f := range fs {
					t.Logf("%s %s!%s %s %s", f.Rule, f.Sheet, f.Cell, f.Message, f.Fix)
				}
				t.Errorf("findings %v, want %v", got, c.want)
			}
			if !vocab.HasError(fs) && c.want[0].rule != RuleVersion && c.want[0].rule != RuleIdentity && c.want[0].rule != RuleMeasure {
				t.Errorf("no error finding")
			}
			if len(c.want) == 1 && (c.want[0].rule == RuleFormat || c.want[0].rule == RuleLimit) && sub != nil {
				t.Errorf("a submission from a file that is not a readable form: %+v", sub)
			}
		})
	}
	if len(cases) < 30 {
		t.Errorf("only %d bad files", len(cases))
	}
}

func TestOddFiles(t *testing.T) {
	cases := oddCases()
	generate(t, cases)
	ws := loadWorkspace(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub, fs := readGuarded(t, filepath.Join(badDir, c.name), ws.Catalogue)
			for _, f := range fs {
				t.Errorf("finding %s %s!%s %s", f.Rule, f.Sheet, f.Cell, f.Message)
			}
			if sub == nil {
				t.Fatal("no submission")
			}
			wantValues := sampleValues()
			maps.Copy(wantValues, c.value)
			if !maps.Equal(sub.Values, wantValues) {
				for code, v := range wantValues {
					if sub.Values[code] != v {
						t.Errorf("%s = %v, want %v", code, sub.Values[code], v)
					}
				}
			}
			if sub.UnitCode == "" || sub.Period != "2008-12" || sub.Date != "2008-12-04" || sub.FormVersion != FormVersion {
				t.Errorf("identity %+v", sub.Identity)
			}
			if c.check != nil {
				c.check(t, sub)
			}
		})
	}
}

// addParts appends parts to a zip.
func (g *gen) addParts(data []byte, files map[string][]byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		g.t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if err := zw.Copy(zf); err != nil {
			g.t.Fatal(err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			g.t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			g.t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		g.t.Fatal(err)
	}
	return out.Bytes()
}

// TestEveryProblemInOnePass: a form with cells that cannot be read still
// gives a Submission, with every other value and the unreadable ones
// apart, so that the rules can run on what was read (issue 11.4).
func TestEveryProblemInOnePass(t *testing.T) {
	ws := loadWorkspace(t)
	tests := []struct {
		file       string
		unreadable []string // cells
		values     map[string]float64
	}{
		{"many-faults.xlsx", []string{"C14", "C30", "C35", "C8"}, map[string]float64{"members": 333, "problems_found": 4}},
		{"row-deleted.xlsx", nil, map[string]float64{"members": 333}},
		{"row-duplicated.xlsx", []string{"C22"}, map[string]float64{"members": 333}},
		{"error-cell.xlsx", []string{"C13"}, map[string]float64{"members": 333}},
		{"whole-sheet-formula.xlsx", []string{"C32"}, map[string]float64{"members": 333}},
		{"wan-yuan.xlsx", nil, map[string]float64{"help_funds": 5200}},
		{"numbers-as-text.xlsx", nil, map[string]float64{"tutoring_sessions": 5, "members": 333}},
	}
	for _, tt := range tests {
		sub, fs := readGuarded(t, filepath.Join(badDir, tt.file), ws.Catalogue)
		if sub == nil {
			t.Errorf("%s: no submission", tt.file)
			continue
		}
		var cells []string
		for code, why := range sub.Unreadable {
			if why == "" {
				t.Errorf("%s: %s unreadable without a reason", tt.file, code)
			}
			if loc, ok := sub.Cells[code]; ok {
				cells = append(cells, loc.Cell)
			}
		}
		slices.Sort(cells)
		if !slices.Equal(cells, tt.unreadable) {
			t.Errorf("%s: unreadable cells %v, want %v (%v)", tt.file, cells, tt.unreadable, sub.Unreadable)
		}
		if len(sub.Unreadable) > 0 && !vocab.HasError(fs) {
			t.Errorf("%s: unreadable values without an error finding", tt.file)
		}
		for code, v := range tt.values {
			if got, ok := sub.Values[code]; !ok || got != v {
				t.Errorf("%s: %s = %v (read %v), want %v", tt.file, code, got, ok, v)
			}
		}
		if n := len(sub.Values) + len(sub.Unreadable); n != len(ws.Catalogue.Inputs()) {
			t.Errorf("%s: %d values and unreadable, want %d", tt.file, n, len(ws.Catalogue.Inputs()))
		}
	}
}
