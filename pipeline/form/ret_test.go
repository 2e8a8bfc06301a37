package form

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/rules"
)

func TestReturnCopyMarksCellsAndListsFindings(t *testing.T) {
	ws := loadWorkspace(t)
	src := filepath.Join(badDir, "many-faults.xlsx")
	sub, fs, err := Read(src, ws.Catalogue, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// What the rules stage adds: a warning on a read cell and a
	// whole-file error.
	fs = append(fs,
		rules.Finding{Rule: "unit.solved_le_found", Severity: rules.Warning, Sheet: SheetName, Cell: "C11",
			Values: map[string]float64{"problems_solved": 2}, Message: "已解決問題數偏少。", Fix: "請核對。"},
		rules.Finding{Rule: "unit.period_closed", Severity: rules.Error, Message: "報送期已截止。", Fix: "請聯繫活動辦。"},
	)
	dir := t.TempDir()
	out := filepath.Join(dir, "退回.xlsx")
	var buf bytes.Buffer
	if err := WriteReturn(&buf, src, sub, fs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{ReviewSheet, SheetName}) {
		t.Fatalf("sheets %v, want 審核意見 first, then the form", got)
	}
	rows, err := f.GetRows(ReviewSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4+len(fs) {
		t.Errorf("審核意見 has %d rows, want %d", len(rows), 4+len(fs))
	}
	listed := strings.Join(slices.Concat(rows...), "|")
	for _, fd := range fs {
		if !strings.Contains(listed, fd.Message) || !strings.Contains(listed, fd.Fix) {
			t.Errorf("審核意見 lacks %q", fd.Message)
		}
	}
	if !strings.Contains(listed, "（整個文件）") || !strings.Contains(rows[4][2], "form.") || rows[len(rows)-1][1] != "提示" {
		t.Errorf("審核意見 rows: errors first, whole-file finding shown: %q", rows)
	}

	fillOf := func(cell string) string {
		id, err := f.GetCellStyle(SheetName, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) == 0 {
			return ""
		}
		return st.Fill.Color[0]
	}
	for cell, want := range map[string]string{"C8": errorFill, "C14": errorFill, "C11": warningFill, "C9": "FFF2CC"} {
		if got := fillOf(cell); !strings.EqualFold(got, want) {
			t.Errorf("%s filled %s, want %s", cell, got, want)
		}
	}
	comments, err := f.GetComments(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	var commented []string
	for _, c := range comments {
		commented = append(commented, c.Cell)
		if !strings.Contains(c.Text, "怎樣改") {
			t.Errorf("comment on %s lacks the fix: %q", c.Cell, c.Text)
		}
	}
	slices.Sort(commented)
	if want := []string{"C11", "C14", "C30", "C35", "C8"}; !slices.Equal(commented, want) {
		t.Errorf("comments on %v, want %v", commented, want)
	}

	// The copy is still the unit's form: corrected and sent again, it reads.
	again, fs2, err := Read(out, ws.Catalogue, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs2) != 4 || again.Values["members"] != 333 {
		t.Errorf("the return copy reads to %d findings, members %v; want the 4 reader findings, 333", len(fs2), again.Values["members"])
	}

	csv, err := os.ReadFile(libreoffice(t, out, "csv:Text - txt - csv (StarCalc):44,34,76", dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"報送表格審核意見", "怎樣改", "填報表!C8", fs[0].Message} {
		if !strings.Contains(string(csv), w) {
			t.Errorf("LibreOffice's CSV of the first sheet lacks %q", w)
		}
	}
}

func TestReturnOfAFileThatIsNotAWorkbook(t *testing.T) {
	ws := loadWorkspace(t)
	for _, name := range []string{"pdf.xlsx", "password.xlsx", "truncated.xlsx", "empty.xlsx"} {
		src := filepath.Join(badDir, name)
		sub, fs, err := Read(src, ws.Catalogue, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteReturn(&buf, src, sub, fs); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows, err := f.GetRows(ReviewSheet)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !slices.Equal(got, []string{ReviewSheet}) || len(rows) != 5 || rows[4][3] != "（整個文件）" {
			t.Errorf("%s: sheets %v rows %q, want 審核意見 alone with one whole-file finding", name, got, rows)
		}
	}
	var buf bytes.Buffer
	if err := WriteReturn(&buf, filepath.Join(t.TempDir(), "gone.xlsx"), nil, nil); err != nil {
		t.Errorf("a vanished source: %v", err)
	}
}

func TestReturnNote(t *testing.T) {
	e := rules.Finding{Rule: RuleNumber, Severity: rules.Error, Sheet: SheetName, Cell: "C10", Message: "「查找突出問題」填的是「50%」，填了百分數。", Fix: "請填個數。"}
	w := rules.Finding{Rule: "unit.x", Severity: rules.Warning, Message: "人均讀書筆記偏少。", Fix: "請核對。"}
	many := slices.Repeat([]rules.Finding{e}, 12)
	tests := []struct {
		name     string
		findings []rules.Finding
		want     []string
		not      []string
	}{
		{"errors", []rules.Finding{w, e}, []string{"洋川鎮：", "「Z01.xlsx」", "1 處錯誤", "已退回", "1. 【錯誤】C10 「查找突出問題」", "2. 【提示】", "怎樣改：請填個數。", "紅色"}, []string{"通過"}},
		{"warnings", []rules.Finding{w}, []string{"已通過審核", "1 處提示", "人均讀書筆記偏少"}, []string{"退回"}},
		{"clean", nil, []string{"已通過審核。"}, []string{"提示", "錯誤"}},
		{"many", many, []string{"12 處錯誤", "10. ", "……另有 2 處"}, []string{"11. "}},
	}
	for _, tt := range tests {
		got := ReturnNote("洋川鎮", "Z01.xlsx", tt.findings)
		for _, s := range tt.want {
			if !strings.Contains(got, s) {
				t.Errorf("%s: note lacks %q:\n%s", tt.name, s, got)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(got, s) {
				t.Errorf("%s: note has %q:\n%s", tt.name, s, got)
			}
		}
	}
	if got := ReturnNote("洋川鎮", strings.Repeat("長", 500)+"\n.xlsx", []rules.Finding{e}); strings.Count(got, "長") > 40 || strings.Contains(got, "\n.xlsx") {
		t.Errorf("a long file name is not clipped to one line: %q", got)
	}
}
