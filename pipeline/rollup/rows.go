package rollup

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

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
func sheetRows(zr *zip.Reader, data []byte, lim form.Limits) (map[int][]string, *vocab.Finding) {
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
	if errors.As(checkBounds(zr, scan), &over) {
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

// checkBounds is xlsxscan.CheckBounds over the parts excelize parses to
// give Sheet's rows: every part but the other worksheets, which it keeps
// unparsed, so that a large county's 來源 sheet (over 200,000 elements
// from about 300 units) does not stop a workbook the fast reader gave up
// on. When Sheet's part cannot be told, every part is checked.
func checkBounds(zr *zip.Reader, lim xlsxscan.Limits) error {
	data := dataSheetPart(zr, lim)
	for _, zf := range zr.File {
		name := strings.ReplaceAll(zf.Name, "\\", "/")
		if data != "" && worksheet(name) && !strings.EqualFold(name, data) {
			continue
		}
		if zf.UncompressedSize64 > uint64(lim.MaxUnzipBytes) {
			continue // excelize refuses it for its size before parsing it
		}
		if err := xlsxscan.CheckPart(zf.Name, partText(zf, lim.MaxUnzipBytes), lim); err != nil {
			return err
		}
	}
	return nil
}

func worksheet(name string) bool {
	dir, file := path.Split(strings.ToLower(name))
	return dir == "xl/worksheets/" && strings.HasSuffix(file, ".xml")
}

// partText is a part unzipped as far as it unzips, at most limit bytes:
// excelize overlooks a checksum error and parses the text.
func partText(zf *zip.File, limit int64) string {
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, limit))
	return string(b)
}

// dataSheetPart is the zip name of Sheet's part, found as excelize finds
// it: its r:id in the workbook part, that id's target in the workbook's
// relationships. "" when either part is over the bounds or says nothing.
func dataSheetPart(zr *zip.Reader, lim xlsxscan.Limits) string {
	text := func(name string) string {
		for _, zf := range zr.File {
			if strings.ReplaceAll(zf.Name, "\\", "/") == name && zf.UncompressedSize64 <= maxWorkbookPart {
				if t := partText(zf, maxWorkbookPart); xlsxscan.CheckPart(name, t, lim) == nil {
					return t
				}
			}
		}
		return ""
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if xml.Unmarshal([]byte(text("xl/workbook.xml")), &wb) != nil || xml.Unmarshal([]byte(text("xl/_rels/workbook.xml.rels")), &rels) != nil {
		return ""
	}
	id := ""
	for _, sh := range wb.Sheets {
		if sh.Name == Sheet {
			id = sh.ID
		}
	}
	for _, r := range rels.Rels {
		if id != "" && r.ID == id {
			if strings.HasPrefix(r.Target, "/") {
				return path.Clean(strings.TrimPrefix(r.Target, "/"))
			}
			return path.Join("xl", r.Target)
		}
	}
	return ""
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
