package render

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
)

// Sheet names of the 審核報告 and the states sheet both workbooks have.
const (
	SheetStates        = "報送狀態"
	SheetAuditRejected = "退回文件"
	SheetAuditWarnings = "已接收文件的提示"
	SheetAuditCounty   = "全縣審核提示"
)

// AuditReport writes the office's internal 審核報告 as a workbook: every
// returned or excluded file with each finding (rule, sheet, cell, message,
// fix); the findings (warnings) of the files that count; the county
// rules' findings; and the state of every unit. None of it goes into the
// briefing, which reaches the leadership and the level above.
func (r *Renderer) AuditReport(w io.Writer, b Briefing) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close workbook: %w", cerr)
		}
	}()
	if err := f.SetSheetName("Sheet1", SheetAuditRejected); err != nil {
		return fmt.Errorf("audit report: %w", err)
	}
	states := map[string]vocab.State{}
	for _, u := range b.Units {
		states[u.Unit.Code] = u.State
	}
	rejected := func(fr FileReport) string {
		if st, ok := states[fr.Unit.Code]; ok {
			return st.Label()
		}
		return "不在參學單位名冊中"
	}
	if err := r.fileSheet(f, SheetAuditRejected, b.Rejected, rejected, func(vocab.Finding) bool { return true }, true); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetAuditWarnings); err != nil {
		return fmt.Errorf("audit report: %w", err)
	}
	counted := func(fr FileReport) string { return states[fr.Unit.Code].Label() }
	warning := func(fd vocab.Finding) bool { return fd.Severity == vocab.Warning }
	if err := r.fileSheet(f, SheetAuditWarnings, b.Counted, counted, warning, false); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetAuditCounty); err != nil {
		return fmt.Errorf("audit report: %w", err)
	}
	if err := r.setRow(sheetRows{f, SheetAuditCounty}, 1, []any{"規則", "類別", "問題", "修改方法"}); err != nil {
		return err
	}
	for i, fd := range b.CountyFindings {
		if err := r.setRow(sheetRows{f, SheetAuditCounty}, i+2, []any{fd.Rule, severityName(fd.Severity), fd.Message, fd.Fix}); err != nil {
			return err
		}
	}
	if err := r.statesSheet(f, b.Units); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return nil
}

// fileSheet writes one row per finding that keep selects, a file's
// columns repeated on each so that the office can filter and sort; with
// everyFile, a file without such findings still gets its row.
func (r *Renderer) fileSheet(f *excelize.File, sheet string, files []FileReport, state func(FileReport) string, keep func(vocab.Finding) bool, everyFile bool) error {
	header := []any{"單位代碼", "單位名稱", "狀態", "文件", "收到時間", "規則", "類別", "工作表", "單元格", "問題", "修改方法"}
	if err := r.setRow(sheetRows{f, sheet}, 1, header); err != nil {
		return err
	}
	row := 2
	for _, fr := range files {
		var kept []vocab.Finding
		for _, fd := range fr.Findings {
			if keep(fd) {
				kept = append(kept, fd)
			}
		}
		head := []any{fr.Unit.Code, fr.Unit.Name, state(fr), fr.File, r.clock(fr.ReceivedAt)}
		if len(kept) == 0 && everyFile {
			if err := r.fileRow(f, sheet, row, head, nil); err != nil {
				return err
			}
			row++
		}
		for _, fd := range kept {
			finding := []any{fd.Rule, severityName(fd.Severity), fd.Sheet, fd.Cell, fd.Message, fd.Fix}
			if err := r.fileRow(f, sheet, row, head, finding); err != nil {
				return err
			}
			row++
		}
	}
	return nil
}

// fileRow writes a file's columns and a finding's; the file name (column
// D) stays as it is on disk, since the clerk looks it up by name, while
// the words are converted to the briefing's script.
func (r *Renderer) fileRow(f *excelize.File, sheet string, row int, head, finding []any) error {
	if err := r.setRow(sheetRows{f, sheet}, row, append(append([]any{}, head...), finding...)); err != nil {
		return err
	}
	return r.setRaw(f, sheet, "D", row, head[3].(string))
}

// setRaw puts text into a cell unconverted.
func (r *Renderer) setRaw(f *excelize.File, sheet, col string, row int, text string) error {
	if err := f.SetCellValue(sheet, col+strconv.Itoa(row), text); err != nil {
		return fmt.Errorf("%s row %d: %w", sheet, row, err)
	}
	return nil
}

// statesSheet lists every unit of the registry with its one state.
func (r *Renderer) statesSheet(f *excelize.File, units []UnitLine) error {
	if _, err := f.NewSheet(SheetStates); err != nil {
		return fmt.Errorf("states sheet: %w", err)
	}
	header := []any{"單位代碼", "單位名稱", "類別", "狀態", "逾期", "最新文件", "收到時間", "計入匯總的文件"}
	if err := r.setRow(sheetRows{f, SheetStates}, 1, header); err != nil {
		return err
	}
	for i, u := range units {
		late := ""
		if u.Late {
			late = "是"
		}
		vals := []any{u.Unit.Code, u.Unit.Name, u.Unit.Kind, u.State.Label(), late, "", r.clock(u.ReceivedAt), ""}
		if err := r.setRow(sheetRows{f, SheetStates}, i+2, vals); err != nil {
			return err
		}
		// File names as on disk, unconverted.
		if err := r.setRaw(f, SheetStates, "F", i+2, u.File); err != nil {
			return err
		}
		if err := r.setRaw(f, SheetStates, "H", i+2, u.Counted); err != nil {
			return err
		}
	}
	return nil
}

// clock is a time as the office reads it, in its time zone; "" for none.
func (r *Renderer) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(r.ws.Config.Location()).Format("2006-01-02 15:04")
}

func severityName(s vocab.Severity) string {
	if s == vocab.Warning {
		return "警告"
	}
	return "錯誤"
}
