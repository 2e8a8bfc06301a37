package form

import (
	"maps"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExplanationsAreTheUnitsOwnWords reads back what a clerk wrote in
// the 說明 column: after the form's own words, over them, or nothing, on
// a prefilled row too, and with a column inserted before the table.
func TestExplanationsAreTheUnitsOwnWords(t *testing.T) {
	ws := loadWorkspace(t)
	path := filepath.Join(t.TempDir(), "form.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
	if err != nil || sub == nil {
		t.Fatalf("read: %v %+v", err, fs)
	}
	if sub.Explanations != nil {
		t.Fatalf("blank form has explanations %v: the form's own words are not the unit's", sub.Explanations)
	}
	note := func(code string) string {
		t.Helper()
		_, row, err := excelize.CellNameToCoordinates(sub.Cells[code].Cell)
		if err != nil {
			t.Fatal(err)
		}
		return cellName(colNote, row)
	}
	own := func(code string) string {
		v, err := f.GetCellValue(SheetName, note(code))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	set := map[string]string{
		"members":        own("members") + "；本期轉出黨員 120 人",    // prefilled row, appended
		"help_funds":     "含上級撥付的扶貧專項資金",                      // typed over
		"problems_found": "  " + own("problems_found") + "  ", // the form's words alone
	}
	for code, text := range set {
		if err := f.SetCellValue(SheetName, note(code), text); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.InsertCols(SheetName, "A", 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sub, fs, err = Read(path, ws.Catalogue, DefaultLimits())
	if err != nil || sub == nil {
		t.Fatalf("read: %v %+v", err, fs)
	}
	want := map[string]string{"members": "本期轉出黨員 120 人", "help_funds": "含上級撥付的扶貧專項資金"}
	if !maps.Equal(sub.Explanations, want) {
		t.Errorf("explanations %q, want %q", sub.Explanations, want)
	}
}

func TestExplanationIsClipped(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{noteRequired, ""},
		{noteRequired + "；" + noteDecimal + "；" + notePrefilled + "，" + noteChange, ""},
		{noteOptional + "；颱風停工\n一週", "颱風停工 一週"},
		{"。", ""},
	} {
		if got := explanation(tt.in); got != tt.want {
			t.Errorf("explanation(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := string(make([]rune, 0))
	for range 300 {
		long += "因"
	}
	if got := []rune(explanation(long)); len(got) != maxExplanationRunes+1 {
		t.Errorf("a long explanation keeps %d runes, want %d and an ellipsis", len(got), maxExplanationRunes)
	}
}
