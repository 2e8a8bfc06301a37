package rollup

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// Sheet is the machine-readable sheet of a 上報 workbook.
const Sheet = "上報數據"

// format and formatVersion open the sheet (A1, B1, C1); a reader refuses
// a version it does not know rather than guess at its layout.
const (
	format        = "countybrief 上報"
	formatVersion = "1"
)

// Labels of the sheet's rows: column A of the head, then of each row of
// the table under the header whose column A is headKind.
const (
	labelCounty    = "縣代碼"
	labelName      = "縣名稱"
	labelPeriod    = "報送期"
	labelIssue     = "期號"
	labelCatalogue = "目錄版本"
	labelDate      = "發布日期"
	labelSeal      = "封記"
	headKind       = "類型"
	rowCounty      = "全縣"
	rowKind        = "類別小計"
	rowUnit        = "單位"
)

// fixedCols are the table's columns before one per indicator: 類型,
// 代碼, 名稱, 類別, 文件, sha256.
const fixedCols = 6

// Report is what a county's issue tells the level above.
type Report struct {
	County     string // the county's code in the city's units.yaml
	CountyName string
	Period     string
	Issue      int
	Catalogue  string // the catalogue's version
	Date       string // the issue's date, 2006-01-02
	// Columns are the indicator codes the figures are given for, in the
	// sheet's order: every indicator of the county's catalogue.
	Columns []string
	// Totals is the county figure per indicator; a figure that does not
	// exist (a ratio over zero) is absent.
	Totals map[string]float64
	// Kinds are the subtotals per unit kind, in the registry's order.
	Kinds []Group
	// Units are the counted units, each with its input values.
	Units []Unit
}

// Group is one kind's subtotals.
type Group struct {
	Kind   string
	Values map[string]float64
}

// Unit is one counted unit of the county.
type Unit struct {
	Code, Name, Kind string
	File             string // the name the unit gave its file
	SHA256           string // of the file the county counted
	Values           map[string]float64
}

// seal is the sha256 of everything the sheet says but the seal itself,
// in a canonical text: the writer stores it and the reader compares, so
// that a figure edited after publishing is told from one published.
func (r *Report) seal() string {
	h := sha256.New()
	line := func(fields ...string) {
		for i, f := range fields {
			if i > 0 {
				io.WriteString(h, "\t")
			}
			io.WriteString(h, strconv.Quote(f))
		}
		io.WriteString(h, "\n")
	}
	line(format, formatVersion)
	line(r.County, r.CountyName, r.Period, strconv.Itoa(r.Issue), r.Catalogue, r.Date)
	line(r.Columns...)
	figures := func(head []string, vs map[string]float64) {
		for _, c := range r.Columns {
			head = append(head, figure(vs, c))
		}
		line(head...)
	}
	figures([]string{rowCounty}, r.Totals)
	for _, g := range r.Kinds {
		figures([]string{rowKind, g.Kind}, g.Values)
	}
	for _, u := range r.Units {
		figures([]string{rowUnit, u.Code, u.Name, u.Kind, u.File, u.SHA256}, u.Values)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// figure is a value as the seal spells it, "" when absent.
func figure(vs map[string]float64, code string) string {
	v, ok := vs[code]
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// digits is what a spreadsheet program keeps of a number, and what
// excelize reads back (cutting, not rounding, what is past it).
const digits = 15

// maxText bounds a text cell: a county or unit name, a file name.
const maxText = 200

// text is a cell's text as written and as read: one line without control
// characters (a hostile name must not reach a terminal's escape codes
// through explain), trimmed, at most maxText characters.
func text(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
	if rs := []rune(s); len(rs) > maxText {
		s = string(rs[:maxText])
	}
	// A cell read by xlsxscan is a slice of its sheet's whole text, which
	// a kept Submission would otherwise hold in memory.
	return strings.Clone(s)
}

// rounded is r as Write writes it, so that what is read back is what was
// sealed: every figure to digits significant digits, every text as text
// makes it.
func rounded(r *Report) *Report {
	c := *r
	c.County, c.CountyName, c.Period = text(r.County), text(r.CountyName), text(r.Period)
	c.Catalogue, c.Date = text(r.Catalogue), text(r.Date)
	c.Columns = make([]string, len(r.Columns))
	for i, col := range r.Columns {
		c.Columns[i] = text(col)
	}
	round := func(vs map[string]float64) map[string]float64 {
		if vs == nil {
			return nil
		}
		out := make(map[string]float64, len(vs))
		for k, v := range vs {
			out[k], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
		}
		return out
	}
	c.Totals = round(r.Totals)
	c.Kinds = make([]Group, len(r.Kinds))
	for i, g := range r.Kinds {
		c.Kinds[i] = Group{Kind: text(g.Kind), Values: round(g.Values)}
	}
	c.Units = make([]Unit, len(r.Units))
	for i, u := range r.Units {
		u.Code, u.Name, u.Kind, u.File, u.SHA256 = text(u.Code), text(u.Name), text(u.Kind), text(u.File), text(u.SHA256)
		u.Values = round(u.Values)
		c.Units[i] = u
	}
	return &c
}
