package rollup

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// noteSheet is the visible sheet that tells people what the workbook is.
const noteSheet = "上報說明"

// Write writes the 上報 workbook of r: the totals workbook (its bytes)
// with noteSheet and Sheet added, Sheet very hidden and protected and the
// workbook's structure locked, so that the sheet cannot be unhidden or
// renamed by accident. conv puts what people read in the county's script.
// Figures are written, and sealed, to the 15 significant digits a
// spreadsheet keeps.
func Write(w io.Writer, totals []byte, r *Report, conv func(string) string) (err error) {
	r = rounded(r)
	f, err := excelize.OpenReader(bytes.NewReader(totals))
	if err != nil {
		return fmt.Errorf("open totals workbook: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close workbook: %w", cerr)
		}
	}()
	if err := writeNote(f, r, conv); err != nil {
		return err
	}
	if err := writeData(f, r); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write 上報 workbook: %w", err)
	}
	return nil
}

func writeNote(f *excelize.File, r *Report, conv func(string) string) error {
	name := conv(noteSheet)
	if _, err := f.NewSheet(name); err != nil {
		return fmt.Errorf("note sheet: %w", err)
	}
	lines := []string{
		fmt.Sprintf("%s %s 第%d期上報表", r.CountyName, r.Period, r.Issue),
		"這份工作簿是本縣已發布簡報的匯總數，附有供上級系統讀取的隱藏數據（含各單位的數和每份報表的 sha256），由 countybrief publish 生成。",
		fmt.Sprintf("報送方法：原樣放入上級收件箱中本縣（代碼 %s）的文件夾，不要打開後另存，也不要修改任何數字。", r.County),
		"數字有誤時，請在本縣改正並重新處理、發布新的一期，把新的上報表重新報送；上級以最新接收的一份為準。",
	}
	for i, l := range lines {
		if err := f.SetCellStr(name, "A"+strconv.Itoa(i+1), conv(l)); err != nil {
			return fmt.Errorf("note sheet: %w", err)
		}
	}
	return f.SetColWidth(name, "A", "A", 120)
}

// writeData writes Sheet: the head (label in A, value in B), a blank row,
// the table's header and its rows.
func writeData(f *excelize.File, r *Report) error {
	if _, err := f.NewSheet(Sheet); err != nil {
		return fmt.Errorf("data sheet: %w", err)
	}
	var rows [][]any
	rows = append(rows,
		[]any{format, formatVersion},
		[]any{labelCounty, r.County},
		[]any{labelName, r.CountyName},
		[]any{labelPeriod, r.Period},
		[]any{labelIssue, r.Issue},
		[]any{labelCatalogue, r.Catalogue},
		[]any{labelDate, r.Date},
		[]any{labelSeal, r.seal()},
		nil,
	)
	header := []any{headKind, "代碼", "名稱", "類別", "文件", "sha256"}
	for _, c := range r.Columns {
		header = append(header, c)
	}
	rows = append(rows, header)
	figures := func(head []any, vs map[string]float64) []any {
		for _, c := range r.Columns {
			if v, ok := vs[c]; ok {
				head = append(head, v)
			} else {
				head = append(head, nil)
			}
		}
		return head
	}
	rows = append(rows, figures([]any{rowCounty, r.County, r.CountyName, "", "", ""}, r.Totals))
	for _, g := range r.Kinds {
		rows = append(rows, figures([]any{rowKind, g.Kind, g.Kind, g.Kind, "", ""}, g.Values))
	}
	for _, u := range r.Units {
		rows = append(rows, figures([]any{rowUnit, u.Code, u.Name, u.Kind, u.File, u.SHA256}, u.Values))
	}
	for i, row := range rows {
		for j, v := range row {
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				return err
			}
			switch v := v.(type) {
			case string:
				if v != "" {
					err = f.SetCellStr(Sheet, cell, v)
				}
			case int:
				err = f.SetCellInt(Sheet, cell, int64(v))
			case float64:
				// The shortest text of the rounded double, which reads back
				// as itself; SetCellValue would round it again.
				err = f.SetCellFloat(Sheet, cell, v, -1, 64)
			}
			if err != nil {
				return fmt.Errorf("data sheet %s: %w", cell, err)
			}
		}
	}
	if err := f.SetSheetVisible(Sheet, false, true); err != nil {
		return fmt.Errorf("hide data sheet: %w", err)
	}
	if err := f.ProtectSheet(Sheet, &excelize.SheetProtectionOptions{SelectLockedCells: true}); err != nil {
		return fmt.Errorf("protect data sheet: %w", err)
	}
	if err := f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true}); err != nil {
		return fmt.Errorf("protect workbook: %w", err)
	}
	return nil
}
