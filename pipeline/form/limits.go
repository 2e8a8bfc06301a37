package form

import (
	"fmt"

	"countybrief/pipeline/form/xlsxscan"
	"countybrief/pipeline/vocab"
)

// Limits bound what one received file may cost to read. A zero field takes
// the value of DefaultLimits.
type Limits struct {
	MaxBytes      int64 // size of the file
	MaxUnzipBytes int64 // all parts unzipped; also kept in memory, never spilled to disk
	MaxRows       int   // rows of all sheets scanned, gaps included
	MaxCells      int   // cells of all sheets scanned, gaps included
	MaxDepth      int   // nesting of elements in any XML part
	MaxElements   int   // elements in any one XML part
	MaxFormula    int   // cells visited to compute formulas without a cached value, across the file
}

// DefaultLimits are far above any real form (about 20 KB, 50 rows, 300
// cells, nesting 6 deep, 3,000 elements) and far below what hurts a batch
// of thousands of files: any file within them is decided in well under a
// second of CPU. The cells and elements are bounded by what excelize, the
// fallback reader, costs: it decodes a sheet into structures of a few
// hundred bytes a cell, and 200,000 cells took it most of a second.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes: 10 << 20, MaxUnzipBytes: 64 << 20, MaxRows: 20000, MaxCells: 50000,
		MaxDepth: 64, MaxElements: 200000, MaxFormula: 2000,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxBytes, d.MaxBytes)
	orDefault(&l.MaxUnzipBytes, d.MaxUnzipBytes)
	orDefault(&l.MaxRows, d.MaxRows)
	orDefault(&l.MaxCells, d.MaxCells)
	orDefault(&l.MaxDepth, d.MaxDepth)
	orDefault(&l.MaxElements, d.MaxElements)
	orDefault(&l.MaxFormula, d.MaxFormula)
	return l
}

// orDefault gives a limit left at zero (or set negative) its default.
func orDefault[T int | int64](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// scan is the part of the limits the fast reader and the XML bounds
// check apply.
func (l Limits) scan() xlsxscan.Limits {
	return xlsxscan.Limits{MaxUnzipBytes: l.MaxUnzipBytes, MaxDepth: l.MaxDepth, MaxElements: l.MaxElements}
}

func sizeLimit(lim Limits) vocab.Finding {
	return vocab.Finding{
		Rule: RuleLimit, Severity: vocab.Error,
		Message: fmt.Sprintf("文件超過 %d KB，遠大於正常的填報表，系統不予讀取。", lim.MaxBytes>>10),
		Fix:     "請不要在表格中插入圖片或其他內容；" + fixSendXLSX,
	}
}

func cellsLimit(lim Limits) vocab.Finding {
	return vocab.Finding{
		Rule: RuleLimit, Severity: vocab.Error,
		Message: fmt.Sprintf("表格的行數或單元格數超過上限（%d 行、%d 個單元格），遠多於正常的填報表，系統不予讀取。", lim.MaxRows, lim.MaxCells),
		Fix:     "請刪除表格以外多餘的內容；" + fixSendXLSX,
	}
}

// limitFinding tells the clerk which bound of lim the file went over.
func limitFinding(e *xlsxscan.LimitError, lim Limits) vocab.Finding {
	part := clipN(e.Part, 40)
	switch e.Bound {
	case xlsxscan.BoundDepth:
		return vocab.Finding{
			Rule: RuleLimit, Severity: vocab.Error,
			Message: fmt.Sprintf("文件內部的部件「%s」嵌套超過 %d 層，正常的填報表不會這樣，系統不予讀取。", part, lim.MaxDepth),
			Fix:     "請用本系統下發的空白表格重新填寫；" + fixSendXLSX,
		}
	case xlsxscan.BoundElements:
		return vocab.Finding{
			Rule: RuleLimit, Severity: vocab.Error,
			Message: fmt.Sprintf("文件內部的部件「%s」含有超過 %d 個元素，遠多於正常的填報表，系統不予讀取。", part, lim.MaxElements),
			Fix:     "請刪除表格以外多餘的內容；" + fixSendXLSX,
		}
	}
	return unzipLimit(lim)
}

func unzipLimit(lim Limits) vocab.Finding {
	return vocab.Finding{
		Rule: RuleLimit, Severity: vocab.Error,
		Message: fmt.Sprintf("文件解壓後超過 %d MB，遠大於正常的填報表，系統不予讀取。", lim.MaxUnzipBytes>>20),
		Fix:     fixSendXLSX,
	}
}
