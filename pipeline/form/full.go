package form

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// workbook is an opened file as the reading of a form needs it. The fast
// reader's xlsxscan.Book is one; fullBook, excelize, is the other, and
// reads whatever the fast one leaves to it. A method's
// xlsxscan.ErrUnsupported means the file must be read by the other.
type workbook interface {
	// Sheets lists the worksheets in workbook order; the caller may
	// reorder the list.
	Sheets() []string
	// Rows gives each row of a sheet, from the first, with its cells
	// from column A as raw values, which add may keep.
	Rows(sheet string, add func(row int, cells []string) error) error
	// MergeOver finds the merge covering a cell that Rows gave empty,
	// and its top-left cell.
	MergeOver(sheet string, col, row int) (col1, row1 int, ok bool, err error)
	// Formula is the formula of a cell that Rows gave empty, or "".
	Formula(sheet string, col, row int) (string, error)
}

// fullBook is a workbook opened by excelize. Every call on it runs under
// guard.
type fullBook struct {
	f      *excelize.File
	sheets []string
}

// openFull opens the workbook in data with excelize, within lim, and
// tells whether it counts dates from 1904. The caller closes b.f.
func openFull(data []byte, lim Limits) (b *fullBook, date1904 bool, err error) {
	opts := excelize.Options{RawCellValue: true, UnzipSizeLimit: lim.MaxUnzipBytes, UnzipXMLSizeLimit: lim.MaxUnzipBytes}
	b = &fullBook{}
	err = guard(func() (err error) {
		if b.f, err = excelize.OpenReader(bytes.NewReader(data), opts); err != nil {
			return err
		}
		b.sheets = b.f.GetSheetList()
		if props, err := b.f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
			date1904 = *props.Date1904
		}
		return nil
	})
	if err != nil {
		if b.f != nil {
			b.f.Close()
		}
		return nil, false, err
	}
	return b, date1904, nil
}

// guard runs an excelize call on a received file, turning a library panic
// into an error: a malformed file must become a finding, not a crash.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("excelize panic: %v", p)
		}
	}()
	return fn()
}

func (b *fullBook) Sheets() []string { return b.sheets }

func (b *fullBook) Rows(sheet string, add func(row int, cells []string) error) error {
	return guard(func() error {
		rows, err := b.f.Rows(sheet)
		if err != nil {
			return nil // not a worksheet: nothing to read here
		}
		defer rows.Close()
		num := 0
		for rows.Next() {
			num++
			cols, err := rows.Columns()
			// The row counts against the budget even when it failed.
			if err := add(num, cols); err != nil {
				return err
			}
			if err != nil {
				return err
			}
		}
		return rows.Error()
	})
}

func (b *fullBook) MergeOver(sheet string, col, row int) (col1, row1 int, ok bool, err error) {
	err = guard(func() error {
		merges, err := b.f.GetMergeCells(sheet, true)
		if err != nil {
			return err
		}
		for _, m := range merges {
			c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
			c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
			if err1 == nil && err2 == nil && c1 <= col && col <= c2 && r1 <= row && row <= r2 {
				col1, row1, ok = c1, r1, true
				return nil
			}
		}
		return nil
	})
	return col1, row1, ok, err
}

func (b *fullBook) Formula(sheet string, col, row int) (formula string, err error) {
	err = guard(func() (err error) {
		formula, err = b.f.GetCellFormula(sheet, cellName(col, row))
		return err
	})
	return formula, err
}
