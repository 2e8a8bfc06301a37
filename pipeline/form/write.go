package form

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/workspace"
)

// WriteBlank writes the form for unit u and period: identity prefilled and
// locked, the unit's prefill (workspace.Unit.Prefill) in its rows, every
// other input empty.
func WriteBlank(w io.Writer, cat *workspace.Catalogue, u workspace.Unit, period string) error {
	return WriteFilled(w, cat, u, period, Identity{}, nil)
}

// WriteFilled writes the form as a unit would send it back: the identity
// fields of id that are set replace the prefilled ones, and values fills the
// inputs. An indicator absent from values is left empty, or keeps the
// unit's prefill as on the blank form.
func WriteFilled(w io.Writer, cat *workspace.Catalogue, u workspace.Unit, period string, id Identity, values map[string]float64) error {
	return WriteFilledIn(w, cat, u, period, id, values, nil)
}

// WriteFilledIn is WriteFilled in the office's script: every text of the
// form sheet, its name included, goes through conv
// (workspace.Config.Converter), so that a Simplified office's clerks read
// Simplified, quoted as the office's briefing is. The hidden sheet
// (MetaSheet) is the system's and stays as written, where every reader
// finds its labels. A nil conv writes the words as they are.
func WriteFilledIn(w io.Writer, cat *workspace.Catalogue, u workspace.Unit, period string, id Identity, values map[string]float64, conv func(string) string) error {
	if conv == nil {
		conv = func(s string) string { return s }
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &builder{f: f, sheet: conv(SheetName), conv: conv}
	b.build(cat, u, period, id, values)
	b.meta(cat)
	if b.err != nil {
		return fmt.Errorf("build form: %w", b.err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write form: %w", err)
	}
	return nil
}

// builder keeps the first error so that the layout reads top to bottom.
type builder struct {
	f      *excelize.File
	sheet  string
	err    error
	styles map[string]int
	// conv writes a text in the office's script; nil leaves it as it is.
	conv func(string) string
}

// set writes a value, a text in the office's script.
func (b *builder) set(cell string, v any) {
	if s, ok := v.(string); ok && b.conv != nil {
		v = b.conv(s)
	}
	b.setAs(cell, v)
}

// setAs writes a value as it is.
func (b *builder) setAs(cell string, v any) {
	if b.err == nil {
		b.err = b.f.SetCellValue(b.sheet, cell, v)
	}
}

func (b *builder) style(from, to, name string) {
	if b.err == nil {
		b.err = b.f.SetCellStyle(b.sheet, from, to, b.styles[name])
	}
}

func (b *builder) merge(from, to string) {
	if b.err == nil {
		b.err = b.f.MergeCell(b.sheet, from, to)
	}
}

func cellName(col, row int) string {
	// Only called with the form's own small coordinates, which are valid.
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func (b *builder) newStyles() {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1},
		{Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1},
		{Type: "bottom", Color: "808080", Style: 1},
	}
	fill := func(color string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	}
	unlocked := &excelize.Protection{Locked: false}
	locked := &excelize.Protection{Locked: true}
	middle := &excelize.Alignment{Vertical: "center", WrapText: true}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	defs := map[string]*excelize.Style{
		"title":    {Font: &excelize.Font{Bold: true, Size: 16}, Alignment: center, Protection: locked},
		"version":  {Font: &excelize.Font{Size: 9, Color: "808080"}, Alignment: middle, Protection: locked},
		"label":    {Font: &excelize.Font{Bold: true}, Border: border, Fill: fill("F2F2F2"), Alignment: middle, Protection: locked},
		"fixed":    {Border: border, Fill: fill("F2F2F2"), Alignment: middle, Protection: locked},
		"entry":    {Border: border, Fill: fill("FFF2CC"), Alignment: middle, Protection: unlocked},
		"header":   {Font: &excelize.Font{Bold: true}, Border: border, Fill: fill("D9D9D9"), Alignment: center, Protection: locked},
		"level":    {Font: &excelize.Font{Bold: true, Size: 12}, Border: border, Fill: fill("E7E6E6"), Alignment: middle, Protection: locked},
		"activity": {Border: border, Alignment: center, Protection: locked},
		"text":     {Border: border, Alignment: middle, Protection: locked},
		"measure":  {Border: border, Alignment: center, Protection: locked},
		"code":     {Font: &excelize.Font{Size: 8, Color: "A6A6A6"}, Border: border, Alignment: &excelize.Alignment{Vertical: "center", ShrinkToFit: true}, Protection: locked},
		// 說明 is the unit's to write in: why a figure is what it is.
		"note":     {Font: &excelize.Font{Size: 9, Color: "595959"}, Border: border, Fill: fill("FFF2CC"), Alignment: middle, Protection: unlocked},
		"integer":  {Border: border, Fill: fill("FFF2CC"), NumFmt: 1, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}, Protection: unlocked},
		"decimal":  {Border: border, Fill: fill("FFF2CC"), Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}, Protection: unlocked},
		"help":     {Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Protection: locked},
		"helphead": {Font: &excelize.Font{Bold: true}, Protection: locked},
	}
	b.styles = make(map[string]int, len(defs))
	// In a fixed order, so that every form of a template has the same
	// styles part, byte for byte: a batch then unzips it once.
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		if b.err != nil {
			return
		}
		b.styles[name], b.err = b.f.NewStyle(defs[name])
	}
}

func (b *builder) build(cat *workspace.Catalogue, u workspace.Unit, period string, id Identity, values map[string]float64) {
	if b.err = b.f.SetSheetName("Sheet1", b.sheet); b.err != nil {
		return
	}
	b.newStyles()
	for i, width := range []float64{16, 34, 14, 8, 14, 26} {
		if col := string(rune('A' + i)); b.err == nil {
			b.err = b.f.SetColWidth(b.sheet, col, col, width)
		}
	}

	last := cellName(lastCol, rowTitle)
	b.set("A1", formTitle(cat))
	b.merge("A1", last)
	b.style("A1", last, "title")
	if b.err == nil {
		b.err = b.f.SetRowHeight(b.sheet, rowTitle, 30)
	}
	b.set(cellName(colCode, rowVersion), labelVersion)
	b.set(cellName(colNote, rowVersion), FormVersion)
	b.style(cellName(colCode, rowVersion), cellName(colNote, rowVersion), "version")

	pick := func(given, def string) string {
		if given != "" {
			return given
		}
		return def
	}
	type idCell struct {
		label, value string
		editable     bool
	}
	idRows := [][]idCell{
		{{labelUnitCode, pick(id.UnitCode, u.Code), false}, {labelUnitName, pick(id.UnitName, u.Name), false}, {labelPeriod, pick(id.Period, period), false}},
		{{labelFilledBy, id.FilledBy, true}, {labelPhone, id.Phone, true}, {labelDate, id.Date, true}},
	}
	for i, cells := range idRows {
		row := rowIdentity + i
		for j, c := range cells {
			lc, vc := cellName(2*j+1, row), cellName(2*j+2, row)
			b.set(lc, c.label)
			b.style(lc, lc, "label")
			if c.value != "" {
				// The unit's own entries are as it wrote them.
				b.setAs(vc, c.value)
			}
			st := "fixed"
			if c.editable {
				st = "entry"
			}
			b.style(vc, vc, st)
		}
	}

	first := headNumber
	if grouped(cat) {
		first = headGroup
	}
	heads := []string{first, headLabel, headValue, headMeasure, headCode, headNote}
	for i, h := range heads {
		b.set(cellName(i+1, rowHeader), h)
	}
	b.style(cellName(1, rowHeader), cellName(lastCol, rowHeader), "header")

	row := b.indicatorRows(cat, u, values)
	b.instructions(row+1, cat.Note, hasPrefill(cat, u))

	b.fitWidth("portrait")
	if b.err == nil {
		b.err = b.f.SetPanes(b.sheet, &excelize.Panes{Freeze: true, YSplit: rowHeader, TopLeftCell: cellName(1, rowHeader+1), ActivePane: "bottomLeft"})
	}
	if b.err == nil {
		// No password: see the package comment.
		b.err = b.f.ProtectSheet(b.sheet, &excelize.SheetProtectionOptions{
			SelectLockedCells:   true,
			SelectUnlockedCells: true,
			FormatColumns:       true,
			FormatRows:          true,
		})
	}
}

// fitWidth prints the sheet on A4, one page wide.
func (b *builder) fitWidth(orientation string) {
	a4, one, auto := 9, 1, 0
	fit := true
	if b.err == nil {
		b.err = b.f.SetSheetProps(b.sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
	}
	if b.err == nil {
		b.err = b.f.SetPageLayout(b.sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orientation, FitToWidth: &one, FitToHeight: &auto})
	}
}

// indicatorRows writes the table and returns the last row used. It walks
// the inputs, not the sections, so that no input can be left off: a
// section opens a heading row where it starts, and a group is one merged
// cell in column A over its rows.
func (b *builder) indicatorRows(cat *workspace.Catalogue, u workspace.Unit, values map[string]float64) int {
	inputs := formOrder(cat)
	numbered := !grouped(cat)
	row, sections, groupStart := rowFirst, 0, 0
	closeGroup := func(name string) {
		if groupStart == 0 {
			return
		}
		b.set(cellName(colActivity, groupStart), name)
		if row-1 > groupStart {
			b.merge(cellName(colActivity, groupStart), cellName(colActivity, row-1))
		}
		b.style(cellName(colActivity, groupStart), cellName(colActivity, row-1), "activity")
		groupStart = 0
	}
	for i, in := range inputs {
		var prev workspace.Indicator
		if i > 0 {
			prev = inputs[i-1]
		}
		newSection := i == 0 || in.Section != prev.Section
		if newSection || in.Group != prev.Group {
			closeGroup(prev.Group)
		}
		if newSection && in.Section != "" {
			heading := cellName(1, row)
			b.set(heading, sectionHeading(sections, in.Section))
			b.merge(heading, cellName(lastCol, row))
			b.style(heading, cellName(lastCol, row), "level")
			sections++
			row++
		}
		switch {
		case in.Group != "" && groupStart == 0:
			groupStart = row
		case in.Group == "":
			a := cellName(colActivity, row)
			if numbered {
				b.set(a, i+1)
			}
			b.style(a, a, "activity")
		}
		b.indicatorRow(row, in, u, values)
		row++
	}
	if len(inputs) > 0 {
		closeGroup(inputs[len(inputs)-1].Group)
	}
	return row - 1
}

// grouped reports whether column A names groups; without any, it
// numbers the rows.
func grouped(cat *workspace.Catalogue) bool {
	return slices.ContainsFunc(cat.Inputs(), func(in workspace.Indicator) bool { return in.Group != "" })
}

// formOrder is the inputs in the order of the form: by section and then
// group as the catalogue lists them, each in catalogue order. Inputs
// without a section or group come first; a section or group the
// catalogue does not list (validation refuses one) comes after the
// listed ones, so that the form still has its row.
func formOrder(cat *workspace.Catalogue) []workspace.Indicator {
	rank := func(listed []string) func(string) int {
		ranks := map[string]int{"": -1}
		for i, name := range listed {
			ranks[name] = i
		}
		return func(name string) int {
			r, ok := ranks[name]
			if !ok {
				r = len(ranks)
				ranks[name] = r
			}
			return r
		}
	}
	var names []string
	groups := map[string]func(string) int{}
	for _, s := range cat.Sections {
		names = append(names, s.Name)
		groups[s.Name] = rank(s.Groups)
	}
	section := rank(names)
	type placed struct {
		in             workspace.Indicator
		section, group int
	}
	var rows []placed
	for _, in := range cat.Inputs() {
		if groups[in.Section] == nil {
			groups[in.Section] = rank(nil)
		}
		rows = append(rows, placed{in, section(in.Section), groups[in.Section](in.Group)})
	}
	slices.SortStableFunc(rows, func(a, b placed) int {
		if c := a.section - b.section; c != 0 {
			return c
		}
		return a.group - b.group
	})
	out := make([]workspace.Indicator, len(rows))
	for i, r := range rows {
		out[i] = r.in
	}
	return out
}

func (b *builder) indicatorRow(row int, in workspace.Indicator, u workspace.Unit, values map[string]float64) {
	b.set(cellName(colLabel, row), in.Label)
	b.style(cellName(colLabel, row), cellName(colLabel, row), "text")
	value := cellName(colValue, row)
	v, ok := values[in.Code]
	_, prefilled := u.Prefill[in.Code]
	if !ok && prefilled {
		v, ok = u.Prefill[in.Code], true
	}
	if ok {
		if in.Type == workspace.TypeInteger {
			b.set(value, int64(v))
		} else {
			b.set(value, v)
		}
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = value
	if in.Type == workspace.TypeInteger {
		b.style(value, value, "integer")
		if b.err == nil {
			b.err = dv.SetRange(0, 2000000000, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, b.conv("請填整數"), b.conv("「"+in.Label+"」只能填0或正整數，不要帶單位，不要填小數或百分數。"))
	} else {
		b.style(value, value, "decimal")
		if b.err == nil {
			b.err = dv.SetRange(0, 1e12, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, b.conv("請填數字"), b.conv("「"+in.Label+"」只能填0或正數（可帶小數），單位是"+in.Measure+"。"))
	}
	if b.err == nil {
		b.err = b.f.AddDataValidation(b.sheet, dv)
	}
	b.set(cellName(colMeasure, row), in.Measure)
	b.style(cellName(colMeasure, row), cellName(colMeasure, row), "measure")
	b.set(cellName(colCode, row), in.Code)
	b.style(cellName(colCode, row), cellName(colCode, row), "code")
	note := noteRequired
	if !in.Required {
		note = noteOptional
	}
	if in.Type == workspace.TypeDecimal {
		note += "；" + noteDecimal
	}
	if prefilled {
		note += "；" + notePrefilled + "，" + noteChange
	}
	b.set(cellName(colNote, row), note)
	b.style(cellName(colNote, row), cellName(colNote, row), "note")
}

// hasPrefill reports whether any row of u's form is prefilled.
func hasPrefill(cat *workspace.Catalogue, u workspace.Unit) bool {
	return slices.ContainsFunc(cat.Inputs(), func(in workspace.Indicator) bool {
		_, ok := u.Prefill[in.Code]
		return ok
	})
}

// instructions writes the form's notes from row on; note, the catalogue's
// own, says what the figures count.
func (b *builder) instructions(row int, note string, prefilled bool) {
	lines := []string{
		note + "只填黃色格子，灰色格子由系統生成，請勿改動。",
		"「數值」欄只填阿拉伯數字，不帶單位，不填百分數；整數指標不要填小數。",
		"標「必填」的指標沒有發生也要填0；標「可留空」的指標留空按0計。",
		"某個數與上期相比變化較大或明顯偏離常理、但確實無誤的，請在該行「說明」欄寫明原因；寫明原因的提示按已說明接收。",
	}
	if prefilled {
		lines = append(lines, "說明欄寫著「"+notePrefilled+"」的數已由系統按名冊填好，如有變動請改為實際數。")
	}
	lines = append(lines,
		"請勿刪除或修改「代碼」欄；請直接保存本 .xlsx 文件報送，不要另存為 .xls、.et、.csv 或 PDF。",
		"填報人、聯繫電話、填報日期請填寫完整，以便核對。",
	)
	row++
	b.set(cellName(1, row), "填表說明")
	b.style(cellName(1, row), cellName(1, row), "helphead")
	for i, l := range lines {
		r := row + 1 + i
		c := cellName(1, r)
		b.set(c, strconv.Itoa(i+1)+"．"+l)
		b.merge(c, cellName(lastCol, r))
		b.style(c, cellName(lastCol, r), "help")
		if b.err == nil {
			b.err = b.f.SetRowHeight(b.sheet, r, 30)
		}
	}
	if b.err == nil {
		b.err = b.f.SetSheetDimension(b.sheet, "A1:"+cellName(lastCol, row+len(lines)))
	}
}
