package rollup

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Rule ids of the reader's findings.
const (
	RuleFormat  = "rollup.format"  // the data sheet is not as Write makes it
	RuleLimit   = "rollup.limit"   // too large to read
	RuleSeal    = "rollup.seal"    // edited after publishing
	RuleVersion = "rollup.version" // another catalogue
	RuleSum     = "rollup.sum"     // a county figure its units do not make
)

// A Reader reads the files of a city's inbox: a 上報 workbook itself,
// anything else with the form reader. It is safe for concurrent use.
type Reader struct {
	forms *form.Reader
	cat   *workspace.Catalogue
	lim   form.Limits
}

// NewReader returns a Reader for files of the catalogue within lim; a
// zero field of lim takes form.DefaultLimits' value.
func NewReader(cat *workspace.Catalogue, lim form.Limits) *Reader {
	lim = withDefaults(lim)
	return &Reader{forms: form.NewReader(cat, lim), cat: cat, lim: lim}
}

// withDefaults gives each limit left at zero form's default, as
// form.NewReader does, so that a 上報 workbook meets the caps a form does.
func withDefaults(l form.Limits) form.Limits {
	d := form.DefaultLimits()
	for _, f := range []struct{ v, d *int64 }{{&l.MaxBytes, &d.MaxBytes}, {&l.MaxUnzipBytes, &d.MaxUnzipBytes}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	for _, f := range []struct{ v, d *int }{{&l.MaxRows, &d.MaxRows}, {&l.MaxCells, &d.MaxCells}, {&l.MaxDepth, &d.MaxDepth}, {&l.MaxElements, &d.MaxElements}, {&l.MaxFormula, &d.MaxFormula}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	return l
}

// MaxBytes is the largest file the Reader reads.
func (r *Reader) MaxBytes() int64 { return r.lim.MaxBytes }

// Read reads the file at path as form.Reader.Read does: the error is for
// I/O trouble only.
func (r *Reader) Read(path string) (*form.Submission, []vocab.Finding, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open file: %w", err)
	}
	defer fh.Close()
	data, err := form.ReadUpTo(fh, r.lim.MaxBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read file: %w", err)
	}
	sub, fs := r.ReadBytes(path, data)
	return sub, fs, nil
}

// ReadBytes reads a file already in memory. A 上報 workbook becomes the
// county's Submission: its identity, and as Values the county figure of
// each input indicator, each located at its cell of Sheet; a workbook
// whose sheet cannot be read gives a nil Submission and the finding.
func (r *Reader) ReadBytes(path string, data []byte) (*form.Submission, []vocab.Finding) {
	if int64(len(data)) > r.lim.MaxBytes {
		return r.forms.ReadBytes(path, data)
	}
	zr := openZip(data)
	switch part := workbookPart(zr); {
	case isTotals(part) && !hasSheet(part, Sheet):
		return nil, []vocab.Finding{totalsSent()}
	case !hasSheet(part, Sheet) && zr != nil:
		return r.forms.ReadZip(data, zr)
	case !hasSheet(part, Sheet):
		return r.forms.ReadBytes(path, data)
	}
	p, fs := parse(zr, data, r.lim)
	if p == nil {
		return nil, fs
	}
	// Sums over a sheet with a bad cell would only repeat that cell.
	fs = append(fs, p.check(r.cat, len(fs) == 0)...)
	sub, more := p.submission(r.cat)
	return sub, append(fs, more...)
}

// Parse reads the data sheet of a 上報 workbook without judging it: the
// report as written and what made it unreadable. explain uses it to walk
// from a county's figure down to its units.
func Parse(data []byte, lim form.Limits) (*Report, []vocab.Finding) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, []vocab.Finding{*damaged()}
	}
	p, fs := parse(zr, data, withDefaults(lim))
	if p == nil {
		return nil, fs
	}
	return &p.rep, fs
}

// Bounds of what IsReport looks at: a form has a dozen parts and a
// workbook part of a few KB.
const (
	maxEntries      = 2000
	maxWorkbookPart = 1 << 20
)

// IsReport reports whether data is a workbook with the data sheet: the
// zip's directory and its workbook part say so, nothing else is read.
func IsReport(data []byte) bool {
	return hasSheet(workbookPart(openZip(data)), Sheet)
}

// minSheets is the fewest worksheets a 上報 or totals workbook has (the
// totals sheet, 上報說明 and Sheet; render writes four of its own); a
// unit's form has two, so most files are told from the zip's directory
// without inflating a part, which would cost a fifth of reading the form.
const minSheets = 3

// openZip opens data's zip directory once for workbookPart and parse, or
// gives nil when data is no zip or has more entries than a real workbook.
func openZip(data []byte) *zip.Reader {
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) > maxEntries {
		return nil
	}
	return zr
}

// workbookPart is the workbook part of zr, or nil when zr is nil, has
// fewer than minSheets worksheets, or its part is larger than a real one.
func workbookPart(zr *zip.Reader) []byte {
	if zr == nil {
		return nil
	}
	var workbook *zip.File
	sheets := 0
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		switch {
		case name == "xl/workbook.xml":
			workbook = zf
		case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
			sheets++
		}
	}
	if zf := workbook; zf != nil && sheets >= minSheets {
		if zf.UncompressedSize64 > maxWorkbookPart {
			return nil
		}
		rc, err := zf.Open()
		if err != nil {
			return nil
		}
		part, err := io.ReadAll(io.LimitReader(rc, maxWorkbookPart+1))
		rc.Close()
		if err != nil {
			return nil
		}
		return part
	}
	return nil
}

func hasSheet(workbook []byte, name string) bool {
	return bytes.Contains(workbook, []byte(`name="`+name+`"`))
}

// isTotals tells a county's totals workbook (匯總表第N期.xlsx), sent up in
// place of its 上報 workbook, by the sheets render gives it, in either
// script: it is no form, and the clerk should be told which file to send.
func isTotals(workbook []byte) bool {
	return (hasSheet(workbook, "分單位明細") || hasSheet(workbook, "分单位明细")) &&
		(hasSheet(workbook, "來源") || hasSheet(workbook, "来源"))
}

// totalsSent is the finding on a totals workbook sent in place of the
// 上報 workbook.
func totalsSent() vocab.Finding {
	return vocab.Finding{Rule: RuleFormat, Severity: vocab.Error,
		Message: "這是縣裡發布的匯總表（匯總表第N期.xlsx），不是上報表，不能作為上報數據讀取。",
		Fix: "請報送同一期的「上報表第N期.xlsx」（在本縣 outbox/報送期/ 裡，與匯總表放在一起）；沒有上報表的，" +
			"請在本縣 config.yaml 寫上 county_code（本縣在上級名冊中的代碼），重新發布後報送。"}
}

// parsed is a report with where each thing of it was read.
type parsed struct {
	rep  Report
	seal string
	// at locates the head's values by label, and each figure by row
	// kind, row code and indicator code (figureKey).
	at map[string]form.Location
	// header is the row of the table's header.
	header int
	// unreadable holds the figureKey of each cell that is not a number.
	unreadable map[string]bool
}

func figureKey(kind, code, indicator string) string { return kind + "\x00" + code + "\x00" + indicator }

func loc(col, row int) form.Location {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return form.Location{Sheet: Sheet, Cell: name}
}

// Rows of the head, in order, from row 2; the header follows a blank row.
var headLabels = []string{labelCounty, labelName, labelPeriod, labelIssue, labelCatalogue, labelDate, labelSeal}

const headerRow = 10

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// parse reads the data sheet into a report. A sheet that cannot be read
// as a whole (limits, layout) gives nil and its finding; a bad cell
// within a readable layout is a finding beside the report.
func parse(zr *zip.Reader, data []byte, lim form.Limits) (*parsed, []vocab.Finding) {
	rows, f := sheetRows(zr, data, lim)
	if f != nil {
		return nil, []vocab.Finding{*f}
	}
	get := func(n, col int) string {
		cells := rows[n]
		if col > len(cells) {
			return ""
		}
		return text(cells[col-1])
	}
	if get(1, 1) != format || get(1, 2) != formatVersion {
		return nil, []vocab.Finding{bad(loc(1, 1), fmt.Sprintf("不是本系統能讀的上報表格式（A1 應為「%s」，B1 應為「%s」）", format, formatVersion))}
	}
	p := &parsed{at: map[string]form.Location{}, header: headerRow, unreadable: map[string]bool{}}
	var fs []vocab.Finding
	head := map[string]string{}
	for i, label := range headLabels {
		n := i + 2
		if get(n, 1) != label {
			return nil, []vocab.Finding{bad(loc(1, n), fmt.Sprintf("A%d 應為「%s」", n, label))}
		}
		head[label] = get(n, 2)
		p.at[label] = loc(2, n)
	}
	r := &p.rep
	r.County, r.CountyName, r.Period = head[labelCounty], head[labelName], head[labelPeriod]
	r.Catalogue, r.Date, p.seal = head[labelCatalogue], head[labelDate], head[labelSeal]
	issue, err := strconv.Atoi(head[labelIssue])
	if err != nil || issue < 1 {
		fs = append(fs, bad(p.at[labelIssue], fmt.Sprintf("期號「%s」不是正整數", clip(head[labelIssue]))))
	}
	r.Issue = issue
	if get(headerRow, 1) != headKind {
		return nil, []vocab.Finding{bad(loc(1, headerRow), fmt.Sprintf("A%d 應為表頭「%s」", headerRow, headKind))}
	}
	seen := map[string]bool{}
	for col := fixedCols + 1; col <= len(rows[headerRow]); col++ {
		c := get(headerRow, col)
		if c == "" || seen[c] {
			fs = append(fs, bad(loc(col, headerRow), fmt.Sprintf("表頭的指標代碼「%s」是空的或重複了", clip(c))))
			continue
		}
		seen[c] = true
		r.Columns = append(r.Columns, c)
	}
	if len(fs) > 0 {
		return nil, fs
	}
	r.Totals = nil
	units, kinds := map[string]bool{}, map[string]bool{}
	for n := headerRow + 1; n <= maxRow(rows); n++ {
		if len(rows[n]) == 0 {
			continue
		}
		kind, code := get(n, 1), get(n, 2)
		if kind == rowCounty {
			code = r.County // its own code cell is for people, and unsealed
		}
		values := map[string]float64{}
		for i, c := range r.Columns {
			col := fixedCols + 1 + i
			s := get(n, col)
			if s == "" {
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				fs = append(fs, bad(loc(col, n), fmt.Sprintf("%s 應是數字，現在是「%s」", loc(col, n).Cell, clip(s))))
				p.unreadable[figureKey(kind, code, c)] = true
				continue
			}
			values[c] = v
			p.at[figureKey(kind, code, c)] = loc(col, n)
		}
		switch kind {
		case rowCounty:
			if r.Totals != nil {
				fs = append(fs, bad(loc(1, n), "「全縣」一行出現了兩次"))
			}
			r.Totals = values
		case rowKind:
			if kinds[code] {
				fs = append(fs, bad(loc(2, n), fmt.Sprintf("類別「%s」的小計出現了兩次", clip(code))))
			}
			kinds[code] = true
			r.Kinds = append(r.Kinds, Group{Kind: code, Values: values})
		case rowUnit:
			sha := get(n, 6)
			switch {
			case code == "" || units[code]:
				fs = append(fs, bad(loc(2, n), fmt.Sprintf("單位代碼「%s」是空的或重複了", clip(code))))
			case !sha256Hex.MatchString(sha):
				fs = append(fs, bad(loc(6, n), fmt.Sprintf("單位「%s」報表的 sha256「%s」不是 64 位十六進制數", clip(code), clip(sha))))
			}
			units[code] = true
			r.Units = append(r.Units, Unit{Code: code, Name: get(n, 3), Kind: get(n, 4), File: get(n, 5), SHA256: sha, Values: values})
		default:
			fs = append(fs, bad(loc(1, n), fmt.Sprintf("A%d 的「%s」不是「%s」「%s」或「%s」", n, clip(kind), rowCounty, rowKind, rowUnit)))
		}
	}
	if r.Totals == nil {
		fs = append(fs, bad(loc(1, headerRow+1), "沒有「全縣」一行"))
		return nil, fs
	}
	return p, fs
}

func maxRow(rows map[int][]string) int {
	n := 0
	for k := range rows {
		n = max(n, k)
	}
	return n
}

// clip keeps a hostile cell's text in a message short.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

const fixResend = "請不要打開、修改或另存上報表；請把本縣發布簡報時生成的上報表原樣重新報送。"

// bad is a finding on a cell of the data sheet that the writer never
// makes: the file was made or edited by hand.
func bad(at form.Location, what string) vocab.Finding {
	return vocab.Finding{Rule: RuleFormat, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
		Message: fmt.Sprintf("上報表隱藏的「%s」表格式不對：%s。", Sheet, what), Fix: fixResend}
}

// check judges a readable report against the catalogue: the seal, the
// catalogue version, and when sums is set each county figure and
// subtotal against its units' values.
func (p *parsed) check(cat *workspace.Catalogue, sums bool) []vocab.Finding {
	var fs []vocab.Finding
	r := &p.rep
	if r.seal() != p.seal {
		at := p.at[labelSeal]
		fs = append(fs, vocab.Finding{Rule: RuleSeal, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
			Message: fmt.Sprintf("上報表隱藏的「%s」表的封記（%s）與表中內容不符：發布以後，表中的數字、代碼、報送期或單位名單被改動過。", Sheet, at.Cell),
			Fix:     "數字有誤的，請在本縣改正、重新處理並發布新的一期，再把新生成的上報表原樣報送；" + fixResend})
	}
	if r.Catalogue != cat.Version {
		at := p.at[labelCatalogue]
		fs = append(fs, vocab.Finding{Rule: RuleVersion, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
			Message: fmt.Sprintf("上報表按指標目錄「%s」版匯總（「%s」表 %s），本級用的是「%s」版。上下級須使用同一版指標目錄。", r.Catalogue, Sheet, at.Cell, cat.Version),
			Fix:     "請向上級索取現行的指標目錄（indicators.yaml），更新後重新處理、發布，再報送新的上報表。"})
		return fs
	}
	var missing, extra []string
	have := map[string]bool{}
	for _, c := range r.Columns {
		have[c] = true
		if _, ok := cat.ByCode(c); !ok {
			extra = append(extra, c)
		}
	}
	for _, in := range cat.Indicators {
		if !have[in.Code] {
			missing = append(missing, in.Label+"（"+in.Code+"）")
		}
	}
	if len(missing)+len(extra) > 0 {
		at := loc(fixedCols+1, p.header)
		what := ""
		if len(missing) > 0 {
			what += "缺少指標 " + strings.Join(missing, "、") + "；"
		}
		if len(extra) > 0 {
			what += "多出本級目錄沒有的指標 " + strings.Join(extra, "、") + "；"
		}
		fs = append(fs, vocab.Finding{Rule: RuleVersion, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
			Message: fmt.Sprintf("上報表（隱藏的「%s」表第 %d 行）與本級指標目錄的版本號相同，指標卻不同：%s上下級的 indicators.yaml 不一致。", Sheet, p.header, what),
			Fix:     "請與上級核對指標目錄（indicators.yaml），統一後重新處理、發布，再報送新的上報表。"})
		return fs
	}
	if !sums {
		return fs
	}
	return append(fs, p.checkSums(cat)...)
}
