package rollup

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/form/xlsxscan"
	"countybrief/pipeline/vocab"
)

// errCaps stops a scan that went over the rows or cells of the limits.
var errCaps = errors.New("rows or cells over the limit")

// sheetRows reads the data sheet's rows by row number, within lim: over
// xlsxscan, or excelize when it cannot vouch for the file and the XML
// bounds allow. A nil finding means the rows were read.
func sheetRows(data []byte, lim form.Limits) (map[int][]string, *vocab.Finding) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, damaged()
	}
	scan := xlsxscan.Limits{MaxUnzipBytes: lim.MaxUnzipBytes, MaxDepth: lim.MaxDepth, MaxElements: lim.MaxElements}
	rows := map[int][]string{}
	nrows, ncells := 0, 0
	add := func(n int, cells []string) error {
		nrows++
		ncells += len(cells)
		if nrows > lim.MaxRows || ncells > lim.MaxCells {
			return errCaps
		}
		rows[n] = cells
		return nil
	}
	book, err := xlsxscan.Open(zr, data, scan, nil)
	if err == nil {
		err = book.Rows(Sheet, add)
	}
	var over *xlsxscan.LimitError
	switch {
	case err == nil:
		return rows, nil
	case errors.Is(err, errCaps):
		return nil, capsFinding(lim)
	case errors.As(err, &over):
		return nil, limitFinding(lim)
	}
	if errors.As(xlsxscan.CheckBounds(zr, scan), &over) {
		return nil, limitFinding(lim)
	}
	clear(rows)
	nrows, ncells = 0, 0
	err = guard(func() error {
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: lim.MaxUnzipBytes, UnzipXMLSizeLimit: lim.MaxUnzipBytes})
		if err != nil {
			return err
		}
		defer f.Close()
		it, err := f.Rows(Sheet)
		if err != nil {
			return err
		}
		defer it.Close()
		for n := 1; it.Next(); n++ {
			cells, err := it.Columns()
			if err != nil {
				return err
			}
			if len(cells) > 0 {
				if err := add(n, cells); err != nil {
					return err
				}
			}
		}
		return it.Error()
	})
	switch {
	case err == nil:
		return rows, nil
	case errors.Is(err, errCaps):
		return nil, capsFinding(lim)
	}
	return nil, damaged()
}

// guard turns an excelize panic over a received file into an error.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("excelize panic: %v", p)
		}
	}()
	return fn()
}

func damaged() *vocab.Finding {
	return &vocab.Finding{Rule: RuleFormat, Severity: vocab.Error,
		Message: fmt.Sprintf("上報表已損壞，隱藏的「%s」表無法讀取。", Sheet), Fix: fixResend}
}

func limitFinding(lim form.Limits) *vocab.Finding {
	return &vocab.Finding{Rule: RuleLimit, Severity: vocab.Error,
		Message: fmt.Sprintf("上報表解壓後超過 %d MB 或內部結構過於複雜，遠大於正常的上報表，系統不予讀取。", lim.MaxUnzipBytes>>20), Fix: fixResend}
}

func capsFinding(lim form.Limits) *vocab.Finding {
	return &vocab.Finding{Rule: RuleLimit, Severity: vocab.Error,
		Message: fmt.Sprintf("上報表隱藏的「%s」表超過 %d 行或 %d 個單元格，遠多於正常的上報表，系統不予讀取。", Sheet, lim.MaxRows, lim.MaxCells), Fix: fixResend}
}
