package rollup

import (
	"archive/zip"
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// catalogue is a small catalogue of two sums and their ratio.
func catalogue() *workspace.Catalogue {
	return &workspace.Catalogue{Version: "2008版", Indicators: []workspace.Indicator{
		{Code: "members", Label: "黨員人數", Measure: "人", Type: workspace.TypeInteger, Required: true, Aggregate: workspace.AggSum},
		{Code: "notes", Label: "筆記字數", Measure: "字", Type: workspace.TypeDecimal, Aggregate: workspace.AggSum},
		{Code: "per", Label: "人均筆記", Measure: "字", Type: workspace.TypeDecimal, Aggregate: workspace.AggRatio, Of: "notes", Per: "members", Scale: 1},
	}}
}

// sample is a report as publish makes it: its figures are what its
// units make.
func sample() *Report {
	return &Report{
		County: "007", CountyName: "綏陽縣", Period: "2008-12", Issue: 3, Catalogue: "2008版", Date: "2008-12-06",
		Columns: []string{"members", "notes", "per"},
		Totals:  map[string]float64{"members": 30, "notes": 0.30000000000000004 + 100, "per": (0.30000000000000004 + 100) / 30},
		Kinds: []Group{
			{Kind: "鄉鎮", Values: map[string]float64{"members": 10, "notes": 100, "per": 10}},
			{Kind: "縣直", Values: map[string]float64{"members": 20, "notes": 0.30000000000000004, "per": 0.30000000000000004 / 20}},
		},
		Units: []Unit{
			{Code: "Z01", Name: "洋川鎮", Kind: "鄉鎮", File: "洋川鎮.xlsx", SHA256: strings.Repeat("a1", 32), Values: map[string]float64{"members": 10, "notes": 100}},
			{Code: "0123", Name: "1234", Kind: "縣直", File: "", SHA256: strings.Repeat("0f", 32), Values: map[string]float64{"members": 20, "notes": 0.30000000000000004}},
		},
	}
}

// totalsBook stands for the totals workbook publish writes.
func totalsBook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "匯總"); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t testing.TB, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, totalsBook(t), r, func(s string) string { return s }); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip: what Write writes, Parse reads back exactly, and the
// Reader takes as the county's form with its figures at their cells.
func TestRoundTrip(t *testing.T) {
	r := sample()
	data := write(t, r)
	got, fs := Parse(data, form.Limits{})
	if len(fs) > 0 {
		t.Fatalf("findings: %v", fs)
	}
	// A figure travels with the 15 significant digits a spreadsheet
	// keeps: 0.30000000000000004 arrives as 0.3.
	r = rounded(r)
	if r.Totals["notes"] != 100.3 || r.Units[1].Values["notes"] != 0.3 {
		t.Fatalf("rounded %v", r)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, r)
	}
	sub, fs := NewReader(catalogue(), form.Limits{}).ReadBytes("上報.xlsx", write(t, sample()))
	if len(fs) > 0 || sub == nil {
		t.Fatalf("reader: %v", fs)
	}
	want := map[string]float64{"members": 30, "notes": 100.3}
	if !reflect.DeepEqual(sub.Values, want) || sub.UnitCode != "007" || sub.Period != "2008-12" || sub.FormVersion != "2008版" {
		t.Errorf("submission %+v", sub)
	}
	if sub.Cells["members"] != (form.Location{Sheet: Sheet, Cell: "G11"}) || sub.Cells["period"] != (form.Location{Sheet: Sheet, Cell: "B4"}) {
		t.Errorf("cells %v", sub.Cells)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if vis, _ := f.GetSheetVisible(Sheet); vis {
		t.Error("the data sheet is visible")
	}
	if p, err := f.GetSheetProtection(Sheet); err != nil || p.EditObjects || p.FormatCells || !p.SelectLockedCells {
		t.Errorf("the data sheet is not protected: %+v, %v", p, err)
	}
	wb, err := zipPart(data, "xl/workbook.xml")
	if err != nil || !strings.Contains(wb, `lockStructure="true"`) || !strings.Contains(wb, `state="veryHidden"`) {
		t.Errorf("workbook structure not locked or the sheet not very hidden: %v\n%s", err, wb)
	}
}

func zipPart(data []byte, name string) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	rc, err := zr.Open(name)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

func TestReaderFindings(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Report)
		cells map[string]any // edits after sealing
		rules []string
	}{
		{name: "genuine"},
		{name: "figure edited", cells: map[string]any{"G11": 31}, rules: []string{RuleSeal, RuleSum}},
		{name: "unit figure edited", cells: map[string]any{"G14": 11}, rules: []string{RuleSeal, RuleSum}},
		{name: "code edited", cells: map[string]any{"B2": "008"}, rules: []string{RuleSeal}},
		{name: "bad sha256", cells: map[string]any{"F14": "xyz"}, rules: []string{RuleFormat, RuleSeal}},
		{name: "text for a number", cells: map[string]any{"H11": "一百"}, rules: []string{RuleFormat, RuleSeal}},
		{name: "other catalogue", edit: func(r *Report) { r.Catalogue = "2009版" }, rules: []string{RuleVersion}},
		{name: "indicator missing", edit: func(r *Report) { r.Columns = r.Columns[:2] }, rules: []string{RuleVersion}},
		{name: "subtotal off", edit: func(r *Report) { r.Kinds[0].Values["members"] = 11 }, rules: []string{RuleSum}},
		{name: "unit listed twice", edit: func(r *Report) { r.Units[1].Code = "Z01" }, rules: []string{RuleFormat}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sample()
			if tc.edit != nil {
				tc.edit(r)
			}
			data := write(t, r)
			if tc.cells != nil {
				data = setCells(t, data, tc.cells)
			}
			_, fs := NewReader(catalogue(), form.Limits{}).ReadBytes("上報.xlsx", data)
			var got []string
			for _, f := range fs {
				if f.Severity == vocab.Error && !contains(got, f.Rule) {
					got = append(got, f.Rule)
				}
				if f.Sheet != Sheet && f.Cell != "" || !strings.Contains(f.Message, Sheet) {
					t.Errorf("finding not placed on the data sheet: %+v", f)
				}
			}
			if !sameSet(got, tc.rules) {
				t.Errorf("rules %v, want %v: %+v", got, tc.rules, fs)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func setCells(t testing.TB, data []byte, cells map[string]any) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, v := range cells {
		if err := f.SetCellValue(Sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFormsStillReadAsForms: a unit's form goes to the form reader.
func TestFormsStillReadAsForms(t *testing.T) {
	cat := catalogue()
	var buf bytes.Buffer
	u := workspace.Unit{Code: "Z01", Name: "洋川鎮", Kind: "鄉鎮"}
	if err := form.WriteFilled(&buf, cat, u, "2008-12", form.Identity{UnitCode: "Z01", UnitName: "洋川鎮", Period: "2008-12"}, map[string]float64{"members": 3, "notes": 9}); err != nil {
		t.Fatal(err)
	}
	if IsReport(buf.Bytes()) {
		t.Fatal("a form taken for a 上報 workbook")
	}
	sub, fs := NewReader(cat, form.Limits{}).ReadBytes("form.xlsx", buf.Bytes())
	if sub == nil || sub.Values["members"] != 3 || vocab.HasError(fs) {
		t.Fatalf("form read as %+v, %v", sub, fs)
	}
}
