package render

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
	"github.com/xuri/excelize/v2"
)

// withSources gives every reported unit a file, a hash and, but for the
// last unit (a file recorded before cells were kept), the cells of one
// template, shared as the ledger shares them.
func withSources(ws *workspace.Workspace, b Briefing) Briefing {
	layout := map[string]string{}
	if len(b.Reported) > 0 {
		row := 7
		for k, in := range ws.Catalogue.Inputs() {
			if !merge.Absent(b.Reported[0].Figures[k]) {
				layout[in.Code] = fmt.Sprintf("填報表!C%d", row)
				row++
			}
		}
	}
	at := time.Date(2008, 12, 5, 9, 30, 7, 0, time.UTC)
	for i := range b.Reported {
		u := &b.Reported[i]
		u.Source = &UnitSource{File: u.Unit.Name + "四個一活動統計表.xlsx", ReceivedAt: at.Add(time.Duration(i) * time.Minute), SHA256: fmt.Sprintf("%064x", i+1)}
		if i < len(b.Reported)-1 {
			u.Source.Cells = layout
		}
	}
	return b
}

// TestTotalsWorkbookSources reads the 來源 sheet back: a row per reported
// unit and input value, in registry and catalogue order, each naming the
// value's file and cell.
func TestTotalsWorkbookSources(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := withSources(ws, domainBriefing(t, ws))
	var buf bytes.Buffer
	if err := r.TotalsWorkbook(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetSources, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"單位代碼", "單位名稱", "類別", "指標代碼", "指標", "數值", "文件", "收到時間", "sha256", "格子"}}
	loc := ws.Config.Location()
	for _, u := range b.Reported {
		for k, in := range ws.Catalogue.Inputs() {
			v := u.Figures[k]
			if merge.Absent(v) {
				continue
			}
			cell := NoCell
			if c, ok := u.Source.Cells[in.Code]; ok {
				cell = c
			}
			want = append(want, []string{u.Unit.Code, u.Unit.Name, u.Unit.Kind, in.Code, in.Label,
				strconv.FormatFloat(v, 'f', -1, 64), u.Source.File, u.Source.ReceivedAt.In(loc).Format("2006-01-02 15:04:05"), u.Source.SHA256, cell})
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("%s has %d rows, want %d (header and one per unit value)", SheetSources, len(rows), len(want))
	}
	sawOld := false
	for i := range want {
		if fmt.Sprint(rows[i]) != fmt.Sprint(want[i]) {
			t.Errorf("row %d = %q, want %q", i+1, rows[i], want[i])
		}
		sawOld = sawOld || rows[i][9] == NoCell
	}
	if !sawOld {
		t.Errorf("no row says %s for the file recorded without cells", NoCell)
	}
	if p, err := f.GetPanes(SheetSources); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("%s panes = %+v (%v), want the header frozen", SheetSources, p, err)
	}
	var again bytes.Buffer
	if err := r.TotalsWorkbook(&again, b); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := r.TotalsWorkbook(&first, b); err != nil || !bytes.Equal(first.Bytes(), again.Bytes()) {
		t.Errorf("two writes of one workbook differ (%v)", err)
	}
}

// BenchmarkTotalsWorkbookSources is BenchmarkTotalsWorkbook with every
// unit's file and cells, as a batch gives them.
func BenchmarkTotalsWorkbookSources(b *testing.B) {
	ws := testWorkspace(b, "")
	r := newRenderer(b, ws)
	for _, n := range benchUnits {
		br := withSources(ws, manyUnits(b, ws, n))
		benchWrite(b, r, br, (*Renderer).TotalsWorkbook, "xlsx-bytes")
	}
}
