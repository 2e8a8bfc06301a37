package render

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/templates"
)

func TestTotalsWorkbook(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	var buf bytes.Buffer
	if err := r.TotalsWorkbook(&buf, b); err != nil {
		t.Fatal(err)
	}
	first := bytes.Clone(buf.Bytes())
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != SheetTotals+","+SheetUnits+","+SheetStates+","+SheetSources {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := f.GetRows(SheetTotals, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(ws.Catalogue.Indicators)+1 {
		t.Fatalf("%s has %d rows, want %d", SheetTotals, len(rows), len(ws.Catalogue.Indicators)+1)
	}
	for i, in := range ws.Catalogue.Indicators {
		row := rows[i+1]
		if row[2] != in.Code || row[3] != in.Label || row[4] != in.Measure {
			t.Errorf("row %d = %v, want %s %s %s", i+2, row[:5], in.Code, in.Label, in.Measure)
		}
		for k, m := range []map[string]float64{b.Totals.All, b.Totals.ByKind["鄉鎮"], b.Totals.ByKind["縣直"]} {
			got, err := strconv.ParseFloat(row[5+k], 64)
			// Excel keeps 15 significant digits.
			if err != nil || math.Abs(got-m[in.Code]) > 1e-12*math.Max(1, math.Abs(m[in.Code])) {
				t.Errorf("%s column %d = %q, want %v", in.Code, 6+k, row[5+k], m[in.Code])
			}
		}
	}
	if v := cellFloat(t, f, SheetTotals, "F", rowOf(ws, "problems_found")); v != 149 {
		t.Errorf("problems_found county total = %v, want 149", v)
	}
	units, err := f.GetRows(SheetUnits, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != len(b.Reported)+1 {
		t.Fatalf("%s has %d rows, want %d", SheetUnits, len(units), len(b.Reported)+1)
	}
	for col, want := range map[string]float64{"A": 14, "C": 14, "D": 34} {
		if w, err := f.GetColWidth(SheetTotals, col); err != nil || w != want {
			t.Errorf("%s column %s width %v (%v), want %v", SheetTotals, col, w, err, want)
		}
	}
	if p, err := f.GetPanes(SheetUnits); err != nil || !p.Freeze || p.XSplit != 2 || p.YSplit != 1 || p.TopLeftCell != "C2" {
		t.Errorf("%s panes = %+v (%v), want code and name frozen", SheetUnits, p, err)
	}
	var again bytes.Buffer
	if err := r.TotalsWorkbook(&again, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), first) {
		t.Error("two writes of one workbook differ")
	}
	inputs := ws.Catalogue.Inputs()
	for i, u := range b.Reported {
		row := units[i+1]
		if row[0] != u.Unit.Code || row[1] != u.Unit.Name || row[2] != u.Unit.Kind {
			t.Errorf("unit row %d = %v", i+2, row[:3])
		}
		for k, in := range inputs {
			got, err := strconv.ParseFloat(row[3+k], 64)
			if err != nil || got != u.Figures[k] {
				t.Errorf("%s %s = %q, want %v", u.Unit.Code, in.Code, row[3+k], u.Figures[k])
			}
		}
	}
}

// TestFiguresCarryTheirUnit: every figure of an indicator is printed in
// its own measure word and with its catalogue's decimal places, in the
// briefing's table, in its prose and in the workbook's number formats.
func TestFiguresCarryTheirUnit(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	_, text := render(t, r, b)
	rows := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		if cells := strings.Split(line, "\t"); len(cells) == 6 {
			rows[cells[1]] = cells
		}
	}
	visits := b.Totals.All["county_leader_visits"]
	for _, want := range []string{
		// Visits are counted in 次 where the prose and the county rules
		// speak of them; the townships reached are a count of units.
		"宣講" + strconv.Itoa(int(visits)) + "次", "遍及15個鄉鎮",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("prose lacks %q", want)
		}
	}
	if visits == b.Totals.Reached.ByKind["鄉鎮"]["county_leader_visits"] {
		t.Fatalf("the test needs more visits than townships, got %v", visits)
	}
	for _, tt := range []struct {
		code, wantAll string
	}{
		{"county_leader_visits", strconv.Itoa(int(visits))},
		{"notes_per_member", templates.Fixed(b.Totals.All["notes_per_member"], 0)},
		{"reflections_per_member", templates.Fixed(b.Totals.All["reflections_per_member"], 1)},
		{"help_funds", "113000"},
	} {
		in, _ := ws.Catalogue.ByCode(tt.code)
		row := rows[in.Label]
		if row == nil {
			t.Errorf("table has no row %s", in.Label)
			continue
		}
		if row[2] != in.Measure || row[3] != tt.wantAll {
			t.Errorf("table row %s = %v, want %s %s", in.Label, row, tt.wantAll, in.Measure)
		}
		for _, cell := range row[3:] {
			places := 0
			if i := strings.IndexByte(cell, '.'); i >= 0 {
				places = len(cell) - i - 1
			}
			if places != in.Places() {
				t.Errorf("%s figure %q has %d places, want %d", in.Code, cell, places, in.Places())
			}
		}
	}
	var buf bytes.Buffer
	if err := r.TotalsWorkbook(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tt := range []struct {
		code, format string
	}{{"notes_per_member", "0"}, {"reflections_per_member", "0.0"}, {"members", "0"}} {
		for _, col := range []string{"F", "G", "H"} {
			if got := cellFormat(t, f, SheetTotals, col+strconv.Itoa(rowOf(ws, tt.code))); got != tt.format {
				t.Errorf("%s %s format %q, want %q", SheetTotals, tt.code, got, tt.format)
			}
		}
	}
	if got := cellFormat(t, f, SheetUnits, "D2"); got != "0" {
		t.Errorf("%s D2 format %q, want 0", SheetUnits, got)
	}
}

// cellFormat is the custom number format of a cell.
func cellFormat(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

func rowOf(ws *workspace.Workspace, code string) int {
	for i, in := range ws.Catalogue.Indicators {
		if in.Code == code {
			return i + 2
		}
	}
	return 0
}

func cellFloat(t *testing.T, f *excelize.File, sheet, col string, row int) float64 {
	t.Helper()
	s, err := f.GetCellValue(sheet, col+strconv.Itoa(row), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s!%s%d = %q: %v", sheet, col, row, s, err)
	}
	return v
}

func TestChaseList(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{workspace.Traditional, []string{"一、已接收（最新一份被退回，仍按上一份計入）（共1個單位）", "J55　縣人民法院（縣直）　退回的文件：縣人民法院-2008-12-更正.xlsx",
			"二、退回待重報（共1個單位）", "J56　縣人民檢察院（縣直）　退回的文件：縣人民檢察院-2008-12-更正.xlsx", "- 受益群眾人數（C11）未填",
			"三、未報送（共1個單位）\n　　還沒有報送", "　　J54　縣供銷合作社（縣直）\n", "四、逾期未報（共1個單位）\n　　已過截止時間", "　　J57　縣人民武裝部（縣直）\n"}},
		// File names stay as they are on disk; the words are converted.
		{workspace.Simplified, []string{"三、未报送（共1个单位）", "J54　县供销合作社（县直）", "J56　县人民检察院（县直）　退回的文件：縣人民檢察院-2008-12-更正.xlsx"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			ws := testWorkspace(t, tt.lang)
			r := newRenderer(t, ws)
			var buf bytes.Buffer
			if err := r.ChaseList(&buf, domainBriefing(t, ws)); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("chase list lacks %q:\n%s", w, buf.String())
				}
			}
			if strings.Contains(buf.String(), "機制數比上期少") {
				t.Error("chase list gives a warning as a reason for sending a file back")
			}
		})
	}
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	for i := range b.Units {
		b.Units[i].State = vocab.Accepted
	}
	var buf bytes.Buffer
	if err := r.ChaseList(&buf, b); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "無。") != 4 {
		t.Errorf("empty chase list:\n%s", buf.String())
	}
}

// TestStatesAddUp: in a county where every state occurs, each unit is in
// exactly one state in every output: the reporting chart's bars add up to
// the units of each kind and of the county, the appendix's counts too,
// the states sheets list every unit once, and no unit is in two sections
// of the chase list.
func TestStatesAddUp(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	occurs := map[vocab.State]bool{}
	perKind := map[string]int{}
	for _, u := range b.Units {
		occurs[u.State] = true
		perKind[u.Unit.Kind]++
	}
	if len(occurs) != len(vocab.States()) {
		t.Fatalf("the test county has states %v, want all %d", occurs, len(vocab.States()))
	}
	d, err := r.build(&b)
	if err != nil {
		t.Fatal(err)
	}
	var c chart
	for _, bl := range d.blocks {
		if bl.kind == kChart && bl.arg == chartReporting {
			c = *bl.cht
		}
	}
	if len(c.series) != len(vocab.States()) {
		t.Errorf("reporting chart has series %v, want one per state", c.series)
	}
	total := 0
	for _, cat := range c.cats {
		sum := 0
		for _, v := range cat.values {
			sum += int(v)
		}
		if sum != perKind[cat.name] {
			t.Errorf("chart bars of %s add up to %d, want %d", cat.name, sum, perKind[cat.name])
		}
		total += sum
	}
	if total != len(ws.Units) {
		t.Errorf("chart bars add up to %d, want %d units", total, len(ws.Units))
	}

	v := newView(ws, &b)
	if got := sumCounts(v.States); got != len(ws.Units) {
		t.Errorf("appendix states add up to %d, want %d", got, len(ws.Units))
	}
	for _, k := range v.Kinds {
		if got := sumCounts(k.States); got != perKind[k.Kind] || k.Count != got {
			t.Errorf("appendix %s states add up to %d (says %d), want %d", k.Kind, got, k.Count, perKind[k.Kind])
		}
	}
	if v.Reported+v.Owed != len(ws.Units) {
		t.Errorf("appendix: %d counted + %d owed, want %d units", v.Reported, v.Owed, len(ws.Units))
	}

	var chase bytes.Buffer
	if err := r.ChaseList(&chase, b); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(chase.String(), "\n") {
		for _, u := range ws.Units {
			if strings.HasPrefix(line, "　　"+u.Code+"　") {
				seen[u.Code]++
			}
		}
	}
	for code, n := range seen {
		if n > 1 {
			t.Errorf("chase list names %s %d times", code, n)
		}
	}
	if len(seen) != len(ws.Units)-int(counted(b)) {
		t.Errorf("chase list names %d units, want the %d not simply accepted", len(seen), len(ws.Units)-int(counted(b)))
	}

	rows := readSheet(t, r.TotalsWorkbook, b, SheetStates)
	if len(rows) != len(ws.Units)+1 {
		t.Fatalf("totals %s has %d rows, want %d", SheetStates, len(rows), len(ws.Units)+1)
	}
	states := map[string]int{}
	for i, u := range b.Units {
		row := rows[i+1]
		if row[0] != u.Unit.Code || row[3] != u.State.Label() {
			t.Errorf("totals %s row %d = %v, want %s %s", SheetStates, i+2, row, u.Unit.Code, u.State.Label())
		}
		states[row[3]]++
	}
	if sum := sumMap(states); sum != len(ws.Units) {
		t.Errorf("totals %s states add up to %d", SheetStates, sum)
	}
}

// counted is how many units are simply accepted: the chase list's
// sections are the other states.
func counted(b Briefing) int {
	n := 0
	for _, u := range b.Units {
		if u.State == vocab.Accepted {
			n++
		}
	}
	return n
}

func sumCounts(cs []stateCount) int {
	n := 0
	for _, c := range cs {
		n += c.Count
	}
	return n
}

func sumMap(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// readSheet writes a workbook and reads one sheet back with excelize.
func readSheet(t *testing.T, write func(io.Writer, Briefing) error, b Briefing, sheet string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestOutline(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	pdf, text := render(t, r, domainBriefing(t, ws))
	h1 := 0
	d, err := r.build(&Briefing{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bl := range d.blocks {
		if bl.kind == kH1 || bl.kind == kH2 {
			h1++
		}
	}
	if got := bytes.Count(pdf, []byte("/Dest [")); got != h1 || h1 < 3 {
		t.Errorf("outline has %d entries, want %d (one per heading)", got, h1)
	}
	if !strings.Contains(text, "一、領導班子") {
		t.Errorf("text twin lacks the first section heading")
	}
}

// TestOwedUnitsNamedOnlyWhenFew: the briefing names the units still
// owing a file when there are no more than briefing_names_max of them;
// beyond that it counts them by kind, so the first morning of a period
// (nothing reported, 73 owed) is not a page of names. Nothing a unit's
// file got wrong is in the briefing.
func TestOwedUnitsNamedOnlyWhenFew(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	some := domainBriefing(t, ws)
	var none []UnitLine
	for _, u := range some.Units {
		none = append(none, UnitLine{Unit: u.Unit, State: vocab.Missing})
	}
	tests := []struct {
		name      string
		b         Briefing
		want, not []string
	}{
		{"three owed", some,
			[]string{"以下3個單位尚未報送或須修改後重新報送，請於收到本簡報後儘快報送：縣供銷合作社、縣人民檢察院、縣人民武裝部。",
				"全縣73個參學單位中，已接收69個，已接收（最新一份被退回，仍按上一份計入）1個，退回待重報1個，未報送1個，逾期未報1個。",
				"鄉鎮15個：已接收15個。", "縣直58個：已接收54個，"},
			[]string{"C11", "C8", "未填", "解決率低於六成", "縣人民法院"}},
		{"nothing reported", Briefing{Issue: 1, Date: some.Date, Period: "2008-12", Units: none},
			[]string{"尚有73個單位未報送或須修改後重新報送（鄉鎮15個、縣直58個），活動辦已另行逐一通知。", "已有0個報送進展"},
			[]string{"洋川鎮、", "縣能源局。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf, text := render(t, r, tt.b)
			for _, want := range tt.want {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(text, not) {
					t.Errorf("text has %q", not)
				}
			}
			raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", writeTemp(t, "owed.pdf", pdf), "-")
			if squash(raw) != squash(text) {
				i := firstDiff(squash(raw), squash(text))
				t.Errorf("pdftotext differs from the text twin at rune %d:\n pdf: %s\ntext: %s", i, around(squash(raw), i), around(squash(text), i))
			}
		})
	}
}

// TestAuditReport reads the 審核報告 back: every finding of every
// returned or excluded file, the warnings of counted files, the county
// findings, each with its place and fix.
func TestAuditReport(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	b.Rejected = append(b.Rejected, FileReport{Unit: &workspace.Unit{Code: "X99"}, File: "不明.xlsx", ReceivedAt: b.Date,
		Findings: []vocab.Finding{{Rule: "form.unknown_unit", Severity: vocab.Error, Sheet: "活動數據", Cell: "B3", Message: "單位代碼不在名冊中", Fix: "請用本單位的表格"}}})
	var buf bytes.Buffer
	if err := r.AuditReport(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), strings.Join([]string{SheetAuditRejected, SheetAuditWarnings, SheetAuditExplained, SheetAuditOutliers, "全縣審核提示"}, ","); got != want {
		t.Fatalf("sheets %s, want %s", got, want)
	}
	tests := []struct {
		sheet string
		rows  [][]string
	}{
		{SheetAuditRejected, [][]string{
			{"J55", "縣人民法院", "已接收（最新一份被退回，仍按上一份計入）", "縣人民法院-2008-12-更正.xlsx", "2008-12-05 10:30", "unit.solved_le_found", "錯誤", "活動數據", "C8", "查找突出問題（C7）少於其中已解決（C8）。", "請核對兩個數"},
			{"J55", "縣人民法院", "已接收（最新一份被退回，仍按上一份計入）", "縣人民法院-2008-12-更正.xlsx", "2008-12-05 10:30", "form.required", "錯誤", "活動數據", "C11", "受益群眾人數（C11）未填", "請填寫人數；沒有的填 0。"},
			{"J55", "縣人民法院", "已接收（最新一份被退回，仍按上一份計入）", "縣人民法院-2008-12-更正.xlsx", "2008-12-05 10:30", "unit.note", "警告", "活動數據", "C12", "機制數比上期少", "請核對"},
			{"J56", "縣人民檢察院", "退回待重報", "縣人民檢察院-2008-12-更正.xlsx", "2008-12-05 10:30", "unit.solved_le_found", "錯誤", "活動數據", "C8", "查找突出問題（C7）少於其中已解決（C8）。", "請核對兩個數"},
			{"J56", "縣人民檢察院", "退回待重報", "縣人民檢察院-2008-12-更正.xlsx", "2008-12-05 10:30", "form.required", "錯誤", "活動數據", "C11", "受益群眾人數（C11）未填", "請填寫人數；沒有的填 0。"},
			{"J56", "縣人民檢察院", "退回待重報", "縣人民檢察院-2008-12-更正.xlsx", "2008-12-05 10:30", "unit.note", "警告", "活動數據", "C12", "機制數比上期少", "請核對"},
			{"X99", "", "不在參學單位名冊中", "不明.xlsx", "2008-12-06 00:00", "form.unknown_unit", "錯誤", "活動數據", "B3", "單位代碼不在名冊中", "請用本單位的表格"},
		}},
		{SheetAuditWarnings, [][]string{
			{"Z01", "洋川鎮", "已接收", "洋川鎮-2008-12.xlsx", "2008-12-05 09:30", "unit.solved_share", "警告", "活動數據", "C8", "已解決的問題不到查找問題的一成", "請核對已解決數"},
		}},
		{"全縣審核提示", [][]string{
			{"county.solved_ratio", "警告", "全縣問題解決率低於六成，請督促各單位加快整改", "請各單位加快整改"},
		}},
	}
	for _, tt := range tests {
		rows, err := f.GetRows(tt.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(tt.rows)+1 {
			t.Errorf("%s has %d rows, want %d:\n%v", tt.sheet, len(rows), len(tt.rows)+1, rows)
			continue
		}
		for i, want := range tt.rows {
			if got := strings.Join(rows[i+1], "|"); got != strings.Join(want, "|") {
				t.Errorf("%s row %d:\n got %s\nwant %s", tt.sheet, i+2, got, strings.Join(want, "|"))
			}
		}
	}
}

// TestAuditAreaSheet: the sheet of the area rules' findings is named by
// config.yaml's area:, 全縣 when unset; in a Simplified workspace it is
// converted with the other sheets' names.
func TestAuditAreaSheet(t *testing.T) {
	tests := []struct{ lang, area, want string }{
		{"", "", "全縣審核提示"},
		{"", "全市", "全市審核提示"},
		{workspace.Simplified, "", "全县审核提示"},
		{workspace.Simplified, "全市", "全市审核提示"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+tt.area, func(t *testing.T) {
			ws := testWorkspace(t, tt.lang)
			ws.Config.Area = tt.area
			var buf bytes.Buffer
			if err := newRenderer(t, ws).AuditReport(&buf, domainBriefing(t, ws)); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			if got := sheets[len(sheets)-1]; got != tt.want {
				t.Errorf("last sheet %s, want %s (all: %v)", got, tt.want, sheets)
			}
			rows, err := f.GetRows(tt.want)
			if err != nil || len(rows) != 2 {
				t.Errorf("%s: rows %v, %v; want the header and the finding", tt.want, rows, err)
			}
		})
	}
}

// TestConcurrentRenders: one Renderer serves concurrent renders (the
// scheduler and a manual run may overlap) with identical output.
func TestConcurrentRenders(t *testing.T) {
	ws := testWorkspace(t, workspace.Simplified)
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	want, _ := render(t, r, b)
	errs := make(chan error, 3)
	outs := make(chan []byte, 3)
	for i := 0; i < 3; i++ {
		go func() {
			var buf bytes.Buffer
			errs <- r.PDF(&buf, b)
			outs <- buf.Bytes()
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if got := <-outs; !bytes.Equal(got, want) {
			t.Error("concurrent render differs")
		}
	}
}

// TestTotalsWorkbookRegion reads a region's workbook back: the unit sheet
// has a row per reported unit, and the first, a middle and the last rows
// hold the unit and every figure.
func TestTotalsWorkbookRegion(t *testing.T) {
	ws := regionWorkspace(t, "", 7300)
	r := newRenderer(t, ws)
	b := regionBriefing(t, ws)
	units := unitSheet(t, r, b)
	if len(units) != len(b.Reported)+1 {
		t.Fatalf("%s has %d rows, want %d", SheetUnits, len(units), len(b.Reported)+1)
	}
	inputs := ws.Catalogue.Inputs()
	if len(units[0]) != 3+len(inputs) || units[0][0] != "單位代碼" {
		t.Errorf("header = %v", units[0])
	}
	for _, i := range []int{0, 1, len(b.Reported) / 2, len(b.Reported) - 1} {
		u, row := b.Reported[i], units[i+1]
		if len(row) != 3+len(inputs) {
			t.Fatalf("unit row %d has %d cells, want %d", i+2, len(row), 3+len(inputs))
		}
		if row[0] != u.Unit.Code || row[1] != u.Unit.Name || row[2] != u.Unit.Kind {
			t.Errorf("unit row %d = %v, want %s %s %s", i+2, row[:3], u.Unit.Code, u.Unit.Name, u.Unit.Kind)
		}
		for k, in := range inputs {
			if got, err := strconv.ParseFloat(row[3+k], 64); err != nil || got != u.Figures[k] {
				t.Errorf("%s %s = %q, want %v", u.Unit.Code, in.Code, row[3+k], u.Figures[k])
			}
		}
	}
}

// TestUnitCells: text and numbers a clerk's file may hold read back from
// the unit sheet as they were, in the script of the briefing.
func TestUnitCells(t *testing.T) {
	for _, tt := range []struct {
		name, lang, unit string
		value            float64
		wantName         string
		want             float64 // to Excel's 15 significant digits
	}{
		{"plain", "", "洋川鎮", 333, "洋川鎮", 333},
		{"escaped", "", `A&B <"縣委">'`, -2, `A&B <"縣委">'`, -2},
		{"spaces kept", "", " 兩端 空格 ", 0.5, " 兩端 空格 ", 0.5},
		{"line end", "", "第一行\n第二行", 1e15, "第一行\n第二行", 1e15},
		{"fifteen digits", "", "x", 1.0 / 3, "x", 0.333333333333333},
		{"large", "", "x", 1.5e20, "x", 1.5e20},
		{"not a number", "", "x", math.Inf(1), "x", math.Inf(1)},
		{"simplified", workspace.Simplified, "縣委辦公室", 7, "县委办公室", 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := testWorkspace(t, tt.lang)
			r := newRenderer(t, ws)
			in := ws.Catalogue.Inputs()[0]
			unit := workspace.Unit{Code: "Z01", Name: tt.unit, Kind: "鄉鎮"}
			b := Briefing{Reported: []UnitValues{{Unit: &unit, Figures: merge.FiguresOf(merge.Codes(ws.Catalogue), map[string]float64{in.Code: tt.value})}}}
			rows := unitSheet(t, r, b)
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			if got := rows[1][1]; got != tt.wantName {
				t.Errorf("name = %q, want %q", got, tt.wantName)
			}
			if got, err := strconv.ParseFloat(rows[1][3], 64); err != nil || got != tt.want {
				t.Errorf("value = %q, want %v", rows[1][3], tt.want)
			}
			if got := rows[1][len(rows[1])-1]; got != "0" {
				t.Errorf("a figure not reported = %q, want 0", got)
			}
		})
	}
}

// unitSheet writes the totals workbook and reads its per-unit sheet back
// with excelize.
func unitSheet(t *testing.T, r *Renderer, b Briefing) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.TotalsWorkbook(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	// A Simplified workspace's sheets have Simplified names.
	name, err := r.conv(SheetUnits)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
