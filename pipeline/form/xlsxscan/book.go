package xlsxscan

import (
	"archive/zip"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unsafe"
)

// XML namespaces excelize requires of the roots of the parts it decodes.
const (
	nsMain     = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRels     = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsTypes    = "http://schemas.openxmlformats.org/package/2006/content-types"
	nsDrawing  = "http://schemas.openxmlformats.org/drawingml/2006/main"
	nsOfficeR  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	relOffice  = nsOfficeR + "/officeDocument"
	strictMark = "purl.oclc.org" // strict OOXML, which excelize rewrites
)

// The last row and column (XFD) a sheet can have.
const (
	MaxRow = 1048576
	MaxCol = 16384
)

// A Book is an opened workbook. It is not safe for concurrent use: Rows
// keeps what later calls about that sheet need.
type Book struct {
	lim      Limits
	parts    map[string]*sharedPart // XML parts by name, unzipped
	sheets   []sheet                // in workbook order
	sst      []string
	date1904 bool
	arena    []string // the cells of the rows read
	scratch  *Scratch // whose memory the Book uses
	cache    *Cache   // the Open's, or nil
}

type sheet struct {
	name, part string

	// Kept by Rows, to tell when an empty cell may read otherwise in
	// excelize: merged ranges as written, and formula cells without a
	// cached value (row, column).
	merges        []string
	emptyFormulas [][2]int
}

// Sheets lists the names of the worksheets in workbook order.
func (b *Book) Sheets() []string {
	names := make([]string, len(b.sheets))
	for i, s := range b.sheets {
		names[i] = s.name
	}
	return names
}

// Date1904 reports whether the workbook counts dates from 1904.
func (b *Book) Date1904() bool { return b.date1904 }

// sheet is the sheet of a name from the book's own list.
func (b *Book) sheet(name string) *sheet {
	for i := range b.sheets {
		if b.sheets[i].name == name {
			return &b.sheets[i]
		}
	}
	return nil
}

// Open unzips the parts the Book reads and checks the rest as excelize's
// open would: a file excelize refuses for its size is a *LimitError
// (BoundUnzip), anything else it cannot vouch for is ErrUnsupported. data
// is the file zr reads; parts other files share are taken from cache when
// it is not nil. The Book's memory is its own; Scratch.Open lends it.
func Open(zr *zip.Reader, data []byte, lim Limits, cache *Cache) (*Book, error) {
	return new(Scratch).Open(zr, data, lim, cache)
}

// A Scratch is the memory of the last workbook it opened, which the next
// one takes over: the parts' text, the cells of its rows and the buffers
// of unzipping. A batch that opens thousands of forms one after another
// allocated about 30 KB a form for these. A Scratch is for one goroutine
// at a time.
type Scratch struct {
	text  []byte   // the unzipped parts the Book reads, one after another
	cells []string // the arena of Rows
	buf   []byte   // for unzipping a part that is only checked
	key   []byte   // a part's cache key
}

// Bounds of what a Scratch keeps for the next workbook: a hostile file's
// large parts are let go with its Book.
const (
	maxKeptText  = 1 << 20
	maxKeptCells = 16 << 10
	maxKeptKey   = 256 << 10
)

// Trim lets go of the memory a large workbook left in s, which a form
// does not need; the Book s opened last must be done with. A Scratch
// kept idle between workbooks is trimmed first.
func (s *Scratch) Trim() {
	if cap(s.text) > maxKeptText {
		s.text = nil
	}
	if cap(s.cells) > maxKeptCells {
		s.cells = nil
	}
	if cap(s.key) > maxKeptKey {
		s.key = nil
	}
}

// Open is the package's Open, the Book's text and cells held in s's
// memory: the Book, and every string it gives, is valid only until s
// opens another workbook. A caller keeps nothing of it past then without
// copying it (strings.Clone); the parts a Cache keeps are its own copies.
func (s *Scratch) Open(zr *zip.Reader, data []byte, lim Limits, cache *Cache) (*Book, error) {
	s.Trim()
	s.text, s.cells = s.text[:0], s.cells[:0]
	if need := scratchSize(zr, lim, cache != nil); cap(s.text) < need {
		// One array for the text of every part, rather than growing to
		// it; once a Scratch is in use, with room for the next
		// workbook's being a little longer.
		room := 0
		if cap(s.text) > 0 {
			room = need / 4
		}
		s.text = make([]byte, 0, need+room)
	}
	b := &Book{lim: lim, parts: make(map[string]*sharedPart, 8), scratch: s, arena: s.cells, cache: cache}
	seen := make(map[string]bool, len(zr.File))
	useInflater(zr)
	var unzipped int64
	for _, zf := range zr.File {
		// The same sums and order as excelize's ReadZipReader, so that
		// a file over the limit gives the same finding.
		size := zf.FileInfo().Size()
		unzipped += size
		if size < 0 || size > lim.MaxUnzipBytes || unzipped > lim.MaxUnzipBytes {
			return nil, &LimitError{Bound: BoundUnzip}
		}
		name := partName(zf)
		if seen[name] {
			return nil, ErrUnsupported
		}
		seen[name] = true
		keep := keptPart(name)
		var part *sharedPart
		cached, vol := false, volatile(name)
		if cache != nil && (!vol || zf.CompressedSize64 <= maxVolatileKey) {
			if k := partKey(s.key, zf, data); k != nil {
				s.key, cached = k, true
				part = cache.get(s.key)
			}
		}
		if part == nil {
			// A part the cache is sure to keep is unzipped into memory of
			// its own; the others into s.
			own := cached && !vol
			text, err := s.unzip(zf, data, size, keep, own)
			if err != nil {
				return nil, ErrUnsupported
			}
			part = &sharedPart{text: text}
			if cached {
				part = cache.put(s.key, text, vol, own)
			}
		}
		if keep {
			// excelize rewrites strict namespaces, text included, in the
			// parts it decodes whole; it streams worksheets as written.
			if !strings.HasPrefix(name, "xl/worksheets/") && part.strict() {
				return nil, ErrUnsupported
			}
			b.parts[name] = part
		}
	}
	if err := b.structure(); err != nil {
		return nil, err
	}
	return b, nil
}

// partName is the name of a part as excelize files it.
func partName(zf *zip.File) string {
	name := strings.ReplaceAll(zf.Name, "\\", "/")
	switch strings.ToLower(name) {
	case "[content_types].xml":
		name = "[Content_Types].xml"
	case "xl/sharedstrings.xml":
		name = "xl/sharedStrings.xml"
	}
	return name
}

// scratchSize is what the parts the Book keeps in a Scratch unzip to, as
// the directory says: those it reads, less, when there is a cache, those
// the cache keeps. It is 0 when the parts together are over
// MaxUnzipBytes, which Open refuses before unzipping any.
func scratchSize(zr *zip.Reader, lim Limits, cache bool) int {
	var all, kept int64
	for _, zf := range zr.File {
		size := zf.FileInfo().Size()
		if all += size; size < 0 || size > lim.MaxUnzipBytes || all > lim.MaxUnzipBytes {
			return 0
		}
		if name := partName(zf); keptPart(name) && (!cache || volatile(name)) {
			kept += size
		}
	}
	return int(kept)
}

// unzip reads one part into s.text and returns its text there, or into
// a string of its own when own is set, or, when the Book does not keep
// it, only unzips it. Growing s.text moves it, but the text of the parts
// before stays where it was, still whole. A deflated part is inflated
// from data straight into its place (unzipTo); any other goes through
// archive/zip.
func (s *Scratch) unzip(zf *zip.File, data []byte, size int64, keep, own bool) (string, error) {
	switch {
	case keep && own:
		out := make([]byte, size)
		if ok, err := unzipTo(out, zf, data); ok {
			if err != nil || size == 0 {
				return "", err
			}
			return unsafe.String(&out[0], len(out)), nil
		}
	case !keep && size <= maxCheckedInPlace:
		if len(s.buf) < int(size) {
			s.buf = make([]byte, max(size, 8<<10))
		}
		if ok, err := unzipTo(s.buf[:size], zf, data); ok {
			return "", err
		}
	case keep:
		s.text = slices.Grow(s.text, int(size))
		start := len(s.text)
		if ok, err := unzipTo(s.text[start:start+int(size)], zf, data); ok {
			if err != nil || size == 0 {
				return "", err
			}
			s.text = s.text[:start+int(size)]
			return unsafe.String(&s.text[start], int(size)), nil
		}
	}
	if !keep || own {
		// Unzipped through a buffer of up to 8 KB, as small as the part.
		if want := int(min(max(size, 512), 8<<10)); len(s.buf) < want {
			s.buf = make([]byte, want)
		}
		return unzipPart(zf, size, keep, s.buf)
	}
	s.text = slices.Grow(s.text, int(size))
	start := len(s.text)
	rc, err := zf.Open()
	if err != nil {
		return "", err
	}
	for err == nil {
		if len(s.text) == cap(s.text) {
			// More than the directory said, which archive/zip fails
			// on the next read.
			s.text = slices.Grow(s.text, 512)
		}
		var n int
		n, err = rc.Read(s.text[len(s.text):cap(s.text)])
		s.text = s.text[:len(s.text)+n]
	}
	if err == io.EOF {
		err = nil
	}
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	text := s.text[start:]
	if len(text) == 0 {
		return "", err
	}
	return unsafe.String(&text[0], len(text)), err
}

// maxCheckedInPlace bounds a part that is only checked and is inflated
// whole into the Scratch's buffer; a larger one streams through 8 KB.
const maxCheckedInPlace = 64 << 10

// keptPart reports whether the Book reads a part: those excelize
// decodes at open and the worksheets. The rest are only unzipped, since
// excelize's open fails on a part that does not unzip.
func keptPart(name string) bool {
	switch name {
	case "_rels/.rels", "[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
		"xl/sharedStrings.xml", "xl/styles.xml", "xl/theme/theme1.xml", "xl/calcChain.xml":
		return true
	}
	return strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml")
}

// unzipPart reads one part whole, or only unzips it when it is not kept.
// A checksum or size error, which excelize overlooks, fails it here.
func unzipPart(zf *zip.File, size int64, keep bool, scratch []byte) (string, error) {
	rc, err := zf.Open()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if keep {
		sb.Grow(int(size))
	}
	for err == nil {
		var n int
		n, err = rc.Read(scratch)
		if keep {
			sb.Write(scratch[:n])
		}
	}
	if err == io.EOF {
		err = nil
	}
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return sb.String(), err
}

// structure reads the package layout excelize's open reads: the workbook
// found from _rels/.rels, its sheets and relationships, and the parts
// excelize decodes at open, which must at least be well-formed.
func (b *Book) structure() error {
	rels, ok := b.parts["_rels/.rels"]
	if !ok {
		return ErrUnsupported
	}
	root, err := rels.relationships(b.lim)
	if err != nil {
		return err
	}
	wbPath := ""
	for _, rel := range root {
		if rel.typ == relOffice {
			wbPath = strings.TrimPrefix(rel.target, "/")
			break
		}
	}
	if wbPath != "xl/workbook.xml" {
		return ErrUnsupported
	}
	for _, p := range []struct{ name, ns, root string }{
		{"[Content_Types].xml", nsTypes, "Types"},
		{"xl/styles.xml", nsMain, "styleSheet"},
		{"xl/theme/theme1.xml", nsDrawing, "theme"},
		{"xl/calcChain.xml", nsMain, "calcChain"},
	} {
		if part, ok := b.parts[p.name]; ok && !part.wellFormed(p.ns, p.root, b.lim) {
			return ErrUnsupported
		}
	}
	wb, ok := b.parts[wbPath]
	if !ok {
		return ErrUnsupported
	}
	sheets, date1904, err := wb.workbook(b.lim)
	if err != nil {
		return err
	}
	b.date1904 = date1904
	wbRels, ok := b.parts["xl/_rels/workbook.xml.rels"]
	if !ok {
		return ErrUnsupported
	}
	targets, err := wbRels.relationships(b.lim)
	if err != nil {
		return err
	}
	byID := make(map[string]string, len(targets))
	for _, rel := range targets {
		if _, dup := byID[rel.id]; dup {
			return ErrUnsupported
		}
		byID[rel.id] = rel.target
	}
	for i, s := range sheets {
		if !validSheetName(s.name) {
			return ErrUnsupported
		}
		for _, t := range sheets[:i] {
			if strings.EqualFold(t.name, s.name) {
				return ErrUnsupported
			}
		}
		target, ok := byID[s.part]
		if !ok {
			return ErrUnsupported
		}
		p := path.Clean("xl/" + target)
		if strings.HasPrefix(target, "/") {
			p = strings.TrimPrefix(path.Clean(target), "/")
		}
		if _, ok := b.parts[p]; !ok || !strings.HasPrefix(p, "xl/worksheets/") || strings.Contains(target, "\\") {
			return ErrUnsupported
		}
		b.sheets = append(b.sheets, sheet{name: s.name, part: p})
	}
	if sst, ok := b.parts["xl/sharedStrings.xml"]; ok {
		if b.sst, err = parseSST(sst.text, b.lim); err != nil {
			return err
		}
	}
	return nil
}

// validSheetName is excelize's check of a sheet name; a sheet it refuses
// is skipped there, and is ErrUnsupported here.
func validSheetName(name string) bool {
	return name != "" && len(utf16.Encode([]rune(name))) <= 31 &&
		!strings.HasPrefix(name, "'") && !strings.HasSuffix(name, "'") &&
		!strings.ContainsAny(name, ":\\/?*[]")
}

type rel struct{ id, typ, target string }

func parseRels(part string, lim Limits) ([]rel, error) {
	x := newScanner(part, lim)
	if x.next() != tokStart || x.localName() != "Relationships" || x.rootSpace() != nsRels {
		return nil, ErrUnsupported
	}
	var out []rel
	for x.next() != tokEOF {
		if x.kind == tokStart && len(x.stack) == 2 && x.localName() == "Relationship" {
			var r rel
			for i := range x.attrs {
				switch x.attrLocal(i) {
				case "Id":
					r.id = x.attrValue(i)
				case "Type":
					r.typ = x.attrValue(i)
				case "Target":
					r.target = x.attrValue(i)
				}
			}
			out = append(out, r)
		}
	}
	if x.failed {
		return nil, ErrUnsupported
	}
	return out, nil
}

// parseWorkbook reads the sheet list (name and relationship id, as part) and the
// 1904 date setting, and checks every attribute excelize decodes as a
// number or boolean, since a malformed one makes excelize refuse the file.
func parseWorkbook(part string, lim Limits) (sheets []sheet, date1904 bool, err error) {
	x := newScanner(part, lim)
	if x.next() != tokStart || x.localName() != "workbook" || x.rootSpace() != nsMain {
		return nil, false, ErrUnsupported
	}
	scopes := [][]xattr{x.attrList(), nil} // declarations of the root and <sheets>
	seenSheets, seenPr := false, false
	for x.next() != tokEOF {
		if x.kind != tokStart {
			continue
		}
		for i := range x.attrs {
			if !typedOK(workbookAttrKind(x.attrLocal(i)), x.attrValue(i)) {
				return nil, false, ErrUnsupported
			}
		}
		depth, name := len(x.stack), x.localName()
		switch {
		case depth == 2 && name == "sheets":
			if seenSheets {
				return nil, false, ErrUnsupported
			}
			seenSheets = true
			scopes[1] = x.attrList()
		case depth == 2 && name == "workbookPr":
			if seenPr {
				return nil, false, ErrUnsupported
			}
			seenPr = true
			if v, n := attrCount(x, "date1904"); n > 1 {
				return nil, false, ErrUnsupported
			} else if n == 1 {
				date1904, _ = parseXMLBool(v)
			}
		case depth == 3 && name == "sheet" && local(x.str(x.stack[1])) == "sheets":
			s, ids := sheet{}, 0
			attrs := x.attrList()
			for _, a := range attrs {
				prefix, name, prefixed := strings.Cut(a.name, ":")
				switch {
				case a.name == "name":
					s.name = a.value
				case prefixed && name == "id" && resolve(prefix, attrs, scopes[1], scopes[0]) == nsOfficeR:
					s.part = a.value
					ids++
				case prefixed && name == "name":
					return nil, false, ErrUnsupported
				}
			}
			if ids != 1 {
				return nil, false, ErrUnsupported
			}
			sheets = append(sheets, s)
		}
	}
	if x.failed || !seenSheets {
		return nil, false, ErrUnsupported
	}
	return sheets, date1904, nil
}

// resolve is the namespace a prefix is bound to, looking in the
// declarations of an element and then of its ancestors.
func resolve(prefix string, scopes ...[]xattr) string {
	for _, attrs := range scopes {
		for _, a := range attrs {
			if a.name == "xmlns:"+prefix {
				return a.value
			}
		}
	}
	return prefix
}

type attrKind uint8

const (
	kindString attrKind = iota
	kindBool
	kindInt
	kindUint32
	kindFloat
)

// typedOK reports whether encoding/xml decodes v into a field of kind k.
func typedOK(k attrKind, v string) bool {
	if v == "" {
		return true
	}
	t := strings.TrimSpace(v)
	var err error
	switch k {
	case kindBool:
		_, err = strconv.ParseBool(t)
	case kindInt:
		_, err = strconv.ParseInt(t, 10, 64)
	case kindUint32:
		_, err = strconv.ParseUint(t, 10, 32)
	case kindFloat:
		_, err = strconv.ParseFloat(t, 64)
	}
	return err == nil
}

func parseXMLBool(v string) (bool, bool) {
	if v == "" {
		return false, true
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return b, err == nil
}

// workbookAttrKind is the kind of every attribute excelize's workbook
// types decode as a boolean or a number.
func workbookAttrKind(name string) attrKind {
	switch name {
	case "autoRecover", "crashSave", "dataExtractLoad", "repairLoad", "lockRevision", "lockStructure",
		"lockWindows", "date1904", "showBorderUnselectedTables", "filterPrivacy", "promptedSolutions",
		"showInkAnnotation", "backupFile", "saveExternalLinkValues", "hidePivotFieldList",
		"showPivotChartFilter", "allowRefreshQuery", "publishItems", "checkCompatibility",
		"autoCompressPictures", "refreshAllConnections", "minimized", "showHorizontalScroll",
		"showVerticalScroll", "showSheetTabs", "autoFilterDateGrouping", "function", "hidden",
		"publishToServer", "vbProcedure", "workbookParameter", "xml", "fullCalcOnLoad", "iterate",
		"fullPrecision", "calcCompleted", "calcOnSave", "concurrentCalc", "forceFullCalc", "autoUpdate",
		"changesSavedWin", "includeHiddenRowCol", "includePrintSettings", "maximized", "onlySync",
		"personalView", "showFormulaBar", "showStatusbar":
		return kindBool
	case "revisionsSpinCount", "workbookSpinCount", "windowWidth", "windowHeight", "firstSheet",
		"activeTab", "sheetId", "builtInGroupCount", "cacheId", "functionGroupId", "localSheetId",
		"calcId", "iterateCount", "concurrentManualCount", "activeSheetId", "mergeInterval",
		"xWindow", "yWindow":
		return kindInt
	case "tabRatio", "iterateDelta":
		return kindFloat
	}
	return kindString
}

// runAttrKind is the kind of the attributes of a rich text run's
// properties (and of the phonetic elements) as excelize decodes them.
func runAttrKind(elem, attr string) attrKind {
	switch elem + "." + attr {
	case "charset.val", "family.val", "color.indexed", "color.theme", "phoneticPr.fontId", "sst.count", "sst.uniqueCount":
		return kindInt
	case "b.val", "i.val", "strike.val", "outline.val", "shadow.val", "condense.val", "extend.val", "color.auto":
		return kindBool
	case "sz.val", "color.tint":
		return kindFloat
	case "rPh.sb", "rPh.eb":
		return kindUint32
	}
	return kindString
}

// parseSST reads the shared strings as excelize's xlsxSI.String gives
// them: the text of <t> followed by that of each run, phonetic runs left
// out.
func parseSST(part string, lim Limits) ([]string, error) {
	x := newScanner(part, lim)
	if x.next() != tokStart || x.localName() != "sst" || x.rootSpace() != nsMain {
		return nil, ErrUnsupported
	}
	if !attrsTyped(x, "sst") {
		return nil, ErrUnsupported
	}
	var out []string
	if n, ok := PlainInt(strings.TrimSpace(attrValue(x, "uniqueCount"))); ok && n < 1<<16 {
		out = make([]string, 0, n)
	}
	for {
		if text, ok := x.plainSI(); ok {
			out = append(out, bstrUnmarshal(text))
			continue
		}
		if x.next() == tokEOF {
			break
		}
		if x.kind != tokStart {
			continue
		}
		if x.localName() != "si" || len(x.stack) != 2 {
			x.skip() // excelize decodes nothing else at this level
			continue
		}
		text, ok := readSI(x)
		if !ok {
			return nil, ErrUnsupported
		}
		out = append(out, bstrUnmarshal(text))
	}
	if x.failed {
		return nil, ErrUnsupported
	}
	return out, nil
}

func attrValue(x *xmlScanner, name string) string {
	v, _ := x.attr(name)
	return v
}

func attrsTyped(x *xmlScanner, elem string) bool {
	for i := range x.attrs {
		if !typedOK(runAttrKind(elem, x.attrLocal(i)), x.attrValue(i)) {
			return false
		}
	}
	return true
}

// plainSI reads the next string of the table when it is written the
// usual way, <si><t>text</t></si> (or <t xml:space="preserve">) with text
// that needs no decoding, and gives exactly what next and readSI would
// give for it, elements counted alike. ok is false, and nothing is read,
// for anything else, which next and readSI then read or refuse.
func (x *xmlScanner) plainSI() (text string, ok bool) {
	const (
		open     = "<si><t>"
		preserve = "<si><t xml:space=\"preserve\">"
		end      = "</t></si>"
	)
	if x.failed || x.selfEnd || len(x.stack) != 1 || x.elemsLeft < 2 || x.maxDepth <= 2 {
		return "", false
	}
	rest := x.s[x.pos:]
	var from int
	switch {
	case strings.HasPrefix(rest, open):
		from = len(open)
	case strings.HasPrefix(rest, preserve):
		from = len(preserve)
	default:
		return "", false
	}
	n := strings.IndexByte(rest[from:], '<')
	if n < 0 || !strings.HasPrefix(rest[from+n:], end) {
		return "", false
	}
	text = rest[from : from+n]
	if plain, ok := checkText(text, false); !plain || !ok {
		return "", false
	}
	x.pos += from + n + len(end)
	x.elemsLeft -= 2
	x.kind = tokEnd
	return text, true
}

// readSI reads one <si> just started and returns its text.
func readSI(x *xmlScanner) (string, bool) {
	depth := len(x.stack)
	var head string
	var runs strings.Builder
	seenT := false
	for x.next() != tokEOF && len(x.stack) >= depth {
		if x.kind != tokStart {
			continue
		}
		switch x.localName() {
		case "t":
			var ok bool
			if head, ok = readText(x); seenT || !ok {
				return "", false
			}
			seenT = true
		case "r":
			t, ok := readRun(x)
			if !ok {
				return "", false
			}
			runs.WriteString(t)
		case "rPh", "phoneticPr":
			// Left out of the text; only their typed attributes matter.
			if !attrsTyped(x, x.localName()) {
				return "", false
			}
			x.skip()
		default:
			return "", false
		}
	}
	if runs.Len() > 0 {
		head += runs.String()
	}
	return head, !x.failed
}

func readRun(x *xmlScanner) (string, bool) {
	depth := len(x.stack)
	var text string
	seenT, seenPr := false, false
	for x.next() != tokEOF && len(x.stack) >= depth {
		if x.kind != tokStart {
			continue
		}
		switch x.localName() {
		case "t":
			var ok bool
			if text, ok = readText(x); seenT || !ok {
				return "", false
			}
			seenT = true
		case "rPr":
			if seenPr || !readRunProps(x) {
				return "", false
			}
			seenPr = true
		default:
			return "", false
		}
	}
	return text, !x.failed
}

func readRunProps(x *xmlScanner) bool {
	depth := len(x.stack)
	var seen []string
	for x.next() != tokEOF && len(x.stack) >= depth {
		if x.kind != tokStart {
			continue
		}
		name := x.localName()
		if slices.Contains(seen, name) || !attrsTyped(x, name) || !skipPlain(x) {
			return false
		}
		seen = append(seen, name)
	}
	return !x.failed
}

// readText reads the text of the element just started, which must hold
// text only. One run of text, the usual case, is returned as it is.
func readText(x *xmlScanner) (string, bool) {
	text := ""
	var more strings.Builder // text split by comments
	for {
		switch x.next() {
		case tokText:
			if text == "" {
				text = x.text()
			} else {
				if more.Len() == 0 {
					more.WriteString(text)
				}
				more.WriteString(x.text())
			}
		case tokEnd:
			if more.Len() > 0 {
				return more.String(), true
			}
			return text, true
		default:
			return "", false
		}
	}
}

// skipPlain passes over an element just started that must hold no
// further elements.
func skipPlain(x *xmlScanner) bool {
	_, ok := readText(x)
	return ok
}

// bstrExp is excelize's pattern of an escaped character, _x000D_.
var bstrExp = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)

// bstrUnmarshal undoes the _xHHHH_ escapes of a string exactly as
// excelize does, an escape of a lone surrogate dropped.
func bstrUnmarshal(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var out strings.Builder
	cursor := 0
	for _, m := range bstrExp.FindAllStringIndex(s, -1) {
		out.WriteString(s[cursor:m[0]])
		cursor = m[1]
		if s[m[0]:m[1]] == "_x005F_" {
			out.WriteString("_")
			continue
		}
		v, _ := strconv.Unquote(`"\u` + s[m[0]+2:m[1]-1] + `"`)
		out.WriteString(v)
	}
	out.WriteString(s[cursor:])
	return out.String()
}
