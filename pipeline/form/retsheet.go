package form

import (
	"countybrief/pipeline/form/xlsxscan"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// sheetScan is where a worksheet part holds its rows, cells and column
// definitions, for the fast 退回 copy to splice into.
type sheetScan struct {
	text               string
	root               [2]int // the worksheet start tag
	data, dataEnd      int    // sheetData's start tag, and its end tag
	cols               []colSpan
	colsStart, colsEnd int // of <cols>…</cols>, -1 when none
	rows               []rowSpan
	merges             [][4]int // first column, row, last column, row
}

type colSpan struct {
	min, max, style int
	start           int
}

type rowSpan struct {
	r, style   int
	start, end int
	tag        string
	cells      []cellSpan
}

type cellSpan struct {
	col, row, style int
	typ             string
	start, end      int
	tagEnd, bodyEnd int // the body is empty when the cell closes itself
}

// scanSheet finds the rows and cells of a worksheet written plainly:
// unprefixed elements, one sheetData of rows and cells only, each with
// its reference, in order; ok is false for anything else.
func scanSheet(text string) (*sheetScan, bool) {
	s := &sheetScan{text: text, colsStart: -1, colsEnd: -1}
	root := strings.Index(text, "<worksheet")
	if root < 0 || strings.Count(text, "<sheetData") != 1 {
		return nil, false
	}
	rootEnd := tagEnd(text, root)
	if rootEnd < 0 {
		return nil, false
	}
	s.root = [2]int{root, rootEnd}
	s.data = strings.Index(text, "<sheetData>")
	s.dataEnd = strings.Index(text, "</sheetData>")
	if s.data < rootEnd || s.dataEnd < s.data || strings.Count(text, "</sheetData>") != 1 {
		return nil, false
	}
	if start, end, tag, ok := element(text[:s.data], "cols", rootEnd); ok {
		if strings.HasSuffix(tag, "/>") {
			return nil, false
		}
		s.colsStart, s.colsEnd = start, end
		spans, ok := children(text[:end], "col")
		if !ok {
			return nil, false
		}
		for _, sp := range spans {
			if sp[0] < start {
				continue
			}
			attrs, _, ok := tagAttrs(text[sp[0]:tagEnd(text, sp[0])])
			if !ok {
				return nil, false
			}
			lo, ok1 := intAttr(attrs, "min")
			hi, ok2 := intAttr(attrs, "max")
			st, _ := intAttr(attrs, "style")
			if !ok1 || !ok2 || lo < 1 || hi < lo {
				return nil, false
			}
			s.cols = append(s.cols, colSpan{lo, hi, st, sp[0]})
		}
	} else if strings.Contains(text[:s.data], "<cols") {
		return nil, false
	}
	if !s.scanMerges() {
		return nil, false
	}
	i := s.data + len("<sheetData>")
	for {
		i = skipSpace(text, i)
		if i == s.dataEnd {
			return s, true
		}
		row, ok := s.scanRow(i)
		if !ok || (len(s.rows) > 0 && row.r <= s.rows[len(s.rows)-1].r) {
			return nil, false
		}
		s.rows = append(s.rows, row)
		i = row.end
	}
}

// scanMerges reads the merged ranges after sheetData as excelize does: a
// single cell is a range of one.
func (s *sheetScan) scanMerges() bool {
	text := s.text[s.dataEnd:]
	if !strings.Contains(text, "<mergeCell") {
		return true
	}
	start, end, tag, ok := element(text, "mergeCells", 0)
	if !ok || strings.HasSuffix(tag, "/>") || strings.Count(text, "<mergeCells") != 1 {
		return false
	}
	spans, ok := children(text[start+len(tag):end], "mergeCell")
	if !ok {
		return false
	}
	body := text[start+len(tag) : end]
	for _, sp := range spans {
		attrs, _, ok := tagAttrs(body[sp[0]:tagEnd(body, sp[0])])
		if !ok {
			return false
		}
		ref, _ := attr(attrs, "ref")
		from, to, found := strings.Cut(ref, ":")
		if !found {
			to = from
		}
		c1, r1, ok1 := xlsxscan.ParseRef(from)
		c2, r2, ok2 := xlsxscan.ParseRef(to)
		if !ok1 || !ok2 {
			return false
		}
		s.merges = append(s.merges, [4]int{min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)})
	}
	return true
}

// mergedInto is the first cell of the first merged range that holds the
// cell, which excelize reads and styles for any cell of the range, or the
// cell itself.
func (s *sheetScan) mergedInto(col, row int) (int, int) {
	for _, m := range s.merges {
		if m[0] <= col && col <= m[2] && m[1] <= row && row <= m[3] {
			return m[0], m[1]
		}
	}
	return col, row
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

func (s *sheetScan) scanRow(i int) (rowSpan, bool) {
	text := s.text
	if !startsElement(text, i, "row") {
		return rowSpan{}, false
	}
	te := tagEnd(text, i)
	if te < 0 || te > s.dataEnd {
		return rowSpan{}, false
	}
	row := rowSpan{start: i, tag: text[i:te]}
	attrs, self, ok := tagAttrs(row.tag)
	if !ok {
		return rowSpan{}, false
	}
	var okR bool
	row.r, okR = intAttr(attrs, "r")
	row.style, _ = intAttr(attrs, "s")
	if !okR || row.r < 1 || row.r > xlsxscan.MaxRow {
		return rowSpan{}, false
	}
	if self {
		row.end = te
		return row, true
	}
	for j := te; ; {
		j = skipSpace(text, j)
		if strings.HasPrefix(text[j:], "</row>") {
			row.end = j + len("</row>")
			return row, row.end <= s.dataEnd
		}
		c, ok := s.scanCell(j, row.r)
		if !ok || (len(row.cells) > 0 && c.col <= row.cells[len(row.cells)-1].col) {
			return rowSpan{}, false
		}
		row.cells = append(row.cells, c)
		j = c.end
	}
}

func (s *sheetScan) scanCell(i, r int) (cellSpan, bool) {
	text := s.text
	if !startsElement(text, i, "c") {
		return cellSpan{}, false
	}
	te := tagEnd(text, i)
	if te < 0 || te > s.dataEnd {
		return cellSpan{}, false
	}
	// The attributes are read one by one, not gathered: a sheet has
	// hundreds of cells.
	rest, self, ok := tagBody(text[i:te])
	if !ok {
		return cellSpan{}, false
	}
	c := cellSpan{start: i, tagEnd: te, bodyEnd: te, end: te}
	for haveRef := false; ; {
		a, after, more, ok := nextAttr(rest)
		switch {
		case !ok:
			return cellSpan{}, false
		case !more:
			if !haveRef {
				return cellSpan{}, false
			}
		case a.name == "r":
			col, row, ok := xlsxscan.ParseRef(a.raw)
			if !ok || row != r || haveRef {
				return cellSpan{}, false
			}
			c.col, c.row, haveRef = col, row, true
		case a.name == "t":
			c.typ = a.raw
		case a.name == "s":
			if c.style, ok = xlsxscan.PlainInt(a.raw); !ok {
				return cellSpan{}, false
			}
		}
		if !more {
			break
		}
		rest = after
	}
	if self {
		return c, true
	}
	close := strings.Index(text[te:s.dataEnd], "</c>")
	if close < 0 {
		return cellSpan{}, false
	}
	body := text[te : te+close]
	if strings.Contains(body, "<!") || strings.Contains(body, "<?") || strings.Contains(body, "<c") || strings.Contains(body, "<row") {
		return cellSpan{}, false
	}
	c.bodyEnd, c.end = te+close, te+close+len("</c>")
	return c, true
}

// startsElement reports whether an element named name starts at i.
func startsElement(s string, i int, name string) bool {
	if !strings.HasPrefix(s[i:], "<"+name) {
		return false
	}
	k := i + 1 + len(name)
	return k < len(s) && strings.IndexByte(" \t\r\n/>", s[k]) >= 0
}

func intAttr(attrs []xattr, name string) (int, bool) {
	v, ok := attr(attrs, name)
	if !ok {
		return 0, false
	}
	return xlsxscan.PlainInt(v)
}

func (s *sheetScan) row(r int) *rowSpan {
	i, ok := slices.BinarySearchFunc(s.rows, r, func(row rowSpan, r int) int { return row.r - r })
	if !ok {
		return nil
	}
	return &s.rows[i]
}

func (s *sheetScan) cell(col, r int) *cellSpan {
	row := s.row(r)
	if row == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(row.cells, col, func(c cellSpan, col int) int { return c.col - col })
	if !ok {
		return nil
	}
	return &row.cells[i]
}

// inheritsStyle reports whether excelize would give a cell without a
// style of its own the style of its row or column.
func (s *sheetScan) inheritsStyle(col, r int) bool {
	if row := s.row(r); row != nil && row.style != 0 {
		return true
	}
	for _, c := range s.cols {
		if c.min <= col && col <= c.max && c.style != 0 {
			return true
		}
	}
	return false
}

// lastValueCol is the last column with a value or a formula in any row:
// excelize's GetRows leaves the other cells at a row's end out.
func (s *sheetScan) lastValueCol(fc *fastCopy) (int, error) {
	last := 0
	for _, row := range s.rows {
		for i := len(row.cells) - 1; i >= 0; i-- {
			c := &row.cells[i]
			if c.col <= last {
				break
			}
			if strings.Contains(s.text[c.tagEnd:c.bodyEnd], "<f") {
				last = c.col
				break
			}
			v, err := fc.cellValue(s.text, c)
			if err != nil {
				return 0, err
			}
			if v != "" {
				last = c.col
				break
			}
		}
	}
	return last, nil
}

// sheetEdit gathers the changes of a marked sheet.
type sheetEdit struct {
	s       *sheetScan
	cells   map[[2]int]*cellOp // by row, column
	extra   []splice
	rootTag string
}

type cellOp struct {
	style int     // -1: the cell's own
	text  *string // nil: the cell's value as it is
}

func newSheetEdit(s *sheetScan) *sheetEdit {
	return &sheetEdit{s: s, cells: map[[2]int]*cellOp{}}
}

func (e *sheetEdit) op(col, row int) *cellOp {
	k := [2]int{row, col}
	if e.cells[k] == nil {
		e.cells[k] = &cellOp{style: -1}
	}
	return e.cells[k]
}

func (e *sheetEdit) setStyle(col, row, style int) { e.op(col, row).style = style }

// setText writes text in the cell, and its style unless style is -1.
func (e *sheetEdit) setText(col, row int, text string, style int) {
	op := e.op(col, row)
	op.text = &text
	if style >= 0 {
		op.style = style
	}
}

// setWidth gives column col its width, as SetColWidth does; a column
// definition already over it is left to excelize.
func (e *sheetEdit) setWidth(col int, width float64) error {
	s := e.s
	el := `<col min="` + strconv.Itoa(col) + `" max="` + strconv.Itoa(col) + `" width="` +
		strconv.FormatFloat(width, 'f', -1, 64) + `" customWidth="1"/>`
	if s.colsStart < 0 {
		at := s.data
		e.extra = append(e.extra, splice{at, at, "<cols>" + el + "</cols>"})
		return nil
	}
	at := s.colsEnd - len("</cols>")
	for _, c := range s.cols {
		if c.min <= col && col <= c.max {
			return errNotPlain
		}
		if c.min > col {
			at = c.start
			break
		}
	}
	e.extra = append(e.extra, splice{at, at, el})
	return nil
}

// legacyDrawing links the sheet's notes, where the schema puts it.
func (e *sheetEdit) legacyDrawing(rid string) error {
	s := e.s
	text := s.text
	end := strings.LastIndex(text, "</worksheet>")
	if end < s.dataEnd {
		return errNotPlain
	}
	at, err := s.beforeTopLevel(end, "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
	if err != nil {
		return err
	}
	e.extra = append(e.extra, splice{at, at, `<legacyDrawing r:id="` + rid + `"/>`})
	root := text[s.root[0]:s.root[1]]
	switch {
	case strings.Contains(root, `xmlns:r="`+nsOfficeRels+`"`):
	case strings.Contains(root, "xmlns:r="):
		return errNotPlain
	default:
		e.rootTag = withAttr(root, "xmlns:r", nsOfficeRels)
	}
	return nil
}

// beforeTopLevel is where the first of the worksheet's own elements
// named names starts after sheetData, or end (the worksheet's end tag)
// when it has none. An element nested in another (the extLst of a
// conditional format's rule) is not one.
func (s *sheetScan) beforeTopLevel(end int, names ...string) (int, error) {
	text := s.text
	depth := 0
	for i := s.dataEnd + len("</sheetData>"); ; {
		j := strings.IndexByte(text[i:end], '<')
		if j < 0 {
			return end, nil
		}
		i += j
		switch {
		case strings.HasPrefix(text[i:], "</"):
			depth--
			i += 2
			continue
		case strings.HasPrefix(text[i:], "<!") || strings.HasPrefix(text[i:], "<?"):
			return 0, errNotPlain
		}
		te := tagEnd(text, i)
		if te < 0 || te > end {
			return 0, errNotPlain
		}
		name := text[i+1 : i+1+strings.IndexAny(text[i+1:te], " \t\r\n/>")]
		if depth == 0 && slices.Contains(names, name) {
			return i, nil
		}
		if text[te-2] != '/' {
			depth++
		}
		i = te
	}
}

// text is the sheet with the changes made.
func (e *sheetEdit) text() (string, error) {
	s := e.s
	edits := slices.Clone(e.extra)
	if e.rootTag != "" {
		edits = append(edits, splice{s.root[0], s.root[1], e.rootTag})
	}
	byRow := map[int][]int{}
	for k := range e.cells {
		byRow[k[0]] = append(byRow[k[0]], k[1])
	}
	for _, r := range slices.Sorted(maps.Keys(byRow)) {
		cols := byRow[r]
		slices.Sort(cols)
		row := s.row(r)
		var b strings.Builder
		if row == nil {
			b.WriteString(`<row r="` + strconv.Itoa(r) + `">`)
			for _, col := range cols {
				e.writeCell(&b, col, r, nil)
			}
			b.WriteString("</row>")
			at := s.dataEnd
			for _, other := range s.rows {
				if other.r > r {
					at = other.start
					break
				}
			}
			edits = append(edits, splice{at, at, b.String()})
			continue
		}
		// The row's spans, a hint of the columns it holds, would leave
		// out a cell added beyond them.
		tag := withoutAttr(row.tag, "spans")
		if strings.HasSuffix(tag, "/>") {
			tag = strings.TrimSuffix(strings.TrimSuffix(tag, "/>"), " ") + ">"
		}
		b.WriteString(tag)
		i := 0
		for _, c := range row.cells {
			for ; i < len(cols) && cols[i] < c.col; i++ {
				e.writeCell(&b, cols[i], r, nil)
			}
			if i < len(cols) && cols[i] == c.col {
				e.writeCell(&b, c.col, r, &c)
				i++
				continue
			}
			b.WriteString(s.text[c.start:c.end])
		}
		for ; i < len(cols); i++ {
			e.writeCell(&b, cols[i], r, nil)
		}
		b.WriteString("</row>")
		edits = append(edits, splice{row.start, row.end, b.String()})
	}
	slices.SortStableFunc(edits, func(a, b splice) int { return a.at - b.at })
	for i := 1; i < len(edits); i++ {
		if edits[i].at < edits[i-1].end {
			return "", errNotPlain
		}
	}
	return applySplices(s.text, edits), nil
}

// writeCell writes the cell at col, row with its change; old is the cell
// as it was, nil when it was not there.
func (e *sheetEdit) writeCell(b *strings.Builder, col, row int, old *cellSpan) {
	op := e.cells[[2]int{row, col}]
	style := op.style
	if style < 0 && old != nil {
		style = old.style
	}
	if op.text == nil {
		if old == nil {
			b.WriteString(`<c r="` + cellName(col, row) + `" s="` + strconv.Itoa(max(style, 0)) + `"/>`)
			return
		}
		b.WriteString(withAttr(e.s.text[old.start:old.tagEnd], "s", strconv.Itoa(style)))
		b.WriteString(e.s.text[old.tagEnd:old.end])
		return
	}
	b.WriteString(`<c r="` + cellName(col, row) + `"`)
	if style > 0 {
		b.WriteString(` s="` + strconv.Itoa(style) + `"`)
	}
	b.WriteString(` t="inlineStr"><is><t xml:space="preserve">`)
	escape(b, *op.text, false)
	b.WriteString(`</t></is></c>`)
}

// styleEdit adds the copy's styles to a styles part written plainly.
type styleEdit struct {
	src                          string
	fonts, fills, borders, xfs   list
	numFmts                      string
	fontName, fontSize           string
	fillIDs                      map[string]int
	reviewIDs                    map[string]int
	opinionID, thinID            int
	newFonts, newFills, newBords []string
	newXfs                       []string
}

// list is a list element of the styles part: its start tag, its
// children, and where it closes.
type list struct {
	name       string
	start, tag int // offset of the start tag, its length
	close      int // offset of its end tag
	items      []string
}

func newStyleEdit(text string) (*styleEdit, error) {
	e := &styleEdit{src: text, fillIDs: map[string]int{}, opinionID: -1, thinID: -1}
	for _, l := range []struct {
		dst        *list
		name, item string
	}{{&e.fonts, "fonts", "font"}, {&e.fills, "fills", "fill"}, {&e.borders, "borders", "border"}, {&e.xfs, "cellXfs", "xf"}} {
		start, end, tag, ok := element(text, l.name, 0)
		if !ok || strings.HasSuffix(tag, "/>") || strings.Count(text, "<"+l.name) != 1 {
			return nil, errNotPlain
		}
		body := text[start+len(tag) : end-len("</"+l.name+">")]
		spans, ok := children(body, l.item)
		if !ok {
			return nil, errNotPlain
		}
		*l.dst = list{name: l.name, start: start, tag: len(tag), close: end - len("</"+l.name+">")}
		for _, sp := range spans {
			l.dst.items = append(l.dst.items, body[sp[0]:sp[1]])
		}
	}
	if len(e.fonts.items) == 0 {
		return nil, errNotPlain
	}
	if start, end, _, ok := element(text, "numFmts", 0); ok {
		e.numFmts = text[start:end]
	}
	e.fontName, e.fontSize = "Calibri", "11"
	f0 := e.fonts.items[0]
	for name, dst := range map[string]*string{"name": &e.fontName, "sz": &e.fontSize} {
		if _, _, tag, ok := element(f0, name, 0); ok {
			if attrs, _, ok := tagAttrs(tag); ok {
				if v, ok := attr(attrs, "val"); ok && v != "" {
					*dst = v
				}
			}
		}
	}
	return e, nil
}

// numFmt is the number format of style id.
func (e *styleEdit) numFmt(id int) (int, error) {
	if id < 0 || id >= len(e.xfs.items) {
		return 0, errNotPlain
	}
	attrs, _, ok := tagAttrs(xfTag(e.xfs.items[id]))
	if !ok {
		return 0, errNotPlain
	}
	n := 0
	if v, ok := attr(attrs, "numFmtId"); ok {
		if n, ok = xlsxscan.PlainInt(v); !ok {
			return 0, errNotPlain
		}
	}
	if strings.Contains(e.numFmts, `numFmtId="`+strconv.Itoa(n)+`"`) && n < 164 {
		return 0, errNotPlain // a built-in format redefined
	}
	return n, nil
}

func xfTag(xf string) string {
	te := tagEnd(xf, 0)
	if te < 0 {
		return xf
	}
	return xf[:te]
}

func (e *styleEdit) font(el string) int {
	e.newFonts = append(e.newFonts, el)
	return len(e.fonts.items) + len(e.newFonts) - 1
}

func (e *styleEdit) fill(color string) int {
	if id, ok := e.fillIDs[color]; ok {
		return id
	}
	e.newFills = append(e.newFills, `<fill><patternFill patternType="solid"><fgColor rgb="FF`+color+`"/><bgColor indexed="64"/></patternFill></fill>`)
	id := len(e.fills.items) + len(e.newFills) - 1
	e.fillIDs[color] = id
	return id
}

func (e *styleEdit) xf(el string) int {
	e.newXfs = append(e.newXfs, el)
	return len(e.xfs.items) + len(e.newXfs) - 1
}

// marked is style old filled with color; general also shows its number
// in General.
func (e *styleEdit) marked(old int, color string, general bool) (int, error) {
	if old < 0 || old >= len(e.xfs.items) {
		return 0, errNotPlain
	}
	xf := e.xfs.items[old]
	tag := xfTag(xf)
	if _, _, ok := tagAttrs(tag); !ok {
		return 0, errNotPlain
	}
	t := withAttr(withAttr(tag, "fillId", strconv.Itoa(e.fill(color))), "applyFill", "1")
	if general {
		t = withAttr(t, "numFmtId", "0")
	}
	return e.xf(t + xf[len(tag):]), nil
}

const (
	alignTopWrap = `<alignment vertical="top" wrapText="1"/>`
	thinSide     = `style="thin"><color rgb="FF808080"/>`
)

func (e *styleEdit) fontEl(bold bool, size, color string) string {
	var b strings.Builder
	b.WriteString("<font>")
	if bold {
		b.WriteString(`<b/>`)
	}
	b.WriteString(`<sz val="` + size + `"/>`)
	if color != "" {
		b.WriteString(`<color rgb="FF` + color + `"/>`)
	}
	b.WriteString(`<name val="` + escaped(e.fontName, true) + `"/><family val="2"/></font>`)
	return b.String()
}

func (e *styleEdit) thin() int {
	if e.thinID < 0 {
		e.newBords = append(e.newBords, `<border><left `+thinSide+`</left><right `+thinSide+`</right><top `+thinSide+`</top><bottom `+thinSide+`</bottom><diagonal/></border>`)
		e.thinID = len(e.borders.items) + len(e.newBords) - 1
	}
	return e.thinID
}

// review is the styles of 審核意見 by name, as reviewStyles makes them.
func (e *styleEdit) review() map[string]int {
	if e.reviewIDs != nil {
		return e.reviewIDs
	}
	title := e.font(e.fontEl(true, "14", ""))
	bold := e.font(e.fontEl(true, e.fontSize, ""))
	thin := e.thin()
	cell := func(font, fill, border int, align string) string {
		s := `<xf numFmtId="0" fontId="` + strconv.Itoa(font) + `" fillId="` + strconv.Itoa(fill) + `" borderId="` + strconv.Itoa(border) + `" xfId="0"`
		if font != 0 {
			s += ` applyFont="1"`
		}
		if fill != 0 {
			s += ` applyFill="1"`
		}
		if border != 0 {
			s += ` applyBorder="1"`
		}
		if align == "" {
			return s + "/>"
		}
		return s + ` applyAlignment="1">` + align + `</xf>`
	}
	e.reviewIDs = map[string]int{
		"title":   e.xf(cell(title, 0, 0, "")),
		"wrap":    e.xf(cell(0, 0, 0, alignTopWrap)),
		"header":  e.xf(cell(bold, e.fill("D9D9D9"), thin, alignTopWrap)),
		"error":   e.xf(cell(0, e.fill(errorFill), thin, alignTopWrap)),
		"warning": e.xf(cell(0, e.fill(warningFill), thin, alignTopWrap)),
	}
	return e.reviewIDs
}

// opinion is the style of the opinion column's cells.
func (e *styleEdit) opinion() int {
	if e.opinionID < 0 {
		font := e.font(e.fontEl(false, "9", "C00000"))
		e.opinionID = e.xf(`<xf numFmtId="0" fontId="` + strconv.Itoa(font) + `" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">` + alignTopWrap + `</xf>`)
	}
	return e.opinionID
}

// text is the styles part with the styles added.
func (e *styleEdit) text() string {
	var edits []splice
	for _, l := range []struct {
		l     *list
		added []string
	}{{&e.fonts, e.newFonts}, {&e.fills, e.newFills}, {&e.borders, e.newBords}, {&e.xfs, e.newXfs}} {
		if len(l.added) == 0 {
			continue
		}
		tag := e.src[l.l.start : l.l.start+l.l.tag]
		edits = append(edits,
			splice{l.l.start, l.l.start + l.l.tag, withAttr(tag, "count", strconv.Itoa(len(l.l.items)+len(l.added)))},
			splice{l.l.close, l.l.close, strings.Join(l.added, "")})
	}
	slices.SortStableFunc(edits, func(a, b splice) int { return a.at - b.at })
	return applySplices(e.src, edits)
}
