package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Sheet names of the 審核報告 and the states sheet both workbooks have.
const (
	SheetStates         = "報送狀態"
	SheetAuditRejected  = "退回文件"
	SheetAuditWarnings  = "未說明的提示"
	SheetAuditExplained = "已說明的提示"
	SheetAuditOutliers  = "離群數值"
)

// SheetAuditArea names the sheet of the area rules' findings after the
// word for the whole area (config.yaml's area:, 全縣 by default), so a
// city's report says 全市審核提示.
func SheetAuditArea(area string) string { return area + "審核提示" }

// Outlier is a counted unit's figure far from those of its kind
// (outlier.peer): a county finding named to the unit, for the 審核報告
// only.
type Outlier struct {
	Unit    workspace.Unit
	Finding vocab.Finding
}

// AuditReport writes the office's internal 審核報告 as a workbook: every
// returned or excluded file with each finding (rule, sheet, cell, message,
// fix, the unit's 說明); the warnings of the files that count, those the
// unit left unexplained apart from those it explained, since the first
// are the office's phone calls and the second its reading; the outliers,
// a unit's figure against its own last period (outlier.jump) or its
// kind's (outlier.peer); and the county rules' findings. The state of
// every unit is the totals workbook's 報送狀態 sheet beside it. None of it goes into the briefing, which reaches the
// leadership and the level above.
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
	counted := func(fr FileReport) string { return states[fr.Unit.Code].Label() }
	unexplained := func(fd vocab.Finding) bool { return fd.Severity == vocab.Warning && fd.Explanation == "" }
	if err := r.fileSheet(f, SheetAuditWarnings, b.Counted, counted, unexplained, false); err != nil {
		return err
	}
	explained := func(fd vocab.Finding) bool { return fd.Severity == vocab.Warning && fd.Explanation != "" }
	if err := r.fileSheet(f, SheetAuditExplained, b.Counted, counted, explained, false); err != nil {
		return err
	}
	if err := r.outlierSheet(f, b); err != nil {
		return err
	}
	err = r.writeSheet(f, SheetAuditArea(r.ws.Config.AreaWord()), func(add func(...any) error) error {
		if err := add("規則", "類別", "問題", "修改方法"); err != nil {
			return err
		}
		for _, fd := range b.CountyFindings {
			if err := add(fd.Rule, severityName(fd.Severity), fd.Message, fd.Fix); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.sheetsInScript(f); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return nil
}

// fileSheet writes one row per finding that keep selects, a file's
// columns repeated on each so that the office can filter and sort; with
// everyFile, a file without such findings still gets its row. The file
// name stays as it is on disk, since the clerk looks it up by name.
func (r *Renderer) fileSheet(f *excelize.File, sheet string, files []FileReport, state func(FileReport) string, keep func(vocab.Finding) bool, everyFile bool) error {
	return r.writeSheet(f, sheet, func(add func(...any) error) error {
		if err := add("單位代碼", "單位名稱", "狀態", "文件", "收到時間", "規則", "類別", "工作表", "單元格", "問題", "修改方法", "單位說明"); err != nil {
			return err
		}
		for _, fr := range files {
			// Most of a region's files have nothing to list: their
			// columns are not even made.
			if !everyFile && !slices.ContainsFunc(fr.Findings, keep) {
				continue
			}
			head := []any{fr.Unit.Code, fr.Unit.Name, state(fr), rawText(fr.File), r.clock(fr.ReceivedAt)}
			wrote := false
			for _, fd := range fr.Findings {
				if !keep(fd) {
					continue
				}
				if err := add(append(slices.Clip(head), fd.Rule, severityName(fd.Severity), fd.Sheet, fd.Cell, fd.Message, fd.Fix, fd.Explanation)...); err != nil {
					return err
				}
				wrote = true
			}
			if !wrote && everyFile {
				if err := add(head...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// outlierSheet lists the figures far from the unit's own last period,
// found on its counted file, and those far from its kind's, found over
// the county: one row each, with the figure and the one it is compared
// with, so that the office can sort by either.
func (r *Renderer) outlierSheet(f *excelize.File, b Briefing) error {
	return r.writeSheet(f, SheetAuditOutliers, func(add func(...any) error) error {
		if err := add("單位代碼", "單位名稱", "類別", "規則", "比較", "指標", "本期數", "比較的數", "工作表", "單元格", "問題", "單位說明"); err != nil {
			return err
		}
		outlier := func(u workspace.Unit, fd vocab.Finding, against, prefix string) error {
			code, figure, other := outlierFigures(fd, prefix)
			label := code
			if in, ok := r.ws.Catalogue.ByCode(code); ok {
				label = in.Label
			}
			return add(u.Code, u.Name, u.Kind, fd.Rule, against, label, figure, other, fd.Sheet, fd.Cell, fd.Message, fd.Explanation)
		}
		for _, fr := range b.Counted {
			for _, fd := range fr.Findings {
				if fd.Rule == vocab.RuleOutlierJump {
					if err := outlier(*fr.Unit, fd, "本單位上期", "prev."); err != nil {
						return err
					}
				}
			}
		}
		for _, o := range b.Outliers {
			if err := outlier(o.Unit, o.Finding, "同類單位中位數", "median."); err != nil {
				return err
			}
		}
		return nil
	})
}

// outlierFigures reads an outlier finding's Values: the indicator's code
// with its figure, and under prefix+code the figure it was compared with.
func outlierFigures(fd vocab.Finding, prefix string) (code string, figure, other any) {
	for k, v := range fd.Values {
		if !strings.Contains(k, ".") {
			code, figure = k, v
		}
	}
	if v, ok := fd.Values[prefix+code]; ok {
		other = v
	}
	return code, figure, other
}

// statesHeader lays out the 報送狀態 sheet with its header; its rows, one
// per unit, are written with the package (stateRows), as the 來源 rows are.
func (r *Renderer) statesHeader(f *excelize.File) error {
	if _, err := f.NewSheet(SheetStates); err != nil {
		return fmt.Errorf("states sheet: %w", err)
	}
	return r.setRow(sheetRows{f, SheetStates}, 1, []any{"單位代碼", "單位名稱", "類別", "狀態", "逾期", "最新文件", "收到時間", "計入匯總的文件"})
}

// stateRows writes every unit of the registry with its one state, from
// row 2, as SpreadsheetML; file names as on disk, unconverted.
func (r *Renderer) stateRows(w io.Writer, units []UnitLine) error {
	var buf []byte
	for i, u := range units {
		late := ""
		if u.Late {
			late = "是"
		}
		buf = append(buf, `<row>`...)
		for k, v := range []string{u.Unit.Code, u.Unit.Name, u.Unit.Kind, u.State.Label(), late, u.File, r.clock(u.ReceivedAt), u.Counted} {
			if k != 0 && k != 5 && k != 7 {
				c, err := r.conv(v)
				if err != nil {
					return fmt.Errorf("convert script: %w", err)
				}
				v = c
			}
			buf = append(buf, `<c`...)
			buf = appendInlineStr(buf, v)
		}
		buf = append(buf, `</row>`...)
		if (i+1)%chunkRows == 0 || i == len(units)-1 {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("states sheet: %w", err)
			}
			buf = buf[:0]
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
