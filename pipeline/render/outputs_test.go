package render

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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
	if got := f.GetSheetList(); strings.Join(got, ",") != SheetTotals+","+SheetUnits {
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
		for k, m := range []map[string]float64{b.Totals.All, b.Totals.Township, b.Totals.Organ} {
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
			if err != nil || got != u.Values[in.Code] {
				t.Errorf("%s %s = %q, want %v", u.Unit.Code, in.Code, row[3+k], u.Values[in.Code])
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
	if visits == b.Totals.Reached.Township["county_leader_visits"] {
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
		{workspace.Traditional, []string{"催報（尚未報送，共1個單位）", "J54　縣供銷合作社（縣直）", "退回（須修改後重新報送，共1個單位）", "J56　縣人民檢察院（縣直）　文件：縣人民檢察院-2008-12.xlsx", "- 受益群眾人數（C11）未填"}},
		// File names stay as they are on disk; the words are converted.
		{workspace.Simplified, []string{"催报（尚未报送，共1个单位）", "J54　县供销合作社（县直）", "J56　县人民检察院（县直）　文件：縣人民檢察院-2008-12.xlsx"}},
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
		})
	}
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	b.Missing, b.Returned = nil, nil
	var buf bytes.Buffer
	if err := r.ChaseList(&buf, b); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "無。") != 2 {
		t.Errorf("empty chase list:\n%s", buf.String())
	}
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

// TestNothingReported renders the first morning of a period: no unit has
// reported, none was returned, there is no earlier issue.
func TestNothingReported(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := Briefing{Issue: 1, Date: domainBriefing(t, ws).Date, Period: "2008-12", Missing: ws.Units}
	pdf, text := render(t, r, b)
	for _, want := range []string{"以下73個單位尚未報送", "洋川鎮、鄭場鎮", "縣能源局。", "已有0個報送進展"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", writeTemp(t, "empty.pdf", pdf), "-")
	if squash(raw) != squash(text) {
		i := firstDiff(squash(raw), squash(text))
		t.Errorf("pdftotext differs from the text twin at rune %d:\n pdf: %s\ntext: %s", i, around(squash(raw), i), around(squash(text), i))
	}
}

// TestStrayCharacterSpelledOut: a symbol no font has, typed by a clerk
// into a file, is printed as its code instead of stopping the briefing.
func TestStrayCharacterSpelledOut(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	b.Returned[0].Reasons = []string{"「投入幫扶資金」填的是「😀」，不是一個數字"}
	pdf, text := render(t, r, b)
	if !strings.Contains(text, "填的是「U+1F600」") {
		t.Errorf("text twin does not spell out U+1F600:\n%s", text)
	}
	raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", writeTemp(t, "stray.pdf", pdf), "-")
	if !strings.Contains(squash(raw), "填的是「U+1F600」") {
		t.Error("PDF does not spell out U+1F600")
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
			if got, err := strconv.ParseFloat(row[3+k], 64); err != nil || got != u.Values[in.Code] {
				t.Errorf("%s %s = %q, want %v", u.Unit.Code, in.Code, row[3+k], u.Values[in.Code])
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
			unit := workspace.Unit{Code: "Z01", Name: tt.unit, Kind: workspace.KindTownship}
			b := Briefing{Reported: []UnitValues{{Unit: unit, Values: map[string]float64{in.Code: tt.value}}}}
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
	rows, err := f.GetRows(SheetUnits, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
