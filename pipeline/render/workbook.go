package render

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/workspace"
)

// Sheet names of the totals workbook.
const (
	SheetTotals = "匯總"
	SheetUnits  = "分單位明細"
)

// TotalsWorkbook writes the period's figures as a workbook: sheet 匯總 has
// one row per indicator with the county total and the township and
// county-organ subtotals; sheet 分單位明細 has one row per reported unit
// and one column per form row. Values are numbers, not text, so the office
// can sum and chart them. The unit rows are streamed, so a region of
// thousands of units costs no more memory than the XML of its rows.
func (r *Renderer) TotalsWorkbook(w io.Writer, b Briefing) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close workbook: %w", cerr)
		}
	}()
	cat := r.ws.Catalogue
	if err := f.SetSheetName("Sheet1", SheetTotals); err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	// The totals sheet has a row per indicator, however many units report,
	// so it is set in place: excelize writes streamed sheets in map order,
	// and a second stream would make the file's bytes differ run to run.
	header := []any{"層次", "活動", "代碼", "指標", "計量單位", "全縣", "鄉鎮小計", "縣直小計"}
	if err := r.setRow(sheetRows{f, SheetTotals}, 1, header); err != nil {
		return err
	}
	levels := map[int]string{}
	for _, l := range cat.Levels {
		levels[l.Level] = l.Name
	}
	for i, in := range cat.Indicators {
		row := []any{levels[in.Level], in.Activity, in.Code, in.Label, in.Measure,
			b.Totals.All[in.Code], b.Totals.Township[in.Code], b.Totals.Organ[in.Code]}
		if err := r.setRow(sheetRows{f, SheetTotals}, i+2, row); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(SheetTotals, "A", "C", 14); err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	if err := f.SetColWidth(SheetTotals, "D", "D", 34); err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	if _, err := f.NewSheet(SheetUnits); err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(SheetUnits)
	if err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}); err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	inputs := cat.Inputs()
	uh := []any{"單位代碼", "單位名稱", "類別"}
	for _, in := range inputs {
		uh = append(uh, in.Label+"（"+in.Measure+"）")
	}
	if err := r.setRow(streamRows{sw}, 1, uh); err != nil {
		return err
	}
	row := make([]any, 0, 3+len(inputs))
	for i, u := range b.Reported {
		row = append(row[:0], u.Unit.Code, u.Unit.Name, u.Unit.Kind)
		for _, in := range inputs {
			row = append(row, u.Values[in.Code])
		}
		if err := r.setRow(streamRows{sw}, i+2, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// rowWriter is a sheet being written, streamed or in place.
type rowWriter interface {
	SetRow(cell string, vals []any) error
	name() string
}

type sheetRows struct {
	f     *excelize.File
	sheet string
}

func (s sheetRows) SetRow(cell string, vals []any) error {
	return s.f.SetSheetRow(s.sheet, cell, &vals)
}
func (s sheetRows) name() string { return s.sheet }

type streamRows struct{ *excelize.StreamWriter }

func (s streamRows) SetRow(cell string, vals []any) error { return s.StreamWriter.SetRow(cell, vals) }
func (s streamRows) name() string                         { return s.Sheet }

// setRow writes a row, converting its text to the briefing's script.
func (r *Renderer) setRow(sw rowWriter, row int, vals []any) error {
	for i, v := range vals {
		if s, ok := v.(string); ok {
			c, err := r.conv(s)
			if err != nil {
				return fmt.Errorf("convert script: %w", err)
			}
			vals[i] = c
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, row)
	if err != nil {
		return fmt.Errorf("%s row %d: %w", sw.name(), row, err)
	}
	if err := sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("%s row %d: %w", sw.name(), row, err)
	}
	return nil
}

// kindName is a unit kind for the chase list.
func kindName(k string) string {
	if k == workspace.KindTownship || k == workspace.KindOrgan {
		return k
	}
	return "其他"
}
