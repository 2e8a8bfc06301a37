package form

import (
	"bytes"
	"cmp"
	"countybrief/pipeline/vocab"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ReviewSheet is the first sheet of a 退回 copy, listing every finding.
const ReviewSheet = "審核意見"

// Fills of marked cells; the review sheet uses the same two colours.
const (
	errorFill   = "FFC7CE"
	warningFill = "FFEB9C"
)

// WriteReturn writes the 退回 copy of the unit's workbook at srcPath: each
// cell with a finding filled red (error) or yellow (warning) and commented
// with the finding, and a first sheet 審核意見 listing all findings. A
// finding without a cell, or whose cell is not in the workbook, is listed
// on 審核意見 only. The copy is a plain .xlsx with the workbook's own parts
// only: macros, links to other workbooks, embedded objects and entries
// with unsafe names are left out.
//
// sub is what Read returned for the file. When it is nil (the file could
// not be read, or went over a limit) the source is not opened at all, by
// excelize or any parser: the copy holds 審核意見 alone, saying the
// original is not attached. So is it when the source cannot be opened.
//
// The copy is spliced into the workbook's own parts when they are written
// plainly, as the forms countybrief issues are (fastReturn), and written
// by excelize otherwise; a clerk sees the same either way.
//
// conv writes the office's script and quotes (workspace.Config.Converter):
// every word of the copy, and the names of the sheets a clerk sees, go
// through it; nil leaves them as written.
func WriteReturn(w io.Writer, srcPath string, sub *Submission, findings []vocab.Finding, conv func(string) string) error {
	return writeReturn(w, srcPath, sub, findings, conv, true)
}

// WriteReturnOf is WriteReturn of a file already read: data are its bytes
// and name its name, whose extension, with the bytes, tells what it is.
func WriteReturnOf(w io.Writer, name string, data []byte, sub *Submission, findings []vocab.Finding, conv func(string) string) error {
	return writeCopy(w, func() *cleaned { return cleanedOf(name, data) }, sub, findings, conv, true)
}

// writeReturn is WriteReturn, through excelize alone unless fast.
func writeReturn(w io.Writer, srcPath string, sub *Submission, findings []vocab.Finding, conv func(string) string, fast bool) error {
	return writeCopy(w, func() *cleaned { return cleanedForReturn(srcPath) }, sub, findings, conv, fast)
}

// writeCopy writes the copy of the workbook source gives.
func writeCopy(w io.Writer, source func() *cleaned, sub *Submission, findings []vocab.Finding, conv func(string) string, fast bool) error {
	findings = ordered(findings)
	if conv == nil {
		conv = func(s string) string { return s }
	}
	var f *excelize.File
	if sub != nil {
		if c := source(); c != nil {
			if fast {
				// A panic of the fast path on a file no fuzzing foresaw
				// leaves the copy to excelize, as a failure does.
				var out []byte
				ok := false
				_ = guard(func() error { out, ok = fastReturn(c, sub, findings, conv); return nil })
				if ok {
					if _, err := w.Write(out); err != nil {
						return fmt.Errorf("write return copy: %w", err)
					}
					return nil
				}
			}
			f = openCleaned(c)
		}
	}
	if f != nil {
		var buf bytes.Buffer
		err := guard(func() error {
			shown := shownValues(f, sub, findings)
			markCells(f, findings, conv)
			if err := reviewSheet(f, sub, findings, shown, true, conv); err != nil {
				return err
			}
			for _, name := range f.GetSheetList() {
				if to := conv(name); to != name && name != MetaSheet {
					if err := f.SetSheetName(name, to); err != nil {
						return err
					}
				}
			}
			return f.Write(&buf)
		})
		f.Close()
		if err == nil {
			if _, err := buf.WriteTo(w); err != nil {
				return fmt.Errorf("write return copy: %w", err)
			}
			return nil
		}
		// The workbook opened but cannot be rewritten (a malformed part
		// excelize parses only now): the unit still gets the opinions.
	}
	if fast {
		if out, err := reviewOnly(sub, findings, conv); err == nil {
			if _, err := w.Write(out); err != nil {
				return fmt.Errorf("write return copy: %w", err)
			}
			return nil
		}
	}
	f = excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", conv(ReviewSheet)); err != nil {
		return fmt.Errorf("name review sheet: %w", err)
	}
	if err := reviewSheet(f, sub, findings, shownValues(nil, sub, findings), false, conv); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write return copy: %w", err)
	}
	return nil
}

// ordered puts errors before warnings, keeping each group's order.
func ordered(fs []vocab.Finding) []vocab.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b vocab.Finding) int {
		return cmp.Compare(rank(a.Severity), rank(b.Severity))
	})
	return out
}

func rank(s vocab.Severity) int {
	if s == vocab.Error {
		return 0
	}
	return 1
}

// cleanedForReturn reads the parts of the unit's file that the copy keeps
// (cleanParts), under the reader's limits, or returns nil when it is not
// an XLSX workbook that can be cleaned.
func cleanedForReturn(path string) *cleaned {
	lim := DefaultLimits()
	fh, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, lim.MaxBytes+1))
	if err != nil {
		return nil
	}
	return cleanedOf(path, data)
}

// cleanedOf is cleanedForReturn of a file already read.
func cleanedOf(name string, data []byte) *cleaned {
	lim := DefaultLimits()
	if int64(len(data)) > lim.MaxBytes {
		return nil
	}
	if nf, _ := sniff(name, data); nf != nil {
		return nil
	}
	return cleanParts(data, lim)
}

// openCleaned opens the cleaned workbook with excelize, or returns nil
// when excelize cannot open it.
func openCleaned(c *cleaned) *excelize.File {
	lim := DefaultLimits()
	data := c.zip()
	if data == nil {
		return nil
	}
	var f *excelize.File
	err := guard(func() (err error) {
		f, err = excelize.OpenReader(bytes.NewReader(data), excelize.Options{
			UnzipSizeLimit: lim.MaxUnzipBytes, UnzipXMLSizeLimit: lim.MaxUnzipBytes,
		})
		return err
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil
	}
	return f
}

type place struct{ sheet, cell string }

// markCells fills and comments each cell that has findings, and writes
// the same words in a column beside the form, since comments do not
// print. A cell the workbook cannot take (a sheet renamed since, a
// malformed reference) is left to the review sheet.
func markCells(f *excelize.File, findings []vocab.Finding, conv func(string) string) {
	order, byCell := marked(findings, f.GetSheetList())
	type key struct {
		old, sev int
		general  bool
	}
	styles := map[key]int{}
	printed := map[string]*opinionColumn{}
	for _, p := range order {
		fs := byCell[p]
		sev := 1
		if vocab.HasError(fs) {
			sev = 0
		}
		// A cell that cannot be marked keeps its finding on the review
		// sheet, which is what counts.
		_ = guard(func() error {
			old, err := f.GetCellStyle(p.sheet, p.cell)
			if err != nil {
				return err
			}
			k := key{old, sev, hidesDigits(f, p)}
			id, ok := styles[k]
			if !ok {
				st, err := f.GetStyle(old)
				if err != nil || st == nil {
					st = &excelize.Style{}
				}
				color := errorFill
				if sev == 1 {
					color = warningFill
				}
				st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
				if k.general {
					st.NumFmt, st.CustomNumFmt = 0, nil
				}
				if id, err = f.NewStyle(st); err != nil {
					return err
				}
				styles[k] = id
			}
			if err := f.SetCellStyle(p.sheet, p.cell, p.cell, id); err != nil {
				return err
			}
			_ = f.DeleteComment(p.sheet, p.cell) // the unit's own note, if any, gives way
			return f.AddComment(p.sheet, excelize.Comment{
				Author: conv("審核"), Cell: p.cell, Text: conv(commentText(fs)), Width: 300, Height: 120,
			})
		})
		col, ok := printed[p.sheet]
		if !ok {
			col = newOpinionColumn(f, p.sheet, conv)
			printed[p.sheet] = col
		}
		col.add(p, fs)
	}
	for _, sheet := range slices.Sorted(maps.Keys(printed)) {
		_ = guard(printed[sheet].write)
	}
}

// marked groups the findings on cells of the workbook's sheets by cell,
// in the order of their first finding.
func marked(findings []vocab.Finding, sheetList []string) ([]place, map[place][]vocab.Finding) {
	byCell := map[place][]vocab.Finding{}
	var order []place
	for _, fd := range findings {
		if fd.Cell == "" || !slices.Contains(sheetList, fd.Sheet) {
			continue
		}
		if _, _, err := excelize.CellNameToCoordinates(fd.Cell); err != nil {
			continue
		}
		p := place{fd.Sheet, strings.ToUpper(fd.Cell)}
		if _, ok := byCell[p]; !ok {
			order = append(order, p)
		}
		byCell[p] = append(byCell[p], fd)
	}
	return order, byCell
}

// hidesDigits reports whether the cell's number format shows its number
// as another number (4.5 as 5 under an integer format): the clerk must see
// the figure that was judged. Formats that show a number otherwise (a
// percentage, a date) are kept.
func hidesDigits(f *excelize.File, p place) bool {
	raw, err := f.GetCellValue(p.sheet, p.cell, excelize.Options{RawCellValue: true})
	if err != nil {
		return false
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return false
	}
	shown, err := f.GetCellValue(p.sheet, p.cell)
	if err != nil {
		return false
	}
	s, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(shown), ",", ""), 64)
	return err == nil && s != v
}

// opinionColumn is the printable column of a sheet's findings: the first
// column right of everything the sheet holds, or the column a 退回 copy
// sent back again already has, emptied of the old opinions.
type opinionColumn struct {
	f     *excelize.File
	conv  func(string) string
	sheet string
	col   int
	rows  map[int][]string
	head  int // the row of its heading, 0 when none
}

func newOpinionColumn(f *excelize.File, sheet string, conv func(string) string) *opinionColumn {
	c := &opinionColumn{f: f, conv: conv, sheet: sheet, rows: map[int][]string{}}
	rows, _ := f.GetRows(sheet)
	headCol := 0
	for r, cells := range rows {
		c.col = max(c.col, len(cells)+1)
		for i, v := range cells {
			if v == opinionHead || v == conv(opinionHead) {
				headCol, c.head = i+1, r+1
			}
		}
	}
	switch {
	case c.head > 0:
		c.col = headCol
		for r := c.head + 1; r <= len(rows); r++ {
			_ = f.SetCellValue(sheet, cellName(c.col, r), nil)
		}
	case asWritten(sheet) == SheetName:
		c.head = rowHeader
	}
	return c
}

// opinionHead heads the printable column of opinions on the form.
const opinionHead = "審核意見（退回時加）"

func (c *opinionColumn) add(p place, fs []vocab.Finding) {
	_, row, _ := excelize.CellNameToCoordinates(p.cell)
	for _, fd := range fs {
		c.rows[row] = append(c.rows[row], c.conv(opinionLine(p, fd)))
	}
}

// opinionLine is a finding as the opinion column prints it.
func opinionLine(p place, fd vocab.Finding) string {
	return "【" + severityName(fd.Severity) + "】" + p.cell + " " + fd.Message
}

func (c *opinionColumn) write() error {
	if c.col == 0 {
		c.col = 1
	}
	name, err := excelize.ColumnNumberToName(c.col)
	if err != nil {
		return err
	}
	style, err := c.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Font: &excelize.Font{Color: "C00000", Size: 9}})
	if err != nil {
		return err
	}
	if err := c.f.SetColWidth(c.sheet, name, name, 36); err != nil {
		return err
	}
	if c.head > 0 {
		if err := c.f.SetCellValue(c.sheet, cellName(c.col, c.head), c.conv(opinionHead)); err != nil {
			return err
		}
	}
	for _, row := range slices.Sorted(maps.Keys(c.rows)) {
		cell := cellName(c.col, row)
		if err := c.f.SetCellValue(c.sheet, cell, strings.Join(c.rows[row], "\n")); err != nil {
			return err
		}
		if err := c.f.SetCellStyle(c.sheet, cell, cell, style); err != nil {
			return err
		}
	}
	return nil
}

func commentText(fs []vocab.Finding) string {
	var b strings.Builder
	for i, fd := range fs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("【" + severityName(fd.Severity) + "】" + fd.Message)
		if fd.Fix != "" {
			b.WriteString("\n怎樣改：" + fd.Fix)
		}
		if fd.Explanation != "" {
			b.WriteString("\n單位說明：" + fd.Explanation)
		}
	}
	return b.String()
}

func severityName(s vocab.Severity) string {
	if s == vocab.Error {
		return "錯誤"
	}
	return "提示"
}

// whereToExplain tells the unit where the reason for a true but unusual
// figure goes: the office reads it there, and a rule that asks for one
// accepts the figure with it.
const whereToExplain = "提示的數字確實無誤的，請在該行「說明」欄寫明原因；寫明原因的按已說明接收。"

// unexplained reports whether the unit could still explain a finding:
// a warning without its 說明.
func unexplained(fs []vocab.Finding) bool {
	return slices.ContainsFunc(fs, func(fd vocab.Finding) bool { return fd.Severity == vocab.Warning && fd.Explanation == "" })
}

// notAttached tells the unit why the 退回 copy holds no form.
const notAttached = "原表格無法打開或超過系統限制，未附在本文件中；請按以下意見用本系統下發的表格重新填寫後報送。"

// reviewSheet writes 審核意見 and makes it the first, active sheet.
// shown holds each finding's figure as read; attached says whether the
// unit's own sheets follow it. It prints on A4 portrait, one page wide,
// its heading row on every page. The rule ids are the office's, in a
// hidden last column. Its words and name go through conv.
func reviewSheet(f *excelize.File, sub *Submission, findings []vocab.Finding, shown []string, attached bool, conv func(string) string) error {
	name := conv(ReviewSheet)
	for _, old := range []string{ReviewSheet, name} {
		if idx, err := f.GetSheetIndex(old); err == nil && idx >= 0 && f.SheetCount > 1 {
			// A copy returned before and sent back: replace the old opinions.
			if err := f.DeleteSheet(old); err != nil {
				return fmt.Errorf("replace review sheet: %w", err)
			}
		}
	}
	if idx, _ := f.GetSheetIndex(name); idx < 0 {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("add review sheet: %w", err)
		}
	}
	if first := f.GetSheetName(0); first != name {
		if err := f.MoveSheet(name, first); err != nil {
			return fmt.Errorf("move review sheet: %w", err)
		}
	}
	b := &builder{f: f, sheet: name}
	b.reviewStyles()
	l := newReviewLayout(sub, findings, shown, attached, conv)
	for _, c := range l.cells {
		if c.v != nil {
			b.setAs(c.ref, c.v)
		}
		if c.style != "" {
			b.style(c.ref, c.ref, c.style)
		}
	}
	for _, m := range l.merges {
		b.merge(m[0], m[1])
	}
	for _, cw := range reviewWidths {
		if b.err == nil {
			b.err = f.SetColWidth(name, cw.col, cw.col, cw.width)
		}
	}
	if b.err == nil {
		b.err = f.SetColVisible(name, reviewRuleCol, false)
	}
	if b.err == nil {
		b.err = f.SetRowHeight(name, 2, 30)
	}
	b.fitWidth("portrait")
	if b.err == nil {
		b.err = f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", Scope: name, RefersTo: printTitles(name),
		})
	}
	if b.err == nil {
		b.err = f.SetSheetDimension(name, l.dimension())
	}
	if b.err != nil {
		return fmt.Errorf("write review sheet: %w", b.err)
	}
	f.SetActiveSheet(0)
	return nil
}

// reviewHeadRow is the row of 審核意見's column headings.
const reviewHeadRow = 4

// reviewRuleCol is 審核意見's hidden column of rule ids.
const reviewRuleCol = "G"

// reviewWidths are the widths of 審核意見's columns.
var reviewWidths = []struct {
	col   string
	width float64
}{{"A", 5}, {"B", 6}, {"C", 13}, {"D", 12}, {"E", 38}, {"F", 30}, {reviewRuleCol, 18}}

// printTitles repeats 審核意見's heading row on every printed page.
func printTitles(sheet string) string {
	return fmt.Sprintf("'%s'!$%d:$%d", sheet, reviewHeadRow, reviewHeadRow)
}

// reviewLayout is what 審核意見 holds, for excelize and the fast copy
// alike: its cells in row order, each text in the office's script, with
// the name of its style ("" for none; reviewStyles), and its merges.
type reviewLayout struct {
	cells  []reviewCell
	merges [][2]string
	rows   int
}

type reviewCell struct {
	ref   string
	col   int
	row   int
	v     any // string or int
	style string
}

func (l *reviewLayout) dimension() string {
	return "A1:" + reviewRuleCol + strconv.Itoa(l.rows)
}

func newReviewLayout(sub *Submission, findings []vocab.Finding, shown []string, attached bool, conv func(string) string) reviewLayout {
	l := reviewLayout{rows: reviewHeadRow + len(findings)}
	const shownCols = 6
	set := func(col, row int, v any, style string) {
		if s, ok := v.(string); ok {
			v = conv(s)
		}
		l.cells = append(l.cells, reviewCell{cellName(col, row), col, row, v, style})
	}
	// A line across the table's width: its text in A, merged to F.
	line := func(row int, text, style string) {
		set(1, row, text, style)
		for col := 2; col <= shownCols; col++ {
			l.cells = append(l.cells, reviewCell{cellName(col, row), col, row, nil, style})
		}
		l.merges = append(l.merges, [2]string{cellName(1, row), cellName(shownCols, row)})
	}
	errs := 0
	for _, fd := range findings {
		if fd.Severity == vocab.Error {
			errs++
		}
	}
	title := "報送表格審核意見"
	if sub != nil && sub.UnitName != "" {
		title = clip(sub.UnitName) + " " + clip(sub.Period) + " 報送表格審核意見"
	}
	line(1, title, "title")
	summary := fmt.Sprintf("共 %d 處錯誤（紅色，須改正後重新報送），%d 處提示（黃色，請核對）。", errs, len(findings)-errs)
	if len(findings) == 0 {
		summary = "沒有發現問題。"
	}
	if unexplained(findings) {
		summary += whereToExplain
	}
	line(2, summary, "wrap")
	if !attached {
		line(3, notAttached, "wrap")
	}
	heads := []string{"序號", "類別", "單元格", "數值", "問題", "怎樣改", "規則（活動辦用）"}
	for i, h := range heads {
		style := "header"
		if i >= shownCols {
			style = ""
		}
		set(i+1, reviewHeadRow, h, style)
	}
	for i, fd := range findings {
		row := reviewHeadRow + 1 + i
		where := "（整個文件）"
		if fd.Cell != "" {
			where = fd.Cell
			if fd.Sheet != "" {
				where = conv(fd.Sheet) + "!" + fd.Cell
			}
		}
		fix := fd.Fix
		if fd.Explanation != "" {
			fix += "（單位說明：" + fd.Explanation + "）"
		}
		st := "warning"
		if fd.Severity == vocab.Error {
			st = "error"
		}
		for col, v := range []any{i + 1, severityName(fd.Severity), where, shown[i], fd.Message, fix, fd.Rule} {
			style := st
			if col >= shownCols {
				style = ""
			}
			set(col+1, row, v, style)
		}
	}
	return l
}

func (b *builder) reviewStyles() {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	wrap := &excelize.Alignment{Vertical: "top", WrapText: true}
	fill := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	defs := map[string]*excelize.Style{
		"title":   {Font: &excelize.Font{Bold: true, Size: 14}},
		"wrap":    {Alignment: wrap},
		"header":  {Font: &excelize.Font{Bold: true}, Border: border, Fill: fill("D9D9D9"), Alignment: wrap},
		"error":   {Border: border, Fill: fill(errorFill), Alignment: wrap},
		"warning": {Border: border, Fill: fill(warningFill), Alignment: wrap},
	}
	b.styles = map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		if b.err == nil {
			b.styles[name], b.err = b.f.NewStyle(defs[name])
		}
	}
}

// shownValues are the figures the findings are about, as read: a
// finding's own Values (by cell where the form has one), else the value
// read from its cell, else what the cell of the workbook f holds (text
// that is not a number, say); f is nil when no workbook is attached.
func shownValues(f *excelize.File, sub *Submission, findings []vocab.Finding) []string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	out := make([]string, len(findings))
	for i, fd := range findings {
		switch {
		case len(fd.Values) == 1:
			for _, v := range fd.Values {
				out[i] = num(v)
			}
		case len(fd.Values) > 1:
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(fd.Values)) {
				name := k
				if loc, ok := sub.cell(k); ok {
					name = loc.Cell
				}
				parts = append(parts, name+"="+num(fd.Values[k]))
			}
			out[i] = strings.Join(parts, "，")
		case fd.Cell != "":
			out[i] = readAt(f, sub, fd.Sheet, strings.ToUpper(fd.Cell))
		}
	}
	return out
}

// cell is where the form had code, when sub is not nil.
func (sub *Submission) cell(code string) (Location, bool) {
	if sub == nil {
		return Location{}, false
	}
	loc, ok := sub.Cells[code]
	return loc, ok
}

// readAt is what was read at sheet!cell: the value when it read as one,
// else the cell's contents, with （空白） for an empty cell.
func readAt(f *excelize.File, sub *Submission, sheet, cell string) string {
	if sub != nil {
		for code, loc := range sub.Cells {
			if loc.Sheet == sheet && strings.EqualFold(loc.Cell, cell) {
				if v, ok := sub.Values[code]; ok && !slices.Contains(sub.Blank, code) {
					return strconv.FormatFloat(v, 'f', -1, 64)
				}
			}
		}
	}
	if f == nil {
		return ""
	}
	var raw string
	if err := guard(func() (err error) {
		raw, err = f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		return err
	}); err != nil {
		return ""
	}
	if strings.TrimSpace(raw) == "" {
		return "（空白）"
	}
	return clip(raw)
}

// maxNoteItems keeps the note short enough for a chat message.
const maxNoteItems = 10

// ReturnNote is a short plain-text note for the unit, to paste into a
// message beside the 退回 copy, in the script and quotes conv writes
// (workspace.Config.Converter; nil: as written) but for the file's name,
// which the unit looks up as it is.
func ReturnNote(unitName, fileName string, findings []vocab.Finding, conv func(string) string) string {
	if conv == nil {
		conv = func(s string) string { return s }
	}
	// The file's name is the unit's, never converted; its quote marks
	// are the note's, and go through conv with it.
	const file = "\x00"
	return strings.Replace(conv(returnNote(unitName, "「"+file+"」", findings)), file, clipN(fileName, 40), 1)
}

func returnNote(unitName, file string, findings []vocab.Finding) string {
	findings = ordered(findings)
	errs := 0
	for _, fd := range findings {
		if fd.Severity == vocab.Error {
			errs++
		}
	}
	var b strings.Builder
	b.WriteString(clip(unitName) + "：\n")
	switch {
	case errs > 0:
		fmt.Fprintf(&b, "你單位報送的%s經審核有 %d 處錯誤，已退回，請改正後重新報送。\n", file, errs)
	case len(findings) > 0:
		fmt.Fprintf(&b, "你單位報送的%s已通過審核，另有 %d 處提示請核對。\n", file, len(findings))
	default:
		fmt.Fprintf(&b, "你單位報送的%s已通過審核。\n", file)
		return b.String()
	}
	for i, fd := range findings {
		if i == maxNoteItems {
			fmt.Fprintf(&b, "……另有 %d 處，詳見退回表格的「%s」表。\n", len(findings)-i, ReviewSheet)
			break
		}
		// A cell off the form's own sheet (a county's 上報 workbook has
		// its figures on a hidden one) is named with its sheet.
		where := ""
		switch {
		case fd.Cell != "" && fd.Sheet != "" && asWritten(fd.Sheet) != SheetName:
			where = fd.Sheet + "!" + fd.Cell + " "
		case fd.Cell != "":
			where = fd.Cell + " "
		}
		fmt.Fprintf(&b, "%d. 【%s】%s%s", i+1, severityName(fd.Severity), where, fd.Message)
		if fd.Fix != "" {
			b.WriteString(" 怎樣改：" + fd.Fix)
		}
		if fd.Explanation != "" {
			b.WriteString("（已說明：" + clipN(fd.Explanation, 40) + "）")
		}
		b.WriteString("\n")
	}
	if errs > 0 {
		fmt.Fprintf(&b, "退回的表格中錯誤標為紅色、提示標為黃色，第一頁「%s」列出全部問題。\n", ReviewSheet)
	}
	if unexplained(findings) {
		b.WriteString(whereToExplain + "\n")
	}
	return b.String()
}
