package form

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
)

func TestFilledFormReadsBack(t *testing.T) {
	ws := loadWorkspace(t)
	path := filepath.Join(t.TempDir(), "Z01.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())
	sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) > 0 {
		t.Fatalf("findings on a good form: %+v", fs)
	}
	want := sampleValues()
	if len(sub.Values) != len(ws.Catalogue.Inputs()) {
		t.Errorf("read %d values, want one per input indicator (%d)", len(sub.Values), len(ws.Catalogue.Inputs()))
	}
	for code, v := range want {
		if sub.Values[code] != v {
			t.Errorf("%s = %v, want %v", code, sub.Values[code], v)
		}
	}
	wantID := Identity{UnitCode: "Z01", UnitName: "洋川鎮", Period: "2008-12", FilledBy: "王小紅", Phone: "0852-6223001", Date: "2008-12-04", FormVersion: FormVersion}
	if sub.Identity != wantID {
		t.Errorf("identity %+v, want %+v", sub.Identity, wantID)
	}
	for key, cell := range map[string]string{"unit_code": "B3", "period": "F3", "filled_by": "B4", "date": "F4", "typical_sites": "C8", "help_problems_solved": "C" + strconv.Itoa(rowFirst+len(ws.Catalogue.Inputs())+2)} {
		if got := sub.Cells[key]; got != (Location{SheetName, cell}) {
			t.Errorf("Cells[%s] = %v, want %s!%s", key, got, SheetName, cell)
		}
	}
	if len(sub.Blank) > 0 {
		t.Errorf("Blank = %v on a fully filled form", sub.Blank)
	}
}

func TestBlankFormAsksForEveryRequiredValue(t *testing.T) {
	ws := loadWorkspace(t)
	var buf bytes.Buffer
	u := unit(t, ws, "J05")
	if err := WriteBlank(&buf, ws.Catalogue, u, "2008-12"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "blank.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if sub.UnitCode != "J05" || sub.UnitName != "縣紀委" || sub.Values["members"] != 61 {
		t.Errorf("identity %+v, members %v; want J05 縣紀委 with 61 members prefilled", sub.Identity, sub.Values["members"])
	}
	var required, optional []string
	for _, in := range ws.Catalogue.Inputs() {
		if in.Code == "members" {
			continue
		}
		if in.Required {
			required = append(required, sub.Cells[in.Code].Cell)
		} else {
			optional = append(optional, in.Code)
		}
	}
	var got []string
	identityWarnings := 0
	for _, f := range fs {
		switch {
		case f.Rule == RuleRequired && f.Severity == vocab.Error:
			got = append(got, f.Cell)
			if !strings.Contains(f.Message, "必填") || f.Fix == "" || f.Sheet != SheetName {
				t.Errorf("finding lacks message, fix or sheet: %+v", f)
			}
		case f.Rule == RuleIdentity && f.Severity == vocab.Warning:
			identityWarnings++
		default:
			t.Errorf("unexpected finding %+v", f)
		}
	}
	if !slices.Equal(got, required) {
		t.Errorf("form.required at %v, want %v", got, required)
	}
	if identityWarnings != 3 {
		t.Errorf("%d identity warnings, want 3 (填報人, 聯繫電話, 填報日期 empty)", identityWarnings)
	}
	if !slices.Equal(sub.Blank, optional) {
		t.Errorf("Blank = %v, want %v", sub.Blank, optional)
	}
}

func TestFormOpensInLibreOffice(t *testing.T) {
	ws := loadWorkspace(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "form.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())
	csv, err := os.ReadFile(libreoffice(t, path, "csv:Text - txt - csv (StarCalc):44,34,76", dir))
	if err != nil {
		t.Fatal(err)
	}
	text := string(csv)
	wants := []string{ws.Catalogue.Title, ws.Catalogue.Note, labelUnitCode, "洋川鎮", "2008-12", "一、領導班子", "三、一般黨員", "填表說明", FormVersion, "1536", "5200.5"}
	for _, in := range ws.Catalogue.Inputs() {
		wants = append(wants, in.Label, in.Code)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("LibreOffice's CSV of the form lacks %q", w)
		}
	}
}

func TestOpenpyxlReadOnlySeesEveryRow(t *testing.T) {
	needOpenpyxl(t)
	ws := loadWorkspace(t)
	path := filepath.Join(t.TempDir(), "form.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())
	// read_only mode trusts <dimension>; a wrong one shows a single row.
	script := `import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb[sys.argv[2]]
rows = [r for r in ws.iter_rows(values_only=True)]
print(len(rows))
print(sum(1 for r in rows if r[4] is not None and str(r[4]).islower()))
`
	out, err := exec.Command(python, "-c", script, path, SheetName).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	wantRows := rowFirst + len(ws.Catalogue.Inputs()) + len(ws.Catalogue.Sections) - 1 + 9 // table, a gap, 填表說明 and its seven lines
	if len(lines) != 2 || lines[0] != strconv.Itoa(wantRows) || lines[1] != strconv.Itoa(len(ws.Catalogue.Inputs())) {
		t.Errorf("openpyxl read-only saw rows/codes %q, want %d rows and %d codes", lines, wantRows, len(ws.Catalogue.Inputs()))
	}
}

func TestLongTextIsClippedInMessages(t *testing.T) {
	ws := loadWorkspace(t)
	path := filepath.Join(t.TempDir(), "long.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	essay := strings.Repeat("本單位高度重視，", 2000) + "\n\x07"
	for cell, v := range map[string]string{"C10": essay, "F3": essay, "B4": essay} {
		if err := f.SetCellStr(SheetName, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Errorf("findings %+v, want form.number on C10 and form.identity on F3", fs)
	}
	for _, fd := range fs {
		if n := len([]rune(fd.Message)); n > 80 || strings.ContainsAny(fd.Message, "\n\x07") {
			t.Errorf("message of %d characters or with control characters: %q", n, fd.Message)
		}
	}
	if n := len([]rune(sub.FilledBy)); n > maxIdentityRunes {
		t.Errorf("填報人 kept %d characters, want at most %d", n, maxIdentityRunes)
	}
}

func TestReadOfAMissingFileIsAnError(t *testing.T) {
	ws := loadWorkspace(t)
	sub, fs, err := Read(filepath.Join(t.TempDir(), "gone.xlsx"), ws.Catalogue, DefaultLimits())
	if !errors.Is(err, os.ErrNotExist) || sub != nil || fs != nil {
		t.Errorf("Read of a missing file = %v, %v, %v; want only an os.ErrNotExist error", sub, fs, err)
	}
}

func TestLimitsApplyBeforeReading(t *testing.T) {
	ws := loadWorkspace(t)
	path := filepath.Join(t.TempDir(), "form.xlsx")
	writeFilledFile(t, path, ws, sampleIdentity(), sampleValues())
	tests := []struct {
		name string
		lim  Limits
		rule string
	}{
		{"bytes", Limits{MaxBytes: 4 << 10}, RuleLimit},
		{"unzipped", Limits{MaxUnzipBytes: 16 << 10}, RuleLimit},
		{"rows", Limits{MaxRows: 20}, RuleLimit},
		{"cells", Limits{MaxCells: 100}, RuleLimit},
		{"defaults", Limits{}, ""},
	}
	for _, tt := range tests {
		sub, fs, err := Read(path, ws.Catalogue, tt.lim)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if len(fs) > 0 {
			got = fs[0].Rule
		}
		if len(fs) > 1 || got != tt.rule || (tt.rule != "") != (sub == nil) {
			t.Errorf("%s: findings %+v, want %q", tt.name, fs, tt.rule)
		}
	}
}
