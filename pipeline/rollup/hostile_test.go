package rollup

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/form/xlsxscan"
	"countybrief/pipeline/vocab"
)

// TestHostileReports: a 上報 workbook is read within the form reader's
// limits, and what is over them is one finding, never a crash or a
// read of the whole.
func TestHostileReports(t *testing.T) {
	big := sample()
	for i := range 300 {
		big.Units = append(big.Units, Unit{Code: fmt.Sprintf("U%03d", i), Kind: "鄉鎮", SHA256: strings.Repeat("0", 64), Values: map[string]float64{"members": 1}})
	}
	cases := []struct {
		name string
		data []byte
		lim  form.Limits
		rule string
	}{
		{"rows over the cap", write(t, big), form.Limits{MaxRows: 100}, RuleLimit},
		{"cells over the cap", write(t, big), form.Limits{MaxCells: 500}, RuleLimit},
		{"unzips over the cap", write(t, big), form.Limits{MaxUnzipBytes: 20 << 10}, RuleLimit},
		{"XML elements over the cap", write(t, big), form.Limits{MaxElements: 1000}, RuleLimit},
		{"file over the size cap", write(t, big), form.Limits{MaxBytes: 1 << 10}, form.RuleLimit},
		{"data sheet of another format", setCells(t, write(t, sample()), map[string]any{"B1": "2"}), form.Limits{}, RuleFormat},
		{"head row moved", setCells(t, write(t, sample()), map[string]any{"A4": "期號"}), form.Limits{}, RuleFormat},
		{"no county row", setCells(t, write(t, sample()), map[string]any{"A11": "單位"}), form.Limits{}, RuleFormat},
		{"truncated", write(t, sample())[:2000], form.Limits{}, form.RuleFormat},
		// A unit's file name is only shown, never opened; a path put there
		// after publishing breaks the seal all the same.
		{"a unit's file named up the tree", setCells(t, write(t, sample()), map[string]any{"E14": "../../config.yaml"}), form.Limits{}, RuleSeal},
		{"a unit's file named by an absolute path", setCells(t, write(t, sample()), map[string]any{"E14": "/etc/passwd"}), form.Limits{}, RuleSeal},
		{"escape codes in a name", setCells(t, write(t, sample()), map[string]any{"C14": "洋川鎮\x1b]0;pwned\x07"}), form.Limits{}, RuleSeal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub, fs := NewReader(catalogue(), tc.lim).ReadBytes("上報.xlsx", tc.data)
			if !hasError(fs, tc.rule) {
				t.Fatalf("want an error of %s, got %+v", tc.rule, fs)
			}
			if sub != nil && len(sub.Values) == len(catalogue().Inputs()) && !vocab.HasError(fs) {
				t.Error("a hostile file read as a good one")
			}
			if rep, _ := Parse(tc.data, tc.lim); rep != nil {
				for _, u := range rep.Units {
					if strings.ContainsAny(u.Name+u.File+u.Code, "\x1b\x07\n") {
						t.Errorf("control characters kept in %q", u.Name)
					}
				}
			}
		})
	}
}

func hasError(fs []vocab.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule && f.Severity == vocab.Error {
			return true
		}
	}
	return false
}

// TestIsReportLooksOnlyAtTheWorkbookPart: a zip that only names the
// sheet elsewhere, has too few sheets to be one, or a workbook part too
// large to be a real one, is not taken for a 上報 workbook.
func TestIsReportLooksOnlyAtTheWorkbookPart(t *testing.T) {
	// zipOf is a zip of three worksheets and one more part, so that the
	// part, not the count of sheets, decides.
	zipOf := func(name, content string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, sheet := range []string{"sheet1", "sheet2", "sheet3"} {
			w, _ := zw.Create("xl/worksheets/" + sheet + ".xml")
			w.Write([]byte("<worksheet/>"))
		}
		w, _ := zw.Create(name)
		w.Write([]byte(content))
		zw.Close()
		return buf.Bytes()
	}
	cases := []struct {
		name string
		data []byte
		want bool
	}{
		{"report", write(t, sample()), true},
		{"sheet named in another part", zipOf("xl/sharedStrings.xml", `name="`+Sheet+`"`), false},
		{"huge workbook part", zipOf("xl/workbook.xml", `name="`+Sheet+`"`+strings.Repeat(" ", maxWorkbookPart)), false},
		{"not a zip", []byte("name=\"" + Sheet + "\""), false},
		{"the workbook part of three sheets", zipOf("xl/workbook.xml", `<sheet name="`+Sheet+`"/>`), true},
		{"the workbook part of two sheets", func() []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, name := range []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml"} {
				w, _ := zw.Create(name)
				w.Write([]byte(`<sheet name="` + Sheet + `"/>`))
			}
			zw.Close()
			return buf.Bytes()
		}(), false},
	}
	for _, tc := range cases {
		if got := IsReport(tc.data); got != tc.want {
			t.Errorf("%s: IsReport %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestFallbackBoundsTheDataSheet: a workbook the fast reader gives up on
// (here a file name with the strict OOXML namespace's host in the shared
// strings) is bounded by its data sheet and the parts excelize parses,
// not by the totals workbook's other large sheets; a data sheet over the
// bounds is still refused.
func TestFallbackBoundsTheDataSheet(t *testing.T) {
	book := func(t *testing.T, cells int) []byte {
		f := excelize.NewFile()
		defer f.Close()
		if err := f.SetSheetName("Sheet1", "來源"); err != nil {
			t.Fatal(err)
		}
		for i := range cells {
			cell, _ := excelize.CoordinatesToCellName(1+i%10, 1+i/10)
			if err := f.SetCellInt("來源", cell, int64(i)); err != nil {
				t.Fatal(err)
			}
		}
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	r := sample()
	r.Units[0].File = "purl.oclc.org.xlsx"
	lim := form.Limits{MaxElements: 3000}
	for _, tc := range []struct {
		name   string
		cells  int
		units  int
		limits bool
	}{
		{"large other sheet", 5000, 0, false},
		{"large data sheet", 10, 300, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := *r
			for i := range tc.units {
				rep.Units = append(rep.Units, Unit{Code: fmt.Sprintf("U%03d", i), SHA256: strings.Repeat("0", 64), Values: map[string]float64{"members": 0, "notes": 0}})
			}
			var buf bytes.Buffer
			if err := Write(&buf, book(t, tc.cells), &rep, func(s string) string { return s }); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if _, err := xlsxscan.Open(zr, data, xlsxscan.Limits{MaxUnzipBytes: 1 << 30, MaxDepth: 64, MaxElements: 1 << 30}, nil); err == nil {
				t.Fatal("the fast reader read it: the test would not reach the fallback")
			}
			_, fs := NewReader(catalogue(), lim).ReadBytes("上報.xlsx", data)
			if got := hasError(fs, RuleLimit); got != tc.limits {
				t.Errorf("limit finding %v, want %v: %+v", got, tc.limits, fs)
			}
		})
	}
}
