package form

import (
	"bytes"
	"maps"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/workspace"
)

// Each Simplified twin the reader accepts is what the converter makes of
// the word, so that a form written through it is read.
func TestSimplifiedTwins(t *testing.T) {
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	for trad, simp := range simplified {
		if got := conv(trad); got != simp {
			t.Errorf("%s: twin %q, the converter writes %q", trad, simp, got)
		}
		if asWritten(simp) != trad || asWritten(trad) != trad {
			t.Errorf("asWritten does not bring %q back to %q", simp, trad)
		}
	}
}

// A form written in Simplified reads exactly as the Traditional one:
// identity, values, and a unit's explanation without the form's own
// words of its 說明 cell.
func TestSimplifiedFormReadsAsTraditional(t *testing.T) {
	ws := loadWorkspace(t)
	u := unit(t, ws, "Z01")
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	read := func(conv func(string) string) *Submission {
		t.Helper()
		var buf bytes.Buffer
		if err := WriteFilledIn(&buf, ws.Catalogue, u, ws.Config.Period, sampleIdentity(), sampleValues(), conv); err != nil {
			t.Fatal(err)
		}
		// The clerk adds a reason after the form's words in one 說明,
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetName(0)
		rows, _ := f.GetRows(sheet)
		for i, r := range rows {
			if len(r) > colNote-1 && r[colCode-1] == "problems_found" {
				cell := cellName(colNote, i+1)
				if err := f.SetCellValue(sheet, cell, r[colNote-1]+"；本月集中排查"); err != nil {
					t.Fatal(err)
				}
			}
		}
		// and inserts a column of their own before the table, so that the
		// columns are found by their headers.
		if err := f.InsertCols(sheet, "A", 1); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := f.Write(&out); err != nil {
			t.Fatal(err)
		}
		f.Close()
		sub, findings := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes("form.xlsx", out.Bytes())
		if sub == nil {
			t.Fatalf("not read: %+v", findings)
		}
		for _, fd := range findings {
			t.Errorf("finding on a clean form: %+v", fd)
		}
		return sub
	}
	trad, simp := read(nil), read(conv)
	// The registry's name is the office's data, in its script already.
	simp.UnitName = trad.UnitName
	if simp.Identity != trad.Identity || !maps.Equal(simp.Values, trad.Values) || !maps.Equal(simp.Explanations, trad.Explanations) {
		t.Errorf("Simplified form read as %+v %v %v,\nTraditional as %+v %v %v",
			simp.Identity, simp.Values, simp.Explanations, trad.Identity, trad.Values, trad.Explanations)
	}
	if trad.Explanations["problems_found"] != "本月集中排查" {
		t.Errorf("explanation %q", trad.Explanations["problems_found"])
	}
}
