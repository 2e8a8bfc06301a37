package form

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form/xlsxscan"
	"countybrief/pipeline/vocab"
)

// fastReturn writes the 退回 copy of the cleaned workbook c as WriteReturn
// does with excelize, but by splicing into the workbook's own parts: the
// marked cells' styles, their comments (a comments part and its legacy
// VML drawing), the opinion column, 審核意見 as the first sheet, sheet
// names through conv. It costs a fraction of opening and writing the
// workbook with excelize (a fifth of the CPU on the forms a demo batch
// rejects, BenchmarkWriteReturn), which matters because the rejected
// files of a batch are written last, on its critical path. What a clerk
// sees is excelize's copy (TestFastReturnIsExcelizes), but that a marked
// cell keeps every other part of its style as it was, where excelize
// rebuilds the style from what it decodes of it.
//
// It returns false, and the caller writes the copy with excelize, for any
// workbook whose structure it does not read plainly: parts with a
// namespace prefix or without the layout below; a workbook with defined
// names or function groups, or a sheet already named 審核意見 (a copy
// sent back again); comments or VML drawings already in it; a marked
// sheet with a comment, CDATA or an element other than rows and cells
// in its data, rows or cells without
// references or out of order, a column definition over its opinion
// column, or the opinion column's heading already on it (a copy sent back
// again); a marked cell that is not in the sheet, or inside a merged
// range but not its first cell, or whose style is not one of the
// workbook's or comes from its row or column; a marked number
// under a number format other than General, 0, 0.00, #,##0, #,##0.00, a
// percentage or text; shared strings with runs, phonetic text or escapes
// (_x000D_) where a value of one is needed (a figure to show, the last
// column of a marked sheet), and such a value from a cell of another type
// than number, string or shared string; sheet names that conv makes
// invalid or equal; a text longer than a cell holds.
func fastReturn(c *cleaned, sub *Submission, findings []vocab.Finding, conv func(string) string) ([]byte, bool) {
	fc := &fastCopy{c: c, conv: conv, parts: maps.Clone(c.parts), sheets: map[string]*sheetScan{}}
	out, err := fc.write(sub, findings)
	if err != nil {
		return nil, false
	}
	return out, true
}

// returnTheme is the theme of a copy of 審核意見 alone, excelize's: the
// colours of its cells are read against it.
//
//go:embed returntheme.xml
var returnTheme string

// reviewOnly writes the 退回 copy that holds 審核意見 alone, saying the
// original is not attached, as WriteReturn does with excelize: a workbook
// of a sheet, its styles and the parts that tie them together.
func reviewOnly(sub *Submission, findings []vocab.Finding, conv func(string) string) ([]byte, error) {
	base := map[string]string{
		"[Content_Types].xml": xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="` + typeWorkbook + `"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/></Types>`,
		"_rels/.rels": xmlHeader + `<Relationships xmlns="` + nsPackageRels + `">` +
			`<Relationship Id="rId1" Type="` + nsOfficeRels + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": xmlHeader + `<workbook xmlns="` + nsSheetMain + `" xmlns:r="` + nsOfficeRels + `">` +
			`<bookViews><workbookView/></bookViews><sheets></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": xmlHeader + `<Relationships xmlns="` + nsPackageRels + `">` +
			`<Relationship Id="rId1" Type="` + nsOfficeRels + `/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId2" Type="` + nsOfficeRels + `/theme" Target="theme/theme1.xml"/></Relationships>`,
		"xl/theme/theme1.xml": xmlHeader + returnTheme,
		"xl/styles.xml": xmlHeader + `<styleSheet xmlns="` + nsSheetMain + `">` +
			`<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/></font></fonts>` +
			`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
			`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
			`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`,
	}
	order := []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/theme/theme1.xml"}
	fc := &fastCopy{c: &cleaned{parts: base, order: order}, conv: conv, parts: maps.Clone(base), sheets: map[string]*sheetScan{}}
	var err error
	if fc.styles, err = newStyleEdit(base["xl/styles.xml"]); err != nil {
		return nil, err
	}
	if err := fc.addReview(sub, findings, shownValues(nil, sub, findings), false); err != nil {
		return nil, err
	}
	fc.parts["xl/styles.xml"] = fc.styles.text()
	return fc.zip()
}

// errNotPlain is any structure the fast copy leaves to excelize.
var errNotPlain = errors.New("workbook not plain enough for the fast copy")

// fastCopy is a 退回 copy being spliced together: the cleaned workbook it
// starts from, and what it has read of it and changed so far.
type fastCopy struct {
	c      *cleaned
	conv   func(string) string
	parts  map[string]string // the copy's parts, changed and added
	added  []string          // parts added, in order
	book   []bookSheet
	sst    []string // nil until a shown figure needs it
	sheets map[string]*sheetScan
	styles *styleEdit
}

// bookSheet is a sheet element of the workbook.
type bookSheet struct {
	name, part string
	id         int
	start      int // of its element in xl/workbook.xml
}

const (
	relWorksheet  = nsOfficeRels + "/worksheet"
	relComments   = nsOfficeRels + "/comments"
	relVML        = nsOfficeRels + "/vmlDrawing"
	nsOfficeRels  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	typeWorksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
	typeComments  = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
	typeVML       = "application/vnd.openxmlformats-officedocument.vmlDrawing"
	// maxCellText is what a cell or a comment holds, in UTF-16 units.
	maxCellText = 32767
)

func (fc *fastCopy) write(sub *Submission, findings []vocab.Finding) ([]byte, error) {
	for _, name := range fc.c.order {
		if strings.HasPrefix(name, "xl/comments") || strings.HasPrefix(name, "xl/drawings/") {
			return nil, errNotPlain
		}
	}
	if ct := fc.parts["[Content_Types].xml"]; strings.Count(ct, "</Types>") != 1 || !strings.HasSuffix(strings.TrimSpace(ct), "</Types>") {
		return nil, errNotPlain
	}
	if err := fc.readBook(); err != nil {
		return nil, err
	}
	var names []string
	for _, s := range fc.book {
		names = append(names, s.name)
	}
	order, byCell := marked(findings, names)
	shown, err := fc.shownValues(sub, findings)
	if err != nil {
		return nil, err
	}
	if fc.styles, err = newStyleEdit(fc.parts["xl/styles.xml"]); err != nil {
		return nil, err
	}
	if err := fc.mark(order, byCell); err != nil {
		return nil, err
	}
	if err := fc.addReview(sub, findings, shown, true); err != nil {
		return nil, err
	}
	fc.parts["xl/styles.xml"] = fc.styles.text()
	return fc.zip()
}

// readBook reads the sheets of xl/workbook.xml and their parts.
func (fc *fastCopy) readBook() error {
	wb, ok := fc.parts["xl/workbook.xml"]
	relsText, okRels := fc.parts["xl/_rels/workbook.xml.rels"]
	if !ok || !okRels || !strings.Contains(wb, `xmlns:r="`+nsOfficeRels+`"`) ||
		strings.Contains(wb, "definedName") || strings.Contains(wb, "functionGroups") ||
		strings.Contains(wb, ReviewSheet) || strings.Contains(wb, fc.conv(ReviewSheet)) ||
		strings.Count(wb, "<sheets>") != 1 || strings.Count(wb, "</sheets>") != 1 {
		return errNotPlain
	}
	targets := map[string]string{} // the worksheets' parts by relationship
	for i := 0; ; {
		_, end, tag, ok := element(relsText, "Relationship", i)
		if !ok {
			break
		}
		attrs, _, ok := tagAttrs(tag)
		if !ok {
			return errNotPlain
		}
		if typ, _ := attr(attrs, "Type"); typ == relWorksheet {
			id, _ := attr(attrs, "Id")
			target, _ := attr(attrs, "Target")
			targets[id] = partOf("xl", target)
		}
		i = end
	}
	open := strings.Index(wb, "<sheets>") + len("<sheets>")
	close := strings.Index(wb, "</sheets>")
	if close < open {
		return errNotPlain
	}
	seen := map[string]bool{}
	for i := open; i < close; {
		start, end, tag, ok := element(wb[:close], "sheet", i)
		if !ok {
			if strings.TrimSpace(wb[i:close]) != "" {
				return errNotPlain
			}
			break
		}
		if strings.TrimSpace(wb[i:start]) != "" || (!strings.HasSuffix(tag, "/>") && end != start+len(tag)+len("</sheet>")) {
			return errNotPlain
		}
		attrs, _, ok := tagAttrs(tag)
		if !ok {
			return errNotPlain
		}
		name, okName := attr(attrs, "name")
		rid, okID := attr(attrs, "r:id")
		sid, okSID := attr(attrs, "sheetId")
		id, err := strconv.Atoi(sid)
		part := targets[rid]
		if _, ok := fc.parts[part]; !ok || !okName || !okID || !okSID || err != nil || seen[name] {
			return errNotPlain
		}
		seen[name] = true
		fc.book = append(fc.book, bookSheet{name: name, part: part, id: id, start: start})
		i = end
	}
	if len(fc.book) == 0 {
		return errNotPlain
	}
	return nil
}

// partOf is the part a relationship's target names, from the folder of
// the part the relationships are of.
func partOf(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return path.Join(dir, target)
}

func (fc *fastCopy) bookSheet(name string) *bookSheet {
	for i := range fc.book {
		if fc.book[i].name == name {
			return &fc.book[i]
		}
	}
	return nil
}

// scan is the sheet's scan, made once.
func (fc *fastCopy) scan(name string) (*sheetScan, error) {
	if s, ok := fc.sheets[name]; ok {
		return s, nil
	}
	bs := fc.bookSheet(name)
	if bs == nil {
		return nil, errNotPlain
	}
	s, ok := scanSheet(fc.parts[bs.part])
	if !ok {
		return nil, errNotPlain
	}
	fc.sheets[name] = s
	return s, nil
}

// shownValues are shownValues of the excelize copy, read from the parts.
func (fc *fastCopy) shownValues(sub *Submission, findings []vocab.Finding) ([]string, error) {
	out := shownValues(nil, sub, findings)
	for i, fd := range findings {
		if len(fd.Values) > 0 || fd.Cell == "" || out[i] != "" {
			continue
		}
		raw, ok, err := fc.rawValue(fd.Sheet, strings.ToUpper(fd.Cell))
		switch {
		case err != nil:
			return nil, err
		case !ok:
			// excelize cannot read there: no figure shown.
		case strings.TrimSpace(raw) == "":
			out[i] = "（空白）"
		default:
			out[i] = clip(raw)
		}
	}
	return out, nil
}

// rawValue is what excelize's GetCellValue gives of a cell as raw: ""
// for a cell that is not there; ok is false where excelize gives an
// error (no such sheet or cell).
func (fc *fastCopy) rawValue(sheet, ref string) (v string, ok bool, err error) {
	if fc.bookSheet(sheet) == nil {
		return "", false, nil
	}
	col, row, ok := xlsxscan.ParseRef(ref)
	if !ok {
		if _, _, err := excelize.CellNameToCoordinates(ref); err == nil {
			return "", false, errNotPlain // a reference excelize reads and this does not
		}
		return "", false, nil
	}
	s, err := fc.scan(sheet)
	if err != nil {
		return "", false, err
	}
	c := s.cell(col, row)
	if c == nil {
		return "", true, nil
	}
	v, err = fc.cellValue(s.text, c)
	return v, true, err
}

// cellValue is the raw value of the cell c of the sheet text s.
func (fc *fastCopy) cellValue(s string, c *cellSpan) (string, error) {
	body := s[c.tagEnd:c.bodyEnd]
	v := ""
	if i := strings.Index(body, "<v>"); i >= 0 {
		j := strings.Index(body[i:], "</v>")
		if j < 0 {
			return "", errNotPlain
		}
		var ok bool
		if v, ok = unescape(body[i+3:i+j], false); !ok {
			return "", errNotPlain
		}
	} else if strings.Contains(body, "<v") {
		return "", errNotPlain
	}
	switch c.typ {
	case "", "n", "e", "str":
		return v, nil
	case "inlineStr":
		is, ise, tag, ok := element(body, "is", 0)
		if !ok {
			return v, nil // excelize reads the <v> of an inline string without <is>
		}
		if strings.HasSuffix(tag, "/>") {
			return "", nil
		}
		if text, ok := plainText(body[is+len(tag) : ise-len("</is>")]); ok && !strings.Contains(text, "_x") {
			return text, nil
		}
		return "", errNotPlain
	case "s":
		if v == "" {
			return "", nil
		}
		sst, err := fc.sharedStrings()
		if err != nil {
			return "", err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n >= len(sst) {
			return "", errNotPlain
		}
		return sst[n], nil
	}
	return "", errNotPlain
}

// sharedStrings are the plain shared strings; one with runs, phonetic
// text or escapes of its own (_x000D_) leaves the copy to excelize.
func (fc *fastCopy) sharedStrings() ([]string, error) {
	if fc.sst != nil {
		return fc.sst, nil
	}
	sst, ok := parseSharedStrings(fc.parts["xl/sharedStrings.xml"])
	if !ok {
		return nil, errNotPlain
	}
	fc.sst = sst
	return sst, nil
}

// parseSharedStrings reads the strings of a shared strings part written
// plainly: each <si> holding one <t>.
func parseSharedStrings(text string) ([]string, bool) {
	if strings.Contains(text, "<r>") || strings.Contains(text, "<rPh") || strings.Contains(text, "<!") ||
		strings.Contains(text, "_x") || strings.Contains(text, "<x:") {
		return nil, false
	}
	out := []string{}
	for i := 0; ; {
		start, end, tag, ok := element(text, "si", i)
		if !ok {
			if strings.Contains(text[i:], "<si") {
				return nil, false
			}
			return out, true
		}
		if strings.HasSuffix(tag, "/>") {
			out = append(out, "")
			i = end
			continue
		}
		v, ok := plainText(text[start+len(tag) : end-len("</si>")])
		if !ok {
			return nil, false
		}
		out = append(out, v)
		i = end
	}
}

// plainText is the text of a shared string's or an inline string's body
// that holds one <t>, or none.
func plainText(body string) (string, bool) {
	ts, te, ttag, ok := element(body, "t", 0)
	switch {
	case !ok:
		return "", strings.TrimSpace(body) == ""
	case strings.TrimSpace(body[:ts]) != "" || !phoneticOnly(body[te:]):
		return "", false
	case strings.HasSuffix(ttag, "/>"):
		return "", true
	}
	return unescape(body[ts+len(ttag):te-len("</t>")], false)
}

// phoneticOnly reports whether the rest of a shared string holds nothing
// but the phonetic settings Chinese and Japanese Excel write after every
// string, which carry no text.
func phoneticOnly(rest string) bool {
	for {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return true
		}
		if !strings.HasPrefix(rest, "<phoneticPr") {
			return false
		}
		te := tagEnd(rest, 0)
		if te < 0 || rest[te-2] != '/' {
			return false
		}
		rest = rest[te:]
	}
}

// mark fills and comments the marked cells and writes the opinion
// column of each sheet they are on, as markCells does.
func (fc *fastCopy) mark(order []place, byCell map[place][]vocab.Finding) error {
	type key struct {
		old, sev int
		general  bool
	}
	ids := map[key]int{}
	bySheet := map[string][]place{}
	var sheets []string
	for _, p := range order {
		if _, ok := bySheet[p.sheet]; !ok {
			sheets = append(sheets, p.sheet)
		}
		bySheet[p.sheet] = append(bySheet[p.sheet], p)
	}
	for n, sheet := range sheets {
		s, err := fc.scan(sheet)
		if err != nil {
			return err
		}
		bs := fc.bookSheet(sheet)
		if strings.Contains(s.text, "legacyDrawing") ||
			strings.Contains(s.text, opinionHead) || strings.Contains(s.text, fc.conv(opinionHead)) {
			return errNotPlain
		}
		if sst := fc.parts["xl/sharedStrings.xml"]; strings.Contains(sst, opinionHead) || strings.Contains(sst, fc.conv(opinionHead)) {
			return errNotPlain
		}
		ed := newSheetEdit(s)
		var comments []comment
		opinions := map[int][]string{}
		for _, p := range bySheet[sheet] {
			fs := byCell[p]
			col, row, _ := xlsxscan.ParseRef(p.cell)
			c := s.cell(col, row)
			if c == nil || (c.style == 0 && s.inheritsStyle(col, row)) {
				return errNotPlain
			}
			if c1, r1 := s.mergedInto(col, row); c1 != col || r1 != row {
				return errNotPlain // excelize marks the range's first cell
			}
			sev := 1
			if vocab.HasError(fs) {
				sev = 0
			}
			general, err := fc.hidesDigits(s, c)
			if err != nil {
				return err
			}
			k := key{c.style, sev, general}
			id, ok := ids[k]
			if !ok {
				color := errorFill
				if sev == 1 {
					color = warningFill
				}
				if id, err = fc.styles.marked(c.style, color, general); err != nil {
					return err
				}
				ids[k] = id
			}
			ed.setStyle(col, row, id)
			text := fc.conv(commentText(fs))
			if utf16Len(text) > maxCellText {
				return errNotPlain
			}
			comments = append(comments, comment{col: col, row: row, ref: p.cell, text: text})
			for _, fd := range fs {
				opinions[row] = append(opinions[row], fc.conv(opinionLine(p, fd)))
			}
		}
		last, err := s.lastValueCol(fc)
		if err != nil {
			return err
		}
		col := max(last+1, 1)
		if col > xlsxscan.MaxCol {
			return errNotPlain
		}
		if asWritten(sheet) == SheetName {
			ed.setText(col, rowHeader, fc.conv(opinionHead), -1)
		}
		style := fc.styles.opinion()
		for row, lines := range opinions {
			text := strings.Join(lines, "\n")
			if utf16Len(text) > maxCellText {
				return errNotPlain
			}
			ed.setText(col, row, text, style)
		}
		if err := ed.setWidth(col, 36); err != nil {
			return err
		}
		if err := fc.addComments(bs, ed, n+1, comments); err != nil {
			return err
		}
		text, err := ed.text()
		if err != nil {
			return err
		}
		fc.parts[bs.part] = text
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func relsOf(part string) string {
	dir, file := path.Split(part)
	return dir + "_rels/" + file + ".rels"
}

// hidesDigits is hidesDigits of the excelize copy: whether the cell's
// number format shows its number as another number.
func (fc *fastCopy) hidesDigits(s *sheetScan, c *cellSpan) (bool, error) {
	if c.typ != "" && c.typ != "n" {
		return false, nil // excelize shows text as it is
	}
	raw, err := fc.cellValue(s.text, c)
	if err != nil {
		return false, err
	}
	if !plainNumber.MatchString(raw) {
		if _, err := strconv.ParseFloat(raw, 64); err == nil {
			return false, errNotPlain // Inf, hex: leave them to excelize
		}
		return false, nil
	}
	v, _ := strconv.ParseFloat(raw, 64)
	fmtID, err := fc.styles.numFmt(c.style)
	if err != nil {
		return false, err
	}
	switch fmtID {
	case 0:
		// General: the marked style keeps General either way.
		return false, nil
	case 1, 3:
		return v != math.Round(v), nil
	case 2, 4:
		shown, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
		return shown != v, nil
	case 9, 10, 49:
		// A percentage is not read back as a number; text shows as typed.
		return false, nil
	}
	return false, errNotPlain
}

type comment struct {
	col, row int
	ref      string
	text     string
}

// addComments writes the comments of a sheet, the n-th marked, as
// excelize's AddComment does: a comments part, the legacy drawing of
// their notes, the sheet's relationships to both and its legacyDrawing.
func (fc *fastCopy) addComments(bs *bookSheet, ed *sheetEdit, n int, comments []comment) error {
	if len(comments) == 0 {
		return nil
	}
	commentsPart := "xl/comments" + strconv.Itoa(n) + ".xml"
	vmlPart := "xl/drawings/vmlDrawing" + strconv.Itoa(n) + ".vml"
	var b strings.Builder
	b.WriteString(xmlHeader + `<comments xmlns="` + nsSheetMain + `"><authors><author>`)
	escape(&b, fc.conv("審核"), false)
	b.WriteString(`</author></authors><commentList>`)
	for _, c := range comments {
		b.WriteString(`<comment ref="` + c.ref + `" authorId="0"><text><t xml:space="preserve">`)
		escape(&b, c.text, false)
		b.WriteString(`</t></text></comment>`)
	}
	b.WriteString(`</commentList></comments>`)
	fc.add(commentsPart, b.String())

	b.Reset()
	b.WriteString(`<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">`)
	fmt.Fprintf(&b, `<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="%d"/></o:shapelayout>`, bs.id)
	b.WriteString(`<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m0,0l0,21600,21600,21600,21600,0xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>`)
	for i, c := range comments {
		// The note's box: 300 by 120 pixels beside its cell, about three
		// columns and six rows, where the program places it when shown.
		fmt.Fprintf(&b, `<v:shape id="_x0000_s%d" type="#_x0000_t202" style="position:absolute;margin-left:73.5pt;width:225pt;height:90pt;z-index:%d;visibility:hidden" fillcolor="#FBF6D6" strokecolor="#EDEAA1">`, bs.id*1024+i+1, i+1)
		b.WriteString(`<v:fill color2="#FBFE82" angle="-180" type="gradient"><o:fill v:ext="view" type="gradientUnscaled"/></v:fill><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>`)
		fmt.Fprintf(&b, `<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>%d, 23, %d, 0, %d, 12, %d, 12</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>%d</x:Row><x:Column>%d</x:Column></x:ClientData></v:shape>`,
			c.col, c.row-1, min(c.col+3, xlsxscan.MaxCol-1), c.row+5, c.row-1, c.col-1)
	}
	b.WriteString(`</xml>`)
	fc.add(vmlPart, b.String())

	relsPart := relsOf(bs.part)
	rels, ok := fc.parts[relsPart]
	if !ok {
		rels = xmlHeader + `<Relationships xmlns="` + nsPackageRels + `"></Relationships>`
	}
	end := strings.LastIndex(rels, "</Relationships>")
	if end < 0 || strings.Contains(rels, "legacyDrawing") {
		return errNotPlain
	}
	vmlID := freeRelID(rels)
	commentsID := freeRelID(rels + `Id="` + vmlID + `"`)
	fc.add(relsPart, rels[:end]+
		`<Relationship Id="`+vmlID+`" Type="`+relVML+`" Target="../drawings/vmlDrawing`+strconv.Itoa(n)+`.vml"/>`+
		`<Relationship Id="`+commentsID+`" Type="`+relComments+`" Target="../comments`+strconv.Itoa(n)+`.xml"/>`+rels[end:])
	if err := ed.legacyDrawing(vmlID); err != nil {
		return err
	}
	fc.contentType(`<Override PartName="/`+commentsPart+`" ContentType="`+typeComments+`"/>`, "")
	fc.contentType(`<Default Extension="vml" ContentType="`+typeVML+`"/>`, `Extension="vml"`)
	return nil
}

const (
	xmlHeader     = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsSheetMain   = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsPackageRels = "http://schemas.openxmlformats.org/package/2006/relationships"
)

func (fc *fastCopy) add(name, text string) {
	if _, ok := fc.parts[name]; !ok {
		fc.added = append(fc.added, name)
	}
	fc.parts[name] = text
}

// contentType declares el in [Content_Types].xml, unless the part
// already has have (when not "").
func (fc *fastCopy) contentType(el, have string) {
	ct := fc.parts["[Content_Types].xml"]
	if have != "" && strings.Contains(strings.ToLower(ct), strings.ToLower(have)) {
		return
	}
	i := strings.LastIndex(ct, "</Types>")
	fc.parts["[Content_Types].xml"] = ct[:i] + el + ct[i:]
}

// addReview writes 審核意見 as the workbook's first and active sheet,
// renames the sheets through conv, and makes the workbook's relationships
// and content types name it.
func (fc *fastCopy) addReview(sub *Submission, findings []vocab.Finding, shown []string, attached bool) error {
	name := fc.conv(ReviewSheet)
	// Names through conv, as excelize's SetSheetName would take them.
	names := map[string]bool{name: true}
	wb := fc.parts["xl/workbook.xml"]
	var edits []splice
	open := strings.Index(wb, "<sheets>") + len("<sheets>")
	maxID := 0
	for _, s := range fc.book {
		maxID = max(maxID, s.id)
	}
	partN := len(fc.book) + 1
	for {
		if _, ok := fc.parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", partN)]; !ok {
			break
		}
		partN++
	}
	part := fmt.Sprintf("xl/worksheets/sheet%d.xml", partN)
	rid := freeRelID(fc.parts["xl/_rels/workbook.xml.rels"])
	edits = append(edits, splice{open, open, `<sheet name="` + escaped(name, true) + `" sheetId="` + strconv.Itoa(maxID+1) + `" r:id="` + rid + `"/>`})
	for _, s := range fc.book {
		to := s.name
		if s.name != MetaSheet {
			to = fc.conv(s.name)
		}
		if names[to] || !validSheetName(to) {
			return errNotPlain
		}
		names[to] = true
		if to != s.name {
			tag := wb[s.start:tagEnd(wb, s.start)]
			edits = append(edits, splice{s.start, s.start + len(tag), withAttr(tag, "name", escaped(to, true))})
		}
	}
	close := strings.Index(wb, "</sheets>") + len("</sheets>")
	edits = append(edits, splice{close, close, `<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">` +
		escaped(printTitles(name), false) + `</definedName></definedNames>`})
	// The review sheet is the active one, and the only one selected.
	for i := 0; ; {
		start, _, tag, ok := element(wb, "workbookView", i)
		if !ok {
			break
		}
		t := withoutAttr(withoutAttr(tag, "activeTab"), "firstSheet")
		edits = append(edits, splice{start, start + len(tag), t})
		i = start + len(tag)
	}
	slices.SortStableFunc(edits, func(a, b splice) int { return a.at - b.at })
	fc.parts["xl/workbook.xml"] = applySplices(wb, edits)
	for _, s := range fc.book {
		fc.parts[s.part] = unselect(fc.parts[s.part])
	}

	rels := fc.parts["xl/_rels/workbook.xml.rels"]
	i := strings.LastIndex(rels, "</Relationships>")
	if i < 0 {
		return errNotPlain
	}
	fc.parts["xl/_rels/workbook.xml.rels"] = rels[:i] + `<Relationship Id="` + rid + `" Type="` + relWorksheet +
		`" Target="worksheets/` + path.Base(part) + `"/>` + rels[i:]
	fc.contentType(`<Override PartName="/`+part+`" ContentType="`+typeWorksheet+`"/>`, "")

	l := newReviewLayout(sub, findings, shown, attached, fc.conv)
	text, err := reviewSheetXML(&l, fc.styles.review())
	if err != nil {
		return err
	}
	fc.add(part, text)
	return nil
}

// validSheetName is what excelize's SetSheetName accepts.
func validSheetName(name string) bool {
	return name != "" && utf8.RuneCountInString(name) <= 31 && !strings.ContainsAny(name, `:\/?*[]`) &&
		!strings.HasPrefix(name, "'") && !strings.HasSuffix(name, "'")
}

// unselect drops the selection of a sheet's tab, so that only 審核意見
// is selected: two selected tabs are a group, edited together.
func unselect(sheet string) string {
	if !strings.Contains(sheet, "tabSelected") {
		return sheet
	}
	var edits []splice
	for i := 0; ; {
		start, _, tag, ok := element(sheet, "sheetView", i)
		if !ok {
			break
		}
		edits = append(edits, splice{start, start + len(tag), withoutAttr(tag, "tabSelected")})
		i = start + len(tag)
	}
	return applySplices(sheet, edits)
}

// freeRelID is the first id rIdN that the relationships rels do not use.
func freeRelID(rels string) string {
	for n := 1; ; n++ {
		if id := "rId" + strconv.Itoa(n); !strings.Contains(rels, `"`+id+`"`) && !strings.Contains(rels, `'`+id+`'`) {
			return id
		}
	}
}

// reviewSheetXML is the part of 審核意見 as laid out by l, its styles
// st by name (reviewStyles).
func reviewSheetXML(l *reviewLayout, st map[string]int) (string, error) {
	var b strings.Builder
	b.WriteString(xmlHeader + `<worksheet xmlns="` + nsSheetMain + `" xmlns:r="` + nsOfficeRels + `">`)
	b.WriteString(`<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="` + l.dimension() + `"/>`)
	b.WriteString(`<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>`)
	for i, cw := range reviewWidths {
		hidden := ""
		if cw.col == reviewRuleCol {
			hidden = ` hidden="1"`
		}
		fmt.Fprintf(&b, `<col min="%d" max="%d" width="%s" customWidth="1"%s/>`, i+1, i+1, strconv.FormatFloat(cw.width, 'f', -1, 64), hidden)
	}
	b.WriteString(`</cols><sheetData>`)
	row := 0
	for _, c := range l.cells {
		if c.row != row {
			if row != 0 {
				b.WriteString(`</row>`)
			}
			row = c.row
			if row == 2 {
				b.WriteString(`<row r="2" ht="30" customHeight="1">`)
			} else {
				b.WriteString(`<row r="` + strconv.Itoa(row) + `">`)
			}
		}
		b.WriteString(`<c r="` + c.ref + `"`)
		if c.style != "" {
			b.WriteString(` s="` + strconv.Itoa(st[c.style]) + `"`)
		}
		switch v := c.v.(type) {
		case nil:
			b.WriteString(`/>`)
		case int:
			b.WriteString(`><v>` + strconv.Itoa(v) + `</v></c>`)
		case string:
			if utf16Len(v) > maxCellText {
				return "", errNotPlain
			}
			if v == "" {
				b.WriteString(`/>`)
				continue
			}
			b.WriteString(` t="inlineStr"><is><t xml:space="preserve">`)
			escape(&b, v, false)
			b.WriteString(`</t></is></c>`)
		default:
			return "", errNotPlain
		}
	}
	if row != 0 {
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData>`)
	if len(l.merges) > 0 {
		fmt.Fprintf(&b, `<mergeCells count="%d">`, len(l.merges))
		for _, m := range l.merges {
			b.WriteString(`<mergeCell ref="` + m[0] + ":" + m[1] + `"/>`)
		}
		b.WriteString(`</mergeCells>`)
	}
	b.WriteString(`<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>`)
	b.WriteString(`<pageSetup paperSize="9" orientation="portrait" fitToWidth="1" fitToHeight="0"/></worksheet>`)
	return b.String(), nil
}

// deflaters are the compressors of fast copies. A compress/flate writer
// is 1.2 MB of tables, whose allocation and clearing cost as much as
// compressing a copy's changed parts; copies are written on several
// goroutines at once, so the pool is the package's.
var deflaters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.BestSpeed) // fails only for a bad level
	return fw
}}

// zip writes the copy: a part as received is copied as it was
// compressed, the others deflated.
func (fc *fastCopy) zip() ([]byte, error) {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	fw := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(fw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		fw.Reset(w) // the copy's parts are written one by one
		return fw, nil
	})
	for _, name := range slices.Concat(fc.c.order, fc.added) {
		text := fc.parts[name]
		if zf, raw := fc.c.unchanged(name, text); zf != nil {
			fh := zf.FileHeader
			w, err := zw.CreateRaw(&fh)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(raw); err != nil {
				return nil, err
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, text); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
