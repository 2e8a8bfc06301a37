package form

import (
	"bytes"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
		vocab.Finding{Rule: "unit.solved_le_found", Severity: vocab.Warning, Sheet: SheetName, Cell: "C11",
			Values: map[string]float64{"problems_solved": 2}, Message: "已解決問題數偏少。", Fix: "請核對。"},
		vocab.Finding{Rule: "unit.period_closed", Severity: vocab.Error, Message: "報送期已截止。", Fix: "請聯繫活動辦。"},
	)
	dir := t.TempDir()
	out := filepath.Join(dir, "退回.xlsx")
	var buf bytes.Buffer
	if err := WriteReturn(&buf, src, sub, fs, nil); err != nil {
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
	if !strings.Contains(rows[1][0], "請在該行「說明」欄寫明原因") {
		t.Errorf("審核意見 does not say where an explanation goes: %q", rows[1])
	}
	if !strings.Contains(listed, "（整個文件）") || !strings.Contains(rows[4][6], "form.") || rows[len(rows)-1][1] != "提示" {
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
		if err := WriteReturn(&buf, src, sub, fs, nil); err != nil {
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
		if got := f.GetSheetList(); !slices.Equal(got, []string{ReviewSheet}) || len(rows) != 5 || rows[4][2] != "（整個文件）" {
			t.Errorf("%s: sheets %v rows %q, want 審核意見 alone with one whole-file finding", name, got, rows)
		}
	}
	var buf bytes.Buffer
	if err := WriteReturn(&buf, filepath.Join(t.TempDir(), "gone.xlsx"), nil, nil, nil); err != nil {
		t.Errorf("a vanished source: %v", err)
	}
}

func TestReturnNote(t *testing.T) {
	e := vocab.Finding{Rule: RuleNumber, Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "「查找突出問題」填的是「50%」，填了百分數。", Fix: "請填個數。"}
	w := vocab.Finding{Rule: "unit.x", Severity: vocab.Warning, Message: "人均讀書筆記偏少。", Fix: "請核對。"}
	explained := w
	explained.Explanation = "部分黨員外出務工"
	many := slices.Repeat([]vocab.Finding{e}, 12)
	tests := []struct {
		name     string
		findings []vocab.Finding
		want     []string
		not      []string
	}{
		{"errors", []vocab.Finding{w, e}, []string{"洋川鎮：", "「Z01.xlsx」", "1 處錯誤", "已退回", "1. 【錯誤】C10 「查找突出問題」", "2. 【提示】", "怎樣改：請填個數。", "紅色"}, []string{"通過"}},
		{"warnings", []vocab.Finding{w}, []string{"已通過審核", "1 處提示", "人均讀書筆記偏少", "請在該行「說明」欄寫明原因"}, []string{"退回"}},
		{"explained", []vocab.Finding{explained}, []string{"已通過審核", "（已說明：部分黨員外出務工）"}, []string{"退回", "請在該行「說明」欄"}},
		{"clean", nil, []string{"已通過審核。"}, []string{"提示", "錯誤"}},
		{"many", many, []string{"12 處錯誤", "10. ", "……另有 2 處"}, []string{"11. "}},
		{"another sheet", []vocab.Finding{{Rule: "rollup.seal", Severity: vocab.Error, Sheet: "上報數據", Cell: "B8", Message: "封記不符。"}}, []string{"1. 【錯誤】上報數據!B8 封記不符。"}, nil},
	}
	for _, tt := range tests {
		got := ReturnNote("洋川鎮", "Z01.xlsx", tt.findings, nil)
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
	if got := ReturnNote("洋川鎮", strings.Repeat("長", 500)+"\n.xlsx", []vocab.Finding{e}, nil); strings.Count(got, "長") > 40 || strings.Contains(got, "\n.xlsx") {
		t.Errorf("a long file name is not clipped to one line: %q", got)
	}
}

// TestReturnWithoutSubmissionOpensNothing: a file that could not be read
// (sub nil) is never parsed again for its 退回 copy, which holds 審核意見
// alone and says the original is not attached, even when the file is a
// good form (issue 10.4).
func TestReturnWithoutSubmissionOpensNothing(t *testing.T) {
	ws := loadWorkspace(t)
	good := filepath.Join(t.TempDir(), "Z01.xlsx")
	writeFilledFile(t, good, ws, sampleIdentity(), sampleValues())
	limit := vocab.Finding{Rule: RuleLimit, Severity: vocab.Error, Message: "超過上限。", Fix: "請重新填寫。"}
	for _, src := range []string{
		good,
		filepath.Join(hostileDir, "deep-nesting.xlsx"),
		filepath.Join(hostileDir, "element-flood.xlsx"),
		filepath.Join(badDir, "zip-bomb.xlsx"),
	} {
		var buf bytes.Buffer
		if err := WriteReturn(&buf, src, nil, []vocab.Finding{limit}, nil); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		rows, err := f.GetRows(ReviewSheet)
		sheets := f.GetSheetList()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sheets, []string{ReviewSheet}) || len(rows) < 3 || len(rows[2]) == 0 || rows[2][0] != notAttached {
			t.Errorf("%s: sheets %v rows %q, want 審核意見 alone saying the original is not attached", filepath.Base(src), sheets, rows)
		}
	}
}

// workbookPayloads are good forms carrying macros, a link to another
// workbook, an embedded object and entries with unsafe names, by file name.
func workbookPayloads(t *testing.T, ws *workspace.Workspace) map[string][]byte {
	g := &gen{t: t, ws: ws, dir: t.TempDir()}
	const (
		macroType = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
		relVBA    = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
		relExt    = nsOfficeR + "/externalLink"
		relOLE    = nsOfficeR + "/oleObject"
	)
	addRel := func(body []byte, id, typ, target, mode string) []byte {
		if mode != "" {
			mode = ` TargetMode="` + mode + `"`
		}
		return []byte(strings.Replace(string(body), "</Relationships>",
			`<Relationship Id="`+id+`" Type="`+typ+`" Target="`+target+`"`+mode+`/></Relationships>`, 1))
	}
	payload := func(data []byte, patch func(name string, body []byte) []byte, files map[string][]byte) []byte {
		return g.addParts(g.rezip(data, patch), files)
	}
	macro := payload(g.good(), func(name string, body []byte) []byte {
		switch name {
		case "[Content_Types].xml":
			s := strings.Replace(string(body), typeWorkbook, macroType, 1)
			return []byte(strings.Replace(s, "<Default ", `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default `, 1))
		case "xl/_rels/workbook.xml.rels":
			return addRel(body, "rIdVBA", relVBA, "vbaProject.bin", "")
		}
		return body
	}, map[string][]byte{"xl/vbaProject.bin": []byte("\xd0\xcf\x11\xe0 macro")})
	external := payload(g.good(), func(name string, body []byte) []byte {
		switch name {
		case "xl/_rels/workbook.xml.rels":
			return addRel(body, "rIdExt", relExt, "externalLinks/externalLink1.xml", "")
		case "xl/workbook.xml":
			return []byte(strings.Replace(string(body), "</sheets>", `</sheets><externalReferences><externalReference r:id="rIdExt"/></externalReferences>`, 1))
		}
		return body
	}, map[string][]byte{
		"xl/externalLinks/externalLink1.xml":            []byte(`<externalLink xmlns="` + nsMain + `"><externalBook xmlns:r="` + nsOfficeR + `" r:id="rId1"/></externalLink>`),
		"xl/externalLinks/_rels/externalLink1.xml.rels": addRel([]byte(`<Relationships xmlns="`+nsRels+`"></Relationships>`), "rId1", nsOfficeR+"/externalLinkPath", `file:///\\server\share\secret.xlsx`, "External"),
	})
	ole := payload(g.good(), func(name string, body []byte) []byte {
		if name == "xl/worksheets/sheet1.xml" {
			s := string(body)
			if !strings.Contains(s, "xmlns:r=") {
				s = strings.Replace(s, "<worksheet ", `<worksheet xmlns:r="`+nsOfficeR+`" `, 1)
			}
			return []byte(strings.Replace(s, "</worksheet>", `<oleObjects><oleObject progId="Package" shapeId="1025" r:id="rIdOle"/></oleObjects></worksheet>`, 1))
		}
		return body
	}, map[string][]byte{
		"xl/embeddings/oleObject1.bin":        []byte("\xd0\xcf\x11\xe0 object"),
		"xl/worksheets/_rels/sheet1.xml.rels": addRel([]byte(`<Relationships xmlns="`+nsRels+`"></Relationships>`), "rIdOle", relOLE, "../embeddings/oleObject1.bin", ""),
	})
	unsafe := g.addParts(g.good(), map[string][]byte{
		"../evil.txt": []byte("x"), "/abs.xml": []byte("<x/>"), `xl\worksheets\evil.xml`: []byte("<x/>"), "xl/../../evil.xml": []byte("<x/>"),
	})
	return map[string][]byte{"macros.xlsm": macro, "external-link.xlsx": external, "ole-object.xlsx": ole, "unsafe-names.xlsx": unsafe}
}

// TestReturnCopyKeepsOnlyTheWorkbook sends forms carrying macros, links to
// other workbooks, an embedded object and entries with unsafe names, and
// checks that the 退回 copy is a plain workbook without them that still
// reads as the unit's form (issue 10.10).
func TestReturnCopyKeepsOnlyTheWorkbook(t *testing.T) {
	ws := loadWorkspace(t)
	payloads := workbookPayloads(t, ws)
	tests := []struct {
		name   string
		data   []byte
		absent []string // in any part name or text of the copy
	}{
		{"macros.xlsm", payloads["macros.xlsm"], []string{"vbaProject", "macroEnabled", `Extension="bin"`}},
		{"external-link.xlsx", payloads["external-link.xlsx"], []string{"externalLink", "externalReference", "secret.xlsx"}},
		{"ole-object.xlsx", payloads["ole-object.xlsx"], []string{"oleObject", "embeddings"}},
		{"unsafe-names.xlsx", payloads["unsafe-names.xlsx"], []string{"evil", "abs.xml"}},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := filepath.Join(dir, tt.name)
			if err := os.WriteFile(src, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			sub, fs, err := Read(src, ws.Catalogue, DefaultLimits())
			if err != nil || sub == nil {
				t.Fatalf("the source does not read: %v %+v", err, fs)
			}
			fs = append(fs, vocab.Finding{Rule: "unit.x", Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "請核對。", Fix: "請核對。"})
			var buf bytes.Buffer
			if err := WriteReturn(&buf, src, sub, fs, nil); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "return-"+tt.name+".xlsx")
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			parts := unzipAll(t, out)
			for name, text := range parts {
				if !safeName(name) {
					t.Errorf("unsafe entry %q", name)
				}
				for _, a := range tt.absent {
					if strings.Contains(name, a) || strings.Contains(text, a) {
						t.Errorf("%s still holds %q", name, a)
					}
				}
			}
			if !strings.Contains(parts["[Content_Types].xml"], typeWorkbook) {
				t.Errorf("content types do not declare a plain workbook: %s", parts["[Content_Types].xml"])
			}
			f, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			sheets := f.GetSheetList()
			f.Close()
			if !slices.Equal(sheets, []string{ReviewSheet, SheetName, MetaSheet}) {
				t.Errorf("sheets %v, want 審核意見, the form and its hidden %s", sheets, MetaSheet)
			}
			again, _, err := Read(out, ws.Catalogue, DefaultLimits())
			if err != nil || again == nil || again.Values["members"] != 333 {
				t.Errorf("the copy does not read as the form: %v %+v", err, again)
			}
		})
	}
}

// TestReturnCopyShowsWhatWasRead: the 退回 copy of issue 16.7. 審核意見
// gives each finding's figure as read (a number, the text that is not
// one, a blank), keeps rule ids in a hidden column, prints on A4
// portrait one page wide with its heading row repeated; a marked cell
// shows its number as typed (4.5 under an integer format stays 4.5); the
// form carries the opinions in a printable column, since comments do not
// print.
func TestReturnCopyShowsWhatWasRead(t *testing.T) {
	ws := loadWorkspace(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "Z01.xlsx")
	writeFilledFile(t, src, ws, sampleIdentity(), sampleValues())
	f, err := excelize.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// C10 (查找突出問題, an integer) gets 4.5, C32 text, C13 a blank.
	for cell, v := range map[string]any{"C10": 4.5, "C32": "十二", "C13": nil} {
		if err := f.SetCellValue(SheetName, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sub, fs, err := Read(src, ws.Catalogue, DefaultLimits())
	if err != nil || sub == nil {
		t.Fatalf("read: %v", err)
	}
	fs = append(fs, vocab.Finding{Rule: "unit.integer", Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "「查找突出問題」要填整數。", Fix: "請填整數。"})
	var buf bytes.Buffer
	if err := WriteReturn(&buf, src, sub, fs, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "退回.xlsx")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := r.GetRows(ReviewSheet)
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[3]; !slices.Equal(got[:6], []string{"序號", "類別", "單元格", "數值", "問題", "怎樣改"}) {
		t.Errorf("headings %q", got)
	}
	shown := map[string]string{}
	for _, row := range rows[4:] {
		shown[row[2]] = row[3]
		if !strings.Contains(row[6], ".") {
			t.Errorf("row %q keeps no rule id in its last column", row)
		}
	}
	for cell, want := range map[string]string{"填報表!C10": "4.5", "填報表!C32": "十二", "填報表!C13": "（空白）"} {
		if shown[cell] != want {
			t.Errorf("數值 of %s is %q, want %q (all: %q)", cell, shown[cell], want, shown)
		}
	}
	if v, err := r.GetColVisible(ReviewSheet, "G"); err != nil || v {
		t.Errorf("the rule column is visible (%v)", err)
	}
	for _, row := range rows {
		for _, c := range row[:min(len(row), 6)] {
			if strings.Contains(c, "form.") || strings.Contains(c, "unit.") {
				t.Errorf("a clerk sees a rule id: %q", row)
			}
		}
	}
	pl, err := r.GetPageLayout(ReviewSheet)
	if err != nil || pl.Orientation == nil || *pl.Orientation != "portrait" || pl.Size == nil || *pl.Size != 9 || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
		t.Errorf("審核意見 does not print on A4 portrait one page wide: %+v %v", pl, err)
	}
	titles := ""
	for _, dn := range r.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == ReviewSheet {
			titles = dn.RefersTo
		}
	}
	if titles != "'審核意見'!$4:$4" {
		t.Errorf("print titles %q, want the heading row", titles)
	}
	if got, _ := r.GetCellValue(SheetName, "C10"); got != "4.5" {
		t.Errorf("the marked C10 shows %q, want 4.5", got)
	}
	if got, _ := r.GetCellValue(SheetName, "C11"); got != "2" {
		t.Errorf("an unmarked integer shows %q", got)
	}
	form, err := r.GetRows(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	var printed []string
	for _, row := range form {
		if len(row) > lastCol {
			printed = append(printed, row[lastCol])
		}
	}
	text := strings.Join(printed, "|")
	for _, w := range []string{opinionHead, "【錯誤】C10 「查找突出問題」要填整數。", "【錯誤】C32"} {
		if !strings.Contains(text, w) {
			t.Errorf("the form's printable column lacks %q: %q", w, printed)
		}
	}

	// Sent back as it is and returned again, the copy has one column of
	// opinions, today's.
	sub2, fs2, err := Read(out, ws.Catalogue, DefaultLimits())
	if err != nil || sub2 == nil {
		t.Fatalf("the copy does not read: %v", err)
	}
	fs2 = fs2[:1]
	buf.Reset()
	if err := WriteReturn(&buf, out, sub2, fs2, nil); err != nil {
		t.Fatal(err)
	}
	again, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	form, _ = again.GetRows(SheetName)
	var cols, opinions int
	for _, row := range form {
		cols = max(cols, len(row))
		if len(row) > lastCol && row[lastCol] != "" && row[lastCol] != opinionHead {
			opinions++
		}
	}
	if cols != lastCol+1 || opinions != 1 {
		t.Errorf("returned twice: %d columns, %d opinions; want %d, 1", cols, opinions, lastCol+1)
	}
}
