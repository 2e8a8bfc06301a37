package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/examples"
	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// A Simplified office's blank form is Simplified in every word a clerk
// sees (sheet name, headings, labels, notes, instructions, the typing
// rules' messages); the clerk fills it in as in a spreadsheet program and
// the batch accepts it; a wrong figure comes back in a Simplified 退回
// copy; and a form the office issued in Traditional before it changed
// script is still read.
func TestSimplifiedBlankFormRoundTrip(t *testing.T) {
	ws, err := InitExampleIn(t.TempDir(), examples.Campaign, workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	traditional := func(where, s string) {
		t.Helper()
		for _, r := range s {
			if conv(string(r)) != string(r) {
				t.Errorf("%s: %q keeps the Traditional %q", where, s, string(r))
				return
			}
		}
	}
	// seen checks every visible sheet of a workbook a clerk opens.
	seen := func(what string, data []byte) {
		t.Helper()
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, sheet := range f.GetSheetList() {
			if v, _ := f.GetSheetVisible(sheet); !v {
				continue
			}
			traditional(what+" sheet name", sheet)
			rows, _ := f.GetRows(sheet)
			for _, r := range rows {
				for _, c := range r {
					traditional(what+" "+sheet, c)
				}
			}
			dvs, _ := f.GetDataValidations(sheet)
			for _, dv := range dvs {
				traditional(what+" typing rule", *dv.ErrorTitle+*dv.Error)
			}
		}
	}

	u := ws.Units[0]
	var blank bytes.Buffer
	if err := WriteBlankForm(&blank, ws, u); err != nil {
		t.Fatal(err)
	}
	seen("blank form", blank.Bytes())

	// A clerk with only the form checks it: judged by the rules it
	// carries, in its office's script, with no note that the office's
	// rules differ from the program's when they differ only in script.
	path := filepath.Join(t.TempDir(), "表.xlsx")
	if err := os.WriteFile(path, blank.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := CheckOwnFile(path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Basis != BasisForm || sc.Language != workspace.Simplified || len(sc.Notes) > 0 || len(sc.Findings) == 0 {
		t.Errorf("self-check without a workspace: basis %s, language %s, notes %q, %d findings", sc.Basis, sc.Language, sc.Notes, len(sc.Findings))
	}
	for _, f := range sc.Findings {
		traditional("self-check finding", f.Message+f.Fix)
	}

	// fill types figures into the value cells of the blank form, found by
	// the code beside them, as a clerk does.
	fill := func(data []byte, vals map[string]float64) []byte {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		rows, _ := f.GetRows(sheet)
		filled := 0
		for i, r := range rows {
			if len(r) < 5 {
				continue
			}
			if v, ok := vals[r[4]]; ok {
				if err := f.SetCellValue(sheet, "C"+strconv.Itoa(i+1), v); err != nil {
					t.Fatal(err)
				}
				filled++
			}
		}
		if filled == 0 {
			t.Fatalf("no value cell found on sheet %q", sheet)
		}
		var out bytes.Buffer
		if err := f.Write(&out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	send := func(name string, data []byte) FileResult {
		t.Helper()
		dir := filepath.Join(ws.InboxDir(), u.Code)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum, err := Run(context.Background(), ws, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sum.Files {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("%s not in the batch: %+v", name, sum.Files)
		return FileResult{}
	}

	good := cleanFigures(ws, u)
	if r := send("填好的表.xlsx", fill(blank.Bytes(), good)); r.Status != vocab.FileAccepted {
		t.Errorf("the filled Simplified form: %s, %+v", r.Status, r.Findings)
	}

	bad := cleanFigures(ws, u)
	bad["help_funds"] = -5
	r := send("改过的表.xlsx", fill(blank.Bytes(), bad))
	if r.Status != vocab.FileRejected || r.ReturnPath == "" {
		t.Fatalf("a negative figure: %s, 退回 %q", r.Status, r.ReturnPath)
	}
	back, err := os.ReadFile(r.ReturnPath)
	if err != nil {
		t.Fatal(err)
	}
	seen("退回 copy", back)

	// A form issued in Traditional before the office changed script.
	var old bytes.Buffer
	if err := form.WriteFilled(&old, ws.Catalogue, u, ws.Config.Period, form.Identity{}, good); err != nil {
		t.Fatal(err)
	}
	if r := send("旧表.xlsx", old.Bytes()); r.Status != vocab.FileAccepted {
		t.Errorf("a Traditional form in a Simplified office: %s, %+v", r.Status, r.Findings)
	}
}
