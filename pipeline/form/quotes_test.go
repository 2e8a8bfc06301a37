package form

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestQuotesFollowTheOffice: through the workspace's converter, the form's
// words, the 退回 copy's and the 退回 note are in the office's script and
// in the quote style of its quotes: setting, in both scripts and both
// styles; the unit's file name is quoted, never converted; the form still
// reads.
func TestQuotesFollowTheOffice(t *testing.T) {
	ws := loadWorkspace(t)
	u := unit(t, ws, "Z01")
	finding := vocab.Finding{Rule: RuleNumber, Severity: vocab.Error, Sheet: SheetName, Cell: "C10",
		Message: "「查找突出問題」填的是「50%」，填了百分數。", Fix: "請填個數。"}
	const fileName = "Z01『終稿』.xlsx"
	for _, tt := range []struct {
		lang, quotes string
		open, other  string // the style's opening mark, and the other style's
	}{
		{workspace.Traditional, "", "「", "“"},
		{workspace.Traditional, workspace.CurlyQuotes, "“", "「"},
		{workspace.Simplified, "", "“", "「"},
		{workspace.Simplified, workspace.CornerQuotes, "「", "“"},
	} {
		name := tt.lang + " " + tt.quotes
		conv, err := (&workspace.Config{Language: tt.lang, Quotes: tt.quotes}).Converter()
		if err != nil {
			t.Fatal(err)
		}
		script, err := workspace.Converter(tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		// word is Traditional; the text holds it in the office's script.
		marked := func(what, text, word string) {
			t.Helper()
			text = strings.ReplaceAll(text, fileName, "")
			if !strings.Contains(text, tt.open) || strings.Contains(text, tt.other) || !strings.Contains(text, script(word)) {
				t.Errorf("%s: %s is not quoted with %s, or lacks %s:\n%s", name, what, tt.open, script(word), text)
			}
		}

		note := ReturnNote("洋川鎮", fileName, []vocab.Finding{finding}, conv)
		if !strings.Contains(note, tt.open+fileName) {
			t.Errorf("%s: the note does not quote the file's name as written:\n%s", name, note)
		}
		marked("the note", note, "錯誤")

		var form bytes.Buffer
		if err := WriteFilledIn(&form, ws.Catalogue, u, ws.Config.Period, sampleIdentity(), sampleValues(), conv); err != nil {
			t.Fatal(err)
		}
		marked("the form", sheetText(t, form.Bytes(), 0), "說明")
		if sub, findings := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes("form.xlsx", form.Bytes()); sub == nil || len(findings) != 0 {
			t.Errorf("%s: the form does not read back: %+v", name, findings)
		}

		src := filepath.Join(t.TempDir(), fileName)
		if err := os.WriteFile(src, form.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		sub, _ := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes(fileName, form.Bytes())
		var ret bytes.Buffer
		if err := WriteReturn(&ret, src, sub, []vocab.Finding{finding}, conv); err != nil {
			t.Fatal(err)
		}
		marked("the 退回 copy's review sheet", sheetText(t, ret.Bytes(), 0), "錯誤")
	}
}

// sheetText is every cell of the workbook's sheet i, a line a row.
func sheetText(t *testing.T, data []byte, i int) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(i))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " ") + "\n")
	}
	return b.String()
}
